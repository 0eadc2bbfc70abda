"""Cache robustness under real processes: concurrent writers, hard kills, hand-made corruption.

`tests/llm/test_cache.py` covers the cache's unit behaviour in one process; here several
processes write one cache folder at once, a writer is killed with SIGKILL in the middle of
its writes, and corrupted entries go through the whole stack (SDK, loopback server, engine)
with the requests counted at the server.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from pywhy_llm_assist import (
    Assistant,
    QueriesFailedError,
    ReplayMissError,
    ResponseCache,
    RetryPolicy,
)
from pywhy_llm_assist.llm._cache import CorruptEntryError, cache_key
from pywhy_llm_assist.testing import FakeOpenAIServer

KEYS = [cache_key({"question": index}) for index in range(60)]
VARIABLES = {f"v{index}": f"the {index}th measurement" for index in range(6)}
POLICY = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.02, jitter=0.0)

WRITER = textwrap.dedent(
    """
    import hashlib, sys
    from pywhy_llm_assist import ResponseCache
    from pywhy_llm_assist.llm._cache import cache_key

    folder, writer, rounds, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    keys = [cache_key({"question": index}) for index in range(60)]
    cache = ResponseCache(folder)
    for round_index in range(rounds):
        order = keys if (writer + round_index) % 2 == 0 else keys[::-1]
        for key in order:
            payload = f"{writer}:{round_index}:{key}:" + "x" * size
            digest = hashlib.sha256(payload.encode()).hexdigest()
            cache.put(key, {"response": {"choices": []}, "payload": payload, "digest": digest})
    """
)


def check_entry(cache: ResponseCache, key: str) -> dict[str, Any] | None:
    """A complete entry for `key` (or None); a torn or mixed entry fails the test."""
    entry = cache.get(key)  # raises CorruptEntryError on a partial file
    if entry is not None:
        digest = hashlib.sha256(entry["payload"].encode()).hexdigest()
        assert digest == entry["digest"], f"{key}: the payload and its digest come from two writes"
    return entry


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.tmp"))


def python(code: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_two_processes_writing_the_same_keys_lose_and_corrupt_nothing(tmp_path: Path) -> None:
    writers = [python(WRITER, str(tmp_path), str(writer), "3", "20000") for writer in (0, 1)]
    cache = ResponseCache(tmp_path)
    reads = 0
    while any(process.poll() is None for process in writers):
        for key in KEYS[::7]:
            try:
                check_entry(cache, key)
            except CorruptEntryError as error:  # pragma: no cover - the failure being tested
                pytest.fail(f"a reader saw a partial entry while two processes wrote: {error}")
            reads += 1
        time.sleep(0.01)
    for process in writers:
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr.decode()
    assert reads > 0
    assert sorted(cache.keys()) == sorted(KEYS), "every key written by both processes is there"
    for key in KEYS:
        entry = check_entry(cache, key)
        assert entry is not None and entry["key"] == key
        assert entry["payload"].split(":")[1] == "2", "the last round's write won"
    assert temp_files(tmp_path) == []
    assert cache.stats()["corrupt"] == 0


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from pywhy_llm_assist import ResponseCache
    from pywhy_llm_assist.llm._cache import cache_key

    cache = ResponseCache(sys.argv[1])
    print("ready", flush=True)
    index = 0
    while True:  # until SIGKILL
        cache.put(cache_key({"question": index % 500}),
                  {"response": {"choices": []}, "payload": "y" * 200000, "index": index})
        index += 1
    """
)


def test_a_writer_killed_mid_write_leaves_only_complete_entries(tmp_path: Path) -> None:
    process = python(KILLED_WRITER, str(tmp_path))
    assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
    deadline = time.monotonic() + 30
    while len(list(ResponseCache(tmp_path).keys())) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # then somewhere in the middle of a write
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    cache = ResponseCache(tmp_path)
    keys = list(cache.keys())
    assert keys, "the writer stored nothing before it was killed; give it more time"
    for key in keys:
        entry = cache.get(key)  # a partial entry would raise CorruptEntryError
        assert entry is not None and len(entry["payload"]) == 200000
    assert cache.stats()["corrupt"] == 0
    # A temp file the killed writer left behind is not an entry, and does not disturb reads.
    assert all(path.name.startswith(".") for path in temp_files(tmp_path))


CRASH_BEFORE_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    from pywhy_llm_assist import ResponseCache

    def die(source, destination):
        os.kill(os.getpid(), signal.SIGKILL)  # the process dies between write and rename

    os.replace = die
    ResponseCache(sys.argv[1]).put(sys.argv[2], {"response": {"choices": []}, "partial": False})
    """
)


def test_a_process_killed_between_write_and_rename_leaves_no_entry(tmp_path: Path) -> None:
    key = KEYS[0]
    process = python(CRASH_BEFORE_RENAME, str(tmp_path), key)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    cache = ResponseCache(tmp_path)
    assert len(temp_files(tmp_path)) == 1, "the fully written temporary file is left behind"
    assert cache.get(key) is None
    assert list(cache.keys()) == []
    assert cache.stats()["entries"] == cache.stats()["corrupt"] == 0
    cache.put(key, {"response": {"choices": []}})
    assert cache.get(key) is not None


# ------------------------------------------------------------------ the whole stack
def answer(body: dict[str, Any]) -> str:
    """v(i-1) causes v(i): read the target from the per_node prompt."""
    content = next(m["content"] for m in body["messages"] if m["role"] == "user")
    target = json.JSONDecoder().raw_decode(content.split("Target variable (JSON):", 1)[1].lstrip())
    index = int(target[0][1:])
    causes = [] if index == 0 else [f"v{index - 1}"]
    return json.dumps(
        {"causes": [{"variable": c, "rationale": "before", "confidence": "high"} for c in causes]}
    )


EXPECTED = [(f"v{index - 1}", f"v{index}") for index in range(1, len(VARIABLES))]


def suggest(server: FakeOpenAIServer, cache: Path, mode: str = "read_write") -> Any:
    assistant = Assistant(
        "fake-model",
        base_url=server.base_url,
        api_key="sk-fake-cache",
        cache=cache,
        cache_mode=mode,
        retry=POLICY,
    )
    return assistant.suggest_graph(VARIABLES, strategy="per_node")


RUN = textwrap.dedent(
    """
    import json, sys
    from pywhy_llm_assist import Assistant
    assistant = Assistant("fake-model", base_url=sys.argv[1], api_key="sk-fake-cache",
                          cache=sys.argv[2], concurrency=4)
    variables = json.loads(sys.argv[3])
    for _ in range(2):
        graph = assistant.suggest_graph(variables, strategy="per_node")
    print(json.dumps(graph.edge_pairs))
    """
)


def test_two_processes_running_suggest_graph_on_one_cache(tmp_path: Path) -> None:
    with FakeOpenAIServer(answer, latency=0.02) as server:
        runs = [python(RUN, server.base_url, str(tmp_path), json.dumps(VARIABLES)) for _ in (0, 1)]
        outputs = []
        for process in runs:
            stdout, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr.decode()
            outputs.append([tuple(pair) for pair in json.loads(stdout)])
        assert outputs == [EXPECTED, EXPECTED]
        assert len(server.chat_requests) <= 2 * len(VARIABLES), "no run asked twice"
        cache = ResponseCache(tmp_path)
        assert len(list(cache.keys())) == len(VARIABLES)
        assert cache.stats()["corrupt"] == 0
        before = len(server.chat_requests)
        assert suggest(server, tmp_path).edge_pairs == EXPECTED
        assert len(server.chat_requests) == before


def _truncate(text: str) -> str:
    return text[: len(text) // 2]


def _reshape(change: Any) -> Any:
    def corrupt(text: str) -> str:
        entry = json.loads(text)
        change(entry)
        return json.dumps(entry)

    return corrupt


CORRUPTIONS: dict[str, Any] = {
    "truncated": _truncate,
    "empty": lambda text: "",
    "not utf-8": lambda text: "\udcff",  # written with surrogateescape: a lone 0xff byte
    "a list": lambda text: "[1, 2, 3]",
    "another key": _reshape(lambda entry: entry.update(key="0" * 64)),
    "no response": _reshape(lambda entry: entry.pop("response")),
    "response is text": _reshape(lambda entry: entry.update(response="garbage")),
    "choices is text": _reshape(lambda entry: entry["response"].update(choices="garbage")),
    "no choices": _reshape(lambda entry: entry["response"].update(choices=[])),
    "choice is a number": _reshape(lambda entry: entry["response"].update(choices=[7])),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_corrupted_entry_is_reported_and_fetched_again(
    corruption: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeOpenAIServer(answer) as server:
        assert suggest(server, tmp_path).edge_pairs == EXPECTED
        cache = ResponseCache(tmp_path)
        victim = sorted(cache.keys())[0]
        path = cache.path_for(victim)
        original = path.read_text(encoding="utf-8")
        path.write_bytes(
            CORRUPTIONS[corruption](original).encode("utf-8", errors="surrogateescape")
        )
        before = len(server.chat_requests)
        with caplog.at_level(logging.WARNING, logger="pywhy_llm_assist"):
            graph = suggest(server, tmp_path)
        assert graph.edge_pairs == EXPECTED
        assert len(server.chat_requests) - before == 1, "only the corrupted entry is fetched"
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("corrupt cache entry" in text and victim in text for text in warnings), warnings
        repaired = cache.get(victim)
        assert repaired is not None and repaired["response"]["choices"]


def test_a_corrupted_entry_in_replay_mode_is_a_replay_miss_never_a_call(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeOpenAIServer(answer) as server:
        suggest(server, tmp_path)
        cache = ResponseCache(tmp_path)
        victim = sorted(cache.keys())[0]
        cache.path_for(victim).write_text('{"key": "broken"', encoding="utf-8")
        before = len(server.chat_requests)
        with (
            caplog.at_level(logging.WARNING, logger="pywhy_llm_assist"),
            pytest.raises(QueriesFailedError) as caught,
        ):
            suggest(server, tmp_path, mode="replay")
        ((_, miss),) = caught.value.failures
        assert isinstance(miss, ReplayMissError) and miss.key == victim
        assert len(server.chat_requests) == before
        assert any(victim in record.getMessage() for record in caplog.records)
