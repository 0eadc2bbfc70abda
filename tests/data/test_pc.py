"""run_pc: causal-learn's PC with the typed tests, cross-checked against causal-learn's own pc()."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pywhy_llm_assist import CausalGraph, InputError, compare_graphs, load_benchmark, run_pc
from pywhy_llm_assist.data._simulate import simulate_data

pc_module = pytest.importorskip("causallearn.search.ConstraintBased.PC")


def structure(graph: CausalGraph) -> tuple[set[tuple[str, str]], set[frozenset[str]]]:
    return set(graph.edge_pairs), {frozenset(pair) for pair in graph.undirected_pairs}


@pytest.mark.parametrize("name", ["asia", "sachs", "child"])
@pytest.mark.parametrize("seed", [0, 1])
def test_on_continuous_data_it_is_causallearns_pc_with_fisherz(name: str, seed: int) -> None:
    truth = load_benchmark(name).graph
    frame = simulate_data(truth, 1500, seed=seed)
    ours = run_pc(truth.variables, frame)
    columns = list(truth.names)
    theirs = pc_module.pc(
        frame[columns].to_numpy(), 0.05, "fisherz", node_names=columns, show_progress=False
    )
    assert structure(ours) == structure(CausalGraph.from_causallearn(theirs))
    assert ours.metadata["pc"]["tests_by_kind"] == {"fisher_z": ours.metadata["pc"]["tests_run"]}


def test_discrete_and_mixed_data_use_their_own_tests_and_find_the_skeleton() -> None:
    truth = load_benchmark("asia").graph
    for kind, expected in (("discrete", {"g_test"}), ("mixed", {"residual", "g_test", "fisher_z"})):
        frame = simulate_data(truth, 4000, kind=kind, seed=3)
        graph = run_pc(truth.variables, frame)
        assert set(graph.metadata["pc"]["tests_by_kind"]) <= expected
        assert compare_graphs(graph, truth).skeleton_f1 >= 0.8, kind


def test_missing_values_are_handled_row_by_row() -> None:
    truth = CausalGraph.from_edges(["a", "b", "c", "d"], [("a", "c"), ("b", "c"), ("c", "d")])
    frame = simulate_data(truth, 4000, seed=5)
    generator = np.random.default_rng(0)
    for column in frame.columns:
        frame.loc[generator.random(len(frame)) < 0.1, column] = np.nan
    graph = run_pc(truth.variables, frame)
    assert sorted(graph.edge_pairs) == [("a", "c"), ("b", "c"), ("c", "d")]


def test_untestable_tests_count_as_independence_and_are_reported() -> None:
    truth = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    frame = simulate_data(truth, 6, seed=0)  # too few rows for any test
    graph = run_pc(truth.variables, frame)
    assert graph.edge_pairs == [] and graph.undirected == ()
    assert graph.metadata["pc"]["untestable"] == graph.metadata["pc"]["tests_run"] == 1
    assert "too few" in graph.metadata["pc"]["untestable_examples"][0]


def test_background_knowledge_reaches_pc() -> None:
    truth = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
    frame = simulate_data(truth, 3000, seed=1)
    tiered = run_pc(truth.variables, frame, tiers=[["a"], ["b"], ["c"]])
    assert sorted(tiered.edge_pairs) == [("a", "b"), ("b", "c")]
    required = run_pc(truth.variables, frame, required=[("a", "c")])
    assert required.metadata["required_removed_by_data"] == [["a", "c"]]
    assert required.has_edge("a", "c")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda frame: run_pc(["a"], frame), "at least two"),
        (lambda frame: run_pc(["a", "z"], frame), "'z' is not a column"),
        (lambda frame: run_pc(["a", "b"], frame, alpha=0), "alpha"),
        (lambda frame: run_pc(["a", "b"], frame, types={"a": "fuzzy"}), "fuzzy"),
        (lambda frame: run_pc(["a", "b"], frame, required=[("a", "zz")]), "required edge end 'zz'"),
        (lambda frame: run_pc(["a", "b"], frame, forbidden=[("q", "a")]), "forbidden edge end 'q'"),
        (lambda frame: run_pc(["a", "b"], frame, tiers=[["a"], ["b", "qq"]]), "tier member 'qq'"),
    ],
)
def test_bad_input_is_an_input_error(call: Any, message: str) -> None:
    frame = simulate_data(CausalGraph.from_edges(["a", "b"], [("a", "b")]), 100, seed=0)
    with pytest.raises(InputError, match=message):
        call(frame)
