"""Small helpers shared by the benchmarks that generate their data in SQL
(bench_realized, bench_snapshot, bench_forecast, bench_dunning, bench_receivables):
memory, load, timed statements, table columns, blocks of ids, VACUUM ANALYZE and
the French bench company."""

import os
import resource
import sys
import time


def rss_mb():
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load():
    """The machine's load averages, for the record next to every timing."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def timed_sql(cr, label, query, params=None, log=None):
    """Execute ``query`` and print its row count and time (appended to ``log``,
    a list, when given)."""
    started = time.perf_counter()
    cr.execute(query, params or {})
    elapsed = time.perf_counter() - started
    if log is not None:
        log.append((label, cr.rowcount, elapsed))
    print(f"  {label}: {cr.rowcount:,} rows in {elapsed:.1f} s", flush=True)


def french_company(env, name, **values):
    """The company ``name`` with the French chart of accounts (EUR), created with
    ``values`` when missing. Creating the first French company installs
    account_peppol, which commits: a generation stopped later leaves the company,
    found here again."""
    company = env["res.company"].search([("name", "=", name)], limit=1)
    if not company:
        company = env["res.company"].create(
            {
                "name": name,
                "country_id": env.ref("base.fr").id,
                "currency_id": env.ref("base.EUR").id,
                **values,
            }
        )
    if not company.chart_template:
        env["account.chart.template"].try_loading("fr", company, install_demo=False)
    return company


def bench_company_data(env, args, marker, generate, tables):
    """``(company, inserts and commit seconds, total seconds)`` of the benchmark
    whose generation records ``"company id,scale"`` in the parameter ``marker``:
    generated now by ``generate(env, args.scale)``, committed and vacuumed; or,
    with ``--reuse``, the data of an earlier run (seconds None). Exits when the
    data is there without ``--reuse``: a bench never generates twice."""
    done = env["ir.config_parameter"].get_param(marker)
    if done and not args.reuse:
        sys.exit(
            f"{args.database} already has the bench data (company, scale: {done}): "
            "run with --reuse to time it, or use a fresh database"
        )
    if done:
        company_id, scale = done.split(",")[:2]
        company = env["res.company"].browse(int(company_id))
        print(f"reusing the data of {company.name} (scale {scale})")
        return company, None, None
    print(f"generating the data at scale {args.scale:g} (load {load()})...", flush=True)
    started = time.perf_counter()
    company = generate(env, args.scale)
    env.cr.commit()
    inserted = time.perf_counter() - started
    vacuum_analyze(args.database, tables)
    generated = time.perf_counter() - started
    print(
        f"generation: {generated:.1f} s (inserts and commit {inserted:.1f} s, "
        f"VACUUM ANALYZE {generated - inserted:.1f} s)",
        flush=True,
    )
    return company, inserted, generated


def columns(cr, table):
    """The column names of ``table``, in their order."""
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = %s
         ORDER BY ordinal_position
        """,
        [table],
    )
    return [name for (name,) in cr.fetchall()]


def reserve_ids(cr, table, count):
    """The first of ``count`` consecutive ids taken from the sequence of ``table``."""
    cr.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, count],
    )
    return cr.fetchone()[0] - count + 1


def vacuum_analyze(database, tables):
    """VACUUM ANALYZE ``tables`` (outside a transaction), as autovacuum would in
    time: fresh statistics and visibility maps for the timed plans."""
    import psycopg2

    from odoo.sql_db import connection_info_for

    _name, info = connection_info_for(database)
    conn = psycopg2.connect(**info)
    conn.autocommit = True
    with conn.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM ANALYZE {table}")
    conn.close()
