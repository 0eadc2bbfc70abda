"""The retry policy: which failures are retried, how long to wait, when to give up."""

from __future__ import annotations

import asyncio
import email.utils
import errno
import math
import random
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

import openai
from tenacity import AsyncRetrying, RetryCallState, RetryError, retry_if_exception

from ..core._errors import RetriesExhaustedError

ResultT = TypeVar("ResultT")

RETRYABLE_STATUS = frozenset({408, 409, 429})
NEVER_RETRIED_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})
MIN_ATTEMPT_SECONDS = 0.1
"""No attempt starts with less time than this (or a tenth of the deadline) left."""
NON_FINITE_WORDS = frozenset({"nan", "inf", "infinity"})
REFUSED_ERRNOS = frozenset({errno.ECONNREFUSED})
UNKNOWN_HOST_ERRNOS = frozenset(
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code is not None
)


class TransientResponseError(Exception):
    """A 200 reply that is unusable in a way worth retrying (no choices, body not JSON)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How failures that may pass are retried.

    Retried: connection errors, timeouts, HTTP 408, 409, 429 and 5xx, and 200 replies with no
    choices. Never retried: other 4xx, and 429 with ``insufficient_quota``.

    A refused connection (nothing listens at the URL) or an unknown host is most likely a
    wrong ``base_url``: it is tried `max_refused_attempts` times, not `max_attempts`, so the
    mistake shows within seconds instead of after every backoff.

    Args:
        max_attempts: most requests for one question (first try included).
        initial_wait: first backoff in seconds; it doubles each time, with jitter.
        max_wait: longest single wait in seconds.
        max_total_seconds: deadline for one question, all attempts and waits included: an
            attempt still running then is cancelled.
        retry_after_cap: longest wait accepted from a server's ``Retry-After``.
        jitter: random seconds added to each exponential wait.
        max_refused_attempts: most tries when the connection is refused or the host unknown.
    """

    max_attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 30.0
    max_total_seconds: float = 300.0
    retry_after_cap: float = 60.0
    jitter: float = 1.0
    max_refused_attempts: int = 2

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.max_refused_attempts < 1:
            raise ValueError("RetryPolicy.max_refused_attempts must be at least 1")
        for name in ("initial_wait", "max_wait", "retry_after_cap", "jitter"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"RetryPolicy.{name} must be a finite number of 0 or more")
        if not (math.isfinite(self.max_total_seconds) and self.max_total_seconds > 0):
            raise ValueError("RetryPolicy.max_total_seconds must be a finite number above 0")


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


def is_refused(error: BaseException | None) -> bool:
    """True when nothing could be reached at the URL: connection refused, or an unknown host.

    Looks through the exception's causes (the SDK wraps httpx's error, which wraps the
    ``OSError``).
    """
    seen: set[int] = set()
    current = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return True
        if isinstance(current, socket.gaierror) and current.errno in UNKNOWN_HOST_ERRNOS:
            return True
        if isinstance(current, OSError) and current.errno in REFUSED_ERRNOS:
            return True
        current = current.__cause__ or current.__context__
    return False


def _seconds(text: str, scale: float = 1.0) -> float | None:
    """A finite, non-negative number of seconds, or None (``nan``, ``inf``, ``-5``, junk)."""
    try:
        value = float(text) * scale
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def retry_after_seconds(error: BaseException | None, now: float | None = None) -> float | None:
    """The wait a server asked for (``retry-after-ms`` or ``Retry-After``: seconds or HTTP date).

    A value that is not a finite number of 0 or more (``nan``, ``inf``, ``-5``, junk) counts as
    absent, so the exponential backoff applies; a NaN must never reach ``asyncio.sleep``.
    """
    if not isinstance(error, openai.APIStatusError):
        return None
    headers = error.response.headers
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        asked = _seconds(milliseconds, 0.001)
        if asked is not None:
            return asked
    value = headers.get("retry-after")
    if not value:
        return None
    if _looks_numeric(value):
        return _seconds(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    current = now if now is not None else time.time()
    try:
        seconds = (moment - datetime.fromtimestamp(current, timezone.utc)).total_seconds()
    except OverflowError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _looks_numeric(value: str) -> bool:
    text = value.strip().lower().lstrip("+-")
    return bool(text) and (text[0].isdigit() or text[0] == "." or text in NON_FINITE_WORDS)


class _Clock:
    """The deadline of one question: `max_total_seconds` from its first attempt."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.deadline = time.monotonic() + policy.max_total_seconds

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)


def _planned_wait(policy: RetryPolicy, state: RetryCallState, jitter: float = 0.0) -> float:
    """The wait before the next attempt: the server's ``Retry-After`` (capped), else
    exponential backoff plus `jitter`, at most ``max_wait``."""
    error = state.outcome.exception() if state.outcome else None
    asked = retry_after_seconds(error)
    if asked is not None:
        return min(asked, policy.retry_after_cap)
    # Exponential backoff with jitter, computed here: tenacity's wait_exponential_jitter
    # renamed its arguments across versions (a DeprecationWarning on tenacity 9).
    exponential = policy.initial_wait * 2.0 ** min(state.attempt_number - 1, 60)
    return min(exponential + jitter, policy.max_wait)


def _least_attempt(policy: RetryPolicy) -> float:
    return min(MIN_ATTEMPT_SECONDS, policy.max_total_seconds / 10)


def _wait_for(policy: RetryPolicy, clock: _Clock) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        chosen = _planned_wait(policy, state, random.uniform(0, policy.jitter))
        if not math.isfinite(chosen):  # defensive: a NaN timer breaks asyncio's timer heap
            chosen = policy.max_wait
        # Never sleep into the time the next attempt needs (see `_stop_for`).
        return max(0.0, min(chosen, clock.remaining() - _least_attempt(policy)))

    return wait


def _stop_for(policy: RetryPolicy, clock: _Clock) -> Callable[[RetryCallState], bool]:
    def stop(state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if state.attempt_number >= policy.max_attempts:
            return True
        if is_refused(error) and state.attempt_number >= policy.max_refused_attempts:
            return True
        # Waiting longer than the time left would only end in the deadline: stop now, and
        # name the last error rather than a deadline.
        return clock.remaining() - _planned_wait(policy, state) < _least_attempt(policy)

    return stop


class _DeadlineReached(Exception):
    """The question's `max_total_seconds` ran out during an attempt."""


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
    clock = _Clock(policy)

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None:
            error = state.outcome.exception()
            if error is not None:
                on_retry(error)

    # tenacity's own stop_after_delay is checked only between attempts; the deadline here
    # also bounds the attempt in flight and every wait (clipped to the time left).
    retrying = AsyncRetrying(
        stop=_stop_for(policy, clock),
        wait=_wait_for(policy, clock),
        retry=retry_if_exception(is_retryable),
        before_sleep=before_sleep,
        reraise=False,
    )
    last: BaseException | None = None
    try:
        async for attempt in retrying:
            with attempt:
                attempts += 1
                try:
                    return await asyncio.wait_for(call(), clock.remaining())
                except asyncio.TimeoutError:
                    if clock.remaining() > 0:
                        raise  # the call's own timeout, not the question's deadline
                    raise _DeadlineReached() from None
    except RetryError as failure:
        last = failure.last_attempt.exception()
        reason = ""
        if is_refused(last) and attempts < policy.max_attempts:
            reason = " (nothing answers at that address: is the server running and the URL right?)"
        raise RetriesExhaustedError(
            f"{query}: gave up after {attempts} attempts{reason}; last error: {_describe(last)}",
            query=query,
            attempts=attempts,
            last_error=last,
        ) from last
    except _DeadlineReached:
        raise RetriesExhaustedError(
            f"{query}: gave up after {attempts} attempts: the time limit of "
            f"{policy.max_total_seconds:g} s for one question ran out"
            + (f"; last error before that: {_describe(last)}" if last is not None else ""),
            query=query,
            attempts=attempts,
            last_error=None,
        ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "unknown"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code} {error.message}"
    return f"{type(error).__name__}: {error}"
