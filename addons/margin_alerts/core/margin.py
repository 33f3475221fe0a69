"""Net-net margin of a sale line, its floor price, and the margin rules that apply.

Pure engine: stdlib only. Money comes in and goes out as :class:`~decimal.Decimal`
(floats are refused); every component is computed exactly as a
:class:`~fractions.Fraction` and rounded to the currency only at the end
(``ROUND_HALF_UP``), so ``39.90 / 1.2`` or a fee split over three lines loses nothing.

**Net-net margin** (``/work/shared/product.md``): net revenue excl. VAT - cost of goods
- commission - fulfilment - shipping - payment fees - returns - advertising - other
fees - order-level fixed fees. Rate = net-net margin / net revenue excl. VAT.

The model, per line of ``q`` units at unit price ``P`` with discount ``d``:

- ``net`` (unit price excl. VAT after discount) = ``P(1-d) / (1+t)`` when the profile's
  ``price_includes_tax`` (EU marketplaces), else ``P(1-d)``; ``revenue = q * net``.
- fee base per unit = ``net * (1+t)`` (VAT-inclusive) when
  ``commission_on_tax_included`` (Amazon, Mirakl), else ``net``.
- ``commission = q * max(commission_rate * base, commission_min_per_unit)``;
  ``payment_fee = q * payment_fee_rate * base``.
- ``fulfilment = q * fulfilment_per_unit``;
  ``shipping = q * shipping_per_unit + shipping_per_order / order_line_count``.
- ``returns = q * return_rate * cost_per_return``: ``cost_per_return`` is the
  expected loss of one returned unit (return shipping, refurbishing, the part of the
  refund never recovered), so the model stays linear and explicit.
- ``advertising = acos * revenue`` (ACoS on revenue excl. VAT: ads are bought excl.
  VAT and the KPI is excl. VAT).
- ``other = other_rate * revenue + q * other_fixed_per_unit``.
- ``fixed_fees = fixed_fee_per_order / order_line_count``.

Amounts are rounded one by one from their exact value, ``net_margin`` included: the
rounded components may therefore differ by a cent from the rounded net margin (the
issue's line: 9.155 -> 9.16 while the rounded components leave 9.15).
``net_margin_percent`` is the exact ratio (to the decimal context's precision).
"""

import math
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction

from .exceptions import MarginCoreError, NoFloorPrice

ZERO = Decimal("0")


def _frac(value):
    if isinstance(value, float):
        raise TypeError(f"money must be a Decimal, not a float: {value!r}")
    return Fraction(value)


def _decimal(value, places):
    """``value`` (a Fraction) as a Decimal: rounded half-up to ``places``, or exact."""
    if places is None:
        return Decimal(value.numerator) / Decimal(value.denominator)
    scaled = abs(value) * 10**places
    units = math.floor(scaled + Fraction(1, 2))
    return Decimal(-units if value < 0 else units).scaleb(-places)


@dataclass(frozen=True)
class CostProfile:
    """What selling one unit costs on a channel; rates are ratios (0.15 = 15 %).

    Defaults describe an EU marketplace with no fee at all: prices and commission
    are VAT-inclusive.

    >>> CostProfile(commission_rate=Decimal("0.15")).commission_on_tax_included
    True
    >>> CostProfile.b2b(Decimal("0.01")).payment_fee_rate
    Decimal('0.01')
    """

    commission_rate: Decimal = ZERO
    commission_min_per_unit: Decimal = ZERO
    fixed_fee_per_order: Decimal = ZERO
    fulfilment_per_unit: Decimal = ZERO
    payment_fee_rate: Decimal = ZERO
    shipping_per_order: Decimal = ZERO
    shipping_per_unit: Decimal = ZERO
    return_rate: Decimal = ZERO
    cost_per_return: Decimal = ZERO
    acos: Decimal = ZERO
    other_rate: Decimal = ZERO
    other_fixed_per_unit: Decimal = ZERO
    commission_on_tax_included: bool = True
    price_includes_tax: bool = True

    @classmethod
    def b2b(cls, payment_terms_rate=ZERO):
        """A direct B2B profile: prices excl. VAT, no fee but the cost of payment
        terms (``payment_terms_rate`` of the revenue excl. VAT, e.g. factoring or
        the financing of 60-day receivables), carried as ``payment_fee_rate``."""
        return cls(
            payment_fee_rate=payment_terms_rate,
            commission_on_tax_included=False,
            price_includes_tax=False,
        )


@dataclass(frozen=True)
class LineInput:
    """One sale line: ``price_unit`` in the profile's tax basis, ``discount`` and
    ``tax_rate`` as ratios, ``unit_cost`` excl. VAT (valuation layers), and the number
    of lines of the order, which share its order-level fees."""

    price_unit: Decimal
    quantity: Decimal
    discount: Decimal
    tax_rate: Decimal
    unit_cost: Decimal
    order_line_count: int = 1


@dataclass(frozen=True)
class LineMargin:
    """The net-net margin of a line, component by component (see the module doc)."""

    revenue: Decimal
    cost_of_goods: Decimal
    commission: Decimal
    fulfilment: Decimal
    payment_fee: Decimal
    shipping: Decimal
    returns: Decimal
    advertising: Decimal
    other: Decimal
    fixed_fees: Decimal
    net_margin: Decimal
    net_margin_percent: Decimal


_COSTS = (
    "cost_of_goods",
    "commission",
    "fulfilment",
    "payment_fee",
    "shipping",
    "returns",
    "advertising",
    "other",
    "fixed_fees",
)


def _factors(line, profile):
    """``(k, g)``: net price excl. VAT = ``price_unit * k``; fee base = ``net * g``."""
    one_plus_tax = 1 + _frac(line.tax_rate)
    k = 1 - _frac(line.discount)
    if profile.price_includes_tax:
        k /= one_plus_tax
    g = one_plus_tax if profile.commission_on_tax_included else Fraction(1)
    return k, g


def _exact_components(line, profile):
    p = {f.name: _frac(getattr(profile, f.name)) for f in fields(profile)}
    k, g = _factors(line, profile)
    q = _frac(line.quantity)
    lines = Fraction(line.order_line_count)
    net = _frac(line.price_unit) * k
    base = net * g
    revenue = q * net
    return {
        "revenue": revenue,
        "cost_of_goods": q * _frac(line.unit_cost),
        "commission": q
        * max(p["commission_rate"] * base, p["commission_min_per_unit"]),
        "fulfilment": q * p["fulfilment_per_unit"],
        "payment_fee": q * p["payment_fee_rate"] * base,
        "shipping": q * p["shipping_per_unit"] + p["shipping_per_order"] / lines,
        "returns": q * p["return_rate"] * p["cost_per_return"],
        "advertising": p["acos"] * revenue,
        "other": p["other_rate"] * revenue + q * p["other_fixed_per_unit"],
        "fixed_fees": p["fixed_fee_per_order"] / lines,
    }


def line_margin(line, profile, currency_decimals=2):
    """Return the :class:`LineMargin` of ``line`` sold under ``profile``.

    Amounts are rounded half-up to ``currency_decimals`` (``None``: exact values);
    ``net_margin_percent`` is the unrounded ratio, 0 when revenue is 0.

    >>> line = LineInput(Decimal("39.90"), 1, 0, Decimal("0.20"), Decimal("12.00"))
    >>> profile = CostProfile(commission_rate=Decimal("0.15"))
    >>> m = line_margin(line, profile)
    >>> m.revenue, m.commission, m.net_margin
    (Decimal('33.25'), Decimal('5.99'), Decimal('15.27'))
    >>> line_margin(line, profile, currency_decimals=None).commission
    Decimal('5.985')
    """
    exact = _exact_components(line, profile)
    net_margin = exact["revenue"] - sum(exact[name] for name in _COSTS)
    revenue = exact["revenue"]
    rate = _decimal(net_margin / revenue, None) if revenue else ZERO
    values = {name: _decimal(value, currency_decimals) for name, value in exact.items()}
    return LineMargin(
        **values,
        net_margin=_decimal(net_margin, currency_decimals),
        net_margin_percent=rate,
    )


def _lower_bound(numerator, denominator):
    """Smallest ``x >= 0`` with ``x * denominator >= numerator``."""
    if denominator > 0:
        return max(numerator / denominator, Fraction(0))
    if denominator == 0 and numerator <= 0:
        return Fraction(0)
    raise NoFloorPrice(
        "no price reaches the required margin: costs grow as fast as the price"
    )


def floor_price(line, profile, min_margin_rate, currency_decimals=2):
    """Return the smallest unit price giving ``line`` at least ``min_margin_rate``.

    The price is in the tax basis of ``price_unit`` (VAT included when the profile's
    ``price_includes_tax``), after which ``line.discount`` still applies; it is
    rounded UP to the cent, so the margin at the floor reaches the rate and one cent
    less does not. ``line.price_unit`` is ignored.

    Per unit, with ``x`` the net price excl. VAT, the margin is
    ``a*x - C - max(cr*g*x, cmin)`` where ``a = 1 - payment_fee_rate*g - acos -
    other_rate``, ``g`` the fee base factor, ``cr`` the commission rate and ``C`` every
    fixed cost of a unit (cost, fulfilment, shipping, returns, other fixed, order-level
    fees / (lines * quantity)). ``margin >= m*x`` is the two linear branches
    ``x*(a - cr*g - m) >= C`` (percentage commission) and ``x*(a - m) >= C + cmin``
    (minimum commission): the floor is the larger of their two solutions.
    The rate is non-decreasing in ``x`` (costs non-negative), hence "smallest".

    >>> line = LineInput(0, 1, 0, Decimal("0.20"), Decimal("12.00"))
    >>> profile = CostProfile(commission_rate=Decimal("0.15"))
    >>> floor_price(line, profile, Decimal("0.10"))
    Decimal('20.00')
    """
    quantity = _frac(line.quantity)
    if quantity <= 0:
        raise MarginCoreError("a floor price needs a positive quantity")
    k, g = _factors(line, profile)
    if k <= 0:
        raise NoFloorPrice("a 100 % discount leaves no revenue at any price")
    p = {f.name: _frac(getattr(profile, f.name)) for f in fields(profile)}
    m = _frac(min_margin_rate)
    unit_fixed = (
        _frac(line.unit_cost)
        + p["fulfilment_per_unit"]
        + p["shipping_per_unit"]
        + p["return_rate"] * p["cost_per_return"]
        + p["other_fixed_per_unit"]
        + (p["shipping_per_order"] + p["fixed_fee_per_order"])
        / (Fraction(line.order_line_count) * quantity)
    )
    a = 1 - p["payment_fee_rate"] * g - p["acos"] - p["other_rate"]
    net = max(
        _lower_bound(unit_fixed, a - p["commission_rate"] * g - m),
        _lower_bound(unit_fixed + p["commission_min_per_unit"], a - m),
    )
    cents = math.ceil(net / k * 10**currency_decimals)
    return Decimal(max(cents, 1)).scaleb(-currency_decimals)


# --- Rules ---------------------------------------------------------------------------

LEVELS = ("ok", "warn", "approve", "forbidden")


@dataclass(frozen=True)
class Rule:
    """A margin rule. Unset scope fields (None, empty) match anything; thresholds
    are ratios; ``amount_min`` limits the rule to orders of at least that amount."""

    id: object
    company_id: object = None
    channel_id: object = None
    category_ids: tuple = ()
    customer_id: object = None
    customer_tag_ids: tuple = ()
    team_id: object = None
    warn_below: Decimal = None
    approve_below: Decimal = None
    forbid_below: Decimal = None
    max_discount: Decimal = None
    amount_min: Decimal = None
    approver: object = None
    sequence: int = 10


@dataclass(frozen=True)
class RuleContext:
    """Where a line is sold. ``category_path`` runs from the root category down to
    the product's own category: ``("All", "Saleable", "Phones")``."""

    company_id: object = None
    channel_id: object = None
    category_path: tuple = ()
    customer_id: object = None
    customer_tag_ids: tuple = ()
    team_id: object = None
    amount: Decimal = ZERO


def _category_depth(rule, context):
    """1-based depth of the deepest category of ``rule`` on the path, 0 if none."""
    return max(
        (i + 1 for i, c in enumerate(context.category_path) if c in rule.category_ids),
        default=0,
    )


def _applies(rule, context):
    return (
        rule.company_id in (None, context.company_id)
        and rule.channel_id in (None, context.channel_id)
        and (not rule.category_ids or _category_depth(rule, context) > 0)
        and rule.customer_id in (None, context.customer_id)
        and (
            not rule.customer_tag_ids
            or bool(set(rule.customer_tag_ids) & set(context.customer_tag_ids))
        )
        and rule.team_id in (None, context.team_id)
        and (rule.amount_min is None or context.amount >= rule.amount_min)
    )


def specificity(rule, context):
    """The tuple compared lexicographically, highest first: ``(customer, customer
    tag, channel, category depth, team, company)``; each is 1 when set (0 when not),
    the category is its depth on the path. One customer rule outranks any number of
    broader scope fields.

    >>> specificity(Rule(1, channel_id="amz", company_id=1), RuleContext())
    (0, 0, 1, 0, 0, 1)
    """
    return (
        int(rule.customer_id is not None),
        int(bool(rule.customer_tag_ids)),
        int(rule.channel_id is not None),
        _category_depth(rule, context),
        int(rule.team_id is not None),
        int(rule.company_id is not None),
    )


def pick_rule(rules, context):
    """Return the rule of ``rules`` that governs ``context``, or None.

    Among the rules that apply, the most specific wins (:func:`specificity`); ties go
    to the highest ``amount_min`` reached (so a company-wide "orders from 10,000"
    rule beats the company-wide default only on such orders), then the lowest
    ``sequence``, then the lowest ``id``.

    >>> rules = [Rule(1), Rule(2, channel_id="amz")]
    >>> pick_rule(rules, RuleContext(channel_id="amz")).id
    2
    >>> pick_rule(rules, RuleContext(channel_id="shop")).id
    1
    """
    candidates = [rule for rule in rules if _applies(rule, context)]
    if not candidates:
        return None

    def key(rule):
        amount = rule.amount_min if rule.amount_min is not None else -math.inf
        neg_spec = tuple(-x for x in specificity(rule, context))
        return (neg_spec, -amount, rule.sequence, rule.id)

    return min(candidates, key=key)


@dataclass(frozen=True)
class Verdict:
    """``level`` is one of :data:`LEVELS`; ``reasons`` explain every breach in
    English, ``breaches`` give them as ``(kind, level, value, threshold)`` tuples
    (kind ``"margin"`` or ``"discount"``) for a translated display."""

    level: str
    reasons: tuple = ()
    approver: object = None
    breaches: tuple = ()


def _pct(ratio):
    return f"{Decimal(ratio) * 100:.2f} %"


def evaluate(margin_rate, discount, rule):
    """Return the :class:`Verdict` of a line with ``margin_rate`` and ``discount``.

    A threshold is breached strictly below it; the most severe breach sets the
    level. A discount above ``max_discount`` needs approval. No rule: "ok".

    >>> rule = Rule(1, warn_below=Decimal("0.15"), approve_below=Decimal("0.10"))
    >>> evaluate(Decimal("0.12"), ZERO, rule).reasons
    ('margin 12.00 % below 15.00 % (warning)',)
    >>> evaluate(Decimal("0.15"), ZERO, rule).level
    'ok'
    """
    if rule is None:
        return Verdict("ok")
    level = "ok"
    reasons = []
    breaches = []
    checks = (
        ("forbidden", rule.forbid_below, "forbidden"),
        ("approve", rule.approve_below, "approval required"),
        ("warn", rule.warn_below, "warning"),
    )
    for check_level, threshold, label in checks:
        if threshold is not None and margin_rate < threshold:
            reasons.append(
                f"margin {_pct(margin_rate)} below {_pct(threshold)} ({label})"
            )
            breaches.append(("margin", check_level, margin_rate, threshold))
            level = max(level, check_level, key=LEVELS.index)
            break
    if rule.max_discount is not None and discount > rule.max_discount:
        reasons.append(
            f"discount {_pct(discount)} above {_pct(rule.max_discount)} "
            "(approval required)"
        )
        breaches.append(("discount", "approve", discount, rule.max_discount))
        level = max(level, "approve", key=LEVELS.index)
    approver = rule.approver if level == "approve" else None
    return Verdict(level, tuple(reasons), approver, tuple(breaches))


def approval_rule(rules, context, governing):
    """Return the rule whose approver must approve a line governed by ``governing``.

    Amount levels escalate: among the rules that apply to ``context`` and name an
    approver, the one with the highest ``amount_min`` reached wins, whatever its
    specificity (an order of 12,000 goes to the finance rule "from 10,000" even when
    a channel rule sets its thresholds). Without such a level, the governing rule.

    >>> finance = Rule(2, amount_min=Decimal(10000), approver="finance")
    >>> channel = Rule(1, channel_id="amz", approver="sales")
    >>> approval_rule([finance, channel], RuleContext(channel_id="amz",
    ...     amount=Decimal(12000)), channel).approver
    'finance'
    >>> approval_rule([finance, channel], RuleContext(channel_id="amz",
    ...     amount=Decimal(9000)), channel).approver
    'sales'
    """
    levels = [
        rule
        for rule in rules
        if rule.amount_min is not None
        and rule.approver is not None
        and _applies(rule, context)
    ]
    if not levels:
        return governing
    return min(levels, key=lambda rule: (-rule.amount_min, rule.sequence, rule.id))


__all__ = [
    "CostProfile",
    "LineInput",
    "LineMargin",
    "Rule",
    "RuleContext",
    "Verdict",
    "approval_rule",
    "evaluate",
    "floor_price",
    "line_margin",
    "pick_rule",
    "specificity",
]
