"""Graphs as users hold them: networkx graphs accepted, other types named, missing files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from pywhy_llm_assist import CausalGraph, GraphFormatError, InputError
from pywhy_llm_assist.graph._importers import as_causal_graph


def test_a_causal_graph_is_returned_as_is_and_a_digraph_is_converted() -> None:
    graph = CausalGraph.from_edges(["t", "y"], [("t", "y")])
    assert as_causal_graph(graph) is graph
    digraph = nx.DiGraph([("u", "t"), ("u", "y"), ("t", "y")])
    digraph.nodes["u"]["observed"] = "no"  # DoWhy's way of marking an unmeasured node
    converted = as_causal_graph(digraph)
    assert converted.edge_pairs == [("u", "t"), ("u", "y"), ("t", "y")]
    assert converted.latent == ("u",)


def test_a_cyclic_digraph_is_kept_for_the_checks_to_report() -> None:
    assert as_causal_graph(nx.DiGraph([("a", "b"), ("b", "a")])).is_acyclic() is False


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ('graph [ directed 1 node [ id 0 label "a" ] ]', "not text"),
        ("digraph { a -> b }", "not text"),
        ({"a": ["b"]}, "not dict"),
        ([("a", "b")], "not list"),
        (None, "not NoneType"),
    ],
)
def test_anything_else_is_an_input_error_naming_the_converters(value: Any, kind: str) -> None:
    with pytest.raises(InputError) as caught:
        as_causal_graph(value)
    message = str(caught.value)
    assert kind in message
    assert "CausalGraph.from_networkx" in message and "CausalGraph.from_dot" in message


def test_an_undirected_networkx_graph_says_so() -> None:
    with pytest.raises(InputError, match="undirected"):
        as_causal_graph(nx.Graph([("a", "b")]))


@pytest.mark.parametrize("reader", ["from_dot", "from_gml", "from_dagitty"])
@pytest.mark.parametrize("source", ["nonexistent.dot", "graphs/missing.gml", "my graph.txt"])
def test_a_path_of_a_missing_file_says_file_not_found(reader: str, source: str) -> None:
    read = getattr(CausalGraph, reader)
    for given in (source, Path(source)):
        with pytest.raises(GraphFormatError, match="file not found") as caught:
            read(given)
        assert source in str(caught.value)


@pytest.mark.parametrize(
    ("reader", "text", "message"),
    [
        ("from_dot", "digraph { a -> }", "DOT line 1"),
        ("from_dot", "a -> b", "DOT"),
        ("from_gml", "graph [ directed 1 node [ id 0 ] edge [ source 0 target 9 ] ]", "GML"),
        ("from_dagitty", "dag { a -> }", "DAGitty"),
    ],
)
def test_graph_text_still_gets_a_syntax_error(reader: str, text: str, message: str) -> None:
    with pytest.raises(GraphFormatError, match=message) as caught:
        getattr(CausalGraph, reader)(text)
    assert "file not found" not in str(caught.value)


def test_an_existing_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "graph.gv"
    path.write_text("digraph { a -> b }", encoding="utf-8")
    assert CausalGraph.from_dot(str(path)).edge_pairs == [("a", "b")]
