"""Identification help from the model, checked against the graph (scripted test double)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pywhy_llm_assist import Assistant, CausalGraph, InputError, InvalidOutputError, Suggestions
from pywhy_llm_assist.testing import ScriptedModel

VARIABLES = {
    "smoking": "cigarettes smoked per day",
    "tar": "tar deposits in the lungs",
    "cancer": "lung cancer diagnosis",
    "age": "age in years",
    "tax": "cigarette tax in the state of residence",
    "yellow fingers": "nicotine stains on the fingers",
}
EDGES = [
    ("smoking", "tar"),
    ("tar", "cancer"),
    ("age", "smoking"),
    ("age", "cancer"),
    ("tax", "smoking"),
    ("smoking", "yellow fingers"),
]


@pytest.fixture
def graph() -> CausalGraph:
    return CausalGraph.from_edges(VARIABLES, EDGES)


def item(variable: str, confidence: str = "high", rationale: str = "because") -> dict[str, str]:
    return {"variable": variable, "rationale": rationale, "confidence": confidence}


def argued(holds: bool) -> dict[str, Any]:
    return {"holds": holds, "argument": "argued"}


def assistant_for(*replies: Any) -> tuple[Assistant, ScriptedModel]:
    model = ScriptedModel(list(replies))
    return Assistant("scripted", client=model, cache_mode="off", max_reasks=1), model


def test_confounders_measured_and_unmeasured_with_graph_verdicts(graph: CausalGraph) -> None:
    assistant, model = assistant_for(
        {
            "measured": [item("age"), item("tax", "low"), item("age")],
            "unmeasured": [
                {
                    "name": "genetics",
                    "description": "inherited risk",
                    "rationale": "both",
                    "confidence": "medium",
                },
            ],
        }
    )
    result = assistant.suggest_confounders("smoking", "cancer", graph=graph, context="clinic")
    assert isinstance(result, Suggestions)
    assert [(s.variable, s.measured) for s in result.items] == [
        ("age", True),
        ("genetics", False),
        ("tax", True),
    ]
    by_name = {s.variable: s for s in result.items}
    assert by_name["age"].graph_verdict is True
    assert by_name["tax"].graph_verdict is False  # tax causes smoking only
    assert by_name["genetics"].graph_verdict is None
    request = model.requests[0]
    schema = request.response_format["json_schema"]["schema"]  # type: ignore[index]
    enum = schema["properties"]["measured"]["items"]["properties"]["variable"]["enum"]
    assert enum == ["tar", "age", "tax", "yellow fingers"]  # treatment and outcome excluded
    assert '"clinic"' in request.messages[1]["content"]
    assert result.usage is not None and result.usage.calls == 1


@pytest.mark.parametrize(
    ("method", "reply"),
    [
        ("suggest_confounders", {"measured": [item("age")], "unmeasured": []}),
        ("suggest_instruments", {"instruments": []}),
        ("suggest_mediators", {"mediators": [item("tar")]}),
        ("suggest_negative_controls", {"outcome_controls": [], "exposure_controls": []}),
    ],
)
def test_every_suggest_method_accepts_a_networkx_digraph(
    graph: CausalGraph, method: str, reply: dict[str, Any]
) -> None:
    assistant, _ = assistant_for(reply)
    digraph = graph.to_networkx()
    result = getattr(assistant, method)("smoking", "cancer", graph=digraph)
    assert all(item.graph_verdict is True for item in result.items)
    with pytest.raises(InputError, match=r"CausalGraph\.from_networkx.*from_dot"):
        getattr(assistant, method)("smoking", "cancer", graph=graph.to_dot())


def test_unmeasured_confounders_become_latent_nodes(graph: CausalGraph) -> None:
    assistant, _ = assistant_for(
        {
            "measured": [],
            "unmeasured": [
                {
                    "name": "genetics",
                    "description": "inherited risk",
                    "rationale": "r",
                    "confidence": "high",
                }
            ],
        }
    )
    result = assistant.suggest_confounders("smoking", "cancer", graph=graph)
    extended = result.add_to_graph(graph)
    assert extended.latent == ("genetics",)
    assert extended.has_edge("genetics", "smoking") and extended.has_edge("genetics", "cancer")
    assert extended.is_acyclic()


def test_instruments_show_model_and_graph_conditions_side_by_side(graph: CausalGraph) -> None:
    assistant, _ = assistant_for(
        {
            "instruments": [
                {
                    "variable": "tax",
                    "relevance": argued(True),
                    "exclusion": argued(True),
                    "independence": argued(True),
                    "confidence": "medium",
                },
                {
                    "variable": "age",
                    "relevance": argued(True),
                    "exclusion": argued(True),
                    "independence": argued(True),
                    "confidence": "low",
                },
            ]
        }
    )
    result = assistant.suggest_instruments("smoking", "cancer", graph=graph)
    tax, age = result.items
    assert [c.name for c in tax.model_conditions] == ["relevance", "exclusion", "independence"]
    assert {c.name: c.holds for c in tax.graph_conditions} == {
        "relevance": True,
        "exclusion": True,
        "independence": True,
    }
    assert tax.graph_verdict is True
    # age causes cancer directly: the model claimed exclusion, the graph disagrees.
    assert {c.name: c.holds for c in age.graph_conditions}["exclusion"] is False
    assert age.graph_verdict is False


def test_mediators_and_negative_controls(graph: CausalGraph) -> None:
    assistant, _ = assistant_for(
        {"mediators": [item("tar"), item("age", "low")]},
        {"outcome_controls": [item("yellow fingers")], "exposure_controls": [item("tax")]},
    )
    mediators = assistant.suggest_mediators("smoking", "cancer", graph=graph)
    assert {s.variable: s.graph_verdict for s in mediators.items} == {"tar": True, "age": False}
    controls = assistant.suggest_negative_controls("smoking", "cancer", graph=graph)
    assert [s.role for s in controls.items] == [
        "negative_control_outcome",
        "negative_control_exposure",
    ]
    assert all(s.graph_conditions for s in controls.items)


def test_works_without_a_graph_from_variables_alone() -> None:
    assistant, _ = assistant_for({"mediators": [item("tar")]})
    result = assistant.suggest_mediators("smoking", "cancer", VARIABLES)
    assert result.names == ["tar"]
    assert result.items[0].graph_verdict is None


def test_unknown_name_in_reply_is_reasked_then_rejected(graph: CausalGraph) -> None:
    assistant, model = assistant_for(
        {"mediators": [item("coffee")]}, {"mediators": [item("coffee")]}
    )
    with pytest.raises(InvalidOutputError) as caught:
        assistant.suggest_mediators("smoking", "cancer", graph=graph)
    assert len(caught.value.attempts) == 2
    assert "coffee" in model.requests[1].messages[-1]["content"]


@pytest.mark.parametrize(
    ("treatment", "outcome", "message"),
    [
        ("smoking", "smoking", "same variable"),
        ("coffee", "cancer", "coffee"),
        ("smoking", "death", "death"),
    ],
)
def test_bad_treatment_or_outcome_is_a_clear_input_error(
    graph: CausalGraph, treatment: str, outcome: str, message: str
) -> None:
    assistant, model = assistant_for()
    with pytest.raises(InputError, match=message):
        assistant.suggest_confounders(treatment, outcome, graph=graph)
    assert model.requests == []


def test_suggestions_round_trip_json(graph: CausalGraph) -> None:
    assistant, _ = assistant_for(
        {
            "measured": [item("age")],
            "unmeasured": [
                {"name": "genes", "description": "d", "rationale": "r", "confidence": "low"}
            ],
        }
    )
    result = assistant.suggest_confounders("smoking", "cancer", graph=graph)
    assert Suggestions.from_json(result.to_json()) == result
    assert json.loads(result.to_json())["task"] == "confounders"


def test_an_unmeasured_confounder_named_like_a_known_variable_is_left_out(
    graph: CausalGraph,
) -> None:
    assistant, _ = assistant_for(
        {
            "measured": [item("age")],
            "unmeasured": [
                {"name": "Smoking", "description": "d", "rationale": "r", "confidence": "high"},
                {"name": "genes", "description": "d", "rationale": "r", "confidence": "low"},
            ],
        }
    )
    result = assistant.suggest_confounders("smoking", "cancer", graph=graph)
    assert [(s.variable, s.measured) for s in result.items] == [("age", True), ("genes", False)]
    assert result.add_to_graph(graph).latent == ("genes",)
