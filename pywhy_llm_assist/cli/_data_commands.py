"""``test-implications``: test a graph's implied independences against data (no model)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .. import ImplicationTests
from ..core._errors import InputError
from ._commands import described_graph, reporter, write_output
from ._data_inputs import add_data_options, implication_tests_from
from ._inputs import GRAPH_READERS

#: Exit code of ``test-implications --check`` when the data contradict the graph.
EXIT_CONTRADICTED = 1

#: --out extension -> how the result is written.
RESULT_WRITERS: dict[str, Callable[[ImplicationTests], str]] = {
    ".json": lambda tests: tests.to_json(),
    ".csv": lambda tests: (
        tests.to_frame()
        .assign(given=lambda frame: frame["given"].map(", ".join))
        .to_csv(index=False)
    ),
}


def configure_test_implications(parser: argparse.ArgumentParser) -> None:
    """The options of ``test-implications``."""
    group = parser.add_argument_group("graph")
    group.add_argument(
        "--graph", required=True, metavar="FILE", help="the graph: .json, .dot/.gv, .gml, .dagitty"
    )
    group.add_argument(
        "--graph-format",
        choices=tuple(GRAPH_READERS),
        help="graph file format (default: by extension)",
    )
    group.add_argument(
        "--variables", metavar="FILE", help="variables file (declared types are used)"
    )
    add_data_options(parser, required=True)
    output = parser.add_argument_group("output")
    output.add_argument(
        "--out", metavar="FILE", help="write every test here: .json (default, stdout) or .csv"
    )
    output.add_argument("--plot", metavar="FILE", help="draw the p-values (.png, .svg, .pdf)")
    output.add_argument(
        "--check",
        action="store_true",
        help=f"exit with code {EXIT_CONTRADICTED} when the data contradict the graph (for CI)",
    )
    output.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")


def _writer(out: str | None) -> Callable[[ImplicationTests], str]:
    """How ``--out`` is written (checked before any test runs)."""
    suffix = Path(out).suffix.casefold() if out else ".json"
    writer = RESULT_WRITERS.get(suffix)
    if writer is None:
        raise InputError(f"--out {out!r}: write .json or .csv")
    return writer


def run_test_implications(args: argparse.Namespace) -> int:
    """``test-implications``: every implied independence of the graph, tested against data."""
    writer = _writer(args.out)
    graph = described_graph(args)
    tests = implication_tests_from(args, graph)
    assert tests is not None  # --data is required
    report = reporter(args)
    report.line(str(tests))
    if args.plot:
        plot = Path(args.plot).expanduser()
        try:
            plot.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"cannot create {str(plot.parent)!r}: {error.strerror}") from None
        report.line(f"wrote the p-value plot to {tests.save_plot(plot)}")
    report.line(f"wrote {len(tests.tests)} tests to {write_output(writer(tests), args.out)}")
    return EXIT_CONTRADICTED if args.check and not tests.consistent else 0
