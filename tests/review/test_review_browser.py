"""The review page in a real headless Chromium: decide, export, apply; hostile text stays inert.

Needs Debian's ``chromium`` at /usr/bin/chromium and the ``playwright`` package (its own browser
download is not used). Screenshots go to ``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from _browser import ARTIFACTS, launched_chromium
from playwright.sync_api import Browser, Page

from pywhy_llm_assist.graph._causal_graph import CausalGraph, DroppedEdge, Edge, Provenance
from pywhy_llm_assist.review._decisions import ReviewDecisions, apply_review, to_review_html

pytestmark = pytest.mark.browser

MODEL = Provenance(origin="model", model="test-model")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


class Watched:
    """A page with everything that should never happen on it recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.on("request", lambda request: self.requests.append(request.url))

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield Watched(page)
    context.close()


def open_page(watched: Watched, graph: CausalGraph, path: Path, **options: Any) -> Page:
    to_review_html(graph, path, **options)
    watched.page.goto(path.as_uri())
    watched.page.wait_for_selector("html[data-ready='true']")
    return watched.page


def row(page: Page, graph: CausalGraph, source: str, target: str) -> Any:
    return page.locator(f'tr[data-edge="{graph.edge_pairs.index((source, target))}"]')


def smoking_graph() -> CausalGraph:
    def edge(source: str, target: str, confidence: float, rationale: str) -> Edge:
        return Edge(
            source=source,
            target=target,
            confidence=confidence,
            votes=2,
            asked=3,
            rationale=rationale,
            provenance=(MODEL,),
        )

    edges = [
        edge("smoking", "tar", 0.95, "Tobacco smoke deposits tar in the lungs."),
        edge("tar", "cancer", 0.9, "Tar contains carcinogens."),
        edge("genotype", "smoking", 0.5, "Nicotine dependence is partly heritable."),
        edge("genotype", "cancer", 0.4, "Some variants raise cancer risk."),
        edge("cancer", "age", 0.2, "Proposed backwards."),
        edge("asbestos", "smoking", 0.15, "No plausible mechanism."),
    ]
    dropped = (
        DroppedEdge(
            edge=Edge(source="cancer", target="smoking", confidence=0.3),
            reason="cycle",
            detail="Would close smoking -> tar -> cancer -> smoking.",
        ),
    )
    graph = CausalGraph.from_edges(
        {
            "smoking": "cigarettes per day",
            "tar": "tar deposits in the lungs",
            "cancer": "lung cancer diagnosis",
            "genotype": "an unmeasured genetic factor",
            "age": "age in years",
            "asbestos": "occupational asbestos exposure",
        },
        edges,
        latent=["genotype"],
    )
    return graph.model_copy(update={"dropped": dropped})


def test_review_round_trip(watched: Watched, tmp_path: Path) -> None:
    graph = smoking_graph()
    page = open_page(watched, graph, tmp_path / "review.html", title="Smoking and cancer")
    progress = page.locator("#progress")
    assert "Reviewed 0 of 6 edges" in progress.inner_text()
    assert page.locator("#edge-rows tr").count() == 6
    assert "Dropped edges" in page.inner_text("#dropped-section")
    assert "Would close smoking" in page.inner_text("#dropped-section")

    accept = row(page, graph, "smoking", "tar")
    accept.locator('button[data-action="accept"]').click()
    accept.locator("textarea").fill("Textbook mechanism.")
    row(page, graph, "asbestos", "smoking").locator('button[data-action="reject"]').click()
    reverse = row(page, graph, "cancer", "age")
    reverse.locator('button[data-action="reverse"]').click()
    reverse.locator("textarea").fill("Age comes first.")
    # A decision clicked twice is undone.
    toggled = row(page, graph, "tar", "cancer").locator('button[data-action="reject"]')
    toggled.click()
    toggled.click()
    assert toggled.get_attribute("aria-pressed") == "false"
    assert "Reviewed 3 of 6 edges" in progress.inner_text()
    assert "3 unreviewed" in progress.inner_text()
    assert accept.get_attribute("data-state") == "accept"
    edge_number = graph.edge_pairs.index(("cancer", "age"))
    drawn = page.locator(f'#figure g.pla-edge[data-edge="{edge_number}"]')
    assert "decision-reverse" in (drawn.get_attribute("class") or "")

    names = list(graph.names)
    page.select_option("#add-source", str(names.index("asbestos")))
    page.select_option("#add-target", str(names.index("cancer")))
    page.fill("#add-comment", "Mesothelioma and lung cancer.")
    page.click("#add-button")
    assert page.locator("#added-rows tr").count() == 1
    assert page.locator("#figure g.pla-added").count() == 1
    assert "1 added" in progress.inner_text()
    # An edge that would close a cycle is refused on the page already.
    page.select_option("#add-source", str(names.index("cancer")))
    page.select_option("#add-target", str(names.index("smoking")))
    page.click("#add-button")
    assert "cycle" in page.inner_text("#add-message")
    assert page.locator("#added-rows tr").count() == 1

    # Exporting without a reviewer name is refused with a message, not a download.
    page.click("#export-button")
    assert "Reviewer" in page.inner_text("#status")

    page.fill("#reviewer", "Dr. Rivera")
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "review-page.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#export-button")
    download = download_info.value
    assert download.suggested_filename == "review-decisions.json"
    saved = tmp_path / "review-decisions.json"
    download.save_as(saved)
    assert "Exported 4 decisions" in page.inner_text("#status")

    decisions = ReviewDecisions.from_file(saved)
    assert decisions.reviewer == "Dr. Rivera"
    assert decisions.graph_fingerprint == graph.fingerprint()
    assert {(item.source, item.target, item.action) for item in decisions.decisions} == {
        ("smoking", "tar", "accept"),
        ("asbestos", "smoking", "reject"),
        ("cancer", "age", "reverse"),
        ("asbestos", "cancer", "add"),
    }

    reviewed = apply_review(graph, saved)
    assert set(reviewed.edge_pairs) == {
        ("smoking", "tar"),
        ("tar", "cancer"),
        ("genotype", "smoking"),
        ("genotype", "cancer"),
        ("age", "cancer"),
        ("asbestos", "cancer"),
    }
    review = Provenance(origin="review", reviewer="Dr. Rivera", note="Textbook mechanism.")
    assert reviewed.edge("smoking", "tar").provenance == (MODEL, review)
    assert reviewed.edge("age", "cancer").provenance == (
        Provenance(origin="review", reviewer="Dr. Rivera", note="Age comes first."),
    )
    assert reviewed.edge("asbestos", "cancer").provenance == (
        Provenance(origin="review", reviewer="Dr. Rivera", note="Mesothelioma and lung cancer."),
    )
    assert reviewed.edge("tar", "cancer").provenance == (MODEL,)
    dropped = {(item.edge.pair, item.reason, item.reversed) for item in reviewed.dropped}
    assert dropped == {
        (("cancer", "smoking"), "cycle", False),
        (("asbestos", "smoking"), "rejected_in_review", False),
        (("cancer", "age"), "rejected_in_review", True),
    }
    assert reviewed.metadata["review"]["reviewer"] == "Dr. Rivera"

    assert watched.dialogs == []
    assert watched.errors == []
    assert all(url.startswith(("file:", "blob:", "data:")) for url in watched.requests)


def test_decisions_survive_a_reload(watched: Watched, tmp_path: Path) -> None:
    graph = smoking_graph()
    page = open_page(watched, graph, tmp_path / "review.html")
    row(page, graph, "tar", "cancer").locator('button[data-action="accept"]').click()
    page.fill("#reviewer", "Dr. Rivera")
    page.reload()
    page.wait_for_selector("html[data-ready='true']")
    assert row(page, graph, "tar", "cancer").get_attribute("data-state") == "accept"
    assert page.input_value("#reviewer") == "Dr. Rivera"
    assert "Reviewed 1 of 6 edges" in page.inner_text("#progress")


def test_filter_and_accept_the_shown_rest(watched: Watched, tmp_path: Path) -> None:
    graph = smoking_graph()
    page = open_page(watched, graph, tmp_path / "review.html")
    page.fill("#filter", "genotype")
    assert page.locator("#edge-rows tr:visible").count() == 2
    page.click("#accept-rest")
    assert "Reviewed 2 of 6 edges" in page.inner_text("#progress")
    page.fill("#filter", "")
    page.check("#only-unreviewed")
    assert page.locator("#edge-rows tr:visible").count() == 4
    # Clicking a variable in the picture lists its edges.
    page.uncheck("#only-unreviewed")
    page.locator('#figure g.pla-node[data-node="1"]').click()  # "tar"
    assert page.input_value("#filter") == "tar"
    assert page.locator("#edge-rows tr:visible").count() == 2
    page.click("#zoom-in")
    assert page.get_attribute("#fit-button", "aria-pressed") == "false"
    page.click("#fit-button")
    assert page.get_attribute("#fit-button", "aria-pressed") == "true"


HOSTILE = {
    "script": "<script>window.__pwned = 1; alert('script')</script>",
    "img": "<img src=x onerror=\"window.__pwned = 2; alert('img')\">",
    "link": "<a href=\"javascript:window.__pwned = 3; alert('link')\">read more</a>",
    "close": "</script><script>window.__pwned = 4; alert('close')</script>",
    "svg": "<svg onload=\"window.__pwned = 5; alert('svg')\"></svg>",
}


def hostile_graph() -> CausalGraph:
    cause = HOSTILE["img"]
    effect = "outcome " + HOSTILE["svg"]
    edges = [
        Edge(source=cause, target=effect, rationale=HOSTILE["script"] + " " + HOSTILE["link"]),
        Edge(source="plain", target=effect, rationale=HOSTILE["close"] + " " + HOSTILE["img"]),
    ]
    graph = CausalGraph.from_edges(
        {cause: HOSTILE["script"], effect: HOSTILE["link"], "plain": HOSTILE["close"]}, edges
    )
    dropped = (
        DroppedEdge(
            edge=Edge(source=effect, target="plain", rationale=HOSTILE["svg"]),
            reason="conflict",
            detail=HOSTILE["img"],
        ),
    )
    return graph.model_copy(update={"dropped": dropped})


class HostileCritique:
    """Duck-typed like `Critique`: findings with kind, source, severity, message, rationale."""

    class Finding:
        kind = HOSTILE["img"]
        source = "model"
        severity = HOSTILE["script"]
        message = HOSTILE["link"]
        rationale = HOSTILE["close"]
        variables = (HOSTILE["svg"],)

    findings = (Finding(),)


def test_hostile_text_stays_inert(watched: Watched, tmp_path: Path) -> None:
    graph = hostile_graph()
    page = open_page(
        watched, graph, tmp_path / "hostile.html", critique=HostileCritique(), title=HOSTILE["img"]
    )
    assert page.locator("#edge-rows tr").count() == 2
    rationale = page.locator('tr[data-edge="0"] td.rationale').inner_text()
    assert HOSTILE["script"] in rationale and HOSTILE["link"] in rationale
    assert HOSTILE["close"] in page.locator('tr[data-edge="1"] td.rationale').inner_text()
    assert HOSTILE["svg"] in page.inner_text("#critique")
    # Interact with everything a reviewer would touch.
    page.locator('tr[data-edge="0"] td.rationale').click()
    page.locator('#figure g.pla-edge[data-edge="0"]').click()
    page.locator('#figure g.pla-node[data-node="0"]').hover()
    page.locator('tr[data-edge="0"] button[data-action="accept"]').click()
    page.select_option("#add-source", "2")
    page.select_option("#add-target", "0")
    page.click("#add-button")
    page.fill("#reviewer", HOSTILE["script"])
    page.wait_for_timeout(300)

    assert page.evaluate("window.__pwned") is None
    assert watched.dialogs == []
    assert page.locator("img").count() == 0
    assert page.locator("a").count() == 0
    assert page.locator("script").count() == 2
    assert page.locator("svg").count() == 1
    assert page.locator("[onerror], [onload], [onclick]").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "review-hostile.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#export-button")
    saved = tmp_path / "review-decisions.json"
    download_info.value.save_as(saved)
    reviewed = apply_review(graph, saved)
    assert reviewed.has_edge("plain", HOSTILE["img"])
    assert reviewed.metadata["review"]["reviewer"] == HOSTILE["script"]
    assert page.evaluate("window.__pwned") is None
    assert watched.dialogs == []
    assert all(url.startswith(("file:", "blob:", "data:")) for url in watched.requests)


def test_the_watcher_would_see_a_payload_that_ran(watched: Watched) -> None:
    """Control: on a page without our escaping, the same payload does open a dialog."""
    watched.page.set_content(HOSTILE["img"])
    watched.page.wait_for_function("window.__pwned === 2")
    assert watched.dialogs == ["alert: img"]
