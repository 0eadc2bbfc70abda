"""Usage accounting: calls, cache hits, tokens, retries and re-asks."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import BaseModel, ConfigDict

from ._errors import BudgetExceededError
from ._text import counted


class Usage(BaseModel):
    """What a run (or an assistant over its lifetime) cost.

    Attributes:
        calls: requests answered by the server (cache hits not counted).
        cache_hits: answers taken from the cache instead of the server.
        prompt_tokens: tokens sent, as the server counted them.
        cached_prompt_tokens: the part of `prompt_tokens` the server took from its prompt
            cache (``usage.prompt_tokens_details.cached_tokens``), billed or computed at a
            fraction; 0 when the server does not say.
        completion_tokens: tokens received, as the server counted them.
        retries: requests repeated after a retryable failure.
        reasks: follow-up requests made because a reply failed validation.
        unknown_usage: calls whose server reported no usable token counts (text, infinity,
            negative or absurd numbers); their tokens are missing from the totals.
    """

    model_config = ConfigDict(extra="forbid")

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    reasks: int = 0
    unknown_usage: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            **{name: getattr(self, name) + getattr(other, name) for name in type(self).model_fields}
        )

    def summary(self) -> str:
        """One line for humans.

        Example:
            >>> print(Usage(calls=3, cache_hits=1, prompt_tokens=1204, cached_prompt_tokens=1024,
            ...             completion_tokens=310))
            3 calls, 1 cache hit, 1,204 prompt (1,024 cached) + 310 completion tokens
        """
        text = (
            f"{counted(self.calls, 'call')}, {counted(self.cache_hits, 'cache hit')}, "
            f"{self.prompt_tokens:,} prompt ({self.cached_prompt_tokens:,} cached) + "
            f"{self.completion_tokens:,} completion tokens"
        )
        if self.retries:
            text += f", {counted(self.retries, 'retry', 'retries')}"
        if self.reasks:
            text += f", {counted(self.reasks, 're-ask')}"
        if self.unknown_usage:
            text += f", {counted(self.unknown_usage, 'call')} without token counts"
        return text

    def __str__(self) -> str:
        return self.summary()


def cached_prompt_tokens(usage: object) -> int:
    """The cached prompt tokens a chat.completion's ``usage`` reports; 0 when absent or malformed.

    Reads OpenAI's ``prompt_tokens_details.cached_tokens`` (also sent by Azure, vLLM and
    llama.cpp's server), else DeepSeek's ``prompt_cache_hit_tokens``. Anything that is not a
    usable count (`token_count`) counts as 0: a server's odd reply never fails a run.

    Example:
        >>> cached_prompt_tokens({"prompt_tokens_details": {"cached_tokens": 1920}})
        1920
        >>> cached_prompt_tokens({"prompt_tokens_details": {"cached_tokens": "many"}})
        0
    """
    if not isinstance(usage, dict):
        return 0
    details = usage.get("prompt_tokens_details")
    value = details.get("cached_tokens") if isinstance(details, dict) else None
    if value is None:
        value = usage.get("prompt_cache_hit_tokens")
    return token_count(value) or 0


MAX_TOKEN_COUNT = 10**12
"""More tokens than any request can have: a larger count from a server is junk, not usage."""


def token_count(value: object) -> int | None:
    """A token count a server reported, or None when it is not a usable count.

    Usable: a whole number (an int, or a float with no fraction) from 0 to `MAX_TOKEN_COUNT`.
    Text (``"n/a"``), booleans, infinity, NaN, negative and absurd numbers are unknown.

    Example:
        >>> token_count(12), token_count(12.0), token_count("n/a"), token_count(-5)
        (12, 12, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_TOKEN_COUNT:
        return value
    return None


def usage_counts(usage: object) -> tuple[int, int] | None:
    """(prompt, completion) tokens of a chat completion's ``usage`` block, None if unusable.

    A missing block or missing counts are 0 (some servers send none); a block whose counts
    are present but not usable numbers is unknown.
    """
    if usage is None:
        return 0, 0
    if not isinstance(usage, dict):
        return None
    counts = []
    for name in ("prompt_tokens", "completion_tokens"):
        raw = usage.get(name)
        count = 0 if raw is None else token_count(raw)
        if count is None:
            return None
        counts.append(count)
    return counts[0], counts[1]


class Budget(BaseModel):
    """Upper limits for a run; the run stops before a request that would pass them.

    Args:
        max_calls: most requests to the server.
        max_tokens: most prompt plus completion tokens (checked before each request).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_calls: int | None = None
    max_tokens: int | None = None


class UsageMeter:
    """Thread-safe accumulator of `Usage` with an optional `Budget` check."""

    def __init__(self, budget: Budget | None = None) -> None:
        self._lock = threading.Lock()
        self._usage = Usage()
        self._budget = budget
        self._in_flight = 0

    @property
    def usage(self) -> Usage:
        """A snapshot of what was used so far."""
        with self._lock:
            return self._usage.model_copy()

    def add(self, **counts: int) -> None:
        """Add counts (field name -> increment)."""
        with self._lock:
            for name, value in counts.items():
                setattr(self._usage, name, getattr(self._usage, name) + value)

    def check_budget(self, query: str) -> None:
        """Raise `BudgetExceededError` if one more request would pass the budget."""
        with self._lock:
            self._check_locked(query)

    @contextmanager
    def reserve(self, query: str) -> Iterator[None]:
        """Check the budget and hold one call of it while a request is in flight.

        Concurrent requests each hold a place, so they cannot all pass the check before
        any of them is counted.
        """
        with self._lock:
            self._check_locked(query)
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def _check_locked(self, query: str) -> None:
        budget = self._budget
        if budget is not None:
            usage = self._usage
            if budget.max_calls is not None and usage.calls + self._in_flight >= budget.max_calls:
                raise BudgetExceededError(
                    f"budget of {budget.max_calls} calls reached before {query}; "
                    "raise Budget.max_calls or rerun (cached answers are free)",
                    query=query,
                )
            if budget.max_tokens is not None and usage.total_tokens >= budget.max_tokens:
                raise BudgetExceededError(
                    f"budget of {budget.max_tokens} tokens reached before {query}; "
                    "raise Budget.max_tokens or rerun (cached answers are free)",
                    query=query,
                )
