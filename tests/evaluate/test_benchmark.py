"""Benchmark graphs, the runner, its tables, and the committed numbers in docs/benchmarks.md."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from pywhy_llm_assist import Assistant, CausalGraph, GraphFormatError, InputError
from pywhy_llm_assist.evaluate._benchmark import BenchmarkReport, run_benchmark
from pywhy_llm_assist.evaluate._graphs import (
    BENCHMARKS_VARIABLE,
    PACKAGED_FOLDER,
    benchmark_folder,
    list_benchmarks,
    load_benchmark,
    load_benchmarks,
    neutral_names,
    rename_benchmark,
    rename_variables,
    synthetic_benchmark,
)
from pywhy_llm_assist.evaluate._simulated_expert import SimulatedExpert
from pywhy_llm_assist.evaluate._table import format_table
from pywhy_llm_assist.testing import ScriptedModel

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ("asia", "cancer", "earthquake", "sachs", "survey", "shrier_platt_2008", "child")
PUBLISHED_SIZES = {
    "cancer": (5, 4),
    "earthquake": (5, 4),
    "survey": (6, 6),
    "asia": (8, 8),
    "sachs": (11, 17),
    "shrier_platt_2008": (13, 19),
    "child": (20, 25),
}
"""Nodes and arcs of each network as its publication gives them."""


# ------------------------------------------------------------------ graph files
def test_packaged_graphs_load_and_cite_their_source() -> None:
    assert set(PACKAGED) <= set(list_benchmarks(PACKAGED_FOLDER))
    for name in PACKAGED:
        raw = json.loads((PACKAGED_FOLDER / f"{name}.json").read_text(encoding="utf-8"))
        assert raw["license"].startswith("network structure: published in ")
        assert raw["license"].endswith("descriptions: written for pywhy-llm-assist, MIT")
        assert raw["source"]["network"]
        benchmark = load_benchmark(PACKAGED_FOLDER / f"{name}.json")
        assert benchmark.name == name
        assert benchmark.context
        assert all(variable.description for variable in benchmark.graph.variables)


@pytest.mark.parametrize("name", PACKAGED)
def test_packaged_graphs_have_the_published_size_and_their_own_words(name: str) -> None:
    benchmark = load_benchmark(name)
    assert (len(benchmark.graph.names), len(benchmark.graph.edges)) == PUBLISHED_SIZES[name]
    assert benchmark.context
    for variable in benchmark.graph.variables:
        assert variable.description and variable.description != variable.name


def test_the_packaged_folder_is_every_graph_the_numbers_use() -> None:
    committed = (ROOT / "benchmarks" / "results" / "quality.txt").read_text(encoding="utf-8")
    assert committed.splitlines()[0] == "graphs: " + ", ".join(
        item.name for item in load_benchmarks(PACKAGED_FOLDER)
    )


def test_benchmark_folder_choice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(BENCHMARKS_VARIABLE, str(tmp_path))
    assert benchmark_folder() == tmp_path
    monkeypatch.delenv(BENCHMARKS_VARIABLE)
    assert benchmark_folder() == PACKAGED_FOLDER  # never a folder beside the checkout


def test_names_fall_back_to_the_packaged_graphs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(BENCHMARKS_VARIABLE, str(tmp_path))
    assert load_benchmark("cancer").graph.names[0] == "Pollution"
    with pytest.raises(InputError, match="no benchmark graph called 'nope'"):
        load_benchmark("nope")
    with pytest.raises(InputError, match="does not exist"):
        load_benchmark(tmp_path / "missing.json")


def _write(folder: Path, stem: str, **changes: object) -> Path:
    document: dict[str, object] = {
        "name": stem,
        "context": "a test",
        "variables": [
            {"name": "a", "description": "first", "states": [0, 1]},
            {"name": "b", "description": "second"},
            {"name": "c", "description": "third"},
        ],
        "edges": [["a", "b"], ["b", "c"]],
        "exposure": ["a"],
        "outcome": ["c"],
    }
    document.update(changes)
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_any_folder_of_graph_files_can_be_benchmarked(tmp_path: Path) -> None:
    _write(tmp_path, "small")
    _write(tmp_path, "bigger", variables=[{"name": name} for name in "abcd"], exposure=[])
    benchmarks = load_benchmarks(tmp_path)
    assert [item.name for item in benchmarks] == ["small", "bigger"]  # by size, then name
    graph, context, exposure, outcome = benchmarks[0]
    assert (context, exposure, outcome) == ("a test", ("a",), ("c",))
    assert graph.variable("a").states == ("0", "1")
    report = run_benchmark(tmp_path)
    assert [row.f1 for row in report.rows] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"edges": [["a", "b"], ["b", "a"]]}, "cycle"),
        ({"edges": [["a", "x"]]}, "unknown variable"),
        ({"outcome": ["x"]}, "outcome names unknown"),
        ({"variables": [{"name": "a"}]}, "variables"),
        ({"name": 3}, "name"),
    ],
)
def test_bad_graph_files_are_reported(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = _write(tmp_path, "bad", **changes)
    with pytest.raises(GraphFormatError, match=message):
        load_benchmark(path)


def test_unreadable_json_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(GraphFormatError, match="cannot read"):
        load_benchmark(path)


def test_selections_by_names_lists_and_objects() -> None:
    cancer = load_benchmark("cancer")
    assert [item.name for item in load_benchmarks("cancer, asia")] == ["cancer", "asia"]
    assert [item.name for item in load_benchmarks(["asia", cancer])] == ["asia", "cancer"]
    assert load_benchmarks(cancer) == [cancer]
    assert {item.name for item in load_benchmarks()} >= set(PACKAGED)


# ------------------------------------------------------------------ renaming
def test_rename_keeps_descriptions_and_structure() -> None:
    truth = load_benchmark("asia").graph
    renamed, mapping = rename_variables(truth, seed=7)
    assert renamed.names == tuple(neutral_names(8))
    assert set(mapping) == set(truth.names)
    for original in truth.variables:
        assert renamed.variable(mapping[original.name]).description == original.description
    assert sorted(renamed.edge_pairs) == sorted(
        (mapping[source], mapping[target]) for source, target in truth.edge_pairs
    )
    assert renamed.metadata["renamed"] is True
    assert rename_variables(truth, seed=7)[1] == mapping
    assert rename_variables(truth, seed=8)[1] != mapping


def test_rename_benchmark_renames_exposure_and_outcome(tmp_path: Path) -> None:
    benchmark = load_benchmark(_write(tmp_path, "roles"))
    renamed, mapping = rename_benchmark(benchmark, seed=1)
    assert renamed.exposure == (mapping["a"],)
    assert renamed.outcome == (mapping["c"],)
    assert neutral_names(120)[:2] == ["V001", "V002"]


# ------------------------------------------------------------------ runner
def test_rows_cover_every_combination() -> None:
    report = run_benchmark(
        ["cancer", "earthquake"],
        strategies=("per_node", "whole"),
        samples=(1, 3),
        errors=(0.0, 0.3),
        rename="both",
        seed=(0, 1),
    )
    assert len(report.rows) == 2 * 2 * 2 * 2 * 2 * 2
    for row in report.rows:
        if row.error == 0.0:
            assert (row.f1, row.shd, row.precision, row.recall) == (1.0, 0, 1.0, 1.0)
        assert row.calls == (row.n if row.strategy == "per_node" else 1) * row.samples
        assert row.prompt_tokens > 0 and row.completion_tokens > 0
        assert row.failure is None
    assert report.model == "simulated-expert"
    assert report.settings["seeds"] == [0, 1]


def test_renamed_rows_use_neutral_names_with_the_same_errors() -> None:
    report = run_benchmark("sachs", errors=(0.2,), rename="both", seed=3)
    original, renamed = report.rows
    assert (original.renamed, renamed.renamed) == (False, True)
    assert original.f1_without_cycle_breaking == renamed.f1_without_cycle_breaking


def test_break_cycles_false_scores_the_graph_before_cycle_breaking() -> None:
    kept = run_benchmark("sachs", errors=(0.3,), seed=range(4))
    raw = run_benchmark("sachs", errors=(0.3,), seed=range(4), break_cycles=False)
    assert any(row.cycle_dropped for row in kept.rows)
    for with_breaking, without in zip(kept.rows, raw.rows, strict=True):
        assert without.f1 == with_breaking.f1_without_cycle_breaking
        assert without.shd == with_breaking.shd_without_cycle_breaking


def test_a_real_assistant_is_measured_and_its_failures_recorded() -> None:
    empty = Assistant(
        "scripted", client=ScriptedModel(respond=lambda request: {"causes": []}), cache_mode="off"
    )
    report = run_benchmark("cancer", assistant=empty)
    (row,) = report.rows
    assert (row.error, row.f1, row.recall, row.calls) == (None, 0.0, 0.0, 5)
    assert report.model == "scripted"

    broken = Assistant(
        "scripted",
        client=ScriptedModel(respond=lambda request: "no JSON here"),
        max_reasks=0,
        cache_mode="off",
    )
    progress: list[str] = []
    report = run_benchmark(
        ["cancer", "earthquake"], assistant=broken, progress=lambda row: progress.append(row.graph)
    )
    assert progress == ["cancer", "earthquake"]
    assert all(row.failure and row.f1 is None for row in report.rows)
    assert "failed:" in format_table(report)
    with pytest.raises(InputError, match="simulated expert only"):
        run_benchmark("cancer", assistant=empty, errors=(0.1,))


def test_recorded_answers_replay_without_calls(tmp_path: Path) -> None:
    truth = load_benchmark("asia").graph
    recorder = Assistant(
        "expert",
        client=SimulatedExpert.with_error(truth, 0.2),
        cache=tmp_path,
        cache_mode="read_write",
    )
    recorded = run_benchmark("asia", assistant=recorder).rows[0]
    replayer = Assistant("expert", client=ScriptedModel(), cache=tmp_path, cache_mode="replay")
    replayed = run_benchmark("asia", assistant=replayer).rows[0]
    assert recorded.f1 is not None and recorded.f1 < 1.0
    assert replayed.f1 == recorded.f1
    assert (replayed.calls, replayed.cache_hits) == (0, 8)


@pytest.mark.parametrize(
    "options",
    [{"samples": (0,)}, {"errors": (1.5,)}, {"strategies": ()}, {"rename": "sometimes"}],
)
def test_bad_options_are_rejected(options: dict[str, object]) -> None:
    with pytest.raises(InputError):
        run_benchmark("cancer", **options)  # type: ignore[arg-type]


def test_report_json_round_trip(tmp_path: Path) -> None:
    report = run_benchmark("cancer", errors=(0.0, 0.2))
    path = tmp_path / "results.json"
    report.to_json(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"graph", "f1", "shd", "calls", "prompt_tokens", "wall_seconds"} <= set(data["rows"][0])
    assert BenchmarkReport.from_json(path) == report
    assert BenchmarkReport.from_json(report.to_json()) == report


def test_tables() -> None:
    report = run_benchmark("cancer", errors=(0.0, 0.2))
    text = format_table(report)
    lines = text.splitlines()
    assert lines[0].split() == [
        "graph", "n", "strategy", "samples", "error", "renamed", "precision", "recall", "F1",
        "SHD", "calls", "tokens", "cached", "wall", "s",
    ]  # fmt: skip
    assert lines[2].split()[:9] == [
        "cancer",
        "5",
        "per_node",
        "1",
        "0%",
        "no",
        "1.000",
        "1.000",
        "1.000",
    ]
    assert lines[3].split()[4] == "20%"
    assert len({len(line) for line in lines[:2]}) == 1  # header and rule line up
    markdown = format_table(report, columns=("graph", "f1", "shd"), markdown=True)
    assert markdown.splitlines()[:3] == [
        "| graph | F1 | SHD |",
        "|---|---:|---:|",
        "| cancer | 1.000 | 0 |",
    ]
    with pytest.raises(InputError, match="unknown table columns"):
        format_table(report, columns=("graph", "beauty"))


def test_synthetic_graphs_are_seeded_dags() -> None:
    first = synthetic_benchmark(30, seed=4).graph
    assert first == synthetic_benchmark(30, seed=4).graph
    assert first.is_acyclic()
    assert 20 <= len(first.edges) <= 70
    assert isinstance(first, CausalGraph)


# ------------------------------------------------------------------ committed numbers
def _quality_script() -> ModuleType:
    path = ROOT / "benchmarks" / "quality.py"
    spec = importlib.util.spec_from_file_location("quality_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_quality_tables_are_pasted_verbatim_into_the_docs() -> None:
    docs = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    committed = (ROOT / "benchmarks" / "results" / "quality.txt").read_text(encoding="utf-8")
    assert committed.strip() in docs, (
        "docs/benchmarks.md must contain benchmarks/results/quality.txt verbatim: re-run "
        "`python benchmarks/quality.py > benchmarks/results/quality.txt` and paste it"
    )


def test_quality_numbers_still_come_out() -> None:
    """Re-run a cheap subset of benchmarks/quality.py; its rows must be in the committed output."""
    quality = _quality_script()
    committed = (ROOT / "benchmarks" / "results" / "quality.txt").read_text(encoding="utf-8")
    lines = committed.splitlines()
    graphs = load_benchmarks(["cancer", "earthquake"])
    rows = [
        *quality.error_table(graphs)[2:],
        *quality.samples_table(graphs)[2:],
        *quality.cycle_table(graphs[:1])[2:],
    ]
    hint = "numbers changed: re-run benchmarks/quality.py and update docs/benchmarks.md"
    for row in rows:
        if not row.startswith(f"| {quality.MEAN_LABEL}"):  # means depend on every graph
            assert row in lines, f"{hint}: {row}"
    for row in quality.cost_table(sizes=(5, 10))[2:]:
        without_wall_time = row.rsplit("|", 2)[0]
        assert any(line.startswith(without_wall_time) for line in lines), f"{hint}: {row}"


def test_the_command_table_still_comes_out() -> None:
    """The default table for two packaged graphs matches the committed one (wall time aside)."""
    quality = _quality_script()
    committed = (ROOT / "benchmarks" / "results" / "quality.txt").read_text(encoding="utf-8")
    committed_cells = [line.split()[:-1] for line in committed.splitlines()]
    graphs = [load_benchmark(PACKAGED_FOLDER / f"{name}.json") for name in ("cancer", "asia")]
    table = quality.command_table(graphs)
    assert table[1] == f"$ {quality.COMMAND}"
    for line in table[2].splitlines()[2:]:
        assert line.split()[:-1] in committed_cells, line
