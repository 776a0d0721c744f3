"""The viewer and a series' gaps, in a real browser (``streamlit run app.py`` on the bundled
snapshots, in headless Chromium).

Issue 19: DeepStateMap has no map between 23 February and 3 April 2022, and the viewer's slider
snapped from one to the other without a word. Now the slider shows where each series has maps,
a date in the gap says so ("DeepStateMap has no map for 24 Feb – 2 Apr 2022; ISW/CTP has"), and
one click shows ISW/CTP's map of that same date: the northern occupation.
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest
from streamlit_server import REPO_ROOT, streamlit_app
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_page

from mapkit.constants import NO_DATA_COLOUR
from mapkit.figures import build_timeline
from mapkit.headline import headline_text
from mapkit.i18n import date_text, t
from mapkit.scale import percent_colour, shown_figure
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS

ISW = "ISW/CTP"
DAY = "2022-03-15"  # in DeepStateMap's gap; ISW/CTP has a map of it
NORTH = ("UA-32", "UA-74", "UA-59")  # Kyiv Oblast, Chernihiv, Sumy


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_snapshots()


@pytest.fixture(scope="module")
def app_url():
    with streamlit_app(REPO_ROOT / "app.py") as url:
        yield url


@pytest.fixture()
def page(browser, app_url):
    with viewer_page(browser, app_url) as page:
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        yield page


def map_frame(page):
    return page.frame_locator("iframe[title*='control_map']")


def isw_figure(bundled: pd.DataFrame, day: str, region: str) -> float:
    row = bundled[(bundled["source"] == ISW) & (bundled["date"].astype(str) == day)
                  & (bundled["region"] == region)]
    return float(row["percent"].iloc[0])


def wait_for(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def main_text(page) -> str:
    return page.locator("[data-testid=stMain]").inner_text()


def slide_to(page, day: str) -> None:
    """Move the time-spaced slider to ``day``, as a reader drags it there."""
    frame = map_frame(page)
    first = dt.date.fromisoformat(frame.locator("#map").evaluate(
        "() => window.mapkitViewer.state.data.dates[0]"))
    frame.locator("#slider").fill(str((dt.date.fromisoformat(day) - first).days))


def test_a_date_in_the_gap_says_no_map_and_one_click_shows_isw_ctps_map_of_it(page, bundled):
    frame = map_frame(page)
    frame.locator("path[data-region='UA-59']").wait_for(timeout=60_000)
    main = page.get_by_text(t("table_heading", "en", date=""), exact=False).first
    main.wait_for(timeout=30_000)

    # The slider shows where DeepStateMap has maps, where it has none, and where ISW/CTP has.
    gap = frame.locator("#coverage rect.none[data-series='DeepStateMap']")
    assert gap.count() == 1
    first = dt.date(2014, 3, 18)
    assert int(gap.get_attribute("data-first")) == (dt.date(2022, 2, 24) - first).days
    assert int(gap.get_attribute("data-last")) == (dt.date(2022, 4, 2) - first).days
    assert frame.locator("#coverage rect.other[data-series='ISW/CTP']").count() == 2
    assert "ISW/CTP: maps" in frame.locator("#coverage-key").text_content()

    # Into the gap: the map says so, draws no figure, and the headline has none.
    slide_to(page, DAY)
    message = "DeepStateMap has no map for 24 Feb – 2 Apr 2022; ISW/CTP has"
    frame.locator("#gap-text").filter(has_text=message).wait_for(timeout=10_000)
    assert frame.locator("#map").get_attribute("data-date") == DAY
    assert frame.locator("#date-label").text_content() == "15 March 2022"
    assert frame.locator("#headline").text_content() == ""
    for code in NORTH:
        region = frame.locator(f"path[data-region='{code}']")
        assert region.get_attribute("data-percent") == ""
        assert region.get_attribute("fill").lower() == NO_DATA_COLOUR.lower()
    # The tooltip says "no map", and gives ISW/CTP's figure of that day beside it.
    frame.locator("path[data-region='UA-74']").hover()
    tip = frame.locator(".leaflet-tooltip", has_text="Chernihiv")
    tip.wait_for(timeout=5_000)
    assert "Under Russian control: no map" in tip.text_content()
    assert (f"ISW/CTP, 15 March 2022: {isw_figure(bundled, DAY, 'UA-74'):.1f} %"
            in tip.text_content())

    # The table and the export panel agree: this date, no map, nothing to export of it.
    wait_for(lambda: "Data for 15 March 2022" in main_text(page)
             and message in main_text(page), "the table of 15 March 2022 and its gap")
    page.get_by_text("Export", exact=True).click()
    only = page.get_by_role("radio", name="Shown date only: 15 March 2022")
    only.wait_for(state="attached", timeout=30_000)
    only.check(force=True)  # it starts from all dates; this date has no map to export
    page.get_by_text("DeepStateMap has no map for 15 March 2022").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Make the file").is_disabled()

    # One click: ISW/CTP's map of the same date, the northern occupation coloured.
    switch = frame.locator("#gap-switch")
    assert switch.text_content() == "Show ISW/CTP's map"
    page.mouse.move(0, 0)
    switch.click()
    frame.locator("#source-line").filter(has_text="Source: ISW/CTP").wait_for(timeout=30_000)
    assert frame.locator("#map").get_attribute("data-date") == DAY
    assert frame.locator("#gap").is_hidden()
    for code in NORTH:
        figure = isw_figure(bundled, DAY, code)
        assert figure > 10
        region = frame.locator(f"path[data-region='{code}']")
        assert float(region.get_attribute("data-percent")) == shown_figure(figure)
        assert region.get_attribute("fill").lower() == percent_colour(figure).lower()
    timeline = build_timeline(bundled, source=ISW)
    expected = headline_text(timeline, dt.date.fromisoformat(DAY))
    assert expected.startswith("Russia controls")
    assert frame.locator("#headline").text_content() == expected
    sidebar = page.locator("[data-testid=stSidebar]")
    assert sidebar.get_by_role("radio", name="ISW/CTP", exact=False).is_checked()
    wait_for(lambda: "Data for 15 March 2022" in main_text(page)
             and message not in main_text(page)
             and "DeepStateMap has no map for 15 March 2022" not in main_text(page),
             "the table and export panel of ISW/CTP's 15 March 2022")
    assert not page.get_by_role("button", name="Make the file").is_disabled()
    assert page.errors == []


def test_stepping_back_from_the_first_map_after_the_gap_lands_in_the_gap(page):
    """From 3 April 2022 one step back is a day of the gap (2 April: ISW/CTP has a map of it),
    not DeepStateMap's map of 23 February under another date."""
    frame = map_frame(page)
    frame.locator("path[data-region='UA-59']").wait_for(timeout=60_000)
    slide_to(page, "2022-04-03")
    frame.locator("#map[data-date='2022-04-03']").wait_for(timeout=10_000)
    assert frame.locator("#gap").is_hidden()
    frame.locator("#slider").press("ArrowLeft")
    frame.locator("#map[data-date='2022-04-02']").wait_for(timeout=10_000)
    assert "has no map for 24 Feb – 2 Apr 2022" in frame.locator("#gap-text").text_content()
    # A position inside the gap nearer to 3 April still stops in the gap.
    frame.locator("#slider").fill(str((dt.date(2022, 4, 2) - dt.date(2014, 3, 18)).days + 0))
    frame.locator("#map[data-date='2022-04-02']").wait_for(timeout=10_000)
    assert page.errors == []


def test_the_source_line_credits_the_series_beside_the_map(page):
    """DeepStateMap's map of 8 May 2022: ISW/CTP's figures stand beside it in the tooltips, and
    the line under the map says so, as the exports' lines do."""
    frame = map_frame(page)
    frame.locator("path[data-region='UA-59']").wait_for(timeout=60_000)
    slide_to(page, "2022-05-08")
    frame.locator("#map[data-date='2022-05-08']").wait_for(timeout=10_000)
    line = frame.locator("#source-line").text_content()
    assert line.startswith("Source: DeepStateMap (computed from mapped areas of control)")
    assert line.endswith("; beside it, in the tooltips: ISW/CTP")
    assert date_text("2022-05-08") == "8 May 2022"


# --- Compare series ---------------------------------------------------------------------------


def test_compare_series_shows_both_figures_and_colours_only_their_difference(page, bundled):
    from mapkit.scale import change_colour
    from mapkit.series_comparison import compare_series

    frame = map_frame(page)
    frame.locator("path[data-region='UA-65']").wait_for(timeout=60_000)
    page.locator("[data-testid=stSidebar]").get_by_text("Compare series", exact=True).click()
    frame.locator("#title").filter(has_text="ISW/CTP against DeepStateMap").wait_for(
        timeout=30_000)
    assert frame.locator(".legend-title").text_content() == "ISW/CTP − DeepStateMap, pp"
    slide_to(page, "2022-05-08")
    frame.locator("#map[data-date='2022-05-08']").wait_for(timeout=10_000)

    day = compare_series(bundled, ISW, date="2022-05-08").set_index("region")
    kherson = day.loc["UA-65"]
    assert kherson["difference_pp"] == pytest.approx(kherson["percent_b"]
                                                     - kherson["percent_a"], abs=0.01)
    region = frame.locator("path[data-region='UA-65']")
    assert region.get_attribute("fill").lower() == change_colour(kherson["difference_pp"]).lower()
    region.hover()
    tip = frame.locator(".leaflet-tooltip", has_text="Kherson")
    tip.wait_for(timeout=5_000)
    text = tip.text_content()
    assert f"DeepStateMap: {kherson['percent_a']:.1f} %" in text
    assert f"ISW/CTP: {kherson['percent_b']:.1f} %" in text
    assert (f"Difference (ISW/CTP − DeepStateMap): {kherson['difference_pp']:.1f} pp"
            in text.replace("+", ""))
    wait_for(lambda: "DeepStateMap and ISW/CTP, 8 May 2022" in main_text(page)
             and "Colour: the difference, ISW/CTP minus DeepStateMap" in main_text(page),
             "the comparison's table heading and what its colour means")

    # In DeepStateMap's gap: "no map" for it, ISW/CTP's own figure, and no colour of either.
    slide_to(page, DAY)
    frame.locator(f"#map[data-date='{DAY}']").wait_for(timeout=10_000)
    page.mouse.move(0, 0)
    chernihiv = frame.locator("path[data-region='UA-74']")
    assert chernihiv.get_attribute("fill").lower() == NO_DATA_COLOUR.lower()
    chernihiv.hover()
    tip = frame.locator(".leaflet-tooltip", has_text="Chernihiv")
    tip.wait_for(timeout=5_000)
    assert "DeepStateMap: no map" in tip.text_content()
    assert f"ISW/CTP: {isw_figure(bundled, DAY, 'UA-74'):.1f} %" in tip.text_content()
    assert page.errors == []
