"""Both JSON readers (pysimdjson when installed, orjson otherwise) give the same polygons."""

from pathlib import Path

import pytest
import shapely

import mapkit.ingest.importers as importers

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "deepstate"
FILES = [SHARED / "daily" / "2025-03-17.geojson", SHARED / "raw" / "2022-07-03T102858Z.json"]


@pytest.mark.skipif(importers.simdjson is None, reason="pysimdjson is not installed")
@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/deepstate (DeepStateMap copies "
                                                "beside the checkout; present in CI)")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_simdjson_and_orjson_read_identical_geometries(path, monkeypatch):
    fast = importers.read_control_file(path)
    monkeypatch.setattr(importers, "simdjson", None)
    plain = importers.read_control_file(path)
    assert fast.date == plain.date
    for layer in ("occupied", "contested", "liberated"):
        a, b = getattr(fast, layer), getattr(plain, layer)
        assert shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=0), layer
    assert not fast.occupied.is_empty
