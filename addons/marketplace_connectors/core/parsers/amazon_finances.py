"""Amazon SP-API Finances v0: the financial events of one event group (JSON).

The Amazon client's ``open_events`` stream writes one file per *Open* financial event
group: ``{"FinancialEventGroup": {...}, "FinancialEvents": {<list>: [...]}}``. The raw
API answer ``{"payload": {"FinancialEvents": {...}}}`` is read too (no payout then).
Money is ``{"CurrencyCode": "EUR", "CurrencyAmount": -8.97}``, signed from the seller's
view; JSON numbers are read as ``Decimal``, never as floats.

Each money item gives one ``Line``, never aggregated, never dropped:

- ShipmentEvent lists (``SHIPMENT_LISTS``: ``ShipmentEventList`` is the V2
  ``Order``, ``RefundEventList`` the V2 ``Refund``...): each charge, fee, promotion and
  withheld tax of the event and of its items is categorized as the same row of the V2
  flat file (``amazon_settlement.category_of``): ``ItemChargeList`` is ``ItemPrice``,
  ``ItemFeeList`` ``ItemFees``, ``PromotionList`` ``Promotion``,
  ``ItemTaxWithheldList`` ``ItemWithheldTax`` (``COMPONENTS``; the ``...Adjustment``
  lists of refunds alike; ChargeType ``ShippingCharge`` is the V2 ``Shipping``). Any
  other money in such an event is ``unknown``.
- Other lists: an event's amount is ``AMOUNT_KEYS[list]`` when listed (e.g.
  ``ProductAdsPaymentEventList``: ``transactionValue``, which is base + tax), else its
  top-level money whose key names a total (``TotalAmount``...), else every money object
  in it (``ServiceFeeEventList``: each fee of ``FeeList``). The category comes from
  ``TYPE_MAP`` by (list, type): ServiceFee ``FeeType``, ProductAds, ``AdjustmentType``;
  anything else is ``unknown``, with raw type ``<list>/<type or money key>``.

``line_no`` is the 1-based index of the event in its list; errors name it and a JSON
path (``ShipmentEventList[3].ShipmentItemList[0].ItemFeeList[1].FeeAmount``). The group
gives ``PayoutInfo("FEG-<id>", status="Open", amount_declared=None)``: provisional, the
settlement report carries the final lines. Keys are ``amzfin:<groupId>:<hash>:<n>``:
the hash of the item's content (list, the scalar fields of the event, item and
component, JSON path without indexes, amount, currency), ``n`` counting identical
items, so that a re-read of the growing group gives the same keys.
"""

import re
from dataclasses import replace
from decimal import Decimal

from ..categories import CATEGORIES
from ..keys import content_key
from ..records import Line, PayoutInfo
from ._common import JsonReader, json_head, load_json, short
from .amazon_settlement import category_of as v2_category_of

FORMAT = "amazon_finances_json"
PLATFORM = "amazon"
LABEL = "Amazon open financial events (SP-API Finances JSON)"
# Written by the API sync (one open group per file): chosen by its format code only.
EXPLICIT_ONLY = True

ZERO = Decimal(0)

# ShipmentEvent-shaped lists -> the V2 transaction-type of their rows.
SHIPMENT_LISTS = {
    "ShipmentEventList": "Order",
    "RefundEventList": "Refund",
    "GuaranteeClaimEventList": "A-to-z Guarantee Refund",
    "ChargebackEventList": "Chargeback Refund",
    "ShipmentSettleEventList": "ShipmentSettle",
}
# Component lists of a ShipmentEvent or ShipmentItem: (V2 amount-type, type key, money).
_CHARGE = ("ItemPrice", "ChargeType", "ChargeAmount")
_FEE = ("ItemFees", "FeeType", "FeeAmount")
_PROMOTION = ("Promotion", "PromotionType", "PromotionAmount")
COMPONENTS = {
    "OrderChargeList": _CHARGE,
    "OrderChargeAdjustmentList": _CHARGE,
    "ItemChargeList": _CHARGE,
    "ItemChargeAdjustmentList": _CHARGE,
    "ShipmentFeeList": _FEE,
    "ShipmentFeeAdjustmentList": _FEE,
    "OrderFeeList": _FEE,
    "OrderFeeAdjustmentList": _FEE,
    "ItemFeeList": _FEE,
    "ItemFeeAdjustmentList": _FEE,
    "PromotionList": _PROMOTION,
    "PromotionAdjustmentList": _PROMOTION,
    "DirectPaymentList": ("DirectPayment", "DirectPaymentType", "DirectPaymentAmount"),
}
ITEM_LISTS = ("ShipmentItemList", "ShipmentItemAdjustmentList")
# [{"TaxCollectionModel": ..., "TaxesWithheld": [ChargeComponent]}]
WITHHELD_LISTS = ("ItemTaxWithheldList",)
# Finances ChargeType -> V2 amount-description, where they differ.
CHARGE_ALIASES = {"shippingcharge": "Shipping"}

# Other lists: the money keys of an event that are its amount (the rest is detail).
AMOUNT_KEYS = {
    "ProductAdsPaymentEventList": ("transactionValue",),
    "AdjustmentEventList": ("AdjustmentAmount",),
    "TaxWithholdingEventList": ("WithheldAmount",),
    "DebtRecoveryEventList": ("RecoveryAmount",),
    "SAFETReimbursementEventList": ("ReimbursedAmount",),
}
# Other lists: the event key giving the type (else the component's FeeType...).
TYPE_KEYS = {
    "ProductAdsPaymentEventList": "transactionType",
    "AdjustmentEventList": "AdjustmentType",
}
COMPONENT_TYPE_KEYS = ("FeeType", "ChargeType", "PromotionType", "DirectPaymentType")
DATE_KEYS = ("PostedDate", "postedDate", "TransactionPostedDate")

_SF, _ADJ = "ServiceFeeEventList", "AdjustmentEventList"
_REIMBURSEMENT = "reimbursement"
# (list, type lower case) -> category; "*": any type. A type is also looked up by its
# part before "_" (``PostageBilling_Postage``). Other lists: ``unknown``.
TYPE_MAP = {
    (_SF, "subscription"): "subscription",
    (_SF, "fbastoragefee"): "storage_fee",
    (_SF, "fbalongtermstoragefee"): "storage_fee",
    (_SF, "fbainboundtransportationfee"): "fulfillment_fee",
    (_SF, "fbadisposalfee"): "fulfillment_fee",
    (_SF, "fbaremovalfee"): "fulfillment_fee",
    (_SF, "*"): "other_fee",
    ("ProductAdsPaymentEventList", "*"): "advertising",
    (_ADJ, "fbainventoryreimbursement"): _REIMBURSEMENT,
    (_ADJ, "warehouse_damage"): _REIMBURSEMENT,
    (_ADJ, "warehouse_lost"): _REIMBURSEMENT,
    (_ADJ, "missing_from_inbound"): _REIMBURSEMENT,
    (_ADJ, "reversal_reimbursement"): _REIMBURSEMENT,
    (_ADJ, "lostordamagedreimbursement"): _REIMBURSEMENT,
    (_ADJ, "canceledbutpickedupreimbursement"): _REIMBURSEMENT,
    (_ADJ, "reimbursementclawback"): _REIMBURSEMENT,
    (_ADJ, "postagebilling"): "shipping_fee",
    (_ADJ, "postagerefund"): "shipping_fee",
    (_ADJ, "sellerrewards"): "adjustment",
    # ReserveEvent: reserve_hold when negative, reserve_release when positive.
    (_ADJ, "reserveevent"): "reserve_hold",
}
assert set(TYPE_MAP.values()) | {"reserve_release"} <= set(CATEGORIES)

_KEYS = re.compile(rb'"(FinancialEvents|FinancialEventGroup)"\s*:')
_INDEX = re.compile(r"\[\d+\]")


def category_of(list_name, type_text="", amount=ZERO):
    """The category of a money item of a list that is not ShipmentEvent-shaped.

    >>> category_of("ServiceFeeEventList", "Subscription")
    'subscription'
    >>> category_of("ServiceFeeEventList", "BrandNewFee")
    'other_fee'
    >>> category_of("AdjustmentEventList", "PostageBilling_Postage")
    'shipping_fee'
    >>> category_of("AdjustmentEventList", "ReserveEvent", Decimal("5"))
    'reserve_release'
    >>> category_of("AdjustmentEventList", "Mystery"), category_of("LoanList", "x")
    ('unknown', 'unknown')
    """
    kind = type_text.strip().lower()
    if list_name == _ADJ and kind == "reserveevent" and amount > 0:
        return "reserve_release"
    for key in ((list_name, kind), (list_name, kind.split("_")[0]), (list_name, "*")):
        if key in TYPE_MAP:
            return TYPE_MAP[key]
    return "unknown"


def sniff(head, filename=""):
    """A JSON object holding ``FinancialEvents`` or a ``FinancialEventGroup``.

    >>> sniff(b'{"FinancialEventGroup": {}, "FinancialEvents": {}}')
    True
    >>> sniff(b'{"payload": {"FinancialEvents": {"ShipmentEventList": []}}}')
    True
    >>> sniff(b'{"transactions": []}'), sniff(b"[1]"), sniff(None)
    (False, False, False)
    """
    text = json_head(head)
    return text.startswith(b"{") and bool(_KEYS.search(text))


def _scalars(item):
    """``key=value`` of the scalar fields of a JSON object, sorted by key."""
    return [
        f"{key}={value}"
        for key, value in sorted(item.items())
        if not isinstance(value, dict | list)
    ]


def _is_money(value):
    return isinstance(value, dict) and (
        "CurrencyAmount" in value or "CurrencyCode" in value
    )


class _Reader(JsonReader):
    currency_key = "CurrencyCode"

    def __init__(self, filename, group_id="", currency=""):
        super().__init__(filename)
        self.prefix = f"amzfin:{group_id}"
        self.payout_ref = f"FEG-{group_id}" if group_id else ""
        self.default_currency = currency
        self.seen = {}

    # --- values -----------------------------------------------------------------------

    def money(self, value, line, path):
        """``(amount, currency)`` of a money object at ``path``."""
        if value is None:
            raise self.error(f"missing {path.rsplit('.', 1)[-1]!r}", line, path)
        value = self.obj(value, line, path)
        return (
            self.amount(value, "CurrencyAmount", line, path),
            self.currency(value, "CurrencyCode", line, path, self.default_currency),
        )

    def quantity(self, item, key, line, path):
        value = item.get(key)
        if value is None or value == "":
            return ZERO
        if isinstance(value, str) and value.strip().isdigit():
            return Decimal(value.strip())
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.error("invalid quantity", line, f"{path}.{key}", short(value))
        return Decimal(value)

    def posted(self, event, line, path):
        for key in DATE_KEYS:
            if event.get(key) not in (None, ""):
                return self.date(event, key, line, path)
        return None

    def money_objects(self, value, path, parent):
        """``(path, money, parent object)`` of every money object inside ``value``."""
        if _is_money(value):
            yield path, value, parent
        elif isinstance(value, dict):
            for key, sub in value.items():
                yield from self.money_objects(sub, f"{path}.{key}", value)
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                yield from self.money_objects(sub, f"{path}[{i}]", parent)

    # --- lines ------------------------------------------------------------------------

    def make_line(self, money, line, path, category, raw_type, context, values):
        """The ``Line`` of the money object at ``path``; ``category`` may be a
        callable of the amount."""
        amount, currency = self.money(money, line, path)
        if callable(category):
            category = category(amount)
        values = [*values, _INDEX.sub("[]", path), currency, f"{amount.normalize():f}"]
        key = content_key(self.prefix, values, 0)
        rank = self.seen.get(key, 0)
        self.seen[key] = rank + 1
        if rank:
            key = f"{key[:-2]}:{rank}"
        return Line(
            external_key=key,
            category=category,
            amount=amount,
            currency=currency,
            raw_type=raw_type,
            line_no=line,
            payout_ref=self.payout_ref,
            **context,
        )

    def components(self, ttype, key, value, line, path, context, values):
        """The Lines of a charge / fee / promotion list (``COMPONENTS``)."""
        atype, type_key, money_key = COMPONENTS[key]
        for i, component in enumerate(self.items(value, line, path)):
            where = f"{path}[{i}]"
            component = self.obj(component, line, where)
            kind = self.text(component, type_key)
            alias = CHARGE_ALIASES.get(kind.strip().lower(), kind)
            yield self.make_line(
                component.get(money_key),
                line,
                f"{where}.{money_key}",
                v2_category_of(ttype, atype, alias),
                f"{ttype}/{atype}/{kind}",
                dict(context, description=self.text(component, "PromotionId")),
                values + _scalars(component),
            )

    def withheld(self, ttype, value, line, path, context, values):
        """The Lines of an ``ItemTaxWithheldList`` (taxes grouped by model)."""
        for i, group in enumerate(self.items(value, line, path)):
            where = f"{path}[{i}]"
            group = self.obj(group, line, where)
            model = self.text(group, "TaxCollectionModel")
            taxes = self.items(group.get("TaxesWithheld") or [], line, where)
            for n, tax in enumerate(taxes):
                tax_path = f"{where}.TaxesWithheld[{n}]"
                tax = self.obj(tax, line, tax_path)
                kind = self.text(tax, "ChargeType")
                yield self.make_line(
                    tax.get("ChargeAmount"),
                    line,
                    f"{tax_path}.ChargeAmount",
                    v2_category_of(ttype, "ItemWithheldTax", kind),
                    f"{ttype}/ItemWithheldTax/{kind}",
                    dict(context, description=model),
                    values + _scalars(group) + _scalars(tax),
                )

    def part(self, ttype, key, value, line, path, context, values):
        """The Lines of one key of a ShipmentEvent or of one of its items."""
        if value is None:
            return
        if key in ITEM_LISTS:
            for i, item in enumerate(self.items(value, line, path)):
                yield from self.item(ttype, item, line, f"{path}[{i}]", context, values)
        elif key in COMPONENTS:
            yield from self.components(ttype, key, value, line, path, context, values)
        elif key in WITHHELD_LISTS:
            yield from self.withheld(ttype, value, line, path, context, values)
        else:  # money the V2 vocabulary has no name for: kept, as unknown
            for where, money, parent in self.money_objects(value, path, None):
                yield self.make_line(
                    money,
                    line,
                    where,
                    v2_category_of(ttype, key, ""),
                    f"{ttype}/{key}",
                    context,
                    values + (_scalars(parent) if parent else []),
                )

    def item(self, ttype, item, line, path, context, values):
        item = self.obj(item, line, path)
        context = dict(
            context,
            sku=self.text(item, "SellerSKU"),
            order_line_ref=self.text(item, "OrderItemId")
            or self.text(item, "OrderAdjustmentItemId"),
            quantity=self.quantity(item, "QuantityShipped", line, path),
        )
        values = values + _scalars(item)
        for key, value in item.items():
            yield from self.part(
                ttype, key, value, line, f"{path}.{key}", context, values
            )

    def shipment(self, name, event, line, path):
        """The Lines of a ShipmentEvent (order, refund, claim, chargeback)."""
        ttype = SHIPMENT_LISTS[name]
        context = {
            "posted_at": self.posted(event, line, path),
            "order_ref": self.text(event, "AmazonOrderId"),
        }
        values = [name, *_scalars(event)]
        for key, value in event.items():
            where = f"{path}.{key}"
            yield from self.part(ttype, key, value, line, where, context, values)

    def amounts(self, name, event, line, path):
        """``(path, money, parent)`` of the amounts of an event of another list."""
        keys = AMOUNT_KEYS.get(name)
        if keys:
            for key in keys:
                yield f"{path}.{key}", event.get(key), event
            return
        for key, value in event.items():
            if "total" in key.lower() and _is_money(value):
                yield f"{path}.{key}", value, event
                return
        yield from self.money_objects(event, path, event)

    def other(self, name, event, line, path):
        """The Lines of an event of any other list (service fee, ads, adjustment...)."""
        type_key = TYPE_KEYS.get(name)
        event_type = self.text(event, type_key) if type_key else ""
        items = event.get("AdjustmentItemList")
        sole = items[0] if isinstance(items, list) and len(items) == 1 else None
        context = {
            "posted_at": self.posted(event, line, path),
            "order_ref": self.text(event, "AmazonOrderId")
            or self.text(event, "OrderId"),
            "sku": self.text(event, "SellerSKU")
            or (self.text(sole, "SellerSKU") if isinstance(sole, dict) else ""),
            "description": self.text(event, "FeeDescription")
            or self.text(event, "FeeReason"),
        }
        values = [name, *_scalars(event)]
        for where, money, parent in self.amounts(name, event, line, path):
            kind = event_type or next(
                (self.text(parent, k) for k in COMPONENT_TYPE_KEYS if parent.get(k)),
                "",
            )
            yield self.make_line(
                money,
                line,
                where,
                lambda amount, kind=kind: category_of(name, kind, amount),
                f"{name}/{kind or _INDEX.sub('', where.rsplit('.', 1)[-1])}",
                context,
                values + (_scalars(parent) if parent is not event else []),
            )

    def events(self, events):
        """The Lines of every list of ``FinancialEvents``, list by list."""
        for name, events_list in events.items():
            if events_list is None:
                continue
            handle = self.shipment if name in SHIPMENT_LISTS else self.other
            for i, event in enumerate(self.items(events_list, 1, name)):
                path = f"{name}[{i}]"
                yield from handle(name, self.obj(event, i + 1, path), i + 1, path)


def _group_currency(reader, group, options):
    for key in ("OriginalTotal", "BeginningBalance", "ConvertedTotal"):
        if group.get(key) is not None:
            return reader.money(group[key], 1, f"FinancialEventGroup.{key}")[1]
    return str((options or {}).get("currency") or "").upper()


def parse(stream, filename="", options=None):
    """Yield the group's ``PayoutInfo`` (if the file names one), then its Lines."""
    reader = _Reader(filename)
    data = reader.obj(load_json(stream, filename), 1, "")
    group = None
    if "payload" in data:
        data = reader.obj(data["payload"], 1, "payload")
    else:
        group = data.get("FinancialEventGroup")
    if data.get("FinancialEvents") is None:
        raise reader.error(
            "not Amazon financial events (no 'FinancialEvents' key)",
            1,
            "FinancialEvents",
        )
    events = reader.obj(data["FinancialEvents"], 1, "FinancialEvents")
    payout = None
    if group is not None:
        where = "FinancialEventGroup"
        group = reader.obj(group, 1, where)
        group_id = reader.ref(group, "FinancialEventGroupId", 1, where)
        reader = _Reader(filename, group_id, _group_currency(reader, group, options))
        payout = PayoutInfo(
            ref=reader.payout_ref,
            currency=reader.default_currency,
            date_start=reader.date(group, "FinancialEventGroupStart", 1, where),
            date_end=reader.date(group, "FinancialEventGroupEnd", 1, where),
            date_deposit=reader.date(group, "FundTransferDate", 1, where),
            status=reader.text(group, "ProcessingStatus") or "Open",
            line_no=1,
        )
    lines = list(reader.events(events))
    if payout is not None and (payout.currency or lines):
        yield replace(payout, currency=payout.currency or lines[0].currency)
    yield from lines
