"""A small progress bar on stderr, fed by `ProgressEvent`s; silent when stderr is not a terminal."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

from .. import ProgressEvent

BAR_WIDTH = 24
TICK_SECONDS = 0.5


class ProgressBar:
    """Draws ``[######------] 3/8 queries  12s  per_node query about 'age'`` on one line.

    Use it as the ``progress=`` callback of any `Assistant` task. It draws only when `stream`
    is a terminal (or when `enabled` says so), redraws the elapsed time every half second
    while a slow query runs, and erases its line on `close` so later output starts clean.

    Args:
        label: what is running, shown before the first event arrives.
        stream: where to draw (default: ``sys.stderr``).
        enabled: force drawing on or off (default: only when `stream` is a terminal).

    Example:
        >>> import io
        >>> bar = ProgressBar("suggest-graph", stream=io.StringIO())
        >>> bar(ProgressEvent("per_node", 1, 2, "per_node query about 'a'"))
        >>> bar.enabled
        False
    """

    def __init__(
        self, label: str = "", *, stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            is_terminal = getattr(self.stream, "isatty", None)
            enabled = bool(is_terminal()) if callable(is_terminal) else False
        self.enabled = enabled
        self.label = label
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._done = 0
        self._total = 0
        self._description = ""
        self._drawn = False
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> ProgressBar:
        """Draw the first line and keep the elapsed time moving (no-op when disabled)."""
        if not self.enabled or self._ticker is not None:
            return self
        self._started = time.monotonic()
        self._draw()
        self._ticker = threading.Thread(target=self._tick, name="progress-bar", daemon=True)
        self._ticker.start()
        return self

    def close(self) -> None:
        """Stop redrawing and erase the bar's line."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=1.0)
            self._ticker = None
        with self._lock:
            if self._drawn:
                self.stream.write("\r" + " " * self._columns() + "\r")
                self.stream.flush()
                self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ events
    def __call__(self, event: ProgressEvent) -> None:
        """Record a finished query and redraw."""
        if not self.enabled:
            return
        with self._lock:
            self._done = event.done
            self._total = max(event.total, event.done)
            self._description = event.description
        self._draw()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self._draw()

    def _columns(self) -> int:
        return max(20, shutil.get_terminal_size((80, 24)).columns - 1)

    def render(self) -> str:
        """The current line (without the carriage return), fitted to the terminal width."""
        elapsed = f"{time.monotonic() - self._started:.0f}s"
        if self._total:
            filled = round(BAR_WIDTH * self._done / self._total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            text = f"[{bar}] {self._done}/{self._total} queries  {elapsed}  {self._description}"
        else:
            text = f"{self.label}  waiting for the first answer  {elapsed}"
        width = self._columns()
        return text if len(text) <= width else text[: width - 3] + "..."

    def _draw(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            line = self.render()
            self.stream.write("\r" + line.ljust(self._columns()))
            self.stream.flush()
            self._drawn = True
