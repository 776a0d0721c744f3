"""Benchmark `mapkit changes --period month --format csv` over the bundled timeline.

    python bench/bench_changes.py [--runs 5]

Goal (issue 12): under 1 s, as a reader runs it: a new process, the bundled snapshots read and
validated, the table computed and printed. Measured in the same run, as baselines: the floor
any pandas command pays (`python -c "import pandas"`), and the plain way a user would compute
the same table — read every CSV with pandas and take the last row on or before each month's 1st
per region (no validation, no staleness rule, no largest_since). The machine is shared: the
load average is printed with the figures; compare within one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL_S = 1.0

PLAIN = r"""
import glob, pandas as pd
frame = pd.concat([pd.read_csv(f) for f in glob.glob("data/control_snapshots/deepstate/*.csv")])
frame["date"] = pd.to_datetime(frame["date"])
firsts = pd.date_range(frame["date"].min().to_period("M").to_timestamp(), frame["date"].max(),
                       freq="MS")
rows = []
for region, group in frame.sort_values("date").groupby("region"):
    at = group.set_index("date")["area_km2"].reindex(firsts, method="ffill")
    rows.append(pd.DataFrame({"region": region, "start": at.index[:-1],
                              "change_km2": at.diff().to_numpy()[1:]}))
print(pd.concat(rows).to_csv(index=False)[:0], end="")
"""


def run(command: list[str], runs: int) -> tuple[float, float, int]:
    """Median and best wall time of ``command`` (a new process each time), and its output size."""
    times, size = [], 0
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, env=environment, capture_output=True,
                              check=True)
        times.append(time.perf_counter() - start)
        size = len(done.stdout)
    return statistics.median(times), min(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores; "
          f"{args.runs} runs each, new process each time")
    cases = [
        ("mapkit changes --period month --format csv",
         [python, "-m", "mapkit", "changes", "--period", "month", "--format", "csv"]),
        ("baseline: python -c 'import pandas'", [python, "-c", "import pandas"]),
        ("baseline: plain pandas, same months", [python, "-c", PLAIN]),
    ]
    results = {}
    for label, command in cases:
        median, best, size = run(command, args.runs)
        results[label] = median
        print(f"{label:<45} median {median:5.2f} s   best {best:5.2f} s   "
              f"output {size / 1024:6.1f} KB")
    ours = results[cases[0][0]]
    verdict = "meets" if ours < GOAL_S else "MISSES"
    print(f"goal < {GOAL_S:.1f} s: {verdict} ({ours:.2f} s; "
          f"{ours - results[cases[1][0]]:.2f} s above importing pandas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
