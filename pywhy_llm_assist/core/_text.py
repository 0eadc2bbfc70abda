"""Small text helpers shared by the summaries printed for humans."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1 edge``, ``2 edges``, ``1 entry``, ``3 entries``, ``1,204 tokens``.

    Example:
        >>> counted(1, "retry", "retries"), counted(2, "retry", "retries"), counted(2, "edge")
        ('1 retry', '2 retries', '2 edges')
    """
    if count == 1:
        return f"{count:,} {singular}"
    if plural is None:
        plural = (
            singular[:-1] + "ies"
            if singular.endswith("y") and singular[-2:] != "ey"
            else singular + "s"
        )
    return f"{count:,} {plural}"


def percent(share: float) -> str:
    """A share of 1 as a percentage with two decimals.

    Example:
        >>> percent(0.13877)
        '13.88%'
    """
    return f"{100 * share:.2f}%"
