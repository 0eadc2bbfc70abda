"""The assumptions ledger: rows, their sources and evidence (model, review, data, user)."""

from __future__ import annotations

from pywhy_llm_assist import (
    CausalGraph,
    DroppedEdge,
    Edge,
    Provenance,
    ReviewDecision,
    ReviewDecisions,
    apply_review,
    check_graph,
    sensitivity_analysis,
    simulate_data,
    test_implications,
)
from pywhy_llm_assist.analysis._ledger import AssumptionsLedger, build_ledger
from pywhy_llm_assist.analysis._results import Identification

MODEL = Provenance(origin="model", model="m-1", strategy="per_node")


def model_graph() -> CausalGraph:
    """a -> t, a -> y, t -> y, b -> y, all proposed by the model; b -> t dropped (a cycle)."""

    def edge(source: str, target: str) -> Edge:
        return Edge(
            source=source,
            target=target,
            rationale=f"{source} drives {target}",
            provenance=(MODEL,),
        )

    graph = CausalGraph.from_edges(
        ["a", "b", "t", "y"], [edge("a", "t"), edge("a", "y"), edge("t", "y"), edge("b", "y")]
    )
    dropped = DroppedEdge(edge=edge("b", "t"), reason="below_threshold", detail="1 of 3 votes")
    return graph.model_copy(update={"dropped": (dropped,)})


def backdoor(*members: str) -> Identification:
    return Identification(estimand="backdoor", identified=True, adjustment_set=members)


def row(ledger: AssumptionsLedger, statement: str):  # type: ignore[no-untyped-def]
    return next(item for item in ledger.assumptions if item.statement == statement)


def test_model_edges_carry_the_model_and_its_rationale() -> None:
    ledger = build_ledger(model_graph(), "t", "y", backdoor("a"))
    first = row(ledger, "a -> t")
    assert first.source == "model" and first.critical
    assert first.evidence[0].model == "m-1"
    assert first.evidence[0].rationale == "a drives t"
    assert "proposed by m-1 (per_node)" in first.evidence[0].detail
    # b -> y is on no path the identification uses: not a row.
    assert "b -> y" not in [item.statement for item in ledger.edges]
    # b -> t was proposed and dropped; its absence is relied on.
    missing = row(ledger, "no edge between b and t")
    assert missing.critical and missing.source == "model"
    assert "dropped (below_threshold: 1 of 3 votes)" in missing.evidence[0].detail


def test_review_decisions_name_the_reviewer() -> None:
    graph = model_graph()
    decisions = ReviewDecisions(
        reviewer="Ada",
        timestamp="2026-01-01T00:00:00Z",
        graph_fingerprint=graph.fingerprint(),
        decisions=(
            ReviewDecision(source="a", target="t", action="accept", comment="age first"),
            ReviewDecision(source="b", target="t", action="add"),
        ),
    )
    reviewed = apply_review(graph, decisions)
    ledger = build_ledger(reviewed, "t", "y", backdoor("a", "b"))
    accepted = row(ledger, "a -> t")
    assert accepted.source == "review"
    assert [item.source for item in accepted.evidence] == ["model", "review"]
    assert accepted.evidence[1].reviewer == "Ada" and accepted.evidence[1].rationale == "age first"
    assert accepted.evidence[1].detail == "accepted in review by Ada"
    added = row(ledger, "b -> t")
    assert added.source == "review" and added.evidence[0].detail == "added in review by Ada"
    assert added.critical and "on the confounding path t <- b -> y, blocked by {b}" in added.reasons
    unreviewed = row(ledger, "a -> y")
    assert unreviewed.source == "model"


def test_a_rejected_edge_is_a_review_decision_of_the_missing_edge() -> None:
    graph = model_graph()
    decisions = ReviewDecisions(
        reviewer="Ben",
        timestamp="2026-01-01T00:00:00Z",
        graph_fingerprint=graph.fingerprint(),
        decisions=(ReviewDecision(source="b", target="y", action="accept"),),
    )
    graph = apply_review(graph, decisions)
    # Ben accepted b -> y; the model's b -> t stays dropped: the ledger says who stands behind
    # the missing edge: the model dropped it, Ben reviewed the graph and added nothing.
    missing = row(build_ledger(graph, "t", "y", backdoor("a")), "no edge between b and t")
    assert [item.source for item in missing.evidence] == ["model", "review"]
    assert missing.evidence[1].detail == "Ben reviewed the graph and added no edge here"
    rejected = CausalGraph.from_edges(
        ["a", "b", "t", "y"], [("a", "t"), ("a", "y"), ("t", "y"), ("b", "y")]
    )
    rejected = rejected.model_copy(
        update={
            "dropped": (
                DroppedEdge(
                    edge=Edge(source="b", target="t"),
                    reason="rejected_in_review",
                    detail="rejected in review by Chen: b is measured after t",
                ),
            ),
            "metadata": {"review": {"reviewer": "Chen"}},
        }
    )
    decided = row(build_ledger(rejected, "t", "y", backdoor("a")), "no edge between b and t")
    assert decided.source == "review"
    assert decided.evidence[0].reviewer == "Chen"
    assert decided.evidence[0].detail == "rejected in review by Chen: b is measured after t"


def test_a_tested_missing_edge_carries_its_p_value() -> None:
    truth = CausalGraph.from_edges(
        ["a", "b", "t", "y"], [("a", "t"), ("a", "y"), ("t", "y"), ("b", "y"), ("b", "t")]
    )
    drawn = truth.without_edges([("b", "t")])
    data = simulate_data(truth, 2000, seed=3)
    tests = test_implications(drawn, data)
    ledger = build_ledger(drawn, "t", "y", backdoor("a"), implications=tests)
    missing = row(ledger, "no edge between b and t")
    assert missing.source == "data" and missing.data == "contradicted"
    assert missing.test is not None and missing.test.rejected
    evidence = missing.evidence[0]
    assert evidence.p_value == missing.test.p_value and evidence.p_value < 1e-6
    assert evidence.adjusted_p_value == missing.test.adjusted_p_value
    assert ledger.contradicted == (missing,)
    assert "user" in [item.source for item in missing.evidence]


def test_missing_edges_with_an_unmeasured_variable_are_untestable() -> None:
    graph = CausalGraph.from_edges(
        ["z", "t", "y", "u"], [("z", "t"), ("t", "y"), ("u", "t"), ("u", "y")], latent=["u"]
    )
    identification = Identification(estimand="iv", identified=True, instruments=("z",))
    data = simulate_data(graph, 500, seed=1)
    ledger = build_ledger(
        graph, "t", "y", identification, implications=test_implications(graph, data)
    )
    hidden = row(ledger, "no edge between z and u")
    assert hidden.data == "untestable" and hidden.untestable_reason == "{u} unmeasured"
    unseparated = row(ledger, "no edge between z and y")
    assert unseparated.data == "untestable" and "separates" in unseparated.untestable_reason
    assert hidden in ledger.untestable and unseparated in ledger.untestable


def test_general_assumptions_carry_the_sensitivity_analysis() -> None:
    graph = CausalGraph.from_edges(["a", "t", "y"], [("a", "t"), ("a", "y"), ("t", "y")])
    data = simulate_data(graph, 800, seed=2)
    report = sensitivity_analysis(data, "t", "y", ["a"])
    elicited = report.with_bounds(
        [report.bound("a", 1, 2, label="diet", source="model", rationale="diet matters")]
    )
    ledger = build_ledger(
        graph, "t", "y", backdoor("a"), sensitivity=elicited, estimator_assumption="linear"
    )
    general = [item for item in ledger.assumptions if item.kind == "untestable"]
    assert [item.statement for item in general][:2] == [
        "no unmeasured common cause of t and y beyond the graph's latent variables",
        "linear",
    ]
    confounding = general[0]
    assert confounding.source == "method" and confounding.data == "untestable"
    rv = f"{100 * report.robustness_value:.1f}%"
    assert confounding.evidence[0].source == "data" and rv in confounding.evidence[0].detail
    judged = confounding.evidence[1]
    assert judged.source == "model" and judged.rationale == "diet matters"
    assert "the model judged diet 1x/2x as strong as a" in judged.detail


def test_the_critique_findings_are_evidence_of_their_edge() -> None:
    graph = model_graph()
    critique = check_graph(graph, treatment="t", outcome="y")
    from pywhy_llm_assist import Finding, SuggestedEdit

    finding = Finding(
        kind="reversed_edge",
        source="model",
        severity="medium",
        message="the edge a -> t may point the wrong way",
        rationale="t happens first",
        edit=SuggestedEdit(action="reverse_edge", source="a", target="t"),
        provenance=MODEL,
    )
    critique = critique.model_copy(update={"findings": (*critique.findings, finding)})
    first = row(build_ledger(graph, "t", "y", backdoor("a"), critique=critique), "a -> t")
    assert first.evidence[-1].detail == "the critique: the edge a -> t may point the wrong way"
    assert first.evidence[-1].rationale == "t happens first"
    assert first.source == "model"


def test_an_unidentified_effect_has_an_empty_ledger_with_the_reason() -> None:
    graph = CausalGraph.from_edges(["t", "y"], [("t", "y")])
    missing = Identification(estimand="iv", identified=False, explanation="no instrument")
    ledger = build_ledger(graph, "t", "y", missing)
    assert ledger.assumptions == ()
    assert (
        ledger.summary()
        == "no estimate to rely on anything: not identified by instrumental variable: no instrument"
    )


def test_ledger_text_marks_critical_rows() -> None:
    graph = CausalGraph.from_edges(["a", "t", "y"], [("a", "t"), ("a", "y"), ("t", "y")])
    text = str(build_ledger(graph, "t", "y", backdoor("a")))
    lines = text.splitlines()
    assert lines[0].startswith("assumptions: 3 edges and 0 missing edges relied on (2 critical)")
    assert lines[1].startswith("  ! a -> t  [user;")
    assert lines[2].startswith("    a -> y  [user;")
