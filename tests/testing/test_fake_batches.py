"""The fake server's Batch API (files and batches endpoints) and its simulated prompt cache."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest

from pywhy_llm_assist.testing import FakeOpenAIServer
from pywhy_llm_assist.testing._prompt_cache import PromptCache

SHARED = "An instruction and a long list of variables that every request repeats. " * 4


def line(custom_id: str, content: str, **body: Any) -> str:
    request = {"model": "fake-model", "messages": [{"role": "user", "content": content}], **body}
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": request}
    )


def client_for(server: FakeOpenAIServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0)


def submit(client: openai.OpenAI, lines: list[str]) -> Any:
    data = ("\n".join(lines) + "\n").encode()
    uploaded = client.files.create(file=("input.jsonl", data, "application/jsonl"), purpose="batch")
    assert uploaded.purpose == "batch" and uploaded.bytes == len(data)
    return client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )


def results(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if file_id is None:
        return []
    return [json.loads(text) for text in client.files.content(file_id).content.splitlines()]


def test_a_batch_is_answered_by_the_responder_and_polled_to_completion() -> None:
    def respond(body: dict[str, Any]) -> str:
        content = body["messages"][-1]["content"]
        if "fail" in content:
            raise ValueError("the responder cannot answer this")
        return json.dumps({"echo": content})

    with FakeOpenAIServer(respond, batch_polls=2) as server:
        client = client_for(server)
        batch = submit(client, [line("a", "first"), line("b", "second"), line("c", "fail")])
        assert batch.status == "validating" and batch.output_file_id is None
        assert client.batches.retrieve(batch.id).status == "in_progress"
        assert client.batches.retrieve(batch.id).status == "in_progress"
        done = client.batches.retrieve(batch.id)
        assert done.status == "completed"
        assert done.request_counts is not None
        assert (done.request_counts.total, done.request_counts.completed) == (3, 2)
        assert done.request_counts.failed == 1
        answered = results(client, done.output_file_id)
        failed = results(client, done.error_file_id)
        paths = [record.path for record in server.batch_requests]
    assert [record["custom_id"] for record in answered] == ["a", "b"]
    body = answered[0]["response"]["body"]
    assert answered[0]["response"]["status_code"] == 200 and answered[0]["error"] is None
    assert json.loads(body["choices"][0]["message"]["content"]) == {"echo": "first"}
    assert body["usage"]["prompt_tokens"] == 2  # "first": 5 characters / 4, rounded up
    assert failed[0]["custom_id"] == "c" and failed[0]["response"]["status_code"] == 500
    assert "cannot answer" in failed[0]["response"]["body"]["error"]["message"]
    assert paths == [
        "/v1/files",
        "/v1/batches",
        *[f"/v1/batches/{batch.id}"] * 3,
        f"/v1/files/{done.output_file_id}/content",
        f"/v1/files/{done.error_file_id}/content",
    ]
    assert server.chat_requests == [], "batch lines are not chat requests"


def test_rejected_formats_fail_their_lines_like_a_chat_request() -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
    with FakeOpenAIServer(lambda body: "{}", reject_response_formats=("json_schema",)) as server:
        client = client_for(server)
        batch = submit(client, [line("a", "x", response_format=schema), line("b", "y")])
        done = client.batches.retrieve(client.batches.retrieve(batch.id).id)
        (failed,) = results(client, done.error_file_id)
        (answered,) = results(client, done.output_file_id)
    assert failed["custom_id"] == "a" and failed["response"]["status_code"] == 400
    assert answered["custom_id"] == "b"


@pytest.mark.parametrize(
    "bad_line",
    [
        "not json",
        json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {}}),
        json.dumps({"method": "POST", "url": "/v1/chat/completions", "body": {}}),
    ],
)
def test_an_invalid_input_file_fails_the_whole_batch(bad_line: str) -> None:
    with FakeOpenAIServer(lambda body: "{}", batch_polls=0) as server:
        client = client_for(server)
        batch = submit(client, [line("ok", "x"), bad_line])
        failed = client.batches.retrieve(batch.id)
    assert failed.status == "failed" and failed.output_file_id is None
    assert failed.errors is not None and failed.errors.data
    assert "line 2" in str(failed.errors.data[0].message)


def test_bad_uploads_and_batches_are_refused() -> None:
    with FakeOpenAIServer(lambda body: "{}") as server:
        client = client_for(server)
        with pytest.raises(openai.BadRequestError, match="batch input files only"):
            client.files.create(file=("x.jsonl", b"{}", "application/jsonl"), purpose="user_data")
        with pytest.raises(openai.BadRequestError, match="names no uploaded file"):
            client.batches.create(
                input_file_id="file-missing",
                endpoint="/v1/chat/completions",
                completion_window="24h",
            )
        uploaded = client.files.create(file=("x.jsonl", b"", "application/jsonl"), purpose="batch")
        with pytest.raises(openai.BadRequestError, match="endpoint"):
            client.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/embeddings", completion_window="24h"
            )
        with pytest.raises(openai.NotFoundError):
            client.batches.retrieve("batch-missing")
        with pytest.raises(openai.NotFoundError):
            client.files.content("file-missing")
        response = httpx2.get(server.base_url + "/batches/x/unknown/path")
    assert response.status_code == 404


def test_a_cancelled_batch_answers_nothing() -> None:
    with FakeOpenAIServer(lambda body: "{}", batch_polls=5) as server:
        client = client_for(server)
        batch = submit(client, [line("a", "x")])
        cancelled = client.batches.cancel(batch.id)
        again = client.batches.retrieve(batch.id)
    assert cancelled.status == again.status == "cancelled"
    assert again.output_file_id is None


# ------------------------------------------------------------------ prompt cache
def test_the_prompt_cache_counts_the_prefix_shared_with_earlier_prompts() -> None:
    cache = PromptCache(min_tokens=16, block_tokens=8)
    body = {"messages": [{"role": "user", "content": SHARED + "target one"}]}
    other = {"messages": [{"role": "user", "content": SHARED + "target two"}]}
    assert cache.cached_tokens(body) == 0, "nothing seen yet"
    shared_tokens = len(SHARED) // 4
    cached = cache.cached_tokens(other)
    assert shared_tokens - 8 < cached <= shared_tokens, "whole blocks of the shared part"
    assert cached == 16 + ((cached - 16) // 8) * 8
    different_start = {"messages": [{"role": "user", "content": "target three " + SHARED}]}
    assert cache.cached_tokens(different_start) == 0, "a prompt that starts differently"
    with_schema = {**other, "response_format": {"type": "json_object"}}
    assert cache.cached_tokens(with_schema) == 0, "the reply schema is part of the prefix"
    short = {"messages": [{"role": "user", "content": "short"}]}
    assert cache.cached_tokens(short) == cache.cached_tokens(short) == 0, "below min_tokens"
    cache.clear()
    assert cache.cached_tokens(other) == 0
    with pytest.raises(ValueError):
        PromptCache(min_tokens=0)


def test_the_fake_server_reports_cached_tokens_only_with_a_prompt_cache() -> None:
    cache = PromptCache(min_tokens=16, block_tokens=8)
    with FakeOpenAIServer(lambda body: "{}", prompt_cache=cache) as server:
        client = client_for(server)
        first, second = (
            client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": SHARED + suffix}]
            )
            for suffix in ("one", "two")
        )
    assert first.usage is not None and second.usage is not None
    assert first.usage.prompt_tokens_details is not None
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    assert second.usage.prompt_tokens_details is not None
    assert 0 < (second.usage.prompt_tokens_details.cached_tokens or 0) <= second.usage.prompt_tokens
    with FakeOpenAIServer(lambda body: "{}") as server:
        reply = client_for(server).chat.completions.create(
            model="m", messages=[{"role": "user", "content": SHARED}]
        )
    assert reply.usage is not None and reply.usage.prompt_tokens_details is None
