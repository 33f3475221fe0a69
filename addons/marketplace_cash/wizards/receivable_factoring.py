# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The factoring-ready export: the invoices a factor could take at a date (not
disputed, at most N days past due, each customer capped at a limit), as XLSX."""

import re
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError


def _siren(partner):
    """The partner's SIREN (9 digits) from its SIRET (l10n_fr) or its company
    registry, when either is a French number; else ""."""
    for fname in ("siret", "company_registry"):
        value = re.sub(r"\s", "", (partner[fname] or "") if fname in partner else "")
        if value.isdigit() and len(value) in (9, 14):
            return value[:9]
    return ""


class MkcReceivableFactoringWizard(models.TransientModel):
    _name = "mkc.receivable.factoring.wizard"
    _description = "Factoring Export"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(string="As Of", required=True, default=fields.Date.context_today)
    max_overdue_days = fields.Integer(
        string="Max Days Overdue",
        required=True,
        default=30,
        help="Invoices more than this many days past due are left out (0: only "
        "invoices not due yet or due on the date).",
    )
    customer_limit = fields.Monetary(
        string="Limit per Customer",
        help="Each customer's eligible invoices are taken whole, in due-date order, "
        "while their total stays within this amount. 0: no limit.",
    )

    @api.constrains("max_overdue_days", "customer_limit")
    def _check_parameters(self):
        for wizard in self:
            if (
                wizard.max_overdue_days < 0
                or wizard.currency_id.compare_amounts(wizard.customer_limit, 0) < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The maximum days overdue and the limit per customer "
                        "cannot be negative."
                    )
                )

    def action_export(self):
        self.ensure_one()
        return self.env.ref("marketplace_cash.receivable_factoring_xlsx").report_action(
            self, config=False
        )

    def _limit(self):
        if self.currency_id.is_zero(self.customer_limit):
            return None
        return Decimal(str(self.customer_limit))

    def _candidates(self):
        """Every open invoice installment at the date, eligible or not (see
        ``core.receivables.Book.factoring``)."""
        self.ensure_one()
        book = self.env["mkc.receivable.kpi"]._book(self.company_id, self.date)
        return book.factoring(self.date, self.max_overdue_days, self._limit())

    def _export_rows(self):
        """``(eligible rows, per-customer rows)``: dicts sorted by customer name,
        due date and invoice number, for the workbook."""
        candidates = self._candidates()
        moves = self.env["account.move"].browse({c.item.move_id for c in candidates})
        partners = self.env["res.partner"].browse(
            {c.item.partner_id for c in candidates}
        )
        moves.fetch(["name", "amount_total_signed"])
        partner_info = {
            partner.id: {
                "customer": partner.display_name,
                "siren": _siren(partner),
                "vat": partner.vat or "",
            }
            for partner in partners
        }
        rows, customers = [], {}
        for candidate in candidates:
            item = candidate.item
            info = partner_info[item.partner_id]
            summary = customers.setdefault(
                item.partner_id,
                {**info, "count": 0, "eligible": Decimal(0), "limit": Decimal(0)},
            )
            if candidate.reason == "limit":
                summary["limit"] += candidate.residual
            if not candidate.eligible:
                continue
            move = moves.browse(item.move_id)
            summary["count"] += 1
            summary["eligible"] += candidate.residual
            rows.append(
                {
                    **info,
                    "invoice": move.name,
                    "invoice_date": item.date,
                    "due": item.due,
                    "total": move.amount_total_signed,
                    "amount": item.amount,
                    "residual": candidate.residual,
                    "days_to_due": -candidate.days_overdue
                    if candidate.days_overdue <= 0
                    else None,
                    "days_overdue": candidate.days_overdue
                    if candidate.days_overdue > 0
                    else None,
                }
            )
        rows.sort(key=lambda r: (r["customer"].lower(), r["due"], r["invoice"]))
        summaries = sorted(
            (s for s in customers.values() if s["count"] or s["limit"]),
            key=lambda s: s["customer"].lower(),
        )
        return rows, summaries
