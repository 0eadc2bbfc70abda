"""A scripted test double: answers chat requests from a queue or a function, and records them."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

from pydantic import BaseModel

from ..llm._backends import ChatRequest

ScriptedReply: TypeAlias = "BaseModel | dict[str, Any] | str | BaseException | RawResponse"


class RawResponse(dict[str, Any]):
    """A complete chat.completion JSON to return as-is (see `completion`)."""


def completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    model: str = "scripted",
    prompt_tokens: int = 0,
    completion_tokens: int | None = None,
) -> RawResponse:
    """Build a chat.completion JSON with one choice (completion tokens default to length // 4).

    Example:
        >>> completion('{"causes": []}')["choices"][0]["finish_reason"]
        'stop'
    """
    if completion_tokens is None:
        completion_tokens = len(content or "") // 4
    return RawResponse(
        {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


class ScriptedModel:
    """A model that answers from a script: for your tests, and for ours.

    Give it queued replies, a function of the request, or both (the queue is used first).
    A reply may be a pydantic object or a dict (sent as JSON), a string (sent as is), an
    exception (raised, e.g. an ``openai.RateLimitError``), or a `RawResponse`. Every request
    is recorded in `requests`.

    Args:
        replies: replies to give, in order.
        respond: called with each `ChatRequest` once the queue is empty; ``request.query``
            holds the task, template inputs and the variables asked about.
        latency: seconds to wait before each reply (for concurrency tests).

    Example:
        >>> from pywhy_llm_assist import Assistant
        >>> model = ScriptedModel(respond=lambda request: {"causes": []})
        >>> assistant = Assistant("scripted", client=model, cache_mode="off")
        >>> assistant.suggest_graph(["rain", "wet grass"], strategy="per_node").edge_pairs
        []
        >>> len(model.requests)
        2
    """

    base_url = "scripted"
    secrets: tuple[str, ...] = ()

    def __init__(
        self,
        replies: Iterable[ScriptedReply] = (),
        *,
        respond: Callable[[ChatRequest], ScriptedReply] | None = None,
        latency: float = 0.0,
    ) -> None:
        self._queue: deque[ScriptedReply] = deque(replies)
        self._respond = respond
        self._latency = latency
        self._lock = threading.Lock()
        self.requests: list[ChatRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0

    @asynccontextmanager
    async def session(self) -> AsyncIterator[ScriptedModel]:
        """This model is its own session."""
        yield self

    async def complete(self, request: ChatRequest) -> dict[str, Any]:
        """Record `request` and return the next scripted reply as chat.completion JSON."""
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            reply = self._queue.popleft() if self._queue else None
        try:
            if self._latency:
                await asyncio.sleep(self._latency)
            if reply is None:
                if self._respond is None:
                    raise AssertionError(
                        f"ScriptedModel ran out of replies at request {len(self.requests)} "
                        f"({request.query.describe() if request.query else 'no query'})"
                    )
                reply = self._respond(request)
            return _as_response(reply, request.model)
        finally:
            with self._lock:
                self.in_flight -= 1

    @property
    def remaining(self) -> int:
        """Replies still queued."""
        return len(self._queue)


def _as_response(reply: ScriptedReply, model: str) -> dict[str, Any]:
    if isinstance(reply, BaseException):
        raise reply
    if isinstance(reply, RawResponse):
        return dict(reply)
    if isinstance(reply, BaseModel):
        return dict(completion(reply.model_dump_json(), model=model))
    if isinstance(reply, dict):
        return dict(completion(json.dumps(reply, ensure_ascii=False), model=model))
    return dict(completion(str(reply), model=model))
