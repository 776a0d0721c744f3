"""A visitor's uploads: read in a process of their own within limits, released when replaced,
a few per visit, credited by the name they came with.

The page runs in Streamlit's AppTest (tests/test_app.py explains how the map's first message is
set); the limits themselves are tested on :func:`mapkit.viewer.sandbox.run_limited` with work
that overruns each of them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import pytest
from pathological import allocate, sleep, spin, star_geojson
from streamlit.testing.v1 import AppTest

from mapkit.snapshots import SnapshotError
from mapkit.viewer import uploads
from mapkit.viewer.uploads import read_upload, read_upload_isolated

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HEADER = "date,region,percent,source,method\n"
SQUARE = json.dumps({"type": "Polygon", "coordinates": [[[37.5, 47.5], [38.5, 47.5],
                                                         [38.5, 48.5], [37.5, 48.5],
                                                         [37.5, 47.5]]]}).encode()


@pytest.fixture()
def app(tmp_path, monkeypatch):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "test.csv").write_text(HEADER + "2024-06-01,UA-14,60,Test Desk,reported\n",
                                     encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["app.py", "--snapshots", str(folder)])
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.session_state["map"] = {"event": "ready", "selected": None, "n": 1}
    return app.run()


def shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def upload(app, name: str, content: bytes) -> AppTest:
    return app.file_uploader(key="upload_file").upload(name, content, "text/csv").run()


def series(app) -> list[str]:
    return [shown(option).split(" · ")[0] for option in app.radio(key="source:en").options]


def infos(app) -> list[str]:
    return [shown(i.value) for i in app.info]


def donetsk(app) -> str:
    return app.dataframe[-1].value.set_index("Region").loc["Donetsk",
                                                           "Under Russian control, %"]


# --- Credit ---------------------------------------------------------------------------------


def test_a_geojson_named_with_a_slash_is_credited_by_its_whole_name():
    """A browser may send "Team A/front.geojson" (a folder upload): the source is the name as
    given, not "front" — another team's name, or none."""
    made = read_upload("Team A/front 2024-07-08.geojson", SQUARE)
    assert made.sources == ["Team A/front 2024-07-08 (uploaded)"]
    assert read_upload("../x/2024-07-08.geojson", SQUARE).sources == [
        "../x/2024-07-08 (uploaded)"]  # a name, never a path: nothing is read from disk


# --- Released when replaced; a few per visit ---------------------------------------------------


def test_a_new_version_of_an_upload_replaces_the_old_one(app):
    upload(app, "mine.csv", (HEADER + "2024-06-01,UA-14,80,My Desk,reported\n").encode())
    upload(app, "mine.csv", (HEADER + "2024-06-01,UA-14,70,My Desk,reported\n").encode())
    assert not app.error
    assert series(app).count("My Desk (uploaded)") == 1
    assert donetsk(app) == "70.0"  # the figure of the file uploaded last
    assert len(app.session_state["uploads"]) == 1  # the first is no longer kept


def test_another_file_of_the_same_series_replaces_it_and_says_so(app):
    upload(app, "monday.csv", (HEADER + "2024-06-01,UA-14,80,My Desk,reported\n").encode())
    upload(app, "tuesday.csv", (HEADER + "2024-06-01,UA-14,70,My Desk,reported\n").encode())
    assert donetsk(app) == "70.0"
    assert len(app.session_state["uploads"]) == 1
    assert ("No longer shown: monday.csv. A visit keeps at most 3 uploads, 20 MB in all, and "
            "one file per series; upload a file again to see it again.") in infos(app)


def test_a_visit_keeps_three_uploads_and_lets_the_oldest_go(app):
    for desk in "ABCD":
        upload(app, f"{desk}.csv",
               (HEADER + f"2024-06-01,UA-14,50,Desk {desk},reported\n").encode())
    assert not app.error
    kept = [name for name in series(app) if name.endswith("(uploaded)")]
    assert kept == ["Desk B (uploaded)", "Desk C (uploaded)", "Desk D (uploaded)"]
    assert any(text.startswith("No longer shown: A.csv.") for text in infos(app))


def test_a_visit_keeps_so_many_megabytes_of_uploads(app, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_MB_PER_SESSION", 1, raising=False)
    codes = ["UA-14", "UA-09", "UA-23", "UA-65"]
    for desk in "AB":  # 0.6 MB each: together over the 1 MB a visit may keep here
        rows = "".join(f"{dt.date(1990, 1, 1) + dt.timedelta(days=i // 4)},{codes[i % 4]},"
                       f"{i % 100},Desk {desk},reported\n" for i in range(19_000))
        upload(app, f"{desk}.csv", (HEADER + rows).encode())
    assert not app.error, [e.value for e in app.error]
    kept = [name for name in series(app) if name.endswith("(uploaded)")]
    assert kept == ["Desk B (uploaded)"]
    assert any(text.startswith("No longer shown: A.csv.") for text in infos(app))


# --- Read in a process of its own, within limits ------------------------------------------------


def test_an_upload_is_read_in_a_child_process_and_its_problems_come_back_whole():
    with pytest.raises(SnapshotError) as refused:
        read_upload_isolated("bad.csv", (HEADER + "2024-02-30,Atlantis,150,X,guessed\n"
                                         ).encode())
    with pytest.raises(SnapshotError) as expected:
        read_upload("bad.csv", (HEADER + "2024-02-30,Atlantis,150,X,guessed\n").encode())
    assert refused.value.problems == expected.value.problems
    steps = []
    made = read_upload_isolated("2024-07-08.geojson", SQUARE, on_stage=steps.append)
    assert steps == ["read", "compute", "check"]  # the page shows each step as it starts
    assert made.sources == ["2024-07-08 (uploaded)"]


def test_the_pathological_star_is_refused_with_what_was_too_complex():
    with pytest.raises(SnapshotError) as refused:
        read_upload_isolated("front.geojson", star_geojson(5000))
    (problem,) = refused.value.problems
    assert problem.file == "front.geojson"
    assert problem.message.startswith("its polygons' edges cross one another at more than "
                                      "10,000 points (most of them in feature 0, a polygon "
                                      "of 5,001 vertices): too complex to repair")


@pytest.mark.parametrize("work, limits, reached", [
    (allocate, uploads.Limits(memory_mb=200, cpu_seconds=30, wall_seconds=60),
     "more than 200 MB of memory"),
    (spin, uploads.Limits(memory_mb=500, cpu_seconds=1, wall_seconds=60),
     "more than 1 s of CPU time"),
    (sleep, uploads.Limits(memory_mb=500, cpu_seconds=30, wall_seconds=1),
     "more than 1 s"),
])
def test_work_past_a_limit_is_stopped_with_one_message(work, limits, reached, monkeypatch):
    monkeypatch.setattr(uploads, "_read_in_child", work)
    with pytest.raises(SnapshotError) as stopped:
        read_upload_isolated("front.geojson", b"{}", limits=limits)
    assert str(stopped.value) == (
        f"front.geojson: reading it needed {reached}, the most one upload may use, and was "
        "stopped; nothing was added. A front line drawn in ordinary detail takes a few MB and "
        "a second or two: simplify the polygons (e.g. mapshaper -simplify 10%), or check that "
        "they are what you meant to upload")
