"""The ``whole`` strategy: one query proposes the whole graph (small variable sets)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from ..llm._engine import Answer
from ..llm._query import Query
from ..llm._reply_schema import Confidence, Rationale, ReplyModel, VariableName, confidence_score
from ._strategy import GraphProblem, ProposedEdge


class EdgeItem(ReplyModel):
    """One proposed edge."""

    cause: VariableName
    effect: VariableName
    rationale: Rationale
    confidence: Confidence


class WholeGraphReply(ReplyModel):
    """The reply to a whole-graph query."""

    edges: list[EdgeItem] = Field(max_length=80)


FEEDBACK_TEMPLATE = "whole_graph_feedback"
"""The whole-graph prompt for ``acyclic=False``: it allows loops instead of forbidding them."""


class WholeGraphStrategy:
    """Ask for all edges at once: one query per sample.

    Cheapest in calls and tokens; the reply grows with the graph, and a long list is where
    models lose track, so `auto` uses it only for a few variables.
    """

    name: ClassVar[str] = "whole"
    template: ClassVar[str] = "whole_graph"

    def queries(self, problem: GraphProblem, sample: int, persona: str | None) -> list[Query]:
        names = problem.variables.names
        constraints = problem.constraints.as_lists()
        inputs = {
            "context": problem.context,
            "persona": persona,
            "variables": problem.described(),
            **constraints,
        }
        pair_count = len(names) * (len(names) - 1)
        return [
            Query(
                task=self.name,
                # A summary graph with feedback loops is asked for with its own wording.
                template=self.template if problem.acyclic else FEEDBACK_TEMPLATE,
                inputs=inputs,
                reply_model=WholeGraphReply,
                names=names,
                subject=names,
                sample=sample,
                max_tokens=min(512 + 120 * len(names) * 2, 8192),
                max_items=min(pair_count // 2 or 1, 80),
            )
        ]

    def proposals(self, answer: Answer[Any]) -> list[ProposedEdge]:
        reply: WholeGraphReply = answer.reply
        seen: set[tuple[str, str]] = set()
        edges = []
        for item in reply.edges:
            if (item.cause, item.effect) in seen:
                continue
            seen.add((item.cause, item.effect))
            edges.append(
                ProposedEdge(
                    source=item.cause,
                    target=item.effect,
                    score=confidence_score(item.confidence),
                    rationale=item.rationale,
                    cache_keys=answer.cache_keys,
                    sample=answer.query.sample,
                )
            )
        return edges

    def call_count(self, variable_count: int) -> int:
        return 1
