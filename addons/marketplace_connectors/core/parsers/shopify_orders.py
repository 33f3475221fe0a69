"""Shopify Admin orders (``GET /admin/api/<ver>/orders.json``), orders import.

Accepted shape: ``{"orders": [...]}`` (one page), or ``{"order": {...}}`` (one order,
as a webhook delivers it). Each order gives one :class:`OrderInfo`:

- ``ref`` = the numeric ``id`` (balance transactions name it ``source_order_id``, so
  payouts and orders meet on it); the shop-facing ``name`` (``#1001``) is not kept;
- ``date_order`` = ``created_at``; ``currency`` = ``currency`` (the shop currency);
- ``status`` = ``cancelled`` when ``cancelled_at`` is set, else ``financial_status``
  (``paid``, ``pending``, ``refunded``, ``partially_refunded``, ``voided``...), else
  ``fulfillment_status``;
- customer: ``customer.first_name`` + ``last_name`` (else the shipping address's
  ``name``), ``customer.email`` (else the order's ``email``), country from
  ``shipping_address.country_code`` (else the billing address's).

Each ``line_items[]`` item gives an item line: ``sku`` (``null`` or empty kept, named
after ``title``), ``quantity``, ``price_unit`` = ``price`` (Shopify's price is per
unit, before discounts), ``line_ref`` = the line item ``id``. The line's discounts
(the sum of ``discount_allocations[].amount``, else ``total_discount``) give a negative
``discount:<id>`` line; each ``shipping_lines[]`` item gives a ``shipping:<id>`` line
(``price``) and, for its discounts, a negative ``shipping-discount:<id>`` line. These
extra lines have an empty SKU and quantity 1. ``tax_included`` is the order's
``taxes_included`` (absent -> ``options["tax_included"]``, default True).

``line_no`` is the 1-based index of the order in ``orders``; error columns are JSON
paths such as ``orders[0].line_items[1].price``.
"""

import re
from decimal import Decimal

from ..records import OrderInfo, OrderLineInfo
from ._common import JsonReader, json_head, load_json, order_charge, short

FORMAT = "shopify_orders_json"
PLATFORM = "shopify"
LABEL = "Shopify orders (Admin API JSON, orders)"

# Order imports produce orders, no ledger line: nothing maps to a category.
TYPE_MAP = {}

ZERO = Decimal(0)
CANCELLED = {"cancelled"}

_KEY = re.compile(rb'^\{.*"orders?"\s*:\s*[\[{]', re.DOTALL)
_SHOPIFY = re.compile(rb'"(line_items|financial_status|taxes_included)"')
_MIRAKL = re.compile(rb'"(order_lines|order_state|commercial_id)"')
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def sniff(head, filename=""):
    """An orders page: ``{"orders": [...]}`` with Shopify's order keys.

    >>> sniff(b'{"orders": [{"id": 450789469, "line_items": [{"id": 1}]}]}')
    True
    >>> sniff(b'{"orders": [{"order_id": "C1-A", "order_lines": []}]}')
    False
    >>> sniff(b"\\xff\\xfe")
    False
    """
    text = json_head(head)
    return (
        bool(_KEY.match(text))
        and bool(_SHOPIFY.search(text))
        and not _MIRAKL.search(text)
    )


class _Reader(JsonReader):
    def __init__(self, filename, options):
        super().__init__(filename)
        self.options = options or {}

    def quantity(self, item, line, path):
        value = item.get("quantity")
        where = f"{path}.quantity"
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error("invalid quantity", line, where, short(value))
        return Decimal(value)

    def flag(self, item, key, line, path, default):
        value = item.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(
                "expected true or false", line, f"{path}.{key}", short(value)
            )
        return value

    def discount(self, item, line, path):
        """The discounts allocated to a line item or a shipping line."""
        if "discount_allocations" not in item:
            return self.amount(item, "total_discount", line, path, False) or ZERO
        where = f"{path}.discount_allocations"
        total = ZERO
        for i, allocation in enumerate(
            self.items(item["discount_allocations"], line, where)
        ):
            allocation = self.obj(allocation, line, f"{where}[{i}]")
            total += self.amount(allocation, "amount", line, f"{where}[{i}]")
        return total

    def status(self, order):
        if order.get("cancelled_at"):
            return "cancelled"
        status = self.text(order, "financial_status") or self.text(
            order, "fulfillment_status"
        )
        return status.strip().lower()

    def country(self, order, line, path):
        for key in ("shipping_address", "billing_address"):
            code = self.sub_obj(order, key, line, path).get("country_code")
            if code in (None, ""):
                continue
            if not isinstance(code, str) or not _COUNTRY.match(code):
                where = f"{path}.{key}.country_code"
                raise self.error("invalid country code", line, where, short(code))
            return code.upper()
        return ""

    def customer(self, order, line, path):
        customer = self.sub_obj(order, "customer", line, path)
        parts = (customer.get("first_name"), customer.get("last_name"))
        name = " ".join(str(p).strip() for p in parts if p not in (None, ""))
        if not name:
            name = self.text(
                self.sub_obj(order, "shipping_address", line, path), "name"
            )
        email = self.text(customer, "email") or self.text(order, "email")
        return name.strip(), email.strip()

    def line_item(self, item, line, path, tax_included):
        item = self.obj(item, line, path)
        line_id = self.ref(item, "id", line, path)
        yield OrderLineInfo(
            sku=self.text(item, "sku").strip(),
            quantity=self.quantity(item, line, path),
            price_unit=self.amount(item, "price", line, path),
            line_ref=line_id,
            name=self.text(item, "title") or self.text(item, "name"),
            tax_included=tax_included,
        )
        discount = self.discount(item, line, path)
        if discount:
            yield order_charge(
                -abs(discount), f"discount:{line_id}", "Discount", tax_included
            )

    def shipping_line(self, item, line, path, tax_included):
        item = self.obj(item, line, path)
        line_id = self.ref(item, "id", line, path)
        price = self.amount(item, "price", line, path)
        name = self.text(item, "title") or "Shipping"
        if price:
            yield order_charge(price, f"shipping:{line_id}", name, tax_included)
        discount = self.discount(item, line, path)
        if discount:
            ref = f"shipping-discount:{line_id}"
            yield order_charge(-abs(discount), ref, "Shipping discount", tax_included)

    def order(self, item, line, path):
        item = self.obj(item, line, path)
        tax_included = self.flag(
            item,
            "taxes_included",
            line,
            path,
            bool(self.options.get("tax_included", True)),
        )
        lines = []
        for key, read in (
            ("line_items", self.line_item),
            ("shipping_lines", self.shipping_line),
        ):
            values = self.items(item.get(key, []), line, f"{path}.{key}")
            for i, value in enumerate(values):
                lines.extend(read(value, line, f"{path}.{key}[{i}]", tax_included))
        name, email = self.customer(item, line, path)
        return OrderInfo(
            ref=self.ref(item, "id", line, path),
            currency=self.currency(item, "currency", line, path),
            date_order=self.date(item, "created_at", line, path),
            status=self.status(item),
            country_code=self.country(item, line, path),
            customer_name=name,
            customer_email=email,
            line_no=line,
            lines=tuple(lines),
        )


def parse(stream, filename="", options=None):
    """Yield one ``OrderInfo`` per Shopify order."""
    reader = _Reader(filename, options)
    data = load_json(stream, filename)
    if isinstance(data, dict) and isinstance(data.get("order"), dict):
        yield reader.order(data["order"], 1, "order")
        return
    if not isinstance(data, dict) or "orders" not in data:
        raise reader.error("not a Shopify orders page (no 'orders' key)", 1)
    for i, item in enumerate(reader.items(data["orders"], 1, "orders")):
        yield reader.order(item, i + 1, f"orders[{i}]")
