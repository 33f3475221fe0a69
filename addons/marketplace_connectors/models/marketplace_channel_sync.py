# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Live sync of a channel: API pages imported by queue jobs, one page per job.

The flow (the Importer of the connector vocabulary):

1. ``_cron_sync`` (every 15 minutes) enqueues, for each channel whose sync is due,
   one ``_sync_stream`` job per stream of its platform client;
2. ``_sync_stream`` fetches the next page after the stream's stored cursor, imports
   its files through ``import_files`` (the same path as a dropped file), stores the
   page's cursor in the same transaction, and enqueues the job of the next page. The
   cursor therefore only moves once the page's data is committed: a sync interrupted
   after page 3 resumes from page 3's cursor; keys make any overlap harmless;
3. throttling and platform outages raise ``RetryableJobError`` (queue_job retries with
   the platform's ``Retry-After``); refused credentials or a bad page stop the stream,
   are counted on the channel and shown with their error; the health cron gives the
   responsible user an activity when failures pile up or the data lags.

Every job carries an identity key built from (channel, stream, cursor): the same page
is never enqueued twice while one is waiting.
"""

import hashlib
import json
import logging
import secrets
from datetime import datetime, time, timedelta

import requests

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

from ..core import api as core_api
from ..core.api.base import ApiError, RetryableApiError

_logger = logging.getLogger(__name__)

JOB_KEY_PREFIX = "marketplace-sync"
OPEN_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")
STUCK_AFTER = timedelta(hours=1)
# What the webhook route caches per token (see _webhook_channel_data).
WEBHOOK_CACHE_FIELDS = frozenset(
    {"webhook_token", "webhook_secret", "active", "platform", "company_id"}
)


class MarketplaceChannel(models.Model):
    _name = "marketplace.channel"
    _inherit = ["marketplace.channel", "mail.thread", "mail.activity.mixin"]

    api_token_url = fields.Char(
        string="Token URL",
        groups="marketplace_connectors.group_marketplace_manager",
        help="OAuth token endpoint; leave empty for the platform's own.",
    )
    api_account_ref = fields.Char(
        string="Account Reference",
        groups="marketplace_connectors.group_marketplace_manager",
        help="Mirakl: the shop id, when the API key serves several shops. eBay: the "
        "marketplace id sent with each call (EBAY_FR).",
    )
    api_rate_limit = fields.Float(
        string="API Calls per Second",
        digits=(16, 3),
        help="Leave 0 for the platform's documented limit.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        help="Gets an activity when the sync keeps failing or lags behind.",
    )
    sync_active = fields.Boolean(
        string="Automatic Sync", help="Sync this channel from its API periodically."
    )
    sync_interval = fields.Integer(
        string="Sync Every (minutes)", default=60, help="Minimum 15 minutes."
    )
    sync_start_date = fields.Date(
        string="Sync From",
        default=lambda self: fields.Date.context_today(self) - timedelta(days=30),
        help="First sync of a stream: data from this date on.",
    )
    sync_cursor = fields.Json(
        copy=False,
        readonly=True,
        help="Where each stream stopped; advanced only once a page is committed.",
    )
    sync_next_date = fields.Datetime(string="Next Sync", copy=False, readonly=True)
    sync_last_date = fields.Datetime(string="Last Attempt", copy=False, readonly=True)
    sync_success_date = fields.Datetime(
        string="Last Successful Sync", copy=False, readonly=True
    )
    sync_lag_hours = fields.Float(
        string="Lag (hours)",
        compute="_compute_sync_lag_hours",
        digits=(16, 1),
        help="Hours since the last successful sync.",
    )
    sync_failure_count = fields.Integer(
        string="Failures",
        copy=False,
        readonly=True,
        help="Failed syncs since the last successful one.",
    )
    sync_last_error = fields.Text(string="Last Error", copy=False, readonly=True)
    sync_alert_failures = fields.Integer(string="Alert After (failures)", default=3)
    sync_alert_lag_hours = fields.Integer(string="Alert After (hours)", default=24)
    sync_page_count = fields.Integer(string="Pages Synced", copy=False, readonly=True)
    sync_job_failed_count = fields.Integer(
        string="Failed Jobs", compute="_compute_sync_jobs"
    )
    sync_job_open_count = fields.Integer(
        string="Waiting Jobs", compute="_compute_sync_jobs"
    )
    sync_job_stuck_count = fields.Integer(
        string="Stuck Jobs", compute="_compute_sync_jobs"
    )
    sync_job_error = fields.Char(string="Job Error", compute="_compute_sync_jobs")
    webhook_token = fields.Char(
        groups="marketplace_connectors.group_marketplace_manager",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The secret part of this channel's webhook URL.",
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        groups="marketplace_connectors.group_marketplace_manager",
        help="Give this URL to the platform, with the webhook secret.",
    )
    webhook_rejected_count = fields.Integer(
        string="Rejected Deliveries",
        default=0,
        copy=False,
        readonly=True,
        help="Deliveries refused for a bad, missing, expired or replayed signature.",
    )
    webhook_event_ids = fields.One2many(
        "marketplace.webhook.event", "channel_id", readonly=True
    )
    webhook_event_count = fields.Integer(
        string="Webhook Events", compute="_compute_webhook_event_count"
    )

    _sql_constraints = [
        ("webhook_token_uniq", "unique(webhook_token)", "Webhook tokens are unique."),
    ]

    # ---- compute

    @api.depends("sync_success_date")
    def _compute_sync_lag_hours(self):
        now = fields.Datetime.now()
        for channel in self:
            since = channel.sync_success_date
            channel.sync_lag_hours = (
                (now - since).total_seconds() / 3600 if since else 0.0
            )

    def _compute_sync_jobs(self):
        # queue.job is readable by queue managers only; the channel shows its own
        # jobs' states (found by their identity key) to whoever may read the channel.
        Job = self.env["queue.job"].sudo()
        stuck_before = fields.Datetime.now() - STUCK_AFTER
        for channel in self:
            if not channel.id:
                channel.update(
                    sync_job_failed_count=0,
                    sync_job_open_count=0,
                    sync_job_stuck_count=0,
                    sync_job_error=False,
                )
                continue
            jobs = Job.search(channel._sync_job_domain())
            failed = jobs.filtered(lambda j: j.state == "failed")
            open_jobs = jobs.filtered(lambda j: j.state in OPEN_JOB_STATES)
            stuck = open_jobs.filtered(
                lambda j, limit=stuck_before: (
                    j.state in ("enqueued", "started")
                    and (j.date_started or j.date_enqueued or limit) < limit
                )
            )
            channel.sync_job_failed_count = len(failed)
            channel.sync_job_open_count = len(open_jobs)
            channel.sync_job_stuck_count = len(stuck)
            channel.sync_job_error = failed[:1].exc_message or False

    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for channel in self:
            channel.webhook_url = (
                f"{base}/marketplace/webhook/{channel.webhook_token}"
                if channel.webhook_token
                else False
            )

    def _compute_webhook_event_count(self):
        counts = dict(
            self.env["marketplace.webhook.event"]._read_group(
                [("channel_id", "in", self.ids)], ["channel_id"], ["__count"]
            )
        )
        for channel in self:
            channel.webhook_event_count = counts.get(channel, 0)

    # ---- actions

    def action_generate_webhook_token(self):
        """A new webhook URL (the old one stops working)."""
        self.ensure_one()
        self.check_access("write")
        self.webhook_token = secrets.token_urlsafe(24)
        return True

    def action_view_webhook_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.marketplace_webhook_event_action"
        )
        action["domain"] = [("channel_id", "=", self.id)]
        return action

    def action_sync_now(self):
        """Enqueue a sync of every stream now (waiting pages are not doubled)."""
        self.ensure_one()
        self.check_access("write")
        self._check_sync_configured()
        for stream in self._api_client_class().STREAMS:
            self._enqueue_sync_page(stream)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Sync of %(channel)s queued.", channel=self.name),
            },
        }

    def action_retry_failed_jobs(self):
        """Put this channel's failed sync jobs back in the queue."""
        self.ensure_one()
        self.check_access("write")
        # sudo: queue.job is writable by queue managers only; a channel manager
        # (checked above) may requeue the jobs of this channel, nothing else.
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(self._sync_job_domain() + [("state", "=", "failed")])
        )
        jobs.requeue()
        return True

    def action_view_sync_jobs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "queue_job.action_queue_job"
        )
        action["domain"] = self._sync_job_domain()
        action["context"] = {}
        return action

    def action_view_sync_batches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.marketplace_import_batch_action"
        )
        action["domain"] = [("channel_id", "=", self.id), ("source", "!=", "file")]
        return action

    def action_reset_sync_cursor(self):
        """Start over from the sync start date (keys make the re-read harmless)."""
        self.ensure_one()
        self.check_access("write")
        self.sync_cursor = {}
        return True

    # ---- business: enqueue

    def _sync_job_domain(self):
        self.ensure_one()
        return [("identity_key", "=like", f"{JOB_KEY_PREFIX}:{self.id}:%")]

    def _stream_cursor(self, stream):
        """The stored cursor of ``stream``; at first sync, the sync start date."""
        self.ensure_one()
        cursor = (self.sync_cursor or {}).get(stream)
        if cursor:
            return dict(cursor)
        start = self.sync_start_date or fields.Date.context_today(self)
        return {"since": datetime.combine(start, time.min).isoformat() + "Z"}

    def _sync_identity_key(self, stream, cursor):
        digest = hashlib.sha1(
            json.dumps(cursor, sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        return f"{JOB_KEY_PREFIX}:{self.id}:{stream}:{digest}"

    def _enqueue_sync_page(self, stream, cursor=None):
        """Enqueue the job of the page after ``cursor`` (default: the stored one)."""
        self.ensure_one()
        cursor = self._stream_cursor(stream) if cursor is None else cursor
        return self.with_delay(
            identity_key=self._sync_identity_key(stream, cursor),
            description=self.env._(
                "%(channel)s: sync %(stream)s", channel=self.name, stream=stream
            ),
        )._sync_stream(stream)

    @api.model
    def _cron_sync(self):
        """Enqueue the sync of every channel whose sync is due."""
        now = fields.Datetime.now()
        channels = self.search(
            [
                ("sync_active", "=", True),
                "|",
                ("sync_next_date", "=", False),
                ("sync_next_date", "<=", now),
            ]
        )
        for channel in channels:
            if channel.platform not in core_api.CLIENTS:
                continue
            for stream in channel._api_client_class().STREAMS:
                channel._enqueue_sync_page(stream)
            interval = max(channel.sync_interval, 15)
            channel.sync_next_date = now + timedelta(minutes=interval)
        return True

    # ---- business: the job

    def _api_client_class(self):
        self.ensure_one()
        try:
            return core_api.client_class(self.platform)
        except KeyError:
            raise UserError(
                self.env._(
                    "%(platform)s channels have no API sync: import their files.",
                    platform=self.platform,
                )
            ) from None

    def _check_sync_configured(self):
        self.ensure_one()
        self._api_client_class()

    def _api_credentials(self):
        """The channel's credentials for its client (read by the sync job only)."""
        self.ensure_one()
        # sudo: the credential fields are restricted to marketplace managers, but a
        # sync job may run as a marketplace user who clicked "Sync now" or as the
        # cron user; the values go to the HTTP client only, never to a log or a view.
        channel = self.sudo()
        return {
            "api_key": channel.api_key or "",
            "client_id": channel.api_client_id or "",
            "client_secret": channel.api_client_secret or "",
            "refresh_token": channel.api_refresh_token or "",
            "token_url": channel.api_token_url or "",
            "shop_id": channel.api_account_ref or "",
            "marketplace_id": channel.api_account_ref or "",
        }

    def _api_client(self, session=None):
        """A client of the channel's platform, with its credentials and limits."""
        self.ensure_one()
        client_class = self._api_client_class()
        return client_class(
            self._api_credentials(),
            session=session or requests.Session(),
            base_url=self.sudo().api_url or None,
            rate=self.api_rate_limit or None,
        )

    def _sync_stream(self, stream):
        """Job: import the next page of ``stream`` and enqueue the page after it."""
        self.ensure_one()
        now = fields.Datetime.now()
        cursor = self._stream_cursor(stream)
        try:
            page = self._api_client().fetch(stream, cursor)
        except RetryableApiError as error:
            raise RetryableJobError(
                str(error), seconds=int(error.retry_after or 60) + 1
            ) from None
        except ApiError as error:
            return self._sync_failed(stream, str(error), now)
        batches = self.env["marketplace.import.batch"]
        for filename, content, format_code in page.files:
            batches |= self.import_files(
                [(filename, content)], format_code=format_code, source="api"
            )
        failed = batches.filtered(lambda b: b.state == "failed")
        if failed:
            # The page's files are kept as failed batches; the cursor stays, so the
            # next sync reads the same page again once the cause is fixed.
            return self._sync_failed(
                stream,
                self.env._(
                    "%(batch)s: %(error)s",
                    batch=failed[0].name,
                    error=failed[0].error_message,
                ),
                now,
            )
        self._drop_provisional_payouts(page.info.get("closed_groups") or ())
        self.write(
            {
                "sync_cursor": dict(self.sync_cursor or {}, **{stream: page.cursor}),
                "sync_last_date": now,
                "sync_success_date": now,
                "sync_failure_count": 0,
                "sync_last_error": False,
                "sync_page_count": self.sync_page_count + 1,
            }
        )
        if page.more:
            self._enqueue_sync_page(stream, page.cursor)
        return self.env._(
            "%(files)s file(s), %(lines)s new line(s)%(more)s",
            files=len(page.files),
            lines=sum(batches.mapped("new_line_count")),
            more=self.env._(", next page queued") if page.more else "",
        )

    def _sync_failed(self, stream, message, now):
        _logger.warning("%s: sync of %s failed: %s", self.name, stream, message)
        self.write(
            {
                "sync_last_date": now,
                "sync_failure_count": self.sync_failure_count + 1,
                "sync_last_error": f"{stream}: {message}",
            }
        )
        return message

    def _drop_provisional_payouts(self, group_ids):
        """Amazon: an open financial event group is a provisional payout until its
        settlement report arrives; once the group is closed, the report carries the
        final lines and the provisional ones go."""
        if not group_ids:
            return
        payouts = self.env["marketplace.payout"].search(
            [
                ("channel_id", "=", self.id),
                ("name", "in", [f"FEG-{group_id}" for group_id in group_ids]),
            ]
        )
        if payouts:
            payouts.transaction_ids.unlink()
            payouts.unlink()

    # ---- business: supervision

    @api.model
    def _cron_check_sync_health(self):
        """Give the responsible an activity when a sync keeps failing or lags."""
        now = fields.Datetime.now()
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for channel in self.search([("sync_active", "=", True)]):
            reason = channel._sync_health_problem(now)
            if not reason:
                continue
            summary = self.env._("Marketplace sync needs attention")
            if channel.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                continue
            channel.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=reason,
                user_id=(channel.user_id or self.env.user).id,
            )
        return True

    def _sync_health_problem(self, now):
        """Why the channel's sync needs a human, or ``False``."""
        self.ensure_one()
        if self.sync_alert_failures and (
            self.sync_failure_count >= self.sync_alert_failures
        ):
            return self.env._(
                "%(count)s failed syncs in a row. Last error: %(error)s",
                count=self.sync_failure_count,
                error=self.sync_last_error or "-",
            )
        if self.sync_job_failed_count:
            return self.env._(
                "%(count)s sync job(s) failed: %(error)s",
                count=self.sync_job_failed_count,
                error=self.sync_job_error or "-",
            )
        reference = self.sync_success_date or self.create_date
        if (
            self.sync_alert_lag_hours
            and reference
            and now - reference > timedelta(hours=self.sync_alert_lag_hours)
        ):
            return self.env._(
                "No successful sync for %(hours)s hours.",
                hours=int((now - reference).total_seconds() // 3600),
            )
        return False

    @api.model
    def _webhook_channel(self, token):
        """``(channel, secret)`` of an active channel's webhook token, else None.

        The hot path of the webhook route (hundreds of deliveries a second): the
        channel's id, platform, company and secret come from a per-process cache
        (cleared on every worker when one of them changes, see ``write``), so an
        accepted delivery costs one query; the channel comes back with its platform
        and company in the record cache instead of a read of its sixty columns.
        """
        if not token:
            return None
        found = self._webhook_channel_data(token)
        if not found:
            return None
        channel_id, platform, company_id, secret = found
        channel = self.browse(channel_id)
        self.env.cache.update(channel, self._fields["platform"], [platform])
        self.env.cache.update(channel, self._fields["company_id"], [company_id])
        return channel, secret

    @api.model
    @tools.ormcache("token")
    def _webhook_channel_data(self, token):
        self.env.cr.execute(
            """
            SELECT id, platform, company_id, webhook_secret FROM marketplace_channel
             WHERE webhook_token = %s AND active
            """,
            (token,),
        )
        return self.env.cr.fetchone()

    def write(self, vals):
        result = super().write(vals)
        if WEBHOOK_CACHE_FIELDS.intersection(vals):
            self.env.registry.clear_cache()  # _webhook_channel_data, on every worker
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_clear_webhook_cache(self):
        if any(channel.webhook_token for channel in self.sudo()):
            self.env.registry.clear_cache()

    def _count_webhook_rejection(self):
        """One more refused delivery (plain SQL: no write date, no lock wait on the
        ORM's cache, and the request that counts it stores nothing else)."""
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE marketplace_channel SET webhook_rejected_count ="
            " COALESCE(webhook_rejected_count, 0) + 1 WHERE id = %s",
            (self.id,),
        )
        self.invalidate_recordset(["webhook_rejected_count"])
