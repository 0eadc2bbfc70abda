"""Write causal graphs as DOT, GML, DAGitty, Mermaid and edge lists; hand them to DoWhy and
causal-learn.

The readers are in `_importers`. Every writer quotes names so that any variable name
(spaces, quotes, backslashes, unicode) survives the trip back through the matching reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

import networkx as nx

from ..core._errors import (
    GraphFormatError,
    InputError,
    OptionalDependencyError,
    UnorientedEdgesError,
)
from ._importers import (
    from_dagitty,
    from_dot,
    from_edge_list,
    from_gml,
    from_networkx,
)
from ._structure import require_acyclic, require_dag

if TYPE_CHECKING:
    from ._causal_graph import CausalGraph

NodeLabels = Literal["names", "positions"]

DAGITTY_BAREWORD = re.compile(r"-?[0-9A-Za-z_.]+")
MERMAID_ESCAPED = frozenset('"#&<>`*%|\\[]{}()')
DOWHY_EXTRA = 'pip install "pywhy-llm-assist[dowhy]"'
CAUSALLEARN_EXTRA = 'pip install "pywhy-llm-assist[causallearn]"'


# ------------------------------------------------------------------------------- DOT
def dot_quote(text: str) -> str:
    """Return `text` as a double-quoted DOT string (``\\`` doubled, ``"`` escaped).

    Example:
        >>> print(dot_quote('say "hi"'))
        "say \\"hi\\""
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_attributes(attributes: Mapping[str, str]) -> str:
    if not attributes:
        return ""
    inner = ", ".join(f"{key}={dot_quote(value)}" for key, value in attributes.items())
    return f" [{inner}]"


def to_dot(graph: CausalGraph, *, name: str | None = None, edge_labels: bool = True) -> str:
    """Return the graph as a Graphviz DOT ``digraph``; `from_dot` reads it back.

    Every name is double-quoted. Nodes carry ``description``; latent nodes ``latent="true"``
    and ``style="dashed"``, as do edges out of them. Edges carry ``confidence`` (exact),
    ``rationale``, ``votes``/``asked`` (when not 1) and, with `edge_labels`, a
    two-decimal ``label`` for display. Without a `name` the text starts ``digraph {``, the
    form DoWhy's string parser needs, so ``dowhy.CausalModel(data, t, y, graph=g.to_dot())``
    works (DoWhy treats graph nodes that are not data columns as unobserved); with a `name`
    it starts ``digraph "name" {``, which Graphviz reads but DoWhy does not. Cycles are
    written as they are (read them back with ``from_dot(text, acyclic=False)``); an
    undirected edge gets ``dir="none"`` and a bidirected one ``dir="both"``, Graphviz's own
    way of drawing them.

    Example:
        >>> from pywhy_llm_assist import CausalGraph
        >>> graph = CausalGraph.from_edges(["a b", "c"], [("a b", "c")])
        >>> print(to_dot(graph, edge_labels=False), end="")
        digraph {
          "a b";
          "c";
          "a b" -> "c" [confidence="1.0"];
        }
    """
    latent = set(graph.latent)
    lines = [f"digraph {dot_quote(name)} {{" if name is not None else "digraph {"]
    for variable in graph.variables:
        attributes: dict[str, str] = {}
        if variable.description:
            attributes["description"] = variable.description
        if variable.latent:
            attributes.update(latent="true", style="dashed")
        lines.append(f"  {dot_quote(variable.name)}{_dot_attributes(attributes)};")
    for edge in graph.edges:
        attributes = {"confidence": repr(edge.confidence)}
        if edge_labels:
            attributes["label"] = f"{edge.confidence:.2f}"
        if edge.votes != 1 or edge.asked != 1:
            attributes.update(votes=str(edge.votes), asked=str(edge.asked))
        if edge.rationale:
            attributes["rationale"] = edge.rationale
        if edge.source in latent:
            attributes["style"] = "dashed"
        arrow = f"{dot_quote(edge.source)} -> {dot_quote(edge.target)}"
        lines.append(f"  {arrow}{_dot_attributes(attributes)};")
    for open_edge in graph.undirected:
        attributes = {"dir": "none" if open_edge.kind == "undirected" else "both"}
        attributes["confidence"] = repr(open_edge.confidence)
        if open_edge.rationale:
            attributes["rationale"] = open_edge.rationale
        arrow = f"{dot_quote(open_edge.first)} -> {dot_quote(open_edge.second)}"
        lines.append(f"  {arrow}{_dot_attributes(attributes)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------- GML
def _gml_value(value: object) -> str | int | float:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (str, int, float)):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def to_gml(graph: CausalGraph) -> str:
    """Return the graph as GML (``directed 1``); `from_gml` and `networkx.parse_gml` read it.

    Node names are the GML ``label``s (networkx escapes quotes and non-ASCII characters as
    ``&#NN;``). Booleans become 0/1; lists and dicts become JSON text; ``None`` is left out.
    Cycles are kept; an unoriented edge is an edge with ``kind`` ``"undirected"`` or
    ``"bidirected"`` (`from_gml` reads both back).

    Example:
        >>> from pywhy_llm_assist import CausalGraph
        >>> "directed 1" in to_gml(CausalGraph.from_edges(["a", "b"], [("a", "b")]))
        True
    """
    source = graph.to_networkx()
    export: nx.DiGraph[str] = nx.DiGraph()
    export.graph.update(
        {key: _gml_value(value) for key, value in graph.metadata.items() if value is not None}
    )
    for node, attributes in source.nodes(data=True):
        export.add_node(
            node,
            **{key: _gml_value(value) for key, value in attributes.items() if value is not None},
        )
    for tail, head, attributes in source.edges(data=True):
        export.add_edge(
            tail,
            head,
            **{key: _gml_value(value) for key, value in attributes.items() if value is not None},
        )
    for open_edge in graph.undirected:
        export.add_edge(
            open_edge.first,
            open_edge.second,
            kind=open_edge.kind,
            confidence=open_edge.confidence,
            rationale=open_edge.rationale,
        )
    return "\n".join(nx.generate_gml(export)) + "\n"


# ------------------------------------------------------------------------------- DAGitty
def dagitty_quote(name: str) -> str:
    """Return `name` as a DAGitty identifier: bare if it is ``-?[0-9A-Za-z_.]+``, else quoted.

    DAGitty's grammar reads ``\\"`` inside quotes as a quote and keeps every other backslash,
    so only quotes are escaped. A name ending in a backslash cannot be written
    (`GraphFormatError`).

    Example:
        >>> dagitty_quote("age"), dagitty_quote("body mass")
        ('age', '"body mass"')
    """
    if DAGITTY_BAREWORD.fullmatch(name):
        return name
    if name.endswith("\\"):
        raise GraphFormatError(
            f"DAGitty cannot write the name {name!r}: a quoted name cannot end in a backslash"
        )
    return '"' + name.replace('"', '\\"') + '"'


def _names_argument(graph: CausalGraph, value: str | Sequence[str] | None, role: str) -> list[str]:
    if value is None:  # default: what `from_dagitty` stored, when it is a name or a list of them
        stored = graph.metadata.get(role)
        value = stored if isinstance(stored, (str, list, tuple)) else []
    names = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(name, str) for name in names):
        raise InputError(f"{role} must be a variable name or a list of names, not {value!r}")
    known = set(graph.names)
    for name in names:
        if name not in known:
            raise InputError(f"{role} {name!r} is not a variable of the graph")
    return names


def to_dagitty(
    graph: CausalGraph,
    *,
    exposure: str | Sequence[str] | None = None,
    outcome: str | Sequence[str] | None = None,
) -> str:
    """Return the graph in DAGitty syntax (``dag { ... }``); `from_dagitty` reads it back.

    Latent variables are marked ``[latent]``. `exposure` and `outcome` default to the
    graph's ``metadata`` entries of the same names (as `from_dagitty` stores them);
    ``metadata["positions"]`` becomes ``pos="x,y"``. A graph with undirected edges is written
    as a ``pdag { ... }`` with ``a -- b``.

    Raises:
        CyclicGraphError: the graph has feedback loops (a DAGitty model must be acyclic).
        UnorientedEdgesError: the graph has a bidirected edge (which DAGitty would read as an
            unmeasured common cause: add that latent variable explicitly instead).

    Example:
        >>> from pywhy_llm_assist import CausalGraph
        >>> graph = CausalGraph.from_edges(["smoking", "lung cancer"], [("smoking", "lung cancer")])
        >>> print(to_dagitty(graph, exposure="smoking"), end="")
        dag {
        smoking [exposure]
        "lung cancer"
        smoking -> "lung cancer"
        }
    """
    require_acyclic(graph, "to_dagitty")
    bidirected = [edge for edge in graph.undirected if edge.kind == "bidirected"]
    if bidirected:
        named = ", ".join(f"{edge.first} <-> {edge.second}" for edge in bidirected[:5])
        raise UnorientedEdgesError(
            f"to_dagitty cannot write the bidirected edge(s) {named}: DAGitty reads <-> as an "
            "unmeasured common cause; orient them, or add that latent variable explicitly",
            edges=[edge.pair for edge in bidirected],
        )
    roles = {
        "exposure": set(_names_argument(graph, exposure, "exposure")),
        "outcome": set(_names_argument(graph, outcome, "outcome")),
        "adjusted": set(_names_argument(graph, None, "adjusted")),
    }
    positions = graph.metadata.get("positions") or {}
    lines = ["pdag {" if graph.undirected else "dag {"]
    for variable in graph.variables:
        flags = [role for role, names in roles.items() if variable.name in names]
        if variable.latent:
            flags.append("latent")
        position = positions.get(variable.name) if isinstance(positions, dict) else None
        if _is_point(position):
            flags.append(f'pos="{position[0]},{position[1]}"')
        suffix = f" [{','.join(flags)}]" if flags else ""
        lines.append(f"{dagitty_quote(variable.name)}{suffix}")
    lines += [
        f"{dagitty_quote(edge.source)} -> {dagitty_quote(edge.target)}" for edge in graph.edges
    ]
    lines += [
        f"{dagitty_quote(edge.first)} -- {dagitty_quote(edge.second)}" for edge in graph.undirected
    ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _is_point(value: object) -> TypeGuard[Sequence[float]]:
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value)
    )


# ------------------------------------------------------------------------------- Mermaid
def mermaid_escape(text: str) -> str:
    """Return `text` safe inside a quoted Mermaid label (specials as ``#code;`` entities).

    Example:
        >>> mermaid_escape('a "b" <c>')
        'a #34;b#34; #60;c#62;'
    """
    return "".join(
        f"#{ord(character)};" if character in MERMAID_ESCAPED else character for character in text
    )


def to_mermaid(graph: CausalGraph, *, edge_labels: bool = True) -> str:
    """Return the graph as a Mermaid ``flowchart TD``.

    Nodes get safe ids ``n0, n1, ...`` and their names as escaped labels; latent nodes and
    the edges out of them are dashed. With `edge_labels`, edges show their confidence. Cycles
    are drawn as they are; an undirected edge is ``---`` and a bidirected one ``<-->``.

    Example:
        >>> from pywhy_llm_assist import CausalGraph
        >>> print(to_mermaid(CausalGraph.from_edges(["a", "b"], [("a", "b")])), end="")
        flowchart TD
            n0["a"]
            n1["b"]
            n0 -->|1.00| n1
    """
    identifiers = {name: f"n{index}" for index, name in enumerate(graph.names)}
    latent = set(graph.latent)
    lines = ["flowchart TD"]
    lines += [f'    {identifiers[name]}["{mermaid_escape(name)}"]' for name in graph.names]
    for edge in graph.edges:
        arrow = "-.->" if edge.source in latent else "-->"
        label = f"|{edge.confidence:.2f}|" if edge_labels else ""
        lines.append(f"    {identifiers[edge.source]} {arrow}{label} {identifiers[edge.target]}")
    for open_edge in graph.undirected:
        link = "---" if open_edge.kind == "undirected" else "<-->"
        lines.append(f"    {identifiers[open_edge.first]} {link} {identifiers[open_edge.second]}")
    if latent:
        lines.append("    classDef latent stroke-dasharray: 5 5")
        lines.append(
            "    class " + ",".join(identifiers[name] for name in graph.latent) + " latent"
        )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------- edge lists
def to_edge_list(graph: CausalGraph) -> list[tuple[str, str]]:
    """Return the directed edges as ``(cause, effect)`` pairs; `from_edge_list` reads them back.

    Unoriented edges are not pairs of a cause and an effect: see `CausalGraph.undirected_pairs`.

    Example:
        >>> from pywhy_llm_assist import CausalGraph
        >>> to_edge_list(CausalGraph.from_edges(["a", "b"], [("a", "b")]))
        [('a', 'b')]
    """
    return list(graph.edge_pairs)


# ------------------------------------------------------------------------------- DoWhy
def to_dowhy_graph(graph: CausalGraph) -> nx.DiGraph[str]:
    """Return a `networkx.DiGraph` for ``dowhy.CausalModel(graph=...)``.

    Each node has ``observed="yes"`` or ``"no"`` (latent), the attribute DoWhy uses for
    unobserved nodes. Note that `CausalModel` re-derives it from the data: a graph node that
    is not a column of the data frame is unobserved. So leave latent variables out of the
    data (`to_causal_model` checks this).

    Raises:
        CyclicGraphError: the graph has feedback loops (DoWhy needs a DAG).
        UnorientedEdgesError: the graph has undirected or bidirected edges.

    Example:
        >>> from pywhy_llm_assist import CausalGraph
        >>> graph = CausalGraph.from_edges(["u", "t", "y"], [("u", "t"), ("u", "y"), ("t", "y")],
        ...                                latent=["u"])
        >>> to_dowhy_graph(graph).nodes["u"]
        {'observed': 'no'}
    """
    require_dag(graph, "the DoWhy hand-off")
    export: nx.DiGraph[str] = nx.DiGraph()
    for variable in graph.variables:
        export.add_node(variable.name, observed="no" if variable.latent else "yes")
    export.add_edges_from(graph.edge_pairs)
    return export


def to_causal_model(
    graph: CausalGraph,
    data: Any,
    treatment: str | Sequence[str],
    outcome: str | Sequence[str],
    **kwargs: Any,
) -> Any:
    """Build a ``dowhy.CausalModel`` from the graph and a pandas data frame.

    Args:
        graph: the causal graph.
        data: a `pandas.DataFrame` whose columns are the measured variables.
        treatment: treatment name(s).
        outcome: outcome name(s).
        **kwargs: passed to `CausalModel` (``effect_modifiers``, ...).

    Raises:
        InputError: a treatment or outcome is not a measured variable of the graph or not a
            column of `data`, a measured variable of the graph is not a column of `data`
            (DoWhy would silently treat it as unobserved; the message lists them), or a
            latent variable is a column of `data`.
        CyclicGraphError: the graph has feedback loops (DoWhy needs a DAG).
        UnorientedEdgesError: the graph has undirected or bidirected edges.
        OptionalDependencyError: DoWhy is not installed.

    Example:
        >>> model = to_causal_model(graph, frame, "treatment", "outcome")  # doctest: +SKIP
        >>> model.identify_effect()  # doctest: +SKIP
    """
    try:
        from dowhy import CausalModel
    except ImportError as error:
        raise OptionalDependencyError(
            f"to_causal_model needs DoWhy, which is not installed: {DOWHY_EXTRA}"
        ) from error
    require_dag(graph, "to_causal_model")
    columns = {str(column) for column in getattr(data, "columns", ())}
    if not columns:
        raise InputError("data must be a pandas DataFrame with one column per measured variable")
    observed, latent = set(graph.observed), set(graph.latent)
    for role, value in (("treatment", treatment), ("outcome", outcome)):
        for name in [value] if isinstance(value, str) else list(value):
            if name not in observed:
                raise InputError(f"{role} {name!r} is not a measured variable of the graph")
            if name not in columns:
                raise InputError(f"{role} {name!r} is not a column of the data")
    missing = [name for name in graph.observed if name not in columns]
    if missing:
        listed = ", ".join(repr(name) for name in missing)
        raise InputError(
            f"measured variable(s) {listed} of the graph are not columns of the data: DoWhy "
            "would treat them as unobserved; add or rename the columns, or mark the variables "
            "latent in the graph"
        )
    clashes = sorted(latent & columns)
    if clashes:
        raise InputError(
            f"latent variable(s) {clashes} are columns of the data: DoWhy would treat them as "
            "measured; drop those columns or mark the variables measured in the graph"
        )
    return CausalModel(
        data=data, treatment=treatment, outcome=outcome, graph=to_dowhy_graph(graph), **kwargs
    )


# ------------------------------------------------------------------------------- causal-learn
def to_background_knowledge(
    graph: CausalGraph,
    *,
    forbid_absent: bool = False,
    node_names: Sequence[str] | None = None,
    node_labels: NodeLabels = "names",
) -> Any:
    """Return causal-learn ``BackgroundKnowledge`` that requires every edge of the graph.

    causal-learn compares nodes by name. ``pc(data, node_names=columns)`` names its nodes by
    the columns; ``pc(data)`` names them ``X1 .. Xn`` by column position. Pass the data's
    column order as `node_names`, and ``node_labels="positions"`` when you call `pc`
    without ``node_names``.

    Args:
        graph: the causal graph.
        forbid_absent: also forbid every directed edge the graph does not have (between
            variables in `node_names`), so PC keeps only the graph's adjacencies.
        node_names: the data's columns, in order; default: the graph's measured variables.
            Edges touching a variable that is not a column (such as a latent one) are left out.
        node_labels: ``"names"`` (the default) or ``"positions"`` (``X1 .. Xn``).

    An undirected or bidirected edge is neither required nor forbidden: the adjacency is kept
    open for PC to orient.

    Raises:
        InputError: `node_names` has duplicates or shares no name with the graph.
        CyclicGraphError: the graph has feedback loops (required edges both ways would
            contradict each other).
        OptionalDependencyError: causal-learn is not installed.

    Example:
        >>> columns = list(frame.columns)  # doctest: +SKIP
        >>> knowledge = to_background_knowledge(graph, node_names=columns)  # doctest: +SKIP
        >>> pc(frame.to_numpy(), node_names=columns,
        ...    background_knowledge=knowledge)  # doctest: +SKIP
    """
    try:
        from causallearn.graph.GraphNode import GraphNode
        from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge
    except ImportError as error:
        raise OptionalDependencyError(
            f"to_background_knowledge needs causal-learn, which is not installed: "
            f"{CAUSALLEARN_EXTRA}"
        ) from error
    require_acyclic(graph, "to_background_knowledge")
    nodes = _causallearn_nodes(graph, node_names, node_labels, GraphNode)
    knowledge = BackgroundKnowledge()
    present = set(graph.edge_pairs)
    for edge in graph.undirected:
        present |= {edge.pair, (edge.second, edge.first)}
    for source, target in graph.edge_pairs:
        if source in nodes and target in nodes:
            knowledge.add_required_by_node(nodes[source], nodes[target])
    if forbid_absent:
        for source in nodes:
            for target in nodes:
                if source != target and (source, target) not in present:
                    knowledge.add_forbidden_by_node(nodes[source], nodes[target])
    return knowledge


NODE_LABELERS: dict[str, Callable[[int, str], str]] = {
    "names": lambda position, name: name,  # pc(data, node_names=columns)
    "positions": lambda position, name: f"X{position + 1}",  # pc(data): causal-learn's default
}


def _causallearn_nodes(
    graph: CausalGraph, node_names: Sequence[str] | None, node_labels: NodeLabels, node_type: Any
) -> dict[str, Any]:
    if isinstance(node_names, str):
        raise InputError("node_names must be a list of column names, not one string")
    columns = list(graph.observed) if node_names is None else [str(name) for name in node_names]
    if len(set(columns)) != len(columns):
        raise InputError("node_names has duplicate names")
    if node_labels not in NODE_LABELERS:
        raise InputError(f"node_labels must be 'names' or 'positions', not {node_labels!r}")
    labeler = NODE_LABELERS[node_labels]
    known = set(graph.names)
    nodes = {
        name: node_type(labeler(position, name))
        for position, name in enumerate(columns)
        if name in known
    }
    if not nodes and graph.edges:
        raise InputError("node_names shares no name with the graph's variables")
    return nodes


__all__ = [
    "OptionalDependencyError",
    "from_dagitty",
    "from_dot",
    "from_edge_list",
    "from_gml",
    "from_networkx",
    "to_background_knowledge",
    "to_causal_model",
    "to_dagitty",
    "to_dot",
    "to_dowhy_graph",
    "to_edge_list",
    "to_gml",
    "to_mermaid",
]
