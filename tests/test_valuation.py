"""Stock valuation per location (company value allocated by quantity) and the
slow-movers math: ageing buckets, ABC classes, cover, overstock, DIO."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_cash.core.exceptions import CashCoreError
from marketplace_cash.core.valuation import (
    AGEING_BUCKETS,
    QUANTITY_MISMATCH,
    VALUE_WITHOUT_QUANTITY,
    Cell,
    Difference,
    Layers,
    ValuedCell,
    abc_classes,
    ageing_bucket,
    allocate,
    cover_days,
    daily_consumption,
    dio,
    overstock,
    value_cells,
)

# allocate --------------------------------------------------------------------------


def test_allocate_equal_weights_gives_the_extra_cent_to_the_first():
    # 10000 cents / 3 = 3333.33 each: floors 3333 * 3 = 9999, 1 cent left, equal
    # remainders (1/3 each): the earliest weight gets it.
    assert allocate(D("100.00"), [1, 1, 1]) == [D("33.34"), D("33.33"), D("33.33")]


def test_allocate_negative_amount_floors_towards_minus_infinity():
    # -1000 cents over (1, 2): exact -333.33 and -666.67; floors -334 (fraction 2/3)
    # and -667 (fraction 1/3), sum -1001: 1 cent left goes to the largest fraction,
    # the first: -333 and -667.
    assert allocate(D("-10.00"), [1, 2]) == [D("-3.33"), D("-6.67")]


def test_allocate_mixed_signs():
    # 5000 cents over (10, -2, 2), sum 10: exact 5000, -1000, 1000, nothing left.
    assert allocate(D("50.00"), [D(10), D(-2), D(2)]) == [
        D("50.00"),
        D("-10.00"),
        D("10.00"),
    ]
    # 1000 cents over (2, -1, 2), sum 3: exact 666.67, -333.33, 666.67; floors 666,
    # -334, 666 (fractions 2/3 each), sum 998: the 2 cents left go to the two
    # earliest (ties): 667, -333, 666.
    assert allocate(D("10.00"), [2, -1, 2]) == [D("6.67"), D("-3.33"), D("6.66")]


def test_allocate_negative_weights_and_fractional_weights():
    # Weights (-1, -2) give the same shares as (1, 2): 333.33 (fraction 1/3) and
    # 666.67 (fraction 2/3); the cent left goes to the second.
    assert allocate(D("10.00"), [-1, -2]) == [D("3.33"), D("6.67")]
    # (1.5, 0.5) are (3, 1) quarters: 75 and 25 cents.
    assert allocate(D("1.00"), [D("1.5"), D("0.5")]) == [D("0.75"), D("0.25")]
    # No decimals (JPY): 1000 over (1, 2): 333.33 and 666.67 -> 333 and 667.
    assert allocate(D(1000), [1, 2], places=0) == [D(333), D(667)]


def test_allocate_refuses_bad_input():
    with pytest.raises(CashCoreError):
        allocate(D("10.00"), [1, -1])  # weights sum to zero
    with pytest.raises(CashCoreError):
        allocate(D("10.00"), [])
    with pytest.raises(CashCoreError):
        allocate(D("1.005"), [1, 1])  # more decimals than places
    with pytest.raises(TypeError):
        allocate(10.0, [1, 1])
    with pytest.raises(TypeError):
        allocate(D("10.00"), [1.0, 2])
    with pytest.raises(TypeError):
        allocate(D("10.00"), [1, 2], places=2.0)


# value_cells -----------------------------------------------------------------------


def test_avco_product_split_exactly_over_three_locations():
    # 31667 cents over (10, 15, 5), sum 30: exact 10555.67, 15833.5, 5277.83;
    # floors 10555 + 15833 + 5277 = 31665, 2 cents left: to the largest fractions,
    # .83 (WH3) then .67 (WH1): 105.56 + 158.33 + 52.78 = 316.67.
    # Unit costs: 105.56/10 = 10.5560, 158.33/15 = 10.55533.. -> 10.5553,
    # 52.78/5 = 10.5560.
    cells = [
        Cell("P", "WH1", D(10)),
        Cell("P", "WH2", D(15)),
        Cell("P", "WH3", D(5)),
    ]
    valued, differences = value_cells(cells, [Layers("P", D(30), D("316.67"))])
    assert valued == [
        ValuedCell("P", "WH1", D(10), D("10.5560"), D("105.56")),
        ValuedCell("P", "WH2", D(15), D("10.5553"), D("158.33")),
        ValuedCell("P", "WH3", D(5), D("10.5560"), D("52.78")),
    ]
    assert sum(v.value for v in valued) == D("316.67")
    assert differences == []


def test_quantity_mismatch_values_at_the_layers_unit_cost():
    # On hand 7 + 5 = 12, layers 10 units worth 100.00: unit cost 10, cells 70.00 and
    # 50.00 (120.00); difference quantity 12 - 10 = 2, value 100.00 - 120.00.
    cells = [Cell("P", "WH1", D(7)), Cell("P", "WH2", D(5))]
    valued, differences = value_cells(cells, [Layers("P", D(10), D("100.00"))])
    assert [(v.unit_cost, v.value) for v in valued] == [
        (D("10.0000"), D("70.00")),
        (D("10.0000"), D("50.00")),
    ]
    assert differences == [Difference("P", QUANTITY_MISMATCH, D(2), D("-20.00"))]


def test_quantity_mismatch_rounds_each_cell_half_up():
    # Unit cost 10.00 / 3 = 3.3333..: cells 1, 1, 2 -> 3.33, 3.33, 6.67 (6.666..)
    # = 13.33; difference 4 - 3 = 1 unit and 10.00 - 13.33 = -3.33.
    cells = [Cell("P", "A", D(1)), Cell("P", "B", D(1)), Cell("P", "C", D(2))]
    valued, differences = value_cells(cells, [Layers("P", D(3), D("10.00"))])
    assert [v.value for v in valued] == [D("3.33"), D("3.33"), D("6.67")]
    assert [v.unit_cost for v in valued] == [D("3.3300"), D("3.3300"), D("3.3350")]
    assert differences == [Difference("P", QUANTITY_MISMATCH, D(1), D("-3.33"))]
    # Unit cost 0.01 / 2 = 0.005: a tie, rounded away from zero: 0.01 and -0.01.
    cells = [Cell("Q", "A", D(1)), Cell("Q", "B", D(-1)), Cell("Q", "C", D(1))]
    valued, differences = value_cells(cells, [Layers("Q", D(2), D("0.01"))])
    assert [v.value for v in valued] == [D("0.01"), D("-0.01"), D("0.01")]
    # 0.01 - (0.01 - 0.01 + 0.01) = 0.00, but 1 unit on hand against 2 valued.
    assert differences == [Difference("Q", QUANTITY_MISMATCH, D(-1), D("0.00"))]


def test_value_without_quantity():
    # Sold out (0 on hand), layers leave 0.01 with 0 units: the cell is worth 0.00,
    # the cent is explained.
    valued, differences = value_cells(
        [Cell("P", "WH1", D(0))], [Layers("P", D(0), D("0.01"))]
    )
    assert valued == [ValuedCell("P", "WH1", D(0), D("0.0000"), D("0.00"))]
    assert differences == [Difference("P", VALUE_WITHOUT_QUANTITY, D(0), D("0.01"))]
    # With stock and a current cost: 3 * 2.50 = 7.50; difference 0.01 - 7.50.
    valued, differences = value_cells(
        [Cell("P", "WH1", D(3))], [Layers("P", D(0), D("0.01"), D("2.50"))]
    )
    assert [(v.unit_cost, v.value) for v in valued] == [(D("2.5000"), D("7.50"))]
    assert differences == [Difference("P", VALUE_WITHOUT_QUANTITY, D(3), D("-7.49"))]


def test_stock_without_layers_uses_the_fallback_cost():
    # No layer quantity nor value, 4 on hand at the current cost 2.50 = 10.00:
    # quantity 4 - 0, value 0.00 - 10.00.
    valued, differences = value_cells(
        [Cell("P", "WH1", D(4))], [Layers("P", D(0), D(0), D("2.50"))]
    )
    assert [v.value for v in valued] == [D("10.00")]
    assert differences == [Difference("P", QUANTITY_MISMATCH, D(4), D("-10.00"))]


def test_product_with_cells_but_no_layers():
    # Valued at 0 (unit cost 0), the 5 units are explained as a quantity mismatch.
    valued, differences = value_cells([Cell("P", "WH1", 5)], [])
    assert valued == [ValuedCell("P", "WH1", D(5), D("0.0000"), D("0.00"))]
    assert differences == [Difference("P", QUANTITY_MISMATCH, D(5), D("0.00"))]


def test_layers_without_cells_lose_nothing():
    # 8 units worth 80.00 in the books, none on hand: quantity 0 - 8, value 80.00.
    layers = [
        Layers("P", D(8), D("80.00")),
        Layers("R", D(0), D("-0.02")),
        Layers("Z", D(0), D(0)),  # nothing to explain
    ]
    valued, differences = value_cells([], layers)
    assert valued == []
    assert differences == [
        Difference("P", QUANTITY_MISMATCH, D(-8), D("80.00")),
        Difference("R", VALUE_WITHOUT_QUANTITY, D(0), D("-0.02")),
    ]


def test_negative_stock():
    # 12 in WH1, -2 in WH2 (shipped before the receipt was validated), 10 valued at
    # 100.00: 10000 cents * 12/10 = 12000 and * -2/10 = -2000.
    cells = [Cell("P", "WH1", D(12)), Cell("P", "WH2", D(-2))]
    valued, differences = value_cells(cells, [Layers("P", D(10), D("100.00"))])
    assert [(v.unit_cost, v.value) for v in valued] == [
        (D("10.0000"), D("120.00")),
        (D("10.0000"), D("-20.00")),
    ]
    assert differences == []
    # 5 - 3 = 2 on hand, layers 4 units worth 30.00 (7.50 each): 37.50 and -22.50
    # = 15.00; difference 2 - 4 = -2 units, 30.00 - 15.00 = 15.00.
    cells = [Cell("N", "WH1", D(5)), Cell("N", "WH2", D(-3))]
    valued, differences = value_cells(cells, [Layers("N", D(4), D("30.00"))])
    assert [(v.unit_cost, v.value) for v in valued] == [
        (D("7.5000"), D("37.50")),
        (D("7.5000"), D("-22.50")),
    ]
    assert differences == [Difference("N", QUANTITY_MISMATCH, D(-2), D("15.00"))]


def test_fractional_quantities_and_output_order():
    # 1.5 + 2.25 = 3.75 kg, as quarters 6 + 9 = 15: 1000 cents * 6/15 = 400 and
    # * 9/15 = 600. Unit costs 4.00/1.5 = 2.6666.. and 6.00/2.25 = 2.6666.. -> 2.6667.
    cells = [
        Cell("K", "WH1", D("1.5")),
        Cell("U", "WH1", D(1)),
        Cell("K", "WH2", D("2.25")),
    ]
    layers = [Layers("U", D(1), D("9.99")), Layers("K", D("3.75"), D("10.00"))]
    valued, differences = value_cells(cells, layers)
    # Grouped by product, in order of first appearance; cells in input order.
    assert valued == [
        ValuedCell("K", "WH1", D("1.5"), D("2.6667"), D("4.00")),
        ValuedCell("K", "WH2", D("2.25"), D("2.6667"), D("6.00")),
        ValuedCell("U", "WH1", D(1), D("9.9900"), D("9.99")),
    ]
    assert differences == []


def test_places_and_cost_places():
    # Yen: 1000 over (1, 2) -> 333 and 667 (333.33 -> fraction 1/3, 666.67 -> 2/3).
    cells = [Cell("P", "A", D(1)), Cell("P", "B", D(2))]
    valued, _diff = value_cells(
        cells, [Layers("P", D(3), D(1000))], places=0, cost_places=2
    )
    assert [(v.unit_cost, v.value) for v in valued] == [
        (D("333.00"), D(333)),
        (D("333.50"), D(667)),
    ]


def test_company_value_is_cells_plus_differences():
    cells = [
        Cell("A", "WH1", D(7)),
        Cell("A", "WH2", D(5)),
        Cell("B", "WH1", D(3)),
        Cell("C", "WH1", D(4)),
        Cell("D", "WH2", D(-1)),
    ]
    layers = [
        Layers("A", D(10), D("100.00")),
        Layers("B", D(3), D("10.00")),
        Layers("C", D(0), D("0.03"), D("1.25")),
        Layers("E", D(2), D("5.00")),
    ]
    valued, differences = value_cells(cells, layers)
    company = sum(layer.value for layer in layers)
    assert sum(v.value for v in valued) + sum(d.value for d in differences) == company
    on_hand = sum(cell.quantity for cell in cells)
    books = sum(layer.quantity for layer in layers)
    assert sum(d.quantity for d in differences) == on_hand - books


def test_value_cells_refuses_bad_input():
    with pytest.raises(TypeError):
        Cell("P", "WH1", 1.0)
    with pytest.raises(TypeError):
        Layers("P", D(1), 9.99)
    with pytest.raises(TypeError):
        Layers("P", 1.0, D("9.99"))
    with pytest.raises(TypeError):
        Layers("P", D(1), D("9.99"), 1.5)
    with pytest.raises(CashCoreError):
        Cell("P", "WH1", D("NaN"))
    with pytest.raises(CashCoreError):  # two valuations of one product
        value_cells([], [Layers("P", D(1), D(1)), Layers("P", D(2), D(2))])
    with pytest.raises(CashCoreError):  # a value finer than the cent
        value_cells([Cell("P", "WH1", D(1))], [Layers("P", D(1), D("1.005"))])
    with pytest.raises(CashCoreError):
        value_cells([], [], places=-1)


def test_ints_become_decimals():
    assert Cell("P", "WH1", 3).quantity == D(3)
    assert isinstance(Cell("P", "WH1", 3).quantity, D)
    assert isinstance(Layers("P", 2, 5).value, D)


@given(
    st.lists(st.integers(-20, 100), min_size=1, max_size=12).filter(sum),
    st.integers(-(10**9), 10**9),
    st.sampled_from([1, 2, 4, 1000]),
)
def test_matching_quantity_splits_the_value_exactly(quantities, cents, divisor):
    cells = [Cell("P", i, D(q) / divisor) for i, q in enumerate(quantities)]
    total = sum(cell.quantity for cell in cells)
    value = D(cents) / 100
    valued, differences = value_cells(cells, [Layers("P", total, value)])
    assert differences == []
    assert sum(v.value for v in valued) == value
    for cell, v in zip(cells, valued, strict=True):
        # Each share is within one cent of its exact share.
        assert abs(v.value - value * cell.quantity / total) < D("0.01")


@given(
    st.lists(st.integers(-20, 100), max_size=12),
    st.integers(-50, 200),
    st.integers(-(10**7), 10**7),
    st.integers(0, 10**6),
)
def test_nothing_is_created_or_lost(quantities, books, cents, fallback):
    cells = [Cell("P", i, D(q)) for i, q in enumerate(quantities)]
    value = D(cents) / 100
    layers = Layers("P", D(books), value, D(fallback) / 1000)
    valued, differences = value_cells(cells, [layers])
    assert len(differences) <= 1
    assert sum(v.value for v in valued) + sum(d.value for d in differences) == value
    on_hand = sum(quantities)
    assert sum(d.quantity for d in differences) == on_hand - books


def test_speed_smoke():
    # 1,000 products x 10 locations (not timed): every cent is accounted for.
    cells = [
        Cell(p, loc, D((p * 7 + loc * 13) % 41 - 3))
        for p in range(1000)
        for loc in range(10)
    ]
    on_hand = {}
    for cell in cells:
        on_hand[cell.product_id] = on_hand.get(cell.product_id, 0) + cell.quantity
    layers = [
        Layers(p, on_hand[p] + (p % 5 == 0), D(p * 1234 + 17) / 100)
        for p in range(1000)
    ]
    valued, differences = value_cells(cells, layers)
    assert len(valued) == 10_000
    zero = sum(1 for p in range(1000) if p % 5 and on_hand[p] == 0)
    assert len(differences) == 200 + zero
    company = sum(layer.value for layer in layers)
    assert sum(v.value for v in valued) + sum(d.value for d in differences) == company


# Slow movers -----------------------------------------------------------------------


def test_ageing_buckets():
    assert AGEING_BUCKETS == ("0-30", "31-90", "91-180", "181-365", "365+")
    days = [0, 30, 31, 90, 91, 180, 181, 365, 366, 5000, None]
    assert [ageing_bucket(d) for d in days] == [
        "0-30",
        "0-30",
        "31-90",
        "31-90",
        "91-180",
        "91-180",
        "181-365",
        "181-365",
        "365+",
        "365+",
        "365+",  # never moved
    ]
    with pytest.raises(CashCoreError):
        ageing_bucket(-1)
    with pytest.raises(TypeError):
        ageing_bucket(31.0)


def test_abc_worked_example():
    # Total 100, sorted 50, 30, 10, 6, 4; cumulative share BEFORE each item:
    # p1 0 % < 80 % -> A; p2 50 % < 80 % -> A; p3 80 % is not < 80 % -> B;
    # p4 90 % < 95 % -> B; p5 96 % is not < 95 % -> C.
    values = {"p3": D(10), "p1": D(50), "p5": D(4), "p2": D(30), "p4": D(6)}
    assert abc_classes(values) == {
        "p1": "A",
        "p2": "A",
        "p3": "B",
        "p4": "B",
        "p5": "C",
    }


def test_abc_ties_zeros_and_thresholds():
    # Five equal values, ties by key: a, b, c, d have 0, 20, 40, 60 % before
    # them -> A; e has 80 % -> B.
    values = {key: D(10) for key in "ebdca"}
    assert abc_classes(values) == {"a": "A", "b": "A", "c": "A", "d": "A", "e": "B"}
    # Zero value is C even when nothing comes before it.
    assert abc_classes({"x": D(100), "y": D(0)}) == {"x": "A", "y": "C"}
    assert abc_classes({"x": D(0), "y": D(0)}) == {"x": "C", "y": "C"}
    assert abc_classes({}) == {}
    # Integer keys (product ids) tie in numeric order: 9 before 10.
    assert abc_classes({10: D(50), 9: D(50)}, a=D("0.5")) == {9: "A", 10: "B"}
    # a = 50 %, b = 70 %: 0 % -> A, 50 % -> B, 80 % -> C.
    classes = abc_classes({"x": 50, "y": 30, "z": 20}, a=D("0.5"), b=D("0.7"))
    assert classes == {"x": "A", "y": "B", "z": "C"}


def test_abc_refuses_bad_input():
    with pytest.raises(CashCoreError):
        abc_classes({"x": D(-1)})
    with pytest.raises(CashCoreError):
        abc_classes({"x": D(1)}, a=D("0.9"), b=D("0.8"))
    with pytest.raises(TypeError):
        abc_classes({"x": 1.5})
    with pytest.raises(TypeError):
        abc_classes({"x": D(1)}, a=0.8)


def test_consumption_and_cover():
    # 90 consumed in 30 days: 3 a day; 45 on hand last 45 / 3 = 15.0 days.
    assert daily_consumption(D(90), 30) == D(3)
    assert daily_consumption(D(10), 4) == D("2.5")
    assert cover_days(D(45), D(90), 30) == D("15.0")
    # 10 on hand, 7 consumed in 30 days: 10 * 30 / 7 = 42.857.. -> 42.9.
    assert cover_days(D(10), D(7), 30) == D("42.9")
    # 1 on hand, 4 consumed in 1 day: 0.25 -> 0.3 (half-up, not half-even).
    assert cover_days(D(1), D(4), 1) == D("0.3")
    assert cover_days(D(10), D(0), 30) is None
    with pytest.raises(CashCoreError):
        cover_days(D(10), D(7), 0)
    with pytest.raises(TypeError):
        cover_days(10.0, D(7), 30)
    with pytest.raises(TypeError):
        daily_consumption(7.0, 30)


def test_overstock():
    # Daily 90 / 30 = 3, target 20 days = 60: 100 - 60 = 40 above target.
    assert overstock(D(100), D(90), 30, 20) == D(40)
    # 50 on hand is below 60: no overstock.
    assert overstock(D(50), D(90), 30, 20) == D(0)
    # Daily 45 / 30 = 1.5, 7 days = 10.5: 12.5 - 10.5 = 2.0 exactly.
    assert overstock(D("12.5"), D(45), 30, 7) == D("2.0")
    # Nothing consumed: the whole positive stock is overstock.
    assert overstock(D(10), D(0), 30, 20) == D(10)
    assert overstock(D(-5), D(0), 30, 20) == D(0)
    with pytest.raises(CashCoreError):
        overstock(D(10), D(1), 30, -1)
    with pytest.raises(TypeError):
        overstock(D(10), 1.0, 30, 20)


def test_dio():
    # 12000.00 / 36500.00 * 365 = 120.0 days.
    assert dio(D("12000.00"), D("36500.00"), 365) == D("120.0")
    # 1000 / 700 * 30 = 42.857.. -> 42.9.
    assert dio(D(1000), D(700), 30) == D("42.9")
    assert dio(D(1000), D(0), 30) is None
    assert dio(D(1000), D(-5), 30) is None
    with pytest.raises(TypeError):
        dio(1000.0, D(700), 30)
