# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The per-warehouse snapshot on real Odoo stock flows: pickings validated through
the ORM (multi-step routes, returns, lots, another unit of measure, consignment),
inventory adjustments, scraps, negative stock, inter-warehouse resupply through
transit, category changes, another company and the company's time zone.

Every flow runs now and is then dated (``stamp``): its move lines, valuation layers
and valuation entries get the scenario's date, as the existing snapshot test does.
The company is in Paris: a date ends at 22:00 UTC (summer time)."""

from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.stock_account.tests.test_anglo_saxon_valuation_reconciliation_common import (  # noqa: E501
    ValuationReconciliationTestCommon,
)


@tagged("post_install", "-at_install")
class TestStockValuationScenarios(ValuationReconciliationTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.partner_id.tz = "Europe/Paris"
        cls.env.user.groups_id |= cls.env.ref("marketplace_cash.group_cash_manager")
        cls.env.user.groups_id |= cls.env.ref("stock.group_production_lot")
        cls.env.user.groups_id |= cls.env.ref("uom.group_uom")
        cls.stock_account = cls.company_data["default_account_stock_valuation"]
        # Everything done in this transaction is created at its timestamp, and
        # dated afterwards by stamp().
        cls.started = cls.env.cr.now() - timedelta(minutes=1)
        cls.cat_avco = cls.make_category("Lamps AVCO", "average")
        cls.cat_fifo = cls.make_category("Bulbs FIFO", "fifo")
        cls.lamp = cls.make_product("Lamp", cls.cat_avco)
        cls.bulb = cls.make_product("Bulb", cls.cat_fifo)
        cls.wh = cls.company_data["default_warehouse"]
        cls.wh.write({"name": "Paris", "code": "PAR"})
        cls.lyon = cls.env["stock.warehouse"].create(
            {"name": "Lyon", "code": "LYO", "company_id": cls.company.id}
        )
        cls.supplier = cls.env.ref("stock.stock_location_suppliers")
        cls.customer = cls.env.ref("stock.stock_location_customers")
        cls.vendor = cls.partner_a

    # ---- set-up helpers

    @classmethod
    def make_category(cls, name, method, valuation="real_time"):
        return cls.env["product.category"].create(
            {
                "name": name,
                "property_valuation": valuation,
                "property_cost_method": method,
                "property_stock_valuation_account_id": cls.stock_account.id,
                "property_stock_account_input_categ_id": cls.company_data[
                    "default_account_stock_in"
                ].id,
                "property_stock_account_output_categ_id": cls.company_data[
                    "default_account_stock_out"
                ].id,
            }
        )

    @classmethod
    def make_product(cls, name, category, **vals):
        return cls.env["product.product"].create(
            {"name": name, "is_storable": True, "categ_id": category.id, **vals}
        )

    # ---- flows

    def stamp(self, when, account_date=None):
        """Date what was done since the last stamp at ``when`` (UTC): done moves
        and move lines, new valuation layers, and the valuation entries of both
        (``account_date``, default the UTC date of ``when``)."""
        when = fields.Datetime.to_datetime(when)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "UPDATE stock_move SET date = %s WHERE state = 'done' AND date >= %s"
            " RETURNING id",
            [when, self.started],
        )
        moves = [row[0] for row in cr.fetchall()]
        cr.execute(
            "UPDATE stock_move_line SET date = %s WHERE state = 'done' AND date >= %s",
            [when, self.started],
        )
        cr.execute(
            "UPDATE stock_valuation_layer SET create_date = %s WHERE create_date >= %s"
            " RETURNING account_move_id",
            [when, self.started],
        )
        entries = {row[0] for row in cr.fetchall() if row[0]}
        cr.execute("SELECT id FROM account_move WHERE stock_move_id = ANY(%s)", [moves])
        entries |= {row[0] for row in cr.fetchall()}
        account_date = account_date or when.date()
        cr.execute(
            "UPDATE account_move SET date = %s WHERE id = ANY(%s)",
            [account_date, list(entries)],
        )
        cr.execute(
            "UPDATE account_move_line SET date = %s WHERE move_id = ANY(%s)",
            [account_date, list(entries)],
        )
        self.env.invalidate_all()

    def picking(self, picking_type, lines, source=None, dest=None, **vals):
        """A confirmed picking of ``picking_type`` moving ``lines``: (product,
        quantity[, price unit[, unit of measure]])."""
        source = source or picking_type.default_location_src_id
        dest = dest or picking_type.default_location_dest_id
        moves = []
        for product, qty, *rest in lines:
            price = rest[0] if rest else None
            uom = rest[1] if len(rest) > 1 else product.uom_id
            moves.append(
                Command.create(
                    {
                        "name": product.name,
                        "product_id": product.id,
                        "product_uom_qty": qty,
                        "product_uom": uom.id,
                        "location_id": source.id,
                        "location_dest_id": dest.id,
                        **({"price_unit": price} if price is not None else {}),
                    }
                )
            )
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "move_ids": moves,
                **vals,
            }
        )
        picking.action_confirm()
        return picking

    def validate(self, pickings, when, account_date=None):
        """Validate ``pickings`` in full (more than on hand: negative stock) and
        date them ``when``."""
        for picking in pickings:
            picking.action_assign()
            for move in picking.move_ids:
                if move.quantity != move.product_uom_qty:
                    move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
            self.assertIs(picking.button_validate(), True)
        self.stamp(when, account_date)
        return pickings

    def receive(self, product, qty, price, when, warehouse=None, **vals):
        warehouse = warehouse or self.wh
        return self.validate(
            self.picking(warehouse.in_type_id, [(product, qty, price)], **vals), when
        )

    def deliver(self, product, qty, when, warehouse=None):
        warehouse = warehouse or self.wh
        return self.validate(
            self.picking(warehouse.out_type_id, [(product, qty)]), when
        )

    def count(self, product, location, quantity, when):
        """Inventory adjustment: ``quantity`` counted in ``location``, applied."""
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": location.id,
                "inventory_quantity": quantity,
            }
        ).action_apply_inventory()
        self.stamp(when)

    def scrap(self, product, qty, location, when):
        self.env["stock.scrap"].create(
            {
                "product_id": product.id,
                "scrap_qty": qty,
                "location_id": location.id,
                "company_id": self.company.id,
            }
        ).do_scrap()
        self.stamp(when)

    # ---- reading the snapshot

    def snapshot(self, day, company=None):
        snapshot = self.env["stock.valuation.snapshot"].create(
            {"company_id": (company or self.company).id, "date": day}
        )
        snapshot.action_compute()
        return snapshot

    def by_location(self, snapshot, product):
        return {
            line.location_id: (line.quantity, line.value)
            for line in snapshot.line_ids
            if line.product_id == product
        }

    def by_warehouse(self, snapshot, product):
        rows = {}
        for line in snapshot.line_ids.filtered(lambda x: x.product_id == product):
            key = line.warehouse_id.code or line.location_kind
            qty, value = rows.get(key, (0, 0))
            rows[key] = (qty + line.quantity, round(value + line.value, 2))
        return rows

    def odoo_value(self, snapshot, products):
        """Odoo's own valuation at the snapshot's cut-off (``value_svl``)."""
        return sum(
            products.with_company(snapshot.company_id)
            .with_context(to_date=snapshot.cutoff, active_test=False)
            .mapped("value_svl")
        )

    def assert_balanced(self, snapshot, products, total):
        """The lines add up to ``total`` = Odoo's valuation at the date, with no
        difference to explain, and the ledger agrees."""
        self.assertAlmostEqual(snapshot.valuation_total, total, places=2)
        self.assertAlmostEqual(
            self.odoo_value(snapshot, products), total, places=2, msg="Odoo"
        )
        self.assertAlmostEqual(snapshot.odoo_valuation, total, places=2)
        self.assertFalse(snapshot.difference_ids)
        self.assertAlmostEqual(snapshot.gl_balance, total, places=2)
        self.assertAlmostEqual(snapshot.difference, 0, places=2)
        self.assertFalse(
            snapshot.gl_ids.filtered(lambda g: g.kind not in ("valuation", "gl"))
        )

    # ---- 1. multi-step routes

    def test_two_step_reception_three_step_delivery(self):
        """Bordeaux receives in 2 steps (Input -> Stock) and delivers in 3 (Stock
        -> Packing Zone -> Output -> customer). AVCO lamp: 10 @ 10.00 received
        (5th) and stored (6th), 6 @ 12.00 received (20th) and left in Input:
        average (100 + 72) / 16 = 10.75. A sale of 5: picked (25th), packed (26th),
        shipped on Oct 2nd. On Sep 30th: Stock 5 x 10.75 = 53.75, Input 6 x 10.75
        = 64.50, Output 5 x 10.75 = 53.75, total 172.00 (internal moves create no
        value). Oct 31st: 11 left, 172.00 - 5 x 10.75 = 118.25, all in Stock and
        Input (5 -> 53.75, 6 -> 64.50)."""
        bdx = self.env["stock.warehouse"].create(
            {
                "name": "Bordeaux",
                "code": "BDX",
                "company_id": self.company.id,
                "reception_steps": "two_steps",
                "delivery_steps": "pick_pack_ship",
            }
        )
        first = self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00", bdx)
        self.assertEqual(first.location_dest_id, bdx.wh_input_stock_loc_id)
        store = first.move_ids.move_dest_ids.picking_id
        self.assertEqual(store.location_dest_id, bdx.lot_stock_id)
        self.validate(store, "2026-09-06 08:00:00")
        self.receive(self.lamp, 6, 12.00, "2026-09-20 08:00:00", bdx)
        group = self.env["procurement.group"].create({"name": "SO-BDX"})
        self.env["procurement.group"].run(
            [
                self.env["procurement.group"].Procurement(
                    self.lamp,
                    5,
                    self.lamp.uom_id,
                    self.customer,
                    "SO-BDX",
                    "SO-BDX",
                    self.company,
                    {"warehouse_id": bdx, "group_id": group},
                )
            ]
        )
        pick = self.env["stock.move"].search([("group_id", "=", group.id)]).picking_id
        self.assertEqual(pick.location_dest_id, bdx.wh_pack_stock_loc_id)
        self.validate(pick, "2026-09-25 08:00:00")
        pack = pick.move_ids.move_dest_ids.picking_id
        self.assertEqual(pack.location_dest_id, bdx.wh_output_stock_loc_id)
        self.validate(pack, "2026-09-26 08:00:00")
        ship = pack.move_ids.move_dest_ids.picking_id
        self.assertEqual(ship.location_dest_id, self.customer)
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.by_location(end, self.lamp),
            {
                bdx.lot_stock_id: (5, 53.75),
                bdx.wh_input_stock_loc_id: (6, 64.50),
                bdx.wh_output_stock_loc_id: (5, 53.75),
            },
        )
        self.assertEqual(set(end.line_ids.mapped("warehouse_id")), {bdx})
        self.assertEqual(set(end.line_ids.mapped("location_kind")), {"warehouse"})
        self.assert_balanced(end, self.lamp, 172.00)
        self.validate(ship, "2026-10-02 08:00:00")
        october = self.snapshot(date(2026, 10, 31))
        self.assertEqual(
            self.by_location(october, self.lamp),
            {
                bdx.lot_stock_id: (5, 53.75),
                bdx.wh_input_stock_loc_id: (6, 64.50),
            },
        )
        self.assert_balanced(october, self.lamp, 118.25)
        mover = october.mover_ids.filtered(lambda m: m.warehouse_id == bdx)
        # Last receipt from outside Bordeaux: Sep 20th; delivered 5 (53.75).
        self.assertRecordValues(
            mover, [{"quantity": 11, "consumed_qty": 5, "consumed_value": 53.75}]
        )
        self.assertEqual(
            fields.Datetime.to_string(mover.last_receipt), "2026-09-20 08:00:00"
        )

    # ---- 2. inventory adjustments and scrap

    def test_inventory_adjustments_and_scrap(self):
        """AVCO lamp: 10 @ 10.00 (5th), 10 @ 13.00 (10th): 20 for 230.00 (11.50);
        counted 3 on a shelf that had none (gain, 12th): + 3 x 11.50 = 34.50;
        2 scrapped from Stock (15th): - 23.00. On hand: Stock 18 -> 207.00, shelf
        3 -> 34.50, total 241.50.
        FIFO bulb: 10 @ 5.00 (5th), 10 @ 7.00 (10th); counted 16 in Stock (loss
        of 4, 12th): the oldest layer, - 20.00; 1 scrapped (15th): - 5.00. 15
        left: 5 @ 5.00 + 10 @ 7.00 = 95.00, all in Stock. Together 336.50; the
        losses go to the inventory loss account, not the stock account."""
        stock = self.wh.lot_stock_id
        shelf = self.env["stock.location"].create(
            {"name": "Shelf A", "location_id": stock.id}
        )
        self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00")
        self.receive(self.bulb, 10, 5.00, "2026-09-05 08:00:00")
        self.receive(self.lamp, 10, 13.00, "2026-09-10 08:00:00")
        self.receive(self.bulb, 10, 7.00, "2026-09-10 08:00:00")
        self.count(self.lamp, shelf, 3, "2026-09-12 08:00:00")
        self.count(self.bulb, stock, 16, "2026-09-12 08:00:00")
        self.scrap(self.lamp, 2, stock, "2026-09-15 08:00:00")
        self.scrap(self.bulb, 1, stock, "2026-09-15 08:00:00")
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.by_location(end, self.lamp), {stock: (18, 207.00), shelf: (3, 34.50)}
        )
        self.assertEqual(self.by_location(end, self.bulb), {stock: (15, 95.00)})
        self.assert_balanced(end, self.lamp | self.bulb, 336.50)
        # Before the count: 20 lamps, 230.00; 20 bulbs, 120.00.
        before = self.snapshot(date(2026, 9, 11))
        self.assertEqual(self.by_warehouse(before, self.bulb), {"PAR": (20, 120.00)})
        self.assert_balanced(before, self.lamp | self.bulb, 350.00)

    def test_count_booked_at_an_earlier_accounting_date(self):
        """A count done on Oct 2nd booked at Sep 30th (the quant's accounting
        date): its entry is in September's ledger, its stock move and layer in
        October. AVCO lamp 10 @ 10.00; counted 8 (loss 20.00). Sep 30th: stock
        10, 100.00 as Odoo values it then; the ledger has 80.00, the difference
        -20.00 itemized as an entry dated before its layer."""
        self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00")
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": self.lamp.id,
                    "location_id": self.wh.lot_stock_id.id,
                    "inventory_quantity": 8,
                    "accounting_date": "2026-09-30",
                }
            )
        )
        quant.action_apply_inventory()
        self.stamp("2026-10-02 08:00:00", account_date=date(2026, 9, 30))
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(self.by_warehouse(end, self.lamp), {"PAR": (10, 100.00)})
        self.assertAlmostEqual(end.valuation_total, 100.00, places=2)
        self.assertAlmostEqual(self.odoo_value(end, self.lamp), 100.00, places=2)
        self.assertFalse(end.difference_ids)
        self.assertAlmostEqual(end.gl_balance, 80.00, places=2)
        self.assertAlmostEqual(end.difference, -20.00, places=2)
        causes = end.gl_ids.filtered(lambda g: g.kind not in ("valuation", "gl"))
        self.assertRecordValues(causes, [{"kind": "before_layer", "amount": -20.00}])

    # ---- 3. negative stock

    def test_negative_stock_avco(self):
        """AVCO lamp: Paris receives 5 @ 10.00 (5th); Lyon delivers 3 it does not
        have (10th), at the average 10.00: -30.00 (the company still has 2, so
        nothing is left to revalue later). Sep 12th: Paris 5 (50.00), Lyon -3
        (-30.00): Odoo's 2 for 20.00 shared by quantity (20.00 x 5 / 2 and x -3 /
        2), no difference; the negative line is on the checklist. Lyon receives 10
        @ 12.00 (15th): 20.00 + 120.00 = 140.00 for 12 (average 11.6667): Paris 5
        -> 58.333 -> 58.33, Lyon 7 -> 81.667 -> 81.67."""
        self.receive(self.lamp, 5, 10.00, "2026-09-05 08:00:00")
        self.deliver(self.lamp, 3, "2026-09-10 08:00:00", self.lyon)
        mid = self.snapshot(date(2026, 9, 12))
        self.assertEqual(
            self.by_warehouse(mid, self.lamp), {"PAR": (5, 50.00), "LYO": (-3, -30.00)}
        )
        self.assertEqual(
            mid.line_ids.filtered(lambda x: x.quantity < 0).unit_cost, 10.00
        )
        self.assert_balanced(mid, self.lamp, 20.00)
        check = mid.check_ids.filtered(lambda c: c.code == "negative_stock")
        self.assertRecordValues(
            check, [{"status": "todo", "count": 1, "amount": 30.00}]
        )
        self.receive(self.lamp, 10, 12.00, "2026-09-15 08:00:00", self.lyon)
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.by_warehouse(end, self.lamp), {"PAR": (5, 58.33), "LYO": (7, 81.67)}
        )
        self.assert_balanced(end, self.lamp, 140.00)

    def test_negative_stock_fifo(self):
        """FIFO bulb: 4 @ 5.00 received (5th), 6 delivered (10th): 4 x 5.00 and 2
        short at the last cost 5.00, -30.00; -2 on hand for -10.00. Sep 12th: one
        line, -2, -10.00, no difference. 10 @ 8.00 received (15th): the 2 short
        revalued at 8.00 (-6.00): 20.00 - 30.00 + 80.00 - 6.00 = 64.00 for 8,
        all in Stock."""
        self.receive(self.bulb, 4, 5.00, "2026-09-05 08:00:00")
        self.deliver(self.bulb, 6, "2026-09-10 08:00:00")
        mid = self.snapshot(date(2026, 9, 12))
        self.assertEqual(self.by_warehouse(mid, self.bulb), {"PAR": (-2, -10.00)})
        self.assert_balanced(mid, self.bulb, -10.00)
        self.receive(self.bulb, 10, 8.00, "2026-09-15 08:00:00")
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(self.by_warehouse(end, self.bulb), {"PAR": (8, 64.00)})
        self.assert_balanced(end, self.bulb, 64.00)

    # ---- 4. consignment

    def test_consignment_stock_not_valued(self):
        """A vendor's stock in our warehouse (owner = the vendor): 6 lamps received
        on consignment (8th) next to 10 of ours @ 10.00 (5th); 2 of the vendor's
        sold (20th). Odoo values none of them (no layer): the lines show our 10
        for 100.00, no difference; the slow movers, our stock only: last receipt
        and movement the 5th, 08:00 UTC (25 full days idle at the end of the
        30th in Paris, 22:00 UTC), nothing delivered."""
        self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00")
        self.receive(self.lamp, 6, 0.00, "2026-09-08 08:00:00", owner_id=self.vendor.id)
        delivery = self.picking(self.wh.out_type_id, [(self.lamp, 2)])
        delivery.action_assign()
        # The picker takes the vendor's units (detailed operations).
        delivery.move_line_ids.owner_id = self.vendor
        self.assertEqual(delivery.move_line_ids.owner_id, self.vendor)
        self.validate(delivery, "2026-09-20 08:00:00")
        quants = self.env["stock.quant"].search(
            [
                ("product_id", "=", self.lamp.id),
                ("location_id", "=", self.wh.lot_stock_id.id),
            ]
        )
        self.assertEqual(
            {(q.owner_id, q.quantity) for q in quants},
            {(self.env["res.partner"], 10), (self.vendor, 4)},
        )
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(self.by_warehouse(end, self.lamp), {"PAR": (10, 100.00)})
        self.assert_balanced(end, self.lamp, 100.00)
        mover = end.mover_ids.filtered(lambda m: m.product_id == self.lamp)
        self.assertEqual(
            [
                (
                    mover.quantity,
                    fields.Datetime.to_string(mover.last_receipt),
                    mover.last_delivery,
                    fields.Datetime.to_string(mover.last_move),
                    mover.days_idle,
                    mover.consumed_qty,
                )
            ],
            [(10, "2026-09-05 08:00:00", False, "2026-09-05 08:00:00", 25, 0)],
        )

    # ---- 5. another unit of measure, lots across warehouses, returns

    def test_dozens_lots_and_return(self):
        """FIFO cable tracked by lot, bought by the dozen: 2 dozen @ 60.00 the
        dozen (lot C1, 5th) = 24 units @ 5.00, then 1 dozen @ 72.00 (lot C2, 8th)
        = 12 @ 6.00. 9 of C1 sent to Lyon (10th); Lyon delivers 6 of C1 (15th):
        FIFO takes the oldest layer, 30.00; the customer returns 2 (18th) at their
        delivery cost 5.00. On hand 32: Paris 15 C1 + 12 C2 = 27, Lyon 3 + 2 = 5.
        Odoo's value: 120.00 + 72.00 - 30.00 + 10.00 = 172.00 for 32, shared:
        172 x 27 / 32 = 145.125, 172 x 5 / 32 = 26.875: floors 145.12 + 26.87, the
        cent left to the largest remainder, a tie, so to the first location
        (Paris): 145.13 and 26.87."""
        cable = self.make_product(
            "Cable",
            self.cat_fifo,
            tracking="lot",
            uom_id=self.env.ref("uom.product_uom_unit").id,
            uom_po_id=self.env.ref("uom.product_uom_dozen").id,
        )
        dozen = self.env.ref("uom.product_uom_dozen")
        for lot, qty, price, day in (("C1", 2, 60.00, "05"), ("C2", 1, 72.00, "08")):
            order = self.env["purchase.order"].create(
                {
                    "partner_id": self.vendor.id,
                    "picking_type_id": self.wh.in_type_id.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cable.id,
                                "product_qty": qty,
                                "product_uom": dozen.id,
                                "price_unit": price,
                            }
                        )
                    ],
                }
            )
            order.button_confirm()
            receipt = order.picking_ids
            receipt.move_ids.move_line_ids.unlink()
            receipt.move_ids.move_line_ids = [
                Command.create(
                    {
                        "lot_name": lot,
                        "quantity": qty,
                        "product_uom_id": dozen.id,
                        "product_id": cable.id,
                        "location_id": self.supplier.id,
                        "location_dest_id": self.wh.lot_stock_id.id,
                    }
                )
            ]
            self.validate(receipt, f"2026-09-{day} 08:00:00")
        c1 = self.env["stock.lot"].search(
            [("product_id", "=", cable.id), ("name", "=", "C1")]
        )
        self.assertEqual(cable.with_company(self.company).quantity_svl, 36)
        transfer = self.picking(
            self.wh.int_type_id,
            [(cable, 9)],
            dest=self.lyon.lot_stock_id,
        )
        transfer.action_assign()
        transfer.move_line_ids.lot_id = c1
        self.validate(transfer, "2026-09-10 08:00:00")
        delivery = self.picking(self.lyon.out_type_id, [(cable, 6)])
        delivery.action_assign()
        self.assertEqual(delivery.move_line_ids.lot_id, c1)
        self.validate(delivery, "2026-09-15 08:00:00")
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 2
        returned = self.env["stock.picking"].browse(
            wizard.action_create_returns()["res_id"]
        )
        returned.action_assign()
        returned.move_line_ids.lot_id = c1
        self.validate(returned, "2026-09-18 08:00:00")
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.by_warehouse(end, cable), {"PAR": (27, 145.13), "LYO": (5, 26.87)}
        )
        self.assert_balanced(end, cable, 172.00)

    # ---- 6. category changes, archived and consumable products

    def test_costing_method_change_mid_period(self):
        """FIFO category switched to AVCO on the 15th: Odoo empties the stock at
        FIFO value and puts it back at the same value (layers of the 15th). Plug:
        10 @ 5.00 into Paris (5th), 10 @ 7.00 into Lyon (6th): 120.00; after the
        switch the average is 6.00; Lyon delivers 5 (20th): -30.00. Sep 30th: 90.00
        for 15, Paris 10 -> 60.00, Lyon 5 -> 30.00, method AVCO."""
        category = self.make_category("Switch", "fifo")
        plug = self.make_product("Plug", category)
        self.receive(plug, 10, 5.00, "2026-09-05 08:00:00")
        self.receive(plug, 10, 7.00, "2026-09-06 08:00:00", self.lyon)
        # Sep 10th, before the switch: FIFO 50.00 + 70.00 shared by quantity,
        # 60.00 each.
        # The lines show the category's method now (AVCO), not September's:
        # Odoo keeps no history of a category's method (documented behaviour).
        category.property_cost_method = "average"
        self.stamp("2026-09-15 08:00:00")
        before = self.snapshot(date(2026, 9, 10))
        self.assertEqual(
            self.by_warehouse(before, plug), {"PAR": (10, 60.00), "LYO": (10, 60.00)}
        )
        self.assertEqual(set(before.line_ids.mapped("costing_method")), {"average"})
        self.assert_balanced(before, plug, 120.00)
        self.deliver(plug, 5, "2026-09-20 08:00:00", self.lyon)
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.by_warehouse(end, plug), {"PAR": (10, 60.00), "LYO": (5, 30.00)}
        )
        self.assertEqual(set(end.line_ids.mapped("costing_method")), {"average"})
        self.assert_balanced(end, plug, 90.00)

    def test_valuation_switched_to_manual_mid_period(self):
        """Automated category switched to manual (periodic) on the 15th: Odoo
        books the stock out of the ledger (-100.00) and puts it back without entry.
        Lamp 10 @ 10.00 (5th). Sep 30th: lines 100.00 as Odoo; the ledger 0.00,
        the difference -100.00 itemized as a manual valuation category."""
        category = self.make_category("Periodic", "average")
        lamp = self.make_product("Desk lamp", category)
        self.receive(lamp, 10, 10.00, "2026-09-05 08:00:00")
        category.property_valuation = "manual_periodic"
        self.stamp("2026-09-15 08:00:00")
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(self.by_warehouse(end, lamp), {"PAR": (10, 100.00)})
        self.assertAlmostEqual(end.valuation_total, 100.00, places=2)
        self.assertAlmostEqual(self.odoo_value(end, lamp), 100.00, places=2)
        self.assertFalse(end.difference_ids)
        self.assertAlmostEqual(end.gl_balance, 0.00, places=2)
        self.assertAlmostEqual(end.difference, -100.00, places=2)
        causes = end.gl_ids.filtered(lambda g: g.kind not in ("valuation", "gl"))
        self.assertRecordValues(
            causes, [{"kind": "manual_valuation", "amount": -100.00}]
        )

    def test_valuation_switched_to_manual_after_the_date(self):
        """The same switch on Oct 15th, September computed afterwards (a late or
        recomputed close): on Sep 30th the lamp (10 @ 10.00) was automated and
        booked, the ledger has its 100.00: nothing to explain in September."""
        category = self.make_category("Periodic later", "average")
        lamp = self.make_product("Floor lamp", category)
        self.receive(lamp, 10, 10.00, "2026-09-05 08:00:00")
        category.property_valuation = "manual_periodic"
        self.stamp("2026-10-15 08:00:00")
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(self.by_warehouse(end, lamp), {"PAR": (10, 100.00)})
        self.assert_balanced(end, lamp, 100.00)

    def test_archived_and_consumable_products(self):
        """An archived product keeps its stock and value: lamp 4 @ 25.00 (5th),
        archived (10th): 100.00. A consumable (not storable) bought 10 @ 3.00:
        Odoo does not value it (no stock, no entry; its layers are left out of
        Odoo's valuation report), so no line, no difference, no ledger gap."""
        self.receive(self.lamp, 4, 25.00, "2026-09-05 08:00:00")
        self.lamp.active = False
        tape = self.env["product.product"].create(
            {"name": "Tape", "type": "consu", "categ_id": self.cat_avco.id}
        )
        self.receive(tape, 10, 3.00, "2026-09-05 08:00:00")
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(self.by_warehouse(end, self.lamp), {"PAR": (4, 100.00)})
        self.assertFalse(end.line_ids.filtered(lambda x: x.product_id == tape))
        self.assert_balanced(end, self.lamp, 100.00)

    # ---- 7. inter-warehouse resupply through transit

    def test_resupply_through_transit(self):
        """Lyon is resupplied from Paris through the company's transit location.
        AVCO lamp 10 @ 10.00 then 10 @ 14.00 into Paris (5th): 240.00, 12.00 each;
        Lyon orders 6: they leave Paris on the 28th, arrive on Oct 2nd. Sep 30th:
        Paris 14 -> 168.00, in transit 6 -> 72.00 (a line of its own, no
        warehouse); Oct 31st: Lyon 6 -> 72.00, no transit."""
        self.lyon.resupply_wh_ids = self.wh
        route = self.lyon.resupply_route_ids
        self.assertEqual(len(route), 1)
        self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00")
        self.receive(self.lamp, 10, 14.00, "2026-09-05 09:00:00")
        group = self.env["procurement.group"].create({"name": "RESUPPLY"})
        self.env["procurement.group"].run(
            [
                self.env["procurement.group"].Procurement(
                    self.lamp,
                    6,
                    self.lamp.uom_id,
                    self.lyon.lot_stock_id,
                    "RESUPPLY",
                    "RESUPPLY",
                    self.company,
                    {"warehouse_id": self.lyon, "group_id": group, "route_ids": route},
                )
            ]
        )
        moves = self.env["stock.move"].search([("group_id", "=", group.id)])
        transit = self.company.internal_transit_location_id
        outgoing = moves.filtered(lambda m: m.location_dest_id == transit)
        incoming = moves.filtered(lambda m: m.location_id == transit)
        self.assertTrue(outgoing and incoming)
        self.validate(outgoing.picking_id, "2026-09-28 08:00:00")
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.by_warehouse(end, self.lamp),
            {"PAR": (14, 168.00), "transit": (6, 72.00)},
        )
        line = end.line_ids.filtered(lambda x: x.location_kind == "transit")
        self.assertEqual(line.location_id, transit)
        self.assertFalse(line.warehouse_id)
        self.assert_balanced(end, self.lamp, 240.00)
        self.validate(incoming.picking_id, "2026-10-02 08:00:00")
        october = self.snapshot(date(2026, 10, 31))
        self.assertEqual(
            self.by_warehouse(october, self.lamp),
            {"PAR": (14, 168.00), "LYO": (6, 72.00)},
        )
        self.assert_balanced(october, self.lamp, 240.00)

    # ---- 8. another company

    def test_other_company_does_not_leak(self):
        """Company B has its own warehouse and stock of the same lamp; A's
        snapshot has only A's (10 @ 10.00), B's only B's (3 @ 8.00, B's
        standard cost: its category is standard and manual there), and a user of
        B cannot read A's snapshot."""
        other = self.setup_other_company(name="Other Co")["company"]
        self.env.user.company_ids |= other
        other_wh = self.env["stock.warehouse"].search(
            [("company_id", "=", other.id)], limit=1
        )
        self.lamp.with_company(other).standard_price = 8.00
        self.receive(self.lamp, 10, 10.00, "2026-09-05 08:00:00")
        self.env["stock.quant"].with_company(other).with_context(
            inventory_mode=True
        ).create(
            {
                "product_id": self.lamp.id,
                "location_id": other_wh.lot_stock_id.id,
                "inventory_quantity": 3,
            }
        ).action_apply_inventory()
        self.stamp("2026-09-06 08:00:00")
        mine = self.snapshot(date(2026, 9, 30))
        self.assertEqual(self.by_warehouse(mine, self.lamp), {"PAR": (10, 100.00)})
        self.assert_balanced(mine, self.lamp, 100.00)
        theirs = self.snapshot(date(2026, 9, 30), company=other)
        self.assertEqual(
            self.by_warehouse(theirs, self.lamp), {other_wh.code: (3, 24.00)}
        )
        self.assertAlmostEqual(theirs.valuation_total, 24.00, places=2)
        self.assertFalse(theirs.difference_ids)
        user_b = new_test_user(
            self.env,
            login="snap_other_co",
            groups="marketplace_cash.group_cash_manager",
            company_id=other.id,
            company_ids=[other.id],
        )
        with self.assertRaises(AccessError):
            mine.with_user(user_b).read(["valuation_total"])
        with self.assertRaises(AccessError):
            mine.line_ids[:1].with_user(user_b).read(["value"])
        self.assertEqual(
            self.env["stock.valuation.snapshot"].with_user(user_b).search([]), theirs
        )

    # ---- 9. the company's time zone

    def test_cutoff_in_company_time_zone(self):
        """Paris is UTC+2 in September: Sep 30th ends at 22:00 UTC (its last
        second 21:59:59, the snapshot's cut-off). Lamp 10 @ 10.00
        received at 23:30 Paris (21:30 UTC) is in; 5 @ 12.00 received at 00:30 on
        Oct 1st (22:30 UTC on Sep 30th) is out, also of Odoo's valuation at the
        cut-off; its entry dated Oct 1st (the user's date) is out of the ledger."""
        self.receive(self.lamp, 10, 10.00, "2026-09-30 21:30:00")
        self.validate(
            self.picking(self.wh.in_type_id, [(self.lamp, 5, 12.00)]),
            "2026-09-30 22:30:00",
            account_date=date(2026, 10, 1),
        )
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(fields.Datetime.to_string(end.cutoff), "2026-09-30 21:59:59")
        self.assertEqual(self.by_warehouse(end, self.lamp), {"PAR": (10, 100.00)})
        self.assert_balanced(end, self.lamp, 100.00)
        october = self.snapshot(date(2026, 10, 1))
        self.assertEqual(self.by_warehouse(october, self.lamp), {"PAR": (15, 160.00)})
        self.assert_balanced(october, self.lamp, 160.00)

    def test_move_at_midnight_belongs_to_the_next_day(self):
        """The boundary: the date ends at its last second, included. 10 @ 10.00
        received at 23:59:59 on Sep 30th in Paris (21:59:59 UTC) is in; 5 @ 12.00
        received at 00:00:00 on Oct 1st in Paris (22:00:00 UTC on Sep 30th) is
        out of Sep 30th (lines, the snapshot's own Odoo valuation), and so it is
        of Odoo's ``value_svl`` with ``to_date`` at the snapshot's cut-off
        (21:59:59 UTC, inclusive)."""
        self.receive(self.lamp, 10, 10.00, "2026-09-30 21:59:59")
        self.validate(
            self.picking(self.wh.in_type_id, [(self.lamp, 5, 12.00)]),
            "2026-09-30 22:00:00",
            account_date=date(2026, 10, 1),
        )
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(fields.Datetime.to_string(end.cutoff), "2026-09-30 21:59:59")
        self.assertEqual(self.by_warehouse(end, self.lamp), {"PAR": (10, 100.00)})
        self.assertAlmostEqual(end.valuation_total, 100.00, places=2)
        self.assertAlmostEqual(end.odoo_valuation, 100.00, places=2)
        self.assertAlmostEqual(end.gl_balance, 100.00, places=2)
        self.assertFalse(end.difference_ids)
        self.assertAlmostEqual(self.odoo_value(end, self.lamp), 100.00, places=2)
        october = self.snapshot(date(2026, 10, 1))
        self.assertEqual(self.by_warehouse(october, self.lamp), {"PAR": (15, 160.00)})
        self.assertAlmostEqual(self.odoo_value(october, self.lamp), 160.00, places=2)

    def test_standard_price_change_mid_period(self):
        """Standard cost 20.00: 5 into Paris, 3 into Lyon (5th); the cost set to
        22.50 on the 15th (Odoo's revaluation layer +20.00, no quantity). Sep
        10th: 160.00 (Paris 100.00, Lyon 60.00); Sep 30th: 180.00 for 8 = 22.50
        each, Paris 112.50, Lyon 67.50, method standard."""
        category = self.make_category("Plugs standard", "standard")
        plug = self.make_product("Wall plug", category, standard_price=20.00)
        self.receive(plug, 5, 20.00, "2026-09-05 08:00:00")
        self.receive(plug, 3, 20.00, "2026-09-05 08:00:00", self.lyon)
        plug.standard_price = 22.50
        self.stamp("2026-09-15 08:00:00")
        before = self.snapshot(date(2026, 9, 10))
        self.assertEqual(
            self.by_warehouse(before, plug), {"PAR": (5, 100.00), "LYO": (3, 60.00)}
        )
        self.assert_balanced(before, plug, 160.00)
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.by_warehouse(end, plug), {"PAR": (5, 112.50), "LYO": (3, 67.50)}
        )
        self.assertEqual(set(end.line_ids.mapped("costing_method")), {"standard"})
        self.assert_balanced(end, plug, 180.00)

    # ---- 10. the ledger: a vendor bill's price difference after the date

    def test_vendor_bill_price_difference_after_the_date(self):
        """AVCO lamp bought 10 @ 10.00 (received Sep 5th), billed at 12.00 on Oct
        5th while all 10 are in stock: Odoo revalues them +20.00 (a layer of the
        bill, no quantity) and books it on the stock account. Sep 30th: 100.00
        both sides, the bill excluded; Oct 31st: 120.00 both sides, the bill's
        entry not taken for a manual entry."""
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.lamp.id,
                            "product_qty": 10,
                            "price_unit": 10.00,
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        self.validate(order.picking_ids, "2026-09-05 08:00:00")
        order.action_create_invoice()
        bill = order.invoice_ids
        bill.invoice_date = "2026-10-05"
        bill.invoice_line_ids.price_unit = 12.00
        bill.action_post()
        self.stamp("2026-10-05 08:00:00", account_date=date(2026, 10, 5))
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(self.by_warehouse(end, self.lamp), {"PAR": (10, 100.00)})
        self.assert_balanced(end, self.lamp, 100.00)
        october = self.snapshot(date(2026, 10, 31))
        self.assertEqual(self.by_warehouse(october, self.lamp), {"PAR": (10, 120.00)})
        self.assert_balanced(october, self.lamp, 120.00)
