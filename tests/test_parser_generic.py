"""marketplace_connectors.core.parsers.generic_table: CSV / XLSX with a column mapping.

The fixtures (tests/fixtures/generic/) are written by hand in the shape of a ManoMano
payment statement and a Cdiscount payment detail ([inferred]: no public spec), plus a
bank-like debit/credit export. XLSX workbooks are built here with openpyxl.
"""

import copy
import csv
import io
from collections import Counter
from datetime import date, datetime, timezone
from decimal import Decimal

import openpyxl
import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from marketplace_connectors.core.exceptions import ParseError
from marketplace_connectors.core.parsers import generic_table as gt
from parser_helpers import property_settings, run_parser, totals

DIR = FIXTURES / "generic"
D = Decimal
UTC = timezone.utc


def run(content, options, filename="file.csv"):
    payouts, lines = run_parser(gt, content, filename, options)
    by_ref = {payout.ref: payout for payout in payouts}
    assert len(by_ref) == len(payouts)  # one PayoutInfo per ref
    return lines, by_ref


def mapping(**overrides):
    base = {
        "columns": {"date": "Date", "type": "Type", "amount": "Amount"},
        "currency": "EUR",
        "type_map": {"sale": "sale", "fee": "commission"},
    }
    base.update(overrides)
    return base


def assert_keys_sound(content, options, lines):
    keys = [line.external_key for line in lines]
    assert len(set(keys)) == len(keys)
    again, _ = run(content, options)
    assert [line.external_key for line in again] == keys


# ------------------------------------------------------------------ ManoMano preset

MANO = DIR / "manomano_releve.csv"
MANO_OPTIONS = dict(copy.deepcopy(gt.PRESETS["manomano"]), skip_rows=2)

# Worked out by hand from manomano_releve.csv (2 banner lines, header on line 3):
# | line | type                      | amount    | payout       | category      |
# |  4   | Vente                     |  1299.90  | VIR-2024-031 | sale          |
# |  5   | Commission                |  -194.99  | VIR-2024-031 | commission    |
# |  6   | Frais de port             |    12.50  | VIR-2024-031 | shipping      |
# |  7   | Vente                     |    89.00  | VIR-2024-031 | sale          |
# |  8   | Commission                |   -13.35  | VIR-2024-031 | commission    |
# |  9   | Remboursement             | -1299.90  | VIR-2024-031 | refund        |
# | 10   | Remboursement commission  |   194.99  | VIR-2024-031 | refund_fee    |
# | 11   | Abonnement                |   -39.00  | VIR-2024-031 | subscription  |
# | 12   | Frais logistiques         |    -4.20  | VIR-2024-031 | unknown       |
# | 13   | Virement (total row)      |    44.95  | VIR-2024-031 | declared      |
# | 14,15| Vente (x2, identical)     |   245.00  | VIR-2024-032 | sale          |
# | 16,17| Commission (x2, identical)|   -36.75  | VIR-2024-032 | commission    |
# | 18   | Publicité                 |   -25.00  | VIR-2024-032 | advertising   |
# | 19   | Virement (total row)      |   391.50  | VIR-2024-032 | declared      |
# | 20   | Vente (not paid out yet)  |    89.00  | ""           | sale          |
# then an all-empty row and blank lines (skipped).
# VIR-2024-031: 12.50 + 89.00 - 13.35 - 39.00 - 4.20 = 44.95 (the rest cancels out)
# VIR-2024-032: 490.00 - 73.50 - 25.00 = 391.50
MANO_CATEGORIES = {
    "sale": D("1967.90"),  # 1299.90 + 89 + 245 + 245 + 89
    "commission": D("-281.84"),  # -194.99 - 13.35 - 36.75 - 36.75
    "shipping": D("12.50"),
    "refund": D("-1299.90"),
    "refund_fee": D("194.99"),
    "subscription": D("-39.00"),
    "unknown": D("-4.20"),
    "advertising": D("-25.00"),
}


def test_manomano_preset_fixture():
    content = MANO.read_bytes()
    lines, payouts = run(content, MANO_OPTIONS, "manomano_releve.csv")
    assert len(lines) == 15
    assert totals(lines) == MANO_CATEGORIES
    assert sum(MANO_CATEGORIES.values()) == D("525.45")
    assert totals(lines, by="payout_ref") == {
        "VIR-2024-031": D("44.95"),
        "VIR-2024-032": D("391.50"),
        "": D("89.00"),
    }
    assert list(payouts) == ["VIR-2024-031", "VIR-2024-032"]
    first, second = payouts["VIR-2024-031"], payouts["VIR-2024-032"]
    assert first.amount_declared == D("44.95")
    assert second.amount_declared == D("391.50")
    assert first.currency == "EUR" and first.line_no == 13
    assert first.date_start == datetime(2024, 3, 1, tzinfo=UTC)
    assert first.date_end == datetime(2024, 3, 8, tzinfo=UTC)
    assert first.date_deposit == datetime(2024, 3, 15, tzinfo=UTC)
    assert [line.line_no for line in lines] == [*range(4, 13), *range(14, 19), 20]
    sale = lines[0]
    assert (sale.raw_type, sale.order_ref, sale.sku) == (
        "Vente",
        "M240301001",
        "PER-18V",
    )
    assert sale.posted_at == datetime(2024, 3, 1, tzinfo=UTC)
    unknown = [line for line in lines if line.category == "unknown"]
    assert [(u.raw_type, u.line_no) for u in unknown] == [("Frais logistiques", 12)]
    # Two identical rows stay two lines, told apart by their occurrence.
    twins = [line.external_key for line in lines if line.line_no in (14, 15)]
    assert twins[0].rsplit(":", 1)[0] == twins[1].rsplit(":", 1)[0]
    assert [key.rsplit(":", 1)[1] for key in twins] == ["0", "1"]
    assert all(key.startswith("generic:VIR-2024-03") for key in twins)
    assert_keys_sound(content, MANO_OPTIONS, lines)


def test_manomano_keys_ignore_unmapped_columns_and_row_order():
    text = MANO.read_bytes().decode("utf-8-sig")
    head, body = text.split("\r\n")[:3], text.split("\r\n")[3:]
    reordered = "\r\n".join(head + list(reversed(body[:16])) + body[16:])
    reworded = text.replace("Perceuse 18V", "Perceuse sans fil 18 V")
    keys = {line.external_key for line in run(text.encode(), MANO_OPTIONS)[0]}
    for variant in (reordered, reworded):
        lines, payouts = run(variant.encode(), MANO_OPTIONS)
        assert {line.external_key for line in lines} == keys
        assert payouts["VIR-2024-031"].amount_declared == D("44.95")


# ------------------------------------------------------------------ Cdiscount preset

# cdiscount_paiements.csv is Windows-1252, header on line 1, total row "VIREMENT"
# (upper case: type texts match case-insensitively). Seller owes money this cycle:
#   59.98 + 4.99 - 9.75 - 1.20 - 20.00 + 3.00 - 39.99 = -2.97 (declared -2,97)
CDISCOUNT_CATEGORIES = {
    "sale": D("59.98"),
    "shipping": D("4.99"),
    "commission": D("-9.75"),
    "other_fee": D("-1.20"),
    "refund": D("-20.00"),
    "refund_fee": D("3.00"),
    "subscription": D("-39.99"),
}


def test_cdiscount_preset_fixture():
    content = (DIR / "cdiscount_paiements.csv").read_bytes()
    options = gt.PRESETS["cdiscount"]
    lines, payouts = run(content, options, "cdiscount_paiements.csv")
    assert len(lines) == 7
    assert totals(lines) == CDISCOUNT_CATEGORIES
    payout = payouts["PAY-88001"]
    assert payout.amount_declared == D("-2.97") == sum(line.amount for line in lines)
    assert payout.line_no == 9
    assert payout.date_deposit == datetime(2024, 4, 2, 9, tzinfo=UTC)
    assert lines[0].posted_at == datetime(2024, 3, 15, 10, 12, tzinfo=UTC)
    assert lines[0].order_ref == "2403151012ABC"
    assert_keys_sound(content, options, lines)


def test_presets_are_valid_normalized_mappings():
    for name, preset in gt.PRESETS.items():
        normalized = gt.validate_mapping(preset)
        assert gt.validate_mapping(normalized) == normalized, name
        assert normalized["delimiter"] == ";"
        assert normalized["decimal_separator"] == ","
        assert normalized["payouts"]["total_row_type"] == "Virement"
        assert "[inferred]" in normalized["label"]
        assert normalized["type_map"]["Vente"] == "sale"


# ------------------------------------------------------------------ debit / credit

BANK_OPTIONS = {
    "columns": {
        "line_id": "transaction id",
        "date": "Booking date",
        "type": "Kind",
        "order_ref": "Order",
        "debit": "Debit",
        "credit": "Credit",
        "currency": "Currency",
        "payout_ref": "Payout",
    },
    "decimal_separator": ".",
    "date_format": "%Y-%m-%d",
    "type_map": {"order_payment": "sale", "fee": "commission", "refund": "refund"},
}

# bank_debit_credit.csv (comma-delimited, sniffed; magnitudes, written signs ignored):
# | id  | debit  | credit   | amount   | payout | category   |
# | T-1 |        | 1,250.00 |  1250.00 | P-9    | sale       |
# | T-2 | 37.50  |          |   -37.50 | P-9    | commission |
# | T-3 | -2.50  |          |    -2.50 | P-9    | commission |
# | T-4 | 100.00 |          |  -100.00 | P-9    | refund     |
# | T-5 |        | 0.25     |     0.25 | P-9    | unknown    |
# | T-6 | 1.00   | 3.00     |     2.00 | P-9    | commission |
# | T-7 |        | 20.00    |    20.00 | P-10   | sale (GBP) |
# P-9: 1250 - 37.50 - 2.50 - 100 + 0.25 + 2.00 = 1112.25; no total row -> None.


def test_debit_credit_fixture():
    content = (DIR / "bank_debit_credit.csv").read_bytes()
    lines, payouts = run(content, BANK_OPTIONS)
    assert [line.amount for line in lines] == [
        D("1250.00"),
        D("-37.50"),
        D("-2.50"),
        D("-100.00"),
        D("0.25"),
        D("2.00"),
        D("20.00"),
    ]
    assert totals(lines) == {
        "sale": D("1270.00"),
        "commission": D("-38.00"),
        "refund": D("-100.00"),
        "unknown": D("0.25"),
    }
    assert totals(lines, by="payout_ref") == {"P-9": D("1112.25"), "P-10": D("20.00")}
    assert payouts["P-9"].amount_declared is None
    assert (payouts["P-10"].currency, lines[-1].currency) == ("GBP", "GBP")
    assert lines[0].external_key == "generic:T-1"
    assert [line.line_no for line in lines] == list(range(2, 9))
    assert_keys_sound(content, BANK_OPTIONS, lines)


def test_debit_credit_both_empty_is_an_error():
    content = b"Date;Type;Debit;Credit\n2024-01-01;fee;;\n"
    options = mapping(columns={"date": "Date", "type": "Type", "debit": "Debit"})
    options["columns"]["credit"] = "Credit"
    with pytest.raises(ParseError) as info:
        run(content, options, "dc.csv")
    assert (info.value.line, info.value.column) == (2, "Credit")


def test_duplicate_and_empty_line_ids():
    options = mapping()
    options["columns"]["line_id"] = "Id"
    dup = b"Id;Date;Type;Amount\nA;2024-01-01;sale;1\nA;2024-01-02;sale;2\n"
    with pytest.raises(ParseError, match="duplicate line id") as info:
        run(dup, options)
    assert (info.value.line, info.value.column, info.value.value) == (3, "Id", "A")
    with pytest.raises(ParseError, match="empty line id"):
        run(b"Id;Date;Type;Amount\n;2024-01-01;sale;1\n", options)


# ------------------------------------------------------------------ sign, locale


def test_inverted_sign_pipe_delimited():
    # The platform's view: what it charges the seller is positive.
    content = (
        b"Date|Type|Amount|Payout\n"
        b"2024-02-01|sale|-100.00|X1\n"
        b"2024-02-01|fee|15.00|X1\n"
        b"2024-02-02|total|-85.00|X1\n"
    )
    options = mapping(sign="inverted", payouts={"total_row_type": "TOTAL"})
    options["columns"]["payout_ref"] = "Payout"
    lines, payouts = run(content, options)
    assert [(line.category, line.amount) for line in lines] == [
        ("sale", D("100.00")),
        ("commission", D("-15.00")),
    ]
    assert payouts["X1"].amount_declared == D("85.00")


@pytest.mark.parametrize(
    "delimiter, text",
    [
        (";", "Date;Type;Amount\n2024-01-01;sale;1.234,56\n"),
        (",", 'Date,Type,Amount\n2024-01-01,sale,"1.234,56"\n'),
        ("\t", "Date\tType\tAmount\n2024-01-01\tsale\t1 234,56\n"),
        ("|", "Date|Type|Amount\n2024-01-01|sale|1234,56\n"),
    ],
)
def test_delimiter_sniffed_and_decimal_comma(delimiter, text):
    options = mapping(decimal_separator=",")
    lines, _ = run(text.encode(), options)
    assert [line.amount for line in lines] == [D("1234.56")]
    explicit = mapping(decimal_separator=",", delimiter=delimiter)
    assert run(text.encode(), explicit)[0] == lines


def test_explicit_decimal_separator_reads_thousands():
    content = b"Date;Type;Amount\n2024-01-01;sale;1.234\n2024-01-01;sale;-2.000,5\n"
    lines, _ = run(content, mapping(decimal_separator=","))
    assert [line.amount for line in lines] == [D("1234"), D("-2000.5")]


def test_explicit_date_format_and_default_currency():
    content = b"Date;Type;Amount\n03/04/2024 13:05;sale;10.00\n"
    options = mapping(date_format="%m/%d/%Y %H:%M", currency="usd")
    (line,), payouts = run(content, options)
    assert line.posted_at == datetime(2024, 3, 4, 13, 5, tzinfo=UTC)
    assert (line.currency, line.payout_ref, payouts) == ("USD", "", {})


def test_currency_symbol_column():
    options = mapping(currency=None)
    options["columns"]["currency"] = "Devise"
    content = "Date;Type;Amount;Devise\n2024-01-01;sale;1;€\n".encode()
    assert run(content, options)[0][0].currency == "EUR"
    with pytest.raises(ParseError, match="invalid currency") as info:
        run(b"Date;Type;Amount;Devise\n2024-01-01;sale;1;euros\n", options)
    assert (info.value.line, info.value.column) == (2, "Devise")


# ------------------------------------------------------------------ payout total rows


def _payout_options():
    options = mapping(payouts={"total_row_type": "Total"})
    options["columns"]["payout_ref"] = "Payout"
    return options


def test_total_row_repeated_with_same_amount_is_accepted():
    content = (
        b"Date;Type;Amount;Payout\n2024-01-01;sale;10;P\n"
        b"2024-01-02;Total;10;P\n2024-01-02;total;10.00;P\n"
    )
    lines, payouts = run(content, _payout_options())
    assert len(lines) == 1 and payouts["P"].amount_declared == D("10")


def test_total_row_conflicts_and_missing_ref():
    content = b"Date;Type;Amount;Payout\n2024-01-02;Total;10;P\n;Total;11;P\n"
    with pytest.raises(ParseError, match="another amount") as info:
        run(content, _payout_options())
    assert (info.value.line, info.value.column) == (3, "Amount")
    with pytest.raises(ParseError, match="without payout reference") as info:
        run(b"Date;Type;Amount;Payout\n2024-01-02;Total;10;\n", _payout_options())
    assert (info.value.line, info.value.column) == (2, "Payout")


def test_payout_with_mixed_currencies_is_an_error():
    options = _payout_options()
    options["columns"]["currency"] = "Cur"
    content = (
        b"Date;Type;Amount;Payout;Cur\n"
        b"2024-01-01;sale;1;P;EUR\n2024-01-01;sale;1;P;USD\n"
    )
    with pytest.raises(ParseError, match="differs") as info:
        run(content, options)
    assert (info.value.line, info.value.column) == (3, "Cur")


# ------------------------------------------------------------------ errors


def test_bad_amount_names_file_line_column_value():
    content = MANO.read_bytes().replace(b"-13,35", b"-13,3,5")
    with pytest.raises(ParseError) as info:
        run(content, MANO_OPTIONS, "manomano_releve.csv")
    err = info.value
    assert (err.filename, err.line, err.column, err.value) == (
        "manomano_releve.csv",
        8,
        "Montant TTC",
        "-13,3,5",
    )
    assert "manomano_releve.csv, line 8, column 'Montant TTC'" in str(err)


def test_bad_date_names_the_expected_format():
    content = b"Date;Type;Amount\n2024-13-45;sale;1\n"
    with pytest.raises(ParseError, match="invalid date") as info:
        run(content, mapping(), "x.csv")
    assert (info.value.line, info.value.column, info.value.value) == (
        2,
        "Date",
        "2024-13-45",
    )
    with pytest.raises(ParseError, match="expected '%d/%m/%Y'"):
        run(b"Date;Type;Amount\n2024-01-01;sale;1\n", mapping(date_format="%d/%m/%Y"))
    with pytest.raises(ParseError, match="empty date"):
        run(b"Date;Type;Amount\n;sale;1\n", mapping())


def test_missing_mapped_header_is_reported_on_the_header_line():
    content = MANO.read_bytes().replace(b"Montant TTC", b"Montant HT")
    with pytest.raises(ParseError) as info:
        run(content, MANO_OPTIONS, "m.csv")
    err = info.value
    assert (err.filename, err.line, err.column) == ("m.csv", 3, "Montant TTC")
    assert "mapped as amount" in err.message and "'Montant HT'" in err.message


def test_wrong_skip_rows_points_at_the_banner():
    options = dict(MANO_OPTIONS, skip_rows=0)
    with pytest.raises(ParseError, match="missing column 'Date'") as info:
        run(MANO.read_bytes(), options)
    assert info.value.line == 1


@pytest.mark.parametrize("content", [b"", b"\n\n", b"banner\n"])
def test_empty_file(content):
    with pytest.raises(ParseError, match="empty file") as info:
        run(content, mapping(skip_rows=1))
    assert info.value.line == 2


def test_header_matching_is_case_insensitive_and_by_name():
    content = b"AMOUNT;extra;type;date\n5,00;x;Sale;2024-01-01\n"
    (line,), _ = run(content, mapping())
    assert (line.amount, line.category, line.raw_type) == (D("5.00"), "sale", "Sale")


@pytest.mark.parametrize(
    "options, column, message",
    [
        (None, None, "must be an object"),
        ({"columns": {}}, "columns.date", "map the date column"),
        (mapping(colums={}), "colums", "unknown key 'colums'"),
        (
            mapping(columns={"date": "D", "type": "T"}),
            "columns.amount",
            "map 'amount', or 'debit'",
        ),
        (
            mapping(columns={"date": "D", "type": "T", "amount": "A", "debit": "B"}),
            "columns",
            "not both",
        ),
        (
            mapping(columns={"date": "D", "type": "T", "debit": "X", "credit": "x"}),
            "columns.credit",
            "same column",
        ),
        (
            mapping(columns={"date": "D", "type": "T", "amount": 3}),
            "columns.amount",
            "header name",
        ),
        (
            mapping(columns={"date": "D", "type": "T", "amount": "A", "foo": "F"}),
            "columns.foo",
            "unknown column role",
        ),
        (mapping(decimal_separator=";"), "decimal_separator", "must be one of"),
        (mapping(delimiter="#"), "delimiter", "must be one of"),
        (mapping(sign="negative"), "sign", "must be one of"),
        (mapping(date_format="dd/mm/yyyy"), "date_format", "strptime"),
        (mapping(skip_rows=-1), "skip_rows", ">= 0"),
        (mapping(skip_rows=True), "skip_rows", ">= 0"),
        (mapping(sheet=1.5), "sheet", "sheet name"),
        (mapping(currency=None), "currency", "set 'currency'"),
        (mapping(currency="euro"), "currency", "ISO 4217"),
        (mapping(type_map={"x": "sales"}), "type_map.x", "unknown category"),
        (mapping(type_map=["x"]), "type_map", "type text -> category"),
        (
            mapping(type_map={"Vente": "sale", "vente": "refund"}),
            "type_map.vente",
            "mapped twice",
        ),
        (mapping(payouts={"total_row_type": "T"}), "columns.payout_ref", "payout_ref"),
        (mapping(payouts={"total": "T"}), "payouts", "only 'total_row_type'"),
    ],
)
def test_bad_mappings(options, column, message):
    with pytest.raises(ParseError) as info:
        gt.validate_mapping(options)
    assert (info.value.line, info.value.column) == (None, column)
    assert message in info.value.message
    with pytest.raises(ParseError) as info:
        list(gt.parse(b"Date;Type;Amount\n", "bad.csv", options))
    assert (info.value.filename, info.value.line) == ("bad.csv", None)


def test_total_type_cannot_also_be_a_mapped_type():
    options = _payout_options()
    options["type_map"]["total"] = "sale"
    with pytest.raises(ParseError, match="both the total row type"):
        gt.validate_mapping(options)


def test_validate_mapping_does_not_touch_its_input():
    preset = gt.PRESETS["manomano"]
    before = copy.deepcopy(preset)
    gt.validate_mapping(preset)
    assert preset == before


# ------------------------------------------------------------------ sniff, registry


def test_sniff_and_explicit_only():
    assert gt.EXPLICIT_ONLY is True
    assert (gt.FORMAT, gt.PLATFORM) == ("generic_table", "generic")
    assert gt.sniff(MANO.read_bytes()[:65536], "x.csv")
    assert gt.sniff(b"PK\x03\x04garbage", "x.xlsx")
    for garbage in (b"", b"\x00\x01\x02", b'{"a": 1}', b"<xml/>", b"plain", None, 12):
        assert gt.sniff(garbage, "x") is False


# ------------------------------------------------------------------ XLSX


XLSX_HEADER = ["Date", "Type", "Montant", "Virement", "Commande"]
XLSX_OPTIONS = {
    "columns": {
        "date": "Date",
        "type": "Type",
        "amount": "Montant",
        "payout_ref": "Virement",
        "order_ref": "Commande",
    },
    "currency": "EUR",
    "skip_rows": 1,
    "type_map": {"Vente": "sale", "Commission": "commission"},
    "payouts": {"total_row_type": "Virement"},
}


def build_xlsx(rows, *, banner=True, trailing_empty=3, title="Paiements", extra=None):
    """A workbook: banner row, blank row, header, rows, whitespace-only rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    if extra:
        notes = workbook.create_sheet("Notes", 0)
        notes.append(["Notes"])
        notes.append(["rien"])
    if banner:
        sheet.append(["Relevé de paiements mars 2024"])
        sheet.append([])
    sheet.append(XLSX_HEADER)
    for row in rows:
        sheet.append(row)
    for _ in range(trailing_empty):
        sheet.append([None, " ", None, "", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_ROWS = [
    # date cell,                      type,        float amount, int ref, order
    [datetime(2024, 3, 1, 10, 30), "Vente", 0.1, 5001, "C-1"],
    [datetime(2024, 3, 1, 10, 30), "Vente", 0.2, 5001, "C-2"],
    [date(2024, 3, 2), "Commission", -0.03, 5001, "C-1"],
    [datetime(2024, 3, 2), "Frais inconnus", -1234.56, 5001, 789012.0],
    [datetime(2024, 3, 3), "Vente", "1 250,00", 5001, "C-3"],  # amount as text
    [datetime(2024, 3, 5), "Virement", 15.71, 5001, None],
]
# Rows 4..9 of the sheet (banner row 1, blank row 2, header row 3).
# 0.1 + 0.2 - 0.03 - 1234.56 + 1250.00 = 15.71 exactly (as floats: 15.709999...)


def test_xlsx_date_cells_and_exact_float_amounts():
    content = build_xlsx(XLSX_ROWS)
    assert content.startswith(b"PK\x03\x04")
    lines, payouts = run(content, XLSX_OPTIONS, "paiements.xlsx")
    assert [line.amount for line in lines] == [
        D("0.1"),
        D("0.2"),
        D("-0.03"),
        D("-1234.56"),
        D("1250.00"),
    ]
    assert lines[0].amount + lines[1].amount == D("0.3")
    assert sum(line.amount for line in lines) == D("15.71")
    assert payouts["5001"].amount_declared == D("15.71")
    assert payouts["5001"].line_no == 9
    assert [line.line_no for line in lines] == [4, 5, 6, 7, 8]
    assert lines[0].posted_at == datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    assert lines[2].posted_at == datetime(2024, 3, 2, tzinfo=UTC)
    assert (lines[0].payout_ref, lines[3].order_ref) == ("5001", "789012")
    assert totals(lines)["unknown"] == D("-1234.56")
    assert_keys_sound(content, XLSX_OPTIONS, lines)


def test_xlsx_and_csv_of_the_same_data_give_the_same_keys():
    csv_text = (
        "Banner\nDate;Type;Montant;Virement;Commande\n"
        "2024-03-01 10:30:00;Vente;0,10;5001;C-1\n"
        "2024-03-02;Commission;-0,030;5001;C-1\n"
    )
    xlsx = build_xlsx(
        [
            [datetime(2024, 3, 1, 10, 30), "Vente", 0.1, 5001, "C-1"],
            [date(2024, 3, 2), "Commission", -0.03, 5001, "C-1"],
        ]
    )
    from_csv, _ = run(csv_text.encode(), XLSX_OPTIONS)
    from_xlsx, _ = run(xlsx, XLSX_OPTIONS)
    assert [x.external_key for x in from_csv] == [x.external_key for x in from_xlsx]


def test_xlsx_sheet_selection_and_unseekable_stream():
    content = build_xlsx(XLSX_ROWS, extra=True)
    with pytest.raises(ParseError, match="missing column"):
        run(content, XLSX_OPTIONS)  # the first sheet is "Notes"
    for sheet in ("paiements", 1):
        lines, _ = run(content, dict(XLSX_OPTIONS, sheet=sheet))
        assert len(lines) == 5
    with pytest.raises(ParseError, match="no sheet 'Ventes'") as info:
        run(content, dict(XLSX_OPTIONS, sheet="Ventes"))
    assert info.value.column == "sheet"
    with pytest.raises(ParseError, match="no sheet 7"):
        run(content, dict(XLSX_OPTIONS, sheet=7))

    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    stream = Pipe(build_xlsx(XLSX_ROWS))
    assert not stream.seekable()
    assert len(run(stream, XLSX_OPTIONS)[0]) == 5
    csv_pipe = Pipe(MANO.read_bytes())
    assert len(run(csv_pipe, MANO_OPTIONS)[0]) == 15


@pytest.mark.parametrize(
    "index, cell, column, value, message",
    [
        (2, "douze", "Montant", "douze", "invalid amount"),
        (2, True, "Montant", "True", "invalid amount"),
        (0, 45352.5, "Date", "45352.5", "format the cells as dates"),
        (0, "hier", "Date", "hier", "invalid date"),
    ],
)
def test_xlsx_bad_cells(index, cell, column, value, message):
    rows = copy.deepcopy(XLSX_ROWS)
    rows[3][index] = cell
    with pytest.raises(ParseError, match=message) as info:
        run(build_xlsx(rows), XLSX_OPTIONS, "p.xlsx")
    err = info.value
    assert (err.filename, err.line, err.column, err.value) == (
        "p.xlsx",
        7,
        column,
        value,
    )


def test_corrupt_xlsx_is_a_parse_error():
    content = build_xlsx(XLSX_ROWS)
    for broken in (b"PK\x03\x04" + b"\x00" * 100, content[: len(content) // 2]):
        with pytest.raises(ParseError, match="unreadable XLSX"):
            run(broken, XLSX_OPTIONS, "p.xlsx")


# ------------------------------------------------------------------ properties

TYPES = {"Vente": "sale", "Commission": "commission", "Frais": None, "Pub": None}
PROPERTY_OPTIONS = {
    "columns": {
        "date": "Date",
        "type": "Type",
        "amount": "Montant",
        "payout_ref": "Virement",
        "sku": "SKU",
    },
    "currency": "EUR",
    "type_map": {"vente": "sale", "COMMISSION": "commission"},
}

cents = st.integers(min_value=-(10**9), max_value=10**9)
row_strategy = st.tuples(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(sorted(TYPES)),
    cents,
    st.sampled_from(["P1", "P2", ""]),
    st.sampled_from(["", "SKU-1", "SKU;2"]),
)


def fmt_amount(value_cents, decimal, thousands):
    sign = "-" if value_cents < 0 else ""
    units, rest = divmod(abs(value_cents), 100)
    digits = f"{units:,}".replace(",", thousands)
    return f"{sign}{digits}{decimal}{rest:02d}"


def build_csv(rows, delimiter, decimal, thousands, banner, overrides=None):
    """A CSV of ``rows``; ``overrides`` {(row index, column): text} corrupts cells."""
    overrides = overrides or {}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for _ in range(banner):
        out.write("Export du relevé\r\n")
    writer.writerow(["SKU", "Date", "Type", "Montant", "Virement"])
    for i, (day, kind, amount, payout, sku) in enumerate(rows):
        text = overrides.get((i, "Montant"), fmt_amount(amount, decimal, thousands))
        when = overrides.get((i, "Date"), day.strftime("%d/%m/%Y"))
        writer.writerow([sku, when, kind, text, payout])
    out.write("\r\n\r\n")
    return out.getvalue().encode("utf-8")


def expected_totals(rows):
    sums = Counter()
    for _, kind, amount, _, _ in rows:
        sums[TYPES[kind] or "unknown"] += amount
    return {cat: D(total).scaleb(-2) for cat, total in sums.items()}


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(row_strategy, min_size=1, max_size=25),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    locale=st.sampled_from([(",", "."), (",", " "), (".", ","), (".", "")]),
    banner=st.integers(min_value=0, max_value=2),
)
def test_property_csv_round_trip(rows, delimiter, locale, banner):
    decimal, thousands = locale
    content = build_csv(rows, delimiter, decimal, thousands, banner)
    options = dict(PROPERTY_OPTIONS, decimal_separator=decimal, skip_rows=banner)
    lines, payouts = run(content, options)
    assert len(lines) == len(rows)
    assert totals(lines) == expected_totals(rows)
    assert set(payouts) == {row[3] for row in rows} - {""}
    assert [line.line_no for line in lines] == list(
        range(banner + 2, banner + 2 + len(rows))
    )
    keys = [line.external_key for line in lines]
    assert len(set(keys)) == len(keys)
    assert keys == [line.external_key for line in run(content, options)[0]]


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(row_strategy, min_size=1, max_size=10))
def test_property_xlsx_float_cells_round_trip(rows):
    cells = [
        [
            datetime(day.year, day.month, day.day),
            kind,
            float(D(amount).scaleb(-2)),
            payout,
            sku,
        ]
        for day, kind, amount, payout, sku in rows
    ]
    options = dict(XLSX_OPTIONS, type_map={"vente": "sale", "commission": "commission"})
    options["columns"] = dict(XLSX_OPTIONS["columns"], order_ref="Commande")
    lines, _ = run(build_xlsx(cells), dict(options, payouts=None))
    assert totals(lines) == expected_totals(rows)


CORRUPTIONS = ["abc", "12,3,4", "1.2.3", "--5", "1e5x", "31/02/2024", "2024-13-01"]


@property_settings(max_examples=80)
@given(
    rows=st.lists(row_strategy, min_size=1, max_size=15),
    target=st.data(),
    bad=st.sampled_from(CORRUPTIONS),
    banner=st.integers(min_value=0, max_value=2),
)
def test_property_corrupt_cell_is_located(rows, target, bad, banner):
    index = target.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    field = target.draw(st.sampled_from(["Date", "Montant"]))
    content = build_csv(rows, ";", ",", ".", banner, {(index, field): bad})
    options = dict(PROPERTY_OPTIONS, decimal_separator=",", skip_rows=banner)
    with pytest.raises(ParseError) as info:
        run(content, options, "c.csv")
    # banner lines, then the header, then the rows: row ``index`` is on this line.
    assert (info.value.line, info.value.column, info.value.value) == (
        banner + 2 + index,
        field,
        bad,
    )


XLSX_BUILDS = {}


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(row_strategy, min_size=1, max_size=8),
    position=st.integers(min_value=0),
    byte=st.binary(min_size=1, max_size=3),
    xlsx=st.booleans(),
)
def test_property_random_byte_corruption_never_escapes(rows, position, byte, xlsx):
    if xlsx:
        cells = [[datetime(2024, 1, 1), k, a / 100, p, s] for _, k, a, p, s in rows]
        # openpyxl stamps the save time: keep one build per example, so that
        # hypothesis replays the same bytes.
        content = XLSX_BUILDS.setdefault(
            repr(cells), build_xlsx(cells, trailing_empty=0)
        )
        options = XLSX_OPTIONS
    else:
        content = build_csv(rows, ";", ",", ".", 0)
        options = dict(PROPERTY_OPTIONS, decimal_separator=",")
    at = position % len(content)
    corrupted = content[:at] + byte + content[at + len(byte) :]
    try:
        run(corrupted, options, "r.bin")
    except ParseError as err:
        assert err.filename == "r.bin"
        assert err.line is None or err.line >= 1


def test_all_optional_columns():
    options = mapping(currency=None)
    options["columns"].update(
        order_ref="Order",
        order_line_ref="Item",
        sku="Sku",
        quantity="Qty",
        description="Label",
        currency="Cur",
    )
    content = (
        "Date;Type;Amount;Order;Item;Sku;Qty;Label;Cur\n"
        "2024-01-01;sale;24,90;O-1;O-1-1;SKU-A;1,5;Tissu au mètre;eur\n"
        "2024-01-01;fee;-3,00;O-1;O-1-1;SKU-A;;Commission;EUR\n"
    ).encode()
    sale, fee = run(content, options)[0]
    assert (sale.order_ref, sale.order_line_ref, sale.sku) == ("O-1", "O-1-1", "SKU-A")
    assert (sale.quantity, fee.quantity) == (D("1.5"), D(0))
    assert (sale.description, sale.currency) == ("Tissu au mètre", "EUR")
    bad = content.replace(b";1,5;", b";un;")
    with pytest.raises(ParseError, match="invalid quantity") as info:
        run(bad, options)
    assert (info.value.line, info.value.column, info.value.value) == (2, "Qty", "un")
