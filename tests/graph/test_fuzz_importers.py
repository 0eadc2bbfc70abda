"""Fuzzing every reader of user files: only our documented error types escape, never a crash
or a hang.

Readers: `CausalGraph.from_dot`, `from_gml`, `from_dagitty`, `from_json`,
`ReviewDecisions.from_json` (and `apply_review` with the decisions read), and the CLI's
variables-file reader `read_variables` (YAML, JSON, CSV, TSV). Each gets random text and
near-valid text built from its own vocabulary (so the fuzzer gets past the first token).

A reader may return a value or raise its documented `InputError` subclass; anything else,
or a call that takes longer than `HANG_SECONDS`, fails. The examples are derandomized so CI
is reproducible; set ``FUZZ_RANDOM=1`` (and ``FUZZ_EXAMPLES=5000``) to explore further.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pywhy_llm_assist import CausalGraph, GraphFormatError, InputError, ReviewError
from pywhy_llm_assist.cli._inputs import read_variables
from pywhy_llm_assist.review._decisions import ReviewDecisions, apply_review

HANG_SECONDS = 2.0
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class Hang(BaseException):
    """A reader ran longer than `HANG_SECONDS` (a BaseException: readers cannot swallow it)."""


@contextmanager
def time_limit(seconds: float = HANG_SECONDS) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def only_documented_errors(read: Callable[[], Any], allowed: type[Exception]) -> Any:
    """Call `read`; return its value, or None if it raised `allowed`; fail on anything else."""
    try:
        with time_limit():
            return read()
    except allowed as error:
        assert str(error).strip(), "a documented error has a message"
        return None
    except Hang as error:
        pytest.fail(f"the reader hung: {error}")


def assert_graph(value: Any) -> None:
    if value is not None:
        assert isinstance(value, CausalGraph)
        names = set(value.names)
        assert all(edge.source in names and edge.target in names for edge in value.edges)
        assert value.is_acyclic()


# --------------------------------------------------------------------------- vocabularies
NAMES = ["a", "b", "c", "x_1", '"a"', '"b c"', '"é"', '"\\""', '"\\\\"', '""', "1", "-2.5", ".5"]

DOT_TOKENS = [
    *NAMES,
    "strict",
    "digraph",
    "graph",
    "subgraph",
    "node",
    "edge",
    "{",
    "}",
    "[",
    "]",
    "=",
    ";",
    ",",
    ":",
    "->",
    "--",
    "+",
    "<",
    ">",
    "<b>x</b>",
    "//",
    "/*",
    "*/",
    "#",
    "\n",
    "description",
    "latent",
    "observed",
    "confidence",
    "votes",
    "asked",
    "rationale",
    "label",
    "true",
    "false",
    "no",
    '"0.5"',
    '"nan"',
    '"inf"',
    '"1e999"',
    '"-1"',
    '"2"',
    "n:ne",
]
GML_TOKENS = [
    *NAMES,
    "graph",
    "[",
    "]",
    "directed",
    "multigraph",
    "node",
    "edge",
    "id",
    "label",
    "source",
    "target",
    "0",
    "1",
    "2",
    "-1",
    "1e400",
    "nan",
    "inf",
    '"1"',
    "description",
    "latent",
    "confidence",
    "votes",
    "asked",
    "rationale",
    "true",
    "x",
    "#",
    "&amp;",
    "&#0;",
    "\n",
]
DAGITTY_TOKENS = [
    *NAMES,
    "dag",
    "pdag",
    "mag",
    "graph",
    "digraph",
    "{",
    "}",
    "[",
    "]",
    "=",
    ";",
    ",",
    "->",
    "<-",
    "<->",
    "--",
    "@->",
    "<-@",
    "--@",
    "@-@",
    "latent",
    "exposure",
    "outcome",
    "adjusted",
    "unobserved",
    "pos",
    '"1,2"',
    '"nan,inf"',
    '"1"',
    '","',
    "bb",
    "\n",
]


def token_text(tokens: list[str], *, wrappers: tuple[tuple[str, str], ...]) -> Any:
    """Text joined from `tokens`, sometimes inside a plausible header and braces."""
    body = st.lists(st.sampled_from(tokens), max_size=40).map(" ".join)
    return st.one_of(
        body,
        st.tuples(st.sampled_from(wrappers), body).map(
            lambda pair: pair[0][0] + " " + pair[1] + " " + pair[0][1]
        ),
    )


RAW_TEXT = st.text(max_size=300)

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["a", "b", "c", "model", "review", "import", "cycle", "accept", "add"]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(
                st.text(max_size=10),
                st.sampled_from(
                    ["name", "description", "source", "target", "edges", "variables", "latent"]
                ),
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=20,
)


# --------------------------------------------------------------------------- DOT
@FUZZ
@given(
    st.one_of(
        RAW_TEXT,
        token_text(
            DOT_TOKENS, wrappers=(("digraph {", "}"), ("strict digraph g {", "}"), ("graph {", "}"))
        ),
    )
)
def test_fuzz_from_dot(text: str) -> None:
    assert_graph(only_documented_errors(lambda: CausalGraph.from_dot(text), GraphFormatError))


# --------------------------------------------------------------------------- GML
@FUZZ
@given(
    st.one_of(
        RAW_TEXT,
        token_text(GML_TOKENS, wrappers=(("graph [ directed 1", "]"), ("graph [", "]"))),
    )
)
def test_fuzz_from_gml(text: str) -> None:
    assert_graph(only_documented_errors(lambda: CausalGraph.from_gml(text), GraphFormatError))


# --------------------------------------------------------------------------- DAGitty
@FUZZ
@given(
    st.one_of(
        RAW_TEXT,
        token_text(DAGITTY_TOKENS, wrappers=(("dag {", "}"), ("pdag {", "}"), ("dag g {", "}"))),
    )
)
def test_fuzz_from_dagitty(text: str) -> None:
    assert_graph(only_documented_errors(lambda: CausalGraph.from_dagitty(text), GraphFormatError))


# --------------------------------------------------------------------------- graph JSON
VALID_GRAPH = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])


def _graph_like() -> Any:
    """A graph JSON document with random names, edges and fields in the right places."""
    name = st.sampled_from(["a", "b", "c", "", " ", "a ", "d"])
    variable = st.fixed_dictionaries(
        {"name": name},
        optional={"description": JSON_SCALARS, "latent": JSON_SCALARS, "extra": JSON_SCALARS},
    )
    edge = st.fixed_dictionaries(
        {"source": name, "target": name},
        optional={
            "confidence": JSON_SCALARS,
            "votes": JSON_SCALARS,
            "asked": JSON_SCALARS,
            "provenance": st.lists(
                st.fixed_dictionaries({}, optional={"origin": JSON_SCALARS}), max_size=2
            ),
        },
    )
    return st.fixed_dictionaries(
        {"variables": st.lists(variable, max_size=4), "edges": st.lists(edge, max_size=5)},
        optional={"dropped": JSON_VALUES, "usage": JSON_VALUES, "metadata": JSON_VALUES},
    ).map(json.dumps)


@FUZZ
@given(
    st.one_of(
        RAW_TEXT,
        JSON_VALUES.map(json.dumps),
        _graph_like(),
        st.integers(min_value=0, max_value=400).map(lambda cut: VALID_GRAPH.to_json()[:cut]),
    )
)
def test_fuzz_graph_from_json(text: str) -> None:
    assert_graph(only_documented_errors(lambda: CausalGraph.from_json(text), GraphFormatError))


# --------------------------------------------------------------------------- review decisions
REVIEWED = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])


def _decisions_like() -> Any:
    name = st.sampled_from(["a", "b", "c", "d", "", "a" * 300])
    decision = st.fixed_dictionaries(
        {
            "source": name,
            "target": name,
            "action": st.sampled_from(["accept", "reject", "reverse", "add", "delete", ""]),
        },
        optional={"comment": JSON_SCALARS, "extra": JSON_SCALARS},
    )
    return st.fixed_dictionaries(
        {
            "reviewer": st.sampled_from(["Ada", "", "  ", "x" * 300]),
            "timestamp": st.sampled_from(
                ["2025-01-31T12:00:00Z", "2025-01-31", "yesterday", "", "2025-13-45"]
            ),
            "graph_fingerprint": st.sampled_from([REVIEWED.fingerprint(), "abc", "", "x" * 200]),
            "decisions": st.lists(decision, max_size=4),
        },
        optional={"format_version": JSON_SCALARS},
    ).map(json.dumps)


@FUZZ
@given(st.one_of(RAW_TEXT, JSON_VALUES.map(json.dumps), _decisions_like()))
def test_fuzz_review_decisions(text: str) -> None:
    decisions = only_documented_errors(lambda: ReviewDecisions.from_json(text), ReviewError)
    if decisions is not None:
        reviewed = only_documented_errors(lambda: apply_review(REVIEWED, decisions), ReviewError)
        assert_graph(reviewed)


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_review_decisions_bytes(data: bytes) -> None:
    only_documented_errors(lambda: ReviewDecisions.from_json(data), ReviewError)


# --------------------------------------------------------------------------- variables files
SCRATCH = Path(tempfile.mkdtemp(prefix="fuzz-variables-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)


def _variables_document() -> Any:
    entry = st.one_of(
        st.text(max_size=10),
        st.fixed_dictionaries(
            {"name": st.one_of(st.text(max_size=8), JSON_SCALARS)},
            optional={
                "description": JSON_SCALARS,
                "unit": JSON_SCALARS,
                "type": JSON_SCALARS,
                "states": JSON_VALUES,
                "latent": JSON_SCALARS,
            },
        ),
        JSON_VALUES,
    )
    variables = st.one_of(
        st.lists(entry, max_size=5),
        st.dictionaries(st.text(max_size=8), st.one_of(JSON_SCALARS, JSON_VALUES), max_size=5),
    )
    return st.one_of(
        variables,
        st.fixed_dictionaries({"variables": variables}, optional={"context": JSON_SCALARS}),
        JSON_VALUES,
    )


def _yaml_text(document: Any) -> str:
    return yaml.safe_dump(document, allow_unicode=True)


YAML_TOKENS = [
    "-",
    ":",
    "name",
    "description",
    "variables",
    "context",
    "a",
    "b",
    "&x",
    "*x",
    "!!python/object:os.system",
    "!!binary",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "\n",
    "  ",
    "? ",
    "|",
    ">",
    "%YAML 1.2",
    "---",
    "...",
]
CSV_TOKENS = [
    "name",
    "description",
    "unit",
    "type",
    "a",
    "b",
    '"',
    '""',
    ",",
    ";",
    "\t",
    "|",
    "\n",
    "\r\n",
    " ",
    "\x00",
    "é",
]


@FUZZ
@given(
    suffix=st.sampled_from([".yaml", ".yml", ".json", ".csv", ".tsv"]),
    text=st.one_of(
        RAW_TEXT,
        _variables_document().map(json.dumps),
        _variables_document().map(_yaml_text),
        st.lists(st.sampled_from(YAML_TOKENS), max_size=30).map(" ".join),
        st.lists(st.sampled_from(CSV_TOKENS), max_size=40).map("".join),
    ),
)
def test_fuzz_variables_file(suffix: str, text: str) -> None:
    path = SCRATCH / f"variables{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    found = only_documented_errors(lambda: read_variables(path), InputError)
    if found is not None:
        names = found.variables.names
        assert len(set(names)) == len(names) and all(name.strip() for name in names)


@FUZZ
@given(st.binary(max_size=120), st.sampled_from([".yaml", ".json", ".csv"]))
def test_fuzz_variables_file_bytes(data: bytes, suffix: str) -> None:
    path = SCRATCH / f"bytes{suffix}"
    path.write_bytes(data)
    only_documented_errors(lambda: read_variables(path), InputError)


# --------------------------------------------------------------------------- known tricky inputs
@pytest.mark.parametrize(
    ("reader", "text"),
    [
        (CausalGraph.from_dot, "digraph {" + "{" * 10_000 + "}" * 10_000 + "}"),
        (CausalGraph.from_dot, "digraph { " + " -> ".join(f"n{i}" for i in range(5000)) + " }"),
        (CausalGraph.from_dot, 'digraph { a -> b [confidence="1e999"] }'),
        (CausalGraph.from_dot, "digraph { a -> b; b -> a }"),
        (CausalGraph.from_dot, 'digraph { "' + "\\" * 5000 + '" }'),
        (CausalGraph.from_gml, "graph [ directed 1 " + "node [ " * 5000 + "]" * 5000 + " ]"),
        (
            CausalGraph.from_gml,
            'graph [ directed 1 node [ id 0 label "a" ] edge [ source 0 target 0 ] ]',
        ),
        (CausalGraph.from_dagitty, "dag {" + "{" * 10_000 + "}" * 10_000 + "}"),
        (CausalGraph.from_dagitty, 'dag { a [pos="1e999,nan"] }'),
        (CausalGraph.from_json, "[" * 100_000 + "]" * 100_000),
        (
            CausalGraph.from_json,
            '{"variables": [{"name": "a"}], "edges": [{"source": "a", "target": "a"}]}',
        ),
    ],
    ids=[
        "dot-deep-braces",
        "dot-long-chain",
        "dot-huge-number",
        "dot-cycle",
        "dot-backslashes",
        "gml-deep",
        "gml-self-loop",
        "dagitty-deep-braces",
        "dagitty-bad-pos",
        "json-deep",
        "json-self-loop",
    ],
)
def test_hostile_graph_texts_end_in_graph_format_errors(
    reader: Callable[[str], CausalGraph], text: str
) -> None:
    assert_graph(only_documented_errors(lambda: reader(text), GraphFormatError))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"reviewer": "Ada", "timestamp": "2025-01-31", "graph_fingerprint": "x", "decisions": 5}',
        "\ud800",
    ],
    ids=["deep", "decisions-not-a-list", "lone-surrogate"],
)
def test_hostile_review_files_end_in_review_errors(text: str) -> None:
    only_documented_errors(lambda: ReviewDecisions.from_json(text), ReviewError)


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        (".yaml", "a: &a [*a]"),
        (".yaml", "x: &x\n  - *x\n  - *x\n" * 1),
        (".yaml", "- &a [a, a, a, a]\n- &b [*a, *a, *a, *a]\n- &c [*b, *b, *b, *b]\n"),
        (".yaml", "!!python/object/apply:os.system ['true']"),
        (".json", "[" * 100_000 + "]" * 100_000),
        (".yaml", "[" * 600 + "]" * 600),  # deeper takes PyYAML seconds (quadratic scanner)
        (".csv", "name\n" + "\x00\n"),
    ],
    ids=[
        "yaml-recursive",
        "yaml-self-alias",
        "yaml-billion-laughs",
        "yaml-python-tag",
        "json-deep",
        "yaml-deep",
        "csv-nul",
    ],
)
def test_hostile_variables_files_end_in_input_errors(
    suffix: str, text: str, tmp_path: Path
) -> None:
    path = tmp_path / f"variables{suffix}"
    path.write_text(text, encoding="utf-8")
    only_documented_errors(lambda: read_variables(path), InputError)
