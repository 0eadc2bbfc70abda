"""Assistant: construction, strategies, samples, constraints and the sync/async API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from _snapshot import example_reply, sent_schema

from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    InputError,
    OpenAIBackend,
    ResponseCache,
)
from pywhy_llm_assist.llm._backends import ChatRequest
from pywhy_llm_assist.testing import ScriptedModel

FOUR = ["rain", "sprinkler", "wet grass", "slippery"]


def minimal(request: ChatRequest) -> Any:
    return example_reply(sent_schema(request))


def assistant_for(model: ScriptedModel, **options: Any) -> Assistant:
    options.setdefault("cache_mode", "off")
    return Assistant("scripted", client=model, **options)


# ---------------------------------------------------------------- construction
def test_model_name_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYWHY_LLM_ASSIST_MODEL", raising=False)
    with pytest.raises(InputError, match=r"PYWHY_LLM_ASSIST_MODEL.*Assistant\.local"):
        Assistant(client=ScriptedModel())
    monkeypatch.setenv("PYWHY_LLM_ASSIST_MODEL", "from-env")
    assert Assistant(client=ScriptedModel(), cache_mode="off").model == "from-env"


def test_client_type_is_checked() -> None:
    with pytest.raises(InputError, match="client must be"):
        Assistant("m", client="not a client")  # type: ignore[arg-type]


def test_backend_selection(tmp_path: Path) -> None:
    scripted = ScriptedModel()
    assert assistant_for(scripted).engine.backend is scripted
    remote = Assistant("m", base_url="http://127.0.0.1:5/v1", cache_mode="off")
    assert isinstance(remote.engine.backend, OpenAIBackend)
    assert remote.engine.backend.base_url == "http://127.0.0.1:5/v1"
    cache = ResponseCache(tmp_path)
    assert Assistant("m", client=scripted, cache=cache).cache is cache
    assert Assistant("m", client=scripted, cache=tmp_path / "c").cache.folder == tmp_path / "c"  # type: ignore[union-attr]


def test_repr_close_and_context_manager() -> None:
    with assistant_for(ScriptedModel()) as assistant:
        assert repr(assistant) == "Assistant(model='scripted', cache_mode='off')"
    assistant.close()  # idempotent, nothing to stop


def test_options_reach_the_requests() -> None:
    model = ScriptedModel(respond=minimal)
    assistant_for(model, temperature=0.3, seed=11).suggest_graph(["a", "b"], strategy="whole")
    (request,) = model.requests
    assert (request.temperature, request.seed, request.model) == (0.3, 11, "scripted")
    assert request.payload()["temperature"] == 0.3
    none = ScriptedModel(respond=minimal)
    assistant_for(none, temperature=None).suggest_graph(["a", "b"], strategy="whole")
    assert "temperature" not in none.requests[0].payload()
    assert "seed" not in none.requests[0].payload()


# ---------------------------------------------------------------- strategies
@pytest.mark.parametrize(
    ("strategy", "count", "calls"),
    [
        ("auto", 3, 1),
        ("auto", 4, 4),
        ("whole", 4, 1),
        ("per_node", 3, 3),
        ("pairwise", 4, 6),
    ],
)
def test_strategies_make_the_expected_number_of_calls(
    strategy: str, count: int, calls: int
) -> None:
    model = ScriptedModel(respond=minimal)
    graph = assistant_for(model).suggest_graph(FOUR[:count], strategy=strategy)
    assert len(model.requests) == calls
    assert isinstance(graph, CausalGraph)
    assert graph.names == tuple(FOUR[:count])


def test_bad_arguments_are_input_errors() -> None:
    assistant = assistant_for(ScriptedModel(respond=minimal))
    with pytest.raises(InputError, match="unknown strategy 'magic'"):
        assistant.suggest_graph(FOUR, strategy="magic")
    with pytest.raises(InputError, match="at least two"):
        assistant.suggest_graph(["alone"])
    with pytest.raises(InputError, match="samples"):
        assistant.suggest_graph(FOUR, samples=0)
    with pytest.raises(InputError, match="threshold"):
        assistant.suggest_graph(FOUR, threshold=1.5)
    with pytest.raises(InputError, match="not among the variables"):
        assistant.suggest_graph(FOUR, required=[("rain", "umbrella")])


def test_samples_and_personas_vary_the_questions() -> None:
    model = ScriptedModel(respond=minimal)
    assistant_for(model).suggest_graph(
        ["a", "b"], strategy="whole", samples=3, personas=["an ecologist", "a farmer"]
    )
    samples = [request.query.sample for request in model.requests if request.query]
    assert sorted(samples) == [0, 1, 2]
    personas = [request.query.inputs["persona"] for request in model.requests if request.query]
    assert sorted(personas) == ["a farmer", "an ecologist", "an ecologist"]
    assert any("an ecologist" in request.messages[-1]["content"] for request in model.requests)


def test_votes_across_samples_and_threshold() -> None:
    answers = iter(
        [
            {"edges": [{"cause": "a", "effect": "b", "rationale": "r", "confidence": "high"}]},
            {"edges": [{"cause": "a", "effect": "b", "rationale": "r", "confidence": "high"}]},
            {"edges": []},
        ]
    )
    model = ScriptedModel(respond=lambda request: next(answers))
    graph = assistant_for(model, concurrency=1).suggest_graph(
        ["a", "b"], strategy="whole", samples=3, threshold=0.5
    )
    edge = graph.edge("a", "b")
    assert (edge.votes, edge.asked) == (2, 3)
    assert 0.5 <= edge.confidence <= 1


def test_a_proposed_cycle_never_reaches_the_graph() -> None:
    reply = {
        "edges": [
            {"cause": "a", "effect": "b", "rationale": "r", "confidence": "high"},
            {"cause": "b", "effect": "c", "rationale": "r", "confidence": "high"},
            {"cause": "c", "effect": "a", "rationale": "r", "confidence": "low"},
        ]
    }
    graph = assistant_for(ScriptedModel([reply])).suggest_graph(["a", "b", "c"], strategy="whole")
    assert graph.is_acyclic()
    assert ("c", "a") not in graph.edge_pairs
    assert any(item.reason == "cycle" for item in graph.dropped)


def test_constraints_reach_the_prompt_and_the_graph() -> None:
    model = ScriptedModel(respond=minimal)
    graph = assistant_for(model).suggest_graph(
        ["a", "b", "c"],
        strategy="whole",
        required=[("a", "b")],
        forbidden=[("c", "a")],
        tiers=[["a"], ["b", "c"]],
    )
    user = model.requests[0].messages[1]["content"]
    assert '[["a", "b"]]' in user and '[["c", "a"]]' in user and '[["a"], ["b", "c"]]' in user
    assert graph.edge_pairs == [("a", "b")]
    assert graph.metadata["constraints"]["required"] == [["a", "b"]]


def test_provenance_of_model_edges() -> None:
    reply = {"edges": [{"cause": "a", "effect": "b", "rationale": "because", "confidence": "high"}]}
    assistant = assistant_for(ScriptedModel([reply]), cache_mode="read_write")
    graph = assistant.suggest_graph(["a", "b"], strategy="whole")
    (provenance,) = graph.edge("a", "b").provenance
    assert provenance.origin == "model" and provenance.model == "scripted"
    assert provenance.strategy == "whole"
    assert provenance.prompt_version == assistant.engine.prompts.version("whole_graph")
    assert assistant.cache is not None
    assert list(provenance.cache_keys) == list(assistant.cache.keys())
    assert graph.metadata["model"] == "scripted" and graph.metadata["strategy"] == "whole"


# ---------------------------------------------------------------- sync and async
def test_async_api_on_the_callers_loop() -> None:
    model = ScriptedModel(respond=minimal, latency=0.001)
    assistant = assistant_for(model)

    async def main() -> list[CausalGraph]:
        return list(
            await asyncio.gather(
                assistant.suggest_graph_async(["a", "b"], strategy="whole"),
                assistant.suggest_graph_async(["c", "d"], strategy="whole"),
            )
        )

    graphs = asyncio.run(main())
    assert [graph.names for graph in graphs] == [("a", "b"), ("c", "d")]


def test_sync_api_inside_a_running_event_loop() -> None:
    model = ScriptedModel(respond=minimal)
    assistant = assistant_for(model)

    async def main() -> CausalGraph:
        asyncio.get_running_loop()  # a loop is running here, as in a Jupyter cell
        return assistant.suggest_graph(FOUR, strategy="per_node")

    graph = asyncio.run(main())
    assert graph.names == tuple(FOUR)
    assert len(model.requests) == 4


# ---------------------------------------------------------------- cache key and servers
def _serve(answer: str) -> Any:
    from pywhy_llm_assist.testing import FakeOpenAIServer

    reply = '{"edges": [{"cause": "rain", "effect": "%s", "rationale": "r", "confidence": "high"}]}'
    return FakeOpenAIServer(lambda body: reply % answer).start()


def _ask(server: Any, cache: Path, **options: Any) -> tuple[list[tuple[str, str]], int]:
    with Assistant(
        "fake-model", base_url=server.base_url, api_key="k", cache=cache, **options
    ) as assistant:
        graph = assistant.suggest_graph(["rain", "wet grass", "slippery"], strategy="whole")
        return graph.edge_pairs, assistant.usage.cache_hits


def test_by_default_two_servers_with_one_model_name_share_answers(tmp_path: Path) -> None:
    first, second = _serve("wet grass"), _serve("slippery")
    try:
        assert _ask(first, tmp_path) == ([("rain", "wet grass")], 0)
        # The server's URL is not in the key: the second server is never asked.
        assert _ask(second, tmp_path) == ([("rain", "wet grass")], 1)
        assert len(second.chat_requests) == 0
    finally:
        first.close()
        second.close()


def test_cache_key_includes_server_keeps_their_answers_apart(tmp_path: Path) -> None:
    first, second = _serve("wet grass"), _serve("slippery")
    try:
        _ask(first, tmp_path)  # recorded without the server in the key
        by_server = {"cache_key_includes_server": True}
        assert _ask(first, tmp_path, **by_server) == ([("rain", "wet grass")], 0)  # a new key
        assert _ask(second, tmp_path, **by_server) == ([("rain", "slippery")], 0)
        assert len(second.chat_requests) == 1
        # Each server finds its own answers again, whatever the URL's spelling.
        spelled = first.base_url.replace("http://", "HTTP://").rstrip("/") + "/"
        with Assistant(
            "fake-model", base_url=spelled, api_key="k", cache=tmp_path, **by_server
        ) as again:
            again.suggest_graph(["rain", "wet grass", "slippery"], strategy="whole")
            assert again.usage.cache_hits == 1
    finally:
        first.close()
        second.close()
    assert len(list(ResponseCache(tmp_path).keys())) == 3


def test_the_server_in_the_key_never_holds_credentials() -> None:
    from pywhy_llm_assist.llm._server_identity import server_identity

    backend = OpenAIBackend(base_url="HTTPS://ada:secret@Example.org/v1/?api-key=abc#x")
    assert server_identity(backend) == "https://example.org:443/v1"
    assert server_identity(ScriptedModel()) == "scripted"
    assert server_identity(object()) == "object"
