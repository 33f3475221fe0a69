"""Shopify Admin REST client: Shopify Payments payouts and orders.

The base URL is the shop's admin URL (``https://<shop>.myshopify.com``, the channel's
``api_url``); every path is ``/admin/api/API_VERSION/...`` and every call carries the
access token in ``X-Shopify-Access-Token``. Lists are paginated by cursor through the
``Link`` header (``<...page_info=...>; rel="next"``): the next URL is followed exactly
as Shopify gives it (with ``page_info`` no other filter may be sent), and only on the
shop's own host, so the token never travels anywhere else.

Streams (see ``fetch``):

- ``payouts``: one page per paid payout, in payout id order, with all its balance
  transactions, as one ``shopify_payments_json`` file;
- ``orders``: one page of ``orders.json`` by ``updated_at``, as one
  ``shopify_orders_json`` file.

Payouts are synced in order, never around one still on its way: Shopify lists payouts
by date, newest first, so every fetch reads all payouts after the cursor (``since_id``)
and takes the oldest. A ``paid`` one is returned; a ``failed`` or ``canceled`` one is
passed over (it will never be paid, its money comes back in a later payout); any
other status (``scheduled``, ``in_transit``...) stops the walk until it settles, so
that a payout paid late is never skipped by a cursor already beyond it.
"""

import json
import logging
from urllib.parse import parse_qs, urlsplit

from ..dates import InvalidDate, parse_datetime
from . import register
from .base import ApiClient, ApiError, AuthError, Page, redact_url

_logger = logging.getLogger(__name__)

API_VERSION = "2025-07"
PAGE_SIZE = 250  # Shopify's maximum ``limit``
PAID = "paid"
# Final states of a payout that will never be paid: passed over, not waited for.
UNPAID_FINAL = frozenset({"failed", "canceled", "cancelled"})
# Cursor keys of an orders walk in progress.
WALK_KEYS = ("page_info", "until", "until_ids")


def next_link(response):
    """The ``rel="next"`` URL of a response's ``Link`` header, or None."""
    return (response.links.get("next") or {}).get("url")


def page_info_of(url):
    """The ``page_info`` query parameter of a Shopify next-page URL.

    >>> page_info_of("https://s.myshopify.com/o.json?limit=2&page_info=eyJ")
    'eyJ'
    >>> page_info_of("https://s.myshopify.com/orders.json") is None
    True
    """
    values = parse_qs(urlsplit(url).query).get("page_info")
    return values[0] if values else None


def payout_in_order(payouts):
    """``(payout, more, waiting)``: the next payout to sync among ``payouts``.

    ``payout`` is the oldest paid one not preceded by a payout still under way
    (``waiting``, else None); failed and canceled payouts are passed over; ``more``
    says whether the payout after it is paid too.

    >>> p = [{"id": 3, "status": "paid"}, {"id": 1, "status": "failed"},
    ...      {"id": 2, "status": "paid"}]
    >>> payout_in_order(p)
    ({'id': 2, 'status': 'paid'}, True, None)
    >>> payout_in_order([{"id": 5, "status": "in_transit"},
    ...                  {"id": 6, "status": "paid"}])
    (None, False, {'id': 5, 'status': 'in_transit'})
    """
    found = None
    for payout in sorted(payouts, key=lambda p: int(p["id"])):
        status = str(payout.get("status") or "").lower()
        if status in UNPAID_FINAL:
            continue
        if found is not None:
            return found, status == PAID, None
        if status != PAID:
            return None, False, payout
        found = payout
    return found, False, None


def same_time(order, since):
    """Whether ``order`` was last updated exactly at ``since``."""
    try:
        return parse_datetime(order.get("updated_at")) == parse_datetime(since)
    except InvalidDate:
        return False


def latest(orders, until=None, until_ids=None):
    """``(updated_at, ids)``: the latest ``updated_at`` and the orders updated then.

    ``until`` / ``until_ids`` are the latest seen on earlier pages.

    >>> latest([{"id": 1, "updated_at": "2025-03-01T10:00:00+01:00"},
    ...         {"id": 2, "updated_at": "2025-03-01T09:30:00Z"}])
    ('2025-03-01T09:30:00Z', [2])
    >>> latest([{"id": 3, "updated_at": "2025-03-01T09:00:00Z"}],
    ...        "2025-03-01T10:00:00+01:00", [2])
    ('2025-03-01T10:00:00+01:00', [2, 3])
    """
    best = parse_datetime(until) if until else None
    ids = list(until_ids or ())
    for order in orders:
        try:
            when = parse_datetime(order.get("updated_at"))
        except InvalidDate:
            raise ApiError(
                f"Shopify: order {order.get('id')} has no valid updated_at"
            ) from None
        if best is None or when > best:
            best, until, ids = when, order["updated_at"], [order["id"]]
        elif when == best and order["id"] not in ids:
            ids.append(order["id"])
    return until, ids


def day_of(since):
    """The ISO date of a cursor's ``since`` (a date or an ISO datetime).

    >>> day_of("2025-03-01T00:00:00Z"), day_of("2025-03-01")
    ('2025-03-01', '2025-03-01')
    """
    return parse_datetime(since).date().isoformat()


@register("shopify")
class ShopifyClient(ApiClient):
    """Shopify Payments payouts and orders of one shop (Admin REST API)."""

    STREAMS = ("payouts", "orders")
    # REST Admin: a bucket of 40 calls leaking 2 per second (standard plans).
    DEFAULT_RATE = 2

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Accept the admin URL with or without its ``/admin`` suffix.
        if self.base_url.endswith("/admin/"):
            self.base_url = self.base_url[: -len("admin/")]

    def auth_headers(self):
        token = self.credentials.get("api_key")
        if not token:
            raise AuthError("Shopify: no access token (API key) on the channel")
        return {"X-Shopify-Access-Token": token, "Accept": "application/json"}

    # ---- streams

    def fetch(self, stream, cursor):
        """The next page of ``payouts`` or ``orders`` after ``cursor``."""
        if not urlsplit(self.base_url).hostname:
            raise ApiError("Shopify: the channel has no shop admin URL")
        cursor = dict(cursor or {})
        if stream == "payouts":
            return self.fetch_payout(cursor)
        if stream == "orders":
            return self.fetch_orders(cursor)
        raise ValueError(f"unknown Shopify stream {stream!r}")

    def fetch_payout(self, cursor):
        """The oldest paid payout after ``cursor["since_id"]``, with its transactions.

        At first sync (no ``since_id``), ``cursor["since"]`` bounds the payout date.
        """
        params = {"limit": PAGE_SIZE}
        if cursor.get("since_id"):
            params["since_id"] = cursor["since_id"]
        elif cursor.get("since"):
            params["date_min"] = self.since_day(cursor["since"])
        payouts = self.get_all("shopify_payments/payouts.json", params, "payouts")
        payout, more, waiting = payout_in_order(payouts)
        if payout is None:
            info = {}
            if waiting:
                info["waiting"] = {k: waiting.get(k) for k in ("id", "status", "date")}
            return Page(files=[], cursor=cursor, more=False, info=info)
        transactions = self.get_all(
            "shopify_payments/balance/transactions.json",
            {"payout_id": payout["id"], "limit": PAGE_SIZE},
            "transactions",
        )
        _logger.debug(
            "Shopify payout %s: %d balance transactions",
            payout["id"],
            len(transactions),
        )
        content = json.dumps({"payouts": [payout], "transactions": transactions})
        return Page(
            files=[
                (
                    f"shopify-payout-{payout['id']}.json",
                    content.encode(),
                    "shopify_payments_json",
                )
            ],
            cursor=dict(cursor, since_id=payout["id"]),
            more=more,
        )

    def fetch_orders(self, cursor):
        """One page of orders updated since ``cursor["since"]``, oldest first.

        While a walk is in progress the cursor keeps the next ``page_info`` and the
        latest ``updated_at`` seen (``until``); when the walk ends that becomes the new
        ``since``. Orders updated exactly at ``since`` and already read
        (``since_ids``) are left out, so an idle shop gives empty pages.
        """
        since = cursor.get("since")
        if cursor.get("page_info"):
            params = {"limit": PAGE_SIZE, "page_info": cursor["page_info"]}
        else:
            params = {"status": "any", "limit": PAGE_SIZE, "order": "updated_at asc"}
            if since:
                params["updated_at_min"] = since
        data, next_url = self.get_page(self.admin_path("orders.json"), params)
        done = set(cursor.get("since_ids") or ())
        orders = [
            order
            for order in self.items(data, "orders")
            if not (order.get("id") in done and same_time(order, since))
        ]
        until, until_ids = latest(orders, cursor.get("until"), cursor.get("until_ids"))
        walk = {k: v for k, v in cursor.items() if k not in WALK_KEYS}
        if next_url:
            walk["page_info"] = page_info_of(next_url)
            if until:
                walk.update(until=until, until_ids=until_ids)
        elif until:
            walk.update(since=until, since_ids=until_ids)
        files = []
        if orders:
            stamp = int(parse_datetime(latest(orders)[0]).timestamp())
            content = json.dumps({"orders": orders}).encode()
            files.append(
                (f"shopify-orders-{stamp}.json", content, "shopify_orders_json")
            )
        return Page(files=files, cursor=walk, more=bool(next_url))

    # ---- helpers

    def admin_path(self, resource):
        """The path of an Admin REST resource at the pinned API version."""
        return f"admin/api/{API_VERSION}/{resource}"

    def since_day(self, since):
        try:
            return day_of(since)
        except InvalidDate:
            raise ApiError(f"Shopify: invalid sync start date {since!r}") from None

    def get_page(self, path, params=None):
        """GET one list page: ``(json, next_url)``; the next URL is checked."""
        response = self.request("GET", path, params=params)
        try:
            data = response.json()
        except ValueError:
            raise ApiError(
                f"GET {redact_url(response.url)}: the answer is not JSON",
                status=response.status_code,
            ) from None
        url = next_link(response)
        if url and not self.same_origin(url):
            raise ApiError(
                f"GET {redact_url(response.url)}: next page on another host "
                f"({redact_url(url)}), not followed"
            )
        return data, url

    def get_all(self, resource, params, key):
        """Every item of a list resource, following the ``Link`` pages."""
        items = []
        url = self.admin_path(resource)
        while url:
            data, url = self.get_page(url, params)
            items.extend(self.items(data, key))
            params = None  # the next URL carries its own query
        return items

    def same_origin(self, url):
        base, other = urlsplit(self.base_url), urlsplit(self.url(url))
        return (base.scheme, base.netloc) == (other.scheme, other.netloc)

    def items(self, data, key):
        """The ``key`` list of an answer; each item an object with a numeric id."""
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ApiError(f"Shopify: the answer has no {key!r} list")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                raise ApiError(f"Shopify: an item of {key!r} has no numeric id")
        return items
