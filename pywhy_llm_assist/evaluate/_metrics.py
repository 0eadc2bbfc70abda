"""Metrics of a proposed causal graph against a ground-truth graph.

Every metric is a plain function of two edge sets, so the same numbers come out whether the
graphs are `CausalGraph` objects or `networkx.DiGraph` objects.

Definitions (``P`` the predicted directed edges, ``T`` the true ones; an *adjacency* is an
unordered pair joined by an edge in either direction):

* edge precision, recall and F1: over directed edges; a reversed edge is both a false
  positive and a false negative.
* skeleton precision, recall and F1: over adjacencies, direction ignored.
* orientation accuracy: among adjacencies present in both graphs, the share the prediction
  orients as the truth does (an adjacency the prediction has in both directions counts as
  wrongly oriented); ``None`` when the graphs share no adjacency.
* structural Hamming distance (SHD): the number of adjacencies whose state differs, where a
  state is "absent", "a -> b", "b -> a", "both" (a two-way link of a cyclic summary graph),
  "a --- b" (undirected) or "a <-> b" (bidirected): a missing edge, an extra edge and a
  reversed edge each count 1, and so does an edge left unoriented where the other graph
  orients it.
* unoriented edges (a CPDAG from PC, or edges left for review) predict an adjacency but no
  direction: they count in the skeleton scores and in SHD, and in the directed scores they
  are neither true nor false positives (so they lower recall, not precision).
* normalised Hamming distance (`normalized_hamming_distance`): the share of the n(n-1)
  ordered pairs whose directed entry differs; it reads cyclic graphs as they are (a two-way
  link is two entries) and an unoriented edge as both entries.
* topological-order divergence (Vashishtha et al. 2025, "Causal order: the key to leveraging
  imperfect experts in causal inference", ICLR): the number of true edges ``a -> b`` such that
  ``b`` comes before ``a`` in a topological order of the prediction. A causal order is all an
  adjustment set needs, so this counts the true edges the prediction's order gets wrong. The
  order is Kahn's algorithm with ties broken by variable name (so the result never depends on
  the order variables were listed in); ``None`` when the prediction has a cycle.

A zero denominator gives 1.0 when both graphs have no edges and 0.0 otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import networkx as nx
from pydantic import BaseModel, ConfigDict

from ..core._errors import InputError
from ..graph._causal_graph import CausalGraph

GraphInput: TypeAlias = "CausalGraph | nx.DiGraph[Any]"
Pair = tuple[str, str]


class GraphComparison(BaseModel):
    """How a predicted graph compares with the true graph (see the module docstring).

    Attributes:
        precision, recall, f1: over directed edges.
        skeleton_precision, skeleton_recall, skeleton_f1: over adjacencies (direction ignored).
        orientation_accuracy: share of shared adjacencies oriented correctly (None if none).
        shd: structural Hamming distance (missing + extra + reversed).
        topological_order_divergence: true edges the prediction's topological order violates
            (None when the prediction is cyclic).
        true_positives: directed edges in both graphs.
        false_positives: predicted directed edges not in the truth.
        false_negatives: true directed edges not predicted.
        missing: true adjacencies the prediction lacks.
        extra: predicted adjacencies the truth lacks.
        reversed: shared adjacencies oriented differently (including one side unoriented).
        predicted_edges, true_edges: directed edge counts.
        unoriented: the prediction's undirected and bidirected edges.
        ignored_latent: latent nodes of the prediction that the truth lacks (left out).

    Example:
        >>> truth = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
        >>> guess = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("c", "b")])
        >>> result = compare_graphs(guess, truth)
        >>> result.f1, result.skeleton_f1, result.shd
        (0.5, 1.0, 1)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    precision: float
    recall: float
    f1: float
    skeleton_precision: float
    skeleton_recall: float
    skeleton_f1: float
    orientation_accuracy: float | None
    shd: int
    topological_order_divergence: int | None
    true_positives: int
    false_positives: int
    false_negatives: int
    missing: int
    extra: int
    reversed: int
    predicted_edges: int
    true_edges: int
    unoriented: int = 0
    ignored_latent: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Edges:
    nodes: tuple[str, ...]
    latent: frozenset[str]
    edges: frozenset[Pair]
    open: Mapping[frozenset[str], str]  # unoriented adjacency -> "undirected" or "bidirected"


def _read(graph: Any, role: str) -> _Edges:
    if isinstance(graph, CausalGraph):
        unoriented = {frozenset(edge.pair): edge.kind for edge in graph.undirected}
        return _Edges(graph.names, frozenset(graph.latent), frozenset(graph.edge_pairs), unoriented)
    if isinstance(graph, nx.DiGraph):
        nodes = tuple(str(node) for node in graph.nodes)
        latent = frozenset(str(node) for node, data in graph.nodes(data=True) if data.get("latent"))
        edges = frozenset((str(source), str(target)) for source, target in graph.edges)
        listed = graph.graph.get("undirected") or ()
        kinds = {frozenset((str(item[0]), str(item[1]))): str(item[2]) for item in listed}
        return _Edges(nodes, latent, edges, kinds)
    raise InputError(
        f"the {role} graph must be a CausalGraph or a networkx.DiGraph, not {type(graph).__name__}"
    )


def _ratio(numerator: int, denominator: int, both_empty: bool) -> float:
    if denominator == 0:
        return 1.0 if both_empty else 0.0
    return numerator / denominator


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def _skeleton(edges: Iterable[Pair]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(pair) for pair in edges)


def _state(graph: _Edges, edges: frozenset[Pair], first: str, second: str) -> tuple[object, ...]:
    kind = graph.open.get(frozenset((first, second)))
    if kind is not None:
        return (kind,)
    return ((first, second) in edges, (second, first) in edges)


def topological_order(graph: nx.DiGraph[str]) -> list[str] | None:
    """A topological order of `graph` with ties broken by name; None if it has a cycle.

    Example:
        >>> topological_order(nx.DiGraph([("b", "a"), ("c", "a")]))
        ['b', 'c', 'a']
    """
    try:
        return [str(node) for node in nx.lexicographical_topological_sort(graph, key=str)]
    except nx.NetworkXUnfeasible:
        return None


def order_divergence(order: Iterable[str], true_edges: Iterable[Pair]) -> int:
    """Count true edges ``a -> b`` whose effect ``b`` comes before ``a`` in `order`.

    Nodes missing from `order` are placed after all others, in name order.

    Example:
        >>> order_divergence(["c", "b", "a"], [("a", "b"), ("b", "c")])
        2
    """
    position = {name: index for index, name in enumerate(order)}
    edges = list(true_edges)
    missing = sorted({name for pair in edges for name in pair} - set(position))
    for name in missing:
        position[name] = len(position)
    return sum(1 for source, target in edges if position[target] < position[source])


def compare_graphs(predicted: GraphInput, truth: GraphInput) -> GraphComparison:
    """Compare a predicted causal graph with the true one.

    Latent nodes of the prediction that the truth lacks (for example an unmeasured confounder
    the assistant proposed) are left out with their edges, and listed in ``ignored_latent``;
    any other predicted node the truth lacks is an error. True nodes the prediction lacks are
    taken as isolated.

    Args:
        predicted: the graph to score (a `CausalGraph` or a `networkx.DiGraph`, which may have
            cycles).
        truth: the ground truth.

    Returns:
        A `GraphComparison`; see the module docstring for each definition.

    Raises:
        InputError: a predicted observed node is not in the truth.

    Example:
        >>> truth = CausalGraph.from_edges(["a", "b"], [("a", "b")])
        >>> compare_graphs(truth, truth).f1
        1.0
    """
    guess = _read(predicted, "predicted")
    real = _read(truth, "true")
    known = set(real.nodes)
    ignored = tuple(node for node in guess.nodes if node not in known and node in guess.latent)
    unknown = [node for node in guess.nodes if node not in known and node not in guess.latent]
    if unknown:
        raise InputError(
            f"the predicted graph has variables the true graph lacks: {unknown[:8]!r}; compare "
            "graphs over the same variables (renamed graphs against the renamed truth)"
        )
    dropped = set(ignored)
    predicted_edges = frozenset(
        pair for pair in guess.edges if pair[0] not in dropped and pair[1] not in dropped
    )
    predicted_open = frozenset(key for key in guess.open if not key & dropped)
    true_edges = real.edges
    both_empty = not predicted_edges and not true_edges and not predicted_open and not real.open

    true_positives = len(predicted_edges & true_edges)
    precision = _ratio(true_positives, len(predicted_edges), both_empty)
    recall = _ratio(true_positives, len(true_edges), both_empty)

    predicted_skeleton = _skeleton(predicted_edges) | predicted_open
    true_skeleton = _skeleton(true_edges) | frozenset(real.open)
    shared = predicted_skeleton & true_skeleton
    skeleton_precision = _ratio(len(shared), len(predicted_skeleton), both_empty)
    skeleton_recall = _ratio(len(shared), len(true_skeleton), both_empty)

    reversed_count = 0
    for adjacency in shared:
        first, second = sorted(adjacency)
        if _state(guess, predicted_edges, first, second) != _state(real, true_edges, first, second):
            reversed_count += 1
    missing = len(true_skeleton - predicted_skeleton)
    extra = len(predicted_skeleton - true_skeleton)

    network: nx.DiGraph[str] = nx.DiGraph()
    network.add_nodes_from(real.nodes)
    network.add_edges_from(predicted_edges)
    order = topological_order(network)

    return GraphComparison(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        skeleton_precision=skeleton_precision,
        skeleton_recall=skeleton_recall,
        skeleton_f1=_f1(skeleton_precision, skeleton_recall),
        orientation_accuracy=(len(shared) - reversed_count) / len(shared) if shared else None,
        shd=missing + extra + reversed_count,
        topological_order_divergence=(
            order_divergence(order, true_edges) if order is not None else None
        ),
        true_positives=true_positives,
        false_positives=len(predicted_edges) - true_positives,
        false_negatives=len(true_edges) - true_positives,
        missing=missing,
        extra=extra,
        reversed=reversed_count,
        predicted_edges=len(predicted_edges),
        true_edges=len(true_edges),
        unoriented=len(predicted_open),
        ignored_latent=ignored,
    )


def normalized_hamming_distance(predicted: GraphInput, truth: GraphInput) -> float:
    """The share of ordered pairs ``(a, b)`` on which the two graphs' ``a -> b`` entries differ.

    Counts over the n(n-1) ordered pairs of the truth's variables, so a cyclic summary graph is
    read as it is: a two-way link is two entries, and an edge dropped to break a loop counts.
    An unoriented edge counts as both entries (the adjacency without a direction). 0 is the
    same graph; predicting no edge at all scores (true entries) / n(n-1).

    Example:
        >>> truth = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "a")],
        ...                                check_acyclic=False)
        >>> guess = CausalGraph.from_edges(["a", "b", "c"], [("a", "b")])
        >>> round(normalized_hamming_distance(guess, truth), 3)
        0.167
    """
    guess = _read(predicted, "predicted")
    real = _read(truth, "true")
    unknown = sorted(set(guess.nodes) - set(real.nodes) - guess.latent)
    if unknown:
        raise InputError(f"the predicted graph has variables the true graph lacks: {unknown[:8]!r}")
    count = len(real.nodes)
    if count < 2:
        return 0.0
    known = set(real.nodes)

    def entries(graph: _Edges) -> set[Pair]:
        pairs = {pair for pair in graph.edges if pair[0] in known and pair[1] in known}
        for key in graph.open:
            first, second = sorted(key)
            if first in known and second in known:
                pairs |= {(first, second), (second, first)}
        return pairs

    return len(entries(guess) ^ entries(real)) / (count * (count - 1))
