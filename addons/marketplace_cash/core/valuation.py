"""Stock valuation per warehouse location at a date, and the slow-movers math.

Odoo values stock per company and per product: the valuation of a product at a date is
the sum of its valuation layers up to that date (their ``quantity`` and ``value``).
Stock quantities per location come from the stock moves. The layers cannot be placed
in a warehouse: FIFO and AVCO layers are company-wide, an internal transfer creates no
layer, and FIFO consumption takes the company's oldest layer whatever the warehouse
that ships. So each location's quantity is valued at the company's value of the
product, allocated by quantity:

- AVCO: the average cost at the date (layers' value / layers' quantity);
- FIFO: the value of the layers still remaining at the date, shared by quantity;
- standard price: the standard cost at the date, as the layers carry it.

An internal transfer therefore moves value between locations and never creates any: the
company's value of the product is unchanged, only its split is.

Per product, with ``Q`` the sum of its cells' quantities (a cell may be negative:
negative stock) and ``Lq``, ``V`` its layers' quantity and value:

- ``Q == Lq != 0``: ``V`` is split by the cells' quantities with :func:`allocate`,
  so the cells add up exactly to ``V``;
- otherwise, when ``Lq != 0``: each cell is worth its quantity times ``V / Lq``
  rounded half-up, and a :class:`Difference` ``quantity_mismatch`` explains the gap;
- when ``Lq == 0``: the cells are valued at the layers' ``fallback_unit_cost`` (the
  current cost), with a ``value_without_quantity`` difference when ``V != 0`` (a
  rounding residue, an empty stock revalued), else a ``quantity_mismatch`` one when
  ``Q != 0`` (stock without layers).

So the company valuation always equals the sum of the cells plus the differences.
Money is computed in integer units of ``places`` decimals (cents), exactly.

>>> cells = [Cell("P", "WH1", Decimal(10)), Cell("P", "WH2", Decimal(20))]
>>> valued, differences = value_cells(cells, [Layers("P", Decimal(30), Decimal("100"))])
>>> for v in valued:
...     print(v.location_id, v.quantity, v.unit_cost, v.value)
WH1 10 3.3330 33.33
WH2 20 3.3335 66.67
>>> differences
[]
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from math import lcm

from .exceptions import CashCoreError

ZERO = Decimal(0)
_TENTH = Decimal("0.1")
_RATIO = Decimal.as_integer_ratio
QUANTITY_MISMATCH = "quantity_mismatch"
VALUE_WITHOUT_QUANTITY = "value_without_quantity"
AGEING_BUCKETS = ("0-30", "31-90", "91-180", "181-365", "365+")
_BUCKET_LIMITS = ((30, "0-30"), (90, "31-90"), (180, "91-180"), (365, "181-365"))


def _number(value, what):
    """``value`` if it is an exact number (Decimal or int); TypeError for a float."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise CashCoreError(f"{what} must be finite, not {value}")
    return value


def _decimal(value, what):
    """``value`` as a Decimal (an int is converted; a float is refused)."""
    if type(value) is Decimal and value.is_finite():
        return value
    return Decimal(_number(value, what))


def _natural(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < 0:
        raise CashCoreError(f"{what} must not be negative, not {value}")
    return value


@dataclass(frozen=True, slots=True)
class Cell:
    """Quantity of a product in one location at the date (negative: negative stock)."""

    product_id: object
    location_id: object
    quantity: Decimal

    def __post_init__(self):
        object.__setattr__(self, "quantity", _decimal(self.quantity, "quantity"))


@dataclass(frozen=True)
class Layers:
    """The company's valuation of a product at the date: the sum of its layers.

    ``fallback_unit_cost`` (the current cost) is used only when the layers' quantity
    is zero, so that no unit cost can be derived from them.
    """

    product_id: object
    quantity: Decimal
    value: Decimal
    fallback_unit_cost: Decimal = ZERO

    def __post_init__(self):
        for name in ("quantity", "value", "fallback_unit_cost"):
            object.__setattr__(self, name, _decimal(getattr(self, name), name))


@dataclass(frozen=True, slots=True)
class ValuedCell:
    """A cell with its value (``places`` decimals) and its unit cost for display
    (value / quantity, ``cost_places`` decimals, 0 when the quantity is 0)."""

    product_id: object
    location_id: object
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal


@dataclass(frozen=True)
class Difference:
    """Why the sum over locations differs from the company valuation of a product.

    ``reason`` is :data:`QUANTITY_MISMATCH` (stock on hand differs from the valued
    quantity: stock without layers, layers without stock) or
    :data:`VALUE_WITHOUT_QUANTITY` (the layers leave a value with zero quantity).
    ``quantity`` is on hand minus valued quantity, ``value`` the company value minus
    the sum of the cells' values.
    """

    product_id: object
    reason: str
    quantity: Decimal
    value: Decimal


# Integer helpers ----------------------------------------------------------------


def _units(amount, places, what="amount"):
    """``amount`` as an int number of units of ``places`` decimals (exact)."""
    _number(amount, what)
    scaled = Decimal(amount).scaleb(places)
    if scaled != scaled.to_integral_value():
        raise CashCoreError(f"{what} {amount} has more than {places} decimals")
    return int(scaled)


def _round_div(numerator, denominator):
    """``numerator / denominator`` (ints) rounded half-up, i.e. half away from 0."""
    if (numerator < 0) != (denominator < 0):
        return -((2 * abs(numerator) + abs(denominator)) // (2 * abs(denominator)))
    return (2 * abs(numerator) + abs(denominator)) // (2 * abs(denominator))


def _int_weights(quantities):
    """``(weights, scale)``: ints with ``quantity == weight / scale`` for each one."""
    ratios = list(map(_RATIO, quantities))
    weights = [n for n, _d in ratios]
    scale = 1
    for _n, d in ratios:
        if d != 1:
            scale = lcm(scale, d)
    if scale == 1:
        return weights, 1
    return [n * (scale // d) for n, d in ratios], scale


def _unit_costs(units, weights, numerator, denominator, cost_unit, zero_cost):
    """``units * numerator / (weight * denominator)`` rounded half-up (away from
    zero) for each cell, as Decimals of ``cost_unit``; ``zero_cost`` for weight 0."""
    costs = []
    for cell_units, weight in zip(units, weights, strict=True):
        if not weight:
            costs.append(zero_cost)
            continue
        n = cell_units * numerator
        d = weight * denominator
        if d < 0:
            n, d = -n, -d
        if n >= 0:
            costs.append(Decimal((2 * n + d) // (2 * d)) * cost_unit)
        else:
            costs.append(Decimal(-((d - 2 * n) // (2 * d))) * cost_unit)
    return costs


def _allocate_units(units, weights):
    """Largest remainder split of the int ``units`` by int ``weights`` (sum != 0)."""
    total = sum(weights)
    if total == 0:
        raise CashCoreError("cannot allocate over weights that sum to zero")
    if total < 0:  # same exact shares, positive divisor: divmod floors
        weights, total = [-weight for weight in weights], -total
    shares, remainders = [], []
    for weight in weights:
        share, remainder = divmod(units * weight, total)  # 0 <= remainder < total
        shares.append(share)
        remainders.append(remainder)
    left = units - sum(shares)  # sum(remainders) / total: 0 <= left < len(weights)
    if left:
        # sorted() is stable, also in reverse: equal remainders keep their order.
        order = sorted(range(len(shares)), key=remainders.__getitem__, reverse=True)
        for i in order[:left]:
            shares[i] += 1
    return shares


def allocate(amount, weights, places=2):
    """Split ``amount`` by ``weights`` into shares of ``places`` decimals adding up
    exactly to ``amount``.

    Largest remainder method: the exact shares ``amount * w / sum(w)`` are floored to
    the unit of ``places``, then the units left (0 <= left < number of weights) go
    one by one to the largest fractional parts, ties to the earliest weight. A
    negative amount and weights of mixed signs work the same way (the floor is well
    defined); the weights must not sum to zero.

    >>> allocate(Decimal("100.00"), [1, 1, 1])
    [Decimal('33.34'), Decimal('33.33'), Decimal('33.33')]
    >>> allocate(Decimal("-10.00"), [Decimal(1), Decimal(2)])
    [Decimal('-3.33'), Decimal('-6.67')]
    """
    places = _natural(places, "places")
    units = _units(amount, places)
    weights = [Decimal(_number(weight, "weight")) for weight in weights]
    ints, _scale = _int_weights(weights)
    unit = Decimal(1).scaleb(-places)
    return [Decimal(share) * unit for share in _allocate_units(units, ints)]


# Valuation ----------------------------------------------------------------------


def _group(cells):
    """Cells by product, products in order of first appearance (one pass)."""
    groups = defaultdict(list)
    for cell in cells:
        groups[cell.product_id].append(cell)
    return groups


def _index_layers(layers):
    by_product = {}
    for layer in layers:
        if layer.product_id in by_product:
            raise CashCoreError(f"two Layers for product {layer.product_id!r}")
        by_product[layer.product_id] = layer
    return by_product


def _cell_units(weights, scale, value_units, layers, places):
    """Value units of each cell (weights / scale are their quantities) and the
    difference reason, if any."""
    quantity_n, quantity_d = layers.quantity.as_integer_ratio()
    on_hand = sum(weights)  # Q * scale
    if quantity_n:
        if on_hand * quantity_d == quantity_n * scale:
            return _allocate_units(value_units, weights), None
        # Cell value = w / scale * V / Lq = w * value_units * Lq_d / (scale * Lq_n).
        numerator = value_units * quantity_d
        denominator = scale * quantity_n
        return [_round_div(w * numerator, denominator) for w in weights], (
            QUANTITY_MISMATCH
        )
    cost_n, cost_d = layers.fallback_unit_cost.as_integer_ratio()
    numerator = cost_n * 10**places
    denominator = scale * cost_d
    values = [_round_div(w * numerator, denominator) for w in weights]
    if value_units:
        return values, VALUE_WITHOUT_QUANTITY
    return values, (QUANTITY_MISMATCH if on_hand else None)


def value_cells(cells, layers, places=2, cost_places=4):
    """``(valued_cells, differences)``: each cell valued at its product's company
    valuation (see the module's documentation for the rules).

    ``cells`` and ``layers`` are iterables of :class:`Cell` and :class:`Layers` (at
    most one per product). The valued cells come grouped by product, products in
    order of first appearance, cells in their input order. A product with cells but
    no layers is valued at 0 (unit cost 0) with a ``quantity_mismatch`` difference
    when its quantity is not zero; layers without cells give a difference (nothing
    is lost) unless both their quantity and value are zero. Layers' values must have
    at most ``places`` decimals (Odoo's layers are in the currency's decimals).

    >>> cells = [Cell("P", "WH1", Decimal(7)), Cell("P", "WH2", Decimal(5))]
    >>> valued, [diff] = value_cells(cells, [Layers("P", Decimal(10), Decimal(100))])
    >>> [(v.unit_cost, v.value) for v in valued]
    [(Decimal('10.0000'), Decimal('70.00')), (Decimal('10.0000'), Decimal('50.00'))]
    >>> diff.reason, diff.quantity, diff.value
    ('quantity_mismatch', Decimal('2'), Decimal('-20.00'))
    """
    places = _natural(places, "places")
    cost_places = _natural(cost_places, "cost_places")
    by_product = _index_layers(layers)
    groups = _group(cells)
    valued, differences = [], []
    value_unit = Decimal(1).scaleb(-places)  # Decimal(units) * value_unit: exact
    cost_unit = Decimal(1).scaleb(-cost_places)
    zero_cost = ZERO * cost_unit
    products = list(groups)
    products.extend(p for p in by_product if p not in groups)
    for product_id in products:
        group = groups.get(product_id, ())
        layer = by_product.get(product_id)
        if layer is None:
            layer = Layers(product_id, ZERO, ZERO)
        value_units = _units(layer.value, places, "value")
        weights, scale = _int_weights([cell.quantity for cell in group])
        units, reason = _cell_units(weights, scale, value_units, layer, places)
        # unit cost = units / 10**places / (weight / scale), in units of cost_places:
        # units * scale * 10**cost_places / (weight * 10**places)
        costs = _unit_costs(
            units, weights, scale * 10**cost_places, 10**places, cost_unit, zero_cost
        )
        valued.extend(
            map(
                ValuedCell,
                repeat(product_id),
                [cell.location_id for cell in group],
                [cell.quantity for cell in group],
                costs,
                [Decimal(cell_units) * value_unit for cell_units in units],
            )
        )
        if reason is not None:
            on_hand = sum((cell.quantity for cell in group), ZERO)
            differences.append(
                Difference(
                    product_id,
                    reason,
                    on_hand - layer.quantity,
                    Decimal(value_units - sum(units)) * value_unit,
                )
            )
    return valued, differences


# Slow movers --------------------------------------------------------------------


def ageing_bucket(days):
    """Label of :data:`AGEING_BUCKETS` for ``days`` since the last move (``None``:
    never moved, the oldest bucket).

    >>> [ageing_bucket(d) for d in (0, 30, 31, 365, 366, None)]
    ['0-30', '0-30', '31-90', '181-365', '365+', '365+']
    """
    if days is None:
        return AGEING_BUCKETS[-1]
    days = _natural(days, "days")
    for limit, label in _BUCKET_LIMITS:
        if days <= limit:
            return label
    return AGEING_BUCKETS[-1]


def abc_classes(values, a=Decimal("0.80"), b=Decimal("0.95")):
    """ABC (Pareto) class of each key of ``values`` (key -> consumption value >= 0).

    Items are sorted by value, largest first (ties by key: the product id, as the
    database sorts them; keys must be comparable with each other). An item
    is "A" when the cumulative share of the items *before* it is below ``a``, "B" when
    below ``b``, "C" otherwise; an item of zero value is always "C".

    >>> abc_classes({"p1": 50, "p2": 30, "p3": 10, "p4": 6, "p5": 4})
    {'p1': 'A', 'p2': 'A', 'p3': 'B', 'p4': 'B', 'p5': 'C'}
    """
    _number(a, "a")
    _number(b, "b")
    if not 0 <= a <= b <= 1:
        raise CashCoreError(f"need 0 <= a <= b <= 1, not a={a}, b={b}")
    for key, value in values.items():
        if _number(value, f"value of {key!r}") < 0:
            raise CashCoreError(f"value of {key!r} is negative: {value}")
    total = sum(values.values(), ZERO)
    result = {}
    before = ZERO
    for key in sorted(values, key=lambda k: (-values[k], k)):
        value = values[key]
        if value == 0:
            result[key] = "C"
        elif before < a * total:
            result[key] = "A"
        elif before < b * total:
            result[key] = "B"
        else:
            result[key] = "C"
        before += value
    return result


def _period(period_days):
    if _natural(period_days, "period_days") == 0:
        raise CashCoreError("period_days must be positive")
    return period_days


def _days(numerator, denominator, period_days):
    """``numerator * period_days / denominator`` (exact numbers, ``denominator > 0``)
    rounded half-up to 1 decimal, computed exactly in integers."""
    n1, d1 = numerator.as_integer_ratio()
    n2, d2 = denominator.as_integer_ratio()
    return Decimal(_round_div(n1 * d2 * period_days * 10, d1 * n2)) * _TENTH


def daily_consumption(consumed_qty, period_days):
    """Average quantity consumed per day over the period (Decimal division).

    >>> daily_consumption(Decimal(90), 30)
    Decimal('3')
    """
    return Decimal(_number(consumed_qty, "consumed_qty")) / _period(period_days)


def cover_days(on_hand, consumed_qty, period_days):
    """Days of stock at the period's consumption rate (``on_hand / daily``), rounded
    half-up to 1 decimal; ``None`` when nothing was consumed (negative stock gives a
    negative cover).

    >>> cover_days(Decimal(45), Decimal(90), 30)
    Decimal('15.0')
    """
    _number(on_hand, "on_hand")
    _number(consumed_qty, "consumed_qty")
    period_days = _period(period_days)
    if consumed_qty <= 0:
        return None
    return _days(on_hand, consumed_qty, period_days)


def overstock(on_hand, consumed_qty, period_days, target_days):
    """Quantity above ``target_days`` of cover: ``max(0, on_hand - target_days *
    daily)``, computed with a single division (exact whenever the quotient is a
    finite decimal). Without consumption the whole positive stock is overstock."""
    on_hand = Decimal(_number(on_hand, "on_hand"))
    _number(consumed_qty, "consumed_qty")
    _number(target_days, "target_days")
    period_days = _period(period_days)
    if target_days < 0:
        raise CashCoreError(f"target_days must not be negative, not {target_days}")
    if consumed_qty <= 0:
        return max(ZERO, on_hand)
    return max(ZERO, on_hand - Decimal(consumed_qty) * target_days / period_days)


def dio(stock_value, cogs, period_days):
    """Days inventory outstanding: ``stock_value / cogs * period_days``, 1 decimal;
    ``None`` when ``cogs <= 0``."""
    _number(stock_value, "stock_value")
    _number(cogs, "cogs")
    period_days = _period(period_days)
    if cogs <= 0:
        return None
    return _days(stock_value, cogs, period_days)


__all__ = [
    "AGEING_BUCKETS",
    "QUANTITY_MISMATCH",
    "VALUE_WITHOUT_QUANTITY",
    "Cell",
    "Difference",
    "Layers",
    "ValuedCell",
    "abc_classes",
    "ageing_bucket",
    "allocate",
    "cover_days",
    "daily_consumption",
    "dio",
    "overstock",
    "value_cells",
]
