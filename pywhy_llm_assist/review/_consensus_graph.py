"""Building the consensus graph from the agreed decisions of `merge_reviews`.

Accepted edges keep their evidence and gain one review provenance per reviewer who accepted
them; rejected and reversed edges go to ``dropped`` with the reviewers named; added edges carry
the share of reviewers who added them as their confidence. Undecided and disputed edges stay as
proposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx

from ..core._variables import Variable
from ..graph._causal_graph import CausalGraph, DroppedEdge, Edge, Provenance
from ._decisions import AddedLatent

if TYPE_CHECKING:
    from ._merge import ConsensusDecision, ConsensusEdge, ReviewerVote, Verdict


def _key(pair: tuple[str, str]) -> frozenset[str]:
    return frozenset(pair)


def _joined(*texts: str) -> str:
    return "; ".join(text for text in texts if text)


def _stamps(votes: Sequence[ReviewerVote], verdict: Verdict) -> tuple[Provenance, ...]:
    return tuple(
        Provenance(
            origin="review",
            reviewer=vote.reviewer,
            note=_joined(vote.comment, vote.origin.describe() if vote.origin else "") or None,
        )
        for vote in votes
        if vote.verdict == verdict
    )


def _names(votes: Sequence[ReviewerVote], verdict: Verdict) -> str:
    return ", ".join(vote.reviewer for vote in votes if vote.verdict == verdict)


def _comments(votes: Sequence[ReviewerVote], verdict: Verdict) -> str:
    return _joined(*(vote.comment for vote in votes if vote.verdict == verdict))


def _new_edge(item: ConsensusEdge, pair: tuple[str, str], verdict: Verdict, what: str) -> Edge:
    supporters = sum(1 for vote in item.votes if vote.verdict == verdict)
    return Edge(
        source=pair[0],
        target=pair[1],
        confidence=supporters / len(item.votes),
        votes=supporters,
        asked=len(item.votes),
        rationale=_comments(item.votes, verdict)
        or f"{what} in review by {_names(item.votes, verdict)}",
        provenance=_stamps(item.votes, verdict),
    )


def _build(
    graph: CausalGraph,
    items: Sequence[ConsensusEdge],
    latents: dict[str, AddedLatent],
    rule: str,
    include_disputed_additions: bool = False,
) -> CausalGraph:
    edges_by_pair = {edge.pair: edge for edge in graph.edges}
    edges: list[Edge] = []
    dropped: list[DroppedEdge] = list(graph.dropped)
    count = len(items[0].votes) if items else 0
    for item in items:
        edge = edges_by_pair.get(item.pair)
        if edge is None:  # added by reviewers
            wanted = item.decision == "add" or (include_disputed_additions and item.disputed)
            if wanted:
                edges.append(_new_edge(item, item.pair, "forward", "added"))
            continue
        if item.decision == "accept":
            stamps = _stamps(item.votes, "forward")
            edges.append(edge.model_copy(update={"provenance": (*edge.provenance, *stamps)}))
        elif item.decision == "reject":
            detail = f"rejected in review by {_names(item.votes, 'absent')} ({rule} of {count})"
            comments = _comments(item.votes, "absent")
            dropped.append(
                DroppedEdge(
                    edge=edge,
                    reason="rejected_in_review",
                    detail=f"{detail}: {comments}" if comments else detail,
                )
            )
        elif item.decision == "reverse":
            opposite = (edge.target, edge.source)
            edges.append(_new_edge(item, opposite, "reversed", "reversed"))
            detail = f"reversed in review by {_names(item.votes, 'reversed')} ({rule} of {count})"
            dropped.append(
                DroppedEdge(edge=edge, reason="rejected_in_review", detail=detail, reversed=True)
            )
        else:  # unreviewed or disputed: as proposed
            edges.append(edge)
    used = {name for edge in edges for name in edge.pair}
    known = set(graph.names)
    extra = tuple(
        Variable(name=name, description=latent.description, latent=True)
        for name, latent in latents.items()
        if name in used and name not in known
    )
    return CausalGraph(
        variables=(*graph.variables, *extra),
        edges=tuple(edges),
        dropped=tuple(dropped),
        usage=graph.usage,
        metadata=dict(graph.metadata),
    )


def settle_cycles(
    graph: CausalGraph,
    items: list[ConsensusEdge],
    latents: dict[str, AddedLatent],
    rule: str,
) -> tuple[list[ConsensusEdge], CausalGraph]:
    """Build the consensus; while it has a cycle, dispute the weakest change on the cycle."""
    changed: set[ConsensusDecision | None] = {"reverse", "add"}
    while True:
        consensus = _build(graph, items, latents, rule)
        try:
            cycle = nx.find_cycle(consensus.to_networkx())
        except nx.NetworkXNoCycle:
            return items, consensus
        on_cycle = {_key((str(step[0]), str(step[1]))) for step in cycle}
        candidates = [
            (sum(1 for vote in item.votes if vote.verdict != "absent"), -at, at)
            for at, item in enumerate(items)
            if _key(item.pair) in on_cycle and item.decision in changed
        ]
        if not candidates:  # the proposed graph itself has this cycle
            return items, consensus
        at = min(candidates)[2]
        path = " -> ".join([str(cycle[0][0]), *(str(step[1]) for step in cycle)])
        items[at] = items[at].model_copy(
            update={"decision": None, "note": f"agreed, but would close the cycle {path}"}
        )


def second_round_graph(
    consensus: CausalGraph,
    graph: CausalGraph,
    items: Sequence[ConsensusEdge],
    latents: dict[str, AddedLatent],
) -> CausalGraph | None:
    """The consensus plus every disputed added edge: what a second round decides about."""
    if not any(item.disputed for item in items):
        return None
    built = _build(graph, items, latents, "", include_disputed_additions=True)
    return built.model_copy(update={"dropped": consensus.dropped, "metadata": consensus.metadata})


__all__ = ["second_round_graph", "settle_cycles"]
