"""Errors raised by the pure core.

The ORM layer maps them to ``UserError`` or to an error row of the import log; the core
never imports Odoo, so it cannot raise Odoo exceptions itself.
"""


class CoreError(Exception):
    """Base class of every error raised by ``marketplace_connectors.core``."""


class InvalidAmount(CoreError, ValueError):
    """A text that is not a monetary amount in any supported notation."""

    def __init__(self, value, reason="not an amount"):
        self.value = value
        self.reason = reason
        super().__init__(f"{reason}: {value!r}")


class ParseError(CoreError):
    """Bad input, located: which file, which line, which column, which value.

    >>> str(ParseError("invalid amount", filename="s.txt", line=12, column="amount",
    ...                value="12,3,4"))
    "s.txt, line 12, column 'amount': invalid amount (value '12,3,4')"
    >>> str(ParseError("missing header 'amount'", filename="s.txt", line=1))
    "s.txt, line 1: missing header 'amount'"
    """

    def __init__(self, message, *, filename=None, line=None, column=None, value=None):
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        self.value = value
        super().__init__(self._render())

    def _render(self):
        where = []
        if self.filename:
            where.append(str(self.filename))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = self.message
        if self.value is not None:
            text = f"{text} (value {self.value!r})"
        return f"{', '.join(where)}: {text}" if where else text

    def as_dict(self):
        """The error as a plain dict, for a log row or a JSON payload."""
        return {
            "message": self.message,
            "filename": self.filename,
            "line": self.line,
            "column": self.column,
            "value": self.value,
        }
