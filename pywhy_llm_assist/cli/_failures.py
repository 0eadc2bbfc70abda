"""How the command line reports a failure: one bounded line on stderr, never the API key."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from ..core._errors import InputError, ReplayMissError
from ._commands import API_KEY_VARIABLE, OPENED, PROGRAM, cache_folder, setting

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
    return tuple(value for name in names if name and len(value := os.environ.get(name) or "") >= 4)


def say(text: str, args: argparse.Namespace | None = None) -> None:
    for secret in secrets(args):
        text = text.replace(secret, "[REDACTED]")
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


def resume_hint(args: argparse.Namespace | None, error: BaseException) -> str:
    if isinstance(error, ReplayMissError):
        return (
            "hint: replay mode only reads recorded answers; record them first with "
            "--cache-mode record_missing (needs the model)"
        )
    try:
        mode = setting(args, "cache_mode") if args is not None else "read_write"
        folder = cache_folder(args) if args is not None else None
    except InputError:
        mode, folder = "read_write", None
    if mode in ("off", "replay") or folder is None:
        return "hint: rerun the same command to try again"
    return f"hint: finished answers are cached in {folder}; rerun the same command to resume"
