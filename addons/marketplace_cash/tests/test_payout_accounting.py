# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
from datetime import date, datetime
from pathlib import Path

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

CONNECTOR_DATA = (
    Path(__file__).resolve().parents[2] / "marketplace_connectors/tests/data"
)


@tagged("post_install", "-at_install")
class PayoutAccountingCase(AccountTestInvoicingCommon):
    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # The test's accountant is the finance manager who posts and reconciles.
        cls.env.user.groups_id |= cls.env.ref("marketplace_cash.group_cash_manager")
        cls.company = cls.company_data["company"]
        cls.eur = cls.company.currency_id
        cls.channel = cls.env["marketplace.channel"].create(
            {"name": "Amazon.fr compta", "platform": "amazon"}
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]

    @classmethod
    def make_payout(cls, name, lines, channel=None, currency=None, deposit=None):
        """A payout of ``lines`` = [(category, amount, 'YYYY-MM-DD'), ...]."""
        channel = channel or cls.channel
        currency = currency or cls.eur
        total = round(sum(amount for _c, amount, _d in lines), 2)
        # Ledger rows are written by the importer, not by users: sudo for the fixture.
        env = cls.env(su=True)
        payout = env["marketplace.payout"].create(
            {
                "channel_id": channel.id,
                "name": name,
                "currency_id": currency.id,
                "has_declared_total": True,
                "amount_declared": total,
                "date_deposit": deposit or lines[-1][2],
            }
        )
        env["marketplace.transaction"].create(
            [
                {
                    "payout_id": payout.id,
                    "channel_id": channel.id,
                    "category": category,
                    "amount": amount,
                    "currency_id": currency.id,
                    "posted_at": datetime.fromisoformat(day + " 10:00:00"),
                    "external_key": f"{name}:{index}",
                }
                for index, (category, amount, day) in enumerate(lines)
            ]
        )
        payout._recompute_totals()
        return payout.with_env(cls.env)

    def balances(self, moves):
        """{account code: (debit, credit)} of ``moves``, summed per account."""
        result = {}
        for line in moves.line_ids:
            debit, credit = result.get(line.account_id.code, (0.0, 0.0))
            result[line.account_id.code] = (
                round(debit + line.debit, 2),
                round(credit + line.credit, 2),
            )
        return result

    def bank_line(self, amount, day, label, **extra):
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": day,
                "amount": amount,
                "payment_ref": label,
                **extra,
            }
        )


class TestPayoutPosting(PayoutAccountingCase):
    def test_amazon_settlement_posted_by_category(self):
        """The 14-line settlement of the connector's tests (68,01 EUR), worked by
        hand: sales 119.64 and shipping 4.90 on 707; commissions 18.68 and the
        commission given back net of the refund commission 1.20 on 6222; FBA 11.55
        on 6242; advertising 12.40 on 6231; refund 10.00 on 7097; reserve held 25.00
        and released 20.00 on 467; the unknown fee 0.10 on 471 (suspense); the net
        68.01 on the marketplace's receivable 411."""
        batch = self.channel.import_files(
            [("s.txt", (CONNECTOR_DATA / "amazon_settlement_fr.txt").read_bytes())]
        )
        payout = batch.payout_ids
        payout.action_post()
        self.assertEqual(payout.state, "posted")
        self.assertEqual(len(payout.move_ids), 1)
        move = payout.move_id
        self.assertRecordValues(
            move,
            [
                {
                    "state": "posted",
                    "date": date(2026, 3, 17),
                    "journal_id": self.channel.journal_id.id,
                    "amount_total": 145.74,
                }
            ],
        )
        receivable = self.channel.partner_id.property_account_receivable_id.code
        self.assertEqual(
            self.balances(move),
            {
                "707000": (0.0, 124.54),
                "622200": (18.68, 1.20),
                "624200": (11.55, 0.0),
                "623100": (12.40, 0.0),
                "709700": (10.00, 0.0),
                "467000": (25.00, 20.00),
                "471000": (0.10, 0.0),
                receivable: (68.01, 0.0),
            },
        )
        # Reserves: 25.00 held on 15 March, 20.00 released on 1 March (a hold made
        # before the first imported settlement): still held 25.00 (the release
        # closes no hold we know of), the reserve account shows 25.00 - 20.00.
        self.assertRecordValues(
            self.channel,
            [
                {
                    "reserve_held": 25.00,
                    "reserve_released": 20.00,
                    "reserve_balance": 25.00,
                    "reserve_balance_gl": 5.00,
                }
            ],
        )
        clearing = move.line_ids.filtered(
            lambda line: line.account_id.code == receivable
        )
        self.assertEqual(clearing.partner_id, self.channel.partner_id)
        # Posting twice is impossible; cancel + re-post is explicit.
        with self.assertRaisesRegex(UserError, "already posted"):
            payout.action_post()
        payout.action_cancel_posting()
        self.assertRecordValues(payout, [{"state": "draft", "move_ids": []}])
        self.assertEqual(move.state, "posted")
        self.assertTrue(move.reversal_move_ids)
        self.assertEqual(
            self.balances(move | move.reversal_move_ids)["707000"], (124.54, 124.54)
        )
        payout.action_post()
        self.assertEqual(payout.state, "posted")
        self.assertNotEqual(payout.move_id, move)

    def test_invoiced_order_is_settled_by_the_payout(self):
        """Order 402-1111111 of the settlement was invoiced in Odoo (64.78 = its
        principal 59.88 + shipping 4.90): those two lines settle the invoice's
        receivable instead of booking revenue again, and the invoice is paid."""
        customer = self.env["res.partner"].create({"name": "Client Amazon"})
        product = self.env["product.product"].create(
            {"name": "Lampe Orion", "invoice_policy": "order", "taxes_id": False}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "marketplace_channel_id": self.channel.id,
                "marketplace_order_ref": "402-1111111-1111111",
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "price_unit": 64.78,
                            "tax_id": False,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        batch = self.channel.import_files(
            [("s.txt", (CONNECTOR_DATA / "amazon_settlement_fr.txt").read_bytes())]
        )
        payout = batch.payout_ids
        payout.action_post()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        receivable = self.channel.partner_id.property_account_receivable_id.code
        balances = self.balances(payout.move_id)
        # 707: 124.54 of sales and shipping minus the invoiced 64.78.
        self.assertEqual(balances["707000"], (0.0, 59.76))
        self.assertEqual(balances[receivable], (68.01, 64.78))
        settlement = payout.move_id.line_ids.filtered(
            lambda line: line.partner_id == customer
        )
        self.assertEqual(settlement.name, f"Settles {invoice.name} (2 lines)")
        self.assertTrue(settlement.reconciled)
        # The other order's sale has no invoice in Odoo: it is listed, not absorbed.
        action = self.env.ref(
            "marketplace_cash.marketplace_transaction_action_without_invoice"
        )
        listed = self.env["marketplace.transaction"].search(
            safe_eval(action.domain) + [("channel_id", "=", self.channel.id)]
        )
        self.assertEqual(listed.mapped("order_ref"), ["402-2222222-2222222"])
        self.assertEqual(listed.mapped("amount"), [59.76])

    def test_stripe_payout_with_a_usd_charge_settled_in_eur(self):
        """A Stripe EUR payout: a 100.00 USD card charge converted by Stripe to 92.00
        EUR (fee 2.98 EUR, cross-border included) and a 40.00 EUR charge (fee 0.85):
        the accounts only see the settlement currency. Net 128.17 = 92.00 + 40.00 -
        2.98 - 0.85."""
        channel = self.env["marketplace.channel"].create(
            {"name": "Stripe compta", "platform": "stripe"}
        )
        txn = {
            "object": "balance_transaction",
            "currency": "eur",
            "created": 1773900000,
            "available_on": 1774072800,
            "type": "charge",
            "reporting_category": "charge",
            "status": "available",
        }
        content = json.dumps(
            {
                "payout": {
                    "id": "po_eur_1",
                    "object": "payout",
                    "amount": 12817,
                    "currency": "eur",
                    "arrival_date": 1774159200,
                    "created": 1774072800,
                    "status": "paid",
                    "automatic": True,
                },
                "balance_transactions": [
                    dict(
                        txn,
                        id="txn_usd",
                        amount=9200,
                        fee=298,
                        net=8902,
                        exchange_rate=0.92,
                        source="ch_usd",
                        description="Charge 100.00 USD",
                    ),
                    dict(
                        txn,
                        id="txn_eur",
                        amount=4000,
                        fee=85,
                        net=3915,
                        source="ch_eur",
                    ),
                ],
            }
        ).encode()
        batch = channel.import_files([("po_eur_1.json", content)])
        payout = batch.payout_ids
        self.assertTrue(payout.is_balanced)
        payout.action_post()
        receivable = channel.partner_id.property_account_receivable_id.code
        self.assertEqual(
            self.balances(payout.move_ids),
            {
                "707000": (0.0, 132.00),
                "627800": (3.83, 0.0),
                receivable: (128.17, 0.0),
            },
        )

    def test_shopify_payout_with_a_dispute_and_its_fee(self):
        """A Shopify payout: a 100.00 charge (fee 2.90) and a 50.00 dispute with its
        15.00 chargeback fee: net 100.00 - 2.90 - 50.00 - 15.00 = 32.10."""
        channel = self.env["marketplace.channel"].create(
            {"name": "Shopify compta", "platform": "shopify"}
        )
        base = {
            "test": False,
            "payout_id": 7001,
            "payout_status": "paid",
            "currency": "EUR",
            "processed_at": "2026-03-10T10:00:00+01:00",
            "source_order_id": None,
        }
        content = json.dumps(
            {
                "payouts": [
                    {
                        "id": 7001,
                        "status": "paid",
                        "date": "2026-03-12",
                        "currency": "EUR",
                        "amount": "32.10",
                    }
                ],
                "transactions": [
                    dict(
                        base,
                        id=1,
                        type="charge",
                        amount="100.00",
                        fee="2.90",
                        net="97.10",
                        source_id=11,
                        source_type="charge",
                    ),
                    dict(
                        base,
                        id=2,
                        type="dispute",
                        amount="-50.00",
                        fee="15.00",
                        net="-65.00",
                        source_id=12,
                        source_type="dispute",
                    ),
                ],
            }
        ).encode()
        payout = channel.import_files([("payout-7001.json", content)]).payout_ids
        self.assertTrue(payout.is_balanced)
        payout.action_post()
        receivable = channel.partner_id.property_account_receivable_id.code
        self.assertEqual(
            self.balances(payout.move_ids),
            {
                "707000": (0.0, 100.00),
                "709700": (50.00, 0.0),
                "627800": (17.90, 0.0),
                receivable: (32.10, 0.0),
            },
        )

    def test_negative_settlement_credits_the_marketplace(self):
        payout = self.make_payout(
            "NEG-1",
            [
                ("sale", 30.00, "2026-04-02"),
                ("commission", -4.50, "2026-04-02"),
                ("refund", -120.00, "2026-04-05"),
                ("advertising", -80.00, "2026-04-10"),
                ("subscription", -39.00, "2026-04-14"),
            ],
        )
        self.assertAlmostEqual(payout.amount_computed, -213.50, places=2)
        plan = self.env["account.analytic.plan"].create({"name": "Canaux"})
        analytic = self.env["account.analytic.account"].create(
            {"name": "Amazon.fr", "plan_id": plan.id}
        )
        self.channel.analytic_account_id = analytic
        payout.action_post()
        # Revenue and fees carry the channel's analytic account, the receivable not.
        for line in payout.move_ids.line_ids:
            expected = (
                False
                if line.account_id.account_type == "asset_receivable"
                else {str(analytic.id): 100.0}
            )
            self.assertEqual(line.analytic_distribution or False, expected)
        receivable = self.channel.partner_id.property_account_receivable_id.code
        self.assertEqual(
            self.balances(payout.move_ids),
            {
                "707000": (0.0, 30.00),
                "622200": (43.50, 0.0),
                "709700": (120.00, 0.0),
                "623100": (80.00, 0.0),
                receivable: (0.0, 213.50),
            },
        )

    def test_settlement_crossing_a_month_is_split(self):
        payout = self.make_payout(
            "MONTH-1",
            [
                ("sale", 70.00, "2026-03-30"),
                ("commission", -7.50, "2026-03-30"),
                ("fulfillment_fee", -3.00, "2026-03-31"),
                ("sale", 80.00, "2026-04-02"),
                ("commission", -12.00, "2026-04-02"),
                ("subscription", -39.00, "2026-04-03"),
            ],
            deposit="2026-04-05",
        )
        payout.action_post()
        moves = payout.move_ids.sorted("date")
        self.assertEqual(moves.mapped("date"), [date(2026, 3, 31), date(2026, 4, 5)])
        receivable = self.channel.partner_id.property_account_receivable_id.code
        self.assertEqual(
            self.balances(moves[0]),
            {
                "707000": (0.0, 70.00),
                "622200": (7.50, 0.0),
                "624200": (3.00, 0.0),
                receivable: (59.50, 0.0),
            },
        )
        self.assertEqual(
            self.balances(moves[1]),
            {"707000": (0.0, 80.00), "622200": (51.00, 0.0), receivable: (29.00, 0.0)},
        )
        self.assertAlmostEqual(payout.amount_computed, 88.50, places=2)
        self.assertEqual(payout.move_id, moves[1])

    def test_fee_with_vat_is_split_into_base_and_deductible_vat(self):
        """A Mirakl cycle whose operator invoices its commission VAT included:
        -21.60 = 18.00 commission + 3.60 deductible VAT at 20 %."""
        tax = self.env["account.chart.template"].ref("tva_acq_normale")
        self.channel.write(
            {
                "account_map_ids": [
                    fields.Command.create(
                        {
                            "category": "commission",
                            "account_id": self.env["account.chart.template"]
                            .ref("pcg_6222")
                            .id,
                            "tax_id": tax.id,
                        }
                    )
                ]
            }
        )
        payout = self.make_payout(
            "FR-AD-2026-0042",
            [
                ("sale", 120.00, "2026-05-02"),
                ("shipping", 6.00, "2026-05-02"),
                ("commission", -21.60, "2026-05-02"),
            ],
        )
        payout.action_post()
        receivable = self.channel.partner_id.property_account_receivable_id.code
        vat = tax.invoice_repartition_line_ids.filtered(
            lambda r: r.repartition_type == "tax"
        ).account_id.code
        self.assertEqual(
            self.balances(payout.move_ids),
            {
                "707000": (0.0, 126.00),
                "622200": (18.00, 0.0),
                vat: (3.60, 0.0),
                receivable: (104.40, 0.0),
            },
        )
        base = payout.move_ids.line_ids.filtered(
            lambda line: line.account_id.code == "622200"
        )
        self.assertEqual(base.tax_ids, tax)

    def test_unbalanced_payout_cannot_be_posted(self):
        payout = self.make_payout("UNB-1", [("sale", 10.00, "2026-05-02")])
        payout.amount_declared = 10.01
        payout._recompute_totals()
        self.assertFalse(payout.is_balanced)
        with self.assertRaisesRegex(UserError, "not balanced"):
            payout.action_post()
        self.assertFalse(payout.move_ids)

    def test_payout_without_lines_is_not_posted(self):
        payout = (
            self.env(su=True)["marketplace.payout"]
            .create(
                {
                    "channel_id": self.channel.id,
                    "name": "EMPTY-1",
                    "currency_id": self.eur.id,
                    "has_declared_total": True,
                    "amount_declared": 0.0,
                }
            )
            .with_env(self.env)
        )
        payout._recompute_totals()
        with self.assertRaisesRegex(UserError, "no lines"):
            payout.action_post()

    def test_lock_date_is_respected(self):
        """A payout of a locked month is posted on the first open day (Odoo's own
        rule for late documents), never inside the locked period."""
        payout = self.make_payout("LOCK-1", [("sale", 10.00, "2026-01-15")])
        self.company.fiscalyear_lock_date = date(2026, 1, 31)
        payout.action_post()
        self.assertEqual(payout.move_ids.mapped("date"), [date(2026, 2, 28)])


class TestBankMatching(PayoutAccountingCase):
    def posted(self, name, amount, deposit, **kwargs):
        payout = self.make_payout(name, [("sale", amount, deposit)], **kwargs)
        payout.action_post()
        return payout

    def assert_cleared(self, payouts):
        for payout in payouts:
            self.assertEqual(payout.state, "reconciled")
            self.assertTrue(payout.currency_id.is_zero(payout.clearing_residual))
            self.assertTrue(all(line.reconciled for line in payout._clearing_lines()))

    def test_exact_single_match_clears_the_receivable(self):
        payout = self.posted("11223344556", 68.01, "2026-03-17")
        line = self.bank_line(68.01, "2026-03-19", "AMAZON PAYMENTS EUROPE 11223344556")
        self.env["marketplace.payout"].match_bank_lines()
        self.assert_cleared(payout)
        self.assertEqual(payout.bank_line_id, line)
        self.assertTrue(line.is_reconciled)

    def test_two_payouts_in_one_deposit(self):
        first = self.posted("P-1", 100.00, "2026-03-17")
        second = self.posted("P-2", 23.45, "2026-03-18")
        line = self.bank_line(123.45, "2026-03-19", "VIR MARKETPLACE")
        self.env["marketplace.payout"].match_bank_lines()
        self.assert_cleared(first | second)
        self.assertTrue(line.is_reconciled)

    def test_same_amount_on_two_payouts_is_proposed_not_reconciled(self):
        first = self.posted("P-3", 50.00, "2026-03-17")
        second = self.posted("P-4", 50.00, "2026-03-18")
        line = self.bank_line(50.00, "2026-03-19", "VIR MARKETPLACE")
        self.env["marketplace.payout"].match_bank_lines()
        self.assertEqual((first | second).mapped("state"), ["posted", "posted"])
        proposals = self.env["marketplace.bank.proposal"].search(
            [("bank_line_id", "=", line.id)]
        )
        self.assertEqual(sorted(p.payout_ids.name for p in proposals), ["P-3", "P-4"])
        proposals.filtered(lambda p: p.payout_ids == second).action_confirm()
        self.assert_cleared(second)
        self.assertEqual(first.state, "posted")
        self.assertFalse(proposals.exists())

    def test_a_cent_of_difference_is_never_reconciled(self):
        payout = self.posted("P-5", 80.00, "2026-03-17")
        line = self.bank_line(79.99, "2026-03-18", "VIR P-5")
        self.env["marketplace.payout"].match_bank_lines()
        self.assertEqual(payout.state, "posted")
        self.assertFalse(line.is_reconciled)
        self.assertFalse(
            self.env["marketplace.bank.proposal"].search(
                [("bank_line_id", "=", line.id)]
            )
        )

    def test_negative_payout_matched_to_a_debit(self):
        payout = self.make_payout(
            "NEG-2",
            [("sale", 10.00, "2026-04-02"), ("advertising", -60.00, "2026-04-03")],
        )
        payout.action_post()
        line = self.bank_line(-50.00, "2026-04-06", "PRLV AMAZON NEG-2")
        self.env["marketplace.payout"].match_bank_lines()
        self.assert_cleared(payout)
        self.assertTrue(line.is_reconciled)

    def test_usd_payout_deposited_in_eur(self):
        """A 100.00 USD payout deposited as 92.00 EUR (the bank's rate): the USD
        receivable is cleared, the difference with the booking rate goes to the
        exchange difference accounts."""
        usd = self.env.ref("base.USD")
        usd.active = True
        self.env["res.currency.rate"].create(
            {
                "name": "2026-03-01",
                "rate": 1.25,
                "currency_id": usd.id,
                "company_id": self.company.id,
            }
        )
        payout = self.posted("po_usd", 100.00, "2026-03-17", currency=usd)
        move_line = payout._clearing_lines()
        self.assertAlmostEqual(move_line.balance, 80.00, places=2)
        line = self.bank_line(
            92.00,
            "2026-03-19",
            "STRIPE po_usd",
            foreign_currency_id=usd.id,
            amount_currency=100.00,
        )
        self.env["marketplace.payout"].match_bank_lines()
        self.assert_cleared(payout)
        self.assertTrue(line.is_reconciled)
        partials = move_line.matched_debit_ids | move_line.matched_credit_ids
        exchange = (
            move_line.full_reconcile_id.exchange_move_id | partials.exchange_move_id
        )
        self.assertTrue(exchange)
        # 100.00 USD booked at 1.25 (80.00 EUR), received 92.00 EUR: a 12.00 gain.
        self.assertAlmostEqual(sum(exchange.line_ids.mapped("debit")), 12.00, places=2)
        self.assertAlmostEqual(abs(sum(exchange.line_ids.mapped("balance"))), 0.0)
        self.assertEqual(
            set(exchange.line_ids.mapped("account_id.code"))
            - {move_line.account_id.code},
            {self.company.income_currency_exchange_account_id.code},
        )

    def test_a_bank_line_of_another_company_is_never_matched(self):
        payout = self.posted("P-CO-1", 77.77, "2026-03-17")
        other = self.setup_other_company(name="Autre société")
        # The other company has payouts waiting too: both companies are matched.
        channel_b = self.env["marketplace.channel"].create(
            {
                "name": "Amazon.de autre",
                "platform": "amazon",
                "company_id": other["company"].id,
            }
        )
        payout_b = self.make_payout(
            "P-CO-2", [("sale", 12.34, "2026-03-17")], channel=channel_b
        )
        payout_b.with_company(other["company"]).action_post()
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": other["default_journal_bank"].id,
                "date": "2026-03-18",
                "amount": 77.77,
                "payment_ref": "VIR P-CO-1",
            }
        )
        self.env["marketplace.payout"].match_bank_lines()
        self.assertEqual(payout.state, "posted")
        self.assertFalse(line.is_reconciled)
        self.assertFalse(
            self.env["marketplace.bank.proposal"].search(
                [("bank_line_id", "=", line.id)]
            )
        )
