"""The default timeline in a real browser (headless Chromium) with the network blocked.

The viewer (``streamlit run app.py`` on the bundled data) and the embed both play the whole
default series from its first date to its last, and every frame shows that series' own figure
for every region (worked out in Python without the figures module): no other source ever shows
through. The viewer needs no internet at all: Leaflet ships inside the package, and without
tiles the regions stand on a plain background with a working slider.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from offline_assets import LOCAL_HOSTS, NODE_MODULES
from streamlit_server import CHROMIUM, REPO_ROOT, streamlit_app
from test_series import expected_frames

from mapkit.constants import NO_DATA_COLOUR
from mapkit.figures import default_series, series_of
from mapkit.publish import write_export
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
]

VENDORED = REPO_ROOT / "mapkit" / "viewer" / "frontend" / "vendor" / "leaflet"
#: Playing speed for the tests: the whole 2014–2026 series in a few seconds.
FAST = 40

#: Records every painted frame: its date, and each region's figure and fill.
RECORDER = """(selector) => {
    window.__frames = [];
    document.addEventListener("mapkit:frame", (event) => {
        const values = {};
        document.querySelectorAll(selector).forEach((path) => {
            const code = path.getAttribute("data-region") || path.getAttribute("data-code");
            values[code] = [path.getAttribute("data-percent"), path.getAttribute("fill")];
        });
        window.__frames.push({date: event.detail.date, values: values});
    });
}"""


def block_network(page) -> list[str]:
    """Abort every request that leaves this machine; return the list of what was asked."""
    asked: list[str] = []

    def handle(route) -> None:
        asked.append(route.request.url)
        route.abort("internetdisconnected")

    hosts = "|".join(re.escape(h) for h in LOCAL_HOSTS)
    page.route(re.compile(rf"^https?://(?!({hosts})[:/])"), handle)
    return asked


@pytest.fixture(scope="module")
def snapshots():
    return load_snapshots()


@pytest.fixture(scope="module")
def expected(snapshots):
    return expected_frames(snapshots, default_series(snapshots))


@pytest.fixture(scope="module")
def expected_in_the_viewer(snapshots):
    """The viewer plays the days of the series' gaps too: their first days, and the days other
    series have maps for (a reader can switch to them there): "no map", every region empty."""
    series = default_series(snapshots)
    others = {day.date() for day in snapshots.loc[series_of(snapshots) != series, "date"]}
    return expected_frames(snapshots, series, gaps=True, gap_days=sorted(others))


@pytest.fixture(scope="module")
def expected_with_gaps(snapshots):
    """The exports play a frame for each gap of the series too: "no map", every region empty."""
    return expected_frames(snapshots, default_series(snapshots), gaps=True)


def assert_frames_are_the_series(frames: list[dict], expected: dict, hatch: str) -> None:
    dates = [day.isoformat() for day in sorted(expected)]
    assert [frame["date"] for frame in frames] == dates, "every date, in order, once"
    for frame in frames:
        want = expected[__import__("datetime").date.fromisoformat(frame["date"])]
        for code, (percent, fill) in frame["values"].items():
            value = want.get(code)
            where = f"{code} on {frame['date']}"
            if value == "partial":
                assert percent == "" and fill == hatch, f"{where}: should be partial"
            elif value is None:
                assert percent == "" and fill == NO_DATA_COLOUR, f"{where}: should be no data"
            else:
                assert percent != "" and float(percent) == value, \
                    f"{where}: shows {percent}, the series has {value}"


# --- the viewer --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_url():
    with streamlit_app(REPO_ROOT / "app.py") as url:
        yield url


@pytest.fixture()
def offline_page(browser, app_url):
    def make(width: int = 1400, height: int = 1100):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.asked = block_network(page)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(app_url)
        contexts.append(context)
        return page

    contexts: list = []
    yield make
    for context in contexts:
        context.close()


def map_frame(page):
    return page.frame_locator("iframe[title*='control_map']")


def painted(page, timeout: float = 60_000):
    frame = map_frame(page)
    frame.locator("path[data-region='UA-14'][data-percent]").wait_for(timeout=timeout)
    return frame


def test_with_the_network_blocked_the_app_paints_its_map_and_the_slider_works(offline_page,
                                                                               expected):
    page = offline_page()
    frame = painted(page)
    dates = sorted(expected)
    last, before = expected[dates[-1]], expected[dates[-2]]
    assert float(frame.locator("path[data-region='UA-14']").get_attribute("data-percent")) == \
        last["UA-14"]
    assert frame.locator("#load-error").is_hidden()
    assert frame.locator("#timeline").is_visible()
    assert frame.locator("#date-label").text_content().strip()  # never an empty date
    # Leaflet came from the app itself; only the basemap was asked of the internet, and failed
    assert page.asked and all("basemaps" in url or "tile" in url for url in page.asked)
    slider = frame.locator("#slider")
    slider.focus()
    slider.press("ArrowLeft")
    frame.locator(f"#map[data-date='{dates[-2].isoformat()}']").wait_for(timeout=5_000)
    assert float(frame.locator("path[data-region='UA-14']").get_attribute("data-percent")) == \
        before["UA-14"]
    assert page.errors == []


def test_the_viewer_plays_the_whole_default_series_and_nothing_else(offline_page,
                                                                   expected_in_the_viewer):
    page = offline_page()
    frame = painted(page)
    body = frame.locator("body")
    body.evaluate(f"(body, selector) => ({RECORDER})(selector)", "path[data-region]")
    body.evaluate(f"() => {{ window.mapkitViewer.speed.factor = {FAST}; }}")
    slider = frame.locator("#slider")
    slider.focus()
    slider.press("Home")
    frame.locator("#play").click()
    frame.locator("#play[aria-pressed=true]").wait_for(timeout=5_000)
    frame.locator("#play[aria-pressed=false]").wait_for(timeout=120_000)
    frames = body.evaluate("() => window.__frames")
    assert_frames_are_the_series(frames, expected_in_the_viewer, "url(#mapkit-partial-hatch)")


def test_space_on_the_slider_starts_and_stops_play(offline_page):
    page = offline_page()
    frame = painted(page)
    slider = frame.locator("#slider")
    slider.focus()
    slider.press("Home")
    slider.press(" ")
    frame.locator("#play[aria-pressed=true]").wait_for(timeout=5_000)
    slider.press(" ")
    frame.locator("#play[aria-pressed=false]").wait_for(timeout=5_000)


def test_on_a_390_pixel_phone_all_of_ukraine_is_in_view(offline_page):
    page = offline_page(width=390, height=844)
    frame = painted(page)
    time.sleep(1)  # the page settles its column widths; the map refits
    iframe = page.locator("iframe[title*='control_map']").bounding_box()
    box = frame.locator("#map").bounding_box()
    assert box["x"] + box["width"] <= iframe["x"] + iframe["width"] + 0.5  # not cut off
    for code in ("UA-09", "UA-14", "UA-30", "UA-21", "UA-43"):  # east, west, south
        region = frame.locator(f"path[data-region='{code}']").bounding_box()
        right, edge = region["x"] + region["width"], box["x"] + box["width"]
        assert box["x"] <= region["x"] and right <= edge, f"{code} is cut off at {edge:.0f} px"


# --- the embed ---------------------------------------------------------------------------------


def test_the_embed_plays_the_whole_default_series_and_nothing_else(browser, snapshots,
                                                                   expected_with_gaps, tmp_path):
    out = write_export("embed", snapshots, tmp_path / "embed.html")
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    asked = block_network(page)
    page.goto(out.as_uri())
    page.evaluate(RECORDER, "#mk-regions path")
    page.evaluate(f"() => {{ window.mapkitEmbed.speed.factor = {FAST}; }}")
    page.locator("#mk-play").click()  # from the last date: starts again at the first
    page.locator("#mk-play[aria-pressed=true]").wait_for(timeout=5_000)
    page.locator("#mk-play[aria-pressed=false]").wait_for(timeout=120_000)
    frames = page.evaluate("() => window.__frames")
    context.close()
    assert asked == []
    assert_frames_are_the_series(frames, expected_with_gaps, "url(#mk-hatch)")


# --- the Leaflet the app ships (and the html export inlines) ------------------------------------


def test_the_app_ships_the_leaflet_that_package_json_pins():
    pinned = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["leaflet"]
    assert f"Leaflet {pinned}," in (VENDORED / "leaflet.js").read_text(encoding="utf-8")[:200]
    assert "BSD 2-Clause License" in (VENDORED / "LICENSE").read_text(encoding="utf-8")
    page = (REPO_ROOT / "mapkit" / "viewer" / "frontend" / "index.html").read_text("utf-8")
    assert 'src="vendor/leaflet/leaflet.js"' in page and "cdn.jsdelivr" not in page
    if not (NODE_MODULES / "leaflet").is_dir():
        pytest.skip("node_modules/leaflet is not installed: `npm ci` to compare the bytes")
    for name in ("leaflet.js", "leaflet.css"):
        assert (VENDORED / name).read_bytes() == (NODE_MODULES / "leaflet/dist" / name).read_bytes()
    assert (VENDORED / "LICENSE").read_bytes() == (NODE_MODULES / "leaflet/LICENSE").read_bytes()
