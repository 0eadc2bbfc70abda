"""data_first against PC alone and the model alone, and feedback loops kept or broken.

Prints Markdown tables (docs/data_first.md holds them verbatim):

1. On data drawn from each packaged graph (linear-Gaussian and discrete, 2,000 rows), with the
   variables renamed (neutral names, scrubbed descriptions) and the simulated expert at several
   error levels: F1 and SHD of PC alone, of the model alone (per_node) and of data_first, with
   calls and tokens; the mean of 5 seeds (each seed draws the data, the renaming and the
   expert's errors).
2. The calibration data_first reports (the model's agreement with the directions the data
   found by themselves) beside the model's true accuracy on the edges it oriented.
3. On a cyclic truth (the packaged climate_feedbacks summary graph, 24 arcs, 5 two-way links)
   with the simulated expert: the normalised Hamming distance of acyclic=True and acyclic=False.

    python benchmarks/data_first.py > benchmarks/results/data_first.txt

tests/suggest/test_data_first_benchmark.py re-runs a cheap subset and checks that the committed
numbers still come out.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import mean
from typing import Any, TextIO

from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    SimulatedExpert,
    compare_graphs,
    normalized_hamming_distance,
    run_pc,
    simulate_data,
)
from pywhy_llm_assist.evaluate._graphs import (
    CYCLIC_FOLDER,
    BenchmarkGraph,
    load_benchmark,
    load_benchmarks,
    rename_benchmark,
)

COMMAND = "python benchmarks/data_first.py > benchmarks/results/data_first.txt"
GRAPHS = ("cancer", "earthquake", "survey", "asia", "sachs", "shrier_platt_2008", "child")
KINDS = {"linear": "linear-Gaussian", "discrete": "discrete"}
ROWS = 2000
SEEDS = tuple(range(5))
ERRORS = (0.0, 0.1, 0.2, 0.3)
METHODS = ("PC alone", "per_node", "data_first")
CYCLIC_SEEDS = tuple(range(10))
CYCLIC_ERRORS = (0.0, 0.1, 0.2, 0.3)
MEAN_LABEL = "**mean of graphs**"


@dataclass(frozen=True)
class Run:
    """One method on one graph, kind, seed and error level."""

    graph: str
    kind: str
    method: str
    seed: int
    error: float
    f1: float
    shd: int
    calls: int = 0
    tokens: int = 0
    open_edges: int = 0
    agreement: float | None = None
    model_accuracy: float | None = None


def _row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _header(names: Sequence[str], text_columns: int = 2) -> list[str]:
    rule = "|".join("---" if index < text_columns else "---:" for index in range(len(names)))
    return [_row(names), f"|{rule}|"]


def _percent(value: float) -> str:
    return f"{value * 100:g}%"


def _assistant(truth: CausalGraph, error: float, seed: int, identities: dict[str, str]) -> Any:
    expert = SimulatedExpert.with_error(truth, error, seed=seed, identities=identities)
    return Assistant("simulated-expert", client=expert, cache_mode="off")


def _model_accuracy(graph: CausalGraph, truth: CausalGraph) -> float | None:
    """The share of the edges the model oriented (direction 'model') that the truth has."""
    oriented = [
        tuple(line["edge"].split(" -> "))
        for line in graph.metadata["data_first"]["edges"]
        if line["direction"] == "model"
    ]
    if not oriented:
        return None
    true_edges = set(truth.edge_pairs)
    return sum(1 for pair in oriented if pair in true_edges) / len(oriented)


def runs_for(benchmark: BenchmarkGraph, kind: str, seed: int) -> list[Run]:
    """Every method and error level on one graph, data kind and seed."""
    renamed, mapping = rename_benchmark(benchmark, seed=seed)
    truth = renamed.graph
    identities = {neutral: original for original, neutral in mapping.items()}
    data = simulate_data(truth, ROWS, kind=kind, seed=seed)
    name = benchmark.name
    data_graph = run_pc(truth.variables, data)
    alone = compare_graphs(data_graph, truth)
    runs = []
    for error in ERRORS:
        runs.append(Run(name, kind, "PC alone", seed, error, alone.f1, alone.shd))
        model_alone = _assistant(truth, error, seed, identities).suggest_graph(
            truth.variables, context=renamed.context, strategy="per_node"
        )
        scores = compare_graphs(model_alone, truth)
        usage = model_alone.usage
        assert usage is not None
        tokens = usage.prompt_tokens + usage.completion_tokens
        runs.append(
            Run(name, kind, "per_node", seed, error, scores.f1, scores.shd, usage.calls, tokens)
        )
        combined = _assistant(truth, error, seed, identities).suggest_graph(
            truth.variables, context=renamed.context, data=data, strategy="data_first"
        )
        scores = compare_graphs(combined, truth)
        usage = combined.usage
        assert usage is not None
        runs.append(
            Run(
                name,
                kind,
                "data_first",
                seed,
                error,
                scores.f1,
                scores.shd,
                usage.calls,
                usage.prompt_tokens + usage.completion_tokens,
                len(combined.undirected),
                combined.metadata["data_first"]["calibration"]["accuracy"],
                _model_accuracy(combined, truth),
            )
        )
    return runs


def all_runs(
    graphs: Sequence[BenchmarkGraph], kinds: Sequence[str], seeds: Sequence[int]
) -> list[Run]:
    """Every run of the comparison."""
    return [
        run
        for kind in kinds
        for graph in graphs
        for seed in seeds
        for run in runs_for(graph, kind, seed)
    ]


def _mean(runs: Sequence[Run], value: Callable[[Run], float | None]) -> float | None:
    numbers = [number for run in runs if (number := value(run)) is not None]
    return mean(numbers) if numbers else None


def comparison_table(runs: Sequence[Run], graphs: Sequence[BenchmarkGraph], kind: str) -> list[str]:
    """F1 and SHD by error level, calls and tokens, per graph and method, for one data kind."""
    names = ["graph", "method"]
    names += [f"F1 at {_percent(error)}" for error in ERRORS]
    names += [f"SHD at {_percent(error)}" for error in ERRORS]
    names += ["calls", "tokens", "left open"]
    lines = _header(names)
    by_method: dict[str, list[list[float]]] = {method: [] for method in METHODS}
    for graph in graphs:
        for method in METHODS:
            chosen = [
                r for r in runs if r.graph == graph.name and r.method == method and r.kind == kind
            ]
            values: list[float] = []
            for field in ("f1", "shd"):
                for error in ERRORS:
                    at = [r for r in chosen if r.error == error]
                    values.append(_mean(at, lambda r, f=field: getattr(r, f)) or 0.0)
            values += [
                _mean(chosen, lambda r: r.calls) or 0.0,
                _mean(chosen, lambda r: r.tokens) or 0.0,
                _mean(chosen, lambda r: r.open_edges) or 0.0,
            ]
            by_method[method].append(values)
            lines.append(_row([graph.name, method, *_cells(values)]))
    for method, table in by_method.items():
        means = [mean(column) for column in zip(*table, strict=True)]
        lines.append(_row([MEAN_LABEL, method, *_cells(means)]))
    return lines


def _cells(values: Sequence[float]) -> list[str]:
    count = len(ERRORS)
    f1 = [f"{value:.3f}" for value in values[:count]]
    shd = [f"{value:.1f}" for value in values[count : 2 * count]]
    calls, tokens, left_open = values[2 * count :]
    return [*f1, *shd, f"{calls:.1f}", f"{tokens:,.0f}", f"{left_open:.1f}"]


def calibration_table(runs: Sequence[Run]) -> list[str]:
    """data_first's reported agreement beside the model's true accuracy, by error level."""
    names = ["data", "expert error", "agreement with the data's own directions",
             "true accuracy of the model's orientations"]  # fmt: skip
    lines = _header(names)
    for kind in KINDS:
        for error in ERRORS:
            chosen = [
                r for r in runs if r.kind == kind and r.error == error and r.method == "data_first"
            ]
            agreement = _mean(chosen, lambda r: r.agreement)
            accuracy = _mean(chosen, lambda r: r.model_accuracy)
            lines.append(_row([KINDS[kind], _percent(error), _maybe(agreement), _maybe(accuracy)]))
    return lines


def _maybe(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def cyclic_table(seeds: Sequence[int] = CYCLIC_SEEDS) -> list[str]:
    """NHD (and F1) of per_node with acyclic=True and acyclic=False on the cyclic truth."""
    benchmark = load_benchmark(CYCLIC_FOLDER / "climate_feedbacks.json")
    truth = benchmark.graph
    names = ["expert error", "NHD, acyclic=True", "NHD, acyclic=False", "F1, acyclic=True",
             "F1, acyclic=False", "edges dropped by acyclic=True"]  # fmt: skip
    lines = _header(names, text_columns=1)
    for error in CYCLIC_ERRORS:
        values: dict[str, list[float]] = {
            key: [] for key in ("nhd_dag", "nhd", "f1_dag", "f1", "drops")
        }
        for seed in seeds:
            assistant = _assistant(truth, error, seed, {})
            dag = assistant.suggest_graph(truth.variables, context=benchmark.context)
            loops = assistant.suggest_graph(
                truth.variables, context=benchmark.context, acyclic=False
            )
            values["nhd_dag"].append(normalized_hamming_distance(dag, truth))
            values["nhd"].append(normalized_hamming_distance(loops, truth))
            values["f1_dag"].append(compare_graphs(dag, truth).f1)
            values["f1"].append(compare_graphs(loops, truth).f1)
            values["drops"].append(len(dag.dropped))
        lines.append(
            _row(
                [
                    _percent(error),
                    f"{mean(values['nhd_dag']):.4f}",
                    f"{mean(values['nhd']):.4f}",
                    f"{mean(values['f1_dag']):.3f}",
                    f"{mean(values['f1']):.3f}",
                    f"{mean(values['drops']):.1f}",
                ]
            )
        )
    return lines


def main(stream: TextIO = sys.stdout) -> None:
    """Print every table."""
    graphs = load_benchmarks(list(GRAPHS))
    runs = all_runs(graphs, tuple(KINDS), SEEDS)
    print(f"command: {COMMAND}", file=stream)
    print(
        f"graphs: {', '.join(GRAPHS)}; {ROWS:,} rows; renamed variables; seeds "
        f"{SEEDS[0]}-{SEEDS[-1]}; simulated expert (SimulatedExpert.with_error)",
        file=stream,
    )
    for kind, label in KINDS.items():
        title = label[0].upper() + label[1:]
        print(f"\n#### {title} data (mean of {len(SEEDS)} seeds)\n", file=stream)
        print("\n".join(comparison_table(runs, graphs, kind)), file=stream)
    print("\n#### Calibration reported by data_first\n", file=stream)
    print("\n".join(calibration_table(runs)), file=stream)
    print(
        f"\n#### Feedback loops: climate_feedbacks (per_node, mean of {len(CYCLIC_SEEDS)} seeds)\n",
        file=stream,
    )
    print("\n".join(cyclic_table()), file=stream)


if __name__ == "__main__":
    main()
