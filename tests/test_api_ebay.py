"""eBay Finances client (payouts and their transactions) against a real loopback server.

The fake server plays eBay's token endpoint and the Finances API; each payout file the
client writes is read back by the real ``ebay_finances_json`` parser.
"""

import base64
import json
import logging
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from api_fake import Reply
from api_helpers import Clock, make_client
from conftest import FIXTURES
from marketplace_connectors.core.api import client_class
from marketplace_connectors.core.api.base import AuthError
from marketplace_connectors.core.api.ebay import SCOPE, TOKEN_URL, EbayClient
from marketplace_connectors.core.parsers import ebay_finances
from parser_helpers import run_parser, totals
from test_parser_ebay import EXPECTED

D = Decimal
CLIENT_ID = "SellerCo-odoo-PRD-a1b2c3d4"
CLIENT_SECRET = "PRD-secret-do-not-log-5e6f7a8b"
REFRESH = "v^1.1#i^1#r^1#refresh-do-not-log#f^0#t^Ul4xMF8"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
TOKEN_PATH = "/identity/v1/oauth2/token"
API = "/sell/finances/v1"
PAYOUT = f"{API}/payout"
TRANSACTION = f"{API}/transaction"
SINCE = "2025-03-01T00:00:00Z"
P1, P2 = "7000000001", "7000000002"


class Ebay:
    """eBay as the fake server plays it: issued tokens, payouts, transactions."""

    def __init__(self, payouts, transactions, expires_in=7200):
        self.payouts = payouts
        self.transactions = transactions
        self.expires_in = expires_in
        self.valid = set()  # access tokens eBay accepts right now
        self.issued = []

    def token(self, seen):
        form = parse_qs(seen.body.decode())
        expected = {
            "grant_type": ["refresh_token"],
            "refresh_token": [REFRESH],
            "scope": [SCOPE],
        }
        if seen.headers.get("Authorization") != BASIC or form != expected:
            return Reply(400, {"error": "invalid_grant"})
        self.issued.append(f"AT-{len(self.issued) + 1}")
        self.valid.add(self.issued[-1])
        body = {
            "access_token": self.issued[-1],
            "expires_in": self.expires_in,
            "token_type": "User Access Token",
        }
        return Reply(200, body)

    def listing(self, seen, key, items):
        offset, limit = int(seen.arg("offset")), int(seen.arg("limit"))
        if not items:
            return Reply(204, b"")
        body = {key: items[offset : offset + limit], "total": len(items)}
        body.update(limit=limit, offset=offset)
        if offset + limit < len(items):
            body["next"] = f"{seen.path}?offset={offset + limit}"
        return Reply(200, body)

    def authorized(self, seen):
        return seen.headers.get("Authorization", "")[len("Bearer ") :] in self.valid

    def payout(self, seen):
        if not self.authorized(seen):
            return Reply(401, {"errors": [{"message": "Invalid access token"}]})
        lower = seen.arg("filter")[len("payoutDate:[") : -len("..]")]
        found = [p for p in self.payouts if p["payoutDate"] >= lower]
        found.sort(key=lambda p: p["payoutDate"])
        return self.listing(seen, "payouts", found)

    def transaction(self, seen):
        if not self.authorized(seen):
            return Reply(401, {"errors": [{"message": "Invalid access token"}]})
        payout_id = seen.arg("filter")[len("payoutId:{") : -1]
        found = [t for t in self.transactions if t.get("payoutId") == payout_id]
        return self.listing(seen, "transactions", found)

    def serve(self, api):
        api.add("POST", TOKEN_PATH, self.token)
        api.add("GET", PAYOUT, self.payout)
        api.add("GET", TRANSACTION, self.transaction)
        return self


def make(api, cls=EbayClient, **credentials):
    clock = Clock()
    credentials = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
        "token_url": f"{api.url}{TOKEN_PATH}",
        **credentials,
    }
    client, _ = make_client(
        cls, api, credentials, base_url=f"{api.url}{API}", clock=clock
    )
    return client, clock


def fixture_data():
    """The parser fixture: P1 (SUCCEEDED), P2 (INITIATED), 12 transactions."""
    return json.loads(
        (FIXTURES / "ebay" / "finances_transactions_payouts.json").read_text()
    )


def payout(payout_id, date, amount="0.00", status="SUCCEEDED"):
    return {
        "payoutId": payout_id,
        "payoutStatus": status,
        "amount": {"value": amount, "currency": "EUR"},
        "payoutDate": date,
    }


def credit(txn_id, payout_id, value, kind="CREDIT", entry="CREDIT"):
    return {
        "transactionId": txn_id,
        "payoutId": payout_id,
        "transactionType": kind,
        "transactionStatus": "PAYOUT",
        "transactionDate": "2025-03-02T10:00:00.000Z",
        "amount": {"value": value, "currency": "EUR"},
        "bookingEntry": entry,
    }


def parse(page):
    ((filename, content, format_code),) = page.files
    assert format_code == "ebay_finances_json"
    return filename, *run_parser(ebay_finances, content, filename)


# ---------------------------------------------------------------- the walk


def test_succeeded_payout_is_taken_with_its_transactions_initiated_waits(api):
    data = fixture_data()
    ebay = Ebay(data["payouts"], data["transactions"]).serve(api)
    client, _ = make(api)

    first = client.fetch("payouts", {"since": SINCE})
    filename, payouts, lines = parse(first)
    assert filename == f"ebay-payout-{P1}.json"
    assert first.cursor == {"date": "2025-03-10T06:12:45.000Z", "ids": [P1]}
    assert first.more is False  # P2 is only INITIATED
    assert [(p.ref, p.amount_declared, p.status) for p in payouts] == [
        (P1, D("83.03"), "SUCCEEDED")
    ]
    assert totals(lines, P1) == EXPECTED[P1]  # worked by hand there
    assert sum(line.amount for line in lines) == D("83.03")
    assert {line.payout_ref for line in lines} == {P1}

    # P2 is still INITIATED: nothing to take, the cursor stays.
    waiting = client.fetch("payouts", first.cursor)
    assert (waiting.files, waiting.cursor, waiting.more) == ([], first.cursor, False)

    ebay.payouts[1]["payoutStatus"] = "SUCCEEDED"
    second = client.fetch("payouts", waiting.cursor)
    filename, payouts, lines = parse(second)
    assert filename == f"ebay-payout-{P2}.json"
    assert payouts[0].amount_declared == sum(line.amount for line in lines)
    assert payouts[0].amount_declared == D("15.42")
    assert second.cursor == {"date": "2025-03-12T06:00:00.000Z", "ids": [P2]}

    sent = [(s.path, s.query) for s in api.seen(method="GET")]
    assert sent == [
        (
            PAYOUT,
            {
                "sort": ["payoutDate"],
                "limit": ["200"],
                "offset": ["0"],
                "filter": ["payoutDate:[2025-03-01T00:00:00.000Z..]"],
            },
        ),
        (
            TRANSACTION,
            {"filter": [f"payoutId:{{{P1}}}"], "limit": ["200"], "offset": ["0"]},
        ),
        (PAYOUT, dict(sent[0][1], filter=["payoutDate:[2025-03-10T06:12:45.000Z..]"])),
        (PAYOUT, dict(sent[0][1], filter=["payoutDate:[2025-03-10T06:12:45.000Z..]"])),
        (
            TRANSACTION,
            {"filter": [f"payoutId:{{{P2}}}"], "limit": ["200"], "offset": ["0"]},
        ),
    ]


def test_transactions_over_several_pages_are_merged_into_one_file(api):
    txns, expected = [], D(0)
    for i in range(230):
        value = D(i % 50 + 5) + D(i * 37 % 100) / 100
        if i % 10 == 9:
            txns.append(credit(f"T-{i}", "P9", str(value), "REFUND", "DEBIT"))
            expected -= value
        else:
            txns.append(credit(f"T-{i}", "P9", str(value), "SALE"))
            expected += value
    assert expected == D("5073.57")
    Ebay([payout("P9", "2025-03-20T06:00:00.000Z", str(expected))], txns).serve(api)
    client, _ = make(api)

    page = client.fetch("payouts", {"since": SINCE})
    offsets = [s.arg("offset") for s in api.seen(TRANSACTION)]
    assert offsets == ["0", "200"]
    _, payouts, lines = parse(page)
    assert len(lines) == 230
    assert len({line.external_key for line in lines}) == 230
    assert payouts[0].amount_declared == D("5073.57")
    assert sum(line.amount for line in lines) == D("5073.57")


def test_payouts_sharing_a_date_are_neither_skipped_nor_repeated(api):
    same, later = "2025-03-10T06:00:00.000Z", "2025-03-17T06:00:00.000Z"
    payouts = [
        payout("A", same, "10.00"),
        payout("F", same, "99.00", "TERMINAL_FAILED"),
        payout("B", same, "20.00"),
        payout("C", later, "30.00"),
    ]
    txns = [credit(f"T-{p}", p, v) for p, v in (("A", "10.00"), ("B", "20.00"))]
    txns.append(credit("T-C", "C", "30.00"))
    Ebay(payouts, txns).serve(api)
    client, _ = make(api)

    cursor, taken = {"since": SINCE}, []
    for _ in range(4):
        page = client.fetch("payouts", cursor)
        taken.append((page.files and parse(page)[0], page.cursor, page.more))
        cursor = page.cursor
    assert taken == [
        ("ebay-payout-A.json", {"date": same, "ids": ["A"]}, True),
        ("ebay-payout-B.json", {"date": same, "ids": ["A", "F", "B"]}, True),
        ("ebay-payout-C.json", {"date": later, "ids": ["C"]}, False),
        ([], {"date": later, "ids": ["C"]}, False),
    ]
    # The failed payout moved no money: no file, no transaction call.
    assert [s.arg("filter") for s in api.seen(TRANSACTION)] == [
        "payoutId:{A}",
        "payoutId:{B}",
        "payoutId:{C}",
    ]


def test_empty_period_204_no_content_keeps_the_cursor(api):
    Ebay([], []).serve(api)
    client, _ = make(api)
    page = client.fetch("payouts", {"since": SINCE})
    assert (page.files, page.cursor, page.more) == ([], {"since": SINCE}, False)
    assert api.seen(PAYOUT)[-1].query["filter"] == [
        "payoutDate:[2025-03-01T00:00:00.000Z..]"
    ]


def test_empty_list_body_keeps_the_cursor(api):
    Ebay([], []).serve(api)
    api.add("GET", PAYOUT, Reply(200, {"payouts": [], "total": 0}))
    client, _ = make(api)
    cursor = {"date": "2025-03-10T06:00:00.000Z", "ids": ["A"]}
    page = client.fetch("payouts", cursor)
    assert (page.files, page.cursor, page.more) == ([], cursor, False)


# ---------------------------------------------------------------- tokens


def test_expired_token_is_refreshed_on_401_and_the_call_retried(api):
    data = fixture_data()
    data["payouts"][1]["payoutStatus"] = "SUCCEEDED"
    ebay = Ebay(data["payouts"], data["transactions"]).serve(api)
    client, clock = make(api)
    first = client.fetch("payouts", {"since": SINCE})
    ebay.valid.discard("AT-1")  # eBay expires the token early

    second = client.fetch("payouts", first.cursor)
    assert parse(second)[0] == f"ebay-payout-{P2}.json"
    assert ebay.issued == ["AT-1", "AT-2"]
    calls = [(s.path, s.headers["Authorization"]) for s in api.log]
    assert calls == [
        (TOKEN_PATH, BASIC),
        (PAYOUT, "Bearer AT-1"),
        (TRANSACTION, "Bearer AT-1"),
        (PAYOUT, "Bearer AT-1"),  # 401
        (TOKEN_PATH, BASIC),
        (PAYOUT, "Bearer AT-2"),
        (TRANSACTION, "Bearer AT-2"),
    ]
    token_call = api.seen(TOKEN_PATH)[0]
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_call.body.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": [REFRESH],
        "scope": ["https://api.ebay.com/oauth/api_scope/sell.finances"],
    }
    assert clock.slept == [0.2] * 6  # only the 5 calls/s spacing: no retry wait


def test_token_is_renewed_a_minute_before_it_expires(api):
    ebay = Ebay([], [], expires_in=120).serve(api)
    client, clock = make(api)
    client.fetch("payouts", {"since": SINCE})
    clock.now += 58  # 2 s before the renewal window (expiry - 60 s)
    client.fetch("payouts", {"since": SINCE})
    assert ebay.issued == ["AT-1"]
    clock.now += 3  # inside it: renewed before the call, no 401
    client.fetch("payouts", {"since": SINCE})
    assert ebay.issued == ["AT-1", "AT-2"]
    sent = [s.headers["Authorization"] for s in api.seen(PAYOUT)]
    assert sent == ["Bearer AT-1", "Bearer AT-1", "Bearer AT-2"]


def test_missing_credentials_raise_auth_error_without_a_call(api):
    client, _ = make(api, client_secret="", refresh_token=None)
    with pytest.raises(AuthError, match="missing: client_secret, refresh_token"):
        client.fetch("payouts", {"since": SINCE})
    assert api.log == []


def test_refused_refresh_is_an_auth_error_without_secrets(api, caplog):
    echo = f"refresh token {REFRESH} of {CLIENT_ID} is revoked"
    api.add(
        "POST",
        TOKEN_PATH,
        Reply(400, {"error": "invalid_grant", "error_description": echo}),
    )
    client, _ = make(api)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthError) as caught:
            client.fetch("payouts", {"since": SINCE})
    message = str(caught.value)
    assert message.startswith(f"POST {api.url}{TOKEN_PATH}: HTTP 400")
    assert "invalid_grant" in message and "***" in message
    for secret in (REFRESH, CLIENT_ID, CLIENT_SECRET, BASIC):
        assert secret not in message
        assert secret not in caplog.text
    assert api.seen(PAYOUT) == []


def test_default_token_endpoint_and_base_url():
    assert TOKEN_URL == "https://api.ebay.com/identity/v1/oauth2/token"
    assert EbayClient.BASE_URL == "https://apiz.ebay.com/sell/finances/v1"
    assert client_class("ebay") is EbayClient
    assert EbayClient.STREAMS == ("payouts",)
    with pytest.raises(ValueError, match="unknown eBay stream"):
        EbayClient().fetch("orders", {})


# ---------------------------------------------------------------- retries


def test_429_with_retry_after_then_success(api):
    data = fixture_data()
    ebay = Ebay(data["payouts"][:1], data["transactions"]).serve(api)
    api.add(
        "GET",
        TRANSACTION,
        Reply(
            429, {"errors": [{"message": "Too many requests"}]}, {"Retry-After": "4"}
        ),
        ebay.transaction,
    )
    client, clock = make(api)
    page = client.fetch("payouts", {"since": SINCE})
    assert len(api.seen(TRANSACTION)) == 2
    # 0.2 s spacing before the /payout and /transaction calls, then Retry-After.
    assert clock.slept == [0.2, 0.2, 4.0]
    assert sum(line.amount for line in parse(page)[2]) == D("83.03")


def test_500_then_success(api):
    data = fixture_data()
    ebay = Ebay(data["payouts"][:1], data["transactions"]).serve(api)
    api.add("GET", PAYOUT, Reply(500, {"errors": []}), ebay.payout)
    client, clock = make(api)
    page = client.fetch("payouts", {"since": SINCE})
    assert len(api.seen(PAYOUT)) == 2
    assert clock.slept == [0.2, 0.75, 0.2]  # backoff 0.5 + 0.5 * 0.5 after the 500
    assert parse(page)[0] == f"ebay-payout-{P1}.json"


# ---------------------------------------------------------------- what is sent


def test_headers_marketplace_and_signature_hook(api):
    data = fixture_data()
    Ebay(data["payouts"][:1], data["transactions"]).serve(api)
    signed = []

    class SignedClient(EbayClient):
        def signature_headers(self, method, url, body):
            signed.append((method, url, body))
            return {"x-ebay-signature-key": "jwe-key", "Signature": "sig1=:c2ln:"}

    client, _ = make(api, SignedClient, marketplace_id="EBAY_FR")
    client.fetch("payouts", {"since": SINCE})
    for seen in api.seen(method="GET"):
        assert seen.headers["Authorization"] == "Bearer AT-1"
        assert seen.headers["Accept"] == "application/json"
        assert seen.headers["X-EBAY-C-MARKETPLACE-ID"] == "EBAY_FR"
        assert seen.headers["x-ebay-signature-key"] == "jwe-key"
        assert seen.headers["Signature"] == "sig1=:c2ln:"
    assert signed == [
        (
            "GET",
            f"{api.url}{PAYOUT}?sort=payoutDate&limit=200&offset=0"
            "&filter=payoutDate:%5B2025-03-01T00:00:00.000Z..%5D",
            None,
        ),
        (
            "GET",
            f"{api.url}{TRANSACTION}?filter=payoutId:%7B{P1}%7D&limit=200&offset=0",
            None,
        ),
    ]
    assert EbayClient().signature_headers("GET", "https://x", None) == {}
    plain, _ = make(api)
    assert "X-EBAY-C-MARKETPLACE-ID" not in plain.auth_headers()


def test_no_secret_in_logs_errors_or_repr(api, caplog):
    data = fixture_data()
    ebay = Ebay(data["payouts"][:1], data["transactions"]).serve(api)
    api.add("GET", PAYOUT, Reply(503, {"errors": []}), ebay.payout)
    client, _ = make(api)
    with caplog.at_level(logging.DEBUG):
        page = client.fetch("payouts", {"since": SINCE})
        ebay.valid.clear()
        api.add("POST", TOKEN_PATH, Reply(401, {"error": "invalid_client"}))
        with pytest.raises(AuthError) as caught:
            client.fetch("payouts", page.cursor)
    assert "HTTP 503" in caplog.text
    for secret in (REFRESH, CLIENT_SECRET, BASIC, "Bearer AT-1"):
        assert secret not in caplog.text
        assert secret not in str(caught.value)
        assert secret not in repr(client)
    assert caught.value.status == 401
