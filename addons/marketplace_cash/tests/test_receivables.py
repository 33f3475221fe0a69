# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import io
from datetime import date, datetime

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

D = date(2026, 3, 31)
REPORT = "marketplace_cash.receivable_factoring_xlsx"


@freeze_time("2026-03-31 10:00:00")
@tagged("post_install", "-at_install")
class TestReceivableKpis(AccountTestInvoicingCommon):
    """The ledger of ``tests/test_receivables_core.py``, posted in Odoo (no tax:
    amounts incl. tax), at D = Tuesday 31 March 2026:

    - acme: A1 5/1 due 4/2 1,200.00, paid 700.00 on 14/2 and 500.00 on 6/3;
      A2 10/2 due 12/3 2,400.00, 1,000.00 paid on 20/3; A3 15/3 due 14/4 600.00,
      100.00 paid on 5/4 (after D: not counted at D); credit note AC1 20/3 240.00,
      not applied;
    - bolt: B1 20/11/2025 due 20/12/2025 3,000.00, 1,000.00 paid on 10/3;
      B2 1/3 due 31/3 1,800.00, on hold from 25/3 (its own hold, no end);
    - cora: C1 20/1 due 19/2 900.00; C2 5/3 due 4/4 1,500.00 with the credit note
      CC1 of 10/3 (500.00) set against it; the customer was on hold from 1/2,
      released on 1/3.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref("marketplace_cash.group_cash_manager")
        cls.company = cls.company_data["company"]
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create(
            {
                "name": "Acme Distribution",
                "is_company": True,
                "company_registry": "732 829 320",
                "vat": "FR44732829320",
            }
        )
        cls.bolt = Partner.create({"name": "Bolt SARL", "is_company": True})
        cls.cora = Partner.create({"name": "Cora SAS", "is_company": True})
        inv = cls.invoice
        cls.a1 = inv(cls.acme, "out_invoice", 1200, "2026-01-05", "2026-02-04")
        cls.a2 = inv(cls.acme, "out_invoice", 2400, "2026-02-10", "2026-03-12")
        cls.a3 = inv(cls.acme, "out_invoice", 600, "2026-03-15", "2026-04-14")
        cls.ac1 = inv(cls.acme, "out_refund", 240, "2026-03-20", "2026-03-20")
        cls.b1 = inv(cls.bolt, "out_invoice", 3000, "2025-11-20", "2025-12-20")
        cls.b2 = inv(cls.bolt, "out_invoice", 1800, "2026-03-01", "2026-03-31")
        cls.c1 = inv(cls.cora, "out_invoice", 900, "2026-01-20", "2026-02-19")
        cls.c2 = inv(cls.cora, "out_invoice", 1500, "2026-03-05", "2026-04-04")
        cls.cc1 = inv(cls.cora, "out_refund", 500, "2026-03-10", "2026-03-10")
        for move, amount, day in (
            (cls.a1, 700, "2026-02-14"),
            (cls.a1, 500, "2026-03-06"),
            (cls.a2, 1000, "2026-03-20"),
            (cls.a3, 100, "2026-04-05"),
            (cls.b1, 1000, "2026-03-10"),
        ):
            cls.pay(move, amount, day)
        (cls.c2 | cls.cc1).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        Hold = cls.env["mkc.dunning.hold"]
        cls.hold_b2 = Hold.create(
            {
                "move_id": cls.b2.id,
                "partner_id": cls.bolt.id,
                "company_id": cls.company.id,
                "reason": "quality",
                "date_start": "2026-03-25",
            }
        )
        Hold.create(
            {
                "partner_id": cls.cora.id,
                "company_id": cls.company.id,
                "reason": "delivery",
                "date_start": "2026-02-01",
                "date_released": "2026-03-01",
            }
        )

    @classmethod
    def invoice(cls, partner, move_type, amount, invoice_date, due):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
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

    @classmethod
    def pay(cls, move, amount, day):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"payment_date": day, "amount": amount})._create_payments()

    def refresh(self, day=D):
        self.env["mkc.receivable.kpi"]._refresh(self.company, day)

    def partner_rows(self):
        rows = self.env["mkc.receivable.kpi.partner"].search(
            [("company_id", "=", self.company.id)]
        )
        return {row.partner_id: row for row in rows}

    def months(self):
        return self.env["mkc.receivable.kpi.month"].search(
            [("company_id", "=", self.company.id)], order="date_to"
        )

    # ---- DSO

    def test_dso_by_hand(self):
        """Open at D and not held: A2 1,400 + A3 600 (its payment of 5/4 is after
        D) - AC1 240 + B1 2,000 + C1 900 + C2 1,000 = 5,660.00; B2 (1,800.00) is
        held. Invoiced in the 90 days (31/12/2025, 31/3]: A1 1,200 + A2 2,400 + A3
        600 - AC1 240 + C1 900 + C2 1,500 - CC1 500 = 5,860.00 (B2 held, B1 too
        old): DSO 90 = 5,660 / 5,860 x 90 = 86.93 -> 86.9. 30 days (1/3, 31/3]: A3
        600 - 240 + 1,500 - 500 = 1,360.00: 5,660 / 1,360 x 30 = 124.85 -> 124.9."""
        self.refresh()
        march = self.months()[-1]
        self.assertRecordValues(
            march,
            [
                {
                    "date": D,
                    "date_from": date(2026, 3, 1),
                    "date_to": D,
                    "receivables": 5660.00,
                    "held_receivables": 1800.00,
                    "revenue_90": 5860.00,
                    "revenue_30": 1360.00,
                    "dso_90": 86.9,
                    "dso_30": 124.9,
                }
            ],
        )

    def test_held_invoices_are_out_of_the_dso(self):
        """B2's hold released on 26/3: at D it counts again in both terms:
        (5,660 + 1,800) / (5,860 + 1,800) x 90 = 7,460 / 7,660 x 90 = 87.65 ->
        87.7; 30 days: its date (1/3) is outside (1/3, 31/3]: 7,460 / 1,360 x 30
        = 164.56 -> 164.6. Before its hold (24/3) it counted as well."""
        self.hold_b2.date_released = date(2026, 3, 26)
        self.refresh()
        self.assertRecordValues(
            self.months()[-1],
            [
                {
                    "receivables": 7460.00,
                    "held_receivables": 0.0,
                    "revenue_90": 7660.00,
                    "dso_90": 87.7,
                    "dso_30": 164.6,
                }
            ],
        )
        self.assertEqual(self.partner_rows()[self.bolt].receivables, 3800.00)

    def test_payment_on_account_is_in_the_receivables_as_on_the_dashboard(self):
        """acme pays 300.00 on account on 25/3, matched to no invoice: the
        customer accounts' balance (411) falls by 300.00, the revenue does not
        move. Not held at D: 5,660 - 300 = 5,360.00; DSO 90 = 5,360 x 90 / 5,860
        = 482,400 / 5,860 = 82.32 -> 82.3; DSO 30 = 5,360 x 30 / 1,360 = 160,800
        / 1,360 = 118.24 -> 118.2. acme: 1,760 - 300 = 1,460.00, its 1-30 bucket
        1,160 - 300 = 860.00 (due on 25/3: 6 days). The weekly dashboard reads the
        balance of the receivable accounts at D (5,360 + B2 1,800 = 7,160.00)
        less B2 held, over the invoices of (31/12, 31/3]: the same DSO 90.

        Then the payment is matched to A3 (dated 15/3: the reconciliation is
        dated 25/3): the balance does not move (A3 600 - 300, the payment 0) and
        March collects 300.00 more, once: (2,500 + 300) / 3,160 = 0.88608 ->
        0.8861."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.acme.id,
                "amount": 300.00,
                "date": "2026-03-25",
            }
        )
        payment.action_post()
        kpis = self.env["mkc.receivable.kpi"].get_kpis("2026-03-31")
        self.assertEqual(
            {key: kpis[key] for key in ("receivables", "revenue_90", "dso_90")},
            {"receivables": 5360.00, "revenue_90": 5860.00, "dso_90": 82.3},
        )
        self.assertEqual(kpis["dso_30"], 118.2)
        self.assertEqual(kpis["aged"]["1_30"], 860.00)
        self.assertEqual(kpis["recovery_rate"], 0.7911)
        self.assertEqual(kpis["top_late_payers"][2]["overdue"], 1400.00)
        dashboard = self.env["marketplace.cash.dashboard"].with_context(tz="UTC")
        self.assertEqual(dashboard.get_data()["kpis"]["dso"]["value"], 82.3)
        self.refresh()
        acme = self.partner_rows()[self.acme]
        self.assertRecordValues(
            acme, [{"receivables": 1460.00, "amount_1_30": 860.00, "dso_90": 33.2}]
        )

        (payment.move_id | self.a3).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        kpis = self.env["mkc.receivable.kpi"].get_kpis("2026-03-31")
        self.assertEqual(
            (kpis["receivables"], kpis["dso_90"], kpis["recovery_rate"]),
            (5360.00, 82.3, 0.8861),
        )
        self.assertEqual(dashboard.get_data()["kpis"]["dso"]["value"], 82.3)

    def test_payment_before_its_invoice_counts_until_the_invoice(self):
        """bolt pays 800.00 on 20/3 for an invoice B3 of 5/4 (800.00, after D),
        matched: the reconciliation is dated 5/4, so at D the payment is still on
        the customer's account (read although settled now): 5,660 - 800 =
        4,860.00; DSO 90 = 4,860 x 90 / 5,860 = 437,400 / 5,860 = 74.64 -> 74.6,
        as on the weekly dashboard; bolt 2,000 - 800 = 1,200.00."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.bolt.id,
                "amount": 800.00,
                "date": "2026-03-20",
            }
        )
        payment.action_post()
        b3 = self.invoice(self.bolt, "out_invoice", 800, "2026-04-05", "2026-05-05")
        (payment.move_id | b3).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(b3.payment_state, "paid")
        kpis = self.env["mkc.receivable.kpi"].get_kpis("2026-03-31")
        self.assertEqual(
            (kpis["receivables"], kpis["revenue_90"], kpis["dso_90"]),
            (4860.00, 5860.00, 74.6),
        )
        dashboard = self.env["marketplace.cash.dashboard"].with_context(tz="UTC")
        self.assertEqual(dashboard.get_data()["kpis"]["dso"]["value"], 74.6)
        self.refresh()
        self.assertEqual(self.partner_rows()[self.bolt].receivables, 1200.00)

    def test_customers(self):
        """acme: 1,760.00 over 3,960.00 (90 days): 40.0; 30 days 1,760 / 360 x 30
        = 146.7. bolt: 2,000.00 and no revenue (B2 held): no DSO. cora: 1,900.00
        over 1,900.00: 90.0; 30 days over 1,000.00: 57.0.
        Days late of the open invoices (not held): acme A2 19 days, bolt B1 101
        (11 + 31 + 28 + 31), cora C1 40 (9 + 31); ranked by amount x days: bolt
        202,000, cora 36,000, acme 26,600. Paid in the 90 days to D (1/1 - 31/3):
        acme 700 x 10 + 500 x 30 + 1,000 x 8 = 30,000 / 2,200 = 13.6 days; bolt
        1,000 x 80 days; cora: no cash (a credit note)."""
        self.refresh()
        rows = self.partner_rows()
        self.assertEqual(set(rows), {self.acme, self.bolt, self.cora})
        self.assertRecordValues(
            rows[self.acme] | rows[self.bolt] | rows[self.cora],
            [
                {
                    "receivables": 1760.00,
                    "held_receivables": 0.0,
                    "overdue": 1400.00,
                    "revenue_90": 3960.00,
                    "dso_90": 40.0,
                    "dso_30": 146.7,
                    "days_late_open": 19.0,
                    "days_late_paid": 13.6,
                    "paid_amount": 2200.00,
                    "late_weight": 26600.0,
                    "late_rank": 3,
                    "amount_not_due": 600.00,
                    "amount_1_30": 1160.00,
                    "amount_over_90": 0.0,
                },
                {
                    "receivables": 2000.00,
                    "held_receivables": 1800.00,
                    "overdue": 2000.00,
                    "revenue_90": 0.0,
                    "dso_90": 0.0,
                    "dso_30": 0.0,
                    "days_late_open": 101.0,
                    "days_late_paid": 80.0,
                    "paid_amount": 1000.00,
                    "late_weight": 202000.0,
                    "late_rank": 1,
                    "amount_not_due": 1800.00,
                    "amount_1_30": 0.0,
                    "amount_over_90": 2000.00,
                },
                {
                    "receivables": 1900.00,
                    "held_receivables": 0.0,
                    "overdue": 900.00,
                    "revenue_90": 1900.00,
                    "dso_90": 90.0,
                    "dso_30": 57.0,
                    "days_late_open": 40.0,
                    "days_late_paid": 0.0,
                    "paid_amount": 0.0,
                    "late_weight": 36000.0,
                    "late_rank": 2,
                    "amount_not_due": 1000.00,
                    "amount_1_30": 0.0,
                    "amount_over_90": 0.0,
                },
            ],
        )
        # No DSO is stored empty, not as 0 days.
        self.env.cr.execute(
            "SELECT dso_90 IS NULL, days_late_paid IS NULL "
            "FROM mkc_receivable_kpi_partner WHERE partner_id = %s",
            [self.bolt.id],
        )
        self.assertEqual(self.env.cr.fetchall(), [(True, False)])

    def test_get_kpis(self):
        """The same figures as plain data (see the tests above for the hand
        computations); the aged balance of the company: not due 600 + 1,800 +
        1,000, 1-30 1,160, 31-60 900, over 90 2,000."""
        kpis = self.env["mkc.receivable.kpi"].get_kpis("2026-03-31")
        trend = kpis.pop("trend")
        self.assertEqual(
            kpis,
            {
                "company_id": self.company.id,
                "date": "2026-03-31",
                "currency": self.company.currency_id.name,
                "dso_30": 124.9,
                "dso_90": 86.9,
                "receivables": 5660.0,
                "held_receivables": 1800.0,
                "revenue_90": 5860.0,
                "recovery_rate": 0.7911,
                "dispute_rate": 0.3333,
                "aged": {
                    "not_due": 3400.0,
                    "1_30": 1160.0,
                    "31_60": 900.0,
                    "61_90": 0.0,
                    "over_90": 2000.0,
                },
                "top_late_payers": [
                    {"partner_id": self.bolt.id, "overdue": 2000.0, "days_late": 101.0},
                    {"partner_id": self.cora.id, "overdue": 900.0, "days_late": 40.0},
                    {"partner_id": self.acme.id, "overdue": 1400.0, "days_late": 19.0},
                ],
            },
        )
        self.assertEqual(len(trend), 12)
        self.assertEqual(
            trend[-2],
            {
                "date": "2026-02-28",
                "dso_30": 73.8,
                "dso_90": 147.5,
                "recovery_rate": 0.2917,
                "dispute_rate": 1.0,
            },
        )
        self.assertEqual(trend[0]["recovery_rate"], None)  # April 2025: no invoice

    # ---- aged balance

    def test_aged_balance(self):
        """At D: acme A3 600 not due, A2 1,400 (19 days) + AC1 -240 (11 days) in
        1-30; bolt B2 1,800 not due (due on D) on hold, B1 2,000 over 90; cora C2
        1,000 not due, C1 900 in 31-60. At 28/2 (the later payments not counted):
        acme A1 500 (24 days) and A2 2,400 not due; bolt B1 3,000 (70 days); cora C1
        900 (9 days), on hold then."""
        Aged = self.env["mkc.receivable.aged"]

        def table():
            return sorted(
                (row.partner_id.name, row.bucket, row.held, row.amount)
                for row in Aged.search([("company_id", "=", self.company.id)])
            )

        self.refresh()
        self.assertEqual(
            table(),
            [
                ("Acme Distribution", "1_30", False, 1160.00),
                ("Acme Distribution", "not_due", False, 600.00),
                ("Bolt SARL", "not_due", True, 1800.00),
                ("Bolt SARL", "over_90", False, 2000.00),
                ("Cora SAS", "31_60", False, 900.00),
                ("Cora SAS", "not_due", False, 1000.00),
            ],
        )
        self.refresh(date(2026, 2, 28))
        self.assertEqual(
            table(),
            [
                ("Acme Distribution", "1_30", False, 500.00),
                ("Acme Distribution", "not_due", False, 2400.00),
                ("Bolt SARL", "61_90", False, 3000.00),
                ("Cora SAS", "1_30", True, 900.00),
            ],
        )
        groups = Aged._read_group(
            [("company_id", "=", self.company.id)], ["bucket"], ["amount:sum"]
        )
        self.assertEqual(
            dict(groups), {"1_30": 1400.00, "not_due": 2400.00, "61_90": 3000.00}
        )

    # ---- rates and trend

    def test_recovery_and_dispute_rates(self):
        """March: collected (cash) A1 500 + A2 1,000 + B1 1,000 = 2,500.00 over
        invoiced A3 600 - AC1 240 + B2 1,800 + C2 1,500 - CC1 500 = 3,160.00:
        0.7911; issued A3, B2, C2, disputed B2: 1 / 3. February: 700 / 2,400 =
        0.2917; issued A2, disputed C1 (cora's hold): 1 / 1. January: 0 / 2,100;
        0 of 2 invoices; DSO 90 at 31/1: 5,100 / 5,100 (B1, A1, C1) x 90 = 90.0,
        30 days 5,100 / 2,100 x 30 = 72.9; at 28/2 (C1 held) 5,900 / 3,600 x 90 =
        147.5, 5,900 / 2,400 x 30 = 73.75 -> 73.8. The 9 months before: nothing
        invoiced but B1 in November (3,000), nothing collected, nothing disputed."""
        self.refresh()
        months = self.months()
        self.assertEqual(len(months), 12)
        self.assertEqual(months[0].date_to, date(2025, 4, 30))
        self.assertRecordValues(
            months[-4:],
            [
                {
                    "date_to": date(2025, 12, 31),
                    "collected": 0.0,
                    "invoiced": 0.0,
                    "recovery_rate": 0.0,
                    "issued_count": 0,
                    "disputed_count": 0,
                    "dispute_rate": 0.0,
                    "dso_90": 90.0,
                    "dso_30": 0.0,  # nothing invoiced in December: none
                },
                {
                    "date_to": date(2026, 1, 31),
                    "collected": 0.0,
                    "invoiced": 2100.00,
                    "recovery_rate": 0.0,
                    "issued_count": 2,
                    "disputed_count": 0,
                    "dispute_rate": 0.0,
                    "dso_90": 90.0,
                    "dso_30": 72.9,
                },
                {
                    "date_to": date(2026, 2, 28),
                    "collected": 700.00,
                    "invoiced": 2400.00,
                    "recovery_rate": 0.2917,
                    "issued_count": 1,
                    "disputed_count": 1,
                    "dispute_rate": 1.0,
                    "dso_90": 147.5,
                    "dso_30": 73.8,
                },
                {
                    "date_to": D,
                    "collected": 2500.00,
                    "invoiced": 3160.00,
                    "recovery_rate": 0.7911,
                    "issued_count": 3,
                    "disputed_count": 1,
                    "dispute_rate": 0.3333,
                    "dso_90": 86.9,
                    "dso_30": 124.9,
                },
            ],
        )
        self.assertEqual(months[-5].invoiced, 3000.00)  # November 2025: B1
        self.assertEqual(months[-5].date_to, date(2025, 11, 30))

    def test_menus_compute_today_once_and_cron(self):
        Month = self.env["mkc.receivable.kpi.month"]
        action = Month.action_open()
        self.assertEqual(action["res_model"], "mkc.receivable.kpi.month")
        rows = Month.search([("company_id", "=", self.company.id)])
        self.assertEqual(set(rows.mapped("date")), {D})
        self.env["mkc.receivable.aged"].action_open()  # fresh: not recomputed
        for model in (
            "mkc.receivable.aged",
            "mkc.receivable.kpi.partner",
            "mkc.receivable.kpi.month",
        ):
            views = self.env[model].get_views(
                [(False, "list"), (False, "pivot"), (False, "graph"), (False, "search")]
            )
            self.assertEqual(
                set(views["views"]), {"list", "pivot", "graph", "search"}, model
            )
        self.assertEqual(Month.search([("company_id", "=", self.company.id)]), rows)
        self.env["mkc.receivable.kpi"].sudo()._cron_refresh()
        self.assertEqual(Month.search_count([("company_id", "=", self.company.id)]), 12)
        wizard = self.env["mkc.receivable.kpi.refresh"].create(
            {"date": date(2026, 2, 28)}
        )
        action = wizard.action_compute()
        self.assertEqual(action["res_model"], "mkc.receivable.kpi.partner")
        self.assertEqual(
            set(Month.search([("company_id", "=", self.company.id)]).mapped("date")),
            {date(2026, 2, 28)},
        )

    # ---- factoring export

    def render(self, wizard):
        content, kind = self.env["ir.actions.report"]._render(REPORT, wizard.ids, {})
        self.assertEqual(kind, "xlsx")
        return openpyxl.load_workbook(io.BytesIO(content))

    @staticmethod
    def rows(sheet):
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_factoring_export(self):
        """At D, at most 30 days overdue, 1,500.00 per customer: acme A2 (1,400,
        19 days overdue) then A3 (600: 2,000 > 1,500, left out); bolt B1 overdue
        101 days, B2 on hold; cora C1 overdue 40 days, C2 1,000 due in 4 days."""
        wizard = self.env["mkc.receivable.factoring.wizard"].create(
            {"date": D, "max_overdue_days": 30, "customer_limit": 1500}
        )
        action = wizard.action_export()
        self.assertEqual(action["report_name"], REPORT)
        book = self.render(wizard)
        self.assertEqual(
            book.sheetnames, ["Eligible Invoices", "Customers", "Parameters"]
        )
        rows = self.rows(book["Eligible Invoices"])
        self.assertEqual(
            rows[0],
            [
                "Customer",
                "SIREN",
                "VAT",
                "Invoice",
                "Invoice Date",
                "Due Date",
                "Invoice Total",
                "Installment",
                "Amount Due",
                "Days to Due",
                "Days Overdue",
            ],
        )
        self.assertEqual(
            rows[1:3],
            [
                [
                    "Acme Distribution",
                    "732829320",
                    "FR44732829320",
                    self.a2.name,
                    datetime(2026, 2, 10),
                    datetime(2026, 3, 12),
                    2400,
                    2400,
                    1400,
                    None,
                    19,
                ],
                [
                    "Cora SAS",
                    None,
                    None,
                    self.c2.name,
                    datetime(2026, 3, 5),
                    datetime(2026, 4, 4),
                    1500,
                    1500,
                    1000,
                    4,
                    None,
                ],
            ],
        )
        self.assertEqual(rows[3][0], "Total")
        self.assertEqual(rows[3][8], "=SUM(I2:I3)")
        self.assertEqual(len(rows), 4)
        sheet = book["Eligible Invoices"]
        self.assertEqual(sheet["I2"].number_format, "#,##0.00")
        self.assertEqual(sheet["E2"].number_format, "yyyy-mm-dd")
        self.assertIsInstance(sheet["I2"].value, (int, float))
        self.assertEqual(
            self.rows(book["Customers"]),
            [
                [
                    "Customer",
                    "SIREN",
                    "VAT",
                    "Eligible Invoices",
                    "Eligible Amount",
                    "Left Out by the Limit",
                ],
                ["Acme Distribution", "732829320", "FR44732829320", 1, 1400, 600],
                ["Cora SAS", None, None, 1, 1000, 0],
                ["Total", None, None, None, "=SUM(E2:E3)", "=SUM(F2:F3)"],
            ],
        )
        params = dict(self.rows(book["Parameters"]))
        self.assertEqual(params["Max Days Overdue"], 30)
        self.assertEqual(params["Limit per Customer"], 1500)
        self.assertEqual(params["Eligible Invoices"], 2)
        self.assertEqual(params["Amount Due"], 2400)
        self.assertEqual(params["As Of"], datetime(2026, 3, 31))

    def test_factoring_without_limit(self):
        """No limit, 40 days: acme A2 and A3 (600, due in 14 days), cora C1 (40
        days overdue) and C2: 1,400 + 600 + 900 + 1,000 = 3,900.00."""
        wizard = self.env["mkc.receivable.factoring.wizard"].create(
            {"date": D, "max_overdue_days": 40}
        )
        rows, customers = wizard._export_rows()
        self.assertEqual(
            [(r["invoice"], r["residual"]) for r in rows],
            [
                (self.a2.name, 1400),
                (self.a3.name, 600),
                (self.c1.name, 900),
                (self.c2.name, 1000),
            ],
        )
        self.assertEqual(sum(c["eligible"] for c in customers), 3900)
        with self.assertRaises(ValidationError):
            wizard.max_overdue_days = -1

    # ---- security

    def test_access_and_companies(self):
        other = self.setup_other_company()["company"]
        self.refresh()
        self.env["mkc.receivable.kpi"].with_company(other)._refresh(other, D)
        finance = new_test_user(
            self.env,
            login="rec_finance",
            groups="marketplace_cash.group_cash_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        clerk = new_test_user(
            self.env,
            login="rec_clerk",
            groups="marketplace_connectors.group_marketplace_user",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        Month = self.env["mkc.receivable.kpi.month"].with_user(finance)
        self.assertEqual(set(Month.search([]).company_id), {self.company})
        self.assertEqual(len(Month.search([])), 12)
        with self.assertRaises(AccessError):
            self.env["mkc.receivable.kpi"].with_user(finance)._refresh(other, D)
        with self.assertRaises(AccessError):
            self.env["mkc.receivable.aged"].with_user(clerk).search([])
        with self.assertRaises(AccessError):
            self.env["mkc.receivable.factoring.wizard"].with_user(clerk).create({})
