"""PYWHY_LLM_ASSIST_REQUIRE_ALL=1 (scripts/test.sh, CI): a skip for something missing fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SAMPLE = '''
import pytest

def test_runs() -> None:
    assert True

def test_needs_a_missing_part() -> None:
    pytest.skip("the thing is not installed")

@pytest.mark.skipif(True, reason="no chromium")
def test_marked_skip() -> None:
    pass

@pytest.mark.xfail(reason="known", strict=True)
def test_expected_failure() -> None:
    raise AssertionError

def deliberately_skipped_example() -> None:
    """An example that needs a server.

    >>> deliberately_skipped_example()  # doctest: +SKIP
    """
'''
MISSING_MODULE = 'import pytest\n\npytest.importorskip("no_such_module_here")\n'


def _run(
    tmp_path: Path, require_all: str | None, files: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    files = files or {"test_sample.py": SAMPLE, "test_missing_module.py": MISSING_MODULE}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(TESTS)}
    environment.pop("PYWHY_LLM_ASSIST_REQUIRE_ALL", None)
    if require_all is not None:
        environment["PYWHY_LLM_ASSIST_REQUIRE_ALL"] = require_all
    command = [sys.executable, "-m", "pytest", "-p", "_require_all", "-p", "no:cacheprovider"]
    command += ["-q", "-rA", "--doctest-modules", "--rootdir", str(tmp_path), str(tmp_path)]
    return subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
    )


def test_with_require_all_a_skip_for_a_missing_part_is_a_failure(tmp_path: Path) -> None:
    result = _run(tmp_path, "1", {"test_sample.py": SAMPLE})
    output = result.stdout
    assert result.returncode == 1, output
    assert "FAILED test_sample.py::test_needs_a_missing_part" in output
    assert "ERROR test_sample.py::test_marked_skip" in output  # skipped in setup: an error
    assert "PYWHY_LLM_ASSIST_REQUIRE_ALL=1 makes a skip a failure" in output
    assert "the thing is not installed" in output  # the original reason is kept
    assert "XFAIL test_sample.py::test_expected_failure" in output
    assert "all tests skipped by +SKIP option" in output  # a deliberate skip stays a skip
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed, 1 error" in output


def test_with_require_all_a_module_skipped_at_import_stops_the_run(tmp_path: Path) -> None:
    result = _run(tmp_path, "1", {"test_missing_module.py": MISSING_MODULE})
    assert result.returncode != 0, result.stdout
    assert "ERROR test_missing_module.py" in result.stdout
    assert "no_such_module_here" in result.stdout


@pytest.mark.parametrize("value", [None, "0"])
def test_without_it_skips_stay_skips(tmp_path: Path, value: str | None) -> None:
    result = _run(tmp_path, value)
    assert result.returncode == 0, result.stdout
    assert "1 passed, 5 skipped, 1 xfailed" in result.stdout


def test_the_test_script_sets_it() -> None:
    script = (TESTS.parent / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "export PYWHY_LLM_ASSIST_REQUIRE_ALL=1" in script
