from . import stock_close_pack_xlsx
from . import cash_dashboard_xlsx
from . import receivable_factoring_xlsx
