# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The weekly cash dashboard: the 5-8 figures of the Monday cash meeting, each with
its 8-week trend and the records behind it.

Everything is read set-based: one grouped SQL query per table and kind of figure
(transactions, orders, journal items, valuation layers), the weeks as an ``unnest``
of their bounds joined to the rows, never a query per week, channel or record.

Weeks run Monday to Sunday in the user's timezone; the trends are the 8 weeks ending
with the current one (oldest first), whose flows are counted to date. Stock figures
(receivables, payables, stock value) are measured at the end of each week's Sunday,
and at the end of today for the current week. Amounts are in the company's currency:
ledger lines in another currency are converted per week and currency at the rate of
the week's last day.

Definitions (also in the module's readme):

- expected payouts D+N: the base flows of source "payouts" of the company's latest
  forecast dated in ``(today, today + N]``, per channel;
- reserves held: the channels' ``reserve_balance`` (holds not released yet);
- refunds this week: minus the sum of the ``refund`` lines posted this week;
  expected refunds: the orders not settled yet (confirmed marketplace orders without
  any ledger line, as the forecast sees them) x their channel's expected return rate;
- disputes at risk: minus the sum of the ``dispute`` and ``dispute_fee`` lines posted
  in the 90 days ending today;
- ad spend: minus the sum of the ``advertising`` lines posted in the week;
- stock: the latest computed or validated snapshot's valuation, its slow movers'
  overstock value and the value of the movers idle for more than 90 days;
- cancellations: marketplace orders of the week (by order date) that are cancelled
  (an order keeps no cancellation date); late shipments: confirmed marketplace orders
  whose shipping deadline (order date + 2 days) fell in the week, already passed, and
  that were not delivered by then (no ``effective_date``, or a later one); penalties:
  ``other_fee`` and ``adjustment`` lines with a negative amount whose description
  contains "penal" in any case (Penalty, PENALIDAD; not the accented "pénalité"), as
  a positive amount;
- DSO = trade receivables (the balance of the receivable accounts) / customer
  invoices incl. tax of the 90 days up to the date x 90, the invoices under a
  dispute hold at the date left out of both; DPO = trade payables / vendor
  bills incl. tax of the 90 days x 90; DIO = stock value (valuation layers) / cost of
  the goods delivered to customers net of returns in the 90 days x 90; cash
  conversion cycle = DSO + DIO - DPO;
- recovery rate (``product.md``) = collected / invoiced in the week (up to today for
  the current week): cash received on customer invoices (their reconciliations with a
  payment, a statement line or an entry, not with another invoice or credit note,
  dated as Odoo's ``max_date``; money paid back on a credit note deducted) / the
  customer invoices incl. tax dated in the week, credit notes deducted: the
  receivables KPIs' definition (``core.receivables``), week by week;
- dispute rate (``product.md``) = disputed invoices / invoices issued in the week:
  the invoices under a dispute hold on a day of the week (``core.receivables``'s
  rule) / the customer invoices dated in the week;
- marketplace dispute rate: marketplace orders with a dispute line posted in the
  week / the marketplace orders placed in the week (not cancelled), as card networks
  count it.
"""

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from .sale_order import DISPUTE_CATEGORIES
from .stock_valuation_snapshot import PERIOD_DAYS

WEEKS = 8
HORIZONS = (7, 14, 30)
WINDOW_DAYS = 90  # DSO, DPO, DIO
DISPUTE_DAYS = 90
LATE_SHIPPING_DAYS = 2
SLOW_MOVER_DAYS = 90
PENALTY_CATEGORIES = ("other_fee", "adjustment")
PENALTY_PATTERN = "%penal%"
LEDGER_CATEGORIES = ("refund", "advertising", *DISPUTE_CATEGORIES, *PENALTY_CATEGORIES)
LIST_FORM = [[False, "list"], [False, "form"]]


def _d(value):
    return Decimal(str(value or 0))


def _ratio(numerator, denominator, factor=1, places=4):
    """``numerator / denominator x factor`` rounded, None without a denominator."""
    if not denominator:
        return None
    value = _d(numerator) / _d(denominator) * factor
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


class _Weeks:
    """The weeks of the trends (Monday to Sunday, the last one is this week), their
    bounds as naive UTC datetimes, and the date each stock figure is measured at.

    >>> weeks = _Weeks(datetime(2026, 11, 26).date(), pytz.utc, 2)
    >>> [str(d) for d in weeks.mondays], [str(d) for d in weeks.points]
    (['2026-11-16', '2026-11-23'], ['2026-11-22', '2026-11-26'])
    >>> str(weeks.starts[1]), str(weeks.ends[1])
    ('2026-11-23 00:00:00', '2026-11-30 00:00:00')
    """

    def __init__(self, today, tz, count=WEEKS):
        self.today = today
        self.tz = tz
        monday = today - timedelta(days=today.weekday())
        self.mondays = [monday - timedelta(weeks=count - 1 - i) for i in range(count)]
        self.points = [m + timedelta(days=6) for m in self.mondays[:-1]] + [today]
        self.starts = [self.utc(m) for m in self.mondays]
        self.ends = [self.utc(m + timedelta(days=7)) for m in self.mondays]

    def utc(self, day):
        """The start of ``day`` in the timezone, as a naive UTC datetime."""
        local = self.tz.localize(datetime.combine(day, time()))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def iso(self):
        return [day.isoformat() for day in self.mondays]


class MarketplaceCashDashboard(models.AbstractModel):
    _name = "marketplace.cash.dashboard"
    _description = "Weekly Cash Dashboard"

    def init(self):
        # The channels' reserve balances (the dashboard's reserves card, the
        # channel form) read every reserve line of their channels since the first
        # one: without this index, a scan of the whole ledger.
        create_index(
            self.env.cr,
            "marketplace_transaction_reserve_index",
            "marketplace_transaction",
            ["channel_id", "posted_at"],
            where="category IN ('reserve_hold', 'reserve_release')",
        )

    # ---- public API (the client action)

    @api.model
    def get_data(self, company_id=None):
        """Every figure of the dashboard of the current (or given allowed) company,
        as JSON: see the module docstring for the definitions."""
        company = self._dashboard_company(company_id)
        return self.with_company(company)._dashboard_data(company)

    @api.model
    def action_export_xlsx(self, company_id=None):
        """The XLSX of the company's latest forecast and of the dashboard (a
        forecast is computed first when the company has none)."""
        company = self._dashboard_company(company_id)
        forecast = self.with_company(company)._latest_forecast(company)
        if not forecast or not forecast.start:
            forecast = self.with_company(company)._compute_today_forecast(company)
        report = self.env.ref("marketplace_cash.cash_dashboard_xlsx")
        return report.report_action(forecast, config=False)

    @api.model
    def action_compute_forecast(self, company_id=None):
        """Compute today's forecast of the company (kept with the scenarios of the
        latest one), for a dashboard whose forecast is missing or old."""
        company = self._dashboard_company(company_id)
        self.with_company(company)._compute_today_forecast(company)
        return True

    # ---- hooks

    @api.model
    def _dashboard_margin_by_channel(self, date_from, date_to):
        """Realized net margin per channel between two dates (included): a list of
        ``{"channel_id", "name", "revenue", "margin", "rate", "action"}`` dicts
        (amounts in the company's currency, rate a fraction, action an
        ``ir.actions.act_window`` dict or False). Empty here: margin_alerts, which
        computes the realized margin, fills it when installed (for the users who
        may see net-net margins), by month of sale over the months the dates
        touch."""
        if "margin.realized" not in self.env or not self.env.user.has_group(
            "margin_alerts.group_margin_show"
        ):
            return []
        domain = [
            ("company_id", "=", self.env.company.id),
            ("month", ">=", date_from.replace(day=1)),
            ("month", "<=", date_to),
            ("channel_id", "!=", False),
        ]
        rows = []
        for channel, revenue, margin in self.env["margin.realized"]._read_group(
            domain, ["channel_id"], ["revenue:sum", "net_margin:sum"]
        ):
            rows.append(
                {
                    "channel_id": channel.id,
                    "name": channel.display_name,
                    "revenue": revenue,
                    "margin": margin,
                    "rate": margin / revenue if revenue else 0.0,
                    "action": {
                        "type": "ir.actions.act_window",
                        "name": channel.display_name,
                        "res_model": "margin.realized",
                        "domain": [*domain[:3], ("channel_id", "=", channel.id)],
                        "views": [[False, "list"], [False, "pivot"]],
                    },
                }
            )
        return rows

    # ---- helpers

    def _dashboard_company(self, company_id):
        """The company asked for, checked: cash managers only, an allowed company."""
        if not self.env.user.has_group("marketplace_cash.group_cash_manager"):
            raise AccessError(
                self.env._("Only cash and finance managers see the cash dashboard.")
            )
        company = (
            self.env["res.company"].browse(company_id)
            if company_id
            else self.env.company
        )
        if company not in self.env.companies:
            raise AccessError(
                self.env._("You cannot see the cash dashboard of this company.")
            )
        return company

    def _latest_forecast(self, company):
        return self.env["marketplace.cash.forecast"].search(
            [("company_id", "=", company.id)], order="date desc, id desc", limit=1
        )

    def _compute_today_forecast(self, company):
        Forecast = self.env["marketplace.cash.forecast"]
        today = fields.Date.context_today(self)
        latest = self._latest_forecast(company)
        forecast = latest if latest.date == today else Forecast.browse()
        if not forecast:
            forecast = Forecast.create(
                {
                    "company_id": company.id,
                    "date": today,
                    "scenario_ids": [fields.Command.set(latest.scenario_ids.ids)],
                }
            )
        forecast.action_compute()
        return forecast

    def _tz(self):
        return pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

    def _action(self, name, model, domain):
        """An act_window dict to the records behind a figure."""
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": domain,
            "views": LIST_FORM,
            "context": {},
        }

    def _money(self, company, value):
        return company.currency_id.round(float(value or 0))

    def _convert(self, company, amounts, day):
        """``amounts`` ({currency id: amount}) in the company's currency at ``day``."""
        total = 0.0
        for currency_id, amount in amounts.items():
            currency = self.env["res.currency"].browse(currency_id)
            if currency == company.currency_id or not currency:
                total += float(amount or 0)
            else:
                total += currency._convert(
                    float(amount or 0), company.currency_id, company, day, round=False
                )
        return company.currency_id.round(total)

    @staticmethod
    def _dt(value):
        return fields.Datetime.to_string(value)

    # ---- the figures

    def _dashboard_data(self, company, forecast=None):
        """The dashboard of ``company``; payouts from ``forecast`` (default: the
        company's latest)."""
        for model in (
            "marketplace.transaction",
            "sale.order",
            "account.move",
            "account.move.line",
            "account.partial.reconcile",
            "stock.valuation.layer",
            "marketplace.cash.forecast.flow",
        ):
            self.env[model].flush_model()
        today = fields.Date.context_today(self)
        weeks = _Weeks(today, self._tz())
        channels = (
            self.env["marketplace.channel"]
            .with_context(active_test=False)
            .search([("company_id", "=", company.id)])
        )
        forecast = forecast or self._latest_forecast(company)
        kpis = {}
        payouts = self._payout_kpis(company, forecast, channels, today, kpis)
        reserves = self._reserve_kpis(company, channels, today, kpis)
        self._ledger_kpis(company, channels, weeks, kpis)
        self._order_kpis(company, channels, weeks, kpis)
        self._stock_kpis(company, kpis)
        self._finance_kpis(company, weeks, kpis)
        margin = self._dashboard_margin_by_channel(
            weeks.mondays[0], weeks.mondays[-1] + timedelta(days=6)
        )
        return {
            "company_id": company.id,
            "company_name": company.name,
            "currency_id": company.currency_id.id,
            "today": today.isoformat(),
            "weeks": weeks.iso(),
            "forecast": self._forecast_info(forecast, today),
            "payouts": payouts,
            "reserves": reserves,
            "margin": margin,
            "kpis": kpis,
            "sections": self._sections(),
        }

    def _sections(self):
        return [
            {
                "key": "payouts",
                "title": self.env._("Expected payouts"),
                "kpis": ["payouts_7", "payouts_14", "payouts_30", "reserves"],
            },
            {
                "key": "refunds",
                "title": self.env._("Refunds, disputes and advertising"),
                "kpis": [
                    "refunds_week",
                    "refunds_expected",
                    "disputes_at_risk",
                    "order_dispute_rate",
                    "ad_spend",
                ],
            },
            {
                "key": "working_capital",
                "title": self.env._("Working capital"),
                "kpis": [
                    "dso",
                    "dpo",
                    "dio",
                    "ccc",
                    "recovery_rate",
                    "dispute_rate",
                ],
            },
            {
                "key": "stock",
                "title": self.env._("Stock immobilized"),
                "kpis": ["stock_value", "stock_overstock", "stock_slow", "stock_dio"],
            },
            {
                "key": "incidents",
                "title": self.env._("Operational incidents this week"),
                "kpis": ["cancellations", "late_shipments", "penalties"],
            },
        ]

    def _kpi(self, label, unit, value, action=False, trend=None, help_text=""):
        return {
            "label": label,
            "unit": unit,
            "value": value,
            "trend": trend,
            "action": action or False,
            "help": help_text,
        }

    def _forecast_info(self, forecast, today):
        if not forecast:
            return False
        return {
            "id": forecast.id,
            "name": forecast.name,
            "date": forecast.date.isoformat(),
            "computed": bool(forecast.start),
            "stale": forecast.date < today or not forecast.start,
            "action": self._action(
                forecast.name,
                "marketplace.cash.forecast",
                [("id", "=", forecast.id)],
            ),
        }

    # ---- (1) expected payouts

    def _payout_kpis(self, company, forecast, channels, today, kpis):
        """D+7/D+14/D+30 from the forecast's base payout flows, per channel (the
        active channels, and the archived ones that still expect a payout)."""
        by_channel = self._payout_sums(forecast, today)
        rows = []
        for channel in channels.filtered(lambda c: c.active or c.id in by_channel):
            amounts = by_channel.get(channel.id, dict.fromkeys(HORIZONS, 0))
            cells = [
                {
                    "value": self._money(company, amounts[n]),
                    "action": self._flows_action(forecast, today, n, channel),
                }
                for n in HORIZONS
            ]
            rows.append(
                {"channel_id": channel.id, "name": channel.display_name, "cells": cells}
            )
        totals = []
        for n in HORIZONS:
            value = self._money(company, sum(a[n] for a in by_channel.values()))
            action = self._flows_action(forecast, today, n)
            totals.append({"value": value, "action": action})
            kpis[f"payouts_{n}"] = self._kpi(
                self.env._("Payouts by D+%(days)s", days=n),
                "money",
                value,
                action,
                help_text=self.env._(
                    "Marketplace payouts the latest forecast expects in the next "
                    "%(days)s days.",
                    days=n,
                ),
            )
        return {"horizons": list(HORIZONS), "rows": rows, "totals": totals}

    def _payout_sums(self, forecast, today):
        """{channel id: {n: payouts deposited in (today, today + n]}}."""
        if not forecast:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT f.channel_id, %(columns)s
                  FROM marketplace_cash_forecast_flow f
                 WHERE f.forecast_id = %(forecast)s AND f.scenario_id IS NULL
                   AND f.source = 'payouts'
                   AND f.day > %(today)s AND f.day <= %(last)s
                 GROUP BY f.channel_id
                """,
                columns=SQL(", ").join(
                    SQL(
                        "coalesce(sum(f.amount) FILTER (WHERE f.day <= %s), 0)",
                        today + timedelta(days=n),
                    )
                    for n in HORIZONS
                ),
                forecast=forecast.id,
                today=today,
                last=today + timedelta(days=max(HORIZONS)),
            )
        )
        return {
            channel_id: dict(zip(HORIZONS, amounts, strict=True))
            for channel_id, *amounts in self.env.cr.fetchall()
        }

    def _flows_action(self, forecast, today, days, channel=None):
        """The forecast's payout flows of the next ``days`` days (of a channel)."""
        if not forecast:
            return False
        domain = [
            ("forecast_id", "=", forecast.id),
            ("scenario_id", "=", False),
            ("source", "=", "payouts"),
            ("day", ">", today.isoformat()),
            ("day", "<=", (today + timedelta(days=days)).isoformat()),
        ]
        name = self.env._("Payouts expected by D+%(days)s", days=days)
        if channel:
            domain.append(("channel_id", "=", channel.id))
            name = f"{name} - {channel.display_name}"
        return self._action(name, "marketplace.cash.forecast.flow", domain)

    # ---- (2) reserves

    def _reserve_kpis(self, company, channels, today, kpis):
        """The reserves still held per channel (first-in first-out of the holds
        and releases), in the company's currency."""
        rows, total = [], 0.0
        for channel in channels:
            balance = channel.reserve_balance
            if not balance:
                continue
            value = self._convert(company, {channel.currency_id.id: balance}, today)
            total += value
            rows.append(
                {
                    "channel_id": channel.id,
                    "name": channel.display_name,
                    "value": value,
                    "action": self._reserve_action(channel),
                }
            )
        kpis["reserves"] = self._kpi(
            self.env._("Reserves held"),
            "money",
            self._money(company, total),
            self._reserve_action(channels),
            help_text=self.env._("Money the marketplaces hold back and release later."),
        )
        return {"value": self._money(company, total), "rows": rows}

    def _reserve_action(self, channels):
        return self._action(
            self.env._("Reserve lines"),
            "marketplace.transaction",
            [
                ("channel_id", "in", channels.ids),
                ("category", "in", ["reserve_hold", "reserve_release"]),
            ],
        )

    # ---- (3) (4) (5) ledger lines: refunds, disputes, ads, penalties

    def _ledger_kpis(self, company, channels, weeks, kpis):
        sums = self._ledger_weeks(channels, weeks)

        def trend(kind):
            return [
                self._convert(company, sums[i][kind], weeks.points[i])
                for i in range(WEEKS)
            ]

        def lines(name, domain, week=True):
            base = [("channel_id", "in", channels.ids), *domain]
            if week:
                base += [
                    ("posted_at", ">=", self._dt(weeks.starts[-1])),
                    ("posted_at", "<", self._dt(weeks.ends[-1])),
                ]
            return self._action(name, "marketplace.transaction", base)

        refunds, ads, penalties = (
            trend("refund"),
            trend("advertising"),
            trend("penalty"),
        )
        kpis["refunds_week"] = self._kpi(
            self.env._("Refunds this week"),
            "money",
            refunds[-1],
            lines(self.env._("Refunds this week"), [("category", "=", "refund")]),
            refunds,
            self.env._("Refunds paid back to buyers, posted this week."),
        )
        kpis["ad_spend"] = self._kpi(
            self.env._("Ad spend this week"),
            "money",
            ads[-1],
            lines(
                self.env._("Advertising this week"), [("category", "=", "advertising")]
            ),
            ads,
            self.env._("Advertising charged by the marketplaces this week."),
        )
        penalty_domain = [
            ("category", "in", list(PENALTY_CATEGORIES)),
            ("amount", "<", 0),
            ("description", "ilike", "penal"),
        ]
        kpis["penalties"] = self._kpi(
            self.env._("Penalties"),
            "money",
            penalties[-1],
            lines(self.env._("Penalties this week"), penalty_domain),
            penalties,
            self.env._(
                "Other fees and adjustments charged this week whose description "
                'contains "penal" (penalty, penalidad...).'
            ),
        )
        self._expected_refunds(company, channels, kpis)
        self._disputes_at_risk(company, channels, weeks, kpis)

    def _ledger_weeks(self, channels, weeks):
        """[{kind: {currency: amount}}] per week: refunds, ads, disputes and
        penalties as positive amounts (minus the lines' sum)."""
        self.env.cr.execute(
            SQL(
                """
                SELECT w.i, t.currency_id,
                       sum(-t.amount) FILTER (WHERE t.category = 'refund'),
                       sum(-t.amount) FILTER (WHERE t.category = 'advertising'),
                       sum(-t.amount) FILTER (
                           WHERE t.category IN %(penalty_categories)s
                             AND t.amount < 0
                             AND t.description ILIKE %(pattern)s)
                  FROM marketplace_transaction t
                  JOIN unnest(%(starts)s::timestamp[], %(ends)s::timestamp[])
                       WITH ORDINALITY AS w(s, e, i)
                    ON t.posted_at >= w.s AND t.posted_at < w.e
                 WHERE t.channel_id = ANY(%(channels)s)
                   AND t.posted_at >= %(first)s AND t.posted_at < %(last)s
                   AND t.category IN %(categories)s
                 GROUP BY w.i, t.currency_id
                """,
                penalty_categories=PENALTY_CATEGORIES,
                pattern=PENALTY_PATTERN,
                starts=weeks.starts,
                ends=weeks.ends,
                channels=channels.ids,
                first=weeks.starts[0],
                last=weeks.ends[-1],
                categories=("refund", "advertising", *PENALTY_CATEGORIES),
            )
        )
        sums = [{"refund": {}, "advertising": {}, "penalty": {}} for _i in range(WEEKS)]
        for week, currency_id, refund, ads, penalty in self.env.cr.fetchall():
            cell = sums[week - 1]
            cell["refund"][currency_id] = refund or 0
            cell["advertising"][currency_id] = ads or 0
            cell["penalty"][currency_id] = penalty or 0
        return sums

    def _expected_refunds(self, company, channels, kpis):
        """The orders not settled yet x their channel's expected return rate.

        Not settled: confirmed, without any ledger line (as the forecast sees them).
        Such an order's cash status is "waiting" (no sale, refund or dispute line):
        the indexed status narrows the orders before the ledger is probed, instead
        of an anti-join of every marketplace order with the whole ledger."""
        self.env.cr.execute(
            """
            SELECT o.marketplace_channel_id,
                   sum(o.amount_total / coalesce(nullif(o.currency_rate, 0), 1))
              FROM sale_order o
             WHERE o.marketplace_channel_id = ANY(%s) AND o.state = 'sale'
               AND o.cash_state = 'waiting'
               AND NOT EXISTS (SELECT 1 FROM marketplace_transaction t
                                WHERE t.sale_order_id = o.id)
             GROUP BY o.marketplace_channel_id
            """,
            [channels.ids],
        )
        rates = {c.id: _d(c.forecast_return_rate) for c in channels}
        cent = Decimal(1).scaleb(-company.currency_id.decimal_places)
        expected = sum(
            (
                (_d(amount) * rates[channel_id]).quantize(cent, ROUND_HALF_UP)
                for channel_id, amount in self.env.cr.fetchall()
            ),
            Decimal(0),
        )
        kpis["refunds_expected"] = self._kpi(
            self.env._("Refunds expected"),
            "money",
            float(expected),
            self._action(
                self.env._("Orders not settled yet"),
                "sale.order",
                [
                    ("marketplace_channel_id", "in", channels.ids),
                    ("state", "=", "sale"),
                    ("cash_state", "=", "waiting"),
                    ("marketplace_transaction_ids", "=", False),
                ],
            ),
            help_text=self.env._(
                "Orders not settled yet times their channel's expected return rate."
            ),
        )

    def _disputes_at_risk(self, company, channels, weeks, kpis):
        since = weeks.utc(weeks.today - timedelta(days=DISPUTE_DAYS - 1))
        until = weeks.utc(weeks.today + timedelta(days=1))
        self.env.cr.execute(
            """
            SELECT t.currency_id, sum(-t.amount)
              FROM marketplace_transaction t
             WHERE t.channel_id = ANY(%s) AND t.category IN %s
               AND t.posted_at >= %s AND t.posted_at < %s
             GROUP BY t.currency_id
            """,
            [channels.ids, DISPUTE_CATEGORIES, since, until],
        )
        value = self._convert(company, dict(self.env.cr.fetchall()), weeks.today)
        kpis["disputes_at_risk"] = self._kpi(
            self.env._("Disputes at risk"),
            "money",
            value,
            self._action(
                self.env._("Disputes of the last %(days)s days", days=DISPUTE_DAYS),
                "marketplace.transaction",
                [
                    ("channel_id", "in", channels.ids),
                    ("category", "in", list(DISPUTE_CATEGORIES)),
                    ("posted_at", ">=", self._dt(since)),
                    ("posted_at", "<", self._dt(until)),
                ],
            ),
            help_text=self.env._(
                "Disputes and chargebacks and their fees of the last %(days)s days.",
                days=DISPUTE_DAYS,
            ),
        )

    # ---- (8) orders: cancellations, late shipments, dispute rate

    def _order_kpis(self, company, channels, weeks, kpis):
        placed, cancelled = self._orders_weeks(channels, weeks)
        late, late_ids = self._late_weeks(channels, weeks)
        disputed = self._disputed_weeks(channels, weeks)
        this_week = [
            ("date_order", ">=", self._dt(weeks.starts[-1])),
            ("date_order", "<", self._dt(weeks.ends[-1])),
        ]
        marketplace = [("marketplace_channel_id", "in", channels.ids)]
        kpis["cancellations"] = self._kpi(
            self.env._("Cancellations"),
            "count",
            cancelled[-1],
            self._action(
                self.env._("Orders cancelled this week"),
                "sale.order",
                [*marketplace, ("state", "=", "cancel"), *this_week],
            ),
            cancelled,
            self.env._("Marketplace orders placed this week and cancelled."),
        )
        kpis["late_shipments"] = self._kpi(
            self.env._("Late shipments"),
            "count",
            late[-1],
            self._action(
                self.env._("Orders shipped late this week"),
                "sale.order",
                [("id", "in", late_ids)],
            ),
            late,
            self.env._(
                "Confirmed marketplace orders not delivered %(days)s days after "
                "they were placed, the deadline falling this week.",
                days=LATE_SHIPPING_DAYS,
            ),
        )
        rates = [_ratio(d, p) for d, p in zip(disputed, placed, strict=True)]
        kpis["order_dispute_rate"] = self._kpi(
            self.env._("Marketplace dispute rate"),
            "percent",
            rates[-1],
            self._action(
                self.env._("Orders disputed this week"),
                "sale.order",
                [
                    *marketplace,
                    (
                        "marketplace_transaction_ids",
                        "any",
                        [
                            ("category", "in", list(DISPUTE_CATEGORIES)),
                            ("posted_at", ">=", self._dt(weeks.starts[-1])),
                            ("posted_at", "<", self._dt(weeks.ends[-1])),
                        ],
                    ),
                ],
            ),
            rates,
            self.env._(
                "Orders with a dispute posted in the week / marketplace orders "
                "placed in the week."
            ),
        )

    def _orders_weeks(self, channels, weeks):
        """(orders placed not cancelled, orders cancelled) per week of order."""
        self.env.cr.execute(
            """
            SELECT w.i, count(*) FILTER (WHERE o.state != 'cancel'),
                   count(*) FILTER (WHERE o.state = 'cancel')
              FROM sale_order o
              JOIN unnest(%s::timestamp[], %s::timestamp[]) WITH ORDINALITY
                   AS w(s, e, i) ON o.date_order >= w.s AND o.date_order < w.e
             WHERE o.marketplace_channel_id = ANY(%s)
               AND o.date_order >= %s AND o.date_order < %s
             GROUP BY w.i
            """,
            [
                weeks.starts,
                weeks.ends,
                channels.ids,
                weeks.starts[0],
                weeks.ends[-1],
            ],
        )
        placed, cancelled = [0] * WEEKS, [0] * WEEKS
        for week, count_placed, count_cancelled in self.env.cr.fetchall():
            placed[week - 1], cancelled[week - 1] = count_placed, count_cancelled
        return placed, cancelled

    def _late_weeks(self, channels, weeks):
        """Late shipments per week of their (passed) deadline; this week's ids."""
        now = fields.Datetime.now()
        self.env.cr.execute(
            """
            SELECT w.i, array_agg(o.id ORDER BY o.id)
              FROM sale_order o
              JOIN unnest(%(starts)s::timestamp[], %(ends)s::timestamp[])
                   WITH ORDINALITY AS w(s, e, i)
                ON o.date_order + %(late)s >= w.s AND o.date_order + %(late)s < w.e
             WHERE o.marketplace_channel_id = ANY(%(channels)s) AND o.state = 'sale'
               AND o.date_order >= %(first)s AND o.date_order < %(last)s
               AND o.date_order + %(late)s <= %(now)s
               AND (o.effective_date IS NULL
                    OR o.effective_date > o.date_order + %(late)s)
             GROUP BY w.i
            """,
            {
                "starts": weeks.starts,
                "ends": weeks.ends,
                "late": timedelta(days=LATE_SHIPPING_DAYS),
                "channels": channels.ids,
                "first": weeks.starts[0] - timedelta(days=LATE_SHIPPING_DAYS),
                "last": weeks.ends[-1] - timedelta(days=LATE_SHIPPING_DAYS),
                "now": now,
            },
        )
        counts, ids = [0] * WEEKS, []
        for week, order_ids in self.env.cr.fetchall():
            counts[week - 1] = len(order_ids)
            if week == WEEKS:
                ids = order_ids
        return counts, ids

    def _disputed_weeks(self, channels, weeks):
        """Orders with a dispute line posted in each week."""
        self.env.cr.execute(
            """
            SELECT w.i, count(DISTINCT t.sale_order_id)
              FROM marketplace_transaction t
              JOIN unnest(%s::timestamp[], %s::timestamp[]) WITH ORDINALITY
                   AS w(s, e, i) ON t.posted_at >= w.s AND t.posted_at < w.e
             WHERE t.channel_id = ANY(%s) AND t.category IN %s
               AND t.sale_order_id IS NOT NULL
               AND t.posted_at >= %s AND t.posted_at < %s
             GROUP BY w.i
            """,
            [
                weeks.starts,
                weeks.ends,
                channels.ids,
                DISPUTE_CATEGORIES,
                weeks.starts[0],
                weeks.ends[-1],
            ],
        )
        disputed = [0] * WEEKS
        for week, count in self.env.cr.fetchall():
            disputed[week - 1] = count
        return disputed

    # ---- (6) stock immobilized

    def _stock_kpis(self, company, kpis):
        snapshot = self.env["stock.valuation.snapshot"].search(
            [
                ("company_id", "=", company.id),
                ("state", "in", ("computed", "validated")),
            ],
            order="date desc, id desc",
            limit=1,
        )
        value = overstock = slow = 0.0
        dio = None
        actions = dict.fromkeys(("value", "overstock", "slow", "dio"), False)
        if snapshot:
            Mover = self.env["stock.valuation.snapshot.mover"]
            mine = [("snapshot_id", "=", snapshot.id)]
            [(overstock,)] = Mover._read_group(mine, [], ["overstock_value:sum"])
            slow_domain = [*mine, ("days_idle", ">", SLOW_MOVER_DAYS)]
            [(slow,)] = Mover._read_group(slow_domain, [], ["value:sum"])
            [(stock, cogs)] = self.env["stock.valuation.snapshot.dio"]._read_group(
                mine, [], ["value:sum", "cogs:sum"]
            )
            # No goods delivered in the 12 months: no DIO.
            dio = _ratio(stock, cogs, PERIOD_DAYS, 1) if (cogs or 0) > 0 else None
            value = snapshot.valuation_total
            actions = {
                "value": self._action(
                    snapshot.name,
                    snapshot._name,
                    [("id", "=", snapshot.id)],
                ),
                "overstock": self._action(
                    self.env._("Overstock"),
                    Mover._name,
                    [*mine, ("overstock_value", ">", 0)],
                ),
                "slow": self._action(
                    self.env._(
                        "Idle for more than %(days)s days", days=SLOW_MOVER_DAYS
                    ),
                    Mover._name,
                    slow_domain,
                ),
                "dio": self._action(
                    self.env._("Days of inventory"),
                    "stock.valuation.snapshot.dio",
                    mine,
                ),
            }
        date = snapshot.date.isoformat() if snapshot else ""
        kpis["stock_value"] = self._kpi(
            self.env._("Stock value"),
            "money",
            self._money(company, value),
            actions["value"],
            help_text=self.env._(
                "Valuation of the latest stock snapshot (%(date)s).", date=date
            ),
        )
        kpis["stock_overstock"] = self._kpi(
            self.env._("Overstock"),
            "money",
            self._money(company, overstock),
            actions["overstock"],
            help_text=self.env._("Stock beyond the snapshot's target cover."),
        )
        kpis["stock_slow"] = self._kpi(
            self.env._("Slow movers"),
            "money",
            self._money(company, slow),
            actions["slow"],
            help_text=self.env._(
                "Stock with no movement for more than %(days)s days.",
                days=SLOW_MOVER_DAYS,
            ),
        )
        kpis["stock_dio"] = self._kpi(
            self.env._("DIO at the snapshot"),
            "days",
            dio,
            actions["dio"],
            help_text=self.env._(
                "Snapshot's stock value / cost of the goods delivered in 12 months "
                "x 365."
            ),
        )

    # ---- working capital: DSO, DPO, DIO, CCC, recovery rate

    def _finance_kpis(self, company, weeks, kpis):
        receivables, payables = self._balances_at(company, weeks)
        sales, purchases = self._invoiced_windows(company, weeks)
        stock, cogs = self._stock_at(company, weeks)
        # The invoices under a dispute hold are out of both terms of the DSO, as in
        # the receivables KPIs (mkc.receivable.kpi), and make the dispute rate.
        book = self.env["mkc.receivable.kpi"]._held_book(
            company, weeks.points[-1], weeks.points[0] - timedelta(days=WINDOW_DAYS)
        )
        held = [(Decimal(0), Decimal(0))] * WEEKS
        if book:
            held = [
                (dso.held_receivables, dso.held_revenue)
                for dso in (book.dso(point, WINDOW_DAYS) for point in weeks.points)
            ]
        dso = [
            _ratio(r - held_r, s - held_s, WINDOW_DAYS, 1)
            for r, s, (held_r, held_s) in zip(receivables, sales, held, strict=True)
        ]
        dpo = [
            _ratio(p, b, WINDOW_DAYS, 1)
            for p, b in zip(payables, purchases, strict=True)
        ]
        dio = [_ratio(v, c, WINDOW_DAYS, 1) for v, c in zip(stock, cogs, strict=True)]
        ccc = [
            None if None in (s, i, p) else round(s + i - p, 1)
            for s, i, p in zip(dso, dio, dpo, strict=True)
        ]
        recovery = [_ratio(c, i) for c, i in self._recovery(company, weeks)]
        disputes = self._dispute_weeks(company, weeks, book)
        dispute_rates = [_ratio(len(d), i) for d, i in disputes]
        invoices = [("company_id", "=", company.id), ("state", "=", "posted")]
        unpaid = [("payment_state", "in", ["not_paid", "partial"])]
        open_invoices = self._action(
            self.env._("Open customer invoices"),
            "account.move",
            [*invoices, *unpaid, ("move_type", "in", ["out_invoice", "out_refund"])],
        )
        open_bills = self._action(
            self.env._("Open vendor bills"),
            "account.move",
            [*invoices, *unpaid, ("move_type", "in", ["in_invoice", "in_refund"])],
        )
        # The valuation layers are the stock managers'; the others get the
        # latest snapshot's days of inventory.
        layers = (
            self._action(
                self.env._("Stock valuation"),
                "stock.valuation.layer",
                [("company_id", "=", company.id)],
            )
            if self.env["stock.valuation.layer"].has_access("read")
            else kpis.get("stock_dio", {}).get("action", False)
        )
        both = self._action(
            self.env._("Open invoices and bills"),
            "account.move",
            [
                *invoices,
                *unpaid,
                ("move_type", "in", ["out_invoice", "out_refund", "in_invoice"]),
            ],
        )
        kpis["dso"] = self._kpi(
            self.env._("DSO"),
            "days",
            dso[-1],
            open_invoices,
            dso,
            self.env._(
                "Trade receivables / customer invoices incl. tax of the last "
                "%(days)s days x %(days)s, invoices on hold left out.",
                days=WINDOW_DAYS,
            ),
        )
        kpis["dpo"] = self._kpi(
            self.env._("DPO"),
            "days",
            dpo[-1],
            open_bills,
            dpo,
            self.env._(
                "Trade payables / vendor bills incl. tax of the last %(days)s days "
                "x %(days)s.",
                days=WINDOW_DAYS,
            ),
        )
        kpis["dio"] = self._kpi(
            self.env._("DIO"),
            "days",
            dio[-1],
            layers,
            dio,
            self.env._(
                "Stock value / cost of the goods delivered in the last %(days)s days "
                "x %(days)s.",
                days=WINDOW_DAYS,
            ),
        )
        kpis["ccc"] = self._kpi(
            self.env._("Cash conversion cycle"),
            "days",
            ccc[-1],
            both,
            ccc,
            self.env._("DSO + DIO - DPO."),
        )
        kpis["recovery_rate"] = self._kpi(
            self.env._("Recovery rate"),
            "percent",
            recovery[-1],
            self._action(
                self.env._("Customer invoices of this week"),
                "account.move",
                [
                    *invoices,
                    ("move_type", "in", ["out_invoice", "out_refund"]),
                    ("date", ">=", weeks.mondays[-1].isoformat()),
                    ("date", "<=", weeks.today.isoformat()),
                ],
            ),
            recovery,
            self.env._(
                "Cash collected on customer invoices in the week / customer invoices "
                "incl. tax of the week, credit notes deducted."
            ),
        )
        kpis["dispute_rate"] = self._kpi(
            self.env._("Dispute rate"),
            "percent",
            dispute_rates[-1],
            self._action(
                self.env._("Invoices disputed this week"),
                "account.move",
                [("id", "in", sorted(disputes[-1][0]))],
            ),
            dispute_rates,
            self.env._(
                "Customer invoices under a dispute hold during the week / customer "
                "invoices issued in the week."
            ),
        )

    def _cumulate(self, buckets, count=WEEKS):
        """Running totals of ``{bucket: amount}`` (bucket 0: before the first
        point), one per point."""
        total, result = Decimal(0), []
        total += _d(buckets.get(0))
        for i in range(1, count + 1):
            result.append(total)
            total += _d(buckets.get(i))
        return result

    def _balances_at(self, company, weeks):
        """(trade receivables, trade payables) at the end of each point."""
        thresholds = [p + timedelta(days=1) for p in weeks.points]
        self.env.cr.execute(
            """
            SELECT width_bucket(aml.date, %(thresholds)s::date[]),
                   sum(aml.balance) FILTER (
                       WHERE a.account_type = 'asset_receivable'),
                   -sum(aml.balance) FILTER (
                       WHERE a.account_type = 'liability_payable')
              FROM account_move_line aml
              JOIN account_account a ON a.id = aml.account_id
             WHERE aml.company_id = %(company)s AND aml.parent_state = 'posted'
               AND aml.date <= %(last)s
               AND a.account_type IN ('asset_receivable', 'liability_payable')
               AND a.non_trade IS NOT TRUE
             GROUP BY 1
            """,
            {"thresholds": thresholds, "company": company.id, "last": weeks.points[-1]},
        )
        rows = self.env.cr.fetchall()
        receivables = self._cumulate({b: r for b, r, _p in rows})
        payables = self._cumulate({b: p for b, _r, p in rows})
        return receivables, payables

    def _windows(self, by_day, weeks):
        """The sum of ``by_day`` over the WINDOW_DAYS days ending at each point."""
        return [
            sum(
                (
                    _d(amount)
                    for day, amount in by_day.items()
                    if point - timedelta(days=WINDOW_DAYS) < day <= point
                ),
                Decimal(0),
            )
            for point in weeks.points
        ]

    def _invoiced_windows(self, company, weeks):
        """(customer invoices incl. tax, vendor bills incl. tax) of the window
        ending at each point, credit notes deducted."""
        self.env.cr.execute(
            """
            SELECT am.invoice_date,
                   coalesce(sum(am.amount_total_signed) FILTER (
                       WHERE am.move_type IN ('out_invoice', 'out_refund')), 0),
                   coalesce(-sum(am.amount_total_signed) FILTER (
                       WHERE am.move_type IN ('in_invoice', 'in_refund')), 0)
              FROM account_move am
             WHERE am.company_id = %s AND am.state = 'posted'
               AND am.move_type IN ('out_invoice', 'out_refund', 'in_invoice',
                                    'in_refund')
               AND am.invoice_date > %s AND am.invoice_date <= %s
             GROUP BY am.invoice_date
            """,
            [
                company.id,
                weeks.points[0] - timedelta(days=WINDOW_DAYS),
                weeks.points[-1],
            ],
        )
        rows = self.env.cr.fetchall()
        sales = self._windows({day: s for day, s, _p in rows}, weeks)
        purchases = self._windows({day: p for day, _s, p in rows}, weeks)
        return sales, purchases

    def _stock_at(self, company, weeks):
        """(stock value at the end of each point, cost of the goods delivered to
        customers net of their returns in the window ending at each point), from
        the valuation layers."""
        ends = [weeks.utc(p + timedelta(days=1)) for p in weeks.points]
        self.env.cr.execute(
            """
            SELECT width_bucket(svl.create_date, %s::timestamp[]), sum(svl.value)
              FROM stock_valuation_layer svl
             WHERE svl.company_id = %s AND svl.create_date < %s
             GROUP BY 1
            """,
            [ends, company.id, ends[-1]],
        )
        stock = self._cumulate(dict(self.env.cr.fetchall()))
        self.env.cr.execute(
            """
            SELECT (svl.create_date AT TIME ZONE 'UTC' AT TIME ZONE %s)::date,
                   -sum(svl.value)
              FROM stock_valuation_layer svl
              JOIN stock_move m ON m.id = svl.stock_move_id
              JOIN stock_location src ON src.id = m.location_id
              JOIN stock_location dst ON dst.id = m.location_dest_id
             WHERE svl.company_id = %s
               AND svl.create_date >= %s AND svl.create_date < %s
               AND (dst.usage = 'customer') <> (src.usage = 'customer')
             GROUP BY 1
            """,
            [
                weeks.tz.zone,
                company.id,
                weeks.utc(weeks.points[0] - timedelta(days=WINDOW_DAYS - 1)),
                ends[-1],
            ],
        )
        cogs = self._windows(dict(self.env.cr.fetchall()), weeks)
        return stock, cogs

    def _recovery(self, company, weeks):
        """Per week ``[Monday, point]``: (cash collected on the customer invoices,
        invoiced), as ``core.receivables.Book.recovery`` counts them over the
        receivable installments of the invoices and credit notes (two grouped
        reads over the 8 weeks)."""
        params = {
            "company": company.id,
            "customer": ("out_invoice", "out_refund"),
            "mondays": weeks.mondays,
            "points": weeks.points,
            "first": weeks.mondays[0],
            "last": weeks.points[-1],
        }
        self.env.cr.execute(
            """
            SELECT w.i, sum(aml.balance)
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
              JOIN unnest(%(mondays)s::date[], %(points)s::date[]) WITH ORDINALITY
                   AS w(s, e, i) ON aml.date >= w.s AND aml.date <= w.e
             WHERE aml.company_id = %(company)s AND aml.parent_state = 'posted'
               AND aml.display_type = 'payment_term'
               AND am.move_type IN %(customer)s
               AND aml.date >= %(first)s AND aml.date <= %(last)s
             GROUP BY w.i
            """,
            params,
        )
        invoiced = dict(self.env.cr.fetchall())
        self.env.cr.execute(
            """
            SELECT w.i, sum(CASE WHEN dm.move_type IN %(customer)s
                                 THEN p.amount ELSE -p.amount END)
              FROM account_partial_reconcile p
              JOIN unnest(%(mondays)s::date[], %(points)s::date[]) WITH ORDINALITY
                   AS w(s, e, i) ON p.max_date >= w.s AND p.max_date <= w.e
              JOIN account_move_line d ON d.id = p.debit_move_id
              JOIN account_move dm ON dm.id = d.move_id
              JOIN account_account a ON a.id = d.account_id
              JOIN account_move_line c ON c.id = p.credit_move_id
              JOIN account_move cm ON cm.id = c.move_id
             WHERE p.company_id = %(company)s
               AND p.max_date >= %(first)s AND p.max_date <= %(last)s
               AND a.account_type = 'asset_receivable'
               AND d.parent_state = 'posted' AND c.parent_state = 'posted'
               -- one side an invoice or credit note, the other cash
               AND (dm.move_type IN %(customer)s) <> (cm.move_type IN %(customer)s)
             GROUP BY w.i
            """,
            params,
        )
        collected = dict(self.env.cr.fetchall())
        return [
            (_d(collected.get(week)), _d(invoiced.get(week)))
            for week in range(1, WEEKS + 1)
        ]

    def _dispute_weeks(self, company, weeks, book):
        """Per week ``[Monday, point]``: (the ids of the invoices disputed, from
        ``book``, the held invoices' :class:`core.Book`, the number of invoices
        issued)."""
        disputed = [
            book.disputed(monday, point) if book else set()
            for monday, point in zip(weeks.mondays, weeks.points, strict=True)
        ]
        self.env.cr.execute(
            SQL(
                """
                SELECT w.i, count(am.id)
                  FROM unnest(%s::date[], %s::date[]) WITH ORDINALITY AS w(s, e, i)
                  JOIN account_move am ON am.date >= w.s AND am.date <= w.e
                 WHERE am.company_id = %s AND am.state = 'posted'
                   AND am.move_type = 'out_invoice'
                 GROUP BY w.i
                """,
                weeks.mondays,
                weeks.points,
                company.id,
            )
        )
        issued = [0] * WEEKS
        for week, count in self.env.cr.fetchall():
            issued[week - 1] = count
        return list(zip(disputed, issued, strict=True))
