"""The five-variable smoking study the data-finding tests share: a truth and a draft that misses
``age -> cancer``, with mixed data simulated from the truth."""

from __future__ import annotations

import pandas as pd

from pywhy_llm_assist import CausalGraph, simulate_data

TRUTH = CausalGraph.from_edges(
    ["age", "smoking", "tar", "cancer", "cough"],
    [
        ("age", "smoking"),
        ("smoking", "tar"),
        ("tar", "cancer"),
        ("age", "cancer"),
        ("cancer", "cough"),
    ],
)
#: The analyst's draft misses age -> cancer.
DRAFT = TRUTH.without_edges([("age", "cancer")])


def study_data(seed: int, rows: int = 2000) -> pd.DataFrame:
    """Mixed data simulated from `TRUTH`."""
    return simulate_data(TRUTH, rows, kind="mixed", seed=seed)
