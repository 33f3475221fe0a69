# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged

from .test_stock_valuation_snapshot import TestStockValuationSnapshot


@tagged("post_install", "-at_install")
class TestStockSnapshotTour(TestStockValuationSnapshot, HttpCase):
    """In a real browser: a finance manager opens the computed September snapshot
    (the data of :class:`TestStockValuationSnapshot`, whose tests are not run again
    here), reads its checklist and prints its close pack."""

    def test_snapshot_tour(self):
        snapshot = self.snapshot(date(2026, 9, 30))
        new_test_user(
            self.env,
            login="stock_snapshot_tour",
            groups="base.group_user,marketplace_cash.group_cash_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.start_tour("/odoo", "stock_snapshot_tour", login="stock_snapshot_tour")
        self.assertEqual(snapshot.state, "computed")
