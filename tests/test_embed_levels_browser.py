"""The embed at the raion and hromada levels, with the whole bundled timeline, in headless
Chromium: within its size (raions ≤ 400 KB, hromadas ≤ 1.5 MB), no request to any other host,
every unit painted in its figure's colour, the slider recolours, the tooltip names the oblast,
and OpenStreetMap is credited."""

from __future__ import annotations

from pathlib import Path

import pytest
from offline_assets import refuse_outside
from streamlit_server import CHROMIUM

from mapkit.levels import get_level
from mapkit.publish import render_export
from mapkit.scale import percent_colour
from mapkit.snapshots import load_snapshots

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
]

#: Issue 20: an embed of the whole timeline weighs at most this much.
LIMITS = {"raion": 400_000, "hromada": 1_500_000}
OSM = "© OpenStreetMap contributors"


@pytest.fixture(scope="module", params=["raion", "hromada"])
def embed(request, tmp_path_factory):
    level = request.param
    content = render_export("embed", load_snapshots(level=level))
    path = tmp_path_factory.mktemp(level) / "embed.html"
    path.write_bytes(content)
    return level, path


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.outside = refuse_outside(context)
    yield page
    context.close()


def test_the_whole_timeline_embeds_within_its_size_with_no_outside_request(embed, page):
    level, path = embed
    units = get_level(level)
    assert path.stat().st_size <= LIMITS[level]
    page.goto(path.as_uri())
    page.wait_for_function("n => document.querySelectorAll('#mk-regions path').length === n",
                           arg=len(units.units))
    assert page.outside == [] and page.errors == []
    assert OSM in page.inner_text(".mk-source")
    # the latest date's colours, unit by unit, from the figures
    crimea = units.in_oblast("UA-43")[0].code
    lviv = units.resolve("Lviv").code
    for code, percent in ((crimea, 100), (lviv, 0)):
        shown = page.get_attribute(f"#mk-{code}", "data-percent")
        assert float(shown) == percent
        assert page.get_attribute(f"#mk-{code}", "fill") == percent_colour(percent)
    # back to the first date (2014: Crimea only): frames rebuilt from their changes
    page.focus("#mk-slider")
    page.keyboard.press("Home")
    page.wait_for_function("() => document.getElementById('mk-date').textContent === "
                           "'2014-03-18'")
    assert float(page.get_attribute(f"#mk-{crimea}", "data-percent")) == 100
    donetsk = units.resolve("Pokrovsk, Donetsk" if level == "hromada" else "Pokrovskyi Raion")
    assert float(page.get_attribute(f"#mk-{donetsk.code}", "data-percent")) == 0
    page.keyboard.press("End")
    page.wait_for_function(f"() => +document.getElementById('mk-{donetsk.code}')"
                           ".getAttribute('data-percent') > 50")
    page.hover(f"#mk-{donetsk.code}", force=True)
    tip = page.inner_text("#mk-tip")
    assert donetsk.name_en in tip and "Donetsk Oblast" in tip
    assert page.outside == [] and page.errors == []


def test_the_html_page_of_raions_paints_every_raion_offline(page, tmp_path):
    units = get_level("raion")
    path = tmp_path / "raions.html"
    path.write_bytes(render_export("html", load_snapshots(level="raion"), tiles=False))
    page.goto(path.as_uri())
    page.wait_for_function("n => document.querySelectorAll('path[data-code]').length === n",
                           arg=len(units.units))
    assert page.outside == [] and page.errors == []
    crimea = units.in_oblast("UA-43")[0].code
    assert page.get_attribute(f"path[data-code='{crimea}']", "fill") == percent_colour(100)
    pokrovskyi = units.resolve("Pokrovskyi Raion").code
    page.hover(f"path[data-code='{pokrovskyi}']", force=True)
    tip = page.locator(".mapkit-tip")
    tip.wait_for()
    assert "Donetsk Oblast" in tip.inner_text()
    assert OSM in page.content()
