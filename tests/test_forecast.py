"""The 13-week cash forecast: payout calendars, expected payouts, other flows, the
weekly table and scenarios."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_cash.core.exceptions import CashCoreError
from marketplace_cash.core.forecast import (
    Calendar,
    CashTable,
    ExpectedPayout,
    Flow,
    Receivable,
    Shock,
    add_business_days,
    apply_scenario,
    bank_closing_days,
    cycle_closes,
    deposit_date,
    easter_sunday,
    expected_bill_date,
    expected_payouts,
    next_close,
    observed_median_delay,
    occurrences,
    release_date,
    shift_by_delay,
    totals_at,
    weekly_table,
)

AMAZON = Calendar(
    "days",
    anchor=date(2026, 11, 2),
    every_days=14,
    deposit_lag=3,
    release="delivery",
    release_days=7,
    reserve_rate=D("0.10"),
    reserve_days=14,
)


def summary(payout):
    return (
        payout.channel,
        payout.close,
        payout.deposit,
        payout.gross,
        payout.reserve_held,
        payout.reserve_released,
        payout.carried_in,
        payout.amount,
        payout.refs,
    )


# Expected payouts ------------------------------------------------------------------


def test_amazon_like_three_cycles_by_hand():
    # Closes every 14 days from Mon 2026-11-02: 11-16, 11-30, 12-14 (Mondays); each
    # deposit 3 business days later, on the Thursday: 11-19, 12-03, 12-17.
    # Release DD+7: delivered 11-03 -> 11-10, 11-10 -> 11-17, 11-20 -> 11-27.
    # 11-16: gross 120.00 (o1), held -12.00 (released at the close >= 11-30: 11-30),
    #        paid 108.00.
    # 11-30: gross 80.00 + 50.00 = 130.00 (o2, o3), held -13.00 (released 12-14),
    #        released 12.00: paid 130.00 - 13.00 + 12.00 = 129.00.
    # 12-14: nothing new, released 13.00: paid 13.00. Everything is paid: beyond 0.
    today = date(2026, 11, 5)
    orders = [
        ("o1", "120.00", date(2026, 11, 3)),
        ("o2", "80.00", date(2026, 11, 10)),
        ("o3", "50.00", date(2026, 11, 20)),
    ]
    receivables = [
        Receivable(D(amount), release_date(AMAZON, today, None, delivered), "amz", ref)
        for ref, amount, delivered in orders
    ]
    assert [r.eligible for r in receivables] == [
        date(2026, 11, 10),
        date(2026, 11, 17),
        date(2026, 11, 27),
    ]
    payouts, beyond = expected_payouts(receivables, AMAZON, today, date(2027, 1, 31))
    assert [summary(p) for p in payouts] == [
        (
            "amz",
            date(2026, 11, 16),
            date(2026, 11, 19),
            D("120.00"),
            D("-12.00"),
            D(0),
            D(0),
            D("108.00"),
            ("o1",),
        ),
        (
            "amz",
            date(2026, 11, 30),
            date(2026, 12, 3),
            D("130.00"),
            D("-13.00"),
            D("12.00"),
            D(0),
            D("129.00"),
            ("o2", "o3"),
        ),
        (
            "amz",
            date(2026, 12, 14),
            date(2026, 12, 17),
            D(0),
            D(0),
            D("13.00"),
            D(0),
            D("13.00"),
            (),
        ),
    ]
    assert beyond == 0
    # D+7 = (11-05, 11-12]: nothing; D+14 = (.., 11-19]: 108.00;
    # D+30 = (.., 12-05]: 108.00 + 129.00 = 237.00.
    by_channel, overall = totals_at(payouts, today)
    expected = {7: D(0), 14: D("108.00"), 30: D("237.00")}
    assert overall == expected
    assert by_channel == {"amz": expected}


def test_reserve_already_held_past_due_two_channels_and_beyond():
    # Horizon 12-10: closes 11-16 (deposit 11-19) and 11-30 (deposit 12-03); the
    # 12-14 close is beyond.
    # amz-fr, 11-16: reserve S0 40.00 released; o1 200.00 past due (10-30) -> gross
    #   200.00, held -20.00: paid 200.00 - 20.00 + 40.00 = 220.00, refs S0, o1.
    # amz-fr, 11-30: o2 55.55 -> held -5.56 (5.555 half-up), released 20.00:
    #   paid 55.55 - 5.56 + 20.00 = 69.99. o3 (eligible 12-01) goes to 12-14: beyond.
    # amz-de, 11-16 (eligible on the close day): 100.00 - 10.00 = 90.00; 11-30: 10.00.
    # beyond = 425.55 received - 389.99 paid = 35.56 = 5.56 held + 30.00 of o3.
    receivables = [
        Receivable(D("40.00"), date(2026, 11, 9), "amz-fr", "S0", "reserve"),
        Receivable(D("200.00"), date(2026, 10, 30), "amz-fr", "o1"),
        Receivable(D("55.55"), date(2026, 11, 25), "amz-fr", "o2", "open"),
        Receivable(D("30.00"), date(2026, 12, 1), "amz-fr", "o3"),
        Receivable(D("100.00"), date(2026, 11, 16), "amz-de", "d1"),
    ]
    today = date(2026, 11, 5)
    payouts, beyond = expected_payouts(receivables, AMAZON, today, date(2026, 12, 10))
    assert [(p.channel, p.deposit, p.amount, p.refs) for p in payouts] == [
        ("amz-fr", date(2026, 11, 19), D("220.00"), ("S0", "o1")),
        ("amz-de", date(2026, 11, 19), D("90.00"), ("d1",)),
        ("amz-fr", date(2026, 12, 3), D("69.99"), ("o2",)),
        ("amz-de", date(2026, 12, 3), D("10.00"), ()),
    ]
    first = payouts[0]
    assert (first.gross, first.reserve_held, first.reserve_released) == (
        D("200.00"),
        D("-20.00"),
        D("40.00"),
    )
    assert payouts[2].reserve_held == D("-5.56")
    assert beyond == D("35.56")
    by_channel, overall = totals_at(payouts, today)
    assert overall == {7: D(0), 14: D("310.00"), 30: D("389.99")}
    assert by_channel["amz-fr"] == {7: D(0), 14: D("220.00"), 30: D("289.99")}
    assert by_channel["amz-de"] == {7: D(0), 14: D("90.00"), 30: D("100.00")}
    assert totals_at(payouts, today, days=(1,)) == (
        {"amz-fr": {1: 0}, "amz-de": {1: 0}},
        {1: 0},
    )


def test_weekly_cycle_with_minimum_payout_carry_over():
    # Wednesdays, no lag, minimum 25.00; today Mon 2026-03-02, horizon 03-31:
    # closes 03-04, 03-11, 03-18, 03-25.
    # 03-04: r1 10.00 (past due 02-20) < 25.00: pays 0, carries 10.00 (and ref r1).
    # 03-11: r2 20.00 + carried 10.00 = 30.00 >= 25.00: paid, refs r1, r2.
    # 03-18: r3 -5.00: a debit, paid as is, never carried.
    # 03-25: r4 24.99 < 25.00: pays 0, carried past the horizon: beyond 24.99.
    cal = Calendar("weekly", weekday=2, minimum_payout=D("25.00"))
    receivables = [
        Receivable(D("10.00"), date(2026, 2, 20), "shop", "r1"),
        Receivable(D("20.00"), date(2026, 3, 9), "shop", "r2"),
        Receivable(D("-5.00"), date(2026, 3, 16), "shop", "r3", "open"),
        Receivable(D("24.99"), date(2026, 3, 20), "shop", "r4"),
    ]
    payouts, beyond = expected_payouts(
        receivables, cal, date(2026, 3, 2), date(2026, 3, 31)
    )
    assert [(p.close, p.gross, p.carried_in, p.amount, p.refs) for p in payouts] == [
        (date(2026, 3, 4), D("10.00"), D(0), D(0), ()),
        (date(2026, 3, 11), D("20.00"), D("10.00"), D("30.00"), ("r1", "r2")),
        (date(2026, 3, 18), D("-5.00"), D(0), D("-5.00"), ("r3",)),
        (date(2026, 3, 25), D("24.99"), D(0), D(0), ()),
    ]
    assert all(p.deposit == p.close for p in payouts)
    assert beyond == D("24.99")


def test_no_cycle_within_the_horizon_puts_everything_beyond():
    receivables = [Receivable(D("12.34"), date(2026, 11, 3), "amz")]
    payouts, beyond = expected_payouts(
        receivables, AMAZON, date(2026, 11, 3), date(2026, 11, 18)
    )
    # The 11-16 close deposits on 11-19, after the horizon.
    assert payouts == []
    assert beyond == D("12.34")


# Calendars -------------------------------------------------------------------------


def test_cycle_closes_of_every_kind():
    # Every 14 days, both ways from the anchor: 11-02 - 14 = 10-19, - 28 = 10-05.
    assert cycle_closes(AMAZON, date(2026, 10, 1), date(2026, 11, 20)) == [
        date(2026, 10, 5),
        date(2026, 10, 19),
        date(2026, 11, 2),
        date(2026, 11, 16),
    ]
    friday = Calendar("weekly", weekday=4)
    assert cycle_closes(friday, date(2026, 3, 2), date(2026, 3, 16)) == [
        date(2026, 3, 6),
        date(2026, 3, 13),
    ]
    # Semimonthly on the 1st and 16th, across month ends.
    semi = Calendar("semimonthly")
    assert cycle_closes(semi, date(2026, 1, 10), date(2026, 3, 5)) == [
        date(2026, 1, 16),
        date(2026, 2, 1),
        date(2026, 2, 16),
        date(2026, 3, 1),
    ]
    # On the 15th and the 31st: the 31st clamps to the month's last day.
    mid_end = Calendar("semimonthly", month_days=(15, 31))
    assert cycle_closes(mid_end, date(2026, 2, 1), date(2026, 4, 30)) == [
        date(2026, 2, 15),
        date(2026, 2, 28),
        date(2026, 3, 15),
        date(2026, 3, 31),
        date(2026, 4, 15),
        date(2026, 4, 30),
    ]
    monthly = Calendar("monthly", month_days=(31,))
    assert cycle_closes(monthly, date(2026, 11, 1), date(2027, 3, 31)) == [
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]
    assert cycle_closes(monthly, date(2026, 12, 1), date(2026, 12, 30)) == []


def test_next_close_is_on_or_after_the_day():
    assert next_close(AMAZON, date(2026, 11, 16)) == date(2026, 11, 16)
    assert next_close(AMAZON, date(2026, 11, 17)) == date(2026, 11, 30)
    monthly = Calendar("monthly", month_days=(31,))
    assert next_close(monthly, date(2026, 11, 30)) == date(2026, 11, 30)
    assert next_close(monthly, date(2026, 12, 1)) == date(2026, 12, 31)
    assert next_close(Calendar("weekly", weekday=6), date(2026, 3, 2)) == date(
        2026, 3, 8
    )


def test_business_days_with_holidays():
    # Thu 12-24 + 2: Fri 25 is a holiday, the weekend is skipped: Mon 28, Tue 29.
    holidays = {date(2026, 12, 25), date(2027, 1, 1)}
    assert add_business_days(date(2026, 12, 24), 2, holidays) == date(2026, 12, 29)
    assert add_business_days(date(2026, 12, 18), 1) == date(2026, 12, 21)
    assert add_business_days(date(2026, 12, 19), 0) == date(2026, 12, 19)
    # Close Wed 12-30, lag 3: Thu 31 (1), Fri 01-01 holiday, Mon 01-04 (2), Tue 01-05.
    cal = Calendar("weekly", weekday=2, deposit_lag=3, holidays=frozenset(holidays))
    assert deposit_date(cal, date(2026, 12, 30)) == date(2027, 1, 5)


@pytest.mark.parametrize(
    "year, easter",
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2030, date(2030, 4, 21)),
        # The extremes of the Gregorian computus: 22 March and 25 April.
        (1818, date(1818, 3, 22)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday_known_dates(year, easter):
    assert easter_sunday(year) == easter
    assert easter.weekday() == 6


def test_bank_closing_days_are_target2_holidays():
    # 2027: Easter 28/3, Good Friday 26/3, Easter Monday 29/3; 8/5, Ascension,
    # 14/7, 15/8, 1/11, 11/11 are French public holidays, not TARGET2 ones.
    assert sorted(bank_closing_days(date(2026, 12, 1), date(2027, 1, 15))) == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 1),
        date(2027, 12, 25),
        date(2027, 12, 26),
    ]
    assert len(bank_closing_days(date(2026, 5, 1), date(2026, 5, 1))) == 6
    with pytest.raises(TypeError):
        bank_closing_days("2026-01-01", date(2026, 12, 31))


def test_deposit_lag_across_christmas_and_easter():
    holidays = bank_closing_days(date(2026, 1, 1), date(2027, 12, 31))
    christmas = Calendar("weekly", weekday=3, deposit_lag=2, holidays=holidays)
    # Close Thu 24/12/2026, lag 2: Fri 25 closed, Sat 26 and Sun 27 too, Mon 28
    # (1), Tue 29 (2). Without the holidays: Mon 28.
    assert deposit_date(christmas, date(2026, 12, 24)) == date(2026, 12, 29)
    assert deposit_date(
        replace(christmas, holidays=frozenset()), date(2026, 12, 24)
    ) == (date(2026, 12, 28))
    # Close Thu 31/12/2026, lag 2: Fri 1/1 closed, Mon 4/1 (1), Tue 5/1 (2).
    assert deposit_date(christmas, date(2026, 12, 31)) == date(2027, 1, 5)
    # Easter 2027 (28/3): close Thu 25/3, lag 3: Fri 26 Good Friday, Mon 29 Easter
    # Monday, Tue 30 (1), Wed 31 (2), Thu 1/4 (3); without them Tue 30/3.
    easter = Calendar("weekly", weekday=3, deposit_lag=3, holidays=holidays)
    assert deposit_date(easter, date(2027, 3, 25)) == date(2027, 4, 1)
    assert add_business_days(date(2027, 3, 25), 3) == date(2027, 3, 30)
    # 1 May 2026 is a Friday: close Thu 30/4, lag 1 -> Mon 4/5; 11/11/2026 (a
    # French public holiday, not a TARGET2 one) is a business day: Tue 10/11 + 1.
    assert add_business_days(date(2026, 4, 30), 1, holidays) == date(2026, 5, 4)
    assert add_business_days(date(2026, 11, 10), 1, holidays) == date(2026, 11, 11)


def test_release_date_of_an_event_still_to_come_is_today_at_the_earliest():
    # Today Thu 2026-11-05. Not shipped, ordered 10-20: delivered today at the
    # earliest, released 11-12 (not 10-27, before any delivery); shipped 11-04 and
    # not delivered: 11-12 too (not 11-11); delivered 11-03: 11-10, the past is
    # kept (it is a real date). On shipment + 3: not shipped 11-08, shipped 11-01
    # 11-04. On the order date: 10-20 whatever today.
    today = date(2026, 11, 5)
    ordered = date(2026, 10, 20)
    assert release_date(AMAZON, ordered, today=today) == date(2026, 11, 12)
    shipped = date(2026, 11, 4)
    assert release_date(AMAZON, ordered, shipped, today=today) == date(2026, 11, 12)
    delivered = date(2026, 11, 3)
    assert release_date(AMAZON, ordered, None, delivered, today) == date(2026, 11, 10)
    on_ship = Calendar("weekly", release="shipment", release_days=3)
    assert release_date(on_ship, ordered, today=today) == date(2026, 11, 8)
    assert release_date(on_ship, ordered, date(2026, 11, 1), None, today) == date(
        2026, 11, 4
    )
    on_order = Calendar("weekly", release="order")
    assert release_date(on_order, ordered, today=today) == ordered
    # Ordered in the future (a calendar looked at before the order): its own date.
    assert release_date(AMAZON, date(2026, 11, 9), today=today) == date(2026, 11, 16)


def test_release_date_falls_back_to_the_best_known_earlier_date():
    ordered, shipped, delivered = (
        date(2026, 11, 1),
        date(2026, 11, 2),
        date(2026, 11, 4),
    )
    assert release_date(AMAZON, ordered, shipped, delivered) == date(2026, 11, 11)
    assert release_date(AMAZON, ordered, shipped) == date(2026, 11, 9)
    assert release_date(AMAZON, ordered) == date(2026, 11, 8)
    on_ship = Calendar("weekly", release="shipment", release_days=2)
    assert release_date(on_ship, ordered, shipped, delivered) == date(2026, 11, 4)
    # Without a ship date: the order date, never the (later) delivery date.
    assert release_date(on_ship, ordered, None, delivered) == date(2026, 11, 3)
    assert release_date(Calendar("weekly"), ordered, shipped, delivered) == ordered


# Other flows -----------------------------------------------------------------------


def test_delays_bills_and_recurring_items():
    due = date(2026, 3, 31)
    assert shift_by_delay(due, D("12.5")) == date(2026, 4, 13)
    assert shift_by_delay(due, D("-2.5")) == date(2026, 3, 28)  # half away from 0
    assert shift_by_delay(due, D("2.4")) == date(2026, 4, 2)
    assert shift_by_delay(due, 0) == due
    # Jan 15 + 45 days: Jan 31 is +16, Feb 28 +44, Mar 1 +45.
    assert expected_bill_date(date(2026, 1, 15), 45) == date(2026, 3, 1)
    assert observed_median_delay([3, 10, 5, 8]) == D("6.5")
    assert observed_median_delay([9, 1, 4]) == D(4)
    assert observed_median_delay([D(-2), D(6)]) == D(2)
    assert observed_median_delay([]) is None
    # Every 2 weeks from 01-07: 01-07 (before start), 01-21, 02-04, 02-18, 03-04.
    assert occurrences(
        date(2026, 1, 10), date(2026, 2, 28), "weekly", 2, date(2026, 1, 7)
    ) == [date(2026, 1, 21), date(2026, 2, 4), date(2026, 2, 18)]
    assert occurrences(
        date(2026, 1, 1), date(2026, 12, 31), "quarterly", first=date(2026, 1, 31)
    ) == [date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31)]
    assert occurrences(
        date(2025, 1, 1), date(2028, 12, 31), "yearly", first=date(2024, 2, 29)
    ) == [date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]
    assert occurrences(date(2026, 5, 1), date(2026, 5, 3), "monthly") == [
        date(2026, 5, 1)
    ]


# Weekly table ----------------------------------------------------------------------


def test_weekly_table_from_10000():
    # Opening 10,000.00 from Mon 2026-01-05; week 13 ends Sun 04-05.
    # W1: in customers 500.00 (INV1, overdue from 2025-12-20) + payouts 1,200.00,
    #     out advertising -300.00: 10,000 + 1,700 - 300 = 11,400.00
    # W2: payouts +900.00, suppliers -4,000.00: 8,300.00
    # W3: purchases -7,500.00: 800.00      W4: vat -1,100.00: -300.00
    # W5: recurring -2,000.00: -2,300.00 (the lowest)
    # W6: customers +3,000.00: 700.00     W7-W12: 700.00
    # W13: customers +250.00 on Sun 04-05: 950.00. Mon 04-06: beyond.
    flows = [
        Flow(date(2025, 12, 20), D("500.00"), "customers", ref="INV1"),
        Flow(date(2026, 1, 8), D("1200.00"), "payouts", "amz", "P1"),
        Flow(date(2026, 1, 6), D("-300.00"), "advertising", ref="ADS1"),
        Flow(date(2026, 1, 14), D("900.00"), "payouts", "amz", "P2"),
        Flow(date(2026, 1, 12), D("-4000.00"), "suppliers", ref="B1"),
        Flow(date(2026, 1, 20), D("-7500.00"), "purchases", ref="PO1"),
        Flow(date(2026, 1, 26), D("-1100.00"), "vat", ref="VAT1"),
        Flow(date(2026, 2, 2), D("-2000.00"), "recurring", ref="RENT"),
        Flow(date(2026, 2, 10), D("3000.00"), "customers", ref="INV2"),
        Flow(date(2026, 4, 5), D("250.00"), "customers", ref="INV9"),
        Flow(date(2026, 4, 6), D("1000.00"), "customers", ref="INV10"),
    ]
    table = weekly_table(D("10000.00"), flows, date(2026, 1, 5))
    assert isinstance(table, CashTable)
    assert len(table.rows) == 13
    assert [row.closing for row in table.rows] == [
        D("11400.00"),
        D("8300.00"),
        D("800.00"),
        D("-300.00"),
        D("-2300.00"),
        *[D("700.00")] * 7,
        D("950.00"),
    ]
    first = table.rows[0]
    assert (first.week, first.start, first.end) == (
        1,
        date(2026, 1, 5),
        date(2026, 1, 11),
    )
    assert first.opening == D("10000.00")
    assert first.inflows == {"customers": D("500.00"), "payouts": D("1200.00")}
    assert first.outflows == {"advertising": D("-300.00")}
    assert (first.total_in, first.total_out) == (D("1700.00"), D("-300.00"))
    assert first.refs == {
        "customers": ("INV1",),
        "payouts": ("P1",),
        "advertising": ("ADS1",),
    }
    assert table.rows[1].refs == {"payouts": ("P2",), "suppliers": ("B1",)}
    assert table.rows[6].inflows == {} and table.rows[6].refs == {}
    assert all(
        a.closing == b.opening
        for a, b in zip(table.rows[:-1], table.rows[1:], strict=True)
    )
    last = table.rows[-1]
    assert (last.start, last.end, last.refs) == (
        date(2026, 3, 30),
        date(2026, 4, 5),
        {"customers": ("INV9",)},
    )
    assert table.lowest == (5, D("-2300.00"))
    assert table.beyond == (flows[-1],)


def test_weekly_table_ties_and_signs():
    # From 50.00: -100.00 in week 1 and 0.00 in week 2 both close at -50.00; week 3
    # (+30.00 - 40.00) closes at -60.00, the lowest. Over 2 weeks the tie at -50.00
    # gives the first week. A zero flow is an inflow (keeping its ref); flows of one
    # source in and out go to both sides and share the refs.
    flows = [
        Flow(date(2026, 1, 5), D("-100.00"), "one_off", ref="x"),
        Flow(date(2026, 1, 12), D("0.00"), "customers", ref="z"),
        Flow(date(2026, 1, 19), D("30.00"), "payouts", ref="p"),
        Flow(date(2026, 1, 20), D("-40.00"), "payouts", ref="n"),
    ]
    table = weekly_table(D("50.00"), flows, date(2026, 1, 5), weeks=3)
    assert [row.closing for row in table.rows] == [
        D("-50.00"),
        D("-50.00"),
        D("-60.00"),
    ]
    assert table.lowest == (3, D("-60.00"))
    assert table.rows[1].inflows == {"customers": D("0.00")}
    third = table.rows[2]
    assert (third.inflows, third.outflows) == (
        {"payouts": D("30.00")},
        {"payouts": D("-40.00")},
    )
    assert third.refs == {"payouts": ("p", "n")}
    two = weekly_table(D("50.00"), flows[:2], date(2026, 1, 5), weeks=2)
    assert two.lowest == (1, D("-50.00"))


@given(
    st.integers(-(10**8), 10**8),
    st.lists(
        st.tuples(st.integers(-30, 120), st.integers(-(10**7), 10**7)), max_size=60
    ),
    st.integers(1, 14),
)
def test_weekly_table_last_closing_is_opening_plus_flows_within(opening, items, weeks):
    start = date(2026, 6, 1)
    flows = [
        Flow(start + timedelta(days=day), D(cents) / 100, f"s{day % 3}", ref=i)
        for i, (day, cents) in enumerate(items)
    ]
    table = weekly_table(D(opening) / 100, flows, start, weeks)
    last_day = start + timedelta(days=7 * weeks - 1)
    within = sum((f.amount for f in flows if f.day <= last_day), D(0))
    assert table.rows[-1].closing == D(opening) / 100 + within
    assert table.beyond == tuple(f for f in flows if f.day > last_day)
    assert table.lowest[1] == min(row.closing for row in table.rows)
    refs = sorted(
        ref for row in table.rows for refs in row.refs.values() for ref in refs
    )
    assert refs == sorted(f.ref for f in flows if f.day <= last_day)


@given(
    st.lists(
        st.tuples(
            st.integers(-20, 80),
            st.integers(-20000, 50000),
            st.sampled_from(["orders", "open", "reserve"]),
            st.sampled_from(["a", "b"]),
        ),
        max_size=30,
    ),
    st.integers(0, 4000),
    st.integers(0, 30),
    st.integers(0, 3),
)
def test_expected_payouts_lose_nothing(items, minimum, rate, reserve_weeks):
    cal = Calendar(
        "weekly",
        weekday=3,
        deposit_lag=2,
        reserve_rate=D(rate) / 100,
        reserve_days=7 * reserve_weeks,
        minimum_payout=D(minimum) / 100,
    )
    today = date(2026, 6, 3)
    receivables = [
        Receivable(D(cents) / 100, today + timedelta(days=day), channel, i, source)
        for i, (day, cents, source, channel) in enumerate(items)
    ]
    payouts, beyond = expected_payouts(receivables, cal, today, date(2026, 8, 1))
    total = sum((r.amount for r in receivables), D(0))
    assert sum((p.amount for p in payouts), D(0)) + beyond == total
    for p in payouts:
        assert p.deposit <= date(2026, 8, 1)
        parts = p.gross + p.reserve_held + p.reserve_released + p.carried_in
        assert p.amount in (parts, D(0))
        assert p.amount >= cal.minimum_payout or p.amount <= 0
    assert [p.deposit for p in payouts] == sorted(p.deposit for p in payouts)


# Scenarios -------------------------------------------------------------------------

START = date(2026, 6, 1)  # a Monday


def base_flows():
    """100.00 of sales paid out every day for 6 weeks (06-01 to 07-12), ads of 70.00
    every Monday, a replenishment of 3,000.00 on Wed 06-24 (week 4)."""
    sales = [
        Flow(
            START + timedelta(days=i),
            D("100.00"),
            "payouts",
            "amz",
            f"P{i}",
            {"sales"},
        )
        for i in range(42)
    ]
    ads = [
        Flow(START + timedelta(weeks=i), D("-70.00"), "advertising", tags={"ads"})
        for i in range(6)
    ]
    buy = Flow(
        date(2026, 6, 24), D("-3000.00"), "purchases", None, "PO1", {"replenishment"}
    )
    return sales + ads + [buy]


def revenue(flows):
    return sum((f.amount for f in flows if "sales" in f.tags), D(0))


def test_volume_plus_30_percent_with_the_lead_time_lowers_the_low_point():
    # Base, from 1,000.00: each week +700.00 - 70.00 = +630.00; week 4 also pays the
    # 3,000.00 replenishment: closings 1,630, 2,260, 2,890, 520, 1,150, 1,780, 1,780,
    # 1,780. Lowest: week 4 at 520.00.
    # +30 % over 06-01..06-30, lead time 14 days: the 30 sales days pay 130.00, the 5
    # Mondays' ads cost 91.00, the replenishment is 3,900.00 and moves to Wed 06-10
    # (week 2). Weeks 1-4: +7 x 130 - 91 = +819.00; week 5: 2 x 130 + 5 x 100 - 91 =
    # +669.00; week 6: +630.00. Closings: 1,819, 1,819 + 819 - 3,900 = -1,262, -443,
    # 376, 1,045, 1,675, 1,675, 1,675. Lowest: week 2 at -1,262.00, i.e. 1,782.00
    # below the base's 520.00.
    # Revenue: 42 x 100.00 = 4,200.00, +30 % of the 3,000.00 sold in the window:
    # +900.00.
    base = base_flows()
    shock = Shock(
        "volume", D("0.30"), start=date(2026, 6, 1), end=date(2026, 6, 30), days=14
    )
    scenario = apply_scenario(base, [shock])
    assert revenue(base) == D("4200.00")
    assert revenue(scenario) - revenue(base) == D("0.30") * D("3000.00")
    base_table = weekly_table(D("1000.00"), base, START, weeks=8)
    table = weekly_table(D("1000.00"), scenario, START, weeks=8)
    assert [r.closing for r in base_table.rows] == [
        D(x) for x in ("1630", "2260", "2890", "520", "1150", "1780", "1780", "1780")
    ]
    assert [r.closing for r in table.rows] == [
        D(x) for x in ("1819", "-1262", "-443", "376", "1045", "1675", "1675", "1675")
    ]
    assert base_table.lowest == (4, D("520.00"))
    assert table.lowest == (2, D("-1262.00"))
    assert base_table.lowest[1] - table.lowest[1] == D("1782.00")
    [buy] = [f for f in scenario if f.ref == "PO1"]
    assert (buy.day, buy.amount, buy.source) == (
        date(2026, 6, 10),
        D("-3900.00"),
        "purchases",
    )
    assert table.rows[1].refs["purchases"] == ("PO1",)
    assert [f.ref for f in scenario] == [f.ref for f in base]  # refs kept, in place
    # Without the lead time the replenishment stays in week 4: 1,000 + 4 x 819 -
    # 3,900 = 376.00, only 144.00 below the base.
    same_day = apply_scenario(base, [Shock("volume", D("0.30"), end=date(2026, 6, 30))])
    assert weekly_table(D("1000.00"), same_day, START, weeks=8).lowest == (
        4,
        D("376.00"),
    )


def test_payout_delay_on_one_channel():
    flows = [
        Flow(date(2026, 6, 5), D("500.00"), "payouts", "amz", "A1", {"sales"}),
        Flow(date(2026, 6, 5), D("300.00"), "payouts", "shop", "S1"),
        Flow(date(2026, 6, 5), D("-50.00"), "advertising", "amz", "AD"),
    ]
    delayed = apply_scenario(flows, [Shock("payout_delay", D(7), channel="amz")])
    assert [(f.ref, f.day, f.amount) for f in delayed] == [
        ("A1", date(2026, 6, 12), D("500.00")),
        ("S1", date(2026, 6, 5), D("300.00")),
        ("AD", date(2026, 6, 5), D("-50.00")),
    ]
    assert delayed[0].tags == frozenset({"sales"})
    everyone = apply_scenario(flows, [Shock("payout_delay", 3)])
    assert [f.day.day for f in everyone] == [8, 8, 5]


def test_return_rate_on_one_channel():
    """+10 points of returns on shop only: its 100.00 gets a refund of -10.00; the
    amz payout, tagged sales too, is left as it is (it used to get -20.00)."""
    flows = [
        Flow(date(2026, 6, 5), D("200.00"), "payouts", "amz", "A1", {"sales"}),
        Flow(date(2026, 6, 5), D("100.00"), "payouts", "shop", "S1", {"sales"}),
    ]
    result = apply_scenario(flows, [Shock("return_rate", D("0.10"), channel="shop")])
    assert [(f.channel, f.amount, f.tags) for f in result] == [
        ("amz", D("200.00"), frozenset({"sales"})),
        ("shop", D("100.00"), frozenset({"sales"})),
        ("shop", D("-10.00"), frozenset({"refunds"})),
    ]
    everyone = apply_scenario(flows, [Shock("return_rate", D("0.10"))])
    assert [f.amount for f in everyone] == [
        D("200.00"),
        D("-20.00"),
        D("100.00"),
        D("-10.00"),
    ]


def test_supplier_terms_return_rate_reserve_and_one_off():
    bill = Flow(
        date(2026, 6, 10), D("-800.00"), "suppliers", ref="B1", tags={"supplier"}
    )
    po = Flow(date(2026, 6, 10), D("-200.00"), "purchases", ref="PO2")
    later = apply_scenario([bill, po], [Shock("supplier_terms", D(15))])
    assert [(f.ref, f.day) for f in later] == [
        ("B1", date(2026, 6, 25)),
        ("PO2", po.day),
    ]

    # +5 points of returns: 130.00 -> -6.50; 99.99 -> -4.9995 -> -5.00 (half-up);
    # the 07-01 sale is outside the window.
    sales = [
        Flow(date(2026, 6, 2), D("130.00"), "payouts", "amz", "P1", {"sales"}),
        Flow(date(2026, 6, 3), D("99.99"), "payouts", "amz", "P2", {"sales"}),
        Flow(date(2026, 7, 1), D("100.00"), "payouts", "amz", "P3", {"sales"}),
        Flow(date(2026, 6, 3), D("-20.00"), "advertising", tags={"ads"}),
    ]
    returns = Shock("return_rate", D("0.05"), end=date(2026, 6, 30))
    result = apply_scenario(sales, [returns])
    assert [(f.day, f.amount, f.ref, f.tags) for f in result] == [
        (date(2026, 6, 2), D("130.00"), "P1", frozenset({"sales"})),
        (date(2026, 6, 2), D("-6.50"), "P1", frozenset({"refunds"})),
        (date(2026, 6, 3), D("99.99"), "P2", frozenset({"sales"})),
        (date(2026, 6, 3), D("-5.00"), "P2", frozenset({"refunds"})),
        (date(2026, 7, 1), D("100.00"), "P3", frozenset({"sales"})),
        (date(2026, 6, 3), D("-20.00"), None, frozenset({"ads"})),
    ]
    assert all(f.source == "payouts" for f in result[:5])
    # Shocks apply in order: -50 % volume (130.00 -> 65.00), then returns on the
    # scaled sale: 5 % of 65.00 = -3.25.
    both = apply_scenario(sales[:1], [Shock("volume", D("-0.5")), returns])
    assert [f.amount for f in both] == [D("65.00"), D("-3.25")]

    # Extra reserve of 10 % on amz for 14 days: 1,234.55 -> 123.455 -> 123.46 held.
    payouts = [
        Flow(date(2026, 6, 5), D("1234.55"), "payouts", "amz", "A1"),
        Flow(date(2026, 6, 5), D("-10.00"), "payouts", "amz", "A2"),
        Flow(date(2026, 6, 5), D("400.00"), "payouts", "shop", "S1"),
    ]
    held = apply_scenario(payouts, [Shock("reserve", D("0.10"), "amz", days=14)])
    assert [(f.ref, f.day, f.amount) for f in held] == [
        ("A1", date(2026, 6, 5), D("1111.09")),
        ("A1", date(2026, 6, 19), D("123.46")),
        ("A2", date(2026, 6, 5), D("-10.00")),
        ("S1", date(2026, 6, 5), D("400.00")),
    ]

    loan = Flow(date(2026, 6, 15), D("20000.00"), "one_off", ref="loan")
    with_loan = apply_scenario(payouts, [Shock("one_off", flow=loan)])
    assert with_loan == [*payouts, loan]
    table = weekly_table(D(0), with_loan, START, weeks=4)
    assert table.rows[2].inflows == {"one_off": D("20000.00")}
    assert apply_scenario(payouts, []) == payouts


# Errors ----------------------------------------------------------------------------


def test_floats_are_refused():
    day = date(2026, 1, 5)
    with pytest.raises(TypeError):
        Calendar("weekly", reserve_rate=0.1)
    with pytest.raises(TypeError):
        Calendar("weekly", minimum_payout=25.0)
    with pytest.raises(TypeError):
        Receivable(10.0, day, "amz")
    with pytest.raises(TypeError):
        Flow(day, 1.5, "payouts")
    with pytest.raises(TypeError):
        Shock("volume", 0.3)
    with pytest.raises(TypeError):
        weekly_table(1000.0, [], day)
    with pytest.raises(TypeError):
        shift_by_delay(day, 2.5)
    with pytest.raises(TypeError):
        observed_median_delay([1.0, 2])
    with pytest.raises(TypeError):
        Calendar("weekly", deposit_lag=1.0)


def test_bad_input_raises():
    day = date(2026, 1, 5)
    with pytest.raises(CashCoreError):
        Calendar("fortnightly")
    with pytest.raises(CashCoreError):
        Calendar("weekly", weekday=7)
    with pytest.raises(CashCoreError):
        Calendar("days")  # no anchor
    with pytest.raises(CashCoreError):
        Calendar("monthly", month_days=(0,))
    with pytest.raises(CashCoreError):
        Calendar("weekly", release="payment")
    with pytest.raises(CashCoreError):
        Calendar("weekly", reserve_rate=D("1.5"))
    with pytest.raises(CashCoreError):
        Calendar("days", anchor=day, every_days=0)
    with pytest.raises(TypeError):
        Calendar("days", anchor="2026-01-05")
    with pytest.raises(TypeError):
        Receivable(D(1), "2026-01-05", "amz")
    with pytest.raises(CashCoreError):
        Receivable(D(1), day, "amz", source="invoices")
    with pytest.raises(CashCoreError):
        Shock("inflation")
    with pytest.raises(CashCoreError):
        Shock("payout_delay", D("1.5"))
    with pytest.raises(CashCoreError):
        Shock("one_off")
    with pytest.raises(CashCoreError):
        weekly_table(D(0), [], date(2026, 1, 6))  # a Tuesday
    with pytest.raises(CashCoreError):
        weekly_table(D(0), [], day, weeks=0)
    with pytest.raises(CashCoreError):
        occurrences(day, day, "daily")
    with pytest.raises(CashCoreError):
        add_business_days(day, -1)
    with pytest.raises(CashCoreError):
        Receivable(D("NaN"), day, "amz")


def test_expected_payout_is_a_frozen_record():
    payout = ExpectedPayout(
        "a", date(2026, 1, 9), date(2026, 1, 12), D(5), D(5), D(0), D(0), D(0), ()
    )
    with pytest.raises(AttributeError):
        payout.amount = D(6)
