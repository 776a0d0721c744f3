"""The tables and series beside the map read like the data: gaps stay gaps, empty cells empty."""

import pandas as pd

from mapkit.snapshots import load_snapshots
from mapkit.viewer.tables import region_series, shown_date_display, shown_date_rows


def test_history_is_not_joined_across_years_without_figures():
    series = region_series(load_snapshots(), "UA-14")
    computed = series[series["source"] == "DeepStateMap"]
    before = computed[computed["date"] == pd.Timestamp("2014-03-18")]["segment"].item()
    after = computed[computed["date"] == pd.Timestamp("2022-02-23")]["segment"].item()
    assert before != after
    weekly = computed[computed["date"] >= pd.Timestamp("2022-04-03")]["segment"]
    assert weekly.nunique() == 1


def test_shown_table_prints_a_dash_not_none_for_missing_figures():
    frame = load_snapshots()
    rows = shown_date_rows(frame, "El País", "2025-03-17")
    shown = shown_date_display(rows, "en").set_index("Region")
    assert shown.loc["Donetsk"].iloc[0] == "60.0"
    assert shown.loc["Vinnytsia"].iloc[0] == "–"
    assert "None" not in shown.to_string()
