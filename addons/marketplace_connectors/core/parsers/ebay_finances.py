"""eBay Sell Finances API: ``GET /transaction`` and ``GET /payout`` pages (JSON).

Accepted shapes: ``{"transactions": [...]}``, ``{"payouts": [...]}``, both keys in one
object, or a single payout object (``GET /payout/{payout_Id}``). ``line_no`` is the
1-based index of the item in its list.

Amounts are unsigned; the sign comes from ``bookingEntry`` (``CREDIT`` +, ``DEBIT``
-). A ``SALE``'s ``amount`` is already net of eBay's fees, so a SALE gives a gross
``sale`` Line of ``signed amount + totalFeeAmount`` and one negative ``commission``
Line per ``orderLineItems[].marketplaceFees[]`` entry; the fees must add up to
``totalFeeAmount`` (``ParseError`` otherwise), so the transaction's Lines sum to its
signed amount. Other types give one Line (``TYPE_MAP``; ``NON_SALE_CHARGE`` is
``advertising`` when its ``feeType`` names an ad / promoted-listing fee). Keys:
``ebay:<transactionId>:<type>`` and ``ebay:<transactionId>:<type>:fee:<lineItemId>:<n>``
(the type keeps a refund apart from a sale that shares its id).

``payout_ref`` = ``payoutId``, except for ``FUNDS_ON_HOLD`` transactions (eBay's
reserve: ``""``, the description notes the hold). A payout gives
``PayoutInfo(payoutId, amount.value, payoutDate, payoutStatus)``. A converted amount
(``convertedFromValue``/``convertedFromCurrency``, ``exchangeRate``) is noted in the
description; the Line is in ``amount.currency``, the seller's currency.
"""

import re
from decimal import Decimal

from ..categories import CATEGORIES
from ..keys import external_key
from ..records import Line, PayoutInfo
from ._common import JsonReader, json_head, load_json, short

FORMAT = "ebay_finances_json"
PLATFORM = "ebay"
LABEL = "eBay Finances transactions / payouts (API JSON)"

# ``transactionType`` -> category of its (gross) Line; anything else is ``unknown``.
# SALE fees are ``commission`` Lines. NON_SALE_CHARGE: see ``category_of``.
TYPE_MAP = {
    "SALE": "sale",
    "REFUND": "refund",
    "DISPUTE": "dispute",
    "CREDIT": "reimbursement",
    "SHIPPING_LABEL": "shipping_fee",
    "NON_SALE_CHARGE": "other_fee",
    "TRANSFER": "adjustment",
    "ADJUSTMENT": "adjustment",
}
FEE_CATEGORY = "commission"
AD_FEE_CATEGORY = "advertising"
ON_HOLD = "FUNDS_ON_HOLD"
SIGNS = {"CREDIT": 1, "DEBIT": -1}
assert set(TYPE_MAP.values()) | {FEE_CATEGORY, AD_FEE_CATEGORY} <= set(CATEGORIES)

_KEY = re.compile(rb'"(transactions|payouts)"\s*:\s*\[|^\s*\{\s*"payoutId"')
_EBAY = re.compile(rb'"(transactionId|bookingEntry|payoutId|transactionType)"\s*:')


def category_of(ttype, fee_type=""):
    """The category of a transaction's main Line.

    >>> category_of("SALE"), category_of("NON_SALE_CHARGE", "AD_FEE")
    ('sale', 'advertising')
    >>> category_of("NON_SALE_CHARGE", "PROMOTED_LISTING_FEE")
    'advertising'
    >>> category_of("NON_SALE_CHARGE", "INSERTION_FEE"), category_of("LOAN_REPAYMENT")
    ('other_fee', 'unknown')
    """
    ttype = ttype.strip().upper()
    if ttype == "NON_SALE_CHARGE":
        words = re.split(r"[^A-Z]+", fee_type.upper())
        if "AD" in words or "ADS" in words or "PROMOTED" in fee_type.upper():
            return AD_FEE_CATEGORY
    return TYPE_MAP.get(ttype, "unknown")


def sniff(head, filename=""):
    """A JSON object of eBay Finances transactions and/or payouts.

    >>> sniff(b'{"transactions": [{"transactionId": "1", "bookingEntry": "CREDIT"}]}')
    True
    >>> sniff(b'{"transactions": [{"id": 1, "payout_status": "pending"}]}')
    False
    """
    text = json_head(head)
    return (
        text.startswith(b"{") and bool(_KEY.search(text)) and bool(_EBAY.search(text))
    )


class _Reader(JsonReader):
    def payout(self, item, line, path):
        item = self.obj(item, line, path)
        amount, currency = self.money_obj(item, "amount", line, path)
        return PayoutInfo(
            ref=self.ref(item, "payoutId", line, path),
            currency=currency,
            amount_declared=amount,
            date_deposit=self.date(item, "payoutDate", line, path),
            status=self.text(item, "payoutStatus"),
            line_no=line,
        )

    def sign(self, item, line, path):
        entry = self.text(item, "bookingEntry").strip().upper()
        if entry not in SIGNS:
            raise self.error(
                "bookingEntry is not CREDIT or DEBIT",
                line,
                f"{path}.bookingEntry",
                short(item.get("bookingEntry")),
            )
        return SIGNS[entry]

    def description(self, item, status):
        parts = []
        if status == ON_HOLD:
            parts.append(f"funds on hold (payout {item.get('payoutId') or 'none'})")
        amount = item.get("amount")
        if isinstance(amount, dict) and amount.get("convertedFromCurrency"):
            parts.append(
                f"converted from {amount.get('convertedFromValue')} "
                f"{amount.get('convertedFromCurrency')}"
                f" at {amount.get('exchangeRate')}"
            )
        for key in ("feeType", "transactionMemo"):
            if item.get(key):
                parts.append(str(item[key]))
        return "; ".join(parts)

    def fees(self, item, line, path, currency):
        """Yield ``(line item id, n, fee type, amount)`` of a SALE's fees."""
        items = item.get("orderLineItems") or []
        for i, order_line in enumerate(
            self.items(items, line, f"{path}.orderLineItems")
        ):
            where = f"{path}.orderLineItems[{i}]"
            order_line = self.obj(order_line, line, where)
            line_item = self.ref(order_line, "lineItemId", line, where, required=False)
            fees = order_line.get("marketplaceFees") or []
            for n, fee in enumerate(self.items(fees, line, f"{where}.marketplaceFees")):
                fee_path = f"{where}.marketplaceFees[{n}]"
                fee = self.obj(fee, line, fee_path)
                value, fee_currency = self.money_obj(fee, "amount", line, fee_path)
                if fee_currency != currency:
                    raise self.error(
                        f"fee currency differs from the transaction's ({currency})",
                        line,
                        f"{fee_path}.amount.currency",
                        fee_currency,
                    )
                yield line_item or str(i), n, self.text(fee, "feeType"), value

    def transaction(self, item, line, path):
        """Yield the Lines of one transaction."""
        item = self.obj(item, line, path)
        txn = self.ref(item, "transactionId", line, path)
        raw_type = self.text(item, "transactionType")
        amount, currency = self.money_obj(item, "amount", line, path)
        signed = self.sign(item, line, path) * amount
        status = self.text(item, "transactionStatus").strip().upper()
        common = {
            "currency": currency,
            "raw_type": raw_type,
            "line_no": line,
            "payout_ref": "" if status == ON_HOLD else self.text(item, "payoutId"),
            "posted_at": self.date(item, "transactionDate", line, path),
            "order_ref": self.text(item, "orderId"),
        }
        kind = raw_type.strip().upper()
        component = kind.lower() or "transaction"
        description = self.description(item, status)
        if kind != "SALE":
            yield Line(
                external_key=external_key("ebay", txn, component),
                category=category_of(kind, self.text(item, "feeType")),
                amount=signed,
                description=description,
                **common,
            )
            return
        fees = list(self.fees(item, line, path, currency))
        fee_total = sum((fee[3] for fee in fees), Decimal(0))
        declared, _ = self.money_obj(item, "totalFeeAmount", line, path, required=False)
        if declared is not None and declared != fee_total:
            raise self.error(
                f"totalFeeAmount is not the sum of the marketplace fees ({fee_total})",
                line,
                f"{path}.totalFeeAmount.value",
                short(item["totalFeeAmount"].get("value")),
            )
        yield Line(
            external_key=external_key("ebay", txn, component),
            category="sale",
            amount=signed + fee_total,
            description=description,
            **common,
        )
        for line_item, n, fee_type, value in fees:
            if value:
                yield Line(
                    external_key=external_key(
                        "ebay", txn, component, "fee", line_item, n
                    ),
                    category=FEE_CATEGORY,
                    amount=-value,
                    order_line_ref=line_item,
                    description=fee_type,
                    **common,
                )


def parse(stream, filename="", options=None):
    """Yield a ``PayoutInfo`` per payout and the ``Line`` records of transactions."""
    reader = _Reader(filename)
    data = reader.obj(load_json(stream, filename), 1, "")
    if "payoutId" in data and "transactions" not in data:
        yield reader.payout(data, 1, "")
        return
    if "transactions" not in data and "payouts" not in data:
        raise reader.error(
            "not an eBay Finances page (no 'transactions' or 'payouts' key)", 1
        )
    for i, item in enumerate(reader.items(data.get("payouts") or [], 1, "payouts")):
        yield reader.payout(item, i + 1, f"payouts[{i}]")
    items = reader.items(data.get("transactions") or [], 1, "transactions")
    for i, item in enumerate(items):
        yield from reader.transaction(item, i + 1, f"transactions[{i}]")
