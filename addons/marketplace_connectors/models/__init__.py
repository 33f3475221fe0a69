from . import marketplace_channel
from . import res_company
