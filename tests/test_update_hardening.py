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
from test_update import FAST, figures, update

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
        # the second mirror serves the files of a year before under the same names
        for day in days:
            older = DAILY / day.name.replace("2026", "2025")
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
        assert national_percent(tmp_path / "first", "2026-08-19.csv") != \
            national_percent(tmp_path / "second", "2026-08-19.csv")
    finally:
        first.stop()
        second.stop()
