"""According to whom: two series side by side, region by region, and how far apart they are.

DeepStateMap and ISW/CTP draw the front from different evidence and disagree by a few points in
places. :func:`compare_series` puts their figures for the same days next to each other — each
with its own figure date and source, "no map" where a series has none standing on the day
(:mod:`mapkit.cadence`), never an older one — and the difference in percentage points and km².
The viewer's "Compare series" view and ``mapkit export --format csv --compare`` read it, so they
agree on every number. The two series are never blended: the viewer colours the difference on
the diverging scale and names both.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from mapkit.figures import (
    FiguresError,
    Timeline,
    _as_date,
    build_timeline,
    default_series,
    list_series,
    status_of,
)
from mapkit.regions import COUNTRY

#: The columns of :func:`compare_series`, in order (``mapkit export --format csv --compare``
#: adds the provenance columns ``mapkit_version`` and ``generated_at`` after them). ``_a`` is
#: the map's series (``--source``, default DeepStateMap), ``_b`` the one compared with it;
#: ``difference_pp`` and ``difference_km2`` are b minus a.
COLUMNS = [
    "date", "region", "region_name_en", "region_name_uk",
    "series_a", "status_a", "percent_a", "area_km2_a", "figure_date_a", "source_a",
    "source_url_a",
    "series_b", "status_b", "percent_b", "area_km2_b", "figure_date_b", "source_b",
    "source_url_b",
    "difference_pp", "difference_km2",
]


def compare_series(snapshots: pd.DataFrame, other: str, *, source: str | None = None,
                   date: dt.date | str | None = None, date_from: dt.date | str | None = None,
                   date_to: dt.date | str | None = None) -> pd.DataFrame:
    """Series ``source`` (a; default :func:`mapkit.figures.default_series`) and ``other`` (b)
    side by side: one row per day and region (the 27 regions, then ``UA``, Ukraine as a whole,
    where either series has it), with :data:`COLUMNS`.

    The days are ``date`` alone, or every day either series has a map of its own between
    ``date_from`` and ``date_to`` (default: the days both series span, from the later first
    map to the earlier last one). On each day a series' figure is the one it vouches for then
    (its latest on or before the day, while it stands); ``status_a``/``status_b`` are
    "figure", "partial, no figure", "no data" or "no map" (the series has no map for the day:
    no figure, never an older one). ``difference_pp``/``difference_km2`` (b − a) only where
    both give a figure. ``attrs`` holds ``series_a``, ``series_b`` and ``level``.
    """
    a = source if source is not None else default_series(snapshots)
    if other == a:
        raise FiguresError(f"--compare {other!r} is the map's own series: compare it with "
                           f"another ({', '.join(map(repr, _others(snapshots, a)))})")
    timeline_a = build_timeline(snapshots, source=a)
    timeline_b = build_timeline(snapshots, source=other)
    days = _days(timeline_a, timeline_b, _as_date(date, "date"),
                 _as_date(date_from, "from date"), _as_date(date_to, "to date"))
    regions = [*timeline_a.regions,
               *([COUNTRY] if timeline_a.country[0] or timeline_b.country[0] else [])]
    rows = []
    for day in days:
        held_a, held_b = timeline_a.coverage.holds(day), timeline_b.coverage.holds(day)
        for region in regions:
            row = {"date": day.isoformat(), "region": region.code,
                   "region_name_en": region.name_en, "region_name_uk": region.name_uk}
            for suffix, timeline, held in (("a", timeline_a, held_a), ("b", timeline_b, held_b)):
                cell = timeline.figure_on(region.code, day)
                status = status_of(cell, held)
                shown = status == "figure"
                row.update({
                    f"series_{suffix}": timeline.series, f"status_{suffix}": status,
                    f"percent_{suffix}": cell.percent if shown else None,
                    f"area_km2_{suffix}": cell.area_km2 if shown else None,
                    f"figure_date_{suffix}": cell.as_of.isoformat() if held and cell.as_of
                    else None,
                    f"source_{suffix}": cell.source if held else None,
                    f"source_url_{suffix}": cell.source_url if held else None,
                })
            rows.append(row)
    table = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("percent_a", "percent_b", "area_km2_a", "area_km2_b"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    table["difference_pp"] = np.round(table["percent_b"] - table["percent_a"], 2)
    table["difference_km2"] = np.round(table["area_km2_b"] - table["area_km2_a"], 1)
    table.attrs.update(series_a=a, series_b=other, level=timeline_a.level.name)
    return table


def _others(snapshots: pd.DataFrame, name: str) -> list[str]:
    return [series for series in list_series(snapshots) if series != name]


def _days(a: Timeline, b: Timeline, date: dt.date | None, start: dt.date | None,
          end: dt.date | None) -> list[dt.date]:
    """The days to compare (see :func:`compare_series`)."""
    if date is not None:
        if start is not None or end is not None:
            raise FiguresError("give either a date, or a from/to range, not both")
        return [date]
    maps_a, maps_b = a.coverage.maps, b.coverage.maps
    low = start or max(maps_a[0], maps_b[0])
    high = end or min(maps_a[-1], maps_b[-1])
    if low > high:
        if start is None and end is None:
            raise FiguresError(
                f"{a.series} ({maps_a[0]} to {maps_a[-1]}) and {b.series} ({maps_b[0]} to "
                f"{maps_b[-1]}) have no days in common: give --from and --to, or --date")
        raise FiguresError(f"the from date {low} is after the to date {high}")
    days = sorted(day for day in {*maps_a, *maps_b} if low <= day <= high)
    if not days:
        raise FiguresError(f"neither {a.series} nor {b.series} has a map between {low} and "
                           f"{high}: choose other dates")
    return days
