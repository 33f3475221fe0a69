# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

APPROVER = "margin_alerts.group_margin_approver"
SALESMAN = "sales_team.group_sale_salesman"


@tagged("post_install", "-at_install")
class TestMarginApproval(TransactionCase):
    """A direct B2B sale: 10 units at 100.00 excl. VAT, cost 60.00, a direct-sales
    profile with 1 % payment-terms cost and 12.00 shipping per order; the company
    rule warns below 35 %, asks for approval below 30 %, forbids below 5 %."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.salesman = new_test_user(
            cls.env, login="mrg_salesman", groups=SALESMAN, notification_type="email"
        )
        cls.approver = new_test_user(
            cls.env,
            login="mrg_approver",
            groups=APPROVER,
            notification_type="email",
            email="approver@example.com",
        )
        cls.finance = new_test_user(
            cls.env,
            login="mrg_finance",
            groups="account.group_account_manager,"
            "sales_team.group_sale_salesman_all_leads",
            email="finance@example.com",
        )
        cls.env["margin.cost.profile"].create(
            {
                "name": "Direct B2B",
                "payment_terms_rate": 0.01,
                "shipping_per_order": 12.00,
            }
        )
        cls.rule = cls.env["margin.rule"].create(
            {
                "name": "B2B 30 %",
                "warn_below": 0.35,
                "approve_below": 0.30,
                "forbid_below": 0.05,
                "approver_group_id": cls.env.ref(APPROVER).id,
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Perceuse pro", "standard_price": 60.00, "list_price": 100.00}
        )
        cls.customer = cls.env["res.partner"].create({"name": "Quincaillerie Lyon"})

    def quotation(self, user=None, **line):
        values = {
            "product_id": self.product.id,
            "product_uom_qty": 10,
            "price_unit": 100.00,
            "discount": 25,
            "tax_id": False,
            **line,
        }
        return (
            self.env["sale.order"]
            .with_user(user or self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [Command.create(values)],
                }
            )
        )

    def test_b2b_line_with_discount_worked_example(self):
        """Revenue 10 x 100.00 x 0.75 = 750.00; cost 600.00; payment terms 1 % of
        750.00 = 7.50; shipping 12.00: net-net 130.50, 17.4 %. Floor at the rule's
        30 %: R - 600 - 0.01 R - 12 = 0.30 R -> R = 886.9565, 88.6957 per unit net
        of the 25 % discount -> list price 118.2609 -> 118.27 (rounded up)."""
        order = self.quotation().sudo()
        line = order.order_line
        self.assertRecordValues(
            line,
            [
                {
                    "net_margin": 130.50,
                    "floor_price": 118.27,
                    "margin_verdict": "approve",
                    "margin_rule_id": self.rule.id,
                }
            ],
        )
        self.assertAlmostEqual(line.net_margin_percent, 0.174, places=6)
        self.assertTrue(order.margin_approval_needed)
        self.assertEqual(
            order.margin_approval_reason,
            "Perceuse pro: net-net margin 17.40 % below 30.00 % (rule B2B 30 %)",
        )
        # At the floor price the margin reaches the threshold: no approval.
        line.price_unit = 118.27
        self.assertEqual(line.margin_verdict, "warn")
        self.assertFalse(order.margin_approval_needed)

    def test_confirm_below_threshold_asks_for_approval(self):
        order = self.quotation()
        action = order.action_confirm()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.margin_approval_state, "to_approve")
        self.assertEqual(
            order.margin_approver_ids, self.approver | self.env.ref("base.user_admin")
        )
        activity_type = self.env.ref("margin_alerts.mail_activity_margin_approval")
        activities = order.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        self.assertEqual(activities.user_id, order.margin_approver_ids)
        message = order.sudo().message_ids.filtered(
            lambda m: self.approver.partner_id in m.partner_ids
        )
        self.assertEqual(len(message), 1)
        self.assertIn("17.40 % below 30.00 %", str(message.body))
        # The approver gets their notifications by email: one is sent.
        self.assertRecordValues(
            message.sudo().notification_ids.filtered(
                lambda n: n.res_partner_id == self.approver.partner_id
            ),
            [{"notification_type": "email"}],
        )
        entry = order.sudo().margin_approval_ids
        self.assertRecordValues(
            entry,
            [
                {
                    "action": "requested",
                    "user_id": self.salesman.id,
                    "amount_untaxed": 750.00,
                    "net_margin": 130.50,
                }
            ],
        )
        # Confirming again is refused while the approval is missing.
        with self.assertRaisesRegex(UserError, "waiting for its margin approval"):
            order.action_confirm()

    def test_self_approval_refused(self):
        own = self.quotation(user=self.approver)
        own.action_request_margin_approval()
        self.assertEqual(own.margin_approval_state, "to_approve")
        self.assertNotIn(self.approver, own.margin_approver_ids)
        with self.assertRaisesRegex(UserError, "your own quotation"):
            own.with_user(self.approver).action_approve_margin()
        order = self.quotation()
        order.action_request_margin_approval()
        with self.assertRaisesRegex(UserError, "your own quotation"):
            order.action_approve_margin()
        with self.assertRaises(AccessError):  # sees the order, is no approver
            order.with_user(self.finance).action_approve_margin()

    def test_approval_by_the_right_group_then_confirm(self):
        order = self.quotation()
        order.action_confirm()
        order.with_user(self.approver).action_approve_margin("Clearance, ok")
        self.assertEqual(order.margin_approval_state, "approved")
        approved = order.sudo().margin_approval_ids.filtered(
            lambda e: e.action == "approved"
        )
        self.assertRecordValues(
            approved,
            [
                {
                    "user_id": self.approver.id,
                    "comment": "Clearance, ok",
                    "net_margin": 130.50,
                    "net_margin_percent": 0.174,
                }
            ],
        )
        self.assertFalse(order.sudo().activity_ids)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_price_change_after_approval_asks_again(self):
        order = self.quotation()
        order.action_confirm()
        order.with_user(self.approver).action_approve_margin()
        order.order_line.price_unit = 99.00
        self.assertEqual(order.margin_approval_state, "to_approve")
        self.assertEqual(
            order.sudo().margin_approval_ids.sorted("id").mapped("action"),
            ["requested", "approved", "invalidated", "requested"],
        )
        with self.assertRaises(UserError):
            order.action_confirm()
        # Each watched field invalidates: discount, quantity, product, pricelist.
        order.with_user(self.approver).action_approve_margin()
        order.order_line.discount = 26
        self.assertEqual(order.margin_approval_state, "to_approve")
        order.with_user(self.approver).action_approve_margin()
        order.order_line.product_uom_qty = 11
        self.assertEqual(order.margin_approval_state, "to_approve")
        order.with_user(self.approver).action_approve_margin()
        pricelist = self.env["product.pricelist"].create({"name": "Revendeurs"})
        order.pricelist_id = pricelist
        self.assertEqual(order.margin_approval_state, "to_approve")
        # An unrelated change keeps the approval.
        order.with_user(self.approver).action_approve_margin()
        order.note = "Livraison quai 3"
        order.order_line.name = "Perceuse pro 18 V"
        self.assertEqual(order.margin_approval_state, "approved")
        # A price that meets the rule needs no approval any more.
        order.order_line.write({"price_unit": 130.00})
        self.assertEqual(order.margin_approval_state, "not_needed")
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_reject_blocks_confirmation(self):
        order = self.quotation()
        order.action_confirm()
        with self.assertRaises(UserError):
            order.with_user(self.approver).action_reject_margin("")
        order.with_user(self.approver).action_reject_margin("Too low for this client")
        self.assertEqual(order.margin_approval_state, "rejected")
        with self.assertRaisesRegex(UserError, "was rejected"):
            order.action_confirm()
        with self.assertRaisesRegex(UserError, "was rejected"):
            order.action_request_margin_approval()
        with self.assertRaisesRegex(UserError, "was rejected"):
            order.write({"state": "sale"})
        rejected = order.sudo().margin_approval_ids.filtered(
            lambda e: e.action == "rejected"
        )
        self.assertEqual(rejected.comment, "Too low for this client")
        # Reworked: the next confirmation asks again.
        order.order_line.discount = 20
        self.assertEqual(order.margin_approval_state, "not_needed")
        order.action_confirm()
        self.assertEqual(order.margin_approval_state, "to_approve")

    def test_no_path_around_the_approval(self):
        order = self.quotation()
        with self.assertRaisesRegex(UserError, "needs a margin approval"):
            order.write({"state": "sale"})
        with self.assertRaises(AccessError):
            order.write({"margin_approval_state": "approved"})
        with self.assertRaises(AccessError):
            order.write({"margin_approver_ids": [Command.set(self.salesman.ids)]})
        with self.assertRaises(AccessError):
            self.env["margin.approval"].with_user(self.salesman).create(
                {"order_id": order.id, "action": "approved", "user_id": 1}
            )
        order.action_confirm()
        with self.assertRaises(UserError):
            order.sudo().action_confirm()  # not even as superuser
        self.assertEqual(order.state, "draft")

    def test_amount_level_routes_to_finance(self):
        self.env["margin.rule"].create(
            {
                "name": "From 10,000: finance",
                "amount_min": 10000,
                "approve_below": 0.30,
                "forbid_below": 0.05,
                "approver_group_id": self.env.ref("account.group_account_manager").id,
            }
        )
        small = self.quotation()
        small.action_confirm()
        self.assertNotIn(self.finance, small.margin_approver_ids)
        # 200 x 75.00 = 15,000.00 excl. VAT: the finance rule's level.
        big = self.quotation(product_uom_qty=200)
        big.action_confirm()
        self.assertEqual(big.margin_approval_state, "to_approve")
        self.assertIn(self.finance, big.margin_approver_ids)
        self.assertNotIn(self.approver, big.margin_approver_ids)
        with self.assertRaises(AccessError):
            big.with_user(self.approver).action_approve_margin()
        big.with_user(self.finance).action_approve_margin("Volume deal")
        big.action_confirm()
        self.assertEqual(big.state, "sale")

    def test_forbidden_cannot_be_approved(self):
        # 10 x 100 x 0.40 = 400.00 - 600.00 cost: a loss, below the 5 % floor.
        order = self.quotation(discount=60)
        self.assertTrue(order.margin_forbidden)
        with self.assertRaisesRegex(UserError, "cannot be sold at this price"):
            order.action_confirm()
        with self.assertRaisesRegex(UserError, "even approved"):
            order.action_request_margin_approval()
        self.assertEqual(order.margin_approval_state, "not_needed")

    def test_maximum_discount_by_user_group(self):
        manager_group = self.env.ref("sales_team.group_sale_manager")
        self.rule.write(
            {
                "approve_below": 0.10,
                "warn_below": 0.0,
                "max_discount": 0.10,
                "discount_limit_ids": [
                    Command.create({"group_id": manager_group.id, "max_discount": 0.20})
                ],
            }
        )
        # 15 % discount: 850.00 - 600.00 - 8.50 - 12.00 = 229.50, 27 %: the margin
        # is fine, the discount is above the salesperson's 10 %.
        order = self.quotation(discount=15)
        self.assertEqual(order.order_line.margin_verdict, "approve")
        self.assertEqual(
            order.margin_approval_reason,
            "Perceuse pro: discount 15.00 % above 10.00 % (rule B2B 30 %)",
        )
        manager = new_test_user(
            self.env, login="mrg_manager", groups="sales_team.group_sale_manager"
        )
        order.sudo().user_id = manager
        self.assertEqual(order.order_line.margin_verdict, "ok")
        order.sudo().action_confirm()
        self.assertEqual(order.state, "sale")

    def test_marketplace_orders_are_never_held(self):
        channel = self.env["marketplace.channel"].create(
            {"name": "ManoMano mrg", "platform": "amazon"}
        )
        order = self.quotation()
        order.sudo().write(
            {"marketplace_channel_id": channel.id, "marketplace_order_ref": "MM-1"}
        )
        self.assertEqual(order.order_line.margin_verdict, "approve")
        self.assertFalse(order.margin_approval_needed)
        order.sudo().action_confirm()
        self.assertEqual(order.state, "sale")
