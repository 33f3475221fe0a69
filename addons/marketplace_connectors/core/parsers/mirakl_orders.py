"""Mirakl OR11 orders (``GET /api/orders``, JSON), orders import.

Accepted shape: ``{"orders": [...], "total_count": N}`` (one OR11 page). Each order
gives one :class:`OrderInfo`:

- ``ref`` = ``order_id`` (``<commercial_id>-A``: one shop's part of a customer order,
  unique per operator, which the TL02 transaction lines carry too);
- ``date_order`` = ``created_date``; ``status`` = ``order_state`` lower-cased
  (``shipping``, ``shipped``, ``received``, ``closed``, ``canceled``, ``refused``...);
- ``currency`` = ``currency_iso_code``;
- customer: ``customer.firstname`` + ``lastname`` (else the shipping address's),
  ``customer.email`` (else ``customer_notification_email``), country from
  ``customer.shipping_address.country_iso_code`` (else the billing address's).
  Mirakl writes ISO 3166 alpha-3 codes (``FRA``): they are converted to alpha-2.

Each ``order_lines[]`` item gives an item line: ``sku`` = ``offer_sku`` (the seller's
SKU; empty kept, named after ``product_title``), ``quantity``, ``price_unit`` (else
``price / quantity``), ``line_ref`` = ``order_line_id``. A non-zero line
``shipping_price`` gives a shipping line (empty SKU, quantity 1, ``line_ref``
``shipping:<order_line_id>``); when no line carries ``shipping_price`` the order's
``shipping_price`` gives one ``shipping:<order_id>`` line. ``tax_included`` follows
``order_tax_mode`` (``TAX_INCLUDED`` -> True, ``TAX_EXCLUDED`` -> False; absent ->
``options["tax_included"]``, default True as on French operators).

``line_no`` is the 1-based index of the order in ``orders``; error columns are JSON
paths such as ``orders[2].order_lines[0].price_unit``.
"""

import re
from decimal import Context, Decimal

from ..records import OrderInfo, OrderLineInfo
from ._common import JsonReader, json_head, load_json, order_charge, short

FORMAT = "mirakl_or11_json"
PLATFORM = "mirakl"
LABEL = "Mirakl orders OR11 (JSON, orders)"

# Order imports produce orders, no ledger line: nothing maps to a category.
TYPE_MAP = {}

ZERO = Decimal(0)
_DIVISION = Context(prec=28)
TAX_MODES = {"TAX_INCLUDED": True, "TAX_EXCLUDED": False}
CANCELLED = {"canceled", "refused"}

# ISO 3166-1 alpha-3 -> alpha-2 (from iso-codes), as 5-letter pairs.
_ALPHA3 = (
    "ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF "
    "ATGAG AUSAU AUTAT AZEAZ BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS "
    "BIHBA BLMBL BLRBY BLZBZ BMUBM BOLBO BRABR BRBBB BRNBN BTNBT BVTBV BWABW CAFCF "
    "CANCA CCKCC CHECH CHLCL CHNCN CIVCI CMRCM CODCD COGCG COKCK COLCO COMKM CPVCV "
    "CRICR CUBCU CUWCW CXRCX CYMKY CYPCY CZECZ DEUDE DJIDJ DMADM DNKDK DOMDO DZADZ "
    "ECUEC EGYEG ERIER ESHEH ESPES ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM "
    "GABGA GBRGB GEOGE GGYGG GHAGH GIBGI GINGN GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD "
    "GRLGL GTMGT GUFGF GUMGU GUYGY HKGHK HMDHM HNDHN HRVHR HTIHT HUNHU IDNID IMNIM "
    "INDIN IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ITAIT JAMJM JEYJE JORJO JPNJP KAZKZ "
    "KENKE KGZKG KHMKH KIRKI KNAKN KORKR KWTKW LAOLA LBNLB LBRLR LBYLY LCALC LIELI "
    "LKALK LSOLS LTULT LUXLU LVALV MACMO MAFMF MARMA MCOMC MDAMD MDGMG MDVMV MEXMX "
    "MHLMH MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP MOZMZ MRTMR MSRMS MTQMQ MUSMU "
    "MWIMW MYSMY MYTYT NAMNA NCLNC NERNE NFKNF NGANG NICNI NIUNU NLDNL NORNO NPLNP "
    "NRUNR NZLNZ OMNOM PAKPK PANPA PCNPN PERPE PHLPH PLWPW PNGPG POLPL PRIPR PRKKP "
    "PRTPT PRYPY PSEPS PYFPF QATQA REURE ROURO RUSRU RWARW SAUSA SDNSD SENSN SGPSG "
    "SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM SRBRS SSDSS STPST SURSR "
    "SVKSK SVNSI SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK "
    "TKMTM TLSTL TONTO TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY "
    "USAUS UZBUZ VATVA VCTVC VENVE VGBVG VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE ZAFZA "
    "ZMBZM ZWEZW "
)
ALPHA3 = {pair[:3]: pair[3:] for pair in _ALPHA3.split()}
ALPHA3.update({"FXX": "FR", "XKX": "XK"})

_KEY = re.compile(rb'^\{.*"orders"\s*:\s*\[', re.DOTALL)
_MIRAKL = re.compile(rb'"(order_lines|order_state|commercial_id|order_tax_mode)"')
_SHOPIFY = re.compile(rb'"(line_items|financial_status)"')


def sniff(head, filename=""):
    """An OR11 page: ``{"orders": [...]}`` with Mirakl's order keys.

    >>> sniff(b'{"orders": [{"order_id": "C1-A", "order_state": "SHIPPED"}]}')
    True
    >>> sniff(b'{"orders": [{"id": 1, "line_items": []}]}')
    False
    >>> sniff(b"not json")
    False
    """
    text = json_head(head)
    return (
        bool(_KEY.match(text))
        and bool(_MIRAKL.search(text))
        and not _SHOPIFY.search(text)
    )


def country_alpha2(code):
    """ISO alpha-2 of an alpha-3 (or alpha-2) code; ``None`` if unknown.

    >>> country_alpha2("FRA"), country_alpha2("deu"), country_alpha2("BE")
    ('FR', 'DE', 'BE')
    >>> country_alpha2("ZZZ") is None
    True
    """
    code = code.strip().upper()
    if len(code) == 2 and code.isalpha() and code.isascii():
        return code
    return ALPHA3.get(code)


class _Reader(JsonReader):
    def __init__(self, filename, options):
        super().__init__(filename)
        self.options = options or {}

    def quantity(self, item, line, path):
        value = item.get("quantity")
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            raise self.error("invalid quantity", line, f"{path}.quantity", short(value))
        try:
            result = Decimal(value)
        except ArithmeticError:
            result = None
        if result is None or not result.is_finite() or result < 0:
            raise self.error("invalid quantity", line, f"{path}.quantity", short(value))
        return result

    def tax_included(self, order, line, path):
        mode = order.get("order_tax_mode")
        if mode is None or mode == "":
            return bool(self.options.get("tax_included", True))
        if mode not in TAX_MODES:
            raise self.error(
                "invalid order_tax_mode", line, f"{path}.order_tax_mode", short(mode)
            )
        return TAX_MODES[mode]

    def country(self, customer, line, path):
        for key in ("shipping_address", "billing_address"):
            address = self.sub_obj(customer, key, line, path)
            code = address.get("country_iso_code")
            if code in (None, ""):
                continue
            where = f"{path}.{key}.country_iso_code"
            result = country_alpha2(code) if isinstance(code, str) else None
            if result is None:
                raise self.error("invalid country code", line, where, short(code))
            return result
        return ""

    def customer(self, order, line, path):
        """``(name, email, country)`` of the order's customer."""
        customer = self.sub_obj(order, "customer", line, path)
        where = f"{path}.customer"
        name = _full_name(customer, "firstname", "lastname")
        if not name:
            address = self.sub_obj(customer, "shipping_address", line, where)
            name = _full_name(address, "firstname", "lastname")
        email = self.text(customer, "email") or self.text(
            order, "customer_notification_email"
        )
        return name, email.strip(), self.country(customer, line, where)

    def order_line(self, item, line, path, tax_included):
        """The item line and its shipping line (when not zero)."""
        item = self.obj(item, line, path)
        line_ref = self.ref(item, "order_line_id", line, path)
        quantity = self.quantity(item, line, path)
        price_unit = self.amount(item, "price_unit", line, path, required=False)
        if price_unit is None:
            price = self.amount(item, "price", line, path)
            price_unit = _DIVISION.divide(price, quantity) if quantity else price
        yield OrderLineInfo(
            sku=self.text(item, "offer_sku").strip(),
            quantity=quantity,
            price_unit=price_unit,
            line_ref=line_ref,
            name=self.text(item, "product_title"),
            tax_included=tax_included,
        )
        shipping = self.amount(item, "shipping_price", line, path, required=False)
        if shipping:
            yield order_charge(
                shipping, f"shipping:{line_ref}", "Shipping", tax_included
            )

    def order(self, item, line, path):
        item = self.obj(item, line, path)
        ref = self.ref(item, "order_id", line, path)
        tax_included = self.tax_included(item, line, path)
        lines = []
        items = self.items(item.get("order_lines", []), line, f"{path}.order_lines")
        for i, order_line in enumerate(items):
            where = f"{path}.order_lines[{i}]"
            lines.extend(self.order_line(order_line, line, where, tax_included))
        if not any(isinstance(x, dict) and "shipping_price" in x for x in items):
            shipping = self.amount(item, "shipping_price", line, path, required=False)
            if shipping:
                lines.append(
                    order_charge(shipping, f"shipping:{ref}", "Shipping", tax_included)
                )
        name, email, country = self.customer(item, line, path)
        return OrderInfo(
            ref=ref,
            currency=self.currency(item, "currency_iso_code", line, path),
            date_order=self.date(item, "created_date", line, path),
            status=self.text(item, "order_state").strip().lower(),
            country_code=country,
            customer_name=name,
            customer_email=email,
            line_no=line,
            lines=tuple(lines),
        )


def _full_name(item, first, last):
    parts = (item.get(first), item.get(last))
    return " ".join(str(part).strip() for part in parts if part not in (None, ""))


def parse(stream, filename="", options=None):
    """Yield one ``OrderInfo`` per OR11 order."""
    reader = _Reader(filename, options)
    data = load_json(stream, filename)
    if not isinstance(data, dict) or "orders" not in data:
        raise reader.error("not a Mirakl OR11 page (no 'orders' key)", 1)
    for i, item in enumerate(reader.items(data["orders"], 1, "orders")):
        yield reader.order(item, i + 1, f"orders[{i}]")
