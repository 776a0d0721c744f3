"""Rebuild the committed DeepStateMap timeline in data/control_snapshots/deepstate/ from ../shared.

    python scripts/build_timeline.py [--shared ../shared] [--out data/control_snapshots/deepstate]

What it writes (one CSV per date, 27 regions each, method "computed", source "DeepStateMap";
and for every date the same at the raion and hromada levels, in ``raion/`` and ``hromada/``,
each file read once for the three: ``mapkit compute --level all``):

* 2014-03-18 — Crimea (and Tuzla) as DeepStateMap draws it: its Crimea layer, taken from the
  earliest raw dump (2022-04-03), dated to the annexation.
* 2015-02-18 — the line that held from the Ukrainian withdrawal from Debaltseve to the
  full-scale invasion: DeepStateMap's ORDLO ("certain areas of Donetsk and Luhansk oblasts",
  "CADR and CALR") and Crimea layers from that same dump, as DeepStateMap draws them in 2022.
* 2022-02-23 — the line before the full-scale invasion: the same layers of the same dump.
* one snapshot per ISO week from the raw dumps (2022-04 → 2024-07-06), with contested areas;
* one snapshot per ISO week from the daily files (2024-07-07 → the last day), occupied only;
* and, from either, the snapshot of the 1st of every month that has one: month boundaries, so
  that ``mapkit changes --period month`` over the bundled timeline measures from the 1st to the
  1st, as DeepStateMap does.

A raion or hromada snapshot lists the units with a figure above 0, then the row UA (the same row
as the oblasts' file's), which says that every unit not listed is 0 % (docs/data.md).

Each week is represented by its last available snapshot. Dates are snapshot dates: a daily file
holds the map at the end of the day before its name's date (docs/methodology.md, "Dates"). The
folder is emptied first, so the result depends on ../shared only. The three historic snapshots
carry their notes in Ukrainian too (``note_uk``). Between them the DeepStateMap series holds
reported rows of its own (``reported/2014-2022_donbas.csv``, series "DeepStateMap"): Donetsk
and Luhansk "partial, no figure" from April 2014, when armed seizures began, to the 2015-02-18
line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mapkit.i18n import computed_note_uk  # noqa: E402
from mapkit.ingest.areas import AreaIndex  # noqa: E402
from mapkit.ingest.day import compute_snapshot  # noqa: E402
from mapkit.ingest.importers import snapshot_date_from_filename  # noqa: E402
from mapkit.ingest.region_index import load_region_index  # noqa: E402
from mapkit.ingest.runner import compute_timeline, snapshot_path  # noqa: E402
from mapkit.levels import LEVEL_NAMES  # noqa: E402
from mapkit.snapshots import COLUMNS, level_folder, validate_rows, write_snapshot  # noqa: E402

SOURCE = "DeepStateMap"
CRIMEA = {"crimea", "tuzla"}
CRIMEA_AND_ORDLO = {"crimea", "tuzla", "ordlo"}
#: The snapshots made from the layers of the earliest raw dump that DeepStateMap draws for the
#: years before it began: (date, layers, what they are, the same in Ukrainian).
HISTORIC = (
    (dt.date(2014, 3, 18), CRIMEA, "Crimea layer, dated to the annexation",
     "шар «Крим», датований анексією"),
    (dt.date(2015, 2, 18), CRIMEA_AND_ORDLO,
     "ORDLO and Crimea layers: the line from the Ukrainian withdrawal from Debaltseve "
     "(18 February 2015) to 23 February 2022, as DeepStateMap draws it in 2022",
     "шари ОРДЛО і «Крим»: лінія від виходу українських військ з Дебальцевого "
     "(18 лютого 2015) до 23 лютого 2022, як її малює DeepStateMap у 2022 році"),
    (dt.date(2022, 2, 23), CRIMEA_AND_ORDLO,
     "ORDLO and Crimea layers: the line before 24 February 2022",
     "шари ОРДЛО і «Крим»: лінія перед 24 лютого 2022"),
)


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
                   what: str, what_uk: str, out: Path) -> None:
    """The snapshot of ``date`` at every level from only the ``territories`` layers of
    ``dump`` (no contested figures: those layers say nothing about a grey zone), its notes in
    Ukrainian too."""
    origin = f"{dump.name}, {what}"
    snapshot = compute_snapshot(dump, index=index, source=SOURCE, date=date,
                                territories=territories, origin=origin, levels=LEVEL_NAMES)
    for level, rows in snapshot.levels.items():
        records = [dict(zip(COLUMNS, cells)) for cells in rows.cells]
        for record in records:
            record["note_uk"] = computed_note_uk(
                record["note"], {origin: f"{dump.name}, {what_uk}"}) or ""
        path = snapshot_path(out, date, level)
        write_snapshot(validate_rows(records, str(path), level), path)


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
    for level in LEVEL_NAMES:
        for old in level_folder(args.out, level).glob("*.csv"):
            old.unlink()

    index = load_region_index()
    first_dump = min(raw, key=snapshot_date_from_filename)
    for date, layers, what, what_uk in HISTORIC:
        write_historic(index, first_dump, date, layers, what, what_uk, args.out)
    print(", ".join(str(h[0]) for h in HISTORIC), "written from", first_dump.name)

    for label, files in (("raw dumps", weekly_and_monthly(raw)),
                         ("daily files", weekly_and_monthly(daily))):
        summary = compute_timeline(files, args.out, source=SOURCE, force=True,
                                   workers=args.workers, index=index, levels=LEVEL_NAMES)
        print(f"{label}: " + "\n  ".join(summary.lines()))
        if summary.failed:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
