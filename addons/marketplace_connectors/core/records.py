"""Plain records every parser produces: the normalized ledger, before the ORM.

A parser reads one source file (or API page) and yields, in any order:

- :class:`PayoutInfo` for each payout it learns about. The same payout may be yielded
  more than once (Mirakl's PAYMENT line comes after the lines it pays); later values
  complete earlier ones (see :meth:`PayoutInfo.merge`).
- :class:`Line` for each money line of the source: never aggregated, never dropped.
  ``Line.payout_ref`` names its payout, or is empty for a line not paid out yet.
- :class:`OrderInfo` for marketplace orders (order imports).

Money is ``Decimal`` in the currency's major unit, signed from the seller's view: money
in is positive. Datetimes are timezone-aware UTC; dates are ``datetime.date``.
"""

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal

from .categories import CATEGORIES


@dataclass(frozen=True, slots=True)
class PayoutInfo:
    """One settlement / payout / billing cycle as the source declares it."""

    ref: str
    currency: str
    amount_declared: Decimal | None = None
    date_start: datetime | None = None
    date_end: datetime | None = None
    date_deposit: datetime | None = None
    status: str = ""
    line_no: int = 0

    def merge(self, other):
        """Complete this payout with the values ``other`` knows and this one lacks."""
        if other.ref != self.ref:
            raise ValueError(f"cannot merge payout {other.ref!r} into {self.ref!r}")
        changes = {
            f.name: getattr(other, f.name)
            for f in fields(self)
            if getattr(self, f.name) in (None, "", 0)
            and getattr(other, f.name) not in (None, "", 0)
        }
        return replace(self, **changes) if changes else self


@dataclass(frozen=True, slots=True)
class Line:
    """One money line of a source, normalized."""

    external_key: str
    category: str
    amount: Decimal
    currency: str
    raw_type: str
    line_no: int
    payout_ref: str = ""
    posted_at: datetime | None = None
    order_ref: str = ""
    order_line_ref: str = ""
    sku: str = ""
    quantity: Decimal = Decimal(0)
    description: str = ""

    def __post_init__(self):
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"amount must be a Decimal, not {type(self.amount)}")


@dataclass(frozen=True, slots=True)
class OrderLineInfo:
    sku: str
    quantity: Decimal
    price_unit: Decimal
    line_ref: str = ""
    name: str = ""
    tax_included: bool = True


@dataclass(frozen=True, slots=True)
class OrderInfo:
    """One marketplace order as the platform describes it."""

    ref: str
    currency: str
    date_order: datetime | None = None
    status: str = ""
    country_code: str = ""
    customer_name: str = ""
    customer_email: str = ""
    line_no: int = 0
    lines: tuple[OrderLineInfo, ...] = field(default_factory=tuple)


def as_date(value):
    """The calendar date of a UTC datetime (or a date), for date fields."""
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


__all__ = ["Line", "OrderInfo", "OrderLineInfo", "PayoutInfo", "as_date", "date"]
