"""Where one visitor's browser CPU goes while the viewer's page loads (Chrome DevTools).

Starts ``streamlit run app.py``, warms it with one visitor, then opens the page once more in
headless Chromium under a DevTools trace, until the table under the map shows the newest date.
Prints:

- CPU seconds of each Chromium process by type (renderer, gpu, browser, utility) from /proc;
- the trace's main-thread time by kind (script evaluation, compile, layout, style, paint, …)
  in the page and in the map's frame;
- script time by file (Streamlit's bundle chunks, the map's index.html, Leaflet …), from V8's
  sampling profiler: what is ours and what is Streamlit's.

Usage::

    python bench/profile_page_load.py [--runs 3] [--trace out.json]

No internet needed (as bench/bench_load.py). Figures vary with the machine's load: compare
runs made one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench"), str(REPO / "tests")]

from bench_load import MAP_PAINTED, TABLE_SHOWS, _processes, route_offline  # noqa: E402
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, streamlit_app  # noqa: E402

from mapkit.i18n import date_text  # noqa: E402
from mapkit.snapshots import load_snapshots  # noqa: E402

#: Top-level main-thread trace events and the names they are reported under.
KINDS = {
    "EvaluateScript": "script: evaluate (first run of a file)",
    "v8.compile": "script: compile",
    "v8.compileModule": "script: compile",
    "FunctionCall": "script: callbacks",
    "EventDispatch": "script: events",
    "TimerFire": "script: timers",
    "FireAnimationFrame": "script: animation frames",
    "RunMicrotasks": "script: microtasks",
    "V8.GCScavenger": "script: GC",
    "MajorGC": "script: GC",
    "MinorGC": "script: GC",
    "ParseHTML": "parse HTML",
    "ParseAuthorStyleSheet": "parse CSS",
    "UpdateLayoutTree": "style",
    "Layout": "layout",
    "PrePaint": "paint",
    "Paint": "paint",
    "Layerize": "paint",
    "UpdateLayer": "paint",
    "CompositeLayers": "paint",
    "Commit": "paint",
    "Decode Image": "images",
    "ResourceReceivedData": "network",
}


def browser_cpu(root: int) -> dict[int, tuple[str, float]]:
    """CPU seconds of each Chromium process descending from ``root``: pid -> (type, seconds)."""
    processes = _processes()
    mine, changed = {root}, True
    while changed:
        changed = False
        for pid, (parent, _, _) in processes.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                changed = True
    out = {}
    for pid in mine:
        if pid == root or pid not in processes or "chrom" not in processes[pid][2]:
            continue
        command = processes[pid][2]
        kind = "browser"
        if "--type=" in command:
            kind = command.split("--type=", 1)[1].split()[0]
            if kind == "utility" and "--utility-sub-type=" in command:
                kind += ":" + command.split("--utility-sub-type=", 1)[1].split()[0].split(".")[-1]
        out[pid] = (kind, processes[pid][1])
    return out


def thread_cpu(pids) -> dict[str, float]:
    """CPU seconds of the threads of ``pids``, by thread name (e.g. the renderer's main thread,
    its compositor and raster workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = collections.Counter()
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                name = (task / "comm").read_text().strip()
            except OSError:
                continue
            out[name.rstrip("0123456789")] += (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds used between two :func:`browser_cpu` readings, by process type (processes
    that ended in between are not counted: read ``after`` before closing the page)."""
    used: dict[str, float] = collections.Counter()
    for pid, (kind, seconds) in after.items():
        used[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return used


def main_thread_time(events: list[dict]) -> tuple[dict, dict]:
    """Time of the renderer main threads' work by kind (an event inside another counted one is
    not counted again), and script time by file."""
    threads = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            threads[(e["pid"], e["tid"])] = e["args"]["name"]
    main = {key for key, name in threads.items() if name == "CrRendererMain"}
    kinds: dict[str, float] = collections.Counter()
    by_url: dict[str, float] = collections.Counter()
    open_until: dict = collections.defaultdict(float)  # end of the counted event per thread
    busy_until: dict = collections.defaultdict(float)
    busy = 0.0
    for e in sorted((e for e in events if (e.get("pid"), e.get("tid")) in main
                     and e.get("ph") == "X" and "dur" in e), key=lambda e: (e["ts"], -e["dur"])):
        thread = (e["pid"], e["tid"])
        end = e["ts"] + e["dur"]
        if e["ts"] >= busy_until[thread]:
            busy += e["dur"] / 1e6
            busy_until[thread] = end
        elif end > busy_until[thread]:
            busy += (end - busy_until[thread]) / 1e6
            busy_until[thread] = end
        if e["name"] not in KINDS or e["ts"] < open_until[thread]:
            continue
        open_until[thread] = end
        kind = KINDS[e["name"]]
        kinds[kind] += e["dur"] / 1e6
        if kind.startswith("script"):
            data = e.get("args", {}).get("data", {})
            url = data.get("url") or data.get("scriptName") or data.get("fileName") or ""
            by_url[url.split("?")[0].rsplit("/", 1)[-1][:50] or "(no file)"] += e["dur"] / 1e6
    kinds["(main threads busy)"] = busy
    return kinds, by_url


def profile_self_time(profile: dict) -> dict[str, float]:
    """V8 CPU profile: self time by script file."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    counts: dict[int, int] = collections.Counter(profile.get("samples", []))
    deltas = profile.get("timeDeltas", [])
    per_sample = (sum(deltas) / len(deltas) / 1e6) if deltas else 0.0
    out: dict[str, float] = collections.Counter()
    for node_id, count in counts.items():
        frame = nodes[node_id]["callFrame"]
        url = frame.get("url") or ""
        name = (url.split("?")[0].rsplit("/", 1)[-1][:50] if url
                else f"({frame.get('functionName') or 'native'})")
        out[name] += count * per_sample
    return out


async def one_load(browser, url: str, label: str, trace: Path | None,
                   instrument: bool = True, route: bool = True) -> dict:
    """Open the page in a fresh context; with ``instrument``, under trace and profiler."""
    before = browser_cpu(os.getpid())
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    if route:  # without: an experiment, what Playwright's routing costs
        await route_offline(context)
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Performance.enable")
    trace_path = trace or Path("/tmp/profile_page_load_trace.json")
    if instrument:
        await cdp.send("Profiler.enable")
        await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        await cdp.send("Profiler.start")
        await browser.start_tracing(page=page, path=str(trace_path), categories=[
            "devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline",
            "toplevel", "blink.user_timing"])
    started = time.perf_counter()
    await page.goto(url)
    wait_map = label == "text:" or not label.startswith("text:")
    if label.startswith("text:"):  # an experiment's page: wait for its text (if any)
        if label[5:]:
            await page.wait_for_function("(t) => document.body.innerText.includes(t)",
                                         arg=label[5:], polling=100, timeout=180_000)
        label = ""
    await page.wait_for_function(MAP_PAINTED if wait_map else "() => true", polling=100,
                                 timeout=180_000)
    painted = time.perf_counter() - started
    if label:
        await page.wait_for_function(TABLE_SHOWS, arg=label, polling=100, timeout=180_000)
    full = time.perf_counter() - started
    await asyncio.sleep(0.5)
    metrics = {m["name"]: m["value"] for m in
               (await cdp.send("Performance.getMetrics"))["metrics"]}
    after = browser_cpu(os.getpid())
    renderers = [pid for pid, (kind, _) in after.items() if kind == "renderer"
                 and pid not in before]
    result = {"painted": painted, "full": full, "metrics": metrics,
              "renderer_threads": thread_cpu(renderers),
              "cpu": cpu_used(before, after)}
    if instrument:
        profile = (await cdp.send("Profiler.stop"))["profile"]
        await browser.stop_tracing()
        events = json.loads(trace_path.read_text())["traceEvents"]
        result["profile"] = profile_self_time(profile)
        result["trace"] = main_thread_time(events)
    await context.close()
    return result


async def run(url: str, label: str, runs: int, trace: Path | None, cpu_only: bool,
              route: bool) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await one_load(browser, url, label, None, route=route)  # warm: the server's caches fill
        totals = []
        for number in range(runs):
            for instrument in (False,) if cpu_only else (False, True):
                result = await one_load(browser, url, label, trace, instrument, route)
                cpu, m = result["cpu"], result["metrics"]
                if not instrument:
                    totals.append((sum(cpu.values()), cpu.get("renderer", 0.0),
                                   m.get("TaskDuration", 0.0), result["full"]))
                print(f"\nrun {number + 1}{' under trace + profiler' if instrument else ''}: "
                      f"map painted {result['painted']:.2f} s, full page {result['full']:.2f} s;"
                      f" Chromium CPU {sum(cpu.values()):.2f} s ("
                      + ", ".join(f"{k} {v:.2f}" for k, v in
                                  sorted(cpu.items(), key=lambda kv: -kv[1]) if v >= 0.005)
                      + ")")
                print("  Performance.getMetrics (page, all frames): " + ", ".join(
                    f"{k} {m.get(k, 0):.2f} s" for k in (
                        "TaskDuration", "ScriptDuration", "LayoutDuration",
                        "RecalcStyleDuration")))
                print("  the page's renderer by thread (s): " + ", ".join(
                    f"{k} {v:.2f}" for k, v in sorted(result["renderer_threads"].items(),
                                                      key=lambda kv: -kv[1]) if v >= 0.01))
                if not instrument:
                    continue
                kinds, by_url = result["trace"]
                print("  renderer main threads by kind (trace, s): " + ", ".join(
                    f"{k} {v:.2f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
                print("  script by file (trace, s): " + ", ".join(
                    f"{k} {v:.2f}" for k, v in sorted(by_url.items(), key=lambda kv: -kv[1])[:10]))
                print("  V8 self time by file (profiler, s): " + ", ".join(
                    f"{k} {v:.2f}" for k, v in sorted(result["profile"].items(),
                                                      key=lambda kv: -kv[1])[:14]))
        await browser.close()
    medians = [statistics.median(column) for column in zip(*totals)]
    print(f"\nmedian of {len(totals)} loads: Chromium CPU {medians[0]:.2f} s, renderer "
          f"{medians[1]:.2f} s, main-thread tasks {medians[2]:.2f} s, full page {medians[3]:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-route", action="store_true",
                        help="no Playwright routing (tiles fail offline): what routing costs")
    parser.add_argument("--cpu-only", action="store_true",
                        help="no trace or profiler: CPU and page metrics only")
    parser.add_argument("--trace", type=Path, help="keep the last run's trace (JSON)")
    parser.add_argument("--snapshots", action="append", help="snapshot CSV file or folder")
    parser.add_argument("--app", type=Path, default=REPO / "app.py",
                        help="another page to load instead (an experiment: it must show the "
                             "map and the table heading as app.py does)")
    parser.add_argument("--wait-text", help="with --app: wait for this text instead of the "
                                            "map and the table ('': for the map only)")
    options = parser.parse_args()
    frame = load_snapshots(options.snapshots)
    label = date_text(max(frame["date"]).date())
    if options.wait_text is not None:
        label = "text:" + options.wait_text
    args = [a for p in options.snapshots or [] for a in ("--snapshots", p)]
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with streamlit_app(options.app, *args, timeout=120) as url:
        asyncio.run(run(url, label, options.runs, options.trace, options.cpu_only,
                        route=not options.no_route))


if __name__ == "__main__":
    main()
