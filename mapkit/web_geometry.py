"""Region shapes for the browser (viewer, html export), prepared once: ``data/oblasts_web.geojson``.

Simplifying the 27 regions on a shared topology (:func:`mapkit.boundaries.web_boundaries`)
needs geopandas and topojson and costs about half a second of the first page view after a
server start. So ``scripts/build_oblasts.py`` writes the simplified, rounded shapes next to the
boundaries, stamped with the boundaries file's SHA-256 and the settings used
(:func:`mapkit.files.file_stamp`), and the viewer reads that file with the standard library
alone. If the stamp no longer matches (boundaries rebuilt, tolerance changed) the shapes are
simplified afresh: same result, only slower.
Rebuild the file alone with ``python -m mapkit.web_geometry``.
"""

from __future__ import annotations

import json
from pathlib import Path

from mapkit.constants import BOUNDARIES_PATH, DATA_DIR, WEB_SIMPLIFY_TOLERANCE_DEG
from mapkit.files import file_stamp, stamp_matches, write_atomically

WEB_GEOMETRY_PATH = DATA_DIR / "oblasts_web.geojson"

#: Decimal places kept in coordinates sent to the browser (4 ≈ 11 m: invisible at our zooms).
COORDINATE_DECIMALS = 4


def boundaries_stamp(boundaries_path: str | Path | None = None) -> dict:
    """What the web shapes were made from: the boundaries file's digest and the settings."""
    return file_stamp(boundaries_path or BOUNDARIES_PATH, digest_key="boundaries_sha256",
                      tolerance_deg=WEB_SIMPLIFY_TOLERANCE_DEG,
                      coordinate_decimals=COORDINATE_DECIMALS)


def build_web_geometry(boundaries_path: str | Path | None = None) -> dict:
    """Simplified, rounded shapes as a GeoJSON FeatureCollection (property ``code`` only).

    The collection carries ``bbox`` (west, south, east, north) and, under ``metadata``, the
    :func:`boundaries_stamp` it was made from.
    """
    import shapely

    from mapkit.boundaries import web_boundaries

    shapes = web_boundaries(path=boundaries_path)
    rounded = shapely.set_precision(shapes.geometry.values, 10.0 ** -COORDINATE_DECIMALS,
                                    mode="keep_collapsed")
    features = [
        {"type": "Feature", "properties": {"code": code},
         "geometry": json.loads(shapely.to_geojson(geometry))}
        for code, geometry in zip(shapes["code"], rounded)
    ]
    return {
        "type": "FeatureCollection",
        "bbox": [float(value) for value in shapes.total_bounds],
        "metadata": {
            **boundaries_stamp(boundaries_path),
            "built_by": "mapkit.web_geometry (scripts/build_oblasts.py)",
            "made_from": "data/oblasts.geojson, simplified on a shared topology "
                         "(mapkit.boundaries.web_boundaries)",
        },
        "features": features,
    }


def write_web_geometry(path: str | Path = WEB_GEOMETRY_PATH,
                       boundaries_path: str | Path | None = None) -> Path:
    """Write :func:`build_web_geometry`'s collection to ``path``, atomically."""
    text = json.dumps(build_web_geometry(boundaries_path), ensure_ascii=False,
                      separators=(",", ":"))
    return write_atomically(path, text + "\n")


def read_web_geometry(path: str | Path = WEB_GEOMETRY_PATH,
                      boundaries_path: str | Path | None = None) -> dict:
    """The prepared shapes if ``path`` is there and made from the current boundaries and
    settings; otherwise the same shapes built afresh (slower: imports geopandas)."""
    try:
        collection = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return build_web_geometry(boundaries_path)
    if not stamp_matches(collection.get("metadata", {}), boundaries_stamp(boundaries_path)):
        return build_web_geometry(boundaries_path)
    return collection


if __name__ == "__main__":
    print(f"wrote {write_web_geometry()}")
