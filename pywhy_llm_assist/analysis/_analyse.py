"""`analyse_with`: the steps of the whole analysis, in order, each reported as it went.

1. identify: our exact checks choose the estimand and its variables; DoWhy's
   ``identify_effect`` runs on the same graph as a cross-check (`_dowhy_steps`);
2. estimate: DoWhy's estimator, with its confidence interval;
3. refute: DoWhy's refuters, seeded, with a bounded number of simulations;
4. implications: the graph's implied independences tested against the data;
5. sensitivity: formal bounds, and bounds whose strength the model judges;
6. critique: the model's findings and the exact checks (with the data tests);
7. ledger: every edge and missing edge the estimate relies on, and its source.

A step that cannot run (no valid adjustment set, a treatment the estimator does not take,
DoWhy not installed) is recorded with the reason and the others run; a step that raises is
recorded as failed with the error in one line. A model failure in the critique or the
elicitation keeps the exact checks and the formal bounds. Bad arguments are `InputError`
before anything runs; a graph with a feedback loop or an unoriented edge is refused with a
`NotADagError` (`CyclicGraphError`, `UnorientedEdgesError`): DoWhy's identification needs a DAG.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

from ..core._errors import AssistantError, InputError, ModelError, OptionalDependencyError
from ..core._usage import Usage
from ..data._implication_tests import ImplicationTests
from ..data._refute import test_implications
from ..data._sensitivity import SensitivityReport, sensitivity_analysis
from ..data._types import as_frame, require_columns
from ..graph._causal_graph import CausalGraph
from ..graph._importers import GraphLike, as_causal_graph
from ..identify._checks import check_graph
from ..identify._critique_task import critique_with
from ..identify._findings import Critique
from ..llm._engine import LanguageModel, ProgressCallback, ProgressEvent
from ._dowhy_steps import (
    DEFAULT_REFUTERS,
    DoWhyModel,
    build_model,
    estimate_effect,
    estimator_spec,
    identify_from_graph,
    not_run,
    refute,
    refuter_names,
    type_problem,
)
from ._elicit_sensitivity import ConfoundersLike, elicit_with
from ._ledger import build_ledger
from ._report import AnalysisReport
from ._results import EffectEstimate, Identification, Refutation, StepRecord

logger = logging.getLogger("pywhy_llm_assist")
ResultT = TypeVar("ResultT")
MAX_SIMULATIONS = 1000
TASK = "analyse"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _failure(error: BaseException) -> str:
    """A third-party error in one line, with its type (an `AssistantError` speaks for itself)."""
    if isinstance(error, AssistantError):
        return _one_line(error)
    return f"{type(error).__name__}: {_one_line(error)}"


class _Steps:
    """The step records and the progress events of one analysis."""

    def __init__(self, total: int, progress: ProgressCallback | None) -> None:
        self.records: list[StepRecord] = []
        self.total = total
        self.progress = progress

    def record(
        self, name: str, status: str = "done", reason: str = "", *, model_error: bool = False
    ) -> None:
        record = StepRecord(name=name, status=status, reason=reason, model_error=model_error)  # type: ignore[arg-type]
        self.records.append(record)
        if self.progress is not None:
            self.progress(ProgressEvent(TASK, len(self.records), self.total, name))

    def attempt(self, name: str, run: Callable[[], ResultT]) -> ResultT | None:
        """Run a third-party step; a raised error is the step's failure, in one line."""
        try:
            result = run()
        except Exception as error:  # DoWhy and statsmodels raise many kinds of errors
            logger.info("analysis step %s failed", name, exc_info=True)
            self.record(name, "failed", _failure(error))
            return None
        self.record(name)
        return result


def _check_arguments(
    graph: CausalGraph,
    treatment: str,
    outcome: str,
    adjustment_set: Iterable[str] | None,
    simulations: int,
    seed: int,
) -> tuple[str, ...] | None:
    graph.require_dag(TASK)  # CyclicGraphError / UnorientedEdgesError, both InputError
    for role, name in (("treatment", treatment), ("outcome", outcome)):
        if not isinstance(name, str) or name not in graph.names:
            raise InputError(
                f"the {role} {name!r} is not a variable of the graph; its variables are "
                f"{', '.join(repr(known) for known in graph.names[:12])}"
            )
        if name in graph.latent:
            raise InputError(f"the {role} {name!r} is latent (unmeasured): it must be measured")
    if treatment == outcome:
        raise InputError(f"treatment and outcome are the same variable {treatment!r}")
    if not isinstance(simulations, int) or not 1 <= simulations <= MAX_SIMULATIONS:
        raise InputError(f"simulations must be a whole number from 1 to {MAX_SIMULATIONS}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InputError(f"seed must be a whole number, not {seed!r}")
    if adjustment_set is None:
        return None
    if isinstance(adjustment_set, str):
        raise InputError(
            f"adjustment_set must be a list of names, not the string {adjustment_set!r}"
        )
    members = tuple(dict.fromkeys(adjustment_set))
    for name in members:
        if name not in graph.names:
            raise InputError(f"adjustment variable {name!r} is not a variable of the graph")
        if name in (treatment, outcome):
            raise InputError(f"the adjustment set must not contain {name!r}")
    return members


def _dowhy_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("dowhy")
    except Exception:  # not installed, or no metadata
        return None


def _estimate(
    steps: _Steps,
    dowhy: DoWhyModel | None,
    dowhy_problem: str,
    identification: Identification,
    frame: Any,
    treatment: str,
    outcome: str,
    estimator: str,
) -> tuple[EffectEstimate | None, Any]:
    reasons = (
        ("" if identification.identified else identification.summary()),
        dowhy_problem,
        "" if len(frame) >= 3 else f"only {len(frame)} complete rows",
        type_problem(frame, treatment, outcome, estimator) if len(frame) else "",
    )
    reason = next((text for text in reasons if text), "")
    if reason or dowhy is None:
        steps.record("estimate", "skipped", reason)
        return None, None
    result = steps.attempt(
        "estimate",
        lambda: estimate_effect(dowhy, identification, estimator, rows=len(frame)),
    )
    return result if result is not None else (None, None)


def _refute(
    steps: _Steps,
    dowhy: DoWhyModel | None,
    dowhy_result: Any,
    names: Sequence[str],
    simulations: int,
    seed: int,
) -> tuple[Refutation, ...]:
    rows = []
    for name in names:
        label = f"refute: {name}"
        if dowhy is None or dowhy_result is None:
            reason = "no estimate to refute"
            rows.append(not_run(name, "skipped", reason, simulations, seed))
            steps.record(label, "skipped", reason)
            continue
        found = steps.attempt(
            label,
            lambda name=name: refute(dowhy, dowhy_result, name, simulations=simulations, seed=seed),  # type: ignore[misc]
        )
        if found is None:
            rows.append(not_run(name, "failed", steps.records[-1].reason, simulations, seed))
        else:
            rows.append(found)
    return tuple(rows)


async def _sensitivity(
    steps: _Steps,
    language_model: LanguageModel | None,
    frame: Any,
    graph: CausalGraph,
    treatment: str,
    outcome: str,
    identification: Identification,
    *,
    context: str | None,
    confounders: ConfoundersLike | None,
    max_confounders: int,
    alpha: float,
) -> SensitivityReport | None:
    if identification.estimand != "backdoor" or not identification.identified:
        reason = (
            "it bounds a backdoor (OLS) estimate, and the effect is not identified by "
            "backdoor adjustment"
        )
        steps.record("sensitivity", "skipped", reason)
        return None
    members = identification.variables
    try:
        formal = sensitivity_analysis(frame, treatment, outcome, members, alpha=alpha)
    except InputError as error:
        steps.record("sensitivity", "failed", _one_line(error))
        return None
    if language_model is None or not members:
        why = "no model" if language_model is None else "no adjusted covariate to compare with"
        steps.record("sensitivity", "done", f"formal bounds only ({why})")
        return formal
    try:
        elicited = await elicit_with(
            language_model,
            frame,
            treatment,
            outcome,
            members,
            confounders=confounders,
            graph=graph,
            context=context,
            alpha=alpha,
            max_suggested=max_confounders,
            formal=formal,  # the regression is fitted once
        )
    except (ModelError, InputError) as error:
        steps.record(
            "sensitivity",
            "failed",
            f"formal bounds only; the model's: {_one_line(error)}",
            model_error=isinstance(error, ModelError),
        )
        return formal
    steps.record("sensitivity")
    return elicited


async def _critique(
    steps: _Steps,
    language_model: LanguageModel | None,
    graph: CausalGraph,
    treatment: str,
    outcome: str,
    identification: Identification,
    implications: ImplicationTests | None,
    context: str | None,
) -> Critique | None:
    adjustment = identification.adjustment_set if identification.estimand == "backdoor" else None
    options: dict[str, Any] = {
        "treatment": treatment,
        "outcome": outcome,
        "adjustment_set": adjustment,
        "data": implications,
    }
    try:
        found = await critique_with(language_model, graph, context=context, **options)
    except ModelError as error:
        exact = check_graph(graph, **options)
        reason = f"exact checks only; the model's: {_one_line(error)}"
        steps.record("critique", "failed", reason, model_error=True)
        return exact
    steps.record("critique", "done", "" if language_model is not None else "exact checks only")
    return found


async def analyse_with(
    language_model: LanguageModel | None,
    data: Any,
    graph: GraphLike,
    treatment: str,
    outcome: str,
    *,
    adjustment_set: Iterable[str] | None = None,
    estimator: str = "backdoor.linear_regression",
    refuters: Iterable[str] = DEFAULT_REFUTERS,
    context: str | None = None,
    confounders: ConfoundersLike | None = None,
    max_confounders: int = 3,
    alpha: float = 0.05,
    simulations: int = 50,
    seed: int = 0,
    data_source: str | None = None,
    progress: ProgressCallback | None = None,
) -> AnalysisReport:
    """The engine behind `Assistant.analyse` (no model: exact checks and formal bounds only)."""
    from .. import __version__

    causal_graph = as_causal_graph(graph)
    members = _check_arguments(causal_graph, treatment, outcome, adjustment_set, simulations, seed)
    spec = estimator_spec(estimator)
    names = refuter_names(refuters)
    if not isinstance(max_confounders, int) or max_confounders < 0:
        raise InputError(f"max_confounders must be 0 or more, not {max_confounders!r}")
    frame = as_frame(data)
    require_columns(causal_graph, frame)
    complete = frame[list(causal_graph.observed)].dropna().reset_index(drop=True)
    steps = _Steps(6 + len(names), progress)

    identification = identify_from_graph(causal_graph, treatment, outcome, members, spec.estimand)
    dowhy: DoWhyModel | None = None
    dowhy_problem = ""
    try:
        dowhy = build_model(causal_graph, complete, treatment, outcome)
    except OptionalDependencyError as error:
        dowhy_problem = _one_line(error)
        steps.record("identify", "done", f"exact checks only: {dowhy_problem}")
    except Exception as error:  # DoWhy's own identification failed; ours stands
        dowhy_problem = f"DoWhy's identification failed: {_failure(error)}"
        steps.record("identify", "failed", dowhy_problem)
    else:
        identification = identification.model_copy(update={"dowhy": dowhy.identification})
        steps.record(
            "identify", "done", "" if identification.identified else identification.summary()
        )

    effect, dowhy_result = _estimate(
        steps, dowhy, dowhy_problem, identification, complete, treatment, outcome, estimator
    )
    refutations = _refute(steps, dowhy, dowhy_result, names, simulations, seed)
    implications = steps.attempt(
        "implications", lambda: test_implications(causal_graph, frame, alpha=alpha, progress=False)
    )
    sensitivity = await _sensitivity(
        steps,
        language_model,
        complete,
        causal_graph,
        treatment,
        outcome,
        identification,
        context=context,
        confounders=confounders,
        max_confounders=max_confounders,
        alpha=alpha,
    )
    critique = await _critique(
        steps,
        language_model,
        causal_graph,
        treatment,
        outcome,
        identification,
        implications,
        context,
    )
    ledger = build_ledger(
        causal_graph,
        treatment,
        outcome,
        identification,
        implications=implications,
        sensitivity=sensitivity,
        critique=critique,
        estimator_assumption=spec.assumption,
    )
    steps.record("ledger", "done", "" if ledger.assumptions else ledger.note)
    usage = sum(
        (item.usage for item in (sensitivity, critique) if item is not None and item.usage),
        Usage(),
    )
    return AnalysisReport(
        treatment=treatment,
        outcome=outcome,
        estimator=estimator,
        graph=causal_graph,
        rows=len(frame),
        rows_used=len(complete),
        data_source=data_source,
        identification=identification,
        adjustment_set=identification.adjustment_set,
        effect=effect,
        refutations=refutations,
        implications=implications,
        sensitivity=sensitivity,
        critique=critique,
        ledger=ledger,
        steps=tuple(steps.records),
        refuters=names,
        simulations=simulations,
        seed=seed,
        context=context,
        usage=usage if language_model is not None else None,
        metadata={
            "pywhy_llm_assist_version": __version__,
            "dowhy_version": _dowhy_version(),
            "model": language_model.model if language_model is not None else None,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    )
