"""Order-to-cash KPIs of the receivables (issue 9): DSO, days late, recovery and
dispute rates, aged balance, top late payers, trend and factoring eligibility.

Every expected number is worked by hand in the comments, on the ledger of
:func:`ledger` (amounts incl. tax, euros; D = Tuesday 31 March 2026).
"""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marketplace_cash.core.exceptions import CashCoreError
from marketplace_cash.core.receivables import (
    BUCKETS,
    Book,
    Hold,
    Item,
    LatePayer,
    Payment,
    month_ends,
)

DAY = date(2026, 3, 31)


def d(month, day, year=2026):
    return date(year, month, day)


def ledger():
    """Three customers.

    acme  A1  5/1  due 4/2   1,200.00  paid 700.00 on 14/2, 500.00 on 6/3 (closed)
          A2 10/2  due 12/3  2,400.00  paid 1,000.00 on 20/3 -> 1,400.00 open
          A3 15/3  due 14/4    600.00  open
          AC1 credit note 20/3 (due 20/3) -240.00, not applied
    bolt  B1 20/11/2025 due 20/12/2025 3,000.00, paid 1,000.00 on 10/3 -> 2,000.00
          B2  1/3  due 31/3  1,800.00 open, on hold (its own) from 25/3, no end
    cora  C1 20/1  due 19/2    900.00 open
          C2  5/3  due 4/4   1,500.00, 500.00 settled by the credit note CC1
          CC1 credit note 10/3 -500.00 set against C2 (no cash)
          the customer was on hold from 1/2, released on 1/3 (last held day 28/2)
    """
    items = [
        Item(
            "A1",
            "A1",
            "acme",
            d(1, 5),
            d(2, 4),
            D("1200.00"),
            (Payment(d(2, 14), D("700.00")), Payment(d(3, 6), D("500.00"))),
        ),
        Item(
            "A2",
            "A2",
            "acme",
            d(2, 10),
            d(3, 12),
            D("2400.00"),
            (Payment(d(3, 20), D("1000.00")),),
        ),
        Item("A3", "A3", "acme", d(3, 15), d(4, 14), D("600.00")),
        Item("AC1", "AC1", "acme", d(3, 20), d(3, 20), D("-240.00"), refund=True),
        Item(
            "B1",
            "B1",
            "bolt",
            d(11, 20, 2025),
            d(12, 20, 2025),
            D("3000.00"),
            (Payment(d(3, 10), D("1000.00")),),
        ),
        Item("B2", "B2", "bolt", d(3, 1), d(3, 31), D("1800.00")),
        Item("C1", "C1", "cora", d(1, 20), d(2, 19), D("900.00")),
        Item(
            "C2",
            "C2",
            "cora",
            d(3, 5),
            d(4, 4),
            D("1500.00"),
            (Payment(d(3, 10), D("500.00"), cash=False),),
        ),
        Item(
            "CC1",
            "CC1",
            "cora",
            d(3, 10),
            d(3, 10),
            D("-500.00"),
            (Payment(d(3, 10), D("-500.00"), cash=False),),
            refund=True,
        ),
    ]
    holds = [
        Hold("bolt", d(3, 25), move_id="B2"),
        Hold("cora", d(2, 1), released=d(3, 1)),
    ]
    return Book(items, holds)


def test_dso_company_leaves_held_invoices_out():
    # Open at D, not held: A2 1,400 + A3 600 + AC1 -240 + B1 2,000 + C1 900
    # + C2 1,000 = 5,660.00; B2 (1,800.00) is held at D (C1 and C2 no longer:
    # cora's hold ended on 28/2).
    # 90 days: invoice dates in (31/12/2025, 31/3]: A1 1,200 + A2 2,400 + A3 600
    # - AC1 240 + C1 900 + C2 1,500 - CC1 500 = 5,860.00 (B2 held, B1 too old).
    # DSO 90 = 5,660 / 5,860 x 90 = 86.928... -> 86.9
    # 30 days: (1/3, 31/3] (B2 of 1/3 is out of the window by one day): A3 600
    # - AC1 240 + C2 1,500 - CC1 500 = 1,360.00; 5,660 / 1,360 x 30 = 124.85 -> 124.9
    book = ledger()
    dso90 = book.dso(DAY, 90)
    assert (dso90.receivables, dso90.revenue) == (D("5660.00"), D("5860.00"))
    assert (dso90.held_receivables, dso90.held_revenue) == (D("1800.00"), D("1800.00"))
    assert dso90.value == D("86.9")
    dso30 = book.dso(DAY, 30)
    assert (dso30.receivables, dso30.revenue) == (D("5660.00"), D("1360.00"))
    assert (dso30.held_receivables, dso30.held_revenue) == (D("1800.00"), D("0"))
    assert dso30.value == D("124.9")


def test_dso_without_the_hold_counts_the_invoice():
    # Without B2's hold: (5,660 + 1,800) / (5,860 + 1,800) x 90 = 7,460 / 7,660 x 90
    # = 87.650... -> 87.7
    book = ledger()
    unheld = Book(book.items, [h for h in book.holds if h.move_id != "B2"])
    assert unheld.dso(DAY, 90).value == D("87.7")


def test_dso_per_customer():
    # acme: 1,400 + 600 - 240 = 1,760 over 1,200 + 2,400 + 600 - 240 = 3,960:
    #   90 days 40.0; 30 days 1,760 / (600 - 240) x 30 = 146.67 -> 146.7
    # bolt: 2,000 (B1) and no revenue in either window (B2 held): no DSO
    # cora: 900 + 1,000 = 1,900 over 900 + 1,500 - 500 = 1,900: 90.0; 30 days:
    #   1,900 / (1,500 - 500) x 30 = 57.0
    book = ledger()
    per90 = book.dso_by_partner(DAY, 90)
    per30 = book.dso_by_partner(DAY, 30)
    assert {p: r.value for p, r in per90.items()} == {
        "acme": D("40.0"),
        "bolt": None,
        "cora": D("90.0"),
    }
    assert {p: r.value for p, r in per30.items()} == {
        "acme": D("146.7"),
        "bolt": None,
        "cora": D("57.0"),
    }
    bolt = per90["bolt"]
    assert (bolt.receivables, bolt.revenue) == (D("2000.00"), D("0"))
    assert (bolt.held_receivables, bolt.held_revenue) == (D("1800.00"), D("1800.00"))
    # The customers add up to the company.
    total = book.dso(DAY, 90)
    assert sum(r.receivables for r in per90.values()) == total.receivables
    assert sum(r.revenue for r in per90.values()) == total.revenue


def test_days_late_of_the_paid_invoices():
    # March: acme A1 500 paid 6/3, due 4/2 (28 days of February + 2) = 30 days;
    # A2 1,000 paid 20/3, due 12/3 = 8 days: (500 x 30 + 1,000 x 8) / 1,500
    # = 23,000 / 1,500 = 15.33 -> 15.3. bolt B1 1,000 paid 10/3, due 20/12/2025:
    # 11 + 31 + 28 + 10 = 80 days. cora: its only settlement is a credit note
    # (no cash): not a payer.
    book = ledger()
    march = book.days_late_paid(d(3, 1), d(3, 31))
    assert {p: (late.days, late.amount) for p, late in march.items()} == {
        "acme": (D("15.3"), D("1500.00")),
        "bolt": (D("80.0"), D("1000.00")),
    }
    # February and March for acme: + A1's 700 paid 14/2, 10 days late:
    # (700 x 10 + 500 x 30 + 1,000 x 8) / 2,200 = 30,000 / 2,200 = 13.64 -> 13.6
    assert book.days_late_paid(d(2, 1), d(3, 31))["acme"].days == D("13.6")


def test_days_late_of_the_open_invoices_and_top_late_payers():
    # Past due at D and not held: acme A2 1,400 x 19 days (12/3 -> 31/3);
    # bolt B1 2,000 x (11 + 31 + 28 + 31 = 101) days (B2 is held, and due on D);
    # cora C1 900 x 40 days (19/2 -> 31/3: 9 + 31). Credit notes are not late.
    # Money-days: bolt 202,000, cora 36,000, acme 26,600.
    book = ledger()
    late = book.days_late_open(DAY)
    assert {p: (x.days, x.amount) for p, x in late.items()} == {
        "acme": (D("19.0"), D("1400.00")),
        "bolt": (D("101.0"), D("2000.00")),
        "cora": (D("40.0"), D("900.00")),
    }
    assert book.top_late_payers(DAY) == [
        LatePayer("bolt", D("2000.00"), D("202000.00"), D("101.0")),
        LatePayer("cora", D("900.00"), D("36000.00"), D("40.0")),
        LatePayer("acme", D("1400.00"), D("26600.00"), D("19.0")),
    ]
    assert [p.partner_id for p in book.top_late_payers(DAY, limit=2)] == [
        "bolt",
        "cora",
    ]


def test_aged_balance_at_a_date():
    # acme: A3 600 not due; A2 1,400 (19 days) and AC1 -240 (11 days) in 1-30.
    # bolt: B2 1,800 not due (due on D: 0 days) and held; B1 2,000 over 90 (101).
    # cora: C2 1,000 not due; C1 900 in 31-60 (40 days).
    book = ledger()
    z = D(0)
    assert book.aged(DAY) == {
        "acme": {
            "not_due": D("600.00"),
            "1_30": D("1160.00"),
            "31_60": z,
            "61_90": z,
            "over_90": z,
        },
        "bolt": {
            "not_due": D("1800.00"),
            "1_30": z,
            "31_60": z,
            "61_90": z,
            "over_90": D("2000.00"),
        },
        "cora": {
            "not_due": D("1000.00"),
            "1_30": z,
            "31_60": D("900.00"),
            "61_90": z,
            "over_90": z,
        },
    }
    assert book.aged(DAY, exclude_held=True)["bolt"]["not_due"] == z
    rows = book.aged_rows(DAY)
    assert rows[("bolt", "not_due", True)] == D("1800.00")
    assert ("bolt", "not_due", False) not in rows
    # At 28/2 (payments after it do not count): acme A1 500 (24 days) and A2
    # 2,400 not due; bolt B1 3,000 (70 days); cora C1 900 (9 days), held then.
    assert book.aged_rows(d(2, 28)) == {
        ("acme", "1_30", False): D("500.00"),
        ("acme", "not_due", False): D("2400.00"),
        ("bolt", "61_90", False): D("3000.00"),
        ("cora", "1_30", True): D("900.00"),
    }


def test_recovery_rate():
    # March: invoiced A3 600 - AC1 240 + B2 1,800 + C2 1,500 - CC1 500 = 3,160.00;
    # collected (cash only) A1 500 + A2 1,000 + B1 1,000 = 2,500.00 (C2's credit
    # note is not cash): 2,500 / 3,160 = 0.79114 -> 0.7911.
    # February: invoiced A2 2,400, collected A1 700: 0.29167 -> 0.2917.
    book = ledger()
    march = book.recovery(d(3, 1), d(3, 31))
    assert (march.numerator, march.denominator) == (D("2500.00"), D("3160.00"))
    assert march.value == D("0.7911")
    assert book.recovery(d(2, 1), d(2, 28)).value == D("0.2917")


def test_dispute_rate():
    # March: issued A3, B2, C2 (credit notes are not invoices) = 3; disputed: B2
    # (its hold from 25/3); cora's hold ended on 28/2: 1 / 3 = 0.3333.
    # February: issued A2 = 1; disputed: C1 (issued in January, open under
    # cora's hold from 1/2); C2 did not exist yet: 1 / 1 = 1.0.
    # January: A1 and C1 issued, nothing held: 0 / 2.
    book = ledger()
    assert book.disputed(d(3, 1), d(3, 31)) == {"B2"}
    assert book.dispute(d(3, 1), d(3, 31)).value == D("0.3333")
    assert book.disputed(d(2, 1), d(2, 28)) == {"C1"}
    assert book.dispute(d(2, 1), d(2, 28)).value == D("1.0000")
    january = book.dispute(d(1, 1), d(1, 31))
    assert (january.numerator, january.denominator, january.value) == (0, 2, 0)


def test_customer_hold_skips_invoices_paid_before_it_and_expiry_is_the_last_day():
    # zeta: Z1 paid in full on 10/2, Z2 open. A customer hold from 15/2 to 20/2
    # (expiry: last held day) disputes Z2 only; Z3, issued on 21/2, is not.
    items = [
        Item(
            "Z1",
            "Z1",
            "zeta",
            d(1, 5),
            d(2, 4),
            D("100"),
            (Payment(d(2, 10), D("100")),),
        ),
        Item("Z2", "Z2", "zeta", d(1, 6), d(2, 5), D("200")),
        Item("Z3", "Z3", "zeta", d(2, 21), d(3, 23), D("300")),
    ]
    hold = Hold("zeta", d(2, 15), expiry=d(2, 20))
    book = Book(items, [hold])
    assert book.disputed(d(2, 1), d(2, 28)) == {"Z2"}
    # Held on 20/2 (Z2 200 out of the DSO), not on 21/2.
    assert book.dso(d(2, 20), 90).held_receivables == D("200")
    assert book.dso(d(2, 21), 90).held_receivables == D("0")
    assert book.dso(d(2, 21), 90).receivables == D("500")


def test_trend_month_ends():
    # Points 31/1, 28/2, 31/3.
    # 31/1: open B1 3,000 + A1 1,200 + C1 900 = 5,100, nothing held; 90 days
    #   (2/11/2025, 31/1]: the same three, 5,100: 90.0; 30 days (1/1, 31/1]: A1 + C1
    #   = 2,100: 5,100 / 2,100 x 30 = 72.86 -> 72.9. Recovery 0 / 2,100; disputes
    #   0 / 2.
    # 28/2: cora held (C1 900 out); open A1 500 + A2 2,400 + B1 3,000 = 5,900;
    #   90 days (30/11/2025, 28/2]: A1 1,200 + A2 2,400 = 3,600: 147.5; 30 days
    #   (29/1, 28/2]: A2 2,400: 73.75 -> 73.8. Recovery 700 / 2,400; disputes 1 / 1.
    # 31/3: as above, 86.9 and 124.9, 0.7911, 0.3333.
    trend = ledger().trend(DAY, months=3)
    assert [(m.point, m.first) for m in trend] == [
        (d(1, 31), d(1, 1)),
        (d(2, 28), d(2, 1)),
        (d(3, 31), d(3, 1)),
    ]
    assert [(m.dso_90.value, m.dso_30.value) for m in trend] == [
        (D("90.0"), D("72.9")),
        (D("147.5"), D("73.8")),
        (D("86.9"), D("124.9")),
    ]
    assert [m.dso_90.held_receivables for m in trend] == [0, D("900.00"), D("1800.00")]
    assert [m.recovery.value for m in trend] == [
        D("0.0000"),
        D("0.2917"),
        D("0.7911"),
    ]
    assert [m.dispute.value for m in trend] == [
        D("0.0000"),
        D("1.0000"),
        D("0.3333"),
    ]


def test_month_ends():
    assert month_ends(d(1, 31)) == [
        d(2, 28, 2025),
        d(3, 31, 2025),
        d(4, 30, 2025),
        d(5, 31, 2025),
        d(6, 30, 2025),
        d(7, 31, 2025),
        d(8, 31, 2025),
        d(9, 30, 2025),
        d(10, 31, 2025),
        d(11, 30, 2025),
        d(12, 31, 2025),
        d(1, 31),
    ]
    assert month_ends(d(3, 1, 2024), 2) == [d(2, 29, 2024), d(3, 1, 2024)]


def test_factoring_eligibility():
    # At D, at most 30 days past due. Open invoices: A2 1,400 (19 days past due),
    # A3 600 (due in 14 days), B1 2,000 (101: overdue), B2 1,800 (held: disputed),
    # C1 900 (40: overdue), C2 1,000 (due in 4 days). Credit notes never.
    book = ledger()
    rows = [
        (c.item.id, c.residual, c.days_overdue, c.reason)
        for c in book.factoring(DAY, 30)
    ]
    assert rows == [
        ("A2", D("1400.00"), 19, ""),
        ("A3", D("600.00"), -14, ""),
        ("B1", D("2000.00"), 101, "overdue"),
        ("B2", D("1800.00"), 0, "disputed"),
        ("C1", D("900.00"), 40, "overdue"),
        ("C2", D("1000.00"), -4, ""),
    ]
    # A limit of 1,500 per customer: acme's A2 (due first) 1,400 fits, A3 would
    # make 2,000: left out. 40 days allowed: cora's C1 900 + C2 1,000 = 1,900 >
    # 1,500: C1 (due first) is taken, C2 left out.
    rows = [
        (c.item.id, c.reason)
        for c in book.factoring(DAY, 40, D("1500"))
        if c.reason != "overdue"
    ]
    assert rows == [
        ("A2", ""),
        ("A3", "limit"),
        ("B2", "disputed"),
        ("C1", ""),
        ("C2", "limit"),
    ]


def test_factoring_limit_takes_whole_invoices_first_fit():
    # Limit 1,000: 600 (due 1/4) in; 500 (due 2/4) would make 1,100: out; 300 (due
    # 3/4) makes 900: in. Equal due dates: the invoice date, then the invoice.
    items = [
        Item(3, 30, "p", d(3, 3), d(4, 3), D("300")),
        Item(2, 20, "p", d(3, 2), d(4, 2), D("500")),
        Item(1, 10, "p", d(3, 1), d(4, 1), D("600")),
    ]
    result = Book(items).factoring(DAY, 0, D("1000"))
    assert [(c.item.id, c.eligible) for c in result] == [
        (1, True),
        (2, False),
        (3, True),
    ]
    assert sum(c.residual for c in result if c.eligible) == D("900")
    # A limit of 0 takes nothing; no limit takes everything.
    assert not any(c.eligible for c in Book(items).factoring(DAY, 0, D("0")))
    assert all(c.eligible for c in Book(items).factoring(DAY, 0))


def test_inputs_are_checked():
    with pytest.raises(TypeError):
        Item(1, 1, "p", d(1, 1), d(1, 31), 10.5)
    with pytest.raises(TypeError):
        Item(1, 1, "p", d(1, 1), d(1, 31), D(1), (Payment(d(1, 2), 1.0),))
    with pytest.raises(CashCoreError):
        Item(1, 1, "p", d(1, 1), d(1, 1), D(-1), refund=True, unmatched=True)
    with pytest.raises(CashCoreError):
        Book([]).factoring(DAY, -1)
    with pytest.raises(CashCoreError):
        Book([]).factoring(DAY, 10, D("-1"))
    assert Book([]).dso(DAY, 90).value is None
    assert Book([]).recovery(d(3, 1), DAY).value is None


def test_payment_before_the_invoice_applies_on_its_date():
    item = Item(1, 1, "p", d(3, 10), d(4, 9), D("100"), (Payment(d(3, 1), D("40")),))
    assert item.payments[0].date == d(3, 10)
    assert item.residual(d(3, 9)) == D("100")
    assert item.residual(d(3, 10)) == D("60")


def with_unmatched():
    """The ledger plus receivable lines of no invoice (``unmatched``) and one
    invoice of April:

    acme  P1 payment received on account 25/3 (due 25/3) -300.00, not matched
    bolt  P3 payment received 20/3 (due 20/3) -800.00, matched to B3 (the partial
          is dated 5/4, the later of the two entries)
          B3  5/4  due 5/5     800.00  paid by P3 on 5/4 (a payment: cash)
    cora  M1 miscellaneous entry on 411 1/2 (due 1/2) 50.00 (a rejected-payment
          fee), paid on 10/4 by the bank line P5 -50.00 (its receivable side)
    """
    book = ledger()
    extra = [
        Item("P1", "P1", "acme", d(3, 25), d(3, 25), D("-300.00"), unmatched=True),
        Item(
            "P3",
            "P3",
            "bolt",
            d(3, 20),
            d(3, 20),
            D("-800.00"),
            (Payment(d(4, 5), D("-800.00"), cash=False),),
            unmatched=True,
        ),
        Item(
            "B3",
            "B3",
            "bolt",
            d(4, 5),
            d(5, 5),
            D("800.00"),
            (Payment(d(4, 5), D("800.00")),),
        ),
        Item(
            "M1",
            "M1",
            "cora",
            d(2, 1),
            d(2, 1),
            D("50.00"),
            (Payment(d(4, 10), D("50.00")),),
            unmatched=True,
        ),
        Item(
            "P5",
            "P5",
            "cora",
            d(4, 10),
            d(4, 10),
            D("-50.00"),
            (Payment(d(4, 10), D("-50.00")),),
            unmatched=True,
        ),
    ]
    return Book(book.items + tuple(extra), book.holds)


def test_unmatched_lines_are_in_the_receivables_not_the_revenue():
    # At D: 5,660.00 (the invoices not held) - P1 300 - P3 800 (matched on 5/4
    # only) + M1 50 = 4,610.00, the customer accounts' balance without B2 (held,
    # 1,800.00: no hold applies to the payments). Revenue unchanged: 5,860.00
    # over 90 days, 1,360.00 over 30.
    # DSO 90 = 4,610 x 90 / 5,860 = 414,900 / 5,860 = 70.802... -> 70.8
    # DSO 30 = 4,610 x 30 / 1,360 = 138,300 / 1,360 = 101.691... -> 101.7
    book = with_unmatched()
    dso90 = book.dso(DAY, 90)
    assert (dso90.receivables, dso90.revenue) == (D("4610.00"), D("5860.00"))
    assert (dso90.held_receivables, dso90.held_revenue) == (D("1800.00"), D("1800.00"))
    assert dso90.value == D("70.8")
    assert book.dso(DAY, 30).value == D("101.7")
    # 5/4: P3 is matched to B3 (both settled: 0), A1 of 5/1 leaves the window.
    # Receivables 4,610 + 800 = 5,410.00; revenue (5/1, 5/4]: A2 2,400 + A3 600
    # - 240 + C1 900 + C2 1,500 - 500 + B3 800 = 5,460.00:
    # 5,410 x 90 / 5,460 = 486,900 / 5,460 = 89.175... -> 89.2
    april = book.dso(d(4, 5), 90)
    assert (april.receivables, april.revenue) == (D("5410.00"), D("5460.00"))
    assert april.value == D("89.2")
    # From 19/3 to 20/3 the receivables move by what is dated 20/3: AC1 -240,
    # A2's payment -1,000 and P3 -800 = -2,040.00.
    moved = book.dso(d(3, 20), 90).receivables - book.dso(d(3, 19), 90).receivables
    assert moved == D("-2040.00")


def test_unmatched_lines_per_customer():
    # acme: 1,760 - P1 300 = 1,460 over 3,960: 1,460 x 90 / 3,960 = 33.18 -> 33.2
    # bolt: B1 2,000 - P3 800 = 1,200, no revenue (B2 held): no DSO; held 1,800
    # cora: 1,900 + M1 50 = 1,950 over 1,900: 1,950 x 90 / 1,900 = 92.37 -> 92.4
    # 1,460 + 1,200 + 1,950 = 4,610.00, the company's.
    book = with_unmatched()
    per90 = book.dso_by_partner(DAY, 90)
    assert {
        p: (r.receivables, r.revenue, r.held_receivables, r.value)
        for p, r in per90.items()
    } == {
        "acme": (D("1460.00"), D("3960.00"), D(0), D("33.2")),
        "bolt": (D("1200.00"), D(0), D("1800.00"), None),
        "cora": (D("1950.00"), D("1900.00"), D(0), D("92.4")),
    }


def test_unmatched_lines_in_the_aged_balance():
    # By their due date, as Odoo's aged receivable: P1 (6 days) and P3 (11 days)
    # in 1-30, M1 (1/2 -> 31/3: 27 + 31 = 58 days) in 31-60, never held.
    # acme 1-30: 1,160 - 300 = 860.00; bolt 1-30: -800.00; cora 31-60: 950.00.
    # Total 600 + 860 + 1,800 - 800 + 2,000 + 1,000 + 950 = 6,410.00
    # = 4,610.00 + 1,800.00 held.
    book = with_unmatched()
    z = D(0)
    assert book.aged(DAY) == {
        "acme": {
            "not_due": D("600.00"),
            "1_30": D("860.00"),
            "31_60": z,
            "61_90": z,
            "over_90": z,
        },
        "bolt": {
            "not_due": D("1800.00"),
            "1_30": D("-800.00"),
            "31_60": z,
            "61_90": z,
            "over_90": D("2000.00"),
        },
        "cora": {
            "not_due": D("1000.00"),
            "1_30": z,
            "31_60": D("950.00"),
            "61_90": z,
            "over_90": z,
        },
    }
    # At 28/2, under cora's hold: C1 (9 days) held, M1 (27 days) not held.
    feb = book.aged_rows(d(2, 28))
    assert feb[("cora", "1_30", True)] == D("900.00")
    assert feb[("cora", "1_30", False)] == D("50.00")


def test_unmatched_lines_are_not_late_recovered_disputed_or_factored():
    book = with_unmatched()
    base = ledger()
    # Days late: M1 is 58 days past due at D and paid 68 days late on 10/4, but
    # it is no invoice: open lateness and ranking are the ledger's.
    assert book.days_late_open(DAY) == base.days_late_open(DAY)
    assert book.top_late_payers(DAY) == base.top_late_payers(DAY)
    # April: only B3, paid on 5/4 by P3, due 5/5: 30 days early, 800.00.
    april = book.days_late_paid(d(4, 1), d(4, 30))
    assert {p: (x.days, x.amount) for p, x in april.items()} == {
        "bolt": (D("-30.0"), D("800.00")),
    }
    # Recovery of April: B3 collected once (800.00, its payment of 5/4; P3's side
    # of the same reconciliation and M1's fee collected by P5 are not invoices)
    # over B3 invoiced 800.00: 1.0. March is the ledger's (P1 and P3 received
    # on account are not collected on any invoice yet).
    recovery = book.recovery(d(4, 1), d(4, 30))
    assert (recovery.numerator, recovery.denominator) == (D("800.00"), D("800.00"))
    assert book.recovery(d(3, 1), d(3, 31)) == base.recovery(d(3, 1), d(3, 31))
    # Dispute: M1 was open under cora's hold in February, but it is not an
    # invoice: disputed C1 only, over A2 issued: 1 / 1.
    assert book.disputed(d(2, 1), d(2, 28)) == {"C1"}
    assert book.dispute(d(2, 1), d(2, 28)).value == D("1.0000")
    # Factoring: M1 (50.00, 58 days past due) is no invoice; P1 does not reduce
    # acme's invoices.
    candidates = book.factoring(DAY, 60)
    assert candidates == base.factoring(DAY, 60)
    assert not book.is_held(book.items[-1], d(2, 15))  # P5: never held


@st.composite
def books(draw):
    base = date(2026, 1, 1)
    items = []
    for i in range(draw(st.integers(0, 25))):
        day = base + timedelta(days=draw(st.integers(0, 120)))
        kind = draw(st.sampled_from(("invoice", "refund", "unmatched")))
        refund = kind == "refund" or (kind == "unmatched" and draw(st.booleans()))
        amount = D(draw(st.integers(1, 100_000))) / 100
        payments = tuple(
            Payment(
                day + timedelta(days=draw(st.integers(0, 90))),
                D(draw(st.integers(1, 50_000))) / 100 * (-1 if refund else 1),
                draw(st.booleans()),
            )
            for _p in range(draw(st.integers(0, 2)))
        )
        items.append(
            Item(
                i,
                i // 2,
                draw(st.sampled_from("abc")),
                day,
                day + timedelta(days=draw(st.integers(0, 60))),
                -amount if refund else amount,
                payments,
                kind == "refund",
                kind == "unmatched",
            )
        )
    holds = [
        Hold(
            draw(st.sampled_from("abc")),
            base + timedelta(days=draw(st.integers(0, 150))),
            move_id=draw(st.one_of(st.none(), st.integers(0, 12))),
            expiry=draw(
                st.one_of(
                    st.none(), st.just(base + timedelta(days=draw(st.integers(0, 160))))
                )
            ),
        )
        for _h in range(draw(st.integers(0, 3)))
    ]
    return Book(items, holds), base + timedelta(days=draw(st.integers(0, 160)))


@given(books())
def test_totals_agree(case):
    """The bisection totals equal a plain pass over the items (the unmatched
    lines in the receivables, not the revenue); the aged balance and the
    customers add up to the company, held or not."""
    book, day = case
    for days in (30, 90):
        dso = book.dso(day, days)
        start = day - timedelta(days=days)
        plain_r = plain_v = D(0)
        for item in book.items:
            if item.date <= day and not book.is_held(item, day):
                plain_r += item.residual(day)
                if item.date > start and not item.unmatched:
                    plain_v += item.amount
        assert (dso.receivables, dso.revenue) == (plain_r, plain_v)
        per = book.dso_by_partner(day, days).values()
        assert sum((r.receivables for r in per), D(0)) == dso.receivables
        assert sum((r.held_receivables for r in per), D(0)) == dso.held_receivables
        assert sum((r.revenue for r in per), D(0)) == dso.revenue
    aged = book.aged(day)
    assert sum((sum(row.values(), D(0)) for row in aged.values()), D(0)) == (
        dso.receivables + dso.held_receivables
    )
    assert all(set(row) == set(BUCKETS) for row in aged.values())
