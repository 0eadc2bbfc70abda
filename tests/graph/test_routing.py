"""Routing added edges around the boxes of a layout, and placing new latent boxes."""

from __future__ import annotations

import itertools
import random

import pytest
from _review_fixtures import forty_variable_graph

from pywhy_llm_assist.graph._causal_graph import CausalGraph
from pywhy_llm_assist.graph._layout import NODE_GAP, NodeBox, layered_layout
from pywhy_llm_assist.graph._routing import (
    free_x,
    geometry,
    place_extra_node,
    route_extra_edge,
)


def bezier_samples(points: tuple[tuple[float, float], ...], steps: int = 24):
    """Sample the drawn path: the same cubic segments `_path_data` writes (vertical tangents)."""
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        middle = (y0 + y1) / 2
        for step in range(steps + 1):
            t = step / steps
            u = 1 - t
            x = u**3 * x0 + 3 * u**2 * t * x0 + 3 * u * t**2 * x1 + t**3 * x1
            y = u**3 * y0 + 3 * u**2 * t * middle + 3 * u * t**2 * middle + t**3 * y1
            yield x, y


def inside(box: NodeBox, x: float, y: float, margin: float = 1.0) -> bool:
    return abs(x - box.x) < box.width / 2 - margin and abs(y - box.y) < box.height / 2 - margin


def crossings(graph: CausalGraph, pairs) -> list[str]:
    shape = geometry(layered_layout(graph))
    found = []
    for source, target in pairs:
        route = route_extra_edge(shape, source, target)
        for x, y in bezier_samples(route):
            for name, box in shape.boxes.items():
                if name not in (source, target) and inside(box, x, y):
                    found.append(f"{source} -> {target} crosses {name} at ({x:.0f}, {y:.0f})")
    return found


def straight_crossings(graph: CausalGraph, pairs) -> int:
    """How many boxes the old straight line from centre to centre would cross."""
    shape = geometry(layered_layout(graph))
    count = 0
    for source, target in pairs:
        start, end = shape.boxes[source], shape.boxes[target]
        for step in range(101):
            t = step / 100
            x, y = start.x + (end.x - start.x) * t, start.y + (end.y - start.y) * t
            if any(
                inside(box, x, y)
                for name, box in shape.boxes.items()
                if name not in (source, target)
            ):
                count += 1
                break
    return count


def test_added_edges_never_cross_a_box_in_a_forty_variable_graph() -> None:
    graph = forty_variable_graph()
    existing = set(graph.edge_pairs)
    generator = random.Random(3)
    names = list(graph.names)
    pairs = [
        pair
        for pair in (tuple(generator.sample(names, 2)) for _ in range(400))
        if pair not in existing and pair[::-1] not in existing
    ]
    assert len(pairs) > 300
    assert crossings(graph, pairs) == []
    # The check can fail: straight lines, as the page drew them before, do cross boxes.
    assert straight_crossings(graph, pairs) > 50


def test_same_layer_and_upward_edges() -> None:
    graph = CausalGraph.from_edges(
        ["a", "b", "c", "d", "e"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e")]
    )
    shape = geometry(layered_layout(graph))
    assert shape.boxes["b"].layer == shape.boxes["c"].layer
    loop = route_extra_edge(shape, "b", "c")
    assert len(loop) == 3 and loop[1][1] > loop[0][1]  # under the layer, into c's bottom
    upward = route_extra_edge(shape, "e", "a")
    assert upward[0][1] < shape.boxes["e"].y and upward[-1][1] > shape.boxes["a"].y
    assert crossings(graph, [("b", "c"), ("e", "a"), ("a", "e")]) == []


def test_free_x_keeps_clear_of_every_span() -> None:
    spans = [(0.0, 50.0), (60.0, 100.0), (300.0, 320.0)]
    assert free_x(spans, 200.0, 2.0) == 200.0
    chosen = free_x(spans, 55.0, 2.0)  # the gap of 10 is too narrow: go round the pair
    assert chosen in (-8.0, 108.0)
    for left, right in spans:
        assert chosen + 2 + 6 <= left or chosen - 2 - 6 >= right


def test_placed_latent_boxes_do_not_overlap() -> None:
    graph = forty_variable_graph()
    shape = geometry(layered_layout(graph))
    placed = [
        place_extra_node(shape, f"hidden_cause_{number}", list(pair))
        for number, pair in enumerate(graph.edge_pairs[:12])
    ]
    boxes = list(shape.boxes.values())
    for box in placed:
        for other in boxes:
            if other is box or other.layer != box.layer:
                continue
            gap = abs(box.x - other.x) - (box.width + other.width) / 2
            assert gap >= NODE_GAP - 6.0 - 0.1, (box.name, other.name)
        assert box.layer < min(
            shape.boxes[name].layer for name in graph.edge_pairs[placed.index(box)]
        )


@pytest.mark.parametrize("seed", range(3))
def test_routes_are_deterministic(seed: int) -> None:
    graph = forty_variable_graph(seed=seed)
    first = geometry(layered_layout(graph))
    second = geometry(layered_layout(graph))
    names = graph.names
    assert route_extra_edge(first, names[0], names[-1]) == route_extra_edge(
        second, names[0], names[-1]
    )
