"""The region index of :mod:`mapkit.ingest.areas`, prepared once: ``data/oblasts_index.bin``
for the oblast level, ``data/hromadas_index.bin`` for the hromada level (and the raion level,
whose raions are the unions of their hromada-level units: :func:`load_level_index`).

Building :class:`~mapkit.ingest.areas.AreaIndex` from the boundaries (projecting, cutting the
regions into cells, finding the coastal and border cells and the strips along Ukraine's outer
boundary each one needs for the sliver test) costs about half a second of CPU, paid at the start
of every ``mapkit compute`` and again, in part, by each worker. None of it depends on the
polygons being computed, only on the boundaries and two settings. So
``scripts/build_oblasts.py`` stores the result next to the boundaries, stamped with the
boundaries file's SHA-256 and the settings (:func:`mapkit.files.file_stamp`), and
:func:`load_region_index` loads it in milliseconds. If the stamp does not match (boundaries
rebuilt, a setting changed, the file missing or damaged) the index is built afresh: the same
numbers, only slower. Rebuild the files alone with ``python -m mapkit.ingest.region_index``.

The file is one line of JSON (the stamp and a table of contents) followed by the
zlib-compressed arrays: numbers as raw little-endian values, geometries as WKB. Nothing in it
is executed on loading (no pickle), and the same index gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import shapely

from mapkit.constants import BOUNDARIES_PATH, DATA_DIR, UKRAINE_EQUAL_AREA
from mapkit.files import file_stamp, stamp_matches, write_atomically
from mapkit.ingest.areas import (
    CELL_SIZE_M,
    OSM_SHORELINE_TOLERANCE_M,
    SHORELINE_TOLERANCE_M,
    AreaIndex,
)

INDEX_PATH = DATA_DIR / "oblasts_index.bin"

#: Bumped whenever what is stored, or how the index is built, changes.
FORMAT_VERSION = 1

_NUMBER_ARRAYS = ("areas", "piece_region", "piece_area", "cell_grid_ids", "cell_starts",
                  "near_outer", "whole_cell")
_GEOMETRY_ARRAYS = ("regions", "ukraine", "piece_geom", "land", "band")
#: Arrays an index may leave out: the units' own geometries and their union, read from the
#: boundaries when needed (:meth:`~mapkit.ingest.areas.AreaIndex.outline`). The hromadas'
#: index leaves them out: they would double its file.
_OPTIONAL_ARRAYS = ("regions", "ukraine")


def index_path(boundaries_path: str | Path) -> Path:
    """Where the index of a boundaries file is stored: beside it, ``<stem>_index.bin``."""
    boundaries_path = Path(boundaries_path)
    return boundaries_path.with_name(f"{boundaries_path.stem}_index.bin")


def index_stamp(tolerance: float, cell_size: float,
                boundaries_path: str | Path | None = None) -> dict:
    """What an index is made from: the boundaries file's digest and the settings."""
    return file_stamp(boundaries_path or BOUNDARIES_PATH, digest_key="boundaries_sha256",
                      version=FORMAT_VERSION, projection=UKRAINE_EQUAL_AREA,
                      tolerance_m=float(tolerance), cell_size_m=float(cell_size))


#: The coast/border tolerance each level's outline is computed with (docs/methodology.md,
#: "Coast and border mismatch"): Natural Earth's oblasts, OpenStreetMap's raions and hromadas.
LEVEL_TOLERANCE_M = {"oblast": SHORELINE_TOLERANCE_M, "raion": OSM_SHORELINE_TOLERANCE_M,
                     "hromada": OSM_SHORELINE_TOLERANCE_M}


def write_index(boundaries_path: str | Path = BOUNDARIES_PATH,
                tolerance: float = SHORELINE_TOLERANCE_M,
                codes: Iterable[str] | None = None, *, with_outline: bool = True) -> Path:
    """Build the index of ``boundaries_path`` (the units ``codes``; default: the 27 regions)
    afresh, cells, coastal strips and all, and store it beside the file
    (:func:`index_path`), atomically; without the units' own geometries unless
    ``with_outline`` (:data:`_OPTIONAL_ARRAYS`)."""
    index = AreaIndex.from_boundaries(boundaries_path, tolerance, codes=codes)
    contexts = [cell.context for cell in index.cells if cell.near_outer]
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
    if not with_outline:
        for name in _OPTIONAL_ARRAYS:
            del arrays[name]
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
    return write_atomically(index_path(boundaries_path),
                            json.dumps(header, separators=(",", ":")).encode() + b"\n"
                            + zlib.compress(b"".join(chunks), 9))


def read_index(tolerance: float, cell_size: float, path: str | Path = INDEX_PATH,
               boundaries_path: str | Path | None = None) -> dict | None:
    """The stored arrays (and ``codes``, ``grid``) if ``path`` holds an index made from the
    current boundaries with these settings; ``None`` otherwise (the caller builds one)."""
    try:
        with open(path, "rb") as handle:
            header = json.loads(handle.readline())
            payload = zlib.decompress(handle.read())
        if not stamp_matches(header, index_stamp(tolerance, cell_size, boundaries_path)):
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
    if set(out) - set(_OPTIONAL_ARRAYS) != {"codes", "grid", *_NUMBER_ARRAYS,
                                            *_GEOMETRY_ARRAYS} - set(_OPTIONAL_ARRAYS):
        return None
    return out


def load_region_index(boundaries_path: str | Path = BOUNDARIES_PATH,
                      tolerance: float = SHORELINE_TOLERANCE_M,
                      cell_size: float = CELL_SIZE_M, *, codes: Iterable[str] | None = None,
                      parents: Iterable[str] | None = None) -> AreaIndex:
    """The index of the units in ``boundaries_path`` (``codes``: the level's, default the 27
    regions'; ``parents``: their oblasts, for finer levels): the one prepared beside it if it
    was made from that file with these settings, else built afresh — with ``index_note``
    saying so, and how to prepare it again."""
    path = Path(boundaries_path)
    stored = read_index(tolerance, cell_size, index_path(path), path)
    if stored is not None and codes is not None and tuple(sorted(codes)) != stored["codes"]:
        stored = None
    if stored is None:
        return dataclasses.replace(
            AreaIndex.from_boundaries(path, tolerance, cell_size, codes=codes,
                                      parents=parents),
            index_note=f"{index_path(path)} is missing or was made from other boundaries or "
                       "settings, so the region index was built afresh (half a second for "
                       "the oblasts, a few seconds for the hromadas); `python -m "
                       "mapkit.ingest.region_index` prepares it again")
    grid = stored["grid"]
    near = stored["near_outer"].astype(bool)
    contexts = iter(zip(stored["land"], stored["band"]))
    return AreaIndex.assemble(
        codes=stored["codes"], regions=stored.get("regions"), areas=stored["areas"],
        ukraine=stored["ukraine"][0] if "ukraine" in stored else None, regions_wgs84=None,
        tolerance=tolerance,
        cell_size=cell_size, origin=tuple(grid["origin"]), nx=grid["nx"], ny=grid["ny"],
        grid_ids=stored["cell_grid_ids"], starts=stored["cell_starts"],
        piece_region=stored["piece_region"], piece_geom=stored["piece_geom"],
        piece_area=stored["piece_area"], near=near, whole=stored["whole_cell"].astype(bool),
        contexts=[next(contexts) if is_near else None for is_near in near],
        parents=parents, boundaries_path=path)


@functools.cache
def load_level_index(level: str = "oblast") -> AreaIndex:
    """The index a level is computed on, loaded once per process: the oblasts' for
    ``oblast``; the hromada-level units' for ``hromada`` and for ``raion`` (a raion's figures
    are the sums of its units': :meth:`~mapkit.ingest.areas.RegionShares.grouped`)."""
    from mapkit.levels import get_level

    chosen = get_level(level)
    if chosen.computed_from:
        chosen = get_level(chosen.computed_from)
    if chosen.name == "oblast":
        return load_region_index(chosen.boundaries_path)
    return load_region_index(chosen.boundaries_path, LEVEL_TOLERANCE_M[chosen.name],
                             codes=chosen.codes, parents=[u.parent for u in chosen.units])


def write_level_indexes() -> list[Path]:
    """Prepare the index of every level that has one of its own (oblasts, hromadas)."""
    from mapkit.levels import LEVEL_NAMES, get_level

    written = []
    for name in LEVEL_NAMES:
        level = get_level(name)
        if level.computed_from:
            continue
        codes = None if name == "oblast" else level.codes
        written.append(write_index(level.boundaries_path, LEVEL_TOLERANCE_M[name], codes,
                                   with_outline=name == "oblast"))
    return written


if __name__ == "__main__":
    for written in write_level_indexes():
        print(f"wrote {written}")
