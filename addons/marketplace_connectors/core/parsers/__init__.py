"""Source parsers and format detection.

Each parser module exposes:

- ``FORMAT`` (a code such as ``"amazon_settlement_v2"``), ``PLATFORM`` (a
  ``marketplace.channel.platform`` key) and ``LABEL`` (for the UI);
- ``sniff(head, filename) -> bool``: does this file look like this format? ``head`` is
  the first 64 KiB of the file, as bytes. Detection reads the content (header names,
  JSON keys); the file name is only a tie-breaker;
- ``parse(stream, filename, options=None)``: a generator over a binary stream yielding
  :class:`~..records.PayoutInfo`, :class:`~..records.Line` and
  :class:`~..records.OrderInfo` records, streaming (constant memory for delimited
  files).
  Bad input raises :class:`~..exceptions.ParseError` naming the file, the line, the
  column and the value, never another exception;
- ``TYPE_MAP``: the documented mapping of every source type to a ledger category.
"""

from ..exceptions import ParseError

PARSERS = []


def register(module):
    """Add a parser module to the registry (called at the end of this file)."""
    PARSERS.append(module)
    return module


def detect(head, filename="", platform=None):
    """Return the parser module for a file, from its first bytes.

    ``platform`` restricts the candidates to one platform (the channel's); the generic
    CSV/XLSX parser is chosen only when asked for explicitly.
    """
    candidates = [
        parser
        for parser in PARSERS
        if (platform is None or parser.PLATFORM == platform)
        and not getattr(parser, "EXPLICIT_ONLY", False)
    ]
    for parser in candidates:
        if parser.sniff(head, filename):
            return parser
    raise ParseError(
        "unrecognized file format (expected one of: "
        + ", ".join(parser.LABEL for parser in candidates)
        + ")",
        filename=filename,
        line=1,
    )


def get(format_code):
    for parser in PARSERS:
        if parser.FORMAT == format_code:
            return parser
    raise KeyError(format_code)


# The registry, in detection order (specific formats first).
from . import (  # noqa: E402
    amazon_finances,
    amazon_orders,
    amazon_settlement,
    ebay_finances,
    generic_table,
    mirakl_orders,
    mirakl_transactions,
    mirakl_transactions_csv,
    paypal_transactions,
    shopify_orders,
    shopify_payments,
    shopify_payments_csv,
    stripe_balance,
    stripe_payouts,
)

for _module in (
    amazon_settlement,
    amazon_orders,
    amazon_finances,
    mirakl_orders,
    shopify_orders,
    shopify_payments,
    stripe_balance,
    shopify_payments_csv,
    stripe_payouts,
    mirakl_transactions,
    ebay_finances,
    paypal_transactions,
    mirakl_transactions_csv,
    generic_table,
):
    register(_module)


# Order states that mean "cancelled" on any platform (Mirakl also refuses orders).
CANCELLED_STATES = frozenset().union(
    amazon_orders.CANCELLED, mirakl_orders.CANCELLED, shopify_orders.CANCELLED
)
