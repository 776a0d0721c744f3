"""How fast the viewer feels, in headless Chromium: first map paint and slider → repaint latency.

Runs the viewer (``app.py``) and the plain approach (``bench/plain_folium_app.py``: a new folium
map rendered on every change) on the same snapshots in the same run, and prints both:

- first paint: from the server's first byte (navigation ``responseStart``) to polygons painted
  with the latest date's colours, for the first visitor after a server start ("cold", one
  sample per start: ``--starts``) and for visitors of a running server ("warm", ``--visits``
  fresh browser contexts, so nothing is cached in the browser either); median and worst;
- latency: from a key press on the date slider (→) to the polygons showing the next date's
  colours, over many steps; p50 / p95 / max.

Goals (issue 4): p95 ≤ 250 ms, first paint ≤ 3 s. No internet needed: CDN assets come from
node_modules (``npm ci``), tiles are blank. The machine's load average is printed with the
figures: on two shared cores, first paint moves by a second between an idle and a busy minute.

With ``--level`` (``raion``, ``hromada``, repeatable, or ``all``) it measures the viewer opened
at each level (``?level=…``) instead of the plain approach, the oblasts always among them as
the baseline, and prints each level's first paint as a ratio of the oblasts' and its slider
p95. Goals (issue 20): slider p95 at the hromada level ≤ 50 ms, first paint at the raion level
≤ 1.5 × the oblasts'.

Usage::

    python bench/bench_viewer.py [--steps 30] [--starts 3] [--visits 5] [--snapshots DIR ...]
    python bench/bench_viewer.py --level all [--steps 30] [--starts 2] [--visits 3]

Default data: the bundled snapshots if they hold a timeline (≥ 50 dates), otherwise a made-up
timeline of the same shape as the computed DeepStateMap one (230 weekly dates × 27 regions,
tests/test_export_fixtures.py) — used for timing only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from offline_assets import route_cdn_to_local  # noqa: E402
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, streamlit_app  # noqa: E402

from mapkit.figures import build_timeline, default_series  # noqa: E402
from mapkit.snapshots import load_snapshots  # noqa: E402
from mapkit.viewer.map_data import viewer_timeline  # noqa: E402

GOAL_P95_MS = 250.0
GOAL_FIRST_PAINT_MS = 3000.0
#: Issue 20: the hromada level's slider p95, the raion level's first paint against the oblasts'.
GOAL_HROMADA_P95_MS = 50.0
GOAL_RAION_PAINT_RATIO = 1.5
PAUSE_S = 0.6

#: In every same-origin iframe: the map's date marker and the sorted fills of its polygons.
PROBE = """([date, fills]) => {
  for (const frame of document.querySelectorAll('iframe')) {
    let doc;
    try { doc = frame.contentDocument; } catch (e) { continue; }
    if (!doc) continue;
    const marker = doc.querySelector('[data-date]');
    if (!marker || marker.getAttribute('data-date') !== date) continue;
    const seen = Array.from(doc.querySelectorAll('path.leaflet-interactive'),
                            p => p.getAttribute('fill')).sort().join(',');
    if (seen === fills) return performance.timeOrigin + performance.now();
  }
  return false;
}"""

NAVIGATION_START = (
    "performance.timeOrigin + performance.getEntriesByType('navigation')[0].responseStart"
)
#: Installed in the document holding the slider: when the last key went down (epoch ms).
RECORD_INPUT = """() => {
  window.__benchInput = 0;
  document.addEventListener('keydown',
    e => { window.__benchInput = performance.timeOrigin + e.timeStamp; }, true);
}"""


def expected_fills(frame, day: str, hatch: str) -> str:
    """Sorted fill attributes of the units' polygons on ``day`` (partial drawn as ``hatch``):
    from ``frame``'s timeline when it is one (a whole level's, built once), else from a
    one-date timeline of the snapshots."""
    if hasattr(frame, "cells"):
        cells = frame.frame(frame.dates.index(dt.date.fromisoformat(day)))
    else:
        cells = build_timeline(frame, date=day).frame(0)
    fills = [hatch if cell.partial and cell.percent is None else cell.colour for cell in cells]
    return ",".join(sorted(fills))


def measure(browser, script: Path, args: list[str], frame, dates: list[str], *, steps: int,
            starts: int, visits: int, hatch: str, slider, slider_frame, name: str,
            query: str = "") -> dict:
    """First paints (cold: first visitor after each of ``starts`` server starts; warm: ``visits``
    later visitors of the last one) and slider step latencies.

    Times are taken in the browser: from the keydown event's own time stamp to the animation
    frame in which the polygons show the new date's colours, so Playwright's overhead is out.
    """
    cold, warm = [], []
    for start in range(starts):
        with streamlit_app(script, *args, timeout=120) as url:
            url += query
            cold.append(first_paint(browser, url, frame, dates, hatch))
            if start < starts - 1:
                continue
            warm = [first_paint(browser, url, frame, dates, hatch) for _ in range(visits)]
            latencies = step_latencies(browser, url, frame, dates, steps, hatch=hatch,
                                       slider=slider, slider_frame=slider_frame)
    print(f"  {name}: first paint cold {samples_text(cold)}, warm {samples_text(warm)} ms",
          flush=True)
    return {"name": name, "cold": cold, "warm": warm, "latencies": latencies}


def step_latencies(browser, url: str, frame, dates: list[str], steps: int, *, hatch: str,
                   slider, slider_frame) -> list[float]:
    """Milliseconds from each → key press on the slider to the next date's colours painted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    route_cdn_to_local(page)
    page.goto(url)
    latest = [dates[-1], expected_fills(frame, dates[-1], hatch)]
    page.wait_for_function(PROBE, arg=latest, polling="raf", timeout=60_000)

    handle = slider(page)
    handle.focus()
    handle.press("Home")
    page.wait_for_function(PROBE, arg=[dates[0], expected_fills(frame, dates[0], hatch)],
                           polling="raf", timeout=60_000)
    time.sleep(1.0)
    latencies = []
    recorder = slider_frame(page)
    recorder.evaluate(RECORD_INPUT)
    for index in range(1, min(steps, len(dates) - 1) + 1):
        day = dates[index]
        fills = expected_fills(frame, day, hatch)
        handle.press("ArrowRight")
        painted = page.wait_for_function(PROBE, arg=[day, fills], polling="raf",
                                         timeout=60_000).json_value()
        latencies.append(painted - recorder.evaluate("window.__benchInput"))
        time.sleep(PAUSE_S)  # a reader's pause between moves; the page catches up meanwhile
        handle = slider(page)  # the plain page may have replaced the element
    context.close()
    return latencies


def first_paint(browser, url: str, frame, dates: list[str], hatch: str) -> float:
    """Milliseconds from the server's first byte to the latest date's polygons painted."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    route_cdn_to_local(page)
    page.goto(url)
    latest = [dates[-1], expected_fills(frame, dates[-1], hatch)]
    painted = page.wait_for_function(PROBE, arg=latest, polling="raf",
                                     timeout=120_000).json_value()
    cold = painted - page.evaluate(NAVIGATION_START)
    context.close()
    return cold


def samples_text(values: list[float]) -> str:
    return "/".join(f"{v:.0f}" for v in values)


def load_text() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def measure_levels(options) -> None:
    """The viewer opened at each level of ``options.level`` and at the oblasts, in one run:
    first paints, slider latencies, and the two ratios of issue 20."""
    from playwright.sync_api import sync_playwright

    from mapkit.levels import LEVEL_NAMES, level_names

    levels = level_names(["oblast", *options.level])
    args = [a for p in options.snapshots or [] for a in ("--snapshots", str(p))]
    counts = {"steps": options.steps, "starts": options.starts, "visits": options.visits}
    results = {}
    print(f"start: {load_text()}", flush=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for level in levels:
            frame = load_snapshots(options.snapshots, level=level)
            timeline = viewer_timeline(frame, None)
            dates = [day.isoformat() for day in timeline.dates]
            print(f"{level}: {len(dates)} dates x {len(timeline.regions)} units, "
                  f"{len(frame)} rows", flush=True)
            results[level] = measure(
                browser, REPO / "app.py", args, timeline, dates, **counts, query=f"?level={level}",
                name=f"viewer, {level} level", hatch="url(#mapkit-partial-hatch)",
                slider=lambda page: page.frame_locator("iframe[title*='control_map']")
                .locator("#slider"),
                slider_frame=lambda page: next(f for f in page.frames if "control_map" in f.url),
            )
        browser.close()
    print(f"end: {load_text()}")
    print(f"\nfirst paint, ms: median (worst) of {options.starts} cold starts and "
          f"{options.visits} warm visits; slider latency, ms: {options.steps} steps")
    print(f"{'level':<10} {'paint, cold':>14} {'paint, warm':>14} {'× oblasts (cold/warm)':>22} "
          f"{'p50':>6} {'p95':>6} {'max':>6}")
    base = results["oblast"]
    for level in LEVEL_NAMES:
        if level not in results:
            continue
        result = results[level]
        lat = result["latencies"]
        ratios = "/".join(f"{statistics.median(result[k]) / statistics.median(base[k]):.2f}"
                          for k in ("cold", "warm"))
        cold = f"{statistics.median(result['cold']):.0f} ({max(result['cold']):.0f})"
        warm = f"{statistics.median(result['warm']):.0f} ({max(result['warm']):.0f})"
        print(f"{level:<10} {cold:>14} {warm:>14} {ratios:>22} {statistics.median(lat):>6.0f} "
              f"{percentile(lat, 0.95):>6.0f} {max(lat):>6.0f}")
    if "hromada" in results:
        p95 = percentile(results["hromada"]["latencies"], 0.95)
        print(f"\ngoal slider p95 at the hromada level ≤ {GOAL_HROMADA_P95_MS:.0f} ms: "
              f"{'met' if p95 <= GOAL_HROMADA_P95_MS else 'NOT met'} ({p95:.0f} ms; oblasts "
              f"{percentile(base['latencies'], 0.95):.0f} ms)")
    if "raion" in results:
        for key, who in (("warm", "a visitor of a running app"),
                         ("cold", "the first visitor after a server start")):
            ratio = statistics.median(results["raion"][key]) / statistics.median(base[key])
            print(f"goal first paint at the raion level ≤ {GOAL_RAION_PAINT_RATIO} × the "
                  f"oblasts' for {who}: {'met' if ratio <= GOAL_RAION_PAINT_RATIO else 'NOT met'}"
                  f" ({ratio:.2f} ×: {statistics.median(results['raion'][key]):.0f} against "
                  f"{statistics.median(base[key]):.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="slider steps measured per page")
    parser.add_argument("--starts", type=int, default=3,
                        help="server starts per approach (one cold first paint each)")
    parser.add_argument("--visits", type=int, default=5,
                        help="warm first paints per approach (visitors of a running server)")
    parser.add_argument("--snapshots", action="append", help="snapshot CSV file or folder")
    parser.add_argument("--level", action="append", default=[],
                        help="also measure the viewer at this level (raion, hromada, all; "
                             "repeatable) against the oblasts, instead of the plain approach")
    options = parser.parse_args()
    if options.level:
        measure_levels(options)
        return

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        paths = options.snapshots
        frame = load_snapshots(paths)
        if paths is None and frame["date"].nunique() < 50:
            from test_export_fixtures import synthetic_timeline_snapshots

            frame = synthetic_timeline_snapshots(Path(scratch))
            paths = [scratch]
            print("data: made-up timeline of the computed one's shape (timing only)")
        # the dates of the series on the map: the slider steps through these only (the
        # viewer's also through the days of its gaps: mapkit.viewer.map_data.viewer_timeline)
        dates = [day.isoformat() for day in
                 build_timeline(frame, source=default_series(frame)).dates]
        viewer_dates = [day.isoformat() for day in viewer_timeline(frame, None).dates]
        print(f"data: {len(dates)} dates x 27 regions, {len(frame)} rows")
        args = [a for p in paths or [] for a in ("--snapshots", str(p))]

        results = []
        print(f"start: {load_text()}", flush=True)
        counts = {"steps": options.steps, "starts": options.starts, "visits": options.visits}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            results.append(measure(
                browser, REPO / "app.py", args, frame, viewer_dates, **counts,
                name="viewer (recolour in place)", hatch="url(#mapkit-partial-hatch)",
                slider=lambda page: page.frame_locator("iframe[title*='control_map']")
                .locator("#slider"),
                slider_frame=lambda page: next(f for f in page.frames if "control_map" in f.url),
            ))
            from mapkit.constants import PARTIAL_COLOUR

            results.append(measure(
                browser, REPO / "bench" / "plain_folium_app.py", args, frame, dates, **counts,
                name="plain (new folium map)", hatch=PARTIAL_COLOUR,
                slider=lambda page: page.locator("[data-testid=stSlider] input[type=range]").first,
                slider_frame=lambda page: page.main_frame,
            ))
            browser.close()
        print(f"end: {load_text()}")

    print(f"\nfirst paint, ms: median (worst) of {options.starts} cold starts and "
          f"{options.visits} warm visits; slider latency, ms: {options.steps} steps")
    print(f"{'approach':<30} {'paint, cold':>14} {'paint, warm':>14} {'p50':>6} {'p95':>6} "
          f"{'max':>6}")
    for result in results:
        lat = result["latencies"]
        cold = f"{statistics.median(result['cold']):.0f} ({max(result['cold']):.0f})"
        warm = f"{statistics.median(result['warm']):.0f} ({max(result['warm']):.0f})"
        print(f"{result['name']:<30} {cold:>14} {warm:>14} "
              f"{statistics.median(lat):>6.0f} {percentile(lat, 0.95):>6.0f} {max(lat):>6.0f}")
    viewer, plain = results
    p95 = percentile(viewer["latencies"], 0.95)
    plain_p95 = percentile(plain["latencies"], 0.95)
    print(f"\ngoal p95 ≤ {GOAL_P95_MS:.0f} ms: {'met' if p95 <= GOAL_P95_MS else 'NOT met'} "
          f"({p95:.0f} ms; plain approach {plain_p95:.0f} ms, {plain_p95 / max(p95, 1e-9):.0f}x "
          "slower)")
    for label, key in (("a visitor of a running app", "warm"),
                       ("the first visitor after a server start", "cold")):
        median, worst = statistics.median(viewer[key]), max(viewer[key])
        verdict = ("met" if worst <= GOAL_FIRST_PAINT_MS else
                   "met at the median, not every time" if median <= GOAL_FIRST_PAINT_MS else
                   "NOT met")
        print(f"goal first paint ≤ {GOAL_FIRST_PAINT_MS:.0f} ms for {label}: {verdict} "
              f"(median {median:.0f}, worst {worst:.0f} ms; plain approach median "
              f"{statistics.median(plain[key]):.0f} ms)")

if __name__ == "__main__":
    main()
