"""The embed as a reader gets it: its size, and how soon it paints, in headless Chromium.

    python bench/bench_embed.py [--visits 10]

Writes the embed of the bundled timeline (``mapkit export --format embed``: both languages in
one file) and serves it from a plain static server on loopback under a sub-path, as a CDN
would. Prints its size (as written and gzip-compressed, what a server sends) and, over
``--visits`` fresh browser contexts (nothing cached), the time from the server's first byte
(navigation ``responseStart``, as bench/bench_viewer.py measures the viewer) to

- first paint: the browser's first contentful paint — the regions are drawn in the HTML itself,
  so the map is on screen with the latest date's colours at that moment;
- ready: the embed's script has run (slider, tooltips, flags), ``window.mapkitEmbed`` set.

Median and worst, with the machine's load average: on two shared cores figures move between an
idle and a busy minute. The viewer's first paint: bench/bench_viewer.py.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from static_site import serve_under  # noqa: E402
from streamlit_server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from mapkit.publish import write_embed  # noqa: E402
from mapkit.snapshots import load_snapshots  # noqa: E402

TIMES = """() => {
    const start = performance.getEntriesByType('navigation')[0].responseStart;
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return [paint ? paint.startTime - start : null, window.__ready - start];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10, help="fresh page loads to time")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="mapkit-embed-bench-"))
    page_path, data_path = write_embed(load_snapshots(), folder / "embed.html")
    raw = page_path.read_bytes()
    print(f"embed of the bundled timeline: {len(raw) / 1024:.1f} KB as written, "
          f"{len(gzip.compress(raw, 9)) / 1024:.1f} KB gzip-compressed (both languages); "
          f"its CSV beside it {data_path.stat().st_size / 1024:,.0f} KB")
    paints, readies = [], []
    with serve_under(folder, "/some/prefix/") as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(options.visits):
            context = browser.new_context(viewport={"width": 1000, "height": 900})
            context.add_init_script(  # when the embed's own script has run
                "document.addEventListener('mapkit:frame', () => { if (!window.__ready) "
                "window.__ready = performance.now(); });")
            page = context.new_page()
            page.goto(f"{site.url}/some/prefix/embed.html")
            page.wait_for_function("() => window.mapkitEmbed && window.__ready")
            page.wait_for_function(
                "() => performance.getEntriesByName('first-contentful-paint').length")
            paint, ready = page.evaluate(TIMES)
            paints.append(paint)
            readies.append(ready)
            context.close()
        browser.close()
    load = os.getloadavg()[0]
    print(f"{options.visits} visits, load average {load:.1f}:")
    for name, values in (("first paint", paints), ("ready", readies)):
        print(f"  {name}: median {statistics.median(values):6.0f} ms, "
              f"worst {max(values):6.0f} ms (from the first byte)")


if __name__ == "__main__":
    main()
