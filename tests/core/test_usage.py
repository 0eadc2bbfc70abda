"""Usage counts from a server are checked: junk is unknown, never a crash or a negative total."""

from __future__ import annotations

import pytest

from pywhy_llm_assist import Usage
from pywhy_llm_assist.core._usage import token_count, usage_counts


@pytest.mark.parametrize(
    ("value", "count"),
    [
        (12, 12),
        (12.0, 12),
        (0, 0),
        ("n/a", None),
        ("12", None),
        (float("inf"), None),
        (float("nan"), None),
        (-5, None),
        (1.5, None),
        (10**40, None),
        (True, None),
        (None, None),
    ],
)
def test_token_count(value: object, count: int | None) -> None:
    assert token_count(value) == count


def test_usage_counts() -> None:
    assert usage_counts({"prompt_tokens": 10, "completion_tokens": 3}) == (10, 3)
    assert usage_counts(None) == (0, 0)
    assert usage_counts({"prompt_tokens": 10}) == (10, 0)
    assert usage_counts({"prompt_tokens": "n/a", "completion_tokens": 3}) is None
    assert usage_counts({"prompt_tokens": 1, "completion_tokens": float("inf")}) is None
    assert usage_counts("junk") is None


def test_unknown_usage_is_counted_and_summed() -> None:
    total = Usage(calls=2, unknown_usage=1) + Usage(calls=1, unknown_usage=1)
    assert total.unknown_usage == 2
    assert total.summary().endswith("2 calls without token counts")
