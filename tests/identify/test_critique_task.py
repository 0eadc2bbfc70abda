"""critique: model findings and exact graph findings in one Critique."""

from __future__ import annotations

from typing import Any

import pytest

from pywhy_llm_assist import Assistant, CausalGraph, Critique, InputError, check_graph
from pywhy_llm_assist.testing import ScriptedModel

VARIABLES = ["smoking", "tar", "cancer", "age", "coffee"]
EDGES = [("smoking", "tar"), ("tar", "cancer"), ("age", "smoking"), ("age", "cancer")]


def finding(kind: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": kind,
        "cause": None,
        "effect": None,
        "affects": [],
        "latent_name": None,
        "latent_description": None,
        "rationale": "argued",
        "severity": "medium",
    }
    return {**base, **fields}


@pytest.fixture
def graph() -> CausalGraph:
    return CausalGraph.from_edges(VARIABLES, EDGES)


def test_model_and_graph_findings_together(graph: CausalGraph) -> None:
    model = ScriptedModel(
        [
            {
                "findings": [
                    finding("reversed_edge", cause="tar", effect="smoking", severity="high"),
                    finding("missing_edge", cause="coffee", effect="cancer"),
                    finding(
                        "unmeasured_confounder",
                        affects=["smoking", "cancer"],
                        latent_name="genes",
                        latent_description="inherited risk",
                    ),
                    finding(
                        "implausible_edge", cause="coffee", effect="age"
                    ),  # no such edge: left out
                ]
            }
        ]
    )
    assistant = Assistant("scripted", client=model, cache_mode="off")
    critique = assistant.critique(
        graph, treatment="smoking", outcome="cancer", adjustment_set=["tar"]
    )
    kinds = {(f.source, f.kind) for f in critique.findings}
    assert ("graph", "mediator_in_adjustment") in kinds
    assert ("graph", "invalid_adjustment") in kinds
    assert {k for s, k in kinds if s == "model"} == {
        "reversed_edge",
        "missing_edge",
        "unmeasured_confounder",
    }
    assert critique.minimal_adjustment_set == ("age",)
    reversed_finding = next(f for f in critique.model_findings if f.kind == "reversed_edge")
    assert reversed_finding.edit is not None
    assert (reversed_finding.edit.source, reversed_finding.edit.target) == ("smoking", "tar")
    # The model saw the whole graph.
    prompt = model.requests[0].messages[-1]["content"]
    assert '["smoking", "tar"]' in prompt and '["age", "cancer"]' in prompt
    assert Critique.from_json(critique.to_json()) == critique


def test_applying_chosen_edits_yields_the_revised_graph(graph: CausalGraph) -> None:
    model = ScriptedModel(
        [
            {
                "findings": [
                    finding("missing_edge", cause="coffee", effect="cancer"),
                    finding(
                        "unmeasured_confounder", affects=["smoking", "cancer"], latent_name="genes"
                    ),
                ]
            }
        ]
    )
    critique = Assistant("scripted", client=model, cache_mode="off").critique(graph)
    missing = next(f for f in critique.findings if f.kind == "missing_edge")
    revised = critique.apply([missing])
    assert revised.has_edge("coffee", "cancer")
    assert "genes" not in revised.names
    everything = critique.apply()
    assert everything.latent == ("genes",)


def test_applied_model_edits_carry_the_model_provenance(graph: CausalGraph) -> None:
    reply = {"findings": [finding("missing_edge", cause="coffee", effect="cancer")]}
    critique = Assistant("scripted", client=ScriptedModel([reply])).critique(graph)
    (missing,) = critique.model_findings
    assert missing.provenance is not None
    assert missing.provenance.model == "scripted" and missing.provenance.strategy == "critique"
    assert missing.provenance.prompt_version and len(missing.provenance.cache_keys) == 1
    (entry,) = critique.apply().edge("coffee", "cancer").provenance
    assert entry.origin == "model" and entry.reviewer is None
    assert entry.cache_keys == missing.provenance.cache_keys
    assert Critique.from_json(critique.to_json()) == critique


def test_critique_accepts_a_networkx_digraph(graph: CausalGraph) -> None:
    reply = {"findings": [finding("missing_edge", cause="coffee", effect="cancer")]}
    model = ScriptedModel([reply])
    digraph = graph.to_networkx()
    critique = Assistant("scripted", client=model, cache_mode="off").critique(
        digraph, treatment="smoking", outcome="cancer"
    )
    assert critique.graph.edge_pairs == graph.edge_pairs
    assert [f.kind for f in critique.model_findings] == ["missing_edge"]
    assert '["age", "cancer"]' in model.requests[0].messages[-1]["content"]
    with pytest.raises(InputError, match=r"CausalGraph\.from_networkx"):
        Assistant("scripted", client=ScriptedModel([reply])).critique(graph.to_gml())


def test_exact_checks_run_with_no_model(graph: CausalGraph) -> None:
    critique = check_graph(graph, treatment="smoking", outcome="cancer", adjustment_set=[])
    assert critique.model_findings == ()
    assert critique.usage is None
    assert any(f.kind == "invalid_adjustment" for f in critique.findings)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"treatment": "smoking", "outcome": "smoking"}, "smoking"),
        ({"treatment": "nope", "outcome": "cancer"}, "nope"),
        ({"treatment": "smoking", "outcome": "cancer", "adjustment_set": ["ghost"]}, "ghost"),
    ],
)
def test_bad_input_is_rejected_before_any_call(
    graph: CausalGraph, options: dict[str, Any], message: str
) -> None:
    model = ScriptedModel()
    with pytest.raises(InputError, match=message):
        Assistant("scripted", client=model, cache_mode="off").critique(graph, **options)
    assert model.requests == []
