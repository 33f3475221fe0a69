# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The month-end close pack of a stock valuation snapshot: one workbook, a sheet per
part of the close (summary, valuation by warehouse and by category, every line, the
ledger check, slow movers, ABC, DIO, checklist).

A snapshot has up to a million lines: the workbook is written in xlsxwriter's
``constant_memory`` mode (each row goes to disk once the next one starts, so every
sheet is written top to bottom), the rows are read in batches with ``read`` (the
names of their products, locations... once per record) and a table longer than a
sheet goes on in "<sheet> (2)", "<sheet> (3)"...
"""

import pytz

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import split_every

BATCH = 20000
SHEET_NAME_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")


class _Pack:
    """The workbook being written: its cell styles, the timezone of its dates (the
    company's, as the snapshot's cut-off) and its sheets."""

    def __init__(self, env, workbook, currency, tz, max_rows):
        self.workbook = workbook
        self.tz = tz
        self.max_rows = max_rows
        places = currency.decimal_places
        qty_places = env["decimal.precision"].precision_get("Product Unit of Measure")
        formats = {
            "money": "#,##0" + ("." + "0" * places if places else ""),
            "qty": "#,##0" + ("." + "0" * qty_places if qty_places else ""),
            "cost": "#,##0.0000",
            "days": "#,##0.0",
            "int": "0",
        }
        self.styles = {
            "header": workbook.add_format(
                {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}
            ),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "total_text": workbook.add_format({"bold": True, "top": 1}),
        }
        for kind, num_format in formats.items():
            self.styles[kind] = workbook.add_format({"num_format": num_format})
            self.styles[f"total_{kind}"] = workbook.add_format(
                {"num_format": num_format, "bold": True, "top": 1}
            )

    def add_sheet(self, title):
        return self.workbook.add_worksheet(
            title.translate(SHEET_NAME_FORBIDDEN).strip()[:31]
        )

    def write_cell(self, sheet, row, col, value, kind):
        """``value`` as a typed cell; ``None`` (and ``False``, the ORM's empty value,
        except for integers) leaves the cell blank."""
        if value is None or (value is False and kind != "int"):
            return
        if kind == "text":
            # write_string: a name starting with "=" is not a formula.
            sheet.write_string(row, col, str(value))
        elif kind == "date":
            sheet.write_datetime(row, col, value, self.styles["date"])
        elif kind == "datetime":
            local = pytz.utc.localize(value).astimezone(self.tz).replace(tzinfo=None)
            sheet.write_datetime(row, col, local, self.styles["datetime"])
        else:
            sheet.write_number(row, col, value, self.styles[kind])


class _Table:
    """One table of the pack: a bold, frozen header row, typed cells, column
    widths; continued on a new sheet when it reaches the row limit."""

    def __init__(self, pack, title, columns):
        self.pack = pack
        self.title = title
        self.columns = columns  # [(header, width, kind)]
        self.part = 0
        self.sheet = None
        self.row = 0
        self._new_sheet()

    def _new_sheet(self):
        self.part += 1
        title = self.title if self.part == 1 else f"{self.title} ({self.part})"
        self.sheet = self.pack.add_sheet(title)
        for col, (header, width, _kind) in enumerate(self.columns):
            self.sheet.set_column(col, col, width)
            self.sheet.write_string(0, col, header, self.pack.styles["header"])
        self.sheet.freeze_panes(1, 0)
        self.row = 1

    def add_row(self, values, kinds=None):
        """One row; ``kinds`` overrides the columns' kinds (the summary)."""
        if self.row >= self.pack.max_rows:
            self._new_sheet()
        kinds = kinds or [column[2] for column in self.columns]
        for col, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            self.pack.write_cell(self.sheet, self.row, col, value, kind)
        self.row += 1

    def total(self, label, totals):
        """A last row: ``label`` then, in each column of ``totals`` (index: total),
        a SUM formula of the column above (with the total as its cached result,
        for the readers that do not recalculate)."""
        styles = self.pack.styles
        self.sheet.write_string(self.row, 0, label, styles["total_text"])
        for col, value in totals.items():
            style = styles[f"total_{self.columns[col][2]}"]
            if self.row == 1:  # nothing above
                self.sheet.write_number(self.row, col, 0, style)
                continue
            letter = chr(ord("A") + col)
            self.sheet.write_formula(
                self.row, col, f"=SUM({letter}2:{letter}{self.row})", style, value
            )
        self.row += 1


class StockClosePackXlsx(models.AbstractModel):
    """Print action "Close Pack (XLSX)" of a stock valuation snapshot.

    One snapshot per workbook: printing several at once is refused (the sheets of
    several months in one file would be ambiguous; print them one by one)."""

    _name = "report.marketplace_cash.stock_close_pack_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Stock Close Pack (XLSX)"

    # Excel's rows per sheet (header included); a class attribute for the tests.
    _max_rows = 1048576

    def get_workbook_options(self):
        return {"constant_memory": True}

    # ---- helpers

    def _label(self, model, fname):
        return self.env[model]._fields[fname]._description_string(self.env)

    def _selection(self, model, fname):
        return dict(self.env[model]._fields[fname]._description_selection(self.env))

    def _rows(self, model, domain, fnames):
        """The rows of ``model`` matching ``domain`` in the model's order, read a
        batch at a time, their many2one values replaced by the display names (read
        once per record, as superuser like the ORM's ``read``)."""
        Model = self.env[model]
        relations = {
            fname: Model._fields[fname].comodel_name
            for fname in fnames
            if Model._fields[fname].type == "many2one"
        }
        names = {comodel: {False: None} for comodel in relations.values()}
        for ids in split_every(BATCH, Model.search(domain).ids):
            batch = Model.browse(ids)
            rows = batch.read(fnames, load=None)
            batch.invalidate_recordset()
            for fname, comodel in relations.items():
                known = names[comodel]
                missing = {row[fname] for row in rows} - known.keys()
                if missing:
                    known.update(
                        (record["id"], record["display_name"])
                        for record in self.env[comodel]
                        .sudo()
                        .browse(missing)
                        .read(["display_name"])
                    )
                for row in rows:
                    row[fname] = known[row[fname]]
            yield from rows

    # ---- the pack

    def generate_xlsx_report(self, workbook, data, objs):
        if len(objs) != 1:
            raise UserError(
                self.env._("Print the close pack of one snapshot at a time.")
            )
        snapshot = objs
        if snapshot.state == "draft":
            raise UserError(
                self.env._(
                    "Compute %(snapshot)s before printing its close pack.",
                    snapshot=snapshot.name,
                )
            )
        pack = _Pack(
            self.env,
            workbook,
            snapshot.currency_id,
            pytz.timezone(snapshot.company_id.partner_id.tz or "UTC"),
            self._max_rows,
        )
        # In the snapshot's company: its accounts' codes.
        report = self.with_company(snapshot.company_id)
        for part in (
            report._summary,
            report._by_warehouse,
            report._by_category,
            report._lines,
            report._gl,
            report._movers,
            report._abc,
            report._dio,
            report._checklist,
        ):
            part(pack, snapshot)

    def _summary(self, pack, snapshot):
        model = snapshot._name
        values = snapshot.read(
            [
                "company_id",
                "currency_id",
                "date",
                "cutoff",
                "state",
                "valuation_total",
                "odoo_valuation",
                "gl_balance",
                "difference",
                "line_count",
                "validated_by_id",
                "validated_on",
            ]
        )[0]
        table = _Table(
            pack,
            self.env._("Summary"),
            [(self.env._("Item"), 28, "text"), (self.env._("Value"), 28, "text")],
        )
        for fname, kind in (
            ("company_id", "text"),
            ("currency_id", "text"),
            ("date", "date"),
            ("cutoff", "datetime"),
            ("timezone", "text"),
            ("state", "text"),
            ("valuation_total", "money"),
            ("odoo_valuation", "money"),
            ("gl_balance", "money"),
            ("difference", "money"),
            ("line_count", "int"),
            ("validated_by_id", "text"),
            ("validated_on", "datetime"),
        ):
            if fname == "timezone":
                label, value = self.env._("Timezone"), pack.tz.zone
            else:
                label, value = self._label(model, fname), values[fname]
            if fname == "state":
                value = self._selection(model, "state")[value]
            elif isinstance(value, tuple):
                value = value[1]
            table.add_row([label, value], kinds=["text", kind])

    def _grouped(self, pack, snapshot, title, groupby, labels):
        """Quantity and value of the lines per two keys, with a total row."""
        model = "stock.valuation.snapshot.line"
        first, second = groupby
        table = _Table(
            pack,
            title,
            [
                (self._label(model, first), 28, "text"),
                (self._label(model, second), 24, "text"),
                (self._label(model, "quantity"), 14, "qty"),
                (self._label(model, "value"), 16, "money"),
            ],
        )
        quantity_total = value_total = 0.0
        for record, key, quantity, value in self.env[model]._read_group(
            [("snapshot_id", "=", snapshot.id)],
            groupby,
            ["quantity:sum", "value:sum"],
        ):
            table.add_row(
                [record.sudo().display_name or None, labels.get(key), quantity, value]
            )
            quantity_total += quantity
            value_total += value
        table.total(self.env._("Total"), {2: quantity_total, 3: value_total})

    def _by_warehouse(self, pack, snapshot):
        self._grouped(
            pack,
            snapshot,
            self.env._("By warehouse"),
            ["warehouse_id", "location_kind"],
            self._selection("stock.valuation.snapshot.line", "location_kind"),
        )

    def _by_category(self, pack, snapshot):
        self._grouped(
            pack,
            snapshot,
            self.env._("By category"),
            ["categ_id", "costing_method"],
            self._selection("stock.valuation.snapshot.line", "costing_method"),
        )

    def _lines(self, pack, snapshot):
        model = "stock.valuation.snapshot.line"
        columns = (
            ("warehouse_id", 22, "text"),
            ("location_id", 28, "text"),
            ("location_kind", 18, "text"),
            ("product_id", 36, "text"),
            ("categ_id", 24, "text"),
            ("costing_method", 16, "text"),
            ("quantity", 12, "qty"),
            ("unit_cost", 12, "cost"),
            ("value", 14, "money"),
        )
        table = _Table(
            pack,
            self.env._("Lines"),
            [(self._label(model, f), width, kind) for f, width, kind in columns],
        )
        kinds = self._selection(model, "location_kind")
        methods = self._selection(model, "costing_method")
        for row in self._rows(
            model, [("snapshot_id", "=", snapshot.id)], [c[0] for c in columns]
        ):
            table.add_row(
                [
                    row["warehouse_id"],
                    row["location_id"],
                    kinds.get(row["location_kind"]),
                    row["product_id"],
                    row["categ_id"],
                    methods.get(row["costing_method"]),
                    row["quantity"],
                    row["unit_cost"],
                    row["value"],
                ]
            )

    def _gl(self, pack, snapshot):
        model = "stock.valuation.snapshot.gl"
        table = _Table(
            pack,
            self.env._("GL check"),
            [
                (self._label(model, "kind"), 44, "text"),
                (self._label(model, "account_id"), 32, "text"),
                (self._label(model, "categ_id"), 24, "text"),
                (self._label(model, "amount"), 16, "money"),
                (self._label(model, "move_id"), 22, "text"),
            ],
        )
        selection = self.env[model]._fields["kind"].selection
        order = {key: index for index, (key, _label) in enumerate(selection)}
        kinds = self._selection(model, "kind")
        rows = list(
            self._rows(
                model,
                [("snapshot_id", "=", snapshot.id)],
                ["kind", "account_id", "categ_id", "amount", "move_id"],
            )
        )
        rows.sort(key=lambda r: (order.get(r["kind"], len(order)), r["id"]))
        for row in rows:
            table.add_row(
                [
                    kinds.get(row["kind"]),
                    row["account_id"],
                    row["categ_id"],
                    row["amount"],
                    row["move_id"],
                ]
            )

    def _movers(self, pack, snapshot):
        model = "stock.valuation.snapshot.mover"
        columns = (
            ("warehouse_id", 22, "text"),
            ("product_id", 36, "text"),
            ("categ_id", 24, "text"),
            ("quantity", 12, "qty"),
            ("value", 14, "money"),
            ("last_receipt", 17, "datetime"),
            ("last_delivery", 17, "datetime"),
            ("days_idle", 12, "int"),
            ("ageing", 10, "text"),
            ("abc_class", 6, "text"),
            ("consumed_qty", 12, "qty"),
            ("consumed_value", 14, "money"),
            ("cover_days", 10, "days"),
            ("overstock_qty", 12, "qty"),
            ("overstock_value", 14, "money"),
        )
        table = _Table(
            pack,
            self.env._("Slow movers"),
            [(self._label(model, f), width, kind) for f, width, kind in columns],
        )
        ageing = self._selection(model, "ageing")
        oldest = self.env[model]._fields["ageing"].selection[-1][0]
        for row in self._rows(
            model, [("snapshot_id", "=", snapshot.id)], [c[0] for c in columns]
        ):
            # The ORM reads the empty numbers as 0: never moved (the oldest bucket
            # with no days) and no consumption (no cover) are left blank.
            never_moved = row["ageing"] == oldest and not row["days_idle"]
            table.add_row(
                [
                    row["warehouse_id"],
                    row["product_id"],
                    row["categ_id"],
                    row["quantity"],
                    row["value"],
                    row["last_receipt"],
                    row["last_delivery"],
                    None if never_moved else row["days_idle"],
                    ageing.get(row["ageing"]),
                    row["abc_class"],
                    row["consumed_qty"],
                    row["consumed_value"],
                    row["cover_days"] if row["consumed_qty"] > 0 else None,
                    row["overstock_qty"],
                    row["overstock_value"],
                ]
            )

    def _abc(self, pack, snapshot):
        model = "stock.valuation.snapshot.mover"
        table = _Table(
            pack,
            self.env._("ABC"),
            [
                (self._label(model, "warehouse_id"), 22, "text"),
                (self._label(model, "abc_class"), 8, "text"),
                (self.env._("Products"), 10, "int"),
                (self._label(model, "consumed_value"), 16, "money"),
                (self.env._("Stock Value"), 16, "money"),
            ],
        )
        totals = [0, 0.0, 0.0]
        for warehouse, abc, count, consumed, value in self.env[model]._read_group(
            [("snapshot_id", "=", snapshot.id)],
            ["warehouse_id", "abc_class"],
            ["__count", "consumed_value:sum", "value:sum"],
        ):
            table.add_row(
                [warehouse.sudo().display_name or None, abc, count, consumed, value]
            )
            totals = [totals[0] + count, totals[1] + consumed, totals[2] + value]
        table.total(self.env._("Total"), dict(zip((2, 3, 4), totals, strict=True)))

    def _dio(self, pack, snapshot):
        model = "stock.valuation.snapshot.dio"
        table = _Table(
            pack,
            self.env._("DIO"),
            [
                (self._label(model, "warehouse_id"), 22, "text"),
                (self._label(model, "categ_id"), 28, "text"),
                (self._label(model, "value"), 16, "money"),
                (self._label(model, "cogs"), 18, "money"),
                (self._label(model, "dio"), 10, "days"),
            ],
        )
        for row in self._rows(
            model,
            [("snapshot_id", "=", snapshot.id)],
            ["warehouse_id", "categ_id", "value", "cogs", "dio"],
        ):
            table.add_row(
                [
                    row["warehouse_id"],
                    row["categ_id"],
                    row["value"],
                    row["cogs"],
                    # No cost of goods delivered: no DIO (read as 0 by the ORM).
                    row["dio"] if row["cogs"] > 0 else None,
                ]
            )

    def _checklist(self, pack, snapshot):
        model = "stock.valuation.snapshot.check"
        table = _Table(
            pack,
            self.env._("Checklist"),
            [
                (self.env._("Check"), 48, "text"),
                (self._label(model, "status"), 16, "text"),
                (self._label(model, "count"), 10, "int"),
                (self._label(model, "amount"), 16, "money"),
            ],
        )
        statuses = self._selection(model, "status")
        for row in self._rows(
            model,
            [("snapshot_id", "=", snapshot.id)],
            ["name", "status", "count", "amount"],
        ):
            table.add_row(
                [row["name"], statuses.get(row["status"]), row["count"], row["amount"]]
            )
