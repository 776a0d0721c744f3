"""Every raster output paints each class exactly in its palette colour (mapkit.scale): the PNG,
the GIF from the command line and the GIF from the app's export panel, which are the same bytes.

The legend swatches and the regions' interiors are read back from the files and compared with
``percent_colour``; where they are found is asked of the same drawing code the files come from.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image
from test_export_fixtures import write_csv

from mapkit.boundaries import load_boundaries
from mapkit.cli import cli
from mapkit.constants import (
    NO_DATA_COLOUR,
    PARTIAL_COLOUR,
    PERCENT_BREAKS,
    PERCENT_COLOURS,
    UKRAINE_CONFORMAL,
)
from mapkit.figures import build_timeline
from mapkit.publish import render_export
from mapkit.publish.provenance import Provenance
from mapkit.publish.static import draw_map, gif_figure
from mapkit.scale import legend_items, percent_colour
from mapkit.snapshots import load_snapshots

APP = str(Path(__file__).resolve().parent.parent / "app.py")
EPOCH = "1767322800"  # 2026-01-02: one stamp for both GIFs, so their bytes can be compared


def _class_value(index: int) -> float:
    """A figure in the middle of class ``index`` of the scale."""
    return round((PERCENT_BREAKS[index] + PERCENT_BREAKS[index + 1]) / 2, 1)


#: One region per class of the scale on the first date, and every region moved on the second.
REGIONS = ("UA-14", "UA-09", "UA-65", "UA-23", "UA-63", "UA-59", "UA-12")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("colours")
    rows = []
    for day, shift in (("2024-01-01", 0), ("2024-02-01", 3)):
        for k, code in enumerate(REGIONS):
            rows.append((day, code, _class_value((k + shift) % 7), "Desk", "computed",
                         "https://example.org", "", ""))
        rows.append((day, "UA-32", "partial", "Desk", "computed", "https://example.org", "", ""))
    write_csv(folder / "desk.csv", rows)
    return folder


@pytest.fixture(scope="module")
def snapshots(folder):
    return load_snapshots([folder])


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _swatch_centres(drawn) -> dict[str, tuple[int, int]]:
    """Pixel centre of each legend swatch, by the colour the legend says it has."""
    canvas = FigureCanvasAgg(drawn.figure)
    canvas.draw()
    height = canvas.get_width_height()[1]
    legend = drawn.axes.get_legend()
    centres = {}
    for handle, (_, colour) in zip(legend.legend_handles, legend_items()):
        box = handle.get_window_extent(canvas.get_renderer())
        centres[colour] = (int(round((box.x0 + box.x1) / 2)),
                           int(round(height - (box.y0 + box.y1) / 2)))
    return centres


def _interiors(drawn, codes, inset_m: float = 8000) -> dict[str, list[tuple[int, int]]]:
    """Pixels well inside each region of a drawn map, away from its labels and leader lines
    (the print map writes each region's name and figure on it)."""
    canvas = FigureCanvasAgg(drawn.figure)
    canvas.draw()
    height = canvas.get_width_height()[1]
    renderer = canvas.get_renderer()
    covered = []
    for text in drawn.axes.texts:
        covered.append(text.get_window_extent(renderer).padded(4))
        if getattr(text, "arrow_patch", None) is not None:
            covered.append(text.arrow_patch.get_window_extent(renderer).padded(4))
    frame = load_boundaries().to_crs(UKRAINE_CONFORMAL).set_index("code")
    found = {}
    for code in codes:
        geometry = frame.loc[code, "geometry"].buffer(-inset_m)
        minx, miny, maxx, maxy = geometry.bounds
        xs, ys = np.meshgrid(np.linspace(minx, maxx, 25), np.linspace(miny, maxy, 25))
        inside = shapely.contains_xy(geometry, xs.ravel(), ys.ravel())
        points = np.column_stack([xs.ravel()[inside], ys.ravel()[inside]])
        display = drawn.axes.transData.transform(points)
        found[code] = [(int(x), int(height - y)) for x, y in display
                       if not any(box.contains(x, y) for box in covered)]
        assert len(found[code]) >= 10, f"{code}: too few interior pixels clear of labels"
    return found


def _check_frame(image: Image.Image, swatches, interiors, cells) -> None:
    rgb = image.convert("RGB")
    for colour, point in swatches.items():
        if colour == PARTIAL_COLOUR:
            continue  # a hatch: its base and stripes, checked on the map below
        assert rgb.getpixel(point) == _rgb(colour), f"legend swatch of {colour}"
    for code, cell in cells.items():
        seen = [rgb.getpixel(p) for p in interiors[code]]
        if cell.partial:
            assert _rgb(PARTIAL_COLOUR) in seen, f"{code}: no partial base colour"
            continue
        expected = _rgb(percent_colour(cell.percent))
        share = seen.count(expected) / len(seen)
        # exactly the scale's colour: no pixel inside is a near miss (no dithering, no drift)
        assert share == 1.0, f"{code}: {share:.0%} of interior pixels are {expected}"


def test_every_class_of_the_scale_is_on_the_test_map(snapshots):
    timeline = build_timeline(snapshots)
    shown = {cell.colour for frame in timeline.cells for cell in frame}
    assert set(PERCENT_COLOURS) | {PARTIAL_COLOUR, NO_DATA_COLOUR} <= shown


def test_png_paints_swatches_and_regions_in_the_scales_exact_colours(snapshots):
    png = render_export("png", snapshots)
    timeline = build_timeline(snapshots, latest_only=True)
    drawn = draw_map(timeline, 0, Provenance.of(timeline), title="t", subtitle=None,
                     credit=None)
    cells = dict(zip((r.code for r in timeline.regions), timeline.frame(0)))
    image = Image.open(io.BytesIO(png))
    assert image.size == FigureCanvasAgg(drawn.figure).get_width_height()
    codes = [*REGIONS, "UA-32", "UA-46"]
    _check_frame(image, _swatch_centres(drawn), _interiors(drawn, codes),
                 {code: cells[code] for code in codes})


@pytest.fixture(scope="module")
def cli_gif(folder, tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("gif") / "map.gif"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = CliRunner().invoke(cli, ["export", "--format", "gif", "--snapshots",
                                          str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_cli_gif_paints_every_frame_in_the_scales_exact_colours(snapshots, cli_gif):
    # Desk has no series file: its figures stand on their own dates, and the GIF says "no
    # map" for the month between them (a frame of its own, every region in no data's grey)
    timeline = build_timeline(snapshots, gaps=True)
    drawn = gif_figure(timeline, Provenance.of(timeline), title="t", subtitle=None, credit=None)
    swatches = _swatch_centres(drawn)
    codes = [*REGIONS, "UA-32", "UA-46"]
    interiors = _interiors(drawn, codes)
    gif = Image.open(io.BytesIO(cli_gif))
    assert gif.n_frames == len(timeline.dates) == 3
    for index in range(gif.n_frames):
        gif.seek(index)
        cells = dict(zip((r.code for r in timeline.regions), timeline.frame(index)))
        _check_frame(gif, swatches, interiors, {code: cells[code] for code in codes})


def test_the_apps_gif_is_the_command_lines_gif(folder, cli_gif, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(folder)])
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.session_state["map"] = {"event": "ready", "selected": None, "n": 1}
    app.session_state["export_open"] = True  # the reader opens the export panel
    app.run()
    app.selectbox(key="export_format").set_value("gif").run()
    app.radio(key="export_scope:en").set_value("all").run()
    app.button(key="export_make").click().run()
    assert not app.exception and not app.error
    assert app.session_state["export_file"][1] == cli_gif
