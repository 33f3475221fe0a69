"""Realized margin contributions of a payout, ``margin_alerts.core.realized``.

Every expected number is worked by hand in the comments.
"""

from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from margin_alerts.core.exceptions import MarginCoreError
from margin_alerts.core.realized import (
    CATEGORY_MEASURE,
    MEASURES,
    SaleLine,
    Txn,
    allocate,
    net_before_cogs,
    payout_contributions,
)

CENT = D("0.01")
VAT20 = Fraction(1) / Fraction("1.2")  # 5/6: revenue excl. VAT of 20 % VAT amounts
KEY_P = "P|FR|2026-10"
KEY_Q = "Q|FR|2026-10"


def measures(**values):
    """A full row of measures: the given ones, every other one zero."""
    return {m: D(values.get(m, 0)) for m in MEASURES}


# --- allocate -------------------------------------------------------------------------


def test_allocate_thirds_gives_the_odd_cent_to_the_first():
    # 1000 cents / 3 = 333.33 each: floors 333, 333, 333 leave 1 cent; the three
    # remainders tie (.33), so the earliest takes it: 3.34, 3.33, 3.33.
    assert allocate(D("10.00"), [1, 1, 1]) == [D("3.34"), D("3.33"), D("3.33")]


def test_allocate_negative_amount_is_symmetric():
    # |-10.00| split as above, sign restored.
    assert allocate(D("-10.00"), [1, 1, 1]) == [D("-3.34"), D("-3.33"), D("-3.33")]


def test_allocate_largest_remainder_wins_the_cent():
    # -3.20 by 47.88 : 23.94 = 2 : 1 -> 213.33 and 106.67 cents: floors 213 + 106
    # leave 1 cent, to the larger remainder (.67): -2.13, -1.07.
    assert allocate(D("-3.20"), [D("47.88"), D("23.94")]) == [D("-2.13"), D("-1.07")]


def test_allocate_ties_go_to_the_earliest_weights():
    # 10 cents / 4 = 2.5 each: floors 2 x 4 leave 2 cents, to the first two.
    shares = allocate(D("0.10"), [1, 1, 1, 1])
    assert shares == [D("0.03"), D("0.03"), D("0.02"), D("0.02")]


def test_allocate_zero_weights_are_equal_shares():
    # all weights 0 -> equal shares: 100 cents / 3 = 34, 33, 33.
    assert allocate(D("1.00"), [0, 0, 0]) == [D("0.34"), D("0.33"), D("0.33")]
    # a zero weight next to positive ones gets nothing.
    assert allocate(D("1.00"), [0, D("2.5")]) == [D("0.00"), D("1.00")]


def test_allocate_single_weight_takes_everything():
    assert allocate(D("-12.34"), [D("7")]) == [D("-12.34")]
    assert allocate(D("0.00"), [0]) == [D("0.00")]


def test_allocate_other_places():
    # 1 unit (places 0) over 1 : 1 : 1 -> 1, 0, 0; 0.001 (places 3) over 1 : 3.
    assert allocate(D("1"), [1, 1, 1], places=0) == [D(1), D(0), D(0)]
    assert allocate(D("0.001"), [1, 3], places=3) == [D("0.000"), D("0.001")]


def test_allocate_refuses_bad_input():
    with pytest.raises(MarginCoreError):
        allocate(D("1.00"), [])
    with pytest.raises(MarginCoreError):
        allocate(D("1.00"), [1, -1])
    with pytest.raises(MarginCoreError):
        allocate(D("1.005"), [1, 1])
    with pytest.raises(TypeError):
        allocate(1.0, [1, 1])
    with pytest.raises(TypeError):
        allocate(D("1.00"), [0.5, 0.5])


@settings(max_examples=300, deadline=None)
@given(
    cents=st.integers(-(10**7), 10**7),
    weights=st.lists(st.integers(0, 10**4), min_size=1, max_size=8),
)
def test_allocate_sums_exactly_and_stays_within_a_cent(cents, weights):
    amount = D(cents).scaleb(-2)
    shares = allocate(amount, weights)
    assert sum(shares) == amount
    assert all(share == share.quantize(CENT) for share in shares)
    total = sum(weights) or len(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = Fraction(amount) * (weight if sum(weights) else 1) / total
        assert abs(Fraction(share) - exact) < Fraction(1, 100)


# --- the two-order payout -------------------------------------------------------------

LINES = [
    SaleLine("A1", "A", "P", KEY_P, D(2), VAT20),
    SaleLine("A2", "A", "Q", KEY_Q, D(1), VAT20),
    SaleLine("B1", "B", "P", KEY_P, D(1), VAT20),
]
TXNS = [
    Txn("sale", D("47.88"), "A", "P", D(2)),
    Txn("sale", D("23.94"), "A", "Q"),
    Txn("commission", D("-7.18"), "A", "P"),
    Txn("commission", D("-3.59"), "A", "Q"),
    Txn("sale", D("23.94"), "B", "P", D(1)),
    Txn("commission", D("-3.59"), "B", "P"),
    Txn("fulfillment_fee", D("-3.20"), "A"),
    Txn("advertising", D("-12.00")),
    Txn("refund", D("-23.94"), "B", "P"),
    Txn("reserve_hold", D("-5.00")),
]


def test_two_order_payout():
    # Sales first, by quantity, each to its own line: A1 47.88 (qty 2), A2 23.94 (no
    # quantity: the line's 1), B1 23.94 (qty 1). x 5/6: 39.90, 19.95, 19.95.
    # Commissions to their own line: A1 -7.18, A2 -3.59, B1 -3.59.
    # Fulfilment -3.20 (order A, no product) over A1 : A2 = 47.88 : 23.94 = 2 : 1:
    # 213.33 / 106.67 cents -> A1 -2.13, A2 -1.07 (larger remainder).
    # Advertising -12.00 (no order) over the payout's lines A1, A2, B1 by gross
    # sale 47.88 : 23.94 : 23.94 = 2 : 1 : 1 -> -6.00, -3.00, -3.00.
    # Refund -23.94 (B, P) to B1, x 5/6 = -19.95. Reserve hold: excluded, -5.00.
    # Key P = A1 + B1: qty 2 + 1 = 3; revenue 39.90 + 19.95 = 59.85; refunds -19.95;
    # commission -7.18 - 3.59 = -10.77; fees -2.13; advertising -6.00 - 3.00 = -9.00.
    # Key Q = A2: qty 1; revenue 19.95; commission -3.59; fees -1.07; ads -3.00.
    result = payout_contributions(TXNS, LINES)
    assert result.by_key == {
        KEY_P: measures(
            qty_sold=3,
            revenue="59.85",
            refunds="-19.95",
            commission="-10.77",
            fees="-2.13",
            advertising="-9.00",
        ),
        KEY_Q: measures(
            qty_sold=1,
            revenue="19.95",
            commission="-3.59",
            fees="-1.07",
            advertising="-3.00",
        ),
    }
    assert result.excluded == D("-5.00")
    # P: 59.85 - 19.95 - 10.77 - 2.13 - 9.00 = 18.00; Q: 19.95 - 3.59 - 1.07 - 3.00
    # = 12.29.
    assert net_before_cogs(result.by_key[KEY_P]) == D("18.00")
    assert net_before_cogs(result.by_key[KEY_Q]) == D("12.29")


def test_two_order_payout_conserves_every_cent_without_vat():
    # vat_ratio 1: the keys' money measures + excluded = the payout's total,
    # sales 47.88 + 23.94 + 23.94 = 95.76, the rest 7.18 + 3.59 + 3.59 + 3.20 + 12.00
    # + 23.94 + 5.00 = 58.50: 95.76 - 58.50 = 37.26.
    lines = [
        SaleLine(ln.line_id, ln.order_id, ln.product_id, ln.key, ln.quantity)
        for ln in LINES
    ]
    result = payout_contributions(TXNS, lines)
    total = sum(net_before_cogs(row) for row in result.by_key.values())
    assert total + result.excluded == sum(t.amount for t in TXNS) == D("37.26")


# --- allocation rules -----------------------------------------------------------------


def test_product_the_order_does_not_hold_goes_to_the_whole_order():
    # A commission naming product Z, absent from order A: over A1 : A2 by gross sale
    # 40.00 : 20.00 = 2 : 1 -> -6.00 -> -4.00, -2.00.
    lines = [SaleLine(1, "A", "P", "p", D(1)), SaleLine(2, "A", "Q", "q", D(1))]
    txns = [
        Txn("sale", D("40.00"), "A", "P"),
        Txn("sale", D("20.00"), "A", "Q"),
        Txn("commission", D("-6.00"), "A", "Z"),
    ]
    by_key = payout_contributions(txns, lines).by_key
    assert (by_key["p"]["commission"], by_key["q"]["commission"]) == (
        D("-4.00"),
        D("-2.00"),
    )


def test_order_not_in_lines_spreads_over_the_payout_lines():
    # Order X has no line: its dispute fee -1.00 goes to the payout's lines, those
    # of orders A and B (C has no transaction in this payout), by gross sale
    # 30.00 : 10.00 = 3 : 1 -> -0.75, -0.25; C gets nothing and has no row.
    lines = [
        SaleLine(1, "A", "P", "a", D(1)),
        SaleLine(2, "B", "P", "b", D(1)),
        SaleLine(3, "C", "P", "c", D(1)),
    ]
    txns = [
        Txn("sale", D("30.00"), "A", "P"),
        Txn("sale", D("10.00"), "B", "P"),
        Txn("dispute_fee", D("-1.00"), "X", "P"),
    ]
    by_key = payout_contributions(txns, lines).by_key
    assert set(by_key) == {"a", "b"}
    assert by_key["a"]["fees"] == D("-0.75")
    assert by_key["b"]["fees"] == D("-0.25")


def test_no_known_order_spreads_over_all_lines_by_quantity_then_equally():
    # No transaction names a known order: every line is a payout line. No sale, so
    # the weights fall back to quantities 3 : 1 -> -2.00 -> -1.50, -0.50.
    lines = [SaleLine(1, "A", "P", "a", D(3)), SaleLine(2, "B", "P", "b", D(1))]
    by_key = payout_contributions([Txn("storage_fee", D("-2.00"))], lines).by_key
    assert (by_key["a"]["fees"], by_key["b"]["fees"]) == (D("-1.50"), D("-0.50"))
    # quantities 0 too: equal shares, 1.01 -> 0.51, 0.50.
    lines = [SaleLine(1, "A", "P", "a", D(0)), SaleLine(2, "B", "P", "b", D(0))]
    by_key = payout_contributions([Txn("fx", D("1.01"), "X")], lines).by_key
    assert (by_key["a"]["other"], by_key["b"]["other"]) == (D("0.51"), D("0.50"))


def test_payout_without_lines_is_unallocated():
    # No line: everything under None, customer-facing amounts at vat_ratio 1;
    # qty_sold is the sale's quantity; the tax is excluded.
    txns = [
        Txn("sale", D("19.99"), "A", "P", D(1)),
        Txn("promotion", D("-2.00"), "A", "P"),
        Txn("commission", D("-3.00"), "A", "P"),
        Txn("reimbursement", D("4.00")),
        Txn("tax", D("3.33"), "A", "P"),
    ]
    result = payout_contributions(txns, [])
    assert result.by_key == {
        None: measures(
            qty_sold=1,
            revenue="19.99",
            promotions="-2.00",
            commission="-3.00",
            other="4.00",
        )
    }
    assert result.excluded == D("3.33")


def test_vat_ratio_applies_after_the_split_rounded_half_up():
    # Sales 10.00 each -> x 5/6 = 8.333 -> 8.33. Shipping 4.99 (order only) over
    # 10.00 : 10.00 -> 2.50, 2.49; x 5/6 = 2.0833 -> 2.08 and 2.075 -> 2.08 (half
    # up). Revenue 8.33 + 2.08 = 10.41 on each line (20.82, the exact 24.99 x 5/6 =
    # 20.825 differing by rounding only).
    lines = [
        SaleLine(1, "A", "P", "p", D(1), VAT20),
        SaleLine(2, "A", "Q", "q", D(1), VAT20),
    ]
    txns = [
        Txn("sale", D("10.00"), "A", "P"),
        Txn("sale", D("10.00"), "A", "Q"),
        Txn("shipping", D("4.99"), "A"),
    ]
    by_key = payout_contributions(txns, lines).by_key
    assert (by_key["p"]["revenue"], by_key["q"]["revenue"]) == (D("10.41"), D("10.41"))
    # A Decimal ratio works too: 10.00 x 0.8333... = 8.333... -> 8.33.
    lines = [SaleLine(1, "A", "P", "p", D(1), D(1) / D("1.2"))]
    by_key = payout_contributions([Txn("sale", D("10.00"), "A", "P")], lines).by_key
    assert by_key["p"]["revenue"] == D("8.33")


def test_qty_sold():
    # Order A holds product P twice: lines of 1 and 2 units, keys "x" and "y".
    # A sale of 3 units of P splits by quantities 1 : 2 -> 1 and 2, exactly.
    lines = [SaleLine(1, "A", "P", "x", D(1)), SaleLine(2, "A", "P", "y", D(2))]
    by_key = payout_contributions([Txn("sale", D("30.00"), "A", "P", D(3))], lines)
    assert (by_key.by_key["x"]["qty_sold"], by_key.by_key["y"]["qty_sold"]) == (1, 2)
    # One unit over 1 : 2 on a shared key: 1/3 + 2/3 = exactly 1.
    lines = [SaleLine(1, "A", "P", "k", D(1)), SaleLine(2, "A", "P", "k", D(2))]
    by_key = payout_contributions([Txn("sale", D("9.00"), "A", "P", D(1))], lines)
    assert by_key.by_key["k"]["qty_sold"] == D(1)
    # Two sales without quantity on line 1 (qty 4): its quantity counts once.
    # Line 2 (qty 5) has a sale of 2 units and one without: the 2 units only.
    lines = [SaleLine(1, "A", "P", "a", D(4)), SaleLine(2, "A", "Q", "b", D(5))]
    txns = [
        Txn("sale", D("8.00"), "A", "P"),
        Txn("sale", D("1.00"), "A", "P"),
        Txn("sale", D("6.00"), "A", "Q", D(2)),
        Txn("sale", D("-0.50"), "A", "Q"),
    ]
    by_key = payout_contributions(txns, lines).by_key
    assert (by_key["a"]["qty_sold"], by_key["b"]["qty_sold"]) == (4, 2)


def test_every_measure_is_present():
    lines = [SaleLine(1, "A", "P", "a", D(1))]
    row = payout_contributions([Txn("commission", D("-1.00"), "A")], lines).by_key["a"]
    assert list(row) == list(MEASURES)
    assert row == measures(commission="-1.00")


def test_categories_and_measures():
    assert MEASURES == (
        "qty_sold",
        "revenue",
        "promotions",
        "refunds",
        "disputes",
        "commission",
        "fees",
        "advertising",
        "other",
    )
    # The 23 ledger categories; every one maps to a money measure or to None.
    assert len(CATEGORY_MEASURE) == 23
    assert set(CATEGORY_MEASURE.values()) == set(MEASURES[1:]) | {None}
    fees = {c for c, m in CATEGORY_MEASURE.items() if m == "fees"}
    assert fees == {
        "fulfillment_fee",
        "shipping_fee",
        "payment_fee",
        "refund_fee",
        "dispute_fee",
        "storage_fee",
        "subscription",
        "other_fee",
    }
    excluded = {c for c, m in CATEGORY_MEASURE.items() if m is None}
    assert excluded == {"tax", "tax_withheld", "reserve_hold", "reserve_release"}
    assert CATEGORY_MEASURE["shipping"] == "revenue"
    assert CATEGORY_MEASURE["unknown"] == "other"


# --- refusals -------------------------------------------------------------------------


def test_unknown_category_is_refused_by_name():
    with pytest.raises(MarginCoreError, match="'chargeback'"):
        payout_contributions([Txn("chargeback", D("-1.00"))], [])


def test_floats_are_refused():
    line = SaleLine(1, "A", "P", "a", D(1))
    with pytest.raises(TypeError):
        payout_contributions([Txn("sale", 19.99, "A")], [line])
    with pytest.raises(TypeError):
        payout_contributions([Txn("sale", D("19.99"), "A", "P", 1.0)], [line])
    with pytest.raises(TypeError):
        payout_contributions(
            [Txn("sale", D("19.99"), "A")], [SaleLine(1, "A", "P", "a", D(1), 0.8)]
        )


def test_amount_finer_than_the_cent_is_refused():
    with pytest.raises(MarginCoreError):
        payout_contributions([Txn("fx", D("0.001"))], [])


# --- conservation ---------------------------------------------------------------------

ORDERS = ("A", "B", "C", "X", None)  # X: never a line's order; None: no order
PRODUCTS = ("P", "Q", "Z", None)

sale_lines = st.lists(
    st.builds(
        SaleLine,
        line_id=st.integers(),
        order_id=st.sampled_from(ORDERS[:3]),
        product_id=st.sampled_from(PRODUCTS[:2]),
        key=st.sampled_from(("k1", "k2", "k3")),
        quantity=st.integers(0, 5).map(D),
    ),
    max_size=6,
)
txns = st.lists(
    st.builds(
        Txn,
        category=st.sampled_from(sorted(CATEGORY_MEASURE)),
        amount=st.integers(-(10**6), 10**6).map(lambda c: D(c).scaleb(-2)),
        order_id=st.sampled_from(ORDERS),
        product_id=st.sampled_from(PRODUCTS),
        quantity=st.none() | st.integers(-3, 5).map(D),
    ),
    max_size=15,
)


@settings(max_examples=300, deadline=None)
@given(lines=sale_lines, txns=txns)
def test_money_is_conserved_to_the_cent(lines, txns):
    # vat_ratio 1 everywhere: the keys' money measures + excluded = the payout.
    result = payout_contributions(txns, lines)
    total = sum(net_before_cogs(row) for row in result.by_key.values())
    assert total + result.excluded == sum(t.amount for t in txns)
    for row in result.by_key.values():
        assert list(row) == list(MEASURES)
        assert all(row[m] == row[m].quantize(CENT) for m in MEASURES[1:])
