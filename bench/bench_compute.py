"""Benchmark: all daily DeepStateMap files through `mapkit compute` vs a plain overlay baseline,
and at the hromada level against the oblast level, in the same run.

    python bench/bench_compute.py [--baseline-sample N] [--workers N] [--runs N]
                                  [--fresh-index-runs N] [--level-runs N]

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
  extrapolates, and the printout says so; 0 skips it). It has no coast/border handling, so it is
  also less accurate; the comparison is about speed.
* levels: the same command with ``--level hromada`` (1,486 units, the oblasts computed too for
  the row UA) and with ``--level all`` (oblasts, raions and hromadas in one pass), each run
  ``--level-runs`` times, alternating with runs at the oblast level so that the machine's load
  falls on both alike. Prints each level's median wall time, its ratio to the oblast level's
  (goal: hromada ≤ 3x) and each run's peak memory (the largest resident set of the command and
  its worker processes).
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


#: Runs a command and prints, last, the largest resident set (KB) of it and its children.
_PEAK_MEMORY = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
                "sys.exit(done.returncode)")


def _run_compute(workers: int, fresh_index: bool = False, level: str | None = None):
    """One cold run of the command: (wall s, CPU s, load average before, CSVs, stdout, peak
    resident memory in MB)."""
    with tempfile.TemporaryDirectory() as out:
        entry = ["-c", _WITHOUT_PREPARED_INDEX] if fresh_index else ["-m", "mapkit"]
        command = [sys.executable, *entry, "compute", str(DAILY), "--out", out, "--force",
                   "--workers", str(workers), *(["--level", level] if level else [])]
        load = os.getloadavg()[0]
        cpu = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _PEAK_MEMORY, *command], cwd=ROOT,
                              capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"mapkit compute failed:\n{done.stdout}\n{done.stderr}")
        *lines, peak = done.stdout.strip().splitlines()
        written = len(list(Path(out).rglob("*.csv")))
        return wall, _children_cpu() - cpu, load, written, "\n".join(lines), int(peak) / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline-sample", type=int, default=1,
                        help="run the baseline on every Nth file and extrapolate (1 = all)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3,
                        help="times to run mapkit compute (each one cold: new process, no cache)")
    parser.add_argument("--fresh-index-runs", type=int, default=1,
                        help="extra runs that build the region index instead of loading it")
    parser.add_argument("--level-runs", type=int, default=3,
                        help="runs at the hromada level and at all levels, each alternating "
                             "with a run at the oblast level (0: none)")
    args = parser.parse_args()
    if not DAILY.is_dir():
        print(f"skipped: {DAILY} not found (the DeepStateMap copies in ../shared)")
        return 0
    files = sorted(DAILY.glob("*.geojson"))
    workers = args.workers or os.cpu_count()
    runs = [_run_compute(workers) for _ in range(args.runs)]
    fresh = [_run_compute(workers, fresh_index=True) for _ in range(args.fresh_index_runs)]
    by_level: dict[str, list] = {"oblast": [], "hromada": [], "all": []}
    for _ in range(args.level_runs):
        for level in ("oblast", "hromada", "oblast", "all"):
            by_level[level].append(_run_compute(workers, level=level))
    sample = files[::args.baseline_sample] if args.baseline_sample else []
    base_sample = baseline(sample) if sample else 0.0
    base = base_sample * len(files) / len(sample) if sample else float("nan")
    print(f"files: {len(files)} daily DeepStateMap files; {os.cpu_count()} cores")
    try:
        import simdjson  # noqa: F401

        reader = "pysimdjson"
    except ImportError:
        reader = "orjson (pip install pysimdjson for faster reading)"
    print(f"mapkit compute ({workers} workers, whole command incl. startup, JSON: {reader}):")
    for label, group in (("run", runs), ("run, index built afresh", fresh)):
        for i, (wall, cpu, load, written, _, peak) in enumerate(group, 1):
            print(f"  {label} {i}: {wall:.2f} s wall, {cpu:.2f} s CPU, load average {load:.2f} "
                  f"before — {written} snapshots, peak memory {peak:.0f} MB")
    print("  " + runs[-1][4].strip().splitlines()[0])
    if args.level_runs:
        print(f"levels ({workers} workers, whole command; each level's runs alternate with "
              "runs at the oblast level):")
        medians = {}
        for level, group in by_level.items():
            walls = sorted(run[0] for run in group)
            medians[level] = walls[len(walls) // 2]
            print(f"  {level:<8} median {medians[level]:.2f} s wall (runs: "
                  + ", ".join(f"{run[0]:.2f} s" for run in group)
                  + f"), {sum(r[1] for r in group) / len(group):.2f} s CPU each, peak memory "
                  f"{max(r[5] for r in group):.0f} MB, {group[0][3]} snapshots")
        cpu = {level: sum(r[1] for r in group) / len(group) for level, group in by_level.items()}
        print(f"  hromada / oblast: {medians['hromada'] / medians['oblast']:.2f}x wall (goal "
              f"≤ 3x), {cpu['hromada'] / cpu['oblast']:.2f}x CPU; all three levels / oblast: "
              f"{medians['all'] / medians['oblast']:.2f}x wall, {cpu['all'] / cpu['oblast']:.2f}x "
              "CPU")
    if not sample:
        return 0
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
