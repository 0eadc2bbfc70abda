"""Explain rejected implications: the model says why, the graph checks whether its edit works.

For each implication the data reject, the model gives a domain explanation and proposes one
edit: add an edge, add an unmeasured confounder, or reverse an edge. The library applies each
edit to a copy of the graph and keeps it only if the graph then no longer implies the
rejected independence (d-separation, networkx); the finding says which happened.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from ..core._errors import InputError
from ..data._implication_tests import TEST_LABELS, ImplicationTest, format_p
from ..data._implications import Implication, is_implied
from ..graph._causal_graph import CausalGraph
from ..llm._query import Query
from ..llm._reply_schema import (
    Confidence,
    Rationale,
    ReplyModel,
    ShortText,
    VariableName,
    confidence_score,
)
from ._edits import apply_edits
from ._findings import Finding, Severity, SuggestedEdit

logger = logging.getLogger("pywhy_llm_assist")

#: Most rejected implications sent to the model in one query (the most significant first).
MAX_EXPLAINED = 12

ProposedEdit = Literal["add_edge", "add_latent_confounder", "reverse_edge"]


class ImplicationExplanation(ReplyModel):
    """The model's explanation of one rejected implication, and the edit it proposes."""

    implication: int = Field(ge=1, le=MAX_EXPLAINED)
    explanation: Rationale
    edit: ProposedEdit
    cause: VariableName | None
    effect: VariableName | None
    latent_name: ShortText | None
    latent_description: Rationale | None
    confidence: Confidence


class ImplicationExplanationsReply(ReplyModel):
    """One explanation per rejected implication."""

    explanations: list[ImplicationExplanation] = Field(max_length=MAX_EXPLAINED)


def explain_query(
    graph: CausalGraph, rejected: Sequence[ImplicationTest], context: str | None
) -> Query:
    """The query that asks the model to explain `rejected` (at most `MAX_EXPLAINED`)."""
    shown = list(rejected[:MAX_EXPLAINED])
    implications = [
        {
            "number": number,
            "x": row.x,
            "y": row.y,
            "given": list(row.given),
            "test": TEST_LABELS.get(row.test, row.test),
            "adjusted_p_value": format_p(row.adjusted_p_value),
            **(
                {"effect": f"{row.effect_measure} {row.effect_size:.2f}"}
                if row.effect_size is not None
                else {}
            ),
        }
        for number, row in enumerate(shown, start=1)
    ]
    subject = tuple(dict.fromkeys(name for row in shown for name in (row.x, row.y)))
    return Query(
        task="explain_implications",
        template="explain_implications",
        inputs={
            "context": context,
            "variables": [
                {
                    **variable.model_dump(exclude_defaults=True, exclude={"latent"}, mode="json"),
                    **({"unmeasured": True} if variable.latent else {}),
                }
                for variable in graph.variables
            ],
            "edges": [list(pair) for pair in graph.edge_pairs],
            "implications": implications,
        },
        reply_model=ImplicationExplanationsReply,
        names=graph.names,
        subject=subject,
        max_tokens=min(4096, 512 + 320 * len(shown)),
        max_items=len(shown),
    )


def _proposed_edit(
    item: ImplicationExplanation, row: ImplicationTest, graph: CausalGraph
) -> SuggestedEdit | str:
    """The `SuggestedEdit` the model means, or why it does not fit the graph."""
    cause, effect = item.cause, item.effect
    if item.edit == "add_latent_confounder":
        name = (item.latent_name or "").strip() or f"common cause of {row.x} and {row.y}"
        if name in graph.names:
            return f"the proposed unmeasured confounder {name!r} is already a variable"
        pair = (cause, effect) if cause and effect and cause != effect else (row.x, row.y)
        return SuggestedEdit(
            action="add_latent",
            latent_name=name[:80],
            latent_description=item.latent_description or "",
            variables=pair,
        )
    if not cause or not effect or cause == effect:
        return f"the proposed {item.edit.replace('_', ' ')} names no edge"
    if item.edit == "add_edge":
        return SuggestedEdit(action="add_edge", source=cause, target=effect)
    for source, target in ((cause, effect), (effect, cause)):
        if graph.has_edge(source, target):
            return SuggestedEdit(action="reverse_edge", source=source, target=target)
    return f"the graph has no edge between {cause!r} and {effect!r} to reverse"


def _verified(edit: SuggestedEdit, row: ImplicationTest, graph: CausalGraph) -> str:
    """Empty when `edit` removes the implication from the graph; else why it does not."""
    try:
        edited = apply_edits(graph, [edit])
    except InputError as error:
        return str(error)
    if is_implied(edited, Implication(row.x, row.y, row.given)):
        return f"with it the graph still implies {row.independence}"
    return ""


def explanation_findings(
    reply: ImplicationExplanationsReply,
    rejected: Sequence[ImplicationTest],
    graph: CausalGraph,
    severities: Sequence[Severity],
) -> list[Finding]:
    """One model finding per explained implication; its edit is kept only once verified."""
    findings: list[Finding] = []
    seen: set[int] = set()
    for item in reply.explanations:
        if item.implication in seen or item.implication > len(rejected):
            logger.info("explanation left out (repeated or unknown implication): %s", item)
            continue
        seen.add(item.implication)
        row = rejected[item.implication - 1]
        proposal = _proposed_edit(item, row, graph)
        problem = proposal if isinstance(proposal, str) else _verified(proposal, row, graph)
        if isinstance(proposal, SuggestedEdit) and not problem:
            message = (
                f"the model explains why {row.independence} fails: {proposal.describe()}; "
                "with that edit the graph no longer implies the independence (checked by "
                "d-separation)."
            )
        else:
            proposed = proposal.describe() if isinstance(proposal, SuggestedEdit) else item.edit
            message = (
                f"the model explains why {row.independence} fails and proposes to "
                f"{proposed.replace('_', ' ')}, but that edit was not kept: {problem}."
            )
        findings.append(
            Finding(
                kind="implication_explained",
                source="model",
                severity=severities[item.implication - 1],
                message=message,
                rationale=item.explanation,
                variables=(row.x, row.y, *row.given),
                edit=proposal if isinstance(proposal, SuggestedEdit) and not problem else None,
                confidence=confidence_score(item.confidence),
                implication_test=row,
            )
        )
    return findings
