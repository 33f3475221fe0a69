# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Per-warehouse stock valuation at a date and the month-end close snapshot.

The computation is set-based and stays in the database: one aggregate over the done
move lines (quantity on hand and movements per product and location, both sides of
each line), one over the valuation layers (the company's value per product at the
cut-off), one over the deliveries' layers (cost of the goods delivered per warehouse);
then one statement each writes the lines (each product's value allocated to its
locations), the differences, the slow movers (with their ABC class) and the DIO.
The allocation and the slow-mover math are ``core.valuation``'s, written in SQL with
exact numerics (``div``, never a float): the tests run both on the same data and
compare them. The big row tables have no foreign keys (see
``stock.valuation.snapshot.child``): with them, writing a million lines took 30 s.
"""

from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import Decimal

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
COST_PLACES = 4  # decimals of the lines' unit cost
# work_mem of the statements grouping and sorting a million rows in one backend.
WORK_MEM = "256MB"
# The rows of a snapshot, deleted before it is computed again.
CHILD_TABLES = (
    "stock_valuation_snapshot_line",
    "stock_valuation_snapshot_difference",
    "stock_valuation_snapshot_gl",
    "stock_valuation_snapshot_mover",
    "stock_valuation_snapshot_dio",
    "stock_valuation_snapshot_check",
)


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
    cutoff = fields.Datetime(
        readonly=True,
        help="Last second of the date, in UTC: everything up to and including it is "
        "counted, as Odoo's valuation at that moment counts it.",
    )
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

    def unlink(self):
        snapshots = self.browse(self.ids)
        result = super().unlink()
        # The big row tables have no foreign key to cascade the deletion.
        snapshots._delete_rows()
        return result

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
        """On the 1st: the previous month's snapshot of every company, computed.
        The month is the company's, in the timezone of its snapshots' cut-off
        (not the scheduler user's): at 00:30 on Oct 1st in Paris, 22:30 UTC on
        Sep 30th, September is over there, and not yet in a company on UTC time.
        A draft snapshot at that date is computed; a computed or validated one is
        left as it is."""
        now = pytz.utc.localize(fields.Datetime.now())
        for company in self.env["res.company"].search([("active", "=", True)]):
            today = now.astimezone(self._company_tz(company)).date()
            last_day = today.replace(day=1) - timedelta(days=1)
            snapshot = self.search(
                [("company_id", "=", company.id), ("date", "=", last_day)]
            )
            if not snapshot:
                snapshot = self.create({"company_id": company.id, "date": last_day})
            if snapshot.state == "draft":
                snapshot.with_company(company).action_compute()

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

    @api.model
    def _company_tz(self, company):
        """The timezone of the company's address (UTC when it has none): its
        snapshots' dates end at midnight there."""
        return pytz.timezone(company.partner_id.tz or "UTC")

    def _cutoff(self):
        """End of the snapshot's date in the company's timezone, as naive UTC:
        the next midnight, excluded (the stored ``cutoff`` is the second before,
        included: Odoo's ``value_svl`` with ``to_date`` counts layers up to and
        including its date, so that at ``cutoff`` it is the one of the
        snapshot's date, a move of midnight the next day left out of both)."""
        tz = self._company_tz(self.company_id)
        local_end = tz.localize(datetime.combine(self.date + timedelta(days=1), time()))
        return local_end.astimezone(pytz.utc).replace(tzinfo=None)

    def _compute_snapshot(self):
        self.ensure_one()
        cutoff = self._cutoff()
        for model in (
            "stock.move.line",
            "stock.move",
            "stock.valuation.layer",
            "stock.location",
            "product.product",
            "account.move.line",
        ):
            self.env[model].flush_model()
        self._delete_rows()
        categories = self._category_info()
        with self._settings(jit="off"):
            self._aggregate_moves(cutoff)
            self._aggregate_layers(cutoff)
            self._aggregate_delivered(cutoff)
        with self._settings(jit="off", work_mem=WORK_MEM):
            valuation_total, line_count = self._write_lines(categories)
            self._write_differences()
            # Sorted groups: a hash table of a million groups of numeric sums
            # takes 0.5 GB and spills (measured: the statement 12.9 -> 11.9 s).
            with self._settings(enable_hashagg="off"):
                self._write_movers(cutoff)
            self._write_dio()
        by_category = self._layer_value_by_category()
        odoo_valuation = sum((v for v, _u in by_category.values()), Decimal(0))
        gl_balance = self._compute_gl(cutoff, by_category, categories)
        self.write(
            {
                "state": "computed",
                "cutoff": cutoff - timedelta(seconds=1),
                "valuation_total": float(valuation_total),
                "odoo_valuation": float(odoo_valuation),
                "gl_balance": float(gl_balance),
                "difference": float(gl_balance - odoo_valuation),
                "line_count": line_count,
            }
        )
        self._compute_checklist(cutoff)
        self.invalidate_recordset()

    def _delete_rows(self):
        """The rows of a previous computation (there is no foreign key to cascade
        on the big tables: see ``stock.valuation.snapshot.child``)."""
        for table in CHILD_TABLES:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM %s WHERE snapshot_id = ANY(%s)",
                    SQL.identifier(table),
                    list(self.ids),
                )
            )

    @contextmanager
    def _settings(self, **settings):
        """PostgreSQL settings for the statements of the block (the transaction's
        values, restored after): a larger ``work_mem`` for the statements that
        group, join and sort a million rows in one backend, no JIT compilation
        (0.6 s per statement here, for expressions run once per row anyway)."""
        cr = self.env.cr
        previous = {}
        for name, value in settings.items():
            cr.execute(
                "SELECT current_setting(%s), set_config(%s, %s, true)",
                [name, name, value],
            )
            previous[name] = cr.fetchone()[0]
        try:
            yield
        finally:
            for name, value in previous.items():
                cr.execute("SELECT set_config(%s, %s, true)", [name, value])

    def _temp_table(self, name, query):
        """``CREATE TEMP TABLE name AS query`` (dropped at the end of the
        transaction; PostgreSQL may scan in parallel for it)."""
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
        cr.execute(
            SQL(
                "CREATE TEMP TABLE %s ON COMMIT DROP AS %s",
                SQL.identifier(name),
                query,
            )
        )
        cr.execute(SQL("ANALYZE %s", SQL.identifier(name)))

    def _category_info(self):
        """{category id: (cost method, valuation, valuation account id)} of every
        category of a product, for the company (company-dependent properties)."""
        self.env.cr.execute("SELECT DISTINCT categ_id FROM product_template")
        categories = (
            self.env["product.category"]
            .with_company(self.company_id)
            .browse(sorted(row[0] for row in self.env.cr.fetchall() if row[0]))
        )
        return {
            categ.id: (
                categ.property_cost_method,
                categ.property_valuation,
                categ.property_stock_valuation_account_id.id or None,
            )
            for categ in categories
        }

    def _aggregate_moves(self, cutoff):
        """One pass over the done move lines before the cut-off, both sides of each:
        per product and location, the quantity on hand (owners' stock excluded:
        Odoo does not value it, and so are its movements from the slow movers'
        dates and consumption below), the last receipt from outside the location's
        warehouse, the last delivery to a customer, the last movement in or out of
        the warehouse, and the quantity delivered to customers net of their
        returns over the year before the cut-off. Locations kept: the company's
        valued ones (internal and transit) and those of a warehouse."""
        company = self.company_id
        self._temp_table(
            "mkc_svs_move",
            SQL(
                """
                SELECT s.product_id, s.location_id,
                       (l.usage IN ('internal', 'transit')
                        AND l.company_id = %(company)s) AS valued,
                       l.warehouse_id,
                       coalesce(sum(s.qty) FILTER (WHERE s.own), 0) AS qty,
                       max(s.date) FILTER (
                           WHERE s.own AND s.inbound
                             AND o.warehouse_id IS DISTINCT FROM l.warehouse_id
                       ) AS last_in,
                       max(s.date) FILTER (
                           WHERE s.own AND NOT s.inbound AND o.usage = 'customer'
                       ) AS last_out,
                       max(s.date) FILTER (
                           WHERE s.own
                             AND o.warehouse_id IS DISTINCT FROM l.warehouse_id
                       ) AS last_move,
                       coalesce(sum(-s.qty) FILTER (
                           WHERE s.own AND o.usage = 'customer'
                             AND s.date >= %(since)s
                       ), 0) AS consumed
                  FROM (
                    SELECT ml.product_id, ml.location_dest_id AS location_id,
                           ml.location_id AS other_id,
                           ml.quantity_product_uom AS qty, true AS inbound, ml.date,
                           (ml.owner_id IS NULL OR ml.owner_id = %(owner)s) AS own
                      FROM stock_move_line ml
                     WHERE ml.state = 'done' AND ml.company_id = %(company)s
                       AND ml.date < %(cutoff)s
                    UNION ALL
                    SELECT ml.product_id, ml.location_id, ml.location_dest_id,
                           -ml.quantity_product_uom, false, ml.date,
                           (ml.owner_id IS NULL OR ml.owner_id = %(owner)s)
                      FROM stock_move_line ml
                     WHERE ml.state = 'done' AND ml.company_id = %(company)s
                       AND ml.date < %(cutoff)s
                  ) s
                  JOIN stock_location l ON l.id = s.location_id
                  JOIN stock_location o ON o.id = s.other_id
                 WHERE (l.usage IN ('internal', 'transit')
                        AND l.company_id = %(company)s)
                    OR l.warehouse_id IS NOT NULL
                 GROUP BY s.product_id, s.location_id, l.usage, l.company_id,
                          l.warehouse_id
                """,
                company=company.id,
                owner=company.partner_id.id,
                cutoff=cutoff,
                since=cutoff - timedelta(days=PERIOD_DAYS),
            ),
        )

    def _aggregate_layers(self, cutoff):
        """One row per storable product (``mkc_svs_product``, the only product
        table the later statements join: one join of a million rows instead of
        three): its category, the company's valuation at the cut-off as Odoo's
        ``value_svl`` with ``to_date`` sums its layers (value in the currency's
        decimals, 0 without layers: ``layered`` false), the product's current
        cost (used when the layers leave no quantity to derive a unit cost from)
        and the value of its layers that have no journal entry (``unbooked``: the
        GL check's manual valuation, in the same pass). Consumables are left out,
        as Odoo's valuation report leaves them: Odoo writes layers for their
        receipts and deliveries, but neither keeps their stock nor books them."""
        params = self._money_params()
        self._temp_table(
            "mkc_svs_product",
            SQL(
                """
                SELECT pp.id AS product_id, pt.categ_id,
                       y.product_id IS NOT NULL AS layered,
                       coalesce(y.qty, 0) AS qty, coalesce(y.value, 0) AS value,
                       coalesce((pp.standard_price ->> %(company_key)s)::numeric,
                                %(default_cost)s) AS fallback,
                       coalesce(y.unbooked, 0) AS unbooked
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN (
                    SELECT v.product_id, sum(v.quantity) AS qty,
                           round(sum(v.value), %(places)s) AS value,
                           sum(v.value) FILTER (
                               WHERE v.account_move_id IS NULL) AS unbooked
                      FROM stock_valuation_layer v
                     WHERE v.company_id = %(company)s
                       AND v.create_date < %(cutoff)s
                     GROUP BY v.product_id
                  ) y ON y.product_id = pp.id
                 WHERE pt.is_storable
                """,
                company=self.company_id.id,
                company_key=params["company_key"],
                default_cost=params["default_cost"],
                places=self.currency_id.decimal_places,
                cutoff=cutoff,
            ),
        )

    def _aggregate_delivered(self, cutoff):
        """Per warehouse and product: cost of the goods delivered to customers
        over the year before the cut-off net of their returns, the value of their
        valuation layers (FIFO, AVCO or standard as they were booked)."""
        self._temp_table(
            "mkc_svs_delivered",
            SQL(
                """
                SELECT CASE WHEN dst.usage = 'customer' THEN src.warehouse_id
                            ELSE dst.warehouse_id END AS warehouse_id,
                       m.product_id, -sum(v.value) AS cost
                  FROM stock_move m
                  JOIN stock_location src ON src.id = m.location_id
                  JOIN stock_location dst ON dst.id = m.location_dest_id
                  JOIN stock_valuation_layer v ON v.stock_move_id = m.id
                 WHERE m.state = 'done' AND m.company_id = %(company)s
                   AND (src.usage = 'customer') <> (dst.usage = 'customer')
                   AND CASE WHEN dst.usage = 'customer' THEN src.warehouse_id
                            ELSE dst.warehouse_id END IS NOT NULL
                   AND v.create_date < %(cutoff)s AND v.create_date >= %(since)s
                 GROUP BY 1, 2
                """,
                company=self.company_id.id,
                cutoff=cutoff,
                since=cutoff - timedelta(days=PERIOD_DAYS),
            ),
        )

    def _write_lines(self, categories):
        """Value every cell (product x valued location with a quantity) at its
        product's company valuation, exactly as ``core.valuation.value_cells``
        documents it (the tests check the two against each other), in one
        statement; return (valuation total, line count).

        In integer units of the currency (U, the product's value in cents), with
        q the cell's quantity, Q the product's on hand, Lq its layers' quantity:
        Q = Lq != 0: largest remainder split of U by quantity (floors, then one
        unit to the largest remainders, ties to the lowest location id); Lq != 0
        otherwise: q x U / Lq rounded half away from zero; Lq = 0: q x the current
        cost. Divisions use div() on numerics: exact, never a float."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                WITH cell AS (
                    SELECT c.product_id, c.location_id, c.qty, y.categ_id,
                           y.qty AS lq, y.value * %(scale)s AS u, y.fallback,
                           sum(c.qty) OVER (PARTITION BY c.product_id) AS q
                      FROM mkc_svs_move c
                      JOIN mkc_svs_product y ON y.product_id = c.product_id
                     WHERE c.valued AND c.qty <> 0
                ), share AS (
                    SELECT cell.*,
                           CASE WHEN lq <> 0 AND q = lq
                                THEN u * qty * sign(q) END AS n
                      FROM cell
                    OFFSET 0  -- a fence: n is computed once, not at each use
                ), floored AS (
                    SELECT share.*,
                           div(n, abs(q)) - CASE WHEN n >= 0 THEN 0
                               WHEN mod(n, abs(q)) <> 0 THEN 1 ELSE 0 END AS fl
                      FROM share
                    OFFSET 0  -- the same for fl
                ), ranked AS (
                    SELECT floored.*, n - fl * abs(q) AS rem,
                           u - sum(fl) OVER (PARTITION BY product_id) AS left_units
                      FROM floored
                ), valued AS (
                    SELECT ranked.*,
                           CASE
                             WHEN n IS NOT NULL THEN fl + CASE
                                 WHEN row_number() OVER (
                                     PARTITION BY product_id
                                     ORDER BY rem DESC, location_id
                                 ) <= left_units THEN 1 ELSE 0 END
                             WHEN lq <> 0 THEN sign(u * qty) * sign(lq)
                                 * div(2 * abs(u * qty) + abs(lq), 2 * abs(lq))
                             ELSE round(qty * fallback * %(scale)s)
                           END AS units
                      FROM ranked
                ), inserted AS (
                    INSERT INTO stock_valuation_snapshot_line
                        (snapshot_id, company_id, warehouse_id, location_id,
                         location_kind, product_id, categ_id, costing_method,
                         quantity, unit_cost, value)
                    SELECT %(snapshot)s, %(company)s,
                           CASE WHEN l.usage = 'internal' THEN l.warehouse_id END,
                           v.location_id,
                           CASE WHEN l.usage = 'transit' THEN 'transit'
                                WHEN l.warehouse_id IS NOT NULL THEN 'warehouse'
                                ELSE 'other' END,
                           v.product_id, v.categ_id, cm.method, v.qty,
                           sign(v.units) * sign(v.qty)
                               * div(2 * abs(v.units * %(cost_scale)s) + abs(v.qty),
                                     2 * abs(v.qty)) * %(cost_unit)s,
                           v.units * %(unit)s
                      FROM valued v
                      JOIN stock_location l ON l.id = v.location_id
                      LEFT JOIN unnest(%(categ_ids)s::int[], %(methods)s::varchar[])
                           AS cm(categ_id, method) ON cm.categ_id = v.categ_id
                    RETURNING value
                )
                SELECT coalesce(sum(value), 0), count(*) FROM inserted
                """,
                **self._money_params(),
                snapshot=self.id,
                company=self.company_id.id,
                categ_ids=list(categories),
                methods=[info[0] for info in categories.values()],
            )
        )
        total, count = cr.fetchone()
        return _d(total), count

    def _money_params(self):
        """Scales of the currency (value units) and of the 4-decimal unit costs."""
        places = self.currency_id.decimal_places
        product = self.env["product.product"].with_company(self.company_id)
        default_cost = product._fields["standard_price"].get_company_dependent_fallback(
            product
        )
        return {
            "scale": 10**places,
            "unit": Decimal(1).scaleb(-places),
            "cost_scale": 10 ** (COST_PLACES - places),
            "cost_unit": Decimal(1).scaleb(-COST_PLACES),
            "company_key": str(self.company_id.id),
            "default_cost": _d(default_cost),
        }

    def _write_differences(self):
        """Per product, why the sum of its lines differs from the company
        valuation (``core.valuation.Difference``): nothing is lost, layers
        without stock included."""
        params = self._money_params()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO stock_valuation_snapshot_difference
                    (snapshot_id, company_id, product_id, reason, quantity, value)
                SELECT %(snapshot)s, %(company)s, p.product_id, p.reason,
                       p.q - p.lq, p.u * %(unit)s - p.cells
                  FROM (
                    SELECT coalesce(c.product_id, y.product_id) AS product_id,
                           coalesce(c.q, 0) AS q, coalesce(y.qty, 0) AS lq,
                           coalesce(y.value, 0) * %(scale)s AS u,
                           coalesce(c.cells, 0) AS cells,
                           CASE
                             WHEN coalesce(y.qty, 0) <> 0 THEN
                               CASE WHEN coalesce(c.q, 0) <> y.qty
                                    THEN 'quantity_mismatch' END
                             WHEN coalesce(y.value, 0) <> 0
                               THEN 'value_without_quantity'
                             WHEN coalesce(c.q, 0) <> 0 THEN 'quantity_mismatch'
                           END AS reason
                      FROM (SELECT product_id, sum(quantity) AS q,
                                   sum(value) AS cells
                              FROM stock_valuation_snapshot_line
                             WHERE snapshot_id = %(snapshot)s
                             GROUP BY product_id) c
                      FULL JOIN mkc_svs_product y ON y.product_id = c.product_id
                  ) p
                 WHERE p.reason IS NOT NULL
                """,
                snapshot=self.id,
                company=self.company_id.id,
                unit=params["unit"],
                scale=params["scale"],
            )
        )

    # ---- slow movers, ABC, cover, DIO

    def _write_movers(self, cutoff):
        """Per warehouse and product with stock in the warehouse or delivered from
        it over the year: stock and value (its lines), last receipt, delivery and
        movement, days idle and ageing bucket, consumption, cover days, overstock
        above the target cover and its value at the company's unit cost (exact,
        rounded half up once), and the
        ABC class by consumption value within the warehouse (``core.valuation``'s
        rules: cumulative share of the items before, largest first, ties by
        product id)."""
        params = self._money_params()
        self.env.cr.execute(
            SQL(
                """
                WITH lines AS (
                    SELECT warehouse_id, product_id, sum(quantity) AS qty,
                           sum(value) AS value
                      FROM stock_valuation_snapshot_line
                     WHERE snapshot_id = %(snapshot)s AND warehouse_id IS NOT NULL
                     GROUP BY warehouse_id, product_id
                ), moves AS (
                    SELECT warehouse_id, product_id, max(last_in) AS last_in,
                           max(last_out) AS last_out, max(last_move) AS last_move,
                           sum(consumed) AS consumed
                      FROM mkc_svs_move
                     WHERE warehouse_id IS NOT NULL
                     GROUP BY warehouse_id, product_id
                ), per_key AS (
                    -- a warehouse's lines are among its moves' keys (their cells);
                    -- deliveries may stand alone
                    SELECT coalesce(m.warehouse_id, d.warehouse_id) AS warehouse_id,
                           coalesce(m.product_id, d.product_id) AS product_id,
                           s.qty IS NOT NULL AS in_stock,
                           coalesce(s.qty, 0) AS qty, coalesce(s.value, 0) AS value,
                           m.last_in, m.last_out, m.last_move,
                           coalesce(m.consumed, 0) AS consumed,
                           round(coalesce(d.cost, 0), %(places)s) AS cost
                      FROM moves m
                      LEFT JOIN lines s ON s.warehouse_id = m.warehouse_id
                                       AND s.product_id = m.product_id
                      FULL JOIN mkc_svs_delivered d
                             ON d.warehouse_id = m.warehouse_id
                            AND d.product_id = m.product_id
                ), mover AS (
                    SELECT k.*, y.categ_id, greatest(k.cost, 0) AS abc_value,
                           CASE WHEN y.qty <> 0 THEN y.value ELSE y.fallback
                           END AS cost_n,
                           CASE WHEN y.qty <> 0 THEN y.qty ELSE 1 END AS cost_d,
                           %(cutoff)s::timestamp - k.last_move AS idle
                      FROM per_key k
                      -- storable products only (a warehouse's lines are)
                      JOIN mkc_svs_product y ON y.product_id = k.product_id
                     WHERE k.in_stock OR k.consumed <> 0
                ), ranked AS (
                    SELECT mover.*,
                           sum(abc_value) OVER (
                               PARTITION BY warehouse_id
                               ORDER BY abc_value DESC, product_id
                               ROWS UNBOUNDED PRECEDING
                           ) - abc_value AS before,
                           sum(abc_value) OVER (PARTITION BY warehouse_id) AS total,
                           CASE WHEN consumed > 0
                                THEN greatest(0, qty * %(period)s
                                                 - consumed * %(target)s)
                                ELSE greatest(0, qty) END AS over_n,
                           CASE WHEN consumed > 0 THEN %(period)s ELSE 1 END
                               AS over_d
                      FROM mover
                ), valued AS (
                    SELECT ranked.*,
                           CASE WHEN over_n <> 0
                                THEN over_n * cost_n * %(scale)s ELSE 0 END AS n,
                           over_d * cost_d AS d
                      FROM ranked
                    OFFSET 0  -- the same for n and d
                )
                INSERT INTO stock_valuation_snapshot_mover
                    (snapshot_id, company_id, warehouse_id, product_id, categ_id,
                     quantity, value, last_receipt, last_delivery, last_move,
                     days_idle, ageing, consumed_qty, consumed_value, cover_days,
                     overstock_qty, overstock_value, abc_class)
                SELECT %(snapshot)s, %(company)s, warehouse_id, product_id, categ_id,
                       qty, value, last_in, last_out, last_move,
                       extract(day FROM idle)::int,
                       CASE WHEN idle IS NULL THEN '365+'
                            WHEN idle < interval '31 days' THEN '0-30'
                            WHEN idle < interval '91 days' THEN '31-90'
                            WHEN idle < interval '181 days' THEN '91-180'
                            WHEN idle < interval '366 days' THEN '181-365'
                            ELSE '365+' END,
                       consumed, cost,
                       CASE WHEN consumed > 0 THEN sign(qty)
                            * div(2 * abs(qty * %(period)s * 10) + consumed,
                                  2 * consumed) / 10 END,
                       over_n / over_d,
                       CASE WHEN n = 0 THEN 0
                            ELSE sign(n) * sign(d)
                                * div(2 * abs(n) + abs(d), 2 * abs(d)) * %(unit)s
                       END,
                       CASE WHEN abc_value = 0 THEN 'C'
                            WHEN before < %(a)s * total THEN 'A'
                            WHEN before < %(b)s * total THEN 'B'
                            ELSE 'C' END
                  FROM valued
                """,
                snapshot=self.id,
                company=self.company_id.id,
                cutoff=cutoff,
                scale=params["scale"],
                unit=params["unit"],
                places=self.currency_id.decimal_places,
                target=self.target_cover_days,
                period=PERIOD_DAYS,
                a=_d(self.abc_a),
                b=_d(self.abc_b),
            )
        )

    def _write_dio(self):
        """Days inventory outstanding per warehouse and category: stock value /
        cost of the goods delivered over the year x 365 (1 decimal, half up)."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO stock_valuation_snapshot_dio
                    (snapshot_id, company_id, warehouse_id, categ_id, value, cogs,
                     dio)
                SELECT %(snapshot)s, %(company)s, warehouse_id, categ_id, value,
                       cogs,
                       CASE WHEN cogs > 0 THEN sign(value)
                            * div(2 * abs(value * %(period)s * 10) + cogs,
                                  2 * cogs) / 10 END
                  FROM (SELECT warehouse_id, categ_id, sum(value) AS value,
                               sum(consumed_value) AS cogs
                          FROM stock_valuation_snapshot_mover
                         WHERE snapshot_id = %(snapshot)s
                         GROUP BY warehouse_id, categ_id) d
                """,
                snapshot=self.id,
                company=self.company_id.id,
                period=PERIOD_DAYS,
            )
        )

    def _layer_value_by_category(self):
        """{category id: (the company's valuation at the cut-off, the part of it
        whose layers have no journal entry)} (layers, in the currency's
        decimals)."""
        self.env.cr.execute(
            """
            SELECT categ_id, sum(value), round(sum(unbooked), %s)
              FROM mkc_svs_product
             WHERE layered
             GROUP BY categ_id
            """,
            [self.currency_id.decimal_places],
        )
        return {
            categ_id: (_d(value), _d(unbooked))
            for categ_id, value, unbooked in self.env.cr.fetchall()
        }

    # ---- close checklist

    def _checklist_items(self, cutoff):
        """(code, name, model, domain, amount field or None) of the checks."""
        company = self.company_id.id
        first = self.date.replace(day=1)
        cutoff = fields.Datetime.to_string(cutoff)
        # A payout is due by the close when its period ended before the cut-off;
        # most platforms' payouts (Shopify, Stripe, eBay, PayPal, Mirakl) have no
        # period end, only a deposit date: theirs.
        payout_due = [
            "|",
            ("date_end", "<", cutoff),
            "&",
            ("date_end", "=", False),
            ("date_deposit", "<", cutoff),
        ]
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
                    *payout_due,
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
                    *payout_due,
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

    def _compute_gl(self, cutoff, by_category, categories):
        """Write the GL check lines; return the ledger balance of the stock
        valuation accounts at the date (the accounts of the categories valued at
        the date or on hand). ``by_category``: {category: (valuation, value of
        its layers without entry)} at the cut-off."""
        company = self.company_id
        self.env.cr.execute(
            "SELECT DISTINCT categ_id FROM stock_valuation_snapshot_line "
            "WHERE snapshot_id = %s",
            [self.id],
        )
        used = set(by_category) | {row[0] for row in self.env.cr.fetchall()}
        accounts = self.env["account.account"].browse(
            {categories[c][2] for c in used if c in categories and categories[c][2]}
        )
        rows = []  # (kind, account, category, amount, model, res_id, note)
        per_key = defaultdict(Decimal)
        for categ_id, (value, unbooked) in by_category.items():
            _method, valuation, account_id = categories.get(categ_id, (None,) * 3)
            per_key[("valuation", account_id, categ_id)] += value
            if valuation == "manual_periodic":
                # No entries are booked for the layers of a manual category: the
                # value of those without entry is missing from the ledger. Not the
                # whole value: a category switched to manual after the date was
                # automated then, and its layers of then were booked (Odoo keeps
                # no history of the category's valuation, its layers' entries
                # tell).
                per_key[("manual_valuation", account_id, categ_id)] -= unbooked
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
        automated = self.env["product.category"].browse(
            [c for c in used if c in categories and categories[c][1] == "real_time"]
        )
        rows += self._gl_causes(cutoff, accounts, automated)
        valuation = sum((v for v, _u in by_category.values()), Decimal(0))
        explained = sum(
            (row[3] for row in rows if row[0] not in ("valuation", "gl", "rounding")),
            Decimal(0),
        )
        rest = gl_balance - valuation - explained
        if rest:
            rows.append(("rounding", None, None, rest))
        copy_rows(
            self.env.cr,
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
        # missing, not posted, or dated after the date (storable products: a
        # consumable's layers are neither valued nor booked).
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
               AND pt.is_storable
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

    def init(self):
        """The tables of the big row models (``_auto = False``): a million lines per
        snapshot are written in one statement, and PostgreSQL checks each foreign
        key row by row (30 s for the lines alone). So these tables have none, and
        one BRIN index on the snapshot (its rows are written together): the
        products, locations and warehouses they name cannot be deleted anyway
        while stock moves use them, and deleting a snapshot deletes its rows
        (``stock.valuation.snapshot.unlink``). Columns are the fields' own types;
        a database from an earlier version loses its foreign keys and indexes."""
        super().init()
        if self._abstract or self._auto:
            return
        cr = self.env.cr
        table = SQL.identifier(self._table)
        cr.execute(SQL("CREATE TABLE IF NOT EXISTS %s (id SERIAL PRIMARY KEY)", table))
        for name, field in self._fields.items():
            if name == "id" or not field.store or not field.column_type:
                continue
            cr.execute(
                SQL(
                    "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s",
                    table,
                    SQL.identifier(name),
                    SQL(field.column_type[1]),
                )
            )
        cr.execute(SQL("ALTER TABLE %s ALTER COLUMN snapshot_id SET NOT NULL", table))
        cr.execute(
            "SELECT conname FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [self._table],
        )
        for (name,) in cr.fetchall():
            cr.execute(
                SQL("ALTER TABLE %s DROP CONSTRAINT %s", table, SQL.identifier(name))
            )
        cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s "
            "AND indexname LIKE %s",
            [self._table, self._table.replace("_", r"\_") + r"\_\_%"],
        )
        for (name,) in cr.fetchall():
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON %s USING brin (snapshot_id)",
                SQL.identifier(f"{self._table}_snapshot_brin"),
                table,
            )
        )

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
    _auto = False  # see stock.valuation.snapshot.child.init()
    _description = "Stock Valuation Snapshot Line"
    _order = "warehouse_id, location_id, product_id"
    _log_access = False

    date = fields.Date(related="snapshot_id.date")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    location_kind = fields.Selection(LOCATION_KINDS, readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
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
    _auto = False  # see stock.valuation.snapshot.child.init()
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
    _auto = False  # see stock.valuation.snapshot.child.init()
    _description = "Slow Mover"
    _order = "days_idle desc, value desc"
    _log_access = False

    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
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
    _auto = False  # see stock.valuation.snapshot.child.init()
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
