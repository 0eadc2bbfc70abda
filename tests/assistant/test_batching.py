"""Batch mode through `Assistant`: submit, status, collect, then a free replay (a loopback server).

The fake server implements the files and batches endpoints and answers each batch line with
the same responder as a chat request, so a batch round trip and a live run can be compared.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from _graph_replies import per_node_target

from pywhy_llm_assist import (
    Assistant,
    BatchReport,
    InputError,
    ResponseCache,
)
from pywhy_llm_assist.llm import _batch
from pywhy_llm_assist.testing import FakeOpenAIServer, ScriptedModel

VARIABLES = {
    "age": "Age in years",
    "smoking": "Cigarettes per day",
    "tar": "Tar deposits in the lungs",
    "cancer": "Lung cancer diagnosis",
}
PARENTS = {"smoking": ["age"], "tar": ["smoking"], "cancer": ["tar", "age"]}
TRUE_EDGES = sorted((cause, effect) for effect, causes in PARENTS.items() for cause in causes)


def respond(body: dict[str, Any]) -> str:
    target = per_node_target(body)
    causes = [
        {"variable": cause, "rationale": f"{cause} drives {target}", "confidence": "high"}
        for cause in PARENTS.get(target, [])
    ]
    return json.dumps({"causes": causes})


def suggest(assistant: Assistant) -> Any:
    return assistant.suggest_graph(VARIABLES, strategy="per_node", context="Adults.")


def assistant_for(server: FakeOpenAIServer, cache: Path, **options: Any) -> Assistant:
    return Assistant(
        "fake-model", base_url=server.base_url, api_key="sk-batch", cache=cache, **options
    )


def test_a_batch_round_trip_fills_the_cache_and_the_same_call_then_replays_for_free(
    tmp_path: Path,
) -> None:
    with FakeOpenAIServer(respond, batch_polls=1) as server:
        assistant = assistant_for(server, tmp_path / "cache")
        status = assistant.submit_batch(suggest)
        assert (status.queries, status.cached, status.waiting, status.unsubmitted) == (4, 0, 4, 0)
        (job,) = status.jobs
        assert not job.finished and job.requests == 4
        report = assistant.collect_batch(suggest, wait=True, poll_interval=0)
        round_trip = [(record.method, record.path) for record in server.batch_requests]
        assert server.chat_requests == [], "nothing was asked live"

        graph = suggest(assistant_for(server, tmp_path / "cache", cache_mode="replay"))
        assert server.chat_requests == [], "the replay needs no call"

        live = suggest(assistant_for(server, tmp_path / "live"))
        live_bodies = {per_node_target(r.body): r.body for r in server.chat_requests}
        assert job.input_file_id is not None
        batch_file = server.batches.files[job.input_file_id]
    assert report.complete and report.imported == 4 and report.failed == ()
    assert report.usage.calls == 4 and report.usage.prompt_tokens > 0
    assert assistant.usage.calls == 4, "batch answers count as the assistant's usage"
    assert sorted(graph.edge_pairs) == sorted(live.edge_pairs) == TRUE_EDGES
    assert graph.usage is not None and graph.usage.calls == 0 and graph.usage.cache_hits == 4
    assert round_trip == [
        ("POST", "/v1/files"),
        ("POST", "/v1/batches"),
        ("GET", f"/v1/batches/{job.batch_id}"),
        ("GET", f"/v1/batches/{job.batch_id}"),
        ("GET", f"/v1/files/{report.jobs[0].output_file_id}/content"),
    ]
    # The input file: one line per request, custom_id = the cache key, the body exactly what
    # a live run sends (so the answers replay under the same keys).
    lines = [json.loads(text) for text in batch_file.data.decode().splitlines()]
    cache = ResponseCache(tmp_path / "cache")
    assert sorted(line["custom_id"] for line in lines) == sorted(cache.keys())
    for item in lines:
        assert (item["method"], item["url"]) == ("POST", "/v1/chat/completions")
        assert item["body"] == live_bodies[per_node_target(item["body"])]
        entry = cache.get(item["custom_id"])
        assert entry is not None and entry["batch"] == job.batch_id
        assert entry["request"] == item["body"]
        assert "sk-batch" not in json.dumps(entry)


def test_submit_is_resumable_and_never_sends_a_request_twice(tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    def two_samples(assistant: Assistant) -> Any:
        return assistant.suggest_graph(VARIABLES, strategy="per_node", context="Adults.", samples=2)

    with FakeOpenAIServer(respond, batch_polls=3) as server:
        assistant_for(server, cache).submit_batch(suggest)
        first = assistant_for(server, cache).submit_batch(two_samples)  # a new process
        again = assistant_for(server, cache).submit_batch(two_samples)
        uploads = [r for r in server.batch_requests if r.path == "/v1/files"]
        states = sorted((cache / "batches").glob("*.json"))
        report = assistant_for(server, cache).collect_batch(two_samples, wait=True, poll_interval=0)
        graph = two_samples(assistant_for(server, cache, cache_mode="replay"))
    assert len(uploads) == 2, "the second submit sent only what the first batch did not hold"
    assert [len(json.loads(path.read_text())["keys"]) for path in states] == [4, 4]
    assert (first.queries, first.waiting, first.unsubmitted, len(first.jobs)) == (8, 8, 0, 2)
    assert (again.waiting, [job.batch_id for job in again.jobs]) == (
        8,
        [job.batch_id for job in first.jobs],
    )
    saved = json.loads(states[0].read_text())
    assert saved["model"] == "fake-model" and saved["server"] == server.base_url
    assert all(len(key) == 64 for key in saved["keys"])
    assert report.imported == 8 and report.complete
    assert all(job.collected for job in report.jobs)
    assert all(json.loads(path.read_text())["collected"] is True for path in states)
    assert sorted(graph.edge_pairs) == TRUE_EDGES


def test_only_requests_missing_from_the_cache_are_batched(tmp_path: Path) -> None:
    with FakeOpenAIServer(respond) as server:
        assistant = assistant_for(server, tmp_path)
        suggest(assistant)  # sample 0 answered live
        status = assistant.submit_batch(
            lambda a: a.suggest_graph(VARIABLES, strategy="per_node", context="Adults.", samples=3)
        )
        assert len([r for r in server.batch_requests if r.path == "/v1/files"]) == 1
        lines = server.batches.files[status.jobs[0].input_file_id or ""].data.splitlines()
    assert (status.queries, status.cached, status.waiting, status.unsubmitted) == (12, 4, 8, 0)
    assert len(lines) == 8
    assert {json.loads(line)["custom_id"] for line in lines}.isdisjoint(
        ResponseCache(tmp_path).keys()
    )


def test_a_failed_line_is_reported_and_left_for_a_normal_run(tmp_path: Path) -> None:
    def flaky(body: dict[str, Any]) -> str:
        if per_node_target(body) == "tar":
            raise RuntimeError("the model is overloaded")
        return respond(body)

    with FakeOpenAIServer(flaky) as server:
        assistant = assistant_for(server, tmp_path)
        assistant.submit_batch(suggest)
        report = assistant.collect_batch(suggest, wait=True, poll_interval=0)
        status = assistant.batch_status(suggest)
        server.responder = respond
        graph = suggest(assistant)
        asked = [per_node_target(r.body) for r in server.chat_requests]
    assert report.imported == 3 and not report.complete
    (failed,) = report.failed
    assert "'tar'" in failed.query and "HTTP 500" in failed.reason and "overloaded" in failed.reason
    assert "failed: per_node query about 'tar'" in str(report)
    assert (status.cached, status.unsubmitted, status.waiting) == (3, 1, 0)
    assert asked == ["tar"], "the normal run asks only the failed one"
    assert sorted(graph.edge_pairs) == TRUE_EDGES


def test_an_invalid_line_is_cached_like_a_live_reply_and_reasked_by_the_next_run(
    tmp_path: Path,
) -> None:
    def unknown_name(body: dict[str, Any]) -> str:
        if per_node_target(body) == "cancer" and len(body["messages"]) <= 2:
            return json.dumps(
                {"causes": [{"variable": "radon", "rationale": "x", "confidence": "low"}]}
            )
        return respond(body)

    with FakeOpenAIServer(unknown_name) as server:
        assistant = assistant_for(server, tmp_path)
        assistant.submit_batch(suggest)
        report = assistant.collect_batch(suggest, wait=True, poll_interval=0)
        graph = suggest(assistant)
        (reask,) = server.chat_requests
    (failed,) = report.failed
    assert "'radon' is not one of the variables" in failed.reason
    assert "re-asks" in failed.reason
    assert len(reask.body["messages"]) == 4, "the next run sends only the re-ask"
    assert sorted(graph.edge_pairs) == TRUE_EDGES
    assert graph.usage is not None and graph.usage.reasks == 1


def test_a_refusal_in_a_batch_is_reported_and_not_cached(tmp_path: Path) -> None:
    def refuse(body: dict[str, Any]) -> Any:
        if per_node_target(body) != "age":
            return respond(body)
        return {
            "id": "x",
            "object": "chat.completion",
            "model": "fake-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "refusal": "no"},
                    "finish_reason": "stop",
                }
            ],
        }

    with FakeOpenAIServer(refuse) as server:
        assistant = assistant_for(server, tmp_path)
        assistant.submit_batch(suggest)
        report = assistant.collect_batch(suggest, wait=True, poll_interval=0)
    (failed,) = report.failed
    assert "RefusalError" in failed.reason
    assert len(list(ResponseCache(tmp_path).keys())) == 3


def test_lines_use_the_output_mode_the_ladder_would_use(tmp_path: Path) -> None:
    with FakeOpenAIServer(respond, reject_response_formats=("json_schema",)) as server:
        assistant = assistant_for(server, tmp_path)
        assistant.suggest_graph({"x": "one", "y": "two"}, strategy="per_node")  # steps down
        assistant.submit_batch(suggest)
        (upload,) = [r for r in server.batch_requests if r.path == "/v1/files"]
        (state,) = (tmp_path / "batches").glob("*.json")
        input_id = json.loads(state.read_text())["input_file_id"]
        lines = server.batches.files[input_id].data.decode().splitlines()
        report = assistant.collect_batch(suggest, wait=True, poll_interval=0)
    assert upload.body["purpose"] == "batch"
    formats = {json.dumps(json.loads(text)["body"].get("response_format")) for text in lines}
    assert formats == {json.dumps({"type": "json_object"})}
    assert report.imported == 4 and report.complete


def test_waiting_gives_up_at_the_timeout_and_a_cancelled_batch_leaves_its_requests(
    tmp_path: Path,
) -> None:
    with FakeOpenAIServer(respond, batch_polls=1000) as server:
        assistant = assistant_for(server, tmp_path)
        status = assistant.submit_batch(suggest)
        seen: list[Any] = []
        report = assistant.collect_batch(
            suggest, wait=True, timeout=0.3, poll_interval=0.05, progress=seen.append
        )
        server.batches.batches[status.jobs[0].batch_id]["status"] = "cancelled"
        cancelled = assistant.collect_batch(suggest)
        resent = assistant.submit_batch(suggest)
    assert report.waiting == 4 and report.imported == 0 and not report.complete
    assert len(seen) >= 2, "it polled while waiting"
    assert cancelled.imported == 0 and len(cancelled.failed) == 4
    assert all("without answering it" in line.reason for line in cancelled.failed)
    assert resent.waiting == 4 and len(resent.jobs) == 1
    assert resent.jobs[0].batch_id != status.jobs[0].batch_id, "sent again in a new batch"


def test_large_plans_are_split_into_several_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_batch, "MAX_BATCH_REQUESTS", 3)
    with FakeOpenAIServer(respond) as server:
        assistant = assistant_for(server, tmp_path)
        status = assistant.submit_batch(suggest)
        report = assistant.collect_batch(suggest, wait=True, poll_interval=0)
    assert [job.requests for job in status.jobs] == [3, 1]
    assert report.imported == 4


def test_the_async_api(tmp_path: Path) -> None:
    async def main(server: FakeOpenAIServer) -> tuple[Any, BatchReport, Any]:
        assistant = assistant_for(server, tmp_path)

        def ask(a: Assistant) -> Any:
            return a.suggest_graph_async(VARIABLES, strategy="per_node", context="Adults.")

        status = await assistant.submit_batch_async(ask)
        report = await assistant.collect_batch_async(ask, wait=True, poll_interval=0)
        assert (await assistant.batch_status_async(ask)).ready
        return status, report, await ask(assistant)

    with FakeOpenAIServer(respond) as server:
        status, report, graph = asyncio.run(main(server))
        assert server.chat_requests == []
    assert status.waiting == 4 and report.imported == 4
    assert sorted(graph.edge_pairs) == TRUE_EDGES and graph.usage.calls == 0


@pytest.mark.parametrize("mode", ["off", "replay", "refresh"])
def test_batch_mode_needs_a_cache_it_can_write(tmp_path: Path, mode: str) -> None:
    with FakeOpenAIServer(respond) as server:
        assistant = assistant_for(server, tmp_path, cache_mode=mode)
        with pytest.raises(InputError, match="batch mode"):
            assistant.submit_batch(suggest)
        assert server.requests == []


def test_batch_mode_needs_an_openai_compatible_server(tmp_path: Path) -> None:
    assistant = Assistant("scripted", client=ScriptedModel(), cache=tmp_path)
    with pytest.raises(InputError, match=r"Batch API.*ScriptedModel"):
        assistant.collect_batch(suggest)


def test_every_answer_already_cached_means_nothing_to_submit(tmp_path: Path) -> None:
    with FakeOpenAIServer(respond) as server:
        assistant = assistant_for(server, tmp_path)
        suggest(assistant)
        status = assistant.submit_batch(suggest)
        report = assistant.collect_batch(suggest)
        assert server.batch_requests == []
    assert status.ready and status.cached == 4 and status.jobs == ()
    assert report.complete and report.cached == 4 and report.imported == 0
    assert "4 in the cache, 0 waiting" in str(status)
