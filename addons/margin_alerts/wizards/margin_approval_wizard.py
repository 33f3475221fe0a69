# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class MarginApprovalWizard(models.TransientModel):
    """Approve (with an optional comment) or reject (with a reason) a quotation's
    margin from its form."""

    _name = "margin.approval.wizard"
    _description = "Approve or Reject a Margin"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade")
    decision = fields.Selection(
        [("approve", "Approve"), ("reject", "Reject")], required=True
    )
    reasons = fields.Text(related="order_id.margin_approval_reason")
    comment = fields.Text()

    def action_done(self):
        self.ensure_one()
        if self.decision == "approve":
            self.order_id.action_approve_margin(self.comment)
        else:
            self.order_id.action_reject_margin(self.comment)
        return {"type": "ir.actions.act_window_close"}
