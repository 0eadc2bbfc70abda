"""The Darfur data of Cinelli & Hazlett (2020), from the PySensemakr package.

PySensemakr 0.0.8's analysis breaks under pandas 3 and its wheel requires the whole of
Jupyter, so ``scripts/test.sh`` installs it with ``--no-deps`` and only the CSV it ships is
read (found without importing the package). Never copied into this repository.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

TREATMENT = "directlyharmed"
OUTCOME = "peacefactor"
ADJUSTMENT = ("age", "farmer_dar", "herder_dar", "pastvoted", "hhsize_darfur", "female", "village")


def load_darfur() -> Any:
    """The Darfur data frame (1,276 rows), or skip when PySensemakr is not installed."""
    pandas = pytest.importorskip("pandas")
    spec = importlib.util.find_spec("sensemakr")
    if spec is None or spec.origin is None:
        pytest.skip("the Darfur data needs PySensemakr (pip install --no-deps pysensemakr==0.0.8)")
    return pandas.read_csv(Path(spec.origin).parent / "data" / "darfur.csv")
