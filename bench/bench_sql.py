"""Small helpers shared by the benchmarks that generate their data in SQL
(bench_realized, bench_snapshot, bench_forecast): memory, load, table columns,
blocks of ids and VACUUM ANALYZE."""

import os
import resource


def rss_mb():
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load():
    """The machine's load averages, for the record next to every timing."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


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
