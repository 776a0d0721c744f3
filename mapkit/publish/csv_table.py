"""The CSV exports: the figures behind the map, one row per map date and region, with sources;
and two series side by side (``--compare``: :mod:`mapkit.series_comparison`)."""

from __future__ import annotations

import csv
import io

import pandas as pd

from mapkit.figures import Timeline, status_of
from mapkit.publish.provenance import Provenance
from mapkit.regions import COUNTRY

CSV_COLUMNS = (
    "map_date", "region", "region_name_en", "region_name_uk", "percent", "status",
    "contested_percent", "area_km2", "contested_km2", "figure_date", "source", "source_url",
    "method", "note", "series", "other_sources", "stands_because", "map_note", "mapkit_version",
    "generated_at", "level", "parent", "parent_name", "boundaries",
)


def render_csv(timeline: Timeline, provenance: Provenance) -> bytes:
    """One row per map date and region: the figure shown, its own date, source and method.

    ``status`` is "figure", "partial, no figure", "no data" or, on a date the series has no
    map for (a gap: :mod:`mapkit.cadence`), "no map"; ``percent`` is empty unless a figure
    exists; ``area_km2``/``contested_km2`` where the snapshot gives them; ``figure_date`` is
    the figure's own date (older than ``map_date`` where the series has nothing newer and the
    figure still stands), ``stands_because`` why it stands longer than its series' cadence,
    where its series says. When the series has the row UA (Ukraine as a whole), each date ends
    with it. ``series`` is the one series the map shows; ``other_sources`` lists the figures
    other series give near that date ("El País (https://english.elpais.com/) 2025-03-17: 60;
    …"), which the map never shows in colour; ``map_note`` what the map says beside its date
    ("DeepStateMap has no map for 24 Feb – 2 Apr 2022", "Figures as of …"). The last two
    columns carry the provenance, so it
    survives copy and paste. ``level`` is the level the regions are units of (``oblast``,
    ``raion``, ``hromada``); ``parent`` and ``parent_name`` a raion's or hromada's oblast
    (names repeat across oblasts); ``boundaries`` whose boundaries those units are, where they
    must be credited ("© OpenStreetMap contributors, ODbL 1.0 …" at the raion and hromada
    levels).
    """
    level = timeline.level
    boundaries = (f"{level.credit}; {level.licence} ({level.licence_url})" if level.credit
                  else "")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    has_country = bool(timeline.country[0])
    for index, (day, frame) in enumerate(zip(timeline.dates, timeline.cells)):
        rows = list(zip(timeline.regions, frame, timeline.others_on(index)))
        if has_country:
            rows.append((COUNTRY, timeline.figure_on(COUNTRY.code, day), ()))
        held, notice = timeline.holds(index), timeline.notice(index)
        for region, cell, others in rows:
            status = status_of(cell, held)
            writer.writerow([
                day.isoformat(), region.code, region.name_en, region.name_uk,
                "" if cell.percent is None else f"{cell.percent:g}", status,
                "" if cell.contested is None else f"{cell.contested:g}",
                "" if cell.area_km2 is None else f"{cell.area_km2:.1f}",
                "" if cell.contested_km2 is None else f"{cell.contested_km2:.1f}",
                cell.as_of.isoformat() if cell.as_of else "", spreadsheet_text(cell.source),
                spreadsheet_text(cell.source_url), cell.method or "", spreadsheet_text(cell.note),
                spreadsheet_text(timeline.series), spreadsheet_text(others_text(others)),
                spreadsheet_text(cell.stands_note if cell.as_of != day else None),
                spreadsheet_text(notice), provenance.tool_version, provenance.generated_text,
                level.name, region.parent or "",
                (level.parent_of(region.code).name_en if region.parent else ""), boundaries,
            ])
    return buffer.getvalue().encode("utf-8")


def render_comparison_csv(table: pd.DataFrame, provenance: Provenance) -> bytes:
    """:func:`mapkit.series_comparison.compare_series`'s table as CSV: its columns
    (:data:`mapkit.series_comparison.COLUMNS`), then ``mapkit_version`` and ``generated_at``.
    Empty cells where a series gives no figure ("no map", "no data", "partial, no figure": its
    ``status``); percentages as given, km² with one decimal."""
    from mapkit.series_comparison import COLUMNS

    def cell(column: str, value) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if column.startswith(("area_km2", "difference_km2")):
            return f"{value:.1f}"
        if column.startswith(("percent", "difference_pp")):
            return f"{value:g}"
        return spreadsheet_text(str(value))

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, "mapkit_version", "generated_at"])
    for row in table[COLUMNS].itertuples(index=False):
        writer.writerow([*(cell(column, value) for column, value in zip(COLUMNS, row)),
                         provenance.tool_version, provenance.generated_text])
    return buffer.getvalue().encode("utf-8")


def spreadsheet_text(text: str | None) -> str:
    """A user's text for a spreadsheet cell: never read as a formula (CSV injection), so a cell
    that starts like one gets an apostrophe in front, which spreadsheets hide. Every CSV mapkit
    offers (this export, the viewer's downloads) writes text through here."""
    if not text:
        return ""
    return "'" + text if text[0] in "=+-@\t\r" else text


def others_text(others) -> str:
    """"ISW/CTP (https://www.understandingwar.org) 2022-05-08: 91.7; …": each figure beside
    the map with its source, the source's link and the figure's own date. The CSV export and
    the viewer's table (and its download) write them so."""
    return "; ".join(
        f"{o.source}{f' ({o.source_url})' if o.source_url else ''} {o.as_of.isoformat()}: "
        + ("partial, no figure" if o.percent is None else f"{o.percent:g}")
        for o in others
    )
