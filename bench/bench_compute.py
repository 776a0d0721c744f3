"""Benchmark: all daily DeepStateMap files through `mapkit compute` vs a plain overlay baseline.

    python bench/bench_compute.py [--baseline-sample N] [--workers N] [--runs N]

* mapkit: the real command (`python -m mapkit compute DAILY --out TMP --force`) in a fresh
  process, wall time measured around it — imports, boundary loading, index building, reading,
  computing and writing 769 CSVs included. No persistent cache exists: every run is cold (a
  new process, a new empty output folder); only the operating system's file cache is warm after
  the first run. Each run's wall and CPU time (user + system, all processes) is printed, with
  the load average: on a shared 2-core machine other processes' load shows in the wall time.
* baseline: the straightforward way — per file `geopandas.read_file`, reproject to the same
  equal-area CRS, `geopandas.overlay(regions, occupied, how="intersection")`, areas, percent —
  on every Nth file, extrapolated to all files (the printout says so). It has no coast/border
  handling, so it is also less accurate; the comparison is about speed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAILY = ROOT.parent / "shared" / "deepstate" / "daily"


def baseline(files: list[Path]) -> float:
    import geopandas as gpd

    sys.path.insert(0, str(ROOT))
    from mapkit.boundaries import load_boundaries
    from mapkit.constants import UKRAINE_EQUAL_AREA

    started = time.perf_counter()
    regions = load_boundaries().to_crs(UKRAINE_EQUAL_AREA)
    regions["region_m2"] = regions.area
    for path in files:
        occupied = gpd.read_file(path).to_crs(UKRAINE_EQUAL_AREA)
        pieces = gpd.overlay(regions, occupied[["geometry"]], how="intersection")
        pieces["percent"] = 100 * pieces.area / pieces["region_m2"]
        pieces.groupby("code")["percent"].sum()
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline-sample", type=int, default=10,
                        help="run the baseline on every Nth file and extrapolate (1 = all)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3,
                        help="times to run mapkit compute (each one cold: new process, no cache)")
    args = parser.parse_args()
    if not DAILY.is_dir():
        print(f"skipped: {DAILY} not found (the DeepStateMap copies in ../shared)")
        return 0
    files = sorted(DAILY.glob("*.geojson"))
    workers = args.workers or os.cpu_count()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as out:
            command = [sys.executable, "-m", "mapkit", "compute", str(DAILY), "--out", out,
                       "--force", "--workers", str(workers)]
            load = os.getloadavg()[0]
            cpu = _children_cpu()
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            runs.append((time.perf_counter() - started, _children_cpu() - cpu, load))
            if done.returncode != 0:
                print(done.stdout, done.stderr)
                return 1
            written = len(list(Path(out).glob("*.csv")))
    ours = runs[0][0]
    sample = files[::args.baseline_sample]
    base_sample = baseline(sample)
    base = base_sample * len(files) / len(sample)
    print(f"files: {len(files)} daily DeepStateMap files; {os.cpu_count()} cores")
    try:
        import simdjson  # noqa: F401

        reader = "pysimdjson"
    except ImportError:
        reader = "orjson (pip install pysimdjson for faster reading)"
    print(f"mapkit compute ({workers} workers, whole command incl. startup, JSON: {reader}):")
    for i, (wall, cpu, load) in enumerate(runs, 1):
        print(f"  run {i}: {wall:.2f} s wall, {cpu:.2f} s CPU, load average {load:.2f} before"
              f" — {written} snapshots")
    print("  " + done.stdout.strip().splitlines()[0])
    note = ("" if args.baseline_sample == 1 else
            f" — measured on {len(sample)} files (every {args.baseline_sample}th): "
            f"{base_sample:.2f} s, extrapolated")
    print(f"baseline geopandas.overlay per file (1 process): {base:.2f} s{note}")
    best = min(wall for wall, _, _ in runs)
    print(f"speed-up: {base / ours:.1f}x first run, {base / best:.1f}x best run  "
          f"(goal ≥ 5x; goal < 4 s for mapkit); load average now "
          f"{os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
