"""eBay Sell Finances parser: transactions and payouts (API JSON)."""

import json
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_connectors.core.exceptions import ParseError
from marketplace_connectors.core.parsers import ebay_finances
from parser_helpers import (
    check_random_bytes,
    override,
    property_settings,
    read_fixture,
    run_parser,
    sniffed_formats,
    totals,
)

D = Decimal
UTC = timezone.utc
FILE = "finances_transactions_payouts.json"
P1, P2 = "7000000001", "7000000002"
SETTINGS = property_settings()


def read(name=FILE):
    return read_fixture("ebay", name)


def run(content, filename="f"):
    return run_parser(ebay_finances, content, filename)


# Hand-computed from the fixture (12 transactions, 2 payouts):
# | payout | transaction                     | lines                              |
# |--------|---------------------------------|------------------------------------|
# | P1     | SALE 42.71 + fees 0.35+6.94     | sale 50.00, commission -7.29       |
# | P1     | SALE 85.40 + fees 7.98+0.35+6.27| sale 100.00, commission -14.60     |
# |        | (+ a 0.00 INTERNATIONAL_FEE)    | (zero fee: no line)                |
# | P1     | REFUND DEBIT 15.00 (partial)    | refund -15.00                      |
# | P1     | SHIPPING_LABEL DEBIT 6.45       | shipping_fee -6.45                 |
# | P1     | NON_SALE_CHARGE AD_FEE 8.28     | advertising -8.28                  |
# | P1     | NON_SALE_CHARGE INSERTION 0.35  | other_fee -0.35                    |
# | P1     | CREDIT 5.00                     | reimbursement 5.00                 |
# | P1     | DISPUTE DEBIT 20.00             | dispute -20.00                     |
# |        | P1 total = 83.03 = payout.amount                                     |
# | ""     | SALE FUNDS_ON_HOLD 27.65 + 2.35 | sale 30.00, commission -2.35       |
# | ""     | TRANSFER DEBIT 12.00            | adjustment -12.00                  |
# | P2     | SALE 18.42 (from 16.00 GBP)+1.58| sale 20.00, commission -1.58       |
# | P2     | LOAN_REPAYMENT DEBIT 3.00       | unknown -3.00                      |
# |        | P2 total = 15.42 = payout.amount                                     |
EXPECTED = {
    P1: {
        "sale": D("150.00"),
        "commission": D("-21.89"),
        "refund": D("-15.00"),
        "shipping_fee": D("-6.45"),
        "advertising": D("-8.28"),
        "other_fee": D("-0.35"),
        "reimbursement": D("5.00"),
        "dispute": D("-20.00"),
    },
    "": {"sale": D("30.00"), "commission": D("-2.35"), "adjustment": D("-12.00")},
    P2: {"sale": D("20.00"), "commission": D("-1.58"), "unknown": D("-3.00")},
}


def test_fixture_totals_and_payouts():
    payouts, lines = run(read(), FILE)
    assert len(lines) == 19
    for ref, expected in EXPECTED.items():
        assert totals(lines, ref) == expected, ref
    by_ref = {p.ref: p for p in payouts}
    assert by_ref[P1].amount_declared == D("83.03")
    assert by_ref[P1].status == "SUCCEEDED"
    assert by_ref[P1].date_deposit == datetime(2025, 3, 10, 6, 12, 45, tzinfo=UTC)
    assert by_ref[P2].amount_declared == D("15.42")
    for ref in (P1, P2):
        assert sum(totals(lines, ref).values()) == by_ref[ref].amount_declared


def test_sale_lines_sum_to_signed_amount():
    _, lines = run(read(), FILE)
    by_txn = defaultdict(D)
    for line in lines:
        by_txn[line.external_key.split(":")[1]] += line.amount
    assert by_txn["03-11111-11111"] == D("42.71")
    assert by_txn["03-22222-22222"] == D("85.40")
    sale = [line for line in lines if line.line_no == 2]
    assert [line.external_key for line in sale] == [
        "ebay:03-22222-22222:sale",
        "ebay:03-22222-22222:sale:fee:110000000002:0",
        "ebay:03-22222-22222:sale:fee:110000000002:1",
        "ebay:03-22222-22222:sale:fee:110000000003:0",
    ]
    assert [line.order_line_ref for line in sale[1:]] == [
        "110000000002",
        "110000000002",
        "110000000003",
    ]
    assert sale[1].description == "FINAL_VALUE_FEE"
    assert {line.line_no for line in sale} == {2}


def test_hold_multi_currency_and_keys():
    _, lines = run(read(), FILE)
    held = [line for line in lines if line.order_ref == "03-33333-33333"]
    assert {line.payout_ref for line in held} == {""}
    assert "on hold" in held[0].description
    converted = next(line for line in lines if line.order_ref == "03-44444-44444")
    assert "16.00 GBP" in converted.description
    assert converted.currency == "EUR"
    keys = [line.external_key for line in lines]
    assert len(set(keys)) == len(keys)
    assert keys == [line.external_key for line in run(read(), FILE)[1]]


def txn(**values):
    base = {
        "transactionId": "T1",
        "transactionType": "SALE",
        "transactionStatus": "PAYOUT",
        "payoutId": "P",
        "transactionDate": "2025-03-03T10:15:30.000Z",
        "amount": {"value": "9.00", "currency": "EUR"},
        "bookingEntry": "CREDIT",
        "totalFeeAmount": {"value": "1.00", "currency": "EUR"},
        "orderLineItems": [
            {
                "lineItemId": "LI",
                "marketplaceFees": [
                    {
                        "feeType": "FINAL_VALUE_FEE",
                        "amount": {"value": "1.00", "currency": "EUR"},
                    }
                ],
            }
        ],
    }
    return override(base, values)


def page(*transactions, **extra):
    return json.dumps({"transactions": list(transactions), **extra}).encode()


def test_fee_total_mismatch_is_an_error():
    with pytest.raises(ParseError) as info:
        run(page(txn(), txn(totalFeeAmount={"value": "1.50", "currency": "EUR"})))
    assert info.value.line == 2
    assert info.value.column == "transactions[1].totalFeeAmount.value"
    assert info.value.value == "1.50"


def test_debit_sale_and_missing_total_fee():
    _, lines = run(page(txn(bookingEntry="DEBIT", totalFeeAmount=None)))
    assert [line.amount for line in lines] == [D("-8.00"), D("-1.00")]
    assert sum(line.amount for line in lines) == D("-9.00")


@pytest.mark.parametrize(
    "values, column",
    [
        ({"bookingEntry": "BOTH"}, "transactions[0].bookingEntry"),
        ({"bookingEntry": None}, "transactions[0].bookingEntry"),
        ({"amount": {"value": "x", "currency": "EUR"}}, "transactions[0].amount.value"),
        ({"amount": "9.00"}, "transactions[0].amount"),
        ({"amount": {"value": "9"}}, "transactions[0].amount.currency"),
        ({"transactionId": None}, "transactions[0].transactionId"),
        ({"transactionDate": "03/03/25"}, "transactions[0].transactionDate"),
        ({"orderLineItems": {"a": 1}}, "transactions[0].orderLineItems"),
        (
            {
                "orderLineItems": [
                    {"marketplaceFees": [{"amount": {"value": "1", "currency": "GBP"}}]}
                ]
            },
            "transactions[0].orderLineItems[0].marketplaceFees[0].amount.currency",
        ),
    ],
)
def test_bad_values(values, column):
    with pytest.raises(ParseError) as info:
        run(page(txn(**values)), "e.json")
    assert (info.value.line, info.value.column, info.value.filename) == (
        1,
        column,
        "e.json",
    )


@pytest.mark.parametrize(
    "content", [b"", b"[]", b"{}", b'{"transactions": 3}', b"{'a'", b"\xff"]
)
def test_garbage(content):
    with pytest.raises(ParseError) as info:
        run(content)
    assert info.value.line is not None


def test_single_payout_object():
    payout = {
        "payoutId": "9",
        "payoutStatus": "SUCCEEDED",
        "amount": {"value": "10.00", "currency": "GBP"},
        "payoutDate": "2025-03-10T06:12:45.000Z",
    }
    payouts, lines = run(json.dumps(payout).encode())
    assert lines == [] and payouts[0].amount_declared == D("10.00")
    assert payouts[0].currency == "GBP"


@pytest.mark.parametrize(
    "ttype, fee_type, category",
    [
        ("SALE", "", "sale"),
        ("REFUND", "", "refund"),
        ("DISPUTE", "", "dispute"),
        ("CREDIT", "", "reimbursement"),
        ("SHIPPING_LABEL", "", "shipping_fee"),
        ("NON_SALE_CHARGE", "AD_FEE", "advertising"),
        ("NON_SALE_CHARGE", "PROMOTED_LISTINGS_ADVANCED_FEE", "advertising"),
        ("NON_SALE_CHARGE", "ADVANCED_LISTING_FEE", "other_fee"),
        ("NON_SALE_CHARGE", "", "other_fee"),
        ("TRANSFER", "", "adjustment"),
        ("ADJUSTMENT", "", "adjustment"),
        ("WITHDRAWAL", "", "unknown"),
    ],
)
def test_type_map(ttype, fee_type, category):
    assert ebay_finances.category_of(ttype, fee_type) == category


def test_sniff():
    head = read()[:65536]
    claimed = sniffed_formats(head, FILE, ebay_finances)
    assert claimed == ["ebay_finances_json"]
    for garbage in (b"", b"\xff", b"{}", b'{"transactions": []}', b"[1]"):
        assert not ebay_finances.sniff(garbage)


# ---------------------------------------------------------------- properties

cents = st.integers(min_value=0, max_value=10**7)
TYPES = [*ebay_finances.TYPE_MAP, "LOAN_REPAYMENT"]


def amount(value):
    return {"value": str(D(value).scaleb(-2)), "currency": "EUR"}


random_txns = st.lists(
    st.tuples(
        st.sampled_from(TYPES),
        cents,
        st.lists(cents, max_size=4),
        st.sampled_from(["CREDIT", "DEBIT"]),
        st.sampled_from(["P1", "P2", None]),
    ),
    min_size=1,
    max_size=20,
)


def build(rows):
    items = []
    for i, (ttype, value, fees, entry, payout) in enumerate(rows):
        items.append(
            txn(
                transactionId=f"T{i}",
                transactionType=ttype,
                amount=amount(value),
                bookingEntry=entry,
                payoutId=payout,
                totalFeeAmount=amount(sum(fees)),
                orderLineItems=[
                    {
                        "lineItemId": f"LI{i}",
                        "marketplaceFees": [{"amount": amount(f)} for f in fees],
                    }
                ],
            )
        )
    return items


@SETTINGS
@given(random_txns)
def test_random_pages_round_trip(rows):
    _, lines = run(page(*build(rows)))
    expected = defaultdict(D)
    for _, value, _fees, entry, payout in rows:
        sign = 1 if entry == "CREDIT" else -1
        expected[payout or ""] += sign * D(value).scaleb(-2)
    got = totals(lines, by="payout_ref")
    assert {k: v for k, v in got.items()} == {k: v for k, v in expected.items()}
    fees = sum(len([f for f in r[2] if f]) for r in rows if r[0] == "SALE")
    assert len(lines) == len(rows) + fees
    keys = [line.external_key for line in lines]
    assert len(set(keys)) == len(keys)


@SETTINGS
@given(random_txns, st.data())
def test_corrupted_value_is_located(rows, data):
    items = build(rows)
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    key = data.draw(st.sampled_from(["amount", "bookingEntry", "transactionId"]))
    items[index][key] = data.draw(st.sampled_from([[1], True, "", {"value": "1"}]))
    with pytest.raises(ParseError) as info:
        run(page(*items))
    assert info.value.line == index + 1
    assert info.value.column.startswith(f"transactions[{index}].{key}")


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(content):
    check_random_bytes(ebay_finances, content)
