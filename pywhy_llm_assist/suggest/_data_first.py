"""The ``data_first`` strategy: PC on the data, then the model orients what the data leave open.

The published hybrids that work ask the model only about the edges the data propose or leave
open (Long et al. 2023; ILS-CSL; Causal-Copilot), so the calls grow with the data graph's edges,
not with all pairs. Here:

1. PC (causal-learn, with the data layer's typed tests: `run_pc`) learns a CPDAG.
2. Each undirected edge ``a --- b`` is asked about twice, once as (a, b) and once as (b, a), in
   a neutral question ("which way, if any?"). Only two answers that agree orient it; a "not
   sure", a "neither", or answers that change with the order leave it undirected, for the expert.
3. Each edge PC directed is asked about once, in the same neutral wording (the pair in name
   order, never in the data's direction): agreeing confirms it (provenance data and model), any
   other answer disputes it (kept, as the data say, with the dispute in its rationale). The
   model is not told the data's direction, so its agreement on these edges, which the data
   oriented by themselves, is an honest calibration of its other orientations.
4. The orientations are applied one at a time, most confident first, only while the graph stays
   in the data's Markov equivalence class (no new v-structure, an acyclic extension left), with
   Meek's rules after each (`_data_orient`).

Calls: exactly 2 per undirected edge plus 1 per directed edge that is not a required edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..graph._causal_graph import CausalGraph
from ..llm._engine import Answer
from ..llm._query import Query
from ..llm._reply_schema import Confidence, Rationale, ReplyModel, confidence_score
from ._strategy import GraphProblem

STRATEGY = "data_first"
TEMPLATE = "orient_edge"
Pair = tuple[str, str]
Direction = Literal["a_causes_b", "b_causes_a", "neither", "not_sure"]


class OrientationReply(ReplyModel):
    """The reply to an orientation question about two variables the data relate directly."""

    direction: Direction
    rationale: Rationale
    confidence: Confidence


@dataclass(frozen=True)
class Verdict:
    """One answer in the pair's own terms.

    Attributes:
        cause_effect: the direction the model gave (None for neither or not sure).
        kind: ``direction``, ``neither`` or ``not_sure``.
        score: the stated confidence as a number.
        rationale: the model's reason.
        cache_keys: the cached exchanges behind it.
        asked_as: the order the pair was shown in (A, B).
    """

    cause_effect: Pair | None
    kind: Literal["direction", "neither", "not_sure"]
    score: float
    rationale: str
    cache_keys: tuple[str, ...]
    asked_as: Pair

    def describe(self) -> str:
        """``a -> b``, ``neither`` or ``not sure``, for rationales."""
        if self.cause_effect is not None:
            return f"{self.cause_effect[0]} -> {self.cause_effect[1]}"
        return "no direct link" if self.kind == "neither" else "not sure"


def read_verdict(answer: Answer[Any]) -> Verdict:
    """Turn an `OrientationReply` into a `Verdict` about the pair it was asked about."""
    reply: OrientationReply = answer.reply
    first, second = answer.query.subject
    directions: dict[str, Pair] = {"a_causes_b": (first, second), "b_causes_a": (second, first)}
    kind: Literal["direction", "neither", "not_sure"] = (
        "direction" if reply.direction in directions else reply.direction  # type: ignore[assignment]
    )
    return Verdict(
        cause_effect=directions.get(reply.direction),
        kind=kind,
        score=confidence_score(reply.confidence),
        rationale=reply.rationale,
        cache_keys=answer.cache_keys,
        asked_as=(first, second),
    )


@dataclass(frozen=True)
class Question:
    """One edge of the data graph the model is asked about.

    Attributes:
        pair: the edge as the data graph has it (``first --- second``, or ``source -> target``).
        kind: ``open`` (undirected: asked twice) or ``directed`` (asked once).
    """

    pair: Pair
    kind: Literal["open", "directed"]

    def orders(self) -> list[Pair]:
        """The orders the pair is shown in: both for an open edge, name order for a directed one."""
        if self.kind == "open":
            return [self.pair, (self.pair[1], self.pair[0])]
        return [tuple(sorted(self.pair))]  # type: ignore[list-item]


def questions_for(data_graph: CausalGraph, problem: GraphProblem) -> list[Question]:
    """What to ask: every undirected edge, and every directed edge that is not required."""
    open_edges = [
        Question(edge.pair, "open") for edge in data_graph.undirected if edge.kind == "undirected"
    ]
    directed = [
        Question(edge.pair, "directed")
        for edge in data_graph.edges
        if not problem.constraints.is_required(*edge.pair)
    ]
    return open_edges + directed


def orientation_queries(
    questions: list[Question], problem: GraphProblem, persona: str | None
) -> list[Query]:
    """The queries: the same instructions, context and variable list, the pair asked about last."""
    variables = problem.described()
    queries = []
    for question in questions:
        for first, second in question.orders():
            queries.append(
                Query(
                    task=TEMPLATE,
                    template=TEMPLATE,
                    inputs={
                        "context": problem.context,
                        "persona": persona,
                        "variables": variables,
                        "a": first,
                        "b": second,
                    },
                    reply_model=OrientationReply,
                    names=(first, second),
                    subject=(first, second),
                    max_tokens=256,
                )
            )
    return queries


def call_bound(data_graph: CausalGraph) -> int:
    """The most calls `data_first` makes for `data_graph`: 2 per undirected, 1 per directed edge.

    Example:
        >>> graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b")], undirected=[("b", "c")])
        >>> call_bound(graph)
        3
    """
    undirected = sum(1 for edge in data_graph.undirected if edge.kind == "undirected")
    return 2 * undirected + len(data_graph.edges)
