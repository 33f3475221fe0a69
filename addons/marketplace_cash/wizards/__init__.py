from . import stock_valuation_snapshot_reset
