# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The sync jobs of a channel, against a real HTTP server on 127.0.0.1.

The platform client here is a small paged client (``PagedClient``) registered for the
test channel's platform: it lets the tests script pages, failures and throttling while
the Odoo layer under test (cursor, job chain, identity keys, failure accounting,
alerts) is the real one. The platform clients themselves are tested in ``tests/``.
"""

import json
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase, common, tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

if not hasattr(common, "SETATTR_SOURCES"):
    # queue_job 18.0.4 test helpers register themselves in this registry of patch
    # sources, added to Odoo 18.0 after August 2025; older 18.0 builds lack it.
    common.SETATTR_SOURCES = {}
from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: E402

from ..core import api as core_api
from ..core.api.base import ApiClient, Page
from ..models.marketplace_channel_sync import MarketplaceChannel
from .api_fake import FakeApi, Reply

SECRET = "shpat_secret-token-never-logged"
PAGES = 5
PER_PAGE = 3


def page_body(number):
    """Page ``number`` of payout 900: PER_PAGE charges of 10.00 with a 0.30 fee."""
    return {
        "transactions": [
            {
                "id": number * 100 + i,
                "type": "charge",
                "test": False,
                "payout_id": 900,
                "payout_status": "paid",
                "currency": "EUR",
                "amount": "10.00",
                "fee": "0.30",
                "net": "9.70",
                "source_id": number * 1000 + i,
                "source_type": "charge",
                "source_order_id": None,
                "processed_at": "2026-11-02T09:00:00+01:00",
            }
            for i in range(PER_PAGE)
        ],
        "next": number + 1 if number < PAGES else None,
    }


class PagedClient(ApiClient):
    """GET /pages?page=N -> one file of Shopify balance transactions per page."""

    STREAMS = ("payouts",)

    def auth_headers(self):
        return {"X-Shopify-Access-Token": self.credentials["api_key"]}

    def fetch(self, stream, cursor):
        number = cursor.get("page", 1)
        data = self.get_json("/pages", params={"page": number})
        following = data.pop("next")
        return Page(
            files=[
                (
                    f"page-{number}.json",
                    json.dumps(data).encode(),
                    "shopify_payments_json",
                )
            ],
            cursor={"page": following or number + 1},
            more=bool(following),
        )


def serve_pages(seen):
    return Reply(200, page_body(int(seen.arg("page", "1"))))


@tagged("post_install", "-at_install")
class TestSync(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env.ref("base.EUR").active = True
        cls.api = FakeApi().__enter__()
        cls.addClassCleanup(cls.api.__exit__, None, None, None)
        cls.channel = cls.env["marketplace.channel"].create(
            {
                "name": "Shop sync test",
                "platform": "shopify",
                "currency_id": cls.env.ref("base.EUR").id,
                "api_url": cls.api.url,
                "api_key": SECRET,
                "sync_active": True,
            }
        )
        original = MarketplaceChannel._api_client

        def quick_client(channel, session=None):
            client = original(channel, session)
            client.sleep = lambda seconds: None  # backoff without waiting
            client.max_retries = 2
            return client

        for patcher in (
            patch.dict(core_api.CLIENTS, {"shopify": PagedClient}),
            patch.object(MarketplaceChannel, "_api_client", quick_client),
        ):
            patcher.start()
            cls.addClassCleanup(patcher.stop)

    def setUp(self):
        super().setUp()
        self.api.log.clear()
        self.api.add("GET", "/pages", serve_pages)

    def run_jobs(self, trap, limit=20):
        """Run trapped jobs one at a time, as the job runner would, each in its own
        transaction (a savepoint here): a failing job rolls back its own work only.
        Returns the errors raised, in order."""
        errors = []
        for _ in range(limit):
            if not trap.enqueued_jobs:
                return errors
            job = trap.enqueued_jobs.pop(0)
            try:
                with self.env.cr.savepoint():
                    job.perform()
            except RetryableJobError as error:
                errors.append(error)
        self.fail("the job chain did not end")

    def transactions(self):
        return self.env["marketplace.transaction"].search(
            [("channel_id", "=", self.channel.id)]
        )

    def test_sync_walks_every_page_in_its_own_job(self):
        with trap_jobs() as trap:
            self.channel.action_sync_now()
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(
                self.channel._sync_stream,
                args=("payouts",),
                properties={
                    "identity_key": self.channel._sync_identity_key(
                        "payouts", self.channel._stream_cursor("payouts")
                    )
                },
            )
            self.assertEqual(self.run_jobs(trap), [])
        self.assertEqual(
            [s.arg("page") for s in self.api.seen("/pages")], ["1", "2", "3", "4", "5"]
        )
        self.assertTrue(
            all(s.headers["X-Shopify-Access-Token"] == SECRET for s in self.api.log)
        )
        lines = self.transactions()
        self.assertEqual(len(lines), PAGES * PER_PAGE * 2)  # gross + fee lines
        self.assertEqual(len(set(lines.mapped("external_key"))), len(lines))
        payout = lines.payout_id
        self.assertRecordValues(
            payout,
            [{"name": "900", "amount_computed": 145.50, "transaction_count": 30}],
        )
        self.assertRecordValues(
            self.channel,
            [
                {
                    "sync_cursor": {"payouts": {"page": 6}},
                    "sync_page_count": 5,
                    "sync_failure_count": 0,
                    "sync_last_error": False,
                }
            ],
        )
        self.assertTrue(self.channel.sync_success_date)
        batches = self.env["marketplace.import.batch"].search(
            [("channel_id", "=", self.channel.id)]
        )
        self.assertEqual(batches.mapped("source"), ["api"] * 5)
        self.assertEqual(sorted(batches.mapped("new_line_count")), [6] * 5)

    def test_interrupted_sync_resumes_from_the_failed_page(self):
        """An exception after page 3 of 5 is written: page 3 rolls back with its
        job, the cursor still points at page 3, the next run ends with every line
        once: no duplicate, no gap."""
        import_files = type(self.channel).import_files
        calls = []

        def import_then_crash(channel, files, format_code=None, source="file"):
            batches = import_files(channel, files, format_code, source)
            calls.append(files[0][0])
            if files[0][0] == "page-3.json" and calls.count("page-3.json") == 1:
                raise RetryableJobError("connection lost after page 3")
            return batches

        with (
            trap_jobs() as trap,
            patch.object(type(self.channel), "import_files", import_then_crash),
        ):
            self.channel.action_sync_now()
            errors = self.run_jobs(trap)
            self.assertEqual([str(e) for e in errors], ["connection lost after page 3"])
            self.assertEqual(self.channel.sync_cursor, {"payouts": {"page": 3}})
            self.assertEqual(len(self.transactions()), 2 * PER_PAGE * 2)
            # The retry (or the next cron run) resumes where the data stopped.
            self.channel.action_sync_now()
            self.assertEqual(self.run_jobs(trap), [])
        self.assertEqual(calls, [f"page-{n}.json" for n in (1, 2, 3, 3, 4, 5)])
        lines = self.transactions()
        self.assertEqual(len(lines), PAGES * PER_PAGE * 2)
        self.assertEqual(len(set(lines.mapped("external_key"))), len(lines))
        self.assertAlmostEqual(sum(lines.mapped("amount")), 145.50, places=2)
        self.assertEqual(self.channel.sync_cursor, {"payouts": {"page": 6}})

    def test_same_page_is_never_enqueued_twice(self):
        Job = self.env["queue.job"]
        self.channel._enqueue_sync_page("payouts")
        self.channel._enqueue_sync_page("payouts")
        self.channel.action_sync_now()
        key = self.channel._sync_identity_key(
            "payouts", self.channel._stream_cursor("payouts")
        )
        self.assertEqual(Job.search_count([("identity_key", "=", key)]), 1)
        self.assertEqual(self.channel.sync_job_open_count, 1)
        # Another cursor is another page: its own job.
        self.channel._enqueue_sync_page("payouts", {"page": 2})
        self.channel.invalidate_recordset(["sync_job_open_count"])
        self.assertEqual(self.channel.sync_job_open_count, 2)

    def test_throttling_raises_a_retryable_job_error(self):
        self.api.add(
            "GET", "/pages", Reply(429, {"errors": "throttled"}, {"Retry-After": "7"})
        )
        with self.assertRaises(RetryableJobError) as caught:
            self.channel._sync_stream("payouts")
        self.assertEqual(caught.exception.seconds, 8)
        self.assertEqual(len(self.api.seen("/pages")), 3)  # 1 call + 2 retries
        self.assertFalse(self.channel.sync_cursor)
        self.assertFalse(self.transactions())

    def test_throttled_once_then_the_page_imports(self):
        self.api.add(
            "GET",
            "/pages",
            Reply(429, {"errors": "throttled"}, {"Retry-After": "1"}),
            Reply(500, {"errors": "oops"}),
            serve_pages,
        )
        self.channel._sync_stream("payouts")
        self.assertEqual(len(self.transactions()), PER_PAGE * 2)
        self.assertEqual(self.channel.sync_cursor, {"payouts": {"page": 2}})

    def test_refused_credentials_are_counted_shown_and_alerted(self):
        self.api.add("GET", "/pages", Reply(401, {"errors": "[API] Invalid token"}))
        self.channel.sync_alert_failures = 3
        with self.assertLogs(level="DEBUG") as logs:
            for _ in range(3):
                self.channel._sync_stream("payouts")
        self.assertEqual(self.channel.sync_failure_count, 3)
        self.assertIn("HTTP 401", self.channel.sync_last_error)
        self.assertIn("Invalid token", self.channel.sync_last_error)
        self.assertNotIn(SECRET, self.channel.sync_last_error)
        self.assertNotIn(SECRET, "\n".join(logs.output))
        self.assertFalse(self.channel.sync_cursor)
        self.channel._cron_check_sync_health()
        self.channel._cron_check_sync_health()  # once, not twice
        activity = self.channel.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.channel.user_id)
        self.assertIn("3 failed syncs in a row", str(activity.note))
        # A successful sync resets the counter.
        self.api.add("GET", "/pages", serve_pages)
        self.channel._sync_stream("payouts")
        self.assertEqual(self.channel.sync_failure_count, 0)

    def test_a_bad_page_keeps_its_batch_and_the_cursor(self):
        body = page_body(1)
        body["transactions"][1]["amount"] = "ten euros"
        self.api.add("GET", "/pages", Reply(200, body))
        with self.assertLogs(level="WARNING"):
            self.channel._sync_stream("payouts")
        batch = self.env["marketplace.import.batch"].search(
            [("channel_id", "=", self.channel.id)]
        )
        self.assertRecordValues(
            batch,
            [
                {
                    "state": "failed",
                    "source": "api",
                    "error_line": 2,
                    "error_value": "ten euros",
                }
            ],
        )
        self.assertIn(batch.name, self.channel.sync_last_error)
        self.assertFalse(self.channel.sync_cursor)
        self.assertFalse(self.transactions())

    def test_lagging_sync_gets_an_activity(self):
        self.channel.write(
            {
                "sync_success_date": fields.Datetime.subtract(
                    fields.Datetime.now(), hours=30
                ),
                "sync_alert_lag_hours": 24,
            }
        )
        self.assertAlmostEqual(self.channel.sync_lag_hours, 30, delta=0.1)
        self.channel._cron_check_sync_health()
        self.assertIn(
            "No successful sync for 30 hours", str(self.channel.activity_ids.note)
        )

    def test_cron_enqueues_due_channels_once(self):
        with trap_jobs() as trap:
            self.env["marketplace.channel"]._cron_sync()
            trap.assert_enqueued_job(self.channel._sync_stream, args=("payouts",))
            count = trap.jobs_count(only=self.channel._sync_stream)
            self.assertTrue(self.channel.sync_next_date > fields.Datetime.now())
            self.env["marketplace.channel"]._cron_sync()  # not due any more
            self.assertEqual(trap.jobs_count(only=self.channel._sync_stream), count)

    def test_failed_job_is_visible_and_retried_from_the_channel(self):
        self.channel._enqueue_sync_page("payouts")
        job = self.env["queue.job"].search(self.channel._sync_job_domain())
        job_ = Job.load(self.env, job.uuid)
        job_.set_failed(exc_message="HTTP 503 after 6 attempts", exc_name="Error")
        job_.store()
        self.channel.invalidate_recordset()
        self.assertRecordValues(
            self.channel,
            [
                {
                    "sync_job_failed_count": 1,
                    "sync_job_error": "HTTP 503 after 6 attempts",
                }
            ],
        )
        self.channel.action_retry_failed_jobs()
        self.assertEqual(job.state, "pending")
        self.channel.invalidate_recordset()
        self.assertEqual(self.channel.sync_job_failed_count, 0)


@tagged("post_install", "-at_install")
class TestBackgroundImport(TransactionCase):
    def test_large_file_from_the_wizard_is_imported_by_a_job(self):
        self.env.ref("base.EUR").active = True
        channel = self.env["marketplace.channel"].create(
            {"name": "Amazon.fr background", "platform": "amazon"}
        )
        content = (Path(__file__).parent / "data/amazon_settlement_fr.txt").read_bytes()
        self.env["ir.config_parameter"].set_param(
            "marketplace_connectors.background_import_bytes", str(len(content))
        )
        small = content.replace(b"11223344556", b"11223344557")[:-1]
        attachments = self.env["ir.attachment"].create(
            [
                {"name": "big.txt", "raw": content},
                {"name": "small.txt", "raw": small},
            ]
        )
        wizard = self.env["marketplace.import.wizard"].create(
            {"channel_id": channel.id, "attachment_ids": [(6, 0, attachments.ids)]}
        )
        with trap_jobs() as trap:
            action = wizard.action_import()
            batches = self.env["marketplace.import.batch"].search(action["domain"])
            big = batches.filtered(lambda b: b.filename == "big.txt")
            self.assertRecordValues(
                big, [{"state": "draft", "new_line_count": 0, "source": "file"}]
            )
            self.assertEqual(
                batches.filtered(lambda b: b.filename == "small.txt").state, "done"
            )
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(
                big._run_queued,
                args=(None,),
                properties={"identity_key": f"marketplace-import:{big.id}"},
            )
            trap.perform_enqueued_jobs()
        self.assertRecordValues(
            big, [{"state": "done", "line_count": 14, "new_line_count": 14}]
        )
        self.assertTrue(big.payout_ids.is_balanced)
        # Run again (a retried job): nothing happens twice.
        self.assertEqual(big._run_queued(), "Already done.")
