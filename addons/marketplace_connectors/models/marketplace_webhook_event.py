# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Webhook deliveries: stored once, processed later by a queue job.

The HTTP route (``controllers/main.py``) checks the signature on the raw body, stores
the accepted delivery here (unique per channel and platform event id, and per signature
so that a replayed delivery is refused) and enqueues one processing job per channel;
nothing is parsed in the request. ``_process_pending`` then turns each event into an
import (an order delivered by Shopify) or a sync of the channel (Stripe's
``payout.paid``, a Mirakl notification); an event already processed is skipped, so a
platform delivering the same event five times changes things once.
"""

import json
import logging

from odoo import api, fields, models

from ..core.api import webhooks

_logger = logging.getLogger(__name__)

PROCESS_JOB_PREFIX = "marketplace-webhook"
# Topics whose body is data we import directly (format code, wrapper key).
IMPORT_TOPICS = {
    ("shopify", "orders/create"): ("shopify_orders_json", "order"),
    ("shopify", "orders/updated"): ("shopify_orders_json", "order"),
    ("shopify", "orders/paid"): ("shopify_orders_json", "order"),
    ("shopify", "orders/cancelled"): ("shopify_orders_json", "order"),
}
# Topics that announce new data on the platform's API: sync the named stream.
SYNC_TOPICS = {
    ("stripe", "payout.paid"): "payouts",
    ("stripe", "payout.reconciliation_completed"): "payouts",
    ("mirakl", "ORDER"): "orders",
    ("mirakl", "order.updated"): "orders",
    ("mirakl", "TRANSACTION"): "transactions",
}


class MarketplaceWebhookEvent(models.Model):
    _name = "marketplace.webhook.event"
    _description = "Marketplace Webhook Event"
    _order = "id desc"
    _check_company_auto = True
    _rec_name = "event_id"

    # No index of their own on channel and company: the two unique constraints lead
    # with the channel, and each index costs every delivery its upkeep.
    channel_id = fields.Many2one(
        "marketplace.channel",
        required=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, precompute=True
    )
    event_id = fields.Char(required=True, readonly=True)
    topic = fields.Char(readonly=True)
    payload = fields.Text(readonly=True)
    signature_digest = fields.Char(readonly=True)
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        [
            ("pending", "To Process"),
            ("done", "Processed"),
            ("ignored", "Ignored"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    processed_at = fields.Datetime(readonly=True)
    result = fields.Char(readonly=True)
    import_batch_id = fields.Many2one(
        "marketplace.import.batch", readonly=True, ondelete="set null"
    )

    _sql_constraints = [
        (
            "channel_event_uniq",
            "unique(channel_id, event_id)",
            "This event was already received for this channel.",
        ),
        (
            "channel_signature_uniq",
            "unique(channel_id, signature_digest)",
            "This signed delivery was already received (replay).",
        ),
    ]

    # ---- intake (called by the controller, after the signature check)

    @api.model
    def _store_delivery(self, channel, body, headers):
        """Store a verified delivery once; return ``(status, event_id)`` where status
        is ``stored``, ``duplicate`` (same event, new signature) or ``replay``."""
        scheme = webhooks.scheme_of(channel.platform)
        event_id, topic = webhooks.envelope(scheme, body, headers)
        digest = webhooks.signature_digest(scheme, headers)
        key = f"{PROCESS_JOB_PREFIX}:{channel.id}"
        # One round trip: store the delivery (unless its event or its signature is
        # known) and tell whether the channel's processing job is already waiting
        # (the same test as queue_job's identity check).
        self.env.cr.execute(
            """
            WITH stored AS (
                INSERT INTO marketplace_webhook_event
                    (channel_id, company_id, event_id, topic, payload,
                     signature_digest, received_at, state,
                     create_uid, create_date, write_uid, write_date)
                VALUES (%s, %s, %s, %s, %s, %s, now() at time zone 'UTC', 'pending',
                        %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
                ON CONFLICT DO NOTHING
                RETURNING id
            )
            SELECT EXISTS(SELECT 1 FROM stored),
                   EXISTS(SELECT 1 FROM queue_job
                           WHERE identity_key = %s
                             AND state IN ('wait_dependencies', 'pending', 'enqueued'))
            """,
            (
                channel.id,
                channel.company_id.id,
                event_id,
                topic,
                body.decode("utf-8", "replace"),
                digest,
                self.env.uid,
                self.env.uid,
                key,
            ),
        )
        stored, job_waiting = self.env.cr.fetchone()
        if stored:
            if not job_waiting:
                self._enqueue_processing(channel)
            return "stored", event_id
        self.env.cr.execute(
            """
            SELECT 1 FROM marketplace_webhook_event
             WHERE channel_id = %s AND signature_digest = %s
            """,
            (channel.id, digest),
        )
        return ("replay" if self.env.cr.fetchone() else "duplicate"), event_id

    @api.model
    def _enqueue_processing(self, channel):
        """One waiting processing job per channel, whatever the number of events."""
        key = f"{PROCESS_JOB_PREFIX}:{channel.id}"
        return self.with_delay(
            identity_key=key,
            # No channel name here: reading it would load the whole channel record
            # in the request that answers the platform.
            description=self.env._(
                "Process the webhook events of channel %(id)s", id=channel.id
            ),
        )._process_pending(channel.id)

    # ---- processing (job)

    @api.model
    def _process_pending(self, channel_id):
        """Job: process the channel's pending events, oldest first."""
        events = self.search(
            [("channel_id", "=", channel_id), ("state", "=", "pending")],
            order="id",
        )
        for event in events:
            event._process()
        return self.env._("%(count)s event(s) processed", count=len(events))

    def _process(self):
        self.ensure_one()
        if self.state != "pending":
            return
        channel = self.channel_id
        key = (channel.platform, self.topic)
        vals = {"processed_at": fields.Datetime.now(), "state": "done"}
        if key in IMPORT_TOPICS:
            format_code, wrapper = IMPORT_TOPICS[key]
            try:
                data = json.loads(self.payload)
            except ValueError as error:
                vals.update(state="failed", result=f"not JSON: {error}")
            else:
                batch = channel.import_files(
                    [
                        (
                            f"webhook-{self.event_id}.json",
                            json.dumps({wrapper: data}).encode(),
                        )
                    ],
                    format_code=format_code,
                    source="webhook",
                )
                vals.update(
                    import_batch_id=batch.id,
                    state="done" if batch.state == "done" else "failed",
                    result=batch.message or batch.error_message,
                )
        elif key in SYNC_TOPICS:
            stream = SYNC_TOPICS[key]
            channel._enqueue_sync_page(stream)
            vals["result"] = self.env._("Sync of %(stream)s queued.", stream=stream)
        else:
            vals.update(
                state="ignored",
                result=self.env._("No action for this topic."),
            )
        self.write(vals)
