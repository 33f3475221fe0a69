# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
import json
import random
from pathlib import Path
from unittest.mock import patch

import psycopg2

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models import marketplace_binder

DATA = Path(__file__).parent / "data"

# amazon_settlement_fr.txt, worked by hand (EUR, decimal comma, 14 detail lines):
#   order 402-1111111: Principal 59.88 + Shipping 4.90 - Commission 9.72 - FBA 4.35
#   order 402-2222222: Principal 59.76 - Commission 8.96 - FBA 7.20
#   refund 402-3333333: Principal -10.00 + Commission back 1.50 - RefundCommission 0.30
#   advertising -12.40; reserve held -25.00; previous reserve released +20.00;
#   an unknown "Brand New Fee Type" -0.10
#   total 68.01 = the summary row's total-amount
AMAZON_CATEGORIES = [
    {"category": "reserve_hold", "amount": -25.00, "line_count": 1},
    {"category": "commission", "amount": -18.68, "line_count": 2},
    {"category": "advertising", "amount": -12.40, "line_count": 1},
    {"category": "fulfillment_fee", "amount": -11.55, "line_count": 2},
    {"category": "refund", "amount": -10.00, "line_count": 1},
    {"category": "unknown", "amount": -0.10, "line_count": 1},
    {"category": "refund_fee", "amount": 1.20, "line_count": 2},
    {"category": "shipping", "amount": 4.90, "line_count": 1},
    {"category": "reserve_release", "amount": 20.00, "line_count": 1},
    {"category": "sale", "amount": 119.64, "line_count": 2},
]


class ImportCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.channel = cls.env["marketplace.channel"].create(
            {
                "name": "Amazon.fr test",
                "platform": "amazon",
                "currency_id": cls.eur.id,
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        cls.amazon_file = (DATA / "amazon_settlement_fr.txt").read_bytes()

    def lamp_and_its_order(self):
        """The product of SKU ML-LAMP-001 and the channel's order 402-1111111."""
        lamp = self.env["product.product"].create(
            {"name": "Lampe Orion", "default_code": "ML-LAMP-001"}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Client"}).id,
                "marketplace_channel_id": self.channel.id,
                "marketplace_order_ref": "402-1111111-1111111",
            }
        )
        return lamp, order

    def import_amazon(self, content=None, filename="settlement.txt"):
        return self.channel.import_files([(filename, content or self.amazon_file)])


@tagged("post_install", "-at_install")
class TestImportAmazonSettlement(ImportCase):
    def test_import_creates_balanced_payout(self):
        lamp, order = self.lamp_and_its_order()
        batch = self.import_amazon()
        self.assertRecordValues(
            batch,
            [
                {
                    "state": "done",
                    "source_format": "amazon_settlement_v2",
                    "line_count": 14,
                    "new_line_count": 14,
                    "new_payout_count": 1,
                    "error_message": False,
                }
            ],
        )
        payout = batch.payout_ids
        self.assertRecordValues(
            payout,
            [
                {
                    "name": "11223344556",
                    "channel_id": self.channel.id,
                    "currency_id": self.eur.id,
                    "has_declared_total": True,
                    "amount_declared": 68.01,
                    "amount_computed": 68.01,
                    "amount_difference": 0.0,
                    "is_balanced": True,
                    "transaction_count": 14,
                    "import_batch_id": batch.id,
                }
            ],
        )
        self.assertEqual(str(payout.date_deposit), "2026-03-17 00:00:00")
        self.assertRecordValues(payout.category_total_ids, AMAZON_CATEGORIES)
        lines = payout.transaction_ids
        self.assertEqual(len(set(lines.mapped("external_key"))), 14)
        lamp_lines = lines.filtered(lambda t: t.sku == "ML-LAMP-001")
        self.assertEqual(len(lamp_lines), 4)
        self.assertEqual(lamp_lines.product_id, lamp)
        self.assertEqual(lamp_lines.sale_order_id, order)
        self.assertEqual(order.marketplace_transaction_ids, lamp_lines)
        commission = lines.filtered(
            lambda t: (
                t.raw_type == "Order/ItemFees/Commission"
                and t.order_ref == "402-1111111-1111111"
            )
        )
        self.assertRecordValues(
            commission,
            [
                {
                    "category": "commission",
                    "amount": -9.72,
                    "quantity": 1.0,
                    "order_line_ref": "11111111111111",
                }
            ],
        )
        self.assertEqual(str(commission.posted_at), "2026-03-05 10:11:12")
        # A SKU mapped after the import gives its product to the waiting lines.
        cushion = self.env["product.product"].create({"name": "Coussin lin"})
        deco_lines = lines.filtered(lambda t: t.sku == "ML-DECO-002")
        self.assertEqual(len(deco_lines), 3)
        self.assertFalse(deco_lines.product_id)
        self.env["marketplace.sku.mapping"].create(
            {
                "channel_id": self.channel.id,
                "sku": "ML-DECO-002",
                "product_id": cushion.id,
            }
        )
        self.assertEqual(deco_lines.product_id, cushion)
        self.assertEqual(lamp_lines.product_id, lamp)

    def test_reimport_creates_nothing_and_says_so(self):
        first = self.import_amazon()
        second = self.import_amazon()
        self.assertRecordValues(
            second,
            [
                {
                    "state": "done",
                    "line_count": 14,
                    "new_line_count": 0,
                    "known_line_count": 14,
                    "new_payout_count": 0,
                }
            ],
        )
        self.assertIn("Already imported", second.message)
        self.assertEqual(second.payout_ids, first.payout_ids)
        self.assertEqual(
            self.env["marketplace.transaction"].search_count(
                [("channel_id", "=", self.channel.id)]
            ),
            14,
        )
        self.assertEqual(first.payout_ids.transaction_count, 14)

    def test_failure_at_a_random_line_leaves_nothing(self):
        lines = self.amazon_file.decode().split("\r\n")
        rng = random.Random(20261123)
        bad_line = rng.randrange(3, 17)  # a detail row (line 1 header, 2 summary)
        cells = lines[bad_line - 1].split("\t")
        cells[14] = "12,3,4"
        lines[bad_line - 1] = "\t".join(cells)
        batch = self.import_amazon("\r\n".join(lines).encode(), "broken.txt")
        self.assertRecordValues(
            batch,
            [
                {
                    "state": "failed",
                    "error_filename": "broken.txt",
                    "error_line": bad_line,
                    "error_column": "amount",
                    "error_value": "12,3,4",
                    "new_line_count": 0,
                }
            ],
        )
        self.assertIn(f"line {bad_line}", batch.error_message)
        self.assertTrue(batch.attachment_id.raw.startswith(b"settlement-id"))
        self.assertFalse(
            self.env["marketplace.transaction"].search(
                [("channel_id", "=", self.channel.id)]
            )
        )
        self.assertFalse(
            self.env["marketplace.payout"].search(
                [("channel_id", "=", self.channel.id)]
            )
        )
        # Fixed and replayed, the same batch imports.
        batch.attachment_id.raw = self.amazon_file
        batch.action_replay()
        self.assertEqual(batch.state, "done")
        self.assertEqual(batch.new_line_count, 14)

    def test_small_pages_give_the_same_ledger(self):
        """Pages are written by a writer thread while the next one is parsed:
        with 3-line pages (5 pages for 14 lines) the ledger is the same, products
        and orders are linked on every page."""
        lamp, order = self.lamp_and_its_order()
        with patch.object(marketplace_binder, "PAGE_SIZE", 3):
            batch = self.import_amazon()
            again = self.import_amazon()
        self.assertRecordValues(
            batch + again,
            [
                {"state": "done", "line_count": 14, "new_line_count": 14},
                {"state": "done", "line_count": 14, "new_line_count": 0},
            ],
        )
        payout = batch.payout_ids
        self.assertTrue(payout.is_balanced)
        self.assertRecordValues(payout.category_total_ids, AMAZON_CATEGORIES)
        lamp_lines = payout.transaction_ids.filtered(lambda t: t.sku == "ML-LAMP-001")
        self.assertEqual(sorted(lamp_lines.mapped("line_no")), [3, 4, 5, 6])
        self.assertEqual(lamp_lines.product_id, lamp)
        self.assertEqual(lamp_lines.sale_order_id, order)

    def test_writer_error_leaves_nothing(self):
        """A database error while a page is written (in the writer thread) fails
        the batch and rolls back every page already written."""
        calls = []
        write_page = marketplace_binder._BindState.write_page

        def failing_write_page(state, data):
            calls.append(len(data))
            inserted = write_page(state, data)
            if len(calls) == 3:
                raise psycopg2.DataError("value out of range on page 3")
            return inserted

        with (
            patch.object(marketplace_binder, "PAGE_SIZE", 3),
            patch.object(
                marketplace_binder._BindState, "write_page", failing_write_page
            ),
        ):
            batch = self.import_amazon()
        self.assertEqual(len(calls), 3)
        self.assertRecordValues(
            batch,
            [{"state": "failed", "new_line_count": 0, "error_line": 0}],
        )
        self.assertIn("value out of range on page 3", batch.error_message)
        self.assertFalse(
            self.env["marketplace.transaction"].search_count(
                [("channel_id", "=", self.channel.id)]
            )
        )
        self.assertFalse(
            self.env["marketplace.payout"].search_count(
                [("channel_id", "=", self.channel.id)]
            )
        )
        # The cursor is usable again and the same file imports.
        self.assertEqual(self.import_amazon().new_line_count, 14)

    def test_settlement_file_kept_without_text_index(self):
        batch = self.import_amazon()
        attachment = batch.attachment_id
        self.assertEqual(attachment.raw, self.amazon_file)
        self.assertEqual(attachment.res_model, "marketplace.import.batch")
        self.assertFalse(attachment.index_content)
        # Other text attachments are still indexed.
        note = self.env["ir.attachment"].create(
            {"name": "note.txt", "raw": b"Bonjour tout le monde"}
        )
        self.assertIn("Bonjour", note.index_content)

    def test_unbalanced_payout_is_flagged(self):
        content = self.amazon_file.replace(b"\t68,01\t", b"\t68,11\t")
        payout = self.import_amazon(content).payout_ids
        self.assertRecordValues(
            payout,
            [
                {
                    "amount_declared": 68.11,
                    "amount_computed": 68.01,
                    "is_balanced": False,
                }
            ],
        )
        self.assertAlmostEqual(payout.amount_difference, 0.10, places=2)

    def test_unknown_format_fails_clearly(self):
        batch = self.channel.import_files([("notes.txt", b"hello\tworld\n")])
        self.assertEqual(batch.state, "failed")
        self.assertIn("unrecognized file format", batch.error_message)
        self.assertEqual(batch.error_line, 1)


@tagged("post_install", "-at_install")
class TestImportAccess(ImportCase):
    def test_company_b_cannot_see_company_a_payouts(self):
        batch = self.import_amazon()
        company_b = self.env["res.company"].create({"name": "Société B"})
        user_b = new_test_user(
            self.env,
            login="mkt_import_b",
            groups="marketplace_connectors.group_marketplace_user",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        user_a = new_test_user(
            self.env,
            login="mkt_import_a",
            groups="marketplace_connectors.group_marketplace_user",
        )
        payout = batch.payout_ids
        Payout = self.env["marketplace.payout"]
        self.assertEqual(
            Payout.with_user(user_a).search([("channel_id", "=", self.channel.id)]),
            payout,
        )
        self.assertFalse(Payout.with_user(user_b).search([]))
        self.assertFalse(
            self.env["marketplace.transaction"].with_user(user_b).search([])
        )
        with self.assertRaises(AccessError):
            payout.with_user(user_b).read(["amount_declared"])

    def test_user_imports_but_cannot_edit_the_ledger(self):
        user = new_test_user(
            self.env,
            login="mkt_importer",
            groups="marketplace_connectors.group_marketplace_user",
        )
        batch = self.channel.with_user(user).import_files(
            [("settlement.txt", self.amazon_file)]
        )
        self.assertEqual(batch.state, "done")
        payout = batch.payout_ids.with_user(user)
        self.assertTrue(payout.is_balanced)
        with self.assertRaises(AccessError):
            payout.write({"amount_declared": 1.0})
        with self.assertRaises(AccessError):
            payout.transaction_ids[:1].write({"amount": 1.0})
        with self.assertRaises(AccessError):
            payout.transaction_ids[:1].unlink()


def _shopify_transactions(ids):
    """Shopify balance transactions of payout 777: 100.00 charges, 2.90 fees."""
    return json.dumps(
        {
            "transactions": [
                {
                    "id": txn,
                    "type": "charge",
                    "test": False,
                    "payout_id": 777,
                    "payout_status": "paid",
                    "currency": "EUR",
                    "amount": "100.00",
                    "fee": "2.90",
                    "net": "97.10",
                    "source_id": 10 + txn,
                    "source_type": "charge",
                    "source_order_id": 5000 + txn,
                    "processed_at": "2026-03-08T10:00:00+01:00",
                }
                for txn in ids
            ]
        }
    ).encode()


@tagged("post_install", "-at_install")
class TestImportOverlap(TransactionCase):
    def test_overlapping_pages_add_only_new_lines(self):
        self.env.ref("base.EUR").active = True
        channel = self.env["marketplace.channel"].create(
            {
                "name": "Shopify test",
                "platform": "shopify",
                "currency_id": self.env.ref("base.EUR").id,
            }
        )
        first = channel.import_files([("page1.json", _shopify_transactions([1, 2, 3]))])
        second = channel.import_files(
            [("page2.json", _shopify_transactions([3, 4, 5]))]
        )
        self.assertRecordValues(
            first + second,
            [
                {"state": "done", "line_count": 6, "new_line_count": 6},
                {"state": "done", "line_count": 6, "new_line_count": 4},
            ],
        )
        payout = second.payout_ids
        self.assertRecordValues(
            payout,
            [
                {
                    "name": "777",
                    "transaction_count": 10,
                    "amount_computed": 485.50,
                    "has_declared_total": False,
                    "is_balanced": False,
                }
            ],
        )
        self.assertRecordValues(
            payout.category_total_ids,
            [
                {"category": "payment_fee", "amount": -14.50, "line_count": 5},
                {"category": "sale", "amount": 500.00, "line_count": 5},
            ],
        )


def _mirakl_line(line_id, kind, amount, state="PAID", document="FR-AD-2026-0042"):
    """One Mirakl TL02 line (``amount`` signed, seller's view)."""
    return {
        "id": line_id,
        "type": kind,
        "currency_iso_code": "EUR",
        "date_created": "2026-11-02T09:00:00Z",
        "last_updated": "2026-11-16T05:00:00Z",
        "payment_state": state,
        "amount_credited": max(amount, 0),
        "amount_debited": max(-amount, 0),
        "accounting_document_number": document if state == "PAID" else None,
        "entities": {"order": {"id": "300001-A"}, "order_line": {"id": "300001-A-1"}},
    }


@tagged("post_install", "-at_install")
class TestImportPendingLines(TransactionCase):
    def test_line_read_pending_joins_its_payout_when_paid(self):
        """TL02 gives a line first PENDING (no accounting document), then PAID with
        the cycle's document and the PAYMENT: the known line joins the payout, which
        balances; nothing is created twice."""
        self.env.ref("base.EUR").active = True
        channel = self.env["marketplace.channel"].create(
            {"name": "Fnac-Darty test", "platform": "mirakl"}
        )
        pending = {
            "data": [
                _mirakl_line("l-1", "ORDER_AMOUNT", 120.0, state="PENDING"),
                _mirakl_line("l-2", "COMMISSION_FEE", -18.0, state="PENDING"),
            ]
        }
        paid = {
            "data": [
                _mirakl_line("l-1", "ORDER_AMOUNT", 120.0),
                _mirakl_line("l-2", "COMMISSION_FEE", -18.0),
                _mirakl_line("l-3", "PAYMENT", -102.0),
            ]
        }
        first = channel.import_files(
            [("tl02-1.json", json.dumps(pending).encode())], "mirakl_tl02_json"
        )
        self.assertRecordValues(first, [{"state": "done", "new_line_count": 2}])
        lines = self.env["marketplace.transaction"].search(
            [("channel_id", "=", channel.id)]
        )
        self.assertFalse(lines.payout_id)
        second = channel.import_files(
            [("tl02-2.json", json.dumps(paid).encode())], "mirakl_tl02_json"
        )
        self.assertRecordValues(second, [{"state": "done", "new_line_count": 0}])
        self.assertRecordValues(
            second.payout_ids,
            [
                {
                    "name": "FR-AD-2026-0042",
                    "amount_declared": 102.0,
                    "amount_computed": 102.0,
                    "is_balanced": True,
                    "transaction_count": 2,
                }
            ],
        )
        self.assertEqual(lines.payout_id, second.payout_ids)
