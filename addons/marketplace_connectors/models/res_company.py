# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    def _marketplace_demo_load_chart(self, company_ids, template_code="fr"):
        """Demo data only: give the demo companies a chart of accounts.

        The French chart belongs to ``l10n_fr_account``, which this module does not
        depend on: docker-compose and the test command install it before our modules.
        Without it the generic chart is loaded so the demo still works. ``_load`` is
        called directly: ``try_loading`` is a thin wrapper that only adds a warning
        when the registry is not fully loaded yet, always the case in demo data.
        """
        templates = self.env["account.chart.template"]
        module = (
            templates._get_chart_template_mapping().get(template_code, {}).get("module")
        )
        installed = module and self.env["ir.module.module"].search_count(
            [("name", "=", module), ("state", "in", ("installed", "to upgrade"))]
        )
        code = template_code if installed else "generic_coa"
        for company in self.browse(company_ids):
            if company.chart_template:
                continue
            _logger.info("Demo: loading chart template %s on %s", code, company.name)
            templates._load(code, company, install_demo=False)
        return True
