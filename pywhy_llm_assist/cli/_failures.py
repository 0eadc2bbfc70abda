"""How the command line reports a failure: one bounded line on stderr, never the API key.

A replay miss is said in the command line's own words (``--cache-mode record_missing``), and
never with "rerun", which in replay mode would fail the same way again.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from ..core._errors import InputError, QueriesFailedError, ReplayMissError
from ..core._text import counted
from ..llm import MIN_SECRET_LENGTH, redact_text
from ._commands import (
    OPENED,
)
from ._settings import (
    API_KEY_VARIABLE,
    PROGRAM,
    cache_folder,
    setting,
)

ERROR_LINE_CHARACTERS = 2_000
"""Longest error line printed; the rest is cut (a list of 10,000 names is not a message)."""


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    if len(text) > ERROR_LINE_CHARACTERS:
        cut = len(text) - ERROR_LINE_CHARACTERS
        text = f"{text[:ERROR_LINE_CHARACTERS]}... ({cut:,} more characters)"
    return text


def secrets(args: argparse.Namespace | None) -> tuple[str, ...]:
    """The API keys this command could have used: never printed, whatever a server echoed."""
    names = [API_KEY_VARIABLE, getattr(args, "api_key_env", None) if args is not None else None]
    values = (os.environ.get(name) or "" for name in names if name)
    return tuple(value for value in values if len(value) >= MIN_SECRET_LENGTH)


def say(text: str, args: argparse.Namespace | None = None) -> None:
    text = redact_text(text, secrets(args))
    with contextlib.suppress(OSError, AttributeError):  # stderr closed or full: say nothing
        print(f"{PROGRAM}: {text}", file=sys.stderr)


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush cannot fail (and print)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno() if sys.stdout is not None else 1)


def cache_failures() -> str | None:
    failures = [failure for assistant in OPENED for failure in assistant.engine.cache_failures]
    if not failures:
        return None
    first = failures[0]
    return (
        f"{len(failures)} answers could not be stored in the cache {first.folder} "
        f"({first.reason}); the result is complete, but a rerun will ask for them again: "
        "free space or choose another --cache"
    )


REPLAY_HINT = (
    "hint: replay mode only reads recorded answers; record the missing ones with "
    "--cache-mode record_missing (needs the model), then replay"
)


def replay_misses(error: BaseException) -> list[ReplayMissError]:
    """The replay misses in `error`: itself, or every failure of a `QueriesFailedError`.

    Empty when something else failed as well (that error is then printed as it is).
    """
    if isinstance(error, ReplayMissError):
        return [error]
    if isinstance(error, QueriesFailedError):
        misses = [failure for _, failure in error.failures if isinstance(failure, ReplayMissError)]
        return misses if len(misses) == len(error.failures) else []
    return []


def replay_message(misses: list[ReplayMissError], error: BaseException) -> str:
    """One short line for replay misses, in the command line's own words."""
    first = misses[0]
    about = ", ".join(repr(name) for name in first.variables) or "the variables"
    total = len(misses) + (error.completed if isinstance(error, QueriesFailedError) else 0)
    more = f" and {len(misses) - 1} more" if len(misses) > 1 else ""
    return (
        f"replay mode: {len(misses)} of {counted(total, 'answer')} not recorded: the "
        f"{first.task or 'model'} query about {about} (cache key {first.key[:16]}){more}"
    )


def resume_hint(args: argparse.Namespace | None, error: BaseException) -> str:
    try:
        mode = setting(args, "cache_mode") if args is not None else "read_write"
        folder = cache_folder(args) if args is not None else None
    except InputError:
        mode, folder = "read_write", None
    if replay_misses(error) or mode == "replay":
        return REPLAY_HINT
    if mode == "off" or folder is None:
        return "hint: rerun the same command to try again"
    return f"hint: finished answers are cached in {folder}; rerun the same command to resume"
