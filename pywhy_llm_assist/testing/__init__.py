"""Test helpers for users of pywhy-llm-assist: a scripted model and a fake OpenAI server.

- `ScriptedModel`: a test double that answers from a queue or a function and records requests.
- `FakeOpenAIServer`: a loopback OpenAI-compatible HTTP server, with latency and a seeded
  `FaultPlan` (rate limits, 5xx, timeouts, resets, invalid JSON, truncation, refusals, and a
  hostile server's tricks: dripped replies, echoed API keys, junk usage, huge replies),
  the Batch API's files and batches endpoints, and an optional simulated `PromptCache`.

Example:
    >>> from pywhy_llm_assist.testing import ScriptedModel
    >>> ScriptedModel([{"causes": []}]).remaining
    1
"""

from ._fake_server import FakeOpenAIServer, RecordedRequest, build_chat_completion
from ._fault_plan import FAULT_KINDS, FaultKind, FaultPlan
from ._prompt_cache import PromptCache
from ._scripted import RawResponse, ScriptedModel, completion

__all__ = [
    "FAULT_KINDS",
    "FakeOpenAIServer",
    "FaultKind",
    "FaultPlan",
    "PromptCache",
    "RawResponse",
    "RecordedRequest",
    "ScriptedModel",
    "build_chat_completion",
    "completion",
]
