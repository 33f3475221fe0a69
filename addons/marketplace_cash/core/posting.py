"""Posting planner: a marketplace payout turned into balanced journal-entry plans.

A payout (settlement, billing cycle, Stripe/Shopify payout) is a list of money lines,
each with a normalized ``category``, a signed ``amount`` (seller's view: money in is
positive), a ``posted_at`` UTC datetime (or ``None``) and an ``order_ref``. Its net is
the sum of its lines. :func:`plan` turns it into :class:`EntryPlan` objects, one
balanced entry per posting month, that the Odoo layer converts into ``account.move``
values (it resolves the opaque account, partner, tax and analytic keys).

Accounting rules, in the seller's view:

- a positive amount is a CREDIT on its account (a sale credits 707), a negative one a
  DEBIT (a commission debits 6222);
- each entry has one counterpart line on the clearing account (the marketplace
  partner's receivable by default) carrying that month's net: a DEBIT when the
  marketplace owes the seller, a CREDIT when the seller owes the marketplace;
- lines are aggregated per (month, category, account, tax): one plan line per category
  with its line count, never a silent merge across categories and never a dropped
  line (a category the mapping does not know falls back to its ``unknown`` rule, the
  suspense account 471 by default);
- cut-off: every month carries its own revenue and fees. A month before the payout's
  month is dated its last day (lines of 28-31 March in a payout of 5 April are March
  revenue and March expenses, posted on 31 March); the payout's own month is dated the
  payout date. Months are UTC calendar months, as the marketplaces' settlement periods
  are: there is deliberately no time-zone parameter (a line at 23:30 UTC on 31 March
  stays in March whatever the company's time zone), and timezone-aware datetimes are
  converted to UTC first.

Rounding is done once, at the end of aggregation, to the currency's decimals with
ROUND_HALF_UP. Connectors give amounts already in the currency's unit, so rounding
changes nothing in practice; when finer amounts do come in, the planner keeps the two
guarantees exactly anyway: each entry balances, and the counterparts of all entries
add up to the payout net rounded once (see :func:`plan`).

>>> from datetime import date
>>> lines = [
...     PayoutLine("sale", Decimal("100.00")),
...     PayoutLine("commission", Decimal("-15.00")),
... ]
>>> [entry] = plan(lines, default_mapping_fr(), payout_date=date(2025, 3, 14))
>>> entry.date, entry.net
(datetime.date(2025, 3, 14), Decimal('85.00'))
>>> [(ln.account, ln.debit, ln.credit, ln.label) for ln in entry.lines]
... # doctest: +NORMALIZE_WHITESPACE
[('pcg_707_account', Decimal('0.00'), Decimal('100.00'), 'Sales (1 line)'),
 ('pcg_6222', Decimal('15.00'), Decimal('0.00'), 'Commissions (1 line)'),
 ('receivable', Decimal('85.00'), Decimal('0.00'), 'Payout net (2 lines)')]
"""

import calendar
from collections.abc import Mapping as _MappingABC
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from .exceptions import CashCoreError, UnbalancedError

#: Entry labels of the normalized categories, in their display order (the same keys
#: as ``marketplace_connectors.core.categories``: cores never import one another).
CATEGORY_LABELS = {
    "sale": "Sales",
    "shipping": "Shipping charged",
    "tax": "Tax collected",
    "tax_withheld": "Tax withheld by the marketplace",
    "promotion": "Promotions",
    "commission": "Commissions",
    "fulfillment_fee": "Fulfilment fees",
    "shipping_fee": "Shipping fees",
    "payment_fee": "Payment fees",
    "advertising": "Advertising",
    "subscription": "Subscriptions",
    "storage_fee": "Storage fees",
    "other_fee": "Other fees",
    "refund": "Refunds",
    "refund_fee": "Refund fees",
    "dispute": "Disputes",
    "dispute_fee": "Dispute fees",
    "reimbursement": "Reimbursements",
    "reserve_hold": "Reserve held",
    "reserve_release": "Reserve released",
    "fx": "Currency exchange",
    "adjustment": "Adjustments",
    "unknown": "Unknown (to map)",
}
_CATEGORY_ORDER = {name: index for index, name in enumerate(CATEGORY_LABELS)}

#: :attr:`PlanLine.kind` values.
KIND_AMOUNT = "amount"  # a category's aggregate, no tax
KIND_BASE = "base"  # a category's aggregate carrying a tax (tax_ids)
KIND_TAX = "tax"  # the tax line split from a base line
KIND_COUNTERPART = "counterpart"  # the month's net on the clearing account


class MappingError(CashCoreError):
    """A payout line's category has no account in the mapping (and no ``unknown``)."""

    def __init__(self, category):
        self.category = category
        super().__init__(
            f"no account mapped for category {category!r} and no 'unknown' rule"
        )


@dataclass(frozen=True, slots=True)
class PayoutLine:
    """One money line of a payout, as the planner reads it.

    Any object with the same four attributes will do (the connectors' ``Line``,
    for instance). ``posted_at`` is a UTC datetime; a naive one is taken as UTC (Odoo
    stores UTC datetimes naive).
    """

    category: str
    amount: Decimal
    posted_at: datetime | None = None
    order_ref: str | None = None


@dataclass(frozen=True, slots=True)
class TaxRule:
    """A tax the marketplace invoiced on a category, e.g. 20 % VAT on its commission.

    ``price_included=True``: the payout amount includes the tax (Amazon commission
    -9.72 = base -8.10 + deductible VAT -1.62): the planner splits it into a base line
    carrying ``key`` (the ``tax_ids`` of the move line) and a tax line on
    ``account`` (44566 deductible VAT). ``base = round(amount / (1 + rate))`` and
    ``tax = amount - base``, so base + tax is the amount to the cent.

    ``price_included=False``: the amount is the base only, its tax arrives as a line
    of its own (Mirakl's COMMISSION_VAT next to COMMISSION_FEE) and is mapped on its
    own; the whole amount becomes a base line carrying ``key``, with no tax line.

    ``account`` is keyword-only and required.

    >>> rule = TaxRule("fr_vat_20_ded", Decimal("0.20"), account="pcg_44566")
    >>> rule.split(Decimal("-9.72"), Decimal("0.01"))
    (Decimal('-8.10'), Decimal('-1.62'))
    >>> rule.split(Decimal("-9.99"), Decimal("0.01"))
    (Decimal('-8.33'), Decimal('-1.66'))
    """

    key: object
    rate: Decimal
    price_included: bool = True
    account: object = field(kw_only=True)

    def __post_init__(self):
        if not isinstance(self.rate, Decimal):
            raise TypeError(f"tax rate must be a Decimal, not {type(self.rate)}")
        if self.rate < 0:
            raise ValueError(f"negative tax rate {self.rate}")
        if self.account is None:
            raise ValueError("a TaxRule needs the account of its tax line")

    @property
    def percent(self):
        """The rate as a percentage for labels: ``Decimal("0.055")`` -> ``"5.5"``."""
        return format((self.rate * 100).normalize(), "f")

    def split(self, amount, quantum):
        """Return ``(base, tax)`` of an amount, rounded to ``quantum``, summing to it.

        The amount must already be rounded to ``quantum``.
        """
        if not self.price_included:
            return amount, quantum * 0
        base = _round(amount / (1 + self.rate), quantum)
        return base, amount - base


@dataclass(frozen=True, slots=True)
class AccountRule:
    """Where a category is posted.

    - ``account``: the account of the category (an xml-id suffix, a code, an id:
      the caller resolves it);
    - ``negative_account``: the account of the negative lines when it differs
      (fx: gains on 766, losses on 666). The choice is made line by line, so gains
      and losses of a month are never netted against each other;
    - ``tax``: a :class:`TaxRule` when the marketplace invoiced the amount with a tax;
    - ``with_partner``: the line carries the marketplace partner (third-party
      accounts such as 467 reserves, so a hold can be matched with its release);
    - ``analytic``: the line takes the analytic key of :func:`plan` (P&L accounts;
      False for balance-sheet accounts: VAT, reserves, suspense).
    """

    account: object
    negative_account: object = None
    tax: TaxRule | None = None
    with_partner: bool = False
    analytic: bool = True

    def account_for(self, amount):
        """The account of one line of ``amount``."""
        if amount < 0 and self.negative_account is not None:
            return self.negative_account
        return self.account


@dataclass(frozen=True)
class Mapping:
    """A channel's posting configuration: a rule per category and the counterpart.

    ``counterpart`` is the clearing account of the net (the marketplace partner's
    receivable by default, or a 58 / 467 clearing account), ``partner`` the
    marketplace partner, ``analytic`` the channel's analytic key (used by
    :func:`plan` when no ``analytic_key`` is given). ``rules`` is copied into a
    read-only mapping.

    >>> m = Mapping({"sale": AccountRule("707")}, counterpart="411")
    >>> m.rule_for("sale").account
    '707'
    >>> m.rule_for("commission")
    Traceback (most recent call last):
    ...
    marketplace_cash.core.posting.MappingError: no account mapped for category \
'commission' and no 'unknown' rule
    """

    rules: _MappingABC
    counterpart: object
    partner: object = None
    analytic: object = None

    def __post_init__(self):
        rules = dict(self.rules)
        for category, rule in rules.items():
            if not isinstance(rule, AccountRule):
                raise TypeError(f"rule of {category!r} must be an AccountRule")
        object.__setattr__(self, "rules", MappingProxyType(rules))

    def rule_for(self, category):
        """The rule of ``category``; the ``unknown`` rule (suspense) when unmapped."""
        rule = self.rules.get(category) or self.rules.get("unknown")
        if rule is None:
            raise MappingError(category)
        return rule

    def override(self, **rules):
        """A copy with some categories' rules replaced (per-channel configuration).

        >>> m = default_mapping_fr().override(shipping=AccountRule("pcg_7085"))
        >>> m.rule_for("shipping").account, m.rule_for("sale").account
        ('pcg_7085', 'pcg_707_account')
        """
        return replace(self, rules={**self.rules, **rules})


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One journal item of an :class:`EntryPlan`.

    ``tax_ids`` holds the tax key of a base line (empty on other lines); ``tax_line``
    is the tax key of a tax line (its ``tax_line_id`` / repartition line), None on
    other lines. ``count`` is the number of payout lines aggregated into the line (a
    tax line repeats its base's count, the counterpart counts the whole month).
    """

    kind: str
    account: object
    label: str
    debit: Decimal
    credit: Decimal
    category: str | None = None
    count: int = 0
    partner: object = None
    tax_ids: tuple = ()
    tax_line: object = None
    analytic: object = None

    @property
    def is_counterpart(self):
        return self.kind == KIND_COUNTERPART

    @property
    def balance(self):
        """Debit minus credit (Odoo's ``balance``)."""
        return self.debit - self.credit


@dataclass(frozen=True, slots=True)
class EntryPlan:
    """One balanced journal entry: a posting month of a payout.

    ``month`` is the first day of the month; ``date`` the entry date (cut-off: the
    last day of a month before the payout's, the payout date in the payout's month).
    """

    month: date
    date: date
    lines: tuple[PlanLine, ...]

    @property
    def total_debit(self):
        return sum((line.debit for line in self.lines), Decimal(0))

    @property
    def total_credit(self):
        return sum((line.credit for line in self.lines), Decimal(0))

    @property
    def counterpart(self):
        """The counterpart line (exactly one per entry)."""
        return next(ln for ln in self.lines if ln.kind == KIND_COUNTERPART)

    @property
    def net(self):
        """The month's net in the seller's view (positive: the marketplace owes)."""
        return self.counterpart.balance

    @property
    def line_count(self):
        """Number of payout lines posted by this entry."""
        return self.counterpart.count


@dataclass(frozen=True, slots=True)
class CategoryTotal:
    category: str
    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class MonthTotal:
    month: date | None
    count: int
    amount: Decimal
    by_category: tuple[CategoryTotal, ...]


@dataclass(frozen=True, slots=True)
class PayoutExplanation:
    """A payout explained for the UI: exact (unrounded) sums of its lines."""

    count: int
    net: Decimal
    by_category: tuple[CategoryTotal, ...]
    by_month: tuple[MonthTotal, ...]


def default_mapping_fr(counterpart="receivable", partner=None):
    """The French chart (PCG, ``l10n_fr``) defaults, as ``l10n_fr`` xml-id suffixes.

    ``counterpart`` ``"receivable"`` stands for the marketplace partner's
    receivable account (411, one partner per marketplace); the caller resolves it.
    Sales and shipping go to 707000 (``pcg_707_account``); shipping may be moved to
    708500 "Ports et frais accessoires factures" with
    ``.override(shipping=AccountRule("pcg_7085"))``. Promotions, refunds and disputes
    reduce sales on 709700 (``pcg_7097``, the credit-note side). Unknown and
    adjustment lines wait on 471000 suspense: never dropped.

    No tax rule by default: whether a marketplace's fees bear deductible French VAT
    depends on how it invoices (20 % from a French entity, or reverse charge from an
    EU entity, where the payout holds no VAT). Add one per channel with
    :meth:`Mapping.override`.

    >>> m = default_mapping_fr()
    >>> m.rule_for("fx").account_for(Decimal("-1")), m.counterpart
    ('pcg_666', 'receivable')
    >>> sorted(set(CATEGORY_LABELS) - set(m.rules))
    []
    """
    balance_sheet = {"analytic": False}
    rules = {
        "sale": AccountRule("pcg_707_account"),
        "shipping": AccountRule("pcg_707_account"),
        "tax": AccountRule("pcg_44571", **balance_sheet),
        "tax_withheld": AccountRule("pcg_44571", **balance_sheet),
        "promotion": AccountRule("pcg_7097"),
        "refund": AccountRule("pcg_7097"),
        "dispute": AccountRule("pcg_7097"),
        "commission": AccountRule("pcg_6222"),
        "subscription": AccountRule("pcg_6222"),
        "storage_fee": AccountRule("pcg_6222"),
        "other_fee": AccountRule("pcg_6222"),
        "refund_fee": AccountRule("pcg_6222"),
        "fulfillment_fee": AccountRule("pcg_6242"),
        "shipping_fee": AccountRule("pcg_6242"),
        "advertising": AccountRule("pcg_6231"),
        "payment_fee": AccountRule("pcg_6278"),
        "dispute_fee": AccountRule("pcg_6278"),
        "reimbursement": AccountRule("pcg_758"),
        "reserve_hold": AccountRule("pcg_467", with_partner=True, **balance_sheet),
        "reserve_release": AccountRule("pcg_467", with_partner=True, **balance_sheet),
        "fx": AccountRule("pcg_766", negative_account="pcg_666"),
        "adjustment": AccountRule("pcg_471", **balance_sheet),
        "unknown": AccountRule("pcg_471", **balance_sheet),
    }
    return Mapping(rules, counterpart=counterpart, partner=partner)


def payout_date_of(date_deposit=None, date_end=None):
    """The payout's date: its deposit date, else its end date (dates or datetimes).

    >>> payout_date_of(None, datetime(2025, 4, 5, 23, 0, tzinfo=timezone.utc))
    datetime.date(2025, 4, 5)
    """
    value = date_deposit or date_end
    if value is None:
        raise ValueError("a payout needs a deposit date or an end date")
    return _to_date(value)


def plan(
    payout_lines,
    mapping,
    currency_decimals=2,
    *,
    payout_date,
    split_by_month=True,
    analytic_key=None,
    ref="",
):
    """Plan the journal entries of a payout: one balanced entry per posting month.

    - ``payout_lines``: objects with ``category``, ``amount`` (Decimal), ``posted_at``
      (UTC datetime or None) and ``order_ref`` (see :class:`PayoutLine`). A line
      without ``posted_at`` belongs to the payout date's month;
    - ``mapping``: a :class:`Mapping`;
    - ``currency_decimals``: 2 for EUR/USD, 0 for JPY, 3 for KWD;
    - ``payout_date``: the payout's date (:func:`payout_date_of`);
    - ``split_by_month=False``: a single entry dated the payout date;
    - ``analytic_key`` (default ``mapping.analytic``): set on the lines whose rule is
      ``analytic`` (P&L lines), never on tax lines nor on the counterpart;
    - ``ref``: the payout reference, for the counterpart's label.

    Returns the entries by month, each ending with its counterpart line. An empty
    payout gives no entry.

    Rounding (ROUND_HALF_UP to the currency's decimals, once, after aggregation):
    month ``m``'s counterpart is ``round(C_m) - round(C_m-1)`` where ``C_m`` is the
    exact running total of the months up to ``m``, so the counterparts add up to the
    rounded payout net exactly. Each aggregate is rounded on its own; should they
    then miss the counterpart (only with amounts finer than the currency), the
    difference is spread one unit at a time over the aggregates whose rounding was
    the furthest off, so every entry balances and no aggregate moves by more than one
    unit. The tax split comes last, on the rounded aggregate.

    >>> from datetime import date
    >>> lines = [
    ...     PayoutLine("sale", Decimal("50.00"), datetime(2025, 3, 30, 12, 0)),
    ...     PayoutLine("sale", Decimal("80.00"), datetime(2025, 4, 1, 9, 0)),
    ... ]
    >>> entries = plan(lines, default_mapping_fr(), payout_date=date(2025, 4, 5))
    >>> [(e.date, e.net, e.line_count) for e in entries]
    ... # doctest: +NORMALIZE_WHITESPACE
    [(datetime.date(2025, 3, 31), Decimal('50.00'), 1),
     (datetime.date(2025, 4, 5), Decimal('80.00'), 1)]
    """
    quantum = _quantum(currency_decimals)
    if analytic_key is None:
        analytic_key = mapping.analytic
    payout_day = _to_date(payout_date)
    payout_month = payout_day.replace(day=1)

    # 1. Aggregate the exact amounts per (month, category, account side).
    groups = {}  # month -> {(category, negative side): [exact sum, count]}
    for line in payout_lines:
        amount = line.amount
        if not isinstance(amount, Decimal):
            raise TypeError(f"amount must be a Decimal, not {type(amount)}")
        rule = mapping.rule_for(line.category)
        if split_by_month and line.posted_at is not None:
            month = _utc_date(line.posted_at).replace(day=1)
        else:
            month = payout_month
        negative = amount < 0 and rule.negative_account is not None
        bucket = groups.setdefault(month, {}).setdefault(
            (line.category, negative), [Decimal(0), 0]
        )
        bucket[0] += amount
        bucket[1] += 1

    # 2. Counterparts by rounded running totals, aggregates rounded to match them.
    entries = []
    running = rounded_running = Decimal(0)
    for month in sorted(groups):
        month_groups = sorted(
            groups[month].items(),
            key=lambda item: (_CATEGORY_ORDER.get(item[0][0], 99), item[0]),
        )
        running += sum((total for total, _count in groups[month].values()), Decimal(0))
        month_net = _round(running, quantum) - rounded_running
        rounded_running += month_net
        amounts = _allocate(
            [total for _key, (total, _c) in month_groups], month_net, quantum
        )
        lines = []
        for ((category, negative), (_total, count)), amount in zip(
            month_groups, amounts, strict=True
        ):
            lines.extend(
                _category_lines(
                    category, negative, amount, count, mapping, quantum, analytic_key
                )
            )
        count = sum(count for _key, (_total, count) in month_groups)
        label = " ".join(part for part in ("Payout", ref, "net") if part)
        lines.append(
            _line(
                KIND_COUNTERPART,
                mapping.counterpart,
                f"{label} ({_lines_text(count)})",
                month_net,
                partner=mapping.partner,
                count=count,
            )
        )
        entry = EntryPlan(month, _entry_date(month, payout_day), tuple(lines))
        if entry.total_debit != entry.total_credit:  # pragma: no cover - invariant
            raise UnbalancedError(entry.total_debit, entry.total_credit, "entry")
        entries.append(entry)
    return entries


def explain(payout_lines, payout_date=None):
    """Totals of a payout by category and by month (then category), for the UI.

    Sums are exact (no rounding). A line without ``posted_at`` counts in the payout
    date's month, or in a ``None`` month when no payout date is given.

    >>> exp = explain([
    ...     PayoutLine("sale", Decimal("10.00"), datetime(2025, 3, 2)),
    ...     PayoutLine("commission", Decimal("-1.50")),
    ...     PayoutLine("sale", Decimal("5.005"), datetime(2025, 3, 3)),
    ... ], payout_date=date(2025, 4, 5))
    >>> exp.net, exp.count
    (Decimal('13.505'), 3)
    >>> [(c.category, c.count, c.amount) for c in exp.by_category]
    [('sale', 2, Decimal('15.005')), ('commission', 1, Decimal('-1.50'))]
    >>> [(m.month, m.amount) for m in exp.by_month]
    [(datetime.date(2025, 3, 1), Decimal('15.005')), \
(datetime.date(2025, 4, 1), Decimal('-1.50'))]
    """
    default_month = _to_date(payout_date).replace(day=1) if payout_date else None
    by_category = {}
    by_month = {}
    for line in payout_lines:
        if not isinstance(line.amount, Decimal):
            raise TypeError(f"amount must be a Decimal, not {type(line.amount)}")
        if line.posted_at is not None:
            month = _utc_date(line.posted_at).replace(day=1)
        else:
            month = default_month
        for bucket in (
            by_category.setdefault(line.category, [Decimal(0), 0]),
            by_month.setdefault(month, {}).setdefault(line.category, [Decimal(0), 0]),
        ):
            bucket[0] += line.amount
            bucket[1] += 1
    category_totals = _category_totals(by_category)
    month_totals = tuple(
        MonthTotal(
            month,
            sum(total.count for total in totals),
            sum((total.amount for total in totals), Decimal(0)),
            totals,
        )
        for month, totals in (
            (month, _category_totals(by_month[month]))
            for month in sorted(by_month, key=lambda m: (m is None, m or date.min))
        )
    )
    return PayoutExplanation(
        count=sum(total.count for total in category_totals),
        net=sum((total.amount for total in category_totals), Decimal(0)),
        by_category=category_totals,
        by_month=month_totals,
    )


# Helpers ------------------------------------------------------------------------


def _quantum(decimals):
    if not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0:
        raise ValueError(
            f"currency decimals must be a natural number, not {decimals!r}"
        )
    return Decimal(1).scaleb(-decimals)


def _round(amount, quantum):
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def _to_date(value):
    if isinstance(value, datetime):
        return _utc_date(value)
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, not {type(value)}")


def _utc_date(moment):
    """The UTC calendar date of a datetime (a naive one is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


def _entry_date(month, payout_day):
    """Cut-off: the day of ``month`` nearest the payout date.

    The payout date itself in its own month, the last day of an earlier month, the
    first day of a later one (a line posted after the payout's date: unusual).
    """
    if month == payout_day.replace(day=1):
        return payout_day
    if month < payout_day:
        return month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return month


def _allocate(totals, target, quantum):
    """Round each exact total so that the rounded ones add up to ``target``.

    >>> _allocate([Decimal("10.005"), Decimal("0.005")], Decimal("10.01"),
    ...           Decimal("0.01"))
    [Decimal('10.00'), Decimal('0.01')]
    """
    rounded = [_round(total, quantum) for total in totals]
    units = int((target - sum(rounded, Decimal(0))) / quantum)
    step = quantum if units > 0 else -quantum
    # Adjust first the totals rounded furthest away from the needed direction,
    # the largest amounts first on ties.
    order = sorted(
        range(len(totals)),
        key=lambda i: ((totals[i] - rounded[i]) * -step, -abs(totals[i]), i),
    )
    for n in range(abs(units)):
        rounded[order[n % len(order)]] += step
    return rounded


def _category_lines(category, negative, amount, count, mapping, quantum, analytic):
    rule = mapping.rule_for(category)
    account = rule.negative_account if negative else rule.account
    label = CATEGORY_LABELS.get(category, category)
    if rule.negative_account is not None:
        label += ", money out" if negative else ", money in"
    common = {
        "category": category,
        "count": count,
        "partner": mapping.partner if rule.with_partner else None,
    }
    common["analytic"] = analytic if rule.analytic else None
    text = _lines_text(count)
    tax = rule.tax
    if tax is None:
        return [
            _line(
                KIND_AMOUNT,
                account,
                f"{label} ({text})",
                amount,
                **common,
            )
        ]
    base, tax_amount = tax.split(amount, quantum)
    lines = [
        _line(
            KIND_BASE,
            account,
            f"{label} ({text})",
            base,
            tax_ids=(tax.key,),
            **common,
        )
    ]
    if tax.price_included:
        lines.append(
            _line(
                KIND_TAX,
                tax.account,
                f"Tax {tax.percent}% on {label} ({text})",
                tax_amount,
                tax_line=tax.key,
                **{**common, "analytic": None},
            )
        )
    return lines


def _line(kind, account, label, amount, **values):
    """A plan line for a seller-view amount: a credit when positive.

    The counterpart passes the net, which is the opposite: a debit when positive.
    """
    if kind == KIND_COUNTERPART:
        amount = -amount
    zero = abs(amount * 0)
    debit = -amount if amount < 0 else zero
    credit = amount if amount > 0 else zero
    return PlanLine(kind, account, label, debit, credit, **values)


def _lines_text(count):
    return "1 line" if count == 1 else f"{count} lines"


def _category_totals(buckets):
    return tuple(
        CategoryTotal(category, CATEGORY_LABELS.get(category, category), count, total)
        for category, (total, count) in sorted(
            buckets.items(),
            key=lambda item: (_CATEGORY_ORDER.get(item[0], 99), item[0]),
        )
    )


__all__ = [
    "CATEGORY_LABELS",
    "KIND_AMOUNT",
    "KIND_BASE",
    "KIND_COUNTERPART",
    "KIND_TAX",
    "AccountRule",
    "CategoryTotal",
    "EntryPlan",
    "Mapping",
    "MappingError",
    "MonthTotal",
    "PayoutExplanation",
    "PayoutLine",
    "PlanLine",
    "TaxRule",
    "default_mapping_fr",
    "explain",
    "payout_date_of",
    "plan",
]
