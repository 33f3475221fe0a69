# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Write parsed records into the ledger: the Binder of the connector vocabulary.

Parsers (``core/parsers``) turn a source into plain records; this model maps them to
rows. Transactions are inserted in pages with ``INSERT ... ON CONFLICT (channel_id,
external_key) DO NOTHING``: importing a file twice, or two overlapping files, creates
each line once, and two concurrent imports of the same file serialize on the unique
index (the second one waits, then finds every line there and creates nothing). Payouts
are upserted the same way on ``(channel_id, name)``.

Pages are written by a single writer thread while the bind thread parses the next
page, so PostgreSQL (foreign-key checks and nine indexes per row) and Python (parsing)
work at the same time on two cores. Both threads use the one cursor of the import, one
at a time: the bind thread waits for the page in flight before any query of its own,
and always before leaving (also on error), so the caller's savepoint rollback never
races a query and a failed page rolls back the whole file.
"""

import io
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models

from ..core.exceptions import ParseError
from ..core.records import Line, OrderInfo, PayoutInfo

PAGE_SIZE = 5000

_TRANSACTION_COLUMNS = (
    "payout_id",
    "channel_id",
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
    "product_id",
)
_COLUMN_LIST = ", ".join(_TRANSACTION_COLUMNS)
# Pages go to a temporary table with COPY (several times faster than INSERT ...
# VALUES), then into the ledger in one INSERT ... SELECT that skips known keys and
# links each line to the channel's sale order of the same reference.
_CREATE_LOAD_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS marketplace_transaction_load "
    f"ON COMMIT DROP AS SELECT {_COLUMN_LIST} FROM marketplace_transaction WITH NO DATA"
)
_COPY_LOAD = f"COPY marketplace_transaction_load ({_COLUMN_LIST}) FROM STDIN"
_INSERT_FROM_LOAD = (
    "WITH written AS ("
    f"INSERT INTO marketplace_transaction ({_COLUMN_LIST}, sale_order_id) "
    + "SELECT "
    + ", ".join(f"load.{column}" for column in _TRANSACTION_COLUMNS)
    + ", so.id FROM marketplace_transaction_load load "
    "LEFT JOIN sale_order so ON so.marketplace_channel_id = load.channel_id "
    "AND so.marketplace_order_ref = load.order_ref "
    # A known line is left as it is, except that a line first read before it was
    # paid (no payout yet: a Mirakl PENDING line) joins its payout when read again.
    "ON CONFLICT (channel_id, external_key) DO UPDATE "
    "SET payout_id = EXCLUDED.payout_id "
    "WHERE marketplace_transaction.payout_id IS NULL "
    "AND EXCLUDED.payout_id IS NOT NULL "
    "RETURNING (xmax = 0) AS inserted"
    ") SELECT count(*) FILTER (WHERE inserted) FROM written"
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value):
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


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
        try:
            for record in records:
                if isinstance(record, Line):
                    state.add_line(record)
                elif isinstance(record, PayoutInfo):
                    state.add_payout(record)
                elif isinstance(record, OrderInfo):
                    state.orders.append(record)
            state.flush_lines()
            state.wait_writer()
        finally:
            state.close()
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
        payouts = self.env["marketplace.payout"].browse(counters["payout_ids"])
        payouts._recompute_totals()
        return counters


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
        self.load_table = False
        self.products = {}
        self.missing_skus = set()
        # Pages are written by one writer thread while this one parses the next
        # page: the database and Python work side by side (psycopg2 releases the
        # GIL while PostgreSQL works).
        self.writer = None
        self.pending = None

    # ---- currencies

    def currency(self, code, line_no):
        key = (code or "").upper()
        if key not in self.currencies:
            self.wait_writer()
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
        self.wait_writer()
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
            )
        )
        if line.sku and line.sku not in self.products:
            self.missing_skus.add(line.sku)
        if len(self.page) >= PAGE_SIZE:
            self.flush_lines()

    def resolve_page_products(self):
        """Products of the page's new SKUs, in a few grouped queries, so that rows
        are written complete (no UPDATE of a million rows afterwards)."""
        if not self.missing_skus:
            return
        self.wait_writer()  # the ORM and the writer share the cursor
        found = self.channel._resolve_skus(self.missing_skus)
        for sku in self.missing_skus:
            self.products[sku] = found[sku].id if sku in found else None
        self.missing_skus = set()

    def flush_lines(self):
        if not self.page:
            return
        self.resolve_page_products()
        products = self.products
        data = "".join(
            "\t".join(map(_copy_text, row)) + f"\t{_copy_text(products.get(row[7]))}\n"
            for row in self.page
        ).encode()
        self.wait_writer()
        if not self.load_table:
            self.cr.execute(_CREATE_LOAD_TABLE)
            self.load_table = True
        self.line_count += len(self.page)
        self.page = []
        if self.writer is None:
            self.writer = ThreadPoolExecutor(1, thread_name_prefix="marketplace_bind")
        self.pending = self.writer.submit(self.write_page, data)

    def write_page(self, data):
        """COPY one page and insert it (runs in the writer thread, alone on the
        cursor: the bind thread waits for it before any other query)."""
        # One read of the whole page: psycopg2 takes the GIL for each read of the
        # buffer, and the bind thread holds it most of the time while parsing.
        self.cr.copy_expert(_COPY_LOAD, io.BytesIO(data), size=len(data) + 1)
        self.cr.execute(_INSERT_FROM_LOAD)
        inserted = self.cr.fetchone()[0]
        self.cr.execute("TRUNCATE marketplace_transaction_load")
        return inserted

    def wait_writer(self):
        """Wait for the page being written; re-raise its error."""
        pending, self.pending = self.pending, None
        if pending is not None:
            self.new_line_count += pending.result()

    def close(self):
        """Wait for the writer and stop it (also when the bind failed, so that the
        caller's rollback never races a query)."""
        if self.writer is None:
            return
        try:
            pending, self.pending = self.pending, None
            if pending is not None:
                wait([pending])
        finally:
            self.writer.shutdown(wait=True)
            self.writer = None
