# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    cash_vat_periodicity = fields.Selection(
        [("monthly", "Monthly"), ("quarterly", "Quarterly")],
        string="VAT Return",
        default="monthly",
    )
    cash_vat_day = fields.Integer(
        string="VAT Payment Day",
        default=24,
        help="Day of the month the VAT of the previous period is paid.",
    )
    cash_minimum = fields.Monetary(
        string="Minimum Cash",
        currency_field="currency_id",
        help="An alert when the forecast's lowest point falls below it.",
    )
    cash_payout_tolerance_days = fields.Integer(
        string="Payout Late After (Days)",
        default=2,
        help="A payout not in the bank this many days after its expected date is late.",
    )
    cash_payout_tolerance_rate = fields.Float(
        string="Payout Short Below",
        digits=(16, 4),
        default=0.05,
        help="A payout more than this share below its forecast is short.",
    )
    cash_reserve_jump_rate = fields.Float(
        string="Reserve Jump Above",
        digits=(16, 4),
        default=0.25,
        help="An alert when a channel's reserve grows by more than this share in a "
        "week.",
    )
