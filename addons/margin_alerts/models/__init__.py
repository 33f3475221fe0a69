from . import margin_cost_profile
from . import margin_rule
from . import sale_order_line
from . import sale_order
from . import product_category
from . import margin_approval
from . import margin_realized
