"""What the estimate relies on: the single graph changes that break its identification."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from pywhy_llm_assist import CausalGraph
from pywhy_llm_assist.analysis._reliance import (
    confounding_paths,
    critical_changes,
    effect_edges,
    identification_check,
)
from pywhy_llm_assist.analysis._results import Identification
from pywhy_llm_assist.identify._identification import check_adjustment_set


def backdoor(*members: str) -> Identification:
    return Identification(estimand="backdoor", identified=True, adjustment_set=members)


def critical(
    graph: CausalGraph, identification: Identification
) -> dict[tuple[str, tuple[str, str]], list[str]]:
    check = identification_check(identification, "t", "y", frozenset(graph.latent))
    return critical_changes(graph, check)


def test_a_confounder_edge_into_the_treatment_is_critical_by_its_direction() -> None:
    graph = CausalGraph.from_edges(["a", "t", "y"], [("a", "t"), ("a", "y"), ("t", "y")])
    found = critical(graph, backdoor("a"))
    assert set(found) == {("edge", ("a", "t")), ("edge", ("t", "y"))}
    (why,) = found[("edge", ("a", "t"))]
    assert why == "reversed (t -> a): {a} is not a valid adjustment set: it contains mediators {a}."
    assert found[("edge", ("t", "y"))][0].startswith("reversed (y -> t)")


def test_a_missing_edge_is_critical_when_adding_it_opens_a_backdoor_path() -> None:
    # b causes only the outcome: an edge b -> t would open t <- b -> y, which {a} leaves open.
    graph = CausalGraph.from_edges(
        ["a", "b", "t", "y"], [("a", "t"), ("a", "y"), ("b", "y"), ("t", "y")]
    )
    found = critical(graph, backdoor("a"))
    assert ("no_edge", ("b", "t")) in found
    (why,) = found[("no_edge", ("b", "t"))]
    assert why.startswith("with b -> t") and "t <- b -> y" in why
    # a -> b or b -> a is harmless: a blocks t <- a <- b -> y.
    assert ("no_edge", ("a", "b")) not in found


def test_instrument_edges_and_missing_edges() -> None:
    graph = CausalGraph.from_edges(
        ["z", "t", "y", "u"],
        [("z", "t"), ("t", "y"), ("u", "t"), ("u", "y")],
        latent=["u"],
    )
    identification = Identification(estimand="iv", identified=True, instruments=("z",))
    found = critical(graph, identification)
    assert found[("edge", ("z", "t"))][0].startswith("without it")  # relevance
    assert ("no_edge", ("z", "y")) in found  # exclusion
    assert ("no_edge", ("z", "u")) in found  # independence (u -> z) and exclusion (z -> u)
    assert len(found[("no_edge", ("z", "u"))]) == 2


def test_front_door_relies_on_no_confounding_of_the_mediator() -> None:
    graph = CausalGraph.from_edges(
        ["t", "m", "y", "u"], [("t", "m"), ("m", "y"), ("u", "t"), ("u", "y")], latent=["u"]
    )
    identification = Identification(estimand="frontdoor", identified=True, mediators=("m",))
    found = critical(graph, identification)
    assert ("no_edge", ("m", "u")) in found
    assert ("edge", ("t", "m")) in found


def test_effect_edges_and_confounding_paths() -> None:
    graph = CausalGraph.from_edges(
        ["a", "c", "t", "m", "y", "x"],
        [("a", "t"), ("a", "y"), ("t", "m"), ("m", "y"), ("t", "c"), ("y", "c"), ("x", "y")],
    )
    network = graph.to_networkx()
    assert effect_edges(network, "t", "y") == {("t", "m"), ("m", "y")}
    assert confounding_paths(network, "t", "y") == [("t", "a", "y")]


def random_dag(seed: int, size: int, density: float) -> CausalGraph:
    names = [f"v{index}" for index in range(size)]
    generator = nx.gnp_random_graph(size, density, seed=seed, directed=True)
    edges = [(names[a], names[b]) for a, b in generator.edges if a < b]
    return CausalGraph.from_edges(names, edges)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(4, 7),
    density=st.floats(0.2, 0.6),
)
def test_the_fast_backdoor_check_agrees_with_the_exact_check_on_every_change(
    seed: int, size: int, density: float
) -> None:
    graph = random_dag(seed, size, density)
    treatment, outcome = "v0", f"v{size - 1}"
    network = graph.to_networkx()
    members = {f"v{index}" for index in range(1, size - 1) if index % 2}
    members -= set(nx.descendants(network, treatment))
    identification = Identification(
        estimand="backdoor", identified=True, adjustment_set=tuple(sorted(members))
    )
    fast = identification_check(identification, treatment, outcome, frozenset())
    names = list(graph.names)
    changed = [network]
    for first in names:
        for second in names:
            if first == second or network.has_edge(first, second):
                continue
            variant = network.copy()
            variant.add_edge(first, second)
            if nx.is_directed_acyclic_graph(variant):
                changed.append(variant)
    for variant in changed:
        exact = check_adjustment_set(variant, treatment, outcome, sorted(members)).valid
        assert (fast(variant) is None) == exact


def test_changes_leave_the_graph_as_it_was() -> None:
    graph = random_dag(3, 7, 0.4)
    before = graph.to_networkx()
    identification = backdoor()
    check = identification_check(identification, "v0", "v6", frozenset())
    seen: list[set[tuple[str, str]]] = []

    def recording(network: nx.DiGraph[str]) -> str | None:
        seen.append(set(network.edges))
        return check(network)

    critical_changes(graph, recording)
    assert len(seen) > 10
    assert set(graph.to_networkx().edges) == set(before.edges)
    assert all(len(edges ^ set(before.edges)) in (1, 2) for edges in seen)
