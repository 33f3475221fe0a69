# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from dataclasses import replace

from odoo import api, fields, models
from odoo.tools import SQL

from ..core import parsers


class SaleOrder(models.Model):
    _inherit = "sale.order"

    marketplace_channel_id = fields.Many2one(
        "marketplace.channel",
        index="btree_not_null",
        readonly=True,
        copy=False,
        check_company=True,
    )
    marketplace_order_ref = fields.Char(
        string="Marketplace Order",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The platform's order id, unique per channel.",
    )
    marketplace_transaction_ids = fields.One2many(
        "marketplace.transaction", "sale_order_id", string="Marketplace Transactions"
    )

    _sql_constraints = [
        (
            "marketplace_order_uniq",
            "unique(marketplace_channel_id, marketplace_order_ref)",
            "This marketplace order was already imported for this channel.",
        ),
    ]

    @api.model
    def _marketplace_link_transactions(self, channel, batch=None):
        """Link the channel's transactions to their sale order by order reference."""
        self.env.cr.execute(
            SQL(
                """
            UPDATE marketplace_transaction t SET sale_order_id = so.id
              FROM sale_order so
             WHERE so.marketplace_channel_id = t.channel_id
               AND so.marketplace_order_ref = t.order_ref
               AND t.sale_order_id IS NULL
               AND t.channel_id = %(channel)s
               AND (%(batch)s IS NULL OR t.import_batch_id = %(batch)s)
                """,
                channel=channel.id,
                batch=batch.id if batch else None,
            )
        )
        self.env["marketplace.transaction"].invalidate_model(["sale_order_id"])

    @api.model
    def _marketplace_bind_orders(self, batch, orders):
        """Create the sale orders of parsed ``OrderInfo`` records not imported yet.

        Orders are created as quotations of the channel, in its warehouse, priced as the
        platform charged (VAT-inclusive prices converted to the product's tax basis).
        A SKU that maps to no product stops nothing: the line gets the *Unmapped
        marketplace item* product and is flagged for mapping.
        """
        channel = batch.channel_id
        merged = {}
        for info in orders:
            known = merged.get(info.ref)
            merged[info.ref] = (
                replace(known, lines=known.lines + info.lines) if known else info
            )
        existing = set(
            self.search(
                [
                    ("marketplace_channel_id", "=", channel.id),
                    ("marketplace_order_ref", "in", list(merged)),
                ]
            ).mapped("marketplace_order_ref")
        )
        new_infos = [info for ref, info in merged.items() if ref not in existing]
        products = channel._resolve_skus(
            {line.sku for info in new_infos for line in info.lines if line.sku}
        )
        lookups = channel._order_lookups(new_infos)
        vals_list = [
            channel._prepare_marketplace_order_vals(info, products, lookups)
            for info in new_infos
        ]
        created = self.with_context(tracking_disable=True).create(vals_list)
        cancelled = created.filtered(
            lambda order: (
                merged[order.marketplace_order_ref].status in parsers.CANCELLED_STATES
            )
        )
        if cancelled:
            cancelled._action_cancel()
        if created:
            self._marketplace_link_transactions(channel)
        return {"order_count": len(merged), "new_order_count": len(created)}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    marketplace_channel_id = fields.Many2one(
        related="order_id.marketplace_channel_id", store=True, index="btree_not_null"
    )
    marketplace_sku = fields.Char(string="Marketplace SKU", copy=False)
    marketplace_line_ref = fields.Char(copy=False)
    marketplace_price_unit = fields.Float(
        string="Marketplace Unit Price",
        digits="Product Price",
        copy=False,
        help="The unit price the platform charged, as it gave it.",
    )
    marketplace_tax_included = fields.Boolean(copy=False)
    marketplace_unmapped = fields.Boolean(
        string="SKU to Map",
        copy=False,
        index=True,
        help="The marketplace SKU matched no product: map it, and the line gets it.",
    )
