"""Benchmark: all daily DeepStateMap files through `mapkit compute` vs a plain overlay baseline.

    python bench/bench_compute.py [--baseline-sample N] [--workers N] [--runs N]
                                  [--fresh-index-runs N]

* mapkit: the real command (`python -m mapkit compute DAILY --out TMP --force`) in a fresh
  process, wall time measured around it — imports, loading the region index, reading,
  computing and writing 769 CSVs included. No results are kept between runs: every run is cold
  (a new process, a new empty output folder); only the operating system's file cache is warm
  after the first run. The region index (cells and coastal strips, from the boundaries alone) is
  the committed `data/oblasts_index.bin`, loaded rather than built — as for every user of the
  command; one more run (`--fresh-index-runs`) builds it afresh instead, printed apart. Each
  run's wall and CPU time (user + system, all processes) is printed, with the load average: on
  a shared 2-core machine other processes' load shows in the wall time.
* baseline: the straightforward way — per file `geopandas.read_file`, reproject to the same
  equal-area CRS, `geopandas.overlay(regions, occupied, how="intersection")`, areas, percent —
  on all the same files (about 40 s; `--baseline-sample 10` takes every 10th file and
  extrapolates, and the printout says so). It has no coast/border handling, so it is also less
  accurate; the comparison is about speed.
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


#: Runs the command with the prepared region index ignored, so that it is built afresh.
_WITHOUT_PREPARED_INDEX = ("import mapkit.ingest.region_index as f; f.read_index = "
                           "lambda *a, **k: None; from mapkit.cli import main; main()")


def _run_compute(workers: int, fresh_index: bool = False):
    """One cold run of the command: (wall s, CPU s, load average before, CSVs, stdout)."""
    with tempfile.TemporaryDirectory() as out:
        entry = ["-c", _WITHOUT_PREPARED_INDEX] if fresh_index else ["-m", "mapkit"]
        command = [sys.executable, *entry, "compute", str(DAILY), "--out", out, "--force",
                   "--workers", str(workers)]
        load = os.getloadavg()[0]
        cpu = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"mapkit compute failed:\n{done.stdout}\n{done.stderr}")
        return wall, _children_cpu() - cpu, load, len(list(Path(out).glob("*.csv"))), done.stdout


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline-sample", type=int, default=1,
                        help="run the baseline on every Nth file and extrapolate (1 = all)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3,
                        help="times to run mapkit compute (each one cold: new process, no cache)")
    parser.add_argument("--fresh-index-runs", type=int, default=1,
                        help="extra runs that build the region index instead of loading it")
    args = parser.parse_args()
    if not DAILY.is_dir():
        print(f"skipped: {DAILY} not found (the DeepStateMap copies in ../shared)")
        return 0
    files = sorted(DAILY.glob("*.geojson"))
    workers = args.workers or os.cpu_count()
    runs = [_run_compute(workers) for _ in range(args.runs)]
    fresh = [_run_compute(workers, fresh_index=True) for _ in range(args.fresh_index_runs)]
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
    for label, group in (("run", runs), ("run, index built afresh", fresh)):
        for i, (wall, cpu, load, written, _) in enumerate(group, 1):
            print(f"  {label} {i}: {wall:.2f} s wall, {cpu:.2f} s CPU, load average {load:.2f} "
                  f"before — {written} snapshots")
    print("  " + runs[-1][4].strip().splitlines()[0])
    note = ("" if args.baseline_sample == 1 else
            f" — measured on {len(sample)} files (every {args.baseline_sample}th): "
            f"{base_sample:.2f} s, extrapolated")
    print(f"baseline geopandas.overlay per file (1 process): {base:.2f} s{note}")
    walls = sorted(run[0] for run in runs)
    median = walls[len(walls) // 2]
    print(f"mapkit: first {runs[0][0]:.2f} s, median {median:.2f} s, best {walls[0]:.2f} s, "
          f"worst {walls[-1]:.2f} s (goal < 4 s)")
    print(f"speed-up: {base / runs[0][0]:.1f}x first run, {base / median:.1f}x median run  "
          f"(goal ≥ 5x); load average now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
