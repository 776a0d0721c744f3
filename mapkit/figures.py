"""The figures shown on a date: for each chosen date, each of the 27 regions with its figure and
source.

Every export (embed, html, png, svg, gif, csv) and the viewer draw from one :class:`Timeline`, so
they agree on which figure a region has on a date, which colour it gets and where that figure
came from.

A region's figure on a date is the latest figure the chosen source(s) gave for it on or before
that date ("as of" that figure's own date, which the tooltips show). When two sources give a
figure for the same region on the same day, the computed one (measured from front-line polygons)
wins over a reported one, and both stay visible in the CSV export. A region no source covers yet
is "no data"; a source that says "partly controlled" without a number is "partial, no figure".
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field

import pandas as pd

from mapkit.regions import COUNTRY, REGIONS, Region
from mapkit.scale import percent_colour


class FiguresError(ValueError):
    """The chosen dates or source do not match the snapshots; the message says what to do."""


@dataclass(frozen=True)
class Cell:
    """One region on one date: its figure, and where the figure came from."""

    percent: float | None = None  # None when partial or no data
    partial: bool = False
    contested: float | None = None
    source: str | None = None
    source_url: str | None = None
    method: str | None = None
    note: str | None = None
    as_of: dt.date | None = None  # the figure's own date (on or before the map's date)
    area_km2: float | None = None  # the same figure in km², where the snapshot gives it
    contested_km2: float | None = None

    @property
    def has_data(self) -> bool:
        return self.source is not None

    @property
    def colour(self) -> str:
        return percent_colour(self.percent, self.partial)


@dataclass(frozen=True)
class SourceInfo:
    name: str
    url: str | None
    method: str


@dataclass(frozen=True)
class Timeline:
    """Regions (27, by ISO code) x dates (ascending), each cell a :class:`Cell`."""

    dates: tuple[dt.date, ...]
    regions: tuple[Region, ...]
    cells: tuple[tuple[Cell, ...], ...]  # cells[date_index][region_index]
    #: Every figure of the row UA (Ukraine as a whole) and of each region, in date order, up
    #: to the last date shown: what headlines and change charts look back on. Never drawn as
    #: a region.
    history: dict[str, tuple[tuple[dt.date, ...], tuple[Cell, ...]]] = field(
        default_factory=dict, compare=False, repr=False)

    def frame(self, date_index: int) -> tuple[Cell, ...]:
        return self.cells[date_index]

    def figure_on(self, code: str, day: dt.date) -> Cell:
        """``code``'s figure on ``day``: its latest on or before it (an empty Cell if none)."""
        days, cells = self.history.get(code, ((), ()))
        at = bisect_right(days, day) - 1
        return cells[at] if at >= 0 else Cell()

    @property
    def country(self) -> tuple[tuple[dt.date, ...], tuple[Cell, ...]]:
        """The whole country's figures (row UA), in date order; empty if the series has none."""
        return self.history.get(COUNTRY.code, ((), ()))

    def sources(self) -> list[SourceInfo]:
        """The sources behind the figures shown, in order of first appearance."""
        seen: dict[str, SourceInfo] = {}
        for frame in self.cells:
            for cell in frame:
                if cell.source is not None and cell.source not in seen:
                    seen[cell.source] = SourceInfo(cell.source, cell.source_url, cell.method or "")
        return list(seen.values())

    @property
    def first_date(self) -> dt.date:
        return self.dates[0]

    @property
    def last_date(self) -> dt.date:
        return self.dates[-1]


def _clean(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    return text if text else None


def _number(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _as_date(value: dt.date | str | pd.Timestamp | None, what: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise FiguresError(
            f"{what} {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-03-17"
        ) from None


def build_timeline(
    snapshots: pd.DataFrame,
    *,
    date: dt.date | str | None = None,
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
    source: str | None = None,
    latest_only: bool = False,
) -> Timeline:
    """Pick the dates and source to show from validated snapshots (``load_snapshots``).

    ``date`` gives a one-date map (any day: the latest figures on or before it are shown);
    ``date_from``/``date_to`` keep the snapshot dates in that closed range; neither keeps every
    snapshot date, or only the latest when ``latest_only`` (the default of one-date formats).
    ``source`` keeps one source's figures (its name as in the snapshots' ``source`` column).
    """
    if date is not None and (date_from is not None or date_to is not None):
        raise FiguresError("give either a date, or a from/to range, not both")
    rows = snapshots
    if rows.empty:
        raise FiguresError(
            "there are no snapshots to draw: add a CSV to data/control_snapshots/"
        )
    if source is not None:
        known = sorted(rows["source"].dropna().unique())
        rows = rows[rows["source"] == source]
        if rows.empty:
            raise FiguresError(
                f"no snapshot has source {source!r}; sources are: " + "; ".join(map(repr, known))
            )

    snapshot_dates = sorted({ts.date() for ts in pd.to_datetime(rows["date"])})
    one_date = _as_date(date, "date")
    start = _as_date(date_from, "from date")
    end = _as_date(date_to, "to date")
    if one_date is not None:
        if one_date < snapshot_dates[0]:
            raise FiguresError(
                f"no figures on or before {one_date}: "
                f"the first snapshot date is {snapshot_dates[0]}"
            )
        dates = [one_date]
    else:
        if start is not None and end is not None and start > end:
            raise FiguresError(f"the from date {start} is after the to date {end}")
        dates = [
            d
            for d in snapshot_dates
            if (start is None or d >= start) and (end is None or d <= end)
        ]
        if not dates:
            raise FiguresError(
                f"no snapshot dates between {start or 'the start'} and {end or 'the end'}; "
                f"snapshots run from {snapshot_dates[0]} to {snapshot_dates[-1]}"
            )
        if latest_only:
            dates = dates[-1:]

    history = _history_by_region(rows[pd.to_datetime(rows["date"]).dt.date <= dates[-1]])
    cells = []
    for day in dates:
        frame = []
        for region in REGIONS:
            days, region_cells = history.get(region.code, ((), ()))
            at = bisect_right(days, day) - 1
            frame.append(region_cells[at] if at >= 0 else Cell())
        cells.append(tuple(frame))
    return Timeline(tuple(dates), REGIONS, tuple(cells),
                    {code: (tuple(days), tuple(found)) for code, (days, found) in history.items()})


def _history_by_region(rows: pd.DataFrame) -> dict[str, tuple[list[dt.date], list[Cell]]]:
    """Each region's figures by date; on a tie computed beats reported (sorted last, kept)."""
    ordered = rows.assign(
        _day=pd.to_datetime(rows["date"]).dt.date,
        _computed=(rows["method"] == "computed"),
    ).sort_values(["region", "_day", "_computed", "source"], kind="stable")
    history: dict[str, tuple[list[dt.date], list[Cell]]] = {}
    get = ordered.get
    contested = get("contested_percent", pd.Series(index=ordered.index, dtype=float))
    urls = get("source_url", pd.Series(index=ordered.index, dtype=object))
    notes = get("note", pd.Series(index=ordered.index, dtype=object))
    km2 = get("area_km2", pd.Series(index=ordered.index, dtype=float))
    contested_km2 = get("contested_km2", pd.Series(index=ordered.index, dtype=float))
    for region, day, percent, partial, cont, src, url, method, note, area, grey in zip(
        ordered["region"], ordered["_day"], ordered["percent"], ordered["partial"], contested,
        ordered["source"], urls, ordered["method"], notes, km2, contested_km2,
    ):
        days, cells = history.setdefault(region, ([], []))
        cell = Cell(
            percent=None if bool(partial) else _number(percent),
            partial=bool(partial),
            contested=_number(cont),
            source=_clean(src),
            source_url=_clean(url),
            method=_clean(method),
            note=_clean(note),
            as_of=day,
            area_km2=_number(area),
            contested_km2=_number(grey),
        )
        if days and days[-1] == day:  # same day: the later one (computed) wins
            cells[-1] = cell
        else:
            days.append(day)
            cells.append(cell)
    return history
