# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models


class ResCompany(models.Model):
    # The dunning settings stay with the rest of dunning (dunning_* files).
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    dunning_policy_id = fields.Many2one(
        "mkc.dunning.policy",
        help="The levels used for customers without a policy of their own.",
    )
    dunning_mode = fields.Selection(
        [("manual", "Review Before Sending"), ("automatic", "Send Automatically")],
        default="manual",
        required=True,
        help="Review: the daily run is left in draft for a clerk to check and "
        "send. Automatic: the daily run sends its reminders at once.",
    )
    dunning_payment_link = fields.Boolean(
        string="Payment Link in Reminders",
        help="Each invoice listed on a reminder links to its online page, where "
        "the customer can download it and pay it with the payment providers "
        "enabled for the company.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        # sudo: a new company gets its default policy whoever creates it (policies
        # are otherwise written by accounting managers only).
        self.env["mkc.dunning.policy"].sudo()._create_default_policies(companies)
        return companies
