"""What a title, subtitle or credit can be, and how a map draws it: bytes that are not text and
texts too long are refused in one line (the command line and the app alike); right-to-left
text and Unicode direction controls stay inside the text they came in; and on a print map no
text overlaps another, nor the map.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit_server import CHROMIUM
from test_changes import HEADER, kyiv_city_row, ua_row

from mapkit.cli import cli
from mapkit.publish import TEXT_LIMITS, ExportTextError, render_export
from mapkit.snapshots import load_snapshots

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def folder(tmp_path) -> Path:
    folder = tmp_path / "snaps"
    folder.mkdir()
    rows = [ua_row("2025-01-01", 100_000.0), ua_row("2025-02-01", 100_300.0),
            ua_row("2025-03-01", 100_400.0), kyiv_city_row("2025-01-01", 0.0),
            kyiv_city_row("2025-03-01", 83.38)]
    (folder / "desk.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return folder


@pytest.fixture()
def snapshots(folder):
    return load_snapshots([folder])


# --- text that is not text, and text too long (issue 18, items 6 and 9) -------------------------


@pytest.mark.parametrize("fmt", ["png", "svg", "embed", "html"])
def test_a_title_of_bytes_that_are_not_utf8_is_one_line_and_exit_2(folder, tmp_path, fmt):
    """``--title $'\\xff\\xfe'``: the bytes reach Python as lone surrogates."""
    out = tmp_path / f"map.{fmt}"
    result = subprocess.run(
        [sys.executable, "-m", "mapkit", "export", "--format", fmt, "--snapshots", str(folder),
         "--title", b"\xff\xfe", "--out", str(out)],
        capture_output=True, cwd=REPO, timeout=120)
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        "error: --title is not text: it holds bytes that are not UTF-8 (b'\\xff\\xfe' at "
        "character 1); type it again, or set the terminal to UTF-8; nothing was written.\n")
    assert not out.exists()


@pytest.mark.parametrize("field", ["title", "subtitle", "credit"])
def test_a_text_longer_than_its_limit_is_refused_in_one_line(folder, tmp_path, field):
    out = tmp_path / "map.png"
    long = "word " * 20_000  # 100 KB: it took two minutes a PNG
    result = CliRunner().invoke(cli, ["export", "--format", "png", "--snapshots", str(folder),
                                      f"--{field}", long, "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == (f"error: --{field} is 100,000 characters long; a map's {field} may "
                             f"have at most {TEXT_LIMITS[field]}: shorten it; nothing was "
                             "written.\n")
    assert not out.exists()
    # at the limit it is drawn
    result = CliRunner().invoke(cli, ["export", "--format", "png", "--snapshots", str(folder),
                                      f"--{field}", "x" * TEXT_LIMITS[field], "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_the_library_and_the_app_refuse_it_with_the_same_message(snapshots, folder,
                                                                  monkeypatch):
    with pytest.raises(ExportTextError, match="the title is 100,000 characters long; a map's "
                                              "title may have at most 200: shorten it"):
        render_export("embed", snapshots, title="x" * 100_000)
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(folder)])
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    app.session_state["map"] = {"event": "ready", "selected": None, "n": 1}
    app.session_state["export_open"] = True
    app.run()
    app.text_input(key="export_title").input("x" * 100_000).run()
    app.button(key="export_make").click().run()
    assert not app.exception
    assert [re.sub(r"\\(.)", r"\1", e.value) for e in app.error] == [
        "the title is 100,000 characters long; a map's title may have at most 200: shorten it"]
    assert "export_file" not in app.session_state


# --- right-to-left text and direction controls (issue 18, item 14) ------------------------------

#: A source name with U+202E RIGHT-TO-LEFT OVERRIDE: it turned the embed's whole source line
#: around, the newsroom's credit with it.
REVERSING = "Evil\u202eDesk"
CREDIT = "Our newsroom"


@pytest.fixture()
def reversing(tmp_path):
    """A series whose source's name holds U+202E, and another series beside it with one too
    (its figure stands in the tooltips: "<name>, <date>: <value>")."""
    folder = tmp_path / "rlo"
    folder.mkdir()
    rows = [f"2025-03-01,UA-14,60,{REVERSING},computed,,,,\n",
            f"2025-03-01,UA-09,100,{REVERSING},computed,,,,\n",
            "2025-03-01,UA-14,58,Paper\u202eX,reported,,,,\n"]
    (folder / "rlo.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return load_snapshots([folder])


@pytest.mark.parametrize("fmt", ["png", "svg", "gif"])
def test_a_direction_control_in_a_source_never_turns_a_print_maps_credit_around(
        reversing, drawn_texts, fmt):
    from mapkit.publish.bidi import CONTROLS

    render_export(fmt, reversing, source=REVERSING, credit=CREDIT)
    (foot,) = {text for text in drawn_texts if text.startswith("Source:")}
    assert foot.endswith(f"  ·  Map: {CREDIT}"), foot
    assert foot.startswith("Source: Evil") and "(computed from mapped areas of control)" in foot
    assert not any(char in CONTROLS for text in drawn_texts for char in text)


def test_html_pages_isolate_every_source_name_and_the_credit(reversing):
    """The Leaflet page writes its source and credit lines from its JSON (textContent)."""
    page = render_export("html", reversing, source=REVERSING, credit=CREDIT).decode()
    texts = {key: json.loads(re.search(rf'"{key}":("(?:[^"\\]|\\.)*")', page).group(1))
             for key in ("source_line", "credit_line")}
    assert texts["source_line"] == ("Source: \u2068Evil\u202eDesk\u2069 (computed from "
                                    "mapped areas of control); beside it, in the tooltips: "
                                    "\u2068Paper\u202eX\u2069")
    assert texts["credit_line"] == f"Map: \u2068{CREDIT}\u2069"


def test_a_credit_with_a_stray_pop_cannot_leave_its_isolate():
    from mapkit.publish.bidi import FSI, PDI, isolate

    assert isolate("a\u2069\u202eb") == f"{FSI}a\u202eb{PDI}"  # its PDI would close ours
    assert isolate("a\u2067b") == f"{FSI}a\u2067b{PDI}{PDI}"  # an isolate it leaves open


def _reading_order(page, selector: str, text: str) -> list[float] | None:
    """The left edge of each character of ``text`` inside ``selector``'s text, as laid out
    (direction controls, which have no width, are skipped in the search)."""
    return page.evaluate("""([selector, wanted]) => {
        const element = document.querySelector(selector);
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        const control = /[\\u200e\\u200f\\u061c\\u202a-\\u202e\\u2066-\\u2069]/;
        let node;
        while ((node = walker.nextNode())) {
            const indexes = [];
            let bare = "";
            Array.from(node.textContent).forEach((c, i) => {
                if (!control.test(c)) { bare += c; indexes.push(i); }
            });
            const at = bare.indexOf(wanted);
            if (at < 0) continue;
            return indexes.slice(at, at + wanted.length).map(i => {
                const range = document.createRange();
                range.setStart(node, i); range.setEnd(node, i + 1);
                return range.getBoundingClientRect().left;
            });
        }
        return null;
    }""", [selector, text])


needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="needs Debian's chromium package")


@needs_chromium
@pytest.mark.browser
def test_the_embeds_credit_reads_in_order_after_a_reversing_source_name(reversing, tmp_path,
                                                                        browser):
    out = tmp_path / "embed.html"
    out.write_bytes(render_export("embed", reversing, source=REVERSING, credit=CREDIT))
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(out.as_uri())
    credit = _reading_order(page, ".mk-source", f"Map: {CREDIT}")
    assert credit and credit == sorted(credit), "the credit is laid out backwards"
    method = _reading_order(page, ".mk-source", "(computed from mapped areas of control)")
    assert method == sorted(method) and method[0] > _reading_order(page, ".mk-source",
                                                                   "Source:")[-1]
    # the tooltip of Donetsk: the other series' figure keeps its date and value in order
    page.focus("#mk-UA-14")
    other = page.locator(".mk-tip-other div").nth(1)
    assert other.text_content() == "\u2068Paper\u202eX\u2069, 2025-03-01: 58.0 %"
    xs = _reading_order(page, ".mk-tip-other div:nth-child(2)", ", 2025-03-01: 58.0 %")
    assert xs == sorted(xs)
    page.close()


# --- nothing overlaps (issue 18, item 15) --------------------------------------------------------

LONG_TITLE = ("Russia's summer offensive: how much of Ukraine it holds, region by region, and "
              "how that changed week by week since the spring, with every figure's source, "
              "date and method beside it, as a long headline would say it")[:200]
LONG_SUBTITLE = ("Share of each region's area under Russian military control, computed from "
                 "the front-line polygons DeepStateMap publishes every day, and the reported "
                 "figures of newspapers and officials where no polygon exists; grey: no data; "
                 "hatched: partial, no figure. Read the methodology before quoting a figure.")
LONG_CREDIT = ("Graphic: Our newsroom's data desk (reporting by A. Writer and B. Editor, design "
               "by C. Designer, fact-checking by D. Checker), with additional research by the "
               "regional bureaus in Kyiv, Kharkiv, Dnipro and Odesa; corrections to "
               "desk@newsroom.example")


@pytest.fixture()
def saved(monkeypatch) -> list:
    """Every print figure an export saves (the map's and the chart's), to measure it."""
    from mapkit.publish import change_chart, static

    figures = []

    def keep(original):
        def save(figure, *args, **kwargs):
            figures.append(figure)
            return original(figure, *args, **kwargs)
        return save

    monkeypatch.setattr(static, "save_print", keep(static.save_print))
    monkeypatch.setattr(change_chart, "save_print", keep(change_chart.save_print))
    return figures


def _overlap(a, b, tolerance: float = 0.5) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


def _no_overlaps(figure, boxes: dict) -> None:
    """No two of ``boxes`` (name → display box) overlap, and each is on the page."""
    page = figure.bbox
    for name, box in boxes.items():
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, f"{name} runs off the page"
        assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, f"{name} runs off the page"
    names = list(boxes)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            assert not _overlap(boxes[first], boxes[second]), f"{first} overlaps {second}"


def _map_boxes(figure) -> dict:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import PathPatch
    from matplotlib.transforms import Bbox

    renderer = FigureCanvasAgg(figure).get_renderer()
    boxes = {f"text {text.get_text()[:30]!r}": text.get_window_extent(renderer)
             for text in figure.texts if text.get_text()}
    for number, axes in enumerate(figure.axes):
        regions = [artist.get_window_extent(renderer) for artist in axes.get_children()
                   if isinstance(artist, PathPatch)]
        if regions:  # the map: its regions' outlines (the legend and labels lie on it)
            boxes["the map"] = Bbox.union(regions)
        else:  # the GIF's time axis, its years under it
            boxes[f"time axis {number}"] = axes.get_tightbbox(renderer)
    return boxes


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_long_title_subtitle_and_credit_never_overlap_each_other_or_the_map(snapshots, saved,
                                                                           fmt):
    render_export(fmt, snapshots, title=LONG_TITLE, subtitle=LONG_SUBTITLE, credit=LONG_CREDIT)
    (figure,) = saved
    boxes = _map_boxes(figure)
    assert len([name for name in boxes if name.startswith("text")]) == 6  # and the headline
    _no_overlaps(figure, boxes)


def test_a_gif_frame_keeps_its_texts_apart_too(snapshots):
    from mapkit.figures import build_timeline
    from mapkit.publish.provenance import Provenance
    from mapkit.publish.static import gif_figure

    timeline = build_timeline(snapshots)
    for lang in ("en", "uk"):
        drawn = gif_figure(timeline, Provenance.of(timeline), title=LONG_TITLE,
                           subtitle=LONG_SUBTITLE, credit=LONG_CREDIT, lang=lang)
        _no_overlaps(drawn.figure, _map_boxes(drawn.figure))


def test_a_word_longer_than_a_line_is_broken_not_run_under_the_date(snapshots, saved):
    render_export("png", snapshots, title="x" * 200)
    (figure,) = saved
    _no_overlaps(figure, _map_boxes(figure))


def test_the_charts_texts_legend_and_axis_never_overlap(snapshots, saved):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    render_export("chart-png", snapshots, title=LONG_TITLE, subtitle=LONG_SUBTITLE,
                  credit=LONG_CREDIT)
    (figure,) = saved
    renderer = FigureCanvasAgg(figure).get_renderer()
    boxes = {f"text {text.get_text()[:30]!r}": text.get_window_extent(renderer)
             for text in figure.texts if text.get_text()}
    boxes["legend"] = figure.legends[0].get_window_extent(renderer)
    boxes["the chart"] = figure.axes[0].get_tightbbox(renderer)
    _no_overlaps(figure, boxes)
