"""Deterministic identification checks on textbook graphs with known answers."""

from __future__ import annotations

import networkx as nx
import pytest

from pywhy_llm_assist.core._errors import InputError
from pywhy_llm_assist.evaluate._graphs import load_benchmark
from pywhy_llm_assist.graph._causal_graph import CausalGraph
from pywhy_llm_assist.identify._identification import (
    EXHAUSTIVE_CANDIDATE_LIMIT,
    check_adjustment_set,
    find_cycles,
    latent_blocks_adjustment,
    minimal_adjustment_set,
    valid_adjustment_sets,
)
from pywhy_llm_assist.identify._role_checks import (
    check_front_door,
    check_instrument,
    check_mediator,
    check_negative_control,
    front_door_sets,
)


def benchmark_graph(name: str) -> nx.DiGraph[str]:
    """A packaged benchmark graph as a plain networkx graph (names only)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    truth = load_benchmark(name).graph
    graph.add_nodes_from(truth.names)
    graph.add_edges_from(truth.edge_pairs)
    return graph


def sets(*members: tuple[str, ...]) -> list[frozenset[str]]:
    return [frozenset(found) for found in members]


M_BIAS = nx.DiGraph([("A", "T"), ("A", "M"), ("B", "M"), ("B", "Y"), ("T", "Y")])
CONFOUNDED = nx.DiGraph([("C", "T"), ("C", "Y"), ("T", "Y")])
FRONT_DOOR = nx.DiGraph([("T", "M"), ("M", "Y"), ("U", "T"), ("U", "Y")])
MEDIATED = nx.DiGraph([("C", "T"), ("C", "Y"), ("T", "M"), ("M", "Y")])
INSTRUMENTS = nx.DiGraph(
    [
        ("Z", "T"),
        ("T", "Y"),
        ("U", "T"),
        ("U", "Y"),
        ("Zdirect", "T"),
        ("Zdirect", "Y"),
        ("W", "Zconfounded"),
        ("W", "Y"),
        ("Zconfounded", "T"),
        ("X", "Y"),
    ]
)


# --------------------------------------------------------------------------- adjustment
def test_m_bias_collider_adjustment_is_invalid_and_empty_set_is_valid() -> None:
    check = check_adjustment_set(M_BIAS, "T", "Y", ["M"])
    assert not check.valid
    assert check.colliders == ("M",)
    assert check.mediators == () and check.other_descendants == ()
    assert check.open_paths == (("T", "A", "M", "B", "Y"),)
    assert check.open_path_text == ("T <- A -> M <- B -> Y",)
    assert "collider" in check.explanation
    assert check_adjustment_set(M_BIAS, "T", "Y", []).valid
    assert check_adjustment_set(M_BIAS, "T", "Y", ["M", "A"]).valid
    assert valid_adjustment_sets(M_BIAS, "T", "Y") == sets(())
    assert minimal_adjustment_set(M_BIAS, "T", "Y") == frozenset()


def test_simple_confounding_needs_the_confounder() -> None:
    empty = check_adjustment_set(CONFOUNDED, "T", "Y", [])
    assert not empty.valid
    assert not empty.blocks_backdoor_paths
    assert empty.open_paths == (("T", "C", "Y"),)
    assert check_adjustment_set(CONFOUNDED, "T", "Y", ["C"]).valid
    assert minimal_adjustment_set(CONFOUNDED, "T", "Y") == frozenset({"C"})


def test_mediator_in_adjustment_is_flagged() -> None:
    check = check_adjustment_set(MEDIATED, "T", "Y", ["C", "M"])
    assert not check.valid
    assert check.blocks_backdoor_paths
    assert check.mediators == ("M",)
    assert check.descendants == ("M",)
    assert "mediators {M}" in check.explanation


def test_descendant_collider_in_adjustment_is_flagged() -> None:
    graph = nx.DiGraph([("T", "Y"), ("T", "K"), ("Y", "K")])
    check = check_adjustment_set(graph, "T", "Y", ["K"])
    assert not check.valid
    assert check.other_descendants == ("K",)
    assert check.mediators == ()


def test_latent_member_cannot_be_adjusted_for() -> None:
    graph = nx.DiGraph([("U", "T"), ("U", "Y"), ("T", "Y")])
    check = check_adjustment_set(graph, "T", "Y", ["U"], latent={"U"})
    assert not check.valid
    assert check.latent == ("U",)
    assert not check.blocks_backdoor_paths  # tested with the observed members only


def test_front_door_graph_has_no_adjustment_set_but_front_door_holds() -> None:
    assert valid_adjustment_sets(FRONT_DOOR, "T", "Y", latent={"U"}) == []
    assert minimal_adjustment_set(FRONT_DOOR, "T", "Y", latent={"U"}) is None
    assert latent_blocks_adjustment(FRONT_DOOR, "T", "Y", latent={"U"}) == ("U",)
    assert latent_blocks_adjustment(FRONT_DOOR, "T", "Y") == ()  # U observed: adjustable
    check = check_front_door(FRONT_DOOR, "T", "Y", ["M"], latent={"U"})
    assert check.valid
    assert front_door_sets(FRONT_DOOR, "T", "Y", latent={"U"}) == [("M",)]


def test_front_door_fails_when_the_latent_also_causes_the_mediator() -> None:
    graph = FRONT_DOOR.copy()
    graph.add_edge("U", "M")
    check = check_front_door(graph, "T", "Y", ["M"], latent={"U"})
    assert check.intercepts.holds
    assert not check.no_treatment_confounding.holds
    assert not check.valid
    assert front_door_sets(graph, "T", "Y", latent={"U"}) == []


def test_latent_read_from_causal_graph_and_node_attributes() -> None:
    causal = CausalGraph.from_edges(
        ["T", "M", "Y", "U"], [("T", "M"), ("M", "Y"), ("U", "T"), ("U", "Y")], latent=["U"]
    )
    assert minimal_adjustment_set(causal, "T", "Y") is None
    assert minimal_adjustment_set(causal.to_networkx(), "T", "Y") is None


def test_enumeration_lists_every_minimal_set() -> None:
    graph = nx.DiGraph([("A", "T"), ("A", "B"), ("B", "Y"), ("T", "Y"), ("C", "T"), ("C", "Y")])
    assert valid_adjustment_sets(graph, "T", "Y") == sets(("A", "C"), ("B", "C"))
    every = valid_adjustment_sets(graph, "T", "Y", minimal_only=False)
    assert every == sets(("A", "C"), ("B", "C"), ("A", "B", "C"))


def test_large_graph_returns_at_least_one_valid_set() -> None:
    count = EXHAUSTIVE_CANDIDATE_LIMIT + 5
    graph = nx.DiGraph([("T", "Y")])
    for index in range(count):
        graph.add_edges_from([(f"C{index:02d}", "T"), (f"C{index:02d}", "Y")])
    found = valid_adjustment_sets(graph, "T", "Y")
    assert found == [frozenset(f"C{index:02d}" for index in range(count))]
    assert check_adjustment_set(graph, "T", "Y", found[0]).valid


def test_test_budget_falls_back_to_an_inclusion_minimal_set() -> None:
    graph = nx.DiGraph([("A", "T"), ("A", "Y"), ("B", "T"), ("B", "Y"), ("T", "Y")])
    assert valid_adjustment_sets(graph, "T", "Y", max_tests=1) == sets(("A", "B"))


# --------------------------------------------------------------------------- instruments
def test_instrument_conditions_are_judged_separately() -> None:
    valid = check_instrument(INSTRUMENTS, "Z", "T", "Y", latent={"U"})
    assert valid.valid
    assert (valid.relevance.holds, valid.exclusion.holds, valid.independence.holds) == (
        True,
        True,
        True,
    )
    direct = check_instrument(INSTRUMENTS, "Zdirect", "T", "Y", latent={"U"})
    assert (direct.relevance.holds, direct.exclusion.holds, direct.independence.holds) == (
        True,
        False,
        True,
    )
    assert "Zdirect -> Y" in direct.exclusion.explanation
    confounded = check_instrument(INSTRUMENTS, "Zconfounded", "T", "Y", latent={"U"})
    assert (
        confounded.relevance.holds,
        confounded.exclusion.holds,
        confounded.independence.holds,
    ) == (True, True, False)
    assert "Zconfounded <- W -> Y" in confounded.independence.explanation
    unrelated = check_instrument(INSTRUMENTS, "X", "T", "Y", latent={"U"})
    assert not unrelated.relevance.holds
    assert not unrelated.valid


def test_latent_instrument_is_an_input_error() -> None:
    with pytest.raises(InputError, match="latent"):
        check_instrument(INSTRUMENTS, "U", "T", "Y", latent={"U"})


# --------------------------------------------------------------------------- mediators
def test_mediator_check() -> None:
    complete = check_mediator(MEDIATED, "M", "T", "Y")
    assert complete.valid and complete.complete.holds
    partial = nx.DiGraph([("T", "M"), ("M", "Y"), ("T", "Y")])
    check = check_mediator(partial, "M", "T", "Y")
    assert check.valid and not check.complete.holds
    assert "T -> Y" in check.complete.explanation
    assert not check_mediator(MEDIATED, "C", "T", "Y").valid


# --------------------------------------------------------------------------- negative controls
def test_negative_controls() -> None:
    graph = nx.DiGraph(
        [("U", "T"), ("U", "Y"), ("U", "N"), ("T", "Y"), ("T", "D"), ("U", "E"), ("E", "Y")]
    )
    assert check_negative_control(graph, "N", "T", "Y").valid
    caused = check_negative_control(graph, "D", "T", "Y")
    assert not caused.no_effect.holds
    assert check_negative_control(graph, "N", "T", "Y", role="exposure").valid
    direct = check_negative_control(graph, "E", "T", "Y", role="exposure")
    assert not direct.no_effect.holds and direct.shares_confounding.holds


# --------------------------------------------------------------------------- cycles and errors
def test_find_cycles_shortest_first_and_rotated() -> None:
    graph = nx.DiGraph([("b", "c"), ("c", "a"), ("a", "b"), ("b", "a")])
    assert find_cycles(graph) == [["a", "b"], ["a", "b", "c"]]
    assert find_cycles(graph, limit=1) == [["a", "b"]]
    assert find_cycles(CONFOUNDED) == []


@pytest.mark.parametrize(
    ("treatment", "outcome", "adjustment", "message"),
    [
        ("nope", "Y", [], "treatment 'nope' is not in the graph"),
        ("T", "nope", [], "outcome 'nope' is not in the graph"),
        ("T", "T", [], "same variable"),
        ("T", "Y", ["ghost"], "adjustment variable 'ghost' is not in the graph"),
        ("T", "Y", ["T"], "must not contain the treatment or outcome"),
    ],
)
def test_bad_input_raises_input_error(
    treatment: str, outcome: str, adjustment: list[str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        check_adjustment_set(CONFOUNDED, treatment, outcome, adjustment)


def test_cyclic_graph_is_rejected() -> None:
    graph = nx.DiGraph([("T", "Y"), ("Y", "T")])
    with pytest.raises(InputError, match="cycle"):
        minimal_adjustment_set(graph, "T", "Y")


def test_latent_treatment_is_rejected() -> None:
    with pytest.raises(InputError, match="latent"):
        valid_adjustment_sets(CONFOUNDED, "T", "Y", latent={"T"})


# --------------------------------------------------------------------------- benchmark
SHRIER_MINIMAL_SETS = sets(
    ("Coach", "FitnessLevel"),
    ("Coach", "PreGameProprioception"),
    ("ConnectiveTissueDisorder", "NeuromuscularFatigue"),
    ("FitnessLevel", "Genetics"),
    ("FitnessLevel", "TeamMotivation"),
    ("NeuromuscularFatigue", "TissueWeakness"),
    ("PreGameProprioception", "TeamMotivation"),
)


def test_shrier_platt_minimal_adjustment_sets() -> None:
    graph = benchmark_graph("shrier_platt_2008")
    found = valid_adjustment_sets(graph, "WarmUpExercises", "Injury")
    assert found == SHRIER_MINIMAL_SETS
    assert minimal_adjustment_set(graph, "WarmUpExercises", "Injury") == frozenset(
        {"Coach", "FitnessLevel"}
    )
    for members in found:
        assert check_adjustment_set(graph, "WarmUpExercises", "Injury", members).valid


def test_shrier_platt_descendant_of_exposure_is_flagged() -> None:
    graph = benchmark_graph("shrier_platt_2008")
    check = check_adjustment_set(
        graph, "WarmUpExercises", "Injury", ["Coach", "FitnessLevel", "IntraGameProprioception"]
    )
    assert not check.valid
    assert check.blocks_backdoor_paths
    assert check.mediators == ("IntraGameProprioception",)


@pytest.mark.integration
def test_shrier_platt_agrees_with_dowhy_backdoor_identification() -> None:
    dowhy = pytest.importorskip("dowhy")
    numpy = pytest.importorskip("numpy")
    pandas = pytest.importorskip("pandas")
    graph = benchmark_graph("shrier_platt_2008")
    generator = numpy.random.default_rng(0)
    data = pandas.DataFrame({node: generator.integers(0, 2, 100) for node in graph.nodes})
    data["WarmUpExercises"] = data["WarmUpExercises"].astype(bool)

    def dowhy_sets(method: str) -> tuple[list[frozenset[str]], frozenset[str]]:
        model = dowhy.CausalModel(
            data=data, treatment="WarmUpExercises", outcome="Injury", graph=graph
        )
        estimand = model.identify_effect(method_name=method)
        variables = estimand.backdoor_variables
        chosen = frozenset(variables["backdoor"])
        listed = [frozenset(found) for key, found in variables.items() if key != "backdoor"]
        return listed, chosen

    minimal, chosen = dowhy_sets("minimal-adjustment")
    assert sorted(minimal, key=sorted) == sorted(SHRIER_MINIMAL_SETS, key=sorted)
    assert chosen in SHRIER_MINIMAL_SETS
    default, chosen = dowhy_sets("default")
    for members in [*default, chosen]:
        assert check_adjustment_set(graph, "WarmUpExercises", "Injury", members).valid
    exhaustive, _ = dowhy_sets("exhaustive-search")
    ours = valid_adjustment_sets(
        graph, "WarmUpExercises", "Injury", minimal_only=False, limit=10_000
    )
    assert set(exhaustive) == set(ours)
