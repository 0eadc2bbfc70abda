"""Findings on the review page: where each one belongs, and the one-click suggestion it offers.

Every finding (model critique, exact check, data test) is linked to the row of what it concerns:
the edge its edit names, else the edge between its first two variables (either direction), else
a row for that pair of variables when the graph has no edge between them, else the variables it
names (adjustment sets and other findings about a set). The suggestion is what the page does
when the reviewer clicks "Apply": a decision on an edge, an added edge, or an added latent
confounder with its edges, recorded with the finding as its origin. Findings are duck-typed
(``kind``, ``source``, ``severity``, ``message``, ``rationale``, ``variables``, ``edit``), so any
critique-like object works. Everything here is data for the page's script, which renders it
with ``textContent`` only, or text escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from ..graph._causal_graph import CausalGraph
from ..graph._routing import Geometry, extra_node_data, place_extra_node

#: Finding kinds about a set of variables (an adjustment set, mediators, instruments): shown on
#: the rows of those variables, never on the pair of the first two.
SET_KINDS = frozenset(
    {
        "minimal_adjustment_set",
        "valid_adjustment",
        "invalid_adjustment",
        "descendant_in_adjustment",
        "mediator_in_adjustment",
        "collider_in_adjustment",
        "latent_in_adjustment",
        "latent_blocks_adjustment",
        "front_door",
        "instrument",
    }
)


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _names(values: Any) -> list[str]:
    return [str(name) for name in (values or ())]


def _describe(edit: Any) -> str:
    describe = getattr(edit, "describe", None)
    return str(describe()) if callable(describe) else _text(getattr(edit, "action", ""))


class _Linker:
    """Finds rows and suggestions for findings on one graph."""

    def __init__(self, graph: CausalGraph, shape: Geometry) -> None:
        self.graph = graph
        self.shape = shape
        self.index = {edge.pair: number for number, edge in enumerate(graph.edges)}
        self.names = set(graph.names)
        self.pairs: list[tuple[str, str]] = []
        self.latent_boxes: dict[str, dict[str, object]] = {}

    def edge_between(self, first: str, second: str) -> int | None:
        found = self.index.get((first, second))
        return found if found is not None else self.index.get((second, first))

    def pair_row(self, first: str, second: str) -> int:
        for number, pair in enumerate(self.pairs):
            if set(pair) == {first, second}:
                return number
        self.pairs.append((first, second))
        return len(self.pairs) - 1

    def link(self, finding: Any) -> dict[str, Any]:
        """Where the finding is shown: an edge row, a pair row, variable rows, or nowhere."""
        edit = getattr(finding, "edit", None)
        variables = [name for name in _names(getattr(finding, "variables", ())) if name]
        action = _text(getattr(edit, "action", ""))
        source, target = _text(getattr(edit, "source", "")), _text(getattr(edit, "target", ""))
        if source and target:
            pair = [source, target]
        elif action == "add_latent" and len(_names(getattr(edit, "variables", ()))) >= 2:
            pair = _names(getattr(edit, "variables", ()))[:2]
        elif (
            len(variables) >= 2
            and action != "set_adjustment"
            and _text(getattr(finding, "kind", "")) not in SET_KINDS
        ):
            pair = variables[:2]
        else:
            known = [name for name in variables if name in self.names]
            return {"variables": known} if known else {}
        if not set(pair) <= self.names or pair[0] == pair[1]:
            return {"variables": [name for name in variables if name in self.names]}
        edge = self.edge_between(pair[0], pair[1])
        if edge is not None:
            return {"edge": edge}
        return {"pair_row": self.pair_row(pair[0], pair[1])}

    # ------------------------------------------------------------- suggestions
    def suggestion(self, finding: Any) -> dict[str, Any] | None:
        edit = getattr(finding, "edit", None)
        if edit is None:
            return None
        handler = _SUGGESTIONS.get(_text(getattr(edit, "action", "")))
        return handler(self, edit) if handler is not None else None

    def _decide(self, edit: Any, action: str, label: str) -> dict[str, Any] | None:
        number = self.index.get((_text(edit.source), _text(edit.target)))
        if number is None:
            return None
        return {"type": "decide", "edge": number, "action": action, "label": label}

    def remove(self, edit: Any) -> dict[str, Any] | None:
        return self._decide(edit, "reject", f"Apply: reject {edit.source} → {edit.target}")

    def reverse(self, edit: Any) -> dict[str, Any] | None:
        return self._decide(edit, "reverse", f"Apply: reverse {edit.source} → {edit.target}")

    def add(self, edit: Any) -> dict[str, Any] | None:
        source, target = _text(edit.source), _text(edit.target)
        if {source, target} - self.names or (source, target) in self.index:
            return None
        opposite = self.index.get((target, source))
        if opposite is not None:
            label = f"Apply: reverse {target} → {source}"
            return {"type": "decide", "edge": opposite, "action": "reverse", "label": label}
        return {
            "type": "add",
            "edges": [[source, target]],
            "label": f"Apply: add {source} → {target}",
        }

    def latent(self, edit: Any) -> dict[str, Any] | None:
        name = _text(getattr(edit, "latent_name", ""))
        children = [child for child in _names(getattr(edit, "variables", ())) if child]
        if not name or name in self.names or not children or set(children) - self.names:
            return None
        if name not in self.latent_boxes:
            self.latent_boxes[name] = extra_node_data(place_extra_node(self.shape, name, children))
        return {
            "type": "latent",
            "name": name,
            "description": _text(getattr(edit, "latent_description", "")),
            "edges": [[name, child] for child in children],
            "box": self.latent_boxes[name],
            "label": f"Apply: add latent {name} → {', '.join(children)}",
        }


_SUGGESTIONS: dict[str, Callable[[_Linker, Any], dict[str, Any] | None]] = {
    "remove_edge": _Linker.remove,
    "reverse_edge": _Linker.reverse,
    "add_edge": _Linker.add,
    "add_latent": _Linker.latent,
}


def _question(critique: Any) -> dict[str, Any]:
    adjustment = getattr(critique, "adjustment_set", None)
    minimal = getattr(critique, "minimal_adjustment_set", None)
    return {
        "treatment": _text(getattr(critique, "treatment", None)) or None,
        "outcome": _text(getattr(critique, "outcome", None)) or None,
        "adjustment_set": None if adjustment is None else _names(adjustment),
        "minimal_adjustment_set": None if minimal is None else _names(minimal),
        "valid_adjustment_sets": [
            _names(found) for found in getattr(critique, "valid_adjustment_sets", ()) or ()
        ],
    }


def _rationale(finding: Any) -> str:
    """The finding's rationale; a data finding's test (p-values, effect size) follows it."""
    text = _text(getattr(finding, "rationale", ""))
    test = getattr(finding, "implication_test", None)
    describe = getattr(test, "describe", None)
    return f"{text} Data test: {describe()}".strip() if callable(describe) else text


def findings_data(critique: Any, graph: CausalGraph, shape: Geometry) -> dict[str, Any]:
    """The page data for a critique's findings: each with its row, suggestion and text.

    Example:
        >>> from types import SimpleNamespace
        >>> from pywhy_llm_assist.graph._layout import layered_layout
        >>> from pywhy_llm_assist.graph._routing import geometry
        >>> graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
        >>> finding = SimpleNamespace(kind="reversed_edge", source="model", severity="high",
        ...     message="b causes a", rationale="", variables=("a", "b"), edit=None)
        >>> data = findings_data(SimpleNamespace(findings=[finding]), graph,
        ...                      geometry(layered_layout(graph)))
        >>> data["items"][0]["link"]
        {'edge': 0}
    """
    linker = _Linker(graph, shape)
    items = []
    for number, finding in enumerate(getattr(critique, "findings", ()) or ()):
        edit = getattr(finding, "edit", None)
        items.append(
            {
                "number": number,
                "kind": _text(getattr(finding, "kind", "")),
                "source": _text(getattr(finding, "source", "")),
                "severity": _text(getattr(finding, "severity", "")) or "info",
                "message": _text(getattr(finding, "message", "")),
                "rationale": _rationale(finding),
                "variables": _names(getattr(finding, "variables", ())),
                "edit": _describe(edit) if edit is not None else "",
                "link": linker.link(finding),
                "suggestion": linker.suggestion(finding),
            }
        )
    return {
        "items": items,
        "pairs": [list(pair) for pair in linker.pairs],
        "question": _question(critique),
    }


# --------------------------------------------------------------------------- static sections
def _set_text(names: Sequence[str]) -> str:
    return "{" + ", ".join(names) + "}"


def critique_section(data: dict[str, Any]) -> str:
    """The critique section: the question, every adjustment set it mentions, and the findings
    (each with a cell the script fills with a link to its row)."""
    question = data["question"]
    facts: list[tuple[str, str]] = []
    if question["treatment"] and question["outcome"]:
        facts.append(("Effect", f"{question['treatment']} → {question['outcome']}"))
    if question["adjustment_set"] is not None:
        facts.append(("Adjustment set checked", _set_text(question["adjustment_set"])))
    if question["minimal_adjustment_set"] is not None:
        facts.append(
            ("Smallest valid adjustment set", _set_text(question["minimal_adjustment_set"]))
        )
    sets = question["valid_adjustment_sets"]
    if sets:
        label = f"{len(sets)} minimal valid adjustment set{'s' if len(sets) != 1 else ''}"
        facts.append((label, "; ".join(_set_text(found) for found in sets)))
    elif (
        question["treatment"] and question["outcome"] and question["minimal_adjustment_set"] is None
    ):
        facts.append(("Minimal valid adjustment sets", "none found"))
    listing = "".join(
        f"<dt>{_escape(label)}</dt><dd class='sets'>{_escape(value)}</dd>" for label, value in facts
    )
    head = "".join(
        f"<th scope='col'>{name}</th>" for name in ("Severity", "Kind", "From", "Finding", "Where")
    )
    rows = []
    for item in data["items"]:
        level = {"high": "high", "medium": "medium"}.get(item["severity"].lower(), "low")
        suggested = (
            f"<div class='muted'>suggested: {_escape(item['edit'])}</div>" if item["edit"] else ""
        )
        rows.append(
            f"<tr data-finding='{item['number']}'>"
            f"<td><span class='severity severity-{level}'>{_escape(item['severity'])}</span></td>"
            f"<td>{_escape(item['kind'])}</td><td>{_escape(item['source'])}</td>"
            f"<td><strong>{_escape(item['message'])}</strong>"
            f"<div class='muted'>{_escape(item['rationale'])}</div>{suggested}</td>"
            f"<td class='where'>{_escape(', '.join(item['variables']))}</td></tr>"
        )
    table = (
        f"<table id='findings-table'><caption class='visually-hidden'>Critique findings</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p class='muted'>The critique found nothing to report.</p>"
    )
    return (
        "<section id='critique'><h2>Critique findings</h2>"
        "<p class='hint'>Each finding also appears on the row of the edge or variable it "
        "concerns, with its suggestion one click away.</p>"
        f"<dl class='question'>{listing}</dl>{table}</section>"
    )


def variables_section(graph: CausalGraph) -> str:
    """The variables table; the script puts each variable's findings in its last cell."""
    rows = "".join(
        f"<tr data-variable='{number}'><td class='name'>{_escape(item.name)}</td>"
        f"<td>{_escape(item.description)}</td>"
        f"<td>{'latent' if item.latent else 'measured'}</td><td class='findings'></td></tr>"
        for number, item in enumerate(graph.variables)
    )
    head = "".join(
        f"<th scope='col'>{name}</th>" for name in ("Name", "Description", "Kind", "Findings")
    )
    return (
        "<table id='variables-table'><caption class='visually-hidden'>Variables</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )
