"""What `mapkit publish` costs: a full build, then the rerun after `mapkit update` added a date,
in the same run (issue 21: the rerun in at most 35 % of a full build's time).

    python bench/bench_publish.py [--workers N]

Copies the bundled snapshots into a scratch folder, publishes them into an empty folder (every
file: pages, data, the print maps of every month's first), then adds one DeepStateMap snapshot
dated the month's first after the newest (the newest's figures, Donetsk's a tenth of a point
higher: a date `mapkit update` would write) and publishes again into the same folder. Prints
both times, the ratio and what the rerun wrote; the machine's load average beside them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mapkit.constants import SNAPSHOTS_DIR  # noqa: E402
from mapkit.publish.site import publish_site  # noqa: E402
from mapkit.snapshots import load_snapshots  # noqa: E402

GOAL_RATIO = 0.35


def add_a_date(folder: Path) -> str:
    """A snapshot for the 1st of the month after the newest DeepStateMap one, as `mapkit
    update` would write it; its date."""
    newest = sorted(p for p in (folder / "deepstate").glob("20*.csv"))[-1]
    last = dt.date.fromisoformat(newest.stem)
    day = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1).isoformat()
    lines = newest.read_text(encoding="utf-8").splitlines(keepends=True)
    out = [lines[0]]
    for line in lines[1:]:
        line = line.replace(last.isoformat(), day, 1)
        if line.startswith(f"{day},UA-14,"):
            fields = line.split(",")
            fields[2] = f"{float(fields[2]) + 0.1:.2f}"
            fields[-2] = f"{float(fields[-2]) * float(fields[2]) / (float(fields[2]) - 0.1):.1f}"
            line = ",".join(fields)
        out.append(line)
    (folder / "deepstate" / f"{day}.csv").write_text("".join(out), encoding="utf-8")
    return day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None,
                        help="processes drawing the print maps [default: all cores]")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        snapshots, site = Path(scratch) / "snapshots", Path(scratch) / "site"
        shutil.copytree(SNAPSHOTS_DIR, snapshots)
        print(f"start: load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores", flush=True)
        started = time.perf_counter()
        full = publish_site(load_snapshots([snapshots]), site, workers=options.workers,
                            base_url="https://example.org/ukraine-map/")
        full_s = time.perf_counter() - started
        print(f"full build: {full_s:.1f} s, {len(full.written)} files", flush=True)
        day = add_a_date(snapshots)
        started = time.perf_counter()
        again = publish_site(load_snapshots([snapshots]), site, workers=options.workers,
                             base_url="https://example.org/ukraine-map/")
        rerun_s = time.perf_counter() - started
        print(f"rerun after adding {day}: {rerun_s:.1f} s, {len(again.written)} written "
              f"({', '.join(again.written)}), {len(again.removed)} removed "
              f"({', '.join(again.removed)}), {again.unchanged} unchanged")
        started = time.perf_counter()
        idle = publish_site(load_snapshots([snapshots]), site, workers=options.workers,
                            base_url="https://example.org/ukraine-map/")
        idle_s = time.perf_counter() - started
        print(f"rerun with nothing new: {idle_s:.1f} s, {len(idle.written)} written")
        print(f"end: load average {os.getloadavg()[0]:.1f}")
        ratio = rerun_s / full_s
        print(f"\nrerun / full build = {rerun_s:.1f} / {full_s:.1f} s = {100 * ratio:.1f} % "
              f"(goal ≤ {100 * GOAL_RATIO:.0f} %: {'met' if ratio <= GOAL_RATIO else 'NOT met'})"
              "; both include loading the snapshots")


if __name__ == "__main__":
    main()
