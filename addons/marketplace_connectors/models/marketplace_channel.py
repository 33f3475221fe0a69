# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

PLATFORMS = [
    ("amazon", "Amazon"),
    ("mirakl", "Mirakl"),
    ("shopify", "Shopify"),
    ("stripe", "Stripe"),
    ("ebay", "eBay"),
    ("paypal", "PayPal"),
    ("generic", "Generic (CSV/XLSX)"),
]


class MarketplaceChannel(models.Model):
    """One seller account on one marketplace or payment platform.

    Every payout, transaction and marketplace order belongs to a channel; the other
    modules of the suite extend it with their per-channel settings (accounting mapping,
    payout calendar, cost model).
    """

    _name = "marketplace.channel"
    _description = "Marketplace Channel"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=False)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    platform = fields.Selection(PLATFORMS, required=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency in which the platform settles this account.",
    )
    country_id = fields.Many2one(
        "res.country",
        help="Marketplace country (Amazon.fr: France). Drives VAT-inclusive prices "
        "and the default customer of its orders.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Marketplace Partner",
        check_company=True,
        help="The marketplace as a partner: its receivable account carries what the "
        "platform owes the seller.",
    )
    note = fields.Html()

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(company_id, name)",
            "A channel with this name already exists in this company.",
        ),
    ]

    @api.depends("name", "platform")
    def _compute_display_name(self):
        platforms = dict(self._fields["platform"]._description_selection(self.env))
        for channel in self:
            if channel.platform and channel.name:
                channel.display_name = f"{channel.name} ({platforms[channel.platform]})"
            else:
                channel.display_name = channel.name or ""
