"""Importing front-line polygon files: layer names, geometry clean-up, dates, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from mapkit.ingest.importers import (
    Category,
    PolygonFileError,
    classify_layer,
    classify_layer_name,
    date_from_filename,
    read_control_file,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "deepstate"
needs_shared = pytest.mark.skipif(
    not (SHARED / "raw").is_dir(),
    reason="../shared/deepstate (real DeepStateMap dumps) is not beside this checkout")

OCC, C, L, X, N = (Category.OCCUPIED, Category.CONTESTED, Category.LIBERATED, Category.OUTSIDE,
                 Category.OTHER)

# Real layer names, copied from the 211 raw dumps in ../shared/deepstate/raw/, one per
# convention and quirk (non-breaking spaces, newlines, typos, damaged bytes, free text).
REAL_NAMES = [
    # 2022 spring: Ukrainian only
    ("Окуповано", OCC),
    ("ОРДЛО", OCC),
    ("Крим", OCC),
    ("Окупований Крим", OCC),
    ("Острів Тузла", OCC),
    ("Захоплено", OCC),
    ("Ізюм. Окуповано\xa0", OCC),
    ("Окуповані Циркуни", OCC),
    ("Рубіжне. Території зайняті ворогом", OCC),
    ("Під питанням", C),
    ("Сіра зона", C),
    ("Ситуація невідома", C),
    ("Нам достеменно невідомо, що тут. Тут можуть бути орки, а можуть не бути", C),
    ("Звільнено", L),
    ("звільнено 26.03.2022", L),
    ("Звільнено 16.03-17.03", L),
    ("Під контролем ЗСУ", L),
    ("Орки відсутні 30.03", L),
    ("Ворога відкинуто\n", L),
    ("Придністров'я", X),
    # mid 2022 on: Ukrainian /// English, with typos and stray whitespace
    ("Окуповано /// Occupied", OCC),
    ("Окуповано/// Occupied\n", OCC),
    ("Окуповано\xa004.04 та 21.04 /// Occupied 04.04 and 21.04\n\n", OCC),
    ("ОРДЛО /// CADR and CALR\n", OCC),
    ("Окупований Крим /// Occupied Crimea", OCC),
    ("Острів Тузла /// Occupied Tuzla Island", OCC),
    ("Сєвєродонецьк. Території, які окуповано /// Sieverodonetsk. Territories under "
     "occupation\n", OCC),
    ("Під питанням /// Contested\n", C),
    ("Під питанням /// In doubt", C),
    ("Під питанням /// Contensed\n", C),
    ("Під питанням /// Contenesed\n", C),
    ("28.05 Під питанням /// 26.05 Contested", C),
    ("Статус невідомий /// Unknown status\n", C),
    ("Звільнено /// Liberated\n", L),
    ("Звільнено\xa026.03-31.03 /// Liberated\xa026.03-31.03", L),
    ("Звільнено 16.04 /// Taken back16.04", L),
    ("Звільнено /// Recaptured\n", L),
    ("Сєвєродонецьк. Території, відбиті у орків.\n\n/// Sieverodonetsk. Recaptured "
     "territories.\n", L),
    ("Ок\ufffd\ufffdповано /// Occupied", OCC),  # damaged bytes in the Ukrainian part
    ("\ufffd\ufffdвільнено /// Taken back", L),
    # outside Ukraine, though named "occupied"
    ("Придністров'я ///\xa0Transnistria", X),
    ("Окупована Абхазія /// Occupied Abkhazia\n", X),
    ("Окупований Цхінвальський район\n///\nOccupied Tskhinvali district\n", X),
    ("Тимчасово окупована територія Карелії.\n///\nThe temporarily occupied territory of "
     "Karelia.\n", X),
    ("Окупована область Петсамо /// Occupied Petsamo\n", X),
    ("Тимчасово окупована східна Пруссія.\n///\nEast Prussia is temporarily occupied.", X),
    ("Окуповані Південні Курильські острови.\n///\nOccupied Southern Kuril islands.\n", X),
    ("Аннексовані території Латвії /// Annexed from Latvia territories\n", X),
    ("Тимчасово окупована територія республіки Ічкерія./// The temporarily occupied territory "
     "of the Republic of Ichkeria.", X),
    # 2024 on: status keys
    ("Окуповано /// Occupied\xa0/// geoJSON.status.occupied\n", OCC),
    ("ОРДЛО /// CADR and CALR\xa0/// geoJSON.territories.ordlo", OCC),
    ("Окупований Крим /// Occupied Crimea\xa0/// geoJSON.territories.crimea", OCC),
    ("Статус невідомий /// Unknown status\xa0/// geoJSON.status.unknown\n", C),
    ("Стат\ufffd\ufffdс невідомий /// Unknown status /// geoJSON.status.unknown", C),
    ("Звільнено 25.03 /// Liberated 25.03\xa0/// geoJSON.status.dismissed_at {{at:25.03}}", L),
    ("Зміїний ///\xa0Snake Island /// geoJSON.zmiinyi_island", L),
    ("Окупована область Салла\n///\nOccupied Salla\n/// geoJSON.territories.salla\n", X),
    ("Придністров'я/// Transnistria /// geoJSON.territories.transnistria", X),
    # no status in the name
    ("Багатокутник 21", N),
    ("24.03", N),
    ("", N),
]


@pytest.mark.parametrize(("name", "expected"), REAL_NAMES)
def test_every_real_layer_name_is_classified(name, expected):
    assert classify_layer_name(name) is expected


def test_unknown_name_is_never_occupied_even_with_occupied_words_elsewhere():
    assert classify_layer_name("Фронт 12.03") is Category.OTHER
    assert classify_layer_name("geoJSON.status.something_new") is Category.OTHER
    assert classify_layer_name("geoJSON.territories.hokkaido") is Category.OTHER


def test_status_less_names_use_the_fill_colour_and_say_so():
    category, note = classify_layer("Багатокутник 11", "#a52714")
    assert category is Category.OCCUPIED
    assert "fill #a52714" in note
    assert classify_layer("Зміїний", "#0f9d58")[0] is Category.LIBERATED
    # an unknown free-text name keeps "other" whatever its colour
    assert classify_layer("Позиції 3-ї бригади", "#a52714") == (Category.OTHER, None)


@pytest.mark.parametrize(("name", "iso"), [
    ("2024-07-08.geojson", "2024-07-08"),
    ("2022-04-03T123328Z.json", "2022-04-03"),
    ("deepstatemap_data_20240708.geojson", "2024-07-08"),
])
def test_date_from_file_name(name, iso):
    assert date_from_filename(name).isoformat() == iso


# --- tiny files --------------------------------------------------------------------------------

def _square(x, y, size=1.0, z=False):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return [[*p, 0.0] for p in ring] if z else ring


def _write(tmp_path, name, features, **extra):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def _feature(geometry, **properties):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_raw_dump_layers_are_split_by_name_and_outside_layers_dropped(tmp_path):
    path = _write(tmp_path, "2022-05-15T120000Z.json", [
        _feature({"type": "Point", "coordinates": [33, 47, 0]}, name="Аеродром"),
        _feature({"type": "Polygon", "coordinates": [_square(33, 47, z=True)]},
                 name="Окуповано /// Occupied"),
        _feature({"type": "Polygon", "coordinates": [_square(35, 47)]},
                 name="Під питанням /// Contested\n"),
        _feature({"type": "Polygon", "coordinates": [_square(29, 46.5)]},
                 name="Придністров'я ///\xa0Transnistria"),
        _feature({"type": "Polygon", "coordinates": [_square(37, 47)]}, name="Щось нове"),
    ])
    layers = read_control_file(path)
    assert layers.date.isoformat() == "2022-05-15"
    assert layers.occupied.area == pytest.approx(1.0)
    assert not shapely.has_z(layers.occupied)
    assert layers.contested.area == pytest.approx(1.0)
    assert layers.layer_counts == {"occupied": 1, "contested": 1, "outside": 1, "other": 1}
    assert len(layers.warnings) == 1 and "'Щось нове'" in layers.warnings[0]
    assert path.name in layers.warnings[0]


def test_geometry_collection_polygons_count(tmp_path):
    collection = {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [33.5, 47.5, 0]},
        {"type": "Polygon", "coordinates": [_square(33, 47, z=True)]},
        {"type": "LineString", "coordinates": [[33, 47, 0], [34, 48, 0]]},
        {"type": "Polygon", "coordinates": [_square(34, 47, z=True)]},
    ]}
    path = _write(tmp_path, "2022-06-01T150901Z.json",
                  [_feature(collection, name="Окуповано /// Occupied")])
    layers = read_control_file(path)
    assert layers.occupied.area == pytest.approx(2.0)
    assert not shapely.has_z(layers.occupied)


def test_invalid_polygon_is_repaired_and_reported(tmp_path):
    bowtie = [[33, 47], [34, 48], [34, 47], [33, 48], [33, 47]]  # self-intersecting
    path = _write(tmp_path, "2025-01-01.geojson",
                  [_feature({"type": "Polygon", "coordinates": [bowtie]})])
    layers = read_control_file(path)
    assert layers.repaired == 1
    assert layers.occupied.is_valid
    assert layers.occupied.area == pytest.approx(0.5)
    assert "1 invalid polygon(s) repaired" in layers.notes


def test_projected_file_is_reprojected(tmp_path):
    # a 10 km square in Web Mercator around 33°E 47°N
    x, y = 3673543.0, 5942074.0
    ring = [[x, y], [x + 10000, y], [x + 10000, y + 10000], [x, y + 10000], [x, y]]
    path = _write(tmp_path, "front_2025-03-17.geojson",
                  [_feature({"type": "Polygon", "coordinates": [ring]})],
                  crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}})
    layers = read_control_file(path)
    minx, miny, maxx, maxy = layers.occupied.bounds
    assert 32.9 < minx < 33.1 and 46.9 < miny < 47.1
    assert any("reprojected" in note for note in layers.notes)


def test_date_comes_from_flag_then_property_then_name(tmp_path):
    path = _write(tmp_path, "2025-01-01.geojson",
                  [_feature({"type": "Polygon", "coordinates": [_square(33, 47)]},
                            date="2025-02-02")])
    assert read_control_file(path).date.isoformat() == "2025-02-02"
    assert read_control_file(path, date="2025-03-03").date.isoformat() == "2025-03-03"


def test_geopackage_is_read(tmp_path):
    geopandas = pytest.importorskip("geopandas")
    frame = geopandas.GeoDataFrame(
        {"date": ["2025-03-17"]}, geometry=[shapely.box(33, 47, 34, 48)], crs="EPSG:4326")
    path = tmp_path / "areas.gpkg"
    frame.to_file(path)
    layers = read_control_file(path)
    assert layers.date.isoformat() == "2025-03-17"
    assert layers.occupied.area == pytest.approx(1.0)


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
     '"geometry": {"type": "Point", "coordinates": [33, 47]}}]}', "no polygons to import"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
     '"geometry": {"type": "Polygon", "coordinates": [[[1, 2]]]}}]}', "cannot be read"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
     '"geometry": {"type": "Polygon", "coordinates": [[[3000000, 5000000], [3100000, 5000000], '
     '[3100000, 5100000], [3000000, 5000000]]]}}]}', "not longitude/latitude"),
])
def test_bad_files_fail_with_a_message_naming_the_file(tmp_path, content, message):
    path = tmp_path / "2025-01-01.geojson"
    path.write_text(content)
    with pytest.raises(PolygonFileError) as error:
        read_control_file(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize("parser", ["simdjson", "orjson"])
@pytest.mark.parametrize("depth", [600, 100_000])
def test_deeply_nested_geojson_fails_with_a_message_not_a_crash(tmp_path, monkeypatch, parser,
                                                                depth):
    from mapkit.ingest import importers

    if parser == "orjson":
        monkeypatch.setattr(importers, "simdjson", None)
    elif importers.simdjson is None:
        pytest.skip("pysimdjson is not installed")
    square = json.dumps({"type": "Polygon", "coordinates": [_square(33, 47)]})
    path = tmp_path / "2025-01-01.geojson"
    path.write_text('{"type": "GeometryCollection", "geometries": [' * depth + square
                    + "]}" * depth)
    with pytest.raises(PolygonFileError, match="nested too deeply") as error:
        read_control_file(path)
    assert str(path) in str(error.value)


def test_geometry_collections_nested_a_few_hundred_deep_are_still_read(tmp_path):
    square = json.dumps({"type": "Polygon", "coordinates": [_square(33, 47)]})
    path = tmp_path / "2025-01-01.geojson"
    path.write_text('{"type": "GeometryCollection", "geometries": [' * 300 + square
                    + "]}" * 300)
    assert read_control_file(path).occupied.area == pytest.approx(1.0)


def test_file_without_a_date_asks_for_one(tmp_path):
    path = _write(tmp_path, "front.geojson",
                  [_feature({"type": "Polygon", "coordinates": [_square(33, 47)]})])
    with pytest.raises(PolygonFileError, match="--date YYYY-MM-DD"):
        read_control_file(path)


# --- the real dumps ----------------------------------------------------------------------------

@needs_shared
def test_every_polygon_name_in_the_real_dumps_is_known():
    unknown = set()
    for path in sorted((SHARED / "raw").glob("*.json")):
        for feature in json.loads(path.read_text())["features"]:
            geometry = feature.get("geometry") or {}
            if geometry.get("type") in ("Polygon", "MultiPolygon", "GeometryCollection"):
                properties = feature["properties"]
                category, _ = classify_layer(properties.get("name", ""), properties.get("fill"))
                if category is Category.OTHER:
                    unknown.add(properties.get("name"))
    assert unknown == set()


@needs_shared
def test_summer_2022_geometry_collections_keep_kherson_occupied():
    # in 2022 the main occupied layer is a GeometryCollection; skipping it would lose Kherson
    path = next((SHARED / "raw").glob("2022-07-03T*.json"))
    layers = read_control_file(path)
    kherson_city_left_bank = shapely.Point(33.0, 46.6)  # Oleshky area
    assert layers.occupied.contains(kherson_city_left_bank)
    assert layers.layer_counts["outside"] >= 1
