"""Stripe client against a real loopback server answering in Stripe's API shapes.

``Account`` plays ``/v1/payouts`` and ``/v1/balance_transactions`` over in-memory
objects: newest first, ``created[gte]``-style filters, ``limit`` /
``starting_after`` / ``has_more`` pagination, and Stripe's refusal to itemize a manual
payout. Every produced file then goes through the real parser, and its lines must add
up to the payout's amount.
"""

import json
import logging
import operator
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from api_fake import Reply
from api_helpers import make_client, never_waits, parse_page
from marketplace_connectors.core.api import client_class
from marketplace_connectors.core.api.base import AuthError, RetryableApiError
from marketplace_connectors.core.api.stripe import STRIPE_VERSION, StripeClient
from parser_helpers import totals

D = Decimal
KEY = "rk_live_51Hx0123456789-do-not-log"
PAYOUTS = "/v1/payouts"
BALANCE = "/v1/balance_transactions"
SINCE = "2025-03-01T00:00:00Z"
SINCE_UNIX = 1740787200
T0 = 1741000000  # 2025-03-03T11:06:40Z
DAY = 86400
FILTERS = {
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
}


# --- the fake account ---


class Account:
    """Stripe's list endpoints over in-memory objects, ``page_size`` a page."""

    def __init__(self, api, page_size=100):
        self.page_size = page_size
        self.payouts = []
        self.transactions = defaultdict(list)  # payout id -> balance transactions
        api.add("GET", PAYOUTS, self.list_payouts)
        api.add("GET", BALANCE, self.list_transactions)

    def add(self, payout, transactions=()):
        self.payouts.append(payout)
        self.transactions[payout["id"]].extend(transactions)

    def listing(self, seen, items):
        """One page of ``items`` (newest first) after ``starting_after``."""
        limit = int(seen.arg("limit", "10"))
        if not 1 <= limit <= 100:
            return error(400, "invalid_request_error", "Invalid limit")
        items = sorted(items, key=lambda i: (i["created"], i["id"]), reverse=True)
        after = seen.arg("starting_after")
        if after:
            ids = [item["id"] for item in items]
            items = items[ids.index(after) + 1 :]
        size = min(limit, self.page_size)
        body = {
            "object": "list",
            "url": seen.path,
            "has_more": len(items) > size,
            "data": items[:size],
        }
        return Reply(200, body)

    def list_payouts(self, seen):
        found = self.payouts
        for name, compare in FILTERS.items():
            value = seen.arg(f"created[{name}]")
            if value is not None:
                found = [p for p in found if compare(p["created"], int(value))]
        if seen.arg("status"):
            found = [p for p in found if p["status"] == seen.arg("status")]
        return self.listing(seen, found)

    def list_transactions(self, seen):
        payout_id = seen.arg("payout")
        payouts = {p["id"]: p for p in self.payouts}
        if payout_id not in payouts:
            return error(404, "invalid_request_error", f"No such payout: {payout_id}")
        if not payouts[payout_id]["automatic"]:
            return error(
                400,
                "invalid_request_error",
                "Balance transaction history can only be filtered on automatic "
                "transfers, not manual.",
            )
        return self.listing(seen, self.transactions[payout_id])


def error(status, kind, message):
    return Reply(status, {"error": {"type": kind, "message": message}})


def stripe_payout(payout_id, amount, created, status="paid", automatic=True):
    return {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "arrival_date": created + 2 * DAY,
        "automatic": automatic,
        "balance_transaction": f"txn_{payout_id}",
        "created": created,
        "currency": "eur",
        "description": "STRIPE PAYOUT",
        "destination": "ba_1OxFRbankaccount",
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": True,
        "metadata": {},
        "method": "standard",
        "reconciliation_status": "completed" if automatic else "not_applicable",
        "source_type": "card",
        "statement_descriptor": None,
        "status": status,
        "type": "bank_account",
    }


def balance_transaction(txn_id, category, amount, fee, created, source, kind=None):
    fee_details = []
    if fee:
        fee_details = [
            {
                "amount": fee,
                "application": None,
                "currency": "eur",
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            }
        ]
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created + 2 * DAY,
        "created": created,
        "currency": "eur",
        "description": None,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": fee_details,
        "net": amount - fee,
        "reporting_category": category,
        "source": source,
        "status": "available",
        "type": kind or category,
    }


# Payout po_A (automatic), by hand, in cents (fee lines are -fee):
#
# | txn    | reporting_category | amount | fee  | net   | lines                       |
# |--------|--------------------|--------|------|-------|-----------------------------|
# | txn_A1 | charge             |  10000 |  165 |  9835 | sale 100, payment_fee -1.65 |
# | txn_A2 | charge             |   5000 |   95 |  4905 | sale 50, payment_fee -0.95  |
# | txn_A3 | refund             |  -2000 |    0 | -2000 | refund -20                  |
# | txn_A4 | dispute            |  -3000 | 1500 | -4500 | dispute -30, dispute_fee -15|
# | txn_A5 | fee (Radar)        |   -200 |    0 |  -200 | payment_fee -2              |
# | txn_A6 | payout             |  -8040 |    0 | -8040 | none (the payout itself)    |
#
# 9835 + 4905 - 2000 - 4500 - 200 = 8040 = the payout (80.40 EUR).
PAYOUT_A = stripe_payout("po_A", 8040, T0)
TRANSACTIONS_A = [
    balance_transaction("txn_A1", "charge", 10000, 165, T0 - 600, "ch_1"),
    balance_transaction("txn_A2", "charge", 5000, 95, T0 - 500, "ch_2"),
    balance_transaction("txn_A3", "refund", -2000, 0, T0 - 400, "re_1"),
    balance_transaction(
        "txn_A4", "dispute", -3000, 1500, T0 - 300, "du_1", kind="adjustment"
    ),
    balance_transaction("txn_A5", "fee", -200, 0, T0 - 200, "ch_1", "stripe_fee"),
    balance_transaction("txn_A6", "payout", -8040, 0, T0, "po_A"),
]
TOTALS_A = {
    "sale": D("150.00"),
    "payment_fee": D("-4.60"),
    "refund": D("-20.00"),
    "dispute": D("-30.00"),
    "dispute_fee": D("-15.00"),
}


def small_payout(payout_id, created, status="paid", automatic=True):
    """A payout of one charge of 12.34 EUR with 0.34 of fees (12.00 paid out)."""
    txns = [
        balance_transaction(
            f"txn_{payout_id}_1", "charge", 1234, 34, created - 60, "ch"
        ),
        balance_transaction(f"txn_{payout_id}_2", "payout", -1200, 0, created, "po"),
    ]
    return stripe_payout(payout_id, 1200, created, status, automatic), txns


# --- helpers ---


def make(api, **kwargs):
    """A client of the fake account; ``slept`` records the backoff waits."""
    return make_client(
        StripeClient, api, {"api_key": KEY}, clock=never_waits(), **kwargs
    )


def parse(file):
    """``(payouts, lines)`` of a page file, through its real parser."""
    payouts, lines, others = parse_page(file, "stripe")
    assert not others
    return payouts, lines


def assert_balanced(file, payout_id, amount):
    [payout], lines = parse(file)
    assert (payout.ref, payout.amount_declared) == (payout_id, D(amount))
    assert {line.payout_ref for line in lines} == {payout_id}
    assert sum(line.amount for line in lines) == D(amount)
    return lines


def walk(client, cursor, fetches):
    """``fetches`` pages from ``cursor``: ``(payout id, more)`` each, last cursor."""
    seen = []
    for _ in range(fetches):
        page = client.fetch("payouts", cursor)
        [file] = page.files
        assert_balanced(file, page.cursor["id"], "12.00")
        seen.append((page.cursor["id"], page.more))
        cursor = page.cursor
    return seen, cursor


# --- payouts ---


def test_payout_page_holds_the_payout_and_every_balance_transaction_page(api):
    account = Account(api, page_size=2)
    account.add(PAYOUT_A, TRANSACTIONS_A)
    client, slept = make(api)
    page = client.fetch("payouts", {"since": SINCE})

    assert page.cursor == {"since": SINCE, "created": T0, "id": "po_A", "ids": ["po_A"]}
    assert page.more is False
    [file] = page.files
    name, content, format_code = file
    assert (name, format_code) == ("stripe-payout-po_A.json", "stripe_balance_json")
    data = json.loads(content)
    assert data["payout"] == PAYOUT_A
    assert sorted(t["id"] for t in data["balance_transactions"]) == [
        f"txn_A{i}" for i in range(1, 7)
    ]
    lines = assert_balanced(file, "po_A", "80.40")
    assert len(lines) == 8
    assert totals(lines) == TOTALS_A
    [payout], _ = parse(file)
    assert payout.date_deposit == datetime(2025, 3, 5, 11, 6, 40, tzinfo=timezone.utc)

    # What was sent: the key and the pinned version in headers, the documented
    # filters, and has_more walked with starting_after.
    [listing] = api.seen(PAYOUTS)
    assert listing.query == {"limit": ["100"], "created[gte]": [str(SINCE_UNIX)]}
    assert [s.query for s in api.seen(BALANCE)] == [
        {"payout": ["po_A"], "limit": ["100"]},
        {"payout": ["po_A"], "limit": ["100"], "starting_after": ["txn_A5"]},
        {"payout": ["po_A"], "limit": ["100"], "starting_after": ["txn_A3"]},
    ]
    for seen in api.log:
        assert seen.headers["Authorization"] == f"Bearer {KEY}"
        assert seen.headers["Stripe-Version"] == STRIPE_VERSION
    assert slept == []


def test_the_oldest_payout_is_found_across_has_more_pages(api):
    account = Account(api, page_size=2)
    for n in range(5):
        account.add(*small_payout(f"po_{n}", T0 + n * DAY))
    client, _ = make(api)
    page = client.fetch("payouts", {"since": "2025-03-01"})
    assert page.files[0][0] == "stripe-payout-po_0.json"
    assert page.more is True
    assert [s.arg("starting_after") for s in api.seen(PAYOUTS)] == [
        None,
        "po_3",
        "po_1",
    ]
    assert api.seen(PAYOUTS)[0].arg("created[gte]") == str(SINCE_UNIX)


def test_cursor_walk_over_three_payouts(api):
    account = Account(api)
    for n in range(3):
        account.add(*small_payout(f"po_{n}", T0 + n * DAY))
    client, _ = make(api)
    fetched, cursor = walk(client, {"since": SINCE}, 3)
    assert fetched == [("po_0", True), ("po_1", True), ("po_2", False)]
    assert [s.arg("created[gte]") for s in api.seen(PAYOUTS)] == [
        str(SINCE_UNIX),
        str(T0),
        str(T0 + DAY),
    ]
    assert cursor == {
        "since": SINCE,
        "created": T0 + 2 * DAY,
        "id": "po_2",
        "ids": ["po_2"],
    }
    # Caught up: nothing more, the cursor stays.
    page = client.fetch("payouts", cursor)
    assert (page.files, page.cursor, page.more) == ([], cursor, False)


def test_payouts_created_in_the_same_second_are_neither_skipped_nor_repeated(api):
    account = Account(api, page_size=2)
    for payout_id in ("po_Z", "po_X", "po_Y"):
        account.add(*small_payout(payout_id, T0))
    account.add(*small_payout("po_W", T0 + 10))
    client, _ = make(api)
    fetched, cursor = walk(client, {"since": SINCE}, 4)
    assert fetched == [
        ("po_X", True),
        ("po_Y", True),
        ("po_Z", True),
        ("po_W", False),
    ]
    assert cursor == {"since": SINCE, "created": T0 + 10, "id": "po_W", "ids": ["po_W"]}
    page = client.fetch("payouts", cursor)
    assert (page.files, page.cursor) == ([], cursor)
    # Inside the second, the cursor names every payout already synced.
    fetched, cursor = walk(client, {"since": SINCE}, 2)
    assert cursor["ids"] == ["po_X", "po_Y"]


def test_manual_payout_gives_the_payout_alone(api):
    account = Account(api)
    account.add(stripe_payout("po_M", 5000, T0, automatic=False))
    client, _ = make(api)
    page = client.fetch("payouts", {"since": SINCE})
    [file] = page.files
    assert json.loads(file[1]) == {
        "payout": stripe_payout("po_M", 5000, T0, automatic=False),
        "balance_transactions": [],
    }
    [payout], lines = parse(file)
    assert (payout.ref, payout.amount_declared, lines) == ("po_M", D("50.00"), [])
    assert api.seen(BALANCE) == []  # Stripe would refuse: manual payouts


def test_empty_period_gives_an_empty_page_and_keeps_the_cursor(api):
    Account(api)
    client, _ = make(api)
    cursor = {"since": SINCE, "created": T0, "id": "po_A", "ids": ["po_A"]}
    page = client.fetch("payouts", cursor)
    assert (page.files, page.cursor, page.more) == ([], cursor, False)
    assert api.seen(BALANCE) == []


def test_a_payout_in_transit_holds_back_newer_ones_failed_ones_are_passed(api):
    account = Account(api)
    account.add(*small_payout("po_1", T0, "failed"))
    account.add(*small_payout("po_2", T0 + DAY, "in_transit"))
    account.add(*small_payout("po_3", T0 + 2 * DAY))  # e.g. an instant payout
    client, _ = make(api)
    cursor = {"since": SINCE}
    page = client.fetch("payouts", cursor)
    assert (page.files, page.cursor, page.more) == ([], cursor, False)
    assert page.info == {"waiting": {"id": "po_2", "status": "in_transit"}}

    account.payouts[1]["status"] = "paid"
    fetched, _ = walk(client, cursor, 2)
    assert fetched == [("po_2", True), ("po_3", False)]


def test_429_with_retry_after_then_success(api):
    account = Account(api)
    account.add(PAYOUT_A, TRANSACTIONS_A)
    throttled = error(429, "rate_limit_error", "Request rate limit exceeded.")
    throttled.headers["Retry-After"] = "1"
    api.add("GET", PAYOUTS, throttled, account.list_payouts)
    client, slept = make(api)
    page = client.fetch("payouts", {"since": SINCE})
    assert slept == [1.0]
    assert len(api.seen(PAYOUTS)) == 2
    assert_balanced(page.files[0], "po_A", "80.40")


def test_500_then_success(api):
    account = Account(api)
    account.add(PAYOUT_A, TRANSACTIONS_A)
    failing = error(500, "api_error", "An unknown error occurred")
    api.add("GET", BALANCE, failing, failing, account.list_transactions)
    client, slept = make(api)
    page = client.fetch("payouts", {"since": SINCE})
    assert slept == [0.75, 1.5]  # exponential backoff, jitter 0.5
    assert_balanced(page.files[0], "po_A", "80.40")


def test_throttled_throughout_is_retryable(api):
    api.add("GET", PAYOUTS, error(429, "rate_limit_error", "Too many requests"))
    client, slept = make(api, max_retries=2)
    with pytest.raises(RetryableApiError) as caught:
        client.fetch("payouts", {"since": SINCE})
    assert caught.value.status == 429
    assert slept == [0.75, 1.5]
    assert KEY not in str(caught.value)


def test_no_key_in_any_log_line_nor_error(api, caplog):
    account = Account(api)
    account.add(PAYOUT_A, TRANSACTIONS_A)
    api.add("GET", PAYOUTS, Reply(502), account.list_payouts)
    api.add(
        "GET",
        BALANCE,
        error(
            401, "invalid_request_error", "Invalid API Key provided: rk_live_****log"
        ),
    )
    client, _ = make(api)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthError) as caught:
            client.fetch("payouts", {"since": SINCE})
    assert "HTTP 502" in caplog.text
    assert str(caught.value).startswith(f"GET {api.url}{BALANCE}: HTTP 401")
    for text in (caplog.text, str(caught.value), repr(client)):
        assert KEY not in text
    assert api.seen(BALANCE)[0].headers["Authorization"] == f"Bearer {KEY}"


def test_no_key_fails_before_any_call(api):
    with pytest.raises(AuthError, match="no secret key"):
        StripeClient({}, base_url=api.url).fetch("payouts", {"since": SINCE})
    assert api.log == []


def test_registered_with_its_stream_base_url_and_limits():
    assert client_class("stripe") is StripeClient
    assert StripeClient.STREAMS == ("payouts",)
    client = StripeClient({"api_key": KEY})
    assert client.base_url == "https://api.stripe.com/"
    assert client.limiter.interval == pytest.approx(0.05)
    assert KEY not in repr(client)
    with pytest.raises(ValueError, match="unknown Stripe stream"):
        client.fetch("orders", {})
