# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

APPROVER = "margin_alerts.group_margin_approver"


@tagged("post_install", "-at_install")
class TestMarginGroups(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(cls.env, login="mkt_approver", groups=APPROVER)
        cls.salesman = new_test_user(
            cls.env, login="mkt_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.partner = cls.env["res.partner"].create({"name": "Distributeur Rhône"})
        cls.order = (
            cls.env["sale.order"]
            .with_user(cls.salesman)
            .create({"partner_id": cls.partner.id})
        )

    def test_approver_chain(self):
        self.assertTrue(self.approver.has_group(APPROVER))
        self.assertTrue(
            self.approver.has_group("marketplace_connectors.group_marketplace_user")
        )
        self.assertTrue(
            self.approver.has_group("sales_team.group_sale_salesman_all_leads")
        )
        self.assertFalse(self.salesman.has_group(APPROVER))
        self.assertFalse(
            self.approver.has_group("marketplace_connectors.group_marketplace_manager")
        )

    def test_approver_sees_other_salesmen_quotations(self):
        seen = (
            self.env["sale.order"]
            .with_user(self.approver)
            .search([("id", "=", self.order.id)])
        )
        self.assertEqual(seen, self.order)
        other = new_test_user(
            self.env, login="mkt_salesman2", groups="sales_team.group_sale_salesman"
        )
        with self.assertRaises(AccessError):
            self.order.with_user(other).read(["name"])

    def test_margins_section_in_marketplace_menu(self):
        section = self.env.ref("margin_alerts.menu_margins")
        self.assertEqual(
            section.parent_id, self.env.ref("marketplace_connectors.menu_root")
        )
