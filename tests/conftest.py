"""Fixtures shared by the real-browser tests."""

from __future__ import annotations

import matplotlib.text
import pytest
from streamlit_server import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (no browser downloads here)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def drawn_texts(monkeypatch) -> list[str]:
    """Every string matplotlib draws, as it draws it (to read what a print map says)."""
    drawn: list[str] = []
    original = matplotlib.text.Text.draw

    def spy(self, renderer):
        if self.get_visible() and self.get_text():
            drawn.append(self.get_text())
        return original(self, renderer)

    monkeypatch.setattr(matplotlib.text.Text, "draw", spy)
    return drawn
