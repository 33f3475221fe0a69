"""Pure-Python core of marketplace_connectors.

Nothing in this package may import Odoo (``tests/test_core_purity.py`` enforces it):
parsers, normalization and idempotency keys live here, take and return plain Python
objects, use :class:`decimal.Decimal` for money and raise :mod:`.exceptions` errors.
The Odoo models in ``models/`` wire these functions to the ORM.
"""
