"""Batch mode: the requests a run still needs, answered through an OpenAI-style Batch API.

Four steps, each resumable:

1. **plan**: run the command against a twin of the engine whose `planner` is set; every
   request the cache cannot answer is noted (with its cache key, exactly as a live run
   would send it, in the output mode the ladder would use) instead of being sent.
2. **submit**: write the noted requests as a Batch API input file (JSON Lines, one request
   per line, ``custom_id`` = the cache key), upload it (``POST /v1/files``, purpose
   ``batch``), create the batch (``POST /v1/batches``, endpoint ``/v1/chat/completions``,
   completion window 24 h) and save its id in a small state file next to the cache
   (``<cache>/batches/<batch id>.json``). Requests already waiting in a batch are not sent
   again.
3. **status**: ask the server how far each of the command's batches got.
4. **collect**: download each finished batch's output and error files and import every
   answer into the cache as if it had arrived live (refusals and cut-off replies are
   rejected, the reply is cached, then validated); a failed or invalid line is reported and
   left for a normal run, which asks (or re-asks) it. The same command then replays from
   the cache at no further cost.

The Batch API is OpenAI's (also offered by Azure OpenAI and some gateways); its requests
cost half the price of live ones and are answered within 24 hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import openai

from ..core._errors import InputError, ModelError, RequestRejectedError
from ..core._usage import Usage, UsageMeter, cached_prompt_tokens
from ._backends import OpenAIBackend
from ._batch_plan import BATCH_ENDPOINT, BatchItem, BatchPlan
from ._batch_results import BatchJob, BatchReport, BatchStatus, FailedBatchLine, job_from_server
from ._cache import MODE_RULES, now_iso
from ._engine import LanguageModel
from ._reply_schema import ReplyParseError, validate_reply
from ._retry import call_with_retries
from ._server_identity import server_identity

logger = logging.getLogger("pywhy_llm_assist")

COMPLETION_WINDOW: Final[Literal["24h"]] = "24h"
STATE_FOLDER = "batches"
STATE_FORMAT = 1
MAX_BATCH_REQUESTS = 50_000
MAX_BATCH_BYTES = 190 * 1024 * 1024
"""OpenAI's limits per input file are 50,000 requests and 200 MB; larger plans are split."""
DEFAULT_POLL_SECONDS = 30.0

ProgressHook = Callable[[Sequence[BatchJob]], None]


@dataclass
class _State:
    """The state file of one submitted batch."""

    path: Path
    data: dict[str, Any]

    @property
    def keys(self) -> dict[str, str]:
        keys: dict[str, str] = self.data.get("keys") or {}
        return keys

    @property
    def collected(self) -> bool:
        return bool(self.data.get("collected"))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        descriptor, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


class BatchRunner:
    """Submits, polls and collects the batches of one `LanguageModel` (see the module doc).

    Args:
        language_model: its cache receives the answers; its backend must be an
            `OpenAIBackend` (a server with the Batch API).
        poll_interval: seconds between status requests while waiting.
    """

    def __init__(
        self, language_model: LanguageModel, *, poll_interval: float = DEFAULT_POLL_SECONDS
    ) -> None:
        if language_model.cache is None or not MODE_RULES[language_model.cache_mode].write:
            raise InputError(
                "batch mode imports answers into the cache: use cache_mode 'read_write' or "
                f"'record_missing' with a cache folder, not {language_model.cache_mode!r}"
            )
        if language_model.cache_mode == "refresh":
            raise InputError(
                "batch mode with cache_mode 'refresh' would batch every request and then ask "
                "them all again: use 'read_write' (delete the entries to renew them)"
            )
        if not isinstance(language_model.backend, OpenAIBackend):
            raise InputError(
                "batch mode needs an OpenAI-compatible server with the Batch API (OpenAI, Azure "
                f"OpenAI); this assistant answers with {type(language_model.backend).__name__}"
            )
        if poll_interval < 0:
            raise InputError(f"poll_interval must be 0 or more seconds, not {poll_interval}")
        self.language_model = language_model
        self.backend: OpenAIBackend = language_model.backend
        self.poll_interval = poll_interval
        self.folder = language_model.cache.folder / STATE_FOLDER

    # ------------------------------------------------------------------ state files
    def states(self) -> list[_State]:
        """Every batch state file of this cache (unreadable ones are skipped with a warning)."""
        found = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                logger.warning("unreadable batch state file ignored: %s (%s)", path, error)
                continue
            if isinstance(data, dict) and isinstance(data.get("batch_id"), str):
                found.append(_State(path, data))
        return found

    def _relevant(self, plan: BatchPlan) -> list[_State]:
        """The uncollected batches that hold a request of `plan`."""
        return [
            state
            for state in self.states()
            if not state.collected and any(key in plan.items for key in state.keys)
        ]

    # ------------------------------------------------------------------ the client
    @contextlib.asynccontextmanager
    async def _client(self) -> AsyncIterator[openai.AsyncOpenAI | openai.OpenAI]:
        client, owned = self.backend.build_client()
        try:
            yield client
        finally:
            if owned and isinstance(client, openai.AsyncOpenAI):
                await client.close()

    async def _request(
        self, client: openai.AsyncOpenAI | openai.OpenAI, what: str, call: Callable[[], Any]
    ) -> Any:
        """One Batch API request under the retry policy; a refusal becomes a clear error."""

        async def once() -> Any:
            if isinstance(client, openai.AsyncOpenAI):
                return await call()
            return await asyncio.to_thread(call)

        try:
            return await call_with_retries(self.language_model.retry, once, query=what)
        except openai.APIStatusError as error:
            status = getattr(error, "status_code", None)
            hint = (
                f"; {server_identity(self.backend)} may not offer the Batch API (OpenAI and Azure "
                "OpenAI do): run the command without batch mode"
                if status in (404, 405, 501)
                else ""
            )
            raise RequestRejectedError(
                f"{what}: the server refused: HTTP {status} {getattr(error, 'message', error)}"
                + hint,
                query=what,
                status_code=status,
            ) from error

    # ------------------------------------------------------------------ submit
    async def submit(self, plan: BatchPlan) -> BatchStatus:
        """Send the plan's requests that no uncollected batch holds yet; return the status."""
        waiting = {key for state in self.states() if not state.collected for key in state.keys}
        new = [item for key, item in plan.items.items() if key not in waiting]
        created: dict[str, BatchJob] = {}
        if new:
            async with self._client() as client:
                for chunk in _chunks(new):
                    job = await self._send(client, chunk)
                    created[job.batch_id] = job
        return await self.status(plan, known=created)

    async def _send(
        self, client: openai.AsyncOpenAI | openai.OpenAI, items: Sequence[BatchItem]
    ) -> BatchJob:
        data = "".join(item.line() + "\n" for item in items).encode("utf-8")
        uploaded = await self._request(
            client,
            "batch input upload",
            lambda: client.files.create(
                file=("pywhy-llm-assist-batch.jsonl", data, "application/jsonl"),
                purpose="batch",
            ),
        )
        batch = await self._request(
            client,
            "batch creation",
            lambda: client.batches.create(
                input_file_id=uploaded.id,
                endpoint=BATCH_ENDPOINT,
                completion_window=COMPLETION_WINDOW,
                metadata={"created_by": "pywhy-llm-assist", "requests": str(len(items))},
            ),
        )
        state = _State(
            self.folder / f"{batch.id}.json",
            {
                "format": STATE_FORMAT,
                "batch_id": batch.id,
                "input_file_id": uploaded.id,
                "created": now_iso(),
                "server": server_identity(self.backend),  # no user, password or query
                "model": self.language_model.model,
                "status": str(batch.status),
                "collected": False,
                "keys": {item.key: item.query.describe() for item in items},
            },
        )
        state.save()
        logger.info("submitted %s with %d requests", batch.id, len(items))
        return job_from_server(batch, len(items), str(state.data["created"]), False)

    # ------------------------------------------------------------------ status
    async def status(
        self, plan: BatchPlan, *, known: dict[str, BatchJob] | None = None
    ) -> BatchStatus:
        """How far the command's batches got (asks the server about each uncollected one).

        Args:
            known: batches just seen (by id), not asked about again.
        """
        states = self._relevant(plan)
        known = known or {}
        asked = [state for state in states if state.data["batch_id"] not in known]
        fresh = {job.batch_id: job for job in await self._refresh(asked)} if asked else {}
        jobs = [{**fresh, **known}[str(state.data["batch_id"])] for state in states]
        waiting = {key for state in states for key in state.keys if key in plan.items}
        return BatchStatus(
            queries=len(plan.items) + plan.cached,
            cached=plan.cached,
            waiting=len(waiting),
            unsubmitted=len(plan.items) - len(waiting),
            jobs=tuple(jobs),
            problems=tuple(plan.problems),
        )

    async def _refresh(self, states: Sequence[_State]) -> list[BatchJob]:
        async with self._client() as client:
            return [await self._retrieve(client, state) for state in states]

    async def _retrieve(
        self, client: openai.AsyncOpenAI | openai.OpenAI, state: _State
    ) -> BatchJob:
        batch_id = str(state.data["batch_id"])
        batch = await self._request(
            client, f"batch {batch_id} status", lambda: client.batches.retrieve(batch_id)
        )
        job = job_from_server(batch, len(state.keys), str(state.data.get("created")), False)
        if state.data.get("status") != job.status:
            state.data["status"] = job.status
            state.save()
        return job

    # ------------------------------------------------------------------ collect
    async def collect(
        self,
        plan: BatchPlan,
        *,
        wait: bool = False,
        timeout: float | None = None,
        progress: ProgressHook | None = None,
    ) -> BatchReport:
        """Import the answers of the command's finished batches into the cache.

        Args:
            plan: the command's plan (its queries validate the answers).
            wait: poll until every batch has finished (or `timeout` seconds passed).
            timeout: most seconds to wait; None waits as long as it takes.
            progress: called with the jobs after each look at the server.
        """
        states = self._relevant(plan)
        deadline = None if timeout is None else time.monotonic() + timeout
        imported, usage = 0, Usage()
        failed: list[FailedBatchLine] = []
        jobs: list[BatchJob] = []
        async with contextlib.AsyncExitStack() as stack:
            if not states:  # nothing in flight: no client, so no key, is needed
                return _report(plan, states, jobs, imported, failed, usage)
            client = await stack.enter_async_context(self._client())
            while True:
                jobs = [await self._retrieve(client, state) for state in states]
                if progress is not None:
                    progress(jobs)
                unfinished = [job for job in jobs if not job.finished]
                out_of_time = deadline is not None and time.monotonic() >= deadline
                if not wait or not unfinished or out_of_time:
                    break
                pause = self.poll_interval
                if deadline is not None:
                    pause = max(0.0, min(pause, deadline - time.monotonic()))
                await asyncio.sleep(pause)
            for state, job in zip(states, jobs, strict=True):
                if job.finished:
                    count, lines, used = await self._import(client, state, job, plan)
                    imported, usage = imported + count, usage + used
                    failed.extend(lines)
        return _report(plan, states, jobs, imported, failed, usage)

    async def _import(
        self,
        client: openai.AsyncOpenAI | openai.OpenAI,
        state: _State,
        job: BatchJob,
        plan: BatchPlan,
    ) -> tuple[int, list[FailedBatchLine], Usage]:
        records: list[dict[str, Any]] = []
        for file_id in (job.output_file_id, job.error_file_id):
            if file_id:
                records.extend(_records(await self._download(client, job.batch_id, file_id)))
        imported, failed, answered = 0, [], set()
        meter = UsageMeter()
        for record in records:
            key = record.get("custom_id")
            item = plan.items.get(key) if isinstance(key, str) else None
            if item is None or key in answered:
                continue  # answered before (already cached), or not this command's request
            answered.add(item.key)
            response = record.get("response") if isinstance(record.get("response"), dict) else {}
            body = response.get("body") if isinstance(response, dict) else None
            status = response.get("status_code") if isinstance(response, dict) else None
            if isinstance(body, dict) and isinstance(body.get("usage"), dict):
                used = body["usage"]
                meter.add(
                    calls=1,
                    prompt_tokens=_count(used.get("prompt_tokens")),
                    cached_prompt_tokens=cached_prompt_tokens(used),
                    completion_tokens=_count(used.get("completion_tokens")),
                )
            if status != 200 or not isinstance(body, dict):
                failed.append(_failed(item, _line_error(record, status)))
                continue
            try:
                self._accept(item, body, job.batch_id)
            except (ModelError, ReplyParseError) as error:
                failed.append(_failed(item, f"{type(error).__name__}: {error}"))
            else:
                imported += 1
        for key in state.keys:
            if key in plan.items and key not in answered:
                reason = f"the batch ended ({job.status}) without answering it"
                failed.append(_failed(plan.items[key], reason))
        state.data.update(status=job.status, collected=True, collected_at=now_iso())
        state.save()
        used = meter.usage
        self.language_model.meter.add(**used.model_dump())
        return imported, failed, used

    async def _download(
        self, client: openai.AsyncOpenAI | openai.OpenAI, batch_id: str, file_id: str
    ) -> bytes:
        content = await self._request(
            client, f"batch {batch_id} results", lambda: client.files.content(file_id)
        )
        data: bytes = content.content
        return data

    def _accept(self, item: BatchItem, response: dict[str, Any], batch_id: str) -> None:
        """Cache a batch answer exactly as a live one: checked, stored, then validated.

        A refusal or a cut-off reply raises and is not stored (as live); a reply that does
        not validate is stored, as live, so the next run re-asks from it instead of asking
        the first question again, and the error is raised for the report.
        """
        engine = self.language_model
        query, request = item.query, item.request
        content = engine._content(response, query)  # the engine's own checks (same package)
        engine._write(item.key, request, response, query, item.version, 0.0, batch=batch_id)
        try:
            lenient = request.mode != "json_schema"
            validate_reply(query.reply_model, content, query.names, lenient=lenient)
        except ReplyParseError as error:
            raise ReplyParseError(
                f"the reply did not validate ({error}); it is cached like a live reply, so "
                "the next run re-asks with the error"
            ) from None


def _report(
    plan: BatchPlan,
    states: Sequence[_State],
    jobs: Sequence[BatchJob],
    imported: int,
    failed: Sequence[FailedBatchLine],
    usage: Usage,
) -> BatchReport:
    waiting = {
        key
        for state, job in zip(states, jobs, strict=True)
        if not job.finished
        for key in state.keys
        if key in plan.items
    }
    in_batches = {key for state in states for key in state.keys}
    return BatchReport(
        imported=imported,
        failed=tuple(failed),
        waiting=len(waiting),
        unsubmitted=sum(1 for key in plan.items if key not in in_batches),
        cached=plan.cached,
        jobs=tuple(job.model_copy(update={"collected": job.finished}) for job in jobs),
        usage=usage,
    )


def _chunks(items: Sequence[BatchItem]) -> Iterable[list[BatchItem]]:
    """Split `items` to stay within a batch's request and size limits."""
    chunk: list[BatchItem] = []
    size = 0
    for item in items:
        line = len(item.line().encode("utf-8")) + 1
        if chunk and (len(chunk) >= MAX_BATCH_REQUESTS or size + line > MAX_BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += line
    if chunk:
        yield chunk


def _records(data: bytes) -> list[dict[str, Any]]:
    """The JSON objects of a batch output or error file (malformed lines skipped, logged)."""
    records = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            logger.warning("batch result line %d is not JSON; skipped", number)
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _line_error(record: dict[str, Any], status: object) -> str:
    error = record.get("error")
    if isinstance(error, dict) and error.get("message"):
        return f"{error.get('code') or 'error'}: {error['message']}"
    response = record.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    inner = body.get("error") if isinstance(body, dict) else None
    if isinstance(inner, dict) and inner.get("message"):
        return f"HTTP {status}: {inner['message']}"
    return f"HTTP {status}: no answer"


def _failed(item: BatchItem, reason: str) -> FailedBatchLine:
    return FailedBatchLine(query=item.query.describe(), key=item.key, reason=reason)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return max(int(value), 0)
