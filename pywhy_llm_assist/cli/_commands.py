"""The command functions of the command line: model settings, task commands, outputs, summaries.

Every command takes the parsed `argparse.Namespace` and returns an exit code; bad input raises
`InputError` and model failures raise `ModelError`, which `_cli.main` turns into one line and
an exit code. Machine output (JSON, DOT, ...) goes to stdout or ``--out``; the human summary
goes to stderr.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import (
    CACHE_MODES,
    Assistant,
    Budget,
    CausalGraph,
    ChatBackend,
    Critique,
    ReviewDecisions,
    Suggestions,
    Usage,
    Variables,
    apply_review,
    check_graph,
)
from ..assistant import MODEL_VARIABLE
from ..core._errors import InputError
from ..core._text import counted
from ..llm import (
    CACHE_DIR_VARIABLE,
    CACHE_MODE_VARIABLE,
    ProgressBar,
    check_base_url,
    default_cache_folder,
    is_loopback_url,
    resolve_cache_mode,
)
from ._inputs import (
    describe_graph,
    parse_edges,
    parse_names,
    parse_tiers,
    read_context,
    read_graph,
    read_text,
    read_variables,
)

PROGRAM = "pywhy-llm-assist"
LOCAL_VARIABLE = "PYWHY_LLM_ASSIST_LOCAL"
BASE_URL_VARIABLE = "OPENAI_BASE_URL"
API_KEY_VARIABLE = "OPENAI_API_KEY"
STRATEGIES = ("auto", "per_node", "whole", "pairwise")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})
LOCAL_TIMEOUT = 600.0
RATIONALE_WIDTH = 72


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Setting:
    """An option that an environment variable can set when it is not on the command line."""

    variable: str
    parse: Callable[[str], Any]
    default: Any


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be 1 or more")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise ValueError("must be a finite number above 0")
    return value


def _flag(text: str) -> bool:
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("use 1/0, true/false, yes/no or on/off")


def _strategy(text: str) -> str:
    name = text.strip().replace("-", "_")
    if name not in STRATEGIES:
        raise ValueError(f"choose one of {', '.join(STRATEGIES)}")
    return name


def _cache_mode(text: str) -> str:
    if text not in CACHE_MODES:
        raise ValueError(f"choose one of {', '.join(CACHE_MODES)}")
    return text


#: option (argparse destination) -> environment variable, parser and default.
SETTINGS: dict[str, Setting] = {
    "model": Setting(MODEL_VARIABLE, str, None),
    "base_url": Setting(BASE_URL_VARIABLE, str, None),
    "local": Setting(LOCAL_VARIABLE, _flag, False),
    "cache": Setting(CACHE_DIR_VARIABLE, str, None),
    "cache_mode": Setting(CACHE_MODE_VARIABLE, _cache_mode, "read_write"),
    "concurrency": Setting("PYWHY_LLM_ASSIST_CONCURRENCY", _positive_int, None),
    "seed": Setting("PYWHY_LLM_ASSIST_SEED", int, None),
    "timeout": Setting("PYWHY_LLM_ASSIST_TIMEOUT", _positive_float, None),
    "strategy": Setting("PYWHY_LLM_ASSIST_STRATEGY", _strategy, "auto"),
    "samples": Setting("PYWHY_LLM_ASSIST_SAMPLES", _positive_int, 1),
    "max_tokens": Setting("PYWHY_LLM_ASSIST_MAX_TOKENS", _positive_int, None),
    "cache_key_server": Setting("PYWHY_LLM_ASSIST_CACHE_KEY_SERVER", _flag, False),
}


def setting(args: argparse.Namespace, name: str) -> Any:
    """The option `name`: from the command line, else its environment variable, else default."""
    given = getattr(args, name, None)
    if given is not None and given is not False:
        return given
    rule = SETTINGS[name]
    text = os.environ.get(rule.variable)
    if text is None or not text.strip():
        return rule.default
    try:
        return rule.parse(text.strip())
    except ValueError as error:
        raise InputError(f"${rule.variable}={text!r} is not valid: {error}") from None


@dataclass(frozen=True)
class ModelSettings:
    """Everything needed to build the `Assistant` a command uses."""

    model: str | None
    base_url: str | None
    api_key: str | None
    local: bool
    cache: Path
    cache_mode: str
    concurrency: int | None
    seed: int | None
    timeout: float | None
    max_tokens: int | None = None
    cache_key_server: bool = False


def cache_folder(args: argparse.Namespace) -> Path:
    """The cache folder: ``--cache``, else ``$PYWHY_LLM_ASSIST_CACHE_DIR``, else the default."""
    chosen = setting(args, "cache")
    return Path(chosen).expanduser() if chosen else default_cache_folder()


def model_settings(args: argparse.Namespace, *, prefer_local: bool = False) -> ModelSettings:
    """Resolve the model options of a command (and their environment variables).

    Raises:
        InputError: no model chosen, ``--local`` with a model name, a missing API key, or an
            environment variable with an invalid value.
    """
    explicit_model = getattr(args, "model", None)
    explicit_server = explicit_model or getattr(args, "base_url", None)
    local = bool(setting(args, "local")) or (prefer_local and not explicit_server)
    model = explicit_model if local else setting(args, "model")
    if local and model and not str(model).endswith(".gguf"):
        raise InputError(
            f"--local runs the embedded model: drop --model {model!r}, or give a .gguf file"
        )
    if not local and not model:
        raise InputError(
            "no model chosen: pass --model NAME (with --base-url URL for a local server such "
            f"as Ollama), set ${MODEL_VARIABLE}, or try --local for the embedded model "
            "(no API key)"
        )
    base_url = None if local else setting(args, "base_url")
    if base_url is not None:
        check_base_url(base_url)  # a typo is the first thing to say, before any missing key
    mode = resolve_cache_mode(setting(args, "cache_mode"))
    key_variable = getattr(args, "api_key_env", None)
    api_key: str | None = None
    if key_variable:
        api_key = os.environ.get(key_variable)
        if not api_key:
            raise InputError(f"--api-key-env {key_variable}: ${key_variable} is not set")
    elif (
        not local
        and mode != "replay"  # a replay needs no key: the client is built on the first request
        and not os.environ.get(API_KEY_VARIABLE)
        and not is_loopback_url(base_url)
    ):
        raise InputError(
            f"no API key: set ${API_KEY_VARIABLE} (or name another variable with "
            "--api-key-env NAME), point --base-url at a local server, or use --local"
        )
    max_tokens = setting(args, "max_tokens")
    if max_tokens is not None and max_tokens < 1:
        raise InputError(f"--max-tokens must be 1 or more, not {max_tokens}")
    concurrency = setting(args, "concurrency")
    if concurrency is not None and concurrency < 1:
        raise InputError(f"--concurrency must be 1 or more, not {concurrency}")
    timeout = setting(args, "timeout")
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise InputError(f"--timeout must be a finite number of seconds above 0, not {timeout:g}")
    return ModelSettings(
        model=model,
        base_url=base_url,
        api_key=api_key,
        local=local,
        cache=cache_folder(args),
        cache_mode=mode,
        concurrency=concurrency,
        seed=setting(args, "seed"),
        timeout=timeout,
        max_tokens=max_tokens,
        cache_key_server=bool(setting(args, "cache_key_server")),
    )


def make_assistant(settings: ModelSettings, client: ChatBackend | None = None) -> Assistant:
    """Build the assistant for a command. Tests replace this function to inject a backend."""
    options: dict[str, Any] = {
        "cache": settings.cache,
        "cache_mode": settings.cache_mode,
        "seed": settings.seed,
        "timeout": settings.timeout or (LOCAL_TIMEOUT if settings.local else 120.0),
        "cache_key_includes_server": settings.cache_key_server,
    }
    if settings.concurrency is not None:
        options["concurrency"] = settings.concurrency
    if settings.max_tokens is not None:
        options["budget"] = Budget(max_tokens=settings.max_tokens)
    if client is not None:
        return Assistant(settings.model or "scripted", client=client, **options)
    if settings.local:
        return Assistant.local(settings.model, **options)
    return Assistant(
        settings.model, base_url=settings.base_url, api_key=settings.api_key, **options
    )


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
    """Edges with confidence, dropped edges with reasons, and (with `usage`) the model usage."""
    counts = f"{counted(len(graph.variables), 'variable')}, {counted(len(graph.edges), 'edge')}"
    report.line(f"{indent}{headline}: {counts}")
    width = max((len(f"{e.source} -> {e.target}") for e in graph.edges), default=0)
    for edge in graph.edges:
        arrow = f"{edge.source} -> {edge.target}".ljust(width)
        note = f"  {shorten(edge.rationale)}" if edge.rationale else ""
        report.line(f"{indent}  {arrow}  confidence {edge.confidence:.2f}{note}")
    if graph.dropped:
        report.line(f"{indent}dropped {counted(len(graph.dropped), 'proposed edge')}:")
        for item in graph.dropped:
            kept = " (the reverse edge was kept)" if item.reversed else ""
            detail = f": {shorten(item.detail)}" if item.detail else ""
            pair = f"{item.edge.source} -> {item.edge.target}"
            report.line(f"{indent}  {pair}  {item.reason}{kept}{detail}")
    if usage and graph.usage is not None:
        report.line(f"{indent}usage: {graph.usage.summary()}")


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class TaskInputs:
    """Variables, context and graph of a task command."""

    variables: Variables | None
    context: str | None
    graph: CausalGraph | None


def task_inputs(args: argparse.Namespace, *, need_variables: bool = False) -> TaskInputs:
    """Read ``--variables``, ``--context`` and ``--graph``.

    The graph's missing descriptions come from the variables file; the context defaults to the
    variables file's ``context`` entry, then to the context a suggested graph was asked with.
    """
    variables_path = getattr(args, "variables", None)
    graph_path = getattr(args, "graph", None)
    if need_variables and variables_path is None:
        raise InputError("give --variables FILE (YAML, JSON or CSV)")
    if variables_path is None and graph_path is None:
        raise InputError("give --variables FILE, --graph FILE, or both")
    loaded = read_variables(variables_path) if variables_path is not None else None
    context = read_context(getattr(args, "context", None))
    if context is None and loaded is not None:
        context = loaded.context
    graph = None
    if graph_path is not None:
        graph = read_graph(graph_path, getattr(args, "graph_format", None))
        label = f"variables file {str(variables_path)!r}"
        graph = describe_graph(graph, loaded.variables if loaded else None, label)
        remembered = graph.metadata.get("context")
        if context is None and isinstance(remembered, str) and remembered.strip():
            context = remembered  # a graph from suggest-graph keeps the context it was asked with
    return TaskInputs(loaded.variables if loaded else None, context, graph)


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
    inputs = task_inputs(args, need_variables=True)
    assert inputs.variables is not None
    tiers = parse_tiers(args.tiers) if args.tiers is not None else None
    required = parse_edges(args.required, "--required")
    forbidden = parse_edges(args.forbidden, "--forbidden")
    report = reporter(args)
    with open_assistant(args) as assistant, progress_bar(args, "suggest-graph") as bar:
        graph = assistant.suggest_graph(
            inputs.variables,
            context=inputs.context,
            strategy=setting(args, "strategy"),
            samples=setting(args, "samples"),
            threshold=args.threshold,
            required=required,
            forbidden=forbidden,
            tiers=tiers,
            personas=tuple(args.persona),
            progress=bar,
        )
    strategy = graph.metadata.get("strategy", "?")
    report_graph(report, graph, f"suggested graph (model {assistant.model}, strategy {strategy})")
    report.line(f"wrote the graph to {write_graph(graph, args)}")
    return 0


def _identification_command(task: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        inputs = task_inputs(args)
        report = reporter(args)
        with open_assistant(args) as assistant, progress_bar(args, task) as bar:
            method: Callable[..., Suggestions] = getattr(assistant, f"suggest_{task}")
            suggestions = method(
                args.treatment,
                args.outcome,
                inputs.variables,
                graph=inputs.graph,
                context=inputs.context,
                progress=bar,
            )
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
    if args.graph is None:
        raise InputError("critique needs --graph FILE (.json, .dot, .gml or .dagitty)")
    inputs = task_inputs(args)
    assert inputs.graph is not None
    adjustment = parse_names(args.adjust) if args.adjust is not None else None
    report = reporter(args)
    treatment, outcome = args.treatment, args.outcome
    exposures = inputs.graph.metadata.get("exposure") or []
    outcomes = inputs.graph.metadata.get("outcome") or []
    if treatment is None and outcome is None and len(exposures) == len(outcomes) == 1:
        treatment, outcome = str(exposures[0]), str(outcomes[0])
        report.line(f"using the graph's exposure {treatment!r} and outcome {outcome!r}")
    critique: Critique
    if args.no_model:
        critique = check_graph(
            inputs.graph, treatment=treatment, outcome=outcome, adjustment_set=adjustment
        )
    else:
        if (treatment is None) != (outcome is None):
            raise InputError("give both --treatment and --outcome, or neither")
        with open_assistant(args) as assistant, progress_bar(args, "critique") as bar:
            critique = assistant.critique(
                inputs.graph,
                treatment=treatment,
                outcome=outcome,
                adjustment_set=adjustment,
                context=inputs.context,
                progress=bar,
            )
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
    out = Path(args.out).expanduser()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {str(out.parent)!r}: {error.strerror}") from None
    graph.to_review_html(out, critique=critique, title=args.title)
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
