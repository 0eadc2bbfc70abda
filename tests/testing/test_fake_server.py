"""Tests of the loopback fake OpenAI server and its fault plan, through the real `openai` SDK."""

from __future__ import annotations

import asyncio
import email.utils
import json
import math
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import openai
import pytest

from pywhy_llm_assist.testing._fake_server import (
    FakeOpenAIServer,
    RecordedRequest,
    build_chat_completion,
)
from pywhy_llm_assist.testing._fault_plan import (
    CONTENT_FAULT_KINDS,
    FAULT_KINDS,
    TRANSPORT_FAULT_KINDS,
    FaultKind,
    FaultPlan,
    replace_variable_name,
)

EDGE_REPLY = '{"rationale": "rain wets things", "edges": [{"source": "rain", "target": "wet"}]}'
MESSAGES: list[Any] = [{"role": "user", "content": 'Variables: ["rain", "wet"]'}]
EDGE_SCHEMA: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {
        "name": "edges",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "rationale": {"type": "string"},
                "edges": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "source": {"type": "string", "enum": ["rain", "wet"]},
                            "target": {"type": "string", "enum": ["rain", "wet"]},
                        },
                    },
                },
            },
        },
    },
}


def edge_responder(body: dict[str, Any]) -> str:
    """Answer every request with the same edge list."""
    return EDGE_REPLY


def make_client(server: FakeOpenAIServer, timeout: float = 5.0) -> openai.OpenAI:
    """An SDK client with its own retries off, as the library uses it."""
    return openai.OpenAI(
        base_url=server.base_url, api_key="test-key", max_retries=0, timeout=timeout
    )


def ask(client: openai.OpenAI, content: str = 'Variables: ["rain", "wet"]', **options: Any) -> Any:
    """Send one chat completion request."""
    messages: Any = [{"role": "user", "content": content}]
    return client.chat.completions.create(model="fake-model", messages=messages, **options)


@pytest.fixture
def scripted() -> Iterator[Any]:
    """Start a server that injects one given fault into its first request."""
    servers: list[FakeOpenAIServer] = []

    def start(fault: FaultKind | None, **options: Any) -> FakeOpenAIServer:
        plan = FaultPlan.script([fault], **options)
        server = FakeOpenAIServer(edge_responder, fault_plan=plan).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def test_normal_reply_parses_into_a_chat_completion() -> None:
    with FakeOpenAIServer(edge_responder) as server:
        reply = ask(make_client(server))
    assert isinstance(reply, openai.types.chat.ChatCompletion)
    choice = reply.choices[0]
    assert choice.message.content == EDGE_REPLY
    assert choice.message.refusal is None
    assert choice.finish_reason == "stop"
    assert reply.model == "fake-model"
    assert reply.usage is not None
    assert reply.usage.prompt_tokens == math.ceil(len('Variables: ["rain", "wet"]') / 4)
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert reply._request_id == "req_fake_0"


def test_request_log_keeps_body_and_headers() -> None:
    with FakeOpenAIServer(edge_responder) as server:
        ask(make_client(server), temperature=0, seed=7, max_tokens=50)
        [record] = server.requests
    assert isinstance(record, RecordedRequest)
    assert (record.index, record.method, record.path) == (0, "POST", "/v1/chat/completions")
    assert record.body["seed"] == 7
    assert record.body["messages"] == MESSAGES
    assert record.fault is None
    assert server.headers_seen[0]["authorization"] == "Bearer test-key"
    assert server.request_count == 1
    assert server.chat_requests == [record]


def test_responder_sees_the_request_and_a_dict_reply_is_sent_as_is() -> None:
    seen: list[dict[str, Any]] = []

    def responder(body: dict[str, Any]) -> dict[str, Any]:
        seen.append(body)
        reply = build_chat_completion("custom", model="other-model")
        reply["id"] = "chatcmpl-custom"
        return reply

    with FakeOpenAIServer(responder) as server:
        reply = ask(make_client(server), response_format={"type": "json_object"})
    assert reply.id == "chatcmpl-custom"
    assert reply.model == "other-model"
    assert seen[0]["response_format"] == {"type": "json_object"}


def test_models_endpoint_lists_the_models() -> None:
    with FakeOpenAIServer(models=["a", "b"]) as server:
        models = make_client(server).models.list()
    assert [model.id for model in models.data] == ["a", "b"]
    assert server.requests[0].method == "GET"


def test_unknown_path_and_bad_body_get_openai_style_errors() -> None:
    with FakeOpenAIServer() as server, httpx2.Client(base_url=server.base_url) as http:
        missing = http.post("/embeddings", json={"input": "x"})
        bad = http.post("/chat/completions", content=b"[1, 2", headers={"content-type": "x"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_url"
    assert bad.status_code == 400
    assert bad.json()["error"]["type"] == "invalid_request_error"


def test_responder_error_gives_500_and_is_kept() -> None:
    def responder(body: dict[str, Any]) -> str:
        raise RuntimeError("boom")

    with FakeOpenAIServer(responder) as server:
        with pytest.raises(openai.InternalServerError):
            ask(make_client(server))
        assert [str(error) for error in server.errors] == ["boom"]


@pytest.mark.parametrize(
    ("fault", "error_class", "status", "code"),
    [
        ("rate_limit_no_header", openai.RateLimitError, 429, "rate_limit_exceeded"),
        ("server_error_500", openai.InternalServerError, 500, None),
        ("server_error_502", openai.InternalServerError, 502, None),
        ("server_error_503", openai.InternalServerError, 503, None),
        ("insufficient_quota", openai.RateLimitError, 429, "insufficient_quota"),
        ("bad_request", openai.BadRequestError, 400, "invalid_value"),
    ],
)
def test_status_faults_raise_the_sdk_error(
    scripted: Any, fault: FaultKind, error_class: type[openai.APIStatusError], status: int,
    code: str | None,
) -> None:  # fmt: skip
    server = scripted(fault)
    with pytest.raises(error_class) as caught:
        ask(make_client(server))
    assert caught.value.status_code == status
    assert caught.value.code == code
    assert "retry-after" not in caught.value.response.headers
    assert server.requests[0].fault == fault
    assert server.fault_counts == {fault: 1}
    assert ask(make_client(server)).choices[0].message.content == EDGE_REPLY


def test_rate_limit_sends_retry_after_seconds(scripted: Any) -> None:
    server = scripted("rate_limit", retry_after_seconds=0.05)
    with pytest.raises(openai.RateLimitError) as caught:
        ask(make_client(server))
    assert caught.value.response.headers["retry-after"] == "0.05"


def test_rate_limit_can_send_retry_after_as_http_date(scripted: Any) -> None:
    server = scripted("rate_limit", retry_after_seconds=0.01, retry_after_http_date=True)
    with pytest.raises(openai.RateLimitError) as caught:
        ask(make_client(server))
    when = email.utils.parsedate_to_datetime(caught.value.response.headers["retry-after"])
    assert 0 <= when.timestamp() - time.time() <= 1.5


def test_sdk_honours_retry_after_when_its_own_retries_are_on(scripted: Any) -> None:
    server = scripted("rate_limit")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=1)
    assert ask(client).choices[0].message.content == EDGE_REPLY
    assert [record.fault for record in server.requests] == ["rate_limit", None]


def test_slow_reply_times_the_client_out(scripted: Any) -> None:
    server = scripted("slow", slow_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        ask(make_client(server, timeout=0.2))
    assert time.monotonic() - started < 0.9


def test_slow_reply_is_answered_when_the_client_waits(scripted: Any) -> None:
    server = scripted("slow", slow_seconds=0.2)
    assert ask(make_client(server)).choices[0].message.content == EDGE_REPLY


def test_slow_reply_can_drop_the_connection(scripted: Any) -> None:
    server = scripted("slow", slow_seconds=0.1, slow_then_drop=True)
    with pytest.raises(openai.APIConnectionError) as caught:
        ask(make_client(server))
    assert not isinstance(caught.value, openai.APITimeoutError)


@pytest.mark.parametrize("before_response", [False, True])
def test_reset_is_a_connection_error(scripted: Any, before_response: bool) -> None:
    server = scripted("reset", reset_before_response=before_response)
    client = make_client(server)
    with pytest.raises(openai.APIConnectionError) as caught:
        ask(client)
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert ask(client).choices[0].message.content == EDGE_REPLY


def test_invalid_json_fault_spoils_the_content(scripted: Any) -> None:
    content = ask(make_client(scripted("invalid_json"))).choices[0].message.content
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)


def test_truncated_fault_reports_length(scripted: Any) -> None:
    choice = ask(make_client(scripted("truncated"))).choices[0]
    assert choice.finish_reason == "length"
    assert choice.message.content == EDGE_REPLY[: len(EDGE_REPLY) // 2]


def test_refusal_fault_sets_refusal_and_no_content(scripted: Any) -> None:
    message = ask(make_client(scripted("refusal"))).choices[0].message
    assert message.content is None
    assert message.refusal


def test_empty_choices_fault(scripted: Any) -> None:
    assert ask(make_client(scripted("empty_choices"))).choices == []


def test_unknown_variable_replaces_a_schema_enum_value(scripted: Any) -> None:
    reply = ask(make_client(scripted("unknown_variable")), response_format=EDGE_SCHEMA)
    data = json.loads(reply.choices[0].message.content)
    assert data == {
        "rationale": "rain wets things",
        "edges": [{"source": "not_a_variable", "target": "wet"}],
    }


def test_unknown_variable_without_schema_uses_names_quoted_in_the_messages() -> None:
    body = {"messages": MESSAGES}
    spoiled = json.loads(replace_variable_name(EDGE_REPLY, body, "ghost"))
    assert spoiled["edges"][0]["source"] == "ghost"
    assert spoiled["rationale"] == "rain wets things"
    assert replace_variable_name("not json", body, "ghost") == "not json"
    assert replace_variable_name('{"a": "x"}', body, "ghost") == '{"a": "ghost"}'


def test_unknown_variable_can_use_a_custom_rewrite(scripted: Any) -> None:
    server = scripted("unknown_variable", mutate_unknown=lambda text: text.replace("wet", "dry"))
    assert "dry" in ask(make_client(server)).choices[0].message.content


def test_rejected_response_format_gets_bad_request() -> None:
    plan = FaultPlan.script(["invalid_json"])
    with FakeOpenAIServer(
        edge_responder, fault_plan=plan, reject_response_formats={"json_schema"}
    ) as server:
        client = make_client(server)
        with pytest.raises(openai.BadRequestError) as caught:
            ask(client, response_format=EDGE_SCHEMA)
        reply = ask(client, response_format={"type": "json_object"})
    assert caught.value.body == {
        "message": "response_format json_schema is not supported",
        "type": "invalid_request_error",
        "param": "response_format",
        "code": None,
    }
    assert reply.choices[0].message.content == EDGE_REPLY
    assert server.rejected_count == 1
    first, second = server.requests
    assert (first.rejected_response_format, first.fault) == ("json_schema", None)
    assert (second.rejected_response_format, second.fault) == (None, None)


def test_requests_are_served_concurrently() -> None:
    latency, calls = 0.3, 6
    with FakeOpenAIServer(edge_responder, latency=latency) as server:
        client = make_client(server)
        started = time.monotonic()
        with ThreadPoolExecutor(calls) as pool:
            replies = list(pool.map(lambda index: ask(client, f"question {index}"), range(calls)))
        elapsed = time.monotonic() - started
    assert len(replies) == calls
    assert server.max_in_flight >= 2
    assert elapsed < calls * latency * 0.7


def test_async_client_requests_overlap() -> None:
    async def run(server: FakeOpenAIServer) -> list[Any]:
        async with openai.AsyncOpenAI(
            base_url=server.base_url, api_key="k", max_retries=0
        ) as client:
            messages: Any = MESSAGES
            calls = [
                client.chat.completions.create(model="m", messages=messages, seed=index)
                for index in range(4)
            ]
            return list(await asyncio.gather(*calls))

    with FakeOpenAIServer(edge_responder, latency=0.2) as server:
        replies = asyncio.run(run(server))
    assert len(replies) == 4
    assert server.max_in_flight >= 2


CAMPAIGN_RATES: dict[FaultKind, float] = {
    "rate_limit": 0.25,
    "server_error_500": 0.15,
    "reset": 0.1,
    "invalid_json": 0.1,
}


def run_campaign(plan: FaultPlan, order: list[int], workers: int) -> dict[str, list[Any]]:
    """Ask every question until it gets an HTTP 200; return each question's fault sequence."""

    attempts = (plan.max_consecutive_faults_per_request or 0) + 1

    def ask_until_answered(client: openai.OpenAI, index: int) -> None:
        for attempt in range(attempts):
            try:
                ask(client, f"question {index}")
                return
            except (openai.APIStatusError, openai.APIConnectionError):
                if attempt == attempts - 1:
                    raise

    with FakeOpenAIServer(edge_responder, fault_plan=plan) as server:
        client = make_client(server)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda index: ask_until_answered(client, index), order))
        requests = server.requests
    sequences: dict[str, list[Any]] = {}
    for record in requests:
        sequences.setdefault(record.body["messages"][0]["content"], []).append(record.fault)
    return sequences


def test_body_keyed_plan_is_deterministic_whatever_the_arrival_order() -> None:
    questions = list(range(12))
    forward = run_campaign(FaultPlan(seed=5, rates=CAMPAIGN_RATES), questions, workers=1)
    backward = run_campaign(FaultPlan(seed=5, rates=CAMPAIGN_RATES), questions[::-1], workers=4)
    assert forward == backward
    faults = [fault for sequence in forward.values() for fault in sequence]
    assert {"rate_limit", "server_error_500"} <= set(faults)
    assert any(sequence[-1] is None for sequence in forward.values())
    other_seed = run_campaign(FaultPlan(seed=6, rates=CAMPAIGN_RATES), questions, workers=1)
    assert other_seed != forward


def test_consecutive_faults_per_request_are_capped() -> None:
    plan = FaultPlan(rates={"server_error_503": 1.0}, max_consecutive_faults_per_request=2)
    sequences = run_campaign(plan, [0, 1, 2], workers=3)
    assert all(sequence == ["server_error_503"] * 2 + [None] for sequence in sequences.values())


def test_messages_keyed_plan_ignores_the_rest_of_the_body() -> None:
    def draws(plan: FaultPlan, bodies: list[dict[str, Any]]) -> list[FaultKind | None]:
        return [plan.decide(body) for body in bodies]

    rates: dict[FaultKind, float] = {"rate_limit": 0.5}
    varied = [{"messages": MESSAGES, "temperature": index} for index in range(12)]
    same = [{"messages": MESSAGES}] * 12
    by_messages = draws(FaultPlan(rates=rates, key="messages"), varied)
    assert by_messages == draws(FaultPlan(rates=rates, key="messages"), same)
    by_body = draws(FaultPlan(rates=rates, key="body"), varied)
    assert by_body == [FaultPlan(rates=rates, key="body").decide(body) for body in varied]


def test_arrival_plan_repeats_with_the_same_seed() -> None:
    def draws(seed: int) -> list[FaultKind | None]:
        plan = FaultPlan(seed, dict.fromkeys(FAULT_KINDS, 0.04), key="arrival")
        return [plan.decide({"messages": [index]}) for index in range(40)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)
    assert any(draws(1))


def test_script_injects_by_arrival_index_then_nothing() -> None:
    plan = FaultPlan.script([None, "truncated", None, "server_error_502"])
    assert [plan.decide({}) for _ in range(6)] == [
        None, "truncated", None, "server_error_502", None, None,
    ]  # fmt: skip


def test_fault_kinds_split_into_transport_and_content() -> None:
    assert set(TRANSPORT_FAULT_KINDS) | set(CONTENT_FAULT_KINDS) == set(FAULT_KINDS)
    assert not set(TRANSPORT_FAULT_KINDS) & set(CONTENT_FAULT_KINDS)
    assert "reset" in TRANSPORT_FAULT_KINDS
    assert "refusal" in CONTENT_FAULT_KINDS


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rates": {"meteor_strike": 0.1}}, "unknown fault kinds"),
        ({"rates": {"rate_limit": 1.5}}, "between 0 and 1"),
        ({"rates": {"rate_limit": 0.6, "reset": 0.6}}, "more than 1"),
        ({"key": "random"}, "key must be one of"),
        ({"script": ["rate_limit", "oops"]}, "unknown fault kinds"),
    ],
)
def test_bad_plans_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultPlan(**options)


def test_close_returns_promptly_with_a_slow_request_in_flight() -> None:
    plan = FaultPlan.script([None, "slow"], slow_seconds=30.0)
    server = FakeOpenAIServer(edge_responder, fault_plan=plan).start()
    client = make_client(server, timeout=60.0)
    ask(client)  # leaves an idle keep-alive connection open
    errors: list[BaseException] = []

    def slow_call() -> None:
        try:
            ask(client)
        except openai.APIConnectionError as error:
            errors.append(error)

    caller = threading.Thread(target=slow_call)
    caller.start()
    deadline = time.monotonic() + 5
    while server.in_flight == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.in_flight == 1
    started = time.monotonic()
    server.close()
    assert time.monotonic() - started < 1.0
    caller.join(5)
    assert not caller.is_alive()
    assert len(errors) == 1
    server.close()  # a second close is harmless
    with pytest.raises(RuntimeError):
        server.start()


def test_base_url_needs_a_started_server() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = FakeOpenAIServer().base_url
