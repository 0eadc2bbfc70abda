"""Validate elicited confounder strengths by hiding measured covariates ("hide a covariate").

Each measured covariate in turn is presented to the assistant as an unmeasured confounder
(its name and description only) and the elicitation asks how strong it is relative to the
remaining covariates. The data know the answer: `hide_covariate` computes the covariate's
true strength relative to the benchmark the assistant chose, and the bias that leaving it
out really causes. The rows report the error of each elicited k (in doublings, log2) and
whether the elicited bound covers the true bias.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..assistant._assistant import Assistant
from ..core._errors import InputError
from ..data._hidden_covariate import HiddenCovariate, hide_covariate
from ..graph._causal_graph import CausalGraph
from ._simulated_expert import SimulatedExpert


@dataclass(frozen=True)
class ElicitationRow:
    """One hidden covariate: the elicited strength against the truth.

    Attributes:
        hidden: the covariate presented as unmeasured.
        benchmark: the covariate the assistant compared it with.
        true_k_treatment, true_k_outcome: its strength relative to that benchmark in the data.
        k_treatment, k_outcome: the elicited strength.
        error_treatment, error_outcome: |log2(elicited / true)|: 1 means off by a factor 2.
        true_bias: how much leaving it out moved the estimate.
        bound_bias: the largest bias the elicited bound allows (estimate - adjusted).
        covered: the elicited bound covers the true bias.
        formal_covered: the bound at the *true* k covers it (how well the bound's own
            assumption, the confounder orthogonal to the benchmark, holds here).
    """

    hidden: str
    benchmark: str
    true_k_treatment: float
    true_k_outcome: float
    k_treatment: float
    k_outcome: float
    error_treatment: float
    error_outcome: float
    true_bias: float
    bound_bias: float
    covered: bool
    formal_covered: bool
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready dict."""
        return asdict(self)


def _error(elicited: float, truth: float) -> float:
    if truth <= 0 or elicited <= 0:
        return math.inf
    return abs(math.log2(elicited / truth))


def _bias_of_bound(truth: HiddenCovariate, benchmark: str, k_d: float, k_y: float) -> float:
    try:
        bound = truth.observed.bound(benchmark, k_d, k_y)
    except InputError:
        return math.inf  # so strong it would explain all of the treatment: covers anything
    return abs(truth.observed.estimate - bound.adjusted_estimate)


def hidden_covariate_truths(
    data: Any, treatment: str, outcome: str, adjustment_set: Sequence[str], hidden: Iterable[str]
) -> dict[str, HiddenCovariate]:
    """What the data say about each covariate in `hidden` when it is left out."""
    return {name: hide_covariate(data, treatment, outcome, adjustment_set, name) for name in hidden}


def simulated_expert_for(
    truths: Mapping[str, HiddenCovariate],
    treatment: str,
    outcome: str,
    *,
    strength_error: float = 0.0,
    seed: int = 0,
) -> SimulatedExpert:
    """A simulated expert that knows every hidden covariate's true strengths."""
    names = {treatment, outcome}
    for truth in truths.values():
        names |= {truth.name, *truth.observed.adjustment_set}
    truth_graph = CausalGraph.from_edges(
        sorted(names),
        [
            (name, target)
            for name in sorted(names - {treatment, outcome})
            for target in (treatment, outcome)
        ]
        + [(treatment, outcome)],
    )
    strengths = {
        name: {item.benchmark: (item.k_treatment, item.k_outcome) for item in truth.strengths}
        for name, truth in truths.items()
    }
    return SimulatedExpert(
        truth_graph, strengths=strengths, strength_error=strength_error, seed=seed
    )


def elicit_hidden_covariates(
    assistant: Assistant,
    data: Any,
    treatment: str,
    outcome: str,
    truths: Mapping[str, HiddenCovariate],
    *,
    descriptions: Mapping[str, str] | None = None,
    context: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[ElicitationRow]:
    """Ask `assistant` about each hidden covariate and score the answers against the data."""
    described = dict(descriptions or {})
    rows = []
    for name, truth in truths.items():
        if progress is not None:
            progress(name)
        report = assistant.elicit_sensitivity(
            data,
            treatment,
            outcome,
            truth.observed.adjustment_set,
            confounders={name: described.get(name, "")},
            variables={key: value for key, value in described.items() if key != name},
            context=context,
            benchmarks=(),
        )
        if not report.model_bounds:
            rows.append(_unbounded_row(truth, report.notes))
            continue
        (bound,) = report.model_bounds
        true = truth.strength(bound.benchmark)
        true_bias = abs(truth.true_bias)
        bound_bias = abs(truth.observed.estimate - bound.adjusted_estimate)
        formal = _bias_of_bound(truth, bound.benchmark, true.k_treatment, true.k_outcome)
        rows.append(
            ElicitationRow(
                hidden=name,
                benchmark=bound.benchmark,
                true_k_treatment=true.k_treatment,
                true_k_outcome=true.k_outcome,
                k_treatment=bound.k_treatment,
                k_outcome=bound.k_outcome,
                error_treatment=_error(bound.k_treatment, true.k_treatment),
                error_outcome=_error(bound.k_outcome, true.k_outcome),
                true_bias=truth.true_bias,
                bound_bias=bound_bias,
                covered=bound_bias >= true_bias,
                formal_covered=formal >= true_bias,
            )
        )
    return rows


def _unbounded_row(truth: HiddenCovariate, notes: Sequence[str]) -> ElicitationRow:
    """An elicited strength so large that no bound exists: it covers any bias."""
    first = truth.strengths[0]
    return ElicitationRow(
        hidden=truth.name,
        benchmark=first.benchmark,
        true_k_treatment=first.k_treatment,
        true_k_outcome=first.k_outcome,
        k_treatment=math.nan,
        k_outcome=math.nan,
        error_treatment=math.nan,
        error_outcome=math.nan,
        true_bias=truth.true_bias,
        bound_bias=math.inf,
        covered=True,
        formal_covered=True,
        note=notes[-1] if notes else "no bound",
    )


def summarize(rows: Sequence[ElicitationRow]) -> dict[str, float]:
    """Median and mean |log2 error| of k over the rows, and the share of covered biases."""
    errors = sorted(
        value
        for row in rows
        for value in (row.error_treatment, row.error_outcome)
        if math.isfinite(value)
    )
    if not rows:
        return {"rows": 0}
    middle = len(errors) // 2
    median = (
        (errors[middle] if len(errors) % 2 else (errors[middle - 1] + errors[middle]) / 2)
        if errors
        else math.nan
    )
    return {
        "rows": len(rows),
        "median_log2_error": median,
        "mean_log2_error": sum(errors) / len(errors) if errors else math.nan,
        "coverage": sum(row.covered for row in rows) / len(rows),
        "formal_coverage": sum(row.formal_covered for row in rows) / len(rows),
    }
