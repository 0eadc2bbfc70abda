"""The critique data model: check results, findings, suggested edits and `Critique`.

Graph checks (`check_graph`) and model critiques produce `Finding` objects; each may carry a
`SuggestedEdit` that `apply_edits` (or `Critique.apply`) turns into a new `CausalGraph`.
Every model here is a frozen pydantic model, so results serialize to JSON losslessly.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core._errors import InputError
from ..core._json_file import JsonFile
from ..core._text import counted
from ..core._usage import Usage
from ..data._implication_tests import ImplicationTest, ImplicationTests
from ..graph._causal_graph import CausalGraph, Provenance

EditAction = Literal["add_edge", "remove_edge", "reverse_edge", "add_latent", "set_adjustment"]
Severity = Literal["info", "low", "medium", "high"]
FindingSource = Literal["model", "graph", "data"]
EditOrigin = Literal["review", "user"]
NegativeControlRole = Literal["outcome", "exposure"]

#: Sources whose findings carry no confidence, and why.
_CERTAIN_SOURCES: dict[str, str] = {
    "graph": "graph findings are exact",
    "data": "data findings carry their p-values instead",
}

#: Severities from most to least serious (the order `Critique.__str__` lists findings in).
SEVERITY_ORDER: tuple[Severity, ...] = ("high", "medium", "low", "info")

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def format_path(path: Sequence[str], directions: Callable[[str, str], bool] | None = None) -> str:
    """Render a path as text, e.g. ``t <- a -> y``.

    Args:
        path: the nodes in order.
        directions: ``has_edge(source, target)``; without it every arrow points forward.
    """
    if not path:
        return ""
    parts = [path[0]]
    for left, right in itertools.pairwise(path):
        backward = directions is not None and directions(right, left)
        parts += ["<-" if backward else "->", right]
    return " ".join(parts)


def format_set(names: Iterable[str]) -> str:
    """Render a set of names as ``{a, b}``, sorted."""
    return "{" + ", ".join(sorted(names)) + "}"


# --------------------------------------------------------------------------- check results
class Verdict(BaseModel):
    """One condition of a check: whether it holds, and why, in one sentence."""

    model_config = _FROZEN

    holds: bool
    explanation: str


class AdjustmentCheck(BaseModel):
    """The backdoor criterion applied to one adjustment set (see `check_adjustment_set`).

    Attributes:
        adjustment: the set checked, in the order given (duplicates removed).
        valid: the set satisfies the backdoor criterion and is fully observed.
        mediators: members on a directed path treatment -> ... -> outcome.
        other_descendants: other members that descend from the treatment.
        colliders: members that open a backdoor path by being (or descending from) a collider
            on it, as found on the example paths.
        latent: members that are unmeasured and so cannot be adjusted for.
        open_paths: a few backdoor paths the observed members leave open, shortest first.
        blocks_backdoor_paths: the observed members block every backdoor path.
    """

    model_config = _FROZEN

    treatment: str
    outcome: str
    adjustment: tuple[str, ...]
    valid: bool
    mediators: tuple[str, ...] = ()
    other_descendants: tuple[str, ...] = ()
    colliders: tuple[str, ...] = ()
    latent: tuple[str, ...] = ()
    open_paths: tuple[tuple[str, ...], ...] = ()
    open_path_text: tuple[str, ...] = ()
    blocks_backdoor_paths: bool = True

    @property
    def descendants(self) -> tuple[str, ...]:
        """Members that descend from the treatment (mediators first)."""
        return (*self.mediators, *self.other_descendants)

    @property
    def explanation(self) -> str:
        """One sentence saying why the set is valid or not."""
        shown = format_set(self.adjustment)
        if self.valid:
            return (
                f"{shown} blocks every backdoor path from {self.treatment!r} to "
                f"{self.outcome!r} and contains no descendant of {self.treatment!r}."
            )
        reasons = [
            text.format(format_set(members))
            for text, members in (
                ("it contains mediators {}", self.mediators),
                ("it contains other descendants of the treatment {}", self.other_descendants),
                ("it contains unmeasured variables {}", self.latent),
                ("conditioning on {} opens a path through a collider", self.colliders),
            )
            if members
        ]
        if not self.blocks_backdoor_paths:
            example = f" (e.g. {self.open_path_text[0]})" if self.open_path_text else ""
            reasons.append(f"a backdoor path stays open{example}")
        return f"{shown} is not a valid adjustment set: " + "; ".join(reasons) + "."


class InstrumentCheck(BaseModel):
    """The instrumental-variable conditions for `instrument` (see `check_instrument`)."""

    model_config = _FROZEN

    instrument: str
    treatment: str
    outcome: str
    relevance: Verdict
    exclusion: Verdict
    independence: Verdict

    @property
    def valid(self) -> bool:
        """True when relevance, exclusion and independence all hold."""
        return self.relevance.holds and self.exclusion.holds and self.independence.holds


class MediatorCheck(BaseModel):
    """Whether `mediator` lies on a directed path treatment -> ... -> outcome.

    Attributes:
        on_causal_path: it descends from the treatment and causes the outcome.
        complete: every directed path from treatment to outcome passes through it.
    """

    model_config = _FROZEN

    mediator: str
    treatment: str
    outcome: str
    on_causal_path: Verdict
    complete: Verdict

    @property
    def valid(self) -> bool:
        """True for a mediator, complete or partial."""
        return self.on_causal_path.holds


class FrontDoorCheck(BaseModel):
    """Pearl's front-door criterion for a set of mediators (see `check_front_door`)."""

    model_config = _FROZEN

    treatment: str
    outcome: str
    mediators: tuple[str, ...]
    intercepts: Verdict
    no_treatment_confounding: Verdict
    outcome_confounding_blocked: Verdict
    observed: Verdict

    @property
    def valid(self) -> bool:
        """True when all four conditions hold."""
        conditions = (
            self.intercepts,
            self.no_treatment_confounding,
            self.outcome_confounding_blocked,
            self.observed,
        )
        return all(condition.holds for condition in conditions)


class NegativeControlCheck(BaseModel):
    """Whether `control` can serve as a negative control (see `check_negative_control`).

    Attributes:
        role: ``outcome`` (a negative-control outcome) or ``exposure``.
        no_effect: the graph implies no effect the control would wrongly pick up.
        shares_confounding: an open backdoor path links the control to the treatment
            (control outcome) or to the outcome (control exposure).
    """

    model_config = _FROZEN

    control: str
    role: NegativeControlRole
    treatment: str
    outcome: str
    no_effect: Verdict
    shares_confounding: Verdict

    @property
    def valid(self) -> bool:
        """True when both conditions hold."""
        return self.no_effect.holds and self.shares_confounding.holds


# --------------------------------------------------------------------------- findings
#: action -> fields an edit with that action must set.
_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "add_edge": ("source", "target"),
    "remove_edge": ("source", "target"),
    "reverse_edge": ("source", "target"),
    "add_latent": ("latent_name", "variables"),
    "set_adjustment": (),
}

#: action -> how `SuggestedEdit.describe` words it.
_DESCRIPTIONS: dict[str, str] = {
    "add_edge": "add edge {source} -> {target}",
    "remove_edge": "remove edge {source} -> {target}",
    "reverse_edge": "reverse edge {source} -> {target}",
    "add_latent": "add unmeasured {latent_name} confounding {variables}",
    "set_adjustment": "adjust for {variables}",
}


class SuggestedEdit(BaseModel):
    """A change to a graph (or to the adjustment set) that a finding proposes.

    Attributes:
        action: what to do.
        source: the cause of the edge to add, remove or reverse (as it is before the edit).
        target: the effect of that edge.
        variables: the new adjustment set (``set_adjustment``) or the variables an added latent
            confounds (``add_latent``).
        latent_name: name of the latent variable to add.
        latent_description: what that latent variable is.

    Example:
        >>> SuggestedEdit(action="reverse_edge", source="a", target="b").describe()
        'reverse edge a -> b'
    """

    model_config = _FROZEN

    action: EditAction
    source: str | None = None
    target: str | None = None
    variables: tuple[str, ...] = ()
    latent_name: str | None = None
    latent_description: str = ""

    @model_validator(mode="after")
    def _check_fields(self) -> SuggestedEdit:
        missing = [name for name in _REQUIRED_FIELDS[self.action] if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.action} edit needs {' and '.join(missing)}")
        if self.source is not None and self.source == self.target:
            raise ValueError(f"an edge from {self.source!r} to itself is not allowed")
        return self

    def describe(self) -> str:
        """One line for humans, e.g. ``add edge a -> b``."""
        return _DESCRIPTIONS[self.action].format(
            source=self.source,
            target=self.target,
            latent_name=self.latent_name,
            variables=format_set(self.variables),
        )


class Finding(BaseModel):
    """One issue (or piece of information) about a graph and its analysis.

    Attributes:
        kind: what was found. Graph checks use ``cycle``, ``invalid_adjustment``,
            ``valid_adjustment``, ``descendant_in_adjustment``, ``mediator_in_adjustment``,
            ``collider_in_adjustment``, ``latent_in_adjustment``, ``minimal_adjustment_set``,
            ``no_valid_adjustment``, ``latent_blocks_adjustment``, ``front_door``,
            ``no_causal_path`` and ``outcome_causes_treatment``; model critiques use
            ``implausible_edge``, ``reversed_edge``, ``missing_edge``, ``missing_confounder``,
            ``unmeasured_confounder`` and ``implication_explained``; data tests use
            ``implication_rejected``.
        source: ``graph`` for exact checks, ``model`` for a language model's judgement,
            ``data`` for a test of the graph against data.
        severity: ``info``, ``low``, ``medium`` or ``high``.
        message: one sentence for humans.
        rationale: the longer reason (a path, the model's argument).
        variables: the variables concerned.
        edit: the change that would address it, if one makes sense.
        confidence: 0..1, for model findings only.
        provenance: for model findings, the model, prompt version and cache keys of the answer
            that raised it (`Critique.apply` gives the edges it adds this provenance).
        implication_test: for findings about an implied independence (``variables`` is then
            ``(x, y, *given)``): its test, p-value, adjusted p-value and effect size.
    """

    model_config = _FROZEN

    kind: str = Field(min_length=1, max_length=64)
    source: FindingSource
    severity: Severity
    message: str
    rationale: str = ""
    variables: tuple[str, ...] = ()
    edit: SuggestedEdit | None = None
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    provenance: Provenance | None = None
    implication_test: ImplicationTest | None = None

    @model_validator(mode="after")
    def _graph_findings_are_certain(self) -> Finding:
        if self.source in _CERTAIN_SOURCES and self.confidence is not None:
            raise ValueError(f"{_CERTAIN_SOURCES[self.source]}: leave confidence unset")
        return self

    def __str__(self) -> str:
        text = f"[{self.severity}] {self.source}/{self.kind}: {self.message}"
        if self.confidence is not None:
            text += f" (confidence {self.confidence:.2f})"
        if self.implication_test is not None:
            text += f"\n    data: {self.implication_test.describe()}"
        if self.edit is not None:
            text += f"\n    suggested: {self.edit.describe()}"
        return text


class Critique(JsonFile):
    """What the checks (and optionally a model) found about a graph and an analysis plan.

    Attributes:
        graph: the graph critiqued.
        treatment: the cause of interest, if given.
        outcome: the effect of interest, if given.
        adjustment_set: the analyst's adjustment set, if given.
        findings: every finding, most serious first.
        valid_adjustment_sets: minimal valid adjustment sets, smallest first.
        minimal_adjustment_set: a smallest valid set; None when none exists or none was asked.
        usage: what model calls cost (None for graph-only critiques).
        implication_tests: the tests of the graph's implied independences, when data were given.

    Example:
        >>> from pywhy_llm_assist import CausalGraph, check_graph
        >>> graph = CausalGraph.from_edges(["a", "t", "y"], [("a", "t"), ("a", "y"), ("t", "y")])
        >>> critique = check_graph(graph, treatment="t", outcome="y", adjustment_set=[])
        >>> [finding.kind for finding in critique.graph_findings]
        ['invalid_adjustment']
        >>> critique.minimal_adjustment_set
        ('a',)
    """

    model_config = _FROZEN
    json_label: ClassVar[str] = "critique"

    graph: CausalGraph
    treatment: str | None = None
    outcome: str | None = None
    adjustment_set: tuple[str, ...] | None = None
    findings: tuple[Finding, ...] = ()
    valid_adjustment_sets: tuple[tuple[str, ...], ...] = ()
    minimal_adjustment_set: tuple[str, ...] | None = None
    usage: Usage | None = None
    implication_tests: ImplicationTests | None = None

    @model_validator(mode="after")
    def _names_are_in_graph(self) -> Critique:
        known = set(self.graph.names)
        named = [self.treatment, self.outcome, *(self.adjustment_set or ())]
        unknown = [name for name in named if name is not None and name not in known]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a variable of the critiqued graph")
        return self

    def __repr__(self) -> str:
        """One short line, e.g. ``<Critique of t -> y: 3 findings (1 high), 4 variables>``."""
        question = f" of {self.treatment} -> {self.outcome}" if self.treatment else ""
        high = sum(finding.severity == "high" for finding in self.findings)
        serious = f" ({high} high)" if high else ""
        size = f"{counted(len(self.graph.variables), 'variable')}"
        return f"<Critique{question}: {counted(len(self.findings), 'finding')}{serious}, {size}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's text display: the short `repr`."""
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        """Inline display in Jupyter: the question, every finding with its suggested edit, and
        the adjustment sets."""
        from ..review._page import critique_repr_html

        return critique_repr_html(self)

    def to_review_html(self, path: str | Path | None = None, *, title: str | None = None) -> str:
        """Write the review page of the critiqued graph, with these findings shown."""
        from ..review._page import to_review_html

        return to_review_html(self.graph, path, critique=self, title=title)

    @property
    def model_findings(self) -> tuple[Finding, ...]:
        """Findings from the language model."""
        return tuple(finding for finding in self.findings if finding.source == "model")

    @property
    def graph_findings(self) -> tuple[Finding, ...]:
        """Findings from the exact graph checks."""
        return tuple(finding for finding in self.findings if finding.source == "graph")

    @property
    def data_findings(self) -> tuple[Finding, ...]:
        """Findings from testing the graph against data."""
        return tuple(finding for finding in self.findings if finding.source == "data")

    @property
    def suggested_edits(self) -> tuple[SuggestedEdit, ...]:
        """The edits the findings suggest, without repeats, in finding order."""
        edits = (finding.edit for finding in self.findings if finding.edit is not None)
        return tuple(dict.fromkeys(edits))

    def apply(
        self,
        edits_or_findings: Iterable[SuggestedEdit | Finding] | None = None,
        *,
        origin: EditOrigin | None = None,
        reviewer: str | None = None,
    ) -> CausalGraph:
        """Return the graph with the given edits applied (None: every suggested edit).

        Findings contribute their edit, with their message as the provenance note. An edit
        from a model finding keeps the model's provenance (origin ``model``, with the model,
        prompt version and cache keys of the answer); an edit from a graph check or a bare
        `SuggestedEdit` gets origin ``user``. ``review`` is recorded only for decisions a
        reviewer made: with ``reviewer=...`` every applied edit also gets a ``review`` entry
        naming them. Repeated edits are applied once; ``set_adjustment`` edits do not change
        the graph.

        Args:
            edits_or_findings: which edits to apply; None applies every suggested edit.
            origin: ``user`` or ``review``, recorded for the applied edits (``review`` needs
                a `reviewer`); by default ``review`` with a reviewer, else ``user``.
            reviewer: who decided to apply them.

        Raises:
            InputError: a finding without an edit, an edit that does not fit the graph, a
                result with a cycle, or ``origin="review"`` without a reviewer.
        """
        from ._edits import EditStep, apply_steps, decision_provenance

        decision = decision_provenance(origin, reviewer)
        chosen = self.findings if edits_or_findings is None else tuple(edits_or_findings)
        steps: dict[SuggestedEdit, EditStep] = {}
        for item in chosen:
            if isinstance(item, SuggestedEdit):
                steps.setdefault(item, EditStep.decided(item, decision, item.describe()))
            elif item.edit is not None:
                steps.setdefault(item.edit, EditStep.from_finding(item, decision))
            elif edits_or_findings is not None:
                raise InputError(f"the {item.kind} finding suggests no edit: {item.message}")
        return apply_steps(self.graph, steps.values())

    def __str__(self) -> str:
        question = (
            f" of {self.treatment} -> {self.outcome}" if self.treatment and self.outcome else ""
        )
        lines = [
            f"Critique{question}: {counted(len(self.graph.variables), 'variable')}, "
            f"{counted(len(self.graph.edges), 'edge')}, {counted(len(self.findings), 'finding')}"
        ]
        if self.adjustment_set is not None:
            lines.append(f"  adjustment set: {format_set(self.adjustment_set)}")
        if self.implication_tests is not None:
            lines.append(f"  data tests: {self.implication_tests.summary()}")
        ordered = sorted(self.findings, key=lambda finding: SEVERITY_ORDER.index(finding.severity))
        lines += [f"  {finding}" for finding in ordered]
        if self.minimal_adjustment_set is not None:
            lines.append(f"  minimal adjustment set: {format_set(self.minimal_adjustment_set)}")
        if self.valid_adjustment_sets:
            shown = "; ".join(format_set(found) for found in self.valid_adjustment_sets)
            lines.append(f"  valid minimal adjustment sets: {shown}")
        if self.usage is not None:
            lines.append(f"  usage: {self.usage.summary()}")
        return "\n".join(lines)
