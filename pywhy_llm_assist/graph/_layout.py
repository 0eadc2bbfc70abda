"""Layered drawing of a causal graph: a deterministic layout and a standalone SVG picture.

The layout follows the classic layered recipe: rank the variables by topological generation,
split long edges with invisible waypoints, order each layer by barycenter sweeps to reduce
crossings, then place the boxes as close to their neighbours as the spacing allows.

A cyclic summary graph is ranked by an acyclic subset of its edges (each edge that would close
a loop is left out of the ranking and drawn upwards); the two edges of a two-way link get
ports of their own, so they are drawn side by side. An undirected or bidirected edge is ranked
in whichever direction keeps the ranking acyclic, and drawn without arrowheads (undirected) or
with one at each end (bidirected).
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from ._causal_graph import CausalGraph, UndirectedEdge

NODE_HEIGHT = 30.0
LAYER_GAP = 62.0
NODE_GAP = 26.0
WAYPOINT_WIDTH = 10.0
MARGIN = 24.0
MAX_ROW_WIDTH = 1400.0
MAX_LABEL_CHARACTERS = 28
CHARACTER_WIDTH = 7.0
NODE_PADDING = 22.0
MINIMUM_NODE_WIDTH = 56.0
ORDERING_SWEEPS = 6
PLACEMENT_ROUNDS = 8
FONT_STACK = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


@dataclass(frozen=True)
class NodeBox:
    """Where one variable is drawn: its box centre, size and layer."""

    name: str
    x: float
    y: float
    width: float
    height: float
    layer: int


@dataclass(frozen=True)
class EdgeRoute:
    """How one edge is drawn: from the bottom of its cause, through waypoints, to its effect."""

    source: str
    target: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Layout:
    """A computed drawing: boxes by variable name, edge routes in graph order, canvas size.

    `undirected` holds the routes of the graph's unoriented edges, in their order (``source``
    is the edge's ``first``).

    Example:
        >>> from pywhy_llm_assist.graph._causal_graph import CausalGraph
        >>> graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
        >>> layout = layered_layout(graph)
        >>> layout.nodes["a"].layer, layout.nodes["b"].layer
        (0, 1)
    """

    nodes: dict[str, NodeBox]
    edges: tuple[EdgeRoute, ...]
    width: float
    height: float
    undirected: tuple[EdgeRoute, ...] = ()


def label_for(name: str) -> str:
    """Return `name` shortened to fit a box (with an ellipsis when cut).

    Example:
        >>> label_for("short")
        'short'
    """
    if len(name) <= MAX_LABEL_CHARACTERS:
        return name
    return name[: MAX_LABEL_CHARACTERS - 1].rstrip() + "…"


def _box_width(name: str) -> float:
    return max(MINIMUM_NODE_WIDTH, len(label_for(name)) * CHARACTER_WIDTH + NODE_PADDING)


def layered_layout(graph: CausalGraph) -> Layout:
    """Lay out `graph` top to bottom, causes above effects; always the same picture for a graph.

    Example:
        >>> from pywhy_llm_assist.graph._causal_graph import CausalGraph
        >>> graph = CausalGraph.from_edges(["x", "y", "z"], [("x", "y"), ("y", "z")])
        >>> [layered_layout(graph).nodes[name].layer for name in ("x", "y", "z")]
        [0, 1, 2]
    """
    names = list(graph.names)
    index = {name: position for position, name in enumerate(names)}
    directed = [(index[edge.source], index[edge.target]) for edge in graph.edges]
    acyclic_pairs = _acyclic_subset(len(names), directed)
    unoriented = [(index[edge.first], index[edge.second]) for edge in graph.undirected]
    acyclic_pairs += _ranked_unoriented(len(names), acyclic_pairs, unoriented)
    pairs = directed + unoriented  # drawn from first to second; the layers decide up or down
    layer_of = _assign_layers(len(names), acyclic_pairs)
    widths = [_box_width(name) for name in names]
    layer_of = _wrap_wide_layers(layer_of, widths)

    # Split edges spanning several layers into chains through waypoints.
    layer_count = max(layer_of) + 1
    node_layer = list(layer_of)
    node_width = list(widths)
    chains: list[list[int]] = []
    for source, target in pairs:
        upper, lower = (
            (source, target) if node_layer[source] < node_layer[target] else (target, source)
        )
        chain = [upper]
        for layer in range(node_layer[upper] + 1, node_layer[lower]):
            node_layer.append(layer)
            node_width.append(WAYPOINT_WIDTH)
            chain.append(len(node_layer) - 1)
        chain.append(lower)
        chains.append(chain)
    links = [(chain[step], chain[step + 1]) for chain in chains for step in range(len(chain) - 1)]

    layers: list[list[int]] = [[] for _ in range(layer_count)]
    for node, layer in enumerate(node_layer):
        layers[layer].append(node)
    up: list[list[int]] = [[] for _ in node_layer]
    down: list[list[int]] = [[] for _ in node_layer]
    for upper, lower in links:
        down[upper].append(lower)
        up[lower].append(upper)

    layers = _order_layers(layers, up, down)
    x_of = _place(layers, up, down, node_width)

    left = min(x_of[node] - node_width[node] / 2 for node in range(len(node_layer)))
    shift = MARGIN - left
    x_of = [value + shift for value in x_of]
    y_of = [MARGIN + layer * (NODE_HEIGHT + LAYER_GAP) + NODE_HEIGHT / 2 for layer in node_layer]
    width = max(x_of[node] + node_width[node] / 2 for node in range(len(node_layer))) + MARGIN
    height = MARGIN * 2 + layer_count * NODE_HEIGHT + (layer_count - 1) * LAYER_GAP

    boxes = {
        name: NodeBox(name, x_of[node], y_of[node], widths[node], NODE_HEIGHT, node_layer[node])
        for node, name in enumerate(names)
    }
    ends = [edge.pair for edge in graph.edges] + [edge.pair for edge in graph.undirected]
    routes = _routes(ends, pairs, chains, x_of, y_of, node_width)
    count = len(graph.edges)
    return Layout(
        nodes=boxes,
        edges=routes[:count],
        width=round(width, 1),
        height=round(height, 1),
        undirected=routes[count:],
    )


def _acyclic_subset(count: int, pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    helper: nx.DiGraph[int] = nx.DiGraph()
    helper.add_nodes_from(range(count))
    helper.add_edges_from(pairs)
    if nx.is_directed_acyclic_graph(helper):
        return list(pairs)
    kept: nx.DiGraph[int] = nx.DiGraph()
    kept.add_nodes_from(range(count))
    for source, target in pairs:
        if not nx.has_path(kept, target, source):
            kept.add_edge(source, target)
    return list(kept.edges)


def _ranked_unoriented(
    count: int, ranked: Sequence[tuple[int, int]], unoriented: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Each unoriented edge in the direction that keeps the ranking acyclic (first -> second
    when both do)."""
    kept: nx.DiGraph[int] = nx.DiGraph()
    kept.add_nodes_from(range(count))
    kept.add_edges_from(ranked)
    result = []
    for first, second in unoriented:
        pair = (second, first) if nx.has_path(kept, second, first) else (first, second)
        kept.add_edge(*pair)
        result.append(pair)
    return result


def _assign_layers(count: int, pairs: Sequence[tuple[int, int]]) -> list[int]:
    helper: nx.DiGraph[int] = nx.DiGraph()
    helper.add_nodes_from(range(count))
    helper.add_edges_from(pairs)
    layer_of = [0] * count
    for layer, generation in enumerate(nx.topological_generations(helper)):
        for node in generation:
            layer_of[node] = layer
    # Pull each root down to just above its highest child: shorter edges, a lighter top row.
    for node in range(count):
        children = list(helper.successors(node))
        if helper.in_degree(node) == 0 and children:
            layer_of[node] = min(layer_of[child] for child in children) - 1
    return layer_of


def _wrap_wide_layers(layer_of: list[int], widths: Sequence[float]) -> list[int]:
    """Split layers wider than `MAX_ROW_WIDTH` into consecutive rows (they share no edge)."""
    result = list(layer_of)
    offset = 0
    for layer in range(max(layer_of) + 1):
        members = [node for node, value in enumerate(layer_of) if value == layer]
        row, used = 0, 0.0
        for node in members:
            needed = widths[node] + NODE_GAP
            if used and used + needed > MAX_ROW_WIDTH:
                row, used = row + 1, 0.0
            used += needed
            result[node] = layer + offset + row
        offset += row
    return result


def _crossings(upper: Sequence[int], lower: Sequence[int], down: Sequence[list[int]]) -> int:
    position = {node: place for place, node in enumerate(lower)}
    segments = sorted(
        (place, position[child])
        for place, node in enumerate(upper)
        for child in down[node]
        if child in position
    )
    count = 0
    for first in range(len(segments)):
        for second in range(first + 1, len(segments)):
            if (
                segments[first][0] < segments[second][0]
                and segments[first][1] > segments[second][1]
            ):
                count += 1
    return count


def _total_crossings(layers: Sequence[Sequence[int]], down: Sequence[list[int]]) -> int:
    return sum(_crossings(layers[at], layers[at + 1], down) for at in range(len(layers) - 1))


def _sort_by_barycenter(
    layer: Sequence[int], neighbours: Sequence[list[int]], reference: Sequence[int]
) -> list[int]:
    position = {node: place for place, node in enumerate(reference)}
    scale = len(reference) / max(len(layer), 1)

    def key(item: tuple[int, int]) -> tuple[float, int]:
        place, node = item
        linked = [position[other] for other in neighbours[node] if other in position]
        if not linked:
            return (place * scale, place)
        return (sum(linked) / len(linked), place)

    return [node for _, node in sorted(enumerate(layer), key=key)]


def _order_layers(
    layers: list[list[int]], up: Sequence[list[int]], down: Sequence[list[int]]
) -> list[list[int]]:
    current = [list(layer) for layer in layers]
    for at in range(1, len(current)):
        current[at] = _sort_by_barycenter(current[at], up, current[at - 1])
    best = [list(layer) for layer in current]
    best_count = _total_crossings(best, down)
    for _ in range(ORDERING_SWEEPS):
        if best_count == 0:
            break
        for at in range(len(current) - 2, -1, -1):
            current[at] = _sort_by_barycenter(current[at], down, current[at + 1])
        for at in range(1, len(current)):
            current[at] = _sort_by_barycenter(current[at], up, current[at - 1])
        count = _total_crossings(current, down)
        if count < best_count:
            best, best_count = [list(layer) for layer in current], count
    return best


def _isotonic(targets: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Pool-adjacent-violators: the non-decreasing sequence closest to `targets`."""
    blocks: list[list[float]] = []  # [mean, weight, size]
    for target, weight in zip(targets, weights, strict=True):
        blocks.append([target, weight, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean2, weight2, size2 = blocks.pop()
            mean1, weight1, size1 = blocks.pop()
            total = weight1 + weight2
            blocks.append([(mean1 * weight1 + mean2 * weight2) / total, total, size1 + size2])
    result: list[float] = []
    for mean, _, size in blocks:
        result.extend([mean] * int(size))
    return result


def _place(
    layers: Sequence[Sequence[int]],
    up: Sequence[list[int]],
    down: Sequence[list[int]],
    node_width: Sequence[float],
) -> list[float]:
    x_of = [0.0] * len(node_width)
    separations: list[list[float]] = []
    for layer in layers:
        gaps = [
            (node_width[left] + node_width[right]) / 2
            + (NODE_GAP if min(node_width[left], node_width[right]) > WAYPOINT_WIDTH else 8.0)
            for left, right in itertools.pairwise(layer)
        ]
        separations.append(gaps)
        cursor = 0.0
        for place, node in enumerate(layer):
            cursor += gaps[place - 1] if place else 0.0
            x_of[node] = cursor
        middle = (x_of[layer[0]] + x_of[layer[-1]]) / 2 if layer else 0.0
        for node in layer:
            x_of[node] -= middle
    order = list(range(len(layers)))
    for round_number in range(PLACEMENT_ROUNDS):
        sequence = order if round_number % 2 == 0 else order[::-1]
        for at in sequence:
            layer = layers[at]
            if not layer:
                continue
            desired = []
            for node in layer:
                linked = [x_of[other] for other in (*up[node], *down[node])]
                desired.append(sum(linked) / len(linked) if linked else x_of[node])
            cumulative = [0.0]
            for gap in separations[at]:
                cumulative.append(cumulative[-1] + gap)
            weights = [1.0 + len(up[node]) + len(down[node]) for node in layer]
            fitted = _isotonic(
                [want - offset for want, offset in zip(desired, cumulative, strict=False)], weights
            )
            for node, value, offset in zip(layer, fitted, cumulative, strict=True):
                x_of[node] = value + offset
    return x_of


def _routes(
    ends: Sequence[tuple[str, str]],
    pairs: Sequence[tuple[int, int]],
    chains: Sequence[list[int]],
    x_of: Sequence[float],
    y_of: Sequence[float],
    node_width: Sequence[float],
) -> tuple[EdgeRoute, ...]:
    # Spread the ends of edges along the bottom and top of each box, ordered by direction.
    leaving: dict[int, list[tuple[float, int]]] = {}
    arriving: dict[int, list[tuple[float, int]]] = {}
    for number, chain in enumerate(chains):
        leaving.setdefault(chain[0], []).append((x_of[chain[1]], number))
        arriving.setdefault(chain[-1], []).append((x_of[chain[-2]], number))
    start_x: dict[int, float] = {}
    end_x: dict[int, float] = {}
    for ports, result in ((leaving, start_x), (arriving, end_x)):
        for node, items in ports.items():
            items.sort()
            span = node_width[node] * 0.6
            for place, (_, number) in enumerate(items):
                fraction = (place + 1) / (len(items) + 1) - 0.5
                result[number] = x_of[node] + fraction * span if len(items) > 1 else x_of[node]
    half = NODE_HEIGHT / 2
    routes = []
    for number, ((source, target), chain) in enumerate(zip(ends, chains, strict=True)):
        points = [(start_x[number], y_of[chain[0]] + half)]
        points += [(x_of[node], y_of[node]) for node in chain[1:-1]]
        points.append((end_x[number], y_of[chain[-1]] - half))
        if pairs[number][0] != chain[0]:  # drawn upwards: an edge kept out of the layering
            points.reverse()
        rounded = tuple((round(x, 1), round(y, 1)) for x, y in points)
        routes.append(EdgeRoute(source, target, rounded))
    return tuple(routes)


def _path_data(points: Sequence[tuple[float, float]], shorten_end: float) -> str:
    (x_end, y_end), (_, y_before) = points[-1], points[-2]
    direction = 1.0 if y_end >= y_before else -1.0
    trimmed = [*points[:-1], (x_end, y_end - direction * shorten_end)]
    parts = [f"M{trimmed[0][0]:.1f},{trimmed[0][1]:.1f}"]
    for (x0, y0), (x1, y1) in itertools.pairwise(trimmed):
        middle = (y0 + y1) / 2
        parts.append(f"C{x0:.1f},{middle:.1f} {x1:.1f},{middle:.1f} {x1:.1f},{y1:.1f}")
    return " ".join(parts)


def _arrowhead(
    tip: tuple[float, float], before: tuple[float, float], css_class: str, *, hidden: bool = False
) -> str:
    x, y = tip
    direction = 1.0 if y >= before[1] else -1.0
    back = y - direction * 9.0
    display = ' display="none"' if hidden else ""
    return (
        f'<polygon class="{css_class}"{display} points="{x - 4.5:.1f},{back:.1f} '
        f"{x + 4.5:.1f},{back:.1f} "
        f'{x:.1f},{y:.1f}"/>'
    )


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


def _color(value: str | None, default: str) -> str:
    """`value` if it is a ``#rgb`` or ``#rrggbb`` colour (nothing else reaches the SVG)."""
    return value if value is not None and _COLOR.fullmatch(value) else default


def _normalize_highlight(
    highlight: Iterable[str | tuple[str, str]] | None,
) -> tuple[set[str], set[tuple[str, str]]]:
    names: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for item in highlight or ():
        if isinstance(item, str):
            names.add(item)
        else:
            pairs.add((str(item[0]), str(item[1])))
    return names, pairs


def render_svg(
    graph: CausalGraph,
    *,
    highlight: Iterable[str | tuple[str, str]] | None = None,
    standalone: bool = True,
    edge_colors: Mapping[tuple[str, str], str] | None = None,
    node_colors: Mapping[str, str] | None = None,
) -> str:
    """Return an SVG picture of `graph`: boxes for variables, arrows for edges.

    Latent variables have dashed boxes; an edge's width and opacity grow with its confidence.
    Every name and rationale is escaped, so the SVG is safe to embed in a web page.

    Args:
        graph: the graph to draw.
        highlight: variable names and ``(cause, effect)`` pairs to draw in the accent colour.
        standalone: include the ``xmlns`` declaration (needed in a ``.svg`` file, not inline
            in HTML).
        edge_colors: a colour per ``(cause, effect)`` pair (e.g. by the source of the edge,
            as the analysis report draws it); the accent colour of `highlight` wins.
        node_colors: a border colour per variable name (e.g. treatment, outcome, adjusted).

    Example:
        >>> from pywhy_llm_assist.graph._causal_graph import CausalGraph
        >>> graph = CausalGraph.from_edges(["rain", "wet"], [("rain", "wet")])
        >>> render_svg(graph).startswith("<svg")
        True
    """
    layout = layered_layout(graph)
    highlighted_names, highlighted_pairs = _normalize_highlight(highlight)
    prefix = "pla-" + graph.fingerprint()
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    out = [
        f'<svg{namespace} class="pla-graph" id="{prefix}" width="{layout.width:.0f}" '
        f'height="{layout.height:.0f}" viewBox="0 0 {layout.width:.1f} {layout.height:.1f}" '
        f'role="img" aria-label="{_escape(_summary(graph))}" '
        f'font-family="{_escape(FONT_STACK)}" font-size="12">',
        f"<title>{_escape(_summary(graph))}</title>",
        '<rect class="pla-background" x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
        '<g class="pla-edges">',
    ]
    for number, (edge, route) in enumerate(zip(graph.edges, layout.edges, strict=True)):
        accent = edge.pair in highlighted_pairs
        color = "#c2410c" if accent else _color((edge_colors or {}).get(edge.pair), "#334155")
        stroke_width = 1.0 + 2.2 * edge.confidence
        opacity = 0.35 + 0.65 * edge.confidence
        tip, before = route.points[-1], route.points[-2]
        start, after = route.points[0], route.points[1]
        description = (
            f"{edge.source} → {edge.target} · confidence {edge.confidence:.2f} · "
            f"{edge.votes}/{edge.asked} votes"
        )
        if edge.rationale:
            description += f"\n{edge.rationale}"
        out += [
            f'<g class="pla-edge{" pla-accent" if accent else ""}" data-edge="{number}" '
            f'fill="{color}" stroke="{color}" opacity="{opacity:.2f}">',
            f"<title>{_escape(description)}</title>",
            f'<path class="pla-line" d="{_path_data(route.points, 8.0)}" fill="none" '
            f'stroke-width="{stroke_width:.2f}"/>',
            f'<path class="pla-hit" d="{_path_data(route.points, 0.0)}" fill="none" '
            'stroke="transparent" stroke-width="10"/>',
            _arrowhead(tip, before, "pla-arrow"),
            _arrowhead(start, after, "pla-arrow-reversed", hidden=True),
            "</g>",
        ]
    for number, (open_edge, route) in enumerate(
        zip(graph.undirected, layout.undirected, strict=True)
    ):
        out += _unoriented_group(number, open_edge, route, highlighted_pairs)
    out.append('</g><g class="pla-nodes">')
    for number, variable in enumerate(graph.variables):
        box = layout.nodes[variable.name]
        accent = variable.name in highlighted_names
        fill = "#fff7ed" if accent else ("#f8fafc" if variable.latent else "#eef2ff")
        stroke = (
            "#c2410c"
            if accent
            else _color(
                (node_colors or {}).get(variable.name),
                "#64748b" if variable.latent else "#4f46e5",
            )
        )
        dash = ' stroke-dasharray="5 3"' if variable.latent else ""
        text_color = "#475569" if variable.latent else "#1e1b4b"
        italic = ' font-style="italic"' if variable.latent else ""
        tooltip = variable.name + (" (latent)" if variable.latent else "")
        if variable.description:
            tooltip += f"\n{variable.description}"
        left, top = box.x - box.width / 2, box.y - box.height / 2
        out += [
            f'<g class="pla-node{" pla-latent" if variable.latent else ""}'
            f'{" pla-accent" if accent else ""}" data-node="{number}" '
            f'data-x="{box.x:.1f}" data-y="{box.y:.1f}" data-width="{box.width:.1f}" '
            f'data-height="{box.height:.1f}" data-layer="{box.layer}">',
            f"<title>{_escape(tooltip)}</title>",
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{box.width:.1f}" '
            f'height="{box.height:.1f}" rx="7" ry="7" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="1.4"{dash}/>',
            f'<text x="{box.x:.1f}" y="{box.y + 4:.1f}" text-anchor="middle" '
            f'fill="{text_color}"{italic}>{_escape(label_for(variable.name))}</text>',
            "</g>",
        ]
    out += ["</g>", "</svg>"]
    return "\n".join(out)


def _unoriented_group(
    number: int, edge: UndirectedEdge, route: EdgeRoute, highlighted: set[tuple[str, str]]
) -> list[str]:
    """An undirected edge: a dashed line with hidden arrowheads at both ends (the review page
    shows one when the reviewer orients it); a bidirected edge shows both."""
    accent = edge.pair in highlighted or (edge.second, edge.first) in highlighted
    color = "#c2410c" if accent else "#0f766e"
    bidirected = edge.kind == "bidirected"
    description = f"{edge.first} {edge.symbol} {edge.second} · {edge.kind}: direction open"
    if edge.rationale:
        description += f"\n{edge.rationale}"
    tip, before = route.points[-1], route.points[-2]
    start, after = route.points[0], route.points[1]
    shorten = 8.0 if bidirected else 0.0
    line = _path_data(route.points, shorten)
    if bidirected:  # trim the start too, under the second arrowhead
        line = _path_data(tuple(reversed(_trimmed_points(route.points, shorten))), shorten)
    kind_class = " pla-bidirected" if bidirected else ""
    return [
        f'<g class="pla-open pla-undirected{kind_class}{" pla-accent" if accent else ""}" '
        f'data-undirected="{number}" fill="{color}" stroke="{color}" opacity="0.9">',
        f"<title>{_escape(description)}</title>",
        f'<path class="pla-line" d="{line}" fill="none" stroke-width="2.0" '
        'stroke-dasharray="6 4"/>',
        f'<path class="pla-hit" d="{_path_data(route.points, 0.0)}" fill="none" '
        'stroke="transparent" stroke-width="10"/>',
        _arrowhead(tip, before, "pla-arrow", hidden=not bidirected),
        _arrowhead(start, after, "pla-arrow-reversed", hidden=not bidirected),
        "</g>",
    ]


def _trimmed_points(
    points: Sequence[tuple[float, float]], shorten_end: float
) -> list[tuple[float, float]]:
    """`points` with the last one moved back by `shorten_end` along the vertical."""
    (x_end, y_end), (_, y_before) = points[-1], points[-2]
    direction = 1.0 if y_end >= y_before else -1.0
    return [*points[:-1], (x_end, y_end - direction * shorten_end)]


def _summary(graph: CausalGraph) -> str:
    text = f"Causal graph: {len(graph.variables)} variables, {len(graph.edges)} edges"
    if graph.undirected:
        text += f", {len(graph.undirected)} unoriented"
    cycles = graph.cycles
    if cycles:
        text += f", {len(cycles)} feedback loop{'s' if len(cycles) != 1 else ''}"
    return text
