"""The expert review page (one self-contained HTML file) and the notebook display of graphs.

Every name and every piece of model text is escaped here; the page's own script builds its DOM
with ``textContent`` only, and a Content-Security-Policy lets no other script run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ..core._errors import InputError
from ..core._text import counted
from ..graph._causal_graph import CausalGraph, Edge
from ..graph._layout import Layout, layered_layout, render_svg
from ..graph._routing import Geometry, geometry
from ._page_findings import critique_section, findings_data, variables_section

_PAGE = "_page.html"
FORMAT_VERSION = 2
"""Version of the ``review-decisions.json`` format the page writes (2 adds decision origins
and added latent variables; `apply_review` still reads version 1)."""


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _json_for_script(data: Mapping[str, Any]) -> str:
    """JSON that cannot end the ``<script>`` element it sits in (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _asset(name: str) -> str:
    return resources.files("pywhy_llm_assist.review").joinpath(name).read_text(encoding="utf-8")


def _origins(edge: Edge) -> list[str]:
    return list(dict.fromkeys(item.origin for item in edge.provenance)) or ["user"]


def _page_data(graph: CausalGraph, title: str) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "title": title,
        "fingerprint": graph.fingerprint(),
        "variables": [
            {"name": item.name, "description": item.description, "latent": item.latent}
            for item in graph.variables
        ],
        "edges": [
            {
                "source": edge.source,
                "target": edge.target,
                "confidence": edge.confidence,
                "votes": edge.votes,
                "asked": edge.asked,
                "rationale": edge.rationale,
                "origins": _origins(edge),
            }
            for edge in graph.edges
        ],
        "undirected": [
            {
                "first": edge.first,
                "second": edge.second,
                "kind": edge.kind,
                "confidence": edge.confidence,
                "rationale": edge.rationale,
                "origins": list(dict.fromkeys(item.origin for item in edge.provenance)) or ["user"],
            }
            for edge in graph.undirected
        ],
        "allows_cycles": graph.allows_cycles,
        "cycles": [list(cycle) for cycle in graph.cycles],
    }


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table; cells are given already escaped."""
    head = "".join(f"<th scope='col'>{_escape(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return (
        f"<table><caption class='visually-hidden'>{_escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _dropped_section(graph: CausalGraph) -> str:
    if not graph.dropped:
        return "<p class='muted'>No proposed edge was dropped.</p>"
    rows = [
        [
            _escape(item.edge.source),
            _escape(item.edge.target),
            f"<span class='tag'>{_escape(item.reason)}</span>"
            + (" <span class='tag'>reversed</span>" if item.reversed else ""),
            _escape(item.detail or item.edge.rationale),
        ]
        for item in graph.dropped
    ]
    return _table("Dropped edges", ["Cause", "Effect", "Reason", "Detail"], rows)


_SEVERITY_LEVELS = {"critical": "high", "high": "high", "error": "high", "medium": "medium"}
_SEVERITY_LEVELS |= {"warning": "medium", "moderate": "medium"}
_SEVERITY_STYLES = {
    "high": "background:#fee2e2;color:#991b1b",
    "medium": "background:#fef3c7;color:#92400e",
    "low": "background:#e0f2fe;color:#075985",
}


def _findings_rows(critique: Any, *, inline: bool = False) -> list[list[str]]:
    """Rows for a critique's findings (duck-typed: ``.findings`` with ``kind``, ``message``...)."""
    rows = []
    for finding in getattr(critique, "findings", ()) or ():
        severity = str(getattr(finding, "severity", "") or "")
        level = _SEVERITY_LEVELS.get(severity.lower(), "low")
        badge = (
            f"style='{_SEVERITY_STYLES[level]};padding:0 6px;border-radius:4px'"
            if inline
            else f"class='severity severity-{level}'"
        )
        muted = "style='color:#475569'" if inline else "class='muted'"
        names = ", ".join(str(name) for name in getattr(finding, "variables", ()) or ())
        # A data finding's test: its statistic, p-value, adjusted p-value and effect size.
        test = getattr(finding, "implication_test", None)
        evidence = f"<div {muted}>{_escape(test.describe())}</div>" if test is not None else ""
        rows.append(
            [
                f"<span {badge}>{_escape(severity or 'note')}</span>",
                _escape(getattr(finding, "kind", "")),
                _escape(getattr(finding, "source", "")),
                f"<strong>{_escape(getattr(finding, 'message', ''))}</strong>"
                f"<div {muted}>{_escape(getattr(finding, 'rationale', '') or '')}</div>{evidence}",
                _escape(names),
            ]
        )
    return rows


def to_review_html(
    graph: CausalGraph,
    path: str | Path | None = None,
    *,
    critique: Any = None,
    title: str | None = None,
    sensitivity: Any = None,
) -> str:
    """Return (and write, when `path` is given) the expert review page for `graph`.

    The page is one HTML file with its styles and script inline and no network access at all,
    so it opens from ``file://`` anywhere. It shows the graph (fitted to the screen, with zoom
    and pan; clicking a variable highlights and lists its edges), a table of edges with their
    rationale, confidence and votes (each with Accept / Reject / Reverse buttons and a comment
    box), the dropped edges, a form to add an edge, and an "Export decisions" button that
    downloads ``review-decisions.json`` for `apply_review` (or, from several reviewers, for
    `merge_reviews`). With a `critique`, each finding sits on the row of the edge or variable it
    concerns with a one-click "Apply" of its suggestion, and the critique section lists the
    findings and every adjustment set. With a `sensitivity` report (`SensitivityReport`), a
    section shows its contour plot and bounds.

    Example:
        >>> graph = CausalGraph.from_edges(["rain", "wet"], [("rain", "wet")])
        >>> page = to_review_html(graph)
        >>> page.startswith("<!DOCTYPE html>")
        True
    """
    return render_review_page(graph, path, critique=critique, title=title, sensitivity=sensitivity)


#: The page's script, in order; one strict-mode function wraps them, so they share one scope.
_SCRIPTS = ("_page_view.js", "_page_findings.js", "_page_open.js", "_page.js")


def page_script() -> str:
    """The page's whole script (its hash goes into the Content-Security-Policy)."""
    body = "\n".join(_asset(name) for name in _SCRIPTS)
    return f'(function () {{\n"use strict";\n{body}\n}}());\n'


def render_review_page(
    graph: CausalGraph,
    path: str | Path | None = None,
    *,
    critique: Any = None,
    title: str | None = None,
    second_round: Mapping[str, Any] | None = None,
    sensitivity: Any = None,
) -> str:
    """Write the review page; `second_round` (from `to_second_round_html`) limits it to the
    disputed edges and shows the first round's votes."""
    title = title or "Causal graph review"
    script = page_script()
    script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    layout = layered_layout(graph)
    shape = geometry(layout)
    data = _page_data(graph, title)
    critique_section_html = ""
    if critique is not None:
        findings = findings_data(critique, graph, shape)
        data["findings"] = findings
        critique_section_html = critique_section(findings)
    if sensitivity is not None:
        from ._page_sensitivity import sensitivity_section

        critique_section_html += sensitivity_section(sensitivity)
    data["geometry"] = shape.to_data()
    data["bounds"] = _bounds(layout, shape)
    if second_round is not None:
        data["round"] = dict(second_round)
    replacements = {
        "@@TITLE@@": _escape(title),
        "@@SCRIPT_HASH@@": script_hash,
        "@@STYLE@@": _asset("_page.css"),
        "@@SUMMARY@@": _escape(_summary(graph)),
        "@@SVG@@": render_svg(graph, standalone=False),
        "@@DROPPED@@": _dropped_section(graph),
        "@@CRITIQUE@@": critique_section_html,
        "@@VARIABLES@@": variables_section(graph),
        "@@DATA@@": _json_for_script(data),
        "@@SCRIPT@@": script,
    }
    # One pass: text put in for one marker is never searched for another.
    page = re.sub(r"@@[A-Z_]+@@", lambda found: replacements[found.group(0)], _asset(_PAGE))
    if path is not None:
        try:
            Path(path).write_text(page, encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot write the review page to {str(path)!r}: {error}") from None
    return page


def _summary(graph: CausalGraph) -> str:
    parts = [f"{len(graph.variables)} variables", f"{len(graph.edges)} edges"]
    if graph.undirected:
        parts.append(f"{len(graph.undirected)} unoriented")
    cycles = graph.cycles
    if cycles:
        parts.append(f"{len(cycles)} feedback loop{'s' if len(cycles) != 1 else ''}")
    parts += [f"{len(graph.dropped)} dropped", f"fingerprint {graph.fingerprint()}"]
    return " · ".join(parts)


def _bounds(layout: Layout, shape: Geometry) -> dict[str, float]:
    """The drawing's extent, including boxes placed for suggested latent variables."""
    boxes = list(shape.boxes.values())
    top = min([0.0, *(box.y - box.height / 2 - 24.0 for box in boxes)])
    left = min([0.0, *(box.x - box.width / 2 - 24.0 for box in boxes)])
    right = max([layout.width, *(box.x + box.width / 2 + 24.0 for box in boxes)])
    bottom = max([layout.height, *(box.y + box.height / 2 + 24.0 for box in boxes)])
    return {
        "x": round(left, 1),
        "y": round(top, 1),
        "width": round(right - left, 1),
        "height": round(bottom - top, 1),
    }


# --------------------------------------------------------------------------- Jupyter display

_INLINE_TABLE = "border-collapse:collapse;font-size:12px;margin-top:6px"
_INLINE_CELL = "border-bottom:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top"


def _inline_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th style='{_INLINE_CELL}'>{_escape(header)}</th>" for header in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='{_INLINE_CELL}'>{cell}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return (
        f"<table style='{_INLINE_TABLE}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def graph_repr_html(graph: CausalGraph) -> str:
    """Return the HTML a notebook shows for a `CausalGraph`: the picture and its edge table.

    Example:
        >>> graph = CausalGraph.from_edges(["rain", "wet"], [("rain", "wet")])
        >>> "<svg" in graph_repr_html(graph)
        True
    """
    rows = [
        [
            _escape(edge.source),
            _escape(edge.target),
            f"{edge.confidence:.2f}",
            f"{edge.votes}/{edge.asked}",
            _escape(", ".join(_origins(edge))),
            _escape(edge.rationale),
        ]
        for edge in graph.edges
    ]
    rows += [
        [
            _escape(edge.first),
            _escape(f"{edge.symbol} {edge.second}"),
            f"{edge.confidence:.2f}",
            "open",
            _escape(", ".join(dict.fromkeys(item.origin for item in edge.provenance))),
            _escape(edge.rationale),
        ]
        for edge in graph.undirected
    ]
    table = _inline_table(["Cause", "Effect", "Confidence", "Votes", "Origin", "Rationale"], rows)
    dropped = ""
    if graph.dropped:
        dropped_rows = [
            [
                _escape(item.edge.source),
                _escape(item.edge.target),
                _escape(item.reason + (" (reversed)" if item.reversed else "")),
                _escape(item.detail),
            ]
            for item in graph.dropped
        ]
        dropped = (
            f"<details><summary>{len(graph.dropped)} dropped edges</summary>"
            f"{_inline_table(['Cause', 'Effect', 'Reason', 'Detail'], dropped_rows)}</details>"
        )
    summary = _escape(
        f"CausalGraph: {len(graph.variables)} variables, {len(graph.edges)} edges"
        + (f", {len(graph.undirected)} unoriented" if graph.undirected else "")
        + (f", {counted(len(graph.cycles), 'feedback loop')}" if graph.cycles else "")
        + (f", {len(graph.latent)} latent" if graph.latent else "")
    )
    return (
        "<div class='pywhy-llm-assist-graph' style='font-family:system-ui,sans-serif'>"
        f"<div style='font-weight:600;margin-bottom:4px'>{summary}</div>"
        f"<div style='overflow:auto;max-height:720px'>{render_svg(graph, standalone=False)}</div>"
        f"<details><summary>{len(rows)} edges</summary>{table}</details>{dropped}</div>"
    )


def _names(members: Any) -> str:
    return "{" + ", ".join(sorted(str(name) for name in members)) + "}"


def _critique_question(critique: Any) -> str:
    """The critiqued effect and the adjustment set that was checked, escaped."""
    treatment, outcome = getattr(critique, "treatment", None), getattr(critique, "outcome", None)
    graph = getattr(critique, "graph", None)
    size = (
        f" · {len(graph.variables)} variables, {len(graph.edges)} edges"
        if isinstance(graph, CausalGraph)
        else ""
    )
    if treatment is None or outcome is None:
        return _escape(f"Structure only (no treatment and outcome given){size}")
    adjustment = getattr(critique, "adjustment_set", None)
    checked = (
        f"adjustment set checked: {_names(adjustment)}"
        if adjustment is not None
        else "no adjustment set given"
    )
    return _escape(f"Effect of {treatment} on {outcome} · {checked}{size}")


def _adjustment_lines(critique: Any) -> list[str]:
    lines = []
    minimal = getattr(critique, "minimal_adjustment_set", None)
    if minimal is not None:
        lines.append(f"<b>Minimal adjustment set:</b> {_escape(_names(minimal))}")
    valid = getattr(critique, "valid_adjustment_sets", ()) or ()
    if valid:
        shown = "; ".join(_names(found) for found in valid)
        lines.append(f"<b>Valid minimal adjustment sets:</b> {_escape(shown)}")
    usage = getattr(critique, "usage", None)
    if usage is not None and callable(getattr(usage, "summary", None)):
        lines.append(f"<span style='color:#475569'>usage: {_escape(usage.summary())}</span>")
    return lines


def critique_repr_html(critique: Any) -> str:
    """Return the HTML a notebook shows for a `Critique`.

    The question (treatment, outcome and the adjustment set checked), one row per finding with
    its suggested edit, then the minimal and the valid minimal adjustment sets: what
    ``print(critique)`` shows, as a table.

    Example:
        >>> class Empty:
        ...     findings = ()
        >>> "no findings" in critique_repr_html(Empty())
        True
    """
    rows = _findings_rows(critique, inline=True)
    findings = tuple(getattr(critique, "findings", ()) or ())
    for row, finding in zip(rows, findings, strict=True):
        edit = getattr(finding, "edit", None)
        describe = getattr(edit, "describe", None)
        row.append(_escape(describe()) if callable(describe) else "")
    count = len(rows)
    heading = _escape(f"Critique: {count} finding{'s' if count != 1 else ''}")
    parts = [
        f"<div style='font-weight:600'>{heading}</div>",
        f"<div style='color:#334155'>{_critique_question(critique)}</div>",
    ]
    if rows:
        headers = ["Severity", "Kind", "From", "Finding", "Variables", "Suggested edit"]
        parts.append(_inline_table(headers, rows))
    else:
        parts.append("<div style='color:#475569'>no findings</div>")
    parts += [f"<div style='margin-top:4px'>{line}</div>" for line in _adjustment_lines(critique)]
    return (
        "<div class='pywhy-llm-assist-critique' style='font-family:system-ui,sans-serif'>"
        + "".join(parts)
        + "</div>"
    )
