"""Scripted answers for the whole analysis (`Assistant.analyse`), and the example study's graph.

`respond` answers every task the analysis asks: the critique (one model finding about the
first edge), the explanation of rejected implications, the confounder suggestion and the
strength of each confounder (as strong as the first benchmark, twice on the outcome).
"""

from __future__ import annotations

from typing import Any

from pywhy_llm_assist import EXERCISE_STUDY_EDGES, CausalGraph, ChatRequest

CRITIQUE_RATIONALE = "Older people exercise less <b>and</b> fall ill more."


def respond(request: ChatRequest) -> dict[str, Any]:
    """One valid answer per analysis task."""
    assert request.query is not None
    task = request.query.task
    inputs = request.query.inputs
    if task == "critique":
        first = inputs["edges"][0] if inputs["edges"] else [None, None]
        return {
            "findings": [
                {
                    "kind": "implausible_edge",
                    "cause": first[0],
                    "effect": first[1],
                    "affects": [],
                    "latent_name": None,
                    "latent_description": None,
                    "rationale": CRITIQUE_RATIONALE,
                    "severity": "low",
                }
            ]
        }
    if task == "explain_implications":
        return {"explanations": []}
    if task == "confounders":
        return {
            "measured": [],
            "unmeasured": [
                {
                    "name": "diet",
                    "description": "usual diet",
                    "rationale": "diet shapes both",
                    "confidence": "medium",
                }
            ],
        }
    if task == "elicit_sensitivity":
        benchmark = inputs["benchmarks"][0]["name"]
        return {
            "benchmark": benchmark,
            "k_treatment": "1",
            "k_outcome": "2",
            "rationale": f"about as strong as {benchmark}",
        }
    raise AssertionError(f"unexpected task {task!r}")


def study_graph(origin: str = "model") -> CausalGraph:
    """The example study's true graph, its edges with the given provenance origin."""
    names = ["exercise", "age", "smoking", "blood_pressure", "heart_disease"]
    return CausalGraph.from_edges(names, EXERCISE_STUDY_EDGES, origin=origin)  # type: ignore[arg-type]
