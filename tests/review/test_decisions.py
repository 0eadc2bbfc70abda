"""Review decisions, apply_review, and the static safety of the review page (no browser)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pywhy_llm_assist.core._errors import ReviewError
from pywhy_llm_assist.graph._causal_graph import CausalGraph, DroppedEdge, Edge, Provenance
from pywhy_llm_assist.identify._findings import Critique, Finding, SuggestedEdit
from pywhy_llm_assist.review._decisions import (
    ReviewDecision,
    ReviewDecisions,
    apply_review,
    critique_repr_html,
    graph_repr_html,
    to_review_html,
)
from pywhy_llm_assist.review._page import page_script

MODEL = Provenance(origin="model", model="test-model")
PAYLOADS = (
    "<script>window.__pwned = 1; alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click me</a>',
    "</script><script>alert(2)</script>",
    "<!-- comment --> <![CDATA[ x ]]> & &amp; \u2028",
)


@pytest.fixture
def graph() -> CausalGraph:
    edges = [
        Edge(source="smoking", target="tar", confidence=0.9, votes=3, asked=3,
             rationale="Smoke deposits tar.", provenance=(MODEL,)),
        Edge(source="tar", target="cancer", confidence=0.8, votes=2, asked=3,
             rationale="Tar is carcinogenic.", provenance=(MODEL,)),
        Edge(source="cancer", target="age", confidence=0.3, votes=1, asked=3,
             rationale="Backwards.", provenance=(MODEL,)),
        Edge(source="asbestos", target="smoking", confidence=0.2, votes=1, asked=3,
             rationale="Dubious.", provenance=(MODEL,)),
    ]  # fmt: skip
    return CausalGraph.from_edges(["smoking", "tar", "cancer", "age", "asbestos"], edges)


def decisions_for(graph: CausalGraph, *items: tuple[str, str, str, str]) -> ReviewDecisions:
    return ReviewDecisions(
        reviewer="Dr. Rivera",
        timestamp="2025-03-01T09:30:00.000Z",
        graph_fingerprint=graph.fingerprint(),
        decisions=tuple(
            ReviewDecision(source=source, target=target, action=action, comment=comment)  # type: ignore[arg-type]
            for source, target, action, comment in items
        ),
    )


# --------------------------------------------------------------------------- apply_review


def test_accept_keeps_the_edge_and_records_the_reviewer(graph: CausalGraph) -> None:
    reviewed = apply_review(graph, decisions_for(graph, ("smoking", "tar", "accept", "Known.")))
    edge = reviewed.edge("smoking", "tar")
    assert edge.provenance == (
        MODEL,
        Provenance(origin="review", reviewer="Dr. Rivera", note="Known."),
    )
    assert edge.confidence == 0.9
    assert reviewed.edge_pairs == graph.edge_pairs


def test_reject_moves_the_edge_to_dropped(graph: CausalGraph) -> None:
    reviewed = apply_review(graph, decisions_for(graph, ("asbestos", "smoking", "reject", "No.")))
    assert not reviewed.has_edge("asbestos", "smoking")
    (dropped,) = reviewed.dropped
    assert dropped.reason == "rejected_in_review"
    assert dropped.edge == graph.edge("asbestos", "smoking")
    assert not dropped.reversed
    assert "Dr. Rivera" in dropped.detail and "No." in dropped.detail


def test_reverse_replaces_the_edge_by_its_opposite(graph: CausalGraph) -> None:
    reviewed = apply_review(graph, decisions_for(graph, ("cancer", "age", "reverse", "")))
    assert not reviewed.has_edge("cancer", "age")
    edge = reviewed.edge("age", "cancer")
    assert edge.provenance == (Provenance(origin="review", reviewer="Dr. Rivera"),)
    assert reviewed.edge_pairs.index(("age", "cancer")) == 2  # in place of the original
    (dropped,) = reviewed.dropped
    assert dropped.reversed and dropped.edge.pair == ("cancer", "age")


def test_add_creates_a_review_edge(graph: CausalGraph) -> None:
    reviewed = apply_review(
        graph, decisions_for(graph, ("asbestos", "cancer", "add", "Mesothelioma."))
    )
    edge = reviewed.edge("asbestos", "cancer")
    assert edge.provenance == (
        Provenance(origin="review", reviewer="Dr. Rivera", note="Mesothelioma."),
    )
    assert edge.rationale == "Mesothelioma."
    assert reviewed.edge_pairs[-1] == ("asbestos", "cancer")


def test_all_actions_together_and_metadata(graph: CausalGraph) -> None:
    graph = graph.model_copy(update={"metadata": {"source": "test"}})
    reviewed = apply_review(
        graph,
        decisions_for(
            graph,
            ("smoking", "tar", "accept", ""),
            ("asbestos", "smoking", "reject", ""),
            ("cancer", "age", "reverse", ""),
            ("asbestos", "cancer", "add", ""),
        ),
    )
    assert set(reviewed.edge_pairs) == {
        ("smoking", "tar"),
        ("tar", "cancer"),
        ("age", "cancer"),
        ("asbestos", "cancer"),
    }
    assert reviewed.metadata["source"] == "test"
    assert reviewed.metadata["review"] == {
        "reviewer": "Dr. Rivera",
        "timestamp": "2025-03-01T09:30:00.000Z",
        "graph_fingerprint": graph.fingerprint(),
        "unreviewed_policy": "keep",
        "accepted": 1,
        "rejected": 1,
        "reversed": 1,
        "added": 1,
        "unreviewed": 1,
    }
    assert reviewed.is_acyclic()


def test_unreviewed_edges_can_be_dropped(graph: CausalGraph) -> None:
    decisions = decisions_for(graph, ("smoking", "tar", "accept", ""))
    reviewed = apply_review(graph, decisions, unreviewed="drop")
    assert reviewed.edge_pairs == [("smoking", "tar")]
    assert len(reviewed.dropped) == 3
    assert all("not reviewed" in item.detail for item in reviewed.dropped)


def test_earlier_dropped_edges_are_kept(graph: CausalGraph) -> None:
    earlier = DroppedEdge(edge=Edge(source="age", target="tar"), reason="cycle")
    graph = graph.model_copy(update={"dropped": (earlier,)})
    reviewed = apply_review(graph, decisions_for(graph, ("asbestos", "smoking", "reject", "")))
    assert reviewed.dropped[0] == earlier and len(reviewed.dropped) == 2


def test_decisions_from_a_file_a_string_and_the_graph_method(
    graph: CausalGraph, tmp_path: Path
) -> None:
    decisions = decisions_for(graph, ("asbestos", "smoking", "reject", ""))
    path = tmp_path / "review-decisions.json"
    path.write_text(decisions.model_dump_json(indent=2), encoding="utf-8")
    expected = apply_review(graph, decisions)
    assert apply_review(graph, path) == expected
    assert apply_review(graph, str(path)) == expected
    assert apply_review(graph, decisions.model_dump_json()) == expected
    assert graph.apply_review(path) == expected


def test_a_fingerprint_mismatch_is_refused_naming_both(graph: CausalGraph) -> None:
    other = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    decisions = decisions_for(other, ("a", "b", "accept", ""))
    with pytest.raises(ReviewError, match="another graph") as caught:
        apply_review(graph, decisions)
    assert other.fingerprint() in str(caught.value)
    assert graph.fingerprint() in str(caught.value)


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (("smoking", "nicotine", "accept", ""), "unknown variable 'nicotine'"),
        (("ghost", "tar", "add", ""), "unknown variable 'ghost'"),
        (("tar", "smoking", "accept", ""), "has no edge tar -> smoking"),
        (("age", "tar", "reject", ""), "has no edge age -> tar"),
        (("smoking", "tar", "add", ""), "already in the graph"),
        (("tar", "tar", "add", ""), "self-loop"),
    ],
)
def test_decisions_that_do_not_fit_the_graph(
    graph: CausalGraph, decision: tuple[str, str, str, str], message: str
) -> None:
    with pytest.raises(ReviewError, match=re.escape(message)):
        apply_review(graph, decisions_for(graph, decision))


def test_two_decisions_for_one_edge_are_refused(graph: CausalGraph) -> None:
    decisions = decisions_for(
        graph, ("smoking", "tar", "accept", ""), ("smoking", "tar", "reject", "")
    )
    with pytest.raises(ReviewError, match="more than one decision"):
        apply_review(graph, decisions)


def test_reversing_and_adding_the_same_edge_is_refused(graph: CausalGraph) -> None:
    decisions = decisions_for(graph, ("cancer", "age", "reverse", ""), ("age", "cancer", "add", ""))
    with pytest.raises(ReviewError, match="both reversed and added"):
        apply_review(graph, decisions)


def test_a_cycle_is_refused_naming_it(graph: CausalGraph) -> None:
    decisions = decisions_for(graph, ("cancer", "smoking", "add", ""))
    with pytest.raises(ReviewError, match="cycle") as caught:
        apply_review(graph, decisions)
    text = str(caught.value)
    for name in ("smoking", "tar", "cancer"):
        assert name in text


def test_reversing_into_a_cycle_is_refused() -> None:
    graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c")])
    with pytest.raises(ReviewError, match="cycle"):
        apply_review(graph, decisions_for(graph, ("a", "c", "reverse", "")))


def test_unknown_unreviewed_policy(graph: CausalGraph) -> None:
    with pytest.raises(ReviewError, match="unreviewed"):
        apply_review(graph, decisions_for(graph), unreviewed="ignore")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- decisions files

GOOD: dict[str, Any] = {
    "reviewer": "Ada",
    "timestamp": "2025-03-01T09:30:00Z",
    "graph_fingerprint": "0123456789abcdef",
    "decisions": [{"source": "a", "target": "b", "action": "accept", "comment": ""}],
    "format_version": 1,
}


def test_a_good_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "decisions.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    loaded = ReviewDecisions.from_file(path)
    assert loaded.reviewer == "Ada"
    assert loaded.decisions[0].action == "accept"
    assert ReviewDecisions.from_json(loaded.model_dump_json()) == loaded


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json at all", "invalid JSON"),
        ("[1, 2, 3]", "expected a JSON object"),
        ('"just a string"', "expected a JSON object"),
        (json.dumps({**GOOD, "reviewer": "   "}), "reviewer"),
        (json.dumps({**GOOD, "timestamp": "yesterday"}), "ISO 8601"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "graph_fingerprint"}),
            "graph_fingerprint",
        ),
        (json.dumps({**GOOD, "format_version": 3}), "format version 3"),
        (json.dumps({**GOOD, "extra": 1}), "extra"),
        (
            json.dumps({**GOOD, "decisions": [{"source": "a", "target": "b", "action": "delete"}]}),
            "action",
        ),
        (json.dumps({**GOOD, "decisions": [{"source": "a"}]}), "decisions.0.target"),
        (json.dumps({**GOOD, "decisions": "all"}), "decisions"),
    ],
)
def test_bad_files_raise_a_one_line_review_error(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "decisions.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReviewError, match=re.escape(message)) as caught:
        ReviewDecisions.from_file(path)
    assert "\n" not in str(caught.value)


def test_missing_and_binary_files_raise_review_error(tmp_path: Path) -> None:
    with pytest.raises(ReviewError, match="cannot read"):
        ReviewDecisions.from_file(tmp_path / "absent.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ReviewError):
        ReviewDecisions.from_file(binary)
    with pytest.raises(ReviewError, match="cannot read"):
        apply_review(CausalGraph.from_edges(["a"], []), str(tmp_path / "absent.json"))


# --------------------------------------------------------------------------- the page, statically

EXTERNAL = re.compile(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:|//)""", re.I)


def embedded_json(page: str) -> str:
    found = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    assert found is not None
    return found.group(1)


def test_the_page_is_self_contained(graph: CausalGraph, tmp_path: Path) -> None:
    path = tmp_path / "review.html"
    page = to_review_html(graph, path, title="Smoking review")
    assert path.read_text(encoding="utf-8") == page
    assert page.startswith("<!DOCTYPE html>")
    assert not EXTERNAL.search(page)
    assert "http://" not in page and "https://" not in page
    for forbidden in ("<link", "<iframe", "<img", "@import", "url(", " src="):
        assert forbidden not in page
    assert page.count("<script") == 2  # the data block and the page's own script
    assert "Smoking review" in page


def test_the_content_security_policy_allows_only_the_page_script(graph: CausalGraph) -> None:
    page = to_review_html(graph)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    assert "default-src 'none'" in policy.group(1)
    script = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(script) == 1
    digest = base64.b64encode(hashlib.sha256(script[0].encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy.group(1)


def test_the_script_never_parses_data_as_html() -> None:
    from importlib import resources

    folder = resources.files("pywhy_llm_assist.review")
    names = ("_page.js", "_page_view.js", "_page_findings.js")
    script = "".join(folder.joinpath(name).read_text("utf-8") for name in names)
    assert all(folder.joinpath(name).read_text("utf-8") in page_script() for name in names)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    for sink in ("new Function", 'setTimeout("', "DOMParser", "createContextualFragment"):
        assert sink not in script


def test_the_embedded_data_matches_the_graph(graph: CausalGraph) -> None:
    data = json.loads(embedded_json(to_review_html(graph)))
    assert data["fingerprint"] == graph.fingerprint()
    assert [(edge["source"], edge["target"]) for edge in data["edges"]] == graph.edge_pairs
    assert data["edges"][0]["rationale"] == "Smoke deposits tar."
    assert data["edges"][0]["votes"] == 3 and data["edges"][0]["asked"] == 3
    assert [item["name"] for item in data["variables"]] == list(graph.names)


def hostile_graph() -> CausalGraph:
    names = {payload: f"description {payload}" for payload in PAYLOADS[:3]}
    names["outcome"] = PAYLOADS[3]
    first, second, third = PAYLOADS[:3]
    edges = [
        Edge(source=first, target="outcome", rationale=PAYLOADS[0] + PAYLOADS[3]),
        Edge(source=second, target="outcome", rationale=PAYLOADS[1] + PAYLOADS[4]),
        Edge(source=third, target="outcome", rationale=PAYLOADS[2]),
    ]
    dropped = (
        DroppedEdge(edge=Edge(source="outcome", target=first), reason="cycle", detail=PAYLOADS[1]),
    )
    graph = CausalGraph.from_edges(names, edges)
    return graph.model_copy(update={"dropped": dropped})


def test_payloads_are_escaped_in_the_static_page() -> None:
    critique = SimpleNamespace(
        findings=[
            SimpleNamespace(
                kind=PAYLOADS[0], source="model", severity=PAYLOADS[1], message=PAYLOADS[2],
                rationale=PAYLOADS[3], variables=[PAYLOADS[0]],
            )
        ]
    )  # fmt: skip
    page = to_review_html(hostile_graph(), critique=critique, title=PAYLOADS[1])
    outside_data = page.replace(embedded_json(page), "")
    assert outside_data.count("<script") == 2
    assert "<img" not in page
    assert "<a " not in page and "<a>" not in page
    assert 'href="javascript' not in page
    assert "onerror=alert(1)>" not in outside_data  # always inside an escaped text node
    assert "&lt;img src=x onerror=alert(1)&gt;" in outside_data
    assert "&lt;script&gt;window.__pwned" in outside_data


def test_payloads_cannot_close_the_data_block() -> None:
    graph = hostile_graph()
    block = embedded_json(to_review_html(graph))
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\u2028" not in block
    data = json.loads(block)
    assert [item["name"] for item in data["variables"]] == list(graph.names)
    assert data["edges"][0]["rationale"] == PAYLOADS[0] + PAYLOADS[3]
    assert data["edges"][1]["rationale"] == PAYLOADS[1] + PAYLOADS[4]


def test_the_marker_text_in_data_is_not_expanded() -> None:
    graph = CausalGraph.from_edges({"@@SCRIPT@@": "@@SVG@@", "b": ""}, [("@@SCRIPT@@", "b")])
    page = to_review_html(graph, title="@@DATA@@")
    assert page.count("<svg") == 1
    assert page.count("<script") == 2


def test_critique_findings_are_shown_when_given(graph: CausalGraph) -> None:
    critique = SimpleNamespace(
        findings=[
            SimpleNamespace(kind="missing_confounder", source="model", severity="high",
                            message="Genotype may confound smoking and cancer.",
                            rationale="Twin studies.", variables=["smoking", "cancer"]),
        ]
    )  # fmt: skip
    page = to_review_html(graph, critique=critique)
    assert "Critique findings" in page
    assert "Genotype may confound smoking and cancer." in page
    assert "severity-high" in page
    assert "Critique findings" not in to_review_html(graph)


def test_notebook_html_is_escaped() -> None:
    graph = hostile_graph()
    text = graph_repr_html(graph)
    assert "<svg" in text and "<script" not in text and "<img" not in text
    assert "1 dropped edges" in text
    critique = SimpleNamespace(
        findings=[SimpleNamespace(kind="x", source="graph", severity="low", message=PAYLOADS[0],
                                  rationale=PAYLOADS[1], variables=[])]
    )  # fmt: skip
    rendered = critique_repr_html(critique)
    assert "<script" not in rendered and "<img" not in rendered
    assert "Critique: 1 finding" in rendered
    assert "no findings" in critique_repr_html(SimpleNamespace(findings=[]))


# --------------------------------------------------------------------------- format 2
def test_a_version_1_file_still_applies(graph: CausalGraph, tmp_path: Path) -> None:
    old = {
        "reviewer": "Ada",
        "timestamp": "2025-03-01T09:30:00Z",
        "graph_fingerprint": graph.fingerprint(),
        "decisions": [
            {"source": "asbestos", "target": "smoking", "action": "reject", "comment": ""}
        ],
        "format_version": 1,
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    reviewed = apply_review(graph, path)
    assert not reviewed.has_edge("asbestos", "smoking")


def test_an_applied_suggestion_and_an_added_latent_are_recorded(graph: CausalGraph) -> None:
    from pywhy_llm_assist import AddedLatent, SuggestionOrigin

    origin = SuggestionOrigin(
        finding_kind="unmeasured_confounder", finding_source="data",
        message="smoking and cancer share a hidden cause", edit="add unmeasured genotype",
    )  # fmt: skip
    reversal = SuggestionOrigin(finding_kind="reversed_edge", finding_source="model",
                                message="age comes first")  # fmt: skip
    decisions = ReviewDecisions(
        reviewer="Ada",
        timestamp="2026-11-30T10:00:00Z",
        graph_fingerprint=graph.fingerprint(),
        decisions=(
            ReviewDecision(source="cancer", target="age", action="reverse", origin=reversal),
            ReviewDecision(source="genotype", target="smoking", action="add", origin=origin),
            ReviewDecision(source="genotype", target="cancer", action="add", origin=origin),
        ),
        latent_variables=(AddedLatent(name="genotype", description="inherited", origin=origin),),
    )
    assert ReviewDecisions.from_json(decisions.model_dump_json()) == decisions
    reviewed = apply_review(graph, decisions)
    assert reviewed.variable("genotype").latent
    assert reviewed.has_edge("genotype", "smoking") and reviewed.has_edge("genotype", "cancer")
    note = reviewed.edge("genotype", "cancer").provenance[0].note
    assert (
        note == "suggested by a data finding (unmeasured_confounder): smoking and cancer share a "
        "hidden cause"
    )
    assert "reversed_edge" in str(reviewed.edge("age", "cancer").provenance[-1].note)
    assert reviewed.metadata["review"]["latent_added"] == ["genotype"]


def test_an_added_latent_may_not_take_an_existing_name(graph: CausalGraph) -> None:
    from pywhy_llm_assist import AddedLatent

    decisions = ReviewDecisions(
        reviewer="Ada", timestamp="2026-11-30T10:00:00Z", graph_fingerprint=graph.fingerprint(),
        latent_variables=(AddedLatent(name="tar"),),
    )  # fmt: skip
    with pytest.raises(ReviewError, match="'tar' has the name of a variable"):
        apply_review(graph, decisions)


def test_the_critique_notebook_display_shows_the_question_edits_and_adjustment_sets() -> None:
    from pywhy_llm_assist.identify._checks import check_graph

    graph = CausalGraph.from_edges(
        ["age", "income", "exercise", "bmi", "heart"],
        [
            ("age", "exercise"),
            ("age", "heart"),
            ("income", "exercise"),
            ("income", "heart"),
            ("exercise", "bmi"),
            ("bmi", "heart"),
        ],
    )
    critique = check_graph(graph, treatment="exercise", outcome="heart", adjustment_set=["bmi"])
    assert critique.suggested_edits  # there is an edit to show
    rendered = critique_repr_html(critique)
    assert "Effect of exercise on heart" in rendered
    assert "adjustment set checked: {bmi}" in rendered
    assert "Suggested edit" in rendered and "adjust for {age, income}" in rendered
    assert "Minimal adjustment set:</b> {age, income}" in rendered
    assert "Valid minimal adjustment sets:</b> {age, income}" in rendered
    structural = critique_repr_html(check_graph(graph))
    assert "Structure only" in structural and "no findings" in structural
    hostile = Critique(
        graph=hostile_graph(),
        findings=(
            Finding(
                kind="x",
                source="model",
                severity="low",
                message="m",
                edit=SuggestedEdit(action="set_adjustment", variables=(PAYLOADS[0],)),
            ),
        ),
    )
    assert "<script" not in critique_repr_html(hostile)
