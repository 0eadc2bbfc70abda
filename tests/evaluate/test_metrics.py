"""Graph metrics against hand-computed cases."""

from __future__ import annotations

import networkx as nx
import pytest

from pywhy_llm_assist import (
    CausalGraph,
    InputError,
    UndirectedEdge,
    Variable,
    normalized_hamming_distance,
)
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


# --------------------------------------------------------------------------- unoriented, cyclic
def test_an_undirected_edge_counts_in_the_skeleton_but_claims_no_direction() -> None:
    predicted = CausalGraph.from_edges(NAMES, [("a", "b")], undirected=[("b", "c"), ("c", "d")])
    result = compare_graphs(predicted, TRUTH)
    assert (result.predicted_edges, result.unoriented) == (1, 2)
    assert result.precision == 1.0  # the one direction claimed is right
    assert result.recall == pytest.approx(1 / 3)
    assert result.skeleton_f1 == 1.0
    assert result.shd == 2 and result.reversed == 2  # b --- c and c --- d are not b -> c, c -> d
    assert result.orientation_accuracy == pytest.approx(1 / 3)


def test_two_cpdags_with_the_same_undirected_edges_agree() -> None:
    cpdag = CausalGraph.from_edges(NAMES, [], undirected=[("a", "b"), ("c", "b")])
    swapped = CausalGraph.from_edges(NAMES, [], undirected=[("b", "a"), ("b", "c")])
    assert compare_graphs(cpdag, swapped).shd == 0
    bidirected = CausalGraph.from_edges(
        NAMES, [], undirected=[UndirectedEdge(first="a", second="b", kind="bidirected")]
    )
    assert (
        compare_graphs(bidirected, CausalGraph.from_edges(NAMES, [], undirected=[("a", "b")])).shd
        == 1
    )


def test_normalized_hamming_distance_by_hand() -> None:
    loop = CausalGraph.from_edges(NAMES, [("a", "b"), ("b", "a"), ("b", "c")], check_acyclic=False)
    assert normalized_hamming_distance(loop, loop) == 0.0
    # Breaking the loop loses one entry of 12 ordered pairs; a reversed edge costs two.
    assert normalized_hamming_distance(
        CausalGraph.from_edges(NAMES, [("a", "b"), ("b", "c")]), loop
    ) == pytest.approx(1 / 12)
    assert normalized_hamming_distance(
        CausalGraph.from_edges(NAMES, [("a", "b"), ("b", "a"), ("c", "b")], check_acyclic=False),
        loop,
    ) == pytest.approx(2 / 12)
    assert normalized_hamming_distance(CausalGraph.from_edges(NAMES, []), loop) == pytest.approx(
        3 / 12
    )
    # An undirected edge is both entries: right for a two-way link.
    open_loop = CausalGraph.from_edges(NAMES, [("b", "c")], undirected=[("a", "b")])
    assert normalized_hamming_distance(open_loop, loop) == 0.0


def test_normalized_hamming_distance_matches_the_adjacency_matrices() -> None:
    import numpy as np

    generator = np.random.default_rng(3)
    names = [f"x{index}" for index in range(6)]
    for _ in range(20):
        first = (generator.random((6, 6)) < 0.3) & ~np.eye(6, dtype=bool)
        second = (generator.random((6, 6)) < 0.3) & ~np.eye(6, dtype=bool)

        def graph(matrix: np.ndarray) -> CausalGraph:  # type: ignore[type-arg]
            pairs = [(names[i], names[j]) for i, j in zip(*np.nonzero(matrix), strict=True)]
            return CausalGraph.from_edges(names, pairs, check_acyclic=False)

        expected = float((first != second).sum()) / 30
        assert normalized_hamming_distance(graph(first), graph(second)) == pytest.approx(expected)
