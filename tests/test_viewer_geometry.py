"""The viewer's prepared shapes (data/oblasts_web.geojson) are the boundaries, simplified."""

from __future__ import annotations

import json

from mapkit.regions import REGIONS
from mapkit.web_geometry import (
    WEB_GEOMETRY_PATH,
    boundaries_stamp,
    build_web_geometry,
    read_web_geometry,
)


def test_bundled_web_shapes_are_made_from_the_bundled_boundaries():
    bundled = json.loads(WEB_GEOMETRY_PATH.read_text(encoding="utf-8"))
    for key, value in boundaries_stamp().items():
        assert bundled["metadata"][key] == value, (
            f"{WEB_GEOMETRY_PATH.name} is stale ({key}): "
            "run `python -m mapkit.web_geometry`")
    fresh = build_web_geometry()
    assert bundled["features"] == fresh["features"]
    assert bundled["bbox"] == fresh["bbox"]
    assert sorted(f["properties"]["code"] for f in bundled["features"]) == \
        sorted(r.code for r in REGIONS)


def test_web_shapes_from_other_boundaries_are_rebuilt_not_used(tmp_path):
    stale = tmp_path / "oblasts_web.geojson"
    stale.write_text(json.dumps({
        "type": "FeatureCollection", "bbox": [0, 0, 1, 1],
        "metadata": {**boundaries_stamp(), "boundaries_sha256": "0" * 64},
        "features": [],
    }), encoding="utf-8")
    shapes = read_web_geometry(stale)
    assert len(shapes["features"]) == 27
    assert shapes["bbox"][0] > 22  # Ukraine's western edge, not the stale file's 0


def test_missing_web_shapes_are_built(tmp_path):
    shapes = read_web_geometry(tmp_path / "absent.geojson")
    assert len(shapes["features"]) == 27
