"""Stripe parsers: itemized payout reconciliation CSV and balance-transaction JSON."""

import csv
import io
import json
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_connectors.core.categories import CATEGORIES
from marketplace_connectors.core.parsers import stripe_balance, stripe_payouts
from parser_helpers import (
    PAYOUT_PARSERS,
    assert_keys,
    cents_text,
    check_corrupted_byte,
    csv_bytes,
    csv_rows,
    parse_error,
    property_settings,
    read_fixture,
    rewrite_csv,
    totals,
)
from parser_helpers import run_parser as run

D = Decimal
UTC = timezone.utc
SETTINGS = property_settings()
PO_A = "po_1OqA2bEURpayoutA"
PO_B = "po_1OqB9cEURpayoutB"


def read(name):
    return read_fixture("stripe", name)


# --- itemized payout reconciliation CSV ----------------------------------------------
#
# payout_reconciliation_itemized.csv, by hand (fee lines are -fee):
#
# | line | txn| reporting_category     | gross   | fee    | lines                      |
# |------|----|------------------------|---------|--------|----------------------------|
# | 2    | A1 | charge                 | 100.00  |  1.65  | sale, payment_fee -1.65    |
# | 3    | A2 | charge (paid 50 USD)   |  46.10  |  1.20  | sale, payment_fee -1.20    |
# | 4    | A3 | refund (partial)       | -25.00  |  0.00  | refund                     |
# | 5    | A4 | dispute                | -60.00  | 15.00  | dispute, dispute_fee -15   |
# | 6    | A5 | dispute_reversal (won) |  60.00  | -15.00 | dispute, dispute_fee +15   |
# | 7    | A6 | fee (Radar)            |  -2.00  |  0.00  | payment_fee -2.00          |
# | 8    | A7 | risk_reserved_funds    | -10.00  |  0.00  | reserve_hold               |
# | 9    | A8 | risk_released_funds    |   4.00  |  0.00  | reserve_release            |
# | 10   | A9 | other_adjustment       |  -1.50  |  0.00  | adjustment                 |
# | 11   | A10| tax                    |  -0.30  |  0.00  | tax                        |
# | 12   | A11| climate_order_purchase |  -0.50  |  0.00  | unknown                    |
# | 13   | A12| payout                 | -107.95 |  0.00  | none (the payout itself)   |
# | 14   | B1 | refund                 | -80.00  |  0.00  | refund                     |
# | 15   | B2 | charge                 |  20.00  |  0.55  | sale, payment_fee -0.55    |
#
# Payout A: 15 lines, net 107.95 (= -gross of its payout row); payout B: 3 lines,
# net -60.55 (a negative payout: the seller is debited).
TOTALS_A = {
    "sale": D("146.10"),
    "payment_fee": D("-4.85"),
    "refund": D("-25.00"),
    "dispute": D("0.00"),
    "dispute_fee": D("0.00"),
    "reserve_hold": D("-10.00"),
    "reserve_release": D("4.00"),
    "adjustment": D("-1.50"),
    "tax": D("-0.30"),
    "unknown": D("-0.50"),
}
TOTALS_B = {"refund": D("-80.00"), "sale": D("20.00"), "payment_fee": D("-0.55")}


def test_itemized_report():
    payouts, lines = run(stripe_payouts, read("payout_reconciliation_itemized.csv"))
    assert [(p.ref, p.currency, p.amount_declared) for p in payouts] == [
        (PO_A, "EUR", None),
        (PO_B, "EUR", None),
    ]
    assert payouts[0].date_deposit == datetime(2024, 3, 5, tzinfo=UTC)
    assert payouts[1].date_deposit == datetime(2024, 3, 6, tzinfo=UTC)
    assert len(lines) == 18
    assert totals(lines, PO_A) == TOTALS_A
    assert totals(lines, PO_B) == TOTALS_B
    assert sum(ln.amount for ln in lines if ln.payout_ref == PO_A) == D("107.95")
    assert sum(ln.amount for ln in lines if ln.payout_ref == PO_B) == D("-60.55")
    assert {ln.currency for ln in lines} == {"EUR"}
    assert not [ln for ln in lines if ln.raw_type == "payout"]
    assert_keys(lines)


def test_itemized_report_line_details():
    _, lines = run(stripe_payouts, read("payout_reconciliation_itemized.csv"))
    by_key = {line.external_key: line for line in lines}
    converted = by_key["stripe:txn_3OpA0002:gross"]
    assert converted.amount == D("46.10")
    assert converted.currency == "EUR"
    assert converted.description == "Order #1002, gift (customer paid 50.00 USD)"
    assert converted.line_no == 3
    assert converted.posted_at == datetime(2024, 3, 1, 11, tzinfo=UTC)
    assert by_key["stripe:txn_3OpA0002:fee"].amount == D("-1.20")
    assert by_key["stripe:txn_3OpA0001:gross"].description == "Order #1001"
    assert "stripe:txn_3OpA0003:fee" not in by_key
    dispute_fee = by_key["stripe:txn_3OpA0004:fee"]
    assert (dispute_fee.category, dispute_fee.amount) == ("dispute_fee", D("-15.00"))
    returned = by_key["stripe:txn_3OpA0005:fee"]
    assert (returned.category, returned.amount) == ("dispute_fee", D("15.00"))
    unknown = by_key["stripe:txn_3OpA0011:gross"]
    assert (unknown.category, unknown.raw_type) == ("unknown", "climate_order_purchase")


def test_itemized_report_keys_and_column_order():
    content = read("payout_reconciliation_itemized.csv")
    payouts, lines = run(stripe_payouts, content)
    assert [ln.external_key for ln in lines] == [
        ln.external_key for ln in run(stripe_payouts, content)[1]
    ]

    def shuffle(rows):
        order = list(reversed(range(len(rows[0]))))
        return [[row[i] for i in order] for row in rows]

    assert run(stripe_payouts, rewrite_csv(content, shuffle)) == (payouts, lines)
    upper = content.replace(b"gross", b"Gross", 1).replace(b"\n", b"\r\n")
    assert run(stripe_payouts, b"\xef\xbb\xbf" + upper) == (payouts, lines)


def test_itemized_report_fallback_columns():
    header = (
        b"automatic_payout_id,automatic_payout_effective_at,balance_transaction_id,"
        b"created,currency,gross,fee,reporting_category\n"
    )
    row = b"po_X,2024-03-05 00:00:00,txn_X,2024-03-01 10:00:00,usd,10.00,0.59,charge\n"
    payouts, lines = run(stripe_payouts, header + row)
    assert payouts[0].date_deposit == datetime(2024, 3, 5, tzinfo=UTC)
    assert [(ln.category, ln.amount, ln.currency) for ln in lines] == [
        ("sale", D("10.00"), "USD"),
        ("payment_fee", D("-0.59"), "USD"),
    ]
    assert lines[0].posted_at == datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_itemized_report_errors():
    assert parse_error(stripe_payouts, b"").line == 1
    err = parse_error(stripe_payouts, b"automatic_payout_id,currency,gross,fee\n")
    assert (err.line, err.column) == (1, "balance_transaction_id")
    header = (
        b"automatic_payout_id,balance_transaction_id,currency,gross,fee,net,"
        b"reporting_category,created_utc\n"
    )
    ok = b"po_1,txn_1,eur,10.00,0.50,9.50,charge,2024-03-01 10:00:00\n"
    err = parse_error(stripe_payouts, header + ok + ok.replace(b"10.00", b"10.0.0"))
    assert (err.line, err.column, err.value) == (3, "gross", "10.0.0")
    err = parse_error(stripe_payouts, header + ok.replace(b"9.50", b"9.49"))
    assert (err.line, err.column) == (2, "net")
    err = parse_error(stripe_payouts, header + ok.replace(b"po_1", b""))
    assert (err.line, err.column) == (2, "automatic_payout_id")
    err = parse_error(
        stripe_payouts, header + ok.replace(b"2024-03-01", b"01-03-2024x")
    )
    assert (err.line, err.column) == (2, "created_utc")
    quoted = b'po_1,txn_2,eur,1.00,0,1.00,"charge\nmore",2024-03-01 10:00:00\n'
    err = parse_error(stripe_payouts, header + quoted + ok.replace(b"eur", b"e1r"))
    assert (err.line, err.column) == (4, "currency")


# --- balance transactions JSON -------------------------------------------------------
#
# payout_with_balance_transactions.json (EUR, minor units), by hand:
#
# | txn | category (source)       | amount | fee | lines                            |
# |-----|-------------------------|--------|-----|----------------------------------|
# | C1  | charge (reporting_cat.) | 10000  | 175 | sale 100.00, payment_fee -1.75   |
# | C2  | refund (partial)        |  -500  |   0 | refund -5.00                     |
# | C3  | adjustment (type only)  |    32  |   0 | adjustment 0.32                  |
# | C4  | payout                  | -9357  |   0 | none (the payout itself)         |
#
# Sum 100.00 - 1.75 - 5.00 + 0.32 = 93.57 = payout.amount 9357.


def test_payout_with_balance_transactions():
    payouts, lines = run(stripe_balance, read("payout_with_balance_transactions.json"))
    assert len(payouts) == 1
    payout = payouts[0]
    assert (payout.ref, payout.currency, payout.amount_declared, payout.status) == (
        "po_1OqC7dEURpayoutC",
        "EUR",
        D("93.57"),
        "paid",
    )
    assert payout.date_deposit == datetime(2024, 3, 6, tzinfo=UTC)
    assert totals(lines) == {
        "sale": D("100.00"),
        "payment_fee": D("-1.75"),
        "refund": D("-5.00"),
        "adjustment": D("0.32"),
    }
    assert sum(ln.amount for ln in lines) == payout.amount_declared
    assert {ln.payout_ref for ln in lines} == {payout.ref}
    assert [ln.external_key for ln in lines] == [
        "stripe:txn_3OpC0001:gross",
        "stripe:txn_3OpC0001:fee",
        "stripe:txn_3OpC0002:gross",
        "stripe:txn_3OpC0003:gross",
    ]
    assert [ln.line_no for ln in lines] == [1, 1, 2, 3]
    assert lines[0].posted_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert lines[3].raw_type == "adjustment"


# balance_transactions_jpy.json (JPY is zero-decimal: 5000 = 5000 yen):
# charge 5000 fee 180 -> sale 5000, payment_fee -180; reserve_hold -1000;
# reserve_release 400; payout row -4220 -> PayoutInfo po_1OqD3eJPYpayoutD 4220.
def test_balance_list_zero_decimal_and_reserves():
    content = read("balance_transactions_jpy.json")
    payouts, lines = run(stripe_balance, content)
    assert [(p.ref, p.currency, p.amount_declared) for p in payouts] == [
        ("po_1OqD3eJPYpayoutD", "JPY", D("4220"))
    ]
    assert totals(lines) == {
        "sale": D("5000"),
        "payment_fee": D("-180"),
        "reserve_hold": D("-1000"),
        "reserve_release": D("400"),
    }
    assert sum(ln.amount for ln in lines) == payouts[0].amount_declared
    assert {ln.payout_ref for ln in lines} == {""}
    assert {ln.currency for ln in lines} == {"JPY"}
    _, named = run(stripe_balance, content, options={"payout_ref": "po_1OqD3e"})
    assert {ln.payout_ref for ln in named} == {"po_1OqD3e"}


def test_balance_plain_list_of_transactions():
    data = json.loads(read("payout_with_balance_transactions.json"))
    payout, listing = data["payout"], data["balance_transactions"]["data"]
    combined = {"payout": payout, "balance_transactions": listing}
    payouts, lines = run(stripe_balance, json.dumps(combined).encode())
    assert sum(ln.amount for ln in lines) == D("93.57") == payouts[0].amount_declared


def test_balance_errors():
    assert parse_error(stripe_balance, b"{").line == 1
    assert parse_error(stripe_balance, b"[]").line == 1
    assert parse_error(stripe_balance, b'{"object": "payout"}').line == 1
    err = parse_error(stripe_balance, b'{"object": "list", "data": {}}')
    assert (err.line, err.column) == (1, "data")
    txn = {"id": "txn_1", "amount": 100, "fee": 0, "currency": "eur", "type": "charge"}
    bad = dict(txn, id="txn_2", amount=1.5)
    err = parse_error(
        stripe_balance, json.dumps({"object": "list", "data": [txn, bad]}).encode()
    )
    assert (err.line, err.column, err.value) == (2, "data[1].amount", "Decimal('1.5')")
    payout_list = {"object": "list", "data": [dict(txn, object="payout")]}
    err = parse_error(stripe_balance, json.dumps(payout_list).encode())
    assert (err.line, err.column, err.value) == (1, "data[0].object", "payout")
    bad = dict(txn, net=99)
    err = parse_error(
        stripe_balance, json.dumps({"object": "list", "data": [bad]}).encode()
    )
    assert (err.line, err.column) == (1, "data[0].net")
    bad = dict(txn, created="yesterday")
    err = parse_error(
        stripe_balance, json.dumps({"object": "list", "data": [bad]}).encode()
    )
    assert (err.line, err.column) == (1, "data[0].created")
    err = parse_error(
        stripe_balance,
        json.dumps(
            {"payout": {"id": "po_1", "currency": "eur"}, "balance_transactions": []}
        ).encode(),
    )
    assert (err.line, err.column) == (1, "payout.amount")


# --- detection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, module",
    [
        ("payout_reconciliation_itemized.csv", stripe_payouts),
        ("payout_with_balance_transactions.json", stripe_balance),
        ("balance_transactions_jpy.json", stripe_balance),
    ],
)
def test_sniff(name, module):
    head = read(name)[:65536]
    assert [p for p in PAYOUT_PARSERS if p.sniff(head, name)] == [module]


@pytest.mark.parametrize(
    "head", [b"", b"\x00\xff", b"[1]", b"{}", b'{"object": "list"}', "text", None]
)
def test_sniff_garbage(head):
    assert stripe_balance.sniff(head, "x") is False
    assert stripe_payouts.sniff(head, "x") is False


# --- properties ----------------------------------------------------------------------

CATEGORIES_IN = [
    "charge",
    "refund",
    "partial_capture_reversal",
    "dispute",
    "dispute_reversal",
    "fee",
    "network_cost",
    "risk_reserved_funds",
    "risk_released_funds",
    "other_adjustment",
    "tax",
    "charge_failure",
    "refund_failure",
    "payout",
    "topup",
    "",
]
rows = st.lists(
    st.tuples(
        st.sampled_from(CATEGORIES_IN),
        st.integers(min_value=-(10**9), max_value=10**9),
        st.integers(min_value=-1500, max_value=5000),
        st.sampled_from(["po_1", "po_2", "po_3"]),
        st.sampled_from(["eur", "usd", "jpy"]),
    ),
    min_size=1,
    max_size=25,
)
CSV_HEADER = [
    "automatic_payout_id",
    "automatic_payout_effective_at_utc",
    "balance_transaction_id",
    "created_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "description",
    "customer_facing_amount",
    "customer_facing_currency",
]


def _csv_file(items):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for i, (category, gross, fee, payout, currency) in enumerate(items):
        writer.writerow(
            [
                payout,
                "2024-03-05 00:00:00",
                f"txn_{i:04d}",
                f"2024-03-{1 + i % 28:02d} 10:00:00",
                currency,
                cents_text(gross),
                cents_text(fee),
                cents_text(gross - fee),
                category or "charge",
                f"row {i}, x",
                cents_text(gross),
                "usd",
            ]
        )
    return out.getvalue().encode()


@SETTINGS
@given(rows)
def test_csv_round_trip(items):
    payouts, lines = run(stripe_payouts, _csv_file(items))
    expected = defaultdict(D)
    count = 0
    for category, gross, fee, payout, _cur in items:
        if category != "payout":
            expected[payout] += D(gross - fee).scaleb(-2)
            count += 1 + (fee != 0)
    assert all(line.category in CATEGORIES for line in lines)
    assert totals(lines, by="payout_ref") == dict(expected)
    assert len(lines) == count
    assert_keys(lines)
    assert {p.ref for p in payouts} == {item[3] for item in items}


@SETTINGS
@given(
    rows,
    st.data(),
    st.sampled_from(
        ["gross", "fee", "net", "currency", "created_utc", "automatic_payout_id"]
    ),
    st.sampled_from(["#!?", "1,2,3", "--1", "12.x", ""]),
)
def test_csv_corrupted_cell(items, data, column, garbage):
    table = csv_rows(_csv_file(items))
    index = data.draw(st.integers(1, len(table) - 1))
    if column == "automatic_payout_id":
        garbage = ""  # any other text is a valid payout id
    elif column == "created_utc" and garbage == "":
        garbage = "2024-02-30 10:00:00"  # an empty date is allowed
    elif column in ("fee", "net") and garbage == "":
        garbage = "#!?"  # an empty fee is 0, an empty net is not checked
    table[index][CSV_HEADER.index(column)] = garbage
    err = parse_error(stripe_payouts, csv_bytes(table))
    assert (err.line, err.column) == (index + 1, column)


@SETTINGS
@given(rows, st.data(), st.sampled_from([b'"', b",", b"x", b"\xff", b"\n"]))
def test_csv_corrupted_byte(items, data, byte):
    check_corrupted_byte(stripe_payouts, _csv_file(items), data, byte, "c.csv")


def _json_file(items, payout=None):
    data = [
        {
            "id": f"txn_{i:04d}",
            "object": "balance_transaction",
            "amount": gross,
            "fee": fee,
            "net": gross - fee,
            "currency": currency,
            "created": 1709287200 + i,
            "reporting_category": category or None,
            "type": category or "payment",
            "source": "po_9" if category == "payout" else f"ch_{i}",
        }
        for i, (category, gross, fee, _payout, currency) in enumerate(items)
    ]
    listing = {"object": "list", "data": data, "has_more": False}
    if payout is None:
        return json.dumps(listing).encode()
    return json.dumps({"payout": payout, "balance_transactions": listing}).encode()


@SETTINGS
@given(rows)
def test_json_round_trip(items):
    expected = D(0)
    count = 0
    for category, gross, fee, _payout, currency in items:
        if category != "payout":
            exponent = 0 if currency == "jpy" else 2
            expected += D(gross - fee).scaleb(-exponent)
            count += 1 + (fee != 0)
    payout = {"id": "po_9", "amount": 0, "currency": "eur", "arrival_date": 1709683200}
    for content in (_json_file(items), _json_file(items, payout)):
        payouts, lines = run(stripe_balance, content)
        assert sum((ln.amount for ln in lines), D(0)) == expected
        assert len(lines) == count
        assert_keys(lines)
        assert all(ln.category in CATEGORIES for ln in lines)
    assert {ln.payout_ref for ln in lines} <= {"po_9"}


@SETTINGS
@given(
    rows,
    st.data(),
    st.sampled_from(["amount", "fee", "net", "currency", "created"]),
    st.sampled_from(["#!?", "12", 1.5, True, "", [1]]),
)
def test_json_corrupted_field(items, data, field, garbage):
    content = json.loads(_json_file(items))
    index = data.draw(st.integers(0, len(items) - 1))
    content["data"][index][field] = garbage
    err = parse_error(stripe_balance, json.dumps(content).encode())
    assert (err.line, err.column) == (index + 1, f"data[{index}].{field}")


@SETTINGS
@given(rows, st.data(), st.sampled_from([b'"', b"x", b"\xff", b"{", b"\n", b"."]))
def test_json_corrupted_byte(items, data, byte):
    check_corrupted_byte(stripe_balance, _json_file(items), data, byte, "c.json")


# --- added checks: three-decimal currencies, bounded date cache --------------------


def test_balance_three_decimal_currency():
    # KWD has 3 decimals in Stripe's API: 12340 = 12.340 KWD, fee 370 = 0.370.
    data = {
        "payout": {
            "id": "po_kwd",
            "object": "payout",
            "amount": 11970,
            "currency": "kwd",
            "arrival_date": 1709683200,
            "status": "paid",
        },
        "balance_transactions": {
            "object": "list",
            "has_more": False,
            "data": [
                {
                    "id": "txn_kwd1",
                    "object": "balance_transaction",
                    "amount": 12340,
                    "fee": 370,
                    "net": 11970,
                    "currency": "kwd",
                    "type": "charge",
                    "reporting_category": "charge",
                    "created": 1709287200,
                }
            ],
        },
    }
    payouts, lines = run(stripe_balance, json.dumps(data).encode())
    assert payouts[0].amount_declared == D("11.970")
    assert [(ln.category, ln.amount, ln.currency) for ln in lines] == [
        ("sale", D("12.340"), "KWD"),
        ("payment_fee", D("-0.370"), "KWD"),
    ]
    assert stripe_balance.exponent_of("ISK") == 2


def test_itemized_date_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(stripe_payouts, "DATE_CACHE_SIZE", 2)
    content = read("payout_reconciliation_itemized.csv")
    expected = run(stripe_payouts, content)
    monkeypatch.undo()
    assert run(stripe_payouts, content) == expected
