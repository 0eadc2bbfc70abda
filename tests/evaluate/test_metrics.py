"""Graph metrics against hand-computed cases."""

from __future__ import annotations

import networkx as nx
import pytest

from pywhy_llm_assist import CausalGraph, InputError, Variable
from pywhy_llm_assist.evaluate._metrics import compare_graphs, order_divergence, topological_order

NAMES = ["a", "b", "c", "d"]
TRUTH = CausalGraph.from_edges(NAMES, [("a", "b"), ("b", "c"), ("c", "d")])


def test_identical_graphs_score_perfectly() -> None:
    result = compare_graphs(TRUTH, TRUTH)
    assert (result.precision, result.recall, result.f1) == (1.0, 1.0, 1.0)
    assert (result.skeleton_f1, result.orientation_accuracy) == (1.0, 1.0)
    assert result.shd == 0
    assert result.topological_order_divergence == 0
    assert (result.true_positives, result.false_positives, result.false_negatives) == (3, 0, 0)


def test_hand_computed_mixed_case() -> None:
    # One edge right (a->b), one reversed (c->b instead of b->c), one missing (c->d),
    # one extra (a->d).
    predicted = CausalGraph.from_edges(NAMES, [("a", "b"), ("c", "b"), ("a", "d")])
    result = compare_graphs(predicted, TRUTH)
    assert result.precision == pytest.approx(1 / 3)
    assert result.recall == pytest.approx(1 / 3)
    assert result.f1 == pytest.approx(1 / 3)
    assert result.skeleton_precision == pytest.approx(2 / 3)
    assert result.skeleton_recall == pytest.approx(2 / 3)
    assert result.skeleton_f1 == pytest.approx(2 / 3)
    assert result.orientation_accuracy == 0.5
    assert (result.missing, result.extra, result.reversed) == (1, 1, 1)
    assert result.shd == 3
    # Kahn's order with ties by name: a, c, b, d; the true edge b -> c is violated.
    assert result.topological_order_divergence == 1
    assert (result.predicted_edges, result.true_edges) == (3, 3)


def test_reversal_counts_once_in_shd_but_twice_in_edge_scores() -> None:
    predicted = CausalGraph.from_edges(NAMES, [("b", "a"), ("b", "c"), ("c", "d")])
    result = compare_graphs(predicted, TRUTH)
    assert result.shd == 1
    assert (result.false_positives, result.false_negatives) == (1, 1)
    assert result.skeleton_f1 == 1.0
    assert result.orientation_accuracy == pytest.approx(2 / 3)


def test_empty_prediction() -> None:
    result = compare_graphs(CausalGraph.from_edges(NAMES, []), TRUTH)
    assert (result.precision, result.recall, result.f1) == (0.0, 0.0, 0.0)
    assert result.shd == 3
    assert result.orientation_accuracy is None
    # The empty graph's order is by name, a b c d, which happens to respect the truth.
    assert result.topological_order_divergence == 0


def test_both_graphs_empty_is_a_perfect_match() -> None:
    empty = CausalGraph.from_edges(["x", "y"], [])
    result = compare_graphs(empty, empty)
    assert (result.precision, result.recall, result.f1, result.shd) == (1.0, 1.0, 1.0, 0)


def test_order_divergence_counts_edges_against_the_order() -> None:
    truth = CausalGraph.from_edges(["z", "y", "x"], [("z", "y"), ("y", "x"), ("z", "x")])
    # An empty prediction orders x, y, z by name: all three true edges point backwards.
    result = compare_graphs(CausalGraph.from_edges(["z", "y", "x"], []), truth)
    assert result.topological_order_divergence == 3
    # A prediction with the right order but no direct z -> x edge has divergence 0.
    chain = CausalGraph.from_edges(["z", "y", "x"], [("z", "y"), ("y", "x")])
    assert compare_graphs(chain, truth).topological_order_divergence == 0
    assert compare_graphs(chain, truth).recall == pytest.approx(2 / 3)


def test_networkx_inputs_and_cycles() -> None:
    cyclic = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    cyclic.add_node("d")
    result = compare_graphs(cyclic, TRUTH)
    assert result.topological_order_divergence is None
    assert result.true_positives == 2
    assert result.extra == 1 and result.missing == 1


def test_both_directions_count_as_one_wrong_orientation() -> None:
    predicted = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c"), ("c", "d")])
    result = compare_graphs(predicted, TRUTH)
    assert result.reversed == 1
    assert result.shd == 1
    assert result.true_positives == 3
    assert result.false_positives == 1


def test_latent_nodes_of_the_prediction_are_ignored() -> None:
    predicted = CausalGraph.from_edges(
        [*NAMES, Variable(name="U", description="unmeasured")],
        [("a", "b"), ("b", "c"), ("c", "d"), ("U", "a"), ("U", "d")],
        latent=["U"],
    )
    result = compare_graphs(predicted, TRUTH)
    assert result.f1 == 1.0
    assert result.ignored_latent == ("U",)
    assert result.predicted_edges == 3


def test_unknown_observed_node_is_an_error() -> None:
    predicted = CausalGraph.from_edges([*NAMES, "e"], [("a", "e")])
    with pytest.raises(InputError, match="lacks"):
        compare_graphs(predicted, TRUTH)


def test_nodes_missing_from_the_prediction_count_as_isolated() -> None:
    result = compare_graphs(nx.DiGraph([("a", "b")]), TRUTH)
    assert result.true_positives == 1
    assert result.missing == 2


def test_wrong_type_is_an_error() -> None:
    with pytest.raises(InputError, match=r"CausalGraph or a networkx\.DiGraph"):
        compare_graphs([("a", "b")], TRUTH)  # type: ignore[arg-type]


def test_helpers() -> None:
    assert topological_order(nx.DiGraph([("b", "a"), ("c", "a")])) == ["b", "c", "a"]
    assert topological_order(nx.DiGraph([("a", "b"), ("b", "a")])) is None
    assert order_divergence(["c", "b", "a"], [("a", "b"), ("b", "c")]) == 2
    # Nodes missing from the order go last, by name.
    assert order_divergence(["a"], [("b", "a"), ("a", "c")]) == 1
