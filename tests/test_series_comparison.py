"""According to whom (issue 19 point 3), and the viewer's gaps (point 2), without a browser:
two series side by side per region and day, as the library gives them, as `mapkit export
--format csv --compare` writes them and as the viewer's "Compare series" view draws them; a date
in a series' gap in the viewer's data, table and export panel.

The browser side is tests/test_viewer_series_browser.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest
from test_changes import HEADER, ua_row

from mapkit.cli import cli
from mapkit.constants import NO_DATA_COLOUR
from mapkit.figures import FiguresError, series_coverage
from mapkit.i18n import date_text
from mapkit.scale import change_colour
from mapkit.series_comparison import COLUMNS, compare_series
from mapkit.snapshots import load_snapshots
from mapkit.viewer import map_data
from mapkit.viewer.tables import region_series, shown_date_display, shown_date_rows

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ISW = "ISW/CTP"
ISW_URL = "https://www.understandingwar.org"
GAP_DAY = "2022-03-15"  # DeepStateMap has no map for it; ISW/CTP has


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_snapshots()


def isw_figure(bundled: pd.DataFrame, day: str, region: str, column: str = "percent") -> float:
    row = bundled[(bundled["source"] == ISW) & (bundled["date"].astype(str) == day)
                  & (bundled["region"] == region)]
    return float(row[column].iloc[0])


def dsm_figure(bundled: pd.DataFrame, day: str, region: str, column: str = "percent") -> float:
    row = bundled[(bundled["source"] == "DeepStateMap") & (bundled["date"].astype(str) == day)
                  & (bundled["region"] == region)]
    return float(row[column].iloc[0])


# --- compare_series -----------------------------------------------------------------------------


@pytest.fixture()
def two_desks(tmp_path) -> Path:
    """A weekly desk (figures stand 7 days) with a break, and a daily desk beside it."""
    (tmp_path / "weekly").mkdir()
    (tmp_path / "weekly" / "w.csv").write_text(HEADER + "".join([
        ua_row("2025-01-05", 100_000.0, "Weekly desk"), ua_row("2025-01-12", 100_500.0,
                                                               "Weekly desk"),
        ua_row("2025-02-02", 101_000.0, "Weekly desk"),
    ]), encoding="utf-8")
    (tmp_path / "weekly" / "series.toml").write_text(
        'series = "Weekly desk"\nstands_days = 7\n', encoding="utf-8")
    (tmp_path / "daily").mkdir()
    (tmp_path / "daily" / "d.csv").write_text(HEADER + "".join([
        ua_row("2025-01-05", 99_000.0, "Daily desk"), ua_row("2025-01-13", 99_400.0,
                                                             "Daily desk"),
        ua_row("2025-01-25", 99_900.0, "Daily desk"), ua_row("2025-02-02", 100_100.0,
                                                             "Daily desk"),
    ]), encoding="utf-8")
    return tmp_path


def test_two_series_side_by_side_each_with_its_own_date_and_no_map_where_it_has_none(two_desks):
    table = compare_series(load_snapshots([two_desks]), "Daily desk", source="Weekly desk")
    ua = table[table["region"] == "UA"].set_index("date")
    assert list(ua.index) == ["2025-01-05", "2025-01-12", "2025-01-13", "2025-01-25",
                              "2025-02-02"]  # every day either has a map of its own
    assert ua.loc["2025-01-05", "difference_km2"] == -1000.0  # daily − weekly
    # 13 January: the weekly map of the 12th still stands (its figure date says so)
    assert ua.loc["2025-01-13", "figure_date_a"] == "2025-01-12"
    assert ua.loc["2025-01-13", "difference_km2"] == -1100.0
    # 25 January: the weekly desk has no map (its figure of the 12th stood until the 19th)
    assert ua.loc["2025-01-25", "status_a"] == "no map"
    assert pd.isna(ua.loc["2025-01-25", "area_km2_a"])
    assert pd.isna(ua.loc["2025-01-25", "figure_date_a"])
    assert pd.isna(ua.loc["2025-01-25", "difference_km2"])
    assert ua.loc["2025-01-25", "area_km2_b"] == 99_900.0
    # the daily desk has no series file: its figures stand on their own day only
    assert ua.loc["2025-01-12", "status_b"] == "no map"


def test_the_bundled_series_disagree_region_by_region_on_8_may_2022(bundled):
    table = compare_series(bundled, ISW, date="2022-05-08").set_index("region")
    assert list(table.columns) == [c for c in COLUMNS if c != "region"]
    kherson = table.loc["UA-65"]
    assert kherson["percent_a"] == dsm_figure(bundled, "2022-05-08", "UA-65")
    assert kherson["percent_b"] == isw_figure(bundled, "2022-05-08", "UA-65")
    assert kherson["difference_pp"] == pytest.approx(kherson["percent_b"] - kherson["percent_a"],
                                                     abs=0.005)
    assert kherson["difference_km2"] == pytest.approx(
        isw_figure(bundled, "2022-05-08", "UA-65", "area_km2")
        - dsm_figure(bundled, "2022-05-08", "UA-65", "area_km2"), abs=0.05)
    assert kherson["source_url_b"] == ISW_URL
    assert "UA" in table.index  # Ukraine as a whole, measured the same way by both


def test_compare_in_the_invasion_gap_says_no_map_for_deepstatemap_never_its_february_map(bundled):
    table = compare_series(bundled, ISW, date=GAP_DAY).set_index("region")
    assert (table["status_a"] == "no map").all()
    assert table["percent_a"].isna().all() and table["difference_pp"].isna().all()
    assert table.loc["UA-74", "percent_b"] == isw_figure(bundled, GAP_DAY, "UA-74") > 10


def test_compare_defaults_to_the_days_both_series_span(bundled):
    days = compare_series(bundled, ISW)["date"]
    assert days.min() == "2022-02-24" and days.max() == "2023-08-24"


def test_compare_refuses_the_maps_own_series_and_an_unknown_one(bundled):
    with pytest.raises(FiguresError, match="the map's own series"):
        compare_series(bundled, "DeepStateMap")
    with pytest.raises(FiguresError, match="no snapshot has source 'Nope'"):
        compare_series(bundled, "Nope")


# --- mapkit export --format csv --compare ------------------------------------------------------


def test_export_compare_csv_has_the_documented_columns_and_no_stale_figure(tmp_path):
    out = tmp_path / "compare.csv"
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "--compare", ISW,
                                      "--date", GAP_DAY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == [*COLUMNS, "mapkit_version", "generated_at"]
    ua = next(row for row in rows if row["region"] == "UA")
    assert (ua["series_a"], ua["status_a"], ua["percent_a"], ua["area_km2_a"]) == (
        "DeepStateMap", "no map", "", "")
    assert ua["series_b"] == ISW and float(ua["percent_b"]) > 15
    assert ua["difference_pp"] == "" and ua["difference_km2"] == ""
    assert "43419" not in out.read_text(encoding="utf-8")  # 23 February's map, never shown


def test_export_compare_wants_a_csv_and_a_known_series(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "--format", "png", "--compare", ISW,
                                 "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "use --format csv" in result.output
    result = runner.invoke(cli, ["export", "--format", "csv", "--compare", "Nope",
                                 "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "no snapshot has source 'Nope'" in result.output
    assert not (tmp_path / "x.csv").exists()


# --- the viewer: "Compare series" ---------------------------------------------------------------


def test_the_compare_view_colours_the_difference_and_keeps_each_figure(bundled):
    table = compare_series(bundled, ISW, date_from="2022-05-01", date_to="2022-05-08")
    data = map_data.series_compare_data(table, series_coverage(bundled))
    assert data["series"] == ["DeepStateMap", ISW]
    frame = data["frames"][data["dates"].index("2022-05-08")]
    kherson = table[(table["date"] == "2022-05-08") & (table["region"] == "UA-65")].iloc[0]
    i = [r["code"] for r in data["regions"]].index("UA-65")
    assert data["palette"][int(frame["c"][i], 36)] == change_colour(kherson["difference_pp"])
    assert frame["a"][i] == pytest.approx(kherson["percent_a"], abs=0.05)
    assert frame["b"][i] == pytest.approx(kherson["percent_b"], abs=0.05)
    assert data["headlines"][data["dates"].index("2022-05-08")].startswith(
        "Ukraine as a whole: DeepStateMap 20.")


def test_the_compare_view_in_a_gap_colours_nothing_and_says_no_map(bundled):
    table = compare_series(bundled, ISW, date=GAP_DAY)
    data = map_data.series_compare_data(table, series_coverage(bundled))
    frame = data["frames"][0]
    assert set(frame["a"]) == {"m"}  # no map, for every region
    assert {data["palette"][int(code, 36)] for code in frame["c"]} == {NO_DATA_COLOUR}


def test_a_regions_chart_in_the_compare_view_draws_both_series_as_lines(bundled):
    rows = region_series(bundled, "UA-65", "DeepStateMap", also=ISW)
    assert set(rows.loc[rows["line"] != "", "series"]) == {"DeepStateMap", ISW}
    assert (rows.loc[rows["series"] == "El País", "line"] == "").all()
    from mapkit.viewer.charts import region_chart

    spec = region_chart(bundled, "UA-65", "DeepStateMap", "2022-05-08", also=ISW).to_dict()
    domains = [layer["encoding"]["color"]["scale"]["domain"] for layer in spec["layer"]
               if "color" in layer.get("encoding", {})]
    assert domains[0][:2] == ["DeepStateMap (the map's series)", ISW]


# --- the viewer: a date in a series' gap --------------------------------------------------------


def test_the_viewers_deepstatemap_timeline_has_the_gap_days_isw_ctp_has_maps_for(bundled):
    data = map_data.percent_map_data(bundled, None)
    i = data["dates"].index(GAP_DAY)
    assert data["frames"][i]["gap"] == {
        "text": "DeepStateMap has no map for 24 Feb – 2 Apr 2022; ISW/CTP has", "to": ISW}
    assert set(data["frames"][i]["p"]) == {None} and data["headlines"][i] == ""
    assert data["dates"][data["dates"].index("2022-02-23") + 1] == "2022-02-24"
    start = dt.date.fromisoformat(data["dates"][0])
    gap = [(dt.date(2022, 2, 24) - start).days, (dt.date(2022, 4, 2) - start).days]
    assert data["coverage"]["gaps"] == [gap]
    assert data["coverage"]["others"][0][0] == ISW


def test_the_table_of_a_gap_day_says_no_map_and_gives_no_figure(bundled):
    timeline = map_data.viewer_timeline(bundled, None)
    for rows in (shown_date_rows(bundled, None, GAP_DAY, timeline=timeline),
                 shown_date_rows(bundled, None, GAP_DAY)):
        assert (rows["status"] == "no map").all()
        assert rows["percent"].isna().all() and rows["source"].isna().all()
        assert rows["map_note"].iloc[0] == "DeepStateMap has no map for 24 Feb – 2 Apr 2022"
    shown = shown_date_display(rows, "uk")
    assert set(shown["Статус"]) == {"немає карти"}


def test_the_viewers_table_links_each_figure_beside_the_map_to_its_source(bundled):
    rows = shown_date_rows(bundled, None, "2022-05-08").set_index("region")
    kherson = isw_figure(bundled, "2022-05-08", "UA-65")
    assert rows.loc["UA-65", "other_sources"] == f"ISW/CTP ({ISW_URL}) 2022-05-08: {kherson:g}"
    shown = shown_date_display(rows.reset_index(), "uk").set_index("Регіон")
    uk = f"{kherson:g}".replace(".", ",")
    assert shown.loc["Херсонська область", "Інші джерела близько цієї дати"] == (
        f"ISW/CTP ({ISW_URL}) 2022-05-08: {uk}")


def test_one_function_writes_dates_for_the_viewer_and_the_exports():
    assert date_text("2025-03-17") == "17 March 2025"
    assert date_text(pd.Timestamp("2025-03-17"), "uk") == "17 березня 2025"
    assert date_text(dt.date(2025, 3, 17)) == "17 March 2025"
    assert map_data.month_names("uk")[2] == "березня"  # as date_text writes it after a day
    assert map_data.month_names("en")[11] == "December"
    assert not hasattr(map_data, "format_date")


@pytest.fixture(scope="module")
def bundled_app():
    sys_argv = sys.argv
    sys.argv = ["app.py"]
    try:
        app = AppTest.from_file(APP, default_timeout=120).run()
    finally:
        sys.argv = sys_argv
    app.session_state["map"] = {"event": "ready", "date": None, "selected": None, "n": 1}
    app.run()
    return app


def _map_event(app, n: int, **event) -> None:
    app.session_state["map"] = {"event": "date", "selected": None, **event, "n": n}
    app.run()


def _texts(app) -> str:
    return " | ".join(str(e.value).replace("\\", "") for e in [
        *app.subheader, *app.caption, *app.info, *app.warning, *app.markdown])


def test_the_page_in_a_gap_offers_nothing_of_that_date_and_one_click_switches(bundled_app):
    app = bundled_app
    _map_event(app, 2, date=GAP_DAY)
    assert not app.exception
    assert app.session_state["date"] == GAP_DAY
    text = _texts(app)
    assert "Data for 15 March 2022" in text
    assert "DeepStateMap has no map for 24 Feb – 2 Apr 2022; ISW/CTP has" in text
    app.session_state["export_open"] = True
    app.run()  # the panel starts from the whole timeline, which it can export
    assert "DeepStateMap has no map for 15 March 2022" not in _texts(app)
    assert not app.button(key="export_make").disabled
    app.radio(key="export_scope:en").set_value("one").run()  # this date: it has no map
    assert "DeepStateMap has no map for 15 March 2022" in _texts(app)
    assert app.button(key="export_make").disabled
    # the map's button: ISW/CTP, the same date
    _map_event(app, 3, event="switch", series=ISW, date=GAP_DAY)
    assert not app.exception
    assert app.session_state["source"] == ISW and app.session_state["date"] == GAP_DAY
    assert "has no map" not in _texts(app)
    assert not app.button(key="export_make").disabled
    table = app.dataframe[-1].value.set_index("Region")
    figure = isw_figure(load_snapshots(), GAP_DAY, "UA-74")
    assert table.loc["Chernihiv", "Under Russian control, %"] == f"{figure:.1f}"
    assert table.loc["Chernihiv", "Source"] == ISW
