"""The CausalGraph model: construction, validation, views, fingerprint, edits."""

from __future__ import annotations

import pytest

from pywhy_llm_assist import CausalGraph, DroppedEdge, Edge, InputError, Provenance, Variable

CHAIN = [("smoking", "tar"), ("tar", "cancer")]


def chain_graph() -> CausalGraph:
    return CausalGraph.from_edges(
        {"smoking": "cigarettes per day", "tar": "tar in the lungs", "cancer": "lung cancer"},
        CHAIN,
    )


def test_from_edges_keeps_order_descriptions_and_user_provenance() -> None:
    graph = chain_graph()
    assert graph.names == ("smoking", "tar", "cancer")
    assert graph.edge_pairs == CHAIN
    assert graph.variable("tar").description == "tar in the lungs"
    assert all(edge.provenance == (Provenance(origin="user"),) for edge in graph.edges)
    assert graph.edge("smoking", "tar").confidence == 1.0
    assert graph.has_edge("tar", "cancer")
    assert not graph.has_edge("cancer", "tar")


def test_from_edges_accepts_edge_objects_and_origin() -> None:
    edge = Edge(source="a", target="b", confidence=0.25, rationale="because")
    graph = CausalGraph.from_edges(["a", "b", "c"], [edge, ("b", "c")], origin="model")
    assert graph.edge("a", "b") is edge
    assert graph.edge("b", "c").provenance[0].origin == "model"


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ([("smoking", "ghost")], "unknown variable 'ghost'"),
        ([("tar", "tar")], "self-loop"),
        ([("smoking", "tar"), ("smoking", "tar")], "appears twice"),
        ([("smoking", "tar"), ("tar", "cancer"), ("cancer", "smoking")], "cycle"),
    ],
)
def test_from_edges_rejects_bad_edges(edges: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(InputError, match=message):
        CausalGraph.from_edges(["smoking", "tar", "cancer"], edges)


def test_cycle_message_names_the_cycle() -> None:
    with pytest.raises(InputError, match="a -> b -> a"):
        CausalGraph.from_edges(["a", "b"], [("a", "b"), ("b", "a")])


def test_cycle_check_can_be_switched_off() -> None:
    graph = CausalGraph.from_edges(["a", "b"], [("a", "b"), ("b", "a")], check_acyclic=False)
    assert not graph.is_acyclic()
    with pytest.raises(InputError, match="cycle"):
        graph.require_acyclic()


def test_duplicate_variable_names_ignoring_case_are_rejected() -> None:
    with pytest.raises(InputError, match="duplicate variable name"):
        CausalGraph.from_edges(["Age", "age "], [])


def test_unknown_latent_name_is_rejected() -> None:
    with pytest.raises(InputError, match="latent variable 'ghost'"):
        CausalGraph.from_edges(["a", "b"], [("a", "b")], latent=["ghost"])


def test_invalid_confidence_is_an_input_error() -> None:
    with pytest.raises(InputError, match="confidence"):
        CausalGraph(
            variables=(Variable(name="a"), Variable(name="b")),
            edges=({"source": "a", "target": "b", "confidence": 1.5},),
        )


def test_unknown_edge_lookup_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        chain_graph().edge("cancer", "smoking")
    with pytest.raises(InputError, match="unknown variable"):
        chain_graph().variable("ghost")


def test_fingerprint_ignores_order_and_evidence_but_not_structure() -> None:
    graph = chain_graph()
    reordered = CausalGraph.from_edges(["cancer", "tar", "smoking"], list(reversed(CHAIN)))
    weaker = CausalGraph.from_edges(
        ["smoking", "tar", "cancer"],
        [Edge(source=s, target=t, confidence=0.1, rationale="x") for s, t in CHAIN],
    )
    assert graph.fingerprint() == reordered.fingerprint() == weaker.fingerprint()
    assert len(graph.fingerprint()) == 16
    assert graph.fingerprint() == chain_graph().fingerprint()  # stable across builds
    assert graph.without_edges([("tar", "cancer")]).fingerprint() != graph.fingerprint()


def test_with_latent_adds_unmeasured_variables_and_edges() -> None:
    graph = chain_graph().with_latent(
        [Variable(name="genes", description="inherited risk")],
        [("genes", "smoking"), ("genes", "cancer")],
    )
    assert graph.latent == ("genes",)
    assert graph.observed == ("smoking", "tar", "cancer")
    assert graph.has_edge("genes", "cancer")


def test_with_latent_rejects_unknown_names_with_input_error() -> None:
    with pytest.raises(InputError, match="unknown variable"):
        chain_graph().with_latent([Variable(name="genes")], [("nothing", "tar")])


def test_without_edges_ignores_absent_pairs() -> None:
    graph = chain_graph().without_edges([("tar", "cancer"), ("x", "y")])
    assert graph.edge_pairs == [("smoking", "tar")]


def test_to_networkx_carries_node_and_edge_attributes() -> None:
    edge = Edge(
        source="a",
        target="b",
        confidence=0.5,
        votes=2,
        asked=4,
        rationale="r",
        provenance=(Provenance(origin="model", model="m"),),
    )
    graph = CausalGraph(
        variables=(
            Variable(name="a", description="first", unit="kg", type="continuous"),
            Variable(name="b", latent=True),
        ),
        edges=(edge,),
    )
    exported = graph.to_networkx()
    assert exported.nodes["a"] == {
        "description": "first",
        "latent": False,
        "unit": "kg",
        "type": "continuous",
    }
    assert exported.nodes["b"] == {"description": "", "latent": True}
    assert exported.edges["a", "b"] == {
        "confidence": 0.5,
        "votes": 2,
        "asked": 4,
        "rationale": "r",
        "origin": "model",
    }


def test_graph_is_frozen() -> None:
    graph = chain_graph()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        graph.edges = ()


def test_str_lists_edges_and_dropped() -> None:
    text = str(chain_graph())
    assert "3 variables, 2 edges" in text
    assert "smoking -> tar" in text


def test_repr_is_one_short_line_for_any_size() -> None:
    from pywhy_llm_assist.evaluate._graphs import synthetic_benchmark

    big = synthetic_benchmark(32, edges_per_variable=2.0, seed=1).graph
    text = repr(big)
    assert text == f"<CausalGraph: 32 variables, {len(big.edges)} edges>"
    with_latent = big.with_latent([Variable(name="U", description="hidden")], [("U", "X01")])
    dropped = (DroppedEdge(edge=Edge(source="X01", target="X02"), reason="cycle"),)
    shown = repr(with_latent.model_copy(update={"dropped": dropped}))
    assert shown == f"<CausalGraph: 33 variables (1 latent), {len(big.edges) + 1} edges, 1 dropped>"
    assert "\n" not in shown and len(shown) < 80
    assert str(big).startswith("CausalGraph: 32 variables")  # str still lists the edges


def test_ipython_shows_the_short_repr() -> None:
    class Printer:
        def __init__(self) -> None:
            self.shown = ""

        def text(self, value: str) -> None:
            self.shown += value

    printer = Printer()
    graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
    graph._repr_pretty_(printer, False)
    assert printer.shown == repr(graph) == "<CausalGraph: 2 variables, 1 edge>"
