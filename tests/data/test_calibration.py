"""Calibration on simulated data from a packaged graph (Asia: 8 variables, 20 implications).

On the true graph, a run rejects some implication after the Benjamini-Hochberg correction in
at most about alpha of runs, for linear-Gaussian, discrete and mixed data; without the
correction it would be most runs. With one true edge removed, the pair is flagged in most runs
at n = 2,000 for a moderate effect. Seeds are fixed, so the numbers are reproducible; the bounds
leave room for the binomial spread of the rates (about ±0.025 for 80 runs at 0.05).
"""

from __future__ import annotations

import numpy as np
import pytest

from pywhy_llm_assist import load_benchmark, simulate_data
from pywhy_llm_assist import test_implications as run_tests
from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER

ALPHA = 0.05
RUNS = 80
KINDS = ("linear", "discrete", "mixed")
MODERATE = (0.2, 0.4)  # coefficient sizes: a moderate effect


@pytest.fixture(scope="module")
def false_alarms() -> dict[str, dict[str, float]]:
    """Per data kind: the share of runs with a rejection, corrected and not, and the global test."""
    graph = load_benchmark(PACKAGED_FOLDER / "asia.json").graph
    rates: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        corrected = uncorrected = global_rejections = 0
        p_values: list[float] = []
        for seed in range(RUNS):
            result = run_tests(graph, simulate_data(graph, 1000, kind=kind, seed=seed), alpha=ALPHA)
            tested = [float(row.p_value) for row in result.tested if row.p_value is not None]
            assert len(tested) == len(result.tests) == 20
            corrected += not result.consistent
            uncorrected += min(tested) < ALPHA
            global_rejections += (result.global_p_value or 1.0) < ALPHA
            p_values += tested
        rates[kind] = {
            "corrected": corrected / RUNS,
            "uncorrected": uncorrected / RUNS,
            "global": global_rejections / RUNS,
            "single": float(np.mean(np.array(p_values) < ALPHA)),
        }
    return rates


@pytest.mark.parametrize("kind", KINDS)
def test_a_true_graph_is_rejected_in_at_most_about_alpha_of_runs(
    false_alarms: dict[str, dict[str, float]], kind: str
) -> None:
    rates = false_alarms[kind]
    assert rates["corrected"] <= 2.5 * ALPHA, rates
    assert rates["global"] <= 2.5 * ALPHA, rates
    # Each single test is calibrated: about 5% of its p-values fall below 0.05.
    assert 0.03 <= rates["single"] <= 0.07, rates
    # The check has teeth: without the correction most runs would reject the true graph.
    assert rates["uncorrected"] >= 0.3, rates


def test_pooled_false_alarm_rate_is_about_alpha(false_alarms: dict[str, dict[str, float]]) -> None:
    pooled = np.mean([false_alarms[kind]["corrected"] for kind in KINDS])
    assert pooled <= 1.7 * ALPHA, false_alarms
    pooled_global = np.mean([false_alarms[kind]["global"] for kind in KINDS])
    assert pooled_global <= 1.7 * ALPHA, false_alarms


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("edge", [("smoke", "lung"), ("either", "dysp")])
def test_a_removed_edge_is_flagged_in_most_runs(kind: str, edge: tuple[str, str]) -> None:
    truth = load_benchmark(PACKAGED_FOLDER / "asia.json").graph
    draft = truth.without_edges([edge])
    flagged = 0
    for seed in range(10):
        data = simulate_data(truth, 2000, kind=kind, seed=100 + seed, effect=MODERATE)
        result = run_tests(draft, data, alpha=ALPHA)
        flagged += any({row.x, row.y} == set(edge) for row in result.rejected)
    assert flagged >= 8, f"{edge} flagged in {flagged} of 10 runs ({kind})"


def test_the_g_test_stays_calibrated_on_sparse_tables() -> None:
    """Sachs, all discrete with three levels, 400 rows: conditioning sets of two or three
    variables leave 5 to 50 rows per degree of freedom, where the uncorrected G-test rejects
    11-13% of true independences at 0.05."""
    graph = load_benchmark(PACKAGED_FOLDER / "sachs.json").graph
    p_values: list[float] = []
    sparse = 0
    for seed in range(25):
        result = run_tests(graph, simulate_data(graph, 400, kind="discrete", seed=seed))
        for row in result.tested:
            assert row.p_value is not None and row.degrees_of_freedom is not None
            p_values.append(row.p_value)
            sparse += row.rows_used / row.degrees_of_freedom < 50
    assert sparse > 200  # the tables really are sparse
    assert np.mean(np.array(p_values) < ALPHA) <= 0.06
