"""Mirakl back-office export of transaction lines (Payments > Transactions), CSV.

One header line, columns found by name (case- and accent-insensitive). English labels
(as a US operator writes them): ``Date created, Date received, Transaction Date,
Seller, Order number, Invoice number, Transaction Number, Quantity, Category Label,
Offer SKU, Description, Type, Payment status, Payment reference, Amount, Debit,
Credit, Balance, Currency, Customer order reference, Seller order reference, Billing
cycle date, Seller ID, Order line ID, Refund ID, Sales channel`` (+ an optional
``Transaction ID``/``ID``, the TL02 line id). The French variant supported is
``FRENCH_LABELS`` (``Date de création, Numéro de commande, Type, Montant, Débit,
Crédit, Devise, Référence de paiement…``). Required: ``Type``, ``Currency`` and
``Amount`` or ``Debit`` + ``Credit``.

Locale: the delimiter is sniffed from the header line (``;``, ``,`` or tab). With
``;`` (French operators) amounts use a decimal comma, else a decimal point
(``options["decimal_separator"]`` overrides). Dates are day-first
(``31/03/2025 14:02:11``) in a French-labelled file, month-first
(``03/31/2025 02:02:11 PM``) otherwise; ISO 8601 is always accepted.

``Type`` is the English label (``Order amount``, ``Commission tax``…), the French
label of ``TYPE_LABELS`` or the API code (``ORDER_AMOUNT``); categories as in
:mod:`.mirakl_transactions`. ``amount = Credit - Debit``, checked against ``Amount``
when both are given. The ``Payment`` row is the payout (``PayoutInfo``,
``amount_declared = -amount``, no ``Line``). Payout ref of every row: ``Payment
reference``, else ``Invoice number`` (the accounting document), and for the PAYMENT
row, failing both, its ``Transaction Number`` or ``Transaction ID``; ``""`` for a row
not paid yet. Keys: ``mirakl:<Transaction ID>`` (same as TL02) when the column is
there, else a content hash of the row's stable columns plus the rank of identical
rows within the payout.
"""

import csv
import itertools
import re
import unicodedata
from decimal import Decimal

from ..dates import DATETIME_FORMATS
from ..keys import content_key, external_key
from ..records import Line, PayoutInfo
from ..textio import as_binary, iter_text_lines
from ._common import CsvReader
from .mirakl_transactions import PAYMENT, TYPE_MAP, _or_zero, category_of

FORMAT = "mirakl_tl02_csv"
PLATFORM = "mirakl"
LABEL = "Mirakl transactions export (back-office CSV)"

__all__ = ["FRENCH_LABELS", "TYPE_LABELS", "TYPE_MAP", "parse", "sniff"]


def normalize(text):
    """Lower-case, accents removed, blanks collapsed: the form labels are matched in.

    >>> normalize("  Date de  Création ")
    'date de creation'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


# French header label (normalized) -> the English column name used here.
FRENCH_LABELS = {
    "date de creation": "date created",
    "date de reception": "date received",
    "date de transaction": "transaction date",
    "vendeur": "seller",
    "numero de commande": "order number",
    "numero de facture": "invoice number",
    "numero de transaction": "transaction number",
    "quantite": "quantity",
    "libelle de categorie": "category label",
    "sku offre": "offer sku",
    "sku de l'offre": "offer sku",
    "type": "type",
    "statut du paiement": "payment status",
    "reference de paiement": "payment reference",
    "montant": "amount",
    "debit": "debit",
    "credit": "credit",
    "solde": "balance",
    "devise": "currency",
    "reference commande client": "customer order reference",
    "reference commande vendeur": "seller order reference",
    "date du cycle de facturation": "billing cycle date",
    "id vendeur": "seller id",
    "id ligne de commande": "order line id",
    "id remboursement": "refund id",
    "canal de vente": "sales channel",
    "id transaction": "transaction id",
}
ALIASES = {"id": "transaction id"}

# Type label (normalized) -> API code. English labels as the back office writes
# them; French labels of the supported French variant.
TYPE_LABELS = {
    "order amount": "ORDER_AMOUNT",
    "order amount tax": "ORDER_AMOUNT_TAX",
    "order amount tax remitted by operator": "OPERATOR_REMITTED_ORDER_AMOUNT_TAX",
    "shipping charges": "ORDER_SHIPPING_AMOUNT",
    "shipping tax": "ORDER_SHIPPING_AMOUNT_TAX",
    "shipping charges tax remitted by operator": (
        "OPERATOR_REMITTED_ORDER_SHIPPING_AMOUNT_TAX"
    ),
    "commission": "COMMISSION_FEE",
    "commission tax": "COMMISSION_VAT",
    "order amount refund": "REFUND_ORDER_AMOUNT",
    "order amount tax refund": "REFUND_ORDER_AMOUNT_TAX",
    "order amount tax remitted by operator refund": (
        "OPERATOR_REMITTED_REFUND_ORDER_AMOUNT_TAX"
    ),
    "shipping charge refund": "REFUND_ORDER_SHIPPING_AMOUNT",
    "shipping tax refund": "REFUND_ORDER_SHIPPING_AMOUNT_TAX",
    "shipping charges tax remitted by operator refund": (
        "OPERATOR_REMITTED_REFUND_ORDER_SHIPPING_AMOUNT_TAX"
    ),
    "commission refund": "REFUND_COMMISSION_FEE",
    "commission tax refund": "REFUND_COMMISSION_VAT",
    "subscription": "SUBSCRIPTION_FEE",
    "subscription tax": "SUBSCRIPTION_VAT",
    "manual credit": "MANUAL_CREDIT",
    "manual credit tax": "MANUAL_CREDIT_VAT",
    "manual invoice": "MANUAL_INVOICE",
    "manual invoice tax": "MANUAL_INVOICE_VAT",
    "payment": PAYMENT,
    "seller reserve fund": "SELLER_RESERVE_FUND",
    "seller reserve settlement": "SELLER_RESERVE_SETTLEMENT",
    # French
    "montant de la commande": "ORDER_AMOUNT",
    "taxe sur le montant de la commande": "ORDER_AMOUNT_TAX",
    "frais de port": "ORDER_SHIPPING_AMOUNT",
    "taxe sur les frais de port": "ORDER_SHIPPING_AMOUNT_TAX",
    "tva sur commission": "COMMISSION_VAT",
    "remboursement du montant de la commande": "REFUND_ORDER_AMOUNT",
    "remboursement de la taxe sur le montant de la commande": (
        "REFUND_ORDER_AMOUNT_TAX"
    ),
    "remboursement des frais de port": "REFUND_ORDER_SHIPPING_AMOUNT",
    "remboursement de la taxe sur les frais de port": (
        "REFUND_ORDER_SHIPPING_AMOUNT_TAX"
    ),
    "remboursement de commission": "REFUND_COMMISSION_FEE",
    "remboursement de la tva sur commission": "REFUND_COMMISSION_VAT",
    "abonnement": "SUBSCRIPTION_FEE",
    "tva sur abonnement": "SUBSCRIPTION_VAT",
    "avoir manuel": "MANUAL_CREDIT",
    "tva sur avoir manuel": "MANUAL_CREDIT_VAT",
    "facture manuelle": "MANUAL_INVOICE",
    "tva sur facture manuelle": "MANUAL_INVOICE_VAT",
    "paiement": PAYMENT,
    "fonds de reserve vendeur": "SELLER_RESERVE_FUND",
    "restitution de la reserve vendeur": "SELLER_RESERVE_SETTLEMENT",
}
assert set(TYPE_LABELS.values()) <= set(TYPE_MAP) | {PAYMENT}

# Columns that identify a row (not the payment columns, which change when paid).
KEY_COLUMNS = (
    "date created",
    "transaction date",
    "order number",
    "transaction number",
    "quantity",
    "offer sku",
    "description",
    "type",
    "amount",
    "debit",
    "credit",
    "currency",
    "order line id",
    "refund id",
)
DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", *DATETIME_FORMATS)
MONTH_FIRST = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    *DATETIME_FORMATS,
)
_DELIMITERS = (";", ",", "\t")


def column_of(label):
    """The column a header label stands for, and whether the label is French.

    >>> column_of("Référence de paiement"), column_of("Offer SKU")
    (('payment reference', True), ('offer sku', False))
    """
    name = normalize(label.strip().strip('"'))
    if name in FRENCH_LABELS and name not in ("type", "debit", "credit"):
        return FRENCH_LABELS[name], True
    return ALIASES.get(name, name), False


def type_code(label):
    """The API code of a ``Type`` cell.

    >>> type_code("Commission tax"), type_code("Frais de port"), type_code("PAYMENT")
    ('COMMISSION_VAT', 'ORDER_SHIPPING_AMOUNT', 'PAYMENT')
    """
    name = normalize(label)
    if name in TYPE_LABELS:
        return TYPE_LABELS[name]
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def delimiter_of(header_line):
    """The most frequent of ``;``, ``,`` and tab in the header line.

    >>> delimiter_of("Date de création;Type;Montant"), delimiter_of("Type,Amount")
    (';', ',')
    """
    counts = [header_line.count(d) for d in _DELIMITERS]
    return _DELIMITERS[counts.index(max(counts))]


def sniff(head, filename=""):
    """A delimited header with Mirakl's transaction columns (English or French).

    >>> sniff(b"Date created,Order number,Type,Payment reference,Amount,Debit,Credit,"
    ...       b"Balance,Currency")
    True
    >>> sniff("Date de création;Type;Référence de paiement;Débit;Crédit;Devise"
    ...       .encode("utf-8"))
    True
    >>> sniff(b"Transaction Date,Type,Order,Payout Status,Payout ID,Amount,Fee,Net")
    False
    """
    try:
        first = bytes(head).split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf")
    except (TypeError, ValueError):
        return False
    try:
        text = first.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        text = first.decode("cp1252", "replace").rstrip("\r")
    names = {column_of(label)[0] for label in text.split(delimiter_of(text))}
    return {"type", "currency", "debit", "credit"} <= names and bool(
        names & {"payment reference", "invoice number", "order number"}
    )


class _Reader(CsvReader):
    decimal = "."
    formats = MONTH_FIRST

    def __init__(self, filename, options):
        super().__init__(filename)
        self.options = options
        self.occurrences = {}

    def read_header(self, cells, delimiter):
        french = False
        for i, label in enumerate(cells):
            name, is_french = column_of(label)
            french = french or is_french
            self.index.setdefault(name, i)
        for name in ("type", "currency"):
            if name not in self.index:
                raise self.error(f"missing column {name!r}", 1, column=name)
        if "amount" not in self.index and not {"debit", "credit"} <= set(self.index):
            raise self.error(
                "missing column 'amount' (or 'debit' and 'credit')", 1, column="amount"
            )
        self.decimal = self.options.get("decimal_separator") or (
            "," if delimiter == ";" else "."
        )
        self.formats = DAY_FIRST if french else MONTH_FIRST

    def amount(self, cells, name, line, required=False):
        return super().amount(cells, name, line, required)

    def money(self, cells, line):
        debit = self.amount(cells, "debit", line)
        credit = self.amount(cells, "credit", line)
        amount = self.amount(cells, "amount", line)
        for name, value in (("debit", debit), ("credit", credit)):
            if value is not None and value < 0:
                raise self.error("negative amount", line, name, self.cell(cells, name))
        if debit is None and credit is None:
            if amount is None:
                raise self.error("missing amount", line, "amount", "")
            return amount
        computed = _or_zero(credit) - _or_zero(debit)
        if amount is not None and amount != computed:
            raise self.error(
                f"amount is not credit - debit ({computed})",
                line,
                "amount",
                self.cell(cells, "amount"),
            )
        return computed

    def key(self, cells, payout_ref):
        line_id = self.cell(cells, "transaction id")
        if line_id:
            return external_key("mirakl", line_id)
        values = [self.cell(cells, name) for name in KEY_COLUMNS]
        slot = (payout_ref, *values)
        occurrence = self.occurrences.get(slot, 0)
        self.occurrences[slot] = occurrence + 1
        return content_key("mirakl:csv", values, occurrence)

    def row(self, cells, line):
        """Yield the ``PayoutInfo`` (PAYMENT row) or the ``Line`` of one row."""
        raw_type = self.cell(cells, "type")
        if not raw_type:
            raise self.error("missing type", line, "type", "")
        currency = self.currency(cells, line)
        amount = self.money(cells, line)
        posted_at = self.date(cells, "transaction date", line) or self.date(
            cells, "date created", line
        )
        payout_ref = self.cell(cells, "payment reference") or self.cell(
            cells, "invoice number"
        )
        code = type_code(raw_type)
        if code == PAYMENT:
            yield PayoutInfo(
                ref=payout_ref
                or self.cell(cells, "transaction number")
                or self.key(cells, ""),
                currency=currency,
                amount_declared=-amount,
                date_deposit=posted_at,
                status=self.cell(cells, "payment status"),
                line_no=line,
            )
            return
        quantity = self.amount(cells, "quantity", line)
        refund = self.cell(cells, "refund id")
        description = self.cell(cells, "description")
        if refund:
            description = f"{description} (refund {refund})".strip()
        yield Line(
            external_key=self.key(cells, payout_ref),
            category=category_of(code),
            amount=amount,
            currency=currency,
            raw_type=raw_type,
            line_no=line,
            payout_ref=payout_ref,
            posted_at=posted_at,
            order_ref=self.cell(cells, "order number"),
            order_line_ref=self.cell(cells, "order line id"),
            sku=self.cell(cells, "offer sku"),
            quantity=quantity if quantity is not None else Decimal(0),
            description=description,
        )


def parse(stream, filename="", options=None):
    """Yield a ``PayoutInfo`` per Payment row and a ``Line`` per other row."""
    reader = _Reader(filename, options or {})
    lines = iter_text_lines(as_binary(stream))
    first = next(lines, None)
    if first is None or not first.strip():
        raise reader.error("empty file", 1)
    delimiter = delimiter_of(first)
    rows = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    yield from reader.records(
        rows, lambda header: reader.read_header(header, delimiter)
    )
