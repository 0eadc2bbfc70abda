"""`simulate_data`: rows drawn from a causal graph, to see what the data tests can detect.

Three kinds of data, each faithful to the graph with moderate effects:

- ``linear``: a linear-Gaussian model; every variable is continuous.
- ``discrete``: every variable is categorical (its `Variable.states`, else two levels), drawn
  from a multinomial logit of its parents.
- ``mixed``: alternate continuous and discrete variables in the graph's order.

A continuous variable is the sum of its parents' standardized values (a discrete parent by its
level number) times coefficients of size `effect` with random signs, plus standard normal
noise, then standardized. A discrete variable with k levels has logits, for levels 1..k-1, of
the same weighted sum (level 0 is the reference). Latent variables are drawn and then left
out, so their children are confounded in the data just as in the graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx

from ..core._errors import InputError
from ..graph._causal_graph import CausalGraph
from ._types import VARIABLE_KINDS, VariableKind

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DataKind = Literal["linear", "discrete", "mixed"]
DATA_KINDS: tuple[DataKind, ...] = ("linear", "discrete", "mixed")
MAX_SIMULATED_LEVELS = 5


def _kinds(
    graph: CausalGraph, kind: str, types: Mapping[str, str] | None
) -> dict[str, VariableKind]:
    if kind not in DATA_KINDS:
        raise InputError(f"kind {kind!r} is not known; use one of {', '.join(DATA_KINDS)}")
    chosen: dict[str, VariableKind] = {}
    for index, name in enumerate(graph.names):
        if kind == "linear":
            chosen[name] = "continuous"
        elif kind == "discrete":
            chosen[name] = "discrete"
        else:
            chosen[name] = "continuous" if index % 2 == 0 else "discrete"
    for name, value in (types or {}).items():
        if name not in chosen:
            raise InputError(f"types names {name!r}, which is not a variable of the graph")
        if value not in VARIABLE_KINDS:
            raise InputError(
                f"types[{name!r}] is {value!r}; use one of {', '.join(VARIABLE_KINDS)}"
            )
        chosen[name] = value
    return chosen


def _levels(graph: CausalGraph, name: str) -> int:
    states = graph.variable(name).states
    if states and 2 <= len(states) <= MAX_SIMULATED_LEVELS:
        return len(states)
    return 2


def _standardized(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    import numpy as np

    spread = float(np.std(values))
    return np.asarray((values - values.mean()) / spread) if spread > 0 else values * 0.0


def simulate_data(
    graph: CausalGraph,
    rows: int,
    *,
    kind: str = "linear",
    seed: int | None = None,
    effect: tuple[float, float] = (0.5, 1.0),
    types: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Draw `rows` rows from a model faithful to `graph` (latent variables left out).

    Args:
        graph: an acyclic `CausalGraph`.
        rows: how many rows.
        kind: ``linear`` (Gaussian), ``discrete`` (categorical) or ``mixed``.
        seed: for reproducible draws (numpy's default generator).
        effect: the range of the coefficients' sizes (each gets a random sign).
        types: ``{"name": "continuous" | "discrete"}`` to choose a variable's kind.

    Returns:
        A DataFrame with one column per measured variable: floats for continuous variables,
        integer level numbers (0, 1, ...) for discrete ones.

    Example:
        >>> graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
        >>> frame = simulate_data(graph, 1000, seed=0)
        >>> list(frame.columns), len(frame), round(float(frame.corr().iloc[0, 1]), 2)
        (['a', 'b'], 1000, 0.67)
    """
    import numpy as np
    import pandas as pd

    graph.require_acyclic()
    if not isinstance(rows, int) or rows < 1:
        raise InputError(f"rows must be a positive whole number, not {rows!r}")
    low, high = effect
    if not 0 <= low <= high:
        raise InputError(f"effect must be a range (low, high) with 0 <= low <= high, not {effect}")
    kinds = _kinds(graph, kind, types)
    generator = np.random.default_rng(seed)
    network = graph.to_networkx()
    standardized: dict[str, np.ndarray[Any, Any]] = {}
    drawn: dict[str, np.ndarray[Any, Any]] = {}
    position = {name: index for index, name in enumerate(graph.names)}
    # A fixed order (ties by variable order): the same graph gives the same rows, whatever the
    # order its edges were listed in.
    for name in nx.lexicographical_topological_sort(network, key=position.__getitem__):
        parents = sorted(network.predecessors(name), key=position.__getitem__)
        if kinds[name] == "continuous":
            weights = generator.uniform(low, high, len(parents)) * generator.choice(
                [-1.0, 1.0], len(parents)
            )
            total = generator.standard_normal(rows)
            for weight, parent in zip(weights, parents, strict=True):
                total += weight * standardized[parent]
            drawn[name] = _standardized(total)
        else:
            levels = _levels(graph, name)
            logits = np.zeros((rows, levels))
            for level in range(1, levels):
                weights = generator.uniform(low, high, len(parents)) * generator.choice(
                    [-1.0, 1.0], len(parents)
                )
                logits[:, level] = generator.normal(0.0, 0.5)
                for weight, parent in zip(weights, parents, strict=True):
                    logits[:, level] += weight * standardized[parent]
            chances = np.exp(logits - logits.max(axis=1, keepdims=True))
            chances /= chances.sum(axis=1, keepdims=True)
            cumulative = np.cumsum(chances, axis=1)
            cumulative[:, -1] = 1.0
            drawn[name] = (generator.random(rows)[:, None] > cumulative).sum(axis=1)
        standardized[name] = _standardized(np.asarray(drawn[name], dtype=float))
    frame: pd.DataFrame = pd.DataFrame(
        {
            name: drawn[name].astype(np.int64) if kinds[name] == "discrete" else drawn[name]
            for name in graph.observed
        }
    )
    return frame
