# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The cash forecast workbook: one forecast's 13 weeks (opening, cash in and out by
source, closing), its flows, the closings of its compared scenarios and the weekly
dashboard, a sheet each. Numbers are written as numbers (money in the currency's
format, days, rates as percentages), dates as dates; an unknown figure (a ratio
without a denominator) is a blank cell.

The weeks' cash in and out by source come from the forecast's stored base flows
through the core's weekly table, the one the forecast itself was built with.
"""

from decimal import Decimal

from odoo import fields, models
from odoo.exceptions import UserError

from ..core import forecast as core

SHEET_NAME_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")
NUMBER_FORMATS = {
    "days": "#,##0.0",
    "percent": "0.0%",
    "count": "0",
    "int": "0",
}


class CashDashboardXlsx(models.AbstractModel):
    """Print action "Cash Forecast and Dashboard (XLSX)" of a cash forecast (one
    at a time); the dashboard's Export button prints the latest one."""

    _name = "report.marketplace_cash.cash_dashboard_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Cash Forecast and Dashboard (XLSX)"

    def generate_xlsx_report(self, workbook, data, objs):
        if len(objs) != 1:
            raise UserError(self.env._("Print one cash forecast at a time."))
        forecast = objs
        if not forecast.start:
            raise UserError(
                self.env._(
                    "Compute %(forecast)s before printing it.", forecast=forecast.name
                )
            )
        company = forecast.company_id
        dashboard = self.env["marketplace.cash.dashboard"]
        dashboard._dashboard_company(company.id)
        report = self.with_company(company)
        styles = report._styles(workbook, forecast.currency_id)
        report._forecast_sheet(workbook, styles, forecast)
        report._flows_sheet(workbook, styles, forecast)
        report._scenarios_sheet(workbook, styles, forecast)
        data = dashboard.with_company(company)._dashboard_data(company, forecast)
        report._dashboard_sheet(workbook, styles, data)

    # ---- helpers

    def _styles(self, workbook, currency):
        places = currency.decimal_places
        money = "#,##0" + ("." + "0" * places if places else "")
        header = {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}
        styles = {
            "header": workbook.add_format(header),
            "header_date": workbook.add_format({**header, "num_format": "yyyy-mm-dd"}),
            "title": workbook.add_format({"bold": True}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "money": workbook.add_format({"num_format": money}),
            "money_bold": workbook.add_format({"num_format": money, "bold": True}),
        }
        for kind, num_format in NUMBER_FORMATS.items():
            styles[kind] = workbook.add_format({"num_format": num_format})
        return styles

    def _sheet(self, workbook, styles, title, columns):
        """A sheet with a bold, frozen header row; ``columns``: (header, width)."""
        sheet = workbook.add_worksheet(
            title.translate(SHEET_NAME_FORBIDDEN).strip()[:31]
        )
        for col, (header, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, header, styles["header"])
        sheet.freeze_panes(1, 0)
        return sheet

    def _cell(self, sheet, styles, row, col, value, kind):
        """``value`` as a typed cell (None, or False but for numbers: blank)."""
        if value is None or (value is False and kind not in ("int", "count")):
            return
        if kind == "text":
            sheet.write_string(row, col, str(value))
        elif kind == "date":
            sheet.write_datetime(row, col, fields.Date.to_date(value), styles["date"])
        else:
            sheet.write_number(row, col, float(value), styles[kind])

    def _sources(self):
        """[(source, label)] of the flows, in the forecast's order."""
        field = self.env["marketplace.cash.forecast.flow"]._fields["source"]
        return field._description_selection(self.env)

    # ---- sheets

    def _forecast_sheet(self, workbook, styles, forecast):
        """One row per week: opening, in by source, total in, out by source, total
        out, closing."""
        sources = self._sources()
        table = core.weekly_table(
            Decimal(str(forecast.opening)),
            forecast._base_flows(),
            forecast.start,
            len(forecast.week_ids) or 13,
        )
        columns = [
            (self.env._("Week"), 7),
            (self.env._("Week Of"), 12),
            (self.env._("Opening"), 14),
        ]
        columns += [
            (self.env._("In: %(flow)s", flow=label), 13) for _s, label in sources
        ]
        columns += [(self.env._("Total In"), 14)]
        columns += [
            (self.env._("Out: %(flow)s", flow=label), 13) for _s, label in sources
        ]
        columns += [(self.env._("Total Out"), 14), (self.env._("Closing"), 14)]
        sheet = self._sheet(workbook, styles, self.env._("Forecast"), columns)
        for row_no, week in enumerate(table.rows, 1):
            values = [(week.week, "int"), (week.start, "date"), (week.opening, "money")]
            values += [(week.inflows.get(s, 0), "money") for s, _label in sources]
            values += [(week.total_in, "money")]
            values += [(week.outflows.get(s, 0), "money") for s, _label in sources]
            values += [(week.total_out, "money"), (week.closing, "money")]
            for col, (value, kind) in enumerate(values):
                self._cell(sheet, styles, row_no, col, value, kind)
        row_no = len(table.rows) + 2
        for label, value in (
            (
                self.env._("Lowest point (week %(week)s)", week=forecast.lowest_week),
                forecast.lowest,
            ),
            (self.env._("After 13 weeks"), forecast.beyond),
        ):
            sheet.write_string(row_no, 0, label, styles["title"])
            self._cell(sheet, styles, row_no, 2, value, "money")
            row_no += 1

    def _flows_sheet(self, workbook, styles, forecast):
        Flow = self.env["marketplace.cash.forecast.flow"]
        sheet = self._sheet(
            workbook,
            styles,
            self.env._("Flows"),
            [
                (self.env._("Day"), 12),
                (self.env._("Week"), 7),
                (self.env._("Source"), 20),
                (self.env._("Channel"), 24),
                (self.env._("Amount"), 14),
                (self.env._("Records"), 22),
                (self.env._("Record IDs"), 30),
            ],
        )
        labels = dict(self._sources())
        models_ = {}
        rows = Flow.search_read(
            [("forecast_id", "=", forecast.id), ("scenario_id", "=", False)],
            ["day", "week", "source", "channel_id", "amount", "res_model", "res_ids"],
            order="day, id",
        )
        for row_no, row in enumerate(rows, 1):
            model = row["res_model"]
            if model and model not in models_:
                models_[model] = (
                    self.env[model]._description if model in self.env else model
                )
            ids = (row["res_ids"] or "").strip("[]").replace(" ", "")
            for col, (value, kind) in enumerate(
                (
                    (row["day"], "date"),
                    (row["week"], "int"),
                    (labels.get(row["source"]), "text"),
                    (row["channel_id"] and row["channel_id"][1], "text"),
                    (row["amount"], "money"),
                    (models_.get(model), "text"),
                    (ids.replace(",", ", ") or None, "text"),
                )
            ):
                self._cell(sheet, styles, row_no, col, value, kind)

    def _scenarios_sheet(self, workbook, styles, forecast):
        """The closing of each week: the base, then each compared scenario."""
        scenarios = forecast.scenario_ids
        sheet = self._sheet(
            workbook,
            styles,
            self.env._("Scenarios"),
            [
                (self.env._("Week"), 7),
                (self.env._("Week Of"), 12),
                (self.env._("Base"), 16),
            ]
            + [(scenario.name, 16) for scenario in scenarios],
        )
        closings = {}
        for week in self.env["marketplace.cash.forecast.week"].search_read(
            [
                ("forecast_id", "=", forecast.id),
                ("scenario_id", "in", [False, *scenarios.ids]),
            ],
            ["scenario_id", "week", "date_start", "closing"],
        ):
            scenario_id = week["scenario_id"] and week["scenario_id"][0]
            closings[(scenario_id, week["week"])] = week["closing"]
            closings[(None, week["week"])] = week["date_start"]
        columns = [False, *scenarios.ids]
        weeks = sorted({week for (key, week) in closings if key is None})
        for row_no, week in enumerate(weeks, 1):
            self._cell(sheet, styles, row_no, 0, week, "int")
            self._cell(sheet, styles, row_no, 1, closings[(None, week)], "date")
            for col, scenario_id in enumerate(columns, 2):
                value = closings.get((scenario_id, week))
                self._cell(sheet, styles, row_no, col, value, "money")

    def _dashboard_sheet(self, workbook, styles, data):
        """The KPIs with their 8-week trends, then the payouts and reserves per
        channel (and the realized margin when margin_alerts gives it)."""
        units = {
            "money": self.env._("Amount"),
            "days": self.env._("Days"),
            "percent": self.env._("Rate"),
            "count": self.env._("Count"),
        }
        sheet = self._sheet(
            workbook,
            styles,
            self.env._("Dashboard"),
            [
                (self.env._("Section"), 28),
                (self.env._("KPI"), 26),
                (self.env._("Unit"), 9),
                (self.env._("Value"), 14),
            ]
            + [("", 12) for _day in data["weeks"]],
        )
        for col, monday in enumerate(data["weeks"], 4):
            sheet.write_datetime(
                0, col, fields.Date.to_date(monday), styles["header_date"]
            )
        row_no = 1
        for section in data["sections"]:
            for key in section["kpis"]:
                kpi = data["kpis"][key]
                sheet.write_string(row_no, 0, section["title"])
                sheet.write_string(row_no, 1, kpi["label"])
                sheet.write_string(row_no, 2, units[kpi["unit"]])
                self._cell(sheet, styles, row_no, 3, kpi["value"], kpi["unit"])
                for col, value in enumerate(kpi["trend"] or [], 4):
                    self._cell(sheet, styles, row_no, col, value, kpi["unit"])
                row_no += 1
        payouts = data["payouts"]
        row_no = self._small_table(
            sheet,
            styles,
            row_no + 1,
            [self.env._("Expected payouts by channel")]
            + [self.env._("D+%(days)s", days=days) for days in payouts["horizons"]],
            [
                [row["name"], *(cell["value"] for cell in row["cells"])]
                for row in payouts["rows"]
            ]
            + [[self.env._("Total"), *(cell["value"] for cell in payouts["totals"])]],
        )
        row_no = self._small_table(
            sheet,
            styles,
            row_no + 1,
            [self.env._("Reserves held by channel"), self.env._("Held")],
            [[row["name"], row["value"]] for row in data["reserves"]["rows"]]
            + [[self.env._("Total"), data["reserves"]["value"]]],
        )
        if data["margin"]:
            self._small_table(
                sheet,
                styles,
                row_no + 1,
                [
                    self.env._("Realized net margin by channel"),
                    self.env._("Revenue"),
                    self.env._("Net Margin"),
                ],
                [
                    [row["name"], row["revenue"], row["margin"]]
                    for row in data["margin"]
                ],
            )

    def _small_table(self, sheet, styles, row_no, headers, rows):
        """A small table (a text column, then amounts) from ``row_no``; returns the
        next free row."""
        for col, header in enumerate(headers):
            sheet.write_string(row_no, col, header, styles["header"])
        for values in rows:
            row_no += 1
            sheet.write_string(row_no, 0, values[0] or "")
            for col, value in enumerate(values[1:], 1):
                self._cell(sheet, styles, row_no, col, value, "money")
        return row_no + 1
