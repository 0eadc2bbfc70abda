"""Applying suggested edits to a graph, with provenance saying who proposed and who decided.

`apply_edits` and `Critique.apply` both end here. An edit proposed by a model keeps the
model's provenance (model, prompt version, cache keys); ``review`` is recorded only when a
reviewer is named, so applying every suggestion unread never looks human-reviewed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..core._errors import InputError
from ..core._json_file import first_error
from ..core._variables import Variable
from ..graph._causal_graph import CausalGraph, DroppedEdge, Edge, Provenance
from ._findings import EditOrigin, Finding, SuggestedEdit


def decision_provenance(origin: EditOrigin | None, reviewer: str | None) -> Provenance | None:
    """Who decided to apply the edits: None when neither `origin` nor `reviewer` is given.

    Raises:
        InputError: ``origin="review"`` without a reviewer.
    """
    if origin == "review" and not reviewer:
        raise InputError(
            "origin='review' is for decisions a reviewer made: give reviewer='name' "
            "(or leave origin out)"
        )
    if origin is None and reviewer is None:
        return None
    return Provenance(origin=origin or ("review" if reviewer else "user"), reviewer=reviewer)


@dataclass(frozen=True)
class EditStep:
    """One edit to apply, the provenance its new edges get, and their rationale."""

    edit: SuggestedEdit
    provenance: tuple[Provenance, ...]
    rationale: str = ""

    @property
    def note(self) -> str:
        """The note of the first provenance entry (the detail of a dropped edge)."""
        return self.provenance[0].note or ""

    @classmethod
    def decided(cls, edit: SuggestedEdit, decision: Provenance | None, note: str) -> EditStep:
        """An edit with no model behind it: origin ``user`` unless a decision says otherwise."""
        entry = decision or Provenance(origin="user")
        return cls(edit, (entry.model_copy(update={"note": note}),))

    @classmethod
    def from_finding(cls, finding: Finding, decision: Provenance | None) -> EditStep:
        """The edit of `finding`; a model finding keeps the model's provenance first."""
        assert finding.edit is not None
        note = f"{finding.kind}: {finding.message}"
        rationale = finding.rationale or finding.message
        if finding.source != "model":
            decided_only = cls.decided(finding.edit, decision, note).provenance
            return cls(finding.edit, decided_only, rationale)
        proposed = (finding.provenance or Provenance(origin="model")).model_copy(
            update={"note": note}
        )
        decided = () if decision is None else (decision.model_copy(update={"note": note}),)
        return cls(finding.edit, (proposed, *decided), rationale)


def apply_edits(
    graph: CausalGraph,
    edits: Iterable[SuggestedEdit],
    *,
    origin: EditOrigin | None = None,
    reviewer: str | None = None,
) -> CausalGraph:
    """Return a copy of `graph` with `edits` applied in order.

    New and reversed edges get a `Provenance` with `origin`: ``user`` by default, ``review``
    when a `reviewer` is named (``origin="review"`` needs one). Removed and reversed edges are
    kept in `CausalGraph.dropped` (reason ``rejected_in_review``). ``add_latent`` adds an
    unmeasured variable with an edge into each of `SuggestedEdit.variables`;
    ``set_adjustment`` leaves the graph unchanged.

    Raises:
        InputError: an edit names an unknown variable, adds an edge that exists, removes or
            reverses one that does not, the result has a cycle, or ``origin="review"`` has
            no reviewer.

    Example:
        >>> graph = CausalGraph.from_edges(["a", "b"], [("a", "b")])
        >>> edit = SuggestedEdit(action="reverse_edge", source="a", target="b")
        >>> apply_edits(graph, [edit]).edge_pairs
        [('b', 'a')]
    """
    decision = decision_provenance(origin, reviewer)
    return apply_steps(graph, [EditStep.decided(edit, decision, edit.describe()) for edit in edits])


@dataclass
class _Draft:
    """A graph being edited: variables, edges by pair (in order) and dropped edges."""

    variables: list[Variable]
    edges: dict[tuple[str, str], Edge]
    dropped: list[DroppedEdge] = field(default_factory=list)

    def require(self, *names: str | None) -> None:
        known = {variable.name for variable in self.variables}
        for name in names:
            if name not in known:
                raise InputError(f"the edit names {name!r}, which is not a variable of the graph")

    def take(self, edit: SuggestedEdit) -> Edge:
        pair = (str(edit.source), str(edit.target))
        if pair not in self.edges:
            raise InputError(f"cannot {edit.describe()}: the graph has no such edge")
        return self.edges.pop(pair)

    def put(self, edge: Edge) -> None:
        if edge.pair in self.edges:
            raise InputError(f"the edge {edge.source} -> {edge.target} is already in the graph")
        self.edges[edge.pair] = edge


def _add_edge(draft: _Draft, step: EditStep) -> None:
    edit = step.edit
    draft.require(edit.source, edit.target)
    draft.put(
        Edge(
            source=str(edit.source),
            target=str(edit.target),
            rationale=step.rationale,
            provenance=step.provenance,
        )
    )


def _remove_edge(draft: _Draft, step: EditStep) -> None:
    old = draft.take(step.edit)
    draft.dropped.append(DroppedEdge(edge=old, reason="rejected_in_review", detail=step.note))


def _reverse_edge(draft: _Draft, step: EditStep) -> None:
    old = draft.take(step.edit)
    draft.put(
        Edge(
            source=old.target,
            target=old.source,
            rationale=old.rationale or step.rationale,
            provenance=(*old.provenance, *step.provenance),
        )
    )
    draft.dropped.append(
        DroppedEdge(edge=old, reason="rejected_in_review", detail=step.note, reversed=True)
    )


def _add_latent(draft: _Draft, step: EditStep) -> None:
    edit = step.edit
    draft.require(*edit.variables)
    try:
        latent = Variable(
            name=str(edit.latent_name), description=edit.latent_description, latent=True
        )
    except ValidationError as error:
        raise InputError(f"invalid latent variable: {first_error(error)}") from None
    if any(variable.name == latent.name for variable in draft.variables):
        raise InputError(f"cannot add latent {latent.name!r}: a variable of that name exists")
    draft.variables.append(latent)
    for target in edit.variables:
        draft.put(
            Edge(
                source=latent.name,
                target=target,
                rationale=step.rationale,
                provenance=step.provenance,
            )
        )


def _set_adjustment(draft: _Draft, step: EditStep) -> None:
    draft.require(*step.edit.variables)


_EDIT_HANDLERS: dict[str, Callable[[_Draft, EditStep], None]] = {
    "add_edge": _add_edge,
    "remove_edge": _remove_edge,
    "reverse_edge": _reverse_edge,
    "add_latent": _add_latent,
    "set_adjustment": _set_adjustment,
}


def apply_steps(graph: CausalGraph, steps: Iterable[EditStep]) -> CausalGraph:
    """Apply `steps` in order and return the new graph (`InputError` if it has a cycle)."""
    draft = _Draft(list(graph.variables), {edge.pair: edge for edge in graph.edges})
    for step in steps:
        _EDIT_HANDLERS[step.edit.action](draft, step)
    kept = [item for item in graph.dropped if item.edge.pair not in draft.edges]
    result = CausalGraph(
        variables=tuple(draft.variables),
        edges=tuple(draft.edges.values()),
        dropped=(*kept, *draft.dropped),
        usage=graph.usage,
        metadata=dict(graph.metadata),
    )
    result.require_acyclic()
    return result
