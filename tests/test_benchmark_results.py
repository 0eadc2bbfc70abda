"""Every committed benchmark result names the exact command that produced it.

Performance claims come from scripts in ``benchmarks/`` whose output is committed in
``benchmarks/results/``; a number nobody can reproduce is not a claim. Each result file must
hold a line ``command: python benchmarks/<script>.py [options]`` (optionally after ``# ``)
naming a script that exists and options that script accepts, and each script must have its
committed result.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
RESULTS = BENCHMARKS / "results"
COMMAND_LINE = re.compile(r"^(?:#\s*)?command: (?P<command>python benchmarks/\S+\.py\b.*)$", re.M)


def result_files() -> list[Path]:
    return sorted(path for path in RESULTS.iterdir() if path.is_file())


def named_command(text: str) -> list[str] | None:
    match = COMMAND_LINE.search(text)
    return shlex.split(match["command"]) if match else None


@pytest.mark.parametrize("path", result_files(), ids=lambda path: path.name)
def test_each_result_file_names_the_command_that_produced_it(path: Path) -> None:
    words = named_command(path.read_text(encoding="utf-8"))
    assert words is not None, (
        f"{path.relative_to(ROOT)} does not say how it was made: the script must print a line "
        "'command: python benchmarks/<script>.py [options]'; re-run it to regenerate the file"
    )
    script = ROOT / words[1]
    assert script.is_file(), f"{path.name} names {words[1]}, which does not exist"
    source = script.read_text(encoding="utf-8")
    for word in words[2:]:
        if word in (">", "|"):
            break  # the shell redirect that wrote the file
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert f'"{option}"' in source, f"{path.name}: {words[1]} takes no {option} option"


def test_every_benchmark_script_has_a_committed_result() -> None:
    named = set()
    for path in result_files():
        words = named_command(path.read_text(encoding="utf-8"))
        if words is not None:
            named.add(Path(words[1]).name)
    scripts = {path.name for path in BENCHMARKS.glob("*.py") if not path.name.startswith("_")}
    assert scripts <= named, f"scripts without a committed result: {sorted(scripts - named)}"


def test_the_command_line_pattern_can_fail() -> None:
    assert named_command("python 3.11 on x86_64\nreplay of 1,000 answers") is None
    assert named_command("# command: python benchmarks/graph_latency.py --sizes 5") == [
        "python",
        "benchmarks/graph_latency.py",
        "--sizes",
        "5",
    ]
