# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The snapshot's SQL against ``core.valuation``: the same random cells, layers and
movements through both, every line, difference and slow mover compared exactly."""

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..core import valuation as core

CUTOFF = datetime(2026, 10, 1)
QUANTITIES = ("1", "2", "3", "7", "0.5", "0.25", "1.5", "0.001", "-1", "-2.5", "10")


def exact(rows, *columns):
    """Rows with the numerics of ``columns`` (indexes) read as text (Odoo's cursor
    reads numerics as floats) back to Decimals."""
    return [
        tuple(
            Decimal(v) if i in columns and v is not None else v
            for i, v in enumerate(row)
        )
        for row in rows
    ]


@tagged("post_install", "-at_install")
class TestStockValuationSql(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        Warehouse = cls.env["stock.warehouse"]
        cls.warehouses = Warehouse.create(
            [
                {"name": "SQL Nord", "code": "SQLN", "company_id": cls.company.id},
                {"name": "SQL Sud", "code": "SQLS", "company_id": cls.company.id},
            ]
        )
        Location = cls.env["stock.location"]
        cls.locations = Location.browse()
        for warehouse in cls.warehouses:
            cls.locations |= warehouse.lot_stock_id
            cls.locations |= Location.create(
                [
                    {"name": f"Shelf {n}", "location_id": warehouse.lot_stock_id.id}
                    for n in (1, 2)
                ]
            )
        cls.locations |= Location.create(
            {
                "name": "SQL outside",
                "usage": "internal",
                "location_id": cls.env.ref("stock.stock_location_locations").id,
                "company_id": cls.company.id,
            }
        )
        category = cls.env["product.category"].create({"name": "SQL category"})
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"SQL product {n}",
                    "is_storable": True,
                    "categ_id": category.id,
                    "standard_price": 1.0,
                }
                for n in range(8)
            ]
        )
        cls.snapshot = cls.env["stock.valuation.snapshot"].create(
            {"company_id": cls.company.id, "date": date(2026, 9, 30)}
        )
        cls.categories = cls.snapshot._category_info()

    def fill_products(self, layers, fallback):
        """``mkc_svs_product``: one row per product, its layers' (quantity, value)
        from ``layers`` (0, 0 and not layered without)."""
        self.fill(
            "mkc_svs_product",
            "product_id int, categ_id int, layered bool, qty numeric, "
            "value numeric, fallback numeric, unbooked numeric",
            [
                (
                    p.id,
                    p.categ_id.id,
                    p.id in layers,
                    *layers.get(p.id, (Decimal(0), Decimal(0))),
                    fallback[p.id],
                    Decimal(0),
                )
                for p in self.products
            ],
        )

    def fill(self, table, columns, rows):
        """A temporary table as the snapshot's aggregates leave it."""
        cr = self.env.cr
        name = SQL.identifier(table)
        cr.execute(SQL("DROP TABLE IF EXISTS %s", name))
        cr.execute(SQL("CREATE TEMP TABLE %s (%s)", name, SQL(columns)))
        for row in rows:
            cr.execute(SQL("INSERT INTO %s VALUES %s", name, tuple(row)))

    def random_case(self, rng):
        """Cells, layers and fallback costs of every product."""
        cells, layers, fallback = [], {}, {}
        for product in self.products:
            chosen = rng.sample(list(self.locations), rng.randint(0, 5))
            quantities = [Decimal(rng.choice(QUANTITIES)) for _ in chosen]
            for location, quantity in zip(chosen, quantities, strict=True):
                cells.append((product.id, location.id, quantity))
            fallback[product.id] = Decimal(rng.choice(("0", "2.5", "3.33", "10")))
            kind = rng.choice(("match", "match", "mismatch", "empty", "none"))
            on_hand = sum(quantities, Decimal(0))
            value = Decimal(rng.randint(-500, 100000)) / 100
            if kind == "match" and on_hand:
                layers[product.id] = (on_hand, value)
            elif kind == "mismatch":
                layers[product.id] = (on_hand + Decimal(rng.choice(("1", "-2"))), value)
            elif kind == "empty":
                layers[product.id] = (Decimal(0), rng.choice((Decimal(0), value)))
        return cells, layers, fallback

    def run_sql(self, cells, layers, fallback):
        warehouse_of = {loc.id: loc.warehouse_id.id or None for loc in self.locations}
        self.fill(
            "mkc_svs_move",
            "product_id int, location_id int, valued bool, warehouse_id int, "
            "qty numeric, last_in timestamp, last_out timestamp, "
            "last_move timestamp, consumed numeric",
            [
                (p, loc, True, warehouse_of[loc], q, None, None, None, 0)
                for p, loc, q in cells
            ],
        )
        self.fill_products(layers, fallback)
        for product in self.products:
            product.standard_price = float(fallback[product.id])
        self.env.flush_all()
        self.snapshot._delete_rows()
        self.snapshot._write_lines(self.categories)
        self.snapshot._write_differences()

    def test_lines_and_differences_equal_the_core(self):
        rng = random.Random(20261123)
        for case in range(60):
            cells, layers, fallback = self.random_case(rng)
            self.run_sql(cells, layers, fallback)
            # The core, on the cells in location order (the SQL's tie order).
            valued, differences = core.value_cells(
                [core.Cell(p, loc, q) for p, loc, q in sorted(cells)],
                [
                    core.Layers(p, q, v, fallback[p] if not q else Decimal(0))
                    for p, (q, v) in layers.items()
                ]
                + [
                    core.Layers(p, Decimal(0), Decimal(0), fallback[p])
                    for p in {c[0] for c in cells} - set(layers)
                ],
            )
            cr = self.env.cr
            cr.execute(
                "SELECT product_id, location_id, quantity::text, unit_cost::text, "
                "value::text "
                "FROM stock_valuation_snapshot_line WHERE snapshot_id = %s",
                [self.snapshot.id],
            )
            self.assertEqual(
                sorted(exact(cr.fetchall(), 2, 3, 4)),
                sorted(
                    (v.product_id, v.location_id, v.quantity, v.unit_cost, v.value)
                    for v in valued
                ),
                f"case {case}",
            )
            cr.execute(
                "SELECT product_id, reason, quantity::text, value::text "
                "FROM stock_valuation_snapshot_difference WHERE snapshot_id = %s",
                [self.snapshot.id],
            )
            self.assertEqual(
                sorted(exact(cr.fetchall(), 2, 3)),
                sorted(
                    (d.product_id, d.reason, d.quantity, d.value) for d in differences
                ),
                f"case {case}",
            )

    def test_slow_movers_equal_the_core(self):
        rng = random.Random(7)
        snapshot = self.snapshot
        snapshot.write({"abc_a": 0.5, "abc_b": 0.9, "target_cover_days": 60})
        for case in range(20):
            cells, movements, delivered = [], [], []
            for product in self.products:
                for warehouse in self.warehouses:
                    if rng.random() < 0.8:
                        cells.append(
                            (
                                product.id,
                                warehouse.lot_stock_id.id,
                                Decimal(rng.randint(1, 9)),
                            )
                        )
                    last = (
                        CUTOFF - timedelta(days=rng.randint(0, 800), hours=5)
                        if rng.random() < 0.9
                        else None
                    )
                    consumed = Decimal(rng.choice((0, 0, 3, 12, "0.5", -2)))
                    movements.append(
                        (
                            product.id,
                            warehouse.lot_stock_id.id,
                            warehouse.id,
                            last,
                            consumed,
                        )
                    )
                    # Equal costs on purpose: ties are broken by product id.
                    cost = Decimal(rng.choice((0, 10, 10, 25, "33.335", -5)))
                    delivered.append((warehouse.id, product.id, cost))
            layers = {
                p.id: (
                    sum((c[2] for c in cells if c[0] == p.id), Decimal(0)),
                    Decimal(rng.randint(0, 50000)) / 100,
                )
                for p in self.products
            }
            self.fill(
                "mkc_svs_move",
                "product_id int, location_id int, valued bool, warehouse_id int, "
                "qty numeric, last_in timestamp, last_out timestamp, "
                "last_move timestamp, consumed numeric",
                [(p, loc, True, None, q, None, None, None, 0) for p, loc, q in cells]
                + [
                    (p, loc, False, w, 0, None, None, last, consumed)
                    for p, loc, w, last, consumed in movements
                ],
            )
            self.fill_products(layers, dict.fromkeys(self.products.ids, Decimal(1)))
            self.fill(
                "mkc_svs_delivered",
                "warehouse_id int, product_id int, cost numeric",
                delivered,
            )
            snapshot._delete_rows()
            snapshot._write_lines(self.categories)
            snapshot._write_movers(CUTOFF)
            self.env.cr.execute(
                "SELECT warehouse_id, product_id, quantity::text, value::text,"
                " days_idle, ageing, consumed_qty::text, consumed_value::text,"
                " cover_days::text, overstock_qty::text, overstock_value::text,"
                " abc_class FROM stock_valuation_snapshot_mover"
                " WHERE snapshot_id = %s",
                [snapshot.id],
            )
            rows = {
                (r[0], r[1]): r[2:]
                for r in exact(self.env.cr.fetchall(), 2, 3, 6, 7, 8, 9, 10)
            }
            self.env.cr.execute(
                "SELECT warehouse_id, product_id, sum(value)::text FROM "
                "stock_valuation_snapshot_line WHERE snapshot_id = %s GROUP BY 1, 2",
                [snapshot.id],
            )
            values = {(r[0], r[1]): r[2] for r in exact(self.env.cr.fetchall(), 2)}
            expected, consumption = {}, {}
            cent = Decimal("0.01")
            on_hand = {(loc, p): q for p, loc, q in cells}
            for p, loc, w, last, consumed in movements:
                qty = on_hand.get((loc, p), Decimal(0))
                if not qty and not consumed:
                    continue
                cost = next(d[2] for d in delivered if d[:2] == (w, p))
                cost = cost.quantize(cent, ROUND_HALF_UP)
                consumption.setdefault(w, {})[p] = max(cost, Decimal(0))
                days = (CUTOFF - last).days if last else None
                lq, lv = layers[p]
                unit_cost = Fraction(lv) / Fraction(lq) if lq else Fraction(1)
                over = core.overstock(qty, consumed, 365, Decimal(60))
                # Its value from the exact overstock and unit cost, rounded once.
                exact_over = (
                    max(Fraction(0), Fraction(qty) - Fraction(consumed) * 60 / 365)
                    if consumed > 0
                    else max(Fraction(0), Fraction(qty))
                )
                cents = exact_over * unit_cost * 100
                rounded = (cents.numerator * 2 + cents.denominator) // (
                    2 * cents.denominator
                )
                expected[(w, p)] = [
                    qty,
                    values.get((w, p), Decimal(0)),
                    days,
                    core.ageing_bucket(days),
                    consumed,
                    cost,
                    core.cover_days(qty, consumed, 365),
                    over,
                    Decimal(rounded) / 100,
                ]
            for w, by_product in consumption.items():
                classes = core.abc_classes(by_product, Decimal("0.5"), Decimal("0.9"))
                for p, abc in classes.items():
                    expected[(w, p)].append(abc)
            self.assertEqual(set(rows), set(expected), f"case {case}")
            for key, row in rows.items():
                want = expected[key]
                got = list(row)
                # cover and overstock are Float columns: compare as numbers.
                self.assertEqual(got[:6], want[:6], f"case {case} {key}")
                self.assertEqual(
                    got[6] is None, want[6] is None, f"case {case} {key} cover"
                )
                if want[6] is not None:
                    self.assertEqual(got[6], want[6], f"case {case} {key}")
                self.assertAlmostEqual(got[7], want[7], places=12)
                self.assertEqual(got[8:], want[8:], f"case {case} {key}")
