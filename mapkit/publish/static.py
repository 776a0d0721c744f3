"""Print maps (PNG, SVG) of one date and the GIF animation, drawn with matplotlib.

Regions are drawn in the conformal projection for Ukraine (``UKRAINE_CONFORMAL``), one patch
per region so its colour and hatch can change per frame. Labels (name and figure) sit at each
region's pole of inaccessibility and move out, with a leader line, when they would collide —
Kyiv City inside Kyiv Oblast, Sevastopol beside Crimea. Every text is drawn, and
measured for wrapping, as plain text (``parse_math=False``): a "$" in a title is a dollar sign,
not the start of a formula.

SVG output is byte-identical for identical inputs: matplotlib's random ids are salted with a
constant and its Date metadata is left out (the provenance's generated-at comes from the inputs,
see :func:`mapkit.publish.provenance.generation_time`). Its text stays text (``<text>``, not
glyph outlines), in the fonts :data:`FONTS` names and then any sans-serif, so a designer can edit
a label; it is written in the order matplotlib lays it out (:func:`mapkit.publish.bidi.visual`),
and the SVG tells its reader not to reorder it again.

**Layout.** Nothing overlaps: the title (wrapped before the date), the subtitle and the headline
stack down from the top, the source line and the provenance line up from the foot, each as
tall as its wrapped lines, and the map takes the room between them.

Where a map's figures are older than its date (a date between two of the series' dates), the
map says "Figures as of …" under the date, in words, with the reason its series gives where a
figure stands longer than its cadence; a date the series has no map for says so there instead
(:meth:`mapkit.figures.Timeline.notice`), and so does a map drawn from another series for it.
The GIF is a social clip (:func:`gif_schedule`): at most 60 frames in 12 seconds by default,
spread evenly over the dates' range by time, the last held; it carries a time axis whose marker
moves by time, and each frame its own date. Its frames are painted
with a fixed palette (:class:`ExactPalette`) that holds every colour of the scale exactly, so a
class is the same RGB in every frame and every GIF, the app's and the command line's alike.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from PIL import Image
from shapely.ops import polylabel

from mapkit.boundaries import load_boundaries, web_boundaries
from mapkit.constants import (
    NO_DATA_COLOUR,
    PARTIAL_COLOUR,
    PARTIAL_HATCH_COLOUR,
    PERCENT_COLOURS,
    UKRAINE_CONFORMAL,
)
from mapkit.figures import Cell, Timeline
from mapkit.headline import headline_text
from mapkit.i18n import t
from mapkit.levels import DEFAULT_LEVEL, get_level
from mapkit.publish.bidi import visual, without_controls
from mapkit.publish.payload import legend_entries, value_text
from mapkit.publish.provenance import Provenance, credit_line

__all__ = ["FONTS", "MapFigure", "Page", "draw_map", "print_style", "render_gif", "render_static",
           "save_print", "visual", "wrap_text"]

#: Default print width in pixels, and the resolution it is drawn at.
PNG_WIDTH_PX = 2400
PRINT_DPI = 200
#: The GIF is a clip for social media: this wide, at most this many frames, this long.
GIF_WIDTH_PX = 1080
GIF_FRAMES = 60
GIF_SECONDS = 12.0
#: The last frame is held this long (at most a fifth of the clip).
GIF_LAST_FRAME_MS = 2000
#: Browsers show a GIF frame shorter than this for a tenth of a second: no frame is shorter.
GIF_SHORTEST_FRAME_MS = 20
HATCH = "////"
BORDER_COLOUR = "#ffffff"
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"
#: The units around a --focus oblast: context, no figure.
OUTSIDE_FOCUS_COLOUR = "#e4e4e4"
LEGEND_EDGE_COLOUR = "#999999"
#: "Figures as of …" when a map's figures are older than its date, "… has no map for …".
STALE_COLOUR = "#8a1c00"
#: That notice, right-aligned under the date, wraps rather than start left of this (a fraction
#: of the page's width); the title wraps before the widest notice the figure shows.
NOTICE_LEFT = 0.5
#: Salt for matplotlib's SVG ids: a constant, so the same map gives the same bytes.
SVG_HASH_SALT = "mapkit"
#: The fonts every print file is set in, first found first: DejaVu Sans (matplotlib's own, so
#: every machine draws a PNG alike), then the fonts of the same widths a designer's machine is
#: likely to have; an SVG names them all, and then the generic sans-serif.
FONTS = ["DejaVu Sans", "Bitstream Vera Sans", "Verdana", "Arial", "Helvetica"]
#: Room between stacked texts, and the page's margins at the top and the foot (points).
GAP_PT = 7
MARGIN_PT = 12


def print_style() -> dict:
    """matplotlib settings every print file is drawn in (``matplotlib.rc_context``)."""
    return {"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "none",
            "font.family": ["sans-serif"], "font.sans-serif": FONTS}


@dataclass(frozen=True)
class RegionShape:
    code: str
    path: MplPath
    anchor: tuple[float, float]  # label position (projected metres)
    area: float  # m², to place big regions' labels first
    geometry: object = field(default=None, compare=False, repr=False)  # projected, shapely


@lru_cache(maxsize=4)
def projected_regions(detail: str = "full", level: str = DEFAULT_LEVEL,
                      ) -> tuple[RegionShape, ...]:
    """A level's units (default: the 27 regions) in ``UKRAINE_CONFORMAL`` as matplotlib paths,
    with label anchors.

    ``detail`` "full" for print, "web" (simplified) for the many frames of a GIF. The raions'
    and hromadas' "web" shapes are their prepared light copy (:func:`mapkit.web_geometry.
    web_shapes`), and their anchors a point inside each (the pole of inaccessibility of 1,486
    hromadas would take seconds, for the few labelled).
    """
    if level == DEFAULT_LEVEL:
        frame = load_boundaries() if detail == "full" else web_boundaries()
    else:
        from mapkit.web_geometry import web_shapes

        frame = load_boundaries(level=level) if detail == "full" else web_shapes(level)
    frame = frame.to_crs(UKRAINE_CONFORMAL)
    inside = None if level == DEFAULT_LEVEL else frame.geometry.representative_point()
    shapes = []
    for number, (code, geometry) in enumerate(zip(frame["code"], frame.geometry)):
        path = _path_of(geometry)
        if inside is None:
            largest = max(getattr(geometry, "geoms", [geometry]), key=lambda p: p.area)
            point = polylabel(largest, tolerance=500.0)
        else:
            point = inside.iloc[number]
        shapes.append(RegionShape(code, path, (point.x, point.y), geometry.area, geometry))
    return tuple(shapes)


def _path_of(geometry) -> MplPath:
    polygons = list(getattr(geometry, "geoms", [geometry]))
    rings = [np.asarray(ring.coords)[:, :2]
             for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]
    return MplPath.make_compound_path(*[MplPath(ring, closed=True) for ring in rings])


#: How far a drawn border may move from the boundary file's, in pixels of the page.
DRAWN_TOLERANCE_PX = 0.25


@lru_cache(maxsize=8)
def drawn_paths(detail: str, level: str, tolerance_m: float) -> dict[str, MplPath]:
    """A level's units as they are drawn on a page whose pixel is 4 × ``tolerance_m`` metres:
    their outlines simplified by ``tolerance_m`` (:data:`DRAWN_TOLERANCE_PX` of a pixel).

    The boundary files hold a vertex every few metres (596,000 for the hromadas) where a
    country-wide print map's pixel is some 550 m: every vertex went into each SVG (20 MB a map
    at the hromada level) and through Agg's transforms, to no visible end. Simplified by a
    quarter of a pixel (Douglas–Peucker's tolerance; GEOS may move a ring's closing point a
    little further, under half a pixel), an outline moves less than the anti-aliasing shows,
    and where two neighbours' simplified borders part, the gap lies under the border line
    drawn there in the background's colour. Figures are never computed from these paths."""
    import shapely

    shapes = projected_regions(detail, level)
    simplified = shapely.simplify(np.array([s.geometry for s in shapes], dtype=object),
                                  tolerance_m, preserve_topology=True)
    return {shape.code: _path_of(geometry) for shape, geometry in zip(shapes, simplified)}


def _drawn_tolerance(metres_per_pixel: float) -> float:
    """:data:`DRAWN_TOLERANCE_PX` of a pixel in metres, rounded down to a power of two so that
    pages of about the same scale share one set of paths."""
    return float(2.0 ** np.floor(np.log2(max(DRAWN_TOLERANCE_PX * metres_per_pixel, 1.0))))


def _set_hatch_colour(patch: Patch) -> None:
    if hasattr(patch, "set_hatchcolor"):  # matplotlib >= 3.10
        patch.set_hatchcolor(PARTIAL_HATCH_COLOUR)
    else:  # older: hatches take the edge colour; region borders are redrawn white on top
        patch.set_edgecolor(PARTIAL_HATCH_COLOUR)


def _fit_width(text: Text, size: float, right: float) -> None:
    """Set ``text`` in ``size``, smaller if need be so that it ends before ``right`` (a
    fraction of the figure's width): a long headline (Ukrainian, or with its change "in the
    30 days to" some date) stays on the page instead of running off its edge."""
    text.set_fontsize(size)
    if not text.get_text():
        return
    figure = text.get_figure()
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(figure)
    box = text.get_window_extent(canvas.get_renderer())
    room = right * figure.bbox.width - box.x0
    if box.width > room > 0:
        text.set_fontsize(size * room / box.width)


def _style_patch(patch: PathPatch, cell: Cell) -> None:
    if cell.partial and cell.percent is None:
        patch.set_facecolor(PARTIAL_COLOUR)
        patch.set_hatch(HATCH)
        _set_hatch_colour(patch)
    else:
        patch.set_facecolor(cell.colour)
        patch.set_hatch(None)


@dataclass
class MapFigure:
    """A drawn map whose colours and date can be changed frame by frame."""

    figure: Figure
    axes: Axes
    patches: dict[str, PathPatch]
    date_text: Text
    labels: dict[str, Text]
    #: The national headline of the date shown (mapkit.headline); empty without one.
    headline: Text | None = None
    stale_text: Text | None = None
    #: The headline's font size, which it is shrunk from when a long one would not fit.
    headline_size: float = 0.0
    #: Where the notice under the date (:meth:`mapkit.figures.Timeline.notice`) may start: it
    #: wraps within the column from here to the right edge.
    notice_left: float = NOTICE_LEFT
    time_marker: Artist | None = None  # on the GIF's time axis
    #: Each label's halo, drawn under it: the outline of its letters, so that the label
    #: itself stays text in an SVG (a path effect would turn it into outlines too).
    halos: dict[str, Text] = field(default_factory=dict)

    def show(self, timeline: Timeline, index: int, lang: str) -> None:
        if self.headline is not None:
            # The map says "Figures as of …" under its date already.
            self.headline.set_text(visual(headline_text(timeline, timeline.dates[index], lang,
                                                        with_as_of=False)))
            _fit_width(self.headline, self.headline_size, right=0.98)
        for region, cell in zip(timeline.regions, timeline.frame(index)):
            patch = self.patches.get(region.code)  # a unit outside a --focus: grey, as drawn
            if patch is None:
                continue
            _style_patch(patch, cell)
            label = self.labels.get(region.code)
            if label is not None:
                label.set_text(visual(_label(region.short_name(lang), cell, lang)))
                on_region = label.get_bbox_patch() is None
                dark = on_region and _is_dark(cell.colour)
                label.set_color("white" if dark else TEXT_COLOUR)
                halo = self.halos.get(region.code)
                if halo is not None:  # a thin halo keeps labels readable on hatching, borders
                    halo.set_text(label.get_text())
                    halo.set_path_effects([patheffects.Stroke(
                        linewidth=2.2, foreground="#5a0000" if dark else "white", alpha=0.85)])
        self.date_text.set_text(timeline.dates[index].isoformat())
        if self.stale_text is not None:  # "Figures as of …", "… has no map for …"
            self.stale_text.set_text(_notice_lines(timeline.notice(index, lang), self.figure,
                                                   self.stale_text.get_fontsize(),
                                                   self.notice_left))
        if self.time_marker is not None:
            first, last = timeline.dates[0], timeline.dates[-1]
            where = (timeline.dates[index] - first).days / max((last - first).days, 1)
            self.time_marker.set_xdata([where])


def _is_dark(colour: str) -> bool:
    """Whether white text reads better than black on ``colour`` (relative luminance)."""
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2] < 0.18


def _label(name: str, cell: Cell, lang: str) -> str:
    return f"{name}\n{value_text(cell, lang)}"


def draw_map(
    timeline: Timeline,
    index: int,
    provenance: Provenance,
    *,
    title: str,
    subtitle: str | None,
    credit: str | None,
    lang: str = "en",
    width_px: int = PNG_WIDTH_PX,
    dpi: int = PRINT_DPI,
    detail: str = "full",
    labels: bool = True,
    time_axis: bool = False,
    focus: str | None = None,
) -> MapFigure:
    """A figure of ``timeline`` on date ``index``: title, map, labels, legend, source line, and
    "Figures as of …" under the date where the figures are older than it; ``time_axis`` adds
    the years under the headline with a marker at the date (the GIF). Texts are stacked by
    their measured heights, so none overlaps another or the map (the module's docstring).

    At the raion and hromada levels only the labels that stay legible are drawn
    (:func:`_place_unit_labels`), and ``focus`` (an oblast's code) draws that oblast's units
    large: the map's extent is the oblast, the units around it grey and unlabelled, and the
    subtitle and the legend say so."""
    level = timeline.level
    shapes = projected_regions(detail, level.name)
    inside = None
    if focus is not None:
        inside = {unit.code for unit in level.in_oblast(focus)}
        oblast = get_level().unit(focus)
        around = t("focus_subtitle", lang, units=t(f"level_{level.name}", lang),
                   region=_place(oblast, lang))
        subtitle = f"{around} · {subtitle}" if subtitle else around
    width_in = width_px / dpi
    figure = Figure(figsize=(width_in, width_in * 0.78), dpi=dpi, facecolor="white")
    scale = width_in / 12.0  # font sizes are set for a 12-inch-wide page
    page = Page(figure, scale)
    text = {"parse_math": False, "color": TEXT_COLOUR}

    # The header, from the top down: the date at the top right, "Figures as of …" under it,
    # the title wrapped before that column, then the subtitle, the headline and the time axis.
    top = 1 - page.points(MARGIN_PT)
    date_text = figure.text(0.98, top, timeline.dates[index].isoformat(),
                            fontsize=20 * scale, fontweight="bold", ha="right", va="top", **text)
    stale_text = figure.text(0.98, page.below(date_text, 0.4), "", fontsize=10.5 * scale,
                             fontweight="bold", ha="right", va="top", ma="right",
                             **{**text, "color": STALE_COLOUR})
    # The column under the date holds the widest notice of the frames drawn (one, or a GIF's).
    shown = range(len(timeline.dates)) if time_axis else (index,)
    notices = [_notice_lines(timeline.notice(i, lang), figure, 10.5 * scale) for i in shown]
    notices.append(_notice_lines(t("figures_as_of", lang, date="00 September 0000"), figure,
                                 10.5 * scale))
    column = max(_text_width(date_text.get_text(), figure, 20 * scale, "bold"),
                 *(_text_width(line, figure, 10.5 * scale, "bold")
                   for notice in notices for line in notice.split("\n")))
    notice_left = 0.98 - column / page.width
    tallest = max(notices, key=lambda notice: notice.count("\n"))
    title_right = 0.98 - (column + page.renderer.points_to_pixels(2 * GAP_PT)) / page.width
    title_text = figure.text(0.02, top, wrap_text(title, figure, 0.02, title_right, 22 * scale,
                                                 "bold"),
                             fontsize=22 * scale, fontweight="bold", va="top", **text)
    y = min(page.below(title_text), page.below(stale_text, 0, sample=tallest))
    if subtitle:
        subtitle_text = figure.text(0.02, y, wrap_text(subtitle, figure, 0.02, 0.98, 14 * scale),
                                    fontsize=14 * scale, va="top",
                                    **{**text, "color": MUTED_COLOUR})
        y = page.below(subtitle_text)
    headline = figure.text(0.02, y, "", fontsize=15 * scale, fontweight="bold", va="top",
                           **{**text, "color": "#7f0000"})
    if timeline.country[0]:  # the series has a national figure: room for its headline
        y = page.below(headline, sample="0")

    # The foot, from the bottom up: the provenance line, then the source and credit line.
    provenance_text = figure.text(
        0.02, page.points(MARGIN_PT) * 0.6,
        wrap_text(provenance.line(lang), figure, 0.02, 0.98, 8 * scale), fontsize=8 * scale,
        va="bottom", **{**text, "color": MUTED_COLOUR})
    foot = [provenance.source_line(lang), *filter(None, [credit_line(credit, lang)])]
    source_text = figure.text(
        0.02, page.above(provenance_text, 0.5),
        wrap_text("  ·  ".join(foot), figure, 0.02, 0.98, 10 * scale), fontsize=10 * scale,
        va="bottom", **{**text, "color": MUTED_COLOUR})
    bottom = page.above(source_text)

    time_marker = None
    if time_axis and len(timeline.dates) > 1:
        time_marker, y = _draw_time_axis(figure, timeline, scale, page, y)
    axes = figure.add_axes((0.01, bottom, 0.98, max(y - bottom, 0.05)))
    axes.set_axis_off()
    # a focus fills the page's width with its neighbours around it; all of Ukraine fits itself
    axes.set_aspect("equal", adjustable="box" if focus is None else "datalim")

    extent = [s for s in shapes if inside is None or s.code in inside]
    xs = np.concatenate([s.path.vertices[:, 0] for s in extent])
    ys = np.concatenate([s.path.vertices[:, 1] for s in extent])
    pad = 0.02 * (xs.max() - xs.min())
    low_x, high_x, low_y, high_y = xs.min() - pad, xs.max() + pad, ys.min() - pad, ys.max() + pad
    if focus is not None:  # the oblast whole, centred, the page's width filled around it
        box = axes.get_position()
        ratio = (box.height * figure.bbox.height) / (box.width * figure.bbox.width)
        width, height = high_x - low_x, high_y - low_y
        if height / width < ratio:
            grow = (width * ratio - height) / 2
            low_y, high_y = low_y - grow, high_y + grow
        else:
            grow = (height / ratio - width) / 2
            low_x, high_x = low_x - grow, high_x + grow
    axes.set_xlim(low_x, high_x)
    axes.set_ylim(low_y, high_y)
    axes.apply_aspect()  # fix the data-to-pixel transform now: labels are placed with it

    # Each unit's outline as this page's scale shows it (drawn_paths): a print map's pixel
    # is hundreds of metres, the boundary files' vertices a few metres apart.
    paths = {shape.code: shape.path for shape in shapes}
    if detail == "full":
        (x0, _), (x1, _) = axes.transData.transform([(low_x, low_y), (high_x, low_y)])
        paths = drawn_paths(detail, level.name,
                            _drawn_tolerance((high_x - low_x) / max(x1 - x0, 1.0)))
    patches: dict[str, PathPatch] = {}
    border = 0.8 * scale * (1.0 if level.name == DEFAULT_LEVEL else
                            0.6 if focus is not None or level.name == "raion" else 0.25)
    for shape in shapes:
        if inside is not None and shape.code not in inside:  # around the focus: context only
            axes.add_artist(PathPatch(paths[shape.code], facecolor=OUTSIDE_FOCUS_COLOUR,
                                      edgecolor=BORDER_COLOUR, linewidth=border))
            continue
        patch = PathPatch(paths[shape.code], edgecolor=BORDER_COLOUR, linewidth=border,
                          joinstyle="round")
        axes.add_artist(patch)  # add_patch would walk every vertex to update limits: slow
        patches[shape.code] = patch
    # Borders again on top, so hatching never hides a border.
    for shape in shapes:
        if shape.code in patches:
            axes.add_artist(PathPatch(paths[shape.code], facecolor="none",
                                      edgecolor=BORDER_COLOUR, linewidth=border))

    handles = []
    for entry in legend_entries(lang):
        handles.append(Patch(facecolor=entry["colour"], edgecolor="#999999",
                             hatch=HATCH if entry["hatch"] else None, label=entry["label"],
                             linewidth=0.5))
    for handle, entry in zip(handles, legend_entries(lang)):
        if entry["hatch"]:
            _set_hatch_colour(handle)
    if inside is not None:  # the grey around the focus is no figure: the legend says what
        handles.append(Patch(facecolor=OUTSIDE_FOCUS_COLOUR, edgecolor="#999999",
                             linewidth=0.5, label=t("focus_outside", lang,
                                                    region=_place(oblast, lang))))
    legend = axes.legend(handles=handles, title=t("legend_title", lang), loc="lower left",
                         fontsize=10 * scale, title_fontsize=11 * scale,
                         frameon=inside is not None, borderaxespad=0.2, handlelength=1.6,
                         handleheight=1.1, **({"framealpha": 0.92, "edgecolor": "none"}
                                              if inside is not None else {}))
    legend.get_title().set_horizontalalignment("left")

    map_figure = MapFigure(figure, axes, patches, date_text, {}, headline, stale_text,
                           headline_size=headline.get_fontsize(), time_marker=time_marker,
                           notice_left=notice_left)
    if labels and level.name == DEFAULT_LEVEL:
        map_figure.labels, map_figure.halos = _place_labels(figure, axes, shapes, timeline,
                                                            index, lang, scale)
    elif labels:
        map_figure.labels, map_figure.halos = _place_unit_labels(
            figure, axes, [s for s in shapes if s.code in patches], timeline, index, lang,
            scale)
    map_figure.show(timeline, index, lang)
    return map_figure


class Page:
    """Measures texts on a figure, in fractions of its height, to stack them."""

    def __init__(self, figure: Figure, scale: float):
        self.figure = figure
        self.scale = scale
        self.renderer = RendererAgg(1, 1, figure.dpi)
        self.width, self.height = figure.bbox.width, figure.bbox.height

    def points(self, points: float) -> float:
        """``points`` (scaled with the page) as a fraction of the figure's height."""
        return self.renderer.points_to_pixels(points * self.scale) / self.height

    def _box(self, text: Text, sample: str | None):
        if sample is not None and not text.get_text():  # room for one line of it
            text.set_text(sample)
            box = text.get_window_extent(self.renderer)
            text.set_text("")
            return box
        return text.get_window_extent(self.renderer)

    def below(self, text: Text, gap: float = 1.0, sample: str | None = None) -> float:
        """Where a text can start under ``text`` (its lowest ink, then ``gap`` × GAP_PT)."""
        box = self._box(text, sample)
        return box.y0 / self.height - gap * self.points(GAP_PT)

    def above(self, text: Text, gap: float = 1.0) -> float:
        """Where a text can end above ``text``."""
        return self._box(text, None).y1 / self.height + gap * self.points(GAP_PT)


def _notice_lines(notice: str, figure: Figure, fontsize: float,
                  left: float = NOTICE_LEFT) -> str:
    """The notice under the date, wrapped to the column from ``left`` to the right edge."""
    return wrap_text(notice, figure, left, 0.98, fontsize, "bold") if notice else ""


def _text_width(text: str, figure: Figure, fontsize: float, fontweight: str = "normal") -> float:
    """Width in pixels of ``text`` drawn as plain text on ``figure`` (one line)."""
    renderer = RendererAgg(1, 1, figure.dpi)
    font = FontProperties(size=fontsize, weight=fontweight)
    return renderer.get_text_width_height_descent(visual(text), font, ismath=False)[0]


def wrap_text(text: str, figure: Figure, left: float, right: float, fontsize: float,
             fontweight: str = "normal") -> str:
    """``text`` broken at spaces into lines that fit between ``left`` and ``right`` (fractions
    of the figure's width), in display order (:func:`visual`); a word longer than a whole
    line is broken where it must be.

    matplotlib's own ``wrap=True`` measures each line as a formula when it holds two "$",
    whatever ``parse_math`` says, so a credit such as "Prices: $5 … $10" crashed the print
    maps; here every line is measured, and drawn, as plain text.
    """
    room = figure.bbox.width * (right - left)

    def fits(line: str) -> bool:
        return _text_width(line, figure, fontsize, fontweight) <= room

    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            longer = f"{line} {word}" if line else word
            if fits(longer):
                line = longer
                continue
            if line:
                lines.append(line)
            while not fits(word):  # a word wider than a line: as much of it as fits
                cut = max(1, _longest_prefix(word, fits))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return visual("\n".join(lines))


def _longest_prefix(word: str, fits: Callable[[str], bool]) -> int:
    """The length of the longest start of ``word`` that ``fits`` (0: not even one letter)."""
    low, high = 0, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(word[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def _draw_time_axis(figure: Figure, timeline: Timeline, scale: float, page: Page,
                    y: float) -> tuple[Artist, float]:
    """Years spaced by time, a tick at every date of the series and a marker (returned, to
    move frame by frame) at the date shown, in a row of the header from ``y`` down (returned:
    where the map can begin): eight years take eight years' room.

    Its own row under the title and headline, on the right: frames change there, in the
    headline and in the regions, so each GIF frame stores one box of the upper map (at the
    foot of the page the box was the whole frame, and the file three times larger)."""
    first, last = timeline.dates[0], timeline.dates[-1]
    span = max((last - first).days, 1)
    row = page.points(7)
    axes = figure.add_axes((0.55, y - row, 0.42, row))
    axes.set_xlim(-0.01, 1.01)
    axes.set_ylim(-1, 1)
    axes.set_axis_off()
    axes.plot([0, 1], [0, 0], color=LEGEND_EDGE_COLOUR, linewidth=1.2 * scale,
              solid_capstyle="butt", antialiased=False)
    where = [(day - first).days / span for day in timeline.dates]
    axes.vlines(where, -0.45, 0.45, colors=LEGEND_EDGE_COLOUR, linewidth=0.6 * scale,
                antialiased=False)
    shown = 2.0
    lowest = y - row
    for year in range(last.year, first.year - 1, -1):  # from the right: whole years first
        x = (max(first, dt.date(year, 1, 1)) - first).days / span
        if shown - x < 0.07:  # the first year may begin late: no label on top of the next
            continue
        shown = x
        label = axes.text(x, -1.6, str(year), ha="center", va="top", fontsize=7 * scale,
                          color=MUTED_COLOUR, parse_math=False, clip_on=False)
        lowest = min(lowest, page.below(label, 0))
    (marker,) = axes.plot([where[0]], [0], marker="o", markersize=7 * scale,
                          color=PERCENT_COLOURS[-1], linestyle="none", antialiased=False)
    return marker, lowest - page.points(GAP_PT)


#: Label offsets to try, in points, nearest first: in place, then around at growing distances.
_OFFSETS = [(0, 0)] + [
    (radius * np.cos(angle), radius * np.sin(angle))
    for radius in (18, 30, 44, 60, 80)
    for angle in np.radians([90, 270, 0, 180, 45, 135, 225, 315])
]


def _place_labels(figure, axes, shapes, timeline, index, lang,
                  scale) -> tuple[dict[str, Text], dict[str, Text]]:
    """Greedy placement: big regions first, each label at the first offset that collides with
    nothing placed before; a moved label gets a leader line to its region. Returns the labels
    and their halos (:attr:`MapFigure.halos`), by region code."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    order = sorted(shapes, key=lambda s: -s.area)
    placed = []
    axes_box = axes.get_window_extent(renderer)
    frame = dict(zip((r.code for r in timeline.regions), timeline.frame(index)))
    names = {r.code: r.name(lang) for r in timeline.regions}
    labels: dict[str, Text] = {}
    halos: dict[str, Text] = {}
    for shape in order:
        small = shape.area < 3e9  # the two cities (< 3,000 km²)
        label = axes.annotate(
            visual(_label(names[shape.code], frame[shape.code], lang)), xy=shape.anchor,
            xytext=(0, 0), textcoords="offset points", ha="center", va="center",
            fontsize=(8.5 if small else 9.5) * scale, color=TEXT_COLOUR, parse_math=False,
            linespacing=1.05, zorder=6,
        )
        chosen = None
        for dx, dy in (_OFFSETS[1:] if small else _OFFSETS):
            label.set_position((dx * scale, dy * scale))
            box = label.get_window_extent(renderer).expanded(1.04, 1.08)
            inside = axes_box.contains(box.x0, box.y0) and axes_box.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(other) for other in placed):
                chosen = box
                break
        if chosen is None:  # crowded: keep the nearest spot rather than drop a figure
            label.set_position((_OFFSETS[1][0] * scale, _OFFSETS[1][1] * scale))
            chosen = label.get_window_extent(renderer)
        if label.get_position() != (0, 0):
            label.arrow_patch = None
            label.set_bbox({"boxstyle": "round,pad=0.15", "facecolor": "white",
                            "edgecolor": "none", "alpha": 0.85})
            axes.annotate("", xy=shape.anchor, xytext=label.get_position(),
                          textcoords="offset points",
                          arrowprops={"arrowstyle": "-", "color": TEXT_COLOUR,
                                      "linewidth": 0.6 * scale, "shrinkA": 0, "shrinkB": 0},
                          zorder=5)
        placed.append(chosen)
        labels[shape.code] = label
        label.set_gid(f"mapkit-label-{shape.code}")
        halo = axes.annotate(
            label.get_text(), xy=shape.anchor, xytext=label.get_position(),
            textcoords="offset points", ha="center", va="center", fontsize=label.get_fontsize(),
            color="none", parse_math=False, linespacing=1.05, zorder=5.9,
            gid=f"mapkit-halo-{shape.code}")
        halos[shape.code] = halo
    return labels, halos


#: The most labels a raion or hromada map carries (the oblasts' 27 are all labelled), and the
#: smallest unit labelled: its square root of area at least this many points on the page.
MAX_UNIT_LABELS = 30
MIN_LABELLED_UNIT_PT = 34


def _place_unit_labels(figure, axes, shapes, timeline, index, lang,
                       scale) -> tuple[dict[str, Text], dict[str, Text]]:
    """Labels of a raion or hromada map: only those that stay legible. Candidates, in order:
    the units whose km² under control changed in the 30 days to the date, most first (where
    the front moved), then, of those with any area under control (or partial), the largest
    that are big enough on the page to hold a label (:data:`MIN_LABELLED_UNIT_PT`). Each is
    drawn in its unit, at one point, if the label fits the map and overlaps neither the
    legend nor a label placed before; at most :data:`MAX_UNIT_LABELS`. No label moves off
    its unit: at a thousand units a leader line would point into a crowd."""
    from mapkit.headline import change_over

    renderer = FigureCanvasAgg(figure).get_renderer()
    axes_box = axes.get_window_extent(renderer)
    to_pixels = axes.transData
    pixels_per_metre = abs(to_pixels.transform((1, 0))[0] - to_pixels.transform((0, 0))[0])
    least = renderer.points_to_pixels(MIN_LABELLED_UNIT_PT * scale)
    day = timeline.dates[index]
    frame = dict(zip((r.code for r in timeline.regions), timeline.frame(index)))
    names = {r.code: r.short_name(lang) for r in timeline.regions}
    legend = axes.get_legend()
    placed = [legend.get_window_extent(renderer)] if legend is not None else []

    def moved(shape: RegionShape) -> float:
        found = change_over(timeline, shape.code, day, 30)
        return abs(found[0]) if found else 0.0

    def held(shape: RegionShape) -> float:
        return frame[shape.code].percent or 0.0

    # where the front moved, whatever the unit's size; then units big enough to hold a label,
    # of those with any area under control (a unit wholly free says nothing a label need say)
    change = {s.code: moved(s) for s in shapes}
    big = [s for s in shapes if change[s.code] > 0 or (
        np.sqrt(s.area) * pixels_per_metre >= least
        and (held(s) > 0 or frame[s.code].percent is None))]
    order = sorted(big, key=lambda s: (-change[s.code], -s.area, s.code))
    labels, halos = {}, {}
    for shape in order:
        if len(labels) >= MAX_UNIT_LABELS:
            break
        label = axes.annotate(
            visual(_label(names[shape.code], frame[shape.code], lang)), xy=shape.anchor,
            xytext=(0, 0), textcoords="offset points", ha="center", va="center",
            fontsize=7.5 * scale, color=TEXT_COLOUR, parse_math=False, linespacing=1.05,
            zorder=6)
        box = label.get_window_extent(renderer).expanded(1.04, 1.08)
        inside = axes_box.contains(box.x0, box.y0) and axes_box.contains(box.x1, box.y1)
        if not inside or any(box.overlaps(other) for other in placed):
            label.remove()
            continue
        placed.append(box)
        labels[shape.code] = label
        label.set_gid(f"mapkit-label-{shape.code}")
        halos[shape.code] = axes.annotate(
            label.get_text(), xy=shape.anchor, xytext=(0, 0), textcoords="offset points",
            ha="center", va="center", fontsize=label.get_fontsize(), color="none",
            parse_math=False, linespacing=1.05, zorder=5.9, gid=f"mapkit-halo-{shape.code}")
    return labels, halos


def _place(oblast, lang: str) -> str:
    """An oblast as a place: "Donetsk Oblast", "Донецька область", "Crimea", "Kyiv City"."""
    from mapkit.publish.payload import _place_name

    return _place_name(oblast, lang)


def render_static(
    timeline: Timeline,
    provenance: Provenance,
    *,
    fmt: str,
    title: str,
    subtitle: str | None,
    credit: str | None,
    lang: str = "en",
    width_px: int = PNG_WIDTH_PX,
    focus: str | None = None,
) -> bytes:
    """PNG or SVG bytes of the timeline's (only) date, with provenance in the file's metadata;
    ``focus``: one oblast's raions or hromadas, large (:func:`draw_map`)."""
    with matplotlib.rc_context(print_style()):
        drawn = draw_map(timeline, len(timeline.dates) - 1, provenance, title=title,
                         subtitle=subtitle, credit=credit, lang=lang, width_px=width_px,
                         focus=focus)
        return save_print(drawn.figure, fmt, title, provenance, lang)


def save_print(figure: Figure, fmt: str, title: str, provenance: Provenance,
               lang: str = "en") -> bytes:
    """PNG or SVG bytes of a print figure, with its title, sources and provenance in the file's
    metadata (an SVG without a creation date, so identical inputs give identical bytes). Call
    it inside the :func:`print_style` context the figure was drawn in."""
    links = provenance.links_text()
    description = (f"{without_controls(provenance.source_line(lang))}. "
                   + (f"{without_controls(links)}. " if links else "") + provenance.line(lang))
    if fmt == "svg":
        metadata = {"Title": title, "Description": description, "Date": None,
                    "Creator": f"mapkit {provenance.tool_version}"}
    else:
        metadata = {"Title": title, "Description": description,
                    "Software": f"mapkit {provenance.tool_version}",
                    "Creation Time": provenance.generated_text}
    if provenance.boundaries is not None:  # OpenStreetMap's: its credit and licence
        credit, licence, url = provenance.boundaries
        metadata["Copyright" if fmt == "png" else "Rights"] = (
            f"Boundaries {credit}, {licence} <{url}>")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=PRINT_DPI, metadata=metadata, facecolor="white")
    return _svg_for_editors(buffer.getvalue()) if fmt == "svg" else buffer.getvalue()


#: How an SVG's texts are read: in the order written (matplotlib laid them out, right-to-left
#: runs already reordered: reordering them again would turn them back), spaces kept.
_SVG_TEXT_STYLE = b"text{unicode-bidi:bidi-override;direction:ltr;white-space:pre}"
_SVG_STYLE = re.compile(rb'(<style type="text/css">)')
#: A coordinate of a path with more than two decimals (a hundredth of a point is 3.5 µm).
_SVG_COORDINATE = re.compile(rb"(\d+\.\d\d)\d+")
_SVG_PATH_DATA = re.compile(rb' d="[^"]*"')


def _svg_for_editors(svg: bytes) -> bytes:
    """matplotlib's SVG with its texts read as drawn (:data:`_SVG_TEXT_STYLE`), and its paths'
    coordinates to a hundredth of a point instead of a millionth (the regions' outlines are
    most of the file)."""
    svg, found = _SVG_STYLE.subn(rb"\1" + _SVG_TEXT_STYLE, svg, count=1)
    if not found:  # pragma: no cover - matplotlib always writes its style element
        raise ValueError("matplotlib's SVG has no <style> element to add text rules to")

    def rounded(path: re.Match) -> bytes:
        return _SVG_COORDINATE.sub(
            lambda number: b"%.2f" % (float(number.group(0)) + 1e-9), path.group(0))

    return _SVG_PATH_DATA.sub(rounded, svg)


class ExactPalette:
    """The GIF's one palette: every colour the map paints on purpose, exactly, and shades for
    anti-aliased edges and text; any pixel goes to the nearest entry, and a pixel of an exact
    colour always to that colour (no dithering, no drift between frames or GIFs).

    Built from the scale alone, never from the frames, so the same map gives the same bytes
    wherever it is made (app or command line).
    """

    #: Bits per channel of the look-up cube (5: 32 levels, each cell 8 values wide).
    BITS = 5

    def __init__(self) -> None:
        fills = [*PERCENT_COLOURS, NO_DATA_COLOUR, PARTIAL_COLOUR, PARTIAL_HATCH_COLOUR]
        exact = [*fills, BORDER_COLOUR, TEXT_COLOUR, MUTED_COLOUR, LEGEND_EDGE_COLOUR,
                 STALE_COLOUR, "#000000"]
        self.exact = [_rgb(c) for c in dict.fromkeys(exact)]
        shades: list[tuple[int, int, int]] = []
        partners = [BORDER_COLOUR, LEGEND_EDGE_COLOUR, TEXT_COLOUR]
        for fill in fills:
            for partner in partners + ([PARTIAL_HATCH_COLOUR] if fill == PARTIAL_COLOUR else []):
                for share in (0.25, 0.5, 0.75):
                    shades.append(_blend(_rgb(fill), _rgb(partner), share))
        shades += [(v, v, v) for v in range(0, 256, 16)] + [_blend(_rgb(STALE_COLOUR),
                                                                   (255, 255, 255), s)
                                                            for s in (0.25, 0.5, 0.75)]
        self.colours = list(dict.fromkeys(self.exact + shades))
        if len(self.colours) > 256:
            raise ValueError("the GIF palette holds at most 256 colours")
        self.lut = self._lookup()

    def _lookup(self) -> np.ndarray:
        levels = 1 << self.BITS
        width = 256 // levels
        centres = np.arange(levels) * width + width // 2
        cube = np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), -1).reshape(-1, 3)
        entries = np.array(self.colours, dtype=np.int32)
        distance = ((cube[:, None, :] - entries[None, :, :]) ** 2).sum(axis=2)
        lut = distance.argmin(axis=1).astype(np.uint8).reshape(levels, levels, levels)
        shift = 8 - self.BITS
        cells: dict[tuple[int, int, int], tuple[int, int, int]] = {}
        for index, colour in enumerate(self.exact):  # exact colours own their cells
            cell = (colour[0] >> shift, colour[1] >> shift, colour[2] >> shift)
            if cell in cells:
                raise ValueError(f"palette colours {cells[cell]} and {colour} are too close "
                                 "to keep both exact in a GIF")
            cells[cell] = colour
            lut[cell] = index
        return lut

    def palette_bytes(self) -> list[int]:
        flat = [channel for colour in self.colours for channel in colour]
        return flat + [0] * (768 - len(flat))

    def paletted(self, rgba: np.ndarray) -> Image.Image:
        """An RGBA frame (H×W×4, uint8) as a "P" image of this palette."""
        shift = 8 - self.BITS
        index = self.lut[rgba[..., 0] >> shift, rgba[..., 1] >> shift, rgba[..., 2] >> shift]
        image = Image.fromarray(index, mode="P")
        image.putpalette(self.palette_bytes())
        return image


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], share: float) -> tuple[int, ...]:
    return tuple(round(x * (1 - share) + y * share) for x, y in zip(a, b))


@lru_cache(maxsize=1)
def gif_palette() -> ExactPalette:
    return ExactPalette()


def gif_frames(drawn: MapFigure, timeline: Timeline, lang: str,
               indexes: Sequence[int] | None = None) -> Iterator[np.ndarray]:
    """``drawn`` on each of the timeline's dates (or those of ``indexes``), as RGBA arrays
    (H×W×4).

    Only the regions' colours, the date (with its "figures as of" line) and the time marker
    change between frames, so everything else is drawn once; each frame paints just those,
    the borders drawn over the regions and (if it overlaps them) the legend, in the order a
    full draw paints them, over a copy of the rest. The pixels are those of a full draw (a test
    checks), in a fraction of the time.
    """
    canvas = FigureCanvasAgg(drawn.figure)
    canvas.draw()
    regions = [artist for artist in drawn.axes.get_children() if isinstance(artist, PathPatch)]
    changing = [*regions, drawn.date_text, *([drawn.headline] if drawn.headline else [])]
    if drawn.stale_text is not None:
        changing.append(drawn.stale_text)
    if drawn.time_marker is not None:
        changing.append(drawn.time_marker)
    legend = drawn.axes.get_legend()
    renderer = canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    if any(box.overlaps(region.get_window_extent(renderer)) for region in regions):
        changing.insert(len(regions), legend)  # drawn over the regions, so redrawn each time
    for artist in changing:
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(drawn.figure.bbox)
    for index in range(len(timeline.dates)) if indexes is None else indexes:
        drawn.show(timeline, index, lang)
        canvas.restore_region(background)
        for artist in changing:
            if artist is drawn.time_marker:
                artist.axes.draw_artist(artist)
            else:
                drawn.figure.draw_artist(artist)
        yield np.asarray(canvas.buffer_rgba())


def gif_figure(timeline: Timeline, provenance: Provenance, *, title: str, subtitle: str | None,
               credit: str | None, lang: str = "en", width_px: int = GIF_WIDTH_PX) -> MapFigure:
    """The figure every GIF frame is drawn on (its first date shown)."""
    return draw_map(timeline, 0, provenance, title=title, subtitle=subtitle, credit=credit,
                    lang=lang, width_px=width_px, dpi=100, detail="web", labels=False,
                    time_axis=True)


def gif_schedule(dates: Sequence[dt.date], frames: int = GIF_FRAMES,
                 seconds: float = GIF_SECONDS) -> list[tuple[int, int]]:
    """The GIF's frames: (index into ``dates``, milliseconds on screen) of each.

    ``frames`` moments are spread evenly over the dates' range by time, the first on the first
    date and the last on the last; each shows the map as it was then (the latest date on or
    before it), so a date that holds for a long time — the 2015–2022 line — is one frame that
    lasts the moments it covers, and a clip of a year and a clip of twelve years both play
    their time at an even pace. The last frame is held :data:`GIF_LAST_FRAME_MS` (at most a
    fifth of the clip). Durations are whole hundredths of a second (a GIF's unit) and add up
    to ``seconds``.
    """
    from mapkit.publish.export import ExportInputError

    if frames < 2 or not seconds > 0:
        raise ExportInputError(f"a GIF needs at least 2 frames and more than 0 seconds (asked: "
                               f"{frames} frames, {seconds:g} seconds)")
    total = max(round(seconds * 100), 1) * 10  # milliseconds, in GIF's hundredths
    if len(dates) == 1:
        return [(0, total)]
    hold = min(GIF_LAST_FRAME_MS, total // 50 * 10)
    step = (total - hold) / (frames - 1)
    if step < GIF_SHORTEST_FRAME_MS:
        raise ExportInputError(
            f"{frames} frames in {seconds:g} seconds is {step:.0f} ms a frame; a GIF frame must "
            f"last at least {GIF_SHORTEST_FRAME_MS} ms: ask for fewer frames or more seconds")
    first = dates[0]
    offsets = [(day - first).days for day in dates]
    span = offsets[-1]
    shown: list[int] = []  # the date index of each moment
    for moment in range(frames):
        at = span if moment == frames - 1 else span * moment / (frames - 1)
        shown.append(bisect_right(offsets, at) - 1)

    def time(moment: int) -> int:  # when a moment begins on screen, in whole hundredths
        return total if moment >= frames else round(moment * step / 10) * 10

    schedule: list[tuple[int, int]] = []
    start = 0
    for moment in range(1, frames + 1):
        if moment == frames or shown[moment] != shown[start]:
            end = total if moment == frames else time(moment)
            schedule.append((shown[start], end - time(start)))
            start = moment
    return schedule


def render_gif(
    timeline: Timeline,
    provenance: Provenance,
    *,
    title: str,
    subtitle: str | None,
    credit: str | None,
    lang: str = "en",
    width_px: int = GIF_WIDTH_PX,
    progress: Callable[[int, int], None] | None = None,
    frames: int | None = None,
    seconds: float | None = None,
) -> bytes:
    """An animated GIF over the timeline's dates, a clip of ``frames`` moments (default
    :data:`GIF_FRAMES`) in ``seconds`` (default :data:`GIF_SECONDS`) by
    :func:`gif_schedule`: the date on every frame, a time axis, every colour of the scale
    exact."""
    schedule = gif_schedule(timeline.dates, frames or GIF_FRAMES, seconds or GIF_SECONDS)
    drawn = gif_figure(timeline, provenance, title=title, subtitle=subtitle, credit=credit,
                       lang=lang, width_px=width_px)
    palette = gif_palette()
    images = []
    indexes = [index for index, _ in schedule]
    for done, rgba in enumerate(gif_frames(drawn, timeline, lang, indexes), start=1):
        images.append(palette.paletted(rgba))
        if progress:
            progress(done, len(indexes))
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                   duration=[ms for _, ms in schedule], loop=0, optimize=False,
                   comment=(f"mapkit {provenance.tool_version}; {provenance.line('en')}"
                            + (f"; {provenance.boundaries_text('en')} <{provenance.boundaries[2]}>"
                               if provenance.boundaries is not None else "")).encode())
    return buffer.getvalue()
