# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""What the forecast's edge-case test classes share (no test of its own)."""

from datetime import date
from itertools import count

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

TODAY = date(2026, 11, 5)  # a Thursday: weeks from Monday 2/11 to Sunday 31/1/2027


class CashForecastCase(AccountTestInvoicingCommon):
    """A company in EUR, a cash manager in UTC; channels, their ledger lines and
    payouts as the importer writes them, forecasts and their flows."""

    # The calendar and rates a class's channels start from.
    channel_defaults = {}
    _refs = count(1)

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

    def order(self, channel, amount, ordered, shipped=None):
        """A confirmed order of ``channel`` (``self.customer``, ``self.product``)
        placed at 08:00 on ``ordered``, shipped (its first delivery done:
        ``effective_date``) at 09:00 on ``shipped``."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "marketplace_channel_id": channel.id,
                "marketplace_order_ref": f"FC-{channel.id}-{next(self._refs)}",
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "price_unit": amount,
                            "tax_id": False,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order SET date_order = %s, effective_date = %s WHERE id = %s",
            [f"{ordered} 08:00", shipped and f"{shipped} 09:00", order.id],
        )
        self.env.invalidate_all()
        return order

    def purchase(self, qty=10, price=100.00, currency=None, planned="2026-11-10"):
        """A confirmed purchase (``self.vendor``, ``self.product``), vendor terms
        15 days, planned at 10:00 on ``planned``, not received."""
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "company_id": self.company.id,
                "currency_id": (currency or self.company.currency_id).id,
                "payment_term_id": self.env.ref(
                    "account.account_payment_term_15days"
                ).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_qty": qty,
                            "price_unit": price,
                            "taxes_id": False,
                            "date_planned": f"{planned} 10:00:00",
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        return order

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
