"""Run ``strategy="data_first"``: PC on the data, the orientation questions, the combination."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..core._errors import InputError
from ..data._pc import run_pc
from ..data._types import DataLike
from ..graph._causal_graph import CausalGraph
from ..llm._engine import LanguageModel, ProgressCallback
from ._assembly import EdgeSource
from ._data_first import (
    STRATEGY,
    TEMPLATE,
    Pair,
    Verdict,
    call_bound,
    orientation_queries,
    questions_for,
    read_verdict,
)
from ._data_orient import combine
from ._strategy import GraphProblem


async def data_first_graph(
    language_model: LanguageModel,
    problem: GraphProblem,
    data: DataLike,
    *,
    alpha: float,
    types: Mapping[str, str] | None,
    personas: Sequence[str],
    progress: ProgressCallback | None,
    check_size: Callable[[int], None],
) -> CausalGraph:
    """The engine of ``suggest_graph(variables, data=df, strategy="data_first")``.

    `check_size` is called with the number of queries once PC has run, before any is sent (it
    refuses a run whose prompts would be too large).
    """
    constraints = problem.constraints
    data_graph = await asyncio.to_thread(  # PC is CPU work: keep the event loop free
        run_pc,
        problem.variables,
        data,
        alpha=alpha,
        types=types,
        required=constraints.required,
        forbidden=sorted(constraints.forbidden),
        tiers=constraints.tiers,
    )
    questions = questions_for(data_graph, problem)
    queries = orientation_queries(questions, problem, personas[0] if personas else None)
    bound = call_bound(data_graph)
    if len(queries) > bound:  # pragma: no cover - a guard on the construction above
        raise AssertionError(f"{len(queries)} queries exceed the bound of {bound}")
    check_size(len(queries))
    async with language_model.run(progress) as run:
        answers = await language_model.ask_many(queries, run) if queries else []
        usage = run.usage
    verdicts: dict[Pair, list[Verdict]] = {question.pair: [] for question in questions}
    by_order = {order: question.pair for question in questions for order in question.orders()}
    for answer in answers:
        verdicts[by_order[answer.query.subject]].append(read_verdict(answer))  # type: ignore[index]
    version = language_model.prompts.version(TEMPLATE)
    source = EdgeSource(model=language_model.model, prompt_version=version, strategy=STRATEGY)
    graph, report = combine(data_graph, questions, verdicts, constraints=constraints, source=source)
    report["calls"] = {"queries": len(queries), "bound": bound}
    metadata: dict[str, Any] = {
        "task": "suggest_graph",
        "model": language_model.model,
        "strategy": STRATEGY,
        "samples": 1,
        "prompt_version": version,
        "personas": list(personas),
        "context": problem.context,
        "constraints": constraints.as_lists(),
        "pc": data_graph.metadata.get("pc", {}),
        "data_first": report,
    }
    removed = data_graph.metadata.get("required_removed_by_data")
    if removed:
        metadata["required_removed_by_data"] = removed
    return graph.model_copy(
        update={"usage": usage, "metadata": metadata, "dropped": data_graph.dropped}
    )


def check_data_first_options(
    strategy: str, data: DataLike | None, *, samples: int, acyclic: bool
) -> None:
    """Refuse option combinations that `data_first` cannot honour, saying what to change."""
    if data is not None and strategy != STRATEGY:
        raise InputError(
            f"data is used only by strategy='data_first' (or 'auto'), not {strategy!r}; "
            "pass strategy='data_first' or leave the data out"
        )
    if strategy == STRATEGY and data is None:
        raise InputError("strategy='data_first' needs data: suggest_graph(variables, data=frame)")
    if strategy == STRATEGY and samples != 1:
        raise InputError(
            "strategy='data_first' asks each question once per order (two orders for an edge the "
            f"data leave open): use samples=1, not {samples}"
        )
    if strategy == STRATEGY and not acyclic:
        raise InputError(
            "strategy='data_first' learns an acyclic graph's equivalence class with PC; it "
            "cannot keep feedback loops: use acyclic=True, or another strategy with acyclic=False"
        )
