"""check_graph(data=...): one data finding per rejected implication, with its p-values."""

from __future__ import annotations

import pandas as pd
import pytest
from _smoking_study import DRAFT, TRUTH, study_data

from pywhy_llm_assist import (
    CausalGraph,
    Critique,
    InputError,
    check_graph,
)
from pywhy_llm_assist import test_implications as run_tests
from pywhy_llm_assist.graph._layout import layered_layout
from pywhy_llm_assist.graph._routing import geometry
from pywhy_llm_assist.review._page_findings import findings_data


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return study_data(seed=5)


def test_each_rejected_implication_is_a_data_finding(frame: pd.DataFrame) -> None:
    critique = check_graph(DRAFT, treatment="smoking", outcome="cancer", data=frame)
    assert critique.implication_tests is not None
    rejected = critique.implication_tests.rejected
    assert rejected and {rejected[0].x, rejected[0].y} == {"age", "cancer"}
    assert [finding.implication_test for finding in critique.data_findings] == list(rejected)
    finding = critique.data_findings[0]
    row = rejected[0]
    assert (finding.source, finding.kind) == ("data", "implication_rejected")
    assert finding.variables == (row.x, row.y, *row.given)
    assert finding.severity == "high" and finding.confidence is None and finding.edit is None
    assert "adjusted p =" in finding.message and row.independence in finding.message
    assert "data: residual (Pillai)" in str(finding)
    # The graph checks still run beside the data tests.
    assert any(finding.source == "graph" for finding in critique.findings)
    assert Critique.from_json(critique.to_json()) == critique


def test_a_graph_the_data_agree_with_has_no_data_finding(frame: pd.DataFrame) -> None:
    critique = check_graph(TRUTH, data=frame)
    assert critique.data_findings == ()
    assert critique.implication_tests is not None and critique.implication_tests.consistent


def test_tests_computed_beforehand_are_used_and_must_fit_the_graph(frame: pd.DataFrame) -> None:
    strict = run_tests(DRAFT, frame, alpha=1e-30)
    critique = check_graph(DRAFT, data=strict)
    assert critique.implication_tests == strict
    assert len(critique.data_findings) == len(strict.rejected)
    with pytest.raises(InputError, match="made for another graph"):
        check_graph(TRUTH, data=strict)


def test_a_cyclic_graph_skips_the_data_tests(frame: pd.DataFrame) -> None:
    cyclic = CausalGraph.from_edges(
        DRAFT.names, [*DRAFT.edge_pairs, ("cough", "age")], check_acyclic=False
    )
    critique = check_graph(cyclic, data=frame)
    assert critique.implication_tests is None
    assert "Data checks are skipped until the graph is acyclic" in critique.findings[0].rationale


def test_data_that_do_not_fit_the_graph_are_an_input_error(frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="'cough' is not a column"):
        check_graph(DRAFT, data=frame.drop(columns="cough"))


def test_the_review_page_and_the_notebook_show_data_findings_with_p_values(
    frame: pd.DataFrame,
) -> None:
    critique = check_graph(DRAFT, data=frame)
    row = critique.data_findings[0].implication_test
    assert row is not None
    shown = row.describe().replace("'", "&#x27;")
    assert "adjusted p = " in shown and "partial correlation" in shown
    for page in (critique.to_review_html(), critique._repr_html_()):
        section = page[page.index("implication_rejected") :]
        assert shown in section
    # The page's script shows each finding on the row of its pair (no edge joins x and y).
    data = findings_data(critique, DRAFT, geometry(layered_layout(DRAFT)))
    item = next(item for item in data["items"] if item["kind"] == "implication_rejected")
    assert row.describe() in item["rationale"] and "pair_row" in item["link"]
    # Findings without a data test show no such line.
    plain = check_graph(DRAFT, treatment="smoking", outcome="cancer", adjustment_set=[])
    assert "adjusted p =" not in plain._repr_html_()
