"""Files on disk: the paths a reader names, the stamps of prepared files, temporary names."""

from __future__ import annotations

from mapkit.files import (
    expand_paths,
    file_stamp,
    stamp_matches,
    temporary_path,
    write_atomically,
)


def test_folders_give_their_files_of_the_suffixes_sorted_and_once(tmp_path):
    (tmp_path / "b.geojson").write_text("{}")
    (tmp_path / "a.JSON").write_text("{}")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "deeper").mkdir()
    (tmp_path / "deeper" / "c.json").write_text("{}")
    flat, problems = expand_paths([tmp_path, tmp_path / "b.geojson"], (".json", ".geojson"))
    assert flat == [tmp_path / "a.JSON", tmp_path / "b.geojson"] and problems == []
    deep, _ = expand_paths([tmp_path], (".json",), recursive=True)
    assert deep == [tmp_path / "a.JSON", tmp_path / "deeper" / "c.json"]


def test_unusable_names_are_reported_as_given(tmp_path):
    (tmp_path / "empty").mkdir()
    found, problems = expand_paths(
        [tmp_path / "gone.csv", str(tmp_path / "*.nothing"), tmp_path / "empty"], (".csv",),
        empty_folders=False)
    assert found == []
    assert problems == [(str(tmp_path / "gone.csv"), "no such file or folder"),
                        (str(tmp_path / "*.nothing"), "no file matches this pattern"),
                        (str(tmp_path / "empty"), "folder has no .csv files")]
    assert expand_paths([tmp_path / "empty"], (".csv",)) == ([], [])


def test_a_stamp_records_the_source_digest_and_settings_in_order(tmp_path):
    source = tmp_path / "source.geojson"
    source.write_text("one")
    stamp = file_stamp(source, digest_key="source_sha256", version=2, tolerance=0.5)
    assert list(stamp) == ["format", "source_sha256", "tolerance"]
    assert stamp_matches({**stamp, "built_by": "anything"}, stamp)
    assert not stamp_matches({**stamp, "tolerance": 1.0}, stamp)
    source.write_text("two")
    assert not stamp_matches(stamp, file_stamp(source, digest_key="source_sha256", version=2,
                                               tolerance=0.5))


def test_temporary_files_are_hidden_beside_their_target(tmp_path):
    target = tmp_path / "2025-03-17.csv"
    assert temporary_path(target, "run1-2-3") == tmp_path / ".2025-03-17.csv.run1-2-3.tmp"
    write_atomically(target, "text")
    assert [p.name for p in tmp_path.iterdir()] == ["2025-03-17.csv"]


def test_a_batch_writes_temporaries_and_removes_its_own_leftovers(tmp_path):
    from mapkit.files import remove_temporaries, write_temporary

    target = tmp_path / "2025-03-17.csv"
    mine = write_temporary(target, "a,b\n", "run7-1-0")
    other = write_temporary(target, "c\n", "run8-1-0")
    assert mine.read_text(encoding="utf-8") == "a,b\n" and not target.exists()
    remove_temporaries(tmp_path, "run7-")
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name]


def test_an_out_that_is_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    """`mapkit export --out latest.png`, where latest.png links to the published file: the
    published file gets the new content, atomically; the link is not replaced by a file."""
    published = tmp_path / "site" / "map.png"
    published.parent.mkdir()
    published.write_bytes(b"yesterday")
    latest = tmp_path / "latest.png"
    latest.symlink_to(published)
    hop = tmp_path / "hop.png"  # a link to a link
    hop.symlink_to(latest)
    write_atomically(latest, b"today")
    assert latest.is_symlink() and published.read_bytes() == b"today"
    write_atomically(hop, b"tomorrow")
    assert hop.is_symlink() and latest.is_symlink() and published.read_bytes() == b"tomorrow"
    assert sorted(p.name for p in published.parent.iterdir()) == ["map.png"]  # no temporary
    dangling = tmp_path / "new.png"
    dangling.symlink_to(tmp_path / "site" / "new-map.png")
    write_atomically(dangling, b"first")
    assert dangling.is_symlink() and (tmp_path / "site" / "new-map.png").read_bytes() == b"first"
