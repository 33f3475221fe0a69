from . import stock_valuation_snapshot_reset
from . import dunning_hold_wizard
from . import receivable_factoring
from . import receivable_kpi_refresh
