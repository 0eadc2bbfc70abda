"""The regression behind sensitivity_analysis: statsmodels agrees, bad input is an InputError."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from pywhy_llm_assist import InputError, sensitivity_analysis


def frame(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, rows)
    region = rng.choice(["north", "south", "east", "west"], size=rows)
    smoker = rng.random(rows) < 0.3 + 0.005 * (age - 40)
    income = 0.5 * age + rng.normal(size=rows)
    return pd.DataFrame(
        {
            "age": age,
            "region": region,
            "smoker": smoker,
            "treated": np.where(smoker, "yes", "no"),
            "income": income,
            "outcome": 2.0 * smoker + 0.1 * age + income + rng.normal(size=rows),
        }
    )


def test_ols_with_indicators_agrees_with_statsmodels() -> None:
    smf = pytest.importorskip("statsmodels.formula.api")
    data = frame()
    report = sensitivity_analysis(data, "smoker", "outcome", ["age", "region", "income"], k=[1])
    fit = smf.ols("outcome ~ smoker + age + C(region) + income", data=data).fit()
    name = "smoker[T.True]"
    assert report.estimate == pytest.approx(fit.params[name], rel=1e-10)
    assert report.standard_error == pytest.approx(fit.bse[name], rel=1e-10)
    assert report.t_statistic == pytest.approx(fit.tvalues[name], rel=1e-10)
    assert report.degrees_of_freedom == int(fit.df_resid)
    lower, upper = fit.conf_int(alpha=0.05).loc[name]
    assert (report.lower, report.upper) == (pytest.approx(lower), pytest.approx(upper))
    assert report.strength("region").columns == 3


def test_a_binary_text_treatment_is_coded_and_said_so() -> None:
    data = frame()
    coded = sensitivity_analysis(data, "treated", "outcome", ["age"], benchmarks=())
    boolean = sensitivity_analysis(data, "smoker", "outcome", ["age"], benchmarks=())
    assert coded.estimate == pytest.approx(boolean.estimate)
    assert any("coded 1 for 'yes' and 0 for 'no'" in note for note in coded.notes)


def test_rows_with_missing_values_are_left_out_and_counted() -> None:
    data = frame()
    data.loc[[3, 7, 11], "age"] = np.nan
    report = sensitivity_analysis(data, "smoker", "outcome", ["age"], benchmarks=())
    assert report.rows == 197
    assert "3 of 200 rows have missing values and were left out" in report.notes


@pytest.mark.parametrize(
    ("change", "arguments", "message"),
    [
        (None, ("region", "outcome", ["age"]), "treatment 'region' is neither numeric nor binary"),
        (None, ("smoker", "region", ["age"]), "outcome 'region' is not numeric"),
        (
            None,
            ("smoker", "outcome", ["agee"]),
            "adjustment variable 'agee' is not a column.*did you mean 'age'",
        ),
        (None, ("smokr", "outcome", ["age"]), "treatment 'smokr' is not a column"),
        (
            None,
            ("smoker", "outcome", ["smoker"]),
            "the treatment 'smoker' is in the adjustment set",
        ),
        (None, ("smoker", "smoker", ["age"]), "the same column"),
        (None, ("smoker", "outcome", "age"), "must be a list of column names"),
        (
            lambda d: d.assign(twice=2 * d["age"]),
            ("smoker", "outcome", ["age", "twice"]),
            "singular: 'twice' is a linear combination",
        ),
        (
            lambda d: d.assign(constant=1.0),
            ("smoker", "outcome", ["constant"]),
            "'constant' is constant",
        ),
        (
            lambda d: d.assign(smoker=True),
            ("smoker", "outcome", ["age"]),
            "treatment 'smoker' is constant",
        ),
        (
            lambda d: d.sort_values("smoker").iloc[[0, 1, -2, -1]],
            ("smoker", "outcome", ["age", "income"]),
            "too few rows: 4 complete rows for 4 regression coefficients; give at least 6",
        ),
        (lambda d: d.head(30), ("smoker", "outcome", ["age", "region", "income"]), None),
        (lambda d: d.assign(age=np.inf), ("smoker", "outcome", ["age"]), "infinite values"),
    ],
)
def test_bad_input_is_an_input_error_that_says_what_to_change(
    change: Any, arguments: tuple[Any, ...], message: str | None
) -> None:
    data = frame() if change is None else change(frame())
    if message is None:  # a control: a small but sufficient data set works
        assert sensitivity_analysis(data, *arguments, benchmarks=()).rows == 30
        return
    with pytest.raises(InputError, match=message):
        sensitivity_analysis(data, *arguments)


def test_treatment_determined_by_the_covariates_is_named() -> None:
    data = frame()
    data["copy"] = data["smoker"].astype(float)
    with pytest.raises(InputError, match=r"singular: 'copy' is a linear combination"):
        sensitivity_analysis(data, "smoker", "outcome", ["age", "copy"])


def test_data_must_be_a_table() -> None:
    with pytest.raises(InputError, match="pandas DataFrame"):
        sensitivity_analysis([1, 2, 3], "a", "b", [])
    columns = frame().to_dict(orient="list")
    assert sensitivity_analysis(columns, "smoker", "outcome", ["age"], benchmarks=()).rows == 200
    duplicated = pd.concat([frame()[["age"]], frame()[["age", "smoker", "outcome"]]], axis=1)
    with pytest.raises(InputError, match="two columns named"):
        sensitivity_analysis(duplicated, "smoker", "outcome", ["age"])
