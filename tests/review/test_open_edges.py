"""Reviewing unoriented edges (orient, keep open, reject) and cyclic summary graphs."""

from __future__ import annotations

import json

import pytest

from pywhy_llm_assist import (
    CausalGraph,
    Provenance,
    ReviewDecision,
    ReviewDecisions,
    ReviewError,
    UndirectedEdge,
    apply_review,
    merge_reviews,
)
from pywhy_llm_assist.review._page import to_review_html

DATA = (Provenance(origin="data", note="causal-learn"),)


def cpdag() -> CausalGraph:
    return CausalGraph.from_edges(
        ["rain", "sprinkler", "wet grass", "season", "slippery"],
        [("rain", "wet grass"), ("sprinkler", "wet grass"), ("wet grass", "slippery")],
        undirected=[
            UndirectedEdge(first="season", second="rain", provenance=DATA),
            UndirectedEdge(first="season", second="sprinkler", provenance=DATA),
        ],
    )


def decisions(graph: CausalGraph, *items: tuple[str, str, str]) -> ReviewDecisions:
    return ReviewDecisions(
        reviewer="Ada",
        timestamp="2026-12-01T10:00:00Z",
        graph_fingerprint=graph.fingerprint(),
        decisions=[ReviewDecision(source=s, target=t, action=a) for s, t, a in items],
    )


def test_orient_keep_and_reject_unoriented_edges() -> None:
    graph = cpdag()
    reviewed = apply_review(
        graph,
        decisions(graph, ("season", "rain", "orient"), ("sprinkler", "season", "reject")),
    )
    assert reviewed.has_edge("season", "rain")
    oriented = reviewed.edge("season", "rain")
    assert [item.origin for item in oriented.provenance] == ["data", "review"]
    assert oriented.provenance[-1].reviewer == "Ada"
    assert reviewed.undirected == ()
    (dropped,) = reviewed.dropped
    assert dropped.reason == "rejected_in_review" and "unoriented edge" in dropped.detail
    assert reviewed.metadata["review"]["oriented"] == 1
    assert reviewed.metadata["review"]["rejected_open"] == 1

    kept = apply_review(graph, decisions(graph, ("rain", "season", "accept")))
    assert [edge.pair for edge in kept.undirected] == [("season", "rain"), ("season", "sprinkler")]
    assert kept.undirected[0].provenance[-1].reviewer == "Ada"
    assert kept.undirected[1].provenance == DATA  # not reviewed: kept as it was
    dropped_all = apply_review(graph, decisions(graph), unreviewed="drop")
    assert dropped_all.undirected == ()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (("season", "rain", "reverse"), "no direction to reverse"),
        (("season", "rain", "add"), "orient it instead"),
        (("rain", "slippery", "orient"), "no unoriented edge"),
    ],
)
def test_wrong_decisions_about_unoriented_edges_are_review_errors(
    item: tuple[str, str, str], message: str
) -> None:
    graph = cpdag()
    with pytest.raises(ReviewError, match=message):
        apply_review(graph, decisions(graph, item))


def test_two_decisions_on_one_unoriented_edge_are_refused() -> None:
    graph = cpdag()
    with pytest.raises(ReviewError, match="more than one decision"):
        apply_review(
            graph, decisions(graph, ("season", "rain", "orient"), ("rain", "season", "reject"))
        )


def test_a_summary_graph_may_stay_cyclic_in_review_and_a_dag_may_not() -> None:
    edges = [("prices", "wages"), ("wages", "prices")]
    summary = CausalGraph.from_edges(
        ["prices", "wages", "demand"], edges, check_acyclic=False, metadata={"acyclic": False}
    )
    reviewed = apply_review(
        summary, decisions(summary, ("demand", "prices", "add"), ("prices", "demand", "add"))
    )
    assert reviewed.cycles == (("demand", "prices"), ("prices", "wages"))
    dag = CausalGraph.from_edges(["prices", "wages", "demand"], [("prices", "wages")])
    with pytest.raises(ReviewError, match="cycle"):
        apply_review(dag, decisions(dag, ("wages", "prices", "add")))


def test_the_page_carries_unoriented_edges_and_the_summary_mark_as_data() -> None:
    page = to_review_html(cpdag())
    start = page.index('id="graph-data">') + len('id="graph-data">')
    data = json.loads(page[start : page.index("</script>", start)])
    assert [(item["first"], item["second"], item["kind"]) for item in data["undirected"]] == [
        ("season", "rain", "undirected"),
        ("season", "sprinkler", "undirected"),
    ]
    assert data["allows_cycles"] is False and data["cycles"] == []
    assert "2 unoriented" in page


def test_merging_reviews_of_a_graph_with_open_edges_says_it_is_not_supported() -> None:
    graph = cpdag()
    with pytest.raises(ReviewError, match="not yet merge"):
        merge_reviews(graph, [decisions(graph, ("season", "rain", "orient"))])


def test_the_notebook_display_lists_unoriented_edges_and_counts_loops() -> None:
    from pywhy_llm_assist.review._page import graph_repr_html

    text = graph_repr_html(cpdag())
    assert "2 unoriented" in text and "--- rain" in text and "5 edges</summary>" in text
    loops = CausalGraph.from_edges(
        ["a", "b"], [("a", "b"), ("b", "a")], check_acyclic=False, metadata={"acyclic": False}
    )
    assert "CausalGraph: 2 variables, 2 edges, 1 feedback loop<" in graph_repr_html(loops)
