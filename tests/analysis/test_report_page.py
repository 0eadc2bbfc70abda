"""The report page: self-contained, no script, every text escaped, every section present."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _analysis_replies import respond, study_graph

from pywhy_llm_assist import (
    AnalysisReport,
    Assistant,
    CausalGraph,
    Edge,
    Provenance,
    simulate_exercise_study,
)
from pywhy_llm_assist.analysis._report_page import POLICY, SOURCE_COLORS
from pywhy_llm_assist.testing import ScriptedModel

pytest.importorskip("dowhy")
pytestmark = pytest.mark.integration

SECTIONS = (
    "estimate",
    "steps",
    "graph",
    "refutations",
    "implications",
    "sensitivity",
    "critique",
    "ledger",
)
HOSTILE = "<img src=x onerror=alert(1)>"


class Collector(HTMLParser):
    """Every tag, attribute and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    return collector


def hostile_report() -> AnalysisReport:
    """The example study with a hostile description, rationale and reviewer."""
    study = simulate_exercise_study(800, seed=3)
    graph = study_graph()
    edges = list(graph.edges)
    edges[0] = Edge(
        source=edges[0].source,
        target=edges[0].target,
        rationale=HOSTILE,
        provenance=(
            Provenance(origin="model", model=HOSTILE),
            Provenance(origin="review", reviewer=HOSTILE),
        ),
    )
    variables = [
        item.model_copy(update={"description": HOSTILE}) if item.name == "age" else item
        for item in graph.variables
    ]
    graph = CausalGraph(variables=tuple(variables), edges=tuple(edges))

    def hostile(request):  # type: ignore[no-untyped-def]
        reply = respond(request)
        if request.query.task == "critique":
            reply["findings"][0]["rationale"] = HOSTILE
        return reply

    model = ScriptedModel(respond=hostile)
    return Assistant("scripted", client=model, cache_mode="off").analyse(
        study, graph, "exercise", "heart_disease", context=HOSTILE, simulations=3
    )


@pytest.fixture(scope="module")
def report() -> AnalysisReport:
    return hostile_report()


def test_the_page_has_every_section_and_no_script(report: AnalysisReport, tmp_path: Path) -> None:
    path = tmp_path / "analysis.html"
    page = report.to_html(path)
    assert path.read_text(encoding="utf-8") == page
    tags = parsed(page).tags
    ids = [attributes.get("id") for _, attributes in tags if attributes.get("id")]
    for section in SECTIONS:
        assert section in ids
    assert not any(tag == "script" for tag, _ in tags)
    policy = next(
        attributes["content"]
        for tag, attributes in tags
        if tag == "meta" and attributes.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy == POLICY
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_every_reference_stays_in_the_file(report: AnalysisReport) -> None:
    page = report.to_html()
    for tag, attributes in parsed(page).tags:
        for name in ("src", "href", "action", "srcset", "xlink:href"):
            value = attributes.get(name)
            if value is not None:
                assert value.startswith(("data:image/svg+xml;base64,", "#")), (tag, value)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_hostile_text_is_escaped_everywhere(report: AnalysisReport) -> None:
    page = report.to_html()
    assert HOSTILE not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 4  # context, rationale, finding, ...
    assert not any(
        tag == "img" and "onerror" in attributes for tag, attributes in parsed(page).tags
    )
    for tag, attributes in parsed(page).tags:
        if tag == "img":
            svg = base64.b64decode(str(attributes["src"]).split(",", 1)[1]).decode("utf-8")
            assert "<script" not in svg and "onerror" not in svg


def test_the_graph_is_coloured_by_source(report: AnalysisReport) -> None:
    page = report.to_html()
    edges = re.findall(r'<g class="pla-edge" data-edge="(\d+)" fill="(#[0-9a-f]{6})"', page)
    colours = {int(number): colour for number, colour in edges}
    assert colours[0] == SOURCE_COLORS["review"]  # the first edge was accepted in review
    assert set(list(colours.values())[1:]) == {SOURCE_COLORS["model"]}
    assert "decided in review" in page and "proposed by the model" in page


def test_the_plots_are_embedded(report: AnalysisReport) -> None:
    images = [
        attributes
        for tag, attributes in parsed(report.to_html()).tags
        if tag == "img" and str(attributes.get("src", "")).startswith("data:image/svg+xml")
    ]
    alts = sorted(str(image["alt"]) for image in images)
    assert alts[0].startswith("Contour plot of the adjusted estimate")
    assert alts[1].startswith("Q-Q plot of the implication tests")


def test_the_notebook_display_is_the_sections(report: AnalysisReport) -> None:
    fragment = report._repr_html_()
    assert fragment.startswith("<div class='pla-report'><style>")
    assert "<html" not in fragment and "<script" not in fragment
    for section in SECTIONS:
        assert f"id='{section}'" in fragment
    assert HOSTILE not in fragment


def test_a_step_that_did_not_run_says_so_on_the_page() -> None:
    study = simulate_exercise_study(500, seed=4)
    graph = study_graph().model_copy(update={"edges": study_graph().edges[:-2]})
    hidden = graph.with_latent(
        [__import__("pywhy_llm_assist").Variable(name="fitness")],
        [("fitness", "exercise"), ("fitness", "heart_disease")],
    )
    found = Assistant("scripted", client=ScriptedModel(respond=respond), cache_mode="off").analyse(
        study, hidden, "exercise", "heart_disease", refuters=()
    )
    page = found.to_html()
    assert "No estimate: not identified by backdoor adjustment" in page
    assert "Some steps did not run; each says why." in page
    assert "no estimate to rely on anything" in page


def test_edges_found_in_the_data_are_in_the_ledger_and_coloured_on_the_page() -> None:
    # A causal-learn import or a data_first graph gives edges of origin "data".
    study = simulate_exercise_study(500, seed=5)
    found = Assistant("scripted", client=ScriptedModel(respond=respond), cache_mode="off").analyse(
        study, study_graph("data"), "exercise", "heart_disease", refuters=()
    )
    relied = [row for row in found.ledger.edges if row.kind == "edge"]
    assert relied and all(row.source == "data" for row in relied)
    assert "found in the data (causal discovery)" in relied[0].evidence[0].detail
    page = found.to_html()
    assert SOURCE_COLORS["data"] in page and "found in the data" in page
