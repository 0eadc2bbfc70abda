"""Typed errors: every error this library raises on purpose derives from `AssistantError`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class AssistantError(Exception):
    """Base class of every error raised on purpose by pywhy-llm-assist."""


class InputError(AssistantError, ValueError):
    """Bad input from the caller: a variables list, a graph, a file or an option.

    The message says what is wrong and how to fix it.
    """


class GraphFormatError(InputError):
    """A graph file or string could not be read (DOT, GML, DAGitty, JSON, edge list)."""


class CacheNotWritableError(InputError):
    """The cache folder cannot be written (read-only, a path under a file, no permission).

    Raised before the first request of a run that would store answers, so nothing paid for
    is lost; choose another ``cache`` folder or cache mode ``off``/``replay``.
    """


class PromptTooLargeError(InputError):
    """A run or a request would send more prompt tokens than allowed; nothing was sent.

    Attributes:
        estimated_tokens: the estimate that was refused.
        limit: the limit it passed.
    """

    def __init__(self, message: str, *, estimated_tokens: int, limit: int) -> None:
        super().__init__(message)
        self.estimated_tokens = estimated_tokens
        self.limit = limit


class ReviewError(InputError):
    """A review decisions file does not fit the graph it is applied to."""


class NotADagError(InputError):
    """An operation that needs a DAG got a graph with feedback loops or unoriented edges.

    Catch this to handle both `CyclicGraphError` and `UnorientedEdgesError`.
    """


class CyclicGraphError(NotADagError):
    """An operation that needs a DAG got a cyclic (summary) graph; `cycles` lists the loops.

    Attributes:
        cycles: the directed cycles, each as its list of variable names.
    """

    def __init__(self, message: str, *, cycles: Sequence[Sequence[str]] = ()) -> None:
        super().__init__(message)
        self.cycles = tuple(tuple(cycle) for cycle in cycles)


class UnorientedEdgesError(NotADagError):
    """An operation that needs a DAG got a graph with undirected or bidirected edges.

    Attributes:
        edges: the unoriented edges as ``(first, second)`` pairs.
    """

    def __init__(self, message: str, *, edges: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.edges = tuple(edges)


class ModelError(AssistantError):
    """The model or the server behind it failed to give a usable answer."""

    def __init__(self, message: str, *, query: str | None = None) -> None:
        super().__init__(message)
        self.query = query


class IncompleteOutputError(ModelError):
    """The reply was cut off (`finish_reason == "length"`): raise `max_tokens` or simplify."""


class RefusalError(ModelError):
    """The model refused to answer, or the server's content filter stopped the reply."""


@dataclass(frozen=True)
class Attempt:
    """One try at getting a valid reply: what the model said and why it was rejected."""

    content: str
    error: str


class InvalidOutputError(ModelError):
    """The reply did not validate, even after re-asking with the validation error.

    Attributes:
        attempts: every reply tried, with the reason it was rejected.
    """

    def __init__(self, message: str, *, query: str | None, attempts: Sequence[Attempt]) -> None:
        super().__init__(message, query=query)
        self.attempts = tuple(attempts)


class RetriesExhaustedError(ModelError):
    """A retryable failure (rate limit, timeout, 5xx, lost connection) outlasted the retry policy.

    Attributes:
        attempts: how many requests were made.
        last_error: the last underlying exception.
    """

    def __init__(
        self, message: str, *, query: str | None, attempts: int, last_error: BaseException | None
    ) -> None:
        super().__init__(message, query=query)
        self.attempts = attempts
        self.last_error = last_error


class RequestRejectedError(ModelError):
    """The server rejected the request with a non-retryable error (bad key, no quota, 4xx)."""

    def __init__(self, message: str, *, query: str | None, status_code: int | None) -> None:
        super().__init__(message, query=query)
        self.status_code = status_code


class ReplayMissError(ModelError):
    """Replay mode found no recorded answer for a query.

    Attributes:
        key: the cache key that was looked up.
        task: the task that asked.
        variables: the variables the query was about.
    """

    def __init__(
        self,
        message: str,
        *,
        query: str | None,
        key: str,
        variables: Sequence[str],
        task: str | None = None,
    ) -> None:
        super().__init__(message, query=query)
        self.key = key
        self.task = task
        self.variables = tuple(variables)


class BudgetExceededError(ModelError):
    """The run would exceed the configured budget of calls or tokens; nothing more was sent."""


class NetworkBlockedError(ModelError):
    """A request to a non-loopback server was made while real model calls are forbidden."""


class QueriesFailedError(ModelError):
    """Some queries of a run failed; every finished answer is kept in the cache.

    Rerunning the same command asks only for the missing answers.

    Attributes:
        failures: (query description, error) pairs.
        completed: how many queries did succeed.
    """

    def __init__(
        self, message: str, *, failures: Sequence[tuple[str, ModelError]], completed: int
    ) -> None:
        super().__init__(message)
        self.failures = tuple(failures)
        self.completed = completed


class LocalModelUnavailableError(AssistantError, ImportError):
    """The embedded local model needs the `local` extra, which is not installed."""


class OptionalDependencyError(AssistantError, ImportError):
    """An optional integration (DoWhy, causal-learn) is not installed; the message says how."""
