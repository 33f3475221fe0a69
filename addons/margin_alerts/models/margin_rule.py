# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from decimal import Decimal

from odoo import fields, models

from ..core import margin as core

# Zero means "not set" for these; the forbidden threshold is always active (a sale
# below 0 % net-net is forbidden unless a rule sets a lower, negative, threshold).
OPTIONAL_RATES = ("warn_below", "approve_below", "max_discount")


class MarginRule(models.Model):
    """The minimum net-net margin of a sale, by scope.

    The most specific rule wins (``core.margin.specificity``): customer, then
    customer tag, then channel, then the deepest product category, then sales team,
    then company; among equally specific rules, the highest order amount level
    reached, then the sequence. Thresholds are ratios of the revenue excluding VAT
    (0.10 = 10 %): below *warn* a warning, below *approve* an approval, below
    *forbidden* no sale at all.
    """

    _name = "margin.rule"
    _description = "Margin Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    channel_id = fields.Many2one("marketplace.channel", check_company=True)
    categ_id = fields.Many2one("product.category", string="Product Category")
    partner_id = fields.Many2one("res.partner", string="Customer", check_company=True)
    partner_category_id = fields.Many2one("res.partner.category", string="Customer Tag")
    team_id = fields.Many2one("crm.team", string="Sales Team", check_company=True)
    amount_min = fields.Monetary(
        string="From Order Amount",
        help="The rule governs orders of at least this amount (excluding VAT): "
        "e.g. a finance rule from 10,000.",
    )
    warn_below = fields.Float(digits=(16, 4))
    approve_below = fields.Float(string="Approval Below", digits=(16, 4))
    forbid_below = fields.Float(
        string="Forbidden Below",
        digits=(16, 4),
        help="No sale below this margin; 0: no sale at a loss.",
    )
    max_discount = fields.Float(
        string="Maximum Discount Rate",
        digits=(16, 4),
        help="Above this discount the line needs approval; 0: no limit. The "
        "salesperson's groups listed below may have their own limit.",
    )
    discount_limit_ids = fields.One2many(
        "margin.rule.discount",
        "rule_id",
        string="Discount Limits by Group",
        copy=True,
    )
    approver_user_id = fields.Many2one(
        "res.users",
        string="Approver",
        help="Approves the quotations this rule sends for approval. Without an "
        "approver (user or group): the Margin Approvers.",
    )
    approver_group_id = fields.Many2one("res.groups")

    def _discount_limit(self, user_groups):
        """The maximum discount of a salesperson in ``user_groups`` (a set of group
        ids) under this rule: the highest limit of their groups, else the rule's."""
        self.ensure_one()
        limits = [
            limit.max_discount
            for limit in self.discount_limit_ids
            if limit.group_id.id in user_groups
        ]
        return max(limits) if limits else self.max_discount

    def _core_rules(self):
        """The active rules as the core sees them (read once per computation)."""
        return [
            core.Rule(
                id=rule.id,
                company_id=rule.company_id.id,
                channel_id=rule.channel_id.id or None,
                category_ids=(rule.categ_id.id,) if rule.categ_id else (),
                customer_id=rule.partner_id.id or None,
                customer_tag_ids=(
                    (rule.partner_category_id.id,) if rule.partner_category_id else ()
                ),
                team_id=rule.team_id.id or None,
                amount_min=Decimal(str(rule.amount_min)) if rule.amount_min else None,
                sequence=rule.sequence,
                approver=(
                    (rule.approver_user_id.id, rule.approver_group_id.id)
                    if rule.approver_user_id or rule.approver_group_id
                    else None
                ),
                forbid_below=Decimal(str(rule.forbid_below)),
                **{
                    name: Decimal(str(rule[name])) if rule[name] else None
                    for name in OPTIONAL_RATES
                },
            )
            for rule in self
        ]


class MarginRuleDiscount(models.Model):
    """A maximum discount for the salespeople of one group under a margin rule."""

    _name = "margin.rule.discount"
    _description = "Margin Rule Discount Limit"
    _order = "rule_id, max_discount desc"

    rule_id = fields.Many2one("margin.rule", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    group_id = fields.Many2one("res.groups", string="User Group", required=True)
    max_discount = fields.Float(string="Maximum Discount Rate", digits=(16, 4))

    _sql_constraints = [
        (
            "rule_group_unique",
            "unique (rule_id, group_id)",
            "A group has one discount limit per rule.",
        )
    ]
