"""The viewer in a real browser: ``streamlit run app.py`` in headless Chromium, no internet.

Leaflet comes from node_modules (``npm ci``), basemap tiles are blank; the polygons must still
be painted, with the colours mapkit.scale gives for the snapshot's figures.
"""

from __future__ import annotations

import time

import pytest
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_on, viewer_page

from mapkit.scale import percent_colour
from mapkit.snapshots import SnapshotError, read_snapshot_text

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS

HOSTILE = '"><img src=x onerror=alert(1)>'
HOSTILE_CSV = '"' + HOSTILE.replace('"', '""') + '"'
HATCH_FILL = "url(#mapkit-partial-hatch)"

# Two dates of one made-up source, plus a second source disagreeing on the later date.
SNAPSHOT = f"""date,region,percent,source,method,source_url,contested_percent,note
2024-01-01,UA-14,60,Test Desk,reported,https://example.org/a,,
2024-01-01,UA-09,100,Test Desk,reported,https://example.org/a,,
2024-01-01,UA-65,partial,Test Desk,reported,https://example.org/a,,no figure given
2024-06-01,UA-14,75.5,Test Desk,reported,https://example.org/a,2.5,
2024-06-01,UA-09,100,Test Desk,reported,https://example.org/a,,
2024-06-01,UA-65,20,Test Desk,reported,https://example.org/a,,
2024-06-01,UA-14,70,{HOSTILE_CSV},reported,,,
"""

BAD_UPLOAD = "date,region,percent,source,method\n2024-02-30,Atlantis,150,X,guessed\n"
#: Test Desk's figures stand until its next date (mapkit.cadence): the slider has no gap days.
STANDS = 'series = "Test Desk"\nstands_days = 152\n'


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with viewer_on(tmp_path_factory.mktemp("snapshots"), {"test.csv": SNAPSHOT,
                                                          "series.toml": STANDS}) as url:
        yield url


@pytest.fixture()
def page(browser, app_url):
    def record_dialogs(page) -> None:
        page.mapkit_dialogs = []
        page.on("dialog", lambda dialog: (page.mapkit_dialogs.append(dialog.message),
                                          dialog.dismiss()))

    with viewer_page(browser, app_url, prepare=record_dialogs) as page:
        yield page


def map_frame(page):
    return page.frame_locator("iframe[title*='control_map']")


def region(page, code: str):
    return map_frame(page).locator(f"path[data-region='{code}']")


def wait_fill(page, code: str, fill: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        locator = region(page, code)
        seen = locator.get_attribute("fill") if locator.count() else None
        if seen == fill:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{code} is filled {seen!r}, expected {fill!r}")
        time.sleep(0.05)


def test_map_paints_latest_date_with_scale_colours_offline(page):
    region(page, "UA-14").wait_for(timeout=30_000)
    wait_fill(page, "UA-14", percent_colour(75.5))
    wait_fill(page, "UA-65", percent_colour(20))
    wait_fill(page, "UA-09", percent_colour(100))
    wait_fill(page, "UA-46", percent_colour(None))  # Lviv: no data in this snapshot
    frame = map_frame(page)
    assert frame.locator("#title").text_content().endswith("1 June 2024")
    assert "Test Desk" in frame.locator("#source-line").text_content()
    assert page.mapkit_routes.missing == []
    # Leaflet comes with the app (vendor/leaflet), not from a CDN
    assert not any("leaflet" in url for url in page.mapkit_routes.served)


def test_slider_recolours_in_place_without_redrawing(page):
    region(page, "UA-14").wait_for(timeout=30_000)
    wait_fill(page, "UA-14", percent_colour(75.5))
    frame = map_frame(page)
    # Mark the drawn path and remember the zoom: a reload would lose both.
    frame.locator("path[data-region='UA-14']").evaluate("p => { p.mapkitMark = 'kept'; }")
    slider = frame.locator("#slider")
    slider.focus()
    slider.press("ArrowLeft")
    wait_fill(page, "UA-14", percent_colour(60), timeout=2)
    wait_fill(page, "UA-65", HATCH_FILL, timeout=2)
    assert frame.locator("#title").text_content().endswith("1 January 2024")
    assert frame.locator("path[data-region='UA-14']").evaluate("p => p.mapkitMark") == "kept"
    # The page hears the new date: the table below the map follows.
    page.get_by_text("Data for 1 January 2024").wait_for(timeout=15_000)
    slider.press("ArrowRight")
    wait_fill(page, "UA-14", percent_colour(75.5), timeout=2)


def test_hover_shows_names_figure_date_source_and_other_sources(page):
    region(page, "UA-14").wait_for(timeout=30_000)
    wait_fill(page, "UA-14", percent_colour(75.5))
    region(page, "UA-14").hover()
    tip = map_frame(page).locator(".leaflet-tooltip")
    tip.wait_for(timeout=5_000)
    text = tip.text_content()
    # The other source stands beside the series' figure: "<name>, 1 June 2024: 70.0 %".
    for expected in ("Donetsk", "Донецька область", "75.5 %", "2.5 %", "1 June 2024",
                     "Test Desk", "reported", "Other sources near this date",
                     HOSTILE + ", 1 June 2024", "70.0 %"):
        assert expected in text, f"{expected!r} not in tooltip {text!r}"
    # The hostile source name is text, not markup: no <img> was made, nothing ran.
    assert tip.locator("img").count() == 0
    assert page.mapkit_dialogs == []


def test_click_on_region_shows_its_time_series(page):
    region(page, "UA-14").wait_for(timeout=30_000)
    region(page, "UA-14").click()
    page.get_by_text("Donetsk over time").wait_for(timeout=15_000)


def test_the_map_frame_fits_its_content_in_each_view(page):
    """Compare two dates has no slider: the map's frame shrinks to what it shows, with no empty
    band between the legend and the page below it."""
    region(page, "UA-14").wait_for(timeout=30_000)
    frame = page.locator("iframe[title*='control_map']")

    def gap() -> float:  # frame height minus its content's
        inner = map_frame(page).locator("#viewer").bounding_box()["height"]
        return frame.bounding_box()["height"] - inner

    assert abs(gap()) <= 2
    page.get_by_text("Compare two dates").click()
    map_frame(page).locator("#timeline").wait_for(state="hidden", timeout=15_000)
    deadline = time.monotonic() + 10
    while abs(gap()) > 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert abs(gap()) <= 2, f"the map's frame is {gap():.0f} px taller than what it shows"


def test_a_held_key_reruns_the_page_once_and_the_table_follows(browser, tmp_path):
    """Eight steps at a held key's auto-repeat (33 ms apart) repaint the map eight times and
    tell the page once, when the key is let go; the table then names the date shown."""
    rows = ["date,region,percent,source,method,source_url,contested_percent,note"]
    rows += [f"2024-{month:02d}-01,UA-14,{40 + month},Test Desk,reported,https://example.org/a,,"
             for month in range(1, 13)]
    with (viewer_on(tmp_path, {"months.csv": "\n".join(rows) + "\n",
                               "series.toml": 'series = "Test Desk"\nstands_days = 31\n'}) as url,
          viewer_page(browser, url) as page):
        page.get_by_text("Data for 1 December 2024").wait_for(timeout=30_000)
        frame = next(f for f in page.frames if "control_map" in f.url)
        reports = frame.evaluate("() => window.mapkitViewer.state.counter")
        map_frame(page).locator("#slider").focus()
        # the key's repeats, timed in the page (Playwright's round trips would space them)
        frame.evaluate("""() => new Promise(done => {
            const slider = document.getElementById('slider');
            let left = 8;
            const press = () => {
                slider.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft',
                                                                  bubbles: true}));
                if (--left) setTimeout(press, 33); else done();
            };
            press();
        })""")
        page.get_by_text("Data for 1 April 2024").wait_for(timeout=15_000)
        wait_fill(page, "UA-14", percent_colour(44))
        time.sleep(0.5)
        told = frame.evaluate("() => window.mapkitViewer.state.counter") - reports
        # once; twice only on a machine so busy that one repeat came late
        assert 1 <= told <= 2, f"eight moves told the page {told} times"


def test_the_table_downloads_as_csv_of_the_shown_date(page):
    region(page, "UA-14").wait_for(timeout=30_000)
    page.get_by_text("Data for 1 June 2024").wait_for(timeout=30_000)
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="Download this table (CSV)").click()
    assert download.value.suggested_filename == "control_2024-06-01.csv"
    text = download.value.path().read_text(encoding="utf-8-sig")
    header, *lines = text.splitlines()
    assert header.startswith("date,region,name_en,name_uk,percent,")
    donetsk = next(line for line in lines if ",UA-14," in line)
    assert donetsk.startswith("2024-06-01,UA-14,Donetsk,") and ",75.5," in donetsk
    assert page.get_by_text("Data for 1 June 2024").is_visible()  # the page is as it was


def test_bad_upload_shows_the_validation_messages(page, tmp_path):
    region(page, "UA-14").wait_for(timeout=30_000)
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_UPLOAD, encoding="utf-8")
    with pytest.raises(SnapshotError) as expected:
        read_snapshot_text(BAD_UPLOAD, "bad.csv")
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_text("bad.csv was not loaded").wait_for(timeout=15_000)
    page.get_by_text("2024-02-30").first.wait_for(timeout=15_000)
    shown = page.locator("[data-testid=stSidebar]").inner_text()
    for problem in expected.value.problems:
        assert str(problem) in shown, f"{problem} not shown in {shown!r}"



def test_play_animates_to_the_last_date_and_stops(page):
    region(page, "UA-14").wait_for(timeout=30_000)
    frame = map_frame(page)
    frame.locator("#slider").focus()
    frame.locator("#slider").press("Home")
    wait_fill(page, "UA-14", percent_colour(60), timeout=2)
    frame.locator("#play").click()
    wait_fill(page, "UA-14", percent_colour(75.5), timeout=5)
    assert frame.locator("#title").text_content().endswith("1 June 2024")
    frame.locator("#play[aria-pressed=false]").wait_for(timeout=5_000)  # stopped at the end
