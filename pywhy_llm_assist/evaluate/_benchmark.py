"""The benchmark runner: graphs x strategies x samples x error levels -> a table and JSON.

`run_benchmark` asks for every benchmark graph with each configuration, scores the result
against the truth with `compare_graphs`, and records calls, tokens and wall time. Without an
assistant it uses the `SimulatedExpert`; give an `Assistant` to measure a real model (any
OpenAI-compatible server, the embedded local model, or recorded answers in replay mode).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import product
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from ..core._errors import InputError, ModelError
from ..core._json_file import JsonFile
from ..core._usage import Usage
from ..graph._causal_graph import CausalGraph
from ..llm._sync import run_sync
from ._graphs import BenchmarkGraph, GraphsLike, load_benchmarks, rename_benchmark
from ._metrics import GraphComparison, compare_graphs
from ._simulated_expert import SimulatedExpert

if TYPE_CHECKING:
    from ..assistant._assistant import Assistant

SIMULATED_MODEL = "simulated-expert"
RenameChoice = bool | Literal["both"]


class BenchmarkRow(BaseModel):
    """One configuration on one graph: its scores and its cost.

    Attributes:
        graph: benchmark name.
        n: number of variables.
        true_edges: number of edges in the truth.
        strategy, samples: how the graph was asked for.
        error: the simulated expert's error level (None for a real model).
        renamed: variables had neutral names.
        seed: seed of the simulated expert's errors and of the renaming.
        precision, recall, f1, shd: scores of the assembled graph (None after a failure).
        skeleton_f1, orientation_accuracy, topological_order_divergence: more scores.
        cycle_dropped: edges dropped to break cycles.
        f1_without_cycle_breaking, shd_without_cycle_breaking: scores of the graph before
            cycle breaking (the result plus the edges dropped for cycles).
        calls, cache_hits, prompt_tokens, cached_prompt_tokens, completion_tokens: usage of
            this configuration (cached prompt tokens: the part of the prompt tokens the
            server's prompt cache served).
        wall_seconds: elapsed time of the request.
        failure: the error message when the model failed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    graph: str
    n: int
    true_edges: int
    strategy: str
    samples: int
    error: float | None
    renamed: bool
    seed: int
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    shd: int | None = None
    skeleton_f1: float | None = None
    orientation_accuracy: float | None = None
    topological_order_divergence: int | None = None
    cycle_dropped: int = 0
    f1_without_cycle_breaking: float | None = None
    shd_without_cycle_breaking: int | None = None
    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_seconds: float = 0.0
    failure: str | None = None

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


class BenchmarkReport(JsonFile):
    """The rows of a benchmark run and the settings that produced them.

    Example:
        >>> report = run_benchmark("cancer")
        >>> report.rows[0].f1
        1.0
    """

    model_config = ConfigDict(extra="forbid")
    json_label: ClassVar[str] = "benchmark report"

    model: str
    created: str
    settings: dict[str, Any] = Field(default_factory=dict)
    rows: list[BenchmarkRow] = Field(default_factory=list)


@dataclass(frozen=True)
class _Cell:
    benchmark: BenchmarkGraph
    strategy: str
    samples: int
    error: float | None
    renamed: bool
    seed: int
    identities: dict[str, str]


ProgressHook = Callable[[BenchmarkRow], None]


def _before_cycle_breaking(graph: CausalGraph) -> nx.DiGraph[str]:
    network: nx.DiGraph[str] = nx.DiGraph()
    network.add_nodes_from(graph.names)
    network.add_edges_from(graph.edge_pairs)
    network.add_edges_from(item.edge.pair for item in graph.dropped if item.reason == "cycle")
    return network


def score(result: CausalGraph, truth: CausalGraph) -> dict[str, Any]:
    """Scores of `result` for a `BenchmarkRow`, with and without cycle breaking.

    "Without cycle breaking" scores the result plus the edges the assembly dropped with
    reason ``cycle``: the graph as it stood after votes, thresholds and two-way conflicts.

    Example:
        >>> truth = CausalGraph.from_edges(["a", "b"], [("a", "b")])
        >>> score(truth, truth)["f1"], score(truth, truth)["cycle_dropped"]
        (1.0, 0)
    """
    kept: GraphComparison = compare_graphs(result, truth)
    before = compare_graphs(_before_cycle_breaking(result), truth)
    return {
        "precision": kept.precision,
        "recall": kept.recall,
        "f1": kept.f1,
        "shd": kept.shd,
        "skeleton_f1": kept.skeleton_f1,
        "orientation_accuracy": kept.orientation_accuracy,
        "topological_order_divergence": kept.topological_order_divergence,
        "cycle_dropped": sum(1 for item in result.dropped if item.reason == "cycle"),
        "f1_without_cycle_breaking": before.f1,
        "shd_without_cycle_breaking": before.shd,
    }


def _cells(
    benchmarks: Sequence[BenchmarkGraph],
    *,
    strategies: Sequence[str],
    samples: Sequence[int],
    errors: Sequence[float | None],
    renames: Sequence[bool],
    seeds: Sequence[int],
) -> list[_Cell]:
    cells = []
    for benchmark, renamed, seed in product(benchmarks, renames, seeds):
        asked, identities = benchmark, {}
        if renamed:
            asked, mapping = rename_benchmark(benchmark, seed=seed)
            identities = {neutral: original for original, neutral in mapping.items()}
        for strategy, count, error in product(strategies, samples, errors):
            cells.append(_Cell(asked, strategy, count, error, renamed, seed, identities))
    return cells


async def _run_cell(
    cell: _Cell,
    assistant: Assistant | None,
    *,
    threshold: float,
    concurrency: int,
    latency: float,
    calibrated: bool,
) -> BenchmarkRow:
    from ..assistant._assistant import Assistant

    truth = cell.benchmark.graph
    if assistant is None:
        expert = SimulatedExpert.with_error(
            truth,
            cell.error or 0.0,
            seed=cell.seed,
            latency=latency,
            calibrated=calibrated,
            identities=cell.identities,
        )
        assistant = Assistant(
            SIMULATED_MODEL, client=expert, cache_mode="off", concurrency=concurrency
        )
    before: Usage = assistant.usage
    fields: dict[str, Any] = {
        "graph": cell.benchmark.name,
        "n": len(truth.names),
        "true_edges": len(truth.edges),
        "strategy": cell.strategy,
        "samples": cell.samples,
        "error": cell.error,
        "renamed": cell.renamed,
        "seed": cell.seed,
    }
    started = time.perf_counter()
    try:
        result = await assistant.suggest_graph_async(
            truth.variables,
            context=cell.benchmark.context,
            strategy=cell.strategy,
            samples=cell.samples,
            threshold=threshold,
        )
    except ModelError as error:
        fields["failure"] = f"{type(error).__name__}: {error}"
    else:
        fields.update(score(result, truth))
    fields["wall_seconds"] = round(time.perf_counter() - started, 4)
    used = assistant.usage
    fields.update(
        calls=used.calls - before.calls,
        cache_hits=used.cache_hits - before.cache_hits,
        prompt_tokens=used.prompt_tokens - before.prompt_tokens,
        cached_prompt_tokens=used.cached_prompt_tokens - before.cached_prompt_tokens,
        completion_tokens=used.completion_tokens - before.completion_tokens,
    )
    return BenchmarkRow(**fields)


def _rename_choices(rename: RenameChoice) -> tuple[bool, ...]:
    if rename == "both":
        return (False, True)
    if isinstance(rename, bool):
        return (rename,)
    raise InputError(f"rename must be True, False or 'both', not {rename!r}")


async def run_benchmark_async(
    graphs: GraphsLike = None,
    *,
    assistant: Assistant | None = None,
    strategies: Sequence[str] = ("per_node",),
    samples: Sequence[int] = (1,),
    errors: Sequence[float] = (0.0,),
    rename: RenameChoice = False,
    break_cycles: bool = True,
    seed: int | Sequence[int] = 0,
    threshold: float = 0.5,
    concurrency: int = 8,
    latency: float = 0.0,
    calibrated: bool = False,
    progress: ProgressHook | None = None,
) -> BenchmarkReport:
    """Async twin of `run_benchmark`."""
    benchmarks = load_benchmarks(graphs)
    if isinstance(strategies, str):
        strategies = (strategies,)
    if not strategies or not samples or not errors:
        raise InputError("give at least one strategy, one samples count and one error level")
    if any(count < 1 for count in samples):
        raise InputError(f"samples must be 1 or more, not {list(samples)}")
    if any(not 0.0 <= error <= 1.0 for error in errors):
        raise InputError(f"error levels are shares between 0 and 1, not {list(errors)}")
    if assistant is not None and any(error != 0.0 for error in errors):
        raise InputError("error levels apply to the simulated expert only; leave them out")
    seeds = (seed,) if isinstance(seed, int) else tuple(seed)
    levels: Sequence[float | None] = errors if assistant is None else (None,)
    report = BenchmarkReport(
        model=assistant.model if assistant is not None else SIMULATED_MODEL,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        settings={
            "graphs": [item.name for item in benchmarks],
            "strategies": list(strategies),
            "samples": list(samples),
            "errors": list(levels),
            "rename": rename,
            "break_cycles": break_cycles,
            "seeds": list(seeds),
            "threshold": threshold,
            "calibrated": calibrated if assistant is None else None,
        },
    )
    cells = _cells(
        benchmarks,
        strategies=strategies,
        samples=samples,
        errors=levels,
        renames=_rename_choices(rename),
        seeds=seeds,
    )
    for cell in cells:
        row = await _run_cell(
            cell,
            assistant,
            threshold=threshold,
            concurrency=concurrency,
            latency=latency,
            calibrated=calibrated,
        )
        if not break_cycles and row.failure is None:
            row = row.model_copy(
                update={"f1": row.f1_without_cycle_breaking, "shd": row.shd_without_cycle_breaking}
            )
        report.rows.append(row)
        if progress is not None:
            progress(row)
    return report


def run_benchmark(
    graphs: GraphsLike = None,
    *,
    assistant: Assistant | None = None,
    strategies: Sequence[str] = ("per_node",),
    samples: Sequence[int] = (1,),
    errors: Sequence[float] = (0.0,),
    rename: RenameChoice = False,
    break_cycles: bool = True,
    seed: int | Sequence[int] = 0,
    threshold: float = 0.5,
    concurrency: int = 8,
    latency: float = 0.0,
    calibrated: bool = False,
    progress: ProgressHook | None = None,
) -> BenchmarkReport:
    """Score graph suggestion on benchmark graphs: F1, SHD, calls, tokens and wall time.

    Every combination of graph, rename choice, seed, strategy, samples and error level is one
    row. Failures of a real model are recorded in the row (``failure``) and the run goes on.

    Args:
        graphs: None (every graph in `benchmark_folder`), a folder, a file, a name, a
            comma-separated string of names, or a list of names, paths and `BenchmarkGraph`.
        assistant: the model to measure; None uses a fresh `SimulatedExpert` per row.
        strategies: ``per_node``, ``whole``, ``pairwise`` or ``auto``.
        samples: sample counts to compare (each question asked that many times).
        errors: the simulated expert's error levels (see `SimulatedExpert.with_error`); only
            ``(0.0,)`` with a real assistant.
        rename: True for neutral variable names (descriptions kept), ``"both"`` for each
            configuration with the original and the neutral names.
        break_cycles: score the assembled DAG (True) or the graph before cycle breaking
            (False: ``f1`` and ``shd`` are then the ``*_without_cycle_breaking`` values).
        seed: seed, or seeds, of the simulated expert's errors and of the renaming.
        threshold: least share of samples that must propose an edge.
        concurrency: requests in flight at once for the simulated expert.
        latency: seconds the simulated expert waits per answer.
        calibrated: the simulated expert states its errors with low confidence.
        progress: called with each finished row.

    Returns:
        A `BenchmarkReport`; `format_table` prints it and ``report.to_json(path)`` saves it.

    Example:
        >>> report = run_benchmark(["cancer", "asia"], errors=(0.0, 0.2))
        >>> [(row.graph, row.error, round(row.f1, 2)) for row in report.rows]
        [('cancer', 0.0, 1.0), ('cancer', 0.2, 0.67), ('asia', 0.0, 1.0), ('asia', 0.2, 0.75)]
    """
    return run_sync(
        run_benchmark_async(
            graphs,
            assistant=assistant,
            strategies=strategies,
            samples=samples,
            errors=errors,
            rename=rename,
            break_cycles=break_cycles,
            seed=seed,
            threshold=threshold,
            concurrency=concurrency,
            latency=latency,
            calibrated=calibrated,
            progress=progress,
        )
    )
