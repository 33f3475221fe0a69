# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The 13-week cash forecast: today's bank balance, then every expected flow.

The flows are gathered set-based (SQL aggregates per channel and order, per open
document), the calendars, the weekly table and the scenarios are ``core.forecast``.
A forecast keeps its flows (with the records behind them, for the drill-down) and
its weeks; a scenario recomputes from the stored base flows, without gathering again.
"""

import json
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_amount, format_date

from odoo.addons.marketplace_connectors.models.sql_copy import copy_rows

from ..core import forecast as core

SOURCES = [
    ("payouts", "Marketplace payouts"),
    ("customers", "Customers"),
    ("suppliers", "Supplier bills"),
    ("purchases", "Purchases not billed"),
    ("advertising", "Advertising"),
    ("vat", "VAT"),
    ("recurring", "Recurring"),
    ("one_off", "One-off"),
]
IN_SOURCES = ("payouts", "customers")
WEEKS = 13
# Source -> the scenario tags of its flows.
TAGS = {
    "payouts": frozenset({"sales"}),
    "purchases": frozenset({"replenishment", "supplier"}),
    "suppliers": frozenset({"supplier"}),
    "advertising": frozenset({"ads"}),
}


def _d(value):
    return Decimal(str(value or 0))


class MarketplaceCashForecast(models.Model):
    _name = "marketplace.cash.forecast"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Cash Forecast"
    _order = "date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="The forecast starts on the Monday of this date's week.",
    )
    start = fields.Date(string="First Monday", readonly=True)
    computed_at = fields.Datetime(readonly=True)
    opening = fields.Monetary(
        string="Opening Bank Balance",
        readonly=True,
        help="Balance of the bank journals at the date.",
    )
    closing = fields.Monetary(string="Closing (Week 13)", readonly=True)
    lowest = fields.Monetary(string="Lowest Point", readonly=True)
    lowest_week = fields.Integer(readonly=True)
    beyond = fields.Monetary(
        string="After 13 Weeks", readonly=True, help="Expected after the horizon."
    )
    week_ids = fields.One2many(
        "marketplace.cash.forecast.week",
        "forecast_id",
        string="Weeks",
        domain=[("scenario_id", "=", False)],
        readonly=True,
    )
    flow_ids = fields.One2many(
        "marketplace.cash.forecast.flow", "forecast_id", string="Flows", readonly=True
    )
    scenario_ids = fields.Many2many(
        "marketplace.cash.scenario",
        string="Compared Scenarios",
        help="Up to four scenarios drawn against the base forecast.",
    )

    @api.depends("date")
    def _compute_name(self):
        for forecast in self:
            forecast.name = self.env._(
                "Cash forecast %(date)s", date=forecast.date or ""
            )

    @api.constrains("scenario_ids")
    def _check_scenarios(self):
        if any(len(forecast.scenario_ids) > 4 for forecast in self):
            raise ValidationError(self.env._("Compare at most four scenarios."))

    @api.model
    def _cron_compute(self):
        """Every day: each company's forecast from today, then the alerts. The
        forecasts made on Mondays are kept (the variance compares each week with
        what its Monday expected); the other days' are replaced by the next one."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([("active", "=", True)]):
            forecast = self.search(
                [("company_id", "=", company.id), ("date", "=", today)], limit=1
            ) or self.create({"company_id": company.id, "date": today})
            forecast = forecast.with_company(company)
            forecast.action_compute()
            self.search(
                [
                    ("company_id", "=", company.id),
                    ("date", "<", today),
                    ("id", "!=", forecast.id),
                ]
            ).filtered(lambda f: f.date.weekday() != 0).unlink()
            forecast._check_alerts()

    def action_compute(self):
        for forecast in self:
            forecast._compute_forecast()
            for scenario in forecast.scenario_ids:
                scenario._compute_on(forecast)
        return True

    # ---- alerts

    def _alert(self, key, message):
        """An activity for the finance managers (and a message, emailed to those
        who get their notifications by email), once per ``key`` while open."""
        self.ensure_one()
        summary = self.env._("Cash alert: %s", key)
        if self.activity_ids.filtered(lambda a: a.summary == summary):
            return False
        group = self.env.ref("account.group_account_manager")
        users = group.users.filtered(
            lambda u: self.company_id in u.company_ids and not u.share
        ) or self.env.ref("marketplace_cash.group_cash_manager").users.filtered(
            lambda u: self.company_id in u.company_ids and not u.share
        )
        for user in users:
            self.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=summary,
                note=message,
                user_id=user.id,
            )
        self.message_post(
            body=message,
            partner_ids=users.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )
        return True

    def _check_alerts(self):
        """Late or short payouts, a jump of a channel's reserve, the lowest point
        under the minimum cash, stock growing faster than sales for 4 weeks.
        Returns the keys raised."""
        self.ensure_one()
        raised = []
        company = self.company_id
        today = self.date
        for key, message in (
            self._late_payouts(today)
            + self._reserve_jumps(today)
            + self._stock_outgrowing_sales(today)
        ):
            if self._alert(key, message):
                raised.append(key)
        if company.cash_minimum and self.lowest < company.cash_minimum:
            key = self.env._("lowest point %s", self.start)
            message = self.env._(
                "The forecast's lowest point, %(lowest)s in week %(week)s, is under "
                "the minimum cash of %(minimum)s.",
                lowest=self._money(self.lowest),
                week=self.lowest_week,
                minimum=self._money(company.cash_minimum),
            )
            if self._alert(key, message):
                raised.append(key)
        return raised

    def _money(self, amount):
        """``amount`` formatted in the company's currency and the user's
        language (an alert's message: 1 234,50 € in French)."""
        return format_amount(self.env, float(amount), self.company_id.currency_id)

    def _late_payouts(self, today):
        """The payouts last week's Monday forecast expected more than the
        tolerance ago that did not come (late) or came short (deposits of a
        channel in another currency at their deposit date's rate, as the
        forecast's amounts are in the company's currency)."""
        company = self.company_id
        tolerance = timedelta(days=company.cash_payout_tolerance_days)
        monday = today - timedelta(days=today.weekday() + 7)
        previous = self.search(
            [("company_id", "=", company.id), ("date", "=", monday)], limit=1
        )
        alerts = []
        expected = previous.flow_ids.filtered(
            lambda f: (
                f.source == "payouts"
                and not f.scenario_id
                and f.amount > 0
                and f.day + tolerance < today
            )
        )
        # The deposits of those channels since the earliest window, read once.
        deposits = self.env["marketplace.payout"].search_read(
            [
                ("channel_id", "in", expected.channel_id.ids),
                (
                    "date_deposit",
                    ">=",
                    min(expected.mapped("day"), default=today) - tolerance,
                ),
                ("date_deposit", "<=", today),
            ],
            ["channel_id", "date_deposit", "amount_computed", "currency_id"],
        )
        for deposit in deposits:
            deposit["amount"] = self._to_company(
                deposit["amount_computed"],
                deposit["currency_id"] and deposit["currency_id"][0],
                deposit["date_deposit"].date(),
            )
        for flow in expected:
            paid = float(
                sum(
                    (
                        deposit["amount"]
                        for deposit in deposits
                        if deposit["channel_id"][0] == flow.channel_id.id
                        and deposit["date_deposit"].date() >= flow.day - tolerance
                    ),
                    Decimal(0),
                )
            )
            rate = 1 - company.cash_payout_tolerance_rate
            if not paid:
                key = self.env._(
                    "%(channel)s late %(day)s",
                    channel=flow.channel_id.name,
                    day=flow.day,
                )
                message = self.env._(
                    "%(channel)s: the payout of %(amount)s expected on %(day)s has "
                    "not arrived.",
                    channel=flow.channel_id.name,
                    amount=self._money(flow.amount),
                    day=format_date(self.env, flow.day),
                )
            elif paid < flow.amount * rate:
                key = self.env._(
                    "%(channel)s short %(day)s",
                    channel=flow.channel_id.name,
                    day=flow.day,
                )
                message = self.env._(
                    "%(channel)s: %(paid)s paid against %(amount)s expected on "
                    "%(day)s.",
                    channel=flow.channel_id.name,
                    paid=self._money(paid),
                    amount=self._money(flow.amount),
                    day=format_date(self.env, flow.day),
                )
            else:
                continue
            alerts.append((key, message))
        return alerts

    def _reserve_balances(self, when):
        """{channel: reserve held at ``when``} (holds are negative lines)."""
        self.env.cr.execute(
            """
            SELECT t.channel_id, -sum(t.amount)
              FROM marketplace_transaction t
              JOIN marketplace_channel c ON c.id = t.channel_id
             WHERE c.company_id = %s AND t.posted_at < %s
               AND t.category IN ('reserve_hold', 'reserve_release')
             GROUP BY t.channel_id
            """,
            [self.company_id.id, when],
        )
        return {channel: _d(held) for channel, held in self.env.cr.fetchall()}

    def _reserve_jumps(self, today):
        """Channels whose reserve grew by more than the company's threshold over
        the last 7 days."""
        now = self._reserve_balances(today + timedelta(days=1))
        before = self._reserve_balances(today - timedelta(days=6))
        jump = _d(self.company_id.cash_reserve_jump_rate)
        alerts = []
        for channel_id, held in now.items():
            was = before.get(channel_id, Decimal(0))
            if held > 0 and held > was * (1 + jump):
                channel = self.env["marketplace.channel"].browse(channel_id)
                alerts.append(
                    (
                        self.env._(
                            "%(channel)s reserve %(day)s",
                            channel=channel.name,
                            day=today,
                        ),
                        self.env._(
                            "%(channel)s now holds %(held)s in reserve (%(was)s a "
                            "week ago).",
                            channel=channel.name,
                            held=self._money(held),
                            was=self._money(was),
                        ),
                    )
                )
        return alerts

    def _stock_outgrowing_sales(self, today):
        """Stock value (the valuation layers) growing faster than sales (the
        confirmed orders, excl. VAT) week after week for the last 4 weeks."""
        company = self.company_id.id
        ends = [
            today - timedelta(days=today.weekday() + 7 * k) for k in range(5, -1, -1)
        ]
        self.env.cr.execute(
            """
            SELECT e.day,
                   (SELECT coalesce(sum(value), 0) FROM stock_valuation_layer
                     WHERE company_id = %(company)s AND create_date < e.day),
                   (SELECT coalesce(sum(amount_untaxed / coalesce(
                                nullif(currency_rate, 0), 1)), 0)
                      FROM sale_order
                     WHERE company_id = %(company)s AND state = 'sale'
                       AND date_order >= e.day - 7 AND date_order < e.day)
              FROM unnest(%(ends)s::date[]) AS e(day)
             ORDER BY e.day
            """,
            {"company": company, "ends": ends},
        )
        rows = [(_d(stock), _d(sales)) for _day, stock, sales in self.env.cr.fetchall()]

        def growth(new, old):
            return (new - old) / old if old else (Decimal(1) if new > 0 else Decimal(0))

        weeks = [
            (growth(rows[i][0], rows[i - 1][0]), growth(rows[i][1], rows[i - 1][1]))
            for i in range(2, len(rows))
        ]
        if len(weeks) == 4 and all(
            g_stock > max(g_sales, 0) for g_stock, g_sales in weeks
        ):
            return [
                (
                    self.env._("stock outgrowing sales %s", today),
                    self.env._(
                        "Stock value has grown faster than sales for 4 weeks: "
                        "%(stock)s now against %(before)s four weeks ago.",
                        stock=self._money(rows[-1][0]),
                        before=self._money(rows[1][0]),
                    ),
                )
            ]
        return []

    # ---- gathering

    def _compute_forecast(self):
        self.ensure_one()
        today = self.date
        start = today - timedelta(days=today.weekday())
        horizon = start + timedelta(weeks=WEEKS, days=-1)
        rated = self.with_context(forecast_rates={})
        flows = rated._gather(today, horizon)
        table = core.weekly_table(rated._opening(today), flows, start, WEEKS)
        self.env.cr.execute(
            "DELETE FROM marketplace_cash_forecast_flow WHERE forecast_id = %s",
            [self.id],
        )
        self.env.cr.execute(
            "DELETE FROM marketplace_cash_forecast_week WHERE forecast_id = %s",
            [self.id],
        )
        self._store_flows(flows, start)
        self._store_weeks(table, scenario=None)
        self.write(
            {
                "start": start,
                "computed_at": fields.Datetime.now(),
                "opening": float(table.rows[0].opening),
                "closing": float(table.rows[-1].closing),
                "lowest_week": table.lowest[0],
                "lowest": float(table.lowest[1]),
                "beyond": float(sum((f.amount for f in table.beyond), Decimal(0))),
            }
        )
        self.invalidate_recordset()

    def _to_company(self, amount, currency_id, day):
        """``amount`` of ``currency_id`` in the company's currency at ``day``'s
        rate, to the cent (rates read once per currency and day within a
        computation: ``_compute_forecast`` gives the cache in the context)."""
        company = self.company_id
        if not currency_id or currency_id == company.currency_id.id:
            return _d(amount)
        cache = self.env.context.get("forecast_rates")
        if cache is None:
            cache = {}
        if (currency_id, day) not in cache:
            cache[(currency_id, day)] = _d(
                self.env["res.currency"]._get_conversion_rate(
                    self.env["res.currency"].browse(currency_id),
                    company.currency_id,
                    company,
                    day,
                )
            )
        return (_d(amount) * cache[(currency_id, day)]).quantize(
            Decimal(1).scaleb(-company.currency_id.decimal_places), ROUND_HALF_UP
        )

    def _opening(self, today):
        """Balance of the company's bank journals (their accounts) at ``today``.

        A journal in another currency counts for its balance in that currency at
        today's rate (what it is worth now, as the foreign flows are), not for the
        value it was booked at."""
        company = self.company_id
        journals = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")]
        )
        foreign = {
            journal.default_account_id.id: journal.currency_id.id
            for journal in journals
            if journal.currency_id and journal.currency_id != company.currency_id
        }
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(
            """
            SELECT account_id, currency_id, sum(balance), sum(amount_currency)
              FROM account_move_line
             WHERE account_id = ANY(%s) AND parent_state = 'posted' AND date <= %s
               AND company_id = %s
             GROUP BY account_id, currency_id
            """,
            [journals.default_account_id.ids, today, company.id],
        )
        opening = Decimal(0)
        for account_id, currency_id, balance, amount_currency in self.env.cr.fetchall():
            if foreign.get(account_id) == currency_id:
                opening += self._to_company(amount_currency, currency_id, today)
            else:
                opening += _d(balance)
        return opening

    def _gather(self, today, horizon):
        """Every expected flow between today and the horizon (and beyond)."""
        for model in ("marketplace.transaction", "marketplace.payout", "sale.order"):
            self.env[model].flush_model()
        return (
            self._payout_flows(today, horizon)
            + self._invoice_flows(today)
            + self._purchase_flows(today)
            + self._advertising_flows(today, horizon)
            + self._vat_flows(today)
            + self._recurring_flows(today, horizon)
        )

    def _payout_flows(self, today, horizon):
        """Expected marketplace payouts per channel: open ledger lines, orders not
        settled yet (net of the channel's expected fees and returns), reserves
        held; payouts already announced land on their deposit date. Amounts in
        the company's currency at today's rate."""
        company = self.company_id
        channels = self.env["marketplace.channel"].search(
            [("company_id", "=", company.id)]
        )
        flows = []
        # Payouts announced, not yet in the bank.
        for payout in self.env["marketplace.payout"].search(
            [
                ("channel_id", "in", channels.ids),
                (
                    "date_deposit",
                    ">=",
                    fields.Datetime.to_datetime(today + timedelta(days=1)),
                ),
            ]
        ):
            flows.append(
                core.Flow(
                    payout.date_deposit.date(),
                    self._to_company(
                        payout.amount_computed, payout.currency_id.id, today
                    ),
                    "payouts",
                    payout.channel_id.id,
                    ("marketplace.payout", (payout.id,)),
                    TAGS["payouts"],
                )
            )
        receivables = defaultdict(list)
        # Open ledger lines (no payout yet), per channel, order and day.
        self.env.cr.execute(
            """
            SELECT t.channel_id, t.sale_order_id, t.posted_at::date, t.currency_id,
                   sum(t.amount)
              FROM marketplace_transaction t
             WHERE t.payout_id IS NULL AND t.channel_id = ANY(%s)
             GROUP BY 1, 2, 3, 4
            """,
            [channels.ids],
        )
        for channel_id, order_id, day, currency_id, amount in self.env.cr.fetchall():
            receivables[channel_id].append(
                core.Receivable(
                    self._to_company(amount, currency_id, today),
                    day or today,
                    channel_id,
                    order_id,
                    source="open",
                )
            )
        # Confirmed orders with no ledger line yet.
        self.env.cr.execute(
            """
            SELECT o.id, o.marketplace_channel_id, o.date_order::date,
                   o.effective_date::date, o.amount_total / coalesce(
                       nullif(o.currency_rate, 0), 1)
              FROM sale_order o
             WHERE o.marketplace_channel_id = ANY(%s) AND o.state = 'sale'
               AND NOT EXISTS (SELECT 1 FROM marketplace_transaction t
                                WHERE t.sale_order_id = o.id)
            """,
            [channels.ids],
        )
        rows = self.env.cr.fetchall()
        # The bank's closing days (TARGET2) of the horizon and the month after it
        # (a deposit lag runs a few days past the last close), once for all.
        holidays = core.bank_closing_days(today, horizon + timedelta(days=31))
        calendars = {
            channel.id: channel._payout_calendar(holidays) for channel in channels
        }
        rates = {channel.id: channel._forecast_rates() for channel in channels}
        for order_id, channel_id, ordered, shipped, amount in rows:
            fee_rate, return_rate = rates[channel_id]
            keep = (1 - fee_rate) * (1 - return_rate)
            receivables[channel_id].append(
                core.Receivable(
                    (_d(amount) * keep).quantize(Decimal("0.01")),
                    core.release_date(
                        calendars[channel_id], ordered, shipped, shipped, today
                    ),
                    channel_id,
                    order_id,
                )
            )
        # Reserves still held (in the channel's currency): each hold released
        # the channel's hold period after the day it was held (today if that
        # day is past), what is left of it after the earlier releases (first in,
        # first out).
        held = defaultdict(Decimal)
        for hold in channels._open_reserve_holds():
            channel = channels.browse(hold.channel_id)
            release = hold.day + timedelta(days=channel.payout_reserve_days)
            held[(channel, max(release, today))] += hold.open
        for (channel, release), amount in sorted(
            held.items(), key=lambda item: (item[0][0].id, item[0][1])
        ):
            receivables[channel.id].append(
                core.Receivable(
                    self._to_company(
                        amount.quantize(Decimal("0.01")), channel.currency_id.id, today
                    ),
                    release,
                    channel.id,
                    None,
                    source="reserve",
                )
            )
        for channel_id, items in receivables.items():
            payouts, beyond = core.expected_payouts(
                items, calendars[channel_id], today, horizon
            )
            for payout in payouts:
                if not payout.amount:
                    # A close under the minimum payout (carried to the next one)
                    # or netting to nothing: no money moves, no flow.
                    continue
                flows.append(
                    core.Flow(
                        payout.deposit,
                        payout.amount,
                        "payouts",
                        channel_id,
                        ("sale.order", tuple(r for r in payout.refs if r)),
                        TAGS["payouts"],
                    )
                )
            if beyond:
                flows.append(
                    core.Flow(
                        horizon + timedelta(days=1),
                        beyond,
                        "payouts",
                        channel_id,
                        None,
                        TAGS["payouts"],
                    )
                )
        return flows

    def _customer_delays(self):
        """{commercial partner: average days late} over the invoices paid in the
        last year (the payment date is the last reconciliation's)."""
        self.env.cr.execute(
            """
            SELECT partner_id, avg(late)
              FROM (
                SELECT am.commercial_partner_id AS partner_id,
                       max(p.max_date) - am.invoice_date_due AS late
                  FROM account_move am
                  JOIN account_move_line aml ON aml.move_id = am.id
                       AND aml.display_type = 'payment_term'
                  JOIN account_partial_reconcile p ON p.debit_move_id = aml.id
                 WHERE am.company_id = %s AND am.move_type = 'out_invoice'
                   AND am.payment_state IN ('paid', 'in_payment')
                   AND am.invoice_date_due >= %s
                 GROUP BY am.id
              ) invoices
             GROUP BY partner_id
            """,
            [self.company_id.id, self.date - timedelta(days=365)],
        )
        return {partner: _d(round(late, 2)) for partner, late in self.env.cr.fetchall()}

    def _invoice_flows(self, today):
        """Open customer invoices by due date shifted by the customer's observed
        delay (disputed ones excluded), open supplier bills by due date.

        Each installment (payment term line) on its own due date, for what is left
        of it: a 30 % / 70 % invoice is two receipts, not one at the last due date.
        An installment in another currency is expected at today's rate (what the
        bank will get), not at the invoice's: as the ledger lines and the purchases
        are."""
        self.env["account.move"].flush_model()
        self.env["account.move.line"].flush_model()
        delays = self._customer_delays()
        # Read before the query: a field read may run one on the same cursor.
        own = self.company_id.currency_id.id
        self.env.cr.execute(
            """
            SELECT am.id, am.move_type, am.commercial_partner_id,
                   coalesce(aml.date_maturity, am.invoice_date_due, am.invoice_date,
                            am.date),
                   aml.currency_id, aml.amount_residual_currency
              FROM account_move am
              JOIN account_move_line aml ON aml.move_id = am.id
                   AND aml.display_type = 'payment_term'
             WHERE am.company_id = %s AND am.state = 'posted'
               AND am.move_type IN ('out_invoice', 'out_refund', 'in_invoice',
                                    'in_refund')
               AND am.payment_state IN ('not_paid', 'partial')
               AND am.cash_dispute IS NOT TRUE
               AND aml.amount_residual_currency <> 0
            """,
            [self.company_id.id],
        )
        # One flow per day and source (the documents' ids kept for the drill-down):
        # 100k open documents make a few thousand flows.
        shifts = {
            partner: (core.shift_by_delay(today, delay) - today).days
            for partner, delay in delays.items()
        }
        grouped = defaultdict(lambda: [Decimal(0), {}])
        for (
            move_id,
            move_type,
            partner,
            due,
            currency_id,
            residual,
        ) in self.env.cr.fetchall():
            if move_type.startswith("out"):
                day = due + timedelta(days=shifts.get(partner, 0))
                source = "customers"
            else:
                day, source = due, "suppliers"
            entry = grouped[(max(day, today), source)]
            # The company's currency without a call per row (100k rows here).
            entry[0] += (
                _d(residual)
                if currency_id == own
                else self._to_company(residual, currency_id, today)
            )
            entry[1][move_id] = None
        return [
            core.Flow(
                day,
                amount,
                source,
                None,
                ("account.move", tuple(ids)),
                TAGS.get(source, frozenset()),
            )
            for (day, source), (amount, ids) in sorted(grouped.items())
        ]

    def _purchase_flows(self, today):
        """Confirmed purchases not billed yet: an expected bill at the receipt
        (done, else planned) plus the vendor's payment terms (their longest line).
        Only with the Purchase app.

        Not billed: not on a posted bill. Odoo's ``qty_invoiced`` also counts the
        bills still in draft, which are not in the supplier bills (posted ones
        only): their units stay expected here."""
        if "purchase.order.line" not in self.env:
            return []
        drafts = self._draft_billed_quantities()
        # Orders billed in full are skipped in the search (years of them on a
        # live database), unless part of that is a bill still in draft.
        lines = self.env["purchase.order.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("order_id.state", "in", ("purchase", "done")),
                ("display_type", "=", False),
                "|",
                ("order_id.invoice_status", "!=", "invoiced"),
                ("id", "in", [line.id for line in drafts]),
            ]
        )
        flows = []
        for line in lines:
            to_bill = line.product_qty - line.qty_invoiced + drafts.get(line, 0.0)
            if to_bill <= 0 or not line.product_qty:
                continue
            order = line.order_id
            receipt = (order.effective_date or line.date_planned).date()
            terms = order.payment_term_id.line_ids
            days = max(terms.mapped("nb_days") or [0])
            amount = line.price_total / line.product_qty * to_bill
            amount = order.currency_id._convert(
                amount, self.company_id.currency_id, self.company_id, today
            )
            flows.append(
                core.Flow(
                    max(core.expected_bill_date(receipt, days), today),
                    -_d(round(amount, 2)),
                    "purchases",
                    None,
                    ("purchase.order", (order.id,)),
                    TAGS["purchases"],
                )
            )
        return flows

    def _draft_billed_quantities(self):
        """{purchase line: quantity on draft bills net of draft refunds, in the
        line's unit}: two grouped reads of the company's draft bill lines."""
        drafts = defaultdict(float)
        for move_type, sign in (("in_invoice", 1), ("in_refund", -1)):
            for line, uom, quantity in self.env["account.move.line"]._read_group(
                [
                    ("company_id", "=", self.company_id.id),
                    ("purchase_line_id", "!=", False),
                    ("parent_state", "=", "draft"),
                    ("move_id.move_type", "=", move_type),
                ],
                ["purchase_line_id", "product_uom_id"],
                ["quantity:sum"],
            ):
                if uom and uom != line.product_uom:
                    quantity = uom._compute_quantity(quantity, line.product_uom)
                drafts[line] += sign * quantity
        return drafts

    def _advertising_flows(self, today, horizon):
        """Each channel's advertising run-rate (its last 28 days, per week), every
        Monday of the horizon."""
        self.env.cr.execute(
            """
            SELECT t.channel_id, t.currency_id, sum(t.amount)
              FROM marketplace_transaction t
              JOIN marketplace_channel c ON c.id = t.channel_id
             WHERE c.company_id = %s AND t.category = 'advertising'
               AND t.posted_at >= %s AND t.posted_at < %s
             GROUP BY t.channel_id, t.currency_id
            """,
            [self.company_id.id, today - timedelta(days=28), today],
        )
        spent = defaultdict(Decimal)
        for channel_id, currency_id, amount in self.env.cr.fetchall():
            spent[channel_id] += self._to_company(amount, currency_id, today)
        flows = []
        monday = today + timedelta(days=(7 - today.weekday()) % 7)
        for channel_id, amount in spent.items():
            weekly = (amount / 4).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            day = monday
            while day <= horizon and weekly:
                flows.append(
                    core.Flow(
                        day,
                        weekly,
                        "advertising",
                        channel_id,
                        ("marketplace.channel", (channel_id,)),
                        TAGS["advertising"],
                    )
                )
                day += timedelta(days=7)
        return flows

    def _vat_flows(self, today):
        """The VAT still to pay: each period's balance of the tax accounts (VAT
        collected, a credit, minus VAT deductible, a debit), paid on the company's
        VAT day of the month after the period (French CA3: the VAT of month M in
        M+1). The open period counts for its balance so far; the previous one
        while its payment day is still to come (after it, it is taken as paid).
        A period in credit pays nothing (and is not carried to the next one)."""
        company = self.company_id
        months = 3 if company.cash_vat_periodicity == "quarterly" else 1
        first = today.replace(day=1, month=(today.month - 1) // months * months + 1)
        # The period before: ``months`` back, its payment month is ``first``'s.
        back = first.year * 12 + first.month - 1 - months
        previous = first.replace(year=back // 12, month=back % 12 + 1)
        accounts = (
            self.env["account.tax"]
            .search([("company_id", "=", company.id)])
            .invoice_repartition_line_ids.account_id
        )
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(
            """
            SELECT coalesce(sum(balance) FILTER (WHERE date < %s), 0),
                   coalesce(sum(balance) FILTER (WHERE date >= %s), 0)
              FROM account_move_line
             WHERE account_id = ANY(%s) AND parent_state = 'posted'
               AND date >= %s AND date <= %s AND company_id = %s
            """,
            [first, first, accounts.ids, previous, today, company.id],
        )
        balances = [_d(balance) for balance in self.env.cr.fetchone()]
        vat_day = min(company.cash_vat_day or 24, 28)
        flows = []
        for period, balance in zip((previous, first), balances, strict=True):
            due = core.occurrences(
                period, period + timedelta(days=31 * months + 31), "monthly", months
            )[1].replace(day=vat_day)
            if balance < 0 and due >= today:  # a credit: nothing to pay
                flows.append(
                    core.Flow(
                        due,
                        balance,
                        "vat",
                        None,
                        ("account.account", tuple(accounts.ids)),
                    )
                )
        return flows

    def _recurring_flows(self, today, horizon):
        flows = []
        for item in self.env["marketplace.cash.recurring"].search(
            [("company_id", "=", self.company_id.id)]
        ):
            end = min(item.date_end or horizon, horizon)
            for day in core.occurrences(today, end, item.frequency, 1, item.date_start):
                flows.append(
                    core.Flow(
                        day,
                        _d(item.amount),
                        "recurring",
                        None,
                        ("marketplace.cash.recurring", (item.id,)),
                    )
                )
        return flows

    # ---- storing

    def _store_flows(self, flows, start, scenario=None):
        copy_rows(
            self.env.cr,
            "marketplace_cash_forecast_flow",
            (
                "forecast_id",
                "scenario_id",
                "company_id",
                "day",
                "week",
                "amount",
                "source",
                "channel_id",
                "res_model",
                "res_ids",
                "tags",
            ),
            (
                (
                    self.id,
                    scenario.id if scenario else None,
                    self.company_id.id,
                    flow.day,
                    max((flow.day - start).days // 7 + 1, 1),
                    flow.amount,
                    flow.source,
                    flow.channel,
                    flow.ref[0] if flow.ref else None,
                    json.dumps(list(flow.ref[1])) if flow.ref and flow.ref[1] else None,
                    ",".join(sorted(flow.tags)) or None,
                )
                for flow in flows
            ),
        )

    def _base_flows(self):
        """The stored base flows, as the core sees them (for the scenarios)."""
        self.env.cr.execute(
            """
            SELECT day, amount, source, channel_id, res_model, res_ids, tags
              FROM marketplace_cash_forecast_flow
             WHERE forecast_id = %s AND scenario_id IS NULL
            """,
            [self.id],
        )
        return [
            core.Flow(
                day,
                _d(amount),
                source,
                channel,
                (model, tuple(json.loads(ids))) if model and ids else None,
                frozenset(tags.split(",")) if tags else frozenset(),
            )
            for day, amount, source, channel, model, ids, tags in (
                self.env.cr.fetchall()
            )
        ]

    def _store_weeks(self, table, scenario):
        sources = [source for source, _label in SOURCES]
        copy_rows(
            self.env.cr,
            "marketplace_cash_forecast_week",
            (
                "forecast_id",
                "company_id",
                "scenario_id",
                "scenario_name",
                "week",
                "date_start",
                "opening",
                "total_in",
                "total_out",
                "closing",
                *(f"amount_{source}" for source in sources),
            ),
            (
                (
                    self.id,
                    self.company_id.id,
                    scenario.id if scenario else None,
                    scenario.name if scenario else self.env._("Base"),
                    row.week,
                    row.start,
                    row.opening,
                    row.total_in,
                    row.total_out,
                    row.closing,
                    *(
                        row.inflows.get(source, 0) + row.outflows.get(source, 0)
                        for source in sources
                    ),
                )
                for row in table.rows
            ),
        )
        self.env["marketplace.cash.forecast.week"].invalidate_model()
        self.env["marketplace.cash.forecast.flow"].invalidate_model()


class MarketplaceCashForecastFlow(models.Model):
    _name = "marketplace.cash.forecast.flow"
    _description = "Expected Cash Flow"
    _order = "day, id"
    _log_access = False

    forecast_id = fields.Many2one(
        "marketplace.cash.forecast", required=True, ondelete="cascade", index=True
    )
    scenario_id = fields.Many2one("marketplace.cash.scenario", ondelete="cascade")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    day = fields.Date(readonly=True)
    week = fields.Integer(readonly=True, aggregator=None)
    amount = fields.Monetary(readonly=True)
    source = fields.Selection(SOURCES, readonly=True)
    channel_id = fields.Many2one("marketplace.channel", readonly=True)
    res_model = fields.Char(readonly=True)
    res_ids = fields.Char(readonly=True)
    tags = fields.Char(readonly=True)

    def action_open_records(self):
        """The records behind these flows."""
        by_model = defaultdict(set)
        for flow in self:
            if flow.res_model and flow.res_ids:
                by_model[flow.res_model].update(json.loads(flow.res_ids))
        if len(by_model) != 1:
            return False
        model, ids = next(iter(by_model.items()))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Behind the forecast"),
            "res_model": model,
            "domain": [("id", "in", sorted(ids))],
            "views": [(False, "list"), (False, "form")],
        }


class MarketplaceCashForecastWeek(models.Model):
    _name = "marketplace.cash.forecast.week"
    _description = "Cash Forecast Week"
    _order = "scenario_id desc, week"
    _log_access = False

    forecast_id = fields.Many2one(
        "marketplace.cash.forecast", required=True, ondelete="cascade", index=True
    )
    scenario_id = fields.Many2one("marketplace.cash.scenario", ondelete="cascade")
    scenario_name = fields.Char(string="Scenario Label", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    week = fields.Integer(readonly=True, aggregator=None)
    date_start = fields.Date(string="Week Of", readonly=True)
    opening = fields.Monetary(readonly=True, aggregator=None)
    amount_payouts = fields.Monetary(string="Marketplace Payouts", readonly=True)
    amount_customers = fields.Monetary(string="Customers", readonly=True)
    amount_suppliers = fields.Monetary(string="Supplier Bills", readonly=True)
    amount_purchases = fields.Monetary(string="Purchases Not Billed", readonly=True)
    amount_advertising = fields.Monetary(string="Advertising", readonly=True)
    amount_vat = fields.Monetary(string="VAT", readonly=True)
    amount_recurring = fields.Monetary(string="Recurring", readonly=True)
    amount_one_off = fields.Monetary(string="One-Off", readonly=True)
    total_in = fields.Monetary(readonly=True)
    total_out = fields.Monetary(readonly=True)
    closing = fields.Monetary(readonly=True, aggregator=None)

    def action_open_flows(self):
        """Drill down from a week (and a source, in the context) to its flows."""
        self.ensure_one()
        domain = [
            ("forecast_id", "=", self.forecast_id.id),
            ("scenario_id", "=", self.scenario_id.id),
            ("week", "=", self.week),
        ]
        if self.env.context.get("forecast_source"):
            domain.append(("source", "=", self.env.context["forecast_source"]))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Week %s", self.week),
            "res_model": "marketplace.cash.forecast.flow",
            "domain": domain,
            "views": [(False, "list")],
        }


class MarketplaceCashVariance(models.Model):
    """Forecast against actual, per channel and week: what the week's Monday
    forecast expected the channel to pay out that week, and what came."""

    _name = "marketplace.cash.variance"
    _description = "Payout Forecast Variance"
    _auto = False
    _order = "week_start desc, channel_id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    channel_id = fields.Many2one("marketplace.channel", readonly=True)
    week_start = fields.Date(string="Week Of", readonly=True)
    expected = fields.Monetary(readonly=True)
    actual = fields.Monetary(readonly=True)
    difference = fields.Monetary(readonly=True, help="Actual minus expected.")
    expected_day = fields.Date(string="First Expected Deposit", readonly=True)
    actual_day = fields.Date(string="First Actual Deposit", readonly=True)
    delay_days = fields.Integer(
        readonly=True, aggregator="avg", help="First actual minus first expected."
    )

    def init(self):
        self.env.cr.execute(
            """
            CREATE OR REPLACE VIEW marketplace_cash_variance AS (
                WITH mondays AS (
                    SELECT DISTINCT company_id, date AS week_start
                      FROM marketplace_cash_forecast
                     WHERE extract(isodow FROM date) = 1
                ), expected AS (
                    SELECT f.company_id, fl.channel_id, f.date AS week_start,
                           sum(fl.amount) AS amount, min(fl.day) AS first_day
                      FROM marketplace_cash_forecast f
                      JOIN marketplace_cash_forecast_flow fl
                        ON fl.forecast_id = f.id AND fl.scenario_id IS NULL
                       AND fl.source = 'payouts'
                     WHERE extract(isodow FROM f.date) = 1
                       AND fl.day BETWEEN f.date AND f.date + 6
                     GROUP BY f.company_id, fl.channel_id, f.date
                ), actual AS (
                    -- in the company's currency at the deposit date's rates
                    -- (Odoo's: the latest on or before, the company's own first)
                    SELECT c.company_id, p.channel_id,
                           date_trunc('week', p.date_deposit)::date AS week_start,
                           round(sum(CASE
                               WHEN p.currency_id IS NULL
                                 OR p.currency_id = co.currency_id
                               THEN p.amount_computed
                               ELSE p.amount_computed * coalesce(own.rate, 1)
                                    / coalesce(other.rate, 1)
                           END), 2) AS amount,
                           min(p.date_deposit)::date AS first_day
                      FROM marketplace_payout p
                      JOIN marketplace_channel c ON c.id = p.channel_id
                      JOIN res_company co ON co.id = c.company_id
                      LEFT JOIN LATERAL (
                          SELECT r.rate FROM res_currency_rate r
                           WHERE r.currency_id = p.currency_id
                             AND r.name <= p.date_deposit::date
                             AND (r.company_id = co.id OR r.company_id IS NULL)
                           ORDER BY r.company_id IS NULL, r.name DESC LIMIT 1
                      ) other ON p.currency_id <> co.currency_id
                      LEFT JOIN LATERAL (
                          SELECT r.rate FROM res_currency_rate r
                           WHERE r.currency_id = co.currency_id
                             AND r.name <= p.date_deposit::date
                             AND (r.company_id = co.id OR r.company_id IS NULL)
                           ORDER BY r.company_id IS NULL, r.name DESC LIMIT 1
                      ) own ON p.currency_id <> co.currency_id
                     WHERE p.date_deposit IS NOT NULL
                     GROUP BY c.company_id, p.channel_id, 3
                )
                SELECT row_number() OVER (ORDER BY m.week_start, ch.channel_id) AS id,
                       m.company_id, ch.channel_id, m.week_start,
                       coalesce(e.amount, 0) AS expected,
                       coalesce(a.amount, 0) AS actual,
                       coalesce(a.amount, 0) - coalesce(e.amount, 0) AS difference,
                       e.first_day AS expected_day, a.first_day AS actual_day,
                       a.first_day - e.first_day AS delay_days
                  FROM mondays m
                  JOIN (SELECT company_id, week_start, channel_id FROM expected
                        UNION
                        SELECT company_id, week_start, channel_id FROM actual) ch
                    ON ch.company_id = m.company_id AND ch.week_start = m.week_start
                  LEFT JOIN expected e ON e.company_id = m.company_id
                       AND e.week_start = m.week_start AND e.channel_id = ch.channel_id
                  LEFT JOIN actual a ON a.company_id = m.company_id
                       AND a.week_start = m.week_start AND a.channel_id = ch.channel_id
            )
            """
        )
