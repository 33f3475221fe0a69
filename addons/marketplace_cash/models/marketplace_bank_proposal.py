# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import api, fields, models
from odoo.exceptions import UserError


class MarketplaceBankProposal(models.Model):
    """A possible match of a bank line with payouts that the matching could not
    decide alone (the same amount on two payouts, several subsets, a converted
    amount): one click confirms it, never automatically."""

    _name = "marketplace.bank.proposal"
    _description = "Marketplace Bank Match Proposal"
    _order = "bank_line_id, score desc, id"
    _check_company_auto = True

    bank_line_id = fields.Many2one(
        "account.bank.statement.line",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        related="bank_line_id.company_id", store=True, precompute=True
    )
    payout_ids = fields.Many2many(
        "marketplace.payout", string="Payouts", readonly=True, check_company=True
    )
    kind = fields.Selection(
        [
            ("exact", "Same amount"),
            ("reference", "Reference in the label"),
            ("group", "Several payouts in one deposit"),
            ("fx", "Other currency"),
        ],
        readonly=True,
    )
    score = fields.Integer(readonly=True)
    bank_amount = fields.Monetary(
        related="bank_line_id.amount", currency_field="bank_currency_id"
    )
    bank_currency_id = fields.Many2one(related="bank_line_id.currency_id")
    bank_date = fields.Date(related="bank_line_id.date")
    bank_label = fields.Char(related="bank_line_id.payment_ref")
    payout_total = fields.Monetary(
        compute="_compute_payout_total", currency_field="payout_currency_id"
    )
    payout_currency_id = fields.Many2one(
        "res.currency", compute="_compute_payout_total"
    )

    @api.depends("payout_ids.amount_computed")
    def _compute_payout_total(self):
        for proposal in self:
            proposal.payout_total = sum(proposal.payout_ids.mapped("amount_computed"))
            proposal.payout_currency_id = proposal.payout_ids.currency_id[:1]

    @api.model
    def _replace_proposals(self, proposals, bank_lines_by_id):
        """The open proposals of these bank lines become the core's new ones."""
        lines = self.env["account.bank.statement.line"].browse(
            [proposal.bank_line_id for proposal in proposals]
        )
        self.search([("bank_line_id", "in", lines.ids)]).unlink()
        self.create(
            [
                {
                    "bank_line_id": proposal.bank_line_id,
                    "payout_ids": [fields.Command.set(list(alternative.payout_ids))],
                    "kind": alternative.kind,
                    "score": alternative.score,
                }
                for proposal in proposals
                for alternative in proposal.alternatives
            ]
        )

    def action_confirm(self):
        """Reconcile the bank line with this proposal's payouts."""
        self.ensure_one()
        line = self.bank_line_id
        if line.is_reconciled:
            raise UserError(self.env._("This bank line is already reconciled."))
        if any(payout.state != "posted" for payout in self.payout_ids):
            raise UserError(
                self.env._(
                    "A payout of this proposal is no longer waiting for its bank line."
                )
            )
        self.payout_ids._reconcile_with(line)
        self.search(
            [
                "|",
                ("bank_line_id", "=", line.id),
                ("payout_ids", "in", self.payout_ids.ids),
            ]
        ).unlink()
        return True
