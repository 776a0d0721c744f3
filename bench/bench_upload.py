"""What an upload costs the viewer, per MB of file: time and memory, GeoJSON and CSV; and what a
visit that uploads one file after another costs the server.

    python bench/bench_upload.py                      # files of 1, 3 and 10 MB
    python bench/bench_upload.py --mb 2 --visit 4     # and a visit uploading four 4.6 MB CSVs
    python bench/bench_upload.py --visit 4 --visit-only --visit-repo ../other-checkout
                                                      # the visit, served by another checkout

**Per file** (no server). Each file is read as the viewer reads it — in a process of its own,
within the viewer's limits (``mapkit.viewer.uploads.read_upload_isolated``) — and, as the
baseline in the same run, in this process (``read_upload``, what the viewer did before). For
each: the wall time, the reading process's CPU time and its memory beyond what it started with
(peak resident minus resident at start), and each per MB of file. The files are made in a
temporary folder:

- GeoJSON: Donetsk and Luhansk oblasts (``data/oblasts.geojson``) as one occupied area, with
  points added along its edges until the file has the size asked (a valid polygon: what an
  ordinary upload is);
- the pathological star (5,000 vertices, 12 million self-intersections: issue 18): refused, and
  what refusing costs;
- CSV: valid snapshot rows, 27 regions a date, one source;
- with ``../shared``: the largest DeepStateMap raw dump (overlapping layers) and the largest
  ISW file (invalid polygons, repaired), as they are.

**A visit** (``--visit N``; needs Chromium and ``npm ci``): ``streamlit run app.py`` and one
browser page that uploads N different CSVs of ``--visit-mb`` MB one after another (issue 18:
four 4.6 MB CSVs took 14, 71, 133 and 261 s and left the server at 1.45 GB). Each upload is
timed from choosing the file to the page saying it was read, with the server's memory after it;
then the page is closed and the server's memory read again once Streamlit has dropped the
session (``--after`` seconds); then the next visitor (``--visitors``) does the same: what one
visit leaves, the next should reuse, not add to. The first upload is the baseline of the
others.

The load average is printed before and after: the machine is shared, and wall times move
with it; CPU time and memory do much less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from pathological import star_geojson  # noqa: E402

from mapkit.levels import get_level  # noqa: E402
from mapkit.snapshots import SnapshotError  # noqa: E402
from mapkit.viewer.sandbox import run_limited  # noqa: E402
from mapkit.viewer.uploads import UPLOAD_LIMITS, read_upload  # noqa: E402


def resident_mb(pid: int | str = "self") -> float:
    """A process's resident memory, MB."""
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _measured(name: str, data: bytes, *, date=None, progress=None) -> tuple[int, float, float]:
    """In the reading process: read the upload; its rows, CPU seconds and memory growth (MB)."""
    import resource

    start, cpu = resident_mb(), sum(os.times()[:2])
    upload = read_upload(name, data, date=date)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return len(upload.rows), sum(os.times()[:2]) - cpu, peak - start


# --- Files -----------------------------------------------------------------------------------


def occupied_geojson(megabytes: float) -> bytes:
    """Donetsk and Luhansk as one occupied area, points added along its edges until the file
    holds ``megabytes``."""
    import shapely

    document = json.loads((REPO / "data" / "oblasts.geojson").read_text(encoding="utf-8"))
    shapes = [shapely.geometry.shape(f["geometry"]) for f in document["features"]
              if f["properties"]["code"] in ("UA-14", "UA-09")]
    area = shapely.union_all(shapes)
    step = 0.02
    while True:
        text = json.dumps({"type": "Feature", "properties": {"date": "2025-03-01"},
                           "geometry": json.loads(shapely.to_geojson(
                               shapely.segmentize(area, step)))})
        if len(text) >= megabytes * 1e6:
            return text.encode()
        step *= 0.9 * len(text) / (megabytes * 1e6)


def snapshot_csv(megabytes: float, source: str = "Desk") -> bytes:
    """Valid snapshot rows of one source, 27 regions a date, until the file holds
    ``megabytes``."""
    codes = [unit.code for unit in get_level("oblast").units]
    start, lines, size, i = dt.date(1900, 1, 1), ["date,region,percent,source,method\n"], 0, 0
    while size < megabytes * 1e6:
        line = (f"{start + dt.timedelta(days=i // 27)},{codes[i % 27]},"
                f"{i * 7 % 10000 / 100:.2f},{source},reported\n")
        lines.append(line)
        size += len(line)
        i += 1
    return "".join(lines).encode()


def per_file(sizes: list[float]) -> None:
    files: list[tuple[str, str, bytes]] = []
    for mb in sizes:
        files.append((f"GeoJSON {mb:g} MB", "front.geojson", occupied_geojson(mb)))
    files.append(("star 5,000 vertices", "star.geojson", star_geojson(5000)))
    for mb in sizes:
        files.append((f"CSV {mb:g} MB", "mine.csv", snapshot_csv(mb)))
    raw = SHARED / "deepstate" / "raw"
    if raw.is_dir():
        largest = max(raw.glob("*.json"), key=lambda p: p.stat().st_size)
        files.append(("DeepStateMap raw dump", largest.name, largest.read_bytes()))
    isw = SHARED / "isw"
    if isw.is_dir():
        largest = max(isw.glob("*.geojson"), key=lambda p: p.stat().st_size)
        files.append(("ISW file", largest.name, largest.read_bytes()))
    # the reading function as a module's (a child finds it by its module's name; it does not
    # run this script again)
    from bench_upload import _measured as measured

    run_limited(measured, "warm.csv", snapshot_csv(0.01))  # start the fork server once
    print(f"{'file':<22} {'MB':>5} | {'in this process':^17} | "
          f"{'own process (the viewer)':^31} | per MB (own process)")
    print(f"{'':<22} {'':>5} | {'wall':>7} {'CPU':>8} | {'wall':>7} {'CPU':>8} {'memory':>12} |"
          f" {'wall':>6} {'CPU':>6} {'memory':>8}")
    for label, name, data in files:
        mb = len(data) / 1e6
        started, cpu = time.perf_counter(), sum(os.times()[:2])
        try:
            read_upload(name, data)
        except SnapshotError:
            pass
        here = (time.perf_counter() - started, sum(os.times()[:2]) - cpu)
        started = time.perf_counter()
        try:
            _, child_cpu, memory = run_limited(measured, name, data, limits=UPLOAD_LIMITS,
                                               raises=(SnapshotError,))
        except SnapshotError:
            wall = time.perf_counter() - started
            print(f"{label:<22} {mb:>5.2f} | {here[0]:>6.2f}s {here[1]:>7.2f}s | {wall:>6.2f}s "
                  f"{'refused':>21} |")
            continue
        wall = time.perf_counter() - started
        print(f"{label:<22} {mb:>5.2f} | {here[0]:>6.2f}s {here[1]:>7.2f}s | {wall:>6.2f}s "
              f"{child_cpu:>7.2f}s {memory:>9.0f} MB | {wall / mb:>5.2f}s {child_cpu / mb:>5.2f}s "
              f"{memory / mb:>5.0f} MB")


# --- A visit ---------------------------------------------------------------------------------


def server_pid(port: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "streamlit" in command and f"--server.port {port}" in command:
                return int(entry.name)
    raise RuntimeError(f"no streamlit server on port {port}")


def visit(count: int, megabytes: float, repo: Path, after: float, visitors: int) -> None:
    from playwright.sync_api import sync_playwright
    from streamlit_server import CHROMIUM, CHROMIUM_ARGS, streamlit_app
    from viewer_pages import viewer_page

    print(f"\n{visitors} visit(s) one after the other, each uploading {count} CSVs of "
          f"{megabytes:g} MB one after another; server from {repo}")
    with tempfile.TemporaryDirectory(prefix="mapkit-bench-upload-") as folder:
        paths = []
        for i in range(count):  # different files, as a visitor trying versions would send
            path = Path(folder) / f"mine{i}.csv"
            path.write_bytes(snapshot_csv(megabytes, source=f"Desk {i}"))
            paths.append(path)
        with streamlit_app(repo / "app.py", cwd=repo) as url, sync_playwright() as p:
            pid = server_pid(int(url.rsplit(":", 1)[1]))
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            first = None
            for number in range(1, visitors + 1):
                with viewer_page(browser, url) as page:
                    page.frame_locator("iframe[title*='control_map']").locator(
                        "path[data-region='UA-14']").wait_for(timeout=120_000)
                    print(f"visitor {number} arrives: server {resident_mb(pid):,.0f} MB")
                    for path in paths:
                        started = time.perf_counter()
                        page.locator("input[type=file]").set_input_files(str(path))
                        page.get_by_text(re.compile(re.escape(path.name)
                                                    + r": [\d,]+ rows read")
                                         ).wait_for(timeout=1_800_000)
                        seconds = time.perf_counter() - started
                        first = first or seconds
                        print(f"  {path.name}: {seconds:6.1f} s ({seconds / first:.1f}× the "
                              f"first), server {resident_mb(pid):,.0f} MB")
                deadline = time.monotonic() + after
                while time.monotonic() < deadline:
                    time.sleep(5)
                print(f"  {after:g} s after visitor {number} left: server "
                      f"{resident_mb(pid):,.0f} MB")
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[1.0, 3.0, 10.0],
                        help="sizes of the GeoJSON and CSV files, MB")
    parser.add_argument("--visit", type=int, default=0, metavar="N",
                        help="also a visit uploading N CSVs (needs Chromium)")
    parser.add_argument("--visit-only", action="store_true", help="the visit alone")
    parser.add_argument("--visitors", type=int, default=2,
                        help="visits one after the other (what one leaves, the next reuses?)")
    parser.add_argument("--visit-mb", type=float, default=4.6)
    parser.add_argument("--visit-repo", type=Path, default=REPO,
                        help="the checkout whose app.py serves the visit (default: this one)")
    parser.add_argument("--after", type=float, default=150.0,
                        help="seconds to wait after the visitor left (Streamlit keeps a "
                             "closed session for two minutes)")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if not args.visit_only:
        per_file(args.mb)
    if args.visit:
        visit(args.visit, args.visit_mb, args.visit_repo.resolve(), args.after, args.visitors)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
