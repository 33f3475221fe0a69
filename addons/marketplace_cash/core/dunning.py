"""Dunning (relances clients): which reminder level is due for which invoice, today.

Rules (the spec of :func:`compute_run`; the Odoo layer only reads and writes):

- A policy is a list of levels ranked by ``sequence``; each level has an ``offset`` in
  days from the due date (``-3`` = three days before it, the optional pre-due
  reminder; ``1`` = D+1).
- Each level fires **at most once per invoice** and **in order**: the candidate is the
  first level ranked after the highest level already sent for the invoice, so a level
  never fires before the previous one was sent, and a level skipped once is never sent
  afterwards.
- A pre-due level (offset < 0) is skipped once the invoice is overdue: a "your invoice
  falls due in 3 days" reminder makes no sense after the due date.
- The candidate fires on its **fire date**: its own date (``due + offset``) or, when a
  level was already sent, the date that level was sent plus the gap between the two
  levels' offsets, whichever is later. In a daily run without holds the two are equal
  (D+1, D+7, D+20). After a hold, or a run that did not happen, dunning resumes at the
  next level not yet sent whose date has passed, **one level per run**: the levels
  that were "missed" are not sent in a burst, each keeps its distance to the previous
  one (sent D+1, held from D+3 to D+30: D+7 fires on D+31, D+20 on D+44).
- An invoice with nothing left to pay (residual <= 0, paid or fully credited) never
  fires: a payment stops the escalation. A partial payment does not.
- An invoice is held when a hold on it, or on its whole customer, is effective on the
  day: ``start <= day``, not released on or before the day, not expired before the
  day (``expiry`` is the last held day). A held invoice gets no reminder and is not
  listed on its customer's reminder.
- One reminder per customer and run: its level is the highest level firing for one of
  the customer's invoices; it lists every invoice firing a level plus every other
  overdue invoice of the customer not held. A level's minimum amount is compared with
  the total of that listing: below it, the level does not fire (the invoice waits for
  a later run, when more is due).
- A phone call is asked for when the reminder's level has a phone threshold and the
  customer's overdue total (held invoices excluded) exceeds it.
- A customer's **unapplied credits** (credit notes and payments received on account,
  not yet matched to an invoice: what Odoo shows as outstanding credits) are deducted:
  when they cover the overdue total of the reminder there is no reminder (the invoices
  are to be matched, not dunned); otherwise the reminder shows them and the minimum
  amount and the phone threshold compare the amounts net of them.

Money is :class:`~decimal.Decimal` in the company currency; dates are ``date``.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Level:
    """One dunning level of a policy."""

    key: object
    sequence: int
    offset: int
    min_amount: Decimal = ZERO
    phone_threshold: Decimal | None = None

    @property
    def pre_due(self):
        return self.offset < 0


@dataclass(frozen=True)
class Invoice:
    """An open customer invoice. ``residual`` is what is left to pay;
    ``discount`` the early-payment discount granted if paid by ``discount_date``
    (zero when the payment terms have none or a payment was already matched)."""

    key: object
    partner: object
    due: date
    residual: Decimal
    policy: object = None
    discount: Decimal = ZERO
    discount_date: date | None = None


@dataclass(frozen=True)
class Sent:
    """A reminder already sent for an invoice at a level rank."""

    invoice: object
    sequence: int
    day: date


@dataclass(frozen=True)
class Hold:
    """A dispute hold on one invoice, or on the whole customer (``invoice=None``)."""

    partner: object
    invoice: object = None
    start: date = date.min
    expiry: date | None = None
    released: date | None = None

    def effective(self, day):
        """``day`` is held.

        >>> h = Hold("C", "INV1", date(2026, 1, 5), expiry=date(2026, 1, 9))
        >>> [h.effective(date(2026, 1, d)) for d in (4, 5, 9, 10)]
        [False, True, True, False]
        >>> Hold("C", None, date(2026, 1, 5), released=date(2026, 1, 7)).effective(
        ...     date(2026, 1, 7))
        False
        """
        return (
            self.start <= day
            and (self.released is None or self.released > day)
            and (self.expiry is None or self.expiry >= day)
        )


@dataclass(frozen=True)
class NextAction:
    """What comes next for an invoice: ``level`` on ``day`` (``None``: nothing)."""

    level: Level | None
    day: date | None
    held: bool = False


@dataclass(frozen=True)
class Row:
    """One invoice as listed on a reminder."""

    invoice: object
    due: date
    days_late: int
    residual: Decimal
    level: Level | None  # the level it fires, None when only listed
    discount: Decimal = ZERO
    discount_date: date | None = None


@dataclass(frozen=True)
class Reminder:
    """The consolidated reminder of one customer."""

    partner: object
    level: Level
    rows: tuple = field(default_factory=tuple)
    total: Decimal = ZERO
    overdue_total: Decimal = ZERO
    phone: bool = False
    credit: Decimal = ZERO  # unapplied credits deducted from the totals above

    @property
    def fired(self):
        """``(invoice, level)`` of the rows that fire a level (the ones to log)."""
        return [(row.invoice, row.level) for row in self.rows if row.level]


def sorted_levels(levels):
    """Levels by rank; ranks must be unique and offsets increase with the rank.

    >>> [lv.offset for lv in sorted_levels([Level("b", 2, 7), Level("a", 1, 1)])]
    [1, 7]
    >>> sorted_levels([Level("a", 1, 7), Level("b", 2, 7)])
    Traceback (most recent call last):
    ...
    ValueError: level offsets must increase with their sequence
    """
    ordered = sorted(levels, key=lambda lv: lv.sequence)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.sequence == after.sequence or before.offset >= after.offset:
            raise ValueError("level offsets must increase with their sequence")
    return ordered


class _Holds:
    """Holds indexed by invoice and by customer."""

    def __init__(self, holds):
        self.by_invoice, self.by_partner = {}, {}
        for hold in holds:
            if hold.invoice is None:
                self.by_partner.setdefault(hold.partner, []).append(hold)
            else:
                self.by_invoice.setdefault(hold.invoice, []).append(hold)

    def held(self, invoice, day):
        return any(
            h.effective(day) for h in self.by_invoice.get(invoice.key, ())
        ) or any(h.effective(day) for h in self.by_partner.get(invoice.partner, ()))


def _index_sent(sent):
    """{invoice: (highest rank sent, day it was sent)}."""
    last = {}
    for item in sent:
        current = last.get(item.invoice)
        if current is None or (item.sequence, item.day) > current:
            last[item.invoice] = (item.sequence, item.day)
    return last


def _next_level(invoice, levels, last, today):
    """``(level, fire_date)`` of the invoice's next level, or ``(None, None)``."""
    by_rank = {lv.sequence: lv for lv in levels}
    previous = None
    if last is not None:
        previous = by_rank.get(last[0])
        candidates = [lv for lv in levels if lv.sequence > last[0]]
    else:
        candidates = levels
    overdue = today > invoice.due
    for level in candidates:
        if level.pre_due and overdue:
            continue
        fire = invoice.due + timedelta(days=level.offset)
        if last is not None:
            gap = level.offset - previous.offset if previous else 0
            fire = max(fire, last[1] + timedelta(days=gap))
        return level, fire
    return None, None


def next_actions(invoices, sent, holds, today, policies):
    """``{invoice key: NextAction}``: the next level of each invoice and its date.

    ``policies`` maps an invoice's ``policy`` to its levels (any order). A held
    invoice still gets its next level and date (what resumes after the hold), with
    ``held=True``; a paid one gets ``NextAction(None, None)``.
    """
    ranked = {key: sorted_levels(levels) for key, levels in policies.items()}
    last_sent = _index_sent(sent)
    index = _Holds(holds)
    result = {}
    for invoice in invoices:
        if invoice.residual <= ZERO:
            result[invoice.key] = NextAction(None, None)
            continue
        level, day = _next_level(
            invoice, ranked.get(invoice.policy, ()), last_sent.get(invoice.key), today
        )
        result[invoice.key] = NextAction(level, day, index.held(invoice, today))
    return result


def _row(invoice, today, level):
    discount, discount_date = ZERO, None
    if (
        invoice.discount > ZERO
        and invoice.discount_date
        and today <= invoice.discount_date
    ):
        discount, discount_date = invoice.discount, invoice.discount_date
    return Row(
        invoice.key,
        invoice.due,
        (today - invoice.due).days,
        invoice.residual,
        level,
        discount,
        discount_date,
    )


def compute_run(invoices, sent, holds, today, policies, credits=None):
    """The reminders of one run: ``[Reminder]``, one per customer, ordered by
    customer key (customer and invoice keys must sort: ids in Odoo); ``credits``
    maps a customer to its unapplied credits (a positive amount).

    >>> levels = [Level("L1", 1, 1), Level("L2", 2, 7), Level("L3", 3, 20)]
    >>> inv = Invoice("INV1", "C", date(2026, 3, 1), Decimal("100.00"), "P")
    >>> [(r.partner, r.level.key, r.fired) for r in compute_run(
    ...     [inv], [], [], date(2026, 3, 2), {"P": levels})]
    [('C', 'L1', [('INV1', Level(key='L1', sequence=1, offset=1, ...))])]
    >>> compute_run([inv], [Sent("INV1", 1, date(2026, 3, 2))], [],
    ...             date(2026, 3, 7), {"P": levels})
    []
    """
    ranked = {key: sorted_levels(levels) for key, levels in policies.items()}
    last_sent = _index_sent(sent)
    index = _Holds(holds)
    per_partner = {}
    for invoice in invoices:
        if invoice.residual <= ZERO or index.held(invoice, today):
            continue
        level, day = _next_level(
            invoice, ranked.get(invoice.policy, ()), last_sent.get(invoice.key), today
        )
        firing = level if level is not None and day <= today else None
        if firing is None and invoice.due >= today:
            continue  # neither firing nor overdue: not on a reminder
        per_partner.setdefault(invoice.partner, []).append((invoice, firing))
    credits = credits or {}
    reminders = []
    for partner in sorted(per_partner):
        credit = max(credits.get(partner, ZERO), ZERO)
        reminder = _consolidate(partner, per_partner[partner], today, credit)
        if reminder is not None:
            reminders.append(reminder)
    return reminders


def _consolidate(partner, items, today, credit=ZERO):
    overdue_total = sum(
        (inv.residual for inv, _level in items if inv.due < today), ZERO
    )
    if credit and credit >= overdue_total:
        return None
    total = sum((inv.residual for inv, _level in items), ZERO)
    kept = [
        (
            inv,
            level if level is not None and total - credit >= level.min_amount else None,
        )
        for inv, level in items
    ]
    firing = [level for _inv, level in kept if level is not None]
    if not firing:
        return None
    top = max(firing, key=lambda lv: lv.sequence)
    rows = tuple(
        _row(inv, today, level)
        for inv, level in sorted(kept, key=lambda il: (il[0].due, il[0].key))
        if level is not None or inv.due < today
    )
    phone = (
        top.phone_threshold is not None and overdue_total - credit > top.phone_threshold
    )
    return Reminder(
        partner,
        top,
        rows,
        sum((row.residual for row in rows), ZERO) - credit,
        overdue_total - credit,
        phone,
        credit,
    )
