"""The command line when things go wrong: one clear line and the documented exit code, never a
traceback, never a wrong map, nothing half-written, nothing left behind.

Exit codes (mapkit/cli.py): 1 for data that cannot be used, 2 for a command that cannot be
carried out as given (bad settings, a place that cannot be written).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapkit.cli import cli

HEADER = "date,region,percent,source,method,source_url,contested_percent,note\n"
#: A square across Donetsk oblast's north, in [longitude, latitude] as GeoJSON wants.
SQUARE = [[37.5, 47.5], [38.5, 47.5], [38.5, 48.5], [37.5, 48.5], [37.5, 47.5]]


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_clear_line(result, code: int, *words: str) -> str:
    """The command failed with ``code`` and said so in one line holding ``words``."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                      SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def polygon_file(folder: Path, name: str, ring=SQUARE) -> Path:
    path = folder / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                                                           "coordinates": [ring]}}]}))
    return path


@pytest.fixture()
def snapshots(tmp_path) -> Path:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "desk.csv").write_text(HEADER + "2024-01-01,UA-14,40,Desk,reported,,,\n"
                                              "2025-03-17,UA-14,60,Desk,reported,,,\n")
    return folder


def _mount_tmpfs(folder: Path, *options: str) -> bool:
    """Mount a small tmpfs (root in a container that allows it); False where not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                           str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture()
def mounted(tmp_path):
    made = []

    def mount(name: str, *options: str) -> Path:
        folder = tmp_path / name
        if not _mount_tmpfs(folder, *options):
            pytest.skip("cannot mount a tmpfs here (needs root and a permissive container)")
        made.append(folder)
        return folder

    yield mount
    for folder in made:
        subprocess.run(["umount", str(folder)], capture_output=True)


# --- export ----------------------------------------------------------------------------------


def test_export_on_a_full_disk_says_so_and_keeps_the_old_file(snapshots, tmp_path, monkeypatch):
    out = tmp_path / "map.png"
    out.write_bytes(b"the map from yesterday")
    real_fdopen = os.fdopen

    def full_disk(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)

        def write(data):
            raise OSError(errno.ENOSPC, "No space left on device")

        handle.write = write
        return handle

    monkeypatch.setattr("mapkit.files.os.fdopen", full_disk)
    result = run("export", "--format", "png", "--snapshots", snapshots, "--out", out)
    one_clear_line(result, 2, f"cannot write {out}", "the disk is full", "nothing was written")
    assert out.read_bytes() == b"the map from yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png", "snapshots"]


def test_export_on_a_really_full_disk(snapshots, mounted):
    small = mounted("small", "size=64k")
    result = run("export", "--format", "png", "--snapshots", snapshots, "--out",
                 small / "map.png")
    one_clear_line(result, 2, "the disk is full")
    assert list(small.iterdir()) == []


def test_export_to_a_250_character_file_name_works_and_a_longer_one_is_one_line(snapshots,
                                                                                tmp_path):
    long = tmp_path / ("m" * 246 + ".csv")  # 250 characters: as long as most systems allow
    result = run("export", "--format", "csv", "--snapshots", snapshots, "--out", long)
    assert result.exit_code == 0, result.output
    assert long.read_text().startswith("map_date,")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    too_long = tmp_path / ("m" * 300 + ".csv")
    result = run("export", "--format", "csv", "--snapshots", snapshots, "--out", too_long)
    one_clear_line(result, 2, "the name is too long (304 characters")


@pytest.mark.parametrize("out", ["/proc/map.csv", "/sys/map.csv", "/proc/self/map.csv"])
def test_export_under_proc_or_sys_is_one_line(snapshots, out):
    result = run("export", "--format", "csv", "--snapshots", snapshots, "--out", out)
    one_clear_line(result, 2, f"cannot write {out}")


def test_export_never_writes_over_one_of_its_snapshot_files(snapshots):
    source = snapshots / "desk.csv"
    before = source.read_bytes()
    for fmt in ("csv", "png"):
        result = run("export", "--format", fmt, "--snapshots", snapshots, "--out", source)
        one_clear_line(result, 2, "is one of the snapshot files this map is made from")
        result = run("export", "--format", fmt, "--snapshots", source, "--out", source)
        one_clear_line(result, 2, "is one of the snapshot files this map is made from")
    assert source.read_bytes() == before


def test_a_csv_export_cannot_be_written_into_a_snapshots_folder(snapshots):
    result = run("export", "--format", "csv", "--snapshots", snapshots,
                 "--out", snapshots / "sub" / "figures.csv")
    one_clear_line(result, 2, "is inside the snapshots folder")
    assert sorted(p.name for p in snapshots.iterdir()) == ["desk.csv"]
    # a map (not a .csv) beside the snapshots is harmless: they are read as *.csv only
    assert run("export", "--format", "svg", "--snapshots", snapshots,
               "--out", snapshots / "map.svg").exit_code == 0
    assert run("export", "--format", "csv", "--snapshots", snapshots).exit_code == 2


def test_a_csv_export_put_in_a_snapshots_folder_by_hand_is_named_for_what_it_is(snapshots,
                                                                               tmp_path):
    exported = tmp_path / "figures.csv"
    assert run("export", "--format", "csv", "--snapshots", snapshots,
               "--out", exported).exit_code == 0
    (snapshots / "figures.csv").write_bytes(exported.read_bytes())
    result = run("validate", snapshots)
    assert result.exit_code == 1
    assert (f"{snapshots / 'figures.csv'}:1: is a mapkit csv export (the figures behind a map"
            in result.stderr)
    assert "move it out of the snapshots folder" in result.stderr


def test_a_killed_export_s_temporary_file_goes_with_the_next_export(snapshots, tmp_path):
    out = tmp_path / "map.csv"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    leftover = tmp_path / f".map.csv.{dead}-abcd1234.tmp"  # what kill -9 mid-write leaves
    leftover.write_text("half a map")
    someone_elses = tmp_path / ".map.csv.notours.tmp"
    someone_elses.write_text("keep")
    mine_running = tmp_path / f".map.csv.{os.getpid()}-efgh5678.tmp"  # a writer still at work
    mine_running.write_text("keep")
    assert run("export", "--format", "csv", "--snapshots", snapshots, "--out", out).exit_code == 0
    assert not leftover.exists()
    assert someone_elses.exists() and mine_running.exists()


# --- compute -----------------------------------------------------------------------------------


def test_compute_with_an_impossible_date_is_one_line(tmp_path):
    square = polygon_file(tmp_path, "front.geojson")
    result = run("compute", square, "--date", "2025-13-01", "--out", tmp_path / "out")
    one_clear_line(result, 2, "--date '2025-13-01' is not a date; use YYYY-MM-DD")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--date", "2099-01-01", "date 2099-01-01 is in the future"),
    ("--source", "", "source is empty"),
    ("--source", "=cmd|' /C calc'!A0", "so a spreadsheet would read it as a formula"),
    ("--source-url", "javascript:alert(1)", "source_url 'javascript:alert(1)' must start with "
                                            "http:// or https://"),
])
def test_compute_settings_follow_the_rules_validate_applies(tmp_path, flag, value, message):
    square = polygon_file(tmp_path, "front.geojson")
    settings = {"--date": "2024-01-01", "--source": "Desk", "--source-url": ""}
    settings[flag] = value
    args = [a for item in settings.items() for a in item if item[1] or item[0] == flag]
    result = run("compute", square, *args, "--out", tmp_path / "out")
    one_clear_line(result, 2, f"error: {flag}: ", message)
    assert not (tmp_path / "out").exists()
    # the very same rule, in mapkit validate's words
    row = {"date": settings["--date"], "source": settings["--source"],
           "source_url": settings["--source-url"]}
    (tmp_path / "same.csv").write_text(
        HEADER + f'{row["date"]},UA-14,0,"{row["source"]}",computed,{row["source_url"]},,\n')
    assert message in run("validate", tmp_path / "same.csv").stderr


def test_compute_of_a_file_dated_in_the_future_fails_in_one_line_and_leaves_no_folder(
        tmp_path):
    future = polygon_file(tmp_path, "2099-05-05.geojson")
    result = run("compute", future, "--out", tmp_path / "new" / "out")
    assert result.exit_code == 1
    assert (f"error: {future}: date 2099-05-05 is in the future (28 rows)"
            in result.stderr.splitlines())
    assert not (tmp_path / "new").exists()


def test_compute_of_polygons_outside_ukraine_is_an_error_unless_allowed(tmp_path):
    paris = polygon_file(tmp_path, "2024-01-01.geojson",
                         [[2, 48], [3, 48], [3, 49], [2, 49], [2, 48]])
    result = run("compute", paris, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "its polygons cover none of Ukraine (they lie at lon 2.00 … 3.00, lat 48.00 … 49.00" \
        in result.stderr
    assert "run again with --allow-empty" in result.stderr
    assert not (tmp_path / "out").exists()
    result = run("compute", paris, "--out", tmp_path / "out", "--allow-empty")
    assert result.exit_code == 0
    rows = (tmp_path / "out" / "2024-01-01.csv").read_text().splitlines()[1:]
    regions = [row for row in rows if row.split(",")[1] != "UA"]
    assert len(regions) == 27 and all(row.split(",")[2] == "0.00" for row in regions)


def test_compute_names_swapped_latitude_and_longitude(tmp_path):
    swapped = polygon_file(tmp_path, "2024-01-01.geojson", [[y, x] for x, y in SQUARE])
    result = run("compute", swapped, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "the coordinates look swapped, latitude first" in result.stderr
    assert "[longitude, latitude]" in result.stderr


@pytest.mark.parametrize("coordinates", [None, [], [[]]])
def test_compute_of_polygons_without_coordinates_is_an_error(tmp_path, coordinates):
    path = tmp_path / "2024-01-01.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": coordinates}}))
    result = run("compute", path, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "no polygons to import (found 1 empty Polygon)" in result.stderr
    assert "repaired" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("out", ["/proc/mapkit-out", "/sys/mapkit/out"])
def test_compute_out_under_proc_or_sys_is_one_line(tmp_path, out):
    square = polygon_file(tmp_path, "2024-01-01.geojson")
    one_clear_line(run("compute", square, "--out", out), 2, f"cannot write {out}")


def test_compute_new_out_folder_on_a_read_only_file_system(tmp_path, mounted):
    square = polygon_file(tmp_path, "2024-01-01.geojson")
    read_only = mounted("ro", "ro,size=64k")
    result = run("compute", square, "--out", read_only / "new")
    one_clear_line(result, 2, "is on a read-only file system")


def test_compute_new_out_folder_that_cannot_be_made_is_one_line(tmp_path, monkeypatch):
    """The same without mount rights: the folder's creation fails as on a read-only disk."""
    square = polygon_file(tmp_path, "2024-01-01.geojson")

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    result = run("compute", square, "--out", tmp_path / "new")
    one_clear_line(result, 2, f"cannot write {tmp_path / 'new'}", "read-only file system")


def test_compute_on_a_full_disk_stops_in_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    files = [polygon_file(tmp_path, f"2024-01-0{day}.geojson") for day in (1, 2, 3)]
    import mapkit.ingest.runner as runner

    def full_disk(path, content, tag):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(runner, "write_temporary", full_disk)
    result = run("compute", *files, "--out", tmp_path / "out", "--workers", "1")
    one_clear_line(result, 2, "the disk is full")
    assert not (tmp_path / "out").exists()


def test_compute_on_a_really_full_disk(tmp_path, mounted):
    small = mounted("small", "size=8k")  # two pages: a snapshot or two, not six
    files = [polygon_file(tmp_path, f"2024-01-0{day}.geojson") for day in range(1, 7)]
    result = run("compute", *files, "--out", small / "out", "--workers", "1")
    one_clear_line(result, 2, "the disk is full")
    left = [p.name for p in (small / "out").iterdir()] if (small / "out").exists() else []
    assert not [name for name in left if name.endswith(".tmp")]
