"""Every failure of the command line is one bounded line and a documented exit code.

The reliability probe's remaining tracebacks (a bad GGUF with ``--local``, stdout to
``/dev/full`` or closed, ``--timeout nan``, a port above 65535), an unwritable cache, a cache
that fills up mid-run, oversized runs and error lines of many kilobytes.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pywhy_llm_assist import ResponseCache
from pywhy_llm_assist.cli import _failures
from pywhy_llm_assist.cli import _main as _cli
from pywhy_llm_assist.cli._failures import ERROR_LINE_CHARACTERS
from pywhy_llm_assist.testing import FakeOpenAIServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEALTH = EXAMPLES / "health" / "variables.yaml"
HAVE_XLLAMACPP = importlib.util.find_spec("xllamacpp") is not None


def whole(body: dict[str, Any]) -> str:
    return json.dumps({"edges": []})


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = _cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line(code: int, err: str, expected: str, exit_code: int) -> None:
    assert code == exit_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pywhy-llm-assist: error: ") and expected in lines[0], err
    assert "Traceback" not in err


def console(argv: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "pywhy_llm_assist", *argv], text=True, timeout=120, **options
    )


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PYWHY_LLM_ASSIST_MODEL", "PYWHY_LLM_ASSIST_LOCAL"):
        monkeypatch.delenv(name, raising=False)


# ---------------------------------------------------------------- options that fail at once
@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--timeout", "nan"], "--timeout must be a finite number"),
        (["--timeout", "inf"], "--timeout must be a finite number"),
        (["--base-url", "http://127.0.0.1:99999/v1"], "Port out of range"),
        (["--base-url", "not a url"], "must start with http:// or https://"),
        (["--base-url", "ftp://example.com/v1"], "must start with http:// or https://"),
        (["--max-tokens", "0"], "--max-tokens must be 1 or more"),
    ],
)
def test_bad_model_options_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], options: list[str], expected: str
) -> None:
    argv = ["suggest-graph", "--variables", str(HEALTH), "--model", "m", "--cache-mode", "off"]
    if "--base-url" not in options:
        argv += ["--base-url", "http://127.0.0.1:9/v1"]
    code, _, err = run(capsys, *argv, *options)
    assert_one_line(code, err, expected, 2)


def test_a_refused_base_url_fails_fast_with_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        *("suggest-graph", "--variables", str(HEALTH), "--strategy", "whole", "--model", "m"),
        *("--base-url", "http://127.0.0.1:9/v1", "--cache-mode", "off"),
    )
    assert code == 3, err
    assert "gave up after 2 attempts (nothing answers at that address" in err
    assert "Traceback" not in err


def test_an_error_line_is_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        *("suggest-graph", "--variables", str(HEALTH), "--model", "m"),
        *("--base-url", "http://127.0.0.1:9/v1", "--required", "x" * 20_000),
    )
    assert code == 2
    (line,) = err.strip().splitlines()
    assert len(line) < ERROR_LINE_CHARACTERS + 100
    assert line.endswith("more characters)")


# ---------------------------------------------------------------- runs too large to send
def test_a_context_too_large_is_refused_with_the_estimate_before_any_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    context = tmp_path / "context.txt"
    context.write_text("background " * 500_000)  # 5.5 MB
    with FakeOpenAIServer(whole) as server:
        code, _, err = run(
            capsys,
            *("suggest-graph", "--variables", str(HEALTH), "--context", f"@{context}"),
            *("--model", "m", "--base-url", server.base_url, "--cache-mode", "off"),
        )
    assert_one_line(code, err, "tokens, more than the 1,000,000 one request may send", 2)
    assert server.chat_requests == []


def test_a_context_too_large_for_one_question_is_refused_before_it_is_sent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    context = tmp_path / "context.txt"
    context.write_text("background " * 500_000)  # 5.5 MB
    with FakeOpenAIServer(whole) as server:
        code, _, err = run(
            capsys,
            *("confounders", "--variables", str(HEALTH), "--context", f"@{context}"),
            *("--treatment", "exercise", "--outcome", "heart_disease", "--model", "m"),
            *("--base-url", server.base_url, "--cache-mode", "off"),
        )
    assert_one_line(code, err, "the prompt would be about 1,37", 2)
    assert "nothing was sent" in err
    assert server.chat_requests == []


def test_a_quadratic_run_is_refused_before_its_queries_are_built(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    variables = tmp_path / "many.csv"
    variables.write_text(
        "name,description\n" + "".join(f"v{i},measure {i} of the site\n" for i in range(10_000))
    )
    with FakeOpenAIServer(whole) as server:
        code, _, err = run(
            capsys,
            *("suggest-graph", "--variables", str(variables), "--strategy", "per_node"),
            *("--model", "m", "--base-url", server.base_url, "--cache-mode", "off"),
        )
    assert_one_line(code, err, "per_node over 10,000 variables x 1 samples would send about", 2)
    assert "in 10,000 requests" in err and "--max-tokens" in err
    assert server.chat_requests == []


# ---------------------------------------------------------------- the cache
def test_an_unwritable_cache_exits_2_before_any_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeOpenAIServer(whole) as server:
        code, _, err = run(
            capsys,
            *("suggest-graph", "--variables", str(HEALTH), "--strategy", "whole"),
            *("--model", "m", "--base-url", server.base_url, "--cache", f"{HEALTH}/sub"),
        )
    assert_one_line(code, err, "cannot be written (Not a directory); nothing was sent", 2)
    assert server.chat_requests == []


def test_a_cache_that_fills_up_mid_run_keeps_the_result_and_exits_5(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def full_disk(self: ResponseCache, key: str, entry: Any) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ResponseCache, "put", full_disk)
    with FakeOpenAIServer(whole) as server:
        code, _, err = run(
            capsys,
            *("suggest-graph", "--variables", str(HEALTH), "--strategy", "whole", "-q"),
            *("--model", "m", "--base-url", server.base_url, "--out", "graph.json"),
        )
    assert_one_line(code, err, "1 answers could not be stored in the cache", 5)
    assert "No space left on device" in err
    assert json.loads((tmp_path / "graph.json").read_text())["variables"], "the result is lost"


def test_prune_of_a_folder_that_is_not_a_cache_deletes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    user_file = tmp_path / "ab" / ("ab" + "0" * 62 + ".json")
    user_file.parent.mkdir()
    user_file.write_text('{"host": "prod"}')
    code, _, err = run(capsys, "cache", "prune", "--cache", str(tmp_path))
    assert_one_line(code, err, "holds no valid cache entry", 2)
    assert user_file.exists()
    code, _, err = run(capsys, "cache", "prune", "--cache", str(tmp_path), "--older-than", "nan")
    assert_one_line(code, err, "0 or more days", 2)


# ---------------------------------------------------------------- outputs that cannot be written
def test_stdout_to_dev_full_is_one_line_and_exit_2() -> None:
    with open("/dev/full", "w") as full:
        result = console(["cache", "stats", "--json"], stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "pywhy-llm-assist: error: cannot write the result to standard output: No space left on "
        "device; pass --out FILE (finished answers are cached)"
    ]


def test_a_closed_stdout_is_one_line_and_exit_2() -> None:
    result = subprocess.run(
        f"'{sys.executable}' -m pywhy_llm_assist cache stats --json >&-",
        shell=True,
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "standard output is closed: pass --out FILE" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not HAVE_XLLAMACPP, reason="needs the 'local' extra (xllamacpp)")
@pytest.mark.parametrize("content", [b"not a model at all", b"GGUF" + os.urandom(4096)])
def test_a_bad_gguf_with_local_is_one_line_and_exit_2(tmp_path: Path, content: bytes) -> None:
    model = tmp_path / "fake.gguf"
    model.write_bytes(content)
    result = console(
        [
            *("suggest-graph", "--variables", str(HEALTH), "--local", "--model", str(model)),
            *("-q", "--cache-mode", "off"),
        ]
    )
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("pywhy-llm-assist: error: ") and "fake.gguf" in line


def test_an_error_line_never_shows_the_api_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-echoed")
    monkeypatch.setenv("OTHER_KEY", "abc")  # too short to be a secret: left as it is
    args = argparse.Namespace(api_key_env="OTHER_KEY")
    _failures.say("Incorrect API key provided: sk-echoed (abc)", args)
    assert capsys.readouterr().err == (
        "pywhy-llm-assist: Incorrect API key provided: [REDACTED] (abc)\n"
    )
