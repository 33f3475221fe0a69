# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import io
import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
from freezegun import api as freezegun_api

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

_logger = logging.getLogger(__name__)

REPORT = "marketplace_cash.cash_dashboard_xlsx"
WEEKS = [
    "2026-10-05",
    "2026-10-12",
    "2026-10-19",
    "2026-10-26",
    "2026-11-02",
    "2026-11-09",
    "2026-11-16",
    "2026-11-23",
]


@freeze_time("2026-11-26 10:00:00")
@tagged("post_install", "-at_install")
class TestCashDashboard(AccountTestInvoicingCommon):
    """Thursday 26 November 2026, in UTC; this week runs from Monday 23 November,
    the trends from Monday 5 October.

    A marketplace channel closing weekly on Sunday, paid the next business day
    (Monday), money released 7 days after delivery, 15 % expected fees and 5 %
    expected returns (an order keeps 0.85 x 0.95 = 0.8075), a reserve of 50.00 held
    on 19/11 and released 21 days after it (10/12). Orders not settled (no ledger
    line):

    - A, 200.00, ordered 15/11, delivered 16/11: released 23/11 (past), next close
      29/11, deposited Monday 30/11 (D+4): 161.50;
    - B, 100.00, ordered 24/11, delivered 25/11: released 2/12, close 6/12, deposit
      7/12 (D+11): 80.75;
    - F, 100.00, ordered Monday 23/11 10:00, never delivered (late since 25/11
      10:00): released from its order date 30/11, deposit 7/12 (D+11): 80.75;
    - the reserve: released 10/12, close 13/12, deposit 14/12 (D+18): 50.00.

    Payouts: D+7 161.50, D+14 161.50 + 80.75 + 80.75 = 323.00, D+30 373.00.

    D (ordered 23/11, delivered 24/11) is settled in a past payout, with every
    ledger line of the dataset (so none of them is an open line of the forecast);
    E (ordered 23/11) is cancelled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("marketplace_cash.group_cash_manager")
        cls.env.user.tz = "UTC"
        cls.company = cls.company_data["company"]
        cls.currency = cls.company.currency_id
        cls.channel = cls.env["marketplace.channel"].create(
            {
                "name": "Amazon.fr dashboard",
                "platform": "amazon",
                "company_id": cls.company.id,
                "currency_id": cls.currency.id,
                "payout_cycle": "weekly",
                "payout_weekday": "6",
                "payout_deposit_lag": 1,
                "payout_release": "delivery",
                "payout_release_days": 7,
                "payout_reserve_rate": 0.0,
                "payout_reserve_days": 21,
                "forecast_fee_rate": 0.15,
                "forecast_return_rate": 0.05,
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Lampe dashboard", "type": "consu", "is_storable": True}
        )
        cls.order_a = cls.order("A", 200.00, "2026-11-15 08:00", "2026-11-16 09:00")
        cls.order_b = cls.order("B", 100.00, "2026-11-24 08:00", "2026-11-25 09:00")
        cls.order_d = cls.order("D", 150.00, "2026-11-23 09:00", "2026-11-24 09:00")
        cls.order_e = cls.order("E", 80.00, "2026-11-23 11:00", None)
        cls.order_e._action_cancel()
        cls.order_f = cls.order("F", 100.00, "2026-11-23 10:00", None)
        cls.ledger()

    @classmethod
    def order(cls, ref, amount, ordered, delivered):
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.partner_a.id,
                "company_id": cls.company.id,
                "marketplace_channel_id": cls.channel.id,
                "marketplace_order_ref": f"DB-{ref}",
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
            [delivered, ordered, order.id],
        )
        cls.env.invalidate_all()
        return order

    @classmethod
    def ledger(cls):
        """A payout deposited on 20/11 holding every ledger line of the dataset."""
        # As the importer writes them (nobody creates ledger lines by hand).
        payout = (
            cls.env["marketplace.payout"]
            .sudo()
            .create(
                {
                    "name": "DASH-1",
                    "channel_id": cls.channel.id,
                    "currency_id": cls.currency.id,
                    "date_deposit": "2026-11-20 06:00:00",
                }
            )
        )
        lines = [
            # (category, amount, posted at, order, description)
            ("sale", 150.00, "2026-11-19 10:00", cls.order_d, ""),
            ("reserve_hold", -50.00, "2026-11-19 10:00", None, ""),
            # Refunds: 10.00 last week, 30.00 + 12.50 this week.
            ("refund", -10.00, "2026-11-18 10:00", cls.order_d, ""),
            ("refund", -30.00, "2026-11-24 10:00", cls.order_d, ""),
            ("refund", -12.50, "2026-11-26 08:00", cls.order_d, ""),
            # Ads: before the 8 weeks, week 1, week 5, this week (twice).
            ("advertising", -99.00, "2026-09-28 10:00", None, ""),
            ("advertising", -20.00, "2026-10-05 00:00", None, ""),
            ("advertising", -35.00, "2026-11-04 10:00", None, ""),
            ("advertising", -40.00, "2026-11-25 10:00", None, ""),
            ("advertising", -5.25, "2026-11-26 09:00", None, ""),
            # Disputes: 60.00 + fee 15.00 this week, 100.00 on 1/9 (within 90
            # days: from 29/8), 70.00 on 20/8 (before).
            ("dispute", -60.00, "2026-11-25 10:00", cls.order_d, ""),
            ("dispute_fee", -15.00, "2026-11-25 10:00", cls.order_d, ""),
            ("dispute", -100.00, "2026-09-01 10:00", None, ""),
            ("dispute", -70.00, "2026-08-20 10:00", None, ""),
            # Penalties: 8.00 + 4.00; a storage fee and a positive adjustment are not.
            ("other_fee", -8.00, "2026-11-24 10:00", None, "Late shipment penalty"),
            ("adjustment", -4.00, "2026-11-25 10:00", None, "PENALTY (late)"),
            ("other_fee", -3.00, "2026-11-24 10:00", None, "Storage"),
            ("adjustment", 5.00, "2026-11-24 10:00", None, "Penalty cancelled"),
        ]
        cls.env["marketplace.transaction"].sudo().create(
            [
                {
                    "channel_id": cls.channel.id,
                    "payout_id": payout.id,
                    "category": category,
                    "amount": amount,
                    "currency_id": cls.currency.id,
                    "posted_at": posted_at,
                    "sale_order_id": order.id if order else False,
                    "description": description,
                    "external_key": f"DASH-{index}",
                }
                for index, (category, amount, posted_at, order, description) in (
                    enumerate(lines)
                )
            ]
        )

    # ---- helpers

    def forecast(self, scenarios=None):
        forecast = self.env["marketplace.cash.forecast"].create(
            {
                "company_id": self.company.id,
                "date": date(2026, 11, 26),
                "scenario_ids": [Command.set(scenarios.ids if scenarios else [])],
            }
        )
        forecast.action_compute()
        return forecast

    def invoice(self, move_type, amount, invoice_date, due):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": self.partner_a.id,
                "invoice_date": invoice_date,
                "date": invoice_date,
                "invoice_payment_term_id": False,
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

    def receivables_and_payables(self):
        """Customer invoices of 1,000.00 (28/10, due 27/11) and 500.00 (10/11, due
        25/11, 400.00 paid on 24/11), a vendor bill of 600.00 (2/11)."""
        self.invoice("out_invoice", 1000.00, "2026-10-28", "2026-11-27")
        paid = self.invoice("out_invoice", 500.00, "2026-11-10", "2026-11-25")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": "2026-11-24", "amount": 400.00})._create_payments()
        self.invoice("in_invoice", 600.00, "2026-11-02", "2026-12-12")

    def stock(self):
        """Valuation layers of 20/11: 1,000.00 received, 300.00 delivered to a
        customer; a snapshot of 31/10 with three slow movers."""
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        move = (
            self.env["stock.move"]
            .sudo()
            .create(
                {
                    "name": "Delivery",
                    "product_id": self.product.id,
                    "product_uom": self.product.uom_id.id,
                    "product_uom_qty": 3,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": self.env.ref(
                        "stock.stock_location_customers"
                    ).id,
                    "company_id": self.company.id,
                }
            )
        )
        layers = (
            self.env["stock.valuation.layer"]
            .sudo()
            .create(
                [
                    {
                        "company_id": self.company.id,
                        "product_id": self.product.id,
                        "quantity": 10,
                        "unit_cost": 100.0,
                        "value": 1000.0,
                    },
                    {
                        "company_id": self.company.id,
                        "product_id": self.product.id,
                        "quantity": -3,
                        "unit_cost": 100.0,
                        "value": -300.0,
                        "stock_move_id": move.id,
                    },
                ]
            )
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_valuation_layer SET create_date = %s WHERE id = ANY(%s)",
            [datetime(2026, 11, 20, 12), layers.ids],
        )
        snapshot = self.env["stock.valuation.snapshot"].create(
            {"company_id": self.company.id, "date": "2026-10-31"}
        )
        snapshot.write({"state": "computed", "valuation_total": 5000.0})
        movers = [(1000.0, 120, 400.0), (500.0, 30, 0.0), (200.0, 91, 50.0)]
        # As the snapshot's computation writes them.
        self.env["stock.valuation.snapshot.mover"].sudo().create(
            [
                {
                    "snapshot_id": snapshot.id,
                    "company_id": self.company.id,
                    "product_id": self.product.id,
                    "value": value,
                    "days_idle": days,
                    "overstock_value": overstock,
                }
                for value, days, overstock in movers
            ]
        )
        self.env["stock.valuation.snapshot.dio"].sudo().create(
            {
                "snapshot_id": snapshot.id,
                "company_id": self.company.id,
                "value": 1700.0,
                "cogs": 3650.0,
            }
        )
        return snapshot

    def data(self):
        dashboard = self.env["marketplace.cash.dashboard"].with_context(tz="UTC")
        start = freezegun_api.real_perf_counter()  # the frozen clock does not tick
        data = dashboard.get_data()
        _logger.info(
            "get_data: %.0f ms", (freezegun_api.real_perf_counter() - start) * 1000
        )
        return data

    def records(self, action):
        return self.env[action["res_model"]].search(action["domain"])

    # ---- tests

    def test_payouts_and_reserves(self):
        forecast = self.forecast()
        data = self.data()
        kpis = data["kpis"]
        self.assertEqual(data["weeks"], WEEKS)
        self.assertEqual(data["today"], "2026-11-26")
        self.assertEqual(data["forecast"]["id"], forecast.id)
        self.assertFalse(data["forecast"]["stale"])
        self.assertEqual(
            [kpis[f"payouts_{n}"]["value"] for n in (7, 14, 30)],
            [161.50, 323.00, 373.00],
        )
        flows = self.records(kpis["payouts_14"]["action"])
        self.assertEqual(flows._name, "marketplace.cash.forecast.flow")
        self.assertEqual(
            sorted((str(f.day), f.amount) for f in flows),
            [("2026-11-30", 161.50), ("2026-12-07", 161.50)],
        )
        self.assertEqual(
            kpis["payouts_14"]["action"]["views"], [[False, "list"], [False, "form"]]
        )
        [row] = data["payouts"]["rows"]
        self.assertEqual(row["name"], self.channel.display_name)
        self.assertEqual([c["value"] for c in row["cells"]], [161.50, 323.00, 373.00])
        self.assertEqual(
            [c["value"] for c in data["payouts"]["totals"]], [161.50, 323.00, 373.00]
        )
        # Reserves held: the hold of 50.00, per channel and in total.
        self.assertEqual(kpis["reserves"]["value"], 50.00)
        self.assertEqual(
            [(r["name"], r["value"]) for r in data["reserves"]["rows"]],
            [(self.channel.display_name, 50.00)],
        )
        self.assertEqual(
            self.records(kpis["reserves"]["action"]).mapped("amount"), [-50.00]
        )

    def test_no_forecast(self):
        data = self.data()
        self.assertFalse(data["forecast"])
        self.assertEqual(data["kpis"]["payouts_7"]["value"], 0.0)
        self.assertFalse(data["kpis"]["payouts_7"]["action"])

    def test_ledger_kpis(self):
        kpis = self.data()["kpis"]
        # Refunds: 30.00 + 12.50 this week, 10.00 the week before.
        self.assertEqual(kpis["refunds_week"]["value"], 42.50)
        self.assertEqual(kpis["refunds_week"]["trend"], [0, 0, 0, 0, 0, 0, 10.0, 42.5])
        self.assertEqual(
            sorted(self.records(kpis["refunds_week"]["action"]).mapped("amount")),
            [-30.00, -12.50],
        )
        # Expected: A, B and F (400.00) are not settled: x 5 % = 20.00.
        self.assertEqual(kpis["refunds_expected"]["value"], 20.00)
        self.assertEqual(
            self.records(kpis["refunds_expected"]["action"]),
            self.order_a | self.order_b | self.order_f,
        )
        # Ads: 20.00 in the first week (28/9 is before it), 35.00 in week 5,
        # 40.00 + 5.25 this week.
        self.assertEqual(kpis["ad_spend"]["value"], 45.25)
        self.assertEqual(kpis["ad_spend"]["trend"], [20.0, 0, 0, 0, 35.0, 0, 0, 45.25])
        # Disputes at risk: 60.00 + 15.00 + 100.00 within the 90 days.
        self.assertEqual(kpis["disputes_at_risk"]["value"], 175.00)
        self.assertEqual(len(self.records(kpis["disputes_at_risk"]["action"])), 3)
        # Penalties: 8.00 + 4.00 this week.
        self.assertEqual(kpis["penalties"]["value"], 12.00)
        self.assertEqual(kpis["penalties"]["trend"], [0] * 7 + [12.0])
        self.assertEqual(
            sorted(self.records(kpis["penalties"]["action"]).mapped("amount")),
            [-8.00, -4.00],
        )

    def test_order_kpis(self):
        kpis = self.data()["kpis"]
        self.assertEqual(kpis["cancellations"]["value"], 1)
        self.assertEqual(self.records(kpis["cancellations"]["action"]), self.order_e)
        # F, ordered Monday 10:00, was due to ship by Wednesday 10:00.
        self.assertEqual(kpis["late_shipments"]["trend"], [0] * 7 + [1])
        self.assertEqual(self.records(kpis["late_shipments"]["action"]), self.order_f)
        # D disputed this week; B, D and F placed this week (E is cancelled).
        rate = kpis["order_dispute_rate"]
        self.assertEqual(rate["value"], 0.3333)
        self.assertEqual(self.records(rate["action"]), self.order_d)
        # A placed in week 6, undisputed; no order in week 7.
        self.assertEqual(rate["trend"], [None] * 5 + [0.0, None, 0.3333])

    def test_working_capital(self):
        """Receivables 1,500.00 from 10/11, 1,100.00 after the payment of 24/11,
        over 1,500.00 of sales in the 90 days: DSO 90.0 then 66.0 days. Payables
        600.00 over 600.00 of bills: DPO 90.0. Stock 700.00 over 300.00 delivered:
        DIO 210.0; cycle 66.0 + 210.0 - 90.0 = 186.0. Recovery (collected /
        invoiced in the week): 0 % in the weeks of 26/10 and 9/11 (1,000.00 and
        500.00 invoiced, nothing collected), none this week (400.00 collected,
        nothing invoiced)."""
        self.receivables_and_payables()
        self.stock()
        kpis = self.data()["kpis"]
        self.assertEqual(kpis["dso"]["value"], 66.0)
        self.assertEqual(
            kpis["dso"]["trend"], [None, None, None, 90.0, 90.0, 90.0, 90.0, 66.0]
        )
        self.assertEqual(kpis["dpo"]["trend"], [None] * 4 + [90.0] * 4)
        self.assertEqual(kpis["dio"]["trend"], [None] * 6 + [210.0, 210.0])
        self.assertEqual(kpis["ccc"]["trend"], [None] * 6 + [210.0, 186.0])
        self.assertIsNone(kpis["recovery_rate"]["value"])
        self.assertEqual(
            kpis["recovery_rate"]["trend"],
            [None, None, None, 0.0, None, 0.0, None, None],
        )
        self.assertEqual(len(self.records(kpis["dso"]["action"])), 2)

    def test_recovery_and_dispute_rates(self):
        """This week (Monday 23/11 to today, Thursday 26/11): invoices A 1,000.00
        (23/11) and D 300.00 (24/11), a credit note of 100.00 (25/11) set against
        A (not cash), A paid 200.00 (25/11), and of B (500.00, 10/11) 400.00 paid
        (24/11): collected 400.00 + 200.00 = 600.00 / invoiced 1,000.00 + 300.00 -
        100.00 = 1,200.00: 50 %. A held from 25/11: 1 invoice disputed / 2 issued
        this week: 50 %. The weeks of 26/10 and 9/11: 0 % for both (an invoice
        issued, nothing collected, none held)."""
        self.receivables_and_payables()
        invoice_a = self.invoice("out_invoice", 1000.00, "2026-11-23", "2026-12-23")
        invoice_d = self.invoice("out_invoice", 300.00, "2026-11-24", "2026-12-24")
        refund = self.invoice("out_refund", 100.00, "2026-11-25", "2026-11-25")
        (invoice_a | refund).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice_a.ids
        ).create({"payment_date": "2026-11-25", "amount": 200.00})._create_payments()
        self.env["mkc.dunning.hold"].create(
            {
                "move_id": invoice_a.id,
                "partner_id": invoice_a.commercial_partner_id.id,
                "company_id": self.company.id,
                "reason": "quality",
                "date_start": "2026-11-25",
            }
        )
        kpis = self.data()["kpis"]
        recovery, dispute = kpis["recovery_rate"], kpis["dispute_rate"]
        self.assertEqual(recovery["value"], 0.5)
        self.assertEqual(
            recovery["trend"], [None, None, None, 0.0, None, 0.0, None, 0.5]
        )
        self.assertEqual(
            self.records(recovery["action"]), invoice_a | invoice_d | refund
        )
        self.assertEqual(dispute["value"], 0.5)
        self.assertEqual(
            dispute["trend"], [None, None, None, 0.0, None, 0.0, None, 0.5]
        )
        self.assertEqual(self.records(dispute["action"]), invoice_a)
        # The receivables KPIs' book says the same of the week.
        book = self.env["mkc.receivable.kpi"]._book(
            self.company, date(2026, 11, 26), date(2026, 10, 1)
        )
        week = (date(2026, 11, 23), date(2026, 11, 26))
        self.assertEqual(
            (book.recovery(*week).numerator, book.recovery(*week).denominator),
            (Decimal("600.00"), Decimal("1200.00")),
        )
        self.assertEqual(book.dispute(*week).value, Decimal("0.5"))

    def test_dso_leaves_held_invoices_out(self):
        """The invoice of 1,000.00 (28/10) under a dispute hold from 20/11: out of
        the receivables and of the sales from the points of 22/11 and 26/11. On
        22/11: (1,500 - 1,000) / (1,500 - 1,000) x 90 = 90.0; today: (1,100 -
        1,000) / (1,500 - 1,000) x 90 = 18.0. Before 20/11 it counts (90.0)."""
        self.receivables_and_payables()
        held = self.env["account.move"].search(
            [
                ("company_id", "=", self.company.id),
                ("move_type", "=", "out_invoice"),
                ("amount_total", "=", 1000.00),
            ]
        )
        self.env["mkc.dunning.hold"].create(
            {
                "move_id": held.id,
                "partner_id": held.commercial_partner_id.id,
                "company_id": self.company.id,
                "date_start": "2026-11-20",
            }
        )
        kpis = self.data()["kpis"]
        self.assertEqual(kpis["dso"]["value"], 18.0)
        self.assertEqual(
            kpis["dso"]["trend"], [None, None, None, 90.0, 90.0, 90.0, 90.0, 18.0]
        )

    def test_stock_kpis(self):
        snapshot = self.stock()
        kpis = self.data()["kpis"]
        self.assertEqual(kpis["stock_value"]["value"], 5000.00)
        self.assertEqual(self.records(kpis["stock_value"]["action"]), snapshot)
        self.assertEqual(kpis["stock_overstock"]["value"], 450.00)
        # Idle for more than 90 days: 1,000.00 (120 days) + 200.00 (91 days).
        self.assertEqual(kpis["stock_slow"]["value"], 1200.00)
        self.assertEqual(len(self.records(kpis["stock_slow"]["action"])), 2)
        # 1,700.00 / 3,650.00 x 365.
        self.assertEqual(kpis["stock_dio"]["value"], 170.0)

    def test_access(self):
        clerk = new_test_user(
            self.env,
            login="dash_clerk",
            groups="marketplace_connectors.group_marketplace_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        finance = new_test_user(
            self.env,
            login="dash_finance",
            groups="marketplace_cash.group_cash_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        other = self.env["res.company"].create({"name": "Other dashboard"})
        dashboard = self.env["marketplace.cash.dashboard"]
        with self.assertRaises(AccessError):
            dashboard.with_user(clerk).get_data()
        with self.assertRaises(AccessError):
            dashboard.with_user(clerk).action_export_xlsx()
        with self.assertRaises(AccessError):
            dashboard.with_user(finance).get_data(company_id=other.id)
        data = dashboard.with_user(finance).get_data(company_id=self.company.id)
        self.assertEqual(data["company_id"], self.company.id)

    def test_xlsx(self):
        """The base forecast from an empty bank: week 1 (23/11) the customers'
        1,100.00 (the invoice due 27/11, the 100.00 left of the one due 25/11);
        week 2 (30/11) payout A 161.50, ads 18.75 (75.00 in the last 28 days / 4);
        week 3 (7/12) payouts B and F 161.50, the bill 600.00, ads; week 4 (14/12)
        the reserve 50.00, ads. With Amazon a week late, every payout moves a week
        later."""
        self.receivables_and_payables()
        late = self.env["marketplace.cash.scenario"].create(
            {
                "name": "Amazon a week late",
                "company_id": self.company.id,
                "shock_ids": [Command.create({"kind": "payout_delay", "value": 7})],
            }
        )
        forecast = self.forecast(late)
        content, kind = self.env["ir.actions.report"]._render(
            REPORT, forecast.ids, data={}
        )
        self.assertEqual(kind, "xlsx")
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(
            book.sheetnames, ["Forecast", "Flows", "Scenarios", "Dashboard"]
        )
        sheet = book["Forecast"]
        header = [cell.value for cell in sheet[1]]
        self.assertEqual(
            header[:4], ["Week", "Week Of", "Opening", "In: Marketplace payouts"]
        )
        col = {name: index for index, name in enumerate(header)}
        rows = [
            list(r) for r in sheet.iter_rows(min_row=2, max_row=14, values_only=True)
        ]
        self.assertEqual(len(rows), 13)
        self.assertEqual(
            [
                (
                    r[col["Week"]],
                    r[col["Week Of"]],
                    r[col["In: Marketplace payouts"]],
                    r[col["In: Customers"]],
                    r[col["Out: Supplier bills"]],
                    r[col["Out: Advertising"]],
                    r[col["Closing"]],
                )
                for r in rows[:4]
            ],
            [
                (1, datetime(2026, 11, 23), 0, 1100.0, 0, 0, 1100.0),
                (2, datetime(2026, 11, 30), 161.5, 0, 0, -18.75, 1242.75),
                (3, datetime(2026, 12, 7), 161.5, 0, -600.0, -18.75, 785.5),
                (4, datetime(2026, 12, 14), 50.0, 0, 0, -18.75, 816.75),
            ],
        )
        money = sheet.cell(row=3, column=col["Closing"] + 1)
        self.assertEqual(money.number_format, "#,##0.00")
        flows = [list(r) for r in book["Flows"].iter_rows(min_row=2, values_only=True)]
        payouts = [r for r in flows if r[2] == "Marketplace payouts"]
        self.assertEqual(
            [(r[0], r[3], r[4]) for r in payouts],
            [
                (datetime(2026, 11, 30), self.channel.display_name, 161.5),
                (datetime(2026, 12, 7), self.channel.display_name, 161.5),
                (datetime(2026, 12, 14), self.channel.display_name, 50.0),
            ],
        )
        self.assertEqual(payouts[0][5], "Sales Order")
        self.assertEqual(payouts[0][6], str(self.order_a.id))
        scenarios = [
            list(r)
            for r in book["Scenarios"].iter_rows(min_row=1, max_row=6, values_only=True)
        ]
        self.assertEqual(
            scenarios[0], ["Week", "Week Of", "Base", "Amazon a week late"]
        )
        self.assertEqual(
            [(r[0], r[2], r[3]) for r in scenarios[1:]],
            [
                (1, 1100.0, 1100.0),
                (2, 1242.75, 1081.25),
                (3, 785.5, 624.0),
                (4, 816.75, 766.75),
                (5, 798.0, 798.0),
            ],
        )
        dashboard = book["Dashboard"]
        self.assertEqual(
            [c.value for c in dashboard[1]][:5],
            ["Section", "KPI", "Unit", "Value", datetime(2026, 10, 5)],
        )
        rows = {
            r[1]: r for r in dashboard.iter_rows(min_row=2, values_only=True) if r[1]
        }
        self.assertEqual(rows["Payouts by D+14"][3], 323.0)
        self.assertEqual(
            rows["Ad spend this week"][3:], (45.25, 20, 0, 0, 0, 35, 0, 0, 45.25)
        )
        self.assertEqual(rows["DSO"][3], 66.0)
        self.assertEqual(rows["Marketplace dispute rate"][3], 0.3333)
        # No invoice this week: no recovery rate, an empty cell.
        self.assertEqual(rows["Recovery rate"][3:5], (None, None))
        channels = [
            r
            for r in dashboard.iter_rows(values_only=True)
            if r[0] == self.channel.display_name
        ]
        self.assertEqual(
            channels[0][:4], (self.channel.display_name, 161.5, 323.0, 373.0)
        )

    def test_export_button_computes_a_forecast(self):
        dashboard = self.env["marketplace.cash.dashboard"].with_context(tz="UTC")
        action = dashboard.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], REPORT)
        forecast = self.env["marketplace.cash.forecast"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(action["context"]["active_ids"], forecast.ids)
        self.assertEqual(forecast.date, date(2026, 11, 26))
        self.assertTrue(forecast.start)


@tagged("post_install", "-at_install")
class TestCashDashboardTour(HttpCase):
    """In a real browser: the finance manager opens the dashboard from the menu,
    reads the payouts expected within 14 days and opens them.

    The channel closes weekly on the weekday 10 days from today, pays the same day,
    releases an order's money 10 days after it is placed: today's order of 500.00
    keeps 500.00 x 0.85 x 0.95 = 403.75, deposited at D+10 (D+14, not D+7)."""

    def test_dashboard_tour(self):
        company = self.env["res.company"].create({"name": "Tour Dashboard SAS"})
        user = new_test_user(
            self.env,
            login="mkt_dashboard_tour",
            groups="base.group_user,marketplace_cash.group_cash_manager",
            company_id=company.id,
            company_ids=[company.id],
            tz="UTC",
        )
        env = self.env(user=user, context={"allowed_company_ids": [company.id]})
        today = fields.Date.context_today(env["res.users"])
        channel = env["marketplace.channel"].create(
            {
                "name": "Amazon.fr tour dashboard",
                "platform": "amazon",
                "company_id": company.id,
                "payout_cycle": "weekly",
                "payout_weekday": str((today + timedelta(days=10)).weekday()),
                "payout_deposit_lag": 0,
                "payout_release": "order",
                "payout_release_days": 10,
                "forecast_fee_rate": 0.15,
                "forecast_return_rate": 0.05,
            }
        )
        partner = env["res.partner"].create({"name": "Client tour"})
        product = env["product.product"].sudo().create({"name": "Lampe tour"})
        order = (
            env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "marketplace_channel_id": channel.id,
                    "marketplace_order_ref": "TOUR-DASH-1",
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "price_unit": 500.00,
                                "tax_id": False,
                            }
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        env["marketplace.cash.forecast"].create(
            {"company_id": company.id, "date": today}
        ).action_compute()
        data = env["marketplace.cash.dashboard"].get_data()
        self.assertEqual(data["kpis"]["payouts_7"]["value"], 0.0)
        self.assertEqual(data["kpis"]["payouts_14"]["value"], 403.75)
        self.start_tour("/odoo", "cash_dashboard_tour", login="mkt_dashboard_tour")
