"""The engine with the scripted test double: concurrency, usage, budgets, failures, progress."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from pywhy_llm_assist import (
    Assistant,
    Budget,
    BudgetExceededError,
    InputError,
    LanguageModel,
    ProgressEvent,
    PromptLibrary,
    QueriesFailedError,
    Query,
    RefusalError,
    ResponseCache,
    RetryPolicy,
    Usage,
)
from pywhy_llm_assist.core._usage import UsageMeter
from pywhy_llm_assist.llm._backends import ChatRequest
from pywhy_llm_assist.llm._engine import describe_error
from pywhy_llm_assist.llm._retry import TransientResponseError
from pywhy_llm_assist.suggest._pairwise import PairReply
from pywhy_llm_assist.testing import FakeOpenAIServer, RawResponse, ScriptedModel, completion
from pywhy_llm_assist.testing._prompt_cache import PromptCache

FAST = RetryPolicy(max_attempts=3, initial_wait=0.001, max_wait=0.002, jitter=0.0)
NAMES = [f"v{index}" for index in range(12)]


def no_causes(request: ChatRequest) -> RawResponse:
    return completion('{"causes": []}', prompt_tokens=10, completion_tokens=5)


def scripted_assistant(model: ScriptedModel, **options: Any) -> Assistant:
    options.setdefault("cache_mode", "off")
    options.setdefault("retry", FAST)
    return Assistant("scripted", client=model, **options)


def target_of(request: ChatRequest) -> str:
    assert request.query is not None
    return request.query.subject[0]


# ---------------------------------------------------------------- concurrency
def test_requests_start_before_every_prompt_of_the_run_is_rendered() -> None:
    """Only a few queries are prepared ahead of the requests in flight (was: all n first)."""
    library = PromptLibrary()
    rendered: list[str] = []
    renders_before_first_request: list[int] = []
    original = library.render

    def counting_render(name: str, inputs: dict[str, Any]) -> Any:
        rendered.append(name)
        return original(name, inputs)

    library.render = counting_render  # type: ignore[method-assign]

    def reply(request: ChatRequest) -> RawResponse:
        if not renders_before_first_request:
            renders_before_first_request.append(len(rendered))
        return no_causes(request)

    model = ScriptedModel(respond=reply, latency=0.01)  # each reply waits on the loop
    assistant = scripted_assistant(model, concurrency=2)
    assistant.engine.prompts = library
    names = [f"v{index}" for index in range(40)]
    assistant.suggest_graph(names, strategy="per_node")
    assert len(rendered) == 40
    assert renders_before_first_request[0] <= 4, "at most 2 x concurrency prepared ahead"


def test_cache_writes_run_off_the_event_loop_thread(tmp_path: Path) -> None:
    """Each answer's fsync'd write happens in a worker thread, not on the event loop."""
    threads: dict[str, set[int]] = {"complete": set(), "put": set()}

    class RecordingCache(ResponseCache):
        def put(self, key: str, entry: Any) -> Path:
            threads["put"].add(threading.get_ident())
            return super().put(key, entry)

    def reply(request: ChatRequest) -> RawResponse:
        threads["complete"].add(threading.get_ident())
        return no_causes(request)

    assistant = scripted_assistant(
        ScriptedModel(respond=reply), cache=RecordingCache(tmp_path), cache_mode="read_write"
    )
    assistant.suggest_graph(NAMES, strategy="per_node")
    assert len(list(ResponseCache(tmp_path).keys())) == len(NAMES)
    assert threads["put"] and threads["complete"]
    assert threads["put"].isdisjoint(threads["complete"]), "writes leave the loop's thread"


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_limit_is_never_exceeded(concurrency: int) -> None:
    model = ScriptedModel(respond=no_causes, latency=0.02)
    scripted_assistant(model, concurrency=concurrency).suggest_graph(NAMES, strategy="per_node")
    assert len(model.requests) == len(NAMES)
    assert model.max_in_flight == concurrency, "the limit is reached and never passed"


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(InputError, match="concurrency"):
        scripted_assistant(ScriptedModel(), concurrency=0)
    with pytest.raises(ValueError, match="concurrency"):
        LanguageModel(
            "m",
            ScriptedModel(),
            cache=None,
            cache_mode="off",
            prompts=PromptLibrary(),
            concurrency=0,
        )
    with pytest.raises(ValueError, match="max_reasks"):
        LanguageModel(
            "m",
            ScriptedModel(),
            cache=None,
            cache_mode="off",
            prompts=PromptLibrary(),
            max_reasks=-1,
        )


# ---------------------------------------------------------------- usage
def test_usage_per_assistant_and_per_result() -> None:
    model = ScriptedModel(respond=no_causes)
    assistant = scripted_assistant(model, cache_mode="read_write")
    first = assistant.suggest_graph(["a", "b", "c"], strategy="per_node")
    assert first.usage == Usage(calls=3, prompt_tokens=30, completion_tokens=15)
    second = assistant.suggest_graph(["a", "b", "c"], strategy="per_node")
    assert second.usage == Usage(cache_hits=3)
    assert assistant.usage == Usage(calls=3, cache_hits=3, prompt_tokens=30, completion_tokens=15)
    assert assistant.usage.total_tokens == 45
    assert len(model.requests) == 3


def test_usage_counts_retries_and_reasks() -> None:
    replies: list[Any] = [
        TransientResponseError("flaky"),
        completion("not json", prompt_tokens=7, completion_tokens=1),
        completion('{"edges": []}', prompt_tokens=9, completion_tokens=2),
    ]
    assistant = scripted_assistant(ScriptedModel(replies))
    graph = assistant.suggest_graph(["a", "b"], strategy="whole")
    expected = Usage(calls=2, prompt_tokens=16, completion_tokens=3, retries=1, reasks=1)
    assert graph.usage == expected
    assert assistant.usage == expected


def test_cached_prompt_tokens_reported_by_the_server_are_counted() -> None:
    """Over the real SDK: a server with a prompt cache reports them, the run adds them up."""
    names = [f"quantity_{index:02d}" for index in range(12)]
    variables = {name: f"A measured quantity ({name}) described at some length." for name in names}
    cache = PromptCache(min_tokens=64, block_tokens=16)
    with FakeOpenAIServer(lambda body: '{"causes": []}', prompt_cache=cache) as server:
        assistant = Assistant(
            "fake-model", base_url=server.base_url, api_key="k", cache_mode="off", concurrency=1
        )
        graph = assistant.suggest_graph(variables, strategy="per_node")
        reported = [r.body for r in server.chat_requests]
    assert graph.usage is not None and len(reported) == len(names)
    assert 0 < graph.usage.cached_prompt_tokens < graph.usage.prompt_tokens
    share = graph.usage.cached_prompt_tokens / graph.usage.prompt_tokens
    assert share > 0.8, "all but the first prompt reuse the shared prefix"
    assert assistant.usage.cached_prompt_tokens == graph.usage.cached_prompt_tokens
    assert f"({graph.usage.cached_prompt_tokens:,} cached)" in graph.usage.summary()


@pytest.mark.parametrize(
    "details", [{"cached_tokens": "lots"}, "lots", None, {"cached_tokens": -1}]
)
def test_malformed_cached_token_counts_never_fail_a_run(details: object) -> None:
    def reply(request: ChatRequest) -> RawResponse:
        response = completion('{"causes": []}', prompt_tokens=10, completion_tokens=5)
        response["usage"]["prompt_tokens_details"] = details
        return response

    graph = scripted_assistant(ScriptedModel(respond=reply)).suggest_graph(
        ["a", "b"], strategy="per_node"
    )
    assert graph.usage == Usage(calls=2, prompt_tokens=20, completion_tokens=10)


def test_usage_helpers() -> None:
    total = Usage(calls=1, prompt_tokens=1000, completion_tokens=204)
    total += Usage(cache_hits=2, retries=1)
    assert total == Usage(
        calls=1, cache_hits=2, prompt_tokens=1000, completion_tokens=204, retries=1
    )
    assert total.summary() == (
        "1 call, 2 cache hits, 1,000 prompt (0 cached) + 204 completion tokens, 1 retry"
    )
    assert str(total) == total.summary()
    total += Usage(calls=1, prompt_tokens=2048, cached_prompt_tokens=1920)
    assert total.summary() == (
        "2 calls, 2 cache hits, 3,048 prompt (1,920 cached) + 204 completion tokens, 1 retry"
    )
    meter = UsageMeter()
    meter.add(calls=2, reasks=1)
    assert meter.usage == Usage(calls=2, reasks=1)
    snapshot = meter.usage
    meter.add(calls=1)
    assert snapshot.calls == 2, "usage is a snapshot"


# ---------------------------------------------------------------- budget
def test_budget_stops_before_the_third_call(cache_folder: Path) -> None:
    model = ScriptedModel(respond=no_causes, latency=0.01)
    assistant = scripted_assistant(model, cache_mode="read_write", budget=Budget(max_calls=2))
    with pytest.raises(BudgetExceededError, match="budget of 2 calls") as caught:
        assistant.suggest_graph(["a", "b", "c"], strategy="per_node")
    assert len(model.requests) == 2, "the third request was never sent"
    assert caught.value.query is not None
    assert assistant.usage.calls == 2
    # the two answers are cached: a rerun with a bigger budget pays for one call only
    rerun = scripted_assistant(model, cache_mode="read_write", budget=Budget(max_calls=1))
    graph = rerun.suggest_graph(["a", "b", "c"], strategy="per_node")
    assert graph.usage == Usage(calls=1, cache_hits=2, prompt_tokens=10, completion_tokens=5)
    assert len(model.requests) == 3


def test_budget_is_per_run() -> None:
    model = ScriptedModel(respond=no_causes)
    assistant = scripted_assistant(model, budget=Budget(max_calls=2))
    assistant.suggest_graph(["a", "b"], strategy="per_node")
    assistant.suggest_graph(["c", "d"], strategy="per_node")
    assert assistant.usage.calls == 4


def test_token_budget() -> None:
    model = ScriptedModel(respond=no_causes)
    assistant = scripted_assistant(model, concurrency=1, budget=Budget(max_tokens=20))
    with pytest.raises(BudgetExceededError, match="budget of 20 tokens"):
        assistant.suggest_graph(["a", "b", "c", "d"], strategy="per_node")
    assert len(model.requests) == 2  # 15 tokens after one call, 30 after two


def test_budget_single_query_run() -> None:
    model = ScriptedModel(respond=lambda request: {"edges": []})
    assistant = scripted_assistant(model, budget=Budget(max_calls=0))
    with pytest.raises(BudgetExceededError):
        assistant.suggest_graph(["a", "b"], strategy="whole")
    assert model.requests == []


# ---------------------------------------------------------------- partial failure and rerun
def refuse_about(name: str) -> Any:
    def respond(request: ChatRequest) -> Any:
        if target_of(request) == name:
            return completion(None, refusal="I will not answer that")
        return no_causes(request)

    return respond


def test_queries_failed_error_keeps_finished_answers_for_a_rerun(cache_folder: Path) -> None:
    model = ScriptedModel(respond=refuse_about("c"))
    assistant = scripted_assistant(model, cache_mode="read_write")
    with pytest.raises(QueriesFailedError) as caught:
        assistant.suggest_graph(["a", "b", "c", "d"], strategy="per_node")
    error = caught.value
    assert error.completed == 3
    assert len(error.failures) == 1
    description, failure = error.failures[0]
    assert "'c'" in description and isinstance(failure, RefusalError)
    assert "1 of 4 queries failed" in str(error) and "cached" in str(error)
    assert len(list(ResponseCache(cache_folder).keys())) == 3

    fixed = ScriptedModel(respond=no_causes)
    graph = scripted_assistant(fixed, cache_mode="read_write").suggest_graph(
        ["a", "b", "c", "d"], strategy="per_node"
    )
    assert [target_of(request) for request in fixed.requests] == ["c"]
    assert graph.usage == Usage(calls=1, cache_hits=3, prompt_tokens=10, completion_tokens=5)


def test_a_single_failing_query_raises_its_own_error() -> None:
    model = ScriptedModel([completion(None, refusal="no")])
    with pytest.raises(RefusalError):
        scripted_assistant(model).suggest_graph(["a", "b"], strategy="whole")


def test_bugs_in_a_backend_are_not_hidden() -> None:
    model = ScriptedModel()  # no replies at all: the double raises AssertionError
    with pytest.raises(AssertionError, match="ran out of replies"):
        scripted_assistant(model).suggest_graph(["a", "b"], strategy="per_node")


# ---------------------------------------------------------------- progress
def test_progress_is_reported_once_per_query() -> None:
    events: list[ProgressEvent] = []
    model = ScriptedModel(respond=no_causes, latency=0.005)
    scripted_assistant(model, concurrency=2).suggest_graph(
        NAMES[:5], strategy="per_node", progress=events.append
    )
    assert [event.done for event in events] == [1, 2, 3, 4, 5]
    assert {event.total for event in events} == {5}
    assert {event.task for event in events} == {"per_node"}
    assert sorted(event.description for event in events) == sorted(
        f"per_node query about {name!r}" for name in NAMES[:5]
    )


def test_progress_counts_failures_too(cache_folder: Path) -> None:
    events: list[ProgressEvent] = []
    model = ScriptedModel(respond=refuse_about("a"))
    with pytest.raises(QueriesFailedError):
        scripted_assistant(model).suggest_graph(
            ["a", "b", "c"], strategy="per_node", progress=events.append
        )
    assert [event.done for event in events] == [1, 2, 3]


# ---------------------------------------------------------------- the engine directly
def pair_query(sample: int = 0) -> Query:
    return Query(
        task="pairwise",
        template="pairwise",
        inputs={
            "context": None,
            "persona": None,
            "variables": [{"name": "x"}, {"name": "y"}],
            "a": {"name": "x"},
            "b": {"name": "y"},
        },
        reply_model=PairReply,
        names=("x", "y"),
        subject=("x", "y"),
        sample=sample,
    )


def test_language_model_ask_many_returns_answers_in_order() -> None:
    def respond(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None
        relation = "a_causes_b" if request.query.sample % 2 else "neither"
        return {"relation": relation, "rationale": "r", "confidence": "low"}

    engine = LanguageModel(
        "m",
        ScriptedModel(respond=respond, latency=0.001),
        cache=None,
        cache_mode="off",
        prompts=PromptLibrary(),
        concurrency=4,
    )

    async def main() -> list[Any]:
        async with engine.run() as run:
            answers = await engine.ask_many([pair_query(sample) for sample in range(6)], run)
            assert run.usage.calls == 6
            return answers

    answers = asyncio.run(main())
    assert [answer.query.sample for answer in answers] == list(range(6))
    assert [answer.reply.relation for answer in answers][:2] == ["neither", "a_causes_b"]
    first = answers[0]
    assert first.model == "m" and first.mode == "json_schema"
    assert first.prompt_version == PromptLibrary().version("pairwise")
    assert len(first.cache_keys) == 1 and len(first.cache_keys[0]) == 64


def test_scripted_model_reply_kinds() -> None:
    reply = PairReply(relation="neither", rationale="r", confidence="low")
    model = ScriptedModel(
        [reply, json.dumps(reply.model_dump()), completion(reply.model_dump_json())],
        respond=lambda request: reply.model_dump(),
    )
    engine = LanguageModel("m", model, cache=None, cache_mode="off", prompts=PromptLibrary())
    assert model.remaining == 3

    async def main() -> list[Any]:
        async with engine.run() as run:
            return await engine.ask_many([pair_query(sample) for sample in range(4)], run)

    answers = asyncio.run(main())
    assert all(answer.reply == reply for answer in answers)
    assert model.remaining == 0 and len(model.requests) == 4


def test_completion_helper_usage() -> None:
    response = completion("abcdefgh", prompt_tokens=3)
    assert response["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    response = completion("x", prompt_tokens=3, completion_tokens=10)
    assert response["usage"]["total_tokens"] == 13


def test_query_describe_and_describe_error() -> None:
    assert pair_query().describe() == "pairwise query about 'x', 'y'"
    assert pair_query(2).describe() == "pairwise query about 'x', 'y' (sample 2)"
    many = Query(
        task="t", template="t", inputs={}, reply_model=PairReply, names=(), subject=tuple("abcdef")
    )
    assert many.describe() == "t query about 'a', 'b', 'c', 'd', ... (6 variables)"
    assert describe_error(RefusalError("no")) == "RefusalError: no"
