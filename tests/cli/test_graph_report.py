"""The human summary of a graph: open edges and feedback loops are listed."""

from __future__ import annotations

import pytest

from pywhy_llm_assist import CausalGraph
from pywhy_llm_assist.cli._commands import Reporter, data_first_summary, report_graph


def test_open_edges_and_loops_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    graph = CausalGraph.from_edges(
        ["a", "b", "c"],
        [("a", "b"), ("b", "a")],
        check_acyclic=False,
        undirected=[("b", "c")],
        metadata={"acyclic": False},
    )
    report_graph(Reporter(), graph, "suggested graph")
    err = capsys.readouterr().err
    assert "  b --- c  direction open" in err
    assert "feedback loops (1): a -> b -> a" in err


def test_the_data_first_line_names_directions_calibration_and_calls() -> None:
    found = {
        "directions": {"data": 2, "both": 1, "model": 1, "implied": 0, "open": 1},
        "calibration": {"asked": 3, "agreed": 2, "accuracy": 0.6667},
        "calls": {"queries": 5, "bound": 5},
    }
    assert data_first_summary(found) == (
        "directions: 2 data, 1 both, 1 model, 0 implied, 1 open; the model agreed with 2 of 3 "
        "directions the data found by themselves (67%); 5 queries (bound 5)"
    )
    found["calibration"] = {"asked": 0, "agreed": 0, "accuracy": None}
    assert "no calibration" in data_first_summary(found)
