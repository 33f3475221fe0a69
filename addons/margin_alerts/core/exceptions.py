"""Errors raised by ``margin_alerts.core``; the ORM layer maps them to UserError."""


class MarginCoreError(Exception):
    """Base class of every error raised by ``margin_alerts.core``."""


class NoFloorPrice(MarginCoreError):
    """No unit price reaches the required margin (costs grow as fast as the price)."""
