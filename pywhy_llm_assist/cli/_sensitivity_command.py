"""The ``sensitivity`` command: sensitivity analysis of an OLS estimate on a data file.

Without ``--elicit`` no model is involved: the estimate, the robustness values and formal
bounds for confounders k times as strong as each benchmark. With ``--elicit`` the model
states how strong each unmeasured confounder (``--confounder``, or suggested) is relative to
an adjusted covariate, and those bounds are added. The JSON report goes to stdout or
``--out``; the summary to stderr; the contour plot to ``--plot``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import SensitivityReport, sensitivity_analysis
from ..core._errors import InputError
from ._commands import open_assistant, progress_bar, reporter, task_inputs, write_output
from ._inputs import parse_confounders, parse_names, read_context

DATA_SEPARATORS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": None}


def configure(parser: argparse.ArgumentParser) -> None:
    """The options of ``sensitivity`` (the model options are added after them)."""
    parser.add_argument("data", metavar="DATA", help="a data file: .csv or .tsv with a header")
    group = parser.add_argument_group("regression")
    group.add_argument("--treatment", required=True, metavar="NAME", help="numeric or binary")
    group.add_argument("--outcome", required=True, metavar="NAME", help="a numeric column")
    group.add_argument(
        "--adjust", required=True, metavar="A,B", help="the adjustment set ('' for none)"
    )
    group.add_argument(
        "--benchmarks",
        metavar="A,B",
        help="covariates to bound against (default: every adjusted one; '' for none)",
    )
    group.add_argument(
        "--k", default="1,2,3", metavar="1,2,3", help="strengths relative to each benchmark"
    )
    group.add_argument("--q", type=float, default=1.0, help="share of the estimate (default 1)")
    group.add_argument("--alpha", type=float, default=0.05, help="significance (default 0.05)")
    elicit = parser.add_argument_group("elicitation (needs a model)")
    elicit.add_argument(
        "--elicit", action="store_true", help="ask the model how strong each confounder is"
    )
    elicit.add_argument(
        "--confounder",
        action="append",
        default=[],
        metavar="NAME[=DESCRIPTION]",
        help="an unmeasured confounder (repeatable; default: the model suggests them)",
    )
    elicit.add_argument(
        "--variables", metavar="FILE", help="descriptions of the columns (YAML, JSON or CSV)"
    )
    elicit.add_argument("--graph", metavar="FILE", help="your graph (latent confounders, context)")
    elicit.add_argument("--graph-format", help="graph file format (default: by extension)")
    elicit.add_argument(
        "--context", metavar="TEXT|@FILE", help="a sentence or two about the domain, or @FILE"
    )
    output = parser.add_argument_group("output")
    output.add_argument("--plot", metavar="FILE", help="write the contour plot (.svg or .png)")
    output.add_argument(
        "--out", metavar="FILE", help="write the JSON report here (default: stdout)"
    )
    output.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")


def read_data(path: str) -> Any:
    """Read a CSV or TSV data file into a DataFrame; `InputError` names what went wrong."""
    import pandas as pd

    file = Path(path).expanduser()
    if not file.is_file():
        raise InputError(f"data file {path!r} does not exist")
    suffix = file.suffix.casefold()
    if suffix not in DATA_SEPARATORS:
        raise InputError(
            f"data file {path!r}: use a .csv or .tsv file with a header row (got {suffix!r})"
        )
    separator = DATA_SEPARATORS[suffix]
    try:
        return pd.read_csv(file, sep=separator, engine="python" if separator is None else "c")
    except (ValueError, UnicodeDecodeError, OSError) as error:
        raise InputError(f"data file {path!r} could not be read: {error}") from None


def _strengths(text: str) -> list[float | tuple[float, float]]:
    values: list[float | tuple[float, float]] = []
    for part in parse_names(text):
        try:
            if "/" in part:
                first, second = part.split("/", 1)
                values.append((float(first), float(second)))
            else:
                values.append(float(part))
        except ValueError:
            raise InputError(
                f"--k {text!r}: give numbers such as 1,2,3 (or k_D/k_Y pairs such as 1/2)"
            ) from None
    return values


def run_sensitivity(args: argparse.Namespace) -> int:
    """``sensitivity``: robustness values and bounds; with ``--elicit``, the model's too."""
    data = read_data(args.data)
    adjustment = parse_names(args.adjust)
    options: dict[str, Any] = {
        "benchmarks": parse_names(args.benchmarks) if args.benchmarks is not None else None,
        "k": _strengths(args.k),
        "q": args.q,
        "alpha": args.alpha,
    }
    report: SensitivityReport
    if args.elicit:
        inputs = task_inputs(args) if args.variables or args.graph else None
        context = inputs.context if inputs is not None else read_context(args.context)
        with open_assistant(args) as assistant, progress_bar(args, "sensitivity") as bar:
            report = assistant.elicit_sensitivity(
                data,
                args.treatment,
                args.outcome,
                adjustment,
                confounders=parse_confounders(args.confounder),
                graph=inputs.graph if inputs is not None else None,
                variables=inputs.variables if inputs is not None else None,
                context=context,
                progress=bar,
                **options,
            )
    else:
        if args.confounder:
            raise InputError("--confounder needs --elicit (and a model)")
        report = sensitivity_analysis(data, args.treatment, args.outcome, adjustment, **options)
    say = reporter(args)
    say.line(str(report))
    say.usage(report.usage)
    if args.plot:
        report.plot(args.plot)
        say.line(f"wrote the plot to {args.plot}")
    say.line(f"wrote the report to {write_output(report.to_json(), args.out)}")
    return 0
