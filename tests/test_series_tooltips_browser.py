"""The other series in the tooltips of the embed and the html page, in a real browser (headless
Chromium), both ways and in a gap (issue 19 point 3): ISW/CTP's figure beside DeepStateMap's map,
DeepStateMap's beside ISW/CTP's, and, on a day DeepStateMap has no map for, "no map" with
ISW/CTP's figure of that day beside it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from offline_assets import NODE_MODULES, route_cdn_to_local
from streamlit_server import CHROMIUM

from mapkit.publish import write_export
from mapkit.publish.bidi import without_controls
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
]
needs_leaflet = pytest.mark.skipif(
    not (NODE_MODULES / "leaflet").exists(),
    reason="needs the map's JavaScript locally: run `npm ci` in the repo root")

ISW, DSM = "ISW/CTP", "DeepStateMap"


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_snapshots()


def figure(bundled: pd.DataFrame, source: str, day: str, region: str) -> float:
    row = bundled[(bundled["source"] == source) & (bundled["date"].astype(str) == day)
                  & (bundled["region"] == region)]
    return float(row["percent"].iloc[0])


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def embed_tip(page, code: str) -> str:
    page.hover(f"#mk-{code}")
    return without_controls(page.inner_text("#mk-tip"))  # names are isolated (FSI … PDI)


def html_tip(page, code: str, name: str) -> str:
    page.hover(f'path[data-code="{code}"]')
    tip = page.locator(".leaflet-tooltip", has_text=name)
    tip.wait_for(timeout=5_000)
    return without_controls(tip.inner_text())


def test_the_embed_of_isw_ctp_gives_deepstatemaps_figure_beside_its_own(page, bundled, tmp_path):
    out = write_export("embed", bundled, tmp_path / "isw.html", source=ISW,
                       date_from="2022-05-08", date_to="2022-05-08")
    page.goto(out.as_uri())
    tip = embed_tip(page, "UA-65")
    assert f"{figure(bundled, ISW, '2022-05-08', 'UA-65'):.1f} %" in tip
    assert f"DeepStateMap, 2022-05-08: {figure(bundled, DSM, '2022-05-08', 'UA-65'):.1f} %" in tip
    assert "beside it, in the tooltips: DeepStateMap" in without_controls(
        page.inner_text(".mk-source"))
    assert page.errors == []


def test_the_embed_in_deepstatemaps_gap_says_no_map_and_gives_isw_ctps_figure(page, bundled,
                                                                              tmp_path):
    out = write_export("embed", bundled, tmp_path / "gap.html", date_from="2022-02-23",
                       date_to="2022-04-03")
    page.goto(out.as_uri())
    page.evaluate("""() => { const s = document.getElementById('mk-slider');
                             s.value = String(1); s.dispatchEvent(new Event('input')); }""")
    assert page.inner_text("#mk-date") == "2022-02-24"
    assert "DeepStateMap has no map for 24 Feb – 2 Apr 2022" in page.inner_text("#mk-stale")
    tip = embed_tip(page, "UA-74")  # Chernihiv
    assert "Under Russian control: no map" in tip
    assert f"ISW/CTP, 2022-02-24: {figure(bundled, ISW, '2022-02-24', 'UA-74'):.1f} %" in tip
    assert page.errors == []


@needs_leaflet
def test_the_html_page_both_ways_and_in_the_gap(page, bundled, tmp_path):
    routes = route_cdn_to_local(page)
    out = write_export("html", bundled, tmp_path / "isw.html", source=ISW,
                       date_from="2022-05-08", date_to="2022-05-08")
    page.goto(out.as_uri())
    page.wait_for_selector('path[data-code="UA-65"]')
    tip = html_tip(page, "UA-65", "Kherson")
    assert f"DeepStateMap, 2022-05-08: {figure(bundled, DSM, '2022-05-08', 'UA-65'):.1f} %" in tip

    out = write_export("html", bundled, tmp_path / "gap.html", date="2022-02-24",
                       source=None)  # no DeepStateMap map: ISW/CTP's, and it says so
    page.goto(out.as_uri())
    page.wait_for_selector('path[data-code="UA-74"]')
    tip = html_tip(page, "UA-74", "Chernihiv")
    assert f"{figure(bundled, ISW, '2022-02-24', 'UA-74'):.1f} %" in tip

    out = write_export("html", bundled, tmp_path / "dsm-gap.html", date_from="2022-02-23",
                       date_to="2022-04-03")
    page.goto(out.as_uri())
    page.wait_for_selector('path[data-code="UA-74"]')
    page.evaluate("""() => { const s = document.querySelector('input[type=range]');
                             s.value = String(1); s.dispatchEvent(new Event('input')); }""")
    tip = html_tip(page, "UA-74", "Chernihiv")
    assert "no map" in tip
    assert f"ISW/CTP, 2022-02-24: {figure(bundled, ISW, '2022-02-24', 'UA-74'):.1f} %" in tip
    assert routes.missing == []
    assert page.errors == []
