from . import test_channel_security
from . import test_menu_tour
from . import test_i18n
