"""One date everywhere, in a real browser (``streamlit run app.py`` in headless Chromium): after
every switch of view, source, language or an upload, the map's date, its headline, the table's
heading and the export panel name the same date.

Issue 17: at 16 March 2025, "Compare two dates" and back to "Map over time" showed the map at
18 March 2014 while the table and the export panel said 16 March 2025.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from test_changes import HEADER, ua_row
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_on, viewer_page

from mapkit.figures import build_timeline
from mapkit.headline import headline_text
from mapkit.i18n import date_text, t
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS


def _rows(source: str, days: list[str], start_km2: float) -> list[str]:
    rows = []
    for k, day in enumerate(days):
        rows.append(ua_row(day, start_km2 + 1000 * k, source=source))
        rows.append(f"{day},UA-14,{40 + 5 * k},{source},computed,,,,\n")
    return rows


#: Test Desk (the default: most dates) and Other Desk share 1 March 2024, at different places of
#: their timelines (third and second), so a map that kept its place instead of its date shows
#: another date after a switch of source.
TEST_DAYS = ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]
OTHER_DAYS = ["2024-02-01", "2024-03-01", "2024-05-15"]
#: Each desk's figures stand until its next map (its series.toml), so neither has gaps here
#: (a date in a gap is tested in test_viewer_series_browser.py).
FILES = {"test/test.csv": HEADER + "".join(_rows("Test Desk", TEST_DAYS, 100_000)),
         "test/series.toml": 'series = "Test Desk"\nstands_days = 31\n',
         "other/other.csv": HEADER + "".join(_rows("Other Desk", OTHER_DAYS, 90_000)),
         "other/series.toml": 'series = "Other Desk"\nstands_days = 75\n'}
UPLOAD_DAYS = ["2024-01-15", "2024-03-01"]
UPLOAD = HEADER + "".join(_rows("My Desk", UPLOAD_DAYS, 80_000))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("snapshots")
    for desk in ("test", "other"):
        (folder / desk).mkdir()
    return folder


@pytest.fixture(scope="module")
def app_url(folder):
    with viewer_on(folder, FILES) as url:
        yield url


@pytest.fixture()
def page(browser, app_url):
    with viewer_page(browser, app_url) as page:
        yield page


def map_frame(page):
    return page.frame_locator("iframe[title*='control_map']")


def expected_headline(folder: Path, series: str, day: str, lang: str) -> str:
    """What mapkit.headline says for ``series`` on ``day``: the map's headline must say it."""
    timeline = build_timeline(load_snapshots([folder]), source=series)
    return headline_text(timeline, dt.date.fromisoformat(day), lang)


def read_all(page) -> dict[str, str]:
    frame = map_frame(page)
    return {
        "map": frame.locator("#map").get_attribute("data-date") or "",
        "label": frame.locator("#date-label").text_content() or "",
        "title": frame.locator("#title").text_content() or "",
        "headline": frame.locator("#headline").text_content() or "",
        "page": page.locator("[data-testid=stMain]").inner_text(),
    }


def wait_agree(page, day: str, headline: str, lang: str = "en", timeout: float = 30) -> None:
    """The map shows ``day`` (its slider, title and headline), the table is of ``day`` and the
    export panel exports ``day``."""
    label = date_text(day, lang)
    table = t("table_heading", lang, date=label)
    export = t("export_range_one", lang, date=label)
    deadline = time.monotonic() + timeout
    while True:
        seen = read_all(page)
        ok = (seen["map"] == day and seen["label"] == label and seen["title"].endswith(label)
              and seen["headline"] == headline and table in seen["page"]
              and export in seen["page"])
        if ok:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not all on {day} ({label!r}, {headline!r}, {table!r}, "
                                 f"{export!r}): map {seen['map']!r}, label {seen['label']!r}, "
                                 f"title {seen['title']!r}, headline {seen['headline']!r}, "
                                 f"page {seen['page'][:1500]!r}")
        page.wait_for_timeout(100)


def choose(page, label: str) -> None:
    """Click a choice in the sidebar (a radio option), as the reader does."""
    page.locator("[data-testid=stSidebar]").get_by_text(label, exact=True).click()


def test_map_headline_table_and_export_keep_one_date_across_every_switch(page, folder,
                                                                        tmp_path):
    frame = map_frame(page)
    frame.locator("path[data-region='UA-14']").wait_for(timeout=60_000)
    page.get_by_text("Data for 1 May 2024").wait_for(timeout=30_000)
    page.get_by_text("Export", exact=True).click()  # the panel stays open from here on
    wait_agree(page, "2024-05-01", expected_headline(folder, "Test Desk", "2024-05-01", "en"))

    slider = frame.locator("#slider")
    slider.focus()
    slider.press("ArrowLeft")
    slider.press("ArrowLeft")
    march = expected_headline(folder, "Test Desk", "2024-03-01", "en")
    wait_agree(page, "2024-03-01", march)

    # Compare two dates: the date looked at is the comparison's "To"; the export says it too.
    choose(page, "Compare two dates")
    frame.locator("#title").filter(has_text="→ 1 March 2024").wait_for(timeout=30_000)
    page.get_by_text(t("export_range_one", "en", date="1 March 2024")).wait_for(timeout=30_000)

    # Back to the map over time: the map is where the table and the export panel are.
    choose(page, "Map over time")
    wait_agree(page, "2024-03-01", march)

    choose(page, "Change per month")
    wait_agree(page, "2024-03-01", march)
    choose(page, "Map over time")
    wait_agree(page, "2024-03-01", march)

    # Another source that has the date too, at another place in its timeline: the date stays.
    page.locator("[data-testid=stSidebar]").get_by_text("Other Desk").click()
    wait_agree(page, "2024-03-01", expected_headline(folder, "Other Desk", "2024-03-01", "en"))
    slider.focus()
    slider.press("ArrowLeft")  # 1 February 2024, Other Desk's first date
    wait_agree(page, "2024-02-01", expected_headline(folder, "Other Desk", "2024-02-01", "en"))

    # In Ukrainian, the same date.
    choose(page, "Українська")
    wait_agree(page, "2024-02-01", expected_headline(folder, "Other Desk", "2024-02-01", "uk"),
               lang="uk")
    choose(page, "English")
    wait_agree(page, "2024-02-01", expected_headline(folder, "Other Desk", "2024-02-01", "en"))

    # Back to Test Desk, which has 1 February 2024 as its second date. (Its English label: the
    # Ukrainian one can stand a moment longer, until the sidebar is drawn again after the map.)
    page.locator("[data-testid=stSidebar]").get_by_text("Test Desk · computed").click()
    wait_agree(page, "2024-02-01", expected_headline(folder, "Test Desk", "2024-02-01", "en"))

    # An upload is shown at once; it has no 1 February 2024, so all move to its newest date.
    path = tmp_path / "mine.csv"
    path.write_text(UPLOAD, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(path))
    upload_folder = tmp_path / "upload"
    upload_folder.mkdir()
    (upload_folder / "mine.csv").write_text(UPLOAD, encoding="utf-8")
    wait_agree(page, "2024-03-01",
               expected_headline(upload_folder, "My Desk", "2024-03-01", "en"), timeout=60)
