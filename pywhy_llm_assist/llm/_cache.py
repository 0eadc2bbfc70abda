"""Response cache and recording: one content-addressed JSON file per answer.

The same files serve an analyst's cache, a CI replay and the recorded fixtures of tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, get_args

from ..core._errors import InputError

logger = logging.getLogger("pywhy_llm_assist")

CacheMode = Literal["off", "read_write", "replay", "record_missing", "refresh"]
CACHE_MODES: tuple[str, ...] = get_args(CacheMode)
CACHE_MODE_VARIABLE = "PYWHY_LLM_ASSIST_CACHE_MODE"
CACHE_DIR_VARIABLE = "PYWHY_LLM_ASSIST_CACHE_DIR"
ENTRY_FORMAT = 1
TEMPORARY_PREFIX = "."
TEMPORARY_SUFFIX = ".tmp"


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

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.folder)!r})"

    def path_for(self, key: str) -> Path:
        """The file that holds entry `key`."""
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """Return the entry for `key`, None if absent; raise `CorruptEntryError` if unreadable."""
        path = self.path_for(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise CorruptEntryError(f"{path}: {error}") from None
        try:
            entry = json.loads(text)
        except json.JSONDecodeError as error:
            raise CorruptEntryError(f"{path}: not valid JSON ({error})") from None
        if not isinstance(entry, dict) or entry.get("key") != key or "response" not in entry:
            raise CorruptEntryError(f"{path}: not a cache entry for key {key[:12]}")
        return entry

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
        """Remove entry `key`; return whether it existed."""
        try:
            self.path_for(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def keys(self) -> Iterator[str]:
        """Every stored key (temporary files are skipped)."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("??/*.json")):
            if path.stem[:2] == path.parent.name:  # skip stray files that are not entries
                yield path.stem

    def entries(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """Every (key, entry) pair; the entry is None for a corrupt file."""
        for key in self.keys():
            try:
                yield key, self.get(key)
            except CorruptEntryError:
                yield key, None

    def stats(self) -> dict[str, Any]:
        """Counts and sizes: entries, corrupt entries, bytes, tokens, models and tasks."""
        entries = corrupt = size = prompt_tokens = completion_tokens = 0
        models: dict[str, int] = {}
        tasks: dict[str, int] = {}
        for key, entry in self.entries():
            size += self.path_for(key).stat().st_size
            if entry is None:
                corrupt += 1
                continue
            entries += 1
            usage = entry.get("usage") or {}
            prompt_tokens += int(usage.get("prompt_tokens") or 0)
            completion_tokens += int(usage.get("completion_tokens") or 0)
            models[str(entry.get("model"))] = models.get(str(entry.get("model")), 0) + 1
            tasks[str(entry.get("task"))] = tasks.get(str(entry.get("task")), 0) + 1
        return {
            "folder": str(self.folder),
            "entries": entries,
            "corrupt": corrupt,
            "bytes": size,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "models": models,
            "tasks": tasks,
        }

    def prune(self, *, older_than_days: float | None = None, corrupt: bool = True) -> int:
        """Delete corrupt entries and (optionally) entries older than a number of days.

        Temporary files left by a writer that was killed mid-write (never read as entries)
        are removed too once they are an hour old, so a running writer keeps its own.
        """
        removed = 0
        now = datetime.now(timezone.utc)
        if corrupt and self.folder.is_dir():
            for leftover in self.folder.glob(f"??/{TEMPORARY_PREFIX}*{TEMPORARY_SUFFIX}"):
                with contextlib.suppress(OSError):
                    if now.timestamp() - leftover.stat().st_mtime > 3600:
                        leftover.unlink()
                        removed += 1
        for key, entry in list(self.entries()):
            too_old = False
            if entry is not None and older_than_days is not None:
                created = _parse_time(entry.get("created"))
                too_old = (
                    created is not None
                    and (now - created).total_seconds() >= older_than_days * 86400.0
                )
            if (entry is None and corrupt) or too_old:
                removed += self.delete(key)
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


def redact(value: Any, secrets: tuple[str, ...]) -> Any:
    """Replace every occurrence of each secret (and auth-like headers) in a JSON-like value."""
    if isinstance(value, str):
        for secret in secrets:
            if secret and len(secret) >= 4:
                value = value.replace(secret, "[REDACTED]")
        return value
    if isinstance(value, Mapping):
        return {
            key: "[REDACTED]"
            if str(key).lower() in ("authorization", "api-key", "api_key", "x-api-key")
            else redact(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item, secrets) for item in value]
    return value
