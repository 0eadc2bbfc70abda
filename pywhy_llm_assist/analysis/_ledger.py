"""The assumptions ledger: every edge and missing edge the estimate relies on, with its source.

Which edges and missing edges the estimate relies on is computed in `_reliance` (its docstring
gives the rule: the single changes to the graph that break the identification, plus the edges
that carry the effect or sit on the confounding paths the adjustment set blocks). Each row's
source is the strongest evidence behind it: an expert's decision (provenance ``review``, with
the reviewer's name), a data test (the implication test of a missing edge, with its p-value),
the model (provenance ``model``, with its rationale), or the analyst (``user``). The
assumptions no data can test come last: no unmeasured confounding beyond the graph (with the
sensitivity analysis as its evidence), the estimator's own model, and the standard ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..data._implication_tests import ImplicationTest, ImplicationTests, format_p
from ..data._sensitivity import SensitivityReport
from ..graph._causal_graph import CausalGraph, DroppedEdge, Edge
from ..identify._findings import Critique, format_path, format_set
from ._reliance import confounding_paths, critical_changes, effect_edges, identification_check
from ._results import Identification

AssumptionKind = Literal["edge", "no_edge", "untestable"]
AssumptionSource = Literal[
    "review", "data", "model", "user", "import", "required", "simulated", "method"
]
DataVerdict = Literal["consistent", "contradicted", "not_tested", "untestable"]
#: How the ledger names an edge's origin when it is not the model's or a reviewer's.
ORIGIN_WORDS: dict[str, str] = {
    "user": "drawn by the analyst",
    "import": "read from a file",
    "required": "required by a constraint",
    "simulated": "proposed by the simulated expert",
    "data": "found in the data (causal discovery)",
}
_REASONS_PER_ROW = 3
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Evidence(BaseModel):
    """One piece of evidence behind an assumption.

    Attributes:
        source: ``review``, ``data``, ``model``, ``user``, ``import``, ``required``,
            ``simulated`` or ``method`` (it comes with the estimator or the design).
        detail: one sentence: who or what says so.
        rationale: the model's or the reviewer's own words.
        reviewer: the expert, for review evidence.
        model: the model, for model evidence.
        p_value, adjusted_p_value: for data tests.
    """

    model_config = _FROZEN

    source: AssumptionSource
    detail: str
    rationale: str = ""
    reviewer: str | None = None
    model: str | None = None
    p_value: float | None = None
    adjusted_p_value: float | None = None


class Assumption(BaseModel):
    """One row of the ledger.

    Attributes:
        kind: ``edge`` (the graph has ``pair[0] -> pair[1]``), ``no_edge`` (it has no edge
            between the two) or ``untestable`` (an assumption beyond the graph's edges).
        pair: the edge, or the two variables; None for ``untestable`` rows.
        statement: the assumption in words.
        reasons: why the estimate relies on it.
        critical: one change to it alone would make the identification fail.
        source: the strongest evidence's source (review, then data, model, user).
        evidence: everything known about it, strongest first.
        data: what the data say: ``consistent``, ``contradicted``, ``not_tested`` or
            ``untestable``.
        test: the implication test of a missing edge.
        untestable_reason: why the data cannot test it.
    """

    model_config = _FROZEN

    kind: AssumptionKind
    pair: tuple[str, str] | None = None
    statement: str
    reasons: tuple[str, ...] = ()
    critical: bool = False
    source: AssumptionSource
    evidence: tuple[Evidence, ...] = ()
    data: DataVerdict = "untestable"
    test: ImplicationTest | None = None
    untestable_reason: str = ""

    def cells(self) -> list[str]:
        """The row of the ledger table (see `LEDGER_HEADERS`)."""
        return [
            self.statement,
            "critical" if self.critical else "",
            "; ".join(self.reasons),
            self.source,
            "; ".join(_evidence_text(item) for item in self.evidence),
            _data_text(self),
        ]


LEDGER_HEADERS = ("assumption", "", "relied on because", "source", "evidence", "data")


def _evidence_text(item: Evidence) -> str:
    text = item.detail
    if item.rationale:
        text += f' ("{item.rationale}")'
    return text


def _data_text(row: Assumption) -> str:
    if row.test is not None and row.test.tested:
        return f"{row.data}: adjusted p = {format_p(row.test.adjusted_p_value)}"
    return row.data + (f": {row.untestable_reason}" if row.untestable_reason else "")


class AssumptionsLedger(BaseModel):
    """Every assumption the estimate relies on, with its source and evidence.

    Attributes:
        estimand: the identification it is about (``backdoor``, ``iv``, ``frontdoor``).
        assumptions: edges first, then missing edges, then assumptions beyond the graph.
        note: why the ledger is empty, when it is.
    """

    model_config = _FROZEN

    estimand: str
    assumptions: tuple[Assumption, ...] = ()
    note: str = ""

    @property
    def edges(self) -> tuple[Assumption, ...]:
        """The edges relied on."""
        return tuple(row for row in self.assumptions if row.kind == "edge")

    @property
    def missing_edges(self) -> tuple[Assumption, ...]:
        """The pairs whose missing edge is relied on."""
        return tuple(row for row in self.assumptions if row.kind == "no_edge")

    @property
    def untestable(self) -> tuple[Assumption, ...]:
        """What the data cannot test: rows marked ``untestable``, and assumptions beyond edges."""
        return tuple(row for row in self.assumptions if row.data == "untestable")

    @property
    def contradicted(self) -> tuple[Assumption, ...]:
        """Missing edges the data contradict (their implied independence is rejected)."""
        return tuple(row for row in self.assumptions if row.data == "contradicted")

    def rows(self) -> list[list[str]]:
        """Every row as text cells (see `LEDGER_HEADERS`)."""
        return [row.cells() for row in self.assumptions]

    def summary(self) -> str:
        """One line: how many edges, missing edges and untestable assumptions."""
        if not self.assumptions:
            return self.note or "no assumptions recorded"
        critical = sum(row.critical for row in self.assumptions)
        return (
            f"{len(self.edges)} edges and {len(self.missing_edges)} missing edges relied on "
            f"({critical} critical), {len(self.untestable)} assumptions the data cannot test, "
            f"{len(self.contradicted)} contradicted by the data"
        )

    def __str__(self) -> str:
        lines = [f"assumptions: {self.summary()}"]
        for row in self.assumptions:
            mark = "!" if row.critical else " "
            lines.append(f"  {mark} {row.statement}  [{row.source}; data: {_data_text(row)}]")
        return "\n".join(lines)


# --------------------------------------------------------------------------- sources
def _reviewers(graph: CausalGraph) -> str | None:
    review = graph.metadata.get("review")
    if not isinstance(review, dict):
        return None
    if isinstance(review.get("reviewer"), str):
        return str(review["reviewer"])
    named = review.get("reviewers")
    if isinstance(named, list) and named:
        return ", ".join(str(name) for name in named)
    return None


def _edge_evidence(edge: Edge) -> list[Evidence]:
    proposed = any(item.origin != "review" for item in edge.provenance)
    found: list[Evidence] = []
    for item in edge.provenance:
        if item.origin == "model":
            how = f" ({item.strategy})" if item.strategy else ""
            found.append(
                Evidence(
                    source="model",
                    detail=f"proposed by {item.model or 'the model'}{how}",
                    rationale=edge.rationale,
                    model=item.model,
                )
            )
        elif item.origin == "review":
            verb = "accepted" if proposed else "added"
            found.append(
                Evidence(
                    source="review",
                    detail=f"{verb} in review by {item.reviewer or 'a reviewer'}",
                    rationale=item.note or ("" if proposed else edge.rationale),
                    reviewer=item.reviewer,
                )
            )
        else:
            note = f" ({item.note})" if item.note else ""
            found.append(Evidence(source=item.origin, detail=ORIGIN_WORDS[item.origin] + note))
    return found or [Evidence(source="user", detail="drawn by the analyst")]


def _critique_evidence(critique: Critique | None, pair: tuple[str, str]) -> list[Evidence]:
    """The model's critique findings about this edge or pair (its edit names the pair)."""
    if critique is None:
        return []
    found = []
    for finding in critique.model_findings:
        edit = finding.edit
        if edit is None or edit.source is None or {edit.source, edit.target} != set(pair):
            continue
        found.append(
            Evidence(
                source="model",
                detail=f"the critique: {finding.message}",
                rationale=finding.rationale,
                model=finding.provenance.model if finding.provenance else None,
            )
        )
    return found


_STRENGTH: dict[str, int] = {"review": 0, "data": 1, "model": 2}


def _strongest(evidence: Sequence[Evidence]) -> AssumptionSource:
    ranked = sorted(evidence, key=lambda item: _STRENGTH.get(item.source, 3))
    return ranked[0].source if ranked else "user"


def _no_edge_evidence(
    graph: CausalGraph,
    pair: tuple[str, str],
    dropped: Sequence[DroppedEdge],
    test: ImplicationTest | None,
    critique: Critique | None,
) -> list[Evidence]:
    """Evidence for a missing edge, strongest first: decisions, the data, the model, the user."""
    reviewers = _reviewers(graph)
    decided = [
        Evidence(source="review", detail=item.detail or "rejected in review", reviewer=reviewers)
        for item in dropped
        if item.reason == "rejected_in_review"
    ]
    found = list(decided)
    if test is not None and test.tested:
        verb = "contradict" if test.rejected else "are consistent with"
        found.append(
            Evidence(
                source="data",
                detail=f"the data {verb} {test.independence} ({test.describe()})",
                p_value=test.p_value,
                adjusted_p_value=test.adjusted_p_value,
            )
        )
    found += [
        Evidence(
            source="model",
            detail=f"the model proposed {item.edge.source} -> {item.edge.target}, dropped "
            f"({item.reason}{': ' + item.detail if item.detail else ''})",
            rationale=item.edge.rationale,
        )
        for item in dropped
        if item.reason != "rejected_in_review"
    ]
    found += _critique_evidence(critique, pair)
    suggested = bool(graph.dropped) or any(
        item.origin == "model" for edge in graph.edges for item in edge.provenance
    )
    if suggested and not any(item.source == "model" for item in found):
        found.append(
            Evidence(
                source="model", detail=f"the model proposed no edge between {pair[0]} and {pair[1]}"
            )
        )
    if reviewers is not None and not decided:
        found.append(
            Evidence(
                source="review",
                detail=f"{reviewers} reviewed the graph and added no edge here",
                reviewer=reviewers,
            )
        )
    if not suggested and reviewers is None:
        found.append(Evidence(source="user", detail="absent from the analyst's graph"))
    return found


def _data_verdict(
    graph: CausalGraph,
    pair: tuple[str, str],
    test: ImplicationTest | None,
    tests: ImplicationTests | None,
) -> tuple[DataVerdict, str]:
    hidden = [name for name in pair if name in graph.latent]
    if hidden:
        return "untestable", f"{format_set(hidden)} unmeasured"
    if tests is not None:
        for item in tests.untestable:
            if {item.x, item.y} == set(pair):
                return "untestable", item.reason
    if test is None:
        return "not_tested", "the implication tests did not run" if tests is None else ""
    if not test.tested:
        return "not_tested", test.reason
    return ("contradicted" if test.rejected else "consistent"), ""


def _general_rows(
    identification: Identification,
    treatment: str,
    outcome: str,
    sensitivity: SensitivityReport | None,
    estimator_assumption: str,
) -> list[Assumption]:
    """Assumptions beyond the graph's edges, which no data test can check."""
    confounding = {
        "backdoor": f"no unmeasured common cause of {treatment} and {outcome} beyond the "
        "graph's latent variables",
        "iv": "no unmeasured cause shared by an instrument and the outcome, beyond the graph",
        "frontdoor": "no unmeasured confounding of the treatment and the mediators, nor of "
        "the mediators and the outcome, beyond the graph",
    }[identification.estimand]
    evidence: list[Evidence] = []
    if sensitivity is not None:
        rv, rv_alpha = 100 * sensitivity.robustness_value, 100 * sensitivity.robustness_value_alpha
        evidence.append(
            Evidence(
                source="data",
                detail=f"sensitivity: a confounder explaining {rv:.1f}% of the residual "
                "variance of both treatment and outcome would bring the estimate to zero "
                f"({rv_alpha:.1f}% would make it lose significance)",
            )
        )
        evidence += [
            Evidence(
                source="model",
                detail=f"the model judged {bound.label} {bound.k_treatment:g}x/"
                f"{bound.k_outcome:g}x as strong as {bound.benchmark}: "
                f"{sensitivity.verdict(bound)}",
                rationale=bound.rationale,
            )
            for bound in sensitivity.model_bounds
        ]
    rows = [
        (
            confounding,
            "every backdoor estimate rests on it; the sensitivity analysis says how "
            "strong a violation would matter",
            evidence,
        ),
        (estimator_assumption, "the estimator's model", []),
        (
            "no interference: one unit's treatment does not change another's outcome, and "
            "there is one version of the treatment",
            "the effect is defined per unit",
            [],
        ),
        (
            "the variables are measured without error (an error in a confounder leaves bias)",
            "adjustment removes only the confounding the measured values carry",
            [],
        ),
    ]
    return [
        Assumption(
            kind="untestable",
            statement=statement,
            reasons=(why,),
            source="method",
            evidence=(*found,),
            data="untestable",
            untestable_reason="no independence in the data speaks to it",
        )
        for statement, why, found in rows
        if statement
    ]


def build_ledger(
    graph: CausalGraph,
    treatment: str,
    outcome: str,
    identification: Identification,
    *,
    implications: ImplicationTests | None = None,
    sensitivity: SensitivityReport | None = None,
    critique: Critique | None = None,
    estimator_assumption: str = "",
) -> AssumptionsLedger:
    """Every edge and missing edge the estimate relies on, with sources (see `_reliance`).

    Example:
        >>> from pywhy_llm_assist.analysis._results import Identification
        >>> graph = CausalGraph.from_edges(["a", "t", "y"], [("a", "t"), ("a", "y"), ("t", "y")])
        >>> found = Identification(estimand="backdoor", identified=True, adjustment_set=("a",))
        >>> ledger = build_ledger(graph, "t", "y", found)
        >>> [(row.statement, row.critical) for row in ledger.edges]
        [('a -> t', True), ('a -> y', False), ('t -> y', True)]
    """
    if not identification.identified:
        return AssumptionsLedger(
            estimand=identification.estimand,
            note=f"no estimate to rely on anything: {identification.summary()}",
        )
    problem = identification_check(identification, treatment, outcome, frozenset(graph.latent))
    critical = critical_changes(graph, problem)
    network = graph.to_networkx()
    reasons: dict[tuple[str, str], list[str]] = {}
    for pair in effect_edges(network, treatment, outcome):
        reasons.setdefault(pair, []).append(f"on a causal path from {treatment} to {outcome}")
    if identification.estimand == "backdoor":
        members = set(identification.variables)
        for path in confounding_paths(network, treatment, outcome):
            blockers = format_set(name for name in path[1:-1] if name in members)
            shown = format_path(path, network.has_edge)
            text = f"on the confounding path {shown}, blocked by {blockers}"
            for first, second in itertools.pairwise(path):
                pair = (first, second) if network.has_edge(first, second) else (second, first)
                reasons.setdefault(pair, []).append(text)
    for (kind, pair), whys in critical.items():
        if kind == "edge":
            reasons.setdefault(pair, []).extend(whys)
    rows = []
    for edge in graph.edges:
        if edge.pair not in reasons:
            continue
        evidence = _edge_evidence(edge)
        rows.append(
            Assumption(
                kind="edge",
                pair=edge.pair,
                statement=f"{edge.source} -> {edge.target}",
                reasons=tuple(dict.fromkeys(reasons[edge.pair]))[:_REASONS_PER_ROW],
                critical=("edge", edge.pair) in critical,
                source=_strongest(evidence),
                evidence=(*evidence, *_critique_evidence(critique, edge.pair)),
                data="not_tested",
                untestable_reason="the implication tests check missing edges, not edges or "
                "their direction",
            )
        )
    dropped: dict[frozenset[str], list[DroppedEdge]] = {}
    for item in graph.dropped:
        dropped.setdefault(frozenset(item.edge.pair), []).append(item)
    tests = {frozenset((row.x, row.y)): row for row in (implications.tests if implications else ())}
    for (kind, pair), whys in critical.items():
        if kind != "no_edge":
            continue
        test = tests.get(frozenset(pair))
        verdict, why_not = _data_verdict(graph, pair, test, implications)
        evidence = _no_edge_evidence(graph, pair, dropped.get(frozenset(pair), []), test, critique)
        rows.append(
            Assumption(
                kind="no_edge",
                pair=pair,
                statement=f"no edge between {pair[0]} and {pair[1]}",
                reasons=tuple(whys)[:_REASONS_PER_ROW],
                critical=True,
                source=evidence[0].source if evidence else "user",
                evidence=tuple(evidence),
                data=verdict,
                test=test,
                untestable_reason=why_not,
            )
        )
    rows += _general_rows(identification, treatment, outcome, sensitivity, estimator_assumption)
    return AssumptionsLedger(estimand=identification.estimand, assumptions=tuple(rows))
