# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The stored results of the receivables KPIs (``mkc.receivable.kpi``), for the
pivot and graph views: replaced for a company at each computation, never edited.

Ratios (DSO, rates, days late) cannot be summed: their aggregate in a pivot is the
average of the rows (one row per company and month on the trend); the amounts they
are made of are summable measures beside them.
"""

from odoo import api, fields, models

BUCKETS = [
    ("not_due", "Not Due"),
    ("1_30", "1-30 Days"),
    ("31_60", "31-60 Days"),
    ("61_90", "61-90 Days"),
    ("over_90", "Over 90 Days"),
]


class MkcReceivableReportMixin(models.AbstractModel):
    _name = "mkc.receivable.report.mixin"
    _description = "Receivables KPI Rows"

    company_id = fields.Many2one("res.company", readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="As Of", readonly=True, help="The day the figures were computed at."
    )

    @api.model
    def action_open(self):
        """The menu entries: today's figures (computed when missing), then the
        model's view."""
        self.env["mkc.receivable.kpi"]._refresh_stale()
        return self.env["ir.actions.act_window"]._for_xml_id(
            f"marketplace_cash.{self._table}_action"
        )


class MkcReceivableAged(models.Model):
    _name = "mkc.receivable.aged"
    _inherit = "mkc.receivable.report.mixin"
    _description = "Aged Receivable Balance"
    _order = "partner_id, bucket"
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    bucket = fields.Selection(BUCKETS, string="Past Due", readonly=True)
    held = fields.Boolean(
        string="On Hold", readonly=True, help="Under a dispute hold at the date."
    )
    amount = fields.Monetary(string="Amount Due", readonly=True)


class MkcReceivableKpiPartner(models.Model):
    _name = "mkc.receivable.kpi.partner"
    _inherit = "mkc.receivable.report.mixin"
    _description = "Receivables KPIs per Customer"
    _order = "late_rank, receivables desc, partner_id"
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    receivables = fields.Monetary(
        readonly=True,
        help="The customer's account balance, not on hold: what its invoices still "
        "owe, less its payments not matched to an invoice.",
    )
    held_receivables = fields.Monetary(
        string="On Hold", readonly=True, help="Invoices under a dispute hold."
    )
    overdue = fields.Monetary(readonly=True, help="Past due and not on hold.")
    revenue_30 = fields.Monetary(
        string="Revenue 30 Days", readonly=True, help="Invoiced incl. tax, not on hold."
    )
    revenue_90 = fields.Monetary(string="Revenue 90 Days", readonly=True)
    dso_30 = fields.Float(
        string="DSO 30 Days", digits=(16, 1), readonly=True, aggregator=None
    )
    dso_90 = fields.Float(
        string="DSO 90 Days",
        digits=(16, 1),
        readonly=True,
        aggregator=None,
        help="Receivables / revenue incl. tax of the last 90 days x 90, invoices on "
        "hold left out of both.",
    )
    days_late_paid = fields.Float(
        string="Days Late (Paid)",
        digits=(16, 1),
        readonly=True,
        aggregator=None,
        help="Payments of the last 90 days: payment date - due date, "
        "weighted by the amount paid (negative: paid early).",
    )
    paid_amount = fields.Monetary(
        string="Paid", readonly=True, help="Cash received in the last 90 days."
    )
    days_late_open = fields.Float(
        string="Days Late (Open)",
        digits=(16, 1),
        readonly=True,
        aggregator=None,
        help="Invoices past due and not on hold: days past due, weighted by the "
        "amount due.",
    )
    late_weight = fields.Float(
        string="Overdue x Days",
        digits=(16, 0),
        readonly=True,
        help="Sum of amount due x days past due: the money-days financed in the "
        "customer's place; the late payers' ranking.",
    )
    late_rank = fields.Integer(string="Late Payer Rank", readonly=True, aggregator=None)
    amount_not_due = fields.Monetary(string="Not Due", readonly=True)
    amount_1_30 = fields.Monetary(string="1-30 Days", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60 Days", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90 Days", readonly=True)
    amount_over_90 = fields.Monetary(string="Over 90 Days", readonly=True)


class MkcReceivableKpiMonth(models.Model):
    _name = "mkc.receivable.kpi.month"
    _inherit = "mkc.receivable.report.mixin"
    _description = "Receivables KPI Trend"
    _order = "company_id, date_to"
    _log_access = False

    date_from = fields.Date(string="Month", readonly=True)
    date_to = fields.Date(
        string="Measured On", readonly=True, help="The month's last day, or the date."
    )
    receivables = fields.Monetary(readonly=True, help="Not on hold, at the month end.")
    held_receivables = fields.Monetary(string="On Hold", readonly=True)
    revenue_30 = fields.Monetary(string="Revenue 30 Days", readonly=True)
    revenue_90 = fields.Monetary(string="Revenue 90 Days", readonly=True)
    dso_30 = fields.Float(
        string="DSO 30 Days", digits=(16, 1), readonly=True, aggregator="avg"
    )
    dso_90 = fields.Float(
        string="DSO 90 Days", digits=(16, 1), readonly=True, aggregator="avg"
    )
    collected = fields.Monetary(readonly=True, help="Cash received in the month.")
    invoiced = fields.Monetary(
        readonly=True, help="Invoices incl. tax of the month, credit notes deducted."
    )
    recovery_rate = fields.Float(
        digits=(16, 4),
        readonly=True,
        aggregator="avg",
        help="Collected / invoiced in the month.",
    )
    disputed_count = fields.Integer(
        string="Disputed Invoices",
        readonly=True,
        help="Invoices under a dispute hold on a day of the month.",
    )
    issued_count = fields.Integer(string="Issued Invoices", readonly=True)
    dispute_rate = fields.Float(
        digits=(16, 4),
        readonly=True,
        aggregator="avg",
        help="Disputed invoices / invoices issued in the month.",
    )
