"""Rebuild the bundled ISW/CTP series in data/control_snapshots/isw/ from ../shared/isw.

    python scripts/build_isw.py [--shared ../shared] [--out data/control_snapshots/isw]

One CSV per file of ``../shared/isw/`` (ISW/CTP's assessed-control layer, 24 February 2022 to
24 August 2023: daily to 10 April 2022, then each Sunday and each 1st of the month), 27 regions
and the row ``UA`` each, method "computed", source "ISW/CTP" with its link: the importer
recognises the files as ISW/CTP's own (``mapkit.ingest.importers.is_isw_format``), and the
script stops if any is not, rather than bundle figures credited to a file name. Each snapshot
is dated by the day the assessment describes (the file's date; no shift, unlike DeepStateMap's
daily files). The areas are measured exactly as DeepStateMap's are (docs/methodology.md): the
regions in our boundaries with the coast/border rule, the row ``UA`` as the polygons are drawn,
over Ukraine's official 603,628 km². Nothing is tuned to any published figure.

The folder is emptied first, so the result depends on ../shared/isw and the boundaries only;
the same input gives the same bytes. Afterwards the script prints, for the dates both series
hold, how far ISW/CTP's figures are from the bundled DeepStateMap series', region by region
(the table in docs/methodology.md, "ISW/CTP beside DeepStateMap").
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
from mapkit.snapshots import load_snapshots  # noqa: E402

SNAPSHOTS = ROOT / "data/control_snapshots"


def compare_with_deepstate(isw_dir: Path, deepstate_dir: Path) -> list[str]:
    """Lines of a table: per region, ISW/CTP minus DeepStateMap in percentage points over the
    dates both series hold (mean, the smallest and the largest), and how many dates."""
    import pandas as pd

    isw = load_snapshots([isw_dir])
    deepstate = load_snapshots([deepstate_dir])
    key = ["date", "region"]
    both = isw[key + ["percent"]].merge(deepstate[key + ["percent"]], on=key,
                                        suffixes=("_isw", "_dsm"))
    both = both[pd.to_numeric(both["percent_isw"], errors="coerce").notna()
                & pd.to_numeric(both["percent_dsm"], errors="coerce").notna()]
    both["pp"] = both["percent_isw"].astype(float) - both["percent_dsm"].astype(float)
    dates = sorted(both["date"].astype(str).unique())
    lines = [f"ISW/CTP − DeepStateMap, pp, on the {len(dates)} dates both hold "
             f"({dates[0]} … {dates[-1]}):" if dates else "no date in both series",
             f"{'region':8} {'mean':>7} {'min':>7} {'max':>7}"]
    for region, pp in both.groupby("region")["pp"]:
        if pp.abs().max() >= 0.005:
            lines.append(f"{region:8} {pp.mean():+7.2f} {pp.min():+7.2f} {pp.max():+7.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=SNAPSHOTS / "isw")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    isw_dir = args.shared / "isw"
    files = sorted(isw_dir.glob("*.geojson"))
    if not files:
        print(f"error: {isw_dir} holds no ISW/CTP files (*.geojson); they are needed.",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.csv"):
        old.unlink()

    summary = compute_timeline(files, args.out, source=None, force=True,
                               workers=args.workers, index=load_region_index())
    print("\n".join(summary.lines()))
    if summary.failed:
        return 1
    if set(summary.sources) != {(ISW, SOURCE_RECOGNISED)}:
        print(f"error: not every file was recognised as {ISW}'s own (credited: "
              f"{sorted(summary.sources)}); nothing should be bundled under another name.",
              file=sys.stderr)
        for old in args.out.glob("*.csv"):
            old.unlink()
        return 1
    print("\n".join(compare_with_deepstate(args.out, SNAPSHOTS / "deepstate")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
