from . import marketplace_import_wizard
