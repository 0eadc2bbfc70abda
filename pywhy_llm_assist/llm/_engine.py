"""The LLM layer: cache, structured-output ladder, re-asks, retries and usage for each query."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import openai
from pydantic import BaseModel

from ..core._errors import (
    Attempt,
    BudgetExceededError,
    IncompleteOutputError,
    InputError,
    InvalidOutputError,
    ModelError,
    NetworkBlockedError,
    QueriesFailedError,
    RefusalError,
    ReplayMissError,
    RequestRejectedError,
)
from ..core._usage import Budget, UsageMeter, cached_prompt_tokens, usage_counts
from ._backends import ChatBackend, ChatRequest
from ._cache import MODE_RULES, CacheMode, ResponseCache, now_iso, request_key
from ._ladder import LADDER as LADDER  # re-exported: tests and callers forget it by this name
from ._limits import (
    ATTEMPT_CHARACTERS,
    DEFAULT_MAX_PROMPT_TOKENS,
    DEFAULT_MAX_RUN_TOKENS,
    ERROR_CHARACTERS,
    REASK_ECHO_CHARACTERS,
    PromptTooLargeError,
    bounded_response,
    cut_reply,
    cut_text,
    estimate_tokens,
    prompt_characters,
    reply_character_limit,
)
from ._prompts import PromptLibrary
from ._query import Query
from ._recording import CacheWriteFailure, Recorder, known_usage
from ._redaction import redact, scrub_exception
from ._reply_schema import ReplyParseError, strict_json_schema, validate_reply
from ._retry import RetryPolicy, TransientResponseError, call_with_retries, error_code
from ._run import Answer as Answer  # re-exported: the public name lives here
from ._run import ProgressCallback as ProgressCallback
from ._run import ProgressEvent as ProgressEvent
from ._run import Run as Run
from ._run import _Exchange

if TYPE_CHECKING:
    from ._batch_plan import BatchPlan

logger = logging.getLogger("pywhy_llm_assist")

ReplyT = TypeVar("ReplyT", bound=BaseModel)

OUTPUT_MODES: tuple[str, ...] = ("json_schema", "json_object", "text")
FORMAT_REJECTED_STATUS = frozenset({400, 415, 422})
SCHEMA_INSTRUCTION = (
    "Reply with exactly one JSON object and nothing else. It must match this JSON schema:\n{schema}"
)
ADMITTED_PER_REQUEST_SLOT = 2
"""Queries prepared at once per request slot, so a query waiting out a retry's backoff never
leaves the server idle."""
FAILURES_LISTED = 10
"""How many failed queries a `QueriesFailedError` message names (all are in `failures`)."""
NAMES_LISTED = 10
"""How many variable names a replay-miss message names."""
REASK_INSTRUCTION = (
    "Your previous reply was rejected: {error}\n"
    "Reply again with one JSON object that follows the schema exactly."
)


class LanguageModel:
    """Asks queries of one model and returns validated replies.

    This is the layer under `Assistant`; use it directly to run your own templates.

    Args:
        model: model name sent to the server.
        backend: what answers requests (`OpenAIBackend`, a test double, ...).
        cache: where answers are recorded, or None for no cache.
        cache_mode: ``off``, ``read_write``, ``replay``, ``record_missing`` or ``refresh``.
        prompts: the prompt templates.
        temperature, seed: sampling parameters (part of the cache key).
        max_reasks: follow-up asks after a reply fails validation (then `InvalidOutputError`).
        retry: the retry policy.
        concurrency: most requests in flight at once.
        budget: limits per run.
        max_prompt_tokens: largest prompt (estimated tokens) sent in one request; a larger
            one is refused with `PromptTooLargeError` before it is sent.
        max_run_tokens: most prompt tokens (estimated) a task may plan to send in one run
            (`suggest_graph` checks it before building its queries).
        key_server: when given, part of every cache key (``Assistant`` passes the server's
            URL with ``cache_key_includes_server=True``); None keeps keys server-free.
    """

    def __init__(
        self,
        model: str,
        backend: ChatBackend,
        *,
        cache: ResponseCache | None,
        cache_mode: CacheMode,
        prompts: PromptLibrary,
        temperature: float | None = 0.0,
        seed: int | None = None,
        max_reasks: int = 2,
        retry: RetryPolicy | None = None,
        concurrency: int = 8,
        budget: Budget | None = None,
        max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS,
        max_run_tokens: int = DEFAULT_MAX_RUN_TOKENS,
        key_server: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise InputError(f"concurrency must be at least 1, not {concurrency}")
        if max_reasks < 0:
            raise InputError(f"max_reasks must be 0 or more, not {max_reasks}")
        self.model = model
        self.backend = backend
        self.cache = cache
        self.cache_mode = cache_mode
        self.prompts = prompts
        self.temperature = temperature
        self.seed = seed
        self.max_reasks = max_reasks
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self.budget = budget
        self.max_prompt_tokens = max_prompt_tokens
        self.max_run_tokens = max_run_tokens
        self.key_server = key_server
        self.meter = UsageMeter()
        self.planner: BatchPlan | None = None  # batch mode: misses are queued, not sent
        self._server = (str(getattr(backend, "base_url", type(backend).__name__)), model)
        self._secrets: tuple[str, ...] = tuple(getattr(backend, "secrets", ()))
        self._recorder = Recorder(cache, self._secrets)

    @property
    def cache_failures(self) -> tuple[CacheWriteFailure, ...]:
        """Answers that could not be stored in the cache (each run still used them)."""
        return tuple(self._recorder.failures)

    # ------------------------------------------------------------------ runs
    @asynccontextmanager
    async def run(self, progress: ProgressCallback | None = None) -> AsyncIterator[Run]:
        """Open a run: one backend session, a concurrency limit and a usage meter."""
        async with self.backend.session() as session:
            yield Run(
                session=session,
                semaphore=asyncio.Semaphore(self.concurrency),
                meters=(self.meter, UsageMeter(self.budget)),
                progress=progress,
                # Without it, all n prompts of a run were rendered before the first request
                # left (half a second at n = 200); now requests start while others render.
                admission=asyncio.Semaphore(ADMITTED_PER_REQUEST_SLOT * self.concurrency),
            )

    async def ask_many(self, queries: Sequence[Query], run: Run) -> list[Answer[Any]]:
        """Ask all `queries` concurrently; raise `QueriesFailedError` if any failed.

        Every successful answer is cached before the error is raised, so a rerun asks only
        for what is missing.
        """
        run.total += len(queries)
        results = await asyncio.gather(
            *(self._ask_counted(query, run) for query in queries), return_exceptions=True
        )
        answers: list[Answer[Any]] = []
        failures: list[tuple[str, ModelError]] = []
        for query, result in zip(queries, results, strict=True):
            if isinstance(result, ModelError):
                failures.append((query.describe(), result))
            elif isinstance(result, BaseException):
                raise result
            else:
                answers.append(result)
        if failures:
            run.failures.extend(failures)
            if len(failures) == 1 and len(queries) == 1:
                raise failures[0][1]
            for _, error in failures:
                if isinstance(error, BudgetExceededError | NetworkBlockedError):
                    raise error  # the run was stopped on purpose: say so, not "queries failed"
            first = failures[0]
            listed = "; ".join(
                f"{description} ({type(error).__name__})"
                for description, error in failures[:FAILURES_LISTED]
            )
            if len(failures) > FAILURES_LISTED:
                listed += f"; and {len(failures) - FAILURES_LISTED} more"
            if self.cache is not None and MODE_RULES[self.cache_mode].write:
                kept = (
                    f"The {len(answers)} finished answers are cached, so rerunning asks only "
                    "for the missing ones"
                )
            else:
                kept = f"{len(answers)} queries finished (cache mode {self.cache_mode!r})"
            raise QueriesFailedError(
                f"{len(failures)} of {len(queries)} queries failed: {listed}. First error: "
                f"{first[1]}. {kept}",
                failures=failures,
                completed=len(answers),
            )
        return answers

    async def _ask_counted(self, query: Query, run: Run) -> Answer[Any]:
        try:
            async with run.admission:
                return await self.ask(query, run)
        finally:
            run.done += 1
            if run.progress is not None:
                run.progress(ProgressEvent(query.task, run.done, run.total, query.describe()))

    async def ask(self, query: Query, run: Run) -> Answer[Any]:
        """Ask one query: render, look up or request, validate, re-ask on a bad reply."""
        rendered = self.prompts.render(query.template, dict(query.inputs))
        schema = strict_json_schema(query.reply_model, query.names, max_items=query.max_items)
        messages = list(rendered.messages)
        attempts: list[Attempt] = []
        keys: list[str] = []
        limit = reply_character_limit(query.max_tokens)
        for round_index in range(self.max_reasks + 1):
            exchange, mode = await self._complete(query, messages, schema, rendered.version, run)
            keys.append(exchange.key)
            content = exchange.content or ""
            try:
                if len(content) > limit:
                    # No exact length here: this text is fed back, and a replay (which
                    # stored only the start of the reply) must send the very same re-ask.
                    raise ReplyParseError(
                        f"the reply is longer than a valid reply can be (more than {limit:,} "
                        "characters); answer with one short JSON object"
                    )
                reply = validate_reply(
                    query.reply_model, exchange.content, query.names, lenient=mode != "json_schema"
                )
            except ReplyParseError as error:
                problem = cut_text(str(error), ERROR_CHARACTERS)
                attempts.append(
                    Attempt(content=cut_text(content, ATTEMPT_CHARACTERS), error=problem)
                )
                logger.info("%s: reply rejected (%s)", query.describe(), problem)
                if round_index < self.max_reasks:
                    run.count(reasks=1)
                # Only the start of a long reply goes back: echoing a huge reply in full would
                # make every re-ask larger than the last.
                messages = [
                    *messages,
                    {"role": "assistant", "content": cut_reply(content, REASK_ECHO_CHARACTERS)},
                    {"role": "user", "content": REASK_INSTRUCTION.format(error=problem)},
                ]
                continue
            return Answer(
                query=query,
                reply=reply,
                cache_keys=tuple(keys),
                model=self.model,
                prompt_version=rendered.version,
                mode=mode,
            )
        self._forget(keys)
        raise InvalidOutputError(
            f"{query.describe()}: no valid reply after {len(attempts)} tries; last problem: "
            f"{attempts[-1].error}",
            query=query.describe(),
            attempts=attempts,
        )

    # ------------------------------------------------------------------ one exchange
    async def _complete(
        self,
        query: Query,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        version: str,
        run: Run,
    ) -> tuple[_Exchange, str]:
        rules = MODE_RULES[self.cache_mode]
        start = LADDER.current(self._server)
        # Built on demand: most queries need one output mode's request and key, not all three.
        requests: dict[str, ChatRequest] = {}
        keys: dict[str, str] = {}

        def request_for(mode: str) -> ChatRequest:
            if mode not in requests:
                requests[mode] = self._request(query, messages, schema, mode)
            return requests[mode]

        def key_for(mode: str) -> str:
            if mode not in keys:
                keys[mode] = self._key(request_for(mode), query, version)
            return keys[mode]

        if rules.read:
            for mode in OUTPUT_MODES[start:]:
                key = key_for(mode)
                entry = self._recorder.read(key, has_choice=lambda r: first_choice(r) is not None)
                if entry is not None:
                    run.count(cache_hits=1)
                    return _Exchange(self._content(entry["response"], query), key), mode
        if self.planner is not None:
            mode = OUTPUT_MODES[start]
            raise self.planner.queue(key_for(mode), request_for(mode), query, version)
        if not rules.call_on_miss:
            first = key_for(OUTPUT_MODES[start])
            about = ", ".join(repr(name) for name in query.subject[:NAMES_LISTED])
            if len(query.subject) > NAMES_LISTED:
                about += f" and {len(query.subject) - NAMES_LISTED} more"
            raise ReplayMissError(
                f"replay mode: no recorded answer for the {query.task} query about "
                f"{about or 'the variables'} "
                f"(cache key {first}); record it first with cache_mode='record_missing'",
                query=query.describe(),
                key=first,
                variables=query.subject,
                task=query.task,
            )
        self._check_prompt_size(query, request_for(OUTPUT_MODES[start]), schema)
        if rules.write:
            self._recorder.ensure_writable()  # before paying for an answer that could not be kept
        step = start
        while True:
            mode = OUTPUT_MODES[step]
            try:
                response, elapsed = await self._call(request_for(mode), query, run)
            except openai.APIStatusError as error:
                status = getattr(error, "status_code", None)
                if mode != "text" and may_be_format_rejection(error):
                    logger.info(
                        "%s rejected %s output (%s); stepping down", self._server, mode, error
                    )
                    step += 1
                    continue
                raise RequestRejectedError(
                    f"{query.describe()}: the server refused the request: HTTP {status} "
                    f"{getattr(error, 'message', error)}",
                    query=query.describe(),
                    status_code=status,
                ) from error
            if step > start:
                # Remembered only once a lower step worked: a 400 for another reason (context
                # too long, unknown model) must not push every later query down the ladder.
                LADDER.step_down(self._server, step - 1)
            content = self._content(response, query)  # raises on refusal / truncation
            if rules.write and self.cache is not None:
                # In a worker thread: the fsync of each atomic write (ms each, far more on a
                # busy disk) must not stall the event loop while other requests are in flight.
                await asyncio.to_thread(
                    self._write, key_for(mode), request_for(mode), response, query, version, elapsed
                )
            return _Exchange(content, key_for(mode)), mode

    def _request(
        self, query: Query, messages: list[dict[str, str]], schema: dict[str, Any], mode: str
    ) -> ChatRequest:
        response_format: dict[str, Any] | None = None
        sent = [dict(message) for message in messages]
        if mode == "json_schema":
            response_format = {
                "type": "json_schema",
                "json_schema": {
                    "name": query.reply_model.__name__,
                    "schema": schema,
                    "strict": True,
                },
            }
        else:
            instruction = SCHEMA_INSTRUCTION.format(schema=json.dumps(schema, ensure_ascii=False))
            sent.insert(
                0 if sent[0]["role"] != "system" else 1, {"role": "system", "content": instruction}
            )
            if mode == "json_object":
                response_format = {"type": "json_object"}
        return ChatRequest(
            model=self.model,
            messages=tuple(sent),
            temperature=self.temperature,
            seed=self.seed,
            max_tokens=query.max_tokens,
            response_format=response_format,
            mode=mode,
            query=query,
        )

    def _key(self, request: ChatRequest, query: Query, version: str) -> str:
        return request_key(
            request.payload(),
            mode=request.mode,
            prompt_version=version,
            sample=query.sample,
            server=self.key_server,
        )

    def _check_prompt_size(
        self, query: Query, request: ChatRequest, schema: dict[str, Any]
    ) -> None:
        estimated = estimate_tokens(prompt_characters(list(request.messages), schema))
        if estimated > self.max_prompt_tokens:
            raise PromptTooLargeError(
                f"{query.describe()}: the prompt would be about {estimated:,} tokens, more than "
                f"the {self.max_prompt_tokens:,} one request may send; nothing was sent. Shorten "
                "the context or the descriptions, or ask about fewer variables at once",
                estimated_tokens=estimated,
                limit=self.max_prompt_tokens,
            )

    async def _call(
        self, request: ChatRequest, query: Query, run: Run
    ) -> tuple[dict[str, Any], float]:
        description = query.describe()

        async def once() -> dict[str, Any]:
            async with run.semaphore:
                with ExitStack() as held:
                    # Checked and counted while holding a place in the budget, so concurrent
                    # queries cannot all pass the check before any of them is counted.
                    for meter in run.meters:
                        held.enter_context(meter.reserve(description))
                    try:
                        response = await run.session.complete(request)
                    except Exception as error:
                        # A server may echo the key in its error: scrub it before the text
                        # reaches a message, a log line or `repr`.
                        scrub_exception(error, self._secrets)
                        raise
                    # ... or in a refusal or a reply: scrubbed before it is read or cached, so a
                    # live run and its replay see the same text.
                    response = redact(response, self._secrets) if self._secrets else response
                    counts = usage_counts(response.get("usage"))
                    if counts is None:
                        # Text, infinity or negative counts: the answer is kept, the tokens
                        # are unknown (never a crash, never a negative total).
                        run.count(calls=1, unknown_usage=1)
                    else:
                        run.count(
                            calls=1,
                            prompt_tokens=counts[0],
                            completion_tokens=counts[1],
                            cached_prompt_tokens=cached_prompt_tokens(response.get("usage")),
                        )
            if first_choice(response) is None:
                raise TransientResponseError("the server's reply has no choices")
            return response

        started = time.monotonic()
        response = await call_with_retries(
            self.retry, once, query=description, on_retry=lambda _: run.count(retries=1)
        )
        return response, round(time.monotonic() - started, 3)

    def _content(self, response: dict[str, Any], query: Query) -> str | None:
        choice = first_choice(response)
        if choice is None:
            raise InvalidOutputError(
                f"{query.describe()}: the recorded reply has no choices",
                query=query.describe(),
                attempts=(),
            )
        message = choice.get("message")
        message = message if isinstance(message, dict) else {}
        reason = choice.get("finish_reason")
        if message.get("refusal") or reason == "content_filter":
            raise RefusalError(
                f"{query.describe()}: the model refused: {message.get('refusal') or reason}",
                query=query.describe(),
            )
        if reason == "length":
            raise IncompleteOutputError(
                f"{query.describe()}: the reply was cut off at max_tokens={query.max_tokens}; "
                "raise max_tokens or ask about fewer variables at once",
                query=query.describe(),
            )
        content = message.get("content")
        return content if isinstance(content, str) else None

    # ------------------------------------------------------------------ cache I/O
    def _forget(self, keys: Sequence[str]) -> None:
        """Drop the recorded replies of a question that got no valid answer.

        Every reply is stored when it arrives (so re-asks replay exactly); once the last
        re-ask has failed too, keeping them would make every rerun fail the same way without
        asking again.
        """
        if MODE_RULES[self.cache_mode].write:
            self._recorder.forget(keys)

    def _write(
        self,
        key: str,
        request: ChatRequest,
        response: dict[str, Any],
        query: Query,
        version: str,
        elapsed: float,
        **recorded: Any,
    ) -> None:
        limit = reply_character_limit(query.max_tokens)
        entry = {
            "created": now_iso(),
            "task": query.task,
            "subject": list(query.subject),
            "sample": query.sample,
            "model": self.model,
            "mode": request.mode,
            "prompt_template": query.template,
            "prompt_version": version,
            "request": request.payload(),
            "response": bounded_response(response, limit),
            "usage": known_usage(response.get("usage")),
            "elapsed_seconds": elapsed,
            **recorded,
        }
        if self.key_server is not None:
            entry["server"] = self.key_server
        self._recorder.write(key, entry)


def first_choice(response: object) -> dict[str, Any] | None:
    """The first choice of a chat.completion JSON, or None when it has no usable one."""
    choices = response.get("choices") if isinstance(response, dict) else None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return None


def may_be_format_rejection(error: openai.APIStatusError) -> bool:
    """True when a 400/415/422 may be the server refusing the output format.

    A rejection that names another parameter (``"param": "messages"``) and says nothing about
    the format is a plain bad request: stepping down the ladder would only send it again.
    """
    if error.status_code not in FORMAT_REJECTED_STATUS:
        return False
    param = getattr(error, "param", None)
    if not isinstance(param, str) or not param or "response_format" in param:
        return True
    message = str(getattr(error, "message", "")).lower()
    return "response_format" in message or "json" in message


def describe_error(error: BaseException) -> str:
    """One line about an error, for summaries."""
    code = error_code(error)
    return f"{type(error).__name__}: {error}" + (f" ({code})" if code else "")
