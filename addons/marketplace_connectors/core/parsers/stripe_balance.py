"""Stripe balance transactions (API JSON), optionally with their payout.

Accepted shapes:

- ``{"object": "list", "data": [...]}``: ``GET /v1/balance_transactions`` (e.g.
  ``?payout=po_…``); the lines have no payout unless ``options["payout_ref"]`` names
  it. A ``payout`` row there gives a ``PayoutInfo`` (``amount_declared=-amount``);
- ``{"payout": {...}, "balance_transactions": {...} or [...]}``: the payout object
  (``amount_declared=payout.amount``, ``date_deposit=arrival_date``) and its balance
  transactions; the payout's own ``payout`` row is skipped.

Amounts are integers in minor units (exponent 0 for the zero-decimal currencies of
``ZERO_DECIMAL``, 3 for those of ``THREE_DECIMAL``, else 2). Each transaction gives a
gross ``Line`` categorized by ``reporting_category`` when present, else by ``type``
(``TYPE_MAP``), and a ``-fee`` line when ``fee`` is not zero. ``line_no`` is the
1-based index in ``data``.
"""

import re

from ..categories import CATEGORIES
from ..dates import InvalidDate, from_timestamp
from ..exceptions import InvalidAmount
from ..keys import external_key
from ..money import from_minor_units
from ..records import PayoutInfo
from ._common import JsonReader, gross_and_fee_lines, json_head, load_json, short
from .stripe_payouts import FEE_MAP
from .stripe_payouts import TYPE_MAP as CATEGORY_MAP

FORMAT = "stripe_balance_json"
PLATFORM = "stripe"
LABEL = "Stripe balance transactions / payout (API JSON)"

ZERO_DECIMAL = frozenset(
    "jpy krw clp vnd xof xaf ugx rwf pyg mga kmf gnf djf bif vuv xpf".split()
)
# Stripe writes these with 3 decimals (last digit 0). ISK, HUF and TWD keep 2 in the
# API (amounts divisible by 100), as Stripe documents for backwards compatibility.
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())

# ``reporting_category`` (preferred) or ``type`` -> category of the gross line;
# anything else is ``unknown``. The ``payout`` row is the payout itself (no line).
TYPE_MAP = {
    **CATEGORY_MAP,
    # ``type`` values, used when a transaction has no ``reporting_category``.
    "payment": "sale",
    "payment_refund": "refund",
    "adjustment": "adjustment",
    "stripe_fee": "payment_fee",
    "application_fee_refund": "payment_fee",
    "reserve_hold": "reserve_hold",
    "reserve_release": "reserve_release",
    "reserve_transaction": "adjustment",
    "payout_cancel": "adjustment",
    "payout_failure": "adjustment",
    "payment_failure_refund": "adjustment",
}
FEE_TYPE_MAP = {**FEE_MAP, "payment_refund": "refund_fee"}
SKIPPED = {"payout"}
assert set(TYPE_MAP.values()) <= set(CATEGORIES)

_KEYS = re.compile(
    rb'"object"\s*:\s*"(list|balance_transaction|payout)"|"balance_transactions"\s*:'
)
_TXN = re.compile(
    rb'"object"\s*:\s*"balance_transaction"|"reporting_category"|"balance_transactions"'
)


def exponent_of(currency):
    """Decimal places of the currency's minor unit.

    >>> exponent_of("JPY"), exponent_of("eur"), exponent_of("kwd")
    (0, 2, 3)
    """
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def sniff(head, filename=""):
    """A JSON object of Stripe balance transactions, or a payout with them.

    >>> sniff(b'{"object": "list", "data": [{"id": "txn_1", "object": '
    ...       b'"balance_transaction"}]}')
    True
    >>> sniff(b'{"transactions": []}')
    False
    >>> sniff(b'{"object": "list", "data": [{"id": "po_1", "object": "payout"}]}')
    False
    """
    text = json_head(head)
    return (
        text.startswith(b"{") and bool(_KEYS.search(text)) and bool(_TXN.search(text))
    )


class _Reader(JsonReader):
    def minor(self, item, key, line, path, currency, required=True):
        value = item.get(key)
        if value is None and not required:
            return None
        try:
            return from_minor_units(value, exponent_of(currency))
        except InvalidAmount as err:
            raise self.error(
                "invalid amount (integer minor units expected)",
                line,
                f"{path}.{key}",
                short(value),
            ) from err

    def timestamp(self, item, key, line, path):
        value = item.get(key)
        if value is None:
            return None
        try:
            return from_timestamp(value)
        except (InvalidDate, OverflowError, OSError, ValueError) as err:
            raise self.error(
                "invalid Unix timestamp", line, f"{path}.{key}", short(value)
            ) from err

    def payout(self, item):
        item = self.obj(item, 1, "payout")
        currency = self.currency(item, "currency", 1, "payout")
        return PayoutInfo(
            ref=self.ref(item, "id", 1, "payout"),
            currency=currency,
            amount_declared=self.minor(item, "amount", 1, "payout", currency),
            date_deposit=self.timestamp(item, "arrival_date", 1, "payout"),
            status=self.text(item, "status"),
            line_no=1,
        )

    def transaction(self, item, line, path, payout_ref, combined):
        """Yield the records of one balance transaction."""
        item = self.obj(item, line, path)
        if item.get("object", "balance_transaction") != "balance_transaction":
            raise self.error(
                "not a balance transaction",
                line,
                f"{path}.object",
                short(item.get("object")),
            )
        txn = self.ref(item, "id", line, path)
        currency = self.currency(item, "currency", line, path)
        amount = self.minor(item, "amount", line, path, currency)
        fee = self.minor(item, "fee", line, path, currency, required=False) or 0
        net = self.minor(item, "net", line, path, currency, required=False)
        if net is not None and net != amount - fee:
            raise self.error(
                f"net is not amount - fee ({amount} - {fee})",
                line,
                f"{path}.net",
                str(item.get("net")),
            )
        posted_at = self.timestamp(item, "created", line, path)
        raw_type = self.text(item, "reporting_category") or self.text(item, "type")
        kind = raw_type.strip().lower()
        if kind in SKIPPED or self.text(item, "type").lower() in SKIPPED:
            source = item.get("source")
            if not combined and isinstance(source, str) and source:
                yield PayoutInfo(
                    ref=source,
                    currency=currency,
                    amount_declared=-(amount - fee),
                    line_no=line,
                )
            return
        common = {
            "currency": currency,
            "raw_type": raw_type,
            "line_no": line,
            "payout_ref": payout_ref,
            "posted_at": posted_at,
            "description": self.text(item, "description"),
        }
        yield from gross_and_fee_lines(
            external_key("stripe", txn),
            amount,
            fee,
            TYPE_MAP.get(kind, "unknown"),
            FEE_TYPE_MAP.get(kind, "payment_fee"),
            common,
        )

    def listing(self, value, path):
        """The items of a Stripe list object (``{"data": [...]}``) or a list."""
        if isinstance(value, dict):
            path = f"{path}.data" if path else "data"
            return self.items(value.get("data"), 1, path), path
        return self.items(value, 1, path), path


def parse(stream, filename="", options=None):
    """Yield the payout (when given) and one ``Line`` per money component."""
    reader = _Reader(filename)
    data = load_json(stream, filename)
    if not isinstance(data, dict):
        raise reader.error("not a Stripe JSON object", 1)
    payout_ref = (options or {}).get("payout_ref", "")
    combined = "payout" in data
    if combined:
        info = reader.payout(data["payout"])
        payout_ref = info.ref
        yield info
        items, path = reader.listing(
            data.get("balance_transactions"), "balance_transactions"
        )
    elif data.get("object") == "list":
        items, path = reader.listing(data, "")
    else:
        raise reader.error(
            "not a Stripe balance transaction list nor a payout "
            "(no 'object': 'list', no 'payout' key)",
            1,
        )
    for i, item in enumerate(items):
        yield from reader.transaction(item, i + 1, f"{path}[{i}]", payout_ref, combined)
