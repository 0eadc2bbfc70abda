"""Benchmark: how long the failures of a hostile server or file take to end, timed.

The reliability probe (December 2026) measured a wrong ``--base-url`` at 35 s of retries,
a server dripping one byte every 2 s at "never ends" (killed at 60 s), and a YAML "billion
laughs" file at 39 s for 9 levels (x9 per level). This script runs each case against the
current code and prints how long it takes to end and how:

- a refused connection (nothing listens at ``--base-url``), through the console script;
- a server that sends its headers and then one byte every 2 s, with ``--timeout 2``;
- ``Retry-After: nan`` inside an event loop that has another timer pending (it hung);
- billion-laughs variables files of 9 and 12 levels, through the console script.

Usage:
    python benchmarks/hostile_server.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pywhy_llm_assist import Assistant, InputError, RetryPolicy
from pywhy_llm_assist.cli._inputs import read_variables
from pywhy_llm_assist.testing import FakeOpenAIServer, FaultPlan

ROOT = Path(__file__).resolve().parents[1]
HEALTH = ROOT / "examples" / "health" / "variables.yaml"
VARIABLES = {"rain": "whether it rained", "wet": "whether the grass is wet"}


def whole(body: dict[str, Any]) -> str:
    edge = {"cause": "rain", "effect": "wet", "rationale": "water", "confidence": "high"}
    return json.dumps({"edges": [edge]})


def console(*argv: str) -> tuple[float, int, str]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pywhy_llm_assist", *argv], capture_output=True, text=True
    )
    last = (result.stderr.strip().splitlines() or [""])[0]
    return time.monotonic() - started, result.returncode, last[:150]


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def refused() -> str:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    seconds, code, line = console(
        *("suggest-graph", "--variables", str(HEALTH), "--model", "m", "--base-url", url),
        *("--cache-mode", "off", "-q"),
    )
    return f"wrong --base-url (connection refused): exit {code} after {seconds:.2f} s\n    {line}"


def drip() -> str:
    plan = FaultPlan.script(["drip"] * 100, drip_seconds=2.0)
    with FakeOpenAIServer(whole, fault_plan=plan) as server, tempfile.TemporaryDirectory() as tmp:
        variables = Path(tmp) / "v.yaml"
        variables.write_text("rain: whether it rained\nwet: whether the grass is wet\n")
        seconds, code, line = console(
            *("suggest-graph", "--variables", str(variables), "--strategy", "whole"),
            *("--model", "m", "--base-url", server.base_url, "--cache-mode", "off", "-q"),
            *("--timeout", "2"),
        )
        attempts = len(server.chat_requests)
    return (
        f"server dripping 1 byte / 2 s, --timeout 2 (default retry policy): exit {code} after "
        f"{seconds:.1f} s, {attempts} attempts\n    {line}"
    )


def retry_after_nan() -> str:
    plan = FaultPlan.script(["rate_limit"], retry_after_header="nan")

    async def main(assistant: Assistant) -> float:
        async def tick() -> None:
            while True:
                await asyncio.sleep(30)

        ticker = asyncio.create_task(tick())
        started = time.monotonic()
        await asyncio.wait_for(assistant.suggest_graph_async(VARIABLES, strategy="whole"), 80)
        ticker.cancel()
        return time.monotonic() - started

    with FakeOpenAIServer(whole, fault_plan=plan) as server:
        assistant = Assistant(
            "m", base_url=server.base_url, cache_mode="off", retry=RetryPolicy(jitter=0)
        )
        seconds = asyncio.run(main(assistant))
    return (
        "Retry-After: nan with another timer pending (library, async): answered after "
        f"{seconds:.2f} s (the exponential backoff's 1 s wait, then the retry)"
    )


def laughs(levels: int) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "laughs.yaml"
        path.write_text("\n".join(lines) + "\n")
        started = time.perf_counter()
        with contextlib.suppress(InputError):
            read_variables(path)
        reading = time.perf_counter() - started
        seconds, code, line = console(
            *("suggest-graph", "--variables", str(path), "--model", "m"),
            *("--cache-mode", "replay", "-q"),
        )
    return (
        f"billion laughs, {levels} levels: read_variables refused it in {reading * 1000:.1f} ms; "
        f"the command exits {code} after {seconds:.2f} s (start-up included)\n    {line}"
    )


def start_up() -> str:
    seconds, _code, _ = console("--version")
    return f"start-up of the command (--version): {seconds:.2f} s"


def main() -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print("command: python benchmarks/hostile_server.py")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"load average at the start (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    print(start_up())
    for case in (refused, drip, retry_after_nan, lambda: laughs(9), lambda: laughs(12)):
        print(case(), flush=True)


if __name__ == "__main__":
    main()
