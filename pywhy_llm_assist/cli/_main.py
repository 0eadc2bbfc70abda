"""The ``pywhy-llm-assist`` command line: the parser, the dispatch table and the exit codes.

Exit codes:

- 0: success.
- 1: ``test-implications --check`` found implications the data reject.
- 2: usage error or bad input (a missing file, malformed YAML, duplicate names, a graph
  naming an unknown variable, no model chosen, ...): one line on stderr, no traceback.
- 3: the model or the network failed after retries (or replay found no recorded answer);
  every finished answer is kept in the cache, so rerunning the same command resumes.
- 4: the embedded local model is not installed (the line names the install command).
- 5: the command finished and wrote its result, but some answers could not be stored in the
  cache (a full disk, a folder made read-only during the run): a rerun pays for them again.
- 75: ``batch collect`` without ``--wait`` while a batch is still running (rerun it later).
- 130: interrupted (Ctrl-C); finished answers are cached as well.

Error lines are single lines of bounded length, and never show the API key.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from ..core._errors import (
    AssistantError,
    InputError,
    LocalModelUnavailableError,
    ModelError,
)
from ._analyse_command import configure_analyse, run_analyse
from ._batch_command import EXIT_PENDING, configure_batch, run_batch
from ._commands import (
    OPENED,
    OutputError,
    run_apply_review,
    run_confounders,
    run_critique,
    run_instruments,
    run_mediators,
    run_negative_controls,
    run_review,
    run_suggest_graph,
)
from ._data_commands import configure_test_implications, run_test_implications
from ._data_inputs import add_data_options, add_discovery_options
from ._demo import run_demo
from ._failures import (
    cache_failures,
    one_line,
    quiet_stdout,
    replay_message,
    replay_misses,
    resume_hint,
    say,
)
from ._inputs import GRAPH_READERS
from ._merge_command import configure_merge_reviews, run_merge_reviews
from ._options import add_model_options, add_output_options, add_problem_options, environment
from ._sensitivity_command import configure as configure_sensitivity
from ._sensitivity_command import run_sensitivity
from ._settings import (
    PROGRAM,
    STRATEGIES,
)
from ._tools import run_benchmark_command, run_cache

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_MODEL = 3
EXIT_LOCAL_MODEL = 4
EXIT_CACHE = 5
EXIT_INTERRUPTED = 130


class UsageError(InputError):
    """A command line that argparse rejected (unknown option, missing argument, bad choice)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are exceptions, so `main` prints them on one line.

    Each error points to the ``--help`` of the (sub-)command it is about; `parse_args` hands
    unrecognized options to the sub-command's parser for that reason.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children: dict[str, _Parser] = {}

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def add_child(self, commands: Any, name: str, **options: Any) -> _Parser:
        """``commands.add_parser(name, ...)``, remembered for error messages."""
        child: _Parser = commands.add_parser(name, **options)
        self.children[name] = child
        return child

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            self._deepest(parsed).error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed

    def _deepest(self, parsed: argparse.Namespace) -> _Parser:
        """The parser of the sub-command (or sub-sub-command) that `parsed` ran."""
        parser = self
        for destination in ("command", "cache_command"):
            chosen = getattr(parsed, destination, None)
            if isinstance(chosen, str) and chosen in parser.children:
                parser = parser.children[chosen]
        return parser


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks; wider option column."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


# --------------------------------------------------------------------------- commands
def _configure_suggest_graph(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("suggestion")
    group.add_argument(
        "--strategy",
        type=lambda text: text.replace("-", "_"),
        choices=STRATEGIES,
        help="auto (default; data_first with --data), per_node (n calls), whole (1 call), "
        "pairwise (n(n-1)/2 calls), data_first (PC on --data, then 2 calls per edge the data "
        "leave open and 1 per edge they orient)" + environment("strategy"),
    )
    group.add_argument(
        "--samples",
        type=int,
        metavar="N",
        help="ask each question N times; confidence becomes a vote share" + environment("samples"),
    )
    group.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        metavar="SHARE",
        help="least share of samples that must propose an edge (default 0.5)",
    )
    group.add_argument(
        "--required", action="append", default=[], metavar="A->B", help="an edge known to exist"
    )
    group.add_argument(
        "--forbidden",
        action="append",
        default=[],
        metavar="A->B",
        help="an edge known not to exist",
    )
    group.add_argument(
        "--tiers", metavar="'A,B;C;D'", help="temporal order, earliest first: ';' between tiers"
    )
    group.add_argument(
        "--persona", action="append", default=[], metavar="TEXT", help="an expert point of view"
    )
    group.add_argument(
        "--cyclic",
        action="store_true",
        help="keep feedback loops: a cyclic summary graph (two-way links and cycles kept, "
        "listed in the output); DAG-only tools refuse it",
    )
    add_discovery_options(parser)


def _configure_critique(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("critique")
    group.add_argument(
        "--adjust",
        metavar="A,B",
        help="the adjustment set you plan to use ('' for none); it is checked on the graph",
    )
    group.add_argument(
        "--no-model",
        action="store_true",
        help="only the exact graph checks (backdoor criterion, cycles): no model needed",
    )
    add_data_options(parser, required=False)


def _configure_review(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("graph", metavar="GRAPH", help="the graph to review (.json, .dot, ...)")
    parser.add_argument(
        "--graph-format",
        choices=tuple(GRAPH_READERS),
        help="graph file format (default: by extension)",
    )
    parser.add_argument(
        "--variables", metavar="FILE", help="descriptions for a graph file that has none"
    )
    parser.add_argument("--critique", metavar="FILE", help="a critique JSON to show beside it")
    parser.add_argument(
        "--sensitivity", metavar="FILE", help="a sensitivity report JSON to show (plot, bounds)"
    )
    parser.add_argument("--title", help="page title")
    parser.add_argument("--out", default="review.html", metavar="FILE", help="default: review.html")
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")


def _configure_apply_review(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("graph", metavar="GRAPH", help="the graph the review page was made from")
    parser.add_argument("decisions", metavar="DECISIONS", help="the exported review-decisions.json")
    parser.add_argument(
        "--graph-format",
        choices=tuple(GRAPH_READERS),
        help="graph file format (default: by extension)",
    )
    parser.add_argument(
        "--variables", metavar="FILE", help="descriptions for a graph file that has none"
    )
    parser.add_argument(
        "--unreviewed",
        choices=("keep", "drop"),
        default="keep",
        help="what to do with edges nobody decided about (default: keep)",
    )


def _configure_cache(parser: argparse.ArgumentParser) -> None:
    assert isinstance(parser, _Parser)
    commands = parser.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    common = _Parser(add_help=False)
    common.add_argument("--cache", metavar="DIR", help="cache folder" + environment("cache"))
    common.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    filters = _Parser(add_help=False)
    filters.add_argument("--task", help="only entries of this task (e.g. per_node, critique)")
    filters.add_argument("--model", help="only entries of this model")
    formatter = _Formatter
    stats = parser.add_child(
        commands, "stats", parents=[common], formatter_class=formatter, help="entries, size, tokens"
    )
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing = parser.add_child(
        commands,
        "list",
        parents=[common, filters],
        formatter_class=formatter,
        help="one line per entry",
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of lines")
    export = parser.add_child(
        commands,
        "export",
        parents=[common, filters],
        formatter_class=formatter,
        help="copy entries to a folder (test fixtures, CI replay)",
    )
    export.add_argument("destination", metavar="DIR", help="where to copy the entries")
    prune = parser.add_child(
        commands,
        "prune",
        parents=[common],
        formatter_class=formatter,
        help="delete corrupt or old entries",
    )
    prune.add_argument(
        "--older-than", type=float, metavar="DAYS", help="also delete entries this many days old"
    )


def _configure_benchmark(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "graphs",
        nargs="?",
        metavar="GRAPHS",
        help="benchmark names (comma-separated), a JSON file or a folder (default: all)",
    )
    group = parser.add_argument_group("benchmark")
    group.add_argument(
        "--strategies", default="per_node", metavar="A,B", help="strategies (default per_node)"
    )
    group.add_argument("--samples", default="1", metavar="N,M", help="sample counts (default 1)")
    group.add_argument(
        "--errors",
        default="0",
        metavar="E,F",
        help="the simulated expert's error levels, e.g. 0,0.2 (default 0)",
    )
    group.add_argument(
        "--rename",
        choices=("no", "yes", "both"),
        default="no",
        help="neutral variable names, descriptions kept (default no)",
    )
    group.add_argument("--seeds", default="0", metavar="N,M", help="seeds (default 0)")
    group.add_argument(
        "--threshold", type=float, default=0.5, metavar="SHARE", help="vote share (default 0.5)"
    )
    group.add_argument(
        "--no-break-cycles", action="store_true", help="score the graph before cycle breaking"
    )
    group.add_argument(
        "--calibrated", action="store_true", help="the simulated expert's errors at low confidence"
    )
    group.add_argument(
        "--simulated",
        action="store_true",
        help="score the simulated expert even when a model is configured",
    )
    output = parser.add_argument_group("output")
    output.add_argument("--columns", metavar="A,B", help="table columns (e.g. graph,f1,shd,calls)")
    output.add_argument("--markdown", action="store_true", help="a Markdown table")
    output.add_argument("--json", action="store_true", help="print the JSON report, not a table")
    output.add_argument("--out", metavar="FILE", help="also write the JSON report here")
    output.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def _configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out-dir",
        default="pywhy-demo",
        metavar="DIR",
        help="where to write (default ./pywhy-demo)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")


def _nothing(parser: argparse.ArgumentParser) -> None:
    """Commands whose options all come from parent parsers."""


@dataclass(frozen=True)
class Command:
    """One sub-command: its help, its options and the function that runs it."""

    summary: str
    example: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] = _nothing
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    description: str = ""


def _effect_command(summary: str, name: str, run: Callable[[argparse.Namespace], int]) -> Command:
    return Command(
        summary,
        f"{PROGRAM} {name} --variables examples/health/variables.yaml \\\n"
        "      --treatment exercise --outcome heart_disease --local",
        run,
        before=("effect",),
        after=("output", "model"),
    )


#: command name -> what it does and how it is parsed. The dispatch table of `main`.
COMMANDS: dict[str, Command] = {
    "suggest-graph": Command(
        "propose a causal graph over the variables",
        f"{PROGRAM} suggest-graph --variables examples/health/variables.yaml \\\n"
        "      --context @examples/health/context.txt --local --out graph.json",
        run_suggest_graph,
        _configure_suggest_graph,
        ("variables",),
        ("graph_output", "model"),
    ),
    "confounders": _effect_command(
        "suggest confounders of the effect, measured and unmeasured", "confounders", run_confounders
    ),
    "instruments": _effect_command(
        "suggest instrumental variables for the effect", "instruments", run_instruments
    ),
    "mediators": _effect_command("suggest mediators of the effect", "mediators", run_mediators),
    "negative-controls": _effect_command(
        "suggest negative-control outcomes and exposures",
        "negative-controls",
        run_negative_controls,
    ),
    "critique": Command(
        "challenge a graph and an adjustment set (model findings + exact checks)",
        f"{PROGRAM} critique --graph graph.json --treatment exercise --outcome heart_disease \\\n"
        "      --adjust age,smoking --local --out critique.json\n"
        f"  {PROGRAM} critique --graph draft.dagitty --adjust age --no-model",
        run_critique,
        _configure_critique,
        ("graph_problem",),
        ("output", "model"),
    ),
    "sensitivity": Command(
        "sensitivity to unmeasured confounding of an OLS estimate (--elicit asks the model)",
        f"{PROGRAM} sensitivity darfur.csv --treatment directlyharmed --outcome peacefactor \\\n"
        "      --adjust age,farmer_dar,herder_dar,pastvoted,hhsize_darfur,female,village \\\n"
        "      --benchmarks female --plot darfur.svg --out darfur.json",
        run_sensitivity,
        configure_sensitivity,
        after=("model",),
    ),
    "analyse": Command(
        "the whole analysis on DoWhy (identify, estimate, refute) as one HTML report",
        f"{PROGRAM} analyse --data study.csv --graph reviewed.json --treatment exercise \\\n"
        "      --outcome heart_disease --local --out analysis.html --script analysis.py",
        run_analyse,
        configure_analyse,
        after=("model",),
    ),
    "test-implications": Command(
        "test the graph's implied independences against data (no model)",
        f"{PROGRAM} test-implications --graph graph.json --data data.csv --plot p-values.png",
        run_test_implications,
        configure_test_implications,
    ),
    "review": Command(
        "write the self-contained review page (HTML) for a domain expert",
        f"{PROGRAM} review graph.json --critique critique.json --out review.html",
        run_review,
        _configure_review,
    ),
    "apply-review": Command(
        "apply an expert's review-decisions.json to the graph",
        f"{PROGRAM} apply-review graph.json review-decisions.json --out reviewed.json",
        run_apply_review,
        _configure_apply_review,
        after=("graph_output",),
    ),
    "merge-reviews": Command(
        "merge several reviewers' decisions: consensus graph, agreement, disputed edges",
        f"{PROGRAM} merge-reviews graph.json ada.json ben.json chen.json --out consensus.json \\\n"
        "      --report consensus-report.json --second-round round2/",
        run_merge_reviews,
        configure_merge_reviews,
        after=("graph_output",),
    ),
    "batch": Command(
        "a command's requests as one OpenAI batch (half price): submit, status, collect",
        f"{PROGRAM} batch submit suggest-graph --variables vars.yaml --model gpt-4o-mini\n"
        f"  {PROGRAM} batch collect suggest-graph --variables vars.yaml --model gpt-4o-mini "
        "--wait\n"
        f"  {PROGRAM} suggest-graph --variables vars.yaml --model gpt-4o-mini  # from the cache",
        run_batch,
        configure_batch,
        description=(
            "Send the requests COMMAND would make (those the cache cannot answer) as one batch "
            "of\nOpenAI's Batch API: half the price, answered within 24 hours. The batch id is "
            "saved next to\nthe cache, so 'status' and 'collect' (and a rerun of 'submit') find "
            "it. 'collect' imports\nthe answers into the cache; then COMMAND itself replays "
            "them at no cost. A failed answer\nis reported and asked live by that run. Exit "
            f"code {EXIT_PENDING}: 'collect' found a batch still running."
        ),
    ),
    "cache": Command(
        "inspect the answer cache: stats, list, export, prune",
        f"{PROGRAM} cache stats\n  {PROGRAM} cache export fixtures/ --task critique",
        run_cache,
        _configure_cache,
    ),
    "benchmark": Command(
        "score graph suggestion on benchmark graphs (simulated expert or a model)",
        f"{PROGRAM} benchmark cancer,asia --strategies per_node,whole --errors 0,0.2",
        run_benchmark_command,
        _configure_benchmark,
        after=("model",),
    ),
    "demo": Command(
        "suggest, critique and review on the embedded model (no API key)",
        f"{PROGRAM} demo\n  {PROGRAM} demo --model gpt-4o-mini --out-dir demo-gpt",
        run_demo,
        _configure_demo,
        after=("model",),
        description=(
            "The whole workflow on a bundled five-variable health problem: suggest a graph, "
            "critique it\nfor the effect of exercise on heart disease, and write graph.json, "
            "graph.dot, critique.json\nand review.html to --out-dir. Uses the embedded model "
            "(the 'local' extra) unless --model\nor --base-url names another server."
        ),
    ),
}

#: option group name -> how it is added to a command's parser.
OPTION_GROUPS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "variables": lambda parser: add_problem_options(parser, graph=False, effect=None),
    "graph_problem": lambda parser: add_problem_options(parser, graph=True, effect="optional"),
    "effect": lambda parser: add_problem_options(parser, graph=True, effect="required"),
    "model": add_model_options,
    "output": lambda parser: add_output_options(parser, graph=False),
    "graph_output": lambda parser: add_output_options(parser, graph=True),
}

DESCRIPTION = f"""\
A large language model as a domain-knowledge assistant for causal analysis.

First run (no API key): {PROGRAM} demo
With a real model:      {PROGRAM} suggest-graph --variables vars.yaml --model gpt-4o-mini

Exit codes: 0 ok; 1 the data contradict the graph (test-implications --check); 2 usage error
or bad input; 3 model or network failure (finished answers are cached: rerun the same command
to resume); 4 embedded local model not installed; 5 result written, but some answers could
not be cached; 75 a batch is still running (batch collect).
"""


def build_parser() -> argparse.ArgumentParser:
    """The full parser: one sub-command per entry of `COMMANDS`."""
    from .. import __version__

    parser = _Parser(prog=PROGRAM, description=DESCRIPTION, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, command in COMMANDS.items():
        sub = parser.add_child(
            commands,
            name,
            help=command.summary,
            description=command.description
            or f"{command.summary[0].upper()}{command.summary[1:]}.",
            epilog=f"example:\n  {command.example}",
            formatter_class=_Formatter,
        )
        for group in command.before:
            OPTION_GROUPS[group](sub)
        command.configure(sub)
        for group in command.after:
            OPTION_GROUPS[group](sub)
        sub.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: ``sys.argv[1:]``) and return the exit code."""
    parser = build_parser()
    args: argparse.Namespace | None = None
    OPENED.clear()
    try:
        args = parser.parse_args(argv)
        handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help(sys.stderr)
            return EXIT_INPUT
        code = handler(args)
        if sys.stdout is not None:
            sys.stdout.flush()
        problem = cache_failures()
        if problem is not None:
            say(f"error: {problem}", args)
            return EXIT_CACHE
        return code
    except SystemExit as exit_request:  # --help and --version
        requested = exit_request.code
        return requested if isinstance(requested, int) else (0 if requested is None else EXIT_INPUT)
    except LocalModelUnavailableError as error:
        say(f"error: {one_line(error)}", args)
        return EXIT_LOCAL_MODEL
    except InputError as error:
        say(f"error: {one_line(error)}", args)
        if isinstance(error, OutputError):
            quiet_stdout()
        return EXIT_INPUT
    except ModelError as error:
        misses = replay_misses(error)
        say(f"error: {replay_message(misses, error) if misses else one_line(error)}", args)
        say(resume_hint(args, error), args)
        return EXIT_MODEL
    except AssistantError as error:
        say(f"error: {one_line(error)}", args)
        return EXIT_INPUT
    except BrokenPipeError:
        # The reader of stdout went away (e.g. `| head`): not an error of ours.
        quiet_stdout()
        return EXIT_OK
    except OSError as error:
        # The last line of defence against a traceback: a file that vanished, a full disk.
        where = f"{error.filename}: " if error.filename else ""
        say(f"error: {where}{error.strerror or one_line(error)}", args)
        quiet_stdout()
        return EXIT_INPUT
    except KeyboardInterrupt as error:
        print(file=sys.stderr)
        say("interrupted; " + resume_hint(args, error).removeprefix("hint: "), args)
        return EXIT_INTERRUPTED
