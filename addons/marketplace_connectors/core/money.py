"""Monetary amounts as :class:`~decimal.Decimal`, from the notations marketplaces use.

Marketplace files write amounts in the seller's locale: ``95.00`` (US), ``95,00`` (EU),
sometimes with a thousands separator (``1.234,56``, ``1,234.56``, ``1 234,56``). Floats
never appear: a float cannot hold 0.1 exactly and payouts must balance to the cent.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .exceptions import InvalidAmount

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_PLAIN = re.compile(r"^[+-]?(\d+)?(\.\d+)?$")
_CENT = Decimal("0.01")


def parse_amount(text, decimal_separator=None):
    """Return the amount written in ``text`` as a ``Decimal``.

    ``decimal_separator`` is ``"."`` or ``","`` when the file's locale is known;
    the other character is then a thousands separator. When it is ``None`` the
    notation is inferred: with both characters present the last one is the decimal
    separator, with only one kind it is the decimal separator (``1.234`` is one
    point two three four).

    >>> parse_amount("95,00")
    Decimal('95.00')
    >>> parse_amount("-1.234,56")
    Decimal('-1234.56')
    >>> parse_amount("1,234.56")
    Decimal('1234.56')
    >>> parse_amount("1 234,5", decimal_separator=",")
    Decimal('1234.5')
    >>> parse_amount("1.234", decimal_separator=",")
    Decimal('1234')
    >>> parse_amount("12,3,4")
    Traceback (most recent call last):
    ...
    marketplace_connectors.core.exceptions.InvalidAmount: not an amount: '12,3,4'
    """
    if text is None:
        raise InvalidAmount(text, "empty amount")
    raw = str(text)
    cleaned = _SPACES.sub("", raw)
    if not cleaned:
        raise InvalidAmount(raw, "empty amount")
    if decimal_separator not in (None, ".", ","):
        raise ValueError(f"unsupported decimal separator {decimal_separator!r}")
    if decimal_separator is None:
        last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
        decimal_separator = "," if last_comma > last_dot else "."
    thousands = "," if decimal_separator == "." else "."
    if cleaned.count(decimal_separator) > 1:
        raise InvalidAmount(raw)
    integer_part = cleaned.split(decimal_separator)[0]
    if thousands in integer_part and not _valid_grouping(integer_part, thousands):
        raise InvalidAmount(raw)
    if (
        thousands in cleaned.split(decimal_separator, 1)[-1]
        and decimal_separator in cleaned
    ):
        raise InvalidAmount(raw)
    normalized = cleaned.replace(thousands, "").replace(decimal_separator, ".")
    if not _PLAIN.match(normalized) or normalized in ("", "+", "-", "."):
        raise InvalidAmount(raw)
    try:
        return Decimal(normalized)
    except InvalidOperation as err:  # pragma: no cover - the regexp already refused it
        raise InvalidAmount(raw) from err


def _valid_grouping(integer_part, thousands):
    """Thousands groups are 3 digits after a first group of 1 to 3 digits."""
    groups = integer_part.lstrip("+-").split(thousands)
    return (
        1 <= len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:])
        and all(group.isdigit() for group in groups)
    )


def from_minor_units(value, exponent=2):
    """Convert an integer amount in minor units (Stripe API cents) to a ``Decimal``.

    >>> from_minor_units(-1999)
    Decimal('-19.99')
    >>> from_minor_units(500, exponent=0)
    Decimal('500')
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(value, "minor units must be an integer")
    return Decimal(value).scaleb(-exponent)


def round_cents(amount, exponent=2):
    """Round half away from zero to the currency's minor unit, as accountants do.

    >>> round_cents(Decimal("2.675"))
    Decimal('2.68')
    >>> round_cents(Decimal("-2.675"))
    Decimal('-2.68')
    """
    quantum = _CENT if exponent == 2 else Decimal(1).scaleb(-exponent)
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)
