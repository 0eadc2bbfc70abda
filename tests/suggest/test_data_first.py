"""strategy="data_first": PC on the data, the model orients only what the data leave open.

The data come from a known linear-Gaussian graph whose CPDAG is fixed by its structure:

    u -> x -> y <- z, y -> w   (x -> y <- z is a collider; y -> w follows by Meek's first rule;
                                u --- x stays open)
    a -> b -> c                (a --- b --- c: no collider, so both stay open)

so PC returns 3 directed and 3 undirected edges, and data_first asks 2 * 3 + 3 = 9 questions.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    ChatRequest,
    InputError,
    SimulatedExpert,
    compare_graphs,
    load_benchmark,
    run_pc,
    simulate_data,
)
from pywhy_llm_assist.graph._pdag import Pdag
from pywhy_llm_assist.testing import ScriptedModel

pytest.importorskip("causallearn")

NAMES = ["u", "x", "y", "z", "w", "a", "b", "c"]
TRUTH = CausalGraph.from_edges(
    NAMES, [("u", "x"), ("x", "y"), ("z", "y"), ("y", "w"), ("a", "b"), ("b", "c")]
)
Pair = tuple[str, str]


@pytest.fixture(scope="module")
def frame() -> Any:
    return simulate_data(TRUTH, 3000, seed=0)


def scripted(answers: Mapping[Pair, tuple[str, str]]) -> tuple[Assistant, ScriptedModel]:
    """Answer ``(A, B) -> (direction, confidence)``; any other pair: not sure."""

    def respond(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None and request.query.task == "orient_edge"
        first, second = request.query.subject
        direction, confidence = answers.get((first, second), ("not_sure", "low"))
        return {"direction": direction, "rationale": f"scripted {first}/{second}",
                "confidence": confidence}  # fmt: skip

    model = ScriptedModel(respond=respond)
    return Assistant("scripted", client=model, cache_mode="off", concurrency=1), model


def by_edge(graph: CausalGraph) -> dict[str, str]:
    return {line["edge"]: line["direction"] for line in graph.metadata["data_first"]["edges"]}


def test_pc_alone_gives_the_expected_cpdag(frame: Any) -> None:
    data_graph = run_pc(TRUTH.variables, frame)
    assert sorted(data_graph.edge_pairs) == [("x", "y"), ("y", "w"), ("z", "y")]
    assert sorted(sorted(pair) for pair in data_graph.undirected_pairs) == [
        ["a", "b"], ["b", "c"], ["u", "x"]
    ]  # fmt: skip


def test_calls_are_two_per_open_edge_and_one_per_directed_edge(frame: Any) -> None:
    assistant, model = scripted({})
    graph = assistant.suggest_graph(NAMES, data=frame, strategy="data_first")
    asked = [request.query.subject for request in model.requests if request.query]
    assert len(asked) == 9 == graph.metadata["data_first"]["calls"]["bound"]
    assert graph.usage is not None and graph.usage.calls == 9
    for pair in (("u", "x"), ("a", "b"), ("b", "c")):  # both orders
        assert {pair, pair[::-1]} <= set(asked) or {tuple(sorted(pair))} <= set(asked)
        assert asked.count(pair) + asked.count(pair[::-1]) == 2
    for pair in (("x", "y"), ("y", "w"), ("y", "z")):  # once, in name order, not the data's
        assert asked.count(tuple(sorted(pair))) == 1


def test_two_agreeing_answers_orient_an_open_edge_and_meek_follows(frame: Any) -> None:
    assistant, _ = scripted(
        {
            ("u", "x"): ("a_causes_b", "high"),
            ("x", "u"): ("b_causes_a", "high"),
            ("a", "b"): ("a_causes_b", "high"),
            ("b", "a"): ("b_causes_a", "high"),
            ("c", "b"): ("a_causes_b", "low"),  # c -> b: a collider the data rule out
            ("b", "c"): ("b_causes_a", "low"),
        }
    )
    graph = assistant.suggest_graph(NAMES, data=frame, strategy="data_first")
    directions = by_edge(graph)
    assert directions["u -> x"] == "model"
    assert directions["a -> b"] == "model"
    # Once a -> b is accepted, a -> b --- c with a, c apart forces b -> c (Meek's first rule),
    # so the model's c -> b is not applied; the edge says why.
    assert directions["b -> c"] == "implied"
    assert graph.undirected == ()
    note = next(line["note"] for line in graph.metadata["data_first"]["edges"]
                if line["edge"] == "b -> c")  # fmt: skip
    assert "the model says c -> b" in note
    oriented = graph.edge("u", "x")
    assert [item.origin for item in oriented.provenance] == ["data", "model"]
    assert oriented.provenance[-1].cache_keys  # the answers behind the direction
    assert compare_graphs(graph, TRUTH).shd == 0


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        ({("u", "x"): ("a_causes_b", "high"), ("x", "u"): ("a_causes_b", "high")}, "order"),
        ({("u", "x"): ("a_causes_b", "high"), ("x", "u"): ("not_sure", "low")}, "not sure"),
        ({("u", "x"): ("neither", "high"), ("x", "u"): ("neither", "high")}, "no direct"),
    ],
)
def test_answers_that_do_not_agree_leave_the_edge_open_for_the_expert(
    frame: Any, answers: Mapping[Pair, tuple[str, str]], why: str
) -> None:
    assistant, _ = scripted(answers)
    graph = assistant.suggest_graph(NAMES, data=frame, strategy="data_first")
    (open_edge,) = [edge for edge in graph.undirected if set(edge.pair) == {"u", "x"}]
    assert why in open_edge.rationale
    assert not graph.has_edge("u", "x") and not graph.has_edge("x", "u")
    assert [item.origin for item in open_edge.provenance] == ["data", "model"]


def v_structures(graph: CausalGraph) -> set[tuple[str, str, str]]:
    adjacent = {frozenset(pair) for pair in graph.edge_pairs + graph.undirected_pairs}
    found = set()
    for target in graph.names:
        parents = sorted(source for source, effect in graph.edge_pairs if effect == target)
        for index, first in enumerate(parents):
            for second in parents[index + 1 :]:
                if frozenset((first, second)) not in adjacent:
                    found.add((first, target, second))
    return found


@pytest.mark.parametrize("seed", range(30))
def test_whatever_the_model_says_the_result_stays_in_the_datas_equivalence_class(
    frame: Any, seed: int
) -> None:
    """Random answers, in both orders: the skeleton and the colliders stay PC's, no cycle
    appears, and every edge PC oriented keeps its direction."""
    generator = random.Random(seed)
    choices = ["a_causes_b", "b_causes_a", "neither", "not_sure"]
    answers = {
        (first, second): (generator.choice(choices), generator.choice(["low", "medium", "high"]))
        for first in NAMES
        for second in NAMES
        if first != second
    }
    assistant, _ = scripted(answers)
    graph = assistant.suggest_graph(NAMES, data=frame, strategy="data_first")
    data_graph = run_pc(TRUTH.variables, frame)
    skeleton = {frozenset(pair) for pair in graph.edge_pairs + graph.undirected_pairs}
    assert skeleton == {frozenset(p) for p in data_graph.edge_pairs + data_graph.undirected_pairs}
    assert v_structures(graph) == v_structures(data_graph)
    assert set(data_graph.edge_pairs) <= set(graph.edge_pairs)
    assert graph.is_acyclic()
    pdag = Pdag.build(graph.names, directed=graph.edge_pairs, undirected=graph.undirected_pairs)
    assert pdag.has_consistent_extension()
    assert pdag.apply_meek() == []  # already closed under Meek's rules


def test_directed_edges_are_confirmed_or_disputed_and_the_calibration_counts_them(
    frame: Any,
) -> None:
    assistant, _ = scripted(
        {
            ("x", "y"): ("a_causes_b", "high"),  # agrees with the data
            ("y", "z"): ("a_causes_b", "high"),  # y -> z: disputes z -> y
            ("w", "y"): ("not_sure", "low"),
        }
    )
    graph = assistant.suggest_graph(NAMES, data=frame, strategy="data_first")
    directions = by_edge(graph)
    assert (directions["x -> y"], directions["z -> y"], directions["y -> w"]) == (
        "both",
        "data",
        "data",
    )
    assert [item.origin for item in graph.edge("x", "y").provenance] == ["data", "model"]
    disputed = graph.edge("z", "y")  # kept as the data say
    assert "the model says y -> z" in disputed.rationale
    calibration = graph.metadata["data_first"]["calibration"]
    assert calibration == {"asked": 3, "agreed": 1, "reversed": 1, "neither": 0, "not_sure": 1,
                           "accuracy": 0.3333, "accuracy_when_decided": 0.5}  # fmt: skip


def test_a_direction_fixed_by_a_forbidden_edge_is_not_counted_in_the_calibration(
    frame: Any,
) -> None:
    # Forbidding x -> u makes PC orient u --- x as u -> x from background knowledge alone.
    assistant, _ = scripted({("u", "x"): ("a_causes_b", "high")})
    graph = assistant.suggest_graph(
        NAMES, data=frame, strategy="data_first", forbidden=[("x", "u")]
    )
    assert graph.has_edge("u", "x")
    calibration = graph.metadata["data_first"]["calibration"]
    assert calibration["asked"] == 3  # x -> y, z -> y, y -> w: the directions the data found


def test_a_required_edge_is_not_asked_about(frame: Any) -> None:
    assistant, model = scripted({})
    graph = assistant.suggest_graph(NAMES, data=frame, strategy="data_first", required=[("a", "b")])
    asked = {request.query.subject for request in model.requests if request.query}
    assert ("a", "b") not in asked and ("b", "a") not in asked
    assert [item.origin for item in graph.edge("a", "b").provenance] == ["data", "required"]


def test_auto_picks_data_first_when_data_are_given(frame: Any) -> None:
    assistant, _ = scripted({})
    graph = assistant.suggest_graph(NAMES, data=frame)
    assert graph.metadata["strategy"] == "data_first"
    assert graph.metadata["pc"]["tests_by_kind"] == {"fisher_z": graph.metadata["pc"]["tests_run"]}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"strategy": "per_node", "data": "frame"}, "only by strategy='data_first'"),
        ({"strategy": "data_first"}, "needs data"),
        ({"strategy": "data_first", "data": "frame", "samples": 2}, "samples=1"),
        ({"strategy": "data_first", "data": "frame", "acyclic": False}, "feedback loops"),
        ({"strategy": "data_first", "data": "frame", "alpha": 2.0}, "alpha"),
    ],
)
def test_options_data_first_cannot_honour_are_input_errors(
    frame: Any, options: dict[str, Any], message: str
) -> None:
    assistant, model = scripted({})
    if options.get("data") == "frame":
        options["data"] = frame
    with pytest.raises(InputError, match=message):
        assistant.suggest_graph(NAMES, **options)
    assert model.requests == []


def test_a_variable_missing_from_the_data_is_an_input_error(frame: Any) -> None:
    assistant, _ = scripted({})
    with pytest.raises(InputError, match="'v' is not a column"):
        assistant.suggest_graph([*NAMES, "v"], data=frame, strategy="data_first")


@pytest.mark.parametrize("kind", ["linear", "discrete"])
def test_a_perfect_simulated_expert_only_improves_on_pc(kind: str) -> None:
    truth = load_benchmark("asia").graph
    data = simulate_data(truth, 3000, kind=kind, seed=2)
    expert = SimulatedExpert(truth)
    graph = Assistant("simulated", client=expert, cache_mode="off").suggest_graph(
        truth.variables, data=data, strategy="data_first"
    )
    alone = compare_graphs(run_pc(truth.variables, data), truth)
    combined = compare_graphs(graph, truth)
    assert combined.f1 >= alone.f1 and combined.shd <= alone.shd
    assert combined.skeleton_f1 == alone.skeleton_f1  # the model never adds or removes one
    for line in graph.metadata["data_first"]["edges"]:
        if line["direction"] == "model":
            source, target = line["edge"].split(" -> ")
            assert (source, target) in set(truth.edge_pairs)
    assert expert.calls == graph.metadata["data_first"]["calls"]["queries"]


def test_every_question_shares_its_opening_and_names_the_pair_last(frame: Any) -> None:
    assistant, model = scripted({})
    assistant.suggest_graph(NAMES, data=frame, strategy="data_first", context="a test domain")
    systems = {request.messages[0]["content"] for request in model.requests}
    assert len(systems) == 1
    users = [request.messages[1]["content"] for request in model.requests]
    marker = "The data show a direct relation between these two variables."
    prefixes = {text[: text.index(marker)] for text in users}
    assert len(prefixes) == 1  # context and variable list: the same in every query of the run
    (prefix,) = prefixes
    assert '"a test domain"' in prefix and all(f'"name": "{name}"' in prefix for name in NAMES)
    for request in model.requests:
        assert request.query is not None
        first, second = request.query.subject
        tail = request.messages[1]["content"].split(marker)[1]
        assert f'Variable A (JSON string): "{first}"' in tail
        assert f'Variable B (JSON string): "{second}"' in tail


def test_a_run_too_large_for_the_limits_is_refused_after_pc_before_any_call(frame: Any) -> None:
    from pywhy_llm_assist import PromptTooLargeError

    assistant, model = scripted({})
    assistant.engine.max_run_tokens = 1_000  # 9 questions of about 1,000 tokens each
    with pytest.raises(PromptTooLargeError, match="data_first over 8 variables"):
        assistant.suggest_graph(NAMES, data=frame, strategy="data_first")
    assert model.requests == []
