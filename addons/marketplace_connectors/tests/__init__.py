from . import test_channel_security
from . import test_i18n
from . import test_import
from . import test_import_tour
from . import test_import_concurrency
from . import test_order_binding
from . import test_sync
from . import test_webhook
