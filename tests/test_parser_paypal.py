"""PayPal transaction search parser (API JSON)."""

import json
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_connectors.core.exceptions import ParseError
from marketplace_connectors.core.parsers import paypal_transactions
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
FILE = "transaction_search.json"
SETTINGS = property_settings()


def read():
    return read_fixture("paypal", FILE)


def run(content, filename="f"):
    return run_parser(paypal_transactions, content, filename)


# Hand-computed from the fixture (12 items):
# | #  | T-code | amount        | fee    | lines                                   |
# |----|--------|---------------|--------|-----------------------------------------|
# | 1  | T0006  | 100.00 EUR    | -3.25  | sale 100.00, payment_fee -3.25          |
# | 2  | T0006  | 45.00 EUR     | -1.88  | sale 45.00, payment_fee -1.88           |
# | 3  | T1107  | -20.00 EUR    | +0.35  | refund -20.00 (partial), payment_fee .35|
# | 4  | T1503  | -30.00 EUR    |        | reserve_hold -30.00                     |
# | 5  | T1105  | 30.00 EUR     |        | reserve_release 30.00                   |
# | 6  | T0200  | -50.00 EUR    |        | fx -50.00                               |
# | 7  | T0200  | 54.10 USD     |        | fx 54.10 (USD)                          |
# | 8  | T0007  | 60.00 USD     | -2.34  | sale 60.00, payment_fee -2.34 (USD)     |
# | 9  | T0400  | -110.00 EUR   | 0.00   | PayoutInfo(declared 110.00), no line    |
# | 10 | T1900  | -1.00 EUR     |        | unknown -1.00                           |
# | 11 | T0100  | -5.00 EUR     |        | payment_fee -5.00                       |
# | 12 | T0006  | 12.50 EUR (P) | 0.00   | sale 12.50                              |
# EUR: sale 157.50, payment_fee -3.25-1.88+0.35-5.00 = -9.78, refund -20,
# reserve -30/+30, fx -50, unknown -1. USD: fx 54.10, sale 60, payment_fee -2.34.
EXPECTED = {
    "EUR": {
        "sale": D("157.50"),
        "payment_fee": D("-9.78"),
        "refund": D("-20.00"),
        "reserve_hold": D("-30.00"),
        "reserve_release": D("30.00"),
        "fx": D("-50.00"),
        "unknown": D("-1.00"),
    },
    "USD": {"fx": D("54.10"), "sale": D("60.00"), "payment_fee": D("-2.34")},
}


def test_fixture_totals_and_payout():
    payouts, lines = run(read(), FILE)
    assert len(lines) == 15
    for currency, expected in EXPECTED.items():
        assert totals(lines, currency=currency) == expected
    assert {line.payout_ref for line in lines} == {""}
    (payout,) = payouts
    assert (payout.ref, payout.currency, payout.amount_declared) == (
        "9IJ01234KL567890M",
        "EUR",
        D("110.00"),
    )
    assert payout.line_no == 9
    assert payout.date_deposit == datetime(2025, 3, 7, 6, tzinfo=UTC)


def test_line_fields_and_keys():
    _, lines = run(read(), FILE)
    first, fee = lines[0], lines[1]
    assert first.external_key == "paypal:1AB23456CD789012E:amount"
    assert fee.external_key == "paypal:1AB23456CD789012E:fee"
    assert (first.raw_type, first.line_no, first.order_ref) == ("T0006", 1, "CMD-1001")
    assert first.posted_at == datetime(2025, 3, 3, 10, tzinfo=UTC)
    keys = [line.external_key for line in lines]
    assert len(set(keys)) == len(keys)
    assert keys == [line.external_key for line in run(read(), FILE)[1]]
    refund = next(line for line in lines if line.category == "refund")
    assert "1AB23456CD789012E" in refund.description


def detail(**values):
    info = {
        "transaction_id": "X1",
        "transaction_event_code": "T0006",
        "transaction_initiation_date": "2025-03-03T10:00:00+0000",
        "transaction_amount": {"currency_code": "EUR", "value": "10.00"},
        "fee_amount": {"currency_code": "EUR", "value": "-0.50"},
        "transaction_status": "S",
    }
    return {"transaction_info": override(info, values)}


def page(*details):
    return json.dumps({"transaction_details": list(details)}).encode()


def test_withdrawal_fee_still_gives_a_line():
    payouts, lines = run(
        page(
            detail(
                transaction_event_code="T0403",
                transaction_amount={"currency_code": "EUR", "value": "-50.00"},
            )
        )
    )
    assert payouts[0].amount_declared == D("50.00")
    assert [(line.category, line.amount) for line in lines] == [
        ("payment_fee", D("-0.50"))
    ]


def test_fee_currency_defaults_to_transaction_currency():
    _, lines = run(page(detail(fee_amount={"value": "-0.30"})))
    assert [line.currency for line in lines] == ["EUR", "EUR"]


@pytest.mark.parametrize(
    "values, column",
    [
        ({"transaction_id": None}, "transaction_id"),
        ({"transaction_amount": None}, "transaction_amount"),
        ({"transaction_amount": {"value": "1"}}, "transaction_amount.currency_code"),
        (
            {"transaction_amount": {"currency_code": "EUR", "value": "1,0,0"}},
            "transaction_amount.value",
        ),
        ({"fee_amount": {"value": True}}, "fee_amount.value"),
        ({"transaction_initiation_date": "3 mars"}, "transaction_initiation_date"),
    ],
)
def test_bad_values(values, column):
    with pytest.raises(ParseError) as info:
        run(page(detail(), detail(**values)), "p.json")
    assert info.value.line == 2
    assert info.value.column == f"transaction_details[1].transaction_info.{column}"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{}",
        b"[]",
        b'{"transaction_details": {}}',
        b'{"transaction_details": [1]}',
    ],
)
def test_garbage(content):
    with pytest.raises(ParseError) as info:
        run(content)
    assert info.value.line is not None


@pytest.mark.parametrize(
    "code, category",
    [
        ("T0006", "sale"),
        ("T0013", "sale"),
        ("T1107", "refund"),
        ("T1106", "refund"),
        ("T1105", "reserve_release"),
        ("T1503", "reserve_hold"),
        ("T0100", "payment_fee"),
        ("T0200", "fx"),
        ("T1201", "unknown"),
        ("", "unknown"),
        ("garbage", "unknown"),
    ],
)
def test_type_map(code, category):
    assert paypal_transactions.category_of(code) == category


def test_sniff():
    head = read()[:65536]
    claimed = sniffed_formats(head, FILE, paypal_transactions)
    assert claimed == ["paypal_transactions_json"]
    for garbage in (b"", b"\xff", b"{}", b'{"transactions": []}'):
        assert not paypal_transactions.sniff(garbage)


# ---------------------------------------------------------------- properties

CODES = ["T0006", "T0007", "T1107", "T1105", "T1503", "T0100", "T0200", "T0400"]
cents = st.integers(min_value=-(10**7), max_value=10**7)
random_rows = st.lists(
    st.tuples(st.sampled_from(CODES), cents, st.integers(-500, 0)),
    min_size=1,
    max_size=25,
)


def build(rows):
    return [
        detail(
            transaction_id=f"X{i}",
            transaction_event_code=code,
            transaction_amount={"currency_code": "EUR", "value": str(D(v).scaleb(-2))},
            fee_amount={"currency_code": "EUR", "value": str(D(f).scaleb(-2))},
        )
        for i, (code, v, f) in enumerate(rows)
    ]


@SETTINGS
@given(random_rows)
def test_random_pages_round_trip(rows):
    payouts, lines = run(page(*build(rows)))
    expected = defaultdict(D)
    declared = D(0)
    for code, value, fee in rows:
        if code == "T0400":
            declared -= D(value).scaleb(-2)
        else:
            expected[paypal_transactions.category_of(code)] += D(value).scaleb(-2)
        if fee:
            expected["payment_fee"] += D(fee).scaleb(-2)
    got = totals(lines)
    assert {k: v for k, v in got.items() if v or k in expected} == {
        k: v for k, v in expected.items() if v or k in got
    }
    assert sum(p.amount_declared for p in payouts) == declared
    keys = [line.external_key for line in lines]
    assert len(set(keys)) == len(keys)


@SETTINGS
@given(random_rows, st.data())
def test_corrupted_value_is_located(rows, data):
    items = build(rows)
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    key = data.draw(
        st.sampled_from(["transaction_amount", "fee_amount", "transaction_id"])
    )
    items[index]["transaction_info"][key] = data.draw(
        st.sampled_from([[1], True, {"value": "1.0.0"}, 7.5])
    )
    with pytest.raises(ParseError) as info:
        run(page(*items))
    assert info.value.line == index + 1
    path = f"transaction_details[{index}].transaction_info.{key}"
    assert info.value.column.startswith(path)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(content):
    check_random_bytes(paypal_transactions, content)
