"""Marketplace reserves: what is held, what was released, what is still open.

A platform holds part of a payout (``reserve_hold`` lines, negative in the seller's
view) and releases it in a later payout (``reserve_release`` lines, positive). A
release closes the earliest holds first (first in, first out), across payouts of the
same channel: Amazon's "Previous Reserve Amount Balance" releases what the previous
settlement's "Current Reserve Amount" held. What is left of each hold is open, and its
age is counted from the hold's date.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)
DEFAULT_BUCKETS = (30, 90)


@dataclass(frozen=True)
class Movement:
    """One reserve line: ``amount`` < 0 holds money, > 0 releases it."""

    channel_id: object
    payout_id: object
    day: date
    amount: Decimal


@dataclass(frozen=True)
class OpenHold:
    channel_id: object
    payout_id: object
    day: date
    held: Decimal
    open: Decimal


@dataclass(frozen=True)
class Closure:
    """``amount`` of the hold of ``hold_payout_id`` released by another payout."""

    channel_id: object
    hold_payout_id: object
    release_payout_id: object
    amount: Decimal


def allocate(movements):
    """``(open_holds, closures, unmatched_releases)``: FIFO per channel.

    >>> m = [Movement(1, "S1", date(2026, 3, 1), Decimal("-25.00")),
    ...      Movement(1, "S2", date(2026, 3, 15), Decimal("20.00")),
    ...      Movement(1, "S2", date(2026, 3, 15), Decimal("-30.00"))]
    >>> holds, closures, extra = allocate(m)
    >>> [(h.payout_id, h.open) for h in holds]
    [('S1', Decimal('5.00')), ('S2', Decimal('30.00'))]
    >>> [(c.hold_payout_id, c.release_payout_id, c.amount) for c in closures]
    [('S1', 'S2', Decimal('20.00'))]
    >>> extra
    []

    Movements of the same day are taken holds first, so that a payout that holds and
    releases on one date releases earlier holds, never its own. A release larger than
    everything held (a reserve held before the data starts) is returned in
    ``unmatched_releases`` as ``(channel_id, payout_id, amount)``.
    """
    by_channel = {}
    for movement in movements:
        by_channel.setdefault(movement.channel_id, []).append(movement)
    open_holds, closures, unmatched = [], [], []
    for channel_id, items in by_channel.items():
        items.sort(key=lambda m: (m.day, m.amount > 0, str(m.payout_id)))
        queue = []  # [payout_id, day, held, open]
        for movement in items:
            if movement.amount < 0:
                held = -movement.amount
                queue.append([movement.payout_id, movement.day, held, held])
                continue
            left = movement.amount
            for hold in queue:
                if left <= 0:
                    break
                if hold[3] <= 0:
                    continue
                taken = min(hold[3], left)
                hold[3] -= taken
                left -= taken
                closures.append(Closure(channel_id, hold[0], movement.payout_id, taken))
            if left > 0:
                unmatched.append((channel_id, movement.payout_id, left))
        open_holds.extend(
            OpenHold(channel_id, payout_id, day, held, left)
            for payout_id, day, held, left in queue
            if left > 0
        )
    return open_holds, closures, unmatched


def ageing(open_holds, today, buckets=DEFAULT_BUCKETS):
    """Open reserve by age bucket: ``{"0-30": ..., "31-90": ..., "90+": ...}``.

    >>> holds = [OpenHold(1, "S1", date(2025, 12, 1), Decimal(10), Decimal(10)),
    ...          OpenHold(1, "S2", date(2026, 3, 20), Decimal(7), Decimal(7))]
    >>> ageing(holds, date(2026, 4, 1))
    {'0-30': Decimal('7'), '31-90': Decimal('0'), '90+': Decimal('10')}
    """
    labels = []
    low = 0
    for high in buckets:
        labels.append((f"{low}-{high}" if low == 0 else f"{low + 1}-{high}", high))
        low = high
    result = {label: ZERO for label, _high in labels}
    last = f"{buckets[-1]}+"
    result[last] = ZERO
    for hold in open_holds:
        age = (today - hold.day).days
        for label, high in labels:
            if age <= high:
                result[label] += hold.open
                break
        else:
            result[last] += hold.open
    return result
