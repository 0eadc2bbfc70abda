"""Run a docs page's Python blocks and check (or rewrite) the output blocks it shows.

Shared by ``tests/test_data_docs.py`` and ``tests/test_analysis_docs.py``. The blocks run in
one namespace, in a temporary folder, with the answer cache pointed at the page's fixtures:
``replay`` normally, ``record_missing`` (and the page's output blocks rewritten) when
``PYWHY_LLM_ASSIST_RECORD_DOCS=1``; review the diff after recording.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import _readme

RECORD_VARIABLE = "PYWHY_LLM_ASSIST_RECORD_DOCS"
MODEL_CALL = "Assistant.local("


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    """Run in `folder` (files the examples write land there), then come back."""
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def recording() -> bool:
    """True when the run records missing answers and rewrites the page's output blocks."""
    return os.environ.get(RECORD_VARIABLE, "").strip() in ("1", "true", "yes")


def run_page(
    page: Path, fixtures: Path, folder: Path, *, with_model: bool
) -> list[tuple[_readme.Block, str]]:
    """Run the page's Python blocks; return each block that ran, with what it printed.

    Without `with_model`, the blocks that start the embedded model are left out.
    """
    text = page.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    printed = []
    mode = "record_missing" if recording() else "replay"
    with (
        _readme.environment(
            PYWHY_LLM_ASSIST_CACHE_DIR=str(fixtures),
            PYWHY_LLM_ASSIST_CACHE_MODE=mode,
            MPLBACKEND="Agg",
        ),
        inside(folder),
    ):
        for block, _ in _readme.executed_pairs(text):
            if MODEL_CALL in block.code and not with_model:
                continue
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured):
                exec(compile(block.code, str(page), "exec"), namespace)
            printed.append((block, captured.getvalue()))
    return printed


def check_or_record(page: Path, printed: list[tuple[_readme.Block, str]]) -> None:
    """Assert each output block is what its block printed (or rewrite it when recording)."""
    text = page.read_text(encoding="utf-8")
    shown = {block.start: output for block, output in _readme.executed_pairs(text)}
    if recording():
        for block, output in reversed(printed):
            target = shown[block.start]
            if target is not None and _readme.without_usage(output) != _readme.without_usage(
                target.code
            ):
                text = _readme.replace_block(text, target, output)
        page.write_text(text, encoding="utf-8")
        return
    for block, output in printed:
        target = shown[block.start]
        if target is not None:
            assert _readme.without_usage(output) == _readme.without_usage(target.code), (
                f"{page.name} block at offset {block.start} printed:\n{output}"
            )
