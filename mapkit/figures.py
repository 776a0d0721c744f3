"""The figures shown on a date: for each chosen date, each unit of a level (the 27 regions by
default; raions or hromadas: :mod:`mapkit.levels`) with its figure and source, from one
consistent series.

Every export (embed, html, png, svg, gif, csv) and the viewer draw from one :class:`Timeline`, so
they agree on which figure a region has on a date, which colour it gets and where that figure
came from.

**A series, not a blend.** A map shows one series at a time: the rows of one source, plus any
row whose ``series`` column names it (:mod:`mapkit.snapshots`). By default that is the densest
computed series (:func:`default_series`: DeepStateMap for the bundled data); ``--source`` and
the viewer's source selector choose another. A region's figure on a date is the latest figure
the series gives for it on or before that date ("as of" that figure's own date), but only while
that figure still stands: within the series' cadence, or an exception it names, and never
across a break (its ``series.toml``: :mod:`mapkit.cadence`). Past that the date is a gap of the
series for that region — no figure, never a stale one; a date on which none of its figures
stands is a gap of the series (:class:`Coverage`: where each series has maps). Figures of
other series never recolour a region: they stand beside it (:attr:`Timeline.others`), each
beside the map date nearest to its own, so a reader sees "El País, 17 Mar 2025: 60 %" next to
the computed figure of that week instead of the map jumping for one frame.

A region the series does not cover yet is "no data"; a source that says "partly controlled"
without a number is "partial, no figure". A date before the series' first figure or after its
newest still standing is refused (:class:`FiguresError`) rather than drawn with figures of
another day; a date in a gap gives an empty map that knows it (:meth:`Timeline.holds`), which
the exports map from a series that has it or refuse (:func:`series_for_date`).
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mapkit.cadence import stand_columns
from mapkit.i18n import date_text, note_text, span_text, t
from mapkit.levels import Level, get_level
from mapkit.regions import COUNTRY, Region
from mapkit.scale import percent_colour


class FiguresError(ValueError):
    """The chosen dates or source do not match the snapshots; the message says what to do."""


class SeriesGapError(FiguresError):
    """The series asked for has no map for the date; the message names one that has."""


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
    note_uk: str | None = None
    #: The last day the figure stands (its series' cadence, an exception, a break).
    stands_until: dt.date | None = None
    #: Why it stands longer than the cadence, where an exception of its series says so.
    stands_note: str | None = None
    stands_note_uk: str | None = None

    def note_in(self, lang: str) -> str | None:
        """The note in ``lang`` where we have it, else as written."""
        return note_text(self.note, self.note_uk, lang)

    def stands_note_in(self, lang: str) -> str | None:
        """Why the figure stands longer than its series' cadence, in ``lang``; None if not."""
        return (self.stands_note_uk or self.stands_note) if lang == "uk" else self.stands_note

    def stands_on(self, day: dt.date) -> bool:
        """Whether the series vouches for this figure on ``day`` (on or after its own date)."""
        return self.as_of is not None and self.as_of <= day <= (self.stands_until or self.as_of)

    @property
    def has_data(self) -> bool:
        return self.source is not None

    @property
    def colour(self) -> str:
        return percent_colour(self.percent, self.partial)


def status_of(cell: Cell, held: bool = True) -> str:
    """"figure", "partial, no figure", "no data", or, on a date its series has no map for
    (``held`` False: :meth:`Timeline.holds`), "no map": the ``status`` column of every CSV
    mapkit writes, and of the viewer's tables."""
    if not held:
        return "no map"
    if not cell.has_data:
        return "no data"
    return "partial, no figure" if cell.percent is None else "figure"


@dataclass(frozen=True)
class OtherFigure:
    """A figure of another series, shown beside the map's own (never colouring a region)."""

    source: str
    source_url: str | None
    method: str
    percent: float | None  # None when partial
    partial: bool
    as_of: dt.date  # the figure's own date
    series: str


@dataclass(frozen=True)
class SourceInfo:
    name: str
    url: str | None
    method: str


@dataclass(frozen=True)
class Span:
    """Days from ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last

    def text(self, lang: str = "en") -> str:
        """"24 Feb – 2 Apr 2022"."""
        return span_text(self.first, self.last, lang)


@dataclass(frozen=True)
class Coverage:
    """Where a series has maps: its own dates, and the days on which some figure of it stands
    (``spans``); the days between are its ``gaps``."""

    series: str
    maps: tuple[dt.date, ...] = ()
    spans: tuple[Span, ...] = ()

    @property
    def gaps(self) -> tuple[Span, ...]:
        """The days between two spans: no figure of the series stands on them."""
        return tuple(Span(a.last + dt.timedelta(days=1), b.first - dt.timedelta(days=1))
                     for a, b in zip(self.spans, self.spans[1:]))

    def holds(self, day: dt.date) -> bool:
        """Whether some figure of the series stands on ``day``."""
        at = bisect_right([span.first for span in self.spans], day) - 1
        return at >= 0 and day <= self.spans[at].last

    def gap_around(self, day: dt.date) -> Span | None:
        """The days around ``day`` without a map, ``day`` among them (before the first map:
        from ``day`` to the day before it; after the last span: from its end to ``day``);
        None when the series holds ``day`` or has no map at all."""
        if not self.spans or self.holds(day):
            return None
        for gap in self.gaps:
            if day in gap:
                return gap
        if day < self.spans[0].first:
            return Span(day, self.spans[0].first - dt.timedelta(days=1))
        return Span(self.spans[-1].last + dt.timedelta(days=1), day)

    def maps_text(self, day: dt.date, lang: str = "en") -> str:
        """Where the series' maps are, seen from a ``day`` it does not hold: "its maps: …
        23 February 2022, then from 3 April 2022"."""
        before = [d for d in self.maps if d < day]
        after = [d for d in self.maps if d > day]
        if not before:
            return t("its_maps_from", lang, first=date_text(after[0], lang))
        if not after:
            return t("its_maps_until", lang, last=date_text(before[-1], lang),
                     until=date_text(self.spans[-1].last, lang))
        return t("its_maps_around", lang, before=date_text(before[-1], lang),
                 after=date_text(after[0], lang))


@dataclass(frozen=True)
class GapOf:
    """A map drawn from another series because ``series`` has no map for ``gap``."""

    series: str
    gap: Span


#: A figure of another series dated before a series' first date or after its newest is shown
#: beside it only this close (a 2014 figure does not stand beside a map of 2025).
OTHERS_WITHIN_DAYS = 31

_NO_OTHERS: tuple[OtherFigure, ...] = ()


@dataclass(frozen=True)
class Timeline:
    """A level's units (``regions``: the 27 regions by ISO code by default, or the raions or
    hromadas of :attr:`level`) x dates (ascending), each cell a :class:`Cell`, all from one
    series; ``others[date_index][region_index]`` are other series' figures beside it."""

    dates: tuple[dt.date, ...]
    regions: tuple[Region, ...]
    cells: tuple[tuple[Cell, ...], ...]  # cells[date_index][region_index]
    #: Every figure of the row UA (Ukraine as a whole) and of each region, in date order, up
    #: to the last date shown: what headlines and change charts look back on. Never drawn as
    #: a region.
    history: dict[str, tuple[tuple[dt.date, ...], tuple[Cell, ...]]] = field(
        default_factory=dict, compare=False, repr=False)
    series: str = ""
    others: tuple[tuple[tuple[OtherFigure, ...], ...], ...] = field(default=(), repr=False)
    #: Where the series has maps and where it has gaps (all its dates, not only those shown).
    coverage: Coverage = field(default_factory=lambda: Coverage(""), compare=False, repr=False)
    #: Set when this map is drawn from its series because the series asked for has no map for
    #: the date (:func:`series_for_date`): the map says so.
    instead_of: GapOf | None = None
    #: The level the units are of: their names, parents, boundaries and their credit.
    level: Level = field(default_factory=get_level, compare=False, repr=False)

    def frame(self, date_index: int) -> tuple[Cell, ...]:
        return self.cells[date_index]

    def holds(self, date_index: int) -> bool:
        """Whether the series has a map for this date (some figure of it stands on it); a
        date it does not hold is drawn without figures and says "no map" (:meth:`notice`).
        A timeline made without its coverage holds the dates it has figures for."""
        if not self.coverage.maps:
            return any(cell.has_data for cell in self._cells_on(date_index))
        return self.coverage.holds(self.dates[date_index])

    def gap(self, date_index: int) -> Span | None:
        """The series' gap this date falls in, or None when the series holds it."""
        return self.coverage.gap_around(self.dates[date_index])

    def notice(self, date_index: int, lang: str = "en") -> str:
        """What a map of this date must say beside its date, or "": that the series has no map
        for it; that the map is another series' because the one asked for has none; that its
        figures are older than the date ("Figures as of 23 February 2022"), and why, where its
        series names the reason they still stand."""
        parts = []
        if self.instead_of is not None:
            parts.append(t("no_map_instead", lang, series=self.instead_of.series,
                           gap=self.instead_of.gap.text(lang), other=self.series))
        gap = self.gap(date_index)
        if gap is not None:
            parts.append(t("no_map_for", lang, series=self.series, gap=gap.text(lang)))
        stale = self.stale(date_index)
        if stale is not None:  # the reason, when every figure of that date stands by it
            why = {cell.stands_note_in(lang) for cell in self._cells_on(date_index)
                   if cell.as_of == stale}
            parts.append(t("figures_as_of_why", lang, date=date_text(stale, lang), why=why.pop())
                         if len(why) == 1 and None not in why else
                         t("figures_as_of", lang, date=date_text(stale, lang)))
        return " · ".join(parts)

    def _cells_on(self, date_index: int) -> list[Cell]:
        """The regions' figures on this date and the whole country's."""
        return [*self.cells[date_index],
                self.figure_on(COUNTRY.code, self.dates[date_index])]

    def others_on(self, date_index: int) -> tuple[tuple[OtherFigure, ...], ...]:
        """Other series' figures beside each region on this date (empty tuples if none)."""
        if not self.others:
            return (_NO_OTHERS,) * len(self.regions)
        return self.others[date_index]

    def figures_as_of(self, date_index: int) -> dt.date | None:
        """The newest figure's own date on this date: older than the date when the map is drawn
        for a day after the series' last figure before it ("figures as of …")."""
        days = [cell.as_of for cell in self.cells[date_index] if cell.as_of is not None]
        return max(days) if days else None

    def stale(self, date_index: int) -> dt.date | None:
        """The date of the figures shown, when it is older than the map's date; else None."""
        as_of = self.figures_as_of(date_index)
        return as_of if as_of is not None and as_of < self.dates[date_index] else None

    def figure_on(self, code: str, day: dt.date) -> Cell:
        """``code``'s figure on ``day``: its latest on or before it, if that still stands on
        ``day`` (an empty Cell if none does: a gap of the series is no figure, not an old one)."""
        return _standing(self.history.get(code, ((), ())), day)

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

    def sources_on(self, index: int) -> list[SourceInfo]:
        """The sources behind the figures shown on date ``index`` (an alt text of that date's
        map names these, not every source of the timeline)."""
        seen: dict[str, SourceInfo] = {}
        for cell in self.cells[index]:
            if cell.source is not None and cell.source not in seen:
                seen[cell.source] = SourceInfo(cell.source, cell.source_url, cell.method or "")
        return list(seen.values())

    def other_sources(self) -> list[SourceInfo]:
        """The sources of the figures shown beside the map, in order of first appearance."""
        seen: dict[str, SourceInfo] = {}
        for frame in self.others:
            for figures in frame:
                for other in figures:
                    if other.source not in seen:
                        seen[other.source] = SourceInfo(other.source, other.source_url,
                                                        other.method)
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


def series_of(snapshots: pd.DataFrame) -> pd.Series:
    """Each row's series: its ``series`` cell, or its source where that is empty."""
    if "series" not in snapshots:
        return snapshots["source"].astype(str)
    series = snapshots["series"].astype(object)
    empty = series.isna() | (series.astype(str).str.strip() == "")
    return series.where(~empty, snapshots["source"]).astype(str)


def list_series(snapshots: pd.DataFrame) -> list[str]:
    """The series a map can show: computed ones first (most dates first), then the others,
    most recent first. The first is :func:`default_series`."""
    if snapshots.empty:
        return []
    summary = pd.DataFrame({
        "series": series_of(snapshots), "computed": snapshots["method"] == "computed",
        "date": pd.to_datetime(snapshots["date"]),
    }).groupby("series").agg(computed=("computed", "any"), dates=("date", "nunique"),
                             latest=("date", "max"))
    summary["name"] = summary.index
    computed = summary[summary["computed"]].sort_values(["dates", "latest", "name"],
                                                        ascending=[False, False, True])
    rest = summary[~summary["computed"]].sort_values(["latest", "dates", "name"],
                                                     ascending=[False, False, True])
    return [*computed.index, *rest.index]


def default_series(snapshots: pd.DataFrame) -> str:
    """The series a map shows unless told otherwise: the densest computed series (the most
    dates; DeepStateMap for the bundled data), or the densest of all if none is computed.

    The viewer, every export and ``mapkit`` commands that read one series use this one helper,
    so they agree on the default.
    """
    if snapshots.empty:
        raise FiguresError("there are no snapshots to draw: add a CSV to data/control_snapshots/")
    summary = pd.DataFrame({
        "series": series_of(snapshots), "computed": snapshots["method"] == "computed",
        "date": pd.to_datetime(snapshots["date"]),
    })
    pool = summary[summary["computed"]] if summary["computed"].any() else summary
    counts = pool.groupby("series")["date"].nunique()
    densest = counts[counts == counts.max()].index
    return sorted(densest)[0]


def build_timeline(
    snapshots: pd.DataFrame,
    *,
    date: dt.date | str | None = None,
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
    source: str | None = None,
    latest_only: bool = False,
    gaps: bool = False,
    gap_days: Iterable[dt.date] = (),
    level: str | Level | None = None,
) -> Timeline:
    """Pick the series and dates to show from validated snapshots (``load_snapshots``).

    ``level`` is the level the snapshots are figures of (default: the one they were loaded
    at, ``snapshots.attrs["level"]``, else the oblasts): its units are the timeline's regions.

    ``source`` names the series (a source's name, or a ``series`` cell's); default:
    :func:`default_series`. ``date`` gives a one-date map (any day from the series' first
    figure until its newest stops standing: each region's latest figure on or before it that
    still stands; a day in a gap of the series gives a map without figures whose
    :meth:`Timeline.holds` is False); ``date_from``/``date_to`` keep the series' dates in that
    closed range; neither keeps every date of the series, or only the latest when
    ``latest_only`` (the default of one-date formats). ``gaps`` adds, to a timeline of many
    dates, the first day of each gap of the series within the range: a frame that says "no map"
    (:meth:`Timeline.notice`) instead of the map before it standing in for the gap; and those of
    ``gap_days`` that fall in a gap within the range (the viewer gives the days other series
    have maps for, so its slider stops there and a reader can switch to such a series on
    that very day).
    """
    if date is not None and (date_from is not None or date_to is not None):
        raise FiguresError("give either a date, or a from/to range, not both")
    level = get_level(level or snapshots.attrs.get("level"))
    if snapshots.empty:
        raise FiguresError(
            "there are no snapshots to draw: add a CSV to data/control_snapshots/"
        )
    series = series_of(snapshots)
    if source is None:
        source = default_series(snapshots)
    chosen = series == source
    rows = snapshots[chosen.to_numpy()]
    if rows.empty:
        raise FiguresError(_unknown_series(snapshots, series, source))
    rows = _with_stand_columns(rows, series[chosen.to_numpy()])
    coverage = _coverage(source, rows)

    snapshot_dates = list(coverage.maps)
    first, last = snapshot_dates[0], snapshot_dates[-1]
    one_date = _as_date(date, "date")
    start = _as_date(date_from, "from date")
    end = _as_date(date_to, "to date")
    if one_date is not None:
        if one_date < first:
            raise FiguresError(
                f"{one_date} is before the first figure: {source}'s figures run from {first} "
                f"to {last}; choose a date in that range"
            )
        if one_date > last and not coverage.holds(one_date):
            raise FiguresError(
                f"{one_date} is after the newest figure: {source}'s figures run from {first} "
                f"to {last}; choose a date in that range"
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
                f"no dates of {source} between {start or 'the start'} and {end or 'the end'}; "
                f"its figures run from {first} to {last}"
            )
        if latest_only:
            dates = dates[-1:]
        elif gaps:
            low, high = start or dates[0], end or dates[-1]
            inside = [gap for gap in coverage.gaps if gap.first <= high and gap.last >= low]
            dates = sorted({*dates, *(max(gap.first, low) for gap in inside),
                            *(day for day in gap_days if low <= day <= high
                              and any(day in gap for gap in inside))})

    history = _history_by_region(rows[pd.to_datetime(rows["date"]).dt.date <= dates[-1]])
    cells = []
    for day in dates:
        cells.append(tuple(_standing(history.get(region.code, ((), ())), day)
                           for region in level.units))
    others = _others_beside(snapshots[(~chosen).to_numpy()], snapshot_dates, dates, level.units)
    return Timeline(tuple(dates), level.units, tuple(cells),
                    {code: (tuple(days), tuple(found)) for code, (days, found) in history.items()},
                    series=source, others=others, coverage=coverage, level=level)


def _standing(history: tuple, day: dt.date) -> Cell:
    """Of one region's (dates, cells), the latest on or before ``day`` if it still stands on
    ``day``; else an empty Cell."""
    days, cells = history
    at = bisect_right(days, day) - 1
    return cells[at] if at >= 0 and cells[at].stands_on(day) else Cell()


def _with_stand_columns(rows: pd.DataFrame, series: pd.Series) -> pd.DataFrame:
    """``rows`` with the last day each figure stands (:mod:`mapkit.cadence`): as loaded with
    their series' files, or, for rows made without (a frame built by hand, an upload joined
    later), the rule of a series that has none."""
    if "stands_until" in rows and not rows["stands_until"].isna().any():
        return rows
    made = stand_columns(rows, {}, series)
    if "stands_until" not in rows:
        return rows.assign(**made)
    missing = rows["stands_until"].isna()
    return rows.assign(stands_until=rows["stands_until"].where(~missing, made["stands_until"]))


def _coverage(name: str, rows: pd.DataFrame) -> Coverage:
    """Where the series of ``rows`` (with their stand columns) has maps."""
    days = pd.to_datetime(rows["date"]).to_numpy().astype("datetime64[D]")
    until = pd.to_datetime(rows["stands_until"]).to_numpy().astype("datetime64[D]")
    order = np.argsort(days, kind="stable")
    days, until = days[order], until[order]
    maps, starts = np.unique(days, return_index=True)
    last_of = np.maximum.reduceat(until, starts) if len(days) else until
    spans: list[Span] = []
    for day, last in zip(maps.tolist(), last_of.tolist()):
        if spans and day <= spans[-1].last + dt.timedelta(days=1):
            if last > spans[-1].last:
                spans[-1] = Span(spans[-1].first, last)
        else:
            spans.append(Span(day, last))
    return Coverage(name, tuple(maps.tolist()), tuple(spans))


def series_coverage(snapshots: pd.DataFrame) -> dict[str, Coverage]:
    """Where each series has maps (its dates, the days it holds, its gaps), in the order of
    :func:`list_series`: what a slider needs to show where each series has maps."""
    if snapshots.empty:
        return {}
    series = series_of(snapshots)
    rows = _with_stand_columns(snapshots, series)
    by_name = {name: _coverage(name, group)
               for name, group in rows.groupby(series.to_numpy(), sort=False)}
    return {name: by_name[name] for name in list_series(snapshots)}


def series_holding(snapshots: pd.DataFrame, day: dt.date | str) -> list[str]:
    """The series that have a map for ``day`` (some figure of theirs stands on it), in the
    order of :func:`list_series` (computed series first, the densest first)."""
    day = _as_date(day, "date")
    return [name for name, found in series_coverage(snapshots).items() if found.holds(day)]


def series_for_date(snapshots: pd.DataFrame, day: dt.date | str,
                    source: str | None = None) -> tuple[str, GapOf | None]:
    """The series to map ``day`` from: ``source`` (default: :func:`default_series`) if it has
    a map for that day. Otherwise, when no ``source`` was asked for, the first series of
    :func:`list_series` that has one, with the gap of the default it fills (the map says so:
    :meth:`Timeline.notice`). Raises :class:`SeriesGapError` when ``source`` was asked for, or
    when no series has a map for the day, naming the series that has one; never a stale map
    under the day."""
    day = _as_date(day, "date")
    asked = source if source is not None else default_series(snapshots)
    coverage = series_coverage(snapshots)
    if asked not in coverage:
        raise FiguresError(_unknown_series(snapshots, series_of(snapshots), asked))
    mine = coverage[asked]
    if mine.holds(day):
        return asked, None
    holders = [name for name, found in coverage.items() if found.holds(day)]
    if source is None and holders:
        return holders[0], GapOf(asked, mine.gap_around(day))
    first, last = mine.maps[0], mine.maps[-1]
    if day < first or day > last:
        where = "before the first figure" if day < first else "after the newest figure"
        message = f"{day} is {where}: {asked}'s figures run from {first} to {last}"
        otherwise = "choose a date in that range"
    else:
        message = f"{asked} has no map for {date_text(day)} ({mine.maps_text(day)})"
        otherwise = "no other series has a map for that date either: choose another date"
    if holders:
        option = holders[0] if re.fullmatch(r"[\w./-]+", holders[0]) else f'"{holders[0]}"'
        raise SeriesGapError(f"{message}; {holders[0]} has one: --source {option}")
    raise SeriesGapError(f"{message}; {otherwise}")


def _unknown_series(snapshots: pd.DataFrame, series: pd.Series, name: str) -> str:
    """What to say when no series is called ``name``: where its rows are, if it is a source
    within another series, and which series there are."""
    known = "; ".join(map(repr, list_series(snapshots)))
    holders = sorted(set(series[(snapshots["source"] == name).to_numpy()]))
    if holders:
        return (f"{name!r} has no series of its own: its figures belong to the series "
                f"{', '.join(map(repr, holders))}; sources are: {known}")
    return f"no snapshot has source {name!r}; sources are: {known}"


def _others_beside(rows: pd.DataFrame, series_dates: list[dt.date], dates: list[dt.date],
                   units: tuple[Region, ...]) -> tuple[tuple[tuple[OtherFigure, ...], ...], ...]:
    """Other series' figures beside each date of the map.

    Each figure stands beside the date nearest to its own among the series' dates and the
    map's (the earlier on a tie; before the first or after the last only within
    :data:`OTHERS_WITHIN_DAYS`); a map date shows, of each other series, the figure nearest to
    it for each region.
    """
    empty = tuple((_NO_OTHERS,) * len(units) for _ in dates)
    if rows.empty:
        return empty
    anchors = np.array(sorted(set(series_dates) | set(dates)), dtype="datetime64[D]")
    days = pd.to_datetime(rows["date"]).to_numpy().astype("datetime64[D]")
    after = np.searchsorted(anchors, days, side="left").clip(0, len(anchors) - 1)
    before = (after - 1).clip(0, len(anchors) - 1)
    gap_after = np.abs(anchors[after] - days)
    gap_before = np.abs(days - anchors[before])
    nearest = np.where(gap_before <= gap_after, before, after)
    distance = np.minimum(gap_before, gap_after)
    outside = (days < anchors[0]) | (days > anchors[-1])
    keep = ~outside | (distance <= np.timedelta64(OTHERS_WITHIN_DAYS, "D"))
    shown = {np.datetime64(day, "D"): index for index, day in enumerate(dates)}
    date_index = np.array([shown.get(anchors[i], -1) for i in nearest])
    keep &= date_index >= 0
    if not keep.any():
        return empty
    picked = pd.DataFrame({
        "date_index": date_index[keep], "distance": distance[keep], "day": days[keep],
        "region": rows["region"].to_numpy()[keep], "series": series_of(rows).to_numpy()[keep],
        "row": np.flatnonzero(keep),
    }).sort_values(["distance", "day"], kind="stable")
    picked = picked.drop_duplicates(["date_index", "region", "series"])
    region_index = {region.code: i for i, region in enumerate(units)}
    picked = picked[picked["region"].isin(region_index)]  # the country row UA is no region
    found: list[dict[int, list[OtherFigure]]] = [{} for _ in dates]
    urls = rows.get("source_url", pd.Series("", index=rows.index)).to_numpy()
    # the columns as arrays once: a cell read from the frame costs 20 µs, and another series
    # as long as the map's (an upload) has a figure beside every date
    partials = rows["partial"].to_numpy(dtype=object)
    sources = rows["source"].to_numpy(dtype=object)
    methods = rows["method"].to_numpy(dtype=object)
    percents = rows["percent"].to_numpy(dtype=object)
    for index, region, series_name, row, figure_day in zip(
        picked["date_index"], picked["region"], picked["series"], picked["row"], picked["day"]
    ):
        partial = bool(partials[row])
        found[index].setdefault(region_index[region], []).append(OtherFigure(
            source=str(sources[row]), source_url=_clean(urls[row]), method=str(methods[row]),
            percent=None if partial else _number(percents[row]),
            partial=partial, as_of=pd.Timestamp(figure_day).date(), series=str(series_name),
        ))
    return tuple(
        tuple(tuple(sorted(by_region.get(i, ()), key=lambda o: (o.as_of, o.source)))
              for i in range(len(units)))
        for by_region in found
    )


def _history_by_region(rows: pd.DataFrame) -> dict[str, tuple[list[dt.date], list[Cell]]]:
    """Each region's figures by date; on a tie computed beats reported (sorted last, kept)."""
    ordered = rows.assign(
        _day=pd.to_datetime(rows["date"]).dt.date,
        _computed=(rows["method"] == "computed"),
    ).sort_values(["region", "_day", "_computed", "source"], kind="stable")
    history: dict[str, tuple[list[dt.date], list[Cell]]] = {}
    # each column as plain Python values once (None where empty): reading cells of Arrow
    # strings and testing each with pd.isna cost most of a raion or hromada timeline
    empty = pd.Series(index=ordered.index, dtype=object)

    def numbers(name: str) -> list[float | None]:
        column = pd.to_numeric(ordered.get(name, empty), errors="coerce")
        return [None if v != v else v for v in column.to_numpy(dtype=float, na_value=np.nan)
                .tolist()]

    def texts(name: str) -> list[str | None]:
        return [_clean(v) for v in ordered.get(name, empty).to_numpy(dtype=object,
                                                                     na_value=None)]

    until = pd.to_datetime(ordered["stands_until"]).to_numpy().astype("datetime64[D]").tolist()
    for (region, day, percent, partial, cont, src, url, method, note, note_uk, area, grey,
         last, because, because_uk) in zip(
        ordered["region"].to_numpy(dtype=object), ordered["_day"], numbers("percent"),
        ordered["partial"].to_numpy(dtype=bool).tolist(), numbers("contested_percent"),
        texts("source"), texts("source_url"), texts("method"), texts("note"),
        texts("note_uk"), numbers("area_km2"), numbers("contested_km2"), until,
        texts("stands_note"), texts("stands_note_uk"),
    ):
        days, cells = history.setdefault(region, ([], []))
        cell = Cell(
            percent=None if partial else percent,
            partial=partial,
            contested=cont,
            source=src,
            source_url=url,
            method=method,
            note=note,
            as_of=day,
            note_uk=note_uk,
            area_km2=area,
            contested_km2=grey,
            stands_until=last,
            stands_note=because,
            stands_note_uk=because_uk,
        )
        if days and days[-1] == day:  # same day: the later one (computed) wins
            cells[-1] = cell
        else:
            days.append(day)
            cells.append(cell)
    return history
