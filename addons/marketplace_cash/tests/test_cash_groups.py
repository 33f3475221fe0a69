# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

CASH_MANAGER = "marketplace_cash.group_cash_manager"


@tagged("post_install", "-at_install")
class TestCashGroups(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.finance = new_test_user(cls.env, login="mkt_finance", groups=CASH_MANAGER)
        cls.manager = new_test_user(
            cls.env,
            login="mkt_manager_only",
            groups="marketplace_connectors.group_marketplace_manager",
        )

    def test_finance_manager_chain(self):
        for xmlid in (
            "marketplace_connectors.group_marketplace_user",
            "marketplace_connectors.group_marketplace_manager",
            "account.group_account_invoice",
        ):
            self.assertTrue(self.finance.has_group(xmlid), xmlid)
        self.assertFalse(self.manager.has_group(CASH_MANAGER))
        self.assertFalse(self.manager.has_group("account.group_account_invoice"))
        group = self.env.ref(CASH_MANAGER)
        self.assertEqual(
            group.category_id,
            self.env.ref("marketplace_connectors.module_category_marketplace_cash"),
        )

    def test_finance_manager_configures_channels(self):
        channel = (
            self.env["marketplace.channel"]
            .with_user(self.finance)
            .create({"name": "Shopify", "platform": "shopify"})
        )
        self.assertEqual(channel.company_id, self.env.company)

    def test_finance_manager_can_invoice_manager_cannot(self):
        partner = self.env["res.partner"].create({"name": "Client B2B"})
        vals = {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_line_ids": [(0, 0, {"name": "Service", "price_unit": 100.0})],
        }
        move = self.env["account.move"].with_user(self.finance).create(vals)
        self.assertEqual(
            move.currency_id.compare_amounts(move.amount_untaxed, 100.0), 0
        )
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.manager).create(vals)

    def test_stock_valuation_section_for_finance_only(self):
        section = self.env.ref("marketplace_cash.menu_stock_valuation")
        self.assertEqual(section.groups_id, self.env.ref(CASH_MANAGER))
        self.assertEqual(
            section.parent_id, self.env.ref("marketplace_connectors.menu_root")
        )
