# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from ..core.categories import CATEGORIES

CATEGORY_SELECTION = list(CATEGORIES.items())


class MarketplacePayout(models.Model):
    """One settlement, payout or billing cycle of a channel, as the platform says.

    ``amount_declared`` is what the platform says it pays (negative when the seller
    owes); ``amount_computed`` is the sum of its transactions. A payout whose lines do
    not add up to its declared total, to the cent, is imported but flagged and can
    never be posted.
    """

    _name = "marketplace.payout"
    _description = "Marketplace Payout"
    _order = "date_deposit desc, date_end desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Payout ID",
        required=True,
        index=True,
        readonly=True,
        help="The platform's own id: Amazon settlement-id, Shopify/Stripe payout id, "
        "Mirakl accounting document number, eBay payoutId.",
    )
    channel_id = fields.Many2one(
        "marketplace.channel",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
        check_company=True,
    )
    platform = fields.Selection(related="channel_id.platform")
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    has_declared_total = fields.Boolean(
        readonly=True,
        help="The source states the payout's total. Stripe's itemized report, for "
        "one, does not: the total then comes from the API or the bank.",
    )
    amount_declared = fields.Monetary(string="Declared", readonly=True)
    amount_computed = fields.Monetary(
        string="Sum of Lines",
        compute="_compute_amounts",
        store=True,
        help="Sum of the payout's transactions.",
    )
    amount_difference = fields.Monetary(
        string="Difference", compute="_compute_amounts", store=True
    )
    is_balanced = fields.Boolean(
        string="Balanced", compute="_compute_amounts", store=True, index=True
    )
    transaction_count = fields.Integer(
        string="Lines", compute="_compute_amounts", store=True
    )
    date_start = fields.Datetime(readonly=True)
    date_end = fields.Datetime(readonly=True)
    date_deposit = fields.Datetime(string="Deposit Date", readonly=True)
    platform_status = fields.Char(readonly=True)
    transaction_ids = fields.One2many(
        "marketplace.transaction", "payout_id", readonly=True
    )
    import_batch_id = fields.Many2one(
        "marketplace.import.batch",
        string="First Import",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    category_total_ids = fields.One2many(
        "marketplace.payout.category", "payout_id", string="Totals by Category"
    )

    _sql_constraints = [
        (
            "channel_name_uniq",
            "unique(channel_id, name)",
            "This payout was already imported for this channel.",
        ),
    ]

    @api.depends(
        "transaction_ids.amount", "amount_declared", "has_declared_total", "currency_id"
    )
    def _compute_amounts(self):
        groups = self.env["marketplace.transaction"]._read_group(
            [("payout_id", "in", self.ids)],
            ["payout_id"],
            ["amount:sum", "__count"],
        )
        totals = {payout.id: (amount, count) for payout, amount, count in groups}
        for payout in self:
            amount, count = totals.get(payout.id, (0.0, 0))
            currency = payout.currency_id
            payout.amount_computed = currency.round(amount) if currency else amount
            payout.transaction_count = count
            payout.amount_difference = payout.amount_declared - payout.amount_computed
            payout.is_balanced = bool(
                payout.has_declared_total
                and currency
                and currency.is_zero(payout.amount_difference)
            )

    def _recompute_totals(self):
        """Recompute the stored totals after the binder's bulk SQL writes."""
        self.env["marketplace.transaction"].invalidate_model()
        self.env["marketplace.payout"].invalidate_model()
        for fname in (
            "amount_computed",
            "amount_difference",
            "is_balanced",
            "transaction_count",
        ):
            self.env.add_to_compute(self._fields[fname], self)
        self.flush_recordset()

    def action_open_transactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.marketplace_transaction_action"
        )
        action["domain"] = [("payout_id", "=", self.id)]
        action["context"] = {"search_default_group_order": 1}
        return action
