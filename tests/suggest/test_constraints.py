"""Background knowledge: required and forbidden edges and tiers, told to the model and enforced."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _graph_replies import scripted_assistant

from pywhy_llm_assist import CausalGraph, InputError
from pywhy_llm_assist.core._variables import Variables
from pywhy_llm_assist.suggest._constraints import Constraints

ABCD = ["a", "b", "c", "d"]


def reasons(graph: CausalGraph) -> dict[tuple[str, str], tuple[str, bool]]:
    return {item.edge.pair: (item.reason, item.reversed) for item in graph.dropped}


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"required": [("a", "b")], "forbidden": [("a", "b")]}, "both required and forbidden"),
        ({"required": [("a", "b"), ("b", "c"), ("c", "a")]}, "the required edges form a cycle"),
        ({"required": [("a", "b"), ("b", "a")]}, "the required edges form a cycle"),
        ({"required": [("c", "a")], "tiers": [["a"], ["c"]]}, "later tier into an earlier one"),
        ({"required": [("a", "a")]}, "is a self-loop"),
        ({"required": [("a", "zebra")]}, "zebra"),
        ({"forbidden": [("zebra", "a")]}, "zebra"),
        ({"tiers": [["a", "zebra"]]}, "zebra"),
        ({"tiers": [["a", "b"], ["b", "c"]]}, "in two tiers"),
        ({"required": ["ab"]}, "must be a \\(cause, effect\\) pair"),
        ({"forbidden": [("a", "b", "c")]}, "must be a \\(cause, effect\\) pair"),
    ],
)
def test_contradictory_or_unknown_constraints_are_input_errors(
    options: dict[str, Any], message: str
) -> None:
    assistant, model = scripted_assistant([])
    with pytest.raises(InputError, match=message):
        assistant.suggest_graph(ABCD, **options)
    assert model.requests == [], "nothing is asked before the constraints are checked"


def test_constraints_build_keeps_order_and_answers_questions() -> None:
    variables = Variables(ABCD)
    constraints = Constraints.build(
        variables,
        required=[["b", "c"], ("a", "b")],
        forbidden=[("d", "a"), ("c", "a")],
        tiers=[("a",), ("b", "c")],
    )
    assert constraints.required == (("b", "c"), ("a", "b"))
    assert constraints.is_required("a", "b") and not constraints.is_required("b", "a")
    assert constraints.violates_tiers("c", "a")
    assert not constraints.violates_tiers("a", "c")
    assert not constraints.violates_tiers("b", "c") and not constraints.violates_tiers("c", "b")
    assert not constraints.violates_tiers("d", "a"), "a variable in no tier is unconstrained"
    assert constraints.as_lists() == {
        "required": [["b", "c"], ["a", "b"]],
        "forbidden": [["c", "a"], ["d", "a"]],
        "tiers": [["a"], ["b", "c"]],
    }


# ----------------------------------------------------------------------------- enforcement
@pytest.mark.parametrize("strategy", ["per_node", "whole", "pairwise"])
def test_required_edge_is_added_when_the_model_omits_it(strategy: str) -> None:
    assistant, _ = scripted_assistant([("b", "c")])
    graph = assistant.suggest_graph(ABCD, strategy=strategy, required=[("a", "d")])
    assert graph.edge_pairs == [("a", "d"), ("b", "c")]
    edge = graph.edge("a", "d")
    assert (edge.votes, edge.asked, edge.confidence) == (0, 0, 1.0)
    assert [item.origin for item in edge.provenance] == ["required"]
    assert edge.rationale == "required by the analyst"
    assert graph.dropped == ()


def test_required_edge_the_model_proposed_keeps_its_votes() -> None:
    assistant, _ = scripted_assistant([("a", "b")], confidence="medium")
    graph = assistant.suggest_graph(ABCD, strategy="per_node", required=[("a", "b")])
    edge = graph.edge("a", "b")
    assert (edge.votes, edge.asked, edge.confidence) == (1, 1, 0.65)
    assert [item.origin for item in edge.provenance] == ["model", "required"]


def test_required_edge_below_the_threshold_is_kept_and_not_reported_dropped() -> None:
    assistant, _ = scripted_assistant(lambda sample: [("a", "b")] * (sample == 0))
    graph = assistant.suggest_graph(ABCD, strategy="whole", samples=3, required=[("a", "b")])
    assert graph.edge_pairs == [("a", "b")]
    assert (graph.edge("a", "b").votes, graph.edge("a", "b").asked) == (1, 3)
    assert graph.dropped == ()


@pytest.mark.parametrize("strategy", ["per_node", "whole"])
def test_edge_opposite_to_a_required_one_is_dropped_as_reversed(strategy: str) -> None:
    assistant, _ = scripted_assistant([("b", "a"), ("c", "d")])
    graph = assistant.suggest_graph(ABCD, strategy=strategy, required=[("a", "b")])
    assert graph.edge_pairs == [("a", "b"), ("c", "d")]
    assert reasons(graph) == {("b", "a"): ("conflict", True)}
    assert graph.dropped[0].detail == "contradicts a required edge"


def test_required_edges_are_never_removed_to_break_a_cycle() -> None:
    assistant, _ = scripted_assistant([("c", "a")])
    graph = assistant.suggest_graph(ABCD, strategy="whole", required=[("a", "b"), ("b", "c")])
    assert graph.edge_pairs == [("a", "b"), ("b", "c")]
    assert reasons(graph) == {("c", "a"): ("cycle", False)}


@pytest.mark.parametrize("strategy", ["per_node", "whole", "pairwise"])
def test_forbidden_edges_are_dropped_with_their_reason(strategy: str) -> None:
    assistant, _ = scripted_assistant([("a", "b"), ("c", "d")])
    graph = assistant.suggest_graph(ABCD, strategy=strategy, forbidden=[("c", "d"), ("d", "c")])
    assert graph.edge_pairs == [("a", "b")]
    assert reasons(graph) == {("c", "d"): ("forbidden", False)}
    assert graph.dropped[0].detail == "forbidden by the analyst"


@pytest.mark.parametrize("strategy", ["per_node", "whole", "pairwise"])
def test_tier_violations_are_dropped_with_their_reason(strategy: str) -> None:
    assistant, _ = scripted_assistant([("c", "a"), ("a", "b"), ("c", "b"), ("d", "a")])
    graph = assistant.suggest_graph(ABCD, strategy=strategy, tiers=[["a"], ["b", "c"]])
    # Within a tier anything goes; "d" is in no tier, so it is unconstrained.
    assert graph.edge_pairs == [("a", "b"), ("c", "b"), ("d", "a")]
    assert reasons(graph) == {("c", "a"): ("tier_violation", False)}
    assert graph.metadata["constraints"]["tiers"] == [["a"], ["b", "c"]]


# ----------------------------------------------------------------------------- prompts
def test_per_node_prompts_tell_each_target_its_constraints() -> None:
    assistant, model = scripted_assistant([])
    assistant.suggest_graph(
        ABCD,
        strategy="per_node",
        required=[("a", "c")],
        forbidden=[("d", "c"), ("b", "c")],
        tiers=[["a", "b"], ["c"], ["d"]],
    )
    prompts = {
        request.query.subject[0]: request.messages[-1]["content"]
        for request in model.requests
        if request.query
    }
    about_c = prompts["c"]
    assert 'include them: ["a"]' in about_c
    assert 'leave them out: ["b", "d"]' in about_c
    assert 'cannot cause it: ["d"]' in about_c
    assert 'cannot cause it: ["c", "d"]' in prompts["a"]
    assert "include them" not in prompts["d"] and "leave them out" not in prompts["d"]
    assert "cannot cause it" not in prompts["d"]


def test_whole_graph_prompt_lists_every_constraint() -> None:
    assistant, model = scripted_assistant([])
    assistant.suggest_graph(
        ABCD,
        strategy="whole",
        required=[("a", "c")],
        forbidden=[("d", "c")],
        tiers=[["a", "b"], ["c", "d"]],
    )
    (request,) = model.requests
    prompt = request.messages[-1]["content"]
    assert "Known edges to include, as [cause, effect] pairs: " + json.dumps([["a", "c"]]) in prompt
    assert 'Edges known to be absent, as [cause, effect] pairs: [["d", "c"]]' in prompt
    assert (
        'earliest first; no variable causes one in an earlier tier: [["a", "b"], ["c", "d"]]'
        in (prompt)
    )


def test_prompts_without_constraints_do_not_mention_them() -> None:
    assistant, model = scripted_assistant([])
    assistant.suggest_graph(ABCD, strategy="whole")
    prompt = model.requests[0].messages[-1]["content"]
    assert "Known edges" not in prompt and "known to be absent" not in prompt
    assert "tier" not in prompt
