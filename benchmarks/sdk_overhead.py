"""Benchmark: `suggest_graph` against a minimal asyncio loop over the same openai SDK and server.

For each number of variables, one `FakeOpenAIServer` (200 ms per reply by default) answers a
ground-truth DAG (the variables of ``benchmarks/graph_latency.py``). In the same run and
against the same server, alternately:

- **ours**: ``Assistant(concurrency=8).suggest_graph(variables, strategy="per_node")``, with
  the cache off, and again with a fresh read_write cache (what analysts run);
- **plain**: the smallest client that does the same work: an ``AsyncOpenAI`` client with
  its retries off, a semaphore of 8, and ``chat.completions.create`` for each of the request
  bodies our run sent, reading each reply's content as JSON.

It prints the median wall time of each, the ratio ours / plain (target: at most 1.10), and
for the per_node prompts of that size: the prompt tokens (the fake server's estimate,
characters / 4), the share of each prompt that is a prefix shared by all of them (the
smallest share), the prompt tokens OpenAI's prompt cache would serve (prompts of 1,024 tokens
and more, in steps of 128 tokens; simulated with `testing.PromptCache`), and the HTTP
requests of a batch round trip (`Assistant.submit_batch` + `collect_batch`) that fills the
cache for the same call, which then replays with no call.

Usage:
    python benchmarks/sdk_overhead.py                       # n = 40 and 200, 200 ms, 3 runs
    python benchmarks/sdk_overhead.py --sizes 10 --latency 0.05 --repeats 1
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from pywhy_llm_assist import Assistant
from pywhy_llm_assist.testing import FakeOpenAIServer, PromptCache

sys.path.insert(0, str(Path(__file__).resolve().parent))
from graph_latency import Responder, ground_truth

TARGET_RATIO = 1.10


@dataclass
class Timing:
    walls: list[float]
    cpus: list[float]

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


def prompt_text(body: dict[str, Any]) -> str:
    return "".join(f"<{m['role']}>\n{m['content']}\n" for m in body["messages"])


def shared_prefix_share(bodies: Sequence[dict[str, Any]]) -> float:
    """The smallest share of a prompt's characters that is a prefix common to all prompts."""
    texts = [prompt_text(body) for body in bodies]
    shared = len(os.path.commonprefix(texts))  # noqa: RUF071 (characters, not paths)
    return min(shared / len(text) for text in texts)


def openai_cached_tokens(bodies: Sequence[dict[str, Any]]) -> int:
    """Prompt tokens OpenAI's rule would serve from its cache, prompts sent one after another."""
    cache = PromptCache(min_tokens=1024, block_tokens=128)
    return sum(cache.cached_tokens(body) for body in bodies)


def timed_ours(
    server: FakeOpenAIServer, variables: dict[str, str], cache: str | None
) -> tuple[float, Any]:
    assistant = Assistant(
        "fake-model",
        base_url=server.base_url,
        api_key="benchmark",
        cache=cache,
        cache_mode="read_write" if cache else "off",
        concurrency=CONCURRENCY,
    )
    started = time.perf_counter()
    graph = assistant.suggest_graph(variables, strategy="per_node")
    wall = time.perf_counter() - started
    assert graph.usage is not None and graph.usage.calls == len(variables)
    return wall, graph


class PlainLoop:
    """The minimal client: one event loop and one ``AsyncOpenAI`` client, built (and its
    connections opened) before any timing, so only the requests themselves are timed."""

    def __init__(self, base_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key="benchmark", max_retries=0)

    async def _run(self, bodies: Sequence[dict[str, Any]]) -> list[Any]:
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def one(body: dict[str, Any]) -> Any:
            async with semaphore:
                reply = await self.client.chat.completions.create(**body)
                return json.loads(reply.choices[0].message.content or "{}")

        return await asyncio.gather(*(one(body) for body in bodies))

    def timed(self, bodies: Sequence[dict[str, Any]]) -> float:
        started = time.perf_counter()
        replies = self.loop.run_until_complete(self._run(bodies))
        wall = time.perf_counter() - started
        assert len(replies) == len(bodies)
        return wall

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


def measure(size: int, latency: float, repeats: int, seed: int) -> dict[str, Any]:
    variables, edges = ground_truth(size, seed)
    runs: dict[str, Timing] = {name: Timing([], []) for name in ("off", "cache", "plain")}
    with FakeOpenAIServer(Responder(list(variables), edges), latency=latency) as server:
        _, graph = timed_ours(server, variables, None)  # warm-up; the bodies plain sends
        bodies = [record.body for record in server.chat_requests]
        plain = PlainLoop(server.base_url)
        plain.timed(bodies)  # warm-up
        with tempfile.TemporaryDirectory() as folder:
            for repeat in range(repeats):
                for name in ("off", "plain", "cache"):
                    gc.collect()
                    cpu = time.process_time()
                    if name == "plain":
                        wall = plain.timed(bodies)
                    else:
                        cache = f"{folder}/{repeat}" if name == "cache" else None
                        wall, _ = timed_ours(server, variables, cache)
                    runs[name].walls.append(wall)
                    runs[name].cpus.append(time.process_time() - cpu)
        plain.close()
        prompt_tokens = graph.usage.prompt_tokens
    return {
        "size": size,
        "runs": runs,
        "prompt_tokens": prompt_tokens,
        "share": shared_prefix_share(bodies),
        "openai_cached": openai_cached_tokens(bodies),
        "batch": batch_round_trip(variables, edges),
        "floor": -(-size // CONCURRENCY) * latency,
    }


def batch_round_trip(variables: dict[str, str], edges: set[tuple[str, str]]) -> dict[str, Any]:
    """Submit and collect the same call as a batch; count the HTTP requests it took."""
    with (
        FakeOpenAIServer(Responder(list(variables), edges), batch_polls=1) as server,
        tempfile.TemporaryDirectory() as folder,
    ):
        assistant = Assistant("fake-model", base_url=server.base_url, api_key="b", cache=folder)

        def ask(a: Assistant) -> Any:
            return a.suggest_graph(variables, strategy="per_node")

        assistant.submit_batch(ask)
        report = assistant.collect_batch(ask, wait=True, poll_interval=0)
        requests = [record.path for record in server.batch_requests]
        graph = ask(assistant)
        assert graph.usage is not None
        return {
            "requests": len(requests),
            "uploads": sum(1 for path in requests if path == "/v1/files"),
            "creates": sum(1 for path in requests if path == "/v1/batches"),
            "polls": sum(1 for path in requests if path.startswith("/v1/batches/")),
            "downloads": sum(1 for path in requests if path.endswith("/content")),
            "imported": report.imported,
            "chat_requests": len(server.chat_requests),
            "replay_calls": graph.usage.calls,
            "correct": set(graph.edge_pairs) == edges,
        }


def main(argv: Sequence[str] | None = None) -> int:
    global CONCURRENCY
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="server latency, seconds")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at most")
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 200])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each client per size")
    parser.add_argument("--seed", type=int, default=1, help="seed of the ground-truth graphs")
    arguments = parser.parse_args(argv)
    CONCURRENCY = arguments.concurrency

    command = " ".join(["python", "benchmarks/sdk_overhead.py", *(argv or sys.argv[1:])])
    load = os.getloadavg()
    print("# suggest_graph against a minimal asyncio loop over the same openai SDK and server")
    print(f"# date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"# command: {command}")
    print(
        f"# machine: {os.cpu_count()} cores, Python {platform.python_version()}, openai "
        f"{openai.__version__}, {platform.system()} {platform.machine()}; load average "
        f"before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"# server: FakeOpenAIServer on 127.0.0.1, latency {arguments.latency:g} s; "
        f"concurrency {CONCURRENCY}; per_node strategy; median of {arguments.repeats} runs each, "
        "alternating, after one warm-up each"
    )
    print("# ours off = cache_mode 'off'; ours cache = a fresh read_write cache (every answer")
    print("#   written, fsync'd); plain = AsyncOpenAI + Semaphore + chat.completions.create")
    print("#   over the very request bodies ours sent, its client and loop built before timing")
    print("#   (ours builds its client in every run); floor = ceil(n / concurrency) x latency")
    print()
    results = [
        measure(size, arguments.latency, arguments.repeats, arguments.seed)
        for size in arguments.sizes
    ]
    header = (
        f"{'n':>4} {'floor s':>8} {'plain s':>8} {'ours off s':>11} {'ratio':>6} "
        f"{'ours cache s':>13} {'ratio':>6} {'cpu plain':>10} {'cpu ours':>9}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for result in results:
        runs = result["runs"]
        plain, off, cached = runs["plain"], runs["off"], runs["cache"]
        print(
            f"{result['size']:>4} {result['floor']:>8.3f} {plain.wall:>8.3f} {off.wall:>11.3f} "
            f"{off.wall / plain.wall:>6.3f} {cached.wall:>13.3f} {cached.wall / plain.wall:>6.3f} "
            f"{plain.cpu:>10.2f} {off.cpu:>9.2f}"
        )
        for label, timing in (("cache off", off), ("read_write cache", cached)):
            ratio = timing.wall / plain.wall
            verdicts.append(
                (
                    f"n={result['size']}: ours ({label}) / plain = {ratio:.3f} "
                    f"(target <= {TARGET_RATIO:.2f})",
                    ratio <= TARGET_RATIO,
                )
            )
    print()
    print("per_node prompts and the batch round trip")
    header = (
        f"{'n':>4} {'prompt tokens':>14} {'shared prefix':>14} {'OpenAI-cached':>14} "
        f"{'batch requests':>15}  {'of which':<38} {'replay calls':>12}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        batch = result["batch"]
        detail = (
            f"{batch['uploads']} upload, {batch['creates']} create, {batch['polls']} polls, "
            f"{batch['downloads']} download"
        )
        cached_share = result["openai_cached"] / result["prompt_tokens"]
        print(
            f"{result['size']:>4} {result['prompt_tokens']:>14,} {result['share']:>13.1%} "
            f"{result['openai_cached']:>8,} ({cached_share:.0%}) {batch['requests']:>15}  "
            f"{detail:<38} {batch['replay_calls']:>12}"
        )
        verdicts.append(
            (
                f"n={result['size']}: batch round trip imported {batch['imported']} answers "
                f"with {batch['chat_requests']} live calls; the replay made "
                f"{batch['replay_calls']} calls and returned the true graph",
                batch["imported"] == result["size"]
                and batch["chat_requests"] == 0
                and batch["replay_calls"] == 0
                and batch["correct"],
            )
        )
    print("# prompt tokens: the fake server's estimate (characters / 4) over the n prompts; shared")
    print("#   prefix: the smallest share of a prompt that all n prompts share; OpenAI-cached:")
    print("#   prompt tokens served from cache by OpenAI's rule, prompts sent one after another")
    print()
    for text, passed in verdicts:
        print(f"{'PASS' if passed else 'FAIL'}: {text}")
    load = os.getloadavg()
    print(f"# load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0 if all(passed for _, passed in verdicts) else 1


CONCURRENCY = 8

if __name__ == "__main__":
    raise SystemExit(main())
