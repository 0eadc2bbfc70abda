"""Expert review: a self-contained HTML page, the decisions file it exports, and applying it.

A domain expert opens the page (one HTML file, no network), accepts, rejects or reverses each
proposed edge, adds missing ones, and exports ``review-decisions.json``. `apply_review` turns
that file into the reviewed graph, recording who decided what in each edge's provenance.
The page itself is written by `to_review_html` (in ``_page``, re-exported here).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..core._errors import InputError, ReviewError
from ..core._files import read_text_file
from ..core._json_file import first_error
from ..core._variables import Variable
from ..graph._causal_graph import CausalGraph, DroppedEdge, Edge, Provenance
from ._open_edges import apply_open_decisions, check_open_decisions, open_edge_index
from ._page import FORMAT_VERSION, critique_repr_html, graph_repr_html, to_review_html

ReviewAction = Literal["accept", "reject", "reverse", "add", "orient"]
DECISIONS_FILE_NAME = "review-decisions.json"
#: Versions of the decisions file this version reads: 1 (no origins, no latent variables), 2.
READABLE_FORMAT_VERSIONS = (1, FORMAT_VERSION)


class SuggestionOrigin(BaseModel):
    """Where a decision came from when the reviewer applied a finding's suggestion in one click.

    Attributes:
        finding_kind: the finding's kind (``reversed_edge``, ``missing_edge``, ...).
        finding_source: who found it: ``model``, ``graph`` (an exact check) or ``data``.
        message: the finding's message, as the reviewer saw it.
        edit: the suggested edit in words (``reverse edge a -> b``).

    Example:
        >>> SuggestionOrigin(finding_kind="reversed_edge", finding_source="model",
        ...                  message="b causes a", edit="reverse edge a -> b").describe()
        'suggested by a model finding (reversed_edge): b causes a'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    finding_kind: str = Field(min_length=1, max_length=64)
    finding_source: str = Field(min_length=1, max_length=32)
    message: str = Field(default="", max_length=4000)
    edit: str = Field(default="", max_length=400)

    def describe(self) -> str:
        """One line for provenance notes and summaries."""
        text = f"suggested by a {self.finding_source} finding ({self.finding_kind})"
        return f"{text}: {self.message}" if self.message else text


class ReviewDecision(BaseModel):
    """One decision about one edge.

    For ``accept``, ``reject`` and ``reverse``, `source` and `target` name an edge of the
    reviewed graph as it was proposed; for ``add`` they name the new edge. For an unoriented
    edge (``a --- b``) the actions are ``orient`` (`source` -> `target` is the chosen
    direction), ``accept`` (keep it unoriented) and ``reject``.

    Example:
        >>> ReviewDecision(source="smoking", target="cancer", action="accept").action
        'accept'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1, max_length=200)
    target: str = Field(min_length=1, max_length=200)
    action: ReviewAction
    comment: str = Field(default="", max_length=4000)
    origin: SuggestionOrigin | None = None
    """Set when the reviewer applied a finding's suggestion; None for their own decision."""


class AddedLatent(BaseModel):
    """An unmeasured variable a reviewer added (applying a suggested latent confounder).

    The edges out of it are ``add`` decisions naming it as their source.

    Example:
        >>> AddedLatent(name="genotype", description="inherited risk").name
        'genotype'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    origin: SuggestionOrigin | None = None


class ReviewDecisions(BaseModel):
    """Everything a reviewer decided about one graph: the file the review page exports.

    Example:
        >>> decisions = ReviewDecisions(
        ...     reviewer="Ada", timestamp="2025-01-31T12:00:00Z", graph_fingerprint="abc",
        ...     decisions=[ReviewDecision(source="a", target="b", action="reject")])
        >>> len(decisions.decisions)
        1
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    reviewer: str = Field(min_length=1, max_length=200)
    timestamp: str
    graph_fingerprint: str = Field(min_length=1, max_length=128)
    decisions: tuple[ReviewDecision, ...] = ()
    latent_variables: tuple[AddedLatent, ...] = ()
    format_version: int = FORMAT_VERSION

    @field_validator("reviewer")
    @classmethod
    def _reviewer_is_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the reviewer's name must not be empty")
        return value.strip()

    @field_validator("timestamp")
    @classmethod
    def _timestamp_is_iso(cls, value: str) -> str:
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 date and time") from None
        return value

    @field_validator("format_version")
    @classmethod
    def _version_is_known(cls, value: int) -> int:
        if value not in READABLE_FORMAT_VERSIONS:
            readable = " and ".join(str(version) for version in READABLE_FORMAT_VERSIONS)
            raise ValueError(
                f"format version {value} is not supported (this version reads {readable})"
            )
        return value

    @classmethod
    def from_json(cls, text: str | bytes) -> ReviewDecisions:
        """Read decisions from JSON text; any problem raises `ReviewError` with one clear line.

        Example:
            >>> ReviewDecisions.from_json('{"reviewer": "Ada", "timestamp": "2025-01-31",'
            ...                           ' "graph_fingerprint": "abc", "decisions": []}').reviewer
            'Ada'
        """
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            if _looks_like_graph_text(text):
                what = "a graph file (DOT, GML or DAGitty)"
                raise ReviewError(_NOT_DECISIONS.format(what=what)) from None
            raise ReviewError(f"not a review decisions file: invalid JSON ({error})") from None
        except RecursionError:
            raise ReviewError("not a review decisions file: nested too deeply") from None
        if not isinstance(data, dict):
            raise ReviewError(
                "not a review decisions file: expected a JSON object with 'reviewer', "
                f"'timestamp', 'graph_fingerprint' and 'decisions', got {type(data).__name__}"
            )
        for keys, what in _OTHER_FILES:
            if keys <= data.keys() and "reviewer" not in data:
                raise ReviewError(_NOT_DECISIONS.format(what=what))
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise ReviewError(f"not a valid review decisions file: {first_error(error)}") from None

    @classmethod
    def from_file(cls, path: str | Path) -> ReviewDecisions:
        """Read a ``review-decisions.json`` file exported by the review page.

        Example:
            >>> ReviewDecisions.from_file("review-decisions.json")  # doctest: +SKIP
        """
        try:  # a regular file only, bounded, read once (a FIFO must not hang)
            text = read_text_file(path, "review decisions file")
        except InputError as error:
            raise ReviewError(f"cannot read the review decisions: {error}") from None
        return cls.from_json(text)


_NOT_DECISIONS = (
    "this is {what}, not review decisions: give the review-decisions.json that the review "
    "page's 'Export decisions' button saved (the graph comes first, the decisions second)"
)
#: keys that identify other pywhy-llm-assist files given where decisions belong.
_OTHER_FILES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"graph", "findings"}), "a critique file"),
    (frozenset({"variables", "edges"}), "a graph file"),
    (frozenset({"task", "items"}), "a suggestions file"),
)


def _looks_like_graph_text(text: str | bytes) -> bool:
    start = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).lstrip()
    words = start[:40].casefold().split()
    return bool(words) and words[0] in {"digraph", "strict", "graph", "dag", "pdag", "/*", "//"}


def load_decisions(decisions: ReviewDecisions | str | Path) -> ReviewDecisions:
    """Return `decisions` as a `ReviewDecisions`: an object, a JSON string or a file path.

    Example:
        >>> load_decisions("review-decisions.json").reviewer  # doctest: +SKIP
        'Ada'
    """
    if isinstance(decisions, ReviewDecisions):
        return decisions
    if isinstance(decisions, str) and decisions.lstrip().startswith("{"):
        return ReviewDecisions.from_json(decisions)
    if isinstance(decisions, (str, Path)):
        return ReviewDecisions.from_file(decisions)
    raise ReviewError(
        "decisions must be a ReviewDecisions object, a JSON string or the path of a "
        f"review-decisions.json file, not {type(decisions).__name__}"
    )


def apply_review(
    graph: CausalGraph,
    decisions: ReviewDecisions | str | Path,
    *,
    unreviewed: Literal["keep", "drop"] = "keep",
) -> CausalGraph:
    """Return the graph after an expert's review decisions.

    Accepted edges stay, with a ``review`` provenance naming the reviewer; rejected edges move
    to ``dropped`` (reason ``rejected_in_review``); reversed edges are replaced by the opposite
    edge (the original goes to ``dropped`` with ``reversed=True``); added edges join with a
    ``review`` provenance. Unoriented edges are oriented (``orient``), kept open (``accept``)
    or dropped (``reject``). Edges nobody decided about are kept, or dropped when
    ``unreviewed="drop"``. A summary graph that keeps feedback loops on purpose
    (``metadata["acyclic"]`` False) may stay cyclic; any other graph must come out acyclic.

    Raises:
        ReviewError: the decisions were made for another graph (the fingerprints differ), name
            an unknown variable or an edge that is not in the graph, contradict each other, or
            the result has a cycle (unless the graph is a summary graph).

    Example:
        >>> graph = CausalGraph.from_edges(["a", "b", "c"], [("a", "b"), ("c", "b")])
        >>> decisions = ReviewDecisions(
        ...     reviewer="Ada", timestamp="2025-01-31T12:00:00Z",
        ...     graph_fingerprint=graph.fingerprint(),
        ...     decisions=[ReviewDecision(source="c", target="b", action="reject")])
        >>> apply_review(graph, decisions).edge_pairs
        [('a', 'b')]
    """
    if unreviewed not in ("keep", "drop"):
        raise ReviewError(f"unreviewed must be 'keep' or 'drop', not {unreviewed!r}")
    loaded = load_decisions(decisions)
    expected = graph.fingerprint()
    if loaded.graph_fingerprint != expected:
        raise ReviewError(
            "these review decisions were made for another graph: the file's graph fingerprint "
            f"is {loaded.graph_fingerprint!r} but this graph's is {expected!r}; apply them to "
            "the graph the review page was made from"
        )
    by_pair = _check_decisions(graph, loaded)
    open_chosen = check_open_decisions(graph, loaded.decisions)
    reviewer = loaded.reviewer
    variables = (*graph.variables, *_latent_variables(loaded))
    edges: list[Edge] = []
    dropped: list[DroppedEdge] = list(graph.dropped)
    counts = dict.fromkeys(_COUNTED.values(), 0)
    for edge in graph.edges:
        decision = by_pair.get(edge.pair)
        action = decision.action if decision is not None else f"unreviewed_{unreviewed}"
        counts[_COUNTED[action]] += 1
        kept, removed = _ACTIONS[action](edge, reviewer, _note(decision))
        edges += kept
        dropped += removed
    for decision in loaded.decisions:
        if decision.action == "add":
            counts["added"] += 1
            edges.append(
                Edge(
                    source=decision.source,
                    target=decision.target,
                    confidence=1.0,
                    votes=0,
                    asked=0,
                    rationale=decision.comment
                    or _with_comment(f"added in review by {reviewer}", _origin_text(decision)),
                    provenance=(_stamp(reviewer, _note(decision)),),
                )
            )
    opened = apply_open_decisions(graph, open_chosen, reviewer, unreviewed=unreviewed)
    edges += opened.oriented
    dropped += opened.dropped
    if not graph.allows_cycles:
        _require_acyclic([edge.pair for edge in edges])
    metadata = dict(graph.metadata)
    metadata["review"] = {
        "reviewer": reviewer,
        "timestamp": loaded.timestamp,
        "graph_fingerprint": loaded.graph_fingerprint,
        "unreviewed_policy": unreviewed,
        **counts,
        **(opened.counts if graph.undirected else {}),
    }
    if loaded.latent_variables:
        metadata["review"]["latent_added"] = [item.name for item in loaded.latent_variables]
    try:
        return CausalGraph(
            variables=variables,
            edges=tuple(edges),
            undirected=tuple(opened.kept),
            dropped=tuple(dropped),
            usage=graph.usage,
            metadata=metadata,
        )
    except InputError as error:
        raise ReviewError(f"the reviewed graph is invalid: {error}") from None


def _with_comment(text: str, comment: str) -> str:
    return f"{text}: {comment}" if comment else text


def _origin_text(decision: ReviewDecision) -> str:
    return decision.origin.describe() if decision.origin is not None else ""


def _note(decision: ReviewDecision | None) -> str:
    """The provenance note of a decision: the comment, and the suggestion it applied."""
    if decision is None:
        return ""
    parts = [part for part in (decision.comment, _origin_text(decision)) if part]
    return "; ".join(parts)


def _latent_variables(decisions: ReviewDecisions) -> tuple[Variable, ...]:
    try:
        return tuple(
            Variable(name=item.name, description=item.description, latent=True)
            for item in decisions.latent_variables
        )
    except ValidationError as error:
        raise ReviewError(f"invalid added latent variable: {first_error(error)}") from None


def _stamp(reviewer: str, comment: str) -> Provenance:
    return Provenance(origin="review", reviewer=reviewer, note=comment or None)


_Outcome = tuple[list[Edge], list[DroppedEdge]]


def _accept(edge: Edge, reviewer: str, comment: str) -> _Outcome:
    return [
        edge.model_copy(update={"provenance": (*edge.provenance, _stamp(reviewer, comment))})
    ], []


def _reject(edge: Edge, reviewer: str, comment: str) -> _Outcome:
    detail = _with_comment(f"rejected in review by {reviewer}", comment)
    return [], [DroppedEdge(edge=edge, reason="rejected_in_review", detail=detail)]


def _reverse(edge: Edge, reviewer: str, comment: str) -> _Outcome:
    proposed = f"{edge.source} -> {edge.target}"
    opposite = Edge(
        source=edge.target,
        target=edge.source,
        confidence=1.0,
        votes=0,
        asked=edge.asked,
        rationale=comment or f"reversed in review by {reviewer}; proposed as {proposed}",
        provenance=(_stamp(reviewer, comment),),
    )
    detail = _with_comment(f"reversed in review by {reviewer}", comment)
    original = DroppedEdge(edge=edge, reason="rejected_in_review", detail=detail, reversed=True)
    return [opposite], [original]


def _keep_unreviewed(edge: Edge, reviewer: str, comment: str) -> _Outcome:
    return [edge], []


def _drop_unreviewed(edge: Edge, reviewer: str, comment: str) -> _Outcome:
    detail = f"not reviewed by {reviewer}; dropped because unreviewed='drop'"
    return [], [DroppedEdge(edge=edge, reason="rejected_in_review", detail=detail)]


_ACTIONS: dict[str, Callable[[Edge, str, str], _Outcome]] = {
    "accept": _accept,
    "reject": _reject,
    "reverse": _reverse,
    "unreviewed_keep": _keep_unreviewed,
    "unreviewed_drop": _drop_unreviewed,
}
_COUNTED = {
    "accept": "accepted",
    "reject": "rejected",
    "reverse": "reversed",
    "add": "added",
    "unreviewed_keep": "unreviewed",
    "unreviewed_drop": "unreviewed",
}


def _check_decisions(
    graph: CausalGraph, decisions: ReviewDecisions
) -> dict[tuple[str, str], ReviewDecision]:
    known = set(graph.names)
    for item in decisions.latent_variables:
        if item.name in known:
            raise ReviewError(
                f"the added latent variable {item.name!r} has the name of a variable the graph "
                "already has (or is added twice)"
            )
        known.add(item.name)
    existing = set(graph.edge_pairs)
    by_pair: dict[tuple[str, str], ReviewDecision] = {}
    added: set[tuple[str, str]] = set()
    for number, decision in enumerate(decisions.decisions, start=1):
        pair = (decision.source, decision.target)
        label = f"decision {number} ({decision.action} {decision.source!r} -> {decision.target!r})"
        for name in pair:
            if name not in known:
                raise ReviewError(f"{label} names unknown variable {name!r}")
        if decision.action == "orient" or open_edge_index(graph, *pair) is not None:
            continue  # a decision about an unoriented edge: `check_open_decisions` reads it
        if decision.action == "add":
            if decision.source == decision.target:
                raise ReviewError(f"{label} would add a self-loop")
            if pair in existing:
                raise ReviewError(f"{label}: the edge is already in the graph; accept it instead")
            if pair in added:
                raise ReviewError(f"{label}: the same edge is added twice")
            added.add(pair)
            continue
        if pair not in existing:
            raise ReviewError(
                f"{label}: the graph has no edge {decision.source} -> {decision.target}"
            )
        if pair in by_pair:
            raise ReviewError(f"{label}: the edge has more than one decision")
        by_pair[pair] = decision
    for source, target in added:
        opposite = by_pair.get((target, source))
        if opposite is not None and opposite.action == "reverse":
            raise ReviewError(
                f"the edge {target!r} -> {source!r} is both reversed and added as "
                f"{source!r} -> {target!r}; keep one of the two decisions"
            )
    return by_pair


def _require_acyclic(pairs: Sequence[tuple[str, str]]) -> None:
    reviewed: nx.DiGraph[str] = nx.DiGraph()
    reviewed.add_edges_from(pairs)
    try:
        cycle = nx.find_cycle(reviewed)
    except nx.NetworkXNoCycle:
        return
    path = " -> ".join([str(cycle[0][0]), *(str(step[1]) for step in cycle)])
    raise ReviewError(
        f"the reviewed graph would have a cycle: {path}; reject or reverse one of these edges"
    )


__all__ = [
    "DECISIONS_FILE_NAME",
    "FORMAT_VERSION",
    "READABLE_FORMAT_VERSIONS",
    "AddedLatent",
    "ReviewAction",
    "ReviewDecision",
    "ReviewDecisions",
    "SuggestionOrigin",
    "apply_review",
    "critique_repr_html",
    "graph_repr_html",
    "load_decisions",
    "to_review_html",
]
