"""The viewer's levels in a real browser (``streamlit run app.py`` on the bundled snapshots, in
headless Chromium): the level switch draws the raions and hromadas on the same date, the search
selects and zooms to a raion or hromada found by a town's name (English or Ukrainian), the
tooltip names the parent oblast, and the table and headline follow."""

from __future__ import annotations

import re

import pytest
from streamlit_server import REPO_ROOT, streamlit_app
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_page

from mapkit.levels import get_level

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = VIEWER_BROWSER_MARKS

RAIONS, HROMADAS = get_level("raion"), get_level("hromada")
POKROVSKYI_RAION = RAIONS.resolve("Pokrovskyi Raion").code
POKROVSKA_DONETSK = HROMADAS.resolve("Pokrovsk, Donetsk").code


@pytest.fixture(scope="module")
def app_url():
    with streamlit_app(REPO_ROOT / "app.py", timeout=120) as url:
        yield url


@pytest.fixture()
def page(browser, app_url):
    with viewer_page(browser, app_url) as page:
        yield page


def map_frame(page):
    return page.frame_locator("iframe[title*='control_map']")


def unit(page, code: str):
    return map_frame(page).locator(f"path[data-region='{code}']")


def sidebar_choice(page, label: str) -> None:
    page.locator("[data-testid=stSidebar]").get_by_text(label, exact=True).click()


def search(page, text: str) -> None:
    box = page.locator("[data-testid=stSidebar] [data-testid=stTextInput] input")
    box.fill(text)
    box.press("Enter")


def map_state(page, expression: str):
    """``expression`` evaluated in the map's frame, with ``s`` the map's state."""
    frame = next(f for f in page.frames if "control_map" in f.url)
    return frame.evaluate(f"() => {{ const s = window.mapkitViewer.state; return {expression}; }}")


def shown_date(page) -> str:
    return map_frame(page).locator("#map").get_attribute("data-date")


def test_levels_switch_on_the_same_date_with_the_table_and_headline(page):
    unit(page, "UA-14").wait_for(timeout=60_000)
    date = shown_date(page)
    headline = map_frame(page).locator("#headline").text_content()
    heading = page.get_by_text(re.compile(r"^Data for ")).first.text_content()
    sidebar_choice(page, "Raions")
    unit(page, POKROVSKYI_RAION).wait_for(timeout=60_000)
    assert unit(page, "UA-14").count() == 0  # only the shown level's shapes
    assert map_frame(page).locator("path[data-region]").count() == 138
    assert shown_date(page) == date
    assert map_frame(page).locator("#headline").text_content() == headline  # the UA row
    page.get_by_text(heading, exact=True).wait_for(timeout=30_000)  # the table's date too
    page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=30_000)
    # the raions' colours are the figures', and Crimea's raions are wholly occupied
    crimea = RAIONS.in_oblast("UA-43")[0].code
    assert float(unit(page, crimea).get_attribute("data-percent")) == 100
    sidebar_choice(page, "Oblasts")
    unit(page, "UA-14").wait_for(timeout=30_000)
    assert shown_date(page) == date


def test_search_pokrovsk_selects_and_zooms_to_its_raion_whose_tooltip_names_the_oblast(page):
    unit(page, "UA-14").wait_for(timeout=60_000)
    zoom = map_state(page, "s.map.getZoom()")
    search(page, "Pokrovsk")
    unit(page, POKROVSKYI_RAION).wait_for(timeout=60_000)
    page.wait_for_function("() => true")  # let the map apply the page's focus
    map_frame(page).locator(f"path[data-region='{POKROVSKYI_RAION}'][stroke-width='3']") \
        .wait_for(timeout=30_000)  # chosen: drawn bold
    assert map_state(page, "s.selected") == POKROVSKYI_RAION
    assert map_state(page, "s.map.getZoom()") > zoom + 1
    lat, lng = map_state(page, "[s.map.getCenter().lat, s.map.getCenter().lng]")
    assert 47.8 < lat < 48.8 and 36.6 < lng < 37.8  # around Pokrovsk
    page.get_by_text("Pokrovskyi Raion (Donetsk) over time").wait_for(timeout=30_000)
    unit(page, POKROVSKYI_RAION).hover(force=True)
    tip = map_frame(page).locator(".leaflet-tooltip")
    tip.wait_for(timeout=10_000)
    text = tip.text_content()
    assert "Pokrovskyi Raion" in text and "Покровський район" in text
    assert "Donetsk Oblast" in text


def test_search_in_ukrainian_finds_the_hromada_in_its_raion_and_oblast(page):
    unit(page, "UA-14").wait_for(timeout=60_000)
    date = shown_date(page)
    sidebar_choice(page, "Hromadas")
    map_frame(page).locator("path[data-region]").nth(1000).wait_for(timeout=120_000)
    assert map_frame(page).locator("path[data-region]").count() == len(HROMADAS.units)
    search(page, "Покровськ")
    map_frame(page).locator(f"path[data-region='{POKROVSKA_DONETSK}'][stroke-width='3']") \
        .wait_for(timeout=60_000)
    assert shown_date(page) == date
    unit(page, POKROVSKA_DONETSK).hover(force=True)
    tip = map_frame(page).locator(".leaflet-tooltip")
    tip.wait_for(timeout=10_000)
    assert "Pokrovskyi Raion, Donetsk Oblast" in tip.text_content()
