"""Module-level shortcuts for one-off calls."""

from __future__ import annotations

from typing import Any

from ..core._variables import VariablesLike
from ..graph._causal_graph import CausalGraph
from ._assistant import Assistant


def suggest_graph(
    variables: VariablesLike,
    *,
    model: str | None = None,
    assistant: Assistant | None = None,
    local: bool = False,
    **options: Any,
) -> CausalGraph:
    """Propose a causal DAG in one call; see `Assistant.suggest_graph` for the options.

    Args:
        variables: names, a dict name -> description, or `Variable` objects.
        model: model name for a new `Assistant` (default: ``$PYWHY_LLM_ASSIST_MODEL``).
        assistant: an existing assistant to use instead.
        local: use the embedded local model (started and stopped for this call).
        options: passed to `Assistant.suggest_graph` (context, strategy, samples, ...).

    Example:
        >>> import pywhy_llm_assist
        >>> pywhy_llm_assist.suggest_graph(["rain", "mud"], local=True)  # doctest: +SKIP
    """
    if assistant is not None:
        return assistant.suggest_graph(variables, **options)
    if local:
        with Assistant.local() as local_assistant:
            return local_assistant.suggest_graph(variables, **options)
    return Assistant(model).suggest_graph(variables, **options)
