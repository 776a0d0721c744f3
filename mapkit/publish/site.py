"""The published site: ``mapkit publish OUT``, a folder of static files for any web host or CDN.

What it holds (docs/publish.md; the data files' columns: docs/data-api.md)::

    index.html          the reader's page: the embed's map with slider and play, the headline,
                        the change by month, the table of the date shown, sources, en/uk
    embed.html          the embed (mapkit.publish.embed), its "Get the data" link data/figures.csv
    embed.js            the loader a story's page includes to size the embed (stable address)
    embed-codes.html    the code to paste: iframe with its resizer, fixed height, alt text
    data/               figures.csv, latest.csv, latest.json, changes-month.csv, changes-week.csv
    png/                latest.png and .svg; YYYY-MM-DD.png and .svg for the latest date and
                        every month's first
    assets/             the reader's page's scripts, styles and social card, named by content
                        (assets/embed.3f2a9c1e07.js): cacheable forever
    .mapkit-publish.json  the manifest: what each file was made from

**One engine.** index.html is the embed's figure (``embed_figure.html``, filled by
:func:`mapkit.publish.embed.embed_page`) with the embed's own scripts, as files, and the page's
sections around it (``site.html``, ``site.js``, ``site.css``); the print maps are
:func:`mapkit.publish.render_export`'s png and svg; the changes are
:func:`mapkit.period_changes.changes`'.

**Only what changed.** Each file is made from inputs whose fingerprint the manifest keeps: the
snapshots' rows that can show on it, the options, and mapkit's own code. A map of date D is
made from the rows dated D or before, and the next date of each series after D (where a gap
ends); a file of every date (the data, the pages) from every row. A rerun remakes only the files
whose fingerprint changed (or that are missing or were edited since), and removes those it no
longer makes (the map of a date that is no longer the latest). Every file is written whole
(:func:`mapkit.files.write_atomically`), the pages last, so a page never names an asset that is
not there; assets the pages no longer name are removed only after the build after next, so a
reader whose browser holds yesterday's page still gets its scripts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from markupsafe import Markup

from mapkit import __version__
from mapkit.constants import DATA_DIR, PACKAGE_DIR
from mapkit.figures import FiguresError, build_timeline, default_series, series_of
from mapkit.files import folder_lock, write_atomically
from mapkit.headline import headline
from mapkit.i18n import LANGUAGES, date_text, number_text, t
from mapkit.levels import get_level
from mapkit.publish.csv_table import spreadsheet_text
from mapkit.publish.export import (
    ExportInputError,
    check_export_level,
    check_export_texts,
    iframe_snippet,
    render_export,
)
from mapkit.publish.payload import changes_only, script_json, value_text
from mapkit.publish.provenance import Provenance, generation_time
from mapkit.regions import COUNTRY

__all__ = ["DATA_FILES", "MANIFEST_NAME", "SITE_FORMATS", "PublishError", "PublishReport",
           "check_base_url", "check_site_level", "publish_site"]

#: The manifest: what each file of the site was made from.
MANIFEST_NAME = ".mapkit-publish.json"
MANIFEST_VERSION = 1
#: The export formats the site is drawn with: it can be published at a level they all draw.
SITE_FORMATS = ("embed", "png", "svg")
#: The data files, in data/: stable names, documented columns (docs/data-api.md).
DATA_FILES = ("figures.csv", "latest.csv", "latest.json", "changes-month.csv",
              "changes-week.csv")
#: Hex digits of the content hash in an asset's name (assets/site.3f2a9c1e07.css).
HASH_DIGITS = 10
#: Written to disk in batches of this many maps, then the manifest, so an interrupted first
#: build resumes where it stopped.
MANIFEST_EVERY = 10
#: The columns of data/figures.csv (docs/data-api.md).
FIGURES_COLUMNS = (
    "date", "region", "region_name_en", "region_name_uk", "series", "source", "source_url",
    "method", "status", "percent", "contested_percent", "area_km2", "contested_km2", "note",
    "note_uk", "level", "parent", "boundaries",
)
#: Column widths of the embed-codes page's fixed-height snippet.
CODE_WIDTHS = (320, 640, 1200)

#: ``progress(done, total)``: files written so far, of those to write.
Progress = Callable[[int, int], None]


class PublishError(ExportInputError):
    """The site cannot be published as asked; the message says what to do."""


@dataclass
class PublishReport:
    """What a run of :func:`publish_site` did, by paths relative to ``out``."""

    out: Path
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    #: Dates of maps that could not be drawn (no series has a map for them), with why.
    skipped: list[str] = field(default_factory=list)
    #: What a reader of the output should know (no --base-url: what is left out).
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --- Checks at the edge ------------------------------------------------------------------------


def check_base_url(url: str | None) -> str | None:
    """The site's public address as given to ``--base-url``, ending in "/" (None: none).

    It must be an absolute http(s) address without query or fragment: the page's canonical
    URL and the social card's (``og:image`` must be absolute) are made from it."""
    if url is None:
        return None
    if not url or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise PublishError(f"--base-url {url!r} is empty or holds a space or control "
                           "character: write it as a link would (%20 for a space)")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise PublishError(f"--base-url {url!r} is not an absolute http(s) address: give the "
                           "address the site will be served from, e.g. "
                           "https://example.org/ukraine-map/")
    if parts.query or parts.fragment:
        raise PublishError(f"--base-url {url!r} has a query or fragment: give the folder's "
                           "address alone, e.g. https://example.org/ukraine-map/")
    return url if url.endswith("/") else url + "/"


def check_site_level(level: str | None) -> str:
    """The level's name (default: the oblasts), if every format the site is drawn with
    (:data:`SITE_FORMATS`) draws it — the exports' own check
    (:func:`mapkit.publish.export.check_export_level`), whose message says what to do; as a
    :class:`PublishError`."""
    try:
        for fmt in SITE_FORMATS:
            check_export_level(fmt, level)
    except ExportInputError as error:
        raise PublishError(str(error)) from None
    return get_level(level).name


# --- Fingerprints ------------------------------------------------------------------------------


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogateescape"),
                           digest_size=16).hexdigest()


#: The reader's page's own templates, scripts and styles: the print maps and the data are made
#: without them, so a change to them remakes the pages only.
PAGE_FILES = ("site.html", "site.js", "site.css", "site_codes.html")


def code_fingerprint(pages: bool = True) -> str:
    """mapkit's own inputs to the site's files: its version, its code and templates (without
    :data:`PAGE_FILES` unless ``pages``), and the boundaries and unit tables in data/ (a
    change to any of them remakes every file made with them)."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    files = sorted(p for p in PACKAGE_DIR.rglob("*")
                   if p.suffix in (".py", ".js", ".css", ".html") and p.is_file()
                   and (pages or p.name not in PAGE_FILES))
    files += sorted(p for p in DATA_DIR.glob("*")
                    if p.suffix in (".geojson", ".topojson", ".csv") and p.is_file())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _RowsFingerprint:
    """Fingerprints of the snapshots' rows: of all of them, and of those a map of date D can
    show (rows dated D or before, and the next date of each series after D)."""

    def __init__(self, snapshots: pd.DataFrame):
        columns = [c for c in snapshots.columns if c not in ("file", "line")]
        hashes = pd.util.hash_pandas_object(snapshots[columns], index=False).to_numpy()
        days = snapshots["date"].dt.date.to_numpy()
        order = np.lexsort((hashes, days))
        days, hashes = days[order], hashes[order]
        self.dates: list[dt.date] = []
        self.cumulative: list[str] = []
        running = hashlib.blake2b(digest_size=16)
        starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]]) if len(days) else []
        for begin, end in zip(starts, [*starts[1:], len(days)]):
            running.update(hashes[begin:end].tobytes())
            self.dates.append(days[begin])
            self.cumulative.append(running.hexdigest())
        self.all = self.cumulative[-1] if self.cumulative else ""
        series = series_of(snapshots).to_numpy()
        self.series_dates = {
            name: sorted(set(snapshots["date"].dt.date.to_numpy()[series == name]))
            for name in sorted(set(series))}

    def until(self, day: dt.date) -> tuple:
        """What a map of ``day`` is made from."""
        at = bisect_right(self.dates, day) - 1
        upto = self.cumulative[at] if at >= 0 else ""
        following = []
        for name, days in self.series_dates.items():
            after = bisect_left(days, day + dt.timedelta(days=1))
            following.append((name, days[after].isoformat() if after < len(days) else None))
        return upto, tuple(following)


# --- The manifest ------------------------------------------------------------------------------


def _read_manifest(out: Path) -> dict:
    """The manifest of the site in ``out``, or an empty one (none yet, another version, or not
    readable: then everything is made afresh)."""
    try:
        manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"files": {}}
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION \
            or not isinstance(manifest.get("files"), dict):
        return {"files": {}}
    return manifest


def _stat_entry(path: Path) -> dict:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


@dataclass
class _Site:
    """The build in progress: the folder, the old manifest, the new one, what was written."""

    out: Path
    old: dict
    report: PublishReport
    progress: Progress | None
    files: dict[str, dict] = field(default_factory=dict)
    total: int = 0
    done: int = 0

    def fresh(self, name: str, key: str) -> bool:
        """Whether ``name`` is on disk as the last build made it from the same inputs."""
        entry = self.old["files"].get(name)
        if not entry or entry.get("key") != key:
            return False
        try:
            return _stat_entry(self.out / name) == {"size": entry.get("size"),
                                                    "mtime_ns": entry.get("mtime_ns")}
        except OSError:
            return False

    def keep(self, name: str, key: str) -> None:
        self.files[name] = dict(self.old["files"][name])
        self.report.unchanged += 1

    def write(self, name: str, content: bytes | str, key: str) -> None:
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, content, durable=False)
        self.files[name] = {"key": key, **_stat_entry(path)}
        self.report.written.append(name)
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def save_manifest(self, extra: dict | None = None) -> None:
        """The manifest as it stands: the files made in this build so far, and those of the
        last build not yet made again (so an interrupted build loses nothing it made)."""
        files = {**self.old["files"], **self.files}
        manifest = {"version": MANIFEST_VERSION, "mapkit": __version__,
                    **{k: v for k, v in self.old.items() if k not in ("version", "mapkit",
                                                                       "files")},
                    **(extra or {}), "files": dict(sorted(files.items()))}
        write_atomically(self.out / MANIFEST_NAME,
                         json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


# --- The print maps, drawn in worker processes -------------------------------------------------

_WORK: dict = {}


def _draw_date(day: str) -> tuple[str, bytes | None, bytes | None, str | None]:
    """The PNG and SVG of ``day`` (a worker's job), or why there is none."""
    snapshots, options = _WORK["snapshots"], _WORK["options"]
    try:
        return (day, render_export("png", snapshots, date=day, **options),
                render_export("svg", snapshots, date=day, **options), None)
    except ExportInputError as error:
        return day, None, None, str(error)


def _drawn(days: list[str], snapshots: pd.DataFrame, options: dict,
           workers: int) -> Iterable[tuple[str, bytes | None, bytes | None, str | None]]:
    """Each day's maps as they are done: in ``workers`` forked processes when there are
    several days and the platform forks, else here."""
    _WORK.update(snapshots=snapshots, options=options)
    try:
        if workers > 1 and len(days) > 1 and "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(min(workers, len(days))) as pool:
                yield from pool.imap_unordered(_draw_date, days)
        else:
            yield from map(_draw_date, days)
    finally:
        _WORK.clear()


# --- The data files ----------------------------------------------------------------------------


def render_figures_csv(snapshots: pd.DataFrame, level_name: str) -> bytes:
    """data/figures.csv: every figure of every series and source, on every date, as loaded
    (:data:`FIGURES_COLUMNS`; docs/data-api.md). Rows by date, then series, source and the
    level's order of units (the whole country, UA, last)."""
    import csv
    import io

    level = get_level(level_name)
    order = {code: i for i, code in enumerate([*level.codes, COUNTRY.code])}
    frame = snapshots.assign(series_name=series_of(snapshots).to_numpy(),
                             unit_order=snapshots["region"].map(order).fillna(len(order)))
    frame = frame.sort_values(["date", "series_name", "source", "unit_order"], kind="stable")
    boundaries = (f"{level.credit}; {level.licence} ({level.licence_url})" if level.credit
                  else "")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIGURES_COLUMNS)

    def number(value: float, decimals: int | None = None) -> str:
        if pd.isna(value):
            return ""
        return f"{value:.{decimals}f}" if decimals is not None else f"{value:g}"

    for row in frame.itertuples(index=False):
        unit = level.get(row.region) or COUNTRY
        parent = getattr(unit, "parent", None) or ""
        writer.writerow([
            row.date.date().isoformat(), row.region, unit.name_en, unit.name_uk,
            spreadsheet_text(row.series_name), spreadsheet_text(row.source),
            spreadsheet_text(row.source_url if isinstance(row.source_url, str) else ""),
            row.method, "partial, no figure" if pd.isna(row.percent) else "figure",
            number(row.percent), number(row.contested_percent), number(row.area_km2, 1),
            number(row.contested_km2, 1),
            spreadsheet_text(row.note if isinstance(row.note, str) else ""),
            spreadsheet_text(row.note_uk if isinstance(row.note_uk, str) else ""),
            level.name, parent, boundaries,
        ])
    return buffer.getvalue().encode("utf-8")


def render_latest_json(timeline, provenance: Provenance) -> bytes:
    """data/latest.json: the map's figures on its latest date, with the national headline
    (docs/data-api.md)."""
    from mapkit.figures import status_of

    index = len(timeline.dates) - 1
    day = timeline.dates[index]
    held = timeline.holds(index)
    found = headline(timeline, day)
    country = timeline.figure_on(COUNTRY.code, day)

    def figure(code: str, name_en: str, name_uk: str, cell) -> dict:
        return {
            "region": code, "region_name_en": name_en, "region_name_uk": name_uk,
            "status": status_of(cell, held),
            "percent": cell.percent, "area_km2": cell.area_km2,
            "contested_percent": cell.contested,
            "figure_date": cell.as_of.isoformat() if cell.as_of else None,
            "source": cell.source, "source_url": cell.source_url, "method": cell.method,
        }

    document = {
        "date": day.isoformat(),
        "series": timeline.series,
        "level": timeline.level.name,
        "note": {lang: timeline.notice(index, lang) or None for lang in LANGUAGES},
        "headline": None if found is None else {
            "percent": found.percent, "area_km2": found.km2,
            "change_30d_km2": found.change_30d,
            "change_since": found.since.isoformat() if found.since else None,
            "figure_date": found.as_of.isoformat(), "source": found.source,
            "text": {lang: found.text(lang) for lang in LANGUAGES},
        },
        "country": (figure(COUNTRY.code, COUNTRY.name_en, COUNTRY.name_uk, country)
                    if country.has_data else None),
        "regions": [{**figure(region.code, region.name_en, region.name_uk, cell),
                     "parent": getattr(region, "parent", None) or None}
                    for region, cell in zip(timeline.regions, timeline.frame(index))],
        **provenance.as_dict(),
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _changes_csv(snapshots: pd.DataFrame, period: str, lang: str, level: str) -> bytes:
    from mapkit.period_changes import changes, format_changes

    return format_changes(changes(snapshots, period=period, lang=lang, level=level),
                          "csv").encode("utf-8")


# --- The pages ---------------------------------------------------------------------------------


def _asset_name(stem: str, content: bytes, suffix: str) -> str:
    return f"assets/{stem}.{hashlib.sha256(content).hexdigest()[:HASH_DIGITS]}{suffix}"


def _site_assets() -> dict[str, tuple[str, bytes]]:
    """The reader's page's scripts and styles: {role: (name by content, bytes)}."""
    from mapkit.publish.embed import _asset, embed_script

    here = Path(__file__).parent
    parts = {
        "embed_js": ("embed", embed_script().encode("utf-8"), ".js"),
        "embed_css": ("embed", _asset("embed.css").encode("utf-8"), ".css"),
        "site_js": ("site", (here / "site.js").read_bytes(), ".js"),
        "site_css": ("site", (here / "site.css").read_bytes(), ".css"),
    }
    return {role: (_asset_name(stem, content, suffix), content)
            for role, (stem, content, suffix) in parts.items()}


def _script_hash(script: str) -> str:
    """A Content-Security-Policy source for one inline script."""
    import base64

    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def _sources_of(snapshots: pd.DataFrame) -> list[dict]:
    """Every source in the snapshots: name, link, method, its series, first and last date, and
    how many figures — the site's list of sources."""
    series = series_of(snapshots).to_numpy()
    found = []
    for name, rows in snapshots.assign(_series=series).groupby("source", sort=False):
        urls = rows["source_url"].dropna()
        found.append({
            "name": name, "url": next((u for u in urls if str(u).startswith(("http://",
                                                                              "https://"))),
                                      ""),
            "method": rows["method"].iloc[0], "series": rows["_series"].iloc[0],
            "first": rows["date"].min().date().isoformat(),
            "last": rows["date"].max().date().isoformat(), "count": len(rows),
        })
    for source in found:  # what the page says of each, in every language
        source["text"] = {lang: _source_text(source, lang) for lang in LANGUAGES}
    return sorted(found, key=lambda s: (s["method"] != "computed", -s["count"], s["name"]))


def _source_text(source: dict, lang: str) -> str:
    """"figures computed by mapkit from ISW/CTP's polygons; …; 2,996 figures, 2022-02-24 –
    2023-08-24"."""
    how = (t("site_source_computed", lang, source=source["name"])
           if source["method"] == "computed" else t("site_source_reported", lang))
    count = f"{source['count']:,}".replace(",", "\u00a0" if lang == "uk" else ",")
    return how + "; " + t("site_source_span", lang, count=count, first=source["first"],
                          last=source["last"])


def _alt_text(timeline, provenance: Provenance, lang: str) -> str:
    """The latest date's map in one sentence, for an image's alt text: its sources are that
    date's figures' (a 2014 report behind the timeline's first weeks is not this map's)."""
    day = timeline.dates[-1]
    found = headline(timeline, day)
    lead = found.text(lang).replace(" · ", "; ") if found else t("no_national_figure", lang)
    shown = replace(provenance, sources=tuple(timeline.sources_on(len(timeline.dates) - 1)),
                    beside=())
    return t("site_alt", lang, units=timeline.level.count_text(lang),
             date=date_text(day, lang), headline=lead,
             sources=shown.sources_text(lang).replace("\u2068", "").replace("\u2069", ""))


def _site_data(timeline, snapshots_sources: list[dict], lang: str) -> dict:
    """What site.js reads beside the embed's data: the site's words in every language, each
    date's km² by region, and the monthly change of the whole country."""
    from mapkit.publish.change_chart import GAIN_COLOUR, LOSS_COLOUR, monthly_bars

    texts = {code: {key[len("site_"):]: t(key, code) for key in _SITE_KEYS}
             | {"chart_title": t("chart_title", code), "chart_axis": t("chart_axis", code),
                "chart_gain": t("chart_gain", code), "chart_loss": t("chart_loss", code),
                "chart_note": t("chart_note", code), "km2_column": t("km2_column", code),
                "computed": t("computed", code), "reported": t("reported", code)}
             for code in LANGUAGES}
    km2 = []
    for index, frame in enumerate(timeline.cells):
        held = timeline.holds(index)
        km2.append([None if cell.area_km2 is None or not held else round(cell.area_km2)
                    for cell in frame])
    bars = monthly_bars(timeline) if timeline.country[0] else []
    # each date's km² as its changes from the date before (a thousand hromadas change in a
    # few a week), made whole by site.js with payload_reader.js's mapkitExpandFrames
    km2 = changes_only({"frames": [{"km": row} for row in km2]}, ("km",))["frames"]
    return {
        "lang": lang,
        "texts": texts,
        "sources": [source["text"] for source in snapshots_sources],
        "km2": km2,  # [{"km": [km² or null per region]}, {"x": {"km": {index: km²}}}, …]
        "chart": {"months": [start.isoformat() for start, _, _ in bars],
                  "km2": [None if np.isnan(change) else round(float(change))
                          for _, _, change in bars],
                  "gain": GAIN_COLOUR, "loss": LOSS_COLOUR},
    }


#: The site's own words (i18n keys "site_…") that site.js swaps in for ?lang=.
_SITE_KEYS = ("site_language_name", "site_chart_heading", "site_chart_shown",
              "site_chart_no_figure", "site_table_heading", "site_sources_heading",
              "site_sources_intro", "site_data_heading", "site_data_intro", "site_file_figures",
              "site_file_latest", "site_file_latest_json", "site_file_month",
              "site_file_week", "site_file_png", "site_embed_link", "site_boundaries_public")


def _table_rows(timeline, index: int, lang: str) -> list[dict]:
    """The table of date ``index`` as the page shows it without script (site.js remakes it
    for each date): regions by share, most first."""
    held = timeline.holds(index)
    rows = []
    for region, cell in zip(timeline.regions, timeline.frame(index)):
        rows.append({
            "code": region.code, "name": region.name(lang),
            "value": value_text(cell, lang) if held else t("status_no_map", lang),
            "km2": "" if cell.area_km2 is None or not held
                   else number_text(round(cell.area_km2), lang, 0).replace(".0", ""),
            "date": cell.as_of.isoformat() if cell.as_of and held else "",
            "source": (cell.source or "") if held else "",
            "url": (cell.source_url or "") if held and (cell.source_url or "").startswith(
                ("http://", "https://")) else "",
            "sort": -1.0 if cell.percent is None or not held else cell.percent,
        })
    return sorted(rows, key=lambda row: (-row["sort"], row["name"]))


def render_index(timeline, provenance: Provenance, snapshots: pd.DataFrame, *,
                 assets: dict[str, str], social_card: str, base_url: str | None, lang: str,
                 title: str | None, subtitle: str | None, credit: str | None) -> str:
    """index.html: the embed's figure (:func:`mapkit.publish.embed.embed_page`) and the
    page's sections, its scripts and styles the content-named ``assets``."""
    from mapkit.publish.embed import _asset, _templates, embed_page

    page = embed_page(timeline, provenance, title=title, subtitle=subtitle, credit=credit,
                      lang=lang, data_url="data/figures.csv")
    flags_js = _asset("embed_flags.js")
    sources = _sources_of(snapshots)
    level = timeline.level
    start = page["start"]
    headline_text = page["headline"] or page["description"]
    return _templates().get_template("site.html").render(
        **page,
        flags_js=Markup(flags_js),
        csp=("default-src 'none'; script-src 'self' " + _script_hash(flags_js)
             + "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'"),
        assets=assets,
        base_url=base_url,
        social_card=social_card,
        social_alt=_alt_text(timeline, provenance, lang),
        og_description=headline_text,
        og_locale={"en": "en_GB", "uk": "uk_UA"}[lang],
        langs=[{"code": code, "name": t("site_language_name", code)} for code in LANGUAGES],
        texts={key[len("site_"):]: t(key, lang) for key in (*_SITE_KEYS, "site_languages")},
        chart_title=t("chart_title", lang),
        chart_note=t("chart_note", lang),
        chart_noscript=t("site_chart_noscript", lang),
        table_heading=t("site_table_heading", lang,
                        date=date_text(timeline.dates[start], lang)),
        table=_table_rows(timeline, start, lang),
        sources=[{**source, "text": source["text"][lang]} for source in sources],
        boundaries=(t("site_boundaries_credit", lang, credit=level.credit,
                      licence=level.licence, url=level.licence_url) if level.credit else None),
        site_json=Markup(script_json(_site_data(timeline, sources, lang))),
    )


def render_embed_codes(timeline, provenance: Provenance, *, assets: dict[str, str],
                       base_url: str | None, lang: str, title: str | None) -> str:
    """embed-codes.html: the snippets to paste (:func:`mapkit.publish.iframe_snippet`) in every
    language, and the alt text of the latest date."""
    from mapkit.publish.embed import _templates, fixed_height

    base = base_url or ""
    blocks = []
    for code in LANGUAGES:
        src = f"{base}embed.html" + ("" if code == lang else f"?lang={code}")
        snippets = iframe_snippet(src, title=title or t("title", code), width=640,
                                  loader_url=f"{base}embed.js", lang=code)
        blocks.append({"lang": code, "name": t("site_language_name", code),
                       "resizing": snippets.resizing, "fixed": snippets.fixed,
                       "alt": _alt_text(timeline, provenance, code)})
    heights = ", ".join(f"{width} px: {fixed_height(width)} px" for width in CODE_WIDTHS)
    return _templates().get_template("site_codes.html").render(
        lang=lang,
        title=t("site_codes_title", lang),
        intro=t("site_codes_intro", lang),
        relative=None if base_url else t("site_codes_relative", lang),
        resizing=t("site_codes_resizing", lang),
        fixed=t("site_codes_fixed", lang, width=640, heights=heights),
        alt=t("site_codes_alt", lang),
        flags=t("site_codes_flags", lang),
        back=t("site_codes_back", lang),
        blocks=blocks,
        assets=assets,
        generator=f"mapkit {provenance.tool_version}",
    )


# --- The build ---------------------------------------------------------------------------------


def month_firsts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The 1st of every month from ``first`` (itself, if a 1st) to ``last``."""
    day = first.replace(day=1)
    if day < first:
        day = (day + dt.timedelta(days=32)).replace(day=1)
    days = []
    while day <= last:
        days.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return days


def publish_site(
    snapshots: pd.DataFrame,
    out: str | Path,
    *,
    base_url: str | None = None,
    lang: str = "en",
    level: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    credit: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
    generated_at: dt.datetime | None = None,
) -> PublishReport:
    """Build (or bring up to date) the static site of ``snapshots`` in the folder ``out``.

    ``base_url``: the address the site is served from (:func:`check_base_url`); without it
    the pages have no canonical URL and no social card in their meta (an ``og:image`` must be
    absolute), and the report says so. ``lang``: the language the pages are written in (each
    switches with ``?lang=``; the print maps and the changes' sentences are in it). ``level``:
    the units mapped (:func:`check_site_level`). ``title``, ``subtitle``, ``credit``: as for
    ``mapkit export``. ``workers``: processes drawing the print maps (default: the cores).
    ``progress(done, total)`` is called after each file written, ``on_total(total)`` once the
    number to write is known.

    Only files whose inputs changed are written (the module's docstring). Raises
    :class:`PublishError` (an :class:`ExportInputError`) for options that cannot be used.
    """
    started = time.perf_counter()
    check_export_texts(title=title, subtitle=subtitle, credit=credit)
    if lang not in LANGUAGES:
        raise PublishError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    base_url = check_base_url(base_url)
    level_name = check_site_level(level or snapshots.attrs.get("level"))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out} is a file: give the folder to publish the site into")
    if "file" in snapshots:
        inside = {Path(name).resolve().parent for name in snapshots["file"].unique()}
        target = out.resolve()
        if any(folder == target or folder in target.parents for folder in inside):
            raise PublishError(f"{out} is inside a snapshots folder this site is made from: "
                               "publish it somewhere else")
    out.mkdir(parents=True, exist_ok=True)
    report = PublishReport(out=out)
    if base_url is None:
        report.notes.append(
            "no --base-url: index.html has no canonical URL and no og:image/twitter:image "
            "(social sites need absolute addresses), so a shared link shows no picture; "
            "embed-codes.html gives relative addresses")
    with folder_lock(out, lambda: PublishError(
            f"another `mapkit publish` is writing {out}; wait for it to finish")):
        _build(snapshots, out, report, base_url=base_url, lang=lang, level=level_name,
               title=title, subtitle=subtitle, credit=credit,
               workers=workers or os.cpu_count() or 1, progress=progress, on_total=on_total,
               generated_at=generation_time(generated_at))
    report.seconds = time.perf_counter() - started
    return report


def _build(snapshots: pd.DataFrame, out: Path, report: PublishReport, *, base_url, lang, level,
           title, subtitle, credit, workers, progress, on_total, generated_at) -> None:
    site = _Site(out=out, old=_read_manifest(out), report=report, progress=progress)
    rows = _RowsFingerprint(snapshots)
    try:
        series = default_series(snapshots)
    except FiguresError as error:
        raise PublishError(str(error)) from None
    options_key = (MANIFEST_VERSION, level, lang, title, subtitle, credit, series)
    base = _digest(code_fingerprint(pages=False), *options_key)
    everything = _digest(base, rows.all)
    pages_base = _digest(code_fingerprint(), *options_key, base_url, rows.all)
    series_days = rows.series_dates.get(series) or []
    if not series_days:
        raise PublishError(f"the series {series} has no dates to publish")
    latest = series_days[-1]
    first = min(rows.dates)
    days = sorted({*month_firsts(first, latest), latest})
    day_keys = {day: _digest(base, rows.until(day)) for day in days}
    assets = _site_assets()
    card_key = _digest("social card", day_keys[latest])
    old_card = site.old.get("social_card")
    card_fresh = bool(old_card) and site.fresh(old_card, card_key)

    def map_names(day: dt.date) -> list[str]:
        names = [f"png/{day.isoformat()}.png", f"png/{day.isoformat()}.svg"]
        return names + (["png/latest.png", "png/latest.svg"] if day == latest else [])

    asset_list = sorted(name for name, _ in assets.values())
    pages = {"index.html": _digest(pages_base, asset_list, "card", card_key),
             "embed.html": _digest(everything, "embed"),
             "embed-codes.html": _digest(pages_base, "codes", asset_list),
             "embed.js": _digest(base, "loader")}
    data = {f"data/{name}": _digest(everything, name) for name in DATA_FILES}
    to_draw = [day for day in days
               if not all(site.fresh(name, day_keys[day]) for name in map_names(day))]
    stale_assets = [name for name, _ in assets.values() if not site.fresh(name, name)]
    stale = ([n for n, k in {**data, **pages}.items() if not site.fresh(n, k)])
    site.total = (sum(len(map_names(day)) for day in to_draw) + len(stale) + len(stale_assets)
                  + (0 if card_fresh else 1))
    if on_total is not None:
        on_total(site.total)

    options = {"title": title, "subtitle": subtitle, "credit": credit, "lang": lang,
               "level": level, "generated_at": generated_at}
    full = one_date = provenance = None

    def timeline():
        nonlocal full, provenance
        if full is None:
            full = build_timeline(snapshots, gaps=True, level=level)
            provenance = Provenance.of(full, generated_at)
        return full

    def latest_timeline():
        nonlocal one_date
        if one_date is None:
            one_date = build_timeline(snapshots, date=latest, latest_only=True, gaps=True,
                                      level=level)
        return one_date

    # The data first, then the maps, the assets and the pages that name them, last.
    for name, key in data.items():
        if name not in stale:
            site.keep(name, key)
            continue
        file = name.split("/", 1)[1]
        if file == "figures.csv":
            content = render_figures_csv(snapshots, level)
        elif file == "latest.csv":
            content = render_export("csv", snapshots, date=latest, level=level,
                                    generated_at=generated_at)
        elif file == "latest.json":
            content = render_latest_json(latest_timeline(), Provenance.of(
                latest_timeline(), generated_at))
        else:
            content = _changes_csv(snapshots, file[len("changes-"):-len(".csv")], lang, level)
        site.write(name, content, key)

    for day in days:
        if day not in to_draw:
            for name in map_names(day):
                site.keep(name, day_keys[day])
    drawn = 0
    for day_iso, png, svg, problem in _drawn([d.isoformat() for d in to_draw], snapshots,
                                             options, workers):
        day = dt.date.fromisoformat(day_iso)
        if problem is not None:
            report.skipped.append(f"{day_iso}: {problem}")
            site.total -= len(map_names(day))
            continue
        for name in map_names(day):
            site.write(name, png if name.endswith(".png") else svg, day_keys[day])
        drawn += 1
        if drawn % MANIFEST_EVERY == 0:
            site.save_manifest()

    for name, content in assets.values():
        if name in stale_assets:
            site.write(name, content, name)
        else:
            site.keep(name, name)
    if card_fresh:
        card_name = old_card
        site.keep(card_name, card_key)
    else:
        from mapkit.publish.social_card import render_social_card

        card = render_social_card(latest_timeline(), Provenance.of(latest_timeline(),
                                                                   generated_at),
                                  title=title or t("title", lang), credit=credit, lang=lang)
        card_name = _asset_name("social-card", card, ".png")
        site.write(card_name, card, card_key)
    asset_names = {role: name for role, (name, _) in assets.items()}

    for name in ("embed.js", "embed.html", "embed-codes.html", "index.html"):
        key = pages[name]
        if name not in stale:
            site.keep(name, key)
            continue
        if name == "embed.js":
            from mapkit.publish.embed import embed_loader_js

            content = embed_loader_js()
        elif name == "embed.html":
            from mapkit.publish.embed import render_embed

            content = render_embed(timeline(), provenance, title=title, subtitle=subtitle,
                                   credit=credit, lang=lang, data_url="data/figures.csv")
        elif name == "embed-codes.html":
            content = render_embed_codes(timeline(), provenance, assets=asset_names,
                                         base_url=base_url, lang=lang, title=title)
        else:
            content = render_index(timeline(), provenance, snapshots, assets=asset_names,
                                   social_card=card_name, base_url=base_url, lang=lang,
                                   title=title, subtitle=subtitle, credit=credit)
        site.write(name, content, key)

    # What the last build made and this one no longer does (a map of a date that is no longer
    # the latest) is removed, now that the pages no longer name it; an asset only once two
    # builds have not named it (a reader's browser may hold the last build's page a while).
    made = set(site.files)
    current_assets = sorted(name for name in made if name.startswith("assets/"))
    last_assets = set(site.old.get("assets", []))
    for name in sorted(set(site.old["files"]) - made):
        if name in last_assets:
            site.files[name] = site.old["files"][name]
            continue
        (out / name).unlink(missing_ok=True)
        report.removed.append(name)
    kept = set(site.files)
    for path in sorted((out / "assets").glob("*")):  # what an interrupted build left
        name = f"assets/{path.name}"
        if path.is_file() and not path.name.startswith(".") and name not in kept:
            path.unlink()
            report.removed.append(name)
    if report.written or report.removed:
        site.old["files"] = {}
        site.save_manifest({"assets": current_assets,
                            "previous_assets": sorted(last_assets - set(current_assets)),
                            "social_card": card_name, "latest": latest.isoformat()})
