"""Bring a causal-learn result back: a CPDAG from PC (or any ``GeneralGraph``) as a `CausalGraph`.

causal-learn marks each end of an edge with an ``Endpoint``: ``TAIL`` and ``ARROW`` give
``a --> b``; two tails, ``a --- b`` (undirected: the data cannot orient it); two arrowheads,
``a <-> b`` (PC found colliders into both ends). Undirected and bidirected edges become
`UndirectedEdge` objects, kept for review and never oriented silently. Circle marks (``o->``,
``o-o``: a PAG from FCI) have another meaning and are refused.

An edge the analyst required but PC removed (PC's background knowledge orients edges; it cannot
stop the skeleton search from removing one) is not lost: it is put back as a required edge whose
rationale says what the data found, and listed in ``metadata["required_removed_by_data"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..core._errors import GraphFormatError, InputError
from ..core._variables import Variables, VariablesLike
from ._causal_graph import (
    CausalGraph,
    DroppedEdge,
    Edge,
    Provenance,
    UndirectedEdge,
    UndirectedKind,
)
from ._pdag import Pdag

Pair = tuple[str, str]
LABEL = "causal-learn graph"


def _general_graph(result: Any) -> Any:
    """The ``GeneralGraph`` inside a PC result (``cg.G``), an FCI tuple, or the graph itself."""
    if isinstance(result, tuple) and result:
        result = result[0]
    graph = getattr(result, "G", result)
    if not callable(getattr(graph, "get_graph_edges", None)) or not callable(
        getattr(graph, "get_nodes", None)
    ):
        raise GraphFormatError(
            f"{LABEL}: expected the result of causal-learn's pc() (a CausalGraph with .G) or a "
            f"GeneralGraph, not {type(result).__name__}"
        )
    return graph


def _names(nodes: Sequence[str], variables: VariablesLike | None) -> tuple[dict[str, str], Any]:
    """Map causal-learn node names to variable names, and the variables to build."""
    if variables is None:
        return {name: name for name in nodes}, Variables(list(nodes))
    collection = Variables(variables)
    if set(nodes) <= set(collection.names):
        return {name: name for name in nodes}, collection
    default = [f"X{position + 1}" for position in range(len(nodes))]
    if list(nodes) == default and len(collection) == len(nodes):
        # pc(data) without node_names calls the columns X1 .. Xn: map them by position.
        return dict(zip(default, collection.names, strict=True)), collection
    unknown = sorted(set(nodes) - set(collection.names))[:5]
    raise GraphFormatError(
        f"{LABEL}: nodes {unknown} are not among the variables given; give the variables in "
        "the data's column order (or call pc with node_names=columns)"
    )


def _endpoint(mark: Any) -> str:
    return str(getattr(mark, "name", mark)).upper()


def _sepset_note(result: Any, positions: Mapping[str, int], pair: Pair) -> str:
    """What PC found about a removed pair: the separating set(s) it recorded, if any."""
    sepsets = getattr(result, "sepset", None)
    names = {index: name for name, index in positions.items()}
    try:
        recorded = sepsets[positions[pair[0]], positions[pair[1]]]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return ""
    if not recorded:
        return ""
    sets = sorted(
        {tuple(sorted(names[int(item)] for item in group)) for group in recorded},
        key=lambda group: (len(group), group),
    )
    smallest = sets[0]  # the smallest separating set PC recorded says the most
    shown = "{" + ", ".join(smallest) + "}" if smallest else "no other variable"
    return f"; the data found them independent given {shown}"


def from_causallearn(
    result: Any,
    variables: VariablesLike | None = None,
    *,
    required: Iterable[Sequence[str]] = (),
) -> CausalGraph:
    """Build a `CausalGraph` from a causal-learn result, keeping its undirected edges.

    Args:
        result: what causal-learn's ``pc(...)`` returns (its ``.G`` is read; its ``sepset``
            explains removed edges), or a ``GeneralGraph``.
        variables: the variables (names, a dict name -> description, or `Variable` objects)
            with their descriptions. Nodes named ``X1 .. Xn`` (``pc(data)`` without
            ``node_names``) are mapped to them by position; default: the node names.
        required: ``(cause, effect)`` pairs the analyst requires. Each one PC left undirected
            or reversed is oriented as required (PC's opposite direction goes to ``dropped``);
            each one PC removed comes back as a required edge and is listed in
            ``metadata["required_removed_by_data"]``.

    Returns:
        A graph whose directed edges are in `edges` and whose ``---`` and ``<->`` edges are in
        `undirected` (provenance origin ``data``).

    Raises:
        GraphFormatError: not a causal-learn graph, node names that fit no variable, or a
            PAG's circle marks.

    Example:
        >>> from causallearn.search.ConstraintBased.PC import pc  # doctest: +SKIP
        >>> result = pc(frame.to_numpy(), node_names=list(frame.columns))  # doctest: +SKIP
        >>> graph = from_causallearn(result, variables)  # doctest: +SKIP
        >>> graph.undirected_pairs  # doctest: +SKIP
        [('rain', 'sprinkler')]
    """
    general = _general_graph(result)
    nodes = [str(node.get_name()) for node in general.get_nodes()]
    mapping, collection = _names(nodes, variables)
    positions = {mapping[name]: index for index, name in enumerate(nodes)}
    provenance = (Provenance(origin="data", note="causal-learn"),)
    edges: dict[Pair, Edge] = {}
    unoriented: dict[frozenset[str], UndirectedEdge] = {}
    for item in general.get_graph_edges():
        first = mapping[str(item.get_node1().get_name())]
        second = mapping[str(item.get_node2().get_name())]
        marks = (_endpoint(item.get_endpoint1()), _endpoint(item.get_endpoint2()))
        reader = _EDGE_READERS.get(marks)
        if reader is None:
            raise GraphFormatError(
                f"{LABEL}: the edge between {first!r} and {second!r} has the end marks "
                f"{marks[0].lower()} and {marks[1].lower()} of a PAG (FCI); only a CPDAG "
                "(tails and arrowheads) can be read"
            )
        reader(first, second, provenance, edges, unoriented)
    graph = CausalGraph(
        variables=tuple(collection),
        edges=tuple(edges.values()),
        undirected=tuple(unoriented.values()),
        metadata={"source": "causal-learn"},
    )
    return _with_required(graph, collection, required, result, positions)


_Reader = Callable[
    [str, str, tuple[Provenance, ...], dict[Pair, Edge], dict[frozenset[str], UndirectedEdge]],
    None,
]


def _forward(first: str, second: str, provenance: Any, edges: Any, unoriented: Any) -> None:
    edges[(first, second)] = Edge(source=first, target=second, provenance=provenance)


def _backward(first: str, second: str, provenance: Any, edges: Any, unoriented: Any) -> None:
    edges[(second, first)] = Edge(source=second, target=first, provenance=provenance)


def _open(kind: UndirectedKind) -> _Reader:
    def read(first: str, second: str, provenance: Any, edges: Any, unoriented: Any) -> None:
        unoriented[frozenset((first, second))] = UndirectedEdge(
            first=first, second=second, kind=kind, provenance=provenance
        )

    return read


_EDGE_READERS: dict[tuple[str, str], _Reader] = {
    ("TAIL", "ARROW"): _forward,
    ("ARROW", "TAIL"): _backward,
    ("TAIL", "TAIL"): _open("undirected"),
    ("ARROW", "ARROW"): _open("bidirected"),
}


def _propagate(
    names: Sequence[str],
    edges: dict[Pair, Edge],
    unoriented: dict[frozenset[str], UndirectedEdge],
) -> None:
    """Orient what Meek's rules draw from the required edges (in place)."""
    open_edges = [edge for edge in unoriented.values() if edge.kind == "undirected"]
    pdag = Pdag.build(
        names,
        directed=edges,
        undirected=[edge.pair for edge in open_edges],
        fixed=[edge.pair for edge in unoriented.values() if edge.kind == "bidirected"],
    )
    for source, target in pdag.apply_meek():
        edge = unoriented.pop(frozenset((source, target)))
        note = Provenance(origin="data", note="implied by Meek's rules from the required edges")
        edges[(source, target)] = Edge(
            source=source,
            target=target,
            confidence=edge.confidence,
            rationale="the data left it open; the required edges and Meek's rules orient it",
            provenance=(*edge.provenance, note),
        )


def _with_required(
    graph: CausalGraph,
    collection: Variables,
    required: Iterable[Sequence[str]],
    result: Any,
    positions: Mapping[str, int],
) -> CausalGraph:
    pairs = []
    for item in required:
        if isinstance(item, str) or len(item) != 2:
            raise InputError(f"each required edge must be a (cause, effect) pair, got {item!r}")
        pairs.append((str(item[0]), str(item[1])))
    collection.require({name for pair in pairs for name in pair}, role="required edge variable")
    if not pairs:
        return graph
    edges = {edge.pair: edge for edge in graph.edges}
    unoriented = {frozenset(edge.pair): edge for edge in graph.undirected}
    dropped = list(graph.dropped)
    removed: list[list[str]] = []
    stamp = Provenance(origin="required")
    for source, target in pairs:
        if (source, target) in edges:
            edge = edges[(source, target)]
            edges[(source, target)] = edge.model_copy(
                update={"provenance": (*edge.provenance, stamp)}
            )
            continue
        opposite = edges.pop((target, source), None)
        if opposite is not None:
            dropped.append(
                DroppedEdge(
                    edge=opposite,
                    reason="conflict",
                    detail="PC oriented it against a required edge",
                    reversed=True,
                )
            )
        open_edge = unoriented.pop(frozenset((source, target)), None)
        if open_edge is not None or opposite is not None:
            rationale = "required by the analyst; the data left the direction open"
            if opposite is not None:
                rationale = "required by the analyst; PC oriented it the other way"
            origins = (open_edge or opposite).provenance  # type: ignore[union-attr]
            edges[(source, target)] = Edge(
                source=source,
                target=target,
                rationale=rationale,
                provenance=(*origins, stamp),
            )
            continue
        note = _sepset_note(result, positions, (source, target))
        removed.append([source, target])
        edges[(source, target)] = Edge(
            source=source,
            target=target,
            votes=0,
            asked=0,
            rationale=f"required by the analyst; PC removed this adjacency{note}",
            provenance=(stamp,),
        )
    _propagate(graph.names, edges, unoriented)
    metadata = dict(graph.metadata)
    if removed:
        metadata["required_removed_by_data"] = removed
    return CausalGraph(
        variables=graph.variables,
        edges=tuple(edges.values()),
        undirected=tuple(unoriented.values()),
        dropped=tuple(dropped),
        metadata=metadata,
    )
