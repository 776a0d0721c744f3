"""The HTML exports in a real browser (headless Chromium, no internet).

The embed is opened straight from disk and must ask nothing of any host; the Leaflet page
carries Leaflet inside it and gets blank tiles (or none: offline, or ``tiles=False``). Both must
paint the regions with the scale's colours, recolour them when the slider moves, show the
current date's figure in tooltips, and show hostile titles and source names as typed without
running anything. (The embed in story pages, its flags and dark mode:
tests/test_embed_browser.py.)
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from offline_assets import route_cdn_to_local
from PIL import Image
from streamlit_server import CHROMIUM
from test_export_fixtures import write_csv

from mapkit.constants import PARTIAL_COLOUR
from mapkit.publish import write_export
from mapkit.scale import percent_colour
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
]

SCRIPT_ATTACK = "</script><script>alert(1)</script>"
ATTR_ATTACK = '"><img src=x onerror=alert(1)>'
TITLE = f"{SCRIPT_ATTACK} {ATTR_ATTACK} 'it's' \"quoted\" שלום עולם Київ"
SOURCE = f"Desk {ATTR_ATTACK}"
NOTE = f"note {SCRIPT_ATTACK} «Київ»"
WHY = f"the peninsula did not change {ATTR_ATTACK}"


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshots")
    write_csv(folder / "desk.csv", [
        ("2024-01-01", "UA-14", 40, SOURCE, "reported", "https://example.org", "", ""),
        ("2024-01-01", "UA-09", 95, SOURCE, "reported", "https://example.org", "", ""),
        ("2024-01-01", "UA-43", 100, SOURCE, "reported", "https://example.org", "", ""),
        ("2025-03-17", "UA-14", 60, SOURCE, "reported", "https://example.org", "", NOTE),
        ("2025-03-17", "UA-09", 100, SOURCE, "reported", "https://example.org", "", ""),
        ("2025-03-17", "UA-65", "partial", SOURCE, "reported", "https://example.org", "", ""),
    ])
    (folder / "series.toml").write_text(  # its Crimea figure of 2024 stands, and says why
        f"series = '{SOURCE}'\nstands_days = 0\n\n[[exceptions]]\ndate = 2024-01-01\n"
        f"until = 2025-12-31\nregions = ['UA-43']\nwhy = '{WHY}'\n", encoding="utf-8")
    return load_snapshots([folder])


@pytest.fixture()
def page_factory(browser):
    pages = []

    def make(width: int = 1000, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.dialogs = []  # anything that runs alert() would land here
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        pages.append(context)
        return page

    yield make
    for context in pages:
        context.close()


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _painted_colour(page, selector: str) -> tuple[int, int, int]:
    """The colour on screen at a point inside the element (found with isPointInFill)."""
    point = page.evaluate(
        """(selector) => {
            const path = document.querySelector(selector);
            const box = path.getBBox();
            const svg = path.ownerSVGElement;
            for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
                const p = svg.createSVGPoint();
                p.x = box.x + box.width * i / 20; p.y = box.y + box.height * j / 20;
                if (!path.isPointInFill(p)) continue;
                const s = p.matrixTransform(path.getScreenCTM());
                if (document.elementFromPoint(s.x, s.y) === path) return [s.x, s.y];
            }
            return null;
        }""",
        selector,
    )
    assert point is not None, f"no visible interior point in {selector}"
    page.mouse.move(0, 0)
    # animations="disabled" ends the fill transition, so the final colour is measured
    shot = Image.open(io.BytesIO(page.screenshot(animations="disabled"))).convert("RGB")
    return shot.getpixel((int(point[0]), int(point[1])))


def _close(actual, expected, tolerance=3) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(actual, expected))


# --- the embed ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embed_file(snapshots, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("embed") / "embed.html"
    return write_export("embed", snapshots, out, title=TITLE, subtitle=ATTR_ATTACK,
                        credit=SCRIPT_ATTACK)


def test_embed_paints_regions_and_asks_no_host_for_anything(page_factory, embed_file):
    page = page_factory()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(embed_file.as_uri())
    page.wait_for_load_state("load")
    assert requests == [embed_file.as_uri()]  # nothing else: no CDN, font, tile or favicon
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(60)
    assert _close(_painted_colour(page, "#mk-UA-14"), _rgb(percent_colour(60)))
    assert _close(_painted_colour(page, "#mk-UA-09"), _rgb(percent_colour(100)))
    assert page.get_attribute("#mk-UA-65", "fill") == "url(#mk-hatch)"
    assert page.errors == []


def test_embed_slider_recolours_and_tooltip_shows_that_dates_figure(page_factory, embed_file):
    page = page_factory()
    page.goto(embed_file.as_uri())
    page.focus("#mk-slider")
    page.keyboard.press("Home")  # keyboard: first date
    assert page.text_content("#mk-date") == "2024-01-01"
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(40)
    assert _close(_painted_colour(page, "#mk-UA-14"), _rgb(percent_colour(40)))
    assert page.get_attribute("#mk-UA-65", "fill") == percent_colour(None)  # no data yet
    page.hover("#mk-UA-14")
    tip = page.inner_text("#mk-tip")
    assert "40.0 %" in tip and "2024-01-01" in tip and SOURCE in tip
    page.focus("#mk-slider")
    page.keyboard.press("End")
    page.hover("#mk-UA-14")
    tip = page.inner_text("#mk-tip")
    assert "60.0 %" in tip and "2025-03-17" in tip and NOTE in tip
    cells = page.locator("#mk-table tbody tr").nth(4).locator("td").all_inner_texts()
    assert cells[0] == "60.0 %"
    page.hover("#mk-UA-43")  # Crimea's figure is older than the date shown: the tooltip says
    # so, and why it still stands (its series file's exception), as typed
    assert f"2025-03-17 (figure of 2024-01-01: {WHY})" in page.inner_text("#mk-tip")
    assert page.locator("img").count() == 0 and page.errors == []


def test_embed_shows_hostile_text_as_typed_and_runs_nothing(page_factory, embed_file):
    page = page_factory()
    page.goto(embed_file.as_uri())
    page.hover("#mk-UA-14")
    page.wait_for_timeout(200)
    assert page.text_content("#mk-title") == TITLE
    assert page.text_content(".mk-subtitle") == ATTR_ATTACK
    assert SCRIPT_ATTACK in page.text_content(".mk-source")
    assert page.locator("img").count() == 0
    assert page.dialogs == [] and page.errors == []


def test_embed_is_keyboard_operable_and_accessible(page_factory, embed_file):
    page = page_factory()
    page.goto(embed_file.as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "mk-play"
    page.keyboard.press("Space")
    assert page.get_attribute("#mk-play", "aria-pressed") == "true"
    page.keyboard.press("Space")
    assert page.get_attribute("#mk-play", "aria-pressed") == "false"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "mk-slider"
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#mk-slider", "aria-valuetext") == "2024-01-01"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # regions are focusable and say their figure
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label and ":" in label
    assert page.get_attribute("#mk", "aria-labelledby") == "mk-title"
    assert "27 regions" in page.text_content("#mk-desc")
    assert page.locator("#mk-table tbody tr").count() == 27


@pytest.mark.parametrize("width", [320, 1200])
def test_embed_fits_from_320_to_1200_pixels(page_factory, embed_file, width):
    page = page_factory(width=width)
    page.goto(embed_file.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    svg_width = page.evaluate("document.getElementById('mk-svg').getBoundingClientRect().width")
    assert 0.8 * min(width, 1200) - 30 < svg_width <= width


def test_embed_posts_its_height_to_the_iframe_snippet(page_factory, embed_file, tmp_path):
    from mapkit.publish import iframe_snippet

    host = embed_file.parent / "story.html"
    host.write_text(f"<!doctype html><p>Story</p>{iframe_snippet(embed_file.name)}<p>End</p>",
                    encoding="utf-8")
    page = page_factory(width=400)
    page.goto(host.as_uri())
    page.wait_for_function(
        "document.querySelector('iframe').style.height !== '640px'", timeout=5000)
    height = page.evaluate("parseInt(document.querySelector('iframe').style.height)")
    inner = page.frames[1].evaluate(
        "Math.ceil(document.documentElement.getBoundingClientRect().height)")
    assert abs(height - inner) <= 2


# --- the Leaflet page --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def html_file(snapshots, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "map.html"
    return write_export("html", snapshots, out, title=TITLE, credit=SCRIPT_ATTACK)


def test_html_paints_recolours_and_tooltips_follow_the_date(page_factory, html_file):
    page = page_factory()
    routes = route_cdn_to_local(page)
    page.goto(html_file.as_uri())
    donetsk = 'path[data-code="UA-14"]'
    page.wait_for_selector(donetsk)
    assert routes.missing == []
    assert page.get_attribute(donetsk, "fill") == percent_colour(60)
    assert page.get_attribute('path[data-code="UA-65"]', "fill") == "url(#mapkit-hatch)"
    # Leaflet fills at 0.85 opacity over the (blank, light grey) basemap tile, which fades in.
    deadline = time.monotonic() + 5
    while True:
        painted = _painted_colour(page, donetsk)
        if _close(painted, _rgb(percent_colour(60)), tolerance=30) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert _close(painted, _rgb(percent_colour(60)), tolerance=30)
    page.focus(".mapkit-range")
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('.mapkit-date').textContent"
                           " === '2024-01-01'", timeout=5_000)
    assert page.get_attribute(donetsk, "fill") == percent_colour(40)
    page.hover(donetsk)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(timeout=5_000)
    assert "40.0 %" in tip.inner_text() and "2024-01-01" in tip.inner_text()
    assert SOURCE in tip.inner_text()
    page.keyboard.press("End")  # slider still focused; the open tooltip follows the date
    page.wait_for_function("() => document.querySelector('.leaflet-tooltip').innerText"
                           ".includes('2025-03-17')", timeout=5_000)
    assert "60.0 %" in tip.inner_text() and NOTE in tip.inner_text()
    page.mouse.move(0, 0)
    page.hover('path[data-code="UA-43"]', force=True)  # an older figure: why it still stands
    page.wait_for_function("(why) => [...document.querySelectorAll('.leaflet-tooltip')]"
                           ".some(t => t.innerText.includes(why))", arg=WHY, timeout=5_000)


def test_html_regions_are_keyboard_stops_and_a_table_reads_out_the_date(page_factory,
                                                                        html_file):
    page = page_factory()
    route_cdn_to_local(page)
    page.goto(html_file.as_uri())
    donetsk = 'path[data-code="UA-14"]'
    page.wait_for_selector(donetsk)
    order = []
    for _ in range(12):  # the controls come first, then the regions
        page.keyboard.press("Tab")
        order.append(page.evaluate("(document.activeElement.getAttribute('class') || '')"
                                   " + '|' + (document.activeElement.getAttribute('data-code')"
                                   " || '')"))
    slider_at = next(i for i, item in enumerate(order) if "mapkit-range" in item)
    region_at = next(i for i, item in enumerate(order) if "mapkit-region" in item)
    assert "mapkit-play" in order[slider_at - 1] and slider_at < region_at
    assert page.get_attribute(donetsk, "aria-label").endswith(": 60.0 %")
    page.focus(donetsk)
    page.wait_for_timeout(300)  # the last region's tooltip fades out over 200 ms
    tip = page.inner_text(".leaflet-tooltip")
    assert "60.0 %" in tip and SOURCE in tip and "2025-03-17" in tip
    row = page.locator('.mapkit-table tr[data-code="UA-14"] td')
    assert row.all_text_contents() == ["60.0 %", SOURCE, "2025-03-17"]
    assert page.locator(".mapkit-table tbody tr").count() == 27
    assert "2025-03-17" in page.text_content(".mapkit-table caption")
    page.focus(".mapkit-range")
    page.keyboard.press("Home")
    assert row.all_text_contents() == ["40.0 %", SOURCE, "2024-01-01"]
    assert page.get_attribute(donetsk, "aria-label").endswith(": 40.0 %")
    assert "2024-01-01" in page.text_content(".mapkit-table caption")
    assert page.errors == []


def test_html_shows_hostile_text_as_typed_and_runs_nothing(page_factory, html_file):
    page = page_factory()
    route_cdn_to_local(page)
    page.goto(html_file.as_uri())
    page.wait_for_selector(".mapkit-title")
    page.hover('path[data-code="UA-14"]')
    page.wait_for_timeout(200)
    assert page.text_content(".mapkit-title") == TITLE
    assert page.title() == TITLE
    assert SCRIPT_ATTACK in page.text_content(".mapkit-credit")
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == [] and page.errors == []


def _refuse_the_internet(page) -> list[str]:
    """Abort every http(s) request of the page; the list of what it asked for."""
    asked: list[str] = []

    def refuse(route) -> None:
        asked.append(route.request.url)
        route.abort("internetdisconnected")

    page.route(re.compile(r"^(https?|wss?)://"), refuse)
    return asked


def _behind_leaflet(colour: str) -> tuple[int, ...]:
    """A region's fill as Leaflet paints it: 0.85 opaque over the map's grey (#ddd)."""
    return tuple(round(0.85 * c + 0.15 * 0xDD) for c in _rgb(colour))


def test_html_paints_offline_and_says_its_basemap_needs_the_internet(page_factory, html_file):
    """Leaflet is in the page: offline, the regions paint on a plain background; the basemap's
    tiles, the one thing it asks the internet for, are named on the page."""
    page = page_factory()
    asked = _refuse_the_internet(page)
    page.goto(html_file.as_uri())
    donetsk = 'path[data-code="UA-14"]'
    page.wait_for_selector(donetsk)
    assert page.get_attribute(donetsk, "fill") == percent_colour(60)
    assert _close(_painted_colour(page, donetsk), _behind_leaflet(percent_colour(60)))
    assert "OpenStreetMap tiles, loaded from the internet" in page.inner_text(".mapkit-tiles")
    assert asked and all(url.startswith("https://tile.openstreetmap.org/") for url in asked)
    page.focus(".mapkit-range")
    page.keyboard.press("Home")
    assert page.get_attribute(donetsk, "fill") == percent_colour(40)
    assert page.errors == []


def test_html_without_tiles_asks_no_other_host_for_anything(page_factory, snapshots, tmp_path):
    out = write_export("html", snapshots, tmp_path / "map.html", tiles=False)
    page = page_factory()
    asked = _refuse_the_internet(page)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(out.as_uri())
    donetsk = 'path[data-code="UA-14"]'
    page.wait_for_selector(donetsk)
    page.wait_for_load_state("load")
    assert requests == [out.as_uri()] and asked == []
    assert _close(_painted_colour(page, donetsk), _behind_leaflet(percent_colour(60)))
    assert page.locator(".mapkit-tiles").count() == 0 and page.errors == []


def test_html_without_javascript_lists_the_last_dates_figures(browser, html_file):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(html_file.as_uri())
    message = page.locator("#mapkit-no-script")
    assert message.is_visible()
    text = message.inner_text()
    assert "needs JavaScript" in text and "60.0 %" in text and "2025-03-17" in text
    assert message.locator("tbody tr").count() == 27
    context.close()


def test_partial_colour_is_the_base_of_the_hatch():
    assert PARTIAL_COLOUR == percent_colour(None, partial=True)


# --- more sources than one digit can number -----------------------------------------------------


def _day(i: int) -> str:
    return f"2024-01-{1 + i:02d}" if i < 31 else f"2024-02-{i - 30:02d}"


@pytest.fixture(scope="module")
def many_sources(tmp_path_factory):
    """A desk's series over 40 days, and 40 outlets beside it, one figure each: with the desk,
    more sources than the 36 a digit can number."""
    from mapkit.regions import REGIONS

    folder = tmp_path_factory.mktemp("many")
    last = REGIONS[39 % len(REGIONS)].code
    write_csv(folder / "outlets.csv", [
        *[(_day(i), last, 50, "Desk", "reported", "https://example.org", "", "")
          for i in range(40)],
        *[(_day(i), REGIONS[i % len(REGIONS)].code, i, f"Outlet {i:02d}", "reported",
           "https://example.org", "", "") for i in range(40)],
    ])
    return load_snapshots([folder])


@pytest.mark.parametrize("fmt", ["embed", "html"])
def test_maps_of_more_than_36_sources_name_each_source(page_factory, many_sources, tmp_path,
                                                       fmt):
    from mapkit.regions import REGIONS

    out = write_export(fmt, many_sources, tmp_path / "map.html", source="Desk")
    last = REGIONS[39 % len(REGIONS)].code  # the desk's region, and Outlet 39's, on the last day
    page = page_factory()
    if fmt == "embed":
        page.goto(out.as_uri())
        page.hover(f"#mk-{last}")
        tip = page.inner_text("#mk-tip")
    else:
        route_cdn_to_local(page)
        page.goto(out.as_uri())
        page.wait_for_selector(f'path[data-code="{last}"]')
        page.hover(f'path[data-code="{last}"]')
        tip = page.inner_text(".leaflet-tooltip")
    assert "Desk" in tip and "50.0 %" in tip  # the map's own source, by its index
    assert "Outlet 39" in tip and "39.0 %" in tip  # the 41st source, beside it
    assert page.errors == []
