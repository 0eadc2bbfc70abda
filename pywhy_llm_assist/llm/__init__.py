"""The LLM layer: engine, backends, cache, retries, reply schemas, prompts, queries, the
embedded local server and the sync bridge.

Knows no task, graph or page: it imports only `core`. The names below are its interface for
the layers above (the command line among them); the public ones are re-exported from
`pywhy_llm_assist` itself.
"""

from ._backends import check_base_url, is_loopback_url
from ._batch import DEFAULT_POLL_SECONDS
from ._cache import (
    CACHE_DIR_VARIABLE,
    CACHE_MODE_VARIABLE,
    default_cache_folder,
    resolve_cache_mode,
)
from ._local import DEFAULT_MODEL_NAME
from ._progress import ProgressBar
from ._redaction import MIN_SECRET_LENGTH, redact_text

__all__ = [
    "CACHE_DIR_VARIABLE",
    "CACHE_MODE_VARIABLE",
    "DEFAULT_MODEL_NAME",
    "DEFAULT_POLL_SECONDS",
    "MIN_SECRET_LENGTH",
    "ProgressBar",
    "check_base_url",
    "default_cache_folder",
    "is_loopback_url",
    "redact_text",
    "resolve_cache_mode",
]
