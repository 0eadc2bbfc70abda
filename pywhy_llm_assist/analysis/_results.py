"""Typed results of the analysis steps: the step records, identification, estimate, refutation.

Frozen pydantic models, so an `AnalysisReport` round-trips through JSON losslessly. The steps
that fill them live in `_dowhy_steps` (DoWhy) and `_analyse` (the order of the steps).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..identify._findings import format_set

_FROZEN = ConfigDict(frozen=True, extra="forbid")

StepStatus = Literal["done", "skipped", "failed"]
Estimand = Literal["backdoor", "iv", "frontdoor"]

#: estimand -> how people call it.
ESTIMAND_LABELS: dict[str, str] = {
    "backdoor": "backdoor adjustment",
    "iv": "instrumental variable",
    "frontdoor": "front door",
}


def format_number(value: float | None) -> str:
    """Four significant digits (scientific below 0.001); ``-`` for None."""
    if value is None:
        return "-"
    return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"


class StepRecord(BaseModel):
    """What happened to one step of the analysis.

    Attributes:
        name: ``identify``, ``estimate``, ``refute``, ``implications``, ``sensitivity``,
            ``critique`` or ``ledger``.
        status: ``done``, ``skipped`` (it could not run: the reason says why) or ``failed``
            (it ran and raised: the reason is the error, in one line).
        reason: why it was skipped or failed; what it noted when done.
        model_error: it failed because the model did (an error after retries, or a replay
            with no recorded answer); what did not need the model is still in the report.
    """

    model_config = _FROZEN

    name: str
    status: StepStatus = "done"
    reason: str = ""
    model_error: bool = False

    def __str__(self) -> str:
        return f"{self.name}: {self.status}" + (f" ({self.reason})" if self.reason else "")


class DoWhyIdentification(BaseModel):
    """What DoWhy's ``identify_effect`` found on the same graph (a cross-check of ours)."""

    model_config = _FROZEN

    backdoor_variables: tuple[str, ...] | None = None
    instrumental_variables: tuple[str, ...] = ()
    frontdoor_variables: tuple[str, ...] = ()


class Identification(BaseModel):
    """Which estimand identifies the effect, with which variables, and why.

    Attributes:
        estimand: ``backdoor``, ``iv`` or ``frontdoor`` (from the estimator's prefix).
        identified: the graph identifies the effect this way with the variables below.
        explanation: why (or why not), in a sentence or two.
        adjustment_set: the backdoor set used (None when there is none).
        set_from: ``minimal`` (the exact checks' smallest valid set) or ``given`` (the
            analyst's, checked).
        instruments: the instruments used (``iv``).
        mediators: the front-door mediators used (``frontdoor``).
        valid_adjustment_sets: every minimal valid backdoor set the exact checks found.
        front_door_sets: mediator sets that satisfy the front-door criterion.
        valid_instruments: observed variables that satisfy the instrument conditions.
        dowhy: what DoWhy's own identification found (None when DoWhy did not run).
    """

    model_config = _FROZEN

    estimand: Estimand
    identified: bool
    explanation: str = ""
    adjustment_set: tuple[str, ...] | None = None
    set_from: Literal["minimal", "given"] | None = None
    instruments: tuple[str, ...] = ()
    mediators: tuple[str, ...] = ()
    valid_adjustment_sets: tuple[tuple[str, ...], ...] = ()
    front_door_sets: tuple[tuple[str, ...], ...] = ()
    valid_instruments: tuple[str, ...] = ()
    dowhy: DoWhyIdentification | None = None

    @property
    def label(self) -> str:
        """The estimand as people call it, e.g. ``backdoor adjustment``."""
        return ESTIMAND_LABELS[self.estimand]

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables the estimand uses: adjustment set, instruments or mediators."""
        if self.estimand == "backdoor":
            return self.adjustment_set or ()
        return self.instruments if self.estimand == "iv" else self.mediators

    def summary(self) -> str:
        """One line: the estimand and its variables, or why there is none."""
        if not self.identified:
            return f"not identified by {self.label}: {self.explanation}"
        if self.estimand == "backdoor":
            chosen = "the smallest valid set" if self.set_from == "minimal" else "as given"
            return f"{self.label}, adjusting for {format_set(self.variables)} ({chosen})"
        named = "instruments" if self.estimand == "iv" else "mediators"
        return f"{self.label}, {named} {format_set(self.variables)}"


class EffectEstimate(BaseModel):
    """The estimate of the effect, from DoWhy's ``estimate_effect``.

    Attributes:
        estimator: the DoWhy method name, e.g. ``backdoor.linear_regression``.
        value: the estimated effect (average change of the outcome per unit of treatment).
        lower, upper: its confidence interval (None when the estimator gives none).
        level: the interval's confidence level.
        rows: rows used (complete rows of the graph's measured variables).
    """

    model_config = _FROZEN

    estimator: str
    value: float
    lower: float | None = None
    upper: float | None = None
    level: float = Field(default=0.95, gt=0.0, lt=1.0)
    rows: int = Field(default=0, ge=0)

    @property
    def interval(self) -> tuple[float, float] | None:
        """``(lower, upper)``, or None."""
        if self.lower is None or self.upper is None:
            return None
        return (self.lower, self.upper)

    def summary(self) -> str:
        """One line: the value and its interval."""
        text = f"{format_number(self.value)}"
        if self.interval is not None:
            lower, upper = format_number(self.lower), format_number(self.upper)
            text += f" ({100 * self.level:g}% interval {lower} to {upper})"
        return text + f" by {self.estimator} on {self.rows:,} rows"


class Refutation(BaseModel):
    """One DoWhy refuter run on the estimate.

    Attributes:
        refuter: DoWhy's method name (``placebo_treatment_refuter``, ...).
        label: what people call it.
        expectation: what a sound estimate should do under it.
        estimated_effect: the original estimate.
        new_effect: the mean effect over the refuter's simulations.
        p_value: DoWhy's test of the estimate against the simulations.
        passed: True when DoWhy's test does not reject (the estimate behaves as expected);
            None when the refuter did not run.
        simulations: how many simulations it ran; seed: their random seed.
        status, reason: ``done``, or why it was skipped or failed.
    """

    model_config = _FROZEN

    refuter: str
    label: str
    expectation: str = ""
    estimated_effect: float | None = None
    new_effect: float | None = None
    p_value: float | None = Field(default=None, ge=0.0, le=1.0)
    passed: bool | None = None
    simulations: int = 0
    seed: int | None = None
    status: StepStatus = "done"
    reason: str = ""

    @property
    def verdict(self) -> str:
        """``passed``, ``failed`` (the estimate did not behave as expected), or why not run."""
        if self.status != "done" or self.passed is None:
            return f"not run: {self.reason}" if self.reason else "not run"
        return "passed" if self.passed else "failed"

    def cells(self) -> list[str]:
        """The row of the refutation table (see `REFUTATION_HEADERS`)."""
        return [
            self.label,
            format_number(self.estimated_effect),
            format_number(self.new_effect),
            "-" if self.p_value is None else f"{self.p_value:.2f}",
            self.verdict,
            self.expectation,
        ]


REFUTATION_HEADERS = ("refuter", "estimate", "new effect", "p-value", "verdict", "expected")
