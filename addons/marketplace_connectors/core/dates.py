"""Dates and datetimes of marketplace files, as timezone-aware UTC.

Sources write them in many shapes (``21.01.2021 03:09:54 UTC``, ``2021-01-21``,
``2025-03-03T14:02:11Z``, ``2024-05-02T10:11:12+02:00``, Unix seconds). Times without a
zone are taken as UTC, as every source here documents them.
"""

from datetime import date, datetime, time, timezone

from .exceptions import InvalidAmount

UTC = timezone.utc

DATETIME_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%d/%m/%Y",
)


class InvalidDate(InvalidAmount):
    """A text that is not a date in any supported notation."""

    def __init__(self, value, reason="not a date"):
        super().__init__(value, reason)


def parse_datetime(text, formats=DATETIME_FORMATS):
    """Return ``text`` as an aware UTC datetime.

    >>> parse_datetime("21.01.2021 03:09:54 UTC")
    datetime.datetime(2021, 1, 21, 3, 9, 54, tzinfo=datetime.timezone.utc)
    >>> parse_datetime("2024-05-02T10:11:12+02:00")
    datetime.datetime(2024, 5, 2, 8, 11, 12, tzinfo=datetime.timezone.utc)
    >>> parse_datetime("2025-03-03T14:02:11.250Z").isoformat()
    '2025-03-03T14:02:11.250000+00:00'
    >>> parse_datetime("2021-01-21")
    datetime.datetime(2021, 1, 21, 0, 0, tzinfo=datetime.timezone.utc)
    """
    raw = "" if text is None else str(text).strip()
    if not raw:
        raise InvalidDate(text, "empty date")
    value = raw[:-4].strip() if raw.upper().endswith(" UTC") else raw
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in formats:
            try:
                parsed = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            raise InvalidDate(text) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_date(text, formats=DATETIME_FORMATS):
    """The calendar date written in ``text``.

    >>> parse_date("21.01.2021")
    datetime.date(2021, 1, 21)
    """
    return parse_datetime(text, formats).date()


def from_timestamp(value):
    """Unix seconds (Stripe ``created``) as an aware UTC datetime.

    >>> from_timestamp(1700000000).isoformat()
    '2023-11-14T22:13:20+00:00'
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidDate(value, "not a Unix timestamp")
    return datetime.fromtimestamp(value, tz=UTC)


def start_of_day(day):
    """Midnight UTC of a date."""
    return datetime.combine(day, time.min, tzinfo=UTC) if isinstance(day, date) else day
