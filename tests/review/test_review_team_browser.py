"""The review page at laptop and desktop size, in a real headless Chromium, by clicking.

Zoom, pan and "fit whole graph" on a 40-variable graph; a variable's edges highlighted and
listed below the sticky header; names wrapping only between words; status messages that clear;
findings on their rows with one-click suggestions, exported and applied; three reviewers'
exported files merged in Python, and the second round. Screenshots go to ``test-artifacts/``,
or to ``docs/`` with ``UPDATE_SCREENSHOTS=1`` (then review them before committing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from _browser import launched_chromium
from _review_fixtures import critique_for, finding, forty_variable_graph
from playwright.sync_api import Browser, BrowserContext, Page

from pywhy_llm_assist import (
    CausalGraph,
    ReviewDecisions,
    SuggestedEdit,
    apply_review,
    merge_reviews,
)
from pywhy_llm_assist.graph._causal_graph import Edge, Provenance
from pywhy_llm_assist.graph._layout import layered_layout
from pywhy_llm_assist.graph._routing import geometry, place_extra_node, route_extra_edge
from pywhy_llm_assist.review._page import to_review_html

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else ROOT / "test-artifacts"
LAPTOP = {"width": 1366, "height": 768}
DESKTOP = {"width": 1920, "height": 1080}
SIZES = pytest.mark.parametrize("size", [LAPTOP, DESKTOP], ids=["1366x768", "1920x1080"])
MODEL = Provenance(origin="model", model="test-model")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def forty(tmp_path_factory: pytest.TempPathFactory) -> tuple[CausalGraph, Path]:
    graph = forty_variable_graph()
    path = tmp_path_factory.mktemp("forty") / "review.html"
    to_review_html(graph, path, title="Cardiovascular risk: 40 variables")
    return graph, path


class Opened:
    """A page in its own context, with page errors and network requests recorded."""

    def __init__(self, browser: Browser, path: Path, size: dict[str, int]) -> None:
        self.context: BrowserContext = browser.new_context(
            viewport=size, accept_downloads=True, reduced_motion="reduce"
        )
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "dialog", lambda dialog: (self.errors.append(dialog.message), dialog.dismiss())
        )
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("html[data-ready='true']")

    def close(self) -> None:
        assert self.errors == []
        assert all(url.startswith(("file:", "blob:", "data:")) for url in self.requests)
        self.context.close()


@pytest.fixture
def opened(browser: Browser) -> Iterator[Any]:
    pages: list[Opened] = []

    def open_page(path: Path, size: dict[str, int] = LAPTOP) -> Page:
        pages.append(Opened(browser, path, size))
        return pages[-1].page

    yield open_page
    for item in pages:
        item.close()


def rect(page: Page, selector: str) -> dict[str, float]:
    box: dict[str, float] = page.eval_on_selector(
        selector, "e => { const r = e.getBoundingClientRect(); "
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }",
    )  # fmt: skip
    return box


NODES_INSIDE = """() => {
  const figure = document.getElementById('figure').getBoundingClientRect();
  return Array.from(document.querySelectorAll('#figure g.pla-node rect')).filter(r => {
    const b = r.getBoundingClientRect();
    return b.left < figure.left - 0.5 || b.right > figure.right + 0.5 ||
      b.top < figure.top - 0.5 || b.bottom > figure.bottom + 0.5;
  }).length;
}"""


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


# --------------------------------------------------------------------------- the picture
@SIZES
def test_fit_zoom_and_pan_show_forty_variables_at_once(
    opened: Any, forty: tuple[CausalGraph, Path], size: dict[str, int]
) -> None:
    _, path = forty
    page = opened(path, size)
    figure, header = rect(page, "#figure"), rect(page, "#topbar")
    # On load the whole graph is fitted into a figure that fits on the screen below the header.
    assert page.get_attribute("#fit-button", "aria-pressed") == "true"
    assert page.eval_on_selector_all("#figure g.pla-node", "nodes => nodes.length") == 40
    assert page.evaluate(NODES_INSIDE) == 0
    assert figure["top"] >= header["bottom"] and figure["bottom"] <= size["height"]
    if size == LAPTOP:
        shot(page, "review-laptop-fit.png")
    fitted = page.get_attribute("#figure svg", "viewBox")
    page.click("#zoom-in")
    page.click("#zoom-in")
    zoomed = page.get_attribute("#figure svg", "viewBox")
    assert float(zoomed.split()[2]) < float(fitted.split()[2]) * 0.7  # type: ignore[union-attr]
    assert page.evaluate(NODES_INSIDE) > 0  # zoomed in: some boxes are now outside the figure
    before = float(zoomed.split()[0])  # type: ignore[union-attr]
    page.mouse.move(figure["left"] + 300, figure["top"] + 100)
    page.mouse.down()
    page.mouse.move(figure["left"] + 200, figure["top"] + 120, steps=5)
    page.mouse.up()
    panned = page.get_attribute("#figure svg", "viewBox")
    assert float(panned.split()[0]) > before  # type: ignore[union-attr]
    assert page.input_value("#filter") == ""  # the drag selected no variable
    page.keyboard.down("Control")
    page.mouse.wheel(0, 300)
    page.keyboard.up("Control")
    assert page.get_attribute("#figure svg", "viewBox") != panned
    page.click("#zoom-reset")
    assert page.inner_text("#zoom-level") == "100%"
    page.click("#fit-button")
    assert page.evaluate(NODES_INSIDE) == 0


@SIZES
def test_a_variable_click_highlights_and_lists_its_edges_below_the_header(
    opened: Any, forty: tuple[CausalGraph, Path], size: dict[str, int]
) -> None:
    graph, path = forty
    page = opened(path, size)
    name = "exercise"
    touching = [i for i, pair in enumerate(graph.edge_pairs) if name in pair]
    page.click("#zoom-in")  # the boxes are larger: easier to hit exactly
    page.click("#fit-button")
    page.locator(f'#figure g.pla-node[data-node="{graph.names.index(name)}"]').click()
    assert page.input_value("#filter") == name
    assert page.is_visible("#focus-chip") and page.inner_text("#focus-name") == name
    assert page.locator("#edge-rows tr:visible").count() == len(touching)
    focused = page.eval_on_selector_all(
        "#figure g.pla-edge.pla-focus", "groups => groups.map(g => Number(g.dataset.edge))"
    )
    assert sorted(focused) == touching
    assert page.locator("#figure svg.pla-focusing").count() == 1
    header = rect(page, "#topbar")
    assert rect(page, "#filter")["top"] >= header["bottom"]  # not hidden under the header
    first_row = rect(page, "#edge-rows tr:visible >> nth=0")
    assert header["bottom"] <= first_row["top"] < size["height"]
    if size == LAPTOP:
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "review-laptop-variable.png")
        page.locator(f'#figure g.pla-node[data-node="{graph.names.index(name)}"]').click()
        assert page.input_value("#filter") == "" and page.is_hidden("#focus-chip")
        assert page.locator("#figure g.pla-edge.pla-focus").count() == 0
    # Clicking an arrow brings its row into view, clear of the header.
    page.click("#fit-button")
    page.locator('#figure g.pla-edge[data-edge="40"] .pla-hit').dispatch_event("click")
    row = rect(page, 'tr[data-edge="40"]')
    assert row["top"] >= rect(page, "#topbar")["bottom"] and row["bottom"] <= size["height"]


def test_names_wrap_only_between_words_at_laptop_size(
    opened: Any, forty: tuple[CausalGraph, Path]
) -> None:
    _, path = forty
    page = opened(path, LAPTOP)
    report = page.evaluate(
        """() => {
          const words = Array.from(document.querySelectorAll('#edge-rows .name .word'));
          const broken = words.filter(w => w.getClientRects().length !== 1).map(w => w.textContent);
          const names = Array.from(document.querySelectorAll('#edge-rows .name'));
          const wrapped = names.filter(n => n.getClientRects().length > 1).length;
          return {words: words.length, broken: broken, wrapped: wrapped};
        }"""
    )
    assert report["words"] > 150
    assert report["broken"] == []
    # Long names do wrap (between their words) at this width: the check above is not empty.
    assert (
        report["wrapped"] > 0
        or page.evaluate("document.querySelector('#edge-rows .name').offsetWidth") > 0
    )


def test_status_messages_clear_when_their_cause_is_gone(
    opened: Any, forty: tuple[CausalGraph, Path]
) -> None:
    _, path = forty
    page = opened(path, LAPTOP)
    page.click("#export-button")
    assert "Reviewer" in page.inner_text("#status")
    page.fill("#reviewer", "Dr. Okafor")
    assert page.inner_text("#status") == ""
    page.select_option("#add-source", "3")
    page.select_option("#add-target", "3")
    page.click("#add-button")
    assert "two different" in page.inner_text("#add-message")
    page.select_option("#add-target", "4")
    assert page.inner_text("#add-message") == ""
    page.click("#add-button")
    assert "Added" in page.inner_text("#add-message")
    page.locator('tr[data-edge="0"] button[data-action="accept"]').click()
    assert page.inner_text("#add-message") == ""  # "Added ..." was about the previous state


# --------------------------------------------------------------------------- findings
def findings_graph() -> tuple[CausalGraph, Any]:
    def edge(source: str, target: str, rationale: str) -> Edge:
        return Edge(source=source, target=target, confidence=0.7, votes=2, asked=3,
                    rationale=rationale, provenance=(MODEL,))  # fmt: skip

    graph = CausalGraph.from_edges(
        {"exercise_hours": "weekly hours", "body_mass_index": "BMI", "cardio_score": "outcome",
         "age": "years", "income": "household income", "smoking": "cigarettes per day"},
        [edge("exercise_hours", "cardio_score", "Fitness."),
         edge("cardio_score", "body_mass_index", "Proposed backwards."),
         edge("age", "exercise_hours", "Older people exercise less."),
         edge("income", "exercise_hours", "Gym fees."),
         edge("smoking", "income", "Doubtful.")],
    )  # fmt: skip
    findings = [
        finding("reversed_edge", "model", "high", "body mass affects fitness, not the reverse",
                ("cardio_score", "body_mass_index"),
                SuggestedEdit(action="reverse_edge", source="cardio_score",
                              target="body_mass_index")),
        finding("implausible_edge", "model", "medium", "smoking does not set income",
                ("smoking", "income"),
                SuggestedEdit(action="remove_edge", source="smoking", target="income")),
        finding("missing_edge", "model", "medium", "age affects the cardio score",
                ("age", "cardio_score"),
                SuggestedEdit(action="add_edge", source="age", target="cardio_score")),
        finding("unmeasured_confounder", "model", "medium",
                "an unmeasured genetic_fitness may confound exercise_hours, cardio_score",
                ("exercise_hours", "cardio_score"),
                SuggestedEdit(action="add_latent", latent_name="genetic_fitness",
                              latent_description="inherited fitness",
                              variables=("exercise_hours", "cardio_score"))),
        finding("implication_rejected", "data", "high",
                "smoking and age are dependent given income (p = 0.001)",
                ("smoking", "age", "income")),
        finding("minimal_adjustment_set", "graph", "info",
                "adjusting for {age, income} blocks every backdoor path",
                ("age", "income"),
                SuggestedEdit(action="set_adjustment", variables=("age", "income")),
                rationale="1 minimal valid adjustment set(s) found."),
    ]  # fmt: skip
    critique = critique_for(
        graph, findings, treatment="exercise_hours", outcome="cardio_score", adjustment_set=None,
        minimal_adjustment_set=("age", "income"), valid_adjustment_sets=(("age", "income"),),
    )  # fmt: skip
    return graph, critique


def test_findings_sit_on_their_rows_and_apply_in_one_click(opened: Any, tmp_path: Path) -> None:
    graph, critique = findings_graph()
    path = tmp_path / "findings.html"
    to_review_html(graph, path, critique=critique, title="Exercise and cardio fitness")
    page = opened(path, LAPTOP)
    index = graph.edge_pairs.index
    reversed_row = page.locator(f'tr[data-edge="{index(("cardio_score", "body_mass_index"))}"]')
    assert "body mass affects fitness" in reversed_row.inner_text()
    assert "1 finding" in reversed_row.locator("td.pair").inner_text()
    # The data finding (and the missing edge) concern pairs with no edge: rows of their own.
    assert page.locator("#pair-rows tr.pair-row").count() == 2
    pair_row = page.locator('#pair-rows tr[data-pair="1"]')
    assert pair_row.is_visible() and "smoking and age are dependent" in pair_row.inner_text()
    assert "age" in pair_row.locator("td.pair").inner_text()
    # The adjustment-set finding sits on the rows of its variables.
    for number in (graph.names.index("age"), graph.names.index("income")):
        cell = page.locator(f'#variables-table tr[data-variable="{number}"] td.findings')
        assert "adjusting for {age, income}" in cell.inner_text()
    critique_text = page.inner_text("#critique")
    assert "1 minimal valid adjustment set" in critique_text and "{age, income}" in critique_text
    assert "exercise_hours → cardio_score" in critique_text

    reversed_row.locator("button.apply").click()
    assert reversed_row.get_attribute("data-state") == "reverse"
    assert "applied from a model finding" in reversed_row.inner_text()
    page.click("text=Apply: reject smoking → income")
    page.click("text=Apply: add age → cardio_score")
    page.click("text=Apply: add latent genetic_fitness")
    assert page.locator("#figure g.pla-added").count() == 3
    assert page.locator("#figure g.pla-extra text").text_content() == "genetic_fitness"
    # An applied suggestion is undone by a second click, and redone.
    undo = page.locator('tr[data-edge="4"] button.apply')
    assert undo.get_attribute("aria-pressed") == "true"
    undo.click()
    assert page.locator('tr[data-edge="4"]').get_attribute("data-state") == "unreviewed"
    undo.click()

    # Added edges are routed like the others: the page's route is the Python one, box-free.
    shape = geometry(layered_layout(graph))
    place_extra_node(shape, "genetic_fitness", ["exercise_hours", "cardio_score"])
    drawn = page.eval_on_selector_all(
        "#figure g.pla-added", "gs => gs.map(g => [g.dataset.source, g.dataset.target, "
        "JSON.parse(g.dataset.points)])",
    )  # fmt: skip
    for source, target, points in drawn:
        assert [tuple(point) for point in points] == list(route_extra_edge(shape, source, target))
    assert page.evaluate(CROSSED_BOXES) == []

    # "Show on its row" in the critique section scrolls to the row, clear of the header.
    page.locator('#findings-table tr[data-finding="0"] button.show-row').click()
    row = rect(page, f'tr[data-edge="{index(("cardio_score", "body_mass_index"))}"]')
    assert row["top"] >= rect(page, "#topbar")["bottom"] and row["bottom"] <= LAPTOP["height"]
    page.fill("#reviewer", "Dr. Okafor")
    reversed_row.scroll_into_view_if_needed()
    shot(page, "review-findings.png")

    with page.expect_download() as download:
        page.click("#export-button")
    saved = tmp_path / "review-decisions.json"
    download.value.save_as(saved)
    decisions = ReviewDecisions.from_file(saved)
    origins = {(item.source, item.target, item.action): item.origin for item in decisions.decisions}
    assert origins[("cardio_score", "body_mass_index", "reverse")].finding_kind == "reversed_edge"
    assert origins[("age", "cardio_score", "add")].finding_kind == "missing_edge"
    assert origins[("genetic_fitness", "cardio_score", "add")].finding_source == "model"
    assert [latent.name for latent in decisions.latent_variables] == ["genetic_fitness"]
    reviewed = apply_review(graph, saved)
    assert reviewed.variable("genetic_fitness").latent
    assert reviewed.has_edge("genetic_fitness", "exercise_hours")
    assert reviewed.has_edge("body_mass_index", "cardio_score")
    assert not reviewed.has_edge("smoking", "income")
    note = str(reviewed.edge("age", "cardio_score").provenance[0].note)
    assert "suggested by a model finding (missing_edge)" in note


CROSSED_BOXES = """() => {
  const boxes = Array.from(document.querySelectorAll('#figure g.pla-node')).map(g => ({
    name: g.dataset.name ||
      g.querySelector('title').textContent.split('\\n')[0].replace(' (latent)', ''),
    rect: g.querySelector('rect')}));
  const crossed = [];
  document.querySelectorAll('#figure g.pla-added').forEach(g => {
    const line = g.querySelector('path.pla-line');
    const length = line.getTotalLength();
    for (let at = 0; at <= length; at += 3) {
      const p = line.getPointAtLength(at);
      boxes.forEach(b => {
        if (b.name === g.dataset.source || b.name === g.dataset.target) { return; }
        const x = +b.rect.getAttribute('x'), y = +b.rect.getAttribute('y');
        const w = +b.rect.getAttribute('width'), h = +b.rect.getAttribute('height');
        if (p.x > x + 1 && p.x < x + w - 1 && p.y > y + 1 && p.y < y + h - 1) {
          crossed.push(g.dataset.source + '->' + g.dataset.target + ' crosses ' + b.name);
        }
      });
    }
  });
  return crossed;
}"""


# --------------------------------------------------------------------------- three reviewers
def review_in_browser(
    browser: Browser, path: Path, reviewer: str, clicks: list[tuple[int, str]], save_to: Path,
    size: dict[str, int] = LAPTOP,
) -> Path:  # fmt: skip
    """Open the page in a fresh browser profile, click the decisions, export them."""
    opened = Opened(browser, path, size)
    page = opened.page
    for number, action in clicks:
        page.locator(f'tr[data-edge="{number}"] button[data-action="{action}"]').click()
    page.fill("#reviewer", reviewer)
    with page.expect_download() as download:
        page.click("#export-button")
    download.value.save_as(save_to)
    opened.close()
    return save_to


def test_three_reviewers_merge_and_a_second_round(browser: Browser, tmp_path: Path) -> None:
    graph, critique = findings_graph()
    page_file = tmp_path / "review.html"
    to_review_html(graph, page_file, critique=critique)
    plans = {
        "Ada": [(0, "accept"), (1, "reverse"), (2, "accept"), (3, "accept"), (4, "reject")],
        "Ben": [(0, "accept"), (1, "reverse"), (2, "accept"), (3, "reject"), (4, "reject")],
        "Chen": [(0, "accept"), (1, "accept"), (2, "reject"), (3, "reject"), (4, "accept")],
    }
    files = [
        review_in_browser(browser, page_file, name, clicks, tmp_path / f"{name}.json",
                          size=DESKTOP if name == "Ben" else LAPTOP)
        for name, clicks in plans.items()
    ]  # fmt: skip
    consensus = merge_reviews(graph, files, rule="unanimous")
    assert consensus.reviewers == ("Ada", "Ben", "Chen")
    assert {item.pair: item.decision for item in consensus.agreed} == {
        ("exercise_hours", "cardio_score"): "accept"
    }
    assert len(consensus.disputed) == 4
    assert consensus.agreement.items == 5 and consensus.agreement.value is not None
    majority = merge_reviews(graph, files)
    assert majority.disputed == ()
    assert majority.graph.has_edge("body_mass_index", "cardio_score")

    second_page = tmp_path / "second-round.html"
    consensus.to_second_round_html(second_page)
    opened = Opened(browser, second_page, LAPTOP)
    page = opened.page
    assert page.locator("#edge-rows tr").count() == 4
    assert "Second round: 4 disputed" in page.inner_text("#round-banner")
    assert page.is_hidden("#add-section")
    first = page.locator("#edge-rows tr >> nth=0").inner_text()
    assert "Ada:" in first and "Ben:" in first and "Chen:" in first
    assert "Reviewed 0 of 4 edges" in page.inner_text("#progress")
    page.locator("#edges-section").evaluate("element => element.scrollIntoView()")
    shot(page, "review-second-round.png")
    opened.close()

    second_graph = consensus.second_round_graph
    assert second_graph is not None
    numbers = [second_graph.edge_pairs.index(item.pair) for item in consensus.disputed]
    round_two = [
        review_in_browser(browser, second_page, name,
                          [(numbers[0], "reverse"), (numbers[1], "accept"), (numbers[2], "reject"),
                           (numbers[3], "reject")],
                          tmp_path / f"{name}-2.json")
        for name in ("Ada", "Ben", "Chen")
    ]  # fmt: skip
    final = merge_reviews(second_graph, round_two, rule="unanimous")
    assert final.disputed == ()
    assert final.graph.has_edge("body_mass_index", "cardio_score")
    assert not final.graph.has_edge("smoking", "income")
    assert final.graph.metadata["review_history"][0]["reviewers"] == ["Ada", "Ben", "Chen"]
