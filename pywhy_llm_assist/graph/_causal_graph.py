"""CausalGraph: a DAG whose every edge keeps its rationale, confidence, votes and provenance."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..core._errors import GraphFormatError, InputError
from ..core._json_file import JsonFile, first_error
from ..core._text import counted
from ..core._usage import Usage
from ..core._variables import Variable, Variables, VariablesLike

if TYPE_CHECKING:
    from ..review._decisions import ReviewDecisions

EdgeOrigin = Literal["model", "required", "user", "review", "import", "simulated"]
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
]


class Provenance(BaseModel):
    """Where an edge came from.

    Attributes:
        origin: ``model`` (proposed by a language model), ``required`` (a constraint),
            ``user`` (drawn by the analyst), ``review`` (added or changed by an expert),
            ``import`` (read from a file), ``simulated`` (the simulated expert).
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


class CausalGraph(JsonFile):
    """A causal DAG over named variables, with evidence on every edge.

    Build one with `CausalGraph.from_edges`, get one from `Assistant.suggest_graph`, or import
    one (`from_networkx`, `from_dot`, `from_gml`, `from_dagitty`, `from_json`).

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
    ) -> CausalGraph:
        """Build a graph from variables and ``(cause, effect)`` pairs.

        Args:
            variables: names, a dict name -> description, or Variable objects.
            edges: pairs or `Edge` objects.
            latent: names to mark as unmeasured.
            origin: provenance origin given to plain pairs.
            check_acyclic: raise `InputError` if the edges form a cycle.
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
        graph = cls(variables=items, edges=built)
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
        return graph

    def is_acyclic(self) -> bool:
        """True if the graph has no directed cycle."""
        return bool(nx.is_directed_acyclic_graph(self.to_networkx()))

    def require_acyclic(self) -> None:
        """Raise `InputError` naming a cycle if there is one."""
        graph = self.to_networkx()
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        path = " -> ".join([str(cycle[0][0]), *(str(step[1]) for step in cycle)])
        raise InputError(f"the graph has a cycle: {path}; a causal graph must be acyclic")

    def fingerprint(self) -> str:
        """A short hash of the variables and edges (not of the evidence), for review files."""
        payload = json.dumps(
            {"variables": sorted(self.names), "edges": sorted(self.edge_pairs)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
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

    # ----------------------------------------------------------------- formats and hand-offs
    # Thin delegates to `_exports` (writers, DoWhy, causal-learn) and `_importers`
    # (readers); imported inside each method to avoid an import cycle.
    def to_dot(self, *, name: str | None = None, edge_labels: bool = True) -> str:
        """Return the graph as a Graphviz DOT ``digraph`` that `from_dot` reads back.

        Latent nodes are dashed and marked ``latent="true"``; edges carry their confidence,
        votes and rationale. Without a `name` the text starts ``digraph {``, so DoWhy takes it
        as a string: ``dowhy.CausalModel(data, t, y, graph=graph.to_dot())``.
        """
        from ._exports import to_dot

        return to_dot(self, name=name, edge_labels=edge_labels)

    def to_gml(self) -> str:
        """Return the graph as GML (see `to_gml`)."""
        from ._exports import to_gml

        return to_gml(self)

    def to_dagitty(
        self,
        *,
        exposure: str | Sequence[str] | None = None,
        outcome: str | Sequence[str] | None = None,
    ) -> str:
        """Return the graph in DAGitty syntax, latent variables marked (see `to_dagitty`)."""
        from ._exports import to_dagitty

        return to_dagitty(self, exposure=exposure, outcome=outcome)

    def to_mermaid(self, *, edge_labels: bool = True) -> str:
        """Return the graph as a Mermaid ``flowchart TD`` (see `to_mermaid`)."""
        from ._exports import to_mermaid

        return to_mermaid(self, edge_labels=edge_labels)

    def to_dowhy_graph(self) -> nx.DiGraph[str]:
        """Return a DiGraph for ``dowhy.CausalModel(graph=...)`` (see `to_dowhy_graph`)."""
        from ._exports import to_dowhy_graph

        return to_dowhy_graph(self)

    def to_causal_model(
        self,
        data: Any,
        treatment: str | Sequence[str],
        outcome: str | Sequence[str],
        **kwargs: Any,
    ) -> Any:
        """Return a ``dowhy.CausalModel`` over `data`, latent variables passed as unobserved.

        Args:
            data: a pandas DataFrame with one column per measured variable of the graph.
            treatment, outcome: variable name(s).
            **kwargs: passed to ``dowhy.CausalModel``.

        Raises:
            InputError: a treatment, outcome or other measured variable is not a column of
                `data` (the message lists the missing columns), or a latent variable is one.
            OptionalDependencyError: DoWhy is not installed (``pip install
                "pywhy-llm-assist[dowhy]"``).
        """
        from ._exports import to_causal_model

        return to_causal_model(self, data, treatment, outcome, **kwargs)

    def to_background_knowledge(
        self,
        *,
        forbid_absent: bool = False,
        node_names: Sequence[str] | None = None,
        node_labels: Literal["names", "positions"] = "names",
    ) -> Any:
        """Return causal-learn ``BackgroundKnowledge`` (see `to_background_knowledge`)."""
        from ._exports import to_background_knowledge

        return to_background_knowledge(
            self, forbid_absent=forbid_absent, node_names=node_names, node_labels=node_labels
        )

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph[Any]) -> CausalGraph:
        """Build a graph from a `networkx.DiGraph` (see `from_networkx`)."""
        from ._importers import from_networkx

        return from_networkx(graph)

    @classmethod
    def from_dot(cls, source: str | Path) -> CausalGraph:
        """Read a Graphviz DOT ``digraph`` from its text or a file path.

        Node attributes ``description`` and ``latent`` (or DoWhy's ``observed="no"``) and
        edge attributes ``confidence``, ``votes``, ``asked`` and ``rationale`` are kept. A
        one-line string naming no existing file is a "file not found" `GraphFormatError`.
        """
        from ._importers import from_dot

        return from_dot(source)

    @classmethod
    def from_gml(cls, source: str | Path) -> CausalGraph:
        """Read a directed GML graph (``directed 1``) from its text or a file path.

        Node names come from each node's ``label`` (else its ``id``). A one-line string naming
        no existing file is a "file not found" `GraphFormatError`.
        """
        from ._importers import from_gml

        return from_gml(source)

    @classmethod
    def from_dagitty(cls, source: str | Path) -> CausalGraph:
        """Read a DAGitty ``dag { ... }`` from its text or a file path.

        ``[latent]`` variables become latent; ``a <-> b`` becomes a latent ``U_a_b``;
        exposure and outcome go to ``metadata``. A one-line string naming no existing file is
        a "file not found" `GraphFormatError`.
        """
        from ._importers import from_dagitty

        return from_dagitty(source)
