# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core.dunning import Hold, Invoice, Sent, compute_run, next_actions

_logger = logging.getLogger(__name__)

# The fixed recovery indemnity owed per invoice paid late by a business customer
# (article D441-5 du Code de commerce), in euros.
RECOVERY_INDEMNITY = 40.0


class MkcDunningRun(models.Model):
    """The reminders computed on one day for one company: left in draft for a clerk
    (manual mode) or sent at once (automatic mode)."""

    _name = "mkc.dunning.run"
    _description = "Dunning Run"
    _check_company_auto = True
    _order = "date desc, id desc"
    # A run of more reminders than this is sent in the background, by jobs of
    # _send_batch reminders each, one after the other: Odoo renders and posts about
    # 30 reminders a second, so 10,000 customers take minutes, far beyond an HTTP
    # request's time limit.
    _send_now_limit = 100
    _send_batch = 200

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    state = fields.Selection(
        [
            ("draft", "To Review"),
            ("sending", "Sending"),
            ("sent", "Sent"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one("res.users", string="Sent By", readonly=True)
    line_ids = fields.One2many("mkc.dunning.run.line", "run_id", string="Reminders")
    log_ids = fields.One2many("mkc.dunning.log", "run_id", string="Logged Reminders")
    line_count = fields.Integer(string="Customers", compute="_compute_counts")
    log_count = fields.Integer(string="Invoices Reminded", compute="_compute_counts")

    # ---- COMPUTE METHODS

    @api.depends("date", "company_id")
    def _compute_name(self):
        for run in self:
            run.name = self.env._(
                "Dunning of %(date)s", date=fields.Date.to_string(run.date)
            )

    def _compute_counts(self):
        lines = dict(
            self.env["mkc.dunning.run.line"]._read_group(
                [("run_id", "in", self.ids)], ["run_id"], ["__count"]
            )
        )
        logs = dict(
            self.env["mkc.dunning.log"]._read_group(
                [("run_id", "in", self.ids)], ["run_id"], ["__count"]
            )
        )
        for run in self:
            run.line_count = lines.get(run, 0)
            run.log_count = logs.get(run, 0)

    # ---- ACTIONS

    def action_send(self):
        """Send the reminders still to send; the run is then sent. A run of more
        than ``_send_now_limit`` reminders is sent in the background (state
        *Sending*): a chain of jobs of ``_send_batch`` reminders each."""
        for run in self.filtered(lambda r: r.state == "draft"):
            run.user_id = self.env.user
            lines = run.line_ids.filtered(lambda line: line.state == "draft")
            if len(lines) > self._send_now_limit:
                run.state = "sending"
                run._enqueue_send_batch()
                continue
            lines._send()
            run.state = "sent"
        return True

    def _enqueue_send_batch(self):
        self.ensure_one()
        return self.with_delay(
            description=self.env._("%(run)s: send reminders", run=self.name)
        )._send_next_batch()

    def _send_next_batch(self):
        """Job: send the next ``_send_batch`` reminders of the run, then enqueue
        the job of the following ones, or mark the run sent. One job after the
        other: no two jobs send the same run at once."""
        self.ensure_one()
        if self.state != "sending":
            return False
        lines = self.env["mkc.dunning.run.line"].search(
            [("run_id", "=", self.id), ("state", "=", "draft")],
            limit=self._send_batch + 1,
        )
        batch = lines[: self._send_batch]
        batch._send()
        if len(lines) > len(batch):
            self._enqueue_send_batch()
        else:
            self.state = "sent"
        return True

    def action_cancel(self):
        """Cancel a run to review, or stop one being sent (the reminders already
        sent stay sent and logged)."""
        self.filtered(lambda r: r.state in ("draft", "sending")).write(
            {"state": "cancel"}
        )
        self.line_ids.filtered(lambda line: line.state == "draft").write(
            {"state": "cancel"}
        )
        return True

    def action_compute_today(self):
        """A new run for the current company, as the daily cron would make it
        (button of the runs' list)."""
        if self._sending(self.env.company):
            raise UserError(
                self.env._(
                    "A run of %(company)s is still being sent: compute the next "
                    "one when it is done.",
                    company=self.env.company.name,
                )
            )
        run = self._dunning_prepare(self.env.company)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    # ---- BUSINESS METHODS

    @api.model
    def _cron_dunning(self):
        """Daily: the dispute flags of every company follow the calendar (holds
        start and expire); then for each company with a dunning policy, refresh the
        automatic holds, compute the run, send it in automatic mode."""
        self.env["mkc.dunning.hold"]._cron_refresh_cash_dispute()
        companies = self.env["res.company"].search([("dunning_policy_id", "!=", False)])
        for company in companies:
            if self._sending(company):
                # Its reminders are not all logged yet: computed now, the
                # customers still queued would be reminded twice.
                _logger.info(
                    "dunning of %s skipped today: a run is still being sent",
                    company.name,
                )
                continue
            run = self.with_company(company)._dunning_prepare(company)
            if company.dunning_mode == "automatic" and run.line_ids:
                run.action_send()
            _logger.info(
                "dunning run of %s: %d customer(s), mode %s",
                company.name,
                len(run.line_ids),
                company.dunning_mode,
            )

    @api.model
    def _sending(self, company):
        """A run of ``company`` is being sent in the background."""
        return bool(
            self.search_count(
                [("company_id", "=", company.id), ("state", "=", "sending")], limit=1
            )
        )

    @api.model
    def _dunning_prepare(self, company, today=None):
        """Synchronise the automatic holds and the dispute flags, supersede the
        draft runs of the company, and create today's run."""
        today = today or fields.Date.context_today(self)
        Hold = self.env["mkc.dunning.hold"]
        Hold._sync_auto_holds(company=company)
        Hold._cron_refresh_cash_dispute(company)
        self.search([("company_id", "=", company.id), ("state", "=", "draft")]).write(
            {"state": "cancel"}
        )
        return self._dunning_create(company, today)

    @api.model
    def _dunning_create(self, company, today):
        """The run of ``today``: one line per customer with a reminder due."""
        invoices, sent, holds, policies, levels = self._dunning_read(company, today)
        credits = self._dunning_read_credits(company, {inv.partner for inv in invoices})
        reminders = compute_run(invoices, sent, holds, today, policies, credits)
        run = self.create({"company_id": company.id, "date": today})
        self.env["mkc.dunning.run.line"].create(
            [
                {
                    "run_id": run.id,
                    "partner_id": reminder.partner,
                    "level_id": reminder.level.key,
                    "move_ids": [
                        fields.Command.set([row.invoice for row in reminder.rows])
                    ],
                    "fired": {
                        str(invoice): level.key for invoice, level in reminder.fired
                    },
                    "amount_total": float(reminder.total),
                    "amount_overdue": float(reminder.overdue_total),
                    "amount_credit": float(reminder.credit),
                    "phone": reminder.phone,
                }
                for reminder in reminders
            ]
        )
        return run

    @api.model
    def _dunning_next_actions(self, company, today, move_ids):
        """``({move id: NextAction}, {level id: level})`` for the follow-up screens."""
        if not move_ids:
            return {}, {}
        invoices, sent, holds, policies, levels = self._dunning_read(
            company, today, move_ids
        )
        return next_actions(invoices, sent, holds, today, policies), levels

    @api.model
    def _dunning_read(self, company, today, move_ids=None):
        """The core's inputs for ``company``: open customer invoices, the highest
        level sent for each, the holds effective ``today`` and the policies, read
        with one query each (a run reads 100k invoices in about a second)."""
        self.env.flush_all()
        only = SQL("")
        if move_ids is not None:
            only = SQL("AND m.id = ANY(%s)", list(move_ids))
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, m.commercial_partner_id, m.invoice_date_due,
                       m.amount_residual_signed
                  FROM account_move m
                 WHERE m.company_id = %(company)s
                   AND m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.payment_state IN ('not_paid', 'partial')
                   AND m.amount_residual_signed > 0
                   AND m.invoice_date_due IS NOT NULL
                   %(only)s
                """,
                company=company.id,
                only=only,
            )
        )
        rows = self.env.cr.fetchall()
        ids = [row[0] for row in rows]
        discounts = self._dunning_read_discounts(company, ids)
        policy_of = self._dunning_policy_of(company, {row[1] for row in rows})
        policies, levels = {}, {}
        default = company.dunning_policy_id.id
        policy_ids = set(policy_of.values()) | ({default} if default else set())
        for policy in self.env["mkc.dunning.policy"].browse(policy_ids):
            policies[policy.id] = policy._core_levels()
            levels.update({level.id: level for level in policy.level_ids})
        invoices = [
            Invoice(
                move_id,
                partner_id,
                due,
                _decimal(residual),
                policy_of.get(partner_id, default),
                *discounts.get(move_id, (Decimal(0), None)),
            )
            for move_id, partner_id, due, residual in rows
        ]
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (g.move_id) g.move_id, g.sequence, g.date
                  FROM mkc_dunning_log g
                 WHERE g.company_id = %s AND g.move_id = ANY(%s)
                 ORDER BY g.move_id, g.sequence DESC, g.date DESC
                """,
                company.id,
                ids,
            )
        )
        sent = [Sent(*row) for row in self.env.cr.fetchall()]
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, move_id, date_start, date_expiry, date_released
                  FROM mkc_dunning_hold
                 WHERE company_id = %(company)s
                   AND date_start <= %(today)s
                   AND (date_released IS NULL OR date_released > %(today)s)
                   AND (date_expiry IS NULL OR date_expiry >= %(today)s)
                """,
                company=company.id,
                today=today,
            )
        )
        holds = [Hold(*row) for row in self.env.cr.fetchall()]
        return invoices, sent, holds, policies, levels

    def _dunning_read_credits(self, company, partner_ids):
        """{customer id: its unapplied credits}: the residuals of the posted credit
        lines on its trade receivable accounts not yet matched (credit notes,
        payments received on account), as Odoo's outstanding credits, in the
        company currency."""
        if not partner_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT coalesce(p.commercial_partner_id, p.id),
                       -SUM(l.amount_residual)
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE l.company_id = %s
                   AND l.parent_state = 'posted'
                   AND a.account_type = 'asset_receivable'
                   AND a.non_trade IS NOT TRUE
                   AND l.amount_residual < 0
                   AND coalesce(p.commercial_partner_id, p.id) = ANY(%s)
                 GROUP BY 1
                """,
                company.id,
                list(partner_ids),
            )
        )
        return {
            partner_id: _decimal(credit)
            for partner_id, credit in self.env.cr.fetchall()
        }

    def _dunning_read_discounts(self, company, move_ids):
        """{move id: (discount, last day)}: the early-payment discount still
        granted on the invoices whose payment terms have one and that have no
        payment matched yet (Odoo's rule), in the company currency."""
        self.env.cr.execute(
            SQL(
                """
                SELECT l.move_id, SUM(l.balance - l.discount_balance),
                       MIN(l.discount_date)
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
                  JOIN account_payment_term t ON t.id = m.invoice_payment_term_id
                 WHERE t.early_discount
                   AND m.company_id = %s
                   AND m.id = ANY(%s)
                   AND l.display_type = 'payment_term'
                   AND l.discount_date IS NOT NULL
                 GROUP BY l.move_id
                HAVING bool_and(l.amount_residual = l.balance)
                """,
                company.id,
                move_ids,
            )
        )
        return {
            move_id: (_decimal(discount), day)
            for move_id, discount, day in self.env.cr.fetchall()
        }

    def _dunning_policy_of(self, company, partner_ids):
        """{partner id: policy id} of the customers with a policy of their own."""
        overrides = (
            self.env["res.partner"]
            .with_company(company)
            .search_fetch(
                [
                    ("id", "in", list(partner_ids)),
                    ("dunning_policy_id", "!=", False),
                    ("dunning_policy_id.active", "=", True),
                ],
                ["dunning_policy_id"],
            )
        )
        return {p.id: p.dunning_policy_id.id for p in overrides}


def _decimal(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


class MkcDunningRunLine(models.Model):
    """The consolidated reminder of one customer in a run."""

    _name = "mkc.dunning.run.line"
    _description = "Dunning Reminder"
    _check_company_auto = True
    _order = "run_id desc, level_id desc, amount_total desc, id"
    _rec_name = "partner_id"

    run_id = fields.Many2one(
        "mkc.dunning.run", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    date = fields.Date(related="run_id.date")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    level_id = fields.Many2one("mkc.dunning.level", required=True)
    channel = fields.Selection(related="level_id.channel")
    move_ids = fields.Many2many(
        "account.move",
        "mkc_dunning_run_line_move_rel",
        "line_id",
        "move_id",
        string="Invoices",
        help="Every overdue invoice of the customer not on hold, and the ones "
        "firing a level. Remove one to leave it out of the reminder.",
    )
    fired = fields.Json(
        help="{invoice id: level id}: the invoices whose level is sent (and logged)."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_total = fields.Monetary(
        string="Total Listed", help="The invoices listed, less the unapplied credits."
    )
    amount_overdue = fields.Monetary(
        string="Total Overdue", help="Past due, less the unapplied credits."
    )
    amount_credit = fields.Monetary(
        string="Unapplied Credits",
        help="Credit notes and payments received on account not yet matched to an "
        "invoice: deducted from the totals, shown on the reminder.",
    )
    phone = fields.Boolean(
        string="Phone Call", help="The overdue total is above the level's threshold."
    )
    state = fields.Selection(
        [("draft", "To Send"), ("sent", "Sent"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
    )
    message_id = fields.Many2one("mail.message", readonly=True)
    activity_id = fields.Many2one("mail.activity", readonly=True)

    # ---- ACTIONS

    def action_cancel(self):
        self.filtered(lambda line: line.state == "draft").write({"state": "cancel"})
        return True

    def action_preview(self):
        """The formal notice letter (or the email) as the customer will get it."""
        self.ensure_one()
        return self.env.ref(
            "marketplace_cash.action_report_dunning_letter"
        ).report_action(self)

    # ---- RENDERING HELPERS (mail templates and the letter)

    def _get_dunning_rows(self):
        """The invoices of the reminder, by due date: amounts in the invoice's
        currency, days late at the run's date, the early-payment discount still
        granted (Odoo's cash discount of the payment terms) and the payment link."""
        self.ensure_one()
        day = self.run_id.date
        link = self.company_id.dunning_payment_link
        rows = []
        for move in self.move_ids.sorted(lambda m: (m.invoice_date_due, m.id)):
            row = {
                "move": move,
                "name": move.name,
                "date_due": move.invoice_date_due,
                "days_late": (day - move.invoice_date_due).days,
                "amount_residual": move.amount_residual,
                "currency": move.currency_id,
                "discount": 0.0,
                "discount_date": False,
                "url": False,
            }
            if move._is_eligible_for_early_payment_discount(move.currency_id, day):
                terms = move.line_ids.filtered(
                    lambda line: (
                        line.display_type == "payment_term" and line.discount_date
                    )
                )
                row["discount"] = move.currency_id.round(
                    sum(
                        abs(t.amount_currency) - abs(t.discount_amount_currency)
                        for t in terms
                    )
                )
                row["discount_date"] = min(terms.mapped("discount_date"), default=False)
            if link:
                row["url"] = move.get_base_url() + move.get_portal_url()
            rows.append(row)
        if self.amount_credit:
            rows.append(
                {
                    "move": self.env["account.move"],
                    "name": self.env._(
                        "Credits not yet applied (credit notes, payments on account)"
                    ),
                    "date_due": False,
                    "days_late": "",
                    "amount_residual": -self.amount_credit,
                    "currency": self.company_id.currency_id,
                    "discount": 0.0,
                    "discount_date": False,
                    "url": False,
                }
            )
        return rows

    def _get_dunning_totals(self):
        """[(currency, amount due, invoices late)] of the listed invoices."""
        self.ensure_one()
        day = self.run_id.date
        totals = {}
        for move in self.move_ids:
            amount, late = totals.get(move.currency_id, (0.0, 0))
            totals[move.currency_id] = (
                amount + move.amount_residual,
                late + (1 if move.invoice_date_due < day else 0),
            )
        if self.amount_credit:
            currency = self.company_id.currency_id
            amount, late = totals.get(currency, (0.0, 0))
            totals[currency] = (amount - self.amount_credit, late)
        return [
            (cur, cur.round(amount), late) for cur, (amount, late) in totals.items()
        ]

    def _get_dunning_indemnity(self):
        """The fixed recovery indemnity: 40 EUR per invoice paid late."""
        self.ensure_one()
        late = len(
            self.move_ids.filtered(lambda m: m.invoice_date_due < self.run_id.date)
        )
        return RECOVERY_INDEMNITY * late

    def _get_dunning_recipient(self):
        self.ensure_one()
        invoice_contact = self.partner_id.address_get(["invoice"])["invoice"]
        return self.env["res.partner"].browse(invoice_contact) or self.partner_id

    # ---- SENDING

    def _send(self):
        """Send each reminder (email, letter, phone call), log it on the invoices and
        the customer. An invoice paid, put on hold or already reminded at its
        level since the run was computed is left out; a reminder left with nothing
        to send is cancelled."""
        today = fields.Date.context_today(self)
        Log = self.env["mkc.dunning.log"]
        moves = self.move_ids
        done = {
            (log.move_id.id, log.sequence)
            for log in Log.search([("move_id", "in", moves.ids)], order="id")
        }
        log_vals, notes = [], {}
        level_of = {
            level.id: level
            for level in self.env["mkc.dunning.level"].browse(
                {int(v) for line in self for v in (line.fired or {}).values()}
            )
        }
        rendered = self._render_reminders()
        for line in self:
            fired = line.fired or {}
            to_log = []
            for move in line.move_ids:
                level = level_of.get(fired.get(str(move.id)))
                if (
                    level
                    and move.currency_id.compare_amounts(move.amount_residual, 0) > 0
                    and not move.cash_dispute
                    and (move.id, level.sequence) not in done
                ):
                    to_log.append((move, level))
            if not to_log:
                line.state = "cancel"
                continue
            line._send_one(rendered.get(line.id))
            for move, level in to_log:
                log_vals.append(
                    {
                        "move_id": move.id,
                        "partner_id": line.partner_id.id,
                        "company_id": line.company_id.id,
                        "level_id": level.id,
                        "sequence": level.sequence,
                        "date": today,
                        "channel": line.level_id.channel,
                        "user_id": self.env.user.id,
                        "run_id": line.run_id.id,
                        "amount_residual": move.amount_residual_signed,
                    }
                )
                notes[move.id] = Markup("%s") % self.env._(
                    "Reminder sent: %(level)s (%(run)s).",
                    level=level.name,
                    run=line.run_id.name,
                )
            line.state = "sent"
        Log.create(log_vals)
        if notes:
            self.env["account.move"].browse(list(notes))._message_log_batch(
                bodies=notes
            )

    def _render_reminders(self):
        """{line id: (subject, body)}: the emails, rendered per template in one
        batch (a template is compiled once, not once per customer), each in its
        customer's language."""
        rendered = {}
        for template in self.level_id.mail_template_id:
            lines = self.filtered(
                lambda line, t=template: line.level_id.mail_template_id == t
            )
            bodies = template._render_field("body_html", lines.ids, compute_lang=True)
            subjects = template._render_field("subject", lines.ids, compute_lang=True)
            rendered.update(
                {line_id: (subjects[line_id], bodies[line_id]) for line_id in lines.ids}
            )
        return rendered

    def _send_one(self, rendered=None):
        """Post the reminder on the customer (emailed to its invoicing contact when
        the level has a template, ``rendered`` being its subject and body), with
        the letter when the level is a letter, and the phone call activity when it
        is due."""
        self.ensure_one()
        level = self.level_id
        partner = self.partner_id
        attachments = self.env["ir.attachment"]
        if level.channel == "letter":
            attachments = self._dunning_letter_attachment()
        template = level.mail_template_id
        recipient = self._get_dunning_recipient()
        # sudo: posting on (and scheduling on, attaching to) a customer takes write
        # rights on contacts, which billing clerks who send the runs do not have;
        # the message keeps the clerk as its author. Queued, never sent inside the
        # run: the mail queue's cron sends them.
        poster = partner.sudo().with_context(mail_notify_force_send=False)
        author = self.env.user.partner_id.id
        if template and recipient.email:
            subject, body = rendered or self._render_reminders()[self.id]
            message = poster.message_post(
                author_id=author,
                body=body,
                subject=subject,
                partner_ids=recipient.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                attachment_ids=attachments.ids,
                email_layout_xmlid="mail.mail_notification_light",
            )
        else:
            message = poster.message_post(
                author_id=author,
                body=self.env._(
                    "%(level)s to send by post: %(amount)s overdue.",
                    level=level.name,
                    amount=self.currency_id.format(self.amount_overdue),
                ),
                attachment_ids=attachments.ids,
                subtype_xmlid="mail.mt_note",
            )
        self.message_id = message
        if self.phone and level.phone_activity:
            salesperson = (
                partner.user_id or self.move_ids.invoice_user_id[:1] or self.env.user
            )
            self.activity_id = poster.activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=fields.Date.context_today(self),
                summary=self.env._(
                    "Call about %(amount)s overdue (%(level)s)",
                    amount=self.currency_id.format(self.amount_overdue),
                    level=level.name,
                ),
                user_id=salesperson.id,
            )

    def _dunning_letter_attachment(self):
        report = self.env.ref("marketplace_cash.action_report_dunning_letter")
        content, _kind = self.env["ir.actions.report"]._render_qweb_pdf(
            report, self.ids
        )
        # sudo: attached to the customer (see _send_one).
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._(
                        "Formal notice %(customer)s %(date)s.pdf",
                        customer=self.partner_id.name,
                        date=fields.Date.to_string(self.run_id.date),
                    ),
                    "raw": content,
                    "mimetype": "application/pdf",
                    "res_model": "res.partner",
                    "res_id": self.partner_id.id,
                }
            )
        )
