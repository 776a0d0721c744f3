"""The numbers monthly stories quote: km² and share under Russian control at each period's
boundaries, the change over the period, whether it is the largest gain (or loss) since some
earlier one, and the same in a sentence a journalist can paste.

``mapkit changes`` prints it; ``mapkit.changes(...)`` returns it as a DataFrame with the columns
of :data:`COLUMNS`. One series (source) at a time: by default the densest computed one
(:func:`mapkit.figures.default_series`).

**Boundaries.** Months run from the 1st to the 1st, weeks from Monday to Monday, years from
1 January to 1 January. A boundary's figures are those of the latest snapshot on or before it —
a snapshot dated D being the map at the end of day D (docs/methodology.md, "Dates"), so a month
measures from the end of its 1st to the end of the next month's 1st, as DeepStateMap does.
No figure is made up: a boundary has none when the series has no snapshot on or before it, when
its latest one is older than the period is long (a snapshot from 2014 says nothing about 2018),
or when it no longer stands on it (its series' cadence and breaks: :mod:`mapkit.cadence`;
DeepStateMap's map of 23 February 2022 says nothing about 1 March 2022); a period missing a
figure at either boundary has no change.

**To date.** The period holding the series' newest snapshot is not over: it is measured to that
snapshot instead (``period_end`` is its date, ``complete`` is False, the table says "to date").

**Levels.** The same at the raion or hromada level (``level``): a unit's name stands beside its
code, and its oblast beside it (``parent``, ``parent_name``: names repeat across oblasts);
``top`` keeps, of each period, the units whose area changed most (by absolute km²): "where did
the front move this month".

**largest_since** compares gains with gains and losses with losses (``largest_since_kind``):
the start of the last earlier period (of the whole series, not only those shown) with a larger
gain — or a larger loss; empty when no earlier period's was — the largest so far. A period
without change has neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from mapkit.figures import FiguresError, _as_date
from mapkit.levels import AmbiguousNameError, Level, LevelError, get_level
from mapkit.regions import COUNTRY, UnknownRegionError

__all__ = ["COLUMNS", "PERIODS", "ChangesError", "InvalidSnapshotsError", "changes",
           "format_changes", "series_changes"]

#: The columns of :func:`changes`, in order: the public interface of ``mapkit changes`` (the
#: first nine since it began; later ones are added after them, so no column moves).
COLUMNS = ["period_start", "period_end", "region", "km2_start", "km2_end", "change_km2",
           "percent_start", "percent_end", "largest_since", "region_name", "largest_since_kind",
           "complete", "summary", "parent", "parent_name"]
#: ``largest_since_kind``: the change is a gain, or a loss, of territory under Russian control.
GAIN, LOSS = "gain", "loss"
#: Period names, and the longest gap a boundary's figure may have before it (days).
PERIODS = {"week": 7, "month": 31, "year": 366}


def _order(level: Level) -> dict[str, int]:
    """Row order within a period: the whole country first, then the units by code."""
    return {code: i for i, code in enumerate([COUNTRY.code, *level.codes])}


class ChangesError(FiguresError):
    """The snapshots, source, dates, period or regions asked for cannot be used; the message
    says what to do."""


class InvalidSnapshotsError(ChangesError):
    """The snapshot files themselves are invalid (``mapkit validate`` lists the problems)."""


def _boundary(day: dt.date, period: str) -> dt.date:
    """The start of the period holding ``day``."""
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _next(day: dt.date, period: str) -> dt.date:
    """The boundary after ``day`` (itself a boundary)."""
    if period == "week":
        return day + dt.timedelta(days=7)
    if period == "month":
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day.replace(year=day.year + 1)


def _boundaries(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    """Every boundary from the one after ``first`` (or ``first`` itself, when it is one) to
    the one after ``last``."""
    day = _boundary(first, period)
    if day < first:
        day = _next(day, period)
    out = [day]
    while out[-1] <= last:
        out.append(_next(out[-1], period))
    return out


def _load(snapshots, level: Level) -> pd.DataFrame:
    from mapkit.snapshots import SnapshotError, load_snapshots

    if isinstance(snapshots, pd.DataFrame):
        return snapshots
    paths = None if snapshots is None else (
        [snapshots] if isinstance(snapshots, (str, Path)) else list(snapshots))
    try:
        return load_snapshots(paths, level=level)
    except SnapshotError as error:
        raise InvalidSnapshotsError(f"the snapshots are invalid (check them with "
                                    f"`mapkit validate`):\n"
                           f"{error}") from None


def _codes(regions: Iterable[str] | None, level: Level) -> list[str] | None:
    if regions is None:
        return None
    codes = []
    for name in regions:
        try:
            codes.append(level.resolve(name).code)
        except (UnknownRegionError, AmbiguousNameError) as error:
            raise ChangesError(str(error)) from None
    return list(dict.fromkeys(codes))


def changes(snapshots: pd.DataFrame | str | Path | Iterable[str | Path] | None = None, *,
            source: str | None = None, date_from: dt.date | str | None = None,
            date_to: dt.date | str | None = None, period: str = "month",
            regions: Iterable[str] | None = None, lang: str = "en",
            changed_only: bool = False, level: str | Level | None = None,
            top: int | None = None) -> pd.DataFrame:
    """km² and percent at each period's boundaries, and the change over the period.

    Parameters
    ----------
    snapshots:
        A frame from :func:`mapkit.snapshots.load_snapshots`, or snapshot files/folders
        (default: the bundled ``data/control_snapshots/``).
    source:
        The series (a ``source`` name); default the densest computed one.
    date_from, date_to:
        Keep the periods that end after ``date_from`` and begin before ``date_to``: the
        period that ends on ``date_to`` is kept, the one that begins on it is not (default:
        the series' first and last dates).
    period:
        "week" (Monday to Monday), "month" (1st to 1st) or "year" (1 January to 1 January).
    regions:
        Region names or codes (any spelling; "UA" is the whole country). Default: UA and every
        region with territory under Russian control at some boundary shown.
    lang:
        "en" or "uk": the language of ``region_name`` and ``summary``.
    changed_only:
        Leave out the rows of regions whose area did not change over the period (the row UA,
        Ukraine as a whole, always stays; a period without a figure is not "no change").
    level:
        "oblast" (default: the level a frame was loaded at), "raion" or "hromada": the units
        measured, and the snapshots read (:func:`mapkit.snapshots.load_snapshots`).
    top:
        Keep, of each period, the row UA and the ``top`` units whose area changed most, by
        absolute km² (units without change are left out). Without ``date_from`` and
        ``date_to``, only the newest period is shown: where the front moved this month (or
        week, or year) to date.

    Returns
    -------
    A DataFrame with :data:`COLUMNS`: ``period_start``, ``period_end`` and ``largest_since``
    as Timestamps (NaT: none), km² and percent as floats (NaN: no figure), ``complete`` a bool,
    ``largest_since_kind`` "gain", "loss" or "" (no change, or no figure), ``summary`` the row
    in a sentence, ``parent`` the oblast's ISO code of a raion or hromada ("" for an oblast
    and UA) and ``parent_name`` its name. ``attrs`` holds ``source``, ``period``, ``lang``,
    ``level``, ``top`` and ``hidden`` (rows left out by ``changed_only``, as (region,
    region_name) pairs).
    """
    from mapkit.change_sentences import sentence
    from mapkit.figures import list_series, series_of
    from mapkit.i18n import LANGUAGES
    from mapkit.snapshots import default_source

    try:
        chosen_level = get_level(level if level is not None else (
            snapshots.attrs.get("level") if isinstance(snapshots, pd.DataFrame) else None))
    except LevelError as error:
        raise ChangesError(str(error)) from None
    if top is not None and top < 1:
        raise ChangesError(f"--top {top}: give a number of units from 1 up")
    if period not in PERIODS:
        raise ChangesError(f"unknown period {period!r}: choose one of {', '.join(PERIODS)}")
    if lang not in LANGUAGES:
        raise ChangesError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    start, end = _date(date_from, "from"), _date(date_to, "to")
    if start is not None and end is not None and start > end:
        raise ChangesError(f"the from date {start} is after the to date {end}")
    frame = _load(snapshots, chosen_level)
    if frame.empty:
        raise ChangesError("there are no snapshots: add CSV files to data/control_snapshots/ "
                           "or name a folder with --snapshots")
    chosen = source if source is not None else default_source(frame)
    rows = frame[(series_of(frame) == chosen).to_numpy()]  # one series, as the maps show it
    if rows.empty:
        known = "; ".join(map(repr, list_series(frame)))
        raise ChangesError(f"no snapshot has source {chosen!r}; sources are: {known}")
    wanted = _codes(regions, chosen_level)
    order = _order(chosen_level)

    days = pd.to_datetime(rows["date"]).dt.date
    first, last = days.min(), days.max()
    bounds, ends = _periods(first, last, period)
    staleness = dt.timedelta(days=PERIODS[period])
    points = np.array([*bounds, *ends[-1:]], dtype="datetime64[D]")
    out: list[dict] = []
    for code, group in rows.assign(_day=days).sort_values("_day").groupby("region", sort=False):
        if wanted is not None and code not in wanted:
            continue
        group_days = np.array(group["_day"].tolist(), dtype="datetime64[D]")
        percent = np.where(group["partial"].to_numpy(dtype=bool), np.nan,
                           group["percent"].to_numpy(dtype=float))
        km2_at, percent_at = _at_boundaries(
            group_days, [group["area_km2"].to_numpy(dtype=float), percent], points, last,
            staleness, _stands_until(group))
        change = np.round(km2_at[1:] - km2_at[:-1], 1)
        since, kind = _largest_since_by_kind(change)
        known = np.flatnonzero(~np.isnan(change))
        region = chosen_level.unit(code)
        parent = chosen_level.parent_of(code)
        label = chosen_level.label(region, lang)
        for i in range(len(bounds)):
            row = {
                "period_start": bounds[i], "period_end": ends[i], "region": code,
                "km2_start": km2_at[i], "km2_end": km2_at[i + 1], "change_km2": change[i],
                "percent_start": percent_at[i], "percent_end": percent_at[i + 1],
                "largest_since": bounds[since[i]] if since[i] >= 0 else None,
                "region_name": region.name(lang), "largest_since_kind": kind[i],
                "complete": ends[i] == _next(bounds[i], period),
                "parent": parent.code if parent is not None else "",
                "parent_name": parent.name(lang) if parent is not None else "",
                # what the sentence needs beyond the row (made once the rows are chosen)
                "_first": bounds[known[0]] if len(known) else None,
                "_previous": bounds[i - 1] if i else None,
                "_label": label,
            }
            out.append(row)
    table = pd.DataFrame(out, columns=[*COLUMNS, "_first", "_previous", "_label"])
    if start is not None:
        table = table[table["period_end"] > start]
    if end is not None:
        table = table[table["period_start"] < end]
    if top is not None:
        table = _top(table, top, newest_only=start is None and end is None)
    if wanted is None:  # the country, and the regions with something under control
        shown = table.groupby("region")[["km2_start", "km2_end", "percent_start",
                                         "percent_end"]].max().fillna(0).max(axis=1)
        keep = {code for code, value in shown.items() if value > 0} | {COUNTRY.code}
        table = table[table["region"].isin(keep)]
    hidden: list[tuple[str, str]] = []
    hidden_rows = 0
    if changed_only:
        still = (table["change_km2"] == 0) & (table["region"] != COUNTRY.code)
        hidden = list(dict.fromkeys(zip(table.loc[still, "region"],
                                        table.loc[still, "_label"])))
        hidden_rows = int(still.sum())
        table = table[~still]
    if top is None:
        table = table.assign(_order=table["region"].map(order).fillna(len(order)))
    else:  # the country first, then the largest changes
        table = table.assign(_order=np.where(table["region"] == COUNTRY.code, -np.inf,
                                             -table["change_km2"].abs().fillna(0)))
    table = table.sort_values(["period_start", "_order"], kind="stable").drop(columns="_order")
    table["summary"] = [sentence(row, period, lang, row["_first"], row["_previous"])
                        for row in table.to_dict("records")]
    table = table.drop(columns=["_first", "_previous", "_label"])
    for column in ("period_start", "period_end", "largest_since"):
        table[column] = pd.to_datetime(table[column])
    table["complete"] = table["complete"].astype(bool)
    table.attrs.update(source=chosen, period=period, lang=lang, hidden_rows=hidden_rows,
                       hidden=sorted(hidden, key=lambda pair: order.get(pair[0], len(order))),
                       level=chosen_level.name, top=top)
    return table.reset_index(drop=True)


def _top(table: pd.DataFrame, top: int, newest_only: bool) -> pd.DataFrame:
    """Of each period (of the newest only, when ``newest_only``), the row UA and the ``top``
    units with the largest change by absolute km²; units without change are left out."""
    if newest_only and not table.empty:
        table = table[table["period_start"] == table["period_start"].max()]
    size = table["change_km2"].abs()
    moved = table[(table["region"] != COUNTRY.code) & (size > 0)]
    ranked = moved.assign(_size=size).sort_values(["period_start", "_size", "region"],
                                                  ascending=[True, False, True], kind="stable")
    kept = ranked.groupby("period_start", sort=False).head(top).drop(columns="_size")
    return pd.concat([table[table["region"] == COUNTRY.code], kept])


def _date(value: dt.date | str | None, which: str) -> dt.date | None:
    """``--from``/``--to`` as a date, or a :class:`ChangesError` that names it and says why."""
    try:
        return _as_date(value, f"{which} date")
    except FiguresError:
        try:
            dt.date.fromisoformat(str(value).strip())
            reason = ""
        except ValueError as problem:
            reason = "" if str(problem).startswith("Invalid") else f" ({problem})"
        raise ChangesError(f"--{which} {str(value)!r} is not a date{reason}: write it as "
                           "YYYY-MM-DD, e.g. 2025-03-17") from None


def _periods(first: dt.date, last: dt.date, period: str) -> tuple[list[dt.date], list[dt.date]]:
    """The periods from the one holding ``first`` to the one holding ``last``: their starts,
    and their ends — the last one's being ``last`` (to date) unless ``last`` is its start
    (the period has not begun: it is left out)."""
    bounds = _boundaries(first, last, period)
    starts, ends = bounds[:-1], bounds[1:]
    if not starts:  # one map, on a boundary: no period has begun
        return [], []
    if starts[-1] == last:  # the newest map is the end of a period: none is under way
        starts, ends = starts[:-1], ends[:-1]
    else:
        ends[-1] = last
    return starts, ends


def _at_boundaries(days: np.ndarray, values: list[np.ndarray], bounds: np.ndarray,
                   last: dt.date, staleness: dt.timedelta,
                   until: np.ndarray | None = None) -> list[np.ndarray]:
    """Each of ``values`` (one per snapshot ``days``, sorted) at each boundary: the latest on
    or before it; NaN where there is none, it is older than ``staleness``, the boundary is
    after ``last``, or (``until``: the last day each snapshot's figure stands, its series'
    cadence: :mod:`mapkit.cadence`) the figure no longer stands on the boundary — a gap of
    the series is no figure, never the one before it."""
    at = np.searchsorted(days, bounds, side="right") - 1
    known = (at >= 0) & (bounds <= np.datetime64(last, "D"))
    age = bounds - days[np.maximum(at, 0)]
    known &= age <= np.timedelta64(staleness.days, "D")
    if until is not None:
        known &= until[np.maximum(at, 0)] >= bounds
    return [np.where(known, value[np.maximum(at, 0)], np.nan) for value in values]


def _stands_until(group: pd.DataFrame) -> np.ndarray | None:
    """The last day each snapshot row's figure stands (the column ``stands_until`` that
    :func:`mapkit.snapshots.load_snapshots` gives every row), or None for a frame without it."""
    if "stands_until" not in group or group["stands_until"].isna().any():
        return None
    return pd.to_datetime(group["stands_until"]).to_numpy().astype("datetime64[D]")


def series_changes(days, km2, *, period: str = "month", last: dt.date | None = None,
                   first: dt.date | None = None,
                   until=None) -> list[tuple[dt.date, dt.date, float]]:
    """(period start, period end, change in km²; NaN: no figure) for one series of figures
    (``days`` ascending, ``km2`` NaN where a snapshot has none, ``until`` the last day each
    figure stands), by the rules of :func:`changes`, for the periods from the one holding
    ``first`` (default: the first day) to the one holding ``last`` (default: the last day).
    What the change charts draw."""
    if not len(days):
        return []
    last = last or days[-1]
    bounds = _boundaries(days[0], last, period)
    if first is not None:
        bounds = [b for b in bounds if _next(b, period) > first] or bounds[-1:]
    (at,) = _at_boundaries(np.array(days, dtype="datetime64[D]"), [np.asarray(km2, float)],
                           np.array(bounds, dtype="datetime64[D]"), last,
                           dt.timedelta(days=PERIODS[period]),
                           None if until is None else np.array(until, dtype="datetime64[D]"))
    change = np.round(at[1:] - at[:-1], 1)
    return [(bounds[i], bounds[i + 1], float(change[i])) for i in range(len(bounds) - 1)]


def _largest_since_by_kind(change: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """For each period: the index of the last earlier period with a larger gain (when it is a
    gain) or a larger loss (when it is a loss), -1 when none (or no change), and which it is:
    "gain", "loss" or ""."""
    gains = _largest_since(np.where(change > 0, change, np.nan))
    losses = _largest_since(np.where(change < 0, -change, np.nan))
    since = np.where(change > 0, gains, np.where(change < 0, losses, -1))
    kind = [GAIN if value > 0 else LOSS if value < 0 else "" for value in change]
    return since, kind


def _largest_since(change: np.ndarray) -> np.ndarray:
    """For each period, the index of the last earlier period with a larger change (-1: none,
    or no change to compare). A stack of earlier changes, each larger than the ones above it:
    the one just above the first that is not smaller is the answer."""
    since = np.full(len(change), -1)
    stack: list[int] = []
    for i, value in enumerate(change):
        if np.isnan(value):
            continue
        while stack and change[stack[-1]] <= value:
            stack.pop()
        since[i] = stack[-1] if stack else -1
        stack.append(i)
    return since


# --- As text ------------------------------------------------------------------------------------

#: Columns whose cells are text in JSON (the others are numbers, or ``complete`` a boolean).
_TEXT_COLUMNS = {"period_start", "period_end", "region", "largest_since", "region_name",
                 "largest_since_kind", "summary", "parent", "parent_name"}


def _cells(table: pd.DataFrame) -> list[list[str]]:
    """Each row's cells as plain text, in the order of :data:`COLUMNS`: dates YYYY-MM-DD, km²
    with one decimal, percent with two, ``complete`` "true"/"false", "" where there is no
    figure."""
    def date(value) -> str:
        return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")

    def number(value, digits: int) -> str:
        return "" if pd.isna(value) else f"{value:.{digits}f}"

    return [[date(r.period_start), date(r.period_end), r.region, number(r.km2_start, 1),
             number(r.km2_end, 1), number(r.change_km2, 1), number(r.percent_start, 2),
             number(r.percent_end, 2), date(r.largest_since), r.region_name,
             r.largest_since_kind, "true" if r.complete else "false", r.summary, r.parent,
             r.parent_name]
            for r in table.itertuples(index=False)]


def format_changes(table: pd.DataFrame, fmt: str = "table") -> str:
    """``table`` (from :func:`changes`) as "csv", "json" (a list of records, null where there
    is no figure, ``complete`` true or false) or "table" (aligned for a terminal, thousands
    separated, "no figure" spelt out, the rows in words, and a line on the source and the
    rule)."""
    import csv
    import io
    import json

    cells = _cells(table)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(cells)
        return buffer.getvalue()
    if fmt == "json":
        records = []
        for row in cells:
            record = {}
            for column, cell in zip(COLUMNS, row):
                if column == "complete":
                    record[column] = cell == "true"
                elif column in _TEXT_COLUMNS:
                    record[column] = cell if cell != "" or column == "largest_since_kind" \
                        else None
                else:
                    record[column] = None if cell == "" else float(cell)
            records.append(record)
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    if fmt != "table":
        raise ChangesError(f"unknown format {fmt!r}: choose table, csv or json")
    return _terminal_table(table, cells)


#: The terminal table's columns: the first ten of :data:`COLUMNS`, the name beside the code.
_SHOWN = ["period_start", "period_end", "region", "region_name", "km2_start", "km2_end",
          "change_km2", "percent_start", "percent_end", "largest_since"]


def _terminal_table(table: pd.DataFrame, cells: list[list[str]]) -> str:
    from mapkit.i18n import t

    lang = table.attrs.get("lang", "en")
    to_date = t("changes_to_date_mark", lang)

    def grouped(text: str, sign: bool = False) -> str:
        if text == "":
            return "no figure" if not sign else "–"
        value = float(text)
        return f"{value:+,.1f}" if sign else f"{value:,.1f}"

    def since(date: str, kind: str) -> str:
        if not kind:
            return ""
        return f"{kind} since {date}" if date else f"largest {kind}"

    column = {name: i for i, name in enumerate(COLUMNS)}
    shown = []
    for row in cells:
        cell = {name: row[column[name]] for name in COLUMNS}
        end = cell["period_end"] + ("" if cell["complete"] == "true" else f" ({to_date})")
        name = cell["region_name"] + (f" ({cell['parent_name']})" if cell["parent_name"]
                                      and cell["parent_name"] != cell["region_name"] else "")
        shown.append([cell["period_start"], end, cell["region"], name,
                      grouped(cell["km2_start"]), grouped(cell["km2_end"]),
                      grouped(cell["change_km2"], sign=True), cell["percent_start"] or "–",
                      cell["percent_end"] or "–",
                      since(cell["largest_since"], cell["largest_since_kind"])])
    widths = [max(len(_SHOWN[i]), *(len(r[i]) for r in shown)) if shown else len(_SHOWN[i])
              for i in range(len(_SHOWN))]
    right = {4, 5, 6, 7, 8}

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if i in right else v.ljust(w)
                         for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    lines = [line(_SHOWN), line(["-" * w for w in widths])]
    previous = None
    several = len({row[2] for row in shown}) > 1  # then a blank line between periods
    for row in shown:
        if several and previous is not None and row[0] != previous:
            lines.append("")
        previous = row[0]
        lines.append(line(row))
    quoted = table[table["region"] == COUNTRY.code]
    if quoted.empty:
        quoted = table
    if not quoted.empty:
        lines += ["", t("changes_in_words", lang), *quoted["summary"]]
    hidden = table.attrs.get("hidden") or []
    if hidden:
        lines += ["", t("changes_hidden", lang, count=table.attrs.get("hidden_rows", 0),
                        regions=", ".join(f"{code} {name}" for code, name in hidden))]
    source, period = table.attrs.get("source", ""), table.attrs.get("period", "")
    lines += ["", f"Source: {source}. Each boundary's figures are the latest snapshot on or "
                  f"before it (the map at the end of that day); {period}s run "
                  + {"week": "Monday to Monday", "month": "from the 1st to the 1st",
                     "year": "1 January to 1 January"}.get(period, "") + "; the "
                  f"{period} under way is measured to the newest snapshot (to date).",
              "largest_since: the last earlier " + period + " with a larger gain (or a larger "
              "loss); \"largest\": none earlier. no figure: no snapshot within a " + period +
              " before the boundary, or its series no longer vouches for the latest (its "
              "series.toml: a gap). UA: Ukraine as a whole (polygons as drawn, % of 603,628 "
              "km²)."]
    return "\n".join(lines) + "\n"
