"""Batch mode's first step: run a call in planning mode and note the requests it still needs.

The engine's `planner` hook hands every cache miss to a `BatchPlan` instead of the server:
the request exactly as a live run would send it, in the output mode the ladder would use,
under the cache key its answer will be stored with. `plan_call` runs a call that way.
"""

from __future__ import annotations

import copy
import inspect
import json
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ..core._errors import ModelError, QueriesFailedError
from ..core._usage import UsageMeter
from ._backends import ChatRequest
from ._engine import LanguageModel
from ._query import Query
from ._sync import run_sync

BATCH_ENDPOINT: Final[Literal["/v1/chat/completions"]] = "/v1/chat/completions"


class QueuedForBatch(ModelError):
    """A query whose request was noted for a batch instead of sent (only while planning)."""


@dataclass(frozen=True)
class BatchItem:
    """One request for the batch: its cache key, the request, its query and prompt version."""

    key: str
    request: ChatRequest
    query: Query
    version: str

    def line(self) -> str:
        """The request as one line of a Batch API input file."""
        body = {"custom_id": self.key, "method": "POST", "url": BATCH_ENDPOINT}
        return json.dumps({**body, "body": self.request.payload()}, ensure_ascii=False)


@dataclass
class BatchPlan:
    """The requests a command still needs, noted by the engine in planning mode.

    Attributes:
        items: cache key -> request, in the order they were noted.
        cached: requests the cache already answered.
        problems: queries that failed for another reason while planning (e.g. a cached
            refusal), with the reason.
    """

    items: dict[str, BatchItem] = field(default_factory=dict)
    cached: int = 0
    problems: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def queue(self, key: str, request: ChatRequest, query: Query, version: str) -> ModelError:
        """Note a request the cache cannot answer; return the error that stops its query."""
        with self._lock:
            self.items.setdefault(key, BatchItem(key, request, query, version))
        return QueuedForBatch(f"{query.describe()}: noted for a batch", query=query.describe())

    def note_failure(self, error: BaseException) -> None:
        """Keep the failures that are not "noted for a batch"; re-raise anything else."""
        failures: Iterable[tuple[str, ModelError]]
        if isinstance(error, QueriesFailedError):
            failures = error.failures
        elif isinstance(error, ModelError):
            failures = [(error.query or "a query", error)]
        else:
            raise error
        for description, failure in failures:
            if not isinstance(failure, QueuedForBatch):
                self.problems.append(f"{description}: {type(failure).__name__}: {failure}")


def planning_twin(language_model: LanguageModel, plan: BatchPlan) -> LanguageModel:
    """A copy of `language_model` that notes cache misses in `plan` instead of sending them."""
    twin = copy.copy(language_model)
    twin.planner = plan
    twin.meter = UsageMeter()  # planning is not usage
    twin.budget = None
    return twin


def plan_call(language_model: LanguageModel, call: Callable[[LanguageModel], Any]) -> BatchPlan:
    """Run `call` on a planning twin of `language_model`; return what it would have sent.

    For synchronous callers: `call` runs in this thread (it may use the sync API, which runs
    its own event loop); an awaitable it returns is run to completion too.
    """
    plan = BatchPlan()
    twin = planning_twin(language_model, plan)
    try:
        result = call(twin)
        if inspect.isawaitable(result):
            run_sync(_awaited(result))
    except ModelError as error:
        plan.note_failure(error)
    plan.cached = twin.meter.usage.cache_hits
    return plan


async def plan_call_async(
    language_model: LanguageModel, call: Callable[[LanguageModel], Any]
) -> BatchPlan:
    """Async twin of `plan_call`: `call` returns an awaitable (an async task)."""
    plan = BatchPlan()
    twin = planning_twin(language_model, plan)
    try:
        result = call(twin)
        if inspect.isawaitable(result):
            await result
    except ModelError as error:
        plan.note_failure(error)
    plan.cached = twin.meter.usage.cache_hits
    return plan


async def _awaited(result: Awaitable[Any]) -> Any:
    return await result
