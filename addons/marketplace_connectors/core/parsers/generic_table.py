"""Any CSV or XLSX payout export, read through a saved column mapping.

For platforms without a public report specification (ManoMano, Cdiscount / Octopia, a
bank-like export...) the seller maps the file's columns once; the ORM stores that
mapping as JSON on the channel and passes it here as ``options``.
:func:`validate_mapping` documents its keys; :data:`PRESETS` holds starting mappings.

The parser is never auto-detected (``EXPLICIT_ONLY``): any delimited file would match.

- XLSX is recognized by the zip signature ``PK\\x03\\x04`` and read with ``openpyxl`` in
  read-only (streaming) mode; anything else is delimited text, streamed line by line.
- ``line_no`` is the physical line (CSV) or row (XLSX) number, banner lines included.
- One :class:`Line` per data row, except the rows whose type is the mapping's
  ``payouts.total_row_type``: those declare their payout's total (``amount_declared``).
- One :class:`PayoutInfo` per payout reference seen, yielded after the lines (the
  records may come in any order), with ``date_start`` / ``date_end`` the first and last
  line dates and ``date_deposit`` the total row's date.
"""

import csv
import io
import itertools
import math
import re
from datetime import date, datetime, time
from decimal import Decimal

from ..categories import CATEGORIES
from ..dates import UTC, InvalidDate, parse_datetime, start_of_day
from ..exceptions import InvalidAmount, ParseError
from ..keys import content_key, external_key
from ..money import parse_amount
from ..records import Line, PayoutInfo
from ..textio import as_binary, iter_text_lines

FORMAT = "generic_table"
PLATFORM = "generic"
LABEL = "CSV / XLSX file with a column mapping"
EXPLICIT_ONLY = True

# The categories come from each mapping's own ``type_map`` (see PRESETS); a type the
# mapping does not list goes to "unknown".
TYPE_MAP = {}

ZERO = Decimal(0)
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = (";", ",", "\t", "|")
REQUIRED_COLUMNS = ("date", "type")
MONEY_COLUMNS = ("amount", "debit", "credit")
OPTIONAL_COLUMNS = (
    "order_ref",
    "order_line_ref",
    "sku",
    "quantity",
    "payout_ref",
    "currency",
    "description",
    "line_id",
)
COLUMNS = REQUIRED_COLUMNS + MONEY_COLUMNS + OPTIONAL_COLUMNS
DEFAULTS = {
    "decimal_separator": "auto",
    "date_format": "auto",
    "delimiter": "auto",
    "currency": None,
    "sign": "as_is",
    "skip_rows": 0,
    "sheet": None,
    "label": "",
}
OPTION_KEYS = ("columns", "type_map", "payouts", *DEFAULTS)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP"}


# --------------------------------------------------------------------------- presets

_FR_TYPES = {
    "Vente": "sale",
    "Commission": "commission",
    "Remboursement": "refund",
    "Remboursement commission": "refund_fee",
    "Frais de port": "shipping",
    "Abonnement": "subscription",
    "Publicité": "advertising",
    "Ajustement": "adjustment",
}

PRESETS = {
    "manomano": {
        "label": "ManoMano: relevé de paiement [inferred]",
        "columns": {
            "date": "Date",
            "type": "Type",
            "order_ref": "Numéro de commande",
            "sku": "SKU",
            "amount": "Montant TTC",
            "payout_ref": "Référence du virement",
        },
        "delimiter": ";",
        "decimal_separator": ",",
        "date_format": "auto",
        "currency": "EUR",
        "sign": "as_is",
        "type_map": dict(_FR_TYPES),
        "payouts": {"total_row_type": "Virement"},
    },
    "cdiscount": {
        "label": "Cdiscount / Octopia: détail des paiements [inferred]",
        "columns": {
            "date": "Date de l'opération",
            "type": "Type d'opération",
            "order_ref": "N° de commande",
            "amount": "Montant",
            "payout_ref": "Référence du paiement",
        },
        "delimiter": ";",
        "decimal_separator": ",",
        "date_format": "auto",
        "currency": "EUR",
        "sign": "as_is",
        "type_map": dict(_FR_TYPES, **{"Frais de gestion": "other_fee"}),
        "payouts": {"total_row_type": "Virement"},
    },
}
"""[inferred] Starting mappings for ManoMano and Cdiscount / Octopia payment exports.

Neither platform publishes its seller back-office payment export: the column labels
(``Date``, ``Type``, ``Numéro de commande``, ``Montant TTC``, ``Référence du
virement``; ``Date de l'opération``, ``N° de commande``, ``Montant``...), the French
type texts (Vente, Commission, Remboursement, Frais de port, Abonnement...) and the
``Virement`` total row are what such exports usually show, not a vendor spec. Copy a
preset into the channel's mapping, check it against a real file and adjust it.
"""


# --------------------------------------------------------------------------- mapping


def _bad(message, key=None, value=None):
    return ParseError(f"column mapping: {message}", column=key, value=value)


def _validate_columns(raw):
    if not isinstance(raw, dict):
        raise _bad("'columns' must be an object of role -> header name", "columns")
    unknown = sorted(set(raw) - set(COLUMNS))
    if unknown:
        raise _bad(
            f"unknown column role {unknown[0]!r} (roles: {', '.join(COLUMNS)})",
            f"columns.{unknown[0]}",
        )
    columns = {}
    for role in COLUMNS:
        value = raw.get(role)
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None and not isinstance(value, str):
            raise _bad(
                "a column is mapped by its header name (text)", f"columns.{role}"
            )
        columns[role] = value
    for role in REQUIRED_COLUMNS:
        if not columns[role]:
            raise _bad(f"map the {role} column (required)", f"columns.{role}")
    if columns["amount"] and (columns["debit"] or columns["credit"]):
        raise _bad("map either 'amount' or 'debit'/'credit', not both", "columns")
    if not any(columns[role] for role in MONEY_COLUMNS):
        raise _bad("map 'amount', or 'debit' and/or 'credit'", "columns.amount")
    if (
        columns["debit"]
        and columns["credit"]
        and columns["debit"].casefold() == columns["credit"].casefold()
    ):
        raise _bad("'debit' and 'credit' name the same column", "columns.credit")
    return columns


def _validate_choice(options, key, allowed):
    value = options.get(key)
    if value is None:
        return DEFAULTS[key]
    if value not in allowed:
        allowed_text = ", ".join(repr(choice) for choice in allowed)
        raise _bad(f"{key!r} must be one of {allowed_text}", key, value)
    return value


def _validate_type_map(raw):
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _bad("'type_map' must be an object of type text -> category", "type_map")
    seen = {}
    for text, category in raw.items():
        if not isinstance(text, str) or not text.strip():
            raise _bad("a type text must be non-empty text", "type_map", text)
        if category not in CATEGORIES:
            raise _bad(
                f"unknown category for type {text!r} (categories: "
                f"{', '.join(CATEGORIES)})",
                f"type_map.{text}",
                category,
            )
        folded = text.strip().casefold()
        if seen.get(folded, category) != category:
            raise _bad(f"type {text!r} is mapped twice", f"type_map.{text}", category)
        seen[folded] = category
    return {text.strip(): category for text, category in raw.items()}


def _validate_payouts(raw):
    if raw is None:
        return {"total_row_type": None}
    if not isinstance(raw, dict) or set(raw) - {"total_row_type"}:
        raise _bad("'payouts' must be an object with only 'total_row_type'", "payouts")
    total = raw.get("total_row_type")
    if isinstance(total, str):
        total = total.strip() or None
    if total is not None and not isinstance(total, str):
        raise _bad("'total_row_type' must be a type text", "payouts.total_row_type")
    return {"total_row_type": total}


def _validate_scalars(options):
    out = {
        "decimal_separator": _validate_choice(
            options, "decimal_separator", (",", ".", "auto")
        ),
        "delimiter": _validate_choice(
            options, "delimiter", ("auto", "tab", *DELIMITERS)
        ).replace("tab", "\t"),
        "sign": _validate_choice(options, "sign", ("as_is", "inverted")),
    }
    date_format = options.get("date_format") or "auto"
    if not isinstance(date_format, str) or (
        date_format != "auto" and "%" not in date_format
    ):
        raise _bad("'date_format' is 'auto' or a strptime format", "date_format")
    out["date_format"] = date_format
    skip = options.get("skip_rows") or 0
    if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
        raise _bad("'skip_rows' must be a whole number >= 0", "skip_rows", skip)
    out["skip_rows"] = skip
    sheet = options.get("sheet")
    if isinstance(sheet, bool) or not isinstance(sheet, str | int | type(None)):
        raise _bad("'sheet' is a sheet name or a 0-based index", "sheet", sheet)
    if isinstance(sheet, int) and sheet < 0:
        raise _bad("'sheet' index must be >= 0", "sheet", sheet)
    out["sheet"] = sheet
    currency = options.get("currency")
    if currency is not None:
        currency = str(currency).strip().upper()
        currency = _CURRENCY_SYMBOLS.get(currency, currency)
        if not _CURRENCY.match(currency):
            raise _bad("'currency' must be an ISO 4217 code", "currency", currency)
    out["currency"] = currency
    label = options.get("label") or ""
    out["label"] = label if isinstance(label, str) else str(label)
    return out


def validate_mapping(options):
    """Check a column mapping and return it normalized, with the defaults filled.

    Keys (plain JSON types):

    - ``columns``: role -> header name (matched case-insensitively). ``date`` and
      ``type`` are required; money is ``amount`` (signed) *or* ``debit`` and/or
      ``credit`` (magnitudes: amount = credit - debit, written signs ignored).
      Optional: ``order_ref``, ``order_line_ref``, ``sku``, ``quantity``,
      ``payout_ref``, ``currency``, ``description``, ``line_id``.
    - ``decimal_separator``: ``","``, ``"."`` or ``"auto"`` (default; exact whenever
      amounts show decimals: set it for files writing ``1.234`` for 1234).
    - ``date_format``: a ``strptime`` format, or ``"auto"`` (default,
      :func:`..dates.parse_datetime`). XLSX date cells need no format.
    - ``delimiter``: ``";"``, ``","``, ``"\\t"`` (or ``"tab"``), ``"|"`` or
      ``"auto"`` (default: the one whose header holds the most mapped columns).
    - ``currency``: the file's currency when no currency column is mapped.
    - ``sign``: ``"as_is"`` (money in is positive) or ``"inverted"``.
    - ``type_map``: source type text (case-insensitive) -> category; others go to
      ``"unknown"``.
    - ``payouts``: ``{"total_row_type": <type text>}``: rows of that type declare
      their payout's total (needs ``columns.payout_ref``) instead of being lines.
    - ``skip_rows``: banner lines before the header (blank lines are skipped anyway).
    - ``sheet``: XLSX sheet name or 0-based index (default: the first sheet).
    - ``label``: free text.

    >>> mapping = validate_mapping({"columns": {"date": "Date", "type": "Type",
    ...     "amount": "Montant"}, "currency": "eur"})
    >>> mapping["currency"], mapping["delimiter"], mapping["columns"]["sku"]
    ('EUR', 'auto', None)
    >>> validate_mapping({"columns": {"date": "Date", "type": "Type"}})
    Traceback (most recent call last):
    ...
    marketplace_connectors.core.exceptions.ParseError: column 'columns.amount': \
column mapping: map 'amount', or 'debit' and/or 'credit'
    """
    if not isinstance(options, dict):
        raise _bad("the mapping must be an object (dict)", value=type(options).__name__)
    unknown = sorted(set(options) - set(OPTION_KEYS))
    if unknown:
        raise _bad(
            f"unknown key {unknown[0]!r} (keys: {', '.join(OPTION_KEYS)})", unknown[0]
        )
    mapping = {"columns": _validate_columns(options.get("columns"))}
    mapping.update(_validate_scalars(options))
    mapping["type_map"] = _validate_type_map(options.get("type_map"))
    mapping["payouts"] = _validate_payouts(options.get("payouts"))
    columns = mapping["columns"]
    if not columns["currency"] and not mapping["currency"]:
        raise _bad("set 'currency' or map a currency column", "currency")
    total = mapping["payouts"]["total_row_type"]
    if total and not columns["payout_ref"]:
        raise _bad(
            "a payout total row needs the payout_ref column", "columns.payout_ref"
        )
    if total and total.casefold() in {t.casefold() for t in mapping["type_map"]}:
        raise _bad(
            f"type {total!r} is both the total row type and in type_map",
            "payouts.total_row_type",
        )
    return mapping


# --------------------------------------------------------------------------- cells


def _empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value):
    """A cell as text: XLSX numbers without a spurious ``.0``, dates in ISO.

    >>> _text(123456.0), _text(0.1), _text(None), _text(" A ")
    ('123456', '0.1', '', 'A')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _canonical(amount):
    """One text per value, whatever its notation: ``12.50`` and ``12.5`` match.

    >>> _canonical(Decimal("12.50")), _canonical(Decimal("1E+2"))
    ('12.5', '100')
    """
    return format(amount.normalize(), "f")


def _number(value):
    """An XLSX number cell as a ``Decimal``.

    openpyxl returns numbers as Python floats, the binary double nearest to the
    decimal text stored in the file (``0.1`` becomes 0.1000000000000000055...).
    ``repr`` gives back the shortest text that reads as the same double, i.e. the
    number the spreadsheet shows, so ``Decimal(repr(value))`` is exact to the cent
    where ``Decimal(value)`` would carry the binary error into every sum.

    >>> _number(0.1) + _number(0.2)
    Decimal('0.3')
    """
    if isinstance(value, int):
        return Decimal(value)
    if not math.isfinite(value):
        raise InvalidAmount(value, "not a finite number")
    return Decimal(repr(value))


# --------------------------------------------------------------------------- sources


def _seekable(stream):
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _open(stream):
    """``(is_xlsx, source)``: peek at the first bytes without losing them."""
    stream = as_binary(stream)
    if _seekable(stream):
        start = stream.tell()
        head = stream.read(4)
        stream.seek(start)
        return head.startswith(ZIP_MAGIC), stream
    head = stream.read(4)
    if head.startswith(ZIP_MAGIC):
        # A zip needs random access: a non-seekable XLSX is read into memory.
        return True, io.BytesIO(head + stream.read())
    return False, _prefixed(head, stream)


def _prefixed(head, stream):
    first = head if not head or head.endswith(b"\n") else head + stream.readline()
    yield from first.splitlines(keepends=True)
    yield from stream


def _sniff_delimiter(text, columns):
    """The delimiter whose split of the header finds the most mapped columns.

    >>> _sniff_delimiter("Date;Type;Montant, TTC\\n", {"date": "Date", "type": "Type"})
    ';'
    """
    wanted = {name.casefold() for name in columns.values() if name}
    best = None
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error:  # the reader proper reports it, with its line
            continue
        names = {cell.strip().casefold() for cell in cells}
        score = (len(wanted & names), len(cells))
        if best is None or score > best[0]:
            best = (score, delimiter)
    return best[1] if best else DELIMITERS[0]


def _csv_rows(source, mapping, filename, meta):
    """Yield ``(line_no, cells)``: the header first, then every record."""
    lines = iter_text_lines(source)
    line_no = 0
    for _ in range(mapping["skip_rows"]):
        if next(lines, None) is None:
            return
        line_no += 1
    for text in lines:
        line_no += 1
        if text.strip():
            break
    else:
        return
    delimiter = mapping["delimiter"]
    if delimiter == "auto":
        delimiter = _sniff_delimiter(text, mapping["columns"])
    meta["delimiter"] = delimiter
    reader = csv.reader(itertools.chain([text], lines), delimiter=delimiter)
    base = line_no - 1
    last = 0
    try:
        for cells in reader:
            start = base + last + 1
            last = reader.line_num
            yield start, cells
    except csv.Error as err:
        raise ParseError(
            f"unreadable line: {err}", filename=filename, line=base + last + 1
        ) from err


def _worksheet(workbook, sheet, filename):
    names = workbook.sheetnames
    if sheet is None:
        return workbook.worksheets[0]
    if isinstance(sheet, int):
        if sheet < len(names):
            return workbook.worksheets[sheet]
    else:
        for name in names:
            if name.strip().casefold() == sheet.strip().casefold():
                return workbook[name]
    raise ParseError(
        f"no sheet {sheet!r} in the workbook (sheets: {', '.join(names)})",
        filename=filename,
        line=None,
        column="sheet",
        value=sheet,
    )


def _xlsx_rows(source, mapping, filename, meta):
    """Yield ``(row_no, cells)`` of the sheet: the header first, then every row."""
    try:
        import openpyxl
    except ImportError as err:  # pragma: no cover - declared in the manifest
        raise ParseError(
            "reading XLSX files needs the Python package openpyxl", filename=filename
        ) from err
    row_no = 0
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises zip, XML, key and value errors
        raise ParseError(f"unreadable XLSX file: {err}", filename=filename) from err
    try:
        sheet = _worksheet(workbook, mapping["sheet"], filename)
        meta["sheet"] = sheet.title
        # The stored dimension may be wrong (too small): read every row present.
        sheet.reset_dimensions()
        in_header = True
        for row_no, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if row_no <= mapping["skip_rows"]:
                continue
            if in_header and all(_empty(cell) for cell in cells):
                continue
            in_header = False
            yield row_no, list(cells)
    except ParseError:
        raise
    except Exception as err:  # a corrupt sheet fails while streaming
        raise ParseError(
            f"unreadable XLSX file: {err}", filename=filename, line=row_no + 1
        ) from err
    finally:
        workbook.close()


def sniff(head, filename=""):
    """Any XLSX (zip) or delimited text looks like a table; JSON and XML do not.

    >>> sniff(b"Date;Type;Montant\\n01/02/2024;Vente;10,00\\n")
    True
    >>> sniff(b'{"payouts": []}'), sniff(b""), sniff(None)
    (False, False, False)
    """
    try:
        head = bytes(head or b"")
        if head.startswith(ZIP_MAGIC):
            return True
        if not head or b"\x00" in head[:4096]:
            return False
        text = head[:4096].decode("utf-8", "replace").lstrip("\ufeff").lstrip()
        if text[:1] in ("{", "[", "<"):
            return False
        return any(delimiter in text for delimiter in DELIMITERS)
    except Exception:  # sniffing must never raise
        return False


# --------------------------------------------------------------------------- reader


class _Reader:
    """State of one parse: column positions, payouts seen, occurrence counters."""

    def __init__(self, filename, mapping, meta):
        self.filename = filename
        self.mapping = mapping
        self.meta = meta
        self.columns = mapping["columns"]
        separator = mapping["decimal_separator"]
        self.separator = None if separator == "auto" else separator
        self.types = {
            text.casefold(): category for text, category in mapping["type_map"].items()
        }
        total = mapping["payouts"]["total_row_type"]
        self.total_type = total.casefold() if total else None
        self.inverted = mapping["sign"] == "inverted"
        self.position = {}
        self.payouts = {}
        self.occurrences = {}
        self.line_ids = set()
        self.dates = {}

    def error(self, message, line, role=None, value=None):
        column = self.columns.get(role) if role else None
        return ParseError(
            message, filename=self.filename, line=line, column=column, value=value
        )

    # -- header and cells

    def read_header(self, line, cells):
        index = {}
        for i, cell in enumerate(cells):
            index.setdefault(_text(cell).casefold(), i)
        for role in COLUMNS:
            name = self.columns[role]
            if not name:
                continue
            if name.casefold() not in index:
                found = ", ".join(repr(_text(cell)) for cell in cells[:12])
                how = (
                    f"; delimiter {self.meta['delimiter']!r}"
                    if "delimiter" in self.meta
                    else ""
                )
                raise self.error(
                    f"missing column {name!r} (mapped as {role}; found {found}{how})",
                    line,
                    role,
                )
            self.position[role] = index[name.casefold()]

    def cell(self, cells, role):
        i = self.position.get(role)
        if i is None or i >= len(cells):
            return None
        value = cells[i]
        return value.strip() if isinstance(value, str) else value

    def text(self, cells, role):
        return _text(self.cell(cells, role))

    # -- typed values

    def decimal(self, value, line, role, what):
        if _empty(value):
            raise self.error(f"empty {what}", line, role, "")
        try:
            if isinstance(value, str):
                return parse_amount(value, self.separator)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return _number(value)
        except InvalidAmount as err:
            raise self.error(f"invalid {what}", line, role, _text(value)) from err
        raise self.error(f"invalid {what}", line, role, _text(value))

    def money(self, cells, line):
        if self.columns["amount"]:
            amount = self.decimal(self.cell(cells, "amount"), line, "amount", "amount")
        else:
            amount, seen = ZERO, False
            for role, factor in (("credit", 1), ("debit", -1)):
                value = self.cell(cells, role) if self.columns[role] else None
                if not _empty(value):
                    seen = True
                    amount += factor * abs(self.decimal(value, line, role, "amount"))
            if not seen:
                role = "credit" if self.columns["credit"] else "debit"
                raise self.error("empty amount (no debit, no credit)", line, role, "")
        return ZERO - amount if self.inverted else amount

    def quantity(self, cells, line):
        value = self.cell(cells, "quantity")
        if _empty(value):
            return ZERO
        return self.decimal(value, line, "quantity", "quantity")

    def currency(self, cells, line):
        text = self.text(cells, "currency").upper()
        text = _CURRENCY_SYMBOLS.get(text, text)
        if not text:
            text = self.mapping["currency"]
            if not text:
                raise self.error("empty currency", line, "currency", "")
        elif not _CURRENCY.match(text):
            raise self.error("invalid currency", line, "currency", text)
        return text

    def date(self, cells, line, required=True):
        value = self.cell(cells, "date")
        if _empty(value):
            if required:
                raise self.error("empty date", line, "date", "")
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            return value.astimezone(UTC)
        if isinstance(value, date):
            return start_of_day(value)
        if not isinstance(value, str):
            raise self.error(
                "invalid date (format the cells as dates or text)",
                line,
                "date",
                _text(value),
            )
        if value not in self.dates:
            self.dates[value] = self.parse_date(value, line)
        return self.dates[value]

    def parse_date(self, text, line):
        fmt = self.mapping["date_format"]
        try:
            if fmt == "auto":
                return parse_datetime(text)
            parsed = datetime.strptime(text, fmt)
        except (InvalidDate, ValueError) as err:
            expected = "" if fmt == "auto" else f" (expected {fmt!r})"
            raise self.error(f"invalid date{expected}", line, "date", text) from err
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)

    # -- rows

    def payout(self, ref, currency, line):
        payout = self.payouts.get(ref)
        if payout is None:
            payout = self.payouts[ref] = {
                "currency": currency,
                "line_no": line,
                "declared": None,
                "deposit": None,
                "start": None,
                "end": None,
            }
        elif payout["currency"] != currency:
            raise self.error(
                f"currency {currency} differs from payout {ref!r}'s currency "
                f"{payout['currency']}",
                line,
                "currency" if self.columns["currency"] else "payout_ref",
                currency,
            )
        return payout

    def key(self, cells, line, payout_ref, values):
        if self.columns["line_id"]:
            line_id = self.text(cells, "line_id")
            if not line_id:
                raise self.error("empty line id", line, "line_id", "")
            if line_id in self.line_ids:
                raise self.error("duplicate line id", line, "line_id", line_id)
            self.line_ids.add(line_id)
            return external_key("generic", line_id)
        # Identical rows (two identical fees) are told apart by their rank; the
        # counter keeps an 8-byte hash per distinct row, not the row itself.
        counter = hash((payout_ref, *values))
        occurrence = self.occurrences.get(counter, 0)
        self.occurrences[counter] = occurrence + 1
        return content_key(f"generic:{payout_ref}", values, occurrence)

    def line(self, cells, line, raw_type):
        amount = self.money(cells, line)
        currency = self.currency(cells, line)
        posted_at = self.date(cells, line)
        quantity = self.quantity(cells, line)
        payout_ref = self.text(cells, "payout_ref")
        if payout_ref:
            payout = self.payout(payout_ref, currency, line)
            payout["start"] = min(payout["start"] or posted_at, posted_at)
            payout["end"] = max(payout["end"] or posted_at, posted_at)
        texts = {
            role: self.text(cells, role)
            for role in ("order_ref", "order_line_ref", "sku", "description")
        }
        values = [
            posted_at.isoformat(),
            raw_type,
            _canonical(amount),
            currency,
            *texts.values(),
            _canonical(quantity),
        ]
        return Line(
            external_key=self.key(cells, line, payout_ref, values),
            category=self.types.get(raw_type.casefold(), "unknown"),
            amount=amount,
            currency=currency,
            raw_type=raw_type,
            line_no=line,
            payout_ref=payout_ref,
            posted_at=posted_at,
            quantity=quantity,
            **texts,
        )

    def total(self, cells, line):
        ref = self.text(cells, "payout_ref")
        if not ref:
            raise self.error(
                "payout total row without payout reference", line, "payout_ref", ""
            )
        amount = self.money(cells, line)
        payout = self.payout(ref, self.currency(cells, line), line)
        if payout["declared"] is not None and payout["declared"] != amount:
            raise self.error(
                f"second total row for payout {ref!r} declares another amount "
                f"(first: {payout['declared']})",
                line,
                "amount" if self.columns["amount"] else "credit",
                _canonical(amount),
            )
        payout["declared"] = amount
        payout["line_no"] = line
        payout["deposit"] = self.date(cells, line, required=False) or payout["deposit"]

    def run(self, rows):
        try:
            header_line, header = next(rows)
        except StopIteration:
            raise self.error(
                "empty file: no header line", self.mapping["skip_rows"] + 1
            ) from None
        self.read_header(header_line, header)
        for line, cells in rows:
            if all(_empty(cell) for cell in cells):
                continue
            raw_type = self.text(cells, "type")
            if self.total_type is not None and raw_type.casefold() == self.total_type:
                self.total(cells, line)
            else:
                yield self.line(cells, line, raw_type)
        for ref, payout in self.payouts.items():
            yield PayoutInfo(
                ref=ref,
                currency=payout["currency"],
                amount_declared=payout["declared"],
                date_start=payout["start"],
                date_end=payout["end"],
                date_deposit=payout["deposit"],
                line_no=payout["line_no"],
            )


def parse(stream, filename="", options=None):
    """Yield one ``Line`` per data row, then one ``PayoutInfo`` per payout reference.

    ``options`` is the column mapping (see :func:`validate_mapping`).
    """
    try:
        mapping = validate_mapping(options)
    except ParseError as err:
        raise ParseError(
            err.message, filename=filename, column=err.column, value=err.value
        ) from err
    meta = {}
    is_xlsx, source = _open(stream)
    rows = (_xlsx_rows if is_xlsx else _csv_rows)(source, mapping, filename, meta)
    yield from _Reader(filename, mapping, meta).run(rows)
