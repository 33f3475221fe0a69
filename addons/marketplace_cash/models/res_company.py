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
