"""Reading command-line inputs: variables files, context text, graph files, edge options.

Every failure raises `InputError` with one line that names the file and the problem, so the
command line can print it without a traceback.

Variables files (chosen by extension):

- ``.yaml`` / ``.yml`` / ``.json``: a list of ``{name, description}`` entries (``unit``,
  ``type``, ``states`` and ``latent`` are also read), a list of plain names, or a mapping
  ``name: description``. A document with a top-level ``variables`` key (a list or a mapping)
  is read the same way, and its ``context`` key, when present, is used as the default context;
  so a benchmark file or a graph JSON also works as a variables file.
- ``.csv`` / ``.tsv``: when the header has a ``name`` column, each row is one variable (with
  optional ``description``, ``unit`` and ``type`` columns); otherwise the file is taken to be a
  data file and its header cells are the variable names (with empty descriptions).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import CausalGraph
from ..core._errors import InputError
from ..core._files import read_text_file
from ..core._variables import Variables

VARIABLE_CSV_COLUMNS = ("name", "description", "unit", "type")
CONTEXT_FILE_SUFFIXES = (".txt", ".md", ".text", ".rst")
GRAPH_SUFFIXES: dict[str, str] = {
    ".json": "json",
    ".dot": "dot",
    ".gv": "dot",
    ".gml": "gml",
    ".dagitty": "dagitty",
    ".dag": "dagitty",
}


@dataclass(frozen=True)
class VariablesInput:
    """What a variables file holds.

    Attributes:
        variables: the variables, in file order.
        context: the file's ``context`` entry, if it has one.
        path: where they were read from.
    """

    variables: Variables
    context: str | None
    path: Path


# --------------------------------------------------------------------------- files
def read_text(path: str | Path, what: str) -> str:
    """Return the text of `path`, read once; every problem is an `InputError` of one line.

    Only regular files up to 32 MiB are read, plus standard input named as ``-``
    or ``/dev/stdin`` (and ``/dev/fd/N``, as ``<(...)`` makes): a FIFO or a device such as
    ``/dev/zero`` is refused before reading, so it can neither hang nor fill the memory.
    """
    return read_text_file(path, what)


def _first_duplicate_key(root: Any) -> tuple[str, int] | None:
    """The first mapping key repeated in a composed YAML node graph, with its line number.

    Aliases make the node graph a DAG that can be exponentially larger as a tree (the
    "billion laughs" document); each node is visited once, so the walk is linear in the size
    of the document.
    """
    visited: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if node is None or id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, _ in node.value:
                key = str(getattr(key_node, "value", ""))
                if isinstance(key_node, yaml.ScalarNode) and key in seen:
                    return key, key_node.start_mark.line + 1
                seen.add(key)
            pending.extend(value for _, value in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(reversed(node.value))
    return None


SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (much faster on odd input)."""


def _parse_yaml(text: str, label: str) -> Any:
    """Parse YAML safely; a key given twice in one mapping is an error, not a silent overwrite."""
    try:
        node = yaml.compose(text, Loader=SAFE_LOADER)
        duplicate = _first_duplicate_key(node)
        if duplicate is not None:
            raise InputError(f"{label}: line {duplicate[1]}: duplicate key {duplicate[0]!r}")
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise InputError(f"{label} is not valid YAML: {where}{problem}") from None
    except RecursionError:
        raise InputError(
            f"{label} is nested too deeply or refers to itself (a YAML alias inside its own anchor)"
        ) from None


def _parse_json(text: str, label: str) -> Any:
    def unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise InputError(f"{label}: duplicate key {key!r}")
            result[key] = value
        return result

    try:
        return json.loads(text, object_pairs_hook=unique_pairs)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{label} is not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise InputError(f"{label} is nested too deeply to be a variables file") from None


def _variables_from_document(document: Any, label: str) -> tuple[Any, str | None]:
    """Return the variables part of a YAML or JSON document and its context, if any."""
    if document is None:
        raise InputError(f"{label} is empty: list the variables, one name and description each")
    context: str | None = None
    if isinstance(document, Mapping) and isinstance(document.get("variables"), list | Mapping):
        found = document.get("context")
        context = found.strip() or None if isinstance(found, str) else None
        document = document["variables"]
    if not isinstance(document, list | Mapping):
        raise InputError(
            f"{label} must hold a list of {{name, description}} entries or a mapping "
            f"name: description, not {type(document).__name__}"
        )
    return document, context


def _sniff_dialect(text: str, suffix: str) -> type[csv.Dialect] | csv.Dialect:
    if suffix == ".tsv":
        return csv.excel_tab
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _variables_from_csv(text: str, label: str, suffix: str) -> Any:
    """Rows of a variables table, or the header of a data file (see the module docstring)."""
    try:
        rows = [row for row in csv.reader(io.StringIO(text), _sniff_dialect(text, suffix)) if row]
    except csv.Error as error:
        raise InputError(f"{label} is not a readable CSV file: {error}") from None
    if not rows:
        raise InputError(f"{label} is empty: give a header row")
    header = [cell.strip() for cell in rows[0]]
    lowered = [cell.casefold() for cell in header]
    if "name" not in lowered:
        names = [cell for cell in header]
        for position, name in enumerate(names, start=1):
            if not name:
                raise InputError(
                    f"{label}: column {position} of the header has no name (a data file's "
                    "header cells are read as the variable names)"
                )
        return names
    columns = {
        column: lowered.index(column) for column in VARIABLE_CSV_COLUMNS if column in lowered
    }
    entries = []
    for line_number, row in enumerate(rows[1:], start=2):
        entry = {
            column: row[index].strip()
            for column, index in columns.items()
            if index < len(row) and row[index].strip()
        }
        if "name" not in entry:
            raise InputError(f"{label}: line {line_number} has no name")
        entries.append(entry)
    if not entries:
        raise InputError(f"{label} has a header but no variables")
    return entries


def _document_reader(
    parse: Callable[[str, str], Any],
) -> Callable[[str, str, str], tuple[Any, str | None]]:
    def read(text: str, label: str, suffix: str) -> tuple[Any, str | None]:
        return _variables_from_document(parse(text, label), label)

    return read


def _csv_reader(text: str, label: str, suffix: str) -> tuple[Any, str | None]:
    return _variables_from_csv(text, label, suffix), None


VARIABLE_READERS: dict[str, Callable[[str, str, str], tuple[Any, str | None]]] = {
    ".yaml": _document_reader(_parse_yaml),
    ".yml": _document_reader(_parse_yaml),
    ".json": _document_reader(_parse_json),
    ".csv": _csv_reader,
    ".tsv": _csv_reader,
}


def read_variables(path: str | Path) -> VariablesInput:
    """Read a variables file (YAML, JSON or CSV; see the module docstring for the rules).

    Raises:
        InputError: a missing file, an unknown extension, malformed content, a variable
            without a name, or two variables with the same name.

    Example:
        >>> read_variables("examples/health/variables.yaml").variables.names[:2]  # doctest: +SKIP
        ('exercise', 'age')
    """
    location = Path(path)
    suffix = location.suffix.casefold()
    reader = VARIABLE_READERS.get(suffix)
    if reader is None:
        known = ", ".join(VARIABLE_READERS)
        raise InputError(
            f"variables file {str(path)!r}: unknown extension {location.suffix or '(none)'!r}; "
            f"use one of {known}"
        )
    label = f"variables file {str(path)!r}"
    items, context = reader(read_text(location, "variables file"), label, suffix)
    try:
        variables = Variables(items)
    except InputError as error:
        raise InputError(f"{label}: {error}") from None
    return VariablesInput(variables=variables, context=context, path=location)


# --------------------------------------------------------------------------- context
def read_context(value: str | None) -> str | None:
    """Return the context text from an option value.

    ``@PATH`` reads the file PATH; a value naming an existing file reads that file; a value
    that looks like a file name (no spaces, ending in ``.txt`` or ``.md``) but does not exist
    is an error, so a typo is not sent to the model as the context; anything else is the
    text itself. Empty text means no context.
    """
    if value is None:
        return None
    if value.startswith("@"):
        return read_text(value[1:], "context file").strip() or None
    candidate = Path(value).expanduser()
    looks_like_file = "\n" not in value and not re.search(r"\s", value) and len(value) < 1024
    if looks_like_file and candidate.is_file():
        return read_text(candidate, "context file").strip() or None
    if looks_like_file and candidate.suffix.casefold() in CONTEXT_FILE_SUFFIXES:
        raise InputError(f"context file {value!r} does not exist")
    return value.strip() or None


# --------------------------------------------------------------------------- graphs
def graph_format_for(path: str | Path, explicit: str | None = None) -> str:
    """The graph format: `explicit` if given, else from the file extension."""
    if explicit is not None:
        return explicit
    suffix = Path(path).suffix.casefold()
    try:
        return GRAPH_SUFFIXES[suffix]
    except KeyError:
        raise InputError(
            f"graph file {str(path)!r}: cannot tell the format from the extension "
            f"{Path(path).suffix or '(none)'!r}; use one of {', '.join(GRAPH_SUFFIXES)} "
            "or pass --graph-format"
        ) from None


GRAPH_READERS: dict[str, Callable[[str], CausalGraph]] = {
    "json": CausalGraph.from_json,
    "dot": CausalGraph.from_dot,
    "gml": CausalGraph.from_gml,
    "dagitty": CausalGraph.from_dagitty,
}


def read_graph(path: str | Path, graph_format: str | None = None) -> CausalGraph:
    """Read a graph file (JSON, DOT, GML or DAGitty; by extension or `graph_format`).

    Raises:
        InputError: a missing file, an unknown format, a file that does not parse, or a graph
            that is not valid (an edge naming an unknown variable, a cycle, ...).
    """
    chosen = graph_format_for(path, graph_format)
    reader = GRAPH_READERS.get(chosen)
    if reader is None:
        raise InputError(
            f"unknown graph format {chosen!r}: choose one of {', '.join(GRAPH_READERS)}"
        )
    text = read_text(path, "graph file")  # read once: a pipe or /dev/stdin has no second read
    if not text.strip():
        raise InputError(f"graph file {str(path)!r} is empty")
    try:
        return reader(text)
    except InputError as error:
        raise InputError(f"graph file {str(path)!r}: {error}") from None


def describe_graph(graph: CausalGraph, variables: Variables | None, label: str) -> CausalGraph:
    """Fill the graph's missing descriptions from `variables`.

    Every measured variable of the graph must be in `variables`; variables that the graph
    does not draw are left out of it.

    Raises:
        InputError: the graph names a variable that the variables file does not list.
    """
    if variables is None:
        return graph
    known = set(variables.names)
    unknown = [name for name in graph.observed if name not in known]
    if unknown:
        raise InputError(
            f"the graph names {unknown[0]!r}, which is not in {label}; add it there or "
            "correct the graph"
        )
    updated = tuple(
        variable.model_copy(update={"description": variables.get(variable.name).description})
        if not variable.description and variable.name in known
        else variable
        for variable in graph.variables
    )
    return graph.model_copy(update={"variables": updated})


# --------------------------------------------------------------------------- options
def parse_edge(text: str, option: str) -> tuple[str, str]:
    """Read ``cause->effect`` (spaces around names are ignored)."""
    parts = text.split("->")
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise InputError(f"{option} {text!r}: write an edge as CAUSE->EFFECT, e.g. 'age->income'")
    return parts[0].strip(), parts[1].strip()


def parse_confounders(texts: Iterable[str]) -> dict[str, str] | None:
    """``--confounder NAME[=DESCRIPTION]`` (repeatable) as name -> description; None when absent.

    Example:
        >>> parse_confounders(["diet=what people eat", "income"])
        {'diet': 'what people eat', 'income': ''}
    """
    named: dict[str, str] = {}
    for text in texts:
        name, _, description = text.partition("=")
        if not name.strip():
            raise InputError(f"--confounder {text!r}: give NAME or NAME=DESCRIPTION")
        named[name.strip()] = description.strip()
    return named or None


def parse_edges(texts: Iterable[str], option: str) -> list[tuple[str, str]]:
    """Read every ``cause->effect`` of a repeatable option."""
    return [parse_edge(text, option) for text in texts]


def parse_names(text: str) -> list[str]:
    """Read ``a,b,c`` as names; an empty text is an empty list (e.g. "adjust for nothing")."""
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_tiers(text: str) -> list[list[str]]:
    """Read ``"a,b;c;d"`` as tiers ``[["a", "b"], ["c"], ["d"]]``, earliest first."""
    tiers = [parse_names(tier) for tier in text.split(";")]
    if any(not tier for tier in tiers):
        raise InputError(
            f"--tiers {text!r}: every tier needs at least one name; write tiers as "
            "'a,b;c;d' (earliest first, ';' between tiers, ',' within a tier)"
        )
    return tiers
