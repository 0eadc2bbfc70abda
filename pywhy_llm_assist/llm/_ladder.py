"""The structured-output ladder's memory: the best output mode each server accepted."""

from __future__ import annotations

import threading


class Ladder:
    """Remembers, per (base_url, model), the best output mode the server accepted."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def current(self, server: tuple[str, str]) -> int:
        with self._lock:
            return self._steps.get(server, 0)

    def step_down(self, server: tuple[str, str], below: int) -> int:
        with self._lock:
            step = max(self._steps.get(server, 0), below + 1)
            self._steps[server] = step
            return step

    def forget(self) -> None:
        with self._lock:
            self._steps.clear()


LADDER = Ladder()
"""The process-wide memory, per (base_url, model)."""
