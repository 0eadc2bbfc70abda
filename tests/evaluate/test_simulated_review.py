"""`review_from_truth`: the decisions a reviewer who knows the true graph would export."""

from __future__ import annotations

from pywhy_llm_assist import CausalGraph, apply_review
from pywhy_llm_assist.evaluate import review_from_truth


def test_directed_edges_are_accepted_reversed_rejected_and_missing_ones_added() -> None:
    graph = CausalGraph.from_edges(["a", "b", "c", "d"], [("b", "a"), ("a", "c")], origin="model")
    reviewed = apply_review(graph, review_from_truth(graph, [("a", "b"), ("c", "d")]))
    assert sorted(reviewed.edge_pairs) == [("a", "b"), ("c", "d")]


def test_an_unoriented_edge_is_oriented_the_true_way_or_rejected() -> None:
    # A data_first or causal-learn graph leaves some adjacencies open (a --- b).
    graph = CausalGraph.from_edges(
        ["a", "b", "c", "d"], [("c", "d")], origin="data", undirected=[("b", "a"), ("a", "d")]
    )
    decisions = review_from_truth(graph, [("a", "b"), ("c", "d")])
    actions = {(item.action, item.source, item.target) for item in decisions.decisions}
    assert ("orient", "a", "b") in actions and ("reject", "a", "d") in actions
    assert not any(action == "add" for action, _, _ in actions)
    reviewed = apply_review(graph, decisions)
    assert sorted(reviewed.edge_pairs) == [("a", "b"), ("c", "d")]
    assert reviewed.undirected == ()
