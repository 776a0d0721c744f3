"""The viewer's national figure in a real browser (headless Chromium, no internet): the headline
above the map follows the slider, tooltips give km² and the change over 7 and 30 days, and the
"Change per month" view draws its bars."""

from __future__ import annotations

import time

import pytest
from test_changes import HEADER, kyiv_city_row, ua_row
from test_export_fixtures import MONTHLY_SERIES_FILE
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_on, viewer_page

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS

ROWS = [ua_row("2025-01-01", 100_000.0), ua_row("2025-01-25", 100_100.0),
        ua_row("2025-02-01", 100_300.0), ua_row("2025-03-01", 100_400.0),
        kyiv_city_row("2025-01-01", 10.0), kyiv_city_row("2025-01-25", 12.0),
        kyiv_city_row("2025-02-01", 20.0), kyiv_city_row("2025-03-01", 83.38)]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with viewer_on(tmp_path_factory.mktemp("snapshots"),
                   {"desk.csv": HEADER + "".join(ROWS),
                    "series.toml": MONTHLY_SERIES_FILE.replace("{name}", "Map desk")}) as url:
        yield url


@pytest.fixture()
def page(browser, app_url):
    with viewer_page(browser, app_url) as page:
        yield page


def map_frame(page):
    return page.frame_locator("iframe[title*='control_map']")


def wait_text(locator, expected: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        seen = locator.text_content() if locator.count() else None
        if seen == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"text is {seen!r}, expected {expected!r}")
        time.sleep(0.05)


def test_headline_follows_the_slider(page):
    frame = map_frame(page)
    headline = frame.locator("#headline")
    # 1 March 2025; 30 days before, 30 January, the figure of 25 January stands (a month)
    wait_text(headline, "Russia controls 16.6 % of Ukraine (100,400 km²) · "
                        "+300 km² in the 30 days to 1 March 2025", timeout=30)
    slider = frame.locator("#slider")
    slider.focus()
    slider.press("ArrowLeft")  # 1 February 2025
    wait_text(headline, "Russia controls 16.6 % of Ukraine (100,300 km²) · "
                        "+300 km² in the 30 days to 1 February 2025", timeout=2)
    slider.press("Home")  # 1 January 2025: nothing 30 days before to compare with
    wait_text(headline, "Russia controls 16.6 % of Ukraine (100,000 km²)", timeout=2)
    assert frame.locator("#title").text_content().endswith("1 January 2025")


def test_tooltip_gives_km2_and_the_change_over_7_and_30_days(page):
    frame = map_frame(page)
    kyiv = frame.locator("path[data-region='UA-30']")
    kyiv.wait_for(timeout=30_000)
    slider = frame.locator("#slider")
    slider.focus()
    slider.press("Home")
    slider.press("ArrowRight")
    slider.press("ArrowRight")  # 1 February 2025
    wait_text(frame.locator("#date-label"), "1 February 2025", timeout=2)
    page.mouse.move(0, 0)
    kyiv.hover(force=True)
    tip = frame.locator(".leaflet-tooltip")
    tip.wait_for(timeout=5_000)
    text = tip.text_content()
    # 7 days before is 25 January, a snapshot date; 30 days before, 2 January, is not
    for expected in ("Area: 20 km²", "Last 7 days: +8 km²", "Since 1 January 2025: +10 km²"):
        assert expected in text, f"{expected!r} not in tooltip {text!r}"


def test_change_view_draws_monthly_bars_for_the_country(page):
    map_frame(page).locator("#headline").wait_for(timeout=30_000)
    page.get_by_text("Change per month").click()
    page.get_by_text("Net change in territory under Russian military control, per month"
                     ).wait_for(timeout=20_000)
    chart = page.locator("[data-testid=stVegaLiteChart]").first
    chart.wait_for(timeout=20_000)
    chart.locator("canvas, svg").first.wait_for(timeout=20_000)
    # the map keeps its headline in this view
    assert "Russia controls" in map_frame(page).locator("#headline").text_content()
