"""Reading command-line inputs: variables files, context, graph files and edge options."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from pywhy_llm_assist import CausalGraph, InputError
from pywhy_llm_assist.cli._inputs import (
    describe_graph,
    graph_format_for,
    parse_confounders,
    parse_edge,
    parse_edges,
    parse_names,
    parse_tiers,
    read_context,
    read_graph,
    read_variables,
)
from pywhy_llm_assist.cli._task_calls import task_inputs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line(error: pytest.ExceptionInfo[InputError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- variables files
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("list.yaml", "- name: rain\n  description: mm per day\n- name: wet\n"),
        ("mapping.yml", "rain: mm per day\nwet:\n"),
        ("list.json", '[{"name": "rain", "description": "mm per day"}, {"name": "wet"}]'),
        ("mapping.json", '{"rain": "mm per day", "wet": ""}'),
        ("names.yaml", "- rain\n- wet\n"),
        ("table.csv", "name,description\nrain,mm per day\nwet,\n"),
        ("table.tsv", "name\tdescription\nrain\tmm per day\nwet\t\n"),
        ("semicolons.csv", "Name;Description\nrain;mm per day\nwet;\n"),
    ],
)
def test_every_variables_format_reads_the_same_variables(
    tmp_path: Path, name: str, text: str
) -> None:
    loaded = read_variables(write(tmp_path, name, text))
    assert loaded.variables.names == ("rain", "wet")
    assert loaded.variables.get("rain").description in ("mm per day", "")
    assert loaded.context is None


def test_descriptions_and_extra_fields_are_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "variables.yaml",
        "- name: rain\n  description: rainfall\n  unit: mm\n  type: continuous\n"
        "- name: season\n  states: [winter, summer]\n",
    )
    variables = read_variables(path).variables
    assert variables.get("rain").unit == "mm"
    assert variables.get("season").states == ("winter", "summer")


def test_a_document_with_variables_and_context(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "problem.yaml",
        "context: a town's weather\ntreatment: rain\nvariables:\n  rain: rainfall\n  wet: grass\n",
    )
    loaded = read_variables(path)
    assert loaded.variables.names == ("rain", "wet")
    assert loaded.context == "a town's weather"


def test_a_graph_json_is_a_variables_file(tmp_path: Path) -> None:
    graph = CausalGraph.from_edges({"rain": "rainfall", "wet": "grass"}, [("rain", "wet")])
    path = write(tmp_path, "graph.json", graph.to_json())
    assert read_variables(path).variables.get("wet").description == "grass"


def test_a_data_csv_header_gives_the_names(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", "age,income,smoker\n34,1200,0\n51,2300,1\n")
    loaded = read_variables(path)
    assert loaded.variables.names == ("age", "income", "smoker")
    assert all(variable.description == "" for variable in loaded.variables)


def test_the_engineering_data_file_reads_as_variables() -> None:
    loaded = read_variables(EXAMPLES / "engineering" / "sensor_data.csv")
    described = read_variables(EXAMPLES / "engineering" / "variables.yaml")
    assert set(loaded.variables.names) == set(described.variables.names)


@pytest.mark.parametrize("field", ["health", "marketing", "engineering"])
def test_every_example_has_six_to_ten_described_variables(field: str) -> None:
    loaded = read_variables(EXAMPLES / field / "variables.yaml")
    assert 6 <= len(loaded.variables) <= 10
    assert all(variable.description for variable in loaded.variables)
    assert read_context(f"@{EXAMPLES / field / 'context.txt'}")
    assert (EXAMPLES / field / "README.md").is_file()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("vars.yaml", "- name: a\n  description: [x\n", "is not valid YAML: line 3, column 1"),
        ("vars.json", '[{"name": "a",}]', "is not valid JSON: line 1"),
        ("vars.yaml", "a: one\nb: two\na: three\n", "line 3: duplicate key 'a'"),
        ("vars.json", '{"a": "one", "a": "two"}', "duplicate key 'a'"),
        ("vars.yaml", "- name: Age\n- name: ' age '\n", "duplicate variable name"),
        ("vars.csv", "name,description\nage,x\nAGE,y\n", "duplicate variable name"),
        ("vars.yaml", "", "is empty"),
        ("vars.yaml", "just text\n", "must hold a list"),
        ("vars.yaml", "- name: a\n  colour: red\n", "invalid variable 'a'"),
        ("vars.yaml", "- description: no name\n", "invalid variable"),
        ("vars.csv", "name,description\n,missing\n", "line 2 has no name"),
        ("vars.csv", "age,,income\n1,2,3\n", "column 2 of the header has no name"),
        ("vars.csv", "name,description\n", "has a header but no variables"),
        ("vars.csv", "", "is empty"),
        ("vars.txt", "a\nb\n", "unknown extension '.txt'"),
    ],
)
def test_bad_variables_files_fail_with_one_clear_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as error:
        read_variables(path)
    assert expected in one_line(error)
    assert name in str(error.value)


def test_a_missing_variables_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"variables file '.*nope.yaml' does not exist"):
        read_variables(tmp_path / "nope.yaml")


def test_a_folder_is_not_a_variables_file(tmp_path: Path) -> None:
    folder = tmp_path / "vars.yaml"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder"):
        read_variables(folder)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "vars.csv"
    path.write_bytes(b"name\n\xff\xfe\xfa\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_variables(path)


# --------------------------------------------------------------------------- context
def test_context_text_file_and_at_file(tmp_path: Path) -> None:
    path = write(tmp_path, "context.txt", "  adults in one town\n")
    assert read_context(None) is None
    assert read_context("adults in one town") == "adults in one town"
    assert read_context(f"@{path}") == "adults in one town"
    assert read_context(str(path)) == "adults in one town"
    assert read_context("   ") is None


def test_a_missing_context_file_is_an_error_not_the_context(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"context file .* does not exist"):
        read_context(f"@{tmp_path / 'missing.txt'}")
    with pytest.raises(InputError, match=r"context file 'contxt.txt' does not exist"):
        read_context("contxt.txt")
    assert read_context("see notes.txt for details") == "see notes.txt for details"


# --------------------------------------------------------------------------- graphs
@pytest.fixture
def graph() -> CausalGraph:
    return CausalGraph.from_edges(
        {"rain": "rainfall", "sprinkler": "", "wet": "grass is wet"},
        [("rain", "wet"), ("sprinkler", "wet")],
    )


@pytest.mark.parametrize(
    ("suffix", "writer"),
    [
        (".json", CausalGraph.to_json),
        (".dot", CausalGraph.to_dot),
        (".gv", CausalGraph.to_dot),
        (".gml", CausalGraph.to_gml),
        (".dagitty", CausalGraph.to_dagitty),
    ],
)
def test_graphs_are_read_by_extension(
    tmp_path: Path, graph: CausalGraph, suffix: str, writer: object
) -> None:
    assert callable(writer)
    path = write(tmp_path, f"graph{suffix}", writer(graph))
    assert sorted(read_graph(path).edge_pairs) == sorted(graph.edge_pairs)


def test_graph_format_option_overrides_the_extension(tmp_path: Path, graph: CausalGraph) -> None:
    path = write(tmp_path, "graph.txt", graph.to_dot())
    with pytest.raises(InputError, match="--graph-format"):
        read_graph(path)
    assert read_graph(path, "dot").edge_pairs == graph.edge_pairs
    assert graph_format_for("x.GV") == "dot"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "graph.json",
            '{"variables": [{"name": "a"}], "edges": [{"source": "a", "target": "z"}]}',
            "unknown variable 'z'",
        ),
        ("graph.dot", "digraph { a -> b; b -> a }", "cycle"),
        ("graph.json", "{not json", "graph.json"),
        ("graph.gml", "graph [ node [ id 0 label", "graph.gml"),
        ("graph.dagitty", "", "is empty"),
    ],
)
def test_bad_graph_files_fail_with_one_clear_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as error:
        read_graph(path)
    assert expected in one_line(error)


def test_a_missing_graph_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"graph file '.*graph.json' does not exist"):
        read_graph(tmp_path / "graph.json")


def test_describe_graph_fills_missing_descriptions(graph: CausalGraph, tmp_path: Path) -> None:
    variables = read_variables(
        write(tmp_path, "v.yaml", "rain: other\nsprinkler: garden sprinkler on\nwet: x\nsun: y\n")
    ).variables
    described = describe_graph(graph, variables, "v.yaml")
    assert described.variable("sprinkler").description == "garden sprinkler on"
    assert described.variable("rain").description == "rainfall"  # kept
    assert described.names == graph.names
    assert describe_graph(graph, None, "v.yaml") is graph


def test_describe_graph_rejects_a_graph_naming_an_unknown_variable(graph: CausalGraph) -> None:
    from pywhy_llm_assist import Variables

    with pytest.raises(InputError, match=r"the graph names 'sprinkler', which is not in v.yaml"):
        describe_graph(graph, Variables(["rain", "wet"]), "v.yaml")


# --------------------------------------------------------------------------- options
def test_edges_names_and_tiers() -> None:
    assert parse_edge(" smoking status -> lung cancer ", "--required") == (
        "smoking status",
        "lung cancer",
    )
    assert parse_edges(["a->b", "b -> c"], "--forbidden") == [("a", "b"), ("b", "c")]
    assert parse_names("age, sex,,") == ["age", "sex"]
    assert parse_names("") == []
    assert parse_tiers("a,b;c; d") == [["a", "b"], ["c"], ["d"]]


@pytest.mark.parametrize("text", ["a", "a->", "->b", "a->b->c", "a - > b"])
def test_bad_edges(text: str) -> None:
    with pytest.raises(InputError, match="CAUSE->EFFECT"):
        parse_edge(text, "--required")


@pytest.mark.parametrize("text", ["a;;b", ";a", "a,b;"])
def test_bad_tiers(text: str) -> None:
    with pytest.raises(InputError, match="every tier needs"):
        parse_tiers(text)


# --------------------------------------------------------------------------- inputs that never end
def ends(function: Any, *arguments: Any) -> tuple[bool, Any]:
    """Run `function` in a thread: (whether it ended within 30 s, its result or exception)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(function(*arguments))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    return not thread.is_alive(), outcome[0] if outcome else None


@pytest.mark.parametrize(
    ("read", "name"),
    [
        (read_variables, "v.yaml"),
        (read_graph, "g.dot"),
        (lambda path: read_context(f"@{path}"), "context.txt"),
    ],
)
def test_a_fifo_input_is_refused_instead_of_hanging(tmp_path: Path, read: Any, name: str) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    ended, outcome = ends(read, fifo)
    assert ended, "reading a FIFO hung"
    assert isinstance(outcome, InputError) and "FIFO" in str(outcome)


def test_dev_zero_as_a_variables_file_is_refused_before_reading(tmp_path: Path) -> None:
    link = tmp_path / "z.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="character device") as error:
        read_variables(link)
    one_line(error)


def billion_laughs(levels: int) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_yaml_aliases_are_checked_in_linear_time(tmp_path: Path) -> None:
    # 12 levels expand to 9**12 (about 3e11) strings as a tree: a tree walk never ends.
    path = write(tmp_path, "laughs.yaml", billion_laughs(12))
    ended, outcome = ends(read_variables, path)
    assert ended, "the duplicate-key check expanded the aliases"
    assert isinstance(outcome, InputError) and "laughs.yaml" in str(outcome)


def test_a_duplicate_key_behind_an_alias_is_still_found(tmp_path: Path) -> None:
    text = "base: &base {description: x}\nvariables:\n  rain: *base\n  wet: x\n  rain: y\n"
    with pytest.raises(InputError, match="line 5: duplicate key 'rain'"):
        read_variables(write(tmp_path, "v.yaml", text))


@pytest.mark.parametrize("suffix", [".json", ".dot", ".gml", ".dagitty"])
def test_graph_files_with_a_byte_order_mark_are_read(
    tmp_path: Path, graph: CausalGraph, suffix: str
) -> None:
    writers = {
        ".json": graph.to_json,
        ".dot": graph.to_dot,
        ".gml": graph.to_gml,
        ".dagitty": graph.to_dagitty,
    }
    path = tmp_path / f"graph{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + writers[suffix]().encode())
    assert sorted(read_graph(path).edge_pairs) == sorted(graph.edge_pairs)


def test_a_graph_on_standard_input_is_read_once(tmp_path: Path, graph: CausalGraph) -> None:
    # --graph /dev/stdin (and '-'): the graph is read once, so a pipe is not found empty.
    for name in ("/dev/stdin", "-"):
        result = subprocess.run(
            [
                *(sys.executable, "-m", "pywhy_llm_assist", "critique", "--no-model"),
                *("--graph", name, "--graph-format", "dot", "-q"),
            ],
            input="\ufeff" + graph.to_dot(),
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        assert result.returncode == 0, result.stderr
        assert '"rain"' in result.stdout


def test_confounders_are_names_with_optional_descriptions() -> None:
    assert parse_confounders([]) is None
    assert parse_confounders([" diet = what people eat ", "income"]) == {
        "diet": "what people eat",
        "income": "",
    }
    with pytest.raises(InputError, match="give NAME or NAME=DESCRIPTION"):
        parse_confounders(["=no name"])


def test_variables_without_any_description_get_a_note_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "data.csv"
    bare.write_text("smoking,tar,cancer\n1,2,0\n", encoding="utf-8")
    described = tmp_path / "variables.yaml"
    described.write_text("smoking: cigarettes per day\ntar: tar in the lungs\n", encoding="utf-8")

    inputs = task_inputs(argparse.Namespace(variables=str(bare)), need_variables=True)
    assert inputs.variables is not None and inputs.variables.names == ("smoking", "tar", "cancer")
    note = capsys.readouterr().err
    assert "no variable in" in note and "the model sees bare names" in note
    task_inputs(argparse.Namespace(variables=str(bare), quiet=True), need_variables=True)
    task_inputs(argparse.Namespace(variables=str(described)), need_variables=True)
    assert capsys.readouterr().err == ""
