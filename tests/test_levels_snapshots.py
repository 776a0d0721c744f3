"""Snapshots per level (mapkit/snapshots.py): where each level's files are, the codes each
level's files may name (with an error that says which level a code is of), the units a
computed raion or hromada snapshot does not list (0 %, said by its row UA, refused without it),
series.toml across levels, and the bundled raion and hromada snapshots."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mapkit.cli import cli
from mapkit.constants import SNAPSHOTS_DIR
from mapkit.levels import get_level
from mapkit.snapshots import (
    IMPLIED_ZERO_NOTE,
    SnapshotError,
    file_level,
    load_snapshots,
    read_snapshot_text,
    snapshots_fingerprint,
    validate_paths,
    validate_rows,
)

HEADER = "date,region,percent,source,method,source_url,contested_percent,note,area_km2\n"
MARIUPOLSKYI = "UA14140000000070889"  # Mariupolskyi Raion, Donetsk oblast: 5,000-odd km²
HULIAIPILSKA = "UA23100070000026535"
UA = "2025-01-05,UA,19.00,Desk,computed,,,,114689.3\n"


def write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_a_files_level_is_its_folders_name():
    assert file_level("x/deepstate/raion/2025-01-01.csv") == "raion"
    assert file_level("x/deepstate/hromada/2025-01-01.csv") == "hromada"
    assert file_level("x/deepstate/2025-01-01.csv") == "oblast"


def test_a_computed_raion_snapshot_lists_units_above_zero_and_the_rest_are_zero(tmp_path):
    mariupol = get_level("raion").areas_km2[MARIUPOLSKYI]
    write(tmp_path / "raion", "2025-01-05.csv",
          f"2025-01-05,{MARIUPOLSKYI},100.00,Desk,computed,,,,{mariupol:.1f}\n" + UA)
    frame = load_snapshots([tmp_path], level="raion")
    assert frame.attrs["level"] == "raion"
    assert len(frame) == 138 + 1  # every raion, and UA
    lviv = frame[frame["region"] == get_level("raion").resolve("Lvivskyi").code].iloc[0]
    assert (lviv["percent"], lviv["area_km2"], lviv["source"], lviv["method"]) == (
        0.0, 0.0, "Desk", "computed")
    assert lviv["note"] == IMPLIED_ZERO_NOTE and lviv["line"] == 3  # said by the UA row
    assert pd.isna(lviv["contested_percent"])  # the input had no grey zone: none implied
    assert frame.set_index("region").loc[MARIUPOLSKYI, "percent"] == 100.0


def test_a_computed_level_snapshot_without_its_ua_row_is_refused(tmp_path):
    path = write(tmp_path / "hromada", "2025-01-05.csv",
                 f"2025-01-05,{HULIAIPILSKA},50.00,Desk,computed,,,,338.5\n")
    report = validate_paths([tmp_path])
    assert [str(p) for p in report.problems] == [
        f"{path}:2: computed hromada rows of 2025-01-05 from 'Desk' without the computed row UA "
        "of that date and source: a computed hromada snapshot lists only the units above 0 %, "
        "and its UA row (written last) says the list is complete, so a file without it looks "
        "cut short; compute it again, or mark the rows reported"]
    # a reported figure says what its source says, nothing about the other units
    reported = write(tmp_path / "x" / "hromada", "2025-01-06.csv",
                     "2025-01-06,Huliaipole,50,Desk,reported,,,,\n")
    frame = load_snapshots([reported], level="hromada")
    assert list(frame["region"]) == [HULIAIPILSKA]


@pytest.mark.parametrize(("folder", "code", "message"), [
    ("", MARIUPOLSKYI, f"region '{MARIUPOLSKYI}' is a raion (Mariupolskyi Raion (Donetsk)), not "
                       "an oblast: a snapshot holds the figures of one level; raion figures go "
                       "in a folder named raion/ (or: --level raion)"),
    ("raion", HULIAIPILSKA, f"region '{HULIAIPILSKA}' is a hromada (Huliaipilska Urban Hromada "
                            "(Zaporizhzhia)), not a raion"),
    ("hromada", "UA-14", "region 'UA-14' is an oblast (Donetsk), not a hromada: a snapshot holds "
                         "the figures of one level; oblast figures go at the oblast level: "
                         "outside a raion/ or hromada/ folder"),
    ("hromada", "UA14999999999999999", "unknown hromada 'UA14999999999999999'."),
])
def test_each_level_takes_its_own_codes_and_says_whose_a_code_is(tmp_path, folder, code,
                                                                 message):
    path = write(tmp_path / folder if folder else tmp_path, "2025-01-05.csv",
                 f"2025-01-05,{code},10,Desk,reported,,,,\n")
    (problem,) = validate_paths([tmp_path]).problems
    assert str(problem).startswith(f"{path}:2: {message}")


def test_names_are_read_as_the_levels_codes_and_noted(tmp_path):
    path = write(tmp_path / "hromada", "2025-01-05.csv",
                 "2025-01-05,\"Pokrovsk, Donetsk\",70,Desk,reported,,,,\n")
    report = validate_paths([tmp_path])
    assert report.ok
    assert str(report.notes[0]) == (f"{path}:2: region 'Pokrovsk, Donetsk' read as "
                                    "UA14160210000011148 (Pokrovska Urban Hromada (Donetsk))")
    ambiguous = write(tmp_path / "b" / "hromada", "2025-01-05.csv",
                      "2025-01-05,Pokrovsk,70,Desk,reported,,,,\n")
    (problem,) = validate_paths([ambiguous]).problems
    assert "'Pokrovsk' fits 2 hromadas" in problem.message


def test_km2_is_checked_against_the_units_own_area(tmp_path):
    with pytest.raises(SnapshotError, match=r"area_km2 900 is more than Huliaipilska Urban "
                                            r"Hromada's whole area \(677 km²\)"):
        read_snapshot_text(HEADER + f"2025-01-05,{HULIAIPILSKA},50,Desk,reported,,,,900\n",
                           "upload.csv", level="hromada")
    with pytest.raises(SnapshotError, match="does not go with percent 50"):
        validate_rows([{"date": "2025-01-05", "region": HULIAIPILSKA, "percent": "50",
                        "source": "Desk", "method": "reported", "area_km2": "100"}],
                      "made.csv", "hromada")


def test_the_default_level_never_reads_a_finer_levels_folder(tmp_path):
    write(tmp_path, "2025-01-05.csv", "2025-01-05,UA-14,70,Desk,reported,,,,\n")
    hromada = write(tmp_path / "hromada", "2025-01-05.csv",
                    f"2025-01-05,{HULIAIPILSKA},50,Desk,reported,,,,\n")
    frame = load_snapshots([tmp_path])
    assert list(frame["region"]) == ["UA-14"] and frame.attrs["level"] == "oblast"
    before = snapshots_fingerprint([tmp_path])
    hromada.write_text(hromada.read_text() + "2025-01-06,Huliaipole,60,Desk,reported,,,,\n")
    assert snapshots_fingerprint([tmp_path]) == before  # the oblast view has nothing to reload
    assert snapshots_fingerprint([tmp_path], level="hromada") != snapshots_fingerprint(
        [tmp_path], level="raion")
    # a finer level's folder named at the oblast level says which level it holds
    with pytest.raises(SnapshotError, match="holds hromada figures .*give --level hromada"):
        load_snapshots([tmp_path / "hromada"])


def test_a_series_file_covers_its_series_at_every_level(tmp_path):
    (tmp_path / "series.toml").write_text(
        'series = "Desk"\nstands_days = 6\n\n[[exceptions]]\ndate = 2025-01-05\n'
        'until = 2025-03-01\nregions = ["UA-23"]\nwhy = "the line held there"\n',
        encoding="utf-8")
    write(tmp_path / "hromada", "2025-01-05.csv",
          f"2025-01-05,{HULIAIPILSKA},50.00,Desk,computed,,,,338.5\n" + UA)
    frame = load_snapshots([tmp_path], level="hromada").set_index("region")
    until = frame["stands_until"].dt.date
    assert until[HULIAIPILSKA] == dt.date(2025, 3, 1)  # an exception for its oblast, UA-23
    assert frame.loc[HULIAIPILSKA, "stands_note"] == "the line held there"
    assert until[get_level("hromada").resolve("Lviv").code] == dt.date(2025, 1, 11)  # 6 days
    assert until["UA"] == dt.date(2025, 1, 11)


def test_cli_validate_checks_every_level_or_the_one_asked_for(tmp_path):
    write(tmp_path, "2025-01-05.csv", "2025-01-05,UA-14,70,Desk,reported,,,,\n")
    write(tmp_path / "raion", "2025-01-05.csv",
          f"2025-01-05,{MARIUPOLSKYI},100,Desk,reported,,,,\n")
    bad = write(tmp_path / "hromada", "2025-01-05.csv", "2025-01-05,UA-14,70,Desk,reported,,,,\n")
    runner = CliRunner()
    every = runner.invoke(cli, ["validate", str(tmp_path)])
    assert every.exit_code == 1
    assert f"{bad}:2: region 'UA-14' is an oblast (Donetsk), not a hromada" in every.stderr
    assert "3 file(s), 2 valid row(s), 1 problem(s)" in every.stderr
    raions = runner.invoke(cli, ["validate", "--level", "raion", str(tmp_path)])
    assert raions.exit_code == 0 and "1 file(s), 1 valid row(s), 0 problem(s)" in raions.output
    named = runner.invoke(cli, ["validate", "--level", "hromada", str(tmp_path / "2025-01-05.csv")])
    assert named.exit_code == 1 and "is an oblast (Donetsk), not a hromada" in named.stderr


# --- the bundled snapshots ---------------------------------------------------------------------


@pytest.mark.parametrize("series", ["deepstate", "isw"])
def test_every_bundled_date_is_bundled_at_every_level_with_the_same_ua_row(series):
    folder = SNAPSHOTS_DIR / series
    dates = sorted(p.name for p in folder.glob("*.csv"))
    assert len(dates) > 100
    for level in ("raion", "hromada"):
        assert sorted(p.name for p in (folder / level).glob("*.csv")) == dates
    for name in dates:
        rows = [(folder / sub / name).read_text(encoding="utf-8").splitlines()
                for sub in ("", "raion", "hromada")]
        last = [next(line for line in lines if line.split(",")[1] == "UA") for lines in rows]
        assert last[0] == last[1] == last[2], name


def test_the_bundled_levels_validate_and_load():
    report = validate_paths(level="hromada")
    assert report.ok and len(report.files) > 350
    raions = load_snapshots(level="raion")
    crimea = [u.code for u in get_level("raion").units if u.parent == "UA-43"]
    rows = raions[(raions["source"] == "DeepStateMap") & raions["region"].isin(crimea)]
    assert (rows["percent"] == 100.0).all()  # every date, 2014 to 2026
    assert rows["date"].nunique() == len(list((SNAPSHOTS_DIR / "deepstate").glob("*.csv")))


def test_the_bundled_default_view_is_the_oblasts_alone():
    frame = load_snapshots()
    assert set(frame["region"]) <= {*get_level().codes, "UA"}
    with open(SNAPSHOTS_DIR / "deepstate" / "hromada" / "2026-01-01.csv", encoding="utf-8") as f:
        listed = [row["region"] for row in csv.DictReader(f)]
    assert listed[-1] == "UA" and 100 < len(listed) < 400  # the units above 0, then UA


def test_a_level_folder_copied_elsewhere_keeps_its_series_rules(tmp_path):
    source = SNAPSHOTS_DIR / "deepstate"
    shutil.copy(source / "series.toml", tmp_path / "series.toml")
    (tmp_path / "raion").mkdir()
    for name in ("2014-03-18.csv", "2015-02-18.csv"):
        shutil.copy(source / "raion" / name, tmp_path / "raion" / name)
    frame = load_snapshots([tmp_path], level="raion")
    crimea = frame[(frame["region"] == get_level("raion").resolve("Yaltynskyi").code)
                   & (frame["date"] == "2014-03-18")]
    # outside Donbas the 2014 line stands until the 2015 one (deepstate/series.toml)
    assert crimea["stands_until"].dt.date.tolist() == [dt.date(2015, 2, 17)]
    donetsk = frame[(frame["region"] == MARIUPOLSKYI) & (frame["date"] == "2014-03-18")]
    assert donetsk["stands_until"].dt.date.tolist() == [dt.date(2014, 3, 26)]
