"""The analysis report in a real headless Chromium: it loads from file://, asks nothing of the
network, runs no script, and shows every section.

Needs Debian's ``chromium`` at /usr/bin/chromium and the ``playwright`` package. A screenshot
goes to ``test-artifacts/analysis-report.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytest.importorskip("dowhy")

from _analysis_replies import respond, study_graph
from _browser import ARTIFACTS, launched_chromium
from playwright.sync_api import Browser

from pywhy_llm_assist import Assistant, Edge, Provenance, simulate_exercise_study
from pywhy_llm_assist.testing import ScriptedModel

pytestmark = [pytest.mark.browser, pytest.mark.integration]

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
SECTIONS = {
    "estimate": "Estimate",
    "steps": "What ran",
    "graph": "The reviewed graph",
    "refutations": "Refutations (DoWhy)",
    "implications": "Implication tests: the graph against the data",
    "sensitivity": "Sensitivity to unmeasured confounding",
    "critique": "Critique: the model and the exact checks",
    "ledger": "Assumptions ledger",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


def write_report(path: Path) -> None:
    graph = study_graph()
    first = graph.edges[0]
    reviewed = Edge(
        source=first.source,
        target=first.target,
        rationale=HOSTILE,
        provenance=(Provenance(origin="review", reviewer=HOSTILE),),
    )
    graph = graph.model_copy(update={"edges": (reviewed, *graph.edges[1:])})
    model = ScriptedModel(respond=respond)
    report = Assistant("scripted", client=model, cache_mode="off").analyse(
        simulate_exercise_study(1000, seed=8),
        graph,
        "exercise",
        "heart_disease",
        context=HOSTILE,
        simulations=3,
    )
    report.to_html(path)


def test_the_page_loads_offline_with_every_section(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "analysis.html"
    write_report(path)
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert requests == [path.as_uri()]  # nothing but the file itself
    assert errors == [] and dialogs == []
    assert page.title() != "pwned"
    assert page.evaluate("document.scripts.length") == 0
    for section, heading in SECTIONS.items():
        located = page.locator(f"section#{section}")
        assert located.is_visible(), section
        assert located.locator("h2").first.inner_text() == heading
    images = page.locator("img.plot, section#sensitivity img")
    assert images.count() == 2
    for index in range(images.count()):
        width = images.nth(index).evaluate("image => image.naturalWidth")
        assert width > 100  # the data: images decoded
    assert page.locator("svg.pla-graph g.pla-node").count() == 5
    assert HOSTILE in page.locator("header").inner_text()  # shown as text, not markup
    assert page.locator("section#ledger tbody tr").count() >= 8
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analysis-report.png"), full_page=True)
    context.close()
