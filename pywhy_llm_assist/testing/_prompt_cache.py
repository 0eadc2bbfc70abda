"""A simulated prompt-prefix cache for the fake server: which leading prompt tokens were seen.

Providers and local servers cache the longest prefix a prompt shares with earlier prompts
(OpenAI and Azure: prompts of at least 1,024 tokens, reused in steps of 128 tokens, the
reply schema counting as the start of the prompt; vLLM and llama.cpp: blocks of the KV
cache). `PromptCache` models that with block hashes, the way vLLM's prefix cache does, so
`FakeOpenAIServer` can report ``usage.prompt_tokens_details.cached_tokens`` like they do.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from typing import Any

from ._fault_plan import message_texts

CHARACTERS_PER_TOKEN = 4
"""The fake server's token estimate (the same as its ``usage.prompt_tokens``)."""


def prompt_text(body: Mapping[str, Any]) -> str:
    """The text of a request's messages in order (what the fake server counts as its prompt)."""
    return "".join(message_texts(body.get("messages")))


class PromptCache:
    """Remembers the prompts a server saw and says how many leading tokens a new one reuses.

    A prompt's first `min_tokens` tokens form the first block, then every `block_tokens`
    tokens another; a block is cached when an earlier prompt had exactly the same text up to
    its end, and the same reply schema (``response_format`` comes first in what OpenAI
    caches). The count is in the fake server's estimate (message characters / 4). Prompts
    are remembered when they arrive, so concurrent prompts can already reuse each other.

    Args:
        min_tokens: shortest prompt that is cached at all (OpenAI: 1,024).
        block_tokens: the cached prefix grows in steps of this many tokens (OpenAI: 128).

    Example:
        >>> cache = PromptCache(min_tokens=4, block_tokens=2)
        >>> body = {"messages": [{"role": "user", "content": "the same long question, " * 3}]}
        >>> cache.cached_tokens(body), cache.cached_tokens(body) > 0
        (0, True)
    """

    def __init__(self, *, min_tokens: int = 1024, block_tokens: int = 128) -> None:
        if min_tokens < 1 or block_tokens < 1:
            raise ValueError("min_tokens and block_tokens must be 1 or more")
        self.min_tokens = min_tokens
        self.block_tokens = block_tokens
        self._seen: set[bytes] = set()
        self._lock = threading.Lock()

    def cached_tokens(self, body: Mapping[str, Any]) -> int:
        """The tokens of `body`'s prompt already cached; then remember this prompt too."""
        text = prompt_text(body)
        first = self.min_tokens * CHARACTERS_PER_TOKEN
        step = self.block_tokens * CHARACTERS_PER_TOKEN
        digests = []
        schema = json.dumps(body.get("response_format"), sort_keys=True, ensure_ascii=False)
        running = hashlib.sha256(schema.encode("utf-8"))
        start = 0
        for end in range(first, len(text) + 1, step):
            running.update(text[start:end].encode("utf-8"))
            digests.append(running.copy().digest())
            start = end
        with self._lock:
            hits = 0
            for digest in digests:
                if digest not in self._seen:
                    break
                hits += 1
            self._seen.update(digests)
        if hits == 0:
            return 0
        return self.min_tokens + (hits - 1) * self.block_tokens

    def clear(self) -> None:
        """Forget every prompt (a server restart)."""
        with self._lock:
            self._seen.clear()
