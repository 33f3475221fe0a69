# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta
from decimal import Decimal

from odoo import fields, models

from ..core import forecast as core

SHOCKS = [
    ("volume", "Volume"),
    ("return_rate", "Return Rate"),
    ("payout_delay", "Payout Delay"),
    ("reserve", "Reserve"),
    ("supplier_terms", "Supplier Terms"),
    ("one_off", "One-Off Item"),
]


def _d(value):
    return Decimal(str(value or 0))


class MarketplaceCashScenario(models.Model):
    """A named set of shocks applied to the base forecast (what if volume jumps
    30 %, Amazon pays a week late, suppliers shorten their terms...)."""

    _name = "marketplace.cash.scenario"
    _description = "Cash Scenario"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    shock_ids = fields.One2many(
        "marketplace.cash.scenario.shock", "scenario_id", string="Shocks", copy=True
    )
    lowest = fields.Monetary(readonly=True, copy=False)
    lowest_week = fields.Integer(readonly=True, copy=False)
    closing = fields.Monetary(string="Closing (Week 13)", readonly=True, copy=False)
    currency_id = fields.Many2one(related="company_id.currency_id")

    def _core_shocks(self, today=None):
        """The shocks for the core; those without a start apply from ``today``
        (the forecast's date)."""
        self.ensure_one()
        return [shock._core_shock(today) for shock in self.shock_ids]

    def _compute_on(self, forecast):
        """The scenario's weeks on ``forecast``: its stored base flows, shocked."""
        self.ensure_one()
        flows = core.apply_scenario(
            forecast._base_flows(), self._core_shocks(forecast.date)
        )
        table = core.weekly_table(
            Decimal(str(forecast.opening)),
            flows,
            forecast.start,
            len(forecast.week_ids) or 13,
        )
        self.env.cr.execute(
            "DELETE FROM marketplace_cash_forecast_week "
            "WHERE forecast_id = %s AND scenario_id = %s",
            [forecast.id, self.id],
        )
        self.env.cr.execute(
            "DELETE FROM marketplace_cash_forecast_flow "
            "WHERE forecast_id = %s AND scenario_id = %s",
            [forecast.id, self.id],
        )
        forecast._store_flows(flows, forecast.start, scenario=self)
        forecast._store_weeks(table, scenario=self)
        self.write(
            {
                "lowest_week": table.lowest[0],
                "lowest": float(table.lowest[1]),
                "closing": float(table.rows[-1].closing),
            }
        )
        return table

    def action_compute(self):
        """Recompute on the company's latest forecast."""
        for scenario in self:
            forecast = self.env["marketplace.cash.forecast"].search(
                [("company_id", "=", scenario.company_id.id)],
                order="date desc, id desc",
                limit=1,
            )
            if forecast:
                scenario._compute_on(forecast)
        return True


class MarketplaceCashScenarioShock(models.Model):
    _name = "marketplace.cash.scenario.shock"
    _description = "Cash Scenario Shock"

    scenario_id = fields.Many2one(
        "marketplace.cash.scenario", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="scenario_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(SHOCKS, required=True, default="volume")
    value = fields.Float(
        digits=(16, 4),
        help="Volume, return rate, reserve: a fraction (0.30 = +30 %); payout delay "
        "and supplier terms: days.",
    )
    channel_id = fields.Many2one(
        "marketplace.channel",
        help="Return rate, payout delay and reserve: this channel only.",
    )
    date_start = fields.Date(
        string="From",
        help="The shock applies from this day (empty: from the forecast's date).",
    )
    duration_days = fields.Integer(
        string="For (Days)", help="Empty: until the end of the forecast."
    )
    days = fields.Integer(
        help="Volume: the products' lead time (replenishment bought that many days "
        "earlier); reserve: days the extra reserve is held."
    )
    name = fields.Char(string="One-Off Label")
    amount = fields.Monetary(string="One-Off Amount", help="Positive in, negative out.")
    date = fields.Date(string="One-Off Date")

    def _core_shock(self, today=None):
        """The core's Shock; without a start date, from ``today`` (the date of the
        forecast it applies to: a Monday forecast looked at on Thursday is shocked
        from Monday), else from the current date."""
        self.ensure_one()
        start = self.date_start or today or fields.Date.context_today(self)
        end = (
            start + timedelta(days=self.duration_days - 1)
            if self.duration_days
            else None
        )
        value = _d(self.value)
        if self.kind in ("payout_delay", "supplier_terms"):
            value = Decimal(int(self.value))
        flow = None
        if self.kind == "one_off":
            flow = core.Flow(
                self.date or start,
                _d(self.amount),
                "one_off",
                None,
                ("marketplace.cash.scenario.shock", (self.id,)),
            )
        return core.Shock(
            self.kind,
            value,
            channel=self.channel_id.id or None,
            start=start if self.kind != "one_off" else None,
            end=end,
            days=self.days,
            flow=flow,
        )


class MarketplaceCashRecurring(models.Model):
    """Salaries, rent, loan repayments: what goes out (or in) on a schedule."""

    _name = "marketplace.cash.recurring"
    _description = "Recurring Cash Item"
    _order = "date_start, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, help="Negative: paid; positive: received.")
    frequency = fields.Selection(
        [
            ("weekly", "Weekly"),
            ("monthly", "Monthly"),
            ("quarterly", "Quarterly"),
            ("yearly", "Yearly"),
        ],
        required=True,
        default="monthly",
    )
    date_start = fields.Date(
        string="First Date", required=True, default=fields.Date.context_today
    )
    date_end = fields.Date(string="Last Date")
