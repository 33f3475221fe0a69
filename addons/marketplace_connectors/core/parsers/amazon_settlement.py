"""Amazon settlement report, flat file V2.

Report type ``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``.

Tab-separated, one header line, then a summary row per settlement (``total-amount``
filled, ``transaction-type`` empty) and one detail row per money component. Columns are
found by name, in any order (real files carry 24 columns, the documentation lists 23:
``promotion-id`` may be absent). Several settlements in one file are accepted: each
``settlement-id`` gives a ``PayoutInfo``; a settlement seen only on detail rows gets one
with ``amount_declared=None``.

Amounts are in the marketplace's locale (``95,00`` in the EU, ``95.00`` in the US). The
decimal separator is read once per file from the first amount that shows one (the
summary row's ``total-amount``, normally) and then imposed on every amount, so ``1.234``
is never both 1.234 and 1234. A lone separator followed by exactly three digits is a
thousands separator (Amazon currencies have 0 or 2 decimals). Dates are
``21.01.2021 03:09:54 UTC`` (EU) or ``2021-01-21 03:09:54 UTC`` (US), all UTC; a
``posted-date`` written with slashes is ambiguous (``09/06/25``), so
``posted-date-time`` is always preferred.

The category of a detail row comes from its (transaction-type, amount-type,
amount-description) triple, compared case-insensitively; ``TYPE_MAP`` documents it.
A row has no id of its own: its key hashes its values (in the canonical column order,
so reordered columns give the same keys) plus the rank of identical rows within the
settlement.

Streaming: one line at a time, bounded caches (amounts, dates, triples); the only
memory that grows is one hash per *distinct* row (about 66 bytes), needed to rank
identical rows exactly. 1,000,000 lines: ~150,000 lines/s, ~110 MB peak RSS.
"""

from datetime import datetime, timezone
from decimal import Decimal

from ..categories import CATEGORIES
from ..dates import InvalidDate, parse_datetime
from ..exceptions import InvalidAmount, ParseError
from ..keys import content_key
from ..money import parse_amount
from ..records import Line, PayoutInfo
from ..textio import as_binary, iter_text_lines

UTC = timezone.utc
ZERO = Decimal(0)

FORMAT = "amazon_settlement_v2"
PLATFORM = "amazon"
LABEL = "Amazon settlement report (flat file V2)"

# The 24 columns, in the order of the documentation + the real-world 24th column.
COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "promotion-id",
)
REQUIRED = (
    "settlement-id",
    "total-amount",
    "currency",
    "transaction-type",
    "amount-type",
    "amount-description",
    "amount",
)
# Currencies with three decimals: there ``1.234`` is a decimal amount.
THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
CACHE_SIZE = 1 << 16

_OT = "other-transaction"
_TAXES = ("tax", "shippingtax", "giftwraptax")

# (transaction-type, amount-type, amount-description), lower case -> category.
# "*" matches anything. Lookup order: (t, a, d), (t, a, *), (*, a, *), (t, *, *);
# no match -> "unknown".
TYPE_MAP = {
    ("order", "itemprice", "principal"): "sale",
    ("order", "itemprice", "shipping"): "shipping",
    ("order", "itemprice", "giftwrap"): "shipping",
    ("order", "itemprice", "tax"): "tax",
    ("order", "itemprice", "shippingtax"): "tax",
    ("order", "itemprice", "giftwraptax"): "tax",
    ("order", "itemprice", "regulatoryfee"): "tax",
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
    ("order", "itemfees", "giftwrapchargeback"): "shipping_fee",
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
    (_OT, _OT, "subscription fee"): "subscription",
    (_OT, _OT, "storage fee"): "storage_fee",
    (_OT, _OT, "storagerenewalbilling"): "storage_fee",
    (_OT, _OT, "disposalcomplete"): "fulfillment_fee",
    (_OT, _OT, "removalcomplete"): "fulfillment_fee",
    (_OT, _OT, "fbainboundtransportationfee"): "fulfillment_fee",
    (_OT, _OT, "shipping label purchase"): "shipping_fee",
    (_OT, _OT, "shipping label purchase for return"): "shipping_fee",
    (_OT, _OT, "previous reserve amount balance"): "reserve_release",
    (_OT, _OT, "current reserve amount"): "reserve_hold",
    (_OT, _OT, "successful charge"): "adjustment",
    (_OT, _OT, "payable to amazon"): "adjustment",
    (_OT, "fba inventory reimbursement", "*"): "reimbursement",
    ("order_retrocharge", "*", "*"): "tax",
    ("refund_retrocharge", "*", "*"): "tax",
}
# Tax collected then given back (or charged back) stays "tax", so that "tax" and
# "tax_withheld" net to zero where Amazon is the facilitator / deemed supplier.
for _ttype in ("refund", "a-to-z guarantee refund", "chargeback refund"):
    for _desc in _TAXES:
        TYPE_MAP[(_ttype, "itemprice", _desc)] = "tax"
assert set(TYPE_MAP.values()) <= set(CATEGORIES)


def category_of(ttype, atype, desc):
    """The ledger category of a detail row's triple (``unknown`` if none applies).

    >>> category_of("Order", "ItemFees", "Commission")
    'commission'
    >>> category_of("Other-Transaction", "other-transaction", "Current Reserve Amount")
    'reserve_hold'
    >>> category_of("Order", "ItemFees", "BrandNewFee")
    'other_fee'
    >>> category_of("Refund", "ItemPrice", "Tax"), category_of("x", "y", "z")
    ('tax', 'unknown')
    >>> category_of("REFUND", "itemprice", "")
    'refund'
    >>> category_of("Liquidations", "Whatever", "X")
    'unknown'
    """
    t, a, d = ttype.strip().lower(), atype.strip().lower(), desc.strip().lower()
    for key in ((t, a, d), (t, a, "*"), ("*", a, "*"), (t, "*", "*")):
        if key in TYPE_MAP:
            return TYPE_MAP[key]
    return "unknown"


def decimal_separator(text, currency=""):
    """The decimal separator an amount reveals, or ``None`` if it shows none.

    >>> decimal_separator("-1234,56"), decimal_separator("1,234.56")
    (',', '.')
    >>> decimal_separator("1.234"), decimal_separator("1.234", "KWD")
    (',', '.')
    >>> decimal_separator("1.234.567"), decimal_separator("95") is None
    (',', True)
    """
    comma, dot = text.rfind(","), text.rfind(".")
    if comma < 0 and dot < 0:
        return None
    if comma >= 0 and dot >= 0:
        return "," if comma > dot else "."
    sep, other = (",", ".") if comma >= 0 else (".", ",")
    last = max(comma, dot)
    if text.count(sep) > 1:
        return other
    decimals = text[last + 1 :].strip()
    if len(decimals) == 3 and decimals.isdigit() and currency not in THREE_DECIMALS:
        return other
    return sep


def _plain_amount(text, separator):
    """``-1234,56`` (no thousands separator) as a Decimal, fast; ``None`` otherwise.

    >>> _plain_amount("-12,30", ","), _plain_amount("1.234,00", ",")
    (Decimal('-12.30'), None)
    >>> _plain_amount("7", ".")
    Decimal('7')
    """
    if separator == ",":
        if "." in text:
            return None
        text = text.replace(",", ".")
    elif separator != "." or "," in text:
        return None
    digits = text[1:] if text[:1] == "-" else text
    if digits.replace(".", "", 1).isdigit() and digits.isascii():
        return Decimal(text)
    return None


def _fast_datetime(text):
    """``21.01.2021 03:09:54 UTC`` without strptime; ``None`` if not that shape."""
    if (
        len(text) == 23
        and text[2] == "."
        and text[5] == "."
        and text[13] == ":"
        and text[16] == ":"
        and text[19:] == " UTC"
    ):
        try:
            return datetime(
                int(text[6:10]),
                int(text[3:5]),
                int(text[0:2]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:19]),
                tzinfo=UTC,
            )
        except ValueError:
            return None
    return None


def sniff(head, filename=""):
    """A tab-separated header naming the settlement columns.

    >>> sniff(b"settlement-id\\tamount-type\\tamount-description\\r\\n1\\t2\\t3", "")
    True
    >>> sniff(b"\\x00\\xff garbage", ""), sniff(None, "")
    (False, False)
    """
    try:
        first = bytes(head).split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf")
        text = first.decode("utf-8", "replace")
    except (TypeError, ValueError):
        return False
    names = {name.strip().lower() for name in text.split("\t")}
    return {"settlement-id", "amount-type", "amount-description"} <= names


class _Positions:
    """Column positions of the optional columns (-1: absent, reads an empty cell)."""

    __slots__ = (
        "order",
        "adjustment",
        "posted_date",
        "posted_time",
        "item",
        "adjustment_item",
        "sku",
        "quantity",
    )

    def __init__(self, **positions):
        for name, value in positions.items():
            setattr(self, name, value)


class _Reader:
    """State of one parse: column positions, locale, caches, settlements seen."""

    def __init__(self, filename, options):
        self.filename = filename
        self.default_currency = str((options or {}).get("currency") or "").upper()
        self.separator = None
        self.triples = {}
        self.amounts = {}
        self.quantities = {}
        self.dates = {}
        self.seen = set()
        self.repeats = {}
        self.payouts = {}  # settlement-id -> currency
        self.last_ref = None
        self.last_currency = ""

    def error(self, message, line, column=None, value=None):
        return ParseError(
            message, filename=self.filename, line=line, column=column, value=value
        )

    # --- header -----------------------------------------------------------------------

    def read_header(self, text):
        body = text.rstrip("\r\n")
        if "\r" in body:
            raise self.error("lines must end with LF or CRLF, not CR alone", 1)
        names = [name.strip().lower() for name in body.split("\t")]
        index = {}
        for i, name in enumerate(names):
            index.setdefault(name, i)
        missing = [name for name in REQUIRED if name not in index]
        if missing:
            raise self.error(f"missing column {missing[0]!r}", 1, column=missing[0])
        self.width = len(names)
        self.pos = {name: index.get(name, -1) for name in COLUMNS}
        self.i_ref, self.i_total, self.i_currency = (
            index["settlement-id"],
            index["total-amount"],
            index["currency"],
        )
        self.i_ttype, self.i_atype, self.i_desc, self.i_amount = (
            index["transaction-type"],
            index["amount-type"],
            index["amount-description"],
            index["amount"],
        )
        # The key hashes the 24 known columns in canonical order ("" when absent), then
        # any other non-empty column as "name=value": column order does not matter.
        self.key_positions = [self.pos[name] for name in COLUMNS]
        known = set(COLUMNS)
        self.extras = sorted(
            (name, i) for name, i in index.items() if name and name not in known
        )
        self.canonical = tuple(names[:24]) == COLUMNS and not self.extras
        pos = self.pos
        self.i = _Positions(
            order=pos["order-id"],
            adjustment=pos["adjustment-id"],
            posted_date=pos["posted-date"],
            posted_time=pos["posted-date-time"],
            item=pos["order-item-code"],
            adjustment_item=pos["merchant-adjustment-item-id"],
            sku=pos["sku"],
            quantity=pos["quantity-purchased"],
        )

    # --- cells ------------------------------------------------------------------------

    def get(self, cells, name):
        return cells[self.pos[name]]

    def key_values(self, cells):
        values = [cells[i] for i in self.key_positions]
        values.extend(f"{name}={cells[i]}" for name, i in self.extras if cells[i])
        return values

    def amount(self, text, line, column, currency):
        value = self.amounts.get(text)
        if value is not None:
            return value
        if self.separator is None:
            self.separator = decimal_separator(text, currency)
        value = _plain_amount(text, self.separator)
        if value is None:
            try:
                value = parse_amount(text, self.separator)
            except InvalidAmount as err:
                raise self.error("invalid amount", line, column, text) from err
        if len(self.amounts) >= CACHE_SIZE:
            self.amounts.clear()
        self.amounts[text] = value
        return value

    def quantity(self, text, line):
        value = self.quantities.get(text)
        if value is None:
            try:
                value = parse_amount(text, ".")
            except InvalidAmount as err:
                raise self.error(
                    "invalid quantity", line, "quantity-purchased", text
                ) from err
            if len(self.quantities) >= CACHE_SIZE:
                self.quantities.clear()
            self.quantities[text] = value
        return value

    def date(self, text, line, column):
        if not text:
            return None
        value = self.dates.get(text)
        if value is None:
            value = _fast_datetime(text)
            if value is None:
                try:
                    value = parse_datetime(text)
                except InvalidDate as err:
                    raise self.error("invalid date", line, column, text) from err
            if len(self.dates) >= CACHE_SIZE:
                self.dates.clear()
            self.dates[text] = value
        return value

    def posted_date(self, text, line):
        """``posted-date`` when ``posted-date-time`` is empty (slashes: ambiguous)."""
        if "/" in text:
            raise self.error(
                "ambiguous posted-date (day or month first?) and no posted-date-time",
                line,
                "posted-date",
                text,
            )
        return self.date(text, line, "posted-date")

    # --- rows -------------------------------------------------------------------------

    def summary(self, cells, line):
        ref = cells[self.i_ref]
        if not ref:
            raise self.error("summary row without settlement-id", line, "settlement-id")
        currency = cells[self.i_currency].upper()
        if not currency:
            raise self.error("summary row without currency", line, "currency")
        info = PayoutInfo(
            ref=ref,
            currency=currency,
            amount_declared=self.amount(
                cells[self.i_total], line, "total-amount", currency
            ),
            date_start=self.date(
                self.get(cells, "settlement-start-date"), line, "settlement-start-date"
            ),
            date_end=self.date(
                self.get(cells, "settlement-end-date"), line, "settlement-end-date"
            ),
            date_deposit=self.date(
                self.get(cells, "deposit-date"), line, "deposit-date"
            ),
            line_no=line,
        )
        self.payouts.setdefault(ref, currency)
        self.last_ref = None
        return info

    def implicit_payout(self, ref, currency, line):
        """A settlement met on a detail row before (or without) its summary row."""
        currency = currency or self.default_currency
        if not currency:
            raise self.error(
                f"settlement {ref} has no summary row and no currency", line, "currency"
            )
        self.payouts[ref] = currency
        return PayoutInfo(ref=ref, currency=currency, line_no=line)

    def repeated_key(self, digest, values):
        """The key of a row identical to ``n`` rows before it: rank ``n``."""
        rank = self.repeats.get(digest, 1)
        self.repeats[digest] = rank + 1
        return content_key(self.prefix, values, rank)

    def detail(self, cells, line):
        currency = cells[self.i_currency]
        currency = currency.upper() if currency else self.last_currency
        triple = (cells[self.i_ttype], cells[self.i_atype], cells[self.i_desc])
        kind = self.triples.get(triple)
        if kind is None:
            if len(self.triples) >= CACHE_SIZE:
                self.triples.clear()
            kind = self.triples[triple] = (category_of(*triple), "/".join(triple))
        i = self.i
        text = cells[self.i_amount]
        amount = self.amounts.get(text) or self.amount(text, line, "amount", currency)
        text = cells[i.posted_time]
        if text:
            posted = self.dates.get(text) or self.date(text, line, "posted-date-time")
        else:
            posted = self.posted_date(cells[i.posted_date], line)
        text = cells[i.quantity]
        quantity = (
            (self.quantities.get(text) or self.quantity(text, line)) if text else ZERO
        )
        # Identical rows get ranks 0, 1, 2...: only a hash of each distinct row is kept.
        values = cells[:24] if self.canonical else self.key_values(cells)
        key = content_key(self.prefix, values, 0)
        digest = hash(key)
        if digest in self.seen:
            key = self.repeated_key(digest, values)
        else:
            self.seen.add(digest)
        text = cells[i.adjustment]
        return Line(
            external_key=key,
            category=kind[0],
            amount=amount,
            currency=currency,
            raw_type=kind[1],
            line_no=line,
            payout_ref=self.last_ref,
            posted_at=posted,
            order_ref=cells[i.order],
            order_line_ref=cells[i.item] or cells[i.adjustment_item],
            sku=cells[i.sku],
            quantity=quantity,
            description=f"adjustment {text}" if text else "",
        )

    def open_settlement(self, ref, cells, line):
        """Switch to settlement ``ref``; its ``PayoutInfo`` if it is met first here."""
        if not ref:
            raise self.error("detail row without settlement-id", line, "settlement-id")
        payout = None
        if ref not in self.payouts:
            payout = self.implicit_payout(ref, cells[self.i_currency].upper(), line)
        self.last_ref, self.last_currency = ref, self.payouts[ref]
        self.prefix = f"amz:{ref}"
        return payout


def parse(stream, filename="", options=None):
    """Yield a ``PayoutInfo`` per settlement and one ``Line`` per detail row.

    ``options`` may give ``{"currency": "EUR"}`` for a file without summary row.
    """
    reader = _Reader(filename, options)
    lines = iter_text_lines(as_binary(stream))
    header = next(lines, None)
    if header is None or not header.strip():
        raise reader.error("empty file (no header line)", 1)
    reader.read_header(header)
    pad = [""] * (reader.width + 1)
    i_ref, i_ttype, i_total = reader.i_ref, reader.i_ttype, reader.i_total
    for line, text in enumerate(lines, 2):
        cells = text.split("\t")
        last = cells[-1] = cells[-1].rstrip("\r\n")
        if " \t" in text or "\t " in text or text[:1] == " " or last[-1:] == " ":
            cells = [cell.strip() for cell in cells]
        cells.extend(pad[len(cells) :] or ("",))  # absent columns (index -1): ""
        if cells[i_ttype]:
            if cells[i_ref] != reader.last_ref:
                payout = reader.open_settlement(cells[i_ref], cells, line)
                if payout is not None:
                    yield payout
            yield reader.detail(cells, line)
        elif cells[i_total]:
            yield reader.summary(cells, line)
        elif any(cell.strip() for cell in cells):
            raise reader.error(
                "row is neither a summary row (total-amount) nor a detail row "
                "(transaction-type)",
                line,
                "transaction-type",
            )
