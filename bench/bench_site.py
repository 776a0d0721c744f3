"""The published site against the Streamlit viewer, in one run: first paint, and what readers
cost (issue 21, point 5).

    python bench/bench_site.py [--site DIR] [--visits 5] [--readers 200] [--visitors N]
                               [--arrival SECONDS]

1. **First paint**, measured as bench/bench_viewer.py measures the viewer: from the server's
   first byte (navigation ``responseStart``) to the regions painted with the latest date's
   colours, in fresh browser contexts (nothing cached), median and worst of ``--visits``.
   Four pages: the site's index.html and embed.html (served from a plain static server on
   loopback), the viewer (app.py) and the plain folium app (bench/plain_folium_app.py: a new
   folium map rendered per change). Goal: the site's pages at most half the viewer's and the
   plain app's.
2. **200 readers at once**: ``--readers`` concurrent readers of the embed, each fetching
   embed.html and every file it names, then data/figures.csv once, from Python's threaded
   http.server serving the site on loopback (``ThreadingHTTPServer``, its listen queue raised
   to the readers' number: the stock one of 5 drops connections a real server would queue).
   Errors (any status but 200, a refused or dropped connection, a read over 60 s) must be 0.
   Beside it, the Streamlit viewer with the same readers (``--visitors``, default
   ``--readers``), who load the map once, without browsers (Streamlit's own websocket
   protocol, as bench/bench_load.py speaks it; all at once as the site's readers, or
   ``--arrival`` seconds apart, bench_load's 0.5): their errors, waits, and the server's CPU
   per reader.

The site is published first into a scratch folder (``mapkit publish``, a minute or more on two
cores) unless ``--site`` names one. No internet needed. The machine's load average is printed
with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from bench_load import cpu_split, protocol_visitor  # noqa: E402
from bench_viewer import first_paint  # noqa: E402
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, free_port, streamlit_app  # noqa: E402

from mapkit.constants import PARTIAL_COLOUR  # noqa: E402
from mapkit.figures import build_timeline, default_series  # noqa: E402
from mapkit.snapshots import load_snapshots  # noqa: E402
from mapkit.viewer.map_data import viewer_timeline  # noqa: E402

PREFIX = "/ukraine-map/"
#: The site's map painted with the latest date's colours (sorted fills of its regions).
SITE_PAINTED = """(fills) => {
  const seen = Array.from(document.querySelectorAll('#mk-regions path'),
                          p => p.getAttribute('fill')).sort().join(',');
  return seen === fills ? performance.timeOrigin + performance.now() : false;
}"""
NAVIGATION_START = (
    "performance.timeOrigin + performance.getEntriesByType('navigation')[0].responseStart")
#: A static file server as plain as Python's own (`python -m http.server`), on loopback.
SERVER = """
import functools, http.server, sys
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = int(sys.argv[3])
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
Server(("127.0.0.1", int(sys.argv[2])), functools.partial(Quiet, directory=sys.argv[1])
       ).serve_forever()
"""


def site_fills(frame) -> str:
    timeline = build_timeline(frame, latest_only=True)
    return ",".join(sorted("url(#mk-hatch)" if cell.partial and cell.percent is None
                           else cell.colour for cell in timeline.frame(0)))


def site_paint(browser, url: str, fills: str) -> float:
    """Milliseconds from the first byte to the site's map painted (bench_viewer's way)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url)
    painted = page.wait_for_function(SITE_PAINTED, arg=fills, polling="raf",
                                     timeout=60_000).json_value()
    paint = painted - page.evaluate(NAVIGATION_START)
    context.close()
    return paint


def static_server(folder: Path, queue: int):
    """The site's folder served under PREFIX (a symlinked parent) by a child process."""
    root = Path(tempfile.mkdtemp(prefix="mapkit-site-root-"))
    (root / PREFIX.strip("/")).symlink_to(folder.resolve())
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port), str(queue)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            import urllib.request

            urllib.request.urlopen(url + PREFIX + "embed.js", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    return process, url


async def fetch(host: str, port: int, path: str, timeout: float = 60.0) -> tuple[int, bytes]:
    """One GET over a new connection (the server speaks HTTP/1.0: one request each)."""
    async def go():
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
                     "Accept-Encoding: identity\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        return status, body
    return await asyncio.wait_for(go(), timeout)


def referenced(page: bytes) -> list[str]:
    """The files a page names for its browser to load (src, stylesheets), relative ones."""
    found = re.findall(rb'<(?:script|img|iframe)[^>]*\ssrc="([^"]+)"|<link[^>]*href="([^"]+)"',
                       page)
    names = [(a or b).decode() for a, b in found]
    return [n for n in names if not re.match(r"^[a-z]+:|^/", n)]


async def reader(url: str, delay: float) -> dict:
    host, port = url.split("//")[1].split(":")
    await asyncio.sleep(delay)
    started, errors, sizes = time.perf_counter(), [], 0
    first = None
    try:
        status, page = await fetch(host, int(port), PREFIX + "embed.html")
        first = time.perf_counter() - started
        if status != 200:
            errors.append(f"embed.html: {status}")
        sizes += len(page)
        for name in [*referenced(page), "data/figures.csv"]:
            status, body = await fetch(host, int(port), PREFIX + name)
            sizes += len(body)
            if status != 200:
                errors.append(f"{name}: {status}")
    except (TimeoutError, OSError, ValueError, IndexError) as error:
        errors.append(f"{type(error).__name__}: {error}")
    return {"page_s": first, "all_s": time.perf_counter() - started, "errors": errors,
            "bytes": sizes}


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def load_text() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a published site (default: publish one)")
    parser.add_argument("--visits", type=int, default=5, help="first paints per page")
    parser.add_argument("--readers", type=int, default=200, help="concurrent embed readers")
    parser.add_argument("--visitors", type=int, default=None,
                        help="viewer readers over Streamlit's protocol [default: --readers]")
    parser.add_argument("--arrival", type=float, default=0.0,
                        help="seconds between the viewer readers' arrivals [default: 0, all "
                             "at once as the site's readers]")
    options = parser.parse_args()
    if options.visitors is None:
        options.visitors = options.readers
    from playwright.sync_api import sync_playwright

    frame = load_snapshots()
    scratch = Path(tempfile.mkdtemp(prefix="mapkit-site-bench-"))
    site = options.site
    if site is None:
        from mapkit.publish.site import publish_site

        started = time.perf_counter()
        site = scratch / "site"
        publish_site(frame, site)
        print(f"published the bundled site in {time.perf_counter() - started:.0f} s")
    fills = site_fills(frame)
    viewer_dates = [day.isoformat() for day in viewer_timeline(frame, None).dates]
    dates = [day.isoformat() for day in build_timeline(frame,
                                                       source=default_series(frame)).dates]
    print(f"start: {load_text()}", flush=True)

    # --- 1. First paint, four pages in one run ----------------------------------------------
    paints = {}
    server, url = static_server(site, max(1024, options.readers))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, page in (("site index.html", "index.html"),
                               ("site embed.html", "embed.html")):
                paints[name] = [site_paint(browser, f"{url}{PREFIX}{page}", fills)
                                for _ in range(options.visits)]
                print(f"  {name}: {'/'.join(f'{v:.0f}' for v in paints[name])} ms", flush=True)
            for name, script, hatch, days in (
                    ("viewer (app.py)", REPO / "app.py", "url(#mapkit-partial-hatch)",
                     viewer_dates),
                    ("plain folium app", REPO / "bench" / "plain_folium_app.py", PARTIAL_COLOUR,
                     dates)):
                with streamlit_app(script) as app:
                    first_paint(browser, app, frame, days, hatch)  # the server's first visitor
                    paints[name] = [first_paint(browser, app, frame, days, hatch)
                                    for _ in range(options.visits)]
                print(f"  {name}: {'/'.join(f'{v:.0f}' for v in paints[name])} ms", flush=True)
            browser.close()
    except BaseException:
        server.terminate()
        raise
    print(f"after first paints: {load_text()}", flush=True)

    # --- 2. Readers at once -----------------------------------------------------------------
    try:
        cpu_before = process_cpu(server.pid)
        started = time.perf_counter()
        async def at_once():
            return await asyncio.wait_for(asyncio.gather(
                *(reader(url, 0.0) for _ in range(options.readers))), 600)

        readers = asyncio.run(at_once())
        wall = time.perf_counter() - started
        site_cpu = process_cpu(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(timeout=10)
    site_errors = [e for r in readers for e in r["errors"]]
    pages = [r["page_s"] for r in readers if r["page_s"] is not None]
    print(f"after {options.readers} readers: {load_text()}", flush=True)

    with streamlit_app(REPO / "app.py", timeout=120) as app:
        port = app.rsplit(":", 1)[1]
        days = [dt.date.fromisoformat(day) for day in dates]
        asyncio.run(protocol_visitor(app, days, 0, 0, 0))  # the server's first: caches fill
        cpu_start, _ = cpu_split(port)

        async def crowd():
            return await asyncio.gather(*(protocol_visitor(app, days, 0, options.arrival * i,
                                                           i)
                                          for i in range(options.visitors)),
                                        return_exceptions=True)

        started = time.perf_counter()
        visits = asyncio.run(crowd())
        viewer_wall = time.perf_counter() - started
        viewer_cpu = cpu_split(port)[0] - cpu_start
    # a reader who timed out or lost the connection comes back with "error" (bench_load)
    viewer_errors = [v if isinstance(v, BaseException) else v["error"] for v in visits
                     if isinstance(v, BaseException) or "error" in v]
    viewer_pages = [v["page_s"] for v in visits
                    if not isinstance(v, BaseException) and "error" not in v] or [float("nan")]
    print(f"end: {load_text()}")

    print("\nfirst paint, ms from the first byte (median, worst of "
          f"{options.visits} fresh visits):")
    for name, values in paints.items():
        print(f"  {name:<18} {statistics.median(values):7.0f} {max(values):7.0f}")
    viewer, plain = statistics.median(paints["viewer (app.py)"]), \
        statistics.median(paints["plain folium app"])
    for name in ("site index.html", "site embed.html"):
        value = statistics.median(paints[name])
        verdict = "met" if value <= viewer / 2 and value <= plain / 2 else "NOT met"
        print(f"  goal {name} ≤ half the viewer's ({viewer / 2:.0f}) and the plain app's "
              f"({plain / 2:.0f}): {verdict} ({value:.0f} ms)")
    mb = sum(r["bytes"] for r in readers) / 1e6
    print(f"\n{options.readers} readers of the embed at once (embed.html, what it names, "
          f"data/figures.csv), Python's threaded http.server on loopback: "
          f"{len(site_errors)} errors; embed.html in p50 {1000 * statistics.median(pages):.0f}"
          f" ms, p95 {1000 * percentile(pages, 0.95):.0f} ms, max {1000 * max(pages):.0f} ms; "
          f"all {options.readers} done in {wall:.1f} s ({mb:.0f} MB); server CPU "
          f"{site_cpu:.1f} s, {1000 * site_cpu / options.readers:.0f} ms a reader")
    if site_errors:
        print("  errors: " + "; ".join(sorted(set(site_errors))[:10]))
    arrivals = ("all at once" if not options.arrival
                else f"arrivals {options.arrival:g} s apart")
    print(f"{options.visitors} readers of the viewer (Streamlit's protocol, no browsers, "
          f"{arrivals}): {len(viewer_errors)} errors; full page in p50 "
          f"{1000 * statistics.median(viewer_pages):.0f} ms, p95 "
          f"{1000 * percentile(viewer_pages, 0.95):.0f} ms, max "
          f"{1000 * max(viewer_pages):.0f} ms; {viewer_wall:.1f} s; server CPU "
          f"{viewer_cpu:.1f} s, {1000 * viewer_cpu / options.visitors:.0f} ms a reader (each "
          "also a live websocket to Python while the page is open)")
    if viewer_errors:
        print("  errors: " + "; ".join(sorted({str(e)[:120] for e in viewer_errors})[:5]))


if __name__ == "__main__":
    main()
