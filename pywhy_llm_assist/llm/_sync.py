"""Run a coroutine from synchronous code, also inside an already running event loop (Jupyter)."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

ResultT = TypeVar("ResultT")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_owner_pid: int | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    """The one event loop that runs every synchronous call, on a daemon thread.

    One long-lived loop (not a fresh `asyncio.run` per call) matters: an ``AsyncOpenAI``
    client handed to `Assistant` keeps pooled connections bound to the loop that opened them,
    so a second call on a new loop would fail with "Event loop is closed".
    """
    global _loop, _thread, _owner_pid
    with _lock:
        alive = (
            _loop is not None
            and not _loop.is_closed()
            and _thread is not None
            and _thread.is_alive()
            and _owner_pid == os.getpid()  # a forked child has the loop but not its thread
        )
        if not alive:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="pywhy-llm-assist-event-loop", daemon=True
            )
            thread.start()
            _loop, _thread, _owner_pid = loop, thread, os.getpid()
        assert _loop is not None
        return _loop


def run_sync(coroutine: Coroutine[Any, Any, ResultT]) -> ResultT:
    """Run `coroutine` to completion and return its result.

    The coroutine runs on a private event loop in a daemon thread (shared by all synchronous
    calls), so this works the same with or without a running loop in the caller's thread (a
    Jupyter cell, an async web handler): the caller's loop is neither nested nor re-entered.
    """
    future = asyncio.run_coroutine_threadsafe(coroutine, _background_loop())
    try:
        return future.result()
    except BaseException:
        future.cancel()  # e.g. KeyboardInterrupt while waiting: stop the work too
        raise
