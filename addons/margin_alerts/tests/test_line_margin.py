# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import datetime, timezone
from decimal import Decimal as D

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.marketplace_connectors.core.records import OrderInfo, OrderLineInfo


@tagged("post_install", "-at_install")
class TestLineMargin(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel = cls.env["marketplace.channel"].create(
            {"name": "Amazon.fr net-net", "platform": "amazon"}
        )
        cls.category = cls.env["product.category"].create({"name": "Lampes nn"})
        cls.env["margin.cost.profile"].create(
            {
                "name": "Amazon lampes",
                "channel_id": cls.channel.id,
                "commission_rate": 0.15,
                "fulfilment_per_unit": 3.20,
                "return_rate": 0.05,
                "cost_per_return": 5.00,
                "acos": 0.08,
            }
        )
        cls.vat_included = cls.env["account.tax"].create(
            {
                "name": "TVA 20 % TTC (test)",
                "amount": 20,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Lampe Orion nn",
                "categ_id": cls.category.id,
                "standard_price": 12.00,
                "list_price": 39.90,
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Client nn"})

    def order(self, **line):
        return self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "marketplace_channel_id": self.channel.id,
                "marketplace_order_ref": f"NN-{len(line)}-{line.get('price_unit')}",
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 1,
                            "price_unit": 39.90,
                            "tax_id": [fields.Command.set(self.vat_included.ids)],
                            **line,
                        }
                    )
                ],
            }
        )

    def test_marketplace_line_worked_example(self):
        """39.90 TTC, 20 % VAT: revenue 33.25; cost 12.00; commission 15 % of the
        TTC price 5.985; fulfilment 3.20; returns 5 % x 5.00 = 0.25; ACoS 8 % of
        33.25 = 2.66: net-net 33.25 - 24.095 = 9.155 -> 9.16, 27.53 %. Break-even
        floor: margin = 0.74 R - 15.45 = 0 -> R = 20.8784, TTC 25.0541 -> 25.06."""
        order = self.order()
        line = order.order_line
        self.assertAlmostEqual(line.purchase_price, 12.00, places=2)
        self.assertRecordValues(line, [{"net_margin": 9.16, "floor_price": 25.06}])
        self.assertAlmostEqual(line.net_margin_percent, 9.155 / 33.25, places=6)
        self.assertAlmostEqual(order.net_margin_total, 9.16, places=2)
        # A price change recomputes. A cent below the floor the margin is
        # negative (0.74 x 20.875 - 15.45 = -0.0025, shown as 0.00), at the floor
        # it is not (0.74 x 20.8833 - 15.45 = +0.0037).
        line.price_unit = 25.05
        self.assertLess(line.net_margin_percent, 0)
        line.price_unit = 25.06
        self.assertGreaterEqual(line.net_margin_percent, 0)

    def test_direct_sale_without_profile_is_price_minus_cost(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 3,
                            "price_unit": 100.00,
                            "discount": 10,
                            "tax_id": False,
                        }
                    )
                ],
            }
        )
        # 3 x 90.00 - 3 x 12.00 = 234.00, no channel costs.
        self.assertRecordValues(
            order.order_line, [{"net_margin": 234.00, "floor_price": 13.34}]
        )

    def test_marketplace_order_below_floor_is_flagged_not_blocked(self):
        responsible = self.env["res.users"].create(
            {"name": "Chef de rayon", "login": "chef_rayon_nn"}
        )
        self.category.margin_responsible_id = responsible
        order = self.order(price_unit=24.90)
        line = order.order_line
        self.assertTrue(line.margin_below_floor)
        self.assertTrue(order.margin_below_floor)
        self.assertIn(
            order,
            self.env["sale.order"].search([("margin_below_floor", "=", True)]),
        )
        order._margin_alert_below_floor()
        order._margin_alert_below_floor()  # never twice
        activity = order.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, responsible)
        self.assertIn("sold 24.9, floor 25.06", str(activity.note))
        # Already sold on the marketplace: it confirms.
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        fine = self.order(price_unit=39.90)
        self.assertFalse(fine.margin_below_floor)

    def test_imported_marketplace_order_below_floor_gets_an_activity(self):
        responsible = self.env["res.users"].create(
            {"name": "Acheteuse luminaires", "login": "acheteuse_nn"}
        )
        self.category.margin_responsible_id = responsible
        self.product.default_code = "NN-LAMP-1"
        batch = self.env["marketplace.import.batch"].create(
            {"channel_id": self.channel.id, "filename": "orders.txt"}
        )
        info = OrderInfo(
            ref="171-NN-001",
            currency=self.env.company.currency_id.name,
            date_order=datetime(2026, 3, 5, 9, 30, tzinfo=timezone.utc),
            country_code="FR",
            lines=(OrderLineInfo("NN-LAMP-1", D(1), D("5.00"), "L1"),),
        )
        self.env["sale.order"]._marketplace_bind_orders(batch, [info])
        order = self.env["sale.order"].search(
            [("marketplace_order_ref", "=", "171-NN-001")]
        )
        self.assertTrue(order.margin_below_floor)
        self.assertEqual(order.activity_ids.user_id, responsible)
        self.assertEqual(order.activity_ids.summary, "Sold below floor")

    def test_rules_set_the_floor_and_the_verdict(self):
        Rule = self.env["margin.rule"]
        Rule.create(
            {
                "name": "Amazon: 10 %",
                "channel_id": self.channel.id,
                "warn_below": 0.15,
                "approve_below": 0.10,
                "forbid_below": 0.0,
            }
        )
        order = self.order()
        line = order.order_line
        # The rule's 10 % minimum: floor 28.97 (0.74 R - 15.45 = 0.10 R), ok at
        # 39.90 (27.53 %), a warning at 30.00 (12.2 %), an approval at 28.00 (7.8 %),
        # forbidden below break-even (24.00: -3.25 %).
        self.assertRecordValues(line, [{"floor_price": 28.97, "margin_verdict": "ok"}])
        self.assertEqual(line.margin_rule_id.name, "Amazon: 10 %")
        for price, verdict in (
            (30.00, "warn"),
            (28.00, "approve"),
            (24.00, "forbidden"),
        ):
            line.price_unit = price
            self.assertEqual(line.margin_verdict, verdict, price)
        # A rule for this customer is more specific than the channel's.
        Rule.create(
            {
                "name": "Client nn: 5 %",
                "partner_id": self.customer.id,
                "approve_below": 0.05,
            }
        )
        line.price_unit = 28.00
        order.invalidate_recordset()
        line._compute_net_margin()
        self.assertEqual(line.margin_rule_id.name, "Client nn: 5 %")
        self.assertEqual(line.margin_verdict, "ok")
