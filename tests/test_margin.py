"""Net-net margin, floor price and margin rules of ``margin_alerts.core.margin``.

Every expected number is worked by hand in the comments.
"""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from margin_alerts.core.exceptions import MarginCoreError, NoFloorPrice
from margin_alerts.core.margin import (
    CostProfile,
    LineInput,
    Rule,
    RuleContext,
    evaluate,
    floor_price,
    line_margin,
    pick_rule,
    specificity,
)

CENT = D("0.01")

# The marketplace line of the issue: 39.90 TTC, 20 % VAT, 15 % commission on the TTC
# price, 3.20 fulfilment per unit, 5 % returns costing 5.00 each (our assumption for
# cost_per_return), 8 % ACoS on revenue excl. VAT, unit cost 12.00, one unit.
MARKETPLACE = CostProfile(
    commission_rate=D("0.15"),
    fulfilment_per_unit=D("3.20"),
    return_rate=D("0.05"),
    cost_per_return=D("5.00"),
    acos=D("0.08"),
)
ISSUE_LINE = LineInput(D("39.90"), D("1"), D("0"), D("0.20"), D("12.00"))


def with_price(line, price):
    return LineInput(
        price,
        line.quantity,
        line.discount,
        line.tax_rate,
        line.unit_cost,
        line.order_line_count,
    )


def rate_at(line, profile, price):
    return line_margin(with_price(line, price), profile).net_margin_percent


# --- line_margin ---------------------------------------------------------------------


def test_issue_line_exact_components():
    m = line_margin(ISSUE_LINE, MARKETPLACE, currency_decimals=None)
    assert m.revenue == D("33.25")  # 39.90 / 1.20
    assert m.cost_of_goods == D("12")  # 1 x 12.00
    assert m.commission == D("5.985")  # 0.15 x 39.90 (TTC)
    assert m.fulfilment == D("3.2")  # 1 x 3.20
    assert m.payment_fee == 0
    assert m.shipping == 0
    assert m.returns == D("0.25")  # 1 x 0.05 x 5.00
    assert m.advertising == D("2.66")  # 0.08 x 33.25
    assert m.other == 0
    assert m.fixed_fees == 0
    # 33.25 - 12 - 5.985 - 3.20 - 0.25 - 2.66 = 33.25 - 24.095 = 9.155
    assert m.net_margin == D("9.155")


def test_issue_line_rounded_at_the_end():
    m = line_margin(ISSUE_LINE, MARKETPLACE)
    assert m.revenue == D("33.25")
    assert m.cost_of_goods == D("12.00")
    assert m.commission == D("5.99")  # 5.985 half-up
    assert m.fulfilment == D("3.20")
    assert m.payment_fee == D("0.00")
    assert m.shipping == D("0.00")
    assert m.returns == D("0.25")
    assert m.advertising == D("2.66")
    assert m.other == D("0.00")
    assert m.fixed_fees == D("0.00")
    # 9.155 half-up: the exact net margin is rounded, not the rounded components
    # (33.25 - 12.00 - 5.99 - 3.20 - 0.25 - 2.66 would give 9.15).
    assert m.net_margin == D("9.16")
    # 9.155 / 33.25 = 0.27533...: the exact ratio, unrounded.
    assert m.net_margin_percent == D("9.155") / D("33.25")
    assert str(m.net_margin_percent).startswith("0.275338")


def test_issue_line_floor_price_for_ten_percent():
    # With R = P / 1.2: margin = R - 12 - 0.15 x 1.2 R - 3.20 - 0.25 - 0.08 R
    #                          = 0.74 R - 15.45;  0.74 R - 15.45 = 0.10 R
    # -> R = 15.45 / 0.64 = 24.140625 -> P = 28.96875 -> 28.97 (rounded up).
    floor = floor_price(ISSUE_LINE, MARKETPLACE, D("0.10"))
    assert floor == D("28.97")
    # At 28.97: R = 24.141666..., margin 2.414833..., rate 0.100028 >= 0.10.
    assert rate_at(ISSUE_LINE, MARKETPLACE, floor) >= D("0.10")
    # At 28.96: R = 24.133333..., margin 2.408666..., rate 0.099807 < 0.10.
    assert rate_at(ISSUE_LINE, MARKETPLACE, floor - CENT) < D("0.10")


# A cheap item where the commission minimum per unit bites: 9.90 TTC, 20 % VAT,
# 15 % commission (min 2.00 per unit), 2.50 fulfilment, cost 3.00, two units.
MIN_PROFILE = CostProfile(
    commission_rate=D("0.15"),
    commission_min_per_unit=D("2.00"),
    fulfilment_per_unit=D("2.50"),
)
MIN_LINE = LineInput(D("9.90"), D("2"), D("0"), D("0.20"), D("3.00"))


def test_commission_minimum_per_unit_applies():
    m = line_margin(MIN_LINE, MIN_PROFILE)
    assert m.revenue == D("16.50")  # 2 x 9.90 / 1.2 = 2 x 8.25
    # 0.15 x 9.90 = 1.485 < 2.00 per unit -> 2 x 2.00
    assert m.commission == D("4.00")
    assert m.cost_of_goods == D("6.00")  # 2 x 3.00
    assert m.fulfilment == D("5.00")  # 2 x 2.50
    assert m.net_margin == D("1.50")  # 16.50 - 4.00 - 6.00 - 5.00
    assert m.net_margin_percent == D("1.50") / D("16.50")  # 0.0909...


def test_floor_price_on_the_minimum_commission_branch():
    # Per unit, x = P / 1.2, fixed costs C = 3.00 + 2.50 = 5.50.
    # Percentage branch: x (1 - 0.18 - 0.10) >= 5.50 -> x >= 7.6388...
    # Minimum branch:    x (1 - 0.10) >= 5.50 + 2.00 -> x >= 8.3333... (binding)
    # -> P = 8.3333... x 1.2 = 10.00 exactly; there 0.15 x 10 = 1.50 < 2.00.
    floor = floor_price(MIN_LINE, MIN_PROFILE, D("0.10"))
    assert floor == D("10.00")
    m = line_margin(with_price(MIN_LINE, floor), MIN_PROFILE, currency_decimals=None)
    assert m.commission == D("4")  # the minimum, 2 x 2.00
    assert m.net_margin_percent == D("0.1")  # exactly the threshold
    assert rate_at(MIN_LINE, MIN_PROFILE, floor - CENT) < D("0.10")


def test_floor_price_on_the_percentage_branch_despite_a_minimum():
    profile = CostProfile(
        commission_rate=D("0.15"),
        commission_min_per_unit=D("0.30"),
        fulfilment_per_unit=D("2.50"),
    )
    # Percentage branch: x >= 5.50 / 0.72 = 7.6388... (binding)
    # Minimum branch:    x >= 5.80 / 0.90 = 6.4444...
    # -> P = 7.6388... x 1.2 = 9.1666... -> 9.17; commission 0.15 x 9.17 > 0.30.
    floor = floor_price(MIN_LINE, profile, D("0.10"))
    assert floor == D("9.17")
    assert rate_at(MIN_LINE, profile, floor) >= D("0.10")
    assert rate_at(MIN_LINE, profile, floor - CENT) < D("0.10")


# B2B: 100.00 excl. VAT, 10 % discount, 3 units, cost 55.00, payment terms 1 %.
B2B = CostProfile.b2b(D("0.01"))
B2B_LINE = LineInput(D("100.00"), D("3"), D("0.10"), D("0.20"), D("55.00"))


def test_b2b_line_with_discount():
    m = line_margin(B2B_LINE, B2B)
    assert m.revenue == D("270.00")  # 3 x 100.00 x 0.90 (prices excl. VAT)
    assert m.cost_of_goods == D("165.00")  # 3 x 55.00
    assert m.payment_fee == D("2.70")  # 0.01 x 270.00 (excl. VAT basis)
    assert m.commission == D("0.00")
    assert m.net_margin == D("102.30")  # 270.00 - 165.00 - 2.70
    assert m.net_margin_percent == D("102.30") / D("270")  # 0.37888...


def test_b2b_floor_price_keeps_the_discount():
    # x (1 - 0.01 - 0.30) >= 55 -> x >= 79.7101...; P = x / 0.90 = 88.5668... -> 88.57
    floor = floor_price(B2B_LINE, B2B, D("0.30"))
    assert floor == D("88.57")
    assert rate_at(B2B_LINE, B2B, floor) >= D("0.30")
    assert rate_at(B2B_LINE, B2B, floor - CENT) < D("0.30")


def test_order_level_fees_are_shared_between_lines():
    profile = CostProfile(
        shipping_per_order=D("6.00"),
        fixed_fee_per_order=D("1.00"),
        payment_fee_rate=D("0.02"),
        commission_on_tax_included=True,
        price_includes_tax=False,
    )
    line = LineInput(D("12.00"), D("1"), D("0"), D("0.20"), D("5.00"), 3)
    m = line_margin(line, profile)
    assert m.revenue == D("12.00")  # excl. VAT price
    assert m.payment_fee == D("0.29")  # 0.02 x 14.40 (VAT-incl. base) = 0.288
    assert m.shipping == D("2.00")  # 6.00 / 3 lines
    assert m.fixed_fees == D("0.33")  # 1.00 / 3 = 0.333...
    # 12 - 5 - 0.288 - 2 - 0.3333... = 4.37866... -> 4.38
    assert m.net_margin == D("4.38")


def test_other_costs():
    profile = CostProfile(other_rate=D("0.02"), other_fixed_per_unit=D("0.10"))
    line = LineInput(D("24.00"), D("2"), D("0"), D("0.20"), D("0"))
    m = line_margin(line, profile)
    assert m.revenue == D("40.00")  # 2 x 24.00 / 1.2
    assert m.other == D("1.00")  # 0.02 x 40.00 + 2 x 0.10


def test_zero_revenue_gives_a_zero_rate():
    m = line_margin(with_price(ISSUE_LINE, D("0")), MARKETPLACE)
    assert m.revenue == D("0.00")
    assert m.net_margin_percent == 0


def test_floats_are_refused():
    with pytest.raises(TypeError):
        line_margin(with_price(ISSUE_LINE, 39.9), MARKETPLACE)


def test_no_floor_price_when_fees_eat_every_price():
    greedy = CostProfile(commission_rate=D("0.50"), acos=D("0.30"))
    # 1 - 0.5 x 1.2 - 0.30 = 0.10 of the revenue left at most: 0.20 is out of reach.
    with pytest.raises(NoFloorPrice):
        floor_price(ISSUE_LINE, greedy, D("0.20"))
    full_discount = LineInput(D("10"), D("1"), D("1"), D("0.20"), D("1"))
    with pytest.raises(NoFloorPrice):
        floor_price(full_discount, MARKETPLACE, D("0.10"))
    no_quantity = LineInput(D("10"), D("0"), D("0"), D("0.20"), D("1"))
    with pytest.raises(MarginCoreError):
        floor_price(no_quantity, MARKETPLACE, D("0.10"))


def test_floor_price_without_any_fixed_cost_is_one_cent():
    free = LineInput(D("0"), D("1"), D("0"), D("0.20"), D("0"))
    assert floor_price(free, CostProfile(commission_rate=D("0.15")), D("0.5")) == CENT


# --- floor price property ------------------------------------------------------------


def dec(low, high, places=2):
    return st.decimals(
        D(low), D(high), places=places, allow_nan=False, allow_infinity=False
    )


profiles = st.builds(
    CostProfile,
    commission_rate=dec("0", "0.25"),
    commission_min_per_unit=dec("0", "3"),
    fixed_fee_per_order=dec("0", "5"),
    fulfilment_per_unit=dec("0", "5"),
    payment_fee_rate=dec("0", "0.03", 3),
    shipping_per_order=dec("0", "8"),
    shipping_per_unit=dec("0", "3"),
    return_rate=dec("0", "0.20"),
    cost_per_return=dec("0", "10"),
    acos=dec("0", "0.20"),
    other_rate=dec("0", "0.05"),
    other_fixed_per_unit=dec("0", "2"),
    commission_on_tax_included=st.booleans(),
    price_includes_tax=st.booleans(),
)
lines = st.builds(
    LineInput,
    price_unit=st.just(D("0")),
    quantity=st.integers(1, 5).map(D),
    discount=dec("0", "0.50"),
    tax_rate=st.sampled_from([D("0"), D("0.055"), D("0.10"), D("0.20")]),
    unit_cost=dec("0", "100"),
    order_line_count=st.integers(1, 4),
)


@settings(max_examples=300, deadline=None)
@given(line=lines, profile=profiles, threshold=dec("0.01", "0.40"))
def test_floor_price_is_the_smallest_cent_price_reaching_the_threshold(
    line, profile, threshold
):
    try:
        floor = floor_price(line, profile, threshold)
    except NoFloorPrice:
        assert rate_at(line, profile, D("1000000000")) < threshold
        return
    assert floor >= CENT
    assert floor == floor.quantize(CENT)
    assert rate_at(line, profile, floor) >= threshold
    if floor > CENT:
        assert rate_at(line, profile, floor - CENT) < threshold


# --- rules ---------------------------------------------------------------------------


def test_customer_rule_beats_channel_and_category_rule():
    rules = [
        Rule(1, channel_id="amazon", category_ids=("phones",), team_id="web"),
        Rule(2, customer_id=7),
    ]
    context = RuleContext(
        channel_id="amazon",
        category_path=("all", "phones"),
        customer_id=7,
        team_id="web",
    )
    assert pick_rule(rules, context).id == 2
    assert pick_rule(rules, RuleContext(channel_id="amazon", customer_id=8)) is None


def test_specificity_order_is_lexicographic():
    context = RuleContext(category_path=("all", "electronics", "phones"))
    electronics = Rule(1, category_ids=("electronics",))
    assert specificity(electronics, context) == (0, 0, 0, 2, 0, 0)
    ordered = [
        Rule("customer", customer_id=1),
        Rule("tag", customer_tag_ids=("vip",)),
        Rule("channel", channel_id="amazon"),
        Rule("category", category_ids=("phones",)),
        Rule("team", team_id="web"),
        Rule("company", company_id=1),
        Rule("default"),
    ]
    context = RuleContext(
        company_id=1,
        channel_id="amazon",
        category_path=("all", "phones"),
        customer_id=1,
        customer_tag_ids=("vip", "fr"),
        team_id="web",
    )
    remaining = list(ordered)
    for expected in ordered:
        assert pick_rule(remaining, context).id == expected.id
        remaining.remove(expected)


def test_deeper_category_beats_its_parent():
    rules = [
        Rule("parent", category_ids=("electronics",)),
        Rule("child", category_ids=("phones",)),
    ]
    phones = RuleContext(category_path=("all", "electronics", "phones"))
    assert pick_rule(rules, phones).id == "child"
    tablets = RuleContext(category_path=("all", "electronics", "tablets"))
    assert pick_rule(rules, tablets).id == "parent"
    assert pick_rule(rules, RuleContext(category_path=("all", "toys"))) is None


def test_amount_level_routes_to_finance_only_from_ten_thousand():
    rules = [
        Rule("sales", company_id=1, approve_below=D("0.10"), approver="sales"),
        Rule("finance", company_id=1, amount_min=D("10000"), approver="finance"),
        Rule("board", company_id=1, amount_min=D("50000"), approver="board"),
    ]

    def pick(amount):
        return pick_rule(rules, RuleContext(company_id=1, amount=D(amount))).id

    assert pick("9999.99") == "sales"
    assert pick("10000.00") == "finance"
    assert pick("25000") == "finance"
    assert pick("50000") == "board"
    # A more specific rule still wins over the amount level of a broader one.
    rules.append(Rule("amazon", company_id=1, channel_id="amazon"))
    context = RuleContext(company_id=1, channel_id="amazon", amount=D("25000"))
    assert pick_rule(rules, context).id == "amazon"


def test_ties_go_to_sequence_then_id():
    rules = [Rule(3, sequence=20), Rule(2, sequence=10), Rule(1, sequence=10)]
    assert pick_rule(rules, RuleContext()).id == 1
    assert pick_rule(rules[:1], RuleContext()).id == 3
    assert pick_rule([], RuleContext()) is None


def test_customer_tag_rule_needs_a_common_tag():
    rule = Rule(1, customer_tag_ids=("wholesale",))
    assert pick_rule([rule], RuleContext(customer_tag_ids=("wholesale", "fr"))) is rule
    assert pick_rule([rule], RuleContext(customer_tag_ids=("retail",))) is None


# --- evaluate ------------------------------------------------------------------------

RULE = Rule(
    1,
    warn_below=D("0.15"),
    approve_below=D("0.10"),
    forbid_below=D("0"),
    max_discount=D("0.20"),
    approver="sales_manager",
)


@pytest.mark.parametrize(
    ("rate", "level"),
    [
        (D("0.20"), "ok"),
        (D("0.15"), "ok"),  # thresholds are strict: "below"
        (D("0.1499"), "warn"),
        (D("0.10"), "warn"),
        (D("0.0999"), "approve"),
        (D("0"), "approve"),
        (D("-0.01"), "forbidden"),
    ],
)
def test_evaluate_margin_thresholds(rate, level):
    verdict = evaluate(rate, D("0"), RULE)
    assert verdict.level == level
    assert len(verdict.reasons) == (level != "ok")
    assert verdict.approver == ("sales_manager" if level == "approve" else None)


def test_evaluate_reasons_and_discount():
    verdict = evaluate(D("0.12"), D("0.25"), RULE)
    assert verdict.level == "approve"
    assert verdict.reasons == (
        "margin 12.00 % below 15.00 % (warning)",
        "discount 25.00 % above 20.00 % (approval required)",
    )
    assert evaluate(D("0.30"), D("0.20"), RULE).level == "ok"
    assert evaluate(D("-0.05"), D("0.25"), RULE).level == "forbidden"


def test_evaluate_without_rule_or_thresholds():
    assert evaluate(D("-1"), D("0.90"), None).level == "ok"
    assert evaluate(D("-1"), D("0.90"), Rule(1)).level == "ok"
