"""Batch mode for `Assistant`: submit what a call still needs as one batch, then collect it."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..llm._batch import DEFAULT_POLL_SECONDS, BatchRunner, ProgressHook
from ..llm._batch_plan import plan_call, plan_call_async
from ..llm._batch_results import BatchReport, BatchStatus
from ..llm._engine import LanguageModel
from ..llm._sync import run_sync

if TYPE_CHECKING:
    from ._assistant import Assistant

Call = Callable[["Assistant"], Any]
"""A function of an assistant that runs one or more tasks, e.g. ``lambda a: a.suggest_graph(v)``."""
AsyncCall = Callable[["Assistant"], Awaitable[Any]]


class BatchMethods:
    """The batch-mode methods of `Assistant` (OpenAI's Batch API: half the price, within 24 h).

    Each method takes the same *call* you would run live, as a function of the assistant,
    e.g. ``lambda a: a.suggest_graph(variables, context=context)``. The call is first run in
    planning mode, which sends nothing: every request the cache cannot answer is noted. Then:

    - `submit_batch` sends those requests as one batch (several above 50,000 requests) and
      saves the batch id next to the cache; running it again sends only what no batch holds.
    - `batch_status` says how far the batches got.
    - `collect_batch` imports the finished batches' answers into the cache (validated as
      live replies are); a failed or invalid answer is reported and left for a normal run.

    Afterwards the same call, run normally, replays from the cache at no further cost.

    Example:
        >>> from pywhy_llm_assist import Assistant  # doctest: +SKIP
        >>> assistant = Assistant("gpt-4o-mini")  # doctest: +SKIP
        >>> ask = lambda a: a.suggest_graph(variables, context=context)  # doctest: +SKIP
        >>> print(assistant.submit_batch(ask))  # doctest: +SKIP
        40 requests: 0 in the cache, 40 waiting for a batch, 0 not submitted
          batch batch_6790...: validating, 0 of 40 requests answered
        >>> print(assistant.collect_batch(ask, wait=True))  # hours later  # doctest: +SKIP
        >>> graph = ask(assistant)  # every answer from the cache  # doctest: +SKIP
    """

    engine: LanguageModel

    # ------------------------------------------------------------------ helpers
    def _twin_call(self, call: Call) -> Callable[[LanguageModel], Any]:
        """`call` run on a copy of this assistant that uses the given (planning) engine."""

        def on(engine: LanguageModel) -> Any:
            twin = copy.copy(self)
            twin.engine = engine
            return call(twin)  # type: ignore[arg-type]

        return on

    def _runner(self, poll_interval: float = DEFAULT_POLL_SECONDS) -> BatchRunner:
        return BatchRunner(self.engine, poll_interval=poll_interval)

    # ------------------------------------------------------------------ submit
    def submit_batch(self, call: Call) -> BatchStatus:
        """Send the requests `call` still needs (not in the cache, in no batch) as a batch.

        Args:
            call: a function of the assistant that runs the tasks, e.g.
                ``lambda a: a.suggest_graph(variables)``; it is run in planning mode, which
                sends nothing to the model.

        Returns:
            A `BatchStatus`: how many requests are cached, waiting in a batch, or unsent.

        Raises:
            InputError: the cache mode is not ``read_write``/``record_missing``, or the
                assistant does not talk to an OpenAI-compatible server.
            RequestRejectedError: the server refused the upload or the batch (a server
                without the Batch API says 404).
        """
        runner = self._runner()
        plan = plan_call(self.engine, self._twin_call(call))
        return run_sync(runner.submit(plan))

    async def submit_batch_async(self, call: AsyncCall) -> BatchStatus:
        """Async twin of `submit_batch`: `call` uses the async API,
        e.g. ``lambda a: a.suggest_graph_async(variables)``."""
        runner = self._runner()
        plan = await plan_call_async(self.engine, self._twin_call(call))
        return await runner.submit(plan)

    # ------------------------------------------------------------------ status
    def batch_status(self, call: Call) -> BatchStatus:
        """How far the batches holding `call`'s requests got (asks the server; sends nothing)."""
        runner = self._runner()
        plan = plan_call(self.engine, self._twin_call(call))
        return run_sync(runner.status(plan))

    async def batch_status_async(self, call: AsyncCall) -> BatchStatus:
        """Async twin of `batch_status`."""
        runner = self._runner()
        plan = await plan_call_async(self.engine, self._twin_call(call))
        return await runner.status(plan)

    # ------------------------------------------------------------------ collect
    def collect_batch(
        self,
        call: Call,
        *,
        wait: bool = False,
        timeout: float | None = None,
        poll_interval: float = DEFAULT_POLL_SECONDS,
        progress: ProgressHook | None = None,
    ) -> BatchReport:
        """Import the answers of `call`'s finished batches into the cache.

        Each answer is handled as a live reply would be: a refusal or a cut-off reply is not
        stored; a reply that does not validate is stored and the next normal run re-asks it
        with the error. Both are listed in the report's ``failed``.

        Args:
            call: the same function as for `submit_batch`.
            wait: poll every `poll_interval` seconds until each batch has finished.
            timeout: stop waiting after this many seconds (None: as long as it takes).
            poll_interval: seconds between looks at the server while waiting.
            progress: called with the list of `BatchJob` after each look.

        Returns:
            A `BatchReport`; ``report.complete`` is True when `call` now replays entirely
            from the cache.
        """
        runner = self._runner(poll_interval)
        plan = plan_call(self.engine, self._twin_call(call))
        return run_sync(runner.collect(plan, wait=wait, timeout=timeout, progress=progress))

    async def collect_batch_async(
        self,
        call: AsyncCall,
        *,
        wait: bool = False,
        timeout: float | None = None,
        poll_interval: float = DEFAULT_POLL_SECONDS,
        progress: ProgressHook | None = None,
    ) -> BatchReport:
        """Async twin of `collect_batch`."""
        runner = self._runner(poll_interval)
        plan = await plan_call_async(self.engine, self._twin_call(call))
        return await runner.collect(plan, wait=wait, timeout=timeout, progress=progress)
