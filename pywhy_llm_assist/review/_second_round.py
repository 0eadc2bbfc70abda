"""The second-round page: only the edges the reviewers disputed, with every first-round vote.

It is the ordinary review page of `ReviewConsensus.second_round_graph` (the consensus plus the
disputed edges reviewers added), with rows only for the disputed edges. Its exported decisions
merge back with the same `merge_reviews`, on that graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core._errors import ReviewError
from ._page import render_review_page

if TYPE_CHECKING:
    from ._merge import ReviewConsensus


def second_round_data(consensus: ReviewConsensus) -> dict[str, Any]:
    """Page data for the second round: per disputed edge (by its index in the second-round
    graph), every reviewer's first-round vote."""
    graph = consensus.second_round_graph
    if graph is None:
        raise ReviewError(
            "nothing is disputed: every edge was settled by the "
            f"{consensus.rule} rule, so there is no second round"
        )
    index = {edge.pair: number for number, edge in enumerate(graph.edges)}
    items: dict[str, list[dict[str, Any]]] = {}
    for item in consensus.disputed:
        number = index.get(item.pair, index.get((item.pair[1], item.pair[0])))
        if number is None:  # pragma: no cover - second_round_graph holds every disputed edge
            continue
        items[str(number)] = [
            {
                "reviewer": vote.reviewer,
                "action": vote.action,
                "comment": vote.comment,
                "origin": vote.origin.describe() if vote.origin is not None else "",
            }
            for vote in item.votes
        ]
    return {
        "number": 2,
        "rule": consensus.rule,
        "reviewers": list(consensus.reviewers),
        "items": items,
        "notes": {
            str(index[item.pair]): item.note
            for item in consensus.disputed
            if item.note and item.pair in index
        },
    }


def to_second_round_html(
    consensus: ReviewConsensus, path: str | Path | None = None, *, title: str | None = None
) -> str:
    """Return (and write, when `path` is given) the second-round review page.

    The page lists only the disputed edges; under each, every reviewer's first-round decision
    and comment. Reviewers decide and export as on the first page; merge their files with
    ``merge_reviews(consensus.second_round_graph, [...])``.

    Raises:
        ReviewError: nothing is disputed.

    Example:
        >>> consensus.to_second_round_html("second-round.html")  # doctest: +SKIP
    """
    data = second_round_data(consensus)
    graph = consensus.second_round_graph
    assert graph is not None  # second_round_data raised otherwise
    count = len(data["items"])
    return render_review_page(
        graph,
        path,
        title=title or f"Second round: {count} disputed edge{'s' if count != 1 else ''}",
        second_round=data,
    )


__all__ = ["second_round_data", "to_second_round_html"]
