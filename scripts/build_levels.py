"""Build the raion and hromada levels from OpenStreetMap: data/raions.geojson, data/hromadas.geojson
and their unit tables data/raions.csv, data/hromadas.csv; and the compute engine's index of
the hromada level, data/hromadas_index.bin (:mod:`mapkit.ingest.region_index`); and the
browser's simplified copies, data/raions_web.topojson and data/hromadas_web.topojson
(:mod:`mapkit.web_geometry`).

Reproducible: ``python scripts/build_levels.py`` reads ``../shared/boundaries/osm/`` (or
``--osm DIR``) and the oblast outlines (``data/oblasts.geojson``, for Sevastopol) and writes the
same bytes every time. It prints what it mends and the hierarchy check (raions against the
oblasts, hromadas against the raions). Needs shapely ≥ 2.1 on GEOS ≥ 3.12 (coverage
simplification; the bundled files were made with shapely 2.2 on GEOS 3.14, and another GEOS may
simplify differently) and ``translitua`` (``pip install -e ".[build]"``).

OpenStreetMap data © OpenStreetMap contributors, available under the Open Database License
(ODbL 1.0); the files written here are derived databases under the same licence
(data/LICENSE-boundaries.md).

What the two levels are, and what this script mends (docs/data.md, "Raions and hromadas"):

- **Raions**: the 136 raions of the 2020 reform (Crimea's 10 as Ukrainian law names them),
  Kyiv city and Sevastopol: 138 units. Sevastopol is not in the OSM extract: it is the part of
  the oblast file's Crimea and Sevastopol that no raion covers, in the piece that holds the
  oblast file's Sevastopol (OSM's Crimean raions stop at the real city border, which runs east
  of Natural Earth's).
- **Hromadas**: the 1,466 hromadas in the extract, each clipped to its raion (the raion is the
  parent; a hromada's stray part in a neighbouring raion or the sea is dropped), plus a unit
  wherever there is no hromada: Crimea's 10 raions, Sevastopol, Kyiv city, and, in a raion its
  hromadas do not cover, the uncovered rest ("… Raion, outside hromadas"): three hromadas
  missing from the extract (Chop, Kozyn, Vylkove) and land and water no hromada holds (the
  Chornobyl Exclusion Zone, estuaries and Danube lakes). Uncovered pieces under
  :data:`SLIVER_KM2` that share a border with a hromada of the raion are digitising gaps and
  join the hromada with the longest shared border. So each level tiles the same ground: the
  hromada units of a raion add up to the raion exactly, and percentages add up.
- **Overlaps** (a few km² where two OSM outlines overlap) go to one unit: between raions, to the
  raion whose hromadas cover the piece; between hromadas, to the smaller one (so the unit that
  gives it up changes by the smaller share).
- **Simplified on a shared topology**: every unit of the hromada level is simplified together
  (:data:`SIMPLIFY_TOLERANCE_DEG`, GEOS coverage simplification, which keeps shared borders
  shared), and the raions are the unions of their hromada units, so the levels nest exactly.
  Coordinates are kept to :data:`COORDINATE_DECIMALS` decimals.
- **Names**: ``name_uk`` is OSM's ``name:uk`` (else ``name``); ``name_en`` is ``name_uk``
  romanised by the official system (Cabinet of Ministers of Ukraine resolution No. 55 of
  27 January 2010, via ``translitua``), with the kind translated: "Pokrovskyi Raion",
  "Pokrovska Urban Hromada", "Bilozerska Settlement Hromada", "Balakliivska Rural Hromada".

``--oblasts-out PATH`` also writes oblast outlines dissolved from the raions (+ Sevastopol), in
the oblast file's format: the comparison of docs/methodology.md ("How close to DeepState's own
figures") was made with it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapkit.constants import BOUNDARIES_PATH, DATA_DIR  # noqa: E402
from mapkit.files import write_atomically  # noqa: E402
from mapkit.regions import CITY, region_by_code  # noqa: E402

OSM_DIR = ROOT.parent / "shared" / "boundaries" / "osm"
RAIONS_FILE, HROMADAS_FILE = "raions.geojson", "hromadas.geojson"

#: Coordinates are snapped to this many decimals (1e-6° ≈ 0.1 m) before any overlay, so every
#: unit's vertices sit on one grid and neighbours' shared borders stay identical.
COORDINATE_DECIMALS = 6
GRID = 10.0 ** -COORDINATE_DECIMALS
#: Coverage simplification tolerance in degrees (≈ 44 m north–south, 30 m east–west): well
#: under the precision a front line is drawn with; no unit's area moves by more than 0.06 %
#: (printed by the build).
SIMPLIFY_TOLERANCE_DEG = 4e-4
#: Uncovered pieces of a raion smaller than this (km²) that touch one of its hromadas are gaps
#: between two digitised borders, not land outside the hromadas: the largest found is 0.7 km²,
#: the smallest real uncovered area 6.4 km² (a lyman of Odesa raion).
SLIVER_KM2 = 1.0

#: KATOTTG's first-level digits (after "UA") → ISO 3166-2:UA. The registers number them
#: differently: Crimea is 01 (ISO 43), Luhansk 44 (ISO 09), Chernivtsi 73 (ISO 77), the two
#: cities 80 and 85 (ISO 30 and 40); the others share their number.
KATOTTG_TO_ISO = {
    "01": "UA-43", "05": "UA-05", "07": "UA-07", "12": "UA-12", "14": "UA-14", "18": "UA-18",
    "21": "UA-21", "23": "UA-23", "26": "UA-26", "32": "UA-32", "35": "UA-35", "44": "UA-09",
    "46": "UA-46", "48": "UA-48", "51": "UA-51", "53": "UA-53", "56": "UA-56", "59": "UA-59",
    "61": "UA-61", "63": "UA-63", "65": "UA-65", "68": "UA-68", "71": "UA-71", "73": "UA-77",
    "74": "UA-74", "80": "UA-30", "85": "UA-40",
}
KYIV_CODE = "UA80000000000093317"  # KATOTTG of the city of Kyiv
SEVASTOPOL_CODE = "UA85000000000065278"  # KATOTTG of the city of Sevastopol

#: Crimea's raions as the Verkhovna Rada's resolution No. 807-IX (17 July 2020) names them:
#: the build refuses an extract that names them otherwise.
CRIMEA_RAIONS_BY_LAW = (
    "Бахчисарайський район", "Білогірський район", "Джанкойський район",
    "Євпаторійський район", "Керченський район", "Курманський район", "Перекопський район",
    "Сімферопольський район", "Феодосійський район", "Ялтинський район",
)

#: Ukrainian kind word(s) ending a unit's name → (``kind``, the English words for it).
KINDS = {
    "район": ("raion", "Raion"),
    "міська громада": ("urban hromada", "Urban Hromada"),
    "селищна громада": ("settlement hromada", "Settlement Hromada"),
    "сільська громада": ("rural hromada", "Rural Hromada"),
}
#: A raion's area outside its hromadas (see the module docstring).
OUTSIDE_KIND = "outside hromadas"
OUTSIDE_SUFFIX_UK, OUTSIDE_SUFFIX_EN = ", поза громадами", ", outside hromadas"
OUTSIDE_CODE_SUFFIX = "-rest"

GEOD = Geod(ellps="WGS84")
CSV_COLUMNS = ("code", "name_en", "name_uk", "kind", "parent", "raion", "area_km2")
LICENCE = {
    "attribution": "© OpenStreetMap contributors",
    "license": "ODbL 1.0 (Open Database License)",
    "license_url": "https://opendatacommons.org/licenses/odbl/1-0/",
    "source_url": "https://www.openstreetmap.org/copyright",
}


@dataclass
class Unit:
    """One unit of a level: its table row and its geometry."""

    code: str
    name_uk: str
    name_en: str
    kind: str
    parent: str  # the oblast's ISO 3166-2 code
    raion: str  # the raion's code (a raion's own code at the raion level)
    geometry: shapely.Geometry


def say(text: str) -> None:
    print(text, flush=True)


# --- names ------------------------------------------------------------------------------------

def romanise(text: str) -> str:
    """Ukrainian → Latin by the official system (KMU resolution No. 55, 2010): zgh for зг,
    word-initial Ye/Yi/Y/Yu/Ya for є ї й ю я, soft sign and apostrophe dropped."""
    from translitua import UkrainianKMU, translit

    return translit(text, UkrainianKMU)


def check_tools() -> None:
    """Fail at once, with what to install, rather than after a minute of work."""
    try:
        import translitua  # noqa: F401
    except ImportError:
        raise SystemExit('translitua is missing: pip install -e ".[build]"') from None
    if shapely.geos_version < (3, 12, 0) or not hasattr(shapely, "orient_polygons"):
        raise SystemExit(f"needs shapely >= 2.1 on GEOS >= 3.12 (coverage simplification); "
                         f"found shapely {shapely.__version__}, GEOS {shapely.geos_version}")


def kind_and_english(name_uk: str) -> tuple[str, str]:
    """``(kind, name_en)`` of a raion or hromada from its Ukrainian name."""
    for words, (kind, english) in KINDS.items():
        if name_uk.endswith(" " + words):
            stem = name_uk[: -len(words) - 1]
            return kind, f"{romanise(stem)} {english}"
    raise SystemExit(f"unexpected unit name {name_uk!r}: it ends with none of {list(KINDS)}")


# --- geometry ---------------------------------------------------------------------------------

def area_km2(geometry) -> float:
    """Area on the WGS 84 ellipsoid, as data/oblasts.geojson states its regions' areas
    (rings oriented first: pyproj adds signed ring areas)."""
    return abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(geometry))[0]) / 1e6


def polygonal(geometry):
    """The polygon parts of an overlay result (lines and points where outlines touch dropped)."""
    parts = [part for part in shapely.get_parts(geometry)
             if part.geom_type == "Polygon" and not part.is_empty]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def snapped(geometries) -> np.ndarray:
    return shapely.set_precision(shapely.make_valid(np.asarray(geometries)), GRID)


def read_osm(folder: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict]:
    frames, digests = [], {}
    for name, expected in ((RAIONS_FILE, 137), (HROMADAS_FILE, 1466)):
        path = folder / name
        if not path.exists():
            raise SystemExit(f"{path}: not found. Give the folder of the OSM extract with --osm "
                             "(../shared/boundaries/osm/, see its README).")
        frame = gpd.read_file(path)
        missing = {"katotth", "name"} - set(frame.columns)
        if missing:
            raise SystemExit(f"{path}: missing properties {sorted(missing)}")
        if len(frame) != expected or frame["katotth"].duplicated().any():
            raise SystemExit(f"{path}: expected {expected} features with distinct 'katotth', "
                             f"found {len(frame)}")
        frame["name_uk"] = frame.get("name:uk", frame["name"]).fillna(frame["name"])
        frame["geometry"] = snapped(frame.geometry.values)
        frames.append(frame.sort_values("katotth").reset_index(drop=True))
        digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return frames[0], frames[1], digests


def resolve_raion_overlaps(raions: gpd.GeoDataFrame, hromadas: gpd.GeoDataFrame) -> list[str]:
    """Give each piece where two raions overlap to the raion whose hromadas cover more of it."""
    geoms = raions.geometry.values.copy()
    report = []
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    for i, j in zip(left, right):
        if i >= j:
            continue
        piece = polygonal(shapely.intersection(geoms[i], geoms[j], grid_size=GRID))
        if piece.is_empty:
            continue
        covered = []
        for k in (i, j):
            mine = hromadas[hromadas["katotth"].str[:6] == raions["katotth"].iloc[k][:6]]
            covered.append(shapely.intersection(piece, shapely.union_all(mine.geometry.values))
                           .area if len(mine) else 0.0)
        owner, loser = (i, j) if covered[0] >= covered[1] else (j, i)
        geoms[loser] = polygonal(shapely.difference(geoms[loser], piece, grid_size=GRID))
        report.append(f"{area_km2(piece):.2f} km² where {raions['katotth'].iloc[i]} and "
                      f"{raions['katotth'].iloc[j]} overlap → {raions['katotth'].iloc[owner]} "
                      "(its hromadas cover it)")
    raions["geometry"] = geoms
    return report


def sevastopol(raions: gpd.GeoDataFrame, oblasts: gpd.GeoDataFrame):
    """Sevastopol: the oblast file's Crimea and Sevastopol less every raion, in the piece(s)
    that overlap the oblast file's Sevastopol."""
    by_code = oblasts.set_index("code").geometry
    city = snapped([by_code["UA-40"]])[0]
    peninsula = shapely.union(snapped([by_code["UA-43"]])[0], city, grid_size=GRID)
    crimea = raions[raions["katotth"].str.startswith("UA01")].geometry.values
    rest = polygonal(shapely.difference(peninsula, shapely.union_all(crimea, grid_size=GRID),
                                        grid_size=GRID))
    pieces = [p for p in shapely.get_parts(rest)
              if shapely.intersection(p, city, grid_size=GRID).area > 0]
    return polygonal(shapely.union_all(pieces, grid_size=GRID))


def partition_raion(raion: str, outline, hromadas: list[tuple[str, str, object]],
                    report: dict) -> tuple[dict, object]:
    """The raion's hromadas clipped to it and made disjoint (the smaller keeps an overlap), the
    slivers between them given to a neighbour; returns ``({code: geometry}, rest)``."""
    pieces: dict[str, object] = {}
    taken = None
    # smallest first: where two overlap, the smaller keeps the piece, which changes the larger
    # by the smaller share
    for code, _name, geometry in sorted(hromadas, key=lambda h: (area_km2(h[2]), h[0])):
        inside = polygonal(shapely.intersection(geometry, outline, grid_size=GRID))
        report["outside_raion_km2"] += area_km2(shapely.difference(geometry, outline,
                                                                   grid_size=GRID))
        if taken is not None:
            overlap = polygonal(shapely.intersection(inside, taken, grid_size=GRID))
            if not overlap.is_empty:
                report["overlaps"].append(f"{area_km2(overlap):.2f} km² of {code} also in a "
                                          "smaller hromada, left there")
                inside = polygonal(shapely.difference(inside, taken, grid_size=GRID))
        pieces[code] = inside
        taken = inside if taken is None else shapely.union(taken, inside, grid_size=GRID)
    rest = polygonal(shapely.difference(outline, taken, grid_size=GRID))
    kept = []
    for part in shapely.get_parts(rest) if not rest.is_empty else []:
        size = area_km2(part)
        shared = {code: shapely.length(shapely.intersection(shapely.boundary(part), geometry,
                                                            grid_size=GRID))
                  for code, geometry in pieces.items()}
        neighbour = max(shared, key=lambda code: (shared[code], code)) if shared else None
        if size < SLIVER_KM2 and neighbour is not None and shared[neighbour] > 0:
            pieces[neighbour] = polygonal(shapely.union(pieces[neighbour], part, grid_size=GRID))
            report["slivers_km2"] += size
        else:
            kept.append(part)
    return pieces, polygonal(shapely.union_all(kept, grid_size=GRID)) if kept else None


def match_shared_edges(geoms: np.ndarray, codes: list[str]) -> np.ndarray:
    """Give neighbours identical vertices along their shared borders (an overlay puts a node on
    one side only), so that the units form a valid coverage; the areas do not change."""
    geoms = geoms.copy()
    tree = shapely.STRtree(geoms)
    for _ in range(3):
        invalid = [i for i, edges in enumerate(shapely.coverage_invalid_edges(geoms))
                   if not edges.is_empty]
        if not invalid:
            return geoms
        for i in invalid:
            neighbours = [j for j in tree.query(geoms[i]) if j != i]
            geoms[i] = polygonal(shapely.difference(geoms[i], shapely.union_all(geoms[neighbours]),
                                                    grid_size=GRID))
    bad = [codes[i] for i, e in enumerate(shapely.coverage_invalid_edges(geoms)) if not e.is_empty]
    raise SystemExit(f"units still do not share their borders exactly: {bad}")


# --- the build --------------------------------------------------------------------------------

def build(osm_dir: Path, oblasts_path: Path) -> tuple[list[Unit], list[Unit], dict]:
    say(f"[1/6] reading {osm_dir} and {oblasts_path}")
    raions, hromadas, digests = read_osm(osm_dir)
    oblasts = gpd.read_file(oblasts_path)
    crimea = sorted(raions.loc[raions["katotth"].str.startswith("UA01"), "name_uk"])
    if tuple(crimea) != tuple(sorted(CRIMEA_RAIONS_BY_LAW)):
        raise SystemExit(f"Crimea's raions are not named as Ukrainian law names them: {crimea}")
    hromadas["geometry"] = hromadas.geometry.values  # already snapped and valid
    report: dict = {"overlaps": [], "outside_raion_km2": 0.0, "slivers_km2": 0.0,
                    "osm_coverage": {}}

    say("[2/6] raions: overlaps between neighbours")
    report["raion_overlaps"] = resolve_raion_overlaps(raions, hromadas)
    for line in report["raion_overlaps"]:
        say(f"      {line}")

    say("[3/6] Sevastopol from the oblast outline")
    city = sevastopol(raions, oblasts)
    say(f"      {area_km2(city):.1f} km² (oblast file: "
        f"{float(oblasts.set_index('code').loc['UA-40', 'area_km2']):.1f}, official "
        f"{region_by_code('UA-40').official_area_km2:.0f})")

    say("[4/6] hromadas within each raion")
    by_raion: dict[str, list] = {}
    for row in hromadas.itertuples():
        by_raion.setdefault(row.katotth[:6], []).append((row.katotth, row.name_uk, row.geometry))
    level2: list[Unit] = []  # raions
    level3: list[Unit] = []  # hromadas and what stands in for them
    for row in tqdm(list(raions.itertuples()), desc="      raions", unit=" raion",
                    file=sys.stdout, ncols=80):
        code, outline = row.katotth, row.geometry
        parent = KATOTTG_TO_ISO[code[2:4]]
        if code == KYIV_CODE:
            city_region = region_by_code(parent)
            unit = Unit(code, city_region.name_uk, city_region.name_en, CITY, parent, code,
                        outline)
        else:
            kind, name_en = kind_and_english(row.name_uk)
            unit = Unit(code, row.name_uk, name_en, kind, parent, code, outline)
        level2.append(unit)
        members = by_raion.get(code[:6], [])
        if not members:
            level3.append(unit)
            continue
        report["osm_coverage"][code] = (
            area_km2(shapely.intersection(outline, shapely.union_all([m[2] for m in members]),
                                          grid_size=GRID)), area_km2(outline))
        pieces, rest = partition_raion(code, outline, members, report)
        for member_code, name_uk, _ in members:
            kind, name_en = kind_and_english(name_uk)
            level3.append(Unit(member_code, name_uk, name_en, kind, parent, code,
                               pieces[member_code]))
        if rest is not None:
            level3.append(Unit(code + OUTSIDE_CODE_SUFFIX, unit.name_uk + OUTSIDE_SUFFIX_UK,
                               unit.name_en + OUTSIDE_SUFFIX_EN, OUTSIDE_KIND, parent, code,
                               rest))
    sev_region = region_by_code("UA-40")
    sev = Unit(SEVASTOPOL_CODE, sev_region.name_uk, sev_region.name_en, CITY, "UA-40",
               SEVASTOPOL_CODE, city)
    level2.append(sev)
    level3.append(sev)
    level2.sort(key=lambda u: u.code)
    level3.sort(key=lambda u: u.code)

    say(f"[5/6] shared borders and simplification ({SIMPLIFY_TOLERANCE_DEG}°)")
    codes = [u.code for u in level3]
    exact = match_shared_edges(np.array([u.geometry for u in level3], dtype=object), codes)
    if not shapely.coverage_is_valid(exact):
        raise SystemExit("the hromada level is not a valid coverage before simplifying")
    simple = shapely.coverage_simplify(exact, SIMPLIFY_TOLERANCE_DEG)
    if not (shapely.is_valid(simple).all() and shapely.coverage_is_valid(simple)):
        raise SystemExit("simplifying broke the coverage; lower SIMPLIFY_TOLERANCE_DEG")
    before = np.array([area_km2(g) for g in exact])
    after = np.array([area_km2(g) for g in simple])
    report["simplify"] = (int(shapely.get_num_coordinates(exact).sum()),
                          int(shapely.get_num_coordinates(simple).sum()),
                          float(np.max(np.abs(after / before - 1))))
    for unit, geometry in zip(level3, simple):
        unit.geometry = shapely.normalize(geometry)
    by_raion_units: dict[str, list] = {}
    for unit in level3:
        by_raion_units.setdefault(unit.raion, []).append(unit.geometry)
    for unit in level2:
        unit.geometry = shapely.normalize(shapely.coverage_union_all(by_raion_units[unit.code]))
    report["digests"] = digests
    return level2, level3, report


# --- checks -----------------------------------------------------------------------------------

def hierarchy_lines(raions: list[Unit], hromadas: list[Unit], oblasts: gpd.GeoDataFrame,
                    report: dict) -> list[str]:
    """What the build prints about how the levels fit (the figures docs/data.md quotes)."""
    lines = []
    s_before, s_after, worst = report["simplify"]
    lines.append(f"simplified: {s_before:,} → {s_after:,} vertices; largest change of a unit's "
                 f"area {100 * worst:.3f} %")
    lines.append(f"raion overlaps resolved: {len(report['raion_overlaps'])}; hromada overlaps: "
                 f"{len(report['overlaps'])} ({'; '.join(report['overlaps']) or 'none'})")
    lines.append(f"hromada parts outside their raion, dropped: "
                 f"{report['outside_raion_km2']:.2f} km²; slivers given to a neighbour: "
                 f"{report['slivers_km2']:.2f} km²")
    covered = report["osm_coverage"]
    total = sum(a for a, _ in covered.values()), sum(b for _, b in covered.values())
    lines.append(f"OSM hromadas cover {100 * total[0] / total[1]:.2f} % of the {len(covered)} "
                 f"raions that have hromadas ({total[1] - total[0]:,.1f} km² uncovered)")
    for unit in hromadas:
        if unit.kind == OUTSIDE_KIND:
            share = covered[unit.raion]
            lines.append(f"  {unit.code}  {unit.name_en:<48} {area_km2(unit.geometry):8.1f} km²"
                         f"  (hromadas cover {100 * share[0] / share[1]:.1f} % of the raion)")
    # hromadas against raions: exact by construction; checked all the same
    by_raion: dict[str, list] = {}
    for unit in hromadas:
        by_raion.setdefault(unit.raion, []).append(unit.geometry)
    worst_gap = max(area_km2(shapely.symmetric_difference(
        raion.geometry, shapely.union_all(by_raion[raion.code]))) for raion in raions)
    lines.append(f"hromada units against their raion: largest difference {worst_gap:.4f} km² "
                 f"({len(hromadas)} units in {len(raions)} raions)")
    # raions against the oblasts
    lines.append("raions against the oblasts of " + str(BOUNDARIES_PATH.name) + ":")
    lines.append("  oblast           raions km²   oblast km²   diff    least inside (raion)")
    oblast_geom = oblasts.set_index("code").geometry
    oblast_area = oblasts.set_index("code")["area_km2"]
    for code in sorted(oblast_geom.index):
        mine = [u for u in raions if u.parent == code]
        area = sum(area_km2(u.geometry) for u in mine)
        inside = [(area_km2(shapely.intersection(u.geometry, oblast_geom[code]))
                   / area_km2(u.geometry), u) for u in mine]
        share, least = min(inside, key=lambda pair: pair[0])
        lines.append(f"  {code} {region_by_code(code).name_en:<16} {area:9.1f}  "
                     f"{oblast_area[code]:11.1f}  {100 * (area / oblast_area[code] - 1):+5.1f} %"
                     f"  {100 * share:5.1f} % ({least.name_en})")
    return lines


# --- writing ----------------------------------------------------------------------------------

def rounded(geometry) -> dict:
    """GeoJSON geometry with coordinates rounded to the grid (shortest decimal form)."""
    mapping = json.loads(shapely.to_geojson(geometry))

    def walk(value):
        if isinstance(value, list) and value and isinstance(value[0], float):
            return [round(v, COORDINATE_DECIMALS) for v in value]
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    mapping["coordinates"] = walk(mapping["coordinates"])
    return mapping


def properties(unit: Unit, level: str) -> dict:
    row = {"code": unit.code, "name_en": unit.name_en, "name_uk": unit.name_uk,
           "kind": unit.kind, "parent": unit.parent}
    if level == "hromada":
        row["raion"] = unit.raion
    row["area_km2"] = round(area_km2(unit.geometry), 1)
    return row


def feature_collection(units: list[Unit], level: str, metadata: dict) -> str:
    """One feature a line, so that a rebuild's diff shows which units changed."""
    features = [json.dumps({"type": "Feature", "properties": properties(unit, level),
                            "geometry": rounded(unit.geometry)},
                           ensure_ascii=False, separators=(",", ":")) for unit in units]
    head = json.dumps({"type": "FeatureCollection", "metadata": metadata}, ensure_ascii=False,
                      separators=(",", ":"))[:-1]
    return head + ',"features":[\n' + ",\n".join(features) + "\n]}\n"


def unit_table(units: list[Unit], level: str) -> str:
    columns = [c for c in CSV_COLUMNS if level == "hromada" or c != "raion"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for unit in units:
        writer.writerow(properties(unit, level))
    return out.getvalue()


def metadata(level: str, count: int, digests: dict, oblasts_path: Path) -> dict:
    return {
        "level": level,
        "units": count,
        "source": "OpenStreetMap administrative boundaries (admin_level 6 raions and Kyiv, "
                  "7 hromadas), as collected in github.com/darmat1/ukraine-geo-data; "
                  f"Sevastopol from {oblasts_path.name}"
                  + (" (Natural Earth)" if oblasts_path.resolve() == BOUNDARIES_PATH else ""),
        **LICENCE,
        "source_sha256": {name: digests[name] for name in sorted(digests)},
        "built_by": "scripts/build_levels.py",
        "simplify_tolerance_deg": SIMPLIFY_TOLERANCE_DEG,
        "coordinate_decimals": COORDINATE_DECIMALS,
        "changes": "clipped to nest (hromadas in raions), overlaps given to one unit, gaps made "
                   "units or given to a neighbour, simplified on a shared topology; names "
                   "romanised by the national system of 2010 (KMU resolution No. 55)",
    }


def oblast_collection(raions: list[Unit]) -> str:
    """Oblast outlines dissolved from the raions, in data/oblasts.geojson's format."""
    features = []
    for code in sorted({u.parent for u in raions}):
        geometry = shapely.normalize(shapely.coverage_union_all(
            [u.geometry for u in raions if u.parent == code]))
        region = region_by_code(code)
        features.append({"type": "Feature", "properties": {
            "code": code, "name_en": region.name_en, "name_uk": region.name_uk,
            "kind": region.kind, "area_km2": round(area_km2(geometry), 1)},
            "geometry": rounded(geometry)})
    return json.dumps({"type": "FeatureCollection", "features": features,
                       "metadata": {"built_by": "scripts/build_levels.py --oblasts-out",
                                    **LICENCE}}, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=OSM_DIR,
                        help="folder with raions.geojson and hromadas.geojson from OSM")
    parser.add_argument("--oblasts", type=Path, default=BOUNDARIES_PATH,
                        help="oblast outlines: Sevastopol's, and the hierarchy check")
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR, help="where to write")
    parser.add_argument("--oblasts-out", type=Path,
                        help="also write oblast outlines dissolved from the raions here")
    args = parser.parse_args(argv)

    check_tools()
    raions, hromadas, report = build(args.osm, args.oblasts)
    say("[6/6] writing")
    written = []
    for level, units, name in (("raion", raions, RAIONS_FILE), ("hromada", hromadas,
                                                                 HROMADAS_FILE)):
        meta = metadata(level, len(units), report["digests"], args.oblasts)
        path = args.out_dir / name
        write_atomically(path, feature_collection(units, level, meta))
        table = path.with_suffix(".csv")
        write_atomically(table, unit_table(units, level))
        written += [path, table]
    if args.oblasts_out:
        write_atomically(args.oblasts_out, oblast_collection(raions))
        written.append(args.oblasts_out)
    # the compute engine's index of the hromada level (the raion level is computed on it too)
    from mapkit.ingest.region_index import LEVEL_TOLERANCE_M, write_index

    written.append(write_index(args.out_dir / HROMADAS_FILE, LEVEL_TOLERANCE_M["hromada"],
                               [unit.code for unit in hromadas], with_outline=False))
    # the browser's light copies, simplified on their shared borders (mapkit.web_geometry)
    from mapkit.web_geometry import WEB_GEOMETRY_PATHS, write_web_geometry

    for level, name in (("raion", RAIONS_FILE), ("hromada", HROMADAS_FILE)):
        written.append(write_web_geometry(args.out_dir / WEB_GEOMETRY_PATHS[level].name,
                                          args.out_dir / name, level=level))
    for path in written:
        say(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    kinds: dict[str, int] = {}
    for unit in hromadas:
        kinds[unit.kind] = kinds.get(unit.kind, 0) + 1
    say(f"{len(raions)} raion units; {len(hromadas)} hromada units: "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())))
    for line in hierarchy_lines(raions, hromadas, gpd.read_file(args.oblasts), report):
        say(line)


if __name__ == "__main__":
    main()
