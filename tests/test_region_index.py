"""The prepared region index (data/oblasts_index.bin) is the boundaries' index, only faster."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import shapely

from mapkit.constants import BOUNDARIES_PATH
from mapkit.ingest.areas import CELL_SIZE_M, SHORELINE_TOLERANCE_M, AreaIndex
from mapkit.ingest.region_index import (
    INDEX_PATH,
    index_path,
    load_region_index,
    read_index,
    write_index,
)

# Kherson Oblast's south: the Dnipro, the Kinburn spit and the coast, where the sliver test and
# the prepared coastal strips both matter; and a square across the Kharkiv–Russia border.
OCCUPIED = shapely.union_all([shapely.box(32.0, 46.0, 34.5, 46.8),
                              shapely.box(36.5, 49.8, 38.0, 50.6)])


def test_committed_index_was_made_from_the_committed_boundaries():
    stored = read_index(SHORELINE_TOLERANCE_M, CELL_SIZE_M)
    assert stored is not None, (
        f"{INDEX_PATH} is missing or stale: rebuild it with `python -m mapkit.ingest.region_index`")
    assert len(stored["codes"]) == 27


def test_prepared_index_gives_the_same_percentages_as_a_fresh_build():
    prepared = load_region_index()
    fresh = AreaIndex.from_boundaries()
    assert prepared.regions_wgs84 is None and fresh.regions_wgs84 is not None  # really loaded
    assert np.array_equal(prepared.near_outer, fresh.near_outer)
    assert np.allclose(prepared.piece_area, fresh.piece_area, rtol=1e-12)
    got = prepared.occupied_m2(prepared.project(OCCUPIED))
    want = fresh.occupied_m2(fresh.project(OCCUPIED))
    assert np.allclose(got[0], want[0], rtol=1e-9) and np.allclose(got[1], want[1], atol=1.0)
    assert (100 * got[0] / prepared.areas)[prepared.codes.index("UA-65")] > 10  # Kherson
    assert got[1].sum() > 0  # the coastal strips were used


def test_index_of_changed_boundaries_is_ignored_and_rebuilt(tmp_path):
    boundaries = tmp_path / "oblasts.geojson"
    shutil.copy(BOUNDARIES_PATH, boundaries)
    assert write_index(boundaries) == index_path(boundaries) == tmp_path / "oblasts_index.bin"
    assert read_index(SHORELINE_TOLERANCE_M, CELL_SIZE_M, index_path(boundaries),
                      boundaries) is not None
    assert read_index(SHORELINE_TOLERANCE_M / 2, CELL_SIZE_M, index_path(boundaries),
                      boundaries) is None  # another setting
    boundaries.write_text(boundaries.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert read_index(SHORELINE_TOLERANCE_M, CELL_SIZE_M, index_path(boundaries),
                      boundaries) is None
    index = load_region_index(boundaries)
    assert index.regions_wgs84 is not None  # built afresh from the file


@pytest.mark.parametrize("damage", [b"", b"{not json\n", b'{"format": 1}\n\x00\x01'])
def test_damaged_index_is_ignored(tmp_path, damage):
    boundaries = tmp_path / "oblasts.geojson"
    shutil.copy(BOUNDARIES_PATH, boundaries)
    index_path(boundaries).write_bytes(damage)
    assert read_index(SHORELINE_TOLERANCE_M, CELL_SIZE_M, index_path(boundaries),
                      boundaries) is None
    assert len(load_region_index(boundaries).cells) > 1000


def test_writing_the_index_twice_gives_the_same_bytes(tmp_path):
    boundaries = tmp_path / "oblasts.geojson"
    shutil.copy(BOUNDARIES_PATH, boundaries)
    first = write_index(boundaries).read_bytes()
    assert write_index(boundaries).read_bytes() == first


def test_compute_says_when_it_had_to_build_the_index(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    import mapkit.ingest.region_index
    from mapkit.cli import cli

    day = tmp_path / "2025-03-17.geojson"
    day.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {},
        "geometry": shapely.geometry.mapping(shapely.box(37.5, 47.5, 40.5, 50.5))}]}))
    monkeypatch.setattr(mapkit.ingest.region_index, "read_index", lambda *a, **k: None)
    result = CliRunner().invoke(cli, ["compute", str(day), "--out", str(tmp_path / "out"),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "oblasts_index.bin is missing or was made from other boundaries" in result.output
    assert "python -m mapkit.ingest.region_index" in result.output
    monkeypatch.undo()
    again = CliRunner().invoke(cli, ["compute", str(day), "--out", str(tmp_path / "o2"),
                                     "--workers", "1"])
    assert again.exit_code == 0 and "oblasts_index.bin" not in again.output
