"""Benchmark of settlement imports (issue: file ingestion).

Measures, on a generated Amazon settlement V2 file of N detail lines:

1. parse-only: the pure core parser, lines/s and peak memory (no Odoo);
2. full import: ``marketplace.channel.import_files`` into a real Odoo database, lines/s;
3. the same rows through Odoo's standard ``base_import`` (CSV into
   ``marketplace.transaction``), lines/s on a sample, and the ratio full / base_import.

Usage (the Odoo part needs the Odoo 18 Python and a database with the modules):

    .venv/bin/python bench/bench_import.py parse --lines 1000000
    /opt/odoo18/venv/bin/python bench/bench_import.py odoo --lines 1000000 \
        --base-import-lines 20000 -d mkc_bench --addons-path ... [--db_host ...]

Numbers go to bench/README.md by hand, with the machine and the date.
"""

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\t"
    "total-amount\tcurrency\ttransaction-type\torder-id\tmerchant-order-id\t"
    "adjustment-id\tshipment-id\tmarketplace-name\tamount-type\tamount-description\t"
    "amount\tfulfillment-id\tposted-date\tposted-date-time\torder-item-code\t"
    "merchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\t"
    "promotion-id"
)
# (transaction-type, amount-type, amount-description, amount in cents)
PATTERN = (
    ("Order", "ItemPrice", "Principal", 2995),
    ("Order", "ItemPrice", "Shipping", 490),
    ("Order", "ItemFees", "Commission", -449),
    ("Order", "ItemFees", "FBAPerUnitFulfillmentFee", -335),
    ("Refund", "ItemPrice", "Principal", -1000),
    ("Refund", "ItemFees", "Commission", 150),
    ("Refund", "ItemFees", "RefundCommission", -30),
    ("ServiceFee", "Cost of Advertising", "TransactionTotalAmount", -240),
)


def eu(cents):
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def generate(lines, settlement="90000000001"):
    """An EU settlement file of ``lines`` detail rows, balanced, as bytes."""
    out = io.StringIO()
    rows, total = [], 0
    for i in range(lines):
        ttype, atype, desc, cents = PATTERN[i % len(PATTERN)]
        order = f"402-{i // 8:07d}-{i % 997:07d}"
        day = 1 + (i // 50000) % 28
        total += cents
        rows.append(
            f"{settlement}\t\t\t\t\t\t{ttype}\t{order}\t\t\t\tAmazon.fr\t{atype}\t{desc}\t"
            f"{eu(cents)}\tAFN\t{day:02d}.03.2026\t{day:02d}.03.2026 10:00:00 UTC\t"
            f"{i:014d}\t\t\tSKU-{i % 5000:05d}\t1\t"
        )
    out.write(HEADER + "\n")
    out.write(
        f"{settlement}\t01.03.2026 00:00:00 UTC\t29.03.2026 00:00:00 UTC\t"
        f"31.03.2026 00:00:00 UTC\t{eu(total)}\tEUR" + "\t" * 18 + "\n"
    )
    out.write("\n".join(rows) + "\n")
    return out.getvalue().encode()


def settlement_file(lines):
    """The generated file on disk, written by a child process so that generating it
    does not count in this process's peak memory."""
    path = Path(tempfile.gettempdir()) / f"bench-settlement-{lines}.txt"
    if not path.exists():
        subprocess.run(
            [sys.executable, __file__, "gen", "--lines", str(lines), str(path)],
            check=True,
        )
    return path


def bench_parse(lines):
    sys.path.insert(0, str(ROOT / "tests"))
    import conftest  # noqa: F401  (registers the addons as bare packages)
    from marketplace_connectors.core.parsers import amazon_settlement

    path = settlement_file(lines)
    size = path.stat().st_size
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with path.open("rb") as stream:  # streamed from disk: memory must stay flat
        count = sum(1 for _ in amazon_settlement.parse(stream, "bench.txt"))
    elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rate = lines / elapsed
    print(
        f"parse-only: {lines} lines in {elapsed:.2f} s = {rate:,.0f} lines/s; "
        f"{count} records; file {size / 1e6:.1f} MB; peak RSS "
        f"{rss_after / 1024:.0f} MB (before parsing: {rss_before / 1024:.0f} MB)"
    )


def add_odoo_arguments(parser):
    """The options that name the Odoo database of a benchmark (shared by the bench
    scripts); PG* environment variables give the defaults."""
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--addons-path")
    parser.add_argument("--db_host", default=os.environ.get("PGHOST"))
    parser.add_argument("--db_port", default=os.environ.get("PGPORT"))
    parser.add_argument("--db_user", default=os.environ.get("PGUSER"))
    parser.add_argument("--db_password", default=os.environ.get("PGPASSWORD"))


def odoo_env(args):
    import odoo
    from odoo.tools import config

    odoo_args = ["-d", args.database, "--log-level=warn"]
    options = {
        "addons_path": "--addons-path",
        "db_host": "--db_host",
        "db_port": "--db_port",
        "db_user": "--db_user",
        "db_password": "--db_password",
    }
    for key, option in options.items():
        value = getattr(args, key)
        if value:
            odoo_args.append(f"{option}={value}")
    config.parse_config(odoo_args)
    registry = odoo.modules.registry.Registry(args.database)
    return odoo, registry


def bench_odoo(args):
    odoo, registry = odoo_env(args)
    content = settlement_file(args.lines).read_bytes()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env.ref("base.EUR").active = True
        channel = env["marketplace.channel"].create(
            {
                "name": f"Bench {time.time():.0f}",
                "platform": "amazon",
                "currency_id": env.ref("base.EUR").id,
            }
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        batch = channel.import_files([("bench.txt", content)])
        env.flush_all()
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert batch.state == "done", batch.error_message
        assert batch.new_line_count == args.lines, batch.new_line_count
        assert batch.payout_ids.is_balanced
        full_rate = args.lines / elapsed
        print(
            f"full import: {args.lines} lines in {elapsed:.2f} s = {full_rate:,.0f} "
            f"lines/s; payout balanced; peak RSS {rss_after / 1024:.0f} MB "
            f"(before {rss_before / 1024:.0f} MB)"
        )
        started = time.perf_counter()
        again = channel.import_files([("bench.txt", content)])
        elapsed_again = time.perf_counter() - started
        print(
            f"re-import (0 new): {elapsed_again:.2f} s = "
            f"{args.lines / elapsed_again:,.0f} lines/s, new={again.new_line_count}"
        )
        base_rate = bench_base_import(env, channel, args.base_import_lines)
        print(f"ratio full import / base_import: {full_rate / base_rate:.1f}x")
        cr.rollback()


def bench_base_import(env, channel, lines):
    """The same kind of rows through base_import (the standard CSV import)."""
    currency = env.ref("base.EUR")
    out = io.StringIO()
    out.write(
        "channel_id/.id,company_id/.id,category,amount,currency_id/.id,"
        "order_ref,sku,quantity,raw_type,external_key\n"
    )
    for i in range(lines):
        ttype, atype, desc, cents = PATTERN[i % len(PATTERN)]
        out.write(
            f"{channel.id},{channel.company_id.id},sale,{cents / 100:.2f},"
            f"{currency.id},402-{i // 8:07d},SKU-{i % 5000:05d},1,"
            f"{ttype}/{atype}/{desc},bench-base:{i}\n"
        )
    wizard = env["base_import.import"].create(
        {
            "res_model": "marketplace.transaction",
            "file": out.getvalue().encode(),
            "file_type": "text/csv",
            "file_name": "bench.csv",
        }
    )
    fields = [
        "channel_id/.id",
        "company_id/.id",
        "category",
        "amount",
        "currency_id/.id",
        "order_ref",
        "sku",
        "quantity",
        "raw_type",
        "external_key",
    ]
    options = {"has_headers": True, "separator": ",", "quoting": '"'}
    started = time.perf_counter()
    result = wizard.execute_import(fields, fields, options)
    env.flush_all()
    elapsed = time.perf_counter() - started
    errors = [m for m in result.get("messages", []) if m.get("type") == "error"]
    assert not errors, errors[:3]
    rate = lines / elapsed
    print(f"base_import: {lines} lines in {elapsed:.2f} s = {rate:,.0f} lines/s")
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p_parse = sub.add_parser("parse")
    p_parse.add_argument("--lines", type=int, default=1_000_000)
    p_odoo = sub.add_parser("odoo")
    p_odoo.add_argument("--lines", type=int, default=1_000_000)
    p_odoo.add_argument("--base-import-lines", type=int, default=20_000)
    add_odoo_arguments(p_odoo)
    p_gen = sub.add_parser("gen")
    p_gen.add_argument("--lines", type=int, default=1_000_000)
    p_gen.add_argument("path")
    args = parser.parse_args()
    if args.mode == "gen":
        Path(args.path).write_bytes(generate(args.lines))
    elif args.mode == "parse":
        bench_parse(args.lines)
    else:
        bench_odoo(args)


if __name__ == "__main__":
    main()
