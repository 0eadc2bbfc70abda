"""`AnalysisReport.to_script`: run in a fresh Python, it gets the report's estimate."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _analysis_replies import respond, study_graph

from pywhy_llm_assist import Assistant, CausalGraph, simulate_exercise_study
from pywhy_llm_assist.testing import ScriptedModel

pytest.importorskip("dowhy")
pytestmark = pytest.mark.integration

ESTIMATE = re.compile(r"^estimate: (\S+)$", re.MULTILINE)


def analyse(data: pd.DataFrame, graph: CausalGraph, treatment: str, outcome: str, **options):  # type: ignore[no-untyped-def]
    model = ScriptedModel(respond=respond)
    return Assistant("scripted", client=model, cache_mode="off").analyse(
        data, graph, treatment, outcome, **options
    )


def run_script(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=300, cwd=path.parent
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_script_reproduces_the_estimate(tmp_path: Path) -> None:
    study = simulate_exercise_study(1200, seed=9)
    study.loc[:19, "age"] = None  # the script drops the same incomplete rows
    data_file = tmp_path / "study.csv"
    study.to_csv(data_file, index=False)
    report = analyse(
        study, study_graph(), "exercise", "heart_disease", simulations=3, data_source=str(data_file)
    )
    assert report.estimate is not None and report.rows_used == 1180
    script = tmp_path / "analysis.py"
    text = report.to_script(script)
    assert script.read_text(encoding="utf-8") == text
    assert f"DATA = {str(data_file)!r}" in text
    assert "ADJUSTMENT_SET = ['age', 'smoking']" in text
    printed = run_script(script)
    (value,) = ESTIMATE.findall(printed)
    assert float(value) == pytest.approx(report.estimate, rel=1e-9)
    assert printed.count("Refute:") == 3
    assert "Refute: Use a Placebo Treatment" in printed


def test_an_instrument_script(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    z, u = rng.normal(size=1500), rng.normal(size=1500)
    t = z + u + rng.normal(size=1500)
    data = pd.DataFrame({"z": z, "t": t, "y": 1.5 * t + u + rng.normal(size=1500)})
    data.to_csv(tmp_path / "iv.csv", index=False)
    graph = CausalGraph.from_edges(
        ["z", "t", "y", "u"], [("z", "t"), ("t", "y"), ("u", "t"), ("u", "y")], latent=["u"]
    )
    report = analyse(data, graph, "t", "y", estimator="iv.instrumental_variable", refuters=())
    script = tmp_path / "iv.py"
    text = report.to_script(script, data_path="iv.csv")
    assert "INSTRUMENTS = ['z']" in text and "LATENT = ['u']" in text
    (value,) = ESTIMATE.findall(run_script(script))
    assert float(value) == pytest.approx(report.estimate, rel=1e-9)


@pytest.mark.parametrize(
    "name", ['it\'s "quoted"', "back\\slash", "#not a comment", "Lungenkrebs (肺癌) ✓", "a'''b"]
)
def test_names_enter_the_script_as_literals(name: str) -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=200)
    t = a + rng.normal(size=200)
    data = pd.DataFrame({name: a, "t": t, "y": t + a + rng.normal(size=200)})
    graph = CausalGraph.from_edges([name, "t", "y"], [(name, "t"), (name, "y"), ("t", "y")])
    report = analyse(data, graph, "t", "y", refuters=(), confounders=[])
    text = report.to_script()
    tree = ast.parse(text)  # the script parses: no name broke out of its literal
    assigned = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id.isupper()
    }
    assert assigned["ADJUSTMENT_SET"] == [name]
    assert (name, "t") in assigned["EDGES"]


def test_an_unidentified_effect_gives_a_script_that_says_why(tmp_path: Path) -> None:
    study = simulate_exercise_study(400, seed=5)
    study.to_csv(tmp_path / "data.csv", index=False)
    hidden = study_graph().with_latent(
        [__import__("pywhy_llm_assist").Variable(name="fitness")],
        [("fitness", "exercise"), ("fitness", "heart_disease")],
    )
    report = analyse(study, hidden, "exercise", "heart_disease", refuters=())
    script = tmp_path / "analysis.py"
    report.to_script(script)
    printed = run_script(script)
    assert printed.startswith("the graph does not identify the effect by backdoor adjustment")


@pytest.mark.parametrize("suffix", [".tsv", ".parquet"])
def test_the_script_reads_the_data_the_way_it_was_given(tmp_path: Path, suffix: str) -> None:
    study = simulate_exercise_study(600, seed=3)
    data_file = tmp_path / f"study{suffix}"
    if suffix == ".tsv":
        study.to_csv(data_file, sep="\t", index=False)
    else:
        study.to_parquet(data_file, index=False)
    report = analyse(
        study, study_graph(), "exercise", "heart_disease", refuters=(), data_source=str(data_file)
    )
    script = tmp_path / "analysis.py"
    report.to_script(script)
    (value,) = ESTIMATE.findall(run_script(script))
    assert float(value) == pytest.approx(report.estimate, rel=1e-9)
