"""Cyclic summary graphs and unoriented edges: the model, the exports that carry them, and the
DAG-only tools that refuse them with a typed error naming what is wrong."""

from __future__ import annotations

import hashlib
import json

import networkx as nx
import pytest

from pywhy_llm_assist import (
    CausalGraph,
    CyclicGraphError,
    GraphFormatError,
    InputError,
    NotADagError,
    UndirectedEdge,
    UnorientedEdgesError,
    check_graph,
)
from pywhy_llm_assist.graph._structure import directed_cycles
from pywhy_llm_assist.identify._identification import valid_adjustment_sets

CLIMATE = ["temperature", "water vapour", "sea ice", "albedo", "CO2"]
FEEDBACK = [
    ("temperature", "water vapour"),
    ("water vapour", "temperature"),
    ("temperature", "sea ice"),
    ("sea ice", "albedo"),
    ("albedo", "temperature"),
    ("CO2", "temperature"),
]


def summary_graph() -> CausalGraph:
    return CausalGraph.from_edges(
        CLIMATE, FEEDBACK, check_acyclic=False, metadata={"acyclic": False}
    )


def open_graph() -> CausalGraph:
    """A CPDAG-like graph: x --- y, y -> z <- w, and z <-> v."""
    return CausalGraph.from_edges(
        ["x", "y", "z", "w", "v"],
        [("y", "z"), ("w", "z")],
        undirected=[("x", "y"), UndirectedEdge(first="z", second="v", kind="bidirected")],
    )


# --------------------------------------------------------------------------- cycles
def test_cycles_lists_every_loop_shortest_first_starting_at_its_smallest_name() -> None:
    graph = summary_graph()
    assert graph.cycles == (
        ("temperature", "water vapour"),
        ("albedo", "temperature", "sea ice"),
    )
    assert graph.allows_cycles
    assert not graph.is_acyclic()
    assert CausalGraph.from_edges(["a", "b"], [("a", "b")]).cycles == ()


def test_directed_cycles_agrees_with_networkx_on_random_graphs() -> None:
    for seed in range(20):
        network = nx.gnp_random_graph(7, 0.3, seed=seed, directed=True)
        pairs = [(str(a), str(b)) for a, b in network.edges]
        expected = {tuple(cycle) for cycle in nx.simple_cycles(nx.DiGraph(pairs))}  # unrotated
        found = directed_cycles(pairs, limit=10_000)
        assert len(found) == len(expected)
        assert all(cycle[0] == min(cycle) for cycle in found)


def test_a_cyclic_graph_without_the_summary_mark_does_not_allow_cycles() -> None:
    graph = CausalGraph.from_edges(CLIMATE, FEEDBACK, check_acyclic=False)
    assert graph.cycles and not graph.allows_cycles


def test_from_edges_still_refuses_cycles_by_default_and_names_them() -> None:
    with pytest.raises(CyclicGraphError) as caught:
        CausalGraph.from_edges(CLIMATE, FEEDBACK)
    assert ("temperature", "water vapour") in caught.value.cycles
    assert "temperature -> water vapour -> temperature" in str(caught.value)
    assert isinstance(caught.value, InputError)  # old callers catching InputError still work


# --------------------------------------------------------------------------- unoriented edges
def test_undirected_edges_are_kept_apart_from_directed_ones() -> None:
    graph = open_graph()
    assert graph.edge_pairs == [("y", "z"), ("w", "z")]
    assert graph.undirected_pairs == [("x", "y"), ("z", "v")]
    assert [edge.symbol for edge in graph.undirected] == ["---", "<->"]
    assert not graph.is_dag() and graph.is_acyclic()
    network = graph.to_networkx()
    assert set(network.edges) == {("y", "z"), ("w", "z")}  # no direction is invented
    assert network.graph["undirected"] == [["x", "y", "undirected"], ["z", "v", "bidirected"]]


@pytest.mark.parametrize(
    ("undirected", "message"),
    [
        ([("x", "x")], "self-loop"),
        ([("x", "nobody")], "unknown variable"),
        ([("x", "y"), ("y", "x")], "already joins"),
        ([("y", "z")], "already joins"),  # y -> z is a directed edge already
    ],
)
def test_undirected_edges_are_validated(undirected: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(InputError, match=message):
        CausalGraph.from_edges(["x", "y", "z"], [("y", "z")], undirected=undirected)


def test_fingerprint_of_an_oriented_graph_is_unchanged_and_counts_unoriented_edges() -> None:
    graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    # The payload review files made before unoriented edges existed were signed with.
    payload = json.dumps({"variables": ["a", "b"], "edges": [["a", "b"]]}, separators=(",", ":"))
    assert graph.fingerprint() == hashlib.sha256(payload.encode()).hexdigest()[:16]
    with_open = CausalGraph.from_edges(["a", "b", "c"], [("a", "b")], undirected=[("b", "c")])
    without = CausalGraph.from_edges(["a", "b", "c"], [("a", "b")])
    swapped = CausalGraph.from_edges(["a", "b", "c"], [("a", "b")], undirected=[("c", "b")])
    assert with_open.fingerprint() != without.fingerprint()
    assert with_open.fingerprint() == swapped.fingerprint()  # an undirected edge has no order


def test_json_round_trip_keeps_unoriented_edges_and_cycles() -> None:
    for graph in (open_graph(), summary_graph()):
        back = CausalGraph.from_json(graph.to_json())
        assert back == graph
        assert back.cycles == graph.cycles


# --------------------------------------------------------------------------- the refusals
def test_dag_only_hand_offs_refuse_a_cyclic_graph_naming_its_cycles() -> None:
    graph = summary_graph()
    for call in (
        graph.to_dowhy_graph,
        graph.to_dagitty,
        lambda: graph.require_dag("anything"),
    ):
        with pytest.raises(CyclicGraphError) as caught:
            call()
        assert caught.value.cycles == graph.cycles
        assert "temperature -> water vapour -> temperature" in str(caught.value)
        assert isinstance(caught.value, NotADagError)


def test_dag_only_hand_offs_refuse_unoriented_edges_naming_them() -> None:
    graph = open_graph()
    with pytest.raises(UnorientedEdgesError) as caught:
        graph.to_dowhy_graph()
    assert caught.value.edges == (("x", "y"), ("z", "v"))
    assert "x --- y" in str(caught.value) and "z <-> v" in str(caught.value)


def test_check_graph_refuses_a_summary_graph_instead_of_breaking_its_loops() -> None:
    with pytest.raises(CyclicGraphError, match="check_graph needs an acyclic graph"):
        check_graph(summary_graph())
    with pytest.raises(CyclicGraphError):
        check_graph(summary_graph(), treatment="CO2", outcome="sea ice")
    # An accidental cycle (no summary mark) still gets findings with a suggested edit.
    accidental = CausalGraph.from_edges(CLIMATE, FEEDBACK, check_acyclic=False)
    assert {finding.kind for finding in check_graph(accidental).findings} == {"cycle"}


def test_adjustment_sets_refuse_unoriented_edges() -> None:
    with pytest.raises(UnorientedEdgesError):
        check_graph(open_graph(), treatment="y", outcome="z")
    with pytest.raises(UnorientedEdgesError):
        valid_adjustment_sets(open_graph(), "y", "z")
    with pytest.raises(CyclicGraphError):
        valid_adjustment_sets(
            CausalGraph.from_edges(CLIMATE, FEEDBACK, check_acyclic=False), "CO2", "sea ice"
        )


def test_readers_name_the_way_to_keep_loops() -> None:
    text = summary_graph().to_dot()
    with pytest.raises(GraphFormatError, match="acyclic=False"):
        CausalGraph.from_dot(text)


def test_implication_tests_refuse_what_has_no_implied_independences() -> None:
    pytest.importorskip("pandas")
    from pywhy_llm_assist import simulate_data, test_implications

    frame = simulate_data(CausalGraph.from_edges(["x", "y", "z", "w", "v"], [("y", "z")]), 200,
                          seed=0)  # fmt: skip
    with pytest.raises(UnorientedEdgesError, match="test_implications needs every edge oriented"):
        test_implications(open_graph(), frame)
    with pytest.raises(UnorientedEdgesError):
        check_graph(open_graph(), data=frame)
    with pytest.raises(CyclicGraphError, match="test_implications needs an acyclic graph"):
        test_implications(summary_graph(), {name: [0.0, 1.0] * 5 for name in CLIMATE})
