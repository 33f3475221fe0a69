"""Mirakl client (TL02 transaction lines, OR11 orders) against a real loopback server.

Every file the client produces is read back by the real parser: a sync must give
what a dropped file gives.
"""

import json
import logging
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from api_fake import Reply
from api_helpers import Clock, make_client
from conftest import FIXTURES
from marketplace_connectors.core.api import client_class
from marketplace_connectors.core.api.base import ApiError, AuthError
from marketplace_connectors.core.api.mirakl import MiraklClient
from marketplace_connectors.core.parsers import mirakl_orders, mirakl_transactions
from parser_helpers import run_parser

D = Decimal
KEY = "5b1e7c3a-mirakl-shop-key-do-not-log"
TL02 = "/api/sellerpayment/transactions_logs"
OR11 = "/api/orders"
SINCE = "2025-03-01T00:00:00Z"
D1, D2, D3, UK = (
    "FR-AD-2025-0001",
    "FR-AD-2025-0002",
    "FR-AD-2025-0003",
    "UK-AD-2025-0001",
)


def make(api, **credentials):
    clock = Clock()
    client, _ = make_client(
        MiraklClient, api, {"api_key": KEY, **credentials}, clock=clock
    )
    return client, clock


def walk(client, stream, cursor):
    """Fetch pages until the client says none is ready: the list of pages."""
    pages = []
    while True:
        page = client.fetch(stream, cursor)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            return pages


def without_walk_start(cursor):
    return {k: v for k, v in cursor.items() if k != "walk_started"}


def parse_files(module, pages):
    payouts, lines = [], []
    for page in pages:
        for filename, content, _format in page.files:
            found = run_parser(module, content, filename)
            payouts += found[0]
            lines += found[1]
    return payouts, lines


# ---------------------------------------------------------------- TL02 server


def fixture_lines():
    """The 35 TL02 lines of the parser fixture, oldest update first."""
    data = json.loads((FIXTURES / "mirakl" / "tl02_transactions.json").read_text())
    return sorted(data["data"], key=lambda line: line["last_updated"])


def paged_tl02(pages):
    """A TL02 endpoint serving ``pages`` with seek tokens ``tok-2``, ``tok-3``..."""
    tokens = [None] + [f"tok-{n}" for n in range(2, len(pages) + 1)]

    def answer(seen):
        token = seen.arg("page_token")
        if token not in tokens:
            return Reply(400, {"message": "Invalid page token"})
        i = tokens.index(token)
        following = tokens[i + 1] if i + 1 < len(pages) else None
        return Reply(200, {"data": pages[i], "next_page_token": following})

    return answer


def ledger_tl02(ledger):
    """A TL02 endpoint answering from ``ledger`` with Mirakl's inclusive bound."""

    def answer(seen):
        since = seen.arg("last_updated_from", "")
        lines = [line for line in ledger if line["last_updated"] >= since]
        lines.sort(key=lambda line: line["last_updated"])
        return Reply(200, {"data": lines, "next_page_token": None})

    return answer


def tl02_line(line_id, ttype, amount, updated, doc=None, state="PENDING"):
    credited, debited = (amount, 0) if amount >= 0 else (0, -amount)
    return {
        "id": line_id,
        "type": ttype,
        "currency_iso_code": "EUR",
        "date_created": updated,
        "last_updated": updated,
        "payment_state": state,
        "amount_credited": credited,
        "amount_debited": debited,
        "amount": amount,
        "accounting_document_number": doc,
        "entities": {"order": {"id": "200001-A"}},
    }


# ---------------------------------------------------------------- TL02


def test_tl02_walk_follows_page_tokens_and_each_cycle_balances(api):
    lines = fixture_lines()
    served = [lines[:12], lines[12:24], lines[24:]]
    api.add("GET", TL02, paged_tl02(served))
    client, _ = make(api)
    pages = walk(client, "transactions", {"since": SINCE})
    sent = [seen.query for seen in api.seen(TL02)]

    assert [page.more for page in pages] == [True, True, False]
    assert [page.files[0][0] for page in pages] == [
        "mirakl-tl02-1.json",
        "mirakl-tl02-2.json",
        "mirakl-tl02-3.json",
    ]
    assert {page.files[0][2] for page in pages} == {"mirakl_tl02_json"}
    assert [json.loads(page.files[0][1])["data"] for page in pages] == served
    assert sent == [
        {
            "limit": ["1000"],
            "sort": ["lastUpdated,ASC"],
            "last_updated_from": [SINCE],
        },
        {"limit": ["1000"], "page_token": ["tok-2"]},
        {"limit": ["1000"], "page_token": ["tok-3"]},
    ]
    assert without_walk_start(pages[0].cursor) == {
        "since": SINCE,
        "page_token": "tok-2",
        "page": 2,
        "max_seen": "2025-03-08T11:00:00Z",
    }
    assert pages[1].cursor["walk_started"] == pages[0].cursor["walk_started"]
    assert pages[2].cursor == {"since": "2025-04-16T10:00:00Z"}

    # The parser reads the three pages as it reads the whole file: each PAYMENT
    # equals the sum of its cycle's lines, wherever the lines fell.
    payouts, parsed = parse_files(mirakl_transactions, pages)
    assert len(parsed) == 32
    declared = {p.ref: p.amount_declared for p in payouts}
    assert declared == {D1: D("62.71"), D2: D("36.28"), UK: D("42.50")}
    refs = (D1, D2, D3, UK)
    totals = {ref: sum(x.amount for x in parsed if x.payout_ref == ref) for ref in refs}
    for ref in (D1, D2, UK):
        assert totals[ref] == declared[ref], ref
    assert totals[D3] == D("-85.29")  # a negative cycle: no PAYMENT


def test_tl02_empty_period_gives_no_file_and_keeps_the_cursor(api):
    api.add("GET", TL02, Reply(200, {"data": [], "next_page_token": None}))
    client, _ = make(api)
    page = client.fetch("transactions", {"since": SINCE})
    assert page.files == []
    assert page.cursor == {"since": SINCE}
    assert page.more is False


def test_tl02_lines_at_since_and_updated_lines_come_back_keys_dedupe_them(api):
    t1, t2, t3 = "2025-03-02T09:00:00Z", "2025-03-03T09:00:00Z", "2025-03-15T06:00:00Z"
    ledger = [
        tl02_line("L-sale", "ORDER_AMOUNT", 50.0, t1),
        tl02_line("L-fee", "COMMISSION_FEE", -7.5, t2),
    ]
    api.add("GET", TL02, ledger_tl02(ledger))
    client, _ = make(api)
    first = client.fetch("transactions", {"since": SINCE})
    assert first.cursor == {"since": t2}
    # The cycle closes: both lines are paid (updated again) and the PAYMENT comes.
    ledger[:] = [
        tl02_line("L-sale", "ORDER_AMOUNT", 50.0, t3, D1, "PAID"),
        tl02_line("L-fee", "COMMISSION_FEE", -7.5, t3, D1, "PAID"),
        tl02_line("L-pay", "PAYMENT", -42.5, t3, D1, "PAID"),
    ]
    second = client.fetch("transactions", first.cursor)
    # Nothing new: the lines at the bound are read again, the cursor stays.
    third = client.fetch("transactions", second.cursor)
    sent = [seen.arg("last_updated_from") for seen in api.seen(TL02)]

    assert sent == [SINCE, t2, t3]
    assert second.cursor == third.cursor == {"since": t3}
    _, before = parse_files(mirakl_transactions, [first])
    payouts, after = parse_files(mirakl_transactions, [second])
    _, again = parse_files(mirakl_transactions, [third])
    keys = [line.external_key for line in before + after + again]
    assert set(keys) == {"mirakl:L-sale", "mirakl:L-fee"}  # 6 lines, 2 records
    assert [p.amount_declared for p in payouts] == [D("42.50")]
    assert sum(line.amount for line in after) == D("42.50")
    assert {line.payout_ref for line in after} == {D1}


def test_tl02_next_since_is_capped_at_the_server_time_of_the_walk_start(api):
    """A line updated while a walk runs is not skipped by the next since."""
    start = datetime.now(timezone.utc).replace(microsecond=0)
    future = "2099-01-01T00:00:00Z"  # a line updated after the walk began
    served = [
        [tl02_line("L-1", "ORDER_AMOUNT", 10.0, "2025-03-02T09:00:00Z")],
        [tl02_line("L-2", "ORDER_AMOUNT", 20.0, future)],
    ]
    api.add("GET", TL02, paged_tl02(served))
    client, _ = make(api)
    pages = walk(client, "transactions", {"since": SINCE})
    since = pages[-1].cursor["since"]
    assert pages[0].cursor["max_seen"] == "2025-03-02T09:00:00Z"
    assert since == pages[0].cursor["walk_started"]
    moment = datetime.strptime(since, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert 0 <= (moment - start).total_seconds() < 60


def test_tl02_refused_page_token_restarts_the_walk_from_since(api):
    api.add(
        "GET",
        TL02,
        Reply(400, {"message": "Invalid page token"}),
        Reply(200, {"data": [tl02_line("L-1", "ORDER_AMOUNT", 10.0, SINCE)]}),
    )
    client, _ = make(api)
    stale = {"since": SINCE, "page_token": "old", "page": 4, "max_seen": SINCE}
    page = client.fetch("transactions", stale)
    sent = [seen.query for seen in api.seen(TL02)]
    assert sent[0] == {"limit": ["1000"], "page_token": ["old"]}
    assert sent[1]["last_updated_from"] == [SINCE]
    assert "page_token" not in sent[1]
    assert page.files[0][0] == "mirakl-tl02-1.json"
    assert page.cursor == {"since": SINCE}


def test_tl02_other_refusals_are_not_restarts(api):
    api.add("GET", TL02, Reply(401, {"message": "Unauthorized"}))
    client, _ = make(api)
    with pytest.raises(AuthError):
        client.fetch("transactions", {"since": SINCE, "page_token": "t"})
    assert len(api.seen(TL02)) == 1


# ---------------------------------------------------------------- what is sent


def test_auth_header_is_the_bare_key_and_shop_id_is_sent_when_given(api):
    api.add("GET", TL02, Reply(200, {"data": []}))
    api.add("GET", OR11, Reply(200, {"orders": [], "total_count": 0}))
    client, _ = make(api, shop_id="2010")
    client.fetch("transactions", {"since": SINCE})
    client.fetch("orders", {"since": SINCE})
    plain, _ = make(api)
    plain.fetch("orders", {"since": SINCE})
    seen = api.seen()
    assert [s.headers["Authorization"] for s in seen] == [KEY] * 3
    assert [s.headers["Accept"] for s in seen] == ["application/json"] * 3
    assert [s.arg("shop_id") for s in seen] == ["2010", "2010", None]


def test_operator_url_with_api_suffix_is_accepted(api):
    api.add("GET", OR11, Reply(200, {"orders": [], "total_count": 0}))
    clock = Clock()
    client = MiraklClient(
        {"api_key": KEY}, base_url=f"{api.url}/api/", sleep=clock.sleep
    )
    client.fetch("orders", {})
    assert len(api.seen(OR11)) == 1
    assert api.seen(OR11)[0].arg("start_update_date") is None


def test_configuration_errors_need_no_network(api):
    with pytest.raises(ApiError, match="operator's API URL"):
        MiraklClient({"api_key": KEY}).fetch("orders", {})
    client, _ = make(api, api_key="")
    with pytest.raises(AuthError, match="API key is missing"):
        client.fetch("orders", {})
    with pytest.raises(ValueError, match="unknown Mirakl stream"):
        client.fetch("payouts", {})
    assert api.log == []


def test_registered_under_mirakl_with_its_streams():
    assert client_class("mirakl") is MiraklClient
    assert MiraklClient.PLATFORM == "mirakl"
    assert MiraklClient.STREAMS == ("transactions", "orders")
    assert MiraklClient.DEFAULT_RATE * 60 == pytest.approx(20)


# ---------------------------------------------------------------- retries, rate


def test_429_with_retry_after_then_success(api):
    api.add(
        "GET",
        TL02,
        Reply(429, {"message": "Too many requests"}, {"Retry-After": "7"}),
        Reply(200, {"data": [tl02_line("L-1", "ORDER_AMOUNT", 10.0, SINCE)]}),
    )
    client, clock = make(api)
    page = client.fetch("transactions", {"since": SINCE})
    assert len(api.seen(TL02)) == 2
    assert clock.slept == [7.0]  # longer than the 3 s spacing: no extra wait
    assert len(page.files) == 1


def test_500_then_success_waits_its_backoff_then_the_rate_spacing(api):
    api.add(
        "GET",
        OR11,
        Reply(500, {"message": "Internal error"}),
        Reply(200, {"orders": [], "total_count": 0}),
    )
    client, clock = make(api)
    page = client.fetch("orders", {"since": SINCE})
    # Backoff 0.5 + 0.5 * 0.5 = 0.75 s, then the rest of the 3 s between calls.
    assert clock.slept == [0.75, 2.25]
    assert page.cursor == {"since": SINCE}


def test_calls_are_spaced_by_the_default_rate(api):
    api.add("GET", OR11, Reply(200, {"orders": [], "total_count": 0}))
    client, clock = make(api)
    for _ in range(3):
        client.fetch("orders", {"since": SINCE})
    assert clock.slept == [3.0, 3.0]


# ---------------------------------------------------------------- OR11


def make_orders(count):
    """``count`` orders created a minute apart; order 42 was updated last."""
    orders = []
    for i in range(count):
        created = f"2025-03-01T{i // 60:02d}:{i % 60:02d}:00Z"
        updated = "2025-03-05T00:00:00Z" if i == 42 else created
        orders.append(
            {
                "order_id": f"3000{i:03d}-A",
                "commercial_id": f"3000{i:03d}",
                "created_date": created,
                "last_updated_date": updated,
                "order_state": "SHIPPED",
                "currency_iso_code": "EUR",
                "order_tax_mode": "TAX_INCLUDED",
                "shipping_price": 4.9,
                "customer": {
                    "firstname": "Client",
                    "lastname": str(i),
                    "shipping_address": {"country_iso_code": "FRA"},
                },
                "order_lines": [
                    {
                        "order_line_id": f"3000{i:03d}-A-1",
                        "offer_sku": f"SKU-{i % 7}",
                        "quantity": i % 3 + 1,
                        "price_unit": float(D("10.25") + i),
                    }
                ],
            }
        )
    return orders


def paged_or11(orders):
    def answer(seen):
        offset, size = int(seen.arg("offset")), int(seen.arg("max"))
        page = orders[offset : offset + size]
        return Reply(200, {"orders": page, "total_count": len(orders)})

    return answer


def test_or11_offset_walk_and_exact_order_totals(api):
    orders = make_orders(150)
    api.add("GET", OR11, paged_or11(orders))
    client, _ = make(api)
    pages = walk(client, "orders", {"since": SINCE})
    sent = [seen.query for seen in api.seen(OR11)]

    common = {
        "start_update_date": [SINCE],
        "sort": ["dateCreated"],
        "order": ["asc"],
        "max": ["100"],
    }
    assert sent == [dict(common, offset=["0"]), dict(common, offset=["100"])]
    assert [page.more for page in pages] == [True, False]
    assert [page.files[0][0] for page in pages] == [
        "mirakl-or11-1.json",
        "mirakl-or11-2.json",
    ]
    assert {page.files[0][2] for page in pages} == {"mirakl_or11_json"}
    assert [json.loads(page.files[0][1])["total_count"] for page in pages] == [150] * 2
    assert without_walk_start(pages[0].cursor) == {
        "since": SINCE,
        "offset": 100,
        "max_seen": "2025-03-05T00:00:00Z",
    }
    assert pages[1].cursor == {"since": "2025-03-05T00:00:00Z"}

    parsed = []
    for page in pages:
        for filename, content, _format in page.files:
            parsed += list(mirakl_orders.parse(content, filename))
    assert len({order.ref for order in parsed}) == 150
    total = sum(
        line.price_unit * line.quantity for order in parsed for line in order.lines
    )
    items = sum((D("10.25") + i) * (i % 3 + 1) for i in range(150))
    assert items == D("25525.00")
    assert total == items + 150 * D("4.90") == D("26260.00")
    assert {order.country_code for order in parsed} == {"FR"}


def test_or11_empty_period_keeps_the_cursor(api):
    api.add("GET", OR11, Reply(200, {"orders": [], "total_count": 0}))
    client, _ = make(api)
    page = client.fetch("orders", {"since": SINCE})
    assert (page.files, page.cursor, page.more) == ([], {"since": SINCE}, False)


def test_not_a_json_object_is_an_api_error(api):
    api.add("GET", OR11, Reply(200, "<html>maintenance</html>"))
    client, _ = make(api)
    with pytest.raises(ApiError, match="not a JSON object"):
        client.fetch("orders", {"since": SINCE})


# ---------------------------------------------------------------- secrets


def test_no_key_in_logs_errors_or_repr(api, caplog):
    api.add(
        "GET",
        TL02,
        Reply(503, {"message": "unavailable"}),
        Reply(200, {"data": [tl02_line("L-1", "ORDER_AMOUNT", 10.0, SINCE)]}),
    )
    api.add("GET", OR11, Reply(401, {"message": "Unauthorized"}))
    client, _ = make(api, shop_id="2010")
    with caplog.at_level(logging.DEBUG):
        client.fetch("transactions", {"since": SINCE})
        with pytest.raises(AuthError) as caught:
            client.fetch("orders", {"since": SINCE})
    assert api.seen(OR11)[0].headers["Authorization"] == KEY  # it did travel
    assert "HTTP 503" in caplog.text
    assert caught.value.status == 401
    assert KEY not in str(caught.value)
    assert KEY not in caplog.text
    assert KEY not in repr(client)
