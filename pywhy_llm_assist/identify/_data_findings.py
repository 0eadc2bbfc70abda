"""Data findings: one `Finding` per implied independence that the data reject."""

from __future__ import annotations

from typing import Any, TypeAlias

from ..core._errors import InputError
from ..data._implication_tests import TEST_LABELS, ImplicationTest, ImplicationTests, format_p
from ..data._refute import test_implications
from ..data._types import DataLike
from ..graph._causal_graph import CausalGraph
from ._findings import Finding, Severity, format_set

DataOrTests: TypeAlias = "DataLike | ImplicationTests"
"""What ``data=`` accepts: a DataFrame (or a mapping of columns), or `ImplicationTests`
already computed for the graph (to choose alpha, the test method or the variable types)."""

#: Below this adjusted p-value a rejected implication is a ``high`` finding, else ``medium``.
HIGH_SEVERITY_P = 0.001


def implication_tests_for(graph: CausalGraph, data: Any) -> ImplicationTests:
    """Test `graph` against `data` (default settings), or check given tests fit `graph`.

    Raises:
        InputError: `ImplicationTests` made for another graph, or bad data.
    """
    if isinstance(data, ImplicationTests):
        if data.graph_fingerprint != graph.fingerprint():
            raise InputError(
                "the implication tests were made for another graph (fingerprint "
                f"{data.graph_fingerprint or '?'}, this graph's is {graph.fingerprint()}); "
                "run test_implications on this graph"
            )
        return data
    return test_implications(graph, data)


def rejected_implication_finding(row: ImplicationTest) -> Finding:
    """The finding for a rejected implication: what the graph says and what the data show."""
    severity: Severity = "high" if (row.adjusted_p_value or 0.0) < HIGH_SEVERITY_P else "medium"
    given = f" given {format_set(row.given)}" if row.given else ""
    label = TEST_LABELS.get(row.test, row.test)
    return Finding(
        kind="implication_rejected",
        source="data",
        severity=severity,
        message=(
            f"the graph implies {row.independence}, but the data show a dependence between "
            f"{row.x!r} and {row.y!r}{given} ({label}, adjusted p = "
            f"{format_p(row.adjusted_p_value)})."
        ),
        rationale=(
            f"In the graph every path between {row.x!r} and {row.y!r} is blocked"
            f"{' by ' + format_set(row.given) if row.given else ''}, yet the data reject "
            "that independence. A direct effect between them, an unmeasured common cause, or a "
            "wrongly directed edge on a path between them would explain it."
        ),
        variables=(row.x, row.y, *row.given),
        implication_test=row,
    )


def data_findings(tests: ImplicationTests) -> list[Finding]:
    """One finding per rejected implication, smallest adjusted p-value first."""
    return [rejected_implication_finding(row) for row in tests.rejected]
