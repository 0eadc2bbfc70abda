"""docs/data_first.md: its examples print what it shows; its tables are the committed benchmark
output, and a cheap part of benchmarks/data_first.py still gives the committed numbers."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import _readme
import pytest

pytest.importorskip("causallearn")
DOC = _readme.ROOT / "docs" / "data_first.md"
RESULTS = _readme.ROOT / "benchmarks" / "results" / "data_first.txt"
HINT = (
    "numbers changed: re-run `python benchmarks/data_first.py > benchmarks/results/data_first.txt`"
)


def _benchmark() -> ModuleType:
    path = _readme.ROOT / "benchmarks" / "data_first.py"
    spec = importlib.util.spec_from_file_location("data_first_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def test_the_examples_print_what_the_docs_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    pairs = _readme.executed_pairs(DOC.read_text(encoding="utf-8"))
    assert len(pairs) == 4
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block, shown in pairs:
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(block.code, str(DOC), "exec"), namespace)
        assert shown is not None
        assert captured.getvalue() == shown.code, f"docs/data_first.md block at {block.start}"


def test_the_docs_hold_the_committed_results_and_the_command() -> None:
    committed = RESULTS.read_text(encoding="utf-8")
    benchmark = _benchmark()
    assert committed.splitlines()[0] == f"command: {benchmark.COMMAND}"
    assert committed.strip() in DOC.read_text(encoding="utf-8"), (
        "docs/data_first.md must contain benchmarks/results/data_first.txt verbatim"
    )


def test_a_cheap_part_of_the_benchmark_still_comes_out() -> None:
    benchmark = _benchmark()
    lines = RESULTS.read_text(encoding="utf-8").splitlines()
    graphs = benchmark.load_benchmarks(["cancer", "earthquake"])
    runs = benchmark.all_runs(graphs, tuple(benchmark.KINDS), benchmark.SEEDS)
    for kind in benchmark.KINDS:
        for row in benchmark.comparison_table(runs, graphs, kind)[2:]:
            if not row.startswith(f"| {benchmark.MEAN_LABEL}"):  # means depend on every graph
                assert row in lines, f"{HINT}: {row}"
    for row in benchmark.cyclic_table()[2:]:
        assert row in lines, f"{HINT}: {row}"
