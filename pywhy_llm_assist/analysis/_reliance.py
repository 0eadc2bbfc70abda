"""What the estimate relies on: the single changes to the graph that break its identification.

How "relies on" is computed (used by `build_ledger`):

1. The identification the report used is a check on the graph: for backdoor adjustment, no
   member of the adjustment set descends from the treatment and the set blocks every backdoor
   path; for an instrument, relevance, exclusion and independence; for the front door, the
   four conditions of the criterion (the exact checks of `identify`).
2. A statement of the graph is *critical* when one change to it alone makes that check fail:
   for an edge ``a -> b``, deleting it or reversing it; for a pair with no edge, adding
   ``a -> b`` or ``b -> a``. A change that would make the graph cyclic is not considered. Every
   pair and every edge is tried, each with one d-separation test (a few milliseconds for a
   40-variable graph); the row says which change breaks the check and how.
3. Edges that carry the effect (on a directed path treatment -> ... -> outcome, found exactly
   from descendants and ancestors) and, for backdoor adjustment, edges on the confounding paths
   the set blocks (backdoor paths open when nothing is conditioned on) are rows as well, though
   changing one alone leaves the identification valid: they are why the set holds what it
   holds, and why the effect is what it is. Confounding paths are enumerated shortest first,
   at most `PATH_LIMIT` of them, so in a graph with more paths some long ones are left out
   (critical rows are exact whatever the graph).
4. The assumptions no data can test come last: no unmeasured confounding beyond the graph (the
   sensitivity analysis is its evidence), the estimator's own model, and the standard ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, TypeAlias, cast

import networkx as nx

from ..graph._causal_graph import CausalGraph
from ..identify._identification import check_adjustment_set
from ..identify._role_checks import check_front_door, check_instrument
from ._results import Identification

PATH_LIMIT = 500
"""Most paths between treatment and outcome examined for confounding paths."""


Problem: TypeAlias = "Callable[[nx.DiGraph[str]], str | None]"
"""The identification's check: None when it holds on a graph, else why it fails."""


def identification_check(
    identification: Identification, treatment: str, outcome: str, latent: frozenset[str]
) -> Problem:
    """The check behind `identification`, as a function of the graph (see the module doc)."""
    members = set(identification.variables)
    if identification.estimand == "iv":

        def instruments_fail(network: nx.DiGraph[str]) -> str | None:
            for name in identification.instruments:
                check = check_instrument(network, name, treatment, outcome, latent)
                for verdict in (check.relevance, check.exclusion, check.independence):
                    if not verdict.holds:
                        return verdict.explanation
            return None

        return instruments_fail
    if identification.estimand == "frontdoor":

        def front_door_fails(network: nx.DiGraph[str]) -> str | None:
            check = check_front_door(network, treatment, outcome, members, latent)
            return None if check.valid else _front_door_text(check)

        return front_door_fails

    def backdoor_fails(network: nx.DiGraph[str]) -> str | None:
        descendants = set(nx.descendants(network, treatment))
        hidden = cast(
            "nx.DiGraph[str]", nx.restricted_view(network, [], list(network.out_edges(treatment)))
        )
        if not members & descendants and nx.is_d_separator(hidden, treatment, outcome, members):
            return None
        return check_adjustment_set(network, treatment, outcome, members, latent).explanation

    return backdoor_fails


def _front_door_text(check: Any) -> str:
    conditions = (
        check.intercepts,
        check.no_treatment_confounding,
        check.outcome_confounding_blocked,
        check.observed,
    )
    return str(next(item.explanation for item in conditions if not item.holds))


def _changes(
    network: nx.DiGraph[str], order: dict[str, int]
) -> Iterator[tuple[str, tuple[str, str], str, tuple[str, str] | None, tuple[str, str] | None]]:
    """Every single change: (kind, pair, wording, edge removed, edge added), acyclic ones only.

    The graph is changed in place and restored after each test.
    """
    for source, target in list(network.edges):
        yield "edge", (source, target), "without it", (source, target), None
        network.remove_edge(source, target)
        cyclic = nx.has_path(network, source, target)
        network.add_edge(source, target)
        if not cyclic:
            reversal = f"reversed ({target} -> {source})"
            yield "edge", (source, target), reversal, (source, target), (target, source)
    names = sorted(network, key=order.__getitem__)
    for first, second in itertools.combinations(names, 2):
        if network.has_edge(first, second) or network.has_edge(second, first):
            continue
        for cause, effect in ((first, second), (second, first)):
            if not nx.has_path(network, effect, cause):
                yield "no_edge", (first, second), f"with {cause} -> {effect}", None, (cause, effect)


def critical_changes(
    graph: CausalGraph, problem: Problem
) -> dict[tuple[str, tuple[str, str]], list[str]]:
    """(kind, pair) -> the changes that break the identification, each with why."""
    network = graph.to_networkx()
    order = {name: index for index, name in enumerate(graph.names)}
    found: dict[tuple[str, tuple[str, str]], list[str]] = {}
    for kind, pair, wording, removed, added in _changes(network, order):
        if removed is not None:
            network.remove_edge(*removed)
        if added is not None:
            network.add_edge(*added)
        try:
            why = problem(network)
        finally:
            if added is not None:
                network.remove_edge(*added)
            if removed is not None:
                network.add_edge(*removed)
        if why is not None:
            found.setdefault((kind, pair), []).append(f"{wording}: {why}")
    return found


def effect_edges(network: nx.DiGraph[str], treatment: str, outcome: str) -> set[tuple[str, str]]:
    """Edges on a directed path treatment -> ... -> outcome (exact)."""
    starts = {treatment} | set(nx.descendants(network, treatment))
    ends = {outcome} | set(nx.ancestors(network, outcome))
    return {(a, b) for a, b in network.edges if a in starts and b in ends}


def confounding_paths(
    network: nx.DiGraph[str], treatment: str, outcome: str
) -> list[tuple[str, ...]]:
    """Backdoor paths open given nothing (no collider), shortest first, at most `PATH_LIMIT`."""
    skeleton = network.to_undirected(as_view=True)
    if not nx.has_path(skeleton, treatment, outcome):
        return []
    found = []
    for path in itertools.islice(
        nx.shortest_simple_paths(skeleton, treatment, outcome), PATH_LIMIT
    ):
        if len(path) < 3 or not network.has_edge(path[1], treatment):
            continue
        colliders = any(
            network.has_edge(before, node) and network.has_edge(after, node)
            for before, node, after in zip(path, path[1:], path[2:], strict=False)
        )
        if not colliders:
            found.append(tuple(path))
    return found
