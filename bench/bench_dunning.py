"""Benchmark of the daily dunning run (issue 9: receivables follow-up).

Generates, mostly in SQL (copies of ORM-created records), a B2B distributor in a
company of its own with the French chart (``Dunning Bench SAS``): 10,000 customers
with 10 open invoices each (100,000 posted invoices of 24.00 to 622.80 incl. VAT, due
from 90 days ago to 29 days ahead: three quarters overdue), 1 % of the invoices on a
dispute hold and 50 customers on hold as a whole. Then times, each ``--runs`` times
(min and median, rolled back after each run):

1. the **first run**: ``mkc.dunning.run._dunning_prepare(company)`` (automatic holds
   synchronised, dispute flags refreshed, the open invoices, reminders already sent
   and holds read, the core's levels, the run and one line per customer written) with
   no reminder sent before: every overdue invoice fires its first level, every late
   customer gets a reminder (the worst case);
2. the **daily run**: the same after the history of the reminders that the default
   policy would have sent so far (D+1, D+7, D+20 logged at their dates, inserted in
   SQL): only the invoices reaching a level today fire;
3. **sending** ``--send-lines`` reminders of the first run (rendering the template,
   the message on the customer and its queued ``mail.mail``, the invoices' notes and
   logs, the letters); the emails are only queued, never sent (no mail server, no
   mail queue run).

Target (issue): a run over 100k open invoices / 10k customers < 30 s (1 and 2). The
timed runs wait while another benchmark (a Python script whose name contains
"bench") runs on the machine.

Usage (the Odoo Python; a throwaway database, created for the bench):

    /opt/odoo18/venv/bin/python /opt/odoo18/src/odoo-bin -d mkc_dunbench \
        -i marketplace_cash,l10n_fr_account --stop-after-init --addons-path ... \
        --db_host 127.0.0.1 --db_user odoo --db_password odoo
    /opt/odoo18/venv/bin/python bench/bench_dunning.py -d mkc_dunbench \
        --addons-path ... --db_host 127.0.0.1 --db_user odoo --db_password odoo

The generated data are committed: never run it on a database you care about. A second
run refuses to generate again; ``--reuse`` times the data already there (``--scale
0.05`` makes a small data set, for trying the script). Numbers go to bench/README.md
by hand.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the Odoo set-up)
from bench_forecast import (  # noqa: E402  (same SQL copies of ORM records)
    LINE_AMOUNTS,
    MOVE_AMOUNTS,
    copy_insert,
    scaled,
    wait_for_quiet,
)
from bench_sql import (  # noqa: E402
    bench_company_data,
    french_company,
    load,
    rss_mb,
    timed_sql,
    vacuum_analyze,
)

MARKER = "bench_dunning.company"
COMPANY = "Dunning Bench SAS"
CUSTOMERS = 10_000
INVOICES_PER_CUSTOMER = 10
HELD_CUSTOMERS = 50
TARGET = 30.0
VACUUM_TABLES = (
    "account_move",
    "account_move_line",
    "res_partner",
    "mkc_dunning_hold",
    "mkc_dunning_log",
)
# Timed steps of a run (the model's methods, wrapped in this process only).
RUN_STEPS = (
    ("mkc.dunning.hold", "_sync_auto_holds"),
    ("mkc.dunning.hold", "_cron_refresh_cash_dispute"),
    ("mkc.dunning.run", "_dunning_read"),
    ("mkc.dunning.run", "_dunning_create"),
)


# ---- data


def bench_company(env):
    return french_company(env, COMPANY, email="compta@dunning-bench.example")


def template_invoice(env, company):
    """One customer and one posted invoice of 100.00 + 20 % VAT, copied in SQL."""
    from odoo import Command, fields

    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    customer = env["res.partner"].create(
        {"name": "DUN customer 0", "is_company": True, "email": "c0@example.com"}
    )
    today = fields.Date.context_today(env["mkc.dunning.run"])
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "company_id": company.id,
            "partner_id": customer.id,
            "invoice_date": today,
            "invoice_date_due": today + timedelta(days=30),
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "DUN template",
                        "price_unit": 100.0,
                        "tax_ids": [Command.set(company.account_sale_tax_id.ids)],
                    }
                )
            ],
        }
    )
    move.action_post()
    assert move.amount_total == 120.0, move.amount_total
    return customer, move, today


def generate(env, scale):
    cr = env.cr
    company = bench_company(env)
    customer, template, today = template_invoice(env, company)
    ncustomers = scaled(CUSTOMERS, scale)
    ninvoices = ncustomers * INVOICES_PER_CUSTOMER
    started = time.perf_counter()
    cr.execute(
        copy_insert(
            cr,
            "res_partner",
            customer.id,
            "generate_series(1, %(n)s) g",
            {
                "name": "'DUN customer ' || g",
                "complete_name": "'DUN customer ' || g",
                "email": "'c' || g || '@example.com'",
                "commercial_partner_id": "NULL",
            },
        ),
        {"n": ncustomers - 1},
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE commercial_partner_id IS NULL AND starts_with(name, 'DUN customer ')"
    )
    cr.execute(
        "SELECT array_agg(id ORDER BY id) FROM res_partner "
        "WHERE starts_with(name, 'DUN customer ')"
    )
    partners = cr.fetchone()[0]
    print(f"  customers: {len(partners):,} ({time.perf_counter() - started:.1f} s)")
    # Invoice g: customer (g - 1) mod n (10 each), due today - 90 + (17 g mod 120),
    # dated 30 days before, 0.20 to 5.19 times the template.
    source = (
        "(SELECT g, 'DUN/INV/' || g AS name, "
        "(20 + mod(g * 7919, 500)) / 100.0 AS f, "
        "(%(partners)s::int[])[mod(g - 1, %(nc)s) + 1] AS partner, "
        "%(today)s::date - 90 + mod(g * 17, 120) AS due "
        "FROM generate_series(1, %(n)s) g) s"
    )
    values = {column: f"round(t.{column} * s.f, 2)" for column in MOVE_AMOUNTS}
    values.update(
        name="s.name",
        payment_reference="s.name",
        sequence_prefix="'DUN/INV/'",
        sequence_number="s.g",
        partner_id="s.partner",
        commercial_partner_id="s.partner",
        partner_shipping_id="s.partner",
        invoice_partner_display_name="'DUN customer'",
        date="s.due - 30",
        invoice_date="s.due - 30",
        invoice_date_due="s.due",
        payment_state="'not_paid'",
        cash_dispute="mod(s.g, 100) = 42",
        access_token="NULL",
        inalterable_hash="NULL",
        secure_sequence_number="NULL",
    )
    params = {
        "partners": partners,
        "nc": len(partners),
        "today": today,
        "n": ninvoices,
        "company": company.id,
        "template": template.id,
    }
    timed_sql(
        cr,
        "invoices",
        copy_insert(cr, "account_move", template.id, source, values),
        params,
    )
    factor = "((20 + mod(m.sequence_number * 7919, 500)) / 100.0)"
    values = {column: f"round(t.{column} * {factor}, 2)" for column in LINE_AMOUNTS}
    values.update(
        move_id="m.id",
        move_name="m.name",
        date="m.date",
        invoice_date="m.invoice_date",
        date_maturity="CASE WHEN t.date_maturity IS NOT NULL "
        "THEN m.invoice_date_due END",
        partner_id="m.partner_id",
        parent_state="'posted'",
        reconciled="FALSE",
        matching_number="NULL",
        full_reconcile_id="NULL",
    )
    timed_sql(
        cr,
        "journal items",
        copy_insert(
            cr,
            "account_move_line",
            "l.id",
            "account_move m JOIN account_move_line l ON l.move_id = %(template)s",
            values,
            "m.company_id = %(company)s AND starts_with(m.name, 'DUN/INV/')",
        ),
        params,
    )
    # The template itself is an open invoice of customer 0 too: removed from the
    # counts by cancelling it (10 invoices per customer exactly).
    template.button_draft()
    template.button_cancel()
    hold_columns = (
        "move_id, partner_id, company_id, reason, origin, user_id, date_start, "
        "create_uid, write_uid, create_date, write_date"
    )
    timed_sql(
        cr,
        "invoice holds (1 %)",
        f"INSERT INTO mkc_dunning_hold ({hold_columns}) "
        "SELECT m.id, m.commercial_partner_id, m.company_id, 'quality', 'manual', 1, "
        "%(today)s::date - 10, 1, 1, now(), now() FROM account_move m "
        "WHERE m.company_id = %(company)s AND m.cash_dispute",
        params,
    )
    timed_sql(
        cr,
        "customer holds",
        f"INSERT INTO mkc_dunning_hold ({hold_columns}) "
        "SELECT NULL, p, %(company)s, 'price', 'manual', 1, %(today)s::date - 5, "
        "1, 1, now(), now() FROM unnest(%(held)s::int[]) p",
        {**params, "held": partners[1 : 1 + scaled(HELD_CUSTOMERS, scale)]},
    )
    cr.execute(
        "UPDATE account_move SET cash_dispute = TRUE WHERE company_id = %s "
        "AND commercial_partner_id = ANY(%s)",
        [company.id, partners[1 : 1 + scaled(HELD_CUSTOMERS, scale)]],
    )
    env["ir.config_parameter"].set_param(MARKER, f"{company.id},{scale:g}")
    env.invalidate_all()
    return company


def insert_history(env, company, today):
    """The logs of the reminders the default policy sent before today: D+1, D+7
    and D+20 of each invoice not held, at their dates."""
    cr = env.cr
    cr.execute(
        "SELECT count(*) FROM mkc_dunning_log WHERE company_id = %s", [company.id]
    )
    if cr.fetchone()[0]:
        return
    timed_sql(
        cr,
        "reminder history",
        """
        INSERT INTO mkc_dunning_log (move_id, partner_id, company_id, level_id,
               sequence, date, channel, amount_residual, create_uid, write_uid,
               create_date, write_date)
        SELECT m.id, m.commercial_partner_id, m.company_id, l.id, l.sequence,
               m.invoice_date_due + l."offset", l.channel, m.amount_residual_signed,
               1, 1, now(), now()
          FROM account_move m
          JOIN mkc_dunning_level l ON l.policy_id = %(policy)s
         WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
           AND m.state = 'posted' AND NOT m.cash_dispute
           AND m.invoice_date_due + l."offset" < %(today)s
        """,
        {"policy": company.dunning_policy_id.id, "company": company.id, "today": today},
    )


def sizes(cr, company, today):
    cr.execute(
        """
        SELECT count(*), count(DISTINCT commercial_partner_id),
               count(*) FILTER (WHERE invoice_date_due < %(today)s),
               count(*) FILTER (WHERE cash_dispute),
               (SELECT count(*) FROM mkc_dunning_hold WHERE company_id = %(c)s),
               (SELECT count(*) FROM mkc_dunning_log WHERE company_id = %(c)s)
          FROM account_move
         WHERE company_id = %(c)s AND move_type = 'out_invoice' AND state = 'posted'
           AND payment_state = 'not_paid'
        """,
        {"c": company.id, "today": today},
    )
    keys = ("open invoices", "customers", "overdue", "disputed", "holds", "logs")
    return dict(zip(keys, cr.fetchone(), strict=True))


# ---- timing


class Steps:
    """Wall time of named model methods, each call counted (``_dunning_create``
    includes the ``_dunning_read`` it calls)."""

    def __init__(self, env):
        self.times, self.saved, self.depth = {}, [], 0
        for model, name in RUN_STEPS:
            cls = type(env[model])
            original = getattr(cls, name)
            self.saved.append((cls, name, original))
            setattr(cls, name, self._wrap(f"{name}", original))

    def _wrap(self, label, original):
        steps = self

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                steps.times[label] = steps.times.get(label, 0.0) + elapsed

        return wrapper

    def restore(self):
        for cls, name, original in self.saved:
            setattr(cls, name, original)

    def report(self):
        return ", ".join(f"{k} {v:.2f} s" for k, v in self.times.items())


def timed_runs(env, company, label, runs):
    """``runs`` runs of the day, each rolled back; [(seconds, customers, fired)]."""
    cr = env.cr
    Run = env["mkc.dunning.run"]
    results = []
    for index in range(runs):
        steps = Steps(env)
        started = time.perf_counter()
        run = Run._dunning_prepare(company)
        env.flush_all()
        elapsed = time.perf_counter() - started
        steps.restore()
        cr.execute(
            "SELECT count(*), coalesce(sum((SELECT count(*) FROM "
            "json_object_keys(fired::json))), 0)::int FROM mkc_dunning_run_line "
            "WHERE run_id = %s",
            [run.id],
        )
        customers, fired = cr.fetchone()
        print(
            f"  {label} {index + 1}: {elapsed:.2f} s, {customers:,} customers, "
            f"{fired:,} invoices firing a level ({steps.report()}; load {load()})",
            flush=True,
        )
        results.append((elapsed, customers, fired))
        cr.rollback()
        env.invalidate_all()
    return results


def timed_send(env, company, count):
    cr = env.cr
    run = env["mkc.dunning.run"]._dunning_prepare(company)
    lines = run.line_ids[:count]
    env.flush_all()
    started = time.perf_counter()
    lines._send()
    env.flush_all()
    elapsed = time.perf_counter() - started
    cr.execute(
        "SELECT count(*) FROM mail_mail WHERE mail_message_id IN "
        "(SELECT message_id FROM mkc_dunning_run_line WHERE id = ANY(%s))",
        [lines.ids],
    )
    mails = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM mkc_dunning_log WHERE run_id = %s", [run.id])
    logs = cr.fetchone()[0]
    print(
        f"  send {len(lines):,} reminders: {elapsed:.1f} s "
        f"({len(lines) / elapsed:.0f} reminders/s), {mails:,} mails queued, "
        f"{logs:,} logs (load {load()})",
        flush=True,
    )
    cr.rollback()
    env.invalidate_all()
    return elapsed, len(lines), mails, logs


def summary(label, results):
    times = [r[0] for r in results]
    median = statistics.median(times)
    verdict = "met" if median < TARGET else "NOT met"
    print(
        f"{label}: min {min(times):.2f} s, median {median:.2f} s, "
        f"{results[0][1]:,} customers, {results[0][2]:,} invoices firing "
        f"(< {TARGET:.0f} s: {verdict})"
    )


def bench(args):
    odoo, registry = bench_import.odoo_env(args)
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True}
        )
        company, _inserted, _generated = bench_company_data(
            env, args, MARKER, generate, VACUUM_TABLES
        )
        # As the cron: superuser in the bench company.
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"allowed_company_ids": [company.id]}
        )
        today = odoo.fields.Date.context_today(env["mkc.dunning.run"])
        cr.execute("DELETE FROM mkc_dunning_log WHERE company_id = %s", [company.id])
        cr.commit()
        for key, value in sizes(cr, company, today).items():
            print(f"  {key:<16} {value:>10,}")
        wait_for_quiet(args.max_wait)
        first = timed_runs(env, company, "first run", args.runs)
        send = timed_send(env, company, args.send_lines) if args.send_lines else None
        insert_history(env, company, today)
        cr.commit()
        vacuum_analyze(args.database, ("mkc_dunning_log",))
        for key, value in sizes(cr, company, today).items():
            print(f"  {key:<16} {value:>10,}")
        daily = timed_runs(env, company, "daily run", args.runs)
        print()
        summary("first run (every late customer reminded)", first)
        summary("daily run (with the reminders already sent)", daily)
        if send:
            elapsed, lines, mails, logs = send
            print(
                f"sending: {lines:,} reminders in {elapsed:.1f} s "
                f"({lines / elapsed:.0f}/s), {mails:,} mails queued, {logs:,} logs"
            )
        print(f"peak RSS {rss_mb():.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--send-lines",
        type=int,
        default=1000,
        help="reminders of the first run to send (0: no sending)",
    )
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--max-wait", type=int, default=1800)
    bench_import.add_odoo_arguments(parser)
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
