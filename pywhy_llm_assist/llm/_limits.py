"""Size limits: on replies (before they are validated, echoed in a re-ask or cached) and on
prompts (before they are sent).

A misbehaving server can answer with megabytes; echoing that in a re-ask doubles it with every
round, and caching it fills the disk. A valid reply is bounded by its schema (every list and
string has a maximum), so anything far larger is rejected without being read further.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..core._errors import PromptTooLargeError as PromptTooLargeError

CHARACTERS_PER_TOKEN = 4
"""The usual estimate of characters per token (English text; JSON is close to it)."""
MIN_REPLY_CHARACTERS = 65_536
REPLY_CHARACTERS_PER_TOKEN = 32
"""A reply longer than this many characters per ``max_tokens`` cannot come from the model."""
REASK_ECHO_CHARACTERS = 4_000
"""How much of a rejected reply is sent back in the re-ask (the rest is cut, and said so)."""
ATTEMPT_CHARACTERS = 4_000
"""How much of each rejected reply `InvalidOutputError.attempts` keeps."""
ERROR_CHARACTERS = 1_000
"""How much of a validation error is fed back in a re-ask."""
ENVELOPE_CHARACTERS = 65_536
"""Most characters of a chat completion outside its content before it is slimmed for the cache."""
DEFAULT_MAX_PROMPT_TOKENS = 1_000_000
"""Largest prompt sent in one request (an estimate; the embedded model uses its context size)."""
DEFAULT_MAX_RUN_TOKENS = 20_000_000
"""Most prompt tokens one run may send (an estimate) when no `Budget` says otherwise."""
CUT_MARK = "pywhy_llm_assist_cut"


def estimate_tokens(characters: int) -> int:
    """Estimated tokens of a text of `characters` characters (4 per token, rounded up)."""
    return math.ceil(characters / CHARACTERS_PER_TOKEN)


def prompt_characters(messages: list[dict[str, str]], schema: dict[str, Any]) -> int:
    """Characters of a request's prompt: its messages and the reply schema it carries."""
    return sum(len(message.get("content") or "") for message in messages) + len(
        json.dumps(schema, ensure_ascii=False)
    )


def reply_character_limit(max_tokens: int) -> int:
    """Most characters a reply to a request with `max_tokens` may have."""
    return max(MIN_REPLY_CHARACTERS, REPLY_CHARACTERS_PER_TOKEN * max_tokens)


def cut_text(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else its start and how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit:,} more characters cut]"


def cut_reply(text: str, limit: int) -> str:
    """A rejected reply as echoed in a re-ask: its first `limit` characters.

    The mark says nothing of the full length: a replay, which stored only the start of an
    oversized reply, must build the very same re-ask (and so the same cache key).
    """
    return text if len(text) <= limit else f"{text[:limit]}... [the rest of this reply was cut]"


def bounded_response(response: dict[str, Any], limit: int) -> dict[str, Any]:
    """The chat completion JSON to store: as received, or slimmed when it is oversized.

    A content longer than `limit` is kept to ``limit + 1`` characters, so a replay rejects it
    for its length exactly as the live run did; an oversized envelope (huge extra fields)
    keeps only what the library reads (id, model, usage, the first choice's message).
    """
    choices = response.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices else None
    choice = choice if isinstance(choice, dict) else {}
    message = choice.get("message")
    message = message if isinstance(message, dict) else {}
    content = message.get("content")
    content_size = len(content) if isinstance(content, str) else 0
    if content_size <= limit and _json_size(response) - content_size <= ENVELOPE_CHARACTERS:
        return response
    slim: dict[str, Any] = {
        name: response[name]
        for name in ("id", "object", "created", "model", "usage")
        if name in response and _json_size(response[name]) <= 4_096
    }
    kept_message: dict[str, Any] = {"role": "assistant"}
    for name in ("content", "refusal"):
        value = message.get(name)
        kept_message[name] = value[: limit + 1] if isinstance(value, str) else value
    slim["choices"] = [
        {"index": 0, "message": kept_message, "finish_reason": choice.get("finish_reason")}
    ]
    slim[CUT_MARK] = {"content_characters": content_size, "limit": limit}
    return slim


def _json_size(value: Any) -> int:
    try:
        return len(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError):
        return 0
