"""The ``merge-reviews`` command: several reviewers' decisions into one consensus graph."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import MERGE_RULES, ReviewConsensus, ReviewDecisions, merge_reviews
from ..core._errors import InputError
from ._commands import (
    Reporter,
    described_graph,
    reporter,
    write_graph,
    write_output,
)
from ._inputs import GRAPH_READERS, read_text
from ._settings import (
    PROGRAM,
)

SECOND_ROUND_PAGE = "second-round.html"
SECOND_ROUND_GRAPH = "second-round-graph.json"


def configure_merge_reviews(parser: argparse.ArgumentParser) -> None:
    """The options of ``merge-reviews``."""
    parser.add_argument("graph", metavar="GRAPH", help="the graph the review page was made from")
    parser.add_argument(
        "decisions",
        nargs="+",
        metavar="DECISIONS",
        help="one review-decisions.json per reviewer (at least one)",
    )
    parser.add_argument(
        "--graph-format",
        choices=tuple(GRAPH_READERS),
        help="graph file format (default: by extension)",
    )
    parser.add_argument(
        "--variables", metavar="FILE", help="descriptions for a graph file that has none"
    )
    parser.add_argument(
        "--rule",
        choices=tuple(MERGE_RULES),
        default="majority",
        help="majority (default): more than half of those who decided; unanimous: all of "
        "them; any_accept: one reviewer keeping an edge keeps it",
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="write the whole consensus (every vote, the agreement, the graphs) as JSON here",
    )
    parser.add_argument(
        "--second-round",
        metavar="DIR",
        help=f"write {SECOND_ROUND_PAGE} (the disputed edges only) and {SECOND_ROUND_GRAPH} "
        "(the graph its decisions merge back into) to this folder",
    )


def run_merge_reviews(args: argparse.Namespace) -> int:
    """``merge-reviews``: merge reviewers' decisions files; print the consensus graph."""
    graph = described_graph(args)
    decisions = [
        ReviewDecisions.from_json(read_text(path, "review decisions file"))
        for path in args.decisions
    ]
    consensus = merge_reviews(graph, decisions, rule=args.rule)
    report = reporter(args)
    report.line(str(consensus))
    if args.report is not None:
        report.line(
            f"wrote the consensus report to {write_output(consensus.to_json(), args.report)}"
        )
    if args.second_round is not None:
        _write_second_round(args, consensus, report)
    report.line(f"wrote the consensus graph to {write_graph(consensus.graph, args)}")
    return 0


def _write_second_round(
    args: argparse.Namespace, consensus: ReviewConsensus, report: Reporter
) -> None:
    line = report.line
    if consensus.second_round_graph is None:
        line("nothing is disputed: no second round needed")
        return
    folder = Path(args.second_round).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {str(folder)!r}: {error.strerror or error}") from None
    page = folder / SECOND_ROUND_PAGE
    graph_file = folder / SECOND_ROUND_GRAPH
    consensus.to_second_round_html(page)
    write_output(consensus.second_round_graph.to_json(), str(graph_file))
    line(
        f"second round: send {page} to the reviewers, then merge their new files with\n"
        f"  {PROGRAM} merge-reviews {graph_file} round2-*.json --out consensus.json"
    )
