"""PC on the analyst's data: causal-learn's algorithm with our typed conditional-independence tests.

causal-learn's PC (Spirtes, Glymour and Scheines) finds the skeleton, orients the unshielded
colliders and applies Meek's rules; what it calls to test ``x ⊥ y | S`` is a ``CIT_Base``
object. We give it `TypedTest`, which runs the data layer's test chosen from the variables'
types (Fisher z for continuous triples, the G-test with Williams' correction for discrete
ones, the residual Pillai test for mixed ones) on the complete rows of the test's own
variables. Why not causal-learn's own ``fisherz`` / ``gsq`` chosen by type: neither takes
missing values row by row, ``gsq`` needs every column discrete and ``fisherz`` every column
continuous, so a mixed data set has no right choice among them; and one test family keeps PC's
answers consistent with `test_implications` on the same data.

causal-learn's ``pc()`` only accepts tests by name (custom ones need ``register_ci_test``, absent
before 0.1.4.8), so `run_pc` calls the same steps ``pc()`` does (skeleton discovery, background
knowledge, ``uc_sepset`` with priority 2, Meek), with a test object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core._errors import InputError, OptionalDependencyError
from ..core._variables import Variables, VariablesLike
from ..graph._causal_graph import CausalGraph
from ..graph._exports import CAUSALLEARN_EXTRA
from ._independence import choose_test, run_test
from ._types import DataLike, EncodedColumn, VariableKind, as_frame, encode_frame, resolve_kinds

if TYPE_CHECKING:
    import numpy as np

#: The collider rule's conflict priority, as in ``pc()``'s default (2: keep existing colliders).
COLLIDER_PRIORITY = 2


@dataclass
class TestLog:
    """How many tests PC ran and how many could not run (counted as independence)."""

    run: int = 0
    untestable: int = 0
    by_test: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def _typed_test_class() -> Any:
    """`TypedTest` is built on causal-learn's ``CIT_Base``, imported only when PC runs."""
    from causallearn.utils.cit import CIT_Base

    class TypedTest(CIT_Base):  # type: ignore[misc]
        """causal-learn's test interface over the data layer's typed tests.

        A test that cannot run (too few complete rows, a constant column) returns p = 1, as
        pcalg's ``gSquareDis`` does for too small samples: without evidence of dependence the
        edge is removed, and the count is reported in the result's metadata.
        """

        def __init__(
            self,
            data: np.ndarray[Any, Any],
            names: Sequence[str],
            columns: Mapping[str, EncodedColumn],
            kinds: Mapping[str, VariableKind],
            log: TestLog,
        ) -> None:
            super().__init__(data)
            self.check_cache_method_consistent("pywhy_llm_assist_typed", "types")
            self.names = list(names)
            self.columns = dict(columns)
            self.kinds = dict(kinds)
            self.log = log

        def __call__(self, X: Any, Y: Any, condition_set: Any = None) -> float:
            given = tuple(sorted(int(item) for item in (condition_set or ())))
            x, y = sorted((int(X), int(Y)))
            key = f"{x};{y}|{','.join(map(str, given))}"
            if key in self.pvalue_cache:
                return float(self.pvalue_cache[key])
            names = (self.names[x], self.names[y], tuple(self.names[i] for i in given))
            test = choose_test([self.kinds[name] for name in (names[0], names[1], *names[2])])
            outcome = run_test(test, names, self.columns)
            self.log.run += 1
            self.log.by_test[test] = self.log.by_test.get(test, 0) + 1
            if outcome.p_value is None:
                self.log.untestable += 1
                if len(self.log.reasons) < 5:
                    self.log.reasons.append(outcome.reason)
                p_value = 1.0
            else:
                p_value = float(outcome.p_value)
            self.pvalue_cache[key] = p_value
            return p_value

    return TypedTest


def _background(
    names: Sequence[str],
    required: Sequence[tuple[str, str]],
    forbidden: Iterable[tuple[str, str]],
    tiers: Sequence[Sequence[str]],
) -> Any:
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge

    nodes = {name: GraphNode(name) for name in names}
    knowledge = BackgroundKnowledge()
    for source, target in required:
        knowledge.add_required_by_node(nodes[source], nodes[target])
    for source, target in forbidden:
        knowledge.add_forbidden_by_node(nodes[source], nodes[target])
    tier_of = {name: index for index, tier in enumerate(tiers) for name in tier}
    for source in names:
        for target in names:
            if source in tier_of and target in tier_of and tier_of[source] > tier_of[target]:
                knowledge.add_forbidden_by_node(nodes[source], nodes[target])
    return knowledge


def run_pc(
    variables: VariablesLike,
    data: DataLike,
    *,
    alpha: float = 0.05,
    types: Mapping[str, str] | None = None,
    required: Iterable[Sequence[str]] = (),
    forbidden: Iterable[Sequence[str]] = (),
    tiers: Iterable[Iterable[str]] | None = None,
) -> CausalGraph:
    """Learn a CPDAG from `data` with causal-learn's PC and the typed tests.

    Args:
        variables: the variables (names, a dict name -> description, or `Variable` objects);
            each must be a column of `data`.
        data: a pandas DataFrame (or a mapping of columns); missing values are allowed, each
            test uses the complete rows of its own variables.
        alpha: the level of each conditional-independence test.
        types: ``{"name": "continuous" | "discrete"}`` for a wrongly detected kind.
        required, forbidden: ``(cause, effect)`` pairs given to PC as background knowledge.
            A required edge PC removes comes back, reported (see `from_causallearn`).
        tiers: temporal order, earliest first: no edge points into an earlier tier.

    Returns:
        A `CausalGraph` whose ``---`` edges are the ones the data cannot orient (in
        `CausalGraph.undirected`) and whose directed edges PC oriented; ``metadata["pc"]``
        holds alpha, the tests run by kind and how many could not run.

    Raises:
        InputError: fewer than two variables, a variable missing from the data, a bad alpha.
        OptionalDependencyError: causal-learn is not installed.

    Example:
        >>> from pywhy_llm_assist import CausalGraph, simulate_data
        >>> truth = CausalGraph.from_edges(["a", "b", "c"], [("a", "c"), ("b", "c")])
        >>> run_pc(truth.variables, simulate_data(truth, 2000, seed=1)).edge_pairs
        [('a', 'c'), ('b', 'c')]
    """
    try:
        from causallearn.utils.PCUtils import Meek, SkeletonDiscovery, UCSepset
        from causallearn.utils.PCUtils.BackgroundKnowledgeOrientUtils import (
            orient_by_background_knowledge,
        )
    except ImportError:
        raise OptionalDependencyError(
            f"run_pc and strategy='data_first' need causal-learn: {CAUSALLEARN_EXTRA}"
        ) from None
    import numpy as np

    collection = Variables(variables)
    if len(collection) < 2:
        raise InputError("PC needs at least two variables")
    if not (isinstance(alpha, int | float) and 0.0 < float(alpha) < 1.0):
        raise InputError(f"alpha must be between 0 and 1 (exclusive), not {alpha!r}")
    frame = as_frame(data)
    names = list(collection.names)
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise InputError(
            f"variable {missing[0]!r} is not a column of the data ({len(missing)} of "
            f"{len(names)} are missing); the data's columns are {list(frame.columns)[:12]}"
        )
    scaffold = CausalGraph(variables=tuple(collection))
    kinds = resolve_kinds(scaffold, frame, types)
    columns = encode_frame(frame, kinds)
    required_pairs = [(str(pair[0]), str(pair[1])) for pair in required]
    forbidden_pairs = [(str(pair[0]), str(pair[1])) for pair in forbidden]
    tier_list = [list(tier) for tier in (tiers or ())]
    for role, named in (
        ("required edge end", [name for pair in required_pairs for name in pair]),
        ("forbidden edge end", [name for pair in forbidden_pairs for name in pair]),
        ("tier member", [name for tier in tier_list for name in tier]),
    ):
        collection.require(named, role=role)
    matrix = np.column_stack([np.asarray(columns[name].values, dtype=float) for name in names])
    log = TestLog()
    test = _typed_test_class()(matrix, names, columns, kinds, log)
    knowledge = _background(names, required_pairs, forbidden_pairs, tier_list)
    learned = SkeletonDiscovery.skeleton_discovery(
        matrix,
        float(alpha),
        test,
        True,  # stable: the result does not depend on the variables' order
        background_knowledge=knowledge,
        verbose=False,
        show_progress=False,
        node_names=names,
    )
    orient_by_background_knowledge(learned, knowledge)
    learned = UCSepset.uc_sepset(learned, COLLIDER_PRIORITY, background_knowledge=knowledge)
    learned = Meek.meek(learned, background_knowledge=knowledge)
    graph = CausalGraph.from_causallearn(learned, collection, required=required_pairs)
    metadata = dict(graph.metadata)
    metadata["pc"] = {
        "alpha": float(alpha),
        "rows": len(frame),
        "kinds": dict(kinds),
        "tests_run": log.run,
        "tests_by_kind": dict(sorted(log.by_test.items())),
        "untestable": log.untestable,
        "untestable_examples": log.reasons,
    }
    return graph.model_copy(update={"metadata": metadata})
