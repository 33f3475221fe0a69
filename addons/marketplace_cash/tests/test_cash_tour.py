# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from pathlib import Path

from odoo.tests import HttpCase, new_test_user, tagged

SETTLEMENT = (
    Path(__file__).resolve().parents[2]
    / "marketplace_connectors/tests/data/amazon_settlement_fr.txt"
)


@tagged("post_install", "-at_install")
class TestCashTour(HttpCase):
    """In a real browser: post an imported settlement and match it to its deposit
    (the import itself has its own tour in marketplace_connectors)."""

    def test_post_and_match_tour(self):
        company = self.env["res.company"].create(
            {"name": "Tour Lumière SAS", "country_id": self.env.ref("base.fr").id}
        )
        self.env["account.chart.template"].try_loading(
            "fr", company, install_demo=False
        )
        user = new_test_user(
            self.env,
            login="mkt_cash_tour",
            groups="base.group_user,marketplace_cash.group_cash_manager",
            company_id=company.id,
            company_ids=[company.id],
        )
        env = self.env(user=user, context={"allowed_company_ids": [company.id]})
        channel = (
            env["marketplace.channel"]
            .sudo()
            .create(
                {
                    "name": "Amazon.fr tour",
                    "platform": "amazon",
                    "company_id": company.id,
                }
            )
        )
        order = (
            env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": env["res.partner"]
                    .sudo()
                    .create({"name": "Client"})
                    .id,
                    "company_id": company.id,
                    "marketplace_channel_id": channel.id,
                    "marketplace_order_ref": "402-1111111-1111111",
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": env["product.product"]
                                .sudo()
                                .create({"name": "Lampe"})
                                .id,
                                "product_uom_qty": 1,
                                "price_unit": 64.78,
                                "tax_id": [(5, 0, 0)],
                            },
                        )
                    ],
                }
            )
        )
        batch = channel.import_files([("s.txt", SETTLEMENT.read_bytes())])
        payout = batch.payout_ids
        bank = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": bank.id,
                "date": "2026-03-18",
                "amount": 68.01,
                "payment_ref": "AMAZON EU SARL 11223344556",
            }
        )
        self.start_tour("/odoo", "marketplace_cash_payout_tour", login="mkt_cash_tour")
        self.assertRecordValues(
            payout, [{"state": "reconciled", "bank_line_id": line.id}]
        )
        self.assertTrue(line.is_reconciled)
        self.assertEqual(order.cash_state, "in_bank")
