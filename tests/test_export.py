"""Exports without a browser: figures, colours, escaping, provenance, atomic writes, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from PIL import Image
from test_export_fixtures import synthetic_timeline_snapshots, write_csv

from mapkit import __version__
from mapkit.boundaries import load_boundaries
from mapkit.cli import cli
from mapkit.constants import (
    NO_DATA_COLOUR,
    PARTIAL_COLOUR,
    PARTIAL_HATCH_COLOUR,
    SNAPSHOTS_DIR,
    UKRAINE_CONFORMAL,
)
from mapkit.figures import FiguresError, build_timeline
from mapkit.i18n import LANGUAGES
from mapkit.publish import (
    FORMATS,
    ExportInputError,
    iframe_snippet,
    render_export,
    write_export,
)
from mapkit.publish.payload import encode_colours, script_json
from mapkit.publish.provenance import Provenance
from mapkit.publish.static import PRINT_DPI, draw_map
from mapkit.scale import percent_colour
from mapkit.snapshots import load_snapshots

SCRIPT_ATTACK = "</script><script>alert(1)</script>"
ATTR_ATTACK = '"><img src=x onerror=alert(1)>'
HOSTILE_TITLE = f"{SCRIPT_ATTACK} {ATTR_ATTACK} 'single' \"double\" שלום Київ $5 & <b>"
GENERATED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory) -> pd.DataFrame:
    """Two dates of a made-up source, a hostile source name, and a 'partial' region."""
    folder = tmp_path_factory.mktemp("snapshots")
    url = "https://example.org/desk"
    write_csv(folder / "desk.csv", [
        ("2024-01-01", "UA-14", 40, "Test Desk", "reported", url, "", ""),
        ("2024-01-01", "UA-09", 95, "Test Desk", "reported", url, "", ""),
        ("2024-01-01", "UA-43", 100, "Test Desk", "reported", url, "", ""),
        ("2025-03-17", "UA-14", 60, "Test Desk", "reported", url, "3.5", ATTR_ATTACK),
        ("2025-03-17", "UA-09", 100, "Test Desk", "reported", url, "", ""),
        ("2025-03-17", "UA-65", "partial", "Test Desk", "reported", url, "", "no figure given"),
        ("2025-03-17", "UA-23", 20, SCRIPT_ATTACK, "reported", "", "", ""),
    ])
    return load_snapshots([folder])


# --- what the map shows ---------------------------------------------------------------------


def test_timeline_shows_each_regions_latest_standing_figure_with_its_own_date(snapshots):
    timeline = build_timeline(snapshots)
    assert [d.isoformat() for d in timeline.dates] == ["2024-01-01", "2025-03-17"]
    codes = [r.code for r in timeline.regions]
    last = dict(zip(codes, timeline.frame(1)))
    assert last["UA-14"].percent == 60 and last["UA-14"].contested == 3.5
    assert last["UA-14"].as_of == dt.date(2025, 3, 17)
    assert last["UA-65"].partial and last["UA-65"].percent is None
    # Test Desk has no series file: its Crimea figure of 2024 is of that day, not of 2025
    assert not last["UA-43"].has_data
    assert not last["UA-46"].has_data
    assert last["UA-46"].colour == NO_DATA_COLOUR
    assert last["UA-65"].colour == PARTIAL_COLOUR


def test_one_source_keeps_only_its_figures(snapshots):
    timeline = build_timeline(snapshots, source=SCRIPT_ATTACK)
    cells = dict(zip((r.code for r in timeline.regions), timeline.frame(0)))
    assert cells["UA-23"].percent == 20
    assert not cells["UA-14"].has_data


def test_bad_dates_and_sources_say_what_to_do(snapshots):
    with pytest.raises(ExportInputError, match="YYYY-MM-DD"):
        render_export("csv", snapshots, date="17/03/2025")
    with pytest.raises(ExportInputError, match="before the first figure: Test Desk's figures "
                                               "run from 2024-01-01 to 2025-03-17"):
        render_export("csv", snapshots, date="2020-01-01")
    with pytest.raises(ExportInputError, match="after the newest figure: Test Desk's figures "
                                               "run from 2024-01-01 to 2025-03-17"):
        render_export("png", snapshots, date="2030-01-01")
    with pytest.raises(ExportInputError, match="sources are: "):
        render_export("csv", snapshots, source="Nobody")
    with pytest.raises(ExportInputError, match="no dates of Test Desk between"):
        render_export("csv", snapshots, date_from="2026-01-01")
    with pytest.raises(ExportInputError, match="choose one of html, embed"):
        render_export("pdf", snapshots)


def test_figures_raise_their_own_error_and_exports_raise_it_as_theirs(snapshots):
    # The viewer catches the figures' error; an export's caller catches the export's, which
    # is one of them.
    with pytest.raises(FiguresError, match="YYYY-MM-DD") as raised:
        build_timeline(snapshots, date="17/03/2025")
    assert not isinstance(raised.value, ExportInputError)
    with pytest.raises(ExportInputError, match="sources are: ") as raised:
        render_export("csv", snapshots, source="Nobody")
    assert isinstance(raised.value, FiguresError)


def test_palette_codes_are_one_base36_digit_per_colour_in_order_of_first_use():
    palette: list[str] = []
    assert encode_colours(["#aa0000", "#00bb00", "#aa0000"], palette) == "010"
    assert encode_colours(["#00bb00", "#0000cc"], palette) == "12"
    assert palette == ["#aa0000", "#00bb00", "#0000cc"]
    many = [f"#{i:06x}" for i in range(36)]
    assert encode_colours(many, [])[-1] == "z"
    with pytest.raises(ValueError, match="more than 36 colours"):
        encode_colours([*many, "#ffffff"], [])


# --- csv -----------------------------------------------------------------------------------


def test_csv_has_every_region_with_figure_source_method_and_provenance(snapshots):
    text = render_export("csv", snapshots, generated_at=GENERATED).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 * 27  # the two dates, and the first day of the gap between them
    gap = [r for r in rows if r["map_date"] == "2024-01-02"]
    assert {r["status"] for r in gap} == {"no map"} and not any(r["percent"] for r in gap)
    assert gap[0]["map_note"] == "Test Desk has no map for 2 Jan 2024 – 16 Mar 2025"
    donetsk = next(r for r in rows if r["map_date"] == "2025-03-17" and r["region"] == "UA-14")
    assert donetsk["percent"] == "60" and donetsk["contested_percent"] == "3.5"
    assert donetsk["source"] == "Test Desk" and donetsk["method"] == "reported"
    assert donetsk["source_url"] == "https://example.org/desk"
    assert donetsk["mapkit_version"] == __version__
    assert donetsk["generated_at"] == "2026-01-02T03:04:05Z"
    kherson = next(r for r in rows if r["map_date"] == "2025-03-17" and r["region"] == "UA-65")
    assert (kherson["percent"], kherson["status"]) == ("", "partial, no figure")
    crimea = next(r for r in rows if r["map_date"] == "2024-01-01" and r["region"] == "UA-43")
    assert crimea["figure_date"] == "2024-01-01"
    crimea = next(r for r in rows if r["map_date"] == "2025-03-17" and r["region"] == "UA-43")
    assert (crimea["status"], crimea["figure_date"]) == ("no data", "")
    lviv = next(r for r in rows if r["region"] == "UA-46")
    assert lviv["status"] == "no data" and lviv["source"] == ""


def test_csv_cells_never_start_a_spreadsheet_formula(tmp_path):
    # Snapshot files may not hold such text (mapkit validate refuses it); a frame a library
    # user builds in memory may, and the export still writes it harmless.
    write_csv(tmp_path / "f.csv", [("2024-01-01", "UA-14", 5, "Desk", "reported", "", "", "")])
    frame = load_snapshots([tmp_path])
    frame["source"], frame["note"] = "=HYPERLINK(\"x\")", "@cmd"
    text = render_export("csv", frame).decode("utf-8")
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["region"] == "UA-14")
    assert row["source"] == "'=HYPERLINK(\"x\")" and row["note"] == "'@cmd"


# --- escaping and provenance in the HTML outputs -------------------------------------------


def test_script_json_cannot_close_a_script_or_open_a_comment():
    text = script_json({"t": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><!-- & \u2028"}


@pytest.mark.parametrize("fmt", ["embed", "html"])
def test_hostile_text_never_reaches_the_page_as_markup(snapshots, fmt):
    page = render_export(fmt, snapshots, title=HOSTILE_TITLE, subtitle=ATTR_ATTACK,
                         credit=SCRIPT_ATTACK).decode("utf-8")
    assert page.count("</script>") == page.count("<script")  # no script closed early
    assert "<img src=x" not in page
    assert "<b>" not in page
    assert "onerror=alert(1)>" not in page.replace("onerror=alert(1)&gt;", "")


@pytest.mark.parametrize("fmt", ["embed", "html"])
def test_pages_carry_provenance(snapshots, fmt):
    page = render_export(fmt, snapshots, generated_at=GENERATED).decode("utf-8")
    assert f"mapkit {__version__}" in page
    assert "2026-01-02T03:04:05Z" in page
    assert "2024-01-01 – 2025-03-17" in page
    assert "Test Desk" in page


def test_embed_asks_no_other_host_for_anything(snapshots):
    page = render_export("embed", snapshots).decode("utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(http" not in page
    assert "default-src 'none'" in page  # and the browser is told so


def test_full_timeline_embed_fits_in_150_kb(tmp_path):
    snapshots = synthetic_timeline_snapshots(tmp_path, weeks=240)
    page = render_export("embed", snapshots)
    assert len(build_timeline(snapshots).dates) == 240  # the reported 2014 rows stand beside
    assert len(page) <= 150 * 1024, f"embed is {len(page) / 1024:.0f} KB"


def test_real_timeline_embed_fits_in_150_kb_in_both_languages():
    deepstate = SNAPSHOTS_DIR / "deepstate"
    if not any(deepstate.glob("*.csv")):
        pytest.skip("the computed DeepStateMap timeline is not in data/control_snapshots/ yet")
    page = render_export("embed", load_snapshots())
    assert len(page) <= 150 * 1024, f"embed is {len(page) / 1024:.0f} KB"
    assert "Росія контролює" in page.decode() and "Russia controls" in page.decode()


def test_iframe_snippet_escapes_its_address_and_title():
    codes = iframe_snippet('map.html?a=1&b="x"', title=ATTR_ATTACK, loader_url='e.js?"<b>')
    for snippet in codes:  # the resizing one and the script-free one
        assert 'src="map.html?a=1&amp;b=&quot;x&quot;"' in snippet
        assert "<img" not in snippet and "<b>" not in snippet
    assert 'src="e.js?&quot;&lt;b&gt;"' in codes.resizing
    inline = iframe_snippet("map.html").resizing  # the loader itself, inline
    assert "mapkit-embed-height" in inline and "xPYMx" in inline and "embed-size" in inline
    assert "<script" not in codes.fixed and "data-mapkit-embed" not in codes.fixed


# --- static maps -----------------------------------------------------------------------------


def test_svg_is_byte_identical_for_identical_inputs(snapshots):
    options = {"title": HOSTILE_TITLE, "credit": "Desk -- <team>", "generated_at": GENERATED}
    first = render_export("svg", snapshots, **options)
    second = render_export("svg", snapshots, **options)
    assert first == second
    root = ET.fromstring(first)  # well-formed XML despite the hostile title
    assert root.tag.endswith("svg")
    assert b"<img src=x" not in first and b"<b>" not in first


def test_svg_is_byte_identical_across_runs_with_source_date_epoch(snapshots, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767322800")
    first = render_export("svg", snapshots)
    second = render_export("svg", snapshots)
    assert first == second and b"generated 2026-01-02" in first


def test_svg_from_two_cli_runs_is_byte_identical(tmp_path):
    # Without a fixed time stamp the SVG still carries only the day it was made.
    outs = [tmp_path / "a.svg", tmp_path / "b.svg"]
    for out in outs:
        result = CliRunner().invoke(cli, ["export", "--format", "svg", "--out", str(out)])
        assert result.exit_code == 0, result.output
        time.sleep(1.1)
    assert outs[0].read_bytes() == outs[1].read_bytes()


def _interior_pixels(drawn, code: str, height: int, inset_m: float = 6000) -> list[tuple]:
    """Pixel positions of a grid of points well inside region ``code`` of a drawn map."""
    frame = load_boundaries().to_crs(UKRAINE_CONFORMAL)
    geometry = frame.loc[frame["code"] == code, "geometry"].iloc[0].buffer(-inset_m)
    minx, miny, maxx, maxy = geometry.bounds
    xs, ys = np.meshgrid(np.linspace(minx, maxx, 30), np.linspace(miny, maxy, 30))
    points = shapely.points(xs.ravel(), ys.ravel())
    inside = shapely.contains(geometry, points)
    coords = np.column_stack([xs.ravel()[inside], ys.ravel()[inside]])
    display = drawn.axes.transData.transform(coords)
    return [(int(x), int(height - y)) for x, y in display]


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def test_png_paints_region_interiors_with_the_scales_colour(snapshots):
    png = render_export("png", snapshots, generated_at=GENERATED)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == 2400
    timeline = build_timeline(snapshots, latest_only=True)
    drawn = draw_map(timeline, 0, Provenance.of(timeline, GENERATED), title="t", subtitle=None,
                     credit=None)
    assert drawn.figure.dpi == PRINT_DPI
    expected = {"UA-14": percent_colour(60), "UA-09": percent_colour(100),
                # UA-23's figure is another source's: it stands beside the map, never colours it
                "UA-23": NO_DATA_COLOUR, "UA-46": NO_DATA_COLOUR}
    for code, colour in expected.items():
        seen = [_hex(image.getpixel(p)) for p in _interior_pixels(drawn, code, image.height)]
        share = seen.count(colour) / len(seen)
        assert share > 0.7, f"{code}: only {share:.0%} of interior pixels are {colour}"
    kherson = {_hex(image.getpixel(p)) for p in _interior_pixels(drawn, "UA-65", image.height)}
    assert {PARTIAL_COLOUR, PARTIAL_HATCH_COLOUR} <= kherson  # the hatch, not a flat fill


def test_png_carries_provenance_in_its_metadata(snapshots):
    image = Image.open(io.BytesIO(render_export("png", snapshots, generated_at=GENERATED)))
    assert image.text["Software"] == f"mapkit {__version__}"
    assert image.text["Creation Time"] == "2026-01-02T03:04:05Z"
    assert "Test Desk" in image.text["Description"]


def test_gif_has_one_frame_per_date_and_one_per_gap(snapshots):
    calls = []
    gif = render_export("gif", snapshots, progress=lambda done, total: calls.append(done))
    image = Image.open(io.BytesIO(gif))
    assert image.n_frames == 3 and calls == [1, 2, 3]
    assert b"mapkit " + __version__.encode() in gif


def test_gif_frames_have_the_pixels_of_a_full_draw(snapshots):
    """Frames paint only what changes over a drawn background: every pixel must still be
    what drawing the whole figure for that date gives (borders over regions, legend, date)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from mapkit.publish.static import gif_figure, gif_frames

    timeline = build_timeline(snapshots)
    provenance = Provenance.of(timeline, GENERATED)
    options = {"title": "T", "subtitle": None, "credit": None, "lang": "en"}
    frames = [frame.copy() for frame in
              gif_frames(gif_figure(timeline, provenance, **options), timeline, "en")]
    assert len(frames) == len(timeline.dates) >= 2
    full = gif_figure(timeline, provenance, **options)
    canvas = FigureCanvasAgg(full.figure)
    for index, frame in enumerate(frames):
        full.show(timeline, index, "en")
        canvas.draw()
        expected = np.asarray(canvas.buffer_rgba())
        assert np.array_equal(frame, expected), timeline.dates[index]
    assert not np.array_equal(np.asarray(frames[0]), np.asarray(frames[-1]))  # it changed


# --- writing files ----------------------------------------------------------------------------


def test_failed_export_leaves_an_existing_file_untouched(snapshots, tmp_path):
    out = tmp_path / "map.html"
    out.write_text("the story's current map", encoding="utf-8")
    with pytest.raises(ExportInputError):
        write_export("embed", snapshots, out, date="1999-01-01")
    assert out.read_text(encoding="utf-8") == "the story's current map"
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]  # no temporary file left


def test_export_replaces_the_file_in_one_step(snapshots, tmp_path):
    out = tmp_path / "map.csv"
    out.write_text("old", encoding="utf-8")
    write_export("csv", snapshots, out)
    assert out.read_text(encoding="utf-8").startswith("map_date,region,")
    assert [p.name for p in tmp_path.iterdir()] == ["map.csv"]


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture()
def snapshot_folder(tmp_path) -> Path:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    write_csv(folder / "desk.csv", [
        ("2024-01-01", "UA-14", 40, "Test Desk", "reported", "", "", ""),
        ("2025-03-17", "UA-14", 60, "Test Desk", "reported", "", "", ""),
    ])
    return folder


def test_cli_writes_an_embed_and_prints_the_iframe_snippet(snapshot_folder, tmp_path):
    out = tmp_path / "embed.html"
    result = CliRunner().invoke(cli, ["export", "--format", "embed", "--snapshots",
                                      str(snapshot_folder), "--title", ATTR_ATTACK,
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "<iframe src=\"embed.html\"" in result.output
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_cli_writes_the_embeds_data_beside_it_and_both_ways_to_paste_it(snapshot_folder,
                                                                       tmp_path):
    out = tmp_path / "story-map.html"
    result = CliRunner().invoke(cli, ["export", "--format", "embed", "--snapshots",
                                      str(snapshot_folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = tmp_path / "story-map.csv"  # the "Get the data" link's, by its relative name
    assert list(csv.DictReader(io.StringIO(data.read_text("utf-8"))))[-27]["map_date"] == (
        "2025-03-17")
    page = out.read_text(encoding="utf-8")
    assert 'href="story-map.csv"' in page
    assert f"wrote {data}" in result.output
    snippets = [line for line in result.output.splitlines() if line.startswith("<iframe")]
    resizing, fixed = snippets
    assert "data-mapkit-embed" in resizing and "xPYMx" in resizing and "<script" not in fixed
    assert "height:750px" in fixed and "1200 px wide:" in result.output
    out2 = tmp_path / "elsewhere.html"
    result = CliRunner().invoke(cli, ["export", "--format", "embed", "--snapshots",
                                      str(snapshot_folder), "--data-url", "data/figures.csv",
                                      "--out", str(out2)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "elsewhere.csv").exists()
    assert 'href="data/figures.csv"' in out2.read_text(encoding="utf-8")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "java\tscript:alert(1)",
                                 "data:text/csv,a", " ", "file:///etc/passwd"])
def test_an_embeds_data_url_is_a_files_address(snapshot_folder, tmp_path, url):
    out = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["export", "--format", "embed", "--snapshots",
                                      str(snapshot_folder), "--data-url", url, "--out", str(out)])
    assert result.exit_code == 2 and "data URL" in result.output
    assert "nothing was written" in result.output and not out.exists()


def test_cli_html_says_when_its_basemap_needs_the_internet(snapshot_folder, tmp_path):
    for flag, tiles in (("--tiles", True), ("--no-tiles", False)):
        out = tmp_path / f"map{flag}.html"
        result = CliRunner().invoke(cli, ["export", "--format", "html", "--snapshots",
                                          str(snapshot_folder), flag, "--out", str(out)])
        assert result.exit_code == 0, result.output
        page = out.read_text(encoding="utf-8")
        assert ("tile.openstreetmap.org" in page) is tiles
        assert ("OpenStreetMap tiles, loaded from the internet" in page) is tiles
        assert "cdn.jsdelivr" not in page and "Leaflet 1.9.3" in page  # Leaflet inside
        assert not re.search(r"""<(script|link)[^>]+(src|href)=["']?https?:""", page)
    result = CliRunner().invoke(cli, ["export", "--format", "png", "--snapshots",
                                      str(snapshot_folder), "--no-tiles", "--out",
                                      str(tmp_path / "map.png")])
    assert result.exit_code == 2 and "no basemap" in result.output


def test_cli_rejects_a_date_together_with_a_range(snapshot_folder, tmp_path):
    out = tmp_path / "map.png"
    result = CliRunner().invoke(cli, ["export", "--format", "png", "--snapshots",
                                      str(snapshot_folder), "--date", "2025-03-17", "--from",
                                      "2024-01-01", "--out", str(out)])
    assert result.exit_code == 2
    assert "either a date, or a from/to range" in result.output
    assert not out.exists()


def test_cli_reports_invalid_snapshots_by_file_and_line(tmp_path):
    (tmp_path / "bad.csv").write_text("date,region,percent,source,method\n"
                                      "2024-01-01,Atlantis,50,X,reported\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "--snapshots",
                                      str(tmp_path / "bad.csv"), "--out",
                                      str(tmp_path / "out.csv")])
    assert result.exit_code == 1
    assert "bad.csv:2:" in result.output
    assert not (tmp_path / "out.csv").exists()


def test_cli_png_on_a_date_draws_that_dates_figures(snapshot_folder, tmp_path):
    out = tmp_path / "map.png"
    result = CliRunner().invoke(cli, ["export", "--format", "png", "--snapshots",
                                      str(snapshot_folder), "--date", "2025-03-17",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert Image.open(out).width == 2400


def test_cli_offers_the_registered_formats_and_languages():
    export = cli.commands["export"]
    choices = {param.name: list(param.type.choices) for param in export.params
               if hasattr(param.type, "choices")}
    assert choices == {"fmt": list(FORMATS), "lang": list(LANGUAGES),
                       "level": ["oblast", "raion", "hromada"]}
    assert list(FORMATS) == ["html", "embed", "png", "svg", "gif", "csv", "chart-png", "chart-svg"]
    assert [f.name for f in FORMATS.values() if f.one_date] == ["png", "svg"]
    help_text = CliRunner().invoke(cli, ["export", "--help"]).output
    assert "png/svg: print map of one date" in " ".join(help_text.split())


def test_the_command_line_starts_without_pandas_or_the_renderers():
    # The registry is read to build --format; the renderers load only when a format is drawn.
    code = ("import sys, mapkit.cli, mapkit.publish; mapkit.publish.FORMATS; "
            "print(sorted({'pandas', 'matplotlib', 'folium'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_right_to_left_text_is_drawn_in_reading_order_on_static_maps():
    pytest.importorskip("bidi", reason="python-bidi reorders right-to-left text for matplotlib")
    from mapkit.publish.static import visual

    assert visual("Desk שלום\nKyiv") == "Desk םולש\nKyiv"  # glyphs laid left to right
    assert visual("Київ $5 \"q\"") == "Київ $5 \"q\""
