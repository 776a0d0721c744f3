"""Rebuild the bundled ISW/CTP series in data/control_snapshots/isw/ from ../shared/isw.

    python scripts/build_isw.py [--shared ../shared] [--out data/control_snapshots/isw]

One CSV per file of ``../shared/isw/`` (ISW/CTP's assessed-control layer, 24 February 2022 to 24
August 2023: daily to 10 April 2022, then each Sunday and each 1st of the month), 27 regions and
the row ``UA`` each (and the same dates at the raion and hromada levels, in ``raion/`` and
``hromada/``: each file read once for the three levels), method "computed", source "ISW/CTP"
with its link: the importer recognises the files as ISW/CTP's own
(``mapkit.ingest.importers.is_isw_format``), and the script stops if any is not, rather than
bundle figures credited to a file name. Each snapshot is dated by the day the assessment
describes (the file's date; no shift, unlike DeepStateMap's daily files). The areas are measured
exactly as DeepStateMap's are (docs/methodology.md): the regions in our boundaries with the
coast/border rule, the row ``UA`` as the polygons are drawn, over Ukraine's official 603,628
km². Nothing is tuned to any published figure.

The folder is emptied first, so the result depends on ../shared/isw and the boundaries only;
the same input gives the same bytes. Afterwards the script prints, for the dates both series
hold, how far ISW/CTP's figures are from the bundled DeepStateMap series', region by region
(the table in docs/methodology.md, "ISW/CTP beside DeepStateMap"); it fits nothing to them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapkit.ingest.day import SOURCE_RECOGNISED  # noqa: E402
from mapkit.ingest.importers import ISW  # noqa: E402
from mapkit.ingest.region_index import load_region_index  # noqa: E402
from mapkit.ingest.runner import compute_timeline  # noqa: E402
from mapkit.levels import LEVEL_NAMES  # noqa: E402
from mapkit.snapshots import level_folder, load_snapshots  # noqa: E402

SNAPSHOTS = ROOT / "data/control_snapshots"


#: The periods the comparison is summed up over: the withdrawal from the north and its
#: aftermath, the summer of 2022, the counter-offensives of autumn 2022, the summer of 2023.
PERIODS = (("Apr 2022", "2022-04-01", "2022-04-30"), ("May–Aug 2022", "2022-05-01", "2022-08-31"),
           ("Sep–Nov 2022", "2022-09-01", "2022-11-30"), ("May–Aug 2023", "2023-05-01",
                                                          "2023-08-31"))


def compare_with_deepstate(isw_dir: Path, deepstate_dir: Path) -> list[str]:
    """A Markdown table: per region, ISW/CTP minus DeepStateMap in percentage points on the
    dates both series hold, per period: the mean and, in brackets, the smallest and the
    largest difference. Regions where the two never differ are left out."""
    import pandas as pd

    from mapkit.levels import get_level
    from mapkit.regions import COUNTRY

    isw = load_snapshots([isw_dir])
    deepstate = load_snapshots([deepstate_dir])
    key = ["date", "region"]
    both = isw[key + ["percent"]].merge(deepstate[key + ["percent"]], on=key,
                                        suffixes=("_isw", "_dsm"))
    both["day"] = both["date"].astype(str)
    both["pp"] = (pd.to_numeric(both["percent_isw"], errors="coerce")
                  - pd.to_numeric(both["percent_dsm"], errors="coerce"))
    both = both.dropna(subset=["pp"])
    names = {COUNTRY.code: COUNTRY.name_en, **{r.code: r.name_en for r in get_level().units}}
    head, rule = ["region"], ["---"]
    for label, first, last in PERIODS:
        days = both.loc[both["day"].between(first, last), "day"].nunique()
        head.append(f"{label} ({days} dates)")
        rule.append("---:")
    lines = [f"| {' | '.join(head)} |", f"| {' | '.join(rule)} |"]
    for code, rows in sorted(both.groupby("region"), key=lambda item: item[0] != COUNTRY.code):
        if rows["pp"].abs().max() < 0.005:
            continue
        cells = [names.get(code, code)]
        for _label, first, last in PERIODS:
            pp = rows.loc[rows["day"].between(first, last), "pp"]
            cells.append("" if pp.empty else
                         f"{pp.mean():+.2f} ({pp.min():+.2f} … {pp.max():+.2f})")
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def outline_check(files: list[Path], raions: Path) -> list[str]:
    """How much of what ISW/CTP draws lies beyond our regions' outline (Natural Earth), and how
    much of that lies beyond Ukraine's outline in OpenStreetMap too (its raions, with our
    Sevastopol; they keep the lagoons, estuaries and reservoirs Natural Earth leaves out): the
    row UA counts the polygons as drawn, and this says what "as drawn" adds."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from mapkit.boundaries import load_boundaries
    from mapkit.ingest.importers import read_control_file

    index = load_region_index()
    sevastopol = load_boundaries().set_index("code").geometry["UA-40"]
    osm = shapely.union_all(np.r_[shapely.make_valid(gpd.read_file(raions).geometry.values),
                                  [sevastopol]])
    osm = index.project(osm)
    rows = []
    for path in files:
        drawn = index.project(read_control_file(path).occupied)
        beyond = shapely.difference(drawn, index.ukraine)
        outside = shapely.difference(beyond, osm)
        rows.append((path.stem, drawn.area / 1e6, beyond.area / 1e6, outside.area / 1e6))
    lines = ["date        drawn km²  beyond our outline km²  of it beyond OSM's Ukraine km² (pp)"]
    for day, drawn, beyond, outside in rows:
        lines.append(f"{day}  {drawn:9,.0f}  {beyond:22,.0f}  {outside:8,.0f} "
                     f"({100 * outside / 603_628:.3f})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=SNAPSHOTS / "isw")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--check-outline", action="store_true",
                        help="also measure the drawn area beyond our outline against "
                             "OpenStreetMap's outline of Ukraine (../shared/boundaries/osm)")
    args = parser.parse_args(argv)
    isw_dir = args.shared / "isw"
    files = sorted(isw_dir.glob("*.geojson"))
    if not files:
        print(f"error: {isw_dir} holds no ISW/CTP files (*.geojson); they are needed.",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for level in LEVEL_NAMES:
        for old in level_folder(args.out, level).glob("*.csv"):
            old.unlink()

    summary = compute_timeline(files, args.out, source=None, force=True,
                               workers=args.workers, index=load_region_index(),
                               levels=LEVEL_NAMES)
    print("\n".join(summary.lines()))
    if summary.failed:
        return 1
    if set(summary.sources) != {(ISW, SOURCE_RECOGNISED)}:
        print(f"error: not every file was recognised as {ISW}'s own (credited: "
              f"{sorted(summary.sources)}); nothing should be bundled under another name.",
              file=sys.stderr)
        for level in LEVEL_NAMES:
            for old in level_folder(args.out, level).glob("*.csv"):
                old.unlink()
        return 1
    print("ISW/CTP − DeepStateMap, percentage points, on the dates both series hold: mean "
          "(smallest … largest)")
    print("\n".join(compare_with_deepstate(args.out, SNAPSHOTS / "deepstate")))
    raions = args.shared / "boundaries/osm/raions.geojson"
    if args.check_outline and raions.is_file():
        print("\n".join(outline_check(files, raions)))
    elif args.check_outline:
        print(f"note: {raions} is missing; no outline check.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
