"""The critique data model: suggested edits, findings, Critique JSON and applying edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pywhy_llm_assist.core._errors import InputError
from pywhy_llm_assist.core._usage import Usage
from pywhy_llm_assist.graph._causal_graph import CausalGraph, Edge, Provenance
from pywhy_llm_assist.identify._edits import apply_edits
from pywhy_llm_assist.identify._findings import Critique, Finding, SuggestedEdit


def make_graph() -> CausalGraph:
    return CausalGraph.from_edges(
        {"smoking": "cigarettes per day", "tar": "tar in lungs", "cancer": "lung cancer"},
        [
            Edge(
                source="smoking",
                target="tar",
                confidence=0.9,
                votes=3,
                asked=3,
                rationale="smoke deposits tar",
                provenance=(Provenance(origin="model", model="test-model"),),
            ),
            ("tar", "cancer"),
        ],
    )


def make_critique() -> Critique:
    graph = make_graph().model_copy(update={"metadata": {"source": "unit test", "n": 3}})
    return Critique(
        graph=graph,
        treatment="smoking",
        outcome="cancer",
        adjustment_set=("tar",),
        findings=(
            Finding(
                kind="mediator_in_adjustment",
                source="graph",
                severity="high",
                message="adjusting for {tar} blocks part of the effect.",
                variables=("tar",),
                edit=SuggestedEdit(action="set_adjustment", variables=()),
            ),
            Finding(
                kind="unmeasured_confounder",
                source="model",
                severity="medium",
                message="genotype may cause both smoking and cancer.",
                rationale="nicotine receptor variants",
                variables=("smoking", "cancer"),
                edit=SuggestedEdit(
                    action="add_latent",
                    latent_name="genotype",
                    latent_description="genetic make-up",
                    variables=("smoking", "cancer"),
                ),
                confidence=0.6,
            ),
            Finding(
                kind="missing_edge",
                source="model",
                severity="low",
                message="smoking may cause cancer directly.",
                edit=SuggestedEdit(action="add_edge", source="smoking", target="cancer"),
                confidence=0.4,
            ),
        ),
        valid_adjustment_sets=((),),
        minimal_adjustment_set=(),
        usage=Usage(calls=2, prompt_tokens=120, completion_tokens=30),
    )


# --------------------------------------------------------------------------- models
def test_suggested_edit_requires_the_fields_of_its_action() -> None:
    with pytest.raises(ValidationError, match="needs target"):
        SuggestedEdit(action="add_edge", source="a")
    with pytest.raises(ValidationError, match="needs latent_name and variables"):
        SuggestedEdit(action="add_latent")
    with pytest.raises(ValidationError, match="itself"):
        SuggestedEdit(action="remove_edge", source="a", target="a")
    assert SuggestedEdit(action="set_adjustment").variables == ()


def test_suggested_edit_describe() -> None:
    assert SuggestedEdit(action="add_edge", source="a", target="b").describe() == (
        "add edge a -> b"
    )
    latent = SuggestedEdit(action="add_latent", latent_name="u", variables=("b", "a"))
    assert latent.describe() == "add unmeasured u confounding {a, b}"
    assert SuggestedEdit(action="set_adjustment", variables=("c",)).describe() == ("adjust for {c}")


def test_graph_findings_have_no_confidence() -> None:
    with pytest.raises(ValidationError, match="exact"):
        Finding(kind="cycle", source="graph", severity="high", message="m", confidence=0.5)
    with pytest.raises(ValidationError):
        Finding(kind="missing_edge", source="model", severity="low", message="m", confidence=2)


def test_critique_splits_findings_by_source() -> None:
    critique = make_critique()
    assert [finding.kind for finding in critique.graph_findings] == ["mediator_in_adjustment"]
    assert [finding.kind for finding in critique.model_findings] == [
        "unmeasured_confounder",
        "missing_edge",
    ]
    assert len(critique.suggested_edits) == 3


def test_critique_rejects_names_outside_the_graph() -> None:
    with pytest.raises(ValidationError, match="'ghost' is not a variable"):
        Critique(graph=make_graph(), treatment="ghost", outcome="cancer")


# --------------------------------------------------------------------------- JSON
def test_critique_json_round_trip_is_exact(tmp_path: Path) -> None:
    critique = make_critique()
    text = critique.to_json()
    assert Critique.from_json(text) == critique
    path = tmp_path / "critique.json"
    critique.to_json(path)
    restored = Critique.from_json(path)
    assert restored == critique
    assert restored.to_json() == text


def test_critique_from_bad_json_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a pywhy-llm-assist critique"):
        Critique.from_json('{"findings": []}')


def test_critique_str_lists_findings_most_serious_first() -> None:
    text = str(make_critique())
    assert text.startswith("Critique of smoking -> cancer: 3 variables, 2 edges, 3 findings")
    assert text.index("[high]") < text.index("[medium]") < text.index("[low]")
    assert "suggested: add unmeasured genotype confounding {cancer, smoking}" in text
    assert "(confidence 0.60)" in text
    assert "usage: 2 calls" in text


# --------------------------------------------------------------------------- apply_edits
def test_an_added_edge_is_the_user_s_unless_a_reviewer_is_named() -> None:
    edit = SuggestedEdit(action="add_edge", source="smoking", target="cancer")
    graph = apply_edits(make_graph(), [edit])
    edge = graph.edge("smoking", "cancer")
    assert edge.provenance == (Provenance(origin="user", note="add edge smoking -> cancer"),)
    assert graph.edge_pairs == [("smoking", "tar"), ("tar", "cancer"), ("smoking", "cancer")]
    reviewed = apply_edits(make_graph(), [edit], reviewer="Dr. Rivera")
    assert reviewed.edge("smoking", "cancer").provenance == (
        Provenance(origin="review", reviewer="Dr. Rivera", note="add edge smoking -> cancer"),
    )
    with pytest.raises(InputError, match="reviewer"):
        apply_edits(make_graph(), [edit], origin="review")


def test_remove_edge_is_recorded_as_dropped() -> None:
    graph = apply_edits(
        make_graph(),
        [SuggestedEdit(action="remove_edge", source="tar", target="cancer")],
        origin="user",
    )
    assert graph.edge_pairs == [("smoking", "tar")]
    assert [(item.edge.pair, item.reason) for item in graph.dropped] == [
        (("tar", "cancer"), "rejected_in_review")
    ]


def test_reverse_edge_keeps_rationale_and_provenance() -> None:
    graph = apply_edits(
        make_graph(),
        [SuggestedEdit(action="reverse_edge", source="smoking", target="tar")],
        reviewer="expert",
    )
    edge = graph.edge("tar", "smoking")
    assert edge.rationale == "smoke deposits tar"
    assert [item.origin for item in edge.provenance] == ["model", "review"]
    assert edge.provenance[-1].reviewer == "expert"
    assert not graph.has_edge("smoking", "tar")
    assert graph.dropped[0].reversed


def test_add_latent_confounds_its_variables() -> None:
    edit = SuggestedEdit(
        action="add_latent",
        latent_name="genotype",
        latent_description="genetic make-up",
        variables=("smoking", "cancer"),
    )
    graph = apply_edits(make_graph(), [edit])
    assert graph.latent == ("genotype",)
    assert graph.variable("genotype").description == "genetic make-up"
    assert graph.has_edge("genotype", "smoking") and graph.has_edge("genotype", "cancer")


def test_set_adjustment_leaves_the_graph_unchanged() -> None:
    graph = make_graph()
    edit = SuggestedEdit(action="set_adjustment", variables=("tar",))
    assert apply_edits(graph, [edit]) == graph


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (SuggestedEdit(action="add_edge", source="cancer", target="smoking"), "cycle"),
        (SuggestedEdit(action="add_edge", source="smoking", target="tar"), "already"),
        (SuggestedEdit(action="remove_edge", source="cancer", target="tar"), "no such edge"),
        (SuggestedEdit(action="reverse_edge", source="a", target="b"), "no such edge"),
        (SuggestedEdit(action="add_edge", source="ghost", target="tar"), "'ghost'"),
        (
            SuggestedEdit(action="add_latent", latent_name="tar", variables=("smoking",)),
            "exists",
        ),
        (SuggestedEdit(action="set_adjustment", variables=("ghost",)), "'ghost'"),
    ],
)
def test_bad_edits_raise_input_error(edit: SuggestedEdit, message: str) -> None:
    with pytest.raises(InputError, match=message):
        apply_edits(make_graph(), [edit])


def test_critique_apply_all_and_selected() -> None:
    critique = make_critique()
    everything = critique.apply()
    assert everything.has_edge("genotype", "smoking")
    assert everything.has_edge("smoking", "cancer")
    added = everything.edge("smoking", "cancer")
    assert added.rationale == "smoking may cause cancer directly."
    assert added.provenance[0].note == "missing_edge: smoking may cause cancer directly."
    only_edge = critique.apply([critique.findings[2]], origin="user")
    assert only_edge.latent == ()
    proposed, decided = only_edge.edge("smoking", "cancer").provenance
    assert (proposed.origin, decided.origin) == ("model", "user")


def test_critique_apply_keeps_the_model_provenance_and_names_no_reviewer() -> None:
    asked = Provenance(origin="model", model="gpt-x", prompt_version="abc123", cache_keys=("k1",))
    critique = make_critique()
    findings = tuple(
        item.model_copy(update={"provenance": asked}) if item.source == "model" else item
        for item in critique.findings
    )
    critique = critique.model_copy(update={"findings": findings})
    applied = critique.apply()
    for pair in [("smoking", "cancer"), ("genotype", "smoking"), ("genotype", "cancer")]:
        (entry,) = applied.edge(*pair).provenance
        assert entry.origin == "model" and entry.reviewer is None
        assert (entry.model, entry.prompt_version, entry.cache_keys) == ("gpt-x", "abc123", ("k1",))
        assert entry.note and entry.note.split(":")[0] in {"missing_edge", "unmeasured_confounder"}
    reviewed = critique.apply(reviewer="Dr. Rivera")
    proposed, decided = reviewed.edge("smoking", "cancer").provenance
    assert proposed.model == "gpt-x" and proposed.cache_keys == ("k1",)
    assert (decided.origin, decided.reviewer) == ("review", "Dr. Rivera")
    # A critique saved before findings carried provenance still applies as the model's.
    old = Critique.from_json(make_critique().to_json())
    assert old.apply().edge("smoking", "cancer").provenance[0].origin == "model"
    with pytest.raises(InputError, match="reviewer"):
        critique.apply(origin="review")


def test_critique_apply_rejects_a_finding_without_edit() -> None:
    finding = Finding(kind="cycle", source="graph", severity="high", message="a cycle")
    with pytest.raises(InputError, match="suggests no edit"):
        make_critique().apply([finding])


def test_repeated_edits_apply_once() -> None:
    edit = SuggestedEdit(action="remove_edge", source="tar", target="cancer")
    graph = make_critique().apply([edit, edit])
    assert graph.edge_pairs == [("smoking", "tar")]


def test_critique_repr_is_one_short_line() -> None:
    critique = make_critique()
    text = repr(critique)
    assert text == "<Critique of smoking -> cancer: 3 findings (1 high), 3 variables>"
    assert "\n" not in text and str(critique).count("\n") > 2
