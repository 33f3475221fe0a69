"""Amazon SP-API Finances v0 events of one group (``amazon_finances_json``)."""

import json
from collections import Counter, defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_connectors.core.api.amazon import dumps_exact
from marketplace_connectors.core.exceptions import ParseError
from marketplace_connectors.core.parsers import amazon_finances as fin
from marketplace_connectors.core.parsers import detect, get
from parser_helpers import (
    assert_keys,
    parse_error,
    property_settings,
    read_fixture,
    run_parser,
    sniffed_formats,
    totals,
)

D = Decimal
UTC = timezone.utc
FILE = "group_open_fr_eur.json"
GROUP = "Xk3UP8TBw1ApZ9xqo7XzAb-hTQj8xBqvUXsFs1CJ1ws"
REF = f"FEG-{GROUP}"
SETTINGS = property_settings()


def read(name=FILE):
    return read_fixture("amazon_finances", name)


def run(content, filename="f.json", options=None):
    return run_parser(fin, content, filename, options)


def dump(document):
    return dumps_exact(document).encode()


# --- group_open_fr_eur.json ---------------------------------------------------------
#
# One Open group of Amazon.fr, EUR. Worked by hand (26 money items, 26 lines):
#
# | list / component                     | category        | amounts       | total  |
# |--------------------------------------|-----------------|---------------|--------|
# | Shipment Charge Principal (A, B, C)  | sale            | 59.80 1234.50 | 1306.30|
# |                                      |                 | 12.00         |        |
# | Shipment Charge ShippingCharge (A)   | shipping        | 5.90          |   5.90 |
# | Shipment Charge Tax (A)              | tax             | 9.97          |   9.97 |
# | Shipment TaxWithheld MF VAT (A)      | tax_withheld    | -9.97         |  -9.97 |
# | Shipment Promotion (A)               | promotion       | -5.90         |  -5.90 |
# | Shipment Fee Commission (A, B, C)    | commission      | -8.97 -185.18 | -195.95|
# |                                      |                 | -1.80         |        |
# | Shipment FBAPerUnitFulfillmentFee    | fulfillment_fee | -7.40 -12.35  |  -25.95|
# |   (A, B, C twice: identical items)   |                 | -3.10 -3.10   |        |
# | Shipment ShippingChargeback (A)      | shipping_fee    | -5.90         |        |
# | Adjustment PostageBilling_Postage    | shipping_fee    | -3.20         |  -9.10 |
# | Refund Charge Principal              | refund          | -10.00        | -10.00 |
# | Refund Commission + RefundCommission | refund_fee      | 1.50 -0.30    |   1.20 |
# | ServiceFee Subscription              | subscription    | -39.00        | -39.00 |
# | ServiceFee FBAStorageFee             | storage_fee     | -12.34        | -12.34 |
# | ProductAds transactionValue          | advertising     | -45.67        | -45.67 |
# | Adjustment FBAInventoryReimbursement | reimbursement   | 17.25         |  17.25 |
# | SellerDealPayment totalAmount        | unknown         | -72.00        |        |
# | BrandNewEventList Amount, Detail.Fee | unknown         | -1.11 -0.10   | -73.21 |
# | total                                |                 |               |  913.53|
#
# ProductAds: transactionValue = baseValue -38.06 + taxValue -7.61, one line. Seller
# deal: totalAmount = fee -60.00 + tax -12.00, one line. 913.53 is also the group's
# OriginalTotal (not used: an open group declares no payout amount).
EXPECTED = {
    "sale": D("1306.30"),
    "shipping": D("5.90"),
    "tax": D("9.97"),
    "tax_withheld": D("-9.97"),
    "promotion": D("-5.90"),
    "commission": D("-195.95"),
    "fulfillment_fee": D("-25.95"),
    "shipping_fee": D("-9.10"),
    "refund": D("-10.00"),
    "refund_fee": D("1.20"),
    "subscription": D("-39.00"),
    "storage_fee": D("-12.34"),
    "advertising": D("-45.67"),
    "reimbursement": D("17.25"),
    "unknown": D("-73.21"),
}
EXPECTED_TOTAL = D("913.53")


def test_worked_example_totals():
    payouts, lines = run(read(), FILE)
    assert len(lines) == 26
    assert totals(lines, REF) == EXPECTED
    assert sum(EXPECTED.values()) == EXPECTED_TOTAL
    assert all(isinstance(line.amount, Decimal) for line in lines)
    assert {line.currency for line in lines} == {"EUR"}
    assert payouts == [
        fin.PayoutInfo(
            ref=REF,
            currency="EUR",
            amount_declared=None,
            date_start=datetime(2026, 3, 15, 6, 30, 12, tzinfo=UTC),
            status="Open",
            line_no=1,
        )
    ]
    assert_keys(lines)
    assert all(line.external_key.startswith(f"amzfin:{GROUP}:") for line in lines)


def test_worked_example_details():
    _, lines = run(read(), FILE)
    first = [line for line in lines if line.order_ref == "405-1000001-0000001"]
    assert [(line.raw_type, line.line_no) for line in first[:3]] == [
        ("Order/ItemPrice/Principal", 1),
        ("Order/ItemPrice/ShippingCharge", 1),
        ("Order/ItemPrice/Tax", 1),
    ]
    assert first[0].sku == "LAMP-01"
    assert first[0].order_line_ref == "10000000000001"
    assert first[0].quantity == D(2)
    assert first[0].posted_at == datetime(2026, 3, 16, 10, 11, 12, tzinfo=UTC)
    refund = [line for line in first if line.raw_type.startswith("Refund/")]
    assert [line.order_line_ref for line in refund] == ["20000000000001"] * 3
    assert [line.line_no for line in refund] == [1, 1, 1]
    promotion = next(line for line in lines if line.category == "promotion")
    assert promotion.description == "FR-Core Free Shipping"
    # Two identical FBA fee items: two lines, keys differing only by the occurrence.
    mugs = [
        line.external_key
        for line in lines
        if line.sku == "MUG-03" and line.category == "fulfillment_fee"
    ]
    assert len(mugs) == 2 and mugs[0][:-2] == mugs[1][:-2]
    assert (mugs[0][-2:], mugs[1][-2:]) == (":0", ":1")
    by_type = {line.raw_type: line for line in lines}
    ads = by_type["ProductAdsPaymentEventList/Charge"]
    assert (ads.amount, ads.posted_at.day) == (D("-45.67"), 19)
    assert by_type["AdjustmentEventList/FBAInventoryReimbursement"].sku == "LAMP-01"
    assert by_type["ServiceFeeEventList/Subscription"].description == (
        "Pro seller subscription"
    )
    assert by_type["SellerDealPaymentEventList/totalAmount"].amount == D("-72.00")
    assert by_type["BrandNewEventList/Fee"].amount == D("-0.10")


def test_keys_do_not_depend_on_order():
    """A re-read of the group with lists and events in another order: same keys."""
    document = json.loads(read(), parse_float=Decimal)
    events = document["FinancialEvents"]
    shuffled = {name: events[name] for name in reversed(list(events))}
    for items in shuffled.values():
        if isinstance(items, list):
            items.reverse()
    document["FinancialEvents"] = shuffled
    _, lines = run(read(), FILE)
    _, moved = run(dump(document), FILE)
    assert sorted(line.external_key for line in moved) == sorted(
        line.external_key for line in lines
    )
    assert totals(moved) == EXPECTED


def test_raw_api_answer_and_string_amounts():
    events = json.loads(read(), parse_float=Decimal)["FinancialEvents"]
    answer = {"payload": {"NextToken": "abc", "FinancialEvents": events}}
    payouts, lines = run(dump(answer))
    assert payouts == []
    assert {line.payout_ref for line in lines} == {""}
    assert totals(lines) == EXPECTED
    text = json.dumps(answer, default=str).encode()  # amounts as "12.30" strings
    assert totals(run(text)[1]) == EXPECTED


def group_file(events, **group):
    base = {
        "FinancialEventGroupId": "G1",
        "ProcessingStatus": "Open",
        "FinancialEventGroupStart": "2026-03-01T00:00:00Z",
    }
    base.update(group)
    return dump({"FinancialEventGroup": base, "FinancialEvents": events})


def money(amount, currency="EUR"):
    return {"CurrencyCode": currency, "CurrencyAmount": D(amount)}


def test_group_without_currency_takes_the_lines_one():
    events = {"ServiceFeeEventList": [{"FeeList": [money_fee("Subscription", "-1")]}]}
    payouts, lines = run(group_file(events))
    assert payouts[0].currency == "EUR" and payouts[0].ref == "FEG-G1"
    assert run(group_file({}))[0] == []  # nothing to say yet
    payouts, _ = run(group_file({}, OriginalTotal=money("0", "GBP")))
    assert payouts[0].currency == "GBP"


def money_fee(kind, amount):
    return {"FeeType": kind, "FeeAmount": money(amount)}


def test_shipment_money_outside_the_v2_vocabulary_is_unknown():
    event = {
        "AmazonOrderId": "1",
        "ShipmentItemList": [
            {
                "SellerSKU": "S",
                "CostOfPointsGranted": money("-0.50"),
                "ItemChargeList": [
                    {"ChargeType": "Principal", "ChargeAmount": money("5")}
                ],
            }
        ],
        "DirectPaymentList": [
            {
                "DirectPaymentType": "StoredValueCardRevenue",
                "DirectPaymentAmount": money("1"),
            }
        ],
    }
    _, lines = run(group_file({"ShipmentEventList": [event]}))
    assert [(line.category, line.raw_type, line.amount) for line in lines] == [
        ("unknown", "Order/CostOfPointsGranted", D("-0.50")),
        ("sale", "Order/ItemPrice/Principal", D("5")),
        ("unknown", "Order/DirectPayment/StoredValueCardRevenue", D("1")),
    ]


def test_claims_chargebacks_and_reserve():
    def charge(amount):
        return {
            "ShipmentItemAdjustmentList": [
                {
                    "ItemChargeAdjustmentList": [
                        {"ChargeType": "Principal", "ChargeAmount": money(amount)}
                    ]
                }
            ]
        }

    events = {
        "GuaranteeClaimEventList": [charge("-20")],
        "ChargebackEventList": [charge("-30")],
        "AdjustmentEventList": [
            {"AdjustmentType": "ReserveEvent", "AdjustmentAmount": money("-50")},
            {"AdjustmentType": "ReserveEvent", "AdjustmentAmount": money("40")},
        ],
    }
    _, lines = run(group_file(events))
    assert totals(lines) == {
        "dispute": D("-50"),
        "reserve_hold": D("-50"),
        "reserve_release": D("40"),
    }


@pytest.mark.parametrize(
    "list_name, event, column",
    [
        (
            "ShipmentEventList",
            {"ShipmentItemList": [{"ItemFeeList": [{"FeeType": "Commission"}]}]},
            "ShipmentEventList[0].ShipmentItemList[0].ItemFeeList[0].FeeAmount",
        ),
        (
            "ShipmentEventList",
            {
                "ShipmentItemList": [
                    {"ItemFeeList": [money_fee("Commission", "1"), {"FeeAmount": 3}]}
                ]
            },
            "ShipmentEventList[0].ShipmentItemList[0].ItemFeeList[1].FeeAmount",
        ),
        (
            "ShipmentEventList",
            {"PostedDate": "16/03/26 10h"},
            "ShipmentEventList[0].PostedDate",
        ),
        (
            "ShipmentEventList",
            {"ShipmentItemList": [{"QuantityShipped": "two"}]},
            "ShipmentEventList[0].ShipmentItemList[0].QuantityShipped",
        ),
        (
            "ShipmentEventList",
            {"ShipmentItemList": {"SellerSKU": "S"}},
            "ShipmentEventList[0].ShipmentItemList",
        ),
        (
            "ProductAdsPaymentEventList",
            {"transactionType": "Charge", "baseValue": money("-1")},
            "ProductAdsPaymentEventList[0].transactionValue",
        ),
        (
            "ServiceFeeEventList",
            {"FeeList": [{"FeeAmount": {"CurrencyCode": "EURO", "CurrencyAmount": 1}}]},
            "ServiceFeeEventList[0].FeeList[0].FeeAmount.CurrencyCode",
        ),
        (
            "AdjustmentEventList",
            {"AdjustmentAmount": {"CurrencyCode": "EUR", "CurrencyAmount": "1,2,3"}},
            "AdjustmentEventList[0].AdjustmentAmount.CurrencyAmount",
        ),
        ("RefundEventList", [1], "RefundEventList[0]"),
    ],
)
def test_bad_values_are_located(list_name, event, column):
    other = {"AdjustmentType": "X", "AdjustmentAmount": money("1")}
    events = {"AdjustmentEventList": [other], list_name: [event]}
    if list_name == "AdjustmentEventList":
        events[list_name] = [other, event]
    error = parse_error(fin, group_file(events), filename="bad.json")
    assert error.line == (2 if list_name == "AdjustmentEventList" else 1)
    expected = column.replace("AdjustmentEventList[0]", "AdjustmentEventList[1]")
    assert error.column == expected


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"[]",
        b"{}",
        b'{"FinancialEvents": []}',
        b'{"FinancialEvents": {"ShipmentEventList": {}}}',
        b'{"payload": 3}',
        b'{"FinancialEventGroup": {"ProcessingStatus": "Open"}, "FinancialEvents": {}}',
        b'{"FinancialEvents": {"X": [{"A": {"CurrencyAmount": NaN}}]}}',
        b"\xff",
    ],
)
def test_garbage(content):
    error = parse_error(fin, content, filename="g.json")
    assert error.line is not None


def test_registry_and_sniff():
    assert get("amazon_finances_json") is fin
    head = read()[:65536]
    assert fin.sniff(head, FILE)
    # Explicit only: no parser claims the file by its content, detection refuses it.
    assert sniffed_formats(head, FILE) == []
    with pytest.raises(ParseError):
        detect(head, FILE, "amazon")
    for garbage in (b"", b"\xff", b"{}", b'{"transactions": []}', b"[1]"):
        assert not fin.sniff(garbage)


# ---------------------------------------------------------------- properties

cents = st.integers(min_value=-(10**8), max_value=10**8)
# (component list, type key, money key, type, V2 transaction-type) -> category.
ORDER_PARTS = [
    ("ItemChargeList", "ChargeType", "ChargeAmount", "Principal", "sale"),
    ("ItemChargeList", "ChargeType", "ChargeAmount", "ShippingCharge", "shipping"),
    ("ItemFeeList", "FeeType", "FeeAmount", "Commission", "commission"),
    ("ItemFeeList", "FeeType", "FeeAmount", "FBAWeightBasedFee", "fulfillment_fee"),
    ("ItemFeeList", "FeeType", "FeeAmount", "SomeNewFee", "other_fee"),
    ("PromotionList", "PromotionType", "PromotionAmount", "Any", "promotion"),
]
REFUND_PARTS = [
    ("ItemChargeAdjustmentList", "ChargeType", "ChargeAmount", "Principal", "refund"),
    ("ItemFeeAdjustmentList", "FeeType", "FeeAmount", "Commission", "refund_fee"),
    ("PromotionAdjustmentList", "PromotionType", "PromotionAmount", "X", "promotion"),
]
parts = st.lists(st.tuples(st.integers(0, 5), cents), max_size=5)
order_events = st.lists(st.lists(parts, min_size=1, max_size=3), max_size=5)
refund_events = st.lists(st.lists(parts, max_size=2), max_size=3)
flat_events = st.lists(
    st.tuples(st.sampled_from(["fee", "ads", "adjustment", "mystery"]), cents),
    max_size=8,
)
FLAT = {
    "fee": ("ServiceFeeEventList", "subscription"),
    "ads": ("ProductAdsPaymentEventList", "advertising"),
    "adjustment": ("AdjustmentEventList", "reimbursement"),
    "mystery": ("MysteryEventList", "unknown"),
}


def amount(value):
    return money(D(value).scaleb(-2))


def shipment_event(items, vocabulary, item_list, expected):
    built = []
    for parts_of_item in items:
        item = {"SellerSKU": "S", "QuantityShipped": 1}
        for choice, value in parts_of_item:
            key, type_key, money_key, kind, category = vocabulary[
                choice % len(vocabulary)
            ]
            item.setdefault(key, []).append({type_key: kind, money_key: amount(value)})
            expected[category] += D(value).scaleb(-2)
        built.append(item)
    return {
        "AmazonOrderId": "405-1",
        "PostedDate": "2026-03-16T10:00:00Z",
        item_list: built,
    }


def flat_event(kind, value):
    if kind == "fee":
        return {"FeeList": [money_fee("Subscription", D(value).scaleb(-2))]}
    if kind == "ads":
        return {"transactionType": "Charge", "transactionValue": amount(value)}
    if kind == "adjustment":
        return {
            "AdjustmentType": "FBAInventoryReimbursement",
            "AdjustmentAmount": amount(value),
        }
    return {"Amount": amount(value)}


def build_events(orders, refunds, flats):
    """``FinancialEvents`` and the expected total per category."""
    expected = defaultdict(D)
    events = {
        "ShipmentEventList": [
            shipment_event(items, ORDER_PARTS, "ShipmentItemList", expected)
            for items in orders
        ],
        "RefundEventList": [
            shipment_event(items, REFUND_PARTS, "ShipmentItemAdjustmentList", expected)
            for items in refunds
        ],
    }
    for kind, value in flats:
        name, category = FLAT[kind]
        events.setdefault(name, []).append(flat_event(kind, value))
        expected[category] += D(value).scaleb(-2)
    return events, expected


def money_count(orders, refunds, flats):
    items = [item for event in orders + refunds for item in event]
    return sum(len(parts_of_item) for parts_of_item in items) + len(flats)


@SETTINGS
@given(order_events, refund_events, flat_events)
def test_random_events_round_trip(orders, refunds, flats):
    events, expected = build_events(orders, refunds, flats)
    payouts, lines = run(group_file(events))
    assert len(lines) == money_count(orders, refunds, flats)
    got = totals(lines, "FEG-G1")
    assert {k: v for k, v in got.items() if v} == {
        k: v for k, v in expected.items() if v
    }
    assert set(got) <= set(expected)
    assert_keys(lines)
    if lines:
        assert [(p.ref, p.currency) for p in payouts] == [("FEG-G1", "EUR")]
    else:
        assert payouts == []
    # The same content read again gives the same keys, in the same order.
    assert [line.external_key for line in run(group_file(events))[1]] == [
        line.external_key for line in lines
    ]


BAD_AMOUNTS = ["x", True, [1], {"a": 1}, "", "1.2.3"]


@SETTINGS
@given(order_events.filter(bool), refund_events, flat_events, st.data())
def test_corrupted_amount_is_located(orders, refunds, flats, data):
    events, _ = build_events(orders, refunds, flats)
    index = data.draw(st.integers(0, len(orders) - 1))
    event = events["ShipmentEventList"][index]
    targets = [
        (i, key, n)
        for i, item in enumerate(event["ShipmentItemList"])
        for key in item
        if key.endswith("List")
        for n in range(len(item[key]))
    ]
    bad = data.draw(st.sampled_from(BAD_AMOUNTS))
    if targets:
        i, key, n = data.draw(st.sampled_from(targets))
        component = event["ShipmentItemList"][i][key][n]
        money_key = next(k for k in component if k.endswith("Amount"))
        component[money_key]["CurrencyAmount"] = bad
        column = f"ShipmentEventList[{index}].ShipmentItemList[{i}].{key}[{n}]"
    else:
        event["PostedDate"] = data.draw(st.sampled_from(["nope", 12, "2026-13-01"]))
        column = f"ShipmentEventList[{index}].PostedDate"
    error = parse_error(fin, group_file(events), filename="bad.json")
    assert error.line == index + 1
    assert error.column.startswith(column)


@SETTINGS
@given(order_events, flat_events, st.data())
def test_corrupted_structure_never_crashes(orders, flats, data):
    events, _ = build_events(orders, [], flats)
    text = dump({"FinancialEvents": events}).decode()
    position = data.draw(st.integers(0, len(text) - 1))
    junk = data.draw(st.sampled_from(['"', "{", "]", "null", "1", ",", "x"]))
    content = (text[:position] + junk + text[position + 1 :]).encode()
    try:
        run(content)
    except ParseError as error:
        assert error.line is not None and error.line >= 1


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(content):
    fin.sniff(content, "x")
    try:
        run(content)
    except ParseError as error:
        assert error.line is not None


def test_counts_of_the_worked_example():
    _, lines = run(read(), FILE)
    assert Counter(line.category for line in lines) == {
        "sale": 3,
        "shipping": 1,
        "tax": 1,
        "tax_withheld": 1,
        "promotion": 1,
        "commission": 3,
        "fulfillment_fee": 4,
        "shipping_fee": 2,
        "refund": 1,
        "refund_fee": 2,
        "subscription": 1,
        "storage_fee": 1,
        "advertising": 1,
        "reimbursement": 1,
        "unknown": 3,
    }
