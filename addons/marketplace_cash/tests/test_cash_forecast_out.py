# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The forecast's cash-out (VAT, advertising, recurring items), the 13-week table
and the scenarios, each on a small dataset worked out by hand."""

from datetime import date, datetime

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .cash_forecast_common import TODAY, CashForecastCase

MONDAYS = [
    date(2026, 11, 9),
    date(2026, 11, 16),
    date(2026, 11, 23),
    date(2026, 11, 30),
    date(2026, 12, 7),
    date(2026, 12, 14),
    date(2026, 12, 21),
    date(2026, 12, 28),
    date(2027, 1, 4),
    date(2027, 1, 11),
    date(2027, 1, 18),
    date(2027, 1, 25),
]


@freeze_time("2026-11-05 10:00:00")
@tagged("post_install", "-at_install")
class TestCashForecastOut(CashForecastCase):
    """Channels closing on Fridays, paid the next business day. A company in EUR
    with its own 20 % VAT (collected on 445719, deductible on
    445669). USD is worth 1/1.60 = 0.625 EUR from 1/11/2026."""

    channel_defaults = {
        "payout_cycle": "weekly",
        "payout_weekday": "4",
        "payout_deposit_lag": 1,
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.setup_other_currency(
            "USD", rates=[("2026-01-01", 1.25), ("2026-11-01", 1.60)]
        )
        cls.customer = cls.env["res.partner"].create({"name": "Client out"})
        cls.vendor = cls.env["res.partner"].create({"name": "Fournisseur out"})
        cls.product = cls.env["product.product"].create(
            {"name": "Lampe out", "type": "consu", "list_price": 100.0}
        )
        cls.vat_sale = cls.vat("TVA 20 % out", "sale", "445719")
        cls.vat_purchase = cls.vat("TVA 20 % déductible out", "purchase", "445669")

    @classmethod
    def vat(cls, name, use, code):
        account = cls.env["account.account"].create(
            {
                "name": name,
                "code": code,
                "account_type": "liability_current",
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        lines = [
            Command.create({"repartition_type": "base"}),
            Command.create({"repartition_type": "tax", "account_id": account.id}),
        ]
        return cls.env["account.tax"].create(
            {
                "name": name,
                "amount": 20.0,
                "type_tax_use": use,
                "company_id": cls.company.id,
                "invoice_repartition_line_ids": lines,
                "refund_repartition_line_ids": lines,
            }
        )

    # ---- helpers

    def invoice(self, move_type, amount, day, due=None, taxed=False):
        """A posted invoice or bill of ``amount`` excl. VAT dated ``day``, due on
        ``due`` (default: ``day``), with 20 % VAT if ``taxed``."""
        customer = move_type.startswith("out")
        tax = self.vat_sale if customer else self.vat_purchase
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (self.customer if customer else self.vendor).id,
                "invoice_date": day,
                "date": day,
                "invoice_payment_term_id": False,
                "invoice_date_due": due or day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Lot",
                            "price_unit": amount,
                            "tax_ids": [Command.set(tax.ids if taxed else [])],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def bank(self, amount, day="2026-11-01"):
        journal = self.company_data["default_journal_bank"]
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": day,
                "journal_id": journal.id,
                "line_ids": [
                    Command.create(
                        {"account_id": journal.default_account_id.id, "debit": amount}
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
        )
        move.action_post()
        return move

    def scenario(self, name, *shocks):
        return self.env["marketplace.cash.scenario"].create(
            {
                "name": name,
                "company_id": self.company.id,
                "shock_ids": [
                    Command.create({"date_start": "2026-11-02"} | shock)
                    for shock in shocks
                ],
            }
        )

    def weeks(self, forecast, scenario=None):
        return self.env["marketplace.cash.forecast.week"].search(
            [
                ("forecast_id", "=", forecast.id),
                ("scenario_id", "=", scenario.id if scenario else False),
            ],
            order="week",
        )

    # ---- VAT

    def test_vat_monthly_previous_and_open_month(self):
        """Monthly returns, paid on the 20th (French CA3: the VAT of month M in
        M+1). Collected is a credit of the tax account, deductible a debit:
        - September: 300.00 invoiced, VAT 60.00, was due 20/10: paid, not expected;
        - October (closed, due 20/11, still to come): 2,000.00 invoiced, VAT
          -400.00, 500.00 bought, VAT +100.00: -300.00 on 20/11;
        - November (open, its balance so far, due 20/12): 1,000.00 invoiced,
          -200.00, 250.00 bought, +50.00: -150.00 on 20/12; an invoice dated
          tomorrow (100.00, VAT 20.00) is not in it yet.
        On 21/11: October's VAT was due yesterday (paid, not expected again);
        November so far, with the invoice of 6/11: -170.00 on 20/12."""
        self.company.write({"cash_vat_periodicity": "monthly", "cash_vat_day": 20})
        self.invoice("out_invoice", 300.00, "2026-09-01", taxed=True)
        self.invoice("out_invoice", 2000.00, "2026-10-15", taxed=True)
        self.invoice("in_invoice", 500.00, "2026-10-20", taxed=True)
        self.invoice("out_invoice", 1000.00, "2026-11-03", taxed=True)
        self.invoice("in_invoice", 250.00, "2026-11-04", taxed=True)
        self.invoice("out_invoice", 100.00, "2026-11-06", taxed=True)
        forecast = self.forecast()
        self.assertEqual(
            self.flows(forecast, "vat"),
            [(date(2026, 11, 20), -300.00), (date(2026, 12, 20), -150.00)],
        )
        weeks = self.weeks(forecast)
        # 20/11 is in week 3 (16-22/11), 20/12 in week 7 (14-20/12).
        self.assertEqual(weeks[2].amount_vat, -300.00)
        self.assertEqual(weeks[6].amount_vat, -150.00)
        later = self.forecast(date(2026, 11, 21))
        self.assertEqual(self.flows(later, "vat"), [(date(2026, 12, 20), -170.00)])

    def test_vat_quarterly_and_credit(self):
        """Quarterly returns, paid on the 24th of the month after the quarter.
        Q3: 1,000.00 invoiced on 15/9, VAT -200.00, due 24/10. Q4: 1,000.00
        invoiced on 15/10 (-200.00), 2,000.00 bought on 3/11 (+400.00).
        - On 5/10: Q3's -200.00 expected on 24/10; Q4 has nothing yet.
        - On 5/11: Q3 paid (24/10 is past); Q4 a credit of +200.00: nothing to pay
          (a credit is not a cash-in, nor carried to another period here).
        - 1,500.00 more invoiced on 4/11 (-300.00): Q4 -100.00 on 24/1/2027."""
        self.company.write({"cash_vat_periodicity": "quarterly", "cash_vat_day": 24})
        self.invoice("out_invoice", 1000.00, "2026-09-15", taxed=True)
        self.invoice("out_invoice", 1000.00, "2026-10-15", taxed=True)
        self.invoice("in_invoice", 2000.00, "2026-11-03", taxed=True)
        october = self.forecast(date(2026, 10, 5))
        self.assertEqual(self.flows(october, "vat"), [(date(2026, 10, 24), -200.00)])
        self.assertEqual(self.flows(self.forecast(), "vat"), [])
        self.invoice("out_invoice", 1500.00, "2026-11-04", taxed=True)
        forecast = self.forecast()
        self.assertEqual(self.flows(forecast, "vat"), [(date(2027, 1, 24), -100.00)])
        # Sunday 24/1 is in week 12 (18-24/1).
        self.assertEqual(self.weeks(forecast)[11].amount_vat, -100.00)

    # ---- advertising

    def test_advertising_run_rate_per_channel(self):
        """The last 28 days (8/10 00:00 to 4/11 24:00) per week, every Monday from
        9/11 to 25/1 (12 Mondays; the rest of this week is not in it):
        - Amazon (EUR): -100.00 on 12/10 and -60.00 on 1/11: -160.00 / 4 =
          -40.00 a week; -500.00 on 7/10 (29 days ago) and -40.00 this morning
          are not in the window; its sales are not advertising;
        - Amazon.com (USD): -80.00 USD on 20/10, at today's rate 0.625: -50.00
          EUR, -12.50 a week;
        - a channel with sales only: no advertising."""
        amazon = self.channel("Amazon out")
        self.ledger(
            amazon,
            [
                ("advertising", -500.00, "2026-10-07 10:00"),
                ("advertising", -100.00, "2026-10-12 10:00"),
                ("sale", 900.00, "2026-10-12 10:00"),
                ("advertising", -60.00, "2026-11-01 10:00"),
            ],
            payout=datetime(2026, 11, 2, 6, 0),
        )
        self.ledger(amazon, [("advertising", -40.00, "2026-11-05 08:00")])
        amazon_us = self.channel("Amazon.com out", currency_id=self.usd.id)
        self.ledger(
            amazon_us,
            [("advertising", -80.00, "2026-10-20 10:00")],
            payout=datetime(2026, 11, 2, 6, 0),
        )
        shop = self.channel("Shop out")
        self.ledger(
            shop,
            [("sale", 70.00, "2026-10-20 10:00")],
            payout=datetime(2026, 11, 2, 6, 0),
        )
        forecast = self.forecast()
        ads = self.flows(
            forecast, "advertising", fields=("channel_id", "day", "amount")
        )
        self.assertEqual(
            sorted((c.name, d, a) for c, d, a in ads),
            sorted(
                [("Amazon out", day, -40.00) for day in MONDAYS]
                + [("Amazon.com out", day, -12.50) for day in MONDAYS]
            ),
        )
        weeks = self.weeks(forecast)
        self.assertEqual(weeks.mapped("amount_advertising"), [0.0] + [-52.50] * 12)

    # ---- recurring items

    def test_recurring_items(self):
        """From today (5/11) to Sunday 31/1:
        - salaries -3,000.00 monthly on the 31st (from 31/1/2026): 30/11 (a
          30-day month), 31/12, 31/1;
        - rent -1,200.00 quarterly from 15/8: 15/11 (15/2 is after the horizon);
        - a loan repaid -100.00 weekly from 11/11 to 25/11: 11, 18, 25/11;
        - fees -10.00 weekly from Monday 2/11 to 16/11: 9/11 and 16/11 (2/11 is
          before today: paid, in the bank balance);
        - a loan received +500.00 monthly from 20/12: 20/12, 20/1;
        - a lease ended on 31/10, and an archived item: nothing.
        Per week: 2 (9-15/11) -1,310.00; 3 -110.00; 4 -100.00; 5 -3,000.00; 7
        (14-20/12) +500.00; 9 (28/12-3/1) -3,000.00; 12 +500.00; 13 -3,000.00."""
        Recurring = self.env["marketplace.cash.recurring"]
        for name, amount, frequency, start, end in (
            ("Salaires", -3000.00, "monthly", "2026-01-31", False),
            ("Loyer", -1200.00, "quarterly", "2026-08-15", False),
            ("Prêt", -100.00, "weekly", "2026-11-11", "2026-11-25"),
            ("Frais", -10.00, "weekly", "2026-11-02", "2026-11-16"),
            ("Prêt reçu", 500.00, "monthly", "2026-12-20", False),
            ("Crédit-bail", -999.00, "monthly", "2026-01-10", "2026-10-31"),
        ):
            Recurring.create(
                {
                    "name": name,
                    "company_id": self.company.id,
                    "amount": amount,
                    "frequency": frequency,
                    "date_start": start,
                    "date_end": end,
                }
            )
        Recurring.create(
            {
                "name": "Archivé",
                "company_id": self.company.id,
                "amount": -77.00,
                "date_start": "2026-11-10",
                "active": False,
            }
        )
        forecast = self.forecast()
        self.assertEqual(
            self.flows(forecast, "recurring"),
            [
                (date(2026, 11, 9), -10.00),
                (date(2026, 11, 11), -100.00),
                (date(2026, 11, 15), -1200.00),
                (date(2026, 11, 16), -10.00),
                (date(2026, 11, 18), -100.00),
                (date(2026, 11, 25), -100.00),
                (date(2026, 11, 30), -3000.00),
                (date(2026, 12, 20), 500.00),
                (date(2026, 12, 31), -3000.00),
                (date(2027, 1, 20), 500.00),
                (date(2027, 1, 31), -3000.00),
            ],
        )
        self.assertEqual(
            self.weeks(forecast).mapped("amount_recurring"),
            [0.0, -1310.0, -110.0, -100.0, -3000.0, 0.0, 500.0, 0.0, -3000.0]
            + [0.0, 0.0, 500.0, -3000.0],
        )

    # ---- the 13-week table

    def test_thirteen_weeks_sum_from_the_bank_and_drill_down(self):
        """Opening 5,000.00 (the bank on 1/11; an entry of 9/11 is not in it).
        - a bill of -300.00 due 20/10, overdue: expected now, week 1;
        - rent -1,000.00 on the 10th: 10/11 (week 2), 10/12 (6), 10/1 (10);
        - a customer invoice of 800.00 due 16/11 and a bill of -250.00 due 17/11:
          week 3;
        - a bill of -700.00 due 15/2/2027: after the horizon, not in the weeks.
        Closings: 4,700 | 3,700 | 4,250 x 3 | 3,250 x 4 | 2,250 x 4; the lowest
        2,250.00 in week 10 (the first of the equal ones); after: -700.00."""
        self.bank(5000.00)
        self.bank(999.00, "2026-11-09")
        overdue = self.invoice("in_invoice", 300.00, "2026-10-01", "2026-10-20")
        rent = self.env["marketplace.cash.recurring"].create(
            {
                "name": "Loyer",
                "company_id": self.company.id,
                "amount": -1000.00,
                "frequency": "monthly",
                "date_start": "2026-01-10",
            }
        )
        invoice = self.invoice("out_invoice", 800.00, "2026-10-16", "2026-11-16")
        bill = self.invoice("in_invoice", 250.00, "2026-10-17", "2026-11-17")
        late = self.invoice("in_invoice", 700.00, "2026-10-15", "2027-02-15")
        forecast = self.forecast()
        weeks = self.weeks(forecast)
        self.assertEqual(len(weeks), 13)
        closings = [4700.0, 3700.0] + [4250.0] * 3 + [3250.0] * 4 + [2250.0] * 4
        self.assertEqual(weeks.mapped("closing"), closings)
        self.assertEqual(weeks.mapped("opening"), [5000.0, *closings[:-1]])
        for week in weeks:
            self.assertAlmostEqual(
                week.opening + week.total_in + week.total_out, week.closing, 2
            )
        self.assertEqual(
            [(w.total_in, w.total_out) for w in weeks[:3]],
            [(0.0, -300.0), (0.0, -1000.0), (800.0, -250.0)],
        )
        self.assertEqual(
            (forecast.opening, forecast.closing, forecast.lowest_week),
            (5000.00, 2250.00, 10),
        )
        self.assertEqual((forecast.lowest, forecast.beyond), (2250.00, -700.00))
        self.assertEqual(
            self.flows(forecast, "suppliers", fields=("day", "week", "res_ids")),
            [
                (TODAY, 1, f"[{overdue.id}]"),
                (date(2026, 11, 17), 3, f"[{bill.id}]"),
                (date(2027, 2, 15), 16, f"[{late.id}]"),
            ],
        )
        self.assertNotIn(-700.0, weeks.mapped("amount_suppliers"))

        def behind(week, source=None):
            flows = week.with_context(forecast_source=source).action_open_flows()
            action = self.env[flows["res_model"]].search(flows["domain"])
            return action.action_open_records()

        action = behind(weeks[2], "suppliers")
        self.assertEqual(
            (action["res_model"], action["domain"]),
            ("account.move", [("id", "in", bill.ids)]),
        )
        action = behind(weeks[2])  # the whole week: the invoice and the bill
        self.assertEqual(action["domain"], [("id", "in", sorted((invoice | bill).ids))])
        action = behind(weeks[0])
        self.assertEqual(action["domain"], [("id", "in", overdue.ids)])
        action = behind(weeks[1], "recurring")
        self.assertEqual(
            (action["res_model"], action["domain"]),
            ("marketplace.cash.recurring", [("id", "in", rent.ids)]),
        )
        # A cell without flows: no action.
        self.assertFalse(behind(weeks[12], "suppliers"))

    # ---- scenarios

    def test_supplier_terms_move_bills_and_purchases(self):
        """From 0.00 in the bank: a customer invoice of 600.00 due 16/11, a bill
        of -400.00 due 16/11, a purchase of 10 x 50.00 planned 10/11 with 15 days
        terms (an expected bill of -500.00 on 25/11), a bill of -300.00 due
        30/1/2027. Suppliers 10 days later: the bill on 26/11, the purchase on
        5/12, the last bill on 9/2 (after the horizon); the customer stays.
        Base: 0 | 0 | 200 | -300 (week 4: 23-29/11) ... -600.00 in week 13 (the
        lowest). Scenario: 0 | 0 | 600 | 200 (26/11) | -300 (5/12, week 5:
        30/11-6/12) ... -300.00 in week 13; its lowest -300.00 in week 5."""
        self.invoice("out_invoice", 600.00, "2026-10-16", "2026-11-16")
        self.invoice("in_invoice", 400.00, "2026-10-16", "2026-11-16")
        order = self.purchase(10, 50.00)
        self.invoice("in_invoice", 300.00, "2026-10-16", "2027-01-30")
        scenario = self.scenario(
            "Fournisseurs +10 jours", {"kind": "supplier_terms", "value": 10}
        )
        forecast = self.forecast(scenarios=scenario)
        self.assertEqual(
            self.flows(forecast, "purchases", fields=("day", "amount", "res_ids")),
            [(date(2026, 11, 25), -500.00, f"[{order.id}]")],
        )
        self.assertEqual(
            self.flows(forecast, "suppliers", scenario),
            [
                (date(2026, 11, 26), -400.00),
                (date(2027, 2, 9), -300.00),
            ],
        )
        self.assertEqual(
            self.flows(forecast, "purchases", scenario), [(date(2026, 12, 5), -500.00)]
        )
        self.assertEqual(
            self.flows(forecast, "customers", scenario), [(date(2026, 11, 16), 600.00)]
        )
        self.assertEqual(
            self.weeks(forecast, scenario).mapped("closing"),
            [0.0, 0.0, 600.0, 200.0, -300.0] + [-300.0] * 8,
        )
        self.assertEqual(
            self.weeks(forecast).mapped("closing"),
            [0.0, 0.0, 200.0, -300.0] + [-300.0] * 8 + [-600.0],
        )
        self.assertEqual((forecast.lowest_week, forecast.lowest), (13, -600.00))
        self.assertEqual(
            (scenario.lowest_week, scenario.lowest, scenario.closing),
            (5, -300.00, -300.00),
        )

    def test_one_off_items(self):
        """From 10,000.00: a loan of +5,000.00 on 20/11 (week 3), a machine of
        -8,000.00 on 14/12 (week 7), a tax of -2,000.00 on 15/3/2027 (after the
        horizon: not in the weeks). Base: 10,000.00 every week. Scenario: 10,000
        x 2 | 15,000 x 4 | 7,000 x 7: lowest 7,000.00 in week 7. The loan's cell
        opens the scenario's shock behind it."""
        self.bank(10000.00)
        scenario = self.env["marketplace.cash.scenario"].create(
            {
                "name": "Prêt et machine",
                "company_id": self.company.id,
                "shock_ids": [
                    Command.create(
                        {"kind": "one_off", "name": name, "amount": amount, "date": day}
                    )
                    for name, amount, day in (
                        ("Prêt BPI", 5000.00, "2026-11-20"),
                        ("Machine", -8000.00, "2026-12-14"),
                        ("Impôt", -2000.00, "2027-03-15"),
                    )
                ],
            }
        )
        forecast = self.forecast(scenarios=scenario)
        self.assertEqual(self.weeks(forecast).mapped("closing"), [10000.0] * 13)
        weeks = self.weeks(forecast, scenario)
        self.assertEqual(
            weeks.mapped("closing"), [10000.0] * 2 + [15000.0] * 4 + [7000.0] * 7
        )
        self.assertEqual(
            weeks.mapped("amount_one_off"),
            [0.0, 0.0, 5000.0, 0.0, 0.0, 0.0, -8000.0] + [0.0] * 6,
        )
        self.assertEqual((scenario.lowest_week, scenario.lowest), (7, 7000.00))
        self.assertEqual(
            self.flows(forecast, "one_off", scenario),
            [
                (date(2026, 11, 20), 5000.00),
                (date(2026, 12, 14), -8000.00),
                (date(2027, 3, 15), -2000.00),
            ],
        )
        action = (
            self.env[weeks[2].action_open_flows()["res_model"]]
            .search(weeks[2].action_open_flows()["domain"])
            .action_open_records()
        )
        loan = scenario.shock_ids.filtered(lambda s: s.name == "Prêt BPI")
        self.assertEqual(
            (action["res_model"], action["domain"]),
            ("marketplace.cash.scenario.shock", [("id", "in", loan.ids)]),
        )

    def test_reserve_and_return_rate_on_one_channel(self):
        """From 1,000.00: Amazon has an open sale of 200.00 and Cdiscount one of
        100.00 (4/11), both paid at the Friday 6/11 close, deposited Monday 9/11.
        Base: 1,000.00 then 1,300.00.
        - Amazon's reserve +20 % for 14 days: 200.00 -> 160.00 on 9/11 and
          40.00 back on 23/11; Cdiscount unchanged: 1,000 | 1,260 | 1,260 |
          1,300 ...
        - Cdiscount's returns +10 points: a refund of -10.00 beside its 100.00;
          Amazon's payout unchanged: 1,000 | 1,290 ..."""
        self.bank(1000.00)
        amazon = self.channel("Amazon reserve out")
        cdiscount = self.channel("Cdiscount returns out")
        self.ledger(amazon, [("sale", 200.00, "2026-11-04 10:00")])
        self.ledger(cdiscount, [("sale", 100.00, "2026-11-04 10:00")])
        reserve = self.scenario(
            "Réserve Amazon +20 %",
            {"kind": "reserve", "value": 0.20, "channel_id": amazon.id, "days": 14},
        )
        returns = self.scenario(
            "Retours Cdiscount +10 pts",
            {"kind": "return_rate", "value": 0.10, "channel_id": cdiscount.id},
        )
        forecast = self.forecast(scenarios=reserve | returns)
        self.assertEqual(
            self.weeks(forecast).mapped("closing"), [1000.0] + [1300.0] * 12
        )
        fields = ("channel_id", "day", "amount")
        self.assertEqual(
            sorted(
                self.flows(forecast, "payouts", reserve, fields),
                key=lambda f: (f[1], f[0].id),
            ),
            [
                (amazon, date(2026, 11, 9), 160.00),
                (cdiscount, date(2026, 11, 9), 100.00),
                (amazon, date(2026, 11, 23), 40.00),
            ],
        )
        self.assertEqual(
            self.weeks(forecast, reserve).mapped("closing"),
            [1000.0, 1260.0, 1260.0] + [1300.0] * 10,
        )
        self.assertEqual(
            sorted(
                self.flows(forecast, "payouts", returns, fields),
                key=lambda f: (f[0].id, f[2]),
            ),
            [
                (amazon, date(2026, 11, 9), 200.00),
                (cdiscount, date(2026, 11, 9), -10.00),
                (cdiscount, date(2026, 11, 9), 100.00),
            ],
        )
        self.assertEqual(
            self.weeks(forecast, returns).mapped("closing"), [1000.0] + [1290.0] * 12
        )

    def test_volume_down_twenty_percent_over_30_days(self):
        """From 2,000.00: an open sale of 100.00 (4/11) paid on 9/11; ads -160.00
        over the last 28 days: -40.00 every Monday from 9/11; a purchase of 20 x
        50.00 planned 10/11 (15 days): -1,000.00 on 25/11.
        Base: 2,000 | 2,060 | 2,020 | 980 | 940, then -40.00 a week to 620.00
        (lowest, week 13).
        Volume -20 % from 2/11 for 30 days (to 1/12): the payout 80.00, the ads of
        9/11, 16/11, 23/11 and 30/11 -32.00, the purchase -800.00 (no lead
        time); the ads from 7/12 stay -40.00: 2,000 | 2,048 | 2,016 | 1,184 |
        1,152, then 1,112 ... 832.00 (lowest, week 13): 212.00 above the base
        (-20.00 of sales, +4 x 8.00 of ads, +200.00 of purchases)."""
        self.bank(2000.00)
        channel = self.channel("Volume out")
        self.ledger(
            channel,
            [
                ("advertising", -100.00, "2026-10-12 10:00"),
                ("advertising", -60.00, "2026-11-01 10:00"),
            ],
            payout=datetime(2026, 11, 2, 6, 0),
        )
        self.ledger(channel, [("sale", 100.00, "2026-11-04 10:00")])
        self.purchase(20, 50.00)
        scenario = self.scenario(
            "Volume -20 %", {"kind": "volume", "value": -0.20, "duration_days": 30}
        )
        forecast = self.forecast(scenarios=scenario)
        base = [2000.0, 2060.0, 2020.0, 980.0] + [940.0 - 40 * k for k in range(9)]
        self.assertEqual(self.weeks(forecast).mapped("closing"), base)
        weeks = self.weeks(forecast, scenario)
        curve = [2000.0, 2048.0, 2016.0, 1184.0] + [1152.0 - 40 * k for k in range(9)]
        self.assertEqual(weeks.mapped("closing"), curve)
        self.assertEqual(sum(weeks.mapped("amount_payouts")), 80.00)
        self.assertEqual(
            (forecast.lowest_week, forecast.lowest, scenario.lowest_week),
            (13, 620.00, 13),
        )
        self.assertEqual(scenario.lowest - forecast.lowest, 212.00)
        self.assertEqual(
            self.flows(forecast, "advertising", scenario)[:5],
            [(day, -32.00) for day in MONDAYS[:4]] + [(MONDAYS[4], -40.00)],
        )

    def test_scenario_follows_the_base_and_four_at_most(self):
        """Suppliers 7 days later: the bill of -400.00 due 16/11 is expected on
        23/11. A bill of -100.00 due 20/11 is posted: the next computation of
        the forecast moves it too (27/11), and so does the scenario's own
        recomputation on the latest forecast after a third bill (-50.00 due
        1/12 -> 8/12). Four scenarios can be compared, not five."""
        self.invoice("in_invoice", 400.00, "2026-10-16", "2026-11-16")
        later = self.scenario("Fournisseurs +7", {"kind": "supplier_terms", "value": 7})
        forecast = self.forecast(scenarios=later)
        self.assertEqual(
            self.flows(forecast, "suppliers", later), [(date(2026, 11, 23), -400.00)]
        )
        self.invoice("in_invoice", 100.00, "2026-10-20", "2026-11-20")
        forecast.action_compute()
        self.assertEqual(
            self.flows(forecast, "suppliers", later),
            [(date(2026, 11, 23), -400.00), (date(2026, 11, 27), -100.00)],
        )
        self.assertEqual(self.weeks(forecast, later)[-1].closing, -500.00)
        self.invoice("in_invoice", 50.00, "2026-10-20", "2026-12-01")
        forecast._compute_forecast()
        later.action_compute()
        self.assertEqual(
            self.flows(forecast, "suppliers", later)[-1], (date(2026, 12, 8), -50.00)
        )
        self.assertEqual(len(self.weeks(forecast, later)), 13)
        self.assertEqual(later.closing, -550.00)
        others = [
            self.scenario(f"Volume {n}", {"kind": "volume", "value": n / 10})
            for n in range(1, 5)
        ]
        forecast.scenario_ids = later | others[0] | others[1] | others[2]
        self.assertEqual(len(forecast.scenario_ids), 4)
        with self.assertRaises(ValidationError):
            forecast.scenario_ids |= others[3]
