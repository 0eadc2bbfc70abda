"""Nothing paid for is lost, and nothing that is not ours is touched.

An unwritable cache is found before the first request; a write that fails later keeps the
run going with its answers in memory; a cache entry is trusted only when the request it
stores hashes to its key; FIFOs, folders and huge files in the cache neither hang nor crash;
``prune`` deletes only files it can prove are entries.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from pywhy_llm_assist import Assistant, InputError, ResponseCache
from pywhy_llm_assist.llm._cache import (
    MAX_ENTRY_BYTES,
    CacheNotWritableError,
    CorruptEntryError,
    cache_key,
    entry_matches_key,
)
from pywhy_llm_assist.testing import FakeOpenAIServer

VARIABLES = {"rain": "whether it rained", "wet": "whether the grass is wet", "cold": "a cold day"}


def per_node(body: dict[str, Any]) -> str:
    """rain -> wet, nothing else."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    marker = "Target variable (JSON):"
    target = json.JSONDecoder().raw_decode(user.split(marker, 1)[1].lstrip())[0]
    causes = [{"variable": "rain", "rationale": "water", "confidence": "high"}]
    return json.dumps({"causes": causes if target == "wet" else []})


def assistant_for(server: FakeOpenAIServer, cache: Path, mode: str = "read_write") -> Assistant:
    return Assistant("fake-model", base_url=server.base_url, cache=cache, cache_mode=mode)


def finishes(function: Any, *arguments: Any) -> tuple[bool, Any]:
    """Run `function` in a thread; (whether it ended within 20 s, its result or exception)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(function(*arguments))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    return (not thread.is_alive(), outcome[0] if outcome else None)


# ---------------------------------------------------------------- unwritable caches
def test_a_cache_under_a_file_is_refused_before_any_request(tmp_path: Path) -> None:
    blocker = tmp_path / "variables.yaml"
    blocker.write_text("rain: x\n")
    with (
        FakeOpenAIServer(per_node) as server,
        pytest.raises(CacheNotWritableError, match="nothing was sent"),
    ):
        assistant_for(server, blocker / "sub").suggest_graph(VARIABLES, strategy="per_node")
    assert server.chat_requests == []


def test_a_readonly_cache_with_every_answer_still_works(tmp_path: Path) -> None:
    with FakeOpenAIServer(per_node) as server:
        first = assistant_for(server, tmp_path).suggest_graph(VARIABLES, strategy="per_node")
        blocked = ResponseCache(tmp_path)
        blocked.ensure_writable = lambda: (_ for _ in ()).throw(  # type: ignore[method-assign]
            CacheNotWritableError("read-only")
        )
        again = Assistant("fake-model", base_url=server.base_url, cache=blocked)
        assert again.suggest_graph(VARIABLES, strategy="per_node").edges == first.edges
    assert len(server.chat_requests) == 3, "the second run was answered from the cache"


def test_a_write_that_fails_later_keeps_every_answer_and_is_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def full_disk(self: ResponseCache, key: str, entry: Any) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ResponseCache, "put", full_disk)
    with FakeOpenAIServer(per_node) as server:
        assistant = assistant_for(server, tmp_path)
        graph = assistant.suggest_graph(VARIABLES, strategy="per_node")
    assert [(edge.source, edge.target) for edge in graph.edges] == [("rain", "wet")]
    failures = assistant.engine.cache_failures
    assert len(failures) == 3 and {f.reason for f in failures} == {"No space left on device"}
    warnings = [r for r in caplog.records if "could not write an answer" in r.getMessage()]
    assert len(warnings) == 1


# ---------------------------------------------------------------- trusted entries
def test_an_entry_whose_request_does_not_hash_to_its_key_is_fetched_again(
    tmp_path: Path,
) -> None:
    with FakeOpenAIServer(per_node) as server:
        assistant_for(server, tmp_path).suggest_graph(VARIABLES, strategy="per_node")
        cache = ResponseCache(tmp_path)
        entries = {key: cache.get(key) for key in list(cache.keys())}
        by_target = {entry["subject"][0]: (key, entry) for key, entry in entries.items() if entry}
        (wet_key, wet), (rain_key, rain) = by_target["wet"], by_target["rain"]
        # Swap the two answers and edit the key fields to match: the attack of the report.
        cache.put(rain_key, {**wet, "key": rain_key})
        cache.put(wet_key, {**rain, "key": wet_key})
        assert not entry_matches_key(cache.get(rain_key) or {}, rain_key)
        graph = assistant_for(server, tmp_path).suggest_graph(VARIABLES, strategy="per_node")
    assert [(edge.source, edge.target) for edge in graph.edges] == [("rain", "wet")]
    assert len(server.chat_requests) == 5, "both swapped entries were asked for again"


# ---------------------------------------------------------------- files that never end
def test_a_fifo_in_the_cache_is_a_corrupt_entry_not_a_hang(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key({"q": "fifo"})
    cache.path_for(key).parent.mkdir(parents=True)
    os.mkfifo(cache.path_for(key))
    ended, outcome = finishes(cache.get, key)
    assert ended, "reading a FIFO entry hung"
    assert isinstance(outcome, CorruptEntryError) and "FIFO" in str(outcome)
    ended, stats = finishes(cache.stats)
    assert ended and stats["corrupt"] == 1


@pytest.mark.parametrize("kind", ["device", "folder", "huge"])
def test_devices_folders_and_huge_files_in_the_cache_are_corrupt_entries(
    tmp_path: Path, kind: str
) -> None:
    cache = ResponseCache(tmp_path)
    good = cache_key({"q": "good"})
    cache.put(good, {"response": {}})
    key = cache_key({"q": kind})
    path = cache.path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    else:
        with path.open("wb") as handle:  # sparse: costs no disk
            handle.truncate(MAX_ENTRY_BYTES + 1)
    with pytest.raises(CorruptEntryError):
        cache.get(key)
    assert cache.stats()["corrupt"] == 1
    cache.prune()
    assert path.exists() is (kind == "folder"), "a folder is not ours to delete"
    assert cache.get(good) is not None


# ---------------------------------------------------------------- prune
def test_prune_never_deletes_files_that_are_not_entries(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "db").mkdir(parents=True)
    (project / "en").mkdir()
    (project / "db" / "db_config.json").write_text('{"host": "prod"}')
    (project / "en" / "en.json").write_text("{}")
    cache = ResponseCache(project)
    assert list(cache.keys()) == []
    assert cache.prune() == 0
    assert (project / "db" / "db_config.json").exists() and (project / "en" / "en.json").exists()


def test_prune_refuses_a_folder_that_holds_no_valid_entry(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    stray = cache.path_for(cache_key({"q": "not ours"}))
    stray.parent.mkdir(parents=True)
    stray.write_text('{"settings": true}')
    with pytest.raises(InputError, match="no valid cache entry"):
        cache.prune()
    assert stray.exists()


@pytest.mark.parametrize("days", [float("nan"), float("inf"), -1.0])
def test_prune_refuses_an_age_that_is_not_a_number_of_days(tmp_path: Path, days: float) -> None:
    with pytest.raises(InputError, match="0 or more days"):
        ResponseCache(tmp_path).prune(older_than_days=days)


def test_stats_survive_junk_usage_in_an_entry(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    for index, usage in enumerate(
        [{"prompt_tokens": "n/a"}, {"prompt_tokens": 1e400}, {"completion_tokens": -5}, "junk"]
    ):
        cache.put(cache_key({"q": index}), {"response": {}, "usage": usage})
    cache.put(cache_key({"q": "ok"}), {"response": {}, "usage": {"prompt_tokens": 7}})
    stats = cache.stats()
    assert (stats["entries"], stats["prompt_tokens"], stats["completion_tokens"]) == (5, 7, 0)
