# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class MarginCostProfile(models.Model):
    """What a sale costs on a channel besides the goods: the expected fees, returns
    and advertising that the net-net margin of a quotation line subtracts.

    One profile per channel (the channel's default, no product category), overridden
    per product category by profiles of the same channel naming a category; a
    profile with no channel is the company's direct (B2B) profile. ``_profile_for``
    picks the most specific one. Rates are ratios (0.15 = 15 %).
    """

    _name = "margin.cost.profile"
    _description = "Margin Cost Profile"
    _order = "channel_id, categ_id, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        related="company_id.currency_id", string="Currency", readonly=True
    )
    channel_id = fields.Many2one(
        "marketplace.channel",
        check_company=True,
        help="Empty: the company's direct (B2B) sales.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        help="Empty: every category of the channel without a profile of its own.",
    )
    commission_rate = fields.Float(digits=(16, 4))
    commission_min_per_unit = fields.Monetary(string="Minimum Commission per Unit")
    commission_on_tax_included = fields.Boolean(
        string="Commission on VAT-Included Price",
        default=True,
        help="Marketplaces compute their commission and payment fees on the price "
        "the buyer pays, VAT included.",
    )
    fixed_fee_per_order = fields.Monetary()
    fulfilment_per_unit = fields.Monetary(string="Fulfilment per Unit")
    payment_fee_rate = fields.Float(digits=(16, 4))
    shipping_per_order = fields.Monetary()
    shipping_per_unit = fields.Monetary()
    return_rate = fields.Float(string="Expected Return Rate", digits=(16, 4))
    cost_per_return = fields.Monetary()
    acos = fields.Float(
        string="Advertising Cost of Sale",
        digits=(16, 4),
        help="Advertising spent per euro of revenue excluding VAT (ACoS).",
    )
    other_rate = fields.Float(string="Other Costs Rate", digits=(16, 4))
    other_fixed_per_unit = fields.Monetary(string="Other Fixed Costs per Unit")
    payment_terms_rate = fields.Float(
        string="Payment Terms Cost",
        digits=(16, 4),
        help="Direct sales: the cost of financing the customer's payment terms.",
    )

    _sql_constraints = [
        (
            "channel_categ_uniq",
            "unique nulls not distinct (company_id, channel_id, categ_id)",
            "One cost profile per channel and product category.",
        ),
    ]

    @api.constrains(
        "commission_rate",
        "payment_fee_rate",
        "return_rate",
        "acos",
        "other_rate",
        "payment_terms_rate",
    )
    def _check_rates(self):
        for profile in self:
            for fname in (
                "commission_rate",
                "payment_fee_rate",
                "return_rate",
                "acos",
                "other_rate",
                "payment_terms_rate",
            ):
                if not 0 <= profile[fname] < 1:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of %(profile)s must be a ratio between 0 and "
                            "1 (0.15 for 15 %%).",
                            field=profile._fields[fname].string,
                            profile=profile.display_name,
                        )
                    )

    @api.model
    def _profile_for(self, company, channel, category, profiles=None):
        """The most specific active profile: the channel's profile for the category
        or its nearest parent, else the channel's default, else the company's
        direct-sales profile (channel empty). Empty recordset when none exists.
        ``profiles``: the candidates already read (a batch reads them once)."""
        if profiles is None:
            profiles = self.search(
                [
                    ("company_id", "=", company.id),
                    ("channel_id", "in", [channel.id, False] if channel else [False]),
                ]
            )
        profiles = profiles.filtered(lambda p: p.company_id == company)
        lineage = []
        node = category
        while node:
            lineage.append(node)
            node = node.parent_id
        for wanted_channel in ([channel] if channel else []) + [
            self.env["marketplace.channel"]
        ]:
            mine = profiles.filtered(lambda p, c=wanted_channel: p.channel_id == c)
            for node in lineage:
                found = mine.filtered(lambda p, n=node: p.categ_id == n)
                if found:
                    return found[:1]
            default = mine.filtered(lambda p: not p.categ_id)
            if default:
                return default[:1]
        return self.browse()
