"""The map's shapes and timeline reach a visitor's browser once, not on every move of the slider,
and a map frame made afresh gets them again (``streamlit run app.py`` in headless Chromium)."""

from __future__ import annotations

import time

import pytest
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_on, viewer_page

from mapkit.scale import percent_colour

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS

SNAPSHOT = """date,region,percent,source,method,source_url,contested_percent,note
2024-01-01,UA-14,60,Test Desk,reported,https://example.org/a,,
2024-03-01,UA-14,65,Test Desk,reported,https://example.org/a,,
2024-06-01,UA-14,75.5,Test Desk,reported,https://example.org/a,,
"""

#: In the map's frame: every render message's args, as the component receives them.
RECORD = """() => {
  window.__renders = [];
  window.addEventListener('message', (event) => {
    const m = event.data;
    if (m && m.type === 'streamlit:render') {
      window.__renders.push({geometry: m.args.geometry != null, data: m.args.data != null,
                             date: m.args.date});
    }
  });
}"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    # Test Desk's figures stand until its next date (mapkit.cadence): no gap days between
    with viewer_on(tmp_path_factory.mktemp("snapshots"), {
            "test.csv": SNAPSHOT,
            "series.toml": 'series = "Test Desk"\nstands_days = 92\n'}) as url:
        yield url


@pytest.fixture()
def page(browser, app_url):
    with viewer_page(browser, app_url) as page:
        yield page


def map_frame(page):
    return next(f for f in page.frames if "control_map" in f.url)


def wait_fill(page, code: str, fill: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            seen = map_frame(page).evaluate(
                f"() => {{ const p = document.querySelector(\"path[data-region='{code}']\");"
                " return p && p.getAttribute('fill'); }")
        except Exception as error:  # no frame yet, or it is being replaced
            seen = repr(error)[:200]
        if seen == fill:
            return
        assert time.monotonic() < deadline, f"{code} is filled {seen!r}, expected {fill!r}"
        page.wait_for_timeout(100)  # (not time.sleep: Playwright answers the page meanwhile)


def test_slider_moves_rerun_the_page_without_sending_the_map_again(page):
    wait_fill(page, "UA-14", percent_colour(75.5))
    page.get_by_text("Data for 1 June 2024").wait_for(timeout=30_000)
    frame = map_frame(page)
    frame.evaluate(RECORD)
    slider = page.frame_locator("iframe[title*='control_map']").locator("#slider")
    slider.focus()
    slider.press("ArrowLeft")
    page.get_by_text("Data for 1 March 2024").wait_for(timeout=30_000)
    slider.press("ArrowLeft")
    page.get_by_text("Data for 1 January 2024").wait_for(timeout=30_000)
    renders = frame.evaluate("window.__renders")
    assert renders, "the page reran without telling the map"
    assert not any(r["geometry"] or r["data"] for r in renders), renders


def test_a_map_frame_made_afresh_asks_again_and_paints(page):
    wait_fill(page, "UA-14", percent_colour(75.5))
    page.get_by_text("Data for 1 June 2024").wait_for(timeout=30_000)
    map_frame(page).evaluate("() => location.reload()")  # loses the shapes and timeline
    page.wait_for_timeout(500)
    wait_fill(page, "UA-14", percent_colour(75.5))
