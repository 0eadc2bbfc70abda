"""suggest_graph end to end: validation, re-asks, personas, progress, async, SDK over HTTP."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest
from _graph_replies import Pair, graph_replies, per_node_target, scripted_assistant

import pywhy_llm_assist
from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    ChatRequest,
    InputError,
    InvalidOutputError,
    ProgressEvent,
    QueriesFailedError,
    RetryPolicy,
)
from pywhy_llm_assist.testing import FakeOpenAIServer, FaultPlan, ScriptedModel

ABCD = ["a", "b", "c", "d"]
TRUTH = {("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")}
PERSONA_LINE = "Answer from the point of view of this expert (JSON string): "


def summary(graph: CausalGraph) -> list[tuple[str, str, int, int, float, str]]:
    return [
        (edge.source, edge.target, edge.votes, edge.asked, edge.confidence, edge.rationale)
        for edge in graph.edges
    ]


# ----------------------------------------------------------------------------- inputs
@pytest.mark.parametrize(
    ("variables", "options", "message"),
    [
        (["a"], {}, "at least two variables"),
        (ABCD, {"samples": 0}, "samples must be 1 or more"),
        (ABCD, {"threshold": 1.5}, "threshold is a vote share"),
        (ABCD, {"threshold": -0.1}, "threshold is a vote share"),
        (["a", "b", "A"], {}, "duplicate variable name"),
    ],
)
def test_bad_arguments_are_input_errors(
    variables: list[str], options: dict[str, Any], message: str
) -> None:
    assistant, model = scripted_assistant(TRUTH)
    with pytest.raises(InputError, match=message):
        assistant.suggest_graph(variables, **options)
    assert model.requests == []


def test_a_dataframe_gives_its_columns_as_the_variables() -> None:
    import pandas as pd

    assistant, _ = scripted_assistant(TRUTH)
    data = pd.DataFrame({name: [0.0, 1.0] for name in ABCD})
    graph = assistant.suggest_graph(data, strategy="per_node")
    assert [variable.name for variable in graph.variables] == ABCD
    assert graph.edge_pairs == [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")]


def test_result_carries_usage_and_metadata() -> None:
    assistant, model = scripted_assistant(TRUTH)
    graph = assistant.suggest_graph(
        {"a": "first", "b": "second", "c": "third", "d": "fourth"},
        context="a toy domain",
        strategy="per_node",
    )
    assert graph.edge_pairs == [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")]
    assert graph.variable("b").description == "second"
    assert graph.usage is not None and graph.usage.calls == 4
    assert assistant.usage.calls == 4
    metadata = graph.metadata
    assert metadata["task"] == "suggest_graph"
    assert (metadata["model"], metadata["strategy"], metadata["samples"]) == (
        "scripted",
        "per_node",
        1,
    )
    assert metadata["context"] == "a toy domain"
    assert metadata["threshold"] == 0.5
    assert metadata["prompt_version"] == assistant.engine.prompts.version("per_node")
    assert '"a toy domain"' in model.requests[0].messages[-1]["content"]


# ----------------------------------------------------------------------------- unknown names
def test_unknown_variable_is_re_asked_with_the_error_and_never_becomes_an_edge() -> None:
    answer = graph_replies(TRUTH)

    def respond(request: ChatRequest) -> dict[str, Any]:
        assert request.query is not None
        first_ask = len(request.messages) == 2
        if request.query.subject == ("c",) and first_ask:
            return {"causes": [{"variable": "zebra", "rationale": "?", "confidence": "high"}]}
        return answer(request)

    model = ScriptedModel(respond=respond)
    graph = Assistant("scripted", client=model, cache_mode="off").suggest_graph(
        ABCD, strategy="per_node"
    )
    assert graph.edge_pairs == [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")]
    assert all("zebra" not in item.edge.pair for item in graph.dropped)
    assert graph.usage is not None
    assert (graph.usage.calls, graph.usage.reasks) == (5, 1)
    (follow_up,) = [request for request in model.requests if len(request.messages) > 2]
    assert follow_up.query is not None and follow_up.query.subject == ("c",)
    assert "zebra" in follow_up.messages[-2]["content"]  # the rejected reply, as assistant turn
    feedback = follow_up.messages[-1]["content"]
    assert feedback.startswith("Your previous reply was rejected: ")
    assert "'zebra' is not one of the variables" in feedback
    assert len(graph.edge("a", "c").provenance[0].cache_keys) == 2  # both exchanges of "c"


def test_unknown_name_in_a_whole_graph_reply_is_re_asked() -> None:
    replies = [
        {"edges": [{"cause": "a", "effect": "rain", "rationale": "?", "confidence": "high"}]},
        {"edges": [{"cause": "a", "effect": "b", "rationale": "ok", "confidence": "high"}]},
    ]
    model = ScriptedModel(replies)
    graph = Assistant("scripted", client=model, cache_mode="off").suggest_graph(
        ABCD, strategy="whole"
    )
    assert graph.edge_pairs == [("a", "b")]
    assert "'rain' is not one of the variables" in model.requests[1].messages[-1]["content"]


def test_names_are_matched_case_insensitively_to_the_variable_set() -> None:
    model = ScriptedModel(
        [
            {
                "edges": [
                    {
                        "cause": " Smoking",
                        "effect": "CANCER",
                        "rationale": "x",
                        "confidence": "high",
                    }
                ]
            }
        ]
    )
    graph = Assistant("scripted", client=model, cache_mode="off").suggest_graph(
        ["smoking", "cancer"], strategy="whole"
    )
    assert graph.edge_pairs == [("smoking", "cancer")]


def test_a_model_that_keeps_naming_unknown_variables_fails_the_run() -> None:
    def respond(request: ChatRequest) -> dict[str, Any]:
        return {"causes": [{"variable": "zebra", "rationale": "?", "confidence": "high"}]}

    model = ScriptedModel(respond=respond)
    assistant = Assistant("scripted", client=model, cache_mode="off", max_reasks=1)
    with pytest.raises(QueriesFailedError) as caught:
        assistant.suggest_graph(["a", "b", "c"], strategy="per_node")
    assert len(model.requests) == 6  # 3 queries x (1 ask + 1 re-ask)
    assert caught.value.completed == 0
    assert all(isinstance(error, InvalidOutputError) for _, error in caught.value.failures)


# ----------------------------------------------------------------------------- personas
def test_personas_rotate_across_samples_and_come_last_in_the_prompt() -> None:
    personas = ["an epidemiologist", "a health economist"]
    assistant, model = scripted_assistant(TRUTH)
    graph = assistant.suggest_graph(ABCD, strategy="whole", samples=3, personas=personas)
    seen = {}
    for request in model.requests:
        assert request.query is not None
        user = request.messages[-1]
        assert user["role"] == "user"
        last = user["content"].splitlines()[-1]
        assert last.startswith(PERSONA_LINE), "what differs across samples comes last"
        seen[request.query.sample] = json.loads(last.removeprefix(PERSONA_LINE))
    assert seen == {0: "an epidemiologist", 1: "a health economist", 2: "an epidemiologist"}
    assert graph.metadata["personas"] == personas
    assert all(edge.votes == 3 for edge in graph.edges)


def test_a_single_persona_string_is_one_persona_and_none_means_no_persona_line() -> None:
    assistant, model = scripted_assistant(TRUTH)
    assistant.suggest_graph(ABCD, strategy="per_node", personas="a cardiologist")
    assert all(
        PERSONA_LINE + '"a cardiologist"' in r.messages[-1]["content"] for r in model.requests
    )

    assistant, model = scripted_assistant(TRUTH)
    assistant.suggest_graph(ABCD, strategy="per_node")
    assert all(
        PERSONA_LINE not in message["content"]
        for request in model.requests
        for message in request.messages
    )


# ----------------------------------------------------------------------------- progress, APIs
def test_progress_reports_each_finished_query() -> None:
    events: list[ProgressEvent] = []
    assistant, _ = scripted_assistant(TRUTH)
    assistant.suggest_graph(ABCD, strategy="per_node", samples=2, progress=events.append)
    assert [event.done for event in events] == list(range(1, 9))
    assert {event.total for event in events} == {8}
    assert {event.task for event in events} == {"per_node"}
    assert any("'c'" in event.description for event in events)


def test_async_twin_gives_the_same_graph() -> None:
    assistant, _ = scripted_assistant(TRUTH)
    expected = assistant.suggest_graph(ABCD, strategy="per_node", samples=2)

    async def main() -> CausalGraph:
        twin, _ = scripted_assistant(TRUTH)
        return await twin.suggest_graph_async(ABCD, strategy="per_node", samples=2)

    graph = asyncio.run(main())
    assert summary(graph) == summary(expected)
    assert graph.dropped == expected.dropped


def test_sync_call_works_inside_a_running_event_loop() -> None:
    async def main() -> CausalGraph:
        assistant, _ = scripted_assistant(TRUTH)
        return assistant.suggest_graph(ABCD, strategy="whole")

    assert asyncio.run(main()).edge_pairs == [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")]


def test_module_level_suggest_graph_uses_the_given_assistant() -> None:
    assistant, model = scripted_assistant(TRUTH)
    graph = pywhy_llm_assist.suggest_graph(ABCD, assistant=assistant, strategy="whole", samples=2)
    assert graph.edge_pairs == [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")]
    assert len(model.requests) == 2


def test_concurrency_limit_holds_with_a_slow_scripted_model() -> None:
    model = ScriptedModel(respond=graph_replies(TRUTH), latency=0.02)
    assistant = Assistant("scripted", client=model, cache_mode="off", concurrency=3)
    graph = assistant.suggest_graph([*ABCD, "e", "f", "g", "h"], strategy="per_node")
    assert graph.edge_pairs == [("a", "b"), ("a", "c"), ("b", "c"), ("c", "d")]
    assert model.max_in_flight == 3


# ----------------------------------------------------------------------------- over HTTP
class GroundTruthServer:
    """A fake-server responder that answers per_node and whole requests from a set of edges."""

    def __init__(self, names: list[str], edges: set[Pair]) -> None:
        self.names = names
        self.edges = edges

    def __call__(self, body: dict[str, Any]) -> str:
        schema = body["response_format"]["json_schema"]
        properties = schema["schema"]["properties"]
        if schema["name"] == "WholeGraphReply":
            edges = [
                {"cause": s, "effect": t, "rationale": f"{s} drives {t}", "confidence": "high"}
                for s, t in sorted(self.edges)
            ]
            return json.dumps({"edges": edges})
        assert properties["causes"]["items"]["properties"]["variable"]["enum"] == self.names
        target = per_node_target(body)
        causes = [
            {"variable": s, "rationale": f"{s} drives {target}", "confidence": "high"}
            for s in self.names
            if (s, target) in self.edges
        ]
        return json.dumps({"causes": causes})


def random_dag(size: int, seed: int) -> tuple[list[str], set[Pair]]:
    names = [f"x{index}" for index in range(size)]
    generator = random.Random(seed)
    edges = {
        (names[i], names[j]) for j in range(size) for i in range(j) if generator.random() < 0.3
    }
    return names, edges


def test_sdk_over_a_loopback_server_matches_the_scripted_model() -> None:
    names, edges = random_dag(10, seed=7)
    with FakeOpenAIServer(GroundTruthServer(names, edges), latency=0.05) as server:
        assistant = Assistant(
            "fake-model", base_url=server.base_url, api_key="test", cache_mode="off", concurrency=4
        )
        graph = assistant.suggest_graph(names, strategy="per_node")
        assert 2 <= server.max_in_flight <= 4
        chat = server.chat_requests
    assert len(chat) == 10
    assert all(request.body["response_format"]["type"] == "json_schema" for request in chat)
    assert all(request.headers["authorization"] == "Bearer test" for request in chat)
    scripted, _ = scripted_assistant(edges)
    expected = scripted.suggest_graph(names, strategy="per_node")
    assert set(graph.edge_pairs) == edges
    assert summary(graph) == summary(expected)
    assert graph.is_acyclic() and graph.dropped == ()


def test_sdk_run_survives_rate_limits_server_errors_and_unknown_names() -> None:
    names, edges = random_dag(8, seed=3)
    plan = FaultPlan(
        seed=11,
        rates={"rate_limit": 0.2, "server_error_503": 0.1, "unknown_variable": 0.1},
    )
    with FakeOpenAIServer(GroundTruthServer(names, edges), fault_plan=plan) as server:
        assistant = Assistant(
            "fake-model",
            base_url=server.base_url,
            api_key="test",
            cache_mode="off",
            concurrency=4,
            retry=RetryPolicy(initial_wait=0.01, max_wait=0.05, jitter=0.01),
        )
        graph = assistant.suggest_graph(names, strategy="per_node", samples=2)
        faults = server.fault_counts
        assert server.max_in_flight <= 4
    assert sum(faults.values()) > 0
    assert set(graph.edge_pairs) == edges
    assert graph.usage is not None
    assert graph.usage.retries == faults["rate_limit"] + faults["server_error_503"]
    assert graph.usage.reasks == faults["unknown_variable"]
    assert "not_a_variable" not in {name for item in graph.dropped for name in item.edge.pair}
