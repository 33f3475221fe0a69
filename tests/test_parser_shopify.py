"""Shopify Payments parsers: payouts / balance transactions JSON and the CSV export."""

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
from marketplace_connectors.core.parsers import shopify_payments, shopify_payments_csv
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
SETTINGS = property_settings()


def read(name):
    return read_fixture("shopify", name)


# --- payout + transactions (combined JSON) -------------------------------------------
#
# Payout 90123 (EUR), worked out by hand from the fixture:
#
# | id   | type              | amount  | fee   | lines (category: amount)              |
# |------|-------------------|---------|-------|---------------------------------------|
# | 1001 | charge            | 100.00  | 3.20  | sale 100.00, payment_fee -3.20        |
# | 1002 | charge            |  50.00  | 1.75  | sale 50.00, payment_fee -1.75         |
# | 1003 | refund (partial)  | -30.00  | 0.00  | refund -30.00                         |
# | 1004 | dispute           | -50.00  | 15.00 | dispute -50.00, dispute_fee -15.00    |
# | 1005 | dispute (won)     |  50.00  | 0.00  | dispute 50.00                         |
# | 1006 | reserve (hold)    | -20.00  | 0.00  | reserve_hold -20.00                   |
# | 1007 | reserve (release) |  12.00  | 0.00  | reserve_release 12.00                 |
# | 1008 | adjustment        |  -2.50  | 0.10  | adjustment -2.50, payment_fee -0.10   |
# | 1010 | shop_cash_credit  |   5.00  | 0.00  | unknown 5.00                          |
# | 1011 | payout            | -94.45  | 0.00  | none (the payout itself)              |
#
# 13 lines; net = 96.80 + 48.25 - 30 - 65 + 50 - 20 + 12 - 2.60 + 5 = 94.45 = payout.
COMBINED_TOTALS = {
    "sale": D("150.00"),
    "payment_fee": D("-5.05"),
    "refund": D("-30.00"),
    "dispute": D("0.00"),
    "dispute_fee": D("-15.00"),
    "reserve_hold": D("-20.00"),
    "reserve_release": D("12.00"),
    "adjustment": D("-2.50"),
    "unknown": D("5.00"),
}


def test_combined_payout_and_transactions():
    payouts, lines = run(shopify_payments, read("payout_with_transactions.json"))
    assert {p.ref for p in payouts} == {"90123"}
    payout = payouts[0]
    assert payout.currency == "EUR"
    assert payout.amount_declared == D("94.45")
    assert payout.status == "paid"
    assert payout.date_deposit == datetime(2024, 3, 4, tzinfo=timezone.utc)
    # The payout row restates the same payout, with the same amount.
    assert all(p.amount_declared == D("94.45") for p in payouts)
    assert len(lines) == 13
    assert totals(lines) == COMBINED_TOTALS
    assert sum(line.amount for line in lines) == payout.amount_declared
    assert {line.payout_ref for line in lines} == {"90123"}
    assert {line.currency for line in lines} == {"EUR"}
    assert not [line for line in lines if line.raw_type == "payout"]
    assert_keys(lines)


def test_combined_line_details():
    _, lines = run(shopify_payments, read("payout_with_transactions.json"))
    by_key = {line.external_key: line for line in lines}
    gross = by_key["shopify:txn:1001:gross"]
    fee = by_key["shopify:txn:1001:fee"]
    assert (gross.category, gross.amount) == ("sale", D("100.00"))
    assert (fee.category, fee.amount) == ("payment_fee", D("-3.20"))
    assert gross.line_no == fee.line_no == 1
    assert gross.order_ref == "5001"
    assert gross.posted_at == datetime(2024, 3, 1, 9, 22, 33, tzinfo=timezone.utc)
    assert by_key["shopify:txn:1003:gross"].order_ref == "5001"  # partial refund
    assert "shopify:txn:1003:fee" not in by_key  # zero fee: no line
    assert by_key["shopify:txn:1004:fee"].category == "dispute_fee"
    assert by_key["shopify:txn:1004:fee"].amount == D("-15.00")
    assert by_key["shopify:txn:1005:gross"].amount == D("50.00")  # dispute won
    assert by_key["shopify:txn:1006:gross"].category == "reserve_hold"
    assert by_key["shopify:txn:1007:gross"].category == "reserve_release"
    assert by_key["shopify:txn:1008:gross"].description == "billing_debit"
    unknown = by_key["shopify:txn:1010:gross"]
    assert (unknown.category, unknown.raw_type) == ("unknown", "shop_cash_credit")


def test_keys_are_deterministic():
    content = read("payout_with_transactions.json")
    first = [line.external_key for line in run(shopify_payments, content)[1]]
    second = [line.external_key for line in run(shopify_payments, content)[1]]
    assert first == second
    # The payouts list alone and a reordered transaction list give the same keys.
    data = json.loads(content)
    data["transactions"].reverse()
    reordered = run(shopify_payments, json.dumps(data).encode())[1]
    assert sorted(first) == sorted(line.external_key for line in reordered)


# --- payouts list and transactions without payout ------------------------------------
#
# payouts.json: 90123 EUR 94.45 paid, 90124 USD 18.40 in_transit, 90125 EUR -12.50.
# transactions_multi.json, by hand:
#
# | id   | payout | type      | amount | fee   | lines                                 |
# |------|--------|-----------|--------|-------|---------------------------------------|
# | 2001 | 90124  | charge    |  20.00 |  0.88 | sale 20.00, payment_fee -0.88 (USD)   |
# | 2002 | 90124  | refund    |  -1.00 | -0.28 | refund -1.00, refund_fee +0.28 (USD)  |
# | 2003 | 90125  | debit     | -10.00 |  0.00 | adjustment -10.00                     |
# | 2004 | 90125  | credit    |   2.50 |  0.00 | adjustment 2.50                       |
# | 2005 | 90125  | dispute   |  -5.00 |  0.00 | dispute -5.00                         |
# | 2008 | 90125  | payout    |  12.50 |  0.00 | PayoutInfo 90125, declared -12.50     |
# | 2006 | (null) | charge    |  40.00 |  1.46 | sale 40.00, payment_fee -1.46         |
# | 2007 | (null) | test chg  |  10.00 |  0.59 | unknown 10.00, unknown -0.59          |
#
# 90124: 19.12 - 0.72 = 18.40; 90125: -10 + 2.50 - 5 = -12.50; 11 lines.


def test_payouts_list_two_currencies_and_negative():
    payouts, lines = run(shopify_payments, read("payouts.json"))
    assert lines == []
    assert [(p.ref, p.currency, p.amount_declared, p.status) for p in payouts] == [
        ("90123", "EUR", D("94.45"), "paid"),
        ("90124", "USD", D("18.40"), "in_transit"),
        ("90125", "EUR", D("-12.50"), "paid"),
    ]
    assert [p.line_no for p in payouts] == [1, 2, 3]


def test_transactions_by_payout_pending_and_test():
    declared = {
        p.ref: p.amount_declared for p in run(shopify_payments, read("payouts.json"))[0]
    }
    payouts, lines = run(shopify_payments, read("transactions_multi.json"))
    assert len(lines) == 11
    assert_keys(lines)
    assert totals(lines, "90124") == {
        "sale": D("20.00"),
        "payment_fee": D("-0.88"),
        "refund": D("-1.00"),
        "refund_fee": D("0.28"),
    }
    assert totals(lines, "90125") == {"adjustment": D("-7.50"), "dispute": D("-5.00")}
    for ref in ("90124", "90125"):
        assert sum(ln.amount for ln in lines if ln.payout_ref == ref) == declared[ref]
    assert {ln.currency for ln in lines if ln.payout_ref == "90124"} == {"USD"}
    # The payout row of 90125 declares the payout (negative: a debit).
    assert [(p.ref, p.amount_declared) for p in payouts] == [("90125", D("-12.50"))]
    pending = [ln for ln in lines if ln.payout_ref == ""]
    assert totals(pending) == {
        "sale": D("40.00"),
        "payment_fee": D("-1.46"),
        "unknown": D("9.41"),
    }
    test_lines = [
        ln for ln in pending if ln.external_key.startswith("shopify:txn:2007")
    ]
    assert [(ln.category, ln.amount, ln.description) for ln in test_lines] == [
        ("unknown", D("10.00"), "test transaction"),
        ("unknown", D("-0.59"), "test transaction"),
    ]


# --- CSV export ----------------------------------------------------------------------
#
# payout_transactions.csv, by hand (fee lines are -Fee):
#
# | line | payout | type       | amount | fee   | lines                               |
# |------|--------|------------|--------|-------|-------------------------------------|
# | 2    | 90123  | charge     | 100.00 |  3.20 | sale 100.00, payment_fee -3.20      |
# | 3    | 90123  | charge     |  50.00 |  1.75 | sale 50.00, payment_fee -1.75 (USD  |
# |      |        |            |        |       | presentment, quoted comma cell)     |
# | 4    | 90123  | refund     | -30.00 |  0.00 | refund -30.00                       |
# | 5    | 90123  | dispute    | -50.00 | 15.00 | dispute -50.00, dispute_fee -15.00  |
# | 6, 7 | 90123  | adjustment |  -2.50 |  0.10 | twice: adjustment -2.50, fee -0.10  |
# | 8    | 90123  | reserve    | -20.00 |  0.00 | reserve_hold -20.00                 |
# | 9    | 90126  | charge     |  30.00 |  1.00 | sale 30.00, payment_fee -1.00       |
# | 10   | (none) | charge     |  40.00 |  1.46 | sale 40.00, payment_fee -1.46       |
#
# 90123 net 24.85 (12 lines), 90126 net 29.00 (2), pending 38.54 (2): 16 lines.
CSV_TOTALS_90123 = {
    "sale": D("150.00"),
    "payment_fee": D("-5.15"),
    "refund": D("-30.00"),
    "dispute": D("-50.00"),
    "dispute_fee": D("-15.00"),
    "adjustment": D("-5.00"),
    "reserve_hold": D("-20.00"),
}


def test_csv_export():
    payouts, lines = run(shopify_payments_csv, read("payout_transactions.csv"))
    assert [(p.ref, p.currency, p.amount_declared, p.status) for p in payouts] == [
        ("90123", "EUR", None, "paid"),
        ("90126", "EUR", None, "in_transit"),
    ]
    assert payouts[0].date_deposit == datetime(2024, 3, 4, tzinfo=timezone.utc)
    assert len(lines) == 16
    assert totals(lines, "90123") == CSV_TOTALS_90123
    assert sum(ln.amount for ln in lines if ln.payout_ref == "90123") == D("24.85")
    assert totals(lines, "90126") == {"sale": D("30.00"), "payment_fee": D("-1.00")}
    assert totals(lines, "") == {"sale": D("40.00"), "payment_fee": D("-1.46")}
    assert_keys(lines)
    first = lines[0]
    assert (first.line_no, first.order_ref, first.raw_type) == (2, "#1001", "charge")
    assert first.posted_at == datetime(2024, 3, 1, 9, 22, 33, tzinfo=timezone.utc)
    twins = [ln for ln in lines if ln.line_no in (6, 7) and ln.category == "adjustment"]
    assert [k.external_key.split(":")[-2] for k in twins] == ["0", "1"]


def test_csv_keys_stable_across_reorder_and_payout_assignment():
    content = read("payout_transactions.csv")
    keys = sorted(ln.external_key for ln in run(shopify_payments_csv, content)[1])
    assert keys == sorted(
        ln.external_key for ln in run(shopify_payments_csv, content)[1]
    )

    def reverse(rows):
        return [rows[0], *reversed(rows[1:])]

    reordered = run(shopify_payments_csv, rewrite_csv(content, reverse))[1]
    assert keys == sorted(ln.external_key for ln in reordered)

    def pay_out_pending(rows):
        rows[-1][5:8] = ["paid", "2024-03-09", "90127"]
        return rows

    paid = run(shopify_payments_csv, rewrite_csv(content, pay_out_pending))[1]
    assert keys == sorted(ln.external_key for ln in paid)
    assert {ln.payout_ref for ln in paid if ln.line_no == 10} == {"90127"}


def test_csv_by_name_not_position():
    content = read("payout_transactions.csv")

    def shuffle(rows):
        order = list(reversed(range(len(rows[0]))))
        return [[row[i] for i in order] for row in rows]

    expected = run(shopify_payments_csv, content)
    lower = content.replace(b"Payout ID", b"payout id", 1)
    for variant in (rewrite_csv(content, shuffle), lower):
        assert run(shopify_payments_csv, variant) == expected


def test_csv_bom_and_crlf():
    content = read("payout_transactions.csv")
    variant = b"\xef\xbb\xbf" + content.replace(b"\n", b"\r\n")
    assert run(shopify_payments_csv, variant) == run(shopify_payments_csv, content)


# --- detection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, module",
    [
        ("payout_with_transactions.json", shopify_payments),
        ("payouts.json", shopify_payments),
        ("transactions_multi.json", shopify_payments),
        ("payout_transactions.csv", shopify_payments_csv),
    ],
)
def test_sniff(name, module):
    head = read(name)[:65536]
    assert [p for p in PAYOUT_PARSERS if p.sniff(head, name)] == [module]


@pytest.mark.parametrize(
    "head", [b"", b"\x00\xff\xfe", b"[1, 2]", b"{}", b"Type,Amount\n", "text", None]
)
def test_sniff_garbage(head):
    assert shopify_payments.sniff(head, "x") is False
    assert shopify_payments_csv.sniff(head, "x") is False


def test_sniff_refuses_ebay_shapes():
    ebay = (
        b'{"payouts": [{"payoutId": "5000", "payoutStatus": "SUCCEEDED", '
        b'"amount": {"value": "10.00", "currency": "EUR"}}], "total": 1}'
    )
    ebay_txn = (
        b'{"transactions": [{"transactionId": "1", "bookingEntry": "CREDIT", '
        b'"amount": {"value": "10.00", "currency": "EUR"}}]}'
    )
    assert not shopify_payments.sniff(ebay, "payouts.json")
    assert not shopify_payments.sniff(ebay_txn, "transactions.json")


# --- errors --------------------------------------------------------------------------


def test_json_errors():
    err = parse_error(shopify_payments, b'{"transactions": [')
    assert err.line == 1
    err = parse_error(shopify_payments, b"[]")
    assert err.line == 1
    err = parse_error(shopify_payments, b"\xff\xfe{}")
    assert err.line == 1
    err = parse_error(shopify_payments, b'{"transactions": {"id": 1}}')
    assert (err.line, err.column) == (1, "transactions")
    txns = [
        {"id": 1, "type": "charge", "currency": "EUR", "amount": "1.00", "fee": "0"},
        {"id": 2, "type": "charge", "currency": "EUR", "amount": "1,0,0", "fee": "0"},
    ]
    err = parse_error(shopify_payments, json.dumps({"transactions": txns}).encode())
    assert (err.line, err.column, err.value) == (2, "transactions[1].amount", "1,0,0")
    txns[1].update(amount="1.00", net="0.50")
    err = parse_error(shopify_payments, json.dumps({"transactions": txns}).encode())
    assert (err.line, err.column) == (2, "transactions[1].net")
    txns[1].update(net=None, currency=None)
    err = parse_error(shopify_payments, json.dumps({"transactions": txns}).encode())
    assert (err.line, err.column) == (2, "transactions[1].currency")
    err = parse_error(shopify_payments, b'{"payouts": [{"id": 1, "currency": "EUR"}]}')
    assert (err.line, err.column) == (1, "payouts[0].amount")
    err = parse_error(shopify_payments, b'{"transactions": [{"id": 1, "amount": NaN}]}')
    assert err.line == 1


def test_csv_errors():
    err = parse_error(shopify_payments_csv, b"")
    assert err.line == 1
    header = b"Transaction Date,Type,Payout ID,Amount,Net,Currency\n"
    err = parse_error(shopify_payments_csv, header)
    assert (err.line, err.column) == (1, "fee")
    header = b"Transaction Date,Type,Payout ID,Amount,Fee,Net,Currency\n"
    ok = b"2024-03-01 10:00:00 +0100,charge,1,10.00,1.00,9.00,EUR\n"
    err = parse_error(shopify_payments_csv, header + ok + ok.replace(b"9.00", b"9.50"))
    assert (err.line, err.column, err.value) == (3, "net", "9.50")
    err = parse_error(
        shopify_payments_csv, header + ok.replace(b"2024-03-01", b"2024-13-01")
    )
    assert (err.line, err.column) == (2, "transaction date")
    err = parse_error(shopify_payments_csv, header + ok.replace(b"EUR", b"EURO"))
    assert (err.line, err.column) == (2, "currency")


# --- properties ----------------------------------------------------------------------

TYPES = [
    "charge",
    "refund",
    "dispute",
    "reserve",
    "adjustment",
    "credit",
    "debit",
    "payout_failure",
    "payout_cancellation",
    "payout",
    "brand_new_type",
]
cents = st.integers(min_value=-(10**9), max_value=10**9)
transactions = st.lists(
    st.tuples(
        st.sampled_from(TYPES),
        cents,
        st.integers(min_value=-500, max_value=5000),
        st.sampled_from([None, 1, 2]),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


def _json_file(txns):
    items = [
        {
            "id": 1000 + i,
            "type": ttype,
            "test": test,
            "payout_id": payout,
            "currency": "EUR",
            "amount": cents_text(amount),
            "fee": cents_text(fee),
            "net": cents_text(amount - fee),
            "processed_at": "2024-03-01T10:00:00+01:00",
            "source_order_id": 5000 + i,
        }
        for i, (ttype, amount, fee, payout, test) in enumerate(txns)
    ]
    return json.dumps({"transactions": items}, indent=1).encode()


def _expected_net(txns):
    """The net per payout ref ("" for none) of ``txns``, and their line count."""
    expected = defaultdict(D)
    count = 0
    for ttype, amount, fee, payout, _test in txns:
        if ttype != "payout":
            expected[str(payout or "")] += D(amount - fee).scaleb(-2)
            count += 1 + (fee != 0)
    return expected, count


@SETTINGS
@given(transactions)
def test_json_round_trip(txns):
    payouts, lines = run(shopify_payments, _json_file(txns))
    expected, count = _expected_net(txns)
    assert all(line.category in CATEGORIES for line in lines)
    got = totals(lines, by="payout_ref")
    assert dict(got) == {k: v for k, v in expected.items() if k in got}
    assert set(got) == set(expected)
    assert len(lines) == count
    assert_keys(lines)
    assert len(payouts) == sum(1 for t in txns if t[0] == "payout" and t[3])


@SETTINGS
@given(
    transactions,
    st.data(),
    st.sampled_from(["amount", "fee", "net", "currency", "processed_at"]),
    st.sampled_from(["#!?", "1,2,3", "", "1e", "--1", [1]]),
)
def test_json_corrupted_field(txns, data, field, garbage):
    content = json.loads(_json_file(txns))
    index = data.draw(st.integers(0, len(txns) - 1))
    if garbage == "" and field in ("processed_at",):
        garbage = "not a date"
    content["transactions"][index][field] = garbage
    err = parse_error(shopify_payments, json.dumps(content).encode())
    assert (err.line, err.column) == (index + 1, f"transactions[{index}].{field}")


@SETTINGS
@given(transactions, st.data(), st.sampled_from([b'"', b"x", b"\xff", b"{", b"\n"]))
def test_json_corrupted_byte(txns, data, byte):
    check_corrupted_byte(shopify_payments, _json_file(txns), data, byte, "c.json")


CSV_HEADER = [
    "Transaction Date",
    "Type",
    "Order",
    "Card Brand",
    "Card Source",
    "Payout Status",
    "Payout Date",
    "Payout ID",
    "Available On",
    "Amount",
    "Fee",
    "Net",
    "Checkout",
    "Payment Method Name",
    "Presentment Amount",
    "Presentment Currency",
    "Currency",
]


def _csv_file(txns):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for i, (ttype, amount, fee, payout, _test) in enumerate(txns):
        paid = payout is not None
        writer.writerow(
            [
                f"2024-03-{1 + i % 28:02d} 10:00:00 +0100",
                ttype,
                f"#{1000 + i % 3}",
                "visa",
                "online",
                "paid" if paid else "pending",
                "2024-03-04" if paid else "",
                str(payout) if paid else "",
                "2024-03-04",
                cents_text(amount),
                cents_text(fee),
                cents_text(amount - fee),
                "",
                "card, wallet",
                cents_text(amount),
                "EUR",
                "EUR",
            ]
        )
    return out.getvalue().encode()


@SETTINGS
@given(transactions)
def test_csv_round_trip(txns):
    payouts, lines = run(shopify_payments_csv, _csv_file(txns))
    expected, count = _expected_net(txns)
    got = totals(lines, by="payout_ref")
    assert set(got) == set(expected)
    assert dict(got) == dict(expected)
    assert len(lines) == count
    assert_keys(lines)
    assert {p.ref for p in payouts} == {str(t[3]) for t in txns if t[3]}
    assert all(p.amount_declared is None for p in payouts)


@SETTINGS
@given(
    transactions,
    st.data(),
    st.sampled_from(
        ["Amount", "Fee", "Net", "Currency", "Transaction Date", "Payout Date"]
    ),
    st.sampled_from(["#!?", "1,2,3", "--1", "12.x"]),
)
def test_csv_corrupted_cell(txns, data, column, garbage):
    rows = csv_rows(_csv_file(txns))
    index = data.draw(st.integers(1, len(rows) - 1))
    if column == "Payout Date" and not rows[index][7]:
        column = "Transaction Date"
    rows[index][CSV_HEADER.index(column)] = garbage
    err = parse_error(shopify_payments_csv, csv_bytes(rows))
    assert (err.line, err.column) == (index + 1, column.lower())


@SETTINGS
@given(transactions, st.data(), st.sampled_from([b'"', b",", b"x", b"\xff", b"\n"]))
def test_csv_corrupted_byte(txns, data, byte):
    check_corrupted_byte(shopify_payments_csv, _csv_file(txns), data, byte, "c.csv")


# --- added checks: summary formula, twin rows across payouts, bounded date cache ----


def test_summary_formula_of_the_fixture_payout():
    # 150.00 - 4.95 - 30.00 + 2.50 - 15.10 - 8.00 = 94.45: the summary explains it.
    payout = json.loads(read("payout_with_transactions.json"))["payout"]
    assert shopify_payments.summary_difference(payout) == D("0.00")
    payout["amount"] = "95.45"
    assert shopify_payments.summary_difference(payout) == D("1.00")
    # A disagreeing summary does not stop the import: the lines are what count.
    data = json.loads(read("payout_with_transactions.json"))
    data["payout"]["summary"]["charges_gross_amount"] = "151.00"
    payouts, lines = run(shopify_payments, json.dumps(data).encode())
    assert payouts[0].amount_declared == sum(ln.amount for ln in lines) == D("94.45")
    assert shopify_payments.summary_difference({"summary": {"x": 1}}) is None
    assert shopify_payments.summary_difference({"amount": "1", "summary": "?"}) is None


def test_csv_identical_rows_in_two_payouts_keep_unique_keys():
    content = read("payout_transactions.csv")

    def twin_in_other_payout(rows):
        twin = list(rows[1])
        twin[5:8] = ["in_transit", "2024-03-07", "90126"]
        return [*rows, twin]

    payouts, lines = run(
        shopify_payments_csv, rewrite_csv(content, twin_in_other_payout)
    )
    assert len(lines) == 18
    assert_keys(lines)
    assert totals(lines, "90126") == {"sale": D("130.00"), "payment_fee": D("-4.20")}


def test_csv_date_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(shopify_payments_csv, "DATE_CACHE_SIZE", 3)
    header = "Transaction Date,Type,Payout Status,Payout ID,Amount,Fee,Net,Currency\n"
    rows = [
        f"2024-03-01 10:{minute:02d}:00 +0100,charge,paid,9,1.00,0.10,0.90,EUR\n"
        for minute in range(10)
    ]
    content = (header + "".join(rows + rows[:2])).encode()
    _, lines = run(shopify_payments_csv, content)
    assert len(lines) == 24
    assert_keys(lines)
    assert [ln.posted_at.minute for ln in lines[::2]] == [*range(10), 0, 1]
    assert all(ln.posted_at.hour == 9 for ln in lines)
