# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The cash chain of a marketplace order: ordered -> invoiced -> settled -> fees ->
refunds -> disputes -> reserve -> paid out -> in bank, and expected vs received.

The chain is stored on ``sale.order`` so that lists can filter and sort on it, but the
ledger it reads (``marketplace.transaction``) is written by bulk SQL: no ORM
dependency can fire from it. The fields therefore depend only on what the ORM sees
(the order's total, its invoices) and are refreshed explicitly, in batch, by
``_cash_recompute_chain()``:

- from ``_marketplace_link_transactions`` (lines linked to orders created after them);
- by whoever changes payouts (import, posting, bank matching), through
  ``_cash_orders_of_payouts(payouts)._cash_recompute_chain()``.

Reserve share rule. Reserves are held and released per payout, not per order. The
payout's reserve lines that belong to no order (``reserve_hold`` + ``reserve_release``)
are spread over the sales the payout settles, pro rata of their settled gross:
``share(order, payout) = reserve(payout) * gross(order, payout) / gross(payout)``, where
``gross(payout)`` counts every gross line of the payout, linked to an order or not (so
an order's share never changes when another order gets linked later; the share of
unlinked sales stays unallocated). A payout whose gross is zero or negative spreads
nothing. Reserve lines that carry an order reference count in full for that order.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL, format_amount

GROSS_CATEGORIES = ("sale", "shipping", "tax", "tax_withheld", "promotion")
FEE_CATEGORIES = (
    "commission",
    "fulfillment_fee",
    "shipping_fee",
    "payment_fee",
    "advertising",
    "subscription",
    "storage_fee",
    "other_fee",
)
REFUND_CATEGORIES = ("refund", "refund_fee")
DISPUTE_CATEGORIES = ("dispute", "dispute_fee")
RESERVE_CATEGORIES = ("reserve_hold", "reserve_release")
PAID_OUT_STATES = ("posted", "reconciled")
OVERDUE_STATES = ("waiting", "short_paid")

CASH_STATES = [
    ("no_sale", "Not a Marketplace Order"),
    ("waiting", "Waiting Payout"),
    ("short_paid", "Short Paid"),
    ("paid", "Paid"),
    ("in_bank", "In Bank"),
    ("refunded", "Refunded"),
    ("disputed", "Disputed"),
]

AMOUNT_FIELDS = (
    "cash_ordered",
    "cash_invoiced",
    "cash_settled_gross",
    "cash_fees",
    "cash_refunds",
    "cash_disputes",
    "cash_reimbursements",
    "cash_reserve_share",
    "cash_net",
    "cash_paid_out",
    "cash_in_bank",
    "cash_expected",
    "cash_difference",
)


@dataclass
class OrderLedger:
    """What the ledger holds for one order, in the order's currency."""

    by_category: dict = field(default_factory=lambda: defaultdict(float))
    present: set = field(default_factory=set)
    paid_out: float = 0.0
    in_bank: float = 0.0
    all_in_bank: bool = True
    reserve_share: float = 0.0
    # (payout id) -> the order's gross in that payout, in the payout's currency.
    gross_by_payout: dict = field(default_factory=lambda: defaultdict(float))

    def total(self, categories):
        return sum(self.by_category[category] for category in categories)


def cash_state(currency, ledger, expected):
    """The order's cash state from its ledger (the order is a marketplace one).

    A dispute wins over a refund, which wins over the settlement's progress.
    """
    if ledger.present & set(DISPUTE_CATEGORIES):
        return "disputed"
    if ledger.present & set(REFUND_CATEGORIES):
        return "refunded"
    if not ledger.present & set(GROSS_CATEGORIES):
        return "waiting"
    if currency.compare_amounts(ledger.total(GROSS_CATEGORIES), expected) < 0:
        return "short_paid"
    return "in_bank" if ledger.all_in_bank else "paid"


class MarketplaceChannel(models.Model):
    # The delay belongs to the order chain; marketplace_channel.py owns the rest.
    _inherit = "marketplace.channel"  # pylint: disable=consider-merging-classes-inherited

    cash_normal_delay_days = fields.Integer(
        string="Normal Payment Delay (days)",
        default=14,
        help="Days the platform normally takes to pay an order. An order older than "
        "this and still not (fully) settled is listed in Orders Waiting for Their "
        "Money.",
    )


class SaleOrder(models.Model):
    _inherit = "sale.order"

    cash_ordered = fields.Monetary(
        string="Ordered",
        compute="_compute_cash_chain",
        store=True,
        help="The order's total, taxes included.",
    )
    cash_invoiced = fields.Monetary(
        string="Invoiced",
        compute="_compute_cash_chain",
        store=True,
        help="Posted customer invoices of the order minus its posted credit notes.",
    )
    cash_settled_gross = fields.Monetary(
        string="Settled Gross",
        compute="_compute_cash_chain",
        store=True,
        help="Sale, shipping, tax (collected and withheld) and promotion lines of the "
        "marketplace's settlements.",
    )
    cash_fees = fields.Monetary(
        string="Fees",
        compute="_compute_cash_chain",
        store=True,
        help="Commission, fulfilment, shipping, payment, advertising, subscription, "
        "storage and other fees charged on the order.",
    )
    cash_refunds = fields.Monetary(
        string="Refunds",
        compute="_compute_cash_chain",
        store=True,
        help="Refunds paid to the buyer and their fees.",
    )
    cash_disputes = fields.Monetary(
        string="Disputes",
        compute="_compute_cash_chain",
        store=True,
        help="Disputes and chargebacks, and their fees.",
    )
    cash_reimbursements = fields.Monetary(
        string="Reimbursements",
        compute="_compute_cash_chain",
        store=True,
        help="What the marketplace reimbursed (lost or damaged goods).",
    )
    cash_reserve_share = fields.Monetary(
        string="Reserve Share",
        compute="_compute_cash_chain",
        store=True,
        help="The order's share of the reserve held and released by its payouts, pro "
        "rata of its settled gross in each payout.",
    )
    cash_net = fields.Monetary(
        string="Settled Net",
        compute="_compute_cash_chain",
        store=True,
        help="Sum of all the order's marketplace lines.",
    )
    cash_paid_out = fields.Monetary(
        string="Paid Out",
        compute="_compute_cash_chain",
        store=True,
        help="Net of the order's lines in posted or reconciled payouts.",
    )
    cash_in_bank = fields.Monetary(
        string="In Bank",
        compute="_compute_cash_chain",
        store=True,
        help="Net of the order's lines in payouts matched to their bank deposit.",
    )
    cash_expected = fields.Monetary(
        string="Expected",
        compute="_compute_cash_chain",
        store=True,
        help="What the buyer paid: the order's total, taxes included (EU "
        "marketplaces settle VAT-inclusive amounts).",
    )
    cash_difference = fields.Monetary(
        string="Difference",
        compute="_compute_cash_chain",
        store=True,
        help="Settled gross + refunds + disputes - expected: what the settlement "
        "misses (negative) or adds (positive).",
    )
    cash_state = fields.Selection(
        CASH_STATES,
        string="Cash Status",
        compute="_compute_cash_chain",
        store=True,
        index=True,
    )
    cash_chain_html = fields.Html(
        string="Cash Chain",
        compute="_compute_cash_chain_html",
        groups="marketplace_connectors.group_marketplace_user",
    )
    cash_overdue = fields.Boolean(
        string="Money Overdue",
        compute="_compute_cash_overdue",
        search="_search_cash_overdue",
        help="Waiting or short paid, ordered longer ago than the channel's normal "
        "payment delay.",
    )
    cash_refund_without_return = fields.Boolean(
        string="Refunded, Goods Not Back",
        compute="_compute_cash_refund_without_return",
        search="_search_cash_refund_without_return",
        help="A refund was paid to the buyer and no return was received in stock.",
    )

    # ---- COMPUTE METHODS

    @api.depends(
        "marketplace_channel_id",
        "amount_total",
        "currency_id",
        "date_order",
        "order_line.invoice_lines.move_id.state",
        "order_line.invoice_lines.move_id.amount_total_in_currency_signed",
    )
    def _compute_cash_chain(self):
        """Batch: two grouped queries on the ledger for all the orders of ``self``.

        The ledger is not in the dependencies (see the module's docstring): call
        ``_cash_recompute_chain()`` after writing it.
        """
        marketplace = self.filtered("marketplace_channel_id")
        (self - marketplace).update(
            dict.fromkeys(AMOUNT_FIELDS, 0.0) | {"cash_state": "no_sale"}
        )
        if not marketplace:
            return
        ledgers = marketplace._cash_ledgers()
        for order in marketplace:
            ledger = ledgers.get(order._origin.id) or OrderLedger()
            order.update(order._prepare_cash_chain_vals(ledger))

    def _compute_cash_chain_html(self):
        for order in self:
            order.cash_chain_html = (
                order._cash_chain_html() if order.marketplace_channel_id else False
            )

    @api.depends("cash_state", "state", "date_order", "marketplace_channel_id")
    def _compute_cash_overdue(self):
        found = self._cash_search_among("cash_overdue")
        for order in self:
            order.cash_overdue = order._origin.id in found

    def _compute_cash_refund_without_return(self):
        found = self._cash_search_among("cash_refund_without_return")
        for order in self:
            order.cash_refund_without_return = order._origin.id in found

    def _search_cash_overdue(self, operator, value):
        """Marketplace orders waiting for (part of) their money longer than their
        channel's normal delay, counted from the order date."""
        positive = self._cash_check_boolean_search(operator, value)
        self.flush_model(
            ["cash_state", "state", "date_order", "marketplace_channel_id"]
        )
        self.env["marketplace.channel"].flush_model(["cash_normal_delay_days"])
        query = SQL(
            """
            (SELECT so.id
              FROM sale_order so
              JOIN marketplace_channel channel
                ON channel.id = so.marketplace_channel_id
             WHERE so.cash_state IN %(states)s
               AND so.state != 'cancel'
               AND so.date_order
                   < %(now)s - make_interval(days => channel.cash_normal_delay_days))
            """,
            states=OVERDUE_STATES,
            now=fields.Datetime.now(),
        )
        return [("id", "in" if positive else "not in", query)]

    def _search_cash_refund_without_return(self, operator, value):
        """Marketplace orders with a refund line and no received return (a done
        incoming transfer of the order)."""
        positive = self._cash_check_boolean_search(operator, value)
        domain = expression.AND(
            [
                [("marketplace_channel_id", "!=", False)],
                [("marketplace_transaction_ids.category", "=", "refund")],
                [
                    (
                        "picking_ids",
                        "not any",
                        [
                            ("picking_type_code", "=", "incoming"),
                            ("state", "=", "done"),
                        ],
                    )
                ],
            ]
        )
        return domain if positive else ["!", *domain]

    # ---- ACTIONS

    def action_open_cash_transactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "marketplace_connectors.marketplace_transaction_action"
        )
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    # ---- BUSINESS METHODS

    def _cash_recompute_chain(self):
        """Recompute and store the cash chain of ``self`` in one batch, after the
        ledger or the payouts' states changed outside the ORM's sight."""
        self.env["marketplace.payout"].invalidate_model(["state"])
        for fname in ("cash_state", *AMOUNT_FIELDS):
            self.env.add_to_compute(self._fields[fname], self)
        self.flush_recordset(["cash_state", *AMOUNT_FIELDS])
        return True

    @api.model
    def _cash_orders_of_payouts(self, payouts):
        """The orders whose chain depends on ``payouts``: those with a line in them.

        Call ``_cash_orders_of_payouts(payouts)._cash_recompute_chain()`` after a
        payout's lines or state changed.
        """
        groups = self.env["marketplace.transaction"]._read_group(
            [("payout_id", "in", payouts.ids), ("sale_order_id", "!=", False)],
            ["sale_order_id"],
        )
        return self.browse([order.id for (order,) in groups])

    @api.model
    def _marketplace_link_transactions(self, channel, batch=None):
        """Also recompute the chain of the orders that get lines linked."""
        self.flush_model(["marketplace_channel_id", "marketplace_order_ref"])
        self.env["marketplace.transaction"].flush_model(
            ["sale_order_id", "channel_id", "order_ref", "import_batch_id"]
        )
        # The same join as the linking UPDATE: the orders it is about to link.
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT so.id
              FROM marketplace_transaction t
              JOIN sale_order so
                ON so.marketplace_channel_id = t.channel_id
               AND so.marketplace_order_ref = t.order_ref
             WHERE t.sale_order_id IS NULL
               AND t.channel_id = %(channel)s
               AND (%(batch)s IS NULL OR t.import_batch_id = %(batch)s)
                """,
                channel=channel.id,
                batch=batch.id if batch else None,
            )
        )
        result = super()._marketplace_link_transactions(channel, batch=batch)
        self.browse([order_id for (order_id,) in rows])._cash_recompute_chain()
        return result

    def _cash_chain_table(self):
        """The rows of the Cash Chain tab: ``[(label, amount), ...]``.

        ``amount`` is None on a section title. The second section explains the
        difference: expected, then each settled category that counts in it (gross,
        refunds, disputes), then the difference.
        """
        self.ensure_one()
        rows = [
            (self.env._("Ordered"), self.cash_ordered),
            (self.env._("Invoiced"), self.cash_invoiced),
            (self.env._("Settled gross"), self.cash_settled_gross),
            (self.env._("Fees"), self.cash_fees),
            (self.env._("Refunds"), self.cash_refunds),
            (self.env._("Disputes"), self.cash_disputes),
            (self.env._("Reimbursements"), self.cash_reimbursements),
            (self.env._("Reserve share"), self.cash_reserve_share),
            (self.env._("Settled net (the order's lines)"), self.cash_net),
            (self.env._("Paid out"), self.cash_paid_out),
            (self.env._("In bank"), self.cash_in_bank),
            (self.env._("Expected vs received"), None),
            (self.env._("Expected"), self.cash_expected),
        ]
        labels = dict(
            self.env["marketplace.transaction"]
            ._fields["category"]
            ._description_selection(self.env)
        )
        by_category = self._cash_amounts_by_category()
        for category in GROSS_CATEGORIES + REFUND_CATEGORIES + DISPUTE_CATEGORIES:
            if not self.currency_id.is_zero(by_category.get(category, 0.0)):
                rows.append((labels[category], by_category[category]))
        rows.append((self.env._("Difference"), self.cash_difference))
        return rows

    # ---- HELPERS

    def _cash_ledgers(self):
        """``{order id: OrderLedger}`` of the (saved) orders of ``self``."""
        groups = self.env["marketplace.transaction"]._read_group(
            [("sale_order_id", "in", self._origin.ids)],
            ["sale_order_id", "payout_id", "category", "currency_id"],
            ["amount:sum"],
        )
        ledgers = defaultdict(OrderLedger)
        for order, payout, category, currency, amount in groups:
            ledger = ledgers[order.id]
            value = order._cash_convert(amount, currency)
            ledger.by_category[category] += value
            ledger.present.add(category)
            if payout.state in PAID_OUT_STATES:
                ledger.paid_out += value
            if payout.state == "reconciled":
                ledger.in_bank += value
            else:
                ledger.all_in_bank = False
            if payout and category in GROSS_CATEGORIES:
                ledger.gross_by_payout[payout.id] += amount
        self._cash_spread_reserves(ledgers)
        return ledgers

    def _cash_spread_reserves(self, ledgers):
        """Add to each ledger its share of its payouts' reserve lines (the rule is in
        the module's docstring)."""
        payout_ids = {
            pid for ledger in ledgers.values() for pid in ledger.gross_by_payout
        }
        groups = self.env["marketplace.transaction"]._read_group(
            [
                ("payout_id", "in", list(payout_ids)),
                "|",
                ("category", "in", GROSS_CATEGORIES),
                "&",
                ("category", "in", RESERVE_CATEGORIES),
                ("sale_order_id", "=", False),
            ],
            ["payout_id", "category"],
            ["amount:sum"],
        )
        reserve, gross, payouts = defaultdict(float), defaultdict(float), {}
        for payout, category, amount in groups:
            payouts[payout.id] = payout
            if category in RESERVE_CATEGORIES:
                reserve[payout.id] += amount
            else:
                gross[payout.id] += amount
        for order in self.browse(list(ledgers)):
            ledger = ledgers[order.id]
            ledger.reserve_share = ledger.total(RESERVE_CATEGORIES)
            for payout_id, order_gross in ledger.gross_by_payout.items():
                payout = payouts.get(payout_id)
                if not payout or not reserve[payout_id]:
                    continue
                if payout.currency_id.compare_amounts(gross[payout_id], 0.0) <= 0:
                    continue
                share = reserve[payout_id] * order_gross / gross[payout_id]
                ledger.reserve_share += order._cash_convert(share, payout.currency_id)

    def _prepare_cash_chain_vals(self, ledger):
        """The stored chain of one marketplace order from its ledger."""
        self.ensure_one()
        currency = self.currency_id or self.company_id.currency_id
        expected = self.amount_total
        gross = ledger.total(GROSS_CATEGORIES)
        refunds = ledger.total(REFUND_CATEGORIES)
        disputes = ledger.total(DISPUTE_CATEGORIES)
        invoices = self.invoice_ids.filtered(lambda move: move.state == "posted")
        vals = {
            "cash_ordered": self.amount_total,
            "cash_invoiced": sum(invoices.mapped("amount_total_in_currency_signed")),
            "cash_settled_gross": gross,
            "cash_fees": ledger.total(FEE_CATEGORIES),
            "cash_refunds": refunds,
            "cash_disputes": disputes,
            "cash_reimbursements": ledger.by_category["reimbursement"],
            "cash_reserve_share": ledger.reserve_share,
            "cash_net": sum(ledger.by_category.values()),
            "cash_paid_out": ledger.paid_out,
            "cash_in_bank": ledger.in_bank,
            "cash_expected": expected,
            "cash_difference": gross + refunds + disputes - expected,
        }
        vals = {fname: currency.round(amount) for fname, amount in vals.items()}
        vals["cash_state"] = cash_state(currency, ledger, expected)
        return vals

    def _cash_convert(self, amount, currency):
        """``amount`` in ``currency`` converted to the order's currency, at the order's
        date (a line settled in another currency than the order's)."""
        self.ensure_one()
        target = self.currency_id or self.company_id.currency_id
        if not currency or currency == target:
            return amount
        day = (self.date_order or fields.Datetime.now()).date()
        return currency._convert(amount, target, self.company_id, day, round=False)

    def _cash_amounts_by_category(self):
        self.ensure_one()
        groups = self.env["marketplace.transaction"]._read_group(
            [("sale_order_id", "=", self.id)],
            ["category", "currency_id"],
            ["amount:sum"],
        )
        amounts = defaultdict(float)
        for category, currency, amount in groups:
            amounts[category] += self._cash_convert(amount, currency)
        return amounts

    def _cash_chain_html(self):
        self.ensure_one()
        currency = self.currency_id or self.company_id.currency_id
        rows = []
        for label, amount in self._cash_chain_table():
            if amount is None:
                rows.append(
                    Markup('<tr><th colspan="2" class="pt-3">%s</th></tr>') % label
                )
                continue
            rows.append(
                Markup('<tr><td>%s</td><td class="text-end">%s</td></tr>')
                % (label, format_amount(self.env, amount, currency))
            )
        return Markup(
            '<table class="table table-sm o_cash_chain"><tbody>%s</tbody></table>'
        ) % Markup().join(rows)

    def _cash_search_among(self, fname):
        """Ids of the saved orders of ``self`` matching the boolean search ``fname``."""
        if not self._origin:
            return set()
        domain = [("id", "in", self._origin.ids), (fname, "=", True)]
        return set(self.search(domain).ids)

    def _cash_check_boolean_search(self, operator, value):
        """True for a positive search (``= True`` or ``!= False``)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("Unsupported search on a cash list: %(op)s", op=operator)
            )
        return (operator == "=") == value
