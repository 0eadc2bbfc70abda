"""The truth behind "hide a covariate": how strong a measured covariate really is.

To validate elicited confounder strengths, one measured covariate Z is presented as if it
were unmeasured. Its true strength relative to each remaining covariate X_j follows the
definitions of Cinelli & Hazlett (2020, §4.4):

    k_D = f²(D ~ Z | X_-j) / f²(D ~ X_j | X_-j)
    k_Y = f²(Y ~ Z | X_-j, D) / f²(Y ~ X_j | X_-j, D)

where X is the adjustment set without Z and X_-j is X without X_j. The true bias is the
change of the estimate when Z is added to the adjustment set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..core._errors import InputError
from ._bias_formulas import partial_f2
from ._sensitivity import SensitivityReport, sensitivity_analysis


@dataclass(frozen=True)
class RelativeStrength:
    """The true strength of the hidden covariate relative to one benchmark."""

    benchmark: str
    k_treatment: float
    k_outcome: float


@dataclass(frozen=True)
class HiddenCovariate:
    """What the data say about a covariate presented as unmeasured.

    Attributes:
        name: the hidden covariate.
        observed: the analysis without it (what the analyst would have).
        estimate_with: the estimate when it is adjusted for.
        strengths: its true strength relative to each remaining covariate.
    """

    name: str
    observed: SensitivityReport
    estimate_with: float
    strengths: tuple[RelativeStrength, ...]

    @property
    def true_bias(self) -> float:
        """How much leaving the covariate out moved the estimate (observed - with it)."""
        return self.observed.estimate - self.estimate_with

    def strength(self, benchmark: str) -> RelativeStrength:
        """The true strength relative to `benchmark`."""
        for item in self.strengths:
            if item.benchmark == benchmark:
                return item
        raise InputError(f"{benchmark!r} is not one of the remaining covariates")


def hide_covariate(
    data: Any, treatment: str, outcome: str, adjustment_set: Iterable[str], hidden: str
) -> HiddenCovariate:
    """Treat `hidden` as unmeasured: the observed analysis, the true bias and true strengths.

    Example:
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> x, z = rng.normal(size=(2, 400))
        >>> d = x + z + rng.normal(size=400)
        >>> frame = pd.DataFrame({"x": x, "z": z, "d": d, "y": d + x + z + rng.normal(size=400)})
        >>> truth = hide_covariate(frame, "d", "y", ["x", "z"], "z")
        >>> round(truth.strength("x").k_treatment, 1), round(truth.true_bias, 1)
        (0.9, 0.6)
    """
    names = list(dict.fromkeys(adjustment_set))
    if hidden not in names:
        raise InputError(f"the hidden covariate {hidden!r} must be in the adjustment set")
    remaining = [name for name in names if name != hidden]
    if not remaining:
        raise InputError("hiding a covariate needs at least one other covariate as benchmark")
    observed = sensitivity_analysis(data, treatment, outcome, remaining, benchmarks=())
    full = sensitivity_analysis(data, treatment, outcome, names, benchmarks=())
    strengths = []
    for benchmark in remaining:
        without_benchmark = [name for name in names if name != benchmark]
        hidden_given_others = sensitivity_analysis(
            data, treatment, outcome, without_benchmark, benchmarks=()
        ).strength(hidden)
        reference = observed.strength(benchmark)
        strengths.append(
            RelativeStrength(
                benchmark=benchmark,
                k_treatment=partial_f2(hidden_given_others.r2_treatment)
                / partial_f2(reference.r2_treatment),
                k_outcome=partial_f2(hidden_given_others.r2_outcome)
                / partial_f2(reference.r2_outcome),
            )
        )
    return HiddenCovariate(hidden, observed, full.estimate, tuple(strengths))
