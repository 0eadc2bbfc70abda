"""Usage counts from a server are checked: junk is unknown, never a crash or a negative total;
cached prompt tokens are read robustly and shown in every summary."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pywhy_llm_assist import Usage
from pywhy_llm_assist.core._usage import cached_prompt_tokens, token_count, usage_counts


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


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"prompt_tokens": 2048, "prompt_tokens_details": {"cached_tokens": 1920}}, 1920),
        ({"prompt_tokens_details": {"cached_tokens": 1920.0}}, 1920),
        ({"prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0}}, 0),
        ({"prompt_cache_hit_tokens": 512, "prompt_cache_miss_tokens": 100}, 512),  # DeepSeek
        ({"prompt_tokens": 10}, 0),
        ({"prompt_tokens_details": None}, 0),
        ({"prompt_tokens_details": {"cached_tokens": None}}, 0),
        ({"prompt_tokens_details": {"cached_tokens": "1920"}}, 0),
        ({"prompt_tokens_details": {"cached_tokens": -5}}, 0),
        ({"prompt_tokens_details": {"cached_tokens": math.nan}}, 0),
        ({"prompt_tokens_details": {"cached_tokens": math.inf}}, 0),
        ({"prompt_tokens_details": {"cached_tokens": True}}, 0),
        ({"prompt_tokens_details": {"cached_tokens": [3]}}, 0),
        ({"prompt_tokens_details": "lots"}, 0),
        (None, 0),
        ("usage", 0),
        ([], 0),
    ],
)
def test_cached_prompt_tokens_are_read_robustly(usage: Any, expected: int) -> None:
    assert cached_prompt_tokens(usage) == expected


def test_the_summary_shows_cached_prompt_tokens_next_to_prompt_and_completion() -> None:
    usage = Usage(calls=2, prompt_tokens=4096, cached_prompt_tokens=3840, completion_tokens=90)
    assert (
        usage.summary()
        == "2 calls, 0 cache hits, 4,096 prompt (3,840 cached) + 90 completion tokens"
    )
    assert str(usage) == usage.summary()
    assert "(0 cached)" in Usage(calls=1, prompt_tokens=5).summary()
    assert (usage + usage).cached_prompt_tokens == 7680
