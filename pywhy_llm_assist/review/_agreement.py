"""Agreement between reviewers: Krippendorff's alpha for nominal decisions.

We compute alpha ourselves rather than depend on the ``krippendorff`` package: the formula is a
dozen lines of pure Python, the review layer then needs no numpy, and our decisions have
missing values (an edge a reviewer left undecided), which alpha handles by design. The tests
cross-check it against the ``krippendorff`` package and Krippendorff's own worked example
(Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability": alpha = 0.743).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict


class ReviewAgreement(BaseModel):
    """How much the reviewers agree, beyond chance: Krippendorff's alpha (nominal).

    Attributes:
        statistic: always ``krippendorff_alpha``.
        value: 1 for perfect agreement, 0 for agreement at chance level, below 0 for
            systematic disagreement; None when it is undefined (fewer than two reviewers,
            no edge decided by two of them, or every decision the same).
        reviewers: how many reviewers were merged.
        items: how many edges at least two reviewers decided on (the units alpha counts).
        observed_agreement: the share of pairs of decisions on the same edge that agree.

    Example:
        >>> agreement = krippendorff_alpha([["a", "a", "b"], ["a", "a", "b"]])
        >>> agreement.value, agreement.items
        (1.0, 3)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    statistic: str = "krippendorff_alpha"
    value: float | None
    reviewers: int
    items: int
    observed_agreement: float | None = None

    def __str__(self) -> str:
        shown = "undefined" if self.value is None else f"{self.value:.3f}"
        text = f"Krippendorff's alpha {shown} ({self.reviewers} reviewers, {self.items} edges"
        if self.observed_agreement is not None:
            text += f", {self.observed_agreement:.0%} of paired decisions agree"
        return text + ")"


def krippendorff_alpha(ratings: Sequence[Sequence[Hashable | None]]) -> ReviewAgreement:
    """Krippendorff's alpha for nominal ratings: one row per reviewer, one column per item.

    ``None`` marks a missing rating. Items rated by fewer than two reviewers do not count.

    Args:
        ratings: ``ratings[reviewer][item]``, every row as long as the first.

    Example:
        >>> round(krippendorff_alpha([["x", "y", "x", None], ["x", "y", "y", "x"]]).value, 3)
        0.444
    """
    reviewers = len(ratings)
    width = len(ratings[0]) if ratings else 0
    if any(len(row) != width for row in ratings):
        raise ValueError("every reviewer needs one rating (or None) per item")
    units = [[row[item] for row in ratings if row[item] is not None] for item in range(width)]
    pairable = [values for values in units if len(values) >= 2]
    return _alpha(pairable, reviewers)


def _alpha(units: Iterable[list[Hashable | None]], reviewers: int) -> ReviewAgreement:
    # The coincidence matrix, kept as sums: o_ck = sum over units of n_uc * n_uk / (m_u - 1).
    totals: Counter[Hashable] = Counter()
    matching = 0.0  # the diagonal's sum: sum_c o_cc
    agreeing_pairs = 0.0
    all_pairs = 0.0
    count = 0
    for values in units:
        count += 1
        counts = Counter(values)
        size = len(values)
        totals.update(counts)
        matching += sum(n * (n - 1) for n in counts.values()) / (size - 1)
        agreeing_pairs += sum(n * (n - 1) / 2 for n in counts.values())
        all_pairs += size * (size - 1) / 2
    n = sum(totals.values())
    observed = agreeing_pairs / all_pairs if all_pairs else None
    if reviewers < 2 or count == 0:
        return ReviewAgreement(value=None, reviewers=reviewers, items=count)
    observed_disagreement = (n - matching) / n
    expected_disagreement = (n * n - sum(value * value for value in totals.values())) / (
        n * (n - 1)
    )
    if expected_disagreement == 0:
        return ReviewAgreement(
            value=None, reviewers=reviewers, items=count, observed_agreement=observed
        )
    value = 1.0 - observed_disagreement / expected_disagreement
    return ReviewAgreement(
        value=round(value, 12), reviewers=reviewers, items=count, observed_agreement=observed
    )


__all__ = ["ReviewAgreement", "krippendorff_alpha"]
