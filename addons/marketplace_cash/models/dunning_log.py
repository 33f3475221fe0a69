# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class MkcDunningLog(models.Model):
    """One reminder sent for one invoice: the memory of the escalation (a level is
    sent once per invoice, after the previous one)."""

    _name = "mkc.dunning.log"
    _description = "Dunning Reminder Log"
    _check_company_auto = True
    _order = "date desc, sequence desc, id desc"
    _rec_name = "level_id"

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    level_id = fields.Many2one("mkc.dunning.level", ondelete="set null")
    sequence = fields.Integer(
        string="Level Rank", help="Rank of the level when the reminder was sent."
    )
    date = fields.Date(required=True, index=True)
    channel = fields.Selection(
        [
            ("email", "Email"),
            ("letter", "Letter"),
            ("phone", "Phone Call"),
            ("manual", "Manual"),
        ],
        required=True,
    )
    user_id = fields.Many2one("res.users", string="Sent By")
    run_id = fields.Many2one("mkc.dunning.run", index=True, ondelete="set null")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_residual = fields.Monetary(
        string="Amount Due",
        currency_field="currency_id",
        help="What the invoice still owed when the reminder was sent, in the "
        "company's currency.",
    )
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")
