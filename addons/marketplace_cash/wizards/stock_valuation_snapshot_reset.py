# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import fields, models


class StockValuationSnapshotReset(models.TransientModel):
    """Reopen a validated snapshot, with the reason kept in its chatter."""

    _name = "stock.valuation.snapshot.reset"
    _description = "Reset a Validated Stock Valuation Snapshot"

    snapshot_id = fields.Many2one(
        "stock.valuation.snapshot", required=True, ondelete="cascade"
    )
    reason = fields.Text(required=True)

    def action_reset(self):
        self.ensure_one()
        self.snapshot_id.action_reset(self.reason)
        return {"type": "ir.actions.act_window_close"}
