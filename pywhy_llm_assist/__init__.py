"""pywhy-llm-assist: a large language model as a domain-knowledge assistant for causal inference.

Public names are imported on first use, so ``import pywhy_llm_assist`` is quick and the graph
tools (`CausalGraph`, `check_graph`, ...) do not load the OpenAI SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from ._review import ReviewDecision, ReviewDecisions, apply_review
    from ._simulated_expert import SimulatedExpert
    from ._suggestions import Condition, Suggestions, VariableSuggestion
    from ._usage import Budget, Usage
    from ._variables import Variable, Variables

__version__ = "0.1.0"

_SOURCES: dict[str, str] = {
    "Answer": "._engine",
    "Assistant": "._assistant",
    "AssistantError": "._errors",
    "Attempt": "._errors",
    "BenchmarkGraph": "._benchmark_graphs",
    "BenchmarkReport": "._benchmark",
    "BenchmarkRow": "._benchmark",
    "Budget": "._usage",
    "BudgetExceededError": "._errors",
    "CACHE_MODES": "._cache",
    "CausalGraph": "._graph",
    "ChatBackend": "._backends",
    "ChatRequest": "._backends",
    "Condition": "._suggestions",
    "Critique": "._findings",
    "DroppedEdge": "._graph",
    "Edge": "._graph",
    "Finding": "._findings",
    "GraphComparison": "._metrics",
    "GraphFormatError": "._errors",
    "IncompleteOutputError": "._errors",
    "InputError": "._errors",
    "InvalidOutputError": "._errors",
    "LanguageModel": "._engine",
    "LocalModelUnavailableError": "._errors",
    "LocalServer": "._local",
    "ModelError": "._errors",
    "NetworkBlockedError": "._errors",
    "OpenAIBackend": "._backends",
    "OptionalDependencyError": "._errors",
    "ProgressEvent": "._engine",
    "PromptLibrary": "._prompts",
    "Provenance": "._graph",
    "QueriesFailedError": "._errors",
    "Query": "._query",
    "RefusalError": "._errors",
    "ReplayMissError": "._errors",
    "RequestRejectedError": "._errors",
    "ResponseCache": "._cache",
    "RetriesExhaustedError": "._errors",
    "RetryPolicy": "._retry",
    "ReviewDecision": "._review",
    "ReviewDecisions": "._review",
    "ReviewError": "._errors",
    "SimulatedExpert": "._simulated_expert",
    "SuggestedEdit": "._findings",
    "Suggestions": "._suggestions",
    "Usage": "._usage",
    "Variable": "._variables",
    "VariableSuggestion": "._suggestions",
    "Variables": "._variables",
    "apply_edits": "._findings",
    "apply_review": "._review",
    "check_graph": "._checks",
    "compare_graphs": "._metrics",
    "format_table": "._benchmark_table",
    "load_benchmark": "._benchmark_graphs",
    "rename_variables": "._benchmark_graphs",
    "run_benchmark": "._benchmark",
    "suggest_graph": "._convenience",
}
"""Where each public name lives (a private module of this package)."""


def __getattr__(name: str) -> Any:
    try:
        source = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(source, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
    "ReviewDecision",
    "ReviewDecisions",
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
    "apply_review",
    "check_graph",
    "compare_graphs",
    "format_table",
    "load_benchmark",
    "rename_variables",
    "run_benchmark",
    "suggest_graph",
]
