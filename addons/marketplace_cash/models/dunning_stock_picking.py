# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def action_confirm(self):
        result = super().action_confirm()
        self._dunning_sync_returns()
        return result

    def action_cancel(self):
        result = super().action_cancel()
        self._dunning_sync_returns()
        return result

    def _dunning_sync_returns(self):
        """A return of a delivery holds the delivery's invoices (see
        ``mkc.dunning.hold._sync_auto_holds``)."""
        returns = self.filtered(
            lambda p: p.picking_type_code == "incoming" and p.return_id.sale_id
        )
        invoices = returns.return_id.sale_id.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        )
        if invoices:
            self.env["mkc.dunning.hold"]._sync_auto_holds(invoices)
