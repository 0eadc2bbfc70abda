"""The formats and hand-offs of `CausalGraph`, as methods: thin delegates to `_exports` (writers,
DoWhy, causal-learn), `_importers` (readers) and `_causallearn` (causal-learn results).

Each is imported inside its method, to avoid an import cycle with `_causal_graph`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import networkx as nx

from ..core._variables import VariablesLike

if TYPE_CHECKING:
    from ._causal_graph import CausalGraph


def _graph(value: GraphFormats) -> CausalGraph:
    return cast("CausalGraph", value)


class GraphFormats:
    """Export, hand-off and import methods of `CausalGraph` (see the functions they call)."""

    def to_dot(self, *, name: str | None = None, edge_labels: bool = True) -> str:
        """Return the graph as a Graphviz DOT ``digraph`` that `from_dot` reads back.

        Latent nodes are dashed and marked ``latent="true"``; edges carry their confidence,
        votes and rationale. Without a `name` the text starts ``digraph {``, so DoWhy takes it
        as a string: ``dowhy.CausalModel(data, t, y, graph=graph.to_dot())``.
        """
        from ._exports import to_dot

        return to_dot(_graph(self), name=name, edge_labels=edge_labels)

    def to_gml(self) -> str:
        """Return the graph as GML (see `to_gml`)."""
        from ._exports import to_gml

        return to_gml(_graph(self))

    def to_dagitty(
        self,
        *,
        exposure: str | Sequence[str] | None = None,
        outcome: str | Sequence[str] | None = None,
    ) -> str:
        """Return the graph in DAGitty syntax, latent variables marked (see `to_dagitty`)."""
        from ._exports import to_dagitty

        return to_dagitty(_graph(self), exposure=exposure, outcome=outcome)

    def to_mermaid(self, *, edge_labels: bool = True) -> str:
        """Return the graph as a Mermaid ``flowchart TD`` (see `to_mermaid`)."""
        from ._exports import to_mermaid

        return to_mermaid(_graph(self), edge_labels=edge_labels)

    def to_dowhy_graph(self) -> nx.DiGraph[str]:
        """Return a DiGraph for ``dowhy.CausalModel(graph=...)`` (see `to_dowhy_graph`)."""
        from ._exports import to_dowhy_graph

        return to_dowhy_graph(_graph(self))

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
            CyclicGraphError: the graph has feedback loops (DoWhy needs a DAG).
            UnorientedEdgesError: the graph has undirected or bidirected edges.
            OptionalDependencyError: DoWhy is not installed (``pip install
                "pywhy-llm-assist[dowhy]"``).
        """
        from ._exports import to_causal_model

        return to_causal_model(_graph(self), data, treatment, outcome, **kwargs)

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
            _graph(self),
            forbid_absent=forbid_absent,
            node_names=node_names,
            node_labels=node_labels,
        )

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph[Any], *, acyclic: bool = True) -> CausalGraph:
        """Build a graph from a `networkx.DiGraph` (see `from_networkx`)."""
        from ._importers import from_networkx

        return from_networkx(graph, acyclic=acyclic)

    @classmethod
    def from_dot(cls, source: str | Path, *, acyclic: bool = True) -> CausalGraph:
        """Read a Graphviz DOT ``digraph`` from its text or a file path.

        Node attributes ``description`` and ``latent`` (or DoWhy's ``observed="no"``) and
        edge attributes ``confidence``, ``votes``, ``asked`` and ``rationale`` are kept;
        ``dir="none"`` / ``dir="both"`` edges are unoriented; ``acyclic=False`` keeps cycles. A
        one-line string naming no existing file is a "file not found" `GraphFormatError`.
        """
        from ._importers import from_dot

        return from_dot(source, acyclic=acyclic)

    @classmethod
    def from_gml(cls, source: str | Path, *, acyclic: bool = True) -> CausalGraph:
        """Read a directed GML graph (``directed 1``) from its text or a file path.

        Node names come from each node's ``label`` (else its ``id``); ``acyclic=False`` keeps
        cycles. A one-line string naming no existing file is a "file not found"
        `GraphFormatError`.
        """
        from ._importers import from_gml

        return from_gml(source, acyclic=acyclic)

    @classmethod
    def from_dagitty(cls, source: str | Path) -> CausalGraph:
        """Read a DAGitty ``dag { ... }`` (or ``pdag``) from its text or a file path.

        ``[latent]`` variables become latent; ``a <-> b`` becomes a latent ``U_a_b``; a pdag's
        ``a -- b`` is unoriented; exposure and outcome go to ``metadata``. A one-line string
        naming no existing file is a "file not found" `GraphFormatError`.
        """
        from ._importers import from_dagitty

        return from_dagitty(source)

    @classmethod
    def from_causallearn(
        cls,
        result: Any,
        variables: VariablesLike | None = None,
        *,
        required: Iterable[Sequence[str]] = (),
    ) -> CausalGraph:
        """Read a causal-learn CPDAG or ``GeneralGraph`` (see `from_causallearn`)."""
        from ._causallearn import from_causallearn

        return from_causallearn(result, variables, required=required)
