"""Run the README's Python blocks and its demo, to check (or rewrite) the output it shows.

Shared by ``tests/test_readme.py`` (which compares) and ``scripts/record_fixtures.py`` (which
records the fixtures and rewrites the README's output blocks).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_FIXTURES = ROOT / "fixtures" / "readme"
DEMO_FIXTURES = ROOT / "fixtures" / "demo"
OUTPUT_MARKER = "<!-- output -->"
DEMO_MARKER = "<!-- demo-output -->"
SKIP_MARKER = "<!-- not executed"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)
DEMO_SHOWN_UNTIL = "done in "  # the timing line and the list of files are not shown


@dataclass
class Block:
    """A fenced code block of the README: its language, text and position."""

    language: str
    code: str
    start: int
    end: int
    before: str  # the HTML comment right before the block (output and demo markers)
    after: str  # the HTML comment right after it (the skip marker)


def blocks(text: str) -> list[Block]:
    """Every fenced block, with the marker comment that precedes or follows it."""
    found = []
    for match in BLOCK.finditer(text):
        before = text[: match.start()].rstrip().rsplit("\n", 1)[-1].strip()
        after = text[match.end() :].lstrip("\n").split("\n", 1)[0].strip()
        found.append(
            Block(
                match.group(1),
                match.group(2),
                match.start(),
                match.end(),
                before if before.startswith("<!--") else "",
                after if after.startswith("<!--") else "",
            )
        )
    return found


def executed_pairs(text: str) -> list[tuple[Block, Block | None]]:
    """(python block, its output block or None) for every executed Python block."""
    items = blocks(text)
    pairs = []
    for index, block in enumerate(items):
        if block.language != "python" or block.after.startswith(SKIP_MARKER):
            continue
        following = items[index + 1] if index + 1 < len(items) else None
        output = following if following and following.before == OUTPUT_MARKER else None
        pairs.append((block, output))
    return pairs


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration of the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_python_blocks(text: str, cache_mode: str) -> list[str]:
    """Execute the README's Python blocks in one namespace; return each block's stdout."""
    namespace: dict[str, Any] = {"__name__": "__readme__"}
    outputs = []
    with environment(
        PYWHY_LLM_ASSIST_CACHE_DIR=str(README_FIXTURES), PYWHY_LLM_ASSIST_CACHE_MODE=cache_mode
    ):
        for block, _ in executed_pairs(text):
            captured = io.StringIO()
            with contextlib.redirect_stdout(captured):
                exec(compile(block.code, "README.md", "exec"), namespace)
            outputs.append(captured.getvalue())
    return outputs


def run_demo(out_dir: Path, cache_mode: str) -> str:
    """Run ``pywhy-llm-assist demo`` on the embedded model; return what it reported."""
    from pywhy_llm_assist.cli._main import main

    captured = io.StringIO()
    with contextlib.redirect_stderr(captured), contextlib.redirect_stdout(captured):
        code = main(
            [
                "demo",
                "--out-dir",
                str(out_dir),
                "--cache",
                str(DEMO_FIXTURES),
                "--cache-mode",
                cache_mode,
            ]
        )
    if code != 0:
        raise RuntimeError(f"demo exited with {code}:\n{captured.getvalue()}")
    return captured.getvalue()


def shown_demo_lines(report: str) -> str:
    """The part of the demo's report the README shows: its four steps, through the analysis.

    The timing line that follows (it differs run to run) and the list of files are left out.
    """
    lines = report.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith(DEMO_SHOWN_UNTIL))
    return "\n".join(lines[:end]).rstrip("\n") + "\n"


USAGE_LINE = re.compile(r"usage: .*")


def without_usage(text: str) -> str:
    """`text` with usage lines blanked: a replay reports cache hits where the first run called."""
    return USAGE_LINE.sub("usage: ...", text)


def replace_block(text: str, block: Block, body: str) -> str:
    """Return `text` with `block`'s body replaced (the fence kept)."""
    fenced = f"```{block.language}\n{body if body.endswith(chr(10)) else body + chr(10)}```"
    return text[: block.start] + fenced + text[block.end :]
