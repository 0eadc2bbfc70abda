"""Turn votes into a graph: constraints, thresholds, two-way conflicts and cycles, all reported.

By default the result is a DAG. With ``acyclic=False`` it is a summary graph that keeps
feedback loops: both directions of a two-way proposal stay, no cycle is broken, and the
graph lists its cycles (`CausalGraph.cycles`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..core._usage import Usage
from ..core._variables import Variables
from ..graph._causal_graph import CausalGraph, DroppedEdge, DropReason, Edge, Provenance
from ._constraints import Constraints
from ._strategy import ProposedEdge

Pair = tuple[str, str]


@dataclass(frozen=True)
class EdgeSource:
    """How model edges are labelled in provenance."""

    model: str
    prompt_version: str
    strategy: str


def tally(proposals: Iterable[ProposedEdge], samples: int, source: EdgeSource) -> dict[Pair, Edge]:
    """Combine votes per ordered pair: confidence = summed stated confidence / samples asked."""
    votes: dict[Pair, list[ProposedEdge]] = defaultdict(list)
    for proposal in proposals:
        pair = (proposal.source, proposal.target)
        if all(vote.sample != proposal.sample for vote in votes[pair]):
            votes[pair].append(proposal)
    edges = {}
    for pair, items in votes.items():
        keys = tuple(dict.fromkeys(key for item in items for key in item.cache_keys))
        rationale = min((item.rationale for item in items if item.rationale), key=len, default="")
        edges[pair] = Edge(
            source=pair[0],
            target=pair[1],
            confidence=round(min(sum(item.score for item in items) / samples, 1.0), 4),
            votes=len(items),
            asked=samples,
            rationale=rationale,
            provenance=(
                Provenance(
                    origin="model",
                    model=source.model,
                    prompt_version=source.prompt_version,
                    strategy=source.strategy,
                    cache_keys=keys,
                ),
            ),
        )
    return edges


class _Assembler:
    def __init__(self, constraints: Constraints, *, acyclic: bool = True) -> None:
        self.constraints = constraints
        self.acyclic = acyclic
        self.kept: dict[Pair, Edge] = {}
        self.dropped: list[DroppedEdge] = []

    def drop(self, edge: Edge, reason: DropReason, detail: str, *, reversed_: bool = False) -> None:
        self.kept.pop(edge.pair, None)
        self.dropped.append(
            DroppedEdge(edge=edge, reason=reason, detail=detail, reversed=reversed_)
        )

    def apply_rules(self, candidates: Mapping[Pair, Edge], threshold: float) -> None:
        for pair, edge in candidates.items():
            source, target = pair
            if source == target:
                self.dropped.append(
                    DroppedEdge(
                        edge=edge, reason="self_loop", detail="a variable cannot cause itself"
                    )
                )
            elif pair in self.constraints.forbidden:
                self.dropped.append(
                    DroppedEdge(edge=edge, reason="forbidden", detail="forbidden by the analyst")
                )
            elif self.constraints.violates_tiers(source, target):
                self.dropped.append(
                    DroppedEdge(
                        edge=edge,
                        reason="tier_violation",
                        detail="points from a later tier into an earlier one",
                    )
                )
            elif edge.asked and edge.votes / edge.asked < threshold:
                self.dropped.append(
                    DroppedEdge(
                        edge=edge,
                        reason="below_threshold",
                        detail=f"proposed by {edge.votes} of {edge.asked} samples, below the "
                        f"threshold {threshold:g}",
                    )
                )
            else:
                self.kept[pair] = edge

    def undrop(self, pair: Pair, reason: DropReason) -> Edge | None:
        """Take `pair` back out of `dropped` if it was dropped for `reason`."""
        for index, item in enumerate(self.dropped):
            if item.edge.pair == pair and item.reason == reason:
                del self.dropped[index]
                return item.edge
        return None

    def add_required(self) -> None:
        for source, target in self.constraints.required:
            # A required edge the model proposed too rarely keeps its votes and is not reported
            # as dropped: it is in the graph.
            existing = self.kept.get((source, target)) or self.undrop(
                (source, target), "below_threshold"
            )
            provenance = Provenance(origin="required")
            if existing is not None:
                self.kept[(source, target)] = existing.model_copy(
                    update={"provenance": (*existing.provenance, provenance)}
                )
            else:
                self.kept[(source, target)] = Edge(
                    source=source,
                    target=target,
                    confidence=1.0,
                    votes=0,
                    asked=0,
                    rationale="required by the analyst",
                    provenance=(provenance,),
                )
            opposite = self.kept.get((target, source))
            if opposite is not None and self.acyclic:  # a feedback graph keeps both directions
                self.drop(opposite, "conflict", "contradicts a required edge", reversed_=True)

    def settle_conflicts(self) -> None:
        for source, target in list(self.kept):
            forward = self.kept.get((source, target))
            backward = self.kept.get((target, source))
            if forward is None or backward is None:
                continue
            loser = min((forward, backward), key=_strength)
            winner = backward if loser is forward else forward
            self.drop(
                loser,
                "conflict",
                f"the opposite edge had more support ({winner.votes} votes, confidence "
                f"{winner.confidence:.2f} against {loser.votes} and {loser.confidence:.2f})",
                reversed_=True,
            )

    def break_cycles(self) -> None:
        graph = nx.DiGraph(list(self.kept))
        while True:
            try:
                cycle = nx.find_cycle(graph)
            except nx.NetworkXNoCycle:
                return
            pairs = [(str(step[0]), str(step[1])) for step in cycle]
            removable = [pair for pair in pairs if not self.constraints.is_required(*pair)]
            weakest = min(removable, key=lambda pair: _strength(self.kept[pair]))
            path = " -> ".join([pairs[0][0], *(pair[1] for pair in pairs)])
            self.drop(self.kept[weakest], "cycle", f"least-confident edge on the cycle {path}")
            graph.remove_edge(*weakest)
            self.restore_conflict_loser(graph, weakest)

    def restore_conflict_loser(self, graph: nx.DiGraph[str], pair: Pair) -> None:
        """The edge that lost a two-way conflict to `pair` (now dropped) comes back if it can.

        Otherwise it would be reported as reversed while neither direction is in the graph.
        """
        source, target = pair
        losers = (
            index
            for index, item in enumerate(self.dropped)
            if item.reason == "conflict" and item.reversed and item.edge.pair == (target, source)
        )
        index = next(losers, None)
        if index is None:
            return
        item = self.dropped[index]
        if source in graph and target in graph and nx.has_path(graph, source, target):
            self.dropped[index] = item.model_copy(
                update={
                    "reversed": False,
                    "detail": f"{item.detail}; the opposite edge was then dropped to break a "
                    "cycle, and this one would close a cycle too",
                }
            )
            return
        del self.dropped[index]
        self.kept[(target, source)] = item.edge
        graph.add_edge(target, source)


def _strength(edge: Edge) -> tuple[int, float, str, str]:
    # Deterministic order: votes, then confidence, then names (the later name loses ties).
    return (edge.votes, edge.confidence, edge.target, edge.source)


def assemble_graph(
    variables: Variables,
    proposals: Iterable[ProposedEdge],
    *,
    samples: int,
    threshold: float,
    constraints: Constraints,
    source: EdgeSource,
    usage: Usage | None = None,
    metadata: Mapping[str, Any] | None = None,
    acyclic: bool = True,
) -> CausalGraph:
    """Build a graph from proposals; every discarded or reversed edge is kept in `dropped`.

    Order of rules: self-loops, forbidden edges, tier violations and edges below the vote
    threshold are dropped; required edges are added (their opposites dropped); two-way
    conflicts keep the direction with more votes, then higher confidence; each remaining
    cycle loses its least-supported edge that is not required (and an edge that lost a
    two-way conflict to it comes back unless it would close a cycle). With ``acyclic=False``
    the last three steps are skipped: two-way proposals and cycles are kept, and
    ``metadata["acyclic"]`` is False.
    """
    candidates = tally(proposals, samples, source)
    assembler = _Assembler(constraints, acyclic=acyclic)
    assembler.apply_rules(candidates, threshold)
    assembler.add_required()
    if acyclic:
        assembler.settle_conflicts()
        assembler.break_cycles()
    order = {name: index for index, name in enumerate(variables.names)}
    edges = sorted(
        assembler.kept.values(), key=lambda edge: (order[edge.source], order[edge.target])
    )
    dropped = sorted(
        assembler.dropped,
        key=lambda item: (
            order.get(item.edge.source, -1),
            order.get(item.edge.target, -1),
            item.reason,
        ),
    )
    return CausalGraph(
        variables=tuple(variables),
        edges=tuple(edges),
        dropped=tuple(dropped),
        usage=usage,
        metadata={**(metadata or {}), **({} if acyclic else {"acyclic": False})},
    )
