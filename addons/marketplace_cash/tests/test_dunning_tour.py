# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDunningTour(HttpCase):
    """In a real browser, today: an invoice due 7 days ago got its friendly
    reminder 6 days ago (its firm one is due today); the clerk puts it on hold and
    runs today's dunning: only the other late customer is reminded."""

    def test_dunning_tour(self):
        company = self.env["res.company"].create(
            {"name": "Relances Lumière SAS", "country_id": self.env.ref("base.fr").id}
        )
        self.env["account.chart.template"].try_loading(
            "fr", company, install_demo=False
        )
        # One time zone for the set-up and the browser's user: between 23:00 and
        # midnight UTC, "today" in Paris is already tomorrow.
        new_test_user(
            self.env,
            login="mkc_dunning_tour",
            groups="base.group_user,account.group_account_invoice",
            company_id=company.id,
            company_ids=[company.id],
            tz="Europe/Paris",
        )
        env = self.env(
            context={"allowed_company_ids": [company.id], "tz": "Europe/Paris"}
        )
        today = fields.Date.context_today(env["res.company"].browse(company.id))

        def invoice(name, due):
            customer = env["res.partner"].create(
                {"name": name, "is_company": True, "email": f"{name[-5:]}@example.com"}
            )
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": customer.id,
                    "invoice_date": due,
                    "invoice_date_due": due,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Lampes", "price_unit": 840.0, "tax_ids": False}
                        )
                    ],
                }
            )
            move.action_post()
            return move

        disputed = invoice("Client Litige", today - timedelta(days=7))
        Run = env["mkc.dunning.run"].with_company(company)
        with freeze_time(today - timedelta(days=6)):
            Run._dunning_prepare(company).action_send()
        self.assertRecordValues(
            disputed.dunning_log_ids,
            [{"sequence": 1, "date": today - timedelta(days=6)}],
        )
        late = invoice("Client Ponctuel", today - timedelta(days=1))

        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "dunning_tour",
            login="mkc_dunning_tour",
        )

        self.assertRecordValues(
            disputed.dunning_hold_ids, [{"reason": "quality", "state": "active"}]
        )
        self.assertTrue(disputed.cash_dispute)
        self.assertEqual(disputed.dunning_log_ids.mapped("sequence"), [1])
        self.assertEqual(late.dunning_log_ids.mapped("sequence"), [1])
        # Released, the firm reminder that was due today goes at the next run.
        disputed.action_dunning_release()
        Run._dunning_prepare(company, today).action_send()
        self.assertEqual(sorted(disputed.dunning_log_ids.mapped("sequence")), [1, 2])
