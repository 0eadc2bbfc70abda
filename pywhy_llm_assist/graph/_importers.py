"""Read causal graphs from networkx, DOT, GML, DAGitty and edge lists.

Every reader returns a `CausalGraph` whose edges carry ``Provenance(origin="import")`` and
raises `GraphFormatError` (one line saying what is wrong) on bad input and undirected graphs.
A cycle is an error too, unless ``acyclic=False`` asks for a summary graph that keeps its
feedback loops. Unoriented edges come back as `UndirectedEdge` where the format can say so:
DOT ``dir="none"`` / ``dir="both"``, a GML or networkx edge with ``kind`` ``undirected`` /
``bidirected``, DAGitty's ``pdag { a -- b }``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeAlias, cast, get_args

import networkx as nx
from pydantic import ValidationError

from ..core._errors import GraphFormatError, InputError
from ..core._json_file import read_text_or_path
from ..core._variables import Variable, Variables, VariablesLike, VariableType, normalized_name
from ._causal_graph import CausalGraph, Edge, Provenance, UndirectedEdge, UndirectedKind
from ._syntax import DAGITTY, DOT, FLAG_VALUE, ParsedEdge, parse, shorten

TRUE_WORDS = frozenset({"true", "yes", "1", "y", "t"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", "f", ""})
VARIABLE_TYPES = frozenset(get_args(VariableType))
DAGITTY_LATENT_FLAGS = ("latent", "unobserved")
DAGITTY_ROLE_FLAGS = ("exposure", "outcome", "adjusted", "selected")
UNDIRECTED_KINDS: tuple[UndirectedKind, ...] = ("undirected", "bidirected")
DOT_DIRECTIONS: dict[str, UndirectedKind] = {"none": "undirected", "both": "bidirected"}


@dataclass
class _Draft:
    """Variables and edges collected from a file, before validation."""

    label: str
    note: str
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    undirected: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def add_variable(self, name: object, **fields: Any) -> str:
        text = (name if isinstance(name, str) else str(name)).strip()  # as `Variable` does
        self.variables.setdefault(text, {}).update(fields)
        return text

    def add_edge(self, source: str, target: str, **fields: Any) -> None:
        pair = (self.add_variable(source), self.add_variable(target))
        self.edges.setdefault(pair, {}).update(fields)

    def add_undirected(self, first: str, second: str, kind: UndirectedKind, **fields: Any) -> None:
        pair = (self.add_variable(first), self.add_variable(second))
        if (pair[1], pair[0]) in self.undirected:
            pair = (pair[1], pair[0])
        self.undirected.setdefault(pair, {}).update(fields, kind=kind)

    def build(self, *, acyclic: bool = True, check_acyclic: bool = True) -> CausalGraph:
        """The graph. `acyclic` False: a summary graph that keeps its loops (``metadata["acyclic"]``
        False); `check_acyclic` False: keep a cycle without that mark (the checks report it)."""
        if not self.variables:
            raise GraphFormatError(f"{self.label}: the graph has no nodes")
        provenance = (Provenance(origin="import", note=self.note),)
        if not acyclic:
            self.metadata["acyclic"] = False
        try:
            variables = tuple(
                Variable(name=name, **fields) for name, fields in self.variables.items()
            )
            edges = tuple(
                Edge(source=source, target=target, provenance=provenance, **fields)
                for (source, target), fields in self.edges.items()
            )
            unoriented = tuple(
                UndirectedEdge(first=first, second=second, provenance=provenance, **fields)
                for (first, second), fields in self.undirected.items()
            )
            graph = CausalGraph(
                variables=variables, edges=edges, undirected=unoriented, metadata=self.metadata
            )
        except ValidationError as error:
            issue = error.errors()[0]
            where = ".".join(str(part) for part in issue["loc"])
            raise GraphFormatError(f"{self.label}: {where}: {issue['msg']}") from None
        except InputError as error:
            raise GraphFormatError(f"{self.label}: {error}") from None
        if acyclic and check_acyclic and not graph.is_acyclic():
            try:
                graph.require_acyclic()
            except InputError as error:
                raise GraphFormatError(
                    f"{self.label}: {error}; read it with acyclic=False to keep the feedback "
                    "loops as a cyclic summary graph"
                ) from None
        return graph


GraphLike: TypeAlias = "CausalGraph | nx.DiGraph[Any]"
"""A graph as users hold it: a `CausalGraph` or a `networkx.DiGraph` (DoWhy's own type)."""

_CONVERTERS_HINT = (
    "convert it with CausalGraph.from_networkx(digraph), CausalGraph.from_dot(text_or_path), "
    "CausalGraph.from_gml(text_or_path) or CausalGraph.from_dagitty(text_or_path)"
)


def as_causal_graph(graph: object, *, role: str = "graph") -> CausalGraph:
    """`graph` as a `CausalGraph`: a `CausalGraph` as is, a `networkx.DiGraph` converted.

    A cycle is kept (the checks report it); `from_networkx` refuses one.

    Raises:
        InputError: anything else (naming the converters), or a networkx graph that cannot be
            a causal graph (undirected, a multigraph, two nodes with the same name as text).

    Example:
        >>> import networkx as nx
        >>> as_causal_graph(nx.DiGraph([("t", "y")])).edge_pairs
        [('t', 'y')]
    """
    if isinstance(graph, CausalGraph):
        return graph
    if isinstance(graph, nx.Graph):
        return _networkx_draft(graph, label="networkx graph", note="networkx").build(
            check_acyclic=False
        )
    kind = "text" if isinstance(graph, str) else type(graph).__name__
    raise InputError(
        f"the {role} must be a CausalGraph or a networkx.DiGraph, not {kind}; {_CONVERTERS_HINT}"
    )


def _read(source: str | Path, label: str) -> tuple[str, str]:
    """Return the text and a provenance note (the file name, or the format).

    A `Path`, or a one-line string with no bracket, brace or arrow (which no DOT, GML or
    DAGitty text can be), that names no existing file is "file not found", not a syntax error.
    """
    if not isinstance(source, (str, Path)):
        raise GraphFormatError(
            f"{label}: expected text or a file path, not {type(source).__name__}"
        )
    if _names_a_missing_file(source):
        raise GraphFormatError(
            f"{label}: file not found: {str(source)!r} (give the {label} text itself, or the "
            "path of an existing file)"
        )
    text = read_text_or_path(source, GraphFormatError)
    from_file = isinstance(source, Path) or text is not source  # text itself comes back as is
    return text, (f"{label} file {Path(source).name}" if from_file else label)


def _names_a_missing_file(source: str | Path) -> bool:
    text = str(source).strip()
    if isinstance(source, str) and (
        not text or "\n" in text or any(mark in text for mark in ("{", "}", "[", "]", "->", ";"))
    ):
        return False
    try:
        return not Path(text).expanduser().exists()
    except (OSError, ValueError):
        return False


def _flag(value: object, *, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise GraphFormatError(f"{what}: expected true or false, found {value!r}")


def _real(value: object, *, what: str) -> float:
    try:
        number = float(value if isinstance(value, (int, float)) else str(value).strip())
    except (TypeError, ValueError, OverflowError):
        raise GraphFormatError(f"{what}: expected a number, found {value!r}") from None
    if not math.isfinite(number):
        raise GraphFormatError(f"{what}: expected a finite number, found {value!r}")
    return number


def _whole(value: object, *, what: str) -> int:
    number = _real(value, what=what)
    if not number.is_integer():
        raise GraphFormatError(f"{what}: expected a whole number, found {value!r}")
    return int(number)


def _node_fields(attributes: Mapping[str, Any], *, what: str) -> dict[str, Any]:
    """Read description, unit, type and latent status from node attributes (ours or DoWhy's)."""
    fields: dict[str, Any] = {}
    for key in ("description", "unit"):
        if attributes.get(key) is not None:
            fields[key] = str(attributes[key])
    if attributes.get("type") in VARIABLE_TYPES:  # other tools use 'type' for other things
        fields["type"] = attributes["type"]
    latent = False
    if "latent" in attributes:
        latent = _flag(attributes["latent"], what=f"{what}: attribute 'latent'")
    if "observed" in attributes:  # DoWhy marks unmeasured nodes observed="no"
        latent = latent or not _flag(attributes["observed"], what=f"{what}: attribute 'observed'")
    fields["latent"] = latent
    return fields


EDGE_FIELD_READERS: dict[str, Callable[[Any, str], Any]] = {
    "confidence": lambda value, what: _real(value, what=what),
    "votes": lambda value, what: _whole(value, what=what),
    "asked": lambda value, what: _whole(value, what=what),
    "rationale": lambda value, what: str(value),
}


def _edge_fields(attributes: Mapping[str, Any], *, what: str) -> dict[str, Any]:
    return {
        key: reader(attributes[key], f"{what}: attribute {key!r}")
        for key, reader in EDGE_FIELD_READERS.items()
        if key in attributes
    }


def _open_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields an unoriented edge has (votes only count directions)."""
    return {key: value for key, value in fields.items() if key in ("confidence", "rationale")}


# ------------------------------------------------------------------------------- networkx
def from_networkx(graph: nx.DiGraph[Any], *, acyclic: bool = True) -> CausalGraph:
    """Build a `CausalGraph` from a `networkx.DiGraph`.

    Node attributes ``description`` and ``latent`` (or DoWhy's ``observed="no"``) and edge
    attributes ``confidence``, ``votes``, ``asked`` and ``rationale`` are kept when present;
    scalar graph attributes become ``metadata``. Node names that are not text become text.
    Unoriented edges are read from ``graph.graph["undirected"]`` (``[first, second, kind]``
    items, as `CausalGraph.to_networkx` writes them) and from edges whose ``kind`` attribute
    is ``undirected`` or ``bidirected``. With ``acyclic=False`` cycles are kept.

    Example:
        >>> import networkx as nx
        >>> from_networkx(nx.DiGraph([("rain", "wet grass")])).edge_pairs
        [('rain', 'wet grass')]
    """
    return _networkx_draft(graph, label="networkx graph", note="networkx").build(acyclic=acyclic)


def _networkx_draft(graph: object, *, label: str, note: str) -> _Draft:
    if not isinstance(graph, nx.Graph):
        raise GraphFormatError(f"{label}: expected a networkx.DiGraph, not {type(graph).__name__}")
    if not graph.is_directed():
        raise GraphFormatError(f"{label}: the graph is undirected; a causal graph needs a DiGraph")
    if graph.is_multigraph():
        raise GraphFormatError(f"{label}: a multigraph has parallel edges; use a DiGraph")
    draft = _Draft(label=label, note=note)
    names: dict[Any, str] = {}
    for node, attributes in graph.nodes(data=True):
        names[node] = draft.add_variable(node)
        if len(draft.variables) != len(names):
            raise GraphFormatError(f"{label}: two nodes are both named {names[node]!r} as text")
        draft.variables[names[node]].update(
            _node_fields(attributes, what=f"{label}: node {node!r}")
        )
    for source, target, attributes in graph.edges(data=True):
        what = f"{label}: edge {source!r} -> {target!r}"
        fields = _edge_fields(attributes, what=what)
        kind = attributes.get("kind")
        if kind in UNDIRECTED_KINDS:
            fields = {
                key: value for key, value in fields.items() if key in ("confidence", "rationale")
            }
            draft.add_undirected(names[source], names[target], kind, **fields)
        else:
            draft.add_edge(names[source], names[target], **fields)
    for item in graph.graph.get("undirected") or ():
        if (
            not isinstance(item, (list, tuple))
            or len(item) != 3
            or item[0] not in names
            or item[1] not in names
            or item[2] not in UNDIRECTED_KINDS
        ):
            raise GraphFormatError(
                f"{label}: graph attribute 'undirected' must list [first, second, kind] items "
                f"naming two nodes and 'undirected' or 'bidirected', found {item!r}"
            )
        draft.add_undirected(names[item[0]], names[item[1]], item[2])
    draft.metadata = {key: value for key, value in graph.graph.items() if _is_json_scalar(value)}
    return draft


def _is_json_scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


# ------------------------------------------------------------------------------- DOT
def from_dot(source: str | Path, *, acyclic: bool = True) -> CausalGraph:
    """Read a Graphviz DOT ``digraph`` (text or a file path).

    Node attributes ``description`` and ``latent`` (or ``observed="no"``) and edge attributes
    ``confidence``, ``votes``, ``asked`` and ``rationale`` are kept; an edge with
    ``dir="none"`` is undirected and one with ``dir="both"`` bidirected (as `to_dot` writes
    them); ``acyclic=False`` keeps cycles (a summary graph). Subgraphs, default
    attribute statements, ports, comments and ``"a" + "b"`` concatenation are understood.
    Inside quoted names ``\\"`` is a quote and ``\\\\`` a backslash, as `to_dot` writes them.

    Example:
        >>> from_dot('digraph { smoking -> "lung cancer" [confidence="0.9"] }').edge_pairs
        [('smoking', 'lung cancer')]
    """
    text, note = _read(source, "DOT")
    parsed = parse(text, DOT)
    if parsed.kind != "digraph":
        raise GraphFormatError(
            "DOT: this is an undirected 'graph'; a causal graph must be a 'digraph'"
        )
    draft = _Draft(label="DOT", note=note)
    for name, attributes in parsed.nodes.items():
        draft.add_variable(name, **_node_fields(attributes, what=f"DOT node {name!r}"))
    for edge in parsed.edges:
        if edge.operator != "->":
            _unsupported_edge("DOT", edge, "an undirected edge in a digraph")
        what = f"DOT line {edge.line}: edge {edge.source!r} -> {edge.target!r}"
        fields = _edge_fields(edge.attributes, what=what)
        direction = DOT_DIRECTIONS.get(edge.attributes.get("dir", "").strip().lower())
        if direction is not None:
            kept = {
                key: value for key, value in fields.items() if key in ("confidence", "rationale")
            }
            draft.add_undirected(edge.source, edge.target, direction, **kept)
        else:
            draft.add_edge(edge.source, edge.target, **fields)
    if parsed.name:
        draft.metadata["name"] = parsed.name
    return draft.build(acyclic=acyclic)


def _unsupported_edge(label: str, edge: ParsedEdge, kind: str) -> NoReturn:
    raise GraphFormatError(
        f"{label} line {edge.line}: {edge.source!r} {edge.operator} {edge.target!r} is {kind}; "
        "only directed edges can be read into a causal graph"
    )


# ------------------------------------------------------------------------------- GML
def from_gml(source: str | Path, *, acyclic: bool = True) -> CausalGraph:
    """Read a GML graph (text or a file path) with ``directed 1``.

    Node names come from each node's ``label`` (or its ``id`` when there is no label); the
    node and edge attributes `from_networkx` knows are kept (an edge with ``kind`` ``undirected``
    or ``bidirected`` is unoriented); ``acyclic=False`` keeps cycles.

    Example:
        >>> text = 'graph [ directed 1 node [ id 0 label "a" ] node [ id 1 label "b" ] '
        >>> text += 'edge [ source 0 target 1 ] ]'
        >>> from_gml(text).edge_pairs
        [('a', 'b')]
    """
    text, note = _read(source, "GML")
    try:
        parsed = cast(Any, nx.parse_gml)(text, label=None)  # label=None: keep the ids
    except Exception as error:  # networkx raises several types for malformed GML
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise GraphFormatError(f"GML: {shorten(first_line, 160)}") from None
    if not parsed.is_directed():
        raise GraphFormatError("GML: the graph is undirected ('directed 1' is missing)")
    if parsed.is_multigraph():
        raise GraphFormatError("GML: the graph has parallel edges ('multigraph 1')")
    names = {
        node: str(attributes.get("label", node)) for node, attributes in parsed.nodes(data=True)
    }
    if len(set(names.values())) != len(names):
        raise GraphFormatError("GML: two nodes have the same label")
    relabelled = nx.relabel_nodes(parsed, names, copy=True)
    return _networkx_draft(relabelled, label="GML", note=note).build(acyclic=acyclic)


# ------------------------------------------------------------------------------- DAGitty
def from_dagitty(source: str | Path) -> CausalGraph:
    """Read a DAGitty ``dag { ... }`` (text or a file path).

    Understands ``->``, ``<-`` and chains, ``{a b} -> c`` groups, quoted names, and the
    variable attributes ``latent`` (or ``unobserved``), ``exposure``, ``outcome``,
    ``adjusted`` and ``pos="x,y"``. A bidirected edge ``a <-> b`` becomes a latent variable
    ``U_a_b`` with edges to both. A ``pdag { ... }`` may also have undirected edges ``a -- b``.
    ``metadata`` gets ``exposure`` and ``outcome`` (lists of names), and ``adjusted`` and
    ``positions`` when the text has them.

    Example:
        >>> graph = from_dagitty('dag { x [exposure] y [outcome] x -> y; x <-> y }')
        >>> graph.latent, graph.metadata["exposure"]
        (('U_x_y',), ['x'])
    """
    text, note = _read(source, "DAGitty")
    parsed = parse(text, DAGITTY)
    if parsed.kind not in ("dag", "digraph", "pdag"):
        raise GraphFormatError(
            f"DAGitty: a '{parsed.kind}' is not a DAG; only 'dag {{ ... }}' and 'pdag {{ ... }}' "
            "can be read"
        )
    draft = _Draft(label="DAGitty", note=note)
    roles: dict[str, list[str]] = {flag: [] for flag in DAGITTY_ROLE_FLAGS}
    positions: dict[str, list[float]] = {}
    for name, attributes in parsed.nodes.items():
        latent = any(flag in attributes for flag in DAGITTY_LATENT_FLAGS)
        draft.add_variable(name, latent=latent)
        for flag in DAGITTY_ROLE_FLAGS:
            if flag in attributes:
                roles[flag].append(name)
        if "pos" in attributes:
            positions[name] = _position(attributes["pos"], name)
    for edge in parsed.edges:
        if edge.operator == "--" and parsed.kind == "pdag":
            draft.add_undirected(edge.source, edge.target, "undirected")
            continue
        DAGITTY_EDGE_READERS.get(edge.operator, _dagitty_unsupported)(draft, edge)
    draft.metadata = {"exposure": roles["exposure"], "outcome": roles["outcome"]}
    if roles["adjusted"]:
        draft.metadata["adjusted"] = roles["adjusted"]
    if positions:
        draft.metadata["positions"] = positions
    return draft.build()


def _position(value: str, name: str) -> list[float]:
    parts = value.split(",")
    if len(parts) != 2 or value == FLAG_VALUE:
        raise GraphFormatError(f'DAGitty: variable {name!r}: pos must be "x,y", found {value!r}')
    return [_real(part, what=f"DAGitty: variable {name!r}: pos") for part in parts]


def _dagitty_forward(draft: _Draft, edge: ParsedEdge) -> None:
    draft.add_edge(edge.source, edge.target)


def _dagitty_backward(draft: _Draft, edge: ParsedEdge) -> None:
    draft.add_edge(edge.target, edge.source)


def _dagitty_bidirected(draft: _Draft, edge: ParsedEdge) -> None:
    first, second = edge.source, edge.target
    if first == second:
        raise GraphFormatError(f"DAGitty line {edge.line}: {first!r} <-> {first!r} is a loop")
    taken = {normalized_name(name) for name in draft.variables}
    base = f"U_{first}_{second}"
    name, counter = base, 1
    while normalized_name(name) in taken:
        counter += 1
        name = f"{base}_{counter}"
    draft.add_variable(
        name,
        latent=True,
        description=f"unmeasured common cause of {first} and {second} ({first} <-> {second})",
    )
    draft.add_edge(name, first)
    draft.add_edge(name, second)


def _dagitty_unsupported(draft: _Draft, edge: ParsedEdge) -> None:
    kind = (
        "an undirected edge outside a pdag" if edge.operator == "--" else "an edge of a MAG or PAG"
    )
    _unsupported_edge("DAGitty", edge, kind)


DAGITTY_EDGE_READERS: dict[str, Callable[[_Draft, ParsedEdge], None]] = {
    "->": _dagitty_forward,
    "<-": _dagitty_backward,
    "<->": _dagitty_bidirected,
}


# ------------------------------------------------------------------------------- edge lists
def from_edge_list(
    variables: VariablesLike | None, pairs: Iterable[tuple[str, str]]
) -> CausalGraph:
    """Build a graph from ``(cause, effect)`` pairs read from elsewhere (a CSV, a table).

    Args:
        variables: the variables (names, a dict name -> description, or Variable objects);
            ``None`` takes the names from the pairs, in order of first appearance.
        pairs: two names each.

    Example:
        >>> from_edge_list(None, [("a", "b"), ("b", "c")]).names
        ('a', 'b', 'c')
    """
    label = "edge list"
    draft = _Draft(label=label, note=label)
    if variables is not None:
        try:
            collection = Variables(variables)
        except InputError as error:
            raise GraphFormatError(f"{label}: {error}") from None
        for variable in collection:
            draft.add_variable(variable.name, **variable.model_dump(exclude={"name"}))
    known = set(draft.variables)
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Iterable):
        raise GraphFormatError(f"{label}: expected a list of (cause, effect) pairs")
    for index, pair in enumerate(pairs):
        if (
            isinstance(pair, (str, bytes))
            or not isinstance(pair, Iterable)
            or len(items := tuple(pair)) != 2
            or not all(isinstance(item, str) for item in items)
        ):
            raise GraphFormatError(f"{label}: item {index} is {pair!r}, not a (cause, effect) pair")
        for name in items:
            if variables is not None and name not in known:
                raise GraphFormatError(f"{label}: item {index} names unknown variable {name!r}")
        draft.add_edge(items[0], items[1])
    return draft.build()


__all__ = ["from_dagitty", "from_dot", "from_edge_list", "from_gml", "from_networkx"]
