# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import common, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

if not hasattr(common, "SETATTR_SOURCES"):
    # As in marketplace_connectors' test_sync: queue_job 18.0.4's test helpers need
    # this registry, added to Odoo 18.0 after August 2025 (here when this module's
    # tests are loaded without marketplace_connectors').
    common.SETATTR_SOURCES = {}
from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: E402


@tagged("post_install", "-at_install")
class TestDunning(AccountTestInvoicingCommon):
    """Dunning with the company's default policy: D+1 friendly email, D+7 firm
    email (+ phone call above 5,000.00), D+20 formal notice letter. Invoices due
    Monday 2 March 2026 unless said otherwise."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.email = "compta@lumiere.example"
        cls.policy = cls.company.dunning_policy_id
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Paul Commercial",
                "login": "dun_sales",
                "email": "paul@lumiere.example",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Grossiste Nantes",
                "is_company": True,
                "email": "compta@grossiste.example",
                "user_id": cls.salesperson.id,
            }
        )
        cls.Run = cls.env["mkc.dunning.run"]

    def invoice(self, amount, due="2026-03-02", partner=None, **extra):
        vals = {
            "move_type": "out_invoice",
            "partner_id": (partner or self.customer).id,
            "invoice_date": due,
            "invoice_date_due": due,
            "invoice_line_ids": [
                Command.create({"name": "Lot", "price_unit": amount, "tax_ids": False})
            ],
        }
        vals.update(extra)
        move = self.env["account.move"].create(vals)
        move.action_post()
        return move

    def dun(self, day, send=True):
        with freeze_time(day):
            run = self.Run._dunning_prepare(self.company)
            if send:
                run.action_send()
        return run

    def run_daily(self, first, last, on_day=None):
        day = first
        while day <= last:
            if on_day and day in on_day:
                with freeze_time(day):
                    on_day[day]()
            self.dun(day)
            day += timedelta(days=1)

    def logs(self, move):
        return [
            (log.date, log.sequence, log.channel)
            for log in move.dunning_log_ids.sorted(lambda g: (g.date, g.sequence))
        ]

    def pay(self, move, amount, day):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"payment_date": day, "amount": amount})._create_payments()

    # ---- levels and escalation

    def test_default_policy(self):
        self.assertRecordValues(
            self.policy.level_ids.sorted("sequence"),
            [
                {
                    "sequence": 1,
                    "offset": 1,
                    "channel": "email",
                    "phone_activity": False,
                    "phone_threshold": 0.0,
                },
                {
                    "sequence": 2,
                    "offset": 7,
                    "channel": "email",
                    "phone_activity": True,
                    "phone_threshold": 5000.0,
                },
                {
                    "sequence": 3,
                    "offset": 20,
                    "channel": "letter",
                    "phone_activity": False,
                    "phone_threshold": 0.0,
                },
            ],
        )
        self.assertEqual(
            self.policy.level_ids.mail_template_id.mapped("model"),
            ["mkc.dunning.run.line"] * 3,
        )

    def test_levels_fire_on_d1_d7_d20_exactly_once(self):
        """Daily runs from 25/02 to 31/03: 1,200.00 due 2/3 is reminded on 3/3
        (D+1), 9/3 (D+7) and 22/3 (D+20), once each; the letter goes with the
        formal notice."""
        move = self.invoice(1200.00)
        self.run_daily(date(2026, 2, 25), date(2026, 3, 31))
        self.assertEqual(
            self.logs(move),
            [
                (date(2026, 3, 3), 1, "email"),
                (date(2026, 3, 9), 2, "email"),
                (date(2026, 3, 22), 3, "letter"),
            ],
        )
        self.assertEqual(move.dunning_log_ids.mapped("amount_residual"), [1200.0] * 3)
        lines = self.env["mkc.dunning.run.line"].search(
            [("partner_id", "=", self.customer.id), ("state", "=", "sent")],
            order="id",
        )
        self.assertEqual(len(lines), 3)
        # Queued emails to the customer, never sent during the run.
        mails = self.env["mail.mail"].search(
            [("mail_message_id", "in", lines.message_id.ids)]
        )
        self.assertEqual(len(mails), 3)
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        self.assertEqual(
            mails.recipient_ids | mails.mapped("partner_ids"), self.customer
        )
        letter = lines[2].message_id.attachment_ids
        self.assertEqual(len(letter), 1)
        self.assertIn("Formal notice", letter.name)
        # Each invoice carries a note of its reminders.
        notes = move.message_ids.filtered(lambda m: "Reminder sent" in (m.body or ""))
        self.assertEqual(len(notes), 3)

    def test_payment_stops_escalation(self):
        """Paid in full on 5/3 after the D+1 reminder: nothing more. Another
        invoice paid 420.00 of 500.00 keeps being reminded for the 80.00 left."""
        paid = self.invoice(500.00)
        other = self.env["res.partner"].create(
            {"name": "Épicerie Lyon", "email": "epicerie@example.com"}
        )
        partial = self.invoice(500.00, partner=other)
        self.run_daily(
            date(2026, 3, 1),
            date(2026, 3, 23),
            on_day={
                date(2026, 3, 5): lambda: (
                    self.pay(paid, 500.00, "2026-03-05"),
                    self.pay(partial, 420.00, "2026-03-05"),
                )
            },
        )
        self.assertEqual(self.logs(paid), [(date(2026, 3, 3), 1, "email")])
        self.assertEqual(
            self.logs(partial),
            [
                (date(2026, 3, 3), 1, "email"),
                (date(2026, 3, 9), 2, "email"),
                (date(2026, 3, 22), 3, "letter"),
            ],
        )
        self.assertEqual(
            partial.dunning_log_ids.sorted("date").mapped("amount_residual"),
            [500.0, 80.0, 80.0],
        )

    def test_hold_with_expiry_suppresses_then_resumes(self):
        """D+1 sent 3/3; put on hold on 5/3 until 30/3 (last held day). Nothing
        while held; 31/3: D+7 (its date passed), not D+20 with it; D+20 keeps its
        13 days after D+7: 13/4."""
        move = self.invoice(300.00)

        def hold():
            wizard = (
                self.env["mkc.dunning.hold.wizard"]
                .with_context(**move.action_dunning_hold()["context"])
                .create(
                    {
                        "reason": "quality",
                        "user_id": self.salesperson.id,
                        "date_expiry": "2026-03-30",
                        "note": "Lampes rayées",
                    }
                )
            )
            wizard.action_confirm()

        self.run_daily(
            date(2026, 3, 1), date(2026, 4, 20), on_day={date(2026, 3, 5): hold}
        )
        self.assertEqual(
            self.logs(move),
            [
                (date(2026, 3, 3), 1, "email"),
                (date(2026, 3, 31), 2, "email"),
                (date(2026, 4, 13), 3, "letter"),
            ],
        )
        self.assertRecordValues(
            move.dunning_hold_ids,
            [
                {
                    "reason": "quality",
                    "origin": "manual",
                    "user_id": self.salesperson.id,
                    "date_start": date(2026, 3, 5),
                    "date_expiry": date(2026, 3, 30),
                    "partner_id": self.customer.id,
                }
            ],
        )
        # The flag followed the calendar: expired, so no longer disputed.
        self.assertFalse(move.cash_dispute)
        with freeze_time("2026-03-20"):
            self.env["mkc.dunning.hold"]._cron_refresh_cash_dispute(self.company)
            self.assertTrue(move.cash_dispute)
            self.assertEqual(move.dunning_hold_ids.state, "active")

    def test_release_and_customer_hold(self):
        """A customer hold flags all its invoices; released, they are dunned."""
        first = self.invoice(100.00)
        second = self.invoice(50.00, due="2026-03-04")
        with freeze_time("2026-03-01"):
            self.env["mkc.dunning.hold.wizard"].with_context(
                **self.customer.action_dunning_hold()["context"]
            ).create({"reason": "price"}).action_confirm()
            self.assertEqual((first | second).mapped("cash_dispute"), [True, True])
            self.assertTrue(self.customer.dunning_on_hold)
        self.assertFalse(self.dun(date(2026, 3, 6)).line_ids)
        with freeze_time("2026-03-07"):
            self.customer.action_dunning_release()
            self.assertEqual((first | second).mapped("cash_dispute"), [False, False])
        run = self.dun(date(2026, 3, 7))
        self.assertRecordValues(
            run.line_ids,
            [{"partner_id": self.customer.id, "amount_total": 150.0, "state": "sent"}],
        )
        self.assertEqual(run.line_ids.move_ids, first | second)
        self.assertEqual(self.logs(first), [(date(2026, 3, 7), 1, "email")])

    def test_cash_dispute_checkbox_is_a_manual_hold(self):
        move = self.invoice(700.00)
        move.cash_dispute = True
        self.assertRecordValues(
            move.dunning_hold_ids, [{"origin": "manual", "state": "active"}]
        )
        move.cash_dispute = False
        self.assertEqual(move.dunning_hold_ids.state, "released")
        self.assertFalse(move.cash_dispute)

    def test_credit_note_in_progress_holds_the_invoice(self):
        """A draft credit note reversing the invoice holds it; posted, the hold is
        released and what is still due is dunned again."""
        move = self.invoice(1000.00)
        with freeze_time("2026-03-02"):
            reversal = (
                self.env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=move.ids)
                .create(
                    {
                        "reason": "Lampes cassées",
                        "journal_id": move.journal_id.id,
                        "date": "2026-03-02",
                    }
                )
            )
            refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        self.assertEqual(refund.state, "draft")
        self.assertTrue(move.cash_dispute)
        self.assertRecordValues(
            move.dunning_hold_ids,
            [{"origin": "credit_note", "refund_id": refund.id, "state": "active"}],
        )
        self.assertFalse(self.dun(date(2026, 3, 3)).line_ids)
        # A partial credit note of 200.00, posted on 4/3 and matched: 800.00 due.
        with freeze_time("2026-03-04"):
            refund.invoice_line_ids.price_unit = 200.00
            refund.action_post()
        self.assertEqual(move.amount_residual, 800.0)  # the posted refund is matched
        self.assertFalse(move.cash_dispute)
        self.assertEqual(move.dunning_hold_ids.date_released, date(2026, 3, 4))
        run = self.dun(date(2026, 3, 4))
        self.assertEqual(run.line_ids.amount_total, 800.0)
        self.assertEqual(self.logs(move), [(date(2026, 3, 4), 1, "email")])

    def test_draft_credit_note_cancelled_releases(self):
        move = self.invoice(400.00)
        refund = move._reverse_moves()
        self.assertTrue(move.cash_dispute)
        refund.button_cancel()
        self.assertFalse(move.cash_dispute)

    # ---- manual and automatic modes, cron

    def test_manual_mode_leaves_a_draft_run_for_review(self):
        self.invoice(100.00)
        dropped = self.invoice(60.00, partner=self.partner_a)
        self.partner_a.email = "a@example.com"
        with freeze_time("2026-03-03"):
            self.company.dunning_mode = "manual"
            self.Run.sudo()._cron_dunning()
            run = self.Run.search([("company_id", "=", self.company.id)], limit=1)
            self.assertEqual(run.state, "draft")
            self.assertEqual(len(run.line_ids), 2)
            self.assertFalse(run.log_ids)
            # The clerk leaves one customer out, then sends.
            run.line_ids.filtered(
                lambda line: line.partner_id == self.partner_a
            ).action_cancel()
            run.action_send()
        self.assertEqual(run.state, "sent")
        self.assertEqual(run.log_ids.partner_id, self.customer)
        self.assertFalse(dropped.dunning_log_ids)
        # Next day, automatic: the left-out customer gets its D+1 now.
        with freeze_time("2026-03-04"):
            self.company.dunning_mode = "automatic"
            self.Run.sudo()._cron_dunning()
            run = self.Run.search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual(run.state, "sent")
        self.assertEqual(self.logs(dropped), [(date(2026, 3, 4), 1, "email")])

    def test_big_run_is_sent_by_a_chain_of_jobs(self):
        """Three customers due D+1, at most one reminder sent at once and two per
        job: sending the run enqueues a job for the two largest (100.00, 60.00),
        which enqueues the one of the last (30.00), which closes the run. The
        daily cron leaves the company alone meanwhile."""
        other = self.env["res.partner"].create({"name": "Détaillant Lyon"})
        first = self.invoice(100.00)
        second = self.invoice(60.00, partner=self.partner_a)
        third = self.invoice(30.00, partner=other)
        Run = type(self.Run)
        with (
            patch.object(Run, "_send_now_limit", 1),
            patch.object(Run, "_send_batch", 2),
            trap_jobs() as trap,
            freeze_time("2026-03-03"),
        ):
            run = self.Run._dunning_prepare(self.company)
            self.assertEqual(len(run.line_ids), 3)
            run.action_send()
            self.assertEqual(run.state, "sending")
            self.assertEqual(len(trap.enqueued_jobs), 1)
            self.assertFalse(run.log_ids)
            self.company.dunning_mode = "automatic"
            self.Run.sudo()._cron_dunning()
            self.assertEqual(
                self.Run.search([("company_id", "=", self.company.id)]), run
            )
            trap.enqueued_jobs.pop(0).perform()
            self.assertEqual(run.state, "sending")
            self.assertEqual(
                run.line_ids.filtered(lambda line: line.state == "sent").partner_id,
                self.customer | self.partner_a,
            )
            self.assertEqual(len(trap.enqueued_jobs), 1)
            trap.enqueued_jobs.pop(0).perform()
            self.assertEqual(run.state, "sent")
            self.assertFalse(trap.enqueued_jobs)
        self.assertEqual(set(run.line_ids.mapped("state")), {"sent"})
        for move in (first, second, third):
            self.assertEqual(self.logs(move), [(date(2026, 3, 3), 1, "email")])

    def test_cancel_stops_a_run_being_sent(self):
        self.invoice(100.00)
        self.invoice(60.00, partner=self.partner_a)
        Run = type(self.Run)
        with (
            patch.object(Run, "_send_now_limit", 1),
            patch.object(Run, "_send_batch", 1),
            trap_jobs() as trap,
            freeze_time("2026-03-03"),
        ):
            run = self.Run._dunning_prepare(self.company)
            run.action_send()
            trap.enqueued_jobs.pop(0).perform()
            run.action_cancel()
            trap.enqueued_jobs.pop(0).perform()
        self.assertEqual(run.state, "cancel")
        self.assertEqual(
            {(line.partner_id, line.state) for line in run.line_ids},
            {(self.customer, "sent"), (self.partner_a, "cancel")},
        )
        self.assertEqual(run.log_ids.partner_id, self.customer)

    def test_new_run_supersedes_the_draft_one(self):
        self.invoice(100.00)
        first = self.dun(date(2026, 3, 3), send=False)
        second = self.dun(date(2026, 3, 4), send=False)
        self.assertEqual((first.state, second.state), ("cancel", "draft"))

    def test_phone_call_for_big_customers(self):
        """6,000.00 overdue at D+7 > 5,000.00: a call for the salesperson."""
        self.invoice(6000.00)
        self.dun(date(2026, 3, 3))
        run = self.dun(date(2026, 3, 9))
        line = run.line_ids
        self.assertTrue(line.phone)
        self.assertRecordValues(
            line.activity_id,
            [
                {
                    "user_id": self.salesperson.id,
                    "res_model": "res.partner",
                    "res_id": self.customer.id,
                    "date_deadline": date(2026, 3, 9),
                    "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                }
            ],
        )

    def test_customer_policy_and_minimum_amount(self):
        """The customer's own policy: one level at D+3 from 100.00 on."""
        policy = self.env["mkc.dunning.policy"].create(
            {
                "name": "Petits clients",
                "company_id": self.company.id,
                "level_ids": [
                    Command.create(
                        {
                            "name": "Relance unique",
                            "sequence": 1,
                            "offset": 3,
                            "min_amount": 100.0,
                            "mail_template_id": self.env.ref(
                                "marketplace_cash.mail_template_dunning_friendly"
                            ).id,
                        }
                    )
                ],
            }
        )
        self.customer.with_company(self.company).dunning_policy_id = policy
        self.invoice(60.00)
        self.assertFalse(self.dun(date(2026, 3, 5)).line_ids)  # 60 < 100
        self.invoice(40.00, due="2026-03-01")
        run = self.dun(date(2026, 3, 5))
        self.assertEqual(run.line_ids.level_id, policy.level_ids)
        self.assertEqual(run.line_ids.amount_total, 100.0)

    # ---- follow-up screen

    def test_follow_up_screen(self):
        move = self.invoice(250.00)
        self.dun(date(2026, 3, 3))
        with freeze_time("2026-03-05"):
            customer = self.customer.with_company(self.company)
            self.assertEqual(customer.dunning_move_ids, move)
            self.assertEqual(customer.dunning_amount_overdue, 250.0)
            self.assertEqual(customer.dunning_last_date, date(2026, 3, 3))
            level2 = self.policy.level_ids.filtered(lambda lv: lv.sequence == 2)
            self.assertEqual(customer.dunning_next_level_id, level2)
            self.assertEqual(customer.dunning_next_date, date(2026, 3, 9))
            self.assertEqual(move.dunning_next_date, date(2026, 3, 9))
            self.assertEqual(move.dunning_level_id.sequence, 1)
            found = self.env["res.partner"].search(
                [("dunning_amount_overdue", ">", 0), ("id", "=", customer.id)]
            )
            self.assertEqual(found, customer)
        action = self.customer.action_open_dunning()
        self.assertEqual(action["res_id"], self.customer.id)

    # ---- multi-company

    def test_company_isolation(self):
        move = self.invoice(100.00)
        move.cash_dispute = True
        other = self.setup_other_company()["company"]
        user = self.env["res.users"].create(
            {
                "name": "Other company clerk",
                "login": "dun_other",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [
                    Command.set(self.env.ref("account.group_account_invoice").ids)
                ],
            }
        )
        self.assertEqual(len(move.dunning_hold_ids), 1)
        holds = self.env["mkc.dunning.hold"].with_user(user)
        self.assertFalse(holds.search([("id", "in", move.dunning_hold_ids.ids)]))
        policies = self.env["mkc.dunning.policy"].with_user(user)
        both = (self.company | other).ids
        self.assertEqual(
            policies.search([("company_id", "in", both)]).company_id, other
        )

    def test_released_the_day_its_next_level_is_due(self):
        """D+1 sent 3/3; held on 9/3 (D+7 due that day): skipped; released the
        same day: the next run sends D+7."""
        move = self.invoice(840.00)
        self.dun(date(2026, 3, 3))
        with freeze_time("2026-03-09"):
            self.env["mkc.dunning.hold.wizard"].with_context(
                **move.action_dunning_hold()["context"]
            ).create({"reason": "quality"}).action_confirm()
        self.assertFalse(self.dun(date(2026, 3, 9)).line_ids)
        with freeze_time("2026-03-09"):
            move.action_dunning_release()
            self.assertFalse(move.cash_dispute)
        run = self.dun(date(2026, 3, 9))
        self.assertEqual(run.line_ids.move_ids, move)
        self.assertEqual(
            self.logs(move),
            [(date(2026, 3, 3), 1, "email"), (date(2026, 3, 9), 2, "email")],
        )

    def test_return_in_progress_holds_until_the_credit_note(self):
        """A return of the invoice's delivery holds it; the credit note posted for
        the return releases it. Another invoice of the customer stays dunned."""
        product = self.env["product.product"].create(
            {"name": "Suspension laiton", "type": "consu", "list_price": 300.0}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 2,
                            "tax_id": False,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        delivery = order.picking_ids
        delivery.move_ids.quantity = 2
        delivery.button_validate()
        move = order._create_invoices()
        move.write({"invoice_date": "2026-02-02", "invoice_date_due": "2026-03-02"})
        move.action_post()
        other = self.invoice(90.00)
        self.assertFalse(move.cash_dispute)
        with freeze_time("2026-03-02"):
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=delivery.id, active_model="stock.picking")
                .create({})
            )
            wizard.product_return_moves.quantity = 1
            returned = self.env["stock.picking"].browse(
                wizard.action_create_returns()["res_id"]
            )
        self.assertEqual(returned.return_id, delivery)
        self.assertRecordValues(
            move.dunning_hold_ids,
            [{"origin": "return", "picking_id": returned.id, "reason": "delivery"}],
        )
        self.assertTrue(move.cash_dispute)
        run = self.dun(date(2026, 3, 3))
        self.assertEqual(run.line_ids.move_ids, other)
        # Goods back: still held (no credit note yet).
        returned.move_ids.quantity = 1
        returned.button_validate()
        self.assertTrue(move.cash_dispute)
        with freeze_time("2026-03-04"):
            refund = move._reverse_moves()
            refund.invoice_line_ids.quantity = 1
            refund.action_post()
            self.assertFalse(move.cash_dispute)
        self.assertEqual(move.amount_residual, 300.0)
        self.assertEqual(set(move.dunning_hold_ids.mapped("state")), {"released"})
