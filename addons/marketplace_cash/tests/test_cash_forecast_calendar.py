# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Payout calendars at their edges, dates and amounts worked by hand: bank holidays
in the deposit lag, Amazon's 14-day cycle with DD+7 and a reserve, every-N-days
anchors far away, twice-a-month and monthly closes in February, the release rules
of orders not shipped yet, the minimum payout, the learned delay.

Deposit lags count TARGET2 business days: no Saturday, Sunday, 1 January, Good
Friday, Easter Monday, 1 May, 25 or 26 December (11 November is a business day)."""

from datetime import date, datetime

from odoo.tests import freeze_time, tagged

from .cash_forecast_common import CashForecastCase


@freeze_time("2026-11-05 10:00:00")
@tagged("post_install", "-at_install")
class TestPayoutCalendarEdge(CashForecastCase):
    """Channels of a company in EUR, no expected fees or returns unless said (an
    order's net is its amount)."""

    channel_defaults = {"forecast_fee_rate": 0.0, "forecast_return_rate": 0.0}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Client calendrier"})
        cls.product = cls.env["product.product"].create(
            {"name": "Lampe calendrier", "type": "consu", "list_price": 100.0}
        )

    # ---- helpers

    def payouts(self, forecast, channel):
        return self.flows(forecast, "payouts", channel=channel)

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

    # ---- Amazon EU defaults

    def test_amazon_eu_defaults_cycle_boundary_and_reserve(self):
        """An Amazon channel with its platform's defaults: closes every 14 days
        from Monday 5/1/2026 (26/10, 9/11, 23/11, 7/12...: 5/1 + 21 x 14 days =
        26/10), funds released 7 days after delivery (the shipment's date here),
        deposited 3 business days after the close; a reserve of 10 % held 14 days;
        10 % expected fees: an order's net is 0.90 of its amount.

        - A 100.00 delivered 20/10: released 27/10, past: the next close, 9/11;
        - B 100.00 delivered Sunday 1/11: released 8/11, close 9/11;
        - C 200.00 delivered 2/11: released 9/11, a close day: that close;
        - D 300.00 delivered 3/11: released 10/11, one day late: close 23/11.

        Close 9/11: 90.00 + 90.00 + 180.00 = 360.00, reserve -36.00 (released at
        the first close from 23/11): 324.00 on Thursday 12/11 (Tuesday 10 (1),
        Wednesday 11 (2, the Armistice is a bank day), Thursday 12 (3)). Close
        23/11: 270.00 - 27.00 + 36.00 = 279.00 on Thursday 26/11. Close 7/12: the
        27.00 released, Thursday 10/12. D+7 (to 12/11) 324.00, D+14 324.00, D+30
        (to 5/12) 603.00."""
        channel = self.channel(
            "Amazon.fr calendar",
            platform="amazon",
            payout_reserve_rate=0.10,
            payout_reserve_days=14,
            forecast_fee_rate=0.10,
        )
        self.assertRecordValues(
            channel,
            [
                {
                    "payout_cycle": "days",
                    "payout_anchor": date(2026, 1, 5),
                    "payout_every_days": 14,
                    "payout_deposit_lag": 3,
                    "payout_release": "delivery",
                    "payout_release_days": 7,
                }
            ],
        )
        orders = (
            self.order(channel, 100.00, "2026-10-18", "2026-10-20")
            | self.order(channel, 100.00, "2026-10-30", "2026-11-01")
            | self.order(channel, 200.00, "2026-10-31", "2026-11-02")
        )
        late = self.order(channel, 300.00, "2026-11-01", "2026-11-03")
        forecast = self.forecast()
        self.assertEqual(
            self.payouts(forecast, channel),
            [
                (date(2026, 11, 12), 324.00),
                (date(2026, 11, 26), 279.00),
                (date(2026, 12, 10), 27.00),
            ],
        )
        flows = forecast.flow_ids.filtered(lambda f: f.channel_id == channel)
        self.assertEqual(
            [flow.action_open_records()["domain"] for flow in flows[:2]],
            [[("id", "in", orders.ids)], [("id", "in", late.ids)]],
        )
        kpis = self.env["marketplace.cash.dashboard"].get_data()["kpis"]
        self.assertEqual(
            [kpis[key]["value"] for key in ("payouts_7", "payouts_14", "payouts_30")],
            [324.00, 324.00, 603.00],
        )

    # ---- every N days

    def test_every_n_days_anchor_in_the_future_and_far_in_the_past(self):
        """An open line of 100.00 of 4/11 on each channel, 1 business day of lag.

        - every 10 days from Monday 1/3/2027 (116 days ahead): the cycle runs back
          in time, 116 = 11 x 10 + 6: a close on 1/3/2027 - 110 days = Wednesday
          11/11/2026, deposited Thursday 12/11;
        - every 9 days from Saturday 1/1/2000 (9,805 days back: 26 years with 7
          leap days, 9,497, and 308 days to 5/11), 9,805 = 9 x 1,089 + 4: the
          next close is 1/1/2000 + 9 x 1,090 = Tuesday 10/11/2026, deposited
          Wednesday 11/11."""
        future = self.channel(
            "Future anchor",
            payout_anchor="2027-03-01",
            payout_every_days=10,
            payout_deposit_lag=1,
        )
        past = self.channel(
            "Y2K anchor",
            payout_anchor="2000-01-01",
            payout_every_days=9,
            payout_deposit_lag=1,
        )
        for channel in future | past:
            self.ledger(channel, [("sale", 100.00, "2026-11-04 10:00", None)])
        forecast = self.forecast()
        self.assertEqual(self.payouts(forecast, future), [(date(2026, 11, 12), 100.00)])
        self.assertEqual(self.payouts(forecast, past), [(date(2026, 11, 11), 100.00)])

    # ---- closes in February

    def test_twice_a_month_15th_and_last_day_across_february(self):
        """Closes on the 15th and the 31st (the month's last day), 2 business days
        of lag, orders released 14 days after the order, 10 % reserve held 10
        days. Forecast of Monday 1/2/2027:

        - an open line of 20.00 of Sunday 31/1 (a close, before today): the next
          close, Monday 15/2;
        - an order of 100.00 of 29/1: released 12/2, close 15/2;
        - an order of 50.00 of 1/2: released 15/2, that close.

        Close 15/2: 170.00 - 17.00 held: 153.00 on Wednesday 17/2. The 17.00 is
        released at the first close from 25/2: the "31st" of February, Sunday
        28/2, deposited Tuesday 2/3."""
        channel = self.channel(
            "Twice a month",
            payout_cycle="semimonthly",
            payout_month_day=15,
            payout_month_day_2=31,
            payout_deposit_lag=2,
            payout_release_days=14,
            payout_reserve_rate=0.10,
            payout_reserve_days=10,
        )
        self.ledger(channel, [("sale", 20.00, "2027-01-31 10:00", None)])
        self.order(channel, 100.00, "2027-01-29")
        self.order(channel, 50.00, "2027-02-01")
        forecast = self.forecast(date(2027, 2, 1))
        self.assertEqual(
            self.payouts(forecast, channel),
            [(date(2027, 2, 17), 153.00), (date(2027, 3, 2), 17.00)],
        )

    def monthly_channels(self, year):
        """Channels closing monthly on the 29th, 30th and 31st, 2 business days of
        lag, orders released 30 days after the order; each with an open line of
        100.00 of 31/1 and an order of 10.00 of 31/1 of ``year``."""
        channels = self.env["marketplace.channel"]
        for day in (29, 30, 31):
            channel = self.channel(
                f"Monthly {day} {year}",
                payout_cycle="monthly",
                payout_month_day=day,
                payout_deposit_lag=2,
                payout_release_days=30,
            )
            self.ledger(channel, [("sale", 100.00, f"{year}-01-31 10:00", None)])
            self.order(channel, 10.00, f"{year}-01-31")
            channels |= channel
        return channels

    def test_monthly_29_30_31_in_february_2027(self):
        """2027 is not a leap year. Forecast of Monday 1/2/2027: the open lines go
        to February's close, the 28th (29, 30 and 31 clamped), a Sunday, deposited
        Tuesday 2/3. The orders are released on 2/3 (31/1 + 30 days) and closed in
        March: Monday 29/3 (Easter Monday, a bank holiday: the lag starts after
        it) -> Wednesday 31/3; Tuesday 30/3 -> Thursday 1/4; Wednesday 31/3 ->
        Thursday 1/4 (1), Friday 2/4 (2)."""
        on_29, on_30, on_31 = self.monthly_channels(2027)
        forecast = self.forecast(date(2027, 2, 1))
        self.assertEqual(
            [self.payouts(forecast, channel) for channel in (on_29, on_30, on_31)],
            [
                [(date(2027, 3, 2), 100.00), (date(2027, 3, 31), 10.00)],
                [(date(2027, 3, 2), 100.00), (date(2027, 4, 1), 10.00)],
                [(date(2027, 3, 2), 100.00), (date(2027, 4, 2), 10.00)],
            ],
        )

    def test_monthly_29_30_31_in_february_2028_leap_year(self):
        """2028 is a leap year. Forecast of Tuesday 1/2/2028: the open lines go to
        February's close, Tuesday 29/2 for the three (30 and 31 clamped to the
        29th), deposited Thursday 2/3. The orders are released on 1/3 (31/1 + 30
        days, February having 29 days) and closed in March: Wednesday 29/3 ->
        Friday 31/3; Thursday 30/3 -> Friday 31/3 (1), Monday 3/4 (2); Friday
        31/3 -> Monday 3/4 (1), Tuesday 4/4 (2)."""
        on_29, on_30, on_31 = self.monthly_channels(2028)
        forecast = self.forecast(date(2028, 2, 1))
        self.assertEqual(
            [self.payouts(forecast, channel) for channel in (on_29, on_30, on_31)],
            [
                [(date(2028, 3, 2), 100.00), (date(2028, 3, 31), 10.00)],
                [(date(2028, 3, 2), 100.00), (date(2028, 4, 3), 10.00)],
                [(date(2028, 3, 2), 100.00), (date(2028, 4, 4), 10.00)],
            ],
        )

    # ---- release rules

    def test_release_on_order_shipment_delivery_not_shipped_yet(self):
        """Weekly closes on Friday, 1 business day of lag, on three channels whose
        funds are released on the order date, 3 days after the shipment, 7 days
        after the delivery (Odoo has no delivery date: the shipment's counts).
        Each has the same three orders:

        - N 100.00 ordered 20/10, not shipped yet (late);
        - T 200.00 ordered 4/11, not shipped yet;
        - S 400.00 ordered 1/11, shipped 4/11.

        On the order date: all past, the next close Friday 6/11, deposited Monday
        9/11: 700.00.

        Shipment + 3: S 7/11 -> close 13/11. N and T are not shipped: they ship
        today at the earliest, released 8/11 -> close 13/11 (not N's 23/10 + 3 nor
        T's 4/11 + 3, days already gone): 700.00 on Monday 16/11.

        Delivery + 7: S 11/11 -> close 13/11; N and T delivered today at the
        earliest, released 12/11 -> close 13/11: 700.00 on Monday 16/11. The
        order date instead would have paid N on 9/11 (27/10, before delivery)."""
        rules = {
            "order": {"payout_release": "order"},
            "shipment": {"payout_release": "shipment", "payout_release_days": 3},
            "delivery": {"payout_release": "delivery", "payout_release_days": 7},
        }
        channels = {}
        for rule, values in rules.items():
            channel = self.channel(
                f"Release {rule}",
                payout_cycle="weekly",
                payout_weekday="4",
                payout_deposit_lag=1,
                **values,
            )
            self.order(channel, 100.00, "2026-10-20")
            self.order(channel, 200.00, "2026-11-04")
            self.order(channel, 400.00, "2026-11-01", "2026-11-04")
            channels[rule] = channel
        forecast = self.forecast()
        self.assertEqual(
            {
                rule: self.payouts(forecast, channel)
                for rule, channel in channels.items()
            },
            {
                "order": [(date(2026, 11, 9), 700.00)],
                "shipment": [(date(2026, 11, 16), 700.00)],
                "delivery": [(date(2026, 11, 16), 700.00)],
            },
        )

    # ---- minimum payout

    def test_minimum_payout_carried_to_the_next_close(self):
        """Weekly closes on Friday, 1 business day of lag, a minimum payout of
        50.00, orders released 7 days after the order. An open line of 30.00 of
        4/11 goes to the close of 6/11: under the minimum, carried (nothing paid);
        an order of 40.00 of today, released 12/11, closes on 13/11 with the 30.00
        carried: 70.00 on Monday 16/11.

        A channel with a minimum of 100.00 and an open line of 30.00 never reaches
        it within the 13 weeks: the 30.00 is expected after the horizon (Monday
        1/2/2027, the day after the last week)."""
        channel = self.channel(
            "Minimum payout",
            payout_cycle="weekly",
            payout_weekday="4",
            payout_deposit_lag=1,
            payout_release_days=7,
            payout_minimum=50.00,
        )
        self.ledger(channel, [("sale", 30.00, "2026-11-04 10:00", None)])
        order = self.order(channel, 40.00, "2026-11-05")
        never = self.channel(
            "Minimum never reached",
            payout_cycle="weekly",
            payout_weekday="4",
            payout_deposit_lag=1,
            payout_minimum=100.00,
        )
        self.ledger(never, [("sale", 30.00, "2026-11-04 10:00", None)])
        forecast = self.forecast()
        self.assertEqual(self.payouts(forecast, channel), [(date(2026, 11, 16), 70.00)])
        flow = forecast.flow_ids.filtered(lambda f: f.channel_id == channel)
        self.assertEqual(
            flow.action_open_records()["domain"], [("id", "in", order.ids)]
        )
        self.assertEqual(self.payouts(forecast, never), [(date(2027, 2, 1), 30.00)])

    # ---- the learned delay

    def test_learned_delay_median_of_orders_paid_in_the_last_90_days(self):
        """Payouts deposited since 7/8/2026 10:00 (90 days before now) count:

        - A ordered 1/10 08:00, paid 11/10 08:00: 10 days (two sale lines, one
          order: counted once);
        - B ordered 1/10, paid 15/10: 14 days;
        - C ordered 5/10, paid 25/10: 20 days;
        - D ordered 1/10, paid 31/10: 30 days;
        - E ordered 30/7, paid 1/8 (before the window): left out;
        - F ordered 1/11, its payout announced for 20/11 (not observed yet): left
          out.

        Median of 10, 14, 20, 30 (an even count): (14 + 20) / 2 = 17.0 days.
        Counting lines (10, 10, 14, 20, 30), E (2, 10, 14, 20, 30) or F (10, 14,
        19, 20, 30) would give 14.0 or 19.0. Next to it the configured delay of
        an order placed today (Amazon's defaults): delivered today, released
        12/11, close 23/11, deposited Thursday 26/11: 21 days."""
        channel = self.channel("Amazon.de learned", platform="amazon")
        paid = [
            ("2026-10-01", datetime(2026, 10, 11, 8), 2),
            ("2026-10-01", datetime(2026, 10, 15, 8), 1),
            ("2026-10-05", datetime(2026, 10, 25, 8), 1),
            ("2026-10-01", datetime(2026, 10, 31, 8), 1),
            ("2026-07-30", datetime(2026, 8, 1, 8), 1),
            ("2026-11-01", datetime(2026, 11, 20, 8), 1),
        ]
        for index, (ordered, deposit, lines) in enumerate(paid):
            order = self.order(channel, 10.00 + index, ordered)
            self.ledger(
                channel,
                [("sale", 5.00, f"{ordered} 12:00", order)] * lines,
                payout=deposit,
            )
        self.env.invalidate_all()
        self.assertRecordValues(
            channel,
            [{"payout_observed_delay": 17.0, "payout_configured_delay": 21.0}],
        )
