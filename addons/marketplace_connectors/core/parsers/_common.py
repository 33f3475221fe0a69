"""Helpers shared by the parsers: sniffing, JSON loading and typed access to JSON
values or CSV cells, raising located ``ParseError``."""

import csv
import json
import re
from decimal import Decimal

from ..dates import DATETIME_FORMATS, InvalidDate, parse_datetime
from ..exceptions import InvalidAmount, ParseError
from ..money import parse_amount
from ..records import Line, OrderLineInfo
from ..textio import as_binary

_BOM = b"\xef\xbb\xbf"
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_ONE = Decimal(1)


def short(value):
    """``value`` as a string of at most 60 characters, for error messages.

    >>> short("x" * 70)[-5:], short(None)
    ('xx...', 'None')
    """
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def json_head(head):
    """The start of a file without BOM and leading white space; ``b""`` if unreadable.

    >>> json_head(b'\\xef\\xbb\\xbf \\n{"a": 1}'), json_head(None)
    (b'{"a": 1}', b'')
    """
    try:
        return bytes(head).lstrip(_BOM + b" \t\r\n")
    except (TypeError, ValueError):
        return b""


def first_line(head):
    """The first line of a file without BOM, as bytes; ``None`` if unreadable."""
    try:
        return bytes(head).split(b"\n", 1)[0].lstrip(_BOM)
    except (TypeError, ValueError):
        return None


def csv_header_names(head):
    """The lower-cased column names of a comma-separated header (empty if unreadable).

    >>> sorted(csv_header_names(b'\\xef\\xbb\\xbfType,"Amount"\\nx,1'))
    ['amount', 'type']
    """
    first = first_line(head)
    if first is None:
        return set()
    text = first.decode("utf-8", "replace")
    return {name.strip().strip('"').lower() for name in text.split(",")}


def order_charge(amount, line_ref, name, tax_included):
    """An order line without product (shipping, discount): one unit of ``amount``."""
    return OrderLineInfo(
        sku="",
        quantity=_ONE,
        price_unit=amount,
        line_ref=line_ref,
        name=name,
        tax_included=tax_included,
    )


def gross_and_fee_lines(key, amount, fee, category, fee_category, common):
    """The ``Line`` of a transaction's amount (external key ``<key>:gross``) and, when
    ``fee`` is not zero, its ``-fee`` line (``<key>:fee``); ``common``: the other
    fields of both."""
    yield Line(external_key=f"{key}:gross", category=category, amount=amount, **common)
    if fee:
        yield Line(
            external_key=f"{key}:fee", category=fee_category, amount=-fee, **common
        )


def load_json(stream, filename):
    """The whole JSON document, numbers as ``Decimal``; errors as ``ParseError``."""
    raw = as_binary(stream).read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ParseError(
            "file is not UTF-8 JSON", filename=filename, line=1, value=repr(raw[:20])
        ) from err
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise ParseError(
            f"invalid JSON: {err.msg}",
            filename=filename,
            line=err.lineno,
            column=f"char {err.colno}",
        ) from err
    except ValueError as err:
        raise ParseError(f"invalid JSON: {err}", filename=filename, line=1) from err


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number")


class _Located:
    def __init__(self, filename):
        self.filename = filename

    def error(self, message, line, column=None, value=None):
        return ParseError(
            message, filename=self.filename, line=line, column=column, value=value
        )


class JsonReader(_Located):
    """Typed access to JSON values, raising located ``ParseError``."""

    # The currency's key in a money object (``money_obj``).
    currency_key = "currency"

    def obj(self, value, line, path):
        if not isinstance(value, dict):
            raise self.error("expected a JSON object", line, path, short(value))
        return value

    def sub_obj(self, item, key, line, path):
        """The JSON object at ``item[key]``, ``{}`` when missing or null."""
        value = item.get(key)
        if value is None:
            return {}
        return self.obj(value, line, f"{path}.{key}")

    def items(self, value, line, path):
        if not isinstance(value, list):
            raise self.error("expected a JSON list", line, path, short(value))
        return value

    def amount(self, item, key, line, path, required=True):
        value = item.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                raise self.error(f"missing {key!r}", line, where)
            return None
        try:
            if isinstance(value, bool):
                raise InvalidAmount(value)
            if isinstance(value, int | Decimal):
                result = Decimal(value)
            elif isinstance(value, str):
                result = parse_amount(value, ".")
            else:
                raise InvalidAmount(value)
            if not result.is_finite():
                raise InvalidAmount(value)
        except InvalidAmount as err:
            raise self.error("invalid amount", line, where, short(value)) from err
        return result

    def money_obj(self, item, key, line, path, required=True, default_currency=""):
        """``(value, currency)`` of a money object ``{"value": ..., <currency_key>:
        ...}``, or ``(None, "")`` when it is missing and not required."""
        value = item.get(key)
        if value is None and not required:
            return None, ""
        where = f"{path}.{key}"
        value = self.obj(value, line, where)
        return (
            self.amount(value, "value", line, where),
            self.currency(value, self.currency_key, line, where, default_currency),
        )

    def date(self, item, key, line, path):
        value = item.get(key)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise self.error("invalid date", line, f"{path}.{key}", short(value))
        try:
            return parse_datetime(value)
        except InvalidDate as err:
            raise self.error("invalid date", line, f"{path}.{key}", value) from err

    def ref(self, item, key, line, path, required=True):
        value = item.get(key)
        if value is None or value == "":
            if required:
                raise self.error(f"missing {key!r}", line, f"{path}.{key}")
            return ""
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.error("invalid id", line, f"{path}.{key}", short(value))
        return str(value)

    def currency(self, item, key, line, path, default=""):
        value = item.get(key)
        if value in (None, ""):
            if default:
                return default
            raise self.error(f"missing {key!r}", line, f"{path}.{key}")
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value):
            raise self.error("invalid currency", line, f"{path}.{key}", short(value))
        return value.upper()

    def text(self, item, key):
        value = item.get(key)
        return "" if value is None else str(value)


class CsvReader(_Located):
    """Typed access to the cells of CSV rows, by lower-cased column name.

    Subclasses set ``decimal`` (``None``: guessed per amount), ``formats`` (of dates)
    and define ``row(cells, line)``, which yields the records of a row. Parsed dates
    are cached (rows repeat them); the cache is emptied at ``date_cache_size`` entries
    (``None``: never) so a long file streams in constant memory.
    """

    decimal = None
    formats = DATETIME_FORMATS

    def __init__(self, filename, date_cache_size=None):
        super().__init__(filename)
        self.index = {}
        self.dates = {}
        self.date_cache_size = date_cache_size

    def read_header(self, cells, required=()):
        self.index = {name.strip().lower(): i for i, name in enumerate(cells)}
        for name in required:
            if name not in self.index:
                raise self.error(f"missing column {name!r}", 1, column=name)

    def cell(self, cells, name):
        i = self.index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    def amount(self, cells, name, line, required=True):
        text = self.cell(cells, name)
        if not text and not required:
            return None
        try:
            return parse_amount(text, self.decimal)
        except InvalidAmount as err:
            raise self.error("invalid amount", line, name, text) from err

    def gross_and_fee(self, cells, gross, line):
        """``(gross, fee)`` of a row, from the ``gross`` column and the optional
        ``fee`` column (default 0); the optional ``net`` must be gross - fee."""
        amount = self.amount(cells, gross, line)
        fee = self.amount(cells, "fee", line, required=False) or 0
        net = self.amount(cells, "net", line, required=False)
        if net is not None and net != amount - fee:
            raise self.error(
                f"net is not {gross} - fee ({amount} - {fee})", line, "net", str(net)
            )
        return amount, fee

    def date(self, cells, name, line):
        text = self.cell(cells, name)
        return self.parse_date(text, name, line) if text else None

    def parse_date(self, text, name, line):
        """``text`` (column ``name``) as a UTC datetime, through a bounded cache."""
        if text not in self.dates:
            if (
                self.date_cache_size is not None
                and len(self.dates) >= self.date_cache_size
            ):
                self.dates.clear()
            try:
                self.dates[text] = parse_datetime(text, self.formats)
            except InvalidDate as err:
                raise self.error("invalid date", line, name, text) from err
        return self.dates[text]

    def currency(self, cells, line, name="currency"):
        text = self.cell(cells, name)
        if not _CURRENCY.fullmatch(text):
            raise self.error("invalid currency", line, name, text)
        return text.upper()

    def records(self, rows, read_header):
        """The records of the ``csv.reader`` ``rows``; ``read_header`` takes the
        header's cells. Blank rows are skipped; line numbers are physical lines."""
        end = 0
        try:
            try:
                header = next(rows)
            except StopIteration:
                raise self.error("empty file", 1) from None
            read_header(header)
            end = rows.line_num
            for cells in rows:
                # The physical line where the row starts (a quoted cell may span lines).
                line, end = end + 1, rows.line_num
                if any(cell.strip() for cell in cells):
                    yield from self.row(cells, line)
        except csv.Error as err:
            raise self.error(f"unreadable line: {err}", end + 1) from err

    def row(self, cells, line):
        """Yield the records of one row."""
        raise NotImplementedError
