"""Mirakl parsers: TL02 transaction lines (API JSON) and the back-office CSV export."""

import json
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_connectors.core.exceptions import ParseError
from marketplace_connectors.core.parsers import (
    mirakl_transactions,
    mirakl_transactions_csv,
)
from parser_helpers import (
    check_random_bytes,
    override,
    property_settings,
    read_fixture,
    replace_cell,
    sniffed_formats,
    totals,
)
from parser_helpers import run_parser as run

D = Decimal
UTC = timezone.utc
JSON_FILE = "tl02_transactions.json"
EN_FILE = "transactions_en.csv"
FR_FILE = "transactions_fr.csv"
SETTINGS = property_settings()
D1, D2, D3, UK = (
    "FR-AD-2025-0001",
    "FR-AD-2025-0002",
    "FR-AD-2025-0003",
    "UK-AD-2025-0001",
)


def read(name):
    return read_fixture("mirakl", name)


# ---------------------------------------------------------------- TL02 JSON

# Hand-computed from the fixture (35 items, 3 of them PAYMENT):
# | cycle              | lines                                      | total   |
# |--------------------|--------------------------------------------|---------|
# | D1 (PAYMENT after) | sale 120+60, shipping 5.90,                |  62.71  |
# |                    | commission -18-3.60-9-1.80 = -32.40,       |         |
# |                    | refund -40 (partial, R-5521), refund_fee   |         |
# |                    | 6+1.20, subscription -39.99-8,             |         |
# |                    | reserve_hold -10                           |         |
# | D2 (PAYMENT first) | reserve_release 10, sale 45.50, tax        |  36.28  |
# |                    | 0.98+7.58, commission -6.83-1.37,          |         |
# |                    | reimbursement 15, other_fee -25,           |         |
# |                    | tax_withheld -7.58, unknown -2             |         |
# | D3 (no PAYMENT)    | refund -45.50, refund_fee 8.20,            | -85.29  |
# |                    | subscription -47.99                        |         |
# | "" (PENDING)       | sale 30, commission -4.50                  |  25.50  |
# | UK (GBP)           | sale 50, commission -7.50                  |  42.50  |
EXPECTED_JSON = {
    D1: {
        "sale": D("180.00"),
        "shipping": D("5.90"),
        "commission": D("-32.40"),
        "refund": D("-40.00"),
        "refund_fee": D("7.20"),
        "subscription": D("-47.99"),
        "reserve_hold": D("-10.00"),
    },
    D2: {
        "reserve_release": D("10.00"),
        "sale": D("45.50"),
        "tax": D("8.56"),
        "commission": D("-8.20"),
        "reimbursement": D("15.00"),
        "other_fee": D("-25.00"),
        "tax_withheld": D("-7.58"),
        "unknown": D("-2.00"),
    },
    D3: {"refund": D("-45.50"), "refund_fee": D("8.20"), "subscription": D("-47.99")},
    "": {"sale": D("30.00"), "commission": D("-4.50")},
    UK: {"sale": D("50.00"), "commission": D("-7.50")},
}


def test_tl02_fixture_totals_and_payouts():
    payouts, lines = run(mirakl_transactions, read(JSON_FILE), JSON_FILE)
    assert len(lines) == 32
    for ref, expected in EXPECTED_JSON.items():
        assert totals(lines, ref) == expected, ref
    by_ref = {p.ref: p for p in payouts}
    assert set(by_ref) == {D1, D2, UK}  # the negative cycle D3 has no PAYMENT
    assert by_ref[D1].amount_declared == D("62.71")
    assert by_ref[D2].amount_declared == D("36.28")
    assert by_ref[UK].amount_declared == D("42.50")
    assert by_ref[UK].currency == "GBP"
    assert {line.currency for line in lines if line.payout_ref == UK} == {"GBP"}
    for ref in (D1, D2, UK):
        assert sum(totals(lines, ref).values()) == by_ref[ref].amount_declared
    assert sum(totals(lines, D3).values()) == D("-85.29")
    assert by_ref[D1].date_deposit == datetime(2025, 3, 15, 6, tzinfo=UTC)
    assert by_ref[D1].status == "PAID"


def test_tl02_payment_before_and_after_its_lines():
    payouts, lines = run(mirakl_transactions, read(JSON_FILE), JSON_FILE)
    by_ref = {p.ref: p for p in payouts}
    d1_lines = [line.line_no for line in lines if line.payout_ref == D1]
    d2_lines = [line.line_no for line in lines if line.payout_ref == D2]
    assert max(d1_lines) < by_ref[D1].line_no == 14
    assert min(d2_lines) > by_ref[D2].line_no == 15
    # No line is the PAYMENT itself.
    assert "PAYMENT" not in {line.raw_type for line in lines}


def test_tl02_line_fields():
    _, lines = run(mirakl_transactions, read(JSON_FILE), JSON_FILE)
    first = lines[0]
    assert first.external_key == "mirakl:7f3c2a10-0000-4000-8000-000000000001"
    assert first.category == "sale" and first.amount == D("120.00")
    assert first.order_ref == "100001-A"
    assert first.order_line_ref == "100001-A-1"
    assert first.sku == "SKU-RED"
    assert first.line_no == 1
    assert first.posted_at == datetime(2025, 3, 1, 9, 12, tzinfo=UTC)
    refund = next(line for line in lines if line.raw_type == "REFUND_ORDER_AMOUNT")
    assert refund.amount == D("-40.00") and "R-5521" in refund.description
    vat = [line for line in lines if line.raw_type == "COMMISSION_VAT"]
    assert {line.category for line in vat} == {"commission"}
    unknown = [line for line in lines if line.category == "unknown"]
    assert [line.raw_type for line in unknown] == ["LOYALTY_POINTS_FEE"]


def test_tl02_keys_unique_and_deterministic():
    _, lines = run(mirakl_transactions, read(JSON_FILE), JSON_FILE)
    _, again = run(mirakl_transactions, read(JSON_FILE), JSON_FILE)
    keys = [line.external_key for line in lines]
    assert keys == [line.external_key for line in again]
    assert len(set(keys)) == len(keys)


def tl02(*items, wrap=True):
    body = {"data": list(items), "next_page_token": None} if wrap else list(items)
    return json.dumps(body).encode()


def item(**values):
    base = {
        "id": "L1",
        "type": "ORDER_AMOUNT",
        "currency_iso_code": "EUR",
        "date_created": "2025-03-03T14:02:11Z",
        "amount_credited": "10.00",
        "amount_debited": "0.00",
    }
    return override(base, values)


def test_tl02_amount_only_and_bare_list():
    content = tl02(
        item(amount_credited=None, amount_debited=None, amount="-3.50"), wrap=False
    )
    _, lines = run(mirakl_transactions, content)
    assert lines[0].amount == D("-3.50")


def test_tl02_amount_disagreement_is_an_error():
    content = tl02(item(), item(id="L2", amount="9.99"))
    with pytest.raises(ParseError) as info:
        run(mirakl_transactions, content, "p.json")
    assert info.value.line == 2
    assert info.value.column == "data[1].amount"
    assert info.value.value == "9.99"


@pytest.mark.parametrize(
    "values, column",
    [
        ({"amount_credited": "ten"}, "data[0].amount_credited"),
        ({"amount_debited": "-1.00"}, "data[0].amount_debited"),
        ({"currency_iso_code": None}, "data[0].currency_iso_code"),
        ({"currency_iso_code": "EURO"}, "data[0].currency_iso_code"),
        ({"id": None}, "data[0].id"),
        ({"type": None, "transaction_type": None}, "data[0].transaction_type"),
        ({"date_created": "yesterday"}, "data[0].date_created"),
        (
            {"amount_credited": None, "amount_debited": None},
            "data[0].amount",
        ),
        ({"entities": {"order": {"id": [1]}}}, "data[0].entities.order.id"),
    ],
)
def test_tl02_bad_values(values, column):
    with pytest.raises(ParseError) as info:
        run(mirakl_transactions, tl02(item(**values)), "p.json")
    assert (info.value.line, info.value.column) == (1, column)
    assert info.value.filename == "p.json"


@pytest.mark.parametrize(
    "content", [b"", b"{", b"[1]", b'{"next_page_token": null}', b'"x"', b"\xff\xfe"]
)
def test_tl02_garbage(content):
    with pytest.raises(ParseError) as info:
        run(mirakl_transactions, content)
    assert info.value.line is not None


def test_tl02_payment_refs_without_accounting_document():
    content = tl02(
        item(
            id="P1",
            type="PAYMENT",
            amount_credited=None,
            amount_debited="5.00",
            entities={"transaction_info": {"number": "TRX-1", "date": None}},
        ),
        item(id="P2", type="PAYMENT", amount_credited="0", amount_debited="7.00"),
    )
    payouts, lines = run(mirakl_transactions, content)
    assert lines == []
    assert [(p.ref, p.amount_declared) for p in payouts] == [
        ("TRX-1", D("5.00")),
        ("P2", D("7.00")),
    ]


def test_tl01_flattened_line():
    legacy = {
        "id": "T-9",
        "transaction_type": "COMMISSION_FEE",
        "currency_iso_code": "EUR",
        "transaction_date": "2025-03-03T14:02:11Z",
        "amount_credited": 0,
        "amount_debited": "1.20",
        "payment_voucher_number": "PV-1",
        "order_id": "9-A",
        "order_line_id": "9-A-1",
        "offer_sku": "SKU-9",
        "quantity": 2,
    }
    _, lines = run(mirakl_transactions, tl02(legacy))
    (line,) = lines
    assert (line.category, line.amount, line.payout_ref) == (
        "commission",
        D("-1.20"),
        "PV-1",
    )
    assert (line.order_ref, line.order_line_ref, line.sku, line.quantity) == (
        "9-A",
        "9-A-1",
        "SKU-9",
        D(2),
    )


@pytest.mark.parametrize(
    "ttype, category",
    [
        ("ORDER_AMOUNT", "sale"),
        ("ORDER_AMOUNT_TAX", "tax"),
        ("ORDER_SHIPPING_AMOUNT", "shipping"),
        ("ORDER_SHIPPING_AMOUNT_TAX", "tax"),
        ("COMMISSION_FEE", "commission"),
        ("COMMISSION_VAT", "commission"),
        ("REFUND_ORDER_SHIPPING_AMOUNT_TAX", "refund"),
        ("REFUND_COMMISSION_VAT", "refund_fee"),
        ("SUBSCRIPTION_VAT", "subscription"),
        ("MANUAL_CREDIT_VAT", "reimbursement"),
        ("MANUAL_INVOICE", "other_fee"),
        ("OPERATOR_REMITTED_REFUND_ORDER_AMOUNT_TAX", "tax_withheld"),
        ("PURCHASE_COMMISSION_FEE", "commission"),
        ("PURCHASE_ORDER_AMOUNT_TAX", "tax"),
        ("SELLER_RESERVE_FUND", "reserve_hold"),
        ("SELLER_RESERVE_SETTLEMENT", "reserve_release"),
        ("SOMETHING_NEW", "unknown"),
    ],
)
def test_type_map(ttype, category):
    assert mirakl_transactions.category_of(ttype) == category


# ---------------------------------------------------------------- CSV export

# transactions_en.csv (USD, comma, MM/DD/YYYY hh:mm:ss AM), PAYMENT after its rows:
# sale 89.99, shipping 9.95, commission -13.50, tax 7.20, tax_withheld -7.20,
# refund -20.00 (partial, RF-301), refund_fee 3.00, reserve_hold -5.00,
# other_fee -6.00 -6.00 (two identical rows) = 52.44 = Payment debit;
# pending (no payment reference): sale 45.00, commission -6.75.
EXPECTED_EN = {
    "PAY-77": {
        "sale": D("89.99"),
        "shipping": D("9.95"),
        "commission": D("-13.50"),
        "tax": D("7.20"),
        "tax_withheld": D("-7.20"),
        "refund": D("-20.00"),
        "refund_fee": D("3.00"),
        "reserve_hold": D("-5.00"),
        "other_fee": D("-12.00"),
    },
    "": {"sale": D("45.00"), "commission": D("-6.75")},
}
# transactions_fr.csv (EUR, ';', decimal comma, "1 299,00", DD/MM/YYYY, cp1252,
# CRLF), "Paiement" row FIRST: sale 1299.00, shipping 19.90,
# commission -194.85 -38.97 = -233.82, refund -50.00 (partial, RF-9),
# refund_fee 7.50 + 1.50 = 9.00, subscription -39.99 -8.00 = -47.99,
# unknown ("Pénalité de retard") -5.00 -> 991.09 = Paiement; pending: sale 25.00.
EXPECTED_FR = {
    "VIR-20250315": {
        "sale": D("1299.00"),
        "shipping": D("19.90"),
        "commission": D("-233.82"),
        "refund": D("-50.00"),
        "refund_fee": D("9.00"),
        "subscription": D("-47.99"),
        "unknown": D("-5.00"),
    },
    "": {"sale": D("25.00")},
}


def test_csv_english_export():
    payouts, lines = run(mirakl_transactions_csv, read(EN_FILE), EN_FILE)
    assert len(lines) == 12
    for ref, expected in EXPECTED_EN.items():
        assert totals(lines, ref) == expected
    (payout,) = payouts
    assert (payout.ref, payout.currency, payout.amount_declared) == (
        "PAY-77",
        "USD",
        D("52.44"),
    )
    assert payout.line_no == 12
    assert payout.date_deposit == datetime(2025, 3, 16, 1, tzinfo=UTC)
    assert sum(totals(lines, "PAY-77").values()) == payout.amount_declared
    first = lines[0]
    assert (first.line_no, first.order_ref, first.order_line_ref, first.sku) == (
        2,
        "2001-A",
        "2001-A-1",
        "LAMP-01",
    )
    assert first.posted_at == datetime(2025, 3, 2, 9, 15, 2, tzinfo=UTC)
    assert first.quantity == D(1)
    refund = next(line for line in lines if line.category == "refund")
    assert "RF-301" in refund.description
    assert refund.description.startswith("Partial refund, damaged shade")


def test_csv_identical_rows_get_distinct_keys():
    _, lines = run(mirakl_transactions_csv, read(EN_FILE), EN_FILE)
    _, again = run(mirakl_transactions_csv, read(EN_FILE), EN_FILE)
    keys = [line.external_key for line in lines]
    assert keys == [line.external_key for line in again]
    assert len(set(keys)) == len(keys)
    manual = [line.external_key for line in lines if line.category == "other_fee"]
    assert [key.rsplit(":", 1)[1] for key in manual] == ["0", "1"]
    assert manual[0].rsplit(":", 1)[0] == manual[1].rsplit(":", 1)[0]


def test_csv_keys_survive_payment():
    """A pending row keeps its key once paid (payment columns are not hashed)."""
    text = read(EN_FILE).decode()
    pending = [row for row in text.splitlines() if ",Pending," in row]
    paid = [row.replace(",Pending,,", ",Paid,PAY-78,") for row in pending]
    header = text.splitlines()[0]
    _, before = run(mirakl_transactions_csv, "\n".join([header, *pending]).encode())
    _, after = run(mirakl_transactions_csv, "\n".join([header, *paid]).encode())
    assert [line.external_key for line in before] == [
        line.external_key for line in after
    ]
    assert {line.payout_ref for line in after} == {"PAY-78"}


def test_csv_french_export():
    payouts, lines = run(mirakl_transactions_csv, read(FR_FILE), FR_FILE)
    assert len(lines) == 11
    for ref, expected in EXPECTED_FR.items():
        assert totals(lines, ref) == expected
    (payout,) = payouts
    assert (payout.ref, payout.amount_declared, payout.line_no) == (
        "VIR-20250315",
        D("991.09"),
        2,
    )
    assert payout.date_deposit == datetime(2025, 3, 15, 6, tzinfo=UTC)
    assert sum(totals(lines, payout.ref).values()) == payout.amount_declared
    tv = lines[0]
    assert tv.posted_at == datetime(2025, 3, 2, 14, 31, 8, tzinfo=UTC)  # day first
    assert tv.description == 'Téléviseur 55"'
    assert tv.raw_type == "Montant de la commande"
    assert [line.raw_type for line in lines if line.category == "unknown"] == [
        "Pénalité de retard"
    ]


def test_csv_french_utf8_with_bom_same_records():
    utf8 = b"\xef\xbb\xbf" + read(FR_FILE).decode("cp1252").encode("utf-8")
    assert run(mirakl_transactions_csv, utf8, FR_FILE) == run(
        mirakl_transactions_csv, read(FR_FILE), FR_FILE
    )


def test_csv_transaction_id_column_gives_tl02_keys():
    content = (
        b"Transaction ID,Date created,Order number,Type,Payment reference,Amount,"
        b"Debit,Credit,Currency\n"
        b"L1,2025-03-03T14:02:11Z,1-A,Order amount,,10.00,,10.00,EUR\n"
    )
    _, lines = run(mirakl_transactions_csv, content)
    _, api = run(mirakl_transactions, tl02(item()))
    assert lines[0].external_key == api[0].external_key == "mirakl:L1"


def test_csv_api_type_codes_and_payment_fallback_ref():
    content = (
        b"Date created;Type;Transaction Number;Amount;Debit;Credit;Currency\n"
        b"03/03/2025 10:00:00 AM;COMMISSION_VAT;;-1,20;1,20;;EUR\n"
        b"03/04/2025 10:00:00 AM;PAYMENT;TRX-5;-1,20;1,20;;EUR\n"
    )
    payouts, lines = run(mirakl_transactions_csv, content)
    assert lines[0].category == "commission" and lines[0].amount == D("-1.20")
    assert lines[0].posted_at == datetime(2025, 3, 3, 10, tzinfo=UTC)
    assert payouts[0].ref == "TRX-5" and payouts[0].amount_declared == D("1.20")


@pytest.mark.parametrize(
    "header, column",
    [
        (b"Date created,Amount,Debit,Credit,Currency", "type"),
        (b"Date created,Type,Amount,Debit,Credit", "currency"),
        (b"Date created,Type,Debit,Currency", "amount"),
    ],
)
def test_csv_missing_columns(header, column):
    with pytest.raises(ParseError) as info:
        run(mirakl_transactions_csv, header + b"\nx,y,z,1,2\n", "t.csv")
    assert (info.value.line, info.value.column) == (1, column)


@pytest.mark.parametrize(
    "row, column, value",
    [
        (b"Order amount,10.00,,9.00,EUR", "amount", "10.00"),
        (b"Order amount,,,9.0.0,EUR", "credit", "9.0.0"),
        (b"Order amount,,,9.00,EU", "currency", "EU"),
        (b"Order amount,,-1.00,,EUR", "debit", "-1.00"),
        (b",,,9.00,EUR", "type", ""),
        (b"Order amount,,,,EUR", "amount", ""),
    ],
)
def test_csv_bad_rows(row, column, value):
    content = b"Type,Amount,Debit,Credit,Currency\nOrder amount,1.00,,1.00,EUR\n" + row
    with pytest.raises(ParseError) as info:
        run(mirakl_transactions_csv, content, "t.csv")
    assert (info.value.line, info.value.column, info.value.value) == (3, column, value)


def test_csv_semicolon_file_with_decimal_point_is_refused_not_misread():
    content = b"Type;Amount;Debit;Credit;Currency\nOrder amount;12.50;;12.50;EUR\n"
    with pytest.raises(ParseError) as info:
        run(mirakl_transactions_csv, content)
    assert info.value.line == 2
    _, lines = run(mirakl_transactions_csv, content, options={"decimal_separator": "."})
    assert lines[0].amount == D("12.50")


def test_sniff_matrix():
    files = {
        JSON_FILE: mirakl_transactions,
        EN_FILE: mirakl_transactions_csv,
        FR_FILE: mirakl_transactions_csv,
    }
    for name, module in files.items():
        head = read(name)[:65536]
        assert module.sniff(head, name)
        claimed = sniffed_formats(
            head, name, mirakl_transactions, mirakl_transactions_csv
        )
        assert claimed == [module.FORMAT], name
    for garbage in (b"", b"\xff\x00", b"[", b"{}", b"a;b;c"):
        assert not mirakl_transactions.sniff(garbage)
        assert not mirakl_transactions_csv.sniff(garbage)


# ---------------------------------------------------------------- properties

TYPES = sorted(mirakl_transactions.TYPE_MAP) + ["PAYMENT", "NEW_TYPE"]
cents = st.integers(min_value=0, max_value=10**8)
tl02_lines = st.lists(
    st.tuples(st.sampled_from(TYPES), cents, cents, st.sampled_from(["", "D1", "D2"])),
    min_size=1,
    max_size=25,
)


def money(value):
    return D(value).scaleb(-2)


def expected_of(rows):
    expected_lines = defaultdict(D)
    expected_payouts = defaultdict(D)
    for ttype, credited, debited, doc in rows:
        amount = money(credited) - money(debited)
        if ttype == "PAYMENT":
            expected_payouts[doc or None] -= amount
        else:
            key = (doc, mirakl_transactions.category_of(ttype))
            expected_lines[key] += amount
    return expected_lines, expected_payouts


def check_totals(payouts, lines, rows):
    expected_lines, expected_payouts = expected_of(rows)
    got = defaultdict(D)
    for line in lines:
        got[(line.payout_ref, line.category)] += line.amount
    assert {k: v for k, v in got.items()} == dict(expected_lines)
    got_payouts = defaultdict(D)
    for payout in payouts:
        got_payouts[payout.ref if payout.ref in ("D1", "D2") else None] += (
            payout.amount_declared
        )
    assert dict(got_payouts) == dict(expected_payouts)


@SETTINGS
@given(tl02_lines)
def test_tl02_random_files_round_trip(rows):
    items = [
        item(
            id=f"L{i}",
            type=ttype,
            amount_credited=str(money(credited)),
            amount_debited=float(money(debited)) if i % 2 else str(money(debited)),
            accounting_document_number=doc or None,
        )
        for i, (ttype, credited, debited, doc) in enumerate(rows)
    ]
    payouts, lines = run(mirakl_transactions, tl02(*items))
    check_totals(payouts, lines, rows)
    assert len(lines) == sum(1 for row in rows if row[0] != "PAYMENT")


LABELS = sorted(mirakl_transactions_csv.TYPE_LABELS)


def csv_lines(max_size):
    """Export rows: (type label, cents credited, cents debited, payment reference)."""
    return st.lists(
        st.tuples(st.sampled_from(LABELS), cents, cents, st.sampled_from(["", "D1"])),
        min_size=1,
        max_size=max_size,
    )


def csv_text(rows, french):
    sep, dec = (";", ",") if french else (",", ".")
    header = (
        "Date de création;Type;Référence de paiement;Montant;Débit;Crédit;Devise"
        if french
        else "Date created,Type,Payment reference,Amount,Debit,Credit,Currency"
    )
    out = [header]
    for i, (label, credited, debited, doc) in enumerate(rows):
        amount = money(credited) - money(debited)
        cells = [
            f"{1 + i % 28:02d}/03/2025 10:00:00",
            label,
            doc,
            str(amount).replace(".", dec),
            str(money(debited)).replace(".", dec) if debited else "",
            str(money(credited)).replace(".", dec) if credited else "",
            "EUR",
        ]
        out.append(sep.join(cells))
    return "\n".join(out) + "\n"


@SETTINGS
@given(csv_lines(max_size=25), st.booleans())
def test_csv_random_files_round_trip(rows, french):
    content = csv_text(rows, french).encode("cp1252" if french else "utf-8")
    payouts, lines = run(mirakl_transactions_csv, content)
    coded = [
        (mirakl_transactions_csv.type_code(label), c, d, doc)
        for label, c, d, doc in rows
    ]
    # A PAYMENT row without reference gets a content-key ref: count it as None.
    check_totals(payouts, lines, coded)
    keys = [line.external_key for line in lines]
    assert len(set(keys)) == len(keys)


@SETTINGS
@given(csv_lines(max_size=10), st.data())
def test_csv_corrupted_cell_is_located(rows, data):
    row = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    column, name = data.draw(
        st.sampled_from([(3, "amount"), (4, "debit"), (5, "credit"), (6, "currency")])
    )
    if name == "currency":
        junk = data.draw(st.sampled_from(["E1", "EURO", "€", "12"]))
    else:
        junk = data.draw(st.sampled_from(["1.2.3", "abc", "--1", "12€", "1e5"]))
    text = replace_cell(csv_text(rows, False), row + 1, column, junk, sep=",")
    with pytest.raises(ParseError) as info:
        run(mirakl_transactions_csv, text.encode(), "c.csv")
    assert info.value.line == row + 2
    assert info.value.column == name


@SETTINGS
@given(tl02_lines, st.data())
def test_tl02_corrupted_value_is_located(rows, data):
    items = [
        item(id=f"L{i}", type=t, amount_credited=str(money(c)), amount_debited="0")
        for i, (t, c, _, _) in enumerate(rows)
    ]
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    key = data.draw(
        st.sampled_from(["amount_credited", "currency_iso_code", "date_created", "id"])
    )
    text_junk = "" if key == "id" else "1,2,3"
    items[index][key] = data.draw(st.sampled_from([[1], {"x": 1}, True, text_junk]))
    with pytest.raises(ParseError) as info:
        run(mirakl_transactions, tl02(*items))
    assert info.value.line == index + 1
    assert info.value.column == f"data[{index}].{key}"


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(content):
    for module in (mirakl_transactions, mirakl_transactions_csv):
        check_random_bytes(module, content)
