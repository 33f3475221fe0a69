"""Benchmark of the receivables follow-up (issue 9: dunning and order-to-cash KPIs).

Part ``receivables``: the order-to-cash KPIs. Generates, in SQL (copies of
ORM-created records, as ``bench_forecast.py``), a year of B2B invoicing in a company
of its own with the French chart (``Receivables Bench SAS``): 10,000 customers,
100,000 open invoices (dated in the last 150 days, due 30 days later: about half past
due, up to 120 days; one in five partly paid, 40 %, by a bank entry), 100,000 invoices
of the last year paid in full by bank entries at each customer's delay (-5 to +40
days after the due date), their partial reconciles, 1,000 invoice holds (1 % of the
open invoices, effective), 200 released holds and 20 customer holds. Then times,
each ``--runs`` times (min and median):

1. ``mkc.receivable.kpi._refresh(company, today)``: the whole computation of a
   company's KPIs (the book read from the ledger, DSO 30 / 90 per customer, days
   late, top late payers, aged balance, the 12-month trend with DSO, recovery and
   dispute rates) and the storing of its rows, then the commit, with the time of
   each step (the model's methods and the core's, wrapped in this process only)
   and of the SQL inside each;
2. the factoring export: the eligible rows of the wizard (30 days overdue at most,
   50,000.00 per customer) and the whole XLSX;
3. the aged balance pivot (customer x bucket): the ``read_group`` of its cells.

Target (issue): the KPIs over 100k open invoices / 10k customers well under 30 s.

Usage (the Odoo Python; a throwaway database, created for the bench):

    /opt/odoo18/venv/bin/python /opt/odoo18/src/odoo-bin -d mkc_recbench \
        -i marketplace_cash,l10n_fr_account --stop-after-init --addons-path ... \
        --db_host 127.0.0.1 --db_user odoo --db_password odoo
    /opt/odoo18/venv/bin/python bench/bench_receivables.py receivables \
        -d mkc_recbench --addons-path ... --db_host 127.0.0.1 --db_user odoo \
        --db_password odoo

The generated data and the computed KPIs are committed: never run it on a database
you care about. A second run refuses to generate again; ``--reuse`` times the data
already there (``--scale 0.05`` makes a small data set, for trying the script).
Numbers go to bench/README.md by hand.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the Odoo set-up)
from bench_forecast import (  # noqa: E402
    LINE_AMOUNTS,
    MOVE_AMOUNTS,
    Steps,
    bank_receipt,
    copy_insert,
    copy_partners,
    scaled,
    timed_runs,
    wait_for_quiet,
)
from bench_sql import (  # noqa: E402
    bench_company_data,
    french_company,
    load,
    rss_mb,
    timed_sql,
)

MARKER = "bench_receivables.company"
COMPANY = "Receivables Bench SAS"
CUSTOMERS = 10_000
OPEN_INVOICES = 100_000
PAID_INVOICES = 100_000
HELD = 1_000  # invoice holds: the open invoices numbered 42 mod 100
RELEASED = 200
CUSTOMER_HOLDS = 20
FACTORING_DAYS = 30
FACTORING_LIMIT = 50_000.0
REPORT = "marketplace_cash.receivable_factoring_xlsx"
KPI_STEPS = ("_book", "_read_items", "_read_holds", "_store_aged")
KPI_STEPS += ("_store_partners", "_store_months")
CORE_STEPS = (
    "trend",
    "dso_by_partner",
    "days_late_paid",
    "days_late_open",
    "top_late_payers",
    "aged_rows",
)
VACUUM_TABLES = (
    "res_partner",
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "mkc_dunning_hold",
)
# The generated documents: kind -> (sequence prefix, template).
PREFIXES = {
    "open": "RCB/INV/",
    "paid": "RCB/PAID/",
    "pay": "RCB/PAY/",
    "part": "RCB/PART/",
}


# ---- data


def bench_company(env):
    """The company of the bench, with the French chart."""
    return french_company(env, COMPANY)


def orm_records(env, company, today):
    """A customer, a posted invoice of 100.00 + 20 % VAT, a posted bank entry
    paying 120.00 on the receivable account, and a hold: the SQL copies' models."""
    from odoo import Command

    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    customer = env["res.partner"].create(
        {"name": "RCB customer 0", "is_company": True, "customer_rank": 1}
    )
    tax = company.account_sale_tax_id
    assert tax, "the French chart gave no default sale tax"
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_date": today,
            "invoice_payment_term_id": False,
            "invoice_date_due": today,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "RCB template",
                        "price_unit": 100.0,
                        "tax_ids": [Command.set(tax.ids)],
                    }
                )
            ],
        }
    )
    invoice.action_post()
    assert invoice.amount_total == 120.0, invoice.amount_total
    _bank, payment = bank_receipt(env, company, invoice, today)
    hold = env["mkc.dunning.hold"].create(
        {
            "move_id": invoice.id,
            "partner_id": customer.id,
            "company_id": company.id,
            "reason": "quality",
            "date_start": today,
        }
    )
    env.flush_all()
    return {"customer": customer, "invoice": invoice, "payment": payment, "hold": hold}


def documents(cr, params):
    """The temporary table of the documents to generate: one row per invoice or
    bank entry, with its customer, dates, amount factor ``f`` (0.20 to 5.19 times
    the template's 120.00) and residual factor ``r``."""
    cr.execute(
        """
        CREATE TEMP TABLE rcb_docs ON COMMIT DROP AS
        -- open invoices: dated 0-149 days ago, due 30 days later; one in five
        -- 40 percent paid
        SELECT 'open'::text AS kind, g,
               (%(customers)s::int[])[mod(g * 7, %(ncustomers)s) + 1] AS partner,
               %(today)s::date - mod(g * 11, 150) AS day,
               %(today)s::date - mod(g * 11, 150) + 30 AS due,
               (20 + mod(g * 7919, 500)) / 100.0 AS f,
               CASE WHEN mod(g, 5) = 0 THEN 0.6 ELSE 1 END AS r
          FROM generate_series(1, %(open)s) g
        UNION ALL
        -- paid invoices: dated 30-364 days ago, due 30 days later, paid in full
        SELECT 'paid', g, (%(customers)s::int[])[mod(g * 7, %(ncustomers)s) + 1],
               %(today)s::date - 30 - mod(g * 13, 335),
               %(today)s::date - mod(g * 13, 335),
               (20 + mod(g * 7919, 500)) / 100.0, 0
          FROM generate_series(1, %(paid)s) g
        """,
        params,
    )
    cr.execute(
        """
        INSERT INTO rcb_docs
        -- the payments of the paid invoices: due date + the customer's delay
        -- (-5 to +40 days), not after yesterday
        SELECT 'pay', g, partner,
               least(due + mod(partner, 46) - 5, %(today)s::date - 1), NULL::date, f, 0
          FROM rcb_docs WHERE kind = 'paid'
        UNION ALL
        -- the partial payments of the open invoices: 40 percent, 0-19 days after the
        -- invoice, not after today
        SELECT 'part', g, partner, least(day + mod(g, 20), %(today)s::date), NULL::date,
               f * 0.4, 0
          FROM rcb_docs WHERE kind = 'open' AND r < 1
        """,
        params,
    )
    cr.execute("ANALYZE rcb_docs")


def copy_moves(cr, kind, template, params):
    """The posted copies of ``template`` for the documents of ``kind``, then
    their journal items."""
    prefix = PREFIXES[kind]
    source = "rcb_docs s"
    values = {column: f"round(t.{column} * s.f, 2)" for column in MOVE_AMOUNTS}
    residual = "round(t.amount_residual * s.f * s.r, 2)"
    values.update(
        amount_residual=residual,
        amount_residual_signed="round(t.amount_residual_signed * s.f * s.r, 2)",
        name=f"'{prefix}' || s.g",
        payment_reference="CASE WHEN t.move_type = 'entry' THEN NULL "
        f"ELSE '{prefix}' || s.g END",
        sequence_prefix=f"'{prefix}'",
        sequence_number="s.g",
        partner_id="s.partner",
        commercial_partner_id="s.partner",
        partner_shipping_id="CASE WHEN t.partner_shipping_id IS NOT NULL "
        "THEN s.partner END",
        invoice_partner_display_name="CASE WHEN t.move_type = 'entry' THEN NULL "
        "ELSE 'RCB customer ' || s.partner END",
        date="s.day",
        invoice_date="CASE WHEN t.move_type = 'entry' THEN NULL ELSE s.day END",
        invoice_date_due="CASE WHEN t.move_type = 'entry' THEN NULL ELSE s.due END",
        payment_state="CASE WHEN t.move_type = 'entry' THEN t.payment_state "
        "WHEN s.r = 0 THEN 'paid' WHEN s.r < 1 THEN 'partial' ELSE 'not_paid' END",
        access_token="NULL",
        inalterable_hash="NULL",
        secure_sequence_number="NULL",
        create_date="s.day::timestamp",
        write_date="s.day::timestamp",
    )
    cr.execute(
        copy_insert(
            cr, "account_move", template.id, source, values, f"s.kind = '{kind}'"
        ),
        params,
    )
    moves = cr.rowcount
    values = {column: f"round(t.{column} * s.f, 2)" for column in LINE_AMOUNTS}
    values.update(
        amount_residual="round(t.amount_residual * s.f * s.r, 2)",
        amount_residual_currency="round(t.amount_residual_currency * s.f * s.r, 2)",
        reconciled="CASE WHEN t.amount_residual <> 0 THEN s.r = 0 "
        "ELSE t.reconciled END",
        move_id="m.id",
        move_name="m.name",
        date="m.date",
        invoice_date="m.invoice_date",
        date_maturity="CASE WHEN t.date_maturity IS NOT NULL "
        "THEN coalesce(m.invoice_date_due, m.date) END",
        partner_id="m.partner_id",
        parent_state="'posted'",
        matching_number="NULL",
        full_reconcile_id="NULL",
        create_date="m.create_date",
        write_date="m.create_date",
    )
    cr.execute(
        copy_insert(
            cr,
            "account_move_line",
            "l.id",
            "rcb_docs s JOIN account_move m ON m.company_id = %(company)s "
            f"AND m.sequence_prefix = '{prefix}' AND m.sequence_number = s.g "
            "JOIN account_move_line l ON l.move_id = %(template)s",
            values,
            f"s.kind = '{kind}'",
        ),
        {**params, "template": template.id},
    )
    print(
        f"  {kind}: {moves:,} moves, {cr.rowcount:,} journal items (load {load()})",
        flush=True,
    )


def generate(env, scale):
    """The data of the module docstring; returns the company."""
    from odoo import fields

    cr = env.cr
    started = time.perf_counter()
    company = bench_company(env)
    today = fields.Date.context_today(env["mkc.receivable.kpi"])
    records = orm_records(env, company, today)
    print(f"  company, chart and templates: {time.perf_counter() - started:.1f} s")
    customers = copy_partners(
        cr, records["customer"], "RCB customer", scaled(CUSTOMERS, scale, 50) - 1
    )
    params = {
        "company": company.id,
        "customers": customers,
        "ncustomers": len(customers),
        "today": today,
        "open": scaled(OPEN_INVOICES, scale),
        "paid": scaled(PAID_INVOICES, scale),
    }
    print(f"  customers: {len(customers):,}", flush=True)
    documents(cr, params)
    for kind, template in (
        ("open", records["invoice"]),
        ("paid", records["invoice"]),
        ("pay", records["payment"]),
        ("part", records["payment"]),
    ):
        copy_moves(cr, kind, template, params)
    cr.execute("ANALYZE account_move; ANALYZE account_move_line")
    timed_sql(
        cr,
        "partial reconciles",
        """
        INSERT INTO account_partial_reconcile
               (debit_move_id, credit_move_id, amount, debit_amount_currency,
                credit_amount_currency, debit_currency_id, credit_currency_id,
                company_id, max_date, create_uid, write_uid, create_date, write_date)
        SELECT dl.id, cl.id, dl.balance - dl.amount_residual,
               dl.balance - dl.amount_residual, dl.balance - dl.amount_residual,
               dl.currency_id, dl.currency_id, %(company)s,
               greatest(inv.date, pay.date), 1, 1, pay.date, pay.date
          FROM account_move inv
          JOIN account_move pay ON pay.company_id = inv.company_id
           AND pay.sequence_prefix = CASE inv.sequence_prefix
                   WHEN 'RCB/PAID/' THEN 'RCB/PAY/' ELSE 'RCB/PART/' END
           AND pay.sequence_number = inv.sequence_number
          JOIN account_move_line dl ON dl.move_id = inv.id
           AND dl.display_type = 'payment_term'
          JOIN account_move_line cl ON cl.move_id = pay.id
           AND cl.account_id = dl.account_id
         WHERE inv.company_id = %(company)s
           AND inv.sequence_prefix IN ('RCB/PAID/', 'RCB/INV/')
        """,
        params,
    )
    hold = records["hold"]
    held = scaled(HELD, scale)
    timed_sql(
        cr,
        "invoice holds (effective)",
        copy_insert(
            cr,
            "mkc_dunning_hold",
            hold.id,
            "account_move m",
            {
                "move_id": "m.id",
                "partner_id": "m.commercial_partner_id",
                "date_start": "%(today)s::date - 10",
                "reason": "(ARRAY['delivery', 'quality', 'price', 'other'])"
                "[mod(m.sequence_number, 4) + 1]",
            },
            "m.company_id = %(company)s AND m.sequence_prefix = 'RCB/INV/' "
            "AND mod(m.sequence_number, 100) = 42 "
            "AND m.sequence_number <= %(held)s * 100",
        ),
        {**params, "held": held},
    )
    timed_sql(
        cr,
        "released holds",
        copy_insert(
            cr,
            "mkc_dunning_hold",
            hold.id,
            "account_move m",
            {
                "move_id": "m.id",
                "partner_id": "m.commercial_partner_id",
                "date_start": "m.invoice_date_due",
                "date_released": "m.invoice_date_due + 20",
            },
            "m.company_id = %(company)s AND m.sequence_prefix = 'RCB/PAID/' "
            "AND mod(m.sequence_number, 100) = 7 "
            "AND m.sequence_number <= %(released)s * 100",
        ),
        {**params, "released": scaled(RELEASED, scale)},
    )
    timed_sql(
        cr,
        "customer holds",
        copy_insert(
            cr,
            "mkc_dunning_hold",
            hold.id,
            "unnest(%(customers)s::int[]) WITH ORDINALITY AS c(id, i)",
            {
                "move_id": "NULL",
                "partner_id": "c.id",
                "date_start": "%(today)s::date - 40",
                "date_expiry": "%(today)s::date + 20",
            },
            "mod(c.i, 500) = 3",
        ),
        params,
    )
    cr.execute("DELETE FROM mkc_dunning_hold WHERE id = %s", [hold.id])
    env["ir.config_parameter"].set_param(MARKER, f"{company.id},{scale}")
    env.invalidate_all()
    return company


def sizes(cr, company):
    counts = {}
    for label, query in (
        (
            "customers",
            "SELECT count(DISTINCT commercial_partner_id) FROM account_move "
            "WHERE company_id = %(company)s AND move_type = 'out_invoice'",
        ),
        (
            "open invoices",
            "SELECT count(*) FROM account_move WHERE company_id = %(company)s "
            "AND move_type = 'out_invoice' AND payment_state <> 'paid'",
        ),
        (
            "paid invoices",
            "SELECT count(*) FROM account_move WHERE company_id = %(company)s "
            "AND move_type = 'out_invoice' AND payment_state = 'paid'",
        ),
        (
            "journal items",
            "SELECT count(*) FROM account_move_line WHERE company_id = %(company)s",
        ),
        (
            "partial reconciles",
            "SELECT count(*) FROM account_partial_reconcile "
            "WHERE company_id = %(company)s",
        ),
        (
            "holds",
            "SELECT count(*) FROM mkc_dunning_hold WHERE company_id = %(company)s",
        ),
    ):
        cr.execute(query, {"company": company.id})
        counts[label] = cr.fetchone()[0]
    return counts


def instrument(env, steps):
    from odoo.addons.marketplace_cash.core import receivables as core

    kpi = type(env["mkc.receivable.kpi"])
    for name in KPI_STEPS:
        steps.wrap(kpi, name)
    steps.wrap(core.Book, "__init__", "core.Book()")
    for name in CORE_STEPS:
        steps.wrap(core.Book, name, f"core.{name}")


def summary_line(label, times, target=None):
    median = statistics.median(times)
    line = f"{label}: min {min(times):.3f} s, median {median:.3f} s"
    if target:
        line += f" (target < {target:g} s: {'met' if median < target else 'NOT met'})"
    return line


def bench_kpis(args):
    odoo, registry = bench_import.odoo_env(args)
    from odoo import fields

    summary = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True}
        )
        company, _inserted, generated = bench_company_data(
            env, args, MARKER, generate, VACUUM_TABLES
        )
        if generated is not None:
            summary.append(f"data generation (committed): {generated:.1f} s")
        counts = sizes(cr, company)
        for label, value in counts.items():
            print(f"  {label:<20} {value:>12,}")

        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"allowed_company_ids": [company.id]}
        )
        today = fields.Date.context_today(env["mkc.receivable.kpi"])
        wait_for_quiet(args.max_wait)
        loads = [load()]
        steps = Steps()
        instrument(env, steps)
        kpi = env["mkc.receivable.kpi"]

        def refresh():
            kpi._refresh(company, today)
            return True

        times = timed_runs(env, "KPIs", args.runs, steps, refresh)
        steps.restore()
        print("steps of the KPIs (nested under their caller):")
        steps.report()
        summary.append(summary_line("KPIs (_refresh + commit)", times, 30))
        loads.append(load())
        rows = {
            model: env[model].search_count([("company_id", "=", company.id)])
            for model in (
                "mkc.receivable.aged",
                "mkc.receivable.kpi.partner",
                "mkc.receivable.kpi.month",
            )
        }
        summary.append(
            "rows stored: " + ", ".join(f"{m} {n:,}" for m, n in rows.items())
        )
        months = env["mkc.receivable.kpi.month"].search(
            [("company_id", "=", company.id)], order="date_to desc", limit=1
        )
        summary.append(
            f"today: receivables {months.receivables:,.2f} (held "
            f"{months.held_receivables:,.2f}), DSO 30 {months.dso_30} / 90 "
            f"{months.dso_90}, recovery {months.recovery_rate}, disputes "
            f"{months.disputed_count} / {months.issued_count}"
        )

        wizard = env["mkc.receivable.factoring.wizard"].create(
            {
                "company_id": company.id,
                "date": today,
                "max_overdue_days": FACTORING_DAYS,
                "customer_limit": FACTORING_LIMIT,
            }
        )
        eligible = []

        def export_rows():
            eligible[:] = wizard._export_rows()[0]
            return False

        def export_xlsx():
            env["ir.actions.report"]._render(REPORT, wizard.ids, {})
            return False

        times = timed_runs(env, "factoring rows", args.runs, Steps(), export_rows)
        summary.append(summary_line("factoring rows", times))
        summary.append(f"  eligible invoices: {len(eligible):,}")
        times = timed_runs(env, "factoring XLSX", args.runs, Steps(), export_xlsx)
        summary.append(summary_line("factoring XLSX (rows + workbook)", times))

        def pivot():
            env["mkc.receivable.aged"].read_group(
                [("company_id", "=", company.id)],
                ["amount:sum"],
                ["partner_id", "bucket"],
                lazy=False,
            )
            return False

        times = timed_runs(env, "aged pivot", args.runs, Steps(), pivot)
        summary.append(summary_line("aged balance pivot (customer x bucket)", times))
        loads.append(load())
        cr.rollback()
    summary.append("load averages at the timed blocks: " + " | ".join(loads))
    summary.append(f"peak RSS {rss_mb():.0f} MB")
    print()
    print(f"== summary ({args.database}, {os.cpu_count()} CPUs, load {load()})")
    for line in summary:
        print(line)
    print("data: " + ", ".join(f"{label} {value:,}" for label, value in counts.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parts = parser.add_subparsers(dest="part", required=True)
    kpis = parts.add_parser("receivables", help="the order-to-cash KPIs")
    kpis.add_argument("--runs", type=int, default=3)
    kpis.add_argument("--scale", type=float, default=1.0)
    kpis.add_argument("--reuse", action="store_true")
    kpis.add_argument("--max-wait", type=int, default=1800)
    bench_import.add_odoo_arguments(kpis)
    args = parser.parse_args()
    if args.part == "receivables":
        bench_kpis(args)


if __name__ == "__main__":
    main()
