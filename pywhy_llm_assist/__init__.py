"""pywhy-llm-assist: a large language model as a domain-knowledge assistant for causal inference."""

from ._assistant import Assistant
from ._backends import ChatBackend, ChatRequest, OpenAIBackend
from ._cache import CACHE_MODES, ResponseCache
from ._engine import Answer, LanguageModel, ProgressEvent
from ._errors import (
    AssistantError,
    Attempt,
    BudgetExceededError,
    GraphFormatError,
    IncompleteOutputError,
    InputError,
    InvalidOutputError,
    LocalModelUnavailableError,
    ModelError,
    NetworkBlockedError,
    QueriesFailedError,
    RefusalError,
    ReplayMissError,
    RequestRejectedError,
    RetriesExhaustedError,
    ReviewError,
)
from ._graph import CausalGraph, DroppedEdge, Edge, Provenance
from ._local import LocalServer
from ._prompts import PromptLibrary
from ._query import Query
from ._retry import RetryPolicy
from ._usage import Budget, Usage
from ._variables import Variable, Variables

__version__ = "0.1.0"

__all__ = [
    "CACHE_MODES",
    "Answer",
    "Assistant",
    "AssistantError",
    "Attempt",
    "Budget",
    "BudgetExceededError",
    "CausalGraph",
    "ChatBackend",
    "ChatRequest",
    "DroppedEdge",
    "Edge",
    "GraphFormatError",
    "IncompleteOutputError",
    "InputError",
    "InvalidOutputError",
    "LanguageModel",
    "LocalModelUnavailableError",
    "LocalServer",
    "ModelError",
    "NetworkBlockedError",
    "OpenAIBackend",
    "ProgressEvent",
    "PromptLibrary",
    "Provenance",
    "QueriesFailedError",
    "Query",
    "RefusalError",
    "ReplayMissError",
    "RequestRejectedError",
    "ResponseCache",
    "RetriesExhaustedError",
    "RetryPolicy",
    "ReviewError",
    "Usage",
    "Variable",
    "Variables",
    "__version__",
]
