"""Secrets: after a recorded run with a fake key, nothing we write or log holds the key.

The run goes through the real SDK to the loopback server (which does receive the key, in its
Authorization header), with transport faults and a rejected request so the error paths log
too. Then every cache file, every output file (graph JSON, critique JSON, review HTML,
suggestions JSON, DOT/GML/DAGitty), every log record at DEBUG (ours, the SDK's and the HTTP
client's), stdout/stderr and every error message are searched for the key, for
``Authorization`` and for ``Bearer``.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from _snapshot import example_reply

from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    InvalidOutputError,
    ModelError,
    QueriesFailedError,
    RetryPolicy,
)
from pywhy_llm_assist.review._decisions import to_review_html
from pywhy_llm_assist.testing import FakeOpenAIServer, FaultKind, FaultPlan

FAKE_PREFIX = "sk" + "-"  # fake keys are built at run time: no key-shaped literal in the repo
FAKE_KEY = FAKE_PREFIX + "fake-SECRETKEY0123456789abcdef"
FORBIDDEN = (FAKE_KEY, "SECRETKEY0123456789", "Authorization", "authorization", "Bearer")
VARIABLES = {
    "smoking": "cigarettes per day",
    "tar": "tar deposits in the lungs",
    "cancer": "lung cancer diagnosis",
    "age": "age in years",
}
POLICY = RetryPolicy(
    max_attempts=4, initial_wait=0.01, max_wait=0.02, jitter=0.0, retry_after_cap=0.02
)
REPO = Path(__file__).resolve().parents[2]


def answer(body: dict[str, Any]) -> str:
    """per_node: smoking -> tar -> cancer, age -> cancer; any other task: a minimal valid reply."""
    schema = body["response_format"]["json_schema"]["schema"]
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    if "Target variable (JSON):" in user:
        target = json.JSONDecoder().raw_decode(
            user.split("Target variable (JSON):", 1)[1].lstrip()
        )[0]
        parents = {"tar": ["smoking"], "cancer": ["tar", "age"]}.get(target, [])
        causes = [{"variable": p, "rationale": "known", "confidence": "high"} for p in parents]
        return json.dumps({"causes": causes})
    return json.dumps(example_reply(schema))


def leaks(text: str) -> list[str]:
    return [secret for secret in FORBIDDEN if secret in text]


def test_a_recorded_run_leaves_no_key_anywhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    for name in (None, "pywhy_llm_assist", "openai", "httpx2", "httpx", "httpcore", "httpcore2"):
        caplog.set_level(logging.DEBUG, logger=name)
    cache = tmp_path / "cache"
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    plan = FaultPlan(
        seed=3,
        rates={"rate_limit": 0.15, "server_error_500": 0.1, "reset": 0.05, "invalid_json": 0.1},
    )
    messages: list[str] = []
    with FakeOpenAIServer(answer, fault_plan=plan) as server:
        assistant = Assistant(
            "fake-model",
            base_url=server.base_url,
            api_key=FAKE_KEY,
            cache=cache,
            cache_mode="record_missing",
            retry=POLICY,
        )
        graph = assistant.suggest_graph(VARIABLES, strategy="per_node", context="adults")
        critique = assistant.critique(graph, treatment="smoking", outcome="cancer")
        confounders = assistant.suggest_confounders("smoking", "cancer", graph=graph)
        messages += [repr(assistant), str(graph), repr(graph.usage), str(assistant.usage)]
        # An error path: a request the server rejects, and one whose retries run out.
        with FakeOpenAIServer(answer, fault_plan=FaultPlan.script(["bad_request"])) as rejecting:
            failing = Assistant(
                "fake-model",
                base_url=rejecting.base_url,
                api_key=FAKE_KEY,
                cache=cache,
                retry=POLICY,
                concurrency=1,
            )
            try:
                failing.suggest_graph({**VARIABLES, "radon": "radon exposure"}, strategy="per_node")
            except QueriesFailedError as error:
                messages += [str(error), repr(error.failures)]
                messages += [repr(failure.__cause__) for _, failure in error.failures]
            else:  # pragma: no cover
                pytest.fail("the scripted bad_request did not fail the run")
        sent = server.headers_seen
    # The key did reach the server: the test is not vacuous.
    assert any(headers.get("authorization") == f"Bearer {FAKE_KEY}" for headers in sent)
    assert server.fault_counts, "the plan injected no fault"

    graph.to_json(outputs / "graph.json")
    critique.to_json(outputs / "critique.json")
    confounders.to_json(outputs / "confounders.json")
    to_review_html(graph, outputs / "review.html", critique=critique)
    (outputs / "graph.dot").write_text(graph.to_dot(), encoding="utf-8")
    (outputs / "graph.gml").write_text(graph.to_gml(), encoding="utf-8")
    (outputs / "graph.dagitty").write_text(graph.to_dagitty(), encoding="utf-8")

    written = sorted(path for path in tmp_path.rglob("*") if path.is_file())
    assert len([path for path in written if path.is_relative_to(cache)]) >= 6
    for path in written:
        assert not leaks(path.read_text(encoding="utf-8")), f"{path} holds a secret"
    for entry_path in cache.rglob("*.json"):
        entry = json.loads(entry_path.read_text(encoding="utf-8"))
        assert set(entry["request"]) <= {
            "model",
            "messages",
            "max_tokens",
            "temperature",
            "seed",
            "response_format",
        }, "no headers are recorded"
    log_text = "\n".join(
        f"{record.name} {record.levelname} {record.getMessage()} {record.args!r}"
        for record in caplog.records
    )
    assert caplog.records, "nothing was logged at DEBUG"
    assert any(record.name.startswith("openai") for record in caplog.records), "SDK logs seen"
    assert not leaks(log_text), f"a log line holds a secret: {leaks(log_text)}"
    out, err = capfd.readouterr()
    assert not leaks(out + err)
    for text in [graph.to_json(), critique.to_json(), *messages]:
        assert not leaks(text)


def test_a_key_pasted_into_the_context_is_redacted_in_the_cache(tmp_path: Path) -> None:
    with FakeOpenAIServer(answer) as server:
        assistant = Assistant(
            "fake-model", base_url=server.base_url, api_key=FAKE_KEY, cache=tmp_path, retry=POLICY
        )
        assistant.suggest_graph(VARIABLES, strategy="per_node", context=f"oops {FAKE_KEY}")
    texts = [path.read_text(encoding="utf-8") for path in tmp_path.rglob("*.json")]
    assert texts and all(FAKE_KEY not in text for text in texts)
    assert all("[REDACTED]" in text for text in texts)


SECRET_PATTERN = re.compile(
    r"(?i)\bauthorization\b|\bbearer\s+\S|\bsk-(?!fake)[A-Za-z0-9_-]{16,}|\bapi[_-]key\"?\s*[:=]\s*\"?sk-"
)


def test_no_committed_fixture_or_snapshot_holds_a_key_or_an_auth_header() -> None:
    folders = [REPO / "fixtures", REPO / "tests" / "snapshots", REPO / "examples"]
    files = [
        path
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.is_file()
    ]
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary files
        found = SECRET_PATTERN.search(text)
        assert found is None, f"{path.relative_to(REPO)} holds {found.group(0)!r}"


def test_the_key_is_not_in_the_graph_even_from_a_cache_hit(tmp_path: Path) -> None:
    with FakeOpenAIServer(answer) as server:
        first = Assistant(
            "fake-model", base_url=server.base_url, api_key=FAKE_KEY, cache=tmp_path, retry=POLICY
        ).suggest_graph(VARIABLES, strategy="per_node")
        second = Assistant(
            "fake-model",
            base_url=server.base_url,
            api_key=FAKE_PREFIX + "fake-another-key-000000000",
            cache=tmp_path,
            retry=POLICY,
        ).suggest_graph(VARIABLES, strategy="per_node")
        assert len(server.chat_requests) == len(VARIABLES), "the key is not part of the cache key"
    assert first.edge_pairs == second.edge_pairs
    assert isinstance(second, CausalGraph) and not leaks(second.to_json())


def test_a_command_line_run_leaves_no_key_in_its_files_output_or_logs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    cli = pytest.importorskip("pywhy_llm_assist.cli._main")
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    variables = tmp_path / "variables.json"
    variables.write_text(json.dumps(VARIABLES), encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "out"
    out.mkdir()
    plan = FaultPlan(seed=5, rates={"rate_limit": 0.2, "server_error_503": 0.1})
    with FakeOpenAIServer(answer, fault_plan=plan) as server:
        model = ["--model", "fake-model", "--base-url", server.base_url, "--cache", str(cache)]
        commands = [
            [
                "suggest-graph",
                "--variables",
                str(variables),
                "--strategy",
                "per_node",
                "--out",
                str(out / "graph.json"),
                *model,
            ],
            [
                "critique",
                "--graph",
                str(out / "graph.json"),
                "--treatment",
                "smoking",
                "--outcome",
                "cancer",
                "--out",
                str(out / "critique.json"),
                *model,
            ],
            [
                "confounders",
                "--graph",
                str(out / "graph.json"),
                "--treatment",
                "smoking",
                "--outcome",
                "cancer",
                "--out",
                str(out / "confounders.json"),
                *model,
            ],
            [
                "review",
                str(out / "graph.json"),
                "--critique",
                str(out / "critique.json"),
                "--out",
                str(out / "review.html"),
            ],
            ["cache", "stats", "--cache", str(cache)],
            ["cache", "list", "--cache", str(cache)],
            ["cache", "export", str(out / "fixtures"), "--cache", str(cache)],
        ]
        codes = [cli.main(command) for command in commands]
        sent = server.headers_seen
    output, errors = capfd.readouterr()
    assert codes == [0] * len(commands), errors
    assert any(headers.get("authorization") == f"Bearer {FAKE_KEY}" for headers in sent)
    files = sorted(path for path in tmp_path.rglob("*") if path.is_file() and path != variables)
    assert {"graph.json", "critique.json", "review.html"} <= {path.name for path in files}
    for path in files:
        assert not leaks(path.read_text(encoding="utf-8")), f"{path} holds a secret"
    assert not leaks(output + errors)
    assert not leaks("\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records))


# ---------------------------------------------------------------- a server that echoes the key
def echo_assistant(server: FakeOpenAIServer, **options: Any) -> Assistant:
    options.setdefault("retry", POLICY)
    return Assistant("fake-model", base_url=server.base_url, api_key=FAKE_KEY, **options)


def error_texts(error: BaseException) -> list[str]:
    """Everything an error shows: str, repr, its causes, attempts and failures."""
    texts = [str(error), repr(error)]
    for attempt in getattr(error, "attempts", ()) or ():
        texts += [attempt.content, attempt.error, repr(attempt)]
    for _, failure in getattr(error, "failures", ()):
        texts += error_texts(failure)
    cause = error.__cause__ or getattr(error, "last_error", None)
    if cause is not None and cause is not error:
        texts += [str(cause), repr(cause), repr(getattr(cause, "body", None))]
    return texts


@pytest.mark.parametrize("kind", ["echo_key_error", "echo_key_refusal"])
def test_a_key_echoed_in_an_error_or_refusal_is_in_no_exception(kind: FaultKind) -> None:
    with (
        FakeOpenAIServer(answer, fault_plan=FaultPlan.script([kind])) as server,
        pytest.raises(ModelError) as caught,
    ):
        echo_assistant(server, cache_mode="off").suggest_graph(VARIABLES, strategy="whole")
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    texts = error_texts(caught.value)
    assert any("[REDACTED]" in text for text in texts), "the fault echoed nothing"
    assert not [text for text in texts if FAKE_KEY in text]


def test_a_key_echoed_in_invalid_replies_is_in_no_attempt() -> None:
    def invalid(body: dict[str, Any]) -> str:
        return f"not JSON at all, sent with {FAKE_KEY}"

    with FakeOpenAIServer(invalid) as server, pytest.raises(InvalidOutputError) as caught:
        echo_assistant(server, cache_mode="off").suggest_graph(VARIABLES, strategy="whole")
    assert len(caught.value.attempts) == 3
    assert not [text for text in error_texts(caught.value) if FAKE_KEY in text]
    resent = json.dumps([request.body for request in server.chat_requests])
    assert FAKE_KEY not in resent, "a re-ask sent the echoed key back"


def test_a_key_echoed_in_a_reply_reaches_no_output_and_replays_identically(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    plan = FaultPlan.script(["echo_key_reply"] * 20)
    with FakeOpenAIServer(answer, fault_plan=plan) as server:
        live = echo_assistant(server, cache=cache, cache_mode="record_missing")
        graph = live.suggest_graph(VARIABLES, strategy="per_node")
        critique = live.critique(graph, treatment="smoking", outcome="cancer")
        replayed = echo_assistant(server, cache=cache, cache_mode="replay").suggest_graph(
            VARIABLES, strategy="per_node"
        )
    assert server.fault_counts["echo_key_reply"] >= 4
    rationales = " ".join(edge.rationale for edge in graph.edges)
    assert "[REDACTED]" in rationales, "the fault put no key in the rationales"
    page = tmp_path / "review.html"
    to_review_html(graph, page, critique=critique)
    for text in (graph.to_json(), critique.to_json(), str(critique), page.read_text()):
        assert FAKE_KEY not in text

    def evidence(suggested: CausalGraph) -> list[tuple[str, str, str]]:
        return [(edge.source, edge.target, edge.rationale) for edge in suggested.edges]

    assert evidence(replayed) == evidence(graph), "live and replayed rationales differ"


def test_the_command_line_never_prints_an_echoed_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from pywhy_llm_assist.cli._main import main

    variables = tmp_path / "variables.yaml"
    variables.write_text("rain: whether it rained\nwet: whether the grass is wet\n")
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    with FakeOpenAIServer(answer, fault_plan=FaultPlan.script(["echo_key_error"])) as server:
        code = main(
            [
                *("suggest-graph", "--variables", str(variables), "--strategy", "whole"),
                *("--model", "m", "--base-url", server.base_url, "--cache-mode", "off"),
            ]
        )
    captured = capsys.readouterr()
    assert code == 3
    assert "Incorrect API key provided: [REDACTED]" in captured.err
    assert FAKE_KEY not in captured.err + captured.out
