"""docs/review.md: its examples run and print what the page shows; its screenshots exist."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import _readme
import pytest

DOC = _readme.ROOT / "docs" / "review.md"
MAX_SCREENSHOT_BYTES = 400_000


def test_the_examples_print_what_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = DOC.read_text(encoding="utf-8")
    pairs = _readme.executed_pairs(text)
    assert len(pairs) == 3
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block, shown in pairs:
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(block.code, str(DOC), "exec"), namespace)
        assert shown is not None
        assert captured.getvalue() == shown.code, f"docs/review.md block at {block.start}"
    assert (tmp_path / "second-round.html").is_file()


def test_the_screenshots_exist_and_are_small() -> None:
    text = DOC.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", text)
    assert len(images) >= 3
    for name in images:
        path = DOC.parent / name
        assert path.is_file(), name
        assert path.stat().st_size < MAX_SCREENSHOT_BYTES, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_readme_links_the_review_docs() -> None:
    readme = _readme.README.read_text(encoding="utf-8")
    section = readme[readme.index("## Expert review") :]
    assert "docs/review.md" in section[: section.index("\n## ", 5)]
