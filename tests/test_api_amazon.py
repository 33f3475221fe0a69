"""The Amazon SP-API client, against a real server on 127.0.0.1 (LWA, reports, S3)."""

import gzip
import json
import logging
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from api_fake import FakeApi, Reply
from api_helpers import make_client
from marketplace_connectors.core.api import AuthError, RetryableApiError, client_class
from marketplace_connectors.core.api.amazon import AmazonClient, dumps_exact
from marketplace_connectors.core.parsers import amazon_finances, amazon_settlement
from parser_helpers import read_fixture, run_parser, totals
from test_parser_amazon_finances import EXPECTED as EVENTS_EXPECTED
from test_parser_amazon_settlement import FR_TOTALS  # worked by hand there

D = Decimal
TOKEN_PATH = "/auth/o2/token"
REPORTS = "/reports/2021-06-30/reports"
DOCUMENTS = "/reports/2021-06-30/documents/"
GROUPS = "/finances/v0/financialEventGroups"
REFRESH = "Atzr|IwEBIrefresh-secret-do-not-log"
CLIENT_ID = "amzn1.application-oa2-client.0123456789"
CLIENT_SECRET = "amzn1.oa2-cs.v1.client-secret-do-not-log"
SECRETS = (REFRESH, CLIENT_SECRET, "Atza|access-1", "Atza|access-2")
SINCE = "2026-03-01T00:00:00Z"


class Tokens:
    """The LWA endpoint: a new access token per call, ``expires_in`` 3600 s."""

    def __init__(self):
        self.issued = []

    def __call__(self, seen):
        token = f"Atza|access-{len(self.issued) + 1}"
        self.issued.append(token)
        return Reply(
            200, {"access_token": token, "token_type": "bearer", "expires_in": 3600}
        )


def make(api, clock=None, **kwargs):
    """A client of ``api``; the sleeps are recorded, never slept."""
    credentials = {
        "refresh_token": REFRESH,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "token_url": api.url + TOKEN_PATH,
    }
    kwargs.setdefault("rate", 1e9)  # no spacing, except in the rate limit test
    if clock is not None:
        kwargs["clock"] = clock
    return make_client(AmazonClient, api, credentials, **kwargs)


def report(report_id, created, document=None):
    return {
        "reportId": report_id,
        "reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        "createdTime": created,
        "processingStatus": "DONE",
        "reportDocumentId": document or f"amzn1.spdoc.1.4.eu.{report_id}",
        "marketplaceIds": ["A13V1IB3VIYZZH"],
    }


def serve_report(api, report_id, content, gzipped=True):
    """The document of ``report_id`` and its pre-signed "S3" URL on the same server."""
    document_id = f"amzn1.spdoc.1.4.eu.{report_id}"
    s3_path = f"/s3/reports/{report_id}"
    api.add(
        "GET",
        DOCUMENTS + document_id,
        Reply(
            200,
            {
                "reportDocumentId": document_id,
                "url": f"{api.url}{s3_path}?X-Amz-Signature=s3sig&X-Amz-Expires=300",
                **({"compressionAlgorithm": "GZIP"} if gzipped else {}),
            },
        ),
    )
    body = gzip.compress(content, mtime=0) if gzipped else content
    api.add("GET", s3_path, Reply(200, body))
    return s3_path


def settlement(sid, total):
    """A minimal V2 settlement: summary row and one detail row of ``total``."""
    header = "\t".join(amazon_settlement.COLUMNS)
    summary = {"settlement-id": sid, "total-amount": total, "currency": "EUR"}
    detail = {
        "settlement-id": sid,
        "transaction-type": "Order",
        "amount-type": "ItemPrice",
        "amount-description": "Principal",
        "amount": total,
        "posted-date-time": "05.03.2026 10:00:00 UTC",
    }
    rows = [
        "\t".join(row.get(column, "") for column in amazon_settlement.COLUMNS)
        for row in (summary, detail)
    ]
    return ("\n".join([header, *rows]) + "\n").encode()


def json_reply(document):
    """A JSON answer written exactly (``Decimal`` amounts as they were read)."""
    body = dumps_exact(document).encode()
    return Reply(200, body, {"Content-Type": "application/json"})


def header(seen, name):
    return {k.lower(): v for k, v in seen.headers.items()}.get(name)


# ---------------------------------------------------------------- registration


def test_registered_with_its_streams_and_documented_rate():
    assert client_class("amazon") is AmazonClient
    assert AmazonClient.STREAMS == ("settlements", "open_events")
    assert AmazonClient.DEFAULT_RATE == 0.5
    assert "burst 30" in AmazonClient.__doc__
    client = AmazonClient({"client_secret": CLIENT_SECRET})
    assert client.base_url == "https://sellingpartnerapi-eu.amazon.com/"
    assert CLIENT_SECRET not in repr(client)
    with pytest.raises(ValueError, match="unknown Amazon stream"):
        client.fetch("orders", {})


# ---------------------------------------------------------------- tokens


def test_first_call_gets_a_token_with_the_refresh_token_grant():
    with FakeApi() as api:
        tokens = Tokens()
        api.add("POST", TOKEN_PATH, tokens)
        api.add("GET", REPORTS, Reply(200, {"reports": []}))
        client, slept = make(api)
        page = client.fetch("settlements", {"since": SINCE})
        assert page.files == [] and page.more is False
        (login,) = api.seen(TOKEN_PATH)
        assert parse_qs(login.body.decode()) == {
            "grant_type": ["refresh_token"],
            "refresh_token": [REFRESH],
            "client_id": [CLIENT_ID],
            "client_secret": [CLIENT_SECRET],
        }
        assert header(login, "x-amz-access-token") is None
        (listing,) = api.seen(REPORTS)
        assert header(listing, "x-amz-access-token") == "Atza|access-1"
        assert slept == []


def test_revoked_token_gives_401_then_refresh_then_retry():
    def reports(seen):
        if header(seen, "x-amz-access-token") == "Atza|access-2":
            return Reply(200, {"reports": []})
        return Reply(401, {"errors": [{"code": "Unauthorized"}]})

    with FakeApi() as api:
        tokens = Tokens()
        api.add("POST", TOKEN_PATH, tokens)
        api.add("GET", REPORTS, reports)
        client, _ = make(api)
        assert client.fetch("settlements", {}).files == []
        assert tokens.issued == ["Atza|access-1", "Atza|access-2"]
        assert [header(s, "x-amz-access-token") for s in api.seen(REPORTS)] == [
            "Atza|access-1",
            "Atza|access-2",
        ]


def test_token_is_kept_then_renewed_before_it_expires():
    now = [0.0]
    with FakeApi() as api:
        tokens = Tokens()
        api.add("POST", TOKEN_PATH, tokens)
        api.add("GET", REPORTS, Reply(200, {"reports": []}))
        client, _ = make(api, clock=lambda: now[0])
        client.fetch("settlements", {})
        now[0] = 3000.0
        client.fetch("settlements", {})
        assert tokens.issued == ["Atza|access-1"]
        now[0] = 3541.0  # expires_in 3600 minus the 60 s margin
        client.fetch("settlements", {})
        assert tokens.issued == ["Atza|access-1", "Atza|access-2"]
        assert [header(s, "x-amz-access-token") for s in api.seen(REPORTS)] == [
            "Atza|access-1",
            "Atza|access-1",
            "Atza|access-2",
        ]


def test_refused_refresh_token_is_an_auth_error_without_secrets(caplog):
    echo = {"error": "invalid_grant", "error_description": f"bad {REFRESH}"}
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Reply(400, echo))
        client, _ = make(api)
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(AuthError) as caught:
                client.fetch("settlements", {"since": SINCE})
        message = str(caught.value)
        assert "refused the refresh token (HTTP 400)" in message
        assert caught.value.__context__ is None and caught.value.__cause__ is None
        for secret in SECRETS:
            assert secret not in message
            assert secret not in caplog.text
        assert api.seen(REPORTS) == []


def test_missing_credentials_name_the_keys_not_the_values():
    client = AmazonClient({"refresh_token": REFRESH}, base_url="http://127.0.0.1:9")
    with pytest.raises(AuthError, match="client_id, client_secret") as caught:
        client.fetch("settlements", {})
    assert REFRESH not in str(caught.value)


# ---------------------------------------------------------------- settlements


def test_report_list_pages_with_next_token_only():
    def reports(seen):
        if seen.arg("nextToken") == "page-2":
            return Reply(
                200, {"reports": [report("50002", "2026-03-17T08:00:00+00:00")]}
            )
        return Reply(
            200,
            {
                "reports": [report("50001", "2026-03-03T08:00:00+00:00")],
                "nextToken": "page-2",
            },
        )

    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add("GET", REPORTS, reports)
        serve_report(api, "50001", settlement("1001", "10,00"))
        client, _ = make(api)
        page = client.fetch("settlements", {"since": SINCE})
        first, second = api.seen(REPORTS)
        assert first.query == {
            "reportTypes": ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"],
            "processingStatuses": ["DONE"],
            "createdSince": [SINCE],
            "pageSize": ["100"],
        }
        # getReports wants nextToken alone: any other parameter fails the call.
        assert second.query == {"nextToken": ["page-2"]}
        assert [name for name, _, _ in page.files] == ["amazon-settlement-50001.txt"]
        assert page.more is True


def test_gzip_document_from_presigned_url_parses_to_exact_totals(caplog):
    content = read_fixture("amazon", "settlement_fr_eur.txt")
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add(
            "GET",
            REPORTS,
            Reply(200, {"reports": [report("50001", "2026-03-17T08:12:45+00:00")]}),
        )
        s3_path = serve_report(api, "50001", content)
        client, _ = make(api)
        with caplog.at_level(logging.DEBUG):
            page = client.fetch("settlements", {"since": SINCE})
        ((name, body, format_code),) = page.files
        assert (name, format_code) == (
            "amazon-settlement-50001.txt",
            "amazon_settlement_v2",
        )
        assert body == content  # gunzipped
        assert page.cursor == {
            "created": "2026-03-17T08:12:45+00:00",
            "ids": ["50001"],
        }
        assert page.more is False
        (download,) = api.seen(s3_path)
        assert header(download, "x-amz-access-token") is None
        assert download.arg("X-Amz-Signature") == "s3sig"
        (meta,) = api.seen(DOCUMENTS + "amzn1.spdoc.1.4.eu.50001")
        assert header(meta, "x-amz-access-token") == "Atza|access-1"
        for secret in SECRETS[:3]:
            assert secret not in caplog.text
    payouts, lines = run_parser(amazon_settlement, body, name)
    assert totals(lines) == FR_TOTALS
    assert sum(FR_TOTALS.values()) == D("936.73")
    assert [(p.ref, p.amount_declared) for p in payouts] == [
        ("12345678901", D("936.73"))
    ]


def test_uncompressed_document_is_taken_as_is():
    content = settlement("1001", "12,34")
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add(
            "GET",
            REPORTS,
            Reply(200, {"reports": [report("7", "2026-03-17T08:00:00Z")]}),
        )
        serve_report(api, "7", content, gzipped=False)
        client, _ = make(api)
        assert client.fetch("settlements", {}).files[0][1] == content


def test_refused_presigned_url_is_retryable_and_not_quoted():
    signature_echo = "<Error><SignatureProvided>s3sig</SignatureProvided></Error>"
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add(
            "GET",
            REPORTS,
            Reply(200, {"reports": [report("7", "2026-03-17T08:00:00Z")]}),
        )
        s3_path = serve_report(api, "7", b"")
        api.add("GET", s3_path, Reply(403, signature_echo))
        client, _ = make(api)
        with pytest.raises(RetryableApiError) as caught:
            client.fetch("settlements", {})
    assert caught.value.status == 403 and caught.value.retry_after == 60
    assert "s3sig" not in str(caught.value)
    assert caught.value.__context__ is None


def test_429_with_retry_after_then_success():
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add(
            "GET",
            REPORTS,
            Reply(429, {"errors": [{"code": "QuotaExceeded"}]}, {"Retry-After": "3"}),
            Reply(200, {"reports": []}),
        )
        client, slept = make(api)
        assert client.fetch("settlements", {"since": SINCE}).files == []
        assert slept == [3.0]
        assert len(api.seen(REPORTS)) == 2


def test_500_then_success_on_the_document():
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add(
            "GET",
            REPORTS,
            Reply(200, {"reports": [report("7", "2026-03-17T08:00:00Z")]}),
        )
        serve_report(api, "7", settlement("1001", "1,00"))
        document = DOCUMENTS + "amzn1.spdoc.1.4.eu.7"
        api.routes[("GET", document)].insert(0, Reply(500, {"errors": []}))
        client, slept = make(api)
        page = client.fetch("settlements", {})
        assert len(page.files) == 1
        assert slept == [0.75]  # backoff attempt 0: 0.5 + 0.5 * 0.5
        assert len(api.seen(document)) == 2


def test_empty_period_keeps_the_cursor():
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add("GET", REPORTS, Reply(200, {"reports": []}))
        api.add("GET", GROUPS, Reply(200, {"payload": {"FinancialEventGroupList": []}}))
        client, _ = make(api)
        cursor = {"created": "2026-03-17T08:00:00+00:00", "ids": ["7"]}
        page = client.fetch("settlements", cursor)
        assert (page.files, page.cursor, page.more) == ([], cursor, False)
        assert api.seen(REPORTS)[0].arg("createdSince") == cursor["created"]
        page = client.fetch("open_events", {"since": SINCE})
        assert (page.files, page.cursor, page.more) == ([], {"since": SINCE}, False)
        assert page.info == {"closed_groups": [], "open_groups": []}


def test_cursor_walks_three_reports_with_a_tie_oldest_first():
    t1, t2 = "2026-03-03T08:00:00+00:00", "2026-03-17T08:00:00+00:00"
    # Newest first, the tie in reverse id order: the client sorts them itself.
    listed = [report("50003", t2), report("50002", t2), report("50001", t1)]

    def reports(seen):
        since = seen.arg("createdSince") or ""
        chosen = [r for r in listed if r["createdTime"] >= since.replace("Z", "+00:00")]
        return Reply(200, {"reports": chosen})

    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add("GET", REPORTS, reports)
        for n, report_id in enumerate(("50001", "50002", "50003")):
            serve_report(api, report_id, settlement(f"100{n}", f"{n + 1},00"))
        client, _ = make(api)
        cursor, seen_refs = {"since": SINCE}, []
        for expected_cursor, more in [
            ({"created": t1, "ids": ["50001"]}, True),
            ({"created": t2, "ids": ["50002"]}, True),
            ({"created": t2, "ids": ["50002", "50003"]}, False),
        ]:
            page = client.fetch("settlements", cursor)
            assert (page.cursor, page.more) == (expected_cursor, more)
            ((name, content, _),) = page.files
            payouts, _ = run_parser(amazon_settlement, content, name)
            seen_refs.append((name, payouts[0].ref, payouts[0].amount_declared))
            cursor = json.loads(json.dumps(page.cursor))  # stored as JSON
        assert seen_refs == [
            ("amazon-settlement-50001.txt", "1000", D("1.00")),
            ("amazon-settlement-50002.txt", "1001", D("2.00")),
            ("amazon-settlement-50003.txt", "1002", D("3.00")),
        ]
        last = client.fetch("settlements", cursor)
        assert (last.files, last.cursor, last.more) == ([], cursor, False)
        assert [s.arg("createdSince") for s in api.seen(REPORTS)] == [
            SINCE,
            t1,
            t2,
            t2,
        ]


def test_default_rate_spaces_calls_two_seconds_apart():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add(
            "GET",
            REPORTS,
            Reply(200, {"reports": [report("7", "2026-03-17T08:00:00Z")]}),
        )
        serve_report(api, "7", settlement("1", "1,00"))
        client, _ = make(api, clock=lambda: now[0], rate=None)
        client.sleep = client.limiter.sleep = sleep
        client.fetch("settlements", {})
    # token, report list, document, download: four calls, three waits of 1 / 0.5 s.
    assert slept == [2.0, 2.0, 2.0]


# ---------------------------------------------------------------- open events


def load_fixture_events():
    document = json.loads(
        read_fixture("amazon_finances", "group_open_fr_eur.json"), parse_float=Decimal
    )
    return document["FinancialEventGroup"], document["FinancialEvents"]


def test_open_events_one_open_one_closed_group(caplog):
    group, events = load_fixture_events()
    group_id = group["FinancialEventGroupId"]
    closed = {
        "FinancialEventGroupId": "closed-group-1",
        "ProcessingStatus": "Closed",
        "FundTransferStatus": "Succeeded",
        "OriginalTotal": {"CurrencyCode": "EUR", "CurrencyAmount": 936.73},
        "FinancialEventGroupStart": "2026-03-01T06:30:12Z",
        "FinancialEventGroupEnd": "2026-03-15T06:30:12Z",
        "FundTransferDate": "2026-03-17T06:30:00Z",
    }
    names = list(events)
    first = {name: events[name] for name in names[:2]}
    second = {name: events[name] for name in names[2:]}
    # Each page's JSON exactly as Amazon writes it (amounts such as 59.8 untouched).
    pages = {
        None: {"FinancialEvents": first, "NextToken": "events-2"},
        "events-2": {"FinancialEvents": second},
    }

    def groups(seen):
        if seen.arg("NextToken") == "groups-2":
            return json_reply({"payload": {"FinancialEventGroupList": [group]}})
        return json_reply(
            {"payload": {"FinancialEventGroupList": [closed], "NextToken": "groups-2"}}
        )

    def group_events(seen):
        return json_reply({"payload": pages[seen.arg("NextToken")]})

    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add("GET", GROUPS, groups)
        api.add("GET", f"{GROUPS}/{group_id}/financialEvents", group_events)
        client, _ = make(api)
        with caplog.at_level(logging.DEBUG):
            page = client.fetch("open_events", {"since": SINCE})
        listing = api.seen(GROUPS)
        assert [s.query for s in listing] == [
            {"FinancialEventGroupStartedAfter": [SINCE], "MaxResultsPerPage": ["100"]},
            {
                "FinancialEventGroupStartedAfter": [SINCE],
                "MaxResultsPerPage": ["100"],
                "NextToken": ["groups-2"],
            },
        ]
        event_calls = api.seen(f"{GROUPS}/{group_id}/financialEvents")
        assert [s.arg("NextToken") for s in event_calls] == [None, "events-2"]
        assert all(s.arg("MaxResultsPerPage") == "100" for s in event_calls)
        assert api.seen(f"{GROUPS}/closed-group-1/financialEvents") == []
        assert all(
            header(s, "x-amz-access-token") == "Atza|access-1" for s in api.log[1:]
        )
        for secret in SECRETS:
            assert secret not in caplog.text
    assert page.info == {"closed_groups": ["closed-group-1"], "open_groups": [group_id]}
    assert page.more is False
    # The oldest open group stays in the window: next time it is seen Closed.
    assert page.cursor == {"since": "2026-03-15T06:30:12Z"}
    ((name, content, format_code),) = page.files
    assert (name, format_code) == (
        f"amazon-events-{group_id}.json",
        "amazon_finances_json",
    )
    assert b'"CurrencyAmount": 59.8}' in content  # numbers written as read
    written = json.loads(content, parse_float=Decimal)
    assert written["FinancialEventGroup"] == group
    assert written["FinancialEvents"] == {
        k: v for k, v in events.items() if v is not None
    }
    payouts, lines = run_parser(amazon_finances, content, name)
    assert [(p.ref, p.status, p.amount_declared) for p in payouts] == [
        (f"FEG-{group_id}", "Open", None)
    ]
    assert totals(lines, f"FEG-{group_id}") == EVENTS_EXPECTED
    assert sum(EVENTS_EXPECTED.values()) == D("913.53")


def test_only_closed_groups_move_the_cursor_to_the_newest():
    closed = [
        {
            "FinancialEventGroupId": f"g{n}",
            "ProcessingStatus": "Closed",
            "FinancialEventGroupStart": start,
        }
        for n, start in enumerate(["2026-03-01T06:30:12Z", "2026-03-15T06:30:12Z"])
    ]
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add(
            "GET", GROUPS, Reply(200, {"payload": {"FinancialEventGroupList": closed}})
        )
        client, _ = make(api)
        page = client.fetch("open_events", {"since": SINCE})
    assert page.files == []
    assert page.info["closed_groups"] == ["g0", "g1"]
    assert page.cursor == {"since": "2026-03-15T06:30:12Z"}


def test_errors_name_status_and_url_never_secrets(caplog):
    with FakeApi() as api:
        api.add("POST", TOKEN_PATH, Tokens())
        api.add("GET", REPORTS, Reply(403, {"errors": [{"code": "Unauthorized"}]}))
        client, _ = make(api)
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(AuthError) as caught:
                client.fetch("settlements", {"since": SINCE})
    message = str(caught.value)
    assert message.startswith(f"GET {api.url}{REPORTS}: HTTP 403")
    for secret in SECRETS:
        assert secret not in message
        assert secret not in caplog.text
