"""Combine the data graph with the model's answers: orient within the equivalence class, report.

Every edge of the result says where its adjacency and its direction came from
(``metadata["data_first"]["edges"]``, and its provenance entries): the direction is ``data``
(PC oriented it), ``both`` (PC oriented it and the model agrees), ``model`` (the data left it
open, the model's two answers agreed and the orientation kept the graph in the class),
``implied`` (Meek's rules drew it from accepted model orientations) or ``open`` (still
undirected: left for the expert, never oriented silently).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..graph._causal_graph import CausalGraph, Edge, Provenance, UndirectedEdge
from ..graph._pdag import Pdag, try_orient
from ._assembly import EdgeSource
from ._constraints import Constraints
from ._data_first import Pair, Question, Verdict


@dataclass
class _Ledger:
    """What happened to each edge, for the rationales and the report."""

    direction: dict[frozenset[str], str] = field(default_factory=dict)
    notes: dict[frozenset[str], str] = field(default_factory=dict)
    verdicts: dict[frozenset[str], list[Verdict]] = field(default_factory=dict)
    implied_by: dict[Pair, Pair] = field(default_factory=dict)
    accepted: dict[Pair, float] = field(default_factory=dict)
    refused: list[dict[str, Any]] = field(default_factory=list)


def _key(pair: Sequence[str]) -> frozenset[str]:
    return frozenset(pair)


def _model_stamp(source: EdgeSource, verdicts: Sequence[Verdict], note: str) -> Provenance:
    return Provenance(
        origin="model",
        model=source.model,
        prompt_version=source.prompt_version,
        strategy=source.strategy,
        cache_keys=tuple(dict.fromkeys(key for item in verdicts for key in item.cache_keys)),
        note=note,
    )


def _open_proposal(verdicts: Sequence[Verdict]) -> tuple[Pair | None, str]:
    """The direction both answers give, or None and why the edge stays open."""
    first, second = verdicts
    if first.kind == "direction" and first.cause_effect == second.cause_effect:
        return first.cause_effect, ""
    said = f"asked as ({first.asked_as[0]}, {first.asked_as[1]}) the model said "
    said += f"{first.describe()}; asked the other way round, {second.describe()}"
    if "not_sure" in (first.kind, second.kind):
        return None, f"the model is not sure ({said})"
    if first.kind == second.kind == "neither":
        return None, "the model sees no direct causal link here, although the data do"
    return None, f"the model's answers depend on the order it was asked in: {said}"


def _violates(constraints: Constraints, source: str, target: str) -> str:
    if (source, target) in constraints.forbidden:
        return "forbidden by the analyst"
    if constraints.violates_tiers(source, target):
        return "it points from a later tier into an earlier one"
    return ""


def _orient(
    pdag: Pdag, ledger: _Ledger, proposals: list[tuple[float, Pair]], rules: Constraints
) -> bool:
    """Apply the proposals, most confident first; return whether PC's graph was extendable."""
    extendable = pdag.has_consistent_extension()  # accepted orientations keep it so
    for score, (source, target) in sorted(proposals, key=lambda item: (-item[0], item[1])):
        key = _key((source, target))
        if (source, target) in pdag.directed:
            ledger.notes[key] = (
                "the model's direction agrees with what the other orientations imply"
            )
            continue
        if (target, source) in pdag.directed:
            ledger.notes[key] = (
                f"the model says {source} -> {target}, but the other orientations and the data "
                f"imply {target} -> {source}"
            )
            continue
        reason = _violates(rules, source, target) or ""
        check = None if reason else try_orient(pdag, source, target, extendable=extendable)
        if check is not None and check.accepted:
            ledger.accepted[(source, target)] = score
            for implied in check.implied:
                ledger.implied_by[implied] = (source, target)
            continue
        reason = reason or (check.reason if check is not None else "")
        ledger.notes[key] = f"the model says {source} -> {target}, but {reason}: left open"
        ledger.refused.append({"edge": [source, target], "reason": reason})
    return extendable


def combine(
    data_graph: CausalGraph,
    questions: Sequence[Question],
    verdicts: Mapping[Pair, list[Verdict]],
    *,
    constraints: Constraints,
    source: EdgeSource,
) -> tuple[CausalGraph, dict[str, Any]]:
    """The data graph with the model's orientations applied; and the report.

    Returns:
        The graph (variables, usage and metadata still to be set by the caller) and the
        ``data_first`` report: counts, the calibration and one line per edge.
    """
    pdag = Pdag.build(
        data_graph.names,
        directed=data_graph.edge_pairs,
        undirected=[edge.pair for edge in data_graph.undirected if edge.kind == "undirected"],
        fixed=[edge.pair for edge in data_graph.undirected if edge.kind == "bidirected"],
    )
    ledger = _Ledger()
    proposals: list[tuple[float, Pair]] = []
    calibration = {"asked": 0, "agreed": 0, "reversed": 0, "neither": 0, "not_sure": 0}
    for question in questions:
        answers = verdicts[question.pair]
        ledger.verdicts[_key(question.pair)] = answers
        if question.kind == "open":
            direction, why = _open_proposal(answers)
            if direction is None:
                ledger.notes[_key(question.pair)] = why
            else:
                proposals.append((sum(item.score for item in answers) / 2, direction))
            continue
        (answer,) = answers
        if _by_knowledge(question.pair, constraints):
            continue  # oriented by the tiers, not by the data alone: no calibration
        calibration["asked"] += 1
        if answer.cause_effect == question.pair:
            calibration["agreed"] += 1
        elif answer.cause_effect is not None:
            calibration["reversed"] += 1
        else:
            calibration[answer.kind] += 1
    extendable = _orient(pdag, ledger, proposals, constraints)
    edges = _directed_edges(data_graph, pdag, ledger, source)
    kept_open = _open_edges(data_graph, pdag, ledger, source)
    graph = CausalGraph(
        variables=data_graph.variables, edges=tuple(edges), undirected=tuple(kept_open)
    )
    report = _report(data_graph, graph, ledger, calibration)
    report["data_graph"]["consistent"] = extendable
    return graph, report


def _by_knowledge(pair: Pair, constraints: Constraints) -> bool:
    """True if PC's background knowledge alone fixes this direction: the other way round is
    forbidden or against the tiers (required edges are never asked about)."""
    source, target = pair
    return bool(_violates(constraints, target, source))


def _directed_edges(
    data_graph: CausalGraph, pdag: Pdag, ledger: _Ledger, source: EdgeSource
) -> list[Edge]:
    by_pair = {edge.pair: edge for edge in data_graph.edges}
    by_key = {_key(edge.pair): edge for edge in data_graph.undirected}
    order = {name: index for index, name in enumerate(data_graph.names)}
    edges = []
    for pair in sorted(pdag.directed, key=lambda item: (order[item[0]], order[item[1]])):
        key = _key(pair)
        answers = ledger.verdicts.get(key, [])
        if pair in by_pair:  # PC oriented it
            edge = by_pair[pair]
            agreed = bool(answers) and all(item.cause_effect == pair for item in answers)
            if agreed:
                stamp = _model_stamp(source, answers, "agrees with the data's direction")
                edge = edge.model_copy(
                    update={
                        "provenance": (*edge.provenance, stamp),
                        "rationale": answers[0].rationale or edge.rationale,
                    }
                )
                ledger.direction[key] = "both"
            else:
                ledger.direction[key] = "data"
                if answers:
                    dispute = f"the data orient it; the model says {answers[0].describe()}"
                    rationale = "; ".join(text for text in (dispute, answers[0].rationale) if text)
                    edge = edge.model_copy(update={"rationale": rationale})
            edges.append(edge)
            continue
        adjacency = by_key[key]
        if pair in ledger.accepted:
            ledger.direction[key] = "model"
            stamp = _model_stamp(source, answers, "orients an edge the data left open")
            rationale = min(
                (item.rationale for item in answers if item.rationale), key=len, default=""
            )
            confidence = ledger.accepted[pair]
        else:
            cause = ledger.implied_by.get(pair, pair)
            ledger.direction[key] = "implied"
            stamp = _model_stamp(
                source,
                answers,
                f"implied by Meek's rules from the model's {cause[0]} -> {cause[1]}",
            )
            rationale = (
                f"the data left it open; Meek's rules orient it once {cause[0]} -> {cause[1]} is "
                "accepted"
            )
            confidence = ledger.accepted.get(cause, 1.0)
        found = tuple(
            item.model_copy(update={"note": f"{item.note or 'data'}: adjacency; direction open"})
            if item.origin == "data"
            else item
            for item in adjacency.provenance
        )
        edges.append(
            Edge(
                source=pair[0],
                target=pair[1],
                confidence=round(confidence, 4),
                votes=0,
                asked=0,
                rationale=rationale,
                provenance=(*found, stamp),
            )
        )
    return edges


def _open_edges(
    data_graph: CausalGraph, pdag: Pdag, ledger: _Ledger, source: EdgeSource
) -> list[UndirectedEdge]:
    kept = []
    for edge in data_graph.undirected:
        key = _key(edge.pair)
        if edge.kind == "undirected" and key not in pdag.undirected:
            continue  # oriented above
        ledger.direction[key] = "open"
        note = ledger.notes.get(key) or (
            "PC found colliders pointing both ways" if edge.kind == "bidirected" else ""
        )
        answers = ledger.verdicts.get(key, [])
        provenance = edge.provenance
        if answers:
            provenance = (
                *provenance,
                _model_stamp(source, answers, "did not settle the direction"),
            )
        rationale = "; ".join(text for text in ("the data cannot orient it", note) if text)
        kept.append(edge.model_copy(update={"rationale": rationale, "provenance": provenance}))
    return kept


def _report(
    data_graph: CausalGraph, graph: CausalGraph, ledger: _Ledger, calibration: dict[str, int]
) -> dict[str, Any]:
    asked = calibration["asked"]
    decided = calibration["agreed"] + calibration["reversed"]
    lines: list[dict[str, Any]] = []
    for edge in graph.edges:
        key = _key(edge.pair)
        lines.append(
            {
                "edge": f"{edge.source} -> {edge.target}",
                "direction": ledger.direction.get(key, "data"),
                "model": [item.describe() for item in ledger.verdicts.get(key, [])],
                "note": ledger.notes.get(key, ""),
            }
        )
    for open_edge in graph.undirected:
        key = _key(open_edge.pair)
        lines.append(
            {
                "edge": f"{open_edge.first} {open_edge.symbol} {open_edge.second}",
                "direction": "open",
                "model": [item.describe() for item in ledger.verdicts.get(key, [])],
                "note": ledger.notes.get(key, ""),
            }
        )
    counts = {label: 0 for label in ("data", "both", "model", "implied", "open")}
    for line in lines:
        counts[line["direction"]] += 1
    return {
        "data_graph": {
            "directed": len(data_graph.edges),
            "undirected": sum(1 for e in data_graph.undirected if e.kind == "undirected"),
            "bidirected": sum(1 for e in data_graph.undirected if e.kind == "bidirected"),
        },
        "directions": counts,
        "calibration": {
            **calibration,
            "accuracy": round(calibration["agreed"] / asked, 4) if asked else None,
            "accuracy_when_decided": round(calibration["agreed"] / decided, 4) if decided else None,
        },
        "refused": ledger.refused,
        "edges": lines,
    }
