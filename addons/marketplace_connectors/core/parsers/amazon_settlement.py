"""Amazon settlement report, flat file V2.

Report type ``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``.

Tab-separated, one header line, then a summary row per settlement (``total-amount``
filled, ``transaction-type`` empty) and one detail row per money component. Columns are
found by name (real files carry 24 columns, the documentation lists 23). Amounts are in
the marketplace's locale (``95,00`` in the EU, ``95.00`` in the US): the decimal
separator is read once per file from the first amount that shows one. Dates are
``21.01.2021 03:09:54 UTC`` (EU) or ``2021-01-21 03:09:54 UTC`` (US); a slashed
``posted-date`` is ambiguous, so ``posted-date-time`` is preferred.

The category of a detail row comes from its (transaction-type, amount-type,
amount-description) triple, compared case-insensitively; ``TYPE_MAP`` documents it.
"""

import csv
from decimal import Decimal

from ..categories import CATEGORIES
from ..dates import InvalidDate, parse_datetime
from ..exceptions import InvalidAmount, ParseError
from ..keys import content_key
from ..money import parse_amount
from ..records import Line, PayoutInfo
from ..textio import as_binary, iter_text_lines

ZERO = Decimal(0)

FORMAT = "amazon_settlement_v2"
PLATFORM = "amazon"
LABEL = "Amazon settlement report (flat file V2)"

REQUIRED = (
    "settlement-id",
    "total-amount",
    "currency",
    "transaction-type",
    "amount-type",
    "amount-description",
    "amount",
)

# (transaction-type, amount-type, amount-description) -> category; "*" matches anything.
# Looked up from the most to the least specific key.
TYPE_MAP = {
    ("order", "itemprice", "principal"): "sale",
    ("order", "itemprice", "shipping"): "shipping",
    ("order", "itemprice", "giftwrap"): "shipping",
    ("order", "itemprice", "tax"): "tax",
    ("order", "itemprice", "shippingtax"): "tax",
    ("order", "itemprice", "giftwraptax"): "tax",
    ("order", "itemprice", "*"): "sale",
    ("*", "itemwithheldtax", "*"): "tax_withheld",
    ("order", "promotion", "*"): "promotion",
    ("refund", "promotion", "*"): "promotion",
    ("order", "itemfees", "commission"): "commission",
    ("order", "itemfees", "fbaperunitfulfillmentfee"): "fulfillment_fee",
    ("order", "itemfees", "fbaperorderfulfillmentfee"): "fulfillment_fee",
    ("order", "itemfees", "fbaweightbasedfee"): "fulfillment_fee",
    ("order", "itemfees", "shippingchargeback"): "shipping_fee",
    ("order", "itemfees", "shippinghb"): "shipping_fee",
    ("order", "itemfees", "*"): "other_fee",
    ("refund", "itemprice", "*"): "refund",
    ("refund", "itemfees", "*"): "refund_fee",
    ("a-to-z guarantee refund", "itemprice", "*"): "dispute",
    ("a-to-z guarantee refund", "itemfees", "*"): "dispute_fee",
    ("a-to-z guarantee refund", "promotion", "*"): "dispute",
    ("chargeback refund", "itemprice", "*"): "dispute",
    ("chargeback refund", "itemfees", "*"): "dispute_fee",
    ("chargeback refund", "promotion", "*"): "dispute",
    ("servicefee", "cost of advertising", "*"): "advertising",
    ("servicefee", "refund for advertiser", "*"): "advertising",
    ("servicefee", "*", "*"): "other_fee",
    ("other-transaction", "other-transaction", "subscription fee"): "subscription",
    ("other-transaction", "other-transaction", "storage fee"): "storage_fee",
    ("other-transaction", "other-transaction", "storagerenewalbilling"): "storage_fee",
    ("other-transaction", "other-transaction", "disposalcomplete"): "fulfillment_fee",
    ("other-transaction", "other-transaction", "removalcomplete"): "fulfillment_fee",
    (
        "other-transaction",
        "other-transaction",
        "fbainboundtransportationfee",
    ): "fulfillment_fee",
    (
        "other-transaction",
        "other-transaction",
        "shipping label purchase",
    ): "shipping_fee",
    (
        "other-transaction",
        "other-transaction",
        "shipping label purchase for return",
    ): "shipping_fee",
    (
        "other-transaction",
        "other-transaction",
        "previous reserve amount balance",
    ): "reserve_release",
    (
        "other-transaction",
        "other-transaction",
        "current reserve amount",
    ): "reserve_hold",
    ("other-transaction", "other-transaction", "successful charge"): "adjustment",
    ("other-transaction", "other-transaction", "payable to amazon"): "adjustment",
    ("other-transaction", "fba inventory reimbursement", "*"): "reimbursement",
    ("order_retrocharge", "*", "*"): "tax",
    ("refund_retrocharge", "*", "*"): "tax",
}
assert set(TYPE_MAP.values()) <= set(CATEGORIES)


def category_of(ttype, atype, desc):
    """The ledger category of a detail row's triple (``unknown`` if none applies).

    >>> category_of("Order", "ItemFees", "Commission")
    'commission'
    >>> category_of("Other-Transaction", "other-transaction", "Current Reserve Amount")
    'reserve_hold'
    >>> category_of("Order", "ItemFees", "BrandNewFee")
    'other_fee'
    >>> category_of("Liquidations", "Whatever", "X")
    'unknown'
    """
    t, a, d = ttype.strip().lower(), atype.strip().lower(), desc.strip().lower()
    for key in ((t, a, d), (t, a, "*"), ("*", a, "*"), (t, "*", "*")):
        if key in TYPE_MAP:
            return TYPE_MAP[key]
    return "unknown"


def sniff(head, filename=""):
    """A tab-separated header naming the settlement columns."""
    try:
        first = (
            head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")
        )
    except (AttributeError, ValueError):
        return False
    names = {name.strip().lower() for name in first.split("\t")}
    return {"settlement-id", "amount-type", "amount-description"} <= names


class _Reader:
    """State of one parse: column positions, locale, caches, payouts seen."""

    def __init__(self, filename):
        self.filename = filename
        self.index = {}
        self.separator = None
        self.categories = {}
        self.dates = {}
        self.occurrences = {}
        self.payouts = {}

    def error(self, message, line, column=None, value=None):
        return ParseError(
            message, filename=self.filename, line=line, column=column, value=value
        )

    def read_header(self, cells):
        self.index = {name.strip().lower(): i for i, name in enumerate(cells)}
        missing = [name for name in REQUIRED if name not in self.index]
        if missing:
            raise self.error(f"missing column {missing[0]!r}", 1, column=missing[0])
        self.width = len(cells)

    def cell(self, cells, name):
        i = self.index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def amount(self, text, line, column):
        if self.separator is None and ("," in text or "." in text):
            # The last separator of the first amount that has one tells the locale.
            self.separator = "," if text.rfind(",") > text.rfind(".") else "."
        try:
            return parse_amount(text, self.separator)
        except InvalidAmount as err:
            raise self.error("invalid amount", line, column, text) from err

    def date(self, text, line, column):
        if not text:
            return None
        if text not in self.dates:
            try:
                self.dates[text] = parse_datetime(text)
            except InvalidDate as err:
                raise self.error("invalid date", line, column, text) from err
        return self.dates[text]

    def posted_at(self, cells, line):
        text = self.cell(cells, "posted-date-time")
        if text:
            return self.date(text, line, "posted-date-time")
        text = self.cell(cells, "posted-date")
        if "/" in text:
            raise self.error(
                "ambiguous posted-date without posted-date-time",
                line,
                "posted-date",
                text,
            )
        return self.date(text, line, "posted-date")

    def summary(self, cells, line):
        ref = self.cell(cells, "settlement-id")
        if not ref:
            raise self.error("summary row without settlement-id", line, "settlement-id")
        currency = self.cell(cells, "currency").upper()
        if not currency:
            raise self.error("summary row without currency", line, "currency")
        info = PayoutInfo(
            ref=ref,
            currency=currency,
            amount_declared=self.amount(
                self.cell(cells, "total-amount"), line, "total-amount"
            ),
            date_start=self.date(
                self.cell(cells, "settlement-start-date"), line, "settlement-start-date"
            ),
            date_end=self.date(
                self.cell(cells, "settlement-end-date"), line, "settlement-end-date"
            ),
            date_deposit=self.date(
                self.cell(cells, "deposit-date"), line, "deposit-date"
            ),
            line_no=line,
        )
        self.payouts[ref] = info
        return info

    def detail(self, cells, line):
        ref = self.cell(cells, "settlement-id")
        if not ref:
            raise self.error("detail row without settlement-id", line, "settlement-id")
        payout = self.payouts.get(ref)
        currency = self.cell(cells, "currency").upper() or (
            payout.currency if payout else ""
        )
        if not currency:
            raise self.error("no currency for this settlement", line, "currency")
        triple = tuple(
            self.cell(cells, name)
            for name in ("transaction-type", "amount-type", "amount-description")
        )
        category = self.categories.get(triple)
        if category is None:
            category = self.categories[triple] = category_of(*triple)
        amount = self.amount(self.cell(cells, "amount"), line, "amount")
        quantity_text = self.cell(cells, "quantity-purchased")
        try:
            quantity = parse_amount(quantity_text, ".") if quantity_text else ZERO
        except InvalidAmount as err:
            raise self.error(
                "invalid quantity", line, "quantity-purchased", quantity_text
            ) from err
        values = [value.strip() for value in cells]
        # Identical rows (two identical fees) are told apart by their rank; the
        # counter keeps an 8-byte hash per row, not the row itself.
        occurrence_key = hash((ref, *values))
        occurrence = self.occurrences.get(occurrence_key, 0)
        self.occurrences[occurrence_key] = occurrence + 1
        order_line = self.cell(cells, "order-item-code") or self.cell(
            cells, "merchant-adjustment-item-id"
        )
        return Line(
            external_key=content_key(f"amz:{ref}", values, occurrence),
            category=category,
            amount=amount,
            currency=currency,
            raw_type="/".join(triple),
            line_no=line,
            payout_ref=ref,
            posted_at=self.posted_at(cells, line),
            order_ref=self.cell(cells, "order-id"),
            order_line_ref=order_line,
            sku=self.cell(cells, "sku"),
            quantity=quantity,
            description=self.cell(cells, "adjustment-id")
            and f"adjustment {self.cell(cells, 'adjustment-id')}",
        )


def parse(stream, filename="", options=None):
    """Yield the settlement's ``PayoutInfo`` and one ``Line`` per detail row."""
    reader = _Reader(filename)
    rows = csv.reader(
        iter_text_lines(as_binary(stream)), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    try:
        header = next(rows)
    except StopIteration:
        raise reader.error("empty file", 1) from None
    except csv.Error as err:
        raise reader.error(f"unreadable line: {err}", 1) from err
    reader.read_header(header)
    line = 1
    try:
        for cells in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if reader.cell(cells, "transaction-type"):
                yield reader.detail(cells, line)
            elif reader.cell(cells, "total-amount"):
                yield reader.summary(cells, line)
            else:
                raise reader.error(
                    "row is neither a summary nor a detail row (no transaction-type, "
                    "no total-amount)",
                    line,
                    "transaction-type",
                )
    except csv.Error as err:
        raise reader.error(f"unreadable line: {err}", line + 1) from err
