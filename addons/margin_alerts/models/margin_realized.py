# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""Realized net-net margin: what each SKU really earned, per channel, country and
month of sale, from the settled transactions and the valuation of the goods.

Two tables, refreshed incrementally (``_cron_refresh``):

- ``margin.realized.part``: the contributions of one *source* to the reporting keys
  (company, product, channel, shipping country, month of the order): a payout
  (its transactions, split by ``core.realized``) or a sale order (its cost of goods
  from the valuation layers of its delivered and returned moves). A source is
  recomputed when its signature (count and last id of its transactions or layers)
  changed; transactions not paid out yet do not count (realized = settled).
- ``margin.realized``: one row per reporting key, the sum of its parts, rewritten
  per (channel, month) touched: the pivot reads one row per key (at 1M order
  lines about 400k), not the order lines and their transactions.
"""

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.marketplace_connectors.models.sql_copy import copy_rows

from ..core import realized as core

MONEY = (
    "revenue",
    "promotions",
    "refunds",
    "disputes",
    "commission",
    "fees",
    "advertising",
    "other",
    "cogs",
    "cogs_returned",
)
QUANTITIES = ("qty_sold", "qty_delivered", "qty_returned")
MEASURES = QUANTITIES + MONEY
KEY = ("company_id", "product_id", "channel_id", "country_id", "month")
CHUNK = 500
TXN_CHUNK = 200_000


def _d(value):
    return Decimal(str(value or 0))


class MarginRealizedMixin(models.AbstractModel):
    """The reporting key and the measures, shared by parts and report rows."""

    _name = "margin.realized.mixin"
    _description = "Realized Margin Measures"

    company_id = fields.Many2one("res.company", readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    channel_id = fields.Many2one("marketplace.channel", readonly=True, index=True)
    country_id = fields.Many2one("res.country", readonly=True)
    month = fields.Date(readonly=True, index=True)
    qty_sold = fields.Float(digits="Product Unit of Measure", readonly=True)
    qty_delivered = fields.Float(digits="Product Unit of Measure", readonly=True)
    qty_returned = fields.Float(digits="Product Unit of Measure", readonly=True)
    revenue = fields.Monetary(string="Revenue excl. VAT", readonly=True)
    promotions = fields.Monetary(readonly=True)
    refunds = fields.Monetary(readonly=True)
    disputes = fields.Monetary(readonly=True)
    commission = fields.Monetary(readonly=True)
    fees = fields.Monetary(readonly=True)
    advertising = fields.Monetary(readonly=True)
    other = fields.Monetary(readonly=True)
    cogs = fields.Monetary(string="Cost of Goods Delivered", readonly=True)
    cogs_returned = fields.Monetary(string="Cost of Goods Returned", readonly=True)


class MarginRealizedPart(models.Model):
    _name = "margin.realized.part"
    _inherit = "margin.realized.mixin"
    _description = "Realized Margin Contribution"
    _log_access = False

    payout_id = fields.Many2one(
        "marketplace.payout", readonly=True, index=True, ondelete="cascade"
    )
    sale_order_id = fields.Many2one(
        "sale.order", readonly=True, index=True, ondelete="cascade"
    )
    signature = fields.Char(readonly=True)

    # ---- refresh

    @api.model
    def _refresh(self):
        """Recompute the sources that changed, then the report rows they touch.
        Returns the number of payouts and orders recomputed."""
        touched = set()
        payouts = self._dirty_payouts()
        for index, chunk in enumerate(self._chunks(payouts)):
            touched |= self._refresh_payouts(dict(chunk))
            if index == 0:
                self._analyze()
        orders = self._dirty_orders()
        for start in range(0, len(orders), CHUNK):
            touched |= self._refresh_orders(dict(orders[start : start + CHUNK]))
            if start == 0:
                self._analyze()
        self.env["margin.realized"]._rebuild(touched)
        return len(payouts), len(orders)

    @staticmethod
    def _chunks(payouts):
        """The dirty payouts in chunks of at most ``TXN_CHUNK`` transactions (their
        signature starts with their count): memory stays flat whatever the size of
        the first full refresh."""
        chunk, size = [], 0
        for payout_id, signature in payouts:
            count = int(signature.split(":", 1)[0])
            if chunk and size + count > TXN_CHUNK:
                yield chunk
                chunk, size = [], 0
            chunk.append((payout_id, signature))
            size += count
        if chunk:
            yield chunk

    def _analyze(self):
        """Fresh statistics after the first chunk of each phase: on a first fill
        the planner would otherwise take the empty table's estimates and scan the
        whole (growing) table for each chunk's delete. Once is enough (813 times
        cost 213 s of a 1M-line refresh)."""
        self.env.cr.execute("ANALYZE margin_realized_part")

    def _dirty_payouts(self):
        self.env["marketplace.transaction"].flush_model()
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT t.payout_id,
                   count(*) || ':' || max(t.id) || ':'
                   || coalesce(sum(t.sale_order_id), 0) || ':'
                   || coalesce(sum(t.product_id), 0)
              FROM marketplace_transaction t
             WHERE t.payout_id IS NOT NULL
             GROUP BY t.payout_id
            EXCEPT
            SELECT DISTINCT p.payout_id, p.signature
              FROM margin_realized_part p
             WHERE p.payout_id IS NOT NULL
             ORDER BY 1
            """
        )
        return self.env.cr.fetchall()

    def _dirty_orders(self):
        for model in (
            "stock.valuation.layer",
            "stock.move",
            "sale.order.line",
            "sale.order",
        ):
            self.env[model].flush_model()
        self.env.cr.execute(
            """
            SELECT l.order_id,
                   count(*) || ':' || max(v.id) || ':' || max(o.write_date)
              FROM stock_valuation_layer v
              JOIN stock_move m ON m.id = v.stock_move_id
              JOIN sale_order_line l ON l.id = m.sale_line_id
              JOIN sale_order o ON o.id = l.order_id
             WHERE o.marketplace_channel_id IS NOT NULL
             GROUP BY l.order_id
            EXCEPT
            SELECT DISTINCT p.sale_order_id, p.signature
              FROM margin_realized_part p
             WHERE p.sale_order_id IS NOT NULL
             ORDER BY 1
            """
        )
        return self.env.cr.fetchall()

    def _sale_lines(self, order_ids):
        """The core's sale lines of ``order_ids``, with their reporting key."""
        self.env.cr.execute(
            """
            SELECT l.id, l.order_id, l.product_id, l.product_uom_qty,
                   l.price_subtotal, l.price_total, l.marketplace_tax_included,
                   o.company_id, t.categ_id, o.marketplace_channel_id,
                   p.country_id, date_trunc('month', o.date_order)::date
              FROM sale_order_line l
              JOIN sale_order o ON o.id = l.order_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template t ON t.id = pp.product_tmpl_id
              LEFT JOIN res_partner p ON p.id = o.partner_shipping_id
             WHERE l.order_id = ANY(%s) AND l.display_type IS NULL
             ORDER BY l.id
            """,
            [list(order_ids)],
        )
        lines = []
        for row in self.env.cr.fetchall():
            line_id, order_id, product_id, qty, subtotal, total, included = row[:7]
            ratio = Fraction(1)
            if included and total:
                ratio = Fraction(_d(subtotal)) / Fraction(_d(total))
            lines.append(
                core.SaleLine(
                    line_id,
                    order_id,
                    product_id,
                    (row[7], product_id, row[8], row[9], row[10], row[11]),
                    _d(qty),
                    ratio,
                )
            )
        return lines

    def _refresh_payouts(self, signatures):
        """Recompute the parts of the payouts ``{id: signature}``."""
        payouts = self.env["marketplace.payout"].browse(list(signatures))
        self.env.cr.execute(
            """
            SELECT payout_id, category, amount, sale_order_id, product_id, quantity
              FROM marketplace_transaction
             WHERE payout_id = ANY(%s)
             ORDER BY id
            """,
            [payouts.ids],
        )
        txns = defaultdict(list)
        for (
            payout_id,
            category,
            amount,
            order_id,
            product_id,
            qty,
        ) in self.env.cr.fetchall():
            txns[payout_id].append((category, amount, order_id, product_id, qty))
        order_ids = {t[2] for rows in txns.values() for t in rows if t[2]}
        lines_by_order = defaultdict(list)
        for line in self._sale_lines(order_ids):
            lines_by_order[line.order_id].append(line)
        touched = self._delete_parts("payout_id", payouts.ids)
        vals_list = []
        for payout in payouts:
            vals_list += self._payout_parts(
                payout, txns[payout.id], lines_by_order, signatures[payout.id]
            )
        self._insert(vals_list)
        return touched | {(v["channel_id"], v["month"]) for v in vals_list}

    def _payout_parts(self, payout, rows, lines_by_order, signature):
        company = payout.company_id
        currency = company.currency_id
        date = payout.date_end or payout.date_deposit or payout.create_date
        rate = Decimal(1)
        if payout.currency_id != currency:
            rate = _d(
                self.env["res.currency"]._get_conversion_rate(
                    payout.currency_id, currency, company, date.date()
                )
            )
        places = currency.decimal_places
        quantum = Decimal(1).scaleb(-places)
        txns = [
            core.Txn(
                category,
                (_d(amount) * rate).quantize(quantum),
                order_id or None,
                product_id or None,
                _d(qty) if qty else None,
            )
            for category, amount, order_id, product_id, qty in rows
        ]
        lines = [
            line
            for order_id in dict.fromkeys(t.order_id for t in txns if t.order_id)
            for line in lines_by_order.get(order_id, ())
        ]
        result = core.payout_contributions(txns, lines, places)
        month = date.date().replace(day=1)
        vals_list = []
        for key, measures in result.by_key.items():
            company_id, product_id, categ_id, channel_id, country_id, line_month = (
                key or (company.id, False, False, payout.channel_id.id, False, month)
            )
            vals_list.append(
                {
                    "payout_id": payout.id,
                    "signature": signature,
                    "company_id": company_id,
                    "product_id": product_id or None,
                    "categ_id": categ_id or None,
                    "channel_id": channel_id or payout.channel_id.id,
                    "country_id": country_id or None,
                    "month": line_month or month,
                    **{name: measures[name] for name in core.MEASURES},
                }
            )
        return vals_list

    def _refresh_orders(self, signatures):
        """Recompute the cost-of-goods parts of the orders ``{id: signature}``:
        the valuation of their delivered moves (a cost) and of the goods that came
        back to stock (a reversal); a return that never reaches stock has no
        valuation and reverses nothing: the refund is a loss."""
        order_ids = list(signatures)
        lines = {line.line_id: line for line in self._sale_lines(order_ids)}
        self.env.cr.execute(
            """
            SELECT m.sale_line_id,
                   -sum(v.value) FILTER (WHERE v.value < 0),
                   sum(v.value) FILTER (WHERE v.value > 0),
                   -sum(v.quantity) FILTER (WHERE v.quantity < 0),
                   sum(v.quantity) FILTER (WHERE v.quantity > 0)
              FROM stock_valuation_layer v
              JOIN stock_move m ON m.id = v.stock_move_id
              JOIN sale_order_line l ON l.id = m.sale_line_id
             WHERE l.order_id = ANY(%s)
             GROUP BY m.sale_line_id
            """,
            [order_ids],
        )
        parts = {}
        for line_id, cogs, returned, qty_out, qty_back in self.env.cr.fetchall():
            line = lines[line_id]
            key = (line.order_id, line.key)
            part = parts.setdefault(key, dict.fromkeys(MEASURES, Decimal(0)))
            part["cogs"] += _d(cogs)
            part["cogs_returned"] += _d(returned)
            part["qty_delivered"] += _d(qty_out)
            part["qty_returned"] += _d(qty_back)
        touched = self._delete_parts("sale_order_id", order_ids)
        vals_list = []
        for (order_id, key), measures in parts.items():
            company_id, product_id, categ_id, channel_id, country_id, month = key
            vals_list.append(
                {
                    "sale_order_id": order_id,
                    "signature": signatures[order_id],
                    "company_id": company_id,
                    "product_id": product_id,
                    "categ_id": categ_id,
                    "channel_id": channel_id,
                    "country_id": country_id or None,
                    "month": month,
                    **measures,
                }
            )
        self._insert(vals_list)
        return touched | {(v["channel_id"], v["month"]) for v in vals_list}

    def _delete_parts(self, column, ids):
        """Delete the parts of the sources ``ids``; return the (channel, month)
        pairs they fed."""
        self.env.cr.execute(
            SQL(
                "DELETE FROM margin_realized_part WHERE %s = ANY(%s) "
                "RETURNING channel_id, month",
                SQL.identifier(column),
                list(ids),
            )
        )
        return set(self.env.cr.fetchall())

    def _insert(self, vals_list):
        """Insert parts with COPY (no ORM: up to millions of rows, no computed
        field, no tracking)."""
        if not vals_list:
            return
        columns = [
            "payout_id",
            "sale_order_id",
            "signature",
            *KEY,
            "categ_id",
            *MEASURES,
        ]
        copy_rows(
            self.env.cr,
            "margin_realized_part",
            columns,
            ([vals.get(name) for name in columns] for vals in vals_list),
        )
        self.invalidate_model()


class MarginRealized(models.Model):
    """One row per company, product, channel, shipping country and month of sale."""

    _name = "margin.realized"
    _inherit = "margin.realized.mixin"
    _description = "Realized Net-Net Margin"
    _order = "month desc, net_margin"
    _log_access = False
    _rec_name = "product_id"

    gross_margin = fields.Monetary(
        readonly=True,
        help="Revenue excl. VAT, promotions, refunds and disputes, minus the cost "
        "of the goods delivered plus the cost of those that came back to stock.",
    )
    net_margin = fields.Monetary(
        string="Net-Net Margin",
        readonly=True,
        help="Gross margin minus commission, fees, advertising and other costs.",
    )
    net_margin_rate = fields.Float(
        string="Net-Net Margin (%)",
        digits=(16, 4),
        readonly=True,
        aggregator=None,
        help="Net-net margin over revenue excl. VAT, per row (the pivot sums "
        "amounts; a rate of a group is its net-net margin over its revenue).",
    )

    def init(self):
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS margin_realized_part_key_idx
                ON margin_realized_part (channel_id, month)
            """
        )

    @api.model
    def _rebuild(self, touched):
        """Rewrite the report rows of the (channel, month) pairs ``touched`` from
        their parts, in SQL."""
        if not touched:
            return
        self.env["margin.realized.part"].flush_model()
        channels = [channel for channel, _month in touched]
        months = [month for _channel, month in touched]
        pairs = SQL(
            "SELECT * FROM unnest(%s::int[], %s::date[]) AS k(channel_id, month)",
            channels,
            months,
        )
        sums = SQL(", ").join(
            SQL(
                "coalesce(sum(p.%s), 0) AS %s",
                SQL.identifier(name),
                SQL.identifier(name),
            )
            for name in MEASURES
        )
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM margin_realized r USING (%(pairs)s) k
                 WHERE r.channel_id IS NOT DISTINCT FROM k.channel_id
                   AND r.month = k.month;
                INSERT INTO margin_realized (company_id, product_id, categ_id,
                       channel_id, country_id, month, %(measures)s,
                       gross_margin, net_margin, net_margin_rate)
                SELECT s.*,
                       s.revenue + s.promotions + s.refunds + s.disputes
                           - s.cogs + s.cogs_returned,
                       s.revenue + s.promotions + s.refunds + s.disputes
                           - s.cogs + s.cogs_returned + s.commission + s.fees
                           + s.advertising + s.other,
                       CASE WHEN s.revenue <> 0 THEN (s.revenue + s.promotions
                           + s.refunds + s.disputes - s.cogs + s.cogs_returned
                           + s.commission + s.fees + s.advertising + s.other)
                           / s.revenue END
                  FROM (
                    SELECT p.company_id, p.product_id, max(p.categ_id), p.channel_id,
                           p.country_id, p.month, %(sums)s
                      FROM margin_realized_part p
                      JOIN (%(pairs)s) k
                        ON p.channel_id IS NOT DISTINCT FROM k.channel_id
                       AND p.month = k.month
                     GROUP BY p.company_id, p.product_id, p.channel_id,
                              p.country_id, p.month
                  ) s
                """,
                pairs=pairs,
                measures=SQL(", ").join(SQL.identifier(name) for name in MEASURES),
                sums=sums,
            )
        )
        self.invalidate_model()

    @api.model
    def _cron_refresh(self):
        self.env["margin.realized.part"]._refresh()

    def action_refresh(self):
        """The *Refresh* button of the report. As superuser: the refresh rewrites
        derived tables for every company's changed sources (the same work as the
        hourly cron), which the user may not all read."""
        payouts, orders = self.env["margin.realized.part"].sudo()._refresh()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "%(payouts)s payouts and %(orders)s orders recomputed.",
                    payouts=payouts,
                    orders=orders,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }


class MarginRealizedSku(models.Model):
    """Stars and traps: per product and channel over every month, the SKUs whose
    gross margin is positive and net-net margin negative (traps), and the others."""

    _name = "margin.realized.sku"
    _description = "Realized Margin per SKU and Channel"
    _auto = False
    _order = "net_margin"
    _rec_name = "product_id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    channel_id = fields.Many2one("marketplace.channel", readonly=True)
    first_month = fields.Date(readonly=True)
    last_month = fields.Date(readonly=True)
    qty_sold = fields.Float(digits="Product Unit of Measure", readonly=True)
    revenue = fields.Monetary(string="Revenue excl. VAT", readonly=True)
    gross_margin = fields.Monetary(readonly=True)
    net_margin = fields.Monetary(string="Net-Net Margin", readonly=True)
    net_margin_rate = fields.Float(
        string="Net-Net Margin (%)", digits=(16, 4), readonly=True, aggregator=None
    )
    verdict = fields.Selection(
        [("star", "Star"), ("trap", "Trap"), ("loser", "Loss-Maker")],
        readonly=True,
        help="Star: positive net-net margin. Trap: positive gross margin, negative "
        "net-net margin (the channel's costs eat it). Loss-maker: negative even "
        "before the channel's costs.",
    )

    def init(self):
        self.env.cr.execute(
            """
            CREATE OR REPLACE VIEW margin_realized_sku AS (
                SELECT min(r.id) AS id, r.company_id, r.product_id,
                       max(r.categ_id) AS categ_id, r.channel_id,
                       min(r.month) AS first_month, max(r.month) AS last_month,
                       sum(r.qty_sold) AS qty_sold, sum(r.revenue) AS revenue,
                       sum(r.gross_margin) AS gross_margin,
                       sum(r.net_margin) AS net_margin,
                       CASE WHEN sum(r.revenue) <> 0
                            THEN sum(r.net_margin) / sum(r.revenue) END
                           AS net_margin_rate,
                       CASE WHEN sum(r.net_margin) >= 0 THEN 'star'
                            WHEN sum(r.gross_margin) > 0 THEN 'trap'
                            ELSE 'loser' END AS verdict
                  FROM margin_realized r
                 WHERE r.product_id IS NOT NULL
                 GROUP BY r.company_id, r.product_id, r.channel_id
            )
            """
        )
