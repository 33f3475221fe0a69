"""The cores stay pure: no file under addons/*/core may import Odoo.

The scan reads the syntax tree, so it also catches ``import odoo.tools``, ``from odoo
import fields``, imports nested in functions and ``importlib.import_module("odoo")``.
"""

import ast

import pytest
from conftest import ADDON_NAMES, ADDONS


def odoo_imports(source, filename="<string>"):
    """Return ``(line, statement)`` for each Odoo import found in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        for name in names:
            if name == "odoo" or name.startswith(("odoo.", "openerp")):
                found.append((node.lineno, name))
    return found


def core_files():
    return sorted(
        path for name in ADDON_NAMES for path in (ADDONS / name / "core").rglob("*.py")
    )


def test_every_addon_has_a_core():
    for name in ADDON_NAMES:
        assert (ADDONS / name / "core" / "__init__.py").is_file(), name


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(ADDONS)))
def test_core_file_imports_no_odoo(path):
    assert odoo_imports(path.read_text(encoding="utf-8"), str(path)) == []


@pytest.mark.parametrize(
    "source",
    [
        "import odoo",
        "from odoo import fields",
        "import odoo.tools.float_utils as fu",
        "from odoo.addons.account.models import account_move",
        "def f():\n    from odoo.exceptions import UserError\n",
        "import importlib\nimportlib.import_module('odoo.tools')",
        "__import__('odoo')",
    ],
)
def test_scan_catches_odoo_imports(source):
    assert odoo_imports(source)


def test_scan_ignores_lookalikes():
    assert odoo_imports("import odoolike\nfrom .odoo_names import X\n") == []


def test_scan_fails_on_a_real_impure_core(tmp_path):
    """The same scan that guards the repository rejects a core file importing odoo."""
    core = tmp_path / "core"
    core.mkdir()
    bad = core / "bad.py"
    bad.write_text("from decimal import Decimal\nfrom odoo import models\n")
    assert odoo_imports(bad.read_text(), str(bad)) == [(2, "odoo")]
