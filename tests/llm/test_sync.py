"""run_sync: the synchronous API from plain code, from inside a running loop, from threads."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest

from pywhy_llm_assist import Assistant, RetryPolicy
from pywhy_llm_assist.llm._sync import run_sync
from pywhy_llm_assist.testing import ScriptedModel

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


async def add(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


def test_without_a_running_loop() -> None:
    assert run_sync(add(2, 3)) == 5


def test_errors_propagate_with_their_type() -> None:
    async def fail() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        run_sync(fail())


def test_inside_a_running_loop() -> None:
    async def main() -> int:
        return run_sync(add(1, 1)) + await add(0, 1)

    assert asyncio.run(main()) == 3


def test_context_variables_are_visible() -> None:
    async def read() -> str:
        return REQUEST_ID.get()

    token = REQUEST_ID.set("abc")
    try:
        assert run_sync(read()) == "abc"
    finally:
        REQUEST_ID.reset(token)


def test_from_many_threads_at_once() -> None:
    async def slow_double(value: int) -> int:
        await asyncio.sleep(0.01)
        return value * 2

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda value: run_sync(slow_double(value)), range(32)))
    assert results == [value * 2 for value in range(32)]


def test_interrupt_while_waiting_cancels_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    started = threading.Event()
    cancelled = threading.Event()

    async def slow() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    real = asyncio.run_coroutine_threadsafe

    def interrupted_future(coroutine: Any, loop: asyncio.AbstractEventLoop) -> Any:
        future = real(coroutine, loop)

        def result(timeout: float | None = None) -> None:
            started.wait(5)
            raise KeyboardInterrupt

        future.result = result  # type: ignore[method-assign]
        return future

    monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", interrupted_future)
    with pytest.raises(KeyboardInterrupt):
        run_sync(slow())
    assert cancelled.wait(5), "the coroutine was cancelled"


def test_assistant_sync_api_inside_a_running_loop() -> None:
    model = ScriptedModel(respond=lambda request: {"causes": []})
    assistant = Assistant("scripted", client=model, cache_mode="off")

    async def notebook_cell() -> list[tuple[str, str]]:
        graph = assistant.suggest_graph(["rain", "wet grass", "sun", "mud"], strategy="per_node")
        other = await assistant.suggest_graph_async(["rain", "wet grass"], strategy="per_node")
        return graph.edge_pairs + other.edge_pairs

    assert asyncio.run(notebook_cell()) == []
    assert len(model.requests) == 6


# ---------------------------------------------------------------- a real loopback server
class _ChatHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: pooled connections outlive one call

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        body = json.dumps(
            {
                "id": "chatcmpl-loopback",
                "object": "chat.completion",
                "created": 0,
                "model": "loopback",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": '{"edges": []}'},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_an_injected_async_client_serves_consecutive_sync_calls(loopback_url: str) -> None:
    """Pooled keep-alive connections are bound to one event loop: every call must share it."""
    client = openai.AsyncOpenAI(base_url=loopback_url, api_key="sk-local", max_retries=0)
    assistant = Assistant(
        "loopback", client=client, cache_mode="off", retry=RetryPolicy(max_attempts=1)
    )
    for _ in range(3):
        assert assistant.suggest_graph(["a", "b"], strategy="whole").edge_pairs == []
    assert assistant.usage.calls == 3


def test_base_url_on_loopback_without_a_key(loopback_url: str) -> None:
    assistant = Assistant("loopback", base_url=loopback_url, cache_mode="off")
    assert assistant.suggest_graph(["a", "b"], strategy="whole").edge_pairs == []
    assert assistant.suggest_graph(["a", "b"], strategy="whole").edge_pairs == []
