"""Benchmark of the realized net-net margin report (issue: realized margin).

Generates a year of settled marketplace sales in SQL: 3 Amazon channels, N sale order
lines (2-3 per order, 2,000 products in 20 categories, customers in 8 countries), one
payout per channel every 2 days with its transactions (per line a sale and a
commission, 10 % promotions, 5 % refunds in the next payout; per order a fulfilment
fee; per payout advertising and a reserve hold), a delivered stock move and valuation
layer per line, 3 % of the lines returned to stock. One transaction: the small records
by the ORM (a template order, confirmed and delivered, gives every column not
generated), the rest by ``INSERT ... SELECT`` over ``generate_series``, with the
foreign keys of the loaded tables (and the secondary indexes of
``marketplace_transaction``) dropped and re-created before the commit: about 80 s
for 1,000,000 lines on the 2-core machine. Then times:

1. the full refresh (``margin.realized.part._refresh`` and the commit), with the time
   of each step and of each kind of SQL statement;
2. a refresh with nothing changed (the hourly cron's floor), then an incremental
   refresh after one late transaction on one payout;
3. the report as the web client reads it, each query ``--runs`` times (min, median):
   ``read_group`` of the pivot (the default view, and by product, by country on one
   channel, by category over a quarter) and the stars-and-traps list.

Usage (the Odoo Python; a throwaway database, created for the bench):

    /opt/odoo18/venv/bin/python /opt/odoo18/src/odoo-bin -d mkc_bench \
        -i margin_alerts --stop-after-init --addons-path ... --db_host 127.0.0.1 \
        --db_user odoo --db_password odoo
    /opt/odoo18/venv/bin/python bench/bench_realized.py --lines 1000000 -d mkc_bench \
        --addons-path ... --db_host 127.0.0.1 --db_user odoo --db_password odoo

The generated data is committed: never run it on a database you care about. A second
run refuses to generate again; ``--reuse`` skips the generation and times everything
on the data already there (the derived tables are emptied first, so that the full
refresh is full again). Numbers go to bench/README.md by hand.
"""

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the Odoo set-up)
from bench_sql import columns, reserve_ids, rss_mb, timed_sql, vacuum_analyze  # noqa: E402

CHANNEL_PREFIX = "Bench realized"
CHANNELS = 3
PRODUCTS = 2000
CATEGORIES = 20
COUNTRIES = ("fr", "de", "it", "es", "be", "nl", "at", "pl")
PARTNERS_PER_COUNTRY = 5
START = datetime(2025, 1, 1)
DAYS = 365
PAYOUT_DAYS = 2
PAYOUTS_PER_CHANNEL = -(-DAYS // PAYOUT_DAYS)
MEASURES = ["revenue:sum", "gross_margin:sum", "net_margin:sum"]
SKU_FIELDS = [
    "product_id",
    "categ_id",
    "channel_id",
    "first_month",
    "last_month",
    "currency_id",
    "qty_sold",
    "revenue",
    "gross_margin",
    "net_margin",
    "net_margin_rate",
    "verdict",
]
LOADED = [
    "sale_order",
    "sale_order_line",
    "stock_move",
    "stock_valuation_layer",
    "marketplace_transaction",
]
PG_SETTINGS = (
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "max_wal_size",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
)


class Timer:
    """Cumulated seconds and calls per label."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)

    def add(self, label, seconds):
        self.seconds[label] += seconds
        self.calls[label] += 1

    def wrap(self, owner, name, label=None):
        """Time every call of ``owner.name`` (a model class or a module)."""
        method = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.add(label or name, time.perf_counter() - started)

        setattr(owner, name, timed)

    def watch_cursor(self, cr):
        """Time the statements of ``cr``, per normalized start of statement."""
        execute = cr.execute

        def timed(query, params=None, log_exceptions=True):
            started = time.perf_counter()
            try:
                return execute(query, params, log_exceptions)
            finally:
                code = " ".join(str(getattr(query, "code", query)).split())
                self.add(f"SQL {code[:72]}", time.perf_counter() - started)

        cr.execute = timed
        return lambda: cr.__dict__.pop("execute", None)

    def report(self, prefix="", top=None):
        items = sorted(self.seconds.items(), key=lambda item: -item[1])[:top]
        for label, seconds in items:
            print(f"{prefix}{seconds:8.2f} s {self.calls[label]:6d} x  {label}")


def vm_peak_mb():
    """Peak virtual size: what Odoo's ``limit_memory_hard`` (RLIMIT_AS, 2,560 MB by
    default) caps in a worker."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) / 1024
    return 0.0


def machine_load(cr):
    """Load average and the other sessions busy on the PostgreSQL cluster (the
    machine may be shared: numbers taken under load say so)."""
    cr.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        " AND state <> 'idle' AND pid <> pg_backend_pid()"
    )
    busy = cr.fetchone()[0]
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"load average {load}; {busy} other busy PostgreSQL sessions"


def copy_insert(cr, table, template_id, source, values):
    """``INSERT INTO table ... SELECT`` one row per row of ``source`` (SQL, aliases
    of its own), ``values`` (column -> SQL expression) for the columns named, the
    template row ``t`` (an ORM-created record) for every other column but ``id``."""
    names = columns(cr, table)
    unknown = set(values) - set(names)
    assert not unknown, f"{table} has no column {unknown}"
    names = [name for name in names if name != "id" or "id" in values]
    exprs = [values.get(name, f't."{name}"') for name in names]
    quoted = ", ".join(f'"{name}"' for name in names)
    return (
        f"INSERT INTO {table} ({quoted}) "
        f"SELECT {', '.join(exprs)} FROM {source} "
        f"CROSS JOIN (SELECT * FROM {table} WHERE id = {int(template_id)}) t"
    )


def drop_for_load(cr, tables, index_tables):
    """Drop the foreign keys of ``tables`` and the secondary indexes of
    ``index_tables`` (PostgreSQL's bulk-loading advice: one validation and one index
    build at the end are much cheaper than a check and an index entry per row);
    return their definitions for :func:`restore_after_load`. Primary keys and
    unique constraints stay.

    Only tables the ORM did not update in this transaction may lose their indexes:
    an index built over the broken HOT chains of an update gets ``indcheckxmin``,
    and no transaction older than the build may use it; while any other session of
    the cluster runs a long transaction, the refresh would then scan whole tables
    (seen: 10x slower order steps)."""
    cr.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
          FROM pg_constraint
         WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
         ORDER BY 1, 2
        """,
        [tables],
    )
    foreign_keys = cr.fetchall()
    cr.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
         WHERE i.indrelid = ANY(%s::regclass[])
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                            WHERE c.conindid = i.indexrelid
                              AND c.conrelid = i.indrelid)
         ORDER BY 1
        """,
        [index_tables],
    )
    indexes = cr.fetchall()
    for table, name, _definition in foreign_keys:
        cr.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cr.execute(f"DROP INDEX {name}")
    return foreign_keys, indexes


def restore_after_load(cr, dropped, log):
    foreign_keys, indexes = dropped
    cr.execute("SET LOCAL maintenance_work_mem = '512MB'")
    started = time.perf_counter()
    for _name, definition in indexes:
        cr.execute(definition)
    elapsed = time.perf_counter() - started
    log.append((f"re-create {len(indexes)} indexes", None, elapsed))
    print(f"  re-create {len(indexes)} indexes: {elapsed:.1f} s", flush=True)
    started = time.perf_counter()
    for table, name, definition in foreign_keys:
        cr.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    elapsed = time.perf_counter() - started
    log.append((f"re-add {len(foreign_keys)} foreign keys", None, elapsed))
    print(f"  re-add {len(foreign_keys)} foreign keys: {elapsed:.1f} s", flush=True)
    cr.execute(
        """
        SELECT indexrelid::regclass::text FROM pg_index
         WHERE indcheckxmin AND xmin::text = mod(txid_current(), 4294967296)::text
        """
    )
    unusable = [name for (name,) in cr.fetchall()]
    if unusable:
        print(f"  WARNING: indexes unusable by older transactions: {unusable}")


# ---- data


def small_records(env):
    """The channels, products, partners and one delivered template order, by the
    ORM."""
    company = env.company
    channels = env["marketplace.channel"].create(
        [
            {
                "name": f"{CHANNEL_PREFIX} {number + 1}",
                "platform": "amazon",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
            }
            for number in range(CHANNELS)
        ]
    )
    categories = env["product.category"].create(
        [{"name": f"{CHANNEL_PREFIX} cat {i}"} for i in range(CATEGORIES)]
    )
    specs = []
    for i in range(PRODUCTS):
        price = round(9.99 + (i * 37) % 120, 2)  # TTC, VAT 20 % included
        ratio = 0.30 + (i % 50) / 100  # cost / price excl. VAT: 0.30 to 0.79
        specs.append((price, round(price / 1.2 * ratio, 2)))
    products = env["product.product"].create(
        [
            {
                "name": f"{CHANNEL_PREFIX} product {i}",
                "default_code": f"BRZ-{i:05d}",
                "type": "consu",
                "is_storable": True,
                "categ_id": categories[i % CATEGORIES].id,
                "list_price": price,
                "standard_price": cost,
            }
            for i, (price, cost) in enumerate(specs)
        ]
    )
    partners = env["res.partner"].create(
        [
            {
                "name": f"{CHANNEL_PREFIX} customer {code} {i}",
                "country_id": env.ref(f"base.{code}").id,
            }
            for code in COUNTRIES
            for i in range(PARTNERS_PER_COUNTRY)
        ]
    )
    # The template: a sale order (no channel: not part of the report), confirmed
    # and delivered, whose rows give every other column of the generated ones.
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    env["stock.quant"]._update_available_quantity(
        products[0], warehouse.lot_stock_id, 10.0
    )
    order = env["sale.order"].create(
        {
            "partner_id": partners[0].id,
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": products[0].id,
                        "product_uom_qty": 1,
                        "price_unit": specs[0][0],
                        "marketplace_tax_included": True,
                    },
                )
            ],
        }
    )
    order.action_confirm()
    for move in order.picking_ids.move_ids:
        move.write({"quantity": move.product_uom_qty, "picked": True})
    order.picking_ids.button_validate()
    move = order.order_line.move_ids
    layer = move.stock_valuation_layer_ids
    assert move.state == "done" and len(layer) == 1, (move.state, layer)
    env.flush_all()
    return {
        "company": company.id,
        "currency": company.currency_id.id,
        "channels": channels.ids,
        "products": products.ids,
        "categories": [product.categ_id.id for product in products],
        "prices": [price for price, _cost in specs],
        "costs": [cost for _price, cost in specs],
        "partners": partners.ids,
        "order": order.id,
        "line": order.order_line.id,
        "move": move.id,
        "layer": layer.id,
    }


def generate(env, lines):
    """Insert a year of orders, lines, payouts, transactions, moves and layers;
    return the statement log [(label, rows, seconds)]."""
    cr = env.cr
    log = []
    started = time.perf_counter()
    base = small_records(env)
    print(
        f"  ORM records (channels, products, partners, template order): "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    log.append(("ORM records", None, time.perf_counter() - started))
    orders = lines * 2 // 5  # 2 and 3 lines in turn: 2.5 per order
    payouts = CHANNELS * PAYOUTS_PER_CHANNEL
    params = {
        "orders": orders,
        "channels": base["channels"],
        "nchannels": CHANNELS,
        "partners": base["partners"],
        "npartners": len(base["partners"]),
        "nproducts": PRODUCTS,
        "start": START,
        "days": DAYS,
        "payout_days": PAYOUT_DAYS,
        "per_channel": PAYOUTS_PER_CHANNEL,
        "company": base["company"],
        "currency": base["currency"],
        "products": base["products"],
        "categories": base["categories"],
        "prices": base["prices"],
        "costs": base["costs"],
    }
    cr.execute(
        """
        CREATE TEMP TABLE bench_product ON COMMIT DROP AS
        SELECT (idx - 1)::int AS idx, product_id, categ_id, price, cost
          FROM unnest(%(products)s::int[], %(categories)s::int[],
                      %(prices)s::numeric[], %(costs)s::numeric[])
               WITH ORDINALITY AS p(product_id, categ_id, price, cost, idx)
        """,
        params,
    )
    timed_sql(
        cr,
        "orders (temp)",
        """
        CREATE TEMP TABLE bench_order ON COMMIT DROP AS
        SELECT k, mod(k, %(nchannels)s) AS c,
               (%(channels)s::int[])[1 + mod(k, %(nchannels)s)] AS channel_id,
               %(start)s::timestamp + make_interval(
                   secs => k::float8 * %(days)s * 86400 / %(orders)s) AS date_order,
               floor(k::float8 * %(days)s / %(orders)s / %(payout_days)s)::int AS p,
               (%(partners)s::int[])[
                   1 + mod(abs(hashint4(k)::bigint), %(npartners)s)] AS partner_id,
               2 + mod(k, 2) AS nlines
          FROM generate_series(0, %(orders)s - 1) k
        """,
        params,
        log,
    )
    timed_sql(
        cr,
        "lines (temp)",
        """
        CREATE TEMP TABLE bench_line ON COMMIT DROP AS
        SELECT (row_number() OVER (ORDER BY s.k, s.j) - 1)::int AS n, s.*,
               round(s.price * s.qty, 2) AS total,
               round(s.price * s.qty / 1.2, 2) AS subtotal
          FROM (
            SELECT o.k, j, o.c, o.p, o.channel_id, o.date_order, o.partner_id,
                   p.idx, p.product_id, p.categ_id, p.price, p.cost,
                   CASE WHEN mod(abs(hashint4(o.k * 3 + j + 1)::bigint), 7) = 0
                        THEN 2 ELSE 1 END AS qty
              FROM bench_order o
             CROSS JOIN generate_series(0, 2) j
              JOIN bench_product p
                -- u^2 with u uniform in [0, 1[: a few products sell a lot
                ON p.idx = floor(%(nproducts)s * power(
                   mod(abs(hashint4(o.k * 3 + j)::bigint), 1000003) / 1000003.0, 2))
             WHERE j < o.nlines
          ) s
        """,
        params,
        log,
    )
    cr.execute("ANALYZE bench_product, bench_order, bench_line")
    cr.execute("SELECT count(*) FROM bench_line")
    lines = cr.fetchone()[0]
    params["so0"] = reserve_ids(cr, "sale_order", orders)
    params["sol0"] = reserve_ids(cr, "sale_order_line", lines)
    params["sm0"] = reserve_ids(cr, "stock_move", lines)
    cr.execute("SELECT count(*) FROM bench_line WHERE mod(n, 100) IN (7, 27, 47)")
    returns = cr.fetchone()[0]
    params["rm0"] = reserve_ids(cr, "stock_move", returns)
    params["po0"] = reserve_ids(cr, "marketplace_payout", payouts)
    # The ORM wrote the template order, its line, move and layer, not transactions.
    dropped = drop_for_load(cr, LOADED, ["marketplace_transaction"])

    sql = copy_insert(
        cr,
        "sale_order",
        base["order"],
        "bench_order o JOIN (SELECT k, sum(subtotal) AS subtotal, sum(total) AS total"
        " FROM bench_line GROUP BY k) a ON a.k = o.k",
        {
            "id": "%(so0)s + o.k",
            "name": "'BRZ/' || lpad(o.k::text, 7, '0')",
            "partner_id": "o.partner_id",
            "partner_invoice_id": "o.partner_id",
            "partner_shipping_id": "o.partner_id",
            "state": "'sale'",
            "date_order": "o.date_order",
            "create_date": "o.date_order",
            "write_date": "o.date_order",
            "effective_date": "o.date_order + interval '1 day'",
            "delivery_status": "'full'",
            "procurement_group_id": "NULL",
            "access_token": "NULL",
            "client_order_ref": "'BRZ-' || lpad(o.k::text, 7, '0')",
            "origin": "NULL",
            "marketplace_channel_id": "o.channel_id",
            "marketplace_order_ref": "'BRZ-' || lpad(o.k::text, 7, '0')",
            "amount_untaxed": "a.subtotal",
            "amount_tax": "a.total - a.subtotal",
            "amount_total": "a.total",
            "margin": "NULL",
            "margin_percent": "NULL",
            "net_margin_total": "NULL",
            "net_margin_total_percent": "NULL",
        },
    )
    timed_sql(cr, "sale_order", sql, params, log)

    sql = copy_insert(
        cr,
        "sale_order_line",
        base["line"],
        "bench_line l",
        {
            "id": "%(sol0)s + l.n",
            "order_id": "%(so0)s + l.k",
            "sequence": "10 + l.j",
            "order_partner_id": "l.partner_id",
            "product_id": "l.product_id",
            "name": f"'{CHANNEL_PREFIX} product ' || l.idx",
            "product_uom_qty": "l.qty",
            "price_unit": "l.price",
            "price_subtotal": "l.subtotal",
            "price_total": "l.total",
            "price_tax": "(l.total - l.subtotal)::float8",
            "price_reduce_taxexcl": "round(l.subtotal / l.qty, 2)",
            "price_reduce_taxinc": "l.price",
            "qty_delivered": "l.qty",
            "qty_to_invoice": "l.qty",
            "qty_invoiced": "0",
            "untaxed_amount_to_invoice": "l.subtotal",
            "untaxed_amount_invoiced": "0",
            "technical_price_unit": "l.price::float8",
            "state": "'sale'",
            "create_date": "l.date_order",
            "write_date": "l.date_order",
            "marketplace_channel_id": "l.channel_id",
            "marketplace_sku": "'BRZ-' || lpad(l.idx::text, 5, '0')",
            "marketplace_line_ref": "NULL",
            "marketplace_price_unit": "l.price",
            "marketplace_tax_included": "true",
            "marketplace_unmapped": "false",
            "purchase_price": "l.cost",
            "margin": "l.subtotal - l.cost * l.qty",
            "margin_percent": "((l.subtotal - l.cost * l.qty) / l.subtotal)::float8",
            "margin_rule_id": "NULL",
            "margin_verdict": "NULL",
            "net_margin": "NULL",
            "net_margin_percent": "NULL",
            "floor_price": "NULL",
            "margin_below_floor": "false",
        },
    )
    timed_sql(cr, "sale_order_line", sql, params, log)

    moves = {
        "product_id": "l.product_id",
        "partner_id": "l.partner_id",
        "picking_id": "NULL",
        "group_id": "NULL",
        "state": "'done'",
        "name": f"'{CHANNEL_PREFIX} product ' || l.idx",
        "origin": "'BRZ/' || lpad(l.k::text, 7, '0')",
        "price_unit": "l.cost::float8",
        "picked": "true",
        "sale_line_id": "%(sol0)s + l.n",
    }
    sql = copy_insert(
        cr,
        "stock_move",
        base["move"],
        "bench_line l",
        {
            **moves,
            "id": "%(sm0)s + l.n",
            "reference": "'BRZ/OUT/' || l.n",
            "product_qty": "l.qty",
            "product_uom_qty": "l.qty",
            "quantity": "l.qty",
            "date": "l.date_order + interval '1 day'",
            "create_date": "l.date_order + interval '1 day'",
            "write_date": "l.date_order + interval '1 day'",
        },
    )
    timed_sql(cr, "stock_move (deliveries)", sql, params, log)
    sql = copy_insert(
        cr,
        "stock_move",
        base["move"],
        "(SELECT *, row_number() OVER (ORDER BY n) - 1 AS r FROM bench_line"
        " WHERE mod(n, 100) IN (7, 27, 47)) l",
        {
            **moves,
            "id": "%(rm0)s + l.r",
            "location_id": "t.location_dest_id",
            "location_dest_id": "t.location_id",
            "location_final_id": "NULL",
            "origin_returned_move_id": "%(sm0)s + l.n",
            "to_refund": "true",
            "reference": "'BRZ/RET/' || l.n",
            "product_qty": "1",
            "product_uom_qty": "1",
            "quantity": "1",
            "date": "l.date_order + interval '20 days'",
            "create_date": "l.date_order + interval '20 days'",
            "write_date": "l.date_order + interval '20 days'",
        },
    )
    timed_sql(cr, "stock_move (returns)", sql, params, log)

    layers = {
        "product_id": "l.product_id",
        "categ_id": "l.categ_id",
        "unit_cost": "l.cost",
        "account_move_id": "NULL",
        "account_move_line_id": "NULL",
        "stock_valuation_layer_id": "NULL",
        "lot_id": "NULL",
    }
    sql = copy_insert(
        cr,
        "stock_valuation_layer",
        base["layer"],
        "bench_line l",
        {
            **layers,
            "stock_move_id": "%(sm0)s + l.n",
            "description": "'BRZ/OUT/' || l.n",
            "quantity": "-l.qty",
            "value": "-round(l.qty * l.cost, 2)",
            "remaining_qty": "0",
            "remaining_value": "0",
            "create_date": "l.date_order + interval '1 day'",
            "write_date": "l.date_order + interval '1 day'",
        },
    )
    timed_sql(cr, "stock_valuation_layer (deliveries)", sql, params, log)
    sql = copy_insert(
        cr,
        "stock_valuation_layer",
        base["layer"],
        "(SELECT *, row_number() OVER (ORDER BY n) - 1 AS r FROM bench_line"
        " WHERE mod(n, 100) IN (7, 27, 47)) l",
        {
            **layers,
            "stock_move_id": "%(rm0)s + l.r",
            "description": "'BRZ/RET/' || l.n",
            "quantity": "1",
            "value": "l.cost",
            "remaining_qty": "1",
            "remaining_value": "l.cost",
            "create_date": "l.date_order + interval '20 days'",
            "write_date": "l.date_order + interval '20 days'",
        },
    )
    timed_sql(cr, "stock_valuation_layer (returns)", sql, params, log)

    timed_sql(
        cr,
        "marketplace_payout",
        """
        INSERT INTO marketplace_payout (id, name, channel_id, company_id, currency_id,
               has_declared_total, amount_declared, amount_computed,
               amount_difference, is_balanced, transaction_count, date_start,
               date_end, date_deposit, platform_status, create_uid, write_uid,
               create_date, write_date)
        SELECT %(po0)s + c * %(per_channel)s + p, 'BRZ-' || c || '-' || p,
               (%(channels)s::int[])[1 + c], %(company)s, %(currency)s,
               true, 0, 0, 0, true, 0,
               %(start)s::timestamp + make_interval(days => p * %(payout_days)s),
               %(start)s::timestamp + make_interval(days => (p + 1) * %(payout_days)s),
               %(start)s::timestamp
                   + make_interval(days => (p + 1) * %(payout_days)s + 3),
               'Closed', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(0, %(nchannels)s - 1) c,
               generate_series(0, %(per_channel)s - 1) p
        """,
        params,
        log,
    )
    transactions = """
        INSERT INTO marketplace_transaction (channel_id, payout_id, currency_id,
               sale_order_id, product_id, category, order_ref, sku, raw_type,
               external_key, amount, quantity, posted_at)
        SELECT l.channel_id, %(po0)s + l.c * %(per_channel)s + {payout},
               %(currency)s, %(so0)s + l.k, {product}, '{category}',
               'BRZ-' || lpad(l.k::text, 7, '0'), {sku}, '{category}',
               '{prefix}-' || {number}, {amount}, {quantity}, l.date_order
          FROM {source} l {where}
    """
    line_txn = {
        "payout": "l.p",
        "product": "l.product_id",
        "sku": "'BRZ-' || lpad(l.idx::text, 5, '0')",
        "number": "l.n",
        "quantity": "NULL",
        "source": "bench_line",
        "where": "",
    }
    for category, prefix, amount, extra in (
        ("sale", "S", "l.total", {"quantity": "l.qty"}),
        ("commission", "C", "-round(l.total * 0.15, 2)", {}),
        (
            "promotion",
            "P",
            "-round(l.total * 0.10, 2)",
            {"where": "WHERE mod(n, 10) = 3"},
        ),
        (
            "refund",
            "R",
            "-l.total",
            {
                "payout": f"least(l.p + 1, {PAYOUTS_PER_CHANNEL - 1})",
                "where": "WHERE mod(n, 20) = 7",
            },
        ),
        (
            "fulfillment_fee",
            "F",
            "-(2.50 + 0.80 * l.nlines)",
            {
                "product": "NULL",
                "sku": "NULL",
                "number": "l.k",
                "source": "bench_order",
            },
        ),
    ):
        sql = transactions.format(
            **{**line_txn, **extra}, category=category, prefix=prefix, amount=amount
        )
        timed_sql(cr, f"marketplace_transaction ({category})", sql, params, log)
    timed_sql(
        cr,
        "marketplace_transaction (advertising, reserve_hold)",
        """
        INSERT INTO marketplace_transaction (channel_id, payout_id, currency_id,
               category, raw_type, external_key, amount, posted_at)
        SELECT po.channel_id, po.id, po.currency_id, x.category, x.category,
               x.prefix || '-' || po.name || '-' || x.i, x.amount, po.date_end
          FROM marketplace_payout po
         CROSS JOIN LATERAL (
            SELECT 'advertising' AS category, 'A' AS prefix, i,
                   -(40 + mod(po.id * 13 + i * 29, 120))::numeric AS amount
              FROM generate_series(1, 3) i
            UNION ALL
            SELECT 'reserve_hold', 'H', 1, -250.00
         ) x
         WHERE po.id BETWEEN %(po0)s AND %(po0)s + %(nchannels)s * %(per_channel)s - 1
        """,
        params,
        log,
    )
    restore_after_load(cr, dropped, log)
    timed_sql(
        cr,
        "payout totals",
        """
        UPDATE marketplace_payout po
           SET amount_declared = s.amount, amount_computed = s.amount,
               transaction_count = s.count
          FROM (
            SELECT payout_id, sum(amount) AS amount, count(*) AS count
              FROM marketplace_transaction
             WHERE payout_id BETWEEN %(po0)s
                   AND %(po0)s + %(nchannels)s * %(per_channel)s - 1
             GROUP BY payout_id
          ) s
         WHERE po.id = s.payout_id
        """,
        params,
        log,
    )
    env.invalidate_all()
    return log


# The generated tables, vacuumed and analyzed after the generation.
VACUUM_TABLES = (
    "sale_order",
    "sale_order_line",
    "stock_move",
    "stock_valuation_layer",
    "marketplace_payout",
    "marketplace_transaction",
)


# ---- timings


def sizes(cr):
    counts = {}
    for label, query in (
        ("bench orders", "SELECT count(*) FROM sale_order o {bench}"),
        (
            "bench order lines",
            "SELECT count(*) FROM sale_order_line l "
            "JOIN sale_order o ON o.id = l.order_id {bench}",
        ),
        (
            "bench payouts",
            "SELECT count(*) FROM marketplace_payout o "
            "WHERE o.channel_id IN (SELECT id FROM marketplace_channel "
            "WHERE name LIKE %(like)s)",
        ),
        (
            "bench transactions",
            "SELECT count(*) FROM marketplace_transaction o "
            "WHERE o.channel_id IN (SELECT id FROM marketplace_channel "
            "WHERE name LIKE %(like)s)",
        ),
        (
            "bench stock moves",
            "SELECT count(*) FROM stock_move m JOIN sale_order_line l "
            "ON l.id = m.sale_line_id JOIN sale_order o ON o.id = l.order_id {bench}",
        ),
        (
            "bench valuation layers",
            "SELECT count(*) FROM stock_valuation_layer v JOIN stock_move m "
            "ON m.id = v.stock_move_id JOIN sale_order_line l ON l.id = m.sale_line_id "
            "JOIN sale_order o ON o.id = l.order_id {bench}",
        ),
        ("part rows (all channels)", "SELECT count(*) FROM margin_realized_part"),
        (
            "part rows from payouts",
            "SELECT count(*) FROM margin_realized_part WHERE payout_id IS NOT NULL",
        ),
        (
            "part rows from orders",
            "SELECT count(*) FROM margin_realized_part WHERE sale_order_id IS NOT NULL",
        ),
        ("report rows (all channels)", "SELECT count(*) FROM margin_realized"),
        ("SKU x channel rows", "SELECT count(*) FROM margin_realized_sku"),
    ):
        bench = (
            "WHERE o.marketplace_channel_id IN (SELECT id FROM marketplace_channel "
            "WHERE name LIKE %(like)s)"
        )
        cr.execute(query.format(bench=bench), {"like": f"{CHANNEL_PREFIX} %"})
        counts[label] = cr.fetchone()[0]
    return counts


def table_sizes(cr):
    cr.execute(
        """
        SELECT relname, pg_size_pretty(pg_total_relation_size(oid))
          FROM pg_class
         WHERE relname IN ('sale_order', 'sale_order_line', 'stock_move',
               'stock_valuation_layer', 'marketplace_transaction',
               'margin_realized_part', 'margin_realized')
         ORDER BY pg_total_relation_size(oid) DESC
        """
    )
    return cr.fetchall()


def time_refresh(env, label, breakdown=None):
    """``_refresh`` then the commit; return (seconds, (payouts, orders))."""
    Part = env["margin.realized.part"]
    restore = breakdown.watch_cursor(env.cr) if breakdown else None
    started = time.perf_counter()
    try:
        result = Part._refresh()
        env.cr.commit()
    finally:
        if restore:
            restore()
    elapsed = time.perf_counter() - started
    print(
        f"{label}: {elapsed:.2f} s; {result[0]} payouts and {result[1]} orders "
        f"recomputed; peak RSS {rss_mb():.0f} MB, peak virtual {vm_peak_mb():.0f} MB",
        flush=True,
    )
    return elapsed, result


def instrument(odoo_registry, timer):
    """Time the steps of the refresh (class attributes of this process's registry;
    nothing is changed on disk)."""
    from odoo.addons.margin_alerts.core import realized

    Part = odoo_registry["margin.realized.part"]
    for name in (
        "_dirty_payouts",
        "_dirty_orders",
        "_refresh_payouts",
        "_refresh_orders",
        "_sale_lines",
        "_payout_parts",
        "_delete_parts",
        "_insert",
    ):
        timer.wrap(Part, name)
    timer.wrap(odoo_registry["margin.realized"], "_rebuild")
    timer.wrap(realized, "payout_contributions", "core.payout_contributions")


def late_transaction(env, channel):
    """One late refund fee on a payout in the middle of the year, on one of its
    orders; return the payout."""
    payout = env["marketplace.payout"].search(
        [("channel_id", "=", channel.id), ("name", "=like", "BRZ-%-90")], limit=1
    )
    env.cr.execute(
        "SELECT sale_order_id, order_ref FROM marketplace_transaction "
        "WHERE payout_id = %s AND sale_order_id IS NOT NULL ORDER BY id LIMIT 1",
        [payout.id],
    )
    order_id, order_ref = env.cr.fetchone()
    env(su=True)["marketplace.transaction"].create(
        {
            "payout_id": payout.id,
            "channel_id": channel.id,
            "category": "refund_fee",
            "amount": -1.00,
            "currency_id": payout.currency_id.id,
            "sale_order_id": order_id,
            "order_ref": order_ref,
            "external_key": f"bench-late-{time.time():.6f}",
        }
    )
    env.flush_all()
    return payout


def time_queries(env, channel, runs):
    """The report's reads as the web client runs them, each ``runs`` times, caches
    invalidated before each run; return [(label, min, median, result size)]."""
    Report = env["margin.realized"]
    Sku = env["margin.realized.sku"]
    quarter = [("month", ">=", "2025-04-01"), ("month", "<", "2025-07-01")]

    def default_pivot():
        # The pivot loads the grand total, each header and the cells.
        groups = 0
        for groupby in (
            [],
            ["channel_id"],
            ["month:month"],
            ["channel_id", "month:month"],
        ):
            groups += len(Report.read_group([], MEASURES, groupby, lazy=False))
        return groups

    queries = [
        (
            "(a) pivot channel x month",
            lambda: Report.read_group(
                [], MEASURES, ["channel_id", "month:month"], lazy=False
            ),
        ),
        ("(a') default pivot, its 4 read_group", default_pivot),
        (
            "(b) pivot by product (all SKUs)",
            lambda: Report.read_group([], MEASURES, ["product_id"], lazy=False),
        ),
        (
            "(c) pivot country x month, 1 channel",
            lambda: Report.read_group(
                [("channel_id", "=", channel.id)],
                MEASURES,
                ["country_id", "month:month"],
                lazy=False,
            ),
        ),
        (
            "(d) pivot category x channel, 1 quarter",
            lambda: Report.read_group(
                quarter, MEASURES, ["categ_id", "channel_id"], lazy=False
            ),
        ),
        (
            "(e) traps list (80 worst)",
            lambda: Sku.search_read(
                [("verdict", "=", "trap")], SKU_FIELDS, order="net_margin", limit=80
            ),
        ),
        (
            "(f) traps count",
            lambda: Sku.search_count([("verdict", "=", "trap")]),
        ),
    ]
    results = []
    for label, query in queries:
        times = []
        for _run in range(runs):
            env.invalidate_all()
            started = time.perf_counter()
            result = query()
            times.append(time.perf_counter() - started)
        size = result if isinstance(result, int) else len(result)
        results.append((label, min(times), statistics.median(times), size))
        print(
            f"{label}: min {min(times):.3f} s, median "
            f"{statistics.median(times):.3f} s ({size} rows/groups)",
            flush=True,
        )
    return results


def pg_facts(cr):
    cr.execute("SHOW server_version")
    version = cr.fetchone()[0]
    cr.execute(
        "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s) "
        "ORDER BY name",
        [list(PG_SETTINGS)],
    )
    return version, cr.fetchall()


def bench(args):
    odoo, registry = bench_import.odoo_env(args)
    summary = []
    with registry.cursor() as cr:
        load_start = machine_load(cr)
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True}
        )
        channels = env["marketplace.channel"].search(
            [("name", "=like", f"{CHANNEL_PREFIX} %")], order="id"
        )
        if channels and not args.reuse:
            sys.exit(
                f"{', '.join(channels.mapped('name'))} already in {args.database}: "
                "run with --reuse to time the data already there, or use a fresh "
                "database"
            )
        if not channels and args.reuse:
            sys.exit(f"--reuse: no '{CHANNEL_PREFIX}' channel in {args.database}")
        if not channels:
            print(f"generating {args.lines:,} sale order lines...", flush=True)
            started = time.perf_counter()
            log = generate(env, args.lines)
            cr.commit()
            inserted = time.perf_counter() - started
            vacuum_analyze(args.database, VACUUM_TABLES)
            generated = time.perf_counter() - started
            print(
                f"generation: {generated:.1f} s (inserts and commit {inserted:.1f} s, "
                f"VACUUM ANALYZE {generated - inserted:.1f} s)",
                flush=True,
            )
            summary.append(("data generation (SQL, committed)", f"{generated:.1f} s"))
            for label, rows, seconds in log:
                rows = f"{rows:,} rows" if rows is not None else ""
                summary.append((f"  {label}", f"{seconds:.1f} s {rows}"))
            channels = env["marketplace.channel"].search(
                [("name", "=like", f"{CHANNEL_PREFIX} %")], order="id"
            )
        # The full refresh starts from empty derived tables (--reuse included).
        cr.execute("TRUNCATE margin_realized_part, margin_realized")
        cr.commit()

        timer = Timer()
        instrument(registry, timer)
        rss_before = rss_mb()
        full, result = time_refresh(env, "full refresh", breakdown=timer)
        counts = sizes(cr)
        summary.append(
            (
                "full refresh + commit",
                f"{full:.1f} s ({result[0]} payouts, {result[1]} orders; "
                f"{counts['part rows (all channels)']:,} part rows, "
                f"{counts['report rows (all channels)']:,} report rows; peak RSS "
                f"{rss_mb():.0f} MB ({rss_before:.0f} MB before), peak virtual "
                f"{vm_peak_mb():.0f} MB)",
            )
        )
        print("full refresh, by step (nested: _refresh_payouts holds _sale_lines...):")
        steps = Timer()
        steps.seconds = {k: v for k, v in timer.seconds.items() if "SQL " not in k}
        steps.calls = timer.calls
        steps.report("  ")
        print("full refresh, by SQL statement (the 12 longest):")
        sql = Timer()
        sql.seconds = {k: v for k, v in timer.seconds.items() if k.startswith("SQL ")}
        sql.calls = timer.calls
        sql.report("  ", top=12)

        timer.seconds.clear()
        timer.calls.clear()
        noop, result = time_refresh(env, "refresh, nothing changed", breakdown=timer)
        summary.append(
            ("refresh with nothing changed", f"{noop:.2f} s ({result[0]}, {result[1]})")
        )
        sql.seconds = {k: v for k, v in timer.seconds.items() if k.startswith("SQL ")}
        sql.report("  ", top=3)

        payout = late_transaction(env, channels[0])
        cr.commit()
        timer.seconds.clear()
        timer.calls.clear()
        incremental, result = time_refresh(
            env, f"incremental refresh (1 late fee on {payout.name})", breakdown=timer
        )
        summary.append(
            (
                "incremental refresh (1 transaction added)",
                f"{incremental:.2f} s ({result[0]} payouts, {result[1]} orders)",
            )
        )
        steps.seconds = {k: v for k, v in timer.seconds.items() if "SQL " not in k}
        steps.report("  ")

        user = env.ref("base.user_admin")
        company = channels[0].company_id
        user_env = env(
            user=user, su=False, context={"allowed_company_ids": [company.id]}
        )
        assert user.has_group("margin_alerts.group_margin_show"), user.name
        print(f"report reads as {user.login}, {args.runs} runs each:")
        for label, best, median, size in time_queries(user_env, channels[0], args.runs):
            verdict = "met" if median < 1 else "NOT met"
            summary.append(
                (
                    label,
                    f"min {best:.3f} s, median {median:.3f} s ({size}); < 1 s: "
                    f"{verdict}",
                )
            )
        cr.rollback()

        counts = sizes(cr)
        load_end = machine_load(cr)
        version, settings = pg_facts(cr)
        table = table_sizes(cr)

    print()
    print(f"== summary ({args.database}, {os.cpu_count()} CPUs)")
    width = max(len(label) for label, _value in summary)
    for label, value in summary:
        print(f"{label:<{width}}  {value}")
    print("data:")
    for label, value in counts.items():
        print(f"  {label:<28} {value:>12,}")
    print("table sizes: " + ", ".join(f"{name} {size}" for name, size in table))
    print(f"machine at the start: {load_start}; at the end: {load_end}")
    print(f"PostgreSQL {version}: ", end="")
    print(", ".join(f"{name}={value}" for name, value in settings))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the data generated by an earlier run instead of refusing",
    )
    bench_import.add_odoo_arguments(parser)
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
