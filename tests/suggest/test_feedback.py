"""suggest_graph(acyclic=False): feedback loops kept as a cyclic summary graph."""

from __future__ import annotations

import pytest
from _graph_replies import scripted_assistant

from pywhy_llm_assist import Assistant, CausalGraph, CyclicGraphError, SimulatedExpert

VARIABLES = ["temperature", "water vapour", "sea ice", "albedo"]
LOOPS = {
    ("temperature", "water vapour"),
    ("water vapour", "temperature"),
    ("temperature", "sea ice"),
    ("sea ice", "albedo"),
    ("albedo", "temperature"),
}


@pytest.mark.parametrize("strategy", ["per_node", "whole"])
def test_two_way_proposals_and_cycles_are_kept(strategy: str) -> None:
    assistant, _ = scripted_assistant(LOOPS)
    graph = assistant.suggest_graph(VARIABLES, strategy=strategy, acyclic=False)
    assert set(graph.edge_pairs) == LOOPS
    assert graph.dropped == ()
    assert graph.metadata["acyclic"] is False and graph.allows_cycles
    assert graph.cycles == (
        ("temperature", "water vapour"),
        ("albedo", "temperature", "sea ice"),
    )
    with pytest.raises(CyclicGraphError) as caught:
        graph.to_dowhy_graph()
    assert caught.value.cycles == graph.cycles


@pytest.mark.parametrize("strategy", ["per_node", "whole"])
def test_the_default_still_returns_a_dag_and_reports_what_it_dropped(strategy: str) -> None:
    assistant, _ = scripted_assistant(LOOPS)
    graph = assistant.suggest_graph(VARIABLES, strategy=strategy)
    assert graph.is_acyclic() and graph.cycles == ()
    assert {item.reason for item in graph.dropped} <= {"conflict", "cycle"}
    assert len(graph.edges) + len(graph.dropped) == len(LOOPS)
    assert "acyclic" not in graph.metadata


def test_the_whole_graph_prompt_allows_loops_only_when_asked() -> None:
    assistant, model = scripted_assistant(LOOPS)
    assistant.suggest_graph(VARIABLES, strategy="whole", acyclic=False)
    assistant.suggest_graph(VARIABLES, strategy="whole")
    cyclic, acyclic = (request.messages[0]["content"] for request in model.requests)
    assert "Feedback loops are allowed" in cyclic and "must have no cycles" not in cyclic
    assert "must have no cycles" in acyclic and "Feedback" not in acyclic


def test_a_required_edge_keeps_its_opposite_in_a_feedback_graph() -> None:
    assistant, _ = scripted_assistant({("water vapour", "temperature")})
    graph = assistant.suggest_graph(
        VARIABLES, required=[("temperature", "water vapour")], acyclic=False
    )
    assert set(graph.edge_pairs) == {
        ("temperature", "water vapour"),
        ("water vapour", "temperature"),
    }
    dag = assistant.suggest_graph(VARIABLES, required=[("temperature", "water vapour")])
    assert dag.edge_pairs == [("temperature", "water vapour")]


def test_the_simulated_expert_recovers_a_cyclic_truth_only_when_loops_are_allowed() -> None:
    truth = CausalGraph.from_edges(
        VARIABLES, sorted(LOOPS), check_acyclic=False, metadata={"acyclic": False}
    )
    assistant = Assistant("simulated", client=SimulatedExpert(truth), cache_mode="off")
    for strategy in ("per_node", "whole"):
        cyclic = assistant.suggest_graph(VARIABLES, strategy=strategy, acyclic=False)
        assert set(cyclic.edge_pairs) == LOOPS
        forced = assistant.suggest_graph(VARIABLES, strategy=strategy)
        assert set(forced.edge_pairs) < LOOPS and forced.is_acyclic()
