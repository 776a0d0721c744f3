"""A reader's own data in the viewer: a snapshot CSV, or an occupied-areas GeoJSON.

Uploads are checked with the same rules and messages as ``mapkit validate`` (and, for GeoJSON,
turned into percentages by the same code as ``mapkit compute``:
:func:`mapkit.ingest.day.compute_snapshot`). They live only in the reader's session: they are
shown as their own source and never written to ``data/``. An upload that cannot be used raises
:class:`mapkit.snapshots.SnapshotError`, whose ``problems`` read like the CLI's.

The viewer reads an upload in a process of its own (:func:`read_upload_isolated`, with the
limits of :data:`UPLOAD_LIMITS`), so that no file can take the server down; and a session keeps
a few uploads at most (:func:`keep_upload`), so that no visitor can fill the server's memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mapkit.snapshots import Problem, SnapshotError, read_snapshot_text
from mapkit.viewer.sandbox import LimitExceeded, Limits, run_limited

#: Appended to every source name from an upload, so it never merges with a bundled source.
UPLOAD_SUFFIX = " (uploaded)"

CSV_SUFFIXES = (".csv", ".txt")
GEOJSON_SUFFIXES = (".geojson", ".json")

#: What reading one upload may use (:mod:`mapkit.viewer.sandbox`). An upload costs about
#: 0.3 s and 15 MB per MB of GeoJSON, 0.5 s and 80 MB per MB of CSV (``python
#: bench/bench_upload.py``); the largest, 10 MB, well within these.
UPLOAD_LIMITS = Limits(memory_mb=2048, cpu_seconds=60, wall_seconds=90)
#: Uploads one session keeps, and their size in all: they stay in the server's memory while
#: their visitor is there (a 10 MB CSV takes about 800 MB as rows).
MAX_UPLOADS_PER_SESSION = 3
MAX_UPLOAD_MB_PER_SESSION = 20


@dataclass
class Upload:
    """Validated rows from one upload, with their source names marked as uploaded; ``size``
    is the file's, in bytes."""

    name: str
    rows: pd.DataFrame
    sources: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    size: int = 0


def read_upload(name: str, data: bytes, *, date: dt.date | None = None,
                on_stage: Callable[[str], object] | None = None) -> Upload:
    """Read an uploaded file by its name's suffix; raise :class:`SnapshotError` if unusable.

    ``date`` is the day an occupied-areas GeoJSON shows, when neither its file name nor a
    ``date`` property says; ``on_stage`` hears the steps of computing one ("read", "compute",
    "check": :func:`mapkit.ingest.day.compute_snapshot`).
    """
    lower = name.lower()
    if lower.endswith(CSV_SUFFIXES):
        return _marked(name, read_snapshot_text(_text(name, data), name), len(data))
    if lower.endswith(GEOJSON_SUFFIXES):
        return _marked(name, _computed(name, data, date, on_stage), len(data))
    raise SnapshotError([Problem(name, None, "is neither a snapshot CSV (.csv) nor an "
                                             "occupied-areas GeoJSON (.geojson, .json)")])


def read_upload_isolated(name: str, data: bytes, *, date: dt.date | None = None,
                         on_stage: Callable[[str], object] | None = None,
                         limits: Limits = UPLOAD_LIMITS) -> Upload:
    """:func:`read_upload` in a process of its own, within ``limits``: a file that would take
    more memory or time than that is refused with a :class:`SnapshotError` saying so, and
    whatever it does, the process that asked goes on."""
    try:
        return run_limited(_read_in_child, name, data, date=date, limits=limits,
                           on_progress=on_stage, raises=(SnapshotError,))
    except LimitExceeded as limit:
        raise SnapshotError([Problem(name, None, (
            f"reading it needed {limit.reached}, the most one upload may use, and was "
            "stopped; nothing was added. A front line drawn in ordinary detail takes a few "
            "MB and a second or two: simplify the polygons (e.g. mapshaper -simplify 10%), "
            "or check that they are what you meant to upload"))]) from None


def _read_in_child(name: str, data: bytes, *, date: dt.date | None, progress) -> Upload:
    """:func:`read_upload` as the sandbox's child runs it (its steps are its progress)."""
    return read_upload(name, data, date=date, on_stage=progress)


def keep_upload(uploads: dict[str, Upload], key: str, upload: Upload) -> list[str]:
    """Add ``upload`` under ``key`` to a session's ``uploads`` (oldest first); returns the
    names of the other files released for it.

    It replaces an upload of a file of the same name (a newer version, or the same file for
    another date) and any upload with a series it also has: two files would otherwise give one
    series two figures for a region and date, and every later step would work through both.
    Then the oldest go while there are more than :data:`MAX_UPLOADS_PER_SESSION`, or more
    than :data:`MAX_UPLOAD_MB_PER_SESSION` MB of files in all (the newest always stays: it is
    at most the size an upload may have).
    """
    replaced = [held for held, kept in uploads.items()
                if kept.name == upload.name or set(kept.series) & set(upload.series)]
    released = [uploads.pop(old).name for old in replaced]
    released = [name for name in released if name != upload.name]  # its own older version
    uploads[key] = upload
    limit = MAX_UPLOAD_MB_PER_SESSION * 2**20
    while len(uploads) > 1 and (len(uploads) > MAX_UPLOADS_PER_SESSION
                                or sum(u.size for u in uploads.values()) > limit):
        released.append(uploads.pop(next(iter(uploads))).name)
    return released


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
                                    unnamed_source_name=_without_suffix(name), origin=name,
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


def _without_suffix(name: str) -> str:
    """The upload's name as the visitor's browser gave it, less its suffix: the source of a
    GeoJSON nobody is recognised as the maker of. All of it, slashes too (a file name is
    not a path here, and "Team A/front" is not "front")."""
    return name[:-len(Path(name).suffix)] if Path(name).suffix else name


def _marked(name: str, rows: pd.DataFrame, size: int) -> Upload:
    rows = rows.copy()
    rows["source"] = rows["source"].astype(str) + UPLOAD_SUFFIX
    rows["series"] = rows["series"].astype(str) + UPLOAD_SUFFIX
    return Upload(name=name, rows=rows, sources=sorted(rows["source"].unique()),
                  series=sorted(rows["series"].unique()), size=size)


def combine(bundled: pd.DataFrame, uploads: list[Upload]) -> pd.DataFrame:
    """Bundled rows plus every upload's rows (a copy: the bundled frame is not touched)."""
    if not uploads:
        return bundled
    return pd.concat([bundled, *(u.rows for u in uploads)], ignore_index=True)
