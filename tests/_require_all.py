"""``PYWHY_LLM_ASSIST_REQUIRE_ALL=1``: a test skipped because something is missing is a failure.

`scripts/test.sh` (and so CI) sets the variable: there, every optional part (the embedded
model, DoWhy, causal-learn, Chromium, the packaged benchmark graphs) must be present and run,
so a skip means a part of the suite silently did not. Only deliberate skips pass: doctest
examples marked ``+SKIP`` and expected failures. The hooks are imported by `conftest.py`.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

REQUIRE_ALL_VARIABLE = "PYWHY_LLM_ASSIST_REQUIRE_ALL"
DELIBERATE_SKIPS = ("all tests skipped by +SKIP option",)


def _required() -> bool:
    return os.environ.get(REQUIRE_ALL_VARIABLE, "").strip() not in ("", "0")


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _fail_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not (report.skipped and _required()) or hasattr(report, "wasxfail"):
        return
    reason = _reason(report)
    if any(deliberate in reason for deliberate in DELIBERATE_SKIPS):
        return
    report.outcome = "failed"
    report.longrepr = (
        f"skipped ({reason}), but {REQUIRE_ALL_VARIABLE}=1 makes a skip a failure: "
        "install what is missing (bash scripts/test.sh installs every extra)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[Any]:
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[Any]:
    outcome = yield
    _fail_skip(outcome.get_result())
