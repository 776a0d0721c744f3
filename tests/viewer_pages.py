"""The viewer in headless Chromium for the browser tests: their marks, the app on a folder of
snapshot files, and a fresh page of it (no internet: CDN requests answered from local files)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from offline_assets import NODE_MODULES, route_cdn_to_local
from streamlit_server import CHROMIUM, REPO_ROOT, streamlit_app

#: ``pytestmark`` of a module that opens the viewer in a browser.
VIEWER_BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
    pytest.mark.skipif(not (NODE_MODULES / "leaflet").exists(),
                       reason="needs the map's JavaScript locally: run `npm ci` in the repo root"),
]


@contextmanager
def viewer_on(folder: Path, files: dict[str, str]) -> Iterator[str]:
    """Write ``files`` (name → CSV text) into ``folder`` and run the viewer on it; its URL."""
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with streamlit_app(REPO_ROOT / "app.py", "--snapshots", str(folder)) as url:
        yield url


@contextmanager
def viewer_page(browser, url: str, prepare=None) -> Iterator:
    """A page of the viewer in a fresh browser context, opened offline. ``prepare(page)`` runs
    before the page is opened (to listen to its requests or dialogs, say); ``page.mapkit_routes``
    is what the offline routing served and missed."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.mapkit_routes = route_cdn_to_local(page)
    if prepare is not None:
        prepare(page)
    page.goto(url)
    try:
        yield page
    finally:
        context.close()
