# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date, datetime

import pytz

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.stock_account.tests.test_anglo_saxon_valuation_reconciliation_common import (  # noqa: E501
    ValuationReconciliationTestCommon,
)


@tagged("post_install", "-at_install")
class TestStockValuationSnapshot(ValuationReconciliationTestCommon):
    """September 2026, two warehouses (Paris, Lyon), automated valuation.

    AVCO lamp: 10 @ 10.00 into Paris (5th), 10 @ 13.00 into Lyon (10th): average
    11.50; 4 moved Lyon -> Paris (15th); 5 delivered from Paris (20th): -57.50; one
    returned to Paris (25th) at 11.50. FIFO bulb: 10 @ 5.00 into Paris (5th), 10 @
    7.00 into Lyon (10th), 5 delivered from Lyon (20th): FIFO takes Paris's oldest
    layer, -25.00. Standard plug at 20.00: 5 into Paris, 3 into Lyon (5th).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.env.user.groups_id |= cls.env.ref("marketplace_cash.group_cash_manager")
        cls.stock_account = cls.company_data["default_account_stock_valuation"]

        def category(name, method):
            return cls.env["product.category"].create(
                {
                    "name": name,
                    "property_valuation": "real_time",
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

        cls.cat_avco = category("Lamps AVCO", "average")
        cls.cat_fifo = category("Bulbs FIFO", "fifo")
        cls.cat_std = category("Plugs standard", "standard")
        product = cls.env["product.product"].create
        cls.lamp = product(
            {"name": "Lamp", "is_storable": True, "categ_id": cls.cat_avco.id}
        )
        cls.bulb = product(
            {"name": "Bulb", "is_storable": True, "categ_id": cls.cat_fifo.id}
        )
        cls.plug = product(
            {
                "name": "Plug",
                "is_storable": True,
                "categ_id": cls.cat_std.id,
                "standard_price": 20.00,
            }
        )
        cls.paris = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.lyon = cls.env["stock.warehouse"].create(
            {"name": "Lyon", "code": "LYO", "company_id": cls.company.id}
        )
        cls.supplier = cls.env.ref("stock.stock_location_suppliers")
        cls.customer = cls.env.ref("stock.stock_location_customers")
        P, L = cls.paris.lot_stock_id, cls.lyon.lot_stock_id
        cls.move(cls.lamp, 10, cls.supplier, P, "2026-09-05", price=10.00)
        cls.move(cls.bulb, 10, cls.supplier, P, "2026-09-05", price=5.00)
        cls.move(cls.plug, 5, cls.supplier, P, "2026-09-05")
        cls.move(cls.plug, 3, cls.supplier, L, "2026-09-05")
        cls.move(cls.lamp, 10, cls.supplier, L, "2026-09-10", price=13.00)
        cls.move(cls.bulb, 10, cls.supplier, L, "2026-09-10", price=7.00)
        cls.move(cls.lamp, 4, L, P, "2026-09-15")
        cls.delivery = cls.move(cls.lamp, 5, P, cls.customer, "2026-09-20")
        cls.move(cls.bulb, 5, L, cls.customer, "2026-09-20")
        cls.move(cls.lamp, 1, cls.customer, P, "2026-09-25", origin=cls.delivery)

    @classmethod
    def move(cls, product, qty, source, dest, day, price=None, origin=None):
        """A done move on ``day`` at 10:00 UTC: its move lines, valuation layers
        and journal entries dated then (the ORM dates them now)."""
        move = cls.env["stock.move"].create(
            {
                "name": f"{product.name} {day}",
                "product_id": product.id,
                "product_uom_qty": qty,
                "product_uom": product.uom_id.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "company_id": cls.company.id,
                "origin_returned_move_id": origin.id if origin else False,
                **({"price_unit": price} if price else {}),
            }
        )
        move._action_confirm()
        move._action_assign()
        move.move_line_ids.quantity = qty
        if not move.move_line_ids:
            move.write({"quantity": qty})
        move.picked = True
        move._action_done()
        cls.backdate(move, day)
        return move

    @classmethod
    def backdate(cls, move, day):
        when = datetime.fromisoformat(f"{day} 10:00:00")
        cls.env.flush_all()
        cr = cls.env.cr
        cr.execute("UPDATE stock_move SET date = %s WHERE id = %s", [when, move.id])
        cr.execute(
            "UPDATE stock_move_line SET date = %s WHERE move_id = %s", [when, move.id]
        )
        cr.execute(
            "UPDATE stock_valuation_layer SET create_date = %s WHERE stock_move_id = %s"
            " RETURNING account_move_id",
            [when, move.id],
        )
        moves = [row[0] for row in cr.fetchall() if row[0]]
        if moves:
            cr.execute(
                "UPDATE account_move SET date = %s WHERE id = ANY(%s)", [day, moves]
            )
            cr.execute(
                "UPDATE account_move_line SET date = %s WHERE move_id = ANY(%s)",
                [day, moves],
            )
        cls.env.invalidate_all()

    def snapshot(self, day):
        snapshot = self.env["stock.valuation.snapshot"].create(
            {"company_id": self.company.id, "date": day}
        )
        snapshot.action_compute()
        return snapshot

    def by_warehouse(self, snapshot, product):
        return {
            warehouse.code: (quantity, value)
            for warehouse, quantity, value in self.env[
                "stock.valuation.snapshot.line"
            ]._read_group(
                [("snapshot_id", "=", snapshot.id), ("product_id", "=", product.id)],
                ["warehouse_id"],
                ["quantity:sum", "value:sum"],
            )
        }

    def odoo_value(self, snapshot):
        products = self.lamp | self.bulb | self.plug
        return sum(
            products.with_company(self.company)
            .with_context(to_date=snapshot.cutoff)
            .mapped("value_svl")
        )

    def test_valuation_per_warehouse_at_each_date(self):
        paris, lyon = self.paris.code, self.lyon.code
        # 12th: lamp 10 + 10 worth 230.00 (average 11.50); bulb 50.00 + 70.00.
        mid = self.snapshot(date(2026, 9, 12))
        self.assertEqual(
            self.by_warehouse(mid, self.lamp),
            {paris: (10, 115.00), lyon: (10, 115.00)},
        )
        self.assertEqual(
            self.by_warehouse(mid, self.bulb), {paris: (10, 60.00), lyon: (10, 60.00)}
        )
        # 16th: the transfer moved 4 lamps and their value (46.00), created none.
        moved = self.snapshot(date(2026, 9, 16))
        self.assertEqual(
            self.by_warehouse(moved, self.lamp),
            {paris: (14, 161.00), lyon: (6, 69.00)},
        )
        # 30th: lamp 230.00 - 57.50 + 11.50 = 184.00 for 16 (Paris 10, Lyon 6);
        # bulb 120.00 - 25.00 = 95.00 for 15 (Paris 10, Lyon 5): 95 x 10/15 =
        # 63.333 -> 63.33, 95 x 5/15 = 31.667 -> 31.67; plug 5 and 3 at 20.00.
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            self.by_warehouse(end, self.lamp), {paris: (10, 115.00), lyon: (6, 69.00)}
        )
        self.assertEqual(
            self.by_warehouse(end, self.bulb), {paris: (10, 63.33), lyon: (5, 31.67)}
        )
        self.assertEqual(
            self.by_warehouse(end, self.plug), {paris: (5, 100.00), lyon: (3, 60.00)}
        )
        for snapshot, total in ((mid, 510.00), (moved, 510.00), (end, 439.00)):
            self.assertAlmostEqual(snapshot.valuation_total, total, places=2)
            self.assertAlmostEqual(
                snapshot.valuation_total, self.odoo_value(snapshot), places=2
            )
            self.assertFalse(snapshot.difference_ids)
        line = end.line_ids.filtered(
            lambda x: x.product_id == self.lamp and x.warehouse_id == self.paris
        )
        self.assertRecordValues(
            line,
            [
                {
                    "costing_method": "average",
                    "unit_cost": 11.50,
                    "location_kind": "warehouse",
                    "location_id": self.paris.lot_stock_id.id,
                }
            ],
        )

    def test_transit_and_locations_outside_warehouses(self):
        transit = self.env["stock.location"].create(
            {
                "name": "Camion Paris-Lyon",
                "usage": "transit",
                "company_id": self.company.id,
            }
        )
        shop = self.env["stock.location"].create(
            {"name": "Dépôt-vente", "usage": "internal", "company_id": self.company.id}
        )
        self.move(self.lamp, 2, self.paris.lot_stock_id, transit, "2026-09-27")
        self.move(self.bulb, 1, self.paris.lot_stock_id, shop, "2026-09-27")
        end = self.snapshot(date(2026, 9, 30))
        rows = {
            (line.product_id.name, line.location_kind, line.warehouse_id.code or ""): (
                line.quantity,
                line.value,
            )
            for line in end.line_ids.filtered(lambda x: x.product_id != self.plug)
        }
        # Lamp 16 x 11.50: Paris 8 -> 92.00, on the road 2 -> 23.00, Lyon 69.00.
        # Bulb 95.00 for 15: Paris 9 -> 57.00, the shop 1 -> 6.333, Lyon 5 ->
        # 31.667: floors 57.00 + 6.33 + 31.66 = 94.99, the cent left to the largest
        # remainder (Lyon): 57.00, 6.33, 31.67.
        self.assertEqual(
            rows,
            {
                ("Lamp", "warehouse", self.paris.code): (8, 92.00),
                ("Lamp", "transit", ""): (2, 23.00),
                ("Lamp", "warehouse", "LYO"): (6, 69.00),
                ("Bulb", "warehouse", self.paris.code): (9, 57.00),
                ("Bulb", "other", ""): (1, 6.33),
                ("Bulb", "warehouse", "LYO"): (5, 31.67),
            },
        )
        self.assertAlmostEqual(end.valuation_total, self.odoo_value(end), places=2)

    def test_gl_check(self):
        end = self.snapshot(date(2026, 9, 30))
        self.assertAlmostEqual(end.gl_balance, 439.00, places=2)
        self.assertAlmostEqual(end.difference, 0.00, places=2)
        # A manual entry on the stock account in the period, one after it.
        for day, amount in (("2026-09-20", 50.00), ("2026-10-05", 30.00)):
            entry = self.env["account.move"].create(
                {
                    "move_type": "entry",
                    "date": day,
                    "line_ids": [
                        Command.create(
                            {"account_id": self.stock_account.id, "debit": amount}
                        ),
                        Command.create(
                            {
                                "account_id": self.company_data[
                                    "default_account_expense"
                                ].id,
                                "credit": amount,
                            }
                        ),
                    ],
                }
            )
            entry.action_post()
        again = self.snapshot(date(2026, 9, 29))
        self.assertAlmostEqual(again.gl_balance, 489.00, places=2)
        self.assertAlmostEqual(again.difference, 50.00, places=2)
        causes = again.gl_ids.filtered(lambda g: g.kind not in ("valuation", "gl"))
        self.assertEqual(len(causes), 1)
        self.assertRecordValues(causes, [{"kind": "manual_entry", "amount": 50.00}])
        self.assertEqual(causes.move_id.date, date(2026, 9, 20))
        self.assertEqual(causes.action_open()["res_id"], causes.move_id.id)
        check = again.check_ids.filtered(lambda c: c.code == "gl_difference")
        self.assertEqual(check.status, "warning")

    def test_slow_movers_abc_cover_dio(self):
        end = self.snapshot(date(2026, 9, 30))
        mover = end.mover_ids.filtered(
            lambda m: m.product_id == self.lamp and m.warehouse_id == self.paris
        )
        # Paris lamp: 10 on hand worth 115.00; last in on the 25th (the return),
        # last delivery the 20th; idle from 25th 10:00 to the cut-off Oct 1st
        # 00:00 UTC: 5 days. Delivered 5 - returned 1 = 4 over the year, worth
        # 46.00; cover 10 / (4 / 365) = 912.5 days; overstock above 90 days:
        # 10 - 90 x 4 / 365 = 9.0137 units, 103.66.
        self.assertRecordValues(
            mover,
            [
                {
                    "quantity": 10,
                    "value": 115.00,
                    "days_idle": 5,
                    "ageing": "0-30",
                    "consumed_qty": 4,
                    "consumed_value": 46.00,
                    "cover_days": 912.5,
                    "abc_class": "A",
                    "overstock_value": 103.66,
                }
            ],
        )
        self.assertEqual(
            fields.Datetime.to_string(mover.last_delivery), "2026-09-20 10:00:00"
        )
        # Lyon's bulb: 5 delivered, worth 5 x 6.3333 = 31.67: class A in Lyon,
        # the plug (no consumption) class C.
        lyon = end.mover_ids.filtered(lambda m: m.warehouse_id == self.lyon)
        self.assertEqual(
            {m.product_id.name: m.abc_class for m in lyon},
            {"Lamp": "C", "Bulb": "A", "Plug": "C"},
        )
        dio = end.dio_ids.filtered(
            lambda d: d.warehouse_id == self.paris and d.categ_id == self.cat_avco
        )
        self.assertRecordValues(dio, [{"value": 115.00, "cogs": 46.00, "dio": 912.5}])

    def test_snapshot_cron_validation_and_reset(self):
        # The company's today, as the cron takes it (not the test user's).
        snapshots = self.env["stock.valuation.snapshot"]
        today = (
            pytz.utc.localize(fields.Datetime.now())
            .astimezone(snapshots._company_tz(self.company))
            .date()
        )
        # As the cron runs: as superuser, for every company.
        self.env["stock.valuation.snapshot"].sudo()._cron_month_end()
        previous = today.replace(day=1) - fields.date_utils.relativedelta(days=1)
        snapshot = self.env["stock.valuation.snapshot"].search(
            [("company_id", "=", self.company.id), ("date", "=", previous)]
        )
        self.assertEqual(snapshot.state, "computed")
        self.assertAlmostEqual(snapshot.valuation_total, 439.00, places=2)
        snapshot.action_validate()
        with self.assertRaises(UserError):
            snapshot.write({"date": date(2026, 9, 30)})
        with self.assertRaises(UserError):
            snapshot.sudo().write({"abc_a": 0.5})
        with self.assertRaises(UserError):
            snapshot.action_compute()
        with self.assertRaises(UserError):
            snapshot.sudo().unlink()
        with self.assertRaises(AccessError):
            snapshot.line_ids[:1].sudo().write({"value": 0})
        with self.assertRaises(AccessError):
            snapshot.line_ids[:1].sudo().unlink()
        clerk = new_test_user(
            self.env,
            login="snap_clerk",
            groups="marketplace_cash.group_cash_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with self.assertRaises(AccessError):
            snapshot.with_user(clerk).action_reset("typo")
        with self.assertRaises(UserError):
            snapshot.action_reset("")
        snapshot.action_reset("Late supplier invoice revalued")
        self.assertEqual(snapshot.state, "computed")
        self.assertIn("Late supplier invoice revalued", snapshot.message_ids[0].body)
        snapshot.action_compute()

    def test_checklist(self):
        self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2026-09-28",
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                            "credit": 10,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_expense"
                            ].id,
                            "debit": 10,
                        }
                    ),
                ],
            }
        )
        self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "date": "2026-09-29",
                "payment_ref": "Unknown transfer",
                "amount": 120.00,
            }
        )
        end = self.snapshot(date(2026, 9, 30))
        self.assertEqual(
            {check.code: (check.status, check.count) for check in end.check_ids},
            {
                "draft_entries": ("todo", 1),
                "bank_lines": ("todo", 1),
                "payouts_unposted": ("na", 0),
                "payouts_unreconciled": ("na", 0),
                "negative_stock": ("ok", 0),
                "not_invoiced": ("ok", 0),
                "not_billed": ("ok", 0),
                "gl_difference": ("ok", 0),
                "valuation_differences": ("ok", 0),
            },
        )
        action = end.check_ids.filtered(lambda c: c.code == "bank_lines").action_open()
        self.assertEqual(action["res_model"], "account.bank.statement.line")
