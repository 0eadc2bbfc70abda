"""check_graph: exact checks turned into findings with suggested edits."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from pywhy_llm_assist.core._errors import InputError
from pywhy_llm_assist.evaluate._graphs import load_benchmark
from pywhy_llm_assist.graph._causal_graph import CausalGraph, Edge
from pywhy_llm_assist.identify._checks import check_graph
from pywhy_llm_assist.identify._findings import Critique, SuggestedEdit


def benchmark(name: str) -> CausalGraph:
    """A benchmark graph packaged with the library (``evaluate/benchmark_graphs``)."""
    return load_benchmark(name).graph


def kinds(critique: Critique) -> list[str]:
    return [finding.kind for finding in critique.findings]


def finding(critique: Critique, kind: str) -> Any:
    return next(item for item in critique.findings if item.kind == kind)


M_BIAS = CausalGraph.from_edges(
    ["A", "B", "M", "T", "Y"], [("A", "T"), ("A", "M"), ("B", "M"), ("B", "Y"), ("T", "Y")]
)
CONFOUNDED = CausalGraph.from_edges(["C", "T", "Y"], [("C", "T"), ("C", "Y"), ("T", "Y")])
FRONT_DOOR = CausalGraph.from_edges(
    ["Z", "T", "M", "Y", "U"],
    [("Z", "T"), ("T", "M"), ("M", "Y"), ("U", "T"), ("U", "Y")],
    latent=["U"],
)


# --------------------------------------------------------------------------- structure
def test_without_treatment_only_structure_is_checked() -> None:
    critique = check_graph(CONFOUNDED)
    assert critique.findings == ()
    assert critique.minimal_adjustment_set is None
    assert critique.valid_adjustment_sets == ()


def test_cycle_suggests_removing_its_least_confident_edge() -> None:
    graph = CausalGraph.from_edges(
        ["a", "b", "c"],
        [
            Edge(source="a", target="b", confidence=0.9),
            Edge(source="b", target="c", confidence=0.3),
            Edge(source="c", target="a", confidence=0.8),
        ],
        check_acyclic=False,
    )
    critique = check_graph(graph, treatment="a", outcome="c")
    assert kinds(critique) == ["cycle"]
    cycle = critique.findings[0]
    assert cycle.severity == "high"
    assert cycle.variables == ("a", "b", "c")
    assert cycle.edit == SuggestedEdit(action="remove_edge", source="b", target="c")
    assert "skipped" in cycle.rationale
    fixed = critique.apply()
    assert fixed.is_acyclic()
    assert fixed.edge_pairs == [("a", "b"), ("c", "a")]


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"treatment": "T"}, "both a treatment and an outcome"),
        ({"adjustment_set": ["C"]}, "needs a treatment and an outcome"),
        ({"treatment": "ghost", "outcome": "Y"}, "treatment 'ghost' is not a variable"),
        ({"treatment": "T", "outcome": "Y", "adjustment_set": ["ghost"]}, "'ghost'"),
        ({"treatment": "T", "outcome": "T"}, "same variable"),
    ],
)
def test_bad_input(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_graph(CONFOUNDED, **options)


# --------------------------------------------------------------------------- adjustment
def test_minimal_set_is_suggested_when_none_is_given() -> None:
    critique = check_graph(CONFOUNDED, treatment="T", outcome="Y")
    assert kinds(critique) == ["minimal_adjustment_set"]
    assert critique.findings[0].edit == SuggestedEdit(action="set_adjustment", variables=("C",))
    assert critique.minimal_adjustment_set == ("C",)
    assert critique.valid_adjustment_sets == (("C",),)
    assert critique.apply() == CONFOUNDED  # set_adjustment leaves the graph alone


def test_empty_set_with_a_confounder_is_invalid() -> None:
    critique = check_graph(CONFOUNDED, treatment="T", outcome="Y", adjustment_set=[])
    assert kinds(critique) == ["invalid_adjustment"]
    invalid = critique.findings[0]
    assert invalid.rationale == "Open backdoor paths: T <- C -> Y."
    assert invalid.edit == SuggestedEdit(action="set_adjustment", variables=("C",))


def test_m_bias_collider_is_flagged_and_empty_set_suggested() -> None:
    critique = check_graph(M_BIAS, treatment="T", outcome="Y", adjustment_set=["M"])
    assert kinds(critique) == ["collider_in_adjustment", "invalid_adjustment"]
    assert finding(critique, "collider_in_adjustment").variables == ("M",)
    assert finding(critique, "invalid_adjustment").edit == SuggestedEdit(
        action="set_adjustment", variables=()
    )
    assert critique.minimal_adjustment_set == ()


def test_valid_set_gets_an_info_finding() -> None:
    critique = check_graph(M_BIAS, treatment="T", outcome="Y", adjustment_set=["A", "M"])
    assert kinds(critique) == ["valid_adjustment"]
    assert critique.findings[0].severity == "info"
    assert "A smaller valid set is {}." in critique.findings[0].rationale


def test_descendant_is_flagged_and_dropped_from_the_suggestion() -> None:
    graph = CausalGraph.from_edges(
        ["C", "T", "D", "Y"], [("C", "T"), ("C", "Y"), ("T", "Y"), ("T", "D")]
    )
    critique = check_graph(graph, treatment="T", outcome="Y", adjustment_set=["C", "D"])
    assert kinds(critique) == ["descendant_in_adjustment", "invalid_adjustment"]
    assert finding(critique, "invalid_adjustment").edit == SuggestedEdit(
        action="set_adjustment", variables=("C",)
    )


def test_latent_confounder_blocks_adjustment_and_front_door_and_instrument_are_found() -> None:
    critique = check_graph(FRONT_DOOR, treatment="T", outcome="Y", adjustment_set=["M"])
    assert kinds(critique) == [
        "latent_blocks_adjustment",
        "mediator_in_adjustment",
        "invalid_adjustment",
        "front_door",
        "instrument",
    ]
    assert finding(critique, "latent_blocks_adjustment").variables == ("U",)
    assert finding(critique, "invalid_adjustment").edit is None
    assert finding(critique, "front_door").variables == ("M",)
    assert finding(critique, "instrument").variables == ("Z",)
    assert critique.minimal_adjustment_set is None


def test_latent_in_adjustment_set() -> None:
    critique = check_graph(FRONT_DOOR, treatment="T", outcome="Y", adjustment_set=["U"])
    assert "latent_in_adjustment" in kinds(critique)


def test_outcome_that_causes_the_treatment() -> None:
    critique = check_graph(CONFOUNDED, treatment="Y", outcome="T")
    assert kinds(critique) == ["outcome_causes_treatment"]
    assert critique.findings[0].edit == SuggestedEdit(action="reverse_edge", source="T", target="Y")


def test_no_causal_path() -> None:
    graph = CausalGraph.from_edges(["C", "T", "Y"], [("C", "T"), ("C", "Y")])
    critique = check_graph(graph, treatment="T", outcome="Y")
    assert kinds(critique) == ["no_causal_path", "minimal_adjustment_set"]


# --------------------------------------------------------------------------- benchmark
def test_shrier_platt_descendant_of_exposure_in_adjustment() -> None:
    graph = benchmark("shrier_platt_2008")
    critique = check_graph(
        graph,
        treatment="WarmUpExercises",
        outcome="Injury",
        adjustment_set=["Coach", "FitnessLevel", "IntraGameProprioception"],
    )
    assert kinds(critique) == ["mediator_in_adjustment", "invalid_adjustment"]
    assert finding(critique, "mediator_in_adjustment").variables == ("IntraGameProprioception",)
    assert finding(critique, "invalid_adjustment").edit == SuggestedEdit(
        action="set_adjustment", variables=("Coach", "FitnessLevel")
    )
    assert critique.minimal_adjustment_set == ("Coach", "FitnessLevel")
    assert len(critique.valid_adjustment_sets) == 7
    assert Critique.from_json(critique.to_json()) == critique


def test_shrier_platt_valid_set() -> None:
    graph = benchmark("shrier_platt_2008")
    critique = check_graph(
        graph,
        treatment="WarmUpExercises",
        outcome="Injury",
        adjustment_set=["TeamMotivation", "PreGameProprioception"],
    )
    assert kinds(critique) == ["valid_adjustment"]
    assert "WarmUpExercises -> Injury" in str(critique)


def test_latent_treatment_is_an_input_error() -> None:
    with pytest.raises(InputError, match="latent"):
        check_graph(FRONT_DOOR, treatment="U", outcome="Y")


# --------------------------------------------------------------------------- graphs users hold
def test_a_networkx_digraph_gets_the_same_critique_as_a_causal_graph() -> None:
    digraph = nx.DiGraph(CONFOUNDED.edge_pairs)
    options: dict[str, Any] = {"treatment": "T", "outcome": "Y", "adjustment_set": []}
    from_networkx = check_graph(digraph, **options)
    assert from_networkx.findings == check_graph(CONFOUNDED, **options).findings
    assert from_networkx.minimal_adjustment_set == ("C",)
    cyclic = check_graph(nx.DiGraph([("a", "b"), ("b", "a")]))
    assert kinds(cyclic) == ["cycle"]


@pytest.mark.parametrize("value", ["graph [ directed 1 ]", {"T": ["Y"]}, [("T", "Y")]])
def test_another_type_of_graph_is_an_input_error_naming_the_converters(value: Any) -> None:
    with pytest.raises(InputError, match=r"CausalGraph\.from_networkx.*CausalGraph\.from_dot"):
        check_graph(value, treatment="T", outcome="Y")
