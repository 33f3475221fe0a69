# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

CUSTOMER_MOVE_TYPES = ("out_invoice", "out_refund", "out_receipt")
# Returns validated more than this many days ago are not looked at again by the
# daily synchronisation (their holds, if any, already exist).
RETURN_LOOKBACK_DAYS = 180


def effective_domain(day):
    """Holds effective on ``day``: started, not released on or before it, not
    expired before it (``date_expiry`` is the last held day)."""
    return [
        ("date_start", "<=", day),
        "|",
        ("date_released", "=", False),
        ("date_released", ">", day),
        "|",
        ("date_expiry", "=", False),
        ("date_expiry", ">=", day),
    ]


class MkcDunningHold(models.Model):
    _name = "mkc.dunning.hold"
    _description = "Dispute Hold"
    _inherit = ["mail.thread"]
    _check_company_auto = True
    _order = "date_start desc, id desc"

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        index=True,
        check_company=True,
        ondelete="cascade",
        domain=[("move_type", "in", CUSTOMER_MOVE_TYPES)],
        tracking=True,
        help="Empty: the whole customer is on hold.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    reason = fields.Selection(
        [
            ("delivery", "Delivery Issue"),
            ("quality", "Quality"),
            ("price", "Price Dispute"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
        tracking=True,
    )
    note = fields.Text()
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        tracking=True,
        help="Who follows the dispute up.",
    )
    date_start = fields.Date(
        string="Start", required=True, default=fields.Date.context_today, tracking=True
    )
    date_expiry = fields.Date(
        string="Expiry",
        tracking=True,
        help="Last day of the hold: dunning resumes the day after.",
    )
    date_released = fields.Date(
        string="Released On", copy=False, readonly=True, tracking=True
    )
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired"), ("released", "Released")],
        compute="_compute_state",
        search="_search_state",
    )
    origin = fields.Selection(
        [
            ("manual", "Manual"),
            ("return", "Return"),
            ("credit_note", "Credit Note"),
        ],
        required=True,
        default="manual",
        readonly=True,
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Return", readonly=True, ondelete="set null"
    )
    refund_id = fields.Many2one(
        "account.move", string="Credit Note", readonly=True, ondelete="set null"
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(
        related="move_id.amount_residual", string="Amount Due"
    )
    invoice_date_due = fields.Date(related="move_id.invoice_date_due")

    # ---- COMPUTE METHODS

    @api.depends("move_id")
    def _compute_partner_id(self):
        for hold in self:
            if hold.move_id:
                hold.partner_id = hold.move_id.commercial_partner_id

    @api.depends("date_expiry", "date_released")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for hold in self:
            if hold.date_released and hold.date_released <= today:
                hold.state = "released"
            elif hold.date_expiry and hold.date_expiry < today:
                hold.state = "expired"
            else:
                hold.state = "active"

    def _search_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on the hold's state."))
        values = {value} if isinstance(value, str) else set(value or ())
        today = fields.Date.context_today(self)
        released = [("date_released", "!=", False), ("date_released", "<=", today)]
        not_released = [
            "|",
            ("date_released", "=", False),
            ("date_released", ">", today),
        ]
        expired = not_released + [
            ("date_expiry", "!=", False),
            ("date_expiry", "<", today),
        ]
        active = not_released + [
            "|",
            ("date_expiry", "=", False),
            ("date_expiry", ">=", today),
        ]
        by_state = {"released": released, "expired": expired, "active": active}
        domain = expression.OR([by_state[v] for v in values if v in by_state] or [[]])
        if not values & by_state.keys():
            domain = expression.FALSE_DOMAIN
        if operator in ("!=", "not in"):
            domain = ["!"] + expression.normalize_domain(domain)
        return domain

    # ---- CONSTRAINTS

    @api.constrains("date_start", "date_expiry")
    def _check_dates(self):
        for hold in self:
            if hold.date_expiry and hold.date_expiry < hold.date_start:
                raise ValidationError(
                    self.env._("A hold cannot expire before it starts.")
                )

    @api.constrains("move_id", "partner_id")
    def _check_partner(self):
        for hold in self:
            if hold.partner_id != hold.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._("A hold is on the customer's company, not a contact.")
                )
            if hold.move_id and hold.move_id.commercial_partner_id != hold.partner_id:
                raise ValidationError(
                    self.env._("The hold's customer must be its invoice's customer.")
                )

    # ---- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        holds = super().create(vals_list)
        holds._refresh_cash_dispute()
        return holds

    def write(self, vals):
        before = self._affected_moves()
        result = super().write(vals)
        self._refresh_cash_dispute(before)
        return result

    def unlink(self):
        moves = self._affected_moves()
        result = super().unlink()
        self._refresh_cash_dispute(moves)
        return result

    def _compute_display_name(self):
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        for hold in self:
            target = hold.move_id.name or hold.partner_id.name or ""
            hold.display_name = f"{target} ({reasons.get(hold.reason, '')})"

    # ---- ACTIONS

    def action_release(self):
        """Release the holds today: dunning resumes at the next run."""
        today = fields.Date.context_today(self)
        self.filtered(lambda h: h._is_open(today)).write({"date_released": today})
        return True

    def _is_open(self, day):
        """Neither released nor expired on ``day`` (it may start later)."""
        self.ensure_one()
        return (not self.date_released or self.date_released > day) and (
            not self.date_expiry or self.date_expiry >= day
        )

    # ---- BUSINESS METHODS

    def _affected_moves(self):
        """The customer documents whose ``cash_dispute`` may change with these
        holds: their invoice, or all the customer's documents for a customer hold."""
        moves = self.move_id
        whole = self.filtered(lambda h: not h.move_id)
        if whole:
            # A customer hold changes the flag of every document of the customer.
            moves |= (
                self.env["account.move"]
                .sudo()
                .search(
                    [
                        ("commercial_partner_id", "in", whole.partner_id.ids),
                        ("company_id", "in", whole.company_id.ids),
                        ("move_type", "in", CUSTOMER_MOVE_TYPES),
                    ]
                )
            )
        return moves

    def _refresh_cash_dispute(self, moves=None):
        moves = (moves or self.env["account.move"]) | self._affected_moves()
        if moves:
            field = self.env["account.move"]._fields["cash_dispute"]
            self.env.add_to_compute(field, moves)

    @api.model
    def _cron_refresh_cash_dispute(self, company=None):
        """Holds start and expire with the calendar: recompute the flag of every
        document that is flagged or has a hold not released."""
        domain = [("date_released", "=", False)]
        move_domain = [("cash_dispute", "=", True)]
        if company:
            domain.append(("company_id", "=", company.id))
            move_domain.append(("company_id", "=", company.id))
        holds = self.search(domain)
        moves = holds._affected_moves() | self.env["account.move"].search(move_domain)
        if moves:
            self.env.add_to_compute(moves._fields["cash_dispute"], moves)
            moves.flush_recordset(["cash_dispute"])

    # ---- AUTOMATIC HOLDS: credit notes and returns in progress

    @api.model
    def _sync_auto_holds(self, invoices=None, company=None):
        """Hold the invoices that have a draft credit note or a return in progress,
        release the automatic holds whose cause is gone.

        - A draft credit note reversing an invoice holds it (origin ``credit_note``)
          until the credit note is posted or cancelled (or deleted): then what is
          still due after the credit note is dunned again.
        - A return of the invoice's delivery (an incoming picking whose
          ``return_id`` is a delivery of the invoice's sale order), confirmed,
          ready or done, holds it once (origin ``return``) until a credit note
          reversing the invoice is posted (the return is settled) or the return
          is cancelled. A done return with no credit note keeps the invoice held:
          it is listed for accounting, who issues the credit note or releases it.
        """
        self._sync_credit_note_holds(invoices, company)
        self._sync_return_holds(invoices, company)

    def _scope(self, invoices, company, field="move_id"):
        domain = []
        if invoices is not None:
            domain.append((field, "in", invoices.ids))
        if company is not None:
            domain.append(("company_id", "=", company.id))
        return domain

    def _sync_credit_note_holds(self, invoices, company):
        Move = self.env["account.move"]
        drafts = Move.search(
            [
                ("move_type", "=", "out_refund"),
                ("state", "=", "draft"),
                ("reversed_entry_id", "!=", False),
                ("reversed_entry_id.state", "=", "posted"),
            ]
            + self._scope(invoices, company, "reversed_entry_id")
        )
        open_holds = self.search(
            [("origin", "=", "credit_note"), ("date_released", "=", False)]
            + self._scope(invoices, company)
        )
        held = {(h.move_id.id, h.refund_id.id) for h in open_holds}
        self.create(
            [
                self._prepare_auto_hold_vals(refund.reversed_entry_id, "credit_note")
                | {"refund_id": refund.id}
                for refund in drafts
                if (refund.reversed_entry_id.id, refund.id) not in held
            ]
        )
        open_holds.filtered(
            lambda h: not h.refund_id or h.refund_id.state != "draft"
        ).action_release()

    def _sync_return_holds(self, invoices, company):
        today = fields.Date.context_today(self)
        domain = [
            ("picking_type_code", "=", "incoming"),
            ("return_id", "!=", False),
            ("return_id.sale_id", "!=", False),
            ("state", "not in", ("draft", "cancel")),
            "|",
            ("state", "!=", "done"),
            ("date_done", ">=", today - timedelta(days=RETURN_LOOKBACK_DAYS)),
        ]
        if company is not None:
            domain.append(("company_id", "=", company.id))
        if invoices is not None:
            orders = invoices.invoice_line_ids.sale_line_ids.order_id
            domain.append(("return_id.sale_id", "in", orders.ids))
        returns = self.env["stock.picking"].search(domain)
        existing = self.search(
            [("origin", "=", "return"), ("picking_id", "in", returns.ids)]
        )
        done = {(h.move_id.id, h.picking_id.id) for h in existing}
        vals_list = []
        for picking in returns:
            for invoice in picking.return_id.sale_id.invoice_ids:
                if (
                    invoice.move_type == "out_invoice"
                    and invoice.state == "posted"
                    and invoice.payment_state in ("not_paid", "partial")
                    and (invoices is None or invoice in invoices)
                    and (invoice.id, picking.id) not in done
                ):
                    vals = self._prepare_auto_hold_vals(invoice, "return")
                    vals_list.append(vals | {"picking_id": picking.id})
        self.create(vals_list)
        # Release: the return was cancelled, or a credit note reversing the
        # invoice was posted since the return was created.
        open_holds = self.search(
            [
                ("origin", "=", "return"),
                ("date_released", "=", False),
            ]
            + self._scope(invoices, company)
        )
        refunds = self.env["account.move"]
        if open_holds:
            refunds = refunds.search(
                [
                    ("move_type", "=", "out_refund"),
                    ("state", "=", "posted"),
                    ("reversed_entry_id", "in", open_holds.move_id.ids),
                ]
            )
        settled = open_holds.filtered(
            lambda h: (
                not h.picking_id
                or h.picking_id.state == "cancel"
                or any(
                    r.reversed_entry_id == h.move_id
                    and r.create_date >= h.picking_id.create_date
                    for r in refunds
                )
            )
        )
        settled.action_release()

    def _prepare_auto_hold_vals(self, invoice, origin):
        return {
            "move_id": invoice.id,
            "partner_id": invoice.commercial_partner_id.id,
            "company_id": invoice.company_id.id,
            "reason": "delivery" if origin == "return" else "price",
            "origin": origin,
            "user_id": (invoice.invoice_user_id or self.env.user).id,
            "date_start": fields.Date.context_today(self),
        }
