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

    margin_below_floor = fields.Boolean(
        string="Sold Below Floor",
        compute="_compute_margin_below_floor",
        store=True,
        groups="base.group_user",
        help="A line is priced under its floor price.",
    )

    @api.depends("order_line.margin_below_floor")
    def _compute_margin_below_floor(self):
        for order in self:
            order.margin_below_floor = any(
                order.order_line.mapped("margin_below_floor")
            )

    @api.depends("order_line.net_margin", "amount_untaxed")
    def _compute_net_margin_total(self):
        for order in self:
            total = sum(order.order_line.mapped("net_margin"))
            order.net_margin_total = total
            order.net_margin_total_percent = (
                total / order.amount_untaxed if order.amount_untaxed else 0.0
            )

    # ---- marketplace orders: already sold, never blocked, but flagged

    def _marketplace_bind_orders(self, batch, orders):
        counters = super()._marketplace_bind_orders(batch, orders)
        imported = self.search(
            [
                ("marketplace_channel_id", "=", batch.channel_id.id),
                ("marketplace_order_ref", "in", [info.ref for info in orders]),
                ("margin_below_floor", "=", True),
            ]
        )
        imported._margin_alert_below_floor()
        return counters

    def _margin_alert_below_floor(self):
        """One activity per order sold below floor, for the responsible of the
        product category of its first line below floor (else the channel's
        responsible, else the salesperson), listing the lines; never twice."""
        summary = self.env._("Sold below floor")
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        for order in self.filtered("margin_below_floor"):
            if order.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                continue
            lines = order.order_line.filtered("margin_below_floor")
            user = (
                lines.product_id.categ_id.margin_responsible_id[:1]
                or order.marketplace_channel_id.user_id
                or order.user_id
                or self.env.user
            )
            note = "<br/>".join(
                self.env._(
                    "%(product)s: sold %(price)s, floor %(floor)s",
                    product=line.product_id.display_name,
                    price=line.price_unit,
                    floor=line.floor_price,
                )
                for line in lines
            )
            order.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=note,
                user_id=user.id,
            )
