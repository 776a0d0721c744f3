"""The tables and series beside the map read like the data: gaps stay gaps, empty cells empty."""


from mapkit.figures import default_series
from mapkit.snapshots import load_snapshots
from mapkit.viewer.tables import region_series, shown_date_display, shown_date_rows


def test_the_series_line_breaks_only_where_it_says_partial_no_figure():
    frame = load_snapshots()
    series = default_series(frame)
    rows = region_series(frame, "UA-14", series)
    line = rows[rows["on_map"] & ~rows["partial"]].sort_values("date")
    partial = rows[rows["on_map"] & rows["partial"]]
    assert not partial.empty  # April 2014 to February 2015: no figure
    first_partial = partial["date"].min()
    before = line[line["date"] < first_partial]["segment"]
    after = line[line["date"] > first_partial]["segment"]
    assert before.nunique() == 1 and after.nunique() == 1 and set(before) != set(after)
    # the other sources are points beside the line, none of them in it
    assert set(rows[~rows["on_map"]]["series"]).isdisjoint({series})


def test_shown_table_prints_a_dash_not_none_for_missing_figures():
    frame = load_snapshots()
    rows = shown_date_rows(frame, "El País", "2025-03-17")
    shown = shown_date_display(rows, "en").set_index("Region")
    assert shown.loc["Donetsk"].iloc[0] == "60.0"
    assert shown.loc["Vinnytsia"].iloc[0] == "–"
    assert "None" not in shown.to_string()


def test_the_shown_date_read_from_the_whole_timeline_is_the_table_built_for_that_date():
    """The page reads each date's table from one timeline built once (a slider move costs
    microseconds, not a tenth of a second); it must be the very table built for the date."""
    import pandas as pd

    from mapkit.figures import build_timeline

    frame = load_snapshots()
    for source in (default_series(frame), "El País"):
        timeline = build_timeline(frame, source=source)
        dates = timeline.dates
        for day in {dates[0], dates[len(dates) // 3], dates[len(dates) // 2], dates[-1]}:
            pd.testing.assert_frame_equal(
                shown_date_rows(frame, source, day, timeline=timeline),
                shown_date_rows(frame, source, day))
