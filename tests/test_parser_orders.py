"""Order import parsers: Amazon All Orders flat file, Mirakl OR11, Shopify orders.

Expected values worked out by hand from the fixtures (``value`` = sum over the order's
lines of ``quantity * price_unit``, rounded to the cent; ``ln`` = physical line of the
order's first row / 1-based index of the JSON order).

Amazon ``amazon_all_orders.txt``

| order      | ln | status    | cur  | incl | lines                           | value |
|------------|----|-----------|------|------|---------------------------------|-------|
| 402-...001 | 2  | shipped   | EUR  | yes  | A 1x19.99, ship 4.90,           | 33.89 |
|            |    |           |      |      | B 3x(10.00/3), promo -1.00      |       |
| 402-...002 | 4  | cancelled | EUR* | yes  | B 0x0 (empty price; *Amazon.de) |  0.00 |
| 402-...003 | 5  | shipped   | EUR  | yes  | "" (ASIN B0EMPTY001) 2x12.99    | 25.98 |
| 111-...004 | 6  | shipped   | USD  | no   | US 2x19.99, ship 5.00           | 44.98 |
| 402-...005 | 7  | pending   | EUR  | yes  | C 1x9.90, C 1x9.90, wrap 2.50   | 22.30 |

Mirakl ``mirakl_or11.json``

| order  | ln | status             | ctry    | lines                          | value |
|--------|----|--------------------|---------|--------------------------------|-------|
| C100-A | 1  | shipped            | FRA->FR | MUG 3x12.50, ship 4.95, "" 45  | 87.45 |
| C101-A | 2  | canceled           | BEL->BE | SOAP 3x(10.00/3)               | 10.00 |
| C102-B | 3  | waiting_acceptance | DEU->DE | 80.00, 4x2.49, ship 6.00 (HT)  | 95.96 |

Shopify ``shopify_orders.json``

| order     | ln | status    | ctry   | lines                                  | value |
|-----------|----|-----------|--------|----------------------------------------|-------|
| 55...0001 | 1  | paid      | pl->PL | 2x19.90, disc -3.98, "" 5, ship 4.90   | 45.72 |
| 55...0002 | 2  | cancelled | DE     | 3x3.34, ship 6.90, ship disc -6.90     | 10.02 |
| 55...0003 | 3  | pending   | US     | 12.00 (taxes_included false)           | 12.00 |
"""

import io
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from conftest import FIXTURES
from hypothesis import given
from hypothesis import strategies as st
from marketplace_connectors.core import parsers
from marketplace_connectors.core.exceptions import ParseError
from marketplace_connectors.core.money import round_cents
from marketplace_connectors.core.parsers import (
    amazon_orders,
    mirakl_orders,
    shopify_orders,
)
from marketplace_connectors.core.records import OrderInfo, OrderLineInfo
from parser_helpers import property_settings, read_fixture, replace_byte, replace_cell

D = Decimal
UTC = timezone.utc
MODULES = (amazon_orders, mirakl_orders, shopify_orders)
FIXTURE_OF = {
    amazon_orders: "amazon_all_orders.txt",
    mirakl_orders: "mirakl_or11.json",
    shopify_orders: "shopify_orders.json",
}
SETTINGS = property_settings(max_examples=50)


def read(name):
    return read_fixture("orders", name)


def run(module, content, filename="f", options=None):
    orders = list(module.parse(content, filename, options))
    assert all(isinstance(order, OrderInfo) for order in orders)
    for order in orders:
        assert all(isinstance(line, OrderLineInfo) for line in order.lines)
        for line in order.lines:
            assert isinstance(line.quantity, Decimal)
            assert isinstance(line.price_unit, Decimal)
    return orders


def value(order):
    return round_cents(sum((x.quantity * x.price_unit for x in order.lines), D(0)))


def by_ref(orders):
    return {order.ref: order for order in orders}


def line_refs(orders):
    return [line.line_ref for order in orders for line in order.lines]


def with_value(data, path, value):
    """``data`` (decoded JSON) with the item at ``path`` (keys, indexes) set."""
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def json_column(path):
    """The column a ``ParseError`` names for ``path``: ``orders[0].x[1].y``."""
    return f"orders[{path[1]}]" + "".join(
        f"[{key}]" if isinstance(key, int) else f".{key}" for key in path[2:]
    )


# ---------------------------------------------------------------- module contract


@pytest.mark.parametrize("module", MODULES)
def test_module_contract(module):
    assert module.PLATFORM in ("amazon", "mirakl", "shopify")
    assert module.FORMAT and module.LABEL
    assert module.TYPE_MAP == {}


def test_formats_and_platforms():
    assert (amazon_orders.FORMAT, amazon_orders.PLATFORM) == (
        "amazon_orders_flat",
        "amazon",
    )
    assert (mirakl_orders.FORMAT, mirakl_orders.PLATFORM) == (
        "mirakl_or11_json",
        "mirakl",
    )
    assert (shopify_orders.FORMAT, shopify_orders.PLATFORM) == (
        "shopify_orders_json",
        "shopify",
    )


@pytest.mark.parametrize("module", MODULES)
def test_sniff_own_fixture_only(module):
    for other, name in FIXTURE_OF.items():
        assert module.sniff(read(name)[:65536], name) is (other is module)


@pytest.mark.parametrize("module", MODULES)
def test_sniff_refuses_other_fixtures(module):
    for path in FIXTURES.glob("*/*"):
        if path.parent.name == "orders":
            continue
        assert module.sniff(path.read_bytes()[:65536], path.name) is False, path


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(
    "head", [b"", b"\x00\xff\xfe", b"{", b"[1, 2]", b"\t\t\n", "é".encode("cp1252")]
)
def test_sniff_garbage(module, head):
    assert module.sniff(head, "x") is False


def test_registered_parsers_do_not_claim_order_fixtures():
    for module, name in FIXTURE_OF.items():
        head = read(name)[:65536]
        claims = [
            parser.FORMAT
            for parser in parsers.PARSERS
            if parser not in MODULES
            and not getattr(parser, "EXPLICIT_ONLY", False)
            and parser.sniff(head, name)
        ]
        assert claims == [], name
        if module in parsers.PARSERS:
            assert parsers.detect(head, name) is module


# ---------------------------------------------------------------- Amazon


def test_amazon_fixture_orders():
    orders = run(amazon_orders, read("amazon_all_orders.txt"))
    assert [o.ref for o in orders] == [
        "402-0000001-0000001",
        "402-0000002-0000002",
        "402-0000003-0000003",
        "111-0000004-0000004",
        "402-0000005-0000005",
    ]
    assert [o.line_no for o in orders] == [2, 4, 5, 6, 7]
    assert [o.status for o in orders] == [
        "shipped",
        "cancelled",
        "shipped",
        "shipped",
        "pending",
    ]
    assert [o.currency for o in orders] == ["EUR", "EUR", "EUR", "USD", "EUR"]
    assert [o.country_code for o in orders] == ["FR", "DE", "IT", "US", "FR"]
    assert [value(o) for o in orders] == [
        D("33.89"),
        D("0.00"),
        D("25.98"),
        D("44.98"),
        D("22.30"),
    ]
    assert [len(o.lines) for o in orders] == [4, 1, 1, 2, 3]
    assert all(o.customer_name == "" and o.customer_email == "" for o in orders)
    assert orders[0].date_order == datetime(2024, 5, 2, 8, 15, tzinfo=UTC)
    # 07:30+02:00 is 05:30 UTC.
    assert orders[2].date_order == datetime(2024, 5, 3, 5, 30, tzinfo=UTC)


def test_amazon_lines_detail():
    orders = by_ref(run(amazon_orders, read("amazon_all_orders.txt")))
    first = orders["402-0000001-0000001"].lines
    assert first[0] == OrderLineInfo(
        sku="SKU-A",
        quantity=D(1),
        price_unit=D("19.99"),
        line_ref="402-0000001-0000001:SKU-A:0",
        name="Crème hydratante 50 ml",
        tax_included=True,
    )
    assert (first[1].sku, first[1].price_unit, first[1].line_ref) == (
        "",
        D("4.90"),
        "shipping:402-0000001-0000001:SKU-A:0",
    )
    # 3 units for 10.00: full precision kept, the ORM rounds.
    assert first[2].quantity == 3
    assert first[2].price_unit == D("3.333333333333333333333333333")
    assert round_cents(first[2].quantity * first[2].price_unit) == D("10.00")
    assert (first[3].price_unit, first[3].line_ref) == (
        D("-1.00"),
        "discount:402-0000001-0000001:SKU-B:0",
    )


def test_amazon_tax_included_eu_vs_us():
    orders = by_ref(run(amazon_orders, read("amazon_all_orders.txt")))
    for ref, order in orders.items():
        expected = not ref.startswith("111-")
        assert {line.tax_included for line in order.lines} == {expected}, ref
    forced = run(
        amazon_orders, read("amazon_all_orders.txt"), options={"tax_included": False}
    )
    assert not any(line.tax_included for o in forced for line in o.lines)


def test_amazon_cancelled_empty_price_and_currency():
    order = by_ref(run(amazon_orders, read("amazon_all_orders.txt")))[
        "402-0000002-0000002"
    ]
    assert order.status == "cancelled"
    assert order.currency == "EUR"
    assert order.lines == (
        OrderLineInfo(
            sku="SKU-B",
            quantity=D(0),
            price_unit=D(0),
            line_ref="402-0000002-0000002:SKU-B:0",
            name="Seife",
            tax_included=True,
        ),
    )


def test_amazon_empty_sku_kept_with_name():
    order = by_ref(run(amazon_orders, read("amazon_all_orders.txt")))[
        "402-0000003-0000003"
    ]
    (line,) = order.lines
    assert (line.sku, line.name, line.line_ref) == (
        "",
        "Tazza in ceramica",
        "402-0000003-0000003:B0EMPTY001:0",
    )
    assert (line.quantity, line.price_unit) == (D(2), D("12.99"))


def test_amazon_same_sku_twice_gets_distinct_refs():
    order = by_ref(run(amazon_orders, read("amazon_all_orders.txt")))[
        "402-0000005-0000005"
    ]
    assert [line.line_ref for line in order.lines] == [
        "402-0000005-0000005:SKU-C:0",
        "402-0000005-0000005:SKU-C:1",
        "giftwrap:402-0000005-0000005:SKU-C:1",
    ]


def test_amazon_reappearing_order_gives_second_orderinfo():
    lines = read("amazon_all_orders.txt").decode("utf-8").split("\r\n")
    header, rows = lines[0], [x for x in lines[1:] if x]
    # Move the second row of order 1 to the end of the file.
    content = "\n".join([header, rows[0], *rows[2:], rows[1]]) + "\n"
    orders = run(amazon_orders, content.encode("utf-8"))
    refs = [o.ref for o in orders]
    assert refs.count("402-0000001-0000001") == 2
    assert orders[-1].line_no == 8
    refs = line_refs(orders)
    assert len(refs) == len(set(refs))
    assert orders[-1].lines[0].line_ref == "402-0000001-0000001#1:SKU-B:0"


def test_amazon_stream_bytes_and_cp1252():
    content = read("amazon_all_orders.txt")
    from_bytes = run(amazon_orders, content)
    from_stream = run(amazon_orders, io.BytesIO(content))
    assert from_bytes == from_stream
    # An accented name in Windows-1252 still decodes.
    cp = content.decode("utf-8").encode("cp1252")
    assert run(amazon_orders, cp) == from_bytes


def test_amazon_columns_any_order_and_case():
    text = read("amazon_all_orders.txt").decode("utf-8")
    rows = [line.split("\t") for line in text.split("\r\n") if line]
    order = list(reversed(range(len(rows[0]))))
    rows[0] = [name.upper() for name in rows[0]]
    shuffled = "\n".join("\t".join(row[i] for i in order) for row in rows) + "\n"
    assert run(amazon_orders, shuffled.encode("utf-8")) == run(
        amazon_orders, read("amazon_all_orders.txt")
    )


def _amazon_replace(row_index, column, new_value):
    text = read("amazon_all_orders.txt").decode("utf-8")
    return replace_cell(text, row_index, column, new_value, newline="\r\n").encode()


@pytest.mark.parametrize(
    ("row", "column", "bad"),
    [
        (2, "item-price", "10,0,0"),
        (1, "item-price", "abc"),
        (4, "shipping-price", "5.00.1"),
        (3, "quantity", "two"),
        (3, "quantity", "-1"),
        (5, "purchase-date", "yesterday"),
        (6, "currency", "EURO"),
        (4, "ship-country", "USA"),
        (6, "amazon-order-id", ""),
        (7, "item-promotion-discount", "1.00€"),
    ],
)
def test_amazon_bad_cell_is_located(row, column, bad):
    with pytest.raises(ParseError) as info:
        run(amazon_orders, _amazon_replace(row, column, bad), "orders.txt")
    err = info.value
    assert (err.filename, err.line, err.column) == ("orders.txt", row + 1, column)
    assert err.value in (bad, None)


@pytest.mark.parametrize("column", amazon_orders.REQUIRED)
def test_amazon_missing_column(column):
    text = read("amazon_all_orders.txt").decode("utf-8")
    header, rest = text.split("\r\n", 1)
    header = header.replace(column, "renamed-" + column, 1)
    with pytest.raises(ParseError) as info:
        run(amazon_orders, (header + "\r\n" + rest).encode("utf-8"))
    assert (info.value.line, info.value.column) == (1, column)


def test_amazon_header_only_and_empty():
    header = read("amazon_all_orders.txt").split(b"\r\n")[0] + b"\r\n"
    assert run(amazon_orders, header) == []
    assert run(amazon_orders, b"") == []


def test_amazon_decimal_comma():
    content = _amazon_replace(1, "item-price", "19,99")
    first = run(amazon_orders, content)[0].lines[0]
    assert first.price_unit == D("19.99")


# ---------------------------------------------------------------- Mirakl


def test_mirakl_fixture_orders():
    orders = run(mirakl_orders, read("mirakl_or11.json"))
    assert [o.ref for o in orders] == ["C100-A", "C101-A", "C102-B"]
    assert [o.line_no for o in orders] == [1, 2, 3]
    assert [o.status for o in orders] == ["shipped", "canceled", "waiting_acceptance"]
    assert [o.currency for o in orders] == ["EUR", "EUR", "EUR"]
    assert [o.country_code for o in orders] == ["FR", "BE", "DE"]
    assert [o.customer_name for o in orders] == [
        "Élodie Dupré-Öztürk",
        "Åsa Ní Bhriain",
        "",
    ]
    assert [o.customer_email for o in orders] == [
        "elodie@example.fr",
        "x7f3-relay@operator.example",
        "",
    ]
    assert [value(o) for o in orders] == [D("87.45"), D("10.00"), D("95.96")]
    assert [len(o.lines) for o in orders] == [3, 1, 3]
    # 22:30+02:00 is 20:30 UTC.
    assert orders[1].date_order == datetime(2024, 5, 4, 20, 30, tzinfo=UTC)


def test_mirakl_lines_detail():
    orders = by_ref(run(mirakl_orders, read("mirakl_or11.json")))
    assert [
        (x.sku, x.quantity, x.price_unit, x.line_ref, x.name, x.tax_included)
        for x in orders["C100-A"].lines
    ] == [
        ("MUG-01", D(3), D("12.50"), "C100-A-1", "Mug émaillé", True),
        ("", D(1), D("4.95"), "shipping:C100-A-1", "Shipping", True),
        ("", D(1), D("45.00"), "C100-A-2", "Théière fonte", True),
    ]
    (soap,) = orders["C101-A"].lines
    assert soap.price_unit == D("3.333333333333333333333333333")
    assert [(x.line_ref, x.tax_included) for x in orders["C102-B"].lines] == [
        ("C102-B-1", False),
        ("C102-B-2", False),
        ("shipping:C102-B", False),
    ]


def test_mirakl_tax_mode_default_and_bad():
    data = json.loads(read("mirakl_or11.json"))
    del data["orders"][0]["order_tax_mode"]
    content = json.dumps(data).encode()
    assert run(mirakl_orders, content)[0].lines[0].tax_included is True
    excluded = run(mirakl_orders, content, options={"tax_included": False})
    assert excluded[0].lines[0].tax_included is False
    data["orders"][0]["order_tax_mode"] = "TAX_MAYBE"
    with pytest.raises(ParseError) as info:
        run(mirakl_orders, json.dumps(data).encode())
    assert (info.value.line, info.value.column) == (1, "orders[0].order_tax_mode")


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("orders", 0, "order_lines", 1, "price_unit"), "12,3,4"),
        (("orders", 1, "order_lines", 0, "price"), "abc"),
        (("orders", 2, "order_lines", 0, "quantity"), -1),
        (("orders", 2, "order_lines", 1, "quantity"), "x"),
        (("orders", 0, "created_date"), "someday"),
        (("orders", 1, "currency_iso_code"), "EURO"),
        (("orders", 0, "customer", "shipping_address", "country_iso_code"), "ZZZ"),
        (("orders", 2, "order_lines", 0, "order_line_id"), None),
        (("orders", 2, "order_id"), ""),
        (("orders", 1, "order_lines"), {"a": 1}),
        (("orders", 2, "shipping_price"), True),
    ],
)
def test_mirakl_bad_value_is_located(path, bad):
    data = with_value(json.loads(read("mirakl_or11.json")), path, bad)
    with pytest.raises(ParseError) as info:
        run(mirakl_orders, json.dumps(data).encode(), "or11.json")
    err = info.value
    assert (err.filename, err.line, err.column) == (
        "or11.json",
        path[1] + 1,
        json_column(path),
    )


def test_mirakl_not_a_page():
    for content in (b"[]", b'{"data": []}', b"{", b"\xff"):
        with pytest.raises(ParseError) as info:
            run(mirakl_orders, content)
        assert info.value.line is not None


def test_country_alpha2_covers_eu():
    eu3 = "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX "
    eu3 += "MLT NLD POL PRT ROU SVK SVN ESP SWE GBR CHE NOR USA"
    eu2 = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK "
    eu2 += "SI ES SE GB CH NO US"
    assert [mirakl_orders.country_alpha2(c) for c in eu3.split()] == eu2.split()
    assert len(mirakl_orders.ALPHA3) == 251


# ---------------------------------------------------------------- Shopify


def test_shopify_fixture_orders():
    orders = run(shopify_orders, read("shopify_orders.json"))
    assert [o.ref for o in orders] == [
        "5500000000001",
        "5500000000002",
        "5500000000003",
    ]
    assert [o.status for o in orders] == ["paid", "cancelled", "pending"]
    assert [o.currency for o in orders] == ["EUR", "EUR", "USD"]
    assert [o.country_code for o in orders] == ["PL", "DE", "US"]
    assert [o.customer_name for o in orders] == [
        "Zoë Łukasiewicz",
        "Jürgen Groß",
        "Ana",
    ]
    assert [o.customer_email for o in orders] == [
        "zoe@example.pl",
        "guest@example.de",
        "",
    ]
    assert [value(o) for o in orders] == [D("45.72"), D("10.02"), D("12.00")]
    # The fixture's own total_price agrees for the first order.
    assert value(orders[0]) == D(
        json.loads(read("shopify_orders.json"))["orders"][0]["total_price"]
    )
    assert orders[0].date_order == datetime(2024, 5, 2, 8, 11, 12, tzinfo=UTC)
    assert orders[2].date_order == datetime(2024, 5, 5, 16, 0, tzinfo=UTC)
    assert [o.line_no for o in orders] == [1, 2, 3]


def test_shopify_lines_detail():
    orders = run(shopify_orders, read("shopify_orders.json"))
    assert [
        (x.sku, x.quantity, x.price_unit, x.line_ref, x.name, x.tax_included)
        for x in orders[0].lines
    ] == [
        ("TSHIRT-M", D(2), D("19.90"), "1301", "T-shirt", True),
        ("", D(1), D("-3.98"), "discount:1301", "Discount", True),
        ("", D(1), D("5.00"), "1302", "Carte cadeau", True),
        ("", D(1), D("4.90"), "shipping:901", "Colissimo", True),
    ]
    assert [x.line_ref for x in orders[1].lines] == [
        "1303",
        "shipping:902",
        "shipping-discount:902",
    ]
    assert [x.tax_included for x in orders[2].lines] == [False]


def test_shopify_single_order_webhook_shape():
    data = json.loads(read("shopify_orders.json"))
    content = json.dumps({"order": data["orders"][1]}).encode()
    (order,) = run(shopify_orders, content)
    assert order.ref == "5500000000002"
    assert order.status == "cancelled"


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("orders", 0, "line_items", 0, "price"), "19.9.0"),
        (("orders", 0, "line_items", 1, "quantity"), "1"),
        (("orders", 2, "line_items", 0, "quantity"), -2),
        (("orders", 1, "shipping_lines", 0, "price"), None),
        (("orders", 0, "line_items", 0, "discount_allocations", 1, "amount"), "1,0,0"),
        (("orders", 2, "line_items", 0, "total_discount"), "x"),
        (("orders", 0, "taxes_included"), "yes"),
        (("orders", 1, "created_at"), "2024-13-45"),
        (("orders", 2, "currency"), 840),
        (("orders", 0, "shipping_address", "country_code"), "POL"),
        (("orders", 0, "id"), None),
        (("orders", 0, "customer"), "Zoë"),
        (("orders", 2, "line_items", 0, "id"), 1.5),
    ],
)
def test_shopify_bad_value_is_located(path, bad):
    data = with_value(json.loads(read("shopify_orders.json")), path, bad)
    with pytest.raises(ParseError) as info:
        run(shopify_orders, json.dumps(data).encode(), "orders.json")
    err = info.value
    assert (err.filename, err.line, err.column) == (
        "orders.json",
        path[1] + 1,
        json_column(path),
    )


def test_shopify_invalid_json_is_located():
    content = read("shopify_orders.json").replace(
        b'"price": "19.90"', b'"price": 19.90,,'
    )
    with pytest.raises(ParseError) as info:
        run(shopify_orders, content)
    assert info.value.line == content[: content.index(b",,")].count(b"\n") + 1


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("module", MODULES)
def test_parse_twice_same_result_and_unique_line_refs(module):
    content = read(FIXTURE_OF[module])
    first, second = run(module, content), run(module, content)
    assert first == second
    refs = line_refs(first)
    assert len(refs) == len(set(refs))
    assert all(refs)
    assert all(o.date_order.tzinfo is UTC for o in first)


# ---------------------------------------------------------------- properties

_SKU = st.text(alphabet="ABCXYZ-019é", min_size=0, max_size=6)
_CENTS = st.integers(min_value=0, max_value=10_000_00)
_ITEM = st.tuples(_SKU, st.integers(1, 7), _CENTS, _CENTS, _CENTS)
_CHANNELS = st.sampled_from(
    [("Amazon.fr", "EUR"), ("Amazon.de", "EUR"), ("Amazon.com", "USD")]
)
_ORDER = st.tuples(_CHANNELS, st.lists(_ITEM, min_size=1, max_size=4))
AMZ_HEADER = [
    "amazon-order-id",
    "purchase-date",
    "order-status",
    "sales-channel",
    "product-name",
    "sku",
    "asin",
    "quantity",
    "currency",
    "item-price",
    "shipping-price",
    "item-promotion-discount",
    "ship-country",
]


def _money(cents):
    return f"{D(cents).scaleb(-2):.2f}"


def _amazon_file(orders):
    rows = ["\t".join(AMZ_HEADER)]
    for n, ((channel, currency), items) in enumerate(orders):
        for sku, qty, price, ship, promo in items:
            cells = {
                "amazon-order-id": f"402-{n:07d}-0000001",
                "purchase-date": "2024-05-02T08:15:00+00:00",
                "order-status": "Shipped",
                "sales-channel": channel,
                "product-name": "Produit é",
                "sku": sku,
                "asin": "B00X",
                "quantity": str(qty),
                "currency": currency,
                "item-price": _money(price),
                "shipping-price": _money(ship),
                "item-promotion-discount": "-" + _money(promo) if promo else "",
                "ship-country": "FR",
            }
            rows.append("\t".join(cells[name] for name in AMZ_HEADER))
    return ("\n".join(rows) + "\n").encode("utf-8")


@SETTINGS
@given(st.lists(_ORDER, min_size=1, max_size=6))
def test_property_amazon_round_trip(orders):
    parsed = run(amazon_orders, _amazon_file(orders))
    assert len(parsed) == len(orders)
    for order, ((channel, currency), items) in zip(parsed, orders, strict=True):
        expected = sum(
            (D(price) - D(promo) + D(ship) for _, _, price, ship, promo in items), D(0)
        ).scaleb(-2)
        assert value(order) == expected
        assert order.currency == currency
        extras = ("shipping:", "discount:")
        item_lines = [x for x in order.lines if not x.line_ref.startswith(extras)]
        assert len(item_lines) == len(items)
        assert [x.sku for x in item_lines] == [item[0] for item in items]
        assert all(x.tax_included is (channel != "Amazon.com") for x in order.lines)
    refs = line_refs(parsed)
    assert len(refs) == len(set(refs))


_AMZ_BAD = {
    "item-price": ["1,2,3", "x", "1.2.3", "--1"],
    "shipping-price": ["abc", "1..0"],
    "quantity": ["1.", "-2", "deux", "1e3"],
    "purchase-date": ["2024-02-30", "demain"],
    "currency": ["EU", "€€€"],
}


@SETTINGS
@given(
    st.lists(_ORDER, min_size=1, max_size=4),
    st.data(),
)
def test_property_amazon_corrupt_cell_located(orders, data):
    text = _amazon_file(orders).decode("utf-8")
    row = data.draw(st.integers(1, len(text.split("\n")) - 2))
    column = data.draw(st.sampled_from(sorted(_AMZ_BAD)))
    bad = data.draw(st.sampled_from(_AMZ_BAD[column]))
    with pytest.raises(ParseError) as info:
        run(amazon_orders, replace_cell(text, row, column, bad).encode("utf-8"))
    assert (info.value.line, info.value.column) == (row + 1, column)


@SETTINGS
@given(st.binary(min_size=1, max_size=3), st.integers(min_value=0), st.data())
def test_property_amazon_random_bytes_only_parse_error(junk, where, data):
    content = read("amazon_all_orders.txt")
    pos = where % len(content)
    content = replace_byte(content, pos, junk)
    try:
        run(amazon_orders, content)
    except ParseError as err:
        assert err.line is not None


def _mirakl_page(orders):
    result = []
    for n, ((_, currency), items) in enumerate(orders):
        result.append(
            {
                "order_id": f"C{n}-A",
                "created_date": "2024-05-02T10:11:12Z",
                "order_state": "SHIPPED",
                "currency_iso_code": currency,
                "order_tax_mode": "TAX_INCLUDED"
                if currency == "EUR"
                else "TAX_EXCLUDED",
                "order_lines": [
                    {
                        "order_line_id": f"C{n}-A-{i}",
                        "offer_sku": sku,
                        "quantity": qty,
                        # Either the unit price, or only the line total.
                        **(
                            {"price_unit": _money(price)}
                            if i % 2
                            else {"price": _money(price * qty)}
                        ),
                        "shipping_price": _money(ship),
                    }
                    for i, (sku, qty, price, ship, _) in enumerate(items)
                ],
            }
        )
    return json.dumps({"orders": result, "total_count": len(result)}).encode()


@SETTINGS
@given(st.lists(_ORDER, min_size=1, max_size=5))
def test_property_mirakl_round_trip(orders):
    parsed = run(mirakl_orders, _mirakl_page(orders))
    assert len(parsed) == len(orders)
    for order, ((_, currency), items) in zip(parsed, orders, strict=True):
        expected = sum(
            (D(price * qty + ship) for _, qty, price, ship, _ in items), D(0)
        ).scaleb(-2)
        assert value(order) == expected
        assert all(x.tax_included is (currency == "EUR") for x in order.lines)


def _shopify_page(orders):
    result = []
    for n, ((_, currency), items) in enumerate(orders):
        result.append(
            {
                "id": 9000 + n,
                "created_at": "2024-05-02T10:11:12+02:00",
                "currency": currency,
                "taxes_included": currency == "EUR",
                "financial_status": "paid",
                "line_items": [
                    {
                        "id": 100 * n + i,
                        "sku": sku or None,
                        "title": "Article",
                        "quantity": qty,
                        "price": _money(price),
                        "discount_allocations": [{"amount": _money(promo)}],
                    }
                    for i, (sku, qty, price, _, promo) in enumerate(items)
                ],
                "shipping_lines": [
                    {"id": 100 * n + i, "price": _money(ship), "title": "Colis"}
                    for i, (_, _, _, ship, _) in enumerate(items)
                ],
            }
        )
    return json.dumps({"orders": result}).encode()


@SETTINGS
@given(st.lists(_ORDER, min_size=1, max_size=5))
def test_property_shopify_round_trip(orders):
    parsed = run(shopify_orders, _shopify_page(orders))
    for order, ((_, currency), items) in zip(parsed, orders, strict=True):
        expected = sum(
            (D(price * qty - promo + ship) for _, qty, price, ship, promo in items),
            D(0),
        ).scaleb(-2)
        assert value(order) == expected
        assert order.currency == currency
    refs = line_refs(parsed)
    assert len(refs) == len(set(refs))


_JSON_BAD = st.sampled_from(["1,2,3", "abc", True, [1], {"v": 1}, "NaN", "1e"])


@SETTINGS
@given(st.lists(_ORDER, min_size=1, max_size=4), _JSON_BAD, st.data())
def test_property_json_corrupt_value_located(orders, bad, data):
    module = data.draw(st.sampled_from([mirakl_orders, shopify_orders]))
    if module is mirakl_orders:
        page = json.loads(_mirakl_page(orders))
        lines_key, keys = "order_lines", ["quantity", "shipping_price", "price_unit"]
    else:
        page = json.loads(_shopify_page(orders))
        lines_key, keys = "line_items", ["quantity", "price"]
    n = data.draw(st.integers(0, len(orders) - 1))
    i = data.draw(st.integers(0, len(orders[n][1]) - 1))
    key = data.draw(st.sampled_from(keys))
    page["orders"][n][lines_key][i][key] = bad
    with pytest.raises(ParseError) as info:
        run(module, json.dumps(page).encode())
    assert info.value.line == n + 1
    assert info.value.column == f"orders[{n}].{lines_key}[{i}].{key}"


@SETTINGS
@given(
    st.sampled_from([mirakl_orders, shopify_orders]),
    st.binary(min_size=1, max_size=2),
    st.integers(min_value=0),
)
def test_property_json_random_bytes_only_parse_error(module, junk, where):
    content = read(FIXTURE_OF[module])
    pos = where % len(content)
    content = replace_byte(content, pos, junk)
    try:
        run(module, content)
    except ParseError as err:
        assert err.line is not None
