# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import threading
from pathlib import Path

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger

DATA = Path(__file__).parent / "data"


@tagged("post_install", "-at_install")
class TestConcurrentImport(BaseCase):
    """Two imports of the same file at the same time, in two real transactions.

    The test transaction of a TransactionCase is invisible to other connections, so this
    case opens its own cursors on the test database, commits a channel, runs the two
    imports (the second one in a thread, blocked by the first one's uncommitted rows on
    the unique index), then deletes everything it committed.
    """

    def setUp(self):
        super().setUp()
        self.db = sql_db.db_connect(get_db_name())
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref("base.EUR").active = True
            self.channel_id = (
                env["marketplace.channel"]
                .create(
                    {
                        "name": "Concurrent Amazon",
                        "platform": "amazon",
                        "currency_id": env.ref("base.EUR").id,
                    }
                )
                .id
            )
            # Committed on purpose: the two import transactions must see the channel.
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self.cleanup)

    def cleanup(self):
        with self.db.cursor() as cr:
            cr.execute(
                "DELETE FROM marketplace_transaction WHERE channel_id = %s",
                (self.channel_id,),
            )
            cr.execute(
                "DELETE FROM marketplace_payout WHERE channel_id = %s",
                (self.channel_id,),
            )
            env = api.Environment(cr, SUPERUSER_ID, {})
            batches = env["marketplace.import.batch"].search(
                [("channel_id", "=", self.channel_id)]
            )
            batches.attachment_id.unlink()
            batches.unlink()
            env["marketplace.channel"].browse(self.channel_id).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    @staticmethod
    def env_of(cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def import_in(self, env, content):
        channel = env["marketplace.channel"].browse(self.channel_id)
        batch = channel.import_files([("settlement.txt", content)])
        return batch.state, batch.new_line_count, batch.new_payout_count, batch.message

    def test_exactly_one_import_wins(self):
        """The first import wins; the second one, blocked on the unique keys, fails
        with a serialization error, which Odoo's request and job runners retry: the
        retry finds every line there, creates nothing and says so."""
        content = (DATA / "amazon_settlement_fr.txt").read_bytes()
        results = {}
        with self.db.cursor() as cr_first, self.db.cursor() as cr_second:
            results["first"] = self.import_in(self.env_of(cr_first), content)
            # Environments are made here: the registry lock is held by this thread
            # while tests run, so another thread cannot look the registry up.
            env_second = self.env_of(cr_second)

            def second():
                try:
                    results["second"] = self.import_in(env_second, content)
                except psycopg2.errors.SerializationFailure as error:
                    results["second"] = error
                    cr_second.rollback()

            thread = threading.Thread(target=second)
            with mute_logger("odoo.sql_db"):
                thread.start()
                thread.join(timeout=2)
                # The second import waits on the first one's uncommitted rows.
                self.assertTrue(thread.is_alive())
                cr_first.commit()
                thread.join(timeout=30)
            self.assertFalse(thread.is_alive())
        self.assertEqual(results["first"][:3], ("done", 14, 1))
        self.assertIsInstance(results["second"], psycopg2.errors.SerializationFailure)
        with self.db.cursor() as cr_retry:
            retry = self.import_in(self.env_of(cr_retry), content)
            state, new_lines, new_payouts, message = retry
            cr_retry.commit()
        self.assertEqual((state, new_lines, new_payouts), ("done", 0, 0))
        self.assertIn("Already imported", message)
        with self.db.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM marketplace_transaction WHERE channel_id = %s",
                (self.channel_id,),
            )
            self.assertEqual(cr.fetchone()[0], 14)
