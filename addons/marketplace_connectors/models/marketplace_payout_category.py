# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models, tools
from odoo.tools import SQL

from .marketplace_payout import CATEGORY_SELECTION


class MarketplacePayoutCategory(models.Model):
    """Totals of a payout per category: a view over its transactions."""

    _name = "marketplace.payout.category"
    _description = "Payout Total by Category"
    _auto = False
    _order = "payout_id, amount"
    _rec_name = "category"

    payout_id = fields.Many2one("marketplace.payout", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    category = fields.Selection(CATEGORY_SELECTION, readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %s AS (
                SELECT MIN(t.id) AS id, t.payout_id, p.company_id, t.category,
                       t.currency_id, SUM(t.amount) AS amount, COUNT(*) AS line_count
                  FROM marketplace_transaction t
                  JOIN marketplace_payout p ON p.id = t.payout_id
                 GROUP BY t.payout_id, p.company_id, t.category, t.currency_id
            )
                """,
                SQL.identifier(self._table),
            )
        )
