from . import test_margin_groups
