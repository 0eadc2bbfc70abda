"""Exports that can carry feedback loops and unoriented edges keep them (JSON, DOT, GML, Mermaid,
networkx, DAGitty's pdag), and read back; third-party readers see the same structure."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pydot
import pytest

from pywhy_llm_assist import CausalGraph, CyclicGraphError, UndirectedEdge, UnorientedEdgesError

LOOP_EDGES = [("prices", "wages"), ("wages", "prices"), ("wages", "demand"), ("demand", "prices")]


def loop_graph() -> CausalGraph:
    return CausalGraph.from_edges(
        {"prices": "consumer prices", "wages": "average wages", "demand": "household demand"},
        LOOP_EDGES,
        check_acyclic=False,
        metadata={"acyclic": False},
    )


def open_graph() -> CausalGraph:
    return CausalGraph.from_edges(
        ["rain", "sprinkler", "wet grass", "slippery", "season"],
        [("rain", "wet grass"), ("sprinkler", "wet grass"), ("wet grass", "slippery")],
        undirected=[
            UndirectedEdge(first="season", second="rain", rationale="the data cannot tell"),
            UndirectedEdge(first="season", second="sprinkler", kind="bidirected"),
        ],
    )


def structure(graph: CausalGraph) -> tuple[set[tuple[str, str]], set[tuple[frozenset[str], str]]]:
    return (
        set(graph.edge_pairs),
        {(frozenset(edge.pair), edge.kind) for edge in graph.undirected},
    )


READERS: dict[str, Any] = {
    "dot": lambda graph: CausalGraph.from_dot(graph.to_dot(), acyclic=False),
    "gml": lambda graph: CausalGraph.from_gml(graph.to_gml(), acyclic=False),
    "networkx": lambda graph: CausalGraph.from_networkx(graph.to_networkx(), acyclic=False),
    "json": lambda graph: CausalGraph.from_json(graph.to_json()),
}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_feedback_loops_survive_the_round_trip(fmt: str) -> None:
    graph = loop_graph()
    back = READERS[fmt](graph)
    assert structure(back) == structure(graph)
    assert back.cycles == graph.cycles
    assert back.allows_cycles


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_unoriented_edges_survive_the_round_trip(fmt: str) -> None:
    graph = open_graph()
    back = READERS[fmt](graph)
    assert structure(back) == structure(graph)


def test_dot_uses_graphviz_dir_attribute_so_pydot_sees_the_same_edges() -> None:
    text = open_graph().to_dot()
    assert '"season" -> "rain" [dir="none"' in text
    assert '"season" -> "sprinkler" [dir="both"' in text
    (parsed,) = pydot.graph_from_dot_data(text)
    directions = {
        (edge.get_source().strip('"'), edge.get_destination().strip('"')): (
            edge.get("dir") or ""
        ).strip('"')
        for edge in parsed.get_edges()
    }
    assert directions[("season", "rain")] == "none"
    assert directions[("season", "sprinkler")] == "both"
    assert directions[("rain", "wet grass")] == ""


def test_gml_marks_unoriented_edges_with_a_kind_networkx_reads() -> None:
    parsed = nx.parse_gml(open_graph().to_gml())
    assert parsed.edges["season", "rain"]["kind"] == "undirected"
    assert parsed.edges["season", "sprinkler"]["kind"] == "bidirected"
    assert "kind" not in parsed.edges["rain", "wet grass"]


def test_gml_keeps_both_edges_of_a_two_way_link() -> None:
    parsed = nx.parse_gml(loop_graph().to_gml())
    assert parsed.has_edge("prices", "wages") and parsed.has_edge("wages", "prices")


def test_mermaid_draws_loops_and_open_edges() -> None:
    text = open_graph().to_mermaid(edge_labels=False)
    ids = {name: f"n{index}" for index, name in enumerate(open_graph().names)}
    assert f"{ids['season']} --- {ids['rain']}" in text
    assert f"{ids['season']} <--> {ids['sprinkler']}" in text
    loop = loop_graph().to_mermaid(edge_labels=False)
    assert "n0 --> n1" in loop and "n1 --> n0" in loop


def test_dagitty_writes_a_pdag_for_undirected_edges_and_reads_it_back() -> None:
    graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "c")], undirected=[("a", "b")])
    text = graph.to_dagitty()
    assert text.startswith("pdag {") and "a -- b" in text
    assert structure(CausalGraph.from_dagitty(text)) == structure(graph)


def test_dagitty_refuses_cycles_and_bidirected_edges() -> None:
    with pytest.raises(CyclicGraphError, match="to_dagitty"):
        loop_graph().to_dagitty()
    with pytest.raises(UnorientedEdgesError, match="season <-> sprinkler"):
        open_graph().to_dagitty()


def test_edge_list_holds_only_directions() -> None:
    from pywhy_llm_assist.graph._exports import to_edge_list

    assert to_edge_list(open_graph()) == open_graph().edge_pairs


@pytest.mark.integration
def test_background_knowledge_leaves_unoriented_edges_open_and_refuses_loops() -> None:
    pytest.importorskip("causallearn")
    from causallearn.graph.GraphNode import GraphNode

    graph = open_graph()
    knowledge = graph.to_background_knowledge(forbid_absent=True)
    node = {name: GraphNode(name) for name in graph.names}
    assert knowledge.is_required(node["rain"], node["wet grass"])
    assert knowledge.is_forbidden(node["wet grass"], node["rain"])
    for first, second in (("season", "rain"), ("season", "sprinkler")):
        for one, other in ((first, second), (second, first)):
            assert not knowledge.is_required(node[one], node[other])
            assert not knowledge.is_forbidden(node[one], node[other])
    with pytest.raises(CyclicGraphError, match="to_background_knowledge"):
        loop_graph().to_background_knowledge()


@pytest.mark.integration
def test_to_causal_model_refuses_before_dowhy_sees_the_graph() -> None:
    pytest.importorskip("dowhy")
    import pandas as pd

    frame = pd.DataFrame({"prices": [1.0, 2.0], "wages": [1.0, 2.0], "demand": [0.0, 1.0]})
    with pytest.raises(CyclicGraphError, match="to_causal_model"):
        loop_graph().to_causal_model(frame, "wages", "demand")
