"""Realized net-net margin contributions of one marketplace payout, per reporting key.

Pure engine: stdlib only. Money comes in and goes out as :class:`~decimal.Decimal`
(floats are refused). A payout (settlement) is a list of ledger transactions
(:class:`Txn`) signed as in the ledger: money to the seller positive, costs negative.
Each one is split onto the sale order lines (:class:`SaleLine`) it belongs to, then
summed per line reporting key (product, channel, country, month... chosen by the
caller).

**Measures** (:data:`MEASURES`, ledger sign kept; the net-net margin before cost of
goods is their sum without ``qty_sold``, :func:`net_before_cogs`):

- ``revenue`` = (sale + shipping) x ``vat_ratio``; ``promotions``, ``refunds`` and
  ``disputes`` likewise: customer-facing amounts include VAT on EU marketplaces, and
  the ``vat_ratio`` of the line they land on (revenue excl. VAT / amount paid, 1 when
  the channel's amounts exclude VAT) removes it.
- ``commission``; ``fees`` = fulfilment, shipping, payment, refund, dispute and
  storage fees, subscription and other fees; ``advertising``; ``other`` =
  reimbursement, adjustment, fx and unknown (:data:`CATEGORY_MEASURE`).
- tax, tax withheld, reserve holds and releases are pass-through or cash timing, not
  margin: their total is returned apart, as ``excluded``, so nothing is lost.

**Allocation.** A transaction goes to:

1. the lines of its order with its product, when it names both;
2. else all the lines of its order, if the order has lines here (no product named,
   or a product the order does not hold);
3. else (no order, or an order with no line here) the payout's lines: the lines of
   every order referenced by some transaction of the payout, or all the lines when
   none is. With no line at all it stays unallocated, under the key ``None``
   (customer-facing amounts taken with a ``vat_ratio`` of 1).

Sale transactions are allocated first, split by line quantity; every other one is
then split by the gross sale amount each line received in this payout (a negative
one counts as 0), falling back to quantities, then to equal shares, when all the
weights of a split are zero. A split is :func:`allocate`: shares rounded to the cent
that add up exactly to the amount. ``vat_ratio`` applies after the split, line by
line, rounded half-up: revenue excl. VAT differs from the gross split by rounding only.

``qty_sold``: the ``quantity`` of a sale, split exactly by the same weights; a sale
without quantity counts the quantity of each line it reaches, once per line and
payout (and not at all on a line that also received a sale with a quantity).
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from .exceptions import MarginCoreError

# measure -> the ledger categories it sums; None: excluded from the margin
_GROUPS = {
    "revenue": "sale shipping",
    "promotions": "promotion",
    "refunds": "refund",
    "disputes": "dispute",
    "commission": "commission",
    "fees": "fulfillment_fee shipping_fee payment_fee refund_fee dispute_fee "
    "storage_fee subscription other_fee",
    "advertising": "advertising",
    "other": "reimbursement adjustment fx unknown",
    None: "tax tax_withheld reserve_hold reserve_release",
}

MEASURES = ("qty_sold", *filter(None, _GROUPS))
"""The measures of a key, in report order: ``qty_sold``, then the money ones."""

CATEGORY_MEASURE = MappingProxyType(
    {name: m for m, names in _GROUPS.items() for name in names.split()}
)
"""Ledger category -> the measure it feeds; ``None``: excluded from the margin."""

_VAT_INCLUSIVE = frozenset({"sale", "shipping", "promotion", "refund", "dispute"})


@dataclass(frozen=True)
class SaleLine:
    """A sale order line. ``key`` is the caller's opaque, hashable reporting key;
    ``vat_ratio`` is revenue excl. VAT / amount paid by the customer, best given
    exactly (``Fraction(5, 6)`` for 20 % VAT) or as ``Decimal(1) / Decimal("1.2")``."""

    line_id: object
    order_id: object
    product_id: object
    key: object
    quantity: Decimal
    vat_ratio: Decimal = Decimal(1)


@dataclass(frozen=True)
class Txn:
    """A ledger transaction of the payout, signed as in the ledger."""

    category: str
    amount: Decimal
    order_id: object = None
    product_id: object = None
    quantity: Decimal | None = None


@dataclass(frozen=True)
class Contributions:
    """``by_key``: reporting key (``None``: unallocated) -> every measure of
    :data:`MEASURES`; ``excluded``: total of the excluded categories."""

    by_key: dict
    excluded: Decimal


def _frac(value):
    if isinstance(value, float):
        raise TypeError(f"expected a Decimal, not a float: {value!r}")
    return Fraction(value)


def _round(value, places):
    """``value`` (a Fraction) rounded half-up (away from zero) to ``places``."""
    units = math.floor(abs(value) * 10**places + Fraction(1, 2))
    return Decimal(-units if value < 0 else units).scaleb(-places)


def allocate(amount, weights, places=2):
    """Split ``amount`` by ``weights`` into shares of ``places`` decimals that add
    up exactly to ``amount``.

    Largest remainder method: every share is floored to the cent, then the cents
    left go one by one to the largest fractional remainders, ties to the earliest
    weight. A negative amount is split as its absolute value, sign restored.
    Weights must not be negative; when they are all zero, the shares are equal.

    >>> allocate(Decimal("10.00"), [1, 1, 1])
    [Decimal('3.34'), Decimal('3.33'), Decimal('3.33')]
    >>> allocate(Decimal("-3.20"), [Decimal("47.88"), Decimal("23.94")])
    [Decimal('-2.13'), Decimal('-1.07')]
    """
    value = _frac(amount)
    units = abs(value) * 10**places
    if units.denominator != 1:
        raise MarginCoreError(f"{amount} has more than {places} decimals")
    if len(weights) == 1 and _frac(weights[0]) >= 0:
        # One target (most sales, commissions, refunds): the whole amount.
        return [Decimal(amount).quantize(Decimal(1).scaleb(-places))]
    shares = [_frac(weight) for weight in weights]
    if not shares:
        raise MarginCoreError("cannot allocate over no weight")
    if any(weight < 0 for weight in shares):
        raise MarginCoreError("allocation weights must not be negative")
    total = sum(shares)
    if total == 0:
        shares, total = [Fraction(1)] * len(shares), len(shares)
    exact = [units * weight / total for weight in shares]
    floors = [math.floor(x) for x in exact]
    left = units.numerator - sum(floors)
    for i in sorted(range(len(exact)), key=lambda i: (floors[i] - exact[i], i))[:left]:
        floors[i] += 1
    sign = -1 if value < 0 else 1
    return [Decimal(sign * units).scaleb(-places) for units in floors]


def net_before_cogs(measures):
    """Net-net margin before cost of goods: every measure but ``qty_sold``.

    >>> net_before_cogs({"qty_sold": Decimal(3), "revenue": Decimal("59.85"),
    ...                  "commission": Decimal("-10.77")})
    Decimal('49.08')
    """
    return sum((measures.get(m, Decimal(0)) for m in MEASURES[1:]), Decimal(0))


def _check(txns, places):
    """Refuse unknown categories, floats and amounts finer than ``places``."""
    for txn in txns:
        if txn.category not in CATEGORY_MEASURE:
            raise MarginCoreError(f"unknown ledger category {txn.category!r}")
        if (_frac(txn.amount) * 10**places).denominator != 1:
            raise MarginCoreError(f"{txn.amount} has more than {places} decimals")
        if txn.quantity is not None:
            _frac(txn.quantity)


def _targets(txn, lines, order_lines, payout_lines):
    """Indexes of the lines ``txn`` goes to (rules 1-3 of the module doc)."""
    own = order_lines.get(txn.order_id) if txn.order_id is not None else None
    if not own:
        return payout_lines
    same = [i for i in own if lines[i].product_id == txn.product_id]
    return same if txn.product_id is not None and same else own


def _weights(targets, primary, quantities):
    """``primary`` weights of ``targets`` (negative as 0), else quantities, else 1s."""
    for source in (primary, quantities):
        weights = [max(source[i], 0) for i in targets]
        if any(weights):
            return weights
    return [Fraction(1)] * len(targets)


def payout_contributions(txns, lines, places=2):
    """Return the :class:`Contributions` of the payout ``txns`` over ``lines``.

    >>> lines = [SaleLine(1, "A", "P", "P|FR", Decimal(2)),
    ...          SaleLine(2, "A", "Q", "Q|FR", Decimal(1))]
    >>> txns = [Txn("sale", Decimal("30.00"), "A", "P", Decimal(2)),
    ...         Txn("sale", Decimal("10.00"), "A", "Q"),
    ...         Txn("commission", Decimal("-4.00"), "A")]
    >>> result = payout_contributions(txns, lines)
    >>> result.by_key["P|FR"]["commission"], result.by_key["Q|FR"]["qty_sold"]
    (Decimal('-3.00'), Decimal('1'))
    """
    txns, lines = list(txns), list(lines)
    _check(txns, places)
    zero = Decimal(0).scaleb(-places)
    order_lines = {}
    for i, line in enumerate(lines):
        order_lines.setdefault(line.order_id, []).append(i)
    referenced = {txn.order_id for txn in txns if txn.order_id is not None}
    payout_lines = [i for i, ln in enumerate(lines) if ln.order_id in referenced]
    payout_lines = payout_lines or list(range(len(lines)))
    quantities = [_frac(line.quantity) for line in lines]
    ratios = [_frac(line.vat_ratio) for line in lines]
    gross = [Fraction(0)] * len(lines)  # sale amount each line received
    qty = {}  # key -> quantity sold, exact
    counted, guessed = set(), set()  # lines reached by sales with / without quantity
    by_key = {}

    def row(key):
        if key not in by_key:
            by_key[key] = {m: zero for m in MEASURES}
            qty[key] = Fraction(0)
        return by_key[key]

    ordered = sorted(txns, key=lambda txn: txn.category != "sale")
    for txn in ordered:
        measure, is_sale = CATEGORY_MEASURE[txn.category], txn.category == "sale"
        if measure is None:
            continue
        targets = _targets(txn, lines, order_lines, payout_lines)
        if not targets:
            row(None)[measure] += txn.amount
            if is_sale and txn.quantity is not None:
                qty[None] += _frac(txn.quantity)
            continue
        weights = _weights(targets, quantities if is_sale else gross, quantities)
        shares = allocate(txn.amount, weights, places)
        for i, weight, share in zip(targets, weights, shares, strict=True):
            net = share
            if txn.category in _VAT_INCLUSIVE:
                net = _round(_frac(share) * ratios[i], places)
            row(lines[i].key)[measure] += net
            if not is_sale:
                continue
            gross[i] += _frac(share)
            if txn.quantity is None:
                guessed.add(i)
            else:
                qty[lines[i].key] += _frac(txn.quantity) * weight / sum(weights)
                counted.add(i)
    for i in guessed - counted:
        qty[lines[i].key] += quantities[i]
    for key, value in qty.items():
        by_key[key]["qty_sold"] = Decimal(value.numerator) / Decimal(value.denominator)
    excluded = sum(
        (txn.amount for txn in txns if CATEGORY_MEASURE[txn.category] is None), zero
    )
    return Contributions(by_key, excluded)


__all__ = [
    "CATEGORY_MEASURE",
    "MEASURES",
    "Contributions",
    "SaleLine",
    "Txn",
    "allocate",
    "net_before_cogs",
    "payout_contributions",
]
