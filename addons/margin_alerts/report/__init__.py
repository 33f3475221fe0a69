from . import margin_realized_xlsx
