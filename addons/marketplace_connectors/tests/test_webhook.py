# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Webhook intake through Odoo's HTTP stack: signature first, one event, one effect."""

import base64
import hashlib
import hmac
import json
import time

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

SHOPIFY_SECRET = "shpss_webhook-secret"
STRIPE_SECRET = "whsec_stripe-secret"
MIRAKL_SECRET = "mirakl-webhook-secret"

SHOPIFY_ORDER = {
    "id": 820982911946154508,
    "name": "#1001",
    "created_at": "2026-11-20T10:15:00+01:00",
    "currency": "EUR",
    "financial_status": "paid",
    "email": "claire@example.com",
    "customer": {"first_name": "Claire", "last_name": "Martin"},
    "shipping_address": {"country_code": "FR", "name": "Claire Martin"},
    "line_items": [
        {
            "id": 466157049,
            "sku": "WH-LAMP-01",
            "title": "Lampe",
            "quantity": 2,
            "price": "49.90",
        }
    ],
}


def shopify_headers(body, secret=SHOPIFY_SECRET, webhook_id="wh-1"):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": webhook_id,
    }


def stripe_headers(body, timestamp=None, secret=STRIPE_SECRET):
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "Stripe-Signature": f"t={timestamp},v1={digest}",
    }


@tagged("post_install", "-at_install")
class TestWebhook(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.EUR").active = True
        Channel = cls.env["marketplace.channel"]
        cls.shop = Channel.create(
            {
                "name": "Shop webhooks",
                "platform": "shopify",
                "currency_id": cls.env.ref("base.EUR").id,
                "country_id": cls.env.ref("base.fr").id,
                "webhook_secret": SHOPIFY_SECRET,
            }
        )
        cls.stripe = Channel.create(
            {
                "name": "Stripe webhooks",
                "platform": "stripe",
                "currency_id": cls.env.ref("base.EUR").id,
                "webhook_secret": STRIPE_SECRET,
            }
        )
        cls.mirakl = Channel.create(
            {
                "name": "Fnac webhooks",
                "platform": "mirakl",
                "currency_id": cls.env.ref("base.EUR").id,
                "webhook_secret": MIRAKL_SECRET,
            }
        )
        for channel in cls.shop | cls.stripe | cls.mirakl:
            channel.action_generate_webhook_token()

    def post(self, channel, body, headers):
        return self.url_open(
            f"/marketplace/webhook/{channel.webhook_token}",
            data=body,
            headers=headers,
            allow_redirects=False,
        )

    def events(self, channel):
        return self.env["marketplace.webhook.event"].search(
            [("channel_id", "=", channel.id)]
        )

    def jobs(self, channel):
        return self.env["queue.job"].search(
            [("identity_key", "=", f"marketplace-webhook:{channel.id}")]
        )

    def test_valid_shopify_order_is_stored_once_and_imported_once(self):
        body = json.dumps(SHOPIFY_ORDER).encode()
        response = self.post(self.shop, body, shopify_headers(body))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "stored", "event_id": "wh-1"})
        event = self.events(self.shop)
        self.assertRecordValues(
            event,
            [{"event_id": "wh-1", "topic": "orders/create", "state": "pending"}],
        )
        self.assertEqual(event.payload, body.decode())
        self.assertEqual(len(self.jobs(self.shop)), 1)
        # The same event delivered again, re-serialized (so signed differently):
        # accepted, nothing stored twice, no second job.
        body2 = json.dumps(SHOPIFY_ORDER, indent=1).encode()
        again = self.post(self.shop, body2, shopify_headers(body2))
        self.assertEqual(again.json(), {"status": "duplicate", "event_id": "wh-1"})
        self.assertEqual(len(self.events(self.shop)), 1)
        self.assertEqual(len(self.jobs(self.shop)), 1)
        # Processing (the job) imports the order once, however often it runs.
        Event = self.env["marketplace.webhook.event"]
        for _ in range(3):
            Event._process_pending(self.shop.id)
        event.invalidate_recordset()
        self.assertEqual(event.state, "done")
        orders = self.env["sale.order"].search(
            [("marketplace_channel_id", "=", self.shop.id)]
        )
        self.assertRecordValues(
            orders,
            [{"marketplace_order_ref": "820982911946154508", "amount_total": 99.80}],
        )
        self.assertEqual(event.import_batch_id.source, "webhook")

    def test_wrong_missing_or_replayed_signature_is_refused_and_counted(self):
        body = json.dumps(SHOPIFY_ORDER).encode()
        wrong = shopify_headers(body, secret="not-the-secret")
        missing = {"Content-Type": "application/json", "X-Shopify-Webhook-Id": "x"}
        with mute_logger("odoo.addons.marketplace_connectors.controllers.main"):
            self.assertEqual(self.post(self.shop, body, wrong).status_code, 401)
            self.assertEqual(self.post(self.shop, body, missing).status_code, 401)
            self.assertFalse(self.events(self.shop))
            first = self.post(self.shop, body, shopify_headers(body, webhook_id="w2"))
            self.assertEqual(first.status_code, 200)
            replay = self.post(self.shop, body, shopify_headers(body, webhook_id="w2"))
        self.assertEqual(replay.status_code, 401)
        self.assertEqual(replay.json(), {"status": "replayed"})
        self.assertEqual(len(self.events(self.shop)), 1)
        self.shop.invalidate_recordset(["webhook_rejected_count"])
        self.assertEqual(self.shop.webhook_rejected_count, 3)

    def test_unknown_token_is_not_found(self):
        response = self.url_open("/marketplace/webhook/nope", data=b"{}")
        self.assertEqual(response.status_code, 404)

    def test_stripe_expired_signature_is_refused(self):
        body = json.dumps({"id": "evt_old", "type": "payout.paid"}).encode()
        old = stripe_headers(body, timestamp=int(time.time()) - 301)
        with mute_logger("odoo.addons.marketplace_connectors.controllers.main"):
            response = self.post(self.stripe, body, old)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {"status": "expired"})
        self.assertFalse(self.events(self.stripe))

    def test_stripe_same_event_five_times_has_one_effect(self):
        body = json.dumps(
            {"id": "evt_1", "type": "payout.paid", "data": {"object": {"id": "po_1"}}}
        ).encode()
        now = int(time.time())
        answers = [
            self.post(self.stripe, body, stripe_headers(body, now - i)).json()
            for i in range(5)
        ]
        self.assertEqual([a["status"] for a in answers], ["stored"] + ["duplicate"] * 4)
        self.assertEqual(len(self.events(self.stripe)), 1)
        self.assertEqual(len(self.jobs(self.stripe)), 1)
        Event = self.env["marketplace.webhook.event"]
        for _ in range(5):
            Event._process_pending(self.stripe.id)
        self.assertRecordValues(
            self.events(self.stripe),
            [{"state": "done", "result": "Sync of payouts queued."}],
        )
        sync_jobs = self.env["queue.job"].search(self.stripe._sync_job_domain())
        self.assertEqual(len(sync_jobs), 1)
        self.assertEqual(sync_jobs.method_name, "_sync_stream")

    def test_generic_hmac_with_timestamp(self):
        body = b'{"id": "mk-77", "type": "ORDER"}'
        timestamp = str(int(time.time()))
        signature = hmac.new(
            MIRAKL_SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        headers = {"X-Signature": f"sha256={signature}", "X-Timestamp": timestamp}
        response = self.post(self.mirakl, body, headers)
        self.assertEqual(response.json(), {"status": "stored", "event_id": "mk-77"})
        self.assertRecordValues(
            self.events(self.mirakl), [{"event_id": "mk-77", "topic": "ORDER"}]
        )

    def test_new_secret_or_url_applies_at_once(self):
        body = json.dumps({"id": "evt_rot", "type": "balance.available"}).encode()
        self.assertEqual(
            self.post(self.stripe, body, stripe_headers(body)).status_code, 200
        )
        # The route caches the channel per token: rotating the secret, the URL or
        # archiving the channel must not leave the old values in use.
        self.stripe.webhook_secret = "whsec_rotated"
        body = json.dumps({"id": "evt_rot2", "type": "balance.available"}).encode()
        with mute_logger("odoo.addons.marketplace_connectors.controllers.main"):
            old = self.post(self.stripe, body, stripe_headers(body))
        self.assertEqual(old.status_code, 401)
        new = self.post(self.stripe, body, stripe_headers(body, secret="whsec_rotated"))
        self.assertEqual(new.status_code, 200)
        old_token = self.stripe.webhook_token
        self.stripe.action_generate_webhook_token()
        body = json.dumps({"id": "evt_rot3", "type": "balance.available"}).encode()
        headers = stripe_headers(body, secret="whsec_rotated")
        response = self.url_open(
            f"/marketplace/webhook/{old_token}", data=body, headers=headers
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.post(self.stripe, body, headers).status_code, 200)
        self.stripe.active = False
        body = json.dumps({"id": "evt_rot4", "type": "balance.available"}).encode()
        headers = stripe_headers(body, secret="whsec_rotated")
        self.assertEqual(self.post(self.stripe, body, headers).status_code, 404)
        self.assertEqual(
            self.events(self.stripe.with_context(active_test=False)).mapped("event_id"),
            ["evt_rot3", "evt_rot2", "evt_rot"],
        )
