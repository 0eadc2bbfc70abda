"""Meek's rules and consistent extensions, cross-checked against causal-learn on random graphs."""

from __future__ import annotations

import random
from itertools import combinations
from typing import Any

import networkx as nx
import pytest

from pywhy_llm_assist.graph._pdag import Pdag, try_orient


def random_dag(count: int, chance: float, seed: int) -> nx.DiGraph[str]:
    generator = random.Random(seed)
    names = [f"v{index}" for index in range(count)]
    dag: nx.DiGraph[str] = nx.DiGraph()
    dag.add_nodes_from(names)
    for first, second in combinations(range(count), 2):
        if generator.random() < chance:
            dag.add_edge(names[first], names[second])
    return dag


def pattern(dag: nx.DiGraph[str]) -> Pdag:
    """The DAG's skeleton with only its v-structures oriented."""
    colliders = {
        (a, b)
        for b in dag
        for a, c in combinations(sorted(dag.predecessors(b)), 2)
        if not dag.has_edge(a, c) and not dag.has_edge(c, a)
        for a in (a, c)
    }
    undirected = [pair for pair in dag.edges if pair not in colliders]
    return Pdag.build(dag.nodes, directed=colliders, undirected=undirected)


def causallearn_cpdag(dag: nx.DiGraph[str]) -> tuple[set[tuple[str, str]], set[frozenset[str]]]:
    from causallearn.graph.Dag import Dag
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    nodes = {name: GraphNode(name) for name in dag.nodes}
    graph = Dag(list(nodes.values()))
    for a, b in dag.edges:
        graph.add_directed_edge(nodes[a], nodes[b])
    return _read_general(dag2cpdag(graph))


def _read_general(general: Any) -> tuple[set[tuple[str, str]], set[frozenset[str]]]:
    directed: set[tuple[str, str]] = set()
    undirected: set[frozenset[str]] = set()
    for edge in general.get_graph_edges():
        a, b = edge.get_node1().get_name(), edge.get_node2().get_name()
        marks = (edge.get_endpoint1().name, edge.get_endpoint2().name)
        if marks == ("TAIL", "ARROW"):
            directed.add((a, b))
        elif marks == ("ARROW", "TAIL"):
            directed.add((b, a))
        else:
            undirected.add(frozenset((a, b)))
    return directed, undirected


def causallearn_meek(pdag: Pdag) -> tuple[set[tuple[str, str]], set[frozenset[str]]]:
    from causallearn.graph.Edge import Edge
    from causallearn.graph.Endpoint import Endpoint
    from causallearn.graph.GraphClass import CausalGraph as LearnGraph
    from causallearn.utils.PCUtils import Meek

    graph = LearnGraph(len(pdag.nodes), list(pdag.nodes))
    nodes = {node.get_name(): node for node in graph.G.get_nodes()}
    for a, b in combinations(pdag.nodes, 2):
        if not pdag.adjacent(a, b):
            graph.G.remove_edge(graph.G.get_edge(nodes[a], nodes[b]))
    for a, b in pdag.directed:
        graph.G.remove_edge(graph.G.get_edge(nodes[a], nodes[b]))
        graph.G.add_edge(Edge(nodes[a], nodes[b], Endpoint.TAIL, Endpoint.ARROW))
    return _read_general(Meek.meek(graph).G)


pytestmark = pytest.mark.integration


@pytest.mark.parametrize("seed", range(25))
def test_meek_closure_of_the_pattern_is_causallearns_cpdag(seed: int) -> None:
    pytest.importorskip("causallearn")
    dag = random_dag(8, 0.35, seed)
    ours = pattern(dag)
    ours.apply_meek()
    assert (ours.directed, ours.undirected) == causallearn_cpdag(dag)
    assert ours.has_consistent_extension()


@pytest.mark.parametrize("seed", range(25))
def test_an_accepted_orientation_implies_what_causallearns_meek_implies(seed: int) -> None:
    """causal-learn's meek runs rules 1-3; rule 4 (needed once outside knowledge orients an
    edge) may orient more: each such extra edge must be forced (its reverse has no consistent
    extension)."""
    pytest.importorskip("causallearn")
    dag = random_dag(8, 0.35, seed)
    cpdag = pattern(dag)
    cpdag.apply_meek()
    generator = random.Random(seed)
    for key in sorted(cpdag.undirected, key=sorted):
        a, b = generator.sample(sorted(key), 2)
        trial = cpdag.copy()
        before = trial.copy()
        if try_orient(trial, a, b).accepted:
            before.orient(a, b)
            directed, undirected = causallearn_meek(before)
            assert directed <= trial.directed
            for x, y in trial.directed - directed:
                theirs = Pdag(cpdag.nodes, set(directed), set(undirected))
                assert not try_orient(theirs, y, x).accepted, (x, y)
        # The true DAG's direction is always accepted, so the truth stays in the class.
        truth_direction = (a, b) if dag.has_edge(a, b) else (b, a)
        assert try_orient(cpdag.copy(), *truth_direction).accepted


def test_orientations_that_leave_the_class_are_refused_and_change_nothing() -> None:
    chain = Pdag.build("abc", directed=[("a", "b")], undirected=[("b", "c")])
    check = try_orient(chain, "c", "b")
    assert not check.accepted and "v-structure" in check.reason
    assert chain.undirected == {frozenset("bc")}
    # A chordless undirected 4-cycle has no consistent extension at all; orienting into
    # a --- b --- c with a, c adjacent through d would force a cycle or a v-structure.
    square = Pdag.build(
        "abcd", directed=[], undirected=[("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")]
    )
    assert not square.has_consistent_extension()
    triangle = Pdag.build("abc", directed=[("a", "b"), ("b", "c")], undirected=[("a", "c")])
    check = try_orient(triangle, "c", "a")
    assert not check.accepted and "acyclic" in check.reason
    assert try_orient(triangle, "a", "c").accepted
    assert not try_orient(triangle, "a", "c").accepted  # no longer undirected


def test_meek_rule_three_and_four() -> None:
    rule3 = Pdag.build(
        "abcd", directed=[("c", "b"), ("d", "b")], undirected=[("a", "b"), ("a", "c"), ("a", "d")]
    )
    assert ("a", "b") in rule3.apply_meek()
    rule4 = Pdag.build(
        "abcd",
        directed=[("c", "d"), ("d", "b")],
        undirected=[("a", "b"), ("a", "c"), ("a", "d")],
    )
    assert ("a", "b") in rule4.apply_meek()


@pytest.mark.parametrize("seed", range(40))
def test_any_sequence_of_accepted_orientations_keeps_the_colliders_and_an_extension(
    seed: int,
) -> None:
    dag = random_dag(9, 0.4, seed)
    cpdag = pattern(dag)
    cpdag.apply_meek()
    colliders = cpdag.v_structures()
    generator = random.Random(seed)
    trial = cpdag.copy()
    for _ in range(30):
        if not trial.undirected:
            break
        a, b = generator.sample(sorted(generator.choice(sorted(trial.undirected, key=sorted))), 2)
        try_orient(trial, a, b)
    assert trial.v_structures() == colliders
    assert trial.has_consistent_extension()
    assert cpdag.directed <= trial.directed


def test_a_pdag_without_any_extension_still_refuses_cycles_and_new_colliders() -> None:
    # What PC can return with test errors: bronc -> smoke and smoke --- lung with a directed
    # path lung -> either -> dysp -> bronc: neither orientation of smoke --- lung is consistent.
    pdag = Pdag.build(
        ["asia", "tub", "either", "lung", "dysp", "bronc", "smoke"],
        directed=[
            ("tub", "either"),
            ("lung", "either"),
            ("either", "dysp"),
            ("dysp", "bronc"),
            ("bronc", "smoke"),
        ],
        undirected=[("asia", "tub"), ("smoke", "lung")],
    )
    assert not pdag.has_consistent_extension()
    assert try_orient(pdag, "asia", "tub").accepted  # unrelated to the contradiction
    cycle = try_orient(pdag, "smoke", "lung")
    assert not cycle.accepted and "cycle" in cycle.reason
    collider = try_orient(pdag, "lung", "smoke")
    assert not collider.accepted and "v-structure" in collider.reason
    assert pdag.is_undirected("smoke", "lung")
