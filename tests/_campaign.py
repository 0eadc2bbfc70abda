"""Shared by the fault-campaign and resume tests: the campaign script and the CHILD graph."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
CAMPAIGN_SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fault_campaign.py"

needs_child_graph = pytest.mark.skipif(
    not (BENCHMARKS / "child.json").is_file(),
    reason=f"the shared benchmark graphs are not at {BENCHMARKS}",
)


def load_campaign() -> ModuleType:
    """Import ``benchmarks/fault_campaign.py`` (a script, not a package module)."""
    name = "fault_campaign"
    if name in sys.modules:
        return sys.modules[name]
    if not CAMPAIGN_SCRIPT.is_file() or not (BENCHMARKS / "child.json").is_file():
        pytest.skip(
            f"needs {CAMPAIGN_SCRIPT} and the shared benchmark graphs at {BENCHMARKS}",
            allow_module_level=True,
        )
    spec = importlib.util.spec_from_file_location(name, CAMPAIGN_SCRIPT)
    assert spec is not None and spec.loader is not None, CAMPAIGN_SCRIPT
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module
