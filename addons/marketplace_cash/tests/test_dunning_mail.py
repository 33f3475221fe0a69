# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import html2plaintext

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def plain(html):
    """The text of an HTML body: spaces (non-breaking ones too) collapsed, no
    ``*`` around bold text."""
    text = html2plaintext(html).replace("\xa0", " ").replace("*", "")
    return " ".join(text.split())


@tagged("post_install", "-at_install")
class TestDunningMail(AccountTestInvoicingCommon):
    """What the customer reads: the reminder emails rendered from their templates
    and the formal notice letter, with amounts, days late, the early-payment
    discount still granted, the payment link and the French legal mentions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write({"email": "compta@lumiere.example", "city": "Lyon"})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Grossiste Nantes",
                "is_company": True,
                "email": "compta@grossiste.example",
                "street": "3 quai de la Fosse",
                "city": "Nantes",
            }
        )
        # 5 days net, 2 % discount if paid within 10 days: an invoice of 1,000.00
        # dated 1/3 is due 6/3 and 980.00 settles it until 11/3.
        cls.term = cls.env["account.payment.term"].create(
            {
                "name": "5 jours, escompte 2 % à 10 jours",
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 10,
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100.0, "nb_days": 5}
                    )
                ],
            }
        )

    def invoice(self, amount, invoice_date, **extra):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Lot", "price_unit": amount, "tax_ids": False}
                    )
                ],
                **extra,
            }
        )
        move.action_post()
        return move

    def reminder(self, day):
        with freeze_time(day):
            run = self.env["mkc.dunning.run"]._dunning_prepare(self.company)
        self.assertEqual(len(run.line_ids), 1)
        return run.line_ids

    def render(self, line, xmlid, field="body_html"):
        template = self.env.ref(f"marketplace_cash.{xmlid}")
        return template._render_field(field, line.ids, compute_lang=True)[line.id]

    def test_friendly_reminder_with_discount_and_payment_link(self):
        """7/3 (D+1 of the discounted invoice): 1,000.00 due 6/3, 1 day late,
        20.00 off until 11/3 (2 % of 1,000.00); 250.00 due 2/3 (5 days late, no
        discount: its terms have none). Total 1,250.00."""
        self.company.dunning_payment_link = True
        discounted = self.invoice(
            1000.00, "2026-03-01", invoice_payment_term_id=self.term.id
        )
        self.assertEqual(discounted.invoice_date_due, date(2026, 3, 6))
        plain = self.invoice(250.00, "2026-02-02", invoice_date_due="2026-03-02")
        line = self.reminder("2026-03-07")
        self.assertEqual(line.move_ids, discounted | plain)
        self.assertEqual(line.level_id.sequence, 1)
        rows = line._get_dunning_rows()
        self.assertEqual(
            [
                (r["name"], r["date_due"], r["days_late"], r["amount_residual"])
                for r in rows
            ],
            [
                (plain.name, date(2026, 3, 2), 5, 250.0),
                (discounted.name, date(2026, 3, 6), 1, 1000.0),
            ],
        )
        self.assertEqual(
            [(r["discount"], r["discount_date"]) for r in rows],
            [(0.0, False), (20.0, date(2026, 3, 11))],
        )
        body = self.render(line, "mail_template_dunning_friendly")
        text = html2plaintext(body)
        for expected in (
            "Dear Grossiste Nantes",
            plain.name,
            discounted.name,
            "$\xa0250.00",
            "$\xa01,000.00",
            "$\xa020.00",
            "if paid by",
            "03/11/2026",
            "Total due",
            "$\xa01,250.00",
            "article L441-10",
            "article D441-5",
            "40 EUR per invoice",
            "10\n        percentage points",
        ):
            self.assertIn(expected, text if "\n" not in expected else body)
        self.assertIn(f"/my/invoices/{discounted.id}?access_token=", body)
        subject = self.render(line, "mail_template_dunning_friendly", "subject")
        self.assertEqual(subject, f"{self.company.name}: payment reminder")

    def test_unapplied_credits_deducted_or_no_reminder(self):
        """1,000.00 due 2/3; on 3/3 (D+1) the customer has paid 300.00 on account
        (not matched to the invoice): the reminder lists the invoice, the credit
        (-300.00) and a total of 700.00. With a credit note of 700.00 more, posted
        on its own, the credits cover the overdue amount: no reminder."""
        move = self.invoice(1000.00, "2026-02-02", invoice_date_due="2026-03-02")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 300.00,
                "date": "2026-03-01",
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        line = self.reminder("2026-03-03")
        self.assertRecordValues(
            line,
            [{"amount_overdue": 700.0, "amount_total": 700.0, "amount_credit": 300.0}],
        )
        self.assertEqual(
            [(r["name"], r["amount_residual"]) for r in line._get_dunning_rows()],
            [
                (move.name, 1000.0),
                ("Credits not yet applied (credit notes, payments on account)", -300.0),
            ],
        )
        self.assertEqual(
            line._get_dunning_totals(), [(self.company.currency_id, 700.0, 1)]
        )
        text = plain(self.render(line, "mail_template_dunning_friendly"))
        self.assertIn("Credits not yet applied", text)
        self.assertIn("Total due: $ 700.00", text)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": "2026-03-02",
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Avoir", "price_unit": 700.00, "tax_ids": False}
                    )
                ],
            }
        )
        refund.action_post()
        with freeze_time("2026-03-04"):
            run = self.env["mkc.dunning.run"]._dunning_prepare(self.company)
        self.assertFalse(run.line_ids)

    def test_reminder_sent_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["marketplace_cash"], ["fr_FR"])
        self.customer.lang = "fr_FR"
        move = self.invoice(480.00, "2026-02-02", invoice_date_due="2026-03-02")
        line = self.reminder("2026-03-03")
        text = plain(self.render(line, "mail_template_dunning_friendly"))
        for expected in (
            "Bonjour Grossiste Nantes",
            move.name,
            "Total dû",
            "pénalités de retard",
            "article L441-10 du Code de commerce",
            "indemnité forfaitaire pour frais de recouvrement de 40 euros",
            "article D441-5 du Code de commerce",
        ):
            self.assertIn(expected, text)
        subject = self.render(line, "mail_template_dunning_friendly", "subject")
        self.assertEqual(subject, f"{self.company.name} : relance de paiement")

    def test_formal_notice_letter(self):
        """D+20 of two invoices due 2/3 and 4/3 (720.00 + 80.00): the letter
        lists both with their days late (20 and 18), the total 800.00 and the
        recovery indemnity 2 x 40 = 80.00 EUR."""
        first = self.invoice(720.00, "2026-02-02", invoice_date_due="2026-03-02")
        second = self.invoice(80.00, "2026-02-04", invoice_date_due="2026-03-04")
        level3 = self.company.dunning_policy_id.level_ids.filtered(
            lambda lv: lv.sequence == 3
        )
        for move, day in ((first, "2026-03-03"), (second, "2026-03-05")):
            for sequence in (1, 2):
                self.env["mkc.dunning.log"].create(
                    {
                        "move_id": move.id,
                        "partner_id": self.customer.id,
                        "company_id": self.company.id,
                        "sequence": sequence,
                        "date": day,
                        "channel": "manual",
                    }
                )
        line = self.reminder("2026-03-22")
        self.assertEqual(line.level_id, level3)
        self.assertEqual(line.fired, {str(first.id): level3.id})
        self.assertEqual(line._get_dunning_indemnity(), 80.0)
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "marketplace_cash.action_report_dunning_letter", line.ids
        )
        text = plain(html.decode())
        for expected in (
            "Formal notice to pay",
            "Registered letter with acknowledgement of receipt",
            "Grossiste Nantes",
            first.name,
            second.name,
            "03/02/2026",
            "$ 720.00",
            "$ 80.00",
            "Total due: $ 800.00",
            "article L441-10",
            "article D441-5",
            "within eight days",
        ):
            self.assertIn(expected, text)
        self.assertIn("03/02/2026 20 $ 720.00", text)  # due, days late, amount
        self.assertIn("03/04/2026 18 $ 80.00", text)
        self.assertIn("that is 80.00 € for the invoices above", text)
        body = self.render(line, "mail_template_dunning_formal")
        self.assertIn("formal notice", plain(body))
        # Sent: the letter is attached to the customer's message and the email.
        with freeze_time("2026-03-22"):
            line.run_id.action_send()
        self.assertEqual(line.state, "sent")
        self.assertEqual(len(line.message_id.attachment_ids), 1)
        self.assertEqual(
            [log.sequence for log in first.dunning_log_ids.sorted("sequence")],
            [1, 2, 3],
        )
