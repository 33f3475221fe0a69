# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError


class MkcDunningHoldWizard(models.TransientModel):
    _name = "mkc.dunning.hold.wizard"
    _description = "Put on Hold"

    move_ids = fields.Many2many("account.move", string="Invoices")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        help="With no invoice: the whole customer is put on hold.",
    )
    reason = fields.Selection(
        selection=lambda self: (
            self.env["mkc.dunning.hold"]
            ._fields["reason"]
            ._description_selection(self.env)
        ),
        required=True,
        default="other",
    )
    user_id = fields.Many2one(
        "res.users", string="Owner", required=True, default=lambda self: self.env.user
    )
    date_expiry = fields.Date(
        string="Expiry", help="Last day of the hold: dunning resumes the day after."
    )
    note = fields.Text()

    @api.constrains("move_ids", "partner_id")
    def _check_target(self):
        for wizard in self:
            if not wizard.move_ids and not wizard.partner_id:
                raise UserError(self.env._("Choose the invoices or the customer."))

    def action_confirm(self):
        self.ensure_one()
        common = {
            "reason": self.reason,
            "user_id": self.user_id.id,
            "date_expiry": self.date_expiry,
            "note": self.note,
            "origin": "manual",
        }
        if self.move_ids:
            vals_list = [
                common
                | {
                    "move_id": move.id,
                    "partner_id": move.commercial_partner_id.id,
                    "company_id": move.company_id.id,
                }
                for move in self.move_ids
            ]
        else:
            vals_list = [
                common
                | {
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "company_id": self.env.company.id,
                }
            ]
        self.env["mkc.dunning.hold"].create(vals_list)
        return {"type": "ir.actions.act_window_close"}
