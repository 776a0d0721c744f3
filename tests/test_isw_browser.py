"""ISW/CTP's series in the interactive exports, in a real browser (headless Chromium).

Its own map paints the northern occupation of March 2022; beside DeepStateMap's map, a region's
tooltip gives ISW/CTP's figure of that date, named and dated, in the embed, the Leaflet page and
the viewer.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from offline_assets import NODE_MODULES, route_cdn_to_local
from PIL import Image
from streamlit_server import CHROMIUM
from test_export_browser import _close, _rgb
from viewer_pages import viewer_on, viewer_page

from mapkit.constants import SNAPSHOTS_DIR
from mapkit.publish import write_export
from mapkit.publish.bidi import without_controls
from mapkit.scale import percent_colour
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
]

needs_leaflet = pytest.mark.skipif(
    not (NODE_MODULES / "leaflet").exists(),
    reason="needs the map's JavaScript locally: run `npm ci` in the repo root")

ISW = "ISW/CTP"
BESIDE = {"date_from": "2022-05-08", "date_to": "2022-05-08"}  # DeepStateMap's map of that day


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_snapshots()


def _isw_figure(bundled: pd.DataFrame, day: str, region: str) -> float:
    row = bundled[(bundled["source"] == ISW) & (bundled["date"].astype(str) == day)
                  & (bundled["region"] == region)]
    return float(row["percent"].iloc[0])


def _painted_inside(page, selector: str) -> tuple[int, int, int]:
    """The colour on screen well inside a region: the middle one of the points of a grid over
    its box that fall in it (a point near its edge would read the white border)."""
    point = page.evaluate(
        """(selector) => {
            const path = document.querySelector(selector);
            const box = path.getBBox(), svg = path.ownerSVGElement, inside = [];
            for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
                const p = svg.createSVGPoint();
                p.x = box.x + box.width * i / 20; p.y = box.y + box.height * j / 20;
                if (!path.isPointInFill(p)) continue;
                const s = p.matrixTransform(path.getScreenCTM());
                if (document.elementFromPoint(s.x, s.y) === path) inside.push([s.x, s.y]);
            }
            return inside.length ? inside[inside.length >> 1] : null;
        }""",
        selector,
    )
    assert point is not None, f"no visible interior point in {selector}"
    page.mouse.move(0, 0)
    shot = Image.open(io.BytesIO(page.screenshot(animations="disabled"))).convert("RGB")
    return shot.getpixel((int(point[0]), int(point[1])))


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_the_embed_of_isw_ctp_paints_the_northern_occupation(page, bundled, tmp_path):
    out = write_export("embed", bundled, tmp_path / "isw.html", source=ISW, date="2022-03-15")
    page.goto(out.as_uri())
    for code in ("UA-32", "UA-74", "UA-59"):  # Kyiv Oblast, Chernihiv, Sumy
        figure = _isw_figure(bundled, "2022-03-15", code)
        assert figure > 10
        assert page.get_attribute(f"#mk-{code}", "fill") == percent_colour(figure)
        assert _close(_painted_inside(page, f"#mk-{code}"), _rgb(percent_colour(figure)))
    assert "Source: ISW/CTP" in without_controls(page.inner_text(".mk-source"))
    page.hover("#mk-UA-74")
    assert f"{_isw_figure(bundled, '2022-03-15', 'UA-74'):.1f} %" in page.inner_text("#mk-tip")
    assert page.errors == []


def test_the_embed_tooltip_gives_isw_ctps_figure_beside_deepstatemaps(page, bundled, tmp_path):
    out = write_export("embed", bundled, tmp_path / "beside.html", **BESIDE)
    page.goto(out.as_uri())
    page.hover("#mk-UA-65")  # Kherson
    tip = without_controls(page.inner_text("#mk-tip"))  # names are isolated (FSI … PDI)
    kherson = _isw_figure(bundled, "2022-05-08", "UA-65")
    assert "DeepStateMap" in tip
    assert f"ISW/CTP, 2022-05-08: {kherson:.1f} %" in tip
    assert "beside it, in the tooltips: ISW/CTP" in without_controls(
        page.inner_text(".mk-source"))
    assert page.errors == []


@needs_leaflet
def test_the_html_tooltip_gives_isw_ctps_figure_beside_deepstatemaps(page, bundled, tmp_path):
    out = write_export("html", bundled, tmp_path / "beside.html", **BESIDE)
    routes = route_cdn_to_local(page)
    page.goto(out.as_uri())
    kherson = 'path[data-code="UA-65"]'
    page.wait_for_selector(kherson)
    assert routes.missing == []
    page.hover(kherson)
    tip = page.locator(".leaflet-tooltip", has_text="Kherson")
    tip.wait_for(timeout=5_000)
    figure = _isw_figure(bundled, "2022-05-08", "UA-65")
    assert f"ISW/CTP, 2022-05-08: {figure:.1f} %" in without_controls(tip.inner_text())
    assert "beside it, in the tooltips: ISW/CTP" in without_controls(
        page.inner_text(".mapkit-source"))
    assert page.errors == []



# --- the viewer ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def viewer_url(tmp_path_factory):
    """The viewer on the bundled DeepStateMap and ISW/CTP snapshots of 8 May 2022."""
    files = {f"{name}.csv": (SNAPSHOTS_DIR / name / "2022-05-08.csv").read_text(encoding="utf-8")
             for name in ("deepstate", "isw")}
    with viewer_on(tmp_path_factory.mktemp("isw_viewer"), files) as url:
        yield url


@needs_leaflet
def test_the_viewer_tooltip_gives_isw_ctps_figure_beside_deepstatemaps(browser, viewer_url,
                                                                       bundled):
    with viewer_page(browser, viewer_url) as page:
        frame = page.frame_locator("iframe[title*='control_map']")
        kherson = frame.locator("path[data-region='UA-65']")
        kherson.wait_for(timeout=30_000)
        assert "DeepStateMap" in frame.locator("#source-line").text_content()
        kherson.hover()
        tip = frame.locator(".leaflet-tooltip", has_text="Kherson")
        tip.wait_for(timeout=5_000)
        figure = _isw_figure(bundled, "2022-05-08", "UA-65")
        assert f"ISW/CTP, 8 May 2022: {figure:.1f} %" in tip.text_content()
