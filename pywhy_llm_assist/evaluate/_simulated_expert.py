"""A simulated expert: answers the assistant's own queries from a ground-truth graph, with errors.

`SimulatedExpert` is a `ChatBackend`: it sits where a language model server would, so every
answer goes through the same path a real model's does (prompt rendering, strict schema,
validation, re-asks, caching, vote counting, conflict and cycle resolution). It reads
``request.query`` (task, subject, names, sample) and answers from its *view* of the truth.

The view is decided once per unordered pair of variables and per sample, from a hash of the
seed, the two variables and the sample index, so the same question in the same sample gets
the same answer whichever strategy asks it (per node, whole graph or pairwise). For a true
edge ``a -> b`` a uniform draw ``u`` decides: ``u < missed`` leaves it out, ``u < missed +
reversed`` reports ``b -> a``, anything else reports ``a -> b``. For a pair without an edge,
``u < spurious`` reports an edge whose direction is a second draw. The truth may be a cyclic
summary graph: for a two-way link (``a -> b`` and ``b -> a`` both true) ``u < missed`` leaves
it out, ``u < missed + reversed`` reports only one direction (a second draw says which), and
anything else reports both. Because the draw is shared,
an answer that is right at a higher error rate is right at every lower one (same seed), and
samples draw independently of one another, so voting over samples can correct errors.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from itertools import combinations
from statistics import NormalDist
from typing import Any

import networkx as nx

from ..core._errors import InputError
from ..graph._causal_graph import CausalGraph
from ..identify._findings import NegativeControlRole
from ..identify._identification import common_causes
from ..identify._role_checks import check_instrument, check_negative_control
from ..llm._backends import ChatRequest
from ..llm._query import Query

Pair = tuple[str, str]
Reply = dict[str, Any]
WHOLE_GRAPH_LIMIT = 80
"""The whole-graph reply model lists at most this many edges."""


def _unit_draw(*parts: object) -> float:
    """A uniform number in [0, 1) from a hash of `parts` (stable across processes)."""
    text = "\x1f".join(str(part) for part in parts)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class SimulatedExpert:
    """A test double that answers like an expert who knows `truth`, up to chosen error rates.

    It answers ``per_node``, ``whole``, ``pairwise`` and ``orient_edge`` (data_first) graph
    queries, the ``confounders``,
    ``mediators``, ``instruments`` and ``negative_controls`` queries (from the true graph's
    structure, with missed and spurious items at the same rates), ``critique`` queries
    (the differences between the analyst's graph and its view) and ``elicit_sensitivity``
    queries (from `strengths`, with `strength_error`). With every rate at zero,
    `Assistant.suggest_graph` recovers `truth` exactly with any strategy.

    Args:
        truth: the graph the expert knows (rename it together with the variables).
        missed: chance that a true edge is left out.
        spurious: chance that a pair without an edge gets one (per unordered pair).
        reversed: chance that a true edge is reported backwards.
        seed: changes which pairs get errors.
        latency: seconds to wait before each reply (to mimic a server).
        calibrated: state errors with ``low`` confidence and correct answers with ``high``
            (default: everything ``high``, an expert who does not know when it is wrong).
        identities: a stable identity per variable name used for the draws (default: the
            name itself); give ``{neutral name: original name}`` so a renamed run makes
            exactly the same errors as the original.
        strengths: for ``elicit_sensitivity`` queries, the true strength of each confounder
            relative to each benchmark: ``{confounder: {benchmark: (k_D, k_Y)}}``. The expert
            picks the benchmark whose strengths are nearest 1 (the most comparable one).
        strength_error: the standard deviation, in doublings (log2 units), of the error
            multiplied into each true k before it is rounded to the nearest ladder step
            (0: only the rounding).

    Example:
        >>> from pywhy_llm_assist import Assistant, CausalGraph
        >>> truth = CausalGraph.from_edges(["rain", "wet grass"], [("rain", "wet grass")])
        >>> expert = SimulatedExpert(truth)
        >>> assistant = Assistant("simulated", client=expert, cache_mode="off")
        >>> assistant.suggest_graph(["rain", "wet grass"], strategy="pairwise").edge_pairs
        [('rain', 'wet grass')]
    """

    base_url = "simulated-expert"
    secrets: tuple[str, ...] = ()

    def __init__(
        self,
        truth: CausalGraph,
        *,
        missed: float = 0.0,
        spurious: float = 0.0,
        reversed: float = 0.0,
        seed: int = 0,
        latency: float = 0.0,
        calibrated: bool = False,
        identities: Mapping[str, str] | None = None,
        strengths: Mapping[str, Mapping[str, tuple[float, float]]] | None = None,
        strength_error: float = 0.0,
    ) -> None:
        for label, rate in (("missed", missed), ("spurious", spurious), ("reversed", reversed)):
            if not 0.0 <= rate <= 1.0:
                raise InputError(f"{label} is a probability between 0 and 1, not {rate}")
        if missed + reversed > 1.0:
            raise InputError(f"missed + reversed must not exceed 1 ({missed} + {reversed})")
        if latency < 0:
            raise InputError(f"latency must be 0 or more seconds, not {latency}")
        if strength_error < 0:
            raise InputError(f"strength_error must be 0 or more doublings, not {strength_error}")
        self.strengths = {name: dict(items) for name, items in (strengths or {}).items()}
        self.strength_error = strength_error
        self.truth = truth
        self.missed = missed
        self.spurious = spurious
        self.reversed = reversed
        self.seed = seed
        self.latency = latency
        self.calibrated = calibrated
        self._identities = dict(identities or {})
        self.true_edges = frozenset(truth.edge_pairs)
        self.network = truth.to_networkx()
        self._views: dict[tuple[str, str, int], frozenset[Pair]] = {}
        self._lock = threading.Lock()
        self.calls = 0

    @classmethod
    def with_error(
        cls, truth: CausalGraph, error: float, *, seed: int = 0, **options: Any
    ) -> SimulatedExpert:
        """An expert whose answers are wrong about `error` of the time, split evenly.

        Each true edge is missed with probability ``error / 2`` and reversed with probability
        ``error / 2``; spurious edges are added at the per-pair rate that gives
        ``error * (number of true edges)`` of them on average. So precision and recall of one
        sample are both about ``1 - error`` whatever the graph's density.

        Args:
            truth: the graph the expert knows.
            error: overall error level between 0 and 1.
            seed: changes which pairs get errors.
            options: any other `SimulatedExpert` argument (latency, calibrated, identities).

        Example:
            >>> truth = CausalGraph.from_edges(["a", "b", "c"], [("a", "b")])
            >>> expert = SimulatedExpert.with_error(truth, 0.2)
            >>> expert.missed, expert.reversed, expert.spurious
            (0.1, 0.1, 0.1)
        """
        if not 0.0 <= error <= 1.0:
            raise InputError(f"error is a share between 0 and 1, not {error}")
        count = len(truth.names)
        adjacent = len({frozenset(pair) for pair in truth.edge_pairs})
        empty_pairs = count * (count - 1) // 2 - adjacent
        spurious = min(error * len(truth.edge_pairs) / empty_pairs, 1.0) if empty_pairs else 0.0
        return cls(
            truth,
            missed=error / 2,
            reversed=error / 2,
            spurious=round(spurious, 12),
            seed=seed,
            **options,
        )

    # ------------------------------------------------------------------ ChatBackend
    @asynccontextmanager
    async def session(self) -> AsyncIterator[SimulatedExpert]:
        """The expert is its own session."""
        yield self

    async def complete(self, request: ChatRequest) -> dict[str, Any]:
        """Answer `request` from the truth; returns chat.completion JSON with token usage."""
        query = request.query
        if query is None:
            raise InputError("the simulated expert answers only requests that carry their query")
        answer = ANSWERS.get(query.task)
        if answer is None:
            raise InputError(
                f"the simulated expert cannot answer {query.task!r} queries; it answers "
                f"{', '.join(sorted(ANSWERS))}"
            )
        content = json.dumps(answer(self, query), ensure_ascii=False)
        with self._lock:
            self.calls += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        return _chat_completion(content, request)

    # ------------------------------------------------------------------ the expert's view
    def identity(self, name: str) -> str:
        """The stable identity the draws use for variable `name`."""
        return self._identities.get(name, name)

    def believed_edge(self, first: str, second: str, sample: int = 0) -> Pair | None:
        """The edge the expert reports between two variables in `sample`, or None.

        For a two-way link it reports both (see `believed_edges`); this returns one of them.

        Example:
            >>> truth = CausalGraph.from_edges(["a", "b"], [("a", "b")])
            >>> SimulatedExpert(truth, reversed=1.0).believed_edge("a", "b")
            ('b', 'a')
        """
        edges = self.believed_edges(first, second, sample)
        return min(edges, key=lambda pair: tuple(map(self.identity, pair))) if edges else None

    def believed_edges(self, first: str, second: str, sample: int = 0) -> frozenset[Pair]:
        """The directed edges the expert reports between two variables in `sample` (0, 1 or 2).

        Example:
            >>> loop = CausalGraph.from_edges(["a", "b"], [("a", "b"), ("b", "a")],
            ...                               check_acyclic=False)
            >>> sorted(SimulatedExpert(loop).believed_edges("a", "b"))
            [('a', 'b'), ('b', 'a')]
        """
        low, high = sorted((first, second), key=self.identity)
        key = (low, high, sample)
        with self._lock:
            if key in self._views:
                return self._views[key]
        view = self._decide(low, high, sample)
        with self._lock:
            self._views[key] = view
        return view

    def _decide(self, low: str, high: str, sample: int) -> frozenset[Pair]:
        identities = (self.identity(low), self.identity(high))
        draw = _unit_draw(self.seed, "pair", *identities, sample)
        forward = _unit_draw(self.seed, "direction", *identities, sample) < 0.5
        true_pairs = [pair for pair in ((low, high), (high, low)) if pair in self.true_edges]
        if len(true_pairs) == 2:  # a feedback loop between the two
            if draw < self.missed:
                return frozenset()
            if draw < self.missed + self.reversed:
                return frozenset({true_pairs[0] if forward else true_pairs[1]})
            return frozenset(true_pairs)
        if true_pairs:
            true_edge = true_pairs[0]
            if draw < self.missed:
                return frozenset()
            if draw < self.missed + self.reversed:
                return frozenset({(true_edge[1], true_edge[0])})
            return frozenset({true_edge})
        if draw < self.spurious:
            return frozenset({(low, high) if forward else (high, low)})
        return frozenset()

    def is_correct(self, edge: Pair) -> bool:
        """True when `edge` is in the truth."""
        return edge in self.true_edges

    def confidence(self, correct: bool) -> str:
        """The stated confidence of an answer (``low`` for errors only when calibrated)."""
        return "high" if correct or not self.calibrated else "low"

    def rationale(self, edge: Pair) -> str:
        """A short rationale that says whether the edge is a deliberate error."""
        if edge in self.true_edges:
            return f"simulated expert: {edge[0]} is a direct cause of {edge[1]} in its graph"
        if (edge[1], edge[0]) in self.true_edges:
            return "simulated expert: deliberate error (reversed edge)"
        return "simulated expert: deliberate error (spurious edge)"

    def role_member(self, task: str, query: Query, candidate: str, truly: bool) -> bool:
        """Whether the expert names `candidate` for a role, after missed and spurious errors."""
        draw = _unit_draw(
            self.seed,
            task,
            *(self.identity(name) for name in query.subject),
            self.identity(candidate),
            query.sample,
        )
        return draw >= self.missed if truly else draw < self.spurious


def _chat_completion(content: str, request: ChatRequest) -> dict[str, Any]:
    prompt_characters = sum(len(message.get("content", "")) for message in request.messages)
    prompt_tokens = math.ceil(prompt_characters / 4)
    completion_tokens = math.ceil(len(content) / 4)
    return {
        "id": "chatcmpl-simulated",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


# ---------------------------------------------------------------------- graph queries
def _answer_per_node(expert: SimulatedExpert, query: Query) -> Reply:
    target = query.subject[0]
    causes = []
    for candidate in query.names:
        if candidate == target:  # the prompt lists every variable; an expert skips the target
            continue
        edge = (candidate, target)
        if edge in expert.believed_edges(candidate, target, query.sample):
            causes.append(
                {
                    "variable": candidate,
                    "rationale": expert.rationale(edge),
                    "confidence": expert.confidence(expert.is_correct(edge)),
                }
            )
    return {"causes": causes[: query.max_items or len(causes)]}


def _answer_whole(expert: SimulatedExpert, query: Query) -> Reply:
    edges = []
    for first, second in combinations(query.names, 2):
        believed = expert.believed_edges(first, second, query.sample)
        for edge in sorted(believed, key=lambda pair: tuple(map(expert.identity, pair))):
            edges.append(
                {
                    "cause": edge[0],
                    "effect": edge[1],
                    "rationale": expert.rationale(edge),
                    "confidence": expert.confidence(expert.is_correct(edge)),
                }
            )
    return {"edges": edges[: min(query.max_items or WHOLE_GRAPH_LIMIT, WHOLE_GRAPH_LIMIT)]}


def _answer_pairwise(expert: SimulatedExpert, query: Query) -> Reply:
    first, second = query.subject
    edge = expert.believed_edge(first, second, query.sample)
    if edge is None:
        correct = not {(first, second), (second, first)} & expert.true_edges
        return {
            "relation": "neither",
            "rationale": "simulated expert: no direct causal link"
            + ("" if correct else " (deliberate error: missed edge)"),
            "confidence": expert.confidence(correct),
        }
    return {
        "relation": "a_causes_b" if edge == (first, second) else "b_causes_a",
        "rationale": expert.rationale(edge),
        "confidence": expert.confidence(expert.is_correct(edge)),
    }


def _answer_orient(expert: SimulatedExpert, query: Query) -> Reply:
    """An ``orient_edge`` question (data_first): the pair's direction in the expert's view.

    The view is the same shared draw the graph queries use, so asking with the two variables
    swapped gives the same answer (the expert has no order bias).
    """
    first, second = query.subject
    believed = expert.believed_edges(first, second, query.sample)
    if len(believed) != 1:  # nothing, or a two-way link: no single direction to give
        correct = not believed and not {(first, second), (second, first)} & expert.true_edges
        return {
            "direction": "neither",
            "rationale": "simulated expert: no single direct causal direction in its graph",
            "confidence": expert.confidence(correct),
        }
    (edge,) = believed
    return {
        "direction": "a_causes_b" if edge == (first, second) else "b_causes_a",
        "rationale": expert.rationale(edge),
        "confidence": expert.confidence(expert.is_correct(edge)),
    }


# ---------------------------------------------------------------------- identification
def _mediators(network: nx.DiGraph[Any], treatment: str, outcome: str) -> set[str]:
    if treatment not in network or outcome not in network:
        return set()
    return set(nx.descendants(network, treatment)) & set(nx.ancestors(network, outcome))


def _role_items(
    expert: SimulatedExpert, query: Query, members: Iterable[str], why: str
) -> list[Reply]:
    chosen = set(members)
    items = []
    for candidate in query.names:
        truly = candidate in chosen
        if expert.role_member(query.task, query, candidate, truly):
            items.append(
                {
                    "variable": candidate,
                    "rationale": f"simulated expert: {why}"
                    if truly
                    else ("simulated expert: deliberate error (spurious suggestion)"),
                    "confidence": expert.confidence(truly),
                }
            )
    return items


def _answer_confounders(expert: SimulatedExpert, query: Query) -> Reply:
    treatment, outcome = query.subject
    common = common_causes(expert.network, treatment, outcome)
    measured = _role_items(expert, query, common, "a common cause in its graph")
    unmeasured = [
        {
            "name": name,
            "description": expert.truth.variable(name).description[:280] or name,
            "rationale": "simulated expert: an unmeasured common cause in its graph",
            "confidence": "high",
        }
        for name in expert.truth.latent
        if name in common
    ]
    return {"measured": measured, "unmeasured": unmeasured[:8]}


def _answer_mediators(expert: SimulatedExpert, query: Query) -> Reply:
    treatment, outcome = query.subject
    members = _mediators(expert.network, treatment, outcome)
    return {"mediators": _role_items(expert, query, members, "on a causal path in its graph")}


def _valid_instruments(expert: SimulatedExpert, treatment: str, outcome: str) -> set[str]:
    truth = expert.truth
    if treatment not in truth.names or outcome not in truth.names:
        return set()
    return {
        name
        for name in truth.observed
        if name not in (treatment, outcome)
        and check_instrument(truth, name, treatment, outcome, truth.latent).valid
    }


def _answer_instruments(expert: SimulatedExpert, query: Query) -> Reply:
    treatment, outcome = query.subject
    members = _valid_instruments(expert, treatment, outcome)
    items = _role_items(expert, query, members, "a valid instrument in its graph")
    argument = "simulated expert: holds in its graph"
    return {
        "instruments": [
            {
                "variable": item["variable"],
                **{
                    condition: {"holds": True, "argument": argument}
                    for condition in ("relevance", "exclusion", "independence")
                },
                "confidence": item["confidence"],
            }
            for item in items
        ]
    }


def _valid_controls(
    expert: SimulatedExpert, treatment: str, outcome: str, role: NegativeControlRole
) -> set[str]:
    truth = expert.truth
    if treatment not in truth.names or outcome not in truth.names:
        return set()
    return {
        name
        for name in truth.observed
        if name not in (treatment, outcome)
        and check_negative_control(truth, name, treatment, outcome, truth.latent, role=role).valid
    }


def _answer_negative_controls(expert: SimulatedExpert, query: Query) -> Reply:
    treatment, outcome = query.subject
    why = "a valid negative control in its graph"
    roles: tuple[NegativeControlRole, ...] = ("outcome", "exposure")
    return {
        f"{role}_controls": _role_items(
            expert, query, _valid_controls(expert, treatment, outcome, role), why
        )
        for role in roles
    }


def _answer_critique(expert: SimulatedExpert, query: Query) -> Reply:
    drawn = {(str(pair[0]), str(pair[1])) for pair in query.inputs.get("edges", [])}
    believed = {
        edge
        for first, second in combinations(query.names, 2)
        for edge in expert.believed_edges(first, second, query.sample)
    }
    findings: list[Reply] = []
    for cause, effect in sorted(drawn - believed):
        kind = "reversed_edge" if (effect, cause) in believed else "implausible_edge"
        findings.append(_critique_item(kind, cause, effect))
    for cause, effect in sorted(believed - drawn):
        if (effect, cause) not in drawn:
            findings.append(_critique_item("missing_edge", cause, effect))
    return {"findings": findings[:12]}


def _critique_item(kind: str, cause: str, effect: str) -> Reply:
    return {
        "kind": kind,
        "cause": cause,
        "effect": effect,
        "affects": [],
        "latent_name": None,
        "latent_description": None,
        "rationale": f"simulated expert: its graph disagrees about {cause} and {effect}",
        "severity": "medium",
    }


# ---------------------------------------------------------------------- sensitivity
def _nearest_step(value: float, ladder: Iterable[str]) -> str:
    """The ladder step nearest `value` on a log scale (the ends take everything beyond)."""
    return min(ladder, key=lambda step: abs(math.log2(float(step)) - math.log2(value)))


def _answer_elicit_sensitivity(expert: SimulatedExpert, query: Query) -> Reply:
    confounder = query.subject[0]
    ladder = [str(step) for step in query.inputs["ladder"]]
    known = {
        benchmark: pair
        for benchmark, pair in expert.strengths.get(confounder, {}).items()
        if benchmark in query.names
    }
    if not known:
        return {
            "benchmark": query.names[0],
            "k_treatment": "1",
            "k_outcome": "1",
            "rationale": "simulated expert: no knowledge of this confounder",
        }
    benchmark = min(
        known,
        key=lambda name: (
            abs(math.log2(max(known[name][0], 1e-12))) + abs(math.log2(max(known[name][1], 1e-12)))
        ),
    )
    answer: Reply = {"benchmark": benchmark}
    for part, truth in zip(("k_treatment", "k_outcome"), known[benchmark], strict=True):
        draw = _unit_draw(expert.seed, "strength", expert.identity(confounder), part, query.sample)
        doublings = expert.strength_error * NormalDist().inv_cdf(min(max(draw, 1e-9), 1 - 1e-9))
        answer[part] = _nearest_step(max(truth, 1e-12) * 2**doublings, ladder)
    answer["rationale"] = f"simulated expert: its view of the strength relative to {benchmark}"
    return answer


ANSWERS: dict[str, Callable[[SimulatedExpert, Query], Reply]] = {
    "per_node": _answer_per_node,
    "whole": _answer_whole,
    "pairwise": _answer_pairwise,
    "orient_edge": _answer_orient,
    "confounders": _answer_confounders,
    "mediators": _answer_mediators,
    "instruments": _answer_instruments,
    "negative_controls": _answer_negative_controls,
    "critique": _answer_critique,
    "elicit_sensitivity": _answer_elicit_sensitivity,
}
"""Task name -> how the simulated expert answers it."""
