"""Benchmark of the month-end stock valuation snapshot (issue: stock valuation close).

Generates, mostly in SQL, the stock of the main company: 10 warehouses (W01..W10), 20
categories (9 AVCO, 9 FIFO, 2 standard price, periodic valuation), N storable products
(SQL copies of one ORM-created product per category) and 18 months of done moves per
product and warehouse: a receipt from the vendors, a transfer of 1-5 units to the
next warehouse for one cell in three, a delivery to a customer (the cell emptied for
one in twenty), a second receipt for 70 % of the cells at a 5 % higher cost and a
second delivery for 40 % (a third of them after the cut-off). One stock move and
one move line per movement (copies of one ORM-done move), one valuation layer per
receipt and delivery (quantity x unit cost, dated as the move). Then times:

1. ``stock.valuation.snapshot.action_compute()`` of the snapshot at the last day of
   the previous month, ``--runs`` times on the same snapshot (each run deletes and
   rewrites its rows), with the time of each step;
2. the reference: one SQL aggregation of the same move lines, the quantity per
   (product, location) at the cut-off (the query of the first version's ``_cells``:
   the quantities alone, as a report would ask them), executed alone
   (fetched, and counted in the server only), ``--runs`` times;
3. the ratio snapshot / reference, and the snapshot's total against the layers'.

Usage (the Odoo Python; a throwaway database, created for the bench):

    /opt/odoo18/venv/bin/python /opt/odoo18/src/odoo-bin -d mkc_snapbench \
        -i marketplace_cash --stop-after-init --addons-path ... --db_host 127.0.0.1 \
        --db_user odoo --db_password odoo
    /opt/odoo18/venv/bin/python bench/bench_snapshot.py --products 100000 \
        -d mkc_snapbench --addons-path ... --db_host 127.0.0.1 --db_user odoo \
        --db_password odoo

The generated data and the computed snapshot are committed: never run it on a
database you care about. A second run refuses to generate again; ``--reuse`` skips
the generation and times the data already there. Numbers go to bench/README.md by
hand.
"""

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the Odoo set-up)
from bench_sql import columns, load, reserve_ids, rss_mb, timed_sql, vacuum_analyze  # noqa: E402

MARKER = "bench_snapshot.products"
WAREHOUSES = 10
CATEGORIES = 20
STANDARD = (18, 19)  # the indexes of the standard price categories
DAYS = 540  # 18 months of moves, up to yesterday
# The steps of the computation, timed; nested calls are shown under their caller.
STEPS = (
    "_delete_rows",
    "_category_info",
    "_aggregate_moves",
    "_aggregate_layers",
    "_aggregate_delivered",
    "_write_lines",
    "_write_differences",
    "_write_movers",
    "_write_dio",
    "_layer_value_by_category",
    "_compute_gl",
    "_gl_causes",
    "_compute_checklist",
)
# The quantity per (product, location) at the cut-off (the first version's query).
REFERENCE = """
    SELECT v.product_id, v.location_id, sum(v.qty)
      FROM stock_move_line ml
      JOIN product_product pp ON pp.id = ml.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      CROSS JOIN LATERAL (VALUES
          (ml.product_id, ml.location_dest_id, ml.quantity_product_uom),
          (ml.product_id, ml.location_id, -ml.quantity_product_uom)
      ) AS v(product_id, location_id, qty)
     WHERE ml.state = 'done' AND ml.company_id = %s AND ml.date < %s
       AND pt.is_storable
       AND (ml.owner_id IS NULL OR ml.owner_id = %s)
       AND v.location_id = ANY(%s)
     GROUP BY v.product_id, v.location_id
    HAVING sum(v.qty) <> 0
"""


def copy_insert(cr, table, template, source, values):
    """``INSERT INTO table ... SELECT`` one row per row of ``source`` (SQL, aliases
    of its own), ``values`` (column -> SQL expression) for the columns named, the
    template row ``t`` (an ORM-created record: ``template`` is its id, or an SQL
    expression over ``source``) for every other column but ``id``."""
    names = columns(cr, table)
    unknown = set(values) - set(names)
    assert not unknown, f"{table} has no column {unknown}"
    names = [name for name in names if name != "id" or "id" in values]
    exprs = [values.get(name, f't."{name}"') for name in names]
    quoted = ", ".join(f'"{name}"' for name in names)
    return (
        f"INSERT INTO {table} ({quoted}) "
        f"SELECT {', '.join(exprs)} FROM {source} "
        f"JOIN {table} t ON t.id = {template}"
    )


# ---- data


def orm_records(env, company):
    """Warehouses, categories, one product per category and one done receipt: the
    records the SQL copies."""
    warehouses = env["stock.warehouse"].create(
        [
            {
                "name": f"Bench W{i:02d}",
                "code": f"W{i:02d}",
                "company_id": company.id,
            }
            for i in range(1, WAREHOUSES + 1)
        ]
    )
    categories = (
        env["product.category"]
        .with_company(company)
        .create(
            [
                {
                    "name": f"Bench snapshot {i:02d}",
                    "property_valuation": "manual_periodic",
                    "property_cost_method": "standard"
                    if i in STANDARD
                    else ("average" if i % 2 == 0 else "fifo"),
                }
                for i in range(CATEGORIES)
            ]
        )
    )
    seeds = (
        env["product.product"]
        .with_company(company)
        .create(
            [
                {
                    "name": f"Bench snapshot seed {i:02d}",
                    "default_code": f"SNAP-SEED-{i:02d}",
                    "is_storable": True,
                    "categ_id": category.id,
                    "standard_price": 10.0,
                }
                for i, category in enumerate(categories)
            ]
        )
    )
    move = env["stock.move"].create(
        {
            "name": "Bench snapshot template",
            "product_id": seeds[0].id,
            "product_uom_qty": 1,
            "product_uom": seeds[0].uom_id.id,
            "location_id": env.ref("stock.stock_location_suppliers").id,
            "location_dest_id": warehouses[0].lot_stock_id.id,
            "company_id": company.id,
            "price_unit": 10.0,
        }
    )
    move._action_confirm()
    move._action_assign()
    move.move_line_ids.quantity = 1
    move.picked = True
    move._action_done()
    env.flush_all()
    assert move.state == "done" and len(move.move_line_ids) == 1, move.state
    assert len(move.stock_valuation_layer_ids) == 1, "no valuation layer"
    return warehouses, categories, seeds, move


def generate(env, company, products):
    from odoo import fields

    cr = env.cr
    warehouses, categories, seeds, move = orm_records(env, company)
    print(
        f"  ORM: {len(warehouses)} warehouses, {len(categories)} categories, "
        f"{len(seeds)} seed products, 1 done receipt",
        flush=True,
    )
    params = {
        "products": products,
        "warehouses": WAREHOUSES,
        "company": company.id,
        "supplier": env.ref("stock.stock_location_suppliers").id,
        "customer": env.ref("stock.stock_location_customers").id,
        "start": fields.Datetime.now().replace(hour=0, minute=0, second=0)
        - timedelta(days=DAYS + 1),
        "pt0": reserve_ids(cr, "product_template", products),
        "pp0": reserve_ids(cr, "product_product", products),
    }
    cr.execute(
        "CREATE TEMP TABLE bench_seed (i int, categ_id int, tmpl_id int, "
        "product_id int, standard bool)"
    )
    cr.execute(
        "INSERT INTO bench_seed SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], "
        "%s::int[], %s::bool[])",
        [
            list(range(CATEGORIES)),
            [seed.categ_id.id for seed in seeds],
            [seed.product_tmpl_id.id for seed in seeds],
            seeds.ids,
            [i in STANDARD for i in range(CATEGORIES)],
        ],
    )
    cr.execute("CREATE TEMP TABLE bench_wh (w int, loc int)")
    cr.execute(
        "INSERT INTO bench_wh SELECT * FROM unnest(%s::int[], %s::int[])",
        [list(range(WAREHOUSES)), [w.lot_stock_id.id for w in warehouses]],
    )
    # Unit costs 1.00 to 50.90; the second receipt 5 % dearer (standard: the same).
    timed_sql(
        cr,
        "bench products",
        """
        CREATE TEMP TABLE bench_product AS
        SELECT n, %(pt0)s + n AS tmpl_id, %(pp0)s + n AS product_id, s.categ_id,
               s.tmpl_id AS seed_tmpl_id, s.product_id AS seed_product_id,
               c.cost1,
               CASE WHEN s.standard THEN c.cost1 ELSE round(c.cost1 * 1.05, 2)
               END AS cost2
          FROM generate_series(0, %(products)s - 1) n
          JOIN bench_seed s ON s.i = n %% 20
          CROSS JOIN LATERAL (
              SELECT round(1 + mod(n * 37, 500) / 10.0, 2) AS cost1
          ) c
        """,
        params,
    )
    timed_sql(
        cr,
        "product_template",
        copy_insert(
            cr,
            "product_template",
            "p.seed_tmpl_id",
            "bench_product p",
            {
                "id": "p.tmpl_id",
                "name": "jsonb_build_object('en_US', 'Bench snapshot ' || p.n)",
                "default_code": "'SNAP-' || p.n",
            },
        ),
        params,
    )
    timed_sql(
        cr,
        "product_product",
        copy_insert(
            cr,
            "product_product",
            "p.seed_product_id",
            "bench_product p",
            {
                "id": "p.product_id",
                "product_tmpl_id": "p.tmpl_id",
                "default_code": "'SNAP-' || p.n",
                "standard_price": "jsonb_build_object(%(company)s::text, p.cost2)",
            },
        ),
        params,
    )
    # One row per movement, k numbering the (product, warehouse) cells; ids in date
    # order, as Odoo writes them.
    timed_sql(
        cr,
        "movements",
        """
        CREATE TEMP TABLE bench_spec AS
        WITH cell AS (
            SELECT p.product_id, p.categ_id, p.cost1, p.cost2, w.loc,
                   nw.loc AS next_loc, p.n::bigint * %(warehouses)s + w.w AS k
              FROM bench_product p
             CROSS JOIN bench_wh w
              JOIN bench_wh nw ON nw.w = mod(w.w + 1, %(warehouses)s)
        ), spec AS (
            SELECT k, 'R1' AS kind, product_id, categ_id, %(supplier)s AS src,
                   loc AS dst, 20 + mod(k, 31) AS qty, cost1 AS cost,
                   mod(k * 13, 180) AS day FROM cell
            UNION ALL
            SELECT k, 'T', product_id, categ_id, loc, next_loc, 1 + mod(k, 5),
                   cost1, 180 + mod(k * 17, 60) FROM cell WHERE mod(k, 3) = 0
            UNION ALL
            SELECT k, 'D1', product_id, categ_id, loc, %(customer)s,
                   CASE WHEN mod(k, 20) <> 7 THEN 5 + mod(k, 11)
                        WHEN mod(k, 3) = 0 THEN 19 + mod(k, 31) - mod(k, 5)
                        ELSE 20 + mod(k, 31) END,
                   cost1, 240 + mod(k * 19, 120) FROM cell
            UNION ALL
            SELECT k, 'R2', product_id, categ_id, %(supplier)s, loc,
                   10 + mod(k, 17), cost2, 365 + mod(k * 23, 115)
              FROM cell WHERE mod(k, 10) < 7
            UNION ALL
            SELECT k, 'D2', product_id, categ_id, loc, %(customer)s, 1 + mod(k, 9),
                   cost2, 480 + mod(k * 29, 60) FROM cell WHERE mod(k, 10) < 4
        )
        SELECT row_number() OVER (ORDER BY date) AS seq, spec.*, date
          FROM spec
         CROSS JOIN LATERAL (
             SELECT %(start)s::timestamp + make_interval(
                 days => spec.day::int, secs => mod(spec.k * 7919, 86400)::int
             ) AS date
         ) d
        """,
        params,
    )
    cr.execute("SELECT count(*) FROM bench_spec")
    params["moves"] = cr.fetchone()[0]
    params["sm0"] = reserve_ids(cr, "stock_move", params["moves"])
    timed_sql(
        cr,
        "stock_move",
        copy_insert(
            cr,
            "stock_move",
            move.id,
            "bench_spec s",
            {
                "id": "%(sm0)s + s.seq - 1",
                "name": "'Bench ' || s.kind",
                "reference": "'Bench ' || s.kind",
                "product_id": "s.product_id",
                "location_id": "s.src",
                "location_dest_id": "s.dst",
                "location_final_id": "NULL",
                "product_uom_qty": "s.qty",
                "product_qty": "s.qty",
                "quantity": "s.qty",
                "price_unit": "s.cost",
                "date": "s.date",
                "create_date": "s.date",
                "write_date": "s.date",
            },
        )
        + " ORDER BY s.seq",
        params,
    )
    line = move.move_line_ids
    timed_sql(
        cr,
        "stock_move_line",
        copy_insert(
            cr,
            "stock_move_line",
            line.id,
            "bench_spec s",
            {
                "move_id": "%(sm0)s + s.seq - 1",
                "reference": "'Bench ' || s.kind",
                "product_id": "s.product_id",
                "location_id": "s.src",
                "location_dest_id": "s.dst",
                "quantity": "s.qty",
                "quantity_product_uom": "s.qty",
                "date": "s.date",
                "create_date": "s.date",
                "write_date": "s.date",
            },
        )
        + " ORDER BY s.seq",
        params,
    )
    sign = "CASE WHEN s.kind LIKE 'R%%' THEN 1 ELSE -1 END"
    incoming = "CASE WHEN s.kind LIKE 'R%%' THEN {} ELSE 0 END"
    timed_sql(
        cr,
        "stock_valuation_layer",
        copy_insert(
            cr,
            "stock_valuation_layer",
            move.stock_valuation_layer_ids.id,
            "bench_spec s",
            {
                "product_id": "s.product_id",
                "categ_id": "s.categ_id",
                "stock_move_id": "%(sm0)s + s.seq - 1",
                "description": "'Bench ' || s.kind",
                "quantity": f"{sign} * s.qty",
                "unit_cost": "s.cost",
                "value": f"{sign} * s.qty * s.cost",
                "remaining_qty": incoming.format("s.qty"),
                "remaining_value": incoming.format("s.qty * s.cost"),
                "create_date": "s.date",
                "write_date": "s.date",
            },
        )
        + " WHERE s.kind <> 'T' ORDER BY s.seq",
        params,
    )
    cr.execute("DROP TABLE bench_spec, bench_product, bench_seed, bench_wh")
    env["ir.config_parameter"].set_param(MARKER, str(products))
    env.invalidate_all()


# The generated tables, vacuumed and analyzed after the generation.
VACUUM_TABLES = (
    "product_template",
    "product_product",
    "stock_move",
    "stock_move_line",
    "stock_valuation_layer",
)


def sizes(cr, company):
    counts = {}
    for label, query in (
        (
            "storable products",
            "SELECT count(*) FROM product_template WHERE is_storable",
        ),
        ("warehouses", "SELECT count(*) FROM stock_warehouse WHERE company_id = %s"),
        ("stock moves", "SELECT count(*) FROM stock_move WHERE company_id = %s"),
        (
            "done move lines",
            "SELECT count(*) FROM stock_move_line "
            "WHERE company_id = %s AND state = 'done'",
        ),
        (
            "  of which internal",
            "SELECT count(*) FROM stock_move_line ml "
            "JOIN stock_location s ON s.id = ml.location_id "
            "JOIN stock_location d ON d.id = ml.location_dest_id "
            "WHERE ml.company_id = %s AND s.usage = 'internal' "
            "AND d.usage = 'internal'",
        ),
        (
            "valuation layers",
            "SELECT count(*) FROM stock_valuation_layer WHERE company_id = %s",
        ),
    ):
        cr.execute(query, [company.id] if "%s" in query else [])
        counts[label] = cr.fetchone()[0]
    return counts


def table_sizes(cr):
    cr.execute(
        """
        SELECT relname, pg_size_pretty(pg_total_relation_size(oid))
          FROM pg_class
         WHERE relname IN ('stock_move', 'stock_move_line', 'stock_valuation_layer',
                           'stock_valuation_snapshot_line',
                           'stock_valuation_snapshot_mover')
         ORDER BY pg_total_relation_size(oid) DESC
        """
    )
    return cr.fetchall()


# ---- timings


class Steps:
    """Cumulated seconds per call path of the timed methods, in the order of their
    first call (nested calls under their caller)."""

    def __init__(self):
        self.seconds = {}
        self.calls = defaultdict(int)
        self.stack = []
        self.patched = []

    def wrap(self, owner, name, label=None):
        """Time every call of ``owner.name`` (a model class, a module or a cursor),
        if it has one."""
        method = getattr(owner, name, None)
        if method is None:
            return
        label = label or name

        def timed(*args, **kwargs):
            self.stack.append(label)
            path = tuple(self.stack)
            self.seconds.setdefault(path, 0.0)
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[path] += time.perf_counter() - started
                self.calls[path] += 1
                self.stack.pop()

        self.patched.append((owner, name, vars(owner).get(name)))
        setattr(owner, name, timed)

    def restore(self):
        for owner, name, original in reversed(self.patched):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self.patched.clear()

    def clear(self):
        self.seconds.clear()
        self.calls.clear()

    def top_level(self):
        return sum(s for path, s in self.seconds.items() if len(path) == 1)

    def report(self, prefix="  "):
        for path, seconds in self.seconds.items():
            calls = self.calls[path]
            times = f" x{calls}" if calls > 1 else ""
            indent = "  " * (len(path) - 1)
            print(f"{prefix}{seconds:7.2f} s  {indent}{path[-1]}{times}")


def instrument(env, steps):
    """Timers around the steps of the computation (each one SQL statement or
    two, but the GL check and the checklist)."""
    model = type(env["stock.valuation.snapshot"])
    for name in STEPS:
        steps.wrap(model, name)


def time_snapshot(env, snapshot, runs):
    steps = Steps()
    instrument(env, steps)
    times = []
    try:
        for run in range(1, runs + 1):
            steps.clear()
            started = time.perf_counter()
            snapshot.with_company(snapshot.company_id).action_compute()
            env.flush_all()
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            print(
                f"run {run}: action_compute {elapsed:.2f} s (load {load()}; "
                f"peak RSS {rss_mb():.0f} MB)",
                flush=True,
            )
            steps.report()
            other = elapsed - steps.top_level()
            print(f"  {other:7.2f} s  other (deletes of the previous rows, totals...)")
    finally:
        steps.restore()
    started = time.perf_counter()
    env.cr.commit()
    print(f"commit: {time.perf_counter() - started:.2f} s")
    return times


def time_reference(env, snapshot, runs):
    """The reference query, fetched; then aggregated in the server only."""
    cr = env.cr
    company = snapshot.company_id
    cr.execute(
        "SELECT id FROM stock_location WHERE company_id = %s "
        "AND usage IN ('internal', 'transit')",
        [company.id],
    )
    locations = [row[0] for row in cr.fetchall()]
    params = [company.id, snapshot._cutoff(), company.partner_id.id, locations]
    fetched, server = [], []
    for run in range(1, runs + 1):
        started = time.perf_counter()
        cr.execute(REFERENCE, params)
        rows = cr.fetchall()
        fetched.append(time.perf_counter() - started)
        total = sum(row[2] for row in rows)
        started = time.perf_counter()
        cr.execute(f"SELECT count(*), sum(q.sum) FROM ({REFERENCE}) q", params)
        count, server_total = cr.fetchone()
        server.append(time.perf_counter() - started)
        assert count == len(rows) and server_total == total, (count, len(rows))
        print(
            f"reference run {run}: {fetched[-1]:.2f} s fetched, {server[-1]:.2f} s in "
            f"the server only; {count:,} (product, location) rows, quantity "
            f"{total:,} (load {load()})",
            flush=True,
        )
    return fetched, server, len(rows)


def results(env, snapshot):
    cr = env.cr
    snapshot.invalidate_recordset()
    counts = {}
    for table in (
        "line",
        "mover",
        "dio",
        "difference",
        "gl",
        "check",
    ):
        cr.execute(
            f"SELECT count(*) FROM stock_valuation_snapshot_{table} "
            "WHERE snapshot_id = %s",
            [snapshot.id],
        )
        counts[table] = cr.fetchone()[0]
    cr.execute(
        "SELECT coalesce(sum(value), 0) FROM stock_valuation_layer "
        "WHERE company_id = %s AND create_date < %s",
        [snapshot.company_id.id, snapshot._cutoff()],
    )
    layers = cr.fetchone()[0]
    cr.execute(
        "SELECT coalesce(sum(value), 0), count(DISTINCT product_id) "
        "FROM stock_valuation_snapshot_line WHERE snapshot_id = %s",
        [snapshot.id],
    )
    lines_value, products = cr.fetchone()
    cr.execute(
        "SELECT coalesce(sum(value), 0) FROM stock_valuation_snapshot_difference "
        "WHERE snapshot_id = %s",
        [snapshot.id],
    )
    differences = cr.fetchone()[0]
    return counts, layers, lines_value, products, differences


def snapshot_of(env, company):
    """The draft (or computed) snapshot at the last day of the previous month."""
    from odoo import fields

    Snapshot = env["stock.valuation.snapshot"]
    date = fields.Date.context_today(Snapshot).replace(day=1) - timedelta(days=1)
    snapshot = Snapshot.search(
        [("company_id", "=", company.id), ("date", "=", date)], limit=1
    )
    if snapshot.state == "validated":
        sys.exit(f"{snapshot.name} is validated: it cannot be recomputed")
    if not snapshot:
        snapshot = Snapshot.create({"company_id": company.id, "date": date})
        env.cr.commit()
    return snapshot


def bench(args):
    odoo, registry = bench_import.odoo_env(args)
    summary = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True}
        )
        company = env.ref("base.main_company")
        done = env["ir.config_parameter"].get_param(MARKER)
        if done and not args.reuse:
            sys.exit(
                f"{args.database} already has the bench data ({done} products): run "
                "with --reuse to time it, or use a fresh database"
            )
        if done and int(done) != args.products:
            sys.exit(f"{args.database} has {done} bench products, not {args.products}")
        if not done:
            print(
                f"generating {args.products:,} products x {WAREHOUSES} warehouses "
                f"(load {load()})...",
                flush=True,
            )
            started = time.perf_counter()
            generate(env, company, args.products)
            cr.commit()
            inserted = time.perf_counter() - started
            vacuum_analyze(args.database, VACUUM_TABLES)
            generated = time.perf_counter() - started
            print(
                f"generation: {generated:.1f} s (inserts and commit {inserted:.1f} s, "
                f"VACUUM ANALYZE {generated - inserted:.1f} s)",
                flush=True,
            )
            summary.append(("data generation (committed)", f"{generated:.1f} s"))
        counts = sizes(cr, company)

        snapshot = snapshot_of(env, company)
        print(
            f"{snapshot.name} (company {company.name}, cut-off {snapshot._cutoff()} "
            f"UTC), {args.runs} runs (load before: {load()}):",
            flush=True,
        )
        times = time_snapshot(env, snapshot, args.runs)
        fetched, server, rows = time_reference(env, snapshot, args.runs)
        counts_out, layers, lines_value, products, differences = results(env, snapshot)
        cr.rollback()
        table = table_sizes(cr)

    median = statistics.median(times)
    reference = statistics.median(fetched)
    reference_server = statistics.median(server)
    verdict = "met" if median < 30 else "NOT met"
    summary.append(
        (
            "snapshot action_compute",
            f"runs {', '.join(f'{t:.2f}' for t in times)} s; median {median:.2f} s; "
            f"< 30 s: {verdict}",
        )
    )
    summary.append(
        (
            "reference (the quantity query alone)",
            f"fetched: runs {', '.join(f'{t:.2f}' for t in fetched)} s, median "
            f"{reference:.2f} s; in the server only: median {reference_server:.2f} s",
        )
    )
    ratio = median / reference
    summary.append(
        (
            "ratio snapshot / reference",
            f"{ratio:.1f}x (fetched; {median / reference_server:.1f}x against the "
            f"server only); <= 3x: {'met' if ratio <= 3 else 'NOT met'}",
        )
    )
    summary.append(
        (
            "snapshot rows",
            f"{counts_out['line']:,} lines ({products:,} products; reference "
            f"{rows:,} cells), {counts_out['mover']:,} movers, {counts_out['dio']:,} "
            f"DIO, {counts_out['difference']:,} differences, {counts_out['gl']:,} GL, "
            f"{counts_out['check']} checks",
        )
    )
    gap = lines_value + differences - layers
    summary.append(
        (
            "valuation total",
            f"{lines_value:,.2f} (lines) + {differences:,.2f} (differences); "
            f"layers up to the cut-off {layers:,.2f}: "
            + ("equal" if not gap else f"difference {gap:,.2f}"),
        )
    )
    summary.append(("peak RSS", f"{rss_mb():.0f} MB"))
    print()
    print(f"== summary ({args.database}, {os.cpu_count()} CPUs, load {load()})")
    width = max(len(label) for label, _value in summary)
    for label, value in summary:
        print(f"{label:<{width}}  {value}")
    print("data (main company):")
    for label, value in counts.items():
        print(f"  {label:<22} {value:>12,}")
    print("table sizes: " + ", ".join(f"{name} {size}" for name, size in table))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the data generated by an earlier run instead of refusing",
    )
    bench_import.add_odoo_arguments(parser)
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
