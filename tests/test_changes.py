"""km², the share of Ukraine, and the change per week, month and year (`mapkit changes`).

Exact answers from tiny hand-made series; the real daily archive against the regions' rows and
against DeepStateMap's own published figures (docs/methodology.md).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mapkit
from mapkit.cli import cli
from mapkit.period_changes import COLUMNS, ChangesError, changes
from mapkit.snapshots import default_source, load_snapshots

UKRAINE_KM2 = 603_628
HEADER = "date,region,percent,source,method,source_url,contested_percent,note,area_km2\n"


def ua_row(day: str, km2: float, source: str = "Map desk", method: str = "computed") -> str:
    return f"{day},UA,{100 * km2 / UKRAINE_KM2:.4f},{source},{method},,,,{km2}\n"


def kyiv_city_row(day: str, km2: float, source: str = "Map desk") -> str:
    # UA-30: 833.8 km² in our boundaries
    return f"{day},UA-30,{100 * km2 / 833.8:.4f},{source},computed,,,,{km2}\n"


def write(folder: Path, name: str, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def stands(folder: Path, days: int, series: str = "Map desk") -> None:
    """The series file of ``folder``: its figures stand ``days`` after their own date (a
    series without one vouches for each figure on its own date only: mapkit.cadence)."""
    (folder / "series.toml").write_text(f'series = "{series}"\nstands_days = {days}\n',
                                        encoding="utf-8")


@pytest.fixture()
def monthly(tmp_path) -> Path:
    """UA at the end of each month's 1st (and once mid-January), Kyiv City on two dates."""
    folder = tmp_path / "snaps"
    write(folder, "ua.csv", [
        ua_row("2025-01-01", 100_000.0), ua_row("2025-01-15", 100_050.0),
        ua_row("2025-02-01", 100_300.0), ua_row("2025-03-01", 100_400.0),
        ua_row("2025-04-01", 100_900.0), ua_row("2025-05-01", 100_850.0),
        ua_row("2025-06-01", 101_200.0),
        kyiv_city_row("2025-01-01", 0.0), kyiv_city_row("2025-03-01", 83.38),
    ])
    stands(folder, 59)  # Kyiv City's figure of 1 January stands on 1 February
    return folder


def by_period(table: pd.DataFrame, region: str = "UA") -> pd.DataFrame:
    rows = table[table["region"] == region].copy()
    rows.index = rows["period_start"].dt.strftime("%Y-%m")
    return rows


def test_monthly_changes_are_exact_differences_at_the_firsts(monthly):
    table = changes(monthly, period="month")
    assert list(table.columns) == COLUMNS
    ua = by_period(table)
    # the newest map (1 June) ends May: no period is under way, none is shown empty
    assert list(ua.index) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]
    assert ua.loc["2025-01", "km2_start"] == 100_000.0
    assert ua.loc["2025-01", "km2_end"] == 100_300.0  # the 1 Feb snapshot, not 15 Jan
    assert list(ua["change_km2"][:5]) == [300.0, 100.0, 500.0, -50.0, 350.0]
    assert ua.loc["2025-03", "percent_end"] == pytest.approx(100 * 100_900 / UKRAINE_KM2,
                                                            abs=1e-4)
    assert ua.loc["2025-01", "period_end"] == pd.Timestamp("2025-02-01")


def test_largest_since_is_the_last_earlier_period_with_a_larger_change(monthly):
    ua = by_period(changes(monthly, period="month"))
    since = ua["largest_since"].dt.strftime("%Y-%m").fillna("")
    # gains: 300 first; 100: Jan was larger; 500: largest so far; 350: Mar (500 > 350).
    # -50 is the first loss: the largest loss so far, whatever the gains before it.
    assert list(since) == ["", "2025-01", "", "", "2025-03"]
    assert list(ua["largest_since_kind"]) == ["gain", "gain", "gain", "loss", "gain"]


def test_largest_since_compares_gains_with_gains_and_losses_with_losses(tmp_path):
    """The issue's case: a −94.6 km² week was called the "largest since" a +26.5 km² week."""
    folder = tmp_path / "weeks"
    write(folder, "ua.csv", [ua_row("2026-07-06", 1000.0), ua_row("2026-07-13", 960.0),
                             ua_row("2026-07-20", 1000.0), ua_row("2026-07-27", 1026.5),
                             ua_row("2026-08-03", 931.9), ua_row("2026-08-10", 941.9)])
    weeks = by_period(changes(folder, period="week"))
    assert list(weeks["change_km2"]) == [-40.0, 40.0, 26.5, -94.6, 10.0]
    loss = weeks.loc["2026-07"].iloc[-1]  # the week from 27 July
    assert loss["change_km2"] == -94.6 and loss["largest_since_kind"] == "loss"
    assert pd.isna(loss["largest_since"])  # larger than the only earlier loss (−40)
    assert loss["summary"] == ("Russia lost 95 km² in the week from 27 July 2026 to 3 August "
                               "2026, the largest weekly loss in this series (figures from 6 "
                               "July 2026).")
    # +10 is compared with the gains only: the last larger one is +26.5, not the −94.6 week
    last = weeks.iloc[-1]
    assert last["largest_since"] == pd.Timestamp("2026-07-20")
    assert last["largest_since_kind"] == "gain"


def test_the_period_under_way_is_reported_to_date(monthly):
    write(monthly, "june.csv", [ua_row("2025-06-10", 101_260.0)])
    ua = by_period(changes(monthly, period="month"))
    june = ua.loc["2025-06"]
    assert june["period_end"] == pd.Timestamp("2025-06-10") and not june["complete"]
    assert june["km2_start"] == 101_200.0 and june["km2_end"] == 101_260.0
    assert june["change_km2"] == 60.0
    assert ua.loc["2025-05", "complete"]
    # May's +350 was larger: "the largest since May" would say nothing
    assert june["summary"] == "Russia gained 60 km² in June 2025 to date (to 10 June 2025)."
    table = CliRunner().invoke(cli, ["changes", "--snapshots", str(monthly), "--region", "UA",
                                     "--from", "2025-06-01"]).output
    assert "2025-06-10 (to date)" in table and "no figure" not in table.split("\n\n")[0]


def test_a_figure_older_than_the_period_is_not_carried_forward(tmp_path):
    folder = tmp_path / "gap"
    write(folder, "ua.csv", [ua_row("2014-03-18", 27_000.0), ua_row("2022-02-23", 43_000.0),
                             ua_row("2022-03-01", 90_000.0), ua_row("2023-01-01", 108_702.0)])
    stands(folder, 10_000)  # its series vouches for every figure: the period's length limits
    years = by_period(changes(folder, period="year"))
    assert years.loc["2015-01", "km2_start"] == 27_000.0  # 289 days old: within a year
    assert math.isnan(years.loc["2015-01", "km2_end"])  # 2016-01-01: nothing for 21 months
    assert years.loc["2018-01", ["km2_start", "km2_end", "change_km2"]].isna().all()
    assert math.isnan(years.loc["2022-01", "km2_start"])  # 2022-01-01: nothing since 2014
    assert years.loc["2022-01", "km2_end"] == 108_702.0


def test_weeks_run_monday_to_monday(tmp_path):
    folder = tmp_path / "weeks"
    write(folder, "ua.csv", [ua_row("2025-06-01", 1000.0),  # a Sunday
                             ua_row("2025-06-02", 1010.0),  # Monday
                             ua_row("2025-06-08", 1050.0),  # Sunday
                             ua_row("2025-06-15", 1060.0)])
    stands(folder, 7)  # a weekly map
    weeks = changes(folder, period="week")
    # the series ends on Sunday 15: the week from Monday 16 is not begun
    assert list(weeks["period_start"].dt.strftime("%Y-%m-%d")) == ["2025-06-02", "2025-06-09"]
    # Mon 2 → Mon 9 (its latest snapshot: Sun 8); Mon 9 → Sun 15, the newest map: to date
    assert list(weeks["change_km2"]) == [40.0, 10.0]
    assert list(weeks["complete"]) == [True, False]
    assert weeks["period_end"].iloc[1] == pd.Timestamp("2025-06-15")
    assert (weeks["period_start"].dt.day_of_week == 0).all()


def test_from_and_to_keep_overlapping_periods_and_largest_since_looks_further_back(monthly):
    table = changes(monthly, period="month", date_from="2025-04-15", date_to="2025-05-31")
    ua = by_period(table)
    assert list(ua.index) == ["2025-04", "2025-05"]
    assert ua.loc["2025-05", "largest_since"] == pd.Timestamp("2025-03-01")


def test_to_is_inclusive_of_the_period_that_ends_on_it(monthly):
    ua = by_period(changes(monthly, period="month", date_to="2025-04-01"))
    assert list(ua.index) == ["2025-01", "2025-02", "2025-03"]  # not April, which begins on it
    ua = by_period(changes(monthly, period="month", date_from="2025-02-01",
                           date_to="2025-03-01"))
    assert list(ua.index) == ["2025-02"]


def test_to_2026_01_01_ends_with_december_2025():
    ua = by_period(changes(period="month", regions=["UA"], date_from="2025-10-01",
                           date_to="2026-01-01"))
    assert list(ua.index) == ["2025-10", "2025-11", "2025-12"]


def test_an_impossible_date_is_one_line_and_exit_2(monthly):
    result = CliRunner().invoke(cli, ["changes", "--snapshots", str(monthly), "--from",
                                      "2025-02-30"])
    assert result.exit_code == 2
    assert result.output == ("error: --from '2025-02-30' is not a date (day is out of range "
                             "for month): write it as YYYY-MM-DD, e.g. 2025-03-17\n")
    with pytest.raises(ChangesError, match="--to '2025-13-01' is not a date"):
        changes(monthly, date_to="2025-13-01")


def test_region_names_beside_the_codes_in_the_chosen_language(monthly):
    runner = CliRunner()
    for lang, name in (("en", "Kyiv City"), ("uk", "Київ")):
        table = runner.invoke(cli, ["changes", "--snapshots", str(monthly), "--lang", lang])
        assert table.exit_code == 0, table.output
        header = table.output.splitlines()[0].split()
        assert header[2:4] == ["region", "region_name"]
        kyiv = [line for line in table.output.splitlines() if " UA-30 " in line]
        assert kyiv and all(f"UA-30   {name}" in line for line in kyiv)
        rows = list(csv.DictReader(io.StringIO(runner.invoke(
            cli, ["changes", "--snapshots", str(monthly), "--lang", lang, "--format",
                  "csv"]).output)))
        assert {r["region"]: r["region_name"] for r in rows} == {
            "UA": "Ukraine" if lang == "en" else "Україна", "UA-30": name}


def test_regions_without_change_are_left_out_of_the_table_unless_asked(monthly):
    write(monthly, "crimea.csv", [
        f"{day},UA-43,100,Map desk,computed,,,,26346.1\n"
        for day in ("2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01",
                    "2025-06-01")])
    runner = CliRunner()
    table = runner.invoke(cli, ["changes", "--snapshots", str(monthly)]).output
    assert "UA-43" not in table.split("\n\n")[0] and "+0.0" not in table
    assert ("Not shown: 7 row(s) without change (UA-30 Kyiv City, UA-43 Crimea); "
            "--all-regions shows them.") in table
    assert "UA-30" in table  # Kyiv City changed in February: that row stays
    every = runner.invoke(cli, ["changes", "--snapshots", str(monthly), "--all-regions"]).output
    assert every.count(" UA-43 ") == 5 and "+0.0" in every
    rows = list(csv.DictReader(io.StringIO(runner.invoke(
        cli, ["changes", "--snapshots", str(monthly), "--format", "csv"]).output)))
    assert sum(r["region"] == "UA-43" for r in rows) == 5  # programs get every row
    named = runner.invoke(cli, ["changes", "--snapshots", str(monthly), "--region", "Crimea"])
    assert named.output.count(" UA-43 ") == 5  # a region asked for by name is shown
    hidden = changes(monthly, changed_only=True)
    assert "UA-43" not in set(hidden["region"]) and "UA" in set(hidden["region"])


def test_each_row_in_a_sentence_to_quote(monthly):
    runner = CliRunner()
    table = runner.invoke(cli, ["changes", "--snapshots", str(monthly)]).output
    words = table.split("In words:\n")[1].split("\n\n")[0].splitlines()
    assert words == [
        "Russia gained 300 km² in January 2025.",
        "Russia gained 100 km² in February 2025.",
        "Russia gained 500 km² in March 2025, the largest monthly gain in this series "
        "(figures from January 2025).",
        "Russia lost 50 km² in April 2025, the largest monthly loss in this series (figures "
        "from January 2025).",
        "Russia gained 350 km² in May 2025, the largest monthly gain since March 2025.",
    ]
    records = json.loads(runner.invoke(cli, ["changes", "--snapshots", str(monthly),
                                             "--format", "json", "--lang", "uk"]).output)
    kyiv = [r for r in records if r["region"] == "UA-30"]
    assert kyiv[1]["summary"] == ("Київ: Територія під контролем Росії збільшилася на 83 км² "
                                  "у лютому 2025 року — найбільший місячний приріст у цьому "
                                  "ряді (дані з січня 2025 року).")
    assert kyiv[0]["summary"] == ("Київ: Територія під контролем Росії не змінилася у січні "
                                  "2025 року.")
    gap = changes(monthly, period="week", regions=["UA"])
    assert gap["summary"].iloc[0] == (
        "No figure for the change in the week from 6 January 2025 to 13 January 2025: the "
        "series has no snapshot within a week before its start or its end.")


def test_default_regions_are_ua_and_those_with_territory(monthly):
    regions = set(changes(monthly, period="month")["region"])
    assert regions == {"UA", "UA-30"}
    kyiv = by_period(changes(monthly, period="month", regions=["Kiev"]), "UA-30")
    assert kyiv.loc["2025-02", "change_km2"] == pytest.approx(83.4)
    assert kyiv.loc["2025-02", "percent_end"] == pytest.approx(10.0, abs=1e-3)


def test_default_series_is_the_densest_computed_one(monthly):
    write(monthly, "paper.csv", [ua_row("2025-03-01", 99_000.0, "Paper", "reported"),
                                 ua_row("2025-03-05", 99_100.0, "Paper", "reported")])
    frame = load_snapshots([monthly])
    assert default_source(frame) == "Map desk"
    ua = by_period(changes(frame))
    assert ua.loc["2025-02", "km2_end"] == 100_400.0
    paper = changes(frame, source="Paper", regions=["UA"], period="week")
    # Paper has no series.toml: its figure of Saturday 1 March stands on that day only, so it
    # says nothing of Monday 3 March, the week's start; the week is measured to date (5 March)
    start, end = paper[["km2_start", "km2_end"]].values.tolist()[0]
    assert np.isnan(start) and end == 99_100.0


def test_mapkit_changes_is_the_library_function(monthly):
    pd.testing.assert_frame_equal(mapkit.changes(monthly), changes(monthly))


def test_unknown_source_region_and_period_say_what_to_do(monthly):
    with pytest.raises(ChangesError, match="sources are: 'Map desk'"):
        changes(monthly, source="Nobody")
    with pytest.raises(ChangesError, match="Did you mean"):
        changes(monthly, regions=["Donetsck"])
    with pytest.raises(ChangesError, match="choose one of week, month, year"):
        changes(monthly, period="fortnight")


def test_cli_csv_has_exactly_the_columns_and_empty_cells_for_no_figure(monthly):
    result = CliRunner().invoke(cli, ["changes", "--snapshots", str(monthly), "--period",
                                      "month", "--region", "UA", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == COLUMNS and COLUMNS[:9] == [
        "period_start", "period_end", "region", "km2_start", "km2_end", "change_km2",
        "percent_start", "percent_end", "largest_since"]  # the first columns never move
    assert rows[0] == {"period_start": "2025-01-01", "period_end": "2025-02-01", "region": "UA",
                       "km2_start": "100000.0", "km2_end": "100300.0", "change_km2": "300.0",
                       "percent_start": "16.57", "percent_end": "16.62", "largest_since": "",
                       "region_name": "Ukraine", "largest_since_kind": "gain",
                       "complete": "true", "summary": "Russia gained 300 km² in January 2025.",
                       "parent": "", "parent_name": ""}
    weeks = list(csv.DictReader(io.StringIO(CliRunner().invoke(
        cli, ["changes", "--snapshots", str(monthly), "--period", "week", "--region", "UA",
              "--format", "csv"]).output)))
    assert weeks[0]["km2_end"] == "" and weeks[0]["change_km2"] == ""  # 13 Jan: none in a week


def test_cli_json_and_table(monthly):
    runner = CliRunner()
    result = runner.invoke(cli, ["changes", "--snapshots", str(monthly), "--format", "json",
                                 "--region", "UA"])
    records = json.loads(result.output)
    assert records[1]["change_km2"] == 100.0 and records[1]["largest_since"] == "2025-01-01"
    assert records[1]["complete"] is True and records[1]["largest_since_kind"] == "gain"
    weeks = json.loads(runner.invoke(cli, ["changes", "--snapshots", str(monthly), "--format",
                                           "json", "--region", "UA", "--period", "week"]).output)
    assert weeks[0]["km2_end"] is None and weeks[0]["largest_since_kind"] == ""
    table = runner.invoke(cli, ["changes", "--snapshots", str(monthly)])
    assert "+300.0" in table.output and "100,300.0" in table.output
    weeks = runner.invoke(cli, ["changes", "--snapshots", str(monthly), "--period", "week"])
    assert "no figure" in weeks.output.split("\n\n")[0]
    assert table.output.splitlines()[0].split() == [
        "period_start", "period_end", "region", "region_name", "km2_start", "km2_end",
        "change_km2", "percent_start", "percent_end", "largest_since"]
    bad = runner.invoke(cli, ["changes", "--snapshots", str(monthly), "--region", "Atlantis"])
    assert bad.exit_code == 2 and "unknown region 'Atlantis'" in bad.output


def test_bundled_timeline_gives_deepstatemaps_june_2025_figure():
    """The bundled timeline has every month's 1st: June 2025 is DeepStateMap's 556 km²."""
    ua = by_period(changes(period="month", regions=["UA"], date_from="2025-06-01",
                           date_to="2025-06-30"))
    assert ua.loc["2025-06", "change_km2"] == pytest.approx(556, rel=0.01)


# --- Across a gap of the series (issue 19: no figure stands across its break) ----------------


def test_a_boundary_in_a_gap_of_the_series_has_no_figure_not_the_one_before(tmp_path):
    """A weekly series (a figure stands 8 days) with a break on 2025-02-20: its map of
    2025-02-15 says nothing about 1 March, though it is within a month of it."""
    folder = tmp_path / "snaps"
    write(folder, "ua.csv", [ua_row("2025-01-01", 100_000.0), ua_row("2025-02-01", 100_300.0),
                             ua_row("2025-02-15", 100_400.0), ua_row("2025-04-01", 130_000.0),
                             ua_row("2025-05-01", 130_500.0)])
    (folder / "series.toml").write_text(
        'series = "Map desk"\nstands_days = 8\n[[breaks]]\ndate = 2025-02-20\n'
        'why = "the war changed"\n', encoding="utf-8")
    table = by_period(changes(folder, regions=["UA"]))
    assert table.loc["2025-02", "km2_start"] == 100_300.0
    assert math.isnan(table.loc["2025-02", "km2_end"])  # 1 March: in the gap
    assert math.isnan(table.loc["2025-03", "km2_start"])
    assert math.isnan(table.loc["2025-02", "change_km2"])
    assert table.loc["2025-04", "change_km2"] == 500.0


def test_changes_over_the_invasion_gap_give_no_pre_invasion_figure_on_1_march_2022():
    """`mapkit changes --from 2022-02-01 --to 2022-05-01 --region UA`: DeepStateMap has no map
    for 24 February – 2 April 2022, so 1 March 2022 has no figure (it was 43,419 km², the
    map of 23 February)."""
    result = CliRunner().invoke(cli, ["changes", "--from", "2022-02-01", "--to", "2022-05-01",
                                      "--region", "UA", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {row["period_start"]: row for row in csv.DictReader(io.StringIO(result.output))}
    assert rows["2022-02-01"]["km2_end"] == ""
    assert rows["2022-03-01"]["km2_start"] == ""
    assert "43419" not in result.output.replace(".", "").replace(",", "")
