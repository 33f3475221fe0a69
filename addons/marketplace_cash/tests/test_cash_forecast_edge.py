# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The 13-week forecast and the dashboard on the data the worked examples of
test_cash_forecast do not have: foreign currencies, partial payments, credit notes,
installments, purchases partly received and billed, several bank journals, odd
payout calendars, extreme scenarios, a second company, a company with no data."""

from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .cash_forecast_common import TODAY, CashForecastCase


@freeze_time("2026-11-05 10:00:00")
@tagged("post_install", "-at_install")
class TestCashForecastEdge(CashForecastCase):
    """A company in EUR. USD is worth 1/1.25 = 0.80 EUR from 1/1/2026 (the rate
    of the invoices and bills of October) and 1/1.60 = 0.625 EUR from 1/11/2026,
    today's rate: 1,000.00 USD booked 800.00 EUR are worth 625.00 EUR today."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.company.currency_id
        cls.usd = cls.setup_other_currency(
            "USD", rates=[("2026-01-01", 1.25), ("2026-11-01", 1.60)]
        )
        cls.customer = cls.env["res.partner"].create({"name": "Client edge"})
        cls.vendor = cls.env["res.partner"].create({"name": "Fournisseur edge"})
        cls.product = cls.env["product.product"].create(
            {"name": "Lampe edge", "type": "consu", "list_price": 100.0}
        )
        cls.terms_30_70 = cls.env["account.payment.term"].create(
            {
                "name": "30 % now, 70 % at 60 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 30.0, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 70.0, "nb_days": 60}
                    ),
                ],
            }
        )

    # ---- helpers

    def invoice(
        self, move_type, amount, invoice_date, due=None, currency=None, **values
    ):
        partner = self.customer if move_type.startswith("out") else self.vendor
        vals = {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "date": invoice_date,
            "currency_id": (currency or self.eur).id,
            "invoice_line_ids": [
                Command.create({"name": "Lot", "price_unit": amount, "tax_ids": False})
            ],
            **values,
        }
        if due:
            vals.update(invoice_payment_term_id=False, invoice_date_due=due)
        move = self.env["account.move"].create(vals)
        move.action_post()
        return move

    def pay(self, move, amount, day):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"payment_date": day, "amount": amount})._create_payments()

    def entry(self, journal, amount, day, currency=None, amount_currency=None):
        """A posted bank entry of ``amount`` (company currency) on ``journal``."""
        currency = currency or self.eur
        amount_currency = amount if amount_currency is None else amount_currency
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": day,
                "journal_id": journal.id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": journal.default_account_id.id,
                            "debit": amount,
                            "currency_id": currency.id,
                            "amount_currency": amount_currency,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                            "credit": amount,
                            "currency_id": currency.id,
                            "amount_currency": -amount_currency,
                        }
                    ),
                ],
            }
        )
        move.action_post()
        return move

    # ---- customers and suppliers

    def test_customer_invoices_partial_credit_note_foreign(self):
        """- 1,000.00 EUR due 20/11, 400.00 paid on 3/11: 600.00 expected;
        - a credit note of 150.00 due 20/11: netted, 450.00 on 20/11;
        - 1,000.00 USD of 1/10 (800.00 EUR booked) due 27/11: 625.00 at today's
          rate (1/1.60), what the bank will get in EUR;
        - 500.00 USD of 1/10 due 4/12, 200.00 USD paid on 3/11: the 300.00 USD
          left, 187.50 EUR;
        - a paid invoice and a draft one: nothing.
        The customer has no payment history: no shift."""
        partial = self.invoice("out_invoice", 1000.00, "2026-10-20", "2026-11-20")
        self.pay(partial, 400.00, "2026-11-03")
        self.invoice("out_refund", 150.00, "2026-10-25", "2026-11-20")
        self.invoice("out_invoice", 1000.00, "2026-10-01", "2026-11-27", self.usd)
        usd_partial = self.invoice(
            "out_invoice", 500.00, "2026-10-01", "2026-12-04", self.usd
        )
        self.pay(usd_partial, 200.00, "2026-11-03")
        self.assertEqual(usd_partial.amount_residual, 300.00)
        self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-10-20",
                "invoice_line_ids": [
                    Command.create({"name": "Draft", "price_unit": 999.00})
                ],
            }
        )
        forecast = self.forecast()
        self.assertEqual(
            self.flows(forecast, "customers"),
            [
                (date(2026, 11, 20), 450.00),
                (date(2026, 11, 27), 625.00),
                (date(2026, 12, 4), 187.50),
            ],
        )

    def test_installments_each_on_its_due_date(self):
        """30 % now, 70 % at 60 days, invoiced on 20/10: the first installment was
        due on 20/10 (overdue: expected now, 5/11), the second on 19/12. A
        customer invoice of 2,000.00: 600.00 on 5/11 and 1,400.00 on 19/12, not
        2,000.00 on 19/12 (the move's due date is its last installment's); a
        vendor bill of 1,000.00 with the same terms: -300.00 and -700.00."""
        for move_type, amount in (("out_invoice", 2000.00), ("in_invoice", 1000.00)):
            move = self.invoice(
                move_type,
                amount,
                "2026-10-20",
                invoice_payment_term_id=self.terms_30_70.id,
            )
            self.assertEqual(move.invoice_date_due, date(2026, 12, 19))
        forecast = self.forecast()
        self.assertEqual(
            self.flows(forecast, "customers"),
            [(TODAY, 600.00), (date(2026, 12, 19), 1400.00)],
        )
        self.assertEqual(
            self.flows(forecast, "suppliers"),
            [(TODAY, -300.00), (date(2026, 12, 19), -700.00)],
        )
        # A customer's installment paid: only the other one is left.
        first = self.env["account.move"].search(
            [("move_type", "=", "out_invoice"), ("company_id", "=", self.company.id)]
        )
        self.pay(first, 600.00, "2026-11-04")
        self.assertEqual(
            self.flows(self.forecast(), "customers"), [(date(2026, 12, 19), 1400.00)]
        )

    def test_vendor_bills_partial_refund_foreign(self):
        """- a bill of 1,000.00 due 16/11, 250.00 paid on 2/11: -750.00;
        - a vendor refund of 100.00 due 16/11: netted, -650.00 on 16/11;
        - a bill of 500.00 USD of 1/10 (400.00 EUR booked) due 23/11: -312.50 EUR
          at today's rate."""
        bill = self.invoice("in_invoice", 1000.00, "2026-10-15", "2026-11-16")
        self.pay(bill, 250.00, "2026-11-02")
        self.invoice("in_refund", 100.00, "2026-10-20", "2026-11-16")
        self.invoice("in_invoice", 500.00, "2026-10-01", "2026-11-23", self.usd)
        forecast = self.forecast()
        self.assertEqual(
            self.flows(forecast, "suppliers"),
            [(date(2026, 11, 16), -650.00), (date(2026, 11, 23), -312.50)],
        )

    def bill_purchase(self, order, qty, post=True):
        line = order.order_line
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.vendor.id,
                "invoice_date": "2026-11-05",
                "invoice_date_due": "2026-11-30",
                "invoice_payment_term_id": False,
                "currency_id": order.currency_id.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "quantity": qty,
                            "price_unit": line.price_unit,
                            "tax_ids": False,
                            "purchase_line_id": line.id,
                        }
                    )
                ],
            }
        )
        if post:
            bill.action_post()
        return bill

    def test_purchases_partly_received_and_billed(self):
        """10 x 100.00 ordered (15 days terms, planned 10/11), 6 received today,
        4 billed by a posted bill (-400.00 due 30/11, a supplier bill) and 2 by a
        bill still in draft: the 6 not billed by a posted bill, 600.00, expected at
        the receipt (5/11) + 15 days = 20/11 (the draft bill is not in the
        supplier bills: its units stay expected). 10 x 100.00 USD planned 10/11:
        1,000.00 USD x 0.625 = 625.00 EUR on 25/11. A cancelled order: nothing."""
        order = self.purchase()
        picking = order.picking_ids
        picking.move_ids.quantity = 6
        Form.from_action(self.env, picking.button_validate()).save().process()
        self.assertEqual(order.order_line.qty_received, 6)
        self.assertEqual(order.effective_date.date(), TODAY)
        self.bill_purchase(order, 4)
        self.bill_purchase(order, 2, post=False)
        usd_order = self.purchase(currency=self.usd)
        self.purchase(qty=3).button_cancel()
        forecast = self.forecast()
        purchases = forecast.flow_ids.filtered(lambda f: f.source == "purchases")
        self.assertEqual(
            sorted((f.day, f.amount, f.res_ids) for f in purchases),
            [
                (date(2026, 11, 20), -600.00, f"[{order.id}]"),
                (date(2026, 11, 25), -625.00, f"[{usd_order.id}]"),
            ],
        )
        self.assertEqual(
            self.flows(forecast, "suppliers"), [(date(2026, 11, 30), -400.00)]
        )

    def test_purchases_billed_in_full(self):
        """Two orders of 5 x 100.00 (15 days terms), received in full today:
        one billed in full by a posted bill (Odoo: fully billed; the bill, due
        30/11, is a supplier bill: no expected purchase), the other by a bill
        still in draft (Odoo says fully billed too, but the forecast does not
        read draft bills: its 500.00 stays expected on 5/11 + 15 = 20/11)."""
        posted = self.purchase(qty=5)
        drafted = self.purchase(qty=5)
        for order in posted | drafted:
            order.picking_ids.button_validate()
        self.bill_purchase(posted, 5)
        self.bill_purchase(drafted, 5, post=False)
        self.assertEqual(
            (posted | drafted).mapped("invoice_status"), ["invoiced", "invoiced"]
        )
        forecast = self.forecast()
        purchases = forecast.flow_ids.filtered(lambda f: f.source == "purchases")
        self.assertEqual(
            [(f.day, f.amount, f.res_ids) for f in purchases],
            [(date(2026, 11, 20), -500.00, f"[{drafted.id}]")],
        )
        self.assertEqual(
            self.flows(forecast, "suppliers"), [(date(2026, 11, 30), -500.00)]
        )

    # ---- the opening bank balance

    def test_opening_several_bank_journals_and_currency(self):
        """The default bank journal: 10,000.00; a second EUR bank journal:
        2,000.00; a USD bank journal: 1,000.00 USD received on 1/10 (800.00 EUR
        booked), worth 625.00 EUR today. An entry of tomorrow and a draft one are
        not in the balance: opening 12,625.00."""
        bank = self.company_data["default_journal_bank"]
        self.entry(bank, 10000.00, "2026-11-01")
        self.entry(bank, 500.00, "2026-11-06")
        second = self.env["account.journal"].create(
            {"name": "Banque 2", "code": "BQE2", "type": "bank"}
        )
        self.entry(second, 2000.00, "2026-10-15")
        draft = self.entry(second, 700.00, "2026-10-15")
        draft.button_draft()
        usd_bank = self.env["account.journal"].create(
            {
                "name": "Bank USD",
                "code": "BUSD",
                "type": "bank",
                "currency_id": self.usd.id,
            }
        )
        self.entry(usd_bank, 800.00, "2026-10-01", self.usd, 1000.00)
        forecast = self.forecast()
        self.assertEqual(forecast.opening, 12625.00)
        self.assertEqual(forecast.week_ids.sorted("week")[0].opening, 12625.00)
        self.assertEqual(forecast.closing, 12625.00)

    # ---- payout calendars

    def test_channel_default_calendar_and_monthly_31st(self):
        """A generic channel with nothing configured: every 14 days from Monday
        5/1/2026 (closes 26/10, 9/11...), deposited 3 business days later; an open
        line of 100.00 posted 4/11: close 9/11, deposit Thursday 12/11.

        A monthly channel closing on the 31st, 2 business days of lag, orders
        released 30 days after the order, 15 % fees and 5 % returns: an open line
        of 200.00 (3/11) is paid at the close of 30/11 (November has 30 days),
        Monday, deposited Wednesday 2/12; an order of 100.00 of 4/11 (80.75 net) is
        released on 4/12, closed on Thursday 31/12 and deposited Tuesday 5/1/2027
        (1/1 is a bank holiday: Monday 4/1 is the first business day, Tuesday the
        second)."""
        default = self.channel("Generic edge")
        self.ledger(default, [("sale", 100.00, "2026-11-04 10:00")])
        monthly = self.channel(
            "Monthly edge",
            payout_cycle="monthly",
            payout_month_day=31,
            payout_deposit_lag=2,
            payout_release_days=30,
            forecast_fee_rate=0.15,
            forecast_return_rate=0.05,
        )
        self.ledger(monthly, [("sale", 200.00, "2026-11-03 10:00")])
        self.order(monthly, 100.00, "2026-11-04")
        forecast = self.forecast()
        payouts = forecast.flow_ids.filtered(lambda f: f.source == "payouts")
        self.assertEqual(
            sorted((f.channel_id.name, f.day, f.amount) for f in payouts),
            [
                ("Generic edge", date(2026, 11, 12), 100.00),
                ("Monthly edge", date(2026, 12, 2), 200.00),
                ("Monthly edge", date(2027, 1, 5), 80.75),
            ],
        )

    def test_reserve_release_on_a_weekend_and_bad_calendars(self):
        """A channel closing weekly on Saturday, 2 business days of lag, reserves
        held 9 days: the 50.00 held on 1/11 (in a past payout) is released on
        Tuesday 10/11, goes to the close of Saturday 14/11, deposited Tuesday
        17/11.

        A calendar the core cannot use (a monthly close on day 0, a negative
        release delay) is refused on the channel, instead of failing the whole
        forecast (and the daily cron) of the company."""
        channel = self.channel(
            "Weekend edge",
            payout_cycle="weekly",
            payout_weekday="5",
            payout_deposit_lag=2,
            payout_reserve_days=9,
        )
        self.ledger(
            channel,
            [
                ("sale", 500.00, "2026-11-01 10:00"),
                ("reserve_hold", -50.00, "2026-11-01 10:00"),
            ],
            payout=datetime(2026, 11, 2, 6, 0),
        )
        self.assertEqual(channel.reserve_balance, 50.00)
        forecast = self.forecast()
        self.assertEqual(self.flows(forecast, "payouts"), [(date(2026, 11, 17), 50.00)])
        with self.assertRaises(ValidationError):
            channel.write({"payout_cycle": "monthly", "payout_month_day": 0})
        with self.assertRaises(ValidationError):
            channel.write({"payout_release_days": -3})
        with self.assertRaises(ValidationError):
            channel.write({"payout_reserve_rate": 1.5})

    def test_channel_in_foreign_currency(self):
        """A channel settling in USD, closing on Friday, paid the next business
        day: a payout of 160.00 USD announced for 10/11 is 100.00 EUR; an open line
        of 32.00 USD (20.00 EUR) and the reserve of 80.00 USD still held (50.00
        EUR, released today: no hold period) go to the close of Friday 6/11,
        deposited Monday 9/11: 70.00 EUR. The dashboard's reserves: 50.00 EUR."""
        channel = self.channel(
            "Amazon.com edge",
            currency_id=self.usd.id,
            payout_cycle="weekly",
            payout_weekday="4",
            payout_deposit_lag=1,
        )
        self.ledger(
            channel,
            [
                ("sale", 400.00, "2026-11-01 10:00"),
                ("reserve_hold", -80.00, "2026-11-01 10:00"),
            ],
            payout=datetime(2026, 11, 2, 6, 0),
        )
        self.ledger(
            channel,
            [("sale", 160.00, "2026-11-03 10:00")],
            payout=datetime(2026, 11, 10, 6, 0),
        )
        self.ledger(channel, [("sale", 32.00, "2026-11-04 10:00")])
        forecast = self.forecast()
        self.assertEqual(
            self.flows(forecast, "payouts"),
            [(date(2026, 11, 9), 70.00), (date(2026, 11, 10), 100.00)],
        )
        data = self.env["marketplace.cash.dashboard"].get_data()
        self.assertEqual(data["kpis"]["reserves"]["value"], 50.00)
        self.assertEqual(data["kpis"]["payouts_7"]["value"], 170.00)

    def test_foreign_channel_short_payout_and_variance(self):
        """Monday 26/10's forecast expected 100.00 EUR from a USD channel on Friday
        30/10; 100.00 USD came that day, at October's rate (1.25) 80.00 EUR: short
        (more than 5 % below), which comparing the dollars with the euros missed.
        The variance of that week: expected 100.00, actual 80.00, -20.00."""
        channel = self.channel("Amazon.com variance", currency_id=self.usd.id)
        monday = self.forecast(date(2026, 10, 26))
        # What that forecast expected (flows are written by the computation
        # only: the fixture as superuser).
        self.env(su=True)["marketplace.cash.forecast.flow"].create(
            {
                "forecast_id": monday.id,
                "company_id": self.company.id,
                "day": date(2026, 10, 30),
                "amount": 100.00,
                "source": "payouts",
                "channel_id": channel.id,
            }
        )
        self.ledger(
            channel,
            [("sale", 100.00, "2026-10-28 10:00")],
            payout=datetime(2026, 10, 30, 9, 0),
        )
        raised = self.forecast()._late_payouts(TODAY)
        self.assertEqual(len(raised), 1, raised)
        self.assertIn(
            "80.00\xa0€ paid against 100.00\xa0€ expected on 10/30/2026", raised[0][1]
        )
        self.env.flush_all()
        variance = self.env["marketplace.cash.variance"].search(
            [("channel_id", "=", channel.id)]
        )
        self.assertEqual(
            [(v.week_start, v.expected, v.actual, v.difference) for v in variance],
            [(date(2026, 10, 26), 100.00, 80.00, -20.00)],
        )

    # ---- scenarios

    def test_extreme_scenarios_compared(self):
        """From 1,000.00 in the bank: a payout of 100.00 on Monday 9/11 (an open
        line of 4/11, weekly Friday closes, next business day) and rent of -50.00
        on the 10th (10/11, 10/12, 10/1: weeks 2, 6 and 10).

        Base closings: 1,000 | 1,050 x 4 | 1,000 x 4 | 950 x 4: lowest 950 (week
        10). Four scenarios from 2/11:
        - volume -100 %: the payout becomes 0.00: 1,000 | 950 | 900 | 850;
        - volume +30 %: 130.00: 1,000 | 1,080 | 1,030 | 980 (lowest week 10);
        - return rate +120 points (beyond 100 %): a refund of -120.00 beside the
          payout, week 2 payouts -20.00: 1,000 | 930 | 880 | 830;
        - a payout delay of 7 days on a channel without any transaction: the base.
        A fifth scenario is refused."""
        self.entry(self.company_data["default_journal_bank"], 1000.00, "2026-11-01")
        channel = self.channel(
            "Scenario edge",
            payout_cycle="weekly",
            payout_weekday="4",
            payout_deposit_lag=1,
        )
        empty = self.channel("Empty edge")
        self.ledger(channel, [("sale", 100.00, "2026-11-04 10:00")])
        self.env["marketplace.cash.recurring"].create(
            {
                "name": "Loyer",
                "company_id": self.company.id,
                "amount": -50.00,
                "frequency": "monthly",
                "date_start": "2026-06-10",
            }
        )

        def scenario(name, kind, value, channel=None):
            return self.env["marketplace.cash.scenario"].create(
                {
                    "name": name,
                    "company_id": self.company.id,
                    "shock_ids": [
                        Command.create(
                            {
                                "kind": kind,
                                "value": value,
                                "date_start": "2026-11-02",
                                "channel_id": channel and channel.id,
                            }
                        )
                    ],
                }
            )

        scenarios = (
            scenario("Volume -100 %", "volume", -1.0)
            | scenario("Volume +30 %", "volume", 0.30)
            | scenario("Returns +120 pts", "return_rate", 1.20)
            | scenario("Late empty channel", "payout_delay", 7, empty)
        )
        forecast = self.forecast(scenarios=scenarios)
        base = [1000.0] + [1050.0] * 4 + [1000.0] * 4 + [950.0] * 4
        self.assertEqual(forecast.week_ids.sorted("week").mapped("closing"), base)
        self.assertEqual((forecast.lowest_week, forecast.lowest), (10, 950.00))
        Week = self.env["marketplace.cash.forecast.week"]

        def closings(scenario):
            return Week.search(
                [("forecast_id", "=", forecast.id), ("scenario_id", "=", scenario.id)],
                order="week",
            ).mapped("closing")

        def curve(first, second, third):
            return [1000.0] + [first] * 4 + [second] * 4 + [third] * 4

        volume_down, volume_up, returns, late = scenarios
        self.assertEqual(closings(volume_down), curve(950.0, 900.0, 850.0))
        self.assertEqual(closings(volume_up), curve(1080.0, 1030.0, 980.0))
        self.assertEqual(closings(returns), curve(930.0, 880.0, 830.0))
        self.assertEqual(closings(late), base)
        self.assertEqual(
            [(s.lowest_week, s.lowest, s.closing) for s in scenarios],
            [(10, 850.0, 850.0), (10, 980.0, 980.0), (10, 830.0, 830.0)]
            + [(10, 950.0, 950.0)],
        )
        self.assertEqual(
            self.flows(forecast, "payouts", returns),
            [(date(2026, 11, 9), 100.00), (date(2026, 11, 9), -120.00)],
        )
        with self.assertRaises(ValidationError):
            forecast.scenario_ids |= scenario("Fifth", "volume", 0.1)

    def test_scenario_without_start_applies_from_the_forecast_date(self):
        """Monday 2/11's forecast, looked at on Thursday 5/11 (the clock): a bill
        of -200.00 due Tuesday 3/11. Suppliers 14 days later, no From date: the
        shock applies from the forecast's date, the bill moves to 17/11 (week 3);
        not from the day the scenario happens to be computed (the bill of 3/11
        would stay where it is)."""
        self.invoice("in_invoice", 200.00, "2026-10-20", "2026-11-03")
        scenario = self.env["marketplace.cash.scenario"].create(
            {
                "name": "Suppliers 14 days later",
                "company_id": self.company.id,
                "shock_ids": [Command.create({"kind": "supplier_terms", "value": 14})],
            }
        )
        forecast = self.forecast(date(2026, 11, 2), scenarios=scenario)
        self.assertEqual(
            self.flows(forecast, "suppliers"), [(date(2026, 11, 3), -200.00)]
        )
        self.assertEqual(
            self.flows(forecast, "suppliers", scenario),
            [(date(2026, 11, 17), -200.00)],
        )

    # ---- companies

    def test_other_company_never_appears(self):
        """Company B has a bank balance (5,000.00), a customer invoice (700.00), a
        vendor bill (300.00), a channel with an open line (90.00) and rent: none
        of it in A's forecast and dashboard (A: 1,000.00 in the bank, nothing
        else); B's own forecast has them. A user of A only cannot compute or read
        B's."""
        data_b = self.setup_other_company(name="Company B edge")
        company_b = data_b["company"]
        self.entry(self.company_data["default_journal_bank"], 1000.00, "2026-11-01")
        env_b = self.env(
            context=dict(self.env.context, allowed_company_ids=[company_b.id])
        )
        bank_b = data_b["default_journal_bank"]
        env_b["account.move"].create(
            {
                "move_type": "entry",
                "date": "2026-11-01",
                "journal_id": bank_b.id,
                "line_ids": [
                    Command.create(
                        {"account_id": bank_b.default_account_id.id, "debit": 5000.0}
                    ),
                    Command.create(
                        {
                            "account_id": data_b["default_account_revenue"].id,
                            "credit": 5000.0,
                        }
                    ),
                ],
            }
        ).action_post()
        for move_type, amount in (("out_invoice", 700.00), ("in_invoice", 300.00)):
            env_b["account.move"].create(
                {
                    "move_type": move_type,
                    "partner_id": self.partner_a.id,
                    "invoice_date": "2026-10-20",
                    "invoice_date_due": "2026-11-20",
                    "invoice_payment_term_id": False,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "B", "price_unit": amount, "tax_ids": False}
                        )
                    ],
                }
            ).action_post()
        channel_b = env_b["marketplace.channel"].create(
            {
                "name": "Channel B edge",
                "platform": "generic",
                "company_id": company_b.id,
                "currency_id": company_b.currency_id.id,
                "payout_cycle": "weekly",
                "payout_weekday": "4",
                "payout_deposit_lag": 1,
            }
        )
        self.ledger(channel_b, [("sale", 90.00, "2026-11-04 10:00")])
        env_b["marketplace.cash.recurring"].create(
            {
                "name": "Loyer B",
                "company_id": company_b.id,
                "amount": -40.00,
                "frequency": "monthly",
                "date_start": "2026-06-10",
            }
        )
        forecast_a = self.forecast()
        self.assertEqual(forecast_a.opening, 1000.00)
        self.assertFalse(forecast_a.flow_ids)
        self.assertEqual(forecast_a.lowest, 1000.00)
        data = self.env["marketplace.cash.dashboard"].get_data(self.company.id)
        self.assertEqual(data["payouts"]["rows"], [])
        self.assertEqual(data["kpis"]["payouts_30"]["value"], 0.0)
        self.assertIsNone(data["kpis"]["dso"]["value"])
        self.assertIsNone(data["kpis"]["dpo"]["value"])
        forecast_b = self.forecast(company=company_b)
        self.assertEqual(forecast_b.opening, 5000.00)
        self.assertEqual(
            sorted((f.source, f.day, f.amount) for f in forecast_b.flow_ids),
            [
                ("customers", date(2026, 11, 20), 700.00),
                ("payouts", date(2026, 11, 9), 90.00),
                ("recurring", date(2026, 11, 10), -40.00),
                ("recurring", date(2026, 12, 10), -40.00),
                ("recurring", date(2027, 1, 10), -40.00),
                ("suppliers", date(2026, 11, 20), -300.00),
            ],
        )
        # A cash manager of A only.
        user = new_test_user(
            self.env,
            login="edge_cash_a",
            groups="base.group_user,marketplace_cash.group_cash_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
            tz="UTC",
        )
        Forecast = self.env["marketplace.cash.forecast"].with_user(user)
        mine = Forecast.create({"company_id": self.company.id, "date": TODAY})
        mine.action_compute()
        self.assertEqual((mine.opening, mine.closing), (1000.00, 1000.00))
        self.assertEqual(Forecast.search([]), forecast_a | mine)
        with self.assertRaises(AccessError):
            Forecast.create({"company_id": company_b.id, "date": TODAY})
        with self.assertRaises(AccessError):
            self.env["marketplace.cash.dashboard"].with_user(user).get_data(
                company_b.id
            )

    def test_empty_company(self):
        """A company with nothing at all (no chart of accounts, no journal, no
        channel): a forecast of 13 weeks at 0.00 and a dashboard of zeros."""
        empty = self.env["res.company"].create(
            {"name": "Empty edge SAS", "currency_id": self.eur.id}
        )
        self.env.user.company_ids |= empty
        forecast = self.forecast(company=empty)
        self.assertEqual(len(forecast.week_ids), 13)
        self.assertFalse(forecast.flow_ids)
        self.assertEqual(
            set(forecast.week_ids.mapped("closing")) | {forecast.opening}, {0.0}
        )
        self.assertEqual(
            (forecast.lowest_week, forecast.lowest, forecast.beyond), (1, 0.0, 0.0)
        )
        data = (
            self.env["marketplace.cash.dashboard"]
            .with_context(allowed_company_ids=[empty.id, self.company.id])
            .get_data(empty.id)
        )
        self.assertEqual(data["forecast"]["id"], forecast.id)
        kpis = data["kpis"]
        self.assertEqual(
            {
                key: kpis[key]["value"]
                for key in (
                    "payouts_7",
                    "payouts_30",
                    "reserves",
                    "refunds_week",
                    "refunds_expected",
                    "disputes_at_risk",
                    "ad_spend",
                    "stock_value",
                    "cancellations",
                    "penalties",
                )
            },
            {
                "payouts_7": 0.0,
                "payouts_30": 0.0,
                "reserves": 0.0,
                "refunds_week": 0.0,
                "refunds_expected": 0.0,
                "disputes_at_risk": 0.0,
                "ad_spend": 0.0,
                "stock_value": 0.0,
                "cancellations": 0,
                "penalties": 0.0,
            },
        )
        for key in ("dso", "dpo", "dio", "ccc", "recovery_rate", "dispute_rate"):
            self.assertIsNone(kpis[key]["value"], key)
