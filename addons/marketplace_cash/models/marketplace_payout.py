# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Payout accounting: post a payout by category, match it to its bank deposit.

The plans (which account gets how much, month by month) and the matching (which bank
line pays which payouts) are computed by the pure core (``core.posting``,
``core.matching``); this model only reads the records, hands them to the core and
writes what the core decided, in a few grouped operations.
"""

from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import matching, posting

PAYOUT_STATES = [("draft", "Draft"), ("posted", "Posted"), ("reconciled", "Reconciled")]


def _decimal(value, digits):
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits))


class MarketplacePayout(models.Model):
    _inherit = "marketplace.payout"

    state = fields.Selection(
        PAYOUT_STATES, default="draft", required=True, readonly=True, index=True
    )
    move_ids = fields.Many2many(
        "account.move",
        "marketplace_payout_account_move_rel",
        "payout_id",
        "move_id",
        string="Journal Entries",
        readonly=True,
        copy=False,
        help="One entry per posting month of the payout's lines.",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Journal Entry",
        compute="_compute_move_id",
        help="The entry dated on the payout's date (the last one of a payout that "
        "crosses a month).",
    )
    clearing_account_id = fields.Many2one(
        "account.account",
        string="Marketplace Receivable",
        readonly=True,
        copy=False,
        help="The account the payout's net was posted to, cleared by the bank line.",
    )
    bank_line_id = fields.Many2one(
        "account.bank.statement.line",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    clearing_residual = fields.Monetary(
        string="Not Yet in Bank",
        compute="_compute_clearing_residual",
        help="What the marketplace still owes on this payout, on the clearing account.",
    )

    def init(self):
        # Payouts are also written by the connector's bulk SQL upsert, which knows
        # nothing of this module's columns: a database default keeps them draft.
        self.env.cr.execute(
            "ALTER TABLE marketplace_payout ALTER COLUMN state SET DEFAULT 'draft'"
        )

    @api.depends("move_ids")
    def _compute_move_id(self):
        for payout in self:
            payout.move_id = payout.move_ids.sorted(lambda m: (m.date, m.id))[-1:]

    @api.depends("move_ids.line_ids.amount_residual_currency")
    def _compute_clearing_residual(self):
        for payout in self:
            lines = payout._clearing_lines()
            payout.clearing_residual = sum(lines.mapped("amount_residual_currency"))

    # ---- posting

    def _posting_date(self):
        self.ensure_one()
        moment = self.date_deposit or self.date_end or self.date_start
        return (moment or fields.Datetime.now()).date()

    def _check_postable(self):
        for payout in self:
            if payout.state != "draft":
                raise UserError(
                    self.env._(
                        "Payout %(payout)s is already posted: cancel its posting "
                        "first.",
                        payout=payout.name,
                    )
                )
            if not payout.transaction_count:
                raise UserError(
                    self.env._(
                        "Payout %(payout)s has no lines: there is nothing to post.",
                        payout=payout.name,
                    )
                )
            if not payout.is_balanced:
                raise UserError(
                    self.env._(
                        "Payout %(payout)s is not balanced: its lines add up to "
                        "%(computed)s, the platform declares %(declared)s. Fix the "
                        "import before posting.",
                        payout=payout.name,
                        computed=payout.amount_computed,
                        declared=payout.amount_declared,
                    )
                )

    def action_post(self):
        """Post each payout: one balanced entry per posting month, each category
        on its account, the net on the marketplace receivable."""
        self._check_postable()
        for channel, payouts in self.grouped("channel_id").items():
            journal = channel._payout_journal()
            clearing = channel._clearing_account()
            partner = channel._payout_partner()
            mapping = self._posting_mapping(channel)
            for payout in payouts:
                moves, invoices = payout._create_moves(
                    journal, clearing, partner, mapping
                )
                moves.action_post()
                payout._reconcile_settled_invoices(moves, invoices)
                payout.write(
                    {
                        "move_ids": [fields.Command.set(moves.ids)],
                        "state": "posted",
                        "clearing_account_id": clearing.id,
                    }
                )
        self._recompute_order_chains()
        return True

    def _recompute_order_chains(self):
        """The cash chain of the payouts' orders (paid out, in bank) follows their
        state; their lines are written in bulk, which no stored compute sees."""
        self.env["sale.order"]._cash_orders_of_payouts(self)._cash_recompute_chain()

    def _recompute_totals(self):
        result = super()._recompute_totals()
        self._recompute_order_chains()
        return result

    def _posting_mapping(self, channel):
        accounts = channel._posting_accounts()
        self.env["account.tax"].browse(
            [tax.id for _a, _n, tax in accounts.values() if tax]
        ).fetch(["amount", "price_include", "invoice_repartition_line_ids"])
        rules = {}
        for category, (account, negative, tax) in accounts.items():
            tax_rule = None
            if tax:
                repartition = tax.invoice_repartition_line_ids.filtered(
                    lambda r: r.repartition_type == "tax"
                )[:1]
                tax_rule = posting.TaxRule(
                    key=tax.id,
                    rate=Decimal(str(tax.amount)) / 100,
                    account=repartition.account_id.id or account.id,
                )
            rules[category] = posting.AccountRule(
                account=account.id,
                negative_account=negative.id or None,
                tax=tax_rule,
            )
        analytic = channel.analytic_account_id.id or None
        return posting.Mapping(rules=rules, counterpart="clearing", analytic=analytic)

    def _create_moves(self, journal, clearing, partner, mapping):
        """The payout's entries, in draft, from the core's plan, and the customer
        invoices and credit notes its lines settle."""
        self.ensure_one()
        currency = self.currency_id
        company = self.company_id
        self.env.cr.execute(
            """
            SELECT category, amount, posted_at, order_ref, sale_order_id
              FROM marketplace_transaction
             WHERE payout_id = %s
            """,
            (self.id,),
        )
        rows = self.env.cr.fetchall()
        settled = self._invoices_to_settle({row[4] for row in rows if row[4]})
        mapping = self._settlement_mapping(mapping, settled)
        lines = [
            posting.PayoutLine(
                category=_settlement_key(settled, category, order_id) or category,
                amount=_decimal(amount, currency.decimal_places),
                posted_at=posted_at,
                order_ref=order_ref,
            )
            for category, amount, posted_at, order_ref, order_id in rows
        ]
        plans = posting.plan(
            lines,
            mapping,
            currency_decimals=currency.decimal_places,
            payout_date=self._posting_date(),
        )
        Move = self.env["account.move"]
        moves = Move
        labels = dict(
            self.env["marketplace.transaction"]
            ._fields["category"]
            ._description_selection(self.env)
        )
        for entry in plans:
            moves |= Move.create(
                self._prepare_move_vals(
                    entry, journal, clearing, partner, currency, company, labels
                )
            )
        invoices = self.env["account.move"].union(
            *(invoice | refund for invoice, refund in settled.values())
        )
        return moves, invoices

    def _prepare_move_vals(
        self, entry, journal, clearing, partner, currency, company, labels
    ):
        company_currency = company.currency_id
        line_vals = []
        total_balance = 0.0
        counterpart = None
        for plan_line in entry.lines:
            amount = float(plan_line.debit - plan_line.credit)
            balance = (
                amount
                if currency == company_currency
                else currency._convert(amount, company_currency, company, entry.date)
            )
            vals = {
                "name": self._line_label(plan_line, labels),
                "amount_currency": amount,
                "currency_id": currency.id,
                "balance": balance,
                "partner_id": partner.id,
            }
            invoice = _settled_invoice(self.env, plan_line.category)
            if invoice:
                vals["partner_id"] = invoice.commercial_partner_id.id
            if plan_line.is_counterpart:
                vals["account_id"] = clearing.id
                counterpart = vals
            else:
                vals["account_id"] = plan_line.account
                total_balance += balance
                if plan_line.tax_ids:
                    vals["tax_ids"] = [fields.Command.set(list(plan_line.tax_ids))]
                if plan_line.tax_line:
                    tax = self.env["account.tax"].browse(plan_line.tax_line)
                    vals["tax_repartition_line_id"] = (
                        tax.invoice_repartition_line_ids.filtered(
                            lambda r: r.repartition_type == "tax"
                        )[:1].id
                    )
                if plan_line.analytic:
                    vals["analytic_distribution"] = {str(plan_line.analytic): 100}
            line_vals.append(vals)
        if counterpart is not None:
            # Conversion rounding goes to the counterpart: the entry balances in the
            # company currency too.
            counterpart["balance"] = -total_balance
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": entry.date,
            "ref": self.env._(
                "%(channel)s payout %(payout)s",
                channel=self.channel_id.name,
                payout=self.name,
            ),
            "line_ids": [fields.Command.create(vals) for vals in line_vals],
        }

    def _line_label(self, plan_line, labels):
        if plan_line.is_counterpart:
            return self.env._("Payout %(payout)s", payout=self.name)
        invoice = _settled_invoice(self.env, plan_line.category)
        label = (
            self.env._("Settles %(invoice)s", invoice=invoice.name)
            if invoice
            else labels.get(plan_line.category, plan_line.category)
        )
        if plan_line.tax_line:
            label = self.env._("%(category)s: VAT", category=label)
        return self.env._(
            "%(category)s (%(count)s lines)", category=label, count=plan_line.count
        )

    # ---- settling the orders' invoices

    def _invoices_to_settle(self, order_ids):
        """``{order id: (invoice, credit note)}``: the posted customer invoice and
        credit note of each order the payout pays, when Odoo has them. The payout's
        buyer-paid lines of such an order settle its invoice instead of being
        booked as revenue (the invoice already booked it); its refund lines settle
        its credit note."""
        result = {}
        for order in self.env["sale.order"].browse(sorted(order_ids)):
            moves = order.invoice_ids.filtered(lambda m: m.state == "posted")
            invoice = moves.filtered(lambda m: m.move_type == "out_invoice")[:1]
            refund = moves.filtered(lambda m: m.move_type == "out_refund")[:1]
            if invoice or refund:
                result[order.id] = (invoice, refund)
        return result

    def _settlement_mapping(self, mapping, settled):
        """``mapping`` plus one rule per invoice to settle: its receivable account."""
        extra = {}
        for invoice, refund in settled.values():
            for move in invoice | refund:
                receivable = move.line_ids.filtered(
                    lambda line: line.account_id.account_type == "asset_receivable"
                )[:1].account_id
                extra[f"{SETTLE_PREFIX}{move.id}"] = posting.AccountRule(
                    account=receivable.id, analytic=False
                )
        return mapping.override(**extra) if extra else mapping

    def _reconcile_settled_invoices(self, moves, invoices):
        """Reconcile each settlement line (labelled "Settles <invoice>") with its
        invoice's open receivable lines: the invoice shows the payout that paid it."""
        settling = moves.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        for invoice in invoices:
            label = self.env._("Settles %(invoice)s", invoice=invoice.name)
            mine = settling.filtered(
                lambda line, label=label: (line.name or "").startswith(label)
            )
            open_lines = invoice.line_ids.filtered(
                lambda line, accounts=mine.account_id: (
                    line.account_id in accounts and not line.reconciled
                )
            )
            if mine and open_lines:
                (mine + open_lines).reconcile()

    def action_cancel_posting(self):
        """Reverse the payout's entries and put it back to draft (explicit, never
        silent: the entries stay in the ledger with their reversals)."""
        for payout in self:
            if payout.state == "reconciled":
                raise UserError(
                    self.env._(
                        "Payout %(payout)s is matched to its bank line: undo the bank "
                        "reconciliation first.",
                        payout=payout.name,
                    )
                )
            posted = payout.move_ids.filtered(lambda m: m.state == "posted")
            if posted:
                posted._reverse_moves(
                    [
                        {
                            "date": move.date,
                            "ref": self.env._("Cancel %(ref)s", ref=move.ref),
                        }
                        for move in posted
                    ],
                    cancel=True,
                )
            payout.move_ids.filtered(lambda m: m.state == "draft").unlink()
            payout.write({"move_ids": [fields.Command.clear()], "state": "draft"})
        self._recompute_order_chains()
        return True

    # ---- actions

    def action_open_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_journal_line"
        )
        action["domain"] = [("id", "in", self.move_ids.ids)]
        action["context"] = {"create": False}
        return action

    def action_match_bank(self):
        """Match these payouts against the unreconciled bank lines now."""
        result = self.match_bank_lines(payouts=self)
        return self._matching_notification(result)

    @api.model
    def action_match_all_bank_lines(self):
        return self._matching_notification(self.match_bank_lines())

    def _matching_notification(self, result):
        matches = len(result.matches) if result else 0
        proposals = len(result.proposals) if result else 0
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if matches else "info",
                "message": self.env._(
                    "%(matches)s bank line(s) reconciled, %(proposals)s to confirm.",
                    matches=matches,
                    proposals=proposals,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ---- bank matching

    def _clearing_lines(self):
        return self.move_ids.line_ids.filtered(
            lambda line: (
                line.account_id in self.clearing_account_id
                and line.parent_state == "posted"
            )
        )

    @api.model
    def match_bank_lines(self, payouts=None, bank_lines=None, apply=True):
        """Match posted payouts to unreconciled bank statement lines; reconcile the
        unambiguous matches, propose the others (``apply=False``: only compute).
        Returns the core's result."""
        payouts = (
            payouts if payouts is not None else self.search([("state", "=", "posted")])
        )
        if not payouts:
            return None
        if bank_lines is None:
            bank_lines = self.env["account.bank.statement.line"].search(
                [
                    ("is_reconciled", "=", False),
                    ("company_id", "in", payouts.company_id.ids),
                ]
            )
        result = matching.Result()
        # Per company: a payout is only ever paid into its own company's bank.
        for company, company_payouts in payouts.grouped("company_id").items():
            company_lines = bank_lines.filtered(
                lambda line, c=company: line.company_id == c
            )
            found = company_payouts._match_company_bank_lines(company_lines, apply)
            result = matching.Result(
                matches=result.matches + found.matches,
                proposals=result.proposals + found.proposals,
                unmatched_bank_line_ids=result.unmatched_bank_line_ids
                + found.unmatched_bank_line_ids,
                unmatched_payout_ids=result.unmatched_payout_ids
                + found.unmatched_payout_ids,
            )
        return result

    def _match_company_bank_lines(self, bank_lines, apply):
        """Match these payouts (one company) to ``bank_lines`` (the same company)."""
        channels = self.channel_id
        windows = {c.id: (c.match_days_before, c.match_days_after) for c in channels}
        core_payouts = [payout._matching_record() for payout in self]
        core_lines = [line_record(line) for line in bank_lines]
        result = matching.match(
            core_payouts, core_lines, matching.MatchOptions(windows=windows)
        )
        if not apply:
            return result
        by_payout = {p.id: p for p in self}
        by_line = {line.id: line for line in bank_lines}
        for found in result.matches:
            line = by_line[found.bank_line_id]
            matched = self.browse([by_payout[i].id for i in found.payout_ids])
            matched._reconcile_with(line)
        self.env["marketplace.bank.proposal"]._replace_proposals(
            result.proposals, by_line
        )
        return result

    def _matching_record(self):
        self.ensure_one()
        deposit = self._posting_date()
        return matching.Payout(
            id=self.id,
            channel_id=self.channel_id.id,
            currency=self.currency_id.name,
            amount=_decimal(self.amount_computed, self.currency_id.decimal_places),
            deposit_date=deposit,
            refs=(self.name,),
        )

    def _reconcile_with(self, bank_line):
        """Book the bank line on the marketplace receivable and reconcile it with
        the payouts' receivable lines: the clearing account is back to zero."""
        channel = self.channel_id
        clearing = self.clearing_account_id[:1]
        partner = channel._payout_partner()
        _liquidity, suspense, _other = bank_line._seek_for_lines()
        if suspense:
            bank_line.with_context(skip_readonly_check=True).write(
                {
                    "line_ids": [
                        fields.Command.update(
                            line.id,
                            {"account_id": clearing.id, "partner_id": partner.id},
                        )
                        for line in suspense
                    ]
                }
            )
        bank_counterpart = bank_line.move_id.line_ids.filtered(
            lambda line: line.account_id == clearing and not line.reconciled
        )
        (bank_counterpart + self._clearing_lines()).reconcile()
        self.write({"bank_line_id": bank_line.id, "state": "reconciled"})
        self._recompute_order_chains()


SETTLE_PREFIX = "settle:"
# Categories of what the buyer paid: they settle the order's invoice.
BUYER_PAID = frozenset({"sale", "shipping", "tax", "tax_withheld", "promotion"})


def _settlement_key(settled, category, order_id):
    """The pseudo-category of a line that settles an invoice, else None."""
    if order_id not in settled:
        return None
    invoice, refund = settled[order_id]
    if category in BUYER_PAID and invoice:
        return f"{SETTLE_PREFIX}{invoice.id}"
    if category == "refund" and refund:
        return f"{SETTLE_PREFIX}{refund.id}"
    return None


def _settled_invoice(env, category):
    if not category or not str(category).startswith(SETTLE_PREFIX):
        return env["account.move"]
    return env["account.move"].browse(int(str(category)[len(SETTLE_PREFIX) :]))


def line_record(line):
    """A bank statement line as the matching core sees it."""
    journal_currency = line.journal_id.currency_id or line.company_id.currency_id
    foreign = line.foreign_currency_id
    return matching.BankLine(
        id=line.id,
        currency=journal_currency.name,
        amount=_decimal(line.amount, journal_currency.decimal_places),
        date=line.date,
        label=" ".join(filter(None, [line.payment_ref, line.ref or ""])),
        foreign_currency=foreign.name if foreign else None,
        amount_foreign=(
            _decimal(line.amount_currency, foreign.decimal_places) if foreign else None
        ),
    )
