# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models

from odoo.addons.marketplace_connectors.models.marketplace_payout import (
    CATEGORY_SELECTION,
)


class MarketplaceChannelAccount(models.Model):
    """Where one category of a channel's payout lines is posted.

    A category with no row here is posted to the French chart's default account of
    that category (``core.posting.default_mapping_fr``).
    """

    _name = "marketplace.channel.account"
    _description = "Marketplace Channel Account Mapping"
    _order = "channel_id, category"
    _check_company_auto = True

    channel_id = fields.Many2one(
        "marketplace.channel", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, precompute=True
    )
    category = fields.Selection(CATEGORY_SELECTION, required=True)
    account_id = fields.Many2one(
        "account.account",
        required=True,
        check_company=True,
        domain="[('deprecated', '=', False)]",
    )
    account_negative_id = fields.Many2one(
        "account.account",
        string="Account When Negative",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="For categories whose sign changes their nature (exchange gains and "
        "losses): used for the negative amounts.",
    )
    tax_id = fields.Many2one(
        "account.tax",
        string="Tax Included",
        check_company=True,
        domain="[('type_tax_use', '=', 'purchase'), ('amount_type', '=', 'percent')]",
        help="The marketplace invoices this fee VAT included: the amount is split "
        "into its base and the deductible VAT.",
    )

    _sql_constraints = [
        (
            "channel_category_uniq",
            "unique(channel_id, category)",
            "A category is mapped once per channel.",
        ),
    ]
