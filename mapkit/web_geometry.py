"""Unit shapes for the browser (viewer, html export, embed), prepared once per level:
``data/oblasts_web.geojson``, ``data/raions_web.topojson``, ``data/hromadas_web.topojson``.

Simplifying a level's units on a shared topology (:func:`mapkit.boundaries.web_boundaries`)
needs geopandas and topojson and costs from half a second (27 oblasts) to ten (1,486 hromadas).
So the build scripts (``scripts/build_oblasts.py``, ``scripts/build_levels.py``) write the
simplified, rounded shapes next to the boundaries, stamped with the boundaries file's SHA-256
and the settings used (:func:`mapkit.files.file_stamp`), and the viewer reads that file with the
standard library alone. If the stamp no longer matches (boundaries rebuilt, tolerance changed)
the shapes are simplified afresh: same result, only slower.

* The oblasts' file is GeoJSON (property ``code`` only, 4 decimals), as it always was: 74 KB.
* The raions' and hromadas' are **TopoJSON**, quantised (:data:`TOPOLOGY_QUANTISATION` steps
  across the country, about 12 m by 9 m): each border between two units is stored once, as
  whole-number steps, so the 1,486 hromadas take 0.64 MB instead of some 3 MB of GeoJSON. The
  browser turns it back into shapes (``topologyFeatures`` in the viewer and the html export);
  :func:`web_shapes` does the same in Python for the embed and the print maps.

Rebuild every level's file with ``python -m mapkit.web_geometry``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from mapkit.constants import DATA_DIR, WEB_SIMPLIFY_TOLERANCE_DEG
from mapkit.files import file_stamp, stamp_matches, write_atomically
from mapkit.levels import DEFAULT_LEVEL, LEVEL_NAMES, Level, get_level

WEB_GEOMETRY_PATH = DATA_DIR / "oblasts_web.geojson"
#: Each level's prepared file.
WEB_GEOMETRY_PATHS = {
    "oblast": WEB_GEOMETRY_PATH,
    "raion": DATA_DIR / "raions_web.topojson",
    "hromada": DATA_DIR / "hromadas_web.topojson",
}

#: Decimal places kept in coordinates sent to the browser (4 ≈ 11 m: invisible at our zooms).
COORDINATE_DECIMALS = 4
#: Douglas–Peucker tolerance per level, in degrees (on the shared topology's arcs). The
#: oblasts keep theirs; raions and hromadas are drawn at 0.005° (≈ 400–550 m): a hromada of the
#: smallest kind still shows its shape at the zoom it is told apart at, and the whole hromada
#: level fits in 0.64 MB.
WEB_TOLERANCE_DEG = {"oblast": WEB_SIMPLIFY_TOLERANCE_DEG, "raion": 0.005, "hromada": 0.005}
#: TopoJSON's quantisation: the grid coordinates are snapped to, in steps across the bbox.
TOPOLOGY_QUANTISATION = 100_000


def boundaries_stamp(boundaries_path: str | Path | None = None,
                     level: str | Level | None = None) -> dict:
    """What a level's web shapes were made from: the boundaries file's digest and the
    settings (the oblasts' stamp reads as it always did)."""
    level = get_level(level)
    if level.name == DEFAULT_LEVEL:
        return file_stamp(boundaries_path or level.boundaries_path,
                          digest_key="boundaries_sha256",
                          tolerance_deg=WEB_SIMPLIFY_TOLERANCE_DEG,
                          coordinate_decimals=COORDINATE_DECIMALS)
    return file_stamp(boundaries_path or level.boundaries_path, digest_key="boundaries_sha256",
                      level=level.name, tolerance_deg=WEB_TOLERANCE_DEG[level.name],
                      quantisation=TOPOLOGY_QUANTISATION)


def build_web_geometry(boundaries_path: str | Path | None = None,
                       level: str | Level | None = None) -> dict:
    """A level's simplified shapes: for the oblasts a GeoJSON FeatureCollection (property
    ``code`` only, rounded), for raions and hromadas a quantised TopoJSON topology (object
    ``units``, each geometry's ``id`` its code).

    Either carries ``bbox`` (west, south, east, north) and, under ``metadata``, the
    :func:`boundaries_stamp` it was made from.
    """
    level = get_level(level)
    if level.name != DEFAULT_LEVEL:
        return _build_topology(boundaries_path, level)
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


def _build_topology(boundaries_path: str | Path | None, level: Level) -> dict:
    """A finer level's units as a quantised TopoJSON topology, simplified on its arcs."""
    import topojson

    from mapkit.boundaries import load_boundaries

    frame = load_boundaries(boundaries_path, level=level)[["code", "geometry"]]
    topology = topojson.Topology(frame, toposimplify=WEB_TOLERANCE_DEG[level.name],
                                 prequantize=TOPOLOGY_QUANTISATION, topology=True)
    data = json.loads(topology.to_json())
    geometries = data["objects"].pop("data")["geometries"]
    for geometry in geometries:
        geometry["id"] = geometry.pop("properties")["code"]
    missing = [g["id"] for g in geometries if not g.get("arcs")]
    if missing:  # a unit simplified away would be a hole in the map
        raise ValueError(f"{level.plural} simplified to nothing at "
                         f"{WEB_TOLERANCE_DEG[level.name]}°: {', '.join(missing[:10])}")
    data["objects"] = {"units": {"type": "GeometryCollection", "geometries": geometries}}
    data["bbox"] = [float(value) for value in frame.total_bounds]
    data["metadata"] = {
        **boundaries_stamp(boundaries_path, level),
        "built_by": "mapkit.web_geometry (scripts/build_levels.py)",
        "made_from": f"data/{level.boundaries_path.name}, simplified on a shared topology",
        "attribution": level.credit, "license": level.licence,
        "license_url": level.licence_url,
    }
    return data


def write_web_geometry(path: str | Path | None = None,
                       boundaries_path: str | Path | None = None,
                       level: str | Level | None = None) -> Path:
    """Write :func:`build_web_geometry`'s shapes of ``level`` to ``path`` (default: the
    level's file in data/), atomically."""
    level = get_level(level)
    text = json.dumps(build_web_geometry(boundaries_path, level), ensure_ascii=False,
                      separators=(",", ":"))
    return write_atomically(path or WEB_GEOMETRY_PATHS[level.name], text + "\n")


def read_web_geometry(path: str | Path | None = None,
                      boundaries_path: str | Path | None = None,
                      level: str | Level | None = None) -> dict:
    """The prepared shapes of ``level`` if ``path`` (default: the level's file) is there and
    made from the current boundaries and settings; otherwise the same shapes built afresh
    (slower: imports geopandas)."""
    level = get_level(level)
    path = path or WEB_GEOMETRY_PATHS[level.name]
    try:
        collection = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return build_web_geometry(boundaries_path, level)
    if not stamp_matches(collection.get("metadata", {}), boundaries_stamp(boundaries_path,
                                                                           level)):
        return build_web_geometry(boundaries_path, level)
    return collection


def topology_shapes(topology: dict) -> dict[str, dict]:
    """A TopoJSON topology of :func:`build_web_geometry` as GeoJSON geometries by code: its
    arcs' whole-number steps added up and scaled back to degrees (what the browser's
    ``topologyFeatures`` does)."""
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)

    def ring(indexes: list[int]) -> list:
        points: list = []
        for index in indexes:
            part = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(part[1:] if points else part)
        return points

    shapes = {}
    for geometry in topology["objects"]["units"]["geometries"]:
        if geometry["type"] == "Polygon":
            shapes[geometry["id"]] = {"type": "Polygon",
                                      "coordinates": [ring(r) for r in geometry["arcs"]]}
        else:
            shapes[geometry["id"]] = {"type": "MultiPolygon", "coordinates": [
                [ring(r) for r in polygon] for polygon in geometry["arcs"]]}
    return shapes


@lru_cache(maxsize=4)
def web_shapes(level: str | None = None):
    """A level's prepared web shapes as a GeoDataFrame (``code``, ``geometry``; EPSG:4326),
    in the level's unit order: what the embed and the print maps draw."""
    import geopandas as gpd
    import shapely

    level = get_level(level)
    prepared = read_web_geometry(level=level)
    if level.name == DEFAULT_LEVEL:
        by_code = {f["properties"]["code"]: f["geometry"] for f in prepared["features"]}
    else:
        by_code = topology_shapes(prepared)
    geometries = [shapely.from_geojson(json.dumps(by_code[code])) for code in level.codes]
    return gpd.GeoDataFrame({"code": list(level.codes)}, geometry=geometries, crs="EPSG:4326")


def main() -> None:
    for name in LEVEL_NAMES:
        print(f"wrote {write_web_geometry(level=name)}", flush=True)


if __name__ == "__main__":
    main()
