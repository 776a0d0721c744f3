"""``mapkit update`` against hostile or careless upstreams (issue 18) and its sources agreeing
with each other (issue 17).

A hostile loopback server (tests/replay_server.py) replays the real DeepStateMap files and, on
request, answers slowly, endlessly, compressed into a bomb, with a huge Content-Length, with a
redirect to another host, with a nonsensical Retry-After, or with history entries whose ids are
not ids. Every run writes to a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import errno
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from replay_server import DAILY, Fault, ReplayServer
from test_update import (
    BUNDLED,
    DAYS,
    DUMPS,
    FAST,
    ROOT,
    _half_the_territory,
    figures,
    listing,
    seeded,
    update,
)

from mapkit.cli import cli
from mapkit.ingest.http import HttpClient, NotFound
from mapkit.snapshots import read_snapshot_records

needs_shared = pytest.mark.skipif(
    not DAILY.is_dir(),
    reason="../shared/deepstate/daily (the real DeepStateMap files the replay serves) is not "
           "beside this checkout")


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """The per-user notice marker goes to a temporary folder, never to ~/.config."""
    folder = tmp_path / "config"
    monkeypatch.setenv("MAPKIT_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture()
def server():
    replay = ReplayServer().start()
    yield replay
    replay.stop()


def plain(day: Path) -> bytes:
    """A real daily file as anyone's GeoJSON of occupied areas: its polygons, without the
    daily files' name (so its date is the one in the name it is served under)."""
    document = json.loads(day.read_bytes())
    document.pop("name", None)
    return json.dumps(document).encode()


def national_percent(folder: Path, name: str) -> str:
    rows = figures(folder)[name]
    header = rows[0]
    ua = next(row for row in rows[1:] if row[header.index("region")] == "UA")
    return ua[header.index("percent")]


# --- Item 1: the cache never mixes up two sources -----------------------------------------------


@needs_shared
def test_two_url_templates_on_one_host_never_share_a_cached_map(server, tmp_path):
    """Team A and Team B publish on one host, each file named front_<date>.geojson; with one
    --cache, Team B's snapshot must be computed from Team B's map."""
    server.replacements["/a/front_2026-08-20.geojson"] = plain(DAILY / "2024-07-08.geojson")
    server.replacements["/b/front_2026-08-20.geojson"] = plain(DAILY / "2026-08-20.geojson")
    cache = tmp_path / "cache"
    for team in ("a", "b"):
        result = update("--source", server.url + f"/{team}/front_{{date:%Y-%m-%d}}.geojson",
                        "--name", f"Team {team.upper()}", "--out", tmp_path / team,
                        "--since", "2026-08-20", "--until", "2026-08-20", "--every", "day",
                        "--cache", cache, *FAST)
        assert result.exit_code == 0, result.output
    assert "/b/front_2026-08-20.geojson" in server.paths("/b/")  # asked, not taken from A's
    alone = tmp_path / "b-alone"
    result = update("--source", server.url + "/b/front_{date:%Y-%m-%d}.geojson", "--name",
                    "Team B", "--out", alone, "--since", "2026-08-20", "--until", "2026-08-20",
                    "--every", "day", *FAST)
    assert result.exit_code == 0, result.output
    assert figures(tmp_path / "b") == figures(alone)
    assert national_percent(tmp_path / "a", "2026-08-20.csv") != \
        national_percent(tmp_path / "b", "2026-08-20.csv")


@needs_shared
def test_mirror_at_another_base_url_does_not_reuse_the_default_mirrors_cache(tmp_path):
    """Two mirrors serving different maps under the same file names, one --cache."""
    days = [DAILY / "2026-08-20.geojson", DAILY / "2026-08-21.geojson"]
    first = ReplayServer(daily=days).start()
    second = ReplayServer().start()
    try:
        # the second mirror serves the files of a month before under the same names
        for day in days:
            older = DAILY / day.name.replace("2026-08", "2026-07")
            second.replacements[f"/data/deepstatemap_data_{day.stem.replace('-', '')}.geojson"] \
                = older.read_bytes().replace(older.stem.replace("-", "").encode(),
                                             day.stem.replace("-", "").encode())
        cache = tmp_path / "cache"
        runs = {}
        for name, replay in (("first", first), ("second", second)):
            runs[name] = update("--source", "mirror", "--base-url", replay.mirror, "--out",
                                tmp_path / name, "--since", "2026-08-19", "--until", "2026-08-20",
                                "--every", "day", "--cache", cache, *FAST)
            assert runs[name].exit_code == 0, runs[name].output
        assert second.paths("/data/deepstatemap_data_2026082")  # asked the second mirror
        assert figures(tmp_path / "first") != figures(tmp_path / "second")  # other maps
    finally:
        first.stop()
        second.stop()


# --- Item 2: only the dates asked for are written; every map passes the jump guard ---------------


def dated(day: Path, date: str) -> bytes:
    """A real daily file as anyone's GeoJSON whose feature says it shows ``date``."""
    document = json.loads(plain(day))
    document["features"][0]["properties"]["date"] = date
    return json.dumps(document).encode()


@needs_shared
@pytest.mark.parametrize("spec", ["/t/front_{date:%Y-%m-%d}.geojson", "/front.geojson"])
def test_a_map_dated_outside_the_range_asked_for_is_rejected_not_written(server, tmp_path, spec):
    """--since D --until D against a file that says it shows 2014-01-05: nothing is written
    (not even into a folder that has snapshots), the date is named, exit 1."""
    body = dated(DAILY / "2026-08-20.geojson", "2014-01-05")
    server.replacements["/t/front_2026-08-20.geojson"] = body
    server.replacements["/front.geojson"] = body
    folder = seeded(tmp_path, "2026-08-16")
    before = listing(folder)
    result = update("--source", server.url + spec, "--name", "DeepStateMap", "--out", folder,
                    "--since", "2026-08-20", "--until", "2026-08-20", "--every", "day", *FAST)
    assert result.exit_code == 1, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("error: "))
    assert "the file dates its map 2014-01-05" in line
    assert "outside the dates asked for (2026-08-20 … 2026-08-20)" in line
    assert line.endswith("nothing written for that date")
    assert listing(folder) == before
    assert "Traceback" not in result.output


@needs_shared
def test_a_map_dated_otherwise_than_its_source_lists_it_is_rejected(server, tmp_path):
    """A template's file of the 20th that says it shows the 18th (inside the range): the plan
    chose it for the 20th, so it is not written under another date."""
    server.replacements["/t/front_2026-08-20.geojson"] = dated(DAILY / "2026-08-20.geojson",
                                                               "2026-08-18")
    out = tmp_path / "out"
    result = update("--source", server.url + "/t/front_{date:%Y-%m-%d}.geojson", "--name",
                    "DeepStateMap", "--out", out, "--since", "2026-08-18", "--until",
                    "2026-08-20", "--every", "day", *FAST)
    assert result.exit_code == 1, result.output
    assert ("the file dates its map 2026-08-18 (a date inside it), not 2026-08-20 as the "
            "source lists it") in result.output
    assert not (out / "2026-08-18.csv").exists()


@needs_shared
def test_the_jump_guard_runs_for_the_first_snapshot_of_a_new_folder(server, tmp_path):
    """No earlier snapshot in the folder: the map is compared with the nearest snapshot of the
    same source the project has (the bundled DeepStateMap series), and the summary says which."""
    server.daily = [DAILY / "2026-08-20.geojson"]
    server.replacements["/data/deepstatemap_data_20260820.geojson"] = _half_the_territory(
        DAILY / "2026-08-20.geojson")
    out = tmp_path / "new"
    result = update("--source", "mirror", "--base-url", server.mirror, "--out", out, "--since",
                    "2026-08-19", "--until", "2026-08-19", "--every", "day", *FAST)
    assert result.exit_code == 1, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("error: 2026-08-19"))
    # the bundled series' nearest snapshot: the 21st (the 16th is a day further)
    assert "below 2026-08-21's" in line and "(more than the 2 % allowed)" in line
    assert f"({BUNDLED / '2026-08-21.csv'})" in line  # where the snapshot compared with is
    assert not out.exists() or not list(out.glob("*.csv"))


@needs_shared
def test_the_jump_guard_compares_with_a_later_snapshot_when_there_is_no_earlier_one(
        server, tmp_path):
    """A backfill before the folder's oldest snapshot of a source the project has no series of:
    the nearest snapshot is the folder's next one."""
    days = [DAILY / "2026-08-19.geojson", DAILY / "2026-08-20.geojson"]
    for day in days:
        server.replacements[f"/desk/{day.name}"] = plain(day)
    server.replacements["/desk/2026-08-19.geojson"] = plain(DAILY / "2024-07-08.geojson")
    template = server.url + "/desk/{date:%Y-%m-%d}.geojson"
    out = tmp_path / "out"
    first = update("--source", template, "--name", "Our desk", "--out", out, "--since",
                   "2026-08-20", "--until", "2026-08-20", "--every", "day", *FAST)
    assert first.exit_code == 0, first.output
    assert ("2026-08-20: nothing to compare its occupied area with (no other snapshot of "
            f"Our desk in {out} or the project's data): the 2 % guard did not run") in \
        first.output
    result = update("--source", template, "--name", "Our desk", "--out", out, "--since",
                    "2026-08-19", "--until", "2026-08-19", "--every", "day", *FAST)
    assert result.exit_code == 1, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("error: 2026-08-19"))
    assert "below 2026-08-20's" in line
    assert sorted(figures(out)) == ["2026-08-20.csv"]


# --- Items 4, 5, 12: a hostile server never hangs a run, fills its memory or redirects it -------

#: The mirror's file of 2026-08-20 (the map of the 19th), the one each fault below is put on.
FILE_20 = "/data/deepstatemap_data_20260820.geojson"
#: Three days from the mirror; the fault's day fails, the others are written.
MIRROR_DAYS = [DAILY / f"2026-08-{day}.geojson" for day in (19, 20, 21)]


def mirror_run(replay: ReplayServer, out: Path, *args, process: bool = False):
    """``mapkit update`` of three days from the replayed mirror, in this process (a click
    result) or, for faults that could hang it, in a child process ended after a minute
    (returns (exit code, output))."""
    argv = ["--source", "mirror", "--base-url", replay.mirror, "--out", str(out), "--since",
            "2026-08-18", "--until", "2026-08-20", "--every", "day", *FAST, *map(str, args)]
    if not process:
        result = update(*argv)
        assert "Traceback" not in result.output and (
            result.exception is None or isinstance(result.exception, SystemExit)), \
            result.output
        return result.exit_code, result.output
    try:
        done = subprocess.run([sys.executable, "-m", "mapkit", "update", *argv],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        pytest.fail("mapkit update was still reading after a minute")
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout + done.stderr


def the_error(output: str, day: str = "2026-08-19") -> str:
    lines = [ln for ln in output.splitlines() if ln.startswith(f"error: {day}")]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture()
def mirror():
    replay = ReplayServer(daily=MIRROR_DAYS).start()
    yield replay
    replay.stop()


@needs_shared
def test_a_slow_loris_body_ends_at_the_timeout_and_fails_that_date_only(mirror, tmp_path):
    mirror.fault(FILE_20, Fault(body_drip=0.05))  # 20 bytes a second: 80 KB in an hour
    code, output = mirror_run(mirror, tmp_path / "out", "--timeout", "1", "--retries", "0",
                              process=True)
    assert code == 1, output
    assert "the response took longer than 1 s (--timeout) (1 try)" in the_error(output)
    assert sorted(figures(tmp_path / "out")) == ["2026-08-18.csv", "2026-08-20.csv"]
    dripped = next(r for r in mirror.requests if r.path == FILE_20)
    assert dripped.sent < len(MIRROR_DAYS[1].read_bytes()) // 10


@needs_shared
def test_headers_sent_a_byte_at_a_time_end_at_the_timeout(mirror, tmp_path):
    mirror.fault(FILE_20, Fault(header_drip=0.05))
    code, output = mirror_run(mirror, tmp_path / "out", "--timeout", "1", "--retries", "0",
                              process=True)
    assert code == 1, output
    # cut off in the headers (or just after the few that came): the same deadline
    assert "1 s (--timeout) (1 try)" in the_error(output)
    assert sorted(figures(tmp_path / "out")) == ["2026-08-18.csv", "2026-08-20.csv"]


@needs_shared
def test_an_endless_body_stops_at_the_size_cap(mirror, tmp_path):
    mirror.fault(FILE_20, Fault(endless=True))
    code, output = mirror_run(mirror, tmp_path / "out", "--max-bytes", "1MB")
    assert code == 1, output
    assert ("the response is larger than the 1 MB allowed (--max-bytes); nothing was kept"
            in the_error(output))
    assert sorted(figures(tmp_path / "out")) == ["2026-08-18.csv", "2026-08-20.csv"]
    assert mirror.paths(FILE_20) == [FILE_20]  # not tried again: it would not shrink


@needs_shared
def test_a_gzip_bomb_is_decoded_only_up_to_the_cap(mirror, tmp_path):
    mirror.fault(FILE_20, Fault(gzip_bomb=200_000_000))  # 200 KB that decode to 200 MB
    code, output = mirror_run(mirror, tmp_path / "out")
    assert code == 1, output
    assert ("the response is larger than the 50 MB allowed (--max-bytes); nothing was kept"
            in the_error(output))
    assert sorted(figures(tmp_path / "out")) == ["2026-08-18.csv", "2026-08-20.csv"]


@needs_shared
def test_a_gzip_encoded_map_is_read(mirror, tmp_path):
    """The cap counts decoded bytes, and a well-behaved compressed answer is read as usual."""
    body = MIRROR_DAYS[1].read_bytes()
    mirror.fault(FILE_20, Fault(body=gzip.compress(body), headers={"Content-Encoding": "gzip"}))
    code, output = mirror_run(mirror, tmp_path / "out")
    assert code == 0, output
    assert figures(tmp_path / "out") == figures(mirror_run_plain(tmp_path))


def mirror_run_plain(tmp_path: Path) -> Path:
    replay = ReplayServer(daily=MIRROR_DAYS).start()
    try:
        code, output = mirror_run(replay, tmp_path / "plain")
    finally:
        replay.stop()
    assert code == 0, output
    return tmp_path / "plain"


@needs_shared
def test_a_huge_content_length_is_refused_before_reading(mirror, tmp_path):
    mirror.fault(FILE_20, Fault(content_length=str(10**12)))
    code, output = mirror_run(mirror, tmp_path / "out")
    assert code == 1, output
    assert ("the server announces 1,000,000 MB, more than the 50 MB allowed (--max-bytes)"
            in the_error(output))
    assert mirror.paths(FILE_20) == [FILE_20]


@needs_shared
def test_a_redirect_to_another_host_is_not_followed_unless_allowed(mirror, tmp_path):
    port = mirror.url.rsplit(":", 1)[1]
    elsewhere = f"http://localhost:{port}/elsewhere/map.geojson"  # the same server, by name
    mirror.replacements["/elsewhere/map.geojson"] = MIRROR_DAYS[1].read_bytes()
    mirror.fault(FILE_20, Fault(status=302, headers={"Location": elsewhere}))
    code, output = mirror_run(mirror, tmp_path / "out")
    assert code == 1, output
    assert ("redirected to another host, localhost (asked 127.0.0.1); not followed: "
            "--allow-redirect-host localhost allows it") in the_error(output)
    assert not mirror.paths("/elsewhere/")
    assert sorted(figures(tmp_path / "out")) == ["2026-08-18.csv", "2026-08-20.csv"]

    mirror.fault(FILE_20, Fault(status=302, headers={"Location": elsewhere}))
    code, output = mirror_run(mirror, tmp_path / "out", "--since", "2026-08-19",
                              "--allow-redirect-host", "localhost")
    assert code == 0, output
    assert mirror.paths("/elsewhere/") == ["/elsewhere/map.geojson"]
    assert figures(tmp_path / "out") == figures(mirror_run_plain(tmp_path))


@needs_shared
def test_a_redirect_on_the_same_host_is_followed(mirror, tmp_path):
    mirror.replacements["/moved/map.geojson"] = MIRROR_DAYS[1].read_bytes()
    mirror.fault(FILE_20, Fault(status=301, headers={"Location": "/moved/map.geojson"}))
    code, output = mirror_run(mirror, tmp_path / "out")
    assert code == 0, output
    assert figures(tmp_path / "out") == figures(mirror_run_plain(tmp_path))


@needs_shared
@pytest.mark.parametrize("value", ["nan", "-5", "inf", "0", "soon"])
def test_a_retry_after_that_is_not_a_wait_gets_the_backoff(mirror, tmp_path, value):
    mirror.fault(FILE_20, Fault(status=503, headers={"Retry-After": value}))
    code, output = mirror_run(mirror, tmp_path / "out")
    assert code == 0, output
    assert "HTTP 503 Service Unavailable: waited 0.01 s before trying again" in output


@needs_shared
def test_a_retry_after_longer_than_allowed_ends_that_request_in_one_line(mirror, tmp_path):
    mirror.fault(FILE_20, Fault(status=503, headers={"Retry-After": "1e308"}))
    code, output = mirror_run(mirror, tmp_path / "out")
    assert code == 1, output
    assert ("HTTP 503 Service Unavailable; the server asks to wait more than the 300 s "
            "allowed") in the_error(output)


@needs_shared
def test_history_entries_whose_ids_are_not_ids_are_left_out_and_the_run_goes_on(tmp_path):
    replay = ReplayServer(raw=DUMPS).start()
    try:
        entries = replay.history()
        at = entries[1]["createdAt"]
        replay.replacements["/api/history/public"] = json.dumps([
            *entries, {"id": 10**20}, {"id": -5, "createdAt": at}, {"id": True},
            {"id": 1.5, "createdAt": at}, {"id": "nope"}]).encode()
        result = update("--base-url", replay.api, "--out", tmp_path / "out", "--since",
                        "2025-06-15", "--until", "2025-07-01", "--every", "day", *FAST)
    finally:
        replay.stop()
    assert result.exit_code == 0, result.output
    assert sorted(figures(tmp_path / "out")) == ["2025-06-15.csv", "2025-06-22.csv",
                                                 "2025-06-29.csv", "2025-07-01.csv"]
    assert ("5 update(s) in the history list have no usable id (a whole number of seconds "
            'since 1970, from 1 on: 1e+20, -5, true, 1.5, "nope") and were left out') in \
        result.output


# --- Item 6: one line and a documented exit code, never a traceback ----------------------------


def one_line(result, code: int, *words: str) -> str:
    """``update`` failed with ``code`` and said why in one ``error:`` line on stderr."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.stderr
    for word in words:
        assert word in errors[0], (word, errors[0])
    return errors[0]


def run(*args):
    return CliRunner().invoke(cli, ["update", *map(str, args)])


@pytest.mark.parametrize(("spec", "said"), [
    ("http://[::1", "--source 'http://[::1' is not a usable URL (Invalid IPv6 URL)"),
    ("http://[::1/{date:%Y%m%d}.geojson", "is not a usable URL (Invalid IPv6 URL)"),
    ("http://exa mple.org/{date:%Y%m%d}.geojson", "is not a usable URL (a space"),
    ("http://example.org:99999/x.geojson", "is not a usable URL (Port out of range"),
    ("/etc", "--source /etc: folder has no .json, .geojson, .gpkg or .gz files"),
])
def test_a_source_that_is_no_source_is_one_line_and_exit_2(tmp_path, spec, said):
    one_line(run("--source", spec, "--name", "X", "--out", tmp_path / "out"), 2, said)
    assert not (tmp_path / "out").exists()


@pytest.fixture()
def mounted(tmp_path):
    """A small tmpfs (root in a container that allows it), as tests/test_cli_failures.py
    mounts them; ``remount(folder, "ro")`` makes it read-only."""
    made = []

    def mount(name: str, *options: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                               str(folder)], capture_output=True)
        if done.returncode:
            pytest.skip("cannot mount a tmpfs here (needs root and a permissive container)")
        made.append(folder)
        return folder

    yield mount
    for folder in made:
        subprocess.run(["umount", str(folder)], capture_output=True)


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


@needs_shared
def test_a_read_only_out_folder_is_one_line_and_exit_5(mirror, tmp_path, mounted):
    folder = mounted("ro-out", "size=1m")
    for path in sorted(BUNDLED.glob("2026-08-1*.csv")):
        shutil.copy(path, folder / path.name)
    remount_read_only(folder)
    before = listing(folder)
    result = run("--source", "mirror", "--base-url", mirror.mirror, "--out", folder, "--until",
                 "2026-08-21", *FAST)
    one_line(result, 5, f"cannot write {folder}", "is on a read-only file system")
    assert listing(folder) == before


@needs_shared
def test_a_read_only_cache_is_one_line_and_exit_5(mirror, tmp_path, mounted):
    cache = mounted("ro-cache", "size=1m")
    remount_read_only(cache)
    out = tmp_path / "out"
    result = run("--source", "mirror", "--base-url", mirror.mirror, "--out", out, "--since",
                 "2026-08-18", "--until", "2026-08-20", "--every", "day", "--cache", cache,
                 *FAST)
    one_line(result, 5, f"cannot write {cache}", "is on a read-only file system")
    assert not out.exists() or not list(out.glob("*.csv"))


@needs_shared
def test_a_full_disk_stops_the_run_in_one_line_and_leaves_whole_files(mirror, tmp_path,
                                                                       mounted):
    out = mounted("full", "size=16k")  # room for two snapshots of about 7 KB
    result = run("--source", "mirror", "--base-url", mirror.mirror, "--out", out, "--since",
                 "2026-08-18", "--until", "2026-08-20", "--every", "day", *FAST)
    one_line(result, 5, "the disk is full")
    written = sorted(p.name for p in out.iterdir())
    assert 1 <= len(written) < 3 and all(name.endswith(".csv") for name in written)
    for name in written:  # whatever is there is whole
        assert len(read_snapshot_records(out / name)) == 28
    assert f"{len(written)} date(s) added" in result.stdout


@needs_shared
def test_a_full_disk_without_mount_rights_is_one_line_too(mirror, tmp_path, monkeypatch):
    """The same where no tmpfs can be mounted: every write fails as on a full disk."""
    real_fdopen = os.fdopen

    def full_disk(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)

        def write(data):
            raise OSError(errno.ENOSPC, "No space left on device")

        handle.write = write
        return handle

    monkeypatch.setattr("mapkit.files.os.fdopen", full_disk)
    out = tmp_path / "out"
    out.mkdir()
    result = run("--source", "mirror", "--base-url", mirror.mirror, "--out", out, "--since",
                 "2026-08-18", "--until", "2026-08-20", "--every", "day", *FAST)
    one_line(result, 5, "the disk is full")
    assert not list(out.iterdir())  # no half-written file, no temporary one


# --- Issue 17: a stale source is noticed, and every source dates DeepStateMap's files alike -------


@needs_shared
def test_a_source_with_nothing_new_for_weeks_exits_4_after_a_few_requests(tmp_path):
    """The mirror's newest file holds the map of 2026-08-21; today is months later. A schedule
    must notice (exit 4), and the absent days since must not each cost a request."""
    replay = ReplayServer(daily=DAYS).start()
    try:
        stale_mirror(replay, tmp_path)
    finally:
        replay.stop()


def stale_mirror(replay: ReplayServer, tmp_path: Path) -> None:
    folder = seeded(tmp_path, "2026-08-20")
    today = dt.date.today()
    age = (today - dt.date(2026, 8, 21)).days
    assert age > 7  # the test's premise: the replay's files are older than a week
    result = run("--source", "mirror", "--base-url", replay.mirror, "--out", folder, *FAST)
    one_line(result, 4, f"the newest map is 2026-08-21, {age} days before {today} (more than "
             "--max-age 7)", "seems to have stopped updating")
    assert sorted(figures(folder))[-1] == "2026-08-21.csv"  # what there was is written
    asked = replay.paths("/data/")
    assert len(asked) < age / 4, asked  # not one request per day since
    again = run("--source", "mirror", "--base-url", replay.mirror, "--out", folder,
                "--max-age", str(age), *FAST)
    assert again.exit_code == 0, again.output


@needs_shared
def test_the_api_whose_newest_update_is_old_exits_4(tmp_path):
    replay = ReplayServer(raw=DUMPS).start()
    try:
        out = tmp_path / "out"
        assert update("--base-url", replay.api, "--out", out, "--since", "2025-06-15",
                      "--until", "2025-07-01", *FAST).exit_code == 0
        result = run("--base-url", replay.api, "--out", out, *FAST)
    finally:
        replay.stop()
    one_line(result, 4, "the newest map is 2025-07-01", "DeepStateMap API")


@pytest.fixture()
def summer():
    """The real daily files of 25 June to 22 August 2026, as the mirror and by their own
    names (/files/YYYY-MM-DD.geojson)."""
    days = sorted(p for p in DAILY.glob("2026-0[678]-*.geojson") if p.stem >= "2026-06-25")
    replay = ReplayServer(daily=days).start()
    yield replay
    replay.stop()


@needs_shared
def test_mirror_and_url_template_write_identical_folders_with_the_bundled_dates(
        summer, tmp_path, monkeypatch):
    """The same real daily files through the mirror and through a URL template: the same
    dates (weeks end on Sunday by map date, months start on the 1st), the same figures, the
    same as the bundled series built by mapkit compute; the template's files are recognised
    as DeepStateMap's (credited, licence notice shown)."""
    template = summer.url + "/files/{date:%Y-%m-%d}.geojson"
    (tmp_path / "t").mkdir()
    (tmp_path / "m").mkdir()
    by_template = seeded(tmp_path / "t", "2026-06-28")
    result = run("--source", template, "--out", by_template, "--until", "2026-08-22", *FAST)
    assert result.exit_code == 0, result.output
    assert "notice: DeepStateMap's licence" in result.stderr
    monkeypatch.setenv("MAPKIT_CONFIG_DIR", str(tmp_path / "another-user"))
    by_mirror = seeded(tmp_path / "m", "2026-06-28")
    result = run("--source", "mirror", "--base-url", summer.mirror, "--out", by_mirror,
                 "--until", "2026-08-22", *FAST)
    assert result.exit_code == 0, result.output
    assert figures(by_template) == figures(by_mirror)
    bundled = {name: rows for name, rows in figures(BUNDLED).items()
               if "2026-06-28" < name[:10] <= "2026-08-22"}
    new = {name: rows for name, rows in figures(by_template).items()
           if name[:10] > "2026-06-28"}
    assert sorted(new) == sorted(bundled) == [
        "2026-07-01.csv", "2026-07-05.csv", "2026-07-12.csv", "2026-07-19.csv",
        "2026-07-26.csv", "2026-08-01.csv", "2026-08-02.csv", "2026-08-09.csv",
        "2026-08-16.csv", "2026-08-21.csv"]
    assert new == bundled


@needs_shared
def test_mirror_and_url_template_agree_day_by_day(summer, tmp_path):
    template = summer.url + "/files/{date:%Y-%m-%d}.geojson"
    folders = {}
    for kind, spec in (("template", ["--source", template, "--name", "DeepStateMap"]),
                       ("mirror", ["--source", "mirror", "--base-url", summer.mirror])):
        folders[kind] = tmp_path / kind
        result = run(*spec, "--out", folders[kind], "--since", "2026-07-29", "--until",
                     "2026-08-03", "--every", "day", *FAST)
        assert result.exit_code == 0, result.output
    assert sorted(figures(folders["template"])) == [f"2026-{d}.csv" for d in (
        "07-29", "07-30", "07-31", "08-01", "08-02", "08-03")]
    assert figures(folders["template"]) == figures(folders["mirror"])


# --- Small parts ---------------------------------------------------------------------------------


class _Files:
    """A stand-in for the HTTP client: a file for each day in ``days``, 404 otherwise."""

    def __init__(self, days: set[dt.date]):
        self.days = days
        self.asked: list[dt.date] = []
        self.stats = type("Stats", (), {"requests": 0})()

    def get(self, url: str) -> bytes:
        day = dt.date.fromisoformat(url.rsplit("/", 1)[1][:10])
        self.asked.append(day)
        self.stats.requests += 1
        if day not in self.days:
            raise NotFound(url, "HTTP 404 Not Found", 404)
        return b"{}"


def test_the_newest_file_of_a_template_is_found_in_few_requests():
    """Against every kind of history — a source up to date, one that stopped, one that began
    inside the range and published for a few weeks, gaps of one or two days — the search finds
    the newest file a day-by-day probe would, in a few requests."""
    import random

    from mapkit.ingest.fetchers import UrlTemplate

    rng = random.Random(18)
    first, last = dt.date(2026, 1, 1), dt.date(2026, 7, 1)
    span = (last - first).days
    worst = 0
    for _ in range(400):
        start = first + dt.timedelta(days=rng.randint(-60, span - 7))
        end = start + dt.timedelta(days=rng.randint(28, 400))
        days, day = set(), start
        while day <= end:
            days.add(day)
            day += dt.timedelta(days=1 + (rng.random() < 0.05) * rng.randint(1, 2))
        files = _Files(days)
        template = UrlTemplate("http://x.test/{date:%Y-%m-%d}.geojson", files)
        found = template._newest_file(first, last)
        assert found == max((d for d in days if first <= d <= last), default=None), \
            (start, end)
        worst = max(worst, files.stats.requests)
    assert worst <= span // 4  # a day-by-day probe asks up to `span` times


def test_a_redirect_from_https_to_http_is_not_followed():
    client = HttpClient()
    assert client._refused_redirect("https://a.org/x", "http://a.org/y") == (
        "redirected from https to plain http (http://a.org/y); not followed")
    assert client._refused_redirect("https://a.org/x", "https://a.org/y") is None
    assert "not an http(s) address" in client._refused_redirect("https://a.org/x",
                                                                "file:///etc/passwd")
    allowed = HttpClient(redirect_hosts=["cdn.a.org"])
    assert allowed._refused_redirect("https://a.org/x", "https://CDN.a.org/y") is None


@needs_shared
def test_deepstatemaps_file_at_a_plain_url_shows_the_licence_notice(server, tmp_path):
    server.replacements["/latest.geojson"] = (DAILY / "2026-08-21.geojson").read_bytes()
    result = run("--source", server.url + "/latest.geojson", "--name", "Our desk", "--out",
                 tmp_path / "out", "--until", "2026-08-22", *FAST)
    assert result.exit_code == 0, result.output
    assert "notice: DeepStateMap's licence" in result.stderr
