"""The LLM layer through the REAL openai SDK, over an httpx2 mock transport (no sockets).

A `MockServer` scripts HTTP replies and records every request, so each test can count what the
library sent: the structured-output ladder, re-asks, retries, the cache and key redaction.
"""

from __future__ import annotations

import email.utils
import functools
import json
import os
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from tenacity import AsyncRetrying

from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    IncompleteOutputError,
    InputError,
    InvalidOutputError,
    NetworkBlockedError,
    RefusalError,
    ReplayMissError,
    RequestRejectedError,
    RetriesExhaustedError,
    RetryPolicy,
)
from pywhy_llm_assist.llm import _retry
from pywhy_llm_assist.llm._engine import LADDER

FAKE_PREFIX = "sk" + "-"  # fake keys are built at run time: no key-shaped literal in the repo
API_KEY = FAKE_PREFIX + "test-SECRET-0123456789abcdef"
BASE_URL = "http://127.0.0.1:1/v1"  # loopback, never connected: the transport is a mock
VARIABLES = {"rain": "rainfall that day", "sprinkler": "sprinkler switched on", "wet grass": ""}
FAST = RetryPolicy(max_attempts=3, initial_wait=0.001, max_wait=0.002, jitter=0.0)

Reply = Callable[[httpx2.Request], httpx2.Response] | httpx2.Response | BaseException | str


def edges_reply(*edges: tuple[str, str]) -> str:
    return json.dumps(
        {
            "edges": [
                {
                    "cause": cause,
                    "effect": effect,
                    "rationale": f"{cause} wets",
                    "confidence": "high",
                }
                for cause, effect in edges
            ]
        }
    )


GOOD = edges_reply(("rain", "wet grass"), ("sprinkler", "wet grass"))


def chat(
    content: str | None,
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    choices: bool = True,
    extra: dict[str, Any] | None = None,
) -> httpx2.Response:
    body: dict[str, Any] = {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "mock-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ]
        if choices
        else [],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        **(extra or {}),
    }
    return httpx2.Response(200, json=body)


def error(
    status: int,
    message: str = "error",
    *,
    code: str | None = None,
    kind: str = "invalid_request_error",
    headers: dict[str, str] | None = None,
) -> httpx2.Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return httpx2.Response(status, json=body, headers=headers)


class MockServer:
    """Answers requests from a queue of replies (then `default`), recording each request."""

    def __init__(self, *replies: Reply, default: Reply | None = None) -> None:
        self.replies: deque[Reply] = deque(replies)
        self.default = default
        self.requests: list[httpx2.Request] = []
        self.bodies: list[dict[str, Any]] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        self.bodies.append(json.loads(request.content))
        reply = self.replies.popleft() if self.replies else self.default
        if reply is None:
            raise AssertionError(f"unexpected request #{len(self.requests)}")
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, str):
            return chat(reply)
        if isinstance(reply, httpx2.Response):
            return reply
        return reply(request)

    def client(
        self, *, api_key: str = API_KEY, base_url: str = BASE_URL, max_retries: int = 0
    ) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key,
            max_retries=max_retries,
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(self.handler)),
        )

    def assistant(self, **options: Any) -> Assistant:
        options.setdefault("cache_mode", "off")
        options.setdefault("retry", FAST)
        client_options = {
            name: options.pop(name)
            for name in ("api_key", "base_url", "max_retries")
            if name in options
        }
        return Assistant("mock-model", client=self.client(**client_options), **options)

    def formats(self) -> list[str | None]:
        return [(body.get("response_format") or {}).get("type") for body in self.bodies]


def rejecting(*kinds: str, then: Reply = GOOD) -> Callable[[httpx2.Request], httpx2.Response]:
    """A server that answers 400 to the given response_format types."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        kind = (json.loads(request.content).get("response_format") or {}).get("type")
        if kind in kinds:
            return error(400, f"response_format {kind} is not supported by this server")
        return then if isinstance(then, httpx2.Response) else chat(str(then))

    return handler


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every retry wait (and skip the actual sleeping)."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_retry, "AsyncRetrying", functools.partial(AsyncRetrying, sleep=fake_sleep))
    return recorded


def suggest(assistant: Assistant, variables: Any = VARIABLES) -> CausalGraph:
    return assistant.suggest_graph(variables, strategy="whole")


# ---------------------------------------------------------------- the structured-output ladder
def test_json_schema_step_sends_a_strict_schema_with_the_variable_enum() -> None:
    server = MockServer(GOOD)
    assistant = server.assistant(seed=3)
    graph = suggest(assistant)
    assert set(graph.edge_pairs) == {("rain", "wet grass"), ("sprinkler", "wet grass")}
    (request,) = server.requests
    assert request.url == "http://127.0.0.1:1/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    body = server.bodies[0]
    assert body["model"] == "mock-model"
    assert body["temperature"] == 0.0 and body["seed"] == 3 and body["max_tokens"] > 0
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["name"] == "WholeGraphReply"
    item = response_format["json_schema"]["schema"]["properties"]["edges"]["items"]
    assert item["properties"]["cause"]["enum"] == list(VARIABLES)
    assert item["properties"]["effect"]["enum"] == list(VARIABLES)
    assert [message["role"] for message in body["messages"]] == ["system", "user"]
    assert assistant.usage.calls == 1
    assert assistant.usage.prompt_tokens == 100 and assistant.usage.completion_tokens == 20


def test_rejected_json_schema_steps_down_to_json_object_and_is_remembered() -> None:
    server = MockServer(default=rejecting("json_schema"))
    assistant = server.assistant()
    first = suggest(assistant)
    assert server.formats() == ["json_schema", "json_object"]
    second_request = server.bodies[1]
    instruction = second_request["messages"][1]
    assert instruction["role"] == "system"
    assert "must match this JSON schema" in instruction["content"]
    assert '"enum": ["rain", "sprinkler", "wet grass"]' in instruction["content"]

    second = suggest(assistant, {**VARIABLES, "season": "time of year"})
    assert server.formats() == ["json_schema", "json_object", "json_object"], "remembered"
    assert len(first.edges) == len(second.edges) == 2
    # a second assistant on the same server and model starts from the remembered step
    other = server.assistant()
    suggest(other, ["rain", "wet grass", "sprinkler", "mud"])
    assert server.formats()[-1] == "json_object"


def test_rejected_json_object_steps_down_to_text_with_lenient_extraction() -> None:
    prose = f"Sure! Here are the edges:\n```json\n{GOOD}\n```\nLet me know if you need more."
    server = MockServer(default=rejecting("json_schema", "json_object", then=prose))
    graph = suggest(server.assistant())
    assert server.formats() == ["json_schema", "json_object", None]
    assert "response_format" not in server.bodies[2]
    assert "must match this JSON schema" in server.bodies[2]["messages"][1]["content"]
    assert set(graph.edge_pairs) == {("rain", "wet grass"), ("sprinkler", "wet grass")}
    suggest(server.assistant(), {**VARIABLES, "mud": ""})
    assert server.formats()[-1] is None, "the text step is remembered"


def test_unrelated_400_is_not_remembered_as_a_format_rejection() -> None:
    too_long = error(400, "context length exceeded", code="context_length_exceeded")
    server = MockServer(too_long, too_long, too_long, GOOD)
    assistant = server.assistant()
    with pytest.raises(RequestRejectedError) as caught:
        suggest(assistant)
    assert caught.value.status_code == 400
    assert server.formats() == ["json_schema", "json_object", None]
    suggest(assistant)
    assert server.formats()[-1] == "json_schema", "a failed ladder leaves no memory"
    assert assistant.usage.retries == 0


# ---------------------------------------------------------------- re-asks and typed errors
def test_reask_after_invalid_json() -> None:
    server = MockServer('{"edges": [ oops', GOOD)
    assistant = server.assistant()
    graph = suggest(assistant)
    assert len(graph.edges) == 2
    follow_up = server.bodies[1]["messages"]
    assert follow_up[-2] == {"role": "assistant", "content": '{"edges": [ oops'}
    assert follow_up[-1]["role"] == "user"
    assert "not valid JSON" in follow_up[-1]["content"]
    assert assistant.usage.reasks == 1 and assistant.usage.calls == 2


def test_reask_after_unknown_variable_name() -> None:
    server = MockServer(edges_reply(("rain", "umbrella")), GOOD)
    assistant = server.assistant()
    graph = suggest(assistant)
    assert len(graph.edges) == 2
    feedback = server.bodies[1]["messages"][-1]["content"]
    assert "'umbrella' is not one of the variables" in feedback
    assert '"wet grass"' in feedback
    assert assistant.usage.reasks == 1
    assert len(graph.edge(*graph.edge_pairs[0]).provenance[0].cache_keys) == 2


def test_reasks_exhausted_raise_invalid_output_with_the_attempts() -> None:
    server = MockServer("no json here", edges_reply(("rain", "umbrella")))
    with pytest.raises(InvalidOutputError) as caught:
        suggest(server.assistant(max_reasks=1))
    attempts = caught.value.attempts
    assert [attempt.content for attempt in attempts] == [
        "no json here",
        edges_reply(("rain", "umbrella")),
    ]
    assert "not valid JSON" in attempts[0].error
    assert "umbrella" in attempts[1].error
    assert "no valid reply after 2 tries" in str(caught.value)
    assert len(server.requests) == 2


def test_refusal_is_a_refusal_error() -> None:
    server = MockServer(chat(None, refusal="I can't help with that."))
    with pytest.raises(RefusalError, match="I can't help with that"):
        suggest(server.assistant())
    assert len(server.requests) == 1


def test_content_filter_is_a_refusal_error() -> None:
    server = MockServer(chat("", finish_reason="content_filter"))
    with pytest.raises(RefusalError, match="content_filter"):
        suggest(server.assistant())


def test_truncated_reply_is_an_incomplete_output_error() -> None:
    server = MockServer(chat('{"edges": [{"cause": "ra', finish_reason="length"))
    with pytest.raises(IncompleteOutputError, match="max_tokens"):
        suggest(server.assistant())
    assert len(server.requests) == 1


# ---------------------------------------------------------------- retries
def test_429_with_retry_after_is_honoured(sleeps: list[float]) -> None:
    server = MockServer(
        error(429, "slow down", code="rate_limit_exceeded", headers={"Retry-After": "0.01"}), GOOD
    )
    assistant = server.assistant(retry=RetryPolicy(max_attempts=3, initial_wait=9, jitter=0))
    started = time.monotonic()
    suggest(assistant)
    assert time.monotonic() - started < 5
    assert sleeps == [0.01]
    assert len(server.requests) == 2
    assert assistant.usage.retries == 1 and assistant.usage.calls == 1


def test_retry_after_is_capped(sleeps: list[float]) -> None:
    server = MockServer(error(429, headers={"Retry-After": "3600"}), GOOD)
    suggest(server.assistant(retry=RetryPolicy(max_attempts=2, retry_after_cap=0.05)))
    assert sleeps == [0.05]


def test_retry_after_real_wait_within_generous_bounds() -> None:
    server = MockServer(error(429, headers={"Retry-After": "0.2"}), GOOD)
    started = time.monotonic()
    suggest(server.assistant(retry=RetryPolicy(max_attempts=2, initial_wait=30, jitter=0)))
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 10


def test_429_with_http_date_retry_after(sleeps: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 3, usegmt=True)
    server = MockServer(error(429, headers={"Retry-After": when}), GOOD)
    suggest(server.assistant(retry=RetryPolicy(max_attempts=2, initial_wait=30, jitter=0)))
    assert len(sleeps) == 1
    assert 1.0 < sleeps[0] <= 3.0


def test_500_then_success(sleeps: list[float]) -> None:
    server = MockServer(error(500, "boom", kind="server_error"), GOOD)
    assistant = server.assistant()
    assert len(suggest(assistant).edges) == 2
    assert len(server.requests) == 2 and len(sleeps) == 1
    assert assistant.usage.retries == 1


def test_insufficient_quota_is_never_retried(sleeps: list[float]) -> None:
    quota = error(
        429,
        "You exceeded your current quota",
        code="insufficient_quota",
        kind="insufficient_quota",
        headers={"Retry-After": "0"},
    )
    server = MockServer(quota, GOOD)
    with pytest.raises(RequestRejectedError, match="HTTP 429") as caught:
        suggest(server.assistant())
    assert caught.value.status_code == 429
    assert len(server.requests) == 1 and sleeps == []


def test_401_is_not_retried_even_if_the_sdk_client_would(sleeps: list[float]) -> None:
    server = MockServer(error(401, "Incorrect API key provided"), GOOD)
    with pytest.raises(RequestRejectedError, match="HTTP 401") as caught:
        suggest(server.assistant(max_retries=5))
    assert caught.value.status_code == 401
    assert len(server.requests) == 1 and sleeps == []


def test_400_is_not_retried_only_stepped_down(sleeps: list[float]) -> None:
    bad = error(400, "messages: invalid")
    server = MockServer(bad, bad, bad, GOOD)
    assistant = server.assistant(max_retries=5)
    with pytest.raises(RequestRejectedError):
        suggest(assistant)
    assert server.formats() == ["json_schema", "json_object", None], "each step asked once"
    assert sleeps == [] and assistant.usage.retries == 0


@pytest.mark.parametrize("timeout", [httpx2.ReadTimeout, httpx2.ConnectTimeout])
def test_timeouts_are_retried_then_exhausted(sleeps: list[float], timeout: type[Exception]) -> None:
    failure = timeout("timed out")
    server = MockServer(default=failure)
    policy = RetryPolicy(max_attempts=3, initial_wait=0.001, jitter=0)
    assistant = server.assistant(retry=policy)
    with pytest.raises(RetriesExhaustedError) as caught:
        suggest(assistant)
    assert caught.value.attempts == 3 == len(server.requests)
    assert isinstance(caught.value.last_error, openai.APITimeoutError)
    assert len(sleeps) == 2 and assistant.usage.retries == 2 and assistant.usage.calls == 0


def test_connection_refused_on_loopback_is_retried() -> None:
    # a real (loopback) connection attempt to a closed port, through the SDK's own transport
    assistant = Assistant(
        "m",
        base_url="http://127.0.0.1:9/v1",
        cache_mode="off",
        retry=RetryPolicy(max_attempts=2, initial_wait=0.001, jitter=0),
    )
    with pytest.raises(RetriesExhaustedError) as caught:
        suggest(assistant)
    assert caught.value.attempts == 2
    assert isinstance(caught.value.last_error, openai.APIConnectionError)


def test_empty_choices_are_retried(sleeps: list[float]) -> None:
    server = MockServer(chat(None, choices=False), GOOD)
    assistant = server.assistant()
    assert len(suggest(assistant).edges) == 2
    assert len(server.requests) == 2 and assistant.usage.retries == 1


def test_non_json_body_is_retried(sleeps: list[float]) -> None:
    server = MockServer(httpx2.Response(200, text="<html>proxy error</html>"), GOOD)
    assert len(suggest(server.assistant()).edges) == 2
    assert len(server.requests) == 2


# ---------------------------------------------------------------- cache, replay, redaction
def test_replay_makes_zero_requests_and_gives_equal_results(cache_folder: Path) -> None:
    recorder = MockServer(GOOD)
    recorded = suggest(recorder.assistant(cache_mode="read_write"))
    replayer = MockServer()
    replayed_assistant = replayer.assistant(cache_mode="replay")
    replayed = suggest(replayed_assistant)
    assert replayer.requests == []
    assert replayed.edges == recorded.edges
    assert replayed.variables == recorded.variables
    assert replayed_assistant.usage.cache_hits == 1 and replayed_assistant.usage.calls == 0


def test_replay_miss_names_task_variables_and_key() -> None:
    server = MockServer()
    with pytest.raises(ReplayMissError) as caught:
        suggest(server.assistant(cache_mode="replay"))
    message = str(caught.value)
    assert "whole" in message
    for name in VARIABLES:
        assert repr(name) in message
    assert caught.value.key in message
    assert caught.value.variables == tuple(VARIABLES)
    assert caught.value.task == "whole"
    assert server.requests == []


def test_cache_mode_environment_variable_forces_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    suggest(MockServer(GOOD).assistant(cache_mode="read_write"))
    monkeypatch.setenv("PYWHY_LLM_ASSIST_CACHE_MODE", "replay")
    server = MockServer()
    options: dict[str, Any] = {"retry": FAST}
    assistant = Assistant("mock-model", client=server.client(), **options)
    assert assistant.engine.cache_mode == "replay"
    assert len(suggest(assistant).edges) == 2
    with pytest.raises(ReplayMissError):
        suggest(assistant, ["rain", "wet grass"])
    assert server.requests == []


def test_refresh_refetches(cache_folder: Path) -> None:
    suggest(MockServer(GOOD).assistant(cache_mode="read_write"))
    server = MockServer(edges_reply(("rain", "wet grass")))
    graph = suggest(server.assistant(cache_mode="refresh"))
    assert len(server.requests) == 1
    assert graph.edge_pairs == [("rain", "wet grass")]
    replayed = suggest(MockServer().assistant(cache_mode="replay"))
    assert replayed.edge_pairs == [("rain", "wet grass")], "refresh overwrote the entry"


def test_no_secret_reaches_the_cache_folder(cache_folder: Path) -> None:
    echo = chat(GOOD, extra={"system_fingerprint": f"echo {API_KEY}"})
    server = MockServer(echo, GOOD)
    assistant = server.assistant(cache_mode="read_write")
    suggest(assistant)
    suggest(assistant, {**VARIABLES, "mud": ""})
    assert server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    files = [path for path in cache_folder.rglob("*") if path.is_file()]
    assert len(files) == 2
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert API_KEY not in text
        assert "SECRET" not in text
        assert "authorization" not in text.lower()
        assert "bearer" not in text.lower()
    assert any("[REDACTED]" in path.read_text(encoding="utf-8") for path in files)


def test_cache_entry_holds_response_request_model_usage_and_time(cache_folder: Path) -> None:
    server = MockServer(GOOD)
    assistant = server.assistant(cache_mode="read_write")
    graph = suggest(assistant)
    (path,) = [path for path in cache_folder.rglob("*.json")]
    text = path.read_text(encoding="utf-8")
    entry = json.loads(text)
    assert text == json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert entry["response"] == json.loads(chat(GOOD).content)
    assert entry["request"]["messages"] == server.bodies[0]["messages"]
    assert entry["request"]["response_format"] == server.bodies[0]["response_format"]
    assert entry["model"] == "mock-model"
    assert entry["usage"] == {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    assert entry["created"].endswith("+00:00") and entry["created"][:2] == "20"
    assert entry["task"] == "whole"
    assert entry["subject"] == list(VARIABLES)
    assert entry["mode"] == "json_schema"
    assert entry["prompt_version"] == graph.metadata["prompt_version"]
    assert entry["key"] == path.stem
    assert path.stem in graph.edges[0].provenance[0].cache_keys


def test_the_api_key_never_influences_the_cache_key(cache_folder: Path) -> None:
    suggest(
        MockServer(GOOD).assistant(
            cache_mode="read_write", api_key=FAKE_PREFIX + "first-key-000000"
        )
    )
    second = MockServer()
    graph = suggest(
        second.assistant(cache_mode="read_write", api_key=FAKE_PREFIX + "other-key-111111")
    )
    assert second.requests == [], "the same question under another key is a cache hit"
    assert len(graph.edges) == 2


# ---------------------------------------------------------------- plumbing
def test_remote_base_url_is_blocked_in_tests() -> None:
    server = MockServer(GOOD)
    with pytest.raises(NetworkBlockedError, match="not a loopback server"):
        suggest(server.assistant(base_url="http://testserver/v1"))
    assert server.requests == []


def test_remote_base_url_works_over_a_mock_when_unblocked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYWHY_LLM_ASSIST_BLOCK_REMOTE")
    server = MockServer(GOOD)
    suggest(server.assistant(base_url="http://testserver/v1"))
    assert str(server.requests[0].url) == "http://testserver/v1/chat/completions"


def test_sync_openai_client_works_too() -> None:
    server = MockServer(GOOD)
    client = openai.OpenAI(
        base_url=BASE_URL,
        api_key=API_KEY,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(server.handler)),
    )
    graph = suggest(Assistant("mock-model", client=client, cache_mode="off"))
    assert len(graph.edges) == 2 and len(server.requests) == 1


def test_the_same_client_serves_several_calls() -> None:
    server = MockServer(default=GOOD)
    assistant = server.assistant()
    for _ in range(3):
        suggest(assistant)
    assert len(server.requests) == 3
    assert assistant.usage.calls == 3


def test_no_api_key_for_a_remote_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYWHY_LLM_ASSIST_BLOCK_REMOTE")
    assistant = Assistant("m", base_url="https://api.example.invalid/v1", cache_mode="off")
    with pytest.raises(InputError, match="no API key"):
        suggest(assistant)


def test_replay_needs_no_key_and_no_connection(tmp_path: Path) -> None:
    """A run answered entirely from the cache builds no client: CI replays need no secret."""
    server = MockServer(default=GOOD)
    recorded = suggest(server.assistant(cache=tmp_path, cache_mode="read_write"))
    sent = len(server.requests)
    # Same model name; the recording's server is gone, and there is no key and no network.
    remote = Assistant(
        "mock-model",
        base_url="https://api.example.invalid/v1",
        cache=tmp_path,
        cache_mode="replay",
    )
    assert suggest(remote).edges == recorded.edges
    assert len(server.requests) == sent


def test_ladder_memory_is_per_server_and_model() -> None:
    server = MockServer(default=rejecting("json_schema"))
    suggest(server.assistant())
    assert LADDER.current((str(server.client().base_url), "mock-model")) == 1
    assert LADDER.current((str(server.client().base_url), "another-model")) == 0
    LADDER.forget()
    assert LADDER.current((str(server.client().base_url), "mock-model")) == 0


# ---------------------------------------------------------------- the test suite's network guard
GUARD_MESSAGE = "real network calls are forbidden in tests"


def test_network_guard_blocks_non_loopback_without_sending_anything() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        started = time.monotonic()
        with pytest.raises(RuntimeError, match=GUARD_MESSAGE) as caught:
            sock.connect(("192.0.2.1", 9))
        assert "192.0.2.1" in str(caught.value)
        assert time.monotonic() - started < 1, "refused at once, not after a connect timeout"
        with pytest.raises(OSError):
            sock.getpeername()  # never connected: no SYN left the machine
        with pytest.raises(RuntimeError, match=GUARD_MESSAGE):
            sock.connect_ex(("192.0.2.1", 9))
    with pytest.raises(RuntimeError, match=GUARD_MESSAGE):
        socket.create_connection(("192.0.2.1", 9), timeout=5)
    with pytest.raises(RuntimeError, match=GUARD_MESSAGE):
        socket.create_connection(("example.com", 443), timeout=5)
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock6,
        pytest.raises(RuntimeError, match=GUARD_MESSAGE),
    ):
        sock6.connect(("2001:db8::1", 9, 0, 0))


def test_network_guard_allows_loopback_and_unix_sockets(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        socket.create_connection(("localhost", port), timeout=5).close()
    left, right = socket.socketpair()
    left.close()
    right.close()
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)


def test_network_guard_environment() -> None:
    assert os.environ["PYWHY_LLM_ASSIST_BLOCK_REMOTE"] == "1"
    assert "OPENAI_API_KEY" not in os.environ
    assert "OPENAI_BASE_URL" not in os.environ
    assert "PYWHY_LLM_ASSIST_CACHE_MODE" not in os.environ
    assert Path(os.environ["PYWHY_LLM_ASSIST_CACHE_DIR"]).name == "pywhy-llm-assist-cache"
    assert LADDER.current((BASE_URL, "mock-model")) == 0
