"""Hand-offs to the real DoWhy and causal-learn."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from pywhy_llm_assist import CausalGraph, InputError

pytestmark = pytest.mark.integration


# ------------------------------------------------------------------------------- DoWhy
def confounded_graph() -> CausalGraph:
    """genetic risk (unmeasured) -> exercise -> treatment -> outcome, and age confounds too.

    The back door through the latent node is blocked by adjusting for exercise, so the
    effect is identified from the measured variables {exercise, age}.
    """
    return CausalGraph.from_edges(
        ["genetic risk", "exercise", "age", "treatment", "outcome"],
        [
            ("genetic risk", "exercise"),
            ("genetic risk", "outcome"),
            ("exercise", "treatment"),
            ("age", "treatment"),
            ("age", "outcome"),
            ("treatment", "outcome"),
        ],
        latent=["genetic risk"],
    )


def confounded_data(rows: int = 1000) -> Any:
    pandas = pytest.importorskip("pandas")
    generator = np.random.default_rng(7)
    genes = generator.normal(size=rows)
    exercise = genes + generator.normal(size=rows)
    age = generator.normal(size=rows)
    treatment = exercise + age + generator.normal(size=rows)
    outcome = 2.0 * treatment + genes + age + generator.normal(size=rows)
    return pandas.DataFrame(
        {"exercise": exercise, "age": age, "treatment": treatment, "outcome": outcome}
    )


def test_dowhy_accepts_the_graph_and_identifies_the_backdoor_set() -> None:
    dowhy = pytest.importorskip("dowhy")
    graph, data = confounded_graph(), confounded_data()
    assert "genetic risk" not in data.columns  # the latent node is not needed in the data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # DoWhy warns about the unobserved node
        model = dowhy.CausalModel(
            data=data, treatment="treatment", outcome="outcome", graph=graph.to_dowhy_graph()
        )
    estimand = model.identify_effect(proceed_when_unidentifiable=False)
    assert set(estimand.get_backdoor_variables()) == {"exercise", "age"}
    assert model._graph._graph.nodes["genetic risk"]["observed"] == "no"
    estimate = model.estimate_effect(estimand, method_name="backdoor.linear_regression")
    assert estimate.value == pytest.approx(2.0, abs=0.15)


def test_to_causal_model_builds_the_same_model() -> None:
    pytest.importorskip("dowhy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = confounded_graph().to_causal_model(confounded_data(), "treatment", "outcome")
    estimand = model.identify_effect(proceed_when_unidentifiable=False)
    assert set(estimand.get_backdoor_variables()) == {"exercise", "age"}


@pytest.mark.parametrize(
    ("treatment", "outcome", "extra_column", "message"),
    [
        ("genetic risk", "outcome", None, "treatment 'genetic risk' is not a measured"),
        ("treatment", "nothing", None, "outcome 'nothing' is not a measured"),
        ("treatment", "outcome", "genetic risk", "latent variable.*columns of the data"),
    ],
)
def test_to_causal_model_checks_roles_and_latent_columns(
    treatment: str, outcome: str, extra_column: str | None, message: str
) -> None:
    pytest.importorskip("dowhy")
    data = confounded_data(50)
    if extra_column:
        data[extra_column] = 0.0
    with pytest.raises(InputError, match=message):
        confounded_graph().to_causal_model(data, treatment, outcome)


def test_to_causal_model_needs_the_column() -> None:
    pytest.importorskip("dowhy")
    data = confounded_data(50).drop(columns=["outcome"])
    with pytest.raises(InputError, match="outcome 'outcome' is not a column"):
        confounded_graph().to_causal_model(data, "treatment", "outcome")


def test_to_causal_model_lists_every_measured_variable_missing_from_the_data() -> None:
    pytest.importorskip("dowhy")
    data = confounded_data(50).drop(columns=["age", "exercise"])
    with pytest.raises(InputError) as caught:
        confounded_graph().to_causal_model(data, "treatment", "outcome")
    message = str(caught.value)
    assert "'exercise', 'age'" in message and "not columns of the data" in message
    assert "genetic risk" not in message  # latent: rightly absent from the data


def test_the_dot_export_goes_to_dowhy_as_a_string() -> None:
    dowhy = pytest.importorskip("dowhy")
    graph, data = confounded_graph(), confounded_data()
    text = graph.to_dot()
    assert text.startswith("digraph {")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = dowhy.CausalModel(data=data, treatment="treatment", outcome="outcome", graph=text)
    assert set(model._graph._graph.nodes) == set(graph.names)
    estimand = model.identify_effect(proceed_when_unidentifiable=False)
    assert set(estimand.get_backdoor_variables()) == {"exercise", "age"}
    estimate = model.estimate_effect(estimand, method_name="backdoor.linear_regression")
    assert estimate.value == pytest.approx(2.0, abs=0.15)


# ------------------------------------------------------------------------------- causal-learn
CHAIN = ["air pollution", "asthma attacks", "hospital visits"]


def chain_data(rows: int = 2000) -> Any:
    """Linear Gaussian data from air pollution -> asthma attacks -> hospital visits."""
    generator = np.random.default_rng(11)
    pollution = generator.normal(size=rows)
    asthma = 0.8 * pollution + generator.normal(size=rows)
    visits = 0.8 * asthma + generator.normal(size=rows)
    return np.column_stack([pollution, asthma, visits])


def oriented_edges(result: Any, labels: list[str]) -> set[str]:
    """Read causal-learn's adjacency matrix: graph[j, i] == 1 and graph[i, j] == -1 is i -> j."""
    matrix = result.G.graph
    found = set()
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            if matrix[i, j] == -1 and matrix[j, i] == 1:
                found.add(f"{labels[i]} -> {labels[j]}")
            elif matrix[i, j] == 1 and matrix[j, i] == -1:
                found.add(f"{labels[j]} -> {labels[i]}")
            elif matrix[i, j] != 0:
                found.add(f"{labels[i]} -- {labels[j]}")
    return found


def test_background_knowledge_orients_what_pc_leaves_undirected() -> None:
    pytest.importorskip("causallearn")
    from causallearn.search.ConstraintBased.PC import pc

    data = chain_data()
    alone = pc(data, 0.01, "fisherz", node_names=CHAIN, show_progress=False)
    # a chain is Markov equivalent to its reversals: PC cannot orient it
    assert oriented_edges(alone, CHAIN) == {
        "air pollution -- asthma attacks",
        "asthma attacks -- hospital visits",
    }
    graph = CausalGraph.from_edges(CHAIN, [(CHAIN[0], CHAIN[1]), (CHAIN[1], CHAIN[2])])
    knowledge = graph.to_background_knowledge(node_names=CHAIN)
    guided = pc(
        data, 0.01, "fisherz", node_names=CHAIN, background_knowledge=knowledge, show_progress=False
    )
    assert oriented_edges(guided, CHAIN) == {
        "air pollution -> asthma attacks",
        "asthma attacks -> hospital visits",
    }


def test_background_knowledge_by_position_with_default_node_names() -> None:
    pytest.importorskip("causallearn")
    from causallearn.search.ConstraintBased.PC import pc

    # one required edge; Meek's rule 1 then orients the other one
    graph = CausalGraph.from_edges(CHAIN, [(CHAIN[0], CHAIN[1])])
    knowledge = graph.to_background_knowledge(node_names=CHAIN, node_labels="positions")
    result = pc(chain_data(), 0.01, "fisherz", background_knowledge=knowledge, show_progress=False)
    assert [node.get_name() for node in result.G.nodes] == ["X1", "X2", "X3"]
    assert oriented_edges(result, CHAIN) == {
        "air pollution -> asthma attacks",
        "asthma attacks -> hospital visits",
    }


def test_forbid_absent_removes_adjacencies_from_a_latent_confounder() -> None:
    pytest.importorskip("causallearn")
    from causallearn.search.ConstraintBased.PC import pc

    generator = np.random.default_rng(3)
    hidden = generator.normal(size=2000)
    first = hidden + generator.normal(size=2000)
    second = hidden + generator.normal(size=2000)
    third = 0.8 * second + generator.normal(size=2000)
    data = np.column_stack([first, second, third])
    names = ["first", "second", "third"]
    graph = CausalGraph.from_edges(
        ["hidden", *names],
        [("hidden", "first"), ("hidden", "second"), ("second", "third")],
        latent=["hidden"],
    )
    alone = pc(data, 0.01, "fisherz", node_names=names, show_progress=False)
    assert "first -- second" in oriented_edges(alone, names)
    knowledge = graph.to_background_knowledge(node_names=names, forbid_absent=True)
    guided = pc(
        data, 0.01, "fisherz", node_names=names, background_knowledge=knowledge, show_progress=False
    )
    assert oriented_edges(guided, names) == {"second -> third"}
