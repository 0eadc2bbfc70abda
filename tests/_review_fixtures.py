"""Shared builders for the review tests: reviewers' decisions, a 40-variable graph, findings."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from pywhy_llm_assist import SuggestedEdit
from pywhy_llm_assist.graph._causal_graph import CausalGraph, Edge, Provenance
from pywhy_llm_assist.review._decisions import (
    AddedLatent,
    ReviewDecision,
    ReviewDecisions,
    SuggestionOrigin,
)

MODEL = Provenance(origin="model", model="test-model")


def decisions(
    graph: CausalGraph,
    reviewer: str,
    *items: tuple[str, str, str, str],
    latents: tuple[AddedLatent, ...] = (),
    origin: SuggestionOrigin | None = None,
) -> ReviewDecisions:
    """A reviewer's decisions: ``(source, target, action, comment)`` items."""
    return ReviewDecisions(
        reviewer=reviewer,
        timestamp="2026-11-30T10:00:00Z",
        graph_fingerprint=graph.fingerprint(),
        decisions=tuple(
            ReviewDecision(source=s, target=t, action=a, comment=c, origin=origin)  # type: ignore[arg-type]
            for s, t, a, c in items
        ),
        latent_variables=latents,
    )


def smoking_graph() -> CausalGraph:
    """Five variables, four proposed edges (one backwards, one dubious)."""
    edges = [
        Edge(source="smoking", target="tar", confidence=0.9, votes=3, asked=3,
             rationale="Smoke deposits tar.", provenance=(MODEL,)),
        Edge(source="tar", target="cancer", confidence=0.8, votes=2, asked=3,
             rationale="Tar is carcinogenic.", provenance=(MODEL,)),
        Edge(source="cancer", target="age", confidence=0.3, votes=1, asked=3,
             rationale="Backwards.", provenance=(MODEL,)),
        Edge(source="asbestos", target="smoking", confidence=0.2, votes=1, asked=3,
             rationale="Dubious.", provenance=(MODEL,)),
    ]  # fmt: skip
    return CausalGraph.from_edges(["smoking", "tar", "cancer", "age", "asbestos"], edges)


WORDS = (
    "neighbourhood_deprivation", "air_pollution_pm25", "sedentary_hours", "body_mass_index",
    "exercise", "statin_use", "blood_pressure", "ldl_cholesterol", "smoking_pack_years",
    "alcohol_units", "sleep_duration", "shift_work", "household_income", "education_years",
    "age", "sex", "family_history", "diet_quality", "salt_intake", "stress_score",
    "diabetes", "kidney_function", "heart_rate", "resting_heart_rate_variability",
    "medication_adherence", "gp_visits", "insurance_status", "green_space_access",
    "noise_exposure", "commute_minutes", "social_support", "depression_score",
    "waist_circumference", "triglycerides", "hba1c", "c_reactive_protein",
    "atrial_fibrillation", "stroke", "myocardial_infarction", "heart_disease",
)  # fmt: skip


def forty_variable_graph(seed: int = 7, edges: int = 78) -> CausalGraph:
    """A 40-variable DAG (variables in causal order, random edges) with long underscored names."""
    generator = random.Random(seed)
    names = list(WORDS)
    chosen: set[tuple[str, str]] = set()
    while len(chosen) < edges:
        first, second = sorted(generator.sample(range(len(names)), 2))
        if second - first <= 12:
            chosen.add((names[first], names[second]))
    built = [
        Edge(source=s, target=t, confidence=round(generator.uniform(0.3, 1.0), 2), votes=2,
             asked=3, rationale=f"{s} plausibly affects {t}.", provenance=(MODEL,))
        for s, t in sorted(chosen, key=lambda pair: (names.index(pair[0]), names.index(pair[1])))
    ]  # fmt: skip
    return CausalGraph.from_edges({name: f"the {name.replace('_', ' ')}" for name in names}, built)


def finding(kind: str, source: str, severity: str, message: str, variables: tuple[str, ...],
            edit: SuggestedEdit | None = None, rationale: str = "") -> Any:  # fmt: skip
    """A duck-typed finding (data findings have a source the library's Finding does not yet)."""
    return SimpleNamespace(
        kind=kind, source=source, severity=severity, message=message, rationale=rationale,
        variables=variables, edit=edit, confidence=None,
    )  # fmt: skip


def critique_for(graph: CausalGraph, findings: list[Any], **question: Any) -> Any:
    """A duck-typed critique of `graph`."""
    return SimpleNamespace(graph=graph, findings=findings, **question)
