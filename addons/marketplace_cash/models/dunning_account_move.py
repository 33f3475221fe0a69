# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models

from .dunning_hold import effective_domain


class AccountMove(models.Model):
    _inherit = "account.move"

    cash_dispute = fields.Boolean(
        string="Under Dispute",
        compute="_compute_cash_dispute",
        inverse="_inverse_cash_dispute",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        help="The invoice, or its customer as a whole, has a dispute hold effective "
        "today: no reminder, left out of the cash forecast. Ticking it puts the "
        "invoice on hold, unticking it releases its holds.",
    )
    dunning_hold_ids = fields.One2many("mkc.dunning.hold", "move_id", string="Holds")
    dunning_log_ids = fields.One2many(
        "mkc.dunning.log", "move_id", string="Reminders Sent"
    )
    dunning_level_id = fields.Many2one(
        "mkc.dunning.level",
        string="Last Reminder",
        compute="_compute_dunning_next",
    )
    dunning_next_level_id = fields.Many2one(
        "mkc.dunning.level",
        string="Next Reminder",
        compute="_compute_dunning_next",
    )
    dunning_next_date = fields.Date(
        string="Next Reminder On", compute="_compute_dunning_next"
    )

    # ---- COMPUTE METHODS

    @api.depends(
        "dunning_hold_ids.date_start",
        "dunning_hold_ids.date_expiry",
        "dunning_hold_ids.date_released",
        "commercial_partner_id",
        "move_type",
    )
    def _compute_cash_dispute(self):
        today = fields.Date.context_today(self)
        customer_docs = self.filtered(lambda m: m.is_sale_document(True))
        held_partners = set()
        if customer_docs:
            # sudo: a stored flag must not depend on who triggers its
            # recomputation (holds are readable by internal users only).
            holds = (
                self.env["mkc.dunning.hold"]
                .sudo()
                .search(
                    [
                        ("move_id", "=", False),
                        ("partner_id", "in", customer_docs.commercial_partner_id.ids),
                    ]
                    + effective_domain(today)
                )
            )
            held_partners = {(h.partner_id.id, h.company_id.id) for h in holds}
        for move in self:
            move_holds = move.sudo().dunning_hold_ids
            move.cash_dispute = move in customer_docs and (
                any(
                    hold.date_start <= today
                    and (not hold.date_released or hold.date_released > today)
                    and (not hold.date_expiry or hold.date_expiry >= today)
                    for hold in move_holds
                )
                or (move.commercial_partner_id.id, move.company_id.id) in held_partners
            )

    def _inverse_cash_dispute(self):
        Hold = self.env["mkc.dunning.hold"]
        today = fields.Date.context_today(self)
        to_hold = self.filtered(
            lambda m: (
                m.cash_dispute
                and not m.dunning_hold_ids.filtered(lambda h: h.state == "active")
            )
        )
        Hold.create(
            [
                {
                    "move_id": move.id,
                    "company_id": move.company_id.id,
                    "reason": "other",
                    "origin": "manual",
                    "date_start": today,
                }
                for move in to_hold
            ]
        )
        self.filtered(lambda m: not m.cash_dispute).dunning_hold_ids.action_release()

    def _compute_dunning_next(self):
        today = fields.Date.context_today(self)
        self.dunning_level_id = False
        self.dunning_next_level_id = False
        self.dunning_next_date = False
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.id)
        last = {}
        for log in invoices.dunning_log_ids.sorted(lambda g: (g.sequence, g.date)):
            last[log.move_id.id] = log.level_id
        Run = self.env["mkc.dunning.run"]
        for company in invoices.company_id:
            moves = invoices.filtered(lambda m, c=company: m.company_id == c)
            actions, levels = Run._dunning_next_actions(company, today, moves.ids)
            for move in moves:
                move.dunning_level_id = last.get(move.id, False)
                action = actions.get(move.id)
                if action and action.level:
                    move.dunning_next_level_id = levels[action.level.key]
                    move.dunning_next_date = action.day

    # ---- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves._dunning_sync_refunds()
        return moves

    def unlink(self):
        invoices = self.reversed_entry_id
        result = super().unlink()
        if invoices.exists():
            self.env["mkc.dunning.hold"]._sync_auto_holds(invoices.exists())
        return result

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._dunning_sync_refunds()
        return posted

    def button_cancel(self):
        result = super().button_cancel()
        self._dunning_sync_refunds()
        return result

    def button_draft(self):
        result = super().button_draft()
        self._dunning_sync_refunds()
        return result

    def _dunning_sync_refunds(self):
        """A credit note reversing an invoice changed: hold or release it."""
        invoices = self.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
        ).reversed_entry_id
        if invoices:
            self.env["mkc.dunning.hold"]._sync_auto_holds(invoices)

    # ---- ACTIONS

    def action_dunning_hold(self):
        """Open the hold wizard on these invoices."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Put on Hold"),
            "res_model": "mkc.dunning.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": self.ids},
        }

    def action_dunning_release(self):
        self.ensure_one()
        self.dunning_hold_ids.action_release()
        return True
