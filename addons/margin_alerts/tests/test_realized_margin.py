# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import io
from datetime import date, datetime

import openpyxl

from odoo import Command
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestRealizedMargin(TransactionCase):
    """October 2026 on Amazon.fr, 20 % VAT included in every price (23.94 TTC =
    19.95 excl. VAT). Lamp P costs 10.00, bulb Q 8.00 (standard cost).

    - A (France): 2 P + 1 Q; B (Belgium): 1 P, refunded, the lamp back in stock;
      C (France): 1 Q, refunded, the bulb never came back.
    - Payout 1: A's sales 47.88 (2 P) and 23.94 (Q), commissions -7.18 and -3.59,
      a fulfilment fee of A with no SKU -3.20, B's sale 23.94, commission -3.59 and
      refund -23.94, advertising with no order -4.00, a reserve held -5.00.
    - Payout 2: C's sale 23.94, commission -3.59, refund -23.94.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.eur = cls.env.company.currency_id
        cls.channel = cls.env["marketplace.channel"].create(
            {"name": "Amazon.fr realized", "platform": "amazon"}
        )
        cls.vat = cls.env["account.tax"].create(
            {
                "name": "TVA 20 % TTC (realized)",
                "amount": 20,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        cls.lamp = cls.storable("Lampe P", 10.00)
        cls.bulb = cls.storable("Ampoule Q", 8.00)
        france = cls.env.ref("base.fr")
        belgium = cls.env.ref("base.be")
        cls.paris = cls.env["res.partner"].create(
            {"name": "Client Paris", "country_id": france.id}
        )
        cls.liege = cls.env["res.partner"].create(
            {"name": "Client Liège", "country_id": belgium.id}
        )
        order = cls.marketplace_order
        cls.a = order("A", cls.paris, [(cls.lamp, 2), (cls.bulb, 1)])
        cls.b = order("B", cls.liege, [(cls.lamp, 1)])
        cls.c = order("C", cls.paris, [(cls.bulb, 1)])
        for sale in cls.a | cls.b | cls.c:
            sale.action_confirm()
            sale.date_order = datetime(2026, 10, 12, 10, 0)  # confirming sets now
            cls.deliver(sale.picking_ids)
        cls.give_back(cls.b.picking_ids, to_stock=True)
        cls.payout_1 = cls.payout(
            "P1",
            [
                (cls.a, cls.lamp, "sale", 47.88, 2),
                (cls.a, cls.bulb, "sale", 23.94, None),
                (cls.a, cls.lamp, "commission", -7.18, None),
                (cls.a, cls.bulb, "commission", -3.59, None),
                (cls.a, None, "fulfillment_fee", -3.20, None),
                (cls.b, cls.lamp, "sale", 23.94, 1),
                (cls.b, cls.lamp, "commission", -3.59, None),
                (cls.b, cls.lamp, "refund", -23.94, None),
                (None, None, "advertising", -4.00, None),
                (None, None, "reserve_hold", -5.00, None),
            ],
        )
        cls.payout_2 = cls.payout(
            "P2",
            [
                (cls.c, cls.bulb, "sale", 23.94, 1),
                (cls.c, cls.bulb, "commission", -3.59, None),
                (cls.c, cls.bulb, "refund", -23.94, None),
            ],
        )

    @classmethod
    def storable(cls, name, cost):
        product = cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "standard_price": cost,
                "taxes_id": [Command.set(cls.vat.ids)],
            }
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 20.0
        )
        return product

    @classmethod
    def marketplace_order(cls, ref, partner, lines):
        return cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "marketplace_channel_id": cls.channel.id,
                "marketplace_order_ref": f"REAL-{ref}",
                "date_order": datetime(2026, 10, 12, 10, 0),
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "price_unit": 23.94,
                            "tax_id": [Command.set(cls.vat.ids)],
                            "marketplace_tax_included": True,
                        }
                    )
                    for product, qty in lines
                ],
            }
        )

    @classmethod
    def deliver(cls, picking):
        for move in picking.move_ids:
            move.write({"quantity": move.product_uom_qty, "picked": True})
        picking.button_validate()

    @classmethod
    def give_back(cls, delivery, to_stock):
        wizard = (
            cls.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 1.0
        returned = cls.env["stock.picking"].browse(
            wizard.action_create_returns()["res_id"]
        )
        if to_stock:
            cls.deliver(returned)
        return returned

    @classmethod
    def payout(cls, name, rows):
        # The ledger is written by the importer, not by users: sudo for the fixture.
        env = cls.env(su=True)
        payout = env["marketplace.payout"].create(
            {
                "channel_id": cls.channel.id,
                "name": name,
                "currency_id": cls.eur.id,
                "date_end": datetime(2026, 11, 3),
            }
        )
        env["marketplace.transaction"].create(
            [
                {
                    "payout_id": payout.id,
                    "channel_id": cls.channel.id,
                    "category": category,
                    "amount": amount,
                    "quantity": qty or 0.0,
                    "currency_id": cls.eur.id,
                    "order_ref": order.marketplace_order_ref if order else False,
                    "sale_order_id": order.id if order else False,
                    "product_id": product.id if product else False,
                    "external_key": f"realized:{name}:{index}",
                }
                for index, (order, product, category, amount, qty) in enumerate(rows)
            ]
        )
        return payout

    def rows(self):
        return self.env["margin.realized"].search(
            [("channel_id", "=", self.channel.id)], order="product_id, country_id"
        )  # by name: Ampoule, Lampe; Belgique, France

    def test_per_sku_figures(self):
        """By hand, per (product, country), month of sale October 2026:

        - P France (A): sold 2, revenue 47.88 / 1.2 = 39.90; cost 2 x 10.00 =
          20.00; gross 19.90; commission -7.18; A's fulfilment fee split by A's
          sales (47.88 : 23.94): -2.13; advertising split by the payout's sales
          (47.88 : 23.94 : 23.94): -2.00; net-net 19.90 - 11.31 = 8.59.
        - Q France (A, C): sold 2, revenue 19.95 + 19.95 = 39.90; C's refund
          -19.95; cost 2 x 8.00 = 16.00, none back (C's bulb never returned: a
          loss); gross 3.95; commissions -7.18; fee -1.07; advertising -1.00;
          net-net 3.95 - 9.25 = -5.30.
        - P Belgium (B): sold 1, revenue 19.95, refund -19.95; cost 10.00 and
          10.00 back to stock; gross 0.00; commission -3.59, advertising -1.00:
          net-net -4.59.
        The reserve hold is cash timing, not margin: in no row.
        """
        self.env["margin.realized.part"]._refresh()
        fr, be = self.env.ref("base.fr"), self.env.ref("base.be")
        self.assertRecordValues(
            self.rows(),
            [
                {
                    "product_id": self.bulb.id,
                    "country_id": fr.id,
                    "month": date(2026, 10, 1),
                    "qty_sold": 2,
                    "qty_delivered": 2,
                    "qty_returned": 0,
                    "revenue": 39.90,
                    "refunds": -19.95,
                    "cogs": 16.00,
                    "cogs_returned": 0.00,
                    "gross_margin": 3.95,
                    "commission": -7.18,
                    "fees": -1.07,
                    "advertising": -1.00,
                    "net_margin": -5.30,
                },
                {
                    "product_id": self.lamp.id,
                    "country_id": be.id,
                    "month": date(2026, 10, 1),
                    "qty_sold": 1,
                    "qty_delivered": 1,
                    "qty_returned": 1,
                    "revenue": 19.95,
                    "refunds": -19.95,
                    "cogs": 10.00,
                    "cogs_returned": 10.00,
                    "gross_margin": 0.00,
                    "commission": -3.59,
                    "fees": 0.00,
                    "advertising": -1.00,
                    "net_margin": -4.59,
                },
                {
                    "product_id": self.lamp.id,
                    "country_id": fr.id,
                    "month": date(2026, 10, 1),
                    "qty_sold": 2,
                    "qty_delivered": 2,
                    "qty_returned": 0,
                    "revenue": 39.90,
                    "refunds": 0.00,
                    "cogs": 20.00,
                    "cogs_returned": 0.00,
                    "gross_margin": 19.90,
                    "commission": -7.18,
                    "fees": -2.13,
                    "advertising": -2.00,
                    "net_margin": 8.59,
                },
            ],
        )
        self.assertAlmostEqual(self.rows()[2].net_margin_rate, 8.59 / 39.90)
        # Stars and traps, per SKU and channel: the lamp earns 8.59 - 4.59 = 4.00
        # (a star), the bulb shows 3.95 gross and loses 5.30 (a trap).
        skus = self.env["margin.realized.sku"].search(
            [("channel_id", "=", self.channel.id)], order="net_margin"
        )
        self.assertRecordValues(
            skus,
            [
                {
                    "product_id": self.bulb.id,
                    "gross_margin": 3.95,
                    "net_margin": -5.30,
                    "verdict": "trap",
                },
                {
                    "product_id": self.lamp.id,
                    "gross_margin": 19.90,
                    "net_margin": 4.00,
                    "verdict": "star",
                },
            ],
        )

    def test_incremental_refresh(self):
        Part = self.env["margin.realized.part"]
        self.assertEqual(Part._refresh(), (2, 3))
        self.assertEqual(Part._refresh(), (0, 0))  # nothing changed
        # A late fee on payout 2 (C, no SKU): only that payout is recomputed.
        self.env(su=True)["marketplace.transaction"].create(
            {
                "payout_id": self.payout_2.id,
                "channel_id": self.channel.id,
                "category": "refund_fee",
                "amount": -1.00,
                "currency_id": self.eur.id,
                "sale_order_id": self.c.id,
                "order_ref": self.c.marketplace_order_ref,
                "external_key": "realized:P2:late",
            }
        )
        self.assertEqual(Part._refresh(), (1, 0))
        bulb_fr = self.rows().filtered(lambda r: r.product_id == self.bulb)
        self.assertRecordValues(bulb_fr, [{"fees": -2.07, "net_margin": -6.30}])
        # A's bulb comes back to stock: only order A's cost of goods is redone.
        self.give_back(
            self.a.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing"),
            to_stock=True,
        )
        self.assertEqual(Part._refresh(), (0, 1))

    def test_xlsx_export(self):
        self.env["margin.realized.part"]._refresh()
        rows = self.rows()
        content, kind = (
            self.env["ir.actions.report"]
            .with_context(active_model="margin.realized")
            ._render("margin_alerts.realized_xlsx", rows.ids, data={})
        )
        self.assertEqual(kind, "xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        header = [cell.value for cell in sheet[1]]
        self.assertEqual(header[3], "Product")
        self.assertEqual(header[19], "Net-Net Margin")
        values = sorted(sheet.cell(row, 20).value for row in range(2, 5))
        self.assertEqual(values, [-5.30, -4.59, 8.59])
        self.assertEqual(sheet.cell(5, 20).value, "=SUM(T2:T4)")

    def test_cash_dashboard_margin_by_channel(self):
        """With Marketplace Cash installed, its weekly dashboard shows October's
        realized margin of the channel: revenue 39.90 + 39.90 + 19.95 = 99.75,
        net-net 8.59 - 5.30 - 4.59 = -1.30."""
        if "marketplace.cash.dashboard" not in self.env:
            self.skipTest("Marketplace Cash is not installed")
        self.env["margin.realized.part"]._refresh()
        rows = self.env["marketplace.cash.dashboard"]._dashboard_margin_by_channel(
            date(2026, 10, 5), date(2026, 10, 31)
        )
        row = next(r for r in rows if r["channel_id"] == self.channel.id)
        self.assertAlmostEqual(row["revenue"], 99.75)
        self.assertAlmostEqual(row["margin"], -1.30)
        self.assertAlmostEqual(row["rate"], -1.30 / 99.75)
        self.assertEqual(
            self.env["margin.realized"].search(row["action"]["domain"]), self.rows()
        )
