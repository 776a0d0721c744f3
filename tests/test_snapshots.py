"""Snapshot CSVs: every validation rule, reported as file:line, all at once; the bundled data."""

import math

import pandas as pd
import pytest
from click.testing import CliRunner

from mapkit.cli import cli
from mapkit.snapshots import (
    SnapshotError,
    list_dates,
    list_sources,
    load_snapshots,
    read_snapshot_text,
    validate_paths,
    values_on,
    write_snapshot,
)

HEADER = "date,region,percent,source,method,source_url,contested_percent,note\n"


def write(tmp_path, name, body, header=HEADER):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def messages(path):
    return [str(p) for p in validate_paths([path]).problems]


def test_bundled_snapshots_are_valid_and_carry_the_seed_figures():
    frame = load_snapshots()
    elpais = values_on(frame, "2025-03-17", "El País").set_index("region")
    assert elpais.loc["UA-09", "percent"] == 100
    assert elpais.loc["UA-14", "percent"] == 60
    assert elpais.loc["UA-43", "percent"] == 100
    # Kherson and Zaporizhzhia: partly occupied, and the article gives no figure.
    for code in ("UA-65", "UA-23"):
        assert elpais.loc[code, "partial"]
        assert math.isnan(elpais.loc[code, "percent"])
    assert not elpais.loc["UA-05", "has_data"]
    assert (frame["source"] != "").all() and frame["source_url"].str.startswith("http").all()
    crimea = frame[(frame["date"] == "2014-03-18") & (frame["region"].isin(["UA-43", "UA-40"]))
                   & (frame["method"] == "reported")]
    assert list(crimea["percent"]) == [100, 100]


def test_good_file_loads_with_canonical_codes_and_notes_the_spelling(tmp_path):
    path = write(tmp_path, "ok.csv", "2024-01-01,Kharkov,3.5,Test,computed,https://x.org,1.2,\n"
                                     "2024-01-01,UA-09,partial,Test,reported,,,\n")
    report = validate_paths([path])
    assert report.ok and report.rows == 2
    assert f"{path}:2: region 'Kharkov' read as UA-63 (Kharkiv)" in [str(n) for n in report.notes]
    frame = load_snapshots([path])
    assert list(frame["region"]) == ["UA-09", "UA-63"]
    assert frame.set_index("region").loc["UA-63", "contested_percent"] == 1.2


def test_missing_columns_named(tmp_path):
    path = write(tmp_path, "cols.csv", "2024-01-01,UA-14,50\n", header="date,region,percent\n")
    assert messages(path) == [f"{path}:1: missing column(s) source, method; every snapshot "
                              "needs date,region,percent,source,method"]


def test_semicolon_file_gets_a_hint(tmp_path):
    path = write(tmp_path, "semi.csv", "2024-01-01;UA-14;50;X;reported\n",
                 header="date;region;percent;source;method\n")
    assert "semicolon-separated" in messages(path)[0]


@pytest.mark.parametrize("row, expected", [
    ("2024-13-01,UA-14,50,X,reported,,,", "date '2024-13-01' is not a date in the form"),
    ("17/03/2025,UA-14,50,X,reported,,,", "date '17/03/2025' is not a date"),
    ("2999-01-01,UA-14,50,X,reported,,,", "date 2999-01-01 is in the future"),
    ("2024-01-01,Narnia,50,X,reported,,,", "unknown region 'Narnia'"),
    ("2024-01-01,Zaporozhyee,50,X,reported,,,", "Did you mean: Zaporizhzhia (UA-23)?"),
    ("2024-01-01,UA-14,101,X,reported,,,", "percent '101' is outside 0–100"),
    ("2024-01-01,UA-14,-1,X,reported,,,", "percent '-1' is outside 0–100"),
    ("2024-01-01,UA-14,lots,X,reported,,,", "percent 'lots' is not a number from 0 to 100"),
    ("2024-01-01,UA-14,60,5,X,reported,,,", "has 9 fields, the header has 8"),
    ("2024-01-01,UA-14,,X,reported,,,", "percent is empty"),
    ("2024-01-01,UA-14,50,,reported,,,", "source is empty"),
    ("2024-01-01,UA-14,50,X,guessed,,,", "method 'guessed' must be one of reported, computed"),
    ("2024-01-01,UA-14,50,X,reported,www.x.org,,", "source_url 'www.x.org' must start with"),
    ("2024-01-01,UA-14,50,X,reported,,120,", "contested_percent '120' is outside 0–100"),
    ("2024-01-01,UA-14,90,X,reported,,20,", "percent 90 plus contested_percent 20 is over 100"),
    ('2024-01-01,UA-14,50,"=HYPERLINK(""http://x.example"",""Official"")",reported,,,',
     "source '=HYPERLINK(\"http://x.example\",\"Official\")' starts with '=', so a "
     "spreadsheet would read it as a formula"),
    ("2024-01-01,UA-14,50,@SUM(A1),reported,,,", "source '@SUM(A1)' starts with '@'"),
    ("2024-01-01,UA-14,50,X,reported,,,+cmd|' /C calc'!A0", "note \"+cmd|' /C calc'!A0\" "
                                                           "starts with '+'"),
    ("2024-01-01,UA-14,50,X,reported,,,-2 km from the river", "note '-2 km from the river' "
                                                              "starts with '-'"),
])
def test_each_rule_reports_file_line_and_what_is_wrong(tmp_path, row, expected):
    path = write(tmp_path, "bad.csv", row + "\n")
    found = messages(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:2: ")
    assert expected in found[0]


FULL_HEADER = HEADER.rstrip("\n") + ",area_km2,contested_km2,series,note_uk\n"


@pytest.mark.parametrize("row, expected", [
    # ISO 8601 allows more than the format writes: the Monday of week 1 is 2024-12-30
    ("2025-W01-1,UA-14,50,X,reported,,,,,,,", "date '2025-W01-1' is not a date in the form "
                                              "YYYY-MM-DD"),
    ("2025-001,UA-14,50,X,reported,,,,,,,", "date '2025-001' is not a date in the form"),
    # Python reads "1_0" as 10, "1e1" as 10, "١٠" (Arabic-Indic digits) as 10
    ("2024-01-01,UA-14,1_0,X,reported,,,,,,,", "percent '1_0' is not a number from 0 to 100"),
    ("2024-01-01,UA-14,1e1,X,reported,,,,,,,", "percent '1e1' is not a number from 0 to 100"),
    ("2024-01-01,UA-14,\u0661\u0660,X,reported,,,,,,,", "percent '١٠' is not a number"),
    ("2024-01-01,UA-14,nan,X,reported,,,,,,,", "percent 'nan' is not a number from 0 to 100"),
    ("2024-01-01,UA-14,50,X,reported,,1_0,,,,,", "contested_percent '1_0' is not a number"),
    ("2024-01-01,UA-14,50,X,reported,,,,1_0,,,", "area_km2 '1_0' is not a number of square "
                                                 "kilometres"),
    ("2024-01-01,UA-14,50,X,reported,,,,inf,,,", "area_km2 'inf' is not a number"),
    ("2024-01-01,UA-14,50,X,reported,,5,,,1e3,,", "contested_km2 '1e3' is not a number"),
    # series and note_uk are text cells like source and note: no formula
    ("2024-01-01,UA-14,50,X,reported,,,,,,=1+1,", "series '=1+1' starts with '=', so a "
                                                  "spreadsheet would read it as a formula"),
    ('2024-01-01,UA-14,50,X,reported,,,,,,,"=HYPERLINK(""http://x.example"")"',
     "note_uk '=HYPERLINK(\"http://x.example\")' starts with '='"),
])
def test_dates_numbers_and_text_cells_are_read_only_as_a_reader_would(tmp_path, row, expected):
    path = write(tmp_path, "bad.csv", row + "\n", header=FULL_HEADER)
    found = messages(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:2: ")
    assert expected in found[0]


def test_plain_decimals_and_signed_numbers_in_text_still_pass(tmp_path):
    path = write(tmp_path, "good.csv", "2024-01-01,UA-14,12.5,X,reported,,0.,-2,,0.,"
                 "Desk 2,+1.5 %\n", header=FULL_HEADER)
    assert messages(path) == []


def test_all_problems_reported_at_once_and_nothing_loaded(tmp_path):
    path = write(tmp_path, "many.csv", "2024-01-01,UA-14,50,X,reported,,,\n"
                                       "2024-01-01,Narnia,50,X,reported,,,\n"
                                       "2024-01-01,UA-09,500,X,reported,,,\n")
    found = messages(path)
    assert [m.split(": ")[0] for m in found] == [f"{path}:3", f"{path}:4"]
    with pytest.raises(SnapshotError) as caught:
        load_snapshots([path])
    assert len(caught.value.problems) == 2


def test_duplicate_region_date_source_across_files(tmp_path):
    first = write(tmp_path, "a.csv", "2024-01-01,UA-14,50,X,reported,,,\n")
    second = write(tmp_path, "b.csv", "2024-01-01,Donetsk,51,X,reported,,,\n"
                                      "2024-01-01,UA-14,52,Other source,reported,,,\n")
    found = [str(p) for p in validate_paths([first, second]).problems]
    assert found == [f"{second}:2: duplicate: UA-14 on 2024-01-01 from 'X' is already given at "
                     f"{first}:2"]


def test_not_utf8_and_missing_paths(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + "2024-01-01,UA-12,5,Le Monde é,reported,,,\n").encode("latin-1"))
    found = messages(path)
    assert found == [f"{path}: is not UTF-8 text: save it as CSV UTF-8"]
    assert [str(p) for p in validate_paths([tmp_path / "gone.csv"]).problems] == \
        [f"{tmp_path / 'gone.csv'}: no such file or folder"]


def test_excel_bom_and_quoted_multiline_note(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("\ufeff" + HEADER + '2024-01-01,UA-14,50,X,reported,,,"two\nlines"\n'
                    "2024-01-01,UA-09,x,X,reported,,,\n", encoding="utf-8")
    found = messages(path)
    assert found[0].startswith(f"{path}:4: percent 'x'")


def test_upload_text_is_validated_with_the_same_rules():
    frame = read_snapshot_text(HEADER + "2024-01-01,Odessa,0,Mine,reported,,,\n", "upload.csv")
    assert frame.loc[0, "region"] == "UA-51"
    with pytest.raises(SnapshotError, match="upload.csv:2: unknown region 'Atlantis'"):
        read_snapshot_text(HEADER + "2024-01-01,Atlantis,0,Mine,reported,,,\n", "upload.csv")


def test_cli_validate_exits_1_and_prints_every_problem(tmp_path):
    path = write(tmp_path, "bad.csv", "2024-01-01,Narnia,50,X,reported,,,\n"
                                      "2024-01-01,UA-09,500,X,reported,,,\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: unknown region 'Narnia'" in result.stderr
    assert f"{path}:3: percent '500' is outside 0–100" in result.stderr
    assert "2 problem(s)" in result.stderr


def test_cli_validate_default_folder_is_clean_and_notes_spellings(tmp_path):
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.output
    path = write(tmp_path, "spelled.csv", "2024-01-01,Lugansk,99,X,reported,,,\n")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0
    assert f"note: {path}:2: region 'Lugansk' read as UA-09 (Luhansk)" in result.output


def test_write_snapshot_round_trips_and_replaces_atomically(tmp_path):
    path = write(tmp_path, "in.csv", "2024-01-01,UA-14,50.25,X,computed,,1.5,n\n"
                                     "2024-01-01,UA-65,partial,X,reported,,,\n")
    frame = load_snapshots([path])
    out = tmp_path / "out" / "snap.csv"
    write_snapshot(frame, out)
    again = load_snapshots([out])
    pd.testing.assert_frame_equal(again.drop(columns=["file"]), frame.drop(columns=["file"]))
    assert [p.name for p in out.parent.iterdir()] == ["snap.csv"]


def test_sources_and_dates_listing():
    frame = load_snapshots()
    assert "El País" in list_sources(frame)
    assert pd.Timestamp("2025-03-17") in list_dates(frame, "El País")
    assert list_dates(frame, "El País") == [pd.Timestamp("2025-03-17")]


def test_rows_in_memory_get_the_same_messages_as_the_same_rows_in_a_file(tmp_path):
    from mapkit.snapshots import COLUMNS, validate_rows

    lines = ["2024-01-01,Narnia,50,X,reported,,,", "2024-01-01,UA-09,500,X,reported,,,",
             "2024-01-01,Kharkov,3.5,X,computed,https://x.org,1.2,n"]
    path = write(tmp_path, "rows.csv", "\n".join(lines) + "\n")
    records = [dict(zip(COLUMNS, line.split(","))) for line in lines]
    with pytest.raises(SnapshotError) as caught:
        validate_rows(records, str(path))
    assert [str(p) for p in caught.value.problems] == messages(path)
    good = validate_rows(records[2:], str(path))
    assert [str(n) for n in good.notes] == [f"{path}:2: region 'Kharkov' read as UA-63 "
                                            "(Kharkiv)"]


def test_validated_rows_write_the_cells_as_given_and_read_back_the_same(tmp_path):
    from mapkit.snapshots import ALWAYS_WRITTEN, COLUMNS, validate_rows

    records = [dict(zip(COLUMNS, ("2024-01-01", "UA-14", "0.00", 'A "quoted", source',
                                  "computed", "", "1.50", "two\nlines")))]
    rows = validate_rows(records, "made")
    out = write_snapshot(rows, tmp_path / "deeper" / "2024-01-01.csv")
    assert out.read_text(encoding="utf-8") == rows.csv()
    # Columns no row uses (series, note_uk) are left out: older files keep their bytes.
    assert rows.csv().startswith(",".join(ALWAYS_WRITTEN) + "\n2024-01-01,UA-14,0.00,")
    again = load_snapshots([out])
    pd.testing.assert_frame_equal(again.drop(columns=["file"]),
                                  rows.frame().drop(columns=["file"]))
    assert [p.name for p in out.parent.iterdir()] == ["2024-01-01.csv"]


@pytest.mark.parametrize("note", ["-2", "+1.5", "-3 %", "2 km west of the river", "(-2 km)",
                                  "– 2 km (an en dash)", "email: desk@example.org"])
def test_text_a_spreadsheet_reads_as_a_number_or_as_text_is_kept(tmp_path, note):
    path = write(tmp_path, "fine.csv", f'2024-01-01,UA-14,50,X,reported,,,"{note}"\n')
    assert messages(path) == []
    assert load_snapshots([path]).loc[0, "note"] == note


def test_compute_and_uploads_share_the_formula_rule():
    from mapkit.snapshots import validate_rows

    row = {"date": "2024-01-01", "region": "UA-14", "percent": "50", "source": "=1+1",
           "method": "computed", "source_url": "", "contested_percent": "", "note": ""}
    with pytest.raises(SnapshotError, match="made.csv:2: source '=1\\+1' starts with '='"):
        validate_rows([row], "made.csv")
    with pytest.raises(SnapshotError, match="starts with '@'"):
        read_snapshot_text(HEADER + "2024-01-01,UA-14,50,@Desk,reported,,,\n", "upload.csv")


# --- big bad files: linear, and printed capped ---------------------------------------------------


def _unknown_names(count: int) -> str:
    return "".join(f"2024-01-01,Nowhere{i},50,X,reported,,,\n" for i in range(count))


def test_validate_looks_each_spelling_up_once_and_suggests_for_the_first_names_only(
        tmp_path, monkeypatch):
    from mapkit import regions, snapshots
    from mapkit.levels import Level

    looked_up, suggested = [], []
    find, suggest = regions.find, Level.suggest
    monkeypatch.setattr(snapshots, "find_region", lambda name: looked_up.append(name)
                        or find(name))
    monkeypatch.setattr(Level, "suggest", lambda self, name: suggested.append(name)
                        or suggest(self, name))
    same = write(tmp_path, "same.csv", "2024-01-01,Atlantis,50,X,reported,,,\n" * 5000)
    assert len(validate_paths([same]).problems) == 5000
    assert looked_up == ["Atlantis"] and suggested == ["Atlantis"]

    looked_up.clear()
    suggested.clear()
    many = write(tmp_path, "many.csv", _unknown_names(3 * snapshots.SUGGESTED_NAMES_PER_FILE))
    problems = validate_paths([many]).problems
    assert len(problems) == len(looked_up) == 3 * snapshots.SUGGESTED_NAMES_PER_FILE
    assert len(suggested) == snapshots.SUGGESTED_NAMES_PER_FILE
    assert problems[-1].message == ("unknown region 'Nowhere599'. Run `mapkit regions` to "
                                    "list all 27.")


def test_cli_validate_prints_the_first_problems_and_how_many_more(tmp_path):
    path = write(tmp_path, "bad.csv", _unknown_names(250))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:2: unknown region 'Nowhere0'")
    assert lines[99].startswith(f"{path}:101: unknown region 'Nowhere99'")
    assert lines[100] == "… and 150 more problem(s) (--limit 0 prints all)"
    assert lines[101] == "1 file(s), 0 valid row(s), 250 problem(s)"
    everything = CliRunner().invoke(cli, ["validate", "--limit", "0", str(path)])
    assert len(everything.stderr.splitlines()) == 251


# --- km² and the whole country -------------------------------------------------------------------

KM2_HEADER = "date,region,percent,source,method,source_url,contested_percent,note,area_km2," \
             "contested_km2\n"


def test_km2_goes_with_the_percent_of_our_or_the_official_area(tmp_path):
    path = write(tmp_path, "km2.csv", (
        "2025-03-17,UA-14,77.91,X,computed,,,,20727.1,\n"  # of our 26,602.6 km²
        "2025-03-17,Donetsk,60,Y,reported,,,,16000,\n"  # 60.1 % of ours, 60.3 % of official
        "2025-03-17,UA-65,72.88,X,computed,,1.00,,19076.3,261.7\n"
        "2026-01-01,Ukraine,19.25,DeepState,reported,,,,116165,\n"  # their own 19.2446 %
    ), header=KM2_HEADER)
    frame = load_snapshots([path])
    km2 = dict(zip(zip(frame["region"], frame["source"]), frame["area_km2"]))
    assert km2 == {("UA-14", "X"): 20727.1, ("UA-14", "Y"): 16000.0, ("UA-65", "X"): 19076.3,
                   ("UA", "DeepState"): 116165.0}
    assert frame.loc[frame["region"] == "UA-65", "contested_km2"].item() == 261.7


def test_km2_that_does_not_go_with_its_percent_is_named_with_both_areas(tmp_path):
    path = write(tmp_path, "bad.csv", (
        "2025-03-17,UA-09,60,X,reported,,,,26000,\n"
        "2025-03-17,UA-65,partial,X,reported,,,,100,\n"
        "2025-03-17,UA-30,1,X,reported,,,,9000,\n"
        "2025-03-17,UA-32,1,X,reported,,,,\"1,000\",\n"
        "2025-03-17,UA-63,1,X,reported,,,,-5,\n"
    ), header=KM2_HEADER)
    found = messages(path)
    assert found == [
        f"{path}:2: area_km2 26000 does not go with percent 60: 26000 km² is 98.83 % of "
        "Luhansk's area in our boundaries (26,308.4 km²) and 97.44 % of its official area "
        "(26,684 km²); give both figures of the same area, or leave one empty",
        f"{path}:3: area_km2 100 is given but percent is 'partial': give the percentage of the "
        "region those km² are, or leave area_km2 empty",
        f"{path}:4: area_km2 9000 is more than Kyiv City's whole area (839 km²)",
        f"{path}:5: area_km2 '1,000' is not a number of square kilometres (write it without "
        "thousands separators, with a dot as decimal separator)",
        f"{path}:6: area_km2 '-5' must be a number of km² from 0 up",
    ]


def test_ua_is_the_whole_country_and_resolves_by_name():
    from mapkit.regions import COUNTRY, REGIONS, resolve

    assert resolve("UA") is COUNTRY and resolve("Ukraine") is COUNTRY
    assert resolve("Україна").official_area_km2 == 603_628
    assert COUNTRY not in REGIONS and len(REGIONS) == 27
