"""Order-to-cash KPIs of B2B receivables: DSO, days late, recovery and dispute
rates, aged balance, top late payers, a 12-month trend and factoring eligibility.

The book is made of :class:`Item` objects, one per receivable installment of a posted
customer invoice or credit note (an invoice with a 30/70 payment term is two items),
each with its :class:`Payment` objects: the reconciliations of that installment,
dated as Odoo's ``account.partial.reconcile.max_date`` (the later of the two matched
entries: a payment received before the invoice applies on the invoice's date), partial
ones included. Amounts are :class:`~decimal.Decimal` in the company currency, signed
as the receivable balance: an invoice is positive, a credit note negative; a payment
reduces the residual (``residual(day) = amount - payments dated up to day``) and a
payment dated after ``day`` does not count at ``day``. A payment is ``cash`` when its
counterpart is not another invoice or credit note (a bank payment, a statement line, a
miscellaneous entry); a credit note set against an invoice settles it but collects
nothing.

The book also holds the receivable lines that belong to no invoice or credit note
(``unmatched`` items: a customer payment received on account, a miscellaneous entry
or an exchange difference on a receivable account, with a customer), dated by their
entry, due on their due date (or their date), with their reconciliations like the
invoices. So the receivables are the balance of the customer accounts (the 411
balance, *encours clients*), as the weekly dashboard reads it: a payment on account
not yet matched lowers them. An unmatched item is a receivable and nothing else: it
counts in the receivables of the DSO (company and customer), in the aged balance and
in each customer's balance, never in the revenue, the days late, the recovery rate
(when the payment is matched to an invoice, the cash is that invoice's payment, dated
by the reconciliation: counted once), the dispute rate or factoring, and no hold
applies to it (a customer hold holds the customer's invoices, not its payments).

:class:`Hold` objects are the dispute holds (``mkc.dunning.hold``): on one invoice
(``move_id``) or on a whole customer (``move_id`` None, all its invoices). A hold is
effective on day D when ``start <= D``, it was not released on or before D and did
not expire before D (``expiry`` is the last held day).

Definitions and choices (``product.md``; also in the module's readme):

- **DSO** at D over N days = trade receivables at D (the residuals of every item,
  unmatched ones included: the customer accounts' balance) / revenue incl. tax of the
  N days ending at D (``D - N < invoice date <= D``, credit notes deducted) x N. An
  invoice held at D is left out of both the receivables and the revenue: removing
  only its residual would lower the DSO for every dispute, removing both keeps it
  the DSO of the undisputed book. Per customer, the same over the customer's items.
  No revenue (or a negative one) gives no DSO (None).
- **Average days late of the paid invoices** of a period: over the cash payments dated
  in the period on invoices (not credit notes), ``payment date - due date`` weighted
  by the amount paid (partial payments count each for their amount); negative when
  the customer pays early. **Of the open invoices** at D: over the invoices past due
  at D and not held, ``D - due date`` weighted by their residual at D.
- **Recovery rate** of a period = cash collected in the period (cash payments dated in
  it, on any invoice; money paid back on a credit note is deducted) / invoiced in the
  period (invoices incl. tax dated in it, credit notes deducted). It is a flow ratio:
  it can exceed 100 % when old invoices are collected.
- **Dispute rate** of a period = disputed invoices / invoices issued in the period
  (counts of invoices, not credit notes). An invoice is disputed in the period when a
  hold was effective on one of the period's days, on or after its invoice date: its
  own hold, or a customer hold on a day it was still open (residual > 0). It counts
  the invoices under dispute during the period, whenever they were issued.
- **Aged balance** at D: the residual at D of every item dated up to D, by days past
  due (``D - due date``): not due (<= 0), 1-30, 31-60, 61-90, over 90; an unmatched
  payment is a negative amount in the bucket of its due date, as in Odoo's aged
  receivable.
- **Top late payers** at D: the customers with invoices past due and not held at D,
  ranked by their overdue amount x days late (``sum(residual x (D - due))``, the
  money-days financed in their place), then by overdue amount, then by id.
- **Trend**: 12 points, the last day of each of the 11 months before D's month and D
  itself (the current month to date); the DSO at each point, the recovery and
  dispute rates of each month (from its 1st to the point).
- **Factoring eligibility** at D: the open invoices (not credit notes) not held at D
  and at most ``max_overdue_days`` past due. With a per-customer limit, each
  customer's invoices are taken whole (an invoice is assigned to the factor whole)
  in due-date order (then invoice date, invoice, installment), each one that still
  fits under the limit is eligible, one that does not is left out (reason "limit")
  and the next smaller ones may still fit.

>>> inv = Item(1, "INV1", "acme", date(2026, 1, 10), date(2026, 2, 9), Decimal("1200"),
...            (Payment(date(2026, 2, 20), Decimal("200")),))
>>> book = Book([inv])
>>> book.dso(date(2026, 2, 28), 90).value    # 1,000 / 1,200 x 90
Decimal('75.0')
>>> book.aged(date(2026, 2, 28))
{'acme': {'not_due': Decimal('0'), '1_30': Decimal('1000'), '31_60': Decimal('0'), \
'61_90': Decimal('0'), 'over_90': Decimal('0')}}
"""

import calendar
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from .exceptions import CashCoreError

ZERO = Decimal(0)
DAYS_QUANTUM = Decimal("0.1")
RATE_QUANTUM = Decimal("0.0001")
BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")
TREND_MONTHS = 12


def _money(value, what):
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise CashCoreError(f"{what} must be finite, not {value}")
    return value


def _day(value, what):
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime.date, not {type(value).__name__}")
    return value


def _quantize(value, quantum):
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def bucket(days_past_due):
    """The aged-balance bucket of an item ``days_past_due`` days past its due date.

    >>> [bucket(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91)]
    ['not_due', 'not_due', '1_30', '1_30', '31_60', '31_60', '61_90', '61_90', \
'over_90']
    """
    if days_past_due <= 0:
        return "not_due"
    if days_past_due <= 30:
        return "1_30"
    if days_past_due <= 60:
        return "31_60"
    if days_past_due <= 90:
        return "61_90"
    return "over_90"


def month_ends(day, months=TREND_MONTHS):
    """The trend's points: the last day of each of the ``months - 1`` months before
    ``day``'s month, then ``day``.

    >>> [str(d) for d in month_ends(date(2026, 3, 15), 4)]
    ['2025-12-31', '2026-01-31', '2026-02-28', '2026-03-15']
    """
    _day(day, "day")
    points = [day]
    first = day.replace(day=1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
        last = calendar.monthrange(first.year, first.month)[1]
        points.append(first.replace(day=last))
    return points[::-1]


# ---- inputs


@dataclass(frozen=True)
class Payment:
    """A reconciliation of an item: ``amount`` (signed as the item) is settled on
    ``date``; ``cash`` when the counterpart is not an invoice or credit note."""

    date: date
    amount: Decimal
    cash: bool = True


@dataclass(frozen=True)
class Item:
    """One receivable installment of a posted customer invoice (``refund`` False)
    or credit note (``refund`` True). ``date`` is the invoice date, ``due`` the
    installment's due date, ``amount`` its signed amount incl. tax. The payments are
    kept in date order, none before the invoice date (moved to it).

    ``unmatched``: a receivable line of no invoice or credit note (a payment on
    account, a miscellaneous entry), dated by its entry; ``payments`` are its
    reconciliations (see the module's doc)."""

    id: object
    move_id: object
    partner_id: object
    date: date
    due: date
    amount: Decimal
    payments: tuple = ()
    refund: bool = False
    unmatched: bool = False

    def __post_init__(self):
        if self.refund and self.unmatched:
            raise CashCoreError("an item is an invoice, a credit note or unmatched")
        _day(self.date, "invoice date")
        _day(self.due, "due date")
        _money(self.amount, "amount")
        payments = []
        for payment in self.payments:
            _day(payment.date, "payment date")
            _money(payment.amount, "payment amount")
            if payment.date < self.date:
                payment = Payment(self.date, payment.amount, payment.cash)
            payments.append(payment)
        payments.sort(key=lambda p: p.date)
        object.__setattr__(self, "payments", tuple(payments))

    def residual(self, day):
        """What the item still owes at the end of ``day`` (its amount if it is
        dated after ``day``: callers filter on the date first)."""
        total = self.amount
        for payment in self.payments:
            if payment.date > day:
                break
            total -= payment.amount
        return total

    def days_past_due(self, day):
        return (day - self.due).days


@dataclass(frozen=True)
class Hold:
    """A dispute hold on an invoice (``move_id``) or on a whole customer."""

    partner_id: object
    start: date
    move_id: object = None
    expiry: date | None = None
    released: date | None = None

    @property
    def last_day(self):
        """The last day the hold is effective; None while it has no end."""
        ends = []
        if self.expiry is not None:
            ends.append(self.expiry)
        if self.released is not None:
            ends.append(self.released - timedelta(days=1))
        return min(ends) if ends else None

    def effective_on(self, day):
        """
        >>> h = Hold("acme", date(2026, 3, 1), expiry=date(2026, 3, 10))
        >>> [h.effective_on(date(2026, 3, d)) for d in (1, 10, 11)]
        [True, True, False]
        >>> h = Hold("acme", date(2026, 3, 1), released=date(2026, 3, 5))
        >>> [h.effective_on(date(2026, 2, 28)), h.effective_on(date(2026, 3, 4)),
        ...  h.effective_on(date(2026, 3, 5))]
        [False, True, False]
        """
        last = self.last_day
        return self.start <= day and (last is None or day <= last)

    def overlap(self, first, last):
        """``(lo, hi)``: the first and last days of ``[first, last]`` the hold is
        effective on, or None."""
        end = self.last_day
        lo = max(self.start, first)
        hi = last if end is None else min(last, end)
        return (lo, hi) if lo <= hi else None


# ---- results


@dataclass(frozen=True)
class Dso:
    """DSO over ``days`` days: ``receivables / revenue x days`` (held invoices out
    of both; what they weigh is in ``held_receivables`` and ``held_revenue``)."""

    receivables: Decimal
    revenue: Decimal
    days: int
    held_receivables: Decimal = ZERO
    held_revenue: Decimal = ZERO

    @property
    def value(self):
        if self.revenue <= 0:
            return None
        # Multiplied first: 5,900 / 2,400 x 30 would round 73.75 down.
        return _quantize(self.receivables * self.days / self.revenue, DAYS_QUANTUM)


@dataclass(frozen=True)
class Rate:
    """``numerator / denominator`` to 4 places; None without a positive
    denominator."""

    numerator: Decimal
    denominator: Decimal

    @property
    def value(self):
        if self.denominator <= 0:
            return None
        return _quantize(Decimal(self.numerator) / self.denominator, RATE_QUANTUM)


@dataclass(frozen=True)
class Lateness:
    """``weight`` = sum(amount x days late) over ``amount``: the average days late
    weighted by amount, to 0.1 day."""

    weight: Decimal = ZERO
    amount: Decimal = ZERO

    @property
    def days(self):
        if self.amount <= 0:
            return None
        return _quantize(self.weight / self.amount, DAYS_QUANTUM)

    def add(self, amount, days):
        return Lateness(self.weight + amount * days, self.amount + amount)


@dataclass(frozen=True)
class LatePayer:
    partner_id: object
    overdue: Decimal
    weight: Decimal  # sum(residual x days past due)
    days: Decimal  # weight / overdue


@dataclass(frozen=True)
class MonthKpi:
    """One point of the trend: ``point`` (a month end, or D for D's month) and the
    month's first day ``first``."""

    point: date
    first: date
    dso_30: Dso
    dso_90: Dso
    recovery: Rate
    dispute: Rate


@dataclass(frozen=True)
class Candidate:
    """An open invoice installment looked at for factoring at a date:
    ``days_overdue`` > 0 past due, <= 0 the days still to its due date (negated);
    ``reason`` why it is not eligible ("disputed", "overdue", "limit") or ""."""

    item: Item
    residual: Decimal
    days_overdue: int
    reason: str = ""

    @property
    def eligible(self):
        return not self.reason


class _Cumulative:
    """Sums of ``(day, amount)`` pairs up to a day, by bisection."""

    def __init__(self, pairs):
        pairs = sorted(pairs, key=lambda pair: pair[0])
        self.days = [day for day, _amount in pairs]
        self.sums = list(accumulate((amount for _day, amount in pairs), initial=ZERO))

    def upto(self, day):
        return self.sums[bisect_right(self.days, day)]

    def between(self, first, last):
        return self.upto(last) - self.upto(first - timedelta(days=1))


class Book:
    """The receivables book of a company: its items and dispute holds, indexed
    once; every KPI is a method."""

    def __init__(self, items, holds=()):
        self.items = tuple(items)
        self.holds = tuple(holds)
        self._move_holds = defaultdict(list)
        self._partner_holds = defaultdict(list)
        for hold in self.holds:
            if hold.move_id is None:
                self._partner_holds[hold.partner_id].append(hold)
            else:
                self._move_holds[hold.move_id].append(hold)
        self._by_move = defaultdict(list)
        self._by_partner = defaultdict(list)
        for item in self.items:
            self._by_move[item.move_id].append(item)
            self._by_partner[item.partner_id].append(item)
        # Invoiced: the invoices and credit notes; the receivables: every item.
        self._amounts = _Cumulative(
            (i.date, i.amount) for i in self.items if not i.unmatched
        )
        self._balances = _Cumulative((i.date, i.amount) for i in self.items)
        self._settled = _Cumulative(
            (p.date, p.amount) for i in self.items for p in i.payments
        )
        self._cash = _Cumulative(
            (p.date, p.amount)
            for i in self.items
            if not i.unmatched
            for p in i.payments
            if p.cash
        )
        invoice_days = {}
        for item in self.items:
            if not item.refund and not item.unmatched:
                invoice_days[item.move_id] = min(
                    item.date, invoice_days.get(item.move_id, item.date)
                )
        self._invoice_days = invoice_days
        self._issued = _Cumulative((day, 1) for day in invoice_days.values())

    # ---- holds

    def is_held(self, item, day):
        """Whether ``item`` is under an effective hold on ``day`` (its invoice's
        or its customer's; never an unmatched item)."""
        if item.unmatched:
            return False
        return any(
            h.effective_on(day) for h in self._move_holds.get(item.move_id, ())
        ) or any(
            h.effective_on(day) for h in self._partner_holds.get(item.partner_id, ())
        )

    def held_items(self, day):
        """The items dated up to ``day`` held on ``day``."""
        held = {}
        for move_id, holds in self._move_holds.items():
            if any(h.effective_on(day) for h in holds):
                for item in self._by_move.get(move_id, ()):
                    held[item.id] = item
        for partner_id, holds in self._partner_holds.items():
            if any(h.effective_on(day) for h in holds):
                for item in self._by_partner.get(partner_id, ()):
                    held[item.id] = item
        return [
            item for item in held.values() if item.date <= day and not item.unmatched
        ]

    # ---- DSO

    def dso(self, day, days):
        """The company's :class:`Dso` at ``day`` over ``days`` days.

        Totals by bisection over the whole book, then the held items taken out
        one by one (they are few)."""
        start = day - timedelta(days=days)
        receivables = self._balances.upto(day) - self._settled.upto(day)
        revenue = self._amounts.upto(day) - self._amounts.upto(start)
        held_receivables = held_revenue = ZERO
        for item in self.held_items(day):
            held_receivables += item.residual(day)
            if item.date > start:
                held_revenue += item.amount
        return Dso(
            receivables - held_receivables,
            revenue - held_revenue,
            days,
            held_receivables,
            held_revenue,
        )

    def dso_by_partner(self, day, days):
        """``{partner: Dso}`` at ``day`` over ``days``, for each customer with
        receivables or revenue (held or not) at ``day``."""
        start = day - timedelta(days=days)
        acc = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
        for item in self.items:
            if item.date > day:
                continue
            residual = item.residual(day)
            revenue = item.amount if item.date > start and not item.unmatched else ZERO
            if not residual and not revenue:
                continue
            row = acc[item.partner_id]
            offset = 2 if self.is_held(item, day) else 0
            row[offset] += residual
            row[offset + 1] += revenue
        return {
            partner: Dso(r, v, days, hr, hv) for partner, (r, v, hr, hv) in acc.items()
        }

    # ---- lateness

    def days_late_paid(self, first, last):
        """``{partner: Lateness}`` of the cash payments dated in ``[first, last]``
        on invoices: payment date - due date, weighted by the amount paid."""
        result = defaultdict(Lateness)
        for item in self.items:
            if item.refund or item.unmatched or item.date > last:
                continue
            for payment in item.payments:
                if payment.cash and first <= payment.date <= last:
                    result[item.partner_id] = result[item.partner_id].add(
                        payment.amount, (payment.date - item.due).days
                    )
        return dict(result)

    def days_late_open(self, day):
        """``{partner: Lateness}`` of the invoices past due at ``day`` and not
        held: ``day`` - due date, weighted by the residual at ``day``."""
        result = defaultdict(Lateness)
        for item in self.items:
            if item.refund or item.unmatched or item.date > day or item.due >= day:
                continue
            residual = item.residual(day)
            if residual <= 0 or self.is_held(item, day):
                continue
            result[item.partner_id] = result[item.partner_id].add(
                residual, item.days_past_due(day)
            )
        return dict(result)

    def top_late_payers(self, day, limit=10):
        """The :class:`LatePayer` ranking at ``day`` (see the module's doc)."""
        payers = [
            LatePayer(partner, late.amount, late.weight, late.days)
            for partner, late in self.days_late_open(day).items()
        ]
        payers.sort(key=lambda p: (-p.weight, -p.overdue, p.partner_id))
        return payers[:limit] if limit else payers

    # ---- aged balance

    def aged_rows(self, day):
        """``{(partner, bucket, held): residual}`` at ``day``, without zeros."""
        rows = defaultdict(Decimal)
        for item in self.items:
            if item.date > day:
                continue
            residual = item.residual(day)
            if residual:
                key = (
                    item.partner_id,
                    bucket(item.days_past_due(day)),
                    self.is_held(item, day),
                )
                rows[key] += residual
        return {key: amount for key, amount in rows.items() if amount}

    def aged(self, day, exclude_held=False):
        """``{partner: {bucket: residual}}`` at ``day`` (every bucket present)."""
        table = {}
        for (partner, name, held), amount in self.aged_rows(day).items():
            if held and exclude_held:
                continue
            row = table.setdefault(partner, dict.fromkeys(BUCKETS, ZERO))
            row[name] += amount
        return table

    # ---- rates

    def recovery(self, first, last):
        """:class:`Rate` of cash collected / invoiced in ``[first, last]``."""
        return Rate(self._cash.between(first, last), self._amounts.between(first, last))

    def disputed(self, first, last):
        """The invoices (move ids) disputed in ``[first, last]``."""
        moves = set()
        for move_id, holds in self._move_holds.items():
            day = self._invoice_days.get(move_id)
            if day is None:  # a credit note, or no item in the book
                continue
            if any(h.overlap(max(first, day), last) for h in holds):
                moves.add(move_id)
        for partner_id, holds in self._partner_holds.items():
            for hold in holds:
                for item in self._by_partner.get(partner_id, ()):
                    if item.refund or item.unmatched or item.move_id in moves:
                        continue
                    span = hold.overlap(max(first, item.date), last)
                    if span and item.residual(span[0]) > 0:
                        moves.add(item.move_id)
        return moves

    def dispute(self, first, last):
        """:class:`Rate` of disputed invoices / invoices issued in ``[first,
        last]``."""
        return Rate(
            Decimal(len(self.disputed(first, last))),
            self._issued.between(first, last),
        )

    # ---- trend

    def trend(self, day, months=TREND_MONTHS):
        """The :class:`MonthKpi` of each of the ``months`` points ending at
        ``day``."""
        result = []
        for point in month_ends(day, months):
            first = point.replace(day=1)
            result.append(
                MonthKpi(
                    point,
                    first,
                    self.dso(point, 30),
                    self.dso(point, 90),
                    self.recovery(first, point),
                    self.dispute(first, point),
                )
            )
        return result

    # ---- factoring

    def factoring(self, day, max_overdue_days, limit=None):
        """The :class:`Candidate` list at ``day``: every open invoice installment,
        eligible or not, per customer in due-date order (see the module's doc).

        ``limit`` (None: no limit) caps each customer's eligible total."""
        if max_overdue_days < 0:
            raise CashCoreError("max_overdue_days must be >= 0")
        if limit is not None and _money(limit, "limit") < 0:
            raise CashCoreError("the per-customer limit must be >= 0")
        open_items = defaultdict(list)
        for item in self.items:
            if item.refund or item.unmatched or item.date > day:
                continue
            residual = item.residual(day)
            if residual > 0:
                open_items[item.partner_id].append((item, residual))
        result = []
        for partner in sorted(open_items):
            taken = ZERO
            for item, residual in sorted(
                open_items[partner],
                key=lambda pair: (
                    pair[0].due,
                    pair[0].date,
                    pair[0].move_id,
                    pair[0].id,
                ),
            ):
                overdue = item.days_past_due(day)
                if self.is_held(item, day):
                    reason = "disputed"
                elif overdue > max_overdue_days:
                    reason = "overdue"
                elif limit is not None and taken + residual > limit:
                    reason = "limit"
                else:
                    reason = ""
                    taken += residual
                result.append(Candidate(item, residual, overdue, reason))
        return result
