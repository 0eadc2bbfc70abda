"""Response cache and recording: one content-addressed JSON file per answer.

The same files serve an analyst's cache, a CI replay and the recorded fixtures of tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, get_args

from ..core._errors import CacheNotWritableError as CacheNotWritableError
from ..core._errors import InputError
from ..core._files import MissingFileError, read_bytes
from ..core._usage import cached_prompt_tokens, token_count
from ._redaction import redact as redact  # re-exported: the cache writes redacted entries

logger = logging.getLogger("pywhy_llm_assist")

CacheMode = Literal["off", "read_write", "replay", "record_missing", "refresh"]
CACHE_MODES: tuple[str, ...] = get_args(CacheMode)
CACHE_MODE_VARIABLE = "PYWHY_LLM_ASSIST_CACHE_MODE"
CACHE_DIR_VARIABLE = "PYWHY_LLM_ASSIST_CACHE_DIR"
ENTRY_FORMAT = 1
TEMPORARY_PREFIX = "."
TEMPORARY_SUFFIX = ".tmp"
MAX_ENTRY_BYTES = 16 * 1024 * 1024
"""Largest cache file read: replies are capped well below this before they are stored."""
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
TEMPORARY_PATTERN = re.compile(r"\.[0-9a-f]{12}\..+\.tmp")


@dataclass(frozen=True)
class ModeRules:
    """What a cache mode allows."""

    read: bool
    write: bool
    call_on_miss: bool


MODE_RULES: dict[str, ModeRules] = {
    "off": ModeRules(read=False, write=False, call_on_miss=True),
    "read_write": ModeRules(read=True, write=True, call_on_miss=True),
    # Same behaviour as read_write, named for the fixture-recording workflow.
    "record_missing": ModeRules(read=True, write=True, call_on_miss=True),
    "replay": ModeRules(read=True, write=False, call_on_miss=False),
    "refresh": ModeRules(read=False, write=True, call_on_miss=True),
}


def resolve_cache_mode(mode: str | None) -> CacheMode:
    """Return `mode` if given, else ``$PYWHY_LLM_ASSIST_CACHE_MODE``, else ``read_write``.

    The environment variable wins over the argument's *default*, so an analyst's CI can force
    ``replay`` without touching code: pass ``mode=None`` to mean "the default".
    """
    chosen = mode if mode is not None else os.environ.get(CACHE_MODE_VARIABLE) or "read_write"
    if chosen not in MODE_RULES:
        raise InputError(
            f"unknown cache mode {chosen!r}: choose one of {', '.join(CACHE_MODES)}"
            + (f" (set by ${CACHE_MODE_VARIABLE})" if mode is None else "")
        )
    return chosen  # type: ignore[return-value]


def default_cache_folder() -> Path:
    """``$PYWHY_LLM_ASSIST_CACHE_DIR``, else ``$XDG_CACHE_HOME`` or ``~/.cache``, plus the name."""
    explicit = os.environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pywhy-llm-assist"


def canonical_json(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, unicode kept; the input of cache keys."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(material: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of the canonical JSON of `material`."""
    return hashlib.sha256(canonical_json(dict(material)).encode("utf-8")).hexdigest()


def request_key(
    request: Mapping[str, Any],
    *,
    mode: object,
    prompt_version: object,
    sample: object,
    server: str | None = None,
) -> str:
    """The cache key of a chat request body (as `ChatRequest.payload` builds it).

    The key covers model, messages, sampling parameters, response format, output mode,
    prompt version and sample index, never the API key; the server's URL only when `server`
    is given (``cache_key_includes_server=True``). An entry stores all of them, so a reader can
    check that an entry answers the question its key names (`entry_matches_key`).
    """
    material: dict[str, Any] = {
        "model": request.get("model"),
        "messages": request.get("messages"),
        "temperature": request.get("temperature"),
        "seed": request.get("seed"),
        "max_tokens": request.get("max_tokens"),
        "response_format": request.get("response_format"),
        "mode": mode,
        "prompt_version": prompt_version,
        "sample": sample,
    }
    if server is not None:
        material["server"] = server
    return cache_key(material)


def entry_matches_key(entry: Mapping[str, Any], key: str) -> bool:
    """True when the request an entry stores hashes to `key` (a swapped or edited file does not)."""
    request = entry.get("request")
    if not isinstance(request, Mapping):
        return False
    try:
        stored = request_key(
            request,
            mode=entry.get("mode"),
            prompt_version=entry.get("prompt_version"),
            sample=entry.get("sample"),
            server=server if isinstance(server := entry.get("server"), str) else None,
        )
    except (TypeError, ValueError):  # not JSON-serialisable: not one of ours
        return False
    return stored == key


class CorruptEntryError(Exception):
    """A cache file exists but cannot be read as an entry."""


class ResponseCache:
    """A folder of recorded answers, one JSON file per cache key.

    Files live at ``<folder>/<key[:2]>/<key>.json``, pretty-printed with sorted keys so they
    diff well when committed as fixtures. Writes are atomic (temporary file, fsync, rename):
    a crash never leaves a partial entry, and two processes writing at once lose nothing.

    Args:
        folder: where entries live (created on first write).

    Example:
        >>> import tempfile
        >>> cache = ResponseCache(tempfile.mkdtemp())
        >>> cache.get("0" * 64) is None
        True
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(f"cache path {str(self.folder)!r} exists and is not a folder")
        self._writable = False
        self._probe_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.folder)!r})"

    def path_for(self, key: str) -> Path:
        """The file that holds entry `key`."""
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """Return the entry for `key`, None if absent; raise `CorruptEntryError` if unreadable."""
        path = self.path_for(key)
        try:
            # Regular files only, bounded: a FIFO or a symlink to /dev/zero in the cache must
            # neither hang a run nor fill its memory.
            data = read_bytes(path, "cache entry", limit=MAX_ENTRY_BYTES, streams=False)
        except MissingFileError:
            return None
        except InputError as error:
            raise CorruptEntryError(f"{path}: {error}") from None
        try:
            entry = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise CorruptEntryError(f"{path}: not UTF-8 ({error})") from None
        except (json.JSONDecodeError, RecursionError) as error:
            raise CorruptEntryError(f"{path}: not valid JSON ({error})") from None
        if (
            not isinstance(entry, dict)
            or entry.get("key") != key
            or entry.get("format") != ENTRY_FORMAT
            or "response" not in entry
        ):
            raise CorruptEntryError(f"{path}: not a cache entry for key {key[:12]}")
        return entry

    def ensure_writable(self) -> None:
        """Check, once per cache object, that entries can be written here.

        Creates the folder and a temporary file in it (then removes the file).

        Raises:
            CacheNotWritableError: read-only file system, no permission, a path under a file.
        """
        with self._probe_lock:
            if self._writable:
                return
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                descriptor, probe = tempfile.mkstemp(
                    prefix=f"{TEMPORARY_PREFIX}probe.", suffix=TEMPORARY_SUFFIX, dir=self.folder
                )
                os.close(descriptor)
                os.unlink(probe)
            except OSError as error:
                raise CacheNotWritableError(
                    f"cache folder {str(self.folder)!r} cannot be written "
                    f"({error.strerror or error}); nothing was sent. Choose another folder "
                    "(--cache DIR, cache=...), or cache mode 'off' (answers are not kept) or "
                    "'replay' (read only)"
                ) from None
            self._writable = True

    def put(self, key: str, entry: Mapping[str, Any]) -> Path:
        """Write `entry` for `key` atomically and return its path."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {**entry, "key": key, "format": ENTRY_FORMAT},
            indent=2,
            sort_keys=True,
            ensure_ascii=False,
        )
        descriptor, temporary = tempfile.mkstemp(
            prefix=f"{TEMPORARY_PREFIX}{key[:12]}.", suffix=TEMPORARY_SUFFIX, dir=path.parent
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return path

    def delete(self, key: str) -> bool:
        """Remove entry `key`; return whether it existed.

        Only a file (or a symlink) is removed: a folder that happens to sit where an entry
        would is not one of ours and is left alone.
        """
        path = self.path_for(key)
        try:
            if stat.S_ISDIR(path.lstat().st_mode):
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def keys(self) -> Iterator[str]:
        """Every stored key: files ``XX/<64 hex digits>.json`` whose name starts with ``XX``.

        Anything else (a user's ``en/en.json``, temporary files) is not an entry, so no
        command ever reads or deletes it as one.
        """
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("??/*.json")):
            if KEY_PATTERN.fullmatch(path.stem) and path.stem[:2] == path.parent.name:
                yield path.stem

    def entries(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """Every (key, entry) pair; the entry is None for a corrupt file."""
        for key in self.keys():
            try:
                yield key, self.get(key)
            except CorruptEntryError:
                yield key, None

    def stats(self) -> dict[str, Any]:
        """Counts and sizes: entries, corrupt entries, bytes, tokens (prompt, cached prompt,
        completion), models and tasks."""
        entries = corrupt = size = prompt_tokens = cached_tokens = completion_tokens = 0
        models: dict[str, int] = {}
        tasks: dict[str, int] = {}
        for key, entry in self.entries():
            with contextlib.suppress(OSError):
                size += self.path_for(key).stat().st_size
            if entry is None:
                corrupt += 1
                continue
            entries += 1
            usage = entry.get("usage")
            usage = usage if isinstance(usage, dict) else {}
            # Counts the server sent as text, infinity or negative numbers are unknown: 0 here.
            prompt_tokens += token_count(usage.get("prompt_tokens")) or 0
            cached_tokens += cached_prompt_tokens(usage)
            completion_tokens += token_count(usage.get("completion_tokens")) or 0
            models[str(entry.get("model"))] = models.get(str(entry.get("model")), 0) + 1
            tasks[str(entry.get("task"))] = tasks.get(str(entry.get("task")), 0) + 1
        return {
            "folder": str(self.folder),
            "entries": entries,
            "corrupt": corrupt,
            "bytes": size,
            "prompt_tokens": prompt_tokens,
            "cached_prompt_tokens": cached_tokens,
            "completion_tokens": completion_tokens,
            "models": models,
            "tasks": tasks,
        }

    def prune(self, *, older_than_days: float | None = None, corrupt: bool = True) -> int:
        """Delete corrupt entries and (optionally) entries older than a number of days.

        Only files this cache can prove are its own are deleted: entry files named by a
        64-digit key in their key's subfolder, and temporary files of its writers once they
        are an hour old (a running writer keeps its own). A folder that holds no readable
        entry at all is refused: it is probably not a cache (``--cache`` pointing at the
        wrong folder), and its files are not ours to delete.

        Raises:
            InputError: the folder holds files but no valid entry, `older_than_days` is not a
                finite number of 0 or more, or a file cannot be deleted.
        """
        if older_than_days is not None and not (
            math.isfinite(older_than_days) and older_than_days >= 0
        ):
            raise InputError(f"older than must be 0 or more days, not {older_than_days}")
        scanned = list(self.entries())
        if scanned and all(entry is None for _, entry in scanned):
            raise InputError(
                f"{str(self.folder)!r} holds no valid cache entry ({len(scanned)} unreadable "
                "files named like entries); is it the right cache folder? Nothing was deleted"
            )
        removed = 0
        now = datetime.now(timezone.utc)
        try:
            if corrupt and self.folder.is_dir():
                for leftover in self.folder.glob(f"??/{TEMPORARY_PREFIX}*{TEMPORARY_SUFFIX}"):
                    if not TEMPORARY_PATTERN.fullmatch(leftover.name):
                        continue
                    info = leftover.lstat()
                    if stat.S_ISREG(info.st_mode) and now.timestamp() - info.st_mtime > 3600:
                        leftover.unlink()
                        removed += 1
            for key, entry in scanned:
                too_old = False
                if entry is not None and older_than_days is not None:
                    created = _parse_time(entry.get("created"))
                    too_old = (
                        created is not None
                        and (now - created).total_seconds() >= older_than_days * 86400.0
                    )
                if (entry is None and corrupt) or too_old:
                    removed += self.delete(key)
        except OSError as error:
            raise InputError(
                f"cannot delete from cache folder {str(self.folder)!r}: "
                f"{error.strerror or error} ({removed} files removed before that)"
            ) from None
        return removed


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def now_iso() -> str:
    """The current UTC time in ISO 8601, seconds precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
