"""Conventions of the public API: sorted, resolvable `__all__`, docstrings everywhere."""

from __future__ import annotations

import doctest
import importlib
import inspect
from types import ModuleType

import pytest

import pywhy_llm_assist
import pywhy_llm_assist.testing

PUBLIC_MODULES = [pywhy_llm_assist, pywhy_llm_assist.testing]

# The names exported when this test was written. More may be added; none may disappear.
PINNED = frozenset(
    {
        "Answer",
        "Assistant",
        "AssistantError",
        "Attempt",
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
        "ProgressBar",
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
        "SuggestedEdit",
        "Suggestions",
        "Usage",
        "Variable",
        "VariableSuggestion",
        "Variables",
        "__version__",
        "apply_edits",
        "check_graph",
        "suggest_graph",
    }
)
PINNED_TESTING = frozenset({"RawResponse", "ScriptedModel", "completion"})

# Modules of the LLM layer whose docstring examples must run (the others are tested elsewhere).
DOCTEST_MODULES = [
    "pywhy_llm_assist.assistant._assistant",
    "pywhy_llm_assist.llm._cache",
    "pywhy_llm_assist.llm._prompts",
    "pywhy_llm_assist.core._variables",
    "pywhy_llm_assist.llm._local",
    "pywhy_llm_assist.testing",
    "pywhy_llm_assist.testing._scripted",
]


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda module: module.__name__)
def test_all_is_sorted_and_unique(module: ModuleType) -> None:
    names = list(module.__all__)
    assert names == sorted(names), "keep __all__ sorted (plain sorted() order)"
    assert len(names) == len(set(names))


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda module: module.__name__)
def test_every_exported_name_resolves(module: ModuleType) -> None:
    for name in module.__all__:
        assert hasattr(module, name), f"{module.__name__}.__all__ names missing {name!r}"
    namespace: dict[str, object] = {}
    exec(f"from {module.__name__} import *", namespace)
    assert set(module.__all__) <= set(namespace)


def test_pinned_names_are_still_exported() -> None:
    assert PINNED - set(pywhy_llm_assist.__all__) == set()
    assert PINNED_TESTING - set(pywhy_llm_assist.testing.__all__) == set()


def test_public_classes_are_exported_without_private_module_names() -> None:
    for name in pywhy_llm_assist.__all__:
        assert not name.startswith("_") or name == "__version__"


def _public_callables() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for module in PUBLIC_MODULES:
        for name in module.__all__:
            value = getattr(module, name)
            if not (inspect.isclass(value) or inspect.isroutine(value)):
                continue  # constants and type aliases (Literal[...]) are not callables
            found.append((f"{module.__name__}.{name}", value))
            if inspect.isclass(value):
                for attribute, member in vars(value).items():
                    if attribute.startswith("_"):
                        continue
                    function = member.fget if isinstance(member, property) else member
                    if isinstance(function, classmethod | staticmethod):
                        function = function.__func__
                    if inspect.isfunction(function):
                        found.append((f"{module.__name__}.{name}.{attribute}", function))
    return found


def test_every_public_callable_has_a_docstring() -> None:
    missing = [
        label
        for label, value in _public_callables()
        if not (getattr(value, "__doc__", None) or "").strip()
    ]
    assert missing == [], f"add docstrings to: {missing}"


def test_version_matches_the_package_metadata() -> None:
    from importlib.metadata import version

    assert pywhy_llm_assist.__version__ == version("pywhy-llm-assist")


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
