"""The ``per_node`` strategy: for each variable, one query for its direct causes (n queries)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from ..llm._engine import Answer
from ..llm._query import Query
from ..llm._reply_schema import (
    Confidence,
    Rationale,
    ReplyModel,
    VariableName,
    confidence_score,
    unique_by,
)
from ._strategy import GraphProblem, ProposedEdge


class CauseItem(ReplyModel):
    """One proposed direct cause."""

    variable: VariableName
    rationale: Rationale
    confidence: Confidence


class DirectCausesReply(ReplyModel):
    """The reply to a per-node query: the target's direct causes among the candidates."""

    causes: list[CauseItem] = Field(max_length=40)


class PerNodeStrategy:
    """Ask, for each variable, which of the others are its direct causes.

    n queries per sample, all independent, so they run concurrently; each prompt holds all
    variable descriptions, so prompt tokens grow as n squared overall.
    """

    name: ClassVar[str] = "per_node"
    template: ClassVar[str] = "per_node"

    def queries(self, problem: GraphProblem, sample: int, persona: str | None) -> list[Query]:
        names = problem.variables.names
        constraints = problem.constraints
        described = dict(zip(names, problem.described(), strict=True))  # once, not n times
        queries = []
        for target in names:
            candidates = tuple(name for name in names if name != target)
            inputs = {
                "context": problem.context,
                "persona": persona,
                "target": described[target],
                "candidates": [described[name] for name in candidates],
                "required": [s for s, t in constraints.required if t == target],
                "forbidden": sorted(s for s, t in constraints.forbidden if t == target),
                "later": [name for name in candidates if constraints.violates_tiers(name, target)],
            }
            queries.append(
                Query(
                    task=self.name,
                    template=self.template,
                    inputs=inputs,
                    reply_model=DirectCausesReply,
                    names=candidates,
                    subject=(target,),
                    sample=sample,
                    max_tokens=min(256 + 96 * len(candidates), 4096),
                    max_items=len(candidates),
                )
            )
        return queries

    def proposals(self, answer: Answer[Any]) -> list[ProposedEdge]:
        reply: DirectCausesReply = answer.reply
        target = answer.query.subject[0]
        return [
            ProposedEdge(
                source=item.variable,
                target=target,
                score=confidence_score(item.confidence),
                rationale=item.rationale,
                cache_keys=answer.cache_keys,
                sample=answer.query.sample,
            )
            for item in unique_by(reply.causes, "variable")
        ]

    def call_count(self, variable_count: int) -> int:
        return variable_count
