"""The ``pairwise`` strategy: one query per unordered pair (the classic method; n(n-1)/2 calls)."""

from __future__ import annotations

from itertools import combinations
from typing import Any, ClassVar, Literal

from ..llm._engine import Answer
from ..llm._query import Query
from ..llm._reply_schema import Confidence, Rationale, ReplyModel, confidence_score
from ._strategy import GraphProblem, ProposedEdge


class PairReply(ReplyModel):
    """The reply to a pairwise query."""

    relation: Literal["a_causes_b", "b_causes_a", "neither"]
    rationale: Rationale
    confidence: Confidence


class PairwiseStrategy:
    """Ask about each unordered pair separately.

    Kept for comparison with the literature (Kıcıman et al. 2023) and for very small sets:
    the calls grow as n(n-1)/2, so 40 variables take 780 queries per sample. Every prompt
    shows all variables with their descriptions and names the pair at the end, so a server's
    prompt cache reuses all but the last lines.
    """

    name: ClassVar[str] = "pairwise"
    template: ClassVar[str] = "pairwise"

    def queries(self, problem: GraphProblem, sample: int, persona: str | None) -> list[Query]:
        names = problem.variables.names
        variables = problem.described()  # the same list first in every prompt; the pair last
        described = dict(zip(names, variables, strict=True))
        queries = []
        for first, second in combinations(names, 2):
            queries.append(
                Query(
                    task=self.name,
                    template=self.template,
                    inputs={
                        "context": problem.context,
                        "persona": persona,
                        "variables": variables,
                        "a": described[first],
                        "b": described[second],
                        # what templates written for 0.1.0 used (custom prompt folders)
                        "others": [name for name in names if name not in (first, second)],
                    },
                    reply_model=PairReply,
                    names=(first, second),
                    subject=(first, second),
                    sample=sample,
                    max_tokens=256,
                )
            )
        return queries

    def proposals(self, answer: Answer[Any]) -> list[ProposedEdge]:
        reply: PairReply = answer.reply
        first, second = answer.query.subject
        directions = {"a_causes_b": (first, second), "b_causes_a": (second, first)}
        if reply.relation not in directions:
            return []
        source, target = directions[reply.relation]
        return [
            ProposedEdge(
                source=source,
                target=target,
                score=confidence_score(reply.confidence),
                rationale=reply.rationale,
                cache_keys=answer.cache_keys,
                sample=answer.query.sample,
            )
        ]

    def call_count(self, variable_count: int) -> int:
        return variable_count * (variable_count - 1) // 2
