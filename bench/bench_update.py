"""Benchmark: `mapkit update` bringing a current folder forward by one day, and a rerun with
nothing new, against the loopback replay server; `mapkit compute` on the same one file as the
baseline, in the same run.

    python bench/bench_update.py [--runs N]

Goals (issue 11): one day forward under 1 s besides the download; a rerun with nothing new
under 0.5 s.

For each source — the daily mirror (``../shared/deepstate/daily``) and DeepStateMap's API
(``../shared/deepstate/raw``) — a folder holding the twelve days before the last one is made
with `mapkit compute`; then, per run, in fresh processes, as a user runs them:

* ``update``: `python -m mapkit update … --every day --rate 0` — lists, downloads the one new
  map, computes it, guards it and writes it (the snapshot of the previous run is removed first);
* ``rerun``: the same command again, with nothing new to fetch;
* ``compute``: `python -m mapkit compute FILE --out TMP --force --workers 1` on the same file;
* ``startup``: `python -c pass`, what any command pays before its first line.

The download is timed apart (the same GET, in this process). Wall times are medians over the
runs; the load average is printed with them: on a shared 2-core machine, other processes'
load shows in every wall time, which is why the baseline runs beside the command.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from replay_server import DAILY, RAW, ReplayServer, dump_id  # noqa: E402


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}")
    return elapsed


def download_time(url: str, runs: int) -> float:
    from mapkit.ingest.http import HttpClient

    with HttpClient(rate=0) as client:
        client.get(url)  # a warm connection, as in the command
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench(label: str, files: list[Path], source_args: list[str], map_url: str, runs: int,
          work: Path, env: dict) -> list[str]:
    python = sys.executable
    folder = work / f"{label}-folder"
    subprocess.run([python, "-m", "mapkit", "compute", *map(str, files[:-1]), "--out",
                    str(folder), "--workers", "1"], env=env, check=True, capture_output=True)
    newest = sorted(folder.glob("*.csv"))[-1]
    # --max-age 0: the replayed files are old by design; a stale source is not what is timed
    update = [python, "-m", "mapkit", "update", *source_args, "--out", str(folder), "--since",
              newest.stem, "--every", "day", "--rate", "0", "--max-age", "0"]
    compute = [python, "-m", "mapkit", "compute", str(files[-1]), "--out", str(work / "c"),
               "--force", "--workers", "1"]
    results: dict[str, list[float]] = {"update": [], "rerun": [], "compute": [], "startup": []}
    initial = set(folder.glob("*.csv"))
    for _ in range(runs):
        for added in set(folder.glob("*.csv")) - initial:
            added.unlink()
        before = len(list(folder.glob("*.csv")))
        results["update"].append(timed(update, env))
        if len(list(folder.glob("*.csv"))) != before + 1:
            sys.exit(f"{label}: the update did not add one date")
        results["rerun"].append(timed(update, env))
        results["compute"].append(timed(compute, env))
        results["startup"].append(timed([python, "-c", "pass"], env))
    download = download_time(map_url, runs)
    median = {k: statistics.median(v) for k, v in results.items()}
    goal_update = median["update"] - download
    return [
        f"{label}: one new map ({files[-1].name}, "
        f"{files[-1].stat().st_size / 1e6:.1f} MB)",
        f"  mapkit update, one map forward   {median['update']:6.2f} s   "
        f"(runs: {', '.join(f'{t:.2f}' for t in results['update'])})",
        f"    of which the download           {download:6.3f} s   → besides the download "
        f"{goal_update:.2f} s (goal < 1 s: {'met' if goal_update < 1 else 'NOT met'})",
        f"  mapkit update, nothing new       {median['rerun']:6.2f} s   "
        f"(runs: {', '.join(f'{t:.2f}' for t in results['rerun'])}; goal < 0.5 s: "
        f"{'met' if median['rerun'] < 0.5 else 'NOT met'})",
        f"  baseline: mapkit compute, 1 file {median['compute']:6.2f} s   (the update costs "
        f"{median['update'] - median['compute']:+.2f} s more: listing, guard, summary)",
        f"  baseline: python -c pass         {median['startup']:6.2f} s",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not DAILY.is_dir() or not RAW.is_dir():
        print(f"error: {DAILY} and {RAW} are needed", file=sys.stderr)
        return 2
    days = sorted(DAILY.glob("2026-08-*.geojson"))[-13:]
    dumps = sorted(RAW.glob("2025-0[67]-*.json"))[-13:]
    server = ReplayServer(raw=dumps, daily=days).start()
    lines = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            env = {**os.environ, "PYTHONPATH": str(REPO), "MAPKIT_CONFIG_DIR": str(work / "c")}
            newest_day = days[-1].stem.replace("-", "")
            # the replay's "today" is its newest day: a mirror has no list, and would otherwise
            # be asked for every day since (404s), which is not what a current folder costs
            lines += bench("mirror", days, ["--source", "mirror", "--base-url", server.mirror,
                                            "--until", days[-1].stem],
                           f"{server.mirror}/deepstatemap_data_{newest_day}.geojson",
                           args.runs, work, env)
            lines += bench("deepstate", dumps, ["--base-url", server.api],
                           f"{server.api}/history/{dump_id(dumps[-1])}/geojson", args.runs,
                           work, env)
            shutil.rmtree(work / "c", ignore_errors=True)
    finally:
        server.stop()
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores), {args.runs} runs, medians")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
