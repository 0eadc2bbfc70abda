"""suggest_graph: ask the model for a causal graph and return a valid DAG with evidence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from ..core._errors import InputError
from ..core._variables import Variables, VariablesLike
from ..graph._causal_graph import CausalGraph
from ..llm._engine import LanguageModel, ProgressCallback
from ._assembly import EdgeSource, assemble_graph
from ._constraints import Constraints
from ._pairwise import PairwiseStrategy
from ._per_node import PerNodeStrategy
from ._strategy import GraphProblem, GraphStrategy
from ._whole import WholeGraphStrategy

StrategyName = Literal["auto", "per_node", "whole", "pairwise"]

STRATEGIES: dict[str, GraphStrategy] = {
    strategy.name: strategy
    for strategy in (PerNodeStrategy(), WholeGraphStrategy(), PairwiseStrategy())
}
WHOLE_GRAPH_MAX_VARIABLES = 3
"""`auto` asks for the whole graph in one call up to this many variables, else per node."""


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
            f"unknown strategy {name!r}: choose one of auto, {', '.join(STRATEGIES)}"
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
) -> CausalGraph:
    """Ask `language_model` for a causal graph (the engine of `Assistant.suggest_graph`)."""
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
    chosen = choose_strategy(strategy, len(collection))
    problem = GraphProblem(collection, context, constraints)
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
    version = language_model.prompts.version(chosen.template)
    return assemble_graph(
        collection,
        proposals,
        samples=samples,
        threshold=threshold,
        constraints=constraints,
        source=EdgeSource(model=language_model.model, prompt_version=version, strategy=chosen.name),
        usage=usage,
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
