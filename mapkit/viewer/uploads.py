"""A reader's own data in the viewer: a snapshot CSV, or an occupied-areas GeoJSON.

Uploads are checked with the same rules and messages as ``mapkit validate`` (and, for GeoJSON,
turned into percentages by the same code as ``mapkit compute``:
:func:`mapkit.ingest.day.compute_snapshot`). They live only in the reader's session: they are
shown as their own source and never written to ``data/``. An upload that cannot be used raises
:class:`mapkit.snapshots.SnapshotError`, whose ``problems`` read like the CLI's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mapkit.snapshots import Problem, SnapshotError, read_snapshot_text

#: Appended to every source name from an upload, so it never merges with a bundled source.
UPLOAD_SUFFIX = " (uploaded)"

CSV_SUFFIXES = (".csv", ".txt")
GEOJSON_SUFFIXES = (".geojson", ".json")


@dataclass
class Upload:
    """Validated rows from one upload, with their source names marked as uploaded."""

    name: str
    rows: pd.DataFrame
    sources: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)


def read_upload(name: str, data: bytes, *, date: dt.date | None = None,
                on_stage: Callable[[str], object] | None = None) -> Upload:
    """Read an uploaded file by its name's suffix; raise :class:`SnapshotError` if unusable.

    ``date`` is the day an occupied-areas GeoJSON shows, when neither its file name nor a
    ``date`` property says; ``on_stage`` hears the steps of computing one ("read", "compute",
    "check": :func:`mapkit.ingest.day.compute_snapshot`).
    """
    lower = name.lower()
    if lower.endswith(CSV_SUFFIXES):
        return _marked(name, read_snapshot_text(_text(name, data), name))
    if lower.endswith(GEOJSON_SUFFIXES):
        return _marked(name, _computed(name, data, date, on_stage))
    raise SnapshotError([Problem(name, None, "is neither a snapshot CSV (.csv) nor an "
                                             "occupied-areas GeoJSON (.geojson, .json)")])


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SnapshotError([Problem(name, None, f"is not UTF-8 text (byte {error.start}); "
                                                 "save it as UTF-8 CSV and upload again")]
                            ) from None


def _computed(name: str, data: bytes, date: dt.date | None,
              on_stage: Callable[[str], object] | None) -> pd.DataFrame:
    """Occupied areas → percent per region, by the same code as ``mapkit compute``."""
    from mapkit.ingest.day import ALLOW_EMPTY_HINT, compute_snapshot  # only for GeoJSON

    try:
        snapshot = compute_snapshot(name, data=data, date=date,
                                    unnamed_source_name=Path(name).stem, origin=name,
                                    on_stage=on_stage)
    except SnapshotError as error:  # the messages speak of the app's date box, not --date
        raise SnapshotError([
            Problem(problem.file, problem.line, problem.message.replace(
                "with --date YYYY-MM-DD", "in the date box under the upload").replace(
                ALLOW_EMPTY_HINT, ""))
            for problem in error.problems]) from None
    except ValueError as error:
        raise SnapshotError([Problem(name, None, f"cannot be read as GeoJSON ({error})")]) \
            from None
    return snapshot.rows.frame()


def _marked(name: str, rows: pd.DataFrame) -> Upload:
    rows = rows.copy()
    rows["source"] = rows["source"].astype(str) + UPLOAD_SUFFIX
    rows["series"] = rows["series"].astype(str) + UPLOAD_SUFFIX
    return Upload(name=name, rows=rows, sources=sorted(rows["source"].unique()),
                  series=sorted(rows["series"].unique()))


def combine(bundled: pd.DataFrame, uploads: list[Upload]) -> pd.DataFrame:
    """Bundled rows plus every upload's rows (a copy: the bundled frame is not touched)."""
    if not uploads:
        return bundled
    return pd.concat([bundled, *(u.rows for u in uploads)], ignore_index=True)
