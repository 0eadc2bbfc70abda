"""Results of the identification tasks: confounders, instruments, mediators, controls."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from ..core._json_file import JsonFile
from ..core._usage import Usage
from ..core._variables import Variable
from ..graph._causal_graph import CausalGraph, DroppedEdge, DropReason, Edge, Provenance

Role = Literal[
    "confounder",
    "instrument",
    "mediator",
    "negative_control_outcome",
    "negative_control_exposure",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Condition(BaseModel):
    """One condition argued by the model or checked on the graph.

    Attributes:
        name: ``relevance``, ``exclusion``, ``independence``, ``common_cause``, ...
        holds: whether it holds.
        explanation: one sentence.
    """

    model_config = _FROZEN

    name: str
    holds: bool
    explanation: str = ""


class VariableSuggestion(BaseModel):
    """A variable proposed for a role in the analysis, with the model's and the graph's view.

    Attributes:
        role: what it is proposed as.
        variable: its name (for unmeasured confounders: a name the model proposed).
        measured: False for a proposed unmeasured (latent) variable.
        description: for unmeasured variables, what it is.
        rationale: the model's reason.
        confidence: 0..1.
        model_conditions: conditions the model argued (instruments: relevance, exclusion,
            independence).
        graph_conditions: the same conditions checked on the analyst's graph, when given.
        provenance: model, prompt version and cache keys.
    """

    model_config = _FROZEN

    role: Role
    variable: str
    measured: bool = True
    description: str = ""
    rationale: str = ""
    confidence: float = Field(ge=0.0, le=1.0)
    model_conditions: tuple[Condition, ...] = ()
    graph_conditions: tuple[Condition, ...] = ()
    provenance: Provenance = Provenance()

    @property
    def graph_verdict(self) -> bool | None:
        """True/False when the graph confirms/contradicts the role; None without a graph."""
        if not self.graph_conditions:
            return None
        return all(condition.holds for condition in self.graph_conditions)

    def __str__(self) -> str:
        kind = "" if self.measured else " (unmeasured)"
        verdict = {True: "; graph agrees", False: "; graph disagrees", None: ""}[self.graph_verdict]
        return f"{self.role}: {self.variable}{kind} (confidence {self.confidence:.2f}{verdict})"


class Suggestions(JsonFile):
    """What an identification task proposed for one treatment and outcome.

    Attributes:
        task: ``confounders``, ``instruments``, ``mediators`` or ``negative_controls``.
        treatment, outcome: the effect of interest.
        items: the suggestions, most confident first.
        usage: what the model calls cost.
        metadata: model, prompt version, context.
    """

    model_config = _FROZEN
    json_label: ClassVar[str] = "suggestions JSON"

    task: str
    treatment: str
    outcome: str
    items: tuple[VariableSuggestion, ...] = ()
    usage: Usage | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Names of all suggested variables, in order."""
        return [item.variable for item in self.items]

    @property
    def measured(self) -> tuple[VariableSuggestion, ...]:
        """Suggestions among the analyst's variables."""
        return tuple(item for item in self.items if item.measured)

    @property
    def unmeasured(self) -> tuple[VariableSuggestion, ...]:
        """Proposed variables that are not measured."""
        return tuple(item for item in self.items if not item.measured)

    def by_role(self, role: Role) -> tuple[VariableSuggestion, ...]:
        """Suggestions with the given role."""
        return tuple(item for item in self.items if item.role == role)

    def add_to_graph(self, graph: CausalGraph, *, include_measured: bool = False) -> CausalGraph:
        """Add the suggested unmeasured confounders to `graph` as latent nodes.

        Each unmeasured confounder becomes a latent variable with two edges, to the treatment
        and to the outcome. Nothing else is added unless asked: a measured confounder's
        missing edges are added only with ``include_measured=True``, and never for a
        suggestion the graph check disagrees with (``graph_verdict is False``: the graph you
        gave says it is not a common cause, e.g. it is an instrument). Every edge left out
        (not requested, the graph disagrees, or it would close a cycle) is listed in the
        result's ``dropped`` with its reason, so nothing the model proposed is lost.

        Args:
            graph: the graph to extend (it must contain the treatment and the outcome).
            include_measured: also add edges from measured confounders to the treatment and
                the outcome where the graph lacks them.

        Example:
            >>> graph = CausalGraph.from_edges(["z", "t", "y"], [("z", "t"), ("t", "y")])
            >>> found = Suggestions(task="confounders", treatment="t", outcome="y", items=(
            ...     VariableSuggestion(role="confounder", variable="genes", measured=False,
            ...                        confidence=0.8),))
            >>> found.add_to_graph(graph).edge_pairs[2:]
            [('genes', 't'), ('genes', 'y')]
        """
        graph.variable(self.treatment)
        graph.variable(self.outcome)
        latent = [
            Variable(name=item.variable, description=item.description, latent=True)
            for item in self.unmeasured
            if item.role == "confounder" and item.variable not in graph.names
        ]
        latent_names = {variable.name for variable in latent} | set(graph.latent)
        network = graph.to_networkx()
        network.add_nodes_from(variable.name for variable in latent)
        edges = list(graph.edges)
        dropped = list(graph.dropped)
        for item in self.by_role("confounder"):
            left_out = _reason_to_leave_out(item, item.variable in latent_names, include_measured)
            for target in (self.treatment, self.outcome):
                if item.variable == target or network.has_edge(item.variable, target):
                    continue
                edge = Edge(
                    source=item.variable,
                    target=target,
                    confidence=item.confidence,
                    rationale=item.rationale,
                    provenance=(item.provenance,),
                )
                reason = left_out
                if reason is None and nx.has_path(network, target, item.variable):
                    reason = "cycle"
                if reason is not None:
                    dropped.append(DroppedEdge(edge=edge, reason=reason, detail=_DETAIL[reason]))
                    continue
                network.add_edge(item.variable, target)
                edges.append(edge)
        return CausalGraph(
            variables=(*graph.variables, *latent),
            edges=tuple(edges),
            dropped=tuple(dropped),
            usage=graph.usage,
            metadata=graph.metadata,
        )

    def __repr__(self) -> str:
        """One short line, e.g. ``<Suggestions confounders for t -> y: 3 (1 unmeasured)>``."""
        hidden = len(self.unmeasured)
        extra = f" ({hidden} unmeasured)" if hidden else ""
        return (
            f"<Suggestions {self.task} for {self.treatment} -> {self.outcome}: "
            f"{len(self.items)}{extra}>"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text display: the short `repr`."""
        printer.text(repr(self))

    def __str__(self) -> str:
        header = (
            f"{self.task} for {self.treatment} -> {self.outcome}: {len(self.items)} suggestions"
        )
        return "\n".join([header, *(f"  {item}" for item in self.items)])


_DETAIL: dict[DropReason, str] = {
    "not_requested": (
        "a measured confounder's edge; add_to_graph(..., include_measured=True) adds it"
    ),
    "graph_disagrees": (
        "the graph check says this variable is not a common cause of treatment and outcome; "
        "the edge was not added"
    ),
    "cycle": "adding this confounder's edge would close a cycle",
}


def _reason_to_leave_out(
    item: VariableSuggestion, is_latent: bool, include_measured: bool
) -> DropReason | None:
    """Why the edges of confounder `item` stay out of the graph (None: add them).

    A node that is not latent (in the graph, or added as a latent node here) is measured.
    """
    if item.graph_verdict is False:
        return "graph_disagrees"
    if not is_latent and not include_measured:
        return "not_requested"
    return None
