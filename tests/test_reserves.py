"""Reserves held and released, first in first out, and their ageing."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st
from marketplace_cash.core.reserves import Movement, OpenHold, ageing, allocate


def test_amazon_reserve_carry_over_closes_the_previous_hold():
    # Three settlements: each holds a new reserve and releases the previous one.
    movements = [
        Movement("amz", "S1", date(2026, 3, 1), D("-25.00")),
        Movement("amz", "S2", date(2026, 3, 15), D("25.00")),
        Movement("amz", "S2", date(2026, 3, 15), D("-40.00")),
        Movement("amz", "S3", date(2026, 3, 29), D("40.00")),
        Movement("amz", "S3", date(2026, 3, 29), D("-32.50")),
    ]
    holds, closures, extra = allocate(movements)
    assert holds == [OpenHold("amz", "S3", date(2026, 3, 29), D("32.50"), D("32.50"))]
    assert [(c.hold_payout_id, c.release_payout_id, c.amount) for c in closures] == [
        ("S1", "S2", D("25.00")),
        ("S2", "S3", D("40.00")),
    ]
    assert extra == []


def test_partial_release_and_channels_apart():
    movements = [
        Movement("a", "A1", date(2026, 1, 5), D("-100.00")),
        Movement("b", "B1", date(2026, 1, 6), D("-10.00")),
        Movement("a", "A2", date(2026, 1, 20), D("30.00")),
        Movement("a", "A3", date(2026, 2, 3), D("-5.00")),
        Movement("b", "B2", date(2026, 2, 4), D("15.00")),
    ]
    holds, closures, extra = allocate(movements)
    assert [(h.channel_id, h.payout_id, h.held, h.open) for h in holds] == [
        ("a", "A1", D("100.00"), D("70.00")),
        ("a", "A3", D("5.00"), D("5.00")),
    ]
    assert [(c.channel_id, c.amount) for c in closures] == [
        ("a", D("30.00")),
        ("b", D("10.00")),
    ]
    # Channel b released 5.00 more than it ever held in the data.
    assert extra == [("b", "B2", D("5.00"))]
    assert ageing(holds, date(2026, 4, 10)) == {
        "0-30": D("0"),
        "31-90": D("5.00"),
        "90+": D("70.00"),
    }


@given(
    st.lists(
        st.tuples(
            st.integers(0, 60),
            st.integers(-5000, 5000).filter(lambda cents: cents != 0),
        ),
        max_size=40,
    )
)
def test_nothing_is_created_or_lost(items):
    movements = [
        Movement("c", f"P{i}", date(2026, 1, 1).fromordinal(738000 + day), D(c) / 100)
        for i, (day, c) in enumerate(items)
    ]
    holds, closures, extra = allocate(movements)
    held = sum((-m.amount for m in movements if m.amount < 0), D(0))
    released = sum((m.amount for m in movements if m.amount > 0), D(0))
    closed = sum((c.amount for c in closures), D(0))
    assert closed + sum((e[2] for e in extra), D(0)) == released
    assert sum((h.open for h in holds), D(0)) == held - closed
    assert all(h.open > 0 for h in holds)
