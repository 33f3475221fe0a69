from . import stock_valuation_snapshot_reset
from . import dunning_hold_wizard
