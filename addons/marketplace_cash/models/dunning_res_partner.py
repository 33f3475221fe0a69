# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from .dunning_hold import effective_domain

OPEN_INVOICE_DOMAIN = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", "posted"),
    ("payment_state", "in", ("not_paid", "partial")),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_policy_id = fields.Many2one(
        "mkc.dunning.policy",
        company_dependent=True,
        help="Overrides the company's dunning policy for this customer (set it on "
        "the customer's company, not on a contact).",
    )
    dunning_hold_ids = fields.One2many("mkc.dunning.hold", "partner_id", string="Holds")
    dunning_log_ids = fields.One2many(
        "mkc.dunning.log", "partner_id", string="Reminders Sent"
    )
    dunning_move_ids = fields.Many2many(
        "account.move",
        string="Open Invoices",
        compute="_compute_dunning",
    )
    dunning_currency_id = fields.Many2one("res.currency", compute="_compute_dunning")
    dunning_amount_due = fields.Monetary(
        string="Total Due",
        compute="_compute_dunning",
        currency_field="dunning_currency_id",
    )
    dunning_amount_overdue = fields.Monetary(
        string="Total Overdue",
        compute="_compute_dunning",
        currency_field="dunning_currency_id",
        search="_search_dunning_amount_overdue",
    )
    dunning_next_level_id = fields.Many2one(
        "mkc.dunning.level", string="Next Reminder", compute="_compute_dunning"
    )
    dunning_next_date = fields.Date(
        string="Next Reminder On", compute="_compute_dunning"
    )
    dunning_last_date = fields.Date(
        string="Last Reminder On", compute="_compute_dunning"
    )
    dunning_on_hold = fields.Boolean(
        string="Customer On Hold",
        compute="_compute_dunning",
        help="A hold on the whole customer is effective today: no reminder.",
    )

    # ---- COMPUTE METHODS

    @api.depends_context("company")
    def _compute_dunning(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        commercial = self.commercial_partner_id
        moves = self.env["account.move"].search(
            OPEN_INVOICE_DOMAIN
            + [
                ("commercial_partner_id", "in", commercial.ids),
                ("company_id", "=", company.id),
            ],
            order="invoice_date_due, id",
        )
        actions, levels = self.env["mkc.dunning.run"]._dunning_next_actions(
            company, today, moves.ids
        )
        held = {
            hold.partner_id
            for hold in self.env["mkc.dunning.hold"].search(
                [
                    ("move_id", "=", False),
                    ("partner_id", "in", commercial.ids),
                    ("company_id", "=", company.id),
                ]
                + effective_domain(today)
            )
        }
        last_dates = dict(
            self.env["mkc.dunning.log"]._read_group(
                [
                    ("partner_id", "in", commercial.ids),
                    ("company_id", "=", company.id),
                ],
                ["partner_id"],
                ["date:max"],
            )
        )
        for partner in self:
            customer = partner.commercial_partner_id
            mine = moves.filtered(lambda m, c=customer: m.commercial_partner_id == c)
            partner.dunning_move_ids = mine
            partner.dunning_currency_id = company.currency_id
            partner.dunning_amount_due = sum(mine.mapped("amount_residual_signed"))
            partner.dunning_amount_overdue = sum(
                m.amount_residual_signed
                for m in mine
                if m.invoice_date_due and m.invoice_date_due < today
            )
            partner.dunning_on_hold = customer in held
            partner.dunning_last_date = last_dates.get(customer, False)
            upcoming = sorted(
                (action.day, action.level.sequence, action.level.key)
                for move_id, action in actions.items()
                if action.level and not action.held and move_id in mine.ids
            )
            if upcoming and not partner.dunning_on_hold:
                partner.dunning_next_date = upcoming[0][0]
                partner.dunning_next_level_id = levels[upcoming[0][2]]
            else:
                partner.dunning_next_date = False
                partner.dunning_next_level_id = False

    def _search_dunning_amount_overdue(self, operator, value):
        """Customers by their overdue total in the current company (one grouped
        read of the open invoices)."""
        today = fields.Date.context_today(self)
        groups = self.env["account.move"]._read_group(
            OPEN_INVOICE_DOMAIN
            + [
                ("company_id", "=", self.env.company.id),
                ("invoice_date_due", "<", today),
            ],
            ["commercial_partner_id"],
            ["amount_residual_signed:sum"],
        )
        ops = {
            ">": lambda a: a > value,
            ">=": lambda a: a >= value,
            "<": lambda a: a < value,
            "<=": lambda a: a <= value,
            "=": lambda a: a == value,
            "!=": lambda a: a != value,
        }
        if operator not in ops:
            return [("id", "=", False)]
        ids = [partner.id for partner, amount in groups if ops[operator](amount)]
        return [("id", "in", ids)]

    # ---- ACTIONS

    def action_open_dunning(self):
        """The follow-up screen of the customer's company."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Follow-up"),
            "res_model": "res.partner",
            "res_id": self.commercial_partner_id.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref("marketplace_cash.res_partner_view_form_dunning").id,
                    "form",
                )
            ],
            "target": "current",
        }

    def action_dunning_hold(self):
        """Put the whole customer on hold (wizard)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Put on Hold"),
            "res_model": "mkc.dunning.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_dunning_release(self):
        self.ensure_one()
        self.commercial_partner_id.dunning_hold_ids.filtered(
            lambda h: (
                not h.move_id
                and h.state == "active"
                and h.company_id == self.env.company
            )
        ).action_release()
        return True
