"""Suggestions.add_to_graph adds only what it says: latent confounders, and nothing unreviewed."""

from __future__ import annotations

from typing import Any

import pytest

from pywhy_llm_assist import Assistant, CausalGraph, Suggestions
from pywhy_llm_assist.testing import ScriptedModel

# The probe's hand-off: gym_voucher is an instrument for exercise_hours -> cardio_score; an
# unmeasured genetic_fitness confounds them, so DoWhy should find the IV estimand.
VARIABLES = {
    "gym_voucher": "a voucher for a free gym membership, given out by lottery",
    "exercise_hours": "hours of exercise per week",
    "cardio_score": "cardiovascular fitness score after a year",
    "age": "age in years",
    "income": "household income",
}
EDGES = [
    ("gym_voucher", "exercise_hours"),
    ("exercise_hours", "cardio_score"),
    ("age", "exercise_hours"),
    ("age", "cardio_score"),
]


def _confounder(name: str, confidence: str = "high") -> dict[str, str]:
    return {"variable": name, "rationale": f"{name} drives both", "confidence": confidence}


REPLY = {
    "measured": [_confounder("gym_voucher"), _confounder("age"), _confounder("income", "low")],
    "unmeasured": [
        {
            "name": "genetic_fitness",
            "description": "inherited aerobic capacity",
            "rationale": "genes shape both training and fitness",
            "confidence": "medium",
        }
    ],
}


@pytest.fixture
def graph() -> CausalGraph:
    return CausalGraph.from_edges(VARIABLES, EDGES)


def _suggest(graph: CausalGraph | None, variables: Any = None) -> Suggestions:
    assistant = Assistant("scripted", client=ScriptedModel([REPLY]), cache_mode="off")
    with assistant:
        return assistant.suggest_confounders(
            "exercise_hours", "cardio_score", variables, graph=graph
        )


def _dropped(graph: CausalGraph) -> list[tuple[str, str, str]]:
    return [(item.edge.source, item.edge.target, item.reason) for item in graph.dropped]


def test_by_default_only_the_latent_confounder_and_its_two_edges_are_added(
    graph: CausalGraph,
) -> None:
    found = _suggest(graph)
    assert {item.variable: item.graph_verdict for item in found.items} == {
        "gym_voucher": False,  # an instrument: the graph says it is no common cause
        "age": True,
        "income": False,
        "genetic_fitness": None,
    }
    extended = found.add_to_graph(graph)
    assert extended.latent == ("genetic_fitness",)
    assert extended.edge_pairs == [
        *EDGES,
        ("genetic_fitness", "exercise_hours"),
        ("genetic_fitness", "cardio_score"),
    ]
    assert not extended.has_edge("gym_voucher", "cardio_score")  # the instrument survives
    assert _dropped(extended) == [
        ("gym_voucher", "cardio_score", "graph_disagrees"),
        ("income", "exercise_hours", "graph_disagrees"),
        ("income", "cardio_score", "graph_disagrees"),
    ]
    latent_edge = extended.edge("genetic_fitness", "cardio_score")
    assert latent_edge.provenance[0].origin == "model"
    assert latent_edge.provenance[0].model == "scripted"
    assert latent_edge.rationale == "genes shape both training and fitness"


def test_measured_confounders_get_edges_only_when_asked_and_never_against_the_graph() -> None:
    graph = CausalGraph.from_edges(VARIABLES, EDGES)
    found = _suggest(None, VARIABLES)  # no graph when asking: no graph verdicts
    assert all(item.graph_verdict is None for item in found.items)
    default = found.add_to_graph(graph)
    assert default.edge_pairs == [
        *EDGES,
        ("genetic_fitness", "exercise_hours"),
        ("genetic_fitness", "cardio_score"),
    ]
    assert _dropped(default) == [
        ("gym_voucher", "cardio_score", "not_requested"),
        ("income", "exercise_hours", "not_requested"),
        ("income", "cardio_score", "not_requested"),
    ]
    assert "include_measured=True" in default.dropped[0].detail
    asked = found.add_to_graph(graph, include_measured=True)
    assert asked.has_edge("income", "exercise_hours") and asked.has_edge("income", "cardio_score")
    assert asked.has_edge("gym_voucher", "cardio_score")  # no verdict: the analyst asked
    assert asked.dropped == ()
    # With a graph verdict, include_measured still never adds what the graph contradicts.
    checked = _suggest(graph).add_to_graph(graph, include_measured=True)
    assert not checked.has_edge("gym_voucher", "cardio_score")
    assert ("gym_voucher", "cardio_score", "graph_disagrees") in _dropped(checked)


def test_an_edge_that_would_close_a_cycle_is_listed_as_dropped() -> None:
    graph = CausalGraph.from_edges(
        ["smoking", "tar", "cancer"], [("smoking", "tar"), ("tar", "cancer")]
    )
    found = Suggestions.model_validate(
        {
            "task": "confounders",
            "treatment": "smoking",
            "outcome": "cancer",
            "items": [{"role": "confounder", "variable": "tar", "confidence": 0.6}],
        }
    )
    extended = found.add_to_graph(graph, include_measured=True)
    assert extended.edge_pairs == graph.edge_pairs
    assert _dropped(extended) == [("tar", "smoking", "cycle")]
    assert extended.dropped[0].detail
    assert found.add_to_graph(graph).dropped[0].reason == "not_requested"


def test_the_graph_own_dropped_edges_are_kept_and_a_second_call_adds_no_node(
    graph: CausalGraph,
) -> None:
    found = _suggest(graph)
    once = found.add_to_graph(graph)
    twice = found.add_to_graph(once)
    assert twice.dropped[: len(once.dropped)] == once.dropped
    assert twice.names == once.names and twice.edge_pairs == once.edge_pairs


@pytest.mark.integration
def test_dowhy_finds_the_instrument_after_add_to_graph(graph: CausalGraph) -> None:
    numpy = pytest.importorskip("numpy")
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("dowhy")
    rng = numpy.random.default_rng(0)
    size = 3000
    genes = rng.normal(size=size)
    age = rng.normal(50, 10, size)
    voucher = rng.integers(0, 2, size)
    exercise = 2.0 * voucher + 0.05 * age + genes + rng.normal(size=size)
    cardio = 10.0 * exercise - 0.1 * age + 3.0 * genes + rng.normal(size=size)
    income = rng.normal(size=size)
    data = pandas.DataFrame(
        {
            "gym_voucher": voucher,
            "exercise_hours": exercise,
            "cardio_score": cardio,
            "age": age,
            "income": income,
        }
    )
    extended = _suggest(graph).add_to_graph(graph)
    model = extended.to_causal_model(data, "exercise_hours", "cardio_score")
    estimand = model.identify_effect(proceed_when_unidentifiable=True)
    assert estimand.get_instrumental_variables() == ["gym_voucher"]
    estimate = model.estimate_effect(estimand, method_name="iv.instrumental_variable")
    assert estimate.value == pytest.approx(10.0, abs=0.5)


def test_suggestions_repr_is_one_short_line(graph: CausalGraph) -> None:
    found = _suggest(graph)
    assert repr(found) == (
        "<Suggestions confounders for exercise_hours -> cardio_score: 4 (1 unmeasured)>"
    )
    assert str(found).count("\n") == 4  # str lists every suggestion
