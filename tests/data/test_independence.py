"""The conditional-independence tests, cross-checked against causal-learn and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pywhy_llm_assist.data._independence import (
    MIN_RESIDUAL_DEGREES,
    MIN_ROWS_PER_DEGREE,
    Triple,
    choose_test,
    g_statistic,
    run_test,
)
from pywhy_llm_assist.data._types import EncodedColumn, encode_column

pytest.importorskip("statsmodels")


def encoded(frame: pd.DataFrame, kinds: dict[str, str]) -> dict[str, EncodedColumn]:
    return {name: encode_column(frame[name], kind) for name, kind in kinds.items()}  # type: ignore[arg-type]


def continuous_frame(rows: int, seed: int, missing: float = 0.0) -> pd.DataFrame:
    """x and y share a cause z1 and depend weakly on each other; z2 is noise."""
    generator = np.random.default_rng(seed)
    z1, z2 = generator.normal(size=rows), generator.normal(size=rows)
    x = z1 + generator.normal(size=rows)
    y = z1 + 0.08 * x + generator.normal(size=rows)
    frame = pd.DataFrame({"x": x, "y": y, "z1": z1, "z2": z2})
    if missing:
        for name in frame:
            frame.loc[generator.random(rows) < missing, name] = np.nan
    return frame


def discrete_frame(rows: int, seed: int) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    z1 = generator.integers(0, 3, rows)
    z2 = generator.integers(0, 2, rows)
    x = (generator.random(rows) < 0.3 + 0.2 * (z1 == 1)).astype(int) + (
        z2 * (generator.random(rows) < 0.4)
    )
    y = (generator.random(rows) < 0.2 + 0.15 * z1 + 0.05 * x).astype(int)
    return pd.DataFrame({"x": x, "y": y, "z1": z1, "z2": z2})


# --------------------------------------------------------------------------- Fisher z
@pytest.mark.parametrize(
    ("x", "y", "given"),
    [("x", "y", ()), ("x", "z2", ()), ("x", "y", ("z1",)), ("x", "y", ("z1", "z2"))],
)
def test_fisher_z_matches_causal_learn(x: str, y: str, given: tuple[str, ...]) -> None:
    cit = pytest.importorskip("causallearn.utils.cit")
    frame = continuous_frame(800, seed=3)
    columns = encoded(frame, dict.fromkeys(frame, "continuous"))
    ours = run_test("fisher_z", (x, y, given), columns)
    index = frame.columns.get_loc
    theirs = cit.CIT(frame.to_numpy(), "fisherz")(index(x), index(y), [index(g) for g in given])
    assert ours.p_value == pytest.approx(theirs, rel=1e-9, abs=1e-15)
    assert ours.rows_used == 800


def test_fisher_z_uses_the_complete_rows_of_its_own_variables() -> None:
    cit = pytest.importorskip("causallearn.utils.cit")
    frame = continuous_frame(1500, seed=4, missing=0.1)
    columns = encoded(frame, dict.fromkeys(frame, "continuous"))
    ours = run_test("fisher_z", ("x", "y", ("z1",)), columns)
    complete = frame[["x", "y", "z1"]].dropna()
    theirs = cit.CIT(complete.to_numpy(), "fisherz")(0, 1, [2])
    assert ours.rows_used == len(complete) < 1500
    assert ours.p_value == pytest.approx(theirs, rel=1e-9)


def test_the_partial_correlation_is_the_effect_size() -> None:
    frame = continuous_frame(5000, seed=5)
    columns = encoded(frame, dict.fromkeys(frame, "continuous"))
    outcome = run_test("fisher_z", ("x", "y", ("z1",)), columns)
    residual_x = frame.x - np.polyval(np.polyfit(frame.z1, frame.x, 1), frame.z1)
    residual_y = frame.y - np.polyval(np.polyfit(frame.z1, frame.y, 1), frame.z1)
    assert outcome.effect_size == pytest.approx(np.corrcoef(residual_x, residual_y)[0, 1])
    assert outcome.effect_measure == "partial correlation"


# --------------------------------------------------------------------------- G-test
def triple(frame: pd.DataFrame, kind: str, x: str, y: str, given: tuple[str, ...]) -> Triple:
    columns = encoded(frame, dict.fromkeys(frame, kind))
    return Triple(x, y, given, columns[x], columns[y], tuple(columns[g] for g in given), len(frame))


@pytest.mark.parametrize("given", [(), ("z1",), ("z1", "z2")])
def test_g_statistic_matches_causal_learn(given: tuple[str, ...]) -> None:
    from scipy.stats import chi2

    cit = pytest.importorskip("causallearn.utils.cit")
    frame = discrete_frame(3000, seed=6)
    found = g_statistic(triple(frame, "discrete", "x", "y", given))
    theirs = cit.CIT(frame.to_numpy(), "gsq")(0, 1, [frame.columns.get_loc(g) for g in given])
    # causal-learn applies no small-sample correction: compare the raw G² and its df.
    assert chi2.sf(found.raw, found.degrees_of_freedom) == pytest.approx(theirs, rel=1e-9)
    assert found.corrected < found.raw  # Williams' factor is above 1


def test_g_test_is_scipys_log_likelihood_statistic_with_williams_correction() -> None:
    from scipy.stats import chi2, chi2_contingency

    frame = discrete_frame(2000, seed=7)
    columns = encoded(frame, dict.fromkeys(frame, "discrete"))
    ours = run_test("g_test", ("x", "z1", ()), columns)
    counts = pd.crosstab(frame.x, frame.z1).to_numpy()
    statistic, _, degrees, _ = chi2_contingency(counts, lambda_="log-likelihood", correction=False)
    rows, cols = counts.sum(axis=1), counts.sum(axis=0)
    total = counts.sum()
    # Williams (1976), as in Sokal & Rohlf's Biometry: q for an r x c table.
    q = 1 + (total * np.sum(1 / rows) - 1) * (total * np.sum(1 / cols) - 1) / (
        6 * total * (len(rows) - 1) * (len(cols) - 1)
    )
    assert ours.statistic == pytest.approx(statistic / q)
    assert ours.degrees_of_freedom == degrees
    assert ours.p_value == pytest.approx(chi2.sf(statistic / q, degrees))
    assert 0 < ours.effect_size < 1 and ours.effect_measure == "Cramér's V"


def test_a_sparse_table_is_untestable_not_a_false_rejection() -> None:
    generator = np.random.default_rng(8)
    frame = pd.DataFrame({name: generator.integers(0, 6, 60) for name in ("x", "y", "z1", "z2")})
    columns = encoded(frame, dict.fromkeys(frame, "discrete"))
    outcome = run_test("g_test", ("x", "y", ("z1", "z2")), columns)
    assert outcome.p_value is None
    assert f"at least {MIN_ROWS_PER_DEGREE} per degree" in outcome.reason


# --------------------------------------------------------------------------- residual test
def mixed_frame(rows: int, seed: int) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    z = generator.normal(size=rows)
    g = generator.integers(0, 3, rows)
    x = generator.integers(0, 3, rows) + (z > 0.5)
    y = 0.5 * z + 0.1 * (x == 2) + 0.2 * g + generator.normal(size=rows)
    w = ((y + generator.normal(size=rows)) > 0).astype(int) + (generator.random(rows) < 0.3)
    return pd.DataFrame({"x": x, "y": y, "z": z, "g": g, "w": w})


MIXED_KINDS = {"x": "discrete", "y": "continuous", "z": "continuous", "g": "discrete"}


def test_residual_test_with_one_column_each_is_the_ols_t_test() -> None:
    import statsmodels.api as sm

    frame = mixed_frame(600, seed=9)
    columns = encoded(frame, {**MIXED_KINDS, "x": "continuous"})
    ours = run_test("residual", ("x", "y", ("z", "g")), columns)
    design = pd.get_dummies(frame[["z", "x"]].assign(g=frame.g.astype(str)), drop_first=True)
    fit = sm.OLS(frame.y, sm.add_constant(design.astype(float))).fit()
    assert ours.p_value == pytest.approx(fit.pvalues["x"], rel=1e-8)
    assert ours.statistic == pytest.approx(fit.tvalues["x"] ** 2, rel=1e-8)


def test_residual_test_of_a_discrete_side_is_the_ols_f_test() -> None:
    import statsmodels.formula.api as smf

    frame = mixed_frame(600, seed=10)
    columns = encoded(frame, MIXED_KINDS)
    ours = run_test("residual", ("x", "y", ("z", "g")), columns)
    full = smf.ols("y ~ C(x) + z + C(g)", data=frame).fit()
    reduced = smf.ols("y ~ z + C(g)", data=frame).fit()
    statistic, p_value, _ = full.compare_f_test(reduced)
    assert ours.statistic == pytest.approx(statistic, rel=1e-8)
    assert ours.p_value == pytest.approx(p_value, rel=1e-8)


def test_residual_test_of_two_discrete_sides_is_manova_pillai() -> None:
    from statsmodels.multivariate.manova import MANOVA

    frame = mixed_frame(700, seed=11)
    columns = encoded(frame, {**MIXED_KINDS, "w": "discrete"})
    ours = run_test("residual", ("w", "x", ("z",)), columns)
    responses = pd.get_dummies(frame.w, prefix="w", drop_first=True).astype(float)
    data = pd.concat([responses, frame[["x", "z"]]], axis=1)
    formula = " + ".join(responses.columns) + " ~ C(x) + z"
    pillai = MANOVA.from_formula(formula, data=data).mv_test().results["C(x)"]["stat"]
    row = pillai.loc["Pillai's trace"]
    assert ours.statistic == pytest.approx(float(row["F Value"]), rel=1e-8)
    assert ours.p_value == pytest.approx(float(row["Pr > F"]), rel=1e-8)
    assert ours.effect_measure == "canonical correlation"


# --------------------------------------------------------------------------- kernel tests
def test_kci_runs_causal_learns_kernel_test_and_sees_non_linear_dependence() -> None:
    cit = pytest.importorskip("causallearn.utils.cit")
    generator = np.random.default_rng(12)
    x = generator.normal(size=200)
    frame = pd.DataFrame({"x": x, "y": x**2 + 0.3 * generator.normal(size=200)})
    columns = encoded(frame, dict.fromkeys(frame, "continuous"))
    kernel = run_test("kci", ("x", "y", ()), columns)
    assert kernel.p_value == pytest.approx(cit.CIT(frame.to_numpy(), "kci")(0, 1, []))
    assert kernel.p_value < 0.01
    assert run_test("fisher_z", ("x", "y", ()), columns).p_value > 0.01  # linear test misses it


# --------------------------------------------------------------------------- untestable
@pytest.mark.parametrize("test", ["fisher_z", "residual", "g_test"])
def test_a_constant_side_is_untestable(test: str) -> None:
    frame = pd.DataFrame({"x": [1.0] * 50, "y": np.arange(50) % 2, "z": np.arange(50) % 3})
    kind = "discrete" if test == "g_test" else "continuous"
    columns = encoded(frame, {"x": kind, "y": kind, "z": kind})
    outcome = run_test(test, ("x", "y", ("z",)), columns)  # type: ignore[arg-type]
    assert outcome.p_value is None
    assert "'x'" in outcome.reason and ("constant" in outcome.reason or "single" in outcome.reason)


def test_too_few_rows_is_untestable() -> None:
    frame = continuous_frame(MIN_RESIDUAL_DEGREES + 3, seed=13)
    columns = encoded(frame, dict.fromkeys(frame, "continuous"))
    outcome = run_test("fisher_z", ("x", "y", ("z1", "z2")), columns)
    assert outcome.p_value is None and "too few complete rows" in outcome.reason


def test_a_side_the_conditioning_set_determines_is_untestable() -> None:
    frame = continuous_frame(200, seed=14)
    frame["x"] = 2 * frame.z1 + 1
    columns = encoded(frame, dict.fromkeys(frame, "continuous"))
    for test in ("fisher_z", "residual"):
        outcome = run_test(test, ("x", "y", ("z1",)), columns)  # type: ignore[arg-type]
        assert outcome.p_value is None
        assert "'x' is a function of the conditioning set" in outcome.reason


def test_no_complete_row_is_untestable() -> None:
    frame = pd.DataFrame({"x": [1.0, np.nan] * 10, "y": [np.nan, 1.0] * 10})
    columns = encoded(frame, dict.fromkeys(frame, "continuous"))
    outcome = run_test("fisher_z", ("x", "y", ()), columns)
    assert outcome.rows_used == 0 and outcome.p_value is None


@pytest.mark.parametrize(
    ("kinds", "test"),
    [
        (["continuous", "continuous", "continuous"], "fisher_z"),
        (["discrete", "discrete"], "g_test"),
        (["discrete", "continuous"], "residual"),
        (["continuous", "continuous", "discrete"], "residual"),
    ],
)
def test_auto_picks_the_test_from_the_types(kinds: list[str], test: str) -> None:
    assert choose_test(kinds) == test
