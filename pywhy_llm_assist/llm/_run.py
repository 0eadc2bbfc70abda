"""What one run of the engine carries: its answers, progress events and shared state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel

from ..core._errors import ModelError
from ..core._usage import Usage, UsageMeter
from ._backends import ChatSession
from ._query import Query

ReplyT = TypeVar("ReplyT", bound=BaseModel)


@dataclass(frozen=True)
class Answer(Generic[ReplyT]):
    """A validated reply with its provenance.

    Attributes:
        query: the question.
        reply: the validated pydantic object.
        cache_keys: keys of every exchange that led to it (re-asks included).
        model: model name.
        prompt_version: content hash of the template.
        mode: the structured-output step used.
    """

    query: Query
    reply: ReplyT
    cache_keys: tuple[str, ...]
    model: str
    prompt_version: str
    mode: str


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of a run: `done` of `total` queries finished (from cache or the server)."""

    task: str
    done: int
    total: int
    description: str


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class Run:
    """State of one public call: its connection, concurrency limit, usage and progress."""

    session: ChatSession
    semaphore: asyncio.Semaphore
    meters: tuple[UsageMeter, ...]
    admission: asyncio.Semaphore
    """Queries being prepared or asked at once (a few more than the requests in flight)."""
    progress: ProgressCallback | None = None
    done: int = 0
    total: int = 0
    failures: list[tuple[str, ModelError]] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        """What this run used so far."""
        return self.meters[-1].usage

    def count(self, **counts: int) -> None:
        for meter in self.meters:
            meter.add(**counts)


@dataclass(frozen=True)
class _Exchange:
    content: str | None
    key: str
