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
    assert list(ua.index) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert ua.loc["2025-01", "km2_start"] == 100_000.0
    assert ua.loc["2025-01", "km2_end"] == 100_300.0  # the 1 Feb snapshot, not 15 Jan
    assert list(ua["change_km2"][:5]) == [300.0, 100.0, 500.0, -50.0, 350.0]
    assert ua.loc["2025-03", "percent_end"] == pytest.approx(100 * 100_900 / UKRAINE_KM2,
                                                            abs=1e-4)
    assert ua.loc["2025-01", "period_end"] == pd.Timestamp("2025-02-01")


def test_largest_since_is_the_last_earlier_period_with_a_larger_change(monthly):
    ua = by_period(changes(monthly, period="month"))
    since = ua["largest_since"].dt.strftime("%Y-%m").fillna("")
    # 300: first; 100: Jan was larger; 500: largest so far; -50: Mar; 350: Mar (500 > 350)
    assert list(since[:5]) == ["", "2025-01", "", "2025-03", "2025-03"]


def test_a_boundary_after_the_last_snapshot_has_no_figure(monthly):
    ua = by_period(changes(monthly, period="month"))
    june = ua.loc["2025-06"]
    assert june["km2_start"] == 101_200.0
    assert math.isnan(june["km2_end"]) and math.isnan(june["change_km2"])
    assert pd.isna(june["largest_since"])


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
    # Mon 2 → Mon 9 (its latest snapshot: Sun 8); Mon 9 → Mon 16 is after the last snapshot
    assert weeks["change_km2"].iloc[0] == 40.0 and math.isnan(weeks["change_km2"].iloc[1])
    assert (weeks["period_start"].dt.day_of_week == 0).all()


def test_from_and_to_keep_overlapping_periods_and_largest_since_looks_further_back(monthly):
    table = changes(monthly, period="month", date_from="2025-04-15", date_to="2025-05-31")
    ua = by_period(table)
    assert list(ua.index) == ["2025-04", "2025-05"]
    assert ua.loc["2025-05", "largest_since"] == pd.Timestamp("2025-03-01")


def test_default_regions_are_ua_and_those_with_territory(monthly):
    regions = set(changes(monthly, period="month")["region"])
    assert regions == {"UA", "UA-30"}
    kyiv = by_period(changes(monthly, period="month", regions=["Kiev"]), "UA-30")
    assert kyiv.loc["2025-02", "change_km2"] == pytest.approx(83.4)
    assert kyiv.loc["2025-02", "percent_end"] == pytest.approx(10.0, abs=1e-3)


def test_default_series_is_the_densest_computed_one(monthly):
    write(monthly, "paper.csv", [ua_row("2025-03-01", 99_000.0, "Paper", "reported")])
    frame = load_snapshots([monthly])
    assert default_source(frame) == "Map desk"
    ua = by_period(changes(frame))
    assert ua.loc["2025-02", "km2_end"] == 100_400.0
    paper = changes(frame, source="Paper", regions=["UA"])
    assert paper["km2_start"].dropna().tolist() == [99_000.0]


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
    assert list(rows[0]) == COLUMNS
    assert rows[0] == {"period_start": "2025-01-01", "period_end": "2025-02-01", "region": "UA",
                       "km2_start": "100000.0", "km2_end": "100300.0", "change_km2": "300.0",
                       "percent_start": "16.57", "percent_end": "16.62", "largest_since": ""}
    assert rows[-1]["km2_end"] == "" and rows[-1]["change_km2"] == ""


def test_cli_json_and_table(monthly):
    runner = CliRunner()
    result = runner.invoke(cli, ["changes", "--snapshots", str(monthly), "--format", "json",
                                 "--region", "UA"])
    records = json.loads(result.output)
    assert records[1]["change_km2"] == 100.0 and records[1]["largest_since"] == "2025-01-01"
    assert records[-1]["km2_end"] is None
    table = runner.invoke(cli, ["changes", "--snapshots", str(monthly)]).output
    assert "+300.0" in table and "100,300.0" in table and "no figure" in table
    assert table.splitlines()[0].split() == COLUMNS
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
