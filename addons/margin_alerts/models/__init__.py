from . import margin_cost_profile
