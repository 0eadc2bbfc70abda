"""What a graph-suggestion strategy is: queries out, proposed edges back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from ..core._variables import Variables
from ..llm._engine import Answer
from ..llm._query import Query
from ._constraints import Constraints


@dataclass(frozen=True)
class GraphProblem:
    """The question a strategy answers: variables, context and background knowledge.

    `acyclic` False asks for a summary graph that may have feedback loops.
    """

    variables: Variables
    context: str | None
    constraints: Constraints
    acyclic: bool = True

    def described(self, names: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Variables as JSON-ready dicts (name, description and any unit, type, states)."""
        wanted = set(names) if names is not None else None
        return [
            variable.model_dump(exclude_defaults=True, exclude={"latent"}, mode="json")
            for variable in self.variables
            if wanted is None or variable.name in wanted
        ]


@dataclass(frozen=True)
class ProposedEdge:
    """One vote for ``source -> target`` from one answer."""

    source: str
    target: str
    score: float
    rationale: str
    cache_keys: tuple[str, ...]
    sample: int


class GraphStrategy(Protocol):
    """A way of asking the model for a causal graph.

    Each sample asks about every ordered pair of variables once, so vote shares are
    comparable across strategies.
    """

    name: ClassVar[str]
    template: ClassVar[str]

    def queries(self, problem: GraphProblem, sample: int, persona: str | None) -> list[Query]:
        """The queries of one sample."""
        ...

    def proposals(self, answer: Answer[Any]) -> list[ProposedEdge]:
        """The edges one answer proposes."""
        ...

    def call_count(self, variable_count: int) -> int:
        """Queries per sample for `variable_count` variables."""
        ...
