"""The independences a graph implies: one per non-adjacent pair of measured variables.

For each pair of measured variables with no edge between them, the graph implies that they
are independent given some set of measured variables, if such a set exists. We take one
*minimal* separating set (networkx's `find_minimal_d_separator`, restricted to measured
variables), so the number of implications grows with the missing edges, not with all subsets
of variables. A pair that no set of measured variables separates (a latent variable opens a
path between them) is untestable from the data and is listed as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from ..graph._causal_graph import CausalGraph


@dataclass(frozen=True)
class Implication:
    """The claim ``x ⊥ y | given`` that a graph makes."""

    x: str
    y: str
    given: tuple[str, ...]


@dataclass(frozen=True)
class Unseparable:
    """A non-adjacent pair that no set of measured variables d-separates."""

    x: str
    y: str
    reason: str


def implied_independences(
    graph: CausalGraph,
) -> tuple[list[Implication], list[Unseparable]]:
    """Every implication of `graph`, and the non-adjacent pairs that have none.

    Pairs follow the order of `graph.variables`; each separating set is sorted in that order.

    Example:
        >>> graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
        >>> implied_independences(graph)[0]
        [Implication(x='a', y='c', given=('b',))]
    """
    network = graph.to_networkx()
    observed = graph.observed
    position = {name: index for index, name in enumerate(graph.names)}
    latent = set(graph.latent)
    implications: list[Implication] = []
    unseparable: list[Unseparable] = []
    for index, x in enumerate(observed):
        for y in observed[index + 1 :]:
            if network.has_edge(x, y) or network.has_edge(y, x):
                continue
            allowed = set(observed) - {x, y}
            separator = nx.find_minimal_d_separator(network, x, y, restricted=allowed)
            if separator is None:
                unseparable.append(Unseparable(x, y, _why_unseparable(network, x, y, latent)))
                continue
            given = tuple(sorted(separator, key=position.__getitem__))
            implications.append(Implication(x, y, given))
    return implications, unseparable


def _why_unseparable(network: nx.DiGraph[str], x: str, y: str, latent: set[str]) -> str:
    shared = sorted(
        name for name in latent if network.has_edge(name, x) and network.has_edge(name, y)
    )
    if shared:
        return f"the unmeasured {shared[0]!r} causes both; no measured set separates them"
    return "a path through unmeasured variables connects them; no measured set separates them"


def is_implied(graph: CausalGraph, implication: Implication) -> bool:
    """True if `graph` still d-separates ``x`` and ``y`` given the implication's set.

    Example:
        >>> claim = Implication("a", "c", ("b",))
        >>> is_implied(CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")]), claim)
        True
        >>> is_implied(CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c"),
        ...                                                    ("a", "c")]), claim)
        False
    """
    network = graph.to_networkx()
    names: Iterable[str] = (implication.x, implication.y, *implication.given)
    if any(name not in network for name in names):
        return False
    return bool(
        nx.is_d_separator(network, {implication.x}, {implication.y}, set(implication.given))
    )
