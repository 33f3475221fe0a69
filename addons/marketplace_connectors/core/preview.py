"""What an import would create, computed without writing: the wizard's preview.

>>> from decimal import Decimal as D
>>> from .records import Line, PayoutInfo
>>> records = [
...     PayoutInfo(ref="P1", currency="EUR", amount_declared=D("97.21")),
...     Line("k1", "sale", D("100.00"), "EUR", "Order", 3, payout_ref="P1"),
...     Line("k2", "commission", D("-2.79"), "EUR", "Fee", 4, payout_ref="P1"),
... ]
>>> summary = summarize(records)
>>> summary.payouts["P1"]["computed"], summary.payouts["P1"]["balanced"]
(Decimal('97.21'), True)
>>> summary.line_count, summary.payouts["P1"]["categories"]["commission"]
(2, Decimal('-2.79'))
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .records import Line, OrderInfo, PayoutInfo

NO_PAYOUT = ""


@dataclass
class Summary:
    payouts: dict = field(default_factory=dict)
    line_count: int = 0
    order_count: int = 0

    def payout(self, ref, currency):
        return self.payouts.setdefault(
            ref,
            {
                "ref": ref,
                "currency": currency,
                "declared": None,
                "computed": Decimal(0),
                "count": 0,
                "categories": {},
                "balanced": False,
            },
        )


def summarize(records):
    """Totals per payout (declared, computed, per category) of parsed records."""
    summary = Summary()
    for record in records:
        if isinstance(record, PayoutInfo):
            row = summary.payout(record.ref, record.currency)
            if record.amount_declared is not None:
                row["declared"] = record.amount_declared
        elif isinstance(record, Line):
            row = summary.payout(record.payout_ref or NO_PAYOUT, record.currency)
            row["computed"] += record.amount
            row["count"] += 1
            categories = row["categories"]
            categories[record.category] = (
                categories.get(record.category, Decimal(0)) + record.amount
            )
            summary.line_count += 1
        elif isinstance(record, OrderInfo):
            summary.order_count += 1
    for row in summary.payouts.values():
        row["balanced"] = (
            row["declared"] is not None and row["declared"] == row["computed"]
        )
    return summary
