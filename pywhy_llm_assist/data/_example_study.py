"""The example study behind the demo and the analysis docs: simulated, with a known effect.

Five variables of a cohort (the demo's `exercise -> heart_disease` question), drawn from a
model we wrote so that the true effect is known exactly:

- ``age``: uniform on 40..70 years (one decimal);
- ``smoking``: 0/1, one in four, independent of age;
- ``exercise``: hours per week, ``max(0, 6 - 0.08 (age - 40) - 1.5 smoking + U(-3, 3))``
  (two decimals);
- ``blood_pressure``: ``115 + 0.6 (age - 40) + 6 smoking - 1.2 exercise + U(-15, 15)``
  (one decimal);
- ``heart_disease``: 0/1 with probability
  ``0.28 + 0.006 (age - 40) - 0.015 exercise + 0.004 (blood_pressure - 120)``, which stays
  between 0.02 and 0.60 for every row the model can draw, so the probability is exactly linear.

The total effect of one more weekly hour of exercise on the risk of heart disease is therefore
``-0.015 + (-1.2)(0.004) = -0.0198``: 1.98 percentage points less, of which 0.48 through blood
pressure. Adjusting for ``{age, smoking}`` identifies it (smoking reaches heart disease only
through blood pressure, a mediator, so it confounds through ``exercise <- smoking ->
blood_pressure -> heart_disease``). Each value is rounded before the next is drawn from it, so
the rounding is part of the model and changes nothing of the effect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core._errors import InputError

if TYPE_CHECKING:
    import pandas as pd

EXERCISE_STUDY_EFFECT = -0.015 + (-1.2) * 0.004
"""The true total effect of an hour of exercise per week on the risk of heart disease."""
EXERCISE_STUDY_SEED = 2026
EXERCISE_STUDY_ROWS = 2000
EXERCISE_STUDY_EDGES: tuple[tuple[str, str], ...] = (
    ("age", "exercise"),
    ("age", "blood_pressure"),
    ("age", "heart_disease"),
    ("smoking", "exercise"),
    ("smoking", "blood_pressure"),
    ("exercise", "blood_pressure"),
    ("exercise", "heart_disease"),
    ("blood_pressure", "heart_disease"),
)
"""The graph the data are drawn from."""


def simulate_exercise_study(
    rows: int = EXERCISE_STUDY_ROWS, *, seed: int = EXERCISE_STUDY_SEED
) -> pd.DataFrame:
    """Draw the example study: a cohort in which the effect of exercise is known.

    The true effect of one more weekly hour of exercise on the risk of heart disease is
    `EXERCISE_STUDY_EFFECT` (-0.0198), and `EXERCISE_STUDY_EDGES` is the graph the rows are
    drawn from; the module docstring gives the model. The same seed gives the same rows on
    every machine (numpy's default generator). ``examples/health/exercise_study.csv`` holds
    the default draw.

    Args:
        rows: how many participants.
        seed: the random seed.

    Example:
        >>> study = simulate_exercise_study(500, seed=1)
        >>> list(study.columns), len(study)
        (['exercise', 'age', 'smoking', 'blood_pressure', 'heart_disease'], 500)
    """
    import numpy as np
    import pandas as pd

    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
        raise InputError(f"rows must be a positive whole number, not {rows!r}")
    generator = np.random.default_rng(seed)
    age = np.round(generator.uniform(40.0, 70.0, rows), 1)
    smoking = (generator.random(rows) < 0.25).astype(np.int64)
    exercise = np.round(
        np.maximum(0.0, 6.0 - 0.08 * (age - 40.0) - 1.5 * smoking + generator.uniform(-3, 3, rows)),
        2,
    )
    pressure = np.round(
        115.0
        + 0.6 * (age - 40.0)
        + 6.0 * smoking
        - 1.2 * exercise
        + generator.uniform(-15.0, 15.0, rows),
        1,
    )
    risk = 0.28 + 0.006 * (age - 40.0) - 0.015 * exercise + 0.004 * (pressure - 120.0)
    disease = (generator.random(rows) < risk).astype(np.int64)
    frame: pd.DataFrame = pd.DataFrame(
        {
            "exercise": exercise,
            "age": age,
            "smoking": smoking,
            "blood_pressure": pressure,
            "heart_disease": disease,
        }
    )
    return frame
