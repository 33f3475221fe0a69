# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestCostProfile(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Channel = cls.env["marketplace.channel"]
        cls.amazon = Channel.create({"name": "Amazon.fr marges", "platform": "amazon"})
        cls.fnac = Channel.create({"name": "Fnac marges", "platform": "mirakl"})
        Category = cls.env["product.category"]
        cls.home = Category.create({"name": "Maison"})
        cls.lights = Category.create({"name": "Luminaires", "parent_id": cls.home.id})
        cls.lamps = Category.create({"name": "Lampes", "parent_id": cls.lights.id})
        Profile = cls.env["margin.cost.profile"]
        cls.direct = Profile.create({"name": "Direct B2B", "payment_terms_rate": 0.01})
        cls.amazon_default = Profile.create(
            {"name": "Amazon", "channel_id": cls.amazon.id, "commission_rate": 0.15}
        )
        cls.amazon_lights = Profile.create(
            {
                "name": "Amazon luminaires",
                "channel_id": cls.amazon.id,
                "categ_id": cls.lights.id,
                "commission_rate": 0.12,
            }
        )

    def test_most_specific_profile_wins(self):
        pick = self.env["margin.cost.profile"]._profile_for
        company = self.env.company
        # A lamp on Amazon: no "Lampes" profile, the parent "Luminaires" one.
        self.assertEqual(pick(company, self.amazon, self.lamps), self.amazon_lights)
        self.assertEqual(pick(company, self.amazon, self.home), self.amazon_default)
        # No profile for Fnac: the company's direct profile.
        self.assertEqual(pick(company, self.fnac, self.lamps), self.direct)
        self.assertEqual(pick(company, None, self.lamps), self.direct)

    def test_one_profile_per_channel_and_category(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["margin.cost.profile"].create({"name": "Direct bis"})

    def test_rates_are_ratios(self):
        with self.assertRaisesRegex(ValidationError, "ratio between 0 and 1"):
            self.amazon_default.commission_rate = 15
