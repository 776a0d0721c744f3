"""How fast the viewer feels, in headless Chromium: first map paint and slider → repaint latency.

Runs the viewer (``app.py``) and the plain approach (``bench/plain_folium_app.py``: a new folium
map rendered on every change) on the same snapshots in the same run, and prints both:

- first paint: from the server's first byte (navigation ``responseStart``) to polygons painted
  with the latest date's colours;
- latency: from a key press on the date slider (→) to the polygons showing the next date's
  colours, over many steps; p50 / p95 / max.

Goals (issue 4): p95 ≤ 250 ms, first paint ≤ 3 s. No internet needed: CDN assets come from
node_modules (``npm ci``), tiles are blank.

Usage::

    python bench/bench_viewer.py [--steps 30] [--snapshots DIR ...]

Default data: the bundled snapshots if they hold a timeline (≥ 50 dates), otherwise a made-up
timeline of the same shape as the computed DeepStateMap one (230 weekly dates × 27 regions,
tests/test_export_fixtures.py) — used for timing only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from offline_assets import route_cdn_to_local  # noqa: E402
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, streamlit_app  # noqa: E402

from mapkit.render.timeline import build_timeline  # noqa: E402
from mapkit.snapshots import load_snapshots  # noqa: E402

GOAL_P95_MS = 250.0
GOAL_FIRST_PAINT_MS = 3000.0
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
    """Sorted fill attributes of the 27 polygons on ``day`` (partial drawn as ``hatch``)."""
    cells = build_timeline(frame, date=day).frame(0)
    fills = [hatch if cell.partial and cell.percent is None else cell.colour for cell in cells]
    return ",".join(sorted(fills))


def measure(browser, url: str, frame, dates: list[str], steps: int, *, hatch: str,
            slider, slider_frame, name: str) -> dict:
    """First paint (cold: first visitor after start; warm: the next one) and step latencies.

    Times are taken in the browser: from the keydown event's own time stamp to the animation
    frame in which the polygons show the new date's colours, so Playwright's overhead is out.
    """
    cold = first_paint(browser, url, frame, dates, hatch)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    route_cdn_to_local(page)
    start = time.perf_counter()
    page.goto(url)
    latest = [dates[-1], expected_fills(frame, dates[-1], hatch)]
    painted = page.wait_for_function(PROBE, arg=latest, polling="raf",
                                     timeout=60_000).json_value()
    warm = painted - page.evaluate(NAVIGATION_START)
    print(f"  {name}: page up in {time.perf_counter() - start:.1f} s", flush=True)

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
    return {"name": name, "first_paint_cold": cold, "first_paint": warm, "latencies": latencies}


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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="slider steps measured per page")
    parser.add_argument("--snapshots", action="append", help="snapshot CSV file or folder")
    options = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        paths = options.snapshots
        frame = load_snapshots(paths)
        if paths is None and frame["date"].nunique() < 50:
            from test_export_fixtures import synthetic_timeline_snapshots

            frame = synthetic_timeline_snapshots(Path(scratch))
            paths = [scratch]
            print("data: made-up timeline of the computed one's shape (timing only)")
        dates = sorted({d.date().isoformat() for d in frame["date"]})
        print(f"data: {len(dates)} dates x 27 regions, {len(frame)} rows")
        args = [a for p in paths or [] for a in ("--snapshots", str(p))]

        results = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            with streamlit_app(REPO / "app.py", *args) as url:
                results.append(measure(
                    browser, url, frame, dates, options.steps, name="viewer (recolour in place)",
                    hatch="url(#mapkit-partial-hatch)",
                    slider=lambda page: page.frame_locator("iframe[title*='control_map']")
                    .locator("#slider"),
                    slider_frame=lambda page: next(f for f in page.frames
                                                   if "control_map" in f.url),
                ))
            with streamlit_app(REPO / "bench" / "plain_folium_app.py", *args) as url:
                from mapkit.constants import PARTIAL_COLOUR

                results.append(measure(
                    browser, url, frame, dates, options.steps, name="plain (new folium map)",
                    hatch=PARTIAL_COLOUR,
                    slider=lambda page: page.locator("[data-testid=stSlider] input[type=range]")
                    .first,
                    slider_frame=lambda page: page.main_frame,
                ))
            browser.close()

    print(f"\n{'approach':<30} {'paint, cold':>12} {'paint, warm':>12} {'p50':>6} {'p95':>6} "
          f"{'max':>6}  (ms; {len(results[0]['latencies'])} slider steps)")
    for result in results:
        lat = result["latencies"]
        print(f"{result['name']:<30} {result['first_paint_cold']:>12.0f} "
              f"{result['first_paint']:>12.0f} "
              f"{statistics.median(lat):>6.0f} {percentile(lat, 0.95):>6.0f} {max(lat):>6.0f}")
    viewer, plain = results
    p95 = percentile(viewer["latencies"], 0.95)
    print(f"\ngoal p95 ≤ {GOAL_P95_MS:.0f} ms: {'met' if p95 <= GOAL_P95_MS else 'NOT met'} "
          f"({p95:.0f} ms; plain approach {percentile(plain['latencies'], 0.95):.0f} ms, "
          f"{percentile(plain['latencies'], 0.95) / max(p95, 1e-9):.0f}x slower)")
    print(f"goal first paint ≤ {GOAL_FIRST_PAINT_MS:.0f} ms: "
          f"{'met' if viewer['first_paint'] <= GOAL_FIRST_PAINT_MS else 'NOT met'} "
          f"({viewer['first_paint']:.0f} ms for a visitor of a running app, "
          f"{viewer['first_paint_cold']:.0f} ms for the first one after start; plain approach "
          f"{plain['first_paint']:.0f} / {plain['first_paint_cold']:.0f} ms)")


if __name__ == "__main__":
    main()
