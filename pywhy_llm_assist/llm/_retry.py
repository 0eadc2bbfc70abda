"""The retry policy: which failures are retried, how long to wait, when to give up."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from ..core._errors import RetriesExhaustedError

ResultT = TypeVar("ResultT")

RETRYABLE_STATUS = frozenset({408, 409, 429})
NEVER_RETRIED_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})


class TransientResponseError(Exception):
    """A 200 reply that is unusable in a way worth retrying (no choices, body not JSON)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How failures that may pass are retried.

    Retried: connection errors, timeouts, HTTP 408, 409, 429 and 5xx, and 200 replies with no
    choices. Never retried: other 4xx, and 429 with ``insufficient_quota``.

    Args:
        max_attempts: most requests for one question (first try included).
        initial_wait: first backoff in seconds; it doubles each time, with jitter.
        max_wait: longest single wait in seconds.
        max_total_seconds: give up once this much time has passed since the first try.
        retry_after_cap: longest wait accepted from a server's ``Retry-After``.
        jitter: random seconds added to each exponential wait.
    """

    max_attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 30.0
    max_total_seconds: float = 300.0
    retry_after_cap: float = 60.0
    jitter: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")


def error_code(error: BaseException) -> str | None:
    """The OpenAI error code of an API error (``insufficient_quota``, ...), if any."""
    if isinstance(error, openai.APIError):
        code = getattr(error, "code", None)
        if code:
            return str(code)
        body = error.body
        if isinstance(body, dict):
            nested = body.get("error", body)
            if isinstance(nested, dict) and nested.get("code"):
                return str(nested["code"])
    return None


def is_retryable(error: BaseException) -> bool:
    """True for failures that may pass on their own."""
    if isinstance(error, openai.APIConnectionError | TransientResponseError):
        return True  # APITimeoutError is a subclass of APIConnectionError
    if isinstance(error, openai.APIStatusError):
        if error_code(error) in NEVER_RETRIED_CODES or error.type in NEVER_RETRIED_CODES:
            return False  # some servers name the quota error only in "type"
        return error.status_code in RETRYABLE_STATUS or error.status_code >= 500
    return False


def retry_after_seconds(error: BaseException | None, now: float | None = None) -> float | None:
    """The wait a server asked for (``retry-after-ms`` or ``Retry-After``: seconds or HTTP date)."""
    if not isinstance(error, openai.APIStatusError):
        return None
    headers = error.response.headers
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(float(milliseconds) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    current = now if now is not None else time.time()
    return max((moment - datetime.fromtimestamp(current, timezone.utc)).total_seconds(), 0.0)


def _wait_for(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after_seconds(error)
        if asked is not None:
            return min(asked, policy.retry_after_cap)
        # Exponential backoff with jitter, computed here: tenacity's wait_exponential_jitter
        # renamed its arguments across versions (a DeprecationWarning on tenacity 9).
        exponential = policy.initial_wait * 2.0 ** min(state.attempt_number - 1, 60)
        return max(0.0, min(exponential + random.uniform(0, policy.jitter), policy.max_wait))

    return wait


async def call_with_retries(
    policy: RetryPolicy,
    call: Callable[[], Awaitable[ResultT]],
    *,
    query: str,
    on_retry: Callable[[BaseException], None] | None = None,
) -> ResultT:
    """Await `call()`, retrying per `policy`; raise `RetriesExhaustedError` when it runs out.

    Non-retryable errors propagate unchanged at once.
    """
    attempts = 0

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None:
            error = state.outcome.exception()
            if error is not None:
                on_retry(error)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_after_delay(policy.max_total_seconds),
        wait=_wait_for(policy),
        retry=retry_if_exception(is_retryable),
        before_sleep=before_sleep,
        reraise=False,
    )
    try:
        async for attempt in retrying:
            with attempt:
                attempts += 1
                return await call()
    except RetryError as failure:
        last = failure.last_attempt.exception()
        raise RetriesExhaustedError(
            f"{query}: gave up after {attempts} attempts; last error: {_describe(last)}",
            query=query,
            attempts=attempts,
            last_error=last,
        ) from last
    raise AssertionError("unreachable")  # pragma: no cover


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "unknown"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code} {error.message}"
    return f"{type(error).__name__}: {error}"
