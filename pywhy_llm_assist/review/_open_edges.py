"""Review decisions about unoriented edges (``a --- b``, ``a <-> b``): orient, keep open, reject.

The review page shows each `UndirectedEdge` with four choices. The decisions file says them with
the actions the page already writes, so older readers fail loudly rather than guess:

- ``orient`` with `source` and `target` the chosen direction: the edge becomes ``source ->
  target`` (its provenance keeps where the adjacency came from, plus the reviewer);
- ``accept``: keep it unoriented, with the reviewer's stamp;
- ``reject``: remove it (it goes to ``dropped`` as ``first -> second``, the detail says it was
  unoriented).

`source` and `target` may name the edge in either order for ``accept`` and ``reject``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core._errors import ReviewError
from ..graph._causal_graph import CausalGraph, DroppedEdge, Edge, Provenance, UndirectedEdge

if TYPE_CHECKING:
    from ._decisions import ReviewDecision

OPEN_ACTIONS = ("orient", "accept", "reject")


def open_edge_index(graph: CausalGraph, source: str, target: str) -> int | None:
    """The position of the unoriented edge joining `source` and `target`, or None."""
    for index, edge in enumerate(graph.undirected):
        if edge.joins(source, target):
            return index
    return None


def check_open_decisions(
    graph: CausalGraph, decisions: Sequence[ReviewDecision]
) -> dict[int, ReviewDecision]:
    """The decisions about unoriented edges, by edge position; `ReviewError` when one is wrong."""
    chosen: dict[int, ReviewDecision] = {}
    for number, decision in enumerate(decisions, start=1):
        label = f"decision {number} ({decision.action} {decision.source!r} -> {decision.target!r})"
        index = open_edge_index(graph, decision.source, decision.target)
        if index is None:
            if decision.action == "orient":
                raise ReviewError(
                    f"{label}: the graph has no unoriented edge between {decision.source!r} and "
                    f"{decision.target!r} to orient"
                )
            continue
        edge = graph.undirected[index]
        if decision.action == "add":
            raise ReviewError(
                f"{label}: {edge.first} {edge.symbol} {edge.second} is already in the graph, "
                "unoriented; orient it instead"
            )
        if decision.action not in OPEN_ACTIONS:
            raise ReviewError(
                f"{label}: {edge.first} {edge.symbol} {edge.second} has no direction to "
                "reverse; orient it (action 'orient') instead"
            )
        if index in chosen:
            raise ReviewError(f"{label}: the edge has more than one decision")
        chosen[index] = decision
    return chosen


@dataclass
class OpenOutcome:
    """What the decisions made of the unoriented edges."""

    oriented: list[Edge] = field(default_factory=list)
    kept: list[UndirectedEdge] = field(default_factory=list)
    dropped: list[DroppedEdge] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def apply_open_decisions(
    graph: CausalGraph,
    chosen: dict[int, ReviewDecision],
    reviewer: str,
    *,
    unreviewed: str,
    note: str = "",
) -> OpenOutcome:
    """Orient, keep or drop each unoriented edge as decided (`unreviewed`: keep or drop)."""
    outcome = OpenOutcome(counts={"oriented": 0, "kept_open": 0, "rejected_open": 0})
    for index, edge in enumerate(graph.undirected):
        decision = chosen.get(index)
        comment = decision.comment if decision is not None else ""
        stamp = Provenance(origin="review", reviewer=reviewer, note=comment or note or None)
        action = decision.action if decision is not None else f"unreviewed_{unreviewed}"
        if action == "orient" and decision is not None:
            outcome.counts["oriented"] += 1
            outcome.oriented.append(
                Edge(
                    source=decision.source,
                    target=decision.target,
                    confidence=edge.confidence,
                    votes=0,
                    asked=0,
                    rationale=comment
                    or f"oriented in review by {reviewer}; was {edge.first} {edge.symbol} "
                    f"{edge.second}",
                    provenance=(*edge.provenance, stamp),
                )
            )
        elif action in ("accept", "unreviewed_keep"):
            outcome.counts["kept_open"] += 1
            provenance = (*edge.provenance, stamp) if action == "accept" else edge.provenance
            outcome.kept.append(edge.model_copy(update={"provenance": provenance}))
        else:
            outcome.counts["rejected_open"] += 1
            why = "rejected in review" if action == "reject" else "not reviewed, and dropped"
            detail = f"unoriented edge {edge.first} {edge.symbol} {edge.second} {why} by {reviewer}"
            outcome.dropped.append(
                DroppedEdge(
                    edge=Edge(
                        source=edge.first,
                        target=edge.second,
                        confidence=edge.confidence,
                        rationale=edge.rationale,
                        provenance=edge.provenance,
                    ),
                    reason="rejected_in_review",
                    detail=detail + (f": {comment}" if comment else ""),
                )
            )
    return outcome
