"""Exports at the raion and hromada levels: print maps that label only what stays legible and
draw one oblast large (``--focus``), the GIF, and OpenStreetMap's credit on every map and in
every file's metadata at those levels (and not at the oblasts', whose output is unchanged)."""

from __future__ import annotations

import io
import re

import matplotlib
import pytest
from click.testing import CliRunner
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from mapkit.cli import cli
from mapkit.constants import PERCENT_COLOURS
from mapkit.figures import build_timeline
from mapkit.headline import change_over
from mapkit.levels import get_level
from mapkit.publish import render_export
from mapkit.publish.provenance import Provenance
from mapkit.publish.static import MAX_UNIT_LABELS, draw_map, print_style
from mapkit.snapshots import load_snapshots

OSM = "© OpenStreetMap contributors"


@pytest.fixture(scope="module")
def raions():
    return load_snapshots(level="raion")


@pytest.fixture(scope="module")
def hromadas():
    return load_snapshots(level="hromada")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_print_maps_of_raions_credit_openstreetmap_on_the_map_and_in_the_file(raions):
    png = render_export("png", raions, date="2026-08-01")
    info = Image.open(io.BytesIO(png)).text
    assert info["Copyright"].startswith(f"Boundaries {OSM}, ODbL 1.0")
    assert "opendatacommons.org/licenses/odbl" in info["Copyright"]
    svg = render_export("svg", raions, date="2026-08-01").decode("utf-8")
    assert f"Boundaries: {OSM}, ODbL 1.0" in svg  # the source line under the map
    assert "<dc:rights>" in svg and OSM in svg.split("<dc:rights>")[1].split("</dc:rights>")[0]


def test_oblast_print_maps_name_no_openstreetmap():
    frame = load_snapshots()
    svg = render_export("svg", frame, date="2026-08-01").decode("utf-8")
    assert "OpenStreetMap" not in svg
    assert "Copyright" not in Image.open(io.BytesIO(render_export("png", frame))).text


def test_hromada_labels_are_few_never_overlap_and_start_where_the_front_moved(hromadas):
    timeline = build_timeline(hromadas, date="2026-08-21", gaps=True)
    with matplotlib.rc_context(print_style()):
        drawn = draw_map(timeline, 0, Provenance.of(timeline), title="t", subtitle=None,
                         credit=None)
        renderer = FigureCanvasAgg(drawn.figure).get_renderer()
        boxes = [label.get_window_extent(renderer) for label in drawn.labels.values()]
        legend = drawn.axes.get_legend().get_window_extent(renderer)
    assert 5 <= len(drawn.labels) <= MAX_UNIT_LABELS  # of 1,486
    for k, box in enumerate(boxes):
        assert not box.overlaps(legend)
        for other in boxes[k + 1:]:
            assert not box.overlaps(other)
    units = {u.code: u for u in timeline.regions}
    cells = dict(zip(units, timeline.frame(0)))
    # no wholly free unit where nothing moved: a label says where the front is
    for code in drawn.labels:
        moved = change_over(timeline, code, timeline.dates[0], 30)
        assert (cells[code].percent or 0) > 0 or (moved and moved[0] != 0)
    # the label reads the unit's short name and its figure
    code, label = next(iter(drawn.labels.items()))
    assert label.get_text().startswith(units[code].short_name("en"))
    assert re.search(r"\d+\.\d %$", label.get_text())


def test_focus_draws_one_oblasts_hromadas_large_with_the_rest_grey(hromadas):
    timeline = build_timeline(hromadas, date="2026-08-21", gaps=True)
    level = get_level("hromada")
    donetsk = {u.code for u in level.in_oblast("UA-14")}
    with matplotlib.rc_context(print_style()):
        whole = draw_map(timeline, 0, Provenance.of(timeline), title="t", subtitle=None,
                         credit=None, labels=False)
        drawn = draw_map(timeline, 0, Provenance.of(timeline), title="t", subtitle="Mine",
                         credit=None, focus="UA-14")
    assert set(drawn.patches) == donetsk  # coloured by figure: Donetsk oblast's only
    assert set(drawn.labels) <= donetsk
    width = drawn.axes.get_xlim()[1] - drawn.axes.get_xlim()[0]
    assert width < 0.5 * (whole.axes.get_xlim()[1] - whole.axes.get_xlim()[0])  # drawn large
    texts = [t.get_text() for t in drawn.figure.texts]
    assert "Hromadas of Donetsk Oblast · Mine" in texts
    legend = [t.get_text() for t in drawn.axes.get_legend().get_texts()]
    assert legend[-1] == "outside Donetsk Oblast"


def test_focus_from_the_command_line(tmp_path):
    out = tmp_path / "donetsk.png"
    result = run("export", "--format", "png", "--level", "raion", "--focus", "Donetsk",
                 "--out", out)
    assert result.exit_code == 0, result.output
    assert Image.open(out).text["Copyright"].startswith(f"Boundaries {OSM}")


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "png", "--focus", "UA-14"],
     "error: --focus draws one oblast's raions or hromadas: add --level raion or --level "
     "hromada; nothing was written."),
    (["--format", "gif", "--level", "raion", "--focus", "UA-14"],
     "error: --focus draws one oblast on a print map: use --format png or svg, not gif; "
     "nothing was written."),
    (["--format", "png", "--level", "raion", "--focus", "Narnia"], "error: --focus 'Narnia': "),
])
def test_a_focus_that_cannot_be_drawn_exits_2_and_says_why(tmp_path, args, message):
    out = tmp_path / "map.png"
    result = run("export", *args, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message)
    assert not out.exists()


def test_gif_of_hromadas_keeps_the_clip_and_the_exact_palette(hromadas):
    gif = render_export("gif", hromadas, date_from="2025-08-01", frames=12, seconds=3)
    image = Image.open(io.BytesIO(gif))
    assert 2 <= image.n_frames <= 12
    assert OSM in image.info["comment"].decode("utf-8")
    image.seek(image.n_frames - 1)
    colours = {f"#{r:02x}{g:02x}{b:02x}" for _, (r, g, b) in
               image.convert("RGB").getcolors(maxcolors=1 << 16)}
    assert PERCENT_COLOURS[-1] in colours  # Crimea's hromadas, ≥ 99 %, exactly that colour


def test_print_maps_carry_outlines_at_the_pages_scale_not_the_boundary_files(raions):
    """A country-wide print map's pixel is some 550 m; the raion file has a vertex every few
    metres. The SVG a designer opens carries outlines simplified to a quarter of a pixel: a
    fraction of the size (7.4 MB before), each outline within half a pixel of the file's, and
    still every raion."""
    svg = render_export("svg", raions, date="2026-08-01")
    assert len(svg) < 3_500_000
    assert svg.count(b"<path") >= 2 * 138  # each raion filled, and its border on top

    import shapely

    from mapkit.publish.static import (
        DRAWN_TOLERANCE_PX,
        _drawn_tolerance,
        drawn_paths,
        projected_regions,
    )

    tolerance = _drawn_tolerance(550.0)
    assert tolerance <= DRAWN_TOLERANCE_PX * 550.0
    shapes = {shape.code: shape for shape in projected_regions("full", "raion")}
    drawn = drawn_paths("full", "raion", tolerance)
    assert set(drawn) == set(shapes)
    for code, path in drawn.items():  # every point of the file's outline: under half a pixel
        rings = shapely.MultiLineString(path.to_polygons(closed_only=True))
        points = shapely.points(shapely.get_coordinates(shapes[code].geometry.boundary))
        assert shapely.distance(points, rings).max() < 2 * tolerance, code
