# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestMarginApprovalTour(HttpCase):
    """In a real browser and over JSON-RPC: a quotation below its margin rule is
    sent for approval, the approver approves it, then it confirms."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="tour_salesman",
            password="tour_salesman_pw",
            groups="sales_team.group_sale_salesman",
        )
        cls.approver = new_test_user(
            cls.env,
            login="tour_approver",
            password="tour_approver_pw",
            groups="margin_alerts.group_margin_approver",
        )
        cls.env["margin.rule"].create(
            {
                "name": "Tour 30 %",
                "approve_below": 0.30,
                "approver_user_id": cls.approver.id,
            }
        )
        product = cls.env["product.product"].create(
            {"name": "Scie sauteuse", "standard_price": 60.00}
        )
        partner = cls.env["res.partner"].create({"name": "Quincaillerie Tour"})
        # 80.00 excl. VAT for a cost of 60.00: 25 %, below the rule's 30 %.
        cls.order = (
            cls.env["sale.order"]
            .with_user(cls.salesman)
            .create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "price_unit": 80.00,
                                "tax_id": False,
                            }
                        )
                    ],
                }
            )
        )

    def rpc(self, method, *args):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/sale.order/{method}",
            {
                "model": "sale.order",
                "method": method,
                "args": [self.order.ids, *args],
                "kwargs": {},
            },
        )

    @mute_logger("odoo.http")
    def test_rpc_confirm_is_blocked(self):
        self.authenticate("tour_salesman", "tour_salesman_pw")
        action = self.rpc("action_confirm")
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self.order.state, "draft")
        self.assertEqual(self.order.margin_approval_state, "to_approve")
        for method, args in (
            ("action_confirm", ()),
            ("write", ({"state": "sale"},)),
            ("write", ({"margin_approval_state": "approved"},)),
            ("action_approve_margin", ()),
        ):
            with (
                self.subTest(method=method, args=args),
                self.assertRaises(JsonRpcException),
            ):
                self.rpc(method, *args)
        self.order.invalidate_recordset()
        self.assertEqual(self.order.state, "draft")
        self.assertEqual(self.order.margin_approval_state, "to_approve")

    def test_approval_tour(self):
        self.start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{self.order.id}",
            "margin_approval_request_tour",
            login="tour_salesman",
        )
        self.assertEqual(self.order.margin_approval_state, "to_approve")
        self.assertEqual(self.order.state, "draft")
        self.start_tour("/odoo", "margin_approval_approve_tour", login="tour_approver")
        self.assertEqual(self.order.state, "sale")
        approved = self.order.sudo().margin_approval_ids.filtered(
            lambda entry: entry.action == "approved"
        )
        self.assertRecordValues(
            approved,
            [
                {
                    "user_id": self.approver.id,
                    "comment": "Destocking before the new range",
                    "net_margin": 20.00,
                    "net_margin_percent": 0.25,
                }
            ],
        )
