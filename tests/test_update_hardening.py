"""``mapkit update`` against hostile or careless upstreams (issue 18) and its sources agreeing
with each other (issue 17).

A hostile loopback server (tests/replay_server.py) replays the real DeepStateMap files and, on
request, answers slowly, endlessly, compressed into a bomb, with a huge Content-Length, with a
redirect to another host, with a nonsensical Retry-After, or with history entries whose ids are
not ids. Every run writes to a temporary folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from replay_server import DAILY, ReplayServer
from test_update import BUNDLED, FAST, _half_the_territory, figures, listing, seeded, update

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
