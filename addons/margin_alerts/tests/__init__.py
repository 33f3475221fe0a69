from . import test_margin_groups
from . import test_cost_profile
