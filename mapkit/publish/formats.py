"""The export formats, in one registry: what each is called, its file suffix, whether it shows
one date or many, and what draws it.

The command line builds ``--format`` (choices and help) from :data:`FORMATS`, the app its export
panel, and :func:`mapkit.publish.render_export` its dispatch; a new format is one entry here.

Importing this module is cheap (no pandas, matplotlib or folium): the renderers are imported
when a format is drawn, so ``mapkit --help`` and the app's first page stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mapkit.figures import Timeline
    from mapkit.publish.provenance import Provenance

#: ``progress(done, total)``, called while a many-frame export is drawn.
Progress = Callable[[int, int], None]
#: ``render(timeline, provenance, texts, progress) -> bytes``; ``texts`` holds ``title``,
#: ``subtitle``, ``credit`` and ``lang`` (and, for an animation, ``frames`` and ``seconds``;
#: ``data_url`` for a format that links its data, ``tiles`` for one with a basemap).
Renderer = Callable[["Timeline", "Provenance", dict, "Progress | None"], bytes]


@dataclass(frozen=True)
class ExportFormat:
    """One export format."""

    name: str
    #: File suffix, with its dot.
    suffix: str
    #: Shows one date (the latest unless one is given); otherwise every date chosen.
    one_date: bool
    #: What you get, for ``--help`` and the app.
    description: str
    render: Renderer
    #: On a one-date map the title says the date; maps that print it apart from the title
    #: (png, svg, gif) keep the plain title.
    title_says_date: bool = False
    #: Stamped with the day it was made, not the time: two runs on identical inputs give
    #: identical bytes (the app's GIF and the command line's too).
    stamped_by_day: bool = False
    #: Drawn frame by frame, calling ``progress(done, total)`` (the CLI shows a bar).
    reports_progress: bool = False
    #: An animation: its length (``seconds``) and number of frames (``frames``) can be chosen.
    animated: bool = False
    #: The i18n key of the title when none is given.
    default_title: str = "title"
    #: The levels (:mod:`mapkit.levels`) it can be made at (its renderer gets the level as
    #: ``timeline.level``): every format of mapkit's draws every level (the change charts
    #: are the whole country's, the same at each); a new format may start with the oblasts.
    levels: tuple[str, ...] = ("oblast",)
    #: One file in every language (``?lang=``): its default title is its own, per language.
    carries_languages: bool = False
    #: Links to its figures as CSV ("Get the data"): takes a ``data_url``.
    links_data: bool = False
    #: Draws a basemap of tiles from the internet, which ``tiles=False`` leaves out.
    has_basemap: bool = False
    #: What the app's export panel offers first: the whole timeline, or the date shown.
    whole_timeline_first: bool = False


def _embed(timeline: Timeline, provenance: Provenance, texts: dict,
           progress: Progress | None) -> bytes:
    from mapkit.publish.embed import render_embed

    return render_embed(timeline, provenance, **texts).encode("utf-8")


def _html(timeline: Timeline, provenance: Provenance, texts: dict,
          progress: Progress | None) -> bytes:
    from mapkit.publish.folium_map import render_html

    return render_html(timeline, provenance, **texts).encode("utf-8")


def _png(timeline: Timeline, provenance: Provenance, texts: dict,
         progress: Progress | None) -> bytes:
    from mapkit.publish.static import render_static

    return render_static(timeline, provenance, fmt="png", **texts)


def _svg(timeline: Timeline, provenance: Provenance, texts: dict,
         progress: Progress | None) -> bytes:
    from mapkit.publish.static import render_static

    return render_static(timeline, provenance, fmt="svg", **texts)


def _gif(timeline: Timeline, provenance: Provenance, texts: dict,
         progress: Progress | None) -> bytes:
    from mapkit.publish.static import render_gif

    return render_gif(timeline, provenance, progress=progress, **texts)


def _chart_png(timeline: Timeline, provenance: Provenance, texts: dict,
               progress: Progress | None) -> bytes:
    from mapkit.publish.change_chart import render_change_chart

    return render_change_chart(timeline, provenance, fmt="png", **texts)


def _chart_svg(timeline: Timeline, provenance: Provenance, texts: dict,
               progress: Progress | None) -> bytes:
    from mapkit.publish.change_chart import render_change_chart

    return render_change_chart(timeline, provenance, fmt="svg", **texts)


def _csv(timeline: Timeline, provenance: Provenance, texts: dict,
         progress: Progress | None) -> bytes:
    from mapkit.publish.csv_table import render_csv

    return render_csv(timeline, provenance)


#: Every level (:data:`mapkit.levels.LEVEL_NAMES`): the formats that draw them all.
LEVELS = ("oblast", "raion", "hromada")

#: Every format, by name, in the order the command line and the app list them.
FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("html", ".html", one_date=False, render=_html, title_says_date=True,
                 has_basemap=True, whole_timeline_first=True,
                 description="Leaflet page, self-contained (basemap tiles optional)",
                 levels=LEVELS),
    ExportFormat("embed", ".html", one_date=False, render=_embed, title_says_date=True,
                 carries_languages=True, links_data=True, whole_timeline_first=True,
                 description="self-contained HTML for an iframe", levels=LEVELS),
    ExportFormat("png", ".png", one_date=True, render=_png,
                 description="print map of one date", levels=LEVELS),
    ExportFormat("svg", ".svg", one_date=True, render=_svg, stamped_by_day=True,
                 description="print map of one date", levels=LEVELS),
    ExportFormat("gif", ".gif", one_date=False, render=_gif, reports_progress=True,
                 animated=True, stamped_by_day=True, whole_timeline_first=True,
                 description="animation", levels=LEVELS),
    ExportFormat("csv", ".csv", one_date=False, render=_csv, description="the figures",
                 levels=LEVELS),
    ExportFormat("chart-png", ".png", one_date=False, render=_chart_png,
                 default_title="chart_title", whole_timeline_first=True,
                 description="net change per month, whole country, as a bar chart", levels=LEVELS),
    ExportFormat("chart-svg", ".svg", one_date=False, render=_chart_svg, stamped_by_day=True,
                 default_title="chart_title", whole_timeline_first=True,
                 description="net change per month, whole country, as a bar chart", levels=LEVELS),
)}


def formats_help() -> str:
    """``html: …; embed: …; png/svg: …`` — one clause per description, in registry order."""
    clauses: list[tuple[list[str], str]] = []
    for fmt in FORMATS.values():
        if clauses and clauses[-1][1] == fmt.description:
            clauses[-1][0].append(fmt.name)
        else:
            clauses.append(([fmt.name], fmt.description))
    return "; ".join(f"{'/'.join(names)}: {text}" for names, text in clauses) + "."
