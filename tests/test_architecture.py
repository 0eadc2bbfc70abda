"""Meta-tests that pin the package's shape: the layer walls, module size, the CLI's imports.

The walls themselves are import-linter contracts in ``pyproject.toml``; this file runs them,
and checks what import-linter cannot express.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pywhy_llm_assist"
MAX_MODULE_LINES = 600
# Every subpackage but the public test doubles (which have a contract of their own) is a layer.
NOT_LAYERS = {"testing"}


def _subpackages() -> set[str]:
    return {path.parent.name for path in PACKAGE.glob("*/__init__.py")}


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _layer_names() -> set[str]:
    (layers,) = [contract for contract in _contracts() if contract["type"] == "layers"]
    names: set[str] = set()
    for entry in layers["layers"]:  # type: ignore[union-attr]
        names.update(part.strip(" ()") for part in str(entry).replace(":", "|").split("|"))
    return names


def test_every_subpackage_is_a_layer_of_the_contract() -> None:
    missing = _subpackages() - NOT_LAYERS - _layer_names()
    assert missing == set(), f"add {sorted(missing)} to the layers contract in pyproject.toml"
    assert _layer_names() <= _subpackages(), "the layers contract names a missing subpackage"


def test_no_module_is_left_at_the_top_level() -> None:
    loose = sorted(
        path.name
        for path in PACKAGE.glob("*.py")
        if path.name not in {"__init__.py", "__main__.py"}
    )
    assert loose == [], f"move {loose} into the subpackage of their layer"


@pytest.mark.skipif(
    shutil.which("lint-imports", path=str(Path(sys.executable).parent)) is None,
    reason="import-linter is not installed (pip install -e '.[test]')",
)
def test_import_linter_contracts_are_kept() -> None:
    command = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: str(path.relative_to(PACKAGE))
)
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it into smaller private modules"


def _absolute_imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports from this package, as absolute dotted names."""
    module_parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package_parts = module_parts[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name) for line, name in found if name.split(".")[0] == "pywhy_llm_assist"]


def _allowed_for_the_command_line(name: str) -> bool:
    parts = name.split(".")
    if len(parts) <= 2:
        return True  # the public package, or a layer's interface (its __init__)
    return parts[1] in {"cli", "core"}  # its own modules, and the shared vocabulary


@pytest.mark.parametrize("path", sorted((PACKAGE / "cli").glob("*.py")), ids=lambda path: path.name)
def test_the_command_line_calls_only_public_interfaces(path: Path) -> None:
    private = [
        f"line {line}: {name}"
        for line, name in _absolute_imports(path)
        if not _allowed_for_the_command_line(name)
    ]
    assert private == [], (
        "the command line parses and prints; it calls `pywhy_llm_assist` or a layer's "
        f"__init__, never another layer's private module: {private}"
    )
