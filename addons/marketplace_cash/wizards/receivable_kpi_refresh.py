# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class MkcReceivableKpiRefresh(models.TransientModel):
    """Compute the receivables KPIs of a company as of any date (the menus show
    today's, computed when they open)."""

    _name = "mkc.receivable.kpi.refresh"
    _description = "Compute Receivables KPIs"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(string="As Of", required=True, default=fields.Date.context_today)

    def action_compute(self):
        self.ensure_one()
        self.env["mkc.receivable.kpi"]._refresh(self.company_id, self.date)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_cash.mkc_receivable_kpi_partner_action"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action
