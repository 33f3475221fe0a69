"""Stripe itemized payout reconciliation report (``payout_reconciliation.itemized.5``).

Comma-separated, one header line, one row per balance transaction settled in an
automatic payout; columns are selectable, so they are found by name. Required:
``automatic_payout_id``, ``balance_transaction_id``, ``currency``, ``gross``, ``fee``,
``reporting_category``. Amounts are decimal major units in the settlement currency
(``currency``, lower case); ``customer_facing_amount``/``customer_facing_currency``
(what the customer paid) only go to the line's description.

The report has no total row: each ``automatic_payout_id`` gives a ``PayoutInfo`` with
``amount_declared=None`` and ``date_deposit`` from ``automatic_payout_effective_at_utc``
(else ``automatic_payout_effective_at``). Each row gives a gross ``Line`` categorized
by ``reporting_category`` (``TYPE_MAP``) and a ``-fee`` line when ``fee`` is not zero;
a ``payout`` row (the payout itself) gives none.
"""

import csv

from ..categories import CATEGORIES
from ..keys import external_key
from ..records import PayoutInfo
from ..textio import as_binary, iter_text_lines
from ._common import CsvReader, csv_header_names, gross_and_fee_lines

FORMAT = "stripe_payout_report_csv"
PLATFORM = "stripe"
LABEL = "Stripe payout reconciliation report, itemized (CSV)"

REQUIRED = (
    "automatic_payout_id",
    "balance_transaction_id",
    "currency",
    "gross",
    "fee",
    "reporting_category",
)

# ``reporting_category`` -> category of the gross line; anything else is ``unknown``.
TYPE_MAP = {
    "charge": "sale",
    "refund": "refund",
    "partial_capture_reversal": "refund",
    "dispute": "dispute",
    "dispute_reversal": "dispute",
    "fee": "payment_fee",
    "network_cost": "payment_fee",
    "risk_reserved_funds": "reserve_hold",
    "risk_released_funds": "reserve_release",
    "other_adjustment": "adjustment",
    "tax": "tax",
    "charge_failure": "adjustment",
    "refund_failure": "adjustment",
    "payout_reversal": "adjustment",
}
# Category of the ``-fee`` line, by reporting category (default ``payment_fee``).
FEE_MAP = {
    "dispute": "dispute_fee",
    "dispute_reversal": "dispute_fee",
    "refund": "refund_fee",
    "partial_capture_reversal": "refund_fee",
}
# The payout's own balance transaction: no line.
SKIPPED_CATEGORIES = {"payout"}
assert set(TYPE_MAP.values()) | set(FEE_MAP.values()) <= set(CATEGORIES)

# Parsed dates are cached (rows repeat them); the cache is emptied at this size so a
# long file streams in constant memory.
DATE_CACHE_SIZE = 4096


def sniff(head, filename=""):
    """A comma-separated header with the itemized payout columns.

    >>> sniff(b"automatic_payout_id,balance_transaction_id,gross,fee,"
    ...       b"reporting_category,currency\\n")
    True
    >>> sniff(b"balance_transaction_id,gross,fee,reporting_category")
    False
    """
    names = csv_header_names(head)
    return {"automatic_payout_id", "balance_transaction_id", "reporting_category"} <= (
        names
    )


class _Reader(CsvReader):
    decimal = "."

    def __init__(self, filename):
        super().__init__(filename, DATE_CACHE_SIZE)
        self.payouts = set()

    def required(self, cells, name, line):
        text = self.cell(cells, name)
        if not text:
            raise self.error(f"empty {name}", line, name)
        return text

    def date(self, cells, names, line):
        """The first non-empty of the ``names`` columns, as a UTC datetime."""
        for name in names:
            text = self.cell(cells, name)
            if text:
                return self.parse_date(text, name, line)
        return None

    def description(self, cells, currency, line):
        text = self.cell(cells, "description")
        facing = self.cell(cells, "customer_facing_currency")
        if facing and facing.upper() != currency:
            paid = self.amount(cells, "customer_facing_amount", line, required=False)
            facing = self.currency(cells, line, "customer_facing_currency")
            note = f"customer paid {paid} {facing}" if paid is not None else facing
            text = f"{text} ({note})" if text else note
        return text

    def row(self, cells, line):
        """Yield the records of one row."""
        payout_ref = self.required(cells, "automatic_payout_id", line)
        txn = self.required(cells, "balance_transaction_id", line)
        currency = self.currency(cells, line)
        gross, fee = self.gross_and_fee(cells, "gross", line)
        deposit = self.date(
            cells,
            ("automatic_payout_effective_at_utc", "automatic_payout_effective_at"),
            line,
        )
        posted_at = self.date(cells, ("created_utc", "created"), line)
        if payout_ref not in self.payouts:
            self.payouts.add(payout_ref)
            yield PayoutInfo(
                ref=payout_ref, currency=currency, date_deposit=deposit, line_no=line
            )
        raw_type = self.cell(cells, "reporting_category")
        rcat = raw_type.lower()
        if rcat in SKIPPED_CATEGORIES:
            return
        common = {
            "currency": currency,
            "raw_type": raw_type,
            "line_no": line,
            "payout_ref": payout_ref,
            "posted_at": posted_at,
            "description": self.description(cells, currency, line),
        }
        yield from gross_and_fee_lines(
            external_key("stripe", txn),
            gross,
            fee,
            TYPE_MAP.get(rcat, "unknown"),
            FEE_MAP.get(rcat, "payment_fee"),
            common,
        )


def parse(stream, filename="", options=None):
    """Yield a ``PayoutInfo`` per automatic payout and the ``Line`` records of rows."""
    reader = _Reader(filename)
    rows = csv.reader(iter_text_lines(as_binary(stream)), delimiter=",")
    yield from reader.records(rows, lambda header: reader.read_header(header, REQUIRED))
