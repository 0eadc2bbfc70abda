"""The layered layout and the SVG drawing: deterministic, causes above effects, safe to embed."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ElementTree

import pytest

from pywhy_llm_assist.graph._causal_graph import CausalGraph, Edge, UndirectedEdge
from pywhy_llm_assist.graph._layout import (
    MAX_LABEL_CHARACTERS,
    MAX_ROW_WIDTH,
    NodeBox,
    label_for,
    layered_layout,
    render_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def random_dag(count: int, edge_count: int, seed: int) -> CausalGraph:
    generator = random.Random(seed)
    names = [f"variable_{number:02d}_{'x' * generator.randint(0, 12)}" for number in range(count)]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < edge_count:
        first, second = sorted(generator.sample(range(count), 2))
        pairs.add((names[first], names[second]))
    return CausalGraph.from_edges(names, sorted(pairs))


def overlaps(first: NodeBox, second: NodeBox) -> bool:
    return (
        abs(first.x - second.x) < (first.width + second.width) / 2
        and abs(first.y - second.y) < (first.height + second.height) / 2
    )


@pytest.mark.parametrize("seed", range(6))
def test_causes_are_drawn_above_their_effects(seed: int) -> None:
    graph = random_dag(25, 45, seed)
    layout = layered_layout(graph)
    for source, target in graph.edge_pairs:
        assert layout.nodes[source].layer < layout.nodes[target].layer
        assert layout.nodes[source].y < layout.nodes[target].y


@pytest.mark.parametrize("seed", range(6))
def test_boxes_do_not_overlap_and_fit_the_canvas(seed: int) -> None:
    graph = random_dag(40, 70, seed)
    layout = layered_layout(graph)
    boxes = list(layout.nodes.values())
    for position, first in enumerate(boxes):
        assert first.x - first.width / 2 >= 0
        assert first.y - first.height / 2 >= 0
        assert first.x + first.width / 2 <= layout.width
        assert first.y + first.height / 2 <= layout.height
        for second in boxes[position + 1 :]:
            assert not overlaps(first, second), (first.name, second.name)


def test_forty_nodes_stay_legible() -> None:
    graph = random_dag(40, 80, seed=11)
    layout = layered_layout(graph)
    # Rows wrap before getting too wide to read without zooming out.
    assert layout.width <= MAX_ROW_WIDTH + 400
    svg = render_svg(graph)
    assert 'font-size="12"' in svg


def test_layout_is_deterministic() -> None:
    graph = random_dag(30, 50, seed=3)
    assert layered_layout(graph) == layered_layout(graph)
    assert render_svg(graph) == render_svg(graph)


def test_a_wide_layer_is_wrapped_into_rows() -> None:
    names = [f"isolated_variable_{number}" for number in range(30)]
    layout = layered_layout(CausalGraph.from_edges(names, []))
    assert layout.width <= MAX_ROW_WIDTH + 100
    assert len({box.layer for box in layout.nodes.values()}) > 1


def test_barycenter_ordering_removes_an_avoidable_crossing() -> None:
    graph = CausalGraph.from_edges(["a", "b", "c", "d"], [("a", "d"), ("b", "c")])
    layout = layered_layout(graph)
    assert (layout.nodes["a"].x < layout.nodes["b"].x) == (
        layout.nodes["d"].x < layout.nodes["c"].x
    )


def test_a_root_is_pulled_down_next_to_its_child() -> None:
    graph = CausalGraph.from_edges(
        ["a", "b", "c", "late_root"], [("a", "b"), ("b", "c"), ("late_root", "c")]
    )
    layout = layered_layout(graph)
    assert layout.nodes["late_root"].layer == layout.nodes["c"].layer - 1


def test_long_edges_route_through_waypoints() -> None:
    graph = CausalGraph.from_edges(
        ["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")]
    )
    layout = layered_layout(graph)
    route = next(route for route in layout.edges if (route.source, route.target) == ("a", "d"))
    assert len(route.points) == 4  # leaves a, two waypoints, reaches d
    assert [y for _, y in route.points] == sorted(y for _, y in route.points)


def test_a_cyclic_graph_still_draws() -> None:
    graph = CausalGraph.from_edges(
        ["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")], check_acyclic=False
    )
    svg = render_svg(graph)
    ElementTree.fromstring(svg)
    assert svg.count("data-edge=") == 3


def test_single_variable() -> None:
    svg = render_svg(CausalGraph.from_edges(["alone"], []))
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert "alone" in svg


def test_svg_is_well_formed_and_sized_to_the_layout() -> None:
    graph = random_dag(20, 30, seed=5)
    layout = layered_layout(graph)
    root = ElementTree.fromstring(render_svg(graph))
    assert float(root.attrib["width"]) == pytest.approx(layout.width, abs=1)
    assert float(root.attrib["height"]) == pytest.approx(layout.height, abs=1)
    assert len(root.findall(f".//{SVG}g[@class='pla-edge']")) == 30
    assert len(root.findall(f".//{SVG}rect[@rx]")) == 20


def test_inline_svg_has_no_namespace_url() -> None:
    svg = render_svg(CausalGraph.from_edges(["a", "b"], [("a", "b")]), standalone=False)
    assert "http" not in svg


def test_names_and_rationales_are_escaped() -> None:
    hostile = '<script>alert("x")</script>'
    rationale = "<img src=x onerror=alert(1)> & \"quoted\" 'single'"
    graph = CausalGraph.from_edges(
        {hostile: "<b>bold</b> description", "plain": ""},
        [Edge(source=hostile, target="plain", rationale=rationale)],
    )
    svg = render_svg(graph)
    assert "<script" not in svg
    assert "<img" not in svg
    assert "<b>" not in svg
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#x27;single&#x27;" in svg
    root = ElementTree.fromstring(svg)
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert label_for(hostile) in texts


def test_long_names_are_truncated_with_the_full_name_in_the_tooltip() -> None:
    long_name = "average household expenditure on fresh vegetables per week"
    graph = CausalGraph.from_edges([long_name, "short"], [(long_name, "short")])
    root = ElementTree.fromstring(render_svg(graph))
    texts = [node.text or "" for node in root.iter(f"{SVG}text")]
    assert any(text.endswith("…") and len(text) <= MAX_LABEL_CHARACTERS for text in texts)
    titles = [node.text or "" for node in root.iter(f"{SVG}title")]
    assert any(title.startswith(long_name) for title in titles)


def test_latent_variables_are_dashed_and_confidence_sets_the_width() -> None:
    graph = CausalGraph.from_edges(
        ["hidden", "seen", "other"],
        [
            Edge(source="hidden", target="seen", confidence=1.0),
            Edge(source="hidden", target="other", confidence=0.1),
        ],
        latent=["hidden"],
    )
    svg = render_svg(graph)
    node = re.search(r'<g class="pla-node pla-latent"[^>]*>.*?</g>', svg, re.S)
    assert node is not None and "stroke-dasharray" in node.group(0)
    widths = [
        float(value) for value in re.findall(r'class="pla-line"[^>]*stroke-width="([\d.]+)"', svg)
    ]
    assert widths[0] > widths[1]


def test_highlight_marks_names_and_edges() -> None:
    graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
    svg = render_svg(graph, highlight=["c", ("a", "b")])
    assert svg.count("pla-accent") == 2
    assert re.search(r'<g class="pla-edge pla-accent" data-edge="0"', svg)
    assert re.search(r'<g class="pla-node pla-accent" data-node="2"', svg)


# ----------------------------------------------------------------------------- loops and open edges
def _loops_and_open() -> CausalGraph:
    return CausalGraph.from_edges(
        ["prices", "wages", "demand", "season", "rain"],
        [("prices", "wages"), ("wages", "prices"), ("wages", "demand"), ("demand", "prices")],
        check_acyclic=False,
        undirected=[
            ("season", "rain"),
            UndirectedEdge(first="rain", second="demand", kind="bidirected"),
        ],
    )


def test_a_cyclic_graph_is_laid_out_with_both_edges_of_a_two_way_link_apart() -> None:
    graph = _loops_and_open()
    layout = layered_layout(graph)
    routes = {(route.source, route.target): route.points for route in layout.edges}
    forward, backward = routes[("prices", "wages")], routes[("wages", "prices")]
    assert forward[0] != backward[-1] and forward[-1] != backward[0]  # own ports at each box
    # Each route runs from its cause's box to its effect's box.
    for (source, target), points in routes.items():
        assert abs(points[0][0] - layout.nodes[source].x) <= layout.nodes[source].width / 2
        assert abs(points[-1][0] - layout.nodes[target].x) <= layout.nodes[target].width / 2
    assert layered_layout(graph) == layout  # deterministic


def test_unoriented_edges_are_routed_and_drawn_without_a_direction() -> None:
    graph = _loops_and_open()
    layout = layered_layout(graph)
    assert [(route.source, route.target) for route in layout.undirected] == graph.undirected_pairs
    assert layout.nodes["season"].layer != layout.nodes["rain"].layer
    root = ElementTree.fromstring(render_svg(graph))
    groups = {
        group.get("data-undirected"): group
        for group in root.iter(f"{SVG}g")
        if group.get("data-undirected")
    }
    undirected, bidirected = groups["0"], groups["1"]
    shown = lambda group: [arrow.get("display") != "none" for arrow in group.iter(f"{SVG}polygon")]  # noqa: E731
    assert shown(undirected) == [False, False]
    assert shown(bidirected) == [True, True]
    assert "pla-edge" not in (undirected.get("class") or "")  # the edge table's rows index pla-edge
    title = root.find(f"{SVG}title")
    assert title is not None and "2 unoriented" in (title.text or "")
    assert "2 feedback loops" in (title.text or "")
