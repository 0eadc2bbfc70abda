"""Results of the identification tasks: confounders, instruments, mediators, controls."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from ..core._json_file import JsonFile
from ..core._usage import Usage
from ..core._variables import Variable
from ..graph._causal_graph import CausalGraph, Edge, Provenance

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

    def add_to_graph(self, graph: CausalGraph) -> CausalGraph:
        """Add every unmeasured confounder as a latent node causing treatment and outcome.

        Measured confounders get edges to treatment and outcome where the graph lacks them,
        unless an edge would close a cycle.
        """
        graph.variable(self.treatment)
        graph.variable(self.outcome)
        latent = [
            Variable(name=item.variable, description=item.description, latent=True)
            for item in self.unmeasured
            if item.role == "confounder" and item.variable not in graph.names
        ]
        edges = list(graph.edges)
        for item in self.by_role("confounder"):
            for target in (self.treatment, self.outcome):
                if item.variable == target or any(
                    edge.pair == (item.variable, target) for edge in edges
                ):
                    continue
                edges.append(
                    Edge(
                        source=item.variable,
                        target=target,
                        confidence=item.confidence,
                        rationale=item.rationale,
                        provenance=(item.provenance,),
                    )
                )
        updated = CausalGraph(
            variables=(*graph.variables, *latent),
            edges=tuple(edges),
            dropped=graph.dropped,
            usage=graph.usage,
            metadata=graph.metadata,
        )
        if not updated.is_acyclic():
            network = graph.to_networkx()
            existing = set(graph.edges)
            safe = [
                edge
                for edge in edges
                if edge in existing or not nx.has_path(network, edge.target, edge.source)
            ]
            updated = updated.model_copy(update={"edges": tuple(safe)})
            updated.require_acyclic()
        return updated

    def __str__(self) -> str:
        header = (
            f"{self.task} for {self.treatment} -> {self.outcome}: {len(self.items)} suggestions"
        )
        return "\n".join([header, *(f"  {item}" for item in self.items)])
