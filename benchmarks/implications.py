"""Benchmark: implication tests on simulated data, side by side with DoWhy's ``refute_graph``.

For each data kind (linear-Gaussian, discrete, mixed) and number of rows, and for each graph
packaged with the library (cancer, earthquake, asia, sachs), the script draws `--runs` data
sets from the true graph with `simulate_data` (moderate effects: coefficients of size 0.2 to
0.4) and tests:

- the true graph: a *false alarm* is a run that rejects the graph. For us that is any
  implication rejected after the Benjamini-Hochberg correction (``not consistent``); the
  global test (Cauchy combination) and, for the record, Fisher's C over the same p-values are
  counted separately. For DoWhy it is ``refute_graph(k=1).refutation_result == False``.
- the graph with one true edge removed (a different edge per run): *pair flagged* is our row
  for that pair rejected; *graph rejected* is the verdict of each method.

DoWhy runs on the same data sets. Its discrete test (``conditional_MI``) indexes the data with
``list(name)``, which fails for any name longer than one character, so its columns (and the
graph's nodes) are renamed to single letters for it; ``tested`` is the share of its
constraints it actually ran (``refute_graph`` passes the ones it cannot test).

A second table counts, per graph and data kind on the true graph, how often the global tests
reject, with moderate and with strong effects (cancer and earthquake share one structure, so
their rows coincide): Fisher's C treats the tests as independent, which they are not.

The first part times `test_implications` on 5,000 mixed-type rows of a random 34-variable
graph with 61 edges, which implies exactly 500 independences (target: under 2 s).

Usage:
    python benchmarks/implications.py                        # the committed results
    python benchmarks/implications.py --runs 10 --sizes 500 --no-dowhy
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import random
import statistics
import string
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from pywhy_llm_assist import CausalGraph, load_benchmark, simulate_data, test_implications
from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER

GRAPHS = ("cancer", "earthquake", "asia", "sachs")
KINDS = ("linear", "discrete", "mixed")
MODERATE = (0.2, 0.4)
STRONG = (0.5, 1.0)  # simulate_data's default
ALPHA = 0.05
TIMING_TARGET = 2.0


@dataclass
class Cell:
    """Counts for one (data kind, rows) cell, pooled over graphs and runs."""

    runs: int = 0
    ours_false: int = 0
    ours_global_false: int = 0
    fisher_false: int = 0
    dowhy_false: int = 0
    dowhy_truth_runs: int = 0
    dowhy_draft_runs: int = 0
    pair_flagged: int = 0
    ours_rejected: int = 0
    dowhy_rejected: int = 0
    dowhy_errors: int = 0
    dowhy_tested: list[float] = field(default_factory=list)
    ours_seconds: list[float] = field(default_factory=list)
    dowhy_seconds: list[float] = field(default_factory=list)


def fisher_c(p_values: Sequence[float]) -> float:
    """Fisher's C over p-values taken as independent (only to show why we do not use it)."""
    clipped = np.clip(np.asarray(p_values, dtype=float), 1e-300, 1.0)
    return float(stats.chi2.sf(-2 * np.sum(np.log(clipped)), 2 * len(clipped)))


def dowhy_verdict(graph: CausalGraph, frame: Any) -> tuple[bool | None, float, float]:
    """(graph passes, share of its constraints DoWhy tested, seconds) for refute_graph(k=1).

    The verdict comes from ``CausalModel.refute_graph``; the share tested is read from the
    ``GraphRefuter`` it builds (recorded by a subclass), whose ``_results`` mark each
    constraint it could not test as ``NotImplemented``.
    """
    import dowhy.causal_model
    import networkx as nx
    from dowhy import CausalModel
    from dowhy.causal_refuters.graph_refuter import GraphRefuter

    class RecordingRefuter(GraphRefuter):  # type: ignore[misc]
        last: GraphRefuter | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            RecordingRefuter.last = self

    dowhy.causal_model.GraphRefuter = RecordingRefuter
    letters = dict(zip(graph.names, string.ascii_letters, strict=False))
    network = nx.relabel_nodes(graph.to_networkx(), letters)
    data = frame.rename(columns=letters)
    treatment, outcome = next(iter(network.edges))
    start = time.perf_counter()
    try:
        model = CausalModel(data=data, treatment=treatment, outcome=outcome, graph=network)
        result = model.refute_graph(k=1)
    except Exception:  # DoWhy's own failures are counted, not hidden
        return None, 0.0, time.perf_counter() - start
    seconds = time.perf_counter() - start
    results = RecordingRefuter.last._results if RecordingRefuter.last is not None else {}
    untested = sum(1 for value in results.values() if value[1] == "NotImplemented")
    tested = 1 - untested / len(results) if results else 1.0
    return bool(result.refutation_result), tested, seconds


def run_cell(kind: str, rows: int, runs: int, with_dowhy: bool) -> Cell:
    cell = Cell()
    for name in GRAPHS:
        truth = load_benchmark(PACKAGED_FOLDER / f"{name}.json").graph
        edges = truth.edge_pairs
        for seed in range(runs):
            frame = simulate_data(truth, rows, kind=kind, seed=seed, effect=MODERATE)
            start = time.perf_counter()
            result = test_implications(truth, frame, alpha=ALPHA)
            cell.ours_seconds.append(time.perf_counter() - start)
            cell.runs += 1
            cell.ours_false += not result.consistent
            cell.ours_global_false += (result.global_p_value or 1.0) < ALPHA
            p_values = [row.p_value for row in result.tested if row.p_value is not None]
            cell.fisher_false += bool(p_values) and fisher_c(p_values) < ALPHA
            removed = edges[random.Random(seed).randrange(len(edges))]
            draft = truth.without_edges([removed])
            flagged = test_implications(draft, frame, alpha=ALPHA)
            cell.pair_flagged += any({row.x, row.y} == set(removed) for row in flagged.rejected)
            cell.ours_rejected += not flagged.consistent
            if not with_dowhy:
                continue
            for graph, counter in ((truth, "dowhy_false"), (draft, "dowhy_rejected")):
                passed, tested, seconds = dowhy_verdict(graph, frame)
                cell.dowhy_seconds.append(seconds)
                if passed is None:
                    cell.dowhy_errors += 1
                    continue
                cell.dowhy_tested.append(tested)
                setattr(cell, counter, getattr(cell, counter) + (not passed))
                done = "dowhy_truth_runs" if graph is truth else "dowhy_draft_runs"
                setattr(cell, done, getattr(cell, done) + 1)
    return cell


def random_graph(variables: int, edges: int, seed: int) -> CausalGraph:
    """A random DAG: each edge from an earlier to a later variable."""
    generator = random.Random(seed)
    names = [f"v{index:02d}" for index in range(variables)]
    chosen: set[tuple[str, str]] = set()
    while len(chosen) < edges:
        target = generator.randrange(1, variables)
        source = generator.randrange(max(0, target - 8), target)
        chosen.add((names[source], names[target]))
    return CausalGraph.from_edges(names, sorted(chosen))


def timing(repeats: int) -> tuple[int, float, float, dict[str, int]]:
    """(implications, median seconds, separators' share, tests by kind) on 5,000 mixed rows."""
    from pywhy_llm_assist.data._implications import implied_independences

    graph = random_graph(34, 61, seed=1)
    frame = simulate_data(graph, 5000, kind="mixed", seed=1)
    result = test_implications(graph, frame)  # warm-up (imports)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = test_implications(graph, frame)
        seconds.append(time.perf_counter() - start)
    start = time.perf_counter()
    implied_independences(graph)
    separators = time.perf_counter() - start
    kinds: dict[str, int] = {}
    for row in result.tests:
        kinds[row.test] = kinds.get(row.test, 0) + 1
    median = statistics.median(seconds)
    return len(result.tests), median, separators / median, kinds


def global_tests(
    runs: int, rows: int, effect: tuple[float, float]
) -> list[tuple[str, str, int, float, float, float]]:
    """Per graph and data kind, on the true graph: the share of runs rejected by any
    Benjamini-Hochberg rejection, by the Cauchy combination test and by Fisher's C."""
    found = []
    for name in GRAPHS:
        truth = load_benchmark(PACKAGED_FOLDER / f"{name}.json").graph
        for kind in KINDS:
            any_rejection = cauchy = fisher = 0
            implications = 0
            for seed in range(runs):
                frame = simulate_data(truth, rows, kind=kind, seed=10_000 + seed, effect=effect)
                result = test_implications(truth, frame, alpha=ALPHA)
                p_values = [row.p_value for row in result.tested if row.p_value is not None]
                implications = len(result.tests)
                any_rejection += not result.consistent
                cauchy += (result.global_p_value or 1.0) < ALPHA
                fisher += bool(p_values) and fisher_c(p_values) < ALPHA
            found.append(
                (name, kind, implications, any_rejection / runs, cauchy / runs, fisher / runs)
            )
    return found


def percent(count: int, total: int) -> str:
    return f"{100 * count / total:5.1f}%" if total else "    -"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="data sets per graph and cell")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--no-dowhy", action="store_true", help="skip DoWhy's refute_graph")
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats")
    parser.add_argument(
        "--global-runs", type=int, default=200, help="data sets per graph for the global tests"
    )
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    command = " ".join(["python", "benchmarks/implications.py", *(argv or sys.argv[1:])])
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    print("# implication tests: false alarms and detection, ours and DoWhy's refute_graph")
    print(f"# date: {now}")
    print(f"# command: {command}")
    print(
        f"# machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; load average before: "
        + " ".join(f"{value:.2f}" for value in load)
    )
    print(
        f"# data: simulate_data on {', '.join(GRAPHS)} (packaged graphs), effects {MODERATE}, "
        f"{args.runs} data sets per graph and cell ({args.runs * len(GRAPHS)} per cell), "
        f"alpha {ALPHA}"
    )
    print(
        "# false alarm = share of data sets on which the TRUE graph is rejected; "
        "flagged = the removed edge's pair is rejected; rejected = the graph with one true "
        "edge removed is rejected"
    )
    print(
        "# ours = any implication rejected after Benjamini-Hochberg; global = Cauchy "
        "combination test; Fisher's C = the same p-values combined as if independent; "
        "tested = share of DoWhy's constraints it ran"
    )
    print()
    count, median, share, kinds = timing(args.repeats)
    timing_verdict = "PASS" if median < TIMING_TARGET else "FAIL"
    shown = ", ".join(f"{name} {number}" for name, number in sorted(kinds.items()))
    print(
        f"timing: {count} implications on 5,000 mixed-type rows (34 variables, 61 edges): "
        f"median {median:.2f} s of {args.repeats} runs ({share:.0%} finding the separating "
        f"sets); tests: {shown}"
    )
    print(
        f"{timing_verdict}: {median:.2f} s for {count} implications "
        f"(target under {TIMING_TARGET} s)",
        flush=True,
    )
    print()
    header = (
        f"{'data':<9}{'rows':>6} | {'ours':>6} {'global':>7} {'FisherC':>8} {'DoWhy':>7} "
        f"{'tested':>7} | "
        f"{'flagged':>8} {'ours':>6} {'DoWhy':>7} | {'ours s':>7} {'DoWhy s':>8}"
    )
    print(f"{'':<15} | {'false alarm on the true graph':^39} | {'one edge removed':^24} |")
    print(header)
    print("-" * len(header))
    worst = 0.0
    for kind in KINDS:
        for rows in args.sizes:
            cell = run_cell(kind, rows, args.runs, not args.no_dowhy)
            worst = max(worst, cell.ours_false / cell.runs)
            tested = f"{np.mean(cell.dowhy_tested):.0%}" if cell.dowhy_tested else "-"
            print(
                f"{kind:<9}{rows:>6} | {percent(cell.ours_false, cell.runs):>6} "
                f"{percent(cell.ours_global_false, cell.runs):>7} "
                f"{percent(cell.fisher_false, cell.runs):>8} "
                f"{percent(cell.dowhy_false, cell.dowhy_truth_runs):>7} "
                f"{tested:>7} | "
                f"{percent(cell.pair_flagged, cell.runs):>8} "
                f"{percent(cell.ours_rejected, cell.runs):>6} "
                f"{percent(cell.dowhy_rejected, cell.dowhy_draft_runs):>7} | "
                f"{statistics.median(cell.ours_seconds):>7.3f} "
                + (
                    f"{statistics.median(cell.dowhy_seconds):>8.3f}"
                    if cell.dowhy_seconds
                    else f"{'-':>8}"
                ),
                flush=True,
            )
            if cell.dowhy_errors:
                print(f"#   DoWhy failed on {cell.dowhy_errors} of its runs in this cell")
    print()
    print(
        f"global tests on the true graph, 2,000 rows, {args.global_runs} data sets per row: "
        f"share of data sets rejected, with moderate effects {MODERATE} and strong ones {STRONG}"
    )
    line = (
        f"{'graph':<11}{'data':<9}{'tests':>6} | {'any BH':>7} {'Cauchy':>7} {'FisherC':>8} | "
        f"{'any BH':>7} {'Cauchy':>7} {'FisherC':>8}"
    )
    print(f"{'':<26} | {'moderate effects':^24} | {'strong effects':^24}")
    print(line)
    print("-" * len(line))
    worst_cauchy = worst_fisher = 0.0
    moderate = global_tests(args.global_runs, 2000, MODERATE)
    strong = global_tests(args.global_runs, 2000, STRONG)
    for (name, kind, implications, *first), (*_, any_bh, cauchy, fisher) in zip(
        moderate, strong, strict=True
    ):
        worst_cauchy = max(worst_cauchy, first[1], cauchy)
        worst_fisher = max(worst_fisher, first[2], fisher)
        print(
            f"{name:<11}{kind:<9}{implications:>6} | {first[0]:>7.1%} {first[1]:>7.1%} "
            f"{first[2]:>8.1%} | {any_bh:>7.1%} {cauchy:>7.1%} {fisher:>8.1%}",
            flush=True,
        )
    print(f"worst: Cauchy {worst_cauchy:.1%}, Fisher's C {worst_fisher:.1%} (alpha {ALPHA:.0%})")
    print()
    bound = 2 * ALPHA
    verdict = "PASS" if worst <= bound else "FAIL"
    print(f"{verdict}: our worst false-alarm rate {worst:.1%} (bound {bound:.0%}, about alpha)")
    after = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print("# load average after: " + " ".join(f"{value:.2f}" for value in after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
