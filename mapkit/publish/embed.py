"""The self-contained embed: one HTML file with an inline SVG map, for an iframe in a story.

Nothing in it asks another host for anything (no CDN, fonts or tiles; a Content-Security-Policy
says so to the browser too), so it is private, fast and passes newsroom content rules. Regions
are projected here with the conformal projection for Ukraine (``UKRAINE_CONFORMAL``), simplified
without tearing shared borders (``web_boundaries``), and rounded to whole SVG units — about a
kilometre and a half, below what a screen shows at 1200 px.

``embed.html`` (markup), ``embed.css`` and ``embed.js`` beside this module decide how it looks
and behaves; this module decides what goes in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import jinja2
import numpy as np
import shapely
from markupsafe import Markup

from mapkit.boundaries import web_boundaries
from mapkit.constants import (
    PARTIAL_COLOUR,
    PARTIAL_HATCH_COLOUR,
    UKRAINE_CONFORMAL,
    WEB_SIMPLIFY_TOLERANCE_DEG,
)
from mapkit.figures import Timeline
from mapkit.headline import headline_text
from mapkit.i18n import t
from mapkit.publish.payload import (
    HATCH,
    interface_labels,
    legend_entries,
    script_json,
    timeline_payload,
    value_text,
)
from mapkit.publish.provenance import Provenance, credit_line

HERE = Path(__file__).parent
#: Width of the SVG coordinate space; the drawing scales to any width in the page.
VIEWBOX_WIDTH = 1000
VIEWBOX_MARGIN = 8
#: Cities with special status are drawn last, on top of the oblast around them.
_DRAW_LAST = ("UA-30", "UA-40")
_HATCH_FILL = "url(#mk-hatch)"
#: Notes shown in the embed's tooltips: a publication's own words; computed figures' notes
#: are processing logs that would triple the file (they are all in the CSV export).
EMBED_NOTES_OF = ("reported",)


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _ring_path(coords: np.ndarray) -> str:
    """One closed ring as ``M x y l dx dy … z`` in whole units, repeated points dropped."""
    points = np.rint(coords[:-1]).astype(np.int64)
    if len(points) == 0:
        return ""
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(points[1:] != points[:-1], axis=1)
    points = points[keep]
    if len(points) < 3:
        return ""
    steps = np.diff(points, axis=0).ravel()
    start = f"M{points[0, 0]} {points[0, 1]}"
    body = " ".join(map(str, steps)).replace(" -", "-")
    return f"{start}l{body}z"


def _geometry_path(geometry) -> str:
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in (polygon.exterior, *polygon.interiors):
            parts.append(_ring_path(np.asarray(ring.coords)[:, :2]))
    return "".join(parts)


@lru_cache(maxsize=4)
def svg_regions(tolerance: float = WEB_SIMPLIFY_TOLERANCE_DEG) -> tuple[int, int, dict[str, str]]:
    """(width, height, {ISO code: SVG path data}) of the 27 regions in the conformal projection."""
    frame = web_boundaries(tolerance).to_crs(UKRAINE_CONFORMAL)
    return project_to_viewbox(frame)


def project_to_viewbox(frame: gpd.GeoDataFrame) -> tuple[int, int, dict[str, str]]:
    """Scale projected regions (metres) into an SVG viewBox ``VIEWBOX_WIDTH`` wide, y down."""
    minx, miny, maxx, maxy = frame.total_bounds
    scale = (VIEWBOX_WIDTH - 2 * VIEWBOX_MARGIN) / (maxx - minx)
    height = int(np.ceil((maxy - miny) * scale)) + 2 * VIEWBOX_MARGIN

    def to_view(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(
            ((xy[:, 0] - minx) * scale + VIEWBOX_MARGIN, (maxy - xy[:, 1]) * scale + VIEWBOX_MARGIN)
        )

    transformed = shapely.transform(np.asarray(frame.geometry), to_view)
    paths = {code: _geometry_path(geom) for code, geom in zip(frame["code"], transformed)}
    return VIEWBOX_WIDTH, height, paths


def render_embed(
    timeline: Timeline,
    provenance: Provenance,
    *,
    title: str,
    subtitle: str | None,
    credit: str | None,
    lang: str = "en",
    initial_index: int | None = None,
) -> str:
    """The embed page as text; user text goes through Jinja's autoescape or ``script_json``."""
    width, height, paths = svg_regions()
    payload = timeline_payload(timeline, notes_of=EMBED_NOTES_OF, lang=lang)
    start = len(timeline.dates) - 1 if initial_index is None else initial_index
    palette = payload["palette"]
    first_frame = timeline.frame(start)
    order = sorted(range(len(timeline.regions)),
                   key=lambda i: timeline.regions[i].code in _DRAW_LAST)
    regions = []
    for index in order:
        region = timeline.regions[index]
        cell = first_frame[index]
        colour = palette[int(payload["frames"][start]["c"][index], 36)]
        regions.append({
            "index": index,
            "code": region.code,
            "name": region.name(lang),
            "d": paths[region.code],
            "fill": _HATCH_FILL if colour == HATCH else colour,
            "value": value_text(cell, lang),
            "percent": "" if cell.percent is None else payload["frames"][start]["p"][index],
        })
    table_rows = [
        {"name": region.name(lang), "value": value_text(cell, lang),
         "source": cell.source or "", "as_of": cell.as_of.isoformat() if cell.as_of else ""}
        for region, cell in zip(timeline.regions, first_frame)
    ]
    labels = interface_labels(lang)
    headlines = [headline_text(timeline, day, lang) for day in timeline.dates]
    data = {
        **payload,
        "headlines": headlines,
        "lang": lang,
        "labels": labels,
        "hatch": _HATCH_FILL,
        "provenance": provenance.as_dict(),
    }
    first, last = timeline.first_date.isoformat(), timeline.last_date.isoformat()
    template = _templates().get_template("embed.html")
    return template.render(
        lang=lang,
        title=title,
        subtitle=subtitle,
        headline=headlines[start],
        credit_line=credit_line(credit, lang),
        source_line=provenance.source_line(lang, beside=True),
        provenance_line=provenance.line(lang),
        description=t("export_embed_description", lang, first=first, last=last,
                      units=timeline.level.count_text(lang)),
        width=width,
        height=height,
        regions=regions,
        legend_title=t("legend_title", lang),
        legend=legend_entries(lang),
        partial_colour=PARTIAL_COLOUR,
        hatch_colour=PARTIAL_HATCH_COLOUR,
        dates=payload["dates"],
        start=start,
        days=payload["days"],
        span=payload["span"],
        years=[{"year": year, "left": round(100 * where, 2)} for year, where in payload["years"]],
        ticks=" ".join(f"M{1000 * d / max(payload['span'], 1):.1f} 0v6"
                       for d in payload["days"]),
        stale_text=timeline.notice(start, lang),
        labels=labels,
        table_rows=table_rows,
        table_caption=t("export_table_caption", lang, date=payload["dates"][start]),
        data_json=Markup(script_json(data)),
        css=Markup(_asset("embed.css")),
        js=Markup(_asset("payload_reader.js") + _asset("time_controls.js") + _asset("embed.js")),
        generator=f"mapkit {provenance.tool_version}",
    )


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")
