"""sensitivity_analysis: the paper's Darfur figures, DoWhy's refuter, the exact OVB identity,
and calibration on simulated data."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _darfur import ADJUSTMENT, OUTCOME, TREATMENT, load_darfur

from pywhy_llm_assist import InputError, SensitivityReport, sensitivity_analysis
from pywhy_llm_assist.data import _bias_formulas as formulas
from pywhy_llm_assist.data._hidden_covariate import hide_covariate


@pytest.fixture(scope="module")
def darfur() -> SensitivityReport:
    return sensitivity_analysis(
        load_darfur(), TREATMENT, OUTCOME, ADJUSTMENT, benchmarks=["female"], k=(1, 2, 3)
    )


# ---------------------------------------------------------------- the paper's published figures
def test_darfur_estimate_matches_the_paper(darfur: SensitivityReport) -> None:
    # The figures Cinelli & Hazlett (2020) publish for this regression.
    assert darfur.rows == 1276
    assert darfur.degrees_of_freedom == 783
    assert round(darfur.estimate, 4) == 0.0973
    assert round(darfur.standard_error, 4) == 0.0233
    assert round(darfur.t_statistic, 2) == 4.18
    assert round(100 * darfur.partial_r2, 2) == 2.19
    assert round(100 * darfur.robustness_value, 1) == 13.9
    assert round(100 * darfur.robustness_value_alpha, 1) == 7.6


def test_darfur_female_bounds_match_the_paper(darfur: SensitivityReport) -> None:
    published = {  # k: (adjusted estimate, lower limit, R²(Y~Z|D,X) in %)
        1: (0.0752, 0.0323, 12.5),
        2: (0.0529, 0.0130, 24.9),
        3: (0.0304, -0.0063, 37.4),
    }
    assert [bound.label for bound in darfur.bounds] == ["1x female", "2x female", "3x female"]
    for bound in darfur.bounds:
        estimate, lower, r2_outcome = published[int(bound.k_treatment)]
        assert round(bound.adjusted_estimate, 4) == estimate
        assert round(bound.adjusted_lower, 4) == lower
        assert round(100 * bound.r2_outcome, 1) == r2_outcome
        assert bound.source == "formal" and bound.benchmark == "female"


def test_darfur_verdicts_say_where_significance_is_lost(darfur: SensitivityReport) -> None:
    verdicts = [darfur.verdict(bound) for bound in darfur.bounds]
    assert verdicts[:2] == ["sign and significance survive"] * 2
    assert verdicts[2].startswith("sign survives, significance does not")
    assert "13.88%" in str(darfur) and "3x female" in str(darfur)


# ---------------------------------------------------------------- DoWhy's linear-partial-R2 refuter
@pytest.mark.integration
def test_darfur_agrees_with_dowhys_linear_partial_r2_refuter(darfur: SensitivityReport) -> None:
    dowhy = pytest.importorskip("dowhy")
    data = load_darfur()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = dowhy.CausalModel(
            data=data, treatment=TREATMENT, outcome=OUTCOME, common_causes=list(ADJUSTMENT)
        )
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
        estimate = model.estimate_effect(estimand, method_name="backdoor.linear_regression")
        refuter = model.refute_estimate(
            estimand,
            estimate,
            method_name="add_unobserved_common_cause",
            simulation_method="linear-partial-R2",
            benchmark_common_causes=["female"],
            effect_fraction_on_treatment=[1, 2, 3],
            effect_fraction_on_outcome=[1, 2, 3],
            plotmethod=None,
        )
    stats = refuter.stats
    assert darfur.estimate == pytest.approx(stats["estimate"], rel=1e-9)
    assert darfur.standard_error == pytest.approx(stats["standard_error"], rel=1e-9)
    assert darfur.degrees_of_freedom == stats["degree of freedom"]
    assert darfur.partial_r2 == pytest.approx(stats["r2yt_w"], rel=1e-9)
    assert darfur.robustness_value == pytest.approx(stats["robustness_value"], rel=1e-9)
    assert darfur.robustness_value_alpha == pytest.approx(stats["robustness_value_alpha"], rel=1e-9)
    table = refuter.benchmarking_results
    for row, bound in zip(table.itertuples(index=False), darfur.bounds, strict=True):
        assert bound.r2_treatment == pytest.approx(row.r2tu_w, rel=1e-9)
        assert bound.r2_outcome == pytest.approx(row.r2yu_tw, rel=1e-9)
        assert bound.adjusted_estimate == pytest.approx(row.bias_adjusted_estimate, rel=1e-9)
        assert bound.adjusted_standard_error == pytest.approx(row.bias_adjusted_se, rel=1e-9)
        # DoWhy takes the interval's critical value at df, the paper (and we) at df - 1 (the
        # regression with the confounder has one more coefficient): equal to 4 decimals here.
        assert bound.adjusted_lower == pytest.approx(row.bias_adjusted_lower_CI, abs=1e-4)


# ---------------------------------------------------------------- the formulas on simulated data
def confounded(seed: int, rows: int = 2000, strength: float = 0.6) -> pd.DataFrame:
    """x1, x2 measured; z an extra column that confounds D and Y (hidden in some tests)."""
    rng = np.random.default_rng(seed)
    x1, x2, z = rng.normal(size=(3, rows))
    d = 0.5 * x1 + 0.3 * x2 + strength * z + rng.normal(size=rows)
    y = 1.0 * d + 0.4 * x1 - 0.2 * x2 + strength * z + rng.normal(size=rows)
    return pd.DataFrame({"x1": x1, "x2": x2, "z": z, "d": d, "y": y})


@pytest.mark.parametrize("seed", range(3))
def test_bias_with_the_confounders_true_partial_r2_is_the_coefficient_change(seed: int) -> None:
    # The OVB formula in partial-R² form is an identity in the sample: with Z's actual
    # partial R² it gives exactly the difference between the short and the long regression.
    data = confounded(seed)
    short = sensitivity_analysis(data, "d", "y", ["x1", "x2"], benchmarks=())
    long = sensitivity_analysis(data, "d", "y", ["x1", "x2", "z"], benchmarks=())
    z = long.strength("z")
    # R²_{D~Z|X} is Z's partial R² in D ~ X + Z; R²_{Y~Z|D,X} is its partial R² in Y ~ D + X + Z.
    size = formulas.bias(
        short.standard_error, short.degrees_of_freedom, z.r2_treatment, z.r2_outcome
    )
    assert abs(short.estimate - long.estimate) == pytest.approx(size, rel=1e-9)
    adjusted = formulas.adjusted_standard_error(
        short.standard_error, short.degrees_of_freedom, z.r2_treatment, z.r2_outcome
    )
    assert adjusted == pytest.approx(long.standard_error, rel=1e-9)


def test_formal_bound_with_the_true_k_covers_the_true_bias_across_seeds() -> None:
    # Z is independent of x1 by construction, the orthogonality the bounds assume: the bound
    # for Z's true relative strength should cover the actual bias in (almost) every sample.
    covered = 0
    for seed in range(40):
        truth = hide_covariate(confounded(seed, rows=1000), "d", "y", ["x1", "x2", "z"], "z")
        strength = truth.strength("x1")
        bound = truth.observed.bound("x1", strength.k_treatment, strength.k_outcome)
        bias_bound = truth.observed.estimate - bound.adjusted_estimate
        covered += bias_bound >= abs(truth.true_bias) * 0.98
    assert covered >= 36, f"covered the true bias in {covered} of 40 samples"


def test_interval_false_alarm_rate_is_alpha_under_no_effect() -> None:
    rejections = 0
    runs = 400
    for seed in range(runs):
        rng = np.random.default_rng(10_000 + seed)
        x = rng.normal(size=60)
        d = x + rng.normal(size=60)
        y = x + rng.normal(size=60)  # no effect of d
        report = sensitivity_analysis(
            pd.DataFrame({"x": x, "d": d, "y": y}), "d", "y", ["x"], benchmarks=()
        )
        rejections += report.significant
    # 5% nominal; 400 runs: a binomial 99.9% band is about 1.6% to 9.2%.
    assert 0.016 <= rejections / runs <= 0.092, rejections / runs


def test_robustness_value_is_where_the_adjusted_estimate_reaches_zero() -> None:
    report = sensitivity_analysis(confounded(0), "d", "y", ["x1", "x2"], benchmarks=())
    rv = report.robustness_value
    at_rv = formulas.adjusted_estimate(
        report.estimate, report.standard_error, report.degrees_of_freedom, rv, rv
    )
    assert at_rv == pytest.approx(0, abs=1e-9)
    rv_alpha = report.robustness_value_alpha
    se = formulas.adjusted_standard_error(
        report.standard_error, report.degrees_of_freedom, rv_alpha, rv_alpha
    )
    lower = (
        formulas.adjusted_estimate(
            report.estimate, report.standard_error, report.degrees_of_freedom, rv_alpha, rv_alpha
        )
        - formulas.critical_t(0.05, report.degrees_of_freedom - 1) * se
    )
    assert lower == pytest.approx(0, abs=1e-9)


def test_half_the_estimate_needs_a_weaker_confounder() -> None:
    data = confounded(1)
    whole = sensitivity_analysis(data, "d", "y", ["x1"], benchmarks=())
    half = sensitivity_analysis(data, "d", "y", ["x1"], benchmarks=(), q=0.5)
    assert half.robustness_value < whole.robustness_value
    assert "reduce the estimate by 50%" in str(half)


def test_robustness_value_extreme_case_is_used_when_the_constraint_binds() -> None:
    # f_q > 1 / f_critical: the closed form of eq. 19 would exceed the feasible region.
    t_statistic, dof = 60.0, 50
    f_q = t_statistic / math.sqrt(dof)
    f_critical = formulas.critical_t(0.05, dof - 1) / math.sqrt(dof - 1)
    assert f_q > 1 / f_critical
    expected = (f_q**2 - f_critical**2) / (1 + f_q**2)
    assert formulas.robustness_value(t_statistic, dof, alpha=0.05) == pytest.approx(expected)
    assert formulas.robustness_value(0.5, dof, alpha=0.05) == 0.0


# ---------------------------------------------------------------- bounds and the report
def test_categorical_benchmark_uses_the_group_partial_r2() -> None:
    rng = np.random.default_rng(3)
    region = rng.choice(["north", "south", "east"], size=600)
    shift = pd.Series(region).map({"north": 0.0, "south": 1.0, "east": -1.0}).to_numpy()
    d = shift + rng.normal(size=600)
    y = d + 2 * shift + rng.normal(size=600)
    data = pd.DataFrame({"region": region, "d": d, "y": y})
    report = sensitivity_analysis(data, "d", "y", ["region"], k=[1])
    (region_strength,) = report.covariates
    assert region_strength.columns == 2
    # The group partial R² equals (RSS without - RSS with) / RSS without.
    ones = np.ones((600, 1))
    indicators = pd.get_dummies(data["region"], drop_first=True, dtype=float).to_numpy()

    def rss(response: Any, design: Any) -> float:
        residual = response - design @ np.linalg.lstsq(design, response, rcond=None)[0]
        return float(residual @ residual)

    without = rss(d, ones)
    with_region = rss(d, np.hstack([ones, indicators]))
    assert region_strength.r2_treatment == pytest.approx((without - with_region) / without)


def test_impossible_strengths_are_notes_not_bounds() -> None:
    data = confounded(2)
    report = sensitivity_analysis(data, "d", "y", ["x1", "x2"], benchmarks=["x1"], k=[1, 200])
    assert [bound.label for bound in report.bounds] == ["1x x1"]
    assert any("200x x1" in note and "impossible" in note for note in report.notes)
    with pytest.raises(InputError, match="impossible"):
        report.bound("x1", 200)


def test_unequal_strengths_and_labels() -> None:
    report = sensitivity_analysis(
        confounded(2), "d", "y", ["x1", "x2"], benchmarks=["x2"], k=[(0.5, 3)]
    )
    (bound,) = report.bounds
    assert (bound.label, bound.k_treatment, bound.k_outcome) == ("0.5x/3x x2", 0.5, 3.0)
    model = report.bound("x2", 2, 1, label="ability", source="model", rationale="why")
    assert (model.label, model.source, model.rationale) == ("ability", "model", "why")
    assert report.with_bounds([model]).model_bounds == (model,)


def test_negative_estimates_shrink_towards_zero() -> None:
    data = confounded(4)
    data["y"] = -data["y"]
    report = sensitivity_analysis(data, "d", "y", ["x1", "x2"], benchmarks=["x1"], k=[1])
    assert report.estimate < 0
    (bound,) = report.bounds
    assert report.estimate < bound.adjusted_estimate < 0
    assert report.significance_survives(bound) == (bound.adjusted_upper < 0)


def test_json_round_trip_is_lossless(darfur: SensitivityReport, tmp_path: Any) -> None:
    path = tmp_path / "sensitivity.json"
    darfur.to_json(path)
    again = SensitivityReport.from_json(path)
    assert again == darfur
    assert str(again) == str(darfur)
    with pytest.raises(InputError, match="sensitivity report JSON"):
        SensitivityReport.from_json('{"treatment": 3}')


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"q": 0}, "q must be a positive number"),
        ({"alpha": 1.5}, "alpha must be between 0 and 1"),
        ({"k": [0]}, "k must hold positive numbers"),
        ({"k": [(1, 2, 3)]}, "k must hold positive numbers"),
        ({"benchmarks": ["nope"]}, "benchmark 'nope' is not in the adjustment set"),
        ({"benchmarks": "x1"}, "benchmarks must be a list"),
    ],
)
def test_bad_options_are_input_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        sensitivity_analysis(confounded(0, rows=100), "d", "y", ["x1", "x2"], **options)
