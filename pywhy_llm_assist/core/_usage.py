"""Usage accounting: calls, cache hits, tokens, retries and re-asks."""

from __future__ import annotations

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
        completion_tokens: tokens received, as the server counted them.
        retries: requests repeated after a retryable failure.
        reasks: follow-up requests made because a reply failed validation.
    """

    model_config = ConfigDict(extra="forbid")

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    reasks: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            **{name: getattr(self, name) + getattr(other, name) for name in type(self).model_fields}
        )

    def summary(self) -> str:
        """One line for humans, e.g. ``3 calls, 1 cache hit, 1,204 prompt + 310 completion ...``."""
        text = (
            f"{counted(self.calls, 'call')}, {counted(self.cache_hits, 'cache hit')}, "
            f"{self.prompt_tokens:,} prompt + {self.completion_tokens:,} completion tokens"
        )
        if self.retries:
            text += f", {counted(self.retries, 'retry', 'retries')}"
        if self.reasks:
            text += f", {counted(self.reasks, 're-ask')}"
        return text


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
