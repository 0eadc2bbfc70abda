"""Command-line commands that are not a single task: ``cache``, ``demo`` and ``benchmark``."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .. import ResponseCache, Variables
from ..core._errors import InputError
from ..core._text import counted
from ..llm import DEFAULT_MODEL_NAME
from ._commands import (
    open_assistant,
    progress_bar,
    report_graph,
    reporter,
    write_output,
)
from ._inputs import read_variables
from ._settings import (
    PROGRAM,
    cache_folder,
    setting,
)

DEMO_PACKAGE = "pywhy_llm_assist.cli"
DEMO_FOLDER = "demo"
DEMO_FILE = "variables.yaml"


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


# --------------------------------------------------------------------------- demo
@dataclass(frozen=True)
class DemoProblem:
    """The bundled demo: variables, context, treatment and outcome."""

    variables: Variables
    context: str | None
    treatment: str
    outcome: str


@contextmanager
def demo_problem() -> Iterator[DemoProblem]:
    """Read the demo problem shipped inside the package (``demo/variables.yaml``)."""
    resource = resources.files(DEMO_PACKAGE).joinpath(DEMO_FOLDER).joinpath(DEMO_FILE)
    with resources.as_file(resource) as path:
        loaded = read_variables(path)
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    yield DemoProblem(
        loaded.variables, loaded.context, str(document["treatment"]), str(document["outcome"])
    )


def run_demo(args: argparse.Namespace) -> int:
    """``demo``: suggest, critique and review on the embedded model (or ``--model``)."""
    out_dir = Path(args.out_dir).expanduser()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {str(out_dir)!r}: {error.strerror or error}") from None
    report = reporter(args)
    started = time.monotonic()
    with demo_problem() as problem, open_assistant(args, prefer_local=True) as assistant:
        tiny = assistant.model == DEFAULT_MODEL_NAME
        report.line(
            f"demo on {assistant.model}"
            + (" (embedded, tiny: it shows the workflow, not expert knowledge)" if tiny else "")
        )
        names = ", ".join(problem.variables.names)
        report.line(f"[1/3] suggesting a causal graph over {names} ...")
        with progress_bar(args, "suggest-graph") as bar:
            graph = assistant.suggest_graph(
                problem.variables, context=problem.context, strategy="whole", progress=bar
            )
        graph.to_json(out_dir / "graph.json")
        (out_dir / "graph.dot").write_text(graph.to_dot() + "\n", encoding="utf-8")
        report_graph(report, graph, "suggested graph", indent="      ")
        report.line(
            f"[2/3] critiquing it for the effect of {problem.treatment} on {problem.outcome} ..."
        )
        with progress_bar(args, "critique") as bar:
            critique = assistant.critique(
                graph,
                treatment=problem.treatment,
                outcome=problem.outcome,
                context=problem.context,
                progress=bar,
            )
        critique.to_json(out_dir / "critique.json")
        report.line("\n".join(f"      {line}" for line in str(critique).splitlines()))
        report.line("[3/3] writing the review page ...")
        graph.to_review_html(out_dir / "review.html", critique=critique)
        total = assistant.usage
        cache = assistant.cache
    elapsed = time.monotonic() - started
    report.line("")
    report.line(f"done in {elapsed:.1f} s; usage: {total.summary()}")
    outputs = (
        ("graph.json", "the suggested graph (lossless JSON)"),
        ("graph.dot", "the same graph in Graphviz DOT"),
        ("critique.json", "the critique's findings"),
        ("review.html", "the review page: open it in a browser"),
    )
    width = max(len(str(out_dir / name)) for name, _ in outputs)
    for name, what in outputs:
        report.line(f"  {str(out_dir / name).ljust(width)}  {what}")
    if cache is not None:
        report.line(f"answers are cached in {cache.folder}: a second run is instant")
    report.line("next: decide on each edge in review.html, press 'Export decisions', then run")
    report.line(
        f"  {PROGRAM} apply-review {out_dir / 'graph.json'} review-decisions.json "
        "--out reviewed.json"
    )
    report.line(f"with a real model: {PROGRAM} demo --model gpt-4o-mini  (or any --base-url)")
    print(out_dir.resolve() / "review.html")
    return 0


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
