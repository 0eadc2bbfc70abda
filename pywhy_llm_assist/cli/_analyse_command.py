"""The ``analyse`` command: the whole analysis of one effect, as one HTML report.

Reads the data and the (reviewed) graph, runs `Assistant.analyse` (DoWhy's identification,
estimate and refuters, the implication tests, the sensitivity analysis and the critique) and
writes the page to ``--out``; ``--json`` and ``--script`` write the report's JSON and the same
analysis as a DoWhy script. The summary goes to stderr and the page's path to stdout. A step
that could not run is in the report with its reason; when the model failed in a step (after
retries, or a replay with no recorded answer) the report is still written and the exit code
is 3, so CI notices.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..analysis import DEFAULT_REFUTERS, ESTIMATORS, REFUTERS
from ..core._errors import InputError
from ._commands import open_assistant, progress_bar, reporter, task_inputs, write_output
from ._data_inputs import DATA_READERS, read_data
from ._inputs import GRAPH_READERS, parse_confounders, parse_names

#: Exit code when the model failed in a step (the report is written all the same).
EXIT_MODEL_STEP = 3


def configure_analyse(parser: argparse.ArgumentParser) -> None:
    """The options of ``analyse`` (the model options are added after them)."""
    inputs = parser.add_argument_group("inputs")
    inputs.add_argument("--data", required=True, metavar="FILE", help="data: .csv, .tsv, .parquet")
    inputs.add_argument("--data-format", choices=tuple(DATA_READERS), help="default: by extension")
    inputs.add_argument(
        "--graph",
        required=True,
        metavar="FILE",
        help="the reviewed graph: .json, .dot, .gml, .dagitty",
    )
    inputs.add_argument(
        "--graph-format", choices=tuple(GRAPH_READERS), help="default: by extension"
    )
    inputs.add_argument("--variables", metavar="FILE", help="descriptions of the variables")
    inputs.add_argument(
        "--context", metavar="TEXT|@FILE", help="a sentence or two about the domain, or @FILE"
    )
    effect = parser.add_argument_group("the effect")
    effect.add_argument("--treatment", required=True, metavar="NAME")
    effect.add_argument("--outcome", required=True, metavar="NAME")
    effect.add_argument(
        "--adjust", metavar="A,B", help="the adjustment set (default: the smallest valid one)"
    )
    effect.add_argument(
        "--estimator",
        default="backdoor.linear_regression",
        metavar="METHOD",
        help=f"a DoWhy method (default backdoor.linear_regression; known: {', '.join(ESTIMATORS)})",
    )
    effect.add_argument(
        "--refuters",
        default=",".join(DEFAULT_REFUTERS),
        metavar="A,B",
        help=f"DoWhy refuters ('' for none; known: {', '.join(REFUTERS)})",
    )
    effect.add_argument(
        "--simulations", type=int, default=50, metavar="N", help="per refuter (default 50)"
    )
    effect.add_argument(
        "--refuter-seed", type=int, default=0, metavar="N", help="the refuters' seed (default 0)"
    )
    effect.add_argument(
        "--alpha", type=float, default=0.05, help="implication tests and sensitivity (default 0.05)"
    )
    effect.add_argument(
        "--confounder",
        action="append",
        default=[],
        metavar="NAME[=DESCRIPTION]",
        help="an unmeasured confounder to elicit (repeatable; default: the model suggests them)",
    )
    effect.add_argument(
        "--max-confounders", type=int, default=3, metavar="N", help="most confounders elicited"
    )
    output = parser.add_argument_group("output")
    output.add_argument("--out", required=True, metavar="FILE", help="the report page (.html)")
    output.add_argument("--json", metavar="FILE", help="also write the report's JSON")
    output.add_argument("--script", metavar="FILE", help="also write the analysis as a script")
    output.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")


def _written(path: str, text: str) -> str:
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {path!r}: {error.strerror or error}") from None
    return str(target)


def run_analyse(args: argparse.Namespace) -> int:
    """``analyse``: identify, estimate, refute, test, bound and critique; write the report."""
    if Path(args.out).suffix.casefold() not in (".html", ".htm"):
        raise InputError(f"--out {args.out!r}: the report is an HTML page; name it .html")
    inputs = task_inputs(args)
    assert inputs.graph is not None  # --graph is required
    data = read_data(args.data, args.data_format)
    report = reporter(args)
    with open_assistant(args) as assistant, progress_bar(args, "analyse") as bar:
        result = assistant.analyse(
            data,
            inputs.graph,
            args.treatment,
            args.outcome,
            adjustment_set=parse_names(args.adjust) if args.adjust is not None else None,
            estimator=args.estimator,
            refuters=parse_names(args.refuters),
            context=inputs.context,
            confounders=parse_confounders(args.confounder),
            max_confounders=args.max_confounders,
            alpha=args.alpha,
            simulations=args.simulations,
            seed=args.refuter_seed,
            data_source=str(args.data),
            progress=bar,
        )
    report.line(str(result))
    report.usage(result.usage)
    page = _written(args.out, result.to_html())
    report.line(f"wrote the report to {page}")
    if args.json:
        report.line(f"wrote its JSON to {_written(args.json, result.to_json())}")
    if args.script:
        report.line(
            f"wrote the analysis as a script to {_written(args.script, result.to_script())}"
        )
    write_output(page, None)
    if any(step.model_error for step in result.steps):
        report.line(
            "error: the model failed in a step (see above); the rest of the report is written"
        )
        return EXIT_MODEL_STEP
    return 0
