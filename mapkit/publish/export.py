"""Exports for journalists: one function per question, shared by the CLI and the Streamlit app.

- :func:`render_export` turns validated snapshots into the bytes of one export format.
- :func:`write_export` does that and writes the file atomically (a failed export never leaves
  half a file, nor damages one already there).
- :func:`write_embed` writes the embed and the CSV of its figures beside it ("Get the data").
- :func:`iframe_snippet` gives the HTML to paste into a story for the embed: an iframe that
  takes its map's height (with the small ``embed.js`` loader), and one of a fixed height for
  hosts that allow no script.

The formats and what draws each are in :data:`mapkit.publish.formats.FORMATS`. Every export
carries its provenance: sources, dates covered, mapkit version, generated-at. Nothing here prints
or exits: a problem is an :class:`ExportInputError` whose message says what to do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import pandas as pd

from mapkit.constants import SNAPSHOTS_DIR
from mapkit.figures import FiguresError, build_timeline, series_for_date
from mapkit.files import write_atomically
from mapkit.i18n import LANGUAGES, t
from mapkit.publish.formats import FORMATS, Progress
from mapkit.publish.provenance import Provenance
from mapkit.snapshots import SNAPSHOT_SUFFIXES, snapshot_files

__all__ = ["FOCUS_FORMATS", "TEXT_LIMITS", "EmbedCodes", "ExportInputError", "ExportTextError",
           "check_export_focus", "check_export_level", "check_export_target",
           "check_export_texts", "iframe_snippet", "render_export", "write_embed",
           "write_export"]

#: The most characters a map's title, subtitle and credit may have: about three lines of a
#: print map's title, four of its subtitle. Drawing is measured word by word, so a text of
#: 100,000 characters took two minutes a PNG; a longer text is refused, never cut.
TEXT_LIMITS = {"title": 200, "subtitle": 300, "credit": 300}
#: The formats ``focus`` (one oblast drawn large) applies to: the print maps.
FOCUS_FORMATS = ("png", "svg")


class ExportInputError(FiguresError):
    """The export's options (format, language, dates, source, file) cannot be used; the message
    says what to do. The figures' own error, raised as this one by the functions here."""


class ExportTextError(ExportInputError):
    """A title, subtitle or credit that cannot be drawn: ``field`` names it ("title", …), the
    message (``the title is …``) says what is wrong and what to do; ``problem`` is the message
    without its subject, for a command line that names the option instead (``--title is …``).
    """

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"the {field} {problem}")


def check_export_texts(**texts: str | None) -> None:
    """Refuse a ``title``, ``subtitle`` or ``credit`` no map can draw: one longer than
    :data:`TEXT_LIMITS`, or one that is not text — bytes that are not UTF-8, which Python
    keeps as lone surrogates (a terminal in another encoding: ``--title $'\\xff'``).

    The command line checks them before anything is loaded; :func:`render_export` (the app's
    way in) checks them again, so the limits hold wherever a map is made.
    """
    for field, text in texts.items():
        if text is None:
            continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raw = text.encode("utf-8", "surrogateescape")[error.start:error.end]
            raise ExportTextError(
                field, f"is not text: it holds bytes that are not UTF-8 ({raw!r} at character "
                       f"{error.start + 1}); type it again, or set the terminal to UTF-8"
            ) from None
        limit = TEXT_LIMITS[field]
        if len(text) > limit:
            raise ExportTextError(
                field, f"is {len(text):,} characters long; a map's {field} may have at most "
                       f"{limit}: shorten it")


def check_export_level(fmt: str, level: str | None) -> None:
    """Refuse a format that cannot be made at ``level`` yet (:attr:`ExportFormat.levels`):
    the maps draw the oblasts only for now; the csv has every level's figures."""
    from mapkit.levels import LevelError, get_level

    try:
        name = get_level(level).name
    except LevelError as error:
        raise ExportInputError(str(error)) from None
    export_format = FORMATS.get(fmt)
    if export_format is not None and name not in export_format.levels:
        able = [n for n, f in FORMATS.items() if name in f.levels]
        raise ExportInputError(
            f"--format {fmt} cannot draw the {name} level yet: maps are drawn at the "
            f"{', '.join(export_format.levels)} level; --format {' or '.join(able)} gives "
            f"the {name} figures")


def check_export_focus(fmt: str, level: str | None, focus: str | None) -> str | None:
    """The oblast a print map is to draw large (``--focus UA-14``, or its name: "Donetsk"),
    as its ISO code; None without one. Refused, with what to do, for a format that is no
    print map (png, svg), at the oblast level (the focus draws one oblast's raions or
    hromadas), or for a name that is no oblast."""
    if focus is None:
        return None
    from mapkit.levels import DEFAULT_LEVEL, get_level
    from mapkit.regions import UnknownRegionError

    if fmt not in FOCUS_FORMATS:
        raise ExportInputError(f"--focus draws one oblast on a print map: use --format "
                               f"{' or '.join(FOCUS_FORMATS)}, not {fmt}")
    if get_level(level).name == DEFAULT_LEVEL:
        raise ExportInputError("--focus draws one oblast's raions or hromadas: add --level "
                               "raion or --level hromada")
    try:
        oblast = get_level(DEFAULT_LEVEL).resolve(focus)
    except (UnknownRegionError, LookupError) as error:
        raise ExportInputError(f"--focus {focus!r}: {error}") from None
    if oblast.code == "UA":
        raise ExportInputError("--focus names one oblast (UA-14, Donetsk), not the whole "
                               "country: leave it out to draw all of Ukraine")
    return oblast.code


def check_data_url(url: str) -> None:
    """Refuse a "Get the data" address a reader's browser would not open as a file's: only a
    relative address (``data/figures.csv``, which works under any path and from ``file://``)
    or an ``http(s)`` one, without spaces or control characters (a browser drops those, so
    ``java\tscript:`` would run)."""
    if not url or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise ExportInputError(f"the data URL {url!r} is empty or holds a space or control "
                               "character: write it as a link would (%20 for a space)")
    if urlsplit(url).scheme.lower() not in ("", "http", "https"):
        raise ExportInputError(f"the data URL {url!r} is not a file's address: give a relative "
                               "one (data/figures.csv) or an http(s) one")


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
    progress: Progress | None = None,
    frames: int | None = None,
    seconds: float | None = None,
    compare: str | None = None,
    level: str | None = None,
    focus: str | None = None,
    data_url: str | None = None,
    tiles: bool | None = None,
) -> bytes:
    """The bytes of one export of ``snapshots`` (a frame from ``mapkit.snapshots.load_snapshots``).

    Parameters
    ----------
    fmt:
        A name in ``FORMATS``: "html", "embed", "png", "svg", "gif", "csv", "chart-png",
        "chart-svg".
    date:
        Show this one day: each region's latest figure on or before it that still stands (its
        series' cadence: :mod:`mapkit.cadence`; the map says "Figures as of …" when they are
        older than the day). Where the series has no map for the day, the map is drawn from a
        series that has one and says so when ``source`` is None
        (:func:`mapkit.figures.series_for_date`); else :class:`ExportInputError` names the
        series that has one. Default for png/svg: the series' latest date; for the others:
        every date of the series, and the first day of each of its gaps, which says "no map".
    date_from, date_to:
        Keep the snapshot dates in this closed range instead (either end may be left open).
    source:
        The series to show: a source's name, or a name from the snapshots' ``series`` column
        (:func:`mapkit.figures.list_series`). Default: :func:`mapkit.figures.default_series`,
        the densest computed series. Other series' figures stand beside it (tooltips, the
        CSV's ``other_sources``), never in its colours; every figure keeps its source and date.
    title, subtitle, credit:
        Text shown on the map; a user's text is escaped in every format, and isolated from the
        text around it (right-to-left text and Unicode direction controls stay inside it). At
        most :data:`TEXT_LIMITS` characters. The title defaults to "Territory under Russian
        military control" (with the date on one-date maps; in each language in the embed).
    lang:
        "en" or "uk": interface text and region names (the embed carries both, and opens in
        this one).
    generated_at:
        Time stamped into the provenance (default: now, or ``SOURCE_DATE_EPOCH`` if set), so
        identical inputs give identical bytes.
    progress:
        Called as ``progress(done, total)`` while frames are drawn (gif).
    frames, seconds:
        An animation's (gif's) number of frames and length, spread evenly over its dates by
        time (default 60 frames in 12 seconds: :func:`mapkit.publish.static.gif_schedule`).
    compare:
        Another series: the CSV is then the two side by side, region by region, with the
        difference (:func:`mapkit.series_comparison.compare_series`; csv only).
    level:
        The level the snapshots are figures of (default: the one they were loaded at,
        ``snapshots.attrs["level"]``, else the oblasts); a format that cannot be made at it
        yet is refused (:func:`check_export_level`).
    focus:
        An oblast (its code, "UA-14", or name) whose raions or hromadas a print map (png, svg)
        draws large: the map's extent is that oblast, its neighbours grey
        (:func:`check_export_focus`).
    data_url:
        The embed's "Get the data" link: the (relative) address of its figures as CSV
        (:func:`write_embed` writes one beside it). Default: the link makes a CSV of the
        map's own figures in the reader's browser.
    tiles:
        html: draw the OpenStreetMap basemap, whose tiles come from the internet (default
        True; the page says so). False: a page that asks no other host for anything.

    Raises
    ------
    ExportInputError
        Unknown format or language, dates/source that match no snapshot, or a text too long or
        not text (:class:`ExportTextError`); the message says what to do.
    """
    check_export_texts(title=title, subtitle=subtitle, credit=credit)
    export_format = FORMATS.get(fmt)
    if export_format is None:
        raise ExportInputError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if lang not in LANGUAGES:
        raise ExportInputError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    level = level or snapshots.attrs.get("level")
    check_export_level(fmt, level)
    focus = check_export_focus(fmt, level, focus)
    if (frames is not None or seconds is not None) and not export_format.animated:
        raise ExportInputError(f"frames and seconds are an animation's: {fmt} has none "
                               f"(choose {', '.join(n for n, f in FORMATS.items() if f.animated)})")
    if data_url is not None and not export_format.links_data:
        raise ExportInputError(f"a data URL is the embed's \"Get the data\" link: {fmt} has "
                               "none (use --format embed)")
    if data_url is not None:
        check_data_url(data_url)
    if tiles is not None and not export_format.has_basemap:
        raise ExportInputError(f"{fmt} has no basemap to leave out or draw: tiles are the "
                               "html export's (use --format html)")
    if compare is not None:
        return _comparison(fmt, snapshots, compare, source=source, date=date,
                           date_from=date_from, date_to=date_to, generated_at=generated_at)
    try:
        instead_of = None
        if date is not None and date_from is None and date_to is None:
            source, instead_of = series_for_date(snapshots, date, source)
        timeline = build_timeline(
            snapshots, date=date, date_from=date_from, date_to=date_to, source=source,
            latest_only=export_format.one_date, gaps=True, level=level,
        )
    except FiguresError as error:
        raise ExportInputError(str(error)) from error
    if instead_of is not None:
        timeline = dataclasses.replace(timeline, instead_of=instead_of)
    provenance = Provenance.of(timeline, generated_at, day_only=export_format.stamped_by_day)
    if title is None or not title.strip():  # the embed titles itself, in every language
        title = (None if export_format.carries_languages
                 else t("title_on", lang, date=timeline.last_date.isoformat())
                 if len(timeline.dates) == 1 and export_format.title_says_date
                 else t(export_format.default_title, lang))
    texts = {"title": title, "subtitle": subtitle or None, "credit": credit or None, "lang": lang}
    if export_format.animated:
        texts.update(frames=frames, seconds=seconds)
    if focus is not None:
        texts["focus"] = focus
    if export_format.links_data:
        texts["data_url"] = data_url
    if export_format.has_basemap:
        texts["tiles"] = True if tiles is None else tiles
    return export_format.render(timeline, provenance, texts, progress)


def _comparison(fmt: str, snapshots: pd.DataFrame, other: str, *, source: str | None,
                date, date_from, date_to, generated_at: dt.datetime | None) -> bytes:
    """Two series side by side as CSV (``--compare``)."""
    from mapkit.publish.csv_table import render_comparison_csv
    from mapkit.series_comparison import compare_series

    if fmt != "csv":
        raise ExportInputError(f"--compare puts two series side by side in a table: use "
                               f"--format csv, not {fmt}")
    try:
        table = compare_series(snapshots, other, source=source, date=date, date_from=date_from,
                               date_to=date_to)
        timeline = build_timeline(snapshots, source=table.attrs["series_a"], latest_only=True)
    except FiguresError as error:
        raise ExportInputError(str(error)) from error
    provenance = Provenance.of(timeline, generated_at)
    return render_comparison_csv(table, provenance)


def check_export_target(out: str | Path, snapshot_inputs: list[str | Path] | None = None,
                        snapshots: pd.DataFrame | None = None) -> None:
    """Refuse an ``out`` that would destroy or spoil the snapshots the export is made from.

    ``out`` may not be one of the snapshot files read — those ``snapshot_inputs`` (files and
    folders; default: the bundled folder) name, or ``snapshots``' ``file`` column — nor a
    ``.csv`` inside a folder of ``snapshot_inputs``: every later load of that folder would
    read the export as a snapshot file.
    """
    out = Path(out)
    target = out.resolve()
    inputs = list(snapshot_inputs or [SNAPSHOTS_DIR])
    read = set(snapshot_files(inputs)[0] if snapshots is None else snapshots["file"].unique())
    if any(Path(name).resolve() == target for name in read):
        raise ExportInputError(f"{out} is one of the snapshot files this map is made from; "
                               "writing it would replace your data: choose another file")
    if out.suffix.lower() not in SNAPSHOT_SUFFIXES or snapshots is not None:
        return
    for item in inputs:
        folder = Path(item).resolve()
        if folder.is_dir() and folder in target.parents:
            raise ExportInputError(
                f"{out} is inside the snapshots folder {item}, where every later export and "
                "`mapkit validate` would read it as a snapshot file: write it somewhere else")


def write_export(fmt: str, snapshots: pd.DataFrame, out: str | Path, **options) -> Path:
    """Render like :func:`render_export` (same keyword options) and write ``out`` atomically.

    The file is rendered in memory first, written beside ``out`` under a temporary name and
    renamed over it, so a failure at any point leaves any existing ``out`` untouched. ``out``
    is never one of the snapshot files ``snapshots`` was read from
    (:func:`check_export_target`).
    """
    out = Path(out)
    if "file" in snapshots:
        check_export_target(out, snapshots=snapshots)
    if out.is_dir():
        example = out / ("map" + (FORMATS[fmt].suffix if fmt in FORMATS else ""))
        raise ExportInputError(f"{out} is a folder: give a file name, e.g. {example}")
    if not out.parent.exists():
        raise ExportInputError(f"folder {out.parent} does not exist: create it first")
    content = render_export(fmt, snapshots, **options)
    write_atomically(out, content)
    return out


def data_beside(out: str | Path) -> Path:
    """The CSV :func:`write_embed` writes beside an embed: ``map.html`` → ``map.csv``."""
    return Path(out).with_suffix(".csv")


def write_embed(snapshots: pd.DataFrame, out: str | Path, *, data_url: str | None = None,
                **options) -> tuple[Path, Path | None]:
    """Write the embed to ``out`` and, unless ``data_url`` names the figures' CSV elsewhere,
    the CSV of its figures beside it (:func:`data_beside`: the same dates and series, every
    column of the csv export), which its "Get the data" link opens by its relative name — so
    the two work together wherever they are copied. Both are rendered before either is
    written, and each is written atomically; ``options`` are :func:`render_export`'s.
    Returns the paths written (the CSV's None when ``data_url`` is given)."""
    out = Path(out)
    if data_url is not None:
        return write_export("embed", snapshots, out, data_url=data_url, **options), None
    csv_out = data_beside(out)
    if "file" in snapshots:
        check_export_target(csv_out, snapshots=snapshots)
    if csv_out.is_dir():
        raise ExportInputError(f"{csv_out} is a folder: the embed's figures are written beside "
                               "it under that name; choose another --out")
    csv_options = {key: value for key, value in options.items()
                   if key in ("date", "date_from", "date_to", "source", "generated_at")}
    csv_content = render_export("csv", snapshots, **csv_options)
    page = render_export("embed", snapshots, data_url=csv_out.name, **options)
    if "file" in snapshots:
        check_export_target(out, snapshots=snapshots)
    if out.is_dir():
        raise ExportInputError(f"{out} is a folder: give a file name, e.g. {out / 'map.html'}")
    if not out.parent.exists():
        raise ExportInputError(f"folder {out.parent} does not exist: create it first")
    write_atomically(csv_out, csv_content)
    write_atomically(out, page)
    return out, csv_out


class EmbedCodes(NamedTuple):
    """The two ways to paste an embed into a story (:func:`iframe_snippet`)."""

    #: An iframe that takes its map's height, with the loader that sizes it (``embed.js``,
    #: inline or by its address).
    resizing: str
    #: An iframe of a fixed height for its width, for hosts that allow no script: the map
    #: fits into it (nothing is cut; the map is drawn smaller where the height is short).
    fixed: str

    def __str__(self) -> str:
        return self.resizing


def iframe_snippet(url_or_filename: str, *, title: str | None = None, width: int = 640,
                   loader_url: str | None = None, lang: str = "en") -> EmbedCodes:
    """HTML to paste into a story: :class:`EmbedCodes` (``str()`` of it: the resizing one).

    The embed posts its height in pym.js's, AMP's and mapkit's own message format; the
    loader (``embed.js``: :func:`mapkit.publish.embed.embed_loader_js`, inline unless
    ``loader_url`` gives its address) resizes each ``iframe[data-mapkit-embed]`` of the page
    from its own embed's messages only. Both iframes start at the height that suits a column
    ``width`` px wide (:func:`mapkit.publish.embed.fixed_height`).
    """
    from mapkit.publish.embed import embed_loader_js, fixed_height

    src = html.escape(str(url_or_filename), quote=True)
    name = html.escape(title or t("title", lang), quote=True)
    style = f"width:100%;height:{fixed_height(width)}px;border:0"
    loader = (f'<script src="{html.escape(loader_url, quote=True)}" async></script>'
              if loader_url else f"<script>{_squeezed(embed_loader_js())}</script>")
    return EmbedCodes(
        resizing=(f'<iframe src="{src}" title="{name}" loading="lazy" scrolling="no" '
                  f'style="{style}" data-mapkit-embed></iframe>{loader}'),
        fixed=f'<iframe src="{src}" title="{name}" loading="lazy" style="{style}"></iframe>',
    )


def _squeezed(script: str) -> str:
    """The loader on few lines for pasting: comment lines and indentation dropped (it has
    only ``/* */`` comments, so joining lines never comments out code)."""
    lines = (line.strip() for line in script.splitlines())
    return " ".join(line for line in lines if line and not line.startswith(("/*", "*")))
