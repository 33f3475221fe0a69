"""HTTP plumbing shared by every platform client.

``ApiClient.request`` is the only place that talks to the network. It always passes a
timeout, waits between calls as the platform's rate limit asks, retries with
exponential backoff and jitter on 429, 5xx, timeouts and connection errors (honouring
``Retry-After``), refreshes an expired access token once on 401, and raises:

- ``RetryableApiError`` when the platform still throttles or fails after the retries:
  the job layer turns it into queue_job's ``RetryableJobError(seconds=retry_after)``;
- ``AuthError`` when the credentials are refused;
- ``ApiError`` for any other refusal (4xx): retrying would not help.

Credentials never reach a log line or an error message: errors name the method, the
URL without its query string and the status, and quote at most 200 characters of the
response body.
"""

import email.utils
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

_logger = logging.getLogger(__name__)

# Seconds to connect and between two bytes of the answer: a platform that does not
# answer must not hold a job forever. (A single number: Odoo's test harness, which
# guards ``requests`` in tests, only understands that form.)
DEFAULT_TIMEOUT = 60
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ApiError(Exception):
    """The platform refused a request; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, message, *, status=0, url=None):
        self.status = status
        self.url = url
        super().__init__(message)


class AuthError(ApiError):
    """The credentials are missing, wrong or revoked (401/403 after a refresh)."""


class RetryableApiError(ApiError):
    """Throttled or unavailable after every retry: try again in ``retry_after`` s."""

    def __init__(self, message, *, status=0, url=None, retry_after=None):
        self.retry_after = retry_after
        super().__init__(message, status=status, url=url)


@dataclass
class Page:
    """One unit of a stream: the files to import, then the cursor to store.

    ``files`` are ``(filename, content_bytes, format_code)`` triples for
    ``marketplace.channel.import_files``; ``cursor`` is what the next call needs (store
    it only once the files are committed); ``more`` says whether another page is ready
    right away; ``info`` carries platform facts for the caller (e.g. closed groups).
    """

    files: list
    cursor: dict
    more: bool = False
    info: dict = field(default_factory=dict)


class RateLimiter:
    """At most ``rate`` calls per second, spaced evenly (``rate`` None or 0: no limit).

    >>> clock = iter([0.0, 0.1, 0.6]).__next__
    >>> slept = []
    >>> limiter = RateLimiter(2, clock=clock, sleep=slept.append)
    >>> limiter.wait(); limiter.wait(); slept
    [0.4]
    """

    def __init__(self, rate=None, *, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate if rate else 0.0
        self.clock = clock
        self.sleep = sleep
        self.next_at = None

    def wait(self):
        if not self.interval:
            return
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def redact_url(url):
    """The URL without its query string or credentials, for messages and logs.

    >>> redact_url("https://user:pw@api.example.com/v1/x?token=secret#f")
    'https://api.example.com/v1/x'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date).

    >>> parse_retry_after("7")
    7.0
    >>> now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
    >>> parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", now)
    30.0
    >>> parse_retry_after("soon") is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.lstrip("-").replace(".", "", 1).isdigit():
        return max(0.0, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


class ApiClient:
    """Base of the platform clients: credentials, session, retries, rate limit.

    Subclasses set ``BASE_URL`` (overridden by ``base_url``, e.g. a Mirakl operator or a
    loopback test server), implement ``auth_headers()`` and, when tokens expire,
    ``refresh_token()``; they implement ``fetch(stream, cursor) -> Page``.
    """

    PLATFORM = None
    BASE_URL = None
    STREAMS = ()
    DEFAULT_RATE = None  # calls per second when the channel sets none
    MAX_RETRIES = 5
    BACKOFF_BASE = 1.0
    BACKOFF_MAX = 60.0

    def __init__(
        self,
        credentials=None,
        *,
        session=None,
        base_url=None,
        timeout=DEFAULT_TIMEOUT,
        rate=None,
        max_retries=None,
        sleep=time.sleep,
        clock=time.monotonic,
        rng=random.random,
    ):
        self.credentials = dict(credentials or {})
        self.session = session or requests.Session()
        self.base_url = (base_url or self.BASE_URL or "").rstrip("/") + "/"
        self.timeout = timeout
        self.max_retries = self.MAX_RETRIES if max_retries is None else max_retries
        self.sleep = sleep
        self.rng = rng
        self.limiter = RateLimiter(rate or self.DEFAULT_RATE, clock=clock, sleep=sleep)
        self.calls = 0

    def __repr__(self):  # never show credentials
        return f"<{type(self).__name__} {redact_url(self.base_url)}>"

    # ---- to implement

    def auth_headers(self):
        """Headers that authenticate a call (empty: no authentication)."""
        return {}

    def refresh_token(self):
        """Get a new access token; return True when there is one to retry with."""
        return False

    def fetch(self, stream, cursor):
        """The next page of ``stream`` after ``cursor`` (a dict, empty at first)."""
        raise NotImplementedError

    # ---- HTTP

    def url(self, path):
        """``path`` relative to the base URL; absolute URLs are kept."""
        return urljoin(self.base_url, path.lstrip("/")) if "://" not in path else path

    def backoff(self, attempt):
        """Seconds before retry ``attempt`` (0-based): exponential, equal jitter."""
        ceiling = min(self.BACKOFF_MAX, self.BACKOFF_BASE * (2**attempt))
        return ceiling / 2 + self.rng() * ceiling / 2

    def request(self, method, path, *, authenticate=True, headers=None, **kwargs):
        """Send one request with retries; return the ``requests.Response`` (2xx/3xx)."""
        url = self.url(path)
        shown = f"{method} {redact_url(url)}"
        refreshed = False
        attempt = 0
        while True:
            self.limiter.wait()
            all_headers = dict(headers or {})
            if authenticate:
                all_headers.update(self.auth_headers())
            self.calls += 1
            try:
                response = self.session.request(
                    method, url, headers=all_headers, timeout=self.timeout, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                reason = type(error).__name__
                if attempt >= self.max_retries:
                    raise RetryableApiError(
                        f"{shown}: no answer after {attempt + 1} attempts ({reason})",
                        url=redact_url(url),
                        retry_after=self.backoff(attempt),
                    ) from None
                delay = self.backoff(attempt)
                _logger.info("%s: %s, retry in %.1f s", shown, reason, delay)
                self.sleep(delay)
                attempt += 1
                continue
            status = response.status_code
            if status == 401 and authenticate and not refreshed:
                refreshed = True
                if self.refresh_token():
                    continue
            if status in RETRY_STATUSES:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                delay = wait if wait is not None else self.backoff(attempt)
                if attempt >= self.max_retries:
                    raise RetryableApiError(
                        f"{shown}: HTTP {status} after {attempt + 1} attempts",
                        status=status,
                        url=redact_url(url),
                        retry_after=delay,
                    )
                _logger.info("%s: HTTP %s, retry in %.1f s", shown, status, delay)
                self.sleep(delay)
                attempt += 1
                continue
            if status >= 400:
                excerpt = " ".join(response.text[:200].split())
                error_class = AuthError if status in (401, 403) else ApiError
                raise error_class(
                    f"{shown}: HTTP {status} {excerpt}".rstrip(),
                    status=status,
                    url=redact_url(url),
                )
            return response

    def get_json(self, path, **kwargs):
        """GET ``path`` and decode its JSON body."""
        response = self.request("GET", path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise ApiError(
                f"GET {redact_url(response.url or self.url(path))}: "
                "the answer is not JSON",
                status=response.status_code,
            ) from None
