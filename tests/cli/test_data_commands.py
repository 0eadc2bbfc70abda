"""``test-implications`` and ``critique --data``: data files, options, outputs, exit codes."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pywhy_llm_assist import (
    CausalGraph,
    ChatRequest,
    Critique,
    ImplicationTests,
    load_benchmark,
    simulate_data,
)
from pywhy_llm_assist.cli import _commands as _cli_commands
from pywhy_llm_assist.cli import _main as _cli
from pywhy_llm_assist.cli._data_commands import EXIT_CONTRADICTED
from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER
from pywhy_llm_assist.testing import ScriptedModel

TRUTH = load_benchmark(PACKAGED_FOLDER / "cancer.json").graph
DRAFT = TRUTH.without_edges([("Smoker", "Cancer")])


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PYWHY_LLM_ASSIST_MODEL", raising=False)
    TRUTH.to_json("truth.json")
    DRAFT.to_json("draft.json")
    frame = simulate_data(TRUTH, 1500, kind="mixed", seed=2)
    frame.to_csv("data.csv", index=False)
    frame.to_csv("data.tsv", sep="\t", index=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = _cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, err: str, expected: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pywhy-llm-assist: error: "), err
    assert expected in lines[0] and "Traceback" not in err


# --------------------------------------------------------------------------- test-implications
def test_the_tests_go_to_stdout_and_the_verdict_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "test-implications", "--graph", "draft.json", "--data", "data.csv")
    assert code == 0, err
    tests = ImplicationTests.from_json(out)
    assert {(row.x, row.y) for row in tests.rejected} >= {("Smoker", "Cancer")}
    assert err.startswith("The graph is contradicted by the data (1,500 rows)")
    assert "rejected    Smoker ⊥ Cancer" in err


def test_check_makes_a_contradiction_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ("test-implications", "--data", "data.tsv", "--check", "--quiet")
    code, _, err = run(capsys, *arguments, "--graph", "draft.json")
    assert code == EXIT_CONTRADICTED and err == ""
    code, _, err = run(capsys, *arguments, "--graph", "truth.json")
    assert code == 0, err


def test_csv_output_plot_and_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(
        capsys,
        "test-implications",
        "--graph",
        "draft.json",
        "--data",
        "data.csv",
        "--alpha",
        "0.01",
        "--method",
        "residual",
        "--types",
        "Xray=discrete,Pollution=continuous",
        "--out",
        "tests/all.csv",
        "--plot",
        "plots/p-values.png",
    )
    assert code == 0, err and out == ""
    table = pd.read_csv(tmp_path / "tests" / "all.csv")
    assert set(table["test"]) == {"residual"}
    assert "Cancer" in table["given"].dropna().iloc[0]
    assert (tmp_path / "plots" / "p-values.png").read_bytes()[:4] == b"\x89PNG"
    assert "wrote the p-value plot to plots/p-values.png" in err


def test_parquet_is_read_when_pyarrow_is_present(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    pd.read_csv("data.csv").to_parquet("data.parquet")
    code, out, err = run(
        capsys, "test-implications", "--graph", "draft.json", "--data", "data.parquet"
    )
    assert code == 0, err
    assert ImplicationTests.from_json(out).rows == 1500


def test_parquet_without_pyarrow_names_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    Path("data.parquet").write_bytes(b"PAR1")
    code, _, err = run(
        capsys, "test-implications", "--graph", "draft.json", "--data", "data.parquet"
    )
    one_line_error(code, err, "pip install 'pywhy-llm-assist[parquet]'")


@pytest.mark.parametrize(
    ("setup", "arguments", "message"),
    [
        (None, ["--data", "missing.csv"], "data file 'missing.csv' does not exist"),
        (None, ["--data", "data.xlsx"], "cannot tell its format from the extension"),
        ("bad.csv", ["--data", "bad.csv"], "is not valid CSV"),
        ("empty.csv", ["--data", "empty.csv"], "is not valid CSV"),
        ("narrow.csv", ["--data", "narrow.csv"], "'Dyspnoea' is not a column of the data"),
        (None, ["--data", "data.csv", "--types", "Xray"], "write NAME=KIND pairs"),
        (
            None,
            ["--data", "data.csv", "--types", "Xray=ordinal"],
            "use one of continuous, discrete",
        ),
        (None, ["--data", "data.csv", "--alpha", "2"], "must be between 0 and 1"),
        (None, ["--data", "data.csv", "--out", "tests.txt"], "write .json or .csv"),
    ],
)
def test_bad_data_or_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], setup: str | None, arguments: list[str], message: str
) -> None:
    contents = {
        "bad.csv": 'a,b\n1,"2\n',
        "empty.csv": "",
        "narrow.csv": pd.read_csv("data.csv").drop(columns="Dyspnoea").to_csv(index=False),
    }
    if setup is not None:
        Path(setup).write_text(contents[setup], encoding="utf-8")
    code, _, err = run(capsys, "test-implications", "--graph", "draft.json", *arguments)
    one_line_error(code, err, message)


# --------------------------------------------------------------------------- critique --data
def test_critique_with_data_and_no_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "critique", "--graph", "draft.json", "--data", "data.csv", "--no-model"
    )
    assert code == 0, err
    critique = Critique.from_json(out)
    assert critique.implication_tests is not None
    (finding,) = [f for f in critique.data_findings if set(f.variables[:2]) == {"Smoker", "Cancer"}]
    assert finding.implication_test is not None and finding.implication_test.rejected
    assert "data/implication_rejected" in err and "adjusted p =" in err


def test_critique_with_data_asks_the_model_to_explain(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def respond(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None
        if request.query.task == "explain_implications":
            implications = request.query.inputs["implications"]
            number = next(
                item["number"]
                for item in implications
                if {item["x"], item["y"]} == {"Smoker", "Cancer"}
            )
            return {
                "explanations": [
                    {
                        "implication": number,
                        "explanation": "tobacco smoke carries carcinogens",
                        "edit": "add_edge",
                        "cause": "Smoker",
                        "effect": "Cancer",
                        "latent_name": None,
                        "latent_description": None,
                        "confidence": "high",
                    }
                ]
            }
        return {"findings": []}

    scripted = ScriptedModel(respond=respond)
    monkeypatch.setenv("PYWHY_LLM_ASSIST_MODEL", "scripted")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    real = _cli_commands.make_assistant
    monkeypatch.setattr(_cli_commands, "make_assistant", functools.partial(real, client=scripted))
    code, out, err = run(
        capsys, "critique", "--graph", "draft.json", "--data", "data.csv", "--cache-mode", "off"
    )
    assert code == 0, err
    critique = Critique.from_json(out)
    (explained,) = [f for f in critique.findings if f.kind == "implication_explained"]
    assert explained.edit is not None and explained.edit.describe() == "add edge Smoker -> Cancer"
    assert critique.apply([explained]).has_edge("Smoker", "Cancer")
    assert [request.query.task for request in scripted.requests] == [  # type: ignore[union-attr]
        "critique",
        "explain_implications",
    ]
    assert "model/implication_explained" in err
    assert json.loads(out)["implication_tests"]["rows"] == 1500


def test_critique_of_a_cyclic_graph_with_data_reports_the_cycle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cyclic = CausalGraph.from_edges(
        TRUTH.names, [*TRUTH.edge_pairs, ("Dyspnoea", "Smoker")], check_acyclic=False
    )
    cyclic.to_json("cyclic.json")
    code, out, err = run(
        capsys, "critique", "--graph", "cyclic.json", "--data", "data.csv", "--no-model"
    )
    assert code == 0, err
    critique = Critique.from_json(out)
    assert critique.findings[0].kind == "cycle" and critique.implication_tests is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX feature")
def test_a_fifo_is_refused_at_once_not_read_forever(capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo("data.csv.fifo")
    os.replace("data.csv.fifo", "stream.csv")
    code, _, err = run(capsys, "test-implications", "--graph", "draft.json", "--data", "stream.csv")
    one_line_error(code, err, "is a FIFO (named pipe), not a regular file")


def test_data_on_standard_input_needs_its_format(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "test-implications", "--graph", "draft.json", "--data", "-")
    one_line_error(code, err, "pass --data-format")
    stdin = open("data.csv", encoding="utf-8")  # noqa: SIM115 - closed below
    monkeypatch.setattr(sys, "stdin", stdin)
    arguments = ("--data", "-", "--data-format", "csv", "--quiet")
    code, out, err = run(capsys, "test-implications", "--graph", "draft.json", *arguments)
    stdin.close()
    assert code == 0, err
    assert ImplicationTests.from_json(out).rows == 1500
