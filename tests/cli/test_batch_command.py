"""``pywhy-llm-assist batch submit|status|collect COMMAND ...`` against a loopback Batch API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _graph_replies import per_node_target

from pywhy_llm_assist.cli import _main as _cli
from pywhy_llm_assist.cli._batch_command import EXIT_PENDING
from pywhy_llm_assist.testing import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]
HEALTH = ROOT / "examples" / "health" / "variables.yaml"


def respond(body: dict[str, Any]) -> str:
    schema = body["response_format"]["json_schema"]
    if schema["name"] == "DirectCausesReply":
        target = per_node_target(body)
        causes = [{"variable": "age", "rationale": "ageing", "confidence": "high"}]
        return json.dumps({"causes": causes if target != "age" else []})
    if schema["name"] == "ConfoundersReply":
        item = {"variable": "age", "rationale": "both", "confidence": "high"}
        return json.dumps({"measured": [item], "unmeasured": []})
    return json.dumps({"findings": []})


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PYWHY_LLM_ASSIST_MODEL", "PYWHY_LLM_ASSIST_LOCAL", "PYWHY_LLM_ASSIST_STRATEGY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(respond, batch_polls=1) as fake:
        yield fake


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = _cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def model_options(server: FakeOpenAIServer, cache: Path) -> list[str]:
    return ["--model", "fake-model", "--base-url", server.base_url, "--cache", str(cache)]


def test_submit_status_collect_then_the_command_replays(
    capsys: pytest.CaptureFixture[str], server: FakeOpenAIServer, tmp_path: Path
) -> None:
    command = [
        "suggest-graph",
        "--variables",
        str(HEALTH),
        "--strategy",
        "per_node",
        *model_options(server, tmp_path / "cache"),
    ]
    code, out, err = run(capsys, "batch", "submit", *command)
    assert code == 0 and out == ""
    assert "8 requests: 0 in the cache, 8 waiting for a batch, 0 not submitted" in err
    assert "collect the answers with 'pywhy-llm-assist batch collect suggest-graph" in err

    code, out, err = run(capsys, "batch", "status", *command, "--json")
    assert code == 0 and json.loads(out)["waiting"] == 8
    assert json.loads(out)["jobs"][0]["status"] == "in_progress"

    code, out, err = run(capsys, "batch", "collect", "--wait", "--poll-interval", "0", *command)
    assert code == 0, err
    assert "imported 8 answers into the cache; 0 failed" in err
    assert "now run 'pywhy-llm-assist suggest-graph --variables" in err
    assert "--wait" not in err.split("now run", 1)[1], "the hint is the plain command"

    code, out, err = run(capsys, *command, "--cache-mode", "replay", "--out", "graph.json")
    assert code == 0, err
    assert "usage: 0 calls, 8 cache hits" in err
    assert server.chat_requests == []
    assert len(json.loads(Path("graph.json").read_text())["edges"]) == 7


def test_collect_without_wait_exits_75_while_the_batch_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with FakeOpenAIServer(respond, batch_polls=100) as server:
        command = [
            "confounders",
            "--variables",
            str(HEALTH),
            "--treatment",
            "exercise",
            "--outcome",
            "heart_disease",
            *model_options(server, tmp_path),
        ]
        assert run(capsys, "batch", "submit", *command)[0] == 0
        code, _, err = run(capsys, "batch", "collect", *command)
        assert code == EXIT_PENDING
        assert "1 still waiting" in err and "rerun 'pywhy-llm-assist batch collect" in err
        code, _, err = run(capsys, "batch", "collect", *command, "--wait", "--timeout", "0.1")
        assert code == EXIT_PENDING


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["batch", "submit", "critique", "--no-model", "--graph", "g.dot"], "nothing to batch"),
        (["batch", "submit", "review", "graph.json"], "invalid choice"),
        (["batch", "launch", "suggest-graph"], "invalid choice"),
        (["batch", "submit", "suggest-graph", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_batch_command_lines_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    Path("g.dot").write_text("digraph { a -> b }")
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.strip().startswith("pywhy-llm-assist: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
