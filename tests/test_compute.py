"""Per-region percentages: exact answers on tiny squares, the coast/border rule, the real data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from mapkit.cli import cli
from mapkit.ingest.areas import (
    SHORELINE_TOLERANCE_M,
    AreaIndex,
    DaySeries,
    measure_shoreline_mismatch,
)
from mapkit.ingest.importers import read_control_file
from mapkit.ingest.region_index import load_region_index
from mapkit.snapshots import load_snapshots

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "deepstate"
needs_shared = pytest.mark.skipif(
    not (SHARED / "daily").is_dir(),
    reason="../shared/deepstate (real DeepStateMap files) is not beside this checkout")


def square_regions() -> gpd.GeoDataFrame:
    """Two 1°×1° regions side by side near 33°E 47°N."""
    return gpd.GeoDataFrame(
        {"code": ["UA-05", "UA-07"], "name_en": ["West", "East"], "name_uk": ["З", "С"],
         "kind": ["oblast"] * 2, "area_km2": [0.0, 0.0]},
        geometry=[dense(shapely.box(33, 47, 34, 48)), dense(shapely.box(34, 47, 35, 48))],
        crs="EPSG:4326")


def dense(shape):
    """Vertices every 0.01°, so projected edges follow parallels the same way everywhere."""
    return shapely.segmentize(shape, 0.01)


@pytest.fixture(scope="module")
def squares() -> AreaIndex:
    return AreaIndex.from_boundaries(square_regions(), cell_size=10_000)


def percents(index: AreaIndex, occupied_wgs84) -> np.ndarray:
    occ, _ = index.occupied_m2(index.project(occupied_wgs84))
    return 100 * occ / index.areas


def test_half_a_region_occupied_is_50_percent(squares):
    # the western half of the western square: a meridian split is exactly half the area
    result = percents(squares, dense(shapely.box(33, 47, 33.5, 48)))
    assert result[0] == pytest.approx(50.0, abs=0.01)
    assert result[1] == 0.0


def test_polygon_over_two_regions_is_split_by_area(squares):
    result = percents(squares, dense(shapely.box(33.5, 47, 34.5, 48)))
    assert result == pytest.approx([50.0, 50.0], abs=0.01)


def test_polygon_reaching_into_the_sea_counts_only_land(squares):
    result = percents(squares, shapely.box(32, 46, 36, 49))
    assert result == pytest.approx([100.0, 100.0])


def test_thin_strip_between_occupied_and_the_coast_counts_as_occupied(squares):
    # drawn to a coastline ~1 km inside ours (0.012° of latitude): the strip is mismatch
    drawn = dense(shapely.box(33.0, 47.012, 35.0, 48.0))
    result = percents(squares, drawn)
    assert result == pytest.approx([100.0, 100.0], abs=0.01)


def test_wide_free_strip_along_the_coast_stays_free(squares):
    # 0.1° ≈ 11 km of free land along the southern edge: real land, not mismatch
    drawn = dense(shapely.box(33.0, 47.1, 35.0, 48.0))
    result = percents(squares, drawn)
    expected = 100 * shapely.area(squares.project(dense(shapely.box(33, 47.1, 34, 48)))
                      ) / squares.areas
    assert result == pytest.approx(expected, abs=0.01)
    assert result[0] < 91.0


def test_small_free_island_inland_stays_free(squares):
    # a 2 km × 2 km free hole well inside the occupied area (a bridgehead, a Dnipro island)
    hole = shapely.box(33.5, 47.5, 33.5 + 0.0265, 47.5 + 0.018)
    occupied = dense(shapely.box(33, 47, 34, 48)).difference(hole)
    result = percents(squares, occupied)
    hole_pct = 100 * squares.project(hole).area / squares.areas[0]
    assert result[0] == pytest.approx(100 - hole_pct, abs=1e-6)
    assert hole_pct > 0.03


def test_cells_give_the_same_answer_as_the_direct_overlay(squares):
    shapes = [shapely.box(33.2, 47.012, 34.7, 47.9),
              shapely.Polygon([(33, 47), (35, 47.3), (34.2, 48), (33, 47)])]
    for shape in shapes:
        fast = squares.occupied_m2(squares.project(shape))
        direct = squares.occupied_m2_direct(squares.project(shape))
        assert fast[0] == pytest.approx(direct[0], rel=1e-6)
        assert fast[1] == pytest.approx(direct[1], rel=1e-6, abs=1.0)


def test_line_moving_over_whole_cells_gives_the_direct_answer_each_day():
    """Day after day on one index (as the timeline runs): cells swallowed whole or given back
    between two days, a hole opening and closing, the line returning to an earlier day's."""
    index = AreaIndex.from_boundaries(square_regions(), cell_size=10_000)
    series = DaySeries()
    hole = shapely.box(33.3, 47.3, 33.6, 47.6)
    days = [shapely.box(33.2, 47.2, 33.4, 47.4),
            shapely.box(33.1, 47.1, 34.9, 47.9),  # swallows dozens of cells at once
            shapely.box(33.1, 47.1, 34.9, 47.9).difference(hole),
            shapely.box(33.2, 47.2, 33.4, 47.4),
            shapely.MultiPolygon([shapely.box(33.2, 47.2, 33.4, 47.4),
                                  shapely.box(34.2, 47.05, 34.95, 47.95)]),
            shapely.box(33.1, 47.1, 34.9, 47.9)]
    for day in days:
        fast = index.occupied_m2(index.project(day), series)
        direct = index.occupied_m2_direct(index.project(day))
        assert fast[0] == pytest.approx(direct[0], rel=1e-6)


def test_day_by_day_from_lon_lat_projects_only_new_points_and_matches_the_direct_answer(
        monkeypatch):
    """The timeline's path: each day's WGS 84 polygon is matched against the day before and
    only new points are projected. Edges kept, moved, reversed; parts and holes coming and
    going; a day reverting to an earlier one; and a projected-path day in between."""
    import mapkit.ingest.areas

    projected_points = []
    project = mapkit.ingest.areas._project_xy
    monkeypatch.setattr(mapkit.ingest.areas, "_project_xy",
                        lambda xy: projected_points.append(len(xy)) or project(xy))
    index = AreaIndex.from_boundaries(square_regions(), cell_size=10_000)
    series = DaySeries()
    base = dense(shapely.box(33.1, 47.1, 34.9, 47.9))
    nudged = shapely.Polygon([(x + 0.05 if x > 34.5 and y < 47.5 else x, y)
                              for x, y in base.exterior.coords])
    hole = dense(shapely.box(33.3, 47.3, 33.6, 47.6))
    days = [base, nudged, nudged.difference(hole), shapely.reverse(nudged),
            shapely.MultiPolygon([dense(shapely.box(33.02, 47.02, 33.08, 47.08)), nudged]),
            base, "projected", nudged, shapely.Polygon()]
    for day in days:
        if day == "projected":  # a named-territory day goes the projected way
            index.occupied_m2(index.project(base), series)
            continue
        occ, sliver, projected = index.occupied_m2_wgs84(day, series)
        if day.is_empty:
            assert projected is None and not occ.any()
            continue
        reference = index.project(day)
        assert shapely.equals_exact(shapely.normalize(projected),
                                    shapely.normalize(shapely.MultiPolygon(
                                        shapely.get_parts(reference))), tolerance=0.0)
        direct = index.occupied_m2_direct(reference)
        assert occ == pytest.approx(direct[0], rel=1e-6)
        assert sliver == pytest.approx(direct[1], rel=1e-6, abs=1.0)
    points = shapely.get_num_coordinates(base)  # (each day's reference projects them all)
    assert projected_points[0] == points  # the first day: every point
    assert projected_points[2] < points / 4  # the next: the moved corner's points only


# --- the real data ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ukraine() -> AreaIndex:
    return load_region_index()


def shares_of(index, path, **kwargs):
    shares = index.shares(read_control_file(path, **kwargs))
    return dict(zip(shares.codes, shares.occupied_pct))


@needs_shared
def test_crimea_and_sevastopol_are_100_percent_every_way(ukraine):
    daily = shares_of(ukraine, SHARED / "daily" / "2025-03-17.geojson")
    first_dump = sorted((SHARED / "raw").glob("*.json"))[0]
    crimea_only = shares_of(ukraine, first_dump, date="2014-03-18", territories={"crimea"})
    for result in (daily, crimea_only):
        assert result["UA-43"] == pytest.approx(100.0, abs=0.005)
        assert result["UA-40"] == pytest.approx(100.0, abs=0.005)
    assert crimea_only["UA-09"] == 0.0 and crimea_only["UA-14"] == 0.0


@needs_shared
def test_el_pais_2025_03_17_all_of_luhansk_and_most_of_donetsk(ukraine):
    result = shares_of(ukraine, SHARED / "daily" / "2025-03-17.geojson")
    assert result["UA-09"] > 98.5  # "all of Luhansk"
    assert 60.0 <= result["UA-14"] <= 75.0  # El País: ~60 %; DeepStateMap's line: ~69 %
    assert 60.0 < result["UA-23"] < 80.0 and 60.0 < result["UA-65"] < 80.0  # partly occupied
    assert result["UA-30"] == 0.0 and result["UA-46"] == 0.0


@needs_shared
def test_kherson_was_mostly_occupied_in_summer_2022(ukraine):
    result = shares_of(ukraine, next((SHARED / "raw").glob("2022-07-03T*.json")))
    assert result["UA-65"] > 85.0


@needs_shared
def test_tolerance_covers_the_measured_crimean_coast_mismatch(ukraine):
    layers = read_control_file(SHARED / "daily" / "2025-03-17.geojson")
    distances = measure_shoreline_mismatch(ukraine, layers.occupied)
    assert 1000 < distances.max() <= SHORELINE_TOLERANCE_M


@needs_shared
def test_cells_match_direct_overlay_on_real_days(ukraine):
    for day in ("2024-07-08", "2026-08-22"):
        layers = read_control_file(SHARED / "daily" / f"{day}.geojson")
        projected = ukraine.project(layers.occupied)
        fast, _ = ukraine.occupied_m2(projected)
        direct, _ = ukraine.occupied_m2_direct(projected)
        assert np.allclose(100 * fast / ukraine.areas, 100 * direct / ukraine.areas, atol=0.01)


@needs_shared
def test_day_after_day_on_real_files_matches_the_direct_overlay():
    """The cached, incremental path as the timeline runs it — consecutive real days, then a
    jump back a year — equals the direct overlay every day, slivers included."""
    index = load_region_index()
    series = DaySeries()
    files = sorted((SHARED / "daily").glob("2025-05-*.geojson"))[:12]
    files += [SHARED / "daily" / "2024-05-01.geojson"] if (
        SHARED / "daily" / "2024-05-01.geojson").exists() else []
    files += sorted((SHARED / "daily").glob("2024-09-0*.geojson"))[:3]
    misses = []
    for path in files:
        layers = read_control_file(path)
        occupied, sliver, projected = index.occupied_m2_wgs84(layers.occupied, series)
        misses.append(series.stats["misses"])
        direct, direct_sliver = index.occupied_m2_direct(projected)
        assert np.allclose(100 * occupied / index.areas, 100 * direct / index.areas,
                           atol=0.01), path.name
        assert np.allclose(100 * sliver / index.areas, 100 * direct_sliver / index.areas,
                           atol=0.01), path.name
    # the cache did the work: the next eleven days together recompute far fewer cells than
    # the first day computed
    assert misses[11] - misses[0] < misses[0] / 2


# --- the command -----------------------------------------------------------------------------

def _day_file(folder: Path, day: str, box) -> Path:
    path = folder / f"{day}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(box)}]}))
    return path


def test_compute_command_writes_resumes_and_reports(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    _day_file(inputs, "2025-03-17", shapely.box(37.5, 47.5, 40.5, 50.5))  # eastern Ukraine
    _day_file(inputs, "2025-03-18", shapely.box(37.5, 47.5, 40.5, 50.5))
    (inputs / "2025-03-19.geojson").write_text("{broken")
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(cli, ["compute", str(inputs), "--out", str(out), "--workers", "1"])
    assert first.exit_code == 1
    assert "2 snapshot(s) written" in first.output
    assert "2025-03-19.geojson: not valid JSON" in first.output
    frame = load_snapshots([out])
    assert sorted(frame["date"].dt.strftime("%Y-%m-%d").unique()) == ["2025-03-17", "2025-03-18"]
    # Not DeepStateMap's own files: credited to the folder they came from, with no link, and
    # the summary says so.
    assert set(frame["method"]) == {"computed"} and set(frame["source"]) == {"in"}
    assert set(frame["source_url"]) == {""}
    assert "source: 'in' — the input's name" in first.output and "--source NAME" in first.output
    luhansk = frame[(frame["region"] == "UA-09") & (frame["date"] == "2025-03-17")]
    assert luhansk["percent"].iloc[0] > 50
    assert frame[frame["region"] == "UA-46"]["percent"].max() == 0.0
    again = runner.invoke(cli, ["compute", str(inputs / "2025-03-17.geojson"),
                                str(inputs / "2025-03-18.geojson"), "--out", str(out)])
    assert again.exit_code == 0
    assert "0 snapshot(s) written" in again.output and "2 skipped" in again.output
    forced = runner.invoke(cli, ["compute", str(inputs / "2025-03-17.geojson"), "--out",
                                 str(out), "--force"])
    assert "1 snapshot(s) written" in forced.output
    assert not list(out.glob(".*.tmp"))


def test_compute_command_rejects_missing_input(tmp_path):
    result = CliRunner().invoke(cli, ["compute", str(tmp_path / "nope.geojson"), "--out",
                                      str(tmp_path)])
    assert result.exit_code == 2
    assert "nope.geojson: no such file or folder" in result.output


def test_committed_timeline_is_valid_and_spans_2014_to_2026():
    folder = ROOT / "data" / "control_snapshots" / "deepstate"
    frame = load_snapshots([folder])
    dates = frame["date"].dt.strftime("%Y-%m-%d")
    assert dates.min() == "2014-03-18" and dates.max() >= "2026-08-01"
    assert "2022-02-23" in set(dates)
    crimea = frame[frame["region"] == "UA-43"]["percent"]
    assert crimea.min() == 100.0
    before = frame[(dates == "2022-02-23") & (frame["region"] == "UA-09")]["percent"].iloc[0]
    assert 20.0 < before < 45.0  # ORDLO: about a third of Luhansk oblast


def test_source_name_with_commas_and_quotes_survives_the_csv(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    _day_file(inputs, "2025-03-17", shapely.box(37.5, 47.5, 40.5, 50.5))
    source = 'ISW, "evening" update\nsecond line'
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["compute", str(inputs), "--out", str(out),
                                      "--source", source, "--workers", "1"])
    assert result.exit_code == 0, result.output
    frame = load_snapshots([out])
    assert set(frame["source"]) == {source}
    assert len(frame) == 28  # the 27 regions and UA, the whole country


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_compute_shows_a_progress_bar_on_a_terminal_only(tmp_path, monkeypatch):
    from mapkit.cli import _progress_bar

    inputs = tmp_path / "in"
    inputs.mkdir()
    for day in ("2025-03-17", "2025-03-18"):
        _day_file(inputs, day, shapely.box(37.5, 47.5, 40.5, 50.5))
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    bar = _progress_bar("computing", "file")
    bar.total = 2
    bar.update(2)
    bar.close()
    assert "computing: 100%" in terminal.getvalue() and "2/2" in terminal.getvalue()
    monkeypatch.undo()
    result = CliRunner().invoke(cli, ["compute", str(inputs), "--out", str(tmp_path / "o"),
                                      "--workers", "1"])
    assert result.exit_code == 0 and "computing" not in result.output  # not a terminal


# --- one file, and a series of days --------------------------------------------------------------

def test_a_file_and_its_bytes_give_the_same_validated_rows(tmp_path, ukraine):
    from mapkit.ingest.day import compute_snapshot

    path = _day_file(tmp_path, "2025-03-17", shapely.box(37.5, 47.5, 40.5, 50.5))
    from_file = compute_snapshot(path, index=ukraine)
    from_bytes = compute_snapshot("2025-03-17.geojson", data=path.read_bytes(), index=ukraine)
    assert from_file.date.isoformat() == "2025-03-17"
    assert from_file.rows.cells == from_bytes.rows.cells and len(from_file.rows.cells) == 28
    frame = from_bytes.rows.frame()
    assert frame.set_index("region").loc["UA-46", "percent"] == 0.0
    assert set(frame["method"]) == {"computed"} and set(frame["source"]) == {"2025-03-17"}


def test_an_unreadable_file_is_a_snapshot_error_naming_it(tmp_path, ukraine):
    from mapkit.ingest.day import compute_snapshot
    from mapkit.snapshots import SnapshotError

    with pytest.raises(SnapshotError) as caught:
        compute_snapshot("front.geojson", data=b"{broken", index=ukraine)
    assert [p.file for p in caught.value.problems] == ["front.geojson"]
    assert str(caught.value).startswith("front.geojson: not valid JSON")


def test_the_region_index_never_changes_once_built(ukraine):
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        ukraine.cells = ()


@needs_shared
def test_days_in_a_series_give_the_bytes_of_days_computed_alone(ukraine):
    """Reusing the day before (identical files, moved lines, a jump back) changes no byte."""
    from mapkit.ingest.day import compute_snapshot

    files = sorted((SHARED / "daily").glob("2025-05-*.geojson"))[:8]
    files += [files[0], files[0]]  # a jump back, then the very same file again
    series = DaySeries()
    for path in files:
        in_series = compute_snapshot(path, index=ukraine, series=series)
        alone = compute_snapshot(path, index=ukraine)
        assert in_series.rows.csv() == alone.rows.csv(), path.name
    assert series.stats["hits"] > series.stats["misses"]
