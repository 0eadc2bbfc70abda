"""`ProgressBar`: the queries of one call as a tqdm bar, in a terminal or in Jupyter.

Every `Assistant` method takes ``progress=``: a callable that receives a `ProgressEvent` after
each finished query, or ``True`` for this bar. tqdm draws it (`tqdm.auto`: a widget in a
Jupyter notebook when ipywidgets is installed, else text on stderr), so we only add what tqdm
lacks for this use: a total that is known only once the first queries are sent, the current
query in the postfix, and a redraw every half second so the elapsed time moves while one slow
answer is awaited.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, TypeAlias

from ..core._errors import InputError
from ._engine import ProgressCallback, ProgressEvent

TICK_SECONDS = 0.5
DESCRIPTION_WIDTH = 32


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules


class ProgressBar:
    """A progress bar for the queries of one call; pass it (or ``True``) as ``progress=``.

    Args:
        label: what is running, shown before the bar.
        stream: where a text bar is drawn (default: stderr, or a widget in Jupyter); giving a
            stream always draws text.
        enabled: force drawing on or off; by default the bar draws in a notebook or when the
            stream is a terminal, so logs and CI output stay clean.
        leave: keep the finished bar on screen (the command line erases it instead).

    Example:
        >>> import io
        >>> with ProgressBar("suggest-graph", stream=io.StringIO()) as bar:
        ...     bar(ProgressEvent("per_node", 1, 2, "per_node query about 'a'"))
        >>> bar.enabled  # a StringIO is not a terminal
        False
    """

    def __init__(
        self,
        label: str = "",
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        leave: bool = True,
    ) -> None:
        self.label = label
        self.stream = stream
        self.leave = leave
        if enabled is None:
            target = stream if stream is not None else sys.stderr
            is_terminal = getattr(target, "isatty", None)
            terminal = bool(is_terminal()) if callable(is_terminal) else False
            enabled = terminal or (stream is None and _in_notebook())
        self.enabled = enabled
        self._bar: Any = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> ProgressBar:
        """Show the bar (no-op when disabled or already started)."""
        if not self.enabled or self._bar is not None or self._stop.is_set():
            return self
        import tqdm.auto
        import tqdm.std

        # tqdm.auto: a widget in Jupyter, text elsewhere; a given stream always gets text.
        draw: Any = tqdm.auto.tqdm if self.stream is None else tqdm.std.tqdm
        self._bar = draw(
            total=None,
            desc=self.label or None,
            unit=" queries",
            file=self.stream if self.stream is not None else sys.stderr,
            leave=self.leave,
            dynamic_ncols=True,
            mininterval=0.0,
        )
        self._ticker = threading.Thread(target=self._tick, name="progress-bar", daemon=True)
        self._ticker.start()
        return self

    def close(self) -> None:
        """Stop redrawing and close the bar (erased unless `leave`); later events are ignored."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=1.0)
            self._ticker = None
        with self._lock:
            if self._bar is not None:
                self._bar.close()

    def __enter__(self) -> ProgressBar:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ events
    def __call__(self, event: ProgressEvent) -> None:
        """Record a finished query: `done` of `total`, and what it was about."""
        if not self.enabled or self._stop.is_set():
            return
        self.start()
        with self._lock:
            bar = self._bar
            if bar is None:
                return
            total = max(event.total, event.done)
            if bar.total != total:
                # reset() is how tqdm (and its notebook widget) learn a new total; keep the
                # start time, so the elapsed time counts from the start of the call.
                started = bar.start_t
                bar.reset(total=total)
                bar.start_t = started
            bar.n = event.done
            description = event.description
            if len(description) > DESCRIPTION_WIDTH:
                description = description[: DESCRIPTION_WIDTH - 3] + "..."
            bar.set_postfix_str(description, refresh=False)
            bar.refresh()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            with self._lock:
                if self._bar is not None and not self._stop.is_set():
                    self._bar.refresh()


ProgressOption: TypeAlias = "ProgressCallback | bool | None"
"""What ``progress=`` takes: a callable, ``True`` for a `ProgressBar`, or False/None for none."""


@contextmanager
def progress_for(progress: ProgressOption, label: str) -> Iterator[ProgressCallback | None]:
    """The callback for `progress` during one call: a `ProgressBar` (closed after) for True.

    Raises:
        InputError: `progress` is neither a bool, None nor a callable.
    """
    if progress is True:
        with ProgressBar(label, enabled=True) as bar:
            yield bar
    elif progress is None or progress is False:
        yield None
    elif callable(progress):
        yield progress
    else:
        raise InputError(
            "progress must be True (a progress bar), False/None, or a callable that takes a "
            f"ProgressEvent, not {type(progress).__name__}"
        )
