"""Rebuild the committed DeepStateMap timeline in data/control_snapshots/deepstate/ from ../shared.

    python scripts/build_timeline.py [--shared ../shared] [--out data/control_snapshots/deepstate]

What it writes (one CSV per date, 27 regions each, method "computed", source "DeepStateMap"):

* 2014-03-18 — Crimea (and Tuzla) as DeepStateMap draws it: its Crimea layer, taken from the
  earliest raw dump (2022-04-03), dated to the annexation.
* 2022-02-23 — the line before the full-scale invasion: DeepStateMap's ORDLO ("certain areas of
  Donetsk and Luhansk oblasts") and Crimea layers from that same dump.
* one snapshot per ISO week from the raw dumps (2022-04 → 2024-07-06), with contested areas;
* one snapshot per ISO week from the daily files (2024-07-07 → the last day), occupied only;
* and, from either, the snapshot of the 1st of every month that has one: month boundaries, so
  that ``mapkit changes --period month`` over the bundled timeline measures from the 1st to the
  1st, as DeepStateMap does.

Each week is represented by its last available snapshot. Dates are snapshot dates: a daily file
holds the map at the end of the day before its name's date (docs/methodology.md, "Dates"). The
folder is emptied first, so the result depends on ../shared only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapkit.ingest.areas import AreaIndex  # noqa: E402
from mapkit.ingest.day import compute_snapshot  # noqa: E402
from mapkit.ingest.importers import snapshot_date_from_filename  # noqa: E402
from mapkit.ingest.region_index import load_region_index  # noqa: E402
from mapkit.ingest.runner import compute_timeline, snapshot_path  # noqa: E402
from mapkit.snapshots import write_snapshot  # noqa: E402

SOURCE = "DeepStateMap"


def weekly_and_monthly(paths: list[Path]) -> list[Path]:
    """The last file (by snapshot date, then name) of every ISO week, and every file whose
    snapshot is of the 1st of a month."""
    weeks: dict[tuple[int, int], Path] = {}
    firsts: dict[dt.date, Path] = {}
    for path in sorted(paths, key=lambda p: (snapshot_date_from_filename(p), p.name)):
        day = snapshot_date_from_filename(path)
        year, week, _ = day.isocalendar()
        weeks[(year, week)] = path
        if day.day == 1:
            firsts[day] = path
    return sorted({*weeks.values(), *firsts.values()}, key=snapshot_date_from_filename)


def write_historic(index: AreaIndex, dump: Path, date: dt.date, territories: set[str],
                   what: str, out: Path) -> None:
    """The snapshot of ``date`` from only the ``territories`` layers of ``dump`` (no contested
    figures: those layers say nothing about a grey zone)."""
    snapshot = compute_snapshot(dump, index=index, source=SOURCE, date=date,
                                territories=territories, origin=f"{dump.name}, {what}")
    write_snapshot(snapshot.rows, snapshot_path(out, date))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "data/control_snapshots/deepstate")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    raw_dir, daily_dir = args.shared / "deepstate/raw", args.shared / "deepstate/daily"
    if not raw_dir.is_dir() or not daily_dir.is_dir():
        print(f"error: {raw_dir} and {daily_dir} are needed (the DeepStateMap copies in "
              "../shared).", file=sys.stderr)
        return 2
    daily = list(daily_dir.glob("*.geojson"))
    daily_start = min(map(snapshot_date_from_filename, daily))
    raw = [p for p in raw_dir.glob("*.json") if snapshot_date_from_filename(p) < daily_start]
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.csv"):
        old.unlink()

    index = load_region_index()
    first_dump = min(raw, key=snapshot_date_from_filename)
    write_historic(index, first_dump, dt.date(2014, 3, 18), {"crimea", "tuzla"},
                   "Crimea layer, dated to the annexation", args.out)
    write_historic(index, first_dump, dt.date(2022, 2, 23), {"crimea", "tuzla", "ordlo"},
                   "ORDLO and Crimea layers: the line before 24 February 2022", args.out)
    print("2014-03-18 and 2022-02-23 written from", first_dump.name)

    for label, files in (("raw dumps", weekly_and_monthly(raw)),
                         ("daily files", weekly_and_monthly(daily))):
        summary = compute_timeline(files, args.out, source=SOURCE, force=True,
                                   workers=args.workers, index=index)
        print(f"{label}: " + "\n  ".join(summary.lines()))
        if summary.failed:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
