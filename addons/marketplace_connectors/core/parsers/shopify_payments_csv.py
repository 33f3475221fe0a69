"""Shopify Payments transactions export (Payouts > Export transactions), CSV.

Comma-separated, one header line, columns found by name (case-insensitive):
``Transaction Date, Type, Order, Card Brand, Card Source, Payout Status, Payout Date,
Payout ID, Available On, Amount, Fee, Net, Checkout, Payment Method Name, Presentment
Amount, Presentment Currency, Currency``. Required: ``Type``, ``Amount``, ``Fee``,
``Currency`` and ``Payout ID`` (empty for a transaction not paid out yet).

Each row gives one ``Line`` for ``Amount`` and one for ``-Fee`` when the fee is not
zero; types map as in :mod:`.shopify_payments` (``TYPE_MAP``), ``payout`` rows are
the payouts themselves and give no line. The export has no payout total, so each
``PayoutInfo`` has ``amount_declared=None``. Rows have no id: keys are content hashes
of the row's stable columns (not the payout columns, so a pending row keeps its key
once paid out) plus the rank of identical rows in the file (identical rows, down to
the second of ``Transaction Date``, belong to one payout in practice; counting them
file-wide keeps keys unique even when they do not).
"""

import csv
import hashlib
import re

from ..dates import DATETIME_FORMATS
from ..keys import content_key
from ..records import PayoutInfo
from ..textio import as_binary, iter_text_lines
from ._common import CsvReader, csv_header_names, gross_and_fee_lines
from .shopify_payments import (
    FEE_MAP,
    SKIPPED_TYPES,
    TYPE_MAP,
    category_of,
    fee_category_of,
)

FORMAT = "shopify_payments_csv"
PLATFORM = "shopify"
LABEL = "Shopify Payments transactions export (CSV)"

__all__ = ["FEE_MAP", "TYPE_MAP", "parse", "sniff"]

REQUIRED = ("type", "amount", "fee", "currency", "payout id")
# Columns that identify a transaction (the payout columns change when it is paid).
KEY_COLUMNS = (
    "transaction date",
    "type",
    "order",
    "card brand",
    "card source",
    "amount",
    "fee",
    "net",
    "checkout",
    "payment method name",
    "presentment amount",
    "presentment currency",
    "currency",
)
# Shopify writes ``2024-03-01 10:22:33 -0500``.
FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", *DATETIME_FORMATS)
# Parsed dates are cached (rows repeat them); the cache is emptied at this size so a
# long file streams in constant memory.
DATE_CACHE_SIZE = 4096


def sniff(head, filename=""):
    """A comma-separated header with Shopify's payout columns.

    >>> sniff(b"Transaction Date,Type,Order,Payout Status,Payout ID,Amount,Fee,Net")
    True
    >>> sniff(b"automatic_payout_id,balance_transaction_id,gross,fee,net")
    False
    """
    return {"type", "amount", "fee", "net", "payout status"} <= csv_header_names(head)


class _Reader(CsvReader):
    formats = FORMATS

    def __init__(self, filename):
        super().__init__(filename, DATE_CACHE_SIZE)
        self.payouts = set()
        self.occurrences = {}

    def row(self, cells, line):
        """Yield the records of one row."""
        payout_ref = self.cell(cells, "payout id")
        currency = self.currency(cells, line)
        amount, fee = self.gross_and_fee(cells, "amount", line)
        posted_at = self.date(cells, "transaction date", line)
        deposit = self.date(cells, "payout date", line)
        if payout_ref and payout_ref not in self.payouts:
            self.payouts.add(payout_ref)
            yield PayoutInfo(
                ref=payout_ref,
                currency=currency,
                date_deposit=deposit,
                status=self.cell(cells, "payout status").lower(),
                line_no=line,
            )
        raw_type = self.cell(cells, "type")
        ttype = re.sub(r"[\s-]+", "_", raw_type.lower())
        if ttype in SKIPPED_TYPES:
            return
        values = [self.cell(cells, name) for name in KEY_COLUMNS]
        # A stable digest (``hash()`` of str is salted per process).
        slot = hashlib.sha1("\x1f".join(values).encode("utf-8")).digest()
        occurrence = self.occurrences.get(slot, 0)
        self.occurrences[slot] = occurrence + 1
        key = content_key("shopify:csv", values, occurrence)
        common = {
            "currency": currency,
            "raw_type": raw_type,
            "line_no": line,
            "payout_ref": payout_ref,
            "posted_at": posted_at,
            "order_ref": self.cell(cells, "order"),
        }
        yield from gross_and_fee_lines(
            key, amount, fee, category_of(ttype, amount), fee_category_of(ttype), common
        )


def parse(stream, filename="", options=None):
    """Yield a ``PayoutInfo`` per payout id and the ``Line`` records of each row."""
    reader = _Reader(filename)
    rows = csv.reader(iter_text_lines(as_binary(stream)), delimiter=",")
    yield from reader.records(rows, lambda header: reader.read_header(header, REQUIRED))
