"""Identification help: confounders, instruments, mediators and negative controls from the model.

Each task is one query. When the analyst gives a graph, every measured suggestion is also
checked on it, and the graph's verdict is shown beside the model's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
from pydantic import BaseModel, Field

from ..core._errors import InputError
from ..core._variables import Variables, VariablesLike, normalized_name, proposed_name_problem
from ..graph._causal_graph import CausalGraph, Provenance
from ..graph._importers import GraphLike, as_causal_graph
from ..llm._engine import Answer, LanguageModel, ProgressCallback
from ..llm._query import Query
from ..llm._reply_schema import (
    Confidence,
    Rationale,
    ReplyModel,
    ShortText,
    VariableName,
    confidence_score,
    unique_by,
)
from ._findings import NegativeControlRole
from ._role_checks import check_instrument, check_mediator, check_negative_control
from ._suggestions import Condition, Role, Suggestions, VariableSuggestion

logger = logging.getLogger("pywhy_llm_assist")


class VariableItem(ReplyModel):
    """A measured variable proposed for a role."""

    variable: VariableName
    rationale: Rationale
    confidence: Confidence


class LatentItem(ReplyModel):
    """An unmeasured variable proposed by the model."""

    name: ShortText
    description: Rationale
    rationale: Rationale
    confidence: Confidence


class ConfoundersReply(ReplyModel):
    """Measured and unmeasured confounders."""

    measured: list[VariableItem] = Field(max_length=20)
    unmeasured: list[LatentItem] = Field(max_length=8)


class ArguedCondition(ReplyModel):
    """One instrument condition as the model argues it."""

    holds: bool
    argument: Rationale


class InstrumentItem(ReplyModel):
    """A candidate instrument with its three conditions argued separately."""

    variable: VariableName
    relevance: ArguedCondition
    exclusion: ArguedCondition
    independence: ArguedCondition
    confidence: Confidence


class InstrumentsReply(ReplyModel):
    """Candidate instruments."""

    instruments: list[InstrumentItem] = Field(max_length=10)


class MediatorsReply(ReplyModel):
    """Mediators of the effect."""

    mediators: list[VariableItem] = Field(max_length=20)


class NegativeControlsReply(ReplyModel):
    """Negative-control outcomes and exposures."""

    outcome_controls: list[VariableItem] = Field(max_length=10)
    exposure_controls: list[VariableItem] = Field(max_length=10)


@dataclass(frozen=True)
class Problem:
    """Treatment, outcome, variables and (optionally) the analyst's graph."""

    treatment: str
    outcome: str
    variables: Variables
    graph: CausalGraph | None


Extractor = Callable[[Any, Provenance], list[VariableSuggestion]]
GraphCheck = Callable[[Problem, VariableSuggestion], tuple[Condition, ...]]


def _items(
    role: Role, items: list[VariableItem], provenance: Provenance
) -> list[VariableSuggestion]:
    return [
        VariableSuggestion(
            role=role,
            variable=item.variable,
            rationale=item.rationale,
            confidence=confidence_score(item.confidence),
            provenance=provenance,
        )
        for item in unique_by(items, "variable")
    ]


def _extract_confounders(
    reply: ConfoundersReply, provenance: Provenance
) -> list[VariableSuggestion]:
    measured = _items("confounder", reply.measured, provenance)
    taken = {item.variable.casefold() for item in measured}
    unmeasured = []
    for item in unique_by(reply.unmeasured, "name"):
        name = item.name.strip()
        if not name or name.casefold() in taken:
            continue
        taken.add(name.casefold())
        unmeasured.append(
            VariableSuggestion(
                role="confounder",
                variable=name,
                measured=False,
                description=item.description,
                rationale=item.rationale,
                confidence=confidence_score(item.confidence),
                provenance=provenance,
            )
        )
    return measured + unmeasured


def _extract_instruments(
    reply: InstrumentsReply, provenance: Provenance
) -> list[VariableSuggestion]:
    suggestions = []
    for item in unique_by(reply.instruments, "variable"):
        conditions = tuple(
            Condition(name=name, holds=argued.holds, explanation=argued.argument)
            for name, argued in (
                ("relevance", item.relevance),
                ("exclusion", item.exclusion),
                ("independence", item.independence),
            )
        )
        suggestions.append(
            VariableSuggestion(
                role="instrument",
                variable=item.variable,
                rationale="; ".join(condition.explanation for condition in conditions),
                confidence=confidence_score(item.confidence),
                model_conditions=conditions,
                provenance=provenance,
            )
        )
    return suggestions


def _extract_mediators(reply: MediatorsReply, provenance: Provenance) -> list[VariableSuggestion]:
    return _items("mediator", reply.mediators, provenance)


def _extract_controls(
    reply: NegativeControlsReply, provenance: Provenance
) -> list[VariableSuggestion]:
    return _items("negative_control_outcome", reply.outcome_controls, provenance) + _items(
        "negative_control_exposure", reply.exposure_controls, provenance
    )


def _check_confounder(problem: Problem, item: VariableSuggestion) -> tuple[Condition, ...]:
    assert problem.graph is not None
    network = problem.graph.to_networkx()
    treatment_ancestors = nx.ancestors(network, problem.treatment)
    outcome_ancestors = nx.ancestors(
        network.subgraph(set(network) - {problem.treatment}), problem.outcome
    )
    holds = item.variable in treatment_ancestors and item.variable in outcome_ancestors
    explanation = (
        f"{item.variable!r} causes both {problem.treatment!r} and {problem.outcome!r} in the graph"
        if holds
        else f"the graph has no path making {item.variable!r} a common cause of "
        f"{problem.treatment!r} and {problem.outcome!r}"
    )
    return (Condition(name="common_cause", holds=holds, explanation=explanation),)


def _check_instrument(problem: Problem, item: VariableSuggestion) -> tuple[Condition, ...]:
    assert problem.graph is not None
    check = check_instrument(
        problem.graph, item.variable, problem.treatment, problem.outcome, problem.graph.latent
    )
    return tuple(
        Condition(name=name, holds=verdict.holds, explanation=verdict.explanation)
        for name, verdict in (
            ("relevance", check.relevance),
            ("exclusion", check.exclusion),
            ("independence", check.independence),
        )
    )


def _check_mediator(problem: Problem, item: VariableSuggestion) -> tuple[Condition, ...]:
    assert problem.graph is not None
    check = check_mediator(
        problem.graph, item.variable, problem.treatment, problem.outcome, problem.graph.latent
    )
    verdict = check.on_causal_path
    return (Condition(name="on_causal_path", holds=verdict.holds, explanation=verdict.explanation),)


def _check_control(problem: Problem, item: VariableSuggestion) -> tuple[Condition, ...]:
    assert problem.graph is not None
    role: NegativeControlRole = "outcome" if item.role == "negative_control_outcome" else "exposure"
    check = check_negative_control(
        problem.graph,
        item.variable,
        problem.treatment,
        problem.outcome,
        problem.graph.latent,
        role=role,
    )
    return tuple(
        Condition(name=name, holds=verdict.holds, explanation=verdict.explanation)
        for name, verdict in (
            ("no_effect", check.no_effect),
            ("shares_confounding", check.shares_confounding),
        )
    )


@dataclass(frozen=True)
class IdentificationTask:
    """How one identification task asks, reads the reply and checks it on a graph."""

    name: str
    reply_model: type[BaseModel]
    extract: Extractor
    check: GraphCheck
    max_tokens: int = 1536

    def query(self, problem: Problem, context: str | None) -> Query:
        """The query for `problem`."""
        candidates = tuple(
            name
            for name in problem.variables.names
            if name not in (problem.treatment, problem.outcome)
        )
        described = {
            variable.name: variable.model_dump(
                exclude_defaults=True, exclude={"latent"}, mode="json"
            )
            for variable in problem.variables
        }
        return Query(
            task=self.name,
            template=self.name,
            inputs={
                "context": context,
                # Every variable first (the same list whatever the effect asked about), the
                # treatment and outcome last, so prompts about one problem share a prefix.
                "variables": list(described.values()),
                "edges": [list(pair) for pair in problem.graph.edge_pairs] if problem.graph else [],
                "treatment": described[problem.treatment],
                "outcome": described[problem.outcome],
                # what templates written for 0.1.0 used (custom prompt folders keep working)
                "candidates": [described[name] for name in candidates],
            },
            reply_model=self.reply_model,
            names=candidates,
            subject=(problem.treatment, problem.outcome),
            max_tokens=self.max_tokens,
            max_items=max(len(candidates), 1),
        )


TASKS: dict[str, IdentificationTask] = {
    task.name: task
    for task in (
        IdentificationTask(
            "confounders", ConfoundersReply, _extract_confounders, _check_confounder
        ),
        IdentificationTask(
            "instruments", InstrumentsReply, _extract_instruments, _check_instrument, 2048
        ),
        IdentificationTask("mediators", MediatorsReply, _extract_mediators, _check_mediator),
        IdentificationTask(
            "negative_controls", NegativeControlsReply, _extract_controls, _check_control
        ),
    )
}


def build_problem(
    treatment: str, outcome: str, variables: VariablesLike | None, given: GraphLike | None
) -> Problem:
    """Check treatment, outcome, variables and graph; raise `InputError` on bad input."""
    graph = None if given is None else as_causal_graph(given)
    if variables is None and graph is None:
        raise InputError("give the variables, a graph, or both")
    collection = (
        Variables(variables)
        if variables is not None
        else Variables(graph.variables if graph else ())
    )
    if treatment == outcome:
        raise InputError(
            f"treatment and outcome are the same variable ({treatment!r}); they must differ"
        )
    collection.require([treatment], role="treatment")
    collection.require([outcome], role="outcome")
    if graph is not None:
        for name, role in ((treatment, "treatment"), (outcome, "outcome")):
            if name not in graph.names:
                raise InputError(f"{role} {name!r} is not a node of the graph")
        graph.require_acyclic()
        if variables is not None:
            collection = Variables(
                [
                    *collection,
                    *(
                        v
                        for v in graph.variables
                        if v.name not in collection.names and not v.latent
                    ),
                ]
            )
    if len(collection) < 3:
        raise InputError("give at least one variable besides the treatment and the outcome")
    return Problem(treatment, outcome, collection, graph)


async def suggest_with(
    language_model: LanguageModel,
    task_name: str,
    treatment: str,
    outcome: str,
    variables: VariablesLike | None = None,
    *,
    graph: GraphLike | None = None,
    context: str | None = None,
    progress: ProgressCallback | None = None,
) -> Suggestions:
    """Run identification task `task_name` (the engine behind `Assistant.suggest_*`)."""
    task = TASKS[task_name]
    problem = build_problem(treatment, outcome, variables, graph)
    query = task.query(problem, context)
    async with language_model.run(progress) as run:
        (answer,) = await language_model.ask_many([query], run)
        usage = run.usage
    return _finish(task, problem, answer, usage, context)


def _finish(
    task: IdentificationTask, problem: Problem, answer: Answer[Any], usage: Any, context: str | None
) -> Suggestions:
    provenance = Provenance(
        origin="model",
        model=answer.model,
        prompt_version=answer.prompt_version,
        strategy=task.name,
        cache_keys=answer.cache_keys,
    )
    known = {normalized_name(name) for name in problem.variables.names}
    if problem.graph is not None:
        known |= {normalized_name(name) for name in problem.graph.names}
    names = [*problem.variables.names, *(problem.graph.names if problem.graph else ())]
    items = []
    for item in task.extract(answer.reply, provenance):
        if not item.measured and normalized_name(item.variable) in known:
            # An "unmeasured" variable named like a measured one (the treatment, say) is not
            # a new latent variable: leave it out rather than report it as one.
            logger.info(
                "unmeasured suggestion %r left out: it names a known variable", item.variable
            )
            continue
        problem_with_name = None if item.measured else proposed_name_problem(item.variable, names)
        if problem_with_name is not None:
            # A look-alike of a measured name (Cyrillic "а" in "аge") would become a latent
            # node beside the real one and spoof it on the review page.
            logger.warning("unmeasured suggestion left out: %s", problem_with_name)
            continue
        items.append(item)
    if problem.graph is not None:
        items = [
            item.model_copy(update={"graph_conditions": task.check(problem, item)})
            if item.measured and item.variable in problem.graph.names
            else item
            for item in items
        ]
    items.sort(key=lambda item: (-item.confidence, not item.measured))
    return Suggestions(
        task=task.name,
        treatment=problem.treatment,
        outcome=problem.outcome,
        items=tuple(items),
        usage=usage,
        metadata={
            "model": answer.model,
            "prompt_version": answer.prompt_version,
            "context": context,
        },
    )
