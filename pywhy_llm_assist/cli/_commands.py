"""The command functions of the command line: model settings, task commands, outputs, summaries.

Every command takes the parsed `argparse.Namespace` and returns an exit code; bad input raises
`InputError` and model failures raise `ModelError`, which `_cli.main` turns into one line and
an exit code. Machine output (JSON, DOT, ...) goes to stdout or ``--out``; the human summary
goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import (
    Assistant,
    CausalGraph,
    Critique,
    ReviewDecisions,
    SensitivityReport,
    Usage,
    apply_review,
)
from ..core._errors import InputError
from ..core._text import counted
from ..llm import (
    ProgressBar,
)
from ._inputs import (
    describe_graph,
    read_graph,
    read_text,
    read_variables,
)
from ._settings import (
    PROGRAM,
    RATIONALE_WIDTH,
    make_assistant,
    model_settings,
)
from ._task_calls import TaskInputs as TaskInputs  # re-exported for the other commands
from ._task_calls import critique_call, identification_call, suggest_graph_call
from ._task_calls import task_inputs as task_inputs

OPENED: list[Assistant] = []
"""The assistants of the running command: `main` reports their cache write failures."""


def open_assistant(args: argparse.Namespace, *, prefer_local: bool = False) -> Assistant:
    """The assistant for a command, built by the (replaceable) `make_assistant`."""
    assistant = make_assistant(model_settings(args, prefer_local=prefer_local))
    OPENED.append(assistant)
    return assistant


class OutputError(InputError):
    """The result could not be written (a full disk, a closed standard output)."""


# --------------------------------------------------------------------------- output
class Reporter:
    """Writes the human summary to stderr, unless ``--quiet``."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def line(self, text: str = "") -> None:
        """Write one line (or several) to stderr."""
        if not self.quiet:
            print(text, file=sys.stderr)

    def usage(self, usage: Usage | None) -> None:
        """Write the usage line: calls, cache hits and tokens."""
        if usage is not None:
            self.line(f"usage: {usage.summary()}")


def reporter(args: argparse.Namespace) -> Reporter:
    """The summary writer for a command."""
    return Reporter(bool(getattr(args, "quiet", False)))


@contextmanager
def progress_bar(args: argparse.Namespace, label: str) -> Iterator[ProgressBar]:
    """A tqdm bar on stderr (only on a terminal, never with ``--quiet``), erased when done."""
    quiet = bool(getattr(args, "quiet", False))
    bar = ProgressBar(label, stream=sys.stderr, enabled=False if quiet else None, leave=False)
    with bar:
        yield bar


def write_output(text: str, out: str | None) -> str:
    """Write `text` to the file `out` (parent folders created) or stdout; say where it went."""
    if not text.endswith("\n"):
        text += "\n"
    if out is None or out == "-":
        if sys.stdout is None:  # started with stdout closed (`>&-`)
            raise OutputError("standard output is closed: pass --out FILE to keep the result")
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            raise  # the reader went away (`| head`): main ends quietly
        except OSError as error:
            raise OutputError(
                f"cannot write the result to standard output: {error.strerror or error}; "
                "pass --out FILE (finished answers are cached)"
            ) from None
        return "stdout"
    path = Path(out).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {out!r}: {error.strerror or error}") from None
    return str(path)


#: --format -> how a graph is written.
GRAPH_WRITERS: dict[str, Callable[[CausalGraph, argparse.Namespace], str]] = {
    "json": lambda graph, args: graph.to_json(),
    "dot": lambda graph, args: graph.to_dot(),
    "gml": lambda graph, args: graph.to_gml(),
    "dagitty": lambda graph, args: graph.to_dagitty(
        exposure=getattr(args, "treatment", None), outcome=getattr(args, "outcome", None)
    ),
    "mermaid": lambda graph, args: graph.to_mermaid(),
}
#: --out extension -> format, when --format is not given.
OUTPUT_SUFFIXES: dict[str, str] = {
    ".json": "json",
    ".dot": "dot",
    ".gv": "dot",
    ".gml": "gml",
    ".dagitty": "dagitty",
    ".dag": "dagitty",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
}


def graph_format(args: argparse.Namespace) -> str:
    """``--format``, else the format the ``--out`` extension names, else JSON.

    Commands call it before any model call, so a bad ``--out`` costs nothing.

    Raises:
        InputError: ``--out`` has an extension that names no graph format (``.png``, ``.txt``).
    """
    out = getattr(args, "out", None)
    chosen: str | None = getattr(args, "format", None)
    if chosen is not None:
        return chosen
    suffix = Path(out).suffix.casefold() if out and out != "-" else ""
    if suffix and suffix not in OUTPUT_SUFFIXES:
        raise InputError(
            f"--out {out!r}: cannot tell the graph format from the extension {suffix!r}; use "
            f"{', '.join(OUTPUT_SUFFIXES)}, or give --format (for a picture, pipe "
            "--format dot into Graphviz: ... --format dot | dot -Tpng -o graph.png)"
        )
    return OUTPUT_SUFFIXES.get(suffix, "json")


def write_graph(graph: CausalGraph, args: argparse.Namespace) -> str:
    """Write `graph` in `graph_format` (``--format``, the ``--out`` extension, or JSON)."""
    return write_output(GRAPH_WRITERS[graph_format(args)](graph, args), getattr(args, "out", None))


def shorten(text: str, width: int = RATIONALE_WIDTH) -> str:
    """One line of at most `width` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def report_graph(
    report: Reporter, graph: CausalGraph, headline: str, indent: str = "", *, usage: bool = True
) -> None:
    """Edges with confidence, open edges, feedback loops, dropped edges with reasons, and (with
    `usage`) the model usage."""
    counts = f"{counted(len(graph.variables), 'variable')}, {counted(len(graph.edges), 'edge')}"
    report.line(f"{indent}{headline}: {counts}")
    width = max((len(f"{e.source} -> {e.target}") for e in graph.edges), default=0)
    for edge in graph.edges:
        arrow = f"{edge.source} -> {edge.target}".ljust(width)
        note = f"  {shorten(edge.rationale)}" if edge.rationale else ""
        report.line(f"{indent}  {arrow}  confidence {edge.confidence:.2f}{note}")
    for open_edge in graph.undirected:
        note = f"  {shorten(open_edge.rationale)}" if open_edge.rationale else ""
        pair = f"{open_edge.first} {open_edge.symbol} {open_edge.second}"
        report.line(f"{indent}  {pair}  direction open{note}")
    if graph.cycles:
        loops = "; ".join(" -> ".join([*cycle, cycle[0]]) for cycle in graph.cycles[:5])
        more = f" (and {len(graph.cycles) - 5} more)" if len(graph.cycles) > 5 else ""
        report.line(f"{indent}feedback loops ({len(graph.cycles)}): {loops}{more}")
    if graph.dropped:
        report.line(f"{indent}dropped {counted(len(graph.dropped), 'proposed edge')}:")
        for item in graph.dropped:
            kept = " (the reverse edge was kept)" if item.reversed else ""
            detail = f": {shorten(item.detail)}" if item.detail else ""
            pair = f"{item.edge.source} -> {item.edge.target}"
            report.line(f"{indent}  {pair}  {item.reason}{kept}{detail}")
    if usage and graph.usage is not None:
        report.line(f"{indent}usage: {graph.usage.summary()}")


def data_first_summary(found: dict[str, Any]) -> str:
    """One line: where the directions came from, and the model's calibration."""
    directions = ", ".join(f"{count} {name}" for name, count in found["directions"].items())
    calibration = found["calibration"]
    accuracy = calibration["accuracy"]
    agreed = (
        f"the model agreed with {calibration['agreed']} of {calibration['asked']} directions the "
        f"data found by themselves ({accuracy:.0%})"
        if accuracy is not None
        else "the data oriented no edge by themselves, so there is no calibration"
    )
    calls = found["calls"]
    return (
        f"directions: {directions}; {agreed}; {calls['queries']} queries (bound {calls['bound']})"
    )


# --------------------------------------------------------------------------- inputs
def described_graph(args: argparse.Namespace) -> CausalGraph:
    """The positional GRAPH, with descriptions from ``--variables`` when given."""
    graph = read_graph(args.graph, args.graph_format)
    if args.variables is None:
        return graph
    label = f"variables file {str(args.variables)!r}"
    return describe_graph(graph, read_variables(args.variables).variables, label)


# --------------------------------------------------------------------------- commands
def run_suggest_graph(args: argparse.Namespace) -> int:
    """``suggest-graph``: propose a causal DAG over the variables."""
    graph_format(args)  # a bad --out fails before any model call
    call = suggest_graph_call(args)
    report = reporter(args)
    with open_assistant(args) as assistant, progress_bar(args, "suggest-graph") as bar:
        graph = call(assistant, bar)
    strategy = graph.metadata.get("strategy", "?")
    report_graph(report, graph, f"suggested graph (model {assistant.model}, strategy {strategy})")
    if "data_first" in graph.metadata:
        report.line(data_first_summary(graph.metadata["data_first"]))
    report.line(f"wrote the graph to {write_graph(graph, args)}")
    return 0


def _identification_command(task: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        call = identification_call(task, args)
        report = reporter(args)
        with open_assistant(args) as assistant, progress_bar(args, task) as bar:
            suggestions = call(assistant, bar)
        report.line(str(suggestions).splitlines()[0])
        for item in suggestions.items:
            report.line(f"  {item}")
            for source, conditions in (
                ("model", item.model_conditions),
                ("graph", item.graph_conditions),
            ):
                if conditions:
                    verdicts = ", ".join(
                        f"{condition.name} {'holds' if condition.holds else 'fails'}"
                        for condition in conditions
                    )
                    report.line(f"      {source}: {verdicts}")
            if item.rationale and not item.model_conditions:
                report.line(f"      {shorten(item.rationale)}")
        report.usage(suggestions.usage)
        report.line(
            f"wrote the {task.replace('_', ' ')} to {write_output(suggestions.to_json(), args.out)}"
        )
        return 0

    run.__doc__ = f"``{task.replace('_', '-')}``: suggest {task.replace('_', ' ')}."
    return run


run_confounders = _identification_command("confounders")
run_instruments = _identification_command("instruments")
run_mediators = _identification_command("mediators")
run_negative_controls = _identification_command("negative_controls")


def run_critique(args: argparse.Namespace) -> int:
    """``critique``: the model's findings and the exact graph checks."""
    report = reporter(args)
    call = critique_call(args, report.line)
    critique: Critique
    if args.no_model:
        critique = call(None, None)
    else:
        with open_assistant(args) as assistant, progress_bar(args, "critique") as bar:
            critique = call(assistant, bar)
    report.line(str(critique))
    report.line(f"wrote the critique to {write_output(critique.to_json(), args.out)}")
    return 0


def run_review(args: argparse.Namespace) -> int:
    """``review``: write the self-contained review page for a graph."""
    graph = described_graph(args)
    critique = None
    if args.critique is not None:
        text = read_text(args.critique, "critique file")
        try:
            critique = Critique.from_json(text if "\n" in text else text + "\n")
        except InputError as error:
            raise InputError(f"critique file {args.critique!r}: {error}") from None
        if critique.graph.fingerprint() != graph.fingerprint():
            raise InputError(
                f"critique file {args.critique!r} was made for another graph than "
                f"{args.graph!r}; critique this graph again or drop --critique"
            )
    sensitivity = None
    if getattr(args, "sensitivity", None) is not None:
        text = read_text(args.sensitivity, "sensitivity report file")
        try:
            sensitivity = SensitivityReport.from_json(text if "\n" in text else text + "\n")
        except InputError as error:
            raise InputError(f"sensitivity report file {args.sensitivity!r}: {error}") from None
    out = Path(args.out).expanduser()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {str(out.parent)!r}: {error.strerror}") from None
    graph.to_review_html(out, critique=critique, title=args.title, sensitivity=sensitivity)
    report = reporter(args)
    report.line(
        f"review page for {len(graph.variables)} variables and {len(graph.edges)} edges; open it "
        "in a browser, decide on each edge, press 'Export decisions', then run:"
    )
    variables = f" --variables {args.variables}" if args.variables else ""
    report.line(
        f"  {PROGRAM} apply-review {args.graph} review-decisions.json{variables} "
        "--out reviewed.json"
    )
    print(out.resolve())
    return 0


def run_apply_review(args: argparse.Namespace) -> int:
    """``apply-review``: apply a reviewer's decisions file to the graph it was made for."""
    graph_format(args)
    graph = described_graph(args)
    text = read_text(args.decisions, "review decisions file")
    try:
        decisions = ReviewDecisions.from_json(text)
    except InputError as error:
        raise InputError(f"DECISIONS file {args.decisions!r}: {error}") from None
    reviewed = apply_review(graph, decisions, unreviewed=args.unreviewed)
    report = reporter(args)
    # No usage line: applying decisions calls no model (graph.usage is the suggestion's).
    report_graph(report, reviewed, "reviewed graph", usage=False)
    report.line(f"wrote the reviewed graph to {write_graph(reviewed, args)}")
    return 0
