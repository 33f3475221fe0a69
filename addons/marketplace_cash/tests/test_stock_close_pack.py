# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import io
from datetime import date, datetime
from unittest.mock import patch

import openpyxl

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_stock_valuation_snapshot import TestStockValuationSnapshot

REPORT = "marketplace_cash.stock_close_pack_xlsx"
SHEETS = [
    "Summary",
    "By warehouse",
    "By category",
    "Lines",
    "GL check",
    "Slow movers",
    "ABC",
    "DIO",
    "Checklist",
]


@tagged("post_install", "-at_install")
class TestStockClosePack(TestStockValuationSnapshot):
    """The close pack of the worked September 2026 snapshot (the data of
    :class:`TestStockValuationSnapshot`, whose tests are not run again here)."""

    def render(self, snapshots):
        content, kind = self.env["ir.actions.report"]._render(
            REPORT, snapshots.ids, data={}
        )
        self.assertEqual(kind, "xlsx")
        return openpyxl.load_workbook(io.BytesIO(content))

    @staticmethod
    def rows(sheet):
        return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]

    def test_close_pack(self):
        end = self.snapshot(date(2026, 9, 30))
        book = self.render(end)
        self.assertEqual(book.sheetnames, SHEETS)
        for sheet in book.worksheets:
            self.assertEqual(sheet.freeze_panes, "A2", sheet.title)
            self.assertTrue(sheet["A1"].font.b, sheet.title)

        summary = {row[0]: row[1] for row in self.rows(book["Summary"])}
        self.assertEqual(summary["Valuation Total"], 439.00)
        self.assertEqual(summary["Odoo Valuation"], 439.00)
        self.assertEqual(summary["GL Balance"], 439.00)
        self.assertEqual(summary["Difference"], 0.00)
        self.assertEqual(summary["Date"], datetime(2026, 9, 30))
        self.assertEqual(summary["State"], "Computed")
        self.assertEqual(summary["Company"], self.company.name)
        self.assertEqual(summary["Line Count"], 6)
        # The end of the date in the company's timezone (none: UTC).
        self.assertEqual(summary["Cutoff"], datetime(2026, 9, 30, 23, 59, 59))
        money_cell = next(
            row[1]
            for row in book["Summary"].iter_rows()
            if row[0].value == "Valuation Total"
        )
        self.assertEqual(money_cell.number_format, "#,##0.00")

        # By hand: Paris lamp 10 x 11.50 = 115.00, bulb 95.00 x 10/15 = 63.33,
        # plug 5 x 20.00 = 100.00: 278.33 for 25 units; Lyon lamp 6 x 11.50 =
        # 69.00, bulb 95.00 x 5/15 = 31.67, plug 3 x 20.00 = 60.00: 160.67 for 14.
        warehouses = book["By warehouse"]
        self.assertEqual(
            [cell.value for cell in warehouses[1]],
            ["Warehouse", "Location Kind", "Quantity", "Value"],
        )
        self.assertEqual(
            self.rows(warehouses),
            [
                [self.paris.name, "Warehouse", 25, 278.33],
                [self.lyon.name, "Warehouse", 14, 160.67],
                ["Total", None, "=SUM(C2:C3)", "=SUM(D2:D3)"],
            ],
        )
        self.assertEqual(warehouses["D2"].number_format, "#,##0.00")
        self.assertEqual(warehouses["D4"].number_format, "#,##0.00")
        self.assertTrue(warehouses["D4"].font.b)
        avco, fifo, std = (
            self.cat_avco.display_name,
            self.cat_fifo.display_name,
            self.cat_std.display_name,
        )
        categories = self.rows(book["By category"])
        self.assertEqual(
            sorted(categories[:-1]),
            sorted(
                [
                    [avco, "AVCO", 16, 184.00],
                    [fifo, "FIFO", 15, 95.00],
                    [std, "Standard Price", 8, 160.00],
                ]
            ),
        )
        self.assertEqual(categories[-1], ["Total", None, "=SUM(C2:C4)", "=SUM(D2:D4)"])

        lines = self.rows(book["Lines"])
        self.assertEqual(len(lines), 6)
        self.assertAlmostEqual(sum(line[8] for line in lines), 439.00, places=2)
        lamp_paris = next(
            line
            for line in lines
            if line[0] == self.paris.name and line[3] == self.lamp.display_name
        )
        self.assertEqual(
            lamp_paris,
            [
                self.paris.name,
                self.paris.lot_stock_id.complete_name,
                "Warehouse",
                "Lamp",
                avco,
                "AVCO",
                10,
                11.50,
                115.00,
            ],
        )
        self.assertEqual(book["Lines"]["H2"].number_format, "#,##0.0000")

        gl = self.rows(book["GL check"])
        # The valuation per category first, then the ledger (the selection's
        # order), each with the stock account.
        self.assertEqual(
            sorted((row[0], row[2], row[3]) for row in gl[:3]),
            sorted(
                [
                    ("Stock valuation", avco, 184.00),
                    ("Stock valuation", fifo, 95.00),
                    ("Stock valuation", std, 160.00),
                ]
            ),
        )
        account = self.stock_account.display_name
        self.assertEqual(gl[3], ["General ledger balance", account, None, 439.00, None])
        self.assertEqual({row[1] for row in gl}, {account})

        movers = self.rows(book["Slow movers"])
        paris_lamp = next(row for row in movers if row[:2] == [self.paris.name, "Lamp"])
        # Warehouse, product, category, qty, value, last receipt, last delivery,
        # days idle, ageing, ABC, consumed qty and value, cover, overstock qty and
        # value (the company has no timezone: UTC).
        self.assertEqual(
            paris_lamp[3:13] + [paris_lamp[14]],
            [
                10,
                115.00,
                datetime(2026, 9, 25, 10, 0),
                datetime(2026, 9, 20, 10, 0),
                5,
                "0-30",
                "A",
                4,
                46.00,
                912.5,
                103.66,
            ],
        )
        lyon_plug = next(row for row in movers if row[:2] == [self.lyon.name, "Plug"])
        self.assertIsNone(lyon_plug[12], "no consumption: no cover, not 0")
        self.assertEqual(lyon_plug[9], "C")

        abc = self.rows(book["ABC"])
        # Lyon's bulb (class A) consumed 5 at the company unit cost of one of its
        # cells (31.66 or 31.67, see the snapshot): read from the snapshot.
        bulb = end.mover_ids.filtered(
            lambda m: m.warehouse_id == self.lyon and m.product_id == self.bulb
        )
        self.assertEqual(
            abc[:4],
            [
                [self.paris.name, "A", 1, 46.00, 115.00],
                [self.paris.name, "C", 2, 0, 163.33],
                [self.lyon.name, "A", 1, bulb.consumed_value, 31.67],
                [self.lyon.name, "C", 2, 0, 129.00],
            ],
        )
        self.assertEqual(
            abc[-1], ["Total", None, "=SUM(C2:C5)", "=SUM(D2:D5)", "=SUM(E2:E5)"]
        )

        dio = self.rows(book["DIO"])
        self.assertIn([self.paris.name, avco, 115.00, 46.00, 912.5], dio)
        self.assertIn([self.lyon.name, std, 60.00, 0, None], dio)

        checklist = book["Checklist"]
        self.assertEqual(
            [cell.value for cell in checklist[1]],
            ["Check", "Status", "Count", "Amount"],
        )
        statuses = {row[0]: row[1] for row in self.rows(checklist)}
        self.assertEqual(len(statuses), len(end.check_ids))
        self.assertEqual(
            {
                name: statuses[name]
                for name in (
                    "Marketplace payouts not posted",
                    "Marketplace payouts not matched to the bank",
                    "Negative stock",
                    "Stock valuation against the general ledger",
                )
            },
            {
                "Marketplace payouts not posted": "Not Applicable",
                "Marketplace payouts not matched to the bank": "Not Applicable",
                "Negative stock": "OK",
                "Stock valuation against the general ledger": "OK",
            },
        )
        self.assertEqual(checklist["D2"].number_format, "#,##0.00")

    def test_validated_pack(self):
        end = self.snapshot(date(2026, 9, 30))
        end.action_validate()
        summary = {row[0]: row[1] for row in self.rows(self.render(end)["Summary"])}
        self.assertEqual(summary["State"], "Validated")
        self.assertEqual(summary["Validated By"], self.env.user.name)
        self.assertIsInstance(summary["Validated On"], datetime)

    def test_one_computed_snapshot_at_a_time(self):
        end = self.snapshot(date(2026, 9, 30))
        mid = self.snapshot(date(2026, 9, 12))
        with self.assertRaisesRegex(UserError, "one snapshot at a time"):
            self.render(end | mid)
        draft = self.env["stock.valuation.snapshot"].create(
            {"company_id": self.company.id, "date": date(2026, 8, 31)}
        )
        with self.assertRaisesRegex(UserError, "Compute"):
            self.render(draft)

    def test_long_tables_go_on_in_a_new_sheet(self):
        end = self.snapshot(date(2026, 9, 30))
        report = self.registry["report." + REPORT]
        with patch.object(report, "_max_rows", 4):  # the header and 3 rows
            book = self.render(end)
        # Every table goes on after 3 rows: the 6 lines on two sheets.
        names = book.sheetnames
        self.assertEqual(names[names.index("Lines") + 1], "Lines (2)")
        self.assertNotIn("Lines (3)", names)
        self.assertEqual(len(self.rows(book["Lines"])), 3)
        self.assertEqual(len(self.rows(book["Lines (2)"])), 3)
        self.assertEqual(book["Lines (2)"]["A1"].value, "Warehouse")
        self.assertEqual(book["Lines (2)"].freeze_panes, "A2")
