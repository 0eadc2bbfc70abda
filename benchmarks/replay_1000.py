"""Benchmark: replay 1,000 cached answers (CI's ``cache_mode="replay"``), timed.

Records 1,000 answers into a temporary cache with the simulated expert (per_node on a
synthetic 50-variable graph, 20 samples: 50 x 20 = 1,000 queries), then runs the same
`suggest_graph` again in replay mode against a backend that fails if it is ever called, and
prints the total time and the time per answer. A replay renders every prompt, builds every
strict schema, hashes every cache key, reads and validates every stored reply and assembles
the graph, so this is the library's whole cost per cached answer.

Usage:
    python benchmarks/replay_1000.py                 # 3 replays, prints the best and median
    python benchmarks/replay_1000.py --repeats 5
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pywhy_llm_assist import Assistant
from pywhy_llm_assist.evaluate._graphs import synthetic_benchmark
from pywhy_llm_assist.evaluate._simulated_expert import SimulatedExpert
from pywhy_llm_assist.testing import ScriptedModel

VARIABLES = 50
SAMPLES = 20
MODEL = "simulated-expert"


def main() -> None:
    """Record, replay, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed replays (default 3)")
    arguments = parser.parse_args()

    load = os.getloadavg()
    benchmark = synthetic_benchmark(VARIABLES, seed=0)
    truth = benchmark.graph
    options = {"context": benchmark.context, "strategy": "per_node", "samples": SAMPLES}
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        recorder = Assistant(
            MODEL,
            client=SimulatedExpert.with_error(truth, 0.2, seed=0),
            cache=cache,
            cache_mode="read_write",
        )
        started = time.perf_counter()
        recorded = recorder.suggest_graph(truth.variables, **options)  # type: ignore[arg-type]
        record_seconds = time.perf_counter() - started
        assert recorded.usage is not None
        answers = recorded.usage.calls
        files = sum(1 for _ in cache.rglob("*.json"))
        size = sum(path.stat().st_size for path in cache.rglob("*.json"))

        timings = []
        for _ in range(arguments.repeats):
            # A backend with no replies: any real call would fail the run.
            replayer = Assistant(MODEL, client=ScriptedModel(), cache=cache, cache_mode="replay")
            started = time.perf_counter()
            replayed = replayer.suggest_graph(truth.variables, **options)  # type: ignore[arg-type]
            timings.append(time.perf_counter() - started)
            assert replayed.usage is not None
            assert replayed.usage.calls == 0 and replayed.usage.cache_hits == answers
            assert replayed.edge_pairs == recorded.edge_pairs

    best, median = min(timings), statistics.median(timings)
    print(f"command: {' '.join(['python', 'benchmarks/replay_1000.py', *sys.argv[1:]])}")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.system()}, "
        f"{os.cpu_count()} cores; load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"recorded {answers:,} answers (per_node, {VARIABLES} variables x {SAMPLES} samples) "
        f"in {record_seconds:.2f} s; cache: {files:,} files, {size / 1e6:.1f} MB"
    )
    print(f"replay of {answers:,} cached answers, {arguments.repeats} runs:")
    print(f"  best   {best:.2f} s total, {best / answers * 1e6:,.0f} us per answer")
    print(f"  median {median:.2f} s total, {median / answers * 1e6:,.0f} us per answer")
    print("  calls to the backend: 0; replayed graph identical to the recorded one")


if __name__ == "__main__":
    main()
