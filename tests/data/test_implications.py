"""The independences a graph implies: minimal separating sets, untestable pairs, edits."""

from __future__ import annotations

import itertools

import networkx as nx

from pywhy_llm_assist import CausalGraph, load_benchmark
from pywhy_llm_assist.data._implications import Implication, implied_independences, is_implied
from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER


def test_one_implication_per_non_adjacent_pair_with_a_minimal_separator() -> None:
    graph = load_benchmark(PACKAGED_FOLDER / "asia.json").graph
    network = graph.to_networkx()
    implications, unseparable = implied_independences(graph)
    pairs = [
        (x, y)
        for x, y in itertools.combinations(graph.observed, 2)
        if not network.has_edge(x, y) and not network.has_edge(y, x)
    ]
    assert [(item.x, item.y) for item in implications] == pairs
    assert unseparable == []
    for item in implications:
        assert nx.is_d_separator(network, {item.x}, {item.y}, set(item.given))
        for left_out in item.given:  # minimal: no member can be dropped
            smaller = set(item.given) - {left_out}
            assert not nx.is_d_separator(network, {item.x}, {item.y}, smaller)


def test_the_count_grows_with_missing_edges_not_with_subsets() -> None:
    graph = load_benchmark(PACKAGED_FOLDER / "sachs.json").graph
    implications, _ = implied_independences(graph)
    names = len(graph.observed)
    assert len(implications) == names * (names - 1) // 2 - len(graph.edges)


def test_a_latent_common_cause_makes_the_pair_untestable() -> None:
    graph = CausalGraph.from_edges(
        ["a", "b", "c", "u"], [("u", "a"), ("u", "c"), ("a", "b")], latent=["u"]
    )
    implications, unseparable = implied_independences(graph)
    assert [(item.x, item.y) for item in unseparable] == [("a", "c")]
    assert "'u' causes both" in unseparable[0].reason
    assert implications == [Implication("b", "c", ("a",))]
    assert all("u" not in item.given for item in implications)


def test_separators_use_measured_variables_only() -> None:
    # a <- u -> m -> c: u is latent, so {m} (not {u}) separates a and c.
    graph = CausalGraph.from_edges(
        ["a", "m", "c", "u"], [("u", "a"), ("u", "m"), ("m", "c")], latent=["u"]
    )
    implications, _ = implied_independences(graph)
    assert Implication("a", "c", ("m",)) in implications


def test_an_edit_can_remove_an_implication() -> None:
    graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
    claim = Implication("a", "c", ("b",))
    assert is_implied(graph, claim)
    confounded = graph.with_latent(
        [graph.variables[0].model_copy(update={"name": "u"})], [("u", "a"), ("u", "c")]
    )
    assert not is_implied(confounded, claim)
    reversed_graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("c", "b")])
    assert not is_implied(reversed_graph, claim)  # b is now a collider
    assert not is_implied(graph, Implication("a", "ghost", ()))
