"""Benchmark ``mapkit validate`` on big files: a valid one, and two that are wrong on every row.

    python bench/bench_validate.py              # 50 MB files (issue 13's size)
    python bench/bench_validate.py --mb 5

Goal (issue 13): a 50 MB file with an unknown region name on every row in under 10 s (it took
about 18 s per MB: difflib's suggestions for every row, and every problem printed). The files
are generated in a temporary folder, never in the repository: ``valid`` (27 regions by ISO
code, a date each 27 rows, a new source every 40,000 dates), ``one bad row`` (the same wrong
row over and over: four problems a row) and ``unique names`` (a different made-up region on
every row). The baseline, measured in
the same run on the same files, is Python's ``csv`` module reading them: the floor any
validator in Python stands on. Each figure is the command as a user runs it, its output
included — its wall time and its peak memory (resident) — with the load average beside it: the
machine is shared.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mapkit.levels import get_level  # noqa: E402

GOAL_S = 10.0
HEADER = "date,region,percent,source,method\n"


def write_file(path: Path, megabytes: float, row) -> int:
    """Rows from ``row(i)`` until the file holds ``megabytes``; returns the number of rows."""
    limit = int(megabytes * 1_000_000)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(HEADER)
        size = len(HEADER)
        while size < limit:
            chunk = "".join(row(count + i) for i in range(10_000))
            handle.write(chunk)
            size += len(chunk)
            count += 10_000
    return count


def make_files(folder: Path, megabytes: float) -> dict[str, tuple[Path, int]]:
    codes = list(get_level().codes)
    rng = random.Random(13)
    names = ["".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(200_000)]
    start = dt.date(1900, 1, 1)

    def valid(i: int) -> str:  # a date per 27 rows, 40,000 days (to 2009) per source
        day, desk = divmod(i // 27, 40_000)[::-1]
        return (f"{start + dt.timedelta(days=day)},{codes[i % 27]},{i * 7 % 10000 / 100:.2f},"
                f"Desk {desk},reported\n")

    files = {
        "valid": valid,
        "one bad row": lambda i: "2024-13-01,Atlantis,150,Desk,guessed\n",
        "unique names": lambda i: f"2024-01-01,{names[i % len(names)]}{i // len(names)},50,"
                                  "Desk,reported\n",
    }
    out = {}
    for label, row in files.items():
        path = folder / (label.replace(" ", "_") + ".csv")
        out[label] = (path, write_file(path, megabytes, row))
    return out


def run(command: list[str]) -> tuple[float, float, str]:
    """The command's wall time, its peak memory (MB, resident) and the last line it printed."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                 env={**os.environ, "PYTHONPATH": str(REPO)})
        _, _, usage = os.wait4(child.pid, 0)  # this command's own resources
        seconds = time.perf_counter() - started
        out.seek(0)
        summary = out.read().decode("utf-8", "replace").strip().splitlines()
    return seconds, usage.ru_maxrss / 1024, summary[-1] if summary else "(nothing printed)"


def csv_floor(path: Path) -> float:
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as handle:
        for _ in csv.reader(handle):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of each file in MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mapkit-bench-validate-") as folder:
        files = make_files(Path(folder), args.mb)
        print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print(f"{'file':<14} {'rows':>10} {'csv.reader':>11} {'validate':>9} {'peak':>8}"
              "  last line")
        worst = 0.0
        for label, (path, rows) in files.items():
            floor = csv_floor(path)
            seconds, peak, last = run([sys.executable, "-m", "mapkit", "validate", "-q",
                                       str(path)])
            if label != "valid":
                worst = max(worst, seconds)
            print(f"{label:<14} {rows:>10,} {floor:>10.1f}s {seconds:>8.1f}s {peak:>5,.0f} MB"
                  f"  {last}")
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        verdict = "met" if worst < GOAL_S else "NOT met"
        print(f"goal: every all-invalid {args.mb:g} MB file under {GOAL_S:g} s — {verdict} "
              f"(slowest {worst:.1f} s)")


if __name__ == "__main__":
    main()
