"""`check_graph`: every exact (no-model) check of a graph and an analysis plan, as a `Critique`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from ..core._errors import InputError
from ..graph._causal_graph import CausalGraph
from ..graph._importers import GraphLike, as_causal_graph
from ..graph._structure import require_acyclic, require_oriented
from ._data_findings import DataOrTests, data_findings, implication_tests_for
from ._findings import (
    SEVERITY_ORDER,
    AdjustmentCheck,
    Critique,
    Finding,
    Severity,
    SuggestedEdit,
    format_path,
    format_set,
)
from ._identification import (
    check_adjustment_set,
    find_cycles,
    latent_blocks_adjustment,
    valid_adjustment_sets,
)
from ._role_checks import check_instrument, front_door_sets

#: How serious each kind of graph finding is.
_SEVERITY: dict[str, Severity] = {
    "cycle": "high",
    "outcome_causes_treatment": "high",
    "no_causal_path": "medium",
    "invalid_adjustment": "high",
    "mediator_in_adjustment": "high",
    "descendant_in_adjustment": "high",
    "collider_in_adjustment": "high",
    "latent_in_adjustment": "high",
    "no_valid_adjustment": "high",
    "latent_blocks_adjustment": "high",
    "front_door": "info",
    "instrument": "info",
    "valid_adjustment": "info",
    "minimal_adjustment_set": "info",
}

#: Most instruments `check_graph` reports when adjustment cannot identify the effect.
INSTRUMENT_REPORT_LIMIT = 5


def check_graph(
    graph: GraphLike,
    *,
    treatment: str | None = None,
    outcome: str | None = None,
    adjustment_set: Iterable[str] | None = None,
    data: DataOrTests | None = None,
) -> Critique:
    """Run every exact check on `graph` and return the findings as a `Critique`.

    Without a treatment and an outcome only structural checks (cycles) run. With them, the
    backdoor criterion is applied: the minimal valid adjustment sets are listed, the given
    `adjustment_set` (if any) is checked for mediators, other descendants of the treatment,
    colliders, unmeasured variables and open backdoor paths, and when no set of measured
    variables is valid the front-door criterion and instruments are tried. Findings carry a
    `SuggestedEdit` where one makes sense (remove the weakest edge of a cycle, replace an
    invalid adjustment set by a valid one). Latent variables are ``graph.latent``.

    A cyclic summary graph (``metadata["acyclic"]`` False, from ``suggest_graph(...,
    acyclic=False)``) keeps its loops on purpose, so it is refused rather than told to break
    them; so is a graph with undirected or bidirected edges when a treatment is given.

    Args:
        graph: a `CausalGraph` or a `networkx.DiGraph` (nodes with ``latent=True`` or
            DoWhy's ``observed="no"`` are latent).
        treatment, outcome: the effect of interest (both or neither).
        adjustment_set: the analyst's adjustment set, to check.
        data: a DataFrame to test the graph's implied independences against, or
            `ImplicationTests` from `test_implications` (for other settings).

    With `data`, each implied independence the data reject is a finding with source ``data``
    and kind ``implication_rejected``, carrying its test, p-value, adjusted p-value and effect
    size (``finding.implication_test``); all the tests are in ``critique.implication_tests``.

    Raises:
        InputError: a graph of another type (the message names the converters), only one
            of treatment and outcome, unknown names, treatment == outcome,
            a latent treatment or outcome, an adjustment set without a treatment and
            outcome, or data that do not fit the graph (a measured variable with no column).
        CyclicGraphError: a summary graph with feedback loops (the error names them).
        UnorientedEdgesError: unoriented edges, with a treatment and an outcome.

    Example:
        >>> graph = CausalGraph.from_edges(
        ...     ["treatment", "mediator", "outcome", "age"],
        ...     [("age", "treatment"), ("age", "outcome"), ("treatment", "mediator"),
        ...      ("mediator", "outcome")],
        ... )
        >>> critique = check_graph(graph, treatment="treatment", outcome="outcome",
        ...                        adjustment_set=["age", "mediator"])
        >>> [finding.kind for finding in critique.findings]
        ['mediator_in_adjustment', 'invalid_adjustment']
        >>> critique.findings[-1].edit.variables
        ('age',)
    """
    graph = as_causal_graph(graph)
    if (treatment is None) != (outcome is None):
        raise InputError("give both a treatment and an outcome, or neither")
    if graph.metadata.get("acyclic") is False:
        require_acyclic(graph, "check_graph")
    if treatment is not None:
        require_oriented(graph, "check_graph")
    adjustment = None if adjustment_set is None else tuple(dict.fromkeys(adjustment_set))
    if adjustment is not None and treatment is None:
        raise InputError("an adjustment set needs a treatment and an outcome")
    members = ((name, "adjustment variable") for name in adjustment or ())
    _require_names(graph, [(treatment, "treatment"), (outcome, "outcome"), *members])
    if treatment is not None and treatment == outcome:
        raise InputError(f"treatment and outcome are the same variable {treatment!r}")
    hidden = sorted({treatment, outcome} & set(graph.latent), key=str)
    if hidden:
        raise InputError(f"{hidden[0]!r} is latent (unmeasured): it must be observed")
    findings = _cycle_findings(graph, asked=treatment is not None, data=data is not None)
    extra: dict[str, Any] = {}
    if treatment is not None and outcome is not None and not findings:
        findings, extra = _identification_findings(graph, treatment, outcome, adjustment)
    if data is not None and graph.is_acyclic():
        tests = implication_tests_for(graph, data)
        findings += data_findings(tests)
        extra["implication_tests"] = tests
    ordered = sorted(findings, key=lambda finding: SEVERITY_ORDER.index(finding.severity))
    return Critique(
        graph=graph,
        treatment=treatment,
        outcome=outcome,
        adjustment_set=adjustment,
        findings=tuple(ordered),
        **extra,
    )


def _finding(kind: str, message: str, **fields: Any) -> Finding:
    return Finding(kind=kind, source="graph", severity=_SEVERITY[kind], message=message, **fields)


def _require_names(graph: CausalGraph, named: Iterable[tuple[str | None, str]]) -> None:
    known = set(graph.names)
    for name, role in named:
        if name is not None and name not in known:
            raise InputError(
                f"{role} {name!r} is not a variable of the graph; its variables are "
                f"{', '.join(repr(known_name) for known_name in graph.names[:12])}"
            )


# --------------------------------------------------------------------------- structure
def _cycle_findings(graph: CausalGraph, *, asked: bool, data: bool = False) -> list[Finding]:
    """One finding per cycle, suggesting to remove its least confident edge."""
    findings = []
    skipped_checks = " and ".join(
        name for name, skip in (("identification", asked), ("data", data)) if skip
    )
    skipped = (
        f" {skipped_checks.capitalize()} checks are skipped until the graph is acyclic."
        if skipped_checks
        else ""
    )
    for cycle in find_cycles(graph):
        edges = [
            graph.edge(source, target)
            for source, target in zip(cycle, [*cycle[1:], cycle[0]], strict=True)
        ]
        weakest = min(edges, key=lambda edge: edge.confidence)
        findings.append(
            _finding(
                "cycle",
                f"the graph has a cycle: {format_path([*cycle, cycle[0]])}.",
                rationale=(
                    "A causal graph must be acyclic; the least confident edge of the cycle is "
                    f"{weakest.source} -> {weakest.target} (confidence {weakest.confidence:.2f})."
                    + skipped
                ),
                variables=tuple(cycle),
                edit=SuggestedEdit(
                    action="remove_edge", source=weakest.source, target=weakest.target
                ),
            )
        )
    return findings


# --------------------------------------------------------------------------- identification
def _identification_findings(
    graph: CausalGraph, treatment: str, outcome: str, adjustment: tuple[str, ...] | None
) -> tuple[list[Finding], dict[str, Any]]:
    """Findings about identifying treatment -> outcome, and the Critique's adjustment fields."""
    network = graph.to_networkx()
    if nx.has_path(network, outcome, treatment):
        return [_reversed_question(graph, network, treatment, outcome)], {}
    findings: list[Finding] = []
    if not nx.has_path(network, treatment, outcome):
        findings.append(
            _finding(
                "no_causal_path",
                f"the graph has no directed path from {treatment!r} to {outcome!r}, so it "
                "implies the effect is zero.",
                variables=(treatment, outcome),
            )
        )
    sets = [tuple(sorted(found)) for found in valid_adjustment_sets(graph, treatment, outcome)]
    minimal = sets[0] if sets else None
    if minimal is None:
        findings += _unidentified_findings(graph, treatment, outcome)
    elif adjustment is None:
        findings.append(
            _finding(
                "minimal_adjustment_set",
                f"adjusting for {format_set(minimal)} blocks every backdoor path from "
                f"{treatment!r} to {outcome!r}.",
                rationale=f"{len(sets)} minimal valid adjustment set(s) found.",
                variables=minimal,
                edit=SuggestedEdit(action="set_adjustment", variables=minimal),
            )
        )
    if adjustment is not None:
        check = check_adjustment_set(graph, treatment, outcome, adjustment)
        findings += _adjustment_findings(graph, check, sets)
    return findings, {"valid_adjustment_sets": tuple(sets), "minimal_adjustment_set": minimal}


def _reversed_question(
    graph: CausalGraph, network: nx.DiGraph[str], treatment: str, outcome: str
) -> Finding:
    path = nx.shortest_path(network, outcome, treatment)
    direct = graph.has_edge(outcome, treatment)
    return _finding(
        "outcome_causes_treatment",
        f"the outcome {outcome!r} causes the treatment {treatment!r} "
        f"({format_path(path)}); the graph contradicts the question.",
        rationale="Check the direction of the edges on this path, or swap treatment and outcome.",
        variables=tuple(path),
        edit=SuggestedEdit(action="reverse_edge", source=outcome, target=treatment)
        if direct
        else None,
    )


def _unidentified_findings(graph: CausalGraph, treatment: str, outcome: str) -> list[Finding]:
    """Why no adjustment set works, and what identifies the effect instead."""
    blocking = latent_blocks_adjustment(graph, treatment, outcome)
    findings = [
        _finding(
            "latent_blocks_adjustment",
            f"unmeasured {format_set(blocking)} confound {treatment!r} and {outcome!r}: no set "
            "of measured variables blocks every backdoor path.",
            rationale="Measuring them would make adjustment possible.",
            variables=blocking,
        )
        if blocking
        else _finding(
            "no_valid_adjustment",
            f"no set of measured variables blocks every backdoor path from {treatment!r} to "
            f"{outcome!r}.",
            variables=(treatment, outcome),
        )
    ]
    findings += [
        _finding(
            "front_door",
            f"the front-door criterion holds through {format_set(mediators)}, which identifies "
            f"the effect of {treatment!r} on {outcome!r} without adjustment.",
            variables=mediators,
        )
        for mediators in front_door_sets(graph, treatment, outcome, limit=1)
    ]
    instruments = [
        name
        for name in graph.observed
        if name not in (treatment, outcome)
        and check_instrument(graph, name, treatment, outcome).valid
    ][:INSTRUMENT_REPORT_LIMIT]
    findings += [
        _finding(
            "instrument",
            f"{name!r} is a valid instrument for {treatment!r} -> {outcome!r} "
            "(relevant, excluded, unconfounded).",
            variables=(name,),
        )
        for name in instruments
    ]
    return findings


#: (AdjustmentCheck attribute, finding kind, message template with {members} and {treatment}).
_MEMBER_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (
        "mediators",
        "mediator_in_adjustment",
        "adjusting for {members}, on a causal path from {treatment!r}, blocks part of the effect.",
    ),
    (
        "other_descendants",
        "descendant_in_adjustment",
        "adjusting for {members}, caused by {treatment!r}, can bias the estimate.",
    ),
    (
        "colliders",
        "collider_in_adjustment",
        "conditioning on {members} opens a backdoor path through a collider.",
    ),
    ("latent", "latent_in_adjustment", "cannot adjust for unmeasured {members}."),
)


def _adjustment_findings(
    graph: CausalGraph, check: AdjustmentCheck, sets: list[tuple[str, ...]]
) -> list[Finding]:
    """Findings about the analyst's adjustment set; the summary carries the suggested fix."""
    shown = format_set(check.adjustment)
    if check.valid:
        smaller = [found for found in sets if len(found) < len(check.adjustment)]
        note = f" A smaller valid set is {format_set(smaller[0])}." if smaller else ""
        return [
            _finding(
                "valid_adjustment",
                f"{shown} is a valid adjustment set for {check.treatment!r} -> {check.outcome!r}.",
                rationale=check.explanation + note,
                variables=check.adjustment,
            )
        ]
    findings = [
        _finding(
            kind,
            template.format(members=format_set(members), treatment=check.treatment),
            variables=members,
        )
        for attribute, kind, template in _MEMBER_PROBLEMS
        if (members := getattr(check, attribute))
    ]
    replacement = _replacement(graph, check, sets)
    paths = "; ".join(check.open_path_text)
    findings.append(
        _finding(
            "invalid_adjustment",
            check.explanation,
            rationale=f"Open backdoor paths: {paths}." if paths else "",
            variables=check.adjustment,
            edit=None
            if replacement is None
            else SuggestedEdit(action="set_adjustment", variables=replacement),
        )
    )
    return findings


def _replacement(
    graph: CausalGraph, check: AdjustmentCheck, sets: list[tuple[str, ...]]
) -> tuple[str, ...] | None:
    """Return the valid set closest to the analyst's, or None when no set is valid.

    That is their set without its culprits (descendants, colliders, unmeasured variables)
    when this is valid, else the minimal valid set that shares most members with theirs.
    """
    culprits = {*check.descendants, *check.colliders, *check.latent}
    trimmed = tuple(name for name in check.adjustment if name not in culprits)
    if culprits and check_adjustment_set(graph, check.treatment, check.outcome, trimmed).valid:
        return trimmed
    if not sets:
        return None
    members = set(check.adjustment)
    return max(sets, key=lambda found: len(members & set(found)))
