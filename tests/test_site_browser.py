"""The published site's reader page (``mapkit publish``, issue 21 points 1 and 6) in headless
Chromium, served by a plain static server under a sub-path as a CDN would, and from
``file://``: a painted map with slider and play, the headline, the change by month, the table
of the date shown, the language switch; a permalink restores the view (date, language, marked
region, the table of that date) and the address follows the reader; nothing is asked of
another host.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import PUBLISHED_BASE_URL
from embed_layout import LAYOUT, RECORD_MESSAGES
from offline_assets import LOCAL_HOSTS
from static_site import serve_under
from streamlit_server import CHROMIUM

from mapkit.figures import build_timeline
from mapkit.snapshots import load_snapshots

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package"),
]
PREFIX = "/news/2026/ukraine-map/"


@pytest.fixture(scope="module")
def served(published_site):
    site, _ = published_site
    with serve_under(site, PREFIX) as server:
        yield server


@pytest.fixture(scope="module")
def latest_fills():
    """The fills of the 27 regions on the latest date, by code (hatch: the partial pattern)."""
    timeline = build_timeline(load_snapshots(), latest_only=True)
    return {region.code: ("url(#mk-hatch)" if cell.partial and cell.percent is None
                          else cell.colour)
            for region, cell in zip(timeline.regions, timeline.frame(0))}


def open_page(browser, url: str, width: int = 1200):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    outside, errors = [], []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(("data:", "file:", "blob:"))
            and request.url.split("/")[2].split(":")[0] not in LOCAL_HOSTS else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_function("() => window.mapkitEmbed && window.mapkitSite")
    page.outside, page.errors = outside, errors
    return context, page


FILLS = "() => Object.fromEntries(Array.from(document.querySelectorAll('#mk-regions path'), " \
        "p => [p.getAttribute('data-code'), p.getAttribute('fill')]))"


def test_the_reader_page_paints_every_part_under_a_sub_path(browser, served, latest_fills):
    context, page = open_page(browser, f"{served.url}{PREFIX}")
    try:
        assert page.evaluate(FILLS) == latest_fills  # the map, painted with the latest date
        assert page.locator("#mk-slider").is_visible() and page.locator("#mk-play").is_visible()
        assert page.locator("#mk-date").text_content() == "2026-08-21"
        assert page.locator("#mk-headline").text_content().startswith(
            "Russia controls 19.4 % of Ukraine (117,000 km²)")
        # the change by month: a bar a month, gains red and losses blue, its month marked
        bars = page.locator("#site-chart-box rect[data-month]")
        assert bars.count() > 40
        # (August 2026 is under way: no bar yet, as in the chart export)
        assert page.locator("#site-chart-box rect.site-band").get_attribute(
            "data-month") == "2026-08-01"
        assert page.locator("#site-chart-box svg").bounding_box()["height"] > 100
        # the table of the date shown: 27 regions, the most held first
        assert page.locator("#site-table-title").text_content() == "Figures of 21 August 2026"
        rows = page.locator("#site-rows tr")
        assert rows.count() == 27
        assert rows.first.locator("th").text_content() in ("Crimea", "Sevastopol")
        assert rows.first.locator("td").first.text_content() == "100.0 %"
        # sources, with the boundaries' credit, and the language switch
        assert "DeepStateMap" in page.locator("#site-sources").text_content()
        assert "Natural Earth" in page.locator("#site-sources").text_content()
        assert page.locator(".site-lang[data-lang=uk]").text_content() == "Українська"
        assert page.outside == [] and page.errors == []
        asked = set(served.requests)
        assert asked and all(path.startswith(PREFIX) for path in asked), asked
    finally:
        context.close()


def test_a_permalink_restores_the_view_and_the_address_follows_the_reader(browser, served):
    context, page = open_page(
        browser, f"{served.url}{PREFIX}index.html?date=2025-03-17&lang=uk&region=UA-14")
    try:
        # the map's date on or before the one asked for, in Ukrainian, Donetsk marked
        assert page.locator("#mk-date").text_content() == "2025-03-16"
        assert page.evaluate("document.documentElement.lang") == "uk"
        assert page.locator("#mk-title").text_content() == \
            "Територія під військовим контролем Росії"
        assert page.locator("#mk-mark").get_attribute("d") == \
            page.locator("#mk-UA-14").get_attribute("d")
        assert page.locator("#mk-focus").text_content().startswith("Донецька область: 69,1 %")
        assert page.locator("#site-table-title").text_content() == "Дані на 16 березня 2025"
        marked = page.locator("#site-rows tr.site-marked")
        assert marked.get_attribute("data-code") == "UA-14"
        assert marked.locator("td").first.text_content() == "69,1 %"
        assert page.locator("#site-chart-title").text_content().startswith("Чиста зміна")
        assert page.locator("#site-chart-box rect.site-shown").get_attribute(
            "data-month") == "2025-03-01"
        assert page.locator("#site-chart-box rect.site-band").get_attribute(
            "data-month") == "2025-03-01"
        english = page.locator(".site-lang[data-lang=en]").get_attribute("href")
        assert english == "?date=2025-03-16&lang=en&region=UA-14"
        # a step back on the slider: the address, table and chart follow
        page.locator("#mk-slider").focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("() => location.search.includes('date=2025-03-09')")
        assert page.url.endswith("index.html?date=2025-03-09&lang=uk&region=UA-14")
        assert page.locator("#site-table-title").text_content() == "Дані на 9 березня 2025"
        # a click on another region marks it, in the address too
        page.locator("#mk-UA-23").dispatch_event("click")
        page.wait_for_function("() => location.search.includes('region=UA-23')")
        assert page.locator("#site-rows tr.site-marked").get_attribute("data-code") == "UA-23"
        # and that address, opened afresh, shows the same
        context2, again = open_page(browser, page.url)
        try:
            assert again.locator("#mk-date").text_content() == "2025-03-09"
            assert again.locator("#site-rows tr.site-marked").get_attribute(
                "data-code") == "UA-23"
        finally:
            context2.close()
        assert page.outside == [] and page.errors == []
    finally:
        context.close()


def test_the_language_switch_keeps_the_date(browser, served):
    context, page = open_page(browser, f"{served.url}{PREFIX}?date=2024-06-01")
    try:
        page.locator(".site-lang[data-lang=uk]").click()
        page.wait_for_function("() => document.documentElement.lang === 'uk' && "
                               "window.mapkitSite")
        assert page.locator("#mk-date").text_content() == "2024-06-01"
        assert page.locator("#mk-play").text_content() == "Відтворити"
        assert page.locator("#site-sources h2").text_content() == "Джерела"
    finally:
        context.close()


def test_the_reader_page_works_from_a_file(browser, published_site, latest_fills):
    site, _ = published_site
    context, page = open_page(browser, (site / "index.html").as_uri() + "?date=2023-01-01")
    try:
        assert page.locator("#mk-date").text_content() == "2023-01-01"
        assert page.locator("#site-rows tr").count() == 27
        page.locator("#mk-slider").focus()
        page.keyboard.press("End")
        page.wait_for_function("() => location.search.includes('date=2026-08-21')")
        assert page.evaluate(FILLS) == latest_fills
        assert page.outside == [] and page.errors == []
    finally:
        context.close()


def test_the_site_embed_takes_its_flags_and_links_its_data(browser, served):
    context = browser.new_context(viewport={"width": 600, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{served.url}{PREFIX}embed.html?date=2025-03-17&lang=uk&region=UA-14"
                  "&static&dark=1")
        page.wait_for_function("() => window.mapkitEmbed")
        assert page.locator("#mk-oneday").text_content() == "Дані на 16 березня 2025"
        assert page.locator("#mk-controls").is_hidden()
        assert "mk-dark" in page.evaluate("document.documentElement.className")
        link = page.locator("#mk-data-link")
        assert link.get_attribute("href") == "data/figures.csv"
        address = page.evaluate("document.getElementById('mk-data-link').href")
        assert address == f"{served.url}{PREFIX}data/figures.csv"
        response = page.request.get(address)
        assert response.status == 200 and response.text().startswith("date,region,")
    finally:
        context.close()


def test_the_raion_level_reader_page_paints_and_keeps_a_raion_in_its_address(
        browser, published_raion_site, raion_snapshots):
    """``mapkit publish --level raion``: the page paints the 138 raions with the library's
    colours on the permalink's date, marks the raion it names, and a click on another raion
    puts that one's code in the address."""
    site, _ = published_raion_site
    timeline = build_timeline(load_snapshots([str(raion_snapshots)], level="raion"),
                              date="2026-08-09", latest_only=True, level="raion")
    expected = {region.code: ("url(#mk-hatch)" if cell.partial and cell.percent is None
                              else cell.colour)
                for region, cell in zip(timeline.regions, timeline.frame(0))}
    code = {region.name_en: region.code for region in timeline.regions
            if region.code.startswith("UA14")}["Pokrovskyi Raion"]
    lviv = {region.name_en: region.code for region in timeline.regions
            if region.code.startswith("UA46")}["Lvivskyi Raion"]
    with serve_under(site, PREFIX) as server:
        context, page = open_page(browser, f"{server.url}{PREFIX}?date=2026-08-09&region={code}")
        try:
            fills = page.evaluate("() => Object.fromEntries(Array.from(document.querySelectorAll("
                                  "'#mk-regions path'), p => [p.id.slice(3), "
                                  "p.getAttribute('fill')]))")
            assert fills == expected
            assert len(set(fills.values())) > 3  # painted: 0 %, 100 % and shares between
            assert page.locator("#mk-date").text_content() == "2026-08-09"
            assert page.locator("#mk-mark").get_attribute("d") == \
                page.locator(f"#mk-{code}").get_attribute("d")
            assert page.locator("#site-rows tr").count() == 138
            marked = page.locator("#site-rows tr.site-marked")
            assert marked.get_attribute("data-code") == code
            assert marked.locator("th").text_content() == "Pokrovskyi Raion"
            # its km² on that date (sent as changes from the date before, made whole again)
            pokrovskyi = dict(zip((r.code for r in timeline.regions), timeline.frame(0)))[code]
            assert marked.locator("td").nth(1).text_content() == \
                f"{round(pokrovskyi.area_km2):,}"
            assert "OpenStreetMap" in page.locator("body").text_content()
            page.locator(f"#mk-{lviv}").dispatch_event("click")
            page.wait_for_function(f"() => location.search.includes('region={lviv}')")
            assert page.locator("#site-rows tr.site-marked th").text_content() == \
                "Lvivskyi Raion"
            assert page.locator("#site-rows tr.site-marked td").first.text_content() == "0.0 %"
            assert page.outside == [] and page.errors == []
            assert all(path.startswith(PREFIX) for path in server.requests)
        finally:
            context.close()


# --- The site's embed in a story page, and the reader page on a phone and in the dark ---------


def pasted_snippet(site: Path, address: str) -> str:
    """The iframe-with-resizer code of the site's embed-codes.html, as a newsroom pastes it
    into its CMS, for the site served at ``address`` (the page gives it for --base-url)."""
    codes = (site / "embed-codes.html").read_text(encoding="utf-8")
    found = re.search(r'id="code-resizing-en">(.*?)</textarea>', codes, re.S)
    snippet = html.unescape(found.group(1))
    assert PUBLISHED_BASE_URL + "embed.html" in snippet and "<script" in snippet
    return snippet.replace(PUBLISHED_BASE_URL, address)


@pytest.mark.parametrize("width", [320, 600, 1200])
def test_the_site_s_snippet_in_a_story_page_takes_the_embed_s_height(browser, published_site,
                                                                      tmp_path, width):
    """The code from embed-codes.html, pasted into a story on another path: embed.js sizes the
    iframe to the height the embed posts, and inside it nothing scrolls or is cut."""
    site, _ = published_site
    story = tmp_path / "story.html"
    with serve_under(site, PREFIX, extra={"/story/map.html": story}) as server:
        story.write_text(f"<!doctype html><head><link rel='icon' href='data:,'>"
                         f"{RECORD_MESSAGES}</head><body style='margin:0'>"
                         f"<p>Story</p>{pasted_snippet(site, server.url + PREFIX)}<p>End</p>"
                         "</body>", encoding="utf-8")
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(f"{server.url}/story/map.html")
            page.wait_for_function("""() => {
                const own = __messages.filter(m => m && m.type === 'mapkit-embed-height');
                return own.length > 0 && document.querySelector('iframe')
                    .getBoundingClientRect().height === own[own.length - 1].height;
            }""", timeout=15_000)
            height = page.evaluate(
                "document.querySelector('iframe').getBoundingClientRect().height")
            frame = page.main_frame.child_frames[0]
            layout = frame.evaluate(LAYOUT)
            assert frame.locator("#mk-date").text_content() == "2026-08-21"
        finally:
            context.close()
        asked = set(server.requests)
    assert layout["clientHeight"] == height and height > 300
    assert layout["scrollWidth"] <= layout["clientWidth"], layout
    assert layout["scrollHeight"] <= layout["clientHeight"], layout
    assert layout["clipped"] == [], layout
    if width == 320:  # the headline wraps rather than being cut
        assert layout["headline"] > 1.5 * layout["line"]
    assert asked == {"/story/map.html", f"{PREFIX}embed.js", f"{PREFIX}embed.html"}
    assert errors == []


BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"


@pytest.mark.parametrize(("scheme", "query", "dark"), [
    ("dark", "", True), ("light", "", False), ("dark", "?dark=0", False),
    ("light", "?dark=1", True)])
def test_the_reader_page_follows_dark_mode_and_never_changes_the_data(
        browser, served, latest_fills, scheme, query, dark):
    context = browser.new_context(viewport={"width": 1200, "height": 900},
                                  color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(f"{served.url}{PREFIX}index.html{query}")
        page.wait_for_function("() => window.mapkitEmbed && window.mapkitSite")
        red, green, blue = map(int, re.findall(r"\d+", page.evaluate(BACKGROUND))[:3])
        assert (red + green + blue < 3 * 60) is dark, page.evaluate(BACKGROUND)
        text = page.evaluate("getComputedStyle(document.querySelector('#site-table-title'))"
                             ".color")
        assert (sum(map(int, re.findall(r"\d+", text)[:3])) > 3 * 150) is dark, text
        assert page.evaluate(FILLS) == latest_fills  # the map's colours are the data's
    finally:
        context.close()


def test_the_reader_page_fits_a_phone(browser, served):
    """At 320 px nothing runs off the page sideways but the wide table, which scrolls in its
    own box; the headline and the date wrap within the screen."""
    context, page = open_page(browser, f"{served.url}{PREFIX}?lang=uk", width=320)
    try:
        layout = page.evaluate("""() => {
            const W = document.documentElement.clientWidth, out = [];
            for (const sel of ['#mk-title', '#mk-headline', '#mk-date', '#mk-slider',
                               '#mk-play', '.mk-legend', '#site-chart-box svg',
                               '#site-table-title', '.site-scroll', '.site-bar'])
                for (const el of document.querySelectorAll(sel)) {
                    const box = el.getBoundingClientRect();
                    if (box.left < -0.5 || box.right > W + 0.5) out.push(sel);
                }
            return {W: W, scrollWidth: document.documentElement.scrollWidth, out: out};
        }""")
        assert layout["scrollWidth"] <= layout["W"] == 320, layout
        assert layout["out"] == [], layout
        assert page.locator("#mk-headline").is_visible()
    finally:
        context.close()
