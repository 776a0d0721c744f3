"""The self-contained embed: one HTML file with an inline SVG map, for an iframe in a story.

Nothing in it asks another host for anything (no CDN, fonts or tiles; a Content-Security-Policy
says so to the browser too), so it is private, fast and passes newsroom content rules; it works
from ``file://`` and under any path (its only link, "Get the data", is the relative
``data_url`` it is given). Regions are projected here with the conformal projection for Ukraine
(``UKRAINE_CONFORMAL``), simplified without tearing shared borders (``web_boundaries``), and
rounded to whole SVG units — about a kilometre and a half, below what a screen shows at 1200 px.

One file carries every language (:data:`mapkit.i18n.LANGUAGES`): ``?lang=uk`` switches it. Its
URL flags (``date``, ``lang``, ``region``, ``dark``, ``plain``, ``static``: docs/exports.md) are
read in the browser, so the same file serves every view of a story and a site.

``embed.html`` (markup), ``embed.css``, ``embed_flags.js`` (the URL flags, read before the
page paints) and ``embed.js`` beside this module decide how it looks and behaves; this module
decides what goes in. ``embed_loader.js`` is the small script a host page includes to let
every embed on it take its height (:func:`embed_loader_js`, :func:`mapkit.publish.iframe_snippet`).
"""

from __future__ import annotations

import math
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
from mapkit.headline import CHANGE_DAYS, headline, number_text
from mapkit.i18n import LANGUAGES, date_text, day_months, t
from mapkit.levels import DEFAULT_LEVEL
from mapkit.publish.payload import (
    HATCH,
    changes_only,
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
#: The scripts of the embed page, in order (the flags are read in <head>, these at the end).
EMBED_SCRIPTS = ("payload_reader.js", "time_controls.js", "embed.js")
#: Labels the embed's script needs beyond the interactive maps' shared ones.
_EMBED_LABEL_KEYS = ("headline", "headline_no_km2", "headline_change", "headline_as_of",
                     "headline_as_of_why", "embed_figures_of", "embed_region_line")


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
def svg_regions(tolerance: float = WEB_SIMPLIFY_TOLERANCE_DEG,
                level: str = DEFAULT_LEVEL) -> tuple[int, int, dict[str, str]]:
    """(width, height, {code: SVG path data}) of a level's units (default: the 27 regions) in
    the conformal projection; the raions and hromadas from their prepared light copy
    (:func:`mapkit.web_geometry.web_shapes`: 94 KB and 285 KB of paths)."""
    if level == DEFAULT_LEVEL:
        frame = web_boundaries(tolerance).to_crs(UKRAINE_CONFORMAL)
    else:
        from mapkit.web_geometry import web_shapes

        frame = web_shapes(level).to_crs(UKRAINE_CONFORMAL)
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


class _Words:
    """The texts of a payload in every language, each kept once: a frame names them by index
    (why a figure stands is the same sentence for 27 regions). An entry is one string when it
    reads the same in every language, else a list, one per language."""

    def __init__(self, langs: tuple[str, ...]):
        self.langs = langs
        self.entries: list[str | list[str]] = []
        self._index: dict[tuple[str, ...], int] = {}

    def add(self, by_lang: dict[str, str]) -> int:
        key = tuple(by_lang.get(lang) or by_lang[self.langs[0]] for lang in self.langs)
        if key not in self._index:
            self._index[key] = len(self.entries)
            self.entries.append(key[0] if len(set(key)) == 1 else list(key))
        return self._index[key]


def default_titles(timeline: Timeline, langs: tuple[str, ...] = LANGUAGES) -> dict[str, str]:
    """The embed's title when none is given, per language: with its date in words when it
    shows one ("…, 10 August 2025": an ISO date would break at its hyphens on a phone)."""
    if len(timeline.dates) == 1:
        return {lang: t("title_on", lang, date=date_text(timeline.last_date, lang))
                for lang in langs}
    return {lang: t("title", lang) for lang in langs}


def _headline_entry(timeline: Timeline, day, words: _Words) -> list | int:
    """A date's headline as the figures :meth:`mapkit.headline.Headline.text` writes, in
    English numbers ("19.4", "117,000", "−5"; embed.js writes them in each language): [percent,
    km², change, date of an older figure, why it stands]; 0: no national figure that day."""
    found = headline(timeline, day)
    if found is None:
        return 0
    entry: list = [
        number_text(found.percent, "en", 1),
        None if found.km2 is None else number_text(found.shown_km2, "en"),
        None if found.change_30d is None else number_text(found.change_30d, "en", sign=True),
        None, None,
    ]
    if found.as_of != found.date:
        entry[3] = found.as_of.isoformat()
        why_en, why_uk = found.as_of_why
        if why_en or why_uk:
            entry[4] = words.add({"en": why_en or "", "uk": why_uk or why_en or ""})
    while entry and entry[-1] is None:
        entry.pop()
    return entry


def embed_data(
    timeline: Timeline,
    provenance: Provenance,
    *,
    titles: dict[str, str],
    subtitle: str | None,
    credit: str | None,
    lang: str,
    start: int,
    data_url: str | None,
    langs: tuple[str, ...] = LANGUAGES,
) -> dict:
    """What the embed's script reads (the ``mk-data`` JSON): the timeline payload of
    :func:`mapkit.publish.payload.timeline_payload`, its frames' texts as indexes into
    ``texts`` (every language's words, each once), each date's headline as figures, and per
    language the interface labels (``labels``) and the page's own texts (``page``, by the
    ``data-t`` names of embed.html)."""
    payloads = {code: timeline_payload(timeline, notes_of=EMBED_NOTES_OF, lang=code)
                for code in langs}
    data = payloads[langs[0]]
    words = _Words(langs)
    for index, frame in enumerate(data["frames"]):
        texts = {code: payloads[code]["frames"][index] for code in langs}
        for key in ("w", "n"):
            if key in frame:
                frame[key] = {region: words.add({code: texts[code].get(key, {}).get(region, "")
                                                 for code in langs})
                              for region in frame[key]}
        if "notice" in frame:
            frame["notice"] = words.add({code: texts[code].get("notice", "") for code in langs})
    one_date = len(timeline.dates) == 1
    first, last = timeline.first_date, timeline.last_date
    units = {code: timeline.level.count_text(code) for code in langs}  # "27 regions", …
    labels, page = {}, {}
    for code in langs:
        labels[code] = {**interface_labels(code),
                        **{key: t(key, code) for key in _EMBED_LABEL_KEYS},
                        "figures_of": t("embed_figures_of", code), "months": day_months(code)}
        source = provenance.source_line(code, beside=True)
        credit_text = credit_line(credit, code)
        page[code] = {
            "title": titles[code],
            "description": (
                t("export_embed_description_one", code, date=date_text(last, code),
                  units=units[code]) if one_date
                else t("export_embed_description", code, first=first.isoformat(),
                       last=last.isoformat(), units=units[code])),
            "description_one": t("export_embed_description_one", code, date="{date}",
                                 units=units[code]),
            "oneday": t("embed_figures_of", code, date=date_text(last, code)),
            "play": t("play", code),
            "slider": t("export_slider", code),
            "legend_title": t("legend_title", code),
            "source_line": source + (f" · {credit_text}" if credit_text else ""),
            "provenance_line": provenance.line(code),
            "get_data": t("embed_get_data", code),
            **{f"legend{i}": item["label"] for i, item in enumerate(legend_entries(code))},
        }
    width, height, _ = svg_regions(level=timeline.level.name)
    data.update(
        lang=lang,
        langs=list(langs),
        start=start,
        texts=words.entries,
        headlines=[_headline_entry(timeline, day, words) for day in timeline.dates],
        change_days=CHANGE_DAYS,
        labels=labels,
        page=page,
        hatch=_HATCH_FILL,
        view=[width, height],
        data_url=data_url,
        provenance=provenance.as_dict(),
    )
    data["texts"] = words.entries  # the headlines' reasons were added last
    return data


def render_embed(
    timeline: Timeline,
    provenance: Provenance,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    credit: str | None = None,
    lang: str = "en",
    initial_index: int | None = None,
    data_url: str | None = None,
    titles: dict[str, str] | None = None,
) -> str:
    """The embed page as text; user text goes through Jinja's autoescape or ``script_json``.

    ``lang`` is the language the page is served in (and read in without JavaScript); the page
    carries every language and ``?lang=`` picks another. ``title``: the same in every language
    (default: :func:`default_titles`; ``titles`` gives one per language). ``data_url``: the
    relative address of the figures as CSV for the "Get the data" link (``mapkit export
    --format embed`` writes one beside the embed; a site its ``data/figures.csv``); without
    one the link makes a CSV of this map's own figures in the browser. ``initial_index``: the
    date shown first (default: the latest) — what the page says without JavaScript, and the
    date the map opens on without ``?date=``.
    """
    page = embed_page(timeline, provenance, title=title, subtitle=subtitle, credit=credit,
                      lang=lang, initial_index=initial_index, data_url=data_url, titles=titles)
    return _templates().get_template("embed.html").render(
        **page,
        flags_js=Markup(_asset("embed_flags.js")),
        css=Markup(_asset("embed.css")),
        js=Markup(embed_script()),
    )


def embed_script() -> str:
    """The embed's behaviour as one script (:data:`EMBED_SCRIPTS` in order): inline in the
    embed, a file of its own on a published site (:mod:`mapkit.publish.site`)."""
    return "".join(_asset(name) for name in EMBED_SCRIPTS)


def embed_page(
    timeline: Timeline,
    provenance: Provenance,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    credit: str | None = None,
    lang: str = "en",
    initial_index: int | None = None,
    data_url: str | None = None,
    titles: dict[str, str] | None = None,
) -> dict:
    """What ``embed_figure.html`` is filled with (the options are :func:`render_embed`'s):
    the figure's texts in ``lang``, its regions' paths and colours on the date shown first,
    the noscript table, and ``data_json`` (``data``: what embed.js reads). The embed and the
    published site's reader page draw the same figure from it."""
    if titles is None:
        titles = ({code: title for code in LANGUAGES} if title and title.strip()
                  else default_titles(timeline))
    level = timeline.level.name
    width, height, paths = svg_regions(level=level)
    start = len(timeline.dates) - 1 if initial_index is None else initial_index
    data = embed_data(timeline, provenance, titles=titles, subtitle=subtitle, credit=credit,
                      lang=lang, start=start, data_url=data_url)
    palette = data["palette"]
    first_frame = timeline.frame(start)
    held = timeline.holds(start)
    order = sorted(range(len(timeline.regions)),
                   key=lambda i: timeline.regions[i].code in _DRAW_LAST)
    regions = []
    for index in order:
        region = timeline.regions[index]
        cell = first_frame[index]
        colour = palette[int(data["frames"][start]["c"][index], 36)]
        regions.append({
            "index": index,
            "code": region.code,
            "name": region.name(lang),
            "d": paths[region.code],
            "fill": _HATCH_FILL if colour == HATCH else colour,
            "value": value_text(cell, lang) if held else t("status_no_map", lang),
            "percent": "" if cell.percent is None else data["frames"][start]["p"][index],
        })
    table_rows = [
        {"name": region.name(lang),
         "value": value_text(cell, lang) if held else t("status_no_map", lang),
         "km2": "" if cell.area_km2 is None or not held
                else t("km2_value", lang, value=number_text(cell.area_km2, lang)),
         "source": cell.source or "" if held else "",
         "as_of": cell.as_of.isoformat() if cell.as_of and held else ""}
        for region, cell in zip(timeline.regions, first_frame)
    ]
    page = data["page"][lang]
    many = level != DEFAULT_LEVEL
    if many:  # raions, hromadas: frames as their changes (expanded by payload_reader.js)
        changes_only(data)
    return dict(
        many=many,
        lang=lang,
        title=page["title"],
        subtitle=subtitle,
        headline=_headline_text(timeline, start, lang),
        source_line=page["source_line"],
        provenance_line=page["provenance_line"],
        description=page["description"],
        one_day=page["oneday"],
        get_data=page["get_data"],
        data_url=data_url,
        width=width,
        height=height,
        regions=regions,
        legend_title=page["legend_title"],
        legend=legend_entries(lang),
        partial_colour=PARTIAL_COLOUR,
        hatch_colour=PARTIAL_HATCH_COLOUR,
        dates=data["dates"],
        start=start,
        days=data["days"],
        span=data["span"],
        years=[{"year": year, "left": round(100 * where, 2)} for year, where in data["years"]],
        ticks=" ".join(f"M{1000 * d / max(data['span'], 1):.1f} 0v6" for d in data["days"]),
        stale_text=timeline.notice(start, lang),
        labels=data["labels"][lang],
        km2_column=t("km2_column", lang),
        table_rows=table_rows,
        table_caption=t("export_table_caption", lang, date=data["dates"][start]),
        data_json=Markup(script_json(data)),
        generator=f"mapkit {provenance.tool_version}",
        data=data,
    )


def _headline_text(timeline: Timeline, index: int, lang: str) -> str:
    found = headline(timeline, timeline.dates[index])
    return found.text(lang) if found else ""


def embed_loader_js() -> str:
    """``embed.js`` for host pages: it sizes every ``<iframe data-mapkit-embed>`` on the page
    to the height its embed asks for (pym.js, AMP ``embed-size`` or mapkit's own message, only
    from that iframe's window)."""
    return _asset("embed_loader.js")


#: Besides the map, an embed's text takes about ``_TEXT_HEIGHT + _TEXT_WRAP / width`` px: title,
#: headline, controls, legend and source lines, which wrap onto more lines the narrower it is
#: (measured in Chromium on the bundled timeline, in English and Ukrainian: 480 px of text at
#: 320 px wide, 330 at 600, 230 at 1200).
_TEXT_HEIGHT = 180
_TEXT_WRAP = 95_000


def fixed_height(width: int) -> int:
    """A sensible iframe height for an embed ``width`` px wide, for hosts that run no script:
    the map at full width and its text (tests/test_embed_browser.py checks that it fits at 320,
    600 and 1200 px). Where a long title needs more, the map is drawn a little smaller inside
    it and nothing is cut (embed.css: .mk-framed)."""
    width = min(max(int(width), 300), 1200)
    view_width, view_height, _ = svg_regions()
    padding = 16 if width < 480 else 24  # embed.css: .mk's padding
    map_height = (width - padding) * view_height / view_width
    return int(math.ceil((map_height + _TEXT_HEIGHT + _TEXT_WRAP / width) / 10) * 10)


@lru_cache(maxsize=8)
def _asset(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")
