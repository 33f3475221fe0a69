"""Shopify client against a real loopback server answering in Shopify's REST shapes.

``Shop`` plays the Admin API over in-memory data: the documented filters
(``since_id``, ``date_min``, ``payout_id``, ``updated_at_min``), newest-first payouts,
and cursor pagination through the ``Link`` header, refusing a ``page_info`` request
that repeats a filter, as Shopify does. Every produced file then goes through the real
parser, and its lines must add up to the payout's declared amount.
"""

import json
import logging
from decimal import Decimal

import pytest
from api_fake import Reply
from api_helpers import make_client, never_waits, parse_page
from marketplace_connectors.core.api import client_class
from marketplace_connectors.core.api.base import (
    ApiError,
    AuthError,
    RetryableApiError,
)
from marketplace_connectors.core.api.shopify import API_VERSION, ShopifyClient
from marketplace_connectors.core.dates import parse_datetime
from marketplace_connectors.core.records import OrderInfo
from parser_helpers import totals

D = Decimal
TOKEN = "shpat_0123456789abcdef-do-not-log"
ADMIN = f"/admin/api/{API_VERSION}"
PAYOUTS = f"{ADMIN}/shopify_payments/payouts.json"
TRANSACTIONS = f"{ADMIN}/shopify_payments/balance/transactions.json"
ORDERS = f"{ADMIN}/orders.json"
SINCE = "2025-03-01T00:00:00Z"


# --- the fake shop ---


class Shop:
    """Shopify's list endpoints over in-memory data, ``page_size`` items a page."""

    def __init__(self, api, page_size=250):
        self.api = api
        self.page_size = page_size
        self.payouts = []
        self.transactions = []
        self.orders = []
        self.walks = {}
        api.add("GET", PAYOUTS, self.list_payouts)
        api.add("GET", TRANSACTIONS, self.list_transactions)
        api.add("GET", ORDERS, self.list_orders)

    def paginate(self, seen, key, select):
        """One page of ``select(seen)``, or of the walk its ``page_info`` names."""
        if "page_info" in seen.query:
            if set(seen.query) - {"page_info", "limit"}:
                return Reply(400, {"errors": {"page_info": ["No other params"]}})
            items = self.walks[seen.arg("page_info")]
        else:
            items = select(seen)
        limit = int(seen.arg("limit", "50"))
        size = min(limit, self.page_size)
        links = []
        if "page_info" in seen.query:
            links.append(f'<{self.api.url}{seen.path}?page_info=back>; rel="previous"')
        if items[size:]:
            token = f"eyJsYXN0X2lkIjo{len(self.walks)}"
            self.walks[token] = items[size:]
            url = f"{self.api.url}{seen.path}?limit={limit}&page_info={token}"
            links.append(f'<{url}>; rel="next"')
        headers = {"Link": ", ".join(links)} if links else {}
        return Reply(200, {key: items[:size]}, headers)

    def list_payouts(self, seen):
        def select(seen):
            found = self.payouts
            if seen.arg("since_id"):
                found = [p for p in found if p["id"] > int(seen.arg("since_id"))]
            if seen.arg("date_min"):
                found = [p for p in found if p["date"] >= seen.arg("date_min")]
            # "ordered by payout date, with the most recent being first"
            return sorted(found, key=lambda p: (p["date"], p["id"]), reverse=True)

        return self.paginate(seen, "payouts", select)

    def list_transactions(self, seen):
        def select(seen):
            payout_id = int(seen.arg("payout_id"))
            found = [t for t in self.transactions if t["payout_id"] == payout_id]
            return sorted(found, key=lambda t: t["processed_at"], reverse=True)

        return self.paginate(seen, "transactions", select)

    def list_orders(self, seen):
        def select(seen):
            since = parse_datetime(seen.arg("updated_at_min"))
            found = [o for o in self.orders if parse_datetime(o["updated_at"]) >= since]
            return sorted(found, key=lambda o: parse_datetime(o["updated_at"]))

        if "page_info" not in seen.query and (
            seen.arg("status"),
            seen.arg("order"),
        ) != ("any", "updated_at asc"):
            return Reply(400, {"errors": "expected status=any, order=updated_at asc"})
        return self.paginate(seen, "orders", select)


def money(value):
    return f"{D(value):.2f}"


def payout(payout_id, amount, day, status="paid", **summary):
    return {
        "id": payout_id,
        "status": status,
        "date": day,
        "currency": "EUR",
        "amount": money(amount),
        "summary": {key: money(value) for key, value in summary.items()},
    }


def transaction(txn_id, payout_id, kind, amount, fee="0", order_id=None):
    return {
        "id": txn_id,
        "type": kind,
        "test": False,
        "payout_id": payout_id,
        "payout_status": "paid",
        "currency": "EUR",
        "amount": money(amount),
        "fee": money(fee),
        "net": money(D(amount) - D(fee)),
        "source_id": txn_id + 900,
        "source_type": "payout" if kind == "payout" else kind,
        "source_order_id": order_id,
        "source_order_transaction_id": None,
        "processed_at": f"2025-03-0{1 + txn_id % 3}T10:{txn_id % 60:02d}:00+01:00",
    }


# Payout 7001, by hand (fee lines are -fee):
#
# | id | type    | amount  | fee   | net     | lines                             |
# |----|---------|---------|-------|---------|-----------------------------------|
# | 11 | charge  |  100.00 |  2.15 |   97.85 | sale 100, payment_fee -2.15       |
# | 12 | charge  |   40.00 |  1.10 |   38.90 | sale 40, payment_fee -1.10        |
# | 13 | charge  |   60.00 |  1.55 |   58.45 | sale 60, payment_fee -1.55        |
# | 14 | refund  |  -20.00 |  0.00 |  -20.00 | refund -20                        |
# | 15 | dispute |  -25.00 | 15.00 |  -40.00 | dispute -25, dispute_fee -15      |
# | 16 | payout  | -135.20 |  0.00 | -135.20 | none (the payout itself)          |
#
# 97.85 + 38.90 + 58.45 - 20 - 40 = 135.20 = the payout; the summary agrees:
# 200 - 20 - 25 - (4.80 + 0 + 15) = 135.20.
PAYOUT_7001 = payout(
    7001,
    "135.20",
    "2025-03-04",
    charges_gross_amount="200",
    charges_fee_amount="4.80",
    refunds_gross_amount="-20",
    refunds_fee_amount="0",
    adjustments_gross_amount="-25",
    adjustments_fee_amount="15",
)
TRANSACTIONS_7001 = [
    transaction(11, 7001, "charge", "100", "2.15", order_id=501),
    transaction(12, 7001, "charge", "40", "1.10", order_id=502),
    transaction(13, 7001, "charge", "60", "1.55", order_id=503),
    transaction(14, 7001, "refund", "-20", order_id=501),
    transaction(15, 7001, "dispute", "-25", "15", order_id=502),
    transaction(16, 7001, "payout", "-135.20"),
]
TOTALS_7001 = {
    "sale": D("200.00"),
    "payment_fee": D("-4.80"),
    "refund": D("-20.00"),
    "dispute": D("-25.00"),
    "dispute_fee": D("-15.00"),
}


def small_payout(payout_id, day, status="paid"):
    """A payout of two charges: ``payout_id / 100`` + 10.00 gross, 1.00 of fees."""
    base = D(payout_id) / 100
    txns = [
        transaction(payout_id * 10 + 1, payout_id, "charge", base, "0.40"),
        transaction(payout_id * 10 + 2, payout_id, "charge", "10", "0.60"),
    ]
    return payout(payout_id, base + 9, day, status), txns


# --- helpers ---


def make(api, **kwargs):
    """A client of the fake shop; ``slept`` records the backoff waits."""
    return make_client(
        ShopifyClient, api, {"api_key": TOKEN}, clock=never_waits(), **kwargs
    )


def parse(file):
    """``(payouts, lines, orders)`` of a page file, through its real parser."""
    payouts, lines, others = parse_page(file, "shopify")
    return payouts, lines, [r for r in others if isinstance(r, OrderInfo)]


def assert_balanced(file, payout_id, amount):
    payouts, lines, _ = parse(file)
    assert {p.ref for p in payouts} == {str(payout_id)}
    assert all(p.amount_declared == D(amount) for p in payouts)
    assert {line.payout_ref for line in lines} == {str(payout_id)}
    assert sum(line.amount for line in lines) == D(amount)
    return lines


# --- payouts ---


def test_payout_page_holds_the_payout_and_every_transaction_page(api):
    shop = Shop(api, page_size=2)
    shop.payouts.append(PAYOUT_7001)
    shop.transactions.extend(TRANSACTIONS_7001)
    client, slept = make(api)
    page = client.fetch("payouts", {"since": SINCE})

    assert page.cursor == {"since": SINCE, "since_id": 7001}
    assert page.more is False
    [file] = page.files
    name, content, format_code = file
    assert (name, format_code) == (
        "shopify-payout-7001.json",
        "shopify_payments_json",
    )
    data = json.loads(content)
    assert data["payouts"] == [PAYOUT_7001]
    assert sorted(t["id"] for t in data["transactions"]) == [11, 12, 13, 14, 15, 16]
    lines = assert_balanced(file, 7001, "135.20")
    assert len(lines) == 9
    assert totals(lines) == TOTALS_7001
    assert {line.order_ref for line in lines} == {"501", "502", "503"}

    # What was sent: the token, the pinned version, the documented filters; the
    # next pages exactly as the Link header gave them.
    [listing] = api.seen(PAYOUTS)
    assert listing.query == {"date_min": ["2025-03-01"], "limit": ["250"]}
    sent = api.seen(TRANSACTIONS)
    assert [s.query for s in sent] == [
        {"payout_id": ["7001"], "limit": ["250"]},
        {"limit": ["250"], "page_info": ["eyJsYXN0X2lkIjo0"]},
        {"limit": ["250"], "page_info": ["eyJsYXN0X2lkIjo1"]},
    ]
    for seen in api.log:
        assert seen.headers["X-Shopify-Access-Token"] == TOKEN
        assert seen.path.startswith("/admin/api/2025-07/")
    assert slept == []


def test_the_oldest_paid_payout_is_found_across_link_pages(api):
    shop = Shop(api, page_size=2)
    for payout_id, day in zip(range(7001, 7006), range(3, 8), strict=True):
        new, txns = small_payout(payout_id, f"2025-03-0{day}")
        shop.payouts.append(new)
        shop.transactions.extend(txns)
    client, _ = make(api)
    page = client.fetch("payouts", {"since_id": 7000})
    assert page.files[0][0] == "shopify-payout-7001.json"
    assert page.cursor == {"since_id": 7001}
    assert page.more is True
    assert len(api.seen(PAYOUTS)) == 3  # 5 payouts, 2 a page
    assert api.seen(PAYOUTS)[0].query == {"since_id": ["7000"], "limit": ["250"]}
    assert_balanced(page.files[0], 7001, "79.01")


def test_cursor_walk_over_three_payouts(api):
    shop = Shop(api)
    for payout_id, day in ((7001, "2025-03-03"), (7002, "2025-03-04")):
        new, txns = small_payout(payout_id, day)
        shop.payouts.append(new)
        shop.transactions.extend(txns)
    new, txns = small_payout(7003, "2025-03-05")
    shop.payouts.append(new)
    shop.transactions.extend(txns)
    client, _ = make(api)

    cursor = {"since": SINCE}
    fetched = []
    for _ in range(3):
        page = client.fetch("payouts", cursor)
        [file] = page.files
        fetched.append((file[0], page.cursor["since_id"], page.more))
        payout_id = page.cursor["since_id"]
        assert_balanced(file, payout_id, D(payout_id) / 100 + 9)
        cursor = page.cursor
    assert fetched == [
        ("shopify-payout-7001.json", 7001, True),
        ("shopify-payout-7002.json", 7002, True),
        ("shopify-payout-7003.json", 7003, False),
    ]
    assert [s.query.get("since_id") for s in api.seen(PAYOUTS)] == [
        None,
        ["7001"],
        ["7002"],
    ]
    # Caught up: nothing more, the cursor stays.
    page = client.fetch("payouts", cursor)
    assert (page.files, page.cursor, page.more) == ([], cursor, False)


def test_empty_period_gives_an_empty_page_and_keeps_the_cursor(api):
    Shop(api)
    client, _ = make(api)
    cursor = {"since": SINCE, "since_id": 7009}
    page = client.fetch("payouts", cursor)
    assert (page.files, page.cursor, page.more) == ([], cursor, False)
    assert api.seen(TRANSACTIONS) == []


def test_a_payout_in_transit_holds_back_newer_ones_failed_ones_are_passed(api):
    shop = Shop(api)
    for payout_id, day, status in (
        (7001, "2025-03-03", "failed"),
        (7002, "2025-03-04", "in_transit"),
        (7003, "2025-03-05", "paid"),
    ):
        new, txns = small_payout(payout_id, day, status)
        shop.payouts.append(new)
        shop.transactions.extend(txns)
    client, _ = make(api)
    cursor = {"since_id": 7000}
    page = client.fetch("payouts", cursor)
    assert (page.files, page.cursor, page.more) == ([], cursor, False)
    assert page.info == {
        "waiting": {"id": 7002, "status": "in_transit", "date": "2025-03-04"}
    }

    shop.payouts[1]["status"] = "paid"
    page = client.fetch("payouts", cursor)
    assert page.files[0][0] == "shopify-payout-7002.json"
    assert (page.cursor, page.more) == ({"since_id": 7002}, True)
    page = client.fetch("payouts", page.cursor)
    assert page.files[0][0] == "shopify-payout-7003.json"
    assert page.more is False


def test_429_with_retry_after_then_success(api):
    shop = Shop(api)
    shop.payouts.append(PAYOUT_7001)
    shop.transactions.extend(TRANSACTIONS_7001)
    throttled = Reply(
        429,
        {"errors": "Exceeded 2 calls per second for api client."},
        {"Retry-After": "2.0"},
    )
    api.add("GET", PAYOUTS, throttled, shop.list_payouts)
    client, slept = make(api)
    page = client.fetch("payouts", {"since": SINCE})
    assert slept == [2.0]
    assert len(api.seen(PAYOUTS)) == 2
    assert_balanced(page.files[0], 7001, "135.20")


def test_500_then_success(api):
    shop = Shop(api)
    shop.payouts.append(PAYOUT_7001)
    shop.transactions.extend(TRANSACTIONS_7001)
    failing = Reply(500, {"errors": "Internal Server Error"})
    api.add("GET", TRANSACTIONS, failing, shop.list_transactions)
    client, slept = make(api)
    page = client.fetch("payouts", {"since": SINCE})
    assert slept == [0.75]  # attempt 0: ceiling 1 s, jitter 0.5 -> 0.5 + 0.25
    assert len(api.seen(TRANSACTIONS)) == 2
    assert_balanced(page.files[0], 7001, "135.20")


def test_throttled_throughout_is_retryable_with_shopify_delay(api):
    api.add("GET", PAYOUTS, Reply(429, {"errors": "slow"}, {"Retry-After": "4"}))
    client, slept = make(api, max_retries=1)
    with pytest.raises(RetryableApiError) as caught:
        client.fetch("payouts", {"since": SINCE})
    assert caught.value.retry_after == 4.0
    assert slept == [4.0]
    assert TOKEN not in str(caught.value)


def test_no_token_in_any_log_line_nor_error(api, caplog):
    shop = Shop(api)
    shop.payouts.append(PAYOUT_7001)
    api.add("GET", PAYOUTS, Reply(503), shop.list_payouts)
    api.add(
        "GET",
        TRANSACTIONS,
        Reply(401, {"errors": "[API] Invalid API key or access token"}),
    )
    client, _ = make(api)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthError) as caught:
            client.fetch("payouts", {"since": SINCE})
    assert "HTTP 503" in caplog.text
    assert caught.value.status == 401
    assert str(caught.value).startswith(f"GET {api.url}{TRANSACTIONS}: HTTP 401")
    for text in (caplog.text, str(caught.value), repr(client)):
        assert TOKEN not in text
    assert api.seen(TRANSACTIONS)[0].headers["X-Shopify-Access-Token"] == TOKEN


def test_a_next_page_on_another_host_is_not_followed(api):
    link = '<https://elsewhere.example/admin/payouts.json?page_info=x>; rel="next"'
    api.add("GET", PAYOUTS, Reply(200, {"payouts": []}, {"Link": link}))
    client, _ = make(api)
    with pytest.raises(ApiError, match="another host"):
        client.fetch("payouts", {"since": SINCE})
    assert len(api.log) == 1


def test_no_token_or_no_shop_url_fails_before_any_call(api):
    with pytest.raises(AuthError, match="no access token"):
        ShopifyClient({}, base_url=api.url).fetch("payouts", {})
    assert api.log == []
    with pytest.raises(ApiError, match="no shop admin URL"):
        ShopifyClient({"api_key": TOKEN}).fetch("payouts", {})


def test_registered_with_its_streams_and_limits(api):
    assert client_class("shopify") is ShopifyClient
    assert ShopifyClient.STREAMS == ("payouts", "orders")
    assert ShopifyClient().limiter.interval == 0.5  # 2 calls per second
    Shop(api)
    # The shop URL may be given with its /admin suffix.
    client = ShopifyClient({"api_key": TOKEN}, base_url=f"{api.url}/admin")
    client.fetch("payouts", {})
    assert api.log[0].path == PAYOUTS
    with pytest.raises(ValueError, match="unknown Shopify stream"):
        client.fetch("refunds", {})


# --- orders ---


def order(order_id, updated_at, price="20.00"):
    return {
        "id": order_id,
        "name": f"#{order_id}",
        "created_at": "2025-03-01T09:00:00+01:00",
        "updated_at": updated_at,
        "currency": "EUR",
        "financial_status": "paid",
        "fulfillment_status": None,
        "cancelled_at": None,
        "taxes_included": True,
        "email": f"client{order_id}@example.fr",
        "customer": {"first_name": "Claire", "last_name": f"N{order_id}"},
        "shipping_address": {"name": "Claire", "country_code": "FR"},
        "line_items": [
            {
                "id": order_id * 10,
                "sku": f"SKU-{order_id}",
                "title": "Lampe",
                "quantity": 1,
                "price": price,
                "discount_allocations": [],
            }
        ],
        "shipping_lines": [],
    }


def test_orders_walk_link_pages_then_move_since_to_the_latest_update(api):
    shop = Shop(api, page_size=2)
    shop.orders.extend(
        [
            order(501, "2025-03-02T10:00:00+01:00"),  # 09:00Z
            order(502, "2025-03-02T09:30:00Z"),
            order(503, "2025-03-02T11:00:00+01:00"),  # 10:00Z
            order(504, "2025-03-02T10:00:00Z"),  # same instant as 503
            order(505, "2025-03-01T23:00:00Z"),  # before since: not listed
        ]
    )
    client, _ = make(api)
    since = "2025-03-02T00:00:00Z"

    page = client.fetch("orders", {"since": since})
    [file] = page.files
    assert file[0] == "shopify-orders-1740907800.json"  # 2025-03-02T09:30:00Z
    assert file[2] == "shopify_orders_json"
    assert [o.ref for o in parse(file)[2]] == ["501", "502"]
    assert page.more is True
    assert page.cursor == {
        "since": since,
        "page_info": "eyJsYXN0X2lkIjo0",
        "until": "2025-03-02T09:30:00Z",
        "until_ids": [502],
    }
    assert api.log[-1].query == {
        "status": ["any"],
        "limit": ["250"],
        "order": ["updated_at asc"],
        "updated_at_min": [since],
    }

    page = client.fetch("orders", page.cursor)
    assert api.log[-1].query == {
        "limit": ["250"],
        "page_info": ["eyJsYXN0X2lkIjo0"],
    }
    _, _, orders = parse(page.files[0])
    assert [(o.ref, o.lines[0].price_unit) for o in orders] == [
        ("503", D("20.00")),
        ("504", D("20.00")),
    ]
    # The walk is over: since moves to the latest update, page_info goes.
    assert page.more is False
    assert page.cursor == {
        "since": "2025-03-02T11:00:00+01:00",
        "since_ids": [503, 504],
    }

    # Shopify's updated_at_min is inclusive: 503 and 504 come back, and are
    # left out; an idle shop gives an empty page and keeps the cursor.
    cursor = page.cursor
    page = client.fetch("orders", cursor)
    assert api.log[-1].arg("updated_at_min") == "2025-03-02T11:00:00+01:00"
    assert (page.files, page.cursor, page.more) == ([], cursor, False)

    # 502 refunded later: page 1 (503, 504, both at since) is read, and is empty.
    shop.orders[1]["updated_at"] = "2025-03-03T08:00:00Z"
    page = client.fetch("orders", cursor)
    assert (page.files, page.more) == ([], True)
    assert page.cursor == dict(cursor, page_info="eyJsYXN0X2lkIjo1")
    page = client.fetch("orders", page.cursor)
    assert [o.ref for o in parse(page.files[0])[2]] == ["502"]
    assert page.more is False
    assert page.cursor == {"since": "2025-03-03T08:00:00Z", "since_ids": [502]}
    for seen in api.log:
        assert seen.headers["X-Shopify-Access-Token"] == TOKEN
