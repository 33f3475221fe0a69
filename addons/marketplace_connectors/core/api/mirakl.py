"""Mirakl seller (shop) API: TL02 transaction lines and OR11 orders.

Each operator (Fnac-Darty, Leroy Merlin, Boulanger...) runs its own instance: the
client needs the operator's URL as ``base_url`` (``https://fnac-prod.mirakl.net``;
a trailing ``/api`` is accepted), there is no default. Calls carry
``Authorization: <shop API key>`` (no "Bearer") and, for multi-shop keys, the
``shop_id`` query parameter when the credentials give one.

Streams (one ``fetch`` = one page; the cursor moves once the page is committed):

- ``transactions``: TL02 ``GET /api/sellerpayment/transactions_logs`` sorted by
  ``lastUpdated`` from ``last_updated_from=<since>``, then seek pagination with
  ``page_token`` (the token alone: Mirakl ignores the other filters with it). A
  walk keeps its token in the cursor; when it ends, the latest ``last_updated``
  seen becomes the next ``since``. The bound is inclusive and lines move when their
  payment state changes, so lines come back in later walks: the import deduplicates
  them by their keys (``mirakl:<id>``). A refused token (expired) restarts the walk
  from ``since``.
- ``orders``: OR11 ``GET /api/orders`` updated since ``since``, sorted by creation
  date with ``offset`` pagination (an order updated during the walk keeps its place);
  the latest ``last_updated_date`` seen becomes the next ``since``.

A walk's next ``since`` is never later than the server's ``Date`` when the walk
began, so a record updated while the walk ran is read again next time. An empty
period gives no file and leaves the cursor as it was.

Mirakl allows few calls (about 20 per minute and 60 per hour on the seller APIs,
per integrators' notes): ``DEFAULT_RATE`` spaces calls 3 s apart, and a 429 waits
for its ``Retry-After``.
"""

import email.utils
import json
import logging
from datetime import timezone
from decimal import Decimal

from ..dates import InvalidDate, parse_datetime
from . import register
from .base import ApiClient, ApiError, AuthError, Page, RetryableApiError, redact_url

_logger = logging.getLogger(__name__)

TL02_PATH = "/api/sellerpayment/transactions_logs"
TL02_FORMAT = "mirakl_tl02_json"
TL02_LIMIT = 1000
OR11_PATH = "/api/orders"
OR11_FORMAT = "mirakl_or11_json"
OR11_MAX = 100  # the most OR11 returns per page
# A stale page token is answered with one of these: start the walk over.
TOKEN_REFUSED = (400, 404, 410)


def _instant(text):
    """``text`` as an aware UTC datetime, ``None`` when it is not a date."""
    if not text:
        return None
    try:
        return parse_datetime(text)
    except InvalidDate:
        return None


def latest(*values):
    """The latest of ISO dates ``values`` as written (``None`` and junk ignored).

    >>> latest("2025-03-01T10:00:00Z", None, "2025-03-01T10:00:00.500Z")
    '2025-03-01T10:00:00.500Z'
    >>> latest(None, "soon") is None
    True
    """
    dated = [(_instant(v), v) for v in values]
    dated = [(when, v) for when, v in dated if when is not None]
    return max(dated, key=lambda pair: pair[0])[1] if dated else None


def server_time(value):
    """An HTTP ``Date`` header as ISO 8601 UTC, ``None`` when absent or unreadable.

    >>> server_time("Mon, 03 Mar 2025 14:02:11 GMT")
    '2025-03-03T14:02:11Z'
    """
    try:
        when = email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        when = None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_since(since, seen, started):
    """The ``since`` after a walk: the latest date ``seen``, at most ``started``.

    >>> next_since("2025-03-01", "2025-03-05T08:00:00Z", None)
    '2025-03-05T08:00:00Z'
    >>> next_since("2025-03-01", "2099-01-01T00:00:00Z", "2025-03-06T00:00:00Z")
    '2025-03-06T00:00:00Z'
    >>> next_since("2025-03-01", None, "2025-03-06T00:00:00Z")
    '2025-03-01'
    """
    if seen and started and _instant(started) and _instant(seen) > _instant(started):
        seen = started
    return latest(since, seen) or since


def _compact(cursor):
    return {key: value for key, value in cursor.items() if value is not None}


@register("mirakl")
class MiraklClient(ApiClient):
    """Client of one Mirakl operator instance for one shop (see the module doc)."""

    STREAMS = ("transactions", "orders")
    DEFAULT_RATE = 20 / 60  # calls per second: 20 per minute

    def __init__(self, credentials=None, **kwargs):
        super().__init__(credentials, **kwargs)
        if self.base_url.endswith("/api/"):
            self.base_url = self.base_url[: -len("api/")]

    def auth_headers(self):
        key = self.credentials.get("api_key")
        if not key:
            raise AuthError("Mirakl: the shop API key is missing")
        return {"Authorization": key, "Accept": "application/json"}

    def fetch(self, stream, cursor):
        """The next TL02 or OR11 page after ``cursor`` (``{"since": iso}`` at first)."""
        if not self.base_url.startswith(("http://", "https://")):
            raise ApiError(
                "Mirakl: set the operator's API URL (https://<operator>.mirakl.net)"
            )
        cursor = dict(cursor or {})
        if stream == "transactions":
            return self._fetch_transactions(cursor)
        if stream == "orders":
            return self._fetch_orders(cursor)
        raise ValueError(f"unknown Mirakl stream {stream!r}")

    # ---- HTTP

    def _get(self, path, params):
        """``(body, raw bytes, server time)`` of a JSON object answer."""
        if self.credentials.get("shop_id"):
            params = dict(params, shop_id=self.credentials["shop_id"])
        response = self.request("GET", path, params=params)
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(
                f"GET {redact_url(response.url)}: the answer is not a JSON object",
                status=response.status_code,
                url=redact_url(response.url),
            )
        return body, response.content, server_time(response.headers.get("Date"))

    @staticmethod
    def _list(body, key, path):
        items = body.get(key)
        if not isinstance(items, list):
            raise ApiError(f"GET {path}: no {key!r} list in the answer")
        return items

    # ---- TL02 transaction lines

    def _tl02_page(self, cursor):
        """The TL02 answer after ``cursor``, and the cursor it was read with."""
        token = cursor.get("page_token")
        if token:
            params = {"limit": TL02_LIMIT, "page_token": token}
            try:
                return self._get(TL02_PATH, params), cursor
            except (AuthError, RetryableApiError):
                raise
            except ApiError as error:
                if error.status not in TOKEN_REFUSED:
                    raise
                _logger.info(
                    "Mirakl TL02: page token refused (HTTP %s), walk restarted",
                    error.status,
                )
                cursor = {"since": cursor.get("since")}
        params = {"limit": TL02_LIMIT, "sort": "lastUpdated,ASC"}
        if cursor.get("since"):
            params["last_updated_from"] = cursor["since"]
        return self._get(TL02_PATH, params), cursor

    def _fetch_transactions(self, cursor):
        (body, content, now), cursor = self._tl02_page(cursor)
        lines = self._list(body, "data", TL02_PATH)
        token = body.get("next_page_token") or None
        number = cursor.get("page", 1)
        seen = latest(
            cursor.get("max_seen"), *(_field(x, "last_updated") for x in lines)
        )
        started = cursor.get("walk_started") or now
        files = [(f"mirakl-tl02-{number}.json", content, TL02_FORMAT)] if lines else []
        since = cursor.get("since")
        if token:
            walk = {"page_token": token, "page": number + 1, "max_seen": seen}
            new = _compact(dict(since=since, walk_started=started, **walk))
        else:
            new = _compact({"since": next_since(since, seen, started)})
        _logger.debug("Mirakl TL02 page %s: %s line(s)", number, len(lines))
        return Page(files, new, more=bool(token))

    # ---- OR11 orders

    def _fetch_orders(self, cursor):
        since = cursor.get("since")
        offset = int(cursor.get("offset") or 0)
        params = {"sort": "dateCreated", "order": "asc", "max": OR11_MAX}
        if since:
            params["start_update_date"] = since
        body, content, now = self._get(OR11_PATH, dict(params, offset=offset))
        orders = self._list(body, "orders", OR11_PATH)
        end = offset + len(orders)
        total = body.get("total_count")
        more = bool(orders) and (
            end < int(total) if total is not None else len(orders) == OR11_MAX
        )
        seen = latest(
            cursor.get("max_seen"), *(_field(x, "last_updated_date") for x in orders)
        )
        started = cursor.get("walk_started") or now
        number = offset // OR11_MAX + 1
        files = [(f"mirakl-or11-{number}.json", content, OR11_FORMAT)] if orders else []
        if more:
            walk = {"offset": end, "max_seen": seen, "walk_started": started}
            new = _compact(dict(since=since, **walk))
        else:
            new = _compact({"since": next_since(since, seen, started)})
        _logger.debug("Mirakl OR11 offset %s: %s order(s)", offset, len(orders))
        return Page(files, new, more=more)


def _field(item, key):
    """``item[key]`` when ``item`` is an object and the value a string."""
    value = item.get(key) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None
