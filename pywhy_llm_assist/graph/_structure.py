"""Structure checks of a causal graph: its directed cycles; refusing what a DAG tool cannot take.

A `CausalGraph` may be a cyclic summary graph (feedback loops kept by
``suggest_graph(..., acyclic=False)``) or hold unoriented edges (a CPDAG from PC). The DAG-only
tools (adjustment sets, the DoWhy hand-off, causal-learn background knowledge, DAGitty) call
`require_dag`, which raises a typed error naming the loops or the unoriented edges.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import networkx as nx

from ..core._errors import CyclicGraphError, UnorientedEdgesError

if TYPE_CHECKING:
    from ._causal_graph import CausalGraph

#: Most cycles `directed_cycles` returns (a dense feedback graph has very many).
CYCLE_LIMIT = 50
#: Most cycles or edges an error message names.
NAMED_IN_MESSAGES = 5


def directed_cycles(
    pairs: Iterable[tuple[str, str]], *, limit: int = CYCLE_LIMIT
) -> list[tuple[str, ...]]:
    """Up to `limit` simple directed cycles of the edges `pairs`, shortest first.

    Each cycle starts at its smallest name, so the same loop always reads the same; a two-way
    link ``a <-> b`` (both ``a -> b`` and ``b -> a``) is the cycle ``('a', 'b')``.

    Example:
        >>> directed_cycles([("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")])
        [('a', 'b'), ('a', 'b', 'c')]
    """
    network: nx.DiGraph[str] = nx.DiGraph()
    network.add_edges_from(pairs)
    if nx.is_directed_acyclic_graph(network):
        return []
    found = itertools.islice(nx.simple_cycles(network), limit * 5)
    cycles = {_rotated([str(node) for node in cycle]) for cycle in found}
    return sorted(cycles, key=lambda cycle: (len(cycle), cycle))[:limit]


def _rotated(cycle: list[str]) -> tuple[str, ...]:
    start = cycle.index(min(cycle))
    return tuple(cycle[start:] + cycle[:start])


def format_cycle(cycle: Sequence[str]) -> str:
    """``a -> b -> a`` for the cycle ``('a', 'b')``.

    Example:
        >>> format_cycle(("x", "y", "z"))
        'x -> y -> z -> x'
    """
    return " -> ".join([*cycle, cycle[0]])


def _listed(items: Sequence[str]) -> str:
    shown = "; ".join(items[:NAMED_IN_MESSAGES])
    more = len(items) - NAMED_IN_MESSAGES
    return shown + (f"; and {more} more" if more > 0 else "")


def require_acyclic(graph: CausalGraph, operation: str | None = None) -> None:
    """Raise `CyclicGraphError` naming the cycles of `graph`, if it has any.

    Args:
        graph: the graph to check.
        operation: what needs the DAG, for the message (``"to_causal_model"``).
    """
    cycles = directed_cycles(graph.edge_pairs)
    if not cycles:
        return
    named = _listed([format_cycle(cycle) for cycle in cycles])
    count = len(cycles)
    what = f"{count} cycle{'s' if count != 1 else ''}" if count > 1 else "a cycle"
    if operation is None:
        message = f"the graph has {what}: {named}; a causal graph must be acyclic"
    else:
        message = (
            f"{operation} needs an acyclic graph, but this one has {what} (feedback loops): "
            f"{named}. Keep the cyclic graph as a summary, and give {operation} a DAG: remove "
            "or reverse an edge of each loop (for example in review)"
        )
    raise CyclicGraphError(message, cycles=cycles)


def require_oriented(graph: CausalGraph, operation: str) -> None:
    """Raise `UnorientedEdgesError` naming the undirected and bidirected edges, if any."""
    if not graph.undirected:
        return
    named = _listed([f"{edge.first} {edge.symbol} {edge.second}" for edge in graph.undirected])
    count = len(graph.undirected)
    raise UnorientedEdgesError(
        f"{operation} needs every edge oriented, but {count} edge{'s are' if count != 1 else ' is'}"
        f" not: {named}. Orient them (on the review page, or with domain knowledge) first",
        edges=[edge.pair for edge in graph.undirected],
    )


def require_dag(graph: CausalGraph, operation: str) -> None:
    """Raise a `NotADagError` subclass unless `graph` is a DAG with every edge oriented.

    Example:
        >>> from pywhy_llm_assist import CausalGraph
        >>> loop = CausalGraph.from_edges(["a", "b"], [("a", "b"), ("b", "a")],
        ...                               check_acyclic=False)
        >>> try:
        ...     require_dag(loop, "to_dowhy_graph")
        ... except CyclicGraphError as error:
        ...     print(error.cycles)
        (('a', 'b'),)
    """
    require_acyclic(graph, operation)
    require_oriented(graph, operation)
