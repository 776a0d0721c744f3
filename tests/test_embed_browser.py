"""The embed where a newsroom puts it, in a real browser (headless Chromium, no internet).

In a story page at 320, 600 and 1200 px it tells the page its height (pym.js's, AMP's and
mapkit's own message; the page's ``embed.js`` or pym.js itself resizes the iframe) and nothing
in it is cut or scrolls; a fixed-height iframe, for pages that allow no script, holds it whole.
It follows dark mode without touching the data's colours, its URL flags restore a view (date,
lang, region, static, plain, dark), a keyboard reaches every part, a screen reader hears what
the map shows, and without JavaScript a table gives the date's figures. It asks no other host
for anything, from ``file://`` or served under any path, and its "Get the data" link finds its
CSV there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from embed_layout import LAYOUT, RECORD_MESSAGES
from offline_assets import NODE_MODULES, refuse_outside
from static_site import serve_under
from streamlit_server import CHROMIUM
from test_changes import HEADER, UKRAINE_KM2
from test_export_browser import _close, _painted_colour, _rgb
from test_export_fixtures import MONTHLY_SERIES_FILE, write_csv

from mapkit.figures import build_timeline
from mapkit.headline import headline_text, number_text
from mapkit.i18n import t
from mapkit.publish import iframe_snippet, render_export, write_embed, write_export
from mapkit.publish.embed import embed_loader_js, fixed_height, svg_regions
from mapkit.publish.payload import legend_entries
from mapkit.regions import boundary_areas_km2
from mapkit.scale import percent_colour
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
]
PYM = NODE_MODULES / "pym.js" / "dist" / "pym.v1.min.js"
needs_pym = pytest.mark.skipif(not PYM.exists(),
                               reason="needs pym.js locally: run `npm ci` in the repo root")

PREFIX = "/some/prefix/"
CHILD_ID = "story-map"
ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def _row(day: str, code: str, percent, source: str = "Map desk", method: str = "computed",
         km2: bool = True) -> str:
    area = "" if percent == "partial" or not km2 else \
        f"{boundary_areas_km2()[code] * percent / 100:.1f}"
    return f"{day},{code},{percent},{source},{method},https://example.org,,,{area}\n"


def _ua(day: str, km2: float) -> str:
    return f"{day},UA,{100 * km2 / UKRAINE_KM2:.4f},Map desk,computed,,,,{km2}\n"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A computed series on each month's first day (its figures stand a month), with the row
    UA for the headline, and a paper's figure beside it."""
    folder = tmp_path_factory.mktemp("desk")
    rows = []
    for day, donetsk, zap, km2 in (("2025-01-01", 40, 95, 100_000.0),
                                   ("2025-02-01", 50, 100, 100_300.0),
                                   ("2025-03-01", 60, 100, 100_900.0)):
        rows += [_row(day, "UA-14", donetsk), _row(day, "UA-09", zap),
                 _row(day, "UA-43", 100), _ua(day, km2)]
    rows.append(_row("2025-03-01", "UA-65", "partial"))
    rows.append(_row("2025-03-01", "UA-14", 62, source="Paper", method="reported", km2=False))
    (folder / "desk.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    (folder / "series.toml").write_text(MONTHLY_SERIES_FILE.replace("{name}", "Map desk"),
                                        encoding="utf-8")
    return load_snapshots([folder])


@pytest.fixture(scope="module")
def site(desk, tmp_path_factory) -> Path:
    """A folder as a newsroom uploads it: the embed, its CSV and the loader ``embed.js``."""
    folder = tmp_path_factory.mktemp("site")
    write_embed(desk, folder / "embed.html")
    (folder / "embed.js").write_text(embed_loader_js(), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def timeline(desk):
    return build_timeline(desk, gaps=True)


@pytest.fixture()
def open_page(browser):
    """A page of a fresh context; every request to another host is recorded and refused."""
    contexts = []

    def make(url: str | None = None, width: int = 1000, height: int = 900,
             color_scheme: str = "light", javascript: bool = True):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      color_scheme=color_scheme,
                                      java_script_enabled=javascript, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.requests, page.errors = [], []
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.outside = refuse_outside(context)
        if url is not None:
            page.goto(url)
        return page

    yield make
    for context in contexts:
        context.close()


def _embed_url(site: Path, query: str = "") -> str:
    return (site / "embed.html").as_uri() + query


def _visible_text(page, selector: str) -> str:
    return page.inner_text(selector).translate(ISOLATES)


# --- the height, in a story page --------------------------------------------------------------

def _natural_map_height(width: float) -> float:
    view_width, view_height, _ = svg_regions()
    return width * view_height / view_width


def _assert_whole(layout: dict) -> None:
    """Nothing scrolls or is cut, and the map is drawn at its full width's height."""
    assert layout["scrollWidth"] <= layout["clientWidth"], layout
    assert layout["scrollHeight"] <= layout["clientHeight"], layout
    assert layout["clipped"] == [], layout
    assert abs(layout["mapHeight"] - _natural_map_height(layout["mapWidth"])) <= 1.5, layout


@pytest.mark.parametrize("width", [320, 600, 1200])
def test_the_embed_tells_the_story_page_its_height_and_fits(open_page, site, width):
    codes = iframe_snippet(f"embed.html?childId={CHILD_ID}", loader_url="embed.js")
    (site / f"story{width}.html").write_text(
        f"<!doctype html><head>{RECORD_MESSAGES}</head><body style='margin:0'>"
        f"<p>Story</p>{codes.resizing}<p>End</p></body>", encoding="utf-8")
    with serve_under(site, PREFIX) as server:
        page = open_page(f"{server.url}{PREFIX}story{width}.html", width=width)
        page.wait_for_function("""() => {
            const own = __messages.filter(m => m && m.type === 'mapkit-embed-height');
            return own.length > 0 && document.querySelector('iframe')
                .getBoundingClientRect().height === own[own.length - 1].height;
        }""", timeout=10_000)
        messages = page.evaluate("__messages")
        height = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
        layout = page.main_frame.child_frames[0].evaluate(LAYOUT)
        asked = list(server.requests)
    # the height, in each format, the last of each saying the same
    assert f"pymxPYMx{CHILD_ID}xPYMxheightxPYMx{int(height)}" == [
        m for m in messages if isinstance(m, str)][-1]
    assert {"sentinel": "amp", "type": "embed-size", "height": height} == [
        m for m in messages if isinstance(m, dict) and m.get("sentinel") == "amp"][-1]
    assert layout["clientHeight"] == height
    _assert_whole(layout)
    if width == 320:  # the headline wraps rather than being cut
        assert layout["headline"] > 1.5 * layout["line"]
    if width == 1200:
        assert layout["headline"] < 1.5 * layout["line"]
    assert sorted(set(asked)) == sorted({f"{PREFIX}story{width}.html", f"{PREFIX}embed.js",
                                         f"{PREFIX}embed.html"})
    assert page.outside == [] and page.errors == []


@needs_pym
def test_pym_js_itself_sizes_the_embed(open_page, site):
    """A newsroom that already uses pym.js: its Parent makes the iframe (with ``childId``)
    and takes the height the embed sends in its format."""
    (site / "pym.html").write_text(
        "<!doctype html><body style='margin:0'><div id='story-map'></div>"
        "<script src='/vendor/pym.v1.min.js'></script>"
        "<script>new pym.Parent('story-map', 'embed.html', {title: 'Map'});</script>",
        encoding="utf-8")
    with serve_under(site, PREFIX, extra={"/vendor/pym.v1.min.js": PYM}) as server:
        page = open_page(f"{server.url}{PREFIX}pym.html", width=600)
        page.wait_for_function("() => { const f = document.querySelector('#story-map iframe');"
                               " return f && /^\\d+px$/.test(f.getAttribute('height') || ''); }",
                               timeout=10_000)
        src = page.get_attribute("#story-map iframe", "src")
        height = int(page.get_attribute("#story-map iframe", "height")[:-2])
        layout = page.main_frame.child_frames[0].evaluate(LAYOUT)
    assert "childId=story-map" in src
    assert layout["clientHeight"] == height
    _assert_whole(layout)
    assert page.outside == [] and page.errors == []


@pytest.fixture(scope="module")
def bundled_embed(tmp_path_factory) -> Path:
    """The embed of the bundled timeline, as ``mapkit export --format embed`` writes it."""
    return write_export("embed", load_snapshots(),
                        tmp_path_factory.mktemp("bundled") / "embed.html")


@pytest.mark.parametrize("width", [320, 600, 1200])
def test_the_script_free_snippet_holds_the_whole_embed(open_page, bundled_embed, width):
    """Where a page allows no script: a fixed height for the width, which holds the map
    at nearly full size and the text, and wastes little."""
    snippet = iframe_snippet("embed.html", width=width).fixed
    assert f"height:{fixed_height(width)}px" in snippet and "<script" not in snippet
    host = bundled_embed.parent / f"fixed{width}.html"
    host.write_text(f"<!doctype html><body style='margin:0'>{snippet}</body>", encoding="utf-8")
    page = open_page(host.as_uri(), width=width)
    frame = page.main_frame.child_frames[0]
    frame.wait_for_load_state("load")
    layout = frame.evaluate(LAYOUT)
    assert layout["clientHeight"] == fixed_height(width)
    assert layout["scrollHeight"] <= layout["clientHeight"], layout
    assert layout["scrollWidth"] <= layout["clientWidth"] and layout["clipped"] == [], layout
    assert layout["mapHeight"] >= 0.9 * _natural_map_height(layout["mapWidth"]), layout
    assert layout["bottom"] >= 0.9 * layout["clientHeight"], layout  # little left blank


def test_the_embed_keeps_the_height_it_is_given_when_alone(open_page, site):
    """Opened on its own (not in an iframe), it is an ordinary page: the map at full width,
    the page scrolling on a phone."""
    page = open_page(_embed_url(site), width=320, height=500)
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["clientWidth"]
    assert abs(layout["mapHeight"] - _natural_map_height(layout["mapWidth"])) <= 1.5
    assert layout["scrollHeight"] > 500


# --- dark mode --------------------------------------------------------------------------------

STYLE = """() => {
    const colour = (el, prop) => getComputedStyle(el)[prop];
    const bg = colour(document.body, 'backgroundColor');
    return {background: bg, text: colour(document.body, 'color'),
            title: colour(document.getElementById('mk-title'), 'color'),
            headline: colour(document.getElementById('mk-headline'), 'color'),
            source: colour(document.querySelector('.mk-source'), 'color'),
            swatches: [...document.querySelectorAll('.mk-swatch')].map(
                s => getComputedStyle(s).backgroundColor)};
}"""


def _parse_rgb(text: str) -> tuple[int, int, int]:
    return tuple(int(v) for v in re.findall(r"\d+", text)[:3])


def _contrast(a: tuple, b: tuple) -> float:
    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("scheme", "query", "dark"), [
    ("dark", "", True), ("light", "", False), ("light", "?dark=1", True),
    ("dark", "?dark=0", False), ("dark", "?dark=auto", True)])
def test_dark_mode_changes_the_page_never_the_data(open_page, site, scheme, query, dark):
    page = open_page(_embed_url(site, query), color_scheme=scheme)
    style = page.evaluate(STYLE)
    background = _parse_rgb(style["background"])
    assert (sum(background) < 3 * 60) is dark, style  # dark: a dark page; light: a light one
    for part in ("text", "title", "headline", "source"):  # legible on it
        assert _contrast(_parse_rgb(style[part]), background) >= 4.5, (part, style)
    # the data's colours, exactly: the regions, painted, and the legend's swatches
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(60)
    assert _close(_painted_colour(page, "#mk-UA-14"), _rgb(percent_colour(60)))
    assert _close(_painted_colour(page, "#mk-UA-09"), _rgb(percent_colour(100)))
    legend = [_rgb(item["colour"]) for item in legend_entries("en")]
    assert [_parse_rgb(s) for s in style["swatches"]] == legend
    assert page.errors == []


# --- permalinks: the URL flags ----------------------------------------------------------------


def test_the_date_flag_opens_the_map_on_that_date(open_page, site, timeline):
    page = open_page(_embed_url(site, "?date=2025-01-01"))
    assert page.text_content("#mk-date") == "2025-01-01"
    assert page.get_attribute("#mk-slider", "aria-valuetext") == "2025-01-01"
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(40)
    assert page.text_content("#mk-headline") == headline_text(timeline, dt.date(2025, 1, 1))
    page = open_page(_embed_url(site, "?date=2025-02-15"))  # between two: the one before
    assert page.text_content("#mk-date") == "2025-02-01"
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(50)


@pytest.mark.parametrize("value", ["1999-01-01", "garbage", "2025-02-31", "", "2025-13-01",
                                   "<b>2025-01-01</b>"])
def test_a_date_flag_that_names_no_date_opens_on_the_latest(open_page, site, value):
    page = open_page(_embed_url(site, f"?date={value}"))
    assert page.text_content("#mk-date") == "2025-03-01"
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(60)
    assert page.errors == [] and page.locator("b").count() == 0


def test_the_lang_flag_switches_one_file_to_ukrainian(open_page, site, timeline):
    page = open_page(_embed_url(site, "?lang=uk"))
    assert page.get_attribute("html", "lang") == "uk"
    assert page.text_content("#mk-title") == t("title", "uk")
    assert page.title() == t("title", "uk")
    assert page.text_content("#mk-headline") == headline_text(timeline, dt.date(2025, 3, 1),
                                                              "uk")
    assert page.get_attribute("#mk-UA-14", "aria-label") == "Донецька область: 60,0 %"
    assert page.text_content("#mk-play") == "Відтворити"
    assert page.text_content(".mk-legend-title") == t("legend_title", "uk")
    assert _visible_text(page, ".mk-source").startswith("Джерело: Map desk")
    page.hover("#mk-UA-14")
    tip = _visible_text(page, "#mk-tip")
    assert "Донецька область" in tip and "60,0 %" in tip and "Paper, 2025-03-01: 62,0 %" in tip
    page = open_page(_embed_url(site, "?lang=fr"))  # not a language it carries: its own
    assert page.text_content("#mk-title") == t("title", "en") and page.errors == []


def test_the_region_flag_marks_a_region_and_says_its_figure(open_page, site):
    page = open_page(_embed_url(site, "?region=UA-14"))
    assert _visible_text(page, "#mk-focus") == "Donetsk: 60.0 % (Map desk, 2025-03-01)"
    assert page.get_attribute("#mk-mark", "d") == page.get_attribute("#mk-UA-14", "d")
    page.focus("#mk-slider")
    page.keyboard.press("Home")  # it follows the date
    assert _visible_text(page, "#mk-focus") == "Donetsk: 40.0 % (Map desk, 2025-01-01)"
    page = open_page(_embed_url(site, "?region=ua-09&lang=uk"))
    assert _visible_text(page, "#mk-focus") == "Луганська область: 100,0 % (Map desk, 2025-03-01)"
    page = open_page(_embed_url(site, "?region=XX-99"))
    assert not page.is_visible("#mk-focus") and page.get_attribute("#mk-mark", "d") == ""
    assert page.errors == []


def test_the_static_flag_leaves_out_the_slider_and_says_the_date(open_page, site):
    page = open_page(_embed_url(site, "?static"))
    assert not page.is_visible("#mk-play") and not page.is_visible("#mk-slider")
    assert page.text_content("#mk-oneday") == "Figures of 1 March 2025"
    assert page.is_visible("#mk-oneday")
    page = open_page(_embed_url(site, "?static=1&date=2025-01-01&lang=uk"))
    assert page.text_content("#mk-oneday") == "Дані на 1 січня 2025"
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(40)
    assert "1 січня 2025" in page.text_content("#mk-desc")
    page = open_page(_embed_url(site, "?static=0"))
    assert page.is_visible("#mk-slider") and not page.is_visible("#mk-oneday")


def test_the_plain_flag_leaves_out_header_and_footer(open_page, site):
    page = open_page(_embed_url(site, "?plain"))
    for part in ("#mk-title", "#mk-headline", ".mk-prov", "#mk-data-link"):
        assert not page.is_visible(part), part
    assert page.is_visible("#mk-date") and page.is_visible("#mk-slider")
    assert page.is_visible(".mk-source")  # every figure keeps its source
    assert _close(_painted_colour(page, "#mk-UA-14"), _rgb(percent_colour(60)))
    page = open_page(_embed_url(site, "?plain=0"))
    assert page.is_visible("#mk-title")


def test_a_permalink_restores_the_whole_view(open_page, site, timeline):
    page = open_page(_embed_url(site, "?date=2025-02-01&lang=uk&region=UA-14&static&dark=1"),
                     color_scheme="light")
    assert page.text_content("#mk-oneday") == "Дані на 1 лютого 2025"
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(50)
    assert _visible_text(page, "#mk-focus") == "Донецька область: 50,0 % (Map desk, 2025-02-01)"
    assert page.text_content("#mk-headline") == headline_text(timeline, dt.date(2025, 2, 1),
                                                              "uk")
    assert sum(_parse_rgb(page.evaluate(STYLE)["background"])) < 3 * 60
    assert not page.is_visible("#mk-slider") and page.errors == []


def test_the_headline_reads_as_python_writes_it_on_every_date(open_page, bundled_embed):
    """The embed writes each date's headline from its figures, in the language chosen: word
    for word what mapkit.headline writes, on every date of the bundled timeline."""
    timeline = build_timeline(load_snapshots(), gaps=True)
    for lang in ("en", "uk"):
        page = open_page(bundled_embed.as_uri() + f"?lang={lang}")
        shown = page.evaluate("() => mapkitEmbed.data.dates.map((d, i) => mapkitEmbed"
                              ".headline(i))")
        assert shown == [headline_text(timeline, day, lang) for day in timeline.dates]
        assert sum(1 for text in shown if text) > 100


# --- without JavaScript, with a keyboard, with a screen reader ----------------------------------


def test_without_javascript_a_table_gives_the_dates_figures(open_page, site):
    page = open_page(_embed_url(site), javascript=False)
    table = page.locator(".mk-noscript")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 27
    assert "2025-03-01" in table.locator("caption").inner_text()
    donetsk = table.locator("tbody tr", has_text="Donetsk").locator("td").all_inner_texts()
    km2 = number_text(boundary_areas_km2()["UA-14"] * 0.6)
    assert donetsk == ["60.0 %", f"{km2} km²", "2025-03-01", "Map desk"]
    kherson = table.locator("tbody tr", has_text="Kherson").locator("td").all_inner_texts()
    assert kherson[0] == "partial, no figure" and kherson[1] == ""
    assert page.text_content("#mk-headline").startswith("Russia controls 16.7 % of Ukraine")
    assert _close(_painted_colour(page, "#mk-UA-14"), _rgb(percent_colour(60)))
    assert not page.is_visible("#mk-play") and not page.is_visible("#mk-slider")
    page = open_page(_embed_url(site))  # with JavaScript, the live table instead
    assert page.locator(".mk-noscript").count() == 0
    assert page.locator("#mk-table tbody tr").count() == 27


def test_the_keyboard_reaches_slider_and_regions_and_shows_where_it_is(open_page, site):
    page = open_page(_embed_url(site))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "mk-play"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "mk-slider"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus ring
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#mk-date") == "2025-02-01"
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(50)
    for _ in range(27):  # the regions, each a stop that opens its tooltip and is ringed
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "mk-UA-14":
            break
    assert page.evaluate("document.activeElement.id") == "mk-UA-14"
    assert page.is_visible("#mk-tip")
    tip = _visible_text(page, "#mk-tip")
    assert "Donetsk" in tip and "50.0 %" in tip and "2025-02-01" in tip
    assert page.get_attribute("#mk-ring", "d") == page.get_attribute("#mk-UA-14", "d")
    page.keyboard.press("Escape")
    assert not page.is_visible("#mk-tip")


def _accessible(page, selector: str) -> dict:
    """What the browser tells a screen reader of an element: role, name, description."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    ax = cdp.send("Accessibility.getPartialAXTree",
                  {"nodeId": node, "fetchRelatives": False})["nodes"][0]
    cdp.detach()
    return {key: ax.get(key, {}).get("value", "") for key in ("role", "name", "description")}


def test_a_screen_reader_hears_what_the_map_shows_and_the_dates_headline(open_page, site,
                                                                         timeline):
    page = open_page(_embed_url(site))
    heard = _accessible(page, "#mk-svg")
    assert heard["name"] == f"{t('title')} 2025-03-01"
    assert heard["description"].startswith(headline_text(timeline, dt.date(2025, 3, 1)))
    assert "27 regions" in heard["description"]
    page.focus("#mk-slider")
    page.keyboard.press("Home")
    heard = _accessible(page, "#mk-svg")
    assert heard["name"].endswith("2025-01-01")
    assert heard["description"].startswith(headline_text(timeline, dt.date(2025, 1, 1)))
    region = _accessible(page, "#mk-UA-14")
    assert region["role"] == "image" and region["name"] == "Donetsk: 40.0 %"


# --- nothing from another host; file:// and any path; "Get the data" ---------------------------


def test_from_file_it_asks_nothing_and_its_data_is_beside_it(open_page, site):
    page = open_page(_embed_url(site))
    page.wait_for_load_state("load")
    assert page.requests == [_embed_url(site)] and page.outside == []
    assert _close(_painted_colour(page, "#mk-UA-14"), _rgb(percent_colour(60)))
    href = page.get_attribute("#mk-data-link", "href")
    assert href == "embed.csv" and (site / href).read_text(encoding="utf-8").startswith("map_")


def test_under_a_sub_path_it_asks_nothing_else_and_gets_its_data(open_page, site):
    with serve_under(site, PREFIX) as server:
        page = open_page(f"{server.url}{PREFIX}embed.html?lang=uk")
        page.wait_for_load_state("load")
        assert server.requests == [f"{PREFIX}embed.html"] and page.outside == []
        assert _close(_painted_colour(page, "#mk-UA-14"), _rgb(percent_colour(60)))
        with page.expect_download() as download:
            page.click("#mk-data-link")
        assert download.value.url == f"{server.url}{PREFIX}embed.csv"
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    donetsk = next(r for r in rows if r["map_date"] == "2025-03-01" and r["region"] == "UA-14")
    assert (donetsk["percent"], donetsk["source"]) == ("60", "Map desk")
    assert page.text_content("#mk-data-link") == "Отримати дані (CSV)"


def test_get_the_data_without_a_csv_beside_makes_one_of_the_maps_figures(open_page, tmp_path):
    """The app's embed is one file: its link makes the CSV of its own figures in the browser,
    each with its date, source and method; a source's name as typed."""
    source = 'Desk, "the" <b>desk</b>'
    write_csv(tmp_path / "desk.csv", [
        ("2025-01-01", "UA-14", 40, source, "reported", "https://example.org", "", ""),
        ("2025-03-01", "UA-14", 60, source, "reported", "https://example.org", "", ""),
        ("2025-03-01", "UA-65", "partial", source, "reported", "", "", ""),
    ])
    page_file = tmp_path / "one-file.html"
    snapshots = load_snapshots([tmp_path])
    page_file.write_bytes(render_export("embed", snapshots))
    page = open_page(page_file.as_uri())
    with page.expect_download() as download:
        page.click("#mk-data-link")
    assert download.value.suggested_filename == "figures.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    dates = [day.isoformat() for day in build_timeline(snapshots, gaps=True).dates]
    assert [r["map_date"] for r in rows] == [day for day in dates for _ in range(27)]
    donetsk = next(r for r in rows if r["map_date"] == "2025-03-01" and r["region"] == "UA-14")
    assert donetsk == {"map_date": "2025-03-01", "region": "UA-14", "region_name_en": "Donetsk",
                       "region_name_uk": "Донецька область", "percent": "60",
                       "status": "figure", "figure_date": "2025-03-01", "source": source,
                       "source_url": "https://example.org", "method": "reported"}
    lviv = next(r for r in rows if r["map_date"] == "2025-01-01" and r["region"] == "UA-46")
    assert (lviv["status"], lviv["percent"], lviv["source"]) == ("no data", "", "")
    kherson = next(r for r in rows if r["map_date"] == "2025-03-01" and r["region"] == "UA-65")
    assert (kherson["status"], kherson["percent"]) == ("partial, no figure", "")
    assert page.outside == [] and page.errors == []


# --- one date ----------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [
    {"date": "2025-03-01"},
    {"date_from": "2025-03-01", "date_to": "2025-03-01"},
    {"source": "Paper"},  # a series of one date
], ids=["date", "range", "source"])
def test_a_one_date_embed_says_so_and_has_no_play_button(open_page, desk, tmp_path, options):
    out = tmp_path / "one.html"
    out.write_bytes(render_export("embed", desk, **options))
    text = out.read_text(encoding="utf-8")
    assert "2025-03-01 to 2025-03-01" not in text and "from 2025-03-01" not in text
    page = open_page(out.as_uri())
    assert page.locator("#mk-play").count() == 0 and page.locator("#mk-slider").count() == 0
    assert page.text_content("#mk-oneday") == "Figures of 1 March 2025"
    assert page.is_visible("#mk-oneday")
    assert "on 1 March 2025" in page.text_content("#mk-desc")
    assert page.text_content("#mk-title").endswith("1 March 2025")
    assert page.get_attribute("#mk-UA-14", "fill") == percent_colour(
        62 if options.get("source") == "Paper" else 60)
    page = open_page(out.as_uri() + "?lang=uk")
    assert page.text_content("#mk-oneday") == "Дані на 1 березня 2025"
    assert page.errors == []
