"""Benchmark of the net-net margin of a quotation (issue: margins and approvals).

Creates a marketplace quotation of N lines (products in 20 categories, a channel cost
profile per category) and times the net-net margin computation of all its lines
(``_compute_net_margin``, what a price change or a new line triggers), then the whole
``create`` of the quotation for comparison.

Usage (the Odoo Python; a database with the modules):

    /opt/odoo18/venv/bin/python bench/bench_margin.py --lines 500 -d mkc_dev \
        --addons-path ... --db_host 127.0.0.1 --db_user odoo --db_password odoo

Everything is rolled back at the end. Numbers go to bench/README.md by hand.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the Odoo set-up)


def bench(args):
    odoo, registry = bench_import.odoo_env(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        channel = env["marketplace.channel"].create(
            {"name": f"Bench margin {time.time():.0f}", "platform": "amazon"}
        )
        categories = env["product.category"].create(
            [{"name": f"Bench cat {i}"} for i in range(20)]
        )
        env["margin.cost.profile"].create(
            [
                {
                    "name": f"Bench {category.name}",
                    "channel_id": channel.id,
                    "categ_id": category.id,
                    "commission_rate": 0.10 + i / 200,
                    "fulfilment_per_unit": 2.5,
                    "return_rate": 0.05,
                    "cost_per_return": 4.0,
                    "acos": 0.08,
                }
                for i, category in enumerate(categories)
            ]
        )
        products = env["product.product"].create(
            [
                {
                    "name": f"Bench product {i}",
                    "categ_id": categories[i % 20].id,
                    "standard_price": 5 + i % 40,
                    "list_price": 20 + i % 60,
                }
                for i in range(args.lines)
            ]
        )
        partner = env["res.partner"].create({"name": "Bench customer"})
        env.flush_all()
        started = time.perf_counter()
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "marketplace_channel_id": channel.id,
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_uom_qty": 1 + i % 3})
                    for i, product in enumerate(products)
                ],
            }
        )
        env.flush_all()
        created = time.perf_counter() - started
        lines = order.order_line
        lines.invalidate_recordset(["net_margin", "net_margin_percent", "floor_price"])
        started = time.perf_counter()
        lines._compute_net_margin()
        computed = time.perf_counter() - started
        print(
            f"quotation of {len(lines)} lines: net-net margins computed in "
            f"{computed:.3f} s; whole create (all of Odoo's computes) {created:.2f} s; "
            f"total net-net margin {order.net_margin_total:,.2f}"
        )
        cr.rollback()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    bench_import.add_odoo_arguments(parser)
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
