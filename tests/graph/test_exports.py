"""Graph import and export: DOT, GML, DAGitty, Mermaid, JSON, edge lists, networkx."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pywhy_llm_assist import (
    CausalGraph,
    DroppedEdge,
    Edge,
    GraphFormatError,
    InputError,
    Provenance,
    Usage,
    Variable,
)
from pywhy_llm_assist.core._variables import confusable_key, normalized_name
from pywhy_llm_assist.graph._exports import (
    OptionalDependencyError,
    dagitty_quote,
    dot_quote,
    mermaid_escape,
    to_edge_list,
)
from pywhy_llm_assist.graph._importers import from_edge_list

SPACED = "body mass index"
QUOTED = 'the "real" income'
SLASHED = "path\\to\\file"
UNICODE = "café ☕ 喝茶"
LATENT = "unmeasured genes"
PLAIN = "outcome"


def tricky_graph() -> CausalGraph:
    """Names with spaces, quotes, backslashes, unicode; a latent node; rich edge evidence."""
    variables = (
        Variable(name=SPACED, description="weight / height²"),
        Variable(name=QUOTED, description='income "as reported"\nsecond line \\ backslash'),
        Variable(name=SLASHED),
        Variable(name=UNICODE, description="drinks coffee or tea"),
        Variable(name=LATENT, description="inherited risk", latent=True),
        Variable(name=PLAIN),
    )
    model = (Provenance(origin="model", model="m"),)
    edges = (
        Edge(source=LATENT, target=SPACED, confidence=0.1 + 0.2, provenance=model),
        Edge(source=LATENT, target=PLAIN, votes=3, asked=5, rationale='a "why", with\nnewline'),
        Edge(source=SPACED, target=PLAIN, confidence=0.75, rationale="fat -> risk"),
        Edge(source=QUOTED, target=SPACED),
        Edge(source=SLASHED, target=QUOTED),
        Edge(source=UNICODE, target=PLAIN, confidence=1e-05),
    )
    return CausalGraph(variables=variables, edges=edges)


def structure(graph: CausalGraph, *, edge_order: bool = True) -> tuple[Any, ...]:
    """Names, descriptions, latent flags and edge evidence (networkx does not keep edge order)."""
    edges = [(e.source, e.target, e.confidence, e.votes, e.asked, e.rationale) for e in graph.edges]
    return (
        [(v.name, v.description, v.latent) for v in graph.variables],
        edges if edge_order else sorted(edges),
    )


def assert_imported(graph: CausalGraph) -> None:
    assert all(edge.provenance[0].origin == "import" for edge in graph.edges)


# ------------------------------------------------------------------------------- DOT
def test_dot_round_trip_keeps_names_descriptions_latent_and_evidence() -> None:
    graph = tricky_graph()
    back = CausalGraph.from_dot(graph.to_dot())
    assert structure(back) == structure(graph)
    assert_imported(back)


def test_dot_output_parses_in_pydot_and_networkx() -> None:
    pydot = pytest.importorskip("pydot")
    graph = tricky_graph()
    parsed = pydot.graph_from_dot_data(graph.to_dot())
    assert parsed is not None and len(parsed) == 1
    assert len(parsed[0].get_nodes()) == len(graph.variables)
    assert len(parsed[0].get_edges()) == len(graph.edges)
    read = nx.nx_pydot.from_pydot(parsed[0])
    assert read.is_directed()
    assert (read.number_of_nodes(), read.number_of_edges()) == (6, 6)
    # networkx strips the quotes but keeps escapes, so names without \ or " come back exact
    assert {SPACED, UNICODE, LATENT, PLAIN} <= set(read.nodes)
    assert read.has_edge(SPACED, PLAIN)
    # pydot keeps the quoted form; unescaping it gives our names back
    pydot_names = {node.get_name() for node in parsed[0].get_nodes()}
    assert pydot_names == {dot_quote(name) for name in graph.names}


def test_dot_styles_latent_nodes_and_their_edges_dashed() -> None:
    text = tricky_graph().to_dot()
    assert (
        f'{dot_quote(LATENT)} [description="inherited risk", latent="true", style="dashed"]' in text
    )
    latent_edge = next(
        line for line in text.splitlines() if line.strip().startswith(dot_quote(LATENT) + " ->")
    )
    assert 'style="dashed"' in latent_edge
    assert 'label="0.30"' in text
    assert "label=" not in tricky_graph().to_dot(edge_labels=False)


def test_dot_quote_escapes_quotes_and_backslashes() -> None:
    assert dot_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert dot_quote("trailing\\") == '"trailing\\\\"'


def test_dot_reader_understands_the_common_dot_subset() -> None:
    text = r"""
    /* a comment */ strict digraph "my graph" {
      # a preprocessor-style line
      rankdir = LR; graph [label="ignored"]
      node [shape=box]
      a:n -> b:s:e -> c [confidence=0.5, rationale="why"]  // chain with ports
      subgraph cluster_x { d; e [observed="no"] }
      { d e } -> c
      "f" + "g" [description=<<b>bold</b>>, latent=1]
      fg_unused_edge_default
      edge [confidence=".25"]
      fg -> a
    }
    """
    graph = CausalGraph.from_dot(text)
    assert graph.names == ("a", "b", "c", "d", "e", "fg", "fg_unused_edge_default")
    assert graph.edge_pairs == [("a", "b"), ("b", "c"), ("d", "c"), ("e", "c"), ("fg", "a")]
    assert graph.edge("a", "b").confidence == 0.5
    assert graph.edge("b", "c").rationale == "why"
    assert graph.edge("fg", "a").confidence == 0.25
    assert graph.latent == ("e", "fg")
    assert graph.variable("fg").description == "<b>bold</b>"
    assert graph.metadata == {"name": "my graph"}


def test_dot_reader_merges_repeated_edges() -> None:
    graph = CausalGraph.from_dot('digraph { a -> b; a -> b [confidence="0.5"] }')
    assert graph.edge_pairs == [("a", "b")]
    assert graph.edge("a", "b").confidence == 0.5


def test_dot_from_file_path_and_string_path(tmp_path: Path) -> None:
    path = tmp_path / "graph.dot"
    path.write_text(tricky_graph().to_dot(), encoding="utf-8")
    for source in (path, str(path)):
        graph = CausalGraph.from_dot(source)
        assert structure(graph) == structure(tricky_graph())
        assert graph.edges[0].provenance[0].note == "DOT file graph.dot"


# ------------------------------------------------------------------------------- GML
def test_gml_round_trip_keeps_names_descriptions_latent_and_evidence() -> None:
    graph = tricky_graph()
    back = CausalGraph.from_gml(graph.to_gml())
    assert structure(back, edge_order=False) == structure(graph, edge_order=False)
    assert_imported(back)


def test_gml_output_parses_in_networkx_with_names_intact() -> None:
    graph = tricky_graph()
    read = nx.parse_gml(graph.to_gml())
    assert isinstance(read, nx.DiGraph)
    assert list(read.nodes) == list(graph.names)
    assert read.nodes[LATENT]["latent"] == 1
    assert read.nodes[QUOTED]["description"] == graph.variable(QUOTED).description
    assert read.edges[LATENT, PLAIN]["rationale"] == 'a "why", with\nnewline'


def test_gml_stringifies_non_scalar_metadata() -> None:
    graph = CausalGraph(
        variables=tricky_graph().variables,
        metadata={"exposure": [SPACED], "note": "n", "nothing": None, "flag": True},
    )
    read = nx.parse_gml(graph.to_gml())
    assert read.graph == {"exposure": f'["{SPACED}"]', "note": "n", "flag": 1}
    assert CausalGraph.from_gml(graph.to_gml()).metadata["note"] == "n"


def test_gml_reader_uses_ids_when_labels_are_missing() -> None:
    text = "graph [ directed 1 node [ id 3 ] node [ id 7 ] edge [ source 3 target 7 ] ]"
    assert CausalGraph.from_gml(text).edge_pairs == [("3", "7")]


# ------------------------------------------------------------------------------- DAGitty
def test_dagitty_round_trip_with_latent_exposure_and_outcome() -> None:
    graph = tricky_graph()
    text = graph.to_dagitty(exposure=SPACED, outcome=PLAIN)
    assert text.startswith("dag {\n")
    assert f"{dagitty_quote(LATENT)} [latent]" in text
    assert f"{dagitty_quote(SPACED)} [exposure]" in text
    assert f"{PLAIN} [outcome]" in text
    back = CausalGraph.from_dagitty(text)
    assert back.names == graph.names
    assert back.edge_pairs == graph.edge_pairs
    assert back.latent == (LATENT,)
    assert back.metadata == {"exposure": [SPACED], "outcome": [PLAIN]}
    assert_imported(back)
    # the metadata is used as the default on the way out again
    assert CausalGraph.from_dagitty(back.to_dagitty()).metadata == back.metadata


def test_dagitty_quoting() -> None:
    assert dagitty_quote("x_1.2") == "x_1.2"
    assert dagitty_quote("-3") == "-3"
    assert dagitty_quote("two words") == '"two words"'
    assert dagitty_quote('say "hi"') == '"say \\"hi\\""'
    assert dagitty_quote("a\\b") == '"a\\b"'
    with pytest.raises(GraphFormatError, match="backslash"):
        dagitty_quote("ends with\\")


def test_dagitty_reader_syntax() -> None:
    text = """dag {
      "smoking status" [exposure, pos="0.5,1"]
      cancer [outcome]
      genes [unobserved]
      ses [adjusted]
      "smoking status" -> tar -> cancer <- genes
      { ses "smo" + "king status" } -> cancer; ses -> "smoking status"
      genes <-> ses
      x <-> y; x <-> y
    }"""
    graph = CausalGraph.from_dagitty(text)
    assert graph.names[:6] == ("smoking status", "cancer", "genes", "ses", "tar", "x")
    assert ("genes", "cancer") in graph.edge_pairs
    assert ("tar", "cancer") in graph.edge_pairs
    assert ("smoking status", "cancer") in graph.edge_pairs
    assert graph.latent == ("genes", "U_genes_ses", "U_x_y", "U_x_y_2")
    assert graph.edge_pairs[-2:] == [("U_x_y_2", "x"), ("U_x_y_2", "y")]
    assert graph.metadata == {
        "exposure": ["smoking status"],
        "outcome": ["cancer"],
        "adjusted": ["ses"],
        "positions": {"smoking status": [0.5, 1.0]},
    }
    assert 'pos="0.5,1.0"' in graph.to_dagitty()


def test_to_dagitty_rejects_unknown_exposure() -> None:
    with pytest.raises(InputError, match="exposure 'ghost'"):
        tricky_graph().to_dagitty(exposure="ghost")


# ------------------------------------------------------------------------------- Mermaid
def test_mermaid_uses_safe_ids_escaped_labels_and_dashed_latent() -> None:
    text = tricky_graph().to_mermaid()
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    assert lines[1] == f'    n0["{SPACED}"]'
    assert lines[2] == '    n1["the #34;real#34; income"]'
    assert lines[3] == '    n2["path#92;to#92;file"]'
    assert "    n4 -.->|0.30| n0" in lines
    assert "    n0 -->|0.75| n5" in lines
    assert lines[-1] == "    class n4 latent"
    body = "\n".join(lines[1:])
    assert body.count('"') == 2 * len(tricky_graph().variables)  # only the label quotes
    assert "|" not in tricky_graph().to_mermaid(edge_labels=False)


def test_mermaid_escape() -> None:
    assert mermaid_escape("a<b>&#c") == "a#60;b#62;#38;#35;c"


# ------------------------------------------------------------------------------- edge lists
def test_edge_list_round_trip() -> None:
    graph = tricky_graph()
    pairs = to_edge_list(graph)
    assert pairs == graph.edge_pairs
    back = from_edge_list(graph.variables, pairs)
    assert structure(back)[0] == structure(graph)[0]
    assert back.edge_pairs == pairs
    assert from_edge_list(None, [("a", "b"), ("c", "b")]).names == ("a", "b", "c")


@pytest.mark.parametrize(
    ("variables", "pairs", "message"),
    [
        (["a", "b"], [("a", "c")], "unknown variable 'c'"),
        (["a", "b"], [("a",)], "not a \\(cause, effect\\) pair"),
        (["a", "b"], ["ab"], "not a \\(cause, effect\\) pair"),
        (["a", "b"], [("a", 1)], "not a \\(cause, effect\\) pair"),
        (["a", "b"], "a,b", "list of \\(cause, effect\\) pairs"),
        (["a", "b"], [("a", "b"), ("b", "a")], "cycle"),
        (["a", "b"], [("a", "a")], "self-loop"),
        (["a", "A"], [], "duplicate"),
        (None, [], "no nodes"),
    ],
)
def test_edge_list_errors(variables: Any, pairs: Any, message: str) -> None:
    with pytest.raises(GraphFormatError, match=message):
        from_edge_list(variables, pairs)


# ------------------------------------------------------------------------------- networkx
def test_from_networkx_reads_attributes() -> None:
    source: nx.DiGraph[Any] = nx.DiGraph(title="t")
    source.add_node("u", observed="no")
    source.add_node("x", description="exposure", latent="false")
    source.add_node(3)
    source.add_edge("u", "x", confidence="0.4", rationale="r", votes=2, asked=2, weight=9)
    source.add_edge("x", 3)
    graph = CausalGraph.from_networkx(source)
    assert graph.names == ("u", "x", "3")
    assert graph.latent == ("u",)
    assert graph.variable("x").description == "exposure"
    assert graph.edge("u", "x").confidence == 0.4
    assert (graph.edge("u", "x").votes, graph.edge("u", "x").rationale) == (2, "r")
    assert graph.metadata == {"title": "t"}
    assert_imported(graph)


def test_networkx_round_trip() -> None:
    graph = tricky_graph()
    back = CausalGraph.from_networkx(graph.to_networkx())
    assert structure(back, edge_order=False) == structure(graph, edge_order=False)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (nx.Graph([("a", "b")]), "undirected"),
        (nx.MultiDiGraph([("a", "b"), ("a", "b")]), "multigraph"),
        (nx.DiGraph([("a", "b"), ("b", "a")]), "cycle"),
        (nx.DiGraph([(1, "1")]), "both named '1'"),
        ({"a": "b"}, "expected a networkx.DiGraph"),
        (nx.DiGraph(), "no nodes"),
    ],
)
def test_from_networkx_errors(source: Any, message: str) -> None:
    with pytest.raises(GraphFormatError, match=message):
        CausalGraph.from_networkx(source)


def test_from_networkx_bad_attribute_values() -> None:
    source: nx.DiGraph[str] = nx.DiGraph()
    source.add_edge("a", "b", confidence="high")
    with pytest.raises(GraphFormatError, match=r"confidence.*expected a number"):
        CausalGraph.from_networkx(source)
    source.add_edge("a", "b", confidence=2.0)
    with pytest.raises(GraphFormatError, match="less than or equal to 1"):
        CausalGraph.from_networkx(source)
    source.add_edge("a", "b", confidence=float("nan"))
    with pytest.raises(GraphFormatError, match="finite"):
        CausalGraph.from_networkx(source)
    source = nx.DiGraph()
    source.add_node("a", latent="maybe")
    with pytest.raises(GraphFormatError, match=r"latent.*true or false"):
        CausalGraph.from_networkx(source)


# ------------------------------------------------------------------------------- JSON
def test_json_round_trip_is_exact_with_dropped_edges_usage_and_provenance(tmp_path: Path) -> None:
    base = tricky_graph()
    dropped = DroppedEdge(
        edge=Edge(
            source=PLAIN,
            target=SPACED,
            confidence=0.2,
            provenance=(Provenance(origin="model", model="m", cache_keys=("k1", "k2")),),
        ),
        reason="cycle",
        detail="would close a cycle",
        reversed=True,
    )
    graph = CausalGraph(
        variables=base.variables,
        edges=base.edges,
        dropped=(dropped,),
        usage=Usage(calls=3, prompt_tokens=10),
        metadata={"exposure": [SPACED], "nested": {"k": [1, 2.5, None]}},
    )
    assert CausalGraph.from_json(graph.to_json()) == graph
    path = tmp_path / "graph.json"
    graph.to_json(path)
    assert CausalGraph.from_json(path) == graph
    assert CausalGraph.from_json(str(path)) == graph


def test_json_reader_rejects_other_json() -> None:
    with pytest.raises(GraphFormatError, match="not a pywhy-llm-assist graph JSON"):
        CausalGraph.from_json('{"nodes": []}')
    with pytest.raises(GraphFormatError):
        CausalGraph.from_json("not json")


# ------------------------------------------------------------------------------- errors
BAD_DOT = [
    ("", "expected a DOT graph"),
    ("   \n  ", "expected a DOT graph"),
    ("graph { a -- b }", "undirected 'graph'"),
    ("digraph { a -- b }", "undirected edge"),
    ("digraph { a -> }", "expected a name, found '}'"),
    ("digraph { a -> b", "expected '}'"),
    ('digraph { "a -> b }', "quoted string is never closed"),
    ("digraph { /* a -> b }", "comment is never closed"),
    ("digraph { <a <b> }", "HTML> string is never closed"),
    ("digraph { a -> b } digraph { c }", "one graph per text"),
    ("digraph { a -> b [confidence=high] }", "expected a number"),
    ("digraph { a -> b [confidence=7] }", "less than or equal to 1"),
    ("digraph { a -> b -> a }", "cycle: a -> b -> a"),
    ("digraph { a -> a }", "self-loop"),
    ("digraph { a -> b [x=] }", "expected a name"),
    ("digraph { a [latent=perhaps] }", "true or false"),
    ("digraph { @ }", "unexpected character '@'"),
    ("digraph {" * 100 + "}" * 100, "nested braces"),
    ("digraph { }", "no nodes"),
    ("dag { a -> b }", "expected the graph kind"),
    ('digraph { "" }', "at least 1 character"),
]


@pytest.mark.parametrize(("text", "message"), BAD_DOT)
def test_dot_reader_errors_are_one_line_graph_format_errors(text: str, message: str) -> None:
    with pytest.raises(GraphFormatError, match=message) as caught:
        CausalGraph.from_dot(text)
    assert "\n" not in str(caught.value)


BAD_DAGITTY = [
    ("", "expected a DAGitty graph"),
    ("pag { a -> b }", "is not a DAG"),
    ("dag { a -- b }", "undirected edge"),
    ("dag { a @-> b }", "MAG or PAG"),
    ("dag { a -> b -> a }", "cycle"),
    ("dag { a <-> a }", "loop"),
    ('dag { a [pos="1"] }', "pos must be"),
    ('dag { a [pos="x,1"] }', "expected a number"),
    ("dag { a -> b ", "expected '}'"),
    ('dag { "a -> b }', "never closed"),
    ("dag { a -> b ] }", "expected a name, found ']'"),
    ("dag { a ? b }", "unexpected character"),
]


@pytest.mark.parametrize(("text", "message"), BAD_DAGITTY)
def test_dagitty_reader_errors(text: str, message: str) -> None:
    with pytest.raises(GraphFormatError, match=message) as caught:
        CausalGraph.from_dagitty(text)
    assert "\n" not in str(caught.value)


BAD_GML = [
    ("", "GML"),
    ("graph [", "expected"),
    ('graph [ node [ id 0 label "a" ] node [ id 1 label "b" ] ]', "no edges|nodes|undirected"),
    (
        'graph [ directed 1 node [ id 0 label "a" ] node [ id 1 label "a" ] ]',
        "duplicated|same label",
    ),
    ("graph [ directed 1 edge [ source 0 target 1 ] ]", "undefined source"),
    (
        'graph [ directed 1 node [ id 0 label "a" ] node [ id 1 label "b" ] '
        "edge [ source 0 target 1 ] edge [ source 1 target 0 ] ]",
        "cycle",
    ),
    ('graph [ directed 1 multigraph 1 node [ id 0 label "a" ] ]', "parallel edges"),
    ("this is not gml", "GML"),
]


@pytest.mark.parametrize(("text", "message"), BAD_GML)
def test_gml_reader_errors(text: str, message: str) -> None:
    with pytest.raises(GraphFormatError, match=message) as caught:
        CausalGraph.from_gml(text)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("reader", ["from_dot", "from_gml", "from_dagitty"])
def test_readers_reject_non_text(reader: str) -> None:
    with pytest.raises(GraphFormatError, match="expected text or a file path"):
        getattr(CausalGraph, reader)(b"digraph { a -> b }")


def test_graph_format_error_is_an_input_and_value_error() -> None:
    assert issubclass(GraphFormatError, InputError)
    assert issubclass(GraphFormatError, ValueError)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet='digraph{}[]=;,"\\<>-/*#ab \n:+dag@', max_size=60))
def test_readers_fail_only_with_graph_format_error(text: str) -> None:
    for reader in (CausalGraph.from_dot, CausalGraph.from_dagitty, CausalGraph.from_gml):
        with contextlib.suppress(GraphFormatError):
            reader(text)


# Names are refused for control, format (Cf) and line-separator characters, and for looking
# like one another (TR39 skeletons): the strategy draws any other text.
NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp")),
    min_size=1,
    max_size=12,
).filter(lambda name: name.strip() != "")


@settings(max_examples=150, deadline=None)
@given(st.lists(NAMES, min_size=2, max_size=6, unique_by=normalized_name), st.data())
def test_any_names_survive_dot_gml_and_dagitty(names: list[str], data: st.DataObject) -> None:
    variables = list(dict.fromkeys(Variable(name=name).name for name in names))
    if len({normalized_name(name) for name in variables}) != len(variables) or len(variables) < 2:
        return
    if len({confusable_key(name) for name in variables}) != len(variables):
        return
    edges = [(variables[index], variables[index + 1]) for index in range(len(variables) - 1)]
    latent = data.draw(st.sampled_from(variables))
    graph = CausalGraph.from_edges(variables, edges, latent=[latent])
    assert structure(CausalGraph.from_dot(graph.to_dot())) == structure(graph)
    gml = CausalGraph.from_gml(graph.to_gml())
    assert structure(gml, edge_order=False) == structure(graph, edge_order=False)
    if not any(name.endswith("\\") for name in variables):
        back = CausalGraph.from_dagitty(graph.to_dagitty())
        assert (back.names, back.edge_pairs, back.latent) == (graph.names, edges, (latent,))


# ------------------------------------------------------------------------------- hand-offs
def test_to_dowhy_graph_marks_latent_nodes_unobserved() -> None:
    exported = tricky_graph().to_dowhy_graph()
    assert exported.nodes[LATENT] == {"observed": "no"}
    assert exported.nodes[SPACED] == {"observed": "yes"}
    assert sorted(exported.edges) == sorted(tricky_graph().edge_pairs)


def test_missing_dowhy_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dowhy", None)
    with pytest.raises(OptionalDependencyError, match=r'pip install "pywhy-llm-assist\[dowhy\]"'):
        tricky_graph().to_causal_model(object(), SPACED, PLAIN)
    assert issubclass(OptionalDependencyError, ImportError)


def test_missing_causallearn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "causallearn.graph.GraphNode", None)
    with pytest.raises(OptionalDependencyError, match=r"pywhy-llm-assist\[causallearn\]"):
        tricky_graph().to_background_knowledge()


def required_pairs(knowledge: Any) -> set[tuple[str, str]]:
    return {(a.get_name(), b.get_name()) for a, b in knowledge.required_rules_specs}


def forbidden_pairs(knowledge: Any) -> set[tuple[str, str]]:
    return {(a.get_name(), b.get_name()) for a, b in knowledge.forbidden_rules_specs}


def test_background_knowledge_by_name_and_by_position() -> None:
    pytest.importorskip("causallearn")
    graph = CausalGraph.from_edges(
        ["u", "a", "b", "c"], [("u", "a"), ("u", "b"), ("a", "b")], latent=["u"]
    )
    by_name = graph.to_background_knowledge()
    assert required_pairs(by_name) == {("a", "b")}  # edges from the latent u are left out
    assert forbidden_pairs(by_name) == set()
    columns = ["c", "b", "a"]  # data column order differs from the graph's
    by_position = graph.to_background_knowledge(node_names=columns, node_labels="positions")
    assert required_pairs(by_position) == {("X3", "X2")}
    with_forbidden = graph.to_background_knowledge(node_names=columns, forbid_absent=True)
    assert forbidden_pairs(with_forbidden) == {
        ("b", "a"),
        ("a", "c"),
        ("c", "a"),
        ("b", "c"),
        ("c", "b"),
    }


def test_background_knowledge_argument_errors() -> None:
    pytest.importorskip("causallearn")
    graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    with pytest.raises(InputError, match="duplicate"):
        graph.to_background_knowledge(node_names=["a", "a"])
    with pytest.raises(InputError, match="shares no name"):
        graph.to_background_knowledge(node_names=["x", "y"])
    with pytest.raises(InputError, match="not one string"):
        graph.to_background_knowledge(node_names="ab")
    with pytest.raises(InputError, match="node_labels"):
        graph.to_background_knowledge(node_labels="ids")  # type: ignore[arg-type]


def test_networkx_round_trip_keeps_unit_and_type_and_ignores_foreign_type() -> None:
    graph = CausalGraph(
        variables=(
            Variable(name="dose", unit="mg", type="continuous"),
            Variable(name="response", type="binary"),
        ),
        edges=(Edge(source="dose", target="response"),),
    )
    back = CausalGraph.from_networkx(graph.to_networkx())
    assert back.variables == graph.variables
    foreign: nx.DiGraph[str] = nx.DiGraph()
    foreign.add_node("gene", type="transcription factor")
    assert CausalGraph.from_networkx(foreign).variable("gene").type is None


def test_readers_strip_names_like_variables_do() -> None:
    assert CausalGraph.from_dot('digraph { " a " -> b }').edge_pairs == [("a", "b")]
    assert CausalGraph.from_dagitty('dag { " a " -> b }').edge_pairs == [("a", "b")]


def test_error_messages_stay_short_for_huge_tokens() -> None:
    with pytest.raises(GraphFormatError) as caught:
        CausalGraph.from_dot("digraph { a -> [" + "x" * 100_000 + "] }")
    assert len(str(caught.value)) < 200
    with pytest.raises(GraphFormatError) as caught:
        CausalGraph.from_gml("graph [ " + "{ " * 50_000)
    assert len(str(caught.value)) < 200


def test_edge_cross_products_are_bounded() -> None:
    left = " ".join(f"a{index}" for index in range(500))
    right = " ".join(f"b{index}" for index in range(500))
    with pytest.raises(GraphFormatError, match="at most 200000 edges"):
        CausalGraph.from_dot(f"digraph {{ {{{left}}} -> {{{right}}} -> {{{left}}} }}")


def test_to_dagitty_ignores_malformed_metadata_but_rejects_bad_arguments() -> None:
    graph = CausalGraph(
        variables=(Variable(name="a"), Variable(name="b")),
        metadata={"exposure": 3, "positions": {"a": ["1", "2"], "b": [0, 1.5]}},
    )
    assert graph.to_dagitty() == 'dag {\na\nb [pos="0,1.5"]\n}\n'
    with pytest.raises(InputError, match="list of names"):
        graph.to_dagitty(outcome=[1])  # type: ignore[list-item]
