from . import test_cash_groups
from . import test_payout_accounting
from . import test_order_chain
from . import test_cash_tour
from . import test_stock_valuation_snapshot
from . import test_stock_close_pack
from . import test_stock_snapshot_tour
from . import test_cash_forecast
