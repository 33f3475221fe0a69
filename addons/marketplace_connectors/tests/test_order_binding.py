# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import datetime, timezone
from decimal import Decimal as D

from odoo.tests import TransactionCase, tagged

from ..core.records import OrderInfo, OrderLineInfo


@tagged("post_install", "-at_install")
class TestOrderBinding(TransactionCase):
    """Parsed marketplace orders become sale orders of their channel, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        company = cls.env.company
        cls.eur = company.currency_id
        cls.vat20 = cls.env["account.tax"].create(
            {
                "name": "TVA 20 % test",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": company.id,
            }
        )
        cls.lamp = cls.env["product.product"].create(
            {
                "name": "Lampe Orion",
                "default_code": "ML-LAMP-001",
                "list_price": 41.58,
                "taxes_id": [(6, 0, cls.vat20.ids)],
            }
        )
        cls.vase = cls.env["product.product"].create(
            {"name": "Vase Terra", "barcode": "4006381333931", "taxes_id": []}
        )
        cls.channel = cls.env["marketplace.channel"].create(
            {
                "name": "Fnac-Darty test",
                "platform": "mirakl",
                "currency_id": cls.eur.id,
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        cls.batch = cls.env["marketplace.import.batch"].create(
            {"channel_id": cls.channel.id, "filename": "or11.json"}
        )

    def order(self, ref, lines, **kwargs):
        return OrderInfo(
            ref=ref,
            currency=self.eur.name,
            date_order=datetime(2026, 3, 5, 9, 30, tzinfo=timezone.utc),
            country_code="FR",
            lines=tuple(lines),
            **kwargs,
        )

    def test_orders_created_once_with_mapped_and_unmapped_lines(self):
        infos = [
            self.order(
                "1001-A",
                [
                    # 49.90 TTC with 20 % VAT: 41.58 excluding VAT
                    OrderLineInfo("ML-LAMP-001", D(2), D("49.90"), "L1"),
                    OrderLineInfo("4006381333931", D(1), D("32.00"), "L2"),
                    OrderLineInfo("FNAC-UNKNOWN-42", D(1), D("19.99"), "L3", "Mug"),
                ],
            ),
            self.order("1002-A", [OrderLineInfo("ML-LAMP-001", D(1), D("49.90"))]),
        ]
        SaleOrder = self.env["sale.order"]
        counts = SaleOrder._marketplace_bind_orders(self.batch, infos)
        self.assertEqual(counts, {"order_count": 2, "new_order_count": 2})
        orders = SaleOrder.search(
            [("marketplace_channel_id", "=", self.channel.id)], order="id"
        )
        self.assertEqual(orders.mapped("marketplace_order_ref"), ["1001-A", "1002-A"])
        first = orders[0]
        self.assertEqual(first.partner_id.name, "Fnac-Darty test customer (FR)")
        self.assertEqual(orders[1].partner_id, first.partner_id)
        self.assertEqual(str(first.date_order), "2026-03-05 09:30:00")
        unmapped = self.env.ref("marketplace_connectors.product_unmapped_sku")
        self.assertEqual(
            first.order_line.mapped("marketplace_line_ref"), ["L1", "L2", "L3"]
        )
        self.assertRecordValues(
            first.order_line,
            [
                {
                    "product_id": self.lamp.id,
                    "product_uom_qty": 2.0,
                    "price_unit": 41.58,
                    "marketplace_unmapped": False,
                    "marketplace_sku": "ML-LAMP-001",
                },
                {
                    "product_id": self.vase.id,
                    "product_uom_qty": 1.0,
                    "price_unit": 32.0,
                    "marketplace_unmapped": False,
                    "marketplace_sku": "4006381333931",
                },
                {
                    "product_id": unmapped.id,
                    "product_uom_qty": 1.0,
                    "price_unit": 19.99,
                    "marketplace_unmapped": True,
                    "marketplace_sku": "FNAC-UNKNOWN-42",
                },
            ],
        )
        # Importing the same orders again creates nothing.
        again = SaleOrder._marketplace_bind_orders(self.batch, infos)
        self.assertEqual(again, {"order_count": 2, "new_order_count": 0})
        self.assertEqual(self.channel.unmapped_sku_count, 1)
        # Mapping the SKU gives the product to the waiting quotation line.
        mug = self.env["product.product"].create({"name": "Mug", "taxes_id": []})
        self.env["marketplace.sku.mapping"].create(
            {
                "channel_id": self.channel.id,
                "sku": "FNAC-UNKNOWN-42",
                "product_id": mug.id,
            }
        )
        self.assertRecordValues(
            first.order_line[2],
            [
                {
                    "product_id": mug.id,
                    "price_unit": 19.99,
                    "marketplace_unmapped": False,
                }
            ],
        )
        self.channel.invalidate_recordset(["unmapped_sku_count"])
        self.assertEqual(self.channel.unmapped_sku_count, 0)

    def test_cancelled_order_and_split_rows(self):
        infos = [
            self.order("2001-A", [OrderLineInfo("ML-LAMP-001", D(1), D("49.90"))]),
            self.order(
                "2002-A",
                [OrderLineInfo("ML-LAMP-001", D(1), D("49.90"))],
                status="cancelled",
            ),
            # The same order again, rows apart in a report: one order, both lines.
            self.order("2001-A", [OrderLineInfo("4006381333931", D(3), D("10.00"))]),
        ]
        counts = self.env["sale.order"]._marketplace_bind_orders(self.batch, infos)
        self.assertEqual(counts, {"order_count": 2, "new_order_count": 2})
        orders = self.env["sale.order"].search(
            [("marketplace_channel_id", "=", self.channel.id)], order="id"
        )
        self.assertEqual(orders.mapped("state"), ["draft", "cancel"])
        self.assertEqual(
            orders[0].order_line.mapped("product_id"), self.lamp + self.vase
        )


@tagged("post_install", "-at_install")
class TestOrderImportFile(TransactionCase):
    def test_amazon_order_report_through_import_files(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        lamp = self.env["product.product"].create(
            {"name": "Lampe Orion", "default_code": "ML-LAMP-001", "taxes_id": []}
        )
        channel = self.env["marketplace.channel"].create(
            {"name": "Amazon.fr orders", "platform": "amazon", "currency_id": eur.id}
        )
        header = [
            "amazon-order-id", "purchase-date", "order-status", "sales-channel",
            "product-name", "sku", "quantity", "currency", "item-price",
            "shipping-price", "ship-country",
        ]  # fmt: skip
        rows = [
            ["402-7000001-0000001", "2026-03-05T09:30:00+00:00", "Shipped",
             "Amazon.fr", "Lampe Orion", "ML-LAMP-001", "2", "EUR", "99.80", "4.90",
             "FR"],
            ["402-7000002-0000002", "2026-03-05T10:00:00+00:00", "Cancelled",
             "Amazon.fr", "Lampe Orion", "ML-LAMP-001", "0", "", "", "", "FR"],
        ]  # fmt: skip
        content = "\n".join("\t".join(r) for r in [header, *rows]).encode()
        batch = channel.import_files([("orders.txt", content)])
        self.assertRecordValues(
            batch,
            [
                {
                    "state": "done",
                    "source_format": "amazon_orders_flat",
                    "order_count": 2,
                    "new_order_count": 2,
                }
            ],
        )
        orders = self.env["sale.order"].search(
            [("marketplace_channel_id", "=", channel.id)], order="id"
        )
        self.assertEqual(orders.mapped("state"), ["draft", "cancel"])
        shipping = self.env.ref("marketplace_connectors.product_marketplace_shipping")
        self.assertRecordValues(
            orders[0].order_line,
            [
                {
                    "product_id": lamp.id,
                    "product_uom_qty": 2.0,
                    "price_total": 99.80,
                    "marketplace_unmapped": False,
                },
                {
                    # VAT-inclusive shipping: whatever the shipping product's taxes,
                    # the line costs the buyer what Amazon charged.
                    "product_id": shipping.id,
                    "product_uom_qty": 1.0,
                    "price_total": 4.90,
                    "marketplace_unmapped": False,
                },
            ],
        )
        again = channel.import_files([("orders.txt", content)])
        self.assertEqual((again.order_count, again.new_order_count), (2, 0))
