"""A seeded plan of faults for `FakeOpenAIServer`: which request fails, and how.

A `FaultPlan` decides, for each chat completion request, whether to inject a fault and which
one. Transport faults (429, 5xx, slow replies, connection resets, non-retryable 4xx) replace
the reply, acting through a `FaultTarget` (the server's request handler); content faults
(invalid JSON, an unknown variable name, a truncated reply, a refusal, no choices) spoil an
otherwise normal HTTP 200 chat completion JSON. Both are dispatched from tables kept here;
the HTTP machinery lives in `_fake_server`.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol, get_args

from . import _hostile_faults as hostile

FaultKind = Literal[
    "rate_limit",
    "rate_limit_no_header",
    "server_error_500",
    "server_error_502",
    "server_error_503",
    "slow",
    "reset",
    "insufficient_quota",
    "bad_request",
    "drip",
    "echo_key_error",
    "invalid_json",
    "unknown_variable",
    "truncated",
    "refusal",
    "empty_choices",
    "echo_key_reply",
    "echo_key_refusal",
    "bad_usage",
    "huge_reply",
    "huge_envelope",
]
"""Every fault the fake server can inject."""

FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
"""All fault kinds, transport faults first."""

TRANSPORT_FAULT_KINDS: tuple[FaultKind, ...] = FAULT_KINDS[:11]
"""Faults that replace the HTTP reply (status errors, slow or dripping replies, dropped
connections, an error that echoes the API key)."""

CONTENT_FAULT_KINDS: tuple[FaultKind, ...] = FAULT_KINDS[11:]
"""Faults that keep HTTP 200 but spoil the chat completion it carries."""

KeyMode = Literal["body", "messages", "arrival"]
"""How a `FaultPlan` makes its per-request draw (see `FaultPlan`)."""

ContentFault = Callable[[dict[str, Any], Mapping[str, Any], "FaultPlan", str], None]
TransportFault = Callable[["FaultTarget", "FaultPlan", FaultKind], None]

_JSON_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')


class FaultTarget(Protocol):
    """What a transport fault can do to the request it spoils (the server's request handler)."""

    def send_json(
        self, status: int, payload: object, extra_headers: Mapping[str, str] | None = None
    ) -> None:
        """Send a complete JSON reply."""

    def send_partial(self, status: int, data: bytes) -> None:
        """Send headers announcing ``len(data)`` bytes, then only the first half of ``data``."""

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server closes first; returns False if it did."""

    def drop(self) -> None:
        """Close the connection without a reply."""

    def reset(self) -> None:
        """Abort the connection with a TCP reset."""

    def reply(self, content_fault: FaultKind | None) -> None:
        """Send the normal reply, spoiled by ``content_fault`` if given."""

    def completion(self) -> dict[str, Any]:
        """The normal chat completion JSON for this request (not sent)."""

    def send_head(self, status: int, length: int) -> None:
        """Send the status line and headers of a JSON reply of ``length`` bytes."""

    def write(self, data: bytes) -> bool:
        """Send raw body bytes; returns False if the client went away."""

    def api_key(self) -> str:
        """The key the request sent (its ``Authorization: Bearer`` value), or ``""``."""


def error_body(
    message: str,
    error_type: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """Build an OpenAI-style error JSON: ``{"error": {message, type, param, code}}``.

    Example:
        >>> error_body("no", param="messages")["error"]["param"]
        'messages'
    """
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


_RATE_LIMIT_BODY = error_body(
    "Rate limit reached for requests.", "requests", None, "rate_limit_exceeded"
)

_QUOTA = ("insufficient_quota", None, "insufficient_quota")
_BAD_MESSAGES = ("invalid_request_error", "messages", "invalid_value")
_CANNED_ERRORS: dict[FaultKind, tuple[int, dict[str, Any]]] = {
    "rate_limit_no_header": (429, _RATE_LIMIT_BODY),
    "server_error_500": (500, error_body("The server had an error.", "server_error")),
    "server_error_502": (502, error_body("Bad gateway.", "server_error")),
    "server_error_503": (503, error_body("The engine is currently overloaded.", "server_error")),
    "insufficient_quota": (429, error_body("You exceeded your current quota.", *_QUOTA)),
    "bad_request": (400, error_body("Invalid 'messages' (fault injected).", *_BAD_MESSAGES)),
}
"""Error replies that need no more than a status and a body, by fault kind."""


class FaultPlan:
    """Decide, per request, which fault (if any) the fake server injects.

    Four ways to decide:

    - ``key="body"`` (default): the draw for a request is a hash of ``(seed, the canonical JSON
      of the whole request body, the attempt number for that same body)``. The same logical
      request gets the same sequence of faults over its retries, whatever order concurrent
      requests arrive in.
    - ``key="messages"``: as ``"body"`` but only ``body["messages"]`` is hashed.
    - ``key="arrival"``: one ``random.Random(seed)`` draws in arrival order (deterministic only
      for sequential clients).
    - `FaultPlan.script`: an explicit list of faults by arrival index; later requests get none.

    ``max_consecutive_faults_per_request`` (default 2, ``None`` for no limit) caps how many
    faults in a row the same request key (same body, or same messages) can get: after that
    many, its next attempt is served without any fault and the count restarts. So a client
    that makes ``cap + 1`` attempts of the same request (``cap`` retries) always gets a clean
    reply, whatever the rates. Content faults count towards the cap too. In ``"arrival"`` mode
    the cap is counted per whole body. Scripts ignore the cap.

    Args:
        seed: Seed of every draw.
        rates: Probability of each fault kind per request; they must sum to at most 1.
        key: How draws are made: ``"body"``, ``"messages"`` or ``"arrival"``.
        max_consecutive_faults_per_request: Cap on faults in a row per request key.
        retry_after_seconds: Value of the ``Retry-After`` header on ``"rate_limit"`` replies.
        retry_after_http_date: Send ``Retry-After`` as an HTTP date (whole seconds, rounded up
            from now + ``retry_after_seconds``) instead of a number of seconds.
        retry_after_header: Send this exact ``Retry-After`` text on ``"rate_limit"`` replies
            (``"nan"``, ``"-5"``, ...) instead of ``retry_after_seconds``.
        slow_seconds: How long a ``"slow"`` request sleeps before it is answered or dropped.
        drip_seconds: Pause between the bytes of a ``"drip"`` reply.
        huge_characters: Size of a ``"huge_reply"`` content or ``"huge_envelope"`` field.
        slow_then_drop: After a ``"slow"`` sleep, close the connection instead of answering.
        reset_before_response: On ``"reset"``, close without sending anything; by default the
            server sends the status line, headers and half of the body, then resets.
        unknown_name: Name that ``"unknown_variable"`` puts in place of a real variable.
        mutate_unknown: Replaces the default ``"unknown_variable"`` rewrite: takes the reply
            content, returns the spoiled content.
        script: An explicit fault per arrival index; prefer `FaultPlan.script`.

    Example:
        >>> plan = FaultPlan(seed=1, rates={"rate_limit": 0.2, "invalid_json": 0.1})
        >>> plan.decide({"messages": [{"role": "user", "content": "hi"}]}) in (None, *FAULT_KINDS)
        True
    """

    def __init__(
        self,
        seed: int = 0,
        rates: Mapping[FaultKind, float] | None = None,
        *,
        key: KeyMode = "body",
        max_consecutive_faults_per_request: int | None = 2,
        retry_after_seconds: float = 0.02,
        retry_after_http_date: bool = False,
        retry_after_header: str | None = None,
        slow_seconds: float = 2.0,
        drip_seconds: float = 2.0,
        huge_characters: int = 5_000_000,
        slow_then_drop: bool = False,
        reset_before_response: bool = False,
        unknown_name: str = "not_a_variable",
        mutate_unknown: Callable[[str], str] | None = None,
        script: Sequence[FaultKind | None] | None = None,
    ) -> None:
        self.seed = seed
        self.rates: dict[FaultKind, float] = dict(rates or {})
        _check_rates(self.rates)
        if key not in get_args(KeyMode):
            raise ValueError(f"key must be one of {get_args(KeyMode)}, not {key!r}")
        if script is not None:
            _check_kinds(fault for fault in script if fault is not None)
        self.key: KeyMode = key
        self.max_consecutive_faults_per_request = max_consecutive_faults_per_request
        self.retry_after_seconds = retry_after_seconds
        self.retry_after_http_date = retry_after_http_date
        self.retry_after_header = retry_after_header
        self.slow_seconds = slow_seconds
        self.drip_seconds = drip_seconds
        self.huge_characters = huge_characters
        self.slow_then_drop = slow_then_drop
        self.reset_before_response = reset_before_response
        self.unknown_name = unknown_name
        self.mutate_unknown = mutate_unknown
        self._script: list[FaultKind | None] | None = None if script is None else list(script)
        self._lock = threading.Lock()
        self._arrivals = 0
        self._arrival_random = random.Random(seed)
        self._attempts: dict[str, int] = {}
        self._consecutive: dict[str, int] = {}

    @classmethod
    def script(cls, faults: Sequence[FaultKind | None], **options: Any) -> FaultPlan:
        """Build a plan that injects ``faults[i]`` into the i-th chat completion request.

        Args:
            faults: One entry per arriving request; ``None`` means no fault. Requests after the
                end of the list get no fault.
            options: Any keyword option of `FaultPlan` (``retry_after_seconds``, ...).

        Example:
            >>> plan = FaultPlan.script([None, "rate_limit"])
            >>> [plan.decide({}) for _ in range(3)]
            [None, 'rate_limit', None]
        """
        return cls(script=faults, **options)

    def decide(self, body: Mapping[str, Any]) -> FaultKind | None:
        """Return the fault to inject into this request, or ``None``; thread-safe.

        Args:
            body: The parsed JSON body of a chat completion request.
        """
        with self._lock:
            index = self._arrivals
            self._arrivals += 1
            if self._script is not None:
                return self._script[index] if index < len(self._script) else None
            request_key = _canonical_json(body.get("messages") if self.key == "messages" else body)
            attempt = self._attempts.get(request_key, 0)
            self._attempts[request_key] = attempt + 1
            if self.key == "arrival":
                draw = self._arrival_random.random()
            else:
                digest = hashlib.sha256(_canonical_json([self.seed, request_key, attempt]).encode())
                draw = int.from_bytes(digest.digest()[:8], "big") / 2**64
            consecutive = self._consecutive.get(request_key, 0)
            limit = self.max_consecutive_faults_per_request
            fault = None if limit is not None and consecutive >= limit else self._pick(draw)
            self._consecutive[request_key] = 0 if fault is None else consecutive + 1
            return fault

    def apply_transport_fault(self, kind: FaultKind, target: FaultTarget) -> None:
        """Answer a request with a transport fault (an error status, a slow reply, a reset).

        Args:
            kind: One of `TRANSPORT_FAULT_KINDS`.
            target: The request handler to act on.
        """
        _TRANSPORT_FAULTS[kind](target, self, kind)

    def apply_content_fault(
        self,
        kind: FaultKind,
        completion: dict[str, Any],
        body: Mapping[str, Any],
        api_key: str = "",
    ) -> None:
        """Spoil a chat completion JSON in place with a content fault.

        Args:
            kind: One of `CONTENT_FAULT_KINDS`.
            completion: The ``chat.completion`` JSON about to be sent.
            body: The request body it answers (used to find variable names).
            api_key: The key the request sent (the ``echo_key_*`` faults repeat it).
        """
        _CONTENT_FAULTS[kind](completion, body, self, api_key)

    def _pick(self, draw: float) -> FaultKind | None:
        cumulative = 0.0
        for kind, rate in self.rates.items():
            cumulative += rate
            if draw < cumulative:
                return kind
        return None


def _check_kinds(kinds: Iterable[str]) -> None:
    unknown = sorted(set(kinds) - set(FAULT_KINDS))
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; known kinds: {list(FAULT_KINDS)}")


def _check_rates(rates: Mapping[FaultKind, float]) -> None:
    _check_kinds(list(rates))
    for kind, rate in rates.items():
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate of {kind!r} must be between 0 and 1, not {rate}")
    if sum(rates.values()) > 1.0 + 1e-9:
        raise ValueError(f"fault rates sum to {sum(rates.values())}, more than 1")


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _first_message(completion: dict[str, Any]) -> dict[str, Any] | None:
    choices = completion.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        if isinstance(message, dict):
            return message
    return None


def _invalid_json(completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan) -> None:
    """Drop the closing bracket of a JSON reply (or prefix ``{`` to anything else)."""
    message = _first_message(completion)
    if message is None:
        return
    content = str(message.get("content") or "").rstrip()
    message["content"] = content[:-1] if content.endswith(("}", "]")) else "{" + content


def _truncated(completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan) -> None:
    """Cut the content in half and report ``finish_reason: "length"``."""
    message = _first_message(completion)
    if message is None:
        return
    content = str(message.get("content") or "")
    message["content"] = content[: len(content) // 2]
    completion["choices"][0]["finish_reason"] = "length"


def _refusal(completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan) -> None:
    """Replace the content with a refusal (``content: null``, ``refusal`` set)."""
    message = _first_message(completion)
    if message is None:
        return
    message["content"] = None
    message["refusal"] = "I'm sorry, but I can't help with that request."


def _empty_choices(completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan) -> None:
    """Send no choices at all."""
    completion["choices"] = []


def _unknown_variable(completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan) -> None:
    """Put a name the request never mentioned where a variable name was."""
    message = _first_message(completion)
    if message is None or not isinstance(message.get("content"), str):
        return
    content: str = message["content"]
    if plan.mutate_unknown is not None:
        message["content"] = plan.mutate_unknown(content)
    else:
        message["content"] = replace_variable_name(content, body, plan.unknown_name)


def replace_variable_name(content: str, body: Mapping[str, Any], unknown_name: str) -> str:
    """Return JSON ``content`` with its first variable-name value replaced by ``unknown_name``.

    This is the default ``"unknown_variable"`` fault. Candidate names are the strings of every
    ``enum`` in the request's ``response_format`` JSON schema or, if it has none, the quoted
    JSON strings inside the request messages (prompts pass variable names as JSON data). The
    first string *value* of the reply (depth first, in document order) that is a candidate is
    replaced; if none is, the first string value of all is. Object keys are never touched.
    Content that is not JSON, or that holds no string value, comes back unchanged.

    Args:
        content: The assistant message content.
        body: The request body.
        unknown_name: The name to put in.

    Example:
        >>> body = {"messages": [{"role": "user", "content": 'Variables: ["rain", "wet"]'}]}
        >>> replace_variable_name('{"cause": "rain", "effect": "wet"}', body, "x")
        '{"cause": "x", "effect": "wet"}'
    """
    try:
        data = json.loads(content)
    except ValueError:
        return content
    candidates = _schema_enum_strings(body.get("response_format")) or _quoted_strings(body)
    replaced, data = _replace_first(data, lambda text: text in candidates, unknown_name)
    if not replaced:
        replaced, data = _replace_first(data, lambda text: True, unknown_name)
    return json.dumps(data, ensure_ascii=False) if replaced else content


def _replace_first(
    data: object, matches: Callable[[str], bool], replacement: str
) -> tuple[bool, object]:
    if isinstance(data, str):
        return (True, replacement) if matches(data) else (False, data)
    children: list[tuple[Any, object]]
    if isinstance(data, dict):
        children = list(data.items())
    elif isinstance(data, list):
        children = list(enumerate(data))
    else:
        return False, data
    for position, child in children:
        replaced, new_child = _replace_first(child, matches, replacement)
        if replaced:
            data[position] = new_child
            return True, data
    return False, data


def _schema_enum_strings(schema: object) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        enum = schema.get("enum")
        if isinstance(enum, list):
            found.update(item for item in enum if isinstance(item, str))
        for value in schema.values():
            found |= _schema_enum_strings(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _schema_enum_strings(value)
    return found


def _quoted_strings(body: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for text in message_texts(body.get("messages")):
        for literal in _JSON_STRING_LITERAL.findall(text):
            try:
                found.add(json.loads(literal))
            except ValueError:
                continue
    return found


def message_texts(messages: object) -> list[str]:
    """Return the text of every message (string content or text parts), in order.

    Args:
        messages: The ``messages`` list of a chat completion request.

    Example:
        >>> message_texts([{"role": "user", "content": [{"type": "text", "text": "hi"}]}])
        ['hi']
    """
    texts: list[str] = []
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(
                part["text"]
                for part in content
                if isinstance(part, dict) and isinstance(part.get("text"), str)
            )
    return texts


def _keyless(fault: Callable[[dict[str, Any], Mapping[str, Any], FaultPlan], None]) -> ContentFault:
    return lambda completion, body, plan, api_key: fault(completion, body, plan)


_CONTENT_FAULTS: dict[FaultKind, ContentFault] = {
    "invalid_json": _keyless(_invalid_json),
    "unknown_variable": _keyless(_unknown_variable),
    "truncated": _keyless(_truncated),
    "refusal": _keyless(_refusal),
    "empty_choices": _keyless(_empty_choices),
    "echo_key_reply": hostile.echo_key_reply,
    "echo_key_refusal": hostile.echo_key_refusal,
    "bad_usage": hostile.bad_usage,
    "huge_reply": hostile.huge_reply,
    "huge_envelope": hostile.huge_envelope,
}


def _rate_limit(target: FaultTarget, plan: FaultPlan, kind: FaultKind) -> None:
    """429 with ``Retry-After`` in seconds (or as an HTTP date)."""
    if plan.retry_after_header is not None:
        retry_after = plan.retry_after_header
    elif plan.retry_after_http_date:
        when = math.ceil(time.time() + plan.retry_after_seconds)
        retry_after = email.utils.formatdate(when, usegmt=True)
    else:
        retry_after = f"{plan.retry_after_seconds:g}"
    target.send_json(429, _RATE_LIMIT_BODY, {"Retry-After": retry_after})


def _canned_error(target: FaultTarget, plan: FaultPlan, kind: FaultKind) -> None:
    """A fixed OpenAI-style error reply (see ``_CANNED_ERRORS``)."""
    status, payload = _CANNED_ERRORS[kind]
    target.send_json(status, payload)


def _slow(target: FaultTarget, plan: FaultPlan, kind: FaultKind) -> None:
    """Sleep ``plan.slow_seconds``, then answer normally (or drop the connection)."""
    if not target.sleep(plan.slow_seconds) or plan.slow_then_drop:
        target.drop()
    else:
        target.reply(None)


def _reset(target: FaultTarget, plan: FaultPlan, kind: FaultKind) -> None:
    """Reset the connection: before any byte, or after the headers and half the body."""
    if not plan.reset_before_response:
        target.send_partial(200, b'{"id": "chatcmpl-reset", "object": "chat.completion"}')
    target.reset()


_TRANSPORT_FAULTS: dict[FaultKind, TransportFault] = {
    "rate_limit": _rate_limit,
    "slow": _slow,
    "reset": _reset,
    "drip": hostile.drip,
    "echo_key_error": hostile.echo_key_error,
    **{kind: _canned_error for kind in _CANNED_ERRORS},
}
