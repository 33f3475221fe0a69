"""Mirakl seller transaction lines, TL02 ``GET /api/sellerpayment/transactions_logs``.

Accepted shapes: the TL02 page ``{"data": [...], "next_page_token": ...}``, a TL05
chunk (a bare JSON list of lines) and the legacy TL01 flattened lines
(``transaction_type``, ``order_id``, ``order_line_id``, ``offer_sku``,
``payment_voucher_number``, ``transaction_date``, ``transaction_number``).

Money: ``amount = amount_credited - amount_debited`` (both ``>= 0``); when ``amount``
is given too it must agree, else ``ParseError``. Each line gives one ``Line``
(``line_no`` = 1-based index in ``data``, key ``mirakl:<id>``), except:

- **PAYMENT is the payout, not a transaction of it**: it gives a ``PayoutInfo`` and
  no ``Line``. Its ref is the line's ``accounting_document_number`` (TL01:
  ``payment_voucher_number``), else its transaction number
  (``entities.transaction_info.number`` / ``transaction_number``), else its ``id``;
  ``amount_declared = -amount`` (the PAYMENT debits the balance back to 0),
  ``date_deposit`` = its date. The PAYMENT may come before or after its lines.
- The other lines get ``payout_ref`` = their ``accounting_document_number`` (TL01:
  ``payment_voucher_number``), ``""`` while not invoiced/paid yet: the same ref as
  their PAYMENT. A negative cycle has no PAYMENT: its lines still name their
  accounting document, a payout without declared total.

``order_ref`` = ``entities.order.id`` (the Mirakl order id ``<commercial id>-A``, as
OR11 order imports use), ``order_line_ref`` = ``entities.order_line.id``, ``sku`` =
``offer_sku`` when present. ``COMMISSION_VAT`` (VAT the operator invoices on its
commission) is a cost line of the commission: the deductible input VAT is split at
posting, not here.
"""

import re
from decimal import Decimal

from ..categories import CATEGORIES
from ..keys import external_key
from ..records import Line, PayoutInfo
from ._common import JsonReader, json_head, load_json, short

FORMAT = "mirakl_tl02_json"
PLATFORM = "mirakl"
LABEL = "Mirakl transaction lines TL02 (API JSON)"

# Every documented TL02 type (SDK ``TransactionType``) -> category. Variants of the
# same families (e.g. a new ``REFUND_ORDER_…``) are categorized by PREFIX_MAP; any
# other type is ``unknown``. PAYMENT is the payout itself (no line).
TYPE_MAP = {
    "ORDER_AMOUNT": "sale",
    "ORDER_AMOUNT_TAX": "tax",
    "ORDER_SHIPPING_AMOUNT": "shipping",
    "ORDER_SHIPPING_AMOUNT_TAX": "tax",
    "COMMISSION_FEE": "commission",
    "COMMISSION_VAT": "commission",
    "REFUND_ORDER_AMOUNT": "refund",
    "REFUND_ORDER_AMOUNT_TAX": "refund",
    "REFUND_ORDER_SHIPPING_AMOUNT": "refund",
    "REFUND_ORDER_SHIPPING_AMOUNT_TAX": "refund",
    "REFUND_COMMISSION_FEE": "refund_fee",
    "REFUND_COMMISSION_VAT": "refund_fee",
    "SUBSCRIPTION_FEE": "subscription",
    "SUBSCRIPTION_VAT": "subscription",
    "MANUAL_CREDIT": "reimbursement",
    "MANUAL_CREDIT_VAT": "reimbursement",
    "MANUAL_INVOICE": "other_fee",
    "MANUAL_INVOICE_VAT": "other_fee",
    "OPERATOR_REMITTED_ORDER_AMOUNT_TAX": "tax_withheld",
    "OPERATOR_REMITTED_ORDER_SHIPPING_AMOUNT_TAX": "tax_withheld",
    "OPERATOR_REMITTED_REFUND_ORDER_AMOUNT_TAX": "tax_withheld",
    "OPERATOR_REMITTED_REFUND_ORDER_SHIPPING_AMOUNT_TAX": "tax_withheld",
    "PURCHASE_COMMISSION_FEE": "commission",
    "PURCHASE_SHIPPING_COMMISSION_FEE": "commission",
    "PURCHASE_ORDER_AMOUNT_TAX": "tax",
    "PURCHASE_ORDER_SHIPPING_AMOUNT_TAX": "tax",
    "REFUND_PURCHASE_COMMISSION_FEE": "refund_fee",
    "REFUND_PURCHASE_SHIPPING_COMMISSION_FEE": "refund_fee",
    "REFUND_PURCHASE_ORDER_AMOUNT_TAX": "tax",
    "REFUND_PURCHASE_ORDER_SHIPPING_AMOUNT_TAX": "tax",
    "SELLER_RESERVE_FUND": "reserve_hold",
    "SELLER_RESERVE_SETTLEMENT": "reserve_release",
}
# Families, longest prefix first; for types TYPE_MAP does not list.
PREFIX_MAP = (
    ("OPERATOR_REMITTED_", "tax_withheld"),
    ("REFUND_PURCHASE_", "refund_fee"),
    ("REFUND_COMMISSION_", "refund_fee"),
    ("REFUND_ORDER_", "refund"),
    ("PURCHASE_", "commission"),
    ("SUBSCRIPTION_", "subscription"),
    ("MANUAL_CREDIT", "reimbursement"),
    ("MANUAL_INVOICE", "other_fee"),
)
PAYMENT = "PAYMENT"
assert set(TYPE_MAP.values()) | {c for _, c in PREFIX_MAP} <= set(CATEGORIES)

_DATA = re.compile(rb'^\[|^\{.*?"data"\s*:\s*\[', re.DOTALL)
_MIRAKL = re.compile(
    rb'"(amount_credited|amount_debited|accounting_document_number'
    rb'|currency_iso_code|payment_state|transaction_type)"'
)


def category_of(ttype):
    """The category of a Mirakl transaction type (``PAYMENT`` excluded).

    >>> category_of("ORDER_AMOUNT"), category_of("COMMISSION_VAT")
    ('sale', 'commission')
    >>> category_of("REFUND_ORDER_AMOUNT_ECO_TAX"), category_of("MYSTERY")
    ('refund', 'unknown')
    """
    ttype = ttype.strip().upper()
    if ttype in TYPE_MAP:
        return TYPE_MAP[ttype]
    for prefix, category in PREFIX_MAP:
        if ttype.startswith(prefix):
            return category
    return "unknown"


def sniff(head, filename=""):
    """A TL02 page (``{"data": [...]}``) or a list of Mirakl transaction lines.

    >>> sniff(b'{"data": [{"id": "1", "type": "ORDER_AMOUNT", "amount_credited": 1}]}')
    True
    >>> sniff(b'{"object": "list", "data": [{"id": "txn_1"}]}')
    False
    >>> sniff(b'{"next_page_token": null, "data": [{"amount_debited": 1}]}')
    True
    """
    text = json_head(head)
    return bool(_DATA.match(text)) and bool(_MIRAKL.search(text))


def _or_zero(value):
    return Decimal(0) if value is None else value


class _Reader(JsonReader):
    def sub(self, item, *keys):
        """``item[k1][k2]…`` or ``None``; a non-object on the way is an error."""
        value = item
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def sub_ref(self, item, line, path, *keys):
        value = self.sub(item, *keys)
        if value is None or value == "":
            return ""
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.error(
                "invalid id", line, f"{path}.{'.'.join(keys)}", short(value)
            )
        return str(value)

    def money(self, item, line, path):
        """``amount_credited - amount_debited``, checked against ``amount``."""
        credited = self.amount(item, "amount_credited", line, path, required=False)
        debited = self.amount(item, "amount_debited", line, path, required=False)
        amount = self.amount(item, "amount", line, path, required=False)
        for key, value in (("amount_credited", credited), ("amount_debited", debited)):
            if value is not None and value < 0:
                raise self.error(
                    "negative amount", line, f"{path}.{key}", short(item[key])
                )
        if credited is None and debited is None:
            if amount is None:
                raise self.error(
                    "missing 'amount' (and 'amount_credited'/'amount_debited')",
                    line,
                    f"{path}.amount",
                )
            return amount
        computed = _or_zero(credited) - _or_zero(debited)
        if amount is not None and amount != computed:
            raise self.error(
                f"amount is not amount_credited - amount_debited ({computed})",
                line,
                f"{path}.amount",
                short(item["amount"]),
            )
        return computed

    def payout_ref(self, item, line, path):
        return self.ref(
            item, "accounting_document_number", line, path, required=False
        ) or self.ref(item, "payment_voucher_number", line, path, required=False)

    def line(self, item, line, path):
        """Yield the ``PayoutInfo`` or the ``Line`` of one transaction line."""
        item = self.obj(item, line, path)
        line_id = self.ref(item, "id", line, path)
        type_key = "type" if "type" in item else "transaction_type"
        raw_type = self.ref(item, type_key, line, path)
        currency = self.currency(item, "currency_iso_code", line, path)
        amount = self.money(item, line, path)
        posted_at = self.date(item, "transaction_date", line, path) or self.date(
            item, "date_created", line, path
        )
        payout_ref = self.payout_ref(item, line, path)
        if raw_type.strip().upper() == PAYMENT:
            number = self.sub_ref(
                item, line, path, "entities", "transaction_info", "number"
            ) or self.ref(item, "transaction_number", line, path, required=False)
            yield PayoutInfo(
                ref=payout_ref or number or line_id,
                currency=currency,
                amount_declared=-amount,
                date_deposit=posted_at,
                status=self.text(item, "payment_state"),
                line_no=line,
            )
            return
        yield Line(
            external_key=external_key("mirakl", line_id),
            category=category_of(raw_type),
            amount=amount,
            currency=currency,
            raw_type=raw_type,
            line_no=line,
            payout_ref=payout_ref,
            posted_at=posted_at,
            order_ref=self.sub_ref(item, line, path, "entities", "order", "id")
            or self.ref(item, "order_id", line, path, required=False),
            order_line_ref=self.sub_ref(
                item, line, path, "entities", "order_line", "id"
            )
            or self.ref(item, "order_line_id", line, path, required=False),
            sku=self.text(item, "offer_sku")
            or self.sub_ref(item, line, path, "entities", "order_line", "offer_sku"),
            quantity=self.amount(item, "quantity", line, path, required=False)
            or Decimal(0),
            description=self.description(item, line, path),
        )

    def description(self, item, line, path):
        parts = []
        refund = self.sub_ref(item, line, path, "entities", "refund", "id") or (
            self.ref(item, "refund_id", line, path, required=False)
        )
        if refund:
            parts.append(f"refund {refund}")
        state = self.text(item, "payment_state")
        if state:
            parts.append(state)
        return ", ".join(parts)


def parse(stream, filename="", options=None):
    """Yield a ``PayoutInfo`` per PAYMENT line and a ``Line`` per other line."""
    reader = _Reader(filename)
    data = load_json(stream, filename)
    if isinstance(data, dict):
        if "data" not in data:
            raise reader.error("not a Mirakl TL02 page (no 'data' key)", 1, "data")
        items, path = reader.items(data["data"], 1, "data"), "data"
    else:
        items, path = reader.items(data, 1, ""), ""
    for i, item in enumerate(items):
        yield from reader.line(item, i + 1, f"{path}[{i}]")
