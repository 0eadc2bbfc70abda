"""Exact checks of the roles a variable may play: instrument, mediator, front door, control.

Plain functions over a networkx DiGraph (or a `CausalGraph`) and its latent variables; no
model is involved. The backdoor checks and shared helpers live in `_identification`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import networkx as nx

from ..core._errors import InputError
from ._findings import (
    FrontDoorCheck,
    InstrumentCheck,
    MediatorCheck,
    NegativeControlCheck,
    NegativeControlRole,
    Verdict,
    format_path,
    format_set,
)
from ._identification import (
    GraphLike,
    _ancestors,
    _descendants,
    _open_paths,
    _prepare,
    _require_node,
    _without_out_edges,
)


def _verdict(holds: bool, passed: str, failed: str) -> Verdict:
    return Verdict(holds=holds, explanation=passed if holds else failed)


def _open_example(graph: nx.DiGraph[str], source: str, target: str) -> str:
    """`` (e.g. PATH)`` for an open path given nothing, or an empty string."""
    paths = _open_paths(graph, source, target, (), 1)
    return f" (e.g. {format_path(paths[0], graph.has_edge)})" if paths else ""


def _directed_example(graph: nx.DiGraph[str], source: str, target: str) -> str:
    """A directed path from `source` to `target` as text, or an empty string."""
    if not nx.has_path(graph, source, target):
        return ""
    return format_path(nx.shortest_path(graph, source, target))


def _role(
    network: nx.DiGraph[str], latent: frozenset[str], name: str, role: str, *taken: str
) -> None:
    """Check that a variable given a role exists, is observed and is not treatment or outcome."""
    _require_node(network, name, role)
    if name in taken:
        raise InputError(f"the {role} {name!r} must differ from the treatment and the outcome")
    if name in latent:
        raise InputError(f"the {role} {name!r} is latent (unmeasured); it must be observed")


def check_instrument(
    graph: GraphLike, instrument: str, treatment: str, outcome: str, latent: Iterable[str] = ()
) -> InstrumentCheck:
    """Check the three instrumental-variable conditions, each with its own verdict.

    Criteria, all conditioning on nothing:

    * relevance: the instrument is d-connected to the treatment;
    * exclusion: every directed path from the instrument to the outcome passes through the
      treatment;
    * independence: the instrument is d-separated from the outcome in the graph without the
      edges out of the treatment and out of the instrument, i.e. no path starting with an edge
      into the instrument (a shared cause) is open. Exclusion and independence together are
      Pearl's condition: instrument and outcome are d-separated once the treatment's outgoing
      edges are removed.

    Example:
        >>> graph = nx.DiGraph([("z", "t"), ("t", "y"), ("u", "t"), ("u", "y")])
        >>> check_instrument(graph, "z", "t", "y", latent={"u"}).valid
        True
    """
    network, latent_names = _prepare(graph, treatment, outcome, latent)
    _role(network, latent_names, instrument, "instrument", treatment, outcome)
    z, t, y = repr(instrument), repr(treatment), repr(outcome)
    relevance = _verdict(
        not nx.is_d_separator(network, instrument, treatment, set()),
        f"{z} is d-connected to {t}{_open_example(network, instrument, treatment)}.",
        f"{z} is d-separated from {t}, so it cannot move the treatment.",
    )
    cut = _without_out_edges(network, [treatment])
    bypass = _directed_example(cut, instrument, outcome)
    exclusion = _verdict(
        not bypass,
        f"every directed path from {z} to {y} passes through {t}.",
        f"the directed path {bypass} reaches {y} without passing through {t}.",
    )
    pruned = _without_out_edges(network, [treatment, instrument])
    independence = _verdict(
        nx.is_d_separator(pruned, instrument, outcome, set()),
        f"{z} shares no open common-cause path with {y}.",
        f"{z} and {y} share a cause{_open_example(pruned, instrument, outcome)}.",
    )
    return InstrumentCheck(
        instrument=instrument,
        treatment=treatment,
        outcome=outcome,
        relevance=relevance,
        exclusion=exclusion,
        independence=independence,
    )


def check_mediator(
    graph: GraphLike, mediator: str, treatment: str, outcome: str, latent: Iterable[str] = ()
) -> MediatorCheck:
    """Check that `mediator` lies on a directed path treatment -> ... -> mediator -> ... -> outcome.

    Example:
        >>> graph = nx.DiGraph([("t", "m"), ("m", "y"), ("t", "y")])
        >>> check = check_mediator(graph, "m", "t", "y")
        >>> check.valid, check.complete.holds
        (True, False)
    """
    network, _ = _prepare(graph, treatment, outcome, latent)
    _require_node(network, mediator, "mediator")
    if mediator in (treatment, outcome):
        raise InputError(f"the mediator {mediator!r} must differ from the treatment and outcome")
    m, t, y = repr(mediator), repr(treatment), repr(outcome)
    on_path = nx.has_path(network, treatment, mediator) and nx.has_path(network, mediator, outcome)
    without = network.subgraph(set(network) - {mediator})
    bypass = _directed_example(without, treatment, outcome) if on_path else ""
    return MediatorCheck(
        mediator=mediator,
        treatment=treatment,
        outcome=outcome,
        on_causal_path=_verdict(
            on_path,
            f"{m} descends from {t} and causes {y}.",
            f"{m} is not on a directed path from {t} to {y}.",
        ),
        complete=_verdict(
            on_path and not bypass,
            f"every directed path from {t} to {y} passes through {m}.",
            f"the directed path {bypass} bypasses {m}." if bypass else f"{m} is no mediator.",
        ),
    )


def check_front_door(
    graph: GraphLike,
    treatment: str,
    outcome: str,
    mediators: Iterable[str],
    latent: Iterable[str] = (),
) -> FrontDoorCheck:
    """Check Pearl's front-door criterion for the set `mediators`.

    Conditions: the set meets every directed path from treatment to outcome; no backdoor path
    from the treatment to the set is open; the treatment blocks every backdoor path from the
    set to the outcome; every member is observed.

    Example:
        >>> graph = nx.DiGraph([("t", "m"), ("m", "y"), ("u", "t"), ("u", "y")])
        >>> check_front_door(graph, "t", "y", ["m"], latent={"u"}).valid
        True
    """
    network, latent_names = _prepare(graph, treatment, outcome, latent)
    members = tuple(dict.fromkeys(mediators))
    if not members:
        raise InputError("the front-door criterion needs at least one mediator")
    for name in members:
        _require_node(network, name, "mediator")
        if name in (treatment, outcome):
            raise InputError(f"the mediator {name!r} must differ from the treatment and outcome")
    shown, t, y = format_set(members), repr(treatment), repr(outcome)
    bypass = _directed_example(network.subgraph(set(network) - set(members)), treatment, outcome)
    hidden = format_set(set(members) & latent_names)
    after = _without_out_edges(network, members)
    return FrontDoorCheck(
        treatment=treatment,
        outcome=outcome,
        mediators=members,
        intercepts=_verdict(
            not bypass,
            f"{shown} meets every directed path from {t} to {y}.",
            f"the directed path {bypass} avoids {shown}.",
        ),
        no_treatment_confounding=_verdict(
            nx.is_d_separator(
                _without_out_edges(network, [treatment]), {treatment}, set(members), set()
            ),
            f"no backdoor path from {t} to {shown} is open.",
            f"a backdoor path from {t} to {shown} is open.",
        ),
        outcome_confounding_blocked=_verdict(
            nx.is_d_separator(after, set(members), {outcome}, {treatment}),
            f"{t} blocks every backdoor path from {shown} to {y}.",
            f"a backdoor path from {shown} to {y} stays open given {t}.",
        ),
        observed=_verdict(
            hidden == "{}", f"{shown} are all measured.", f"{hidden} are unmeasured."
        ),
    )


def front_door_sets(
    graph: GraphLike,
    treatment: str,
    outcome: str,
    latent: Iterable[str] = (),
    *,
    max_size: int = 3,
    limit: int = 5,
) -> list[tuple[str, ...]]:
    """List sets of observed mediators that satisfy the front-door criterion, smallest first.

    Bounded: candidates are the first 12 (by name) observed nodes on directed paths from
    treatment to outcome; sets of up to `max_size` members are tried, supersets of sets found
    are skipped, and at most `limit` sets are returned.
    """
    network, latent_names = _prepare(graph, treatment, outcome, latent)
    between = _descendants(network, treatment) & _ancestors(network, outcome)
    candidates = sorted(between - latent_names)[:12]
    found: list[tuple[str, ...]] = []
    for size in range(1, min(max_size, len(candidates)) + 1):
        for combination in itertools.combinations(candidates, size):
            if any(set(previous) <= set(combination) for previous in found):
                continue
            if check_front_door(network, treatment, outcome, combination, latent_names).valid:
                found.append(combination)
                if len(found) >= limit:
                    return found
    return found


def check_negative_control(
    graph: GraphLike,
    control: str,
    treatment: str,
    outcome: str,
    latent: Iterable[str] = (),
    *,
    role: NegativeControlRole = "outcome",
) -> NegativeControlCheck:
    """Check a negative control: no causal link it could pick up, yet the same confounding.

    Criteria (conditioning on nothing):

    * ``role="outcome"``: the treatment does not cause `control`; and the treatment and
      `control` share a cause: they are d-connected once the edges out of both the treatment
      and `control` are removed.
    * ``role="exposure"``: `control` reaches the outcome by no directed path that avoids the
      treatment; and `control` and the outcome are d-connected once the edges out of the
      treatment and out of `control` are removed.

    Example:
        >>> graph = nx.DiGraph([("u", "t"), ("u", "y"), ("u", "n"), ("t", "y")])
        >>> check_negative_control(graph, "n", "t", "y").valid
        True
    """
    network, latent_names = _prepare(graph, treatment, outcome, latent)
    _role(network, latent_names, control, "negative control", treatment, outcome)
    source, target, cut, partner = _NEGATIVE_CONTROL_ROLES[role](control, treatment, outcome)
    effect = _directed_example(_without_out_edges(network, cut), source, target)
    pruned = _without_out_edges(network, [treatment, control])
    c, p = repr(control), repr(partner)
    return NegativeControlCheck(
        control=control,
        role=role,
        treatment=treatment,
        outcome=outcome,
        no_effect=_verdict(
            not effect,
            f"{source!r} has no effect on {target!r}"
            + (f" other than through {treatment!r}." if cut else "."),
            f"the directed path {effect} is a real effect the control would pick up.",
        ),
        shares_confounding=_verdict(
            not nx.is_d_separator(pruned, control, partner, set()),
            f"{c} shares a cause with {p}{_open_example(pruned, control, partner)}.",
            f"{c} shares no cause with {p}, so it cannot reveal confounding.",
        ),
    )


#: role -> (control, treatment, outcome) -> (source and target of the effect that must be
#: absent, nodes whose outgoing edges are cut for that test, the variable the control must
#: share a cause with).
_NEGATIVE_CONTROL_ROLES: dict[
    str, Callable[[str, str, str], tuple[str, str, tuple[str, ...], str]]
] = {
    "outcome": lambda control, treatment, outcome: (treatment, control, (), treatment),
    "exposure": lambda control, treatment, outcome: (control, outcome, (treatment,), outcome),
}
