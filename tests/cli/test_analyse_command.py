"""The ``analyse`` command: the whole analysis as report.html, its JSON and its script.

Runs in-process with a scripted model behind `make_assistant`; bad input is one line on
stderr with exit code 2 and no traceback, before any model call.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _analysis_replies import respond, study_graph

from pywhy_llm_assist import (
    EXERCISE_STUDY_EFFECT,
    AnalysisReport,
    CausalGraph,
    simulate_exercise_study,
)
from pywhy_llm_assist.cli import _commands as _cli_commands
from pywhy_llm_assist.cli import _main as _cli
from pywhy_llm_assist.testing import ScriptedModel

pytest.importorskip("dowhy")
pytestmark = pytest.mark.integration

REAL_MAKE_ASSISTANT = _cli_commands.make_assistant
EFFECT = ("--treatment", "exercise", "--outcome", "heart_disease")


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ScriptedModel:
    """A scripted model injected behind `make_assistant`, run in `tmp_path`."""
    scripted = ScriptedModel(respond=respond)
    monkeypatch.setenv("PYWHY_LLM_ASSIST_MODEL", "scripted")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("PYWHY_LLM_ASSIST_CACHE_MODE", "off")
    monkeypatch.setattr(
        _cli_commands, "make_assistant", functools.partial(REAL_MAKE_ASSISTANT, client=scripted)
    )
    monkeypatch.chdir(tmp_path)
    return scripted


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "study.csv"
    simulate_exercise_study().to_csv(data, index=False)
    graph = tmp_path / "reviewed.json"
    study_graph().to_json(graph)
    return data, graph


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = _cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, expected: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pywhy-llm-assist: error: ")
    assert expected in lines[0]
    assert "Traceback" not in err


def test_the_report_its_json_and_its_script(
    capsys: pytest.CaptureFixture[str],
    model: ScriptedModel,
    inputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    data, graph = inputs
    code, out, err = run(
        capsys,
        "analyse",
        "--data",
        str(data),
        "--graph",
        str(graph),
        *EFFECT,
        "--simulations",
        "3",
        "--out",
        "out/report.html",
        "--json",
        "out/report.json",
        "--script",
        "out/analysis.py",
    )
    assert code == 0, err
    page = tmp_path / "out" / "report.html"
    assert Path(out.strip()).resolve() == page.resolve()
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Assumptions ledger" in html
    report = AnalysisReport.from_json(tmp_path / "out" / "report.json")
    assert report.adjustment_set == ("age", "smoking")
    lower, upper = report.confidence_interval or (0.0, 0.0)
    assert lower < EXERCISE_STUDY_EFFECT < upper
    assert report.data_source == str(data)
    assert "Analysis of exercise -> heart_disease: 2,000 rows" in err
    assert "wrote the report to" in err and "wrote the analysis as a script to" in err
    assert [request.query.task for request in model.requests if request.query] == [
        "confounders",
        "elicit_sensitivity",
        "critique",
    ]
    done = subprocess.run(
        [sys.executable, str(tmp_path / "out" / "analysis.py")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (printed,) = re.findall(r"^estimate: (\S+)$", done.stdout, re.MULTILINE)
    assert float(printed) == pytest.approx(report.estimate, rel=1e-9)


def test_options_reach_the_analysis(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, inputs: tuple[Path, Path]
) -> None:
    data, graph = inputs
    code, _, err = run(
        capsys,
        "analyse",
        "--data",
        str(data),
        "--graph",
        str(graph),
        *EFFECT,
        "--adjust",
        "age,smoking,blood_pressure",
        "--refuters",
        "",
        "--confounder",
        "diet=usual diet",
        "--out",
        "report.html",
        "--json",
        "report.json",
        "--quiet",
    )
    assert code == 0, err
    assert err == ""
    report = AnalysisReport.from_json(Path("report.json"))
    assert report.refutations == () and report.adjustment_set is None
    assert "is not a valid adjustment set" in report.step("estimate").reason
    tasks = [request.query.task for request in model.requests if request.query]
    assert "confounders" not in tasks  # the confounder was given


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"--treatment": "fitness"}, "the treatment 'fitness' is not a variable of the graph"),
        ({"--outcome": "exercise"}, "treatment and outcome are the same variable"),
        ({"--estimator": "backdoor.magic"}, "is not a DoWhy method this analysis knows"),
        ({"--refuters": "placebo"}, "refuter 'placebo' is not known"),
        ({"--out": "report.pdf"}, "the report is an HTML page; name it .html"),
        ({"--data": "missing.csv"}, "missing.csv"),
        ({"--graph": "missing.json"}, "missing.json"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    model: ScriptedModel,
    inputs: tuple[Path, Path],
    change: dict[str, str],
    expected: str,
) -> None:
    data, graph = inputs
    options = {
        "--data": str(data),
        "--graph": str(graph),
        "--treatment": "exercise",
        "--outcome": "heart_disease",
        "--out": "report.html",
        **change,
    }
    code, out, err = run(capsys, "analyse", *(word for pair in options.items() for word in pair))
    assert_one_line_error(code, err, expected)
    assert out == "" and model.requests == []
    assert not Path("report.html").exists()


def test_missing_columns_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    model: ScriptedModel,
    inputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    _, graph = inputs
    short = tmp_path / "short.csv"
    simulate_exercise_study(200).drop(columns=["smoking"]).to_csv(short, index=False)
    code, _, err = run(
        capsys, "analyse", "--data", str(short), "--graph", str(graph), *EFFECT, "--out", "r.html"
    )
    assert_one_line_error(code, err, "smoking")
    assert model.requests == []


def test_a_data_file_that_is_not_a_table_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    model: ScriptedModel,
    inputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    _, graph = inputs
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"\x00\x01 not parquet")
    code, _, err = run(
        capsys, "analyse", "--data", str(broken), "--graph", str(graph), *EFFECT, "--out", "r.html"
    )
    assert_one_line_error(code, err, "broken.parquet")
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{not json", encoding="utf-8")
    code, _, err = run(
        capsys,
        "analyse",
        "--data",
        str(inputs[0]),
        "--graph",
        str(garbled),
        *EFFECT,
        "--out",
        "r.html",
    )
    assert_one_line_error(code, err, "garbled.json")
    assert model.requests == []


NAMES = ["exercise", "age", "smoking", "blood_pressure", "heart_disease"]
NOT_DAGS = {
    "cyclic": (
        lambda: CausalGraph.from_edges(
            NAMES, [*study_graph().edge_pairs, ("heart_disease", "age")], check_acyclic=False
        ),
        "cycle",
    ),
    "unoriented": (
        lambda: CausalGraph.from_edges(
            NAMES,
            [pair for pair in study_graph().edge_pairs if pair != ("age", "exercise")],
            undirected=[("age", "exercise")],
        ),
        "analyse needs every edge oriented, but 1 edge is not: age --- exercise",
    ),
}


@pytest.mark.parametrize("kind", sorted(NOT_DAGS))
def test_a_graph_that_is_not_a_dag_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    model: ScriptedModel,
    inputs: tuple[Path, Path],
    tmp_path: Path,
    kind: str,
) -> None:
    data, _ = inputs
    make, expected = NOT_DAGS[kind]
    path = tmp_path / f"{kind}.json"
    make().to_json(path)
    code, _, err = run(
        capsys, "analyse", "--data", str(data), "--graph", str(path), *EFFECT, "--out", "r.html"
    )
    assert_one_line_error(code, err, expected)
    assert model.requests == [] and not Path("r.html").exists()


def test_a_model_failure_in_a_step_writes_the_report_and_exits_3(
    capsys: pytest.CaptureFixture[str],
    inputs: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A replay with an empty cache: every model step fails, the rest of the report is written.
    data, graph = inputs
    monkeypatch.setenv("PYWHY_LLM_ASSIST_MODEL", "scripted")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    silent = ScriptedModel(respond=lambda request: pytest.fail("a model call in replay"))
    monkeypatch.setattr(
        _cli_commands, "make_assistant", functools.partial(REAL_MAKE_ASSISTANT, client=silent)
    )
    code, out, err = run(
        capsys,
        "analyse",
        "--data",
        str(data),
        "--graph",
        str(graph),
        *EFFECT,
        "--refuters",
        "",
        "--cache",
        str(tmp_path / "empty-cache"),
        "--cache-mode",
        "replay",
        "--out",
        str(tmp_path / "r.html"),
        "--json",
        str(tmp_path / "r.json"),
    )
    assert code == 3, err
    assert "the model failed in a step" in err and "Traceback" not in err
    report = AnalysisReport.from_json(tmp_path / "r.json")
    assert report.step("critique").model_error and report.estimate is not None
    assert json.loads((tmp_path / "r.json").read_text())["critique"]["findings"]
    assert (tmp_path / "r.html").is_file() and out.strip() == str(tmp_path / "r.html")
