"""The region index of :mod:`mapkit.compute`, prepared once: ``data/oblasts_index.bin``.

Building :class:`~mapkit.compute.AreaIndex` from the boundaries (projecting, cutting the regions
into cells, finding the coastal and border cells and the strips along Ukraine's outer boundary
each one needs for the sliver test) costs about half a second of CPU, paid at the start of every
``mapkit compute`` and again, in part, by each worker. None of it depends on the polygons being
computed, only on the boundaries and two settings. So ``scripts/build_oblasts.py`` stores the
result next to the boundaries, stamped with the boundaries file's SHA-256 and the settings, and
``AreaIndex.from_boundaries()`` loads it in milliseconds. If the stamp does not match
(boundaries rebuilt, a setting changed, the file missing or damaged) the index is built afresh:
the same numbers, only slower. Rebuild the file alone with ``python -m mapkit.area_index_file``.

The file is one line of JSON (the stamp and a table of contents) followed by the
zlib-compressed arrays: numbers as raw little-endian values, geometries as WKB. Nothing in it
is executed on loading (no pickle), and the same index gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

import numpy as np
import shapely

from mapkit.constants import BOUNDARIES_PATH, DATA_DIR, UKRAINE_EQUAL_AREA

INDEX_PATH = DATA_DIR / "oblasts_index.bin"


def index_path(boundaries_path: str | Path) -> Path:
    """Where the index of a boundaries file is stored: beside it, ``<stem>_index.bin``."""
    boundaries_path = Path(boundaries_path)
    return boundaries_path.with_name(f"{boundaries_path.stem}_index.bin")

#: Bumped whenever what is stored, or how the index is built, changes.
FORMAT_VERSION = 1

_NUMBER_ARRAYS = ("areas", "piece_region", "piece_area", "cell_grid_ids", "cell_starts",
                  "near_outer", "whole_cell")
_GEOMETRY_ARRAYS = ("regions", "ukraine", "piece_geom", "land", "band")


def index_stamp(tolerance: float, cell_size: float,
                boundaries_path: str | Path | None = None) -> dict:
    """What an index is made from: the boundaries file's digest and the settings."""
    data = Path(boundaries_path or BOUNDARIES_PATH).read_bytes()
    return {
        "format": FORMAT_VERSION,
        "boundaries_sha256": hashlib.sha256(data).hexdigest(),
        "projection": UKRAINE_EQUAL_AREA,
        "tolerance_m": float(tolerance),
        "cell_size_m": float(cell_size),
    }


def write_index(boundaries_path: str | Path = BOUNDARIES_PATH) -> Path:
    """Build the index of ``boundaries_path`` afresh (cells, coastal strips and all) and store
    it beside the file (:func:`index_path`), atomically."""
    from mapkit.compute import AreaIndex

    index = AreaIndex.from_boundaries(boundaries_path, prepared=False)
    near = [cell for cell in index.cells if cell.near_outer]
    contexts = [index._context(cell) for cell in near]
    arrays = {
        "areas": np.asarray(index.areas, dtype="<f8"),
        "piece_region": np.asarray(index.piece_region, dtype="<i8"),
        "piece_area": np.asarray(index.piece_area, dtype="<f8"),
        "cell_grid_ids": np.asarray(index.cell_grid_ids, dtype="<i8"),
        "cell_starts": np.asarray([cell.pieces.start for cell in index.cells], dtype="<i8"),
        "near_outer": np.asarray(index.near_outer, dtype="u1"),
        "whole_cell": np.asarray(index.whole_cell, dtype="u1"),
        "regions": index.regions,
        "ukraine": np.asarray([index.ukraine], dtype=object),
        "piece_geom": index.piece_geom,
        "land": np.asarray([land for land, _ in contexts], dtype=object),
        "band": np.asarray([band for _, band in contexts], dtype=object),
    }
    contents, chunks, offset = [], [], 0
    for name, values in arrays.items():
        if name in _GEOMETRY_ARRAYS:
            blobs = shapely.to_wkb(np.asarray(values, dtype=object), byte_order=1)
            sizes = [len(blob) for blob in blobs]
            chunk = b"".join(blobs)
            contents.append({"name": name, "sizes": sizes, "offset": offset})
        else:
            chunk = values.tobytes()
            contents.append({"name": name, "dtype": values.dtype.str, "count": len(values),
                             "offset": offset})
        chunks.append(chunk)
        offset += len(chunk)
    header = {
        **index_stamp(index.tolerance, index.cell_size, boundaries_path),
        "built_with": {"geos": ".".join(map(str, shapely.geos_version)),
                       "shapely": shapely.__version__},
        "codes": list(index.codes),
        "grid": {"origin": list(index.origin), "nx": index.nx, "ny": index.ny},
        "contents": contents,
    }
    path = index_path(boundaries_path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(json.dumps(header, separators=(",", ":")).encode() + b"\n"
                          + zlib.compress(b"".join(chunks), 9))
    temporary.replace(path)
    return path


def read_index(tolerance: float, cell_size: float, path: str | Path = INDEX_PATH,
               boundaries_path: str | Path | None = None) -> dict | None:
    """The stored arrays (and ``codes``, ``grid``) if ``path`` holds an index made from the
    current boundaries with these settings; ``None`` otherwise (the caller builds one)."""
    try:
        with open(path, "rb") as handle:
            header = json.loads(handle.readline())
            payload = zlib.decompress(handle.read())
        stamp = index_stamp(tolerance, cell_size, boundaries_path)
        if any(header.get(key) != value for key, value in stamp.items()):
            return None
        out = {"codes": tuple(header["codes"]), "grid": header["grid"]}
        for entry in header["contents"]:
            start = entry["offset"]
            if "sizes" in entry:
                ends = start + np.cumsum(entry["sizes"])
                starts = np.r_[start, ends[:-1]]
                out[entry["name"]] = shapely.from_wkb(
                    [payload[a:b] for a, b in zip(starts, ends)])
            else:
                dtype = np.dtype(entry["dtype"])
                out[entry["name"]] = np.frombuffer(payload, dtype=dtype, count=entry["count"],
                                                   offset=start)
    except (OSError, ValueError, KeyError, TypeError, zlib.error,
            shapely.errors.GEOSException):
        return None
    if set(out) != {"codes", "grid", *_NUMBER_ARRAYS, *_GEOMETRY_ARRAYS}:
        return None
    return out


if __name__ == "__main__":
    print(f"wrote {write_index()}")
