# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Payout calendars at their edges, dates and amounts worked by hand: bank holidays
in the deposit lag, Amazon's 14-day cycle with DD+7 and a reserve, every-N-days
anchors far away, twice-a-month and monthly closes in February, the release rules
of orders not shipped yet, the minimum payout, the learned delay.

Deposit lags count TARGET2 business days: no Saturday, Sunday, 1 January, Good
Friday, Easter Monday, 1 May, 25 or 26 December (11 November is a business day)."""

from datetime import date

from odoo import Command
from odoo.tests import freeze_time, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

TODAY = date(2026, 11, 5)  # a Thursday: weeks from Monday 2/11 to Sunday 31/1/2027


@freeze_time("2026-11-05 10:00:00")
@tagged("post_install", "-at_install")
class TestPayoutCalendarEdge(AccountTestInvoicingCommon):
    """Channels of a company in EUR, no expected fees or returns unless said (an
    order's net is its amount)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("marketplace_cash.group_cash_manager")
        cls.env.user.tz = "UTC"
        cls.company = cls.company_data["company"]
        cls.customer = cls.env["res.partner"].create({"name": "Client calendrier"})
        cls.product = cls.env["product.product"].create(
            {"name": "Lampe calendrier", "type": "consu", "list_price": 100.0}
        )

    # ---- helpers

    def channel(self, name, **values):
        return self.env["marketplace.channel"].create(
            {
                "name": name,
                "platform": "generic",
                "company_id": self.company.id,
                "forecast_fee_rate": 0.0,
                "forecast_return_rate": 0.0,
            }
            | values
        )

    def ledger(self, channel, lines, payout=None):
        """Ledger lines ``(category, amount, posted at, order)`` of ``channel``, in
        a payout deposited on ``payout`` (a datetime) if given. As the importer
        writes them: sudo."""
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
                    "sale_order_id": order.id if order else False,
                    "external_key": f"cal:{channel.id}:{record.id}:{index}",
                }
                for index, (category, amount, posted_at, order) in enumerate(lines)
            ]
        )
        if record:
            record._recompute_totals()
        return record

    def order(self, channel, amount, ordered, shipped=None):
        """A confirmed order of ``channel`` placed at 08:00 on ``ordered``, shipped
        (its first delivery done: ``effective_date``) at 09:00 on ``shipped``."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "marketplace_channel_id": channel.id,
                "marketplace_order_ref": f"CAL-{channel.id}-{amount}-{ordered}",
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

    def forecast(self, day=TODAY):
        forecast = self.env["marketplace.cash.forecast"].create(
            {"company_id": self.company.id, "date": day}
        )
        forecast.action_compute()
        return forecast

    def payouts(self, forecast, channel):
        return [
            (flow.day, flow.amount)
            for flow in self.env["marketplace.cash.forecast.flow"].search(
                [
                    ("forecast_id", "=", forecast.id),
                    ("scenario_id", "=", False),
                    ("source", "=", "payouts"),
                    ("channel_id", "=", channel.id),
                ],
                order="day, id",
            )
        ]

    # ---- bank holidays

    def test_deposit_lag_skips_christmas(self):
        """Weekly closes on Thursday, 2 business days of lag, orders released 7
        days after the order. Forecast of Monday 21/12/2026:

        - an open line of 100.00 of 18/12: close Thursday 24/12; Friday 25/12
          (Christmas), Saturday 26 and Sunday 27 are no bank days: Monday 28 (1),
          Tuesday 29/12 (2), not Monday 28 as with weekends only;
        - an order of 40.00 of today, released 28/12: close Thursday 31/12, then
          1/1/2027 is skipped: Monday 4/1 (1), Tuesday 5/1 (2)."""
        channel = self.channel(
            "Christmas",
            payout_cycle="weekly",
            payout_weekday="3",
            payout_deposit_lag=2,
            payout_release_days=7,
        )
        self.ledger(channel, [("sale", 100.00, "2026-12-18 10:00", None)])
        self.order(channel, 40.00, "2026-12-21")
        forecast = self.forecast(date(2026, 12, 21))
        self.assertEqual(
            self.payouts(forecast, channel),
            [(date(2026, 12, 29), 100.00), (date(2027, 1, 5), 40.00)],
        )
