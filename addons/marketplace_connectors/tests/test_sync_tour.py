# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSyncTour(HttpCase):
    """In a real browser: a manager sets up the live sync of a channel."""

    def test_sync_setup_tour(self):
        new_test_user(
            self.env,
            login="mkt_tour_manager",
            groups="base.group_user,marketplace_connectors.group_marketplace_manager",
        )
        channel = self.env["marketplace.channel"].create(
            {"name": "Tour Shopify", "platform": "shopify"}
        )
        self.start_tour(
            f"/odoo/action-marketplace_connectors.marketplace_channel_action/{channel.id}",
            "marketplace_connectors_sync_tour",
            login="mkt_tour_manager",
        )
        self.assertTrue(channel.sync_active)
        self.assertTrue(channel.webhook_token)
        jobs = self.env["queue.job"].search(channel._sync_job_domain())
        # One job per stream of the Shopify client: payouts and orders.
        self.assertEqual(sorted(job.args[0] for job in jobs), ["orders", "payouts"])
        self.assertEqual(set(jobs.mapped("method_name")), {"_sync_stream"})
        self.assertEqual(jobs.user_id.login, "mkt_tour_manager")
