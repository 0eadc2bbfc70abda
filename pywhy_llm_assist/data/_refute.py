"""`test_implications`: confront a graph's implied independences with data."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import networkx as nx

from ..core._errors import InputError
from ..graph._causal_graph import CausalGraph
from ._implication_tests import ImplicationTest, ImplicationTests, UntestablePair
from ._implications import implied_independences
from ._independence import (
    KERNEL_TESTS,
    TEST_NAMES,
    Outcome,
    TestName,
    choose_test,
    require_causal_learn,
    run_test,
)
from ._types import (
    DataLike,
    EncodedColumn,
    VariableKind,
    as_frame,
    encode_frame,
    require_columns,
    resolve_kinds,
)

METHODS: tuple[str, ...] = ("auto", *TEST_NAMES)
"""What ``method=`` accepts: ``auto`` (a test per implication from the variables' types) or
one test for every implication."""

#: The range p-values are clipped to in the Cauchy combination (0 and 1 map to infinities).
_SMALLEST_P, _LARGEST_P = 1e-300, 0.999

ItemT = TypeVar("ItemT")


def as_causal_graph(graph: object) -> CausalGraph:
    """A `CausalGraph` from a `CausalGraph` or a `networkx.DiGraph`; else `InputError`."""
    if isinstance(graph, CausalGraph):
        return graph
    if isinstance(graph, nx.DiGraph):
        return CausalGraph.from_networkx(graph)
    raise InputError(
        f"graph must be a CausalGraph or a networkx.DiGraph, not {type(graph).__name__} "
        "(build one with CausalGraph.from_edges, from_networkx or from_dot)"
    )


def _fixed_test(method: str) -> Callable[[Sequence[VariableKind]], TestName]:
    def pick(kinds: Sequence[VariableKind]) -> TestName:
        return method  # type: ignore[return-value]

    return pick


def _fisher_z_sides(
    kinds: Mapping[str, VariableKind], columns: Mapping[str, EncodedColumn], names: Sequence[str]
) -> str:
    """Why ``fisher_z`` cannot take x or y (a discrete side with more than two levels)."""
    for name in names[:2]:
        if kinds[name] == "discrete" and len(columns[name].levels) > 2:
            return (
                f"fisher_z needs x and y continuous or binary, and {name!r} has "
                f"{len(columns[name].levels)} levels; use method='residual' or 'auto'"
            )
    return ""


def _g_test_sides(
    kinds: Mapping[str, VariableKind], columns: Mapping[str, EncodedColumn], names: Sequence[str]
) -> str:
    """Why ``g_test`` cannot run (a continuous variable: it is never binned)."""
    continuous = [name for name in names if kinds[name] == "continuous"]
    if continuous:
        return (
            f"the G-test needs discrete variables and {continuous[0]!r} is continuous "
            "(continuous variables are never binned); use method='residual' or 'auto'"
        )
    return ""


#: test -> why it cannot take these variables ("" when it can), for a test forced by `method`.
_PRECONDITIONS: dict[
    str,
    Callable[[Mapping[str, VariableKind], Mapping[str, EncodedColumn], Sequence[str]], str],
] = {"fisher_z": _fisher_z_sides, "g_test": _g_test_sides}


def _progress(items: Sequence[ItemT], show: bool) -> Iterator[ItemT]:
    if not show:
        yield from items
        return
    from tqdm.auto import tqdm

    yield from tqdm(items, desc="implication tests", unit="test", disable=None, leave=False)


def test_implications(
    graph: CausalGraph | nx.DiGraph[Any],
    data: DataLike,
    *,
    alpha: float = 0.05,
    method: str = "auto",
    types: Mapping[str, str] | None = None,
    progress: bool | None = None,
) -> ImplicationTests:
    """Test every independence `graph` implies against `data`.

    One implication per pair of measured variables with no edge between them: they should be
    independent given a minimal separating set of measured variables. Each is tested on the
    complete rows of its own variables, with a test chosen from their types (``auto``):
    Fisher z for continuous ones, a G-test for discrete ones, and a residual test (canonical
    correlations of regression residuals, Pillai's trace) for mixed ones. The p-values are
    corrected with Benjamini-Hochberg, and a Cauchy combination test tests the whole set at once
    (it stays valid although the tests share variables). Pairs that
    no measured set separates are listed in ``untestable``.

    Args:
        graph: a `CausalGraph` (latent variables are unmeasured) or a `networkx.DiGraph`.
        data: a pandas DataFrame (or a mapping of columns) with a column per measured variable;
            other columns are ignored.
        alpha: level of the Benjamini-Hochberg correction (false discovery rate).
        method: ``auto``, or one test for all: ``fisher_z``, ``g_test``, ``residual``, or a
            kernel test from causal-learn (``kci``, ``rcit``; non-linear, slow).
        types: ``{"name": "discrete" | "continuous"}`` for variables whose detected kind is
            wrong (detected from dtypes and distinct values, see `detect_kind`).
        progress: show a progress bar (None: only for the slow kernel tests, on a terminal).

    Returns:
        `ImplicationTests`: ``tests`` (a row per implication), ``rejected``,
        ``global_p_value``, ``consistent``, ``to_frame()`` and ``plot()``.

    Raises:
        InputError: a cyclic graph or one with unoriented edges (`CyclicGraphError`,
            `UnorientedEdgesError`: the implied independences need a DAG), a measured variable
            missing from the data, no rows, a bad `alpha`, `method` or `types`.
        OptionalDependencyError: a kernel test without causal-learn.

    Example:
        >>> from pywhy_llm_assist import CausalGraph, simulate_data
        >>> truth = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c")])
        >>> draft = truth.without_edges([("a", "c")])
        >>> result = test_implications(draft, simulate_data(truth, 1000, seed=0))
        >>> [row.independence for row in result.rejected], result.consistent
        (['a ⊥ c | {b}'], False)
    """
    causal_graph = as_causal_graph(graph)
    causal_graph.require_dag("test_implications")
    if not (isinstance(alpha, int | float) and 0.0 < float(alpha) < 1.0):
        raise InputError(f"alpha must be between 0 and 1 (exclusive), not {alpha!r}")
    if method not in METHODS:
        raise InputError(f"method {method!r} is not known; use one of {', '.join(METHODS)}")
    if method in KERNEL_TESTS:
        require_causal_learn(method)
    frame = as_frame(data)
    require_columns(causal_graph, frame)
    kinds = resolve_kinds(causal_graph, frame, types)
    columns = encode_frame(frame, kinds)
    implications, unseparable = implied_independences(causal_graph)
    pick = choose_test if method == "auto" else _fixed_test(method)
    show = progress if progress is not None else method in KERNEL_TESTS
    outcomes: list[tuple[Any, Outcome]] = []
    for implication in _progress(implications, show):
        names = (implication.x, implication.y, *implication.given)
        test = pick([kinds[name] for name in names])
        precondition = _PRECONDITIONS.get(test)
        refusal = precondition(kinds, columns, names) if precondition else ""
        if refusal:
            outcome = Outcome(test, None, None, None, None, None, 0, refusal)
        else:
            outcome = run_test(test, (implication.x, implication.y, implication.given), columns)
        outcomes.append((implication, outcome))
    rows, statistic, global_p = _correct(outcomes, float(alpha))
    return ImplicationTests(
        tests=tuple(rows),
        untestable=tuple(
            UntestablePair(x=item.x, y=item.y, reason=item.reason) for item in unseparable
        ),
        alpha=float(alpha),
        method=method,
        types=kinds,
        rows=len(frame),
        global_statistic=statistic,
        global_p_value=global_p,
        graph_fingerprint=causal_graph.fingerprint(),
    )


test_implications.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest


def cauchy_combination(p_values: Sequence[float]) -> tuple[float, float]:
    """The Cauchy combination test of p-values: its statistic and global p-value.

    ``T = mean(tan((0.5 - p) π))`` follows a standard Cauchy law when every null holds, under
    any dependence between the tests that is bivariate normal (Liu and Xie 2020, JASA
    115:393). Implications share variables, so their tests are dependent; Fisher's C assumes
    independent tests and rejects a true graph far more often than alpha (see
    ``benchmarks/results/implications.txt``). p-values are clipped to [1e-300, 0.999] so
    that one test with p = 1 cannot cancel the others.

    Example:
        >>> round(cauchy_combination([0.5, 0.5])[1], 3), cauchy_combination([1e-8, 0.9])[1] < 1e-7
        (0.5, True)
    """
    import numpy as np

    values = np.clip(np.asarray(p_values, dtype=float), _SMALLEST_P, _LARGEST_P)
    small = values < 1e-15  # tan((0.5 - p) π) ≈ 1 / (p π), without rounding p to 0
    terms = np.where(small, 1.0 / (np.maximum(values, _SMALLEST_P) * np.pi), 0.0)
    terms[~small] = np.tan((0.5 - values[~small]) * np.pi)
    statistic = float(np.mean(terms))
    if statistic > 1e15:
        return statistic, float(1.0 / (statistic * np.pi))
    return statistic, float(0.5 - np.arctan(statistic) / np.pi)


def _correct(
    outcomes: Sequence[tuple[Any, Outcome]], alpha: float
) -> tuple[list[ImplicationTest], float | None, float | None]:
    """Benjamini-Hochberg adjusted p-values, rejections, and the Cauchy combination test."""
    import numpy as np
    from scipy import stats

    p_values = [outcome.p_value for _, outcome in outcomes if outcome.p_value is not None]
    adjusted: Iterator[float] = iter(())
    statistic = global_p = None
    if p_values:
        values = np.asarray(p_values, dtype=float)
        adjusted = iter(stats.false_discovery_control(values, method="bh").tolist())
        statistic, global_p = cauchy_combination(p_values)
        global_p = min(max(global_p, 0.0), 1.0)
    rows = []
    for implication, outcome in outcomes:
        corrected = next(adjusted) if outcome.p_value is not None else None
        rows.append(
            ImplicationTest(
                x=implication.x,
                y=implication.y,
                given=implication.given,
                test=outcome.test,
                statistic=outcome.statistic,
                degrees_of_freedom=outcome.degrees_of_freedom,
                p_value=outcome.p_value,
                adjusted_p_value=None if corrected is None else min(max(corrected, 0.0), 1.0),
                effect_size=outcome.effect_size,
                effect_measure=outcome.effect_measure,
                rows_used=outcome.rows_used,
                rejected=corrected is not None and corrected <= alpha,
                reason=outcome.reason,
            )
        )
    return rows, statistic, global_p
