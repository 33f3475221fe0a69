# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMenuTour(HttpCase):
    """The application loads in a real browser: menu, list and form views, assets."""

    def test_marketplace_menu_tour(self):
        new_test_user(
            self.env,
            login="mkt_tour_user",
            groups="base.group_user,marketplace_connectors.group_marketplace_user",
        )
        self.env["marketplace.channel"].create(
            {"name": "Tour Amazon.fr", "platform": "amazon"}
        )
        self.start_tour(
            "/odoo", "marketplace_connectors_menu_tour", login="mkt_tour_user"
        )
