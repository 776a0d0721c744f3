"""Colours follow the numbers shown, in a real browser (headless Chromium, no internet): at every
class boundary, the figure a region's tooltip writes lies in the range of the legend label whose
swatch has the region's colour — in the embed and in the viewer's map, its percent view and its
"Compare two dates" view.

Issue 17: Luhansk at 98.96 % said "99.0 %" in the tooltip and was coloured "75–99 %".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit_server import CHROMIUM
from test_colours import (
    BOUNDARY_CHANGES,
    BOUNDARY_DATES,
    BOUNDARY_PERCENTS,
    BOUNDARY_REGIONS,
    boundary_rows,
    legend_colour_of,
)
from test_export_fixtures import write_csv
from viewer_pages import VIEWER_BROWSER_MARKS, viewer_on, viewer_page

from mapkit.publish import write_export
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason="needs Debian's chromium package")]


def needs_viewer(test):
    """The viewer's marks (it needs the map's JavaScript from ``npm ci`` too)."""
    for mark in VIEWER_BROWSER_MARKS:
        test = mark(test)
    return test

#: Every region's colour as the browser paints it and its legend: "rgb(153, 0, 0)" each.
_CSS_COLOUR = "(el) => getComputedStyle(el).{}"


def _hex(css: str) -> str:
    """"rgb(153, 0, 0)" → "#990000"."""
    red, green, blue = (int(n) for n in re.findall(r"\d+", css)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def _percent_in(tooltip: str) -> str:
    found = re.search(r"[-−]?\d+(?:[.,]\d+)? %", tooltip)
    assert found, f"no percentage in the tooltip {tooltip!r}"
    return found.group()


def _change_in(tooltip: str) -> str:
    found = re.search(r"[-+−]?\d+(?:[.,]\d+)? pp", tooltip)
    assert found, f"no change in the tooltip {tooltip!r}"
    return found.group()


def _check(seen: dict[str, tuple[str, str]], legend: list[tuple[str, str]], expected: int):
    """``seen``: region → (figure written in its tooltip, its colour)."""
    assert len(seen) == expected, f"{len(seen)} regions read, {expected} expected"
    wrong = {code: (written, colour, legend_colour_of(written, legend))
             for code, (written, colour) in seen.items()
             if colour != legend_colour_of(written, legend)}
    assert not wrong, f"coloured as another class than their figure's: {wrong}"


# --- the embed ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embed_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("boundaries")
    write_csv(folder / "desk.csv", boundary_rows())
    out = tmp_path_factory.mktemp("embed") / "embed.html"
    return write_export("embed", load_snapshots([folder]), out, title="Boundaries")


def test_embed_tooltips_and_colours_agree_with_the_legend_at_every_class_boundary(browser,
                                                                                   embed_file):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    try:
        page.goto(embed_file.as_uri())
        page.focus("#mk-slider")
        page.keyboard.press("End")
        assert page.text_content("#mk-date") == BOUNDARY_DATES[-1]
        legend = [(item.inner_text().strip(),
                   _hex(item.locator(".mk-swatch").evaluate(_CSS_COLOUR.format(
                       "backgroundColor"))))
                  for item in page.locator(".mk-legend li").all()]
        seen = {}
        for code in BOUNDARY_REGIONS:
            region = page.locator(f"#mk-{code}")
            region.dispatch_event("mousemove", {"clientX": 10, "clientY": 10})
            tooltip = page.inner_text("#mk-tip")
            seen[code] = (_percent_in(tooltip), _hex(region.evaluate(_CSS_COLOUR.format("fill"))))
        assert seen["UA-09"][0] == "99.0 %"  # Luhansk at 98.96
        _check(seen, legend, len(BOUNDARY_PERCENTS))
    finally:
        context.close()


# --- the viewer --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def viewer_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boundaries")
    write_csv(folder / "desk.csv", boundary_rows())
    # a monthly desk: each map stands until the next, so the slider has no gap days between
    with viewer_on(folder, {"series.toml": 'series = "Desk"\nstands_days = 31\n'}) as url:
        yield url


def map_frame(page):
    return page.frame_locator("iframe[title*='control_map']")


def viewer_tooltips(page, read) -> dict[str, tuple[str, str]]:
    """Each region's tooltip figure (``read`` finds it in the text) and painted colour."""
    frame = map_frame(page)
    seen = {}
    for code in BOUNDARY_REGIONS:
        region = frame.locator(f"path[data-region='{code}']")
        box = region.bounding_box()
        point = {"clientX": box["x"] + box["width"] / 2, "clientY": box["y"] + box["height"] / 2}
        region.dispatch_event("mouseover", point)
        tooltip = frame.locator(".leaflet-tooltip")
        tooltip.wait_for(timeout=5_000)
        seen[code] = (read(tooltip.inner_text()), _hex(region.evaluate(_CSS_COLOUR.format("fill"))))
        region.dispatch_event("mouseout", point)
        tooltip.wait_for(state="detached", timeout=5_000)
    return seen


def viewer_legend(page) -> list[tuple[str, str]]:
    return [(item.inner_text().strip(),
             _hex(item.locator(".swatch").evaluate(_CSS_COLOUR.format("backgroundColor"))))
            for item in map_frame(page).locator("#legend .legend-item").all()]


@needs_viewer
def test_viewer_tooltips_and_colours_agree_with_the_legend_at_every_class_boundary(browser,
                                                                                    viewer_url):
    with viewer_page(browser, viewer_url) as page:
        frame = map_frame(page)
        frame.locator("path[data-region='UA-09']").wait_for(timeout=60_000)
        page.get_by_text("Data for 1 March 2024").wait_for(timeout=30_000)
        seen = viewer_tooltips(page, _percent_in)
        assert seen["UA-09"][0] == "99.0 %"  # Luhansk at 98.96
        _check(seen, viewer_legend(page), len(BOUNDARY_PERCENTS))

        # The change from 50 % everywhere to 50 % + each boundary change.
        slider = frame.locator("#slider")
        slider.focus()
        slider.press("ArrowLeft")
        page.get_by_text("Data for 1 February 2024").wait_for(timeout=30_000)
        page.locator("[data-testid=stSidebar]").get_by_text("Compare two dates").click()
        frame.locator("#title").filter(has_text="1 January 2024 → 1 February 2024").wait_for(
            timeout=30_000)
        seen = viewer_tooltips(page, _change_in)
        _check(seen, viewer_legend(page), len(BOUNDARY_CHANGES))
