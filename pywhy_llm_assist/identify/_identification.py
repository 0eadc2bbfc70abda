"""Deterministic identification checks over a causal DAG: no model involved.

Every function takes a `networkx.DiGraph` (or a `CausalGraph`) and a set of latent
(unmeasured) node names. Latent nodes are also read from the graph itself: a `CausalGraph`'s
`latent` variables, or nodes whose ``latent`` attribute is true (as `CausalGraph.to_networkx`
writes them). Latent nodes take part in every path and d-separation test, but are never
proposed for adjustment. Results are the frozen pydantic models of `_findings`.

Vocabulary (Pearl 2009):

* a *backdoor path* from T to Y is a path that starts with an edge into T;
* a set Z satisfies the *backdoor criterion* for (T, Y) when no member of Z is a descendant
  of T, and Z blocks every backdoor path, i.e. T and Y are d-separated by Z in the graph with
  the edges out of T removed.

Example:
    >>> import networkx as nx
    >>> graph = nx.DiGraph([("age", "smoking"), ("age", "cancer"), ("smoking", "cancer")])
    >>> sorted(minimal_adjustment_set(graph, "smoking", "cancer"))
    ['age']
    >>> check_adjustment_set(graph, "smoking", "cancer", []).valid
    False
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TypeAlias

import networkx as nx

from ..core._errors import CyclicGraphError, InputError
from ..graph._causal_graph import CausalGraph
from ..graph._structure import require_oriented
from ._findings import (
    AdjustmentCheck,
    format_path,
)

#: A graph the checks accept: a networkx DiGraph with string nodes, or a CausalGraph.
GraphLike: TypeAlias = "nx.DiGraph[str] | CausalGraph"

#: Most cycles `find_cycles` returns.
DEFAULT_CYCLE_LIMIT = 20
#: Most example paths an `AdjustmentCheck` lists.
EXAMPLE_PATH_LIMIT = 3
#: Most candidate paths examined when looking for open example paths.
PATHS_EXAMINED_LIMIT = 2_000
#: Exhaustive enumeration of adjustment sets runs up to this many candidate nodes.
EXHAUSTIVE_CANDIDATE_LIMIT = 20
#: Exhaustive enumeration stops after this many d-separation tests.
DEFAULT_TEST_BUDGET = 100_000


# --------------------------------------------------------------------------- helpers
def _resolve(graph: GraphLike, latent: Iterable[str]) -> tuple[nx.DiGraph[str], frozenset[str]]:
    """Return the networkx graph and every latent name (given or marked on the graph)."""
    if isinstance(graph, CausalGraph):
        require_oriented(graph, "identification")  # an unoriented edge is no direction at all
        return graph.to_networkx(), frozenset(latent) | frozenset(graph.latent)
    if not isinstance(graph, nx.DiGraph):
        raise InputError(
            f"expected a networkx.DiGraph or a CausalGraph, not {type(graph).__name__}"
        )
    marked = {node for node, is_latent in graph.nodes(data="latent", default=False) if is_latent}
    names = frozenset(latent) | frozenset(marked)
    unknown = sorted(names - set(graph.nodes))
    if unknown:
        raise InputError(f"latent variables {unknown} are not nodes of the graph")
    return graph, names


def _require_node(graph: nx.DiGraph[str], name: str, role: str) -> None:
    if name not in graph:
        known = ", ".join(repr(node) for node in list(graph.nodes)[:12])
        raise InputError(f"{role} {name!r} is not in the graph; its nodes are {known}")


def _require_dag(graph: nx.DiGraph[str]) -> None:
    if not nx.is_directed_acyclic_graph(graph):
        cycles = find_cycles(graph)
        cycle = cycles[0]
        raise CyclicGraphError(
            f"the graph has a cycle ({format_path([*cycle, cycle[0]])}); identification "
            "checks need an acyclic graph: remove or reverse an edge of the cycle first",
            cycles=cycles,
        )


def _prepare(
    graph: GraphLike,
    treatment: str,
    outcome: str,
    latent: Iterable[str],
) -> tuple[nx.DiGraph[str], frozenset[str]]:
    """Resolve the graph, check the treatment and outcome and that the graph is a DAG."""
    network, latent_names = _resolve(graph, latent)
    _require_node(network, treatment, "treatment")
    _require_node(network, outcome, "outcome")
    if treatment == outcome:
        raise InputError(f"treatment and outcome are the same variable {treatment!r}")
    for name, role in ((treatment, "treatment"), (outcome, "outcome")):
        if name in latent_names:
            raise InputError(f"the {role} {name!r} is latent (unmeasured); it must be observed")
    _require_dag(network)
    return network, latent_names


def _without_out_edges(graph: nx.DiGraph[str], nodes: Iterable[str]) -> nx.DiGraph[str]:
    """Return a copy of `graph` without the edges leaving `nodes`."""
    pruned = graph.copy()
    pruned.remove_edges_from([edge for node in nodes for edge in graph.out_edges(node)])
    return pruned


def _interior(path: Sequence[str], graph: nx.DiGraph[str]) -> Iterator[tuple[str, bool]]:
    """Yield each inner node of `path` and whether it is a collider on it."""
    for before, node, after in zip(path, path[1:], path[2:], strict=False):
        yield node, graph.has_edge(before, node) and graph.has_edge(after, node)


def _is_open(path: Sequence[str], graph: nx.DiGraph[str], given: Collection[str]) -> bool:
    """True when `path` is d-connecting given `given` (collider rule with descendants)."""
    return all(
        node in given or bool(_descendants(graph, node) & set(given))
        if collider
        else node not in given
        for node, collider in _interior(path, graph)
    )


def _open_paths(
    graph: nx.DiGraph[str], source: str, target: str, given: Collection[str], limit: int
) -> list[tuple[str, ...]]:
    """Up to `limit` open paths from `source` to `target`, shortest first (bounded search)."""
    skeleton = graph.to_undirected(as_view=True)
    if not nx.has_path(skeleton, source, target):
        return []
    found: list[tuple[str, ...]] = []
    paths: Iterator[list[str]] = nx.shortest_simple_paths(skeleton, source, target)
    for path in itertools.islice(paths, PATHS_EXAMINED_LIMIT):
        if _is_open(path, graph, given):
            found.append(tuple(path))
            if len(found) >= limit:
                break
    return found


def _path_openers(path: Sequence[str], graph: nx.DiGraph[str], given: Collection[str]) -> set[str]:
    """Members of `given` that open `path` by being, or descending from, a collider on it."""
    openers = [
        {node} | _descendants(graph, node) for node, collider in _interior(path, graph) if collider
    ]
    return set().union(*openers) & set(given)


def _descendants(graph: nx.DiGraph[str], node: str) -> set[str]:
    return set(nx.descendants(graph, node))


def _ancestors(graph: nx.DiGraph[str], node: str) -> set[str]:
    return set(nx.ancestors(graph, node))


def common_causes(graph: nx.DiGraph[str], treatment: str, outcome: str) -> set[str]:
    """Variables that cause `treatment` and, not only through it, `outcome` (empty if absent).

    Example:
        >>> common_causes(nx.DiGraph([("u", "t"), ("u", "y"), ("t", "y"), ("v", "t")]), "t", "y")
        {'u'}
    """
    if treatment not in graph or outcome not in graph:
        return set()
    of_treatment = nx.ancestors(graph, treatment)
    of_outcome = nx.ancestors(graph.subgraph(set(graph) - {treatment}), outcome)
    return set(of_treatment) & set(of_outcome)


def _candidates(
    graph: nx.DiGraph[str],
    treatment: str,
    outcome: str,
    latent: frozenset[str],
    *,
    ancestors_only: bool = True,
) -> tuple[nx.DiGraph[str], list[str]]:
    """Return the backdoor graph and the observed nodes adjustment sets are drawn from.

    Those are the nodes that do not descend from the treatment (the backdoor criterion) and,
    with `ancestors_only`, are ancestors of treatment or outcome: every minimal separator lies
    among those (Tian, Paz & Pearl 1998), and if any valid set exists, all of them together
    form one (van der Zander, Liskiewicz & Textor 2019).
    """
    backdoor = _without_out_edges(graph, [treatment])
    excluded = _descendants(graph, treatment) | {treatment, outcome} | latent
    pool = set(graph)
    if ancestors_only:
        pool = _ancestors(backdoor, treatment) | _ancestors(backdoor, outcome)
    return backdoor, sorted(pool - excluded)


# --------------------------------------------------------------------------- cycles
def find_cycles(graph: GraphLike, *, limit: int = DEFAULT_CYCLE_LIMIT) -> list[list[str]]:
    """Return up to `limit` simple directed cycles, each as its list of nodes, shortest first.

    Example:
        >>> find_cycles(nx.DiGraph([("a", "b"), ("b", "a")]))
        [['a', 'b']]
    """
    network, _ = _resolve(graph, ())
    cycles = [list(cycle) for cycle in itertools.islice(nx.simple_cycles(network), limit * 5)]
    cycles = [_rotate(cycle) for cycle in cycles]
    return sorted(cycles, key=lambda cycle: (len(cycle), cycle))[:limit]


def _rotate(cycle: list[str]) -> list[str]:
    """Start a cycle at its smallest node, so the same cycle always reads the same."""
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


# --------------------------------------------------------------------------- adjustment
def check_adjustment_set(
    graph: GraphLike,
    treatment: str,
    outcome: str,
    adjustment: Iterable[str],
    latent: Iterable[str] = (),
) -> AdjustmentCheck:
    """Check `adjustment` against the backdoor criterion for treatment -> outcome.

    Blocking is tested with the observed members only (a latent member cannot be adjusted
    for, and is reported in `AdjustmentCheck.latent`).

    Raises:
        InputError: unknown names, treatment == outcome, the treatment or outcome inside the
            set, a latent treatment or outcome, or a cyclic graph.

    Example:
        >>> graph = nx.DiGraph([("a", "t"), ("a", "m"), ("b", "m"), ("b", "y"), ("t", "y")])
        >>> check = check_adjustment_set(graph, "t", "y", ["m"])
        >>> check.valid, check.colliders
        (False, ('m',))
    """
    network, latent_names = _prepare(graph, treatment, outcome, latent)
    members = tuple(dict.fromkeys(adjustment))
    for name in members:
        _require_node(network, name, "adjustment variable")
        if name in (treatment, outcome):
            raise InputError(
                f"the adjustment set must not contain the treatment or outcome ({name!r})"
            )
    descendants = _descendants(network, treatment)
    on_causal_paths = descendants & _ancestors(network, outcome)
    observed = [name for name in members if name not in latent_names]
    backdoor = _without_out_edges(network, [treatment])
    blocks = bool(nx.is_d_separator(backdoor, treatment, outcome, set(observed)))
    open_paths = (
        [] if blocks else _open_paths(backdoor, treatment, outcome, observed, EXAMPLE_PATH_LIMIT)
    )
    openers = set().union(*(_path_openers(path, backdoor, observed) for path in open_paths))
    mediators = tuple(name for name in members if name in on_causal_paths)
    others = tuple(name for name in members if name in descendants and name not in mediators)
    latent_members = tuple(name for name in members if name in latent_names)
    return AdjustmentCheck(
        treatment=treatment,
        outcome=outcome,
        adjustment=members,
        valid=blocks and not mediators and not others and not latent_members,
        mediators=mediators,
        other_descendants=others,
        colliders=tuple(name for name in observed if name in openers),
        latent=latent_members,
        open_paths=tuple(open_paths),
        open_path_text=tuple(format_path(path, backdoor.has_edge) for path in open_paths),
        blocks_backdoor_paths=blocks,
    )


def valid_adjustment_sets(
    graph: GraphLike,
    treatment: str,
    outcome: str,
    latent: Iterable[str] = (),
    *,
    minimal_only: bool = True,
    limit: int = 50,
    max_tests: int = DEFAULT_TEST_BUDGET,
) -> list[frozenset[str]]:
    """List valid backdoor adjustment sets of observed variables, smallest first.

    The search is exhaustive, by increasing size, when at most `EXHAUSTIVE_CANDIDATE_LIMIT`
    (20) candidates remain. Candidates are the observed variables that do not descend from the
    treatment; with `minimal_only` (the default) only the ancestors of treatment or outcome
    among them, where every minimal valid set lies, and supersets of sets already found are
    skipped, so each listed set is minimal by inclusion. The search stops after `limit` sets
    or `max_tests` d-separation tests; a search cut short, or a graph with more candidates,
    still returns at least one set whenever any exists (an inclusion-minimal set found by
    networkx). Sets of equal size come in lexicographic order of their sorted members.

    Returns:
        The sets found; an empty list when no set of observed variables is valid.

    Example:
        >>> graph = nx.DiGraph([("a", "t"), ("b", "t"), ("a", "y"), ("b", "y"), ("t", "y")])
        >>> [sorted(found) for found in valid_adjustment_sets(graph, "t", "y")]
        [['a', 'b']]
    """
    network, latent_names = _prepare(graph, treatment, outcome, latent)
    backdoor, candidates = _candidates(network, treatment, outcome, latent_names)

    def separates(members: Collection[str]) -> bool:
        return bool(nx.is_d_separator(backdoor, treatment, outcome, set(members)))

    if not separates(candidates):
        return []
    if not minimal_only:
        _, candidates = _candidates(network, treatment, outcome, latent_names, ancestors_only=False)
    found: list[frozenset[str]] = []
    if len(candidates) <= EXHAUSTIVE_CANDIDATE_LIMIT:
        found = _enumerate(candidates, separates, minimal_only, limit, max_tests)
    if not found:
        fallback = nx.find_minimal_d_separator(
            backdoor, treatment, outcome, restricted=set(candidates)
        )
        found = [frozenset(fallback if fallback is not None else candidates)]
    return found


def _enumerate(
    candidates: Sequence[str],
    separates: Callable[[Collection[str]], bool],
    minimal_only: bool,
    limit: int,
    max_tests: int,
) -> list[frozenset[str]]:
    """Try subsets of `candidates` by increasing size, within the test budget."""
    found: list[frozenset[str]] = []
    tests = 0
    for size in range(len(candidates) + 1):
        for combination in itertools.combinations(candidates, size):
            members = frozenset(combination)
            if minimal_only and any(previous <= members for previous in found):
                continue
            if tests >= max_tests:
                return found
            tests += 1
            if separates(members):
                found.append(members)
                if len(found) >= limit:
                    return found
    return found


def minimal_adjustment_set(
    graph: GraphLike,
    treatment: str,
    outcome: str,
    latent: Iterable[str] = (),
) -> frozenset[str] | None:
    """Return a smallest valid adjustment set of observed variables, or None if none exists.

    Smallest by size when the search of `valid_adjustment_sets` stays within its bounds,
    otherwise minimal by inclusion. None means adjustment cannot identify the effect, e.g.
    because a latent confounder opens a backdoor path.

    Example:
        >>> graph = nx.DiGraph([("u", "t"), ("u", "y"), ("t", "y")])
        >>> minimal_adjustment_set(graph, "t", "y", latent={"u"}) is None
        True
    """
    sets = valid_adjustment_sets(graph, treatment, outcome, latent, limit=1)
    return sets[0] if sets else None


def latent_blocks_adjustment(
    graph: GraphLike,
    treatment: str,
    outcome: str,
    latent: Iterable[str] = (),
) -> tuple[str, ...]:
    """Return the latent variables that prevent identification by adjustment.

    Empty when some observed set is valid, or when the effect could not be identified by
    adjustment even if the latent variables were measured. Otherwise the latent variables on
    the backdoor paths that every observed candidate set leaves open.

    Example:
        >>> graph = nx.DiGraph([("u", "t"), ("u", "y"), ("t", "y")])
        >>> latent_blocks_adjustment(graph, "t", "y", latent={"u"})
        ('u',)
    """
    network, latent_names = _prepare(graph, treatment, outcome, latent)
    backdoor, candidates = _candidates(network, treatment, outcome, latent_names)
    if nx.is_d_separator(backdoor, treatment, outcome, set(candidates)):
        return ()
    _, with_latent = _candidates(network, treatment, outcome, frozenset())
    if not nx.is_d_separator(backdoor, treatment, outcome, set(with_latent)):
        return ()
    paths = _open_paths(backdoor, treatment, outcome, candidates, EXAMPLE_PATH_LIMIT)
    on_paths = {node for path in paths for node in path if node in latent_names}
    return tuple(sorted(on_paths or latent_names & set(with_latent)))


# --------------------------------------------------------------------------- roles
