"""Amazon "All Orders" report, flat file (orders import).

Report type ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL``: tab-separated, one
header line, one row per order item (``amazon-order-id, merchant-order-id,
purchase-date, last-updated-date, order-status, fulfillment-channel, sales-channel,
order-channel, url, ship-service-level, product-name, sku, asin, item-status, quantity,
currency, item-price, item-tax, shipping-price, shipping-tax, gift-wrap-price,
gift-wrap-tax, item-promotion-discount, ship-promotion-discount, ship-city, ship-state,
ship-postal-code, ship-country, promotion-ids, ...``). Columns are found by name.

Consecutive rows with the same ``amazon-order-id`` make one :class:`OrderInfo`, yielded
as soon as the next order starts (streaming). Amazon writes an order's rows together;
if an order id reappears later in the file, a second ``OrderInfo`` with the same
``ref`` is yielded (its line refs carry ``#<n>`` so they stay distinct) and the ORM
merges both. Only the set of order ids already seen is kept in memory.

Lines:

- each row gives an item line: ``sku`` (empty SKU kept, named after ``product-name``),
  ``quantity``, ``price_unit = item-price / quantity`` (``item-price`` is the line
  total; the quotient keeps the default context's 28 digits: ``10.00 / 3`` stays
  ``3.333...``, the ORM rounds), ``line_ref = <order-id>:<sku or asin>:<rank>``;
- non-zero ``shipping-price``, ``gift-wrap-price``, ``item-promotion-discount`` and
  ``ship-promotion-discount`` give extra lines with an empty SKU, quantity 1 and a
  ``line_ref`` prefixed ``shipping:``, ``giftwrap:``, ``discount:`` or
  ``shipping-discount:`` (see :data:`EXTRA_COLUMNS`); discounts are negative.

Prices are VAT-inclusive on the EU/UK marketplaces (``tax_included=True``) and
tax-exclusive on Amazon.com/.ca/.com.mx (``item-tax`` is then separate and not
imported: the ORM computes taxes). An unknown ``sales-channel`` (``Non-Amazon``
multi-channel orders) is decided by the currency (:data:`VAT_CURRENCIES`);
``options["tax_included"]`` overrides. Cancelled and pending orders often have empty
prices and currency: an empty price is 0 and the currency falls back on the
marketplace's. ``status`` is ``order-status`` lower-cased (``cancelled``, ``shipped``,
``pending``, ...). The report carries no buyer name: ``customer_name`` is empty (the
ORM uses the channel's generic customer for ``ship-country``).
"""

import csv
import re
from collections import Counter
from decimal import Context, Decimal

from ..dates import InvalidDate, parse_datetime
from ..exceptions import InvalidAmount, ParseError
from ..keys import external_key
from ..money import parse_amount
from ..records import OrderInfo, OrderLineInfo
from ..textio import dict_rows

FORMAT = "amazon_orders_flat"
PLATFORM = "amazon"
LABEL = "Amazon All Orders report (flat file, orders)"

# Order imports produce orders, no ledger line: nothing maps to a category.
TYPE_MAP = {}

ZERO = Decimal(0)
ONE = Decimal(1)
# Default context (28 significant digits), whatever the caller's thread context.
_DIVISION = Context(prec=28)

REQUIRED = (
    "amazon-order-id",
    "purchase-date",
    "order-status",
    "sku",
    "quantity",
    "currency",
    "item-price",
)
# Extra money columns -> (line_ref prefix, line name, sign).
EXTRA_COLUMNS = {
    "shipping-price": ("shipping", "Shipping", 1),
    "gift-wrap-price": ("giftwrap", "Gift wrap", 1),
    "item-promotion-discount": ("discount", "Promotion", -1),
    "ship-promotion-discount": ("shipping-discount", "Shipping promotion", -1),
}
# Marketplaces whose prices include VAT, and their currency.
VAT_INCLUSIVE = {
    "amazon.fr": "EUR",
    "amazon.de": "EUR",
    "amazon.it": "EUR",
    "amazon.es": "EUR",
    "amazon.nl": "EUR",
    "amazon.com.be": "EUR",
    "amazon.ie": "EUR",
    "amazon.se": "SEK",
    "amazon.pl": "PLN",
    "amazon.co.uk": "GBP",
    "amazon.com.tr": "TRY",
}
TAX_EXCLUSIVE = {"amazon.com": "USD", "amazon.ca": "CAD", "amazon.com.mx": "MXN"}
VAT_CURRENCIES = {"EUR", "SEK", "PLN", "GBP", "TRY", "DKK", "CZK", "HUF", "RON", "BGN"}
CANCELLED = {"cancelled", "canceled"}

_QUANTITY = re.compile(r"^\d+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def sniff(head, filename=""):
    """A tab-separated header with ``amazon-order-id`` and ``purchase-date``.

    >>> sniff(b"amazon-order-id\\tmerchant-order-id\\tpurchase-date\\tsku\\n")
    True
    >>> sniff(b"settlement-id\\tamazon-order-id\\tpurchase-date\\n")
    False
    >>> sniff(b"\\x00\\xff garbage")
    False
    """
    try:
        first = bytes(head).lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
        names = {
            name.strip().lower()
            for name in first.decode("utf-8", "replace").split("\t")
        }
    except (TypeError, ValueError):
        return False
    return (
        "amazon-order-id" in names
        and "purchase-date" in names
        and "settlement-id" not in names
    )


def tax_included_for(channel, currency):
    """Are the prices of this marketplace VAT-inclusive?

    >>> tax_included_for("Amazon.fr", ""), tax_included_for("Amazon.com", "USD")
    (True, False)
    >>> tax_included_for("Non-Amazon", "EUR"), tax_included_for("", "USD")
    (True, False)
    """
    key = channel.strip().lower()
    if key in VAT_INCLUSIVE:
        return True
    if key in TAX_EXCLUSIVE:
        return False
    return currency.upper() in VAT_CURRENCIES


def unit_price(total, quantity):
    """``item-price`` is the line total: the unit price, unrounded.

    >>> unit_price(Decimal("10.00"), Decimal(3))
    Decimal('3.333333333333333333333333333')
    >>> unit_price(Decimal("25.98"), Decimal(2)), unit_price(Decimal("4"), Decimal(0))
    (Decimal('12.99'), Decimal('4'))
    """
    if not quantity:
        return total
    return _DIVISION.divide(total, quantity)


class _Reader:
    def __init__(self, filename, options):
        self.filename = filename
        self.options = options or {}
        self.separator = self.options.get("decimal_separator")

    def error(self, message, line, column=None, value=None):
        return ParseError(
            message, filename=self.filename, line=line, column=column, value=value
        )

    def check_header(self, header):
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise self.error(f"missing column {missing[0]!r}", 1, missing[0])

    def required(self, row, column, line):
        value = row.get(column, "")
        if not value:
            raise self.error(f"empty {column!r}", line, column)
        return value

    def amount(self, row, column, line):
        value = row.get(column, "")
        if not value:
            return ZERO
        try:
            result = parse_amount(value, self.separator)
        except (InvalidAmount, ValueError) as err:
            raise self.error("invalid amount", line, column, value) from err
        return result

    def quantity(self, row, line):
        value = row.get("quantity", "")
        if not _QUANTITY.match(value):
            raise self.error("invalid quantity", line, "quantity", value)
        return Decimal(value)

    def date(self, row, line):
        value = self.required(row, "purchase-date", line)
        try:
            return parse_datetime(value)
        except InvalidDate as err:
            raise self.error("invalid date", line, "purchase-date", value) from err

    def currency(self, row, line):
        value = row.get("currency", "")
        if value and not _CURRENCY.match(value):
            raise self.error("invalid currency", line, "currency", value)
        if value:
            return value.upper()
        channel = row.get("sales-channel", "").lower()
        return VAT_INCLUSIVE.get(channel) or TAX_EXCLUSIVE.get(channel, "")

    def country(self, row, line):
        value = row.get("ship-country", "")
        if value and not _COUNTRY.match(value):
            raise self.error("invalid country code", line, "ship-country", value)
        return value.upper()

    def tax_included(self, row, currency):
        if "tax_included" in self.options:
            return bool(self.options["tax_included"])
        return tax_included_for(row.get("sales-channel", ""), currency)


class _Order:
    """The rows of one order being read."""

    def __init__(self, reader, row, line, chunk):
        self.reader = reader
        self.ref = row["amazon-order-id"]
        self.prefix = self.ref if not chunk else f"{self.ref}#{chunk}"
        self.currency = reader.currency(row, line)
        self.tax_included = reader.tax_included(row, self.currency)
        self.info = OrderInfo(
            ref=self.ref,
            currency=self.currency,
            date_order=reader.date(row, line),
            status=row["order-status"].strip().lower(),
            country_code=reader.country(row, line),
            line_no=line,
        )
        self.lines = []
        self.ranks = Counter()

    def add(self, row, line):
        reader = self.reader
        reader.date(row, line)  # every row is checked, not only the first
        reader.country(row, line)
        currency = reader.currency(row, line)
        if currency and not self.currency:
            self.currency = currency
        quantity = reader.quantity(row, line)
        total = reader.amount(row, "item-price", line)
        sku = row["sku"]
        base = sku or row.get("asin", "") or "line"
        item_ref = external_key(self.prefix, base, self.ranks[base])
        self.ranks[base] += 1
        self.lines.append(
            OrderLineInfo(
                sku=sku,
                quantity=quantity,
                price_unit=unit_price(total, quantity),
                line_ref=item_ref,
                name=row.get("product-name", ""),
                tax_included=self.tax_included,
            )
        )
        for column, (kind, name, sign) in EXTRA_COLUMNS.items():
            amount = reader.amount(row, column, line)
            if amount:
                self.lines.append(
                    OrderLineInfo(
                        sku="",
                        quantity=ONE,
                        price_unit=sign * abs(amount),
                        line_ref=f"{kind}:{item_ref}",
                        name=name,
                        tax_included=self.tax_included,
                    )
                )

    def result(self):
        return OrderInfo(
            ref=self.info.ref,
            currency=self.currency,
            date_order=self.info.date_order,
            status=self.info.status,
            country_code=self.info.country_code,
            line_no=self.info.line_no,
            lines=tuple(self.lines),
        )


def _rows(stream, filename):
    """``textio.dict_rows``, with the ``csv`` module's own errors located."""
    rows = dict_rows(stream, "\t")
    line = 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as err:
            raise ParseError(
                f"unreadable line: {err}", filename=filename, line=line + 1
            ) from err
        line = row[0]
        yield row


def parse(stream, filename="", options=None):
    """Yield one ``OrderInfo`` per order (per run of consecutive rows)."""
    reader = _Reader(filename, options)
    seen = Counter()
    order = None
    for line, header, row in _rows(stream, filename):
        if order is None:
            reader.check_header(header)
        ref = reader.required(row, "amazon-order-id", line)
        if order is None or ref != order.ref:
            if order is not None:
                yield order.result()
            order = _Order(reader, row, line, seen[ref])
            seen[ref] += 1
        order.add(row, line)
    if order is not None:
        yield order.result()
