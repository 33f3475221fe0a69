from . import marketplace_channel_account
from . import marketplace_channel
from . import marketplace_payout
from . import marketplace_bank_proposal
from . import sale_order
from . import stock_valuation_snapshot
