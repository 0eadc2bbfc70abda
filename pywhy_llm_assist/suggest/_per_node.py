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

    n queries per sample, all independent, so they run concurrently. Each prompt holds all
    variable descriptions, so prompt tokens grow as n squared overall; but the n prompts differ
    only in their last lines (the target), so servers that cache prompt prefixes (OpenAI,
    vLLM, llama.cpp) bill or compute the shared part once.
    """

    name: ClassVar[str] = "per_node"
    template: ClassVar[str] = "per_node"

    def queries(self, problem: GraphProblem, sample: int, persona: str | None) -> list[Query]:
        names = problem.variables.names
        constraints = problem.constraints
        # Every prompt starts with the same variable list (the target included) and names its
        # target at the end, so a server's prompt cache reuses all but the last line; the reply
        # schema is the same for every target too (a cause naming the target itself is dropped
        # as a self-loop when the graph is assembled).
        variables = problem.described()
        described = dict(zip(names, variables, strict=True))
        candidates = len(names) - 1
        queries = []
        for target in names:
            inputs = {
                "context": problem.context,
                "persona": persona,
                "variables": variables,
                "target": described[target],
                # what templates written for 0.1.0 used (custom prompt folders keep working)
                "candidates": [item for name, item in described.items() if name != target],
                "required": [s for s, t in constraints.required if t == target],
                "forbidden": sorted(s for s, t in constraints.forbidden if t == target),
                "later": [
                    name
                    for name in names
                    if name != target and constraints.violates_tiers(name, target)
                ],
            }
            queries.append(
                Query(
                    task=self.name,
                    template=self.template,
                    inputs=inputs,
                    reply_model=DirectCausesReply,
                    names=names,
                    subject=(target,),
                    sample=sample,
                    max_tokens=min(256 + 96 * candidates, 4096),
                    max_items=candidates,
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
