from . import test_cash_groups
