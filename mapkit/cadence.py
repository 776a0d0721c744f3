"""How long a series' figure may stand: the series file (``series.toml``) beside its snapshots.

A figure is a claim about one day. A map of a later day may show it only while the series
vouches that it still holds: within the series' cadence (DeepStateMap's map is taken weekly, so
a figure stands 8 days), for longer where the series names an exception and says why (its
2015-02-18 line stands until 2022-02-23: the line barely moved between Minsk II and the
invasion), and never across a break (nothing from before 24 February 2022 stands on or after
it). Past that, the day is a gap of the series: no figure, never a stale one
(:mod:`mapkit.figures`).

The rule is data, not code: each folder of snapshots may hold one ``series.toml``::

    series = "DeepStateMap"
    stands_days = 8
    cadence = "weekly, and every month's 1st"

    [[breaks]]
    date = 2022-02-24
    why = "the full-scale invasion"

    [[exceptions]]
    date = 2015-02-18
    until = 2022-02-23
    why = "the line barely moved between Minsk II and the invasion"

A series without such a file (an upload, a publication quoted for one day) gets
:data:`DEFAULT_STANDS_DAYS`: its figures stand on their own date only. docs/data.md describes
the file; :func:`read_series_file` checks it (``mapkit validate`` reports what it finds) and
:func:`stand_columns` turns it into each row's last standing day when snapshots are loaded.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mapkit.regions import COUNTRY, find, suggest, unknown_region_message

if TYPE_CHECKING:
    import pandas as pd

#: The name of a series file in a folder of snapshots.
SERIES_FILE = "series.toml"
#: How many days after its own date a figure of a series without a series file stands: none.
#: A quoted figure is of one day, and an uploaded series has not said how often it is drawn;
#: a reader gets "no map for this date" rather than a figure nobody vouched for.
DEFAULT_STANDS_DAYS = 0
#: The columns :func:`stand_columns` gives a frame of snapshots.
STAND_COLUMNS = ("stands_until", "stands_note", "stands_note_uk")


@dataclass(frozen=True)
class Break:
    """A day nothing from before stands on or after."""

    date: dt.date
    why: str
    why_uk: str | None = None


@dataclass(frozen=True)
class StandsLonger:
    """Figures of ``date`` (of ``regions``, or all but ``except_regions``) that stand until
    ``until`` (inclusive), longer than the cadence, for the reason ``why``."""

    date: dt.date
    until: dt.date
    why: str
    why_uk: str | None = None
    regions: frozenset[str] | None = None  # None: every region (and the country row UA)
    except_regions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SeriesInfo:
    """What a series says about how long its figures stand."""

    name: str
    stands_days: int = DEFAULT_STANDS_DAYS
    cadence: str | None = None  # in words: "weekly, and every month's 1st"
    cadence_uk: str | None = None
    breaks: tuple[Break, ...] = ()
    exceptions: tuple[StandsLonger, ...] = ()
    file: str | None = None  # where it was read; None: the default


def default_info(name: str) -> SeriesInfo:
    """The rule of a series that has no series file."""
    return SeriesInfo(name)


# --- Reading a series file ---------------------------------------------------------------------

_KEYS = {"series", "stands_days", "cadence", "cadence_uk", "breaks", "exceptions"}
_BREAK_KEYS = {"date", "why", "why_uk"}
_EXCEPTION_KEYS = {"date", "until", "why", "why_uk", "regions", "except_regions"}
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def read_series_file(path: str | Path) -> tuple[SeriesInfo | None, list[tuple[int | None, str]]]:
    """A series file, checked: (the series' rule, or None; every problem as (line or None,
    what is wrong and what to do))."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return None, [(None, "is not UTF-8 text: save it as UTF-8")]
    except OSError as error:
        return None, [(None, f"cannot be read ({error.strerror})")]
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE.search(str(error))
        return None, [(int(found[1]) if found else None,
                       f"is not valid TOML ({_TOML_LINE.sub('', str(error)).strip()}); the "
                       "format is in docs/data.md, \"How long a figure stands\"")]
    problems: list[str] = []
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}: a series file has "
                        f"{', '.join(sorted(_KEYS))}")
    name = data.get("series")
    if not isinstance(name, str) or not name.strip():
        problems.append('series is missing: name the series the file is about, e.g. '
                        'series = "DeepStateMap" (its source, or its series column)')
    days = data.get("stands_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        problems.append("stands_days must be a whole number of days from 0 up: the longest a "
                        "figure stands after its own date (8 for a weekly map)")
    texts = {key: _text(data, key, problems) for key in ("cadence", "cadence_uk")}
    breaks = tuple(_break(item, f"breaks[{i + 1}]", problems)
                   for i, item in enumerate(_tables(data, "breaks", problems)))
    exceptions = tuple(_exception(item, f"exceptions[{i + 1}]", problems)
                       for i, item in enumerate(_tables(data, "exceptions", problems)))
    if problems:
        return None, [(None, problem) for problem in problems]
    breaks = tuple(sorted(breaks, key=lambda b: b.date))
    for index, longer in enumerate(exceptions):
        crossed = next((b for b in breaks if longer.date < b.date <= longer.until), None)
        if crossed is not None:
            problems.append(f"exceptions[{index + 1}]: until {longer.until} crosses the break "
                            f"of {crossed.date} ({crossed.why}); nothing stands across a break: "
                            f"end it before {crossed.date}")
    if problems:
        return None, [(None, problem) for problem in problems]
    return SeriesInfo(name.strip(), days, texts["cadence"], texts["cadence_uk"], breaks,
                      exceptions, str(path)), []


def _text(table: Mapping, key: str, problems: list[str], where: str = "") -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}{key} must be text in quotes")
        return None
    return value.strip()


def _tables(data: Mapping, key: str, problems: list[str]) -> list[Mapping]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.append(f"{key} must be a list of tables, each under its own [[{key}]] line")
        return []
    return value


def _date(table: Mapping, key: str, where: str, problems: list[str]) -> dt.date:
    value = table.get(key)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    problems.append(f"{where}: {key} must be a date written as YYYY-MM-DD, without quotes "
                    f"(got {value!r})")
    return dt.date.min


def _why(table: Mapping, where: str, problems: list[str]) -> tuple[str, str | None]:
    why = _text(table, "why", problems, f"{where}: ")
    if why is None and "why" not in table:
        problems.append(f"{where}: why is missing: say why, in words a reader is shown")
    return why or "", _text(table, "why_uk", problems, f"{where}: ")


def _break(table: Mapping, where: str, problems: list[str]) -> Break:
    unknown = sorted(set(table) - _BREAK_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; a break has "
                        f"{', '.join(sorted(_BREAK_KEYS))}")
    why, why_uk = _why(table, where, problems)
    return Break(_date(table, "date", where, problems), why, why_uk)


def _exception(table: Mapping, where: str, problems: list[str]) -> StandsLonger:
    unknown = sorted(set(table) - _EXCEPTION_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(unknown)}; an exception has "
                        f"{', '.join(sorted(_EXCEPTION_KEYS))}")
    day = _date(table, "date", where, problems)
    until = _date(table, "until", where, problems)
    if dt.date.min not in (day, until) and until < day:
        problems.append(f"{where}: until {until} is before its date {day}")
    why, why_uk = _why(table, where, problems)
    if "regions" in table and "except_regions" in table:
        problems.append(f"{where}: give regions or except_regions, not both")
    regions = _regions(table, "regions", where, problems)
    excepted = _regions(table, "except_regions", where, problems)
    return StandsLonger(day, until, why, why_uk, regions, excepted or frozenset())


def _regions(table: Mapping, key: str, where: str, problems: list[str]) -> frozenset[str] | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f'{where}: {key} must be a list of region codes, e.g. ["UA-14", "UA"]')
        return frozenset()
    codes = set()
    for text in value:
        region = COUNTRY if text.strip().upper() == COUNTRY.code else find(text)
        if region is None:
            problems.append(f"{where}: {key}: {unknown_region_message(text, suggest(text))}")
        else:
            codes.add(region.code)
    return frozenset(codes)


def series_files(snapshot_files: Iterable[Path], given: Iterable[str | Path] = ()) -> list[Path]:
    """The series files that go with these snapshot files: the ``series.toml`` of each folder
    they lie in (for a finer level's folder, ``deepstate/raion/``, the one of the series'
    folder above it: a series says once how long its figures stand, at every level), and any
    ``.toml`` file named directly among the paths ``given``."""
    from mapkit.levels import LEVEL_NAMES

    found = [Path(item) for item in given
             if Path(item).suffix.lower() == ".toml" and Path(item).is_file()]
    for folder in dict.fromkeys(Path(f).parent for f in snapshot_files):
        if (folder / SERIES_FILE).is_file():
            found.append(folder / SERIES_FILE)
        elif folder.name.lower() in LEVEL_NAMES[1:] and (folder.parent / SERIES_FILE).is_file():
            found.append(folder.parent / SERIES_FILE)
    return list(dict.fromkeys(found))


def oblasts_of(codes: Iterable[str]) -> list[str]:
    """Each code's oblast, as a series file names regions: a raion's or hromada's parent
    (:mod:`mapkit.levels`), an oblast's or the country's own code. So an exception for
    ``UA-14`` holds for Donetsk oblast's raions and hromadas too."""
    from mapkit.levels import KATOTTG_CODE, get_level

    found: dict[str, str] = {}
    out = []
    for code in codes:
        oblast = found.get(code)
        if oblast is None:
            oblast = code
            if KATOTTG_CODE.fullmatch(code):
                unit = get_level("hromada").get(code) or get_level("raion").get(code)
                oblast = unit.parent if unit is not None else code
            found[code] = oblast
        out.append(oblast)
    return out


# --- Each row's last standing day -------------------------------------------------------------


def stand_columns(frame: pd.DataFrame, infos: Mapping[str, SeriesInfo],
                  series: pd.Series | None = None) -> dict[str, object]:
    """:data:`STAND_COLUMNS` of a frame of snapshots: the last day each row's figure stands
    (``stands_until``), and, where an exception lets it stand longer than its series'
    cadence, why (``stands_note``, ``stands_note_uk``). ``infos`` are the series' rules by
    name (a series without one: :func:`default_info`); ``series`` each row's series (default:
    the frame's ``series`` column)."""
    import numpy as np
    import pandas as pd

    days = pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]")
    names = (frame["series"] if series is None else series).astype(str).to_numpy()
    regions = frame["region"].astype(str).to_numpy()
    if len(frame) and frame["region"].astype(str).str.len().max() > 6:  # a finer level's
        at, unique = pd.factorize(regions)  # units: by their oblasts
        regions = np.asarray(oblasts_of(unique), dtype=object)[at]
    until = days + np.timedelta64(DEFAULT_STANDS_DAYS, "D")
    note = np.full(len(frame), None, dtype=object)
    note_uk = np.full(len(frame), None, dtype=object)
    for name, info in infos.items():
        mine = names == name
        if not mine.any():
            continue
        until[mine] = days[mine] + np.timedelta64(info.stands_days, "D")
        for longer in info.exceptions:
            hit = mine & (days == np.datetime64(longer.date, "D"))
            if longer.regions is not None:
                hit &= np.isin(regions, list(longer.regions))
            hit &= ~np.isin(regions, list(longer.except_regions))
            later = hit & (until < np.datetime64(longer.until, "D"))
            until[later] = np.datetime64(longer.until, "D")
            note[later], note_uk[later] = longer.why, longer.why_uk
        for cut in info.breaks:
            at = np.datetime64(cut.date, "D")
            across = mine & (days < at) & (until >= at)
            until[across] = at - np.timedelta64(1, "D")  # (no exception crosses a break)
    return {"stands_until": pd.to_datetime(until), "stands_note": note,
            "stands_note_uk": note_uk}
