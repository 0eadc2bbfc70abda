"""The batch runner itself: input lines, limits, errors of the Batch API, planning problems."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from _graph_replies import per_node_target

from pywhy_llm_assist import (
    Assistant,
    BatchJob,
    RequestRejectedError,
    ResponseCache,
    RetryPolicy,
)
from pywhy_llm_assist.llm import _batch
from pywhy_llm_assist.llm._batch import BatchRunner
from pywhy_llm_assist.llm._batch_plan import BatchPlan, plan_call
from pywhy_llm_assist.testing import FakeOpenAIServer

FAST = RetryPolicy(max_attempts=3, initial_wait=0.001, max_wait=0.002, jitter=0.0)
VARIABLES = {"rain": "Rainfall in mm", "wet": "Whether the grass is wet", "slip": "A fall"}


def no_causes(body: dict[str, Any]) -> str:
    return '{"causes": []}'


def ask(assistant: Assistant) -> Any:
    return assistant.suggest_graph(VARIABLES, strategy="per_node")


def mock_assistant(handler: Any, cache: Path) -> Assistant:
    client = openai.AsyncOpenAI(
        base_url="http://127.0.0.1:9/v1",
        api_key="sk-mock",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )
    return Assistant("mock-model", client=client, cache=cache, retry=FAST)


def test_each_line_is_the_live_request_keyed_by_its_cache_key(tmp_path: Path) -> None:
    with FakeOpenAIServer(no_causes) as server:
        assistant = Assistant("fake-model", base_url=server.base_url, api_key="k", cache=tmp_path)
        plan = plan_call(assistant.engine, lambda engine: ask(_with(assistant, engine)))
        assert server.requests == [], "planning sends nothing"
        ask(assistant)  # live, to compare
        live = {per_node_target(record.body): record.body for record in server.chat_requests}
    assert len(plan.items) == 3 and plan.cached == 0 and plan.problems == []
    assert sorted(plan.items) == sorted(ResponseCache(tmp_path).keys())
    for key, item in plan.items.items():
        line = json.loads(item.line())
        assert line == {
            "custom_id": key,
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": live[item.query.subject[0]],
        }


def _with(assistant: Assistant, engine: Any) -> Assistant:
    """`assistant` with another engine (the planning twin)."""
    twin = copy.copy(assistant)
    twin.engine = engine
    return twin


def test_a_server_without_the_batch_api_gets_a_clear_error(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        return httpx2.Response(404, json={"error": {"message": "Not Found", "type": "x"}})

    assistant = mock_assistant(handler, tmp_path)
    with pytest.raises(RequestRejectedError, match="may not offer the Batch API") as caught:
        assistant.submit_batch(ask)
    assert caught.value.status_code == 404
    assert seen == ["/v1/files"], "one try: a 404 is not retried"
    assert not (tmp_path / "batches").exists(), "no state without a batch"


def test_batch_api_requests_are_retried_on_rate_limits(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        if len(seen) == 1:
            return httpx2.Response(429, json={"error": {"message": "slow down"}})
        if request.url.path == "/v1/files":
            return httpx2.Response(
                200,
                json={
                    "id": "file-1",
                    "object": "file",
                    "bytes": 1,
                    "created_at": 0,
                    "filename": "x",
                    "purpose": "batch",
                    "status": "processed",
                },
            )
        return httpx2.Response(
            200,
            json={
                "id": "batch-1",
                "object": "batch",
                "endpoint": "/v1/chat/completions",
                "input_file_id": "file-1",
                "completion_window": "24h",
                "status": "validating",
                "created_at": 0,
            },
        )

    status = mock_assistant(handler, tmp_path).submit_batch(ask)
    assert seen == ["/v1/files", "/v1/files", "/v1/batches"]
    assert status.waiting == 3 and status.jobs[0].batch_id == "batch-1"
    assert (tmp_path / "batches" / "batch-1.json").is_file()


def test_plans_are_split_by_size_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with FakeOpenAIServer(no_causes) as server:
        assistant = Assistant("fake-model", base_url=server.base_url, api_key="k", cache=tmp_path)
        plan = plan_call(assistant.engine, lambda engine: ask(_with(assistant, engine)))
    items = list(plan.items.values())
    line = len(items[0].line().encode()) + 1
    monkeypatch.setattr(_batch, "MAX_BATCH_BYTES", 2 * line + 10)
    assert [len(chunk) for chunk in _batch._chunks(items)] == [2, 1]


def test_a_cached_refusal_is_a_planning_problem_not_a_batch_line(tmp_path: Path) -> None:
    with FakeOpenAIServer(no_causes) as server:
        assistant = Assistant(
            "fake-model", base_url=server.base_url, api_key="k", cache=tmp_path, retry=FAST
        )
        ask(assistant)
        cache = ResponseCache(tmp_path)
        key = next(
            key
            for key, entry in cache.entries()
            if entry is not None and entry["subject"] == ["wet"]
        )
        entry = cache.get(key)
        assert entry is not None
        entry["response"]["choices"][0]["message"] = {"content": None, "refusal": "no"}
        cache.put(key, entry)
        plan = plan_call(assistant.engine, lambda engine: ask(_with(assistant, engine)))
    assert plan.items == {} and plan.cached == 3
    (problem,) = plan.problems
    assert "'wet'" in problem and "RefusalError" in problem


def test_result_lines_that_are_not_json_are_skipped() -> None:
    data = b'{"custom_id": "a"}\nnot json\n\n[1, 2]\n{"custom_id": "b"}\n'
    assert [record["custom_id"] for record in _batch._records(data)] == ["a", "b"]


def test_error_lines_say_what_went_wrong() -> None:
    assert _batch._line_error({"error": {"code": "expired", "message": "too late"}}, None) == (
        "expired: too late"
    )
    record = {"response": {"status_code": 429, "body": {"error": {"message": "quota"}}}}
    assert _batch._line_error(record, 429) == "HTTP 429: quota"
    assert _batch._line_error({}, 500) == "HTTP 500: no answer"


def test_unreadable_state_files_are_skipped(tmp_path: Path, caplog: Any) -> None:
    with FakeOpenAIServer(no_causes) as server:
        assistant = Assistant("fake-model", base_url=server.base_url, api_key="k", cache=tmp_path)
        (tmp_path / "batches").mkdir()
        (tmp_path / "batches" / "broken.json").write_text("{not json")
        (tmp_path / "batches" / "other.json").write_text('{"no": "batch id"}')
        runner = BatchRunner(assistant.engine)
        assert runner.states() == []
        assert "unreadable batch state file" in caplog.text
        status = assistant.submit_batch(ask)
    assert status.waiting == 3


def test_batch_job_summaries() -> None:
    job = BatchJob(batch_id="batch_1", status="completed", requests=40, completed=38, failed=2)
    assert job.finished
    assert str(job) == "batch batch_1: completed, 38 of 40 requests answered, 2 failed"
    failed = BatchJob(batch_id="b", status="failed", requests=3, errors=("line 2 is not JSON",))
    assert str(failed).endswith("(line 2 is not JSON)")
    assert not BatchJob(batch_id="c", status="in_progress", requests=1).finished
    assert BatchPlan().items == {}


def test_the_state_file_holds_no_credential_of_the_base_url(tmp_path: Path) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/files"):
            return httpx2.Response(
                200,
                json={
                    "id": "file-1",
                    "object": "file",
                    "bytes": 1,
                    "created_at": 0,
                    "filename": "x",
                    "purpose": "batch",
                    "status": "processed",
                },
            )
        return httpx2.Response(
            200,
            json={
                "id": "batch-1",
                "object": "batch",
                "endpoint": "/v1/chat/completions",
                "input_file_id": "file-1",
                "completion_window": "24h",
                "status": "validating",
                "created_at": 0,
            },
        )

    client = openai.AsyncOpenAI(
        base_url="http://user:secret@127.0.0.1:9/v1?key=secret",
        api_key="sk-mock",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )
    assistant = Assistant("mock-model", client=client, cache=tmp_path, retry=FAST)
    assert "secret" in assistant.engine.backend.base_url, "the URL reaches the runner"
    assistant.submit_batch(ask)
    text = (tmp_path / "batches" / "batch-1.json").read_text(encoding="utf-8")
    assert "secret" not in text
    assert json.loads(text)["server"] == "http://127.0.0.1:9/v1"
