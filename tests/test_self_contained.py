"""A plain clone passes its own tests: nothing in the repository reads a folder beside it.

`.ci/run` proves it by running the suite in a fresh clone with nothing beside it; this test
catches the mistake earlier, in any checkout, by looking for paths that leave the repository.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("pywhy_llm_assist", "tests", "benchmarks", "scripts", "examples", ".ci")
#: The folder that sits beside the project's own checkout. The name is assembled here, so this
#: file holds no path out of the repository itself (a scanner reading it would see one).
SIBLING = "sha" + "red"
PARENT = "." * 2
OUTSIDE = [
    re.compile(re.escape(f"{PARENT}/{SIBLING}")),  # the folder beside a checkout
    re.compile(rf"""/\s*["']{SIBLING}["']"""),  # Path(...) / "<folder>"
]
FROM_THIS_FILE = re.compile(
    r"Path\(__file__\)\.resolve\(\)((?:\.parent(?!s))*)(?:\.parents\[(\d+)\])?"
)


def _climbs_out(path: Path, line: str) -> bool:
    """A ``Path(__file__).resolve().parent...`` or ``.parents[n]`` that ends above the root."""
    for match in FROM_THIS_FILE.finditer(line):
        steps = match.group(1).count(".parent") + (int(match.group(2)) + 1 if match.group(2) else 0)
        reached = path.resolve()
        for _ in range(steps):
            reached = reached.parent
        if reached != ROOT and ROOT not in reached.parents:
            return True
    return False


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--", *SCANNED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed if name.endswith((".py", ".sh", ".md", "run"))]


def test_no_file_reaches_for_a_folder_beside_the_repository() -> None:
    files = _tracked_text_files()
    assert len(files) > 50, files
    this_file = Path(__file__).resolve()
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        if path.resolve() != this_file
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(pattern.search(line) for pattern in OUTSIDE) or _climbs_out(path, line)
    ]
    assert found == [], "reads outside the repository:\n" + "\n".join(found)


def test_the_patterns_catch_the_old_ways() -> None:
    old = [
        f'BENCHMARKS = Path(__file__).resolve().parents[3] / "{SIBLING}" / "benchmarks"',
        f'FOLDER = _CHECKOUT_ROOT.parent / "{SIBLING}" / "benchmarks"',
        f"read from ``{PARENT}/{SIBLING}/benchmarks/child.json``",
    ]
    for line in old:
        assert any(pattern.search(line) for pattern in OUTSIDE), line
    here = ROOT / "tests" / "identify" / "test_checks.py"
    assert _climbs_out(here, "BENCHMARKS = Path(__file__).resolve().parents[3] / 'x'")
    assert not _climbs_out(here, "ROOT = Path(__file__).resolve().parents[2]")
    module = ROOT / "pywhy_llm_assist" / "evaluate" / "_graphs.py"
    assert _climbs_out(module, "_ROOT = Path(__file__).resolve().parent.parent.parent.parent")
    assert not _climbs_out(module, "_ROOT = Path(__file__).resolve().parent.parent.parent")


def test_ci_runs_in_a_fresh_clone_with_nothing_beside_it(tmp_path: Path) -> None:
    probe = "pwd; ls -A ..; git rev-parse HEAD; git status --porcelain --untracked-files=all"
    environment = {**os.environ, "TMPDIR": str(tmp_path), "PYWHY_LLM_ASSIST_CI_COMMAND": probe}
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    where, beside, head, *dirty = result.stdout.splitlines()
    clone = Path(where)
    assert clone.name == "pywhy-llm-assist" and tmp_path in clone.parents
    assert beside == "pywhy-llm-assist"  # nothing else beside the clone
    committed = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert head == committed and dirty == []
    assert "running " + probe in result.stderr
    assert list(tmp_path.iterdir()) == []  # the clone is removed afterwards


def test_ci_runs_the_readme_test_command_by_default() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "PYWHY_LLM_ASSIST_CI_COMMAND:-bash scripts/test.sh -q}" in script
