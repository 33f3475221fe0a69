# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class MarketplaceSkuMapping(models.Model):
    """Which Odoo product a marketplace SKU stands for, per channel.

    Looked up first; then the product's internal reference, then its barcode.
    """

    _name = "marketplace.sku.mapping"
    _description = "Marketplace SKU Mapping"
    _order = "channel_id, sku"
    _check_company_auto = True
    _rec_name = "sku"

    channel_id = fields.Many2one(
        "marketplace.channel", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True, precompute=True
    )
    sku = fields.Char(string="Marketplace SKU", required=True)
    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", check_company=True
    )

    _sql_constraints = [
        (
            "channel_sku_uniq",
            "unique(channel_id, sku)",
            "This SKU is already mapped for this channel.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        mappings._apply_to_unmapped()
        return mappings

    def write(self, vals):
        result = super().write(vals)
        if {"sku", "product_id", "channel_id"} & set(vals):
            self._apply_to_unmapped()
        return result

    def _apply_to_unmapped(self):
        """Give the mapped product to the quotation lines and transactions waiting.

        Confirmed orders keep their lines (their deliveries exist): only quotations are
        changed. The line keeps the price the platform charged.
        """
        if not self:
            return
        lines = self.env["sale.order.line"].search(
            [
                ("marketplace_unmapped", "=", True),
                ("marketplace_sku", "in", self.mapped("sku")),
                ("marketplace_channel_id", "in", self.channel_id.ids),
                ("state", "=", "draft"),
            ]
        )
        by_key = {(m.channel_id.id, m.sku): m for m in self}
        for line in lines:
            mapping = by_key.get(
                (line.order_id.marketplace_channel_id.id, line.marketplace_sku)
            )
            if not mapping:
                continue
            channel = mapping.channel_id
            line.write(
                {
                    "product_id": mapping.product_id.id,
                    "name": line.name,
                    "product_uom_qty": line.product_uom_qty,
                    "price_unit": channel._price_on_tax_basis(
                        mapping.product_id,
                        line.marketplace_price_unit,
                        line.marketplace_tax_included,
                    ),
                    "marketplace_unmapped": False,
                }
            )
        self.env.cr.execute(
            """
            UPDATE marketplace_transaction t SET product_id = m.product_id
              FROM unnest(%s::int[], %s::varchar[], %s::int[])
                   AS m(channel_id, sku, product_id)
             WHERE t.channel_id = m.channel_id AND t.sku = m.sku
               AND t.product_id IS NULL
            """,
            (
                [mapping.channel_id.id for mapping in self],
                [mapping.sku for mapping in self],
                [mapping.product_id.id for mapping in self],
            ),
        )
        self.env["marketplace.transaction"].invalidate_model(["product_id"])
