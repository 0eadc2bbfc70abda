"""simulate_data: reproducible rows faithful to a graph, latent variables left out."""

from __future__ import annotations

import numpy as np
import pytest

from pywhy_llm_assist import CausalGraph, InputError, Variable, load_benchmark, simulate_data
from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER


def test_columns_kinds_and_reproducibility() -> None:
    graph = load_benchmark(PACKAGED_FOLDER / "sachs.json").graph
    first = simulate_data(graph, 300, kind="mixed", seed=7)
    assert list(first.columns) == list(graph.observed) and len(first) == 300
    kinds = ["float64" if index % 2 == 0 else "int64" for index in range(len(graph.names))]
    assert [str(dtype) for dtype in first.dtypes] == kinds
    assert first.equals(simulate_data(graph, 300, kind="mixed", seed=7))
    assert not first.equals(simulate_data(graph, 300, kind="mixed", seed=8))


def test_discrete_variables_take_their_declared_number_of_states() -> None:
    graph = CausalGraph.from_edges(
        [Variable(name="a", states=("low", "mid", "high")), Variable(name="b")], [("a", "b")]
    )
    frame = simulate_data(graph, 2000, kind="discrete", seed=1)
    assert sorted(frame.a.unique()) == [0, 1, 2] and sorted(frame.b.unique()) == [0, 1]


def test_latent_variables_confound_their_children_and_are_left_out() -> None:
    graph = CausalGraph.from_edges(["a", "b", "u"], [("u", "a"), ("u", "b")], latent=["u"])
    frame = simulate_data(graph, 5000, seed=2)
    assert list(frame.columns) == ["a", "b"]
    assert abs(np.corrcoef(frame.a, frame.b)[0, 1]) > 0.1


def test_types_choose_kinds_and_effect_sets_strength() -> None:
    graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    frame = simulate_data(graph, 4000, seed=3, types={"b": "discrete"})
    assert str(frame.b.dtype) == "int64"
    weak = simulate_data(graph, 4000, seed=3, effect=(0.0, 0.0))
    assert abs(np.corrcoef(weak.a, weak.b)[0, 1]) < 0.05


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rows": 0}, "positive whole number"),
        ({"kind": "poisson"}, "kind 'poisson' is not known"),
        ({"effect": (1.0, 0.5)}, "low <= high"),
        ({"types": {"ghost": "discrete"}}, "ghost"),
        ({"types": {"a": "ordinal"}}, "continuous, discrete"),
    ],
)
def test_bad_input_is_an_input_error(options: dict, message: str) -> None:
    graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    with pytest.raises(InputError, match=message):
        simulate_data(graph, options.pop("rows", 10), **options)
