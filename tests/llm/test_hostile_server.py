"""A hostile or broken server, through the real SDK on the loopback fault server.

Each test reproduces a defect of the reliability probe (shared report 2026-12): a proxy that
received the prompts meant for a loopback server, a reply dripped one byte at a time, a
``Retry-After: nan``, a wrong URL retried for half a minute, junk usage counts, and huge
replies echoed back in re-asks and cached whole.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _listener import Sink, proxied

from pywhy_llm_assist import (
    Assistant,
    InputError,
    InvalidOutputError,
    OpenAIBackend,
    ResponseCache,
    RetriesExhaustedError,
    RetryPolicy,
)
from pywhy_llm_assist.llm import _backends
from pywhy_llm_assist.testing import FakeOpenAIServer, FaultPlan

VARIABLES = {"rain": "whether it rained", "wet": "whether the grass is wet"}
EDGE = {"cause": "rain", "effect": "wet", "rationale": "water falls", "confidence": "high"}
QUICK = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)


def whole_graph(body: dict[str, Any]) -> str:
    return json.dumps({"edges": [EDGE]})


def assistant_for(server: FakeOpenAIServer, **options: Any) -> Assistant:
    options.setdefault("cache_mode", "off")
    options.setdefault("retry", QUICK)
    return Assistant("fake-model", base_url=server.base_url, api_key="test-key", **options)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    """Every proxy variable points at a listener the test owns."""
    yield from proxied(monkeypatch)


# ---------------------------------------------------------------- no proxy for loopback
def test_a_loopback_server_is_reached_directly_never_through_the_proxy(proxy: Sink) -> None:
    with FakeOpenAIServer(whole_graph) as server:
        graph = assistant_for(server).suggest_graph(VARIABLES, strategy="whole")
    assert [(edge.source, edge.target) for edge in graph.edges] == [("rain", "wet")]
    assert len(server.chat_requests) == 1
    assert proxy.received == [], "the prompt went to the proxy"


def test_a_remote_server_keeps_honouring_the_proxy_environment(
    proxy: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(_backends.BLOCK_VARIABLE)  # building a client sends nothing
    remote, _ = OpenAIBackend(base_url="https://api.example.com/v1", api_key="k").build_client()
    local, _ = OpenAIBackend(base_url="http://127.0.0.1:8080/v1", api_key="k").build_client()
    assert remote._client._mounts, "a remote client must use $HTTPS_PROXY"  # type: ignore[union-attr]
    assert not local._client._mounts, "a loopback client must ignore the proxy"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:1234/v1", True),
        ("http://127.8.9.10/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://LOCALHOST./v1", True),
        ("https://api.openai.com/v1", False),
        ("http://10.0.0.1/v1", False),
        ("http://localhost.example.com/v1", False),
    ],
)
def test_what_counts_as_loopback(url: str, loopback: bool) -> None:
    assert _backends.is_loopback_url(url) is loopback


# ---------------------------------------------------------------- deadlines
def test_a_dripping_reply_fails_on_time() -> None:
    # About 600 bytes, one every 0.02 s: each read is quick, so httpx's read timeout never
    # fires; the whole reply would take more than 10 s.
    plan = FaultPlan.script(["drip"] * 3, drip_seconds=0.02)
    with FakeOpenAIServer(whole_graph, fault_plan=plan) as server:
        assistant = assistant_for(server, timeout=0.3, retry=RetryPolicy(max_attempts=2, jitter=0))
        with pytest.raises(RetriesExhaustedError, match="timed out") as caught:
            assistant.suggest_graph(VARIABLES, strategy="whole")
    assert caught.value.attempts == 2


def test_one_question_never_outlasts_max_total_seconds() -> None:
    plan = FaultPlan.script(["drip"] * 3, drip_seconds=0.02)
    policy = RetryPolicy(max_attempts=5, max_total_seconds=0.5, jitter=0)
    with FakeOpenAIServer(whole_graph, fault_plan=plan) as server:
        assistant = assistant_for(server, timeout=60, retry=policy)
        with pytest.raises(RetriesExhaustedError, match=r"time limit of 0\.5 s") as caught:
            assistant.suggest_graph(VARIABLES, strategy="whole")
    assert caught.value.attempts == 1


@pytest.mark.parametrize("header", ["nan", "NaN", "inf", "-5", "1e400"])
def test_retry_after_nan_never_reaches_the_timer_of_a_busy_event_loop(header: str) -> None:
    # The report's case: inside an app that has another pending timer, asyncio.sleep(nan)
    # broke the timer heap and the query hung for good.
    plan = FaultPlan.script(["rate_limit"], retry_after_header=header)
    policy = RetryPolicy(max_attempts=3, initial_wait=0.05, max_wait=0.05, jitter=0)

    async def main(assistant: Assistant) -> Any:
        async def tick() -> None:
            while True:
                await asyncio.sleep(30)

        ticker = asyncio.create_task(tick())
        try:
            return await asyncio.wait_for(
                assistant.suggest_graph_async(VARIABLES, strategy="whole"), 20
            )
        finally:
            ticker.cancel()

    with FakeOpenAIServer(whole_graph, fault_plan=plan) as server:
        graph = asyncio.run(main(assistant_for(server, retry=policy)))
    assert len(graph.edges) == 1
    assert len(server.chat_requests) == 2


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def test_a_refused_connection_is_tried_twice_not_six_times() -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/v1"
    assistant = Assistant("m", base_url=base_url, cache_mode="off", retry=RetryPolicy(jitter=0))
    with pytest.raises(RetriesExhaustedError, match="nothing answers at that address") as caught:
        assistant.suggest_graph(VARIABLES, strategy="whole")
    assert caught.value.attempts == RetryPolicy().max_refused_attempts == 2


def test_timeouts_and_5xx_keep_the_full_retry_policy() -> None:
    plan = FaultPlan.script(["server_error_503"] * 10)
    with FakeOpenAIServer(whole_graph, fault_plan=plan) as server:
        assistant = assistant_for(server, retry=RetryPolicy(initial_wait=0.01, max_wait=0.01))
        with pytest.raises(RetriesExhaustedError) as caught:
            assistant.suggest_graph(VARIABLES, strategy="whole")
    assert caught.value.attempts == RetryPolicy().max_attempts == 6


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "must start with http"),
        ("ftp://example.com/v1", "must start with http"),
        ("http://127.0.0.1:99999/v1", "not a valid URL"),
        ("http:///v1", "names no host"),
        ("http://127.0.0.1:0/v1", "port 0"),
    ],
)
def test_a_bad_base_url_is_refused_at_once(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Assistant("m", base_url=url, cache_mode="off")


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), 0, -1])
def test_a_timeout_that_is_not_a_finite_positive_number_is_refused(timeout: float) -> None:
    with pytest.raises(InputError, match="timeout"):
        Assistant("m", base_url="http://127.0.0.1:1/v1", cache_mode="off", timeout=timeout)


# ---------------------------------------------------------------- usage counts
def test_junk_usage_counts_keep_the_answer_and_are_recorded_as_unknown(tmp_path: Path) -> None:
    plan = FaultPlan.script(["bad_usage"])
    with FakeOpenAIServer(whole_graph, fault_plan=plan) as server:
        assistant = assistant_for(server, cache=tmp_path, cache_mode="read_write")
        graph = assistant.suggest_graph(VARIABLES, strategy="whole")
    assert len(graph.edges) == 1
    usage = assistant.usage
    assert (usage.calls, usage.unknown_usage, usage.prompt_tokens) == (1, 1, 0)
    assert "1 call without token counts" in usage.summary()
    (entry,) = (json.loads(path.read_text()) for path in tmp_path.rglob("*.json"))
    assert entry["usage"] is None
    assert ResponseCache(tmp_path).stats()["entries"] == 1


# ---------------------------------------------------------------- huge replies
def test_a_huge_invalid_reply_is_not_echoed_back_in_the_reask(tmp_path: Path) -> None:
    plan = FaultPlan.script(["huge_reply", "huge_reply", "huge_reply"], huge_characters=2_000_000)
    with FakeOpenAIServer(whole_graph, fault_plan=plan) as server:
        assistant = assistant_for(server, cache=tmp_path, cache_mode="read_write")
        with pytest.raises(InvalidOutputError, match="more than 65,536 characters") as caught:
            assistant.suggest_graph(VARIABLES, strategy="whole")
    sizes = [len(json.dumps(request.body)) for request in server.chat_requests]
    assert len(sizes) == 3
    assert max(sizes) < 20_000, f"a re-ask carried the huge reply: {sizes}"
    assert all(len(attempt.content) < 5_000 for attempt in caught.value.attempts)


def test_replies_are_capped_before_they_are_cached(tmp_path: Path) -> None:
    plan = FaultPlan.script(["huge_reply", "huge_envelope"], huge_characters=2_000_000)
    with FakeOpenAIServer(whole_graph, fault_plan=plan) as server:
        assistant = assistant_for(server, cache=tmp_path, cache_mode="read_write")
        graph = assistant.suggest_graph(VARIABLES, strategy="whole")
        replayed = assistant_for(server, cache=tmp_path, cache_mode="replay").suggest_graph(
            VARIABLES, strategy="whole"
        )
    assert len(server.chat_requests) == 2  # the huge reply, then the re-ask (huge envelope)
    assert [(e.source, e.target) for e in graph.edges] == [("rain", "wet")]
    assert replayed.edges == graph.edges, "the replay must read the capped entries the same way"
    sizes = [path.stat().st_size for path in tmp_path.rglob("*.json")]
    assert len(sizes) == 2 and max(sizes) < 200_000, sizes
