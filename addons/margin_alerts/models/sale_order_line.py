# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import dataclasses
from decimal import Decimal

from odoo import api, fields, models

from ..core import margin as core

MARGIN_FIELDS = ("net_margin", "net_margin_percent", "floor_price")
# A change of these after a margin approval request invalidates it.
APPROVAL_LINE_TRIGGERS = {
    "price_unit",
    "discount",
    "product_uom_qty",
    "product_id",
    "product_uom",
}
PROFILE_RATES = (
    "commission_rate",
    "payment_fee_rate",
    "return_rate",
    "acos",
    "other_rate",
)
PROFILE_AMOUNTS = (
    "commission_min_per_unit",
    "fixed_fee_per_order",
    "fulfilment_per_unit",
    "shipping_per_order",
    "shipping_per_unit",
    "cost_per_return",
    "other_fixed_per_unit",
)


def _d(value):
    return Decimal(str(value or 0))


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # Visible to the same users as sale_margin's cost and margin.
    net_margin = fields.Monetary(
        string="Net-Net Margin",
        compute="_compute_net_margin",
        store=True,
        groups="margin_alerts.group_margin_show",
        help="Revenue excluding VAT minus the cost of goods and the channel's costs "
        "(commission, fees, fulfilment, shipping, expected returns, advertising).",
    )
    net_margin_percent = fields.Float(
        string="Net-Net Margin (%)",
        compute="_compute_net_margin",
        store=True,
        aggregator="avg",
        groups="margin_alerts.group_margin_show",
    )
    floor_price = fields.Monetary(
        compute="_compute_net_margin",
        store=True,
        groups="margin_alerts.group_margin_show",
        help="The lowest unit price (same tax basis as the unit price) that still "
        "reaches the minimum margin: break-even until a margin rule sets one.",
    )

    margin_rule_id = fields.Many2one(
        "margin.rule",
        compute="_compute_net_margin",
        store=True,
        groups="base.group_user",
        help="The margin rule governing this line (the most specific one).",
    )
    margin_verdict = fields.Selection(
        [
            ("ok", "OK"),
            ("warn", "Warning"),
            ("approve", "Approval Needed"),
            ("forbidden", "Forbidden"),
        ],
        compute="_compute_net_margin",
        store=True,
        groups="base.group_user",
    )
    margin_below_floor = fields.Boolean(
        string="Below Floor",
        compute="_compute_margin_below_floor",
        store=True,
        groups="base.group_user",
        help="Sold for less than its floor price.",
    )

    @api.depends("price_unit", "floor_price", "currency_id")
    def _compute_margin_below_floor(self):
        for line in self:
            line.margin_below_floor = bool(
                line.product_id
                and line.floor_price
                and line.currency_id.compare_amounts(line.price_unit, line.floor_price)
                < 0
            )

    @api.depends(
        "price_unit",
        "discount",
        "product_uom_qty",
        "tax_id",
        "purchase_price",
        "product_id",
        "order_id.marketplace_channel_id",
        "order_id.company_id",
        "order_id.currency_id",
        "order_id.order_line",
        "order_id.partner_id",
        "order_id.team_id",
        "order_id.user_id",
        "order_id.amount_untaxed",
    )
    def _compute_net_margin(self):
        """Batch: one profile lookup per (company, channel, category), the math in
        ``core.margin``."""
        profiles = {}
        counts = {}
        Profile = self.env["margin.cost.profile"]
        candidates = Profile.search(
            [("company_id", "in", self.order_id.company_id.ids)]
        )
        # The company's rules, read once for the whole batch (a few dozen).
        rule_records = self.env["margin.rule"].search(
            [("company_id", "in", self.order_id.company_id.ids)]
        )
        rules = rule_records._core_rules()
        limited = {rule.id: rule for rule in rule_records if rule.discount_limit_ids}
        for line in self:
            if line.display_type or not line.product_id:
                line.update(dict.fromkeys(MARGIN_FIELDS, 0.0))
                line.update({"margin_rule_id": False, "margin_verdict": "ok"})
                continue
            order = line.order_id
            key = (
                order.company_id,
                order.marketplace_channel_id,
                line.product_id.categ_id,
            )
            if key not in profiles:
                profiles[key] = Profile._profile_for(*key, profiles=candidates)
            if order not in counts:
                counts[order] = (
                    len(
                        order.order_line.filtered(
                            lambda other: other.product_id and not other.display_type
                        )
                    )
                    or 1
                )
            taxes = line.tax_id.filtered(lambda t: t.amount_type == "percent")
            included = bool(taxes) and all(taxes.mapped("price_include"))
            profile = line._core_profile(profiles[key], included)
            core_line = core.LineInput(
                price_unit=_d(line.price_unit),
                quantity=_d(line.product_uom_qty),
                discount=_d(line.discount) / 100,
                tax_rate=_d(sum(taxes.mapped("amount"))) / 100,
                unit_cost=_d(line.purchase_price),
                order_line_count=counts[order],
            )
            digits = order.currency_id.decimal_places
            rule = core.pick_rule(rules, line._margin_rule_context())
            if rule is not None and rule.id in limited:
                limit = limited[rule.id]._discount_limit(
                    set(order.user_id.groups_id.ids)
                )
                rule = dataclasses.replace(
                    rule, max_discount=_d(limit) if limit else None
                )
            if core_line.quantity <= 0:
                line.update(dict.fromkeys(MARGIN_FIELDS, 0.0))
                line.update({"margin_rule_id": False, "margin_verdict": "ok"})
                continue
            result = core.line_margin(core_line, profile, digits)
            minimum = (rule and (rule.approve_below or rule.forbid_below)) or Decimal(0)
            try:
                floor = core.floor_price(core_line, profile, minimum, digits)
            except core.MarginCoreError:
                floor = Decimal(0)
            verdict = core.evaluate(result.net_margin_percent, core_line.discount, rule)
            line.update(
                {
                    "net_margin": float(result.net_margin),
                    "net_margin_percent": float(result.net_margin_percent),
                    "floor_price": float(floor),
                    "margin_rule_id": rule.id if rule else False,
                    "margin_verdict": verdict.level,
                }
            )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._margin_invalidate_orders({"order_line"})
        return lines

    def write(self, vals):
        watched = APPROVAL_LINE_TRIGGERS & set(vals)
        lines = (
            self.filtered(
                lambda line: (
                    line.order_id.margin_approval_state != "not_needed"
                    and any(
                        (line[name].id if line._fields[name].relational else line[name])
                        != (
                            vals[name] or False
                            if line._fields[name].relational
                            else vals[name]
                        )
                        for name in watched
                    )
                )
            )
            if watched
            else self.browse()
        )
        result = super().write(vals)
        lines._margin_invalidate_orders(watched)
        return result

    def unlink(self):
        orders = self.filtered(
            lambda line: (
                line.product_id and line.order_id.margin_approval_state != "not_needed"
            )
        ).order_id
        result = super().unlink()
        orders._margin_invalidate({"order_line"})
        return result

    def _margin_invalidate_orders(self, changed):
        """Tell the orders of ``self`` (product lines of quotations under a margin
        approval) that a margin-relevant value changed."""
        orders = self.filtered(
            lambda line: (
                line.product_id
                and line.order_id.state in ("draft", "sent")
                and line.order_id.margin_approval_state != "not_needed"
            )
        ).order_id
        if orders:
            orders._margin_invalidate(changed)

    def _margin_rule_context(self):
        """Where the line is sold, for the rules."""
        self.ensure_one()
        order = self.order_id
        path = []
        category = self.product_id.categ_id
        while category:
            path.insert(0, category.id)
            category = category.parent_id
        partner = order.partner_id.commercial_partner_id
        return core.RuleContext(
            company_id=order.company_id.id,
            channel_id=order.marketplace_channel_id.id or None,
            category_path=tuple(path),
            customer_id=partner.id or None,
            customer_tag_ids=tuple(partner.category_id.ids),
            team_id=order.team_id.id or None,
            amount=Decimal(str(order._margin_amount_company())),
        )

    def _core_profile(self, profile, price_includes_tax):
        """The cost profile as the core sees it (zero costs without a profile)."""
        if not profile:
            return core.CostProfile(
                commission_on_tax_included=price_includes_tax,
                price_includes_tax=price_includes_tax,
            )
        values = {name: _d(profile[name]) for name in PROFILE_RATES + PROFILE_AMOUNTS}
        values["payment_fee_rate"] += _d(profile.payment_terms_rate)
        return core.CostProfile(
            **values,
            commission_on_tax_included=profile.commission_on_tax_included,
            price_includes_tax=price_includes_tax,
        )
