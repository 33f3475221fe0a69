# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""What the forecast's edge-case test classes share (no test of its own)."""

from datetime import date

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

TODAY = date(2026, 11, 5)  # a Thursday: weeks from Monday 2/11 to Sunday 31/1/2027


class CashForecastCase(AccountTestInvoicingCommon):
    """A company in EUR, a cash manager in UTC; channels, their ledger lines and
    payouts as the importer writes them, forecasts and their flows."""

    # The calendar and rates a class's channels start from.
    channel_defaults = {}

    @classmethod
    def setup_independent_company(cls, **kwargs):
        eur = cls.env.ref("base.EUR")
        eur.active = True
        return super().setup_independent_company(currency_id=eur.id, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("marketplace_cash.group_cash_manager")
        cls.env.user.tz = "UTC"
        cls.company = cls.company_data["company"]

    def channel(self, name, **values):
        return self.env["marketplace.channel"].create(
            {"name": name, "platform": "generic", "company_id": self.company.id}
            | self.channel_defaults
            | values
        )

    def ledger(self, channel, lines, payout=None):
        """Ledger lines ``(category, amount, posted at[, order])`` of ``channel``
        (in its currency), in a payout deposited on ``payout`` (a datetime) if
        given. As the importer writes them: sudo."""
        env = self.env(su=True)
        record = env["marketplace.payout"]
        if payout:
            record = record.create(
                {
                    "channel_id": channel.id,
                    "name": f"{channel.name} {payout}",
                    "currency_id": channel.currency_id.id,
                    "date_deposit": payout,
                }
            )
        env["marketplace.transaction"].create(
            [
                {
                    "channel_id": channel.id,
                    "payout_id": record.id or False,
                    "category": category,
                    "amount": amount,
                    "currency_id": channel.currency_id.id,
                    "posted_at": posted_at,
                    "sale_order_id": order[0].id if order and order[0] else False,
                    "external_key": f"fc:{channel.id}:{record.id}:{index}",
                }
                for index, (category, amount, posted_at, *order) in enumerate(lines)
            ]
        )
        if record:
            record._recompute_totals()
        return record

    def forecast(self, day=TODAY, company=None, scenarios=None):
        company = company or self.company
        forecast = (
            self.env["marketplace.cash.forecast"]
            .with_company(company)
            .create(
                {
                    "company_id": company.id,
                    "date": day,
                    "scenario_ids": [Command.set(scenarios.ids if scenarios else [])],
                }
            )
        )
        forecast.action_compute()
        return forecast

    def flows(
        self, forecast, source, scenario=None, fields=("day", "amount"), channel=None
    ):
        """``fields`` of the forecast's flows of ``source`` (of the base, or of
        ``scenario``; of one ``channel``), by day."""
        domain = [
            ("forecast_id", "=", forecast.id),
            ("scenario_id", "=", scenario.id if scenario else False),
            ("source", "=", source),
        ]
        if channel:
            domain.append(("channel_id", "=", channel.id))
        return [
            tuple(flow[name] for name in fields)
            for flow in self.env["marketplace.cash.forecast.flow"].search(
                domain, order="day, id"
            )
        ]
