"""The CSV export: the figures behind the map, one row per map date and region, with sources."""

from __future__ import annotations

import csv
import io

from mapkit.figures import Timeline
from mapkit.publish.provenance import Provenance

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
                cell.as_of.isoformat() if cell.as_of else "", spreadsheet_text(cell.source),
                spreadsheet_text(cell.source_url), cell.method or "", spreadsheet_text(cell.note),
                provenance.tool_version, provenance.generated_text,
            ])
    return buffer.getvalue().encode("utf-8")


def spreadsheet_text(text: str | None) -> str:
    """A user's text for a spreadsheet cell: never read as a formula (CSV injection), so a cell
    that starts like one gets an apostrophe in front, which spreadsheets hide. Every CSV mapkit
    offers (this export, the viewer's downloads) writes text through here."""
    if not text:
        return ""
    return "'" + text if text[0] in "=+-@\t\r" else text
