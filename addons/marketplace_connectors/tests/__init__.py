from . import test_channel_security
from . import test_menu_tour
