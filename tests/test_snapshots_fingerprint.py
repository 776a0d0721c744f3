"""The fingerprint of snapshot folders: what tells the viewer, at the cost of a directory
listing, that a snapshot file was added, changed, replaced or removed (issue 17, a live viewer).
"""

from __future__ import annotations

import os

from mapkit.files import write_atomically
from mapkit.snapshots import snapshots_fingerprint


def test_the_fingerprint_changes_with_the_snapshot_files_only(tmp_path):
    folder = tmp_path / "snapshots"
    (folder / "deepstate").mkdir(parents=True)
    first = folder / "deepstate" / "2024-06-01.csv"
    first.write_text("date,region\n2024-06-01,UA-14\n", encoding="utf-8")
    prints = [snapshots_fingerprint([folder])]
    assert snapshots_fingerprint([folder]) == prints[-1]  # a look changes nothing
    # an atomic writer's temporary file, and a file of another kind: not snapshot files
    (folder / "deepstate" / ".2024-06-02.csv.123.tmp").write_text("half", encoding="utf-8")
    (folder / "README.txt").write_text("notes", encoding="utf-8")
    assert snapshots_fingerprint([folder]) == prints[-1]

    second = folder / "deepstate" / "2024-06-02.csv"
    second.write_text("date,region\n2024-06-02,UA-14\n", encoding="utf-8")
    prints.append(snapshots_fingerprint([folder]))  # added, in a folder beneath
    first.write_text("date,region\n2024-06-01,UA-09\n", encoding="utf-8")  # same size
    later = first.stat().st_mtime + 2
    os.utime(first, (later, later))
    prints.append(snapshots_fingerprint([folder]))  # written in place, some time later
    write_atomically(second, "date,region\n2024-06-02,UA-09\n")
    prints.append(snapshots_fingerprint([folder]))  # replaced
    second.unlink()
    prints.append(snapshots_fingerprint([folder]))  # removed
    assert len(set(prints)) == len(prints)


def test_the_fingerprint_of_a_file_a_pattern_and_a_folder_still_to_come(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("date,region\n", encoding="utf-8")
    pattern = [str(tmp_path / "*.csv")]
    before = snapshots_fingerprint(pattern), snapshots_fingerprint([one])
    one.write_text("date,region,percent\n", encoding="utf-8")
    assert snapshots_fingerprint(pattern) != before[0]
    assert snapshots_fingerprint([one]) != before[1]
    later = tmp_path / "later"
    missing = snapshots_fingerprint([later])
    later.mkdir()
    (later / "a.csv").write_text("date,region\n", encoding="utf-8")
    assert snapshots_fingerprint([later]) != missing


def test_the_bundled_folder_has_a_fingerprint():
    assert snapshots_fingerprint() == snapshots_fingerprint(None) != ""
