"""The review page with unoriented edges and feedback loops, in a real headless Chromium.

The reviewer orients an undirected edge from the table (its arrowhead appears in the picture),
rejects another, exports, and `apply_review` reads the file; on a cyclic summary graph, an edge
that closes a loop can be added and exported, while on a DAG the page refuses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from _browser import launched_chromium
from playwright.sync_api import Browser, Page

from pywhy_llm_assist import CausalGraph, Provenance, ReviewDecisions, UndirectedEdge, apply_review
from pywhy_llm_assist.review._page import to_review_html

pytestmark = pytest.mark.browser

DATA = (Provenance(origin="data", note="causal-learn"),)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


def open_page(browser: Browser, graph: CausalGraph, path: Path) -> tuple[Page, list[str]]:
    to_review_html(graph, path)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-ready='true']")
    return page, errors


def export(page: Page, path: Path) -> ReviewDecisions:
    page.fill("#reviewer", "Ada")
    with page.expect_download() as download_info:
        page.click("#export-button")
    download_info.value.save_as(path)
    return ReviewDecisions.from_file(path)


def test_orient_an_undirected_edge_export_and_apply(browser: Browser, tmp_path: Path) -> None:
    graph = CausalGraph.from_edges(
        ["rain", "sprinkler", "wet grass", "season"],
        [("rain", "wet grass"), ("sprinkler", "wet grass")],
        undirected=[
            UndirectedEdge(first="season", second="rain", provenance=DATA),
            UndirectedEdge(first="season", second="sprinkler", kind="bidirected", provenance=DATA),
        ],
    )
    page, errors = open_page(browser, graph, tmp_path / "review.html")
    assert page.is_visible("#open-section")
    assert page.locator("#open-rows tr").count() == 2
    assert "0/2 unoriented decided" in page.inner_text("#progress")
    arrow = '#figure g.pla-open[data-undirected="0"] polygon.pla-arrow'
    assert not page.is_visible(arrow)
    page.click('#open-rows tr[data-undirected="0"] button:has-text("season → rain")')
    assert page.is_visible(arrow)  # the picture now shows the chosen direction
    assert page.get_attribute('#open-rows tr[data-undirected="0"]', "data-state") == "forward"
    page.click('#open-rows tr[data-undirected="1"] button[data-open-action="reject"]')
    assert "2/2 unoriented decided" in page.inner_text("#progress")
    # An edge between two variables an open edge joins is refused by the add form.
    page.select_option("#add-source", str(graph.names.index("rain")))
    page.select_option("#add-target", str(graph.names.index("season")))
    page.click("#add-button")
    assert "orient it in the table of unoriented edges" in page.inner_text("#add-message")

    decisions = export(page, tmp_path / "decisions.json")
    assert {(item.source, item.target, item.action) for item in decisions.decisions} == {
        ("season", "rain", "orient"),
        ("season", "sprinkler", "reject"),
    }
    reviewed = apply_review(graph, decisions)
    assert reviewed.has_edge("season", "rain") and reviewed.undirected == ()
    assert errors == []


def test_a_summary_graph_accepts_a_new_loop_and_a_dag_refuses_it(
    browser: Browser, tmp_path: Path
) -> None:
    names = ["prices", "wages", "demand"]
    edges = [("prices", "wages"), ("wages", "demand")]
    summary = CausalGraph.from_edges(names, edges, metadata={"acyclic": False})
    page, errors = open_page(browser, summary, tmp_path / "summary.html")
    page.select_option("#add-source", "2")
    page.select_option("#add-target", "0")
    page.click("#add-button")
    assert "Added demand → prices" in page.inner_text("#add-message")
    decisions = export(page, tmp_path / "summary.json")
    reviewed = apply_review(summary, decisions)
    assert reviewed.cycles == (("demand", "prices", "wages"),)
    assert errors == []

    dag = CausalGraph.from_edges(names, edges)
    page, errors = open_page(browser, dag, tmp_path / "dag.html")
    page.select_option("#add-source", "2")
    page.select_option("#add-target", "0")
    page.click("#add-button")
    assert "would create a cycle" in page.inner_text("#add-message")
    assert errors == []
