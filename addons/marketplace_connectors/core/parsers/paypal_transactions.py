"""PayPal Transaction Search API, ``GET /v1/reporting/transactions`` (JSON).

``{"transaction_details": [{"transaction_info": {...}, ...}], ...}``; ``line_no`` is
the 1-based index in ``transaction_details``. Each ``transaction_info`` gives:

- one Line for ``transaction_amount.value`` (signed, seller's view), categorized by
  its T-code (``transaction_event_code``, see ``category_of``), key
  ``paypal:<transaction_id>:amount``;
- one ``payment_fee`` Line for ``fee_amount.value`` (signed, negative for a fee) when
  it is not zero, key ``paypal:<transaction_id>:fee``.

``T04xx`` (withdrawal to a bank account) is the payout: a
``PayoutInfo(ref=transaction_id, amount_declared=-value, date_deposit=date)`` and no
amount Line (a withdrawal fee still gives its fee Line). PayPal transactions carry
no payout id, so every Line has ``payout_ref=""``: they are matched to withdrawals
by date, not by reference.
"""

import re

from ..categories import CATEGORIES
from ..keys import external_key
from ..records import Line, PayoutInfo
from ._common import JsonReader, json_head, load_json, short

FORMAT = "paypal_transactions_json"
PLATFORM = "paypal"
LABEL = "PayPal transaction search (API JSON)"

# T-code -> category: exact codes first, then the ``Txx`` family (first three
# characters); anything else is ``unknown``. T04xx is the payout (no Line).
TYPE_MAP = {
    "T1105": "reserve_release",
    "T1503": "reserve_hold",
    "T00": "sale",
    "T01": "payment_fee",
    "T02": "fx",
    "T11": "refund",
}
PAYOUT_FAMILY = "T04"
FEE_CATEGORY = "payment_fee"
assert set(TYPE_MAP.values()) | {FEE_CATEGORY} <= set(CATEGORIES)

_PAYPAL = re.compile(rb'"transaction_details"\s*:\s*\[')
_CODE = re.compile(r"T\d{4}")
_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def category_of(code):
    """The category of a T-code.

    >>> category_of("T0006"), category_of("T1107"), category_of("T1105")
    ('sale', 'refund', 'reserve_release')
    >>> category_of("T1503"), category_of("T0200"), category_of("T9999")
    ('reserve_hold', 'fx', 'unknown')
    """
    code = code.strip().upper()
    if code in TYPE_MAP:
        return TYPE_MAP[code]
    if _CODE.fullmatch(code):
        return TYPE_MAP.get(code[:3], "unknown")
    return "unknown"


def sniff(head, filename=""):
    """A JSON object with a ``transaction_details`` list.

    >>> sniff(b'{"transaction_details": [{"transaction_info": {}}]}')
    True
    >>> sniff(b'{"transactions": []}')
    False
    """
    text = json_head(head)
    return text.startswith(b"{") and bool(_PAYPAL.search(text))


class _Reader(JsonReader):
    currency_key = "currency_code"

    def date(self, item, key, line, path):
        """PayPal writes ``2024-05-02T10:11:12+0000``: add the offset's colon, which
        Python 3.10's ``fromisoformat`` needs."""
        value = item.get(key)
        if isinstance(value, str):
            item = {key: _OFFSET.sub(r"\1:\2", value.strip())}
        return super().date(item, key, line, path)

    def transaction(self, detail, line, path):
        """Yield the records of one ``transaction_details`` item."""
        detail = self.obj(detail, line, path)
        path = f"{path}.transaction_info"
        info = self.obj(detail.get("transaction_info"), line, path)
        txn = self.ref(info, "transaction_id", line, path)
        code = self.text(info, "transaction_event_code").strip().upper()
        amount, currency = self.money_obj(info, "transaction_amount", line, path)
        fee, fee_currency = self.money_obj(
            info, "fee_amount", line, path, required=False, default_currency=currency
        )
        posted_at = self.date(
            info, "transaction_initiation_date", line, path
        ) or self.date(info, "transaction_updated_date", line, path)
        status = self.text(info, "transaction_status")
        common = {
            "raw_type": code,
            "line_no": line,
            "posted_at": posted_at,
            "description": self.description(info, status),
        }
        if code.startswith(PAYOUT_FAMILY):
            yield PayoutInfo(
                ref=txn,
                currency=currency,
                amount_declared=-amount,
                date_deposit=posted_at,
                status=status,
                line_no=line,
            )
        else:
            yield Line(
                external_key=external_key("paypal", txn, "amount"),
                category=category_of(code),
                amount=amount,
                currency=currency,
                order_ref=self.text(info, "invoice_id"),
                **common,
            )
        if fee:
            yield Line(
                external_key=external_key("paypal", txn, "fee"),
                category=FEE_CATEGORY,
                amount=fee,
                currency=fee_currency,
                order_ref=self.text(info, "invoice_id"),
                **common,
            )

    def description(self, info, status):
        parts = [f"status {status}"] if status else []
        for key in ("paypal_reference_id", "custom_field", "transaction_subject"):
            if info.get(key):
                parts.append(f"{key} {short(str(info[key]))}")
        return "; ".join(parts)


def parse(stream, filename="", options=None):
    """Yield a ``PayoutInfo`` per withdrawal and the ``Line`` records of the others."""
    reader = _Reader(filename)
    data = reader.obj(load_json(stream, filename), 1, "")
    if "transaction_details" not in data:
        raise reader.error(
            "not a PayPal transaction search page (no 'transaction_details' key)",
            1,
            "transaction_details",
        )
    items = reader.items(data["transaction_details"], 1, "transaction_details")
    for i, detail in enumerate(items):
        yield from reader.transaction(detail, i + 1, f"transaction_details[{i}]")
