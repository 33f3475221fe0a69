# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Write parsed records into the ledger: the Binder of the connector vocabulary.

Parsers (``core/parsers``) turn a source into plain records; this model maps them to
rows. Transactions are inserted in pages with ``INSERT ... ON CONFLICT (channel_id,
external_key) DO NOTHING``: importing a file twice, or two overlapping files, creates
each line once, and two concurrent imports of the same file serialize on the unique
index (the second one waits, then finds every line there and creates nothing). Payouts
are upserted the same way on ``(channel_id, name)``.
"""

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.tools import SQL

from ..core.exceptions import ParseError
from ..core.records import Line, OrderInfo, PayoutInfo

PAGE_SIZE = 5000

_TRANSACTION_COLUMNS = (
    "payout_id",
    "channel_id",
    "company_id",
    "category",
    "amount",
    "currency_id",
    "order_ref",
    "order_line_ref",
    "sku",
    "quantity",
    "posted_at",
    "raw_type",
    "description",
    "external_key",
    "line_no",
    "import_batch_id",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
)
_INSERT_TRANSACTIONS = (
    "INSERT INTO marketplace_transaction ("
    + ", ".join(_TRANSACTION_COLUMNS)
    + ") VALUES %s ON CONFLICT (channel_id, external_key) DO NOTHING RETURNING 1"
)

_UPSERT_PAYOUT = """
    INSERT INTO marketplace_payout (
        channel_id, company_id, name, currency_id, has_declared_total,
        amount_declared, date_start, date_end, date_deposit, platform_status,
        import_batch_id, amount_computed, amount_difference, is_balanced,
        transaction_count, create_uid, create_date, write_uid, write_date)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 0, false, 0,
            %s, %s, %s, %s)
    ON CONFLICT (channel_id, name) DO UPDATE SET
        has_declared_total = marketplace_payout.has_declared_total
            OR EXCLUDED.has_declared_total,
        amount_declared = CASE WHEN marketplace_payout.has_declared_total
            THEN marketplace_payout.amount_declared
            ELSE EXCLUDED.amount_declared END,
        date_start = COALESCE(marketplace_payout.date_start, EXCLUDED.date_start),
        date_end = COALESCE(marketplace_payout.date_end, EXCLUDED.date_end),
        date_deposit = COALESCE(marketplace_payout.date_deposit, EXCLUDED.date_deposit),
        platform_status = COALESCE(EXCLUDED.platform_status,
                                   marketplace_payout.platform_status)
    RETURNING id, currency_id, has_declared_total, amount_declared, (xmax = 0)
"""


def _naive_utc(value):
    """Odoo stores datetimes as naive UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value
    return datetime(value.year, value.month, value.day)


class MarketplaceBinder(models.AbstractModel):
    _name = "marketplace.binder"
    _description = "Marketplace Ledger Writer"

    @api.model
    def _bind(self, batch, records):
        """Consume parsed records and write them for ``batch``; return the counters.

        Raises ``ParseError`` (the caller rolls the savepoint back) on a record that
        cannot be written: an unknown currency, a payout whose declared total changes.
        """
        state = _BindState(self.env, batch)
        for record in records:
            if isinstance(record, Line):
                state.add_line(record)
            elif isinstance(record, PayoutInfo):
                state.add_payout(record)
            elif isinstance(record, OrderInfo):
                state.orders.append(record)
        state.flush_lines()
        counters = {
            "line_count": state.line_count,
            "new_line_count": state.new_line_count,
            "payout_ids": sorted(state.payout_ids.values()),
            "new_payout_count": state.new_payout_count,
        }
        if state.orders:
            counters.update(
                self.env["sale.order"]._marketplace_bind_orders(batch, state.orders)
            )
        if state.new_line_count:
            self._link_new_transactions(batch)
        payouts = self.env["marketplace.payout"].browse(counters["payout_ids"])
        payouts._recompute_totals()
        return counters

    @api.model
    def _link_new_transactions(self, batch):
        """Resolve products and sale orders of the lines this batch created."""
        cr = self.env.cr
        cr.execute(
            """
            UPDATE marketplace_transaction t SET product_id = m.product_id
              FROM marketplace_sku_mapping m
             WHERE t.import_batch_id = %s AND t.sku IS NOT NULL
               AND m.channel_id = t.channel_id AND m.sku = t.sku
            """,
            (batch.id,),
        )
        for column in ("default_code", "barcode"):
            code = SQL.identifier("pp", column)
            cr.execute(
                SQL(
                    """
                UPDATE marketplace_transaction t SET product_id = p.id
                  FROM (SELECT DISTINCT ON (%(code)s, COALESCE(pt.company_id, 0))
                               pp.id, %(code)s AS code, pt.company_id
                          FROM product_product pp
                          JOIN product_template pt ON pt.id = pp.product_tmpl_id
                         WHERE %(code)s IS NOT NULL AND pp.active
                         ORDER BY %(code)s, COALESCE(pt.company_id, 0), pp.id) p
                 WHERE t.import_batch_id = %(batch)s AND t.product_id IS NULL
                   AND t.sku = p.code
                   AND (p.company_id IS NULL OR p.company_id = t.company_id)
                    """,
                    code=code,
                    batch=batch.id,
                )
            )
        self.env["sale.order"]._marketplace_link_transactions(batch.channel_id, batch)
        self.env["marketplace.transaction"].invalidate_model(
            ["product_id", "sale_order_id"]
        )


class _BindState:
    """Buffers and caches of one bind run (currencies, payouts, pages of lines)."""

    def __init__(self, env, batch):
        self.env = env
        self.cr = env.cr
        self.batch = batch
        self.channel = batch.channel_id
        self.now = fields.Datetime.now()
        self.uid = env.uid
        self.currencies = {}
        self.payout_infos = {}
        self.payout_ids = {}
        self.payout_rows = {}
        self.new_payout_count = 0
        self.page = []
        self.line_count = 0
        self.new_line_count = 0
        self.orders = []

    # ---- currencies

    def currency(self, code, line_no):
        key = (code or "").upper()
        if key not in self.currencies:
            currency = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", key)], limit=1)
            )
            if not currency:
                raise ParseError(
                    "unknown currency",
                    filename=self.batch.filename,
                    line=line_no,
                    column="currency",
                    value=code,
                )
            quantum = Decimal(1).scaleb(-currency.decimal_places)
            self.currencies[key] = (currency.id, quantum)
        return self.currencies[key]

    # ---- payouts

    def add_payout(self, info):
        known = self.payout_infos.get(info.ref)
        self.payout_infos[info.ref] = known.merge(info) if known else info
        if info.amount_declared is not None or info.ref not in self.payout_ids:
            self.upsert_payout(self.payout_infos[info.ref])

    def payout_id(self, ref, currency_code, line_no):
        if not ref:
            return None
        if ref not in self.payout_ids:
            self.add_payout(
                PayoutInfo(ref=ref, currency=currency_code, line_no=line_no)
            )
        return self.payout_ids[ref]

    def upsert_payout(self, info):
        currency_id, quantum = self.currency(info.currency, info.line_no)
        declared = info.amount_declared
        if declared is not None:
            declared = declared.quantize(quantum, ROUND_HALF_UP)
        self.cr.execute(
            _UPSERT_PAYOUT,
            (
                self.channel.id,
                self.channel.company_id.id,
                info.ref,
                currency_id,
                declared is not None,
                declared if declared is not None else 0,
                _naive_utc(info.date_start),
                _naive_utc(info.date_end),
                _naive_utc(info.date_deposit),
                info.status or None,
                self.batch.id,
                self.uid,
                self.now,
                self.uid,
                self.now,
            ),
        )
        payout_id, row_currency, had_total, row_declared, inserted = self.cr.fetchone()
        if inserted:
            self.new_payout_count += 1
        if row_currency != currency_id:
            raise ParseError(
                "payout already imported in another currency",
                filename=self.batch.filename,
                line=info.line_no,
                column="currency",
                value=info.currency,
            )
        if (
            declared is not None
            and had_total
            and Decimal(str(row_declared)) != declared
        ):
            raise ParseError(
                f"payout {info.ref} was imported earlier with a declared total of "
                f"{row_declared}",
                filename=self.batch.filename,
                line=info.line_no,
                column="total",
                value=str(declared),
            )
        self.payout_ids[info.ref] = payout_id

    # ---- lines

    def add_line(self, line):
        currency_id, quantum = self.currency(line.currency, line.line_no)
        self.page.append(
            (
                self.payout_id(line.payout_ref, line.currency, line.line_no),
                self.channel.id,
                self.channel.company_id.id,
                line.category,
                line.amount.quantize(quantum, ROUND_HALF_UP),
                currency_id,
                line.order_ref or None,
                line.order_line_ref or None,
                line.sku or None,
                line.quantity,
                _naive_utc(line.posted_at),
                line.raw_type[:256] if line.raw_type else None,
                line.description[:512] if line.description else None,
                line.external_key,
                line.line_no,
                self.batch.id,
                self.uid,
                self.now,
                self.uid,
                self.now,
            )
        )
        if len(self.page) >= PAGE_SIZE:
            self.flush_lines()

    def flush_lines(self):
        if not self.page:
            return
        inserted = self.cr.execute_values(
            _INSERT_TRANSACTIONS, self.page, page_size=len(self.page), fetch=True
        )
        self.line_count += len(self.page)
        self.new_line_count += len(inserted)
        self.page = []
