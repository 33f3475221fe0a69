"""Errors raised by ``marketplace_cash.core``; the ORM layer maps them to UserError."""


class CashCoreError(Exception):
    """Base class of every error raised by ``marketplace_cash.core``."""


class UnbalancedError(CashCoreError):
    """Amounts that must balance to the cent do not."""

    def __init__(self, expected, actual, what="amounts"):
        self.expected = expected
        self.actual = actual
        super().__init__(f"{what} do not balance: expected {expected}, got {actual}")
