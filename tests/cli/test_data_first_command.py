"""``suggest-graph --data FILE --strategy data_first``: PC on the file, then the model."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from pywhy_llm_assist import CausalGraph, SimulatedExpert, load_benchmark, simulate_data
from pywhy_llm_assist.cli import _commands as _cli_commands
from pywhy_llm_assist.cli import _main as _cli
from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER

pytest.importorskip("causallearn")
TRUTH = load_benchmark(PACKAGED_FOLDER / "asia.json").graph
REAL_MAKE_ASSISTANT = _cli_commands.make_assistant


@pytest.fixture(autouse=True)
def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimulatedExpert:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYWHY_LLM_ASSIST_MODEL", "simulated")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    TRUTH.to_json("variables.json")
    simulate_data(TRUTH, 3000, kind="discrete", seed=2).to_csv("data.csv", index=False)
    expert = SimulatedExpert(TRUTH)
    monkeypatch.setattr(
        _cli_commands, "make_assistant", functools.partial(REAL_MAKE_ASSISTANT, client=expert)
    )
    return expert


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = _cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_data_first_from_a_csv_file(
    capsys: pytest.CaptureFixture[str], _setup: SimulatedExpert
) -> None:
    code, out, err = run(
        capsys, "suggest-graph", "--variables", "variables.json", "--data", "data.csv",
        "--strategy", "data_first", "--cache-mode", "off",
    )  # fmt: skip
    assert code == 0, err
    graph = CausalGraph.from_json(out)
    assert graph.metadata["strategy"] == "data_first"
    report = graph.metadata["data_first"]
    assert _setup.calls == report["calls"]["queries"] <= report["calls"]["bound"]
    assert "strategy data_first" in err
    assert "directions: " in err and "the model agreed with" in err
    assert f"{report['calls']['queries']} queries (bound {report['calls']['bound']})" in err


def test_data_alone_picks_data_first_and_a_bad_file_fails_before_any_call(
    capsys: pytest.CaptureFixture[str], _setup: SimulatedExpert
) -> None:
    code, out, err = run(
        capsys, "suggest-graph", "--variables", "variables.json", "--data", "data.csv",
        "--alpha", "0.01", "--cache-mode", "off",
    )  # fmt: skip
    assert code == 0, err
    graph = CausalGraph.from_json(out)
    assert graph.metadata["strategy"] == "data_first" and graph.metadata["pc"]["alpha"] == 0.01
    calls = _setup.calls
    code, _, err = run(
        capsys, "suggest-graph", "--variables", "variables.json", "--data", "none.csv"
    )
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    code, _, err = run(
        capsys, "suggest-graph", "--variables", "variables.json", "--data", "data.csv",
        "--strategy", "per_node",
    )  # fmt: skip
    assert code == 2 and "only by strategy='data_first'" in err
    assert _setup.calls == calls
