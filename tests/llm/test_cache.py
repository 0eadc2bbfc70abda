"""The response cache: layout, atomic writes, corruption, stats, prune, keys and modes."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pywhy_llm_assist import (
    Answer,
    Assistant,
    InputError,
    LanguageModel,
    PromptLibrary,
    Query,
    ReplayMissError,
    ResponseCache,
)
from pywhy_llm_assist.llm._cache import (
    CACHE_MODES,
    CorruptEntryError,
    cache_key,
    canonical_json,
    default_cache_folder,
    redact,
    resolve_cache_mode,
)
from pywhy_llm_assist.llm._engine import LADDER
from pywhy_llm_assist.suggest._pairwise import PairReply
from pywhy_llm_assist.testing import ScriptedModel

PAIR_REPLY = {"relation": "a_causes_b", "rationale": "water", "confidence": "high"}


def pair_query(*, sample: int = 0, a: str = "rain", b: str = "wet grass") -> Query:
    return Query(
        task="pairwise",
        template="pairwise",
        inputs={
            "context": None,
            "persona": None,
            "variables": [{"name": a}, {"name": b}],
            "a": {"name": a},
            "b": {"name": b},
        },
        reply_model=PairReply,
        names=(a, b),
        subject=(a, b),
        sample=sample,
        max_tokens=256,
    )


def language_model(
    backend: Any, cache: ResponseCache | None, mode: str = "read_write", **options: Any
) -> LanguageModel:
    options.setdefault("prompts", PromptLibrary())
    return LanguageModel("model-x", backend, cache=cache, cache_mode=mode, **options)  # type: ignore[arg-type]


def ask(model: LanguageModel, query: Query) -> Answer[Any]:
    async def main() -> Answer[Any]:
        async with model.run() as run:
            return await model.ask(query, run)

    return asyncio.run(main())


def entry_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


# ---------------------------------------------------------------- the store itself
def test_put_get_layout_and_format(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache")
    key = cache_key({"question": "anything"})
    path = cache.put(key, {"response": {"choices": []}, "b": "ünïcode", "a": 1})
    assert path == tmp_path / "cache" / key[:2] / f"{key}.json"
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "ünïcode" in text
    entry = cache.get(key)
    assert entry is not None
    assert entry["key"] == key and entry["format"] == 1 and entry["a"] == 1
    assert list(cache.keys()) == [key]
    assert cache.get("0" * 64) is None
    assert cache.delete(key) is True
    assert cache.delete(key) is False
    assert cache.get(key) is None


def test_missing_folder_is_empty_and_created_on_write(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "not" / "yet")
    assert list(cache.keys()) == []
    assert cache.stats()["entries"] == 0
    cache.put("ab" + "0" * 62, {"response": {}})
    assert (tmp_path / "not" / "yet").is_dir()


def test_a_file_is_not_a_cache_folder(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        ResponseCache(path)


def test_crash_during_write_leaves_no_entry_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key({"q": 1})
    written: list[str] = []

    def crash(source: str, destination: str) -> None:
        written.append(Path(source).read_text(encoding="utf-8"))
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        cache.put(key, {"response": {"choices": []}})
    assert written and json.loads(written[0])["key"] == key, "the temp file was fully written"
    assert cache.get(key) is None
    assert list(cache.keys()) == []
    assert entry_files(tmp_path) == [], "the temporary file was removed"


def test_crash_keeps_the_previous_entry_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key({"q": 2})
    cache.put(key, {"response": {"version": 1}})
    monkeypatch.setattr(os, "replace", lambda *_: (_ for _ in ()).throw(OSError("crash")))
    with pytest.raises(OSError):
        cache.put(key, {"response": {"version": 2}})
    entry = cache.get(key)
    assert entry is not None and entry["response"] == {"version": 1}


def test_leftover_temp_and_stray_files_are_not_entries(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key({"q": 3})
    cache.put(key, {"response": {}})
    (tmp_path / key[:2] / f".{key[:12]}.abcd.tmp").write_text("{partial")
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / "notes.json").write_text("{}")
    (tmp_path / "README.json").write_text("{}")
    assert list(cache.keys()) == [key]
    stats = cache.stats()
    assert (stats["entries"], stats["corrupt"]) == (1, 0)
    assert cache.prune() == 0


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", '{"key": "someone else", "response": {}}', "{}", b"\xff\xfe\x00"],
)
def test_corrupt_entries_raise_corrupt_entry_error(tmp_path: Path, content: str | bytes) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key({"q": "corrupt"})
    path = cache.path_for(key)
    path.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(CorruptEntryError, match=key[:2]):
        cache.get(key)
    assert list(cache.entries()) == [(key, None)]


# ---------------------------------------------------------------- stats and prune
def _store(cache: ResponseCache, name: str, created: datetime, **extra: Any) -> str:
    key = cache_key({"name": name})
    cache.put(
        key,
        {
            "created": created.replace(microsecond=0).isoformat(),
            "response": {},
            "usage": {"prompt_tokens": 10, "completion_tokens": 3},
            **extra,
        },
    )
    return key


def test_stats_counts_entries_tokens_models_and_tasks(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    now = datetime.now(timezone.utc)
    _store(cache, "a", now, model="m1", task="per_node")
    _store(cache, "b", now, model="m1", task="pairwise")
    _store(cache, "c", now, model="m2", task="per_node")
    corrupt = cache.path_for(cache_key({"name": "broken"}))
    corrupt.parent.mkdir(parents=True, exist_ok=True)
    corrupt.write_text("{oops")
    stats = cache.stats()
    assert stats["folder"] == str(tmp_path)
    assert stats["entries"] == 3
    assert stats["corrupt"] == 1
    assert stats["prompt_tokens"] == 30
    assert stats["completion_tokens"] == 9
    assert stats["models"] == {"m1": 2, "m2": 1}
    assert stats["tasks"] == {"per_node": 2, "pairwise": 1}
    assert stats["bytes"] == sum(path.stat().st_size for path in entry_files(tmp_path))


def test_prune_removes_corrupt_and_old_entries(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    now = datetime.now(timezone.utc)
    fresh = _store(cache, "fresh", now)
    hours_old = _store(cache, "hours", now - timedelta(hours=18))
    old = _store(cache, "old", now - timedelta(days=40))
    undated = cache_key({"name": "undated"})
    cache.put(undated, {"response": {}})
    broken = cache.path_for(cache_key({"name": "broken"}))
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text("{oops")

    assert cache.prune(corrupt=False) == 0
    assert cache.prune() == 1  # the corrupt file only
    assert not broken.exists()
    assert cache.prune(older_than_days=30) == 1
    assert cache.get(old) is None
    assert cache.prune(older_than_days=0.5) == 1, "fractions of a day count"
    assert cache.get(hours_old) is None
    assert set(cache.keys()) == {fresh, undated}


# ---------------------------------------------------------------- keys
def test_cache_key_is_canonical() -> None:
    first = cache_key({"b": [1, {"y": 2, "x": 1}], "a": "é"})
    second = cache_key({"a": "é", "b": [1, {"x": 1, "y": 2}]})
    assert first == second
    assert len(first) == 64 and int(first, 16) >= 0
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    assert cache_key({"a": 1}) != cache_key({"a": 1.5})


def test_same_material_gives_the_same_key(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    first = ask(language_model(ScriptedModel([PAIR_REPLY]), cache, "off"), pair_query())
    second = ask(language_model(ScriptedModel([PAIR_REPLY]), cache, "off"), pair_query())
    assert first.cache_keys == second.cache_keys
    assert len(first.cache_keys) == 1


@pytest.mark.parametrize(
    "change",
    ["sample", "temperature", "seed", "prompt_version", "mode", "messages", "model"],
)
def test_key_changes_with_each_part_of_the_material(tmp_path: Path, change: str) -> None:
    base = ask(language_model(ScriptedModel([PAIR_REPLY]), None, "off"), pair_query()).cache_keys
    query = pair_query()
    options: dict[str, Any] = {}
    name = "model-x"
    if change == "sample":
        query = pair_query(sample=1)
    elif change == "temperature":
        options["temperature"] = 0.7
    elif change == "seed":
        options["seed"] = 7
    elif change == "prompt_version":
        folder = tmp_path / "prompts"
        folder.mkdir()
        text = PromptLibrary().source("pairwise")
        (folder / "pairwise.jinja").write_text(text + "{# edited #}", encoding="utf-8")
        rendered_same = PromptLibrary(folder).render("pairwise", dict(query.inputs)).messages
        assert rendered_same == PromptLibrary().render("pairwise", dict(query.inputs)).messages
        options["prompts"] = PromptLibrary(folder)
    elif change == "mode":
        LADDER.step_down(("scripted", "model-x"), 0)
    elif change == "messages":
        query = pair_query(b="wet lawn")
    elif change == "model":
        name = "model-y"
    model = LanguageModel(
        name,
        ScriptedModel([PAIR_REPLY]),
        cache=None,
        cache_mode="off",
        **{"prompts": PromptLibrary(), **options},
    )
    assert ask(model, query).cache_keys != base


# ---------------------------------------------------------------- modes through the engine
def test_read_write_stores_then_hits(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    backend = ScriptedModel([PAIR_REPLY])
    first = ask(language_model(backend, cache), pair_query())
    second = ask(language_model(backend, cache), pair_query())
    assert len(backend.requests) == 1
    assert second.reply == first.reply
    assert list(cache.keys()) == list(first.cache_keys)


def test_off_mode_writes_nothing(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    backend = ScriptedModel([PAIR_REPLY, PAIR_REPLY])
    ask(language_model(backend, cache, "off"), pair_query())
    ask(language_model(backend, cache, "off"), pair_query())
    assert len(backend.requests) == 2
    assert entry_files(tmp_path) == []


def test_refresh_refetches_and_overwrites(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    ask(language_model(ScriptedModel([PAIR_REPLY]), cache), pair_query())
    newer = {**PAIR_REPLY, "relation": "neither"}
    backend = ScriptedModel([newer])
    answer = ask(language_model(backend, cache, "refresh"), pair_query())
    assert len(backend.requests) == 1
    assert answer.reply.relation == "neither"
    replayed = ask(language_model(ScriptedModel(), cache, "replay"), pair_query())
    assert replayed.reply.relation == "neither"


def test_record_missing_fills_only_the_gaps(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    ask(language_model(ScriptedModel([PAIR_REPLY]), cache), pair_query())
    backend = ScriptedModel([PAIR_REPLY])
    ask(language_model(backend, cache, "record_missing"), pair_query())
    ask(language_model(backend, cache, "record_missing"), pair_query(sample=1))
    assert len(backend.requests) == 1
    assert len(list(cache.keys())) == 2


def test_corrupt_entry_is_refetched_with_a_warning_in_read_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ResponseCache(tmp_path)
    (key,) = ask(language_model(ScriptedModel([PAIR_REPLY]), cache), pair_query()).cache_keys
    cache.path_for(key).write_text("{truncated", encoding="utf-8")
    backend = ScriptedModel([PAIR_REPLY])
    with caplog.at_level(logging.WARNING, logger="pywhy_llm_assist"):
        answer = ask(language_model(backend, cache), pair_query())
    assert len(backend.requests) == 1
    assert answer.cache_keys == (key,)
    assert any("corrupt" in record.getMessage() for record in caplog.records)
    assert cache.get(key) is not None, "the entry was rewritten"


def test_corrupt_entry_is_a_replay_miss(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    (key,) = ask(language_model(ScriptedModel([PAIR_REPLY]), cache), pair_query()).cache_keys
    cache.path_for(key).write_text("{truncated", encoding="utf-8")
    backend = ScriptedModel()
    with pytest.raises(ReplayMissError) as caught:
        ask(language_model(backend, cache, "replay"), pair_query())
    assert caught.value.key == key
    assert backend.requests == []


def test_replay_miss_names_task_variables_and_key(tmp_path: Path) -> None:
    backend = ScriptedModel()
    with pytest.raises(ReplayMissError) as caught:
        ask(language_model(backend, ResponseCache(tmp_path), "replay"), pair_query())
    error = caught.value
    message = str(error)
    assert "pairwise" in message and "'rain'" in message and "'wet grass'" in message
    assert error.key in message and len(error.key) == 64
    assert error.variables == ("rain", "wet grass")
    assert "record_missing" in message
    assert backend.requests == []


# ---------------------------------------------------------------- configuration
def test_resolve_cache_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_cache_mode(None) == "read_write"
    assert set(CACHE_MODES) == {"off", "read_write", "replay", "record_missing", "refresh"}
    monkeypatch.setenv("PYWHY_LLM_ASSIST_CACHE_MODE", "replay")
    assert resolve_cache_mode(None) == "replay"
    assert resolve_cache_mode("off") == "off", "an explicit argument wins"
    monkeypatch.setenv("PYWHY_LLM_ASSIST_CACHE_MODE", "sometimes")
    with pytest.raises(InputError, match=r"mode 'sometimes'.*PYWHY_LLM_ASSIST_CACHE_MODE"):
        resolve_cache_mode(None)
    with pytest.raises(InputError, match="unknown cache mode 'bad'"):
        Assistant("m", client=ScriptedModel(), cache_mode="bad")


def test_default_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_cache_folder() == Path(os.environ["PYWHY_LLM_ASSIST_CACHE_DIR"])
    monkeypatch.delenv("PYWHY_LLM_ASSIST_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_folder() == tmp_path / "pywhy-llm-assist"


def test_assistant_uses_the_configured_cache_folder(cache_folder: Path) -> None:
    backend = ScriptedModel(respond=lambda request: {"edges": []})
    assistant = Assistant("m", client=backend)
    assert assistant.cache is not None and assistant.cache.folder == cache_folder
    assistant.suggest_graph(["a", "b"])
    assert len(list(assistant.cache.keys())) == 1
    assert Assistant("m", client=backend, cache_mode="off").cache is None


def test_redact_replaces_secrets_and_auth_headers() -> None:
    value = {
        "Authorization": "Bearer x",
        "headers": {"api-key": "k", "X-API-Key": "k", "other": "sk-secret-123 inside"},
        "list": ["sk-secret-123", ("sk-secret-123",)],
        "number": 3,
    }
    assert redact(value, ("sk-secret-123", "", "ab")) == {
        "Authorization": "[REDACTED]",
        "headers": {
            "api-key": "[REDACTED]",
            "X-API-Key": "[REDACTED]",
            "other": "[REDACTED] inside",
        },
        "list": ["[REDACTED]", ["[REDACTED]"]],
        "number": 3,
    }


def test_prune_removes_old_leftover_temporary_files(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put("ab" + "0" * 62, {"response": {"choices": []}})
    old = tmp_path / "ab" / ".ab0000000000.x.tmp"
    fresh = tmp_path / "ab" / ".ab0000000000.y.tmp"
    old.write_text("{partial", encoding="utf-8")
    fresh.write_text("{partial", encoding="utf-8")
    two_hours_ago = datetime.now(timezone.utc).timestamp() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert cache.prune() == 1
    assert not old.exists() and fresh.exists()
    assert list(cache.keys()) == ["ab" + "0" * 62]
