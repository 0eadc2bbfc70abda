"""`review_from_truth`: the review a reviewer who knows the true graph would export.

For demonstrations and benchmarks of the whole workflow (suggest, review, analyse) on data
whose graph is known: every suggested edge that is in the true graph is accepted, one that
points the wrong way is reversed, any other is rejected, an unoriented edge is oriented the
true way (or rejected), and every true edge the suggestion missed is added. The result is an
ordinary `ReviewDecisions`, so `apply_review` records each decision with the reviewer's name,
as it would for a person.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..graph._causal_graph import CausalGraph
from ..review._decisions import ReviewAction, ReviewDecision, ReviewDecisions

TIMESTAMP = "2026-01-01T00:00:00Z"
"""A fixed timestamp, so the same suggestion always gives the same decisions file."""


def review_from_truth(
    graph: CausalGraph,
    truth: Iterable[tuple[str, str]],
    *,
    reviewer: str = "simulated reviewer (knows the true graph)",
) -> ReviewDecisions:
    """The decisions of a reviewer who knows the true edges `truth`.

    Example:
        >>> graph = CausalGraph.from_edges(["a", "b", "c"], [("b", "a"), ("a", "c")],
        ...                                origin="model")
        >>> decisions = review_from_truth(graph, [("a", "b"), ("b", "c")])
        >>> [(item.action, item.source, item.target) for item in decisions.decisions]
        [('reverse', 'b', 'a'), ('reject', 'a', 'c'), ('add', 'b', 'c')]
    """
    true_edges = list(dict.fromkeys(truth))
    known = set(true_edges)
    decisions = []
    for source, target in graph.edge_pairs:
        action: ReviewAction
        if (source, target) in known:
            action, comment = "accept", "in the true graph"
        elif (target, source) in known:
            action, comment = "reverse", f"the true graph has {target} -> {source}"
        else:
            action, comment = "reject", "not in the true graph"
        decisions.append(
            ReviewDecision(source=source, target=target, action=action, comment=comment)
        )
    for open_edge in graph.undirected:  # a --- b: orient it the true way, or reject it
        first, second = open_edge.first, open_edge.second
        if (first, second) in known or (second, first) in known:
            source, target = (first, second) if (first, second) in known else (second, first)
            decisions.append(
                ReviewDecision(
                    source=source, target=target, action="orient", comment="in the true graph"
                )
            )
        else:
            decisions.append(
                ReviewDecision(
                    source=first, target=second, action="reject", comment="not in the true graph"
                )
            )
    pairs = [*graph.edge_pairs, *((edge.first, edge.second) for edge in graph.undirected)]
    covered = set(pairs) | {(b, a) for a, b in pairs}
    decisions += [
        ReviewDecision(source=source, target=target, action="add", comment="in the true graph")
        for source, target in true_edges
        if (source, target) not in covered
    ]
    return ReviewDecisions(
        reviewer=reviewer,
        timestamp=TIMESTAMP,
        graph_fingerprint=graph.fingerprint(),
        decisions=tuple(decisions),
    )
