"""From votes to a DAG: vote shares, thresholds, self-loops, two-way conflicts and cycles."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import pytest
from _graph_replies import Pair, scripted_assistant
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pywhy_llm_assist import Assistant, CausalGraph, ChatRequest
from pywhy_llm_assist.testing import ScriptedModel

ABC = ["a", "b", "c"]
ABCD = ["a", "b", "c", "d"]


def dropped_by_pair(graph: CausalGraph) -> dict[Pair, Any]:
    return {item.edge.pair: item for item in graph.dropped}


def test_vote_share_is_kept_at_half_and_dropped_at_seven_tenths() -> None:
    def edges(sample: int) -> list[Pair]:
        return [("a", "b")] if sample < 2 else []

    assistant, model = scripted_assistant(edges)
    kept = assistant.suggest_graph(ABC, strategy="per_node", samples=3, threshold=0.5)
    assert len(model.requests) == 9
    assert kept.edge_pairs == [("a", "b")]
    edge = kept.edge("a", "b")
    assert (edge.votes, edge.asked, edge.confidence) == (2, 3, 0.6)  # (0.9 + 0.9) / 3
    assert kept.dropped == ()

    assistant, _ = scripted_assistant(edges)
    strict = assistant.suggest_graph(ABC, strategy="per_node", samples=3, threshold=0.7)
    assert strict.edge_pairs == []
    (item,) = strict.dropped
    assert item.reason == "below_threshold"
    assert (item.edge.pair, item.edge.votes, item.edge.asked) == (("a", "b"), 2, 3)
    assert item.detail == "proposed by 2 of 3 samples, below the threshold 0.7"
    assert not item.reversed


def test_confidence_weights_each_vote_by_its_stated_confidence() -> None:
    levels = ["high", "medium", "low"]

    def respond(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None
        level = levels[request.query.sample]
        return {"edges": [{"cause": "a", "effect": "b", "rationale": level, "confidence": level}]}

    assistant = Assistant("scripted", client=ScriptedModel(respond=respond), cache_mode="off")
    graph = assistant.suggest_graph(ABC, strategy="whole", samples=3)
    edge = graph.edge("a", "b")
    assert (edge.votes, edge.asked) == (3, 3)
    assert edge.confidence == pytest.approx((0.9 + 0.65 + 0.35) / 3, abs=1e-4)
    assert edge.rationale == "low"  # the shortest rationale of the votes

    for level, score in (("low", 0.35), ("medium", 0.65), ("high", 0.9)):
        assistant, _ = scripted_assistant([("a", "b")], confidence=level)
        assert assistant.suggest_graph(ABC, strategy="whole").edge("a", "b").confidence == score


def test_threshold_one_needs_every_sample() -> None:
    assistant, _ = scripted_assistant(lambda sample: [("a", "b")] + [("b", "c")] * (sample > 0))
    graph = assistant.suggest_graph(ABC, strategy="whole", samples=4, threshold=1.0)
    assert graph.edge_pairs == [("a", "b")]
    assert dropped_by_pair(graph)[("b", "c")].reason == "below_threshold"


def test_self_loop_in_a_whole_graph_reply_is_dropped_with_its_reason() -> None:
    assistant, _ = scripted_assistant([("a", "a"), ("a", "b")])
    graph = assistant.suggest_graph(ABC, strategy="whole")
    assert graph.edge_pairs == [("a", "b")]
    (item,) = graph.dropped
    assert (item.edge.pair, item.reason) == (("a", "a"), "self_loop")
    assert item.detail == "a variable cannot cause itself"


def test_two_way_conflict_keeps_the_direction_with_more_votes() -> None:
    assistant, _ = scripted_assistant(lambda sample: [("a", "b")] + [("b", "a")] * (sample == 0))
    graph = assistant.suggest_graph(ABC, strategy="per_node", samples=3, threshold=0.3)
    assert graph.edge_pairs == [("a", "b")]
    (item,) = graph.dropped
    assert item.edge.pair == ("b", "a")
    assert (item.reason, item.reversed) == ("conflict", True)
    assert (item.edge.votes, item.edge.asked) == (1, 3)
    assert "3 votes" in item.detail


def test_two_way_conflict_with_equal_votes_keeps_the_more_confident_direction() -> None:
    assistant, _ = scripted_assistant(
        [("a", "b"), ("b", "a")], confidence={("a", "b"): "low", ("b", "a"): "high"}
    )
    graph = assistant.suggest_graph(ABC, strategy="per_node")
    assert graph.edge_pairs == [("b", "a")]
    (item,) = graph.dropped
    assert (item.edge.pair, item.reason, item.reversed) == (("a", "b"), "conflict", True)
    assert item.edge.confidence == 0.35


def test_a_three_cycle_loses_its_least_confident_edge() -> None:
    cycle = [("a", "b"), ("b", "c"), ("c", "a")]
    assistant, _ = scripted_assistant(cycle, confidence={("c", "a"): "low"})
    graph = assistant.suggest_graph(ABCD, strategy="whole")
    assert graph.is_acyclic()
    assert graph.edge_pairs == [("a", "b"), ("b", "c")]
    (item,) = graph.dropped
    assert (item.edge.pair, item.reason, item.reversed) == (("c", "a"), "cycle", False)
    assert item.detail.startswith("least-confident edge on the cycle ")
    assert all(name in item.detail for name in "abc")


def test_each_of_two_cycles_loses_one_edge() -> None:
    proposals = [("a", "b"), ("b", "a"), ("c", "d"), ("d", "e"), ("e", "c")]
    levels = {("b", "a"): "medium", ("d", "e"): "low"}
    assistant, _ = scripted_assistant(proposals, confidence=levels)
    graph = assistant.suggest_graph([*ABCD, "e"], strategy="per_node")
    assert graph.edge_pairs == [("a", "b"), ("c", "d"), ("e", "c")]
    assert {pair: item.reason for pair, item in dropped_by_pair(graph).items()} == {
        ("b", "a"): "conflict",
        ("d", "e"): "cycle",
    }


def test_a_conflict_loser_returns_when_the_winner_is_dropped_on_a_cycle() -> None:
    # a -> b beats b -> a on votes (3 to 1), then is the weakest edge of a -> b -> c -> a.
    def edges(sample: int) -> list[Pair]:
        return [("a", "b"), ("b", "c"), ("c", "a")] + [("b", "a")] * (sample == 0)

    assistant, _ = scripted_assistant(edges, confidence={("a", "b"): "low"})
    graph = assistant.suggest_graph(ABC, strategy="whole", samples=3, threshold=0.3)
    assert graph.is_acyclic()
    assert graph.edge_pairs == [("b", "a"), ("b", "c"), ("c", "a")]
    assert graph.edge("b", "a").votes == 1
    (item,) = graph.dropped
    assert (item.edge.pair, item.reason, item.reversed) == (("a", "b"), "cycle", False)


def test_a_conflict_loser_that_would_close_a_cycle_is_no_longer_called_reversed() -> None:
    def edges(sample: int) -> list[Pair]:
        chain = [("a", "d"), ("d", "b"), ("b", "c"), ("c", "a"), ("a", "b")]
        return chain + [("b", "a")] * (sample == 0)

    assistant, _ = scripted_assistant(edges, confidence={("a", "b"): "low"})
    graph = assistant.suggest_graph(ABCD, strategy="whole", samples=3, threshold=0.3)
    assert graph.is_acyclic()
    assert graph.edge_pairs == [("a", "d"), ("b", "c"), ("d", "b")]
    dropped = dropped_by_pair(graph)
    assert {pair: (item.reason, item.reversed) for pair, item in dropped.items()} == {
        ("a", "b"): ("cycle", False),
        ("b", "a"): ("conflict", False),
        ("c", "a"): ("cycle", False),
    }
    assert "would close a cycle" in dropped[("b", "a")].detail


def test_dropped_edges_keep_their_evidence_and_edges_follow_variable_order() -> None:
    assistant, _ = scripted_assistant([("c", "a"), ("b", "a"), ("a", "c")], confidence="medium")
    graph = assistant.suggest_graph(ABC, strategy="per_node")
    assert graph.edge_pairs == [("a", "c"), ("b", "a")]
    (item,) = graph.dropped
    assert item.edge.pair == ("c", "a")
    assert (item.edge.votes, item.edge.confidence, item.edge.rationale) == (1, 0.65, "c drives a")
    assert item.edge.provenance[0].origin == "model"
    assert item.edge.provenance[0].cache_keys


# ----------------------------------------------------------------------------- properties
NAMES = ["a", "b", "c", "d", "e"]
LEVELS = ["low", "medium", "high"]
proposal = st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), st.sampled_from(LEVELS))
sample_replies = st.lists(st.lists(proposal, max_size=14), min_size=1, max_size=3)


@st.composite
def constraints(draw: st.DrawFn) -> dict[str, Any]:
    """Consistent constraints: required edges and tiers follow one random order of the names."""
    order = draw(st.permutations(NAMES))
    forward = [(order[i], order[j]) for i in range(5) for j in range(i + 1, 5)]
    required = draw(st.lists(st.sampled_from(forward), unique=True, max_size=3))
    all_pairs = [(s, t) for s in NAMES for t in NAMES if s != t and (s, t) not in required]
    forbidden = draw(st.lists(st.sampled_from(all_pairs), unique=True, max_size=4))
    cuts = sorted(draw(st.sets(st.integers(1, 4), max_size=3)))
    bounds = [0, *cuts, 5]
    tiers = [list(order[start:end]) for start, end in pairwise(bounds)]
    use_tiers = draw(st.booleans())
    return {"required": required, "forbidden": forbidden, "tiers": tiers if use_tiers else None}


class RandomReplies:
    """One assistant for every example (cheap), answering from the current example's replies."""

    def __init__(self) -> None:
        self.replies: list[list[tuple[str, str, str]]] = []
        self.assistant = Assistant(
            "scripted", client=ScriptedModel(respond=self.respond), cache_mode="off"
        )

    def respond(self, request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None
        edges = [
            {"cause": cause, "effect": effect, "rationale": "random", "confidence": level}
            for cause, effect, level in self.replies[request.query.sample]
        ]
        return {"edges": edges}


RANDOM = RandomReplies()


def run_replies(
    replies: list[list[tuple[str, str, str]]], threshold: float, **options: Any
) -> CausalGraph:
    RANDOM.replies = replies
    return RANDOM.assistant.suggest_graph(
        NAMES, strategy="whole", samples=len(replies), threshold=threshold, **options
    )


def check_invariants(
    graph: CausalGraph,
    replies: list[list[tuple[str, str, str]]],
    threshold: float,
    required: Sequence[Pair] = (),
    forbidden: Sequence[Pair] = (),
    tiers: list[list[str]] | None = None,
) -> None:
    assert graph.is_acyclic()
    kept = set(graph.edge_pairs)
    dropped = [item.edge.pair for item in graph.dropped]
    assert len(dropped) == len(set(dropped)), "an edge is reported dropped twice"
    assert not kept & set(dropped), "an edge is both in the graph and dropped"
    proposed = {(cause, effect) for reply in replies for cause, effect, _ in reply}
    assert proposed <= kept | set(dropped), "a proposed edge was silently lost"
    assert set(dropped) <= proposed
    assert kept <= proposed | set(required)
    assert set(required) <= kept
    assert not kept & set(forbidden)
    tier_of = {name: index for index, tier in enumerate(tiers or []) for name in tier}
    for source, target in kept:
        assert source != target
        if source in tier_of and target in tier_of:
            assert tier_of[source] <= tier_of[target]
    for edge in graph.edges:
        assert edge.votes <= edge.asked == (len(replies) if edge.asked else 0)
        from_model = any(item.origin == "model" for item in edge.provenance)
        if (edge.source, edge.target) not in required:
            assert from_model and edge.votes / edge.asked >= threshold
    for item in graph.dropped:
        if item.reversed:
            assert (item.edge.target, item.edge.source) in kept
        if item.reason == "below_threshold":
            assert item.edge.votes / item.edge.asked < threshold
        if item.reason == "self_loop":
            assert item.edge.source == item.edge.target


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies=sample_replies, threshold=st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]))
def test_random_replies_always_give_a_dag_and_lose_nothing(
    replies: list[list[tuple[str, str, str]]], threshold: float
) -> None:
    graph = run_replies(replies, threshold)
    check_invariants(graph, replies, threshold)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies=sample_replies, threshold=st.sampled_from([0.3, 0.5]), known=constraints())
def test_random_replies_with_constraints_respect_them(
    replies: list[list[tuple[str, str, str]]], threshold: float, known: dict[str, Any]
) -> None:
    graph = run_replies(replies, threshold, **known)
    check_invariants(graph, replies, threshold, **known)
    reasons = {item.edge.pair: item.reason for item in graph.dropped}
    for pair in known["forbidden"]:
        if pair in reasons and pair[0] != pair[1]:
            assert reasons[pair] == "forbidden"
