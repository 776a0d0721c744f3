"""Exports for journalists: one function per question, shared by the CLI and the Streamlit app.

- :func:`render_export` turns validated snapshots into the bytes of one export format.
- :func:`write_export` does that and writes the file atomically (a failed export never leaves
  half a file, nor damages one already there).
- :func:`iframe_snippet` gives the HTML to paste into a story for the embed, with auto-height.

Formats (``FORMATS``): ``html`` (Leaflet page with basemap and time slider), ``embed`` (one
self-contained HTML file with an inline SVG map), ``png`` / ``svg`` (print map of one date),
``gif`` (animation over the dates), ``csv`` (the figures behind the map, with sources).
Every export carries its provenance: sources, dates covered, mapkit version, generated-at.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mapkit.i18n import LANGUAGES, t
from mapkit.render.provenance import Provenance
from mapkit.render.timeline import ExportInputError, Timeline, build_timeline

FORMATS = ("html", "embed", "png", "svg", "gif", "csv")
#: Formats that show a single date (the latest one unless a date is given).
ONE_DATE_FORMATS = ("png", "svg")
SUFFIXES = {"html": ".html", "embed": ".html", "png": ".png", "svg": ".svg", "gif": ".gif",
            "csv": ".csv"}

__all__ = [
    "FORMATS", "ExportInputError", "iframe_snippet", "render_export", "write_export",
]


def render_export(
    fmt: str,
    snapshots: pd.DataFrame,
    *,
    date: dt.date | str | None = None,
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
    source: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    credit: str | None = None,
    lang: str = "en",
    generated_at: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The bytes of one export of ``snapshots`` (a frame from ``mapkit.snapshots.load_snapshots``).

    Parameters
    ----------
    fmt:
        One of ``FORMATS``: "html", "embed", "png", "svg", "gif", "csv".
    date:
        Show this one day (the latest figure of each region on or before it). Default for png/svg:
        the latest snapshot date; for the others: every snapshot date.
    date_from, date_to:
        Keep the snapshot dates in this closed range instead (either end may be left open).
    source:
        Keep one source's figures (a name from ``list_sources``). Default: all sources, each
        region showing its latest figure; on the same day a computed figure wins over a reported
        one. Every figure keeps its source and date in tooltips, tables and the CSV.
    title, subtitle, credit:
        Text shown on the map; a user's text is escaped in every format. The title defaults to
        "Territory under Russian military control" (with the date on one-date maps).
    lang:
        "en" or "uk": interface text and region names.
    generated_at:
        Time stamped into the provenance (default: now, or ``SOURCE_DATE_EPOCH`` if set), so
        identical inputs give identical bytes.
    progress:
        Called as ``progress(done, total)`` while frames are drawn (gif).

    Raises
    ------
    ExportInputError
        Unknown format or language, or dates/source that match no snapshot; the message says
        what to do.
    """
    if fmt not in FORMATS:
        raise ExportInputError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if lang not in LANGUAGES:
        raise ExportInputError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    timeline = build_timeline(
        snapshots, date=date, date_from=date_from, date_to=date_to, source=source,
        latest_only=fmt in ONE_DATE_FORMATS,
    )
    if fmt in ONE_DATE_FORMATS and len(timeline.dates) != 1:
        timeline = build_timeline(snapshots, date=timeline.last_date, source=source)
    # The SVG is stamped with the day only, so two runs on identical inputs give identical bytes.
    provenance = Provenance.of(timeline, generated_at, day_only=fmt == "svg")
    if title is None or not title.strip():
        # Maps that print their date apart from the title (png, svg, gif) and timelines get
        # the plain title; a one-date page says its date in the title.
        one_date_page = len(timeline.dates) == 1 and fmt in ("html", "embed")
        title = (t("title_on", lang, date=timeline.last_date.isoformat()) if one_date_page
                 else t("title", lang))
    texts = {"title": title, "subtitle": subtitle or None, "credit": credit or None, "lang": lang}

    if fmt == "embed":
        from mapkit.render.embed import render_embed

        return render_embed(timeline, provenance, **texts).encode("utf-8")
    if fmt == "html":
        from mapkit.render.folium_map import render_html

        return render_html(timeline, provenance, **texts).encode("utf-8")
    if fmt in ("png", "svg"):
        from mapkit.render.static import render_static

        return render_static(timeline, provenance, fmt=fmt, **texts)
    if fmt == "gif":
        from mapkit.render.static import render_gif

        return render_gif(timeline, provenance, progress=progress, **texts)
    return render_csv(timeline, provenance)


def write_export(fmt: str, snapshots: pd.DataFrame, out: str | Path, **options) -> Path:
    """Render like :func:`render_export` (same keyword options) and write ``out`` atomically.

    The file is rendered in memory first, written beside ``out`` under a temporary name and
    renamed over it, so a failure at any point leaves any existing ``out`` untouched.
    """
    out = Path(out)
    if out.is_dir():
        example = out / ("map" + SUFFIXES.get(fmt, ""))
        raise ExportInputError(f"{out} is a folder: give a file name, e.g. {example}")
    if not out.parent.exists():
        raise ExportInputError(f"folder {out.parent} does not exist: create it first")
    content = render_export(fmt, snapshots, **options)
    write_atomically(out, content)
    return out


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file and ``os.replace``."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def iframe_snippet(url_or_filename: str, *, title: str | None = None, height: int = 640) -> str:
    """HTML to paste into a story: an iframe of the embed that grows to the map's height.

    The embed posts its height to the page (``mapkit-embed-height`` message); the small script
    resizes only the iframe it follows, and only on messages from that iframe.
    """
    src = html.escape(str(url_or_filename), quote=True)
    name = html.escape(title or t("title"), quote=True)
    return (
        f'<iframe src="{src}" title="{name}" loading="lazy" scrolling="no" '
        f'style="width:100%;height:{int(height)}px;border:0" data-mapkit-embed></iframe>'
        "<script>(function(){var f=document.currentScript.previousElementSibling;"
        'window.addEventListener("message",function(e){if(e.source===f.contentWindow&&e.data&&'
        'e.data.type==="mapkit-embed-height"&&e.data.height>0){f.style.height=e.data.height+"px";}'
        "});})();</script>"
    )


CSV_COLUMNS = (
    "map_date", "region", "region_name_en", "region_name_uk", "percent", "status",
    "contested_percent", "figure_date", "source", "source_url", "method", "note",
    "mapkit_version", "generated_at",
)


def render_csv(timeline: Timeline, provenance: Provenance) -> bytes:
    """One row per map date and region: the figure shown, its own date, source and method.

    ``status`` is "figure", "partial, no figure" or "no data"; ``percent`` is empty unless a
    figure exists. The last two columns carry the provenance, so it survives copy and paste.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for day, frame in zip(timeline.dates, timeline.cells):
        for region, cell in zip(timeline.regions, frame):
            if not cell.has_data:
                status = "no data"
            elif cell.percent is None:
                status = "partial, no figure"
            else:
                status = "figure"
            writer.writerow([
                day.isoformat(), region.code, region.name_en, region.name_uk,
                "" if cell.percent is None else f"{cell.percent:g}", status,
                "" if cell.contested is None else f"{cell.contested:g}",
                cell.as_of.isoformat() if cell.as_of else "", _text_cell(cell.source),
                _text_cell(cell.source_url), cell.method or "", _text_cell(cell.note),
                provenance.tool_version, provenance.generated_text,
            ])
    return buffer.getvalue().encode("utf-8")


def _text_cell(text: str | None) -> str:
    """A user's text for a spreadsheet cell: never read as a formula (CSV injection)."""
    if not text:
        return ""
    return "'" + text if text[0] in "=+-@\t\r" else text


def run_export(fmt: str, out: str | Path, *, snapshot_paths=(), **options) -> int:
    """The ``mapkit export`` command: load, render with a progress bar, write, report.

    Returns the exit code: 0 written, 1 the snapshots are invalid, 2 bad options.
    """
    import click

    from mapkit.snapshots import SnapshotError, load_snapshots

    try:
        snapshots = load_snapshots(list(snapshot_paths) or None)
    except SnapshotError as error:
        click.echo(str(error), err=True)
        click.echo("error: the snapshots are invalid; nothing was written. Fix the lines above "
                   "(`mapkit validate` checks them).", err=True)
        return 1
    out = Path(out)
    try:
        if fmt == "gif":
            with click.progressbar(length=1, label="Drawing frames", file=sys.stderr) as bar:
                def progress(done: int, total: int) -> None:
                    bar.length = total
                    bar.update(done - bar.pos)

                write_export(fmt, snapshots, out, progress=progress, **options)
        else:
            write_export(fmt, snapshots, out, **options)
    except ExportInputError as error:
        click.echo(f"error: {error}; nothing was written.", err=True)
        return 2
    size = out.stat().st_size
    click.echo(f"wrote {out} ({size / 1024:,.0f} KB, {fmt})")
    if fmt == "embed":
        click.echo("Paste this where the map should appear (upload the file next to the story "
                   "and change src to its address):")
        click.echo(iframe_snippet(out.name, title=options.get("title")))
    return 0
