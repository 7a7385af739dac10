"""Test tiers (markers ``unit``, ``integration``, ``e2e``, ``browser``), assigned to every test at collection.

A test's tier is the heaviest part it reaches: the names its function, its
fixtures (all of them, transitively) and the helpers of ``tests`` they call
refer to are looked up and classified by the module that defines them (a real
spaCy detector, a database, a subprocess: ``integration``; a served gateway or
a loopback upstream: ``e2e``; Chromium: ``browser``). Anything else is
``unit``: `pytest -m unit` runs in seconds. A test may also carry one of the
markers itself; that one wins.
"""

from __future__ import annotations

import inspect
import types
from pathlib import Path
from typing import Any

import pytest

TIERS = ("unit", "integration", "e2e", "browser")
TESTS_DIR = Path(__file__).resolve().parent

# Where a name comes from -> the tier it puts a test in (a module matches its submodules too; a module and
# name, ``module.Name``, is looked up first).
HEAVY_MODULES = {
    "playwright": "browser",
    "tests.support.server.GatewayProcess": "e2e",
    "tests.support.server": "integration",  # the ``gateway`` command's path and environment: a subprocess
    "tests.support.inprocess": "e2e",
    "tests.support.review": "e2e",
    "tests.support.upstream": "e2e",
    "tests.support.anthropic_upstream": "e2e",
    "tests.support.local_servers": "e2e",
    "gateway.app": "e2e",
    "uvicorn": "e2e",
    "subprocess": "integration",
    "multiprocessing": "integration",
    "concurrent.futures.process": "integration",
    "tests.support.cli": "integration",
    "tests.support.databases": "integration",
    "tests.support.audit": "integration",
    "tests.support.faults": "integration",
    "tests.detect_fixtures": "integration",
    "gateway.pipeline.detect": "integration",
    "gateway.pipeline.detect_pool": "integration",
    "gateway.db": "integration",
    "gateway.services": "integration",
    "gateway.audit.store": "integration",
    "gateway.backends.local": "integration",
    "bench": "integration",
}


def _heaviest(tiers: Any) -> str:
    return max(tiers, key=TIERS.index, default="unit")


def _module_tier(module: str | None) -> str | None:
    while module:
        if module in HEAVY_MODULES:
            return HEAVY_MODULES[module]
        module = module.rpartition(".")[0]
    return None


def _ours(obj: Any, module: str) -> bool:
    """Defined in the test suite (test modules are imported as ``test_x``/``conftest``, the rest as ``tests.*``)."""
    if module.startswith("tests."):
        return True
    try:
        return Path(inspect.getfile(obj)).resolve().is_relative_to(TESTS_DIR)
    except (TypeError, OSError):
        return False


def _object_tier(obj: Any, seen: set[int]) -> str:
    if id(obj) in seen:
        return "unit"
    seen.add(id(obj))
    module = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", None)
    if not isinstance(module, str):
        return "unit"
    tier = HEAVY_MODULES.get(f"{module}.{getattr(obj, '__qualname__', '')}") or _module_tier(module)
    if tier is not None:
        return tier
    if not _ours(obj, module):
        return "unit"
    if inspect.isfunction(obj):
        return _code_tier(obj.__code__, obj.__globals__, seen)
    if inspect.isclass(obj):
        return _heaviest(_object_tier(member, seen) for member in vars(obj).values() if inspect.isfunction(member))
    return "unit"


def _code_tier(code: types.CodeType, namespace: dict[str, Any], seen: set[int]) -> str:
    tiers = [_object_tier(namespace[name], seen) for name in code.co_names if name in namespace]
    tiers += [_code_tier(const, namespace, seen) for const in code.co_consts if isinstance(const, types.CodeType)]
    return _heaviest(tiers)


def tier_of(item: pytest.Function) -> str:
    for name in TIERS:
        if item.get_closest_marker(name) is not None:
            return name
    seen: set[int] = set()
    tiers = [_object_tier(item.function, seen)]
    for definitions in item._fixtureinfo.name2fixturedefs.values():
        tiers += [_object_tier(definition.func, seen) for definition in definitions]
    return _heaviest(tiers)


def assign(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function):
            item.add_marker(tier_of(item))
