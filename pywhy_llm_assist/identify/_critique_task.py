"""critique: the model's domain knowledge and the exact graph checks, in one `Critique`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import Field

from ..core._variables import proposed_name_problem
from ..graph._causal_graph import CausalGraph, Provenance
from ..graph._importers import GraphLike, as_causal_graph
from ..llm._engine import Answer, LanguageModel, ProgressCallback
from ..llm._query import Query
from ..llm._reply_schema import Rationale, ReplyModel, Severity, ShortText, VariableName
from ._checks import check_graph
from ._data_findings import DataOrTests
from ._explain_task import MAX_EXPLAINED, explain_query, explanation_findings
from ._findings import SEVERITY_ORDER, Critique, Finding, SuggestedEdit

logger = logging.getLogger("pywhy_llm_assist")

ModelFindingKind = Literal[
    "implausible_edge",
    "reversed_edge",
    "missing_edge",
    "missing_confounder",
    "unmeasured_confounder",
]


class CritiqueItem(ReplyModel):
    """One finding of the model about the graph."""

    kind: ModelFindingKind
    cause: VariableName | None
    effect: VariableName | None
    affects: list[VariableName] = Field(max_length=4)
    latent_name: ShortText | None
    latent_description: Rationale | None
    rationale: Rationale
    severity: Severity


class CritiqueReply(ReplyModel):
    """The model's findings."""

    findings: list[CritiqueItem] = Field(max_length=12)


Converter = Callable[[CritiqueItem, CausalGraph], Finding | None]


def _finding(
    item: CritiqueItem, message: str, variables: Iterable[str], edit: SuggestedEdit
) -> Finding:
    return Finding(
        kind=item.kind,
        source="model",
        severity=item.severity,
        message=message,
        rationale=item.rationale,
        variables=tuple(dict.fromkeys(variables)),
        edit=edit,
    )


def _existing_edge(item: CritiqueItem, graph: CausalGraph) -> tuple[str, str] | None:
    if item.cause and item.effect and graph.has_edge(item.cause, item.effect):
        return (item.cause, item.effect)
    if item.cause and item.effect and graph.has_edge(item.effect, item.cause):
        return (item.effect, item.cause)
    return None


def _implausible(item: CritiqueItem, graph: CausalGraph) -> Finding | None:
    pair = _existing_edge(item, graph)
    if pair is None:
        return None
    edit = SuggestedEdit(action="remove_edge", source=pair[0], target=pair[1])
    return _finding(item, f"the edge {pair[0]} -> {pair[1]} looks implausible", pair, edit)


def _reversed(item: CritiqueItem, graph: CausalGraph) -> Finding | None:
    pair = _existing_edge(item, graph)
    if pair is None:
        return None
    edit = SuggestedEdit(action="reverse_edge", source=pair[0], target=pair[1])
    return _finding(item, f"the edge {pair[0]} -> {pair[1]} may point the wrong way", pair, edit)


def _missing(item: CritiqueItem, graph: CausalGraph) -> Finding | None:
    if not item.cause or not item.effect or item.cause == item.effect:
        return None
    if graph.has_edge(item.cause, item.effect):
        return None
    edit = SuggestedEdit(action="add_edge", source=item.cause, target=item.effect)
    return _finding(
        item,
        f"an edge {item.cause} -> {item.effect} may be missing",
        (item.cause, item.effect),
        edit,
    )


def _missing_confounder(item: CritiqueItem, graph: CausalGraph) -> Finding | None:
    confounded = [name for name in item.affects if name != item.cause]
    if not item.cause or len(confounded) < 1:
        return None
    absent = [name for name in confounded if not graph.has_edge(item.cause, name)]
    if not absent:
        return None
    edit = SuggestedEdit(action="add_edge", source=item.cause, target=absent[0])
    message = (
        f"{item.cause} may confound {', '.join(confounded)} but the graph lacks "
        f"{item.cause} -> {absent[0]}"
    )
    return _finding(item, message, (item.cause, *confounded), edit)


def _unmeasured_confounder(item: CritiqueItem, graph: CausalGraph) -> Finding | None:
    name = (item.latent_name or "").strip()
    confounded = tuple(dict.fromkeys(item.affects))
    if not name or len(confounded) < 2 or name in graph.names:
        return None
    refused = proposed_name_problem(name, graph.names)
    if refused is not None:  # a look-alike latent would spoof a measured node on the page
        logger.warning("unmeasured confounder left out of the critique: %s", refused)
        return None
    edit = SuggestedEdit(
        action="add_latent",
        latent_name=name,
        latent_description=item.latent_description or "",
        variables=confounded,
    )
    return _finding(
        item, f"an unmeasured {name} may confound {', '.join(confounded)}", confounded, edit
    )


CONVERTERS: dict[str, Converter] = {
    "implausible_edge": _implausible,
    "reversed_edge": _reversed,
    "missing_edge": _missing,
    "missing_confounder": _missing_confounder,
    "unmeasured_confounder": _unmeasured_confounder,
}


def critique_query(
    graph: CausalGraph,
    treatment: str | None,
    outcome: str | None,
    adjustment_set: tuple[str, ...] | None,
    context: str | None,
) -> Query:
    """The query that shows the whole graph to the model."""
    return Query(
        task="critique",
        template="critique",
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
            "treatment": treatment,
            "outcome": outcome,
            "adjustment_set": list(adjustment_set) if adjustment_set is not None else None,
        },
        reply_model=CritiqueReply,
        names=graph.names,
        subject=tuple(name for name in (treatment, outcome) if name) or graph.names,
        max_tokens=2048,
    )


def model_findings(reply: CritiqueReply, graph: CausalGraph) -> list[Finding]:
    """Turn the model's items into findings; items that do not fit the graph are left out."""
    findings: list[Finding] = []
    seen: set[tuple[str, Any]] = set()
    for item in reply.findings:
        finding = CONVERTERS[item.kind](item, graph)
        if finding is None:
            logger.info("model finding left out, it does not fit the graph: %s", item)
            continue
        if (finding.kind, finding.edit) in seen:
            continue
        seen.add((finding.kind, finding.edit))
        findings.append(finding)
    return findings


async def critique_with(
    language_model: LanguageModel | None,
    graph: GraphLike,
    *,
    treatment: str | None = None,
    outcome: str | None = None,
    adjustment_set: Iterable[str] | None = None,
    context: str | None = None,
    data: DataOrTests | None = None,
    progress: ProgressCallback | None = None,
) -> Critique:
    """Exact checks (and data tests), plus the model's findings when `language_model` is given.

    With data, the implications the data reject (at most `MAX_EXPLAINED`, the most significant
    first) go to the model in a second query, sent together with the critique.
    """
    graph = as_causal_graph(graph)
    exact = check_graph(
        graph, treatment=treatment, outcome=outcome, adjustment_set=adjustment_set, data=data
    )
    if language_model is None:
        return exact
    queries = [critique_query(graph, treatment, outcome, exact.adjustment_set, context)]
    rejected = exact.implication_tests.rejected if exact.implication_tests else ()
    if rejected:
        if len(rejected) > MAX_EXPLAINED:
            logger.info(
                "%d implications rejected; the model explains the %d most significant",
                len(rejected),
                MAX_EXPLAINED,
            )
        queries.append(explain_query(graph, rejected, context))
    async with language_model.run(progress) as run:
        answers = await language_model.ask_many(queries, run)
        usage = run.usage
    from_model = [
        finding.model_copy(update={"provenance": _provenance(answers[0], "critique")})
        for finding in model_findings(answers[0].reply, graph)
    ]
    findings = [*exact.findings, *from_model]
    if rejected:
        severity_of = {
            finding.implication_test: finding.severity for finding in exact.data_findings
        }
        severities = [severity_of.get(row, "medium") for row in rejected[:MAX_EXPLAINED]]
        explained = explanation_findings(answers[1].reply, rejected, graph, severities)
        provenance = _provenance(answers[1], "explain_implications")
        findings += [finding.model_copy(update={"provenance": provenance}) for finding in explained]
    findings.sort(
        key=lambda finding: (SEVERITY_ORDER.index(finding.severity), _SOURCE_ORDER[finding.source])
    )
    return exact.model_copy(update={"findings": tuple(findings), "usage": usage})


def _provenance(answer: Answer[Any], strategy: str) -> Provenance:
    """Where a model finding came from: the model, prompt version and cache keys."""
    return Provenance(
        origin="model",
        model=answer.model,
        prompt_version=answer.prompt_version,
        strategy=strategy,
        cache_keys=answer.cache_keys,
    )


#: Within one severity: exact checks first, then data tests, then the model's judgement.
_SOURCE_ORDER: dict[str, int] = {"graph": 0, "data": 1, "model": 2}
