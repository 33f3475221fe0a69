# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestImportTour(HttpCase):
    """In a real browser: the app menu, a channel, the import wizard with its preview,
    the import log and the payout with its totals by category."""

    def test_import_settlement_tour(self):
        new_test_user(
            self.env,
            login="mkt_tour_user",
            groups="base.group_user,marketplace_connectors.group_marketplace_user",
        )
        self.env.ref("base.EUR").active = True
        channel = self.env["marketplace.channel"].create(
            {
                "name": "Tour Amazon.fr",
                "platform": "amazon",
                "currency_id": self.env.ref("base.EUR").id,
            }
        )
        self.start_tour(
            "/odoo", "marketplace_connectors_import_tour", login="mkt_tour_user"
        )
        payout = self.env["marketplace.payout"].search(
            [("channel_id", "=", channel.id)]
        )
        self.assertRecordValues(
            payout,
            [{"name": "11223344556", "is_balanced": True, "transaction_count": 14}],
        )
