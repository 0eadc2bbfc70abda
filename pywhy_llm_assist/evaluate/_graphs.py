"""Benchmark graphs: ground-truth causal graphs with descriptions, read from JSON files.

A benchmark file is one JSON object:

```
{
  "name": "asia",
  "context": "one sentence of domain context (never states an edge)",
  "source": {"network": "citation", ...} or "citation",
  "license": "...",
  "exposure": ["..."], "outcome": ["..."],          (optional)
  "variables": [{"name": "...", "description": "...", "states": ["...", ...]}],
  "edges": [["cause", "effect"], ...],
  "cyclic": true                                    (optional: a summary graph with loops)
}
```

Any folder of such files can be benchmarked. `benchmark_folder` says where named graphs are
looked up; the package ships its own in ``benchmark_graphs/`` (each network's structure as
published, cited in ``source`` and ``license``; descriptions and contexts written for this
project). Nothing outside the installed package is read unless a path or
``$PYWHY_LLM_ASSIST_BENCHMARKS`` names it.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..core._errors import GraphFormatError, InputError
from ..core._files import read_text_file
from ..core._variables import Variable
from ..graph._causal_graph import CausalGraph
from ._scrub import Replacement, scrub_text

BENCHMARKS_VARIABLE = "PYWHY_LLM_ASSIST_BENCHMARKS"
PACKAGED_FOLDER = Path(__file__).resolve().parent / "benchmark_graphs"
"""The benchmark graphs shipped inside the package."""
CYCLIC_FOLDER = PACKAGED_FOLDER / "cyclic"
"""Packaged cyclic summary graphs (feedback loops), for ``acyclic=False``; not in the defaults."""


class BenchmarkVariable(BaseModel):
    """One variable of a benchmark file."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    description: str = ""
    states: tuple[str, ...] | None = None
    latent: bool = False

    @field_validator("states", mode="before")
    @classmethod
    def _states_as_text(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(str(item) for item in value)
        return value


class BenchmarkFile(BaseModel):
    """The schema of a benchmark graph file (unknown keys are ignored)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    context: str | None = None
    source: dict[str, Any] | str | None = None
    license: str | None = None
    exposure: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    cyclic: bool = False
    variables: list[BenchmarkVariable] = Field(min_length=2)
    edges: list[tuple[str, str]]


class BenchmarkGraph(NamedTuple):
    """A ground-truth graph with what a benchmark needs to ask about it.

    Unpacks as ``graph, context, exposure, outcome``; ``graph.metadata`` holds the name,
    source and license of the file.

    Attributes:
        graph: the true graph (variables with descriptions and states).
        context: a sentence of domain context for the prompts.
        exposure: exposure variables, where the source marks them.
        outcome: outcome variables, where the source marks them.
    """

    graph: CausalGraph
    context: str | None
    exposure: tuple[str, ...]
    outcome: tuple[str, ...]

    @property
    def name(self) -> str:
        """The benchmark's name (``graph.metadata["name"]``)."""
        return str(self.graph.metadata.get("name", "graph"))


GraphsLike: TypeAlias = "str | Path | BenchmarkGraph | Sequence[str | Path | BenchmarkGraph] | None"


def benchmark_folder() -> Path:
    """Where named benchmark graphs are looked up.

    ``$PYWHY_LLM_ASSIST_BENCHMARKS`` if set, else the graphs packaged in
    ``pywhy_llm_assist/evaluate/benchmark_graphs`` (never a folder beside a source checkout).

    Example:
        >>> benchmark_folder().is_dir()
        True
    """
    explicit = os.environ.get(BENCHMARKS_VARIABLE)
    if explicit:
        return Path(explicit).expanduser()
    return PACKAGED_FOLDER


def list_benchmarks(folder: str | Path | None = None) -> list[str]:
    """Names of the benchmark files in `folder` (default: `benchmark_folder`), sorted.

    Example:
        >>> "cancer" in list_benchmarks(PACKAGED_FOLDER)
        True
    """
    location = Path(folder) if folder is not None else benchmark_folder()
    if not location.is_dir():
        raise InputError(f"benchmark folder {location} does not exist")
    return sorted(path.stem for path in location.glob("*.json"))


def _find(name: str) -> Path:
    for location in dict.fromkeys((benchmark_folder(), PACKAGED_FOLDER, CYCLIC_FOLDER)):
        candidate = location / f"{name}.json"
        if candidate.is_file():
            return candidate
    known = sorted(
        set(list_benchmarks())
        | set(list_benchmarks(PACKAGED_FOLDER))
        | set(list_benchmarks(CYCLIC_FOLDER))
    )
    raise InputError(
        f"no benchmark graph called {name!r} in {benchmark_folder()} or the packaged graphs; "
        f"known: {', '.join(known)} (or give a path to a JSON file or folder)"
    )


def load_benchmark(path_or_name: str | Path) -> BenchmarkGraph:
    """Read one benchmark graph from a JSON file, or by name from `benchmark_folder`.

    A name missing from `benchmark_folder` is also looked up among the packaged graphs, and
    then among the packaged cyclic summary graphs (``climate_feedbacks``), which no default
    selection includes.

    Args:
        path_or_name: a file path, or a name such as ``"asia"``.

    Returns:
        A `BenchmarkGraph`: ``truth, context, exposure, outcome = load_benchmark("asia")``.

    Raises:
        InputError: no such file or name.
        GraphFormatError: the file does not follow the benchmark format.

    Example:
        >>> truth, context, exposure, outcome = load_benchmark("cancer")
        >>> len(truth.names), len(truth.edges)
        (5, 4)
    """
    path = Path(path_or_name)
    if not path.is_file():
        if path.suffix or len(path.parts) > 1:
            raise InputError(f"benchmark file {path} does not exist")
        path = _find(str(path_or_name))
    try:
        data = json.loads(read_text_file(path, "benchmark file"))
        parsed = BenchmarkFile.model_validate(data)
    except InputError as error:
        raise GraphFormatError(str(error)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GraphFormatError(f"cannot read benchmark file {path}: {error}") from None
    except ValidationError as error:
        issue = error.errors()[0]
        where = ".".join(str(part) for part in issue["loc"])
        raise GraphFormatError(
            f"{path} is not a benchmark graph file: {where}: {issue['msg']}"
        ) from None
    return _build(parsed, path)


def _build(parsed: BenchmarkFile, path: Path) -> BenchmarkGraph:
    variables = [
        Variable(
            name=item.name, description=item.description, states=item.states, latent=item.latent
        )
        for item in parsed.variables
    ]
    try:
        graph = CausalGraph.from_edges(
            variables, parsed.edges, origin="import", check_acyclic=not parsed.cyclic
        )
    except InputError as error:
        raise GraphFormatError(
            f"{path}: {error}" + ("" if parsed.cyclic else ' (a summary graph says "cyclic": true)')
        ) from None
    names = set(graph.names)
    for role, chosen in (("exposure", parsed.exposure), ("outcome", parsed.outcome)):
        unknown = [name for name in chosen if name not in names]
        if unknown:
            raise GraphFormatError(f"{path}: {role} names unknown variables {unknown!r}")
    metadata: dict[str, Any] = {
        "name": parsed.name,
        "source": parsed.source,
        "license": parsed.license,
    }
    if parsed.cyclic:
        metadata["acyclic"] = False
    return BenchmarkGraph(
        graph.model_copy(update={"metadata": metadata}),
        parsed.context,
        parsed.exposure,
        parsed.outcome,
    )


def load_benchmarks(graphs: GraphsLike = None) -> list[BenchmarkGraph]:
    """Resolve a benchmark selection to graphs.

    Args:
        graphs: None (every file in `benchmark_folder`), a folder (every file in it), a file
            or a name, a comma-separated string of names, or a list mixing names, paths and
            `BenchmarkGraph` objects. Folders are read in order of size, then name.

    Example:
        >>> [item.name for item in load_benchmarks("cancer,asia")]
        ['cancer', 'asia']
    """
    if graphs is None:
        return _load_folder(benchmark_folder())
    if isinstance(graphs, BenchmarkGraph):
        return [graphs]
    if isinstance(graphs, str | Path):
        path = Path(graphs)
        if path.is_dir():
            return _load_folder(path)
        if isinstance(graphs, str) and "," in graphs and not path.exists():
            return load_benchmarks([part.strip() for part in graphs.split(",") if part.strip()])
        return [load_benchmark(path)]
    loaded: list[BenchmarkGraph] = []
    for item in graphs:
        loaded.extend(load_benchmarks(item))
    return loaded


def _load_folder(folder: Path) -> list[BenchmarkGraph]:
    loaded = [load_benchmark(path) for path in sorted(folder.glob("*.json"))]
    if not loaded:
        raise InputError(f"no benchmark graph files (*.json) in {folder}")
    return sorted(loaded, key=lambda item: (len(item.graph.names), item.name))


def neutral_names(count: int) -> list[str]:
    """``V01``, ``V02``, ... (zero-padded to the width of `count`, at least two digits).

    Example:
        >>> neutral_names(3)
        ['V01', 'V02', 'V03']
    """
    width = max(2, len(str(count)))
    return [f"V{index:0{width}d}" for index in range(1, count + 1)]


def rename_variables(graph: CausalGraph, *, seed: int = 0) -> tuple[CausalGraph, dict[str, str]]:
    """Give the variables neutral names, and scrub the descriptions, to expose memorisation.

    Variables are shuffled with `seed` and named ``V01``, ``V02``, ... in that order (and
    listed in it), so neither the names nor their order reveal the original network. States and
    every edge are kept; descriptions are kept except that the network's name
    (``metadata["name"]``) becomes ``[name removed]`` and any original variable name becomes
    its neutral name (whole words, any case; see `scrub_text`).
    ``metadata["replacements"]`` lists each replacement (where, original, replacement).

    Returns:
        The renamed graph and the mapping original name -> neutral name.

    Example:
        >>> graph = CausalGraph.from_edges({"smoking": "cigarettes a day", "cancer": "tumour"},
        ...                                [("smoking", "cancer")])
        >>> renamed, mapping = rename_variables(graph)
        >>> sorted(mapping.values()), renamed.variable(mapping["cancer"]).description
        (['V01', 'V02'], 'tumour')
    """
    order = list(graph.variables)
    random.Random(seed).shuffle(order)
    mapping = {
        variable.name: neutral
        for variable, neutral in zip(order, neutral_names(len(order)), strict=True)
    }
    network = graph.metadata.get("name")
    network = network if isinstance(network, str) else None
    replacements: list[Replacement] = []
    variables = []
    for variable in order:
        neutral = mapping[variable.name]
        description, found = scrub_text(
            variable.description, f"description of {neutral}", network=network, mapping=mapping
        )
        replacements += found
        variables.append(variable.model_copy(update={"name": neutral, "description": description}))
    edges = [
        edge.model_copy(update={"source": mapping[edge.source], "target": mapping[edge.target]})
        for edge in graph.edges
    ]
    undirected = [
        edge.model_copy(update={"first": mapping[edge.first], "second": mapping[edge.second]})
        for edge in graph.undirected
    ]
    renamed = CausalGraph(
        variables=tuple(variables),
        edges=tuple(edges),
        undirected=tuple(undirected),
        metadata={
            **graph.metadata,
            "renamed": True,
            "replacements": [item.as_dict() for item in replacements],
        },
    )
    return renamed, mapping


def rename_benchmark(
    benchmark: BenchmarkGraph, *, seed: int = 0
) -> tuple[BenchmarkGraph, dict[str, str]]:
    """`rename_variables` for a `BenchmarkGraph`: exposure and outcome renamed, context scrubbed.

    The context loses the network's name and the original variable names as the descriptions
    do; ``graph.metadata["replacements"]`` lists every replacement, the context's first.

    Example:
        >>> renamed, mapping = rename_benchmark(load_benchmark("asia"), seed=1)
        >>> "asia" in renamed.context.lower(), renamed.graph.metadata["replacements"]
        (False, [])
    """
    graph, mapping = rename_variables(benchmark.graph, seed=seed)
    context, found = scrub_text(
        benchmark.context, "context", network=benchmark.name, mapping=mapping
    )
    listed = [item.as_dict() for item in found] + list(graph.metadata["replacements"])
    graph = graph.model_copy(update={"metadata": {**graph.metadata, "replacements": listed}})
    return (
        BenchmarkGraph(
            graph,
            context,
            tuple(mapping[name] for name in benchmark.exposure),
            tuple(mapping[name] for name in benchmark.outcome),
        ),
        mapping,
    )


def synthetic_benchmark(
    variable_count: int, *, edges_per_variable: float = 1.5, seed: int = 0
) -> BenchmarkGraph:
    """A random DAG with generic descriptions, for cost measurements at any size.

    Variables ``X01``, ``X02``, ... are ordered at random; each pair is joined (from the
    earlier to the later) with the probability that gives `edges_per_variable` edges per
    variable on average.

    Example:
        >>> synthetic_benchmark(10, seed=1).graph.names[:2]
        ('X01', 'X02')
    """
    if variable_count < 2:
        raise InputError("a synthetic benchmark needs at least two variables")
    generator = random.Random(seed)
    names = [name.replace("V", "X", 1) for name in neutral_names(variable_count)]
    order = names[:]
    generator.shuffle(order)
    pair_count = variable_count * (variable_count - 1) / 2
    chance = min(edges_per_variable * variable_count / pair_count, 1.0)
    edges = [
        (order[first], order[second])
        for first in range(variable_count)
        for second in range(first + 1, variable_count)
        if generator.random() < chance
    ]
    variables = {
        name: f"quantity number {index} measured on each unit of a synthetic study"
        for index, name in enumerate(names, start=1)
    }
    graph = CausalGraph.from_edges(variables, edges, origin="import")
    metadata = {"name": f"synthetic_{variable_count}", "source": "random DAG", "license": "MIT"}
    context = "A synthetic study with generic quantities, used to measure cost against size."
    return BenchmarkGraph(graph.model_copy(update={"metadata": metadata}), context, (), ())
