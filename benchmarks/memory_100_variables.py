"""Benchmark: peak memory of a per_node `suggest_graph` on 100 variables (simulated expert).

Measures Python allocations with `tracemalloc` (peak during the call) and the process's
maximum resident set size with `resource.getrusage` (before and after the call), for one
sample and for three samples, with the cache off (answers stay in memory only). The
simulated expert answers instantly, so what is measured is the library: 100 prompts of
about 100 descriptions each, their strict schemas, the replies, votes and the assembly.

Usage:
    python benchmarks/memory_100_variables.py
"""

from __future__ import annotations

import platform
import resource
import sys
import time
import tracemalloc

from pywhy_llm_assist import Assistant
from pywhy_llm_assist.evaluate._graphs import synthetic_benchmark
from pywhy_llm_assist.evaluate._metrics import compare_graphs
from pywhy_llm_assist.evaluate._simulated_expert import SimulatedExpert

VARIABLES = 100
ERROR = 0.2


def _max_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def main() -> None:
    """Run and print one line per sample count."""
    benchmark = synthetic_benchmark(VARIABLES, seed=0)
    truth = benchmark.graph
    print("command: python benchmarks/memory_100_variables.py")
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    print(f"graph: {VARIABLES} variables, {len(truth.edges)} true edges; per_node; cache off")
    print(f"max RSS after imports: {_max_rss_mib():.1f} MiB")
    for samples in (1, 3):
        assistant = Assistant(
            "simulated-expert",
            client=SimulatedExpert.with_error(truth, ERROR, seed=0),
            cache_mode="off",
        )
        tracemalloc.start()
        started = time.perf_counter()
        graph = assistant.suggest_graph(
            truth.variables, context=benchmark.context, strategy="per_node", samples=samples
        )
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert graph.usage is not None
        score = compare_graphs(graph, truth)
        print(
            f"samples {samples}: {graph.usage.calls} calls, "
            f"{graph.usage.prompt_tokens:,} prompt tokens, {elapsed:.2f} s (traced); "
            f"tracemalloc peak {peak / 2**20:.1f} MiB; max RSS {_max_rss_mib():.1f} MiB; "
            f"F1 {score.f1:.3f} at {ERROR:.0%} error"
        )


if __name__ == "__main__":
    main()
