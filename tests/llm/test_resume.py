"""Resume: a run that fails or is interrupted keeps every finished answer; a rerun pays only
for what is missing (counted at the loopback server).

The model answers from the published CHILD graph (packaged with the library), through
``benchmarks/fault_campaign.py``'s responder.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _campaign import BENCHMARKS, load_campaign

from pywhy_llm_assist import (
    Assistant,
    Budget,
    BudgetExceededError,
    QueriesFailedError,
    ResponseCache,
    RetriesExhaustedError,
    RetryPolicy,
)
from pywhy_llm_assist.testing import FakeOpenAIServer

campaign = load_campaign()
POLICY = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)
DOWN = frozenset({"Disease", "LungParench", "CardiacMixing"})


class FlakyBackend:
    """Answers from CHILD, except that questions about `DOWN` fail with HTTP 500 while `down`."""

    def __init__(self, edges: list[list[str]], hold: threading.Event | None = None) -> None:
        self.answer = campaign.graph_responder(edges)
        self.down = True
        self.hold = hold

    def __call__(self, body: dict[str, Any]) -> str:
        target = campaign.target_of(body)
        if target in DOWN and self.hold is not None:
            self.hold.wait(10)
        if target in DOWN and self.down:
            raise RuntimeError(f"the model behind the server is down for {target}")
        return str(self.answer(body))


@pytest.fixture(scope="module")
def child() -> dict[str, Any]:
    benchmark: dict[str, Any] = campaign.load_benchmark("child", BENCHMARKS)
    return benchmark


@pytest.fixture(scope="module")
def truth(child: dict[str, Any]) -> set[tuple[str, str]]:
    return {(cause, effect) for cause, effect in child["edges"]}


@pytest.fixture
def serve() -> Iterator[Callable[..., FakeOpenAIServer]]:
    servers: list[FakeOpenAIServer] = []

    def start(responder: Any) -> FakeOpenAIServer:
        server = FakeOpenAIServer(responder)
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.close()


def assistant(server: FakeOpenAIServer, cache: Path, **options: Any) -> Assistant:
    return Assistant(
        campaign.MODEL,
        base_url=server.base_url,
        api_key=campaign.FAKE_KEY,
        cache=cache,
        cache_mode="read_write",
        retry=POLICY,
        **options,
    )


def targets(server: FakeOpenAIServer, since: int = 0) -> Counter[str]:
    return Counter(campaign.target_of(record.body) for record in server.chat_requests[since:])


def suggest(model: Assistant, child: dict[str, Any]) -> Any:
    return model.suggest_graph(
        campaign.variables_of(child), context=child["context"], strategy="per_node"
    )


def test_exhausted_retries_name_every_failed_query_and_a_rerun_makes_only_the_missing_calls(
    serve: Callable[..., FakeOpenAIServer],
    child: dict[str, Any],
    truth: set[tuple[str, str]],
    tmp_path: Path,
) -> None:
    backend = FlakyBackend(child["edges"])
    server = serve(backend)
    with pytest.raises(QueriesFailedError) as caught:
        suggest(assistant(server, tmp_path), child)
    error = caught.value
    assert error.completed == 17
    assert {description.split("'")[1] for description, _ in error.failures} == DOWN
    for _, failure in error.failures:
        assert isinstance(failure, RetriesExhaustedError)
        assert failure.attempts == POLICY.max_attempts
    for name in DOWN:
        assert f"'{name}'" in str(error), "the message names every failed query"
    assert "17 finished answers are cached" in str(error)
    first_run = targets(server)
    assert {name: first_run[name] for name in DOWN} == dict.fromkeys(DOWN, POLICY.max_attempts)
    assert all(count == 1 for name, count in first_run.items() if name not in DOWN)

    cache = ResponseCache(tmp_path)
    entries = [entry for _, entry in cache.entries()]
    assert len(entries) == 17 and all(entry is not None for entry in entries)
    assert {entry["subject"][0] for entry in entries if entry} == set(first_run) - DOWN

    backend.down = False
    before = len(server.chat_requests)
    rerun = assistant(server, tmp_path)
    graph = suggest(rerun, child)
    assert targets(server, before) == Counter(dict.fromkeys(DOWN, 1)), "only the missing calls"
    assert set(graph.edge_pairs) == truth
    assert graph.usage is not None
    assert (graph.usage.calls, graph.usage.cache_hits) == (3, 17)

    before = len(server.chat_requests)
    again = suggest(assistant(server, tmp_path), child)
    assert len(server.chat_requests) == before, "a complete cache answers everything"
    assert again.edge_pairs == graph.edge_pairs


def test_a_run_stopped_by_its_budget_resumes_without_paying_twice(
    serve: Callable[..., FakeOpenAIServer],
    child: dict[str, Any],
    truth: set[tuple[str, str]],
    tmp_path: Path,
) -> None:
    server = serve(campaign.graph_responder(child["edges"]))
    with pytest.raises(BudgetExceededError):
        suggest(assistant(server, tmp_path, budget=Budget(max_calls=7)), child)
    paid = len(server.chat_requests)
    assert paid == 7
    assert len(list(ResponseCache(tmp_path).keys())) == paid, "every paid answer was stored"
    graph = suggest(assistant(server, tmp_path), child)
    assert len(server.chat_requests) - paid == 20 - paid
    assert targets(server) == Counter(dict.fromkeys(campaign.variables_of(child), 1))
    assert set(graph.edge_pairs) == truth


def test_an_interrupted_run_keeps_the_answers_that_arrived(
    serve: Callable[..., FakeOpenAIServer],
    child: dict[str, Any],
    truth: set[tuple[str, str]],
    tmp_path: Path,
) -> None:
    hold = threading.Event()
    backend = FlakyBackend(child["edges"], hold=hold)
    backend.down = False
    server = serve(backend)
    model = assistant(server, tmp_path, concurrency=20)

    async def interrupted() -> None:
        task = asyncio.ensure_future(
            model.suggest_graph_async(
                campaign.variables_of(child), context=child["context"], strategy="per_node"
            )
        )
        deadline = time.monotonic() + 30
        while len(list(ResponseCache(tmp_path).keys())) < 17 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        assert not task.done()
        task.cancel()  # like Ctrl-C while the questions about DOWN still hang
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(interrupted())
    finally:
        hold.set()
    stored = {entry["subject"][0] for _, entry in ResponseCache(tmp_path).entries() if entry}
    assert stored == set(campaign.variables_of(child)) - DOWN
    before = len(server.chat_requests)
    graph = suggest(assistant(server, tmp_path), child)
    assert targets(server, before) == Counter(dict.fromkeys(DOWN, 1))
    assert set(graph.edge_pairs) == truth
