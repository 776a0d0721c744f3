"""The national figure in the exports: the headline on print maps and in the embed, the monthly
change chart (chart-png, chart-svg) read back, and the km² columns of the CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit_server import CHROMIUM
from test_changes import HEADER, kyiv_city_row, ua_row
from test_export_fixtures import MONTHLY_SERIES_FILE

from mapkit.publish import ExportInputError, render_export, write_export
from mapkit.publish.change_chart import GAIN_COLOUR, LOSS_COLOUR
from mapkit.snapshots import load_snapshots

HOSTILE = "{{ 7*7 }} $x$ <b>"


@pytest.fixture()
def snapshots(tmp_path):
    """A computed series with the row UA on each month's 1st: +300, +100, +500, −50 km², whose
    series file says a figure stands a month; a reported source without it."""
    folder = tmp_path / "snaps"
    folder.mkdir()
    rows = [ua_row("2025-01-01", 100_000.0), ua_row("2025-02-01", 100_300.0),
            ua_row("2025-03-01", 100_400.0), ua_row("2025-04-01", 100_900.0),
            ua_row("2025-05-01", 100_850.0), kyiv_city_row("2025-01-01", 0.0),
            kyiv_city_row("2025-05-01", 83.38)]
    (folder / "desk.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    (folder / "series.toml").write_text(MONTHLY_SERIES_FILE.replace("{name}", "Map desk"),
                                        encoding="utf-8")
    (folder / "paper.csv").write_text(
        HEADER + "2025-03-01,UA-14,60,Paper,reported,,,,\n", encoding="utf-8")
    return load_snapshots([folder])


def _pixels(png: bytes, colour: str) -> np.ndarray:
    """(x, y) of the pixels painted exactly ``colour``."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    target = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    ys, xs = np.nonzero((rgb == target).all(axis=2))
    return np.column_stack([xs, ys])


def test_chart_png_draws_a_bar_per_month_gains_up_losses_down(snapshots, drawn_texts):
    png = render_export("chart-png", snapshots, source="Map desk", credit=HOSTILE,
                        subtitle=HOSTILE)
    gains, losses = _pixels(png, GAIN_COLOUR), _pixels(png, LOSS_COLOUR)
    # the legend's swatches stand in a row above the axis, the gains' first, at the left edge
    width = Image.open(io.BytesIO(png)).width
    swatch_rows = gains[gains[:, 0] < 0.07 * width][:, 1]
    assert len(swatch_rows) and len(losses[np.isin(losses[:, 1], swatch_rows)])
    gains = gains[gains[:, 1] > swatch_rows.max() + 2]
    losses = losses[losses[:, 1] > swatch_rows.max() + 2]
    assert len(gains) > 1000 and len(losses) > 100
    # three gain bars side by side (Jan, Feb, Mar), then the loss (Apr) to their right
    columns = np.unique(gains[:, 0])
    runs = 1 + np.count_nonzero(np.diff(columns) > 1)
    assert runs == 3
    assert losses[:, 0].min() > gains[:, 0].max()
    # the loss hangs below the zero line, where the gains stand above it
    assert losses[:, 1].min() > gains[:, 1].max() - 2
    # the tallest bar (+500, March) is five times the shortest gain (+100, February)
    heights = [len(np.unique(gains[(gains[:, 0] >= lo) & (gains[:, 0] <= hi), 1]))
               for lo, hi in _runs(columns)]
    assert heights[2] / heights[1] == pytest.approx(5, rel=0.05)
    assert heights[0] / heights[1] == pytest.approx(3, rel=0.05)
    joined = "\n".join(drawn_texts)
    assert "Net change in territory under Russian military control, per month" in drawn_texts
    assert HOSTILE in drawn_texts and f"Chart: {HOSTILE}" in joined
    assert "Source: Map desk (computed from mapped areas of control)" in joined
    assert Image.open(io.BytesIO(png)).text["Software"].startswith("mapkit")


def _runs(columns: np.ndarray) -> list[tuple[int, int]]:
    breaks = np.flatnonzero(np.diff(columns) > 1)
    starts = np.r_[columns[0], columns[breaks + 1]]
    ends = np.r_[columns[breaks], columns[-1]]
    return list(zip(starts, ends))


def test_chart_svg_is_the_same_bytes_twice_and_ukrainian(snapshots, drawn_texts):
    first = render_export("chart-svg", snapshots, source="Map desk", lang="uk")
    second = render_export("chart-svg", snapshots, source="Map desk", lang="uk")
    assert first == second and b'id="mapkit-bars"' in first
    assert "Чиста зміна території під військовим контролем Росії, за місяць" in drawn_texts


def test_chart_of_a_series_without_a_national_figure_says_so_and_keeps_the_file(snapshots,
                                                                              tmp_path):
    out = tmp_path / "chart.png"
    out.write_bytes(b"earlier chart")
    with pytest.raises(ExportInputError, match="no national km²"):
        write_export("chart-png", snapshots, out, source="Paper")
    assert out.read_bytes() == b"earlier chart"


def test_print_maps_carry_the_headline_of_their_date(snapshots, drawn_texts):
    render_export("png", snapshots, source="Map desk", date="2025-04-01")
    assert ("Russia controls 16.7 % of Ukraine (100,900 km²) · +500 km² in the 30 days to "
            "1 April 2025" in drawn_texts)
    drawn_texts.clear()
    render_export("svg", snapshots, source="Map desk", date="2025-04-01", lang="uk")
    assert any(text.startswith("Росія контролює 16,7 % території України (100\u202f900 км²)")
               for text in drawn_texts)
    drawn_texts.clear()
    render_export("png", snapshots, source="Paper")
    assert not any("Russia controls" in text for text in drawn_texts)


def test_gif_frames_carry_each_dates_headline(snapshots, drawn_texts):
    render_export("gif", snapshots, source="Map desk")
    assert any("(100,300 km²)" in text for text in drawn_texts)
    assert any("(100,900 km²)" in text for text in drawn_texts)


def test_csv_export_gains_km2_and_the_country_row(snapshots):
    content = render_export("csv", snapshots, source="Map desk", date="2025-05-01")
    rows = {r["region"]: r for r in csv.DictReader(io.StringIO(content.decode()))}
    assert rows["UA"]["area_km2"] == "100850.0" and rows["UA"]["region_name_en"] == "Ukraine"
    assert rows["UA-30"]["area_km2"] == "83.4" and rows["UA-30"]["percent"] == "10"
    assert rows["UA-14"]["area_km2"] == "" and rows["UA-14"]["status"] == "no data"


# --- the embed in a real browser ----------------------------------------------------------------

playwright = pytest.importorskip("playwright.sync_api")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="needs Debian's chromium package")


@needs_chromium
@pytest.mark.browser
def test_embed_headline_follows_the_slider(snapshots, tmp_path, browser):
    out = write_export("embed", snapshots, tmp_path / "embed.html", source="Map desk")
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(out.as_uri())
    assert page.text_content("#mk-headline") == (
        "Russia controls 16.7 % of Ukraine (100,900 km²) · −50 km² in the 30 days to 1 May 2025")
    page.focus("#mk-slider")
    page.keyboard.press("Home")
    assert page.text_content("#mk-date") == "2025-01-01"
    assert page.text_content("#mk-headline") == "Russia controls 16.6 % of Ukraine (100,000 km²)"
    page.keyboard.press("ArrowRight")
    assert re.search(r"\(100,300 km²\) · \+300 km² in the 30 days to 1 February 2025$",
                     page.text_content("#mk-headline"))
    assert page.is_visible("#mk-headline") and errors == []
    context.close()


@needs_chromium
@pytest.mark.browser
def test_embed_of_a_series_without_a_national_figure_says_nothing(snapshots, tmp_path, browser):
    out = write_export("embed", snapshots, tmp_path / "paper.html", source="Paper")
    page = browser.new_page()
    page.goto(out.as_uri())
    assert page.text_content("#mk-headline") == "" and not page.is_visible("#mk-headline")
    page.close()


def test_chart_without_a_source_draws_the_default_series_alone(snapshots, drawn_texts):
    render_export("chart-png", snapshots)
    assert "Source: Map desk (computed from mapped areas of control)" in "\n".join(drawn_texts)
    assert not any("Paper" in text for text in drawn_texts)


def test_a_long_print_headline_stays_on_the_page(snapshots, monkeypatch):
    """Between two snapshots the headline's change runs over "the 30 days to" a date in
    words; in Ukrainian it is longer still: it is set smaller rather than cut at the page's
    edge, and leaves "as of" to the map's own "Figures as of" line."""
    from mapkit.figures import build_timeline
    from mapkit.publish import static
    from mapkit.publish.provenance import Provenance

    for lang in ("en", "uk"):
        timeline = build_timeline(snapshots, source="Map desk", date="2025-04-20")
        drawn = static.draw_map(timeline, 0, Provenance.of(timeline), title="T", subtitle=None,
                                credit=None, lang=lang)
        text = drawn.headline.get_text()
        assert text and "2025-04-01" not in text.split("·")[0]
        assert "as of" not in text and "станом на" not in text
        renderer = static.FigureCanvasAgg(drawn.figure).get_renderer()
        box = drawn.headline.get_window_extent(renderer)
        assert box.x1 <= drawn.figure.bbox.width
