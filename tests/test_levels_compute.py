"""Compute at every level, on DeepStateMap's real files (../shared/deepstate/daily).

What is checked is what anyone can check on a map of the day: Crimea's raions have been held
since 2014 (100 %), Lviv oblast's raions and hromadas lie 1,000 km from the front (0 %), a
hromada around a city occupied since 2014 or 2022 is 100 %; the row UA does not depend on the
level; a raion's figure is the sum of its hromada-level units'; the oblasts' and the raions'
figures of one oblast differ by no more than the ground where their two outlines (Natural
Earth's, OpenStreetMap's) disagree. No figure here is fitted: the tolerances are measured on
the boundaries, and say why.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from mapkit.boundaries import load_boundaries
from mapkit.cli import cli
from mapkit.ingest.areas import OSM_SHORELINE_TOLERANCE_M, DaySeries, measure_shoreline_mismatch
from mapkit.ingest.day import compute_snapshot
from mapkit.ingest.importers import read_control_file
from mapkit.ingest.region_index import load_level_index
from mapkit.levels import get_level
from mapkit.snapshots import load_snapshots

ROOT = Path(__file__).resolve().parent.parent
DAILY = ROOT.parent / "shared" / "deepstate" / "daily"
needs_daily = pytest.mark.skipif(not DAILY.is_dir(), reason="needs ../shared/deepstate/daily "
                                                            "(DeepStateMap's daily files)")
#: The map at the end of 1 January 2026 (docs/methodology.md, "Dates").
NEW_YEAR = DAILY / "2026-01-02.geojson"
LEVELS = ("oblast", "raion", "hromada")


@pytest.fixture(scope="module")
def new_year(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("levels")
    result = CliRunner().invoke(cli, ["compute", str(NEW_YEAR), "--level", "all", "--out",
                                      str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


def _rows(path: Path) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        return {row["region"]: row for row in csv.DictReader(handle)}


@needs_daily
def test_compute_all_writes_each_level_in_its_folder(new_year):
    assert sorted(p.relative_to(new_year).as_posix() for p in new_year.rglob("*.csv")) == [
        "2026-01-01.csv", "hromada/2026-01-01.csv", "raion/2026-01-01.csv"]


@needs_daily
def test_the_row_ua_is_the_same_at_every_level(new_year):
    lines = [(new_year / folder / "2026-01-01.csv").read_text(encoding="utf-8").splitlines()[-1]
             for folder in ("", "raion", "hromada")]
    assert lines[0].startswith("2026-01-01,UA,19.25,DeepStateMap,computed")
    assert lines[0] == lines[1] == lines[2]


@needs_daily
def test_crimeas_raions_are_held_whole_and_lvivs_not_at_all(new_year):
    raions = load_snapshots([new_year / "raion"], level="raion").set_index("region")
    level = get_level("raion")
    crimea = [u.code for u in level.units if u.parent in ("UA-43", "UA-40")]
    assert len(crimea) == 11  # ten raions and Sevastopol
    assert (raions.loc[crimea, "percent"] == 100.0).all()
    lviv = [u.code for u in level.units if u.parent == "UA-46"]
    assert len(lviv) == 7 and (raions.loc[lviv, "percent"] == 0.0).all()
    assert (raions.loc[lviv, "area_km2"] == 0.0).all()
    # Lviv's raions are not written (0 % as written), and are read as 0 %, saying why
    written = _rows(new_year / "raion" / "2026-01-01.csv")
    assert not set(lviv) & set(written) and set(crimea) <= set(written)
    assert raions.loc[lviv[0], "note"].startswith("not listed in the computed snapshot")
    hromadas = load_snapshots([new_year / "hromada"], level="hromada").set_index("region")
    lviv_hromadas = [u.code for u in get_level("hromada").units if u.parent == "UA-46"]
    assert len(lviv_hromadas) > 60 and (hromadas.loc[lviv_hromadas, "percent"] == 0.0).all()


@needs_daily
@pytest.mark.parametrize(("name", "percent"), [
    ("Mariupol", 100.0),             # occupied since May 2022, the front 100 km west
    ("Donetsk, Donetsk", 100.0),     # the city, held since 2014
    ("Melitopol", 100.0),
    ("Luhansk", 100.0),
    ("Lviv", 0.0),                   # 1,000 km from the front
    ("Uzhhorod", 0.0),
    ("Kyiv", 0.0),
    ("Chernivtsi", 0.0),
])
def test_hromadas_deep_behind_the_front_are_whole_and_far_from_it_empty(new_year, name,
                                                                         percent):
    hromadas = get_level("hromada")
    frame = load_snapshots([new_year / "hromada"], level="hromada").set_index("region")
    assert frame.loc[hromadas.resolve(name).code, "percent"] == percent


@needs_daily
def test_a_raion_is_the_sum_of_its_hromada_level_units(new_year):
    hromadas = load_snapshots([new_year / "hromada"], level="hromada")
    raions = load_snapshots([new_year / "raion"], level="raion").set_index("region")
    level = get_level("hromada")
    hromadas = hromadas[hromadas["region"] != "UA"]
    hromadas["raion"] = [level.unit(code).raion for code in hromadas["region"]]
    sums = hromadas.groupby("raion")["area_km2"].sum()
    counts = hromadas.groupby("raion").size()
    # each figure is written to 0.1 km²: the sum of n of them is within n × 0.05 of the raion's
    difference = (sums - raions.loc[sums.index, "area_km2"]).abs()
    assert (difference <= counts * 0.05 + 1e-9).all()
    assert sums.sum() > 115_000


@needs_daily
def test_per_oblast_the_raions_add_up_to_the_oblast_but_where_the_outlines_differ(new_year):
    """The raions (OpenStreetMap) and the oblasts (Natural Earth) are two surveys of the same
    borders. Per oblast, the raions' occupied km² may differ from the oblast's by no more than
    the ground one outline holds and the other does not (their symmetric difference), plus the
    coast/border strips each level adds (docs/methodology.md)."""
    oblasts = _rows(new_year / "2026-01-01.csv")
    raions = load_snapshots([new_year / "raion"], level="raion")
    level = get_level("raion")
    raions = raions[raions["region"] != "UA"]
    raions["parent"] = [level.unit(code).parent for code in raions["region"]]
    sums = raions.groupby("parent")["area_km2"].sum()
    ne = load_boundaries().set_index("code").to_crs("+proj=laea +lat_0=48.5 +lon_0=31.5")
    osm = load_boundaries(level="raion").to_crs(ne.crs)
    osm["parent"] = [level.unit(code).parent for code in osm["code"]]
    outlines = osm.dissolve("parent").geometry
    strips = {}
    for folder in ("", "raion"):
        for code, row in _rows(new_year / folder / "2026-01-01.csv").items():
            found = [float(x) for x in
                     __import__("re").findall(r"incl\. ([\d.]+) pp", row["note"])]
            if found and code != "UA":
                area = (get_level().areas_km2 if folder == "" else level.areas_km2)[code]
                parent = code if folder == "" else level.unit(code).parent
                strips[parent] = strips.get(parent, 0.0) + found[0] * area / 100
    checked = 0
    for code, total in sums.items():
        ours = float(oblasts[code]["area_km2"])
        apart = shapely.symmetric_difference(ne.geometry[code], outlines[code]).area / 1e6
        allowed = apart + strips.get(code, 0.0) + 0.05 * (raions["parent"] == code).sum()
        assert abs(total - ours) <= allowed, (code, total, ours, apart)
        checked += ours > 100
    assert checked >= 8  # Luhansk, Donetsk, Zaporizhzhia, Kherson, Crimea, Kharkiv, …
    # most of Ukraine's occupied ground is counted the same way by both
    assert abs(sums.sum() - sum(float(oblasts[c]["area_km2"]) for c in sums.index)) < 800


@needs_daily
def test_the_hromada_cells_give_a_direct_overlays_areas_on_real_days():
    index = load_level_index("hromada")
    series = DaySeries()
    for day in ("2024-07-08", "2024-07-09", "2026-08-22"):
        layers = read_control_file(DAILY / f"{day}.geojson", previous=series.layers)
        series.layers = layers
        shares = index.shares(layers, series)
        direct, slivers = index.occupied_m2_direct(index.project(layers.occupied))
        assert np.allclose(shares.occupied_km2, direct / 1e6, atol=1e-3)
        assert np.allclose(shares.sliver_km2, slivers / 1e6, atol=1e-3)


@needs_daily
def test_a_raion_from_its_units_equals_the_raion_polygon_measured_directly():
    """The raion level is computed as the sum of its hromada-level units: the area drawn
    inside each raion's own polygon, measured directly, is the same (the coast/border strips
    apart, which are added at both the same way)."""
    from mapkit.ingest.day import level_shares

    layers = read_control_file(NEW_YEAR)
    series = DaySeries()
    oblasts = load_level_index("oblast").shares(layers, series)
    shares = level_shares(layers, series, ["raion"], oblasts)["raion"]
    raions = load_boundaries(level="raion")
    assert tuple(raions["code"]) == shares.codes
    index = load_level_index("hromada")
    direct = shapely.area(shapely.intersection(
        np.asarray(shapely.make_valid(index.project(raions.geometry.values))),
        index.project(layers.occupied))) / 1e6
    assert np.allclose(shares.occupied_km2 - shares.sliver_km2, direct, atol=1e-3)
    assert np.allclose(shares.region_km2, raions["area_km2"], atol=0.1)
    assert 110_000 < direct.sum() < shares.occupied_km2.sum()


@needs_daily
def test_the_osm_coast_tolerance_covers_the_measured_mismatch():
    index = load_level_index("hromada")
    crimea = tuple(u.code for u in get_level("hromada").units if u.parent in ("UA-43", "UA-40"))
    distances = measure_shoreline_mismatch(index, read_control_file(NEW_YEAR).occupied, crimea)
    assert 1000 < distances.max() <= OSM_SHORELINE_TOLERANCE_M


@needs_daily
def test_each_file_is_read_and_projected_once_for_every_level(monkeypatch):
    from mapkit.ingest import areas, day

    reads, projected = [], []
    read, project = day.read_control_file, areas._Edges.projected
    monkeypatch.setattr(day, "read_control_file", lambda *a, **k: reads.append(a) or read(*a, **k))
    monkeypatch.setattr(areas._Edges, "projected",
                        classmethod(lambda cls, *a: projected.append(1) or project(*a)))
    snapshot = compute_snapshot(NEW_YEAR, levels=["oblast", "raion", "hromada"])
    assert set(snapshot.levels) == set(LEVELS)
    assert len(reads) == 1 and len(projected) == 1


@needs_daily
def test_compute_at_one_finer_level_writes_it_alone_and_skips_it_when_written(tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli, ["compute", str(NEW_YEAR), "--level", "hromada", "--out",
                                str(tmp_path), "--workers", "1"])
    assert first.exit_code == 0, first.output
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.csv")] == [
        "hromada/2026-01-01.csv"]
    assert f"hromada → {tmp_path}/hromada/" in first.output
    again = runner.invoke(cli, ["compute", str(NEW_YEAR), "--level", "hromada", "--out",
                                str(tmp_path), "--workers", "1"])
    assert "0 snapshot(s) written" in again.output and "1 skipped" in again.output
    more = runner.invoke(cli, ["compute", str(NEW_YEAR), "--level", "raion", "--level",
                               "hromada", "--out", str(tmp_path), "--workers", "1"])
    assert "1 snapshot(s) written" in more.output
    assert (tmp_path / "raion" / "2026-01-01.csv").is_file()


def test_the_committed_hromada_index_was_made_from_the_committed_boundaries():
    from mapkit.ingest.areas import CELL_SIZE_M
    from mapkit.ingest.region_index import LEVEL_TOLERANCE_M, index_path, read_index

    level = get_level("hromada")
    stored = read_index(LEVEL_TOLERANCE_M["hromada"], CELL_SIZE_M,
                        index_path(level.boundaries_path), level.boundaries_path)
    assert stored is not None, (
        f"{index_path(level.boundaries_path)} is missing or stale: rebuild it with "
        "`python -m mapkit.ingest.region_index`")
    assert stored["codes"] == level.codes
    index = load_level_index("raion")  # the raion level is computed on the hromadas' index
    assert index.index_note is None and index.codes == level.codes
    assert "regions" not in stored  # left out of the file; read when needed (outline())
    assert np.isclose(index.areas.sum() / 1e6, sum(u.area_km2 for u in level.units), rtol=1e-4)
