"""The normalized transaction categories of the ledger.

Every source type maps to exactly one of these keys (the mapping tables live next
to each parser, in ``parsers/<source>.py``, and are listed in the module's readme).
A type no table knows goes to ``unknown``: it is kept, counted in the payout's
balance and shown for mapping, never dropped.
"""

CATEGORIES = {
    "sale": "Sale",
    "shipping": "Shipping charged",
    "tax": "Tax collected",
    "tax_withheld": "Tax withheld by the marketplace",
    "promotion": "Promotion",
    "commission": "Commission",
    "fulfillment_fee": "Fulfilment fee",
    "shipping_fee": "Shipping fee",
    "payment_fee": "Payment fee",
    "advertising": "Advertising",
    "subscription": "Subscription",
    "storage_fee": "Storage fee",
    "other_fee": "Other fee",
    "refund": "Refund",
    "refund_fee": "Refund fee",
    "dispute": "Dispute",
    "dispute_fee": "Dispute fee",
    "reimbursement": "Reimbursement",
    "reserve_hold": "Reserve held",
    "reserve_release": "Reserve released",
    "fx": "Currency exchange",
    "adjustment": "Adjustment",
    "unknown": "Unknown (to map)",
}
