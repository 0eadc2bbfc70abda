"""Assistant.critique(data=...): the model explains rejected implications; edits are verified."""

from __future__ import annotations

import itertools
from typing import Any

import pandas as pd
import pytest
from _smoking_study import DRAFT, TRUTH, study_data

from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    ChatRequest,
    Critique,
    InputError,
    simulate_data,
)
from pywhy_llm_assist.identify._explain_task import MAX_EXPLAINED
from pywhy_llm_assist.testing import ScriptedModel


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return study_data(seed=5)


def explanation(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "implication": 1,
        "explanation": "older people have had more time to develop cancer",
        "edit": "add_edge",
        "cause": "age",
        "effect": "cancer",
        "latent_name": None,
        "latent_description": None,
        "confidence": "high",
    }
    return {**base, **fields}


def scripted(*explanations: dict[str, Any]) -> ScriptedModel:
    def respond(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None
        if request.query.task == "explain_implications":
            return {"explanations": list(explanations)}
        return {"findings": []}

    return ScriptedModel(respond=respond)


def critique_with(
    model: ScriptedModel, frame: pd.DataFrame, graph: CausalGraph = DRAFT
) -> Critique:
    return Assistant("scripted", client=model, cache_mode="off").critique(
        graph, context="a cohort study", data=frame
    )


def test_a_verified_edit_is_kept_and_applies(frame: pd.DataFrame) -> None:
    model = scripted(explanation())
    critique = critique_with(model, frame)
    assert [request.query.task for request in model.requests] == [  # type: ignore[union-attr]
        "critique",
        "explain_implications",
    ]
    (explained,) = [f for f in critique.findings if f.kind == "implication_explained"]
    assert explained.source == "model" and explained.confidence == pytest.approx(0.9)
    assert explained.edit is not None and explained.edit.describe() == "add edge age -> cancer"
    assert "no longer implies the independence (checked by d-separation)" in explained.message
    assert explained.rationale == "older people have had more time to develop cancer"
    assert explained.implication_test == critique.data_findings[0].implication_test
    # The data finding comes first, then the model's explanation of it.
    kinds = [finding.kind for finding in critique.findings]
    assert kinds.index("implication_rejected") < kinds.index("implication_explained")
    assert critique.apply([explained]).has_edge("age", "cancer")
    assert Critique.from_json(critique.to_json()) == critique


def test_an_unmeasured_confounder_that_explains_it_is_kept(frame: pd.DataFrame) -> None:
    model = scripted(
        explanation(
            edit="add_latent_confounder",
            cause=None,
            effect=None,
            latent_name="frailty",
            latent_description="general frailty",
        )
    )
    (explained,) = critique_with(model, frame).model_findings
    assert explained.edit is not None and explained.edit.action == "add_latent"
    row = explained.implication_test
    assert row is not None and explained.edit.variables == (row.x, row.y)
    assert explained.edit.latent_name == "frailty"


def test_an_edit_that_leaves_the_implication_is_not_kept(frame: pd.DataFrame) -> None:
    unrelated = explanation(  # tar and cough share a cause: age ⊥ cancer | {smoking} stays
        edit="add_latent_confounder", cause="tar", effect="cough", latent_name="dust"
    )
    model = scripted(unrelated)
    (explained,) = critique_with(model, frame).model_findings
    assert explained.edit is None
    assert "was not kept: with it the graph still implies" in explained.message


def test_an_edit_that_makes_a_cycle_or_names_no_edge_is_not_kept(frame: pd.DataFrame) -> None:
    model = scripted(
        explanation(cause="cancer", effect="age"),  # cancer -> age closes a cycle
        explanation(implication=1, edit="reverse_edge"),  # repeated number: ignored
    )
    (explained,) = critique_with(model, frame).model_findings
    assert explained.edit is None and "cycle" in explained.message
    model = scripted(explanation(edit="reverse_edge", cause="age", effect="cough"))
    (explained,) = critique_with(model, frame).model_findings
    assert explained.edit is None
    assert "no edge between 'age' and 'cough' to reverse" in explained.message


def test_a_reversed_edge_that_removes_the_implication_is_kept(frame: pd.DataFrame) -> None:
    row = critique_with(scripted(), frame).implication_tests.rejected[0]  # type: ignore[union-attr]
    # Reversing the edge out of the separating variable makes it a collider.
    separator = row.given[0]
    child = "tar" if separator == "smoking" else "cancer"
    model = scripted(explanation(edit="reverse_edge", cause=separator, effect=child))
    (explained,) = critique_with(model, frame).model_findings
    assert explained.edit is not None, explained.message
    assert explained.edit.describe() == f"reverse edge {separator} -> {child}"


def test_the_prompt_lists_the_rejected_implications_last(frame: pd.DataFrame) -> None:
    model = scripted(explanation())
    rejected = critique_with(model, frame).implication_tests.rejected  # type: ignore[union-attr]
    request = model.requests[1]
    prompt = request.messages[-1]["content"]
    order = [prompt.index(part) for part in ("a cohort study", "Variables", "edges", "reject")]
    assert order == sorted(order)
    assert '"x": "age"' in prompt and '"y": "cancer"' in prompt and "adjusted_p_value" in prompt
    schema = request.response_format["json_schema"]["schema"]  # type: ignore[index]
    assert schema["properties"]["explanations"]["maxItems"] == len(rejected) > 1
    item = schema["properties"]["explanations"]["items"]["properties"]
    assert item["implication"]["maximum"] == MAX_EXPLAINED
    assert item["edit"]["enum"] == ["add_edge", "add_latent_confounder", "reverse_edge"]


def test_no_rejection_means_no_explanation_query(frame: pd.DataFrame) -> None:
    model = scripted()
    critique = critique_with(model, frame, TRUTH)
    assert len(model.requests) == 1 and critique.data_findings == ()


def test_at_most_a_dozen_implications_go_to_the_model() -> None:
    names = [f"v{index}" for index in range(8)]
    star = CausalGraph.from_edges(names, [("v0", name) for name in names[1:]])
    chain = CausalGraph.from_edges(names, list(itertools.pairwise(names)))
    data = simulate_data(star, 3000, seed=1, effect=(0.8, 1.0))
    # The chain implies many independences the star's data reject.
    model = scripted()
    critique = critique_with(model, data, chain)
    assert len(critique.data_findings) > MAX_EXPLAINED
    request = model.requests[1]
    assert request.query is not None and len(request.query.inputs["implications"]) == MAX_EXPLAINED


def test_bad_data_stops_before_any_model_call(frame: pd.DataFrame) -> None:
    model = scripted()
    with pytest.raises(InputError, match="'cough' is not a column"):
        critique_with(model, frame.drop(columns="cough"))
    assert model.requests == []
