"""Pure-Python core of marketplace_cash: payout matching, cash forecast and stock
valuation math. It imports no Odoo (``tests/test_core_purity.py`` enforces it), uses
:class:`decimal.Decimal` for money and raises :mod:`.exceptions` errors."""
