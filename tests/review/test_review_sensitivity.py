"""The review page's sensitivity section: plot and bounds, escaped, under the page's CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _browser import launched_chromium

from pywhy_llm_assist import CausalGraph, SensitivityReport, sensitivity_analysis

HOSTILE = "<img src=x onerror=alert(1)>"


def report() -> SensitivityReport:
    rng = np.random.default_rng(2)
    age = rng.normal(size=500)
    smoking = 0.5 * age + rng.normal(size=500)
    cancer = 0.4 * smoking + 0.3 * age + rng.normal(size=500)
    data = pd.DataFrame({"age": age, "smoking": smoking, "cancer": cancer})
    formal = sensitivity_analysis(data, "smoking", "cancer", ["age"], k=[1, 2])
    elicited = formal.bound("age", 0.5, 1, label=HOSTILE, source="model", rationale=HOSTILE)
    return formal.with_bounds([elicited], notes=[HOSTILE])


def graph() -> CausalGraph:
    return CausalGraph.from_edges(
        ["age", "smoking", "cancer"],
        [("age", "smoking"), ("age", "cancer"), ("smoking", "cancer")],
    )


def test_the_page_shows_the_sensitivity_section_escaped() -> None:
    plain = graph().to_review_html()
    page = graph().to_review_html(sensitivity=report())
    assert "id='sensitivity'" not in plain and "id='sensitivity'" in page
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert re.search(r"<img src='data:image/svg\+xml;base64,[A-Za-z0-9+/=]+' alt=", page)
    assert "img-src data:" in page, "the image fits the page's Content-Security-Policy"
    assert "1x age" in page and "sign and significance survive" in page


def test_the_review_command_takes_a_sensitivity_report(tmp_path: Path) -> None:
    from pywhy_llm_assist.cli._main import main

    graph_file = tmp_path / "graph.json"
    graph().to_json(graph_file)
    report_file = tmp_path / "sensitivity.json"
    report().to_json(report_file)
    out = tmp_path / "review.html"
    assert (
        main(
            ["review", str(graph_file), "--sensitivity", str(report_file), "--out", str(out), "-q"]
        )
        == 0
    )
    assert "Sensitivity to unmeasured confounding" in out.read_text(encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"treatment": 1}')
    assert main(["review", str(graph_file), "--sensitivity", str(broken), "--out", str(out)]) == 2


@pytest.fixture(scope="module")
def page_in_browser(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[object, list[str], list[str]]]:
    pytest.importorskip("playwright.sync_api")
    path = tmp_path_factory.mktemp("sensitivity") / "review.html"
    graph().to_review_html(path, sensitivity=report())
    with launched_chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(path.as_uri())
        page.wait_for_selector("html[data-ready='true']")
        yield page, errors, requests


@pytest.mark.browser
def test_the_plot_loads_under_the_policy_and_nothing_runs(
    page_in_browser: tuple[object, list[str], list[str]],
) -> None:
    page, errors, requests = page_in_browser
    width = page.evaluate("document.querySelector('#sensitivity img').naturalWidth")  # type: ignore[attr-defined]
    assert width > 100, "the contour plot is shown"
    assert errors == [], "no Content-Security-Policy violation or script error"
    assert all(url.startswith(("file:", "data:")) for url in requests)
    text = page.inner_text("#sensitivity")  # type: ignore[attr-defined]
    assert HOSTILE in text, "model text is shown as text"
    assert page.evaluate("document.querySelectorAll('#sensitivity img').length") == 1  # type: ignore[attr-defined]
