# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

USER = "marketplace_connectors.group_marketplace_user"
MANAGER = "marketplace_connectors.group_marketplace_manager"


@tagged("post_install", "-at_install")
class TestChannelSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Marketplace Co B"})
        cls.user = new_test_user(cls.env, login="mkt_user", groups=USER)
        cls.manager = new_test_user(cls.env, login="mkt_manager", groups=MANAGER)
        cls.internal = new_test_user(
            cls.env, login="mkt_none", groups="base.group_user"
        )
        cls.user_b = new_test_user(
            cls.env,
            login="mkt_user_b",
            groups=USER,
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        Channel = cls.env["marketplace.channel"]
        cls.channel_a = Channel.create(
            {"name": "Amazon.fr", "platform": "amazon", "company_id": cls.company_a.id}
        )
        cls.channel_b = Channel.create(
            {"name": "Fnac-Darty", "platform": "mirakl", "company_id": cls.company_b.id}
        )

    def test_groups_are_implied(self):
        self.assertTrue(self.manager.has_group(USER))
        self.assertFalse(self.user.has_group(MANAGER))
        self.assertFalse(self.internal.has_group(USER))
        self.assertTrue(self.env.ref("base.user_admin").has_group(MANAGER))

    def test_user_reads_but_cannot_configure(self):
        channel = self.channel_a.with_user(self.user)
        self.assertEqual(channel.read(["name", "platform"])[0]["platform"], "amazon")
        with self.assertRaises(AccessError):
            channel.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["marketplace.channel"].with_user(self.user).create(
                {"name": "Shop", "platform": "shopify"}
            )
        with self.assertRaises(AccessError):
            channel.unlink()

    def test_user_cannot_read_credentials(self):
        secrets = {
            "api_client_id": "amzn1.application-oa2-client.0001",
            "api_client_secret": "amzn1.oa2-cs.v1.secret-value",
            "api_refresh_token": "Atzr|refresh-token-value",
            "api_key": "shpat_0123456789abcdef",
            "webhook_secret": "whsec_signing-secret",
        }
        self.channel_a.with_user(self.manager).write(secrets)
        self.assertEqual(
            self.channel_a.with_user(self.manager).read(list(secrets))[0]["api_key"],
            "shpat_0123456789abcdef",
        )
        channel = self.channel_a.with_user(self.user)
        for field_name in secrets:
            with self.assertRaises(AccessError, msg=field_name):
                channel.read([field_name])
            with self.assertRaises(AccessError, msg=field_name):
                channel.search_read([("id", "=", channel.id)], [field_name])
        # What a user does read (the default read, the form, the field list)
        # carries none of them.
        self.assertFalse(set(secrets) & set(channel.read()[0]))
        self.assertFalse(set(secrets) & set(channel.fields_get()))
        form = channel.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("api_key", form)
        self.assertNotIn("webhook_secret", form)
        manager_form = self.channel_a.with_user(self.manager).get_views(
            [(False, "form")]
        )["views"]["form"]["arch"]
        self.assertIn("webhook_secret", manager_form)
        # Duplicating a channel never copies its credentials.
        copy = self.channel_a.with_user(self.manager).copy({"name": "Amazon.fr 2"})
        self.assertFalse(copy.api_key or copy.api_refresh_token)

    def test_manager_configures(self):
        Channel = self.env["marketplace.channel"].with_user(self.manager)
        channel = Channel.create({"name": "ManoMano", "platform": "generic"})
        self.assertRecordValues(
            channel,
            [
                {
                    "company_id": self.company_a.id,
                    "currency_id": self.company_a.currency_id.id,
                    "active": True,
                    "display_name": "ManoMano (Generic (CSV/XLSX))",
                }
            ],
        )
        channel.write({"name": "ManoMano FR"})
        self.assertEqual(channel.name, "ManoMano FR")
        channel.unlink()
        self.assertFalse(channel.exists())

    def test_internal_user_without_group_sees_nothing(self):
        with self.assertRaises(AccessError):
            self.channel_a.with_user(self.internal).read(["name"])

    def test_company_isolation(self):
        seen_b = self.env["marketplace.channel"].with_user(self.user_b).search([])
        self.assertEqual(seen_b, self.channel_b)
        seen_a = self.env["marketplace.channel"].with_user(self.user).search([])
        self.assertNotIn(self.channel_b, seen_a)
        self.assertIn(self.channel_a, seen_a)
        with self.assertRaises(AccessError):
            self.channel_a.with_user(self.user_b).read(["name"])

    def test_partner_must_share_company(self):
        partner_b = self.env["res.partner"].create(
            {"name": "Fnac B", "company_id": self.company_b.id}
        )
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            self.channel_a.partner_id = partner_b

    def test_channel_name_unique_per_company(self):
        Channel = self.env["marketplace.channel"]
        Channel.create(
            {
                "name": "Fnac-Darty",
                "platform": "mirakl",
                "company_id": self.company_a.id,
            }
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                Channel.create(
                    {
                        "name": "Fnac-Darty",
                        "platform": "mirakl",
                        "company_id": self.company_a.id,
                    }
                )

    def test_menu_visible_to_marketplace_users_only(self):
        root = self.env.ref("marketplace_connectors.menu_root")
        channels = self.env.ref("marketplace_connectors.marketplace_channel_menu")
        Menu = self.env["ir.ui.menu"]
        visible_user = Menu.with_user(self.user)._visible_menu_ids()
        self.assertIn(root.id, visible_user)
        self.assertIn(channels.id, visible_user)
        visible_internal = Menu.with_user(self.internal)._visible_menu_ids()
        self.assertNotIn(root.id, visible_internal)
        self.assertEqual(root.name, "Marketplace Cash")
