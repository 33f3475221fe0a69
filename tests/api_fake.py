"""The loopback fake API server, shared with the Odoo tests.

It lives in ``addons/marketplace_connectors/tests/api_fake.py`` (plain Python, no Odoo)
so that the addon's own tests use it too; this module loads that file by path, without
running the addon's ``tests/__init__.py`` (which imports Odoo).
"""

import importlib.util
import sys
from pathlib import Path

_PATH = (
    Path(__file__).resolve().parent.parent
    / "addons/marketplace_connectors/tests/api_fake.py"
)
_spec = importlib.util.spec_from_file_location("_marketplace_api_fake", _PATH)
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)

FakeApi = _module.FakeApi
Reply = _module.Reply
Seen = _module.Seen
