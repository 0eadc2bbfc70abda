"""Command-line commands that are not a single task: ``cache`` and ``benchmark``.

The ``demo`` command lives in `_demo`.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import ResponseCache
from ..core._errors import InputError
from ..core._text import counted
from ._commands import (
    open_assistant,
    reporter,
    write_output,
)
from ._settings import (
    cache_folder,
    setting,
)


# --------------------------------------------------------------------------- cache
def _cache(args: argparse.Namespace) -> ResponseCache:
    return ResponseCache(cache_folder(args))


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _counts(counts: dict[str, int]) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{name} ({count})" for name, count in ordered) or "-"


def run_cache_stats(args: argparse.Namespace) -> int:
    """``cache stats``: entries, size, tokens, models and tasks of the cache."""
    stats = _cache(args).stats()
    if args.json:
        write_output(json.dumps(stats, indent=2, ensure_ascii=False), None)
        return 0
    rows = [
        ("folder", stats["folder"]),
        ("entries", str(stats["entries"])),
        ("corrupt", str(stats["corrupt"])),
        ("size", _size(stats["bytes"])),
        ("prompt tokens", f"{stats['prompt_tokens']:,}"),
        ("cached prompt tokens", f"{stats['cached_prompt_tokens']:,}"),
        ("completion tokens", f"{stats['completion_tokens']:,}"),
        ("models", _counts(stats["models"])),
        ("tasks", _counts(stats["tasks"])),
    ]
    width = max(len(label) for label, _ in rows)
    write_output("\n".join(f"{label.ljust(width)}  {value}" for label, value in rows), None)
    return 0


def _selected(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, Any]]]:
    """Readable entries matching ``--task`` and ``--model``, oldest first."""
    found = [
        (key, entry)
        for key, entry in _cache(args).entries()
        if entry is not None
        and (args.task is None or entry.get("task") == args.task)
        and (args.model is None or entry.get("model") == args.model)
    ]
    yield from sorted(found, key=lambda item: (str(item[1].get("created", "")), item[0]))


def run_cache_list(args: argparse.Namespace) -> int:
    """``cache list``: one line per entry: key, created, task, model and subject."""
    entries = list(_selected(args))
    if args.json:
        rows = [
            {
                "key": key,
                "created": entry.get("created"),
                "task": entry.get("task"),
                "model": entry.get("model"),
                "subject": entry.get("subject"),
                "usage": entry.get("usage"),
            }
            for key, entry in entries
        ]
        write_output(json.dumps(rows, indent=2, ensure_ascii=False), None)
        return 0
    lines = [
        f"{key[:16]}  {entry.get('created', '?')}  {entry.get('task', '?'):<18}  "
        f"{entry.get('model', '?')}  {', '.join(map(str, entry.get('subject') or []))}"
        for key, entry in entries
    ]
    if lines:
        write_output("\n".join(lines), None)
    reporter(args).line(f"{counted(len(lines), 'entry')} in {cache_folder(args)}")
    return 0


def run_cache_export(args: argparse.Namespace) -> int:
    """``cache export``: copy entries into a folder usable as a cache (test fixtures)."""
    cache = _cache(args)
    destination = Path(args.destination).expanduser()
    if destination.resolve() == cache.folder.resolve():
        raise InputError("cache export: the destination is the cache folder itself")
    count = 0
    for key, _ in _selected(args):
        target = destination / key[:2] / f"{key}.json"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(cache.path_for(key), target)
        except OSError as error:
            raise InputError(f"cannot write {str(target)!r}: {error.strerror or error}") from None
        count += 1
    reporter(args).line(
        f"exported {counted(count, 'entry')} to {destination}; replay them with "
        f"--cache {destination} --cache-mode replay"
    )
    return 0


def run_cache_prune(args: argparse.Namespace) -> int:
    """``cache prune``: delete corrupt entries, and entries older than ``--older-than`` days."""
    if args.older_than is not None and args.older_than < 0:
        raise InputError(f"--older-than must be 0 or more days, not {args.older_than}")
    removed = _cache(args).prune(older_than_days=args.older_than)
    which = "corrupt" + (
        f" or older than {args.older_than:g} days" if args.older_than is not None else ""
    )
    reporter(args).line(f"removed {counted(removed, 'entry')} ({which}) from {cache_folder(args)}")
    return 0


#: ``cache`` sub-command -> function.
CACHE_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "stats": run_cache_stats,
    "list": run_cache_list,
    "export": run_cache_export,
    "prune": run_cache_prune,
}


def run_cache(args: argparse.Namespace) -> int:
    """``cache``: dispatch to the sub-command."""
    return CACHE_COMMANDS[args.cache_command](args)


# --------------------------------------------------------------------------- benchmark
def _numbers(text: str, kind: Callable[[str], Any], option: str) -> tuple[Any, ...]:
    try:
        values = tuple(kind(part.strip()) for part in text.split(",") if part.strip())
    except ValueError:
        raise InputError(f"{option} {text!r}: give comma-separated numbers, e.g. 1,3") from None
    if not values:
        raise InputError(f"{option} is empty")
    return values


RENAME_CHOICES: dict[str, bool | str] = {"no": False, "yes": True, "both": "both"}


def _wants_model(args: argparse.Namespace) -> bool:
    if args.simulated:
        return False
    return bool(args.model or args.base_url or setting(args, "local") or setting(args, "model"))


def run_benchmark_command(args: argparse.Namespace) -> int:
    """``benchmark``: score graph suggestion on benchmark graphs and print a table."""
    from .. import format_table, run_benchmark

    report = reporter(args)
    strategies = tuple(
        part.strip().replace("-", "_") for part in args.strategies.split(",") if part.strip()
    )
    options: dict[str, Any] = {
        "strategies": strategies,
        "samples": _numbers(args.samples, int, "--samples"),
        "errors": _numbers(args.errors, float, "--errors"),
        "rename": RENAME_CHOICES[args.rename],
        "seed": _numbers(args.seeds, int, "--seeds"),
        "threshold": args.threshold,
        "break_cycles": not args.no_break_cycles,
        "calibrated": args.calibrated,
        "concurrency": setting(args, "concurrency") or 8,
        "progress": lambda row: report.line(
            f"  {row.graph} {row.strategy} x{row.samples}"
            + (f" error {row.error:g}" if row.error is not None else "")
            + (" renamed" if row.renamed else "")
            + (f": failed: {row.failure}" if row.failure else f": F1 {row.f1:.3f}, SHD {row.shd}")
        ),
    }
    graphs = args.graphs or None
    if _wants_model(args):
        if options["errors"] != (0.0,):
            raise InputError("--errors applies to the simulated expert only; drop it with a model")
        with open_assistant(args) as assistant:
            report.line(f"benchmark of {assistant.model}")
            result = run_benchmark(graphs, assistant=assistant, **options)
    else:
        report.line(
            "benchmark of the simulated expert (no model chosen: pass --model or --local "
            "to measure a model)"
        )
        result = run_benchmark(graphs, **options)
    columns = tuple(part.strip() for part in args.columns.split(",")) if args.columns else None
    table = format_table(result, columns=columns, markdown=args.markdown)
    if args.out is not None:
        report.line(f"wrote the report to {write_output(result.to_json(), args.out)}")
    write_output(result.to_json() if args.json else table, None)
    return 0
