# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
from odoo import models

# (field, width): the columns of the export, in the order of the margin cascade.
COLUMNS = (
    ("month", 10),
    ("channel_id", 18),
    ("country_id", 12),
    ("product_id", 32),
    ("categ_id", 18),
    ("qty_sold", 9),
    ("qty_delivered", 9),
    ("qty_returned", 9),
    ("revenue", 12),
    ("promotions", 12),
    ("refunds", 12),
    ("disputes", 12),
    ("cogs", 12),
    ("cogs_returned", 12),
    ("gross_margin", 12),
    ("commission", 12),
    ("fees", 12),
    ("advertising", 12),
    ("other", 12),
    ("net_margin", 12),
    ("net_margin_rate", 10),
)
TOTALLED = {
    name
    for name, _width in COLUMNS
    if name not in ("month", "channel_id", "country_id", "product_id", "categ_id")
    and name != "net_margin_rate"
}


class MarginRealizedXlsx(models.AbstractModel):
    """The selected realized-margin rows as a spreadsheet: one row per SKU, channel,
    country and month, totals as formulas (finance reworks them)."""

    _name = "report.margin_alerts.realized_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Realized Net-Net Margin (XLSX)"

    def generate_xlsx_report(self, workbook, data, records):
        sheet = workbook.add_worksheet(self.env._("Realized margin")[:31])
        bold = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        qty = workbook.add_format({"num_format": "#,##0.##"})
        rate = workbook.add_format({"num_format": "0.00%"})
        month = workbook.add_format({"num_format": "yyyy-mm"})
        total_money = workbook.add_format({"num_format": "#,##0.00", "bold": True})
        fields = records._fields
        for col, (name, width) in enumerate(COLUMNS):
            sheet.set_column(col, col, width)
            sheet.write(0, col, fields[name]._description_string(self.env), bold)
        sheet.freeze_panes(1, 0)
        records = records.sorted(
            lambda r: (r.month, r.channel_id.name or "", r.product_id.display_name)
        )
        for row, record in enumerate(records, start=1):
            for col, (name, _width) in enumerate(COLUMNS):
                value = record[name]
                if name == "month":
                    sheet.write_datetime(row, col, value, month)
                elif fields[name].type == "many2one":
                    sheet.write(row, col, value.display_name or "")
                elif name == "net_margin_rate":
                    sheet.write_number(row, col, value, rate)
                elif name.startswith("qty"):
                    sheet.write_number(row, col, value, qty)
                else:
                    sheet.write_number(row, col, value, money)
        last = len(records) + 1
        sheet.write(last, 0, self.env._("Total"), bold)
        for col, (name, _width) in enumerate(COLUMNS):
            if name in TOTALLED and records:
                letter = chr(ord("A") + col)
                sheet.write_formula(
                    last, col, f"=SUM({letter}2:{letter}{last})", total_money
                )
