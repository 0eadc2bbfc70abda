"""The simulated expert: exact with no error, consistent across strategies, seeded errors."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from pywhy_llm_assist import Assistant, CausalGraph, ChatRequest, InputError, Query
from pywhy_llm_assist.evaluate._graphs import (
    PACKAGED_FOLDER,
    load_benchmark,
    rename_variables,
    synthetic_benchmark,
)
from pywhy_llm_assist.evaluate._metrics import compare_graphs
from pywhy_llm_assist.evaluate._simulated_expert import SimulatedExpert

STRATEGIES = ("per_node", "whole", "pairwise")


def _graph_files() -> list[Path]:
    return sorted(PACKAGED_FOLDER.glob("*.json"))


def _assistant(expert: SimulatedExpert, **options: object) -> Assistant:
    return Assistant("simulated", client=expert, cache_mode="off", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", _graph_files(), ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_zero_error_recovers_every_benchmark_graph_with_every_strategy(path: Path) -> None:
    benchmark = load_benchmark(path)
    truth = benchmark.graph
    for strategy in STRATEGIES:
        expert = SimulatedExpert(truth)
        graph = _assistant(expert).suggest_graph(
            truth.variables, context=benchmark.context, strategy=strategy
        )
        comparison = compare_graphs(graph, truth)
        assert comparison.f1 == 1.0, (strategy, graph.edge_pairs)
        assert comparison.shd == 0
        assert not graph.dropped


def test_every_packaged_graph_is_tested() -> None:
    assert len(_graph_files()) >= 7


@pytest.mark.parametrize("error", [0.2, 0.4])
def test_every_strategy_sees_the_same_errors(error: float) -> None:
    truth = load_benchmark("sachs").graph
    graphs = {}
    for strategy in STRATEGIES:
        expert = SimulatedExpert.with_error(truth, error, seed=3)
        graphs[strategy] = _assistant(expert).suggest_graph(truth.variables, strategy=strategy)
    edges = {strategy: sorted(graph.edge_pairs) for strategy, graph in graphs.items()}
    assert edges["per_node"] == edges["whole"] == edges["pairwise"]
    assert compare_graphs(graphs["per_node"], truth).f1 < 1.0


def test_same_seed_same_answers_other_seed_other_answers() -> None:
    truth = synthetic_benchmark(15, seed=2).graph

    def run(seed: int) -> list[tuple[str, str]]:
        expert = SimulatedExpert.with_error(truth, 0.3, seed=seed)
        return _assistant(expert).suggest_graph(truth.variables, strategy="per_node").edge_pairs

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_missed_and_reversed_extremes() -> None:
    truth = load_benchmark("asia").graph
    nobody = _assistant(SimulatedExpert(truth, missed=1.0)).suggest_graph(truth.variables)
    assert nobody.edge_pairs == []
    backwards = _assistant(SimulatedExpert(truth, reversed=1.0)).suggest_graph(truth.variables)
    assert sorted(backwards.edge_pairs) == sorted((b, a) for a, b in truth.edge_pairs)


def test_spurious_one_joins_every_pair_in_the_view() -> None:
    truth = CausalGraph.from_edges(["a", "b", "c", "d"], [("a", "b")])
    expert = SimulatedExpert(truth, spurious=1.0)
    for first, second in [("a", "c"), ("b", "d"), ("c", "d")]:
        assert expert.believed_edge(first, second) is not None
    assert expert.believed_edge("a", "b") == ("a", "b")


def test_error_rates_match_the_draws_on_average() -> None:
    truth = synthetic_benchmark(60, edges_per_variable=2.0, seed=5).graph
    expert = SimulatedExpert(truth, missed=0.2, reversed=0.1, spurious=0.05, seed=9)
    missed = reversed_ = kept = 0
    for source, target in truth.edge_pairs:
        view = expert.believed_edge(source, target)
        missed += view is None
        reversed_ += view == (target, source)
        kept += view == (source, target)
    total = len(truth.edge_pairs)
    assert total > 80
    assert missed / total == pytest.approx(0.2, abs=0.07)
    assert reversed_ / total == pytest.approx(0.1, abs=0.06)
    empty = [
        (first, second)
        for index, first in enumerate(truth.names)
        for second in truth.names[index + 1 :]
        if not truth.has_edge(first, second) and not truth.has_edge(second, first)
    ]
    spurious = sum(expert.believed_edge(*pair) is not None for pair in empty)
    assert spurious / len(empty) == pytest.approx(0.05, abs=0.02)


def test_with_error_splits_the_level_evenly() -> None:
    truth = load_benchmark("sachs").graph
    expert = SimulatedExpert.with_error(truth, 0.3)
    assert expert.missed == expert.reversed == pytest.approx(0.15)
    empty_pairs = 11 * 10 // 2 - 17
    assert expert.spurious * empty_pairs == pytest.approx(0.3 * 17)
    with pytest.raises(InputError):
        SimulatedExpert.with_error(truth, 1.5)


@pytest.mark.parametrize(
    "options",
    [{"missed": -0.1}, {"spurious": 1.2}, {"missed": 0.6, "reversed": 0.6}, {"latency": -1}],
)
def test_bad_rates_are_rejected(options: dict[str, float]) -> None:
    with pytest.raises(InputError):
        SimulatedExpert(load_benchmark("cancer").graph, **options)  # type: ignore[arg-type]


def test_samples_draw_independently_so_voting_corrects_errors() -> None:
    truth = load_benchmark("child").graph
    scores = []
    for samples in (1, 5):
        expert = SimulatedExpert.with_error(truth, 0.3, seed=0)
        graph = _assistant(expert).suggest_graph(truth.variables, samples=samples)
        scores.append(compare_graphs(graph, truth).f1)
    assert scores[1] > scores[0]


def test_renamed_run_with_identities_makes_the_same_errors() -> None:
    truth = load_benchmark("sachs").graph
    renamed, mapping = rename_variables(truth, seed=4)
    identities = {neutral: original for original, neutral in mapping.items()}
    original = _assistant(SimulatedExpert.with_error(truth, 0.3, seed=1)).suggest_graph(
        truth.variables
    )
    neutral = _assistant(
        SimulatedExpert.with_error(renamed, 0.3, seed=1, identities=identities)
    ).suggest_graph(renamed.variables)

    def proposed(graph: CausalGraph) -> set[tuple[str, str]]:
        # Cycle breaking settles ties by name, so compare the graphs before it.
        cycle_drops = {item.edge.pair for item in graph.dropped if item.reason == "cycle"}
        return set(graph.edge_pairs) | cycle_drops

    assert proposed(neutral) == {
        (mapping[source], mapping[target]) for source, target in proposed(original)
    }
    assert len(proposed(original)) > 10


def test_usage_is_estimated_from_characters() -> None:
    truth = load_benchmark("cancer").graph
    expert = SimulatedExpert(truth)
    assistant = _assistant(expert)
    graph = assistant.suggest_graph(truth.variables, strategy="per_node")
    assert expert.calls == 5
    assert graph.usage is not None
    assert graph.usage.calls == 5
    request = ChatRequest(
        model="m",
        messages=({"role": "user", "content": "x" * 40},),
        temperature=0.0,
        seed=None,
        max_tokens=100,
        response_format=None,
        mode="json_schema",
        query=Query(
            task="pairwise",
            template="pairwise",
            inputs={},
            reply_model=CausalGraph,
            names=("Cancer", "Xray"),
            subject=("Cancer", "Xray"),
        ),
    )
    response = asyncio.run(expert.complete(request))
    content = response["choices"][0]["message"]["content"]
    assert '"a_causes_b"' in content
    assert response["usage"]["prompt_tokens"] == 10
    assert response["usage"]["completion_tokens"] == math.ceil(len(content) / 4)


def test_unknown_tasks_and_bare_requests_are_refused() -> None:
    expert = SimulatedExpert(load_benchmark("cancer").graph)
    bare = ChatRequest("m", ({"role": "user", "content": "hi"},), 0.0, None, 10, None, "text")
    with pytest.raises(InputError, match="carry their query"):
        asyncio.run(expert.complete(bare))
    odd = ChatRequest(
        "m",
        ({"role": "user", "content": "hi"},),
        0.0,
        None,
        10,
        None,
        "text",
        query=Query(task="poetry", template="t", inputs={}, reply_model=CausalGraph, names=()),
    )
    with pytest.raises(InputError, match="cannot answer 'poetry'"):
        asyncio.run(expert.complete(odd))


def test_calibrated_expert_states_errors_with_low_confidence() -> None:
    truth = load_benchmark("asia").graph
    graph = _assistant(SimulatedExpert(truth, reversed=1.0, calibrated=True)).suggest_graph(
        truth.variables
    )
    assert graph.edges and all(edge.confidence < 0.5 for edge in graph.edges)
    assert all("deliberate error" in edge.rationale for edge in graph.edges)


# ------------------------------------------------------------------ identification tasks
ROLES = CausalGraph.from_edges(
    {
        "t": "treatment",
        "y": "outcome",
        "u": "shared cause",
        "m": "mediator",
        "z": "instrument",
        "n": "negative-control outcome",
        "w": "unrelated",
    },
    [("u", "t"), ("u", "y"), ("t", "m"), ("m", "y"), ("z", "t"), ("u", "n")],
)


def test_identification_tasks_follow_the_true_structure() -> None:
    assistant = _assistant(SimulatedExpert(ROLES))
    confounders = assistant.suggest_confounders("t", "y", graph=ROLES)
    assert [item.variable for item in confounders.items] == ["u"]
    assert all(condition.holds for condition in confounders.items[0].graph_conditions)
    mediators = assistant.suggest_mediators("t", "y", graph=ROLES)
    assert [item.variable for item in mediators.items] == ["m"]
    instruments = assistant.suggest_instruments("t", "y", graph=ROLES)
    assert [item.variable for item in instruments.items] == ["z"]
    controls = assistant.suggest_negative_controls("t", "y", graph=ROLES)
    outcome_controls = [item.variable for item in controls.items if item.role.endswith("outcome")]
    assert outcome_controls == ["n"]


def test_unmeasured_confounders_come_from_latent_nodes() -> None:
    truth = CausalGraph.from_edges(
        {"t": "treatment", "y": "outcome", "x": "covariate", "h": "hidden common cause"},
        [("h", "t"), ("h", "y"), ("t", "y"), ("x", "y")],
        latent=["h"],
    )
    suggestions = _assistant(SimulatedExpert(truth)).suggest_confounders("t", "y", ["t", "y", "x"])
    assert [(item.variable, item.measured) for item in suggestions.items] == [("h", False)]


def test_critique_reports_the_differences_from_its_view() -> None:
    truth = CausalGraph.from_edges(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d")])
    drawn = CausalGraph.from_edges(["a", "b", "c", "d"], [("b", "a"), ("b", "c"), ("a", "d")])
    critique = _assistant(SimulatedExpert(truth)).critique(drawn)
    model = {
        (finding.kind, finding.edit.describe() if finding.edit else "")
        for finding in critique.findings
        if finding.source == "model"
    }
    assert model == {
        ("reversed_edge", "reverse edge b -> a"),
        ("implausible_edge", "remove edge a -> d"),
        ("missing_edge", "add edge c -> d"),
    }


def test_latency_is_waited_concurrently() -> None:
    truth = load_benchmark("asia").graph
    expert = SimulatedExpert(truth, latency=0.05)
    graph = _assistant(expert, concurrency=8).suggest_graph(truth.variables, strategy="per_node")
    assert compare_graphs(graph, truth).f1 == 1.0
    assert expert.calls == 8


# ----------------------------------------------------------------------------- cyclic truths
def _loop_truth() -> CausalGraph:
    names = [f"x{index}" for index in range(8)]
    edges = [(names[i], names[i + 1]) for i in range(7)]
    edges += [(names[i + 1], names[i]) for i in range(0, 7, 2)]  # four two-way links
    return CausalGraph.from_edges(names, edges, check_acyclic=False, metadata={"acyclic": False})


def test_two_way_links_are_missed_halved_or_kept_by_the_shared_draw() -> None:
    truth = _loop_truth()
    links = [(f"x{i}", f"x{i + 1}") for i in range(0, 7, 2)]
    assert all(len(SimulatedExpert(truth).believed_edges(*pair)) == 2 for pair in links)
    assert all(
        SimulatedExpert(truth, missed=1.0).believed_edges(*pair) == frozenset() for pair in links
    )
    halved = SimulatedExpert(truth, reversed=1.0)
    for pair in links:
        (only,) = halved.believed_edges(*pair)
        assert only in (pair, pair[::-1])
    # The shared draw: an answer right at a higher error rate is right at every lower one.
    high = SimulatedExpert.with_error(truth, 0.6, seed=2)
    low = SimulatedExpert.with_error(truth, 0.3, seed=2)
    for pair in links:
        if high.believed_edges(*pair) == frozenset({pair, pair[::-1]}):
            assert low.believed_edges(*pair) == frozenset({pair, pair[::-1]})


def test_error_rates_on_a_cyclic_truth_come_out_as_set() -> None:
    truth = _loop_truth()
    comparisons = []
    for seed in range(200):
        expert = SimulatedExpert(truth, missed=0.2, seed=seed)
        graph = Assistant("simulated", client=expert, cache_mode="off").suggest_graph(
            truth.variables, strategy="whole", acyclic=False
        )
        comparisons.append(compare_graphs(graph, truth))
    recall = sum(item.recall for item in comparisons) / len(comparisons)
    assert recall == pytest.approx(0.8, abs=0.03)
    assert all(item.precision == 1.0 for item in comparisons)
