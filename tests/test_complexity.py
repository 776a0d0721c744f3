"""Bounded geometry repair: a polygon too complex to repair is refused before GEOS starts, with
the file, the feature, its vertices and what to do; every real file still passes.

The pathological polygon is a star (tests/pathological.py): 5,000 vertices, about 12 million
self-intersections, the upload that took the viewer's server down (issue 18). Repairing it
would need tens of gigabytes, so these tests would not end on the code before the budget; the
subprocess and the address-space limit below make the old code fail instead of filling the
machine's memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from pathological import star_geojson, star_ring

from mapkit.ingest import complexity
from mapkit.ingest.day import compute_snapshot
from mapkit.snapshots import SnapshotError

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def compute_in_a_limited_process(path: Path, memory_gb: float = 3.0) -> subprocess.CompletedProcess:
    """``mapkit compute PATH`` with its address space limited (so that a repair which would
    take the machine's memory fails in it instead) and a minute at most."""
    limit = int(memory_gb * 2**30)
    script = ("import resource, sys\n"
              f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
              "from mapkit.cli import main\n"
              f"sys.argv = ['mapkit', 'compute', {str(path)!r}, '--out', "
              f"{str(path.parent / 'out')!r}]\n"
              "main()\n")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_a_star_of_5000_vertices_is_refused_at_once_naming_file_feature_and_what_to_do(
        tmp_path):
    star = tmp_path / "front.geojson"
    star.write_bytes(star_geojson(5000))
    try:
        done = compute_in_a_limited_process(star)
    except subprocess.TimeoutExpired:
        raise AssertionError("compute was still repairing the star after two minutes") from None
    assert done.returncode == 1
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1, done.stderr
    assert error[0] == (
        f"error: {star}: its polygons' edges cross one another at more than 10,000 points "
        "(most of them in feature 0, a polygon of 5,001 vertices): too complex to repair, as "
        "repairing splits every edge at every such point, which would take far more time and "
        "memory than a file may use. Real front lines cross themselves at a handful of "
        "points; a ring whose points are out of order crosses itself everywhere. Check the "
        "polygons, fix them (QGIS: Vector ▸ Geometry Tools ▸ Fix Geometries; or mapshaper "
        "-clean) and try again.")
    assert "Traceback" not in done.stderr


def test_the_feature_named_is_the_one_that_crosses_itself(tmp_path):
    square = [[37.5, 47.5], [38.5, 47.5], [38.5, 48.5], [37.5, 48.5], [37.5, 47.5]]
    features = [{"type": "Feature", "properties": {},
                 "geometry": {"type": "Polygon", "coordinates": [ring]}}
                for ring in (square, star_ring(400), square)]
    path = tmp_path / "2025-03-01.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(SnapshotError, match=r"most of them in feature 1, a polygon of 401 "
                                            r"vertices"):
        compute_snapshot(path)


def test_a_file_over_the_vertex_limit_is_refused_before_any_geometry_work(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(complexity, "MAX_VERTICES", 1_000)
    ring = [[34.0 + np.cos(a), 48.0 + np.sin(a)] for a in np.linspace(0, 2 * np.pi, 1500)]
    ring[-1] = ring[0]
    path = tmp_path / "2025-03-01.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    with pytest.raises(SnapshotError) as refused:
        compute_snapshot(path)
    assert str(refused.value) == (
        f"{path}: its polygons have 1,500 vertices, more than the 1,000 a file may have (the "
        "largest is feature 0, a polygon of 1,500 vertices). Simplify them (e.g. mapshaper "
        "-simplify 10%, or QGIS: Vector ▸ Geometry Tools ▸ Simplify) and try again.")


def test_polygons_that_cross_a_little_are_still_repaired_and_counted(tmp_path):
    """A bow-tie (one crossing) and a zigzag with a thousand crossings: well within the budget,
    repaired as before."""
    zigzag = ([[33.0 + 2 * i / 1000, 47.0 + (1 if i % 2 else 0)] for i in range(1000)]
              + [[35.0 - 2 * i / 1000 + 0.001, 47.0 + (1 if i % 2 else 0)] for i in range(1000)])
    zigzag.append(zigzag[0])
    path = tmp_path / "2025-03-01.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [zigzag]}))
    found = complexity.measure(np.array([shapely.Polygon(zigzag)]))
    assert found.over is None and 900 <= found.crossings <= complexity.MAX_CROSSINGS
    snapshot = compute_snapshot(path)
    assert snapshot.repaired == 1


@pytest.mark.skipif(not (SHARED / "deepstate" / "raw").is_dir() or not (SHARED / "isw").is_dir(),
                    reason="needs ../shared/deepstate/raw and ../shared/isw (real DeepStateMap "
                           "and ISW files) beside the checkout")
def test_every_real_file_is_far_within_the_budget():
    """The raw dumps' layers overlap and ISW's polygons are invalid (73 of 107 files): their
    crossings stay far under the limit (measured: 401 at most)."""
    from mapkit.ingest import importers

    measured = []
    real = importers._check_complexity

    def spy(path, polygons, feature_of, **options):
        measured.append(complexity.measure(np.asarray(polygons, dtype=object)))
        real(path, polygons, feature_of, **options)

    files = [*sorted((SHARED / "deepstate" / "raw").glob("*.json"))[::5],
             *sorted((SHARED / "isw").glob("*.geojson"))[::5]]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importers, "_check_complexity", spy)
        for path in files:
            importers.read_control_file(path)
    assert len(measured) == len(files)
    assert max(m.crossings for m in measured) < complexity.MAX_CROSSINGS / 10
    assert max(m.vertices for m in measured) < complexity.MAX_VERTICES / 10
