"""ISW/CTP's assessed-control layer as a second computed series (issue 19, points 1 and 5).

The importer recognises ISW/CTP's own files and credits them with their link; the bundled
series (data/control_snapshots/isw/) is what scripts/build_isw.py computes from ../shared/isw,
shows what is known of 2022, and never displaces DeepStateMap as the default series; every
output that shows ISW/CTP's figures, as the map or beside it, credits ISW/CTP.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from mapkit.constants import SNAPSHOTS_DIR
from mapkit.figures import build_timeline, default_series, list_series
from mapkit.ingest.day import compute_snapshot
from mapkit.ingest.importers import read_control_file
from mapkit.publish import render_export
from mapkit.publish.bidi import without_controls
from mapkit.snapshots import COLUMNS, load_snapshots

ROOT = Path(__file__).resolve().parents[1]
SHARED_ISW = ROOT.parent / "shared" / "isw"
needs_isw = pytest.mark.skipif(
    not SHARED_ISW.is_dir(),
    reason="../shared/isw (real ISW/CTP assessed-control files) is not beside this checkout")

ISW = "ISW/CTP"
ISW_URL = "https://www.understandingwar.org"
CONTROL_LAYER = "VIEW_RussiaCoTinUkraine (assessed Russian control of terrain)"


def _square(lon: float, lat: float, side: float = 0.2) -> dict:
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side],
            [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def _rows(snapshot) -> dict[str, dict[str, str]]:
    return {cells[1]: dict(zip(COLUMNS, cells)) for cells in snapshot.rows.cells}


# --- the importer -------------------------------------------------------------------------------


@needs_isw
def test_an_isw_file_is_credited_to_isw_ctp_with_its_link_and_keeps_its_own_date():
    snapshot = compute_snapshot(SHARED_ISW / "2022-03-15.geojson")
    rows = _rows(snapshot)
    assert snapshot.date.isoformat() == "2022-03-15"  # the assessment's day: no shift
    assert {r["source"] for r in rows.values()} == {ISW}
    assert {r["source_url"] for r in rows.values()} == {ISW_URL}
    assert float(rows["UA-32"]["percent"]) > 10  # Kyiv Oblast, in the northern occupation


@needs_isw
def test_the_same_polygons_without_isws_layer_name_are_not_credited_to_it(tmp_path):
    document = json.loads((SHARED_ISW / "2022-03-15.geojson").read_text(encoding="utf-8"))
    for feature in document["features"]:
        feature["properties"] = {}
    mine = tmp_path / "my_lines_2022-03-15.geojson"
    mine.write_text(json.dumps(document), encoding="utf-8")
    theirs = _rows(compute_snapshot(SHARED_ISW / "2022-03-15.geojson"))
    ours = _rows(compute_snapshot(mine))
    assert {r["source"] for r in ours.values()} == {"my_lines_2022-03-15"}
    assert {r["source_url"] for r in ours.values()} == {""}
    assert [r["percent"] for r in ours.values()] == [r["percent"] for r in theirs.values()]


def test_isws_other_layers_are_left_out_and_listed(tmp_path):
    # A copy holding several of ISW's layers: only assessed control is control.
    path = _write(tmp_path / "20230824.geojson", [
        _feature(_square(37.6, 47.9), layer="VIEW_RussiaCoTinUkraine_V3"),  # Donetsk
        _feature(_square(36.2, 49.9), layer="VIEW_ClaimedRussianTerritoryinUkraine_V2"),
        _feature(_square(35.0, 48.5), layer="MDS_AssessedRussianAdvanceInUkraine_view"),
    ])
    layers = read_control_file(path)
    assert layers.maker == ISW and layers.date.isoformat() == "2023-08-24"
    snapshot = compute_snapshot(path)
    rows = _rows(snapshot)
    assert float(rows["UA-14"]["percent"]) > 0  # Donetsk: the assessed-control square
    assert float(rows["UA-63"]["percent"]) == 0  # Kharkiv: claimed, not assessed
    assert float(rows["UA-12"]["percent"]) == 0  # Dnipropetrovsk: an advance, not control
    assert rows["UA-14"]["contested_percent"] == ""  # ISW's layer has no grey zone
    warning = " ".join(snapshot.warnings)
    assert "other than ISW/CTP's assessed Russian control" in warning
    assert "ClaimedRussianTerritory" in warning and "AssessedRussianAdvance" in warning


def test_isws_claimed_control_alone_is_not_taken_for_its_assessed_control(tmp_path):
    path = _write(tmp_path / "2022-05-01.geojson", [
        _feature(_square(36.2, 49.9), layer="MayRussianClaimedCoTinUkraine")])
    assert read_control_file(path).maker is None  # a user's file: all of it counts, no credit


# --- the bundled series -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_snapshots()


@pytest.fixture(scope="module")
def isw(bundled) -> pd.DataFrame:
    rows = bundled[bundled["source"] == ISW].copy()
    rows["day"] = rows["date"].astype(str)
    return rows


def test_isw_ctp_is_bundled_from_the_first_day_of_the_invasion(isw):
    days = sorted(isw["day"].unique())
    assert (days[0], days[-1], len(days)) == ("2022-02-24", "2023-08-24", 107)
    # every day of the invasion's first weeks, when DeepStateMap's timeline has no map
    assert {f"2022-03-{d:02d}" for d in range(1, 32)} <= set(days)
    assert set(isw["method"]) == {"computed"} and set(isw["source_url"]) == {ISW_URL}
    assert isw.groupby("day")["region"].nunique().eq(28).all()  # 27 regions and UA
    assert (isw["contested_percent"].isna()).all()  # no grey zone in ISW's layer


def _percent(isw: pd.DataFrame, day: str, region: str) -> float:
    row = isw[(isw["day"] == day) & (isw["region"] == region)]
    assert len(row) == 1, f"no ISW/CTP figure for {region} on {day}"
    return float(row["percent"].iloc[0])


def test_isw_ctp_series_shows_what_is_known_of_2022(isw):
    # Crimea: all of it, but for the strip between ISW's coastline and ours (97–99 %)
    crimea = isw[isw["region"] == "UA-43"]["percent"].astype(float)
    assert crimea.min() >= 97 and crimea.max() <= 100
    # the northern occupation in March 2022
    assert _percent(isw, "2022-03-15", "UA-32") > 10  # Kyiv Oblast
    assert _percent(isw, "2022-03-15", "UA-74") > 30  # Chernihiv
    assert _percent(isw, "2022-03-15", "UA-59") > 40  # Sumy
    assert _percent(isw, "2022-04-10", "UA-32") == 0  # after the withdrawal
    # Kherson mostly occupied in summer 2022, until the withdrawal of November
    summer = isw[(isw["region"] == "UA-65") & isw["day"].between("2022-06-01", "2022-08-31")]
    assert summer["percent"].astype(float).min() > 85
    assert _percent(isw, "2022-11-20", "UA-65") < 80
    # Kharkiv: the September 2022 counter-offensive
    assert _percent(isw, "2022-09-04", "UA-63") > 25 > 5 > _percent(isw, "2022-10-09", "UA-63")


def test_deepstatemap_stays_the_default_series_and_isw_ctp_can_be_shown(bundled):
    assert default_series(bundled) == "DeepStateMap" == list_series(bundled)[0]
    assert list_series(bundled)[1] == ISW  # the second computed series
    timeline = build_timeline(bundled, source=ISW)
    assert timeline.first_date.isoformat() == "2022-02-24" and len(timeline.dates) == 107
    assert {cell.source for frame in timeline.cells for cell in frame} == {ISW}


@needs_isw
def test_the_bundled_snapshots_are_what_the_build_script_computes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_isw", ROOT / "scripts/build_isw.py")
    build_isw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_isw)
    shared = tmp_path / "shared"
    (shared / "isw").mkdir(parents=True)
    names = ("2022-02-24.geojson", "2022-03-23.geojson", "2023-08-24.geojson")
    for name in names:
        (shared / "isw" / name).symlink_to(SHARED_ISW / name)
    out = tmp_path / "isw"
    assert build_isw.main(["--shared", str(shared), "--out", str(out), "--workers", "1"]) == 0
    for name in names:
        csv_name = name.replace(".geojson", ".csv")
        assert (out / csv_name).read_bytes() == (SNAPSHOTS_DIR / "isw" / csv_name).read_bytes()


# --- attribution --------------------------------------------------------------------------------


def _embed_data(page: str) -> dict:
    return json.loads(re.search(r'id="mk-data">(.*?)</script>', page, re.S).group(1))


def test_a_map_of_isw_ctp_credits_it_in_the_embed_png_and_csv(bundled, drawn_texts):
    options = {"date": "2022-03-15", "source": ISW}
    page = render_export("embed", bundled, **options).decode()
    # names from the data are isolated (U+2068 … U+2069) from the text around them
    assert "Source: ISW/CTP (computed from mapped areas of control)" in without_controls(page)
    assert _embed_data(page)["provenance"]["sources"] == [
        {"name": ISW, "url": ISW_URL, "method": "computed"}]

    png = Image.open(io.BytesIO(render_export("png", bundled, **options)))
    assert "Source: ISW/CTP (computed from mapped areas of control)" in drawn_texts
    assert f"ISW/CTP <{ISW_URL}>" in png.text["Description"]

    rows = list(csv.DictReader(io.StringIO(render_export("csv", bundled, **options).decode())))
    assert {(r["source"], r["source_url"], r["series"]) for r in rows} == {(ISW, ISW_URL, ISW)}
    kyiv = next(r for r in rows if r["region"] == "UA-32")
    assert kyiv["map_date"] == kyiv["figure_date"] == "2022-03-15"
    assert float(kyiv["percent"]) > 10


def test_isw_ctp_figures_beside_deepstatemaps_are_credited_where_they_are_shown(bundled):
    options = {"date_from": "2022-05-08", "date_to": "2022-05-08"}  # a map of DeepStateMap
    kherson = _percent(bundled.assign(day=bundled["date"].astype(str))
                       .query("source == @ISW"), "2022-05-08", "UA-65")
    page = render_export("embed", bundled, **options).decode()
    data = _embed_data(page)
    assert data["series"] == "DeepStateMap"
    assert "beside it, in the tooltips: ISW/CTP" in without_controls(page)
    assert {"name": ISW, "url": ISW_URL, "method": "computed"} in \
        data["provenance"]["sources_beside"]

    rows = list(csv.DictReader(io.StringIO(render_export("csv", bundled, **options).decode())))
    row = next(r for r in rows if r["region"] == "UA-65")
    assert row["source"] == "DeepStateMap"
    assert f"ISW/CTP ({ISW_URL}) 2022-05-08: {kherson:g}" in row["other_sources"]

    # A print map shows no figure beside its own, so it credits only its own source.
    png = Image.open(io.BytesIO(render_export("png", bundled, date="2022-05-08")))
    assert ISW not in png.text["Description"]
