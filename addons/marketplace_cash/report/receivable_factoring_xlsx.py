# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The factoring-ready workbook of a factoring export wizard: the eligible invoices
(typed cells: numbers as numbers in the currency's format, dates as dates), the
customers' totals and the parameters."""

from odoo import models


class ReceivableFactoringXlsx(models.AbstractModel):
    _name = "report.marketplace_cash.receivable_factoring_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Factoring Export (XLSX)"

    def _styles(self, workbook, currency):
        places = currency.decimal_places
        money = "#,##0" + ("." + "0" * places if places else "")
        return {
            "header": workbook.add_format(
                {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}
            ),
            "text": None,
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "money": workbook.add_format({"num_format": money}),
            "int": workbook.add_format({"num_format": "0"}),
            "total_text": workbook.add_format({"bold": True, "top": 1}),
            "total_money": workbook.add_format(
                {"num_format": money, "bold": True, "top": 1}
            ),
        }

    @staticmethod
    def _write(sheet, row, col, value, kind, styles):
        if value is None or value == "":
            return
        if kind == "text":
            sheet.write_string(row, col, str(value))
        elif kind == "date":
            sheet.write_datetime(row, col, value, styles["date"])
        else:
            sheet.write_number(row, col, float(value), styles[kind])

    def _write_table(self, workbook, styles, title, columns, rows):
        """A sheet: bold frozen header, typed rows, a total row summing the
        money columns listed in ``columns`` with ``total=True``."""
        sheet = workbook.add_worksheet(title[:31])
        for col, (header, width, _key, _kind, _total) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, header, styles["header"])
        sheet.freeze_panes(1, 0)
        for row, values in enumerate(rows, 1):
            for col, (_header, _width, key, kind, _total) in enumerate(columns):
                self._write(sheet, row, col, values[key], kind, styles)
        last = len(rows) + 1
        sheet.write_string(last, 0, self.env._("Total"), styles["total_text"])
        for col, (_header, _width, key, _kind, total) in enumerate(columns):
            if total:
                letter = chr(ord("A") + col)
                sheet.write_formula(
                    last,
                    col,
                    f"=SUM({letter}2:{letter}{last})" if rows else "=0",
                    styles["total_money"],
                    float(sum(values[key] for values in rows)),
                )
        return sheet

    def generate_xlsx_report(self, workbook, data, objs):
        wizard = objs.ensure_one()
        currency = wizard.currency_id
        styles = self._styles(workbook, currency)
        rows, customers = wizard._export_rows()
        self._write_table(
            workbook,
            styles,
            self.env._("Eligible Invoices"),
            [
                (self.env._("Customer"), 32, "customer", "text", False),
                (self.env._("SIREN"), 12, "siren", "text", False),
                (self.env._("VAT"), 16, "vat", "text", False),
                (self.env._("Invoice"), 18, "invoice", "text", False),
                (self.env._("Invoice Date"), 12, "invoice_date", "date", False),
                (self.env._("Due Date"), 12, "due", "date", False),
                (self.env._("Invoice Total"), 14, "total", "money", False),
                (self.env._("Installment"), 14, "amount", "money", False),
                (self.env._("Amount Due"), 14, "residual", "money", True),
                (self.env._("Days to Due"), 10, "days_to_due", "int", False),
                (self.env._("Days Overdue"), 10, "days_overdue", "int", False),
            ],
            rows,
        )
        self._write_table(
            workbook,
            styles,
            self.env._("Customers"),
            [
                (self.env._("Customer"), 32, "customer", "text", False),
                (self.env._("SIREN"), 12, "siren", "text", False),
                (self.env._("VAT"), 16, "vat", "text", False),
                (self.env._("Eligible Invoices"), 10, "count", "int", False),
                (self.env._("Eligible Amount"), 14, "eligible", "money", True),
                (self.env._("Left Out by the Limit"), 14, "limit", "money", True),
            ],
            customers,
        )
        sheet = workbook.add_worksheet(self.env._("Parameters"))
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 24)
        limit = wizard._limit()
        for row, (label, value, kind) in enumerate(
            [
                (self.env._("Company"), wizard.company_id.name, "text"),
                (self.env._("As Of"), wizard.date, "date"),
                (self.env._("Currency"), currency.name, "text"),
                (self.env._("Max Days Overdue"), wizard.max_overdue_days, "int"),
                (self.env._("Limit per Customer"), limit, "money"),
                (self.env._("Eligible Invoices"), len(rows), "int"),
                (self.env._("Amount Due"), sum(r["residual"] for r in rows), "money"),
            ]
        ):
            sheet.write_string(row, 0, label, styles["header"])
            self._write(sheet, row, 1, value, kind, styles)
