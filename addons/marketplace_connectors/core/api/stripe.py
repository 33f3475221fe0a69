"""Stripe client: paid payouts, each with the balance transactions it settled.

``https://api.stripe.com``, ``Authorization: Bearer <secret key>`` (a restricted key
with read access to payouts and balance is enough) and the API version pinned in
``Stripe-Version`` (``STRIPE_VERSION``), so that an account upgrade never changes the
shapes the parser reads. Lists are paginated with ``has_more`` / ``starting_after``
and come newest first.

One page of the ``payouts`` stream is one payout, as one ``stripe_balance_json`` file
``{"payout": {...}, "balance_transactions": [...]}``. Only automatic payouts can be
itemized: Stripe links balance transactions to automatic payouts alone
(``GET /v1/balance_transactions?payout=po_...``), so a manual payout gives a file of
the payout alone, with an empty ``balance_transactions`` list; its money shows up as
the transactions of no payout.

Payouts are synced in creation order, never around one still on its way: every fetch
reads the payouts created since the cursor and takes the oldest not yet synced. A
``paid`` one is returned; a ``failed`` or ``canceled`` one is passed over; a
``pending`` or ``in_transit`` one stops the walk until it settles (an instant payout
paid at once must not push the cursor beyond an older standard payout still in
transit). The cursor is ``{"created": <unix>, "id": <payout id>, "ids": [...]}``:
``ids`` are the payouts already synced or passed over at that ``created`` second, so
that payouts created in the same second are neither skipped nor repeated.
"""

import json
import logging

from ..dates import InvalidDate, parse_datetime
from . import register
from .base import ApiClient, ApiError, AuthError, Page

_logger = logging.getLogger(__name__)

STRIPE_VERSION = "2025-06-30.basil"
PAGE_SIZE = 100  # Stripe's maximum ``limit``
PAID = "paid"
# Final states of a payout that will never be paid: passed over, not waited for.
UNPAID_FINAL = frozenset({"failed", "canceled"})


def unix_of(since):
    """Unix seconds of a cursor's ``since`` (ISO date or datetime, UTC if naive).

    >>> unix_of("2025-03-01T00:00:00Z"), unix_of("2025-03-01")
    (1740787200, 1740787200)
    """
    return int(parse_datetime(since).timestamp())


def payout_in_order(payouts, done=()):
    """``(payout, more, waiting, passed)``: the next payout to sync.

    Payouts whose id is in ``done`` are left out; the others are taken by ``created``
    (then id). ``payout`` is the oldest paid one not preceded by one still under way
    (``waiting``); ``passed`` lists the failed or canceled payouts passed over before
    it, and ``more`` says whether the payout after it is paid too.

    >>> p = [{"id": "po_3", "created": 30, "status": "paid"},
    ...      {"id": "po_1", "created": 10, "status": "failed"},
    ...      {"id": "po_2", "created": 20, "status": "paid"}]
    >>> payout, more, waiting, passed = payout_in_order(p)
    >>> payout["id"], more, waiting, [x["id"] for x in passed]
    ('po_2', True, None, ['po_1'])
    >>> payout_in_order(p, {"po_1", "po_2"})[:2]
    ({'id': 'po_3', 'created': 30, 'status': 'paid'}, False)
    >>> payout_in_order([{"id": "po_4", "created": 1, "status": "in_transit"},
    ...                  {"id": "po_5", "created": 2, "status": "paid"}])[2]["id"]
    'po_4'
    """
    found, passed = None, []
    todo = sorted(
        (p for p in payouts if p["id"] not in done),
        key=lambda p: (p["created"], p["id"]),
    )
    for payout in todo:
        status = str(payout.get("status") or "").lower()
        if status in UNPAID_FINAL:
            if found is None:
                passed.append(payout)
            continue
        if found is not None:
            return found, status == PAID, None, passed
        if status != PAID:
            return None, False, payout, passed
        found = payout
    return found, False, None, passed


@register("stripe")
class StripeClient(ApiClient):
    """Stripe payouts and their balance transactions (REST API)."""

    BASE_URL = "https://api.stripe.com"
    STREAMS = ("payouts",)
    # Live mode allows 100 read calls per second, test mode 25: stay below both.
    DEFAULT_RATE = 20

    def auth_headers(self):
        key = self.credentials.get("api_key")
        if not key:
            raise AuthError("Stripe: no secret key (API key) on the channel")
        return {"Authorization": f"Bearer {key}", "Stripe-Version": STRIPE_VERSION}

    def fetch(self, stream, cursor):
        """The next page of ``payouts`` after ``cursor``."""
        if stream != "payouts":
            raise ValueError(f"unknown Stripe stream {stream!r}")
        return self.fetch_payout(dict(cursor or {}))

    def fetch_payout(self, cursor):
        """The oldest paid payout not yet synced, with its balance transactions.

        At first sync (no ``created`` in the cursor), ``cursor["since"]`` bounds the
        payouts' creation date.
        """
        done = set(cursor.get("ids") or ())
        if cursor.get("id"):
            done.add(cursor["id"])
        params = {"limit": PAGE_SIZE}
        if cursor.get("created") is not None:
            params["created[gte]"] = cursor["created"]
        elif cursor.get("since"):
            params["created[gte]"] = self.since_unix(cursor["since"])
        payouts = self.list_all("v1/payouts", params)
        for payout in payouts:
            if not isinstance(payout.get("id"), str) or not isinstance(
                payout.get("created"), int
            ):
                raise ApiError("Stripe: a payout without id or created")
        payout, more, waiting, passed = payout_in_order(payouts, done)
        if payout is None:
            info = {}
            if waiting:
                info["waiting"] = {k: waiting.get(k) for k in ("id", "status")}
            return Page(files=[], cursor=cursor, more=False, info=info)
        transactions = []
        if payout.get("automatic", True):
            transactions = self.list_all(
                "v1/balance_transactions", {"payout": payout["id"], "limit": PAGE_SIZE}
            )
        _logger.debug(
            "Stripe payout %s: %d balance transactions", payout["id"], len(transactions)
        )
        created = payout["created"]
        ids = {p["id"] for p in [*passed, payout] if p["created"] == created}
        if cursor.get("created") == created:
            ids |= done
        content = json.dumps({"payout": payout, "balance_transactions": transactions})
        return Page(
            files=[
                (
                    f"stripe-payout-{payout['id']}.json",
                    content.encode(),
                    "stripe_balance_json",
                )
            ],
            cursor=dict(cursor, created=created, id=payout["id"], ids=sorted(ids)),
            more=more,
        )

    # ---- helpers

    def since_unix(self, since):
        try:
            return unix_of(since)
        except InvalidDate:
            raise ApiError(f"Stripe: invalid sync start date {since!r}") from None

    def list_all(self, path, params):
        """Every object of a Stripe list (``has_more`` / ``starting_after``)."""
        items = []
        while True:
            data = self.get_json(path, params=params)
            page = data.get("data") if isinstance(data, dict) else None
            if not isinstance(page, list) or not all(isinstance(i, dict) for i in page):
                raise ApiError(f"Stripe: GET {path} did not answer a list")
            items.extend(page)
            if not data.get("has_more") or not page:
                return items
            params = dict(params, starting_after=page[-1]["id"])
