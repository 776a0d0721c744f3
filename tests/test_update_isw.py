"""``mapkit update --source isw``: ISW/CTP's assessed-control layer, read from ArcGIS page by page
(issue 19, point 4).

A loopback server (tests/replay_server.py) serves real ISW/CTP files from ../shared/isw in the
shape of ArcGIS's feature layer — its description with the time it was last edited, its count,
and its features in pages of two with ``exceededTransferLimit`` while more follow — and the
faults an upstream has: a page that fails then answers, a page cut short, a page missing, paging
that never ends, an empty layer, a layer with a polygon missing, a layer edited while it is
read, slow and endless answers. Every run writes to a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from replay_server import ISW_FILES, ISW_LAYER_PATH, ArcgisLayer, Fault, ReplayServer
from test_update import FAST, ROOT, compute, figures, listing, update

from mapkit.ingest.arcgis import exceeded_transfer_limit
from mapkit.ingest.fetchers import ISW_NOTICE, IswLayer
from mapkit.ingest.importers import is_isw_control_layer
from mapkit.snapshots import read_snapshot_records

needs_isw = pytest.mark.skipif(
    not ISW_FILES.is_dir(),
    reason="../shared/isw (the real ISW/CTP files the ArcGIS replay serves) is not beside this "
           "checkout")

BUNDLED_ISW = ROOT / "data" / "control_snapshots" / "isw"
#: A day of the invasion's first weeks, and the time ISW/CTP's layer was (say) last edited.
DAY = "2022-03-15"
EDITED = dt.datetime(2022, 3, 15, 22, 27, 15, tzinfo=dt.UTC)
ONE_DAY = ["--since", DAY, "--until", DAY, "--every", "day"]


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    """The per-user notice marker goes to a temporary folder, never to ~/.config."""
    folder = tmp_path / "config"
    monkeypatch.setenv("MAPKIT_CONFIG_DIR", str(folder))
    return folder


def layer_of(name: str = f"{DAY}.geojson", edited: dt.datetime = EDITED,
             **options) -> ArcgisLayer:
    return ArcgisLayer.from_file(ISW_FILES / name, edited, **options)


@pytest.fixture()
def server():
    replay = ReplayServer(layer=layer_of()).start()
    yield replay
    replay.stop()


def isw(server: ReplayServer, out: Path, *args):
    """``mapkit update --source isw`` from the replayed layer."""
    return update("--source", "isw", "--base-url", server.isw, "--out", out, *FAST,
                  *map(str, args))


def pages(server: ReplayServer) -> list[int]:
    """The offsets of the pages asked for, in order."""
    return [int(p.split("resultOffset=")[1].split("&")[0])
            for p in server.paths(ISW_LAYER_PATH + "/query") if "resultOffset=" in p]


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error: ")]


# --- The same figures as mapkit compute -----------------------------------------------------------


@needs_isw
@pytest.mark.parametrize("flag", ["properties", "top"])
def test_update_isw_writes_what_compute_writes_from_the_same_file(tmp_path, flag):
    """The layer's five polygons in three pages (exceededTransferLimit under ``properties`` as
    ArcGIS Online writes it, or at the top): the snapshot is the one `mapkit compute` writes
    from the same file, and the one bundled for that day — credited ISW/CTP with its link,
    method computed, dated by the day of the layer's last edit with no day's shift."""
    replay = ReplayServer(layer=layer_of(flag=flag)).start()
    try:
        result = isw(replay, tmp_path / "out", *ONE_DAY)
    finally:
        replay.stop()
    assert result.exit_code == 0, result.output
    assert pages(replay) == [0, 2, 4]  # 2 + 2 + 1 features, then no more
    ours = figures(tmp_path / "out")
    assert list(ours) == [f"{DAY}.csv"]
    assert ours == figures(compute([ISW_FILES / f"{DAY}.geojson"], tmp_path / "computed"))
    assert ours[f"{DAY}.csv"] == figures(BUNDLED_ISW)[f"{DAY}.csv"]
    rows = read_snapshot_records(tmp_path / "out" / f"{DAY}.csv")
    assert {(r["source"], r["source_url"], r["method"]) for r in rows} == {
        ("ISW/CTP", "https://www.understandingwar.org", "computed")}
    ua = next(r for r in rows if r["region"] == "UA")
    assert ua["percent"] == 20.43  # the northern occupation: a fifth of Ukraine
    assert "last edited 2022-03-15 22:27:15 UTC" in ua["note"]


@needs_isw
def test_the_cached_map_is_what_compute_reads_and_a_rerun_asks_for_no_page(server, tmp_path):
    cache = tmp_path / "cache"
    first = isw(server, tmp_path / "first", *ONE_DAY, "--cache", cache)
    assert first.exit_code == 0, first.output
    kept = [p for p in cache.iterdir() if p.name.startswith("isw-127.0.0.1-")]
    assert len(kept) == 1 and f"raw responses kept in {kept[0]}" in first.output
    assert [p.name for p in kept[0].iterdir()] == ["2022-03-15T222715Z.geojson.gz"]
    # the reassembled layer names ISW's layer: compute credits it to ISW/CTP on its own
    assert figures(compute([kept[0]], tmp_path / "offline")) == figures(tmp_path / "first")
    asked = len(pages(server))
    second = isw(server, tmp_path / "second", *ONE_DAY, "--cache", cache)
    assert second.exit_code == 0, second.output
    assert len(pages(server)) == asked  # the layer's description only: the map from the cache
    assert "1 map(s) from the cache" in second.output
    assert figures(tmp_path / "second") == figures(tmp_path / "first")


def test_the_layers_own_layer_property_is_set_so_the_importer_knows_it():
    assert is_isw_control_layer(IswLayer.LAYER)


def test_exceeded_transfer_limit_is_read_at_the_top_and_under_properties():
    assert exceeded_transfer_limit({"exceededTransferLimit": True})
    assert exceeded_transfer_limit({"properties": {"exceededTransferLimit": True}})
    assert not exceeded_transfer_limit({"properties": {"exceededTransferLimit": False}})
    assert not exceeded_transfer_limit({"type": "FeatureCollection", "features": []})
    assert not exceeded_transfer_limit({"exceededTransferLimit": "true", "properties": None})


# --- The date: the day of the layer's last edit (UTC), only inside the dates asked for ------------


@needs_isw
def test_the_map_is_dated_by_the_utc_day_of_the_layers_last_edit(tmp_path):
    """Edited at 01:30 UTC on the 16th (the evening of the 15th in Washington): the layer is
    the map of the 16th, as it stood then; never the day of the run."""
    replay = ReplayServer(layer=layer_of(edited=dt.datetime(2022, 3, 16, 1, 30,
                                                            tzinfo=dt.UTC))).start()
    try:
        result = isw(replay, tmp_path / "out", "--since", "2022-03-14", "--until",
                     "2022-03-20", "--every", "day", "--max-age", "0")
    finally:
        replay.stop()
    assert result.exit_code == 0, result.output
    assert sorted(figures(tmp_path / "out")) == ["2022-03-16.csv"]


@needs_isw
@pytest.mark.parametrize("since, until, said", [
    ("2022-03-20", "2022-03-25", "it is before the dates asked for (2022-03-20 … 2022-03-25): "
                                 "nothing new"),
    ("2022-03-01", "2022-03-10", "it is after the dates asked for (up to 2022-03-10): a later "
                                 "run takes it"),
])
def test_a_layer_edited_outside_the_dates_asked_for_is_not_read(server, tmp_path, since,
                                                                 until, said):
    folder = tmp_path / "out"
    folder.mkdir()
    result = isw(server, folder, "--since", since, "--until", until, "--every", "day",
                 "--max-age", "0")
    assert result.exit_code == 0, result.output
    assert ("note: ISW/CTP's layer holds one map, last edited 2022-03-15 22:27 UTC (the map "
            f"of 2022-03-15); {said}") in result.output
    assert pages(server) == []  # not a page asked for
    assert listing(folder) == {}


@needs_isw
def test_features_that_date_themselves_otherwise_are_rejected_not_written(server, tmp_path):
    for feature in server.layer.features:
        feature["properties"]["date"] = "2022-03-14"
    result = isw(server, tmp_path / "out", "--since", "2022-03-14", "--until", DAY,
                 "--every", "day")
    assert result.exit_code == 1, result.output
    assert ("the file dates its map 2022-03-14 (a date inside it), not 2022-03-15 as the "
            "source lists it; nothing written for that date") in errors(result.output)[0]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.csv"))


@needs_isw
def test_a_layer_that_does_not_say_when_it_was_edited_is_not_dated_by_guess(server, tmp_path):
    description = json.loads(server.layer.description())
    del description["editingInfo"]
    server.fault("layer", Fault(body=json.dumps(description).encode()))
    result = isw(server, tmp_path / "out", *ONE_DAY)
    assert result.exit_code == 1, result.output
    assert errors(result.output) == [
        f"error: ISW/CTP's layer at {server.isw} could not say which maps it has: "
        f"{server.isw}?f=json: the layer's description gives no editingInfo.lastEditDate: it "
        "does not say when its map was last changed, so the map cannot be dated. Nothing was "
        "changed."]
    assert pages(server) == []


# --- Faults: a page fails and answers, is cut short, missing, paging that never ends --------------


@needs_isw
@pytest.mark.parametrize("fault, said", [
    (Fault(status=500), "HTTP 500 Internal Server Error"),
    (Fault(truncate=1000), "the response was cut short (truncated body)"),
    (Fault(drop=True), "the connection was reset"),
    (Fault(body=b'{"error": {"code": 503, "message": "Service Unavailable"}}'),
     "ArcGIS error 503: Service Unavailable"),
])
def test_a_page_that_fails_once_is_asked_again_and_the_map_written(server, tmp_path, fault,
                                                                   said):
    server.fault("page@2", fault)
    result = isw(server, tmp_path / "out", *ONE_DAY)
    assert result.exit_code == 0, result.output
    assert pages(server) == [0, 2, 2, 4]
    assert f"note: {said}: waited 0.01 s before trying again" in result.output
    assert figures(tmp_path / "out")[f"{DAY}.csv"] == figures(BUNDLED_ISW)[f"{DAY}.csv"]


@needs_isw
def test_a_page_cut_short_every_time_fails_the_date_and_writes_nothing(server, tmp_path):
    server.fault("page@2", *[Fault(truncate=1000)] * 3)
    folder = tmp_path / "out"
    folder.mkdir()
    cache = tmp_path / "cache"
    result = isw(server, folder, *ONE_DAY, "--retries", "2", "--cache", cache)
    assert result.exit_code == 1, result.output
    [line] = errors(result.output)
    assert line.startswith("error: 2022-03-15 (2022-03-15T222715Z.geojson): the response was "
                           "cut short (truncated body) (3 tries) at ")
    assert "resultOffset=2" in line and line.endswith("; nothing written for that date")
    assert listing(folder) == {}
    assert not list(cache.rglob("*.gz"))  # nothing half-read is kept


@needs_isw
def test_a_page_missing_in_the_middle_fails_the_date(server, tmp_path):
    server.fault("page@2", Fault(status=404))
    result = isw(server, tmp_path / "out", *ONE_DAY)
    assert result.exit_code == 1, result.output
    [line] = errors(result.output)
    assert "listed, but HTTP 404 Not Found at " in line and "resultOffset=2" in line
    assert pages(server) == [0, 2]  # a 404 is an answer: not asked again, nothing after it
    assert not (tmp_path / "out").exists()


@needs_isw
@pytest.mark.parametrize("forever, said", [
    ("repeat", "the page at offset 2 repeats feature(s) already read (id 1, id 2): the "
               "server's paging goes round in circles; stopped"),
    ("empty", "the server says more features follow (exceededTransferLimit) but sent none; "
              "stopped"),
    ("new", "the pages hold more features (6) than the layer counts (5); stopped"),
])
def test_paging_that_never_ends_stops_with_a_clear_error(tmp_path, forever, said):
    replay = ReplayServer(layer=layer_of(forever=forever)).start()
    try:
        result = isw(replay, tmp_path / "out", *ONE_DAY)
    finally:
        replay.stop()
    assert result.exit_code == 1, result.output
    [line] = errors(result.output)
    assert said in line and line.endswith("; nothing written for that date")
    assert len(pages(replay)) <= 4  # a few pages, not for ever
    assert not (tmp_path / "out").exists()


@needs_isw
def test_fewer_features_than_the_layer_counts_is_an_incomplete_map(server, tmp_path):
    server.fault("count", Fault(body=b'{"count": 6}'))
    result = isw(server, tmp_path / "out", *ONE_DAY)
    assert result.exit_code == 1, result.output
    assert ("the server sent 5 of the layer's 6 feature(s) and said no more follow: a page is "
            "missing, or the layer changed while it was read") in errors(result.output)[0]


@needs_isw
def test_an_empty_layer_writes_nothing(server, tmp_path):
    server.layer.features = []
    result = isw(server, tmp_path / "out", *ONE_DAY)
    assert result.exit_code == 1, result.output
    assert ("the layer has no features (it counts 0): an empty map is never written"
            in errors(result.output)[0])
    assert pages(server) == []
    assert not (tmp_path / "out").exists()


@needs_isw
def test_a_layer_edited_while_it_is_read_is_not_taken(server, tmp_path):
    later = dt.datetime(2022, 3, 15, 22, 31, tzinfo=dt.UTC)
    server.fault("layer", Fault(), Fault(body=server.layer.description(later)))
    result = isw(server, tmp_path / "out", *ONE_DAY)
    assert result.exit_code == 1, result.output
    assert ("the layer was edited while it was read (last edited 2022-03-15 22:27:15 UTC, then "
            "2022-03-15 22:31:00 UTC): run again") in errors(result.output)[0]
    assert not (tmp_path / "out").exists()


# --- The jump guard -------------------------------------------------------------------------------


@needs_isw
def test_a_layer_with_a_polygon_missing_is_rejected_unless_forced(server, tmp_path):
    """The layer answers without its second polygon (38,600 km² of the north): the occupied
    area falls by far more than 2 % from the bundled ISW/CTP snapshot of the same day."""
    del server.layer.features[1]
    out = tmp_path / "out"
    result = isw(server, out, *ONE_DAY)
    assert result.exit_code == 1, result.output
    [line] = errors(result.output)
    assert line.startswith("error: 2022-03-15 (2022-03-15T222715Z.geojson): the occupied area "
                           "in Ukraine, ")
    assert f"below 2022-03-15's 123,316 km² ({BUNDLED_ISW / '2022-03-15.csv'})" in line
    assert line.endswith("(more than the 2 % allowed); if the change is real, run again with "
                         "--force; nothing written for that date")
    assert not out.exists() or not list(out.glob("*.csv"))
    forced = isw(server, out, *ONE_DAY, "--force")
    assert forced.exit_code == 0, forced.output
    assert "2022-03-15: written with --force although the occupied area" in forced.output
    assert list(figures(out)) == [f"{DAY}.csv"]


# --- Slow and large answers -----------------------------------------------------------------------


@needs_isw
def test_a_slow_page_ends_at_the_timeout(server, tmp_path):
    server.fault("page@2", Fault(body_drip=0.05))
    argv = ["--source", "isw", "--base-url", server.isw, "--out", str(tmp_path / "out"),
            *ONE_DAY, *FAST, "--timeout", "1", "--retries", "0"]
    try:
        done = subprocess.run([sys.executable, "-m", "mapkit", "update", *argv],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        pytest.fail("mapkit update was still reading after a minute")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "the response took longer than 1 s (--timeout) (1 try)" in errors(done.stderr)[0]
    assert not (tmp_path / "out").exists()


@needs_isw
def test_an_endless_page_stops_at_the_size_cap(server, tmp_path):
    server.fault("page@0", Fault(endless=True))
    result = isw(server, tmp_path / "out", *ONE_DAY, "--max-bytes", "1MB")
    assert result.exit_code == 1, result.output
    assert ("the response is larger than the 1 MB allowed (--max-bytes); nothing was kept"
            in errors(result.output)[0])
    assert pages(server) == [0]  # not asked again: it would not shrink


@needs_isw
def test_pages_each_under_the_cap_but_larger_together_are_stopped(server, tmp_path):
    sizes = [len(server.layer.query({"f": "geojson", "resultOffset": str(offset)})[1])
             for offset in (0, 2, 4)]
    cap = max(sizes) + 1000  # every page fits; the three together do not
    assert sum(sizes) > cap
    result = isw(server, tmp_path / "out", *ONE_DAY, "--max-bytes", cap)
    assert result.exit_code == 1, result.output
    assert "the layer's pages add up to more than the" in errors(result.output)[0]
    assert "allowed (--max-bytes); stopped after" in errors(result.output)[0]
    assert not (tmp_path / "out").exists()


# --- The default folder, its cadence, the notice --------------------------------------------------


@needs_isw
def test_without_out_the_bundled_isw_folder_is_planned_at_its_weekly_cadence(tmp_path):
    """A dry run of the bundled folder (its newest, 2023-08-24): the layer as last edited on
    the 27th would be fetched, weekly, as the folder's own cadence."""
    replay = ReplayServer(layer=layer_of("2023-08-24.geojson", dt.datetime(
        2023, 8, 27, 21, 0, tzinfo=dt.UTC))).start()
    before = listing(BUNDLED_ISW)
    try:
        result = update("--source", "isw", "--base-url", replay.isw, "--dry-run", *FAST)
    finally:
        replay.stop()
    assert result.exit_code == 0, result.output
    assert "week cadence (the folder's)" in result.output
    assert "would fetch 2023-08-27 (2023-08-27T210000Z.geojson)" in result.output
    assert pages(replay) == []
    assert listing(BUNDLED_ISW) == before


@needs_isw
def test_a_weekly_folder_keeps_the_weeks_latest_map(tmp_path):
    """A copy of the bundled weekly folder, brought forward on a Tuesday and again on the
    Thursday: the Thursday's map replaces the Tuesday's provisional one."""
    folder = tmp_path / "isw"
    folder.mkdir()
    for path in sorted(BUNDLED_ISW.glob("2023-0*.csv"))[-6:]:
        shutil.copy(path, folder / path.name)
    for day in (29, 31):
        replay = ReplayServer(layer=layer_of("2023-08-24.geojson", dt.datetime(
            2023, 8, day, 23, 0, tzinfo=dt.UTC))).start()
        try:
            result = isw(replay, folder, "--until", f"2023-08-{day}")
        finally:
            replay.stop()
        assert result.exit_code == 0, result.output
        assert "week cadence (the folder's)" in result.output
    assert "note: 2023-08-31 replaced 2023-08-29 (same ISO week" in result.output
    assert sorted(figures(folder))[-2:] == ["2023-08-24.csv", "2023-08-31.csv"]


@needs_isw
def test_isws_terms_notice_is_shown_once(server, tmp_path):
    first = isw(server, tmp_path / "a", *ONE_DAY)
    assert first.exit_code == 0, first.output
    assert f"notice: {ISW_NOTICE} (shown once)" in first.output
    assert "https://www.understandingwar.org/fair-use-and-attribution-policy/" in ISW_NOTICE
    assert "mapkit has not read them itself" in ISW_NOTICE
    second = isw(server, tmp_path / "b", *ONE_DAY)
    assert second.exit_code == 0, second.output
    assert "notice:" not in second.output


@needs_isw
def test_a_folder_of_isw_files_is_credited_to_isw_ctp_with_its_notice(tmp_path):
    """ISW/CTP's files from a folder: recognised, credited and noticed without --name."""
    result = update("--source", ISW_FILES, "--out", tmp_path / "out", "--max-age", "0", *FAST)
    assert result.exit_code == 0, result.output
    assert f"notice: {ISW_NOTICE}" in result.output
    [name] = figures(tmp_path / "out")
    assert name == "2023-08-24.csv"
    rows = read_snapshot_records(tmp_path / "out" / name)
    assert {r["source"] for r in rows} == {"ISW/CTP"}
    assert figures(tmp_path / "out")[name] == figures(BUNDLED_ISW)[name]


def test_no_network_is_exit_3_and_changes_nothing(tmp_path):
    replay = ReplayServer().start()
    address = replay.isw
    replay.stop()  # nothing listens there any more
    result = update("--source", "isw", "--base-url", address, "--out", tmp_path / "out",
                    *FAST, "--retries", "0")
    assert result.exit_code == 3, result.output
    assert errors(result.output)[0].startswith(
        f"error: cannot reach ISW/CTP's layer at {address}: cannot connect")
    assert not (tmp_path / "out").exists()


@needs_isw
def test_a_kept_map_is_gzip_of_the_reassembled_layer(server, tmp_path):
    """The cache holds the pages put together: one FeatureCollection of the five polygons,
    each naming ISW's layer."""
    cache = tmp_path / "cache"
    result = isw(server, tmp_path / "out", *ONE_DAY, "--cache", cache)
    assert result.exit_code == 0, result.output
    [kept] = cache.rglob("*.geojson.gz")
    document = json.loads(gzip.decompress(kept.read_bytes()))
    assert document["type"] == "FeatureCollection"
    assert [f["id"] for f in document["features"]] == [1, 2, 3, 4, 5]
    assert {f["properties"]["layer"] for f in document["features"]} == {IswLayer.LAYER}
