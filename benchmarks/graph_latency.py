"""Benchmark: calls, prompt tokens and wall time of `suggest_graph` against a slow loopback server.

A `FakeOpenAIServer` answers every request after a fixed latency, from a seeded random
ground-truth DAG (so each run also checks that the graph comes back intact). For each number
of variables and each strategy the script prints the calls made, the prompt tokens sent, the
wall time and the floor ``ceil(calls / concurrency) x latency``: no client that keeps at most
`concurrency` requests in flight can finish sooner. ``ratio = wall / floor`` is our overhead.

Usage:
    python benchmarks/graph_latency.py                      # 200 ms, concurrency 8
    python benchmarks/graph_latency.py --latency 0.05 --sizes 5 10 --pairwise-max 10
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pywhy_llm_assist import Assistant
from pywhy_llm_assist.testing import FakeOpenAIServer

STRATEGIES = ("per_node", "whole", "pairwise")
AUTO_TARGET_RATIO = 1.3


def ground_truth(size: int, seed: int) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Variables with descriptions and a random DAG over them (about 1.5 parents per node)."""
    names = [f"x{index:02d}" for index in range(size)]
    variables = {
        name: f"Quantity {name} measured in the study (synthetic variable {index + 1} of {size})"
        for index, name in enumerate(names)
    }
    generator = random.Random(seed * 1000 + size)
    edges: set[tuple[str, str]] = set()
    for index, target in enumerate(names[1:], start=1):
        for source in generator.sample(names[:index], k=min(index, 2)):
            if generator.random() < 0.75:
                edges.add((source, target))
    return variables, edges


class Responder:
    """Answers per_node, whole and pairwise requests from the ground truth, as a model would."""

    def __init__(self, names: Sequence[str], edges: set[tuple[str, str]]) -> None:
        self.names = list(names)
        self.edges = edges

    def __call__(self, body: dict[str, Any]) -> str:
        schema = body["response_format"]["json_schema"]
        if schema["name"] == "DirectCausesReply":
            target = _named_after("Target variable (JSON):", body["messages"][-1]["content"])
            causes = [
                {"variable": source, "rationale": "ground truth", "confidence": "high"}
                for source in self.names
                if (source, target) in self.edges
            ]
            return json.dumps({"causes": causes})
        if schema["name"] == "WholeGraphReply":
            edges = [
                {
                    "cause": source,
                    "effect": target,
                    "rationale": "ground truth",
                    "confidence": "high",
                }
                for source, target in sorted(self.edges)
            ]
            return json.dumps({"edges": edges})
        user = body["messages"][-1]["content"]
        first = _named_after("Variable A (JSON):", user)
        second = _named_after("Variable B (JSON):", user)
        if (first, second) in self.edges:
            relation = "a_causes_b"
        elif (second, first) in self.edges:
            relation = "b_causes_a"
        else:
            relation = "neither"
        return json.dumps({"relation": relation, "rationale": "ground truth", "confidence": "high"})


def _named_after(label: str, user_message: str) -> str:
    """The variable name a prompt gives as JSON after `label`, on the same line."""
    line = user_message.split(label, 1)[1].split("\n", 1)[0]
    return str(json.loads(line))


@dataclass(frozen=True)
class Row:
    strategy: str
    chosen: str
    size: int
    calls: int
    prompt_tokens: int
    wall: float
    cpu: float
    floor: float
    max_in_flight: int
    correct: bool

    @property
    def ratio(self) -> float:
        return self.wall / self.floor if self.floor else float("nan")


def measure(
    strategy: str, size: int, latency: float, concurrency: int, seed: int, repeats: int = 1
) -> Row:
    """Run `suggest_graph` `repeats` times, each against a fresh server; the median wall time."""
    variables, edges = ground_truth(size, seed)
    walls, cpus, in_flight, correct = [], [], 0, True
    for _ in range(repeats):
        with FakeOpenAIServer(Responder(list(variables), edges), latency=latency) as server:
            assistant = Assistant(
                "fake-model",
                base_url=server.base_url,
                api_key="benchmark",
                cache_mode="off",
                concurrency=concurrency,
            )
            gc.collect()  # not the previous run's garbage in this run's time
            started, cpu_started = time.perf_counter(), time.process_time()
            graph = assistant.suggest_graph(variables, strategy=strategy)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu_started)
            in_flight = max(in_flight, server.max_in_flight)
        correct = correct and set(graph.edge_pairs) == edges and graph.is_acyclic()
    assert graph.usage is not None
    calls = graph.usage.calls
    return Row(
        strategy=strategy,
        chosen=str(graph.metadata["strategy"]),
        size=size,
        calls=calls,
        prompt_tokens=graph.usage.prompt_tokens,
        wall=statistics.median(walls),
        cpu=statistics.median(cpus),
        floor=math.ceil(calls / concurrency) * latency,
        max_in_flight=in_flight,
        correct=correct,
    )


def warm_up() -> None:
    """One small run per strategy first: imports, template compilation and schema generation
    happen once per process and should not land on the first row that uses them."""
    for strategy in STRATEGIES:
        measure(strategy, 3, 0.0, 2, seed=0)


def table(rows: Sequence[Row], concurrency: int) -> str:
    header = (
        f"{'strategy':<17} {'n':>3} {'calls':>6} {'prompt tok':>11} {'wall s':>8} "
        f"{'floor s':>8} {'ratio':>6} {'cpu s':>6} {'max in flight':>14} {'DAG = truth':>12}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        label = row.strategy if row.strategy == row.chosen else f"{row.strategy}->{row.chosen}"
        lines.append(
            f"{label:<17} {row.size:>3} {row.calls:>6} {row.prompt_tokens:>11} "
            f"{row.wall:>8.3f} {row.floor:>8.3f} {row.ratio:>6.2f} {row.cpu:>6.2f} "
            f"{row.max_in_flight:>5}/{concurrency:<8} {'yes' if row.correct else 'NO':>12}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="server latency, seconds")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at most")
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20, 40])
    parser.add_argument(
        "--pairwise-max",
        type=int,
        default=40,
        help="largest n run with the pairwise strategy (its calls grow as n(n-1)/2)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the ground-truth graphs")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per row; the median wall time is shown"
    )
    arguments = parser.parse_args(argv)

    command = " ".join(["python", "benchmarks/graph_latency.py", *(argv or sys.argv[1:])])
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print("# suggest_graph latency benchmark")
    print(f"# date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"# command: {command}")
    print(
        f"# machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; load average before: "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"# server: FakeOpenAIServer on 127.0.0.1, latency {arguments.latency:g} s per request; "
        f"client: Assistant(concurrency={arguments.concurrency}, cache_mode='off') over the "
        "openai SDK"
    )
    for line in (
        f"wall = median of {arguments.repeats} runs, each against a fresh server, after one "
        "warm-up run per strategy",
        "floor = ceil(calls / concurrency) x latency; ratio = wall / floor",
        "cpu = CPU seconds this process used during the run (client and in-process server)",
        "DAG = truth: every run's result equals the server's ground-truth graph",
    ):
        print(f"# {line}")
    skipped = [size for size in arguments.sizes if size > arguments.pairwise_max]
    if skipped:
        print(
            f"# pairwise skipped for n = {', '.join(map(str, skipped))}: n(n-1)/2 calls "
            f"(--pairwise-max {arguments.pairwise_max})"
        )
    print()

    warm_up()
    rows = []
    for size in arguments.sizes:
        for strategy in STRATEGIES:
            if strategy == "pairwise" and size > arguments.pairwise_max:
                continue
            rows.append(
                measure(
                    strategy,
                    size,
                    arguments.latency,
                    arguments.concurrency,
                    arguments.seed,
                    arguments.repeats,
                )
            )
    largest = max(arguments.sizes)
    auto = measure(
        "auto",
        largest,
        arguments.latency,
        arguments.concurrency,
        arguments.seed,
        arguments.repeats,
    )
    rows.append(auto)
    print(table(rows, arguments.concurrency))
    print()
    verdicts = [
        (
            f"default (auto) at n={largest}: {auto.calls} calls (limit n+1 = {largest + 1}), "
            f"wall/floor = {auto.ratio:.2f} (target <= {AUTO_TARGET_RATIO})",
            auto.calls <= largest + 1 and auto.ratio <= AUTO_TARGET_RATIO,
        ),
        (
            f"max in flight never above the limit of {arguments.concurrency}",
            all(row.max_in_flight <= arguments.concurrency for row in rows),
        ),
        ("every result is a DAG equal to the ground truth", all(row.correct for row in rows)),
    ]
    for text, passed in verdicts:
        print(f"{'PASS' if passed else 'FAIL'}: {text}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"# load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0 if all(passed for _, passed in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
