"""N visitors at once: what the viewer costs a shared server, in headless Chromium.

Starts ``streamlit run app.py`` once and sends it simulated visitors (one Chromium, a browser
context each, so they share nothing but the server):

- first paint: from the visitor's request to the map painted (its regions filled), and to the
  full page (the table under the map showing the shown date);
- slider → table: each visitor moves the date slider one step back about once a second for
  ``--seconds`` and times the key press until the table under the map names the new date.

The server is measured with 1 visitor first (the baseline, in the same run), then with
``--visitors`` at once. Then two more measures put those figures in their place:

- the same visitors without browsers (``--no-protocol`` skips it): each speaks Streamlit's own
  websocket protocol as the page does (the map's value sent as the component sends it) and
  times the map's message and the table's heading: the server's part, apart from the browsers
  that share its cores here and would not on a real server;
- the floor (``--no-floor`` skips it): the same visitors open the cheapest Streamlit page there
  is (``bench/floor_page.py``: one heading), the floor under any Streamlit page on this machine
  when the visitors' browsers share its cores.

Goal (issue 13), on this 2-core machine with 10 visitors: first paint ≤ 6 s, table p95
≤ 500 ms. The load average is printed before and after: other work on the machine moves these
figures by seconds, so judge them against the baselines next to them.

``--no-browsers`` (issue 18): the server alone, no Chromium. The page is measured on a fresh
server as ``python3 run.py`` runs it (its ``.streamlit/config.toml`` decides), with 1 visitor,
then with ``--visitors`` speaking Streamlit's protocol at once; with ``--baseline COMMIT``, the
page as of that commit too (its own ``mapkit`` and config, from ``git archive``), the two in
turns ``--rounds`` times, printed side by side: slider → table p50/p95, first page p95, errors
(a visitor that timed out, lost its connection or saw an error on the page), the server's CPU
a step and its memory, how long its event loop ran and waited for a CPU that other work held
(Linux's schedstat), and the visitors' own process's CPU and event-loop lateness (were one
Python process too slow to drive all the websockets, they would show it). Goal, on this
2-core machine with 50 visitors: table p95 ≤ 500 ms, first page p95 ≤ 1.5 s, no errors.

Usage::

    python bench/bench_load.py [--visitors 10] [--seconds 60] [--snapshots DIR ...]
                               [--no-protocol] [--no-floor] [--app PAGE]
    python bench/bench_load.py --no-browsers [--visitors 50] [--seconds 60] [--baseline COMMIT]
                               [--rounds 2] [--file-watcher auto|none]

No internet needed: Leaflet ships in the package, tiles are blank.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import mimetypes
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from offline_assets import BLANK_TILE_PNG, local_file_for  # noqa: E402
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, streamlit_app  # noqa: E402

from mapkit.figures import build_timeline, default_series  # noqa: E402
from mapkit.i18n import date_text  # noqa: E402
from mapkit.snapshots import load_snapshots  # noqa: E402

GOAL_FIRST_PAINT_S = 6.0
GOAL_TABLE_P95_MS = 500.0
#: Issue 18, the server alone (``--no-browsers``, 50 visitors): first page p95, no errors.
GOAL_SERVER_PAGE_P95_S = 1.5
STEP_PAUSE_S = 1.0

MAP_PAINTED = """() => {
  const frame = document.querySelector("iframe[title*='control_map']");
  const doc = frame && frame.contentDocument;
  return !!doc && doc.querySelectorAll('path[data-region][fill]').length >= 27;
}"""
#: The heading of the table under the map names ``label`` (e.g. "Data for 1 June 2024").
TABLE_SHOWS = """(label) => Array.from(document.querySelectorAll('h1,h2,h3,h4'))
  .some(h => h.textContent.includes(label))"""
FLOOR_PAGE = REPO / "bench" / "floor_page.py"
FLOOR_SHOWS = "Streamlit is up"


async def route_offline(context) -> None:
    """Answer CDN requests from node_modules and tiles with a blank tile (async Playwright)."""

    async def handle(route) -> None:
        url = route.request.url
        local = local_file_for(url)
        if local is not None:
            await route.fulfill(status=200, body=local.read_bytes(), headers={
                "Content-Type": mimetypes.guess_type(local.name)[0] or "text/plain",
                "Access-Control-Allow-Origin": "*"})
        elif route.request.resource_type == "image" or "tile" in urlsplit(url).netloc:
            await route.fulfill(status=200, body=BLANK_TILE_PNG, content_type="image/png")
        else:
            await route.abort("internetdisconnected")

    await context.route(re.compile(r"^https?://(?!(localhost|127\.0\.0\.1)[:/])"), handle)


async def visitor(browser, url: str, labels: list[str], seconds: float, start_delay: float,
                  number: int, floor: bool = False) -> dict:
    """One visitor: open the page, then step the slider back once a second (on the floor
    page: open it, no more)."""
    await asyncio.sleep(start_delay)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await route_offline(context)
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(url)
    if floor:
        await page.wait_for_function(TABLE_SHOWS, arg=FLOOR_SHOWS, polling=100,
                                     timeout=180_000)
        shown = time.perf_counter() - started
        await context.close()
        return {"number": number, "map_s": shown, "page_s": shown, "latencies": [],
                "loaded_at": started + shown}
    await page.wait_for_function(MAP_PAINTED, polling=100, timeout=180_000)
    painted = time.perf_counter() - started
    await page.wait_for_function(TABLE_SHOWS, arg=labels[-1], polling=100, timeout=180_000)
    full = time.perf_counter() - started
    slider = page.frame_locator("iframe[title*='control_map']").locator("#slider")
    await slider.focus()
    latencies, index = [], len(labels) - 1
    until = time.perf_counter() + seconds
    while time.perf_counter() < until and index > 0:
        index -= 1
        pressed = time.perf_counter()
        await slider.press("ArrowLeft")
        await page.wait_for_function(TABLE_SHOWS, arg=labels[index], polling="raf",
                                     timeout=60_000)
        latencies.append((pressed, (time.perf_counter() - pressed) * 1000))
        await asyncio.sleep(STEP_PAUSE_S)
    await context.close()
    return {"number": number, "map_s": painted, "page_s": full, "latencies": latencies,
            "loaded_at": started + full}


def _rerun(widget_id: str | None = None, value: dict | None = None,
           fragment_id: str = "") -> bytes:
    """The page's request to run the script again (or only the fragment ``fragment_id``, as
    the browser asks when a widget inside it moves), with the map component's value."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    back = BackMsg()
    back.rerun_script.query_string = ""
    back.rerun_script.page_script_hash = ""
    back.rerun_script.fragment_id = fragment_id
    if widget_id is not None:
        state = back.rerun_script.widget_states.widgets.add()
        state.id = widget_id
        state.json_value = json.dumps(value)
    return back.SerializeToString()


async def _element(socket, wanted):
    """Read the server's messages until an element for which ``wanted(element)`` is true
    (a minute at most); returns what ``wanted`` returned and the element's fragment."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(socket.recv(), timeout=60))
        if (message.WhichOneof("type") == "delta"
                and message.delta.WhichOneof("type") == "new_element"):
            element = message.delta.new_element
            if element.WhichOneof("type") == "exception" or (
                    element.WhichOneof("type") == "alert"
                    and element.alert.format == Alert.ERROR):
                raise VisitorError("the page showed an error: " + (
                    element.exception.message if element.WhichOneof("type") == "exception"
                    else element.alert.body)[:200])
            if found := wanted(element):
                return found, message.delta.fragment_id


class VisitorError(Exception):
    """What a visitor without a browser saw go wrong: an error on the page."""


def _heading_with(label: str):
    return lambda e: e.WhichOneof("type") == "heading" and label in e.heading.body


async def protocol_visitor(url: str, days: list[dt.date], seconds: float, start_delay: float,
                           number: int) -> dict:
    """One visitor without a browser: what the page asks of the server, over Streamlit's
    websocket, as the browser's page does it (the map's value set as the component sets it)."""
    import websockets

    await asyncio.sleep(start_delay)
    started = time.perf_counter()
    try:
        return await _protocol_visit(websockets, url, days, seconds, started, number)
    except (OSError, TimeoutError, websockets.exceptions.WebSocketException,
            VisitorError) as error:  # counted: the goal is none
        return {"number": number, "error": f"{type(error).__name__}: {error}"[:300]}


async def _protocol_visit(websockets, url: str, days: list[dt.date], seconds: float,
                          started: float, number: int) -> dict:
    async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream",
                                  subprotocols=["streamlit"], max_size=None) as socket:
        await socket.send(_rerun())
        (map_id,), fragment = await _element(
            socket, lambda e: e.WhichOneof("type") == "component_instance"
            and (e.component_instance.id,))
        painted = time.perf_counter() - started
        await socket.send(_rerun(map_id, {"event": "ready", "date": None, "selected": None,
                                          "n": 1}, fragment))
        await _element(socket, _heading_with(date_text(days[-1])))
        full = time.perf_counter() - started
        latencies, index = [], len(days) - 1
        until = time.perf_counter() + seconds
        while time.perf_counter() < until and index > 0:
            index -= 1
            pressed = time.perf_counter()
            await socket.send(_rerun(map_id, {"event": "date", "date": days[index].isoformat(),
                                              "selected": None, "n": len(latencies) + 2},
                                     fragment))
            await _element(socket, _heading_with(date_text(days[index])))
            latencies.append((pressed, (time.perf_counter() - pressed) * 1000))
            await asyncio.sleep(STEP_PAUSE_S)
    return {"number": number, "map_s": painted, "page_s": full, "latencies": latencies,
            "loaded_at": started + full}


async def protocol_crowd(url: str, days: list[dt.date], visitors: int,
                         seconds: float) -> list[dict]:
    return await asyncio.gather(*(protocol_visitor(url, days, seconds, 0.5 * i, i)
                                  for i in range(visitors)))


async def crowd(url: str, labels: list[str], visitors: int, seconds: float,
                floor: bool = False) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # arrivals spread over half a second each, as people do, not one instant
        results = await asyncio.gather(*(visitor(browser, url, labels, seconds, 0.5 * i, i,
                                                 floor) for i in range(visitors)))
        await browser.close()
    return results


def _processes() -> dict[int, tuple[int, float, str]]:
    """Every process: pid -> (parent pid, CPU seconds used, command line)."""
    found = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick,
                                  command)
    return found


def cpu_split(port: str, seen: dict[int, float] | None = None) -> tuple[float, float]:
    """CPU seconds used so far by the Streamlit server on ``port``, and by the browser
    processes this benchmark started (its descendants named chrom…). ``seen`` keeps each
    browser process's last reading, so one that has exited still counts."""
    processes = _processes()
    server = sum(cpu for _, cpu, command in processes.values()
                 if "streamlit" in command and f"--server.port {port}" in command)
    mine = {os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, (parent, _, _) in processes.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                changed = True
    seen = {} if seen is None else seen
    for pid in mine:
        if pid in processes and "chrom" in processes[pid][2]:
            seen[pid] = max(seen.get(pid, 0.0), processes[pid][1])
    return server, sum(seen.values())


async def crowd_with_cpu(run, port: str) -> dict:
    """Run ``crowd(…)`` and read the CPU its browsers used just before they close."""
    task = asyncio.ensure_future(run)
    seen: dict[int, float] = {}
    samples = []  # (time, server CPU, browsers' CPU)
    while not task.done():  # the browsers' CPU, read while they live
        samples.append((time.perf_counter(), *cpu_split(port, seen)))
        await asyncio.sleep(0.1)
    server, browsers = cpu_split(port, seen)
    return {"visitors": task.result(), "server": server, "browsers": browsers,
            "samples": samples}


def cpu_until(samples: list[tuple[float, float, float]], moment: float) -> tuple[float, float]:
    """(server, browsers) CPU seconds as last read before ``moment``."""
    before = [sample for sample in samples if sample[0] <= moment] or samples[:1]
    return before[-1][1], before[-1][2]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def report(name: str, results: list[dict]) -> dict:
    failed = [r["error"] for r in results if "error" in r]
    results = [r for r in results if "error" not in r]
    for error in sorted(set(failed)):
        print(f"{name}: {failed.count(error)} visitor(s) failed: {error}", flush=True)
    if not results:
        return {"map_max": float("nan"), "page_max": float("nan"), "page_p95": float("nan"),
                "p50": float("nan"), "p95": float("nan"), "steady_p95": float("nan"),
                "steps": 0, "errors": len(failed)}
    maps = [r["map_s"] for r in results]
    pages = [r["page_s"] for r in results]
    steps = [ms for r in results for _, ms in r["latencies"]]
    # steps taken once every visitor's page is up: the server's steady state, apart from the
    # minutes when ten browsers on this same machine start a Streamlit page each
    all_up = max(r["loaded_at"] for r in results)
    steady = [ms for r in results for at, ms in r["latencies"] if at > all_up]
    summary = {"map_max": max(maps), "page_max": max(pages),
               "page_p95": percentile(pages, 0.95),
               "p50": statistics.median(steps) if steps else float("nan"),
               "p95": percentile(steps, 0.95) if steps else float("nan"),
               "steady_p95": percentile(steady, 0.95) if steady else float("nan"),
               "steps": len(steps), "errors": len(failed)}
    print(f"{name:<14} first paint: map median {statistics.median(maps):.1f} s, worst "
          f"{max(maps):.1f} s; full page median {statistics.median(pages):.1f} s, p95 "
          f"{summary['page_p95']:.1f} s, worst {max(pages):.1f} s | slider → table over "
          f"{len(steps)} steps: p50 {summary['p50']:.0f} ms, p95 {summary['p95']:.0f} ms, max "
          f"{max(steps) if steps else float('nan'):.0f} ms; once every page was up "
          f"({len(steady)} steps): p50 "
          f"{statistics.median(steady) if steady else float('nan'):.0f} ms, p95 "
          f"{summary['steady_p95']:.0f} ms; errors {len(failed)}", flush=True)
    return summary


def goal_text(summary: dict) -> str:
    """"full page ≤ 6 s: NOT met (16.6 s); table p95 ≤ 500 ms: met (421 ms)"."""
    page, table = summary["page_max"], summary["p95"]
    return (f"full page ≤ {GOAL_FIRST_PAINT_S:g} s: "
            f"{'met' if page <= GOAL_FIRST_PAINT_S else 'NOT met'} ({page:.1f} s); "
            f"table p95 ≤ {GOAL_TABLE_P95_MS:g} ms: "
            f"{'met' if table <= GOAL_TABLE_P95_MS else 'NOT met'} ({table:.0f} ms)")


def load_text() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


async def protocol_run(url: str, days: list[dt.date], visitors: int, seconds: float) -> dict:
    """:func:`protocol_crowd`, and what the visitors' own process cost meanwhile: its CPU, and
    how late its event loop ran a 10 ms timer (were this one process too slow to drive all the
    websockets, it would read the server's answers late and its loop would run late)."""
    lags: list[float] = []
    done = asyncio.Event()

    async def watch() -> None:
        while not done.is_set():
            asked = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append((time.perf_counter() - asked - 0.01) * 1000)

    watcher = asyncio.ensure_future(watch())
    cpu, started = time.process_time(), time.perf_counter()
    results = await protocol_crowd(url, days, visitors, seconds)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - started
    done.set()
    await watcher
    return {"visitors": results, "client_cpu": cpu, "wall": wall,
            "client_lag_p99": percentile(lags, 0.99)}


def server_rss_mb(pid: int | None) -> float:
    """The resident memory of the server process ``pid``, in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def server_pid(port: str) -> int | None:
    return next((pid for pid, (_, _, command) in _processes().items()
                 if "streamlit" in command and f"--server.port {port}" in command), None)


def cpu_wait(pid: int | None) -> tuple[float, float]:
    """Seconds the server's main thread (its event loop: every visitor's messages pass
    through it) has run on a CPU, and has waited, runnable, for one (Linux's schedstat): on a
    shared machine the cores are taken by others' work while the server has work to do."""
    try:
        ran, waited, _ = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return float("nan"), float("nan")
    return int(ran) / 1e9, int(waited) / 1e9


def checkout(ref: str, into: Path) -> str:
    """The files of commit ``ref`` of this repository, written into ``into``; returns the
    commit's short hash."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", ref],
                            capture_output=True, text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def measure_server(name: str, app: Path, args: list[str], days: list[dt.date], visitors: int,
                   seconds: float, cwd: Path | None = None,
                   file_watcher: str | None = None) -> dict:
    """One page on a fresh server, visitors without browsers: 1 visitor, then ``visitors``
    at once. ``cwd``: another checkout, whose ``mapkit`` and ``.streamlit/config.toml`` the
    page reads. The server runs as ``python3 run.py`` runs it (its config files decide),
    unless ``file_watcher`` sets Streamlit's ``server.fileWatcherType``."""
    with streamlit_app(app, *args, timeout=120, cwd=cwd or REPO,
                       file_watcher=file_watcher) as url:
        port = url.rsplit(":", 1)[1]
        asyncio.run(protocol_crowd(url, days, 1, 3))  # the server's first visitor: caches fill
        alone = report(f"{name}, 1 visitor",
                       asyncio.run(protocol_crowd(url, days, 1, min(seconds, 20.0))))
        load = os.getloadavg()
        print(f"{name}: {visitors} visitors from {load_text()}", flush=True)
        pid = server_pid(port)
        before, (ran, waited) = cpu_split(port)[0], cpu_wait(pid)
        run = asyncio.run(protocol_run(url, days, visitors, seconds))
        server = cpu_split(port)[0] - before
        ran, waited = (now - then for now, then in zip(cpu_wait(pid), (ran, waited)))
        rss = server_rss_mb(pid)
    many = report(f"{name}, {visitors} visitors", run["visitors"])
    per_step = server / max(many["steps"], 1) * 1000
    print(f"{name}: server CPU {server:.1f} s in {run['wall']:.0f} s ({server / run['wall']:.0%} "
          f"of one core; {per_step:.1f} ms a step, first pages included), RSS {rss:.0f} MB; its "
          f"event loop's thread ran {ran:.1f} s and waited {waited:.1f} s for a CPU taken by "
          f"other work; the visitors' own process: CPU {run['client_cpu']:.1f} s "
          f"({run['client_cpu'] / run['wall']:.0%} of one core), its event loop late by "
          f"{run['client_lag_p99']:.1f} ms at p99; {load_text()}", flush=True)
    return {**many, "alone_p95": alone["p95"], "cpu_step": per_step,
            "core_share": server / run["wall"] * 100, "rss": rss,
            "client_share": run["client_cpu"] / run["wall"] * 100,
            "client_lag": run["client_lag_p99"], "loop_ran": ran, "loop_waited": waited,
            "load": load[0]}


def server_goal_text(summary: dict) -> str:
    """"table p95 ≤ 500 ms: met (258 ms); first page p95 ≤ 1.5 s: met (0.1 s); errors: none"."""
    table, page, errors = summary["p95"], summary["page_p95"], summary["errors"]
    return (f"table p95 ≤ {GOAL_TABLE_P95_MS:g} ms: "
            f"{'met' if table <= GOAL_TABLE_P95_MS else 'NOT met'} ({table:.0f} ms); "
            f"first page p95 ≤ {GOAL_SERVER_PAGE_P95_S:g} s: "
            f"{'met' if page <= GOAL_SERVER_PAGE_P95_S else 'NOT met'} ({page:.1f} s); "
            f"errors: {'none' if not errors else f'{errors} — NOT met'}")


#: The side-by-side table of ``--no-browsers``: (label, key, format).
COMPARED = [
    ("slider → table p95", "p95", "{:.0f} ms"),
    ("slider → table p50", "p50", "{:.0f} ms"),
    ("… once every page was up, p95", "steady_p95", "{:.0f} ms"),
    ("first page p95", "page_p95", "{:.2f} s"),
    ("errors", "errors", "{:d}"),
    ("server CPU a step", "cpu_step", "{:.1f} ms"),
    ("server CPU, share of one core", "core_share", "{:.0f} %"),
    ("server RSS", "rss", "{:.0f} MB"),
    ("event loop's thread on a CPU", "loop_ran", "{:.1f} s"),
    ("… waiting for a CPU others held", "loop_waited", "{:.1f} s"),
    ("visitors' process CPU, of one core", "client_share", "{:.1f} %"),
    ("visitors' event loop late, p99", "client_lag", "{:.1f} ms"),
    ("1 visitor alone: slider → table p95", "alone_p95", "{:.0f} ms"),
    ("load average (1 min) at the start", "load", "{:.2f}"),
]


def no_browsers(options, days: list[dt.date], args: list[str]) -> None:
    """``--no-browsers``: the server alone, this checkout's page and, with ``--baseline``,
    an older commit's, run in turns (``--rounds``) and printed side by side."""
    pages = [("this checkout", options.app, None)]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        if options.baseline:
            commit = checkout(options.baseline, Path(folder))
            pages.insert(0, (f"baseline {commit}", Path(folder) / "app.py", Path(folder)))
        measured: dict[str, list[dict]] = {name: [] for name, _, _ in pages}
        for turn in range(options.rounds):
            for name, app, cwd in pages:
                label = name if options.rounds == 1 else f"{name} (round {turn + 1})"
                measured[name].append(measure_server(label, app, args, days, options.visitors,
                                                     options.seconds, cwd,
                                                     options.file_watcher))
    print(f"\n{options.visitors} visitors without browsers, each moving the slider once a "
          f"second for {options.seconds:g} s ({options.rounds} round(s), in turns; after the "
          f"comma, the next rounds):")
    print(f"{'':<38}" + "".join(f"{name:<26}" for name in measured))
    for label, key, form in COMPARED:
        print(f"{label:<38}" + "".join(f"{', '.join(form.format(r[key]) for r in rows):<26}"
                                        for rows in measured.values()))
    for name, rows in measured.items():
        print(f"goal with {options.visitors} visitors, {name}: "
              + " | ".join(server_goal_text(r) for r in rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int,
                        help="visitors at once (default 10 in browsers, 50 without)")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="how long each visitor moves the slider")
    parser.add_argument("--snapshots", action="append", help="snapshot CSV file or folder")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the floor: the cheapest Streamlit page, same visitors")
    parser.add_argument("--no-protocol", action="store_true",
                        help="skip the visitors without browsers (the server alone)")
    parser.add_argument("--app", type=Path, default=REPO / "app.py",
                        help="another page to measure (an experiment: it must show the map and "
                             "the table heading as app.py does)")
    parser.add_argument("--no-browsers", action="store_true",
                        help="the server alone: visitors speaking Streamlit's protocol only, "
                             "no Chromium (issue 18's goal)")
    parser.add_argument("--baseline", metavar="COMMIT",
                        help="with --no-browsers: also measure the page as of COMMIT (its own "
                             "mapkit and .streamlit/config.toml), side by side")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --no-browsers: measure each page this many times, in turns")
    parser.add_argument("--file-watcher", metavar="TYPE",
                        help="with --no-browsers: Streamlit's server.fileWatcherType for every "
                             "page measured (default: as its config files say, as python3 "
                             "run.py runs it; 'auto' is Streamlit's own default)")
    options = parser.parse_args()
    if (options.baseline or options.rounds != 1 or options.file_watcher) \
            and not options.no_browsers:
        parser.error("--baseline, --rounds and --file-watcher go with --no-browsers")
    if options.visitors is None:
        options.visitors = 50 if options.no_browsers else 10

    frame = load_snapshots(options.snapshots)
    # the dates of the series on the map: its slider steps through these only
    dates = build_timeline(frame, source=default_series(frame)).dates
    labels = [date_text(day) for day in dates]
    args = [a for p in options.snapshots or [] for a in ("--snapshots", p)]
    print(f"data: {len(dates)} dates, {len(frame)} rows; {os.cpu_count()} cores")
    print(f"before: {load_text()}", flush=True)
    if options.no_browsers:
        no_browsers(options, dates, args)
        print(f"after: {load_text()}")
        return
    with streamlit_app(options.app, *args, timeout=120) as url:
        warm = asyncio.run(crowd(url, labels, 1, 3))  # the server's first visitor: caches fill
        print(f"server warmed by one visitor (first paint {warm[0]['page_s']:.1f} s)")
        port = url.rsplit(":", 1)[1]
        alone = report("1 visitor", asyncio.run(crowd(url, labels, 1, options.seconds)))
        print(f"between: {load_text()}", flush=True)
        server_before, _ = cpu_split(port)
        crowd_run = crowd(url, labels, options.visitors, options.seconds)
        started = time.perf_counter()
        results = asyncio.run(crowd_with_cpu(crowd_run, port))
        wall = time.perf_counter() - started
        many = report(f"{options.visitors} visitors", results["visitors"])
        all_up = max(r["loaded_at"] for r in results["visitors"])
        server_up, browsers_up = cpu_until(results["samples"], all_up)
        print(f"CPU while {options.visitors} visitors ran ({wall:.0f} s on {os.cpu_count()} "
              f"cores): server {results['server'] - server_before:.1f} s, the simulated "
              f"visitors' browsers (on the same cores) {results['browsers']:.1f} s; of "
              f"which until every page was up ({all_up - started:.0f} s): server "
              f"{server_up - server_before:.1f} s, browsers {browsers_up:.1f} s")
        if not options.no_protocol:
            print(f"between: {load_text()}", flush=True)
            server = report(f"{options.visitors} visitors, no browsers (the server alone)",
                            asyncio.run(protocol_crowd(url, dates, options.visitors,
                                                       options.seconds)))
    floor = None
    if not options.no_floor:
        with streamlit_app(FLOOR_PAGE, timeout=120) as url:
            asyncio.run(crowd(url, labels, 1, 0, floor=True))  # the server's first visitor
            alone_floor = asyncio.run(crowd(url, labels, 1, 0, floor=True))[0]["page_s"]
            floor = [r["page_s"] for r in asyncio.run(crowd(url, labels, options.visitors, 0,
                                                            floor=True))]
        print(f"floor: the cheapest Streamlit page (one heading, {FLOOR_PAGE.name}): 1 visitor "
              f"{alone_floor:.1f} s; {options.visitors} visitors median "
              f"{statistics.median(floor):.1f} s, worst {max(floor):.1f} s")
    print(f"after: {load_text()}")
    print(f"{options.visitors} visitors against 1: table p95 ×{many['p95'] / alone['p95']:.1f}, "
          f"worst full page ×{many['page_max'] / alone['page_max']:.1f}")
    print(f"goal with {options.visitors} visitors: {goal_text(many)}")
    if not options.no_protocol:
        print(f"the server's part of it, without browsers on its cores: {goal_text(server)}")
    if floor is not None:
        print(f"against the floor: an empty Streamlit page took {max(floor):.1f} s for the last "
              f"of {options.visitors} visitors, the viewer {many['page_max']:.1f} s (the goal "
              f"is {GOAL_FIRST_PAINT_S:g} s)")


if __name__ == "__main__":
    main()
