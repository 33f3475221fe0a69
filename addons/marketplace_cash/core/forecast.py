"""The 13-week cash forecast of a marketplace seller: payout calendars, expected
payouts, other flows, the weekly table and scenarios.

A marketplace pays on its own :class:`Calendar`: Amazon EU closes a settlement every
14 days and releases an order's money 7 days after delivery (DD+7), a Mirakl operator
closes twice a month or monthly, Shopify Payments and Stripe pay daily or weekly. The
money lands ``deposit_lag`` business days after the close. The method:

1. each :class:`Receivable` (an order not settled yet, an open ledger transaction, a
   reserve already held) is paid in the first cycle closing on or after its release
   date (the next close when past due); a cycle holds ``reserve_rate`` of its
   positive net for ``reserve_days`` and carries a net below ``minimum_payout`` to
   the next cycle (:func:`expected_payouts`);
2. payouts and the other expected flows (customers at their observed delay, supplier
   bills, purchases, ads, VAT, recurring and one-off items) are :class:`Flow` objects
   summed per week from a Monday, each cell keeping its refs (:func:`weekly_table`);
3. a scenario is a list of :class:`Shock` applied to the flows (:func:`apply_scenario`)
   before the table is built again, e.g. +30 % volume over 30 days.

Money is :class:`~decimal.Decimal` (an int is accepted, a float refused with
TypeError), summed exactly; only scaled amounts are rounded, half-up to the cent.

>>> cal = Calendar("weekly", weekday=4, deposit_lag=1)
>>> rec = [Receivable(Decimal("40.00"), date(2026, 3, 3), "shop", "o1")]
>>> [payout], beyond = expected_payouts(rec, cal, date(2026, 3, 2), date(2026, 3, 31))
>>> payout.close, payout.deposit, payout.amount, payout.refs
(datetime.date(2026, 3, 6), datetime.date(2026, 3, 9), Decimal('40.00'), ('o1',))
>>> beyond
Decimal('0.00')
"""

import calendar as _gregorian
from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .exceptions import CashCoreError

ZERO = Decimal(0)
CENT = Decimal("0.01")
CYCLES = ("days", "weekly", "semimonthly", "monthly")
RELEASES = ("order", "shipment", "delivery")
SOURCES = ("open", "orders", "reserve")
FREQUENCIES = {"weekly": 0, "monthly": 1, "quarterly": 3, "yearly": 12}
SHOCKS = tuple("volume return_rate payout_delay reserve supplier_terms one_off".split())
VOLUME_TAGS = frozenset({"sales", "fees", "ads", "replenishment", "refunds"})


def _money(value, what):
    """``value`` as a finite Decimal (an int is converted; a float is refused)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise CashCoreError(f"{what} must be finite, not {value}")
    return value


def _int(value, what, low=None):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if low is not None and value < low:
        raise CashCoreError(f"{what} must be >= {low}, not {value}")
    return value


def _day(value, what):
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime.date, not {type(value).__name__}")
    return value


def _cents(amount):
    """``amount`` rounded half-up (half away from zero) to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _clamped(year, month, day):
    """``date(year, month, day)``, the day clamped to the month's last day."""
    return date(year, month, min(day, _gregorian.monthrange(year, month)[1]))


def _add_months(first, months):
    month = first.month - 1 + months
    return _clamped(first.year + month // 12, month % 12 + 1, first.day)


@dataclass(frozen=True)
class Calendar:
    """How a channel pays; validated at construction (CashCoreError, TypeError).

    ``cycle``: ``"days"`` closes every ``every_days`` from ``anchor`` (required),
    both ways in time; ``"weekly"`` on ``weekday`` (0 = Monday); ``"semimonthly"`` on
    each of ``month_days``; ``"monthly"`` on ``month_days[0]``. A month day past the
    month's end closes on its last day (31 -> 30 Nov, 28 Feb). See the module's
    documentation for the other fields.
    """

    cycle: str
    anchor: date | None = None
    every_days: int = 14
    weekday: int = 0
    month_days: tuple = (1, 16)
    deposit_lag: int = 0
    release: str = "order"
    release_days: int = 0
    reserve_rate: Decimal = ZERO
    reserve_days: int = 0
    minimum_payout: Decimal = ZERO
    holidays: frozenset = frozenset()

    def __post_init__(self):
        if self.cycle not in CYCLES or self.release not in RELEASES:
            raise CashCoreError(f"bad cycle or release: {self.cycle}, {self.release}")
        if self.anchor is not None:
            _day(self.anchor, "anchor")
        elif self.cycle == "days":
            raise CashCoreError('a "days" cycle needs an anchor date')
        _int(self.every_days, "every_days", 1)
        if not 0 <= _int(self.weekday, "weekday") <= 6:
            raise CashCoreError(f"weekday must be 0 (Monday) to 6, not {self.weekday}")
        days = tuple(self.month_days)
        if not days or any(not 1 <= _int(d, "month day") <= 31 for d in days):
            raise CashCoreError(f"month_days must be days 1 to 31, not {days}")
        object.__setattr__(self, "month_days", days)
        for name in ("deposit_lag", "release_days", "reserve_days"):
            _int(getattr(self, name), name, 0)
        for name in ("reserve_rate", "minimum_payout"):
            object.__setattr__(self, name, _money(getattr(self, name), name))
        if not 0 <= self.reserve_rate <= 1:
            raise CashCoreError(f"reserve_rate must be in [0, 1]: {self.reserve_rate}")
        holidays = frozenset(_day(d, "holiday") for d in self.holidays)
        object.__setattr__(self, "holidays", holidays)


def cycle_closes(calendar, start, end):
    """The cycle close dates within ``[start, end]``, in order.

    >>> cycle_closes(Calendar("semimonthly"), date(2026, 1, 20), date(2026, 2, 20))
    [datetime.date(2026, 2, 1), datetime.date(2026, 2, 16)]
    >>> amazon = Calendar("days", date(2026, 1, 5))
    >>> cycle_closes(amazon, date(2026, 1, 1), date(2026, 2, 1))
    [datetime.date(2026, 1, 5), datetime.date(2026, 1, 19)]
    """
    start, end = _day(start, "start"), _day(end, "end")
    closes = []
    if calendar.cycle in ("days", "weekly"):
        if calendar.cycle == "days":
            step = calendar.every_days  # first k with anchor + k * step >= start
            k = -((calendar.anchor - start).days // step)
            day = calendar.anchor + timedelta(days=k * step)
        else:
            step = 7
            day = start + timedelta(days=(calendar.weekday - start.weekday()) % 7)
        while day <= end:
            closes.append(day)
            day += timedelta(days=step)
        return closes
    month_days = calendar.month_days
    if calendar.cycle == "monthly":
        month_days = month_days[:1]
    month = date(start.year, start.month, 1)
    while month <= end:
        days = {_clamped(month.year, month.month, d) for d in month_days}
        closes.extend(d for d in sorted(days) if start <= d <= end)
        month = _add_months(month, 1)
    return closes


def next_close(calendar, day):
    """The first close on or after ``day``.

    >>> next_close(Calendar("monthly", month_days=(31,)), date(2027, 2, 2))
    datetime.date(2027, 2, 28)
    """
    horizon = max(calendar.every_days, 62)  # every cycle closes within 62 days
    return cycle_closes(calendar, day, _day(day, "day") + timedelta(days=horizon))[0]


def add_business_days(day, n, holidays=frozenset()):
    """``day`` plus ``n`` business days (Monday to Friday, not in ``holidays``); with
    ``n == 0``, ``day`` itself, whatever it is.

    >>> add_business_days(date(2026, 12, 24), 2, {date(2026, 12, 25)})
    datetime.date(2026, 12, 29)
    """
    day = _day(day, "day")
    for _ in range(_int(n, "n", 0)):
        day += timedelta(days=1)
        while day.weekday() >= 5 or day in holidays:
            day += timedelta(days=1)
    return day


def easter_sunday(year):
    """Easter Sunday of ``year`` in the Gregorian calendar, by the anonymous
    Gregorian algorithm (Meeus/Jones/Butcher, 1583 onwards).

    >>> easter_sunday(2026), easter_sunday(2027)
    (datetime.date(2026, 4, 5), datetime.date(2027, 3, 28))
    """
    year = _int(year, "year", 1583)
    golden = year % 19
    century, rest = divmod(year, 100)
    leap_century, century_left = divmod(century, 4)
    moon = (century - (century + 8) // 25 + 1) // 3
    epact = (19 * golden + century - leap_century - moon + 15) % 30
    leap_rest, rest_left = divmod(rest, 4)
    weekday = (32 + 2 * century_left + 2 * leap_rest - epact - rest_left) % 7
    shift = (golden + 11 * epact + 22 * weekday) // 451
    month, day = divmod(epact + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


def bank_closing_days(first, last):
    """The holidays of TARGET2 in the years from ``first``'s to ``last``'s: the
    days besides Saturdays and Sundays on which the euro settlement system of SEPA
    credit transfers (hence of every payout to a French bank account) is closed, 1
    January, Good Friday, Easter Monday, 1 May, 25 and 26 December. The other French
    public holidays (8 May, Ascension, 14 July, 15 August, 1 and 11 November...)
    are business days for the settlement of a transfer.

    >>> sorted(d.isoformat() for d in bank_closing_days(date(2026, 1, 1),
    ...                                                 date(2026, 12, 31)))
    ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-12-25', '2026-12-26']
    """
    days = set()
    for year in range(_day(first, "first").year, _day(last, "last").year + 1):
        easter = easter_sunday(year)
        days |= {
            date(year, 1, 1),
            easter - timedelta(days=2),
            easter + timedelta(days=1),
            date(year, 5, 1),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    return frozenset(days)


def deposit_date(calendar, close):
    """When the payout of the cycle closing on ``close`` is in the bank."""
    return add_business_days(close, calendar.deposit_lag, calendar.holidays)


def release_date(calendar, order_date, ship_date=None, delivery_date=None, today=None):
    """When an order's money becomes payable: the rule's date plus ``release_days``.

    A missing date falls back to the best known earlier one: ``"delivery"`` uses the
    delivery date, else the ship date, else the order date; ``"shipment"`` the ship
    date, else the order date (never the delivery date, which is later). With
    ``today``, the rule's missing date is an event still to come (an order not
    shipped, or not delivered, yet): it happens today at the earliest, so the base
    is never before ``today``.

    >>> amazon = Calendar("days", date(2026, 11, 2), release="delivery", release_days=7)
    >>> release_date(amazon, date(2026, 11, 1), date(2026, 11, 2))
    datetime.date(2026, 11, 9)
    >>> release_date(amazon, date(2026, 10, 20), today=date(2026, 11, 5))
    datetime.date(2026, 11, 12)
    """
    chain = {"order": (), "shipment": (ship_date,)}.get(calendar.release)
    chain = (delivery_date, ship_date) if chain is None else chain
    base = _day(next((d for d in chain if d is not None), order_date), "date")
    if chain[:1] == (None,) and today is not None:
        base = max(base, _day(today, "today"))
    return base + timedelta(days=calendar.release_days)


@dataclass(frozen=True)
class Receivable:
    """Money the platform owes or will owe: ``amount`` (signed net) payable from
    ``eligible``; ``source`` is ``"open"``, ``"orders"`` or ``"reserve"`` (a reserve
    held, positive, to be released on ``eligible``)."""

    amount: Decimal
    eligible: date
    channel: object
    ref: object = None
    source: str = "orders"

    def __post_init__(self):
        object.__setattr__(self, "amount", _money(self.amount, "amount"))
        _day(self.eligible, "eligible")
        if self.source not in SOURCES:
            raise CashCoreError(f"unknown receivable source {self.source!r}")


@dataclass(frozen=True)
class ExpectedPayout:
    """One expected payout: ``amount = gross + reserve_held + reserve_released +
    carried_in``, or 0 when that is carried to the next cycle (minimum payout)."""

    channel: object
    close: date
    deposit: date
    amount: Decimal
    gross: Decimal
    reserve_held: Decimal
    reserve_released: Decimal
    carried_in: Decimal
    refs: tuple


def _channel_payouts(channel, items, calendar, today, closes, deposits):
    slots = [[ZERO, ZERO, []] for _ in closes]  # gross, released, refs
    for item in items:
        i = bisect_left(closes, max(item.eligible, today))
        if i < len(closes):
            slots[i][item.source == "reserve"] += item.amount
            if item.ref is not None:
                slots[i][2].append(item.ref)
    payouts, carried, carried_refs = [], ZERO, ()
    for i, close in enumerate(closes):
        gross, held = slots[i][0], ZERO
        if gross > 0 and calendar.reserve_rate:
            held = -_cents(gross * calendar.reserve_rate)
            j = bisect_left(closes, close + timedelta(days=calendar.reserve_days))
            if j < len(closes):
                slots[j][1] -= held
        released = slots[i][1]
        if not (gross or held or released or carried):
            continue
        parts, refs = (gross, held, released, carried), (*carried_refs, *slots[i][2])
        amount, carried, carried_refs = sum(parts), ZERO, ()
        if 0 < amount < calendar.minimum_payout:
            carried, carried_refs, amount, refs = amount, refs, ZERO, ()
        payouts.append(
            ExpectedPayout(channel, close, deposits[i], amount, *parts, refs)
        )
    return payouts


def expected_payouts(receivables, calendar, today, horizon_end):
    """``(payouts, beyond)``: the payouts deposited by ``horizon_end``, per channel,
    sorted by deposit date (then channel, in order of first appearance), and
    ``beyond``, the money of ``receivables`` not in them (later cycles, reserves held
    past the horizon, a carry still below the minimum), so that ``sum(amounts) +
    beyond == sum(receivables)``.

    Each receivable joins the first cycle closing on or after ``max(eligible,
    today)``; "reserve" ones count in ``reserve_released``, the others in ``gross``.
    A cycle with ``gross > 0`` holds ``reserve_rate`` of it (rounded half-up to the
    cent), released in the first cycle closing on or after ``close + reserve_days``.
    A net with ``0 < net < minimum_payout`` pays 0 and is carried with its refs to the
    next cycle; a negative net is paid as is (the platform debits the seller). A
    cycle with nothing at all gives no payout. ``refs`` are the non-None refs of the
    money in ``amount``.
    """
    today, horizon_end = _day(today, "today"), _day(horizon_end, "horizon_end")
    closes, deposits = [], []
    for close in cycle_closes(calendar, today, horizon_end):
        deposit = deposit_date(calendar, close)
        if deposit > horizon_end:
            break  # deposits never go back in time: later ones are beyond too
        closes.append(close)
        deposits.append(deposit)
    by_channel, total = {}, ZERO
    for item in receivables:
        by_channel.setdefault(item.channel, []).append(item)
        total += item.amount
    payouts = []
    for channel, items in by_channel.items():
        payouts += _channel_payouts(channel, items, calendar, today, closes, deposits)
    order = {channel: i for i, channel in enumerate(by_channel)}
    payouts.sort(key=lambda p: (p.deposit, order[p.channel]))
    return payouts, total - sum((p.amount for p in payouts), ZERO)


def totals_at(payouts, today, days=(7, 14, 30)):
    """``(by_channel, overall)``: for each ``n`` of ``days``, the amount deposited
    within ``(today, today + n]``, per channel and for all.

    >>> p = ExpectedPayout("a", date(2026, 1, 9), date(2026, 1, 12), Decimal(5),
    ...                    Decimal(5), ZERO, ZERO, ZERO, ())
    >>> totals_at([p], date(2026, 1, 5), days=(7, 30))
    ({'a': {7: Decimal('5'), 30: Decimal('5')}}, {7: Decimal('5'), 30: Decimal('5')})
    """
    today = _day(today, "today")
    overall, by_channel = dict.fromkeys(days, ZERO), {}
    for payout in payouts:
        row = by_channel.setdefault(payout.channel, dict.fromkeys(days, ZERO))
        for n in days:
            if today < payout.deposit <= today + timedelta(days=n):
                row[n] += payout.amount
                overall[n] += payout.amount
    return by_channel, overall


@dataclass(frozen=True)
class Flow:
    """One expected cash movement: ``amount`` > 0 in, < 0 out, on ``day``."""

    day: date
    amount: Decimal
    source: str
    channel: object = None
    ref: object = None
    tags: frozenset = frozenset()

    def __post_init__(self):
        _day(self.day, "day")
        object.__setattr__(self, "amount", _money(self.amount, "amount"))
        if isinstance(self.tags, str):
            raise TypeError("tags must be a set of strings, not a string")
        object.__setattr__(self, "tags", frozenset(self.tags))


def shift_by_delay(due, delay_days):
    """When a customer pays: ``due`` plus their average delay rounded to whole days,
    half-up (half away from zero: -2.5 gives -3).

    >>> shift_by_delay(date(2026, 3, 31), Decimal("12.5"))
    datetime.date(2026, 4, 13)
    """
    delay = _money(delay_days, "delay_days").to_integral_value(ROUND_HALF_UP)
    return _day(due, "due") + timedelta(days=int(delay))


def expected_bill_date(receipt, terms_days):
    """When a supplier bill is paid: the receipt date plus the payment terms."""
    return _day(receipt, "receipt") + timedelta(days=_int(terms_days, "terms_days", 0))


def occurrences(start, end, frequency, every=1, first=None):
    """Dates of a recurring item in ``[start, end]``: ``first`` (default ``start``)
    plus k times ``every`` weeks, months, quarters or years (k >= 0). Monthly items
    fall on ``first``'s day, clamped to the month's end (31 -> 28 Feb -> 31 Mar).

    >>> days = occurrences(date(2026, 1, 1), date(2026, 4, 30), "monthly",
    ...                    first=date(2025, 12, 31))
    >>> [str(d) for d in days]
    ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']
    """
    start, end = _day(start, "start"), _day(end, "end")
    first = start if first is None else _day(first, "first")
    if frequency not in FREQUENCIES:
        raise CashCoreError(f"unknown frequency {frequency!r}")
    every, months = _int(every, "every", 1), FREQUENCIES[frequency]
    result, k = [], 0
    while True:
        day = _add_months(first, k * every * months) if months else first
        day += timedelta(weeks=0 if months else k * every)
        if day > end:
            return result
        if day >= start:
            result.append(day)
        k += 1


def observed_median_delay(delays):
    """Median of observed payment delays in days (a Decimal, maybe .5); None if none.

    >>> observed_median_delay([3, 10, 5, 8]), observed_median_delay([])
    (Decimal('6.5'), None)
    """
    values = sorted(_money(d, "delay") for d in delays)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


@dataclass(frozen=True)
class WeekRow:
    """One week from the Monday ``start`` (``week`` from 1). ``inflows`` and
    ``outflows`` (negative) are sums per source; ``refs[source]`` is the tuple of the
    non-None refs of the week's flows of that source, in and out."""

    week: int
    start: date
    opening: Decimal
    inflows: dict
    outflows: dict
    refs: dict

    end = property(lambda self: self.start + timedelta(days=6), doc="The Sunday.")
    total_in = property(lambda self: sum(self.inflows.values(), ZERO))
    total_out = property(lambda self: sum(self.outflows.values(), ZERO))
    closing = property(lambda self: self.opening + self.total_in + self.total_out)


@dataclass(frozen=True)
class CashTable:
    """``rows``; ``lowest`` = ``(week, closing)`` of the lowest closing (the first
    on ties; ``rows[week - 1]``); ``beyond``: the flows after the last week."""

    rows: tuple
    lowest: tuple
    beyond: tuple


def weekly_table(opening, flows, start, weeks=13):
    """The cash table of ``weeks`` weeks from the Monday ``start``, from ``opening``.

    A flow dated before ``start`` is overdue, expected now: it goes to week 1. A flow
    of amount >= 0 is an inflow. ``closing = opening + total_in + total_out``, exact.

    >>> t = weekly_table(Decimal(100), [Flow(date(2026, 1, 7), Decimal(-150), "vat")],
    ...                  date(2026, 1, 5), weeks=2)
    >>> [r.closing for r in t.rows], t.lowest
    ([Decimal('-50'), Decimal('-50')], (1, Decimal('-50')))
    """
    closing = _money(opening, "opening")
    if _day(start, "start").weekday():
        raise CashCoreError(f"start must be a Monday, not {start:%A} {start}")
    weeks = _int(weeks, "weeks", 1)
    cells = [({}, {}, {}) for _ in range(weeks)]
    beyond = []
    for flow in flows:
        week = max(0, (flow.day - start).days // 7)
        if week >= weeks:
            beyond.append(flow)
            continue
        inflows, outflows, refs = cells[week]
        side = inflows if flow.amount >= 0 else outflows
        side[flow.source] = side.get(flow.source, ZERO) + flow.amount
        if flow.ref is not None:
            refs.setdefault(flow.source, []).append(flow.ref)
    rows = []
    for week, (inflows, outflows, refs) in enumerate(cells):
        monday = start + timedelta(weeks=week)
        refs = {source: tuple(items) for source, items in refs.items()}
        rows.append(WeekRow(week + 1, monday, closing, inflows, outflows, refs))
        closing = rows[-1].closing
    low = min(rows, key=lambda row: row.closing)  # min keeps the first on ties
    return CashTable(tuple(rows), (low.week, low.closing), tuple(beyond))


@dataclass(frozen=True)
class Shock:
    """One change of a scenario, applied to the flows dated within ``[start, end]``
    (None: unbounded) by :func:`apply_scenario`, which documents each ``kind``."""

    kind: str
    value: Decimal = ZERO
    channel: object = None
    start: date | None = None
    end: date | None = None
    days: int = 0
    flow: Flow | None = None

    def __post_init__(self):
        if self.kind not in SHOCKS:
            raise CashCoreError(f"unknown shock {self.kind!r}, expected {SHOCKS}")
        value = _money(self.value, "value")
        object.__setattr__(self, "value", value)
        if self.kind in ("payout_delay", "supplier_terms") and value % 1:
            raise CashCoreError(f"{self.kind} needs whole days, not {value}")
        for name in ("start", "end"):
            if getattr(self, name) is not None:
                _day(getattr(self, name), name)
        _int(self.days, "days", 0)
        if self.kind == "one_off" and not isinstance(self.flow, Flow):
            raise CashCoreError("a one_off shock needs a Flow")


def _shocked(shock, flow):
    """The flows that replace ``flow`` under ``shock`` (``flow`` itself if none)."""
    kind, value = shock.kind, shock.value
    if not ((shock.start or flow.day) <= flow.day <= (shock.end or flow.day)):
        return (flow,)
    channel_ok = shock.channel in (None, flow.channel)
    payout = flow.source == "payouts" and channel_ok
    if kind == "volume" and flow.tags & VOLUME_TAGS:
        lead = shock.days if "replenishment" in flow.tags else 0
        day = flow.day - timedelta(days=lead)
        return (replace(flow, day=day, amount=_cents(flow.amount * (1 + value))),)
    if kind == "return_rate" and "sales" in flow.tags and channel_ok:
        refund = -_cents(flow.amount * value)
        return flow, replace(flow, amount=refund, tags=frozenset({"refunds"}))
    if (kind == "payout_delay" and payout) or (
        kind == "supplier_terms" and "supplier" in flow.tags
    ):
        return (replace(flow, day=flow.day + timedelta(days=int(value))),)
    if kind == "reserve" and payout and flow.amount > 0:
        held = _cents(flow.amount * value)
        back = replace(flow, day=flow.day + timedelta(days=shock.days), amount=held)
        return replace(flow, amount=flow.amount - held), back
    return (flow,)


def apply_scenario(flows, shocks):
    """The flows of a scenario: ``shocks`` applied one after the other, in order,
    each to the result of the previous ones. Every shock touches only the flows dated
    within its ``[start, end]`` (by their day before the shock); replaced flows keep
    their source, channel, ref and tags (unless said), at their place in the list.

    - ``"volume"``: flows tagged sales, fees, ads, replenishment or refunds are
      scaled by ``1 + value`` (0.30: +30 %), half-up to the cent. A replenishment
      flow is also moved ``days`` earlier (the lead time: the extra stock is bought
      before it sells), the whole flow.
    - ``"return_rate"``: after each flow tagged sales of ``channel`` (all if None),
      a refund of ``value`` times its amount (half-up to the cent), negated, same
      day, same source (the platform takes it from the payout), tags
      ``{"refunds"}``.
    - ``"payout_delay"``: flows of source "payouts" of ``channel`` (all if None) are
      moved ``value`` days later (a whole number; negative: earlier).
    - ``"reserve"``: each positive flow of source "payouts" of ``channel`` (all if
      None) loses ``value`` of its amount (half-up to the cent), paid back by a copy
      of the flow ``days`` later.
    - ``"supplier_terms"``: flows tagged supplier are moved ``value`` days later.
    - ``"one_off"``: ``flow`` is added at the end (a loan, a tax, a capital call).

    >>> base = [Flow(date(2026, 6, 1), Decimal("100.00"), "payouts", tags={"sales"})]
    >>> shock = Shock("return_rate", Decimal("0.05"))
    >>> [f.amount for f in apply_scenario(base, [shock])]
    [Decimal('100.00'), Decimal('-5.00')]
    """
    flows = list(flows)
    for shock in shocks:
        if shock.kind == "one_off":
            flows.append(shock.flow)
        else:
            flows = [new for flow in flows for new in _shocked(shock, flow)]
    return flows


__all__ = [
    "CYCLES",
    "CashTable",
    "Calendar",
    "ExpectedPayout",
    "Flow",
    "Receivable",
    "Shock",
    "WeekRow",
    "add_business_days",
    "apply_scenario",
    "bank_closing_days",
    "cycle_closes",
    "deposit_date",
    "easter_sunday",
    "expected_bill_date",
    "expected_payouts",
    "next_close",
    "observed_median_delay",
    "occurrences",
    "release_date",
    "shift_by_delay",
    "totals_at",
    "weekly_table",
]
