"""Partially directed graphs (a CPDAG and its refinements): Meek's rules and consistent extensions.

Orienting an undirected edge of a CPDAG with outside knowledge (a model's answer, an analyst's
required edge) keeps the graph inside the data's Markov equivalence class only if it creates no
new v-structure and the result still has a DAG extension without new v-structures; Meek's four
rules (Meek 1995, "Causal inference and causal explanation with background knowledge") then
give every orientation the accepted one implies.

Why our own code: causal-learn's ``Meek.meek`` works on its own index-based graph objects, and
its ``pdag2dag`` loops forever when no extension exists; these few set operations check before
they orient and always stop. The tests compare both against causal-learn (``dag2cpdag``,
``Meek.meek``) on random graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx

Pair = tuple[str, str]


@dataclass
class Pdag:
    """Directed edges and undirected edges over named nodes.

    Example:
        >>> pdag = Pdag.build("abc", directed=[], undirected=[("a", "b"), ("b", "c")])
        >>> pdag.orient("a", "b")
        >>> pdag.apply_meek()
        [('b', 'c')]
    """

    nodes: tuple[str, ...]
    directed: set[Pair] = field(default_factory=set)
    undirected: set[frozenset[str]] = field(default_factory=set)
    fixed: frozenset[frozenset[str]] = frozenset()
    """Other adjacencies (bidirected edges): they count as adjacent but are never oriented."""

    @classmethod
    def build(
        cls,
        nodes: Iterable[str],
        *,
        directed: Iterable[Pair],
        undirected: Iterable[Pair],
        fixed: Iterable[Pair] = (),
    ) -> Pdag:
        """A PDAG from node names, directed pairs and undirected pairs."""
        return cls(
            tuple(nodes),
            {(str(a), str(b)) for a, b in directed},
            {frozenset((str(a), str(b))) for a, b in undirected},
            frozenset(frozenset((str(a), str(b))) for a, b in fixed),
        )

    def copy(self) -> Pdag:
        """An independent copy."""
        return Pdag(self.nodes, set(self.directed), set(self.undirected), self.fixed)

    # ------------------------------------------------------------------ neighbourhoods
    def is_undirected(self, a: str, b: str) -> bool:
        """True if ``a --- b``."""
        return frozenset((a, b)) in self.undirected

    def adjacent(self, a: str, b: str) -> bool:
        """True if any edge joins `a` and `b`."""
        return (
            (a, b) in self.directed
            or (b, a) in self.directed
            or self.is_undirected(a, b)
            or frozenset((a, b)) in self.fixed
        )

    def parents(self, node: str) -> set[str]:
        """Nodes with a directed edge into `node`."""
        return {a for a, b in self.directed if b == node}

    def neighbours(self, node: str) -> set[str]:
        """Nodes joined to `node` by an undirected edge."""
        return {other for key in self.undirected if node in key for other in key if other != node}

    # ------------------------------------------------------------------ orienting
    def orient(self, a: str, b: str) -> None:
        """Turn ``a --- b`` into ``a -> b`` (`KeyError` if there is no such undirected edge)."""
        self.undirected.remove(frozenset((a, b)))
        self.directed.add((a, b))

    def new_v_structures(self, a: str, b: str) -> list[tuple[str, str, str]]:
        """The v-structures ``a -> b <- c`` (``a``, ``c`` not adjacent) orienting a -> b creates."""
        return [(a, b, c) for c in sorted(self.parents(b)) if c != a and not self.adjacent(a, c)]

    def v_structures(self) -> set[tuple[str, str, str]]:
        """Every ``a -> b <- c`` with ``a`` and ``c`` not adjacent (``a < c``)."""
        found = set()
        for node in self.nodes:
            parents = sorted(self.parents(node))
            for first, second in combinations(parents, 2):
                if not self.adjacent(first, second):
                    found.add((first, node, second))
        return found

    def apply_meek(self) -> list[Pair]:
        """Apply Meek's rules 1-4 until nothing changes; return the edges they oriented.

        An orientation that would close a directed cycle is skipped, as causal-learn's ``meek``
        does: it never happens in a graph with a consistent extension, and a graph learned with
        test errors (colliders that contradict each other) must not gain a cycle from the rules.
        """
        oriented: list[Pair] = []
        changed = True
        while changed:
            changed = False
            for key in sorted(self.undirected, key=sorted):
                first, second = sorted(key)
                for a, b in ((first, second), (second, first)):
                    if self.is_undirected(a, b) and self._implied(a, b) and not self._reaches(b, a):
                        self.orient(a, b)
                        oriented.append((a, b))
                        changed = True
                        break
        return oriented

    def _reaches(self, start: str, goal: str) -> bool:
        """True if a directed path leads from `start` to `goal`."""
        children: dict[str, list[str]] = {}
        for a, b in self.directed:
            children.setdefault(a, []).append(b)
        seen, stack = {start}, [start]
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            for child in children.get(node, ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return False

    def _implied(self, a: str, b: str) -> bool:
        """True if one of Meek's rules orients the undirected edge ``a --- b`` as ``a -> b``."""
        # R1: c -> a --- b with c, b not adjacent.
        if any(not self.adjacent(c, b) for c in self.parents(a) if c != b):
            return True
        # R2: a -> c -> b with a --- b.
        if any((a, c) in self.directed for c in self.parents(b)):
            return True
        # R3: a --- c -> b and a --- d -> b, with c, d not adjacent.
        candidates = sorted(c for c in self.neighbours(a) if (c, b) in self.directed)
        if any(not self.adjacent(c, d) for c, d in combinations(candidates, 2)):
            return True
        # R4: a --- c, c -> d -> b, with c, b not adjacent and a, d adjacent.
        for c in self.neighbours(a):
            if c == b or self.adjacent(c, b):
                continue
            for d in self.parents(b):
                if (c, d) in self.directed and self.adjacent(a, d):
                    return True
        return False

    def has_consistent_extension(self) -> bool:
        """True if the undirected edges can be oriented into a DAG with no new v-structure.

        Dor and Tarsi (1992): repeatedly remove a node with no outgoing directed edge whose
        undirected neighbours are adjacent to all its other neighbours; succeed when all go.
        """
        remaining = set(self.nodes)
        directed = set(self.directed)
        undirected = set(self.undirected)

        def adjacent(x: str, y: str) -> bool:
            key = frozenset((x, y))
            return (
                (x, y) in directed or (y, x) in directed or key in undirected or key in self.fixed
            )

        while remaining:
            for node in sorted(remaining):
                if any(a == node for a, _ in directed):
                    continue
                near = {o for key in undirected if node in key for o in key if o != node}
                around = near | {a for a, b in directed if b == node}
                if all(adjacent(n, o) for n in near for o in around if o != n):
                    remaining.discard(node)
                    directed = {pair for pair in directed if node not in pair}
                    undirected = {key for key in undirected if node not in key}
                    break
            else:
                return False
        return True


@dataclass(frozen=True)
class OrientationCheck:
    """Whether an orientation keeps the graph in the data's equivalence class, and what it implies.

    Attributes:
        accepted: the orientation was applied.
        reason: why not, when it was refused (empty when accepted).
        implied: the further orientations Meek's rules drew from it.
    """

    accepted: bool
    reason: str = ""
    implied: tuple[Pair, ...] = ()


def try_orient(pdag: Pdag, a: str, b: str, *, extendable: bool | None = None) -> OrientationCheck:
    """Orient ``a --- b`` as ``a -> b`` in `pdag` if that stays consistent, then apply Meek.

    Refused (and `pdag` left unchanged) when the edge is not undirected, when it would create a
    new v-structure, or when no DAG extension without new v-structures would remain (a cycle
    would be forced). A PDAG learned from finite data can already have no such extension (test
    errors make PC's colliders contradict each other); then, since the criterion cannot
    separate good orientations from bad ones, an orientation is refused only when its directed
    edges would form a cycle.

    Args:
        pdag: the graph, changed in place when the orientation is accepted.
        a, b: the orientation ``a -> b``.
        extendable: whether `pdag` has a consistent extension, when the caller knows
            (default: computed).

    Example:
        >>> pdag = Pdag.build("abc", directed=[("a", "b")], undirected=[("b", "c")])
        >>> try_orient(pdag, "c", "b").reason
        'it would make a new v-structure a -> b <- c'
    """
    if not pdag.is_undirected(a, b):
        return OrientationCheck(False, f"{a} --- {b} is not an undirected edge")
    created = pdag.new_v_structures(a, b)
    if created:
        first = created[0]
        return OrientationCheck(
            False, f"it would make a new v-structure {first[2]} -> {first[1]} <- {first[0]}"
        )
    if extendable is None:
        extendable = pdag.has_consistent_extension()
    trial = pdag.copy()
    trial.orient(a, b)
    implied = trial.apply_meek()
    # The rules draw sound consequences only from a consistent orientation: from an
    # inconsistent one they can produce a collider the data never had.
    drawn = sorted(trial.v_structures() - pdag.v_structures())
    if drawn:
        first = drawn[0]
        return OrientationCheck(
            False,
            f"with what it implies, it would make a new v-structure "
            f"{first[0]} -> {first[1]} <- {first[2]}",
        )
    if extendable and not trial.has_consistent_extension():
        return OrientationCheck(False, "no acyclic orientation of the other edges would remain")
    if not extendable and not nx.is_directed_acyclic_graph(nx.DiGraph(list(trial.directed))):
        return OrientationCheck(False, "it would close a directed cycle")
    pdag.directed, pdag.undirected = trial.directed, trial.undirected
    return OrientationCheck(True, implied=tuple(implied))
