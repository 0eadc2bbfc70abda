"""Routing edges that are not part of a layout (added in review) around the boxes of a layout.

`layered_layout` routes each edge through waypoints it reserves in the layers the edge spans.
An edge added later has no reserved waypoints, so `route_extra_edge` finds, in each layer it
crosses, the free spot nearest to the straight line, and goes through that layer's band
vertically there: between layers there are no boxes, so the route never crosses one. The review
page's script mirrors these functions (``_page_view.js``); a browser test checks that both give
the same points. `place_extra_node` finds a free spot for a new variable (a latent confounder
applied from a finding) one layer above its children.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ._layout import (
    LAYER_GAP,
    MARGIN,
    NODE_GAP,
    NODE_HEIGHT,
    Layout,
    NodeBox,
    _box_width,
    label_for,
)

#: Least distance between a routed edge (or a placed box) and anything already in its layer.
CLEARANCE = 6.0
#: Half the width a routed edge needs in a layer.
ROUTE_HALF_WIDTH = 2.0


def layer_y(layer: int) -> float:
    """The vertical centre of `layer` (layer 0 at the top; -1 is the row above it).

    Example:
        >>> layer_y(0)
        39.0
    """
    return MARGIN + layer * (NODE_HEIGHT + LAYER_GAP) + NODE_HEIGHT / 2


@dataclass
class Geometry:
    """What occupies each layer: ``(left, right)`` spans of boxes and of routed edges.

    Attributes:
        occupied: layer -> spans, unsorted.
        boxes: variable name -> its box (including placed extra nodes).
    """

    occupied: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    boxes: dict[str, NodeBox] = field(default_factory=dict)

    def add_box(self, box: NodeBox) -> None:
        """Reserve the span of `box` in its layer."""
        self.boxes[box.name] = box
        self.occupied.setdefault(box.layer, []).append(
            (box.x - box.width / 2, box.x + box.width / 2)
        )

    def to_data(self) -> dict[str, object]:
        """The geometry as JSON data for the review page's script."""
        return {
            "layers": {
                str(layer): [[round(left, 1), round(right, 1)] for left, right in sorted(spans)]
                for layer, spans in sorted(self.occupied.items())
            },
            "node_height": NODE_HEIGHT,
            "layer_gap": LAYER_GAP,
            "margin": MARGIN,
            "clearance": CLEARANCE,
            "route_half_width": ROUTE_HALF_WIDTH,
        }


def geometry(layout: Layout) -> Geometry:
    """The occupied spans of `layout`: its boxes and the waypoints its long edges go through.

    Example:
        >>> from pywhy_llm_assist.graph._causal_graph import CausalGraph
        >>> from pywhy_llm_assist.graph._layout import layered_layout
        >>> graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
        >>> sorted(geometry(layered_layout(graph)).occupied)
        [0, 1]
    """
    found = Geometry()
    rows = {round(layer_y(box.layer), 1): box.layer for box in layout.nodes.values()}
    for box in layout.nodes.values():
        found.add_box(box)
    for route in layout.edges:
        for x, y in route.points[1:-1]:
            layer = rows.get(round(y, 1))
            if layer is not None:
                found.occupied.setdefault(layer, []).append((x - 5.0, x + 5.0))
    return found


def free_x(spans: Iterable[tuple[float, float]], desired: float, half_width: float) -> float:
    """The x nearest `desired` where ``[x - half_width, x + half_width]`` keeps `CLEARANCE` from
    every span.

    Example:
        >>> free_x([(0.0, 100.0)], 40.0, 2.0)
        -8.0
        >>> free_x([(0.0, 100.0)], 140.0, 2.0)
        140.0
    """
    reach = CLEARANCE + half_width
    blocked = sorted((left - reach, right + reach) for left, right in spans)
    merged: list[list[float]] = []
    for left, right in blocked:
        if merged and left <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    for left, right in merged:
        if left < desired < right:
            return left if desired - left <= right - desired else right
    return desired


def route_extra_edge(shape: Geometry, source: str, target: str) -> tuple[tuple[float, float], ...]:
    """Points from `source` to `target` that pass every layer in between through free space.

    The first point is on the cause's box, the last on the effect's; between them, two points
    per crossed layer (the top and bottom of its band, same x). Two variables in one layer are
    joined by a loop under that layer.

    Example:
        >>> from pywhy_llm_assist.graph._causal_graph import CausalGraph
        >>> from pywhy_llm_assist.graph._layout import layered_layout
        >>> graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("b", "c")])
        >>> route = route_extra_edge(geometry(layered_layout(graph)), "a", "c")
        >>> len(route)  # start, two points through the middle layer, end
        4
    """
    half = NODE_HEIGHT / 2
    start, end = shape.boxes[source], shape.boxes[target]
    if start.layer == end.layer:
        bottom = start.y + half
        points = [
            (start.x, bottom),
            ((start.x + end.x) / 2, bottom + LAYER_GAP / 2),
            (end.x, bottom),
        ]
        return tuple((round(x, 1), round(y, 1)) for x, y in points)
    upper, lower = (start, end) if start.layer < end.layer else (end, start)
    points = [(upper.x, upper.y + half)]
    span = lower.layer - upper.layer
    for step in range(1, span):
        layer = upper.layer + step
        desired = upper.x + (lower.x - upper.x) * step / span
        x = free_x(shape.occupied.get(layer, ()), desired, ROUTE_HALF_WIDTH)
        points += [(x, layer_y(layer) - half), (x, layer_y(layer) + half)]
    points.append((lower.x, lower.y - half))
    if upper is end:
        points.reverse()
    return tuple((round(x, 1), round(y, 1)) for x, y in points)


def place_extra_node(shape: Geometry, name: str, children: Sequence[str]) -> NodeBox:
    """Place a new box for `name` one layer above the highest of `children`, near their middle,
    and reserve it in `shape`.

    Example:
        >>> from pywhy_llm_assist.graph._causal_graph import CausalGraph
        >>> from pywhy_llm_assist.graph._layout import layered_layout
        >>> graph = CausalGraph.from_edges(["a", "b"], [])
        >>> place_extra_node(geometry(layered_layout(graph)), "u", ["a", "b"]).layer
        -1
    """
    boxes = [shape.boxes[child] for child in children]
    layer = min(box.layer for box in boxes) - 1
    width = _box_width(name)
    desired = sum(box.x for box in boxes) / len(boxes)
    spans = shape.occupied.get(layer, ())
    x = free_x(spans, desired, width / 2 + NODE_GAP - CLEARANCE)
    box = NodeBox(name, round(x, 1), layer_y(layer), width, NODE_HEIGHT, layer)
    shape.add_box(box)
    return box


def extra_node_data(box: NodeBox) -> dict[str, object]:
    """A placed box as JSON data for the page's script."""
    return {
        "name": box.name,
        "label": label_for(box.name),
        "x": box.x,
        "y": box.y,
        "width": box.width,
        "height": box.height,
        "layer": box.layer,
    }


__all__ = [
    "CLEARANCE",
    "Geometry",
    "extra_node_data",
    "free_x",
    "geometry",
    "layer_y",
    "place_extra_node",
    "route_extra_edge",
]
