"""marketplace_cash.core.posting: payouts planned as balanced entries, to the cent.

Every expected table below was computed by hand (the computation is in the comments),
not by running the planner. A row is ``(kind, account, debit, credit, category,
count, tax, tax_line, partner, analytic)`` (``tax``: the one key of ``tax_ids``), with
the amounts as strings, so the rounding to the currency's decimals is checked too
("0.00", not "0").
"""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marketplace_cash.core.exceptions import CashCoreError
from marketplace_cash.core.posting import (
    CATEGORY_LABELS,
    KIND_AMOUNT,
    KIND_BASE,
    KIND_COUNTERPART,
    KIND_TAX,
    AccountRule,
    CategoryTotal,
    Mapping,
    MappingError,
    MonthTotal,
    PayoutLine,
    TaxRule,
    default_mapping_fr,
    explain,
    payout_date_of,
    plan,
)

D = Decimal
UTC = timezone.utc
PARIS_SUMMER = timezone(timedelta(hours=2))
S707 = "pcg_707_account"
T20 = "fr_vat_20_ded"
VAT20 = TaxRule(T20, D("0.20"), account="pcg_44566")


def at(day, month=3, hour=12, year=2025):
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def line(category, amount, posted_at=None, order_ref=None):
    return PayoutLine(category, D(amount), posted_at, order_ref)


def table(entry):
    return [
        (
            ln.kind,
            ln.account,
            str(ln.debit),
            str(ln.credit),
            ln.category,
            ln.count,
            ln.tax_ids[0] if ln.tax_ids else None,
            ln.tax_line,
            ln.partner,
            ln.analytic,
        )
        for ln in entry.lines
    ]


def row(kind, account, debit, credit, category, count, **keys):
    """An expected row of :func:`table`; the keys default to None."""
    extra = ("tax", "tax_line", "partner", "analytic")
    assert set(keys) <= set(extra), keys
    return (kind, account, debit, credit, category, count) + tuple(
        keys.get(name) for name in extra
    )


def assert_balanced(entries, lines, decimals=2):
    quantum = D(1).scaleb(-decimals)
    for entry in entries:
        assert entry.total_debit == entry.total_credit
        assert [ln.kind for ln in entry.lines].count(KIND_COUNTERPART) == 1
        assert entry.lines[-1].kind == KIND_COUNTERPART
        assert [ln.is_counterpart for ln in entry.lines].count(True) == 1
        for ln in entry.lines:
            assert len(ln.tax_ids) == (ln.kind == KIND_BASE)
            assert (ln.tax_line is not None) == (ln.kind == KIND_TAX)
    net = sum((ln.amount for ln in lines), D(0)).quantize(quantum, ROUND_HALF_UP)
    assert sum((entry.net for entry in entries), D(0)) == net
    posted = [
        ln.count
        for entry in entries
        for ln in entry.lines
        if ln.kind in (KIND_AMOUNT, KIND_BASE)
    ]
    assert sum(posted) == sum(entry.line_count for entry in entries) == len(lines)


# Amazon EU, positive, with a reserve carried over -------------------------------------

AMAZON_LINES = [
    line("sale", "100.00", at(3), "402-1"),
    line("shipping", "4.99", at(3), "402-1"),
    line("commission", "-9.72", at(3), "402-1"),
    line("fulfillment_fee", "-3.22", at(3), "402-1"),
    line("sale", "59.90", at(5), "402-2"),
    line("shipping", "4.99", at(5), "402-2"),
    line("commission", "-18.00", at(5), "402-2"),
    line("fulfillment_fee", "-3.22", at(5), "402-2"),
    line("sale", "240.00", at(10), "402-3"),
    line("promotion", "-10.00", at(10), "402-3"),
    line("commission", "-36.00", at(10), "402-3"),
    line("fulfillment_fee", "-5.10", at(10), "402-3"),
    line("refund", "-59.90", at(12), "402-2"),
    line("refund_fee", "-1.80", at(12), "402-2"),
    line("advertising", "-25.00", at(13)),
    line("storage_fee", "-4.10", at(13)),
    line("reserve_hold", "-25.00", at(13)),  # held now, released next cycle
    line("reserve_release", "20.00", at(1)),  # the previous cycle's hold
]


def amazon_mapping():
    return default_mapping_fr(partner="amazon_eu").override(
        commission=AccountRule("pcg_6222", tax=VAT20)
    )


def test_amazon_settlement_with_reserve_carry_over():
    # sale 100.00 + 59.90 + 240.00 = 399.90 (3)   shipping 4.99 + 4.99 = 9.98 (2)
    # commission -9.72 - 18.00 - 36.00 = -63.72 (3), VAT 20 % included:
    #   base = round(-63.72 / 1.2) = -53.10, tax = -63.72 + 53.10 = -10.62
    # fulfilment -3.22 - 3.22 - 5.10 = -11.54 (3)
    # net = 399.90 + 9.98 - 10.00 - 63.72 - 11.54 - 25.00 - 4.10 - 59.90 - 1.80
    #       - 25.00 + 20.00 = 228.82
    # debits 10.00 + 53.10 + 10.62 + 11.54 + 25.00 + 4.10 + 59.90 + 1.80 + 25.00
    #        + 228.82 = 429.88 = credits 399.90 + 9.98 + 20.00
    entries = plan(
        AMAZON_LINES,
        amazon_mapping(),
        payout_date=date(2025, 3, 14),
        analytic_key="an_amazon",
        ref="S-1001",
    )
    assert len(entries) == 1
    [entry] = entries
    assert (entry.month, entry.date) == (date(2025, 3, 1), date(2025, 3, 14))
    P, A = "amazon_eu", "an_amazon"
    assert table(entry) == [
        row("amount", S707, "0.00", "399.90", "sale", 3, analytic=A),
        row("amount", S707, "0.00", "9.98", "shipping", 2, analytic=A),
        row("amount", "pcg_7097", "10.00", "0.00", "promotion", 1, analytic=A),
        row("base", "pcg_6222", "53.10", "0.00", "commission", 3, tax=T20, analytic=A),
        row("tax", "pcg_44566", "10.62", "0.00", "commission", 3, tax_line=T20),
        row("amount", "pcg_6242", "11.54", "0.00", "fulfillment_fee", 3, analytic=A),
        row("amount", "pcg_6231", "25.00", "0.00", "advertising", 1, analytic=A),
        row("amount", "pcg_6222", "4.10", "0.00", "storage_fee", 1, analytic=A),
        row("amount", "pcg_7097", "59.90", "0.00", "refund", 1, analytic=A),
        row("amount", "pcg_6222", "1.80", "0.00", "refund_fee", 1, analytic=A),
        row("amount", "pcg_467", "25.00", "0.00", "reserve_hold", 1, partner=P),
        row("amount", "pcg_467", "0.00", "20.00", "reserve_release", 1, partner=P),
        row("counterpart", "receivable", "228.82", "0.00", None, 18, partner=P),
    ]
    assert [ln.label for ln in entry.lines] == [
        "Sales (3 lines)",
        "Shipping charged (2 lines)",
        "Promotions (1 line)",
        "Commissions (3 lines)",
        "Tax 20% on Commissions (3 lines)",
        "Fulfilment fees (3 lines)",
        "Advertising (1 line)",
        "Storage fees (1 line)",
        "Refunds (1 line)",
        "Refund fees (1 line)",
        "Reserve held (1 line)",
        "Reserve released (1 line)",
        "Payout S-1001 net (18 lines)",
    ]
    assert entry.total_debit == entry.total_credit == D("429.88")
    assert entry.net == D("228.82")
    assert_balanced(entries, AMAZON_LINES)


def test_amazon_commission_example_of_the_brief():
    # 9.72 = 8.10 + 1.62: 9.72 / 1.2 = 8.10 exactly
    assert VAT20.split(D("-9.72"), D("0.01")) == (D("-8.10"), D("-1.62"))
    assert VAT20.split(D("9.72"), D("0.01")) == (D("8.10"), D("1.62"))
    # -9.99 / 1.2 = -8.325 -> ROUND_HALF_UP (away from zero) -8.33; tax -1.66
    assert VAT20.split(D("-9.99"), D("0.01")) == (D("-8.33"), D("-1.66"))
    # 5.5 %: -10.00 / 1.055 = -9.4786... -> -9.48; tax -0.52
    vat55 = TaxRule("fr_vat_55", D("0.055"), account="pcg_44566")
    assert vat55.split(D("-10.00"), D("0.01")) == (D("-9.48"), D("-0.52"))
    assert vat55.percent == "5.5" and VAT20.percent == "20"


# Negative settlement: the seller owes the marketplace ---------------------------------


def test_negative_settlement_counterpart_on_the_credit_side():
    # net = 30.00 - 4.50 - 120.00 - 80.00 - 39.00 = -213.50: counterpart CREDIT 213.50
    # debits 4.50 + 80.00 + 39.00 + 120.00 = 243.50 = credits 30.00 + 213.50
    lines = [
        line("sale", "30.00", at(20), "402-9"),
        line("commission", "-4.50", at(20), "402-9"),
        line("refund", "-120.00", at(21), "402-7"),
        line("advertising", "-80.00", at(25)),
        line("subscription", "-39.00", at(26)),
    ]
    [entry] = plan(
        lines,
        default_mapping_fr(partner="amazon_eu"),
        payout_date=date(2025, 3, 28),
    )
    P = "amazon_eu"
    assert table(entry) == [
        row("amount", S707, "0.00", "30.00", "sale", 1),
        row("amount", "pcg_6222", "4.50", "0.00", "commission", 1),
        row("amount", "pcg_6231", "80.00", "0.00", "advertising", 1),
        row("amount", "pcg_6222", "39.00", "0.00", "subscription", 1),
        row("amount", "pcg_7097", "120.00", "0.00", "refund", 1),
        row("counterpart", "receivable", "0.00", "213.50", None, 5, partner=P),
    ]
    assert entry.net == D("-213.50")
    assert entry.total_debit == entry.total_credit == D("243.50")
    assert_balanced([entry], lines)


# A settlement crossing a month --------------------------------------------------------

CROSSING_LINES = [
    line("sale", "50.00", at(28), "A1"),
    line("commission", "-7.50", at(29), "A1"),
    line("sale", "20.00", at(30), "A2"),
    # 1 April 01:00 in Paris is 31 March 23:00 UTC: March
    line("fulfillment_fee", "-3.00", datetime(2025, 4, 1, 1, 0, tzinfo=PARIS_SUMMER)),
    line("sale", "80.00", at(1, month=4, hour=0), "A3"),
    line("commission", "-12.00", at(2, month=4), "A3"),
    line("refund", "-20.00", at(3, month=4), "A2"),
    line("subscription", "-39.00"),  # no posted_at: the payout's month, April
]


def test_settlement_crossing_a_month_gives_one_entry_per_month():
    # March: sale 50.00 + 20.00 = 70.00 (2), commission -7.50, fulfilment -3.00
    #        net 70.00 - 7.50 - 3.00 = 59.50, dated 31 March (cut-off)
    # April: sale 80.00, commission -12.00, subscription -39.00, refund -20.00
    #        net 80.00 - 12.00 - 39.00 - 20.00 = 9.00, dated 5 April (payout date)
    # 59.50 + 9.00 = 68.50 = the payout net
    entries = plan(CROSSING_LINES, default_mapping_fr(), payout_date=date(2025, 4, 5))
    march, april = entries
    assert (march.month, march.date) == (date(2025, 3, 1), date(2025, 3, 31))
    assert (april.month, april.date) == (date(2025, 4, 1), date(2025, 4, 5))
    assert table(march) == [
        row("amount", S707, "0.00", "70.00", "sale", 2),
        row("amount", "pcg_6222", "7.50", "0.00", "commission", 1),
        row("amount", "pcg_6242", "3.00", "0.00", "fulfillment_fee", 1),
        row("counterpart", "receivable", "59.50", "0.00", None, 4),
    ]
    assert table(april) == [
        row("amount", S707, "0.00", "80.00", "sale", 1),
        row("amount", "pcg_6222", "12.00", "0.00", "commission", 1),
        row("amount", "pcg_6222", "39.00", "0.00", "subscription", 1),
        row("amount", "pcg_7097", "20.00", "0.00", "refund", 1),
        row("counterpart", "receivable", "9.00", "0.00", None, 4),
    ]
    assert march.total_debit == march.total_credit == D("70.00")
    assert april.total_debit == april.total_credit == D("80.00")
    assert march.net + april.net == D("68.50")
    assert_balanced(entries, CROSSING_LINES)


def test_settlement_not_split_by_month_is_one_entry_at_the_payout_date():
    # sale 50 + 20 + 80 = 150.00 (3); commission -7.50 - 12.00 = -19.50 (2); net 68.50
    [entry] = plan(
        CROSSING_LINES,
        default_mapping_fr(),
        payout_date=date(2025, 4, 5),
        split_by_month=False,
    )
    assert entry.date == date(2025, 4, 5)
    assert table(entry) == [
        row("amount", S707, "0.00", "150.00", "sale", 3),
        row("amount", "pcg_6222", "19.50", "0.00", "commission", 2),
        row("amount", "pcg_6242", "3.00", "0.00", "fulfillment_fee", 1),
        row("amount", "pcg_6222", "39.00", "0.00", "subscription", 1),
        row("amount", "pcg_7097", "20.00", "0.00", "refund", 1),
        row("counterpart", "receivable", "68.50", "0.00", None, 8),
    ]
    assert_balanced([entry], CROSSING_LINES)


def test_months_around_the_payout_date_are_dated_nearest_to_it():
    # February -> 28 Feb (last day), March (payout's month) -> payout date 31 March,
    # April (a line posted after the payout date) -> 1 April (first day)
    lines = [
        line("sale", "1.00", at(27, month=2)),
        line("sale", "2.00", at(31, month=3)),
        line("sale", "3.00", at(1, month=4)),
    ]
    entries = plan(lines, default_mapping_fr(), payout_date=date(2025, 3, 31))
    assert [(e.month, e.date, e.net) for e in entries] == [
        (date(2025, 2, 1), date(2025, 2, 28), D("1.00")),
        (date(2025, 3, 1), date(2025, 3, 31), D("2.00")),
        (date(2025, 4, 1), date(2025, 4, 1), D("3.00")),
    ]
    leap = plan(
        [line("sale", "1.00", at(10, month=2, year=2024))],
        default_mapping_fr(),
        payout_date=datetime(2024, 3, 4, 22, 30, tzinfo=timezone(-timedelta(hours=3))),
    )
    # the payout datetime 4 March 22:30 UTC-3 is 5 March UTC; February 2024 has 29 days
    assert [e.date for e in leap] == [date(2024, 2, 29)]


# Mirakl billing cycle with VAT on the commission --------------------------------------


@pytest.mark.parametrize(
    "commission_lines",
    [
        # one line, VAT included: -21.60 = base -18.00 + VAT -3.60
        [line("commission", "-21.60", at(3), "M-1")],
        # the connector's two raw lines (COMMISSION_FEE, COMMISSION_VAT), both mapped
        # to the commission category: aggregated to -21.60, then split the same way
        [
            line("commission", "-18.00", at(3), "M-1"),
            line("commission", "-3.60", at(3), "M-1"),
        ],
    ],
    ids=["one_line", "fee_and_vat_lines"],
)
def test_mirakl_cycle_with_commission_vat(commission_lines):
    # -21.60 / 1.2 = -18.00 exactly; tax = -21.60 + 18.00 = -3.60
    # net = 120.00 + 6.00 - 21.60 = 104.40; debits 18.00 + 3.60 + 104.40 = 126.00
    lines = [
        line("sale", "120.00", at(3), "M-1"),
        line("shipping", "6.00", at(3), "M-1"),
        *commission_lines,
    ]
    mapping = default_mapping_fr(partner="mirakl_op").override(
        commission=AccountRule("pcg_6222", tax=VAT20)
    )
    [entry] = plan(lines, mapping, payout_date=date(2025, 3, 10))
    n = len(commission_lines)
    assert table(entry) == [
        row("amount", S707, "0.00", "120.00", "sale", 1),
        row("amount", S707, "0.00", "6.00", "shipping", 1),
        row("base", "pcg_6222", "18.00", "0.00", "commission", n, tax=T20),
        row("tax", "pcg_44566", "3.60", "0.00", "commission", n, tax_line=T20),
        row(
            "counterpart",
            "receivable",
            "104.40",
            "0.00",
            None,
            2 + n,
            partner="mirakl_op",
        ),
    ]
    assert entry.total_debit == entry.total_credit == D("126.00")
    assert_balanced([entry], lines)


def test_tax_not_included_marks_the_base_without_a_tax_line():
    # the fee is the base; its VAT comes as a line of its own (here tax_withheld
    # remapped to 44566 for the example): -18.00 base + -3.60 VAT, net -21.60
    mapping = default_mapping_fr().override(
        commission=AccountRule(
            "pcg_6222",
            tax=TaxRule("fr_vat_20_ded_excl", D("0.20"), False, account="pcg_44566"),
        ),
        tax_withheld=AccountRule("pcg_44566", analytic=False),
    )
    lines = [line("commission", "-18.00"), line("tax_withheld", "-3.60")]
    [entry] = plan(lines, mapping, payout_date=date(2025, 3, 10), analytic_key=9)
    assert table(entry) == [
        row("amount", "pcg_44566", "3.60", "0.00", "tax_withheld", 1),
        row(
            "base",
            "pcg_6222",
            "18.00",
            "0.00",
            "commission",
            1,
            tax="fr_vat_20_ded_excl",
            analytic=9,
        ),
        row("counterpart", "receivable", "0.00", "21.60", None, 2),
    ]


# Stripe payout in USD -----------------------------------------------------------------


def test_stripe_usd_payout_with_fees():
    # Account keys are opaque: here Odoo account ids, clearing account 120, partner 7.
    # charges 100.00 + 250.00 + 49.99 = 399.99 (3)
    # fees 2.9 % + 0.30: 3.20, 7.55, 1.75 (1.4497 + 0.30 = 1.7497 rounded by Stripe)
    #   = 12.50 (3)
    # refund -49.99 (the fee is not returned), dispute -250.00, dispute fee -15.00
    # net = 399.99 - 12.50 - 49.99 - 250.00 - 15.00 = 72.50
    mapping = Mapping(
        {
            "sale": AccountRule(400),
            "payment_fee": AccountRule(626),
            "refund": AccountRule(401),
            "dispute": AccountRule(401),
            "dispute_fee": AccountRule(626),
            "unknown": AccountRule(999, analytic=False),
        },
        counterpart=120,
        partner=7,
    )
    lines = [
        line("sale", "100.00", at(2, month=6), "ch_1"),
        line("payment_fee", "-3.20", at(2, month=6), "ch_1"),
        line("sale", "250.00", at(3, month=6), "ch_2"),
        line("payment_fee", "-7.55", at(3, month=6), "ch_2"),
        line("sale", "49.99", at(3, month=6), "ch_3"),
        line("payment_fee", "-1.75", at(3, month=6), "ch_3"),
        line("refund", "-49.99", at(4, month=6), "ch_3"),
        line("dispute", "-250.00", at(5, month=6), "ch_2"),
        line("dispute_fee", "-15.00", at(5, month=6), "ch_2"),
    ]
    [entry] = plan(lines, mapping, 2, payout_date=date(2025, 6, 6), ref="po_1")
    assert entry.date == date(2025, 6, 6)
    assert table(entry) == [
        row("amount", 400, "0.00", "399.99", "sale", 3),
        row("amount", 626, "12.50", "0.00", "payment_fee", 3),
        row("amount", 401, "49.99", "0.00", "refund", 1),
        row("amount", 401, "250.00", "0.00", "dispute", 1),
        row("amount", 626, "15.00", "0.00", "dispute_fee", 1),
        row("counterpart", 120, "72.50", "0.00", None, 9, partner=7),
    ]
    assert entry.counterpart.label == "Payout po_1 net (9 lines)"
    assert entry.total_debit == entry.total_credit == D("399.99")
    assert_balanced([entry], lines)


# Zero-decimal currency ----------------------------------------------------------------


def test_jpy_payout_has_no_decimals():
    # sale 3980 + 1250 = 5230 (2); commission -398 - 125 = -523 (2), 10 % included:
    #   base = round(-523 / 1.1) = round(-475.4545...) = -475, tax = -523 + 475 = -48
    # fulfilment -434; net = 5230 - 523 - 434 = 4273
    # debits 475 + 48 + 434 + 4273 = 5230 = credits
    mapping = default_mapping_fr(partner="amazon_jp").override(
        commission=AccountRule(
            "pcg_6222", tax=TaxRule("jp_ct_10", D("0.10"), account="jp_ct_paid")
        )
    )
    lines = [
        line("sale", "3980", at(2, month=5), "503-1"),
        line("commission", "-398", at(2, month=5), "503-1"),
        line("sale", "1250", at(8, month=5), "503-2"),
        line("commission", "-125", at(8, month=5), "503-2"),
        line("fulfillment_fee", "-434", at(8, month=5), "503-2"),
    ]
    [entry] = plan(lines, mapping, 0, payout_date=date(2025, 5, 15))
    assert table(entry) == [
        row("amount", "pcg_707_account", "0", "5230", "sale", 2),
        row("base", "pcg_6222", "475", "0", "commission", 2, tax="jp_ct_10"),
        row("tax", "jp_ct_paid", "48", "0", "commission", 2, tax_line="jp_ct_10"),
        row("amount", "pcg_6242", "434", "0", "fulfillment_fee", 1),
        row("counterpart", "receivable", "4273", "0", None, 5, partner="amazon_jp"),
    ]
    assert entry.total_debit == entry.total_credit == D("5230")
    assert_balanced([entry], lines, decimals=0)


# FX, analytic, unmapped categories ----------------------------------------------------


def test_fx_gains_and_losses_on_their_own_accounts_never_netted():
    # gains 1.20 + 0.30 = 1.50 on 766 (2), loss -0.85 on 666 (1), net 0.65
    lines = [
        line("fx", "1.20", at(3)),
        line("fx", "-0.85", at(4)),
        line("fx", "0.30", at(5)),
        line("sale", "10.00", at(5)),
    ]
    [entry] = plan(
        lines, default_mapping_fr(), payout_date=date(2025, 3, 14), analytic_key="X"
    )
    assert table(entry) == [
        row("amount", S707, "0.00", "10.00", "sale", 1, analytic="X"),
        row("amount", "pcg_766", "0.00", "1.50", "fx", 2, analytic="X"),
        row("amount", "pcg_666", "0.85", "0.00", "fx", 1, analytic="X"),
        row("counterpart", "receivable", "10.65", "0.00", None, 4),
    ]
    assert [ln.label for ln in entry.lines[1:3]] == [
        "Currency exchange, money in (2 lines)",
        "Currency exchange, money out (1 line)",
    ]


def test_channel_analytic_from_the_mapping_unless_given():
    # sale 10.00 credit with the analytic, reserve hold -4.00 (balance sheet) without
    mapping = replace(default_mapping_fr(partner="mkt"), analytic=42)
    lines = [line("sale", "10.00"), line("reserve_hold", "-4.00")]
    [entry] = plan(lines, mapping, payout_date=date(2025, 3, 14))
    assert [(ln.account, ln.analytic, ln.partner) for ln in entry.lines] == [
        (S707, 42, None),
        ("pcg_467", None, "mkt"),
        ("receivable", None, "mkt"),
    ]
    [entry] = plan(lines, mapping, payout_date=date(2025, 3, 14), analytic_key=7)
    assert [ln.analytic for ln in entry.lines] == [7, None, None]
    assert mapping.override(sale=AccountRule("x")).analytic == 42


def test_unmapped_category_goes_to_suspense_never_dropped():
    lines = [line("sale", "5.00"), line("brand_new_type", "-2.00")]
    [entry] = plan(lines, default_mapping_fr(), payout_date=date(2025, 3, 14))
    assert table(entry) == [
        row("amount", S707, "0.00", "5.00", "sale", 1),
        row("amount", "pcg_471", "2.00", "0.00", "brand_new_type", 1),
        row("counterpart", "receivable", "3.00", "0.00", None, 2),
    ]
    assert entry.lines[1].label == "brand_new_type (1 line)"
    without_suspense = Mapping({"sale": AccountRule("707")}, counterpart="411")
    with pytest.raises(MappingError) as err:
        plan(lines, without_suspense, payout_date=date(2025, 3, 14))
    assert isinstance(err.value, CashCoreError)
    assert err.value.category == "brand_new_type"


def test_zero_net_and_zero_groups_keep_their_lines():
    # commission -5.00 then +5.00 back: a 0.00 line with its 2 payout lines
    lines = [line("commission", "-5.00"), line("commission", "5.00")]
    [entry] = plan(lines, default_mapping_fr(), payout_date=date(2025, 3, 14))
    assert table(entry) == [
        row("amount", "pcg_6222", "0.00", "0.00", "commission", 2),
        row("counterpart", "receivable", "0.00", "0.00", None, 2),
    ]


def test_empty_payout_plans_nothing():
    assert plan([], default_mapping_fr(), payout_date=date(2025, 3, 14)) == []


# Rounding of amounts finer than the currency ------------------------------------------


def test_sub_cent_amounts_balance_and_sum_to_the_rounded_net():
    # One month: sale 10.005 -> 10.01 and shipping 0.005 -> 0.01 (HALF_UP) make 10.02,
    # but the net 10.010 rounds to 10.01: the one-cent difference comes off the
    # aggregate rounded up the most (a tie at 0.005: the larger amount, the sale).
    lines = [line("sale", "10.005", at(3)), line("shipping", "0.005", at(3))]
    [entry] = plan(lines, default_mapping_fr(), payout_date=date(2025, 3, 14))
    assert [(ln.account, str(ln.credit)) for ln in entry.lines] == [
        ("pcg_707_account", "10.00"),
        ("pcg_707_account", "0.01"),
        ("receivable", "0.00"),
    ]
    assert entry.counterpart.debit == D("10.01")


def test_sub_cent_amounts_across_months_use_the_running_total():
    # 0.005 in March and 0.005 in April: rounding each month gives 0.01 + 0.01 = 0.02
    # for a net of 0.010 -> 0.01. Running totals: March round(0.005) = 0.01,
    # April round(0.010) - 0.01 = 0.00, so the counterparts add up to 0.01.
    lines = [line("sale", "0.005", at(31)), line("sale", "0.005", at(1, month=4))]
    march, april = plan(lines, default_mapping_fr(), payout_date=date(2025, 4, 5))
    assert table(march)[0][2:4] == ("0.00", "0.01")
    assert table(april)[0][2:4] == ("0.00", "0.00")
    assert (march.net, april.net) == (D("0.01"), D("0.00"))
    assert_balanced([march, april], lines)


# The default French mapping -----------------------------------------------------------


def test_default_mapping_fr_whole_table():
    mapping = default_mapping_fr()
    rows = {
        category: (
            rule.account,
            rule.negative_account,
            rule.tax,
            rule.with_partner,
            rule.analytic,
        )
        for category, rule in mapping.rules.items()
    }
    assert rows == {
        "sale": ("pcg_707_account", None, None, False, True),
        "shipping": ("pcg_707_account", None, None, False, True),
        "tax": ("pcg_44571", None, None, False, False),
        "tax_withheld": ("pcg_44571", None, None, False, False),
        "promotion": ("pcg_7097", None, None, False, True),
        "refund": ("pcg_7097", None, None, False, True),
        "dispute": ("pcg_7097", None, None, False, True),
        "commission": ("pcg_6222", None, None, False, True),
        "subscription": ("pcg_6222", None, None, False, True),
        "storage_fee": ("pcg_6222", None, None, False, True),
        "other_fee": ("pcg_6222", None, None, False, True),
        "refund_fee": ("pcg_6222", None, None, False, True),
        "fulfillment_fee": ("pcg_6242", None, None, False, True),
        "shipping_fee": ("pcg_6242", None, None, False, True),
        "advertising": ("pcg_6231", None, None, False, True),
        "payment_fee": ("pcg_6278", None, None, False, True),
        "dispute_fee": ("pcg_6278", None, None, False, True),
        "reimbursement": ("pcg_758", None, None, False, True),
        "reserve_hold": ("pcg_467", None, None, True, False),
        "reserve_release": ("pcg_467", None, None, True, False),
        "fx": ("pcg_766", "pcg_666", None, False, True),
        "adjustment": ("pcg_471", None, None, False, False),
        "unknown": ("pcg_471", None, None, False, False),
    }
    assert set(rows) == set(CATEGORY_LABELS)
    assert (mapping.counterpart, mapping.partner) == ("receivable", None)
    with pytest.raises(TypeError):
        mapping.rules["sale"] = AccountRule("x")


def test_override_leaves_the_defaults_alone():
    base = default_mapping_fr()
    channel = base.override(shipping=AccountRule("pcg_7085"))
    assert channel.rules["shipping"].account == "pcg_7085"
    assert base.rules["shipping"].account == "pcg_707_account"


# Input checks -------------------------------------------------------------------------


def test_invalid_inputs_are_refused():
    mapping = default_mapping_fr()
    with pytest.raises(TypeError):
        plan([PayoutLine("sale", 1.1)], mapping, payout_date=date(2025, 3, 1))
    with pytest.raises(ValueError):
        plan([line("sale", "1")], mapping, -1, payout_date=date(2025, 3, 1))
    with pytest.raises(TypeError):
        plan([line("sale", "1")], mapping, payout_date="2025-03-01")
    with pytest.raises(TypeError):
        TaxRule("t", D("0.2"))  # the tax line's account is required
    with pytest.raises(ValueError):
        TaxRule("t", D("0.2"), account=None)
    with pytest.raises(TypeError):
        TaxRule("t", 0.2, account="44566")
    with pytest.raises(ValueError):
        TaxRule("t", D("-0.2"), account="44566")
    with pytest.raises(TypeError):
        Mapping({"sale": "707"}, counterpart="411")


def test_payout_date_is_the_deposit_date_else_the_end_date():
    deposit = datetime(2025, 4, 6, 0, 30, tzinfo=PARIS_SUMMER)  # 5 April 22:30 UTC
    assert payout_date_of(deposit, at(3, month=4)) == date(2025, 4, 5)
    assert payout_date_of(None, at(3, month=4)) == date(2025, 4, 3)
    assert payout_date_of(None, date(2025, 4, 2)) == date(2025, 4, 2)
    with pytest.raises(ValueError):
        payout_date_of(None, None)


# Explaining a payout ------------------------------------------------------------------


def test_explain_totals_by_category_and_month():
    exp = explain(CROSSING_LINES, payout_date=date(2025, 4, 5))
    assert (exp.count, exp.net) == (8, D("68.50"))
    assert exp.by_category == (
        CategoryTotal("sale", "Sales", 3, D("150.00")),
        CategoryTotal("commission", "Commissions", 2, D("-19.50")),
        CategoryTotal("fulfillment_fee", "Fulfilment fees", 1, D("-3.00")),
        CategoryTotal("subscription", "Subscriptions", 1, D("-39.00")),
        CategoryTotal("refund", "Refunds", 1, D("-20.00")),
    )
    assert exp.by_month == (
        MonthTotal(
            date(2025, 3, 1),
            4,
            D("59.50"),
            (
                CategoryTotal("sale", "Sales", 2, D("70.00")),
                CategoryTotal("commission", "Commissions", 1, D("-7.50")),
                CategoryTotal("fulfillment_fee", "Fulfilment fees", 1, D("-3.00")),
            ),
        ),
        MonthTotal(
            date(2025, 4, 1),
            4,
            D("9.00"),
            (
                CategoryTotal("sale", "Sales", 1, D("80.00")),
                CategoryTotal("commission", "Commissions", 1, D("-12.00")),
                CategoryTotal("subscription", "Subscriptions", 1, D("-39.00")),
                CategoryTotal("refund", "Refunds", 1, D("-20.00")),
            ),
        ),
    )


def test_explain_keeps_exact_decimals_and_undated_lines():
    exp = explain([line("sale", "0.005", at(3)), line("other_fee", "-0.001")])
    assert exp.net == D("0.004")
    assert [(m.month, m.count, m.amount) for m in exp.by_month] == [
        (date(2025, 3, 1), 1, D("0.005")),
        (None, 1, D("-0.001")),
    ]


# Properties ---------------------------------------------------------------------------

CATEGORIES = [*CATEGORY_LABELS, "brand_new_type"]
ACCOUNTS = st.sampled_from(["707", "6222", "467", 11, 12, ("pair", 1)])
RATES = st.sampled_from(
    [D(0), D("0.021"), D("0.055"), D("0.10"), D("0.20")]
) | st.decimals(min_value=0, max_value=1, places=3)


@st.composite
def mappings(draw):
    rules = {}
    for category in CATEGORY_LABELS:
        tax = None
        if draw(st.booleans()):
            tax = TaxRule(
                draw(st.sampled_from(["t1", "t2", 3])),
                draw(RATES),
                draw(st.booleans()),
                account=draw(st.sampled_from(["44566", 44571])),
            )
        rules[category] = AccountRule(
            draw(ACCOUNTS),
            negative_account=draw(st.none() | ACCOUNTS),
            tax=tax,
            with_partner=draw(st.booleans()),
            analytic=draw(st.booleans()),
        )
    return Mapping(rules, counterpart="411", partner="mkt")


@st.composite
def payout_lines(draw, places):
    units = draw(st.integers(-(10**9), 10**9))
    moment = draw(
        st.none()
        | st.datetimes(
            min_value=datetime(2024, 12, 1),
            max_value=datetime(2025, 5, 31),
            timezones=st.sampled_from(
                [UTC, PARIS_SUMMER, timezone(-timedelta(hours=7))]
            ),
        )
    )
    return PayoutLine(
        draw(st.sampled_from(CATEGORIES)), D(units).scaleb(-places), moment, None
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_every_entry_balances_and_nothing_is_lost(data):
    decimals = data.draw(st.integers(0, 3), "decimals")
    fine = data.draw(st.booleans(), "finer amounts than the currency")
    places = decimals + (data.draw(st.integers(1, 3)) if fine else 0)
    lines = data.draw(st.lists(payout_lines(places), max_size=40), "lines")
    mapping = data.draw(mappings(), "mapping")
    payout_day = data.draw(st.dates(date(2025, 1, 1), date(2025, 5, 31)), "date")
    split = data.draw(st.booleans(), "split")
    entries = plan(
        lines,
        mapping,
        decimals,
        payout_date=payout_day,
        split_by_month=split,
        analytic_key="an",
    )
    quantum = D(1).scaleb(-decimals)
    assert_balanced(entries, lines, decimals)
    assert [e.month for e in entries] == sorted({e.month for e in entries})
    if not split and lines:
        assert [e.date for e in entries] == [payout_day]
    exact = {}  # (month, category) -> exact sum of the lines
    for ln in lines:
        moment = ln.posted_at
        day = moment.astimezone(UTC).date() if split and moment else payout_day
        key = (day.replace(day=1), ln.category)
        exact[key] = exact.get(key, D(0)) + ln.amount
    planned = {}
    for entry in entries:
        assert entry.month <= entry.date
        assert entry.date.replace(day=1) == entry.month
        for ln in entry.lines:
            assert ln.debit >= 0 and ln.credit >= 0 and min(ln.debit, ln.credit) == 0
            assert ln.debit.quantize(quantum) == ln.debit
            assert ln.credit.quantize(quantum) == ln.credit
            if ln.kind in (KIND_TAX, KIND_COUNTERPART):
                assert ln.analytic is None
            if ln.kind == KIND_COUNTERPART:
                assert abs(entry.net - sum_exact(exact, entry.month)) <= quantum
                continue
            key = (entry.month, ln.category)
            planned[key] = planned.get(key, D(0)) - ln.balance
    assert planned.keys() == exact.keys()
    for key, amount in planned.items():
        # one line per category and account side, each rounded (half a unit) and
        # maybe moved by one unit to meet the counterpart
        sides = 2 if mapping.rule_for(key[1]).negative_account is not None else 1
        assert abs(amount - exact[key]) <= sides * quantum * D("1.5")
        if not fine:
            assert amount == exact[key]


def sum_exact(exact, month):
    return sum((v for (m, _c), v in exact.items() if m == month), D(0))


@given(
    amount=st.integers(-(10**9), 10**9),
    rate=RATES,
    decimals=st.integers(0, 3),
)
def test_property_tax_split_is_exact(amount, rate, decimals):
    quantum = D(1).scaleb(-decimals)
    value = D(amount) * quantum
    base, tax = TaxRule("t", rate, account="x").split(value, quantum)
    assert base + tax == value
    assert base == (value / (1 + rate)).quantize(quantum, ROUND_HALF_UP)
    assert tax.quantize(quantum) == tax
