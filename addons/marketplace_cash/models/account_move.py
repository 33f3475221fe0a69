# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    cash_dispute = fields.Boolean(
        string="Under Dispute",
        copy=False,
        tracking=True,
        help="The customer disputes this invoice: left out of the cash forecast.",
    )
