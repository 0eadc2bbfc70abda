"""Faults of a hostile or broken server, for `FaultPlan`: dripping replies, echoed keys,
junk usage counts and huge replies.

They reproduce what a reliability probe found in the field: a server that sends one byte
every few seconds (read timeouts never fire), a proxy that repeats the API key in its error
("Incorrect API key provided: sk-..."), a refusal or reply quoting the key, usage counts as
text or infinity, and replies of many megabytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._fault_plan import FaultKind, FaultPlan, FaultTarget

BAD_USAGE: dict[str, Any] = {
    "prompt_tokens": "n/a",
    "completion_tokens": float("inf"),
    "total_tokens": -5,
}
"""The ``"bad_usage"`` block: text, infinity and a negative count (JSON ``Infinity``)."""


def drip(target: FaultTarget, plan: FaultPlan, kind: FaultKind) -> None:
    """Send the status line and headers of a normal reply, then its body one byte at a time,
    ``plan.drip_seconds`` apart, until the client gives up or the server closes."""
    body = json.dumps(target.completion()).encode()
    target.send_head(200, len(body))
    for position in range(len(body)):
        if not target.write(body[position : position + 1]) or not target.sleep(plan.drip_seconds):
            target.drop()
            return


def echo_key_error(target: FaultTarget, plan: FaultPlan, kind: FaultKind) -> None:
    """HTTP 401 whose message repeats the key the request sent, as some proxies do."""
    message = f"Incorrect API key provided: {target.api_key()}. You can find your key online."
    target.send_json(
        401,
        {"error": {"message": message, "type": "invalid_request_error", "code": "invalid_api_key"}},
    )


def _message(completion: dict[str, Any]) -> dict[str, Any] | None:
    choices = completion.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        if isinstance(message, dict):
            return message
    return None


def echo_key_reply(
    completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan, api_key: str
) -> None:
    """Append the key to every free-text value (rationale, description, ...) of a JSON reply.

    The reply stays valid (rationales are free text), so the key would reach rationales,
    graph JSON, review pages and reports unless it is redacted on arrival.
    """
    message = _message(completion)
    if message is None or not isinstance(message.get("content"), str):
        return
    names = _names(body)
    try:
        data = json.loads(message["content"])
    except ValueError:
        message["content"] = f"{message['content']} (key {api_key})"
        return
    message["content"] = json.dumps(_append(data, names, f" (key {api_key})"), ensure_ascii=False)


def echo_key_refusal(
    completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan, api_key: str
) -> None:
    """A refusal that quotes the key."""
    message = _message(completion)
    if message is not None:
        message["content"] = None
        message["refusal"] = f"I cannot help with requests made with the key {api_key}."


def bad_usage(
    completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan, api_key: str
) -> None:
    """Replace the usage block with `BAD_USAGE` (the reply itself stays valid)."""
    completion["usage"] = dict(BAD_USAGE)


def huge_reply(
    completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan, api_key: str
) -> None:
    """Replace the content with ``plan.huge_characters`` characters of prose (invalid)."""
    message = _message(completion)
    if message is not None:
        unit = "This is not JSON. "
        message["content"] = (unit * (plan.huge_characters // len(unit) + 1))[
            : plan.huge_characters
        ]


def huge_envelope(
    completion: dict[str, Any], body: Mapping[str, Any], plan: FaultPlan, api_key: str
) -> None:
    """Keep the valid content, add an extra top-level field of ``plan.huge_characters``."""
    completion["padding"] = "x" * plan.huge_characters


def _names(body: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    pending: list[Any] = [body.get("response_format")]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            enum = node.get("enum")
            if isinstance(enum, list):
                found.update(item for item in enum if isinstance(item, str))
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


FREE_TEXT_FIELDS = frozenset({"rationale", "description", "argument", "explanation", "message"})


def _append(data: Any, names: set[str], suffix: str) -> Any:
    if isinstance(data, dict):
        return {
            key: value + suffix
            if key in FREE_TEXT_FIELDS and isinstance(value, str) and value not in names
            else _append(value, names, suffix)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_append(item, names, suffix) for item in data]
    return data
