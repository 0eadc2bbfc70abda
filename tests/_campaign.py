"""Shared by the fault-campaign and resume tests: the campaign script and the CHILD graph."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER

BENCHMARKS = PACKAGED_FOLDER
"""The CHILD graph the campaign answers from: the one packaged with the library."""
CAMPAIGN_SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fault_campaign.py"


def load_campaign() -> ModuleType:
    """Import ``benchmarks/fault_campaign.py`` (a script, not a package module)."""
    name = "fault_campaign"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CAMPAIGN_SCRIPT)
    assert spec is not None and spec.loader is not None, CAMPAIGN_SCRIPT
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module
