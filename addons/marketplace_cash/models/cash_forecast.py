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
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import forecast as core
from .sql_copy import copy_rows

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
            forecast.name = self.env._("Cash forecast %s", forecast.date or "")

    @api.constrains("scenario_ids")
    def _check_scenarios(self):
        if any(len(forecast.scenario_ids) > 4 for forecast in self):
            raise ValidationError(self.env._("Compare at most four scenarios."))

    @api.model
    def _cron_compute(self):
        """Every day: each company's forecast from today."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([("active", "=", True)]):
            forecast = self.search(
                [("company_id", "=", company.id)], order="date desc, id desc", limit=1
            ) or self.create({"company_id": company.id, "date": today})
            forecast.with_company(company).write({"date": today})
            forecast.with_company(company).action_compute()

    def action_compute(self):
        for forecast in self:
            forecast._compute_forecast()
            for scenario in forecast.scenario_ids:
                scenario._compute_on(forecast)
        return True

    # ---- gathering

    def _compute_forecast(self):
        self.ensure_one()
        today = self.date
        start = today - timedelta(days=today.weekday())
        horizon = start + timedelta(weeks=WEEKS, days=-1)
        flows = self._gather(today, horizon)
        table = core.weekly_table(self._opening(today), flows, start, WEEKS)
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

    def _opening(self, today):
        """Balance of the company's bank journals (their accounts) at ``today``."""
        journals = self.env["account.journal"].search(
            [("company_id", "=", self.company_id.id), ("type", "=", "bank")]
        )
        accounts = journals.default_account_id
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(
            """
            SELECT coalesce(sum(balance), 0) FROM account_move_line
             WHERE account_id = ANY(%s) AND parent_state = 'posted' AND date <= %s
               AND company_id = %s
            """,
            [accounts.ids, today, self.company_id.id],
        )
        return _d(self.env.cr.fetchone()[0])

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
        held; payouts already announced land on their deposit date."""
        company = self.company_id
        channels = self.env["marketplace.channel"].search(
            [("company_id", "=", company.id)]
        )
        flows = []
        # Payouts announced, not yet in the bank.
        for payout in self.env["marketplace.payout"].search(
            [
                ("channel_id", "in", channels.ids),
                ("date_deposit", ">", fields.Datetime.now()),
            ]
        ):
            flows.append(
                core.Flow(
                    payout.date_deposit.date(),
                    _d(payout.amount_computed),
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
            SELECT t.channel_id, t.sale_order_id, t.posted_at::date, sum(t.amount)
              FROM marketplace_transaction t
             WHERE t.payout_id IS NULL AND t.channel_id = ANY(%s)
             GROUP BY 1, 2, 3
            """,
            [channels.ids],
        )
        settled_orders = set()
        for channel_id, order_id, day, amount in self.env.cr.fetchall():
            settled_orders.add(order_id)
            receivables[channel_id].append(
                core.Receivable(
                    _d(amount), day or today, channel_id, order_id, source="open"
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
        by_id = {channel.id: channel for channel in channels}
        calendars = {channel.id: channel._payout_calendar() for channel in channels}
        for order_id, channel_id, ordered, shipped, amount in rows:
            channel = by_id[channel_id]
            keep = (1 - _d(channel.forecast_fee_rate)) * (
                1 - _d(channel.forecast_return_rate)
            )
            receivables[channel_id].append(
                core.Receivable(
                    (_d(amount) * keep).quantize(Decimal("0.01")),
                    core.release_date(calendars[channel_id], ordered, shipped, shipped),
                    channel_id,
                    order_id,
                )
            )
        # Reserves still held, released after the channel's hold period.
        for channel in channels:
            if channel.reserve_balance > 0:
                receivables[channel.id].append(
                    core.Receivable(
                        _d(channel.reserve_balance).quantize(Decimal("0.01")),
                        today + timedelta(days=channel.payout_reserve_days),
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
        delay (disputed ones excluded), open supplier bills by due date."""
        self.env["account.move"].flush_model()
        delays = self._customer_delays()
        self.env.cr.execute(
            """
            SELECT am.id, am.move_type, am.commercial_partner_id,
                   coalesce(am.invoice_date_due, am.invoice_date, am.date),
                   am.amount_residual_signed
              FROM account_move am
             WHERE am.company_id = %s AND am.state = 'posted'
               AND am.move_type IN ('out_invoice', 'out_refund', 'in_invoice',
                                    'in_refund')
               AND am.payment_state IN ('not_paid', 'partial')
               AND am.cash_dispute IS NOT TRUE
               AND am.amount_residual_signed <> 0
            """,
            [self.company_id.id],
        )
        flows = []
        for move_id, move_type, partner, due, residual in self.env.cr.fetchall():
            if move_type.startswith("out"):
                day = core.shift_by_delay(due, delays.get(partner, Decimal(0)))
                source, tags = "customers", frozenset()
            else:
                day, source, tags = due, "suppliers", TAGS["suppliers"]
            flows.append(
                core.Flow(
                    max(day, today),
                    _d(residual),
                    source,
                    None,
                    ("account.move", (move_id,)),
                    tags,
                )
            )
        return flows

    def _purchase_flows(self, today):
        """Confirmed purchases not billed yet: an expected bill at the receipt
        (done, else planned) plus the vendor's payment terms (their longest line).
        Only with the Purchase app."""
        if "purchase.order.line" not in self.env:
            return []
        lines = self.env["purchase.order.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("order_id.state", "in", ("purchase", "done")),
                ("display_type", "=", False),
            ]
        )
        flows = []
        for line in lines:
            to_bill = line.product_qty - line.qty_invoiced
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

    def _advertising_flows(self, today, horizon):
        """Each channel's advertising run-rate (its last 28 days, per week), every
        Monday of the horizon."""
        self.env.cr.execute(
            """
            SELECT t.channel_id, sum(t.amount)
              FROM marketplace_transaction t
              JOIN marketplace_channel c ON c.id = t.channel_id
             WHERE c.company_id = %s AND t.category = 'advertising'
               AND t.posted_at >= %s AND t.posted_at < %s
             GROUP BY t.channel_id
            """,
            [self.company_id.id, today - timedelta(days=28), today],
        )
        flows = []
        monday = today + timedelta(days=(7 - today.weekday()) % 7)
        for channel_id, amount in self.env.cr.fetchall():
            weekly = (_d(amount) / 4).quantize(Decimal("0.01"))
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
        """The VAT of the open period (the balance of the tax accounts since the
        period began), paid on the company's VAT day of the following month."""
        company = self.company_id
        monthly = company.cash_vat_periodicity != "quarterly"
        months = 1 if monthly else 3
        first = today.replace(day=1)
        if not monthly:
            first = first.replace(month=(today.month - 1) // 3 * 3 + 1)
        accounts = (
            self.env["account.tax"]
            .search([("company_id", "=", company.id)])
            .invoice_repartition_line_ids.account_id
        )
        self.env.cr.execute(
            """
            SELECT coalesce(sum(balance), 0) FROM account_move_line
             WHERE account_id = ANY(%s) AND parent_state = 'posted'
               AND date >= %s AND date <= %s AND company_id = %s
            """,
            [accounts.ids, first, today, company.id],
        )
        balance = _d(self.env.cr.fetchone()[0])
        if balance >= 0:  # a VAT credit: nothing to pay
            return []
        due_month = core.occurrences(
            first, first + timedelta(days=31 * months + 31), "monthly", months, first
        )[1]
        day = due_month.replace(day=min(company.cash_vat_day or 24, 28))
        return [
            core.Flow(
                day,
                balance,
                "vat",
                None,
                ("account.account", tuple(accounts.ids)),
            )
        ]

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
                    (flow.day - start).days // 7 + 1,
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
    scenario_name = fields.Char(string="Scenario Name", readonly=True)
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
