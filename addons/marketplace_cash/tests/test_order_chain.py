# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
"""The cash chain of marketplace orders, worked by hand.

One product at 100.00 + 20 % VAT: an order of one unit is 120.00 (``price=50``: 60.00).
Payouts of the channel "Amazon.fr chain":

- P1, posted: the sales of A, B, C, D and R;
- P2, draft: C's refund and reimbursement, D's dispute, R's refund;
- P3, reconciled: the sales of E and F, a sale of an order never imported, a
  subscription and the payout's reserve (held 30.00, released 6.00);
- one advertising line of F not paid out yet (no payout).
"""

import ast
from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..models.sale_order import AMOUNT_FIELDS

CHAIN_FIELDS = (*AMOUNT_FIELDS, "cash_state")


def chain(*values):
    """A whole row of the chain, in the order of ``CHAIN_FIELDS``."""
    return dict(zip(CHAIN_FIELDS, values, strict=True))


@tagged("post_install", "-at_install")
class TestOrderChain(AccountTestInvoicingCommon):
    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # A marketplace manager who also sells and ships (creates channels, orders,
        # deliveries and returns): the chain is computed with the user's rights.
        cls.env.user.groups_id |= (
            cls.env.ref("marketplace_connectors.group_marketplace_manager")
            | cls.env.ref("sales_team.group_sale_manager")
            | cls.env.ref("stock.group_stock_manager")
        )
        cls.company = cls.company_data["company"]
        cls.eur = cls.company.currency_id
        cls.now = fields.Datetime.now()
        cls.channel = cls.env["marketplace.channel"].create(
            {"name": "Amazon.fr chain", "platform": "amazon"}
        )
        cls.channel_slow = cls.env["marketplace.channel"].create(
            {
                "name": "Cdiscount chain",
                "platform": "generic",
                "cash_normal_delay_days": 45,
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Chain mug",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "order",
                "list_price": 100.0,
                "taxes_id": [Command.set(cls.company_data["default_tax_sale"].ids)],
            }
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, warehouse.lot_stock_id, 10.0
        )
        order = cls.make_order
        cls.order_paid = order("A-paid")
        cls.order_short = order("B-short")
        cls.order_refunded = order("C-refunded")
        cls.order_disputed = order("D-disputed", price=50.0)
        cls.order_returned = order("R-returned")
        cls.order_in_bank = order("E-in-bank")
        cls.order_reserve = order("F-reserve", price=50.0)
        cls.order_waiting = order("W1-waiting")
        cls.order_recent = order("W2-recent", days_ago=3)
        cls.order_slow = order("X-slow-channel", channel=cls.channel_slow)
        cls.order_cancelled = order("Y-cancelled")
        cls.order_cancelled._action_cancel()
        cls.order_plain = cls.env["sale.order"].create(
            {
                "partner_id": cls.partner_a.id,
                "order_line": [Command.create({"product_id": cls.product.id})],
            }
        )

        A, B, C, D, R, E, F = (
            cls.order_paid,
            cls.order_short,
            cls.order_refunded,
            cls.order_disputed,
            cls.order_returned,
            cls.order_in_bank,
            cls.order_reserve,
        )
        cls.payout_1 = cls.make_payout(
            "P1",
            "posted",
            [
                (A, "sale", 100.00),
                (A, "tax", 20.00),
                (A, "commission", -18.00),
                (A, "fulfillment_fee", -3.50),
                (B, "sale", 99.00),
                (B, "tax", 20.00),
                (B, "commission", -17.85),
                (C, "sale", 100.00),
                (C, "tax", 20.00),
                (C, "commission", -18.00),
                (D, "sale", 50.00),
                (D, "tax", 10.00),
                (D, "payment_fee", -1.80),
                (R, "sale", 100.00),
                (R, "tax", 20.00),
                (R, "commission", -18.00),
            ],
        )
        cls.payout_2 = cls.make_payout(
            "P2",
            "draft",
            [
                (C, "refund", -60.00),
                (C, "refund_fee", -2.00),
                (C, "reimbursement", 8.00),
                (D, "dispute", -60.00),
                (D, "dispute_fee", -15.00),
                (R, "refund", -120.00),
                (R, "refund_fee", -3.60),
            ],
        )
        cls.payout_3 = cls.make_payout(
            "P3",
            "reconciled",
            [
                (E, "sale", 100.00),
                (E, "tax", 20.00),
                (E, "commission", -18.00),
                (F, "sale", 50.00),
                (F, "tax", 10.00),
                (F, "commission", -9.00),
                ("999-NEVER-IMPORTED", "sale", 50.00),
                ("999-NEVER-IMPORTED", "tax", 10.00),
                (None, "subscription", -39.00),
                (None, "reserve_hold", -30.00),
                (None, "reserve_release", 6.00),
            ],
        )
        cls.make_lines(cls.env["marketplace.payout"], [(F, "advertising", -2.00)])

        # A: invoiced 120.00. C: invoiced 120.00, then credited 60.00 (50.00 + VAT).
        (A | C | R).action_confirm()
        cls.invoice_paid = A._create_invoices()
        cls.invoice_paid.action_post()
        C._create_invoices().action_post()
        credit_note = C.invoice_ids._reverse_moves()
        credit_note.write(
            {
                "invoice_line_ids": [
                    Command.update(line.id, {"price_unit": 50.0})
                    for line in credit_note.invoice_line_ids
                ]
            }
        )
        credit_note.action_post()
        # R's goods came back: delivered, then returned and received.
        cls.receive_return(R)

        (
            A
            | B
            | C
            | D
            | R
            | E
            | F
            | cls.order_waiting
            | cls.order_recent
            | cls.order_slow
            | cls.order_cancelled
        )._cash_recompute_chain()

    # ---- fixtures

    @classmethod
    def make_order(cls, ref, price=100.0, days_ago=30, channel=None):
        return cls.env["sale.order"].create(
            {
                "partner_id": cls.partner_a.id,
                "marketplace_channel_id": (channel or cls.channel).id,
                "marketplace_order_ref": ref,
                "date_order": cls.now - timedelta(days=days_ago),
                "order_line": [
                    Command.create({"product_id": cls.product.id, "price_unit": price})
                ],
            }
        )

    @classmethod
    def make_payout(cls, name, state, lines):
        """A balanced payout in ``state`` of ``lines`` = [(order or order reference
        or None, category, amount), ...]."""
        # The ledger is written by the importer, not by users: sudo for the fixture.
        env = cls.env(su=True)
        payout = env["marketplace.payout"].create(
            {
                "channel_id": cls.channel.id,
                "name": name,
                "currency_id": cls.eur.id,
                "has_declared_total": True,
                "amount_declared": round(sum(amount for _o, _c, amount in lines), 2),
                "date_deposit": cls.now - timedelta(days=10),
            }
        )
        cls.make_lines(payout, lines)
        payout._recompute_totals()
        payout.state = state
        return payout.with_env(cls.env)

    @classmethod
    def make_lines(cls, payout, lines):
        env = cls.env(su=True)
        count = env["marketplace.transaction"].search_count([])
        env["marketplace.transaction"].create(
            [
                {
                    "payout_id": payout.id,
                    "channel_id": cls.channel.id,
                    "category": category,
                    "amount": amount,
                    "currency_id": cls.eur.id,
                    **cls._line_order(order),
                    "posted_at": datetime(2026, 3, 2, 10, 0),
                    "external_key": f"chain:{payout.name}:{count + index}",
                }
                for index, (order, category, amount) in enumerate(lines)
            ]
        )

    @staticmethod
    def _line_order(order):
        """The order columns of a line for a sale order, a bare reference or None."""
        if isinstance(order, str) or not order:
            return {"order_ref": order or False, "sale_order_id": False}
        return {"order_ref": order.marketplace_order_ref, "sale_order_id": order.id}

    @classmethod
    def receive_return(cls, order):
        delivery = order.picking_ids
        delivery.move_ids.write({"quantity": 1.0, "picked": True})
        delivery.button_validate()
        wizard = (
            cls.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 1.0
        returned = cls.env["stock.picking"].browse(
            wizard.action_create_returns()["res_id"]
        )
        returned.move_ids.write({"quantity": 1.0, "picked": True})
        returned.button_validate()
        return returned

    # ---- the chain, order by order

    def test_paid_in_full_and_short_paid(self):
        """A: 100.00 + 20.00 settled = the 120.00 ordered: paid; fees 18.00 + 3.50;
        net 98.50, all in P1 (posted, not in bank yet).
        B: the commission is right (15 % of 119.00 = 17.85) but the sale is 1.00
        short: 99.00 + 20.00 = 119.00 < 120.00, difference -1.00; net 101.15."""
        self.assertRecordValues(
            self.order_paid | self.order_short,
            [
                chain(120, 120, 120, -21.5, 0, 0, 0, 0, 98.5, 98.5, 0, 120, 0, "paid"),
                chain(
                    120, 0, 119, -17.85, 0, 0, 0, 0, 101.15, 101.15, 0, 120, -1,
                    "short_paid",
                ),
            ],
        )  # fmt: skip

    def test_refunded_partially(self):
        """C: settled 120.00 (P1), then refunded 60.00 with a 2.00 refund fee and
        reimbursed 8.00 (P2, draft). Refunds -62.00; net 120 - 18 - 62 + 8 = 48.00;
        paid out only P1: 120 - 18 = 102.00; difference 120 - 62 - 120 = -62.00.
        Invoiced 120.00 - credit note 60.00 = 60.00.
        R: fully refunded, 120.00 + a 3.60 fee: net 120 - 18 - 123.60 = -21.60."""
        self.assertRecordValues(
            self.order_refunded | self.order_returned,
            [
                chain(
                    120, 60, 120, -18, -62, 0, 8, 0, 48, 102, 0, 120, -62, "refunded"
                ),
                chain(
                    120, 0, 120, -18, -123.6, 0, 0, 0, -21.6, 102, 0, 120, -123.6,
                    "refunded",
                ),
            ],
        )  # fmt: skip

    def test_disputed(self):
        """D (60.00): settled 50.00 + 10.00, payment fee 1.80 (P1), then a 60.00
        chargeback and a 15.00 dispute fee (P2): disputes -75.00, net
        60 - 1.80 - 75 = -16.80, paid out 58.20, difference 60 - 75 - 60 = -75.00."""
        self.assertRecordValues(
            self.order_disputed,
            [chain(60, 0, 60, -1.8, 0, -75, 0, 0, -16.8, 58.2, 0, 60, -75, "disputed")],
        )

    def test_in_bank_and_reserve_shared_pro_rata(self):
        """P3 (reconciled) settles gross E 120.00 + F 60.00 + an order never imported
        60.00 = 240.00, and holds 30.00, releases 6.00 of reserve: -24.00 to share.
        E: -24 x 120 / 240 = -12.00; F: -24 x 60 / 240 = -6.00; the unknown order's
        -6.00 stays unallocated (-12 - 6 - 6 = -24).
        E: all its lines are in bank: 120 - 18 = 102.00, state in bank.
        F: 50 + 10 - 9 = 51.00 in bank, but its 2.00 advertising line is in no payout
        yet: net 49.00, paid (not in bank)."""
        self.assertRecordValues(
            self.order_in_bank | self.order_reserve,
            [
                chain(120, 0, 120, -18, 0, 0, 0, -12, 102, 102, 102, 120, 0, "in_bank"),
                chain(60, 0, 60, -11, 0, 0, 0, -6, 49, 51, 51, 60, 0, "paid"),
            ],
        )  # fmt: skip

    def test_waiting_and_not_marketplace(self):
        self.assertRecordValues(
            self.order_waiting | self.order_plain,
            [
                chain(120, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 120, -120, "waiting"),
                chain(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "no_sale"),
            ],
        )  # fmt: skip

    def test_chain_table_explains_the_difference(self):
        """C's difference, category by category: 100 + 20 - 60 - 2 - 120 = -62."""
        self.assertEqual(
            self.order_refunded._cash_chain_table(),
            [
                ("Ordered", 120.0),
                ("Invoiced", 60.0),
                ("Settled gross", 120.0),
                ("Fees", -18.0),
                ("Refunds", -62.0),
                ("Disputes", 0.0),
                ("Reimbursements", 8.0),
                ("Reserve share", 0.0),
                ("Settled net (the order's lines)", 48.0),
                ("Paid out", 102.0),
                ("In bank", 0.0),
                ("Expected vs received", None),
                ("Expected", 120.0),
                ("Sale", 100.0),
                ("Tax collected", 20.0),
                ("Refund", -60.0),
                ("Refund fee", -2.0),
                ("Difference", -62.0),
            ],
        )
        html = str(self.order_refunded.cash_chain_html)
        self.assertIn("Refund fee", html)
        self.assertIn("<table", html)

    # ---- keeping the chain up to date

    def test_invoices_follow_the_orm(self):
        """A credit note of 30.00 on A (25.00 + VAT) lowers the invoiced amount to
        120 - 30 = 90.00 without any explicit recompute."""
        credit_note = self.invoice_paid._reverse_moves()
        credit_note.write(
            {
                "invoice_line_ids": [
                    Command.update(line.id, {"price_unit": 25.0})
                    for line in credit_note.invoice_line_ids
                ]
            }
        )
        credit_note.action_post()
        self.assertRecordValues(
            self.order_paid, [{"cash_invoiced": 90.0, "cash_state": "paid"}]
        )

    def test_payout_state_hook(self):
        """P2 posted: its orders are C, D and R, and their paid-out amounts now
        include P2's lines: C 102 - 54 = 48.00, D 58.20 - 75 = -16.80,
        R 102 - 123.60 = -21.60."""
        self.payout_2.sudo().state = "posted"
        orders = self.env["sale.order"]._cash_orders_of_payouts(self.payout_2)
        self.assertEqual(
            orders, self.order_refunded | self.order_disputed | self.order_returned
        )
        self.assertEqual(self.order_refunded.cash_paid_out, 102.0)
        orders._cash_recompute_chain()
        self.assertRecordValues(
            orders.sorted("marketplace_order_ref"),
            [
                {"cash_paid_out": 48.0},
                {"cash_paid_out": -16.8},
                {"cash_paid_out": -21.6},
            ],
        )

    def test_linking_transactions_recomputes(self):
        """Lines imported before their order: linking them settles the order."""
        payout = self.make_payout(
            "P4",
            "posted",
            [
                ("L-late", "sale", 100.00),
                ("L-late", "tax", 20.00),
                ("L-late", "commission", -18.00),
            ],
        )
        late = self.make_order("L-late")
        self.assertEqual(late.cash_state, "waiting")
        self.env["sale.order"]._marketplace_link_transactions(self.channel)
        self.assertEqual(late.marketplace_transaction_ids.payout_id, payout)
        self.assertRecordValues(
            late,
            [chain(120, 0, 120, -18, 0, 0, 0, 0, 102, 102, 0, 120, 0, "paid")],
        )

    # ---- the lists that find missing money

    def test_orders_waiting_for_their_money(self):
        """Channel delay 14 days: B (short paid) and W1 (nothing) ordered 30 days
        ago are listed; not A (paid), W2 (3 days old), X (its channel pays in 45
        days), Y (cancelled), nor the refunded or disputed orders."""
        SaleOrder = self.env["sale.order"]
        channels = self.channel | self.channel_slow
        domain = [("marketplace_channel_id", "in", channels.ids)]
        overdue = SaleOrder.search([*domain, ("cash_overdue", "=", True)])
        self.assertEqual(overdue, self.order_short | self.order_waiting)
        self.assertEqual(
            (self.order_short | self.order_paid).mapped("cash_overdue"),
            [True, False],
        )
        not_overdue = SaleOrder.search([*domain, ("cash_overdue", "=", False)])
        self.assertFalse(not_overdue & overdue)
        self.assertIn(self.order_recent, not_overdue)
        self.channel.cash_normal_delay_days = 40
        self.assertFalse(SaleOrder.search([*domain, ("cash_overdue", "=", True)]))

    def test_refunds_without_goods_back(self):
        """C was refunded and its goods never came back; R's return was received;
        D has a dispute, not a refund."""
        SaleOrder = self.env["sale.order"]
        domain = [("marketplace_channel_id", "=", self.channel.id)]
        found = SaleOrder.search([*domain, ("cash_refund_without_return", "=", True)])
        self.assertEqual(found, self.order_refunded)
        self.assertEqual(
            (self.order_refunded | self.order_returned).mapped(
                "cash_refund_without_return"
            ),
            [True, False],
        )
        action = self.env.ref("marketplace_cash.sale_order_cash_refund_action")
        self.assertEqual(
            SaleOrder.search([*domain, *ast.literal_eval(action.domain)]),
            self.order_refunded,
        )
