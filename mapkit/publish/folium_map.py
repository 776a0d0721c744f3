"""The interactive HTML export: a Leaflet map (folium) with a time slider, in one file.

folium's own ``TimeSliderChoropleth`` recolours regions but its tooltips cannot follow the date,
and it pulls d3 and moment from CDNs. :class:`TimeSliderChoroplethControl` is a small folium
plugin instead: Python hands it the timeline payload (the same one the embed reads), and its
template ``time_slider.js`` beside this module draws the regions, a slider with play/pause,
tooltips for the current date, the title, legend, source and credit.

The page is self-contained: Leaflet's JS and CSS (the copy the viewer ships, at the version
package.json pins: :data:`mapkit.constants.LEAFLET_DIR`) are inlined, and none of the jQuery,
Bootstrap and icon fonts folium adds by default is loaded. The OpenStreetMap basemap is the
only thing it may ask another host for: with ``tiles`` (the default) the page says that its
basemap comes from the internet, and offline the regions still paint on a plain background;
without, it asks no host for anything. Without JavaScript it shows the last date's figures as
a table.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from mapkit.constants import LEAFLET_DIR, PARTIAL_COLOUR, PARTIAL_HATCH_COLOUR
from mapkit.figures import Timeline
from mapkit.i18n import t
from mapkit.levels import DEFAULT_LEVEL
from mapkit.publish.payload import (
    changes_only,
    interface_labels,
    legend_entries,
    script_json,
    timeline_payload,
    value_text,
)
from mapkit.publish.provenance import Provenance, credit_line
from mapkit.web_geometry import COORDINATE_DECIMALS, read_web_geometry, topology_shapes

HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def inline_leaflet() -> str:
    """Leaflet's CSS and JS as inline ``<style>`` and ``<script>`` for the page's head."""
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    if "</" in css or "</script" in js.lower():  # never: checked, as the page depends on it
        raise ValueError(f"{LEAFLET_DIR} holds text that would close its inline element")
    return f"<style>{css}</style><script>{js}</script>"


@lru_cache(maxsize=3)
def regions_geojson(level: str = DEFAULT_LEVEL) -> str:
    """A level's simplified units (prepared once, :mod:`mapkit.web_geometry`; default: the 27
    regions), feature id = code. The raions' and hromadas' TopoJSON is turned into GeoJSON
    here (coordinates to 4 decimals, about 11 m), so the page's script reads one kind."""
    if level == DEFAULT_LEVEL:
        shapes = {feature["properties"]["code"]: feature["geometry"]
                  for feature in read_web_geometry()["features"]}
    else:
        shapes = {code: _rounded(shape) for code, shape in
                  topology_shapes(read_web_geometry(level=level)).items()}
    features = [{"type": "Feature", "id": code, "properties": {}, "geometry": geometry}
                for code, geometry in shapes.items()]
    return script_json({"type": "FeatureCollection", "features": features})


def _rounded(geometry: dict) -> dict:
    def walk(value):
        if isinstance(value[0], float):
            return [round(value[0], COORDINATE_DECIMALS), round(value[1], COORDINATE_DECIMALS)]
        return [walk(item) for item in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


class RenderedText(Element):
    """Text that is already rendered: placed in the page as it is, never parsed again.

    branca's ``MacroElement.render`` wraps a macro's output in ``Element(output)``, which makes
    the *output* a Jinja template and renders it a second time: any ``{{ … }}`` in the data the
    macro inserted (a title, a source name) would then run on the server. Our elements hand
    their output over in this class instead.
    """

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class TimeSliderChoroplethControl(MacroElement):
    """Regions coloured by date, with slider, play/pause, date-aware tooltips and legend.

    The payload (every title, source name and note) is inserted once, as JSON, by the
    template's macros; :meth:`render` keeps the result as text (see :class:`RenderedText`).
    """

    _template = Template((HERE / "time_slider.js").read_text(encoding="utf-8"))

    def __init__(self, payload_json: str, geojson_json: str):
        super().__init__()
        self._name = "TimeSliderChoroplethControl"
        self.payload_json = payload_json
        self.geojson_json = geojson_json
        self.reader_js = (HERE / "payload_reader.js").read_text(encoding="utf-8")
        self.controls_js = (HERE / "time_controls.js").read_text(encoding="utf-8")

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("TimeSliderChoroplethControl must be added to a folium map first")
        macros = self._template.module.__dict__
        figure.header.add_child(RenderedText(macros["header"](self, kwargs)),
                                name=self.get_name())
        figure.script.add_child(RenderedText(macros["script"](self, kwargs)),
                                name=self.get_name())


def build_map(
    timeline: Timeline,
    provenance: Provenance,
    *,
    title: str,
    subtitle: str | None,
    credit: str | None,
    lang: str = "en",
    tiles: bool = True,
) -> folium.Map:
    """The folium map of ``timeline``, starting on its last date; with ``tiles``, on the
    OpenStreetMap basemap (from the internet)."""
    fmap = folium.Map(location=(48.5, 31.5), zoom_start=6,
                      tiles="OpenStreetMap" if tiles else None,
                      control_scale=True, prefer_canvas=False)
    fmap.default_js = []  # Leaflet is inlined (render_html); folium's CDN extras are not needed
    fmap.default_css = []
    fmap.get_root().header.add_child(RenderedText(inline_leaflet()), name="leaflet", index=0)
    if timeline.level.name == DEFAULT_LEVEL:
        payload = timeline_payload(timeline, lang=lang)
    else:  # raions, hromadas: frames as their changes, and the notes of reported figures
        # only, as in the embed (a thousand units' processing notes are the CSV's)
        payload = changes_only(timeline_payload(timeline, lang=lang, notes_of=("reported",)))
    data = {
        **payload,
        "lang": lang,
        "start": len(timeline.dates) - 1,
        "labels": interface_labels(lang),
        "legend": legend_entries(lang),
        "partial_colour": PARTIAL_COLOUR,
        "hatch_colour": PARTIAL_HATCH_COLOUR,
        "texts": {
            "title": title,
            "subtitle": subtitle,
            "legend_title": t("legend_title", lang),
            "source_line": provenance.source_line(lang, beside=True),
            "credit_line": credit_line(credit, lang),
            "provenance_line": provenance.line(lang),
            "tiles_note": t("html_tiles_note", lang) if tiles else None,
        },
        "provenance": provenance.as_dict(),
    }
    TimeSliderChoroplethControl(script_json(data),
                                regions_geojson(timeline.level.name)).add_to(fmap)
    return fmap


def render_html(
    timeline: Timeline,
    provenance: Provenance,
    *,
    title: str,
    subtitle: str | None,
    credit: str | None,
    lang: str = "en",
    tiles: bool = True,
) -> str:
    """The whole page as text, with the title and provenance in the document head."""
    fmap = build_map(timeline, provenance, title=title, subtitle=subtitle, credit=credit,
                     lang=lang, tiles=tiles)
    page = fmap.get_root().render()
    head = (
        f'<meta name="generator" content="mapkit {html.escape(provenance.tool_version)}">'
        f"<title>{html.escape(title, quote=False)}</title>"
        f'<script type="application/json" id="mapkit-provenance">'
        f"{script_json(provenance.as_dict())}</script>"
    )
    page = page.replace("<head>", "<head>" + head, 1)
    at = page.rindex("</body>")
    return page[:at] + _without_script(timeline, provenance, title, lang) + page[at:]


def _without_script(timeline: Timeline, provenance: Provenance, title: str, lang: str) -> str:
    """What the page shows without JavaScript: why there is no map, and the last date's
    figures as a table."""
    e = html.escape
    index = len(timeline.dates) - 1
    rows = "".join(
        f"<tr><th scope=row>{e(region.name(lang))}</th><td>{e(value_text(cell, lang))}</td>"
        f"<td>{e(cell.source or '')}</td><td>{e(cell.as_of.isoformat() if cell.as_of else '')}"
        "</td></tr>"
        for region, cell in zip(timeline.regions, timeline.frame(index))
    )
    head = "".join(f"<th scope=col>{e(t(key, lang))}</th>"
                   for key in ("region", "percent", "source", "date"))
    caption = t("export_table_caption", lang, date=timeline.dates[index].isoformat())
    return (
        '<noscript><div id="mapkit-no-script" style="position:fixed;inset:0;z-index:10000;'
        "overflow:auto;background:#fff;color:#222;padding:16px;"
        'font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,Arial,sans-serif">'
        f"<h1 style=\"font-size:1.2rem\">{e(title)}</h1>"
        f'<p style="font-weight:600;color:#8a1c00">{e(t("html_no_script", lang))}</p>'
        '<table style="border-collapse:collapse;text-align:left">'
        f"<caption style=\"text-align:left\">{e(caption)}</caption><thead><tr>{head}"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        f"<p>{e(provenance.source_line(lang))}</p>"
        f"<p>{e(provenance.line(lang))}</p></div></noscript>"
    )

