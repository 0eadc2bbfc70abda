"""Graph-suggestion strategies: which queries each asks, how many calls, and the cache keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from _graph_replies import scripted_assistant

from pywhy_llm_assist import Assistant, ChatRequest, InputError
from pywhy_llm_assist.core._variables import Variables
from pywhy_llm_assist.suggest._constraints import Constraints
from pywhy_llm_assist.suggest._strategy import GraphProblem
from pywhy_llm_assist.suggest._suggest_graph import (
    STRATEGIES,
    WHOLE_GRAPH_MAX_VARIABLES,
    choose_strategy,
)
from pywhy_llm_assist.testing import ScriptedModel

TRUTH = {("a", "b"), ("b", "c"), ("a", "c")}
EXPECTED_CALLS: dict[str, Callable[[int], int]] = {
    "per_node": lambda n: n,
    "whole": lambda n: 1,
    "pairwise": lambda n: n * (n - 1) // 2,
}


def names(count: int) -> list[str]:
    return [f"v{index}" for index in range(count)]


def problem(count: int) -> GraphProblem:
    variables = Variables(names(count))
    return GraphProblem(variables, None, Constraints.build(variables))


@pytest.mark.parametrize("strategy", ["per_node", "whole", "pairwise"])
@pytest.mark.parametrize("count", [2, 5, 9])
@pytest.mark.parametrize("samples", [1, 3])
def test_call_counts_per_strategy(strategy: str, count: int, samples: int) -> None:
    assistant, model = scripted_assistant([("v0", "v1")])
    graph = assistant.suggest_graph(names(count), strategy=strategy, samples=samples)
    expected = EXPECTED_CALLS[strategy](count) * samples
    assert len(model.requests) == expected
    assert graph.usage is not None and graph.usage.calls == expected
    assert graph.metadata["strategy"] == strategy
    assert graph.edge_pairs == [("v0", "v1")]


@pytest.mark.parametrize("count", range(2, 13))
def test_auto_needs_at_most_n_plus_one_calls(count: int) -> None:
    assistant, model = scripted_assistant([("v0", "v1")])
    graph = assistant.suggest_graph(names(count))
    assert len(model.requests) <= count + 1
    expected = "whole" if count <= WHOLE_GRAPH_MAX_VARIABLES else "per_node"
    assert graph.metadata["strategy"] == expected
    assert len(model.requests) == EXPECTED_CALLS[expected](count)


@pytest.mark.parametrize("count", range(2, 13))
def test_auto_with_samples_multiplies_its_calls(count: int) -> None:
    assistant, model = scripted_assistant([])
    assistant.suggest_graph(names(count), samples=2)
    assert len(model.requests) <= 2 * (count + 1)


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
@pytest.mark.parametrize("count", [2, 3, 7])
def test_call_count_matches_the_queries(strategy: str, count: int) -> None:
    chosen = STRATEGIES[strategy]
    queries = chosen.queries(problem(count), 0, None)
    assert len(queries) == chosen.call_count(count) == EXPECTED_CALLS[strategy](count)


@pytest.mark.parametrize("strategy", ["per_node", "whole", "pairwise"])
def test_every_strategy_recovers_the_same_graph(strategy: str) -> None:
    assistant, _ = scripted_assistant(TRUTH)
    graph = assistant.suggest_graph(["a", "b", "c", "d"], strategy=strategy)
    assert graph.edge_pairs == [("a", "b"), ("a", "c"), ("b", "c")]
    assert graph.dropped == ()
    for edge in graph.edges:
        (provenance,) = edge.provenance
        assert provenance.origin == "model"
        assert provenance.strategy == strategy
        assert provenance.model == "scripted"
        assert provenance.prompt_version == graph.metadata["prompt_version"]
        assert len(provenance.cache_keys) == 1


def test_per_node_asks_each_variable_about_all_others_with_one_schema() -> None:
    assistant, model = scripted_assistant(TRUTH)
    assistant.suggest_graph(["a", "b", "c", "d"], strategy="per_node")
    asked = {}
    schemas = set()
    for request in model.requests:
        assert request.query is not None
        (target,) = request.query.subject
        asked[target] = request.query.names
        schema = request.response_format["json_schema"]["schema"]  # type: ignore[index]
        items = schema["properties"]["causes"]
        assert items["items"]["properties"]["variable"]["enum"] == ["a", "b", "c", "d"]
        assert items["maxItems"] == 3
        schemas.add(json.dumps(request.response_format, sort_keys=True))
    assert sorted(asked) == ["a", "b", "c", "d"]
    assert len(schemas) == 1, "the same reply schema for every target (a cacheable prefix)"


def test_per_node_drops_a_target_named_as_its_own_cause() -> None:
    def respond(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None
        (target,) = request.query.subject
        causes = [{"variable": target, "rationale": "itself", "confidence": "high"}]
        if target == "b":
            causes.append({"variable": "a", "rationale": "a drives b", "confidence": "high"})
        return {"causes": causes}

    model = ScriptedModel(respond=respond)
    graph = Assistant("scripted", client=model, cache_mode="off").suggest_graph(
        ["a", "b", "c"], strategy="per_node"
    )
    assert graph.edge_pairs == [("a", "b")]
    assert sorted(item.edge.pair for item in graph.dropped) == [("a", "a"), ("b", "b"), ("c", "c")]
    assert {item.reason for item in graph.dropped} == {"self_loop"}


def test_pairwise_asks_each_unordered_pair_once() -> None:
    assistant, model = scripted_assistant(TRUTH)
    assistant.suggest_graph(["a", "b", "c", "d"], strategy="pairwise")
    subjects = sorted(request.query.subject for request in model.requests if request.query)
    assert subjects == list(combinations("abcd", 2))


def test_pairwise_b_causes_a_becomes_the_reverse_edge() -> None:
    assistant, _ = scripted_assistant({("b", "a")})
    graph = assistant.suggest_graph(["a", "b", "c"], strategy="pairwise")
    assert graph.edge_pairs == [("b", "a")]


def test_whole_asks_once_with_every_variable() -> None:
    assistant, model = scripted_assistant(TRUTH)
    assistant.suggest_graph(["a", "b", "c", "d"], strategy="whole")
    (request,) = model.requests
    assert request.query is not None
    assert request.query.names == ("a", "b", "c", "d")
    schema = request.response_format["json_schema"]["schema"]  # type: ignore[index]
    item = schema["properties"]["edges"]["items"]["properties"]
    assert item["cause"]["enum"] == item["effect"]["enum"] == ["a", "b", "c", "d"]


def test_unknown_strategy_is_an_input_error() -> None:
    assistant, model = scripted_assistant(TRUTH)
    with pytest.raises(InputError, match="unknown strategy 'fastest'"):
        assistant.suggest_graph(["a", "b"], strategy="fastest")
    assert model.requests == []
    with pytest.raises(InputError):
        choose_strategy("PER_NODE", 5)


def test_samples_use_distinct_cache_keys_and_a_rerun_is_free(tmp_path: Path) -> None:
    variables = ["a", "b", "c", "d"]
    assistant, model = scripted_assistant(TRUTH, cache=tmp_path, cache_mode="read_write")
    first = assistant.suggest_graph(variables, strategy="per_node", samples=3)
    assert len(model.requests) == 12
    assert assistant.cache is not None
    assert len(list(assistant.cache.keys())) == 12
    # Samples of one question send the same messages: only the sample index tells them apart.
    by_target: dict[str, list[tuple[dict[str, str], ...]]] = {}
    for request in model.requests:
        assert request.query is not None
        by_target.setdefault(request.query.subject[0], []).append(request.messages)
    assert all(len(set(map(repr, messages))) == 1 for messages in by_target.values())
    assert all(len(edge.provenance[0].cache_keys) == 3 for edge in first.edges)

    rerun_assistant, rerun_model = scripted_assistant(
        TRUTH, cache=tmp_path, cache_mode="read_write"
    )
    second = rerun_assistant.suggest_graph(variables, strategy="per_node", samples=3)
    assert rerun_model.requests == []
    assert second.usage is not None
    assert (second.usage.calls, second.usage.cache_hits) == (0, 12)
    assert second.edges == first.edges

    more_assistant, more_model = scripted_assistant(TRUTH, cache=tmp_path, cache_mode="read_write")
    more_assistant.suggest_graph(variables, strategy="per_node", samples=4)
    assert [request.query.sample for request in more_model.requests if request.query] == [3] * 4
