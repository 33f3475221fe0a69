"""Helpers shared by the parser tests (plain functions, no fixtures).

Imported as ``parser_helpers``: pytest puts this folder on ``sys.path`` (it holds the
rootdir ``conftest.py``), as it does for ``from conftest import FIXTURES``.
"""

import csv
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from marketplace_connectors.core.exceptions import ParseError
from marketplace_connectors.core.parsers import (
    PARSERS,
    amazon_settlement,
    shopify_payments,
    shopify_payments_csv,
    stripe_balance,
    stripe_payouts,
)
from marketplace_connectors.core.records import Line, PayoutInfo

# The payout parsers the Shopify and Stripe sniff tests play against each other.
PAYOUT_PARSERS = (
    amazon_settlement,
    shopify_payments,
    shopify_payments_csv,
    stripe_balance,
    stripe_payouts,
)

# --- reading and parsing -------------------------------------------------------------


def property_settings(max_examples=60):
    """Hypothesis settings of the property tests: no deadline, slow data allowed."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def read_fixture(folder, name):
    """The bytes of ``tests/fixtures/<folder>/<name>``."""
    return (FIXTURES / folder / name).read_bytes()


def run_parser(module, content, filename="f", options=None):
    """Parse ``content`` with ``module``: ``(payouts, lines)``, and nothing else."""
    records = list(module.parse(content, filename, options))
    payouts = [r for r in records if isinstance(r, PayoutInfo)]
    lines = [r for r in records if isinstance(r, Line)]
    assert len(payouts) + len(lines) == len(records)
    return payouts, lines


def parse_error(module, content, options=None, filename="bad.file"):
    """The ``ParseError`` that parsing ``content`` raises; it names ``filename``."""
    with pytest.raises(ParseError) as info:
        list(module.parse(content, filename, options))
    assert info.value.filename == filename
    return info.value


def sniffed_formats(head, filename, *extra):
    """The ``FORMAT`` of each detectable parser (registry + ``extra``) claiming it."""
    return [
        module.FORMAT
        for module in dict.fromkeys([*PARSERS, *extra])
        if not getattr(module, "EXPLICIT_ONLY", False) and module.sniff(head, filename)
    ]


# --- checking lines ------------------------------------------------------------------


def totals(lines, payout_ref=None, *, currency=None, by="category"):
    """Sum of the amounts per category (or per ``by`` attribute) of the lines, only
    those of ``payout_ref`` and/or ``currency`` when given."""
    result = defaultdict(Decimal)
    for line in lines:
        if payout_ref is not None and line.payout_ref != payout_ref:
            continue
        if currency is not None and line.currency != currency:
            continue
        result[getattr(line, by)] += line.amount
    return dict(result)


def assert_keys(lines):
    """The lines' external keys are unique (the repeated ones are shown if not)."""
    keys = [line.external_key for line in lines]
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]


# --- building and corrupting files ---------------------------------------------------


def override(base, values):
    """``base`` (a dict of defaults) updated with ``values``; ``None`` drops a key."""
    return {k: v for k, v in {**base, **values}.items() if v is not None}


def cents_text(cents):
    """An amount in cents as decimal text: ``1234`` -> ``"12.34"``."""
    return str(Decimal(cents).scaleb(-2))


def csv_rows(content):
    """The rows (lists of cells) of a comma-separated file."""
    return list(csv.reader(io.StringIO(content.decode())))


def csv_bytes(rows):
    """A comma-separated file of ``rows``, LF line ends."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def rewrite_csv(content, transform):
    """A comma-separated file with its rows passed through ``transform(rows)``."""
    return csv_bytes(transform(csv_rows(content)))


def replace_cell(text, row, column, value, sep="\t", newline="\n"):
    """``text`` (a delimited table, no quoting) with one cell set to ``value``.

    ``row`` counts the lines from 0 (the header); ``column`` is a header name or an
    index.
    """
    lines = text.split(newline)
    if isinstance(column, str):
        column = lines[0].split(sep).index(column)
    cells = lines[row].split(sep)
    cells[column] = value
    lines[row] = sep.join(cells)
    return newline.join(lines)


def replace_byte(content, position, junk):
    """``content`` with its byte at ``position`` replaced by ``junk`` (any length)."""
    return content[:position] + junk + content[position + 1 :]


def check_random_bytes(module, content):
    """Sniffing ``content`` does not raise; parsing it succeeds, or fails with a
    ``ParseError`` that names a line."""
    module.sniff(content, "x")
    try:
        run_parser(module, content)
    except ParseError as err:
        assert err.line is not None


def check_corrupted_byte(module, content, data, junk, filename):
    """Replace a byte (drawn from hypothesis ``data``) of ``content`` by ``junk``:
    parsing succeeds, or fails with a ``ParseError`` on a line >= 1."""
    position = data.draw(st.integers(0, len(content) - 1))
    try:
        list(module.parse(replace_byte(content, position, junk), filename))
    except ParseError as err:
        assert err.line is not None and err.line >= 1
