"""pywhy-llm-assist: a large language model as a domain-knowledge assistant for causal inference."""

from ._assistant import Assistant
from ._backends import ChatBackend, ChatRequest, OpenAIBackend
from ._benchmark import BenchmarkReport, BenchmarkRow, run_benchmark
from ._benchmark_graphs import BenchmarkGraph, load_benchmark, rename_variables
from ._benchmark_table import format_table
from ._cache import CACHE_MODES, ResponseCache
from ._checks import check_graph
from ._convenience import suggest_graph
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
    OptionalDependencyError,
    QueriesFailedError,
    RefusalError,
    ReplayMissError,
    RequestRejectedError,
    RetriesExhaustedError,
    ReviewError,
)
from ._findings import Critique, Finding, SuggestedEdit, apply_edits
from ._graph import CausalGraph, DroppedEdge, Edge, Provenance
from ._local import LocalServer
from ._metrics import GraphComparison, compare_graphs
from ._prompts import PromptLibrary
from ._query import Query
from ._retry import RetryPolicy
from ._simulated_expert import SimulatedExpert
from ._suggestions import Condition, Suggestions, VariableSuggestion
from ._usage import Budget, Usage
from ._variables import Variable, Variables

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "Attempt",
    "BenchmarkGraph",
    "BenchmarkReport",
    "BenchmarkRow",
    "Budget",
    "BudgetExceededError",
    "CACHE_MODES",
    "CausalGraph",
    "ChatBackend",
    "ChatRequest",
    "Condition",
    "Critique",
    "DroppedEdge",
    "Edge",
    "Finding",
    "GraphComparison",
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
    "OptionalDependencyError",
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
    "SimulatedExpert",
    "SuggestedEdit",
    "Suggestions",
    "Usage",
    "Variable",
    "VariableSuggestion",
    "Variables",
    "__version__",
    "apply_edits",
    "check_graph",
    "compare_graphs",
    "format_table",
    "load_benchmark",
    "rename_variables",
    "run_benchmark",
    "suggest_graph",
]
