"""Prompt order for reuse: the queries of one run share a long prefix, so servers can cache it.

Providers and local servers (OpenAI, Azure, vLLM, llama.cpp) reuse a prompt's longest
repeated *prefix*. Each multi-query task must therefore put what is the same across its
queries first (instructions, context, every variable with its description, constraints) and
what differs (the target, the pair, the sample's persona) last. These tests render the
queries of a packaged benchmark graph and measure how much of each prompt is shared by all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import pytest
from _snapshot import example_reply, sent_schema

from pywhy_llm_assist import Assistant, ChatRequest
from pywhy_llm_assist.evaluate._graphs import PACKAGED_FOLDER, BenchmarkGraph, load_benchmark
from pywhy_llm_assist.testing import FakeOpenAIServer, ScriptedModel

SHARED_AT_LEAST = 0.90
"""Least share of every prompt's characters that must be a prefix shared by all prompts."""


def sachs() -> BenchmarkGraph:
    return load_benchmark(PACKAGED_FOLDER / "sachs.json")


def prompt_text(messages: Sequence[dict[str, Any]]) -> str:
    """The messages in the order a server reads (and caches) them."""
    return "".join(f"<{message['role']}>\n{message['content']}\n" for message in messages)


def shared_prefix_shares(prompts: Sequence[str]) -> list[float]:
    """For each prompt, the share of its characters that is a prefix common to all prompts."""
    shared = len(os.path.commonprefix(list(prompts)))  # noqa: RUF071 (characters, not paths)
    return [shared / len(prompt) for prompt in prompts]


def scripted_requests(call: Any) -> list[ChatRequest]:
    model = ScriptedModel(respond=lambda request: example_reply(sent_schema(request)))
    call(Assistant("prefix-model", client=model, cache_mode="off", concurrency=1))
    return model.requests


def assert_shared(prompts: Sequence[str], expected_count: int) -> None:
    assert len(prompts) == expected_count
    assert len(set(prompts)) == expected_count, "each query asks something different"
    shares = shared_prefix_shares(prompts)
    worst = min(shares)
    assert worst >= SHARED_AT_LEAST, (
        f"only {worst:.1%} of the longest prompt is shared by all {len(prompts)}: put what "
        "is the same across queries first and the target, pair or persona last"
    )


# ------------------------------------------------------------------ per_node
def test_per_node_prompts_of_a_benchmark_graph_share_90_percent_of_their_characters() -> None:
    benchmark = sachs()
    variables = benchmark.graph.variables
    requests = scripted_requests(
        lambda assistant: assistant.suggest_graph(
            variables, context=benchmark.context, strategy="per_node"
        )
    )
    assert_shared([prompt_text(request.messages) for request in requests], len(variables))
    # The reply schema comes before the messages in what OpenAI caches: it must not differ.
    formats = {json.dumps(request.response_format, sort_keys=True) for request in requests}
    assert len(formats) == 1, "every per_node query sends the same reply schema"
    for request in requests:
        assert request.query is not None
        (target,) = request.query.subject
        last_lines = request.messages[-1]["content"].splitlines()[-2:]
        assert last_lines == [
            f"Target variable (JSON): {json.dumps(target)}",
            f"Which variables are direct causes of {json.dumps(target)}?",
        ], "the target is named at the end"


def test_per_node_candidate_list_is_every_variable_in_every_prompt() -> None:
    benchmark = sachs()
    requests = scripted_requests(
        lambda assistant: assistant.suggest_graph(benchmark.graph.variables, strategy="per_node")
    )
    names = list(benchmark.graph.names)
    for request in requests:
        user = request.messages[-1]["content"]
        listed, _ = json.JSONDecoder().raw_decode(
            user.split("Variables (JSON list):", 1)[1].lstrip()
        )
        assert [item["name"] for item in listed] == names, "the target is in the list too"


def test_per_node_prompts_share_the_prefix_in_the_json_object_and_text_modes() -> None:
    """Without a strict schema the schema goes into the prompt: the same text for every target."""
    benchmark = sachs()
    variables = benchmark.graph.variables
    for rejected in (("json_schema",), ("json_schema", "json_object")):
        with FakeOpenAIServer(
            lambda body: '{"causes": []}', reject_response_formats=rejected
        ) as server:
            Assistant(
                "fake-model", base_url=server.base_url, api_key="k", cache_mode="off"
            ).suggest_graph(variables, context=benchmark.context, strategy="per_node")
            answered = [r for r in server.chat_requests if not r.rejected_response_format]
        assert {r.body.get("response_format", {}).get("type") for r in answered} == {
            "json_object" if len(rejected) == 1 else None
        }
        assert_shared([prompt_text(r.body["messages"]) for r in answered], len(variables))


def test_persona_comes_after_everything_the_samples_share() -> None:
    benchmark = sachs()
    variables = benchmark.graph.variables
    personas = ["a cell biologist", "a biochemist who studies kinases"]
    requests = scripted_requests(
        lambda assistant: assistant.suggest_graph(
            variables, strategy="per_node", samples=2, personas=personas
        )
    )
    assert_shared([prompt_text(request.messages) for request in requests], 2 * len(variables))
    for request in requests:
        assert request.query is not None
        user = request.messages[-1]["content"]
        persona = personas[request.query.sample]
        assert user.index(persona) > user.index("Variables (JSON list):")
        assert user.index(persona) < user.index("Target variable (JSON):")


# ------------------------------------------------------------------ the other multi-query tasks
def test_pairwise_prompts_share_the_variable_list_and_name_the_pair_last() -> None:
    benchmark = sachs()
    variables = benchmark.graph.variables[:8]  # 28 pairs
    requests = scripted_requests(
        lambda assistant: assistant.suggest_graph(
            variables, context=benchmark.context, strategy="pairwise"
        )
    )
    assert_shared([prompt_text(request.messages) for request in requests], 28)
    for request in requests:
        assert request.query is not None
        first, second = request.query.subject
        assert request.messages[-1]["content"].splitlines()[-3:-1] == [
            f"Variable A (JSON): {json.dumps(first)}",
            f"Variable B (JSON): {json.dumps(second)}",
        ]


def test_whole_graph_samples_differ_only_in_the_persona_at_the_end() -> None:
    benchmark = sachs()
    personas = ["a cell biologist", "a biochemist who studies kinases", "a pharmacologist"]
    requests = scripted_requests(
        lambda assistant: assistant.suggest_graph(
            benchmark.graph.variables,
            context=benchmark.context,
            strategy="whole",
            samples=3,
            personas=personas,
            tiers=[["PKC"], [name for name in benchmark.graph.names if name != "PKC"]],
        )
    )
    assert_shared([prompt_text(request.messages) for request in requests], 3)
    for request, persona in zip(requests, personas, strict=True):
        assert request.messages[-1]["content"].splitlines()[-1].endswith(json.dumps(persona))


@pytest.mark.parametrize("task", ["confounders", "instruments", "mediators", "negative_controls"])
def test_identification_prompts_about_other_effects_share_the_variables(task: str) -> None:
    benchmark = sachs()
    effects = [("PKC", "Akt"), ("PKA", "Erk"), ("Raf", "Mek")]
    requests = scripted_requests(
        lambda assistant: [
            getattr(assistant, f"suggest_{task}")(
                treatment, outcome, graph=benchmark.graph, context=benchmark.context
            )
            for treatment, outcome in effects
        ]
    )
    assert_shared([prompt_text(request.messages) for request in requests], len(effects))
    for request, (treatment, outcome) in zip(requests, effects, strict=True):
        assert request.messages[-1]["content"].splitlines()[-2:] == [
            f"Treatment (JSON): {json.dumps(treatment)}",
            f"Outcome (JSON): {json.dumps(outcome)}",
        ]


def test_critiques_of_one_graph_differ_only_in_the_effect_at_the_end() -> None:
    benchmark = sachs()
    requests = scripted_requests(
        lambda assistant: [
            assistant.critique(benchmark.graph, context=benchmark.context),
            assistant.critique(
                benchmark.graph, treatment="PKC", outcome="Akt", context=benchmark.context
            ),
            assistant.critique(
                benchmark.graph,
                treatment="PKA",
                outcome="Erk",
                adjustment_set=["PKC"],
                context=benchmark.context,
            ),
        ]
    )
    assert_shared([prompt_text(request.messages) for request in requests], 3)


def test_sensitivity_elicitation_names_each_confounder_last() -> None:
    """One query per unmeasured confounder: the treatment, outcome and benchmarks come first."""
    from _snapshot import SNAPSHOT_OUTCOME, SNAPSHOT_TREATMENT, SNAPSHOT_VARIABLES, snapshot_data

    confounders = {
        "genetic risk": "Inherited susceptibility, not measured",
        "air pollution": "Exposure to fine particles at home",
        "diet": "Servings of vegetables a day",
    }
    requests = scripted_requests(
        lambda assistant: assistant.elicit_sensitivity(
            snapshot_data(),
            SNAPSHOT_TREATMENT,
            SNAPSHOT_OUTCOME,
            ["patient's age"],
            confounders=confounders,
            variables=SNAPSHOT_VARIABLES,
            context="A cohort of adults followed for 10 years (synthetic example).",
        )
    )
    assert_shared([prompt_text(request.messages) for request in requests], len(confounders))
    for request in requests:
        last = request.messages[-1]["content"].splitlines()[-1]
        assert last.startswith("The unmeasured confounder (JSON): ")


def test_the_share_measure_can_fail() -> None:
    """The measure itself: prompts that start with what differs share almost nothing."""
    prompts = [f"target {index}: " + "the same long list " * 20 for index in range(10)]
    assert max(shared_prefix_shares(prompts)) < 0.05
    with pytest.raises(AssertionError, match="only"):
        assert_shared(prompts, 10)
