"""Text and Markdown tables of a `BenchmarkReport`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..core._errors import InputError
from ._benchmark import BenchmarkReport, BenchmarkRow


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _error(value: float | None) -> str:
    return "model" if value is None else f"{value * 100:g}%"


@dataclass(frozen=True)
class Column:
    """One table column: its header, how a row's cell is written, and its alignment."""

    header: str
    cell: Callable[[BenchmarkRow], str]
    numeric: bool = True


COLUMNS: dict[str, Column] = {
    "graph": Column("graph", lambda row: row.graph, numeric=False),
    "n": Column("n", lambda row: str(row.n)),
    "edges": Column("edges", lambda row: str(row.true_edges)),
    "strategy": Column("strategy", lambda row: row.strategy, numeric=False),
    "samples": Column("samples", lambda row: str(row.samples)),
    "error": Column("error", lambda row: _error(row.error)),
    "renamed": Column("renamed", lambda row: "yes" if row.renamed else "no", numeric=False),
    "seed": Column("seed", lambda row: str(row.seed)),
    "precision": Column("precision", lambda row: _number(row.precision)),
    "recall": Column("recall", lambda row: _number(row.recall)),
    "f1": Column("F1", lambda row: _number(row.f1)),
    "shd": Column("SHD", lambda row: _count(row.shd)),
    "skeleton_f1": Column("skeleton F1", lambda row: _number(row.skeleton_f1)),
    "orientation_accuracy": Column("orientation", lambda row: _number(row.orientation_accuracy)),
    "topological_order_divergence": Column(
        "order div.", lambda row: _count(row.topological_order_divergence)
    ),
    "cycle_dropped": Column("cycle drops", lambda row: str(row.cycle_dropped)),
    "f1_without_cycle_breaking": Column(
        "F1 no cycle breaking", lambda row: _number(row.f1_without_cycle_breaking)
    ),
    "shd_without_cycle_breaking": Column(
        "SHD no cycle breaking", lambda row: _count(row.shd_without_cycle_breaking)
    ),
    "calls": Column("calls", lambda row: _count(row.calls)),
    "cache_hits": Column("cache hits", lambda row: _count(row.cache_hits)),
    "prompt_tokens": Column("prompt tokens", lambda row: _count(row.prompt_tokens)),
    "cached_prompt_tokens": Column("cached", lambda row: _count(row.cached_prompt_tokens)),
    "completion_tokens": Column("completion tokens", lambda row: _count(row.completion_tokens)),
    "tokens": Column("tokens", lambda row: _count(row.tokens)),
    "wall_seconds": Column("wall s", lambda row: f"{row.wall_seconds:.3f}"),
}
"""Column name -> how it is printed; `format_table` takes any of these names."""

DEFAULT_COLUMNS: tuple[str, ...] = (
    "graph",
    "n",
    "strategy",
    "samples",
    "error",
    "renamed",
    "precision",
    "recall",
    "f1",
    "shd",
    "calls",
    "tokens",
    "cached_prompt_tokens",
    "wall_seconds",
)


def format_table(
    report: BenchmarkReport | Sequence[BenchmarkRow],
    *,
    columns: Sequence[str] | None = None,
    markdown: bool = False,
) -> str:
    """Write benchmark rows as an aligned text table (or a Markdown table).

    Rows whose model failed are listed under the table with the error.

    Args:
        report: a `BenchmarkReport` or a list of its rows.
        columns: names from `COLUMNS` (default `DEFAULT_COLUMNS`: graph, n, strategy,
            samples, error, renamed, precision, recall, F1, SHD, calls, tokens, cached prompt
            tokens, wall time).
        markdown: a GitHub Markdown table instead of aligned text.

    Example:
        >>> from pywhy_llm_assist.evaluate._benchmark import run_benchmark
        >>> print(format_table(run_benchmark("cancer"), columns=("graph", "n", "f1", "shd")))
        graph   n     F1  SHD
        ------  -  -----  ---
        cancer  5  1.000    0
    """
    rows = report.rows if isinstance(report, BenchmarkReport) else list(report)
    chosen = tuple(columns or DEFAULT_COLUMNS)
    unknown = [name for name in chosen if name not in COLUMNS]
    if unknown:
        raise InputError(f"unknown table columns {unknown}; choose from {', '.join(COLUMNS)}")
    spec = [COLUMNS[name] for name in chosen]
    cells = [[column.cell(row) for column in spec] for row in rows]
    text = _markdown(spec, cells) if markdown else _aligned(spec, cells)
    failures = [
        f"{row.graph} {row.strategy} x{row.samples}: {row.failure}" for row in rows if row.failure
    ]
    if failures:
        text += "\n\nfailed:\n" + "\n".join(f"  {line}" for line in failures)
    return text


def _aligned(spec: Sequence[Column], cells: list[list[str]]) -> str:
    widths = [
        max([len(column.header), *(len(line[index]) for line in cells)])
        for index, column in enumerate(spec)
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(width) if column.numeric else value.ljust(width)
            for value, width, column in zip(values, widths, spec, strict=True)
        ]
        return "  ".join(parts).rstrip()

    header = line([column.header for column in spec])
    rule = "  ".join("-" * width for width in widths)
    return "\n".join([header, rule, *(line(values) for values in cells)])


def _markdown(spec: Sequence[Column], cells: list[list[str]]) -> str:
    header = "| " + " | ".join(column.header for column in spec) + " |"
    rule = "|" + "|".join("---:" if column.numeric else "---" for column in spec) + "|"
    return "\n".join([header, rule, *("| " + " | ".join(values) + " |" for values in cells)])
