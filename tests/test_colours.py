"""Every raster output paints each class exactly in its palette colour (mapkit.scale): the PNG,
the GIF from the command line and the GIF from the app's export panel, which are the same bytes.

The legend swatches and the regions' interiors are read back from the files and compared with
``percent_colour``; where they are found is asked of the same drawing code the files come from.

Colours follow the numbers shown (issue 17: Luhansk at 98.96 % said "99.0 %" and was coloured
"75–99 %"): at every class boundary, the figure as written beside a region lies in the range of
the legend label whose colour the region has — in the scale, the payload of the viewer and the
embed, the print map and the GIF here, in a real browser in tests/test_colours_browser.py.
"""

from __future__ import annotations

import io
import re
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
from mapkit.figures import Cell, build_timeline
from mapkit.i18n import number_text
from mapkit.publish import render_export
from mapkit.publish.payload import value_text
from mapkit.publish.provenance import Provenance
from mapkit.publish.static import draw_map, gif_figure
from mapkit.regions import REGIONS as ALL_REGIONS
from mapkit.scale import (
    change_colour,
    change_legend_items,
    legend_items,
    percent_colour,
    shown_figure,
)
from mapkit.snapshots import load_snapshots
from mapkit.viewer.map_data import change_map_data, percent_map_data

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


# --- Colours follow the numbers shown --------------------------------------------------------

#: A figure on each side of every class boundary of the percent scale, as a source may give it
#: (two decimals): one per region, Luhansk's first (98.96, issue 17).
BOUNDARY_PERCENTS = (98.96, 0, 0.04, 0.05, 0.94, 0.95, 0.96, 1, 9.94, 9.95, 9.96, 24.94, 24.95,
                     24.96, 49.94, 49.95, 49.96, 74.94, 74.95, 74.96, 98.94, 98.95, 99, 99.94,
                     99.95, 99.96, 100)
#: A change on each side of every class boundary of the change scale (from 50 % everywhere).
BOUNDARY_CHANGES = (0, 0.04, -0.04, 0.05, -0.05, 0.06, -0.06, 0.1, -0.1, 1.94, -1.94, 1.95, -1.95,
                    1.96, -1.96, 2, -2, 9.94, -9.94, 9.95, -9.95, 9.96, -9.96, 10, -10, 49.94,
                    -50)
#: 50 % everywhere, then 50 % + each change, then each boundary figure (the newest date).
BOUNDARY_DATES = ("2024-01-01", "2024-02-01", "2024-03-01")


#: Which region has which boundary figure and change: Luhansk first.
BOUNDARY_REGIONS = ("UA-09", *(r.code for r in ALL_REGIONS if r.code != "UA-09"))
#: Kyiv and Sevastopol: cities too small on a map of the country for pixels clear of labels.
CITIES = ("UA-30", "UA-40")


def boundary_rows() -> list[tuple]:
    """The three dates of :data:`BOUNDARY_DATES` for the 27 regions, one source."""
    rows = []
    for index, code in enumerate(BOUNDARY_REGIONS):
        figures = (50, round(50 + BOUNDARY_CHANGES[index], 2), BOUNDARY_PERCENTS[index])
        for day, figure in zip(BOUNDARY_DATES, figures):
            rows.append((day, code, f"{figure:g}", "Desk", "computed",
                         "https://example.org", "", ""))
    return rows


def written_figure(text: str) -> float:
    """The number in a figure as written ("99.0 %", "99,0 %", "-0.1 pp", "−0.1 pp")."""
    found = re.search(r"[-−+]?\d+(?:[.,]\d+)?", text)
    assert found, f"no figure in {text!r}"
    return float(found.group().replace(",", ".").replace("−", "-"))


def _label_holds(label: str, value: float) -> bool | None:
    """Whether the range a legend label names holds ``value`` (None: a label without a range,
    such as "no data"). Percent labels: "< 1 %", "1–10 %" (1 included, 10 not), "≥ 99 %". Change
    labels run away from zero: "+0.1 to +2 pp" holds 0.1 but not 2, "−2 to −0.1 pp" holds −0.1
    but not −2, "≤ −10 pp" and "≥ +10 pp" their bound, "no change" only 0."""
    text = label.replace("−", "-")
    if text.strip() in ("no change", "без змін"):
        return value == 0
    numbers = [float(n) for n in re.findall(r"[-+]?\d+(?:[.,]\d+)?", text.replace(",", "."))]
    if not numbers:
        return None
    if text.startswith("<"):
        return value < numbers[0]
    if text.startswith("≤"):
        return value <= numbers[0]
    if text.startswith("≥"):
        return value >= numbers[0]
    low, high = sorted(numbers, key=abs)
    if "–" in text and low >= 0:  # a percent class
        return low <= value < high
    return (value < 0) == (high < 0) and abs(low) <= abs(value) < abs(high)


def legend_colour_of(written: str, legend: list[tuple[str, str]]) -> str:
    """The colour of the one legend class whose label holds the figure ``written``."""
    value = written_figure(written)
    holding = [colour for label, colour in legend if _label_holds(label, value)]
    assert len(holding) == 1, f"{written!r} is in {len(holding)} legend classes"
    return holding[0]


def test_the_legend_labels_read_as_the_constants_say():
    """The test's reading of the labels is the scale's own at the middle of each class (so the
    checks below compare a colour with the label a reader reads, not with a copy of the code)."""
    for index, (label, colour) in enumerate(legend_items()[:7]):
        middle = _class_value(index)
        assert legend_colour_of(f"{middle:.1f} %", legend_items()) == colour, label
        assert percent_colour(middle) == colour, label
    for label, colour in change_legend_items()[:7]:
        if label == "no change":
            middle = 0.0
        else:  # "+0.1 to +2 pp": 1.05; "≥ +10 pp": 20
            numbers = [written_figure(part) for part in label.split(" to ")]
            middle = sum(numbers) / 2 if len(numbers) == 2 else 2 * numbers[0]
        assert legend_colour_of(f"{middle:.1f}", change_legend_items()) == colour, label
        assert change_colour(middle) == colour, label


@pytest.mark.parametrize("percent", BOUNDARY_PERCENTS)
@pytest.mark.parametrize("lang", ["en", "uk"])
def test_a_figure_is_coloured_as_the_legend_class_of_its_written_figure(percent, lang):
    written = value_text(Cell(percent=percent, source="Desk"), lang)  # print maps, tables
    assert written == number_text(percent, lang) + " %"
    assert percent_colour(percent) == legend_colour_of(written, legend_items(lang))


def test_luhansk_at_98_96_is_99_0_and_coloured_99_or_more():
    assert value_text(Cell(percent=98.96, source="Desk"), "en") == "99.0 %"
    assert dict(legend_items())["≥ 99 %"] == percent_colour(98.96) != dict(legend_items())[
        "75–99 %"]


def test_every_written_figure_from_0_to_100_is_coloured_by_its_legend_class():
    for hundredths in range(0, 10_001):
        percent = hundredths / 100
        assert percent_colour(percent) == legend_colour_of(number_text(percent), legend_items()), \
            percent


@pytest.mark.parametrize("points", BOUNDARY_CHANGES)
def test_a_change_is_coloured_as_the_legend_class_of_its_written_change(points):
    written = number_text(shown_figure(points))
    assert change_colour(points) == legend_colour_of(written, change_legend_items()), written


@pytest.fixture(scope="module")
def boundary_snapshots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boundaries")
    write_csv(folder / "desk.csv", boundary_rows())
    return load_snapshots([folder])


def test_the_payload_of_the_viewer_and_the_embed_colours_each_figure_by_its_class(
        boundary_snapshots):
    """The browser writes a payload figure with toFixed(1) and paints palette[c]: both come
    from here, so the figure and the colour must agree in the payload itself."""
    data = percent_map_data(boundary_snapshots, None)
    frame = data["frames"][-1]
    given = dict(zip(BOUNDARY_REGIONS, BOUNDARY_PERCENTS))
    for index, figure in enumerate(frame["p"]):
        colour = data["palette"][int(frame["c"][index], 36)]
        assert figure == shown_figure(given[data["regions"][index]["code"]])
        assert colour == legend_colour_of(f"{figure:.1f} %", legend_items()), figure
    change = change_map_data(boundary_snapshots, None, *BOUNDARY_DATES[:2])
    frame = change["frames"][0]
    for index, figure in enumerate(frame["p"]):
        colour = change["palette"][int(frame["c"][index], 36)]
        assert colour == legend_colour_of(f"{figure:.1f}", change_legend_items()), figure


def _mostly(image: Image.Image, points, colour: str) -> bool:
    """Nearly every pixel inside the region is ``colour`` (a city drawn over its oblast, as
    Kyiv over Kyiv oblast, may take a few)."""
    seen = [image.getpixel(p) for p in points]
    return seen.count(_rgb(colour)) >= 0.95 * len(seen)


def test_the_print_map_colours_each_region_as_the_class_of_the_figure_written_on_it(
        boundary_snapshots):
    """The print map writes each region's figure on it: its pixels are the colour of the legend
    class that figure is in (the GIF's frames are drawn by the same code, checked below)."""
    png = render_export("png", boundary_snapshots)
    timeline = build_timeline(boundary_snapshots, latest_only=True)
    drawn = draw_map(timeline, 0, Provenance.of(timeline), title="t", subtitle=None,
                     credit=None)
    codes = [region.code for region in ALL_REGIONS if region.code not in CITIES]
    legend = legend_items()
    checked = {}
    for code in codes:
        label = drawn.labels.get(code)
        if label is None or "%" not in label.get_text():
            continue  # a region too small for a label
        checked[code] = legend_colour_of(label.get_text().splitlines()[-1], legend)
    assert "UA-09" in checked and checked["UA-09"] == dict(legend)["≥ 99 %"]  # Luhansk: 98.96
    assert len(checked) >= 20
    image = Image.open(io.BytesIO(png)).convert("RGB")
    interiors = _interiors(drawn, list(checked))
    for code, colour in checked.items():
        assert _mostly(image, interiors[code], colour), f"{code}: not {colour}"


def test_the_gif_colours_each_region_as_the_class_of_its_written_figure(boundary_snapshots,
                                                                        tmp_path):
    out = tmp_path / "map.gif"
    folder = tmp_path / "snapshots"
    folder.mkdir()
    write_csv(folder / "desk.csv", boundary_rows())
    result = CliRunner().invoke(cli, ["export", "--format", "gif", "--snapshots", str(folder),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    timeline = build_timeline(boundary_snapshots)
    drawn = gif_figure(timeline, Provenance.of(timeline), title="t", subtitle=None, credit=None)
    codes = [region.code for region in ALL_REGIONS if region.code not in CITIES]
    interiors = _interiors(drawn, codes, inset_m=4000)
    gif = Image.open(out)
    gif.seek(gif.n_frames - 1)  # the boundary figures' date
    image = gif.convert("RGB")
    for index, region in enumerate(ALL_REGIONS):
        if region.code not in interiors:
            continue
        written = value_text(timeline.frame(len(timeline.dates) - 1)[index], "en")
        colour = legend_colour_of(written, legend_items())
        assert _mostly(image, interiors[region.code], colour), f"{region.code} {written}"
