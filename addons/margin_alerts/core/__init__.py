"""Pure-Python core of margin_alerts: net-net margin and floor-price math.

It imports no Odoo (``tests/test_core_purity.py`` enforces it), uses
:class:`decimal.Decimal` for money and raises :mod:`.exceptions` errors.
"""
