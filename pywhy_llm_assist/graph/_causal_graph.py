"""CausalGraph: a causal graph whose every edge keeps its rationale, confidence, votes, provenance.

Usually a DAG. It can also be a cyclic summary graph (feedback loops, kept by
``suggest_graph(..., acyclic=False)``) or hold unoriented edges (``a --- b`` from a CPDAG that PC
returned, or ``a <-> b``): those sit in `CausalGraph.undirected`, never in `CausalGraph.edges`,
so no DAG tool mistakes them for a direction, and the DAG-only tools refuse such graphs with a
typed error (`CyclicGraphError`, `UnorientedEdgesError`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..core._errors import GraphFormatError, InputError
from ..core._json_file import JsonFile, first_error
from ..core._text import counted
from ..core._usage import Usage
from ..core._variables import Variable, Variables, VariablesLike
from ._graph_formats import GraphFormats
from ._structure import directed_cycles, require_acyclic, require_dag

if TYPE_CHECKING:
    from ..review._decisions import ReviewDecisions

EdgeOrigin = Literal["model", "required", "user", "review", "import", "simulated", "data"]
UndirectedKind = Literal["undirected", "bidirected"]
DropReason = Literal[
    "self_loop",
    "unknown_variable",
    "forbidden",
    "tier_violation",
    "conflict",
    "cycle",
    "below_threshold",
    "rejected_in_review",
    "graph_disagrees",
    "not_requested",
    "removed_by_data",
]


class Provenance(BaseModel):
    """Where an edge came from.

    Attributes:
        origin: ``model`` (proposed by a language model), ``required`` (a constraint),
            ``user`` (drawn by the analyst), ``review`` (added or changed by an expert),
            ``import`` (read from a file), ``simulated`` (the simulated expert), ``data``
            (found in the data by a discovery algorithm such as PC).
        model: the model name, for model edges.
        prompt_version: content hash of the prompt template that asked.
        strategy: the suggestion strategy that asked (``per_node``, ``whole``, ...).
        cache_keys: keys of the cached answers that proposed this edge.
        reviewer: who accepted, reversed or added it in review.
        note: free text (a reviewer's comment, a file name).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: EdgeOrigin = "model"
    model: str | None = None
    prompt_version: str | None = None
    strategy: str | None = None
    cache_keys: tuple[str, ...] = ()
    reviewer: str | None = None
    note: str | None = None


class Edge(BaseModel):
    """A directed edge ``source -> target`` with its evidence.

    Attributes:
        source: the cause.
        target: the effect.
        confidence: 0..1; for model edges the share of samples that voted for it, weighted
            by the model's stated confidence.
        votes: samples that proposed this direction.
        asked: samples that were asked about this pair (votes <= asked).
        rationale: the model's (or expert's) reason, shortest first when several agree.
        provenance: one entry per source of evidence.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    target: str
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    votes: int = Field(default=1, ge=0)
    asked: int = Field(default=1, ge=0)
    rationale: str = ""
    provenance: tuple[Provenance, ...] = ()

    @property
    def pair(self) -> tuple[str, str]:
        """``(source, target)``."""
        return (self.source, self.target)


class UndirectedEdge(BaseModel):
    """An adjacency whose direction is open: ``first --- second`` or ``first <-> second``.

    ``undirected``: the two are adjacent but the direction is not settled (an edge of a CPDAG
    that the data cannot orient, left for an expert). ``bidirected``: the evidence points both
    ways (PC found colliders into each end), often a sign of an unmeasured common cause. The
    review page lets an expert orient it, keep it open or reject it.

    Attributes:
        first, second: the two variables (the order carries no meaning).
        kind: ``undirected`` or ``bidirected``.
        confidence: 0..1, how sure the source is that the adjacency exists.
        rationale: why it is there, and why it is not oriented.
        provenance: where it came from.

    Example:
        >>> UndirectedEdge(first="rain", second="wet grass").symbol
        '---'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    first: str
    second: str
    kind: UndirectedKind = "undirected"
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    rationale: str = ""
    provenance: tuple[Provenance, ...] = ()

    @property
    def pair(self) -> tuple[str, str]:
        """``(first, second)``."""
        return (self.first, self.second)

    @property
    def symbol(self) -> str:
        """``---`` for undirected, ``<->`` for bidirected."""
        return "---" if self.kind == "undirected" else "<->"

    def joins(self, one: str, other: str) -> bool:
        """True if this edge joins `one` and `other` (in either order)."""
        return {self.first, self.second} == {one, other}


class DroppedEdge(BaseModel):
    """An edge that was proposed but is not in the graph, and why.

    Attributes:
        edge: the edge as proposed.
        reason: a short code (``cycle``, ``conflict``, ``forbidden``, ...; from
            `Suggestions.add_to_graph`: ``graph_disagrees`` when the graph check contradicts
            the suggestion, ``not_requested`` for a measured confounder's edge without
            ``include_measured=True``).
        detail: one sentence for the reviewer.
        reversed: True when the opposite edge was kept instead.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    edge: Edge
    reason: DropReason
    detail: str = ""
    reversed: bool = False


class CausalGraph(GraphFormats, JsonFile):
    """A causal graph over named variables, with evidence on every edge.

    Build one with `CausalGraph.from_edges`, get one from `Assistant.suggest_graph`, or import
    one (`from_networkx`, `from_dot`, `from_gml`, `from_dagitty`, `from_json`,
    `from_causallearn`). `edges` are directed; `undirected` holds the adjacencies whose
    direction is open (see `UndirectedEdge`). A graph whose ``metadata["acyclic"]`` is False is
    a summary graph that may keep feedback loops (`cycles` lists them).

    Example:
        >>> graph = CausalGraph.from_edges(["smoking", "tar", "cancer"],
        ...                                [("smoking", "tar"), ("tar", "cancer")])
        >>> graph.edge_pairs
        [('smoking', 'tar'), ('tar', 'cancer')]
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    json_label: ClassVar[str] = "graph JSON"
    json_error: ClassVar[type[InputError]] = GraphFormatError

    variables: tuple[Variable, ...]
    edges: tuple[Edge, ...] = ()
    undirected: tuple[UndirectedEdge, ...] = ()
    dropped: tuple[DroppedEdge, ...] = ()
    usage: Usage | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise InputError(f"invalid causal graph: {first_error(error)}") from None

    @model_validator(mode="after")
    def _check_edges(self) -> CausalGraph:
        names = Variables(self.variables).names  # checks duplicates
        known = set(names)
        seen: set[tuple[str, str]] = set()
        for edge in self.edges:
            for end in edge.pair:
                if end not in known:
                    raise InputError(
                        f"edge {edge.source!r} -> {edge.target!r} names unknown variable {end!r}"
                    )
            if edge.source == edge.target:
                raise InputError(f"self-loop on {edge.source!r}: a causal graph has none")
            if edge.pair in seen:
                raise InputError(f"edge {edge.source!r} -> {edge.target!r} appears twice")
            seen.add(edge.pair)
        adjacent = {frozenset(pair) for pair in seen}
        for open_edge in self.undirected:
            label = f"{open_edge.first!r} {open_edge.symbol} {open_edge.second!r}"
            for end in open_edge.pair:
                if end not in known:
                    raise InputError(f"edge {label} names unknown variable {end!r}")
            if open_edge.first == open_edge.second:
                raise InputError(f"self-loop on {open_edge.first!r}: a causal graph has none")
            key = frozenset(open_edge.pair)
            if key in adjacent:
                raise InputError(
                    f"edge {label} joins two variables that another edge already joins"
                )
            adjacent.add(key)
        return self

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_edges(
        cls,
        variables: VariablesLike,
        edges: Iterable[tuple[str, str] | Edge],
        *,
        latent: Iterable[str] = (),
        origin: EdgeOrigin = "user",
        check_acyclic: bool = True,
        undirected: Iterable[tuple[str, str] | UndirectedEdge] = (),
        metadata: Mapping[str, Any] | None = None,
    ) -> CausalGraph:
        """Build a graph from variables and ``(cause, effect)`` pairs.

        Args:
            variables: names, a dict name -> description, or Variable objects.
            edges: pairs or `Edge` objects.
            latent: names to mark as unmeasured.
            origin: provenance origin given to plain pairs.
            check_acyclic: raise `CyclicGraphError` if the edges form a cycle.
            undirected: adjacencies whose direction is open, as pairs or `UndirectedEdge`.
            metadata: the graph's metadata; ``{"acyclic": False}`` marks a summary graph that
                keeps feedback loops on purpose (the review page then accepts cycles, and
                `check_graph` refuses it instead of suggesting to break them).

        Example:
            >>> loop = CausalGraph.from_edges(["prices", "wages"],
            ...     [("prices", "wages"), ("wages", "prices")], check_acyclic=False)
            >>> loop.cycles
            (('prices', 'wages'),)
        """
        collection = Variables(variables)
        latent_names = set(latent)
        collection.require(latent_names, role="latent variable")
        items = tuple(
            variable.model_copy(update={"latent": True})
            if variable.name in latent_names
            else variable
            for variable in collection
        )
        built = tuple(
            edge
            if isinstance(edge, Edge)
            else Edge(source=edge[0], target=edge[1], provenance=(Provenance(origin=origin),))
            for edge in edges
        )
        unoriented = tuple(
            edge
            if isinstance(edge, UndirectedEdge)
            else UndirectedEdge(
                first=edge[0], second=edge[1], provenance=(Provenance(origin=origin),)
            )
            for edge in undirected
        )
        graph = cls(
            variables=items, edges=built, undirected=unoriented, metadata=dict(metadata or {})
        )
        if check_acyclic:
            graph.require_acyclic()
        return graph

    # ----------------------------------------------------------------- views
    @property
    def names(self) -> tuple[str, ...]:
        """All variable names, measured and latent, in order."""
        return tuple(variable.name for variable in self.variables)

    @property
    def latent(self) -> tuple[str, ...]:
        """Names of unmeasured (latent) variables."""
        return tuple(variable.name for variable in self.variables if variable.latent)

    @property
    def observed(self) -> tuple[str, ...]:
        """Names of measured variables."""
        return tuple(variable.name for variable in self.variables if not variable.latent)

    @property
    def edge_pairs(self) -> list[tuple[str, str]]:
        """The edges as ``(cause, effect)`` pairs, in order."""
        return [edge.pair for edge in self.edges]

    @property
    def undirected_pairs(self) -> list[tuple[str, str]]:
        """The unoriented edges as ``(first, second)`` pairs, in order."""
        return [edge.pair for edge in self.undirected]

    @property
    def cycles(self) -> tuple[tuple[str, ...], ...]:
        """The directed cycles (feedback loops), shortest first; empty for a DAG.

        A two-way link ``a -> b``, ``b -> a`` is the cycle ``('a', 'b')``. At most
        `CYCLE_LIMIT` cycles are listed.
        """
        return tuple(directed_cycles(self.edge_pairs))

    @property
    def allows_cycles(self) -> bool:
        """True for a summary graph meant to keep feedback loops (``metadata["acyclic"]`` False)."""
        return self.metadata.get("acyclic") is False

    def variable(self, name: str) -> Variable:
        """Return the variable called `name` (`InputError` if unknown)."""
        return Variables(self.variables).get(name)

    def edge(self, source: str, target: str) -> Edge:
        """Return the edge ``source -> target`` (`KeyError` if absent)."""
        for edge in self.edges:
            if edge.source == source and edge.target == target:
                return edge
        raise KeyError(f"no edge {source!r} -> {target!r}")

    def has_edge(self, source: str, target: str) -> bool:
        """True if ``source -> target`` is in the graph."""
        return any(edge.source == source and edge.target == target for edge in self.edges)

    def to_networkx(self) -> nx.DiGraph[str]:
        """Return a `networkx.DiGraph`; node and edge attributes carry descriptions and evidence.

        Node attributes: ``description``, ``latent`` (and ``unit``, ``type`` when set).
        Edge attributes: ``confidence``, ``votes``, ``asked``, ``rationale``, ``origin``.
        Unoriented edges are not edges of the DiGraph (a tool would read them as directions):
        they are listed as ``[first, second, kind]`` in ``graph.graph["undirected"]``.
        """
        graph: nx.DiGraph[str] = nx.DiGraph()
        for variable in self.variables:
            attributes: dict[str, Any] = {
                "description": variable.description,
                "latent": variable.latent,
            }
            if variable.unit is not None:
                attributes["unit"] = variable.unit
            if variable.type is not None:
                attributes["type"] = variable.type
            graph.add_node(variable.name, **attributes)
        for edge in self.edges:
            graph.add_edge(
                edge.source,
                edge.target,
                confidence=edge.confidence,
                votes=edge.votes,
                asked=edge.asked,
                rationale=edge.rationale,
                origin=edge.provenance[0].origin if edge.provenance else "user",
            )
        if self.undirected:
            graph.graph["undirected"] = [[*edge.pair, edge.kind] for edge in self.undirected]
        return graph

    def is_acyclic(self) -> bool:
        """True if the graph has no directed cycle."""
        return bool(nx.is_directed_acyclic_graph(self.to_networkx()))

    def is_dag(self) -> bool:
        """True if the graph is acyclic and every edge is oriented (`undirected` is empty)."""
        return not self.undirected and self.is_acyclic()

    def require_acyclic(self) -> None:
        """Raise `CyclicGraphError` (an `InputError`) naming the cycles if there are any."""
        require_acyclic(self)

    def require_dag(self, operation: str) -> None:
        """Raise `CyclicGraphError` or `UnorientedEdgesError` unless the graph is a DAG.

        Args:
            operation: what needs the DAG, named in the message.
        """
        require_dag(self, operation)

    def fingerprint(self) -> str:
        """A short hash of the variables and edges (not of the evidence), for review files."""
        content: dict[str, Any] = {
            "variables": sorted(self.names),
            "edges": sorted(self.edge_pairs),
        }
        if self.undirected:  # only then, so fingerprints of oriented graphs stay as they were
            content["undirected"] = sorted(
                [*sorted(edge.pair), edge.kind] for edge in self.undirected
            )
        payload = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    # ----------------------------------------------------------------- edits
    def with_latent(
        self, variables: Iterable[Variable], edges: Iterable[tuple[str, str]] = ()
    ) -> CausalGraph:
        """Return a copy with unmeasured variables (and their edges) added."""
        added = [variable.model_copy(update={"latent": True}) for variable in variables]
        new_edges = [
            Edge(source=source, target=target, provenance=(Provenance(origin="user"),))
            for source, target in edges
        ]
        return CausalGraph(
            variables=(*self.variables, *added),
            edges=(*self.edges, *new_edges),
            undirected=self.undirected,
            dropped=self.dropped,
            usage=self.usage,
            metadata=self.metadata,
        )

    def without_edges(self, pairs: Iterable[tuple[str, str]]) -> CausalGraph:
        """Return a copy without the given edges (absent ones are ignored)."""
        removed = set(pairs)
        return self.model_copy(
            update={"edges": tuple(edge for edge in self.edges if edge.pair not in removed)}
        )

    # ----------------------------------------------------------------- display
    def __repr__(self) -> str:
        """One short line, e.g. ``<CausalGraph: 32 variables (1 latent), 62 edges, 3 dropped>``.

        ``str(graph)`` lists every edge; `to_json` holds everything.
        """
        parts = [counted(len(self.variables), "variable")]
        if self.latent:
            parts[0] += f" ({len(self.latent)} latent)"
        parts.append(counted(len(self.edges), "edge"))
        if self.undirected:
            parts.append(f"{len(self.undirected)} unoriented")
        if self.dropped:
            parts.append(f"{len(self.dropped)} dropped")
        return f"<CausalGraph: {', '.join(parts)}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text display: the short `repr`."""
        printer.text(repr(self))

    def __str__(self) -> str:
        lines = [
            f"CausalGraph: {counted(len(self.variables), 'variable')}, "
            f"{counted(len(self.edges), 'edge')}"
        ]
        lines += [
            f"  {edge.source} -> {edge.target}  (confidence {edge.confidence:.2f})"
            for edge in self.edges
        ]
        lines += [f"  {edge.first} {edge.symbol} {edge.second}" for edge in self.undirected]
        if self.cycles:
            lines.append(f"  cycles: {len(self.cycles)}")
        if self.dropped:
            lines.append(f"  dropped: {len(self.dropped)}")
            lines += [
                f"    {item.edge.source} -> {item.edge.target}: {item.reason}"
                + (" (reversed)" if item.reversed else "")
                for item in self.dropped
            ]
        return "\n".join(lines)

    def to_review_html(
        self,
        path: str | Path | None = None,
        *,
        critique: Any = None,
        title: str | None = None,
        sensitivity: Any = None,
    ) -> str:
        """Write (and return) the self-contained review page for a domain expert.

        The page works from ``file://`` with no network: the graph as SVG, every edge with
        its rationale, confidence and votes, the dropped edges, critique findings if given,
        a `SensitivityReport`'s plot and bounds if given, and accept / reject / reverse /
        comment / add-edge controls. "Export decisions" downloads a JSON file that
        `apply_review` reads back.
        """
        from ..review._page import to_review_html

        return to_review_html(self, path, critique=critique, title=title, sensitivity=sensitivity)

    def _repr_svg_(self) -> str:
        """Inline display in Jupyter: the graph drawn by our layered layout."""
        from ._layout import render_svg

        return render_svg(self)

    def _repr_html_(self) -> str:
        """Inline display in Jupyter: the picture plus a table of edges."""
        from ..review._page import graph_repr_html

        return graph_repr_html(self)

    def apply_review(self, decisions: ReviewDecisions | str | Path) -> CausalGraph:
        """Return the graph after an expert's review decisions (see `apply_review`)."""
        from ..review._decisions import apply_review

        return apply_review(self, decisions)
