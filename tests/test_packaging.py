"""A non-editable install (the built wheel) finds its prompts and works on a loopback server."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("pywhy_llm_assist-*.whl")
    return built


def test_wheel_ships_prompts_and_typing_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    prompts = {Path(name).name for name in names if name.startswith("pywhy_llm_assist/prompts/")}
    expected = {path.name for path in (ROOT / "prompts").glob("*.jinja")}
    assert expected and expected <= prompts
    assert "pywhy_llm_assist/py.typed" in names
    assert not any(name.endswith(".gguf") for name in names)


def test_wheel_ships_every_data_file_of_every_layer(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "pywhy_llm_assist"
    data_files = {
        path.relative_to(ROOT).as_posix()
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    }
    assert {
        "pywhy_llm_assist/review/_page.js",
        "pywhy_llm_assist/cli/demo/variables.yaml",
    } <= data_files
    assert data_files - names == set()


SCRIPT = textwrap.dedent(
    """
    import json, pywhy_llm_assist
    from pywhy_llm_assist import Assistant
    from pywhy_llm_assist.testing import FakeOpenAIServer
    print(json.dumps({"module": pywhy_llm_assist.__file__}))

    def respond(body):
        schema = body["response_format"]["json_schema"]["schema"]
        names = schema["properties"]["causes"]["items"]["properties"]["variable"]["enum"]
        user = body["messages"][-1]["content"]
        target = json.loads(user.split("Target variable (JSON):", 1)[1].strip().splitlines()[0])
        causes = [{"variable": "rain", "rationale": "water falls", "confidence": "high"}]
        return json.dumps({"causes": causes if target == "wet grass" else []})

    variables = {"rain": "rain today", "sprinkler": "sprinkler on", "wet grass": "grass is wet",
                 "season": "month of the year"}
    with FakeOpenAIServer(respond) as server:
        first = Assistant("fake-model", base_url=server.base_url, api_key="sk-test-123456789",
                          cache=CACHE).suggest_graph(variables, strategy="per_node")
        after_first = server.request_count
        replaying = Assistant("fake-model", base_url=server.base_url,
                              api_key="sk-test-123456789", cache=CACHE, cache_mode="replay")
        second = replaying.suggest_graph(variables, strategy="per_node")
        print(json.dumps({"edges": first.edge_pairs, "same": first.edges == second.edges,
                          "requests_first": after_first,
                          "requests_replay": server.request_count - after_first}))
    """
)


def test_installed_wheel_returns_validated_graph_and_replays_offline(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = SCRIPT.replace("CACHE", repr(str(tmp_path / "cache")))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={
            "PYTHONPATH": str(target),
            "PATH": "/usr/bin:/bin",
            "PYWHY_LLM_ASSIST_BLOCK_REMOTE": "1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    module_line, summary_line = result.stdout.strip().splitlines()[-2:]
    assert json.loads(module_line)["module"].startswith(str(target))
    summary = json.loads(summary_line)
    assert summary["edges"] == [["rain", "wet grass"]]
    assert summary["same"] is True
    assert summary["requests_first"] == 4
    assert summary["requests_replay"] == 0
