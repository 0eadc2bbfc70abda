"""Debian's headless Chromium for the browser tests (through Playwright), launched once a module.

Each browser test module keeps a three-line fixture::

    @pytest.fixture(scope="module")
    def browser() -> Iterator[Browser]:
        with launched_chromium() as launched:
            yield launched
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
"""Screenshots the tests take, for a person to look at (not committed)."""


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Launch /usr/bin/chromium headless; skip when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGUMENTS
        )
        try:
            yield browser
        finally:
            browser.close()
