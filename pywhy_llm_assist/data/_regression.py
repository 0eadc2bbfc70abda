"""Ordinary least squares for sensitivity analysis: the design matrix and the fits it needs.

We fit with numpy's QR decomposition rather than statsmodels: the sensitivity formulas need
only coefficients, their covariance, residual degrees of freedom and (group) partial R²,
and a pivoted QR also tells *which* columns make a design singular, so the error can name
them. Categorical columns (strings, categories) become indicator columns with the first
level as reference, as R and statsmodels formulas do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core._errors import InputError
from ._types import as_frame

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    Matrix = npt.NDArray[np.float64]

MIN_DEGREES_OF_FREEDOM = 2
"""Residual degrees of freedom the analysis needs at least (critical values use df - 1)."""


@dataclass(frozen=True)
class Design:
    """The regression inputs as numbers.

    Attributes:
        outcome, treatment: the two columns as floats (a binary treatment coded 0/1).
        covariates: the adjustment columns, categorical ones as indicator columns.
        columns: the name of each covariate column (``village[Abu Sorog]`` for indicators).
        groups: adjustment variable -> the indices of its columns in `covariates`.
        rows: rows used (rows with a missing value are left out).
        notes: what was done to the data (rows left out, a treatment coded 0/1).
    """

    outcome: Matrix
    treatment: Matrix
    covariates: Matrix
    columns: tuple[str, ...]
    groups: Mapping[str, tuple[int, ...]]
    rows: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class LinearFit:
    """An OLS fit: coefficients, their covariance and the residual degrees of freedom."""

    coefficients: Matrix
    covariance: Matrix
    degrees_of_freedom: int

    def standard_error(self, position: int) -> float:
        """The standard error of one coefficient."""
        return float(self.covariance[position, position] ** 0.5)

    def t_statistic(self, position: int) -> float:
        """The t statistic of one coefficient."""
        return float(self.coefficients[position]) / self.standard_error(position)

    def partial_r2(self, positions: Sequence[int]) -> float:
        """Partial R² of a group of regressors with the response, given all the others.

        One regressor: t² / (t² + df). Several (the indicators of one categorical variable):
        from the Wald statistic W = b' V⁻¹ b, R² = W / (W + df), which equals
        (RSS_without - RSS_with) / RSS_without.
        """
        import numpy as np

        estimate = self.coefficients[list(positions)]
        block = self.covariance[np.ix_(positions, positions)]
        wald = float(estimate @ np.linalg.solve(block, estimate))
        return wald / (wald + self.degrees_of_freedom)


def _require_columns(frame: pd.DataFrame, names: Iterable[str], role: str) -> None:
    columns = [str(name) for name in frame.columns]
    for name in names:
        if name in frame.columns:
            continue
        close = difflib.get_close_matches(name, columns, n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        shown = ", ".join(repr(c) for c in columns[:12]) + (", ..." if len(columns) > 12 else "")
        raise InputError(
            f"{role} {name!r} is not a column of the data{hint} (columns: {shown}); "
            f"fix the name or add the column"
        )


def _is_numeric(column: pd.Series[Any]) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column))


def _levels(column: pd.Series[Any]) -> list[Any]:
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        present = set(column.dropna().unique())
        return [level for level in column.cat.categories if level in present]
    return sorted(column.dropna().unique(), key=str)


def _numeric(column: pd.Series[Any], name: str, role: str) -> Matrix:
    import numpy as np

    values = column.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise InputError(f"{role} {name!r} has infinite values; remove or recode those rows")
    return values


def _treatment(column: pd.Series[Any], name: str) -> tuple[Matrix, str | None]:
    import numpy as np

    if _is_numeric(column):
        values = _numeric(column, name, "treatment")
    else:
        levels = _levels(column)
        if len(levels) != 2:
            shown = ", ".join(repr(str(level)) for level in levels[:5])
            raise InputError(
                f"treatment {name!r} is neither numeric nor binary (it has {len(levels)} "
                f"distinct values: {shown}{', ...' if len(levels) > 5 else ''}); code it as "
                "numbers, or as two levels such as 0/1"
            )
        values = (column == levels[1]).to_numpy(dtype=float)
        note = f"treatment {name!r} coded 1 for {str(levels[1])!r} and 0 for {str(levels[0])!r}"
        return values, note
    if np.ptp(values) == 0:
        raise InputError(f"treatment {name!r} is constant: every row has the same value")
    return values, None


def build_design(data: Any, treatment: str, outcome: str, adjustment_set: Iterable[str]) -> Design:
    """Check the inputs and turn them into numbers; raise `InputError` saying what to change.

    Rows with a missing value in any column used are left out (and counted in the notes).
    """
    import numpy as np

    frame = as_frame(data)
    if isinstance(adjustment_set, str):
        raise InputError(
            f"adjustment_set must be a list of column names, not the string {adjustment_set!r}"
        )
    adjustment = list(dict.fromkeys(str(name) for name in adjustment_set))
    if treatment == outcome:
        raise InputError(f"treatment and outcome are the same column ({treatment!r})")
    _require_columns(frame, [treatment], "treatment")
    _require_columns(frame, [outcome], "outcome")
    _require_columns(frame, adjustment, "adjustment variable")
    for name, role in ((treatment, "treatment"), (outcome, "outcome")):
        if name in adjustment:
            raise InputError(f"the {role} {name!r} is in the adjustment set; remove it from there")
    used = frame[[treatment, outcome, *adjustment]]
    complete = used.dropna()
    notes = []
    if len(complete) < len(used):
        left_out = len(used) - len(complete)
        notes.append(f"{left_out} of {len(used)} rows have missing values and were left out")
    if not _is_numeric(complete[outcome]):
        raise InputError(
            f"outcome {outcome!r} is not numeric (dtype {complete[outcome].dtype}); the linear "
            "sensitivity analysis needs a numeric outcome: code it as numbers"
        )
    outcome_values = _numeric(complete[outcome], outcome, "outcome")
    if len(outcome_values) and np.ptp(outcome_values) == 0:
        raise InputError(f"outcome {outcome!r} is constant: every row has the same value")
    treatment_values, coding = _treatment(complete[treatment], treatment)
    if coding:
        notes.append(coding)
    blocks: list[Matrix] = []
    columns: list[str] = []
    groups: dict[str, tuple[int, ...]] = {}
    for name in adjustment:
        column = complete[name]
        if _is_numeric(column):
            block = _numeric(column, name, "adjustment variable")[:, None]
            labels = [name]
        else:
            levels = _levels(column)
            indicators = [(column == level).to_numpy(dtype=float) for level in levels[1:]]
            block = np.column_stack(indicators) if indicators else np.empty((len(column), 0))
            labels = [f"{name}[{level}]" for level in levels[1:]]
        if block.shape[1] == 0 or np.all(np.ptp(block, axis=0) == 0):
            raise InputError(
                f"adjustment variable {name!r} is constant in the rows used; drop it from the "
                "adjustment set"
            )
        groups[name] = tuple(range(len(columns), len(columns) + len(labels)))
        columns.extend(labels)
        blocks.append(block)
    covariates = np.column_stack(blocks) if blocks else np.empty((len(complete), 0))
    parameters = 2 + covariates.shape[1]
    if len(complete) - parameters < MIN_DEGREES_OF_FREEDOM:
        raise InputError(
            f"too few rows: {len(complete)} complete rows for {parameters} regression "
            f"coefficients; give at least {parameters + MIN_DEGREES_OF_FREEDOM} rows, or "
            "adjust for fewer variables (a categorical variable costs one column per level)"
        )
    return Design(
        outcome=outcome_values,
        treatment=treatment_values,
        covariates=covariates,
        columns=tuple(columns),
        groups=groups,
        rows=len(complete),
        notes=tuple(notes),
    )


COLLINEARITY_TOLERANCE = 1e-9
"""A column whose distance from the span of the columns before it is below this share of
its own length counts as a linear combination of them."""


def fit_ols(
    response: Matrix,
    regressors: Matrix,
    names: Sequence[str],
    *,
    describe: Mapping[str, str] | None = None,
) -> LinearFit:
    """Fit ``response ~ regressors`` (no intercept added) by Householder QR.

    Column j of R's diagonal is the distance of regressor j from the span of the regressors
    before it, so a tiny |R_jj| (relative to the column's length) names a column that is a
    linear combination of earlier ones. (A pivoted QR would do too, but is many times slower
    for designs with hundreds of indicator columns.)

    Raises:
        InputError: the design is singular; the message names the columns that are linear
            combinations of the others (`describe` maps a column to the variable to name).
    """
    import numpy as np
    from scipy.linalg import solve_triangular

    rows, count = regressors.shape
    q, r = np.linalg.qr(regressors)
    lengths = np.linalg.norm(regressors, axis=0)
    distances = np.abs(np.diag(r))
    dependent = [
        names[position]
        for position in range(count)
        if distances[position] <= COLLINEARITY_TOLERANCE * max(lengths[position], 1e-300)
    ]
    if dependent:
        named = list(dict.fromkeys((describe or {}).get(column, column) for column in dependent))
        raise InputError(
            "the regression design is singular: "
            f"{', '.join(repr(name) for name in named)} "
            f"{'is' if len(named) == 1 else 'are'} a linear combination of the other columns "
            "(a duplicate, a sum or a recoding of others); drop it from the adjustment set"
        )
    coefficients = solve_triangular(r, q.T @ response)
    residuals = response - regressors @ coefficients
    degrees_of_freedom = rows - count
    variance = float(residuals @ residuals) / degrees_of_freedom
    inverse_r = solve_triangular(r, np.eye(count))
    covariance = variance * (inverse_r @ inverse_r.T)
    return LinearFit(coefficients, covariance, degrees_of_freedom)


@dataclass(frozen=True)
class SensitivityFits:
    """The two regressions of a sensitivity analysis: outcome ~ D + X and D ~ X."""

    outcome: LinearFit
    treatment: LinearFit


INTERCEPT = "(intercept)"
TREATMENT_POSITION = 1
"""The treatment's coefficient in the outcome regression (after the intercept)."""
OUTCOME_OFFSET = 2
TREATMENT_OFFSET = 1
"""Where the covariates' coefficients start in the outcome and the treatment regressions."""


def fit_both(design: Design, treatment: str) -> SensitivityFits:
    """Fit the outcome regression Y ~ 1 + D + X and the treatment regression D ~ 1 + X."""
    import numpy as np

    ones = np.ones((design.rows, 1))
    describe = {
        design.columns[position]: name
        for name, positions in design.groups.items()
        for position in positions
    }
    describe[treatment] = f"the treatment {treatment}"
    covariate_names = list(design.columns)
    outcome_fit = fit_ols(
        design.outcome,
        np.hstack([ones, design.treatment[:, None], design.covariates]),
        [INTERCEPT, treatment, *covariate_names],
        describe=describe,
    )
    treatment_fit = fit_ols(
        design.treatment,
        np.hstack([ones, design.covariates]),
        [INTERCEPT, *covariate_names],
        describe=describe,
    )
    return SensitivityFits(outcome_fit, treatment_fit)
