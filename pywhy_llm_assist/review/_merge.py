"""Review as a team: merge several experts' decisions into a consensus graph.

Each reviewer's file is read as a view of every pair of variables it touches: the edge kept as
proposed, reversed, left out, or added. Per edge a rule (`MERGE_RULES`) turns the reviewers'
verdicts into the agreed decision; edges the rule cannot settle are *disputed* and go to a
second round (`ReviewConsensus.second_round_graph`, `to_second_round_html`), whose decisions
merge back with the same `merge_reviews`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, cast

from pydantic import BaseModel, ConfigDict

from ..core._errors import InputError, ReviewError
from ..core._json_file import JsonFile
from ..core._text import counted
from ..graph._causal_graph import CausalGraph
from ._agreement import ReviewAgreement, krippendorff_alpha
from ._consensus_graph import second_round_graph, settle_cycles
from ._decisions import (
    AddedLatent,
    ReviewDecisions,
    SuggestionOrigin,
    _check_decisions,
    load_decisions,
)

MergeRule = Literal["majority", "unanimous", "any_accept"]
Verdict = Literal["forward", "reversed", "absent"]
"""A reviewer's view of an edge, relative to its `ConsensusEdge.pair`."""
VoteAction = Literal["accept", "reject", "reverse", "add", "not_added", "unreviewed"]
ConsensusDecision = Literal["accept", "reject", "reverse", "add", "leave_out", "unreviewed"]
Pair = tuple[str, str]


# --------------------------------------------------------------------------- rules
def _majority(verdicts: Sequence[Verdict]) -> Verdict | None:
    """More than half of the reviewers who decided agree; a tie is disputed."""
    verdict, count = Counter(verdicts).most_common(1)[0]
    return verdict if 2 * count > len(verdicts) else None


def _unanimous(verdicts: Sequence[Verdict]) -> Verdict | None:
    """Every reviewer who decided gave the same verdict."""
    return verdicts[0] if len(set(verdicts)) == 1 else None


def _any_accept(verdicts: Sequence[Verdict]) -> Verdict | None:
    """One reviewer keeping the edge keeps it; keeping it in opposite directions is disputed."""
    kept = set(verdicts) - {"absent"}
    if not kept:
        return "absent"
    return kept.pop() if len(kept) == 1 else None


#: rule name -> verdicts of the reviewers who decided (at least one) -> agreed verdict or None.
MERGE_RULES: dict[str, Callable[[Sequence[Verdict]], Verdict | None]] = {
    "majority": _majority,
    "unanimous": _unanimous,
    "any_accept": _any_accept,
}

#: (proposed edge?, agreed verdict) -> the consensus decision.
_DECISIONS: dict[tuple[bool, Verdict], ConsensusDecision] = {
    (True, "forward"): "accept",
    (True, "reversed"): "reverse",
    (True, "absent"): "reject",
    (False, "forward"): "add",
    (False, "reversed"): "add",
    (False, "absent"): "leave_out",
}


# --------------------------------------------------------------------------- results
class ReviewerVote(BaseModel):
    """What one reviewer decided about one edge.

    Attributes:
        reviewer: the reviewer's name.
        action: ``accept``, ``reject``, ``reverse``, ``add`` (they added this edge),
            ``not_added`` (someone else added it; they did not) or ``unreviewed``.
        comment: their comment.
        origin: the finding whose suggestion they applied, if they applied one.
        verdict: ``forward`` (the edge as its `ConsensusEdge.pair` reads), ``reversed``,
            ``absent``, or None when they did not decide.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    reviewer: str
    action: VoteAction
    comment: str = ""
    origin: SuggestionOrigin | None = None
    verdict: Verdict | None = None


class ConsensusEdge(BaseModel):
    """One edge (proposed, or added by reviewers) with every reviewer's vote and the outcome.

    Attributes:
        pair: ``(cause, effect)`` as proposed, or as most reviewers who added it drew it.
        proposed: True for an edge of the reviewed graph, False for one reviewers added.
        votes: one vote per reviewer, in the order the decisions were given.
        decision: the agreed decision under the rule (``accept``, ``reject``, ``reverse``,
            ``add``, ``leave_out`` for an added edge the rule leaves out, ``unreviewed`` when
            nobody decided), or None when the edge is disputed.
        note: why an edge is disputed although the rule settled it (a cycle), if so.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    pair: Pair
    proposed: bool
    votes: tuple[ReviewerVote, ...]
    decision: ConsensusDecision | None
    note: str = ""

    @property
    def disputed(self) -> bool:
        """True when the reviewers did not agree (under the rule): a second-round edge."""
        return self.decision is None

    @property
    def added_by(self) -> tuple[str, ...]:
        """The reviewers who added this edge themselves (for edges that were not proposed)."""
        return tuple(vote.reviewer for vote in self.votes if vote.action == "add")

    @property
    def unanimous(self) -> bool:
        """True when every reviewer who decided gave the same verdict."""
        verdicts = {vote.verdict for vote in self.votes if vote.verdict is not None}
        return len(verdicts) == 1

    def __str__(self) -> str:
        votes = ", ".join(f"{vote.reviewer}: {vote.action}" for vote in self.votes)
        outcome = self.decision or "disputed"
        return f"{self.pair[0]} -> {self.pair[1]}: {outcome} ({votes})"


class ReviewConsensus(JsonFile):
    """What several reviewers decided together: per-edge votes, agreement, consensus graph.

    Attributes:
        rule: the merge rule used.
        reviewers: the reviewers' names, in the order given.
        graph_fingerprint: the fingerprint of the reviewed graph.
        edges: every proposed edge, then every edge reviewers added, with the votes.
        agreement: Krippendorff's alpha over the reviewers' verdicts.
        graph: the consensus graph; each edge's provenance names the reviewers behind it,
            disputed edges stay as proposed.
        second_round_graph: the graph for a second round (the consensus plus every disputed
            edge reviewers added), or None when nothing is disputed.

    Example:
        >>> from pywhy_llm_assist import ReviewDecision
        >>> graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
        >>> votes = [ReviewDecisions(reviewer=name, timestamp="2026-01-05",
        ...          graph_fingerprint=graph.fingerprint(),
        ...          decisions=[ReviewDecision(source="a", target="b", action="accept")])
        ...          for name in ("Ada", "Grace")]
        >>> merge_reviews(graph, votes)
        <ReviewConsensus of 2 reviewers (majority): 1 edge, 0 disputed, alpha undefined>
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    json_label: ClassVar[str] = "review consensus"
    json_error: ClassVar[type[InputError]] = ReviewError

    rule: MergeRule
    reviewers: tuple[str, ...]
    graph_fingerprint: str
    edges: tuple[ConsensusEdge, ...]
    agreement: ReviewAgreement
    graph: CausalGraph
    second_round_graph: CausalGraph | None = None

    @property
    def disputed(self) -> tuple[ConsensusEdge, ...]:
        """The edges the reviewers did not agree on, each with its `ConsensusEdge.pair`."""
        return tuple(item for item in self.edges if item.disputed)

    @property
    def agreed(self) -> tuple[ConsensusEdge, ...]:
        """The edges the rule settled."""
        return tuple(item for item in self.edges if not item.disputed)

    def edge(self, source: str, target: str) -> ConsensusEdge:
        """The entry of the edge ``source -> target`` (either direction; `KeyError` if none)."""
        for item in self.edges:
            if item.pair in ((source, target), (target, source)):
                return item
        raise KeyError(f"no edge {source!r} -> {target!r} was proposed or added")

    def to_second_round_html(
        self, path: str | Path | None = None, *, title: str | None = None
    ) -> str:
        """Write (and return) the second-round page: only the disputed edges, with every
        reviewer's first-round decision and comment (see `to_second_round_html`)."""
        from ._second_round import to_second_round_html

        return to_second_round_html(self, path, title=title)

    def __repr__(self) -> str:
        value = self.agreement.value
        alpha = "undefined" if value is None else f"{value:.2f}"
        return (
            f"<ReviewConsensus of {counted(len(self.reviewers), 'reviewer')} ({self.rule}): "
            f"{counted(len(self.edges), 'edge')}, {len(self.disputed)} disputed, alpha {alpha}>"
        )

    def __str__(self) -> str:
        from ._consensus_display import consensus_text

        return consensus_text(self)

    def _repr_html_(self) -> str:
        """Inline display in Jupyter: agreement, then one row per edge with every vote."""
        from ._consensus_display import consensus_repr_html

        return consensus_repr_html(self)


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class _Choice:
    """One reviewer's final view of a pair: the edge they keep (or None), and how they said it."""

    direction: Pair | None
    action: VoteAction
    comment: str
    origin: SuggestionOrigin | None


def _key(pair: Pair) -> frozenset[str]:
    return frozenset(pair)


def _joined(*texts: str) -> str:
    return "; ".join(text for text in texts if text)


def _choices(graph: CausalGraph, decisions: ReviewDecisions) -> dict[frozenset[str], _Choice]:
    """Every pair this reviewer decided about, as the edge they end up with."""
    if graph.undirected or any(
        (target, source) in set(graph.edge_pairs) for source, target in graph.edge_pairs
    ):
        raise ReviewError(
            "merge_reviews does not yet merge reviews of a graph with unoriented edges or "
            "two-way links (feedback loops); apply each review with apply_review instead"
        )
    try:
        by_pair = _check_decisions(graph, decisions)
    except ReviewError as error:
        raise ReviewError(f"reviewer {decisions.reviewer!r}: {error}") from None
    proposed = {_key(edge.pair): edge.pair for edge in graph.edges}
    choices: dict[frozenset[str], _Choice] = {}
    directions: dict[str, Callable[[Pair], Pair | None]] = {
        "accept": lambda pair: pair,
        "reverse": lambda pair: (pair[1], pair[0]),
        "reject": lambda pair: None,
    }
    for pair, decision in by_pair.items():
        action = cast(VoteAction, decision.action)  # only accept, reject, reverse here
        choices[_key(pair)] = _Choice(
            directions[action](pair), action, decision.comment, decision.origin
        )
    for decision in decisions.decisions:
        if decision.action != "add":
            continue
        pair = (decision.source, decision.target)
        earlier = choices.get(_key(pair))
        if _key(pair) not in proposed:
            choices[_key(pair)] = _Choice(pair, "add", decision.comment, decision.origin)
            continue
        if earlier is not None and earlier.action == "accept":
            raise ReviewError(
                f"reviewer {decisions.reviewer!r} accepts {pair[1]} -> {pair[0]} and adds "
                f"{pair[0]} -> {pair[1]}: that is a cycle; keep one of the two decisions"
            )
        # Rejecting (or leaving) b -> a and adding a -> b is reversing it.
        comment = _joined(earlier.comment if earlier else "", decision.comment)
        origin = decision.origin or (earlier.origin if earlier else None)
        choices[_key(pair)] = _Choice(pair, "reverse", comment, origin)
    return choices


def _load_all(
    graph: CausalGraph, decisions: Sequence[ReviewDecisions | str | Path]
) -> list[ReviewDecisions]:
    if isinstance(decisions, (str, Path, ReviewDecisions)):
        raise ReviewError(
            "merge_reviews needs a list of decisions (files, JSON strings or ReviewDecisions), "
            "one per reviewer; wrap a single one in a list"
        )
    loaded = [load_decisions(item) for item in decisions]
    if not loaded:
        raise ReviewError(
            "no review decisions to merge: give one decisions file (or object) per reviewer"
        )
    expected = graph.fingerprint()
    seen: dict[str, int] = {}
    for number, item in enumerate(loaded, start=1):
        if item.graph_fingerprint != expected:
            raise ReviewError(
                f"the decisions of reviewer {item.reviewer!r} (number {number}) were made for "
                f"another graph: their graph fingerprint is {item.graph_fingerprint!r} but "
                f"this graph's is {expected!r}; merge decisions made on the same review page"
            )
        name = " ".join(item.reviewer.split()).casefold()
        if name in seen:
            raise ReviewError(
                f"reviewer {item.reviewer!r} appears twice (decisions number {seen[name]} and "
                f"{number}); give each reviewer's decisions once"
            )
        seen[name] = number
    return loaded


# --------------------------------------------------------------------------- merging
def merge_reviews(
    graph: CausalGraph,
    decisions: Sequence[ReviewDecisions | str | Path],
    *,
    rule: MergeRule = "majority",
) -> ReviewConsensus:
    """Merge several reviewers' decisions on the same graph into a consensus.

    Each reviewer's view of an edge is a verdict: kept as drawn, reversed, or absent. An edge
    a reviewer added counts as absent for every reviewer who did not add it. Per edge, the
    verdicts of the reviewers who decided on it go through the rule:

    - ``majority``: more than half of them agree (a tie is disputed);
    - ``unanimous``: all of them agree;
    - ``any_accept``: one reviewer keeping the edge keeps it (kept both ways is disputed).

    Edges nobody decided on stay as proposed; disputed edges stay as proposed too, and are
    listed in `ReviewConsensus.disputed` for a second round. If the agreed changes together
    would close a cycle, the weakest-supported change on it becomes disputed instead.

    Args:
        graph: the graph the review page was made from.
        decisions: one decisions file (path, JSON text or `ReviewDecisions`) per reviewer.
        rule: ``majority`` (default), ``unanimous`` or ``any_accept``.

    Raises:
        ReviewError: no decisions, a reviewer given twice, decisions made for another graph,
            decisions that do not fit the graph, or an unknown rule.

    Example:
        >>> from pywhy_llm_assist import ReviewDecision
        >>> graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
        >>> def review(name, action):
        ...     return ReviewDecisions(reviewer=name, timestamp="2026-01-05",
        ...         graph_fingerprint=graph.fingerprint(),
        ...         decisions=[ReviewDecision(source="a", target="b", action=action)])
        >>> consensus = merge_reviews(graph, [review("Ada", "accept"), review("Bo", "reject"),
        ...                                   review("Cy", "reject")])
        >>> consensus.edge("a", "b").decision, consensus.graph.edge_pairs
        ('reject', [('b', 'c')])
    """
    if rule not in MERGE_RULES:
        raise ReviewError(f"unknown merge rule {rule!r}; use one of {', '.join(MERGE_RULES)}")
    loaded = _load_all(graph, decisions)
    reviewers = tuple(item.reviewer for item in loaded)
    proposed_keys = [_key(edge.pair) for edge in graph.edges]
    if len(set(proposed_keys)) != len(proposed_keys):
        raise ReviewError(
            "the graph has edges in both directions between two variables; resolve that "
            "before merging reviews"
        )
    views = [_choices(graph, item) for item in loaded]
    items = _items(graph, reviewers, views, MERGE_RULES[rule])
    latents = _latents(loaded)
    items, consensus = settle_cycles(graph, items, latents, rule)
    agreement = krippendorff_alpha(
        [[vote_verdicts[at] for vote_verdicts in _verdict_rows(items)] for at in range(len(loaded))]
    )
    history = [graph.metadata["review"]] if "review" in graph.metadata else []
    summary: dict[str, Any] = {
        "merged": True,
        "rule": rule,
        "reviewers": list(reviewers),
        "graph_fingerprint": graph.fingerprint(),
        "agreement": agreement.value,
        "disputed": [list(item.pair) for item in items if item.disputed],
    }
    metadata = dict(consensus.metadata)
    metadata["review"] = summary
    if history:
        metadata["review_history"] = [*graph.metadata.get("review_history", []), *history]
    consensus = consensus.model_copy(update={"metadata": metadata})
    second = second_round_graph(consensus, graph, items, latents)
    return ReviewConsensus(
        rule=rule,
        reviewers=reviewers,
        graph_fingerprint=graph.fingerprint(),
        edges=tuple(items),
        agreement=agreement,
        graph=consensus,
        second_round_graph=second,
    )


def _verdict_rows(items: Sequence[ConsensusEdge]) -> list[list[Verdict | None]]:
    """Per item, each reviewer's verdict (None when they did not decide)."""
    return [[vote.verdict for vote in item.votes] for item in items]


def _items(
    graph: CausalGraph,
    reviewers: Sequence[str],
    views: Sequence[dict[frozenset[str], _Choice]],
    decide: Callable[[Sequence[Verdict]], Verdict | None],
) -> list[ConsensusEdge]:
    pairs: list[tuple[Pair, bool]] = [(edge.pair, True) for edge in graph.edges]
    proposed = {_key(edge.pair) for edge in graph.edges}
    added: dict[frozenset[str], Counter[Pair]] = {}
    for view in views:
        for key, choice in view.items():
            if key not in proposed and choice.direction is not None:
                added.setdefault(key, Counter())[choice.direction] += 1
    # Most reviewers' direction first; a tie goes to the direction drawn first.
    pairs += [(counts.most_common(1)[0][0], False) for counts in added.values()]
    items = []
    for pair, is_proposed in pairs:
        votes = tuple(
            _vote(reviewer, view.get(_key(pair)), pair, is_proposed)
            for reviewer, view in zip(reviewers, views, strict=True)
        )
        verdicts = [vote.verdict for vote in votes if vote.verdict is not None]
        if not verdicts:
            decision: ConsensusDecision | None = "unreviewed"
        else:
            agreed = decide(verdicts)
            decision = None if agreed is None else _DECISIONS[(is_proposed, agreed)]
        items.append(ConsensusEdge(pair=pair, proposed=is_proposed, votes=votes, decision=decision))
    return items


def _vote(reviewer: str, choice: _Choice | None, pair: Pair, proposed: bool) -> ReviewerVote:
    if choice is None:
        if proposed:
            return ReviewerVote(reviewer=reviewer, action="unreviewed")
        return ReviewerVote(reviewer=reviewer, action="not_added", verdict="absent")
    verdict: Verdict = (
        "absent"
        if choice.direction is None
        else ("forward" if choice.direction == pair else "reversed")
    )
    return ReviewerVote(
        reviewer=reviewer,
        action=choice.action,
        comment=choice.comment,
        origin=choice.origin,
        verdict=verdict,
    )


def _latents(decisions: Sequence[ReviewDecisions]) -> dict[str, AddedLatent]:
    found: dict[str, AddedLatent] = {}
    for item in decisions:
        for latent in item.latent_variables:
            found.setdefault(latent.name, latent)
    return found


__all__ = [
    "MERGE_RULES",
    "ConsensusDecision",
    "ConsensusEdge",
    "MergeRule",
    "ReviewConsensus",
    "ReviewerVote",
    "Verdict",
    "VoteAction",
    "merge_reviews",
]
