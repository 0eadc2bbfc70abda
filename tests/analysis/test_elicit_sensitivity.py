"""Assistant.elicit_sensitivity: queries, replies, bounds and verdicts (scripted model)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pywhy_llm_assist import (
    Assistant,
    CausalGraph,
    ChatRequest,
    InputError,
    InvalidOutputError,
    SensitivityReport,
)
from pywhy_llm_assist.analysis._elicit_sensitivity import LADDER, StrengthReply
from pywhy_llm_assist.testing import ScriptedModel

VARIABLES = {
    "training": "took part in the job training programme",
    "earnings": "earnings the year after",
    "age": "age in years",
    "education": "years of schooling",
}


def data(rows: int = 800, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(35, 8, rows)
    education = rng.normal(12, 2, rows)
    training = (rng.random(rows) < 0.3 + 0.02 * (12 - education)).astype(float)
    earnings = 1.5 * training + 0.1 * age + 0.8 * education + rng.normal(0, 2, rows)
    return pd.DataFrame(
        {"training": training, "earnings": earnings, "age": age, "education": education}
    )


def strength(
    benchmark: str, k_treatment: Any, k_outcome: Any, why: str = "reason"
) -> dict[str, Any]:
    return {
        "benchmark": benchmark,
        "k_treatment": k_treatment,
        "k_outcome": k_outcome,
        "rationale": why,
    }


def assistant(model: ScriptedModel) -> Assistant:
    return Assistant("scripted", client=model, cache_mode="off", concurrency=1)


def elicitation_requests(model: ScriptedModel) -> list[ChatRequest]:
    return [
        r for r in model.requests if r.query is not None and r.query.task == "elicit_sensitivity"
    ]


def test_each_confounder_becomes_a_model_bound_with_a_verdict() -> None:
    replies = {
        "ability": strength("education", "2", "1.5", "ability drives schooling and pay"),
        "motivation": strength("age", "10", "10", "motivation decides who enrols"),
    }
    model = ScriptedModel(respond=lambda r: replies[r.query.subject[0]])
    report = assistant(model).elicit_sensitivity(
        data(),
        "training",
        "earnings",
        ["age", "education"],
        confounders={"ability": "innate ability", "motivation": "drive to improve"},
        variables=VARIABLES,
        benchmarks=(),
    )
    assert len(elicitation_requests(model)) == 2
    assert [bound.label for bound in report.model_bounds] == ["ability", "motivation"]
    ability = report.model_bounds[0]
    assert (ability.benchmark, ability.k_treatment, ability.k_outcome) == ("education", 2.0, 1.5)
    assert ability.rationale == "ability drives schooling and pay"
    assert ability == report.bound(
        "education",
        2,
        1.5,
        label="ability",
        source="model",
        rationale="ability drives schooling and pay",
    )
    assert report.verdict(ability) in str(report)
    assert report.usage is not None and report.usage.calls == 2
    assert report.metadata["model"] == "scripted"
    assert SensitivityReport.from_json(report.to_json()) == report


def test_the_prompt_puts_the_shared_parts_first_and_the_confounder_last() -> None:
    model = ScriptedModel(respond=lambda r: strength("age", 1, 1))
    assistant(model).elicit_sensitivity(
        data(),
        "training",
        "earnings",
        ["age", "education"],
        confounders=["ability", "motivation"],
        variables=VARIABLES,
        context="A US programme.",
    )
    first, second = (request.messages[-1]["content"] for request in elicitation_requests(model))
    assert first.splitlines()[-1] == 'The unmeasured confounder (JSON): {"name": "ability"}'
    assert second.splitlines()[-1] == 'The unmeasured confounder (JSON): {"name": "motivation"}'
    assert first.rsplit("\n", 1)[0] == second.rsplit("\n", 1)[0], "everything else is shared"
    assert '"description": "years of schooling"' in first and "explains_treatment" in first
    schema = elicitation_requests(model)[0].response_format["json_schema"]["schema"]  # type: ignore[index]
    assert schema["properties"]["benchmark"]["enum"] == ["age", "education"]
    assert [float(step) for step in schema["properties"]["k_treatment"]["enum"]] == list(LADDER)


@pytest.mark.parametrize("given", [2, 2.0, "2", "2x", " 2.0 "])
def test_ladder_steps_are_read_leniently(given: Any) -> None:
    reply = StrengthReply.model_validate(strength("age", given, "0.25"))
    assert (reply.k_treatment, reply.k_outcome) == ("2", "0.25")


@pytest.mark.parametrize("given", [4, "huge", True, 0])
def test_values_off_the_ladder_are_rejected(given: Any) -> None:
    with pytest.raises(ValueError, match="k_treatment"):
        StrengthReply.model_validate(strength("age", given, "1"))


def test_an_unknown_benchmark_is_asked_again_then_fails_loudly() -> None:
    model = ScriptedModel([strength("income", "1", "1"), strength("age", "1", "1")])
    report = assistant(model).elicit_sensitivity(
        data(), "training", "earnings", ["age", "education"], confounders=["ability"], benchmarks=()
    )
    assert len(model.requests) == 2 and "income" in model.requests[1].messages[-1]["content"]
    assert report.model_bounds[0].benchmark == "age"
    stubborn = ScriptedModel(respond=lambda r: strength("income", "1", "1"))
    with pytest.raises(InvalidOutputError):
        assistant(stubborn).elicit_sensitivity(
            data(), "training", "earnings", ["age"], confounders=["ability"], benchmarks=()
        )


def test_an_impossible_strength_becomes_a_note() -> None:
    frame = data()
    frame["proxy"] = frame["training"] + np.random.default_rng(1).normal(0, 0.3, len(frame))
    model = ScriptedModel(respond=lambda r: strength("proxy", "10", "1"))
    report = assistant(model).elicit_sensitivity(
        frame, "training", "earnings", ["age", "proxy"], confounders=["ability"], benchmarks=()
    )
    assert report.model_bounds == ()
    assert any("'ability' (10x/1x proxy, as the model said)" in note for note in report.notes)


def test_without_confounders_the_graphs_latent_ones_and_the_suggested_ones_are_used() -> None:
    graph = CausalGraph.from_edges(
        [*VARIABLES, "family wealth"],
        [
            ("family wealth", "training"),
            ("family wealth", "earnings"),
            ("age", "earnings"),
            ("education", "training"),
            ("training", "earnings"),
        ],
        latent=["family wealth"],
    )

    def respond(request: ChatRequest) -> Any:
        assert request.query is not None
        if request.query.task == "confounders":
            return {
                "measured": [],
                "unmeasured": [
                    {
                        "name": "ability",
                        "description": "innate ability",
                        "rationale": "r",
                        "confidence": "high",
                    }
                ],
            }
        return strength("education", "1", "1")

    model = ScriptedModel(respond=respond)
    report = assistant(model).elicit_sensitivity(
        data(), "training", "earnings", ["age", "education"], graph=graph, benchmarks=()
    )
    assert [request.query.task for request in model.requests] == [  # type: ignore[union-attr]
        "confounders",
        "elicit_sensitivity",
        "elicit_sensitivity",
    ]
    assert [bound.label for bound in report.model_bounds] == ["family wealth", "ability"]
    assert report.usage is not None and report.usage.calls == 3
    assert '"description": "innate ability"' in model.requests[2].messages[-1]["content"]


def test_suggestions_objects_give_their_unmeasured_items() -> None:
    model = ScriptedModel(
        respond=lambda r: {
            "measured": [{"variable": "age", "rationale": "r", "confidence": "low"}],
            "unmeasured": [
                {"name": "ability", "description": "d", "rationale": "r", "confidence": "low"}
            ],
        }
    )
    suggestions = assistant(model).suggest_confounders("training", "earnings", VARIABLES)
    scripted = ScriptedModel(respond=lambda r: strength("age", "0.5", "0.5"))
    report = assistant(scripted).elicit_sensitivity(
        data(), "training", "earnings", ["age", "education"], confounders=suggestions, benchmarks=()
    )
    assert [bound.label for bound in report.model_bounds] == ["ability"]


def test_no_confounder_at_all_is_said_so() -> None:
    model = ScriptedModel(respond=lambda r: {"measured": [], "unmeasured": []})
    report = assistant(model).elicit_sensitivity(
        data(), "training", "earnings", ["age", "education"], benchmarks=()
    )
    assert report.model_bounds == ()
    assert "no unmeasured confounder was given or suggested" in report.notes[-1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"confounders": ["education"]}, "confounder 'education' is measured"),
        ({"confounders": "ability"}, "not the string"),
        ({"adjustment_set": []}, "needs at least one adjustment variable"),
        ({"adjustment_set": ["agee"]}, "'agee' is not a column"),
    ],
)
def test_bad_input_fails_before_any_model_call(arguments: dict[str, Any], message: str) -> None:
    model = ScriptedModel()
    options: dict[str, Any] = {"adjustment_set": ["age", "education"], "confounders": ["ability"]}
    options.update(arguments)
    with pytest.raises(InputError, match=message):
        assistant(model).elicit_sensitivity(data(), "training", "earnings", **options)
    assert model.requests == []


def test_the_async_twin_gives_the_same_report() -> None:
    model = ScriptedModel(respond=lambda r: strength("age", "3", "0.5"))
    helper = assistant(model)
    options: dict[str, Any] = {"confounders": ["ability"], "benchmarks": ["age"], "k": [1]}
    synchronous = helper.elicit_sensitivity(data(), "training", "earnings", ["age"], **options)
    asynchronous = asyncio.run(
        helper.elicit_sensitivity_async(data(), "training", "earnings", ["age"], **options)
    )
    assert asynchronous.bounds == synchronous.bounds
    assert [bound.source for bound in synchronous.bounds] == ["formal", "model"]
