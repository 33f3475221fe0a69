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
import re

from ..categories import CATEGORIES
from ..dates import InvalidDate, parse_datetime
from ..exceptions import InvalidAmount, ParseError
from ..keys import external_key
from ..money import parse_amount
from ..records import Line, PayoutInfo
from ..textio import as_binary, iter_text_lines

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

_CURRENCY = re.compile(r"[A-Za-z]{3}")
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
    try:
        first = bytes(head).split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf")
        text = first.decode("utf-8", "replace")
    except (TypeError, ValueError):
        return False
    names = {name.strip().strip('"').lower() for name in text.split(",")}
    return {"automatic_payout_id", "balance_transaction_id", "reporting_category"} <= (
        names
    )


class _Reader:
    def __init__(self, filename):
        self.filename = filename
        self.index = {}
        self.payouts = set()
        self.dates = {}

    def error(self, message, line, column=None, value=None):
        return ParseError(
            message, filename=self.filename, line=line, column=column, value=value
        )

    def read_header(self, cells):
        self.index = {name.strip().lower(): i for i, name in enumerate(cells)}
        for name in REQUIRED:
            if name not in self.index:
                raise self.error(f"missing column {name!r}", 1, column=name)

    def cell(self, cells, name):
        i = self.index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def required(self, cells, name, line):
        text = self.cell(cells, name)
        if not text:
            raise self.error(f"empty {name}", line, name)
        return text

    def amount(self, cells, name, line, required=True):
        text = self.cell(cells, name)
        if not text and not required:
            return None
        try:
            return parse_amount(text, ".")
        except InvalidAmount as err:
            raise self.error("invalid amount", line, name, text) from err

    def date(self, cells, names, line):
        """The first non-empty of the ``names`` columns, as a UTC datetime."""
        for name in names:
            text = self.cell(cells, name)
            if text:
                break
        else:
            return None
        if text not in self.dates:
            if len(self.dates) >= DATE_CACHE_SIZE:
                self.dates.clear()
            try:
                self.dates[text] = parse_datetime(text)
            except InvalidDate as err:
                raise self.error("invalid date", line, name, text) from err
        return self.dates[text]

    def currency(self, cells, name, line):
        text = self.cell(cells, name)
        if not _CURRENCY.fullmatch(text):
            raise self.error("invalid currency", line, name, text)
        return text.upper()

    def description(self, cells, currency, line):
        text = self.cell(cells, "description")
        facing = self.cell(cells, "customer_facing_currency")
        if facing and facing.upper() != currency:
            paid = self.amount(cells, "customer_facing_amount", line, required=False)
            facing = self.currency(cells, "customer_facing_currency", line)
            note = f"customer paid {paid} {facing}" if paid is not None else facing
            text = f"{text} ({note})" if text else note
        return text

    def row(self, cells, line):
        """Yield the records of one row."""
        payout_ref = self.required(cells, "automatic_payout_id", line)
        txn = self.required(cells, "balance_transaction_id", line)
        currency = self.currency(cells, "currency", line)
        gross = self.amount(cells, "gross", line)
        fee = self.amount(cells, "fee", line, required=False) or 0
        net = self.amount(cells, "net", line, required=False)
        if net is not None and net != gross - fee:
            raise self.error(
                f"net is not gross - fee ({gross} - {fee})", line, "net", str(net)
            )
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
        yield Line(
            external_key=external_key("stripe", txn, "gross"),
            category=TYPE_MAP.get(rcat, "unknown"),
            amount=gross,
            **common,
        )
        if fee:
            yield Line(
                external_key=external_key("stripe", txn, "fee"),
                category=FEE_MAP.get(rcat, "payment_fee"),
                amount=-fee,
                **common,
            )


def parse(stream, filename="", options=None):
    """Yield a ``PayoutInfo`` per automatic payout and the ``Line`` records of rows."""
    reader = _Reader(filename)
    rows = csv.reader(iter_text_lines(as_binary(stream)), delimiter=",")
    end = 0
    try:
        try:
            header = next(rows)
        except StopIteration:
            raise reader.error("empty file", 1) from None
        reader.read_header(header)
        end = rows.line_num
        for cells in rows:
            # The physical line where the row starts (a quoted cell may span lines).
            line, end = end + 1, rows.line_num
            if any(cell.strip() for cell in cells):
                yield from reader.row(cells, line)
    except csv.Error as err:
        raise reader.error(f"unreadable line: {err}", end + 1) from err
