"""The ``sensitivity`` command: formal bounds without a model, elicited ones with one."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pywhy_llm_assist import ChatRequest, SensitivityReport, sensitivity_analysis
from pywhy_llm_assist.cli import _commands as _cli_commands
from pywhy_llm_assist.cli import _main as _cli
from pywhy_llm_assist.testing import ScriptedModel

REAL_MAKE_ASSISTANT = _cli_commands.make_assistant


def write_data(folder: Path, separator: str = ",", suffix: str = ".csv") -> Path:
    rng = np.random.default_rng(0)
    age = rng.normal(40, 10, 300)
    region = rng.choice(["north", "south", "east"], size=300)
    treated = (rng.random(300) < 0.4).astype(int)
    outcome = 0.8 * treated + 0.05 * age + (region == "north") + rng.normal(size=300)
    path = folder / f"study{suffix}"
    frame = pd.DataFrame({"treated": treated, "outcome": outcome, "age": age, "region": region})
    frame.to_csv(path, sep=separator, index=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = _cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


REGRESSION = ("--treatment", "treated", "--outcome", "outcome", "--adjust", "age,region")


@pytest.mark.parametrize(("separator", "suffix"), [(",", ".csv"), ("\t", ".tsv")])
def test_formal_analysis_needs_no_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, separator: str, suffix: str
) -> None:
    data = write_data(tmp_path, separator, suffix)
    plot = tmp_path / "plot.png"
    code, out, err = run(
        capsys,
        "sensitivity",
        str(data),
        *REGRESSION,
        "--benchmarks",
        "age",
        "--k",
        "1,2/3",
        "--plot",
        str(plot),
    )
    assert code == 0, err
    report = SensitivityReport.from_json(out)
    expected = sensitivity_analysis(
        pd.read_csv(data, sep=separator),
        "treated",
        "outcome",
        ["age", "region"],
        benchmarks=["age"],
        k=[1, (2, 3)],
    )
    assert report == expected
    assert [bound.label for bound in report.bounds] == ["1x age", "2x/3x age"]
    assert "robustness value RV (q=1)" in err and "wrote the plot to" in err
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_elicitation_through_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def respond(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None and request.query.task == "elicit_sensitivity"
        return {"benchmark": "age", "k_treatment": "2", "k_outcome": "1", "rationale": "r"}

    scripted = ScriptedModel(respond=respond)
    monkeypatch.setenv("PYWHY_LLM_ASSIST_MODEL", "scripted")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setattr(
        _cli_commands, "make_assistant", functools.partial(REAL_MAKE_ASSISTANT, client=scripted)
    )
    out_file = tmp_path / "report.json"
    code, _, err = run(
        capsys,
        "sensitivity",
        str(write_data(tmp_path)),
        *REGRESSION,
        "--benchmarks",
        "",
        "--elicit",
        "--confounder",
        "motivation=drive to improve",
        "--context",
        "A trial.",
        "--out",
        str(out_file),
        "--cache-mode",
        "off",
    )
    assert code == 0, err
    report = SensitivityReport.from_json(out_file)
    (bound,) = report.bounds
    assert (bound.label, bound.source, bound.k_treatment) == ("motivation", "model", 2.0)
    prompt = scripted.requests[0].messages[-1]["content"]
    assert '"description": "drive to improve"' in prompt and "A trial." in prompt


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("missing.csv", *REGRESSION), "data file 'missing.csv' does not exist"),
        (
            ("DATA", "--treatment", "region", "--outcome", "outcome", "--adjust", "age"),
            "neither numeric nor binary",
        ),
        (("DATA", *REGRESSION, "--k", "one"), "--k 'one': give numbers"),
        (("DATA", *REGRESSION, "--confounder", "x"), "--confounder needs --elicit"),
        (
            ("DATA", "--treatment", "treated", "--outcome", "outcome", "--adjust", "agee"),
            "did you mean 'age'",
        ),
        (("DATA", *REGRESSION, "--elicit"), "no model chosen"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    arguments: tuple[str, ...],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYWHY_LLM_ASSIST_MODEL", raising=False)
    data = str(write_data(tmp_path))
    argv = [data if item == "DATA" else item for item in arguments]
    code, out, err = run(capsys, "sensitivity", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_a_file_that_is_not_a_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"a": 1}))
    code, _, err = run(capsys, "sensitivity", str(path), *REGRESSION)
    assert code == 2 and "use a .csv or .tsv file" in err


def test_docs_cli_shows_what_the_command_prints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _darfur import load_darfur

    monkeypatch.chdir(tmp_path)
    load_darfur().to_csv("darfur.csv", index=False)
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = docs.split("### sensitivity", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    command, shown = section.split("\n", 3)[:3], section.split("\n", 3)[3]
    argv = " ".join(line.strip().rstrip("\\") for line in command).split()[2:]
    code, _, err = run(capsys, *argv)
    assert code == 0
    assert err == shown
