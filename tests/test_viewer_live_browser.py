"""A live viewer, in a real browser (``streamlit run app.py`` in headless Chromium): snapshot
files added to or changed in the folder it shows appear at the next page load, without a
restart (issue 17: after ``mapkit update`` a page still said "Data as of 28 June 2026")."""

from __future__ import annotations

import os
import time

import pytest
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_on, viewer_page

from mapkit.scale import percent_colour

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS

HEADER = "date,region,percent,source,method,source_url,contested_percent,note\n"
JUNE = HEADER + "2024-06-01,UA-14,60,Test Desk,computed,https://example.org/a,,\n"
JULY = HEADER + "2024-07-01,UA-14,80,Test Desk,computed,https://example.org/a,,\n"


def map_frame(page):
    return page.frame_locator("iframe[title*='control_map']")


def wait_percent(page, code: str, percent: str, timeout: float = 30.0) -> None:
    """The map paints ``code`` with ``percent`` (its ``data-percent``) in the scale's colour."""
    region = map_frame(page).locator(f"path[data-region='{code}']")
    region.wait_for(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while True:
        seen = (region.get_attribute("data-percent"), region.get_attribute("fill"))
        if seen == (percent, percent_colour(float(percent))):
            return
        assert time.monotonic() < deadline, f"{code} shows {seen}, expected {percent} %"
        page.wait_for_timeout(100)


def test_new_and_changed_snapshot_files_show_at_the_next_page_load(browser, tmp_path):
    with viewer_on(tmp_path, {"june.csv": JUNE}) as url:
        with viewer_page(browser, url) as page:
            page.get_by_text("Data as of 1 June 2024").wait_for(timeout=60_000)
            wait_percent(page, "UA-14", "60")

        (tmp_path / "july.csv").write_text(JULY, encoding="utf-8")  # as `mapkit update` does
        with viewer_page(browser, url) as page:
            page.get_by_text("Data as of 1 July 2024").wait_for(timeout=60_000)
            page.get_by_text("Data for 1 July 2024").wait_for(timeout=30_000)
            wait_percent(page, "UA-14", "80")

        # A file corrected in place, its size unchanged, some time later.
        july = tmp_path / "july.csv"
        july.write_text(JULY.replace(",80,", ",85,"), encoding="utf-8")
        later = july.stat().st_mtime + 2
        os.utime(july, (later, later))
        with viewer_page(browser, url) as page:
            page.get_by_text("Data for 1 July 2024").wait_for(timeout=60_000)
            wait_percent(page, "UA-14", "85")

        # A file removed: its dates go too.
        july.unlink()
        with viewer_page(browser, url) as page:
            page.get_by_text("Data as of 1 June 2024").wait_for(timeout=60_000)
            wait_percent(page, "UA-14", "60")
