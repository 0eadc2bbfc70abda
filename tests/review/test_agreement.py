"""Krippendorff's alpha: a published worked example, the ``krippendorff`` package, calibration."""

from __future__ import annotations

import random

import pytest

from pywhy_llm_assist import ReviewAgreement
from pywhy_llm_assist.review._agreement import krippendorff_alpha

krippendorff = pytest.importorskip("krippendorff", reason="test dependency 'krippendorff'")
numpy = pytest.importorskip("numpy")

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, nominal values with gaps. The paper's result: alpha = 0.743.
PUBLISHED = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_the_published_worked_example() -> None:
    agreement = krippendorff_alpha(PUBLISHED)
    assert agreement.value is not None
    assert round(agreement.value, 3) == 0.743
    assert agreement.reviewers == 4
    assert agreement.items == 11  # the last unit has one value: not pairable


def _package_alpha(rows: list[list[str | None]]) -> float:
    codes = {"forward": 0, "reversed": 1, "absent": 2}
    matrix = [[numpy.nan if value is None else codes[value] for value in row] for row in rows]
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


@pytest.mark.parametrize("seed", range(20))
def test_it_matches_the_krippendorff_package(seed: int) -> None:
    generator = random.Random(seed)
    reviewers, items = generator.randint(2, 6), generator.randint(5, 60)
    truth = [generator.choice(["forward", "reversed", "absent"]) for _ in range(items)]
    rows: list[list[str | None]] = []
    for _ in range(reviewers):
        row: list[str | None] = []
        for value in truth:
            roll = generator.random()
            row.append(None if roll < 0.15 else value if roll < 0.75 else generator.choice(
                ["forward", "reversed", "absent"]))  # fmt: skip
        rows.append(row)
    ours = krippendorff_alpha(rows).value
    assert ours is not None
    assert ours == pytest.approx(_package_alpha(rows), abs=1e-9)


def test_chance_agreement_is_near_zero_and_perfect_agreement_is_one() -> None:
    """Calibration: reviewers deciding at random give alpha about 0 across seeds."""
    values = []
    for seed in range(60):
        generator = random.Random(1000 + seed)
        rows = [[generator.choice("abc") for _ in range(80)] for _ in range(3)]
        value = krippendorff_alpha(rows).value
        assert value is not None
        values.append(value)
    mean = sum(values) / len(values)
    assert abs(mean) < 0.02
    assert sum(value > 0.15 for value in values) <= 2  # "agreement" by luck is rare
    same = [["a", "b", "c", "a"]] * 3
    assert krippendorff_alpha(same).value == 1.0


@pytest.mark.parametrize(
    ("rows", "items"),
    [
        ([["a", "b"]], 0),  # one reviewer
        ([["a", None], [None, "b"]], 0),  # nothing decided by two reviewers
        ([["a", "a"], ["a", "a"]], 2),  # every decision the same: no variation to explain
    ],
)
def test_undefined_cases_give_none(rows: list[list[str | None]], items: int) -> None:
    agreement = krippendorff_alpha(rows)
    assert agreement.value is None
    assert agreement.items == items
    assert "undefined" in str(agreement)


def test_ragged_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="one rating"):
        krippendorff_alpha([["a", "b"], ["a"]])


def test_text_names_reviewers_and_items() -> None:
    text = str(krippendorff_alpha(PUBLISHED))
    assert text.startswith("Krippendorff's alpha 0.743 (4 reviewers, 11 edges")
    assert ReviewAgreement.model_validate_json(krippendorff_alpha(PUBLISHED).model_dump_json())
