"""Make the addons' pure cores importable by plain pytest, without Odoo.

Each addon's ``__init__.py`` imports ``odoo`` (its models). Python runs a package's
``__init__`` before any submodule, so the addon directories are registered here as bare
packages whose ``__init__`` never runs: ``import marketplace_connectors.core.money``
then loads only the core. Odoo loads the same files as ``odoo.addons.<addon>.core``.
"""

import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"
ADDON_NAMES = ("marketplace_connectors", "marketplace_cash", "margin_alerts")
FIXTURES = Path(__file__).resolve().parent / "fixtures"

for _name in ADDON_NAMES:
    _pkg = types.ModuleType(_name)
    _pkg.__path__ = [str(ADDONS / _name)]
    sys.modules.setdefault(_name, _pkg)

# The shared test helpers get pytest's assertion messages, as the test files do.
pytest.register_assert_rewrite("parser_helpers")
pytest.register_assert_rewrite("api_helpers")


@pytest.fixture(scope="module")
def server():
    """One loopback ``FakeApi`` per test module (stopping one takes half a second)."""
    from api_fake import FakeApi

    with FakeApi() as fake:
        yield fake


@pytest.fixture
def api(server):
    """The module's server, with no route and an empty log."""
    server.routes.clear()
    server.log.clear()
    return server
