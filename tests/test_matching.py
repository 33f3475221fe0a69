"""Payout <-> bank line matching (marketplace_cash.core.matching), as whole results."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from marketplace_cash.core.matching import (
    Alternative,
    BankLine,
    Match,
    MatchingError,
    MatchOptions,
    Payout,
    Proposal,
    Result,
    in_window,
    label_mentions,
    match,
)

DAY0 = date(2025, 3, 3)


def day(offset):
    return DAY0 + timedelta(days=offset)


def pay(pid, amount, offset=0, channel="amazon_fr", currency="EUR", refs=()):
    deposit = None if offset is None else day(offset)
    return Payout(pid, channel, currency, Decimal(amount), deposit, tuple(refs))


def line(lid, amount, offset=0, label="VIR AMAZON PAYMENTS", currency="EUR", **kw):
    return BankLine(lid, currency, Decimal(amount), day(offset), label, **kw)


def alt(payout_ids, kind, score):
    return Alternative(tuple(payout_ids), kind, score)


# ---- rule 1: exact amount, window, sign ------------------------------------------


def test_exact_single_match():
    payouts = [pay("P1", "1250.40"), pay("P2", "310.00")]
    assert match(payouts, [line("B1", "1250.40", 2)]) == Result(
        matches=(Match("B1", ("P1",), "exact", 88),),
        unmatched_payout_ids=("P2",),
    )


def test_no_match_for_a_cent_difference():
    payouts = [pay("P1", "500.00"), pay("P2", "7.00")]
    lines = [line("B1", "500.01"), line("B2", "499.99"), line("B3", "0.00")]
    assert match(payouts, lines) == Result(
        unmatched_bank_line_ids=("B1", "B2", "B3"),
        unmatched_payout_ids=("P1", "P2"),
    )


@pytest.mark.parametrize(
    "offset, expected",
    [
        (-2, Result(matches=(Match("B1", ("P1",), "exact", 88),))),
        (7, Result(matches=(Match("B1", ("P1",), "exact", 83),))),
        (-3, Result(unmatched_bank_line_ids=("B1",), unmatched_payout_ids=("P1",))),
        (8, Result(unmatched_bank_line_ids=("B1",), unmatched_payout_ids=("P1",))),
    ],
)
def test_date_window_edges(offset, expected):
    assert match([pay("P1", "42.00", 0)], [line("B1", "42.00", offset)]) == expected


def test_window_is_configurable():
    options = MatchOptions(window_before=0, window_after=1)
    payouts = [pay("P1", "42.00", 0)]
    lines = [line("B1", "42.00", -1), line("B2", "42.00", 1)]
    assert match(payouts, lines, options) == Result(
        matches=(Match("B2", ("P1",), "exact", 89),),
        unmatched_bank_line_ids=("B1",),
    )


def test_per_channel_windows():
    options = MatchOptions(windows={"stripe": (0, 2)})
    payouts = [pay("P1", "10.00", 0, "stripe"), pay("P2", "20.00", 0)]
    lines = [line("B1", "10.00", 3), line("B2", "20.00", 7), line("B3", "10.00", -1)]
    assert match(payouts, lines, options) == Result(
        matches=(Match("B2", ("P2",), "exact", 83),),
        unmatched_bank_line_ids=("B1", "B3"),
        unmatched_payout_ids=("P1",),
    )
    assert match(payouts, lines[:1]) == Result(
        matches=(Match("B1", ("P1",), "exact", 87),),
        unmatched_payout_ids=("P2",),
    )


def test_in_window_bounds():
    assert [in_window(day(d), DAY0) for d in (-3, -2, 0, 7, 8)] == [
        False,
        True,
        True,
        True,
        False,
    ]


def test_negative_payout_matches_a_debit_only():
    payouts = [pay("P1", "-45.20", 0), pay("P2", "45.20", 10)]
    lines = [
        line("B1", "45.20", 1, "AMAZON"),
        line("B2", "-45.20", 1, "PRLV AMAZON"),
    ]
    assert match(payouts, lines) == Result(
        matches=(Match("B2", ("P1",), "exact", 89),),
        unmatched_bank_line_ids=("B1",),
        unmatched_payout_ids=("P2",),
    )


# ---- rule 2: references --------------------------------------------------------------


def test_same_amount_on_two_payouts_is_a_proposal():
    payouts = [pay("P1", "99.90", 0), pay("P2", "99.90", 1), pay("P3", "12.00")]
    assert match(payouts, [line("B1", "99.90", 2)]) == Result(
        proposals=(
            Proposal("B1", (alt(["P2"], "exact", 89), alt(["P1"], "exact", 88))),
        ),
        unmatched_payout_ids=("P3",),
    )


def test_reference_token_disambiguates_same_amounts():
    payouts = [
        pay("P1", "99.90", 0, refs=["11223344556"]),
        pay("P2", "99.90", 1, refs=["11223344557"]),
    ]
    lines = [line("B1", "99.90", 2, "VIR SEPA AMAZON 11223344556/EU")]
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P1",), "reference", 98),),
        unmatched_payout_ids=("P2",),
    )


def test_reference_as_substring_of_eight_chars_or_more():
    payouts = [
        pay("P1", "10.00", 0, "stripe", refs=["po_1NxA2bC3dE"]),
        pay("P2", "10.00", 0, "stripe", refs=["po_1NxZZZZZZZ"]),
        pay("P3", "20.00", 0, refs=["A77"]),
        pay("P4", "20.00", 0, refs=["B88"]),
    ]
    lines = [
        line("B1", "10.00", 1, "STRIPEPO_1NXA2BC3DETRANSFER"),
        line("B2", "20.00", 1, "PAYOUT A778"),
    ]
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P1",), "reference", 99),),
        proposals=(
            Proposal("B2", (alt(["P3"], "exact", 89), alt(["P4"], "exact", 89))),
        ),
        unmatched_payout_ids=("P2",),
    )


def test_label_mentions():
    assert [
        label_mentions("VIR 11223344556", "11223344556"),
        label_mentions("vir-a-77-fr", "A-77"),
        label_mentions("VIR A-778", "A-77"),
        label_mentions("XX99887766XX", "99887766"),
        label_mentions("XX9988776XX", "9988776"),
        label_mentions("ANYTHING", ""),
        label_mentions("PAYOUT ---------", "---------"),
    ] == [True, True, False, True, False, False, False]


def test_reference_alone_without_the_exact_amount_does_not_match():
    payouts = [pay("P1", "99.90", 0, refs=["11223344556"])]
    lines = [line("B1", "99.91", 1, "AMAZON 11223344556")]
    assert match(payouts, lines) == Result(
        unmatched_bank_line_ids=("B1",), unmatched_payout_ids=("P1",)
    )


def test_undated_payout_needs_a_reference():
    payouts = [pay("P1", "70.00", None, refs=["S-1"]), pay("P2", "80.00", None)]
    lines = [line("B1", "70.00", 40, "PAYOUT S-1"), line("B2", "80.00", 40)]
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P1",), "reference", 90),),
        proposals=(Proposal("B2", (alt(["P2"], "exact", 80),)),),
    )


# ---- rule 3: several payouts in one deposit ------------------------------------------


def test_two_payouts_in_one_deposit():
    payouts = [
        pay("P1", "100.00", 0),
        pay("P2", "250.55", 1),
        pay("P3", "40.00", 1),
        pay("P4", "250.55", 1, channel="cdiscount"),
    ]
    lines = [line("B1", "350.55", 3)]
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P1", "P2"), "group", 77),),
        unmatched_payout_ids=("P3", "P4"),
    )


def test_group_members_must_share_the_channel_and_the_window():
    payouts = [
        pay("P1", "100.00", 0),
        pay("P2", "200.00", 0, channel="cdiscount"),
        pay("P3", "30.00", 0),
        pay("P4", "40.00", 12),
    ]
    lines = [line("B1", "300.00", 1), line("B2", "70.00", 1)]
    assert match(payouts, lines) == Result(
        unmatched_bank_line_ids=("B1", "B2"),
        unmatched_payout_ids=("P1", "P2", "P3", "P4"),
    )


def test_several_subsets_are_proposals():
    payouts = [
        pay("P1", "100.00", 0),
        pay("P2", "200.00", 0),
        pay("P3", "150.00", 1),
        pay("P4", "150.00", 2),
    ]
    assert match(payouts, [line("B1", "300.00", 2)]) == Result(
        proposals=(
            Proposal(
                "B1",
                (alt(["P3", "P4"], "group", 79), alt(["P1", "P2"], "group", 78)),
            ),
        ),
    )


def test_group_of_four_and_the_size_limit():
    payouts = [
        pay(f"P{i}", amount, i)
        for i, amount in enumerate(["1.01", "2.02", "3.03", "4.04"])
    ]
    lines = [line("B1", "10.10", 3)]
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P0", "P1", "P2", "P3"), "group", 77),),
    )
    assert match(payouts, lines, MatchOptions(max_group_size=3)) == Result(
        unmatched_bank_line_ids=("B1",),
        unmatched_payout_ids=("P0", "P1", "P2", "P3"),
    )


def test_group_sums_ignore_the_decimal_notation():
    payouts = [
        pay("P1", "100.5", 0),
        pay("P2", "99.50", 1),
        pay("P3", "0.001", 1),
        pay("P4", "7", 1),
    ]
    lines = [line("B1", "200", 1), line("B2", "7.0010", 1)]
    assert match(payouts, lines) == Result(
        matches=(
            Match("B1", ("P1", "P2"), "group", 79),
            Match("B2", ("P3", "P4"), "group", 80),
        ),
    )


def test_reference_picks_one_subset():
    payouts = [
        pay("P1", "100.00", 0, refs=["S-100"]),
        pay("P2", "200.00", 0),
        pay("P3", "150.00", 0),
        pay("P4", "150.00", 0),
    ]
    lines = [line("B1", "300.00", 1, "AMAZON S-100")]
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P1", "P2"), "group", 79),),
        unmatched_payout_ids=("P3", "P4"),
    )


def test_a_single_candidate_of_a_line_joins_no_group():
    payouts = [pay("P1", "150.00", 0), pay("P2", "200.00", 0), pay("P3", "300.00", 0)]
    lines = [
        line("B1", "500.00", 1),  # P2 + P3, but P3 is B2's single candidate
        line("B2", "300.00", 1),
    ]
    assert match(payouts, lines) == Result(
        matches=(Match("B2", ("P3",), "exact", 89),),
        unmatched_bank_line_ids=("B1",),
        unmatched_payout_ids=("P1", "P2"),
    )


def test_a_single_and_a_group_of_the_same_amount_make_a_proposal():
    payouts = [pay("P1", "100.00", 0), pay("P2", "200.00", 0), pay("P3", "300.00", 2)]
    assert match(payouts, [line("B1", "300.00", 1)]) == Result(
        proposals=(
            Proposal("B1", (alt(["P3"], "exact", 89), alt(["P1", "P2"], "group", 79))),
        ),
    )
    lines = [line("B1", "300.00", 1, "PAYOUT 300-REF")]
    payouts[2] = pay("P3", "300.00", 2, refs=["300-REF"])
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P3",), "reference", 99),),
        unmatched_payout_ids=("P1", "P2"),
    )


def test_too_many_neighbours_make_group_proposals_only():
    payouts = [pay(f"P{i}", f"{i + 1}.00", 0) for i in range(4)]
    lines = [line("B1", "7.00", 0)]  # 3 + 4
    options = MatchOptions(max_group_neighbours=2)
    assert match(payouts, lines, options) == Result(
        proposals=(Proposal("B1", (alt(["P2", "P3"], "group", 80),)),),
        unmatched_payout_ids=("P0", "P1"),
    )
    assert match(payouts, lines) == Result(
        proposals=(
            Proposal(
                "B1",
                (alt(["P0", "P1", "P3"], "group", 80), alt(["P2", "P3"], "group", 80)),
            ),
        ),
    )


# ---- rule 4: one payout, one line --------------------------------------------------


def test_payout_claimed_by_two_lines_makes_proposals():
    payouts = [pay("P1", "75.00", 0)]
    lines = [line("B1", "75.00", 1), line("B2", "75.00", 2)]
    assert match(payouts, lines) == Result(
        proposals=(
            Proposal("B1", (alt(["P1"], "exact", 89),)),
            Proposal("B2", (alt(["P1"], "exact", 88),)),
        ),
    )


def test_a_reference_wins_a_conflict():
    payouts = [pay("P1", "75.00", 0, refs=["S-75"])]
    lines = [line("B1", "75.00", 1), line("B2", "75.00", 2, "AMAZON S-75")]
    assert match(payouts, lines) == Result(
        matches=(Match("B2", ("P1",), "reference", 98),),
        unmatched_bank_line_ids=("B1",),
    )


def test_two_groups_sharing_a_payout_make_proposals():
    two_groups = [line("B1", "300.00", 1), line("B2", "301.00", 1)]
    payouts = [pay("P1", "100.00", 0), pay("P2", "200.00", 0), pay("P3", "101.00", 0)]
    assert match(payouts, two_groups) == Result(
        proposals=(
            Proposal("B1", (alt(["P1", "P2"], "group", 79),)),
            Proposal("B2", (alt(["P2", "P3"], "group", 79),)),
        ),
    )


def test_proposals_never_offer_a_matched_payout():
    payouts = [
        pay("P1", "60.00", 0, refs=["S-1"]),
        pay("P2", "60.00", 0),
        pay("P3", "60.00", 0),
    ]
    lines = [line("B1", "60.00", 1, "AMAZON S-1"), line("B2", "60.00", 1)]
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P1",), "reference", 99),),
        proposals=(
            Proposal("B2", (alt(["P2"], "exact", 89), alt(["P3"], "exact", 89))),
        ),
    )


def test_max_alternatives():
    payouts = [pay(f"P{i}", "5.00", i % 3) for i in range(5)]
    result = match(payouts, [line("B1", "5.00", 2)], MatchOptions(max_alternatives=2))
    assert result == Result(
        proposals=(
            Proposal("B1", (alt(["P2"], "exact", 90), alt(["P1"], "exact", 89))),
        ),
        unmatched_payout_ids=("P0", "P3", "P4"),
    )


# ---- rule 5: foreign currencies ---------------------------------------------------


def test_fx_deposit_with_the_foreign_amount():
    payouts = [
        pay("P1", "1000.00", 0, "amazon_us", "USD"),
        pay("P2", "921.37", 0, "amazon_fr", "EUR"),
        pay("P3", "-20.00", 0, "amazon_us", "USD"),
    ]
    lines = [
        line("B1", "921.37", 3, foreign_currency="USD", amount_foreign=Decimal("1000")),
        line("B2", "-18.40", 3, foreign_currency="USD", amount_foreign=Decimal("20")),
    ]
    assert match(payouts, lines) == Result(
        proposals=(Proposal("B1", (alt(["P1"], "fx", 87), alt(["P2"], "exact", 87))),),
        matches=(Match("B2", ("P3",), "fx", 87),),
    )
    assert match(payouts[:1], lines[:1]) == Result(
        matches=(Match("B1", ("P1",), "fx", 87),),
    )


def convert_at(rates, calls):
    def convert(amount, from_currency, to_currency, on):
        calls.append((amount, from_currency, to_currency, on))
        rate = rates.get((from_currency, to_currency))
        return None if rate is None else (amount * rate).quantize(Decimal("0.01"))

    return convert


def test_fx_via_the_converter_is_a_proposal():
    payouts = [
        pay("P1", "1000.00", 0, "amazon_us", "USD"),
        pay("P2", "990.00", 0, "amazon_us", "USD"),
        pay("P3", "800.00", 0, "amazon_uk", "GBP"),
    ]
    lines = [line("B1", "921.37", 3)]
    calls = []
    options = MatchOptions(
        fx_tolerance=Decimal("0.001"),
        convert=convert_at({("EUR", "USD"): Decimal("1.085")}, calls),
    )
    assert match(payouts, lines, options) == Result(
        proposals=(Proposal("B1", (alt(["P1"], "fx", 57),)),),
        unmatched_payout_ids=("P2", "P3"),
    )
    assert sorted(calls) == [
        (Decimal("921.37"), "EUR", "GBP", day(3)),
        (Decimal("921.37"), "EUR", "USD", day(3)),
    ]
    exact_only = MatchOptions(convert=options.convert)
    assert match(payouts, lines, exact_only) == Result(
        unmatched_bank_line_ids=("B1",), unmatched_payout_ids=("P1", "P2", "P3")
    )
    assert match(payouts, lines) == Result(
        unmatched_bank_line_ids=("B1",), unmatched_payout_ids=("P1", "P2", "P3")
    )


def test_fx_group_in_the_foreign_currency():
    payouts = [
        pay("P1", "600.00", 0, "amazon_us", "USD"),
        pay("P2", "400.00", 1, "amazon_us", "USD"),
    ]
    lines = [
        line("B1", "921.37", 3, foreign_currency="USD", amount_foreign=Decimal("1000"))
    ]
    assert match(payouts, lines) == Result(
        matches=(Match("B1", ("P1", "P2"), "group", 77),),
    )


# ---- input checks ------------------------------------------------------------------


def test_duplicate_ids_and_bad_options_are_refused():
    with pytest.raises(MatchingError, match="duplicate payout id 'P1'"):
        match([pay("P1", "1.00"), pay("P1", "2.00")], [])
    with pytest.raises(MatchingError, match="duplicate bank line id 'B1'"):
        match([], [line("B1", "1.00"), line("B1", "2.00")])
    with pytest.raises(MatchingError, match="fx_tolerance"):
        match([], [], MatchOptions(fx_tolerance=Decimal(1)))
    with pytest.raises(MatchingError, match="window"):
        match([], [], MatchOptions(window_before=-1))


def test_empty_input():
    assert match([], []) == Result()


# ---- property: whatever the data, automatic matches are sound --------------------

CHANNELS = {"a": "EUR", "b": "EUR", "c": "GBP", "d": "USD"}
WINDOWS = st.tuples(st.integers(0, 3), st.integers(0, 8))


@st.composite
def scenarios(draw):
    count = draw(st.integers(1, 25))
    payouts = []
    for i in range(count):
        channel = draw(st.sampled_from(sorted(CHANNELS)))
        cents = draw(st.integers(-3000, -1) | st.integers(1, 30000))
        offset = draw(st.integers(0, 11))
        offset = None if offset > 10 else offset  # about one payout in twelve undated
        refs = (f"REF{i:06d}",)
        payouts.append(
            pay(f"P{i}", Decimal(cents) / 100, offset, channel, CHANNELS[channel], refs)
        )
    order = draw(st.permutations(range(count)))
    if draw(st.booleans()):  # consecutive payouts of one channel: groups are likely
        order.sort(key=lambda k: group_key(payouts[k]))
    lines, start = [], 0
    while start < count:
        size = draw(st.integers(1, 3))
        members = [payouts[k] for k in order[start : start + size]]
        start += size
        lines.append(draw(line_for(len(lines), members)))
    for _ in range(draw(st.integers(0, 4))):
        cents = draw(st.integers(-3000, 30000))
        lines.append(
            line(f"B{len(lines)}", Decimal(cents) / 100, draw(st.integers(-5, 30)))
        )
    windows = draw(st.dictionaries(st.sampled_from(sorted(CHANNELS)), WINDOWS))
    options = MatchOptions(
        max_group_size=draw(st.integers(1, 4)),
        max_group_neighbours=draw(st.integers(1, 10)),
        windows=windows,
    )
    return payouts, lines, options


def group_key(payout):
    deposit = payout.deposit_date or DAY0
    return payout.channel_id, payout.amount > 0, deposit


@st.composite
def line_for(draw, number, members):
    first = members[0]
    dates = [p.deposit_date for p in members if p.deposit_date]
    base = max(dates) if dates else day(draw(st.integers(0, 20)))
    when = base + timedelta(days=draw(st.integers(-3, 9)))
    total = sum(p.amount for p in members)
    label = " ".join(
        draw(st.sets(st.sampled_from([p.refs[0] for p in members] + ["AMZ"])))
    )
    if first.currency != "EUR" and draw(st.booleans()):
        rate = Decimal("1.17") if first.currency == "GBP" else Decimal("0.92")
        eur = (total * rate).quantize(Decimal("0.01"))
        return BankLine(
            f"B{number}", "EUR", eur, when, label, first.currency, abs(total)
        )
    return BankLine(f"B{number}", first.currency, total, when, label)


def targets_of(bank_line):
    yield bank_line.currency, bank_line.amount
    if bank_line.foreign_currency:
        yield (
            bank_line.foreign_currency,
            abs(bank_line.amount_foreign).copy_sign(bank_line.amount),
        )


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_automatic_matches_are_sound(scenario):
    payouts, lines, options = scenario
    result = match(payouts, lines, options)
    by_id = {p.id: p for p in payouts}
    lines_by_id = {bank_line.id: bank_line for bank_line in lines}
    used = [pid for m in result.matches for pid in m.payout_ids]
    assert len(used) == len(set(used))
    for m in result.matches:
        event(f"match {m.kind}")
        bank_line, members = (
            lines_by_id[m.bank_line_id],
            [by_id[i] for i in m.payout_ids],
        )
        total = sum(p.amount for p in members)
        currencies = {p.currency for p in members}
        assert any(currencies == {c} and total == a for c, a in targets_of(bank_line))
        for p in members:
            assert p.deposit_date is not None or m.kind == "reference"
            assert in_window(bank_line.date, p.deposit_date, options, p.channel_id)
        if m.kind == "group":
            assert 2 <= len(members) <= options.max_group_size
            assert len({(p.channel_id, p.amount > 0) for p in members}) == 1
    proposed = [p.bank_line_id for p in result.proposals]
    matched = [m.bank_line_id for m in result.matches]
    all_lines = matched + proposed + list(result.unmatched_bank_line_ids)
    assert sorted(all_lines) == sorted(lines_by_id)
    offered = {
        i for p in result.proposals for a in p.alternatives for i in a.payout_ids
    }
    assert not offered & set(used)
    assert set(result.unmatched_payout_ids) == set(by_id) - offered - set(used)
    for proposal in result.proposals:
        bank_line = lines_by_id[proposal.bank_line_id]
        for alternative in proposal.alternatives:
            members = [by_id[i] for i in alternative.payout_ids]
            total = sum(p.amount for p in members)
            assert any(
                {p.currency for p in members} == {c} and total == a
                for c, a in targets_of(bank_line)
            )
    reverse = match(payouts[::-1], lines[::-1], options)
    assert {
        (m.bank_line_id, frozenset(m.payout_ids), m.kind, m.score)
        for m in reverse.matches
    } == {
        (m.bank_line_id, frozenset(m.payout_ids), m.kind, m.score)
        for m in result.matches
    }
