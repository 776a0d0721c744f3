"""What the live viewer costs a page load: the fingerprint of the snapshot folders.

The viewer takes :func:`mapkit.snapshots.snapshots_fingerprint` at every page load (and every
full rerun of the page; not at slider steps) and reads the snapshots again only when it changes
(docs/viewer.md). This prints its cost on the bundled folder (or ``--snapshots``), and, as the
baseline in the same run, what reading the snapshots again at every load would cost instead
(:func:`mapkit.snapshots.load_snapshots`), with the number of files and the load average
beside them: the machine is shared.

Usage::

    python bench/bench_fingerprint.py [--repeat 300] [--reads 3] [--snapshots DIR ...]

Goal (issue 17): near zero per page load — a few milliseconds at most, against a page load's
hundreds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mapkit.snapshots import load_snapshots, snapshot_files, snapshots_fingerprint  # noqa: E402

GOAL_MS = 5.0


def timings(call, repeat: int) -> list[float]:
    """Milliseconds of each of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=300, help="fingerprints timed")
    parser.add_argument("--reads", type=int, default=3, help="full reads timed (the baseline)")
    parser.add_argument("--snapshots", action="append", default=None,
                        help="snapshot file or folder (repeatable); default the bundled folder")
    args = parser.parse_args()
    paths = args.snapshots
    files, _ = snapshot_files(paths)
    print(f"load average {os.getloadavg()[0]:.2f}; {len(files)} snapshot files, "
          f"{sum(f.stat().st_size for f in files) / 1e6:.1f} MB")

    fingerprint = timings(lambda: snapshots_fingerprint(paths), args.repeat)
    p95 = statistics.quantiles(fingerprint, n=20)[-1]
    print(f"fingerprint per page load: median {statistics.median(fingerprint):.2f} ms, "
          f"p95 {p95:.2f} ms ({args.repeat} runs)")

    read = timings(lambda: load_snapshots(paths), args.reads)
    print(f"baseline, reading the snapshots again: median {statistics.median(read):.0f} ms "
          f"({args.reads} runs) — {statistics.median(read) / statistics.median(fingerprint):.0f}"
          f"× the fingerprint")
    verdict = "met" if p95 <= GOAL_MS else "NOT met"
    print(f"goal p95 ≤ {GOAL_MS:.0f} ms: {verdict}; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
