"""Background knowledge for graph suggestion: required and forbidden edges, temporal tiers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from ..core._errors import InputError
from ..core._variables import Variables

Pair = tuple[str, str]


@dataclass(frozen=True)
class Constraints:
    """What the analyst already knows; told to the model and enforced afterwards.

    Attributes:
        required: edges that must be in the graph.
        forbidden: edges that must not be in the graph.
        tiers: temporal order, earliest first; no edge may point from a later tier into an
            earlier one. Variables in no tier are unconstrained.
    """

    required: tuple[Pair, ...] = ()
    forbidden: frozenset[Pair] = frozenset()
    tiers: tuple[tuple[str, ...], ...] = ()
    tier_of: dict[str, int] = field(default_factory=dict, compare=False)

    @classmethod
    def build(
        cls,
        variables: Variables,
        *,
        required: Iterable[Sequence[str]] = (),
        forbidden: Iterable[Sequence[str]] = (),
        tiers: Iterable[Iterable[str]] | None = None,
    ) -> Constraints:
        """Check the constraints against `variables` and each other; raise `InputError`."""
        required_pairs = tuple(_pair(edge, "required") for edge in required)
        forbidden_pairs = frozenset(_pair(edge, "forbidden") for edge in forbidden)
        tier_list = tuple(tuple(tier) for tier in (tiers or ()))
        for pair in (*required_pairs, *forbidden_pairs):
            variables.require(pair, role="constraint variable")
        tier_of: dict[str, int] = {}
        for index, tier in enumerate(tier_list):
            variables.require(tier, role="tier variable")
            for name in tier:
                if name in tier_of:
                    raise InputError(
                        f"variable {name!r} is in two tiers ({tier_of[name]} and {index})"
                    )
                tier_of[name] = index
        constraints = cls(required_pairs, forbidden_pairs, tier_list, tier_of)
        constraints._check_consistent()
        return constraints

    def _check_consistent(self) -> None:
        for source, target in self.required:
            if source == target:
                raise InputError(f"required edge {source!r} -> {target!r} is a self-loop")
            if (source, target) in self.forbidden:
                raise InputError(f"edge {source!r} -> {target!r} is both required and forbidden")
            if self.violates_tiers(source, target):
                raise InputError(
                    f"required edge {source!r} -> {target!r} points from a later tier into an "
                    "earlier one"
                )
        graph = nx.DiGraph(self.required)
        if not nx.is_directed_acyclic_graph(graph):
            cycle = " -> ".join(str(step[0]) for step in nx.find_cycle(graph))
            raise InputError(f"the required edges form a cycle ({cycle})")

    def violates_tiers(self, source: str, target: str) -> bool:
        """True if ``source -> target`` points from a later tier into an earlier one."""
        if source not in self.tier_of or target not in self.tier_of:
            return False
        return self.tier_of[source] > self.tier_of[target]

    def is_required(self, source: str, target: str) -> bool:
        """True if ``source -> target`` is required."""
        return (source, target) in self.required

    def as_lists(self) -> dict[str, list[list[str]]]:
        """JSON-ready form, for metadata and prompts."""
        return {
            "required": [list(pair) for pair in self.required],
            "forbidden": sorted(list(pair) for pair in self.forbidden),
            "tiers": [list(tier) for tier in self.tiers],
        }


def _pair(edge: Sequence[str], role: str) -> Pair:
    if isinstance(edge, str) or len(edge) != 2:
        raise InputError(f"each {role} edge must be a (cause, effect) pair, got {edge!r}")
    return (str(edge[0]), str(edge[1]))
