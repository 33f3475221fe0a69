from . import test_margin_groups
from . import test_cost_profile
from . import test_line_margin
from . import test_margin_approval
from . import test_realized_margin
from . import test_margin_tour
