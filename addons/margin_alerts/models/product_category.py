# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    margin_responsible_id = fields.Many2one(
        "res.users",
        help="Gets an activity when a marketplace order sells a product of this "
        "category below its floor price.",
    )
