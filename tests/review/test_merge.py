"""merge_reviews: rules, added edges, errors, provenance, agreement, second round, display."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _review_fixtures import decisions, smoking_graph

from pywhy_llm_assist import (
    AddedLatent,
    CausalGraph,
    ReviewConsensus,
    ReviewError,
    SuggestionOrigin,
    merge_reviews,
)
from pywhy_llm_assist.graph._causal_graph import Provenance
from pywhy_llm_assist.review._second_round import second_round_data

krippendorff = pytest.importorskip("krippendorff", reason="test dependency 'krippendorff'")


@pytest.fixture
def graph() -> CausalGraph:
    return smoking_graph()


def three(graph: CausalGraph) -> list:
    ada = decisions(
        graph, "Ada",
        ("smoking", "tar", "accept", "Textbook."),
        ("cancer", "age", "reverse", "Age comes first."),
        ("asbestos", "smoking", "reject", ""),
        ("asbestos", "cancer", "add", "Mesothelioma."),
    )  # fmt: skip
    ben = decisions(
        graph, "Ben",
        ("smoking", "tar", "accept", ""),
        ("cancer", "age", "reverse", ""),
        ("asbestos", "smoking", "accept", "Maybe via workplace culture."),
        ("asbestos", "cancer", "add", ""),
    )  # fmt: skip
    chen = decisions(
        graph, "Chen",
        ("smoking", "tar", "reject", "Unsure."),
        ("cancer", "age", "reject", ""),
        ("age", "cancer", "add", "Age first."),
        ("tar", "cancer", "accept", ""),
    )  # fmt: skip
    return [ada, ben, chen]


def test_majority_of_three_reviewers(graph: CausalGraph) -> None:
    consensus = merge_reviews(graph, three(graph))
    assert consensus.reviewers == ("Ada", "Ben", "Chen")
    outcome = {item.pair: item.decision for item in consensus.edges}
    assert outcome == {
        ("smoking", "tar"): "accept",
        ("tar", "cancer"): "accept",  # one reviewer decided; the others abstained
        ("cancer", "age"): "reverse",  # Chen rejected it and added the opposite: a reversal
        ("asbestos", "smoking"): None,  # 1 reject, 1 accept, 1 undecided: a tie
        ("asbestos", "cancer"): "add",
    }
    chen = consensus.edge("cancer", "age").votes[2]
    assert (chen.action, chen.comment, chen.verdict) == ("reverse", "Age first.", "reversed")
    assert [item.pair for item in consensus.disputed] == [("asbestos", "smoking")]
    added = consensus.edge("asbestos", "cancer")
    assert not added.proposed and added.added_by == ("Ada", "Ben")
    assert [vote.action for vote in added.votes] == ["add", "add", "not_added"]
    reviewed = consensus.graph
    assert set(reviewed.edge_pairs) == {
        ("smoking", "tar"), ("tar", "cancer"), ("age", "cancer"), ("asbestos", "smoking"),
        ("asbestos", "cancer"),
    }  # fmt: skip
    assert reviewed.edge("smoking", "tar").provenance[-2:] == (
        Provenance(origin="review", reviewer="Ada", note="Textbook."),
        Provenance(origin="review", reviewer="Ben"),
    )
    new = reviewed.edge("asbestos", "cancer")
    assert (new.votes, new.asked, new.confidence) == (2, 3, pytest.approx(2 / 3))
    assert [item.reviewer for item in new.provenance] == ["Ada", "Ben"]
    assert [item.reviewer for item in reviewed.edge("age", "cancer").provenance] == [
        "Ada", "Ben", "Chen",
    ]  # fmt: skip
    (reversed_item,) = [item for item in reviewed.dropped if item.reversed]
    assert "Ada, Ben, Chen" in reversed_item.detail
    assert reviewed.metadata["review"]["reviewers"] == ["Ada", "Ben", "Chen"]
    assert reviewed.metadata["review"]["disputed"] == [["asbestos", "smoking"]]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("unanimous", {("smoking", "tar"): None, ("cancer", "age"): "reverse",
                       ("asbestos", "cancer"): None, ("tar", "cancer"): "accept"}),
        ("any_accept", {("smoking", "tar"): "accept", ("cancer", "age"): "reverse",
                        ("asbestos", "cancer"): "add", ("asbestos", "smoking"): "accept"}),
    ],
)  # fmt: skip
def test_the_other_rules(graph: CausalGraph, rule: str, expected: dict) -> None:
    consensus = merge_reviews(graph, three(graph), rule=rule)  # type: ignore[arg-type]
    outcome = {item.pair: item.decision for item in consensus.edges}
    for pair, decision in expected.items():
        assert outcome[pair] == decision, pair
    assert consensus.rule == rule


def test_any_accept_disputes_opposite_directions(graph: CausalGraph) -> None:
    ada = decisions(graph, "Ada", ("cancer", "age", "accept", ""))
    ben = decisions(graph, "Ben", ("cancer", "age", "reverse", ""))
    consensus = merge_reviews(graph, [ada, ben], rule="any_accept")
    assert consensus.edge("cancer", "age").disputed


def test_edges_nobody_decided_stay_as_proposed(graph: CausalGraph) -> None:
    consensus = merge_reviews(graph, [decisions(graph, "Ada"), decisions(graph, "Ben")])
    assert {item.decision for item in consensus.edges} == {"unreviewed"}
    assert consensus.graph.edge_pairs == graph.edge_pairs
    assert consensus.second_round_graph is None
    assert consensus.agreement.value is None and consensus.agreement.items == 0


def test_agreement_matches_the_krippendorff_package(graph: CausalGraph) -> None:
    consensus = merge_reviews(graph, three(graph))
    codes = {"forward": 0, "reversed": 1, "absent": 2, None: float("nan")}
    matrix = [[codes[item.votes[at].verdict] for item in consensus.edges] for at in range(3)]
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert consensus.agreement.value == pytest.approx(expected, abs=1e-9)
    assert consensus.agreement.reviewers == 3
    assert consensus.agreement.items == 4  # tar -> cancer was decided by one reviewer only


# --------------------------------------------------------------------------- errors
def test_an_empty_list_is_refused(graph: CausalGraph) -> None:
    with pytest.raises(ReviewError, match="no review decisions to merge"):
        merge_reviews(graph, [])


def test_a_single_file_not_in_a_list_is_refused(graph: CausalGraph, tmp_path: Path) -> None:
    path = tmp_path / "ada.json"
    path.write_text(three(graph)[0].model_dump_json(), encoding="utf-8")
    with pytest.raises(ReviewError, match="wrap a single one in a list"):
        merge_reviews(graph, str(path))  # type: ignore[arg-type]


def test_a_reviewer_twice_is_refused(graph: CausalGraph) -> None:
    first = decisions(graph, "Ada Lovelace")
    again = decisions(graph, "  ada   lovelace ", ("smoking", "tar", "accept", ""))
    with pytest.raises(ReviewError, match=r"appears twice \(decisions number 1 and 2\)"):
        merge_reviews(graph, [first, decisions(graph, "Ben"), again][::2])


def test_decisions_for_another_graph_are_refused_naming_the_reviewer(graph: CausalGraph) -> None:
    other = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    with pytest.raises(ReviewError, match="reviewer 'Ben' \\(number 2\\) were made for another"):
        merge_reviews(graph, [decisions(graph, "Ada"), decisions(other, "Ben")])


def test_decisions_that_do_not_fit_name_the_reviewer(graph: CausalGraph) -> None:
    bad = decisions(graph, "Ben", ("tar", "smoking", "accept", ""))
    with pytest.raises(ReviewError, match=r"reviewer 'Ben': .*has no edge tar -> smoking"):
        merge_reviews(graph, [decisions(graph, "Ada"), bad])


def test_accepting_an_edge_and_adding_its_opposite_is_refused(graph: CausalGraph) -> None:
    bad = decisions(graph, "Ben", ("cancer", "age", "accept", ""), ("age", "cancer", "add", ""))
    with pytest.raises(ReviewError, match=r"Ben.*that is a cycle"):
        merge_reviews(graph, [bad])


def test_an_unknown_rule_is_refused(graph: CausalGraph) -> None:
    with pytest.raises(ReviewError, match=r"unknown merge rule 'most'.*majority, unanimous"):
        merge_reviews(graph, three(graph), rule="most")  # type: ignore[arg-type]


def test_files_and_json_text_are_read(graph: CausalGraph, tmp_path: Path) -> None:
    paths = []
    for item in three(graph):
        path = tmp_path / f"{item.reviewer}.json"
        path.write_text(item.model_dump_json(indent=2), encoding="utf-8")
        paths.append(path)
    from_files = merge_reviews(graph, paths)
    from_text = merge_reviews(graph, [path.read_text(encoding="utf-8") for path in paths])
    assert from_files == from_text == merge_reviews(graph, three(graph))


# --------------------------------------------------------------------------- cycles and latents
def test_agreed_changes_that_close_a_cycle_become_disputed() -> None:
    graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
    # Each reviewer's own graph is acyclic, but the majority's combination is not.
    ada = decisions(graph, "Ada", ("c", "a", "add", ""), ("a", "b", "reject", ""))
    ben = decisions(graph, "Ben", ("c", "a", "add", ""), ("b", "c", "reject", ""))
    chen = decisions(graph, "Chen", ("a", "b", "accept", ""), ("b", "c", "accept", ""))
    consensus = merge_reviews(graph, [ada, ben, chen])
    added = consensus.edge("c", "a")
    assert added.disputed and "cycle" in added.note
    assert consensus.graph.is_acyclic()
    assert consensus.graph.edge_pairs == [("a", "b"), ("b", "c")]


def test_a_suggested_latent_confounder_is_merged_with_its_edges(graph: CausalGraph) -> None:
    origin = SuggestionOrigin(
        finding_kind="unmeasured_confounder", finding_source="model",
        message="an unmeasured genotype may confound smoking, cancer", edit="add unmeasured",
    )  # fmt: skip
    latent = AddedLatent(name="genotype", description="inherited risk", origin=origin)
    with_latent = [
        decisions(graph, name, ("genotype", "smoking", "add", ""),
                  ("genotype", "cancer", "add", ""), latents=(latent,), origin=origin)
        for name in ("Ada", "Ben")
    ]  # fmt: skip
    consensus = merge_reviews(graph, [*with_latent, decisions(graph, "Chen")])
    assert consensus.graph.variable("genotype").latent
    assert consensus.graph.variable("genotype").description == "inherited risk"
    edge = consensus.graph.edge("genotype", "cancer")
    assert "suggested by a model finding (unmeasured_confounder)" in str(edge.provenance[0].note)
    assert consensus.edge("genotype", "smoking").votes[0].origin == origin
    lonely = merge_reviews(graph, [with_latent[0], decisions(graph, "Ben"), decisions(graph, "C")])
    assert "genotype" not in lonely.graph.names  # one of three: left out, and so is the latent


# --------------------------------------------------------------------------- second round
def test_the_second_round_merges_back_the_same_way(graph: CausalGraph, tmp_path: Path) -> None:
    first = merge_reviews(graph, three(graph), rule="unanimous")
    assert {item.pair for item in first.disputed} == {
        ("smoking", "tar"), ("asbestos", "smoking"), ("asbestos", "cancer"),
    }  # fmt: skip
    second_graph = first.second_round_graph
    assert second_graph is not None
    assert second_graph.has_edge("asbestos", "cancer")  # a disputed addition, now to decide
    assert not first.graph.has_edge("asbestos", "cancer")
    data = second_round_data(first)
    assert len(data["items"]) == 3
    numbers = {second_graph.edge_pairs[int(key)] for key in data["items"]}
    assert numbers == {item.pair for item in first.disputed}
    page = first.to_second_round_html(tmp_path / "round2.html")
    assert (tmp_path / "round2.html").read_text(encoding="utf-8") == page
    assert "Second round: 3 disputed edges" in page

    round_two = [
        decisions(second_graph, name, ("smoking", "tar", "accept", ""),
                  ("asbestos", "smoking", "reject", "No mechanism."),
                  ("asbestos", "cancer", action, ""))
        for name, action in (("Ada", "accept"), ("Ben", "accept"), ("Chen", "accept"))
    ]  # fmt: skip
    final = merge_reviews(second_graph, round_two, rule="unanimous")
    assert final.disputed == ()
    assert set(final.graph.edge_pairs) == {
        ("smoking", "tar"), ("tar", "cancer"), ("age", "cancer"), ("asbestos", "cancer"),
    }  # fmt: skip
    reviewers = [item.reviewer for item in final.graph.edge("asbestos", "cancer").provenance]
    assert reviewers == ["Ada", "Ben", "Ada", "Ben", "Chen"]  # round one's adders, then round two
    assert final.graph.metadata["review_history"][0]["rule"] == "unanimous"
    assert final.to_second_round_html is not None
    with pytest.raises(ReviewError, match="nothing is disputed"):
        final.to_second_round_html()


# --------------------------------------------------------------------------- display and JSON
def test_json_round_trip_repr_and_text(graph: CausalGraph, tmp_path: Path) -> None:
    consensus = merge_reviews(graph, three(graph))
    path = tmp_path / "consensus.json"
    consensus.to_json(path)
    assert ReviewConsensus.from_json(path) == consensus
    assert ReviewConsensus.from_json(consensus.to_json()) == consensus
    assert repr(consensus) == (
        "<ReviewConsensus of 3 reviewers (majority): 5 edges, 1 disputed, alpha "
        f"{consensus.agreement.value:.2f}>"
    )
    text = str(consensus)
    assert "Krippendorff's alpha" in text and "3 reviewers" in text
    assert re.search(r"asbestos -> smoking\s+DISPUTED", text)
    assert 'Ada: add "Mesothelioma."' in text
    assert "disputed (second round): asbestos -> smoking" in text
    with pytest.raises(ReviewError, match="review consensus"):
        ReviewConsensus.from_json(json.dumps({"rule": "majority"}))


def test_the_notebook_display_escapes_everything() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    graph = CausalGraph.from_edges([hostile, "b"], [(hostile, "b")])
    consensus = merge_reviews(
        graph,
        [decisions(graph, hostile, (hostile, "b", "accept", hostile)), decisions(graph, "Ben")],
    )
    html = consensus._repr_html_()
    assert "<img" not in html and "&lt;img" in html
    assert "Krippendorff" in html
