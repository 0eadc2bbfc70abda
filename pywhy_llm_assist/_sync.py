"""Run a coroutine from synchronous code, also inside an already running event loop (Jupyter)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from collections.abc import Coroutine
from typing import Any, TypeVar

ResultT = TypeVar("ResultT")


def run_sync(coroutine: Coroutine[Any, Any, ResultT]) -> ResultT:
    """Run `coroutine` to completion and return its result.

    Without a running loop this is `asyncio.run`. Inside one (a Jupyter cell, an async web
    handler) the coroutine runs on a fresh loop in a worker thread, so the caller's loop is
    neither blocked by nesting nor re-entered.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        future = executor.submit(context.run, asyncio.run, coroutine)
        return future.result()
