"""Shopify Payments payouts and balance transactions (REST Admin API JSON).

Accepted shapes (one JSON object per file):

- ``{"payouts": [...]}``: ``GET shopify_payments/payouts.json``, one ``PayoutInfo``
  per payout (``amount`` is the net paid to the bank, negative for a debit);
- ``{"transactions": [...]}``: ``GET shopify_payments/balance/transactions.json``;
- combined ``{"payout": {...}, "transactions": [...]}`` or
  ``{"payouts": [...], "transactions": [...]}``.

Each balance transaction gives one ``Line`` for its gross ``amount`` and, when its
``fee`` is not zero, one ``Line`` for ``-fee`` (a positive fee is a cost), so that the
lines of a payout add up to its ``amount``. The ``payout`` row (``-payout.amount``) is
the payout itself: it gives a ``PayoutInfo``, no line. Test transactions are kept as
``unknown`` lines described "test transaction". A transaction whose ``payout_id`` is
``null`` is pending: its lines have no payout. ``line_no`` is the 1-based index of the
item in its list; error columns are JSON paths such as ``transactions[2].amount``.
"""

import re
from decimal import Decimal

from ..categories import CATEGORIES
from ..exceptions import InvalidAmount
from ..keys import external_key
from ..money import parse_amount
from ..records import PayoutInfo
from ._common import JsonReader, gross_and_fee_lines, json_head, load_json

FORMAT = "shopify_payments_json"
PLATFORM = "shopify"
LABEL = "Shopify Payments payouts / balance transactions (JSON)"

ZERO = Decimal(0)

# Balance transaction ``type`` -> category of its gross amount. ``reserve`` is
# ``reserve_hold`` when its amount is negative, ``reserve_release`` otherwise; the
# ``payout`` row is the payout itself (see SKIPPED_TYPES); any other type is
# ``unknown``, and a test transaction (``"test": true``) is always ``unknown``.
TYPE_MAP = {
    "charge": "sale",
    "refund": "refund",
    "dispute": "dispute",
    "reserve": "reserve_hold",
    "adjustment": "adjustment",
    "credit": "adjustment",
    "debit": "adjustment",
    "payout_failure": "adjustment",
    "payout_cancellation": "adjustment",
}
# Category of the ``-fee`` line, by type (default ``payment_fee``).
FEE_MAP = {"dispute": "dispute_fee", "refund": "refund_fee"}
SKIPPED_TYPES = {"payout"}
assert set(TYPE_MAP.values()) | set(FEE_MAP.values()) <= set(CATEGORIES)

_KEY = re.compile(rb'[{,]\s*"(payouts?|transactions)"\s*:\s*[\[{]')
# Shopify's own item keys (eBay uses the same top-level keys with camelCase items
# and ``"amount": {"value": ...}``; Shopify writes amounts as strings).
_SHOPIFY = re.compile(
    rb'"(payout_status|source_order_id|source_type|processed_at|charges_gross_amount)"'
    rb'|"amount"\s*:\s*"'
)
_STRIPE = re.compile(
    rb'"object"\s*:\s*"(list|balance_transaction|payout)"|"balance_transactions"'
)


def category_of(ttype, amount, test=False):
    """The category of a transaction's gross line.

    >>> category_of("charge", Decimal("10"))
    'sale'
    >>> category_of("reserve", Decimal("-5")), category_of("reserve", Decimal("5"))
    ('reserve_hold', 'reserve_release')
    >>> category_of("charge", Decimal("10"), test=True)
    'unknown'
    >>> category_of("shop_cash_credit", Decimal("1"))
    'unknown'
    """
    if test:
        return "unknown"
    if ttype == "reserve":
        return "reserve_hold" if amount < 0 else "reserve_release"
    return TYPE_MAP.get(ttype, "unknown")


def fee_category_of(ttype, test=False):
    """The category of a transaction's fee line.

    >>> fee_category_of("dispute"), fee_category_of("charge")
    ('dispute_fee', 'payment_fee')
    """
    return "unknown" if test else FEE_MAP.get(ttype, "payment_fee")


def summary_difference(payout):
    """``amount - (Σ *_gross_amount - Σ *_fee_amount)`` of a payout's ``summary``.

    Zero when the summary explains the payout; ``None`` when the payout has no
    (readable) summary. The parser does not refuse a payout whose summary disagrees:
    its lines, not the summary, are checked against ``amount`` downstream.

    >>> summary_difference({"amount": "41.90", "summary": {
    ...     "charges_gross_amount": "44.52", "charges_fee_amount": "1.32",
    ...     "refunds_gross_amount": "-3.54", "refunds_fee_amount": "-0.23",
    ...     "adjustments_gross_amount": "2.13", "adjustments_fee_amount": "0.12"}})
    Decimal('0.00')
    >>> summary_difference({"amount": "43.12", "summary": {
    ...     "charges_gross_amount": "45.52", "charges_fee_amount": "1.32",
    ...     "refunds_gross_amount": "-3.54", "refunds_fee_amount": "-0.23",
    ...     "adjustments_gross_amount": "2.13", "adjustments_fee_amount": "0.12"}})
    Decimal('0.22')
    >>> summary_difference({"amount": "1.00"}) is None
    True
    """
    summary = payout.get("summary") if isinstance(payout, dict) else None
    if not isinstance(summary, dict) or not summary:
        return None
    try:
        total = _decimal(payout.get("amount"))
        for key, value in summary.items():
            if key.endswith("_gross_amount"):
                total -= _decimal(value)
            elif key.endswith("_fee_amount"):
                total += _decimal(value)
    except InvalidAmount:
        return None
    return total


def _decimal(value):
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidAmount(value)
    return parse_amount(value, ".") if isinstance(value, str) else Decimal(value)


def sniff(head, filename=""):
    """A JSON object with a ``payouts``, ``payout`` or ``transactions`` key.

    >>> sniff(b'{"transactions": [{"id": 1, "payout_status": "pending"}]}')
    True
    >>> sniff(b'{"payouts": [{"payoutId": "6", "amount": {"value": "1.00"}}]}')
    False
    >>> sniff(b'{"payout": {"id": "po_1"}, "balance_transactions": {"object": "list"}}')
    False
    """
    text = json_head(head)
    if not text.startswith(b"{"):
        return False
    return (
        bool(_KEY.search(text))
        and bool(_SHOPIFY.search(text))
        and not _STRIPE.search(text)
    )


class _Reader(JsonReader):
    def __init__(self, filename):
        super().__init__(filename)
        self.currencies = {}

    def payout(self, item, line, path):
        item = self.obj(item, line, path)
        ref = self.ref(item, "id", line, path)
        info = PayoutInfo(
            ref=ref,
            currency=self.currency(item, "currency", line, path),
            amount_declared=self.amount(item, "amount", line, path),
            date_deposit=self.date(item, "date", line, path),
            status=self.text(item, "status"),
            line_no=line,
        )
        self.currencies[ref] = info.currency
        return info

    def transaction(self, item, line, path, default_ref):
        """Yield the records of one balance transaction."""
        item = self.obj(item, line, path)
        txn_id = self.ref(item, "id", line, path)
        ttype = self.text(item, "type").strip().lower()
        if "payout_id" in item:
            payout_ref = self.ref(item, "payout_id", line, path, required=False)
        else:
            payout_ref = default_ref
        currency = self.currency(
            item, "currency", line, path, self.currencies.get(payout_ref, "")
        )
        amount = self.amount(item, "amount", line, path)
        fee = self.amount(item, "fee", line, path, required=False) or ZERO
        net = self.amount(item, "net", line, path, required=False)
        if net is not None and net != amount - fee:
            raise self.error(
                f"net is not amount - fee ({amount} - {fee})",
                line,
                f"{path}.net",
                str(net),
            )
        posted_at = self.date(item, "processed_at", line, path)
        if ttype in SKIPPED_TYPES:
            ref = payout_ref or self.ref(item, "source_id", line, path, False)
            if ref:
                yield PayoutInfo(
                    ref=ref,
                    currency=currency,
                    amount_declared=-(amount - fee),
                    status=self.text(item, "payout_status"),
                    line_no=line,
                )
            return
        test = item.get("test") is True
        common = {
            "currency": currency,
            "raw_type": ttype,
            "line_no": line,
            "payout_ref": payout_ref,
            "posted_at": posted_at,
            "order_ref": self.ref(item, "source_order_id", line, path, False),
            "description": "test transaction"
            if test
            else self.text(item, "adjustment_reason"),
        }
        yield from gross_and_fee_lines(
            external_key("shopify", "txn", txn_id),
            amount,
            fee,
            category_of(ttype, amount, test),
            fee_category_of(ttype, test),
            common,
        )


def parse(stream, filename="", options=None):
    """Yield ``PayoutInfo`` per payout and ``Line`` per money component."""
    reader = _Reader(filename)
    data = load_json(stream, filename)
    if not isinstance(data, dict) or not {"payout", "payouts", "transactions"} & set(
        data
    ):
        raise reader.error(
            "not a Shopify Payments file (no 'payouts', 'payout' or "
            "'transactions' key)",
            1,
        )
    refs = []
    if "payout" in data:
        info = reader.payout(data["payout"], 1, "payout")
        refs.append(info.ref)
        yield info
    if "payouts" in data:
        for i, item in enumerate(reader.items(data["payouts"], 1, "payouts")):
            info = reader.payout(item, i + 1, f"payouts[{i}]")
            refs.append(info.ref)
            yield info
    default_ref = refs[0] if len(refs) == 1 else ""
    if "transactions" in data:
        items = reader.items(data["transactions"], 1, "transactions")
        for i, item in enumerate(items):
            yield from reader.transaction(
                item, i + 1, f"transactions[{i}]", default_ref
            )
