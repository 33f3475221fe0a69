"""Run the doctests of every core module: their examples are part of the spec."""

import doctest
import importlib

import pytest
from conftest import ADDON_NAMES, ADDONS


def core_modules():
    for name in ADDON_NAMES:
        core = ADDONS / name / "core"
        for path in sorted(core.rglob("*.py")):
            rel = path.relative_to(ADDONS).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts)


@pytest.mark.parametrize("module_name", list(core_modules()))
def test_doctests(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
