"""Region boundaries: the 27 first-level units, as stored in ``data/oblasts.geojson``.

``load_boundaries`` gives the full-detail geometry for computing areas; ``web_boundaries`` a
lighter copy for the browser, simplified on a shared topology so neighbours keep one border.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import topojson

from mapkit.constants import BOUNDARIES_PATH, WEB_SIMPLIFY_TOLERANCE_DEG
from mapkit.regions import REGIONS

COLUMNS = ["code", "name_en", "name_uk", "kind", "area_km2", "geometry"]


class BoundaryError(ValueError):
    """The boundaries file is missing, unreadable or not the 27 regions we expect."""


@lru_cache(maxsize=4)
def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise BoundaryError(f"{path}: boundaries file not found. Rebuild it with "
                            "`python scripts/build_oblasts.py`.")
    try:
        frame = gpd.read_file(path)
    except Exception as error:  # pyogrio raises several kinds for a broken file
        raise BoundaryError(f"{path}: cannot be read as GeoJSON ({error}).") from error
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise BoundaryError(f"{path}: missing field(s) {', '.join(missing)} in the features' "
                            "properties.")
    expected = {r.code for r in REGIONS}
    found = set(frame["code"])
    if found != expected or len(frame) != len(expected):
        raise BoundaryError(
            f"{path}: expected the 27 ISO 3166-2:UA codes once each; missing "
            f"{sorted(expected - found) or 'none'}, unexpected {sorted(found - expected) or 'none'}"
            f", {len(frame)} features.")
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise BoundaryError(f"{path}: coordinates must be WGS 84 (EPSG:4326), got {frame.crs}.")
    if not frame.geometry.is_valid.all():
        bad = ", ".join(frame.loc[~frame.geometry.is_valid, "code"])
        raise BoundaryError(f"{path}: invalid geometry for {bad}.")
    return frame[COLUMNS].sort_values("code").reset_index(drop=True)


def load_boundaries(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """The 27 regions (EPSG:4326), sorted by ISO code, with names and area in km².

    Checked on the way in: all 27 codes present once, WGS 84, valid geometry.
    """
    return _read(Path(path or BOUNDARIES_PATH).resolve()).copy()


@lru_cache(maxsize=8)
def _simplified(path: Path, tolerance: float) -> gpd.GeoDataFrame:
    frame = _read(path)
    topology = topojson.Topology(frame, toposimplify=tolerance, prequantize=False)
    simple = topology.to_gdf()
    simple = simple.set_crs(frame.crs, allow_override=True)
    return simple[COLUMNS].sort_values("code").reset_index(drop=True)


def web_boundaries(tolerance: float = WEB_SIMPLIFY_TOLERANCE_DEG,
                   path: str | Path | None = None) -> gpd.GeoDataFrame:
    """A light copy for the browser: shared borders are simplified once, so they stay shared.

    ``tolerance`` is in degrees (Douglas–Peucker on the topology's arcs).
    """
    return _simplified(Path(path or BOUNDARIES_PATH).resolve(), float(tolerance)).copy()
