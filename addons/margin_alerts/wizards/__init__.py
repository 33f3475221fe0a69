from . import margin_approval_wizard
