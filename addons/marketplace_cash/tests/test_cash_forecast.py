# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date, datetime

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

TODAY = date(2026, 11, 5)  # a Thursday: the forecast starts Monday 2 November


@tagged("post_install", "-at_install")
class TestCashForecast(AccountTestInvoicingCommon):
    """An Amazon channel settling every 14 days from Monday 2 November 2026 (closes
    2/11, 16/11, 30/11, 14/12...), money released 7 days after delivery (DD+7),
    deposited 3 business days after the close, 10 % reserve held 14 days; 15 %
    expected fees and 5 % expected returns: an order keeps 0.85 x 0.95 = 0.8075."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("marketplace_cash.group_cash_manager")
        cls.company = cls.company_data["company"]
        cls.channel = cls.env["marketplace.channel"].create(
            {
                "name": "Amazon.fr forecast",
                "platform": "amazon",
                "company_id": cls.company.id,
                "payout_anchor": date(2026, 11, 2),
                "payout_reserve_rate": 0.10,
                "payout_reserve_days": 14,
                "forecast_fee_rate": 0.15,
                "forecast_return_rate": 0.05,
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Lampe forecast", "type": "consu", "list_price": 100.0}
        )
        cls.order_a = cls.marketplace_order("A", 200.00, "2026-11-03")
        cls.order_b = cls.marketplace_order("B", 100.00, "2026-11-20")

    @classmethod
    def marketplace_order(cls, ref, amount, delivered):
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.partner_a.id,
                "company_id": cls.company.id,
                "marketplace_channel_id": cls.channel.id,
                "marketplace_order_ref": f"FC-{ref}",
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "price_unit": amount,
                            "tax_id": False,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE sale_order SET effective_date = %s, date_order = %s WHERE id = %s",
            [
                datetime.fromisoformat(f"{delivered} 09:00"),
                f"{delivered} 08:00",
                order.id,
            ],
        )
        cls.env.invalidate_all()
        return order

    def forecast(self, day=TODAY):
        forecast = self.env["marketplace.cash.forecast"].create(
            {"company_id": self.company.id, "date": day}
        )
        forecast.action_compute()
        return forecast

    def payouts(self, forecast):
        return [
            (flow.day, flow.amount)
            for flow in forecast.flow_ids.filtered(
                lambda f: f.source == "payouts" and not f.scenario_id
            ).sorted("day")
        ]

    def test_amazon_calendar_expected_payouts(self):
        """A: 200.00 x 0.8075 = 161.50, delivered 3/11, released 10/11, paid at the
        16/11 close, deposited Thursday 19/11: 161.50 - 10 % reserve 16.15 =
        145.35. B: 100.00 -> 80.75, delivered 20/11, released 27/11, 30/11 close:
        80.75 - reserve 8.08 (8.075 rounded half up) + A's reserve released after
        14 days (30/11 close) 16.15 = 88.82, deposited Thursday 3/12. B's reserve
        8.08 comes back at the 14/12 close, deposited Thursday 17/12."""
        forecast = self.forecast()
        self.assertEqual(
            self.payouts(forecast),
            [
                (date(2026, 11, 19), 145.35),
                (date(2026, 12, 3), 88.82),
                (date(2026, 12, 17), 8.08),
            ],
        )
        flow = forecast.flow_ids.filtered(lambda f: f.day == date(2026, 11, 19))
        action = flow.action_open_records()
        self.assertEqual(action["res_model"], "sale.order")
        self.assertEqual(action["domain"], [("id", "in", self.order_a.ids)])
        # From today (whatever day the test runs): released 7 days after delivery,
        # paid at the next close (at most 14 days later), deposited 3 business
        # days after it (3 to 5 calendar days).
        self.assertTrue(10 <= self.channel.payout_configured_delay <= 26)

    def test_late_customer_shifts_invoices(self):
        """The customer paid an invoice due 10/09 on 22/09: 12 days late; the open
        invoice due 20/11 is expected on 2/12. A disputed one is left out."""
        customer = self.env["res.partner"].create({"name": "Grossiste Nantes"})

        def invoice(due, amount):
            move = self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": due,
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Lot", "price_unit": amount, "tax_ids": False}
                        )
                    ],
                }
            )
            move.action_post()
            return move

        paid = invoice("2026-09-10", 500.00)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": "2026-09-22"})._create_payments()
        open_invoice = invoice("2026-11-20", 300.00)
        disputed = invoice("2026-11-20", 700.00)
        disputed.cash_dispute = True
        forecast = self.forecast()
        flows = forecast.flow_ids.filtered(lambda f: f.source == "customers")
        self.assertEqual(
            [(f.day, f.amount, f.res_ids) for f in flows],
            [(date(2026, 12, 2), 300.00, f"[{open_invoice.id}]")],
        )

    def test_thirteen_weeks_from_the_bank_balance(self):
        """Opening 10,000.00 in the bank; rent of 1,500.00 on the 10th of each
        month; the two payouts above. Week 1 (2/11): 10,000.00; week 2 (9/11):
        rent 10/11 -> 8,500.00; week 3 (16/11): +145.35 -> 8,645.35; week 5 (30/11):
        +88.82 (3/12) -> 8,734.17; week 6 (7/12): rent -> 7,234.17; week 7 (14/12):
        +8.08 -> 7,242.25; week 10 (4/1): rent -> 5,742.25; week 14 would be 1/2."""
        self.bank_balance(10000.00)
        self.env["marketplace.cash.recurring"].create(
            {
                "name": "Loyer entrepôt",
                "company_id": self.company.id,
                "amount": -1500.00,
                "frequency": "monthly",
                "date_start": "2026-06-10",
            }
        )
        forecast = self.forecast()
        self.assertAlmostEqual(forecast.opening, 10000.00)
        closings = forecast.week_ids.sorted("week").mapped("closing")
        self.assertEqual(len(closings), 13)
        expected = [
            10000.00,
            8500.00,
            8645.35,
            8645.35,
            8734.17,
            7234.17,
            7242.25,
            7242.25,
            7242.25,
            5742.25,
            5742.25,
            5742.25,
            5742.25,
        ]
        for week, (got, want) in enumerate(zip(closings, expected, strict=True), 1):
            self.assertAlmostEqual(got, want, places=2, msg=f"week {week}")
        self.assertEqual((forecast.lowest_week, forecast.lowest), (10, 5742.25))
        weeks = forecast.week_ids.sorted("week")
        self.assertAlmostEqual(weeks[2].amount_payouts, 145.35)
        self.assertAlmostEqual(weeks[1].amount_recurring, -1500.00)
        flows = weeks[2].with_context(forecast_source="payouts").action_open_flows()
        self.assertEqual(
            self.env[flows["res_model"]].search(flows["domain"]).mapped("amount"),
            [145.35],
        )

    def test_purchase_becomes_a_bill_at_receipt_plus_terms(self):
        """10 x 100.00 ordered, expected on 10/11, vendor terms 15 days: a bill of
        1,000.00 expected on 25/11."""
        order = self.purchase()
        forecast = self.forecast()
        flow = forecast.flow_ids.filtered(lambda f: f.source == "purchases")
        self.assertEqual(
            [(f.day, f.amount, f.res_ids) for f in flow],
            [(date(2026, 11, 25), -1000.00, f"[{order.id}]")],
        )

    def purchase(self):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.partner_b.id,
                "company_id": self.company.id,
                "payment_term_id": self.env.ref(
                    "account.account_payment_term_15days"
                ).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_qty": 10,
                            "price_unit": 100.00,
                            "taxes_id": False,
                            "date_planned": "2026-11-10 10:00:00",
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        return order

    def test_volume_scenario(self):
        """Base, from 10,000.00: +145.35 on 19/11 (week 3), the purchase's bill
        -1,000.00 on 25/11 (week 4), +88.82 on 3/12 (week 5), +8.08 on 17/12 (week
        7): closings 10,000.00, 10,000.00, 10,145.35, 9,145.35 (the lowest),
        9,234.17, 9,234.17, 9,242.25...

        +30 % volume for 30 days from 2/11, products bought 14 days ahead: the
        payout of 19/11 (in the window) grows to 145.35 x 1.3 = 188.955 -> 188.96
        (the 3/12 and 17/12 deposits are after the window); the bill of 25/11
        becomes 1,300.00 and moves to 11/11 (week 2). Closings 10,000.00, 8,700.00
        (the lowest, 445.35 below the base's), 8,888.96, 8,888.96, 8,977.78, ...,
        8,985.86. Marketplace cash in: 242.25 -> 285.86 (+43.61)."""
        self.bank_balance(10000.00)
        self.purchase()
        scenario = self.env["marketplace.cash.scenario"].create(
            {
                "name": "+30 % volume",
                "company_id": self.company.id,
                "shock_ids": [
                    Command.create(
                        {
                            "kind": "volume",
                            "value": 0.30,
                            "date_start": "2026-11-02",
                            "duration_days": 30,
                            "days": 14,
                        }
                    )
                ],
            }
        )
        forecast = self.forecast()
        base = forecast.week_ids.sorted("week")
        self.assertEqual((forecast.lowest_week, forecast.lowest), (4, 9145.35))
        self.assertAlmostEqual(sum(base.mapped("amount_payouts")), 242.25)
        forecast.scenario_ids = scenario
        forecast.action_compute()
        weeks = self.env["marketplace.cash.forecast.week"].search(
            [("forecast_id", "=", forecast.id), ("scenario_id", "=", scenario.id)],
            order="week",
        )
        self.assertEqual(
            [round(w.closing, 2) for w in weeks[:7]],
            [10000.00, 8700.00, 8888.96, 8888.96, 8977.78, 8977.78, 8985.86],
        )
        self.assertAlmostEqual(sum(weeks.mapped("amount_payouts")), 285.86)
        self.assertEqual((scenario.lowest_week, scenario.lowest), (2, 8700.00))
        self.assertAlmostEqual(forecast.lowest - scenario.lowest, 445.35)
        self.assertEqual(weeks[0].scenario_name, "+30 % volume")
        # The comparison chart reads base and scenario weeks together.
        self.assertEqual(
            set(
                self.env["marketplace.cash.forecast.week"]
                .search([("forecast_id", "=", forecast.id)])
                .mapped("scenario_name")
            ),
            {"Base", "+30 % volume"},
        )

    def bank_balance(self, amount):
        bank = self.company_data["default_journal_bank"]
        self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2026-11-01",
                "journal_id": bank.id,
                "line_ids": [
                    Command.create(
                        {"account_id": bank.default_account_id.id, "debit": amount}
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                            "credit": amount,
                        }
                    ),
                ],
            }
        ).action_post()

    def actual_payout(self, name, amount, deposit):
        # The ledger is written by the importer, not by users: sudo for the fixture.
        env = self.env(su=True)
        payout = env["marketplace.payout"].create(
            {
                "channel_id": self.channel.id,
                "name": name,
                "currency_id": self.company.currency_id.id,
                "date_deposit": deposit,
            }
        )
        env["marketplace.transaction"].create(
            {
                "payout_id": payout.id,
                "channel_id": self.channel.id,
                "category": "sale",
                "amount": amount,
                "currency_id": self.company.currency_id.id,
                "sale_order_id": self.order_a.id,
                "order_ref": self.order_a.marketplace_order_ref,
                "external_key": f"fc:{name}",
                "posted_at": deposit,
            }
        )
        payout._recompute_totals()
        return payout

    def test_variance_against_the_monday_forecast(self):
        """Monday 16/11's forecast expects A's 145.35 on Thursday 19/11; 140.00
        came on Friday 20/11: -5.35, one day late."""
        self.forecast(date(2026, 11, 16))
        self.actual_payout("P-A", 140.00, datetime(2026, 11, 20, 6, 0))
        self.env["marketplace.cash.variance"].invalidate_model()
        row = self.env["marketplace.cash.variance"].search(
            [("channel_id", "=", self.channel.id), ("week_start", "=", "2026-11-16")]
        )
        self.assertRecordValues(
            row,
            [
                {
                    "expected": 145.35,
                    "actual": 140.00,
                    "difference": -5.35,
                    "expected_day": date(2026, 11, 19),
                    "actual_day": date(2026, 11, 20),
                    "delay_days": 1,
                }
            ],
        )

    def test_alerts(self):
        """Wednesday 25/11: the 145.35 expected on 19/11 by Monday 16/11's forecast
        is not in the bank 2 days later: late. A reserve of 50.00 appeared this
        week (none before). The lowest point is under a 20,000.00 minimum."""
        self.forecast(date(2026, 11, 16))
        self.company.cash_minimum = 20000.00
        self.env(su=True)["marketplace.transaction"].create(
            {
                "channel_id": self.channel.id,
                "category": "reserve_hold",
                "amount": -50.00,
                "currency_id": self.company.currency_id.id,
                "external_key": "fc:reserve",
                "posted_at": datetime(2026, 11, 24, 8, 0),
            }
        )
        today = self.forecast(date(2026, 11, 25))
        raised = today._check_alerts()
        self.assertEqual(len(raised), 3, raised)
        self.assertIn("late", raised[0])
        self.assertIn("reserve", raised[1])
        self.assertIn("lowest point", raised[2])
        activities = today.activity_ids
        self.assertTrue(activities)
        self.assertIn(self.env.user, activities.user_id)
        # Once per alert while its activity is open.
        self.assertEqual(today._check_alerts(), [])
        # A short payout instead: 100.00 of 145.35, more than 5 % short.
        self.actual_payout("P-short", 100.00, datetime(2026, 11, 20, 6, 0))
        short = self.forecast(date(2026, 11, 26))
        keys = [key for key, _message in short._late_payouts(short.date)]
        self.assertEqual(len(keys), 1)
        self.assertIn("short", keys[0])
