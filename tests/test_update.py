"""``mapkit update`` against a loopback server replaying the real DeepStateMap files.

The server (tests/replay_server.py) serves ../shared/deepstate/raw/ in the shape of DeepStateMap's
API and ../shared/deepstate/daily/ in the shape of the daily mirror, and injects the faults an
upstream server really has. Every run here writes to a temporary folder; waits are shortened
with --backoff and --timeout, never skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import fcntl
import gzip
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner
from replay_server import DAILY, RAW, Fault, ReplayServer, dump_id
from shapely.geometry import mapping, shape

from mapkit import __version__
from mapkit.cli import cli
from mapkit.ingest.fetchers import DeepStateApi, open_source
from mapkit.ingest.http import HttpClient, _retry_after
from mapkit.ingest.importers import read_control_file
from mapkit.ingest.update import folder_cadence, mark_notice_shown, national_occupied_km2
from mapkit.snapshots import read_snapshot_records

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "control_snapshots" / "deepstate"
needs_shared = pytest.mark.skipif(
    not RAW.is_dir() or not DAILY.is_dir(),
    reason="../shared/deepstate (the real DeepStateMap files the replay serves) is not beside "
           "this checkout")

#: A quiet month of raw dumps (the occupied area moves by well under 2 % a week).
DUMPS = [RAW / name for name in ("2025-06-15T200041Z.json", "2025-06-22T105253Z.json",
                                 "2025-06-29T204224Z.json", "2025-07-01T201534Z.json")]
#: The daily files of the bundled timeline's last weeks.
DAYS = sorted(DAILY.glob("2026-07-2*.geojson")) + sorted(DAILY.glob("2026-08-*.geojson"))
FAST = ["--rate", "0", "--backoff", "0.01"]


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """The per-user notice marker goes to a temporary folder, never to ~/.config."""
    folder = tmp_path / "config"
    monkeypatch.setenv("MAPKIT_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture()
def replay():
    server = ReplayServer(raw=DUMPS, daily=DAYS).start()
    yield server
    server.stop()


def update(*args: str):
    return CliRunner().invoke(cli, ["update", *map(str, args)])


def api(replay: ReplayServer, out: Path, *args: str):
    """``mapkit update`` from the replayed API, one snapshot a day from 2025-06-15."""
    return update("--base-url", replay.api, "--out", out, "--since", "2025-06-15", "--until",
                  "2025-07-01", "--every", "day", *FAST, *args)


def figures(folder: Path) -> dict[str, list[list[str]]]:
    """Every snapshot file's rows, every column but ``note``."""
    out = {}
    for path in sorted(folder.glob("*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        note = rows[0].index("note")
        out[path.name] = [row[:note] + row[note + 1:] for row in rows]
    return out


def compute(files, out: Path) -> Path:
    result = CliRunner().invoke(cli, ["compute", *map(str, files), "--out", str(out),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file in ``folder`` (hidden ones too) with its size and modification time."""
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def kept_in(cache: Path, kind: str) -> Path:
    """The folder of ``cache`` that holds the responses of a source of ``kind`` ("deepstate",
    "mirror"): one per address (here the replay's), named by its kind, host and a digest."""
    folders = [p for p in cache.iterdir() if p.name.startswith(f"{kind}-127.0.0.1-")]
    assert len(folders) == 1, sorted(p.name for p in cache.iterdir())
    return folders[0]


def seeded(tmp_path: Path, until: str, count: int = 6) -> Path:
    """A copy of the bundled weekly DeepStateMap folder's last ``count`` snapshots up to
    ``until``."""
    folder = tmp_path / "weekly"
    folder.mkdir()
    for path in sorted(p for p in BUNDLED.glob("*.csv") if p.stem <= until)[-count:]:
        shutil.copy(path, folder / path.name)
    return folder


# --- The same figures as mapkit compute ---------------------------------------------------------


@needs_shared
def test_update_from_the_api_writes_what_compute_writes_from_the_same_dumps(replay, tmp_path):
    out = tmp_path / "out"
    result = api(replay, out)
    assert result.exit_code == 0, result.output
    assert "4 date(s) added (2025-06-15 … 2025-07-01)" in result.output
    assert figures(out) == figures(compute(DUMPS, tmp_path / "computed"))
    assert sorted(figures(out)) == ["2025-06-15.csv", "2025-06-22.csv", "2025-06-29.csv",
                                    "2025-07-01.csv"]
    note = read_snapshot_records(out / "2025-07-01.csv")[0]["note"]
    assert f"DeepStateMap update {dump_id(DUMPS[-1])} of 2025-07-01 20:15 UTC" in note
    assert "replay of 2025-07-01T201534Z.json" in note  # the update's English description


@needs_shared
def test_update_from_the_mirror_continues_the_bundled_weekly_timeline(replay, tmp_path):
    folder = seeded(tmp_path, "2026-07-26")
    result = update("--source", "mirror", "--base-url", replay.mirror, "--out", folder,
                    "--until", "2026-08-22", *FAST)
    assert result.exit_code == 0, result.output
    assert "week cadence (the folder's)" in result.output
    # every week's last map and the 1st of the month, as the bundled folder has them; the
    # mirror's file of 22 August holds the map of the 21st
    assert "5 date(s) added (2026-08-01 … 2026-08-21)" in result.output
    assert "Newest: 2026-08-21 (was 2026-07-26)" in result.output
    bundled = figures(BUNDLED)
    for name in ("2026-08-01.csv", "2026-08-02.csv", "2026-08-09.csv", "2026-08-16.csv",
                 "2026-08-21.csv"):
        assert figures(folder)[name] == bundled[name]  # built by compute from the same files


@needs_shared
def test_summary_lists_the_regions_that_moved_and_the_occupied_area(replay, tmp_path):
    out = tmp_path / "out"
    assert api(replay, out, "--until", "2025-06-29").exit_code == 0
    result = api(replay, out)
    assert result.exit_code == 0
    before = {r["region"]: r["percent"] for r in read_snapshot_records(out / "2025-06-29.csv")}
    after = {r["region"]: r["percent"] for r in read_snapshot_records(out / "2025-07-01.csv")}
    moved = {code for code in after if abs(after[code] - before[code]) > 0.1}
    assert moved  # a real week at the front
    text = result.output.split("changes from 2025-06-29 to 2025-07-01:")[1]
    from mapkit.regions import REGIONS

    for region in REGIONS:
        change = after[region.code] - before[region.code]
        listed = f"  {region.name_en} {change:+.2f} pp" in text
        assert listed == (region.code in moved), region.name_en
    assert "occupied area in Ukraine" in text and "km²" in text


@needs_shared
def test_todays_updates_wait_until_the_day_is_over(tmp_path):
    now = dt.datetime.now(dt.UTC)
    today = tmp_path / f"{now:%Y-%m-%d}T000001Z.json"  # an update made today, UTC
    shutil.copy(DUMPS[-1], today)
    server = ReplayServer(raw=[*DUMPS, today]).start()
    try:
        result = update("--base-url", server.api, "--out", tmp_path / "out", "--since",
                        "2025-06-30", "--every", "day", *FAST)
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert sorted(figures(tmp_path / "out")) == ["2025-07-01.csv"]
    assert f"today's update(s) ({now:%Y-%m-%d}, UTC) are left for a run after midnight UTC" \
        in result.output


# --- Reruns, the cache, a dry run -----------------------------------------------------------------


@needs_shared
def test_rerun_with_nothing_new_asks_for_the_list_only(replay, tmp_path):
    out = tmp_path / "out"
    assert api(replay, out).exit_code == 0
    replay.requests.clear()
    before = listing(out)
    result = update("--base-url", replay.api, "--out", out, "--until", "2025-07-01", *FAST)
    assert result.exit_code == 0
    assert "0 date(s) added" in result.output and "Newest: 2025-07-01 (unchanged)" in \
        result.output
    assert replay.paths() == ["/api/history/public"]
    assert listing(out) == before


@needs_shared
def test_cache_keeps_raw_responses_that_compute_reproduces_offline(replay, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    result = api(replay, out, "--cache", cache)
    assert result.exit_code == 0
    folder = kept_in(cache, "deepstate")
    assert f"raw responses kept in {folder} (`mapkit compute {folder} --out DIR`" in \
        result.output
    kept = sorted(p.name for p in folder.glob("*.gz"))
    assert kept == [f"{p.stem}_{dump_id(p)}.json.gz" for p in DUMPS]
    assert gzip.decompress((folder / kept[0]).read_bytes()) == \
        DUMPS[0].read_bytes()  # the raw response, as it came
    assert figures(compute([folder], tmp_path / "offline")) == figures(out)

    shutil.rmtree(out)
    replay.requests.clear()
    assert api(replay, out, "--cache", cache).exit_code == 0
    assert not replay.paths("/api/history/1")  # no map downloaded again
    assert figures(out) == figures(tmp_path / "offline")


@needs_shared
def test_dry_run_downloads_no_map_and_writes_nothing(replay, tmp_path):
    folder = seeded(tmp_path, "2026-08-09")
    before = listing(folder)
    result = update("--source", "mirror", "--base-url", replay.mirror, "--out", folder,
                    "--until", "2026-08-22", "--dry-run", "--cache", tmp_path / "cache", *FAST)
    assert result.exit_code == 0, result.output
    assert "dry run — nothing was downloaded or written" in result.output
    assert "would fetch the newest file of 2026-08-10 … 2026-08-16" in result.output
    assert not replay.requests and listing(folder) == before
    assert not (tmp_path / "cache").exists()


@needs_shared
def test_a_later_map_of_the_same_week_replaces_the_provisional_snapshot(replay, tmp_path):
    folder = seeded(tmp_path, "2026-08-16")
    compute([DAILY / "2026-08-19.geojson"], folder)  # the map of the 18th, mid-week: provisional
    result = update("--source", "mirror", "--base-url", replay.mirror, "--out", folder,
                    "--until", "2026-08-22", *FAST)
    assert result.exit_code == 0, result.output
    assert "2026-08-21 replaced 2026-08-18 (same ISO week" in result.output
    names = sorted(figures(folder))
    assert names[-2:] == ["2026-08-16.csv", "2026-08-21.csv"]
    assert figures(folder)["2026-08-21.csv"] == figures(BUNDLED)["2026-08-21.csv"]


# --- Faults: each with its exit code, message and what is on disk afterwards ---------------------


@needs_shared
@pytest.mark.parametrize(("fault", "said"), [
    (Fault(status=500), "HTTP 500 Internal Server Error"),
    (Fault(status=503), "HTTP 503 Service Unavailable"),  # no Retry-After: the backoff
    (Fault(drop=True), "the connection was reset"),
    (Fault(truncate=5000), "the response was cut short (truncated body)"),
])
def test_a_fault_then_success_is_retried_and_written(replay, tmp_path, fault, said):
    path = f"/api/history/{dump_id(DUMPS[2])}/geojson"
    replay.fault(path, fault)
    result = api(replay, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"{said}: waited 0.01 s before trying again" in result.output
    assert replay.paths(path) == [path, path]
    assert len(figures(tmp_path / "out")) == 4


@needs_shared
def test_a_429_waits_as_long_as_retry_after_says(replay, tmp_path):
    replay.fault("/api/history/public", Fault(status=429, headers={"Retry-After": "1"}))
    result = api(replay, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "HTTP 429 Too Many Requests: waited 1 s before trying again" in result.output
    first, second = [r.time for r in replay.requests if r.path == "/api/history/public"]
    assert second - first >= 1.0  # not the 0.01 s backoff
    assert len(figures(tmp_path / "out")) == 4


@needs_shared
def test_a_401_on_the_history_list_falls_back_to_the_latest_map(replay, tmp_path):
    replay.fault("/api/history/public", Fault(status=401))
    out, cache = tmp_path / "out", tmp_path / "cache"
    result = api(replay, out, "--cache", cache)
    assert result.exit_code == 0, result.output
    assert (f"the history list answered HTTP 401 Unauthorized; only the latest update "
            f"({dump_id(DUMPS[-1])}, 2025-07-01) was taken, from /history/last") in result.output
    assert sorted(figures(out)) == ["2025-07-01.csv"]
    assert figures(out) == figures(compute([DUMPS[-1]], tmp_path / "computed"))
    # the raw /history/last answer is kept, and compute reads the map inside it
    assert figures(compute([kept_in(cache, "deepstate")], tmp_path / "offline")) == figures(out)


@needs_shared
def test_a_body_cut_short_every_time_fails_that_date_only(replay, tmp_path):
    path = f"/api/history/{dump_id(DUMPS[2])}/geojson"
    replay.fault(path, *[Fault(truncate=5000)] * 3)
    out = tmp_path / "out"
    result = api(replay, out, "--retries", "2")
    assert result.exit_code == 1
    assert (f"error: 2025-06-29 (update {dump_id(DUMPS[2])}): the response was cut short "
            f"(truncated body) (3 tries) at {replay.api}/history/{dump_id(DUMPS[2])}/geojson; "
            "nothing written for that date") in result.output
    assert sorted(figures(out)) == ["2025-06-15.csv", "2025-06-22.csv", "2025-07-01.csv"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@needs_shared
def test_a_response_slower_than_the_timeout_fails_that_date_only(replay, tmp_path):
    path = f"/api/history/{dump_id(DUMPS[1])}/geojson"
    replay.delay[path] = 1.5
    out = tmp_path / "out"
    result = api(replay, out, "--timeout", "0.3", "--retries", "1")
    assert result.exit_code == 1
    assert (f"error: 2025-06-22 (update {dump_id(DUMPS[1])}): no answer within 0.3 s "
            "(--timeout) (2 tries)") in result.output
    assert sorted(figures(out)) == ["2025-06-15.csv", "2025-06-29.csv", "2025-07-01.csv"]


@needs_shared
@pytest.mark.parametrize(("body", "reason"), [
    (b'{"type": "FeatureCollection", "features": []}', "no polygons to import"),
    (b"<html><body>Maintenance</body></html>", "not valid JSON"),
])
def test_a_map_that_is_empty_or_not_geojson_is_rejected(replay, tmp_path, body, reason):
    path = f"/api/history/{dump_id(DUMPS[2])}/geojson"
    replay.replacements[path] = body
    out, cache = tmp_path / "out", tmp_path / "cache"
    result = api(replay, out, "--cache", cache)
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if ln.startswith("error: 2025-06-29"))
    assert f"(update {dump_id(DUMPS[2])})" in line and reason in line
    assert line.endswith("nothing written for that date")
    assert "2025-06-29.csv" not in figures(out) and len(figures(out)) == 3
    # kept apart for a look, never where compute or a rerun would use it
    assert (kept_in(cache, "deepstate") / "rejected").is_dir()
    assert not (kept_in(cache, "deepstate") / f"{DUMPS[2].stem}_{dump_id(DUMPS[2])}.json.gz"
                ).exists()


def _half_the_territory(day: Path) -> bytes:
    """A daily file with everything east of 36.5°E gone (about half the occupied area)."""
    document = json.loads(day.read_bytes())
    feature = document["features"][0]
    west = shapely.intersection(shape(feature["geometry"]), shapely.box(20, 40, 36.5, 53))
    feature["geometry"] = mapping(west)
    return json.dumps(document).encode()


@needs_shared
def test_a_day_with_half_the_territory_missing_is_rejected_and_the_others_written(
        replay, tmp_path):
    folder = seeded(tmp_path, "2026-08-09")
    # the mirror's file of the 17th holds the map of the 16th, the last of its week
    replay.replacements["/data/deepstatemap_data_20260817.geojson"] = _half_the_territory(
        DAILY / "2026-08-17.geojson")
    args = ["--source", "mirror", "--base-url", replay.mirror, "--out", folder, "--until",
            "2026-08-22", *FAST]
    result = update(*args)
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if ln.startswith("error: 2026-08-16"))
    assert "(deepstatemap_data_20260817.geojson): the occupied area in Ukraine" in line
    # compared with the nearest snapshot of DeepStateMap: the bundled one of the same day
    assert "below 2026-08-16's" in line and f"({BUNDLED / '2026-08-16.csv'})" in line
    assert "(more than the 2 % allowed)" in line
    assert "run again with --force; nothing written for that date" in line
    assert sorted(figures(folder))[-2:] == ["2026-08-09.csv", "2026-08-21.csv"]

    forced = update(*args, "--force", "--since", "2026-08-10")
    assert forced.exit_code == 0, forced.output
    assert "2026-08-16: written with --force although the occupied area" in forced.output
    assert "2026-08-16.csv" in figures(folder)


@needs_shared
def test_connection_refused_says_so_in_one_line_and_changes_nothing(tmp_path):
    folder = seeded(tmp_path, "2026-08-09")
    before = listing(folder)
    mark_notice_shown(DeepStateApi(None, HttpClient()))
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = update("--base-url", f"{closed}/api", "--out", folder, "--retries", "1",
                    "--backoff", "0.01")
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        f"error: cannot reach DeepStateMap API ({closed}/api): cannot connect (connection "
        "refused) (2 tries). No network, or the wrong address? Nothing was changed."]
    assert listing(folder) == before

    mirror = update("--source", "mirror", "--base-url", f"{closed}/data", "--out", folder,
                    "--until", "2026-08-16", "--retries", "0")
    assert mirror.exit_code == 3  # a mirror has no list: its first probe finds no network
    assert mirror.output.splitlines() == [
        f"error: cannot reach DeepStateMap daily mirror ({closed}/data): cannot connect "
        "(connection refused) (1 try). No network, or the wrong address? Nothing was changed."]
    assert listing(folder) == before


@needs_shared
def test_kill_9_in_the_middle_of_a_run_then_a_rerun_finishes_the_job(replay, tmp_path):
    for dump in DUMPS:
        replay.delay[f"/api/history/{dump_id(dump)}/geojson"] = 0.6
    out = tmp_path / "out"
    command = [sys.executable, "-m", "mapkit", "update", "--base-url", replay.api, "--out",
               str(out), "--since", "2025-06-15", "--until", "2025-07-01", "--every", "day",
               *FAST]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.is_dir() and list(out.glob("*.csv"))):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    written = sorted(p.name for p in out.glob("*.csv"))
    assert 1 <= len(written) < 4  # stopped in the middle
    for name in written:  # whatever is there is whole
        assert len(read_snapshot_records(out / name)) == 28  # 27 regions and UA
    (out / ".2025-07-01.csv.update-killed.tmp").write_text("date,reg")  # a write cut short

    replay.requests.clear()
    result = api(replay, out)
    assert result.exit_code == 0, result.output
    assert f"{4 - len(written)} date(s) added" in result.output
    maps = [p for p in replay.paths() if p.endswith("/geojson")]
    assert len(maps) == 4 - len(written)  # only what was missing
    assert figures(out) == figures(compute(DUMPS, tmp_path / "computed"))
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


@needs_shared
def test_a_second_update_of_the_same_folder_waits_for_none(replay, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    handle = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = api(replay, out)
    finally:
        os.close(handle)
    assert result.exit_code == 1
    assert "another mapkit update is writing to this folder; nothing was done" in result.output
    assert not list(out.iterdir())


# --- The client, the sources, the notice ----------------------------------------------------------


@needs_shared
def test_every_request_names_mapkit_and_its_version(replay, tmp_path):
    assert api(replay, tmp_path / "out").exit_code == 0
    agents = {r.headers.get("User-Agent", "") for r in replay.requests}
    assert agents and all(a.startswith(f"mapkit/{__version__} ") for a in agents)


@needs_shared
def test_requests_keep_to_the_rate(replay):
    now, waits = [100.0], []

    def sleep(seconds: float) -> None:  # a clock that moves only when the client waits
        waits.append(seconds)
        now[0] += seconds

    client = HttpClient(rate=5, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        client.get(f"{replay.api}/history/public")
    assert waits == [pytest.approx(0.2), pytest.approx(0.2)]  # 5 a second at most
    assert len(replay.requests) == 3


@needs_shared
def test_the_licence_notice_is_shown_once_per_user(replay, tmp_path, config_dir):
    first = api(replay, tmp_path / "out", "--dry-run")
    assert "notice: DeepStateMap's licence (https://deepstatemap.live/license-en.html) limits " \
           "who may use its API and data" in first.output
    assert list((config_dir / "notices").iterdir())
    second = api(replay, tmp_path / "out", "--dry-run")
    assert "licence" not in second.output


@needs_shared
def test_the_sources_own_areas_are_recorded_and_set_beside_ours(replay, tmp_path):
    # test answers in the reported form (nothing real is known of it): not a published figure
    replay.areas[dump_id(DUMPS[0])] = json.dumps(
        [{"type": "occupied", "area": 100000.0}, {"type": "other", "area": 50.5}]).encode()
    replay.areas[dump_id(DUMPS[1])] = b'{"unexpected": true}'
    out, cache = tmp_path / "out", tmp_path / "cache"
    result = api(replay, out, "--cache", cache)
    assert result.exit_code == 0, result.output
    rows = read_snapshot_records(out / "2025-06-15.csv")
    from mapkit.ingest.region_index import load_region_index

    index = load_region_index()
    ours = national_occupied_km2(rows, dict(zip(index.codes, index.areas / 1e6)))
    assert (f"2025-06-15 (update {dump_id(DUMPS[0])}): the source's own areas: occupied "
            f"100,000 km², other 50 km²; ours (occupied, added up over the regions) "
            f"{ours:,.0f} km², {100 * (ours - 1e5) / 1e5:+.1f} % from theirs") in result.output
    assert (f"2025-06-22 (update {dump_id(DUMPS[1])}): its own areas are not in the expected "
            "form") in result.output
    kept = sorted(p.name for p in (kept_in(cache, "deepstate") / "areas").iterdir())
    assert kept == [f"{dump_id(DUMPS[0])}.json.gz", f"{dump_id(DUMPS[1])}.json.gz"]


@needs_shared
def test_a_folder_of_polygon_files_is_a_source_too(tmp_path):
    inputs, own = tmp_path / "in", tmp_path / "own"
    inputs.mkdir()
    own.mkdir()
    for day in DAYS[-3:]:
        shutil.copy(day, inputs / day.name)
        document = json.loads(day.read_bytes())
        del document["name"]  # anyone's polygons: not recognisably DeepStateMap's
        (own / day.name).write_text(json.dumps(document))
    out = tmp_path / "out"
    unnamed = update("--source", own, "--out", out, "--since", "2026-08-20", "--until",
                     "2026-08-22", "--every", "day")
    assert unnamed.exit_code == 2
    assert "say who drew these polygons with --name" in unnamed.output
    # DeepStateMap's own daily files are credited to it, with its licence notice, as compute
    # credits them; the files of the 20th to the 22nd hold the maps of the 19th to the 21st
    result = update("--source", inputs, "--out", out, "--since", "2026-08-19", "--until",
                    "2026-08-22", "--every", "day")
    assert result.exit_code == 0, result.output
    assert "notice: DeepStateMap's licence" in result.output
    assert figures(out) == figures(compute(DAYS[-3:], tmp_path / "computed"))


@needs_shared
def test_a_url_template_is_a_source_and_404_means_no_file_that_day(replay, tmp_path):
    replay.daily = [d for d in DAYS if d.name != "2026-08-21.geojson"]  # the map of the 20th
    out = tmp_path / "out"
    template = replay.url + "/data/deepstatemap_data_{date:%Y%m%d}.geojson"
    result = update("--source", template, "--name", "Our desk", "--out", out, "--since",
                    "2026-08-19", "--until", "2026-08-21", *FAST)
    assert result.exit_code == 0, result.output
    assert sorted(figures(out)) == ["2026-08-19.csv", "2026-08-21.csv"]
    assert "no file for 1 day(s) probed (2026-08-20)" in result.output
    assert {r["source"] for r in read_snapshot_records(out / "2026-08-21.csv")} == {"Our desk"}


def test_usage_errors_exit_2_and_say_what_to_do(tmp_path):
    unknown = update("--source", "nowhere", "--out", tmp_path / "out")
    assert unknown.exit_code == 2
    assert "'nowhere' is not a source name (deepstate, mirror, isw), an http(s) URL" in \
        unknown.output
    backwards = update("--since", "2025-07-01", "--until", "2025-06-01", "--out", tmp_path)
    assert backwards.exit_code == 2 and "--since 2025-07-01 is after --until 2025-06-01" in \
        backwards.output
    assert update("--since", "1 July", "--out", tmp_path).exit_code == 2
    assert not (tmp_path / "out").exists()


def test_a_template_without_a_usable_date_is_refused():
    with pytest.raises(ValueError, match="cannot be filled with a date"):
        open_source("https://example.org/{day}.geojson", client=HttpClient())


@pytest.mark.parametrize("template", [
    "https://example.org/{date.__class__.__init__.__globals__}.geojson",
    "https://example.org/{date.year}/{date:%m}.geojson",
    "https://example.org/{date[0]}.geojson",
])
def test_a_template_fills_in_the_date_and_nothing_else(template):
    """A URL template is filled by str.format, which follows attributes and indexes: only
    the date itself, with a date format, is let through."""
    with pytest.raises(ValueError, match="are not the date"):
        open_source(template, client=HttpClient())


# --- Small parts ----------------------------------------------------------------------------------


def test_folder_cadence_reads_days_and_weeks():
    day = dt.date(2026, 8, 1)
    daily = [day + dt.timedelta(days=n) for n in range(10)]
    weekly = [day + dt.timedelta(days=7 * n) for n in range(10)]
    assert folder_cadence(daily) == "day"
    assert folder_cadence(weekly) == "week"
    assert folder_cadence(weekly + [weekly[-1] + dt.timedelta(days=3)]) == "week"  # provisional
    assert folder_cadence(weekly[:1]) == folder_cadence([]) == "day"


def test_national_area_is_the_ua_row_when_a_snapshot_has_one():
    rows = [{"region": "UA-09", "percent": 50.0}, {"region": "UA-14", "percent": 10.0}]
    areas = {"UA-09": 200.0, "UA-14": 1000.0}
    assert national_occupied_km2(rows, areas) == pytest.approx(200.0)
    with_country = [*rows, {"region": "UA", "percent": 19.2, "area_km2": 116000.0}]
    assert national_occupied_km2(with_country, areas) == 116000.0


def test_retry_after_takes_seconds_or_a_date():
    assert _retry_after("3") == 3.0
    later = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60),
                                        usegmt=True)
    assert 50 < _retry_after(later) <= 60
    # a date gone by, nonsense, nothing: no wait of the server's, so the backoff's
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    for value in ("soon", None, "nan", "-5", "0", "inf", "1e400"):
        assert _retry_after(value) is None, value


@needs_shared
def test_compute_reads_gzipped_geojson_and_says_when_it_is_damaged(tmp_path):
    packed = tmp_path / "2026-08-22.geojson.gz"
    packed.write_bytes(gzip.compress((DAILY / "2026-08-22.geojson").read_bytes()))
    assert read_control_file(packed).occupied.equals(
        read_control_file(DAILY / "2026-08-22.geojson").occupied)
    packed.write_bytes(packed.read_bytes()[:200])
    with pytest.raises(ValueError, match="cannot be decompressed .* is the gzip file complete"):
        read_control_file(packed)


# --- The daily refresh recipe ---------------------------------------------------------------------


@needs_shared
def test_the_refresh_script_updates_exports_and_passes_on_the_exit_code(replay, tmp_path):
    home = tmp_path / "home"
    (home / ".venv" / "bin").mkdir(parents=True)
    mapkit = home / ".venv" / "bin" / "mapkit"  # as `pip install` makes it, from this checkout
    mapkit.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mapkit "$@"\n')
    mapkit.chmod(0o755)
    folder = seeded(tmp_path, "2026-08-09")
    replay.replacements["/data/deepstatemap_data_20260817.geojson"] = b"{}"  # one bad day
    embed = tmp_path / "www" / "ukraine-map.html"
    embed.parent.mkdir()
    done = subprocess.run(
        ["sh", str(ROOT / "docs" / "examples" / "refresh-map.sh"), "--source", "mirror",
         "--base-url", replay.mirror, "--out", str(folder), "--until", "2026-08-22", *FAST],
        env={**os.environ, "PYTHONPATH": str(ROOT), "MAPKIT_HOME": str(home),
             "EMBED_OUT": str(embed), "MAPKIT_CACHE": str(tmp_path / "cache")},
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr  # mapkit update's: a date rejected
    assert "error: 2026-08-16" in done.stderr
    assert sorted(figures(folder))[-2:] == ["2026-08-09.csv", "2026-08-21.csv"]
    assert embed.stat().st_size > 10_000 and b"<svg" in embed.read_bytes()
    assert list(kept_in(tmp_path / "cache", "mirror").glob("*.geojson.gz"))
