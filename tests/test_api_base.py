"""The HTTP plumbing of the API clients, against a real server on 127.0.0.1."""

import logging

import pytest
import requests
from api_fake import FakeApi, Reply
from marketplace_connectors.core.api.base import (
    ApiClient,
    ApiError,
    AuthError,
    RateLimiter,
    RetryableApiError,
    parse_retry_after,
    redact_url,
)

SECRET = "sk_live_do-not-log-me"


class TokenClient(ApiClient):
    """A client whose token expires once: 401 -> refresh -> retry."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.token = "expired"
        self.refreshes = 0

    def auth_headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def refresh_token(self):
        self.refreshes += 1
        self.token = self.credentials["secret"]
        return True


def make(api, cls=ApiClient, **kwargs):
    slept = []
    kwargs.setdefault("timeout", (2, 2))
    client = cls(
        {"secret": SECRET},
        base_url=api.url,
        sleep=slept.append,
        rng=lambda: 0.5,
        **kwargs,
    )
    return client, slept


def test_429_with_retry_after_then_success():
    with FakeApi() as api:
        api.add(
            "GET",
            "/items",
            Reply(429, {"error": "slow down"}, {"Retry-After": "3"}),
            Reply(200, {"items": [1, 2]}),
        )
        client, slept = make(api)
        assert client.get_json("/items") == {"items": [1, 2]}
        assert slept == [3.0]
        assert len(api.seen("/items")) == 2


def test_500_then_success_uses_exponential_backoff_with_jitter():
    with FakeApi() as api:
        api.add("GET", "/items", Reply(500), Reply(503), Reply(200, {"ok": True}))
        client, slept = make(api)
        assert client.get_json("/items") == {"ok": True}
        # attempt 0: ceiling 1 s -> 0.5 + 0.5 * 0.5; attempt 1: ceiling 2 s -> 1.5
        assert slept == [0.75, 1.5]


def test_backoff_is_capped_and_jittered_within_half_to_full_ceiling():
    client = ApiClient(rng=lambda: 0.0)
    assert [client.backoff(a) for a in range(8)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
    ]
    client.rng = lambda: 1.0
    assert client.backoff(10) == 60.0


def test_throttled_after_every_retry_raises_retryable_with_its_delay():
    with FakeApi() as api:
        api.add("GET", "/items", Reply(429, b"", {"Retry-After": "12"}))
        client, slept = make(api, max_retries=2)
        with pytest.raises(RetryableApiError) as caught:
            client.get_json("/items")
        assert caught.value.status == 429
        assert caught.value.retry_after == 12.0
        assert slept == [12.0, 12.0]
        assert len(api.seen("/items")) == 3


def test_timeout_is_retried_then_reported():
    with FakeApi() as api:
        api.add("GET", "/slow", Reply(200, {"late": True}, delay=1.0))
        client, slept = make(api, max_retries=1, timeout=(1, 0.2))
        with pytest.raises(RetryableApiError, match="no answer after 2 attempts"):
            client.get_json("/slow")
        assert slept == [0.75]


def test_timeout_then_success():
    with FakeApi() as api:
        api.add(
            "GET",
            "/slow",
            Reply(200, {"late": True}, delay=1.0),
            Reply(200, {"late": False}),
        )
        client, _ = make(api, timeout=(1, 0.2))
        assert client.get_json("/slow") == {"late": False}


def test_connection_refused_is_retryable():
    with FakeApi() as api:
        url = api.url
    client = ApiClient(base_url=url, sleep=lambda s: None, max_retries=1)
    with pytest.raises(RetryableApiError, match="ConnectionError"):
        client.get_json("/items")


def test_expired_token_is_refreshed_once_then_the_call_is_retried():
    def protected(seen):
        if seen.headers.get("Authorization") == f"Bearer {SECRET}":
            return Reply(200, {"ok": 1})
        return Reply(401, {"error": "expired"})

    with FakeApi() as api:
        api.add("GET", "/private", protected)
        client, slept = make(api, cls=TokenClient)
        assert client.get_json("/private") == {"ok": 1}
        assert client.refreshes == 1
        assert slept == []


def test_refused_credentials_raise_auth_error_after_one_refresh():
    with FakeApi() as api:
        api.add("GET", "/private", Reply(401, {"error": "invalid token"}))
        client, _ = make(api, cls=TokenClient)
        with pytest.raises(AuthError) as caught:
            client.get_json("/private")
        assert client.refreshes == 1
        assert caught.value.status == 401
        assert len(api.seen("/private")) == 2


def test_client_error_is_not_retried_and_names_status_not_secrets(caplog):
    with FakeApi() as api:
        api.add("GET", "/items", Reply(400, {"error": "bad filter"}))
        client, slept = make(api, cls=TokenClient)
        client.token = SECRET
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(ApiError) as caught:
                client.get_json("/items", params={"limit": 10})
        assert slept == []
        message = str(caught.value)
        assert message.startswith(f"GET {api.url}/items: HTTP 400")
        assert "bad filter" in message
        assert SECRET not in message
        assert SECRET not in caplog.text
        assert SECRET not in repr(client)


def test_no_secret_in_retry_logs(caplog):
    with FakeApi() as api:
        api.add("GET", "/items", Reply(503), Reply(200, {}))
        client, _ = make(api, cls=TokenClient)
        client.token = SECRET
        with caplog.at_level(logging.DEBUG):
            client.get_json("/items", params={"limit": 10})
        assert "HTTP 503" in caplog.text
        assert SECRET not in caplog.text
        # The secret did travel, in a header (never in the URL, which urllib3 logs).
        assert api.seen("/items")[0].headers["Authorization"] == f"Bearer {SECRET}"


def test_every_call_has_a_timeout():
    sent = []

    class Session(requests.Session):
        def request(self, method, url, **kwargs):
            sent.append(kwargs.get("timeout"))
            return super().request(method, url, **kwargs)

    with FakeApi() as api:
        api.add("GET", "/items", Reply(200, {}))
        ApiClient(base_url=api.url, session=Session()).get_json("/items")
    assert sent == [60]


def test_rate_limiter_spaces_calls():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    limiter = RateLimiter(0.5, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == [2.0, 2.0]
    assert RateLimiter(None).interval == 0


def test_rate_limit_applies_to_real_calls():
    with FakeApi() as api:
        api.add("GET", "/items", Reply(200, {}))
        client, slept = make(api, rate=4)
        for _ in range(3):
            client.get_json("/items")
        # The fake sleep does not advance the clock: waits add up to the schedule
        # (0.25 s, then 0.50 s from the first call), less the real time the calls
        # took (loose lower bounds: a loaded machine takes longer per call).
        assert len(slept) == 2
        assert 0.1 < slept[0] <= 0.25
        assert 0.35 < slept[1] <= 0.5
        assert slept[1] > slept[0]


def test_not_json_is_an_api_error():
    with FakeApi() as api:
        api.add("GET", "/items", Reply(200, "<html>maintenance</html>"))
        client, _ = make(api)
        with pytest.raises(ApiError, match="not JSON"):
            client.get_json("/items")


def test_helpers():
    assert redact_url("http://127.0.0.1:8069/a/b?key=1") == "http://127.0.0.1:8069/a/b"
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("0.5") == 0.5
