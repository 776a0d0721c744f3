"""A reader's own data in the viewer: a snapshot CSV, or an occupied-areas GeoJSON.

Uploads are checked with the same rules and messages as ``mapkit validate`` (and, for GeoJSON,
turned into percentages by the same code as ``mapkit compute``). They live only in the reader's
session: they are shown as their own source and never written to ``data/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mapkit.snapshots import Problem, SnapshotError, read_snapshot_text

#: Appended to every source name from an upload, so it never merges with a bundled source.
UPLOAD_SUFFIX = " (uploaded)"

CSV_SUFFIXES = (".csv", ".txt")
GEOJSON_SUFFIXES = (".geojson", ".json")


class UploadError(ValueError):
    """An upload could not be used; ``problems`` are ``file:line: message`` like the CLI's."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Upload:
    """Validated rows from one upload, with their source names marked as uploaded."""

    name: str
    rows: pd.DataFrame
    sources: list[str] = field(default_factory=list)


def read_upload(name: str, data: bytes, *, date: dt.date | None = None) -> Upload:
    """Read an uploaded file by its name's suffix; raise :class:`UploadError` if unusable.

    ``date`` is the day an occupied-areas GeoJSON shows, when neither its file name nor a
    ``date`` property says.
    """
    lower = name.lower()
    if lower.endswith(CSV_SUFFIXES):
        return _read_csv(name, data)
    if lower.endswith(GEOJSON_SUFFIXES):
        return _read_geojson(name, data, date)
    raise UploadError([Problem(name, None, "is neither a snapshot CSV (.csv) nor an "
                                           "occupied-areas GeoJSON (.geojson, .json)")])


def _text(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError([Problem(name, None, f"is not UTF-8 text (byte {error.start}); save it "
                                               "as UTF-8 CSV and upload again")]) from None


def _read_csv(name: str, data: bytes) -> Upload:
    text = _text(name, data)
    try:
        rows = read_snapshot_text(text, name)
    except SnapshotError as error:
        raise UploadError(list(error.problems)) from None
    return _marked(name, rows)


def _marked(name: str, rows: pd.DataFrame) -> Upload:
    rows = rows.copy()
    rows["source"] = rows["source"].astype(str) + UPLOAD_SUFFIX
    return Upload(name=name, rows=rows, sources=sorted(rows["source"].unique()))


def _read_geojson(name: str, data: bytes, date: dt.date | None) -> Upload:
    """Occupied areas → percent per region, by the same code as ``mapkit compute``."""
    try:
        from mapkit.importers import PolygonFileError, read_control_file
        from mapkit.timeline import snapshot_rows
    except ImportError:  # pragma: no cover - only in a build without the compute issue
        raise UploadError([Problem(name, None, "occupied-areas GeoJSON needs mapkit.compute, "
                                               "which this version does not have; upload a "
                                               "snapshot CSV instead")]) from None
    suffix = Path(name).suffix.lower() or ".geojson"
    with tempfile.TemporaryDirectory(prefix="mapkit-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            layers = read_control_file(path, date=date)
        except PolygonFileError as error:
            message = (str(error).replace(f"{path}: ", "").replace(str(path), name)
                       .replace("with --date YYYY-MM-DD", "in the date box under the upload"))
            raise UploadError([Problem(name, None, message)]) from None
        except (ValueError, OSError) as error:
            raise UploadError([Problem(name, None, f"cannot be read as GeoJSON ({error})")]) \
                from None
    shares = _area_index().shares(layers)
    rows = snapshot_rows(shares, source=Path(name).stem, source_url="", origin=name)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    try:  # the same validation as every snapshot, so nothing unchecked reaches the map
        frame = read_snapshot_text(text.getvalue(), name)
    except SnapshotError as error:
        raise UploadError(list(error.problems)) from None
    return _marked(name, frame)


@lru_cache(maxsize=1)
def _area_index():
    from mapkit.compute import AreaIndex

    return AreaIndex.from_boundaries()


def combine(bundled: pd.DataFrame, uploads: list[Upload]) -> pd.DataFrame:
    """Bundled rows plus every upload's rows (a copy: the bundled frame is not touched)."""
    if not uploads:
        return bundled
    return pd.concat([bundled, *(u.rows for u in uploads)], ignore_index=True)
