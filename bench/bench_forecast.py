"""Benchmark of the 13-week cash forecast (issue: cash forecast and scenarios).

Generates, mostly in SQL (copies of ORM-created records), two years of a marketplace
seller in a company of its own with the French chart (``Forecast Bench SAS``): 5
channels (amazon, mirakl, shopify, stripe, ebay), 200,000 confirmed marketplace orders
(170,000 settled, 10,000 of the last 3 weeks with open ledger lines, 20,000 of the
last 2 weeks delivered and not settled yet), about 1,000,000 ledger lines (sale,
shipping, fees, promotions, refunds, disputes, advertising, reserve holds and
releases; all but the last 3 weeks' 51,000 in 14-day payouts deposited 3 days after
the close, one payout per channel announced and not deposited yet), 100,000 open
documents (60,000 customer invoices and 40,000 vendor bills due in the next 90 days, 1 %
of the invoices disputed), 20,000 invoices of the last year paid by bank entries
(partial reconciles: the customers' delays), an opening bank balance, 2,000 purchase
order lines not billed and 6 recurring items. Then times, each ``--runs`` times (min
and median):

1. ``marketplace.cash.forecast.action_compute()`` of the forecast dated today (base
   only) and its commit, with the time of each step (the model's methods, wrapped in
   this process only) and the SQL inside each;
2. ``marketplace.cash.scenario._compute_on(forecast)`` of a scenario of 3 shocks
   (volume +30 % for 30 days with 14 days of lead time, payout delay +7 days on the
   Amazon channel, supplier terms +15 days) and its commit;
3. the weekly dashboard ``marketplace.cash.dashboard.get_data()``, when the model
   exists, as the admin user (a cash manager of the company).

Targets (issue): the forecast over 1M transactions and 100k open documents < 2 s; a
scenario recompute < 0.5 s; the weekly dashboard < 1 s of server time with 2 years of
data. The timed runs wait while another benchmark (a Python script whose name
contains "bench") runs on the machine.

Usage (the Odoo Python; a throwaway database, created for the bench):

    /opt/odoo18/venv/bin/python /opt/odoo18/src/odoo-bin -d mkc_fcbench \
        -i marketplace_cash,l10n_fr_account --stop-after-init --addons-path ... \
        --db_host 127.0.0.1 --db_user odoo --db_password odoo
    /opt/odoo18/venv/bin/python bench/bench_forecast.py -d mkc_fcbench \
        --addons-path ... --db_host 127.0.0.1 --db_user odoo --db_password odoo

The generated data and the computed forecast are committed (creating the first French
company also installs account_peppol, which Odoo commits at once): never run it on a
database you care about. A second run refuses to generate again; ``--reuse`` skips
the generation and times the data already there (``--scale 0.05`` makes a small data
set, for trying the script). Numbers go to bench/README.md by hand.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the Odoo set-up)
from bench_sql import (  # noqa: E402
    bench_company_data,
    columns,
    french_company,
    load,
    rss_mb,
    timed_sql,
)

MARKER = "bench_forecast.company"
COMPANY = "Forecast Bench SAS"
PLATFORMS = ("amazon", "mirakl", "shopify", "stripe", "ebay")
CYCLE_DAYS = 14  # the generated payouts: one per channel every 14 days
CLOSED_PAYOUTS = 51  # per channel; the last one closes 21 days before today
DEPOSIT_LAG = 3  # days from a payout's close to its deposit
# Sizes at --scale 1.
SETTLED_ORDERS = 170_000
OPEN_ORDERS = 10_000
NEW_ORDERS = 20_000
OPEN_INVOICES = 60_000
OPEN_BILLS = 40_000
PAID_INVOICES = 20_000
PURCHASE_ORDERS = 500  # of 4 lines each
CUSTOMERS = 2_000
SUPPLIERS = 500
ADS_PER_DAY = 8  # advertising lines per channel and day
TARGETS = {"forecast": 2.0, "scenario": 0.5, "dashboard": 1.0}
# Timed steps: the forecast's methods (nested calls are reported under their caller),
# then the scenario's and the dashboard's.
FORECAST_STEPS = (
    "_gather",
    "_payout_flows",
    "_invoice_flows",
    "_customer_delays",
    "_purchase_flows",
    "_advertising_flows",
    "_vat_flows",
    "_recurring_flows",
    "_opening",
    "_store_flows",
    "_store_weeks",
    "_base_flows",
)
CORE_STEPS = ("expected_payouts", "weekly_table", "apply_scenario")
DASHBOARD_STEPS = (
    "_payout_kpis",
    "_payout_sums",
    "_reserve_kpis",
    "_ledger_kpis",
    "_ledger_weeks",
    "_expected_refunds",
    "_disputes_at_risk",
    "_order_kpis",
    "_orders_weeks",
    "_late_weeks",
    "_disputed_weeks",
    "_stock_kpis",
    "_finance_kpis",
    "_balances_at",
    "_invoiced_windows",
    "_stock_at",
    "_recovery",
    "_dashboard_margin_by_channel",
)
MOVE_AMOUNTS = (
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "amount_untaxed_signed",
    "amount_untaxed_in_currency_signed",
    "amount_tax_signed",
    "amount_total_signed",
    "amount_total_in_currency_signed",
    "amount_residual_signed",
)
LINE_AMOUNTS = (
    "debit",
    "credit",
    "balance",
    "amount_currency",
    "tax_base_amount",
    "amount_residual",
    "amount_residual_currency",
    "price_unit",
    "price_subtotal",
    "price_total",
)


def copy_insert(cr, table, template, source, values, where="TRUE"):
    """``INSERT INTO table ... SELECT`` one row per row of ``source`` (SQL, aliases
    of its own) matching ``where``, ``values`` (column -> SQL expression) for the
    columns named, the template row ``t`` (an ORM-created record: ``template`` is its
    id, or an SQL expression over ``source``) for every other column but ``id``."""
    names = columns(cr, table)
    unknown = set(values) - set(names)
    assert not unknown, f"{table} has no column {unknown}"
    names = [name for name in names if name != "id"]
    exprs = [values.get(name, f't."{name}"') for name in names]
    quoted = ", ".join(f'"{name}"' for name in names)
    return (
        f"INSERT INTO {table} ({quoted}) "
        f"SELECT {', '.join(exprs)} FROM {source} "
        f"JOIN {table} t ON t.id = {template} WHERE {where}"
    )


def scaled(value, scale, low=1):
    return max(low, round(value * scale))


# ---- data


def bench_company(env):
    """The company of the bench, with the French chart (bank journal, VAT), the
    admin user as its cash manager (for the dashboard)."""
    from odoo import Command

    company = french_company(env, COMPANY)
    if not env["stock.warehouse"].search([("company_id", "=", company.id)]):
        env["stock.warehouse"].create(
            {"name": "Bench forecast", "code": "FCB", "company_id": company.id}
        )
    env.ref("base.user_admin").write(
        {
            "company_ids": [Command.link(company.id)],
            "groups_id": [
                Command.link(env.ref("marketplace_cash.group_cash_manager").id)
            ],
        }
    )
    return company


def bank_receipt(env, company, invoice, today):
    """``(bank journal, entry)``: a posted bank entry of ``today`` receiving the
    invoice's total on its receivable account, not matched to it (the model of the
    SQL-copied payments)."""
    from odoo import Command

    bank = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    receivable = invoice.line_ids.filtered(
        lambda line: line.display_type == "payment_term"
    ).account_id
    partner = invoice.partner_id
    amount = invoice.amount_total
    payment = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": bank.id,
            "date": today,
            "line_ids": [
                Command.create(
                    {
                        "account_id": bank.default_account_id.id,
                        "partner_id": partner.id,
                        "debit": amount,
                    }
                ),
                Command.create(
                    {
                        "account_id": receivable.id,
                        "partner_id": partner.id,
                        "credit": amount,
                    }
                ),
            ],
        }
    )
    payment.action_post()
    return bank, payment


def orm_records(env, company):
    """Channels, partners, a product and one record of each kind the SQL copies."""
    from odoo import Command, fields

    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    eur = company.currency_id
    channels = env["marketplace.channel"].create(
        [
            {
                "name": f"Bench {platform}",
                "platform": platform,
                "company_id": company.id,
                "currency_id": eur.id,
                "payout_reserve_rate": 0.10 if platform == "amazon" else 0.0,
                "payout_reserve_days": 14 if platform == "amazon" else 0,
            }
            for platform in PLATFORMS
        ]
    )
    customer = env["res.partner"].create(
        {"name": "FCB customer 0", "is_company": True, "customer_rank": 1}
    )
    supplier = env["res.partner"].create(
        {"name": "FCB supplier 0", "is_company": True, "supplier_rank": 1}
    )
    product = env["product.product"].create(
        {
            "name": "FCB lamp",
            "type": "consu",
            "list_price": 100.0,
            "standard_price": 40.0,
        }
    )
    sale_tax = company.account_sale_tax_id
    purchase_tax = company.account_purchase_tax_id
    assert sale_tax and purchase_tax, "the French chart gave no default taxes"
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "company_id": company.id,
            "marketplace_channel_id": channels[0].id,
            "marketplace_order_ref": "FCB-TEMPLATE",
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "price_unit": 100.0,
                        "tax_id": [Command.set(sale_tax.ids)],
                    }
                )
            ],
        }
    )
    order.action_confirm()
    payout = env["marketplace.payout"].create(
        {"name": "FCB-TEMPLATE", "channel_id": channels[0].id, "currency_id": eur.id}
    )
    today = fields.Date.context_today(env["marketplace.cash.forecast"])

    def document(move_type, partner, tax):
        move = env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": today,
                "invoice_date_due": today + timedelta(days=30),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "FCB template",
                            "price_unit": 100.0,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                ],
            }
        )
        move.action_post()
        assert move.amount_total == 120.0, move.amount_total
        return move

    invoice = document("out_invoice", customer, sale_tax)
    bill = document("in_invoice", supplier, purchase_tax)
    bank, payment = bank_receipt(env, company, invoice, today)
    equity = env["account.account"].search(
        [("company_ids", "in", company.id), ("account_type", "=", "equity")], limit=1
    )
    opening = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": bank.id,
            "date": today - timedelta(days=735),
            "ref": "FCB opening balance",
            "line_ids": [
                Command.create(
                    {"account_id": bank.default_account_id.id, "debit": 2_000_000.0}
                ),
                Command.create({"account_id": equity.id, "credit": 2_000_000.0}),
            ],
        }
    )
    opening.action_post()
    purchase = env["purchase.order"].create(
        {
            "partner_id": supplier.id,
            "company_id": company.id,
            "payment_term_id": env.ref("account.account_payment_term_30days").id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_qty": 10,
                        "price_unit": 100.0,
                        "taxes_id": [Command.set(purchase_tax.ids)],
                    }
                )
            ],
        }
    )
    purchase.button_confirm()
    env["marketplace.cash.recurring"].create(
        [
            {
                "name": name,
                "company_id": company.id,
                "amount": amount,
                "frequency": frequency,
                "date_start": today.replace(day=day) - timedelta(days=365),
            }
            for name, amount, frequency, day in (
                ("Salaires", -42_000.0, "monthly", 28),
                ("URSSAF", -18_000.0, "monthly", 15),
                ("Loyer entrepôt", -8_500.0, "monthly", 5),
                ("Emprunt BPI", -3_200.0, "monthly", 1),
                ("Assurances", -2_400.0, "quarterly", 10),
                ("Logiciels", -600.0, "weekly", 2),
            )
        ]
    )
    env.flush_all()
    return {
        "channels": channels,
        "customer": customer,
        "supplier": supplier,
        "order": order,
        "payout": payout,
        "invoice": invoice,
        "bill": bill,
        "payment": payment,
        "purchase": purchase,
        "today": today,
    }


def copy_partners(cr, template, prefix, count):
    cr.execute(
        copy_insert(
            cr,
            "res_partner",
            template.id,
            "generate_series(1, %(n)s) g",
            {
                "name": f"'{prefix} ' || g",
                "complete_name": f"'{prefix} ' || g",
                "commercial_partner_id": "NULL",
                "create_date": "t.create_date",
            },
        ),
        {"n": count},
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE commercial_partner_id IS NULL AND starts_with(name, %s) "
        "RETURNING id",
        [f"{prefix} "],
    )
    return sorted([template.id] + [pid for (pid,) in cr.fetchall()])


def copy_moves(cr, template, kind, count, params):
    """``count`` posted copies of the invoice, bill or bank entry ``template``,
    amounts scaled (0.20 to 5.19 times the template's 100.00 + 20 % VAT), then
    their journal items. ``kind``: "invoice" (open, due in the next 90 days), "bill",
    "paid" (an invoice due in the last year, paid) or "payment" (the bank entry of
    the paid invoice of the same number, at the customer's delay)."""
    prefix = {
        "invoice": "FCB/INV/",
        "bill": "FCB/BILL/",
        "paid": "FCB/PAID/",
        "payment": "FCB/PAY/",
    }[kind]
    partners = "%(suppliers)s" if kind == "bill" else "%(customers)s"
    size = "400" if kind == "bill" else "500"
    due = {
        "invoice": "%(today)s::date + mod(g * 17, 91)",
        "bill": "%(today)s::date + mod(g * 13, 91)",
        # paid: due 1 to 365 days ago; payment: that day plus the customer's delay
        # (-5 to +23 days, the same for all the invoices of a customer), not after
        # yesterday.
        "paid": "%(today)s::date - 1 - mod(g * 13, 365)",
        "payment": "least(%(today)s::date - 1 - mod(g * 13, 365) "
        "+ mod(mod(g * 7, %(ncustomers)s), 25) - 5 + mod(g, 5), %(today)s::date - 1)",
    }[kind]
    day = {
        "invoice": "%(today)s::date - mod(g * 11, 45)",
        "bill": "%(today)s::date - mod(g * 11, 45)",
        "paid": f"{due} - 30",
        "payment": due,
    }[kind]
    source = (
        f"(SELECT g, '{prefix}' || g AS name, "
        f"(20 + mod(g * 7919, {size})) / 100.0 AS f, "
        f"({partners}::int[])[mod(g * 7, cardinality({partners}::int[])) + 1] "
        f"AS partner, {day} AS day, {due} AS due "
        "FROM generate_series(1, %(n)s) g) s"
    )
    values = {column: f"round(t.{column} * s.f, 2)" for column in MOVE_AMOUNTS}
    if kind in ("paid", "payment"):
        values.update(amount_residual="0", amount_residual_signed="0")
    values.update(
        name="s.name",
        payment_reference="CASE WHEN t.move_type = 'entry' THEN NULL ELSE s.name END",
        sequence_prefix=f"'{prefix}'",
        sequence_number="s.g",
        partner_id="s.partner",
        commercial_partner_id="s.partner",
        partner_shipping_id="CASE WHEN t.partner_shipping_id IS NOT NULL "
        "THEN s.partner END",
        invoice_partner_display_name="CASE WHEN t.move_type = 'entry' THEN NULL "
        "ELSE 'FCB partner ' || s.partner END",
        date="s.day",
        invoice_date="CASE WHEN t.move_type = 'entry' THEN NULL ELSE s.day END",
        invoice_date_due="CASE WHEN t.move_type = 'entry' THEN NULL ELSE s.due END",
        payment_state={
            "invoice": "'not_paid'",
            "bill": "'not_paid'",
            "paid": "'paid'",
            "payment": "t.payment_state",
        }[kind],
        cash_dispute="mod(s.g, 100) = 42" if kind == "invoice" else "FALSE",
        access_token="NULL",
        inalterable_hash="NULL",
        secure_sequence_number="NULL",
        create_date="s.day::timestamp",
        write_date="s.day::timestamp",
    )
    cr.execute(copy_insert(cr, "account_move", template.id, source, values), params)
    moves = cr.rowcount
    settled = kind in ("paid", "payment")
    factor = f"((20 + mod(m.sequence_number * 7919, {size})) / 100.0)"
    values = {column: f"round(t.{column} * {factor}, 2)" for column in LINE_AMOUNTS}
    if settled:
        values.update(amount_residual="0", amount_residual_currency="0")
    values.update(
        move_id="m.id",
        move_name="m.name",
        date="m.date",
        invoice_date="m.invoice_date",
        date_maturity="CASE WHEN t.date_maturity IS NOT NULL "
        "THEN coalesce(m.invoice_date_due, m.date) END",
        partner_id="m.partner_id",
        parent_state="'posted'",
        reconciled="t.reconciled OR t.amount_residual <> 0" if settled else "FALSE",
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
            "account_move m JOIN account_move_line l ON l.move_id = %(template)s",
            values,
            "m.company_id = %(company)s AND starts_with(m.name, %(prefix)s)",
        ),
        {**params, "template": template.id, "prefix": prefix},
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
    print(
        f"  company and French chart: {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    started = time.perf_counter()
    records = orm_records(env, company)
    print(f"  ORM templates: {time.perf_counter() - started:.1f} s", flush=True)
    channels = records["channels"]
    today = records["today"]
    now = fields.Datetime.now()
    midnight = datetime.combine(today, datetime.min.time())
    closed_end = midnight - timedelta(days=21)
    anchor = closed_end - timedelta(days=CYCLE_DAYS * CLOSED_PAYOUTS)
    settled = scaled(SETTLED_ORDERS, scale)
    open_orders = scaled(OPEN_ORDERS, scale)
    new = scaled(NEW_ORDERS, scale)
    customers = copy_partners(
        cr, records["customer"], "FCB customer", scaled(CUSTOMERS, scale, 50)
    )
    suppliers = copy_partners(
        cr, records["supplier"], "FCB supplier", scaled(SUPPLIERS, scale, 20)
    )
    params = {
        "company": company.id,
        "eur": company.currency_id.id,
        "channels": channels.ids,
        "customers": customers,
        "ncustomers": len(customers),
        "suppliers": suppliers,
        "today": today,
        "now": now,
        "anchor": anchor,
        "closed_end": closed_end,
        "cycle": CYCLE_DAYS * 86400,
        "closed": CLOSED_PAYOUTS,
        "lag": DEPOSIT_LAG,
        "settled": settled,
        "open": open_orders,
        "orders": settled + open_orders + new,
    }
    print(f"  partners: {len(customers):,} customers, {len(suppliers):,} suppliers")

    # Orders: settled ones over 2 years (up to 21 days ago), then the last 3 weeks'
    # with open ledger lines, then the last 2 weeks' delivered, no ledger line yet.
    source = """(
        SELECT g, CASE WHEN g <= %(settled)s THEN 'fcb:settled'
                       WHEN g <= %(settled)s + %(open)s THEN 'fcb:open'
                       ELSE 'fcb:new' END AS kind,
               %(now)s::timestamp - make_interval(secs => 86400 * CASE
                   WHEN g <= %(settled)s
                       THEN 21.5 + 698.0 * (%(settled)s - g) / %(settled)s
                   WHEN g <= %(settled)s + %(open)s
                       THEN 1.0 + 20.0 * (%(settled)s + %(open)s - g) / %(open)s
                   ELSE 0.25 + 13.0 * (%(orders)s - g)
                        / (%(orders)s - %(settled)s - %(open)s) END) AS ordered,
               round(15 + mod(g * 7919, 9000) / 100.0, 2) AS total
          FROM generate_series(1, %(orders)s) g) s"""
    partner = "(%(customers)s::int[])[mod(s.g * 7, %(ncustomers)s) + 1]"
    timed_sql(
        cr,
        "marketplace orders",
        copy_insert(
            cr,
            "sale_order",
            records["order"].id,
            source,
            {
                "name": "'FCB/SO/' || s.g",
                "marketplace_order_ref": "'FCB-' || s.g",
                "marketplace_channel_id": "(%(channels)s::int[])[mod(s.g, 5) + 1]",
                "origin": "s.kind",
                "partner_id": partner,
                "partner_invoice_id": partner,
                "partner_shipping_id": partner,
                "date_order": "s.ordered",
                "effective_date": "least(s.ordered + interval '2 days', "
                "%(now)s::timestamp - interval '1 hour')",
                "amount_total": "s.total",
                "amount_untaxed": "round(s.total / 1.2, 2)",
                "amount_tax": "s.total - round(s.total / 1.2, 2)",
                "cash_ordered": "s.total",
                "access_token": "NULL",
                "procurement_group_id": "NULL",
                "create_date": "s.ordered",
                "write_date": "s.ordered",
            },
        ),
        params,
    )

    cr.execute("ANALYZE sale_order")
    # Payouts: 51 closed 14-day cycles per channel, deposited 3 days after the
    # close, and one announced (its cycle closed, the money not in the bank yet).
    cr.execute(
        """
        CREATE TEMP TABLE fcb_window ON COMMIT DROP AS
        SELECT c.id AS channel_id, c.i, w.idx, NULL::int AS payout_id
          FROM unnest(%(channels)s::int[]) WITH ORDINALITY AS c(id, i)
         CROSS JOIN generate_series(0, %(closed)s) AS w(idx)
        """,
        params,
    )
    timed_sql(
        cr,
        "payouts",
        copy_insert(
            cr,
            "marketplace_payout",
            records["payout"].id,
            "fcb_window w",
            {
                "name": "'FCB-P-' || lpad(w.idx::text, 3, '0')",
                "channel_id": "w.channel_id",
                "company_id": "%(company)s",
                "has_declared_total": "TRUE",
                "date_start": "%(anchor)s::timestamp "
                "+ make_interval(secs => %(cycle)s * w.idx)",
                "date_end": "%(anchor)s::timestamp "
                "+ make_interval(secs => %(cycle)s * (w.idx + 1))",
                "date_deposit": "CASE WHEN w.idx < %(closed)s "
                "THEN %(anchor)s::timestamp + make_interval("
                "secs => %(cycle)s * (w.idx + 1), days => %(lag)s)"
                " ELSE %(now)s::timestamp + interval '2 days' END",
                "state": "CASE WHEN w.idx < %(closed)s THEN 'reconciled' "
                "ELSE 'draft' END",
                "create_date": "%(now)s",
                "write_date": "%(now)s",
            },
        ),
        params,
    )
    cr.execute(
        """
        UPDATE fcb_window w SET payout_id = p.id
          FROM marketplace_payout p
         WHERE p.channel_id = w.channel_id
           AND p.name = 'FCB-P-' || lpad(w.idx::text, 3, '0')
        """
    )
    cr.execute("DELETE FROM marketplace_payout WHERE id = %s", [records["payout"].id])

    # Ledger lines of the settled and open orders (a settled order's lines are all
    # in the payout of their cycle, posted at the latest just before the last close).
    payout_of = """LEFT JOIN fcb_window w ON w.channel_id = {channel}
           AND w.idx = floor(extract(epoch FROM {posted} - %(anchor)s::timestamp)
                             / %(cycle)s)::int
           AND {posted} < %(closed_end)s::timestamp"""
    order_payout = payout_of.format(
        channel="o.marketplace_channel_id", posted="p.posted_at"
    )
    ad_payout = payout_of.format(channel="c.id", posted="p.posted_at")
    timed_sql(
        cr,
        "order ledger lines",
        f"""
        INSERT INTO marketplace_transaction
               (channel_id, payout_id, currency_id, sale_order_id, category,
                order_ref, sku, raw_type, external_key, amount, quantity, posted_at,
                line_no)
        SELECT o.marketplace_channel_id, w.payout_id, %(eur)s, o.id, v.category,
               o.marketplace_order_ref, 'SKU-' || mod(o.id, 5000), v.category,
               'fcb:' || o.id || ':' || v.k, v.amount, 1, p.posted_at, v.k
          FROM sale_order o
         CROSS JOIN LATERAL (VALUES
               (1, 'sale', round(o.amount_total * 0.9, 2), 1, TRUE),
               (2, 'shipping', o.amount_total - round(o.amount_total * 0.9, 2), 1,
                TRUE),
               (3, 'commission', -round(o.amount_total * 0.15, 2), 1, TRUE),
               (4, 'fulfillment_fee', -(2.5 + mod(o.id, 7) * 0.3), 1, TRUE),
               (5, 'payment_fee', -round(o.amount_total * 0.012 + 0.25, 2), 1, TRUE),
               (6, 'promotion', -round(o.amount_total * 0.05, 2), 1,
                mod(o.id, 5) = 0),
               (7, 'refund', -round(o.amount_total * 0.9, 2), 12, mod(o.id, 10) = 0),
               (8, 'refund_fee', round(o.amount_total * 0.12, 2), 12,
                mod(o.id, 10) = 0),
               (9, 'dispute', -o.amount_total, 20, mod(o.id, 100) = 3),
               (10, 'dispute_fee', -15.00, 20, mod(o.id, 100) = 3)
               ) AS v(k, category, amount, days, wanted)
         CROSS JOIN LATERAL (SELECT least(
               o.date_order + make_interval(days => v.days),
               CASE WHEN o.origin = 'fcb:settled'
                    THEN %(closed_end)s::timestamp - interval '1 hour'
                    ELSE %(now)s::timestamp - interval '10 minutes' END) AS posted_at
               ) p
         {order_payout}
         WHERE o.company_id = %(company)s AND o.origin IN ('fcb:settled', 'fcb:open')
           AND (v.k <= 5 OR (v.wanted AND o.origin = 'fcb:settled'))
        """,
        params,
    )
    timed_sql(
        cr,
        "advertising lines",
        f"""
        INSERT INTO marketplace_transaction
               (channel_id, payout_id, currency_id, category, raw_type, external_key,
                amount, posted_at, line_no)
        SELECT c.id, w.payout_id, %(eur)s, 'advertising', 'Cost of Advertising',
               'fcb:ad:' || d || ':' || j, -(3 + mod(d * j + c.i * 7, 40)),
               p.posted_at, j
          FROM generate_series(0, %(days)s) d
         CROSS JOIN generate_series(1, %(ads)s) j
         CROSS JOIN unnest(%(channels)s::int[]) WITH ORDINALITY AS c(id, i)
         CROSS JOIN LATERAL (SELECT %(today)s::timestamp
               - make_interval(days => d + 1, hours => -j) AS posted_at) p
         {ad_payout}
        """,
        {
            **params,
            "days": CYCLE_DAYS * CLOSED_PAYOUTS + 20,
            "ads": ADS_PER_DAY,
        },
    )
    timed_sql(
        cr,
        "reserve holds and releases",
        """
        INSERT INTO marketplace_transaction
               (channel_id, payout_id, currency_id, category, raw_type, external_key,
                amount, posted_at)
        SELECT w.channel_id, w.payout_id, %(eur)s, v.category, v.category,
               'fcb:' || v.category || ':' || w.idx, v.amount, v.posted_at
          FROM fcb_window w
          JOIN marketplace_payout p ON p.id = w.payout_id
         CROSS JOIN LATERAL (VALUES
               ('reserve_hold', -(500 + 100 * w.i), p.date_end - interval '1 hour',
                TRUE),
               ('reserve_release', 500 + 100 * w.i, p.date_start + interval '1 hour',
                w.idx > 0)) AS v(category, amount, posted_at, wanted)
         WHERE w.idx < %(closed)s AND v.wanted
        """,
        params,
    )
    timed_sql(
        cr,
        "payout totals",
        """
        UPDATE marketplace_payout p
           SET amount_computed = s.total, amount_declared = s.total,
               amount_difference = 0, transaction_count = s.lines, is_balanced = TRUE
          FROM (SELECT t.payout_id, sum(t.amount) AS total, count(*) AS lines
                  FROM marketplace_transaction t
                  JOIN fcb_window w ON w.payout_id = t.payout_id
                 GROUP BY t.payout_id) s
         WHERE p.id = s.payout_id
        """,
    )
    # The announced payouts carry no ledger line here: their amount is set.
    cr.execute(
        """
        UPDATE marketplace_payout p
           SET amount_computed = 3000 + 1000 * w.i, amount_declared = 3000 + 1000 * w.i
          FROM fcb_window w
         WHERE p.id = w.payout_id AND w.idx = %(closed)s
        """,
        params,
    )

    # Open invoices and bills, paid invoices and their bank entries, then the
    # partial reconciles of the paid ones (what the customers' delays read).
    for kind, template, count in (
        ("invoice", records["invoice"], scaled(OPEN_INVOICES, scale)),
        ("bill", records["bill"], scaled(OPEN_BILLS, scale)),
        ("paid", records["invoice"], scaled(PAID_INVOICES, scale)),
        ("payment", records["payment"], scaled(PAID_INVOICES, scale)),
    ):
        copy_moves(cr, template, kind, count, {**params, "n": count})
    cr.execute("ANALYZE account_move; ANALYZE account_move_line")
    timed_sql(
        cr,
        "partial reconciles",
        """
        INSERT INTO account_partial_reconcile
               (debit_move_id, credit_move_id, amount, debit_amount_currency,
                credit_amount_currency, debit_currency_id, credit_currency_id,
                company_id, max_date, create_uid, write_uid, create_date, write_date)
        SELECT dl.id, cl.id, dl.balance, dl.balance, dl.balance, %(eur)s, %(eur)s,
               %(company)s, greatest(inv.date, pay.date), 1, 1, pay.date, pay.date
          FROM account_move inv
          JOIN account_move pay ON pay.company_id = inv.company_id
           AND pay.sequence_prefix = 'FCB/PAY/'
           AND pay.sequence_number = inv.sequence_number
          JOIN account_move_line dl ON dl.move_id = inv.id
           AND dl.display_type = 'payment_term'
          JOIN account_move_line cl ON cl.move_id = pay.id
           AND cl.account_id = dl.account_id
         WHERE inv.company_id = %(company)s AND inv.sequence_prefix = 'FCB/PAID/'
        """,
        params,
    )

    # Confirmed purchases not billed, received in the next 60 days.
    purchase = records["purchase"]
    count = scaled(PURCHASE_ORDERS, scale)
    timed_sql(
        cr,
        "purchase orders",
        copy_insert(
            cr,
            "purchase_order",
            purchase.id,
            "generate_series(1, %(n)s) g",
            {
                "name": "'FCB/PO/' || g",
                "partner_id": "(%(suppliers)s::int[])[mod(g * 7, "
                "cardinality(%(suppliers)s::int[])) + 1]",
                "date_order": "%(now)s::timestamp - make_interval(days => mod(g, 30))",
                "date_approve": "%(now)s::timestamp "
                "- make_interval(days => mod(g, 30))",
                "date_planned": "%(now)s::timestamp "
                "+ make_interval(days => mod(g * 7, 60))",
                "effective_date": "NULL",
                "group_id": "NULL",
                "access_token": "NULL",
            },
        ),
        {**params, "n": count},
    )
    qty = "(5 * j + mod(o.id, 10))"
    price = "(10 + mod(o.id * j, 90))"
    timed_sql(
        cr,
        "purchase order lines",
        copy_insert(
            cr,
            "purchase_order_line",
            purchase.order_line.id,
            "purchase_order o CROSS JOIN generate_series(1, 4) j",
            {
                "order_id": "o.id",
                "partner_id": "o.partner_id",
                "product_qty": qty,
                "product_uom_qty": qty,
                "price_unit": price,
                "price_subtotal": f"{qty} * {price}",
                "price_tax": f"{qty} * {price} * 0.2",
                "price_total": f"{qty} * {price} * 1.2",
                "qty_invoiced": "0",
                "qty_received": "0",
                "qty_to_invoice": "0",
                "date_planned": "o.date_planned",
                "sequence": "j",
            },
            "o.company_id = %(company)s AND starts_with(o.name, 'FCB/PO/')",
        ),
        params,
    )
    env["ir.config_parameter"].set_param(MARKER, f"{company.id},{scale}")
    env.invalidate_all()
    return company


# The generated tables, vacuumed and analyzed after the generation.
VACUUM_TABLES = (
    "res_partner",
    "sale_order",
    "marketplace_payout",
    "marketplace_transaction",
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "purchase_order",
    "purchase_order_line",
)


def sizes(cr, company):
    counts = {}
    channels = "(SELECT id FROM marketplace_channel WHERE company_id = %(company)s)"
    for label, query in (
        ("channels", f"SELECT count(*) FROM {channels} c"),
        (
            "ledger lines",
            f"SELECT count(*) FROM marketplace_transaction "
            f"WHERE channel_id IN {channels}",
        ),
        (
            "  open (no payout)",
            f"SELECT count(*) FROM marketplace_transaction "
            f"WHERE channel_id IN {channels} AND payout_id IS NULL",
        ),
        (
            "payouts",
            f"SELECT count(*) FROM marketplace_payout WHERE channel_id IN {channels}",
        ),
        (
            "  announced",
            f"SELECT count(*) FROM marketplace_payout WHERE channel_id IN {channels} "
            "AND date_deposit > now() AT TIME ZONE 'UTC'",
        ),
        (
            "marketplace orders",
            f"SELECT count(*) FROM sale_order WHERE marketplace_channel_id IN "
            f"{channels} AND state = 'sale'",
        ),
        (
            "  without ledger line",
            f"SELECT count(*) FROM sale_order o WHERE marketplace_channel_id IN "
            f"{channels} AND state = 'sale' AND NOT EXISTS (SELECT 1 FROM "
            "marketplace_transaction t WHERE t.sale_order_id = o.id)",
        ),
        (
            "open customer invoices",
            "SELECT count(*) FROM account_move WHERE company_id = %(company)s "
            "AND state = 'posted' AND move_type = 'out_invoice' "
            "AND payment_state IN ('not_paid', 'partial')",
        ),
        (
            "  disputed",
            "SELECT count(*) FROM account_move WHERE company_id = %(company)s "
            "AND cash_dispute AND payment_state IN ('not_paid', 'partial')",
        ),
        (
            "open vendor bills",
            "SELECT count(*) FROM account_move WHERE company_id = %(company)s "
            "AND state = 'posted' AND move_type = 'in_invoice' "
            "AND payment_state IN ('not_paid', 'partial')",
        ),
        (
            "paid customer invoices",
            "SELECT count(*) FROM account_move WHERE company_id = %(company)s "
            "AND move_type = 'out_invoice' AND payment_state = 'paid'",
        ),
        (
            "partial reconciles",
            "SELECT count(*) FROM account_partial_reconcile "
            "WHERE company_id = %(company)s",
        ),
        (
            "journal items",
            "SELECT count(*) FROM account_move_line WHERE company_id = %(company)s",
        ),
        (
            "purchase lines",
            "SELECT count(*) FROM purchase_order_line WHERE company_id = %(company)s",
        ),
        (
            "recurring items",
            "SELECT count(*) FROM marketplace_cash_recurring "
            "WHERE company_id = %(company)s",
        ),
    ):
        cr.execute(query, {"company": company.id})
        counts[label] = cr.fetchone()[0]
    return counts


def table_sizes(cr):
    cr.execute(
        """
        SELECT relname, pg_size_pretty(pg_total_relation_size(oid))
          FROM pg_class
         WHERE relname IN ('marketplace_transaction', 'sale_order', 'account_move',
                           'account_move_line', 'marketplace_cash_forecast_flow')
         ORDER BY pg_total_relation_size(oid) DESC
        """
    )
    return cr.fetchall()


# ---- timings


class Steps:
    """Cumulated seconds per (caller, step) of the timed methods, and of the SQL
    statements (execute and COPY) run inside each."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self.stack = []
        self.patched = []
        self.runs = []

    def _add(self, key, seconds):
        self.seconds[key] += seconds
        self.calls[key] += 1

    def wrap(self, owner, name, label=None):
        """Time every call of ``owner.name`` (a model class or a module), if any."""
        method = getattr(owner, name, None)
        if method is None:
            return
        label = label or name

        def timed(*args, **kwargs):
            key = (self.stack[-1] if self.stack else None, label)
            self.stack.append(label)
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self._add(key, time.perf_counter() - started)
                self.stack.pop()

        self.patched.append((owner, name, owner.__dict__.get(name)))
        setattr(owner, name, timed)

    def watch_cursor(self, cr):
        """Time the statements of ``cr`` under the step running them."""
        for name in ("execute", "copy_expert"):
            statement = getattr(cr, name)

            def timed(*args, _statement=statement, **kwargs):
                key = (self.stack[-1] if self.stack else None, "SQL")
                started = time.perf_counter()
                try:
                    return _statement(*args, **kwargs)
                finally:
                    self._add(key, time.perf_counter() - started)

            setattr(cr, name, timed)

        def restore():
            cr.__dict__.pop("execute", None)
            cr.__dict__.pop("copy_expert", None)

        return restore

    def restore(self):
        for owner, name, original in reversed(self.patched):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self.patched.clear()

    def start_run(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)

    def end_run(self, total):
        measured = sum(s for (caller, _name), s in self.seconds.items() if not caller)
        self.seconds[(None, "other (Python outside the steps)")] = total - measured
        self.seconds[(None, "total")] = total
        self.runs.append((self.seconds, self.calls))

    def report(self, prefix="  "):
        """Min and median over the runs of each (caller, step), in the order of
        first appearance, nested steps under their caller."""
        keys = []
        for seconds, _calls in self.runs:
            keys += [key for key in seconds if key not in keys]
        children = defaultdict(list)
        for key in keys:
            children[key[0]].append(key)

        def lines(caller, depth):
            for key in children.get(caller, ()):
                values = [seconds.get(key, 0.0) for seconds, _calls in self.runs]
                calls = max(c.get(key, 0) for _s, c in self.runs)
                times = f" x{calls}" if calls > 1 else ""
                name = "  " * depth + key[1]
                yield (
                    f"{prefix}{name + times:<40} min {min(values):6.3f} s  "
                    f"median {statistics.median(values):6.3f} s"
                )
                if key[1] != "SQL":
                    yield from lines(key[1], depth + 1)

        for line in lines(None, 0):
            print(line)


def instrument(env, steps):
    from odoo.addons.marketplace_cash.models import cash_forecast

    forecast = type(env["marketplace.cash.forecast"])
    for name in FORECAST_STEPS:
        steps.wrap(forecast, name)
    steps.wrap(type(env["marketplace.channel"]), "_compute_reserves")
    for name in CORE_STEPS:
        steps.wrap(cash_forecast.core, name, f"core.{name}")
    if "marketplace.cash.dashboard" in env:
        dashboard = type(env["marketplace.cash.dashboard"])
        for name in DASHBOARD_STEPS:
            steps.wrap(dashboard, name)


def other_benches():
    """The other benchmarks of the machine: Python processes running a script whose
    name contains "bench" (not this one, nor the shells that started it)."""
    mine, pid = set(), os.getpid()
    while pid > 1:
        mine.add(pid)
        try:
            pid = int(
                Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
            )
        except (OSError, ValueError, IndexError):
            break
    out = subprocess.run(
        ["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=False
    ).stdout
    others = []
    for line in out.splitlines():
        pid, _, args = line.strip().partition(" ")
        words = args.split()
        if (
            pid.isdigit()
            and int(pid) not in mine
            and words
            and "python" in Path(words[0]).name
            and any("bench" in Path(w).name and w.endswith(".py") for w in words)
        ):
            others.append(f"{pid} {args[:100]}")
    return others


def wait_for_quiet(max_wait):
    """Wait (at most ``max_wait`` seconds) while another bench runs."""
    started = time.perf_counter()
    others = other_benches()
    if others:
        print(f"waiting for other benchmarks: {others} (load {load()})", flush=True)
    while others and time.perf_counter() - started < max_wait:
        time.sleep(10)
        others = other_benches()
    if others:
        print(f"WARNING: still running after {max_wait} s: {others}", flush=True)
    elif time.perf_counter() - started > 1:
        print(f"waited {time.perf_counter() - started:.0f} s", flush=True)


def timed_runs(env, label, runs, steps, call):
    """``call()`` (then the commit when it returns True), ``runs`` times; the
    caches invalidated before each run (as a new request would have them)."""
    restore = steps.watch_cursor(env.cr)
    times = []
    try:
        for run in range(1, runs + 1):
            env.invalidate_all()
            steps.start_run()
            started = time.perf_counter()
            commit = call()
            computed = time.perf_counter() - started
            if commit:
                env.cr.commit()
            elapsed = time.perf_counter() - started
            steps.seconds[(None, "commit")] = elapsed - computed
            steps.end_run(elapsed)
            times.append(elapsed)
            print(
                f"{label} run {run}: {elapsed:.3f} s"
                + (f" (commit {elapsed - computed:.3f} s)" if commit else "")
                + f"; load {load()}; peak RSS {rss_mb():.0f} MB",
                flush=True,
            )
    finally:
        restore()
    return times


def forecast_of(env, company):
    """Today's base forecast of the company (created, committed, when missing)."""
    from odoo import fields

    Forecast = env["marketplace.cash.forecast"]
    today = fields.Date.context_today(Forecast)
    forecast = Forecast.search(
        [
            ("company_id", "=", company.id),
            ("date", "=", today),
            ("scenario_ids", "=", False),
        ],
        limit=1,
    ) or Forecast.create({"company_id": company.id, "date": today})
    env.cr.commit()
    return forecast


def scenario_of(env, company, forecast):
    """The bench's scenario: 3 shocks from the forecast's date."""
    from odoo import Command

    name = "Bench +30 % volume, Amazon +7 days, suppliers +15 days"
    Scenario = env["marketplace.cash.scenario"]
    scenario = Scenario.search(
        [("company_id", "=", company.id), ("name", "=", name)], limit=1
    )
    amazon = env["marketplace.channel"].search(
        [("company_id", "=", company.id), ("platform", "=", "amazon")], limit=1
    )
    shocks = [
        {
            "kind": "volume",
            "value": 0.30,
            "date_start": forecast.date,
            "duration_days": 30,
            "days": 14,
        },
        {
            "kind": "payout_delay",
            "value": 7,
            "channel_id": amazon.id,
            "date_start": forecast.date,
        },
        {"kind": "supplier_terms", "value": 15, "date_start": forecast.date},
    ]
    values = {
        "name": name,
        "company_id": company.id,
        "shock_ids": [Command.clear()] + [Command.create(s) for s in shocks],
    }
    if scenario:
        scenario.write(values)
    else:
        scenario = Scenario.create(values)
    env.cr.commit()
    return scenario


def flow_counts(cr, forecast, scenario=None):
    cr.execute(
        """
        SELECT source, count(*), sum(amount) FROM marketplace_cash_forecast_flow
         WHERE forecast_id = %s AND scenario_id IS NOT DISTINCT FROM %s
         GROUP BY source ORDER BY source
        """,
        [forecast.id, scenario.id if scenario else None],
    )
    return cr.fetchall()


def verdict(median, target):
    return f"< {target:g} s: {'met' if median < target else 'NOT met'}"


def bench(args):
    odoo, registry = bench_import.odoo_env(args)
    summary = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True}
        )
        company, _inserted, generated = bench_company_data(
            env, args, MARKER, generate, VACUUM_TABLES
        )
        if generated is not None:
            summary.append(("data generation (committed)", f"{generated:.1f} s"))
        counts = sizes(cr, company)
        for label, value in counts.items():
            print(f"  {label:<24} {value:>12,}")

        # The timed environment: as the cron, superuser in the bench company.
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"allowed_company_ids": [company.id]}
        )
        forecast = forecast_of(env, company)
        scenario = scenario_of(env, company, forecast)
        wait_for_quiet(args.max_wait)
        steps = Steps()
        instrument(env, steps)
        loads = []
        try:
            loads.append(load())
            print(f"\nforecast {forecast.name}, {args.runs} runs (load {loads[-1]}):")

            def compute():
                forecast.action_compute()
                return True

            times = timed_runs(env, "forecast", args.runs, steps, compute)
            print("forecast steps (over the runs):")
            steps.report()
            forecast.invalidate_recordset()
            flows = flow_counts(cr, forecast)
            summary.append(
                (
                    "forecast action_compute + commit",
                    f"runs {', '.join(f'{t:.3f}' for t in times)} s; min "
                    f"{min(times):.3f} s, median {statistics.median(times):.3f} s; "
                    + verdict(statistics.median(times), TARGETS["forecast"]),
                )
            )

            steps.runs.clear()
            loads.append(load())
            print(f"\nscenario {scenario.name!r}, {args.runs} runs (load {loads[-1]}):")

            def shocked():
                scenario._compute_on(forecast)
                return True

            scenario_times = timed_runs(env, "scenario", args.runs, steps, shocked)
            print("scenario steps (over the runs):")
            steps.report()
            scenario.invalidate_recordset()
            scenario_flows = flow_counts(cr, forecast, scenario)
            summary.append(
                (
                    "scenario _compute_on + commit",
                    f"runs {', '.join(f'{t:.3f}' for t in scenario_times)} s; min "
                    f"{min(scenario_times):.3f} s, median "
                    f"{statistics.median(scenario_times):.3f} s; "
                    + verdict(statistics.median(scenario_times), TARGETS["scenario"]),
                )
            )

            if "marketplace.cash.dashboard" in env:
                steps.runs.clear()
                admin = env.ref("base.user_admin")
                user_env = odoo.api.Environment(
                    cr,
                    admin.id,
                    {"allowed_company_ids": [company.id], "tz": "Europe/Paris"},
                )
                Dashboard = user_env["marketplace.cash.dashboard"]
                loads.append(load())
                print(f"\ndashboard get_data, {args.runs} runs (load {loads[-1]}):")
                payload = {}

                def dashboard():
                    payload["data"] = Dashboard.get_data(company.id)
                    return False

                board_times = timed_runs(
                    user_env, "dashboard", args.runs, steps, dashboard
                )
                print("dashboard steps (over the runs):")
                steps.report()
                size = len(json.dumps(payload["data"], default=str))
                summary.append(
                    (
                        "dashboard get_data",
                        f"runs {', '.join(f'{t:.3f}' for t in board_times)} s; min "
                        f"{min(board_times):.3f} s, median "
                        f"{statistics.median(board_times):.3f} s; "
                        + verdict(statistics.median(board_times), TARGETS["dashboard"])
                        + f"; {size / 1024:.0f} KB of JSON",
                    )
                )
            else:
                print(
                    "\nno marketplace.cash.dashboard model: the dashboard is not timed"
                )
                summary.append(("dashboard get_data", "model not there: not timed"))
        finally:
            steps.restore()
        forecast.invalidate_recordset()
        scenario.invalidate_recordset()
        total_flows = sum(count for _source, count, _amount in flows)
        summary.append(
            (
                "forecast",
                f"{total_flows:,} base flows; opening {forecast.opening:,.2f}, "
                f"closing {forecast.closing:,.2f}, lowest {forecast.lowest:,.2f} in "
                f"week {forecast.lowest_week}, after the horizon "
                f"{forecast.beyond:,.2f}",
            )
        )
        summary.append(
            (
                "  flows per source",
                "; ".join(
                    f"{source} {count:,} ({amount:,.2f})"
                    for source, count, amount in flows
                ),
            )
        )
        summary.append(
            (
                "scenario",
                f"{sum(c for _s, c, _a in scenario_flows):,} flows; lowest "
                f"{scenario.lowest:,.2f} in week {scenario.lowest_week}, closing "
                f"{scenario.closing:,.2f}",
            )
        )
        company_name = company.name
        cr.rollback()
        table = table_sizes(cr)

    summary.append(("load averages at the timed blocks", " | ".join(loads)))
    summary.append(("peak RSS", f"{rss_mb():.0f} MB"))
    print()
    print(f"== summary ({args.database}, {os.cpu_count()} CPUs, load {load()})")
    width = max(len(label) for label, _value in summary)
    for label, value in summary:
        print(f"{label:<{width}}  {value}")
    print(f"data ({company_name}):")
    for label, value in counts.items():
        print(f"  {label:<24} {value:>12,}")
    print("table sizes: " + ", ".join(f"{name} {size}" for name, size in table))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="size of the generated data (1: the issue's 1M ledger lines)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the data generated by an earlier run instead of refusing",
    )
    parser.add_argument(
        "--max-wait",
        type=int,
        default=1800,
        help="seconds to wait at most while another benchmark runs",
    )
    bench_import.add_odoo_arguments(parser)
    bench(parser.parse_args())


if __name__ == "__main__":
    main()
