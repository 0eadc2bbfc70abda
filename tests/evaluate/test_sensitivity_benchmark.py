"""Hide-a-covariate validation: the simulated expert's strengths and the committed results."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _darfur import load_darfur

from pywhy_llm_assist import Assistant, InputError
from pywhy_llm_assist.data._hidden_covariate import hide_covariate
from pywhy_llm_assist.evaluate._sensitivity_benchmark import (
    elicit_hidden_covariates,
    hidden_covariate_truths,
    simulated_expert_for,
    summarize,
)

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "sensitivity_elicitation.txt"


def synthetic(seed: int = 0, rows: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2, z = rng.normal(size=(3, rows))
    d = 0.5 * x1 + 0.3 * x2 + 0.7 * z + rng.normal(size=rows)
    y = d + 0.5 * x1 + 0.2 * x2 + 0.7 * z + rng.normal(size=rows)
    return pd.DataFrame({"x1": x1, "x2": x2, "z": z, "d": d, "y": y})


def test_hide_covariate_recovers_the_strength_it_was_built_with() -> None:
    truth = hide_covariate(synthetic(), "d", "y", ["x1", "x2", "z"], "z")
    # D: z's coefficient 0.7 against x1's 0.5, equal variances: k_D about (0.7/0.5)^2 = 1.96.
    assert truth.strength("x1").k_treatment == pytest.approx(1.96, rel=0.25)
    assert truth.true_bias == pytest.approx(
        truth.observed.estimate - truth.estimate_with, rel=1e-12
    )
    with pytest.raises(InputError, match="must be in the adjustment set"):
        hide_covariate(synthetic(), "d", "y", ["x1"], "z")


def test_simulated_expert_answers_from_the_true_strengths() -> None:
    data = synthetic()
    truths = hidden_covariate_truths(data, "d", "y", ["x1", "x2", "z"], ["z"])
    exact = simulated_expert_for(truths, "d", "y", strength_error=0.0)
    rows = elicit_hidden_covariates(
        Assistant("simulated", client=exact, cache_mode="off"), data, "d", "y", truths
    )
    (row,) = rows
    assert row.hidden == "z" and row.benchmark == "x1"  # the most comparable benchmark
    assert row.k_treatment == 2.0  # 1.96 rounded to the ladder
    assert row.error_treatment == pytest.approx(abs(math.log2(2 / row.true_k_treatment)))
    assert row.covered and row.formal_covered
    noisy = [
        elicit_hidden_covariates(
            Assistant(
                "simulated",
                client=simulated_expert_for(truths, "d", "y", strength_error=2.0, seed=seed),
                cache_mode="off",
            ),
            data,
            "d",
            "y",
            truths,
        )[0]
        for seed in range(12)
    ]
    assert len({(row.k_treatment, row.k_outcome) for row in noisy}) > 3, "errors vary by seed"
    assert summarize(noisy)["mean_log2_error"] > summarize(rows)["mean_log2_error"]


def test_strength_error_must_not_be_negative() -> None:
    truths = hidden_covariate_truths(synthetic(rows=200), "d", "y", ["x1", "z"], ["z"])
    with pytest.raises(InputError, match="strength_error"):
        simulated_expert_for(truths, "d", "y", strength_error=-1)


@pytest.mark.slow
def test_committed_results_come_out_again_and_name_their_command() -> None:
    text = RESULTS.read_text(encoding="utf-8")
    assert text.startswith("command: python benchmarks/sensitivity_elicitation.py")
    spec = importlib.util.spec_from_file_location(
        "sensitivity_elicitation", ROOT / "benchmarks" / "sensitivity_elicitation.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules["sensitivity_elicitation"] = script
    spec.loader.exec_module(script)
    data = load_darfur()
    truths = hidden_covariate_truths(
        data, script.TREATMENT, script.OUTCOME, script.ADJUSTMENT, script.ADJUSTMENT
    )
    expert = simulated_expert_for(
        truths, script.TREATMENT, script.OUTCOME, strength_error=0.0, seed=0
    )
    rows = elicit_hidden_covariates(
        Assistant("simulated-expert", client=expert, cache_mode="off"),
        data,
        script.TREATMENT,
        script.OUTCOME,
        truths,
        descriptions=script.DESCRIPTIONS,
        context=script.CONTEXT,
    )
    table = "\n".join(script._table(rows))
    assert table in text, "rerun the benchmark and commit its output"
