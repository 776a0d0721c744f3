"""Control snapshots: dated, sourced percentages of each region under Russian military control.

This module owns the snapshot format, which joins mapkit's two halves: everything that makes
snapshots (``mapkit compute``, the viewer's uploads) validates its rows and writes them here,
and everything that shows them (the viewer, the exports) reads them from here.

A snapshot file is a plain CSV a journalist can open and edit::

    date,region,percent,source,method,source_url,contested_percent,note
    2025-03-17,UA-09,100,El País,reported,https://…,,"all of Luhansk"
    2025-03-17,UA-65,partial,El País,reported,https://…,,"partly occupied; no figure given"

``percent`` is 0–100, or ``partial`` when the source says "partly" without a figure (shown as
"partial, no figure"; never turned into a number). ``region`` may be any spelling
``mapkit.regions.resolve`` knows; it is stored as the ISO code. ``UA`` (ISO 3166-1) is the whole
country, a row every computed snapshot has beside the 27 regions.

``area_km2`` and ``contested_km2`` (optional) are the same figures in square kilometres. Given
with a percentage, they must describe the same area (:func:`_check_km2`): the percentage is of
the region's area in our boundaries (what ``mapkit compute`` divides by) or of its official area
(what publications usually divide by; for ``UA`` the official 603,628 km², DeepStateMap's "% of
Ukraine").

Two optional columns came later and are written only when a row uses them: ``series`` names
the consistent series a row belongs to (default: its source), so a reported row can fill a
computed series' years before its first polygon while keeping its own source everywhere it is
shown; ``note_uk`` is the note in Ukrainian, where we have it.

How long a figure stands after its date is said per series, not per row: by the
``series.toml`` in the folder of its files (:mod:`mapkit.cadence`), read and checked here with
them; a loaded frame gives each row the last day its figure stands (``stands_until``).

Validation happens here, once, for the CLI, the library and the app alike, whether the rows
come from a file or from memory (:func:`validate_rows`): every problem is reported as
``file:line: what is wrong``, all of them at once, and nothing is silently dropped.

Adding a column: name it in :data:`COLUMNS` (the writer, the header check and the note on
unknown columns follow), give it its rule in :func:`_read_record` and its place in
:data:`FRAME_COLUMNS`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mapkit.cadence import STAND_COLUMNS, SeriesInfo, read_series_file, series_files, stand_columns
from mapkit.constants import METHODS, PARTIAL_MARKER, SNAPSHOTS_DIR
from mapkit.files import expand_paths, paths_fingerprint, write_atomically
from mapkit.levels import (
    DEFAULT_LEVEL,
    KATOTTG_CODE,
    LEVEL_NAMES,
    AmbiguousNameError,
    Level,
    Unit,
    get_level,
    level_of_code,
)
from mapkit.regions import COUNTRY, unknown_region_message
from mapkit.regions import find as find_region

if TYPE_CHECKING:  # pandas is imported where a frame is made: `mapkit compute` never needs it
    import pandas as pd

#: The columns of a snapshot CSV, in the order they are written.
COLUMNS = ("date", "region", "percent", "source", "method", "source_url", "contested_percent",
           "note", "area_km2", "contested_km2", "series", "note_uk")
#: The columns every snapshot file must have; the others may be left out.
REQUIRED_COLUMNS = COLUMNS[:5]
OPTIONAL_COLUMNS = COLUMNS[5:]
#: Columns every written file has; those after them are written only when some row uses them
#: (files without them stay as they were, byte for byte).
ALWAYS_WRITTEN = COLUMNS[:10]

#: Columns of the DataFrame ``load_snapshots`` returns, in order. ``series`` is never empty
#: there: a row without one belongs to its source's series. The last three say how long each
#: figure stands, from its series' file (:mod:`mapkit.cadence`).
FRAME_COLUMNS = [
    "date", "region", "percent", "partial", "contested_percent", "area_km2", "contested_km2",
    "source", "source_url", "method", "note", "series", "note_uk", "file", "line",
    *STAND_COLUMNS,
]

#: Suffix of the files a folder of snapshots is searched for.
SNAPSHOT_SUFFIXES = (".csv",)


class Problem(NamedTuple):
    """One thing wrong (or worth saying) about one place in one file. (A tuple: a file of a
    million bad rows makes millions of these, three times faster than a frozen dataclass.)"""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass
class ValidationReport:
    """What ``validate_paths`` found: problems (errors) and notes (information)."""

    files: list[str] = field(default_factory=list)
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    #: Each series' rule of how long its figures stand, by name, from its series file.
    series: dict[str, SeriesInfo] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class SnapshotError(ValueError):
    """Snapshot rows could not be read, made or validated; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self):  # pickled with its problems (the viewer reads uploads in a child)
        return type(self), (self.problems,)


# --- Checking one row -------------------------------------------------------------------------


#: A number as a snapshot writes it: ASCII digits, at most one decimal point, an optional sign
#: (a range check follows). Python's ``float`` also takes "1_0" (10), "1e2", "inf", "nan" and
#: other scripts' digits ("١٠"), none of which a reader of the CSV would read as that number.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: A date as the format writes it: exactly YYYY-MM-DD (``date.fromisoformat`` also takes
#: "2025-W01-1", the Monday of ISO week 1, which is 2024-12-30).
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_iso_date(text: str) -> dt.date | None:
    """The date ``text`` writes as YYYY-MM-DD, or None: no other form of ISO 8601 (week
    dates, "20250101") and no impossible day (2025-02-30)."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _plain_number(text: str) -> float | None:
    """``text`` as a number if it is a plain decimal (:data:`_PLAIN_DECIMAL`), else None."""
    return float(text) if _PLAIN_DECIMAL.fullmatch(text) else None


def _parse_percent(raw: str, column: str, allow_partial: bool) -> tuple[float | None, str | None]:
    """(value, error) for a percent cell; value None means empty or "partial"."""
    text = raw.strip().rstrip("%").strip()
    if allow_partial and text.lower() == PARTIAL_MARKER:
        return None, None
    if not text:
        if allow_partial:
            return None, (f"{column} is empty: give a number from 0 to 100, or "
                          f"'{PARTIAL_MARKER}' if the source says partly controlled without a "
                          "figure")
        return None, None
    value = _plain_number(text)
    if value is None:
        hint = (" (use a dot as decimal separator)" if "," in text else
                " (write it in plain digits, like 12.5)" if text[:1].isdigit() else "")
        extra = f", or '{PARTIAL_MARKER}'" if allow_partial else ""
        return None, f"{column} {raw.strip()!r} is not a number from 0 to 100{extra}{hint}"
    if not 0 <= value <= 100:
        return None, f"{column} {raw.strip()!r} is outside 0–100"
    return value, None


def _parse_km2(raw: str, column: str) -> tuple[float | None, str | None]:
    """(value, error) for a km² cell; value None means empty."""
    text = raw.strip()
    if not text:
        return None, None
    value = _plain_number(text)
    if value is None:
        hint = (" (write it without thousands separators, with a dot as decimal separator)"
                if any(c in text for c in ", '_\u00a0") else
                " (write it in plain digits, like 1250.5)" if text[:1].isdigit() else "")
        return None, f"{column} {text!r} is not a number of square kilometres{hint}"
    if value < 0:
        return None, f"{column} {text!r} must be a number of km² from 0 up"
    return value, None


@functools.lru_cache(maxsize=4096)
def _last_unit(text: str) -> float:
    """One unit of the last decimal written ("60" → 1, "77.91" → 0.01): how far apart two
    roundings of one figure may be."""
    text = text.strip().rstrip("%").strip()
    if "e" in text.lower() or "." not in text:
        return 1.0
    return 10.0 ** -len(text.split(".", 1)[1])


@functools.cache
def _areas_of(code: str, level: str = DEFAULT_LEVEL) -> tuple[Unit, float, float | None]:
    """A unit of ``level``, its area in our boundaries and its official area (km²; None for
    raions and hromadas, which have none in our data)."""
    found = get_level(level)
    unit = found.unit(code)
    return unit, found.areas_km2[code], unit.official_area_km2


def _check_km2(code: str, km2: float, km2_text: str, percent: float | None,
               percent_text: str, what: str, level: str = DEFAULT_LEVEL) -> str | None:
    """Whether ``km2`` of region ``code`` goes with ``percent`` (None: no figure), as an error.

    A percentage is of a region's area in our boundaries (computed figures) or of its official
    area (a publication's); the pair must agree for one of the two within one unit of the
    last decimal written of each figure (rounding, and a publisher's rounding quirk: DeepState
    printed 116,165 km² as 19.25 % of 603,628 km², which is 19.2446 %). ``what`` names the
    two columns ("area_km2 and percent")."""
    km2_column, percent_column = what.split(" and ")
    region, ours, official = _areas_of(code, level)
    areas = (ours,) if official is None else (ours, official)
    if km2 > max(areas) + _last_unit(km2_text):
        whole = max(areas)
        return (f"{km2_column} {km2_text} is more than {region.name_en}'s whole area "
                f"({whole:,.{0 if whole >= 100 else 1}f} km²)")
    if percent is None:
        return None
    for area in areas:
        tolerance = _last_unit(percent_text) + 100.0 * _last_unit(km2_text) / area
        if abs(100.0 * km2 / area - percent) <= tolerance + 1e-9:
            return None
    official_text = ("" if official is None else
                     f" and {100.0 * km2 / official:.2f} % of its official area "
                     f"({official:,.0f} km²)")
    return (f"{km2_column} {km2_text} does not go with {percent_column} {percent_text}: "
            f"{km2_text} km² is {100.0 * km2 / ours:.2f} % of {region.name_en}'s area in our "
            f"boundaries ({ours:,.1f} km²){official_text}; give both figures of the same "
            "area, or leave one empty")


def _parse_date(raw: str) -> tuple[dt.date | None, str | None]:
    text = raw.strip()
    value = parse_iso_date(text)
    if value is None:
        return None, f"date {text!r} is not a date in the form YYYY-MM-DD"
    if value > dt.date.today():
        return None, f"date {text} is in the future"
    return value, None


#: What a spreadsheet takes for the start of a formula (OWASP's "CSV injection"); the leading
#: tab or carriage return of that list never reaches a check: cells are stripped first.
FORMULA_STARTS = ("=", "+", "-", "@")
#: A signed plain number ("-2", "+1.5", "-3 %"): a spreadsheet reads it as that number.
_SIGNED_NUMBER = re.compile(r"[+-]\s*(\d+([.,]\d*)?|[.,]\d+)\s*%?")


def formula_error(column: str, text: str) -> str | None:
    """Why a text cell (source, note, note_uk, series) must not be written as it is, or None.

    A cell starting with ``=``, ``+``, ``-`` or ``@`` is read by Excel, LibreOffice and Google
    Sheets as a formula: "-2 km" shows as an error instead of the text, and a crafted one
    (``=HYPERLINK(…)``, ``-1+cmd|…``) links away or runs a command when the file is opened.
    A signed plain number ("-2", "+1.5 %") is read as that number and is kept. The CSV export
    and the viewer's download prefix such text with an apostrophe instead (they write what is
    already validated); a snapshot file is the input, so it is asked to say it differently.
    """
    if not text or text[0] not in FORMULA_STARTS or _SIGNED_NUMBER.fullmatch(text):
        return None
    return (f"{column} {text!r} starts with {text[0]!r}, so a spreadsheet would read it as a "
            "formula (an error instead of the text, or a crafted command run when the file is "
            "opened); start it with a word or a digit instead")


def _check_shared(date_text: str, source: str, method_text: str,
                  url: str) -> tuple[dt.date | None, list[str], str, list[str]]:
    """The cells most rows of a file share: the date (its value and errors), then the method
    (lower case) and the errors of the source, method and source_url cells."""
    date, error = _parse_date(date_text)
    errors = []
    if not source:
        errors.append("source is empty: say who published the figure (e.g. DeepStateMap)")
    elif formula := formula_error("source", source):
        errors.append(formula)
    method = method_text.lower()
    if method not in METHODS:
        errors.append(f"method {method_text!r} must be one of {', '.join(METHODS)}")
    if url and not url.lower().startswith(("http://", "https://")):
        errors.append(f"source_url {url!r} must start with http:// or https://")
    return date, [error] if error else [], method, errors


#: Distinct unknown region names of one file that get "Did you mean" suggestions; the rest
#: are named without (suggestions cost half a millisecond each; a file of a million made-up
#: names would take minutes, and nobody reads past the first hundred messages).
SUGGESTED_NAMES_PER_FILE = 200
#: Distinct region spellings (and percent cells) of one file remembered with their answer:
#: a file uses a handful of spellings, and figures repeat.
_REMEMBERED = 10_000


@dataclass
class _FileMemo:
    """The checks one file's rows have in common, done once a file: the cells they share
    (:func:`_check_shared`), each region spelling (:meth:`region`) and each percent cell.
    ``level`` is the level the file holds figures of (:func:`file_level`)."""

    shared: dict = field(default_factory=dict)
    regions: dict = field(default_factory=dict)
    percents: dict = field(default_factory=dict)
    contesteds: dict = field(default_factory=dict)
    suggestions_left: int = SUGGESTED_NAMES_PER_FILE
    level: str = DEFAULT_LEVEL
    _level: Level | None = None

    def region(self, text: str) -> tuple[str | None, str | None, str | None]:
        """(code, note, error) for a region cell: the note says how a spelling that is not a
        code was read; the error says it is unknown, or another level's."""
        found = self.regions.get(text)
        if found is not None:
            return found
        level = self._level or get_level(self.level)
        self._level = level
        unit = level.get(text)
        if unit is not None and unit.code == text:  # a code, as computed files write them
            found = self.regions[text] = (text, None, None)
            return found
        error = None
        if unit is None:
            if level.name == DEFAULT_LEVEL:  # a name of a region: no tiers to go through
                region = find_region(text)
                matches = [region] if region is not None else []
            else:
                matches = level.match(text)
            if len(matches) == 1:
                unit = matches[0]
            elif matches:
                error = str(AmbiguousNameError(text, matches, level))
            else:
                error = _unknown_unit(text, level, self.suggestions_left > 0)
                self.suggestions_left -= 1
        if unit is None:
            found = (None, None, error)
        else:
            note = (None if text == unit.code
                    else f"region {text!r} read as {unit.code} ({level.label(unit)})")
            found = (unit.code, note, None)
        if len(self.regions) < _REMEMBERED:
            self.regions[text] = found
        return found

    def percent(self, text: str) -> tuple[float | None, str | None, bool]:
        """(value, error, partial) of a percent cell (:func:`_parse_percent`)."""
        found = self.percents.get(text)
        if found is None:
            value, error = _parse_percent(text, "percent", allow_partial=True)
            found = (value, error, value is None and text.lower() == PARTIAL_MARKER)
            if len(self.percents) < _REMEMBERED:
                self.percents[text] = found
        return found

    def contested(self, text: str) -> tuple[float | None, str | None]:
        """(value, error) of a contested_percent cell (:func:`_parse_percent`)."""
        found = self.contesteds.get(text)
        if found is None:
            found = _parse_percent(text, "contested_percent", allow_partial=False)
            if len(self.contesteds) < _REMEMBERED:
                self.contesteds[text] = found
        return found


#: An oblast's code, as another level's file might hold it by mistake.
_ISO_CODE = re.compile(r"UA-\d\d")


def _unknown_unit(text: str, level: Level, suggest: bool) -> str:
    """Why a region cell names no unit of ``level``: a code of another level says which
    (and where such figures go), anything else gets the closest names when ``suggest``."""
    other = level_of_code(text) if (KATOTTG_CODE.fullmatch(text) or _ISO_CODE.fullmatch(text)) \
        else None
    if other is not None and other != level.name:
        unit = get_level(other).unit(text)
        where = ("at the oblast level: outside a raion/ or hromada/ folder" if other ==
                 DEFAULT_LEVEL else f"in a folder named {other}/ (or: --level {other})")
        return (f"region {text!r} is a{'n' if other[0] in 'aeiou' else ''} {other} "
                f"({get_level(other).label(unit)}), not a{'n' if level.name[0] in 'aeiou' else ''}"
                f" {level.name}: a snapshot holds the figures of one level; {other} figures go "
                f"{where}")
    suggestions = level.suggest(text) if suggest and text else []
    return unknown_region_message(text, suggestions, level)


def _read_record(cells: Sequence[str], name: str, line: int, problems: list[Problem],
                 notes: list[Problem], memo: _FileMemo) -> dict | None:
    """One row's cells (stripped, in :data:`COLUMNS` order; "" for a column the file lacks) →
    its typed values, or None with its problems added to ``problems``. ``memo`` remembers,
    within one file, the checks its rows have in common (:class:`_FileMemo`)."""
    (date_text, region_text, percent_text, source, method_text, url, contested_text, note,
     area_text, contested_km2_text, series, note_uk) = cells
    key = (date_text, source, method_text, url)
    checked = memo.shared.get(key)
    if checked is None:
        checked = memo.shared[key] = _check_shared(*key)
    date, errors, method, shared_errors = checked
    errors = list(errors)

    region_code, region_note, error = memo.region(region_text)
    if error:
        errors.append(error)
    elif region_note:
        notes.append(Problem(name, line, region_note))

    percent, error, partial = memo.percent(percent_text)
    if error:
        errors.append(error)

    contested, error = memo.contested(contested_text)
    if error:
        errors.append(error)
    if percent is not None and contested is not None and percent + contested > 100.0001:
        errors.append(f"percent {percent:g} plus contested_percent {contested:g} is over 100")
    if note or note_uk or series:  # most rows have none of the three
        for column, text in (("note", note), ("note_uk", note_uk), ("series", series)):
            if text and text[0] in FORMULA_STARTS and (error := formula_error(column, text)):
                errors.append(error)

    area, error = _parse_km2(area_text, "area_km2")
    if error:
        errors.append(error)
    contested_km2, error = _parse_km2(contested_km2_text, "contested_km2")
    if error:
        errors.append(error)
    if region_code is not None:
        if area is not None and partial:
            errors.append(f"area_km2 {area_text} is given but percent is '{PARTIAL_MARKER}': "
                          "give the percentage of the region those km² are, or leave area_km2 "
                          "empty")
        elif area is not None:
            error = _check_km2(region_code, area, area_text, percent, percent_text,
                               "area_km2 and percent", memo.level)
            if error:
                errors.append(error)
        if contested_km2 is not None:
            error = _check_km2(region_code, contested_km2, contested_km2_text, contested,
                               contested_text, "contested_km2 and contested_percent",
                               memo.level)
            if error:
                errors.append(error)

    if errors or shared_errors:
        problems.extend([Problem(name, line, e) for e in errors + shared_errors])
        return None
    return {
        "date": date, "region": region_code, "percent": percent, "partial": partial,
        "contested_percent": contested, "area_km2": area, "contested_km2": contested_km2,
        "source": source, "source_url": url, "method": method, "note": note,
        "series": series or source, "note_uk": note_uk, "file": name, "line": line,
    }


def _duplicates(rows: list[dict]) -> list[Problem]:
    """One problem per row that repeats a (date, region, source) seen earlier, or gives a series
    a second figure for a region on one date."""
    seen: dict[tuple, dict] = {}
    in_series: dict[tuple, dict] = {}
    problems = []
    for row in rows:
        key = (row["date"], row["region"], row["source"])
        if key in seen:
            first = seen[key]
            problems.append(Problem(row["file"], row["line"], (
                f"duplicate: {row['region']} on {row['date']} from {row['source']!r} is already "
                f"given at {first['file']}:{first['line']}")))
            continue
        seen[key] = row
        series_key = (row["date"], row["region"], row["series"])
        if series_key in in_series:
            first = in_series[series_key]
            problems.append(Problem(row["file"], row["line"], (
                f"series {row['series']!r} already has a figure for {row['region']} on "
                f"{row['date']} (from {first['source']!r} at {first['file']}:{first['line']}): "
                "a series has one figure per region and date; give this row another series")))
        else:
            in_series[series_key] = row
    return problems


# --- Reading files ----------------------------------------------------------------------------


def _check_rows(text: str, name: str, level: str = DEFAULT_LEVEL,
                ) -> tuple[list[dict], list[Problem], list[Problem]]:
    """Parse one file's text (figures of ``level``); return its good rows, its problems and
    its notes."""
    problems: list[Problem] = []
    notes: list[Problem] = []
    rows: list[dict] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem(name, None, "file is empty; expected a header line "
                                        f"{','.join(REQUIRED_COLUMNS)}")], []
    header = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing and {"map_date", "mapkit_version"} <= set(header):
        return [], [Problem(name, 1, "is a mapkit csv export (the figures behind a map: "
                                     "map_date, region, …, generated_at), not a snapshot "
                                     "file: move it out of the snapshots folder")], []
    if missing:
        hint = ""
        if len(header) == 1 and ";" in header[0]:
            hint = " (the file looks semicolon-separated: save it as comma-separated CSV)"
        problems.append(Problem(name, 1, f"missing column(s) {', '.join(missing)}; every "
                                         f"snapshot needs {','.join(REQUIRED_COLUMNS)}{hint}"))
        return [], problems, notes
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        problems.append(Problem(name, 1, f"column(s) {', '.join(duplicated)} appear twice"))
        return [], problems, notes
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        notes.append(Problem(name, 1, f"extra column(s) kept but not used: {', '.join(unknown)}"))

    # each row's cells in COLUMNS order; a column the file lacks reads as the "" added last
    in_order = operator.itemgetter(*(header.index(c) if c in header else len(header)
                                     for c in COLUMNS))
    memo = _FileMemo(level=level)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(Problem(name, reader.line_num, f"cannot be read as CSV ({error})"))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(Problem(name, line, f"has {len(cells)} fields, the header has "
                                                f"{len(header)}"))
            continue
        stripped = [c.strip() for c in cells]
        stripped.append("")
        row = _read_record(in_order(stripped), name, line, problems, notes, memo)
        if row is not None:
            rows.append(row)
    problems += _incomplete_lists(rows, level)
    return rows, problems, notes


# --- Computed snapshots of raions and hromadas: units not listed are 0 % ----------------------
#
# A computed snapshot at the raion or hromada level lists only the units with a figure above 0
# as written (percent, km², contested): most of 1,486 hromadas are 0 % on every date, and
# writing them would make the bundled files twenty times larger. What it does not list is not
# "no data": the snapshot's own row UA (computed, of the same date and source, in the same
# file, written last) says the list is complete, and every unit of the level without a row of
# that date and series is 0 % — 0 km², and contested 0 where the UA row has a contested figure
# (empty where the input had no grey zone). The loader writes those rows out
# (:func:`_implied_zeros`), so a frame, a map and a table never see the difference. A computed
# unit row without that UA row (a file cut short) is refused (:func:`_incomplete_lists`). The
# oblast level lists all 27 regions, and reported rows list what their source says, nothing
# more, at every level.

#: The note of a unit a computed snapshot does not list, in English and in Ukrainian.
IMPLIED_ZERO_NOTE = ("not listed in the computed snapshot, which lists the units with a "
                     "figure above 0: 0 %")
IMPLIED_ZERO_NOTE_UK = ("не вказано в обчисленому знімку, який перелічує одиниці з часткою "
                        "понад 0: 0 %")


def lists_units_above_zero(level: str) -> bool:
    """Whether a computed snapshot of ``level`` lists only its units above 0 (the raion and
    hromada levels; the oblast level lists all 27)."""
    return level != DEFAULT_LEVEL


def _incomplete_lists(rows: list[dict], level: str) -> list[Problem]:
    """One problem for each date and source of a file whose computed unit rows come without
    the computed row UA that says the list of units above 0 is complete."""
    if not lists_units_above_zero(level):
        return []
    marked = {(r["date"], r["source"]) for r in rows
              if r["region"] == COUNTRY.code and r["method"] == "computed"}
    problems, seen = [], set()
    for row in rows:
        key = (row["date"], row["source"])
        if (row["method"] == "computed" and row["region"] != COUNTRY.code
                and key not in marked and key not in seen):
            seen.add(key)
            problems.append(Problem(row["file"], row["line"], (
                f"computed {level} rows of {row['date']} from {row['source']!r} without the "
                f"computed row UA of that date and source: a computed {level} snapshot lists "
                "only the units above 0 %, and its UA row (written last) says the list is "
                "complete, so a file without it looks cut short; compute it again, or mark "
                "the rows reported")))
    return problems


def _implied_zeros(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """The rows of the units a computed snapshot of ``level`` does not list: 0 %, on its date,
    from its source, in its series (see above)."""
    import numpy as np
    import pandas as pd

    if not lists_units_above_zero(level):
        return frame.iloc[:0]
    is_marker = ((frame["region"] == COUNTRY.code) & (frame["method"] == "computed")).to_numpy()
    if not is_marker.any():
        return frame.iloc[:0]
    codes = get_level(level).codes
    markers = frame[is_marker]
    at = {key: m for m, key in enumerate(zip(markers["date"], markers["series"]))}
    unit = {code: i for i, code in enumerate(codes)}
    listed = np.zeros(len(markers) * len(codes), dtype=bool)
    for day, series, code in zip(frame["date"], frame["series"], frame["region"]):
        m, i = at.get((day, series)), unit.get(code)
        if m is not None and i is not None:
            listed[m * len(codes) + i] = True
    keep = np.flatnonzero(~listed)
    which = keep // len(codes)
    columns = {}
    for column in frame.columns:
        values = markers[column].to_numpy()
        columns[column] = values[which]
    implied = pd.DataFrame(columns)
    implied["region"] = np.asarray(codes, dtype=object)[keep % len(codes)]
    grey = implied["contested_percent"].notna().to_numpy()
    implied["percent"] = 0.0
    implied["partial"] = False
    implied["area_km2"] = 0.0
    implied["contested_percent"] = np.where(grey, 0.0, np.nan)
    implied["contested_km2"] = np.where(grey, 0.0, np.nan)
    implied["note"] = IMPLIED_ZERO_NOTE
    implied["note_uk"] = IMPLIED_ZERO_NOTE_UK
    return implied.astype(frame.dtypes.to_dict())


def _to_frame(rows: list[dict], series: Mapping[str, SeriesInfo] | None = None,
              level: str = DEFAULT_LEVEL) -> pd.DataFrame:
    """The rows as a frame (with the units a computed snapshot of ``level`` does not list, at
    0 %: :func:`_implied_zeros`); ``series`` gives the rules of how long figures stand (a
    series without one: its figures stand on their own date only). ``attrs["level"]`` names
    the level."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS[:-len(STAND_COLUMNS)])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["percent"] = frame["percent"].astype(float)
    for column in ("contested_percent", "area_km2", "contested_km2"):
        frame[column] = frame[column].astype(float)
    frame["partial"] = frame["partial"].astype(bool)
    frame["line"] = frame["line"].astype(int)
    if lists_units_above_zero(level):
        implied = _implied_zeros(frame, level)
        if len(implied):
            frame = pd.concat([frame, implied], ignore_index=True)
    for column, values in stand_columns(frame, series or {}).items():
        frame[column] = values
    frame = frame.sort_values(["date", "source", "region"]).reset_index(drop=True)
    frame.attrs["level"] = level
    return frame


# --- Where each level's files are ---------------------------------------------------------------
#
# The oblast level's snapshots are where they always were (``deepstate/YYYY-MM-DD.csv``); a
# finer level's are in a folder named after it beside them (``deepstate/raion/…``,
# ``deepstate/hromada/…``), under the same series.toml. A folder named after a level holds that
# level's figures, anything else the oblast level's; the default (oblast) view never reads a
# finer level's folder, so loading it stays as fast as before.

def file_level(path: str | Path) -> str:
    """The level a snapshot file holds figures of: its folder's name when that names a finer
    level (``raion``, ``hromada``), else the oblast level."""
    folder = Path(path).parent.name.lower()
    return folder if folder in LEVEL_NAMES[1:] else DEFAULT_LEVEL


def level_folder(folder: str | Path, level: str = DEFAULT_LEVEL) -> Path:
    """Where a series' folder keeps a level's snapshots: the folder itself for the oblasts,
    ``folder/raion``, ``folder/hromada`` for the finer levels (:func:`file_level`)."""
    name = get_level(level).name
    return Path(folder) if name == DEFAULT_LEVEL else Path(folder) / name


def _other_level_folders(level: str | None) -> frozenset[str]:
    """Folders a search for ``level``'s files does not enter (None: every level's files)."""
    if level is None:
        return frozenset()
    return frozenset(name for name in LEVEL_NAMES[1:] if name != get_level(level).name)


def snapshot_files(paths: Iterable[str | Path] | None = None, level: str | None = None,
                   ) -> tuple[list[Path], list[Problem]]:
    """Expand files, folders (every ``*.csv`` beneath) and globs; problems for missing paths.

    With ``level``, a folder gives only that level's files (:func:`file_level`), and a folder
    that holds only another level's says so; files named directly are taken as they are."""
    paths = [SNAPSHOTS_DIR] if paths is None else list(paths)
    skip = _other_level_folders(level)
    files, missing = expand_paths(paths, SNAPSHOT_SUFFIXES, recursive=True, skip_folders=skip)
    problems = [Problem(item, None, message) for item, message in missing]
    if level is None:
        return files, problems
    name = get_level(level).name
    named = {Path(p).resolve() for p in paths if Path(p).is_file()}
    kept = [f for f in files if file_level(f) == name or (named and f.resolve() in named)]
    for item in paths:
        if Path(item).is_dir() and file_level(Path(item) / "x.csv") not in (name, DEFAULT_LEVEL):
            problems.append(Problem(str(item), None, (
                f"holds {file_level(Path(item) / 'x.csv')} figures (its folder's name says "
                f"so), not {name} figures: give --level {file_level(Path(item) / 'x.csv')}")))
    return kept, problems


def snapshots_fingerprint(paths: Iterable[str | Path] | None = None,
                          level: str | None = DEFAULT_LEVEL) -> str:
    """A digest that changes when a snapshot file :func:`snapshot_files` finds for ``level``
    is added, removed or changed, taken from the folders' listings without reading a file
    (:func:`mapkit.files.paths_fingerprint`): the viewer reads the snapshots again only when
    it changes."""
    return paths_fingerprint([SNAPSHOTS_DIR] if paths is None else paths, SNAPSHOT_SUFFIXES,
                             recursive=True, skip_folders=_other_level_folders(level))


def _collect(paths: Iterable[str | Path] | None, level: str | None = DEFAULT_LEVEL,
             ) -> tuple[ValidationReport, dict[str, list[dict]]]:
    """Read and check the files of ``level`` (None: every level's, each by its folder):
    the report, and the good rows by level."""
    paths = [SNAPSHOTS_DIR] if paths is None else list(paths)
    files, problems = snapshot_files(paths, level)
    files = [f for f in files if f.suffix.lower() != ".toml"]  # a series file named directly
    report = ValidationReport(files=[str(f) for f in files], problems=problems)
    by_level: dict[str, list[dict]] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            report.problems.append(Problem(str(path), None, "is not UTF-8 text: save it as "
                                                            "CSV UTF-8"))
            continue
        except OSError as error:
            report.problems.append(Problem(str(path), None, f"cannot be read ({error.strerror})"))
            continue
        its_level = file_level(path) if level is None else get_level(level).name
        file_rows, file_problems, file_notes = _check_rows(text, str(path), its_level)
        by_level.setdefault(its_level, []).extend(file_rows)
        report.problems.extend(file_problems)
        report.notes.extend(file_notes)
    for rows in by_level.values():  # each level's UA row is the same figure: not a duplicate
        report.problems.extend(_duplicates(rows))
    report.rows = sum(len(rows) for rows in by_level.values())
    _read_series_files(series_files(files, paths),
                       [row for rows in by_level.values() for row in rows], report)
    return report, by_level


def _read_series_files(paths: list[Path], rows: list[dict], report: ValidationReport) -> None:
    """Read each series file into ``report.series``, its problems and notes into the report."""
    dates: dict[str, set] = {}
    for row in rows:
        dates.setdefault(row["series"], set()).add(row["date"])
    for path in paths:
        info, problems = read_series_file(path)
        report.problems.extend(Problem(str(path), line, message) for line, message in problems)
        if info is None:
            continue
        if info.name in report.series:
            report.problems.append(Problem(str(path), None, (
                f"series {info.name!r} is described again (first in "
                f"{report.series[info.name].file}): keep one series file per series")))
            continue
        report.series[info.name] = info
        if info.name not in dates:
            report.notes.append(Problem(str(path), None, (
                f"no snapshot read belongs to series {info.name!r}: its rules apply to none")))
            continue
        report.notes.append(Problem(str(path), None, (
            f"{info.name}: a figure stands {info.stands_days} day(s) after its date; "
            f"{len(info.exceptions)} exception(s), {len(info.breaks)} break(s)")))
        for index, longer in enumerate(info.exceptions):
            if longer.date not in dates[info.name]:
                report.notes.append(Problem(str(path), None, (
                    f"exceptions[{index + 1}]: {info.name} has no figure dated {longer.date} "
                    "among the snapshots read")))


def validate_paths(paths: Iterable[str | Path] | None = None,
                   level: str | None = None) -> ValidationReport:
    """Check snapshot files (default: ``data/control_snapshots/``) and report everything found:
    every level's files, each by its folder (:func:`file_level`), or only ``level``'s."""
    return _collect(paths, level)[0]


def load_snapshots(paths: Iterable[str | Path] | None = None,
                   level: str | Level = DEFAULT_LEVEL) -> pd.DataFrame:
    """Every snapshot row of ``level`` (default: the oblasts) from ``paths`` (default:
    ``data/control_snapshots/``), validated, with how long each figure stands from the series
    files beside them (``stands_until``); at the raion and hromada levels with the units a
    computed snapshot does not list, at 0 % (:func:`_implied_zeros`). ``attrs["level"]``
    names the level.

    Raises :class:`SnapshotError` listing every problem if anything is wrong.
    """
    name = get_level(level).name
    report, by_level = _collect(paths, name)
    if report.problems:
        raise SnapshotError(report.problems)
    return _to_frame(by_level.get(name, []), report.series, name)


def read_snapshot_records(path: str | Path, level: str | None = None) -> list[dict]:
    """One snapshot file's rows (of ``level``; default: its folder's, :func:`file_level`),
    validated, as typed values (the keys of :data:`FRAME_COLUMNS`), without pandas: for
    ``mapkit update``, which compares a few files and must start fast. Raises
    :class:`SnapshotError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SnapshotError([Problem(str(path), None, f"cannot be read ({error})")]) from None
    rows, problems, _ = _check_rows(text, str(path), file_level(path) if level is None
                                    else get_level(level).name)
    problems += _duplicates(rows)
    if problems:
        raise SnapshotError(problems)
    return rows


def read_snapshot_text(text: str, name: str, level: str | Level = DEFAULT_LEVEL,
                       ) -> pd.DataFrame:
    """Validate and load one snapshot of ``level`` given as text (an upload); ``name`` is
    used in messages."""
    level = get_level(level).name
    rows, problems, _ = _check_rows(text, name, level)
    problems += _duplicates(rows)
    if problems:
        raise SnapshotError(problems)
    return _to_frame(rows, level=level)


# --- Rows made in memory, and writing them ----------------------------------------------------


@dataclass(frozen=True)
class SnapshotRows:
    """Snapshot rows that passed validation (:func:`validate_rows`): their cells as they are
    written, and their values as they are read back."""

    name: str  # where the rows come from, as problems would name it
    cells: tuple[tuple[str, ...], ...]  # each row's cells, in :data:`COLUMNS` order
    values: tuple[dict, ...] = field(repr=False)  # each row's typed values (FRAME_COLUMNS)
    notes: tuple[Problem, ...] = ()
    level: str = DEFAULT_LEVEL  # the level the rows are figures of

    def frame(self) -> pd.DataFrame:
        """The rows as :func:`load_snapshots` would give them from the written file."""
        return _to_frame(list(self.values), level=self.level)

    def csv(self) -> str:
        """The CSV text of the snapshot: a header of :data:`COLUMNS`, then one line a row
        (``\\n`` line ends, quoted as the ``csv`` module quotes).

        A row none of whose cells holds a comma, quote or line break needs no quoting: it is
        joined directly (most rows; the csv module would cost a third of a millisecond a
        file)."""
        columns = written_columns(self.cells)
        width = len(columns)
        lines = [",".join(COLUMNS[:width])]
        for cells in self.cells:
            cells = cells[:width]
            line = ",".join(cells)
            if line.count(",") == width - 1 and not any(c in line for c in '"\r\n'):
                lines.append(line)
            else:
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerow(cells)
                lines.append(buffer.getvalue()[:-1])
        return "\n".join(lines) + "\n"

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, name: str,
                   level: str | None = None) -> SnapshotRows:
        """Rows of a frame as :func:`load_snapshots` gives it (numbers written in their
        shortest form), validated again; ``level`` defaults to the frame's
        (``attrs["level"]``). The units a computed snapshot of a finer level does not list
        are left out again."""
        import pandas as pd

        level = level or frame.attrs.get("level", DEFAULT_LEVEL)
        if lists_units_above_zero(level) and "note" in frame:
            frame = frame[frame["note"] != IMPLIED_ZERO_NOTE]
        def number(value) -> str:
            return "" if pd.isna(value) else f"{value:.15g}"

        records = []
        for row in frame.to_dict("records"):
            cells = {column: ("" if pd.isna(row.get(column)) else str(row.get(column)))
                     for column in COLUMNS}
            cells["date"] = pd.Timestamp(row["date"]).strftime("%Y-%m-%d")
            cells["percent"] = (PARTIAL_MARKER if row.get("partial")
                                else number(row["percent"]))
            for column in ("contested_percent", "area_km2", "contested_km2"):
                cells[column] = number(row.get(column))
            if cells["series"] == cells["source"]:  # the default: left out, as it was read
                cells["series"] = ""
            records.append(cells)
        return validate_rows(records, name, level)


def validate_rows(records: Iterable[Mapping[str, str]], name: str,
                  level: str | Level = DEFAULT_LEVEL) -> SnapshotRows:
    """Rows of ``level`` made in memory (each a cell per column of :data:`COLUMNS`; optional
    ones may be left out) checked by the same
    rules, with the same messages, as the file ``name`` they make (:meth:`SnapshotRows.csv`):
    problems name the line where the row ends in it, as for a file. Raises
    :class:`SnapshotError` listing every problem."""
    level = get_level(level).name
    problems: list[Problem] = []
    notes: list[Problem] = []
    cells: list[tuple[str, ...]] = []
    values: list[dict] = []
    memo = _FileMemo(level=level)
    line = 1  # the header
    for record in records:
        try:
            row_cells = _cells_of(record)
        except KeyError:  # an optional column left out: an empty cell, as in a file
            row_cells = tuple(record.get(column, "") for column in COLUMNS)
        line += 1 + _line_breaks("".join(row_cells))
        row = _read_record(tuple(map(str.strip, row_cells)), name, line, problems, notes,
                           memo)
        if row is not None:
            cells.append(row_cells)
            values.append(row)
    problems += _duplicates(values) + _incomplete_lists(values, level)
    if problems:
        raise SnapshotError(problems)
    return SnapshotRows(name, tuple(cells), tuple(values), tuple(notes), level)


_always_written_cells = operator.itemgetter(*ALWAYS_WRITTEN)
_LATER_COLUMNS = COLUMNS[len(ALWAYS_WRITTEN):]


def _cells_of(record: Mapping[str, str]) -> tuple[str, ...]:
    """A row's cells in the order of :data:`COLUMNS` (a later optional column may be left out)."""
    return _always_written_cells(record) + tuple(record.get(c, "") for c in _LATER_COLUMNS)


def written_columns(cells: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """The columns a file of these rows has: :data:`ALWAYS_WRITTEN`, then every later column
    up to the last one some row uses (columns keep their order)."""
    width = len(ALWAYS_WRITTEN)
    for row in cells:
        for index in range(len(COLUMNS) - 1, width - 1, -1):
            if row[index].strip():
                width = index + 1
                break
        if width == len(COLUMNS):
            break
    return COLUMNS[:width]


def _line_breaks(text: str) -> int:
    """Line breaks in a row's cells, counted as a CSV reader counts lines (``\\r\\n`` once)."""
    if "\n" not in text and "\r" not in text:
        return 0
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def write_snapshot(rows: SnapshotRows | pd.DataFrame, path: str | Path, *,
                   durable: bool = True, tag: str = "") -> Path:
    """Write validated rows (or a frame from :func:`load_snapshots`) to ``path`` as a snapshot
    CSV, atomically: a failed write never leaves half a file (:mod:`mapkit.files`; ``tag``
    names the writer in the temporary file's name)."""
    path = Path(path)
    if not isinstance(rows, SnapshotRows):
        rows = SnapshotRows.from_frame(rows, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomically(path, rows.csv(), durable=durable, tag=tag)


# --- Questions the viewer and exports ask -----------------------------------------------------


def list_sources(frame: pd.DataFrame) -> list[str]:
    """Source names: computed sources first, then the most recent first."""
    if frame.empty:
        return []
    summary = frame.groupby("source").agg(computed=("method", lambda m: (m == "computed").any()),
                                          latest=("date", "max"))
    summary = summary.sort_values(["computed", "latest"], ascending=False)
    return list(summary.index)


def default_source(frame: pd.DataFrame) -> str | None:
    """The series a map shows when nobody chooses one; None without snapshots. The one helper
    that decides it is :func:`mapkit.figures.default_series` (the densest computed series —
    DeepStateMap in the bundled data): maps, exports and ``mapkit changes`` all ask it."""
    if frame.empty:
        return None
    from mapkit.figures import default_series

    return default_series(frame)


def list_dates(frame: pd.DataFrame, source: str | None = None) -> list[pd.Timestamp]:
    """Sorted distinct snapshot dates, of one source or of all."""
    import pandas as pd

    if source is not None:
        frame = frame[frame["source"] == source]
    return sorted(pd.to_datetime(frame["date"]).unique())


def values_on(frame: pd.DataFrame, date, source: str,
              level: str | Level | None = None) -> pd.DataFrame:
    """Every unit of ``level`` (default: the frame's, ``attrs["level"]``; the 27 regions) on
    ``date`` for ``source``; units it does not cover have ``has_data`` False and a NaN percent
    (shown as "no data")."""
    import pandas as pd

    date = pd.Timestamp(date)
    units = get_level(level or frame.attrs.get("level")).units
    rows = frame[(frame["date"] == date) & (frame["source"] == source)].set_index("region")
    regions = pd.DataFrame(
        [{"region": r.code, "name_en": r.name_en, "name_uk": r.name_uk} for r in units]
    ).set_index("region")
    joined = regions.join(rows.drop(columns=["date"], errors="ignore"), how="left")
    joined["has_data"] = joined["source"].notna()
    joined["partial"] = joined["partial"].fillna(False).astype(bool)
    joined["date"] = date
    joined["source"] = source
    for column in ("source_url", "method", "note", "file"):
        joined[column] = joined[column].fillna("")
    return joined.reset_index()
