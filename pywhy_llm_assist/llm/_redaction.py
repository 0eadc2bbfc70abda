"""Redaction: the API key never leaves the LLM layer, even when a server echoes it back.

A server (or a proxy in front of it) may repeat the key in an error ("Incorrect API key
provided: sk-..."), in a refusal or in a reply. Everything that crosses the backend boundary
is therefore scrubbed once, where it enters: reply JSON before it is validated, cached or
turned into rationales, and exceptions before their text reaches an error message, a log
line or ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REDACTED = "[REDACTED]"
SECRET_HEADERS = frozenset({"authorization", "api-key", "api_key", "x-api-key"})
MIN_SECRET_LENGTH = 4
"""Shorter values are never treated as secrets: replacing them would mangle ordinary text."""


def redact_text(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every occurrence of each secret in `text` with ``[REDACTED]``."""
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact(value: Any, secrets: tuple[str, ...]) -> Any:
    """Replace every occurrence of each secret (and auth-like headers) in a JSON-like value.

    Example:
        >>> redact({"error": "bad key sk-abc123", "Authorization": "x"}, ("sk-abc123",))
        {'error': 'bad key [REDACTED]', 'Authorization': '[REDACTED]'}
    """
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if str(key).lower() in SECRET_HEADERS else redact(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item, secrets) for item in value]
    return value


def scrub_exception(error: BaseException, secrets: tuple[str, ...]) -> BaseException:
    """Remove the secrets from an exception's text in place (and from its causes); return it.

    Rewrites ``args`` (what ``str`` and ``repr`` show) and the ``message``/``body`` attributes
    of the SDK's API errors, for the error and every exception in its ``__cause__`` and
    ``__context__`` chain.
    """
    if not any(secret and len(secret) >= MIN_SECRET_LENGTH for secret in secrets):
        return error
    seen: set[int] = set()
    current: BaseException | None = error
    pending: list[BaseException] = []
    while current is not None or pending:
        if current is None:
            current = pending.pop()
        if id(current) in seen:
            current = None
            continue
        seen.add(id(current))
        _scrub_one(current, secrets)
        if current.__context__ is not None:
            pending.append(current.__context__)
        current = current.__cause__
    return error


def _scrub_one(error: BaseException, secrets: tuple[str, ...]) -> None:
    try:
        error.args = tuple(redact(argument, secrets) for argument in error.args)
        for name in ("message", "body", "refusal", "content"):
            if name in vars(error):
                setattr(error, name, redact(vars(error)[name], secrets))
    except (AttributeError, TypeError):  # an exception type with read-only attributes
        pass
