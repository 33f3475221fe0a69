"""Amazon Selling Partner API: settlement reports and open financial event groups.

Two streams, each page ready for ``marketplace.channel.import_files``:

- ``settlements``: one settlement report (flat file V2) per page, oldest first, as an
  ``amazon_settlement_v2`` file. The cursor is
  ``{"created": <createdTime>, "ids": [<report ids taken at that createdTime>]}``, so
  reports created in the same second are neither skipped nor read twice; at first sync
  ``{"since": <ISO date>}`` is the lower bound.
- ``open_events``: the financial events of every *Open* financial event group, one
  ``amazon_finances_json`` file per group (provisional lines until the settlement
  arrives). ``Page.info["closed_groups"]`` lists the groups seen *Closed*: their
  provisional payouts are to be dropped, the settlement report carries the final lines.
  The cursor ``{"since": ...}`` stays at the start of the oldest open group, so that
  group is listed again when it closes.
"""

import gzip
import json
import logging
import time
from decimal import Decimal

from ..dates import InvalidDate, parse_datetime
from . import register
from .base import ApiClient, ApiError, AuthError, Page, RetryableApiError, redact_url

_logger = logging.getLogger(__name__)

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
REPORTS = "/reports/2021-06-30/reports"
DOCUMENTS = "/reports/2021-06-30/documents/"
GROUPS = "/finances/v0/financialEventGroups"
SETTLEMENT_FORMAT = "amazon_settlement_v2"
EVENTS_FORMAT = "amazon_finances_json"
PAGE_SIZE = 100


def dumps_exact(value):
    """JSON text of ``value``, ``Decimal`` numbers written exactly as they were read.

    >>> dumps_exact({"a": [Decimal("12.30"), 1, None, "é"]})
    '{"a": [12.30, 1, null, "\\\\u00e9"]}'
    """
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}: {dumps_exact(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(dumps_exact(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)


def _instant(text):
    """An ISO date-time as an aware UTC datetime (``None`` if unreadable)."""
    try:
        return parse_datetime(text)
    except InvalidDate:
        return None


@register("amazon")
class AmazonClient(ApiClient):
    """SP-API client (EU endpoint by default), authenticated by Login with Amazon.

    Credentials: ``refresh_token``, ``client_id``, ``client_secret`` and optionally
    ``token_url``. The LWA access token is kept with its expiry, refreshed
    ``TOKEN_MARGIN`` seconds before it expires and once on a 401, and sent as
    ``x-amz-access-token`` (no AWS signature: SP-API dropped SigV4 in 2023). The
    pre-signed report document URL is fetched without it.

    Rate limits (SP-API usage plans, per selling partner and application):
    Finances v0 ``listFinancialEventGroups`` and ``listFinancialEventsByGroupId``
    0.5 requests/s, burst 30, hence ``DEFAULT_RATE = 0.5`` (evenly spaced, no
    burst). Reports ``getReports`` allows 0.0222/s (burst 10) and
    ``getReportDocument`` 0.0167/s (burst 15): a settlements page makes one or two
    such calls, within the burst; a 429 beyond it waits for ``Retry-After``.
    """

    BASE_URL = "https://sellingpartnerapi-eu.amazon.com"
    TOKEN_URL = "https://api.amazon.com/auth/o2/token"
    STREAMS = ("settlements", "open_events")
    DEFAULT_RATE = 0.5
    TOKEN_MARGIN = 60.0  # seconds before expiry when a token is renewed
    CREDENTIALS = ("refresh_token", "client_id", "client_secret")

    def __init__(self, credentials=None, *, clock=time.monotonic, **kwargs):
        super().__init__(credentials, clock=clock, **kwargs)
        self.clock = clock
        self._access_token = None
        self._expires_at = 0.0

    # ---- authentication

    def auth_headers(self):
        if not self._access_token or self.clock() >= self._expires_at:
            self.refresh_token()
        return {"x-amz-access-token": self._access_token}

    def refresh_token(self):
        """Exchange the refresh token for an access token (LWA); True when done."""
        missing = [key for key in self.CREDENTIALS if not self.credentials.get(key)]
        if missing:
            raise AuthError(f"Amazon: missing credential(s): {', '.join(missing)}")
        token_url = self.credentials.get("token_url") or self.TOKEN_URL
        form = {"grant_type": "refresh_token"}
        form.update({key: self.credentials[key] for key in self.CREDENTIALS})
        refused = None
        try:
            response = self.request(
                "POST", token_url, authenticate=False, data=form, allow_redirects=False
            )
            answer = response.json()
        except RetryableApiError:
            raise  # throttled or unavailable: the job retries later
        except ApiError as error:
            refused = error  # raised below, without the answer's text as context
        except ValueError:
            answer = None
        if refused is not None:
            raise AuthError(
                f"POST {redact_url(self.url(token_url))}: Login with Amazon refused "
                f"the refresh token (HTTP {refused.status})",
                status=refused.status,
                url=refused.url,
            )
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not token or not isinstance(token, str):
            raise AuthError(
                f"POST {redact_url(self.url(token_url))}: no access token in the answer"
            )
        try:
            lifetime = float(answer.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._access_token = token
        self._expires_at = self.clock() + max(0.0, lifetime - self.TOKEN_MARGIN)
        _logger.debug("Amazon: new access token, valid %.0f s", lifetime)
        return True

    # ---- HTTP helpers

    def _json(self, path, params):
        """GET ``path`` and decode its JSON, numbers as ``Decimal``."""
        response = self.request("GET", path, params=params)
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise ApiError(
                f"GET {redact_url(self.url(path))}: the answer is not JSON",
                status=response.status_code,
            ) from None

    # ---- streams

    def fetch(self, stream, cursor):
        if stream == "settlements":
            return self.fetch_settlement(dict(cursor or {}))
        if stream == "open_events":
            return self.fetch_open_events(dict(cursor or {}))
        raise ValueError(f"unknown Amazon stream {stream!r}")

    # settlements

    def list_reports(self, created_since):
        """Every DONE settlement report created since ``created_since`` (all pages)."""
        params = {
            "reportTypes": REPORT_TYPE,
            "processingStatuses": "DONE",
            "pageSize": PAGE_SIZE,
        }
        if created_since:
            params["createdSince"] = created_since
        reports = []
        while True:
            answer = self._json(REPORTS, params)
            reports.extend(answer.get("reports") or [])
            token = answer.get("nextToken")
            if not token:
                return reports
            # getReports: "include this token as the only parameter".
            params = {"nextToken": token}

    def pending_reports(self, cursor):
        """The reports not synced yet, oldest first: ``[(created, id, report)]``."""
        created = cursor.get("created")
        since_text = created or cursor.get("since")
        since = _instant(since_text) if since_text else None
        taken = set(cursor.get("ids") or ()) if created else set()
        pending = []
        for report in self.list_reports(since_text):
            when = _instant(str(report.get("createdTime") or ""))
            report_id = str(report.get("reportId") or "")
            if when is None or not report_id:
                raise ApiError(f"Amazon: report {report_id!r} has no valid createdTime")
            if report.get("processingStatus", "DONE") != "DONE":
                continue
            if since is not None and (
                when < since or (created and when == since and report_id in taken)
            ):
                continue
            pending.append((when, report_id, report))
        pending.sort(key=lambda entry: entry[:2])
        return pending

    def download_report(self, report):
        """The bytes of a report: document metadata, then the pre-signed URL."""
        document_id = report.get("reportDocumentId")
        if not document_id:
            raise ApiError(f"Amazon: report {report.get('reportId')} has no document")
        document = self._json(DOCUMENTS + str(document_id), None)
        url = document.get("url")
        if not url:
            raise ApiError(f"Amazon: report document {document_id} has no url")
        # A pre-signed S3 URL: the SP-API token must not travel there.
        refused = None
        try:
            content = self.request("GET", url, authenticate=False).content
        except RetryableApiError:
            raise
        except ApiError as error:
            refused = error  # raised below, without S3's answer (it quotes the URL)
        if refused is not None:
            # Most likely expired (valid 5 minutes): the next try gets a new URL.
            raise RetryableApiError(
                f"GET {redact_url(url)}: HTTP {refused.status}, the pre-signed URL "
                "of the report document was refused",
                status=refused.status,
                url=redact_url(url),
                retry_after=60,
            )
        algorithm = document.get("compressionAlgorithm")
        if algorithm == "GZIP":
            try:
                return gzip.decompress(content)
            except (OSError, EOFError):
                raise ApiError(
                    f"Amazon: report document {document_id} is not valid GZIP"
                ) from None
        if algorithm:
            raise ApiError(f"Amazon: unsupported compressionAlgorithm {algorithm!r}")
        return content

    def fetch_settlement(self, cursor):
        """The oldest settlement report not synced yet (one report per page)."""
        pending = self.pending_reports(cursor)
        if not pending:
            return Page(files=[], cursor=cursor, more=False)
        when, report_id, report = pending[0]
        content = self.download_report(report)
        created = str(report["createdTime"])
        ids = [report_id]
        if cursor.get("created") and _instant(cursor["created"]) == when:
            ids = [*cursor.get("ids", ()), report_id]
        return Page(
            files=[(f"amazon-settlement-{report_id}.txt", content, SETTLEMENT_FORMAT)],
            cursor={"created": created, "ids": ids},
            more=len(pending) > 1,
            info={"report_id": report_id},
        )

    # open financial event groups

    def list_groups(self, started_after):
        """Every financial event group started at or after ``started_after``."""
        params = {"MaxResultsPerPage": PAGE_SIZE}
        if started_after:
            params["FinancialEventGroupStartedAfter"] = started_after
        groups = []
        for payload in self._payloads(GROUPS, params):
            groups.extend(payload.get("FinancialEventGroupList") or [])
        return groups

    def list_events(self, group_id):
        """The financial events of one group, the lists of every page merged."""
        merged = {}
        path = f"{GROUPS}/{group_id}/financialEvents"
        for payload in self._payloads(path, {"MaxResultsPerPage": PAGE_SIZE}):
            for name, items in (payload.get("FinancialEvents") or {}).items():
                if items is None:
                    continue
                if not isinstance(items, list):
                    raise ApiError(f"Amazon: {name} of group {group_id} is not a list")
                merged.setdefault(name, []).extend(items)
        return merged

    def _payloads(self, path, params):
        """Finances v0 pages: ``NextToken`` is sent with the same arguments."""
        token = None
        while True:
            query = dict(params, NextToken=token) if token else params
            payload = self._json(path, query).get("payload") or {}
            yield payload
            token = payload.get("NextToken")
            if not token:
                return

    def fetch_open_events(self, cursor):
        """One file per Open group; the ids of the Closed ones in ``info``."""
        files, open_ids, closed_ids, open_starts, starts = [], [], [], [], []
        for group in self.list_groups(cursor.get("since")):
            group_id = str(group.get("FinancialEventGroupId") or "")
            if not group_id:
                raise ApiError("Amazon: a financial event group has no id")
            start = str(group.get("FinancialEventGroupStart") or "")
            when = _instant(start) if start else None
            if when:
                starts.append((when, start))
            status = group.get("ProcessingStatus")
            if status == "Closed":
                closed_ids.append(group_id)
            elif status == "Open":
                if when:
                    open_starts.append((when, start))
                document = {
                    "FinancialEventGroup": group,
                    "FinancialEvents": self.list_events(group_id),
                }
                name = f"amazon-events-{group_id}.json"
                files.append((name, dumps_exact(document).encode(), EVENTS_FORMAT))
                open_ids.append(group_id)
        # Keep the oldest open group in the window: it must be seen again, Closed.
        if open_starts:
            cursor = dict(cursor, since=min(open_starts)[1])
        elif starts:
            cursor = dict(cursor, since=max(starts)[1])
        return Page(
            files=files,
            cursor=cursor,
            more=False,
            info={"closed_groups": closed_ids, "open_groups": open_ids},
        )
