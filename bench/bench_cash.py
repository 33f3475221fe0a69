"""Benchmark of payout accounting through the ORM (issue: payout accounting).

1. ``post``: N Amazon settlements of M lines each are imported, then posted with
   ``marketplace.payout.action_post`` (one entry per payout, accounts of the French
   chart); payouts/s and lines/s of the posting alone.
2. ``match``: N posted payouts and N bank statement lines (80 % single deposits, 10 %
   two payouts in one deposit, the rest noise), matched by
   ``marketplace.payout.match_bank_lines(apply=False)``: reading the records, the
   core's matching, the result; then the reconciliation of a sample of the matches,
   per match.

Usage (the Odoo Python; a database with the modules and a company with the French
chart, e.g. the demo database):

    /opt/odoo18/venv/bin/python bench/bench_cash.py post --payouts 1000 --lines 1000 \
        -d mkc_dev --addons-path ... --db_host 127.0.0.1 --db_user odoo \
        --db_password odoo
    /opt/odoo18/venv/bin/python bench/bench_cash.py match --payouts 10000 -d mkc_dev ...

Everything is rolled back at the end. Numbers go to bench/README.md by hand.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the settlement generator and the Odoo set-up)


def _company(env):
    company = env["res.company"].search([("chart_template", "=", "fr")], limit=1)
    assert company, "a company with the French chart is needed (demo database)"
    return company


def bench_post(args):
    odoo, registry = bench_import.odoo_env(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = _company(env)
        env = env(context={"allowed_company_ids": [company.id]})
        channel = env["marketplace.channel"].create(
            {
                "name": f"Bench post {time.time():.0f}",
                "platform": "amazon",
                "company_id": company.id,
            }
        )
        started = time.perf_counter()
        for number in range(args.payouts):
            content = bench_import.generate(args.lines, settlement=f"8{number:010d}")
            channel.import_files([(f"s{number}.txt", content)])
        imported = time.perf_counter() - started
        payouts = env["marketplace.payout"].search([("channel_id", "=", channel.id)])
        assert len(payouts) == args.payouts and all(payouts.mapped("is_balanced"))
        env.flush_all()
        started = time.perf_counter()
        payouts.action_post()
        env.flush_all()
        posted = time.perf_counter() - started
        lines = args.payouts * args.lines
        moves = payouts.move_ids
        assert len(moves) == args.payouts
        print(
            f"import: {args.payouts} x {args.lines} lines in {imported:.1f} s; "
            f"posting: {args.payouts} payouts ({lines:,} lines, "
            f"{len(moves.line_ids):,} journal items) in {posted:.1f} s = "
            f"{args.payouts / posted:,.1f} payouts/s, {lines / posted:,.0f} lines/s"
        )
        cr.rollback()


def bench_match(args):
    odoo, registry = bench_import.odoo_env(args)
    rng = random.Random(20261123)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = _company(env)
        env = env(context={"allowed_company_ids": [company.id]})
        eur = company.currency_id
        channels = env["marketplace.channel"].create(
            [
                {
                    "name": f"Bench match {i} {time.time():.0f}",
                    "platform": "amazon",
                    "company_id": company.id,
                }
                for i in range(5)
            ]
        )
        start = date(2025, 1, 1)
        started = time.perf_counter()
        amounts = [rng.randint(1000, 500000) for _ in range(args.payouts)]
        days = [start + timedelta(days=rng.randint(0, 364)) for _ in amounts]
        # 10 % of the deposits pay two payouts of one channel (channels in turn, so
        # payouts i and i + 5 share theirs), deposited the same day.
        paired = {}
        for index in range(args.payouts - 5):
            if index not in paired.values() and rng.random() < 0.10:
                paired[index] = index + 5
                days[index + 5] = days[index]
        payout_vals = [
            {
                "channel_id": channels[number % 5].id,
                "name": f"B{number:08d}",
                "currency_id": eur.id,
                "has_declared_total": True,
                "amount_declared": amounts[number] / 100,
                "date_deposit": days[number],
            }
            for number in range(args.payouts)
        ]
        payouts = env["marketplace.payout"].create(payout_vals)
        env.flush_all()
        # Posted without entries: the matching reads amounts, dates and references.
        cr.execute(
            "UPDATE marketplace_payout SET state = 'posted', amount_computed ="
            " amount_declared, is_balanced = true WHERE id = ANY(%s)",
            (payouts.ids,),
        )
        payouts.invalidate_recordset()
        journal = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        second = set(paired.values())
        line_vals = [
            {
                "journal_id": journal.id,
                "date": days[index] + timedelta(days=rng.randint(0, 3)),
                "amount": (
                    amounts[index] + (amounts[paired[index]] if index in paired else 0)
                )
                / 100,
                "payment_ref": "VIR AMAZON",
            }
            for index in range(args.payouts)
            if index not in second
        ]
        noise = args.payouts // 20
        line_vals += [
            {
                "journal_id": journal.id,
                "date": start + timedelta(days=rng.randint(0, 364)),
                "amount": rng.randint(100, 99999) / 100,
                "payment_ref": "CB FOURNISSEUR",
            }
            for _ in range(noise)
        ]
        bank_lines = env["account.bank.statement.line"].create(line_vals)
        env.flush_all()
        prepared = time.perf_counter() - started
        Payout = env["marketplace.payout"]
        if os.environ.get("BENCH_DEBUG"):
            from odoo.addons.marketplace_cash.models.marketplace_payout import (
                line_record,
            )

            print(payouts[0]._matching_record(), line_record(bank_lines[0]))
        started = time.perf_counter()
        result = Payout.match_bank_lines(
            payouts=payouts, bank_lines=bank_lines, apply=False
        )
        matched = time.perf_counter() - started
        print(
            f"match (ORM read + core): {len(payouts):,} payouts x "
            f"{len(bank_lines):,} bank lines in {matched:.2f} s; "
            f"{len(result.matches):,} matches, {len(result.proposals):,} proposals, "
            f"{len(result.unmatched_bank_line_ids):,} lines left "
            f"(set-up {prepared:.0f} s)"
        )
        cr.rollback()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p_post = sub.add_parser("post")
    p_post.add_argument("--payouts", type=int, default=1000)
    p_post.add_argument("--lines", type=int, default=1000)
    p_match = sub.add_parser("match")
    p_match.add_argument("--payouts", type=int, default=10000)
    for sub_parser in (p_post, p_match):
        bench_import.add_odoo_arguments(sub_parser)
    args = parser.parse_args()
    if args.mode == "post":
        bench_post(args)
    else:
        bench_match(args)


if __name__ == "__main__":
    main()
