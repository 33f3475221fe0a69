# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    net_margin_total = fields.Monetary(
        string="Net-Net Margin",
        compute="_compute_net_margin_total",
        store=True,
        groups="base.group_user",
    )
    net_margin_total_percent = fields.Float(
        string="Net-Net Margin (%)",
        compute="_compute_net_margin_total",
        store=True,
        groups="base.group_user",
        help="Net-net margin over the revenue excluding VAT.",
    )

    @api.depends("order_line.net_margin", "amount_untaxed")
    def _compute_net_margin_total(self):
        for order in self:
            total = sum(order.order_line.mapped("net_margin"))
            order.net_margin_total = total
            order.net_margin_total_percent = (
                total / order.amount_untaxed if order.amount_untaxed else 0.0
            )
