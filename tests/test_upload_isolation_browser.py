"""No upload takes the viewer down: the pathological polygon, uploaded in a real browser while
another visitor keeps using the same server (``streamlit run app.py``, headless Chromium).

The polygon is the one issue 18 found aborting the server: a 5,000-vertex star, about 12
million self-intersections, whose repair would need tens of gigabytes. Before, every visitor was
disconnected; now the upload is refused in a process of its own with one message naming what
was too complex, and the other visitor's slider and table never stop answering.
"""

from __future__ import annotations

import urllib.request

import pytest
from pathological import star_geojson
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_on, viewer_page

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS

SNAPSHOT = """date,region,percent,source,method
2024-01-01,UA-14,60,Test Desk,reported
2024-06-01,UA-14,75.5,Test Desk,reported
"""
#: The desk's figures stand until its next one (a series without this file vouches for each
#: figure on its own day only, and the slider would stop on the days between: no map).
SERIES = 'series = "Test Desk"\nstands_days = 160\n'


def painted(page):
    map_frame = page.frame_locator("iframe[title*='control_map']")
    map_frame.locator("path[data-region='UA-14']").wait_for(timeout=60_000)
    return map_frame


def test_a_pathological_upload_leaves_the_server_and_the_other_visitor_working(browser,
                                                                               tmp_path):
    star = tmp_path / "front.geojson"
    star.write_bytes(star_geojson(5000))
    folder = tmp_path / "snapshots"
    folder.mkdir()
    with (viewer_on(folder, {"test.csv": SNAPSHOT, "series.toml": SERIES}) as url,
          viewer_page(browser, url) as reader, viewer_page(browser, url) as uploader):
        slider = painted(reader).locator("#slider")
        painted(uploader)
        reader.get_by_text("Data for 1 June 2024").wait_for(timeout=30_000)
        uploader.locator("input[type=file]").set_input_files(str(star))
        # while the upload is read, the other visitor moves the date back and forth, and the
        # table under the map follows every step
        slider.focus()
        for key, date in [("ArrowLeft", "1 January 2024"), ("ArrowRight", "1 June 2024")] * 3:
            slider.press(key)
            reader.get_by_text(f"Data for {date}").wait_for(timeout=30_000)
        # the visitor who uploaded it is told, in one message, what was too complex
        uploader.get_by_text("front.geojson was not loaded").wait_for(timeout=120_000)
        uploader.get_by_text("too complex to repair", exact=False).wait_for(timeout=30_000)
        told = uploader.locator("[data-testid=stSidebar]").inner_text()
        assert ("its polygons' edges cross one another at more than 10,000 points (most of "
                "them in feature 0, a polygon of 5,001 vertices): too complex to repair") in told
        # and the server is still there for everyone
        with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as answer:
            assert answer.status == 200
        slider.press("ArrowLeft")
        reader.get_by_text("Data for 1 January 2024").wait_for(timeout=30_000)
        uploader.reload()
        painted(uploader)  # a new page load works too
