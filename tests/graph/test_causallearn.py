"""Bringing a causal-learn result back: PC's CPDAG (undirected edges kept), required edges PC
removed (reported and kept), node names by position, and PAG marks refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pywhy_llm_assist import CausalGraph, GraphFormatError, compare_graphs

pytestmark = pytest.mark.integration
pc_module = pytest.importorskip("causallearn.search.ConstraintBased.PC")


def chain_data(rows: int = 3000, seed: int = 0) -> np.ndarray[Any, Any]:
    """a -> b -> c (linear-Gaussian): PC can find the adjacencies but no direction."""
    generator = np.random.default_rng(seed)
    a = generator.normal(size=rows)
    b = 0.8 * a + generator.normal(size=rows)
    c = 0.8 * b + generator.normal(size=rows)
    return np.column_stack([a, b, c])


def collider_data(rows: int = 3000, seed: int = 0) -> np.ndarray[Any, Any]:
    """a -> c <- b, c -> d: PC orients every edge."""
    generator = np.random.default_rng(seed)
    a = generator.normal(size=rows)
    b = generator.normal(size=rows)
    c = 0.8 * a + 0.8 * b + generator.normal(size=rows)
    d = 0.8 * c + generator.normal(size=rows)
    return np.column_stack([a, b, c, d])


def run_pc(data: np.ndarray[Any, Any], names: list[str] | None) -> Any:
    return pc_module.pc(data, 0.05, "fisherz", node_names=names, show_progress=False)


def test_a_cpdag_keeps_its_undirected_edges_for_review() -> None:
    graph = CausalGraph.from_causallearn(run_pc(chain_data(), ["a", "b", "c"]))
    assert graph.edge_pairs == []
    assert {frozenset(pair) for pair in graph.undirected_pairs} == {
        frozenset(("a", "b")),
        frozenset(("b", "c")),
    }
    assert all(edge.kind == "undirected" for edge in graph.undirected)
    assert all(edge.provenance[0].origin == "data" for edge in graph.undirected)


def test_directed_edges_come_back_as_edges() -> None:
    graph = CausalGraph.from_causallearn(run_pc(collider_data(), ["a", "b", "c", "d"]))
    assert sorted(graph.edge_pairs) == [("a", "c"), ("b", "c"), ("c", "d")]
    assert graph.undirected == ()


def test_a_required_edge_pc_removed_is_reported_and_kept() -> None:
    result = run_pc(chain_data(), ["a", "b", "c"])
    graph = CausalGraph.from_causallearn(result, required=[("a", "c")])
    assert graph.metadata["required_removed_by_data"] == [["a", "c"]]
    kept = graph.edge("a", "c")
    assert [item.origin for item in kept.provenance] == ["required"]
    assert "PC removed this adjacency" in kept.rationale
    assert "given {b}" in kept.rationale  # what the data found, from PC's separating sets


def test_a_required_edge_orients_what_pc_left_open_and_wins_a_conflict() -> None:
    chain = CausalGraph.from_causallearn(
        run_pc(chain_data(), ["a", "b", "c"]), required=[("a", "b")]
    )
    assert [origin.origin for origin in chain.edge("a", "b").provenance] == ["data", "required"]
    # a -> b --- c with a, c not adjacent: Meek's first rule orients b -> c.
    assert sorted(chain.edge_pairs) == [("a", "b"), ("b", "c")]
    assert "Meek" in chain.edge("b", "c").provenance[-1].note
    assert chain.undirected == ()
    assert "required_removed_by_data" not in chain.metadata

    collider = CausalGraph.from_causallearn(
        run_pc(collider_data(), ["a", "b", "c", "d"]), required=[("c", "a")]
    )
    assert collider.has_edge("c", "a") and not collider.has_edge("a", "c")
    (dropped,) = collider.dropped
    assert (dropped.edge.pair, dropped.reason, dropped.reversed) == (("a", "c"), "conflict", True)


def test_default_node_names_are_mapped_to_the_variables_by_position() -> None:
    variables = {"rain": "rain today", "sprinkler": "sprinkler on", "wet": "wet grass"}
    graph = CausalGraph.from_causallearn(run_pc(chain_data(), None), variables)
    assert graph.names == ("rain", "sprinkler", "wet")
    assert graph.variable("wet").description == "wet grass"
    assert {frozenset(pair) for pair in graph.undirected_pairs} == {
        frozenset(("rain", "sprinkler")),
        frozenset(("sprinkler", "wet")),
    }


def test_compare_graphs_scores_an_undirected_edge_as_adjacency_without_direction() -> None:
    truth = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
    cpdag = CausalGraph.from_causallearn(run_pc(chain_data(), ["a", "b", "c"]))
    comparison = compare_graphs(cpdag, truth)
    assert comparison.skeleton_f1 == 1.0
    assert comparison.unoriented == 2
    assert (comparison.precision, comparison.recall) == (0.0, 0.0)  # no direction claimed
    assert comparison.shd == 2  # each adjacency is in another state than the truth's
    assert comparison.orientation_accuracy == 0.0
    assert compare_graphs(cpdag, cpdag).shd == 0


def test_pag_circle_marks_and_foreign_objects_are_refused() -> None:
    from causallearn.graph.Edge import Edge
    from causallearn.graph.Endpoint import Endpoint
    from causallearn.graph.GeneralGraph import GeneralGraph
    from causallearn.graph.GraphNode import GraphNode

    first, second = GraphNode("a"), GraphNode("b")
    pag = GeneralGraph([first, second])
    pag.add_edge(Edge(first, second, Endpoint.CIRCLE, Endpoint.ARROW))
    with pytest.raises(GraphFormatError, match="PAG"):
        CausalGraph.from_causallearn(pag)
    with pytest.raises(GraphFormatError, match="expected the result of causal-learn's pc"):
        CausalGraph.from_causallearn({"not": "a graph"})
    with pytest.raises(GraphFormatError, match="not among the variables"):
        CausalGraph.from_causallearn(run_pc(chain_data(), ["a", "b", "c"]), ["x", "y"])
