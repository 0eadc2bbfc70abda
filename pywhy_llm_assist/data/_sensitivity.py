"""`sensitivity_analysis`: how strong would an unmeasured confounder have to be?

The OLS estimate of the treatment's coefficient, its robustness values, and bounds for
confounders k times as strong as observed covariates (Cinelli & Hazlett 2020), in one
`SensitivityReport`. Bounds elicited from a model (``source="model"``) are added by
`Assistant.elicit_sensitivity` through `SensitivityReport.bound`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..core._errors import InputError
from ..core._json_file import JsonFile
from ..core._text import percent
from ..core._usage import Usage
from . import _bias_formulas as formulas
from ._regression import (
    OUTCOME_OFFSET,
    TREATMENT_OFFSET,
    TREATMENT_POSITION,
    build_design,
    fit_both,
)

BoundSource = Literal["formal", "model"]
KValue = float | tuple[float, float]
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class CovariateStrength(BaseModel):
    """How much an observed covariate explains of treatment and outcome (a benchmark).

    Attributes:
        name: the adjustment variable.
        columns: its regression columns (the indicators of a categorical variable).
        r2_treatment: partial R² with the treatment, R²_{D~X_j|X_-j}.
        r2_outcome: partial R² with the outcome, R²_{Y~X_j|D,X_-j}.
    """

    model_config = _FROZEN

    name: str
    columns: int = 1
    r2_treatment: float
    r2_outcome: float


class SensitivityBound(BaseModel):
    """The estimate adjusted for a confounder of a given strength.

    Attributes:
        label: ``"2x female"`` for a formal bound; the confounder's name for a model's.
        benchmark: the observed covariate the strength is relative to.
        k_treatment, k_outcome: how many times as strongly as the benchmark the confounder
            explains the treatment and the outcome (as partial f²).
        r2_treatment, r2_outcome: the implied partial R² of the confounder with the
            treatment (given X) and with the outcome (given D and X).
        adjusted_estimate, adjusted_standard_error: the estimate and its standard error had
            the confounder been adjusted for.
        adjusted_lower, adjusted_upper: the adjusted 1-alpha confidence interval.
        source: ``"formal"`` (asked for by the analyst) or ``"model"`` (elicited).
        rationale: why this strength (the model's reason, for elicited bounds).
        capped: the outcome R² came out above 1 and was set to 1.
    """

    model_config = _FROZEN

    label: str
    benchmark: str
    k_treatment: float = Field(ge=0)
    k_outcome: float = Field(ge=0)
    r2_treatment: float
    r2_outcome: float
    adjusted_estimate: float
    adjusted_standard_error: float
    adjusted_lower: float
    adjusted_upper: float
    source: BoundSource = "formal"
    rationale: str = ""
    capped: bool = False

    @property
    def adjusted_t(self) -> float:
        """The adjusted t statistic."""
        if self.adjusted_standard_error == 0:
            return math.copysign(math.inf, self.adjusted_estimate)
        return self.adjusted_estimate / self.adjusted_standard_error


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"


class SensitivityReport(JsonFile):
    """A sensitivity analysis of one OLS estimate to unmeasured confounding.

    Attributes:
        treatment, outcome: the effect estimated.
        adjustment_set: the covariates adjusted for.
        rows: complete rows used; degrees_of_freedom: residual degrees of freedom.
        estimate, standard_error, t_statistic: the treatment's OLS coefficient.
        lower, upper: its 1-alpha confidence interval.
        partial_r2: partial R² of the treatment with the outcome, R²_{Y~D|X}.
        robustness_value: RV_q, the strength (partial R² with both treatment and outcome)
            a confounder needs to reduce the estimate by 100·q %.
        robustness_value_alpha: RV_{q,α}, the strength that makes the reduced estimate
            lose significance at level alpha.
        q, alpha: the reduction and the significance level asked for.
        covariates: each adjustment variable's strength, the possible benchmarks.
        bounds: formal and elicited bounds.
        notes: what was done to the data, and bounds that could not be computed.
        usage, metadata: model calls and provenance, for elicited bounds.
    """

    model_config = _FROZEN
    json_label: ClassVar[str] = "sensitivity report JSON"
    bound_headers: ClassVar[tuple[str, ...]] = (
        "bound",
        "source",
        "benchmark",
        "k_D",
        "k_Y",
        "R²(D~Z|X)",
        "R²(Y~Z|D,X)",
        "adjusted",
        "interval",
        "verdict",
    )
    """The column names of `bound_rows`."""

    treatment: str
    outcome: str
    adjustment_set: tuple[str, ...]
    rows: int
    degrees_of_freedom: int
    estimate: float
    standard_error: float
    t_statistic: float
    lower: float
    upper: float
    partial_r2: float
    robustness_value: float
    robustness_value_alpha: float
    q: float = 1.0
    alpha: float = 0.05
    covariates: tuple[CovariateStrength, ...] = ()
    bounds: tuple[SensitivityBound, ...] = ()
    notes: tuple[str, ...] = ()
    usage: Usage | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    # ------------------------------------------------------------------ bounds
    def strength(self, name: str) -> CovariateStrength:
        """The strength of adjustment variable `name` (a possible benchmark)."""
        for covariate in self.covariates:
            if covariate.name == name:
                return covariate
        known = ", ".join(repr(covariate.name) for covariate in self.covariates)
        raise InputError(f"{name!r} is not in the adjustment set; benchmarks are: {known}")

    def bound(
        self,
        benchmark: str,
        k_treatment: float,
        k_outcome: float | None = None,
        *,
        label: str | None = None,
        source: BoundSource = "formal",
        rationale: str = "",
    ) -> SensitivityBound:
        """The bound for a confounder k_D, k_Y times as strong as `benchmark`.

        Args:
            benchmark: an adjustment variable.
            k_treatment: strength relative to the benchmark in explaining the treatment.
            k_outcome: the same for the outcome (default: `k_treatment`).
            label: a name for the bound (default ``"2x female"``).

        Raises:
            InputError: the benchmark is not adjusted for, or the strength is impossible
                (the confounder would explain all of the treatment's residual variance).

        Example:
            >>> report.bound("female", 2).label  # doctest: +SKIP
            '2x female'
        """
        k_outcome = k_treatment if k_outcome is None else k_outcome
        covariate = self.strength(benchmark)
        try:
            implied = formulas.benchmark_bound(
                covariate.r2_treatment, covariate.r2_outcome, k_treatment, k_outcome
            )
        except ValueError as error:
            raise InputError(f"{benchmark!r}: {error}") from None
        return self._bound_at(
            implied,
            benchmark=benchmark,
            k_treatment=k_treatment,
            k_outcome=k_outcome,
            label=label or _formal_label(benchmark, k_treatment, k_outcome),
            source=source,
            rationale=rationale,
        )

    def _bound_at(self, implied: formulas.BenchmarkBound, **fields: Any) -> SensitivityBound:
        estimate = formulas.adjusted_estimate(
            self.estimate,
            self.standard_error,
            self.degrees_of_freedom,
            implied.r2_treatment,
            implied.r2_outcome,
        )
        error = formulas.adjusted_standard_error(
            self.standard_error, self.degrees_of_freedom, implied.r2_treatment, implied.r2_outcome
        )
        margin = formulas.critical_t(self.alpha, self.degrees_of_freedom - 1) * float(error)
        return SensitivityBound(
            r2_treatment=implied.r2_treatment,
            r2_outcome=implied.r2_outcome,
            adjusted_estimate=float(estimate),
            adjusted_standard_error=float(error),
            adjusted_lower=float(estimate) - margin,
            adjusted_upper=float(estimate) + margin,
            capped=implied.capped,
            **fields,
        )

    def with_bounds(
        self, bounds: Iterable[SensitivityBound], notes: Iterable[str] = (), **updates: Any
    ) -> SensitivityReport:
        """A copy with `bounds` and `notes` added (and any other field updated)."""
        return self.model_copy(
            update={
                "bounds": (*self.bounds, *bounds),
                "notes": (*self.notes, *notes),
                **updates,
            }
        )

    @property
    def formal_bounds(self) -> tuple[SensitivityBound, ...]:
        """The bounds computed for the analyst's benchmarks and k."""
        return tuple(bound for bound in self.bounds if bound.source == "formal")

    @property
    def model_bounds(self) -> tuple[SensitivityBound, ...]:
        """The bounds for confounder strengths elicited from a model."""
        return tuple(bound for bound in self.bounds if bound.source == "model")

    # ------------------------------------------------------------------ verdicts
    @property
    def significant(self) -> bool:
        """Whether the unadjusted estimate is significant at `alpha`."""
        return self.lower > 0 or self.upper < 0

    def sign_survives(self, bound: SensitivityBound) -> bool:
        """Whether the adjusted estimate keeps the estimate's sign."""
        return bound.adjusted_estimate * self.estimate > 0

    def significance_survives(self, bound: SensitivityBound) -> bool:
        """Whether the adjusted interval still excludes zero on the estimate's side."""
        if self.estimate > 0:
            return bound.adjusted_lower > 0
        return bound.adjusted_upper < 0

    def verdict(self, bound: SensitivityBound) -> str:
        """Plain words: does the conclusion survive a confounder this strong?

        Example:
            >>> report.verdict(report.bounds[0])  # doctest: +SKIP
            'sign and significance survive'
        """
        level = f"{100 * (1 - self.alpha):g}%"
        if not self.sign_survives(bound):
            return "neither survives: the adjusted estimate crosses zero"
        if not self.significant:
            return "sign survives; the estimate was not significant to begin with"
        if self.significance_survives(bound):
            return "sign and significance survive"
        return f"sign survives, significance does not (the {level} interval includes zero)"

    # ------------------------------------------------------------------ display
    def summary_lines(self) -> list[str]:
        """The headline numbers, one per line."""
        level = f"{100 * (1 - self.alpha):g}%"
        return [
            f"sensitivity of {self.treatment} -> {self.outcome}: OLS on {self.rows:,} rows, "
            f"{self.degrees_of_freedom:,} degrees of freedom, adjusting for "
            f"{', '.join(self.adjustment_set) or 'nothing'}",
            f"  estimate {_number(self.estimate)} (standard error {_number(self.standard_error)}, "
            f"t {self.t_statistic:.2f}), {level} interval {_number(self.lower)} to "
            f"{_number(self.upper)}",
            f"  partial R² of the treatment with the outcome: {percent(self.partial_r2)}",
            f"  robustness value RV (q={self.q:g}): {percent(self.robustness_value)} "
            f"(RV at alpha={self.alpha:g}: {percent(self.robustness_value_alpha)})",
            f"  a confounder explaining {percent(self.robustness_value)} of the residual "
            f"variance of both treatment and outcome would "
            + (
                "bring the estimate to zero"
                if self.q == 1
                else f"reduce the estimate by {100 * self.q:g}%"
            ),
        ]

    def bound_rows(self) -> list[list[str]]:
        """One row of text cells per bound (see `bound_headers`)."""
        return [
            [
                bound.label,
                bound.source,
                bound.benchmark,
                f"{bound.k_treatment:g}",
                f"{bound.k_outcome:g}",
                percent(bound.r2_treatment),
                percent(bound.r2_outcome) + (" (capped)" if bound.capped else ""),
                _number(bound.adjusted_estimate),
                f"{_number(bound.adjusted_lower)} to {_number(bound.adjusted_upper)}",
                self.verdict(bound),
            ]
            for bound in self.bounds
        ]

    def __str__(self) -> str:
        lines = self.summary_lines()
        if self.bounds:
            from ._sensitivity_plot import text_table

            lines.append("bounds:")
            lines.extend("  " + line for line in text_table(BOUND_HEADERS, self.bound_rows()))
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def plot(self, path: str | Path | None = None, *, image_format: str | None = None) -> bytes:
        """Draw the contour plot of the adjusted estimate; write it to `path` when given.

        Args:
            path: an ``.svg`` or ``.png`` file (the format follows the suffix).
            image_format: ``"svg"`` or ``"png"`` (default: from `path`, else SVG).

        Returns:
            The image's bytes.
        """
        from ._sensitivity_plot import plot_contours

        return plot_contours(self, path, image_format=image_format)

    def _repr_svg_(self) -> str:
        return self.plot(image_format="svg").decode("utf-8")

    def _repr_html_(self) -> str:
        from ._sensitivity_plot import report_html

        return report_html(self)


BOUND_HEADERS = SensitivityReport.bound_headers


def _formal_label(benchmark: str, k_treatment: float, k_outcome: float) -> str:
    if k_treatment == k_outcome:
        return f"{k_treatment:g}x {benchmark}"
    return f"{k_treatment:g}x/{k_outcome:g}x {benchmark}"


def _strengths(values: Iterable[KValue]) -> list[tuple[float, float]]:
    pairs = []
    for value in values:
        pair = (value, value) if isinstance(value, int | float) else tuple(value)
        if len(pair) != 2 or not all(
            isinstance(item, int | float) and math.isfinite(item) and item > 0 for item in pair
        ):
            raise InputError(
                f"k must hold positive numbers (k_D = k_Y) or (k_D, k_Y) pairs, not {value!r}"
            )
        pairs.append((float(pair[0]), float(pair[1])))
    return pairs


def sensitivity_analysis(
    data: Any,
    treatment: str,
    outcome: str,
    adjustment_set: Iterable[str],
    *,
    benchmarks: Sequence[str] | None = None,
    k: Iterable[KValue] = (1, 2, 3),
    q: float = 1.0,
    alpha: float = 0.05,
) -> SensitivityReport:
    """Sensitivity of an OLS estimate to unmeasured confounding (Cinelli & Hazlett 2020).

    Fits ``outcome ~ treatment + adjustment_set`` by OLS (categorical columns as indicator
    variables, rows with missing values left out) and reports the estimate, its standard
    error, t and degrees of freedom, the treatment's partial R² with the outcome, the
    robustness values RV_q and RV_{q,α}, and formal bounds for confounders k times as strong
    as each benchmark covariate. No model is involved.

    Args:
        data: a pandas DataFrame (or a dict of columns).
        treatment: a numeric or binary column (two levels are coded 0/1, the second as 1).
        outcome: a numeric column.
        adjustment_set: the covariates adjusted for.
        benchmarks: adjustment variables to bound against (default: all of them; ``()``
            for none).
        k: strengths relative to each benchmark: numbers (k_D = k_Y) or (k_D, k_Y) pairs.
        q: the share of the estimate the robustness value is about (1: all of it).
        alpha: significance level of the intervals and of RV_{q,α}.

    Raises:
        InputError: a missing column, a treatment that is neither numeric nor binary, a
            singular design or too few rows; the message says what to change.

    Example:
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=500)
        >>> d = 0.5 * x + rng.normal(size=500)
        >>> data = pd.DataFrame({"x": x, "d": d, "y": d + x + rng.normal(size=500)})
        >>> report = sensitivity_analysis(data, "d", "y", ["x"], k=[1])
        >>> round(report.estimate, 2), report.bounds[0].label
        (0.97, '1x x')
    """
    if not (isinstance(q, int | float) and math.isfinite(q) and q > 0):
        raise InputError(f"q must be a positive number (1 = the whole estimate), not {q!r}")
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise InputError(f"alpha must be between 0 and 1 (e.g. 0.05), not {alpha!r}")
    if isinstance(benchmarks, str):
        raise InputError(f"benchmarks must be a list of names, not the string {benchmarks!r}")
    design = build_design(data, treatment, outcome, adjustment_set)
    adjustment = tuple(design.groups)
    chosen = list(adjustment) if benchmarks is None else list(dict.fromkeys(benchmarks))
    for name in chosen:
        if name not in design.groups:
            raise InputError(
                f"benchmark {name!r} is not in the adjustment set "
                f"({', '.join(adjustment) or 'empty'}); a benchmark must be adjusted for"
            )
    strengths = _strengths(k)
    fits = fit_both(design, treatment)
    fit = fits.outcome
    estimate = float(fit.coefficients[TREATMENT_POSITION])
    standard_error = fit.standard_error(TREATMENT_POSITION)
    t_statistic = estimate / standard_error
    dof = fit.degrees_of_freedom
    margin = formulas.critical_t(alpha, dof) * standard_error
    covariates = tuple(
        CovariateStrength(
            name=name,
            columns=len(positions),
            r2_treatment=fits.treatment.partial_r2([TREATMENT_OFFSET + p for p in positions]),
            r2_outcome=fit.partial_r2([OUTCOME_OFFSET + p for p in positions]),
        )
        for name, positions in design.groups.items()
    )
    report = SensitivityReport(
        treatment=treatment,
        outcome=outcome,
        adjustment_set=adjustment,
        rows=design.rows,
        degrees_of_freedom=dof,
        estimate=estimate,
        standard_error=standard_error,
        t_statistic=t_statistic,
        lower=estimate - margin,
        upper=estimate + margin,
        partial_r2=formulas.partial_r2(t_statistic, dof),
        robustness_value=formulas.robustness_value(t_statistic, dof, q),
        robustness_value_alpha=formulas.robustness_value(t_statistic, dof, q, alpha),
        q=float(q),
        alpha=float(alpha),
        covariates=covariates,
        notes=design.notes,
    )
    bounds, notes = [], []
    for name in chosen:
        for k_treatment, k_outcome in strengths:
            try:
                bounds.append(report.bound(name, k_treatment, k_outcome))
            except InputError as error:
                notes.append(f"no bound for {_formal_label(name, k_treatment, k_outcome)}: {error}")
    return report.with_bounds(bounds, notes)
