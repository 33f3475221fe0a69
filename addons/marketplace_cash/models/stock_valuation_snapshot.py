# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Per-warehouse stock valuation at a date and the month-end close snapshot.

The computation is set-based: one SQL aggregate for the quantities of every product
in every valued location at the cut-off (from the done move lines), one for the
company's valuation layers at the cut-off, one for the movements per warehouse and
product (slow movers); the allocation of each product's value to its locations is
``core.valuation`` (pure Python, integer cents); lines are written with COPY.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.marketplace_connectors.models.sql_copy import copy_rows

from ..core import valuation as core

LOCATION_KINDS = [
    ("warehouse", "Warehouse"),
    ("transit", "In Transit"),
    ("other", "Internal, No Warehouse"),
]
COST_METHODS = [("standard", "Standard Price"), ("average", "AVCO"), ("fifo", "FIFO")]
CHECK_STATUSES = [
    ("ok", "OK"),
    ("warning", "To Review"),
    ("todo", "To Do"),
    ("na", "Not Applicable"),
]
GL_KINDS = [
    ("valuation", "Stock valuation"),
    ("gl", "General ledger balance"),
    ("manual_valuation", "Manual valuation category (no entries)"),
    ("manual_entry", "Journal entry posted by hand on a stock account"),
    ("after_date", "Valuation entry dated after the date or not posted"),
    ("no_entry", "Valuation layer without journal entry"),
    ("before_layer", "Entry dated before its valuation layer"),
    ("landed_cost", "Landed cost entry"),
    ("rounding", "Rounding and unexplained"),
]
PERIOD_DAYS = 365


def _d(value):
    return Decimal(str(value or 0))


class StockValuationSnapshot(models.Model):
    _name = "stock.valuation.snapshot"
    _inherit = ["mail.thread"]
    _description = "Stock Valuation Snapshot"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        ),
        help="Valued at the end of this day, in the timezone of the company's "
        "address (UTC when it has none).",
    )
    cutoff = fields.Datetime(readonly=True, help="End of the date, in UTC.")
    state = fields.Selection(
        [("draft", "Draft"), ("computed", "Computed"), ("validated", "Validated")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    abc_a = fields.Float(
        string="Class A Share",
        default=0.80,
        digits=(16, 4),
        help="Class A: the products making the first 80 % of the consumption value.",
    )
    abc_b = fields.Float(
        string="Classes A+B Share",
        default=0.95,
        digits=(16, 4),
        help="Class B: the next products up to 95 % of the consumption value.",
    )
    target_cover_days = fields.Integer(
        default=90, help="Stock above this many days of consumption is overstock."
    )
    line_ids = fields.One2many(
        "stock.valuation.snapshot.line", "snapshot_id", string="Lines", readonly=True
    )
    difference_ids = fields.One2many(
        "stock.valuation.snapshot.difference",
        "snapshot_id",
        string="Valuation Differences",
        readonly=True,
    )
    gl_ids = fields.One2many(
        "stock.valuation.snapshot.gl", "snapshot_id", string="GL Check", readonly=True
    )
    mover_ids = fields.One2many(
        "stock.valuation.snapshot.mover",
        "snapshot_id",
        string="Slow Movers",
        readonly=True,
    )
    dio_ids = fields.One2many(
        "stock.valuation.snapshot.dio", "snapshot_id", string="DIO", readonly=True
    )
    check_ids = fields.One2many(
        "stock.valuation.snapshot.check",
        "snapshot_id",
        string="Close Checklist",
        readonly=True,
    )
    valuation_total = fields.Monetary(readonly=True)
    odoo_valuation = fields.Monetary(
        readonly=True,
        help="Odoo's own company valuation at the date (its layers).",
    )
    gl_balance = fields.Monetary(string="GL Balance", readonly=True)
    difference = fields.Monetary(
        readonly=True, help="General ledger balance minus stock valuation."
    )
    line_count = fields.Integer(readonly=True)
    validated_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    validated_on = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        (
            "company_date_unique",
            "unique (company_id, date)",
            "There is already a snapshot of this company at this date.",
        )
    ]

    @api.depends("date", "company_id")
    def _compute_name(self):
        for snapshot in self:
            snapshot.name = self.env._(
                "Stock valuation %(date)s", date=snapshot.date or ""
            )

    # ---- immutability

    def write(self, vals):
        if self.filtered(lambda s: s.state == "validated") and set(vals) - set(
            self._mail_fields()
        ):
            raise UserError(
                self.env._("A validated snapshot cannot be changed: reset it first.")
            )
        return super().write(vals)

    @api.model
    def _mail_fields(self):
        """What mail.thread writes when a message is posted on the snapshot."""
        return ("message_main_attachment_id", "message_follower_ids", "message_ids")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_validated(self):
        if self.filtered(lambda s: s.state == "validated"):
            raise UserError(self.env._("A validated snapshot cannot be deleted."))

    # ---- actions

    def action_validate(self):
        """Freeze the snapshot: no write, no unlink, no recompute afterwards."""
        for snapshot in self:
            if snapshot.state != "computed":
                raise UserError(
                    self.env._("Compute %s before validating it.", snapshot.name)
                )
            snapshot.write(
                {
                    "state": "validated",
                    "validated_by_id": self.env.user.id,
                    "validated_on": fields.Datetime.now(),
                }
            )
        return True

    def action_reset(self, reason):
        """Reopen a validated snapshot: finance managers only, with a reason, kept in
        the chatter with the totals it had (the audit trail)."""
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._("Only an accounting manager can reset a snapshot.")
            )
        if not (reason or "").strip():
            raise UserError(self.env._("Say why the snapshot is reset."))
        for snapshot in self.filtered(lambda s: s.state == "validated"):
            snapshot.message_post(
                body=self.env._(
                    "Snapshot reset by %(user)s (validated by %(validator)s on "
                    "%(on)s; valuation %(value)s, GL %(gl)s, difference "
                    "%(difference)s): %(reason)s",
                    user=self.env.user.name,
                    validator=snapshot.validated_by_id.name,
                    on=snapshot.validated_on,
                    value=snapshot.valuation_total,
                    gl=snapshot.gl_balance,
                    difference=snapshot.difference,
                    reason=reason,
                )
            )
            # The only way out of "validated": this audited method, in SQL (the ORM
            # write refuses any change of a validated snapshot).
            self.env.cr.execute(
                "UPDATE stock_valuation_snapshot SET state = 'computed', "
                "validated_by_id = NULL, validated_on = NULL WHERE id = %s",
                [snapshot.id],
            )
        self.invalidate_recordset()
        return True

    @api.model
    def _cron_month_end(self):
        """On the 1st: the previous month's snapshot of every company, computed."""
        last_day = fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        for company in self.env["res.company"].search([("active", "=", True)]):
            exists = self.search_count(
                [("company_id", "=", company.id), ("date", "=", last_day)]
            )
            if not exists:
                self.create({"company_id": company.id, "date": last_day}).with_company(
                    company
                ).action_compute()

    def action_compute(self):
        for snapshot in self:
            if snapshot.state == "validated":
                raise UserError(
                    self.env._(
                        "%s is validated: it cannot be recomputed.", snapshot.name
                    )
                )
            snapshot._compute_snapshot()
        return True

    # ---- the computation

    def _cutoff(self):
        """End of the snapshot's date in the company's timezone, as naive UTC."""
        tz = pytz.timezone(self.company_id.partner_id.tz or "UTC")
        local_end = tz.localize(datetime.combine(self.date + timedelta(days=1), time()))
        return local_end.astimezone(pytz.utc).replace(tzinfo=None)

    def _compute_snapshot(self):
        self.ensure_one()
        cutoff = self._cutoff()
        for model in (
            "stock.move.line",
            "stock.valuation.layer",
            "stock.location",
            "account.move.line",
        ):
            self.env[model].flush_model()
        for table in (
            "stock_valuation_snapshot_line",
            "stock_valuation_snapshot_difference",
            "stock_valuation_snapshot_gl",
            "stock_valuation_snapshot_mover",
            "stock_valuation_snapshot_dio",
            "stock_valuation_snapshot_check",
        ):
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE snapshot_id = %s",
                    SQL.identifier(table),
                    self.id,
                )
            )
        locations = self._valued_locations()
        cells = self._cells(cutoff, locations)
        layers = self._layers(cutoff)
        products = self._product_info({cell.product_id for cell in cells} | set(layers))
        missing = {p for p, layer in layers.items() if not layer.quantity} | (
            {cell.product_id for cell in cells} - set(layers)
        )
        fallback = self._fallback_costs(missing)
        core_layers = [
            core.Layers(
                product_id,
                layer.quantity,
                layer.value,
                fallback.get(product_id, Decimal(0)),
            )
            for product_id, layer in layers.items()
        ] + [
            core.Layers(product_id, Decimal(0), Decimal(0), fallback.get(product_id))
            for product_id in {cell.product_id for cell in cells} - set(layers)
            if fallback.get(product_id)
        ]
        places = self.currency_id.decimal_places
        valued, differences = core.value_cells(cells, core_layers, places)
        self._write_lines(valued, locations, products)
        self._write_differences(differences)
        valuation_total = sum((cell.value for cell in valued), Decimal(0))
        odoo_valuation = sum((layer.value for layer in layers.values()), Decimal(0))
        self._compute_movers(cutoff, valued, locations, products, layers)
        gl_balance = self._compute_gl(cutoff, layers, products)
        self.write(
            {
                "state": "computed",
                "cutoff": cutoff,
                "valuation_total": float(valuation_total),
                "odoo_valuation": float(odoo_valuation),
                "gl_balance": float(gl_balance),
                "difference": float(gl_balance - odoo_valuation),
                "line_count": len(valued),
            }
        )
        self._compute_checklist(cutoff)
        self.invalidate_recordset()

    def _valued_locations(self):
        """{location id: (warehouse id or None, kind)} of the company's valued
        locations (internal, and transit of the company), as Odoo values them."""
        self.env.cr.execute(
            """
            SELECT id, warehouse_id, usage
              FROM stock_location
             WHERE company_id = %s AND usage IN ('internal', 'transit')
            """,
            [self.company_id.id],
        )
        return {
            loc_id: (
                warehouse_id if usage == "internal" else None,
                "transit"
                if usage == "transit"
                else ("warehouse" if warehouse_id else "other"),
            )
            for loc_id, warehouse_id, usage in self.env.cr.fetchall()
        }

    def _cells(self, cutoff, locations):
        """Quantity of every storable product in every valued location at
        ``cutoff``: done move lines in, minus out, owners' stock excluded (Odoo
        does not value it)."""
        self.env.cr.execute(
            """
            SELECT v.product_id, v.location_id, sum(v.qty)
              FROM stock_move_line ml
              JOIN product_product pp ON pp.id = ml.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              CROSS JOIN LATERAL (VALUES
                  (ml.product_id, ml.location_dest_id, ml.quantity_product_uom),
                  (ml.product_id, ml.location_id, -ml.quantity_product_uom)
              ) AS v(product_id, location_id, qty)
             WHERE ml.state = 'done' AND ml.company_id = %s AND ml.date < %s
               AND pt.is_storable
               AND (ml.owner_id IS NULL OR ml.owner_id = %s)
               AND v.location_id = ANY(%s)
             GROUP BY v.product_id, v.location_id
            HAVING sum(v.qty) <> 0
            """,
            [
                self.company_id.id,
                cutoff,
                self.company_id.partner_id.id,
                list(locations),
            ],
        )
        return [
            core.Cell(product_id, location_id, _d(qty))
            for product_id, location_id, qty in self.env.cr.fetchall()
        ]

    def _layers(self, cutoff):
        """{product id: Layers}: the company's valuation at ``cutoff``, as Odoo's
        ``value_svl`` with ``to_date`` sums it."""
        places = self.currency_id.decimal_places  # before the query: it reads
        self.env.cr.execute(
            """
            SELECT product_id, sum(quantity), sum(value)
              FROM stock_valuation_layer
             WHERE company_id = %s AND create_date < %s
             GROUP BY product_id
            """,
            [self.company_id.id, cutoff],
        )
        return {
            product_id: core.Layers(product_id, _d(qty), _d(round(value or 0, places)))
            for product_id, qty, value in self.env.cr.fetchall()
        }

    def _product_info(self, product_ids):
        """{product id: (category id, cost method, valuation, valuation account)}."""
        self.env.cr.execute(
            """
            SELECT pp.id, pt.categ_id
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pp.id = ANY(%s)
            """,
            [list(product_ids)],
        )
        by_product = dict(self.env.cr.fetchall())
        categories = (
            self.env["product.category"]
            .with_company(self.company_id)
            .browse(set(by_product.values()))
        )
        per_category = {
            categ.id: (
                categ.id,
                categ.property_cost_method,
                categ.property_valuation,
                categ.property_stock_valuation_account_id.id or None,
            )
            for categ in categories
        }
        return {
            product_id: per_category[categ_id]
            for product_id, categ_id in by_product.items()
        }

    def _fallback_costs(self, product_ids):
        """Current cost of the products that have stock but no valued quantity."""
        products = (
            self.env["product.product"]
            .with_company(self.company_id)
            .browse(product_ids)
        )
        return {product.id: _d(product.standard_price) for product in products}

    def _copy(self, table, columns, rows):
        """Write ``rows`` into ``table`` with COPY (a snapshot has up to a million
        lines)."""
        copy_rows(self.env.cr, table, columns, rows)

    def _write_lines(self, valued, locations, products):
        company = self.company_id.id
        self._copy(
            "stock_valuation_snapshot_line",
            (
                "snapshot_id",
                "company_id",
                "warehouse_id",
                "location_id",
                "location_kind",
                "product_id",
                "categ_id",
                "costing_method",
                "quantity",
                "unit_cost",
                "value",
            ),
            (
                (
                    self.id,
                    company,
                    locations[cell.location_id][0],
                    cell.location_id,
                    locations[cell.location_id][1],
                    cell.product_id,
                    products[cell.product_id][0],
                    products[cell.product_id][1],
                    cell.quantity,
                    cell.unit_cost,
                    cell.value,
                )
                for cell in valued
            ),
        )

    def _write_differences(self, differences):
        self._copy(
            "stock_valuation_snapshot_difference",
            ("snapshot_id", "company_id", "product_id", "reason", "quantity", "value"),
            (
                (
                    self.id,
                    self.company_id.id,
                    diff.product_id,
                    diff.reason,
                    diff.quantity,
                    diff.value,
                )
                for diff in differences
            ),
        )

    # ---- slow movers, ABC, cover, DIO

    def _movements(self, cutoff):
        """Per (warehouse, product): last receipt into the warehouse (from outside
        it), last delivery to a customer, last movement in or out of it, and the
        quantity delivered to customers net of their returns over the last year."""
        since = cutoff - timedelta(days=PERIOD_DAYS)
        self.env.cr.execute(
            """
            SELECT side.warehouse_id, ml.product_id,
                   max(ml.date) FILTER (WHERE side.inbound),
                   max(ml.date) FILTER (WHERE NOT side.inbound
                                        AND side.other_usage = 'customer'),
                   max(ml.date),
                   coalesce(sum(CASE WHEN side.other_usage = 'customer'
                                      AND ml.date >= %(since)s
                                     THEN CASE WHEN side.inbound
                                               THEN -ml.quantity_product_uom
                                               ELSE ml.quantity_product_uom END
                                END), 0)
              FROM stock_move_line ml
              JOIN stock_location src ON src.id = ml.location_id
              JOIN stock_location dst ON dst.id = ml.location_dest_id
              CROSS JOIN LATERAL (VALUES
                  (dst.warehouse_id, true, src.warehouse_id, src.usage),
                  (src.warehouse_id, false, dst.warehouse_id, dst.usage)
              ) AS side(warehouse_id, inbound, other_warehouse_id, other_usage)
             WHERE ml.state = 'done' AND ml.company_id = %(company)s
               AND ml.date < %(cutoff)s
               AND side.warehouse_id IS NOT NULL
               AND side.other_warehouse_id IS DISTINCT FROM side.warehouse_id
             GROUP BY side.warehouse_id, ml.product_id
            """,
            {"company": self.company_id.id, "cutoff": cutoff, "since": since},
        )
        return {
            (warehouse_id, product_id): rest
            for warehouse_id, product_id, *rest in self.env.cr.fetchall()
        }

    def _delivered_cost(self, cutoff):
        """{(warehouse, product): cost of the goods delivered to customers from
        the warehouse over the year before ``cutoff``, net of the customers'
        returns into it}: the value of their valuation layers (FIFO, AVCO or
        standard as they were booked)."""
        self.env.cr.execute(
            """
            SELECT side.warehouse_id, m.product_id, -sum(v.value)
              FROM stock_move m
              JOIN stock_valuation_layer v ON v.stock_move_id = m.id
              JOIN stock_location src ON src.id = m.location_id
              JOIN stock_location dst ON dst.id = m.location_dest_id
              CROSS JOIN LATERAL (VALUES
                  (src.warehouse_id, dst.usage),
                  (dst.warehouse_id, src.usage)
              ) AS side(warehouse_id, other_usage)
             WHERE m.state = 'done' AND m.company_id = %s
               AND v.create_date < %s AND v.create_date >= %s
               AND side.warehouse_id IS NOT NULL AND side.other_usage = 'customer'
             GROUP BY side.warehouse_id, m.product_id
            """,
            [self.company_id.id, cutoff, cutoff - timedelta(days=PERIOD_DAYS)],
        )
        return {
            (warehouse_id, product_id): _d(value)
            for warehouse_id, product_id, value in self.env.cr.fetchall()
        }

    def _compute_movers(self, cutoff, valued, locations, products, layers):
        on_hand = defaultdict(lambda: [Decimal(0), Decimal(0)])
        # The company's unit cost of each product at the date (its layers).
        company_cost = {
            product_id: layer.value / layer.quantity
            for product_id, layer in layers.items()
            if layer.quantity
        }
        for cell in valued:
            warehouse_id = locations[cell.location_id][0]
            if warehouse_id is None:
                continue
            entry = on_hand[(warehouse_id, cell.product_id)]
            entry[0] += cell.quantity
            entry[1] += cell.value
        movements = self._movements(cutoff)
        delivered_cost = self._delivered_cost(cutoff)
        keys = set(on_hand) | {
            key for key, rest in movements.items() if rest[3] and key[1] in products
        }
        missing = {key[1] for key in keys} - set(products)
        products = {**products, **self._product_info(missing)} if missing else products
        fallback = self._fallback_costs({key[1] for key in keys} - set(company_cost))
        target = Decimal(self.target_cover_days)
        # Half up, to the currency's decimals (as the core and Odoo round); the
        # quantum read once, not per (warehouse, product).
        quantum = Decimal(1).scaleb(-self.currency_id.decimal_places)
        rows, consumption = [], defaultdict(dict)
        for key in keys:
            warehouse_id, product_id = key
            quantity, value = on_hand.get(key, (Decimal(0), Decimal(0)))
            receipt, delivery, last, consumed = movements.get(
                key, (None, None, None, 0)
            )
            consumed = _d(consumed)
            unit_cost = _d(company_cost.get(product_id, fallback.get(product_id, 0)))
            consumed_value = delivered_cost.get(key, Decimal(0)).quantize(
                quantum, ROUND_HALF_UP
            )
            consumption[warehouse_id][product_id] = max(consumed_value, Decimal(0))
            days = (cutoff - last).days if last else None
            cover = core.cover_days(quantity, consumed, PERIOD_DAYS)
            over = core.overstock(quantity, consumed, PERIOD_DAYS, target)
            rows.append(
                [
                    warehouse_id,
                    product_id,
                    products[product_id][0],
                    quantity,
                    value,
                    receipt,
                    delivery,
                    last,
                    days,
                    core.ageing_bucket(days),
                    consumed,
                    consumed_value,
                    cover,
                    over,
                    (over * unit_cost).quantize(quantum, ROUND_HALF_UP),
                ]
            )
        classes = {}
        a, b = _d(self.abc_a), _d(self.abc_b)
        for warehouse_id, values in consumption.items():
            for product_id, abc in core.abc_classes(values, a, b).items():
                classes[(warehouse_id, product_id)] = abc
        self._copy(
            "stock_valuation_snapshot_mover",
            (
                "snapshot_id",
                "company_id",
                "warehouse_id",
                "product_id",
                "categ_id",
                "quantity",
                "value",
                "last_receipt",
                "last_delivery",
                "last_move",
                "days_idle",
                "ageing",
                "consumed_qty",
                "consumed_value",
                "cover_days",
                "overstock_qty",
                "overstock_value",
                "abc_class",
            ),
            (
                (self.id, self.company_id.id, *row, classes[(row[0], row[1])])
                for row in rows
            ),
        )
        dio = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for row in rows:
            entry = dio[(row[0], row[2])]
            entry[0] += row[4]
            entry[1] += row[11]
        self._copy(
            "stock_valuation_snapshot_dio",
            (
                "snapshot_id",
                "company_id",
                "warehouse_id",
                "categ_id",
                "value",
                "cogs",
                "dio",
            ),
            (
                (
                    self.id,
                    self.company_id.id,
                    warehouse_id,
                    categ_id,
                    value,
                    cogs,
                    core.dio(value, cogs, PERIOD_DAYS),
                )
                for (warehouse_id, categ_id), (value, cogs) in dio.items()
            ),
        )

    # ---- close checklist

    def _checklist_items(self, cutoff):
        """(code, name, model, domain, amount field or None) of the checks."""
        company = self.company_id.id
        first = self.date.replace(day=1)
        cutoff = fields.Datetime.to_string(cutoff)
        items = [
            (
                "draft_entries",
                self.env._("Journal entries not posted in the period"),
                "account.move",
                [
                    ("company_id", "=", company),
                    ("state", "=", "draft"),
                    ("date", ">=", first),
                    ("date", "<=", self.date),
                ],
                "amount_total_signed",
            ),
            (
                "bank_lines",
                self.env._("Bank statement lines not reconciled"),
                "account.bank.statement.line",
                [
                    ("company_id", "=", company),
                    ("is_reconciled", "=", False),
                    ("date", "<=", self.date),
                ],
                "amount",
            ),
            (
                "payouts_unposted",
                self.env._("Marketplace payouts not posted"),
                "marketplace.payout",
                [
                    ("company_id", "=", company),
                    ("state", "=", "draft"),
                    ("date_end", "<", cutoff),
                ],
                "amount_computed",
            ),
            (
                "payouts_unreconciled",
                self.env._("Marketplace payouts not matched to the bank"),
                "marketplace.payout",
                [
                    ("company_id", "=", company),
                    ("state", "=", "posted"),
                    ("date_end", "<", cutoff),
                ],
                "amount_computed",
            ),
            (
                "negative_stock",
                self.env._("Negative stock"),
                "stock.valuation.snapshot.line",
                [("snapshot_id", "=", self.id), ("quantity", "<", 0)],
                "value",
            ),
            (
                "not_invoiced",
                self.env._("Deliveries not yet invoiced"),
                "sale.order",
                [
                    ("company_id", "=", company),
                    ("invoice_status", "=", "to invoice"),
                    ("effective_date", "<", cutoff),
                ],
                None,
            ),
        ]
        if "purchase.order" in self.env:
            items.append(
                (
                    "not_billed",
                    self.env._("Receipts not yet billed"),
                    "purchase.order",
                    [
                        ("company_id", "=", company),
                        ("invoice_status", "=", "to invoice"),
                        ("effective_date", "<", cutoff),
                    ],
                    None,
                )
            )
        return items

    def _compute_checklist(self, cutoff):
        """One line per check: OK when nothing is found, to do otherwise; the
        valuation difference is to review when not zero. Counted as superuser: the
        closer checks the whole company, not only what their groups show."""
        vals_list = []
        marketplace = bool(
            self.env["marketplace.payout"]
            .sudo()
            .search_count([("company_id", "=", self.company_id.id)], limit=1)
        )
        for code, name, model, domain, amount_field in self._checklist_items(cutoff):
            if code.startswith("payouts") and not marketplace:
                vals_list.append(
                    {"code": code, "name": name, "status": "na", "res_model": model}
                )
                continue
            Model = self.env[model].sudo()
            records = Model.search(domain)
            amount = (
                sum(abs(v) for v in records.mapped(amount_field)) if amount_field else 0
            )
            vals_list.append(
                {
                    "code": code,
                    "name": name,
                    "status": "todo" if records else "ok",
                    "count": len(records),
                    "amount": amount,
                    "res_model": model,
                    "domain": repr(domain),
                }
            )
        vals_list.append(
            {
                "code": "gl_difference",
                "name": self.env._("Stock valuation against the general ledger"),
                "status": "warning"
                if self.currency_id.compare_amounts(self.difference, 0)
                else "ok",
                "amount": self.difference,
                "res_model": "stock.valuation.snapshot.gl",
                "domain": repr([("snapshot_id", "=", self.id)]),
            }
        )
        self.invalidate_recordset(["difference_ids"])
        differences = self.difference_ids
        vals_list.append(
            {
                "code": "valuation_differences",
                "name": self.env._(
                    "Stock on hand against Odoo's valuation (valuation differences)"
                ),
                "status": "warning" if differences else "ok",
                "count": len(differences),
                "amount": sum(differences.mapped("value")),
                "res_model": "stock.valuation.snapshot.difference",
                "domain": repr([("snapshot_id", "=", self.id)]),
            }
        )
        self.env["stock.valuation.snapshot.check"].sudo().with_context(
            snapshot_compute=True
        )._create_rows(self, vals_list)

    # ---- valuation against the general ledger

    def _compute_gl(self, cutoff, layers, products):
        """Write the GL check lines; return the ledger balance of the stock
        valuation accounts at the date."""
        company = self.company_id
        categories = (
            self.env["product.category"]
            .with_company(company)
            .browse({info[0] for info in products.values()})
        )
        accounts = categories.property_stock_valuation_account_id
        rows = []  # (kind, account, category, amount, model, res_id, note)
        per_key = defaultdict(Decimal)
        for product_id, layer in layers.items():
            categ_id, _method, valuation, account_id = products[product_id]
            per_key[("valuation", account_id, categ_id)] += layer.value
            if valuation == "manual_periodic":
                # No entries are booked for these layers: their value is missing
                # from the ledger.
                per_key[("manual_valuation", account_id, categ_id)] -= layer.value
        for (kind, account_id, categ_id), amount in per_key.items():
            if amount or kind == "valuation":
                rows.append((kind, account_id, categ_id, amount))
        self.env.cr.execute(
            """
            SELECT account_id, coalesce(sum(balance), 0)
              FROM account_move_line
             WHERE company_id = %s AND account_id = ANY(%s)
               AND parent_state = 'posted' AND date <= %s
             GROUP BY account_id
            """,
            [company.id, accounts.ids, self.date],
        )
        gl_balance = Decimal(0)
        for account_id, balance in self.env.cr.fetchall():
            rows.append(("gl", account_id, None, _d(balance)))
            gl_balance += _d(balance)
        automated = categories.filtered(lambda c: c.property_valuation == "real_time")
        rows += self._gl_causes(cutoff, accounts, automated)
        valuation = sum((layer.value for layer in layers.values()), Decimal(0))
        explained = sum(
            (row[3] for row in rows if row[0] not in ("valuation", "gl", "rounding")),
            Decimal(0),
        )
        rest = gl_balance - valuation - explained
        if rest:
            rows.append(("rounding", None, None, rest))
        self._copy(
            "stock_valuation_snapshot_gl",
            (
                "snapshot_id",
                "company_id",
                "kind",
                "account_id",
                "categ_id",
                "amount",
                "move_id",
                "layer_id",
            ),
            (
                (
                    self.id,
                    company.id,
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    row[4] if len(row) > 4 else None,
                    row[5] if len(row) > 5 else None,
                )
                for row in rows
            ),
        )
        return gl_balance

    def _gl_causes(self, cutoff, accounts, automated):
        """The itemized reasons why the ledger and the valuation differ, each with
        the record to open: signed as their effect on ``GL - valuation``."""
        company = self.company_id.id
        landed = "stock.landed.cost" in self.env
        # Only layers of automated (real-time) categories are expected in the ledger.
        rows = []
        # Entries posted on a valuation account, dated up to the date, that no
        # valuation layer produced: manual entries (or landed costs).
        self.env.cr.execute(
            SQL(
                """
                SELECT am.id, aml.account_id, sum(aml.balance), %(landed)s
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE aml.company_id = %(company)s
                   AND aml.account_id = ANY(%(accounts)s)
                   AND aml.parent_state = 'posted' AND aml.date <= %(date)s
                   AND am.stock_move_id IS NULL
                   AND NOT EXISTS (SELECT 1 FROM stock_valuation_layer v
                                    WHERE v.account_move_id = am.id)
                 GROUP BY am.id, aml.account_id
                """,
                landed=SQL(
                    "EXISTS (SELECT 1 FROM stock_landed_cost lc "
                    "WHERE lc.account_move_id = am.id)"
                )
                if landed
                else SQL("false"),
                company=company,
                accounts=accounts.ids,
                date=self.date,
            )
        )
        for move_id, account_id, amount, is_landed in self.env.cr.fetchall():
            kind = "landed_cost" if is_landed else "manual_entry"
            rows.append((kind, account_id, None, _d(amount), move_id, None))
        # Layers of automated categories counted at the cut-off whose entry is
        # missing, not posted, or dated after the date.
        self.env.cr.execute(
            """
            SELECT v.id, v.account_move_id, v.value,
                   am.id IS NULL, am.state = 'posted' AND am.date <= %(date)s
              FROM stock_valuation_layer v
              JOIN product_product pp ON pp.id = v.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN account_move am ON am.id = v.account_move_id
             WHERE v.company_id = %(company)s AND v.create_date < %(cutoff)s
               AND v.value <> 0 AND pt.categ_id = ANY(%(automated)s)
               AND (am.id IS NULL OR am.state <> 'posted' OR am.date > %(date)s)
            """,
            {
                "company": company,
                "cutoff": cutoff,
                "date": self.date,
                "automated": automated.ids,
            },
        )
        for layer_id, move_id, value, no_entry, _in_period in self.env.cr.fetchall():
            kind = "no_entry" if no_entry else "after_date"
            rows.append((kind, None, None, -_d(value), move_id, layer_id))
        # Valuation entries dated up to the date for layers created after it.
        self.env.cr.execute(
            """
            SELECT v.id, am.id, aml.account_id, sum(aml.balance)
              FROM stock_valuation_layer v
              JOIN account_move am ON am.id = v.account_move_id
              JOIN account_move_line aml ON aml.move_id = am.id
             WHERE v.company_id = %(company)s AND v.create_date >= %(cutoff)s
               AND am.state = 'posted' AND am.date <= %(date)s
               AND aml.account_id = ANY(%(accounts)s)
             GROUP BY v.id, am.id, aml.account_id
            """,
            {
                "company": company,
                "cutoff": cutoff,
                "date": self.date,
                "accounts": accounts.ids,
            },
        )
        for layer_id, move_id, account_id, amount in self.env.cr.fetchall():
            rows.append(
                ("before_layer", account_id, None, _d(amount), move_id, layer_id)
            )
        return rows


class StockValuationSnapshotChild(models.AbstractModel):
    """The rows a snapshot computes (written in SQL by its computation): nobody,
    superuser included, changes or deletes them once the snapshot is validated."""

    _name = "stock.valuation.snapshot.child"
    _description = "Stock Valuation Snapshot Row"

    snapshot_id = fields.Many2one(
        "stock.valuation.snapshot", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")

    def _check_open(self, snapshots):
        if snapshots.filtered(lambda s: s.state == "validated"):
            raise AccessError(
                self.env._(
                    "%s rows of a validated snapshot cannot be changed.",
                    self._description,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_open(
            self.env["stock.valuation.snapshot"].browse(
                {vals.get("snapshot_id") for vals in vals_list}
            )
        )
        return super().create(vals_list)

    def write(self, vals):
        self._check_open(self.snapshot_id)
        return super().write(vals)

    def unlink(self):
        self._check_open(self.snapshot_id)
        return super().unlink()


class StockValuationSnapshotLine(models.Model):
    _inherit = "stock.valuation.snapshot.child"
    _name = "stock.valuation.snapshot.line"
    _description = "Stock Valuation Snapshot Line"
    _order = "warehouse_id, location_id, product_id"
    _log_access = False

    date = fields.Date(related="snapshot_id.date")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, index=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    location_kind = fields.Selection(LOCATION_KINDS, readonly=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    costing_method = fields.Selection(COST_METHODS, readonly=True)
    quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    unit_cost = fields.Float(digits=(16, 4), readonly=True, aggregator=None)
    value = fields.Monetary(readonly=True)


class StockValuationSnapshotDifference(models.Model):
    _inherit = "stock.valuation.snapshot.child"
    _name = "stock.valuation.snapshot.difference"
    _description = "Stock Valuation Difference"
    _log_access = False

    product_id = fields.Many2one("product.product", readonly=True)
    reason = fields.Selection(
        [
            (
                "quantity_mismatch",
                "Stock on hand differs from the valued quantity",
            ),
            ("value_without_quantity", "Value left without quantity"),
        ],
        readonly=True,
    )
    quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    value = fields.Monetary(readonly=True)


class StockValuationSnapshotGl(models.Model):
    _inherit = "stock.valuation.snapshot.child"
    _name = "stock.valuation.snapshot.gl"
    _description = "Stock Valuation against the General Ledger"
    _order = "kind, account_id, id"
    _log_access = False

    kind = fields.Selection(GL_KINDS, readonly=True)
    account_id = fields.Many2one("account.account", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    amount = fields.Monetary(
        readonly=True,
        help="Valuation and ledger lines: their amount; causes: their effect on "
        "the difference (ledger minus valuation).",
    )
    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True)
    layer_id = fields.Many2one(
        "stock.valuation.layer", string="Valuation Layer", readonly=True
    )

    def action_open(self):
        """Drill down to the record behind the line."""
        self.ensure_one()
        record = self.move_id or self.layer_id
        if not record:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
        }


class StockValuationSnapshotMover(models.Model):
    _inherit = "stock.valuation.snapshot.child"
    _name = "stock.valuation.snapshot.mover"
    _description = "Slow Mover"
    _order = "days_idle desc, value desc"
    _log_access = False

    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    value = fields.Monetary(readonly=True)
    last_receipt = fields.Datetime(readonly=True)
    last_delivery = fields.Datetime(readonly=True)
    last_move = fields.Datetime(
        string="Last Movement", readonly=True, help="Empty: never moved."
    )
    days_idle = fields.Integer(
        string="Days Without Movement",
        readonly=True,
        aggregator="max",
        help="Days since the product last came in or went out of the warehouse "
        "(empty: never).",
    )
    ageing = fields.Selection(
        [(bucket, bucket) for bucket in core.AGEING_BUCKETS], readonly=True
    )
    consumed_qty = fields.Float(
        string="Delivered (12 Months)",
        digits="Product Unit of Measure",
        readonly=True,
        help="Delivered to customers over the 365 days before the date, net of "
        "their returns.",
    )
    consumed_value = fields.Monetary(string="Consumption Value", readonly=True)
    abc_class = fields.Selection(
        [("A", "A"), ("B", "B"), ("C", "C")], string="ABC", readonly=True
    )
    cover_days = fields.Float(digits=(16, 1), readonly=True, aggregator=None)
    overstock_qty = fields.Float(
        string="Overstock", digits="Product Unit of Measure", readonly=True
    )
    overstock_value = fields.Monetary(readonly=True)


class StockValuationSnapshotDio(models.Model):
    _inherit = "stock.valuation.snapshot.child"
    _name = "stock.valuation.snapshot.dio"
    _description = "Days Inventory Outstanding"
    _order = "warehouse_id, categ_id"
    _log_access = False

    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    value = fields.Monetary(string="Stock Value", readonly=True)
    cogs = fields.Monetary(string="Cost of Goods Delivered (12 Months)", readonly=True)
    dio = fields.Float(
        string="DIO (Days)",
        digits=(16, 1),
        readonly=True,
        aggregator=None,
        help="Stock value / cost of the goods delivered over 365 days x 365.",
    )


class StockValuationSnapshotCheck(models.Model):
    _inherit = "stock.valuation.snapshot.child"
    _name = "stock.valuation.snapshot.check"
    _description = "Month-End Close Check"
    _order = "snapshot_id, sequence, id"
    _log_access = False

    sequence = fields.Integer(readonly=True)
    code = fields.Char(readonly=True)
    name = fields.Char(readonly=True)
    status = fields.Selection(CHECK_STATUSES, readonly=True)
    count = fields.Integer(readonly=True)
    amount = fields.Monetary(readonly=True)
    res_model = fields.Char(readonly=True)
    domain = fields.Char(readonly=True)

    def _create_rows(self, snapshot, vals_list):
        """The checklist of ``snapshot``, in SQL like its other rows."""
        self.env.cr.executemany(
            """
            INSERT INTO stock_valuation_snapshot_check
                (snapshot_id, company_id, sequence, code, name, status, count,
                 amount, res_model, domain)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            """,
            [
                (
                    snapshot.id,
                    snapshot.company_id.id,
                    index,
                    vals["code"],
                    vals["name"],
                    vals["status"],
                    vals.get("count", 0),
                    vals.get("amount", 0),
                    vals.get("res_model"),
                    vals.get("domain"),
                )
                for index, vals in enumerate(vals_list)
            ],
        )

    def action_open(self):
        """The records behind the check."""
        self.ensure_one()
        if not self.res_model or not self.domain:
            return False
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": self.res_model,
            "domain": self.domain,
            "views": [(False, "list"), (False, "form")],
        }
