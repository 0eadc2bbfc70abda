"""The command line, run in-process with a scripted model, plus a few real console-script runs."""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pydot
import pytest

from pywhy_llm_assist import (
    CausalGraph,
    ChatRequest,
    Critique,
    RetriesExhaustedError,
    Suggestions,
)
from pywhy_llm_assist.cli import _commands as _cli_commands
from pywhy_llm_assist.cli import _main as _cli
from pywhy_llm_assist.cli import _task_calls
from pywhy_llm_assist.review._decisions import ReviewDecision, ReviewDecisions
from pywhy_llm_assist.testing import ScriptedModel

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEALTH = EXAMPLES / "health" / "variables.yaml"
HEALTH_CONTEXT = EXAMPLES / "health" / "context.txt"
PROPOSED = [
    ("age", "exercise"),
    ("age", "heart_disease"),
    ("smoking", "heart_disease"),
    ("exercise", "body_mass_index"),
    ("body_mass_index", "blood_pressure"),
    ("blood_pressure", "heart_disease"),
    ("exercise", "heart_disease"),
    ("heart_disease", "exercise"),  # a conflict the assembly must resolve
]
CONSOLE_SCRIPT = Path(sys.executable).with_name("pywhy-llm-assist")
REAL_MAKE_ASSISTANT = _cli_commands.make_assistant


def respond(request: ChatRequest) -> dict[str, Any]:
    """Answer every task the command line asks about, in its reply format."""
    query = request.query
    assert query is not None
    item = {"rationale": "scripted", "confidence": "high"}
    if query.task == "per_node":
        (target,) = query.subject
        return {"causes": [{"variable": s, **item} for s, t in PROPOSED if t == target]}
    if query.task == "whole":
        names = set(query.names)
        edges = [(s, t) for s, t in PROPOSED if s in names and t in names]
        return {"edges": [{"cause": s, "effect": t, **item} for s, t in edges]}
    if query.task == "pairwise":
        return {"relation": "neither", "rationale": "scripted", "confidence": "low"}
    if query.task == "confounders":
        return {"measured": [{"variable": "age", **item}], "unmeasured": []}
    if query.task == "instruments":
        return {"instruments": []}
    if query.task == "mediators":
        return {"mediators": [{"variable": "blood_pressure", **item}]}
    if query.task == "negative_controls":
        return {"outcome_controls": [], "exposure_controls": []}
    if query.task == "critique":
        return {"findings": []}
    raise AssertionError(f"unexpected task {query.task!r}")


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> ScriptedModel:
    """A scripted model injected behind `make_assistant`; a model name and key in the env."""
    scripted = ScriptedModel(respond=respond)
    inject(monkeypatch, scripted)
    return scripted


def inject(monkeypatch: pytest.MonkeyPatch, scripted: ScriptedModel) -> None:
    monkeypatch.setenv("PYWHY_LLM_ASSIST_MODEL", "scripted")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setattr(
        _cli_commands, "make_assistant", functools.partial(REAL_MAKE_ASSISTANT, client=scripted)
    )


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PYWHY_LLM_ASSIST_MODEL", "PYWHY_LLM_ASSIST_LOCAL", "PYWHY_LLM_ASSIST_STRATEGY"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = _cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, expected: str, exit_code: int = 2) -> None:
    assert code == exit_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pywhy-llm-assist: error: ")
    assert expected in lines[0]
    assert "Traceback" not in err


@pytest.fixture
def graph_file(tmp_path: Path) -> Path:
    graph = CausalGraph.from_edges(
        ["exercise", "age", "blood_pressure", "heart_disease"],
        [
            ("age", "exercise"),
            ("age", "heart_disease"),
            ("exercise", "blood_pressure"),
            ("blood_pressure", "heart_disease"),
        ],
    )
    path = tmp_path / "graph.json"
    graph.to_json(path)
    return path


# --------------------------------------------------------------------------- suggest-graph
def test_suggest_graph_writes_json_and_a_human_summary(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel
) -> None:
    code, out, err = run(
        capsys, "suggest-graph", "--variables", str(HEALTH), "--context", f"@{HEALTH_CONTEXT}"
    )
    assert code == 0, err
    graph = CausalGraph.from_json(out)
    assert ("smoking", "heart_disease") in graph.edge_pairs
    assert len(model.requests) == 8  # auto -> per_node over eight variables
    assert "prospective cohort" in json.dumps(model.requests[0].messages)
    assert "suggested graph (model scripted, strategy per_node)" in err
    assert "smoking -> heart_disease" in err and "confidence 0.90" in err
    assert "dropped" in err and "conflict" in err
    assert "usage: 8 calls, 0 cache hits" in err
    assert "\r" not in err  # no progress bar: stderr is not a terminal


def test_suggest_graph_cyclic_keeps_the_two_way_link_and_lists_the_loop(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel
) -> None:
    code, out, err = run(capsys, "suggest-graph", "--variables", str(HEALTH), "--cyclic")
    assert code == 0, err
    graph = CausalGraph.from_json(out)
    assert {("exercise", "heart_disease"), ("heart_disease", "exercise")} <= set(graph.edge_pairs)
    assert graph.metadata["acyclic"] is False
    assert graph.cycles == (
        ("exercise", "heart_disease"),
        ("blood_pressure", "heart_disease", "exercise", "body_mass_index"),
    )
    assert "feedback loops (2): exercise -> heart_disease -> exercise; blood_pressure" in err
    assert "conflict" not in err


def test_a_second_run_comes_from_the_cache(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel
) -> None:
    arguments = ("suggest-graph", "--variables", str(HEALTH), "--strategy", "whole", "--quiet")
    first = run(capsys, *arguments)
    second = run(capsys, *arguments)
    assert first[0] == second[0] == 0
    assert CausalGraph.from_json(first[1]).edges == CausalGraph.from_json(second[1]).edges
    assert len(model.requests) == 1
    assert first[2] == second[2] == ""  # --quiet


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("json", lambda text: CausalGraph.from_json(text).edge_pairs),
        ("dot", lambda text: pydot.graph_from_dot_data(text)[0].get_edges()),
        ("gml", lambda text: list(nx.parse_gml(text).edges)),
        ("dagitty", lambda text: CausalGraph.from_dagitty(text).edge_pairs),
        ("mermaid", lambda text: text.startswith("flowchart") and text.count("-->")),
    ],
)
def test_every_output_format_parses(
    capsys: pytest.CaptureFixture[str],
    model: ScriptedModel,
    tmp_path: Path,
    fmt: str,
    check: Callable[[str], Any],
) -> None:
    code, out, err = run(
        capsys, "suggest-graph", "--variables", str(HEALTH), "--strategy", "whole", "--format", fmt
    )
    assert code == 0, err
    assert check(out)


def test_out_file_and_format_from_its_extension(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, tmp_path: Path
) -> None:
    target = tmp_path / "nested" / "graph.dot"
    code, out, err = run(
        capsys,
        "suggest-graph",
        "--variables",
        str(HEALTH),
        "--strategy",
        "whole",
        "--out",
        str(target),
    )
    assert code == 0, err
    assert out == ""
    assert target.read_text().startswith("digraph")
    assert f"wrote the graph to {target}" in err


def test_constraints_reach_the_assistant(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel
) -> None:
    code, out, err = run(
        capsys,
        "suggest-graph",
        "--variables",
        str(HEALTH),
        "--strategy",
        "whole",
        "--required",
        "income -> smoking",
        "--forbidden",
        "exercise->heart_disease",
        "--tiers",
        "age,income;smoking,exercise;body_mass_index,blood_pressure,cholesterol;heart_disease",
    )
    assert code == 0, err
    graph = CausalGraph.from_json(out)
    assert ("income", "smoking") in graph.edge_pairs
    assert ("exercise", "heart_disease") not in graph.edge_pairs
    assert graph.metadata["constraints"]["required"] == [["income", "smoking"]]


def test_environment_variables_set_the_options(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYWHY_LLM_ASSIST_STRATEGY", "whole")
    monkeypatch.setenv("PYWHY_LLM_ASSIST_SAMPLES", "2")
    monkeypatch.setenv("PYWHY_LLM_ASSIST_SEED", "7")
    code, out, err = run(capsys, "suggest-graph", "--variables", str(HEALTH), "--quiet")
    assert code == 0, err
    assert CausalGraph.from_json(out).metadata["samples"] == 2
    assert len(model.requests) == 2
    assert {request.seed for request in model.requests} == {7}
    monkeypatch.setenv("PYWHY_LLM_ASSIST_SAMPLES", "many")
    code, _, err = run(capsys, "suggest-graph", "--variables", str(HEALTH))
    assert_one_line_error(code, err, "$PYWHY_LLM_ASSIST_SAMPLES='many' is not valid")


def test_a_data_csv_header_is_enough(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel
) -> None:
    data = EXAMPLES / "engineering" / "sensor_data.csv"
    code, out, err = run(capsys, "suggest-graph", "--variables", str(data), "--strategy", "whole")
    assert code == 0, err
    assert "bearing_failure" in CausalGraph.from_json(out).names


# --------------------------------------------------------------------------- identification
@pytest.mark.parametrize(
    ("command", "task"),
    [
        ("confounders", "confounders"),
        ("instruments", "instruments"),
        ("mediators", "mediators"),
        ("negative-controls", "negative_controls"),
    ],
)
def test_identification_commands_write_suggestions(
    capsys: pytest.CaptureFixture[str],
    model: ScriptedModel,
    graph_file: Path,
    command: str,
    task: str,
) -> None:
    code, out, err = run(
        capsys,
        command,
        "--variables",
        str(HEALTH),
        "--graph",
        str(graph_file),
        "--treatment",
        "exercise",
        "--outcome",
        "heart_disease",
    )
    assert code == 0, err
    suggestions = Suggestions.from_json(out)
    assert suggestions.task == task
    assert f"{task} for exercise -> heart_disease" in err
    assert "usage: 1 call" in err


def test_confounders_are_checked_on_the_graph(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, graph_file: Path
) -> None:
    code, out, err = run(
        capsys,
        "confounders",
        "--graph",
        str(graph_file),
        "--treatment",
        "exercise",
        "--outcome",
        "heart_disease",
    )
    assert code == 0, err
    (item,) = Suggestions.from_json(out).items
    assert item.variable == "age" and item.graph_verdict is True
    assert "graph agrees" in err


# --------------------------------------------------------------------------- critique
def test_critique_with_the_model(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, graph_file: Path, tmp_path: Path
) -> None:
    code, _out, err = run(
        capsys,
        "critique",
        "--graph",
        str(graph_file),
        "--variables",
        str(HEALTH),
        "--treatment",
        "exercise",
        "--outcome",
        "heart_disease",
        "--adjust",
        "age,blood_pressure",
        "--out",
        str(tmp_path / "critique.json"),
    )
    assert code == 0, err
    critique = Critique.from_json(tmp_path / "critique.json")
    kinds = {finding.kind for finding in critique.findings}
    assert "mediator_in_adjustment" in kinds
    assert critique.graph.variable("exercise").description.startswith("Hours")
    assert "Critique of exercise -> heart_disease" in err
    assert len(model.requests) == 1


def test_critique_reuses_the_context_a_suggested_graph_was_asked_with(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel
) -> None:
    arguments = ("--variables", str(HEALTH), "--strategy", "whole", "--out", "graph.json")
    code, _, err = run(capsys, "suggest-graph", *arguments, "--context", "adults in Ostrava")
    assert code == 0, err
    code, _, err = run(capsys, "critique", "--graph", "graph.json", "--quiet")
    assert code == 0, err
    assert model.requests[-1].query is not None
    assert model.requests[-1].query.task == "critique"
    assert "adults in Ostrava" in json.dumps(model.requests[-1].messages)


def test_critique_without_a_model_needs_no_model(
    capsys: pytest.CaptureFixture[str], graph_file: Path
) -> None:
    code, out, err = run(
        capsys,
        "critique",
        "--graph",
        str(graph_file),
        "--treatment",
        "exercise",
        "--outcome",
        "heart_disease",
        "--adjust",
        "",
        "--no-model",
    )
    assert code == 0, err
    critique = Critique.from_json(out)
    assert critique.adjustment_set == ()
    assert critique.minimal_adjustment_set == ("age",)


def test_critique_of_a_dagitty_draft_uses_its_exposure_and_outcome(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys,
        "critique",
        "--graph",
        str(EXAMPLES / "engineering" / "draft-graph.dagitty"),
        "--variables",
        str(EXAMPLES / "engineering" / "variables.yaml"),
        "--no-model",
    )
    assert code == 0, err
    critique = Critique.from_json(out)
    assert (critique.treatment, critique.outcome) == ("lubrication_interval", "bearing_failure")
    assert critique.minimal_adjustment_set == ("pump_age",)
    assert "using the graph's exposure 'lubrication_interval'" in err


# --------------------------------------------------------------------------- review
def test_review_then_apply_review(
    capsys: pytest.CaptureFixture[str], graph_file: Path, tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "critique",
        "--graph",
        str(graph_file),
        "--no-model",
        "--treatment",
        "exercise",
        "--outcome",
        "heart_disease",
        "--out",
        str(tmp_path / "critique.json"),
    )
    assert code == 0, err
    page = tmp_path / "pages" / "review.html"
    code, out, err = run(
        capsys,
        "review",
        str(graph_file),
        "--critique",
        str(tmp_path / "critique.json"),
        "--out",
        str(page),
    )
    assert code == 0, err
    assert out.strip() == str(page.resolve())
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert "apply-review" in err
    graph = CausalGraph.from_json(graph_file)
    decisions = ReviewDecisions(
        reviewer="Ada",
        timestamp="2025-01-31T12:00:00Z",
        graph_fingerprint=graph.fingerprint(),
        decisions=[
            ReviewDecision(source="exercise", target="blood_pressure", action="reject"),
            ReviewDecision(source="exercise", target="heart_disease", action="add"),
        ],
    )
    decisions_file = tmp_path / "review-decisions.json"
    decisions_file.write_text(decisions.model_dump_json())
    code, out, err = run(
        capsys, "apply-review", str(graph_file), str(decisions_file), "--format", "json"
    )
    assert code == 0, err
    reviewed = CausalGraph.from_json(out)
    assert ("exercise", "heart_disease") in reviewed.edge_pairs
    assert ("exercise", "blood_pressure") not in reviewed.edge_pairs
    assert "rejected_in_review" in err


def test_review_refuses_a_critique_of_another_graph(
    capsys: pytest.CaptureFixture[str], graph_file: Path, tmp_path: Path
) -> None:
    other = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    (tmp_path / "critique.json").write_text(Critique(graph=other).to_json())
    code, _, err = run(capsys, "review", str(graph_file), "--critique", "critique.json")
    assert_one_line_error(code, err, "was made for another graph")


def test_apply_review_of_another_graph(
    capsys: pytest.CaptureFixture[str], graph_file: Path, tmp_path: Path
) -> None:
    decisions = ReviewDecisions(
        reviewer="Ada", timestamp="2025-01-31T12:00:00Z", graph_fingerprint="0" * 16
    )
    (tmp_path / "d.json").write_text(decisions.model_dump_json())
    code, _, err = run(capsys, "apply-review", str(graph_file), "d.json")
    assert_one_line_error(code, err, "made for another graph")


# --------------------------------------------------------------------------- bad input
@pytest.fixture
def bad_files(tmp_path: Path) -> Path:
    (tmp_path / "malformed.yaml").write_text("- name: a\n  description: [oops\n")
    (tmp_path / "duplicates.yaml").write_text("- name: age\n- name: Age\n")
    (tmp_path / "unknown.json").write_text(
        CausalGraph.from_edges(["exercise", "sunlight"], [("sunlight", "exercise")]).to_json()
    )
    (tmp_path / "broken.json").write_text(
        '{"variables": [{"name": "a"}], "edges": [{"source": "a", "target": "ghost"}]}'
    )
    return tmp_path


BAD_INPUTS = [
    (
        ("suggest-graph", "--variables", "missing.yaml"),
        "variables file 'missing.yaml' does not exist",
    ),
    (("suggest-graph", "--variables", "malformed.yaml"), "is not valid YAML: line 3"),
    (("suggest-graph", "--variables", "duplicates.yaml"), "duplicate variable name 'Age'"),
    (
        ("critique", "--graph", "unknown.json", "--variables", str(HEALTH)),
        "the graph names 'sunlight', which is not in variables file",
    ),
    (("critique", "--graph", "broken.json", "--no-model"), "unknown variable 'ghost'"),
    (
        ("confounders", "--variables", str(HEALTH), "--treatment", "age", "--outcome", "age"),
        "treatment and outcome are the same variable",
    ),
    (
        ("mediators", "--variables", str(HEALTH), "--treatment", "sunlight", "--outcome", "age"),
        "treatment 'sunlight' is not among the variables",
    ),
    (
        ("suggest-graph", "--variables", str(HEALTH), "--strategy", "guess"),
        "invalid choice: 'guess'",
    ),
    (("suggest-graph", "--variables", str(HEALTH), "--samples", "0"), "samples must be 1 or more"),
    (("suggest-graph", "--variables", str(HEALTH), "--required", "age"), "CAUSE->EFFECT"),
    (
        ("suggest-graph", "--variables", str(HEALTH), "--required", "age->nobody"),
        "'nobody'",
    ),
    (("suggest-graph",), "give --variables FILE"),
    (("confounders", "--variables", str(HEALTH)), "the following arguments are required"),
    (("critique", "--variables", str(HEALTH)), "critique needs --graph"),
    (("review", "missing.json"), "graph file 'missing.json' does not exist"),
    (("apply-review", "unknown.json", "missing.json"), "review decisions file 'missing.json'"),
    (("suggest-graph", "--variables", str(HEALTH), "--context", "notes.txt"), "context file"),
    (("suggest-graph", "--variables", str(HEALTH), "--cache-mode", "sometimes"), "invalid choice"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("cache",), "the following arguments are required: ACTION"),
]


@pytest.mark.parametrize(("argv", "expected"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str],
    model: ScriptedModel,
    bad_files: Path,
    argv: tuple[str, ...],
    expected: str,
) -> None:
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, err, expected)
    assert out == ""
    assert model.requests == []


def test_no_model_says_how_to_fix_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "suggest-graph", "--variables", str(HEALTH))
    assert_one_line_error(code, err, "no model chosen")
    assert "--local" in err


def test_no_api_key_says_how_to_fix_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "suggest-graph", "--variables", str(HEALTH), "--model", "gpt-x")
    assert_one_line_error(code, err, "no API key")
    code, _, err = run(
        capsys,
        "suggest-graph",
        "--variables",
        str(HEALTH),
        "--model",
        "gpt-x",
        "--api-key-env",
        "MY_KEY",
    )
    assert_one_line_error(code, err, "$MY_KEY is not set")


def test_local_with_a_model_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "suggest-graph", "--variables", str(HEALTH), "--local", "--model", "gpt-x"
    )
    assert_one_line_error(code, err, "--local runs the embedded model")


def test_a_missing_local_extra_exits_4_with_the_install_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pywhy_llm_assist.llm import _local

    monkeypatch.setattr(_local, "DEFAULT_MODEL_PACKAGE", "no_such_model_package_here")
    code, _, err = run(capsys, "suggest-graph", "--variables", str(HEALTH), "--local")
    assert_one_line_error(code, err, "pip install", exit_code=4)


def test_a_missing_llama_cpp_wheel_exits_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # import fails as if not installed
    code, _, err = run(capsys, "demo", "--out-dir", "demo")
    assert_one_line_error(code, err, "needs the 'local' extra: pip install", exit_code=4)


def test_ctrl_c_exits_130_with_the_resume_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cache_folder: Path
) -> None:
    def interrupted(path: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_task_calls, "read_variables", interrupted)
    code, _, err = run(capsys, "suggest-graph", "--variables", str(HEALTH), "--local")
    assert code == 130
    assert f"interrupted; finished answers are cached in {cache_folder}" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- model failures
def test_a_failed_run_exits_3_keeps_answers_and_resumes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cache_folder: Path
) -> None:
    def flaky(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None
        if request.query.subject == ("heart_disease",):
            raise RetriesExhaustedError(
                "gave up after 6 attempts", query="per_node", attempts=6, last_error=None
            )
        return respond(request)

    failing = ScriptedModel(respond=flaky)
    inject(monkeypatch, failing)
    code, out, err = run(capsys, "suggest-graph", "--variables", str(HEALTH))
    assert code == 3
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[-2].startswith("pywhy-llm-assist: error: 1 of 8 queries failed")
    assert lines[-1] == (
        f"pywhy-llm-assist: hint: finished answers are cached in {cache_folder}; "
        "rerun the same command to resume"
    )
    assert "Traceback" not in err
    assert len(failing.requests) == 8

    working = ScriptedModel(respond=respond)
    inject(monkeypatch, working)
    code, out, err = run(capsys, "suggest-graph", "--variables", str(HEALTH))
    assert code == 0, err
    assert [request.query.subject for request in working.requests if request.query] == [
        ("heart_disease",)
    ]
    assert "usage: 1 call, 7 cache hits" in err


def test_a_single_failed_query_exits_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    error = RetriesExhaustedError("rate limited", query="critique", attempts=6, last_error=None)
    inject(monkeypatch, ScriptedModel([error]))
    graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b")])
    graph.to_json("g.json")
    code, _, err = run(capsys, "critique", "--graph", "g.json", "--cache-mode", "off")
    assert code == 3
    assert "rate limited" in err
    assert "hint: rerun the same command" in err


def test_replay_miss_explains_how_to_record(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel
) -> None:
    code, _, err = run(
        capsys,
        "suggest-graph",
        "--variables",
        str(HEALTH),
        "--strategy",
        "whole",
        "--cache-mode",
        "replay",
    )
    assert code == 3
    assert "record_missing" in err
    assert model.requests == []


# --------------------------------------------------------------------------- cache
def test_cache_stats_list_export_prune(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, cache_folder: Path, tmp_path: Path
) -> None:
    assert run(capsys, "suggest-graph", "--variables", str(HEALTH), "--strategy", "whole")[0] == 0
    assert (
        run(capsys, "critique", "--graph", str(EXAMPLES / "engineering" / "draft-graph.dagitty"))[0]
        == 0
    )
    code, out, _ = run(capsys, "cache", "stats")
    assert code == 0
    assert "entries               2" in out
    assert "cached prompt tokens  0" in out
    assert "critique (1), whole (1)" in out
    code, out, _ = run(capsys, "cache", "stats", "--json")
    assert json.loads(out)["entries"] == 2
    code, out, err = run(capsys, "cache", "list", "--task", "whole")
    assert code == 0 and len(out.strip().splitlines()) == 1 and "scripted" in out
    assert "1 entry in" in err
    code, out, _ = run(capsys, "cache", "list", "--json")
    assert {row["task"] for row in json.loads(out)} == {"whole", "critique"}
    code, _, err = run(capsys, "cache", "export", str(tmp_path / "fixtures"), "--task", "critique")
    assert code == 0 and "exported 1 entry to" in err
    assert len(list((tmp_path / "fixtures").glob("??/*.json"))) == 1
    corrupt = cache_folder / "ab" / ("ab" + "0" * 62 + ".json")
    corrupt.parent.mkdir(parents=True, exist_ok=True)
    corrupt.write_text("{broken")
    code, _, err = run(capsys, "cache", "prune")
    assert code == 0 and "removed 1 entry" in err
    code, _, err = run(capsys, "cache", "prune", "--older-than", "0")
    assert "removed 2 entries" in err
    code, out, _ = run(capsys, "cache", "stats", "--json", "--cache", str(tmp_path / "fixtures"))
    assert json.loads(out)["entries"] == 1


def test_exported_entries_replay(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, tmp_path: Path
) -> None:
    arguments = ("suggest-graph", "--variables", str(HEALTH), "--strategy", "whole", "--quiet")
    assert run(capsys, *arguments)[0] == 0
    assert run(capsys, "cache", "export", str(tmp_path / "fixtures"))[0] == 0
    code, _out, err = run(
        capsys, *arguments, "--cache", str(tmp_path / "fixtures"), "--cache-mode", "replay"
    )
    assert code == 0, err
    assert len(model.requests) == 1


# ------------------------------------------------------------------ benchmark (demo: test_demo.py)
def test_benchmark_with_the_simulated_expert(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "benchmark",
        "cancer",
        "--errors",
        "0,0.2",
        "--columns",
        "graph,error,f1",
        "--out",
        str(tmp_path / "report.json"),
    )
    assert code == 0, err
    assert out.splitlines()[0].split() == ["graph", "error", "F1"]
    assert "simulated expert" in err
    assert len(json.loads((tmp_path / "report.json").read_text())["rows"]) == 2


def test_benchmark_with_a_model_rejects_error_levels(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel
) -> None:
    code, _, err = run(capsys, "benchmark", "cancer", "--errors", "0.2")
    assert_one_line_error(code, err, "--errors applies to the simulated expert only")


# --------------------------------------------------------------------------- help
SUBCOMMANDS = [[name] for name in _cli.COMMANDS] + [
    ["cache", action] for action in ("stats", "list", "export", "prune")
]


@pytest.mark.parametrize("argv", [[], *SUBCOMMANDS], ids=lambda argv: " ".join(argv) or "main")
def test_every_help_exits_0_with_an_example(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv, "--help")
    assert code == 0
    assert out.startswith("usage: pywhy-llm-assist")
    assert err == ""
    if len(argv) == 1:
        assert "example:" in out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys)
    assert code == 2
    assert "demo" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from pywhy_llm_assist import __version__

    assert run(capsys, "--version") == (0, f"pywhy-llm-assist {__version__}\n", "")


# --------------------------------------------------------------------------- progress
class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_and_erased_after(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = _cli.main(["suggest-graph", "--variables", str(HEALTH), "--out", "graph.json"])
    assert code == 0
    drawn = terminal.getvalue()
    assert "suggest-graph" in drawn and "8/8" in drawn and "per_node query about" in drawn
    summary = drawn.rsplit("\r", 1)[-1]  # the bar's line was erased before the summary
    assert summary.lstrip().startswith("suggested graph") and "8/8" not in summary
    quiet = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert _cli.main(["suggest-graph", "--variables", str(HEALTH), "--quiet"]) == 0
    assert quiet.getvalue() == ""


# --------------------------------------------------------------------------- console script
def console(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = (
        [str(CONSOLE_SCRIPT)]
        if CONSOLE_SCRIPT.exists()
        else [sys.executable, "-m", "pywhy_llm_assist"]
    )
    return subprocess.run(
        [*command, *argv], capture_output=True, text=True, timeout=timeout, env=dict(os.environ)
    )


def test_console_script_help() -> None:
    result = console("--help")
    assert result.returncode == 0
    assert "suggest-graph" in result.stdout and "demo" in result.stdout


def test_console_script_error_is_one_line_and_exit_2() -> None:
    result = console("suggest-graph", "--variables", "does-not-exist.yaml", "--local")
    assert result.returncode == 2
    assert result.stderr == (
        "pywhy-llm-assist: error: variables file 'does-not-exist.yaml' does not exist\n"
    )
    assert result.stdout == ""


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pywhy_llm_assist", "critique", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert "--no-model" in result.stdout


# --------------------------------------------------------------------------- a new user's mistakes
@pytest.mark.parametrize("name", ["graph.png", "graph.svg", "graph.txt"])
def test_out_with_an_unknown_extension_is_exit_2_before_any_model_call(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, name: str
) -> None:
    code, out, err = run(capsys, "suggest-graph", "--variables", str(HEALTH), "--out", name)
    assert_one_line_error(code, err, f"--out '{name}': cannot tell the graph format")
    assert "--format" in err and ".dot" in err
    assert model.requests == [] and out == "" and not Path(name).exists()
    code, _, err = run(
        capsys, "suggest-graph", "--variables", str(HEALTH), "--format", "dot", "--out", name
    )
    assert code == 0, err
    assert Path(name).read_text(encoding="utf-8").startswith("digraph {")


def test_apply_review_checks_out_first_and_prints_no_usage_it_did_not_incur(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, tmp_path: Path
) -> None:
    assert run(capsys, "suggest-graph", "--variables", str(HEALTH), "--out", "graph.json")[0] == 0
    graph = CausalGraph.from_json("graph.json")
    assert graph.usage is not None and graph.usage.calls == 8  # the suggestion's own usage
    decisions = ReviewDecisions(
        reviewer="Ada", timestamp="2025-01-31T12:00:00Z", graph_fingerprint=graph.fingerprint()
    )
    Path("decisions.json").write_text(decisions.model_dump_json(), encoding="utf-8")
    code, _, err = run(capsys, "apply-review", "graph.json", "decisions.json", "--out", "r.png")
    assert_one_line_error(code, err, "cannot tell the graph format")
    code, _, err = run(capsys, "apply-review", "graph.json", "decisions.json", "--out", "r.json")
    assert code == 0, err
    assert "reviewed graph:" in err and "usage" not in err


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda graph: graph.to_json(), "is a graph file, not review decisions"),
        (lambda graph: graph.to_dot(), "is a graph file (DOT, GML or DAGitty)"),
        (lambda graph: Critique(graph=graph).to_json(), "is a critique file"),
    ],
)
def test_another_file_given_as_decisions_says_what_it_is(
    capsys: pytest.CaptureFixture[str],
    graph_file: Path,
    write: Callable[[CausalGraph], str],
    expected: str,
) -> None:
    Path("wrong.json").write_text(write(CausalGraph.from_json(graph_file)), encoding="utf-8")
    code, _, err = run(capsys, "apply-review", str(graph_file), "wrong.json")
    assert_one_line_error(code, err, expected)
    assert "DECISIONS file 'wrong.json'" in err and "review-decisions.json" in err


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["benchmark", "--graphs", "asia"], "benchmark"),
        (["benchmark", "asia", "--simulated-error", "0.2"], "benchmark"),
        (["suggest-graph", "--strategy", "nope"], "suggest-graph"),
        (["critique", "--graph", "g.json", "--bogus"], "critique"),
        (["cache", "stats", "--bogus"], "cache stats"),
        (["no-such-command"], None),
    ],
)
def test_a_usage_error_points_to_the_sub_command_help(
    capsys: pytest.CaptureFixture[str], argv: list[str], command: str | None
) -> None:
    code, _, err = run(capsys, *argv)
    where = f"pywhy-llm-assist {command}" if command else "pywhy-llm-assist"
    assert_one_line_error(code, err, f"(see '{where} --help')")


@pytest.mark.parametrize("strategy", ["whole", "per_node"])
def test_a_replay_miss_points_to_record_missing_and_never_says_rerun(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, strategy: str
) -> None:
    argv = ["suggest-graph", "--variables", str(HEALTH), "--strategy", strategy]
    code, _, err = run(capsys, *argv, "--cache-mode", "replay")
    assert code == 3 and model.requests == []
    error, hint = err.strip().splitlines()
    assert error.startswith("pywhy-llm-assist: error: replay mode: ")
    assert "not recorded" in error and "cache key" in error and len(error) < 300
    assert hint.endswith(
        "record the missing ones with --cache-mode record_missing (needs the model), then replay"
    )
    assert "rerun" not in err and "cache_mode=" not in err
    if strategy == "per_node":
        assert "8 of 8 answers not recorded" in error and "and 7 more" in error
    # What the hint says works: record the missing answers, then the replay succeeds.
    assert run(capsys, *argv, "--cache-mode", "record_missing")[0] == 0
    assert run(capsys, *argv, "--cache-mode", "replay")[0] == 0


def test_cache_key_server_puts_the_server_in_the_key(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["suggest-graph", "--variables", str(HEALTH), "--strategy", "whole"]
    assert run(capsys, *argv)[0] == 0
    code, _, err = run(capsys, *argv)
    assert code == 0 and "usage: 0 calls, 1 cache hit" in err
    code, _, err = run(capsys, *argv, "--cache-key-server")
    assert code == 0 and "usage: 1 call, 0 cache hits" in err  # another key: asked again
    monkeypatch.setenv("PYWHY_LLM_ASSIST_CACHE_KEY_SERVER", "1")
    code, _, err = run(capsys, *argv)
    assert code == 0 and "usage: 0 calls, 1 cache hit" in err
    assert len(model.requests) == 2
