"""Reading and writing the answers of a run in the cache, without ever losing one.

A cache entry is trusted only if the request it stores hashes to its key (a swapped or
edited file is fetched again). A write that fails after the answer was paid for (a full
disk, a folder made read-only mid-run) does not fail the run: the answer is kept in memory,
the failure is recorded once, and the caller reports it when the run is over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core._usage import usage_counts
from ._cache import CorruptEntryError, ResponseCache, entry_matches_key, redact

logger = logging.getLogger("pywhy_llm_assist")


@dataclass(frozen=True)
class CacheWriteFailure:
    """An answer that could not be stored in the cache (it was still used by the run).

    Attributes:
        key: the cache key of the answer.
        folder: the cache folder.
        reason: the operating system's reason (``No space left on device``, ...).
    """

    key: str
    folder: str
    reason: str


class Recorder:
    """The cache I/O of a `LanguageModel`: verified reads, writes that never fail a run."""

    def __init__(self, cache: ResponseCache | None, secrets: tuple[str, ...]) -> None:
        self.cache = cache
        self.secrets = secrets
        self.failures: list[CacheWriteFailure] = []
        self._lock = threading.Lock()

    def read(self, key: str, has_choice: Any) -> dict[str, Any] | None:
        """The verified entry for `key`, or None (absent, corrupt, or not answering `key`)."""
        if self.cache is None:
            return None
        try:
            entry = self.cache.get(key)
        except CorruptEntryError as error:
            logger.warning("corrupt cache entry ignored and fetched again: %s", error)
            return None
        if entry is None:
            return None
        if not entry_matches_key(entry, key):
            logger.warning(
                "corrupt cache entry ignored and fetched again: %s: the request it stores "
                "does not hash to its key (the file was edited or swapped)",
                self.cache.path_for(key),
            )
            return None
        if not has_choice(entry["response"]):
            logger.warning(
                "corrupt cache entry ignored and fetched again: %s: the recorded response "
                "holds no chat completion choice",
                self.cache.path_for(key),
            )
            return None
        return entry

    def ensure_writable(self) -> None:
        """Refuse to start paying for answers that could not be stored (see `ResponseCache`)."""
        if self.cache is not None:
            self.cache.ensure_writable()

    def write(self, key: str, entry: Mapping[str, Any]) -> None:
        """Store `entry`; a failure is recorded (and logged once), never raised."""
        assert self.cache is not None
        try:
            self.cache.put(key, redact(entry, self.secrets))
        except OSError as error:
            self._failed(key, error)

    def forget(self, keys: Sequence[str]) -> None:
        """Delete the entries of `keys` (a failure to delete is logged, never raised)."""
        if self.cache is None:
            return
        for key in dict.fromkeys(keys):
            try:
                self.cache.delete(key)
            except OSError as error:
                logger.warning("could not delete cache entry %s: %s", key[:12], error)

    def _failed(self, key: str, error: OSError) -> None:
        assert self.cache is not None
        failure = CacheWriteFailure(key, str(self.cache.folder), error.strerror or str(error))
        with self._lock:
            first = not self.failures
            self.failures.append(failure)
        if first:
            logger.warning(
                "could not write an answer to the cache %s (%s); this run keeps its answers "
                "in memory and finishes, but a rerun will ask for them again",
                failure.folder,
                failure.reason,
            )


def known_usage(usage: object) -> Any:
    """The usage block to store: the server's block, or None when its counts are unusable."""
    return usage if usage_counts(usage) is not None else None
