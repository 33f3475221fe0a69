# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Order-to-cash KPIs of the customer receivables, wired to the ledger.

The book of ``core.receivables`` is read set-based in one SQL query: the receivable
lines (trade receivable accounts) of the posted customer invoices and credit notes of
a company, and its other posted receivable lines with a customer (payments on account,
miscellaneous entries: the core's unmatched items, so that the receivables are the
customer accounts' balance, as the weekly dashboard's), with their reconciliations
(``account.partial.reconcile``, dated by their ``max_date``, partial ones included,
none after the date), then the dispute holds of ``mkc.dunning.hold``. The core
computes; the results are stored in three report tables (customer x bucket aged
balance, one row per customer, one row per month of the 12-month trend) replaced at
each computation, for the pivot and graph views.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from odoo.addons.marketplace_connectors.models.sql_copy import copy_rows

from ..core import receivables as core

# Counterparts that settle an invoice without cash (another invoice, a credit note).
NOT_CASH_TYPES = (
    "out_invoice",
    "out_refund",
    "out_receipt",
    "in_invoice",
    "in_refund",
    "in_receipt",
)
# Days of paid invoices behind the customers' "days late (paid)".
PAID_DAYS = 90
LOCK_KEY = 916_001  # pg_advisory_xact_lock(LOCK_KEY, company id): one refresh at a time


def _rounder(company):
    """Decimal -> Decimal rounded half-up to the company currency's places."""
    quantum = Decimal(1).scaleb(-company.currency_id.decimal_places)
    return lambda amount: Decimal(amount).quantize(quantum, rounding=ROUND_HALF_UP)


class MkcReceivableKpi(models.AbstractModel):
    _name = "mkc.receivable.kpi"
    _description = "Receivables KPIs"

    # ---- reading the book

    @api.model
    def _read_items(self, company, day, since, move_ids=None, partner_ids=None):
        """The core items of ``company`` dated up to ``day`` that were open at
        some point after ``since`` or are dated after it, with their payments
        dated up to ``day``: the invoices' and credit notes' receivable lines and
        the unmatched ones (a receivable line of another entry, with a customer;
        dated by its entry). An unmatched line settled in full on its own date
        (a payment matched to an invoice of the same day or before) owes nothing
        on any day of the book: it is not read. With ``move_ids`` or
        ``partner_ids``, only the invoices and credit notes of these moves and
        customers (what a hold can apply to)."""
        only = SQL()
        if move_ids is not None or partner_ids is not None:
            only = SQL(
                "AND am.move_type IN ('out_invoice', 'out_refund') "
                "AND (aml.move_id = ANY(%s) OR am.commercial_partner_id = ANY(%s))",
                list(move_ids or ()),
                list(partner_ids or ()),
            )
        # Entries, payments and reconciliations made in this transaction count.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH lines AS (
                    SELECT aml.id, aml.move_id, aml.balance, aml.amount_residual,
                           am.move_type = 'out_refund' AS refund,
                           am.move_type NOT IN ('out_invoice', 'out_refund')
                               AS unmatched,
                           CASE WHEN am.move_type IN ('out_invoice', 'out_refund')
                                THEN am.commercial_partner_id
                                ELSE coalesce(rp.commercial_partner_id, rp.id)
                           END AS partner_id,
                           CASE WHEN am.move_type IN ('out_invoice', 'out_refund')
                                THEN coalesce(am.invoice_date, am.date)
                                ELSE aml.date
                           END AS day,
                           CASE WHEN am.move_type IN ('out_invoice', 'out_refund')
                                THEN coalesce(aml.date_maturity, am.invoice_date_due,
                                              am.invoice_date, am.date)
                                ELSE coalesce(aml.date_maturity, aml.date)
                           END AS due
                      FROM account_move_line aml
                      JOIN account_move am ON am.id = aml.move_id
                      JOIN account_account a ON a.id = aml.account_id
                      LEFT JOIN res_partner rp ON rp.id = aml.partner_id
                     WHERE aml.company_id = %(company)s
                       AND aml.parent_state = 'posted'
                       AND (am.move_type IN ('out_invoice', 'out_refund')
                            OR aml.partner_id IS NOT NULL)
                       AND a.account_type = 'asset_receivable'
                       AND a.non_trade IS NOT TRUE
                       %(only)s
                ),
                items AS (
                    SELECT l.id, l.move_id, l.partner_id, l.day, l.due, l.balance,
                           l.refund, l.unmatched
                      FROM lines l
                     WHERE l.day <= %(day)s
                       AND (l.amount_residual <> 0
                            OR (l.day > %(since)s AND NOT l.unmatched)
                            OR EXISTS (SELECT 1 FROM account_partial_reconcile p
                                        WHERE p.debit_move_id = l.id
                                          AND p.max_date > %(since)s
                                          AND (p.max_date > l.day OR NOT l.unmatched))
                            OR EXISTS (SELECT 1 FROM account_partial_reconcile p
                                        WHERE p.credit_move_id = l.id
                                          AND p.max_date > %(since)s
                                          AND (p.max_date > l.day OR NOT l.unmatched)))
                ),
                payments AS (
                    SELECT i.id, p.max_date, p.amount, cm.move_type
                      FROM items i
                      JOIN account_partial_reconcile p ON p.debit_move_id = i.id
                      JOIN account_move_line cl ON cl.id = p.credit_move_id
                      JOIN account_move cm ON cm.id = cl.move_id
                     WHERE p.max_date <= %(day)s
                     UNION ALL
                    SELECT i.id, p.max_date, -p.amount, dm.move_type
                      FROM items i
                      JOIN account_partial_reconcile p ON p.credit_move_id = i.id
                      JOIN account_move_line dl ON dl.id = p.debit_move_id
                      JOIN account_move dm ON dm.id = dl.move_id
                     WHERE p.max_date <= %(day)s
                ),
                grouped AS (
                    SELECT id, array_agg(max_date) AS dates,
                           array_agg(amount::text) AS amounts,
                           array_agg(move_type NOT IN %(not_cash)s) AS cash
                      FROM payments
                     GROUP BY id
                )
                SELECT i.id, i.move_id, i.partner_id, i.day, i.due, i.balance::text,
                       i.refund, i.unmatched, g.dates, g.amounts, g.cash
                  FROM items i
                  LEFT JOIN grouped g ON g.id = i.id
                """,
                company=company.id,
                day=day,
                since=since,
                not_cash=NOT_CASH_TYPES,
                only=only,
            )
        )
        Item, Payment = core.Item, core.Payment
        return [
            Item(
                line_id,
                move_id,
                partner_id,
                invoice_day,
                due,
                Decimal(balance),
                tuple(
                    Payment(pay_day, Decimal(amount), cash)
                    for pay_day, amount, cash in zip(
                        dates or (), amounts or (), cashes or (), strict=True
                    )
                ),
                refund,
                unmatched,
            )
            for (
                line_id,
                move_id,
                partner_id,
                invoice_day,
                due,
                balance,
                refund,
                unmatched,
                dates,
                amounts,
                cashes,
            ) in self.env.cr.fetchall()
        ]

    @api.model
    def _read_holds(self, company, day):
        """The core holds of ``company`` started on or before ``day`` (none while
        the dispute holds are not installed)."""
        if "mkc.dunning.hold" not in self.env:
            return []
        holds = self.env["mkc.dunning.hold"].search_fetch(
            [("company_id", "=", company.id), ("date_start", "<=", day)],
            ["move_id", "partner_id", "date_start", "date_expiry", "date_released"],
        )
        return [
            core.Hold(
                hold.partner_id.commercial_partner_id.id,
                hold.date_start,
                hold.move_id.id or None,
                hold.date_expiry or None,
                hold.date_released or None,
            )
            for hold in holds
        ]

    @api.model
    def _book(self, company, day, since=None):
        """The :class:`core.Book` of ``company`` at ``day``; ``since`` (default:
        ``day``) bounds the closed items read (see :meth:`_read_items`)."""
        self.env["account.move"].check_access("read")
        if company not in self.env.companies:
            raise AccessError(
                self.env._(
                    "You cannot read the receivables of %(company)s.",
                    company=company.display_name,
                )
            )
        since = day if since is None else since
        return core.Book(
            self._read_items(company, day, since), self._read_holds(company, day)
        )

    @api.model
    def _held_book(self, company, day, since):
        """The :class:`core.Book` of the invoices and customers under a dispute
        hold only (the items a hold can apply to, up to ``day``, open after
        ``since`` or dated after it), or None without holds: what the weekly
        dashboard needs of the holds (their weight in the DSO, the invoices
        disputed), read once."""
        holds = self._read_holds(company, day)
        if not holds:
            return None
        items = self._read_items(
            company,
            day,
            since,
            move_ids=[hold.move_id for hold in holds if hold.move_id],
            partner_ids=[hold.partner_id for hold in holds if not hold.move_id],
        )
        return core.Book(items, holds)

    # ---- public API

    @api.model
    def get_kpis(self, date=None, company_id=None, top=10):
        """The company's KPIs at ``date`` (default: today) as plain data, for
        JSON-RPC and scripts (nothing is stored): DSO 30 and 90 days, receivables
        and what is on hold, the month's recovery and dispute rates, the aged
        balance (invoices on hold included), the ``top`` late payers and the
        12-month trend. Ratios are floats (None without a denominator), amounts
        floats in the company's currency."""
        company = (
            self.env["res.company"].browse(company_id)
            if company_id
            else self.env.company
        )
        day = fields.Date.to_date(date) or fields.Date.context_today(self)
        points = core.month_ends(day)
        book = self._book(company, day, points[0] - timedelta(days=90))
        round_ = _rounder(company)

        def num(value):
            return None if value is None else float(value)

        trend = book.trend(day)
        aged = dict.fromkeys(core.BUCKETS, Decimal(0))
        for (_partner, name, _held), amount in book.aged_rows(day).items():
            aged[name] += amount
        now = trend[-1]
        return {
            "company_id": company.id,
            "date": day.isoformat(),
            "currency": company.currency_id.name,
            "dso_30": num(now.dso_30.value),
            "dso_90": num(now.dso_90.value),
            "receivables": float(round_(now.dso_90.receivables)),
            "held_receivables": float(round_(now.dso_90.held_receivables)),
            "revenue_90": float(round_(now.dso_90.revenue)),
            "recovery_rate": num(now.recovery.value),
            "dispute_rate": num(now.dispute.value),
            "aged": {name: float(round_(amount)) for name, amount in aged.items()},
            "top_late_payers": [
                {
                    "partner_id": payer.partner_id,
                    "overdue": float(round_(payer.overdue)),
                    "days_late": num(payer.days),
                }
                for payer in book.top_late_payers(day, limit=top)
            ],
            "trend": [
                {
                    "date": month.point.isoformat(),
                    "dso_30": num(month.dso_30.value),
                    "dso_90": num(month.dso_90.value),
                    "recovery_rate": num(month.recovery.value),
                    "dispute_rate": num(month.dispute.value),
                }
                for month in trend
            ],
        }

    # ---- computing and storing

    @api.model
    def _refresh(self, company, day):
        """Compute every KPI of ``company`` at ``day`` and replace its stored
        rows (aged balance, customers, trend)."""
        points = core.month_ends(day)
        since = min(points[0] - timedelta(days=90), day - timedelta(days=PAID_DAYS))
        book = self._book(company, day, since)
        cr = self.env.cr
        cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_KEY, company.id))
        for table in (
            "mkc_receivable_aged",
            "mkc_receivable_kpi_partner",
            "mkc_receivable_kpi_month",
        ):
            cr.execute(
                SQL(
                    "DELETE FROM %s WHERE company_id = %s",
                    SQL.identifier(table),
                    company.id,
                )
            )
        aged = book.aged_rows(day)
        self._store_aged(company, day, aged)
        self._store_partners(company, day, book, aged)
        self._store_months(company, day, book.trend(day))
        for model in (
            "mkc.receivable.aged",
            "mkc.receivable.kpi.partner",
            "mkc.receivable.kpi.month",
        ):
            self.env[model].invalidate_model()
        return book

    def _store_aged(self, company, day, aged):
        round_ = _rounder(company)
        copy_rows(
            self.env.cr,
            "mkc_receivable_aged",
            ("company_id", "date", "partner_id", "bucket", "held", "amount"),
            (
                (company.id, day, partner, name, held, round_(amount))
                for (partner, name, held), amount in aged.items()
            ),
        )

    def _store_partners(self, company, day, book, aged):
        round_ = _rounder(company)
        dso30 = book.dso_by_partner(day, 30)
        dso90 = book.dso_by_partner(day, 90)
        paid = book.days_late_paid(day - timedelta(days=PAID_DAYS - 1), day)
        late = book.days_late_open(day)
        ranks = {
            payer.partner_id: rank
            for rank, payer in enumerate(book.top_late_payers(day, limit=None), 1)
        }
        buckets = {}
        for (partner, name, _held), amount in aged.items():
            row = buckets.setdefault(partner, dict.fromkeys(core.BUCKETS, 0))
            row[name] += amount
        none = core.Dso(Decimal(0), Decimal(0), 0)
        rows = []
        for partner in dso90.keys() | dso30.keys() | paid.keys() | buckets.keys():
            d30, d90 = dso30.get(partner, none), dso90.get(partner, none)
            paid_late = paid.get(partner, core.Lateness())
            open_late = late.get(partner, core.Lateness())
            amounts = buckets.get(partner, dict.fromkeys(core.BUCKETS, 0))
            rows.append(
                (
                    company.id,
                    day,
                    partner,
                    round_(d90.receivables),
                    round_(d90.held_receivables),
                    round_(open_late.amount),
                    round_(d30.revenue),
                    round_(d90.revenue),
                    d30.value,
                    d90.value,
                    paid_late.days,
                    round_(paid_late.amount),
                    open_late.days,
                    open_late.weight,
                    ranks.get(partner),
                    *(round_(amounts[name]) for name in core.BUCKETS),
                )
            )
        copy_rows(
            self.env.cr,
            "mkc_receivable_kpi_partner",
            (
                "company_id",
                "date",
                "partner_id",
                "receivables",
                "held_receivables",
                "overdue",
                "revenue_30",
                "revenue_90",
                "dso_30",
                "dso_90",
                "days_late_paid",
                "paid_amount",
                "days_late_open",
                "late_weight",
                "late_rank",
                "amount_not_due",
                "amount_1_30",
                "amount_31_60",
                "amount_61_90",
                "amount_over_90",
            ),
            rows,
        )

    def _store_months(self, company, day, trend):
        round_ = _rounder(company)
        copy_rows(
            self.env.cr,
            "mkc_receivable_kpi_month",
            (
                "company_id",
                "date",
                "date_from",
                "date_to",
                "receivables",
                "held_receivables",
                "revenue_30",
                "revenue_90",
                "dso_30",
                "dso_90",
                "collected",
                "invoiced",
                "recovery_rate",
                "disputed_count",
                "issued_count",
                "dispute_rate",
            ),
            (
                (
                    company.id,
                    day,
                    month.first,
                    month.point,
                    round_(month.dso_90.receivables),
                    round_(month.dso_90.held_receivables),
                    round_(month.dso_30.revenue),
                    round_(month.dso_90.revenue),
                    month.dso_30.value,
                    month.dso_90.value,
                    round_(month.recovery.numerator),
                    round_(month.recovery.denominator),
                    month.recovery.value,
                    int(month.dispute.numerator),
                    int(month.dispute.denominator),
                    month.dispute.value,
                )
                for month in trend
            ),
        )

    @api.model
    def _refresh_stale(self):
        """Compute today's KPIs of the user's selected companies that have none
        of today yet (the menus open them fresh)."""
        today = fields.Date.context_today(self)
        Month = self.env["mkc.receivable.kpi.month"]
        for company in self.env.companies:
            if not Month.search_count(
                [("company_id", "=", company.id), ("date", "=", today)], limit=1
            ):
                self._refresh(company, today)

    @api.model
    def _cron_refresh(self):
        """Every day: each company's KPIs at today."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([("active", "=", True)]):
            self.with_company(company).with_context(
                allowed_company_ids=[company.id]
            )._refresh(company, today)
