"""pywhy-llm-assist: a large language model as a domain-knowledge assistant for causal inference.

Public names are imported on first use, so ``import pywhy_llm_assist`` is quick and the graph
tools (`CausalGraph`, `check_graph`, ...) do not load the OpenAI SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis._ledger import Assumption, AssumptionsLedger, Evidence
    from .analysis._report import AnalysisReport
    from .analysis._results import EffectEstimate, Identification, Refutation, StepRecord
    from .assistant._assistant import Assistant
    from .assistant._convenience import suggest_graph
    from .core._errors import (
        AssistantError,
        Attempt,
        BudgetExceededError,
        CacheNotWritableError,
        CyclicGraphError,
        GraphFormatError,
        IncompleteOutputError,
        InputError,
        InvalidOutputError,
        LocalModelUnavailableError,
        ModelError,
        NetworkBlockedError,
        NotADagError,
        OptionalDependencyError,
        PromptTooLargeError,
        QueriesFailedError,
        RefusalError,
        ReplayMissError,
        RequestRejectedError,
        RetriesExhaustedError,
        ReviewError,
        UnorientedEdgesError,
    )
    from .core._usage import Budget, Usage
    from .core._variables import Variable, Variables
    from .data._example_study import (
        EXERCISE_STUDY_EDGES,
        EXERCISE_STUDY_EFFECT,
        simulate_exercise_study,
    )
    from .data._implication_tests import ImplicationTest, ImplicationTests, UntestablePair
    from .data._pc import run_pc
    from .data._refute import test_implications
    from .data._sensitivity import (
        CovariateStrength,
        SensitivityBound,
        SensitivityReport,
        sensitivity_analysis,
    )
    from .data._simulate import simulate_data
    from .evaluate._benchmark import BenchmarkReport, BenchmarkRow, run_benchmark
    from .evaluate._graphs import BenchmarkGraph, load_benchmark, rename_variables
    from .evaluate._metrics import GraphComparison, compare_graphs, normalized_hamming_distance
    from .evaluate._simulated_expert import SimulatedExpert
    from .evaluate._table import format_table
    from .graph._causal_graph import CausalGraph, DroppedEdge, Edge, Provenance, UndirectedEdge
    from .identify._checks import check_graph
    from .identify._edits import apply_edits
    from .identify._findings import Critique, Finding, SuggestedEdit
    from .identify._suggestions import Condition, Suggestions, VariableSuggestion
    from .llm._backends import ChatBackend, ChatRequest, OpenAIBackend
    from .llm._batch_results import BatchJob, BatchReport, BatchStatus, FailedBatchLine
    from .llm._cache import CACHE_MODES, ResponseCache
    from .llm._engine import Answer, LanguageModel, ProgressEvent
    from .llm._local import LocalServer
    from .llm._progress import ProgressBar
    from .llm._prompts import PromptLibrary
    from .llm._query import Query
    from .llm._retry import RetryPolicy
    from .review._agreement import ReviewAgreement
    from .review._decisions import (
        AddedLatent,
        ReviewDecision,
        ReviewDecisions,
        SuggestionOrigin,
        apply_review,
    )
    from .review._merge import (
        MERGE_RULES,
        ConsensusEdge,
        ReviewConsensus,
        ReviewerVote,
        merge_reviews,
    )
    from .review._second_round import to_second_round_html

__version__ = "0.1.0"

_SOURCES: dict[str, str] = {
    "AddedLatent": ".review._decisions",
    "AnalysisReport": ".analysis._report",
    "Answer": ".llm._engine",
    "Assistant": ".assistant._assistant",
    "AssistantError": ".core._errors",
    "Assumption": ".analysis._ledger",
    "AssumptionsLedger": ".analysis._ledger",
    "Attempt": ".core._errors",
    "BatchJob": ".llm._batch_results",
    "BatchReport": ".llm._batch_results",
    "BatchStatus": ".llm._batch_results",
    "BenchmarkGraph": ".evaluate._graphs",
    "BenchmarkReport": ".evaluate._benchmark",
    "BenchmarkRow": ".evaluate._benchmark",
    "Budget": ".core._usage",
    "BudgetExceededError": ".core._errors",
    "CACHE_MODES": ".llm._cache",
    "CacheNotWritableError": ".core._errors",
    "CausalGraph": ".graph._causal_graph",
    "ChatBackend": ".llm._backends",
    "ChatRequest": ".llm._backends",
    "Condition": ".identify._suggestions",
    "ConsensusEdge": ".review._merge",
    "CovariateStrength": ".data._sensitivity",
    "Critique": ".identify._findings",
    "CyclicGraphError": ".core._errors",
    "DroppedEdge": ".graph._causal_graph",
    "EXERCISE_STUDY_EDGES": ".data._example_study",
    "EXERCISE_STUDY_EFFECT": ".data._example_study",
    "Edge": ".graph._causal_graph",
    "EffectEstimate": ".analysis._results",
    "Evidence": ".analysis._ledger",
    "FailedBatchLine": ".llm._batch_results",
    "Finding": ".identify._findings",
    "GraphComparison": ".evaluate._metrics",
    "GraphFormatError": ".core._errors",
    "Identification": ".analysis._results",
    "ImplicationTest": ".data._implication_tests",
    "ImplicationTests": ".data._implication_tests",
    "IncompleteOutputError": ".core._errors",
    "InputError": ".core._errors",
    "InvalidOutputError": ".core._errors",
    "LanguageModel": ".llm._engine",
    "LocalModelUnavailableError": ".core._errors",
    "LocalServer": ".llm._local",
    "MERGE_RULES": ".review._merge",
    "ModelError": ".core._errors",
    "NetworkBlockedError": ".core._errors",
    "NotADagError": ".core._errors",
    "OpenAIBackend": ".llm._backends",
    "OptionalDependencyError": ".core._errors",
    "ProgressBar": ".llm._progress",
    "ProgressEvent": ".llm._engine",
    "PromptLibrary": ".llm._prompts",
    "PromptTooLargeError": ".core._errors",
    "Provenance": ".graph._causal_graph",
    "QueriesFailedError": ".core._errors",
    "Query": ".llm._query",
    "RefusalError": ".core._errors",
    "Refutation": ".analysis._results",
    "ReplayMissError": ".core._errors",
    "RequestRejectedError": ".core._errors",
    "ResponseCache": ".llm._cache",
    "RetriesExhaustedError": ".core._errors",
    "RetryPolicy": ".llm._retry",
    "ReviewAgreement": ".review._agreement",
    "ReviewConsensus": ".review._merge",
    "ReviewDecision": ".review._decisions",
    "ReviewDecisions": ".review._decisions",
    "ReviewError": ".core._errors",
    "ReviewerVote": ".review._merge",
    "SensitivityBound": ".data._sensitivity",
    "SensitivityReport": ".data._sensitivity",
    "SimulatedExpert": ".evaluate._simulated_expert",
    "StepRecord": ".analysis._results",
    "SuggestedEdit": ".identify._findings",
    "SuggestionOrigin": ".review._decisions",
    "Suggestions": ".identify._suggestions",
    "UndirectedEdge": ".graph._causal_graph",
    "UnorientedEdgesError": ".core._errors",
    "UntestablePair": ".data._implication_tests",
    "Usage": ".core._usage",
    "Variable": ".core._variables",
    "VariableSuggestion": ".identify._suggestions",
    "Variables": ".core._variables",
    "apply_edits": ".identify._edits",
    "apply_review": ".review._decisions",
    "check_graph": ".identify._checks",
    "compare_graphs": ".evaluate._metrics",
    "format_table": ".evaluate._table",
    "load_benchmark": ".evaluate._graphs",
    "merge_reviews": ".review._merge",
    "normalized_hamming_distance": ".evaluate._metrics",
    "rename_variables": ".evaluate._graphs",
    "run_benchmark": ".evaluate._benchmark",
    "run_pc": ".data._pc",
    "sensitivity_analysis": ".data._sensitivity",
    "simulate_data": ".data._simulate",
    "simulate_exercise_study": ".data._example_study",
    "suggest_graph": ".assistant._convenience",
    "test_implications": ".data._refute",
    "to_second_round_html": ".review._second_round",
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
    "AddedLatent",
    "AnalysisReport",
    "Answer",
    "Assistant",
    "AssistantError",
    "Assumption",
    "AssumptionsLedger",
    "Attempt",
    "BatchJob",
    "BatchReport",
    "BatchStatus",
    "BenchmarkGraph",
    "BenchmarkReport",
    "BenchmarkRow",
    "Budget",
    "BudgetExceededError",
    "CACHE_MODES",
    "CacheNotWritableError",
    "CausalGraph",
    "ChatBackend",
    "ChatRequest",
    "Condition",
    "ConsensusEdge",
    "CovariateStrength",
    "Critique",
    "CyclicGraphError",
    "DroppedEdge",
    "EXERCISE_STUDY_EDGES",
    "EXERCISE_STUDY_EFFECT",
    "Edge",
    "EffectEstimate",
    "Evidence",
    "FailedBatchLine",
    "Finding",
    "GraphComparison",
    "GraphFormatError",
    "Identification",
    "ImplicationTest",
    "ImplicationTests",
    "IncompleteOutputError",
    "InputError",
    "InvalidOutputError",
    "LanguageModel",
    "LocalModelUnavailableError",
    "LocalServer",
    "MERGE_RULES",
    "ModelError",
    "NetworkBlockedError",
    "NotADagError",
    "OpenAIBackend",
    "OptionalDependencyError",
    "ProgressBar",
    "ProgressEvent",
    "PromptLibrary",
    "PromptTooLargeError",
    "Provenance",
    "QueriesFailedError",
    "Query",
    "RefusalError",
    "Refutation",
    "ReplayMissError",
    "RequestRejectedError",
    "ResponseCache",
    "RetriesExhaustedError",
    "RetryPolicy",
    "ReviewAgreement",
    "ReviewConsensus",
    "ReviewDecision",
    "ReviewDecisions",
    "ReviewError",
    "ReviewerVote",
    "SensitivityBound",
    "SensitivityReport",
    "SimulatedExpert",
    "StepRecord",
    "SuggestedEdit",
    "SuggestionOrigin",
    "Suggestions",
    "UndirectedEdge",
    "UnorientedEdgesError",
    "UntestablePair",
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
    "merge_reviews",
    "normalized_hamming_distance",
    "rename_variables",
    "run_benchmark",
    "run_pc",
    "sensitivity_analysis",
    "simulate_data",
    "simulate_exercise_study",
    "suggest_graph",
    "test_implications",
    "to_second_round_html",
]
