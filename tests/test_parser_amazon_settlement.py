"""Amazon settlement report, flat file V2 (``amazon_settlement_v2``)."""

import random
from collections import Counter, defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st
from marketplace_connectors.core.categories import CATEGORIES
from marketplace_connectors.core.exceptions import ParseError
from marketplace_connectors.core.parsers import amazon_settlement as amz
from marketplace_connectors.core.records import Line, PayoutInfo
from parser_helpers import (
    assert_keys,
    parse_error,
    property_settings,
    read_fixture,
    replace_cell,
    run_parser,
    totals,
)

D = Decimal
UTC = timezone.utc
DIR = FIXTURES / "amazon"
COLS = amz.COLUMNS
SETTINGS = property_settings()


def read(name):
    return read_fixture("amazon", name)


def run(content, filename="f.txt", options=None):
    return run_parser(amz, content, filename, options)


def counts(lines):
    return dict(Counter(line.category for line in lines))


def error(content, options=None):
    return parse_error(amz, content, options, filename="bad.txt")


def build(rows, cols=COLS, newline="\n"):
    """A file from dict rows (missing cells empty)."""
    lines = ["\t".join(cols)]
    lines += ["\t".join(row.get(c, "") for c in cols) for row in rows]
    return (newline.join(lines) + newline).encode()


def summary(sid="1", total="0,00", currency="EUR", **extra):
    row = {
        "settlement-id": sid,
        "settlement-start-date": "01.03.2026 00:00:00 UTC",
        "settlement-end-date": "15.03.2026 00:00:00 UTC",
        "deposit-date": "17.03.2026 00:00:00 UTC",
        "total-amount": total,
        "currency": currency,
    }
    row.update(extra)
    return row


def row(amount, sid="1", triple=("Order", "ItemPrice", "Principal"), **extra):
    result = {
        "settlement-id": sid,
        "transaction-type": triple[0],
        "amount-type": triple[1],
        "amount-description": triple[2],
        "amount": amount,
        "posted-date": "05.03.2026",
        "posted-date-time": "05.03.2026 10:00:00 UTC",
    }
    result.update({k.replace("_", "-"): v for k, v in extra.items()})
    return result


# --- settlement_fr_eur.txt ------------------------------------------------------------
#
# Amazon.fr, EUR, decimal comma, EU dates, 24 columns, LF. Worked by hand:
#
# |rows                                |category       | amounts            | total   |
# |------------------------------------|---------------|--------------------|---------|
# |Order/ItemPrice/Principal (A, B, D) |sale           | 59,80 1234,50 12,00| 1306.30 |
# |Order/ItemPrice/Shipping (A)        |shipping       | 5,90               | 5.90    |
# |Order/Promotion/Shipping (A)        |promotion      | -5,90              | -5.90   |
# |Order/ItemFees/Commission (A, B, D) |commission     | -8,97 -185,18 -1,80| -195.95 |
# |FBAPerUnitFulfillmentFee (A,B,D,D)  |fulfillment_fee| -7,40 -12,35 -3,10 | -25.95  |
# |                                    |               |  -3,10 (identical) |         |
# |Order/ItemFees/ShippingChargeback   |shipping_fee   | -5,90              | -5.90   |
# |Refund/ItemPrice/Principal (partial)|refund         | -10,00             | -10.00  |
# |Refund Commission + RefundCommission|refund_fee     | 1,50 -0,30         | 1.20    |
# |ServiceFee/Cost of Advertising      |advertising    | -45,67             | -45.67  |
# |other-transaction/Storage Fee       |storage_fee    | -12,34             | -12.34  |
# |Other-Transaction/Subscription Fee  |subscription   | -39,00             | -39.00  |
# |Previous Reserve Amount Balance     |reserve_release| 150,00             | 150.00  |
# |Current Reserve Amount              |reserve_hold   | -200,00            | -200.00 |
# |FBA Inventory Reimbursement         |reimbursement  | 17,25              | 17.25   |
# |Liquidations/Liquidations/...       |unknown        | -3,21              | -3.21   |
# |23 detail rows                      |               |                    | 936.73  |
#
# 936.73 is the summary row's total-amount. Order D has two identical FBA fee rows.
FR_TOTALS = {
    "sale": D("1306.30"),
    "shipping": D("5.90"),
    "promotion": D("-5.90"),
    "commission": D("-195.95"),
    "fulfillment_fee": D("-25.95"),
    "shipping_fee": D("-5.90"),
    "refund": D("-10.00"),
    "refund_fee": D("1.20"),
    "advertising": D("-45.67"),
    "storage_fee": D("-12.34"),
    "subscription": D("-39.00"),
    "reserve_release": D("150.00"),
    "reserve_hold": D("-200.00"),
    "reimbursement": D("17.25"),
    "unknown": D("-3.21"),
}
FR_COUNTS = dict.fromkeys(FR_TOTALS, 1) | {
    "sale": 3,
    "commission": 3,
    "fulfillment_fee": 4,
    "refund_fee": 2,
}


def test_fr_settlement_totals():
    payouts, lines = run(read("settlement_fr_eur.txt"))
    assert payouts == [
        PayoutInfo(
            ref="12345678901",
            currency="EUR",
            amount_declared=D("936.73"),
            date_start=datetime(2026, 3, 1, tzinfo=UTC),
            date_end=datetime(2026, 3, 15, tzinfo=UTC),
            date_deposit=datetime(2026, 3, 17, 6, 30, tzinfo=UTC),
            line_no=2,
        )
    ]
    assert len(lines) == 23
    assert totals(lines) == FR_TOTALS
    assert counts(lines) == FR_COUNTS
    assert sum(line.amount for line in lines) == D("936.73")
    assert {line.currency for line in lines} == {"EUR"}
    assert {line.payout_ref for line in lines} == {"12345678901"}
    assert [line.line_no for line in lines] == list(range(3, 26))
    assert_keys(lines)


def test_fr_settlement_line_fields():
    _, lines = run(read("settlement_fr_eur.txt"))
    first = lines[0]
    assert first.raw_type == "Order/ItemPrice/Principal"
    assert first.order_ref == "405-1000001-0000001"
    assert first.order_line_ref == "10000000000001"
    assert first.sku == "LAMP-01"
    assert first.quantity == D(2)
    assert first.posted_at == datetime(2026, 3, 5, 10, 11, 12, tzinfo=UTC)
    refund = next(line for line in lines if line.category == "refund")
    # A refund has no order-item-code: its line is the merchant adjustment item.
    assert refund.order_line_ref == "MAI-3"
    assert refund.description == "adjustment 70000000001"
    assert next(li for li in lines if li.category == "subscription").raw_type == (
        "Other-Transaction/Other-Transaction/Subscription Fee"
    )
    storage = next(line for line in lines if line.category == "storage_fee")
    assert storage.quantity == D(0) and storage.order_ref == ""
    big = next(line for line in lines if line.sku == "MUG-02")
    assert big.amount == D("1234.50")
    # The two identical FBA fee rows of order D: same content hash, ranks 0 and 1.
    fees = [li for li in lines if li.sku == "PEN-04" and li.amount == D("-3.10")]
    assert [key.rsplit(":", 1)[1] for key in (f.external_key for f in fees)] == [
        "0",
        "1",
    ]
    assert (
        fees[0].external_key.rsplit(":", 1)[0] == fees[1].external_key.rsplit(":", 1)[0]
    )


def test_keys_are_deterministic_and_independent_of_row_and_column_order():
    content = read("settlement_fr_eur.txt")
    _, lines = run(content)
    _, again = run(content)
    assert [li.external_key for li in lines] == [li.external_key for li in again]
    assert all(li.external_key.startswith("amz:12345678901:") for li in lines)
    # Reorder rows and columns, CRLF line ends: same keys, same totals.
    text = content.decode()
    header, summary_row, *details = [t.split("\t") for t in text.splitlines()]
    order = list(range(len(header)))
    random.Random(3).shuffle(order)
    random.Random(4).shuffle(details)
    shuffled = "\r\n".join(
        "\t".join(cells[i] for i in order) for cells in [header, summary_row, *details]
    )
    _, moved = run(shuffled.encode() + b"\r\n")
    assert sorted(li.external_key for li in moved) == sorted(
        li.external_key for li in lines
    )
    assert totals(moved) == FR_TOTALS


# --- settlement_us_usd.txt ------------------------------------------------------------
#
# Amazon.com, USD, decimal point, ISO dates; UTF-8 BOM, CRLF, 23 columns (no
# promotion-id), two trailing empty lines. Worked by hand:
#
# | category        | rows                                                  | total   |
# |-----------------|-------------------------------------------------------|---------|
# | sale            | 49.99 + 59.97                                         | 109.96  |
# | shipping        | 5.99                                                  | 5.99    |
# | tax             | Tax 4.12 + ShippingTax 0.49 + Tax 5.25 + refund -1.75 | 8.11    |
# | tax_withheld    | -4.12 - 0.49 - 5.25 + refund 1.75 (facilitator)       | -8.11   |
# | commission      | -8.40 - 9.00                                          | -17.40  |
# | shipping_fee    | ShippingHB -1.20 + Shipping label purchase -7.85      | -9.05   |
# | fulfillment_fee | -11.79                                                | -11.79  |
# | refund          | Refund Principal -19.99 (partial: 1 of 3 units)       | -19.99  |
# | refund_fee      | Commission back 3.00 + RefundCommission -0.60         | 2.40    |
# | dispute         | A-to-z Principal -25.00                               | -25.00  |
# | dispute_fee     | A-to-z Commission back 3.75                           | 3.75    |
# | advertising     | Refund for Advertiser 12.50                           | 12.50   |
# | 22 rows         | tax + tax_withheld = 0                                | 51.37   |
US_TOTALS = {
    "sale": D("109.96"),
    "shipping": D("5.99"),
    "tax": D("8.11"),
    "tax_withheld": D("-8.11"),
    "commission": D("-17.40"),
    "shipping_fee": D("-9.05"),
    "fulfillment_fee": D("-11.79"),
    "refund": D("-19.99"),
    "refund_fee": D("2.40"),
    "dispute": D("-25.00"),
    "dispute_fee": D("3.75"),
    "advertising": D("12.50"),
}


def test_us_settlement_totals():
    content = read("settlement_us_usd.txt")
    assert content.startswith(b"\xef\xbb\xbf") and b"\r\n\r\n\r\n" in content
    payouts, lines = run(content)
    (payout,) = payouts
    assert (payout.ref, payout.currency, payout.amount_declared) == (
        "23456789012",
        "USD",
        D("51.37"),
    )
    assert payout.date_deposit == datetime(2026, 3, 17, 8, tzinfo=UTC)
    assert len(lines) == 22
    assert totals(lines) == US_TOTALS
    assert totals(lines)["tax"] + totals(lines)["tax_withheld"] == 0
    assert sum(line.amount for line in lines) == payout.amount_declared
    assert lines[-1].line_no == 24
    assert lines[0].posted_at == datetime(2026, 3, 4, 16, 20, tzinfo=UTC)
    assert lines[8].quantity == D(3)
    assert_keys(lines)


def test_promotion_id_column_absent_or_empty_gives_same_keys():
    content = read("settlement_us_usd.txt").decode("utf-8-sig")
    with_column = "\r\n".join(
        f"{text}\t{'promotion-id' if i == 0 else ''}" if text else text
        for i, text in enumerate(content.split("\r\n"))
    )
    _, lines = run(content.encode())
    _, again = run(with_column.encode())
    assert [li.external_key for li in lines] == [li.external_key for li in again]


# --- settlement_negative_de.txt -------------------------------------------------------
#
# Amazon.de, EUR, the 24 columns shuffled; the seller owes Amazon:
#
# | category        | rows                                          | total    |
# |-----------------|-----------------------------------------------|----------|
# | subscription    | -39,00                                        | -39.00   |
# | storage_fee     | Storage Fee -58,20 + StorageRenewalBilling -120,00 | -178.20  |
# | sale            | 19,99                                         | 19.99    |
# | commission      | -3,00                                         | -3.00    |
# | fulfillment_fee | FBA fee -4,25, DisposalComplete -2,50, Inbound -14,80 | -21.55 |
# | 8 rows          |                                               | -221.76  |


def test_negative_settlement():
    payouts, lines = run(read("settlement_negative_de.txt"))
    (payout,) = payouts
    assert payout.amount_declared == D("-221.76")
    assert payout.date_start == datetime(2026, 3, 15, tzinfo=UTC)
    assert totals(lines) == {
        "subscription": D("-39.00"),
        "storage_fee": D("-178.20"),
        "sale": D("19.99"),
        "commission": D("-3.00"),
        "fulfillment_fee": D("-21.55"),
    }
    assert len(lines) == 8
    assert sum(line.amount for line in lines) == payout.amount_declared
    disposal = next(li for li in lines if "DisposalComplete" in li.raw_type)
    assert (disposal.sku, disposal.quantity) == ("BAG-09", D(2))
    assert_keys(lines)


# --- settlement_unbalanced_it.txt -----------------------------------------------------
# Declared 100,00; rows 80,00 - 12,00 - 3,50 = 64,50. The parser keeps both: the ORM
# compares them and flags the payout.


def test_unbalanced_settlement_keeps_its_declared_total():
    payouts, lines = run(read("settlement_unbalanced_it.txt"))
    assert payouts[0].amount_declared == D("100.00")
    assert sum(line.amount for line in lines) == D("64.50")
    assert totals(lines) == {
        "sale": D("80.00"),
        "commission": D("-12.00"),
        "fulfillment_fee": D("-3.50"),
    }


# --- settlement_cp1252_fr.txt ---------------------------------------------------------
# Windows-1252, CRLF: 25,00 - 3,75 - 1,25 (an unknown "Frais de dépôt") = 20,00.


def test_cp1252_settlement():
    content = read("settlement_cp1252_fr.txt")
    assert "THÉIÈRE".encode("cp1252") in content
    payouts, lines = run(content)
    assert payouts[0].amount_declared == D("20.00") == sum(li.amount for li in lines)
    assert lines[0].sku == "THÉIÈRE-01"
    assert lines[2].raw_type == "other-transaction/other-transaction/Frais de dépôt"
    assert lines[2].category == "unknown"


# --- vocabulary -----------------------------------------------------------------------

TRIPLES = [
    ("Order", "ItemPrice", "Principal", "sale"),
    ("Order", "ItemPrice", "Shipping", "shipping"),
    ("Order", "ItemPrice", "GiftWrap", "shipping"),
    ("Order", "ItemPrice", "Tax", "tax"),
    ("Order", "ItemPrice", "ShippingTax", "tax"),
    ("Order", "ItemPrice", "GiftWrapTax", "tax"),
    ("Order", "ItemPrice", "RegulatoryFee", "tax"),
    ("Order", "ItemWithheldTax", "MarketplaceFacilitatorVAT-Principal", "tax_withheld"),
    ("Order", "ItemWithheldTax", "TCS-CGST", "tax_withheld"),
    ("Order", "Promotion", "Principal", "promotion"),
    ("Order", "Promotion", "TaxDiscount", "promotion"),
    ("Order", "ItemFees", "Commission", "commission"),
    ("Order", "ItemFees", "FBAPerOrderFulfillmentFee", "fulfillment_fee"),
    ("Order", "ItemFees", "FBAWeightBasedFee", "fulfillment_fee"),
    ("Order", "ItemFees", "ShippingChargeback", "shipping_fee"),
    ("Order", "ItemFees", "ShippingHB", "shipping_fee"),
    ("Order", "ItemFees", "GiftwrapChargeback", "shipping_fee"),
    ("Order", "ItemFees", "VariableClosingFee", "other_fee"),
    ("Order", "ItemFees", "DigitalServicesFee", "other_fee"),
    ("Refund", "ItemPrice", "Principal", "refund"),
    ("Refund", "ItemPrice", "Goodwill", "refund"),
    ("Refund", "ItemPrice", "RestockingFee", "refund"),
    ("Refund", "ItemPrice", "Tax", "tax"),
    ("Refund", "ItemFees", "Commission", "refund_fee"),
    ("Refund", "ItemFees", "RefundCommission", "refund_fee"),
    ("Refund", "ItemFees", "ShippingChargeback", "refund_fee"),
    ("Refund", "Promotion", "Principal", "promotion"),
    (
        "Refund",
        "ItemWithheldTax",
        "MarketplaceFacilitatorTax-Principal",
        "tax_withheld",
    ),
    ("A-to-z Guarantee Refund", "ItemPrice", "Principal", "dispute"),
    ("A-to-z Guarantee Refund", "ItemFees", "Commission", "dispute_fee"),
    ("Chargeback Refund", "ItemPrice", "Principal", "dispute"),
    ("Chargeback Refund", "ItemFees", "Commission", "dispute_fee"),
    ("ServiceFee", "Cost of Advertising", "TransactionTotalAmount", "advertising"),
    ("ServiceFee", "Refund for Advertiser", "TransactionTotalAmount", "advertising"),
    ("other-transaction", "other-transaction", "Subscription Fee", "subscription"),
    ("other-transaction", "other-transaction", "Storage Fee", "storage_fee"),
    ("Other-Transaction", "other-transaction", "StorageRenewalBilling", "storage_fee"),
    ("other-transaction", "other-transaction", "DisposalComplete", "fulfillment_fee"),
    ("other-transaction", "other-transaction", "RemovalComplete", "fulfillment_fee"),
    (
        "other-transaction",
        "other-transaction",
        "FBAInboundTransportationFee",
        "fulfillment_fee",
    ),
    (
        "other-transaction",
        "other-transaction",
        "Shipping label purchase",
        "shipping_fee",
    ),
    (
        "other-transaction",
        "other-transaction",
        "Shipping label purchase for return",
        "shipping_fee",
    ),
    (
        "other-transaction",
        "FBA Inventory Reimbursement",
        "WAREHOUSE_LOST",
        "reimbursement",
    ),
    (
        "other-transaction",
        "FBA Inventory Reimbursement",
        "REVERSAL_REIMBURSEMENT",
        "reimbursement",
    ),
    (
        "other-transaction",
        "other-transaction",
        "Previous Reserve Amount Balance",
        "reserve_release",
    ),
    (
        "other-transaction",
        "other-transaction",
        "Current Reserve Amount",
        "reserve_hold",
    ),
    ("other-transaction", "other-transaction", "Successful charge", "adjustment"),
    ("other-transaction", "other-transaction", "Payable to Amazon", "adjustment"),
    ("Order_Retrocharge", "ItemPrice", "Tax", "tax"),
    ("Refund_Retrocharge", "ItemPrice", "ShippingTax", "tax"),
    (
        "Order_Retrocharge",
        "ItemWithheldTax",
        "MarketplaceFacilitatorTax-Principal",
        "tax_withheld",
    ),
    ("ORDER", "ITEMFEES", "COMMISSION", "commission"),
    ("CouponRedemptionFee", "CouponRedemptionFee", "Coupon fee", "unknown"),
    ("Lightning Deal Fee", "Lightning Deal Fee", "Lightning Deal Fee", "unknown"),
    ("other-transaction", "other-transaction", "Brand New Thing", "unknown"),
    ("", "", "", "unknown"),
]


@pytest.mark.parametrize(("ttype", "atype", "desc", "category"), TRIPLES)
def test_category_map(ttype, atype, desc, category):
    assert amz.category_of(ttype, atype, desc) == category
    assert category in CATEGORIES


def test_type_map_is_lower_case_and_valid():
    for key, category in amz.TYPE_MAP.items():
        assert all(part == part.lower() for part in key)
        assert category in CATEGORIES


# --- locale ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "amount", "expected"),
    [
        ("1234,00", "1.234", D("1234")),  # EU file: the dot groups thousands
        ("1234.00", "1,234", D("1234")),  # US file: the comma groups thousands
        ("5,00", "1.234,56", D("1234.56")),
        ("5.00", "1,234.56", D("1234.56")),
        ("1.234", "1234,5", D("1234.5")),  # first amount alone decides: comma
        ("12", "0,5", D("0.5")),  # an integer total decides nothing
        ("-0,30", "-1 234,56", D("-1234.56")),
    ],
)
def test_decimal_separator_is_decided_once_per_file(total, amount, expected):
    _, lines = run(build([summary(total=total), row(amount)]))
    assert lines[0].amount == expected


def test_contradicting_amount_is_refused():
    err = error(build([summary(total="10,00"), row("5,00"), row("1,234.50")]))
    assert (err.line, err.column, err.value) == (4, "amount", "1,234.50")


def test_three_decimal_currency():
    _, lines = run(build([summary(total="1.234", currency="KWD"), row("1.234")]))
    assert lines[0].amount == D("1.234")


def test_us_dates_and_posted_date_fallbacks():
    cols = [c for c in COLS if c != "posted-date-time"]
    content = build(
        [
            summary(
                total="1.00",
                **{
                    "settlement-start-date": "2026-03-01 00:00:00 UTC",
                    "deposit-date": "2026-03-17T08:00:00+00:00",
                },
            ),
            row("1.00", **{"posted-date": "2026-03-05"}),
        ],
        cols,
    )
    payouts, lines = run(content)
    assert payouts[0].date_start == datetime(2026, 3, 1, tzinfo=UTC)
    assert payouts[0].date_deposit == datetime(2026, 3, 17, 8, tzinfo=UTC)
    assert lines[0].posted_at == datetime(2026, 3, 5, tzinfo=UTC)


def test_slashed_posted_date_comes_from_posted_date_time():
    content = build(
        [
            summary(total="1,00"),
            row(
                "1,00",
                posted_date="09/06/25",
                posted_date_time="2025-06-09 05:23:19 UTC",
            ),
            row("0,00", posted_date="05.03.2026", posted_date_time=""),
        ]
    )
    _, lines = run(content)
    assert lines[0].posted_at == datetime(2025, 6, 9, 5, 23, 19, tzinfo=UTC)
    assert lines[1].posted_at == datetime(2026, 3, 5, tzinfo=UTC)
    err = error(
        build([summary(), row("1,00", posted_date="09/06/25", posted_date_time="")])
    )
    assert (err.line, err.column, err.value) == (3, "posted-date", "09/06/25")


# --- several settlements in one file --------------------------------------------------


def test_several_settlements_and_detail_rows_without_summary():
    content = build(
        [
            summary(sid="A", total="3,00"),
            row("1,00", sid="A"),
            row("2,00", sid="A"),
            row("5,00", sid="B", currency="GBP"),
            row("7,00", sid="C"),  # no summary row yet
            summary(sid="C", total="7,00"),
        ]
    )
    payouts, lines = run(content, options={"currency": "EUR"})
    assert [(p.ref, p.currency, p.amount_declared, p.line_no) for p in payouts] == [
        ("A", "EUR", D("3.00"), 2),
        ("B", "GBP", None, 5),
        ("C", "EUR", None, 6),
        ("C", "EUR", D("7.00"), 7),
    ]
    assert payouts[2].merge(payouts[3]).amount_declared == D("7.00")
    assert [(li.payout_ref, li.currency) for li in lines] == [
        ("A", "EUR"),
        ("A", "EUR"),
        ("B", "GBP"),
        ("C", "EUR"),
    ]
    assert lines[3].external_key.startswith("amz:C:")
    # Without a summary row and without a currency anywhere: a located error.
    err = error(build([row("1,00", sid="Z")]))
    assert (err.line, err.column) == (2, "currency")


def test_identical_rows_in_two_settlements_get_distinct_keys():
    _, lines = run(build([summary(sid="A"), row("1,00", sid="A")] * 2))
    assert_keys(lines)
    assert lines[0].external_key.endswith(":0") and lines[1].external_key.endswith(":1")


# --- shape quirks and errors ----------------------------------------------------------


def test_padded_cells_short_rows_and_blank_lines():
    text = (
        "settlement-id\ttotal-amount\tcurrency\ttransaction-type\tamount-type\t"
        "amount-description\tamount\n"
        " 7 \t 1,50 \teur\n"
        "\t\t\t\n"
        "7\t\t\tOrder\tItemPrice\tPrincipal\t 1,50\n"
        "\n"
    )
    payouts, lines = run(text.encode())
    assert (payouts[0].ref, payouts[0].currency) == ("7", "EUR")
    assert (lines[0].amount, lines[0].line_no, lines[0].posted_at) == (
        D("1.50"),
        4,
        None,
    )


@pytest.mark.parametrize("missing", amz.REQUIRED)
def test_missing_required_column(missing):
    cols = [c for c in COLS if c != missing]
    err = error(build([summary()], cols))
    assert (err.line, err.column) == (1, missing)


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        ({"amount": "12,3,4"}, "amount", "12,3,4"),
        ({"amount": ""}, "amount", ""),
        ({"amount": "abc"}, "amount", "abc"),
        ({"posted-date-time": "31.02.2026 10:00:00 UTC"}, "posted-date-time", None),
        ({"posted-date-time": "soon"}, "posted-date-time", "soon"),
        ({"quantity-purchased": "two"}, "quantity-purchased", "two"),
        ({"settlement-id": ""}, "settlement-id", None),
    ],
)
def test_bad_detail_cell_is_located(cells, column, value):
    bad = row("1,00")
    bad.update(cells)
    err = error(build([summary(total="1,00"), row("0,00"), bad]))
    assert (err.line, err.column) == (4, column)
    if value is not None:
        assert err.value == value


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"total-amount": "1,00,0"}, "total-amount"),
        ({"currency": ""}, "currency"),
        ({"deposit-date": "17/17/2026"}, "deposit-date"),
        ({"settlement-id": ""}, "settlement-id"),
    ],
)
def test_bad_summary_cell_is_located(cells, column):
    err = error(build([summary(total="1,00", **cells)]))
    assert (err.line, err.column) == (2, column)


def test_other_bad_shapes():
    assert error(b"").line == 1
    assert error(b"\n\n").line == 1
    err = error(build([summary(), {"settlement-id": "1", "sku": "X"}]))
    assert (err.line, err.column) == (3, "transaction-type")
    assert error(build([summary()]).replace(b"\n", b"\r")).line == 1
    with pytest.raises(ParseError):
        list(amz.parse(b"\x00\xff\xfe garbage\n\x01\x02", "x"))


def test_header_only_file_yields_nothing():
    assert run(build([])) == ([], [])


def test_sniff():
    for path in DIR.iterdir():
        assert amz.sniff(path.read_bytes()[:65536], path.name), path
    assert not amz.sniff(b"", "x.txt")
    assert not amz.sniff(b"\x00\xff\xfe\x00", "x.txt")
    assert not amz.sniff(None, "x.txt")
    assert not amz.sniff("settlement-id\tamount-type", "x.txt")
    assert not amz.sniff(b"automatic_payout_id,balance_transaction_id,gross\n", "x")
    assert not amz.sniff(b'{"settlement-id": 1}', "x.json")


def test_parse_accepts_a_stream():
    with (DIR / "settlement_fr_eur.txt").open("rb") as stream:
        _, lines = run(stream)
    assert len(lines) == 23


# --- property tests -------------------------------------------------------------------

KNOWN = [t for t in TRIPLES if t[0]]


@st.composite
def settlement_files(draw):
    """A random valid file, its expected per-category totals and detail-row count."""
    eu = draw(st.booleans())
    cols = list(COLS[: draw(st.sampled_from([23, 24]))])
    if draw(st.booleans()):
        cols = draw(st.permutations(cols))
    cents = draw(st.lists(st.integers(-(10**7), 10**7), min_size=0, max_size=25))
    picks = draw(
        st.lists(st.sampled_from(KNOWN), min_size=len(cents), max_size=len(cents))
    )

    def fmt(value):
        sign = "-" if value < 0 else ""
        whole, frac = divmod(abs(value), 100)
        return f"{sign}{whole}{',' if eu else '.'}{frac:02d}"

    when = "05.03.2026 10:00:00 UTC" if eu else "2026-03-05 10:00:00 UTC"
    rows = [summary(sid="99", total=fmt(sum(cents)), currency="EUR")]
    expected = defaultdict(D)
    for value, (ttype, atype, desc, category) in zip(cents, picks, strict=True):
        rows.append(
            row(
                fmt(value),
                sid="99",
                triple=(ttype, atype, desc),
                posted_date_time=when,
                quantity_purchased=str(abs(value) % 4),
            )
        )
        expected[category] += D(value) / 100
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    content = (
        build(rows, cols, newline) + draw(st.sampled_from([0, 2])) * newline.encode()
    )
    return content, {k: v for k, v in expected.items()}, len(cents), D(sum(cents)) / 100


@SETTINGS
@given(settlement_files())
def test_random_files_round_trip(case):
    content, expected, count, total = case
    payouts, lines = run(content)
    assert payouts[0].amount_declared == total
    assert len(lines) == count
    assert sum((li.amount for li in lines), D(0)) == total
    got = totals(lines)
    assert {k: got.get(k, D(0)) for k in expected} == expected
    assert set(got) <= set(expected)
    assert_keys(lines)


CORRUPTIBLE = ("amount", "posted-date-time", "quantity-purchased")


@SETTINGS
@given(
    settlement_files(),
    st.sampled_from(CORRUPTIBLE),
    st.sampled_from(["x", "1,2,3", "--1", "12/", "1e5", "NaN", "∞"]),
    st.randoms(use_true_random=False),
)
def test_corrupted_cell_is_located(case, column, garbage, rnd):
    content = case[0]
    text = content.decode()
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    details = [i for i, t in enumerate(lines) if i >= 2 and t]
    if not details:
        return
    target = rnd.choice(details)
    err = error(replace_cell(text, target, column, garbage, newline=newline).encode())
    assert (err.line, err.column) == (target + 1, column)


@SETTINGS
@given(settlement_files(), st.data())
def test_random_byte_corruption_never_raises_anything_else(case, data):
    content = bytearray(case[0])
    position = data.draw(st.integers(0, len(content) - 1))
    content[position] = data.draw(st.integers(0, 255))
    try:
        records = list(amz.parse(bytes(content), "c.txt"))
    except ParseError as err:
        assert err.line is not None and err.line >= 1
        assert err.filename == "c.txt"
    else:
        assert all(isinstance(r, Line | PayoutInfo) for r in records)
