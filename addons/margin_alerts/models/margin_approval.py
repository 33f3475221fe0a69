# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models

ACTIONS = [
    ("requested", "Requested"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("invalidated", "Invalidated"),
]


class MarginApproval(models.Model):
    """The audit trail of a quotation's margin approvals: who asked, who approved or
    rejected which margin, when and why. Written by the workflow only (as superuser,
    after its own checks): nobody can create, change or delete an entry."""

    _name = "margin.approval"
    _description = "Margin Approval Entry"
    _order = "date desc, id desc"

    order_id = fields.Many2one(
        "sale.order", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    action = fields.Selection(ACTIONS, required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="By", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    amount_untaxed = fields.Monetary(string="Untaxed Amount", readonly=True)
    net_margin = fields.Monetary(
        string="Net-Net Margin",
        readonly=True,
        groups="margin_alerts.group_margin_show",
    )
    net_margin_percent = fields.Float(
        string="Net-Net Margin (%)",
        digits=(16, 4),
        readonly=True,
        groups="margin_alerts.group_margin_show",
    )
    approver_ids = fields.Many2many("res.users", string="Approvers", readonly=True)
    reasons = fields.Text(readonly=True)
    comment = fields.Text(readonly=True)
