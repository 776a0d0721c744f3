"""A level's boundaries: the 27 first-level units (``data/oblasts.geojson``, the default), the
raions or the hromadas (``data/raions.geojson``, ``data/hromadas.geojson``: :mod:`mapkit.levels`).

``load_boundaries`` gives the full-detail geometry for computing areas; ``web_boundaries`` a
lighter copy for the browser, simplified on a shared topology so neighbours keep one border.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import topojson

from mapkit.constants import WEB_SIMPLIFY_TOLERANCE_DEG
from mapkit.levels import DEFAULT_LEVEL, Level, get_level

COLUMNS = ["code", "name_en", "name_uk", "kind", "area_km2", "geometry"]
#: The script that builds each level's boundaries.
_BUILT_BY = {"oblast": "scripts/build_oblasts.py", "raion": "scripts/build_levels.py",
             "hromada": "scripts/build_levels.py"}


class BoundaryError(ValueError):
    """The boundaries file is missing, unreadable or not the level's units we expect."""


@lru_cache(maxsize=4)
def _read(path: Path, level_name: str = DEFAULT_LEVEL) -> gpd.GeoDataFrame:
    level = get_level(level_name)
    if not path.exists():
        raise BoundaryError(f"{path}: boundaries file not found. Rebuild it with "
                            f"`python {_BUILT_BY[level.name]}`.")
    try:
        frame = gpd.read_file(path)
    except Exception as error:  # pyogrio raises several kinds for a broken file
        raise BoundaryError(f"{path}: cannot be read as GeoJSON ({error}).") from error
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise BoundaryError(f"{path}: missing field(s) {', '.join(missing)} in the features' "
                            "properties.")
    expected = set(level.codes)
    found = set(frame["code"])
    if found != expected or len(frame) != len(expected):
        what = ("the 27 ISO 3166-2:UA codes" if level.name == DEFAULT_LEVEL
                else f"the {len(expected):,} {level.plural}' codes of {level.table_path.name}")
        raise BoundaryError(
            f"{path}: expected {what} once each; missing {_listed(expected - found)}, "
            f"unexpected {_listed(found - expected)}, {len(frame)} features.")
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise BoundaryError(f"{path}: coordinates must be WGS 84 (EPSG:4326), got {frame.crs}.")
    if not frame.geometry.is_valid.all():
        bad = ", ".join(frame.loc[~frame.geometry.is_valid, "code"])
        raise BoundaryError(f"{path}: invalid geometry for {bad}.")
    return frame[COLUMNS].sort_values("code").reset_index(drop=True)


def _listed(codes: set, most: int = 30) -> str:
    """Codes for a message: all of them (the 27 regions fit), or the first ``most`` and how
    many more."""
    if not codes:
        return "none"
    ordered = sorted(codes)
    more = f" and {len(ordered) - most:,} more" if len(ordered) > most else ""
    return f"{ordered[:most]}{more}"


def load_boundaries(path: str | Path | None = None,
                    level: str | Level | None = None) -> gpd.GeoDataFrame:
    """A level's units (default: the 27 regions; EPSG:4326), sorted by code, with names and
    area in km²; ``path`` defaults to the level's boundaries file.

    Checked on the way in: the level's codes present once each, WGS 84, valid geometry.
    """
    level = get_level(level)
    return _read(Path(path or level.boundaries_path).resolve(), level.name).copy()


@lru_cache(maxsize=8)
def _simplified(path: Path, tolerance: float, level_name: str = DEFAULT_LEVEL,
                ) -> gpd.GeoDataFrame:
    frame = _read(path, level_name)
    topology = topojson.Topology(frame, toposimplify=tolerance, prequantize=False)
    simple = topology.to_gdf()
    simple = simple.set_crs(frame.crs, allow_override=True)
    return simple[COLUMNS].sort_values("code").reset_index(drop=True)


def web_boundaries(tolerance: float = WEB_SIMPLIFY_TOLERANCE_DEG,
                   path: str | Path | None = None,
                   level: str | Level | None = None) -> gpd.GeoDataFrame:
    """A light copy of a level's units (default: the 27 regions) for the browser: shared
    borders are simplified once, so they stay shared.

    ``tolerance`` is in degrees (Douglas–Peucker on the topology's arcs).
    """
    level = get_level(level)
    return _simplified(Path(path or level.boundaries_path).resolve(), float(tolerance),
                       level.name).copy()
