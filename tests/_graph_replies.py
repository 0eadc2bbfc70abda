"""Scripted replies for graph-suggestion tests: answer every strategy from a set of edges."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pywhy_llm_assist import Assistant, ChatRequest
from pywhy_llm_assist.testing import ScriptedModel

Pair = tuple[str, str]
TARGET_MARKER = "Target variable (JSON):"
EdgesBySample = Iterable[Pair] | Callable[[int], Iterable[Pair]]


def graph_replies(
    edges: EdgesBySample, confidence: str | Mapping[Pair, str] = "high"
) -> Callable[[ChatRequest], dict[str, Any]]:
    """A `ScriptedModel` ``respond`` function that proposes `edges` in every strategy's format.

    Args:
        edges: the proposed ``(cause, effect)`` pairs, or a function of the sample index
            giving them (so samples can disagree).
        confidence: ``low``/``medium``/``high`` for every edge, or per edge (default high).
    """

    def level(pair: Pair) -> str:
        return confidence if isinstance(confidence, str) else confidence.get(pair, "high")

    def respond(request: ChatRequest) -> dict[str, Any]:
        query = request.query
        assert query is not None
        proposed = sorted(set(edges(query.sample) if callable(edges) else edges))
        if query.task == "per_node":
            (target,) = query.subject
            return {
                "causes": [
                    {
                        "variable": source,
                        "rationale": f"{source} drives {target}",
                        "confidence": level((source, target)),
                    }
                    for source, effect in proposed
                    if effect == target and source != target
                ]
            }
        if query.task == "whole":
            return {
                "edges": [
                    {
                        "cause": source,
                        "effect": target,
                        "rationale": f"{source} drives {target}",
                        "confidence": level((source, target)),
                    }
                    for source, target in proposed
                ]
            }
        if query.task == "pairwise":
            first, second = query.subject
            if (first, second) in proposed:
                relation, pair = "a_causes_b", (first, second)
            elif (second, first) in proposed:
                relation, pair = "b_causes_a", (second, first)
            else:
                relation, pair = "neither", (first, second)
            return {"relation": relation, "rationale": "scripted", "confidence": level(pair)}
        raise AssertionError(f"unexpected task {query.task!r}")

    return respond


def per_node_target(body: Mapping[str, Any]) -> str:
    """The target of a ``per_node`` request body, as a server sees it (named on its own line).

    Only the first user message counts (a re-ask repeats the history).
    """
    for message in body.get("messages") or []:
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, str) and TARGET_MARKER in content:
            line = content.split(TARGET_MARKER, 1)[1].lstrip().split("\n", 1)[0]
            return str(json.loads(line))
    raise AssertionError("not a per_node request: no target line in a user message")


def scripted_assistant(
    edges: EdgesBySample, confidence: str | Mapping[Pair, str] = "high", **options: Any
) -> tuple[Assistant, ScriptedModel]:
    """An assistant (cache off unless `options` say otherwise) over a `graph_replies` model."""
    model = ScriptedModel(respond=graph_replies(edges, confidence))
    options.setdefault("cache_mode", "off")
    return Assistant("scripted", client=model, **options), model
