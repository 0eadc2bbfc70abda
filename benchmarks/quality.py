"""Quality and cost tables of graph suggestion with the simulated expert (docs/benchmarks.md).

Prints Markdown tables: F1 and SHD against the expert's error level; the effect of samples
(voting); the effect of cycle breaking, for an expert whose confidence does and does not
reflect its errors; and calls, tokens and wall time per strategy against the number of
variables. Quality numbers are means over seeds 0-9.

    python benchmarks/quality.py > benchmarks/results/quality.txt

The output is pasted verbatim into docs/benchmarks.md; tests/evaluate/test_benchmark.py re-runs a
cheap subset and checks that the committed numbers still come out.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from statistics import mean
from typing import TextIO

from pywhy_llm_assist.evaluate._benchmark import BenchmarkRow, run_benchmark
from pywhy_llm_assist.evaluate._graphs import (
    BenchmarkGraph,
    load_benchmarks,
    synthetic_benchmark,
)
from pywhy_llm_assist.evaluate._table import format_table

SEEDS = tuple(range(10))
ERRORS = (0.0, 0.1, 0.2, 0.3)
SAMPLES = (1, 3, 5)
SAMPLES_ERROR = 0.2
CYCLE_ERRORS = (0.2, 0.3)
COST_SIZES = (5, 10, 20, 40)
COST_STRATEGIES = ("per_node", "whole", "pairwise")
MEAN_LABEL = "**mean of graphs**"
COMMAND_LINE = "python benchmarks/quality.py > benchmarks/results/quality.txt"
"""How the committed result is made (its first line says so)."""

Graphs = Sequence[BenchmarkGraph]


def _row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _header(names: Sequence[str], text_columns: Collection[int] = (0,)) -> list[str]:
    """The header and rule of a Markdown table; columns not in `text_columns` align right."""
    rule = "|".join("---" if index in text_columns else "---:" for index in range(len(names)))
    return [_row(names), f"|{rule}|"]


def _mean(rows: Sequence[BenchmarkRow], value: Callable[[BenchmarkRow], float | None]) -> float:
    numbers = [value(row) for row in rows]
    return mean(number for number in numbers if number is not None)


def _group(
    rows: Iterable[BenchmarkRow], *keys: str
) -> dict[tuple[object, ...], list[BenchmarkRow]]:
    groups: dict[tuple[object, ...], list[BenchmarkRow]] = {}
    for row in rows:
        groups.setdefault(tuple(getattr(row, key) for key in keys), []).append(row)
    return groups


def _percent(value: float) -> str:
    return f"{value * 100:g}%"


def _formatted(values: Sequence[float], formats: Sequence[str]) -> list[str]:
    return [format(value, spec) for value, spec in zip(values, formats, strict=True)]


def _mean_row(
    label: Sequence[object], table: Sequence[Sequence[float]], formats: Sequence[str]
) -> str:
    """A row of column means over `table` (one list of numbers per graph)."""
    means = [mean(column) for column in zip(*table, strict=True)]
    return _row([*label, *_formatted(means, formats)])


def error_table(graphs: Graphs, seeds: Sequence[int] = SEEDS) -> list[str]:
    """F1 and SHD of per_node with one sample, against the expert's error level."""
    report = run_benchmark(list(graphs), errors=ERRORS, seed=seeds)
    groups = _group(report.rows, "graph", "error")
    names = ["graph", "n", "edges"]
    names += [f"F1 at {_percent(error)}" for error in ERRORS]
    names += [f"SHD at {_percent(error)}" for error in ERRORS]
    formats = [".3f"] * len(ERRORS) + [".1f"] * len(ERRORS)
    lines = _header(names)
    table = []
    for graph in graphs:
        rows = [groups[(graph.name, error)] for error in ERRORS]
        values = [_mean(group, lambda row: row.f1) for group in rows]
        values += [_mean(group, lambda row: row.shd) for group in rows]
        table.append(values)
        label = [graph.name, len(graph.graph.names), len(graph.graph.edges)]
        lines.append(_row([*label, *_formatted(values, formats)]))
    lines.append(_mean_row([MEAN_LABEL, "", ""], table, formats))
    return lines


def samples_table(graphs: Graphs, seeds: Sequence[int] = SEEDS) -> list[str]:
    """F1 and SHD of per_node at 20% error with 1, 3 and 5 samples (majority vote)."""
    report = run_benchmark(list(graphs), errors=(SAMPLES_ERROR,), samples=SAMPLES, seed=seeds)
    groups = _group(report.rows, "graph", "samples")
    names = ["graph", "n"]
    names += [f"F1, {count} sample{'s' if count > 1 else ''}" for count in SAMPLES]
    names += [f"SHD, {count} sample{'s' if count > 1 else ''}" for count in SAMPLES]
    formats = [".3f"] * len(SAMPLES) + [".1f"] * len(SAMPLES)
    lines = _header(names)
    table = []
    for graph in graphs:
        rows = [groups[(graph.name, count)] for count in SAMPLES]
        values = [_mean(group, lambda row: row.f1) for group in rows]
        values += [_mean(group, lambda row: row.shd) for group in rows]
        table.append(values)
        lines.append(_row([graph.name, len(graph.graph.names), *_formatted(values, formats)]))
    lines.append(_mean_row([MEAN_LABEL, ""], table, formats))
    return lines


def cycle_table(graphs: Graphs, seeds: Sequence[int] = SEEDS) -> list[str]:
    """F1 with and without cycle breaking (per_node, one sample), uncalibrated and calibrated."""
    names = ["graph", "error", "cycle drops"]
    names += ["F1 without breaking", "F1 with breaking", "F1 with breaking, calibrated"]
    formats = [".1f", ".3f", ".3f", ".3f"]
    lines = _header(names)
    plain = _group(
        run_benchmark(list(graphs), errors=CYCLE_ERRORS, seed=seeds).rows, "graph", "error"
    )
    calibrated = _group(
        run_benchmark(list(graphs), errors=CYCLE_ERRORS, seed=seeds, calibrated=True).rows,
        "graph",
        "error",
    )
    tables: dict[float, list[list[float]]] = {error: [] for error in CYCLE_ERRORS}
    for graph in graphs:
        for error in CYCLE_ERRORS:
            rows, sure = plain[(graph.name, error)], calibrated[(graph.name, error)]
            values = [
                _mean(rows, lambda row: row.cycle_dropped),
                _mean(rows, lambda row: row.f1_without_cycle_breaking),
                _mean(rows, lambda row: row.f1),
                _mean(sure, lambda row: row.f1),
            ]
            tables[error].append(values)
            lines.append(_row([graph.name, _percent(error), *_formatted(values, formats)]))
    for error, table in tables.items():
        lines.append(_mean_row([MEAN_LABEL, _percent(error)], table, formats))
    return lines


def cost_table(sizes: Sequence[int] = COST_SIZES) -> list[str]:
    """Calls, tokens and wall time per strategy on synthetic graphs (one sample, no latency).

    Wall time is the last column: it is the only number that changes from run to run.
    """
    names = ["n", "strategy", "calls", "prompt tokens", "completion tokens", "wall s"]
    lines = _header(names, text_columns=(1,))
    graphs = [synthetic_benchmark(size, seed=0) for size in sizes]
    report = run_benchmark(graphs, strategies=COST_STRATEGIES)
    for row in report.rows:
        lines.append(
            _row(
                [
                    row.n,
                    row.strategy,
                    f"{row.calls:,}",
                    f"{row.prompt_tokens:,}",
                    f"{row.completion_tokens:,}",
                    f"{row.wall_seconds:.2f}",
                ]
            )
        )
    return lines


COMMAND = "pywhy-llm-assist benchmark --strategies per_node,whole,pairwise --errors 0.2"


def command_table(graphs: Graphs) -> list[str]:
    """What `COMMAND` prints (seed 0): the default table, in a code block."""
    report = run_benchmark(list(graphs), strategies=COST_STRATEGIES, errors=(0.2,))
    return ["```", f"$ {COMMAND}", format_table(report), "```"]


SECTIONS: tuple[tuple[str, Callable[[Graphs], list[str]]], ...] = (
    ("Error level (per_node, 1 sample, mean of 10 seeds)", error_table),
    ("Samples at 20% error (per_node, majority vote, mean of 10 seeds)", samples_table),
    ("Cycle breaking (per_node, 1 sample, mean of 10 seeds)", cycle_table),
    (
        "Cost per strategy against n (synthetic graphs, 1 sample, no latency)",
        lambda _: cost_table(),
    ),
    ("The command's own table (seed 0, 20% error, every strategy)", command_table),
)


def main(stream: TextIO = sys.stdout) -> None:
    """Print every table."""
    graphs = load_benchmarks()
    print(f"graphs: {', '.join(graph.name for graph in graphs)}", file=stream)
    print(f"command: {COMMAND_LINE}", file=stream)
    for title, build in SECTIONS:
        print(f"\n#### {title}\n", file=stream)
        print("\n".join(build(graphs)), file=stream)


if __name__ == "__main__":
    main()
