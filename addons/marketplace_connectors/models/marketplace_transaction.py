# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models

from .marketplace_payout import CATEGORY_SELECTION


class MarketplaceTransaction(models.Model):
    """One money line of a marketplace source: never aggregated, never dropped.

    Rows are written in bulk by ``marketplace.binder`` (SQL ``INSERT ... ON CONFLICT DO
    NOTHING`` on the unique ``(channel_id, external_key)``), which is what makes imports
    idempotent and safe under concurrency. Users read them; nobody edits them.
    """

    _name = "marketplace.transaction"
    _description = "Marketplace Transaction"
    _order = "posted_at desc, id desc"
    _check_company_auto = True
    _rec_name = "external_key"
    # Who imported a line and when is on its import batch; without the four log
    # columns (and their two foreign keys) a million-line import writes much faster.
    _log_access = False

    # No index of its own: UNIQUE(channel_id, external_key) serves channel lookups.
    channel_id = fields.Many2one(
        "marketplace.channel",
        required=True,
        ondelete="restrict",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one(related="channel_id.company_id")
    payout_id = fields.Many2one(
        "marketplace.payout",
        index=True,
        ondelete="restrict",
        readonly=True,
        check_company=True,
    )
    category = fields.Selection(CATEGORY_SELECTION, required=True)
    amount = fields.Monetary(required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    order_ref = fields.Char(string="Order", index="btree_not_null", readonly=True)
    order_line_ref = fields.Char(string="Order Line", readonly=True)
    sale_order_id = fields.Many2one(
        "sale.order",
        index="btree_not_null",
        readonly=True,
        ondelete="set null",
        check_company=True,
    )
    sku = fields.Char(string="SKU", index="btree_not_null", readonly=True)
    product_id = fields.Many2one(
        "product.product", readonly=True, ondelete="set null", index="btree_not_null"
    )
    quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    posted_at = fields.Datetime(string="Posted On", index=True, readonly=True)
    raw_type = fields.Char(string="Source Type", readonly=True)
    description = fields.Char(readonly=True)
    external_key = fields.Char(required=True, readonly=True)
    line_no = fields.Integer(string="Source Line", readonly=True)
    import_batch_id = fields.Many2one(
        "marketplace.import.batch", readonly=True, ondelete="set null", index=True
    )

    _sql_constraints = [
        (
            "channel_external_key_uniq",
            "unique(channel_id, external_key)",
            "This transaction was already imported for this channel.",
        ),
    ]
