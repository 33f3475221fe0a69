from . import stock_close_pack_xlsx
