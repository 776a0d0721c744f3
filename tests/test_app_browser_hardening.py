"""A visitor's file in a real browser (``streamlit run app.py`` in headless Chromium): its text
is shown as typed — no live link, no remote image fetched — and a map of more sources than one
digit can number still names each one in its tooltips.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_on, viewer_page

from mapkit.regions import REGIONS

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS

HEADER = "date,region,percent,source,method,source_url,contested_percent,note\n"
MARKDOWN = ("[Official figures](https://evil.example/go) ![x](https://evil.example/pixel.png) "
            "**bold** :red[red] www.evil.example")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with viewer_on(tmp_path_factory.mktemp("snapshots"),
                   {"desk.csv": HEADER + "2024-01-01,UA-14,60,Desk,reported,,,\n"}) as url:
        yield url


@pytest.fixture()
def page(browser, app_url):
    def record_requests(page) -> None:
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))

    with viewer_page(browser, app_url, prepare=record_requests) as page:
        page.frame_locator("iframe[title*='control_map']").locator(
            "path[data-region='UA-14']").wait_for(timeout=60_000)
        yield page


def upload(page, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(path))


def test_markdown_in_an_uploaded_source_is_text_not_a_link_or_an_image(page, tmp_path):
    upload(page, tmp_path, "mine.csv", HEADER + f'2024-01-01,UA-09,90,"{MARKDOWN}",reported,,,\n')
    sidebar = page.locator("[data-testid=stSidebar]")
    message = sidebar.locator("[data-testid=stAlertContentSuccess]")
    message.wait_for(timeout=30_000)
    assert MARKDOWN in message.inner_text().replace("\u2060", "")  # invisible joiners
    time.sleep(1)  # time for any image to be asked for
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("img[src*='evil.example']").count() == 0
    assert not [url for url in page.requested if "evil.example" in url]


def test_an_upload_of_41_sources_names_each_in_the_map_tooltip(page, tmp_path):
    last = REGIONS[39 % 27].code  # the desk's region, and Outlet 39's, on the last day
    days = [f"2024-01-{1 + i:02d}" if i < 31 else f"2024-02-{i - 30:02d}" for i in range(40)]
    rows = "".join(f"{day},{last},50,Desk,reported,,,\n" for day in days)
    rows += "".join(f"{days[i]},{REGIONS[i % 27].code},{i},Outlet {i:02d},reported,,,\n"
                    for i in range(40))
    upload(page, tmp_path, "outlets.csv", HEADER + rows)
    page.locator("[data-testid=stSidebar] [data-testid=stAlertContentSuccess]").wait_for(
        timeout=30_000)
    frame = page.frame_locator("iframe[title*='control_map']")
    deadline = time.monotonic() + 30
    while True:  # once the map shows the upload (the desk's series), on its last date
        frame.locator("#slider").focus()
        frame.locator("#slider").press("End")
        frame.locator(f"path[data-region='{last}']").hover()
        tip = frame.locator(".leaflet-tooltip")
        text = tip.text_content() if tip.count() else ""
        if "Outlet 39" in text:
            break
        assert time.monotonic() < deadline, f"Outlet 39 not named in the tooltip: {text!r}"
        page.mouse.move(5, 5)
        page.wait_for_timeout(300)
    assert "Desk (uploaded)" in text and "50" in text
    assert "39" in text
