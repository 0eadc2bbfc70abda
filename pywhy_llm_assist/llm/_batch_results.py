"""What batch mode reports: one batch on the server, a command's state, and a collection."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..core._text import counted
from ..core._usage import Usage

FINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})
"""Batch statuses after which nothing more will be answered."""


class BatchJob(BaseModel):
    """One batch on the server, as last seen.

    Attributes:
        batch_id: the server's id (``batch_...``).
        status: ``validating``, ``in_progress``, ``finalizing``, ``completed``, ``failed``,
            ``expired``, ``cancelling`` or ``cancelled``.
        requests: requests in the batch.
        completed, failed: requests answered and failed so far (as the server counts them).
        created: when it was submitted (ISO 8601, UTC).
        collected: its answers were imported into the cache.
        errors: why the server failed the whole batch, if it did.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_id: str
    status: str
    requests: int
    completed: int = 0
    failed: int = 0
    created: str = ""
    collected: bool = False
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        """True once the server will answer nothing more (completed, failed, expired, ...)."""
        return self.status in FINAL_STATUSES

    def __str__(self) -> str:
        text = (
            f"batch {self.batch_id}: {self.status}, {self.completed} of "
            f"{counted(self.requests, 'request')} answered"
        )
        if self.failed:
            text += f", {self.failed} failed"
        if self.collected:
            text += ", collected"
        if self.errors:
            text += f" ({'; '.join(self.errors)})"
        return text


class BatchStatus(BaseModel):
    """Where a command stands in batch mode: answered, waiting for a batch, or not submitted.

    Attributes:
        queries: requests the command needs now (its first asks).
        cached: of those, already answered in the cache.
        waiting: of those, in a batch not collected yet.
        unsubmitted: of those, in no batch (``submit`` sends them).
        jobs: the batches that hold this command's requests.
        problems: queries that cannot be batched, with the reason (a cached refusal, ...).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    queries: int
    cached: int
    waiting: int
    unsubmitted: int
    jobs: tuple[BatchJob, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        """True when every request is in the cache: the command now replays at no cost."""
        return self.waiting == 0 and self.unsubmitted == 0

    def __str__(self) -> str:
        lines = [
            f"{counted(self.queries, 'request')}: {self.cached} in the cache, {self.waiting} "
            f"waiting for a batch, {self.unsubmitted} not submitted"
        ]
        lines += [f"  {job}" for job in self.jobs]
        lines += [f"  cannot be batched: {problem}" for problem in self.problems]
        return "\n".join(lines)


class FailedBatchLine(BaseModel):
    """A batch answer that was not imported (it is left for a normal run to ask again).

    Attributes:
        query: which question (``per_node query about 'age'``).
        key: its cache key (the line's ``custom_id``).
        reason: the server's error, or why the reply did not validate.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    query: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.query}: {self.reason}"


class BatchReport(BaseModel):
    """What `collect` did: answers imported into the cache, lines that failed, what still waits.

    Attributes:
        imported: answers validated and written to the cache.
        failed: answers not imported, each with its reason.
        waiting: requests still in batches that have not finished.
        unsubmitted: requests of the command in no batch.
        cached: requests already in the cache before this collection.
        jobs: the batches looked at.
        usage: tokens of the imported answers (and their failed siblings), as the server
            counted them; ``calls`` counts answered lines.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    imported: int
    failed: tuple[FailedBatchLine, ...] = ()
    waiting: int = 0
    unsubmitted: int = 0
    cached: int = 0
    jobs: tuple[BatchJob, ...] = ()
    usage: Usage = Usage()

    @property
    def complete(self) -> bool:
        """True when the command's every request is now in the cache."""
        return not self.failed and self.waiting == 0 and self.unsubmitted == 0

    def __str__(self) -> str:
        lines = [
            f"imported {counted(self.imported, 'answer')} into the cache; "
            f"{len(self.failed)} failed, {self.waiting} still waiting, "
            f"{self.unsubmitted} not submitted, {self.cached} were already cached"
        ]
        lines += [f"  {job}" for job in self.jobs]
        lines += [f"  failed: {line}" for line in self.failed]
        if self.failed:
            lines.append("  a normal run of the same command asks the failed ones again")
        lines.append(f"  usage: {self.usage.summary()}")
        return "\n".join(lines)


def job_from_server(batch: Any, requests: int, created: str, collected: bool) -> BatchJob:
    """A `BatchJob` from the SDK's ``Batch`` object."""
    counts = getattr(batch, "request_counts", None)
    errors = getattr(getattr(batch, "errors", None), "data", None) or ()
    return BatchJob(
        batch_id=str(batch.id),
        status=str(batch.status),
        requests=int(getattr(counts, "total", 0) or requests),
        completed=int(getattr(counts, "completed", 0) or 0),
        failed=int(getattr(counts, "failed", 0) or 0),
        created=created,
        collected=collected,
        input_file_id=getattr(batch, "input_file_id", None),
        output_file_id=getattr(batch, "output_file_id", None),
        error_file_id=getattr(batch, "error_file_id", None),
        errors=tuple(
            str(getattr(error, "message", None) or getattr(error, "code", None) or error)
            for error in errors
        ),
    )
