"""Dunning levels, holds and consolidation, on worked examples (dates in 2026)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from marketplace_cash.core.dunning import (
    Hold,
    Invoice,
    Level,
    NextAction,
    Row,
    Sent,
    compute_run,
    next_actions,
    sorted_levels,
)

L1 = Level("L1", 1, 1)
L2 = Level("L2", 2, 7, phone_threshold=D("5000.00"))
L3 = Level("L3", 3, 20)
DEFAULT = {"P": [L3, L1, L2]}  # any order: ranked by sequence


def daily_runs(invoices, first, last, holds=(), policies=None, paid=None):
    """Run every day from ``first`` to ``last``, logging what fires as a clerk
    would; ``paid`` maps a day to the invoices paid in full that morning.
    Returns ``[(day, partner, level key, [invoice keys fired])]``."""
    policies = policies or DEFAULT
    sent, fired = [], []
    current = {inv.key: inv for inv in invoices}
    day = first
    while day <= last:
        for key in (paid or {}).get(day, ()):
            inv = current[key]
            current[key] = Invoice(inv.key, inv.partner, inv.due, D(0), inv.policy)
        for reminder in compute_run(current.values(), sent, holds, day, policies):
            keys = []
            for invoice, level in reminder.fired:
                sent.append(Sent(invoice, level.sequence, day))
                keys.append(invoice)
            fired.append((day, reminder.partner, reminder.level.key, keys))
        day += timedelta(days=1)
    return fired


def test_levels_fire_on_d1_d7_d20_exactly_once():
    # Due Monday 2 March: D+1 = 3/3, D+7 = 9/3, D+20 = 22/3; nothing after.
    inv = Invoice(10, "C", date(2026, 3, 2), D("1200.00"), "P")
    assert daily_runs([inv], date(2026, 2, 20), date(2026, 5, 31)) == [
        (date(2026, 3, 3), "C", "L1", [10]),
        (date(2026, 3, 9), "C", "L2", [10]),
        (date(2026, 3, 22), "C", "L3", [10]),
    ]


def test_payment_stops_escalation_partial_payment_does_not():
    full = Invoice(1, "A", date(2026, 3, 2), D("500.00"), "P")
    partial = Invoice(2, "B", date(2026, 3, 2), D("80.00"), "P")  # 420 of 500 paid
    fired = daily_runs(
        [full, partial],
        date(2026, 3, 1),
        date(2026, 4, 30),
        paid={date(2026, 3, 5): [1]},
    )
    assert fired == [
        (date(2026, 3, 3), "A", "L1", [1]),
        (date(2026, 3, 3), "B", "L1", [2]),
        (date(2026, 3, 9), "B", "L2", [2]),
        (date(2026, 3, 22), "B", "L3", [2]),
    ]


def test_hold_with_expiry_suppresses_then_resumes_one_level_per_run():
    # L1 sent 3/3. Held from 5/3 to 30/3 inclusive (expiry = last held day).
    # 31/3: L2's date (9/3) has passed -> L2 fires, not L3 with it.
    # L3 keeps its 13-day distance to L2: max(22/3, 31/3 + 13) = 13/4.
    inv = Invoice(7, "C", date(2026, 3, 2), D("300.00"), "P")
    hold = Hold("C", 7, date(2026, 3, 5), expiry=date(2026, 3, 30))
    assert daily_runs([inv], date(2026, 3, 1), date(2026, 5, 31), [hold]) == [
        (date(2026, 3, 3), "C", "L1", [7]),
        (date(2026, 3, 31), "C", "L2", [7]),
        (date(2026, 4, 13), "C", "L3", [7]),
    ]


def test_customer_hold_released_covers_all_its_invoices():
    # A customer-wide hold from 1/3, released on 10/3 (not held that day).
    a = Invoice(1, "C", date(2026, 3, 2), D("100.00"), "P")
    b = Invoice(2, "C", date(2026, 3, 4), D("50.00"), "P")
    other = Invoice(3, "Z", date(2026, 3, 2), D("70.00"), "P")
    hold = Hold("C", None, date(2026, 3, 1), released=date(2026, 3, 10))
    fired = daily_runs([a, b, other], date(2026, 3, 1), date(2026, 3, 12), [hold])
    assert fired == [
        (date(2026, 3, 3), "Z", "L1", [3]),
        (date(2026, 3, 9), "Z", "L2", [3]),
        # 10/3: L1 for both (dates 3/3 and 5/3 passed), one reminder.
        (date(2026, 3, 10), "C", "L1", [1, 2]),
    ]


def test_pre_due_reminder_and_skipped_when_already_overdue():
    pre = Level("L0", 0, -3)
    policies = {"P": [pre, L1, L2, L3]}
    early = Invoice(1, "C", date(2026, 3, 10), D("100.00"), "P")
    late = Invoice(2, "D", date(2026, 3, 1), D("100.00"), "P")  # first run 2/3
    assert daily_runs(
        [early, late], date(2026, 3, 2), date(2026, 3, 12), (), policies
    ) == [
        (date(2026, 3, 2), "D", "L1", [2]),  # D-3 is pointless after the due date
        (date(2026, 3, 7), "C", "L0", [1]),  # 10/3 - 3
        (date(2026, 3, 8), "D", "L2", [2]),
        (date(2026, 3, 11), "C", "L1", [1]),  # 11/3: D+1, 4 days after D-3
    ]


def test_consolidated_reminder_lists_every_overdue_invoice():
    # Today 2/3. A (due 1/2): L1 and L2 sent; its L3 date max(21/2, 8/2 + 13 =
    # 21/2) has passed -> fires L3. B (due 1/3): fires L1. C (due 20/2): L1 sent on
    # 21/2, its L2 date max(27/2, 21/2 + 6 = 27/2) has passed -> fires L2.
    # E (due 26/2): L1 sent 28/2 (a day late), L2 on max(5/3, 28/2 + 6 = 6/3): only
    # listed. F (due 10/3): not due, not listed. G held: not listed.
    today = date(2026, 3, 2)
    invs = [
        Invoice("A", "C", date(2026, 2, 1), D("1000.00"), "P"),
        Invoice("B", "C", date(2026, 3, 1), D("250.50"), "P"),
        Invoice("C", "C", date(2026, 2, 20), D("99.99"), "P"),
        Invoice("E", "C", date(2026, 2, 26), D("10.00"), "P"),
        Invoice("F", "C", date(2026, 3, 10), D("5000.00"), "P"),
        Invoice("G", "C", date(2026, 1, 5), D("777.00"), "P"),
    ]
    sent = [
        Sent("A", 1, date(2026, 2, 2)),
        Sent("A", 2, date(2026, 2, 8)),
        Sent("C", 1, date(2026, 2, 21)),
        Sent("E", 1, date(2026, 2, 28)),
    ]
    holds = [Hold("C", "G", date(2026, 2, 1))]
    [reminder] = compute_run(invs, sent, holds, today, DEFAULT)
    assert reminder.level == L3
    assert list(reminder.rows) == [
        Row("A", date(2026, 2, 1), 29, D("1000.00"), L3),
        Row("C", date(2026, 2, 20), 10, D("99.99"), L2),
        Row("E", date(2026, 2, 26), 4, D("10.00"), None),
        Row("B", date(2026, 3, 1), 1, D("250.50"), L1),
    ]
    assert reminder.fired == [("A", L3), ("C", L2), ("B", L1)]
    assert reminder.total == D("1360.49")  # 1000 + 99.99 + 10 + 250.50
    assert reminder.overdue_total == D("1360.49")
    assert reminder.phone is False  # L3 has no phone threshold


def test_minimum_amount_counts_the_whole_reminder():
    small = Level("S1", 1, 1, min_amount=D("50.00"))
    policies = {"P": [small]}
    a = Invoice(1, "C", date(2026, 3, 1), D("30.00"), "P")
    assert compute_run([a], [], [], date(2026, 3, 2), policies) == []
    b = Invoice(2, "C", date(2026, 2, 20), D("20.00"), "P")  # 30 + 20 = 50: fires
    [reminder] = compute_run([a, b], [], [], date(2026, 3, 2), policies)
    assert reminder.fired == [(2, small), (1, small)]
    assert reminder.total == D("50.00")


def test_phone_call_above_the_threshold_only():
    # L2 asks for a call when the overdue total exceeds 5,000.00 (strictly).
    def reminder(amount):
        inv = Invoice(1, "C", date(2026, 3, 1), amount, "P")
        [rem] = compute_run(
            [inv], [Sent(1, 1, date(2026, 3, 2))], [], date(2026, 3, 8), DEFAULT
        )
        return rem.level.key, rem.phone

    assert reminder(D("5000.01")) == ("L2", True)
    assert reminder(D("5000.00")) == ("L2", False)


def test_early_payment_discount_shown_while_available():
    # 2 % if paid by 8/3 on 1,000.00: 20.00 shown on the D-3 reminder (7/3), not on
    # the D+1 one (11/3).
    pre = Level("L0", 0, -3)
    inv = Invoice(
        1, "C", date(2026, 3, 10), D("1000.00"), "P", D("20.00"), date(2026, 3, 8)
    )
    policies = {"P": [pre, L1]}
    [r0] = compute_run([inv], [], [], date(2026, 3, 7), policies)
    assert r0.rows == (
        Row(1, date(2026, 3, 10), -3, D("1000.00"), pre, D("20.00"), date(2026, 3, 8)),
    )
    sent = [Sent(1, 0, date(2026, 3, 7))]
    [r1] = compute_run([inv], sent, [], date(2026, 3, 11), policies)
    assert r1.rows == (Row(1, date(2026, 3, 10), 1, D("1000.00"), L1),)


def test_next_actions_for_the_follow_up_screen():
    today = date(2026, 3, 10)
    invs = [
        Invoice(1, "C", date(2026, 3, 2), D("100.00"), "P"),  # L1 sent 3/3 -> L2 9/3
        Invoice(2, "C", date(2026, 3, 20), D("100.00"), "P"),  # nothing sent -> 21/3
        Invoice(3, "C", date(2026, 1, 2), D("100.00"), "P"),  # all sent -> nothing
        Invoice(4, "C", date(2026, 3, 2), D(0), "P"),  # paid
        Invoice(5, "C", date(2026, 3, 2), D("40.00"), "P"),  # held, L1 due 3/3
    ]
    sent = [Sent(1, 1, date(2026, 3, 3))] + [
        Sent(3, seq, date(2026, 1, 2) + timedelta(days=off))
        for seq, off in ((1, 1), (2, 7), (3, 20))
    ]
    holds = [Hold("C", 5, date(2026, 3, 1), expiry=date(2026, 3, 31))]
    assert next_actions(invs, sent, holds, today, DEFAULT) == {
        1: NextAction(L2, date(2026, 3, 9)),
        2: NextAction(L1, date(2026, 3, 21)),
        3: NextAction(None, None),
        4: NextAction(None, None),
        5: NextAction(L1, date(2026, 3, 3), held=True),
    }


def test_levels_must_be_ranked_by_offset():
    assert [lv.key for lv in sorted_levels([L2, L3, L1])] == ["L1", "L2", "L3"]
    with pytest.raises(ValueError):
        sorted_levels([Level("x", 1, 7), Level("y", 2, 1)])
    with pytest.raises(ValueError):
        sorted_levels([Level("x", 1, 1), Level("y", 1, 7)])


def test_hold_boundaries():
    hold = Hold(
        "C", 1, date(2026, 3, 5), expiry=date(2026, 3, 9), released=date(2026, 3, 8)
    )
    assert [hold.effective(date(2026, 3, d)) for d in range(4, 11)] == [
        False,  # 4/3: not started
        True,
        True,
        True,
        False,  # 8/3: released that day
        False,
        False,
    ]


def test_unapplied_credits_are_deducted_or_stop_the_reminder():
    # 1,000.00 due 1/3 (D+1 on 2/3) and 400.00 due 10/3 (listed once overdue);
    # the customer has credits not yet matched (credit notes, payments on account).
    a = Invoice(1, "C", date(2026, 3, 1), D("1000.00"), "P")
    b = Invoice(2, "C", date(2026, 3, 10), D("400.00"), "P")

    def run(credit, day=date(2026, 3, 2), invoices=(a, b), policies=None):
        return compute_run(
            invoices, [], [], day, policies or DEFAULT, credits={"C": D(credit)}
        )

    # Overdue on 2/3: 1,000.00 (b is not due yet, not listed). Credits of 1,000.00
    # or more cover it: no reminder; 300.00: the reminder asks 700.00.
    assert run("1000.00") == []
    assert run("1200.00") == []
    [reminder] = run("300.00")
    assert (reminder.total, reminder.overdue_total, reminder.credit) == (
        D("700.00"),
        D("700.00"),
        D("300.00"),
    )
    assert reminder.fired == [(1, L1)]
    # A minimum of 800.00: 1,000.00 - 300.00 = 700.00 is below it, nothing fires;
    # 1,000.00 - 150.00 = 850.00 fires.
    minimum = {"P": [Level("M1", 1, 1, min_amount=D("800.00"))]}
    assert run("300.00", policies=minimum) == []
    assert len(run("150.00", policies=minimum)) == 1
    # The phone call of L2 (above 5,000.00 overdue) compares the net amount:
    # 5,600.00 - 500.00 = 5,100.00 calls, 5,600.00 - 700.00 = 4,900.00 does not.
    big = Invoice(3, "C", date(2026, 3, 1), D("5600.00"), "P")

    def phone(credit):
        [rem] = compute_run(
            [big],
            [Sent(3, 1, date(2026, 3, 2))],
            [],
            date(2026, 3, 8),
            DEFAULT,
            credits={"C": D(credit)},
        )
        return rem.level.key, rem.phone, rem.overdue_total

    assert phone("500.00") == ("L2", True, D("5100.00"))
    assert phone("700.00") == ("L2", False, D("4900.00"))
    # No credit (or another customer's) changes nothing.
    [plain] = compute_run([a], [], [], date(2026, 3, 2), DEFAULT, credits={"X": D(5)})
    assert (plain.total, plain.credit) == (D("1000.00"), D(0))
