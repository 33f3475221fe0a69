# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestFrenchTranslation(TransactionCase):
    """The UI ships in French: the suite's fr.po files load and translate the menus."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(
            ["marketplace_connectors", "marketplace_cash", "margin_alerts"],
            ["fr_FR"],
            overwrite=True,
        )

    def test_menus_and_groups_in_french(self):
        fr = self.env(context=dict(self.env.context, lang="fr_FR"))
        expected = {
            "marketplace_connectors.menu_root": "Trésorerie marketplaces",
            "marketplace_connectors.marketplace_channel_menu": "Canaux",
            "marketplace_connectors.group_marketplace_user": "Utilisateur marketplaces",
            "marketplace_connectors.group_marketplace_manager": (
                "Responsable marketplaces"
            ),
        }
        for xmlid, name in expected.items():
            self.assertEqual(fr.ref(xmlid).name, name, xmlid)
        platforms = dict(
            fr["marketplace.channel"]._fields["platform"]._description_selection(fr)
        )
        self.assertEqual(platforms["generic"], "Générique (CSV/XLSX)")
