"""Benchmark the exports: speed and size, against folium's default for the same map.

    python bench/bench_export.py            # the bundled snapshots (data/control_snapshots/)
    python bench/bench_export.py --gif      # also the full-timeline GIF (slow by nature)

Goals (issue 5): full timeline to ``embed`` and to ``html`` each under 2 s; the embed at most
150 KB, printed against folium's default HTML for the same map (TimeSliderChoropleth with the
full-detail boundaries and folium's default assets); a single-date PNG under 3 s.
"Cold" includes reading and simplifying the boundaries once per process; "warm" is the median
of repeated renders, as in the app, where they are cached.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from mapkit.constants import SNAPSHOTS_DIR  # noqa: E402
from mapkit.publish import render_export  # noqa: E402
from mapkit.snapshots import load_snapshots  # noqa: E402

GOALS = {"embed_s": 2.0, "html_s": 2.0, "png_s": 3.0, "embed_kb": 150.0}


def timed(function, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def folium_default_html(snapshots) -> bytes:
    """The same map the plain folium way: TimeSliderChoropleth, full geometry, default assets."""
    import folium
    from folium.plugins import TimeSliderChoropleth

    from mapkit.boundaries import load_boundaries
    from mapkit.figures import build_timeline

    timeline = build_timeline(snapshots)
    frame = load_boundaries()
    codes = [r.code for r in timeline.regions]
    styledict = {code: {} for code in codes}
    for day, cells in zip(timeline.dates, timeline.cells):
        stamp = str(int(time.mktime(day.timetuple())))
        for code, cell in zip(codes, cells):
            styledict[code][stamp] = {"color": cell.colour, "opacity": 0.85}
    geo = frame.set_index("code")[["name_en", "geometry"]]
    fmap = folium.Map(location=(48.5, 31.5), zoom_start=6)
    TimeSliderChoropleth(geo.to_json(), styledict=styledict).add_to(fmap)
    return fmap.get_root().render().encode("utf-8")


def external_assets(page: bytes) -> tuple[int, int]:
    urls = set(re.findall(rb"""(?:src|href)=["'](https?://[^"']+)""", page))
    return len(urls), len({urlsplit(u.decode()).netloc for u in urls})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gif", action="store_true", help="also time the full-timeline GIF")
    args = parser.parse_args()

    snapshots = load_snapshots()
    dates = snapshots["date"].nunique()
    label = f"bundled snapshots ({SNAPSHOTS_DIR.relative_to(REPO)})"
    if dates < 100:  # the computed timeline is not there: measure a realistic made-up one
        from test_export_fixtures import synthetic_timeline_snapshots

        folder = Path(tempfile.mkdtemp(prefix="mapkit-bench-"))
        snapshots = synthetic_timeline_snapshots(folder, weeks=230)
        dates = snapshots["date"].nunique()
        label = "synthetic timeline (computed DeepStateMap timeline not found)"
    print(f"data: {label}: {dates} dates, {len(snapshots)} rows")
    results: dict[str, float] = {}

    cold, _ = timed(lambda: render_export("embed", snapshots))
    warm, embed = timed(lambda: render_export("embed", snapshots), repeat=5)
    results["embed_s"], results["embed_kb"] = warm, len(embed) / 1024
    print(f"embed  full timeline: cold {cold:5.2f} s, warm {warm:5.2f} s, "
          f"{len(embed) / 1024:6.1f} KB, external assets {external_assets(embed)[0]}")

    cold, _ = timed(lambda: render_export("html", snapshots))
    warm, page = timed(lambda: render_export("html", snapshots), repeat=5)
    results["html_s"] = warm
    assets, hosts = external_assets(page)
    print(f"html   full timeline: cold {cold:5.2f} s, warm {warm:5.2f} s, "
          f"{len(page) / 1024:6.1f} KB, {assets} assets from {hosts} host(s) + basemap tiles")

    base_time, baseline = timed(lambda: folium_default_html(snapshots))
    assets, hosts = external_assets(baseline)
    print(f"baseline folium default (TimeSliderChoropleth, full geometry): {base_time:5.2f} s, "
          f"{len(baseline) / 1024:6.1f} KB, {assets} assets from {hosts} hosts + tiles "
          "(and no date-aware tooltips)")
    print(f"       embed is {len(baseline) / len(embed):4.1f}x smaller than the folium default, "
          f"html is {len(baseline) / len(page):4.1f}x smaller")

    cold, _ = timed(lambda: render_export("png", snapshots))
    warm, png = timed(lambda: render_export("png", snapshots), repeat=3)
    results["png_s"] = warm
    print(f"png    one date, 2400 px: cold {cold:5.2f} s, warm {warm:5.2f} s, "
          f"{len(png) / 1024:6.1f} KB")
    warm, svg = timed(lambda: render_export("svg", snapshots), repeat=3)
    print(f"svg    one date: warm {warm:5.2f} s, {len(svg) / 1024:6.1f} KB")
    if args.gif:
        warm, gif = timed(lambda: render_export("gif", snapshots))
        print(f"gif    full timeline ({dates} frames, 1080 px): {warm:5.2f} s, "
              f"{len(gif) / 1024:6.1f} KB")

    failed = False
    print("goals:")
    for key, goal in GOALS.items():
        ok = results[key] <= goal
        failed |= not ok
        unit = "KB" if key.endswith("kb") else "s"
        verdict = "ok" if ok else "MISSED"
        print(f"  {key:9} {results[key]:7.2f} {unit} <= {goal:g} {unit}: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
