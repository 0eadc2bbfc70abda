"""The retry policy: what is retried, how long it waits, and when it gives up."""

from __future__ import annotations

import asyncio
import email.utils
import functools
from typing import Any

import httpx2
import openai
import pytest
from tenacity import AsyncRetrying

from pywhy_llm_assist import RetriesExhaustedError, RetryPolicy
from pywhy_llm_assist.llm import _retry
from pywhy_llm_assist.llm._retry import (
    TransientResponseError,
    call_with_retries,
    error_code,
    is_retryable,
    retry_after_seconds,
)

REQUEST = httpx2.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
FAST = RetryPolicy(max_attempts=4, initial_wait=0.001, max_wait=0.002, jitter=0.0)


def status_error(
    status: int,
    *,
    code: str | None = None,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
) -> openai.APIStatusError:
    body = {"message": f"HTTP {status}", "type": kind, "code": code}
    response = httpx2.Response(status, json={"error": body}, headers=headers, request=REQUEST)
    return openai.APIStatusError(f"HTTP {status}", response=response, body=body)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the waits of the retry loop instead of sleeping."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_retry, "AsyncRetrying", functools.partial(AsyncRetrying, sleep=fake_sleep))
    return recorded


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (openai.APIConnectionError(request=REQUEST), True),
        (openai.APITimeoutError(request=REQUEST), True),
        (TransientResponseError("no choices"), True),
        (status_error(408), True),
        (status_error(409), True),
        (status_error(429), True),
        (status_error(500), True),
        (status_error(502), True),
        (status_error(503), True),
        (status_error(400), False),
        (status_error(401), False),
        (status_error(403), False),
        (status_error(404), False),
        (status_error(422), False),
        (status_error(429, code="insufficient_quota"), False),
        (status_error(429, kind="insufficient_quota"), False),
        (status_error(429, code="billing_hard_limit_reached"), False),
        (ValueError("a bug"), False),
    ],
)
def test_is_retryable(error: BaseException, retried: bool) -> None:
    assert is_retryable(error) is retried


def test_error_code() -> None:
    assert error_code(status_error(429, code="insufficient_quota")) == "insufficient_quota"
    assert error_code(status_error(500)) is None
    assert error_code(ValueError()) is None


def test_retry_after_seconds_number_ms_and_date() -> None:
    assert retry_after_seconds(status_error(429, headers={"Retry-After": "2.5"})) == 2.5
    assert retry_after_seconds(status_error(429, headers={"retry-after-ms": "150"})) == 0.15
    assert retry_after_seconds(status_error(429, headers={"Retry-After": "-3"})) is None
    assert retry_after_seconds(status_error(429)) is None
    assert retry_after_seconds(status_error(429, headers={"Retry-After": "soon"})) is None
    assert retry_after_seconds(ValueError()) is None
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert retry_after_seconds(status_error(429, headers={"Retry-After": date}), now=now) == 42.0
    past = email.utils.formatdate(now - 42, usegmt=True)
    assert retry_after_seconds(status_error(429, headers={"Retry-After": past}), now=now) == 0.0


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def run_calls(policy: RetryPolicy, outcomes: list[Any]) -> tuple[Any, list[BaseException], int]:
    """Call a function raising or returning `outcomes` in turn; give (result, retried, calls)."""
    retried: list[BaseException] = []
    calls = 0

    async def call() -> Any:
        nonlocal calls
        outcome = outcomes[calls]
        calls += 1
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    result = asyncio.run(call_with_retries(policy, call, query="q", on_retry=retried.append))
    return result, retried, calls


def test_retries_then_succeeds(sleeps: list[float]) -> None:
    outcomes = [status_error(500), openai.APITimeoutError(request=REQUEST), "done"]
    result, retried, calls = run_calls(FAST, outcomes)
    assert (result, calls, len(retried), len(sleeps)) == ("done", 3, 2, 2)
    assert all(0 < wait <= FAST.max_wait for wait in sleeps)


def test_retry_after_is_honoured_and_capped(sleeps: list[float]) -> None:
    policy = RetryPolicy(max_attempts=4, initial_wait=5, max_wait=5, jitter=0, retry_after_cap=1.5)
    outcomes = [
        status_error(429, headers={"Retry-After": "0.01"}),
        status_error(429, headers={"Retry-After": "3600"}),
        "done",
    ]
    assert run_calls(policy, outcomes)[0] == "done"
    assert sleeps == [0.01, 1.5]


def test_exponential_backoff_grows_to_max_wait(sleeps: list[float]) -> None:
    policy = RetryPolicy(max_attempts=6, initial_wait=0.1, max_wait=0.4, jitter=0)
    with pytest.raises(RetriesExhaustedError):
        run_calls(policy, [status_error(503)] * 6)
    assert sleeps == [0.1, 0.2, 0.4, 0.4, 0.4]


def test_gives_up_after_max_attempts(sleeps: list[float]) -> None:
    last = status_error(503)
    with pytest.raises(RetriesExhaustedError) as caught:
        run_calls(FAST, [status_error(500), status_error(502), status_error(429), last, "never"])
    error = caught.value
    assert error.attempts == FAST.max_attempts == 4
    assert error.last_error is last
    assert error.__cause__ is last
    assert "gave up after 4 attempts" in str(error) and "HTTP 503" in str(error)
    assert error.query == "q"


def test_gives_up_after_max_total_seconds() -> None:
    policy = RetryPolicy(
        max_attempts=100, initial_wait=0.02, max_wait=0.02, jitter=0, max_total_seconds=0.05
    )
    with pytest.raises(RetriesExhaustedError) as caught:
        run_calls(policy, [status_error(500)] * 100)
    assert 2 <= caught.value.attempts <= 10


@pytest.mark.parametrize("status", [400, 401, 404])
def test_non_retryable_errors_propagate_at_once(sleeps: list[float], status: int) -> None:
    error = status_error(status)
    with pytest.raises(openai.APIStatusError) as caught:
        run_calls(FAST, [error, "never"])
    assert caught.value is error
    assert sleeps == []


def test_insufficient_quota_is_never_retried(sleeps: list[float]) -> None:
    error = status_error(429, code="insufficient_quota", headers={"Retry-After": "0"})
    with pytest.raises(
        openai.RateLimitError if isinstance(error, openai.RateLimitError) else openai.APIStatusError
    ):
        run_calls(FAST, [error, "never"])
    assert sleeps == []
