"""The closed forms of Cinelli & Hazlett (2020), "Making sense of sensitivity" (JRSS-B 82:39-67).

Notation: D the treatment, Y the outcome, X the adjustment set, Z an unmeasured confounder,
``df`` the residual degrees of freedom of Y ~ D + X. Every function takes plain numbers (or
numpy arrays, for the contour plot) and is a line or two of the paper:

- partial R² of D with Y given X: t² / (t² + df)                                  (§3.4)
- bias of the OLS estimate: se · √df · √(R²_{Y~Z|D,X} · R²_{D~Z|X} / (1 - R²_{D~Z|X}))   (eq. 11)
- adjusted standard error: se · √((1 - R²_{Y~Z|D,X}) / (1 - R²_{D~Z|X})) · √(df / (df - 1))
- robustness value RV_q (eq. 18) and RV_{q,α} (eq. 19, with the extreme case of §4.2)
- bounds for Z k_D, k_Y times as strong as a covariate X_j (Theorem 4, eqs. 28-29)

We write them ourselves (DoWhy has them inside a refuter that needs a DoWhy estimate and
prints plots; PySensemakr's analysis breaks under pandas 3); the tests check them against the
paper's published Darfur figures and DoWhy's ``linear-partial-R2`` refuter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def partial_r2(t_statistic: float, degrees_of_freedom: int) -> float:
    """Partial R² of a regressor with the response, from its t statistic.

    Example:
        >>> round(partial_r2(4.18445, 783), 5)
        0.02187
    """
    return t_statistic**2 / (t_statistic**2 + degrees_of_freedom)


def critical_t(alpha: float, degrees_of_freedom: int) -> float:
    """The two-sided critical value of Student's t: ``|t| > critical_t`` rejects at `alpha`."""
    from scipy.stats import t

    return float(t.ppf(1 - alpha / 2, degrees_of_freedom))


def robustness_value(
    t_statistic: float, degrees_of_freedom: int, q: float = 1.0, alpha: float | None = None
) -> float:
    """RV_q (``alpha=None``) or RV_{q,α}: the least strength, as partial R² of Z with both D
    and Y, of a confounder that would reduce the estimate by 100·q % (or make the reduced
    estimate's 1-α interval include that value).

    Example:
        >>> round(robustness_value(4.18445, 783), 4), round(robustness_value(4.18445, 783,
        ...     alpha=0.05), 4)
        (0.1388, 0.0763)
    """
    f_q = q * abs(t_statistic) / math.sqrt(degrees_of_freedom)
    f_critical = 0.0
    if alpha is not None:
        f_critical = critical_t(alpha, degrees_of_freedom - 1) / math.sqrt(degrees_of_freedom - 1)
    f_adjusted = f_q - f_critical
    if f_adjusted <= 0:
        return 0.0
    if f_critical > 0 and f_q > 1 / f_critical:
        # The constraint R²_{Y~Z|D,X} <= 1 binds: the extreme case of Cinelli & Hazlett §4.2.
        return (f_q**2 - f_critical**2) / (1 + f_q**2)
    return 0.5 * (math.sqrt(f_adjusted**4 + 4 * f_adjusted**2) - f_adjusted**2)


def bias(standard_error: Any, degrees_of_freedom: int, r2_treatment: Any, r2_outcome: Any) -> Any:
    """The largest absolute bias a confounder with these partial R² can cause (eq. 11).

    `r2_treatment` is R²_{D~Z|X}, `r2_outcome` is R²_{Y~Z|D,X}; numbers or numpy arrays.
    """
    import numpy as np

    factor = np.sqrt(r2_outcome * r2_treatment / (1 - r2_treatment))
    return factor * standard_error * math.sqrt(degrees_of_freedom)


def adjusted_estimate(
    estimate: float,
    standard_error: float,
    degrees_of_freedom: int,
    r2_treatment: Any,
    r2_outcome: Any,
) -> Any:
    """The estimate after removing that bias, moving it towards (and possibly past) zero."""
    size = bias(standard_error, degrees_of_freedom, r2_treatment, r2_outcome)
    return math.copysign(1.0, estimate) * (abs(estimate) - size)


def adjusted_standard_error(
    standard_error: float, degrees_of_freedom: int, r2_treatment: Any, r2_outcome: Any
) -> Any:
    """The standard error of the regression that would also include the confounder."""
    import numpy as np

    ratio = np.sqrt((1 - r2_outcome) / (1 - r2_treatment))
    return ratio * standard_error * math.sqrt(degrees_of_freedom / (degrees_of_freedom - 1))


class ImpossibleStrengthError(ValueError):
    """A confounder this strong would explain all of the treatment's residual variance."""


@dataclass(frozen=True)
class BenchmarkBound:
    """The partial R² of a confounder k_D, k_Y times as strong as a benchmark covariate.

    Attributes:
        r2_treatment: bound on R²_{D~Z|X}.
        r2_outcome: bound on R²_{Y~Z|D,X} (at most 1).
        capped: True when the formula gave more than 1 for the outcome and 1 was used.
    """

    r2_treatment: float
    r2_outcome: float
    capped: bool


def benchmark_bound(
    benchmark_r2_treatment: float,
    benchmark_r2_outcome: float,
    k_treatment: float,
    k_outcome: float,
) -> BenchmarkBound:
    """Bounds for Z k_D, k_Y times as strong as covariate X_j (Theorem 4, eqs. 28-29).

    Args:
        benchmark_r2_treatment: R²_{D~X_j|X_-j}, from the treatment regression D ~ X.
        benchmark_r2_outcome: R²_{Y~X_j|D,X_-j}, from the outcome regression Y ~ D + X.
        k_treatment, k_outcome: how many times as much residual variance of D and of Y the
            confounder explains (as partial f²) as the benchmark does.

    Raises:
        ImpossibleStrengthError: k_D is so large that Z would explain all of D.

    Example:
        >>> bound = benchmark_bound(0.009081, 0.109034, 1, 1)
        >>> round(bound.r2_treatment, 4), round(bound.r2_outcome, 4)
        (0.0092, 0.1246)
    """
    if k_treatment < 0 or k_outcome < 0:
        raise ValueError("k_treatment and k_outcome must be 0 or more")
    f2_treatment = benchmark_r2_treatment / (1 - benchmark_r2_treatment)
    r2_treatment = k_treatment * f2_treatment
    if r2_treatment >= 1:
        raise ImpossibleStrengthError(
            f"k_treatment {k_treatment:g} is impossible for this benchmark: a confounder that "
            "strong would explain all of the treatment's residual variance"
        )
    # R² of Z with X_j given X_-j and D, implied by the orthogonality Z ⟂ X_j | X_-j.
    r2_with_benchmark = (
        k_treatment
        * benchmark_r2_treatment**2
        / ((1 - k_treatment * benchmark_r2_treatment) * (1 - benchmark_r2_treatment))
    )
    if r2_with_benchmark >= 1:
        raise ImpossibleStrengthError(
            f"k_treatment {k_treatment:g} is impossible for this benchmark: it implies a "
            "confounder perfectly collinear with the benchmark"
        )
    f2_outcome = benchmark_r2_outcome / (1 - benchmark_r2_outcome)
    r2_outcome = (
        (math.sqrt(k_outcome) + math.sqrt(r2_with_benchmark)) / math.sqrt(1 - r2_with_benchmark)
    ) ** 2 * f2_outcome
    capped = r2_outcome > 1
    return BenchmarkBound(r2_treatment, min(r2_outcome, 1.0), capped)


def partial_f2(r2: float) -> float:
    """Cohen's partial f² = R² / (1 - R²)."""
    return r2 / (1 - r2)
