"""The DoWhy steps of the analysis: identify, estimate, refute, on the reviewed graph.

Identification comes first from our exact checks (which estimand, which set, and why not),
then DoWhy's own ``identify_effect`` runs on the same graph as a cross-check and gives the
estimand object that DoWhy's estimators and refuters take. We pass DoWhy the variables our
checks chose (``set_backdoor_variables`` and its kin) rather than letting it pick its own, so
the set the report shows is the set the estimate used. Estimation and refutation are DoWhy's
(``estimate_effect``, ``refute_estimate``), never re-implemented here; DoWhy's warnings about
its own pandas calls are silenced, nothing else.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..core._errors import InputError
from ..graph._causal_graph import CausalGraph
from ..identify._findings import format_set
from ..identify._identification import (
    check_adjustment_set,
    latent_blocks_adjustment,
    valid_adjustment_sets,
)
from ..identify._role_checks import check_instrument, front_door_sets
from ._results import DoWhyIdentification, EffectEstimate, Estimand, Identification, Refutation

TreatmentKind = str  # "binary", "continuous" or "categorical"
NUMERIC = frozenset({"binary", "continuous"})
CONFIDENCE_LEVEL = 0.95
"""The level of DoWhy's confidence intervals (its default)."""


@dataclass(frozen=True)
class EstimatorSpec:
    """A DoWhy estimator: its estimand and the treatments it takes."""

    estimand: Estimand
    treatments: frozenset[str] = NUMERIC
    assumption: str = ""


_LINEAR = (
    "the outcome is linear in the treatment and the adjustment set, with no interaction: one "
    "effect for everybody (the estimator's model)"
)
_OVERLAP = (
    "overlap: every kind of unit (every value of the adjustment set) could have received "
    "either treatment"
)
#: DoWhy method name -> what it estimates and takes. Names under ``backdoor.econml.`` and
#: ``backdoor.causalml.`` are passed to DoWhy unchecked.
ESTIMATORS: dict[str, EstimatorSpec] = {
    "backdoor.linear_regression": EstimatorSpec("backdoor", NUMERIC, _LINEAR),
    "backdoor.generalized_linear_model": EstimatorSpec(
        "backdoor", NUMERIC, "the outcome follows the generalized linear model given"
    ),
    "backdoor.propensity_score_matching": EstimatorSpec(
        "backdoor", frozenset({"binary"}), _OVERLAP
    ),
    "backdoor.propensity_score_stratification": EstimatorSpec(
        "backdoor", frozenset({"binary"}), _OVERLAP
    ),
    "backdoor.propensity_score_weighting": EstimatorSpec(
        "backdoor", frozenset({"binary"}), _OVERLAP
    ),
    "backdoor.distance_matching": EstimatorSpec("backdoor", frozenset({"binary"}), _OVERLAP),
    "iv.instrumental_variable": EstimatorSpec(
        "iv",
        NUMERIC,
        "two-stage least squares: the effects are linear, and the same for everybody (else it "
        "is the effect among those the instrument moves)",
    ),
    "iv.regression_discontinuity": EstimatorSpec(
        "iv", frozenset({"continuous"}), "units just either side of the threshold are alike"
    ),
    "frontdoor.two_stage_regression": EstimatorSpec(
        "frontdoor", NUMERIC, "both stages (treatment -> mediators -> outcome) are linear"
    ),
}
_UNCHECKED_PREFIXES = ("backdoor.econml.", "backdoor.causalml.")


@dataclass(frozen=True)
class RefuterSpec:
    """A DoWhy refuter: what people call it, its options, what a sound estimate does."""

    label: str
    expectation: str
    options: Mapping[str, Any] = field(default_factory=dict)


#: DoWhy refuter name -> how it is run. Every refuter gets ``num_simulations`` and
#: ``random_seed`` too.
REFUTERS: dict[str, RefuterSpec] = {
    "placebo_treatment_refuter": RefuterSpec(
        "placebo treatment",
        "near zero: the treatment shuffled at random should have no effect",
        {"placebo_type": "permute"},
    ),
    "random_common_cause": RefuterSpec(
        "random common cause",
        "unchanged: adding an independent random common cause should not move the estimate",
    ),
    "data_subset_refuter": RefuterSpec(
        "data subset",
        "unchanged: random subsets of 80% of the rows should give about the same estimate",
        {"subset_fraction": 0.8},
    ),
    "bootstrap_refuter": RefuterSpec(
        "bootstrap",
        "unchanged: bootstrap resamples of the rows should give about the same estimate",
    ),
}
DEFAULT_REFUTERS = ("placebo_treatment_refuter", "random_common_cause", "data_subset_refuter")


def estimator_spec(estimator: str) -> EstimatorSpec:
    """The spec of a DoWhy estimator name; `InputError` lists the known ones otherwise."""
    if not isinstance(estimator, str):
        raise InputError(f"estimator must be a DoWhy method name, not {type(estimator).__name__}")
    if estimator in ESTIMATORS:
        return ESTIMATORS[estimator]
    if estimator.startswith(_UNCHECKED_PREFIXES):
        return EstimatorSpec("backdoor", frozenset({"binary", "continuous", "categorical"}))
    known = ", ".join(ESTIMATORS)
    raise InputError(
        f"estimator {estimator!r} is not a DoWhy method this analysis knows; use one of {known} "
        "(or a backdoor.econml.* / backdoor.causalml.* name)"
    )


def refuter_names(refuters: Iterable[str]) -> tuple[str, ...]:
    """The refuters asked for, checked against `REFUTERS` (duplicates removed)."""
    if isinstance(refuters, str):
        raise InputError(f"refuters must be a list of names, not the string {refuters!r}")
    names = tuple(dict.fromkeys(refuters))
    for name in names:
        if name not in REFUTERS:
            raise InputError(
                f"refuter {name!r} is not known; use any of {', '.join(REFUTERS)} (or none: ())"
            )
    return names


# --------------------------------------------------------------------------- identification
def _no_backdoor_reason(graph: CausalGraph, treatment: str, outcome: str) -> str:
    blocking = latent_blocks_adjustment(graph, treatment, outcome)
    reason = (
        f"the unmeasured {format_set(blocking)} confound {treatment!r} and {outcome!r}, so no "
        "set of measured variables blocks every backdoor path"
        if blocking
        else f"no set of measured variables blocks every backdoor path from {treatment!r} to "
        f"{outcome!r}"
    )
    return reason


def _alternatives(
    front_doors: Sequence[tuple[str, ...]], instruments: Sequence[str], estimand: Estimand
) -> str:
    options = []
    if front_doors and estimand != "frontdoor":
        options.append(
            f"the front door through {format_set(front_doors[0])} identifies it "
            "(estimator='frontdoor.two_stage_regression')"
        )
    if instruments and estimand != "iv":
        options.append(
            f"{format_set(instruments)} are valid instruments "
            "(estimator='iv.instrumental_variable')"
        )
    return ("; " + "; ".join(options)) if options else ""


def identify_from_graph(
    graph: CausalGraph,
    treatment: str,
    outcome: str,
    adjustment_set: Sequence[str] | None,
    estimand: Estimand,
) -> Identification:
    """Which estimand identifies the effect in `graph`, from our exact checks alone (no DoWhy).

    Backdoor: the analyst's set when given (checked), else the smallest valid set. Instrument:
    every observed variable that meets the three instrument conditions. Front door: the
    smallest mediator set that meets the criterion. When the chosen estimand fails, the
    explanation names the ones that would work.
    """
    network = graph.to_networkx()
    sets = tuple(tuple(sorted(found)) for found in valid_adjustment_sets(graph, treatment, outcome))
    front_doors = tuple(front_door_sets(graph, treatment, outcome, limit=3))
    instruments = tuple(
        name
        for name in graph.observed
        if name not in (treatment, outcome)
        and check_instrument(graph, name, treatment, outcome).valid
    )
    base = Identification(
        estimand=estimand,
        identified=False,
        valid_adjustment_sets=sets,
        front_door_sets=front_doors,
        valid_instruments=instruments,
    )

    def result(**fields: Any) -> Identification:
        return base.model_copy(update=fields)

    if nx.has_path(network, outcome, treatment):
        path = " -> ".join(nx.shortest_path(network, outcome, treatment))
        return result(
            identified=False,
            explanation=f"the outcome causes the treatment in the graph ({path}); check the "
            "direction of these edges, or swap treatment and outcome",
        )
    alternatives = _alternatives(front_doors, instruments, estimand)
    if estimand == "iv":
        if not instruments:
            return result(
                identified=False,
                explanation="no observed variable meets the instrument conditions (relevant, "
                f"excluded, unconfounded){alternatives}",
            )
        return result(
            identified=True,
            instruments=instruments,
            explanation=f"{format_set(instruments)} move {treatment!r}, reach {outcome!r} only "
            "through it and share no cause with it",
        )
    if estimand == "frontdoor":
        if not front_doors:
            return result(
                identified=False,
                explanation=f"no set of observed mediators meets the front-door criterion"
                f"{alternatives}",
            )
        return result(
            identified=True,
            mediators=front_doors[0],
            explanation=f"{format_set(front_doors[0])} meet every directed path from "
            f"{treatment!r} to {outcome!r}, with no open backdoor path around them",
        )
    if adjustment_set is not None:
        check = check_adjustment_set(graph, treatment, outcome, adjustment_set)
        shown = "; ".join(format_set(found) for found in sets) or "none"
        return result(
            identified=check.valid,
            adjustment_set=check.adjustment if check.valid else None,
            set_from="given",
            explanation=check.explanation
            + ("" if check.valid else f" Valid minimal sets: {shown}{alternatives}."),
        )
    if not sets:
        return result(
            identified=False,
            explanation=_no_backdoor_reason(graph, treatment, outcome) + alternatives,
        )
    chosen = sets[0]
    return result(
        identified=True,
        adjustment_set=chosen,
        set_from="minimal",
        explanation=check_adjustment_set(graph, treatment, outcome, chosen).explanation,
    )


# --------------------------------------------------------------------------- DoWhy
@contextmanager
def quiet_dowhy() -> Iterator[None]:
    """Silence the warnings DoWhy's own code raises (its pandas calls); keep every other one."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"dowhy(\.|$)")
        yield


def treatment_kind(column: Any) -> TreatmentKind:
    """``binary`` (bool, or two numeric values), ``continuous`` (numeric) or ``categorical``."""
    import pandas as pd

    values = column.dropna()
    if pd.api.types.is_bool_dtype(values):
        return "binary"
    if pd.api.types.is_numeric_dtype(values):
        return "binary" if values.nunique() <= 2 else "continuous"
    return "categorical"


def type_problem(frame: Any, treatment: str, outcome: str, estimator: str) -> str:
    """Why `estimator` cannot take this treatment or outcome ("" when it can)."""
    spec = estimator_spec(estimator)
    kind = treatment_kind(frame[treatment])
    if kind not in spec.treatments:
        takes = " or ".join(sorted(spec.treatments))
        hint = (
            f"; recode it as numbers or as True/False (e.g. data[{treatment!r}] == 'yes')"
            if kind == "categorical"
            else ""
        )
        return f"{estimator} takes a {takes} treatment, and {treatment!r} is {kind}{hint}"
    if treatment_kind(frame[outcome]) == "categorical":
        return f"{estimator} needs a numeric outcome, and {outcome!r} is categorical"
    return ""


@dataclass
class DoWhyModel:
    """DoWhy's model and identified estimand for one analysis (held in memory only)."""

    model: Any
    estimand: Any
    identification: DoWhyIdentification


def _names(values: Any) -> tuple[str, ...]:
    return tuple(str(value) for value in values or ())


def build_model(graph: CausalGraph, frame: Any, treatment: str, outcome: str) -> DoWhyModel:
    """DoWhy's ``CausalModel`` on the graph and its ``identify_effect``, with what it found.

    Without DoWhy, `CausalGraph.to_causal_model` raises `OptionalDependencyError` naming the extra.
    """
    with quiet_dowhy():
        model = graph.to_causal_model(frame, treatment, outcome)
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
    backdoor = None
    if estimand.backdoor_variables and estimand.default_backdoor_id is not None:
        backdoor = _names(estimand.backdoor_variables.get(estimand.default_backdoor_id))
    found = DoWhyIdentification(
        backdoor_variables=backdoor,
        instrumental_variables=_names(estimand.get_instrumental_variables()),
        frontdoor_variables=_names(estimand.get_frontdoor_variables()),
    )
    return DoWhyModel(model=model, estimand=estimand, identification=found)


def _use_variables(estimand: Any, identification: Identification) -> None:
    """Make DoWhy's estimand use the variables our identification chose."""
    if identification.estimand == "backdoor":
        if estimand.backdoor_variables is None:
            estimand.backdoor_variables = {}
        estimand.set_backdoor_variables(list(identification.variables), key="backdoor")
    elif identification.estimand == "iv":
        estimand.instrumental_variables = list(identification.instruments)
    else:
        estimand.frontdoor_variables = list(identification.mediators)


def _interval(value: Any) -> tuple[float | None, float | None]:
    import numpy as np

    if value is None:
        return None, None
    flat = np.asarray(value, dtype=float).ravel()
    if flat.size != 2 or not np.all(np.isfinite(flat)):
        return None, None
    return float(min(flat)), float(max(flat))


def estimate_effect(
    dowhy: DoWhyModel,
    identification: Identification,
    estimator: str,
    *,
    rows: int,
) -> tuple[EffectEstimate, Any]:
    """DoWhy's estimate with its 95% confidence interval (DoWhy's level); also DoWhy's estimate."""
    _use_variables(dowhy.estimand, identification)
    with quiet_dowhy():
        result = dowhy.model.estimate_effect(
            dowhy.estimand,
            method_name=estimator,
            confidence_intervals=True,
        )
        lower, upper = _interval(result.get_confidence_intervals())
    return (
        EffectEstimate(
            estimator=estimator,
            value=float(result.value),
            lower=lower,
            upper=upper,
            level=CONFIDENCE_LEVEL,
            rows=rows,
        ),
        result,
    )


def refute(
    dowhy: DoWhyModel, result: Any, refuter: str, *, simulations: int, seed: int
) -> Refutation:
    """Run one DoWhy refuter, seeded, with `simulations` simulations."""
    spec = REFUTERS[refuter]
    with quiet_dowhy():
        outcome = dowhy.model.refute_estimate(
            dowhy.estimand,
            result,
            method_name=refuter,
            num_simulations=simulations,
            random_seed=seed,
            **spec.options,
        )
    test = getattr(outcome, "refutation_result", None) or {}
    p_value = test.get("p_value")
    significant = test.get("is_statistically_significant")
    return Refutation(
        refuter=refuter,
        label=spec.label,
        expectation=spec.expectation,
        estimated_effect=float(outcome.estimated_effect),
        new_effect=float(outcome.new_effect),
        p_value=None if p_value is None else min(max(float(p_value), 0.0), 1.0),
        passed=None if significant is None else not bool(significant),
        simulations=simulations,
        seed=seed,
    )


def not_run(refuter: str, status: str, reason: str, simulations: int, seed: int) -> Refutation:
    """The record of a refuter that could not run (skipped) or raised (failed)."""
    spec = REFUTERS[refuter]
    return Refutation(
        refuter=refuter,
        label=spec.label,
        expectation=spec.expectation,
        simulations=simulations,
        seed=seed,
        status=status,  # type: ignore[arg-type]
        reason=reason,
    )
