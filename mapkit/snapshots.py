"""Control snapshots: dated, sourced percentages of each region under Russian military control.

A snapshot file is a plain CSV a journalist can open and edit::

    date,region,percent,source,method,source_url,contested_percent,note
    2025-03-17,UA-09,100,El País,reported,https://…,,"all of Luhansk"
    2025-03-17,UA-65,partial,El País,reported,https://…,,"partly occupied; no figure given"

``percent`` is 0–100, or ``partial`` when the source says "partly" without a figure (shown as
"partial, no figure"; never turned into a number). ``region`` may be any spelling
``mapkit.regions.resolve`` knows; it is stored as the ISO code.

Validation happens here, once, for the CLI, the library and the app alike: every problem is
reported as ``file:line: what is wrong``, all of them at once, and nothing is silently dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mapkit.constants import (
    METHODS,
    OPTIONAL_COLUMNS,
    PARTIAL_MARKER,
    REQUIRED_COLUMNS,
    SNAPSHOTS_DIR,
)
from mapkit.regions import REGIONS, UnknownRegionError, resolve

#: Columns of the DataFrame ``load_snapshots`` returns, in order.
FRAME_COLUMNS = [
    "date", "region", "percent", "partial", "contested_percent", "source", "source_url",
    "method", "note", "file", "line",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth saying) about one place in one file."""

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

    @property
    def ok(self) -> bool:
        return not self.problems


class SnapshotError(ValueError):
    """One or more snapshot files are invalid; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- Reading and checking ----------------------------------------------------------------------


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
    try:
        value = float(text)
    except ValueError:
        hint = " (use a dot as decimal separator)" if "," in text else ""
        extra = f", or '{PARTIAL_MARKER}'" if allow_partial else ""
        return None, f"{column} {raw.strip()!r} is not a number from 0 to 100{extra}{hint}"
    if math.isnan(value) or not 0 <= value <= 100:
        return None, f"{column} {raw.strip()!r} is outside 0–100"
    return value, None


def _parse_date(raw: str) -> tuple[dt.date | None, str | None]:
    text = raw.strip()
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        return None, f"date {text!r} is not a date in the form YYYY-MM-DD"
    if len(text) != 10:
        return None, f"date {text!r} is not a date in the form YYYY-MM-DD"
    if value > dt.date.today():
        return None, f"date {text} is in the future"
    return value, None


def _check_rows(text: str, name: str) -> tuple[list[dict], list[Problem], list[Problem]]:
    """Parse one file's text; return its good rows, its problems and its notes."""
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
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        notes.append(Problem(name, 1, f"extra column(s) kept but not used: {', '.join(unknown)}"))

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
        record = dict(zip(header, (c.strip() for c in cells)))
        errors: list[str] = []

        date, error = _parse_date(record["date"])
        if error:
            errors.append(error)

        region_code = None
        try:
            region = resolve(record["region"])
            region_code = region.code
            if record["region"] != region.code:
                notes.append(Problem(name, line, f"region {record['region']!r} read as "
                                                 f"{region.code} ({region.name_en})"))
        except UnknownRegionError as error:
            errors.append(str(error))

        percent, error = _parse_percent(record["percent"], "percent", allow_partial=True)
        if error:
            errors.append(error)
        partial = record["percent"].strip().lower() == PARTIAL_MARKER

        contested, error = _parse_percent(record.get("contested_percent", ""),
                                          "contested_percent", allow_partial=False)
        if error:
            errors.append(error)
        if percent is not None and contested is not None and percent + contested > 100.0001:
            errors.append(f"percent {percent:g} plus contested_percent {contested:g} is over 100")

        if not record["source"]:
            errors.append("source is empty: say who published the figure (e.g. DeepStateMap)")
        method = record["method"].lower()
        if method not in METHODS:
            errors.append(f"method {record['method']!r} must be one of {', '.join(METHODS)}")
        url = record.get("source_url", "")
        if url and not url.lower().startswith(("http://", "https://")):
            errors.append(f"source_url {url!r} must start with http:// or https://")

        if errors:
            problems.extend(Problem(name, line, e) for e in errors)
            continue
        rows.append({
            "date": date, "region": region_code, "percent": percent, "partial": partial,
            "contested_percent": contested, "source": record["source"], "source_url": url,
            "method": method, "note": record.get("note", ""), "file": name, "line": line,
        })
    return rows, problems, notes


def _duplicates(rows: list[dict]) -> list[Problem]:
    """One problem per row that repeats a (date, region, source) seen earlier."""
    seen: dict[tuple, dict] = {}
    problems = []
    for row in rows:
        key = (row["date"], row["region"], row["source"])
        if key in seen:
            first = seen[key]
            problems.append(Problem(row["file"], row["line"], (
                f"duplicate: {row['region']} on {row['date']} from {row['source']!r} is already "
                f"given at {first['file']}:{first['line']}")))
        else:
            seen[key] = row
    return problems


def _to_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["percent"] = frame["percent"].astype(float)
    frame["contested_percent"] = frame["contested_percent"].astype(float)
    frame["partial"] = frame["partial"].astype(bool)
    frame["line"] = frame["line"].astype(int)
    return frame.sort_values(["date", "source", "region"]).reset_index(drop=True)


def snapshot_files(paths: Iterable[str | Path] | None = None) -> tuple[list[Path], list[Problem]]:
    """Expand files, folders (every ``*.csv`` beneath) and globs; problems for missing paths."""
    paths = [SNAPSHOTS_DIR] if paths is None else list(paths)
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.rglob("*.csv")))
        elif path.is_file():
            files.append(path)
        elif any(ch in str(raw) for ch in "*?["):
            matched = sorted(Path().glob(str(raw)))
            if not matched:
                problems.append(Problem(str(raw), None, "no file matches this pattern"))
            files.extend(m for m in matched if m.is_file())
        else:
            problems.append(Problem(str(raw), None, "no such file or folder"))
    return files, problems


def _collect(paths: Iterable[str | Path] | None) -> tuple[ValidationReport, list[dict]]:
    files, problems = snapshot_files(paths)
    report = ValidationReport(files=[str(f) for f in files], problems=problems)
    rows: list[dict] = []
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
        file_rows, file_problems, file_notes = _check_rows(text, str(path))
        rows.extend(file_rows)
        report.problems.extend(file_problems)
        report.notes.extend(file_notes)
    report.problems.extend(_duplicates(rows))
    report.rows = len(rows)
    return report, rows


def validate_paths(paths: Iterable[str | Path] | None = None) -> ValidationReport:
    """Check snapshot files (default: ``data/control_snapshots/``) and report everything found."""
    return _collect(paths)[0]


def load_snapshots(paths: Iterable[str | Path] | None = None) -> pd.DataFrame:
    """Every snapshot row from ``paths`` (default: ``data/control_snapshots/``), validated.

    Raises :class:`SnapshotError` listing every problem if anything is wrong.
    """
    report, rows = _collect(paths)
    if report.problems:
        raise SnapshotError(report.problems)
    return _to_frame(rows)


def read_snapshot_text(text: str, name: str) -> pd.DataFrame:
    """Validate and load one snapshot given as text (an upload); ``name`` is used in messages."""
    rows, problems, _ = _check_rows(text, name)
    problems += _duplicates(rows)
    if problems:
        raise SnapshotError(problems)
    return _to_frame(rows)


def write_snapshot(frame: pd.DataFrame, path: str | Path) -> None:
    """Write snapshot rows as CSV atomically: a failed write never leaves half a file."""
    path = Path(path)
    columns = ["date", "region", "percent", "source", "method", "source_url",
               "contested_percent", "note"]
    out = frame.copy()
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    if "partial" in out:
        out["percent"] = [PARTIAL_MARKER if p else ("" if pd.isna(v) else f"{v:g}")
                          for p, v in zip(out["partial"], out["percent"])]
    out = out.reindex(columns=columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    out.to_csv(temporary, index=False, lineterminator="\n")
    temporary.replace(path)


# --- Questions the viewer and exports ask --------------------------------------------------------


def list_sources(frame: pd.DataFrame) -> list[str]:
    """Source names: computed sources first, then the most recent first."""
    if frame.empty:
        return []
    summary = frame.groupby("source").agg(computed=("method", lambda m: (m == "computed").any()),
                                          latest=("date", "max"))
    summary = summary.sort_values(["computed", "latest"], ascending=False)
    return list(summary.index)


def list_dates(frame: pd.DataFrame, source: str | None = None) -> list[pd.Timestamp]:
    """Sorted distinct snapshot dates, of one source or of all."""
    if source is not None:
        frame = frame[frame["source"] == source]
    return sorted(pd.to_datetime(frame["date"]).unique())


def values_on(frame: pd.DataFrame, date, source: str) -> pd.DataFrame:
    """All 27 regions on ``date`` for ``source``; regions it does not cover have ``has_data``
    False and a NaN percent (shown as "no data")."""
    date = pd.Timestamp(date)
    rows = frame[(frame["date"] == date) & (frame["source"] == source)].set_index("region")
    regions = pd.DataFrame(
        [{"region": r.code, "name_en": r.name_en, "name_uk": r.name_uk} for r in REGIONS]
    ).set_index("region")
    joined = regions.join(rows.drop(columns=["date"], errors="ignore"), how="left")
    joined["has_data"] = joined["source"].notna()
    joined["partial"] = joined["partial"].fillna(False).astype(bool)
    joined["date"] = date
    joined["source"] = source
    for column in ("source_url", "method", "note", "file"):
        joined[column] = joined[column].fillna("")
    return joined.reset_index()
