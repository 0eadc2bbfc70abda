"""suggest_graph: ask the model for a causal graph and return it with its evidence.

A valid DAG by default; with ``acyclic=False`` a summary graph that keeps feedback loops; with
data and ``strategy="data_first"`` a graph learned from the data whose open edges the model
orients (`_data_first`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..core._errors import InputError
from ..core._variables import Variables, VariablesLike
from ..graph._causal_graph import CausalGraph
from ..llm._engine import LanguageModel, ProgressCallback
from ..llm._limits import PromptTooLargeError, estimate_tokens
from ._assembly import EdgeSource, assemble_graph
from ._constraints import Constraints
from ._data_first import STRATEGY as DATA_FIRST
from ._data_first_run import check_data_first_options, data_first_graph
from ._pairwise import PairwiseStrategy
from ._per_node import PerNodeStrategy
from ._strategy import GraphProblem, GraphStrategy
from ._whole import WholeGraphStrategy

if TYPE_CHECKING:
    from ..data._types import DataLike

StrategyName = Literal["auto", "per_node", "whole", "pairwise", "data_first"]

STRATEGIES: dict[str, GraphStrategy] = {
    strategy.name: strategy
    for strategy in (PerNodeStrategy(), WholeGraphStrategy(), PairwiseStrategy())
}
WHOLE_GRAPH_MAX_VARIABLES = 3
"""`auto` asks for the whole graph in one call up to this many variables, else per node."""
PROMPT_OVERHEAD_CHARACTERS = 3_000
"""Instructions and reply schema of one prompt, beyond the variables and the context."""


def _every_variable(problem: GraphProblem) -> int:
    return len(json.dumps(problem.described(), ensure_ascii=False))


def _one_pair(problem: GraphProblem) -> int:
    names = problem.variables.names
    return 2 * _every_variable(problem) // max(len(names), 1) + sum(len(n) + 4 for n in names)


#: strategy -> characters of its variables in one prompt (per_node, whole and data_first list
#: them all).
PROMPT_VARIABLE_CHARACTERS: dict[str, Callable[[GraphProblem], int]] = {
    "per_node": _every_variable,
    "whole": _every_variable,
    "pairwise": _one_pair,
    DATA_FIRST: _every_variable,
}


@dataclass(frozen=True)
class _Counted:
    """`data_first` for the size check: its calls are known once PC has run."""

    calls: int
    name: str = DATA_FIRST

    def call_count(self, variable_count: int) -> int:
        return self.calls


def check_run_size(
    language_model: LanguageModel,
    strategy: GraphStrategy | _Counted,
    problem: GraphProblem,
    samples: int,
) -> None:
    """Refuse a run whose prompts are estimated to be too large, before any query is built.

    The estimate (4 characters per token) is of what the run would send without a cache:
    each request against `LanguageModel.max_prompt_tokens`, and the whole run against
    `LanguageModel.max_run_tokens` (20,000,000 by default) or a larger budget ``max_tokens``.

    Raises:
        PromptTooLargeError: with the estimated prompt tokens and the limit.
    """
    measure = PROMPT_VARIABLE_CHARACTERS.get(strategy.name, _every_variable)
    characters = measure(problem) + len(problem.context or "") + PROMPT_OVERHEAD_CHARACTERS
    each = estimate_tokens(characters)
    requests = strategy.call_count(len(problem.variables)) * samples
    total = each * requests
    # A budget caps spending across reruns (cached answers are free), so a small one is no
    # reason to refuse up front; a large one raises the limit.
    budget = language_model.budget
    run_limit = max(language_model.max_run_tokens, (budget.max_tokens or 0) if budget else 0)
    where = f"{strategy.name} over {len(problem.variables):,} variables"
    if each > language_model.max_prompt_tokens:
        raise PromptTooLargeError(
            f"{where}: each prompt would be about {each:,} tokens, more than the "
            f"{language_model.max_prompt_tokens:,} one request may send; nothing was sent. "
            "Shorten the context or the descriptions, or use fewer variables",
            estimated_tokens=each,
            limit=language_model.max_prompt_tokens,
        )
    if total > run_limit:
        raise PromptTooLargeError(
            f"{where} x {samples} samples would send about {total:,} prompt tokens in "
            f"{requests:,} requests (about {each:,} each), more than the {run_limit:,} one "
            "run may send; nothing was sent. Use fewer variables or samples, strategy 'whole' "
            "(one request per sample), or raise the limit (--max-tokens N, or "
            "budget=Budget(max_tokens=N))",
            estimated_tokens=total,
            limit=run_limit,
        )


def choose_strategy(name: str, variable_count: int) -> GraphStrategy:
    """Return the strategy called `name`; ``auto`` picks by the number of variables.

    ``auto`` never needs more than n+1 calls per sample: ``whole`` (1 call) for up to
    `WHOLE_GRAPH_MAX_VARIABLES` variables, ``per_node`` (n calls) above.
    """
    if name == "auto":
        name = "whole" if variable_count <= WHOLE_GRAPH_MAX_VARIABLES else "per_node"
    try:
        return STRATEGIES[name]
    except KeyError:
        raise InputError(
            f"unknown strategy {name!r}: choose one of auto, {', '.join(STRATEGIES)}, "
            f"{DATA_FIRST} (with data)"
        ) from None


async def suggest_graph_with(
    language_model: LanguageModel,
    variables: VariablesLike,
    *,
    context: str | None = None,
    strategy: str = "auto",
    samples: int = 1,
    threshold: float = 0.5,
    required: Iterable[Sequence[str]] = (),
    forbidden: Iterable[Sequence[str]] = (),
    tiers: Iterable[Iterable[str]] | None = None,
    personas: Sequence[str] = (),
    progress: ProgressCallback | None = None,
    acyclic: bool = True,
    data: DataLike | None = None,
    types: Mapping[str, str] | None = None,
    alpha: float = 0.05,
) -> CausalGraph:
    """Ask `language_model` for a causal graph (the engine of `Assistant.suggest_graph`)."""
    if strategy == "auto" and data is not None:
        strategy = DATA_FIRST
    check_data_first_options(strategy, data, samples=samples, acyclic=acyclic)
    collection = Variables(variables)
    if len(collection) < 2:
        raise InputError("suggest_graph needs at least two variables")
    if samples < 1:
        raise InputError(f"samples must be 1 or more, not {samples}")
    if not 0.0 <= threshold <= 1.0:
        raise InputError(f"threshold is a vote share between 0 and 1, not {threshold}")
    if isinstance(personas, str):
        personas = (personas,)
    constraints = Constraints.build(collection, required=required, forbidden=forbidden, tiers=tiers)
    if strategy == DATA_FIRST and data is not None:
        problem = GraphProblem(collection, context, constraints)
        return await data_first_graph(
            language_model,
            problem,
            data,
            alpha=alpha,
            types=types,
            personas=personas,
            progress=progress,
            check_size=lambda count: check_run_size(
                language_model, _Counted(count), problem, samples=1
            ),
        )
    chosen = choose_strategy(strategy, len(collection))
    problem = GraphProblem(collection, context, constraints, acyclic=acyclic)
    check_run_size(language_model, chosen, problem, samples)
    queries = [
        query
        for sample in range(samples)
        for query in chosen.queries(
            problem, sample, personas[sample % len(personas)] if personas else None
        )
    ]
    async with language_model.run(progress) as run:
        answers = await language_model.ask_many(queries, run)
        usage = run.usage
    proposals = [edge for answer in answers for edge in chosen.proposals(answer)]
    template = queries[0].template if queries else chosen.template
    version = language_model.prompts.version(template)
    return assemble_graph(
        collection,
        proposals,
        samples=samples,
        threshold=threshold,
        constraints=constraints,
        source=EdgeSource(model=language_model.model, prompt_version=version, strategy=chosen.name),
        usage=usage,
        acyclic=acyclic,
        metadata={
            "task": "suggest_graph",
            "model": language_model.model,
            "strategy": chosen.name,
            "samples": samples,
            "threshold": threshold,
            "prompt_version": version,
            "personas": list(personas),
            "context": context,
            "constraints": constraints.as_lists(),
        },
    )
