"""The interactive HTML export: a Leaflet map (folium) with basemap and a time slider.

folium's own ``TimeSliderChoropleth`` recolours regions but its tooltips cannot follow the date,
and it pulls d3 and moment from CDNs. :class:`TimeSliderChoroplethControl` is a small folium
plugin instead: Python hands it the timeline payload (the same one the embed reads), and its
template ``time_slider.js`` beside this module draws the regions, a slider with play/pause,
tooltips for the current date, the title, legend, source and credit.

The page loads only Leaflet's JS and CSS (not the jQuery, Bootstrap and icon fonts folium adds by
default) plus the OpenStreetMap tiles of the basemap.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from mapkit.constants import PARTIAL_COLOUR, PARTIAL_HATCH_COLOUR
from mapkit.figures import Timeline
from mapkit.i18n import t
from mapkit.publish.payload import interface_labels, legend_entries, script_json, timeline_payload
from mapkit.publish.provenance import Provenance
from mapkit.web_geometry import read_web_geometry

HERE = Path(__file__).parent
LEAFLET_JS = ("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
LEAFLET_CSS = ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")


@lru_cache(maxsize=2)
def regions_geojson() -> str:
    """The 27 simplified regions (prepared once, :mod:`mapkit.web_geometry`), feature id = ISO
    code."""
    features = [
        {"type": "Feature", "id": feature["properties"]["code"], "properties": {},
         "geometry": feature["geometry"]}
        for feature in read_web_geometry()["features"]
    ]
    return script_json({"type": "FeatureCollection", "features": features})


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
) -> folium.Map:
    """The folium map of ``timeline``, starting on its last date."""
    fmap = folium.Map(location=(48.5, 31.5), zoom_start=6, tiles="OpenStreetMap",
                      control_scale=True, prefer_canvas=False)
    fmap.default_js = [LEAFLET_JS]
    fmap.default_css = [LEAFLET_CSS]
    payload = timeline_payload(timeline)
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
            "source_line": t("source_line", lang, sources=provenance.sources_text(lang)),
            "credit_line": t("credit_line", lang, credit=credit) if credit else None,
            "provenance_line": provenance.line(lang),
        },
        "provenance": provenance.as_dict(),
    }
    TimeSliderChoroplethControl(script_json(data), regions_geojson()).add_to(fmap)
    return fmap


def render_html(
    timeline: Timeline,
    provenance: Provenance,
    *,
    title: str,
    subtitle: str | None,
    credit: str | None,
    lang: str = "en",
) -> str:
    """The whole page as text, with the title and provenance in the document head."""
    fmap = build_map(timeline, provenance, title=title, subtitle=subtitle, credit=credit,
                     lang=lang)
    page = fmap.get_root().render()
    head = (
        f'<meta name="generator" content="mapkit {html.escape(provenance.tool_version)}">'
        f"<title>{html.escape(title, quote=False)}</title>"
        f'<script type="application/json" id="mapkit-provenance">'
        f"{script_json(provenance.as_dict())}</script>"
    )
    return page.replace("<head>", "<head>" + head, 1)

