# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The month-end close around the per-warehouse valuation, on real flows: the
ledger check with two stock valuation accounts, the close checklist of a seeded
September, who may change a validated snapshot and how it is reset, the scheduled
action of the 1st and the close pack of a validated snapshot.

Built on :class:`TestStockValuationScenarios` (its helpers; its own tests are not
run again here): the company is in Paris, a September date ends at 22:00 UTC.
Lamps (AVCO) are valued on the stock account, bulbs (FIFO) on a second one."""

import io
from datetime import date, datetime

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from .test_stock_valuation_scenarios import TestStockValuationScenarios

CRON = "marketplace_cash.ir_cron_stock_valuation_snapshot"
REPORT = "marketplace_cash.stock_close_pack_xlsx"
ROW_MODELS = ("line_ids", "mover_ids", "dio_ids", "gl_ids", "check_ids")


@tagged("post_install", "-at_install")
class TestStockCloseScenarios(TestStockValuationScenarios):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_account_2 = cls.copy_account(cls.stock_account)
        cls.cat_fifo.property_stock_valuation_account_id = cls.stock_account_2
        cls.expense = cls.company_data["default_account_expense"]
        cls.cash_user = new_test_user(
            cls.env,
            login="close_cash",
            name="Camille Cash",
            groups="marketplace_cash.group_cash_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.finance_user = new_test_user(
            cls.env,
            login="close_finance",
            name="Fanny Finance",
            groups="marketplace_cash.group_cash_manager,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_ids |= cls.company

    # ---- set-up helpers

    def september(self):
        """Lamp 10 @ 10.00 into Paris (5th), 4 delivered (20th): 6 x 10.00 =
        60.00 on the stock account; bulb 20 @ 4.00 into Lyon (8th): 80.00 on the
        second account. 140.00 in all, every movement booked by Odoo."""
        self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00")
        self.receive(self.bulb, 20, 4.00, "2026-09-08 08:00:00", self.lyon)
        self.deliver(self.lamp, 4, "2026-09-20 08:00:00")

    def entry(self, day, account, amount, post=True, company_data=None):
        """A journal entry by hand: ``amount`` debited on ``account`` against an
        expense account."""
        data = company_data or self.company_data
        entry = (
            self.env["account.move"]
            .with_company(data["company"])
            .create(
                {
                    "move_type": "entry",
                    "date": day,
                    "line_ids": [
                        Command.create({"account_id": account.id, "debit": amount}),
                        Command.create(
                            {
                                "account_id": data["default_account_expense"].id,
                                "credit": amount,
                            }
                        ),
                    ],
                }
            )
        )
        if post:
            entry.action_post()
        return entry

    def bank_line(self, day, amount, company_data=None):
        data = company_data or self.company_data
        return (
            self.env["account.bank.statement.line"]
            .with_company(data["company"])
            .create(
                {
                    "journal_id": data["default_journal_bank"].id,
                    "date": day,
                    "payment_ref": f"Transfer {day} {amount}",
                    "amount": amount,
                }
            )
        )

    def done_on(self, pickings, when):
        """The pickings' completion date (the orders' ``effective_date``)."""
        pickings.date_done = when
        self.env.flush_all()

    # ---- reading the snapshot

    def gl_rows(self, snapshot):
        """The GL check as a sorted table: (kind, account code, category, amount,
        journal entry)."""
        return sorted(
            (
                row.kind,
                row.account_id.code or "",
                row.categ_id.name or "",
                row.amount,
                row.move_id.name or "",
            )
            for row in snapshot.gl_ids
        )

    def check(self, snapshot, code):
        return snapshot.check_ids.filtered(lambda c: c.code == code)

    def checks(self, snapshot):
        return {c.code: (c.status, c.count, c.amount) for c in snapshot.check_ids}

    def opened(self, check):
        """The records the check's link opens (its domain as the web client
        evaluates it)."""
        action = check.action_open()
        domain = safe_eval(action["domain"], {"datetime": safe_datetime})
        return self.env[action["res_model"]].search(domain)

    # ---- 1. valuation against the general ledger

    def test_gl_two_accounts_automated(self):
        """Each account's balance is its category's value: stock account 60.00
        (lamps), second account 80.00 (bulbs), 140.00 both sides, no cause, the
        ledger item of the checklist OK."""
        self.september()
        end = self.snapshot(date(2026, 9, 30))
        one, two = self.stock_account.code, self.stock_account_2.code
        self.assertEqual(
            self.gl_rows(end),
            sorted(
                [
                    ("valuation", one, "Lamps AVCO", 60.00, ""),
                    ("valuation", two, "Bulbs FIFO", 80.00, ""),
                    ("gl", one, "", 60.00, ""),
                    ("gl", two, "", 80.00, ""),
                ]
            ),
        )
        self.assert_balanced(end, self.lamp | self.bulb, 140.00)
        self.assertEqual(
            self.checks(end)["gl_difference"], ("ok", 0, 0.00), "ledger item"
        )

    def test_gl_manual_entry_itemized_entry_after_date_excluded(self):
        """A 15.00 entry by hand on the second account on Sep 25th, a 7.00 one on
        the stock account on Oct 3rd. Sep 30th: ledger 60.00 + (80.00 + 15.00) =
        155.00 against 140.00, difference 15.00, itemized as the Sep 25th entry
        (which the line opens); the October entry is left out. Oct 31st: both
        entries itemized, 155.00 + 7.00 = 162.00, difference 22.00."""
        self.september()
        manual = self.entry("2026-09-25", self.stock_account_2, 15.00)
        later = self.entry("2026-10-03", self.stock_account, 7.00)
        end = self.snapshot(date(2026, 9, 30))
        one, two = self.stock_account.code, self.stock_account_2.code
        self.assertEqual(
            self.gl_rows(end),
            sorted(
                [
                    ("valuation", one, "Lamps AVCO", 60.00, ""),
                    ("valuation", two, "Bulbs FIFO", 80.00, ""),
                    ("gl", one, "", 60.00, ""),
                    ("gl", two, "", 95.00, ""),
                    ("manual_entry", two, "", 15.00, manual.name),
                ]
            ),
        )
        self.assertRecordValues(
            end,
            [{"valuation_total": 140.00, "gl_balance": 155.00, "difference": 15.00}],
        )
        cause = end.gl_ids.filtered(lambda g: g.kind == "manual_entry")
        self.assertEqual(
            cause.action_open(),
            {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": manual.id,
                "views": [(False, "form")],
            },
        )
        ledger = self.check(end, "gl_difference")
        self.assertRecordValues(ledger, [{"status": "warning", "amount": 15.00}])
        self.assertEqual(self.opened(ledger), end.gl_ids)
        october = self.snapshot(date(2026, 10, 31))
        self.assertEqual(
            [
                (row[1], row[3], row[4])
                for row in self.gl_rows(october)
                if row[0] == "manual_entry"
            ],
            sorted([(one, 7.00, later.name), (two, 15.00, manual.name)]),
        )
        self.assertRecordValues(october, [{"gl_balance": 162.00, "difference": 22.00}])

    def test_gl_draft_and_reversed_entries(self):
        """A 9.00 draft entry on the stock account (Sep 26th) is not in the ledger
        (the checklist's unposted entries item lists it); a 12.00 entry on the
        second account (Sep 10th) reversed on Sep 18th nets to 0: both are
        itemized, +12.00 and -12.00, and the difference is 0."""
        self.september()
        draft = self.entry("2026-09-26", self.stock_account, 9.00, post=False)
        wrong = self.entry("2026-09-10", self.stock_account_2, 12.00)
        reversal = wrong._reverse_moves([{"date": date(2026, 9, 18)}])
        reversal.action_post()
        end = self.snapshot(date(2026, 9, 30))
        one, two = self.stock_account.code, self.stock_account_2.code
        self.assertEqual(
            self.gl_rows(end),
            sorted(
                [
                    ("valuation", one, "Lamps AVCO", 60.00, ""),
                    ("valuation", two, "Bulbs FIFO", 80.00, ""),
                    ("gl", one, "", 60.00, ""),
                    ("gl", two, "", 80.00, ""),
                    ("manual_entry", two, "", 12.00, wrong.name),
                    ("manual_entry", two, "", -12.00, reversal.name),
                ]
            ),
        )
        self.assertRecordValues(end, [{"gl_balance": 140.00, "difference": 0.00}])
        checks = self.checks(end)
        self.assertEqual(checks["gl_difference"], ("ok", 0, 0.00))
        self.assertEqual(checks["draft_entries"], ("todo", 1, 9.00))
        self.assertEqual(self.opened(self.check(end, "draft_entries")), draft)

    # ---- 2. the close checklist of a seeded month

    def test_checklist_entries_and_bank_lines(self):
        """September's drafts: 10.00 (3rd) and 25.00 (30th): 2, 35.00; not those
        of Aug 31st, Oct 1st or another company. Bank lines not reconciled at the
        close: -45.50 (Sep 3rd), 120.00 (Sep 29th) and 30.00 still open from Aug
        20th: 3, 195.50; not Oct 1st's nor the other company's. No marketplace
        data at all: the payout items do not apply (no link). Nothing else to
        do."""
        other = self.setup_other_company(name="Close Other Co")
        self.env.user.company_ids |= other["company"]
        drafts = self.entry("2026-09-03", self.expense, 10.00, post=False)
        drafts |= self.entry("2026-09-30", self.expense, 25.00, post=False)
        self.entry("2026-08-31", self.expense, 5.00, post=False)
        self.entry("2026-10-01", self.expense, 6.00, post=False)
        self.entry(
            "2026-09-15",
            other["default_account_expense"],
            7.00,
            post=False,
            company_data=other,
        )
        lines = self.bank_line("2026-09-03", -45.50)
        lines |= self.bank_line("2026-09-29", 120.00)
        lines |= self.bank_line("2026-08-20", 30.00)
        self.bank_line("2026-10-01", 60.00)
        self.bank_line("2026-09-10", 70.00, company_data=other)
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.checks(end),
            {
                "draft_entries": ("todo", 2, 35.00),
                "bank_lines": ("todo", 3, 195.50),
                "payouts_unposted": ("na", 0, 0.00),
                "payouts_unreconciled": ("na", 0, 0.00),
                "negative_stock": ("ok", 0, 0.00),
                "not_invoiced": ("ok", 0, 0.00),
                "not_billed": ("ok", 0, 0.00),
                "gl_difference": ("ok", 0, 0.00),
                "valuation_differences": ("ok", 0, 0.00),
            },
        )
        self.assertEqual(self.opened(self.check(end, "draft_entries")), drafts)
        self.assertEqual(self.opened(self.check(end, "bank_lines")), lines)
        self.assertIs(self.check(end, "payouts_unposted").action_open(), False)

    def test_checklist_marketplace_payouts(self):
        """Payouts of the company's channel: a settlement ending Sep 20th (100.00)
        and a deposit without a period end (a Shopify or Stripe payout: its
        deposit date, Sep 25th, 40.00) not posted: 2, 140.00; one ending Sep
        15th (250.00) posted, not matched to the bank: 1, 250.00. Left out: one
        ending at 00:30 on Oct 1st in Paris (22:30 UTC on Sep 30th) and another
        company's."""
        other = self.setup_other_company(name="Close Other Co")
        self.env.user.company_ids |= other["company"]
        env = self.env(su=True)  # as the importer writes them

        def payout(channel, name, amount, **dates):
            record = env["marketplace.payout"].create(
                {
                    "channel_id": channel.id,
                    "name": name,
                    "currency_id": channel.currency_id.id,
                    "has_declared_total": True,
                    "amount_declared": amount,
                    **dates,
                }
            )
            env["marketplace.transaction"].create(
                {
                    "payout_id": record.id,
                    "channel_id": channel.id,
                    "category": "sale",
                    "amount": amount,
                    "currency_id": channel.currency_id.id,
                    "posted_at": dates.get("date_end") or dates["date_deposit"],
                    "external_key": f"{name}:0",
                }
            )
            record._recompute_totals()
            return record.with_env(self.env)

        channel = self.env["marketplace.channel"].create(
            {"name": "Close Shop", "platform": "generic"}
        )
        channel_b = self.env["marketplace.channel"].create(
            {
                "name": "Close Shop B",
                "platform": "generic",
                "company_id": other["company"].id,
                "currency_id": other["currency"].id,
            }
        )
        unposted = payout(
            channel,
            "SETTLE-0920",
            100.00,
            date_start="2026-09-06 00:00:00",
            date_end="2026-09-20 00:00:00",
            date_deposit="2026-10-02 00:00:00",
        )
        unposted |= payout(
            channel, "DEPOSIT-0925", 40.00, date_deposit="2026-09-25 10:00:00"
        )
        posted = payout(
            channel,
            "SETTLE-0915",
            250.00,
            date_end="2026-09-15 00:00:00",
            date_deposit="2026-09-17 00:00:00",
        )
        # Posting needs the French chart's accounts (another class tests it):
        # the state posting leaves, as the importer's fixture writes it.
        posted.sudo().state = "posted"
        payout(channel, "SETTLE-1001", 80.00, date_end="2026-09-30 22:30:00")
        payout(channel_b, "B-0910", 60.00, date_end="2026-09-10 00:00:00")
        end = self.snapshot(date(2026, 9, 30))
        checks = self.checks(end)
        self.assertEqual(checks["payouts_unposted"], ("todo", 2, 140.00))
        self.assertEqual(checks["payouts_unreconciled"], ("todo", 1, 250.00))
        self.assertEqual(self.opened(self.check(end, "payouts_unposted")), unposted)
        self.assertEqual(self.opened(self.check(end, "payouts_unreconciled")), posted)

    def test_checklist_stock_items(self):
        """Lyon delivers 3 lamps it does not have (10th), Paris has 5 @ 10.00:
        one negative line, Lyon -3 for -30.00 (the scenario of the negative AVCO
        stock): 1, 30.00. Bulbs bought: 10 received on the 12th, not billed (to
        do); 4 received on the 14th and billed; 5 received at 00:30 on Oct 1st
        in Paris: 1 receipt not billed. Bulbs sold: 2 delivered on the 22nd, not
        invoiced (to do); 1 delivered at 00:30 on Oct 1st in Paris; 1 confirmed,
        not delivered: 1 delivery not invoiced."""
        self.receive(self.lamp, 5, 10.00, "2026-09-05 08:00:00")
        self.deliver(self.lamp, 3, "2026-09-10 08:00:00", self.lyon)

        def purchase(qty, when):
            order = self.env["purchase.order"].create(
                {
                    "partner_id": self.vendor.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.bulb.id,
                                "product_qty": qty,
                                "price_unit": 4.00,
                            }
                        )
                    ],
                }
            )
            order.button_confirm()
            self.validate(order.picking_ids, when)
            self.done_on(order.picking_ids, when)
            return order

        def sale(qty, when=None):
            order = self.env["sale.order"].create(
                {
                    "partner_id": self.partner_a.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.bulb.id,
                                "product_uom_qty": qty,
                                "price_unit": 9.00,
                            }
                        )
                    ],
                }
            )
            order.action_confirm()
            if when:
                self.validate(order.picking_ids, when)
                self.done_on(order.picking_ids, when)
            return order

        to_bill = purchase(10, "2026-09-12 08:00:00")
        billed = purchase(4, "2026-09-14 08:00:00")
        billed.action_create_invoice()
        billed.invoice_ids.invoice_date = "2026-09-14"
        billed.invoice_ids.action_post()
        purchase(5, "2026-09-30 22:30:00")
        to_invoice = sale(2, "2026-09-22 08:00:00")
        sale(1, "2026-09-30 22:30:00")
        sale(1)
        self.assertEqual(billed.invoice_status, "invoiced")
        end = self.snapshot(date(2026, 9, 30))
        checks = self.checks(end)
        self.assertEqual(checks["negative_stock"], ("todo", 1, 30.00))
        self.assertEqual(checks["not_billed"], ("todo", 1, 0.00))
        self.assertEqual(checks["not_invoiced"], ("todo", 1, 0.00))
        negative = self.opened(self.check(end, "negative_stock"))
        self.assertRecordValues(
            negative,
            [{"warehouse_id": self.lyon.id, "quantity": -3, "value": -30.00}],
        )
        self.assertEqual(self.opened(self.check(end, "not_billed")), to_bill)
        self.assertEqual(self.opened(self.check(end, "not_invoiced")), to_invoice)

    # ---- 3. a validated snapshot cannot change

    def test_validated_snapshot_refused_to_everyone(self):
        """Validated: the snapshot cannot be written, deleted or recomputed by a
        cash manager, a finance (accounting) manager, the administrator (no
        superuser) nor the superuser; nor can its rows (lines, slow movers, DIO,
        GL check, checklist) be created, written or deleted through the ORM.
        Everything is still as validated afterwards."""
        self.september()
        self.entry("2026-09-25", self.stock_account_2, 15.00)
        end = self.snapshot(date(2026, 9, 30))
        end.with_user(self.finance_user).action_validate()
        counts = {fname: len(end[fname]) for fname in ROW_MODELS}
        self.assertTrue(all(counts.values()), counts)
        for user in (self.cash_user, self.finance_user, self.admin):
            snapshot = end.with_user(user).with_company(self.company)
            with self.subTest(user=user.login):
                with self.assertRaises(UserError):
                    snapshot.write({"abc_a": 0.50})
                with self.assertRaises(UserError):
                    snapshot.write({"date": date(2026, 9, 29)})
                with self.assertRaises(UserError):
                    snapshot.action_compute()
                with self.assertRaises(UserError):
                    snapshot.unlink()
                self.assert_rows_refused(snapshot)
        with self.assertRaises(UserError):
            end.sudo().write({"target_cover_days": 30})
        with self.assertRaises(UserError):
            end.sudo().action_compute()
        with self.assertRaises(UserError):
            end.sudo().unlink()
        self.assert_rows_refused(end.sudo())
        end.invalidate_recordset()
        self.assertRecordValues(
            end,
            [
                {
                    "state": "validated",
                    "date": date(2026, 9, 30),
                    "abc_a": 0.80,
                    "target_cover_days": 90,
                    "valuation_total": 140.00,
                    "difference": 15.00,
                    "validated_by_id": self.finance_user.id,
                }
            ],
        )
        self.assertEqual({f: len(end[f]) for f in ROW_MODELS}, counts)

    def assert_rows_refused(self, snapshot):
        for fname in ROW_MODELS:
            rows = snapshot[fname]
            with self.assertRaises(AccessError, msg=f"write {fname}"):
                rows[:1].write({"company_id": self.company.id})
            with self.assertRaises(AccessError, msg=f"unlink {fname}"):
                rows[:1].unlink()
            with self.assertRaises(AccessError, msg=f"create {fname}"):
                rows.create({"snapshot_id": snapshot.id})

    def test_reset_by_finance_manager_audited_then_recomputed(self):
        """A cash manager without accounting rights cannot reset. The finance
        manager resets with a reason on Oct 3rd 09:15: the chatter keeps who,
        when, why and the totals the snapshot had (valuation 140.00, GL 140.00,
        difference 0.00); back to computed, it is recomputed with the late entry
        (15.00 on the second account dated Sep 25th: difference 15.00) and
        validated again."""
        self.september()
        end = self.snapshot(date(2026, 9, 30))
        end.with_user(self.finance_user).action_validate()
        wizard = self.env["stock.valuation.snapshot.reset"]
        with self.assertRaises(AccessError):
            wizard.with_user(self.cash_user).create(
                {"snapshot_id": end.id, "reason": "Typo"}
            ).action_reset()
        self.assertEqual(end.state, "validated")
        self.entry("2026-09-25", self.stock_account_2, 15.00)
        with freeze_time("2026-10-03 09:15:00"):
            wizard.with_user(self.finance_user).create(
                {"snapshot_id": end.id, "reason": "Late manual entry of Sep 25th"}
            ).action_reset()
        self.assertRecordValues(
            end,
            [{"state": "computed", "validated_by_id": False, "validated_on": False}],
        )
        message = end.message_ids[0]
        self.assertEqual(message.author_id, self.finance_user.partner_id)
        self.assertEqual(message.date, datetime(2026, 10, 3, 9, 15))
        for part in (
            "Snapshot reset by Fanny Finance",
            "validated by Fanny Finance",
            "valuation 140.0, GL 140.0, difference 0.0",
            "Late manual entry of Sep 25th",
        ):
            self.assertIn(part, message.body)
        end.with_user(self.finance_user).action_compute()
        self.assertRecordValues(
            end, [{"state": "computed", "gl_balance": 155.00, "difference": 15.00}]
        )
        end.with_user(self.finance_user).action_validate()
        self.assertEqual(end.state, "validated")

    # ---- 4. the scheduled action of the 1st

    def cron(self):
        """The scheduled action, as the scheduler runs it (its user)."""
        self.env.ref(CRON).sudo().method_direct_trigger()

    def snapshots_of(self, company):
        return self.env["stock.valuation.snapshot"].search(
            [("company_id", "=", company.id)]
        )

    def test_cron_previous_month_every_company_once(self):
        """At its time, Oct 1st 03:00 UTC: Paris has lamps 10 @ 10.00 (100.00),
        the other company (UTC) nothing yet. A draft of Sep 30th made by hand in
        Paris is computed; the other company's is created: one each, Sep 30th.
        Its snapshot validated, the other company counts 3 lamps at 8.00 (dated
        Sep 6th): a second run creates nothing, and leaves the validated one as
        it was (0.00)."""
        other = self.setup_other_company(name="Close Other Co")["company"]
        self.env.user.company_ids |= other
        self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00")
        draft = self.env["stock.valuation.snapshot"].create(
            {"company_id": self.company.id, "date": date(2026, 9, 30)}
        )
        with freeze_time("2026-10-01 03:00:00"):
            self.cron()
        self.assertEqual(self.snapshots_of(self.company), draft)
        self.assertRecordValues(
            draft, [{"state": "computed", "valuation_total": 100.00}]
        )
        theirs = self.snapshots_of(other)
        self.assertRecordValues(
            theirs,
            [{"date": date(2026, 9, 30), "state": "computed", "valuation_total": 0}],
        )
        theirs.action_validate()
        other_wh = self.env["stock.warehouse"].search(
            [("company_id", "=", other.id)], limit=1
        )
        self.lamp.with_company(other).standard_price = 8.00
        self.count(self.lamp, other_wh.lot_stock_id, 3, "2026-09-06 08:00:00")
        with freeze_time("2026-10-01 03:00:00"):
            self.cron()
        self.assertEqual(self.snapshots_of(self.company), draft)
        self.assertEqual(self.snapshots_of(other), theirs)
        self.assertRecordValues(
            theirs, [{"state": "validated", "valuation_total": 0, "line_count": 0}]
        )

    def test_cron_date_in_company_time_zone(self):
        """At 22:30 UTC on Sep 30th it is Oct 1st 00:30 in Paris: September is
        over there, its snapshot is made (cut-off 21:59:59 UTC, the lamps of the
        5th in: 100.00); in the other company (no time zone: UTC) it is still
        Sep 30th: its previous month is August. Whatever the time zone of the
        scheduler's user."""
        other = self.setup_other_company(name="Close Other Co")["company"]
        self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00")
        with freeze_time("2026-09-30 22:30:00"):
            self.cron()
        self.assertRecordValues(
            self.snapshots_of(self.company),
            [{"date": date(2026, 9, 30), "state": "computed", "valuation_total": 100}],
        )
        self.assertEqual(
            self.snapshots_of(self.company).cutoff, datetime(2026, 9, 30, 21, 59, 59)
        )
        self.assertEqual(self.snapshots_of(other).date, date(2026, 8, 31))

    # ---- 5. the close pack of a validated snapshot

    def test_close_pack_gl_and_checklist_sheets(self):
        """The validated snapshot with a manual entry (15.00 on the second
        account) and a draft one (9.00): the GL check sheet has the valuation per
        category, the ledger per account and the entry, amounts as numbers in
        the money format; the checklist sheet every item with its status, count
        and amount."""
        self.september()
        manual = self.entry("2026-09-25", self.stock_account_2, 15.00)
        self.entry("2026-09-26", self.stock_account, 9.00, post=False)
        end = self.snapshot(date(2026, 9, 30))
        end.action_validate()
        content, kind = self.env["ir.actions.report"]._render(REPORT, end.ids, data={})
        self.assertEqual(kind, "xlsx")
        book = openpyxl.load_workbook(io.BytesIO(content))
        summary = {
            row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True)
        }
        self.assertEqual(summary["State"], "Validated")
        gl = book["GL check"]
        one = self.stock_account.display_name
        two = self.stock_account_2.display_name
        rows = [list(row) for row in gl.iter_rows(min_row=2, values_only=True)]
        # The valuation rows first (in any order), then the ledger, then causes.
        self.assertEqual(
            sorted(rows[:2]),
            sorted(
                [
                    ["Stock valuation", one, self.cat_avco.display_name, 60, None],
                    ["Stock valuation", two, self.cat_fifo.display_name, 80, None],
                ]
            ),
        )
        self.assertEqual(
            sorted(rows[2:4]),
            sorted(
                [
                    ["General ledger balance", one, None, 60, None],
                    ["General ledger balance", two, None, 95, None],
                ]
            ),
        )
        self.assertEqual(
            rows[4:],
            [
                [
                    "Journal entry posted by hand on a stock account",
                    two,
                    None,
                    15,
                    manual.display_name,
                ]
            ],
        )
        for row in range(2, 7):
            cell = gl.cell(row, 4)
            self.assertIsInstance(cell.value, int | float, cell.coordinate)
            self.assertEqual(cell.number_format, "#,##0.00", cell.coordinate)
        checklist = book["Checklist"]
        self.assertEqual(
            [list(row) for row in checklist.iter_rows(values_only=True)],
            [
                ["Check", "Status", "Count", "Amount"],
                ["Journal entries not posted in the period", "To Do", 1, 9],
                ["Bank statement lines not reconciled", "OK", 0, 0],
                ["Marketplace payouts not posted", "Not Applicable", 0, 0],
                [
                    "Marketplace payouts not matched to the bank",
                    "Not Applicable",
                    0,
                    0,
                ],
                ["Negative stock", "OK", 0, 0],
                ["Deliveries not yet invoiced", "OK", 0, 0],
                ["Receipts not yet billed", "OK", 0, 0],
                ["Stock valuation against the general ledger", "To Review", 0, 15],
                [
                    "Stock on hand against Odoo's valuation (valuation differences)",
                    "OK",
                    0,
                    0,
                ],
            ],
        )
        for row in range(2, checklist.max_row + 1):
            self.assertEqual(checklist.cell(row, 3).number_format, "0")
            self.assertEqual(checklist.cell(row, 4).number_format, "#,##0.00")
