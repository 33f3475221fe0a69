"""eBay Sell Finances API: one payout and all its transactions per page.

OAuth: an access token is obtained from the seller's refresh token (``POST`` to
``credentials["token_url"]`` or eBay's token endpoint, HTTP Basic ``client_id:
client_secret``, scope ``sell.finances``), renewed a minute before it expires and
once more when a call answers 401. Calls carry ``Authorization: Bearer <token>``
and, when the credentials name one, ``X-EBAY-C-MARKETPLACE-ID``.

Stream ``payouts``: ``GET /payout`` from the cursor's date, oldest first; the first
payout not taken yet is fetched with all its transactions (``GET /transaction``
filtered on its ``payoutId``, every offset page merged) into one
``ebay_finances_json`` file. The cursor is ``{"date": payoutDate, "ids": [payout ids
done at that date]}``: the date bound is inclusive, so payouts sharing a date are
neither skipped nor read twice. Only ``SUCCEEDED`` payouts are taken.
``TERMINAL_FAILED`` and ``REVERSED`` ones left no money in the bank: they are passed
over (no file, their id joins the cursor). An ``INITIATED`` (or ``RETRYABLE_FAILED``)
payout stops the walk: it and the payouts after it are read again at the next sync,
and it is taken once it has succeeded.

Amounts are decoded as ``Decimal`` and written back as strings, as eBay itself
writes ``amount.value``. eBay answers 204 (no body) when nothing matches.
"""

import json
import logging
import time
from decimal import Decimal
from urllib.parse import urlencode

from ..dates import InvalidDate, parse_datetime
from . import register
from .base import ApiClient, ApiError, AuthError, Page, RetryableApiError, redact_url

_logger = logging.getLogger(__name__)

TOKEN_URL = "https://api.ebay.com/identity/v1/oauth2/token"
SCOPE = "https://api.ebay.com/oauth/api_scope/sell.finances"
FORMAT = "ebay_finances_json"
PAGE_LIMIT = 200  # the most GET /payout returns per page
TAKEN = "SUCCEEDED"
PASSED = frozenset({"TERMINAL_FAILED", "REVERSED"})
REFRESH_MARGIN = 60.0  # seconds before expiry when the token is renewed
DEFAULT_EXPIRY = 7200.0
SECRET_KEYS = ("client_id", "client_secret", "refresh_token")


def ebay_date(text):
    """An ISO date as eBay filters want it: ``YYYY-MM-DDTHH:MM:SS.sssZ`` (UTC).

    >>> ebay_date("2025-03-01T00:00:00Z")
    '2025-03-01T00:00:00.000Z'
    >>> ebay_date("2025-03-10T07:12:45.5+01:00")
    '2025-03-10T06:12:45.500Z'
    """
    when = parse_datetime(text)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _same_instant(first, second):
    try:
        return bool(first and second) and parse_datetime(first) == parse_datetime(
            second
        )
    except InvalidDate:
        return first == second


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def advance(cursor, payout_id, date):
    """The cursor once payout ``payout_id`` of ``date`` is taken (or passed over).

    >>> c = advance({"since": "2025-03-01"}, "1", "2025-03-10T06:00:00.000Z")
    >>> c = advance(c, "2", "2025-03-10T06:00:00Z"); c
    {'date': '2025-03-10T06:00:00.000Z', 'ids': ['1', '2']}
    >>> advance(c, "3", "2025-03-11T06:00:00.000Z")
    {'date': '2025-03-11T06:00:00.000Z', 'ids': ['3']}
    """
    if _same_instant(cursor.get("date"), date):
        return {"date": cursor["date"], "ids": [*cursor.get("ids", ()), payout_id]}
    return {"date": date, "ids": [payout_id]}


def _status(payout):
    return str(payout.get("payoutStatus") or "").upper()


def ready(payouts, more_pages, taken=()):
    """Whether a payout can be taken right after ``payouts`` (the rest of a list).

    >>> ready([{"payoutStatus": "REVERSED"}, {"payoutStatus": "SUCCEEDED"}], False)
    True
    >>> ready([{"payoutStatus": "INITIATED"}, {"payoutStatus": "SUCCEEDED"}], True)
    False
    >>> ready([{"payoutId": "1", "payoutStatus": "SUCCEEDED"}], False, ["1"])
    False
    """
    for payout in payouts:
        if not isinstance(payout, dict):
            return False
        if str(payout.get("payoutId")) in taken or _status(payout) in PASSED:
            continue
        return _status(payout) == TAKEN
    return more_pages


@register("ebay")
class EbayClient(ApiClient):
    """Client of one seller's eBay Finances data (see the module doc)."""

    BASE_URL = "https://apiz.ebay.com/sell/finances/v1"
    STREAMS = ("payouts",)
    DEFAULT_RATE = 5  # a courtesy spacing: eBay's own limits are daily call quotas

    def __init__(self, credentials=None, *, clock=time.monotonic, **kwargs):
        super().__init__(credentials, clock=clock, **kwargs)
        self.clock = clock
        self._token = None
        self._expires_at = 0.0

    # ---- authentication

    def auth_headers(self):
        if not self._token or self.clock() >= self._expires_at - REFRESH_MARGIN:
            self.refresh_token()
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/json",
        }
        if self.credentials.get("marketplace_id"):
            headers["X-EBAY-C-MARKETPLACE-ID"] = self.credentials["marketplace_id"]
        return headers

    def refresh_token(self):
        """Get an access token from the refresh token; ``AuthError`` when refused."""
        creds = self.credentials
        missing = [name for name in SECRET_KEYS if not creds.get(name)]
        if missing:
            raise AuthError(f"eBay: credentials missing: {', '.join(missing)}")
        try:
            response = self.request(
                "POST",
                creds.get("token_url") or TOKEN_URL,
                authenticate=False,
                auth=(creds["client_id"], creds["client_secret"]),
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": creds["refresh_token"],
                    "scope": SCOPE,
                },
                headers={"Accept": "application/json"},
            )
        except RetryableApiError:
            raise
        except ApiError as error:
            message = self._scrub(str(error))
            raise AuthError(message, status=error.status, url=error.url) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("access_token"):
            raise AuthError(
                f"POST {redact_url(response.url)}: no access_token in the answer",
                status=response.status_code,
                url=redact_url(response.url),
            )
        self._token = body["access_token"]
        self._expires_at = self.clock() + float(
            body.get("expires_in") or DEFAULT_EXPIRY
        )
        return True

    def _scrub(self, text):
        """``text`` without any credential or token value."""
        secrets = [self.credentials.get(key) for key in SECRET_KEYS]
        for secret in [*secrets, self._token]:
            if isinstance(secret, str) and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def signature_headers(self, method, url, body):
        """Headers of eBay's HTTP message signature for this call; none for now.

        EU and UK sellers' Finances calls must carry ``x-ebay-signature-key``,
        ``Signature-Input``, ``Signature`` (and ``Content-Digest`` with a body),
        signed with a key from eBay's Key Management API. Not implemented yet:
        override this hook to return them. ``url`` is the full URL as sent, query
        string included; it is computed once per call, not per retry.
        """
        return {}

    # ---- HTTP

    def _get(self, path, params):
        """The JSON object of ``GET path?params`` (``{}`` for 204 No Content)."""
        url = f"{self.url(path)}?{urlencode(params, safe=':')}"
        headers = self.signature_headers("GET", url, None)
        response = self.request("GET", url, headers=headers)
        if response.status_code == 204 or not response.content.strip():
            return {}
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(
                f"GET {redact_url(url)}: the answer is not a JSON object",
                status=response.status_code,
                url=redact_url(url),
            )
        return body

    @staticmethod
    def _more(body, offset):
        """Whether an offset-paginated list has items after ``offset``."""
        return bool(body.get("next")) or offset < int(body.get("total") or 0)

    # ---- stream

    def fetch(self, stream, cursor):
        """The next payout after ``cursor`` (``{"since": iso}`` at first sync)."""
        if stream != "payouts":
            raise ValueError(f"unknown eBay stream {stream!r}")
        cursor = dict(cursor or {})
        date = cursor.get("date")
        taken = set(cursor.get("ids") or ()) if date else set()
        lower = date or cursor.get("since")
        params = {"sort": "payoutDate", "limit": PAGE_LIMIT, "offset": 0}
        if lower:
            params["filter"] = f"payoutDate:[{ebay_date(lower)}..]"
        state = cursor
        while True:
            body = self._get("/payout", params)
            payouts = body.get("payouts") or []
            params["offset"] += len(payouts)
            more_pages = bool(payouts) and self._more(body, params["offset"])
            for i, payout in enumerate(payouts):
                payout_id, when = self._identify(payout)
                if payout_id in taken and _same_instant(when, date):
                    continue
                if _status(payout) in PASSED:
                    state = advance(state, payout_id, when)
                    continue
                if _status(payout) != TAKEN:
                    _logger.debug(
                        "eBay payout %s is %s: later", payout_id, _status(payout)
                    )
                    return Page([], state)
                file = self._payout_file(payout_id, payout)
                state = advance(state, payout_id, when)
                more = ready(payouts[i + 1 :], more_pages, state["ids"])
                return Page([file], state, more=more)
            if not more_pages:
                return Page([], state)

    @staticmethod
    def _identify(payout):
        if not isinstance(payout, dict):
            raise ApiError("GET /payout: a payout is not a JSON object")
        payout_id = payout.get("payoutId")
        when = payout.get("payoutDate") or payout.get("lastAttemptedPayoutDate")
        if not payout_id or not isinstance(when, str):
            raise ApiError("GET /payout: a payout has no payoutId or payoutDate")
        return str(payout_id), when

    def _payout_file(self, payout_id, payout):
        """``(filename, bytes, format)`` of the payout and all its transactions."""
        document = {"payouts": [payout], "transactions": self._transactions(payout_id)}
        content = json.dumps(document, default=_json_default).encode()
        return f"ebay-payout-{payout_id}.json", content, FORMAT

    def _transactions(self, payout_id):
        """Every transaction of ``payout_id``, all offset pages merged."""
        params = {
            "filter": f"payoutId:{{{payout_id}}}",
            "limit": PAGE_LIMIT,
            "offset": 0,
        }
        items = []
        while True:
            body = self._get("/transaction", params)
            page = body.get("transactions") or []
            items.extend(page)
            params["offset"] += len(page)
            if not page or not self._more(body, params["offset"]):
                return items
