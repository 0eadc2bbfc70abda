"""Elicit confounder strengths from the model, relative to observed benchmark covariates.

For each unmeasured confounder the model picks the observed covariate it is most comparable
to and says how many times as strongly it explains the treatment and the outcome, from a
fixed ladder. Each answer becomes a bound (``source="model"``) of the `SensitivityReport`:
the closed forms of Cinelli & Hazlett (2020) turn "twice as strong as income" into partial
R² and an adjusted estimate. One query per confounder; the benchmarks, their descriptions and
their observed strengths come first in the prompt and are the same for every query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, TypeAlias, get_args

from pydantic import BeforeValidator

from ..core._errors import InputError
from ..core._text import percent
from ..core._usage import Usage
from ..core._variables import Variable, Variables, VariablesLike
from ..data._sensitivity import KValue, SensitivityReport, sensitivity_analysis
from ..graph._causal_graph import CausalGraph
from ..identify._identification import common_causes
from ..identify._suggestions import Suggestions
from ..identify._tasks import suggest_with
from ..llm._engine import Answer, LanguageModel, ProgressCallback
from ..llm._query import Query
from ..llm._reply_schema import Rationale, ReplyModel, VariableName

TASK = "elicit_sensitivity"
LadderStep = Literal["0.25", "0.5", "1", "1.5", "2", "3", "5", "10"]
LADDER: tuple[float, ...] = tuple(float(step) for step in get_args(LadderStep))
"""How many times as strong as the benchmark a confounder may be said to be."""
MAX_CONFOUNDERS = 20


def _ladder_step(value: object) -> object:
    """Accept 2, 2.0, "2", "2x" or "2.0" for the step "2" (lenient servers send numbers)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().rstrip("xX×").strip() if isinstance(value, str) else value
    try:
        number = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value
    for step in get_args(LadderStep):
        if float(step) == number:
            return step
    return value


Step = Annotated[LadderStep, BeforeValidator(_ladder_step)]


class StrengthReply(ReplyModel):
    """How strong one unmeasured confounder is, relative to one observed covariate."""

    benchmark: VariableName
    k_treatment: Step
    k_outcome: Step
    rationale: Rationale


ConfoundersLike: TypeAlias = "Suggestions | VariablesLike"


def _confounder_variables(confounders: ConfoundersLike) -> list[Variable]:
    if isinstance(confounders, Suggestions):
        return [
            Variable(name=item.variable, description=item.description)
            for item in confounders.unmeasured
        ]
    if isinstance(confounders, str):
        raise InputError(
            f"confounders must be a list of names (or name -> description), not the string "
            f"{confounders!r}"
        )
    return list(Variables(confounders))


def _latent_common_causes(graph: CausalGraph, treatment: str, outcome: str) -> list[Variable]:
    shared = common_causes(graph.to_networkx(), treatment, outcome)
    return [graph.variable(name) for name in graph.latent if name in shared]


def _descriptions(variables: VariablesLike | None, graph: CausalGraph | None) -> dict[str, str]:
    known: dict[str, str] = {}
    if graph is not None:
        known.update({item.name: item.description for item in graph.variables})
    if variables:  # None or empty: no descriptions
        known.update(
            {item.name: item.description for item in Variables(variables) if item.description}
        )
    return known


def _described(name: str, descriptions: Mapping[str, str]) -> dict[str, str]:
    description = descriptions.get(name, "")
    return {"name": name, "description": description} if description else {"name": name}


def elicitation_query(
    report: SensitivityReport,
    confounder: Variable,
    descriptions: Mapping[str, str],
    context: str | None,
) -> Query:
    """The query asking how strong `confounder` is relative to the report's covariates."""
    benchmarks = [
        {
            **_described(covariate.name, descriptions),
            "explains_treatment": percent(covariate.r2_treatment),
            "explains_outcome": percent(covariate.r2_outcome),
        }
        for covariate in report.covariates
    ]
    return Query(
        task=TASK,
        template=TASK,
        inputs={
            "context": context,
            "treatment": _described(report.treatment, descriptions),
            "outcome": _described(report.outcome, descriptions),
            "benchmarks": benchmarks,
            "ladder": list(get_args(LadderStep)),
            "confounder": {
                "name": confounder.name,
                **({"description": confounder.description} if confounder.description else {}),
            },
        },
        reply_model=StrengthReply,
        names=tuple(covariate.name for covariate in report.covariates),
        subject=(confounder.name, report.treatment, report.outcome),
        max_tokens=512,
    )


def _bounds_from(
    report: SensitivityReport, answers: Sequence[Answer[Any]], confounders: Sequence[Variable]
) -> tuple[list[Any], list[str]]:
    bounds, notes = [], []
    for confounder, answer in zip(confounders, answers, strict=True):
        reply: StrengthReply = answer.reply
        try:
            bounds.append(
                report.bound(
                    reply.benchmark,
                    float(reply.k_treatment),
                    float(reply.k_outcome),
                    label=confounder.name,
                    source="model",
                    rationale=reply.rationale,
                )
            )
        except InputError as error:
            notes.append(
                f"no bound for {confounder.name!r} ({reply.k_treatment}x/{reply.k_outcome}x "
                f"{reply.benchmark}, as the model said): {error}"
            )
    return bounds, notes


async def elicit_with(
    language_model: LanguageModel,
    data: Any,
    treatment: str,
    outcome: str,
    adjustment_set: Iterable[str],
    *,
    confounders: ConfoundersLike | None = None,
    graph: CausalGraph | None = None,
    variables: VariablesLike | None = None,
    context: str | None = None,
    benchmarks: Sequence[str] | None = None,
    k: Iterable[KValue] = (1, 2, 3),
    q: float = 1.0,
    alpha: float = 0.05,
    progress: ProgressCallback | None = None,
    max_suggested: int | None = None,
    formal: SensitivityReport | None = None,
) -> SensitivityReport:
    """The engine behind `Assistant.elicit_sensitivity`.

    `max_suggested` bounds how many confounders are elicited when they are not given (the
    graph's latent ones first, then the model's suggestions); the rest are named in a note.
    `formal`: the same arguments' `sensitivity_analysis`, when the caller already has it.
    """
    report = formal or sensitivity_analysis(
        data, treatment, outcome, adjustment_set, benchmarks=benchmarks, k=k, q=q, alpha=alpha
    )
    if not report.covariates:
        raise InputError(
            "eliciting confounder strengths needs at least one adjustment variable to compare "
            "the confounders with; add an observed covariate to the adjustment set"
        )
    descriptions = _descriptions(variables, graph)
    usage = Usage()
    limit_note = ""
    if confounders is None:
        chosen = _latent_common_causes(graph, treatment, outcome) if graph is not None else []
        suggested = await suggest_with(
            language_model,
            "confounders",
            treatment,
            outcome,
            [
                _described(name, descriptions)
                for name in (treatment, outcome, *report.adjustment_set)
            ],
            graph=graph,
            context=context,
            progress=progress,
        )
        usage = usage + (suggested.usage or Usage())
        taken = {item.name for item in chosen}
        chosen += [item for item in _confounder_variables(suggested) if item.name not in taken]
        if max_suggested is not None and len(chosen) > max_suggested:
            left = ", ".join(repr(item.name) for item in chosen[max_suggested:])
            limit_note = f"not elicited (at most {max_suggested} confounders): {left}"
            chosen = chosen[:max_suggested]
    else:
        chosen = _confounder_variables(confounders)
    if len(chosen) > MAX_CONFOUNDERS:
        raise InputError(
            f"{len(chosen)} confounders given; elicit at most {MAX_CONFOUNDERS} at a time"
        )
    measured = set(report.adjustment_set) | {treatment, outcome}
    for item in chosen:
        if item.name in measured:
            raise InputError(
                f"confounder {item.name!r} is measured (it is the treatment, the outcome or in "
                "the adjustment set); name unmeasured confounders only"
            )
    queries = [elicitation_query(report, item, descriptions, context) for item in chosen]
    answers: list[Answer[Any]] = []
    if queries:
        async with language_model.run(progress) as run:
            answers = await language_model.ask_many(queries, run)
            usage = usage + run.usage
    bounds, notes = _bounds_from(report, answers, chosen)
    if limit_note:
        notes.append(limit_note)
    if not chosen:
        notes.append("no unmeasured confounder was given or suggested: no model bounds")
    first = answers[0] if answers else None
    return report.with_bounds(
        bounds,
        notes,
        usage=usage,
        metadata={
            **report.metadata,
            "model": first.model if first else None,
            "prompt_version": first.prompt_version if first else None,
            "context": context,
            "confounders": [item.model_dump(mode="json", exclude_defaults=True) for item in chosen],
        },
    )
